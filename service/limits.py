"""Limits every request meets before the app sees it (pure ASGI middleware).

:class:`RequestGuard` answers, naming the limit:

* ``413`` to a body larger than ``max_body_bytes`` (a declared ``Content-Length`` is checked
  before anything is read; a chunked body is counted as it arrives and cut off at the limit);
* ``503`` with ``Retry-After`` when ``max_requests_in_flight`` requests are being handled, or
  when the bodies being received and parsed would exceed ``max_body_bytes_in_flight`` (a 1 MB
  JSON body can take 16 MB as Python objects: many at once are a memory flood);
* ``401``/``403`` on a ``/v1`` route to a request without the key the route asks (every
  route when reads need a key; a write or admin route always) or with a key that is not
  accepted, from the headers alone: before its body is read and without counting against
  any limit, so that clients without a key cannot hold the places of those with one;
* ``429`` when one client (its key, or its IP address without a key; the heavy-work slots
  of :mod:`service.admission` count it too, through
  :data:`service.admission.current_request`) already has
  ``max_requests_in_flight_per_client`` requests being handled;
* ``408`` to a client that takes longer than ``client_timeout_seconds`` to send the next part
  of its body, or whose body arrives slower than ``min_body_bytes_per_second`` (after
  :data:`BODY_GRACE_SECONDS`); a client that takes as long to take the next part of an
  answer is disconnected.

``/healthz`` and ``/readyz`` pass untouched: a flood must never make the service look dead.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.admission import RequestPlace, current_request
from service.deps import API_KEY_HEADER, Caller, has_role, identify, required_role
from service.errors import ForbiddenError, ServiceError, UnauthorizedError
from service.settings import Settings

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
RETRY_AFTER_SECONDS = "5"
#: Time every request body has on top of its length at ``min_body_bytes_per_second``. [s]
BODY_GRACE_SECONDS = 5.0


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
        self.per_client: Counter[str] = Counter()

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
        try:
            caller = self._authorise(scope, headers)
        except ServiceError as refusal:
            await self._refuse(
                scope, receive, send, refusal.status_code, str(refusal), refusal.headers
            )
            return
        declared = headers.get(b"content-length", b"")
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > settings.max_body_bytes:
            await self._refuse(scope, receive, send, 413, self._too_large(str(length)))
            return
        address = scope.get("client")
        client = replace(caller, address=address[0] if address else None).client
        if self.per_client[client] >= settings.max_requests_in_flight_per_client:
            await self._refuse(
                scope,
                receive,
                send,
                429,
                f"{self.per_client[client]} requests of {client} in flight: at most "
                f"{settings.max_requests_in_flight_per_client} per client "
                "(FORECAST_MAX_REQUESTS_IN_FLIGHT_PER_CLIENT); retry later",
                {"Retry-After": RETRY_AFTER_SECONDS},
            )
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
        self.per_client[client] += 1
        self.body_bytes += reserved
        # Heavy work's slots are counted against the same client (service.admission).
        place = RequestPlace(client)
        counted_as = current_request.set(place)
        try:
            await self.app(scope, self._timed_receive(receive), self._timed_send(send, place))
        except _SlowReaderError:
            pass  # the answer had started: nothing more can be sent; the connection closes
        finally:
            place.answer_started()
            current_request.reset(counted_as)
            self.in_flight -= 1
            self.per_client[client] -= 1
            if not self.per_client[client]:
                del self.per_client[client]
            self.body_bytes -= reserved

    def _authorise(self, scope: Scope, headers: dict[bytes, bytes]) -> Caller:
        """The caller, from the ``X-API-Key`` header, on a ``/v1`` route: 403 for a key that
        is not accepted or whose role is too low, 401 for none where the route asks one.

        Raises
        ------
        ServiceError
            401 or 403 (the routes' own dependencies would refuse the same, after the body).
        """
        if not scope["path"].startswith("/v1/"):
            return Caller()
        presented = headers.get(API_KEY_HEADER.lower().encode(), b"").decode("latin-1")
        caller = identify(self.settings, presented)
        table = getattr(scope["app"].state, "route_roles", ()) if "app" in scope else ()
        role = required_role(table, scope["method"], scope["path"])
        if role is None and self.settings.reads_need_key():
            role = "read"
        if role is None:
            return caller
        if caller.role is None:
            raise UnauthorizedError(
                f"{API_KEY_HEADER} header missing: this endpoint needs a key with role {role}"
            )
        if not has_role(caller, role):
            raise ForbiddenError(
                f"{API_KEY_HEADER}: a {caller.role} key; this endpoint needs role {role}"
            )
        return caller

    def _too_large(self, size: str) -> str:
        return (
            f"request body = {size} bytes: at most {self.settings.max_body_bytes} allowed "
            "(FORECAST_MAX_BODY_BYTES)"
        )

    def _timed_receive(self, receive: Receive) -> Receive:
        timeout = self.settings.client_timeout_seconds
        rate = self.settings.min_body_bytes_per_second
        limit = self.settings.max_body_bytes
        started = time.monotonic()
        received = 0
        complete = False

        async def timed() -> Message:
            nonlocal received, complete
            if complete:  # only a disconnect can come now; wait for it as long as it takes
                return await receive()
            # The body so far must have come at the least rate, after a grace: a client
            # trickling a byte now and then meets the per-part timeout but not this.
            left = started + BODY_GRACE_SECONDS + received / rate - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(min(timeout, left), 0))
            except TimeoutError:
                if left < timeout:
                    elapsed = time.monotonic() - started
                    detail = (
                        f"request body: {received} bytes in {elapsed:.1f} s, slower than "
                        f"{rate} bytes/s after {BODY_GRACE_SECONDS:g} s "
                        "(FORECAST_MIN_BODY_BYTES_PER_SECOND)"
                    )
                else:
                    detail = (
                        f"request body: no data for {timeout:g} s (FORECAST_CLIENT_TIMEOUT_SECONDS)"
                    )
                # FastAPI hands an HTTPException raised while reading the body to the app's
                # handler (any other exception would become a 400). The rest of the body may
                # still come: the connection cannot be reused.
                raise HTTPException(408, detail=detail, headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=self._too_large(f"more than {limit}"))
                complete = not message.get("more_body", False)
            return message

        return timed

    def _timed_send(self, send: Send, place: RequestPlace) -> Send:
        timeout = self.settings.client_timeout_seconds

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                place.answer_started()  # a slot kept for the answer's rendering goes back
            try:
                await asyncio.wait_for(send(message), timeout)
            except TimeoutError:
                raise _SlowReaderError from None

        return timed

    @staticmethod
    async def _refuse(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        if headers is None and status == 503:
            headers = {"Retry-After": RETRY_AFTER_SECONDS}
        # The body is never read and the client may still be sending it: the connection is
        # closed after the answer, and a trickling client loses it at once.
        headers = {**(headers or {}), "Connection": "close"}
        response = JSONResponse({"detail": detail}, status_code=status, headers=headers)
        await response(scope, receive, send)
