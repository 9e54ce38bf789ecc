"""Bounded LRU cache of projection results, keyed by a content hash of what produced them."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import xarray as xr

from forecast.projection import ProjectionOptions


def result_key(scenario_sha256: str, options: ProjectionOptions, model_label: str) -> str:
    """sha256 of (scenario digest, validated options, baseline model ``id@version``).

    Two requests with the same key get byte-identical results: the projection is seeded.
    """
    text = json.dumps(
        {
            "scenario": scenario_sha256,
            "draws": options.draws,
            "seed": options.seed,
            "start": options.start.isoformat() if options.start else None,
            "end": options.end.isoformat() if options.end else None,
            "resolution": options.resolution,
            "quantiles": list(options.quantiles),
            "weather": options.weather,
            "include_baseline": options.include_baseline,
            "model": model_label,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ProjectionResult:
    """A finished projection and its serialisations, rendered once per format on demand."""

    key: str
    dataset: xr.Dataset
    renderings: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rendered(self, file_format: str, render: Callable[[xr.Dataset], bytes]) -> bytes:
        """The bytes of ``file_format``, rendering them the first time they are asked for."""
        cached = self.renderings.get(file_format)
        if cached is not None:
            return cached
        # One rendering per format even when many requests ask at once.
        with self._lock:
            cached = self.renderings.get(file_format)
            if cached is None:
                cached = render(self.dataset)
                self.renderings[file_format] = cached
        return cached

    @property
    def model_label(self) -> str:
        """Baseline model ``id@version`` the result was computed with, or ``none``."""
        return str(self.dataset.attrs.get("baseline_model", "none"))


class ResultCache:
    """Thread-safe LRU of :class:`ProjectionResult` holding at most ``capacity`` entries."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, ProjectionResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> ProjectionResult | None:
        """The cached result for ``key`` (marked most recently used), or None."""
        with self._lock:
            result = self._entries.get(key)
            if result is not None:
                self._entries.move_to_end(key)
            return result

    def put(self, result: ProjectionResult) -> None:
        """Store ``result``, dropping the least recently used entries beyond the capacity."""
        if self.capacity == 0:
            return
        with self._lock:
            self._entries[result.key] = result
            self._entries.move_to_end(result.key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
