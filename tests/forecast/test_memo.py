"""The shared memo of read-only arrays (forecast/memo.py)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from forecast.memo import SharedArrays


def test_kept_arrays_are_shared_read_only_and_bounded_least_recent_first():
    memo = SharedArrays(kept=2)
    first = memo.put("a", np.arange(3.0))
    assert memo.get("a") is first and not first.flags.writeable
    with pytest.raises(ValueError):
        first[0] = 9.0  # callers share it: nobody may change it
    memo.put("b", np.zeros(2))
    assert memo.get("a") is first  # "a" is now the most recently used
    memo.put("c", np.ones(2))
    assert len(memo) == 2
    assert memo.get("b") is None  # the least recently used went first
    assert memo.get("a") is first and memo.get("c") is not None
    assert memo.get("never") is None


def test_threads_putting_and_getting_keep_the_bound():
    memo = SharedArrays(kept=3)

    def work(offset: int) -> None:
        for index in range(200):
            key = (offset + index) % 7
            if memo.get(key) is None:
                memo.put(key, np.full(4, float(key)))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo) == 3
    for key in range(7):
        found = memo.get(key)
        assert found is None or np.all(found == key)
