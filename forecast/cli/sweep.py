"""``forecast sweep``: the grid of variants of a scenario, projected on Dask.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import xarray as xr


from forecast.cli.options import (
    DEFAULT_QUANTILES,
    BaselineModelOption,
    EndOption,
    FormatOption,
    IdColumnsOption,
    NoBaselineOption,
    QuantilesOption,
    QuietOption,
    ResolutionOption,
    ScenarioArgument,
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
    check_year_of_period,
    load_scenario_argument,
    parse_integer,
    parse_years,
    projection_options,
    say_written,
    variable_selection,
    warn_large_output,
    warn_weather_fallback,
    write_summary,
)
from forecast.cli.project import Column, grid_columns, scaled_columns, year_selection
from forecast.errors import OptionsError, range_error


def sweep(
    scenario: ScenarioArgument,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="NAME=V1,V2,... ; repeat for a grid (cartesian product). NAME is a dotted path "
            "into the scenario (operations.pue, sites[0].build_probability, "
            "deployments[0].milestones[2].count), draws, seed, weather, or plan.scale (a "
            "factor on every milestone and shipment count).",
        ),
    ] = None,
    vary_together: Annotated[
        list[str] | None,
        typer.Option(
            "--vary-together",
            help="NAME=V1,V2,... ; give two or more: their lists, of the same length, are taken "
            "value by value (V1 with W1, then V2 with W2), for values that must move together, "
            "such as a fleet's region shares: --vary-together deployments[2].region_shares."
            "capital=0.7,0.35 --vary-together deployments[2].region_shares.non_capital=0.3,0.65."
            " The pairs are one factor of the grid with the --vary lists.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask scheduler (default: a LocalCluster)."),
    ] = None,
    workers: Annotated[
        str,
        typer.Option(
            help="Worker processes of the LocalCluster (default auto: one per two cores, at "
            "most one per variant)."
        ),
    ] = "auto",
    one_at_a_time: Annotated[
        bool,
        typer.Option(
            "--one-at-a-time",
            help="One input at a time (a tornado): the base scenario, then for each --vary "
            "(or --vary-together group) one variant per value with every other input at its "
            "base, instead of every combination; prints and writes each input's swing of the "
            "--outputs' P50 (<out>_swing.csv).",
        ),
    ] = False,
    outputs: Annotated[
        str | None,
        typer.Option(
            help="With --one-at-a-time: per-year outputs whose swing is shown, comma-separated "
            "(default: ai_energy_twh, dc_energy_twh, ai_at_national_peak_gw, those the "
            "scenario has)."
        ),
    ] = None,
    years: Annotated[
        str | None,
        typer.Option(
            help="With --one-at-a-time: years of the swing, comma-separated (default: the last)."
        ),
    ] = None,
    swing_out: Annotated[
        Path | None,
        typer.Option(
            help="With --one-at-a-time: the swing table's CSV (default: <out stem>_swing.csv)."
        ),
    ] = None,
    connect_timeout: Annotated[
        str, typer.Option(help="Seconds to try to reach --scheduler.")
    ] = "10",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output file (.csv, .parquet or .nc).")
    ] = Path("sweep.csv"),
    draws: Annotated[str, typer.Option(help="Monte Carlo draws per variant (1..100000).")] = "1000",
    seed: Annotated[str, typer.Option(help="Random seed, the same for every variant.")] = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: ResolutionOption = "hourly",
    file_format: FormatOption = None,
    quantiles: QuantilesOption = DEFAULT_QUANTILES,
    weather: WeatherOption = "auto",
    weather_year: WeatherYearOption = None,
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    summary: SummaryOption = None,
    variables: VariablesOption = None,
    id_columns: IdColumnsOption = False,
    quiet: QuietOption = False,
) -> None:
    """Project every combination of --vary values (and --vary-together pairs), or each input
    one at a time (--one-at-a-time), on Dask; one CSV/NetCDF with a variant column.
    --variables selects the file's variables; the printed, swing and --summary tables keep
    theirs.

    Every variant uses the same seed (common random numbers), so differences between variants
    are the effect of the varied inputs, not Monte Carlo noise.
    """
    from tqdm import tqdm

    from forecast.io import export
    from forecast.report.inputs import input_table
    from forecast.sweep import swing
    from forecast.sweep import variants as sweeps

    check_output(out, file_format=file_format, formats=export.FORMATS)
    check_id_columns(out, file_format=file_format, id_columns=id_columns)
    check_summary(summary)
    patterns = variable_selection(variables)
    if not one_at_a_time:
        for name, value in (("--outputs", outputs), ("--years", years), ("--swing-out", swing_out)):
            if value is not None:
                raise OptionsError(f"{name} = {str(value)!r}: allowed only with --one-at-a-time")
    swing_file = swing_out or swing.swing_path(out)
    if one_at_a_time:
        if swing_file.suffix.lower() != ".csv":
            raise OptionsError(f"--swing-out = {str(swing_file)!r}: allowed: a .csv file name")
        check_output(swing_file, option="--swing-out")
    chosen_outputs = None if outputs is None else [o.strip() for o in outputs.split(",")]
    chosen_years = None if years is None else parse_years(years)
    try:
        timeout_s = float(connect_timeout)
    except ValueError:
        raise range_error(
            "--connect-timeout", connect_timeout, kind="a number of seconds"
        ) from None
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
        weather_year=weather_year,
    )
    variations = [sweeps.parse_variation(text) for text in vary or []]
    if vary_together:
        variations += sweeps.parse_paired(vary_together)
    # Every variant is checked before any cluster starts: a bad NAME or value costs nothing.
    variants = sweeps.build_variants(
        loaded, variations, options, origin=scenario, design="oat" if one_at_a_time else "grid"
    )
    # A variant may vary the weather (--vary weather=...) away from the year's.
    for variant in variants:
        check_weather_year([variant.scenario], variant.options)
    check_variables(
        patterns,
        [(variant.scenario, variant.options) for variant in variants],
        per_draw=False,
        duration_curves=False,
        sites=False,
    )
    if one_at_a_time:
        for year in chosen_years or ():
            check_year_of_period(year, "--years", options, why="the sweep's period")
        if 0.5 not in options.quantiles:
            raise OptionsError(
                f"--quantiles = {quantiles!r}: a swing compares P50s; allowed: quantiles with 0.5"
            )
    warn_large_output(loaded, options, out, file_format, variants=len(variants))
    worker_count = (
        sweeps.default_workers(len(variants))
        if workers == "auto"
        else parse_integer(workers, "--workers", low=1, high=sweeps.MAX_WORKERS)
    )
    if not quiet:  # the cluster's start takes seconds before the bar shows
        print(
            "starting local Dask cluster…"
            if scheduler is None
            else f"connecting to the Dask scheduler at {scheduler}…",
            file=sys.stderr,
        )
    with (
        sweeps.dask_client(
            scheduler=scheduler,
            workers=worker_count,
            connect_timeout_s=timeout_s,
        ) as client,
        tqdm(
            total=len(variants),
            unit="variant",
            disable=quiet,
            file=sys.stderr,
            desc=f"{loaded.id} sweep",
        ) as bar,
    ):

        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)

        datasets = sweeps.run_variants(client, variants, progress=progress)
    dataset = sweeps.combine(variants, datasets)
    selected = export.select_variables(dataset, patterns, field="--variables")
    written = sweeps.write(
        export.with_id_columns(selected) if id_columns else selected,
        out,
        file_format=file_format,
        inputs={variant.index: input_table(variant.scenario) for variant in variants},
    )
    warn_weather_fallback(options, dataset)
    table = None
    if one_at_a_time:
        # Checked before the cluster started, where the scenario tells (a year, the P50); the
        # outputs a scenario has are known once it has run.
        table = swing.swing_table(dataset, outputs=chosen_outputs, years=chosen_years)
    if not quiet:
        print(summary_table(dataset))
        if table is not None:
            print(swing.swing_text(table, digits=SWING_DIGITS))
    say_written(written, quiet=quiet)
    if table is not None:
        say_written(f"{swing.write_swing(table, swing_file, dataset)} (swing)", quiet=quiet)
    write_summary(dataset, summary, quiet=quiet)


#: Decimals of a swing table's figures, by output (the summary's; 3 otherwise).
SWING_DIGITS = {"ai_energy_twh": 3, "dc_energy_twh": 2, "ai_at_national_peak_gw": 3}


#: Per-year figures of the sweep summary: variable, label, decimals (those the variants have).
SUMMARY_COLUMNS = (
    ("ai_energy_twh", "AI TWh", 3),
    ("ai_peak_gw", "AI peak GW", 3),
    ("total_energy_twh", "total TWh", 1),
    ("total_peak_gw", "total peak GW", 2),
    ("ai_share_of_energy_pct", "AI share %", 2),
    ("ai_at_national_peak_gw", "AI at peak GW", 3),
    ("peak_change_gw", "peak change GW", 2),
)

#: The data-centre sector's figures, when the variants have non-AI load.
SECTOR_COLUMNS = (
    ("non_ai_energy_twh", "non-AI TWh", 2),
    ("dc_energy_twh", "all data centres TWh", 2),
    ("dc_peak_gw", "data-centre peak GW", 2),
)


#: Flexibility's figures, when the variants have flexibility (the peak's without a baseline).
FLEXIBILITY_COLUMNS = (
    ("flexibility_curtailed_twh", "curtailed TWh", 4),
    ("peak_change_gw_without_flexibility", "peak change GW without", 2),
    ("flexibility_peak_reduction_gw", "peak reduction GW", 3),
    ("ai_at_national_peak_gw_without_flexibility", "AI at peak GW without", 3),
    ("ai_at_national_peak_gw", "AI at peak GW with", 3),
    ("flexibility_hours_called", "hours called", 0),
    ("flexibility_events", "events", 0),
    ("flexibility_event_hours_max", "longest event h", 0),
)


def summary_table(dataset: xr.Dataset) -> str:
    """Every variant's per-year P50 [P10-P90] (mean) as fixed-width text (the varied values on
    a variant's first row): AI energy and peak, total energy and peak, the AI share and the
    peak change; then, where the variants have them, the data-centre sector's energy and peak,
    each grid-limited region's requested, connected and delayed MW at the year's end, and the
    energy flexibility curtails and what it takes off the peak; last, the caveats the sweep's
    file carries (:func:`forecast.outputs.caveat_lines`)."""
    from forecast.outputs import band_label, caveat_lines, design_weather_year, partial_years_note

    headline: list[Column] = [(name, label, digits, {}) for name, label, digits in SUMMARY_COLUMNS]
    fixed = design_weather_year(dataset.attrs)
    blocks = [
        _variant_table(
            dataset,
            f"{dataset.attrs['scenario_id']} sweep, {dataset.sizes['variant']} variants: "
            f"{band_label(dataset)} per year, common random numbers"
            + (f"; weather {fixed}" if fixed else ""),
            headline,
        )
    ]
    if partial := partial_years_note(dataset):
        blocks.append(partial)
    if "non_ai_energy_twh" in dataset:
        sector: list[Column] = [(name, label, digits, {}) for name, label, digits in SECTOR_COLUMNS]
        blocks.append(_variant_table(dataset, "data-centre sector", sector))
    if "grid_limit_mw_by_region" in dataset:
        grid = grid_columns(dataset)
        blocks.append(_variant_table(dataset, "grid connection, end of year", grid))
    if "flexibility_curtailed_twh" in dataset:
        flexibility: list[Column] = [
            (name, label, digits, {}) for name, label, digits in FLEXIBILITY_COLUMNS
        ]
        blocks.append(_variant_table(dataset, "flexibility", flexibility))
    if "site_grid_wait_months" in dataset and (waits := _site_waits(dataset)):
        blocks.append(waits)
    if note := unmoved_note(dataset):
        blocks.append(note)
    blocks += caveat_lines(dataset)
    return "\n".join(blocks)


#: The load figures a varied input must move to change the answer (those the variants have).
LOAD_FIGURES = ("ai_energy_twh", "ai_peak_gw", "total_energy_twh", "total_peak_gw",
                "peak_change_gw", "non_ai_energy_twh", "dc_energy_twh", "dc_peak_gw")  # fmt: skip
#: Largest spread across variants, as a share of a figure's largest value in the sweep, that
#: counts as no effect: kr-outlook's capital limit at 245, 500 and 1,000 MW (200 draws) moves its
#: peak change and AI peak by 0.1 % at most, noise in the summary's last decimal
#: (tests/forecast/sweep/test_unmoved.py).
SAME_LOAD_SHARE = 0.005


def unmoved_note(dataset: xr.Dataset) -> str:
    """One ``note:`` line when every variant gives the same load figures, within
    :data:`SAME_LOAD_SHARE` (every quantile and mean, every year): the varied input does not
    move the load in this scenario (a sweep of kr-outlook's capital limit showed three equal
    variants and did not say why). A grid limit's note points at the grid table, where
    requested and connected MW show whether the limit holds anything back. Empty otherwise."""
    import numpy as np

    if dataset.sizes.get("variant", 0) < 2:
        return ""
    names = [
        name
        for figure in LOAD_FIGURES
        for name in (figure, f"{figure}_mean")
        if name in dataset and "variant" in dataset[name].dims
    ]
    largest = 0.0
    for name in names:
        values = dataset[name].transpose("variant", ...).to_numpy()
        if np.all(np.isnan(values)):
            continue
        spread = float(np.nanmax(np.abs(values - values[:1])))
        scale = float(np.nanmax(np.abs(values)))
        if spread > SAME_LOAD_SHARE * scale:
            return ""
        largest = max(largest, spread / scale if scale > 0 else 0.0)
    if not names:
        return ""
    from forecast.sweep.variants import varied_names

    varied = varied_names(dataset)
    note = (
        f"note: the {dataset.sizes['variant']} variants give the same AI, data-centre and total "
        f"energy and peaks in every year (they differ by at most {100 * largest:.2f} % of a "
        f"figure): {', '.join(varied)} does not move the load in this scenario"
    )
    if any(name.startswith("grid.") for name in varied):
        note += (
            "; a grid limit moves load only where it holds back capacity that load waits for: "
            "see the grid table's requested vs connected MW (a limit above what is requested "
            "never binds; halls held back with no load waiting for them, and load not hosted "
            "in the limited sites, move nothing)"
        )
    return note


def _site_waits(dataset: xr.Dataset) -> str:
    """Each queued site's wait for its whole grid capacity, variant by variant (a campus
    developer could not see whether their campus connects at one limit or another without
    reading the CSV), as compare's block."""
    from forecast.sweep.compare import site_wait_lines
    from forecast.sweep.variants import varied_names

    names = varied_names(dataset)
    columns = {
        f"{i}: " + " / ".join(str(dataset[name].to_numpy()[i]) for name in names): {"variant": i}
        for i in range(dataset.sizes["variant"])
    }
    return "\n".join(site_wait_lines(dataset, columns, f"variants by {' / '.join(names)}: "))


def _variant_table(dataset: xr.Dataset, title: str, columns: list[Column]) -> str:
    """One block of the summary: a row per variant and year, a ``P50 [P10-P90] (mean)`` cell per
    column (variable, label, decimals, selection) the dataset has; monthly variables are read
    at each year's last month."""
    from forecast.outputs import display_width, pad_left, summary_cell
    from forecast.sweep.variants import varied_names  # imported by the sweep that ran

    names = varied_names(dataset)
    # One unit per column over every variant (MW or GWh where all of it is below 1 GW, TWh).
    scaled = scaled_columns(dataset, [column for column in columns if column[0] in dataset])
    columns = [(name, shown, digits, where) for name, shown, digits, where, _ in scaled]
    scales = {(name, *where.items()): scale for name, _, _, where, scale in scaled}
    widths = [max(display_width(name), 8) for name in names]
    variants = [dataset.isel(variant=position) for position in range(dataset.sizes["variant"])]

    def cell(name: str, position: int, year: int, digits: int, where: dict[str, str]) -> str:
        at = year_selection(dataset, name, year)
        return summary_cell(
            variants[position], name, digits, scale=scales[(name, *where.items())], **at, **where
        )

    rows = []
    for position in range(dataset.sizes["variant"]):
        for row, year in enumerate(dataset["year"].to_numpy()):
            settings = [
                pad_left(str(dataset[name].to_numpy()[position]) if row == 0 else "", width)
                for name, width in zip(names, widths, strict=True)
            ]
            variant = str(int(dataset["variant"].to_numpy()[position])) if row == 0 else ""
            figures = [cell(name, position, year, d, where) for name, _, d, where in columns]
            rows.append((variant, settings, str(year), figures))
    figure_widths = [
        max(display_width(label), *(display_width(r[3][i]) for r in rows))
        for i, (_, label, _, _) in enumerate(columns)
    ]
    header = (
        "variant  "
        + "  ".join(pad_left(n, w) for n, w in zip(names, widths, strict=True))
        + "  year"
        + "".join(
            f"  {pad_left(label, w)}"
            for (_, label, _, _), w in zip(columns, figure_widths, strict=True)
        )
    )
    lines = [title, header]
    for variant, settings, year, figures in rows:
        lines.append(
            f"{variant.rjust(7)}  "
            + "  ".join(settings)
            + f"  {year}"
            + "".join(f"  {pad_left(f, w)}" for f, w in zip(figures, figure_widths, strict=True))
        )
    return "\n".join(lines)
