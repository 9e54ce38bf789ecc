"""The service's memory estimates against what the computations hold (a script, not a test).

Run from the repository root, with the real data (``FORECAST_DATA_DIR``)::

    python tests/measure_estimates.py [--only projections,comparisons] [--quick]

Each case is measured as the service runs it: the kernels compiled first
(:func:`forecast.kernels.warm_up`, as its start-up), the data read once by a month's
projection, the served baseline (with ``auto`` weather) passed in, and the computation run on
a fresh thread under ``tracemalloc`` (its stream scratch counts, as on a worker thread's first
job). It prints, per case: ``tracemalloc``'s peak against the estimate used for admission
(:func:`service.estimates.projection_bytes`, :func:`~service.estimates.comparison_bytes`) and
their ratio, which must be at least 1 (an estimate is a guard: below the real use, the
service admits more than its memory budget holds); and the finished Dataset's quantile
arrays and per-draw arrays against :func:`~service.estimates.result_bytes` and
:func:`~service.estimates.per_draw_bytes`. The exit status is 1 when an admission estimate
is below its peak.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from forecast.engine.baseline import baseline_model
from forecast.kernels import warm_up
from forecast.projection import ProjectionOptions, project
from forecast.scenario import Scenario, load_scenario
from forecast.sweep.compare import combine, project_scenarios
from service import estimates
from tests.support.memory import result_and_per_draw_bytes, traced_peak

MB = 1e6
NINETY_NINE = tuple(round(i / 100, 2) for i in range(1, 100))


@dataclasses.dataclass(frozen=True)
class Case:
    """One projection: a scenario and its options, as a request names them."""

    scenario_id: str
    draws: int
    start: str
    end: str
    resolution: str
    quantiles: tuple[float, ...] | None = None
    per_draw: bool = False

    @property
    def label(self) -> str:
        years = int(self.end[:4]) - int(self.start[:4]) + 1
        period = self.start[:4] if years == 1 else f"{self.start[:4]}-{self.end[2:4]}"
        quantiles = f"{len(self.quantiles)} q" if self.quantiles else "5 q"
        extra = ", per draw" if self.per_draw else ""
        return (
            f"{self.scenario_id}, {self.draws:,} dr, {period}, {self.resolution}, {quantiles}"
            f"{extra}"
        )

    def options(self, scenario: Scenario) -> ProjectionOptions:
        chosen: dict[str, Any] = {"quantiles": self.quantiles} if self.quantiles else {}
        return ProjectionOptions(
            draws=self.draws, start=self.start, end=self.end, resolution=self.resolution,
            per_draw=self.per_draw, **chosen,
        ).validated(scenario)  # fmt: skip


PROJECTIONS = [
    Case("kr-national", 1000, "2024-01-01", "2035-12-31", "annual"),
    Case("kr-national", 1000, "2024-01-01", "2035-12-31", "annual", NINETY_NINE),
    Case("kr-national", 1000, "2024-01-01", "2035-12-31", "annual", per_draw=True),
    Case("kr-national", 5000, "2024-01-01", "2035-12-31", "annual", per_draw=True),
    Case("kr-national", 100, "2030-01-01", "2030-12-31", "hourly"),
    Case("kr-national", 100, "2030-01-01", "2030-12-31", "hourly", NINETY_NINE),
    Case("kr-national", 1000, "2030-01-01", "2030-12-31", "hourly"),
    Case("kr-national", 100, "2024-01-01", "2028-12-31", "hourly", NINETY_NINE),
    Case("kr-outlook", 1000, "2024-01-01", "2035-12-31", "annual"),
    Case("kr-outlook", 1000, "2024-01-01", "2035-12-31", "annual", NINETY_NINE),
    Case("kr-outlook", 5000, "2024-01-01", "2035-12-31", "annual", per_draw=True),
    Case("kr-outlook", 100, "2030-01-01", "2030-12-31", "hourly", NINETY_NINE),
    Case("kr-outlook", 1000, "2030-01-01", "2030-12-31", "hourly", per_draw=True),
    Case("kr-outlook", 100, "2024-01-01", "2028-12-31", "hourly", NINETY_NINE),
    Case("au-nsw-ai-dc", 1000, "2026-01-01", "2035-12-31", "annual"),
    Case("au-nsw-ai-dc", 1000, "2026-01-01", "2035-12-31", "annual", NINETY_NINE),
    Case("au-nsw-ai-dc", 5000, "2026-01-01", "2035-12-31", "annual", per_draw=True),
    Case("au-nsw-ai-dc", 100, "2030-01-01", "2030-12-31", "hourly", NINETY_NINE),
    Case("au-nsw-ai-dc", 1000, "2030-01-01", "2030-12-31", "hourly"),
]
#: Comparisons: the scenarios, then their shared options (the first's :class:`Case` fields).
COMPARISONS = [
    (("kr-national", "kr-outlook"), Case("", 1000, "2024-01-01", "2035-12-31", "annual")),
    (("kr-national", "kr-outlook"), Case("", 100, "2030-01-01", "2030-12-31", "hourly")),
    (
        ("kr-national", "kr-outlook"),
        Case("", 100, "2030-01-01", "2030-12-31", "hourly", NINETY_NINE),
    ),
    (
        ("kr-national", "au-nsw-ai-dc"),
        Case("", 1000, "2026-01-01", "2035-12-31", "annual", NINETY_NINE),
    ),
]
QUICK = {0, 4, 8, 14}


def _warm(scenario: Scenario, model: Any) -> None:
    """Read the scenario's data once: a month's projection with the same weather and model."""
    project(scenario, ProjectionOptions(draws=20, start="2030-01-01", end="2030-01-31",
                                        include_baseline=model is not None),
            baseline=model)  # fmt: skip


def _row(label: str, peak: int, estimate: int, sizes: str) -> str:
    return (
        f"| {label} | {peak / MB:,.0f} | {estimate / MB:,.0f} | {estimate / peak:.2f} | {sizes} |"
    )


def measure_projection(case: Case) -> tuple[str, bool]:
    scenario = load_scenario(case.scenario_id)
    options = case.options(scenario)
    model = baseline_model(scenario, options)
    _warm(scenario, model)
    peak, dataset = traced_peak(lambda: project(scenario, options, baseline=model))
    estimate = estimates.projection_bytes(options, scenario)
    result, per_draw = result_and_per_draw_bytes(dataset)
    result_estimate = estimates.result_bytes(options, scenario)
    sizes = f"{result / MB:,.1f} / {result_estimate / MB:,.1f}"
    if case.per_draw:
        sizes += f"; per draw {per_draw / MB:,.1f} / "
        sizes += f"{estimates.per_draw_bytes(options, scenario) / MB:,.1f}"
    return _row(case.label, peak, estimate, sizes), peak <= estimate


def measure_comparison(ids: tuple[str, ...], case: Case) -> tuple[str, bool]:
    scenarios = [load_scenario(scenario_id) for scenario_id in ids]
    each = [dataclasses.replace(case, scenario_id=s.id).options(s) for s in scenarios]
    models = [baseline_model(s, o) for s, o in zip(scenarios, each, strict=True)]
    for scenario, model in zip(scenarios, models, strict=True):
        _warm(scenario, model)
    shared = each[0]

    def compute() -> xr.Dataset:
        datasets = project_scenarios(scenarios, shared, baselines=models)
        return combine(scenarios, datasets, keep_per_draw=shared.per_draw)

    peak, dataset = traced_peak(compute)
    estimate = estimates.comparison_bytes(each, scenarios)
    result, _ = result_and_per_draw_bytes(dataset)
    results = sum(estimates.result_bytes(o, s) for o, s in zip(each, scenarios, strict=True))
    label = f"{' + '.join(ids)}, {case.label.removeprefix(', ')}"
    sizes = f"{result / MB:,.1f} / {results / MB:,.1f}"
    return _row(label, peak, estimate, sizes), peak <= estimate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="projections,comparisons", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="four projections, one comparison")
    arguments = parser.parse_args()
    chosen = set(arguments.only.split(","))
    unknown = sorted(chosen - {"projections", "comparisons"})
    if unknown:
        parser.error(f"--only: unknown {unknown}; allowed: projections, comparisons")
    warm_up()
    print("| case | peak MB | estimate MB | ratio | result MB: actual / estimated |")
    print("|---|---|---|---|---|")
    covered = True
    if "projections" in chosen:
        for index, case in enumerate(PROJECTIONS):
            if arguments.quick and index not in QUICK:
                continue
            line, ok = measure_projection(case)
            covered &= ok
            print(line, flush=True)
    if "comparisons" in chosen:
        for ids, case in COMPARISONS[:1] if arguments.quick else COMPARISONS:
            line, ok = measure_comparison(ids, case)
            covered &= ok
            print(line, flush=True)
    print("every estimate covers its peak" if covered else "an estimate is below its peak")
    return 0 if covered else 1


if __name__ == "__main__":
    raise SystemExit(main())
