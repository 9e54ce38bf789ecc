"""``forecast plot``: project a scenario and write a figure (PNG or SVG): the report figure,
the grid's peak, load duration curves, the peak-hour calendar, energy by region or the grid
queue by region, each with a "Source:" line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    BaselineModelOption,
    DrawsOption,
    EndOption,
    NoBaselineOption,
    QuietOption,
    ScenarioArgument,
    SeedOption,
    StartOption,
    WeatherOption,
    WeatherYearOption,
    check_output,
    load_scenario_argument,
    parse_years,
    projection_bar,
    projection_options,
    warn_weather_fallback,
)
from forecast.errors import OptionsError
from forecast.limits import DEFAULT_DURATION_DRAWS, MAX_DURATION_DRAWS


def plot(
    scenario: ScenarioArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output image: .png or .svg.")],
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: Annotated[
        str | None,
        typer.Option(help="Period of the load fan: hourly|daily|monthly (default: monthly)."),
    ] = None,
    weather: WeatherOption = "auto",
    weather_year: WeatherYearOption = None,
    kind: Annotated[
        str,
        typer.Option(
            help="fan (load fans and annual bars), peak (the grid's annual peak with and "
            "without the data centres), duration (load duration curves), peak-hours (month "
            "x hour of each draw's highest hours), regions (AI and all data-centre energy by "
            "region and year), grid (grid capacity requested, connected and delayed by "
            "region, month by month) or tornado (each input's swing of a one-at-a-time sweep: "
            "give its <out>_swing.csv in place of the scenario)."
        ),
    ] = "fan",
    years: Annotated[
        str | None,
        typer.Option(help="Years of a duration or peak-hours figure, comma-separated."),
    ] = None,
    duration_draws: Annotated[
        str | None,
        typer.Option(
            help=f"Draws a duration or peak-hours figure is built from (1..{MAX_DURATION_DRAWS}; "
            f"default: {DEFAULT_DURATION_DRAWS})."
        ),
    ] = None,
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    quiet: QuietOption = False,
) -> None:
    """Plot a projection: AI and grid load fans (P5-P95, P10-P90, P50) and annual bars, the
    grid's annual peak with and without the data centres, its load duration curves, when its
    peak hours fall, data-centre energy by region, or the grid queue by region."""
    from forecast.projection import project
    from forecast.report.plot import (
        KINDS,
        check_plot_kind,
        check_years,
        figure_format,
        write_figure,
    )

    # Refuse a bad output path before spending seconds on the projection.
    figure_format(out)
    check_output(out)
    if kind not in KINDS:
        raise OptionsError(f"--kind = {kind!r}: allowed: {', '.join(KINDS)}")
    chosen_years = None
    if years is not None:
        chosen_years = parse_years(years)
    if kind == "tornado":
        tornado(scenario, out, years=chosen_years, resolution=resolution,
                duration_draws=duration_draws, weather_year=weather_year)  # fmt: skip
        return
    if scenario.lower().endswith(".csv"):
        raise OptionsError(
            f"scenario = {scenario!r}: a .csv is plotted only with --kind tornado (a "
            "one-at-a-time sweep's swing table); give a scenario id or .toml file"
        )
    # An option the chosen figure does not use is refused, not ignored.
    if kind in ("fan", "peak", "regions", "grid"):
        for name, value in (("--years", years), ("--duration-draws", duration_draws)):
            if value is not None:
                raise OptionsError(
                    f"{name} = {value!r}: only for --kind duration or peak-hours (a {kind} "
                    "figure shows every year from --start to --end, from all --draws)"
                )
    if kind != "fan" and resolution is not None:
        raise OptionsError(
            f"--resolution = {resolution!r}: only for --kind fan ({kind} is built from every hour)"
        )
    if kind != "fan":
        # Duration curves come from every hour whatever the resolution: annual is cheapest.
        resolution = "annual"
    elif resolution is None:
        resolution = "monthly"
    elif resolution == "annual":
        raise OptionsError(
            "--resolution = 'annual': a fan chart needs several points a year; "
            "allowed: hourly, daily, monthly"
        )
    loaded = load_scenario_argument(scenario)
    # Refused before the projection runs, where the scenario alone tells.
    check_plot_kind(kind, loaded.id, list(loaded.regions), sorted(loaded.grid))
    options = projection_options(
        loaded,
        draws=draws,
        seed=seed,
        start=start,
        end=end,
        resolution=resolution,
        weather=weather,
        duration_curves=kind in ("duration", "peak-hours"),
        duration_draws=duration_draws,
        baseline_model=baseline_model,
        no_baseline=no_baseline,
        weather_year=weather_year,
    )
    if chosen_years is not None:
        assert options.start is not None and options.end is not None
        check_years(chosen_years, options.start.year, options.end.year)
    with projection_bar(f"{loaded.id} x {options.draws} draws", quiet=quiet) as progress:
        dataset = project(loaded, options, progress=progress)
    warn_weather_fallback(options, dataset)
    written = write_figure(dataset, out, kind=kind, years=chosen_years)
    print(f"wrote {written}")


def tornado(
    swing_file: str,
    out: Path,
    *,
    years: tuple[int, ...] | None,
    resolution: str | None,
    duration_draws: str | None,
    weather_year: str | None,
) -> None:
    """``forecast plot SWING.csv --kind tornado``: the tornado of a one-at-a-time sweep's swing
    table (``forecast sweep --one-at-a-time`` writes ``<out>_swing.csv``); nothing projected."""
    from forecast.report.plot import write_tornado
    from forecast.sweep.swing import read_swing

    for name, value in (("--resolution", resolution), ("--duration-draws", duration_draws),
                        ("--weather-year", weather_year)):  # fmt: skip
        if value is not None:
            raise OptionsError(
                f"{name} = {value!r}: not for --kind tornado (it plots the swing table as "
                "the sweep wrote it)"
            )
    if not swing_file.lower().endswith(".csv"):
        raise OptionsError(
            f"scenario = {swing_file!r}: --kind tornado plots a swing table; give the "
            "<out>_swing.csv that forecast sweep --one-at-a-time wrote"
        )
    table, meta = read_swing(Path(swing_file))
    print(f"wrote {write_tornado(table, meta, out, years=years)}")
