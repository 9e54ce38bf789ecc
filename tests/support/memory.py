"""Memory of a computation, as the service's estimates are checked against it (not collected):
:mod:`tests.service.test_estimates` and the script ``tests/measure_estimates.py``."""

from __future__ import annotations

import gc
import threading
import tracemalloc
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def traced_peak(compute: Callable[[], T]) -> tuple[int, T]:
    """tracemalloc's peak of ``compute()`` on a fresh thread (its stream scratch counts, as on
    a worker thread's first job), and what it returned. [bytes]"""
    gc.collect()
    answer: list[Any] = []

    def traced() -> None:
        tracemalloc.start()
        try:
            answer.append(compute())
            answer.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()

    thread = threading.Thread(target=traced)
    thread.start()
    thread.join()
    return answer[1], answer[0]


def result_and_per_draw_bytes(dataset) -> tuple[int, int]:
    """A Dataset's arrays without and with a ``draw`` dim (coordinates with the first). [bytes]"""
    per_draw = sum(v.nbytes for v in dataset.data_vars.values() if "draw" in v.dims)
    return sum(v.nbytes for v in dataset.variables.values()) - per_draw, per_draw
