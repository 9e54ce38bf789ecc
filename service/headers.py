"""Headers every answer carries, whatever answered it (pure ASGI middleware).

``X-Content-Type-Options: nosniff`` (a browser never guesses a JSON or CSV answer to be HTML)
and ``X-Frame-Options: DENY`` (no page of another site frames this one: the Swagger UI at
``/docs``, where an analyst may paste an admin key, is not a clickjacking target). A header the
answer sets itself (the dashboard's stricter policy) is kept.

An answer to a request that needed an API key (it carried one, or every ``/v1`` route asks
one: ``FORECAST_REQUIRE_READ_KEY``) is the key holder's alone: ``Cache-Control`` says
``private`` (a result, revalidated by its ETag: ``private, no-cache``) or, where the answer set
none, ``no-store``, so that a shared proxy keeps none of it for the next client. The dashboard's
page and static files, open to everyone, keep their own caching.

``Strict-Transport-Security`` only when ``FORECAST_HSTS_SECONDS`` is set: the service usually
sits behind a TLS proxy that sends it (``docs/deploy/nginx``), and the header on plain HTTP
would be wrong; set it where the service itself is reached over HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_ANSWER = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
#: The header an API key comes in (:data:`service.deps.API_KEY_HEADER`), as ASGI names it.
_KEY_HEADER = b"x-api-key"


def keyed_cache_control(current: str | None) -> str:
    """``Cache-Control`` of a keyed answer: ``private`` added to the answer's own directives
    (``no-cache``: revalidated by its ETag), or ``no-store`` where it set none."""
    if not current:
        return "no-store"
    directives = [part.strip() for part in current.split(",") if part.strip()]
    if {"private", "no-store"} & {part.lower() for part in directives}:
        return current
    kept = [part for part in directives if part.lower() != "public"]
    return ", ".join(["private", *kept])


class SecurityHeaders:
    """Add :data:`EVERY_ANSWER` to every HTTP answer that does not set them, and make a keyed
    answer private (:func:`keyed_cache_control`).

    ``reads_need_key`` says whether every ``/v1`` route asks a key, ``hsts_seconds`` the
    ``max-age`` of ``Strict-Transport-Security`` (0: not sent) [s]; both read when a request
    comes (the settings of the app, which tests override).
    """

    def __init__(
        self,
        app: ASGIApp,
        reads_need_key: Callable[[], bool] = lambda: False,
        hsts_seconds: Callable[[], int] = lambda: 0,
    ) -> None:
        self.app = app
        self.reads_need_key = reads_need_key
        self.hsts_seconds = hsts_seconds

    def _keyed(self, scope: Scope) -> bool:
        if any(name == _KEY_HEADER for name, _ in scope.get("headers", ())):
            return True
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        return path.startswith("/v1/") and self.reads_need_key()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        keyed = self._keyed(scope)
        hsts = self.hsts_seconds()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_ANSWER.items():
                    if name not in headers:
                        headers[name] = value
                if hsts and "Strict-Transport-Security" not in headers:
                    headers["Strict-Transport-Security"] = f"max-age={hsts}"
                if keyed:
                    headers["Cache-Control"] = keyed_cache_control(headers.get("Cache-Control"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
