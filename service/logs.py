"""What the service's log lines carry: an ISO 8601 time and the id of the request they belong to.

Every request gets an id (:class:`RequestIds`): the client's ``X-Request-ID`` when it is a safe
short token (a proxy's or a client's own id, so that one request can be followed through every
log), else a new one. The answer carries it back in ``X-Request-ID``, and every log line written
while the request is handled carries it: uvicorn's access line, the service's errors, a bug's
traceback. Lines outside a request (start-up, the job scheduler) show ``-``.

``forecast serve`` installs :class:`IsoFormatter` and :class:`RequestIdFilter` through the
standard :mod:`logging.config` dictionary it hands uvicorn (:func:`forecast.cli.serve.serve`),
on uvicorn's loggers and the ``service`` and ``forecast`` ones::

    2026-12-06T13:40:02.114+00:00 INFO uvicorn.access [5f0c3a9e1b2d4c68] 127.0.0.1:50312 -
    "GET /v1/scenarios HTTP/1.1" 200

(one line in the log).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming id is kept only if it is this: letters, digits, ``.``, ``_`` and ``-``, at most 64
#: (a UUID, a proxy's hex id); anything else could forge or break a log line, and is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Shown where a line belongs to no request.
NO_REQUEST = "-"

#: The id of the request being handled. Set in the request's own task, and not reset when it
#: ends: uvicorn writes the access line, and its traceback of a bug, from that task after the
#: app returns, and each request runs in a task with its own copy of the context.
current_request_id: ContextVar[str] = ContextVar("current_request_id", default=NO_REQUEST)


def request_id_of(presented: str | None) -> str:
    """The id of a request: ``presented`` when it is safe (:data:`SAFE_REQUEST_ID`), else a new
    one (16 random hex digits)."""
    if presented is not None and SAFE_REQUEST_ID.fullmatch(presented):
        return presented
    return secrets.token_hex(8)


class RequestIds:
    """ASGI middleware: give each HTTP request its id and answer it in ``X-Request-ID``.

    :class:`service.main.ServiceApp` puts it outside Starlette's own error middleware, so
    that a 500 carries the id too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(Headers(scope=scope).get(REQUEST_ID_HEADER))
        current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute: the request's id, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class IsoFormatter(logging.Formatter):
    """``%(asctime)s`` as ISO 8601 in UTC, to the millisecond: ``2026-12-06T13:40:02.114+00:00``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        moment = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        return moment.isoformat(timespec="milliseconds")
