"""``forecast project``: one scenario projected, written to a file, summarised per year.

Its tables import :mod:`forecast.outputs` (numpy) when they are printed, not with the command:
``forecast --help`` loads every command's module.
"""

from __future__ import annotations

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
    ResolutionOption,
    ScenarioArgument,
    SeedOption,
    SiteOption,
    StartOption,
    SummaryOption,
    VariablesOption,
    WeatherOption,
    WeatherYearOption,
    check_id_columns,
    check_output,
    check_summary,
    check_variables,
    load_scenario_argument,
    projection_bar,
    projection_options,
    say_written,
    variable_selection,
    warn_large_output,
    warn_weather_fallback,
    write_summary,
    year_checked,
    year_of_period,
)

#: Most sites whose AI load the summary prints unasked (``--site-loads`` prints every site's).
SITE_LOAD_ROWS = 10


def project(
    scenario: ScenarioArgument,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.csv, .parquet or .nc).")
    ] = Path("projection.csv"),
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: ResolutionOption = "hourly",
    file_format: FormatOption = None,
    quantiles: QuantilesOption = DEFAULT_QUANTILES,
    weather: WeatherOption = "auto",
    weather_year: WeatherYearOption = None,
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    per_draw: PerDrawOption = False,
    duration_curves: DurationCurvesOption = False,
    duration_draws: DurationDrawsOption = None,
    summary: SummaryOption = None,
    drivers_year: Annotated[
        str | None,
        typer.Option(
            help="Also print the spread drivers of this year (beside the last year's); every "
            "year's are in the file (<output>_rank_correlation).",
            callback=year_checked,
        ),
    ] = None,
    flexibility_year: Annotated[
        str | None,
        typer.Option(
            help="With flexibility, the year whose calendars of hours called and of energy "
            "given way (local month x hour of the day, mean over draws) are printed; default "
            "the period's last. Every year's are in the file "
            "(flexibility_hours_called_by_month_hour, flexibility_energy_mwh_by_month_hour).",
            callback=year_checked,
        ),
    ] = None,
    site_loads: Annotated[
        bool,
        typer.Option(
            "--site-loads",
            help=f"Print each site's AI load however many sites the scenario has (up to "
            f"{SITE_LOAD_ROWS} are printed anyway); every site's is in the file "
            "(site_energy_twh, site_mean_mw, site_peak_mw).",
        ),
    ] = False,
    site: SiteOption = None,
    variables: VariablesOption = None,
    id_columns: IdColumnsOption = False,
    quiet: QuietOption = False,
) -> None:
    """Project a scenario: hourly AI load, baseline and total with quantiles, to CSV, Parquet
    or NetCDF."""
    from forecast.io import export
    from forecast.projection import project as run_projection
    from forecast.report.inputs import input_table

    check_output(out, file_format=file_format, formats=export.FORMATS)
    check_id_columns(out, file_format=file_format, id_columns=id_columns)
    check_summary(summary)
    patterns = variable_selection(variables)
    loaded = load_scenario_argument(scenario)
    options = projection_options(
        loaded,
        draws=draws,
        seed=seed,
        start=start,
        end=end,
        resolution=resolution,
        quantiles=quantiles,
        weather=weather,
        baseline_model=baseline_model,
        no_baseline=no_baseline,
        per_draw=per_draw,
        duration_curves=duration_curves,
        duration_draws=duration_draws,
        sites=tuple(site or ()),
        weather_year=weather_year,
    )
    check_variables(patterns, [(loaded, options)])
    drivers = year_of_period(drivers_year, "--drivers-year", options)
    flexibility = year_of_period(flexibility_year, "--flexibility-year", options)
    warn_large_output(loaded, options, out, file_format)
    with projection_bar(f"{loaded.id} x {options.draws} draws", quiet=quiet) as progress:
        dataset = run_projection(loaded, options, progress=progress)
    selected = export.select_variables(dataset, patterns, field="--variables")
    written = export.write(
        export.with_id_columns(selected) if id_columns else selected,
        out,
        file_format=file_format,
        inputs=input_table(loaded),
    )
    warn_weather_fallback(options, dataset)
    if not quiet:
        print(summary_table(dataset))
        print(mc_precision_note(dataset))
        print(drivers_text(dataset, drivers))
        # A scenario with non-AI loads prints its regions under its sector table.
        regions = "" if "non_ai_energy_twh" in dataset else region_table(dataset)
        for table in (sector_table(dataset), regions, grid_table(dataset), site_table(dataset),
                      site_load_table(dataset, every_site=site_loads), hosting_table(dataset),
                      flexibility_table(dataset),
                      flexibility_calendar_table(dataset, flexibility),
                      flexibility_energy_table(dataset, flexibility)):  # fmt: skip
            if table:
                print(table)
    say_written(written, quiet=quiet)
    write_summary(dataset, summary, quiet=quiet)


def site_load_table(dataset, *, every_site: bool = False) -> str:
    """Each site's AI energy in the period's first and last year and its mean MW in the last
    month, P50 [P10-P90] (mean); a scenario of more than :data:`SITE_LOAD_ROWS` sites says
    where its sites' figures are instead, unless ``every_site``."""
    from forecast.outputs import band_label, region_label, summary_cell, text_table

    if "site_energy_twh" not in dataset:
        return ""
    sites, regions = dataset["load_site"].values, dataset["load_site_region"].values
    if len(sites) > SITE_LOAD_ROWS and not every_site:
        return (
            f"each site's AI load: {len(sites)} sites, in the file (site_energy_twh, "
            "site_mean_mw, site_peak_mw); --site-loads prints them"
        )
    years = sorted({int(dataset["year"].values[0]), int(dataset["year"].values[-1])})
    last = dataset["month"].to_index()[-1]
    peaks = "site_peak_mw" in dataset
    headers = [
        *(f"TWh {year}" for year in years),
        f"mean MW {last:%Y-%m}",
        *([f"peak MW {years[-1]}"] if peaks else []),
    ]
    rows = [
        (
            f"{site} ({region_label(dataset, str(region))})",
            [
                *(
                    summary_cell(dataset, "site_energy_twh", 3, load_site=site, year=year)
                    for year in years
                ),
                summary_cell(dataset, "site_mean_mw", 1, load_site=site, month=last),
                *(
                    [summary_cell(dataset, "site_peak_mw", 1, load_site=site, year=years[-1])]
                    if peaks
                    else []
                ),
            ],
        )
        for site, region in zip(sites, regions, strict=True)
    ]
    title = (
        f"each site's AI load, {band_label(dataset)}: its share of its region's hosted "
        "accelerators (its energised IT capacity / the region's) and its own tenants, at its "
        "own PUE; peak: its highest hour in the year; before flexibility"
    )
    return "\n".join([title, *text_table("site (region)", headers, rows)])


def _pick(variable, level: float, **where) -> float:
    """One quantile (the nearest level) of a variable at the given coordinates."""
    import numpy as np

    from forecast.outputs import values_at

    levels = np.asarray(variable["quantile"].values)
    return float(values_at(variable, where)[int(np.argmin(np.abs(levels - level)))])


def summary_table(dataset) -> str:
    """Per-year P50 [P10–P90] (mean) of the headline figures (the band the quantiles hold:
    :func:`forecast.outputs.band_label`), as fixed-width text."""
    from forecast.outputs import (
        band_label,
        caveat_lines,
        pad_left,
        partial_period_notes,
        summary_cell,
        weather_label,
    )

    columns = [
        ("ai_energy_twh", "AI energy TWh"),
        ("ai_peak_gw", "AI peak GW"),
        ("total_energy_twh", "total TWh"),
        ("total_peak_gw", "total peak GW"),
        ("ai_share_of_energy_pct", "AI share %"),
        ("ai_at_national_peak_gw", "AI at peak GW"),
        ("peak_change_gw", "peak change GW"),
    ]
    columns = [(name, label) for name, label in columns if name in dataset]
    attrs = dataset.attrs
    width = 30
    lines = [
        f"{attrs['scenario_id']}: {band_label(dataset)} over {attrs['draws']} draws; "
        f"baseline {attrs['baseline_model']}; weather {weather_label(attrs)}",
        f"hosting: {attrs.get('hosting_note', attrs.get('hosting', ''))}",
    ]
    if "baseline_demand_basis" in attrs:
        lines.append(f"baseline demand basis: {attrs['baseline_demand_basis']}")
    if attrs["baseline_model"] == "none" and "baseline_note" in attrs:
        lines.append(str(attrs["baseline_note"]))
    scaled = scaled_columns(dataset, [(name, label, 2, {}) for name, label in columns])
    lines.append("year" + "".join(f"  {pad_left(label, width)}" for _, label, *_ in scaled))
    for year in dataset["year"].values:
        cells = [
            pad_left(summary_cell(dataset, name, digits, scale=scale, year=year), width)
            for name, _, digits, _, scale in scaled
        ]
        lines.append(f"{year}" + "".join(f"  {cell}" for cell in cells))
    lines.extend(partial_period_notes(dataset))
    if held := attrs.get("held_trends_note"):
        lines.append(f"note: {held}")
    lines.extend(caveat_lines(dataset))
    return "\n".join(lines)


def mc_precision_note(dataset) -> str:
    """One line: the Monte Carlo standard error of the last year's AI energy P10, P50, P90 and
    mean (``ai_energy_twh_mc_error``), at the projection's draws."""
    if "ai_energy_twh_mc_error" not in dataset:
        return ""
    from forecast.outputs import values_at

    year = int(dataset["year"].values[-1])
    error = dataset["ai_energy_twh_mc_error"]
    cells = [
        f"P{round(100 * float(level))} ± "
        f"{float(values_at(error, {'year': year, 'quantile': level})):.3f}"
        for level in dataset["quantile"].values
        if round(100 * float(level)) in (10, 50, 90)
    ]
    mean = float(values_at(dataset["ai_energy_twh_mean_mc_error"], {"year": year}))
    return (
        f"Monte Carlo precision at {int(dataset.attrs['draws']):,} draws (one standard error; "
        f"<output>_mc_error in the file): {year} AI energy {', '.join(cells)}, mean ± "
        f"{mean:.3f} TWh"
    )


#: Spread drivers printed per table (the file holds every input).
SHOWN_DRIVERS = 6
#: Below these draws the printout warns that the drivers' order beyond the first may change
#: with the seed: a rank correlation's standard error is about 1/sqrt(draws), 0.071 at 200,
#: where an analyst saw ranks 3-6 change between seeds; stable at 1,000 (report-sens M2).
STABLE_DRIVER_DRAWS = 1000


def drivers_text(dataset, year: int | None = None) -> str:
    """The spread drivers of each headline output (``<output>_rank_correlation``) in the last
    year and in ``year``: the :data:`SHOWN_DRIVERS` largest |rho|, those under the noise
    threshold (2/sqrt(draws)) marked ``~``, the inputs held fixed named, and a warning under
    :data:`STABLE_DRIVER_DRAWS` draws."""
    import numpy as np

    from forecast.engine.dataset import DRIVER_OUTPUTS, rank_correlation_name
    from forecast.outputs import values_at

    last = int(dataset["year"].values[-1])
    years = [last] if year is None or year == last else [year, last]
    draws = int(dataset.attrs["draws"])
    lines = []
    for output, dim, _what in DRIVER_OUTPUTS:
        name = rank_correlation_name(output)
        if name not in dataset:
            continue
        variable = dataset[name]
        threshold = float(variable.attrs["noise_threshold"])
        for when in years:
            rho = values_at(variable, {"year": when})
            labels = variable.indexes[dim][~np.isnan(rho)]
            fixed = sorted(str(label) for label in variable.indexes[dim][np.isnan(rho)])
            rho = rho[~np.isnan(rho)]
            # Largest |rho| first, ties in the order pandas' Series.sort_values(key=abs,
            # ascending=False) gave them (its nargsort: a quicksort of the reversed values).
            backwards = np.arange(rho.size)[::-1]
            ranked = backwards[np.abs(rho)[::-1].argsort(kind="quicksort")][::-1][:SHOWN_DRIVERS]
            cells = [
                f"{labels[i]} {rho[i]:+.2f}{'~' if abs(rho[i]) < threshold else ''}" for i in ranked
            ]
            line = f"spread drivers of {output} in {when} (rho): {'; '.join(cells)}"
            if len(fixed) > SHOWN_DRIVERS:
                line += f"; {len(fixed)} inputs held fixed (no rho; the file names them)"
            elif fixed:
                line += f"; fixed: {', '.join(fixed)}"
            lines.append(line)
    if not lines:
        return ""
    lines.append(
        f"(Spearman rank correlation over {draws:,} draws; ~: |rho| < 2/sqrt(draws) = "
        f"{2 / draws**0.5:.3f}, not told apart from 0)"
    )
    if draws < STABLE_DRIVER_DRAWS:
        lines.append(
            f"warning: at {draws:,} draws a rank correlation's standard error is about "
            f"{1 / draws**0.5:.2f}, so drivers after the first two may change order with the "
            f"seed; use at least {STABLE_DRIVER_DRAWS:,} draws to rank them"
        )
    return "\n".join(lines)


#: A column of a per-year table: variable, label, decimals, selection (``{"region": ...}``).
Column = tuple[str, str, int, dict[str, str]]


def year_selection(dataset, name: str, year) -> dict:
    """Where a per-year table reads ``name`` for ``year``: the year itself, or a monthly
    variable's last month of the year."""
    if "year" in dataset[name].dims:
        return {"year": year}
    if "month" not in dataset[name].dims:
        return {}
    months = dataset["month"].to_index()
    return {"month": months[months.year == year][-1]}


def scaled_columns(dataset, columns: list[Column]) -> list[tuple[str, str, int, dict, float]]:
    """Each column (variable, label, digits, selection) with its label and the factor of its
    cells (:func:`forecast.outputs.column_unit`: MW or GWh where every value it prints over
    the years is below 1 GW or TWh)."""
    from forecast.outputs import column_unit

    out = []
    for name, label, digits, where in columns:
        selections = (
            [{**year_selection(dataset, name, year), **where} for year in dataset["year"].values]
            if name in dataset
            else []
        )
        shown, scale, shown_digits = column_unit(dataset, name, label, selections, digits=digits)
        out.append((name, shown, shown_digits, where, scale))
    return out


def _year_table(dataset, title: str, columns: list[Column]) -> str:
    """A per-year table of ``P50 [P10–P90] (mean)`` cells; columns (variable, label, digits,
    selection); monthly variables are read at each year's last month. ``title`` ends in the
    band's label (:func:`forecast.outputs.band_label`)."""
    from forecast.outputs import band_label, display_width, pad_left, summary_cell

    scaled = scaled_columns(dataset, columns)
    width = max(30, *(display_width(label) for _, label, *_ in scaled))
    header = "year" + "".join(f"  {pad_left(label, width)}" for _, label, *_ in scaled)
    lines = [f"{title}: {band_label(dataset)}", header]
    for year in dataset["year"].values:
        cells = []
        for name, _, digits, where, scale in scaled:
            at = year_selection(dataset, name, year)
            cells.append(summary_cell(dataset, name, digits, scale=scale, **at, **where))
        lines.append(f"{year}" + "".join(f"  {pad_left(cell, width)}" for cell in cells))
    return "\n".join(lines)


def sector_table(dataset) -> str:
    """AI and non-AI data-centre energy and peak per year, when the scenario has non-AI load,
    all data centres' load in the grid's peak hour (with a baseline: the summary's AI at peak
    and peak change are the AI load's alone), and each region's data-centre energy where it
    has several regions. The title says which non-AI load the baseline already holds."""
    if "non_ai_energy_twh" not in dataset:
        return ""
    columns: list[Column] = [
        ("ai_energy_twh", "AI TWh", 2, {}),
        ("non_ai_energy_twh", "non-AI TWh", 2, {}),
        ("dc_energy_twh", "all data centres TWh", 2, {}),
        ("dc_peak_gw", "data-centre peak GW", 2, {}),
        ("dc_at_national_peak_gw", "all data centres at grid peak GW", 2, {}),
        ("ai_share_of_dc_energy_pct", "AI share of data centres %", 1, {}),
    ]
    columns = [column for column in columns if column[0] in dataset]
    table = _year_table(dataset, "data-centre sector", columns)
    if held := dataset.attrs.get("non_ai_in_baseline_note"):
        table = table.replace("\n", f"; {held}\n", 1)
    if flat := dataset.attrs.get("non_ai_held_note"):
        table += f"\nnote: {flat}"
    if "dc_energy_twh_by_region" not in dataset:
        return table
    return table + "\n" + region_table(dataset)


def region_table(dataset) -> str:
    """Each region's AI, non-AI and all data-centre energy per year (those the scenario has),
    regions by their display names; empty for a scenario of one region."""

    if "ai_energy_twh_by_region" not in dataset:
        return ""
    by_region = _region_columns(
        dataset,
        "TWh",
        (
            # The planner's headline: what moves south is AI energy, which this table lacked
            # (a Jeollanam-do planner read it from the CSV).
            ("ai_energy_twh_by_region", "AI"),
            ("non_ai_energy_twh_by_region", "non-AI"),
            ("dc_energy_twh_by_region", "all data centres"),
        ),
    )
    sector = "data-centre sector" if "dc_energy_twh_by_region" in dataset else "AI energy"
    table = _year_table(dataset, f"{sector} by region", by_region)
    at_peak = region_peak_columns(dataset)
    if not at_peak:
        return table
    return table + "\n" + _year_table(dataset, "load in the grid's peak hour by region", at_peak)


def region_peak_columns(dataset) -> list[Column]:
    """Each region's AI and all data-centre load in the hour of the grid's total peak (those
    the projection has: with a baseline), region by region. [GW]"""
    return _region_columns(
        dataset,
        "GW",
        (
            ("ai_at_national_peak_gw_by_region", "AI"),
            ("dc_at_national_peak_gw_by_region", "all data centres"),
        ),
    )


def _region_columns(dataset, unit: str, variables: tuple[tuple[str, str], ...]) -> list[Column]:
    """Each region's column (``<kind> <unit> <region>``, two decimals) of each variable of
    ``variables`` (name, kind) that the projection has, region by region."""
    from forecast.outputs import region_label

    columns: list[Column] = []
    for region in dataset["region"].values:
        where = {"region": str(region)}
        label = region_label(dataset, str(region))
        columns += [
            (name, f"{kind} {unit} {label}", 2, where)
            for name, kind in variables
            if name in dataset
        ]
    return columns


def grid_columns(dataset) -> list[Column]:
    """Requested, connected, delayed and stranded MW of each region with a connection limit."""
    from forecast.outputs import limited_regions, region_label

    return [
        (
            f"grid_{kind}_mw_by_region",
            f"{kind} MW {region_label(dataset, region)}",
            0,
            {"region": region},
        )
        for region in limited_regions(dataset)
        for kind in ("requested", "connected", "delayed", "stranded")
    ]


def grid_table(dataset) -> str:
    """Requested, connected, delayed and stranded grid capacity by region at each year's end."""
    from forecast.outputs import REQUESTED_CAPTION, non_ai_growth_note

    if "grid_requested_mw_by_region" not in dataset:
        return ""
    columns = grid_columns(dataset)
    table = _year_table(
        dataset,
        f"grid connection of new sites under a limit, end of year ({REQUESTED_CAPTION}; a "
        "site requests its whole "
        "grid capacity from its application, its ramp's start or grid_lead_months before it, a "
        "phased site what its ramp will have built then; delayed: "
        "requested minus connected; stranded: built halls not yet connected, whether or not a "
        "tenant waits for them, the load held back being the hosting shortfall below)",
        columns,
    )
    note = non_ai_growth_note(dataset)
    return f"{table}\nnote: {note}" if note else table


def site_table(dataset) -> str:
    """When each site under a connection limit asks for its grid capacity and when all of it is
    connected, among the draws that build it, how late that is and how long its built MW
    wait."""
    from forecast.outputs import band_label, text_table
    from forecast.report.sites import site_columns, site_rows

    rows = site_rows(dataset)
    if not rows:
        return ""
    last = f"{dataset['month'].to_index()[-1]:%Y-%m}"
    title = (
        "sites not yet operating, in queue order (no limit: their region has no grid "
        "connection limit, so each is connected in full when it asks, its commissioning after "
        "its delay, or its grid_lead_months before; status, share of draws that "
        "build each); among the draws that build each: the grid MW it asks for and the month "
        "it asks (P50; grid_lead_months before its ramp starts; phased: it asks for what its "
        "ramp will have built), the month some of it is connected (P50: a whole request may be "
        "connected in part first), the month all of it is (P10 / P50 / P90), the months by "
        "which that "
        "comes after its halls need it (its ramp's start; phased: its end) and the mean "
        f"months a MW of its built halls waits for the grid, {band_label(dataset, mean=False)} "
        "(never: not "
        f"connected in full by {last}; by: already in the first month)"
    )
    table = text_table("site", site_columns(dataset), [(r.site, r.cells(last)) for r in rows])
    return "\n".join([title, *table])


#: When flexibility is called and what it moves, after its peak figures (those a projection
#: has: shifted energy in mode shift only).
FLEXIBILITY_CALLS: tuple[tuple[str, str, int], ...] = (
    ("flexibility_curtailed_twh", "curtailed TWh", 3),
    ("flexibility_shifted_twh", "shifted TWh", 3),
    ("flexibility_hours_called", "hours called", 0),
    ("flexibility_events", "events", 0),
    ("flexibility_event_hours_max", "longest event h", 0),
    ("flexibility_event_hours_mean", "mean event h", 1),
)


def flexibility_table(dataset) -> str:
    """The grid's peak with and without the AI load's flexibility, what it curtails (and
    shifts), and when it is called: hours, events (runs of consecutive hours called) and
    their lengths, as a programme's contract counts them."""
    if "flexibility_curtailed_twh" not in dataset:
        return ""
    shifts = dataset.attrs.get("flexibility", "").startswith("shift")
    columns: list[tuple[str, str, int, dict]] = [
        (name, label, digits, {})
        for name, label, digits in FLEXIBILITY_CALLS
        if name in dataset and (shifts or name != "flexibility_shifted_twh")
    ]
    if "peak_change_gw_without_flexibility" in dataset:
        columns = [
            ("peak_change_gw_without_flexibility", "peak change GW without", 2, {}),
            ("peak_change_gw", "peak change GW with", 2, {}),
            # Draw by draw: its P50 is not the difference of the two P50s.
            ("flexibility_peak_reduction_gw", "peak reduction GW", 2, {}),
            ("ai_at_national_peak_gw_without_flexibility", "AI at peak GW without", 2, {}),
            ("ai_at_national_peak_gw", "AI at peak GW with", 2, {}),
            *columns,
        ]
    return _year_table(
        dataset,
        f"flexibility ({dataset.attrs.get('flexibility', '')})",
        columns,
    )


def flexibility_calendar_table(dataset, year: int | None = None) -> str:
    """In which local months (rows) and clock hours of the day (columns) flexibility is called
    in ``year`` (default the period's last): hours called, mean over draws, with each month's
    and each hour's total; "." where it is never called. "" without flexibility."""
    return _month_hour_table(
        dataset,
        "flexibility_hours_called_by_month_hour",
        year,
        what="flexibility called",
        digits=1,
        nothing="no hour called",
    )


def flexibility_energy_table(dataset, year: int | None = None) -> str:
    """What flexibility takes off in the hours it is called in ``year`` (default the period's
    last), by local month (rows) and clock hour of the day (columns): the AI energy given way
    (curtailed, or shifted to the day's other hours), mean over draws, in whole MWh as the
    dashboard's table (service/web/flexibility.js) shows it, with each month's and each
    hour's total; "." where nothing gives way. "" without flexibility (or a projection
    written before the energy calendar)."""
    return _month_hour_table(
        dataset,
        "flexibility_energy_mwh_by_month_hour",
        year,
        what="AI energy flexibility gives way (curtailed or shifted)",
        digits=0,
        nothing="none given way",
    )


def _month_hour_table(
    dataset, name: str, year: int | None, *, what: str, digits: int, nothing: str
) -> str:
    """A calendar of a year's hours (``name``: dims year, month_of_year, hour_of_day, a mean
    over draws) as a table: a row per local month, a column per clock hour, each month's and
    each hour's total; cells to ``digits`` decimals as Python rounds them (half to even on the
    exact value, as the dashboard's ``formatNumber``, service/web/format.js, with its
    thousands separators), "." for 0. ``what`` the title's subject, ``nothing`` what a year
    whose cells are all 0 says; "" where the projection does not hold ``name``."""
    import calendar
    import math

    from forecast.outputs import values_at

    if name not in dataset:
        return ""
    chosen = int(dataset["year"].values[-1]) if year is None else year
    variable = dataset[name]
    rest = [dim for dim in variable.dims if dim != "year"]
    table = values_at(variable, {"year": chosen}).transpose(
        rest.index("month_of_year"), rest.index("hour_of_day")
    )
    title = (
        f"{what} by local month and hour of the day, {chosen} [{variable.attrs['units']}, "
        f"mean over {dataset.attrs.get('draws', '')} draws; --flexibility-year for another]"
    )
    # Correctly rounded sums (the dashboard's exactSum, service/web/format.js, gives the same
    # bits): a total halfway between two printed figures rounds alike in both.
    total = math.fsum(table.ravel())
    if total == 0:
        return f"{title}: {nothing}"

    def cell(value: float) -> str:
        return "." if value == 0 else f"{value:,.{digits}f}"

    rows = [
        (calendar.month_abbr[month], [*map(cell, values), cell(math.fsum(values))])
        for month, values in zip(dataset["month_of_year"].values, table, strict=True)
    ]
    rows.append(("all", [*(cell(math.fsum(column)) for column in table.T), cell(total)]))
    width = max(len(text) for _, cells in rows for text in cells)
    header = [*(f"{hour:02d}" for hour in dataset["hour_of_day"].values), "all"]
    lines = [title, "   " + "".join(f" {label:>{width}}" for label in header)]
    lines += [
        f"{label:<3}" + "".join(f" {text:>{width}}" for text in cells) for label, cells in rows
    ]
    return "\n".join(lines)


def hosting_table(dataset) -> str:
    """Accelerators waiting for room at the end of each year, and their nameplate MW by region
    (P50 [P10–P90]); empty when nothing waits in any draw."""
    from forecast.outputs import band_label, display_width, pad_left, region_label, summary_cell

    if "waiting_accelerators" not in dataset:
        return ""
    if not (dataset["waiting_accelerators"].values > 0).any():  # nothing waits in any draw
        return ""
    months = dataset["month"].to_index()
    year_ends = [months[months.year == year][-1] for year in dataset["year"].values]
    regions = list(dataset["region"].values) if "waiting_nameplate_mw_by_region" in dataset else []
    header = [
        "waiting accelerators",
        "waiting MW",
        *(f"waiting MW {region_label(dataset, r)}" for r in regions),
    ]
    width = max(32, *(display_width(label) for label in header))
    lines = [
        f"hosting shortfall at the end of each year: {band_label(dataset, mean=False)} "
        "(accelerators delivered but "
        "with no room in a built data centre; they draw nothing)",
        "year" + "".join(f"  {pad_left(label, width)}" for label in header),
    ]
    for end in year_ends:
        cells = [
            summary_cell(dataset, "waiting_accelerators", 0, month=end),
            summary_cell(dataset, "waiting_nameplate_mw", 1, month=end),
            *(
                summary_cell(dataset, "waiting_nameplate_mw_by_region", 1, month=end, region=r)
                for r in regions
            ),
        ]
        lines.append(f"{end.year}" + "".join(f"  {pad_left(cell, width)}" for cell in cells))
    if "accelerator_wait_months" in dataset:
        waits = ", ".join(
            f"{year}: {_pick(dataset['accelerator_wait_months'], 0.5, year=year):.1f}"
            for year in dataset["year"].values
        )
        lines.append(f"mean months waited by accelerators delivered in the year (P50): {waits}")
    return "\n".join(lines)
