"""uvicorn's HTTP/1.1 protocol with a deadline on the request head.

uvicorn times out idle keep-alive connections, but not a client that connects and sends its
request line and headers a byte at a time (or nothing at all): each such connection is held
open for ever, and enough of them exhaust the process's file descriptors. These protocols
close a connection whose request head is not complete ``client_timeout_seconds`` after its
first byte (or after the connection opened). A slow request *body* and a slow reader of the
answer are timed out by :class:`service.limits.RequestGuard`.

``forecast serve`` names :data:`TimedProtocol` as uvicorn's ``http`` protocol: the httptools
parser (C) when installed, as uvicorn itself prefers, else h11 (pure Python).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import environment_settings


class _HeadDeadline:
    """Mixin for uvicorn's HTTP protocols: drop a connection whose request head is slow."""

    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        cycle = self.cycle  # type: ignore[attr-defined]
        if cycle is not None and not cycle.response_complete:
            self._disarm()  # a request is being handled: its head is complete
        elif self._head_deadline is None:
            self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # Between requests uvicorn's own keep-alive timeout applies, until a byte arrives.
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm(self) -> None:
        self._disarm()
        seconds = environment_settings().client_timeout_seconds
        self._head_deadline = self.loop.call_later(  # type: ignore[attr-defined]
            seconds, self._head_too_slow
        )

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        cycle = self.cycle  # type: ignore[attr-defined]
        if cycle is None or cycle.response_complete:
            self.transport.close()  # type: ignore[attr-defined]


class TimedH11Protocol(_HeadDeadline, H11Protocol):
    """h11 (pure Python) with a deadline on the request head."""


TimedProtocol: type[asyncio.Protocol]
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: h11, as uvicorn's "auto" does
    TimedProtocol = TimedH11Protocol
else:

    class TimedHttpToolsProtocol(_HeadDeadline, HttpToolsProtocol):
        """httptools (C) with a deadline on the request head."""

    TimedProtocol = TimedHttpToolsProtocol
