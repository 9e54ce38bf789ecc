"""Admission control: a heavy request gets a slot and its memory before it gets a thread.

Every heavy route (projections, baseline forecasts, renders of a stored result, and any route
added later that computes) awaits :meth:`Admission.slot` on the event loop first. Waiting
costs a coroutine, not one of the thread pool's threads, so a flood of heavy requests can
neither starve ``/healthz`` (async, no thread) nor pile up threads that each hold memory.

One client (an API key, or an IP address without a key: :data:`current_request`, set for each
request by :class:`service.limits.RequestGuard`) computes at most ``per_client`` heavy requests
at once, so that one analyst cannot hold every slot while others wait. Its further requests
wait their turn rather than fail: a waiting request whose client computes ``per_client``
already is passed over, and those behind it (other clients') go first; it starts once one of
its client's own requests has finished. A request that has held a slot before (it computed,
and now renders its answer) is not held back by its client's limit and goes before requests
that have not started, so that nothing computed is then refused.

A request is refused at once, never queued without bound:

* ``413`` when its memory estimate exceeds what heavy work may use at all;
* ``429`` (with ``Retry-After``) when ``max_waiting`` requests are already waiting, or when its
  client already has :attr:`Admission.waiting_per_client` requests waiting (half the waiting
  places, rounded up), so that one client cannot fill the queue either;
* ``503`` (with ``Retry-After``) when no slot and memory became free within the wait, the
  detail saying so when it was the client's own requests that kept it waiting.

The memory heavy work may use is the budget left after the process itself, the result cache
and running jobs (:meth:`service.state.ServiceState.start` works it out). Estimates come from
:mod:`service.estimates`.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from service.errors import BusyError, SaturatedError, TooLargeError

RETRY_AFTER_SECONDS = 5
#: Setting of :attr:`Admission.per_client`, named in the answers it shapes.
PER_CLIENT_SETTING = "FORECAST_MAX_INLINE_PROJECTIONS_PER_CLIENT"


def gigabytes(value: float) -> str:
    """``1.23 GB`` (decimal)."""
    return f"{value / 1e9:.2f} GB"


@dataclass
class RequestPlace:
    """One request's standing with admission: whom it counts as, whether it has held a slot
    before, and the slot it keeps between its computation and its answer."""

    #: :attr:`service.deps.Caller.client`: ``key <id>`` or ``address <ip>``.
    client: str
    #: Granted a slot before (its first heavy work admitted): later work of the same request
    #: (rendering what it computed) is not held back by the client's limit.
    admitted: bool = False
    #: The slot its last heavy work gave back, kept for its next (rendering the answer) until
    #: the answer starts: a request that has computed is not made to wait for a slot again.
    parked: Grant | None = None
    #: The answer has started (or the request ended): no slot is kept any more.
    answering: bool = False

    def answer_started(self) -> None:
        """The request's answer has started, or the request ended: a kept slot goes back."""
        self.answering = True
        parked, self.parked = self.parked, None
        if parked is not None:
            parked.release()


#: The request being handled (set by :class:`service.limits.RequestGuard`); None outside a
#: request (start-up's work, a test's), which no client limit applies to.
current_request: ContextVar[RequestPlace | None] = ContextVar("current_request", default=None)


@dataclass
class Grant:
    """A slot and ``bytes`` of memory held for one piece of heavy work; release once."""

    admission: Admission
    bytes: int
    #: The client it is counted against, if any.
    client: str | None = None
    #: The request it was granted to, if any: released while that request has not started
    #: its answer, the slot is kept for the request's next heavy work.
    place: RequestPlace | None = None
    released: bool = field(default=False)

    def release(self) -> None:
        """Give the slot and memory back, or keep them for the request's next heavy work
        (idempotent; call on the event loop)."""
        if self.released:
            return
        place, self.place = self.place, None
        if place is not None and not place.answering and place.parked is None:
            place.parked = self
            return
        self.released = True
        self.admission._give_back(self.bytes, self.client)


@dataclass
class _Waiter:
    bytes: int
    future: asyncio.Future
    client: str | None
    #: Work of a request that has held a slot before: first in line, no client limit.
    continuing: bool


class Admission:
    """Slots and memory for heavy work, granted on the event loop in arrival order.

    Parameters
    ----------
    slots
        Pieces of heavy work running at once.
    memory_bytes
        Memory they may hold together. [bytes]
    max_waiting
        Requests allowed to wait; one more is refused with 429.
    wait_seconds
        Longest wait for a slot before 503. [s]
    limit_name
        Setting that sets ``memory_bytes``, named in a 413's detail.
    per_client
        Heavy requests one client may have computing at once (its others wait); None:
        ``slots`` (no limit of its own).
    """

    def __init__(
        self,
        *,
        slots: int,
        memory_bytes: int,
        max_waiting: int,
        wait_seconds: float,
        limit_name: str = "FORECAST_MEMORY_BUDGET_BYTES",
        per_client: int | None = None,
    ) -> None:
        self.slots = slots
        self.memory_bytes = memory_bytes
        self.max_waiting = max_waiting
        self.wait_seconds = wait_seconds
        self.limit_name = limit_name
        self._free_slots = slots
        self._free_bytes = memory_bytes
        self._waiting: deque[_Waiter] = deque()
        self.per_client = per_client or slots
        #: Requests one client may have waiting at once: half the waiting places, rounded up.
        self.waiting_per_client = (max_waiting + 1) // 2
        #: Slots each client holds now.
        self._running: Counter[str] = Counter()
        #: Requests each client has waiting now.
        self._queued: Counter[str] = Counter()

    @property
    def busy_slots(self) -> int:
        """Slots granted now."""
        return self.slots - self._free_slots

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return len(self._waiting)

    @property
    def reserved_bytes(self) -> int:
        """Memory granted now. [bytes]"""
        return self.memory_bytes - self._free_bytes

    def check_fits(self, what: str, need_bytes: int) -> None:
        """Raise 413 when ``need_bytes`` could never be granted.

        Raises
        ------
        TooLargeError
            The estimate exceeds all the memory heavy work may use.
        """
        if need_bytes > self.memory_bytes:
            raise TooLargeError(
                f"{what}: needs about {gigabytes(need_bytes)} of memory; at most "
                f"{gigabytes(self.memory_bytes)} is available to one request under "
                f"{self.limit_name}; ask fewer draws, quantiles or a shorter period"
            )

    def held_by(self, client: str) -> int:
        """Slots ``client`` holds now."""
        return self._running[client]

    def waiting_for(self, client: str) -> int:
        """Requests of ``client`` waiting for a slot now."""
        return self._queued[client]

    async def acquire(self, what: str, need_bytes: int) -> Grant:
        """A slot and ``need_bytes`` of memory, waited for on the event loop, counted against
        the request's client (:data:`current_request`).

        Raises
        ------
        TooLargeError, SaturatedError, BusyError
            413, 429, 503 as described in the module docstring.
        """
        self.check_fits(what, need_bytes)
        place = current_request.get()
        if place is not None and place.parked is not None:
            grant = self._reuse(place, need_bytes)
            if grant is not None:
                return grant
        client = None if place is None else place.client
        continuing = place is not None and place.admitted
        grant = await self._acquire(what, need_bytes, client, continuing=continuing)
        grant.place = place
        if place is not None:
            place.admitted = True
        return grant

    def _reuse(self, place: RequestPlace, need_bytes: int) -> Grant | None:
        """The slot ``place`` kept, with ``need_bytes`` of memory, or None (given back) when
        that much memory is not free now."""
        parked, place.parked = place.parked, None
        if parked is None or parked.released or parked.admission is not self:
            return None
        parked.released = True  # handed on, not given back
        if need_bytes - parked.bytes > self._free_bytes:
            self._give_back(parked.bytes, parked.client)
            return None
        self._free_bytes -= need_bytes - parked.bytes
        return Grant(self, need_bytes, parked.client, place)

    async def _acquire(
        self, what: str, need_bytes: int, client: str | None, *, continuing: bool
    ) -> Grant:
        waiter = _Waiter(need_bytes, asyncio.get_running_loop().create_future(), client, continuing)
        first = self._next()
        behind = first is not None and (first.continuing or not continuing)
        if not behind and self._may_start(waiter) and self._fits(need_bytes):
            self._take(waiter)
            return Grant(self, need_bytes, client)
        if not continuing:  # a request under way is never refused for the queue's length
            self._check_room(what, client)
        if continuing:  # after the others under way, before every request not started
            ahead = sum(1 for other in self._waiting if other.continuing)
            self._waiting.insert(ahead, waiter)
        else:
            self._waiting.append(waiter)
        if client is not None:
            self._queued[client] += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await asyncio.shield(waiter.future)
        except (TimeoutError, asyncio.CancelledError) as stopped:
            if waiter.future.done():  # granted just as the wait ended: hand it on
                self._give_back(need_bytes, client)
            else:
                waiter.future.cancel()
                self._waiting.remove(waiter)
                self._unqueue(client)
                self._wake()
            if isinstance(stopped, asyncio.CancelledError):
                raise
            raise BusyError(
                self._busy(what, client), retry_after_seconds=RETRY_AFTER_SECONDS
            ) from None
        return Grant(self, need_bytes, client)

    def _check_room(self, what: str, client: str | None) -> None:
        if len(self._waiting) >= self.max_waiting:
            raise SaturatedError(
                f"{what}: {len(self._waiting)} requests already wait for one of {self.slots} "
                f"slots; at most {self.max_waiting} may wait (FORECAST_MAX_WAITING_REQUESTS); "
                "retry later",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )
        if client is not None and self._queued[client] >= self.waiting_per_client:
            raise SaturatedError(
                f"{what}: {client} computes {self._running[client]} heavy requests and has "
                f"{self._queued[client]} more waiting for a slot; at most {self.per_client} "
                f"computing ({PER_CLIENT_SETTING}) and {self.waiting_per_client} waiting "
                "(half of FORECAST_MAX_WAITING_REQUESTS) per client; retry once one of its "
                "requests has been answered",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )

    def _busy(self, what: str, client: str | None) -> str:
        if client is not None and self._running[client] >= self.per_client:
            return (
                f"{what}: waited {self.wait_seconds:g} s while {client}'s own "
                f"{self._running[client]} heavy requests computed; at most {self.per_client} "
                f"per client at once ({PER_CLIENT_SETTING}); retry once one of them has been "
                "answered"
            )
        return (
            f"{what}: all {self.slots} slots (or {gigabytes(self.memory_bytes)} of memory "
            f"for heavy work) stayed busy for {self.wait_seconds:g} s; retry later"
        )

    @asynccontextmanager
    async def slot(self, what: str, need_bytes: int) -> AsyncIterator[Grant]:
        """``async with admission.slot(...)``: acquire, run the body, release."""
        grant = await self.acquire(what, need_bytes)
        try:
            yield grant
        finally:
            grant.release()

    def _may_start(self, waiter: _Waiter) -> bool:
        return (
            waiter.continuing
            or waiter.client is None
            or self._running[waiter.client] < self.per_client
        )

    def _next(self) -> _Waiter | None:
        """The first waiter in line whose client may start another request."""
        return next((waiter for waiter in self._waiting if self._may_start(waiter)), None)

    def _unqueue(self, client: str | None) -> None:
        if client is not None:
            self._queued[client] -= 1
            if self._queued[client] <= 0:
                del self._queued[client]

    def _fits(self, need_bytes: int) -> bool:
        return self._free_slots > 0 and self._free_bytes >= need_bytes

    def _take(self, waiter: _Waiter) -> None:
        self._free_slots -= 1
        self._free_bytes -= waiter.bytes
        if waiter.client is not None:
            self._running[waiter.client] += 1

    def _give_back(self, need_bytes: int, client: str | None) -> None:
        self._free_slots += 1
        self._free_bytes += need_bytes
        if client is not None:
            self._running[client] -= 1
            if self._running[client] <= 0:
                del self._running[client]
        self._wake()

    def _wake(self) -> None:
        # Arrival order among those whose client may start another: the first of them is
        # served before any later one, so a large request is not overtaken forever by small
        # ones; a request whose client computes its share already waits for its own.
        while (waiter := self._next()) is not None and self._fits(waiter.bytes):
            self._waiting.remove(waiter)
            self._unqueue(waiter.client)
            self._take(waiter)
            waiter.future.set_result(None)
