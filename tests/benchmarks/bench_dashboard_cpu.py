"""Where the dashboard's request spends its CPU: each stage and each kernel entry point.

Run from the repository root (about 15 s on 2 cores at a load of 12)::

    python -m tests.benchmarks.bench_dashboard_cpu                       # kr-outlook, -flex
    python -m tests.benchmarks.bench_dashboard_cpu --scenarios kr-national --repeats 9

The dashboard's request (200 draws, monthly, 2024-2035, with the baseline), a warm one first,
then ``--repeats`` more per scenario, the scenarios in turn, each with a new seed. Each stage
of :data:`tests.benchmarks.cases.STAGES` and each function of :mod:`forecast.kernels` is
timed with ``time.process_time``: the CPU of every thread of the process while it runs, so a
figure counts the kernels' threads, and also what runs beside it (the baseline's noise is
drawn on a thread of its own while the stages after sampling run). Prints the medians [ms]
and the load average, since the machine is shared. To compare two versions of the code, run
this from each one's worktree in turn, several times, alternating.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time
import warnings
from collections import defaultdict

from tests.benchmarks.bench_projection import DASHBOARD
from tests.benchmarks.cases import STAGES, _options, _timed

#: What a kernel entry point of forecast.kernels that computes nothing is called.
_NOT_WORK = {"thread_count", "compile_seconds", "warm_up", "numpy_path", "numpy_work_limit"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="kr-outlook,kr-outlook-flex")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from forecast import engine, kernels
    from forecast.projection import project
    from forecast.scenario import load_scenario

    spent: dict[str, float] = defaultdict(float)
    for attribute, label in STAGES:
        _timed(engine, attribute, label, spent, clock=time.process_time)
    for name, function in list(vars(kernels).items()):
        public = not name.startswith("_") and name not in _NOT_WORK
        if public and inspect.isfunction(function) and function.__module__ == kernels.__name__:
            _timed(kernels, name, f"kernels.{name}", spent, clock=time.process_time)
    scenarios = {name: load_scenario(name) for name in args.scenarios.split(",")}
    warnings.simplefilter("ignore")  # the weather's fallback note, once a request
    for scenario in scenarios.values():
        project(scenario, _options({**DASHBOARD, "seed": 0}))  # warm: kernels, model, weather
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    load = os.getloadavg()[0]
    for repeat in range(args.repeats):
        for name, scenario in scenarios.items():
            spent.clear()
            start = time.process_time()
            project(scenario, _options({**DASHBOARD, "seed": 1 + repeat}))
            found[name, "request"].append(time.process_time() - start)
            for label, seconds in spent.items():
                found[name, label].append(seconds)
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print("| CPU [ms], median | " + " | ".join(scenarios) + " |")
    print("|---|" + "---|" * len(scenarios))
    labels = sorted({label for _, label in found}, key=lambda label: (label != "request",
                    label.startswith("kernels."), label))  # fmt: skip
    for label in labels:
        cells = [found.get((name, label)) for name in scenarios]
        text = [f"{statistics.median(cell) * 1e3:.1f}" if cell else "-" for cell in cells]
        print(f"| {label} | " + " | ".join(text) + " |")


if __name__ == "__main__":
    main()
