"""A bounded memo of read-only arrays, shared by every caller in the process.

Projections served again and again with the same model and weather reuse arrays that depend
only on them (the baseline's hourly shape, the inference profile): each such array is kept
here under a key that fixes everything it depends on, read-only from then on (callers share it),
the least recently used one going first when more than ``kept`` are held. Thread-safe: the
service computes projections on several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np


class SharedArrays:
    """At most ``kept`` read-only arrays by key, least recently used out first."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._arrays: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> np.ndarray | None:
        """The array kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._arrays.get(key)
            if found is not None:
                self._arrays.move_to_end(key)
            return found

    def put(self, key: Hashable, array: np.ndarray) -> np.ndarray:
        """Keep ``array`` under ``key``, read-only from now on; returns it."""
        array.flags.writeable = False  # shared by every caller from now on
        with self._lock:
            self._arrays[key] = array
            self._arrays.move_to_end(key)
            while len(self._arrays) > self.kept:
                self._arrays.popitem(last=False)
        return array

    def __len__(self) -> int:
        with self._lock:
            return len(self._arrays)
