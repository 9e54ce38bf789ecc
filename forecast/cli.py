"""The ``forecast`` command line.

Errors print one line (``error: <file>: <field> = <value>: <what is allowed>``) to stderr and
exit with status 2; no output file is written then.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
from forecast.errors import ForecastError

# typer vendors its own click; reach its exception base through the public BadParameter.
_ClickException: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

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
        if float(dataset["unhosted_it_mw"].sel(quantile=0.5, method="nearest").max()) > 0:
            peak = float(dataset["unhosted_it_mw"].sel(quantile=0.5, method="nearest").max())
            print(
                f"warning: the deployment plan needs up to {peak:,.0f} MW (P50) more IT "
                "capacity than the scenario's data centres provide (unhosted_it_mw)"
            )
    print(f"wrote {written}")


def summary_table(dataset) -> str:
    """Per-year P50 [P10-P90] of the headline figures, as fixed-width text."""
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
    levels = dataset["quantile"].values

    def pick(name, year, level):
        index = int(np.argmin(np.abs(levels - level)))
        return float(dataset[name].sel(year=year).values[index])

    width = 26
    lines = [
        f"{dataset.attrs['scenario_id']} (P50 [P10-P90]; {dataset.attrs['draws']} draws, "
        f"baseline {dataset.attrs['baseline_model']})",
        "year  " + "".join(label.rjust(width) for _, label in columns),
    ]
    for year in dataset["year"].values:
        cells = []
        for name, _ in columns:
            p10, p50, p90 = (pick(name, year, level) for level in (0.1, 0.5, 0.9))
            cells.append(f"{p50:,.2f} [{p10:,.2f}–{p90:,.2f}]".rjust(width))
        lines.append(f"{year}" + "".join(cells))
    return "\n".join(lines)


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List every shipped scenario with a one-line description."""
    from forecast.scenario import list_scenarios

    scenarios = list_scenarios()
    width = max(len(s.id) for s in scenarios)
    for item in scenarios:
        span = f"{item.horizon.start.year}-{item.horizon.end.year}"
        print(f"{item.id.ljust(width)}  {item.basis:6}  {span}  {item.description}")


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
        ("forecast.cli_keys", "keys_app", "group", "keys"),
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forecast`` console script; returns the exit status."""
    try:
        app(args=argv, standalone_mode=False)
    except ForecastError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 130
    except _ClickException as error:
        hint = ""
        if isinstance(error, typer.BadParameter) and error.param_hint:
            hint = f"{error.param_hint}: "
        print(f"error: {hint}{error.format_message()}".replace("\n", " "), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
