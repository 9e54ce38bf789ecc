"""``forecast compare``: several scenarios side by side, with common random numbers.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    DEFAULT_QUANTILES,
    BaselineModelOption,
    DrawsOption,
    DurationCurvesOption,
    DurationDrawsOption,
    EndOption,
    FormatOption,
    IdColumnsOption,
    NoBaselineOption,
    PerDrawOption,
    QuantilesOption,
    QuietOption,
    SeedOption,
    StartOption,
    SummaryOption,
    VariablesOption,
    WeatherOption,
    WeatherYearOption,
    check_id_columns,
    check_output,
    check_summary,
    check_variables,
    check_weather_year,
    load_scenario_argument,
    projection_options,
    say_written,
    variable_selection,
    warn_weather_fallback,
    write_summary,
)
from forecast.errors import OptionsError


def compare(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Scenario ids or .toml files; the first is the reference."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.csv, .parquet or .nc).")
    ] = Path("comparison.csv"),
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: Annotated[str, typer.Option(help="hourly|daily|monthly|annual")] = "annual",
    file_format: FormatOption = None,
    quantiles: QuantilesOption = DEFAULT_QUANTILES,
    weather: WeatherOption = "auto",
    weather_year: WeatherYearOption = None,
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    duration_curves: DurationCurvesOption = True,
    duration_draws: DurationDrawsOption = None,
    per_draw: PerDrawOption = False,
    independent: Annotated[
        bool,
        typer.Option(
            help="Independent random numbers (scenario i uses seed + i) instead of common ones: "
            "to see the Monte Carlo noise that common random numbers remove."
        ),
    ] = False,
    summary: SummaryOption = None,
    variables: VariablesOption = None,
    id_columns: IdColumnsOption = False,
    quiet: QuietOption = False,
) -> None:
    """Project several scenarios with the same draws, seed and period; one file with a scenario
    column (CSV, Parquet) or dimension (NetCDF), and a per-year summary with each scenario's
    difference from the first, computed draw by draw. --variables selects the file's variables
    (<name>_difference too); the printed and --summary tables keep theirs."""
    from tqdm import tqdm

    from forecast.io import export
    from forecast.report.inputs import input_table
    from forecast.sweep import compare as comparisons

    check_output(out, file_format=file_format, formats=export.FORMATS)
    check_id_columns(out, file_format=file_format, id_columns=id_columns)
    check_summary(summary)
    patterns = variable_selection(variables)
    if len(scenarios) < 2:
        raise OptionsError(
            f"scenarios: {len(scenarios)} given ({', '.join(scenarios)}); compare 2 or more "
            "(one alone: forecast project)"
        )
    loaded = [load_scenario_argument(scenario) for scenario in scenarios]
    comparisons.check_scenarios(loaded, resolution=resolution, arguments=scenarios)
    options = projection_options(
        loaded[0],
        draws=draws,
        seed=seed,
        start=start or loaded[0].horizon.start.isoformat(),
        end=end or loaded[0].horizon.end.isoformat(),
        resolution=resolution,
        quantiles=quantiles,
        weather=weather,
        baseline_model=baseline_model,
        no_baseline=no_baseline,
        duration_curves=duration_curves,
        duration_draws=duration_draws,
        per_draw=per_draw,
        weather_year=weather_year,
    )
    check_weather_year(loaded[1:], options)  # every scenario runs on that year
    check_variables(patterns, [(each, options) for each in loaded], sites=False, compared=True)
    with tqdm(
        total=len(loaded),
        unit="scenario",
        disable=quiet,
        file=sys.stderr,
        desc=f"{len(loaded)} scenarios x {options.draws} draws",
        bar_format="{l_bar}{bar}| {n:.2f}/{total} [{elapsed}<{remaining}]",
    ) as bar:

        def progress(index: int, _count: int, done: int, total: int) -> None:
            bar.n = index + done / max(total, 1)
            bar.refresh()

        dataset = comparisons.compare(
            loaded,
            options,
            common_random_numbers=not independent,
            keep_per_draw=per_draw,
            progress=progress,
        )
    selected = export.select_variables(dataset, patterns, field="--variables")
    written = comparisons.write(
        export.with_id_columns(selected) if id_columns else selected,
        out,
        file_format=file_format,
        inputs={s.id: input_table(s) for s in loaded},
    )
    warn_weather_fallback(options, dataset)
    assert options.end is not None
    for other in loaded[1:]:
        if end is None and other.horizon.end > options.end:
            print(
                f"note: {other.id}'s horizon runs to {other.horizon.end}; the comparison covers "
                f"{options.start}..{options.end}, the first scenario's (--end to see more)",
                file=sys.stderr,
            )
    if not quiet:
        print(comparisons.summary_text(dataset))
    say_written(written, quiet=quiet)
    write_summary(dataset, summary, quiet=quiet)
