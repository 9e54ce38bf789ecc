"""``forecast report``: one self-contained HTML report of one or more scenarios.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    BaselineModelOption,
    DrawsOption,
    DurationDrawsOption,
    EndOption,
    NoBaselineOption,
    QuietOption,
    SeedOption,
    StartOption,
    WeatherOption,
    WeatherYearOption,
    check_weather_year,
    load_scenario_argument,
    projection_options,
)


def report(
    scenarios: Annotated[
        list[str],
        typer.Argument(
            help="Scenario ids or .toml files; with several, the first is the reference."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.html).")] = Path(
        "report.html"
    ),
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    weather: WeatherOption = "auto",
    weather_year: WeatherYearOption = None,
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    duration_draws: DurationDrawsOption = None,
    quiet: QuietOption = False,
    facts: Annotated[
        Path | None,
        typer.Option(
            "--facts",
            help="facts.csv whose rows (value, confidence, URL) the report shows for each key "
            "it cites; default: FORECAST_FACTS_FILE, else shared/reference/facts.csv beside the "
            "checkout (absent: the keys only).",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report (no network, inline SVG charts): the question, every
    assumption with its source and distribution, fans, annual tables, duration curves, spread
    drivers, hosting and grid checks, model versions and provenance, and each cited facts.csv
    row's value, confidence and URL; each scenario's caveats, its own and its run's, are listed
    at its top and printed (caveat: <scenario>: ...)."""
    from tqdm import tqdm

    from forecast.outputs import caveat_lines
    from forecast.report import html as reports
    from forecast.sweep import compare as comparisons

    reports.check_report_path(out)
    loaded = [load_scenario_argument(scenario) for scenario in scenarios]
    # The report's figures are monthly and annual: scenarios of any zones compare.
    comparisons.check_scenarios(loaded, resolution="monthly", arguments=scenarios)
    options = projection_options(
        loaded[0],
        draws=draws,
        seed=seed,
        start=start or loaded[0].horizon.start.isoformat(),
        end=end or loaded[0].horizon.end.isoformat(),
        resolution="monthly",
        weather=weather,
        baseline_model=baseline_model,
        no_baseline=no_baseline,
        duration_curves=True,
        duration_draws=duration_draws,
        weather_year=weather_year,
    )
    check_weather_year(loaded[1:], options)  # every scenario runs on that year
    command = "forecast " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["report"] else None
    with tqdm(total=len(loaded), unit="scenario", disable=quiet, file=sys.stderr,
              desc="report", bar_format="{l_bar}{bar}| {n:.2f}/{total}") as bar:  # fmt: skip

        def progress(index: int, _count: int, done: int, total: int) -> None:
            bar.n = index + done / max(total, 1)
            bar.refresh()

        datasets = reports.report_projections(loaded, options, progress=progress)
    text = reports.build_report(loaded, command=command, facts=facts, datasets=datasets)
    written = reports.write_report(text, out)
    print(f"wrote {written} ({written.stat().st_size / 1e3:,.0f} kB)")
    # Said where the planner looks, as compare says them under its summary: the scenario's
    # and the run's, the set the page lists.
    for dataset in datasets:
        for line in caveat_lines(dataset, labelled=True):
            print(line)
