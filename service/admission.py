"""Admission control: a heavy request gets a slot and its memory before it gets a thread.

Every heavy route (projections, baseline forecasts, renders of a stored result, and any route
added later that computes) awaits :meth:`Admission.slot` on the event loop first. Waiting
costs a coroutine, not one of the thread pool's threads, so a flood of heavy requests can
neither starve ``/healthz`` (async, no thread) nor pile up threads that each hold memory.

A request is refused at once, never queued without bound:

* ``413`` when its memory estimate exceeds what heavy work may use at all;
* ``429`` when ``max_waiting`` requests are already waiting, or when the request's client (an
  API key, or an IP address without a key: :data:`current_client`, set for each request by
  :class:`service.limits.RequestGuard`) already holds or waits for ``per_client`` slots, so
  that one key cannot hold every slot while others wait;
* ``503`` (with ``Retry-After``) when no slot and memory became free within the wait.

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
#: Whom the request being handled counts as (:attr:`service.deps.Caller.client`: ``key
#: <id>`` or ``address <ip>``); None outside a request (start-up's work, a test's).
current_client: ContextVar[str | None] = ContextVar("current_client", default=None)


def gigabytes(value: float) -> str:
    """``1.23 GB`` (decimal)."""
    return f"{value / 1e9:.2f} GB"


@dataclass
class Grant:
    """A slot and ``bytes`` of memory held for one piece of heavy work; release once."""

    admission: Admission
    bytes: int
    #: The client it is counted against (:data:`current_client`), if any.
    client: str | None = None
    released: bool = field(default=False)

    def release(self) -> None:
        """Give the slot and memory back (idempotent; call on the event loop)."""
        if not self.released:
            self.released = True
            self.admission._give_back(self.bytes)
            self.admission._leave(self.client)


@dataclass
class _Waiter:
    bytes: int
    future: asyncio.Future


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
        Slots one client may hold or wait for at once; None: ``slots`` (no limit of its
        own).
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
        #: Slots each client holds or waits for now.
        self._clients: Counter[str] = Counter()

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
        """Slots ``client`` holds or waits for now."""
        return self._clients[client]

    async def acquire(self, what: str, need_bytes: int) -> Grant:
        """A slot and ``need_bytes`` of memory, waited for on the event loop, counted against
        the request's client (:data:`current_client`).

        Raises
        ------
        TooLargeError, SaturatedError, BusyError
            413, 429, 503 as described in the module docstring.
        """
        self.check_fits(what, need_bytes)
        client = current_client.get()
        if client is not None and self._clients[client] >= self.per_client:
            raise SaturatedError(
                f"{what}: {client} holds or waits for {self._clients[client]} of the "
                f"{self.slots} slots for heavy work; at most {self.per_client} per client "
                "(FORECAST_MAX_INLINE_PROJECTIONS_PER_CLIENT); retry once one of its requests "
                "has been answered",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )
        if client is not None:
            self._clients[client] += 1
        try:
            return await self._acquire(what, need_bytes, client)
        except BaseException:
            self._leave(client)
            raise

    async def _acquire(self, what: str, need_bytes: int, client: str | None) -> Grant:
        if not self._waiting and self._fits(need_bytes):
            self._take(need_bytes)
            return Grant(self, need_bytes, client)
        if len(self._waiting) >= self.max_waiting:
            raise SaturatedError(
                f"{what}: {len(self._waiting)} requests already wait for one of {self.slots} "
                f"slots; at most {self.max_waiting} may wait (FORECAST_MAX_WAITING_REQUESTS); "
                "retry later",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )
        waiter = _Waiter(need_bytes, asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout(self.wait_seconds):
                await asyncio.shield(waiter.future)
        except (TimeoutError, asyncio.CancelledError) as stopped:
            if waiter.future.done():  # granted just as the wait ended: hand it on
                self._give_back(need_bytes)
            else:
                waiter.future.cancel()
                self._waiting.remove(waiter)
                self._wake()
            if isinstance(stopped, asyncio.CancelledError):
                raise
            raise BusyError(
                f"{what}: all {self.slots} slots (or {gigabytes(self.memory_bytes)} of memory "
                f"for heavy work) stayed busy for {self.wait_seconds:g} s; retry later",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            ) from None
        return Grant(self, need_bytes, client)

    @asynccontextmanager
    async def slot(self, what: str, need_bytes: int) -> AsyncIterator[Grant]:
        """``async with admission.slot(...)``: acquire, run the body, release."""
        grant = await self.acquire(what, need_bytes)
        try:
            yield grant
        finally:
            grant.release()

    def _leave(self, client: str | None) -> None:
        if client is not None:
            self._clients[client] -= 1
            if self._clients[client] <= 0:
                del self._clients[client]

    def _fits(self, need_bytes: int) -> bool:
        return self._free_slots > 0 and self._free_bytes >= need_bytes

    def _take(self, need_bytes: int) -> None:
        self._free_slots -= 1
        self._free_bytes -= need_bytes

    def _give_back(self, need_bytes: int) -> None:
        self._free_slots += 1
        self._free_bytes += need_bytes
        self._wake()

    def _wake(self) -> None:
        # Arrival order: the first waiter is served before any later one, so a large
        # request is not overtaken forever by small ones.
        while self._waiting and self._fits(self._waiting[0].bytes):
            waiter = self._waiting.popleft()
            self._take(waiter.bytes)
            waiter.future.set_result(None)
