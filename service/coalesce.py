"""Identical concurrent work (a projection, a rendering) done once for every caller."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def retrieved(task: asyncio.Future[Any]) -> None:
    """Take a finished task's exception, if any, so that nothing logs it as never retrieved
    (a done-callback for work nobody may await)."""
    if not task.cancelled():
        task.exception()


class Coalescer:
    """Identical concurrent work runs once: later callers await the first one's task.

    The work runs as a task of its own, so the first caller going away (a closed connection)
    does not cancel it for the others; its result is also cached by the work itself.
    """

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[Any]] = {}

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """``(value, shared)``: the work's value, and whether another caller started it."""
        task = self._running.get(key)
        shared = task is not None
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task), shared

    def _finished(self, key: str, task: asyncio.Task[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        retrieved(task)
