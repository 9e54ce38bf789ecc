"""Limits every request meets before the app sees it (pure ASGI middleware).

:class:`RequestGuard` answers, naming the limit:

* ``413`` to a body larger than ``max_body_bytes`` (a declared ``Content-Length`` is checked
  before anything is read; a chunked body is counted as it arrives and cut off at the limit);
* ``503`` with ``Retry-After`` when ``max_requests_in_flight`` requests are being handled, or
  when the bodies being received and parsed would exceed ``max_body_bytes_in_flight`` (a 1 MB
  JSON body can take 16 MB as Python objects: many at once are a memory flood);
* ``408`` to a client that takes longer than ``client_timeout_seconds`` to send the next part
  of its body; a client that takes as long to take the next part of an answer is
  disconnected.

``/healthz`` and ``/readyz`` pass untouched: a flood must never make the service look dead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import Settings

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
RETRY_AFTER_SECONDS = "5"


class _SlowReaderError(Exception):
    """The client did not take the answer's next part in time."""


class RequestGuard:
    """See the module docstring; ``settings`` is called once, at the first request."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]) -> None:
        self.app = app
        self._settings_of = settings
        self._settings: Settings | None = None
        self.in_flight = 0
        self.body_bytes = 0

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self._settings_of()
        return self._settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        settings = self.settings
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"")
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > settings.max_body_bytes:
            await self._refuse(scope, receive, send, 413, self._too_large(str(length)))
            return
        if self.in_flight >= settings.max_requests_in_flight:
            await self._refuse(
                scope,
                receive,
                send,
                503,
                f"{self.in_flight} requests in flight: at most "
                f"{settings.max_requests_in_flight} (FORECAST_MAX_REQUESTS_IN_FLIGHT); retry later",
            )
            return
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        reserved = length if length is not None else (settings.max_body_bytes if chunked else 0)
        if reserved and self.body_bytes + reserved > settings.max_body_bytes_in_flight:
            await self._refuse(
                scope,
                receive,
                send,
                503,
                f"request bodies being read: {self.body_bytes} bytes; one more of {reserved} "
                f"would pass {settings.max_body_bytes_in_flight} "
                "(FORECAST_MAX_BODY_BYTES_IN_FLIGHT); retry later",
            )
            return
        self.in_flight += 1
        self.body_bytes += reserved
        try:
            await self.app(scope, self._timed_receive(receive), self._timed_send(send))
        except _SlowReaderError:
            pass  # the answer had started: nothing more can be sent; the connection closes
        finally:
            self.in_flight -= 1
            self.body_bytes -= reserved

    def _too_large(self, size: str) -> str:
        return (
            f"request body = {size} bytes: at most {self.settings.max_body_bytes} allowed "
            "(FORECAST_MAX_BODY_BYTES)"
        )

    def _timed_receive(self, receive: Receive) -> Receive:
        timeout = self.settings.client_timeout_seconds
        limit = self.settings.max_body_bytes
        received = 0
        complete = False

        async def timed() -> Message:
            nonlocal received, complete
            if complete:  # only a disconnect can come now; wait for it as long as it takes
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                # FastAPI hands an HTTPException raised while reading the body to the app's
                # handler (any other exception would become a 400).
                raise HTTPException(
                    408,
                    detail=f"request body: no data for {timeout:g} s "
                    "(FORECAST_CLIENT_TIMEOUT_SECONDS)",
                    # The rest of the body may still come: the connection cannot be reused.
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=self._too_large(f"more than {limit}"))
                complete = not message.get("more_body", False)
            return message

        return timed

    def _timed_send(self, send: Send) -> Send:
        timeout = self.settings.client_timeout_seconds

        async def timed(message: Message) -> None:
            try:
                await asyncio.wait_for(send(message), timeout)
            except TimeoutError:
                raise _SlowReaderError from None

        return timed

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
        response = JSONResponse({"detail": detail}, status_code=status, headers=headers)
        await response(scope, receive, send)
