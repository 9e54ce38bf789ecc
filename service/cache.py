"""Projection results kept in memory, bounded in bytes, keyed by a hash of what produced them.

An entry is the result's Dataset and whichever renderings (JSON, CSV bytes) were asked for;
its size is the Dataset's bytes plus those renderings'. The cache drops least recently used
entries until the total fits :attr:`ResultCache.capacity_bytes`; a result or rendering larger
than the whole budget is never kept (it is answered, streamed, and let go).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

import xarray as xr

from forecast import provenance
from forecast.projection import ProjectionOptions

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel

# A Python str in an object array: about this many bytes besides the array's pointer.
_STRING_BYTES = 80


def comparison_key(
    scenario_digests: list[str],
    options: ProjectionOptions,
    model_labels: list[str],
    inputs: dict[str, Any],
) -> str:
    """sha256 of (every scenario digest in order, validated options, each scenario's baseline
    model, the other inputs (:func:`inputs_document`)): the key of a comparison's result, as
    :func:`result_key` is of a projection's (the two never collide: the documents differ in
    shape)."""
    text = json.dumps(
        {
            "comparison": scenario_digests,
            "options": options_document(options),
            "models": model_labels,
            "inputs": inputs,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def grid_export_key(projection_key: str, export: dict[str, Any]) -> str:
    """sha256 of (the key of the projection an export is made from, :func:`result_key`, and
    the export's own options, :meth:`service.tasks.GridExport.document`): the key of a grid
    export's result (never a projection's: the documents differ in shape)."""
    text = json.dumps({"grid_export": export, "projection": projection_key}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def result_key(
    scenario_sha256: str, options: ProjectionOptions, model_label: str, inputs: dict[str, Any]
) -> str:
    """sha256 of (scenario digest, validated options, baseline model, the other inputs).

    Two requests with the same key get byte-identical results: the projection is seeded, and
    everything else that decides its numbers is in ``inputs`` (:func:`inputs_document`), so a
    new build, an edited catalog, another model artifact or other weather is another key.
    """
    text = json.dumps(
        {
            "scenario": scenario_sha256,
            "options": options_document(options),
            "model": model_label,
            "inputs": inputs,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_document(
    models: list[BaselineModel | None], weather_digests: list[str]
) -> dict[str, Any]:
    """What decides a result's numbers besides its scenarios and options: the build
    (:func:`forecast.provenance.code_version`), the shipped data (the accelerator catalog, the
    climatologies: :func:`forecast.provenance.data_digest`), each baseline model artifact's
    signed manifest (which lists its files' sha256) and the weather each scenario runs over
    (:attr:`forecast.weather.WeatherEnsemble.digest`, ``none`` without weather)."""
    return {
        "code": provenance.code_version(),
        "data": provenance.data_digest(),
        "model_manifests": [
            None
            if model is None
            else hashlib.sha256(json.dumps(model.manifest, sort_keys=True).encode()).hexdigest()
            for model in models
        ],
        "weather": weather_digests,
    }


class InputDigests(TypedDict):
    """A run's record of its inputs besides its scenarios and options (:func:`input_digests`)."""

    data_sha256: str
    weather_sha256: str
    model_manifest_sha256: str


def input_digests(inputs: dict[str, Any]) -> InputDigests:
    """What a run records of its :func:`inputs_document`: ``data_sha256``, and
    ``weather_sha256`` and ``model_manifest_sha256`` comma-separated in the scenarios' order
    (``none`` for a scenario without weather or without a model): the digests its result's
    attributes carry (``data_sha256``, ``weather_sha256``), so that a run's record says which
    data it used without its result being read."""
    return InputDigests(
        data_sha256=inputs["data"],
        weather_sha256=",".join(inputs["weather"]),
        model_manifest_sha256=",".join(digest or "none" for digest in inputs["model_manifests"]),
    )


def options_document(options: ProjectionOptions) -> dict:
    """The projection options as JSON (what a run records, and a result key holds).

    ``per_draw``, the duration curves, the sites' series and a fixed ``weather_year`` are
    written only when asked for: a result without them keeps the key it had before requests
    could ask them, and one with them gets another.
    """
    extras: dict[str, Any] = {}
    if options.per_draw:
        extras["per_draw"] = True
    if options.sites:
        extras["sites"] = list(options.sites)
    if options.duration_curves:
        extras |= {"duration_curves": True, "duration_draws": options.duration_draws}
    if options.weather_year is not None:
        extras["weather_year"] = options.weather_year
    return extras | {
        "draws": options.draws,
        "seed": options.seed,
        "start": options.start.isoformat() if options.start else None,
        "end": options.end.isoformat() if options.end else None,
        "resolution": options.resolution,
        "quantiles": list(options.quantiles),
        "weather": options.weather,
        "include_baseline": options.include_baseline,
    }


def dataset_bytes(dataset: xr.Dataset) -> int:
    """Memory a Dataset holds: its arrays, with text coordinates counted per string. [bytes]"""
    total = 0
    for variable in dataset.variables.values():
        values = variable.values
        total += values.nbytes
        if values.dtype == object:
            total += values.size * _STRING_BYTES
    return int(total)


@dataclass
class ProjectionResult:
    """A finished projection, the run that recorded it, and renderings kept with it."""

    key: str
    dataset: xr.Dataset
    run_id: str | None = None
    result_file: str | None = None
    #: Bytes the result file was written with (a file of another size is damaged). [bytes]
    result_bytes: int | None = None
    #: sha256 the result file was written with (a file of another is damaged); None: unknown.
    result_sha256: str | None = None
    renderings: dict[str, bytes] = field(default_factory=dict)
    dataset_bytes: int = 0
    #: Time its computation took, for the run of a result computed before any request asked
    #: for it (start-up's, :func:`service.projecting.recorded`). [s]
    compute_seconds: float | None = None
    #: Set once an answer carrying the result has been rendered and handed over: the result
    #: file waits for it (:class:`service.writer.ResultWriter`).
    answered: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.dataset_bytes:
            self.dataset_bytes = dataset_bytes(self.dataset)

    @property
    def size_bytes(self) -> int:
        """Dataset plus renderings. [bytes]"""
        return self.dataset_bytes + sum(len(body) for body in self.renderings.values())

    @property
    def model_label(self) -> str:
        """Baseline model ``id@version`` the result was computed with, or ``none``; of a
        comparison, each distinct one in scenario order, comma-separated."""
        if "scenario" in self.dataset.dims:
            labels = [str(label) for label in self.dataset["baseline_model"].to_numpy()]
            return ",".join(dict.fromkeys(labels))
        return str(self.dataset.attrs.get("baseline_model", "none"))

    @property
    def hours(self) -> int:
        """Periods on the ``time`` axis."""
        return int(self.dataset.sizes.get("time", 0))


class ResultCache:
    """Thread-safe LRU of :class:`ProjectionResult` holding at most ``capacity_bytes``."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[str, ProjectionResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> ProjectionResult | None:
        """The cached result for ``key`` (marked most recently used), or None."""
        with self._lock:
            result = self._entries.get(key)
            if result is not None:
                self._entries.move_to_end(key)
            return result

    def put(self, result: ProjectionResult) -> bool:
        """Keep ``result`` if it fits the budget at all; drop the least recently used beyond.

        Returns
        -------
        bool
            Whether the result is now cached.
        """
        with self._lock:
            previous = self._entries.pop(result.key, None)
            if previous is not None:
                self._bytes -= previous.size_bytes
            if result.size_bytes > self.capacity_bytes:
                return False
            self._entries[result.key] = result
            self._bytes += result.size_bytes
            self._evict_locked()
            return result.key in self._entries

    def keep_rendering(self, result: ProjectionResult, file_format: str, body: bytes) -> bool:
        """Keep ``body`` with a cached ``result`` if the budget allows (after eviction).

        Returns
        -------
        bool
            Whether the rendering is kept.
        """
        with self._lock:
            if self._entries.get(result.key) is not result or file_format in result.renderings:
                return False
            if result.size_bytes + len(body) > self.capacity_bytes:
                return False
            result.renderings[file_format] = body
            self._bytes += len(body)
            self._entries.move_to_end(result.key)
            self._evict_locked()
            return result.key in self._entries

    def drop(self, key: str) -> None:
        """Forget the result of ``key``, if cached."""
        with self._lock:
            dropped = self._entries.pop(key, None)
            if dropped is not None:
                self._bytes -= dropped.size_bytes

    def _evict_locked(self) -> None:
        while self._bytes > self.capacity_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size_bytes

    @property
    def size_bytes(self) -> int:
        """Bytes held now."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
