"""``forecast export-grid``: hourly load per region and year for PyPSA, PLEXOS or a wide table.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    BaselineModelOption,
    EndOption,
    NoBaselineOption,
    QuietOption,
    ScenarioArgument,
    SeedOption,
    StartOption,
    WeatherOption,
    load_scenario_argument,
    parse_draws,
    parse_integer,
    parse_quantiles,
    parse_weather_year,
    parse_years,
    projection_bar,
    projection_options,
    say_written,
    warn_weather_fallback,
)


def export_grid(
    context: typer.Context,
    scenario: ScenarioArgument,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output directory (created if absent); a name with a file suffix (.csv, "
            ".parquet, .nc, .zip...) is refused.",
        ),
    ] = Path("grid-export"),
    file_format: Annotated[
        str, typer.Option("--format", help="pypsa|plexos|wide-csv|wide-parquet|netcdf")
    ] = "pypsa",
    draws: Annotated[
        str | None,
        typer.Option(
            help="Export K representative draws, kept whole: nearest P50 (K=1), or P10..P90 "
            "evenly (K=3: P10, P50, P90) in every year on the --rank-by measures. Default: 1."
        ),
    ] = None,
    draw: Annotated[
        str | None,
        typer.Option(
            "--draw",
            help="Export these draws by number instead (e.g. 101,176; 0..--sample minus 1), "
            "kept whole: with the same --seed, --sample and period, draw N of every scenario "
            "has the same baseline and weather year, so rank on one scenario and export its "
            "draws of the others.",
        ),
    ] = None,
    random: Annotated[
        str | None,
        typer.Option(
            "--random",
            help="Export the first K draws instead (1..100), kept whole, each of weight 1/K "
            "in export.json: the draws are i.i.d., so they are an equal-weight random sample "
            "(scenarios of a stochastic model).",
        ),
    ] = None,
    quantile: Annotated[
        str | None,
        typer.Option(
            help="Export hour-by-hour quantile paths instead (e.g. 0.5; comma-separated): NOT "
            "load paths, each hour is a different set of draws."
        ),
    ] = None,
    rank_by: Annotated[
        str | None,
        typer.Option(
            help="Rank draws by each year's grid energy and peak (grid: the baseline and the "
            "loads that add to it; the default where there is a baseline), by those, the "
            "data-centre energy and (beside non-AI load) the AI energy (total; the default "
            "without a baseline), by the data-centre energy and peak (dc) or by the AI energy "
            "and peak (ai). Not with --quantile."
        ),
    ] = None,
    bus: Annotated[
        str | None,
        typer.Option(
            help="Rename buses: OLD=NEW[,OLD=NEW...] (the grid-wide bus, e.g. KR, and the "
            "regions'), in loads.csv, buses.csv and export.json."
        ),
    ] = None,
    baseline_shares: Annotated[
        str | None,
        typer.Option(
            help="Split the baseline over the regions' buses by fixed shares: "
            "REGION=SHARE[,...] summing to 1 (each region's hours follow the grid's profile): "
            "baseline_<region> = share x (the grid's demand - the non-AI data-centre load of "
            "every region it already holds); each region's non-AI load is its own column."
        ),
    ] = None,
    calendar: Annotated[
        str,
        typer.Option(
            help="The period's days: standard (the default), days of the zone's standard time "
            "the rows are labelled in, so a year is 8,760 or 8,784 periods from 00:00 on 1 "
            "January (NSW: AEST, the NEM's market time), local, local days as forecast "
            "project's (where daylight saving spans the new year, as in Sydney, the export "
            "then starts an hour before the standard year and ends an hour short); or utc, "
            "UTC days, the rows (PyPSA snapshots) labelled in UTC as renewables.ninja and "
            "atlite profiles are, a year 8,760 or 8,784 UTC hours."
        ),
    ] = "standard",
    years: Annotated[
        str | None,
        typer.Option(
            "--years",
            help="Export these years alone, of the same draws (e.g. 2030,2035; not with "
            "--start/--end): each projected on its own and ranked on, the years between not "
            "projected, each year's rows those of an export of the whole span (every hour of "
            "its standard-time year, with --calendar local too: Sydney's last, 00:00 AEDT on "
            "1 January, projected a local day past it); with --format pypsa each is an "
            "investment period (snapshots.csv with period and timestep, investment_periods.csv).",
        ),
    ] = None,
    weather_year: Annotated[
        str | None,
        typer.Option(
            "--weather-year",
            help="Run every draw on this observed weather year of the scenario's location "
            "(e.g. 2018: '2018 weather'; historical weather only), each draw keeping its other "
            "inputs; recorded in export.json.",
        ),
    ] = None,
    sample: Annotated[
        str, typer.Option(help="Monte Carlo draws the paths come from (1..100000).")
    ] = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    weather: WeatherOption = "auto",
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    variables: Annotated[
        str | None,
        typer.Option(
            "--variables",
            hidden=True,
            help="Not taken: an export's columns are loads by bus, not output variables.",
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Write hourly load [MW] by load and bus (baseline, non-AI and each region's AI
    data-centre load) in the layout a grid model reads, with a manifest (export.json)."""
    from forecast.errors import OptionsError
    from forecast.report import gridexport

    if variables is not None:
        # Hidden, and refused: `forecast project --variables` taught users the option, and a
        # click "no such option" would not say where the variables are.
        raise OptionsError(
            f"--variables = {variables!r}: not taken by export-grid, whose files hold hourly "
            "load columns by bus (baseline, non-AI, each region's AI load), not output "
            "variables (--bus renames the buses, --baseline-shares splits the baseline); "
            "forecast project --variables writes variables (with --site, one campus's "
            "site_facility_mw)"
        )
    rank_by = gridexport.check_options(file_format, rank_by, quantile=quantile)
    gridexport.check_out(out)
    chosen_years = None if years is None else parse_years(years)
    if chosen_years is not None:
        first, last = gridexport.period_of_years(chosen_years, start, end)
        start, end = first.isoformat(), last.isoformat()
    fixed_weather = (
        None if weather_year is None else parse_weather_year(weather_year, "--weather-year")
    )
    sample_draws = parse_draws(sample, "--sample")
    loaded = load_scenario_argument(scenario)
    options = projection_options(
        loaded,
        draws=str(sample_draws),
        seed=seed,
        start=start,
        end=end,
        resolution="annual",
        weather=weather,
        baseline_model=baseline_model,
        no_baseline=no_baseline,
    )
    chosen = quantile is not None or draw is not None or random is not None
    representative = parse_integer(draws, "--draws") if draws is not None else None if chosen else 1
    sampled = None if random is None else parse_integer(random, "--random")
    probabilities = None if quantile is None else parse_quantiles(quantile, "--quantile")
    numbers = None if draw is None else _draw_numbers(draw)
    gridexport.check_request(
        representative, probabilities, rank_by, options.draws, draw_numbers=numbers, random=sampled
    )
    # Refuses what it cannot hold, early.
    gridexport.projected_periods(loaded, options, calendar, chosen_years)
    gridexport.check_weather_year(loaded, options, fixed_weather)
    buses = None if bus is None else _bus_mapping(bus)
    shares = None if baseline_shares is None else _shares(baseline_shares)
    gridexport.check_buses(loaded, options, buses, baseline_shares=shares)
    with projection_bar(f"{loaded.id} x {options.draws} draws", quiet=quiet) as progress:
        paths = gridexport.grid_paths(
            loaded,
            options,
            draws=representative,
            quantiles=probabilities,
            rank_by=rank_by,
            draw_numbers=numbers,
            buses=buses,
            baseline_shares=shares,
            calendar=calendar,
            progress=progress,
            random=sampled,
            years=chosen_years,
            weather_year=fixed_weather,
        )
    warn_weather_fallback(options, paths.dataset)
    written = gridexport.write(paths, out, file_format, command=_command_line(context))
    for info in paths.paths:
        if "level_warning" in info:
            print(f"warning: {info['level_warning']}", file=sys.stderr)
    if not quiet:
        _summary(loaded.id, paths)
    say_written(f"{len(written)} files under {out} (manifest {written[-1]})", quiet=quiet)


def _command_line(context: typer.Context) -> str:
    """The command as it would be typed again: ``forecast export-grid <scenario>`` and every
    option's value, the defaults too (``--seed 0``, ``--sample 1000``), so that the manifest
    says what made the export even where the defaults change."""
    import shlex

    words = ["forecast", "export-grid"]
    for parameter in context.command.params:
        value = context.params.get(parameter.name)
        if parameter.param_type_name == "argument":
            words.insert(2, str(value))
        elif isinstance(value, bool):
            words += [parameter.opts[0]] if value else []
        elif value is not None:
            words += [parameter.opts[0], str(value)]
    return shlex.join(words)


def _draw_numbers(text: str) -> tuple[int, ...]:
    """``--draw 101,176`` as ``(101, 176)``."""
    from forecast.errors import OptionsError

    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise OptionsError(
            f"--draw = {text!r}: allowed: draw numbers, N[,N...] (e.g. 101,176)"
        ) from None


def _pairs(text: str, option: str, form: str, twice: str) -> dict[str, str]:
    """``--option A=x,B=y`` as ``{"A": "x", "B": "y"}``: each name once (``twice``: what the
    error says is allowed of a repeated one), both sides given, one ``=`` each (``form``: what
    the error says is allowed, ``OLD=NEW[,OLD=NEW...], e.g. KR=KOR``)."""
    from forecast.errors import OptionsError

    pairs: dict[str, str] = {}
    for part in text.split(","):
        name, equals, value = (piece.strip() for piece in part.partition("="))
        if not (name and equals and value) or "=" in value:
            raise OptionsError(f"{option} = {text!r}: allowed: {form}")
        if name in pairs:
            raise OptionsError(f"{option} = {text!r}: {name} given twice; allowed: {twice}")
        pairs[name] = value
    return pairs


def _shares(text: str) -> dict[str, float]:
    """``--baseline-shares capital=0.4,non_capital=0.6`` as ``{"capital": 0.4, ...}``."""
    from forecast.errors import OptionsError

    form = "REGION=SHARE[,...], e.g. capital=0.4,non_capital=0.6"
    pairs = _pairs(text, "--baseline-shares", form, "each region once")
    try:
        shares = {region: float(share) for region, share in pairs.items()}
    except ValueError:
        shares = {"": float("nan")}
    if any(share != share for share in shares.values()):  # not a number
        raise OptionsError(f"--baseline-shares = {text!r}: allowed: {form}")
    return shares


def _bus_mapping(text: str) -> dict[str, str]:
    """``--bus KR=KOR,capital=seoul`` as ``{"KR": "KOR", "capital": "seoul"}``."""
    form = "OLD=NEW[,OLD=NEW...], e.g. KR=KOR"
    return _pairs(text, "--bus", form, "one new name for each bus")


def _summary(scenario_id: str, paths) -> None:
    """The loads and buses, and each path's energy in its first and last whole year (a part
    year, where there is no whole one, says how many hours it holds); last, the caveats
    export.json carries (:func:`forecast.outputs.caveat_lines`)."""
    from forecast.outputs import caveat_lines
    from forecast.report.gridexport import partial_years

    energy = paths.annual_energy_twh().sum(axis=0)  # [P, Y] all loads
    years = sorted(set(paths.year.tolist()))
    partial = partial_years(paths.year)
    whole = [position for position, year in enumerate(years) if str(year) not in partial]
    shown = sorted({whole[0], whole[-1]} if whole else {0, len(years) - 1})
    print(f"{scenario_id}: {len(paths.labels)} path(s), loads: "
          + ", ".join(f"{load.name} (bus {load.bus})" for load in paths.loads))  # fmt: skip
    if partial:
        print("  part years: " + ", ".join(f"{y} ({hours})" for y, hours in partial.items()))
    for index, info in enumerate(paths.paths):
        by_year = ", ".join(
            f"{_year_label(years[position], partial)}: {energy[index, position]:,.2f} TWh"
            for position in shown
        )
        if "draw" not in info:
            what = f"hour-by-hour quantile {info['percentile_level']:g} (not a load path)"
        else:
            if "percentile_level" in info:
                level = f"nearest P{round(100 * info['percentile_level'])}"
            elif "weight" in info:
                level = f"random draw, weight {info['weight']:g}"
            else:
                level = "chosen by number"
            what = (
                f"draw {info['draw']} ({level}: P{round(100 * info['overall_percentile'])} as a "
                f"whole; {_percentile_ranges(info)})"
            )
        print(f"  {info['label']}: {what}; {by_year}")
    for line in caveat_lines(paths.dataset):
        print(line)


def _year_label(year: int, partial: dict[str, str]) -> str:
    """``2030``, or for a part year its hours: ``2029 (1 of 8760 hours)``."""
    return f"{year} ({partial[str(year)]})" if str(year) in partial else str(year)


def _percentile_ranges(info: dict) -> str:
    """The range over the years of a representative draw's percentile on each measure it was
    ranked by, and on the AI energy where it was not (the load the export is for; ``--rank-by
    dc`` leaves it anywhere): ``total energy P44–P57, peak P38–P61``, ``data-centre energy
    P45–P55, data-centre peak P50; AI energy P2–P92 (not ranked)``."""
    from forecast.report.gridexport import METRIC_LABELS

    def percentile_range(name: str) -> str:
        by_year = info["percentiles_by_year"][name].values()
        low, high = (round(100 * bound) for bound in (min(by_year), max(by_year)))
        return f"{METRIC_LABELS[name]} P{low}" + (f"–P{high}" if high != low else "")

    ranges = ", ".join(percentile_range(name) for name in info["ranked_by"])
    if "ai_energy_twh" in info["percentiles_by_year"] and "ai_energy_twh" not in info["ranked_by"]:
        ranges += f"; {percentile_range('ai_energy_twh')} (not ranked)"
    return ranges
