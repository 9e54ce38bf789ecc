"""The benchmark's measurements, each run in a process of its own by
:mod:`tests.benchmarks.bench_projection`::

    python -m tests.benchmarks.cases KIND '{json config}'

prints one JSON line of results. ``KIND`` is one of:

``national``
    One projection with the stream kernels timed (and, as asked, compared chunk by chunk with
    the NumPy reference, or with the floor kernels of :mod:`tests.benchmarks.floor` timed on
    the same inputs).
``startup``
    What a first projection in a new process is made of: imports, each kernel's compile (on a
    cold cache) or load (warm), the projection's stages.
``dashboard``
    Dashboard-sized projections in a warm process (200 draws, monthly, 2024-2035, with the
    baseline), each with a new seed, and where their time goes by stage.
``api``
    The API's national case inside one process: the projection, then its JSON rendering by the
    service's own renderer (what the server does between reading a request and writing it).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict

import numpy as np

STARTED = time.perf_counter()

#: The engine's stages, in order, as (module attribute of forecast.engine, label).
STAGES = (
    ("weather_for", "weather"),
    ("baseline_model", "baseline model"),
    ("draw_inputs", "sampling"),
    ("build_fleet", "fleet"),
    ("place_fleet", "hosting"),
    ("coefficients", "power coefficients"),
    ("baseline_series", "baseline shape"),
    ("stream_hours", "stream"),
    ("build_dataset", "dataset"),
)


def _options(config):
    import datetime as dt

    from forecast import engine

    return engine.ProjectionOptions(
        draws=config["draws"],
        seed=config.get("seed", 1),
        start=dt.date.fromisoformat(config["start"]),
        end=dt.date.fromisoformat(config["end"]),
        include_baseline=config.get("baseline", True),
        resolution=config.get("resolution", "hourly"),
        weather=config.get("weather", "auto"),
    )


def _relative_difference(got, want) -> float:
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), finite)
    scale = np.maximum(np.abs(want[finite]), 1e-300)
    return float((np.abs(got[finite] - want[finite]) / scale).max(initial=0.0))


def _timed(owner, attribute: str, label: str, timings: dict[str, float], *,
           clock=time.perf_counter) -> None:  # fmt: skip
    """Wrap ``owner.attribute`` so that each call adds its time by ``clock`` (default its wall
    time) to ``timings[label]``."""
    function = getattr(owner, attribute)

    def timed(*args, **kwargs):
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            timings[label] += clock() - start

    setattr(owner, attribute, timed)


def _timed_stages(timings: dict[str, float]) -> None:
    """Wrap the engine's stages so that each adds its wall time to ``timings``."""
    from forecast import engine

    for attribute, label in STAGES:
        _timed(engine, attribute, label, timings)


def _timed_kernel(timings: dict[str, float]) -> None:
    """Wrap the stream kernel so that its wall time adds to ``timings["stream kernel"]`` (it
    runs inside the stage "stream", which also builds each chunk's inputs and folds its sums),
    and the baseline's quantiles found beside the stages before it (their own thread) to
    ``timings["baseline quantiles beside"]``."""
    from forecast import kernels

    _timed(kernels, "stream_chunk", "stream kernel", timings)
    _timed(kernels, "baseline_quantiles", "baseline quantiles beside", timings)


def national(config) -> dict:
    """One projection, its stream kernels timed; with ``reference`` or ``floor`` set, the
    NumPy reference or the floor kernels run on every chunk's inputs too."""
    from forecast import engine, kernels
    from forecast.engine import stream
    from forecast.scenario import load_scenario

    # The fused kernel with every quantile row, as the floors and the NumPy reference count
    # them: the baseline's quantiles are not found beside the other stages here.
    stream.BASELINE_BESIDE = False
    kernels.warm_up()
    scenario = load_scenario(config["scenario"])
    timings = defaultdict(float, max_relative_difference=0.0)
    fused, fused_stress, stress = kernels.stream_chunk, kernels.stress_levels, {}
    if config.get("floor"):
        from tests.benchmarks import floor

    def compared_stress(inputs, year_offset, threshold, state):
        start = time.perf_counter()
        fused_stress(inputs, year_offset, threshold, state)
        timings["stress_kernel_s"] += time.perf_counter() - start
        stress["kernel"] = (state.levels, state.total_peak, state.ai_at_peak)
        if config.get("reference"):
            from tests.benchmarks.numpy_reference import StressReference

            start = time.perf_counter()
            if "reference" not in stress:
                stress["reference"] = StressReference(
                    state.heaps.shape[1], threshold, *state.levels.shape
                )
            stress["reference"].add(inputs, year_offset)
            timings["numpy_s"] += time.perf_counter() - start

    def compared_kernel(*args):
        start = time.perf_counter()
        fused(*args)
        timings["stream_kernel_s"] += time.perf_counter() - start
        if config.get("floor"):
            inputs, found = args[0], (args[2], args[3])
            if not timings["chunks"]:  # compile the floor kernels outside the timings
                floor.floor_chunk(inputs, *found, False)
                floor.floor_chunk(inputs, *found, True)
            for name, count in (("evaluate_s", False), ("evaluate_and_count_s", True)):
                start = time.perf_counter()
                floor.floor_chunk(inputs, *found, count)
                timings[name] += time.perf_counter() - start
            if config.get("pruning") and timings["chunks"] % 8 == 0:
                stress.setdefault("pruning", []).append(floor.pruning_candidates(inputs, args[1]))
            timings["chunks"] += 1
        if config.get("reference"):
            from tests.benchmarks.numpy_reference import reference_chunk

            start = time.perf_counter()
            expected = reference_chunk(*args[:3], block_count=args[5].shape[0])
            timings["numpy_s"] += time.perf_counter() - start
            for got, want in zip(args[3:], expected, strict=True):
                timings["max_relative_difference"] = max(
                    timings["max_relative_difference"], _relative_difference(got, want)
                )

    kernels.stream_chunk, kernels.stress_levels = compared_kernel, compared_stress
    start = time.perf_counter()
    dataset = engine.project(scenario, _options(config))
    timings["project_s"] = time.perf_counter() - start
    if "reference" in stress:  # the first pass of flexibility, after the engine closed each year
        reference = stress["reference"]
        expected = (reference.levels(), reference.peak, reference.ai_at_peak)
        for got, want in zip(stress["kernel"], expected, strict=True):
            timings["max_relative_difference"] = max(
                timings["max_relative_difference"], _relative_difference(got, want)
            )
    timings["kernel_s"] = timings["stream_kernel_s"] + timings["stress_kernel_s"]
    timings["hours"] = int(dataset.sizes["time"])
    timings["baseline"] = dataset.attrs["baseline_model"]
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if stress.get("pruning"):
        found = stress["pruning"]
        timings["pruning_candidates"] = {
            name: np.mean([one[name] for one in found], axis=0).round(3).tolist()
            for name in found[0]
        }
    return dict(timings)


def startup(config) -> dict:
    """A first projection in this new process: imports, kernel compiles or loads, stages, and
    whether numba was started at all (a small projection runs the NumPy twins)."""
    compiles: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    import forecast.engine  # noqa: F401  (the imports a projection needs)
    from forecast.projection import project
    from forecast.scenario import load_scenario

    imported = time.perf_counter() - start
    if config.get("numba", True):  # it runs the numba kernels: time their compiles
        _listen_to_compiles(compiles)
    stages = defaultdict(float)
    _timed_stages(stages)
    scenario = load_scenario(config["scenario"])
    start, cpu = time.perf_counter(), time.process_time()
    project(scenario, _options(config))
    return {
        "imports_s": imported,
        "project_s": time.perf_counter() - start,
        "project_cpu_s": time.process_time() - cpu,
        "compile_cpu_s": dict(compiles),
        "stages_s": dict(stages),
        "process_s": time.perf_counter() - STARTED,
        "process_cpu_s": time.process_time(),
        "numba_loaded": "numba" in sys.modules,
    }


def _listen_to_compiles(compiles: dict[str, float]) -> None:
    """Add the CPU seconds of each compile of one of the project's kernels to ``compiles``."""
    import numba.core.event

    class Compiles(numba.core.event.Listener):
        """CPU seconds of each compile of one of the project's kernels called from Python."""

        depth = 0

        def on_start(self, event):
            self.depth += 1
            if self.depth == 1:
                self.started = time.process_time()

        def on_end(self, event):
            self.depth -= 1
            if self.depth == 0:
                function = event.data["dispatcher"].py_func
                name = f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"
                compiles[name] += time.process_time() - self.started

    numba.core.event.register("numba:compile", Compiles())


def dashboard(config) -> dict:
    """Dashboard-sized projections in a warm process, a new seed each, with their stages."""
    from forecast.projection import project
    from forecast.scenario import load_scenario

    scenario = load_scenario(config["scenario"])
    project(scenario, _options({**config, "seed": 0}))  # warm: kernels, model, weather
    stages = defaultdict(float)
    _timed_stages(stages)
    seconds = []
    for repeat in range(config["repeats"]):
        start = time.perf_counter()
        project(scenario, _options({**config, "seed": 1 + repeat}))
        seconds.append(time.perf_counter() - start)
    return {
        "seconds": seconds,
        "stages_s": {name: value / config["repeats"] for name, value in stages.items()},
    }


def api(config) -> dict:
    """The API's national case in-process: projection, then the service's JSON rendering."""
    from forecast.projection import project
    from forecast.scenario import load_scenario
    from service.render import csv_chunks, parquet_chunks, projection_json, projection_netcdf

    scenario = load_scenario(config["scenario"])
    project(scenario, _options({**config, "draws": 10, "seed": 0}))  # warm
    found = defaultdict(list)
    stages = defaultdict(float)
    _timed_stages(stages)
    _timed_kernel(stages)
    for repeat in range(config["repeats"]):
        start = time.perf_counter()
        dataset = project(scenario, _options({**config, "seed": 1 + repeat}))
        found["project_s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        body = projection_json(dataset)
        found["json_s"].append(time.perf_counter() - start)
        found["json_mb"].append(len(body) / 1e6)
    # The other answer formats, once each, on the last result: size [MB] and rendering [s].
    for name, render in (
        ("csv", lambda: b"".join(csv_chunks(dataset))),
        ("parquet", lambda: b"".join(parquet_chunks(dataset))),
        ("netcdf", lambda: projection_netcdf(dataset)),
    ):
        start = time.perf_counter()
        answer = render()
        found["formats"].append((name, time.perf_counter() - start, len(answer) / 1e6))
    return dict(found) | {
        "stages_s": {name: value / config["repeats"] for name, value in stages.items()}
    }


if __name__ == "__main__":
    KINDS = {"national": national, "startup": startup, "dashboard": dashboard, "api": api}
    print(json.dumps(KINDS[sys.argv[1]](json.loads(sys.argv[2]))))
