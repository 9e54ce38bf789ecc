"""Benchmark of the tidy CSV's writing: the column-wise writer against pandas' ``to_csv``.

Run from the repository root (about two minutes on 2 idle cores at 1,000 draws)::

    python -m tests.benchmarks.bench_csv       # kr-national, 1,000 draws, hourly 2024-2035
    python -m tests.benchmarks.bench_csv --draws 50 --repeats 5

One projection, then in the same process, alternating: the rows' text of its tidy table by
pandas (``to_csv`` with :func:`forecast.io.csvtext.csv_float`, the writer before 2026-12-07)
and by :func:`forecast.io.csvtext.csv_row_chunks`, checked byte for byte; and the API's CSV
answer (:func:`service.render.csv_chunks`). Prints CPU-time medians [s], the size [B] and the
load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

from forecast.io import csvtext, export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service.render import csv_chunks


def _cpu(work) -> tuple[float, bytes]:
    """CPU seconds of ``work()`` and what it returned. [s]"""
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="kr-national")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    options = ProjectionOptions(
        draws=arguments.draws,
        seed=0,
        start=dt.date(2024, 1, 1),
        end=dt.date(2035, 12, 31),
        resolution="hourly",
    )
    dataset = project(load_scenario(arguments.scenario), options)
    frame = export.tidy_frame(dataset)
    seconds: dict[str, list[float]] = {"pandas": [], "column-wise": [], "API answer": []}
    for _ in range(arguments.repeats):
        before, old = _cpu(
            lambda: frame.to_csv(index=False, header=False, float_format=csvtext.csv_float).encode()
        )
        after, new = _cpu(lambda: b"".join(csvtext.csv_row_chunks(frame)))
        if old != new:
            raise SystemExit("the column-wise writer's bytes differ from pandas'")
        answer, _ = _cpu(lambda: sum(len(chunk) for chunk in csv_chunks(dataset)))
        for name, value in zip(seconds, (before, after, answer), strict=True):
            seconds[name].append(value)
        del old
    print(f"{arguments.scenario}, {arguments.draws} draws hourly 2024-2035: {len(frame):,} rows")
    print(f"rows' text {len(new):,} B; load average {os.getloadavg()[0]:.1f}")
    for name, values in seconds.items():
        spread = ", ".join(f"{value:.2f}" for value in values)
        print(f"{name}: {statistics.median(values):.2f} s of CPU (median of {spread})")


if __name__ == "__main__":
    main()
