"""Benchmark of the projection engine: the Korean national case and a scaling table.

The national case is ``kr-outlook-flex`` unless ``--scenario`` names another: deployment plans
hosted in sites, non-AI data-centre load, grid connection limits and flexibility (whose first
pass over the hours, :func:`forecast.kernels.stress_levels`, is timed with the kernel and has
its own NumPy reference).

Run from the repository root (takes several minutes; prints a Markdown report)::

    python -m tests.benchmarks.bench_projection            # everything
    python -m tests.benchmarks.bench_projection --quick    # 1,000 draws, 1 year: a smoke run

Every measurement runs in a fresh subprocess so that its peak RSS is its own. The NumPy
reference (:mod:`tests.benchmarks.numpy_reference`) runs in the same process as the kernel
on the same sampled inputs, chunk by chunk, and the results are compared to 1e-9 relative.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import numpy as np
started = time.perf_counter()
import datetime as dt
from forecast import _numba, engine, kernels
from forecast.scenario import load_scenario
_numba.warm_up()
config = json.loads(sys.argv[1])
scenario = load_scenario(config["scenario"])
options = engine.ProjectionOptions(
    draws=config["draws"], seed=1, start=dt.date.fromisoformat(config["start"]),
    end=dt.date.fromisoformat(config["end"]), include_baseline=config["baseline"])
timings = {"kernel_s": 0.0, "numpy_s": 0.0, "max_relative_difference": 0.0}
if config.get("floor"):
    from tests.benchmarks import floor
    timings.update(evaluate_s=0.0, evaluate_and_count_s=0.0, chunks=0)
    pruning = []
fused = kernels.stream_chunk
fused_stress = kernels.stress_levels
stream = engine.stream_hours
stress = {}

def compared_stress(inputs, year_offset, threshold, heaps, sizes, open_year, levels, peak,
                    ai_at_peak):
    start = time.perf_counter()
    fused_stress(inputs, year_offset, threshold, heaps, sizes, open_year, levels, peak,
                 ai_at_peak)
    timings["kernel_s"] += time.perf_counter() - start
    timings["stress_kernel_s"] = timings.get("stress_kernel_s", 0.0) + time.perf_counter() - start
    stress["kernel"] = (levels, peak, ai_at_peak)
    if config["reference"]:
        from tests.benchmarks.numpy_reference import StressReference
        start = time.perf_counter()
        if "reference" not in stress:
            stress["reference"] = StressReference(heaps.shape[1], threshold, *levels.shape)
        stress["reference"].add(inputs, year_offset)
        timings["numpy_s"] += time.perf_counter() - start

def timed_stream(*args, **kwargs):
    start = time.perf_counter()
    try:
        return stream(*args, **kwargs)
    finally:
        timings["stream_s"] = time.perf_counter() - start

def compared_kernel(*args):
    start = time.perf_counter()
    fused(*args)
    timings["kernel_s"] += time.perf_counter() - start
    if config.get("floor"):
        inputs, found = args[0], (args[2], args[3])
        if timings["chunks"] == 0:  # compile the floor kernels outside the timings
            floor.floor_chunk(inputs, *found, False)
            floor.floor_chunk(inputs, *found, True)
        for name, count in (("evaluate_s", False), ("evaluate_and_count_s", True)):
            start = time.perf_counter()
            floor.floor_chunk(inputs, *found, count)
            timings[name] += time.perf_counter() - start
        if timings["chunks"] % 8 == 0:
            pruning.append(floor.pruning_candidates(inputs, args[1]))
        timings["chunks"] += 1
    if config["reference"]:
        from tests.benchmarks.numpy_reference import reference_chunk
        start = time.perf_counter()
        expected = reference_chunk(*args[:3], block_count=args[5].shape[0])
        timings["numpy_s"] += time.perf_counter() - start
        for got, want in zip(args[3:], expected):
            finite = np.isfinite(want)
            scale = np.maximum(np.abs(want[finite]), 1e-300)
            difference = float((np.abs(got[finite] - want[finite]) / scale).max(initial=0.0))
            assert np.array_equal(np.isfinite(got), finite)
            timings["max_relative_difference"] = max(timings["max_relative_difference"],
                                                     difference)

engine.stream_hours = timed_stream
kernels.stream_chunk = compared_kernel
kernels.stress_levels = compared_stress
start = time.perf_counter()
dataset = engine.project(scenario, options)
timings["project_s"] = time.perf_counter() - start
if "reference" in stress:  # the first pass of flexibility, after the engine closed each year
    reference = stress["reference"]
    for got, want in zip(stress["kernel"], (reference.levels(), reference.peak,
                                            reference.ai_at_peak)):
        finite = np.isfinite(want)
        assert np.array_equal(np.isfinite(got), finite)
        scale = np.maximum(np.abs(want[finite]), 1e-300)
        difference = float((np.abs(got[finite] - want[finite]) / scale).max(initial=0.0))
        timings["max_relative_difference"] = max(timings["max_relative_difference"], difference)
timings["process_s"] = time.perf_counter() - started
timings["hours"] = int(dataset.sizes["time"])
timings["baseline"] = dataset.attrs["baseline_model"]
timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if config.get("floor"):
    timings["pruning_candidates"] = {
        name: np.mean([found[name] for found in pruning], axis=0).round(3).tolist()
        for name in pruning[0]
    }
    days = len(dataset.indexes["time"]) // 24
    generator = np.random.default_rng(1)
    start = time.perf_counter()
    generator.standard_normal((days, config["draws"]))
    timings["daily_normals_s"] = time.perf_counter() - start
print(json.dumps(timings))
"""


def run_case(
    draws: int,
    start: str,
    end: str,
    *,
    baseline: bool,
    reference: bool,
    timeout_s: float,
    floor: bool = False,
    scenario: str = "kr-national",
) -> dict | None:
    """Run one projection in a fresh process; None when it runs past ``timeout_s``.

    With ``floor``, the kernel's inputs also go through the floor kernels of
    :mod:`tests.benchmarks.floor` (timed apart from the kernel) and the pruning analysis.
    """
    config = {
        "scenario": scenario,
        "draws": draws,
        "start": start,
        "end": end,
        "baseline": baseline,
        "reference": reference,
        "floor": floor,
    }
    try:
        completed = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(config)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.stderr) from error
    return json.loads(completed.stdout.strip().splitlines()[-1])


def start_up(cache_dir: str) -> tuple[float, float]:
    """Seconds from a new process's start to the first result of a small projection, and to
    the process's exit (the interpreter's teardown of numba, pandas and xarray comes after
    the result: 0.2-0.5 s on the development machine)."""
    code = (
        "import time\n"
        "from forecast.projection import ProjectionOptions, project\n"
        "from forecast.scenario import load_scenario\n"
        "project(load_scenario('kr-national'), ProjectionOptions(draws=100, "
        "include_baseline=False, weather='typical', start=__import__('datetime').date"
        "(2030, 1, 1), end=__import__('datetime').date(2030, 1, 31)))\n"
        "print(time.time())\n"
    )
    environment = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    started, start = time.time(), time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code], check=True, env=environment, capture_output=True, text=True
    )
    exited = time.perf_counter() - start
    return float(completed.stdout.strip().splitlines()[-1]) - started, exited


def report_floor() -> None:
    """Print the floors of :mod:`tests.benchmarks.floor` beside the kernel, for both cases."""
    print("\n## Floors: the least any exact kernel that looks at every draw each hour must do")
    print("| draws | fused kernel [s] | evaluate only [s] | evaluate + 25 counts [s] "
          "| daily normals [s] |")  # fmt: skip
    print("|---|---|---|---|---|")
    found = {}
    for draws in (1000, 10_000):
        result = run_case(draws, "2024-01-01", "2035-12-31", baseline=True, reference=False,
                          timeout_s=3600, floor=True)  # fmt: skip
        assert result is not None
        found[draws] = result["pruning_candidates"]
        print(
            f"| {draws:,} | {result['kernel_s']:.2f} | {result['evaluate_s']:.2f} | "
            f"{result['evaluate_and_count_s']:.2f} | {result['daily_normals_s']:.2f} |"
        )
    print(
        "\nPruning with exact daily bounds: mean fraction of the draws still undecided for "
        "P5/P10/P50/P90/P95, then for any of them (10,000 draws; every 5th day of every "
        "8th chunk)"
    )
    for name, fractions in found[10_000].items():
        print(f"- {name}: " + ", ".join(f"{value:.0%}" for value in fractions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 draws over 2024 only")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="only the floors: what any exact kernel must spend at 1,000 and 10,000 draws",
    )
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=600.0,
        help="seconds allowed per scaling-table cell [s]",
    )
    parser.add_argument(
        "--scenario",
        default="kr-outlook-flex",
        help="shipped scenario of the national case and the scaling table (default: Korea's "
        "outlook with non-AI load, grid connection limits and flexibility all switched on)",
    )
    arguments = parser.parse_args()
    load = os.getloadavg()
    print(f"# Projection benchmark, {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f}; Python {platform.python_version()}"
    )

    if arguments.floor:
        report_floor()
        return
    draws, end = (1000, "2024-12-31") if arguments.quick else (10_000, "2035-12-31")
    name = arguments.scenario
    print(f"\n## {name}, {draws:,} draws, hourly 2024-01-01..{end}, P5/P10/P50/P90/P95")
    main_run = run_case(draws, "2024-01-01", end, baseline=True, reference=False, timeout_s=3600,
                        scenario=name)  # fmt: skip
    compared = run_case(draws, "2024-01-01", end, baseline=True, reference=True, timeout_s=7200,
                        scenario=name)  # fmt: skip
    print(json.dumps({"fused": main_run, "with_numpy_reference": compared}, indent=1))
    print(
        f"ratio NumPy reference / fused kernel (same inputs, same run): "
        f"{compared['numpy_s'] / compared['kernel_s']:.1f}x; "
        f"max relative difference {compared['max_relative_difference']:.2e}"
    )

    print(f"\n## Scaling of {name} (include_baseline=False): seconds, ns per draw-hour, peak RSS")
    print("| draws | years | hours | project [s] | kernel [s] | ns/draw-hour | RSS [MB] |")
    print("|---|---|---|---|---|---|---|")
    horizons = {1: "2024-12-31", 12: "2035-12-31", 26: "2049-12-31"}
    for draws in (1000,) if arguments.quick else (1000, 10_000, 100_000):
        for years, end in horizons.items():
            result = run_case(
                draws,
                "2024-01-01",
                end,
                baseline=False,
                reference=False,
                timeout_s=arguments.cell_timeout,
                scenario=name,
            )
            if result is None:
                print(
                    f"| {draws:,} | {years} | - | > {arguments.cell_timeout:.0f} (skipped) | | | |"
                )
                continue
            per = result["kernel_s"] / (draws * result["hours"]) * 1e9
            print(
                f"| {draws:,} | {years} | {result['hours']:,} | {result['project_s']:.2f} | "
                f"{result['kernel_s']:.2f} | {per:.2f} | {result['peak_rss_mb']:.0f} |"
            )

    cache = f"/tmp/forecast-bench-cache-{os.getpid()}"
    (cold, cold_exit), (warm, warm_exit) = start_up(cache), start_up(cache)
    print(
        f"\n## Start-up to first result (100 draws, one month): cold cache {cold:.2f} s, "
        f"warm cache {warm:.2f} s (to the process's exit: {cold_exit:.2f} s, {warm_exit:.2f} s)"
    )


if __name__ == "__main__":
    main()
