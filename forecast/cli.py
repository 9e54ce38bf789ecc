"""The ``forecast`` command line.

Errors print one line (``error: <file>: <field> = <value>: <what is allowed>``) to stderr and
exit with status 2; no output file is written then.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from forecast.cli_options import (
    DEFAULT_QUANTILES,
    BaselineModelOption,
    DrawsOption,
    EndOption,
    FormatOption,
    NoBaselineOption,
    QuantilesOption,
    QuietOption,
    ResolutionOption,
    ScenarioArgument,
    SeedOption,
    StartOption,
    WeatherOption,
    check_output,
    projection_options,
)
from forecast.cli_run import run_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="AI compute → grid electricity demand: projections with uncertainty.",
)
scenarios_app = typer.Typer(no_args_is_help=True, help="Shipped scenarios.")
app.add_typer(scenarios_app, name="scenarios")


@app.command()
def project(
    scenario: ScenarioArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.csv or .nc).")] = Path(
        "projection.csv"
    ),
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: ResolutionOption = "hourly",
    file_format: FormatOption = None,
    quantiles: QuantilesOption = DEFAULT_QUANTILES,
    weather: WeatherOption = "auto",
    baseline_model: BaselineModelOption = None,
    no_baseline: NoBaselineOption = False,
    quiet: QuietOption = False,
) -> None:
    """Project a scenario: hourly AI load, baseline and total with quantiles, to CSV/NetCDF."""
    from tqdm import tqdm

    from forecast import export
    from forecast.projection import project as run_projection
    from forecast.scenario import load_scenario

    check_output(out, file_format=file_format, formats=export.FORMATS)
    loaded = load_scenario(scenario)
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
    )
    with tqdm(
        total=1,
        unit="h",
        unit_scale=True,
        disable=quiet,
        file=sys.stderr,
        desc=f"{loaded.id} x {options.draws} draws",
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        dataset = run_projection(loaded, options, progress=progress)
    written = export.write(dataset, out, file_format=file_format)
    if not quiet:
        print(summary_table(dataset))
        for table in (sector_table(dataset), grid_table(dataset), hosting_table(dataset),
                      flexibility_table(dataset)):  # fmt: skip
            if table:
                print(table)
    print(f"wrote {written}")


def _pick(variable, level: float, **where) -> float:
    """One quantile (the nearest level) of a variable at the given coordinates."""
    levels = variable["quantile"].values
    index = int(np.argmin(np.abs(levels - level)))
    return float(variable.sel(**where).values[..., index])


def _cell(dataset, name: str, digits: int = 2, **where) -> str:
    """``P50 [P10–P90] (mean)`` of a per-year variable, or of a monthly one at a month."""
    p10, p50, p90 = (_pick(dataset[name], level, **where) for level in (0.1, 0.5, 0.9))
    text = f"{p50:,.{digits}f} [{p10:,.{digits}f}–{p90:,.{digits}f}]"
    mean = f"{name}_mean"
    if mean in dataset:
        text += f" ({float(dataset[mean].sel(**where)):,.{digits}f})"
    return text


def summary_table(dataset) -> str:
    """Per-year P50 [P10-P90] (mean) of the headline figures, as fixed-width text."""
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
    weather_years = str(attrs.get("weather_years", "")).split(",")
    lines = [
        f"{attrs['scenario_id']}: P50 [P10-P90] (mean) over {attrs['draws']} draws; "
        f"baseline {attrs['baseline_model']}; weather {attrs.get('weather_location', '?')}: "
        f"{attrs.get('weather_kind', '?')}, {len(weather_years)} "
        f"year{'s' if len(weather_years) > 1 else ''}",
        f"hosting: {attrs.get('hosting_note', attrs.get('hosting', ''))}",
        "year" + "".join(f"  {label.rjust(width)}" for _, label in columns),
    ]
    for year in dataset["year"].values:
        cells = [_cell(dataset, name, year=year).rjust(width) for name, _ in columns]
        lines.append(f"{year}" + "".join(f"  {cell}" for cell in cells))
    return "\n".join(lines)


def _year_table(dataset, title: str, columns: list[tuple[str, str, int, dict]]) -> str:
    """A per-year table of ``P50 [P10-P90] (mean)`` cells; columns (variable, label, digits,
    selection); monthly variables are read at each year's last month."""
    months = dataset["month"].to_index()
    width = max(30, *(len(label) for _, label, _, _ in columns))
    lines = [title, "year" + "".join(f"  {label.rjust(width)}" for _, label, _, _ in columns)]
    for year in dataset["year"].values:
        cells = []
        for name, _, digits, where in columns:
            at = {"month": months[months.year == year][-1]} if "month" in dataset[name].dims else {}
            if "year" in dataset[name].dims:
                at = {"year": year}
            cells.append(_cell(dataset, name, digits, **at, **where))
        lines.append(f"{year}" + "".join(f"  {cell.rjust(width)}" for cell in cells))
    return "\n".join(lines)


def sector_table(dataset) -> str:
    """AI and non-AI data-centre energy and peak per year, when the scenario has non-AI load."""
    if "non_ai_energy_twh" not in dataset:
        return ""
    return _year_table(
        dataset,
        "data-centre sector: P50 [P10-P90] (mean)",
        [
            ("ai_energy_twh", "AI TWh", 2, {}),
            ("non_ai_energy_twh", "non-AI TWh", 2, {}),
            ("dc_energy_twh", "all data centres TWh", 2, {}),
            ("dc_peak_gw", "data-centre peak GW", 2, {}),
            ("ai_share_of_dc_energy_pct", "AI share of data centres %", 1, {}),
        ],
    )


def grid_table(dataset) -> str:
    """Requested, connected and delayed grid capacity by region at each year's end."""
    if "grid_requested_mw_by_region" not in dataset:
        return ""
    limited = [
        region
        for region in dataset["region"].values
        if np.isfinite(dataset["grid_limit_mw_by_region"].sel(region=region)).any()
    ]
    columns = []
    for region in limited:
        columns += [
            ("grid_requested_mw_by_region", f"requested MW {region}", 0, {"region": region}),
            ("grid_connected_mw_by_region", f"connected MW {region}", 0, {"region": region}),
            ("grid_delayed_mw_by_region", f"delayed MW {region}", 0, {"region": region}),
        ]
    return _year_table(
        dataset,
        "grid connection of new sites under a limit, end of year: P50 [P10-P90] (mean)",
        columns,
    )


def flexibility_table(dataset) -> str:
    """The national peak with and without the AI load's flexibility, and what it curtails."""
    if "flexibility_curtailed_twh" not in dataset:
        return ""
    columns = [("flexibility_curtailed_twh", "curtailed TWh", 3, {})]
    if "peak_change_gw_without_flexibility" in dataset:
        columns = [
            ("peak_change_gw_without_flexibility", "peak change GW without", 2, {}),
            ("peak_change_gw", "peak change GW with", 2, {}),
            ("ai_at_national_peak_gw_without_flexibility", "AI at peak GW without", 2, {}),
            ("ai_at_national_peak_gw", "AI at peak GW with", 2, {}),
            *columns,
        ]
    return _year_table(
        dataset,
        f"flexibility ({dataset.attrs.get('flexibility', '')}): P50 [P10-P90] (mean)",
        columns,
    )


def hosting_table(dataset) -> str:
    """Accelerators waiting for room at the end of each year, and their nameplate MW by region
    (P50 [P10-P90]); empty when nothing waits in any draw."""
    if "waiting_accelerators" not in dataset or float(dataset["waiting_accelerators"].max()) <= 0:
        return ""
    months = dataset["month"].to_index()
    year_ends = [months[months.year == year][-1] for year in dataset["year"].values]
    regions = list(dataset["region"].values) if "waiting_nameplate_mw_by_region" in dataset else []
    width = 32
    header = ["waiting accelerators", "waiting MW", *(f"waiting MW {r}" for r in regions)]
    lines = [
        "hosting shortfall at the end of each year: P50 [P10-P90] (accelerators delivered but "
        "with no room in a built data centre; they draw nothing)",
        "year" + "".join(f"  {label.rjust(width)}" for label in header),
    ]
    for end in year_ends:
        cells = [
            _cell(dataset, "waiting_accelerators", 0, month=end),
            _cell(dataset, "waiting_nameplate_mw", 1, month=end),
            *(
                _cell(dataset, "waiting_nameplate_mw_by_region", 1, month=end, region=r)
                for r in regions
            ),
        ]
        lines.append(f"{end.year}" + "".join(f"  {cell.rjust(width)}" for cell in cells))
    if "accelerator_wait_months" in dataset:
        waits = ", ".join(
            f"{year}: {_pick(dataset['accelerator_wait_months'], 0.5, year=year):.1f}"
            for year in dataset["year"].values
        )
        lines.append(f"mean months waited by accelerators delivered in the year (P50): {waits}")
    return "\n".join(lines)


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List every shipped scenario with a one-line description."""
    from forecast.scenario import list_scenarios

    scenarios = list_scenarios()
    width = max(len(s.id) for s in scenarios)
    for item in scenarios:
        span = f"{item.horizon.start.year}-{item.horizon.end.year}"
        print(f"{item.id.ljust(width)}  {item.hosting_reading:13}  {span}  {item.description}")


@scenarios_app.command("show")
def scenarios_show(
    scenario_id: Annotated[str, typer.Argument(help="Shipped scenario id or .toml path.")],
) -> None:
    """Print a scenario, validated, with every default filled in and its source."""
    import json

    from forecast.sampling import OPERATION_DEFAULTS
    from forecast.scenario import load_scenario

    scenario = load_scenario(scenario_id)
    data = scenario.model_dump(mode="json", exclude_none=True)
    operations = data.setdefault("operations", {})
    for name, default in OPERATION_DEFAULTS.items():
        if name not in operations:
            operations[name] = {**default.quantity.model_dump(mode="json"), "default": True}
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _register_optional_commands() -> None:
    """Commands that live in their own modules (baseline models, service, sweeps, plots)."""
    import importlib

    for module_name, attribute, kind, name in (
        ("forecast.cli_models", "models_app", "group", "models"),
        ("forecast.cli_models", "evaluate", "command", "evaluate"),
        ("forecast.cli_sweep", "sweep", "command", "sweep"),
        ("forecast.cli_serve", "serve", "command", "serve"),
        ("forecast.cli_plot", "plot", "command", "plot"),
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        target = getattr(module, attribute)
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name=name)(target)


_register_optional_commands()


def _show_notices() -> None:
    """Print the library's notices to stderr as plain lines (the one that matters to a new
    user: the kernels compiling on a first run, see :data:`forecast._numba.COMPILE_NOTICE`)."""
    logger = logging.getLogger("forecast")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forecast`` console script; returns the exit status."""
    _show_notices()
    return run_app(app, argv)


if __name__ == "__main__":
    sys.exit(main())
