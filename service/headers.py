"""Headers every answer carries, whatever answered it (pure ASGI middleware).

``X-Content-Type-Options: nosniff`` (a browser never guesses a JSON or CSV answer to be HTML)
and ``X-Frame-Options: DENY`` (no page of another site frames this one: the Swagger UI at
``/docs``, where an analyst may paste an admin key, is not a clickjacking target). A header the
answer sets itself (the dashboard's stricter policy) is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_ANSWER = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """Add :data:`EVERY_ANSWER` to every HTTP answer that does not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_ANSWER.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
