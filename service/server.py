"""uvicorn's HTTP/1.1 protocol with a deadline on the request head.

uvicorn times out idle keep-alive connections, but not a client that connects and sends its
request line and headers a byte at a time (or nothing at all): each such connection is held
open for ever, and enough of them exhaust the process's file descriptors. This protocol
closes a connection whose request head is not complete ``client_timeout_seconds`` after its
first byte (or after the connection opened). A slow request *body* and a slow reader of the
answer are timed out by :class:`service.limits.RequestGuard`.

``forecast serve`` names this class as uvicorn's ``http`` protocol.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import environment_settings


class TimedH11Protocol(H11Protocol):
    """:class:`H11Protocol` that drops a connection whose request head takes too long."""

    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:
            # A request is being handled: its head is complete.
            self._disarm()
        elif self._head_deadline is None:
            self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Between requests uvicorn's own keep-alive timeout applies, until a byte arrives.
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        seconds = environment_settings().client_timeout_seconds
        self._head_deadline = self.loop.call_later(seconds, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()
