"""Benchmark of the projection engine: every speed target of issue 17 measured in one run.

Run from the repository root (prints a Markdown report; the full run takes about half an hour
on 2 cores, most of it the NumPy reference and the scaling table)::

    python -m tests.benchmarks.bench_projection                  # everything
    python -m tests.benchmarks.bench_projection --skip-scaling   # every target, no scaling table
    python -m tests.benchmarks.bench_projection --quick          # smaller cases: a smoke run
    python -m tests.benchmarks.bench_projection --floor          # floors and the pruning study
    python -m tests.benchmarks.bench_projection --startup        # start-up only (minutes)

The report ends with a table of every target beside its measured figure, met or missed, with
the date, the machine's core count and its load average (the targets are for a 2-core machine;
on a loaded machine the absolute figures are slower, so each is repeated and its spread
shown, and the verdict is on the median). The sections:

1. **Start-up**: ``forecast project kr-national`` (100 draws, one month) in a new process, on
   a fresh numba cache (cold) and again on the cache it filled (warm), to the line that says
   the result is written (a projection this small runs the kernels' NumPy twins and starts no
   numba); the same for the README quick start's first command (1,000 draws, 2024-2035,
   annual, which compiles on a fresh cache); then what they are made of (imports, each
   kernel's compile, the projection's stages).
2. **Dashboard**: the dashboard's request (200 draws, monthly means, 2024-2035, with the
   baseline) in a warm process, a new seed each time, for ``kr-national`` (the dashboard's
   default) and ``kr-outlook-flex``, with the time of each stage.
3. **National case** (``--scenario``, default ``kr-outlook-flex``: deployment plans hosted in
   sites, non-AI data-centre load, grid connection limits and flexibility): 10,000 draws,
   hourly 2024-2035; the NumPy reference (:mod:`tests.benchmarks.numpy_reference`) runs in the
   same process on the same inputs, chunk by chunk, compared to 1e-9 relative. "Kernel" is
   the stream kernel plus flexibility's first pass (:func:`forecast.kernels.stress_levels`),
   both timed against their NumPy references.
4. **Floors** (:mod:`tests.benchmarks.floor`) on the national case's own inputs at 1,000 and
   10,000 draws, timed in the same process as the kernel.
5. **API**: 1,000 draws hourly 2024-2035 through the real server (uvicorn on loopback), a new
   seed each time (uncached), each request made once the server is idle (the run before it
   recorded with its file written, as a user alone finds it; the load script,
   :mod:`tests.load_service`, measures a busy server), the first request after the start
   shown apart; and in one process the projection and its JSON rendering by the service's
   renderer, which split the answer's time.
6. **Scaling** of the national case without the baseline (skipped with ``--skip-scaling``).

Every measurement runs in a fresh subprocess (:mod:`tests.benchmarks.cases`) so that its
peak RSS and its numba cache state are its own.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

#: The project's packages, compiled to bytecode before the runs as ``pip install`` compiles an
#: installed package: the start-up figures are a user's, not a first import from source.
PACKAGES = ("forecast", "service", "models")


def child_environment(**settings: str) -> dict[str, str]:
    """This process's environment for a measured child process, with ``settings`` added and
    without ``PYTHONDONTWRITEBYTECODE`` (a sandbox's setting, which made every run compile the
    package's modules from source: 25 % more instructions for the warm start than with their
    bytecode cached, measured with callgrind on 2026-12-07)."""
    environment = {**os.environ, **settings}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def compile_packages() -> None:
    """Write the bytecode of :data:`PACKAGES` (``__pycache__``, ignored by git)."""
    for package in PACKAGES:
        compileall.compile_dir(REPOSITORY / package, quiet=1)


#: What a new user runs first (the issue's "first result"): small enough for the kernels'
#: NumPy twins, so it starts no numba (forecast.kernels).
FIRST_RUN = [
    "project", "kr-national", "--draws", "100", "--start", "2030-01-01", "--end", "2030-01-31",
    "--no-baseline", "--weather", "typical",
]  # fmt: skip
#: The README quick start's first command (1,000 draws, 2024-2035, annual, with the baseline):
#: it runs the numba kernels, so on a fresh cache it compiles them.
QUICK_START = ["project", "kr-national", "--draws", "1000", "--resolution", "annual"]
#: The dashboard's request, as service/web/form.js posts it by default.
DASHBOARD = {"draws": 200, "resolution": "monthly", "start": "2024-01-01", "end": "2035-12-31"}
#: The API's national case.
NATIONAL_API = {"scenario_id": "kr-national", "draws": 1000, "resolution": "hourly",
                "start": "2024-01-01", "end": "2035-12-31"}  # fmt: skip


class Targets:
    """The issue's targets, each with what this run measured."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, bool | None]] = []

    def add(self, name: str, measured: str, target: str, met: bool | None) -> None:
        self.rows.append((name, measured, target, met))

    def print(self, load: tuple[float, float]) -> None:
        print(
            f"\n## Targets ({dt.datetime.now().isoformat(timespec='minutes')}, "
            f"{os.cpu_count()} cores, load average {load[0]:.1f} at the start and "
            f"{load[1]:.1f} at the end)"
        )
        print("| measure | measured | target | |")
        print("|---|---|---|---|")
        for name, measured, target, met in self.rows:
            verdict = "n/a" if met is None else ("met" if met else "**missed**")
            print(f"| {name} | {measured} | {target} | {verdict} |")


def case(kind: str, config: dict, *, timeout_s: float = 3600.0, env: dict | None = None):
    """Run :mod:`tests.benchmarks.cases` ``kind`` in a new process; None past ``timeout_s``."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.cases", kind, json.dumps(config)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
            cwd=REPOSITORY,
            env=child_environment(**(env or {})),
        )
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.stderr) from error
    return json.loads(completed.stdout.strip().splitlines()[-1])


def spread(values: list[float], unit: str = "s") -> str:
    """``median (min-max, n)`` of repeated measurements."""
    if len(values) == 1:
        return f"{values[0]:.2f} {unit} (n=1)"
    return (
        f"{statistics.median(values):.2f} {unit} ({min(values):.2f}-{max(values):.2f}, "
        f"n={len(values)})"
    )


def first_run(cache_dir: str, arguments: list[str] = FIRST_RUN) -> tuple[float, float, bool]:
    """Seconds from starting ``forecast`` with ``arguments`` (default :data:`FIRST_RUN`) to its
    "wrote" line and to its exit, and whether it announced compiling (not under ``--quiet``,
    which silences the notice: the runs show their progress bar, to a file)."""
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "forecast.cli", *arguments,
                   "--out", str(Path(directory) / "first.csv")]  # fmt: skip
        stderr = Path(directory) / "stderr"
        start = time.perf_counter()
        with stderr.open("w") as sink:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=sink,
                text=True,
                cwd=REPOSITORY,
                env=child_environment(NUMBA_CACHE_DIR=cache_dir),
            )
            assert process.stdout is not None
            result = None
            try:
                for line in process.stdout:
                    if line.startswith("wrote") and result is None:
                        result = time.perf_counter() - start
                process.wait()
            except BaseException:  # stopped (SIGTERM, Ctrl-C): the run stops with it
                process.kill()
                process.wait()
                raise
        exited = time.perf_counter() - start
        errors = stderr.read_text()
        if process.returncode != 0 or result is None:
            raise SystemExit(errors)
    return result, exited, "compiling kernels once" in errors


def _runs(arguments: list[str], base: str, *, cold_runs: int, warm_runs: int):
    """Cold runs (each on a fresh numba cache), then warm ones on the first run's cache: the
    seconds to the result and to the exit of each, and whether each announced compiling."""
    found: dict[str, list] = {"cold": [], "cold_exit": [], "warm": [], "warm_exit": []}
    announced = {"cold": [], "warm": []}
    for run in range(cold_runs):
        result, exited, said = first_run(str(Path(base) / f"cold-{run}"), arguments)
        found["cold"].append(result)
        found["cold_exit"].append(exited)
        announced["cold"].append(said)
    for _ in range(warm_runs):
        result, exited, said = first_run(str(Path(base) / "cold-0"), arguments)
        assert not said, "a warm run said it compiles"
        found["warm"].append(result)
        found["warm_exit"].append(exited)
        announced["warm"].append(said)
    return found, announced


def report_startup(targets: Targets, *, cold_runs: int, warm_runs: int) -> None:
    print(f"\n## Start-up: `forecast {' '.join(FIRST_RUN)}` in a new process")
    compile_packages()
    with tempfile.TemporaryDirectory() as base:
        first, said = _runs(FIRST_RUN, str(Path(base) / "first"), cold_runs=cold_runs,
                            warm_runs=warm_runs)  # fmt: skip
        quick, quick_said = _runs(QUICK_START, str(Path(base) / "quick"), cold_runs=cold_runs,
                                  warm_runs=max(warm_runs // 2, 2))  # fmt: skip
        small = {"scenario": "kr-national", "draws": 100, "start": "2030-01-01",
                 "end": "2030-01-31", "baseline": False, "weather": "typical",
                 "numba": False}  # fmt: skip
        national = {"scenario": "kr-national", "draws": 1000, "start": "2024-01-01",
                    "end": "2035-12-31", "resolution": "annual"}  # fmt: skip
        breakdown = {
            "small": case("startup", small, env={"NUMBA_CACHE_DIR": str(Path(base) / "small")}),
            "cold": case("startup", national, env={"NUMBA_CACHE_DIR": str(Path(base) / "fresh")}),
            "warm": case("startup", national,
                         env={"NUMBA_CACHE_DIR": str(Path(base) / "quick" / "cold-0")}),
        }  # fmt: skip
    print(f"- to the result, fresh numba cache: {spread(first['cold'])}; to the exit "
          f"{spread(first['cold_exit'])}; compiled: {any(said['cold'])}")  # fmt: skip
    print(f"- to the result, warm numba cache: {spread(first['warm'])}; to the exit "
          f"{spread(first['warm_exit'])}")  # fmt: skip
    print(f"- numba started by the first run: {breakdown['small']['numba_loaded']} (a projection "
          "this small runs the kernels' NumPy twins)")  # fmt: skip
    targets.add("cold start to first result (fresh numba cache)", spread(first["cold"]),
                "≤ 8 s", statistics.median(first["cold"]) <= 8.0)  # fmt: skip
    targets.add("warm start to first result", spread(first["warm"]), "≤ 1.0 s",
                statistics.median(first["warm"]) <= 1.0)  # fmt: skip
    print(f"\n## Start-up: the quick start's `forecast {' '.join(QUICK_START)}`")
    print(f"- to the result, fresh numba cache (compiles the kernels it needs: "
          f"{all(quick_said['cold'])}): {spread(quick['cold'])}")  # fmt: skip
    print(f"- to the result, warm numba cache: {spread(quick['warm'])}")
    targets.add("quick start's first command, fresh numba cache (compiles)", spread(quick["cold"]),
                "≤ 8 s (the cold-start target, applied to it)",
                statistics.median(quick["cold"]) <= 8.0)  # fmt: skip
    targets.add("quick start's first command, warm numba cache", spread(quick["warm"]), "n/a",
                None)  # fmt: skip
    print("\nWhat each is made of, in a process of its own [s] (the first run; the quick start's")
    print("projection with the baseline, 1,000 draws, 2024-2035, annual, on a fresh and a warm")
    print("numba cache):")
    print("| part | first run | quick start, fresh cache | quick start, warm cache |")
    print("|---|---|---|---|")
    runs = (breakdown["small"], breakdown["cold"], breakdown["warm"])
    print("| imports (wall) | " + " | ".join(f"{run['imports_s']:.2f}" for run in runs) + " |")
    names = sorted(set().union(*(run["compile_cpu_s"] for run in runs)))
    for name in names:
        cells = " | ".join(f"{run['compile_cpu_s'].get(name, 0.0):.2f}" for run in runs)
        print(f"| compile `{name}` (CPU) | {cells} |")
    for name in breakdown["cold"]["stages_s"]:
        cells = " | ".join(f"{run['stages_s'].get(name, 0.0):.2f}" for run in runs)
        print(f"| stage: {name} (wall, with any compile or cache load in it) | {cells} |")
    for label, key in (("project() (wall)", "project_s"), ("project() (CPU)", "project_cpu_s"),
                       ("whole process to the result (wall)", "process_s"),
                       ("whole process to the result (CPU)", "process_cpu_s")):  # fmt: skip
        print(f"| {label} | " + " | ".join(f"{run[key]:.2f}" for run in runs) + " |")


def report_dashboard(targets: Targets, *, repeats: int) -> None:
    print(
        "\n## Dashboard-sized projection (200 draws, monthly, 2024-2035, with the baseline), "
        "warm process, a new seed each time"
    )
    print("| scenario | seconds | " + " | ".join(label for _, label in _stages()) + " |")
    print("|---|---|" + "---|" * len(_stages()))
    for scenario in ("kr-national", "kr-outlook-flex"):
        found = case("dashboard", {"scenario": scenario, "repeats": repeats, **DASHBOARD})
        stages = " | ".join(f"{found['stages_s'].get(label, 0.0):.3f}" for _, label in _stages())
        print(f"| {scenario} | {spread(found['seconds'])} | {stages} |")
        targets.add(f"dashboard-sized projection, {scenario}", spread(found["seconds"]),
                    "≤ 0.3 s", statistics.median(found["seconds"]) <= 0.3)  # fmt: skip


def _stages():
    from tests.benchmarks.cases import STAGES

    return STAGES


def report_national(targets: Targets, scenario: str, draws: int, end: str) -> None:
    print(f"\n## {scenario}, {draws:,} draws, hourly 2024-01-01..{end}, P5/P10/P50/P90/P95")
    config = {"scenario": scenario, "draws": draws, "start": "2024-01-01", "end": end}
    fused = case("national", config)
    compared = case("national", {**config, "reference": True}, timeout_s=7200)
    print(json.dumps({"fused": fused, "with_numpy_reference": compared}, indent=1))
    ratio = compared["numpy_s"] / compared["kernel_s"]
    print(
        f"ratio NumPy reference / kernel (stream and stress pass, same inputs, same run): "
        f"{ratio:.1f}x; max relative difference {compared['max_relative_difference']:.2e}"
    )
    targets.add(
        f"NumPy reference / kernel, {scenario} {draws:,} draws",
        f"{compared['numpy_s']:.1f} s / {compared['kernel_s']:.2f} s = {ratio:.1f}x",
        "≥ 20x",
        ratio >= 20.0,
    )
    targets.add(
        f"`project()` {scenario} {draws:,} draws hourly", f"{fused['project_s']:.2f} s "
        f"(kernel {fused['kernel_s']:.2f} s, peak RSS {fused['peak_rss_mb']:.0f} MB)", "-", None,
    )  # fmt: skip


def report_floor(targets: Targets | None, scenario: str, end: str, draw_counts,
                 *, pruning: bool = False) -> None:  # fmt: skip
    """The floors of :mod:`tests.benchmarks.floor` beside the kernel, in the same process."""
    print(
        f"\n## Floors on {scenario}'s own inputs (hourly 2024-01-01..{end}, with the baseline): "
        "the least any exact kernel that looks at every draw each hour must do"
    )
    print(
        "| draws | stream kernel [s] | flexibility's first pass [s] | evaluate only [s] "
        "| evaluate + count against every answer [s] | stream kernel / floor "
        "| (stream + first pass) / floor |"
    )
    print("|---|---|---|---|---|---|---|")
    found = {}
    for draws in draw_counts:
        config = {"scenario": scenario, "draws": draws, "start": "2024-01-01", "end": end,
                  "floor": True, "pruning": pruning and draws == max(draw_counts)}  # fmt: skip
        result = case("national", config)
        found[draws] = result
        floor = result["evaluate_and_count_s"]
        stream, stress = result["stream_kernel_s"], result.get("stress_kernel_s", 0.0)
        print(
            f"| {draws:,} | {stream:.2f} | {stress:.2f} | {result['evaluate_s']:.2f} | "
            f"{floor:.2f} | {stream / floor:.2f}x | {(stream + stress) / floor:.2f}x |"
        )
        if targets is not None:
            targets.add(
                f"stream kernel / exact floor, {scenario} {draws:,} draws",
                f"{stream:.2f} s / {floor:.2f} s = {stream / floor:.2f}x "
                f"(with flexibility's first pass {(stream + stress) / floor:.2f}x)",
                "≤ 2.0x",
                stream / floor <= 2.0,
            )
    if pruning:
        largest = found[max(draw_counts)]
        print(
            "\nPruning with exact daily bounds: mean fraction of the draws still undecided for "
            "each quantile, then for any of them (every 5th day of every 8th chunk)"
        )
        for name, fractions in largest["pruning_candidates"].items():
            print(f"- {name}: " + ", ".join(f"{value:.0%}" for value in fractions))


def _settled(client, run_id: str, timeout_s: float = 60.0) -> None:
    """Wait until the run's result file is written (the run succeeded): the server is idle."""
    deadline = time.perf_counter() + timeout_s
    while (run := client.get(f"/v1/runs/{run_id}").json())["status"] != "succeeded":
        if run["status"] == "failed":
            raise SystemExit(f"run {run_id} failed: {run.get('error')}")
        if time.perf_counter() > deadline:
            raise SystemExit(f"run {run_id} not succeeded after {timeout_s:.0f} s")
        time.sleep(0.05)


def report_api(targets: Targets, *, repeats: int) -> None:
    import httpx

    from tests.support.server import running_server

    print(
        "\n## API: kr-national, 1,000 draws, hourly 2024-2035, JSON, through the real server "
        "(uvicorn on loopback), a new seed each time, each request to an idle server (the run "
        "before it recorded, its file written)"
    )
    seconds, sizes = [], []
    with running_server() as (base, ready_s), httpx.Client(base_url=base, timeout=600) as client:
        start = time.perf_counter()
        response = client.post("/v1/projections", json={**NATIONAL_API, "seed": 499})
        first_s = time.perf_counter() - start
        response.raise_for_status()
        _settled(client, response.headers["X-Run-Id"])
        for repeat in range(repeats):
            start = time.perf_counter()
            response = client.post("/v1/projections", json={**NATIONAL_API, "seed": 500 + repeat})
            seconds.append(time.perf_counter() - start)
            response.raise_for_status()
            sizes.append(len(response.content) / 1e6)
            _settled(client, response.headers["X-Run-Id"])
    inside = case("api", {"scenario": "kr-national", "repeats": repeats, "draws": 1000,
                          "start": "2024-01-01", "end": "2035-12-31"})  # fmt: skip
    project_s, json_s = statistics.median(inside["project_s"]), statistics.median(inside["json_s"])
    total = statistics.median(seconds)
    print(f"- server ready after {ready_s:.1f} s; answer {statistics.median(sizes):.0f} MB")
    print(f"- the first request after the start (not counted below): {first_s:.2f} s")
    print(f"- request to last byte: {spread(seconds)}")
    print(
        f"- of which, measured in one process: the projection {spread(inside['project_s'])}, "
        f"its JSON rendering {spread(inside['json_s'])}; the rest (request validation, HTTP, "
        f"loopback transfer) about {max(total - project_s - json_s, 0.0):.2f} s"
    )
    stages = inside["stages_s"]
    apart = ("stream kernel", "baseline quantiles beside")  # inside a stage, or beside them
    staged = sum(value for label, value in stages.items() if label not in apart)
    rest = statistics.mean(inside["project_s"]) - staged
    print(
        "- the projection by stage, in that process (mean of the repeats) [s]: "
        + ", ".join(
            f"{label} {stages.get(label, 0.0):.3f}"
            + (f" (the kernel {stages['stream kernel']:.3f})" if label == "stream" else "")
            for _, label in _stages()
        )
        + f"; the rest (sites, tenants, the drivers) {rest:.3f}; beside the fleet, hosting "
        f"and power stages, on a thread of its own, the baseline's quantiles "
        f"{stages.get('baseline quantiles beside', 0.0):.3f}"
    )
    print(
        "- the same answer in the other formats, rendered once in that process: "
        + "; ".join(
            f"{name} {size:.1f} MB in {seconds_:.2f} s"
            for name, seconds_, size in inside["formats"]
        )
        + f" (JSON {statistics.median(inside['json_mb']):.1f} MB)"
    )
    targets.add(
        "API kr-national 1,000 draws hourly 2024-2035, uncached",
        f"{spread(seconds)}: projection {project_s:.2f} s + JSON {json_s:.2f} s "
        f"({statistics.median(sizes):.0f} MB) + HTTP",
        "≤ 1.0 s",
        total <= 1.0,
    )


def report_scaling(scenario: str, draw_counts, timeout_s: float) -> None:
    print(
        f"\n## Scaling of {scenario} (include_baseline=False): seconds, ns per draw-hour, peak RSS"
    )
    print("| draws | years | hours | project [s] | kernel [s] | ns/draw-hour | RSS [MB] |")
    print("|---|---|---|---|---|---|---|")
    horizons = {1: "2024-12-31", 12: "2035-12-31", 26: "2049-12-31"}
    for draws in draw_counts:
        for years, end in horizons.items():
            config = {"scenario": scenario, "draws": draws, "start": "2024-01-01", "end": end,
                      "baseline": False}  # fmt: skip
            result = case("national", config, timeout_s=timeout_s)
            if result is None:
                print(f"| {draws:,} | {years} | - | > {timeout_s:.0f} (skipped) | | | |")
                continue
            per = result["kernel_s"] / (draws * result["hours"]) * 1e9
            print(
                f"| {draws:,} | {years} | {result['hours']:,} | {result['project_s']:.2f} | "
                f"{result['kernel_s']:.2f} | {per:.2f} | {result['peak_rss_mb']:.0f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1,000 draws over 2024 and fewer repeats"
    )
    parser.add_argument(
        "--floor", action="store_true", help="only the floors and the pruning study"
    )
    parser.add_argument(
        "--startup",
        action="store_true",
        help="only the start-up section (cold and warm start, the quick start's first command) "
        "and its targets: a few minutes",
    )
    parser.add_argument("--skip-scaling", action="store_true", help="leave out the scaling table")
    parser.add_argument(
        "--cell-timeout", type=float, default=600.0, help="seconds allowed per scaling cell [s]"
    )
    parser.add_argument(
        "--scenario",
        default="kr-outlook-flex",
        help="shipped scenario of the national case, the floors and the scaling table "
        "(default: Korea's outlook with non-AI load, grid connection limits and flexibility)",
    )
    arguments = parser.parse_args()
    # Stopped with SIGTERM (`kill`, `pkill`), exit through Python so that subprocess.run kills
    # the case it is waiting for: the default action left a running case (the NumPy reference
    # runs for ten minutes) on both cores, under every later measurement.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load = os.getloadavg()
    print(f"# Projection benchmark, {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f}; Python {platform.python_version()}; numba threads "
        f"{os.environ.get('NUMBA_NUM_THREADS', os.cpu_count())}"
    )
    name, quick = arguments.scenario, arguments.quick
    end = "2024-12-31" if quick else "2035-12-31"
    if arguments.floor:
        report_floor(None, name, end, (1000, 10_000), pruning=True)
        return
    targets = Targets()
    report_startup(targets, cold_runs=1 if quick else 2, warm_runs=3 if quick else 5)
    if arguments.startup:
        targets.print((load[0], os.getloadavg()[0]))
        return
    report_dashboard(targets, repeats=3 if quick else 5)
    report_national(targets, name, 1000 if quick else 10_000, end)
    report_floor(targets, name, end, (1000,) if quick else (1000, 10_000))
    report_api(targets, repeats=3 if quick else 5)
    if not arguments.skip_scaling:
        report_scaling(name, (1000,) if quick else (1000, 10_000, 100_000), arguments.cell_timeout)
    targets.print((load[0], os.getloadavg()[0]))


if __name__ == "__main__":
    main()
