"""``forecast sweep``: the grid of variants of a scenario, projected on Dask.

Registered on the main app by :mod:`forecast.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from forecast.cli_options import (
    DEFAULT_QUANTILES,
    BaselineModelOption,
    EndOption,
    FormatOption,
    NoBaselineOption,
    QuantilesOption,
    QuietOption,
    ResolutionOption,
    ScenarioArgument,
    StartOption,
    WeatherOption,
    check_output,
    parse_integer,
    projection_options,
)


def sweep(
    scenario: ScenarioArgument,
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="NAME=V1,V2,... ; repeat for a grid (cartesian product). NAME is a dotted path "
            "into the scenario (operations.pue, sites[0].build_probability, "
            "deployments[0].milestones[2].count) or draws, seed, weather.",
        ),
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running dask scheduler (default: a LocalCluster)."),
    ] = None,
    workers: Annotated[str, typer.Option(help="Worker processes of the LocalCluster.")] = "2",
    connect_timeout: Annotated[
        str, typer.Option(help="Seconds to try to reach --scheduler.")
    ] = "10",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.csv or .nc).")] = Path(
        "sweep.csv"
    ),
    draws: Annotated[str, typer.Option(help="Monte Carlo draws per variant (1..100000).")] = "1000",
    seed: Annotated[str, typer.Option(help="Random seed, the same for every variant.")] = "0",
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
    """Project every combination of --vary values on Dask; one CSV/NetCDF with a variant column.

    Every variant uses the same seed (common random numbers), so differences between variants
    are the effect of the varied inputs, not Monte Carlo noise.
    """
    from tqdm import tqdm

    from forecast import export
    from forecast import sweep as sweeps
    from forecast.scenario import load_scenario

    check_output(out, file_format=file_format, formats=export.FORMATS)
    try:
        timeout_s = float(connect_timeout)
    except ValueError:
        raise typer.BadParameter(
            f"{connect_timeout!r} is not a number of seconds", param_hint="--connect-timeout"
        ) from None
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
    variations = [sweeps.parse_variation(text) for text in vary]
    # Every variant is checked before any cluster starts: a bad NAME or value costs nothing.
    variants = sweeps.build_variants(loaded, variations, options, origin=scenario)
    with (
        sweeps.dask_client(
            scheduler=scheduler,
            workers=parse_integer(workers, "--workers"),
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
    written = sweeps.write(dataset, out, file_format=file_format)
    if not quiet:
        print(summary_table(dataset))
    print(f"wrote {written}")


def summary_table(dataset) -> str:
    """P50 [P10-P90] of the last year's AI energy and peak for each variant, as text."""
    names = dataset.attrs["sweep_varied"].split(",")
    levels = dataset["quantile"].values
    year = int(dataset["year"].values[-1])
    columns = [
        (name, label)
        for name, label in (
            ("ai_energy_twh", f"AI TWh {year}"),
            ("ai_peak_gw", f"AI peak GW {year}"),
            ("total_peak_gw", f"total peak GW {year}"),
        )
        if name in dataset
    ]
    widths = [max(len(name), 8) for name in names]

    def pick(name, position, level):
        index = int(np.argmin(np.abs(levels - level)))
        return float(dataset[name].isel(variant=position).sel(year=year).values[index])

    header = "variant  " + "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))
    lines = [
        f"{dataset.attrs['scenario_id']} sweep, {dataset.sizes['variant']} variants "
        "(P50 [P10-P90], common random numbers)",
        header + "".join(label.rjust(26) for _, label in columns),
    ]
    for position in range(dataset.sizes["variant"]):
        cells = [
            str(dataset[name].values[position]).rjust(width)
            for name, width in zip(names, widths, strict=True)
        ]
        figures = []
        for name, _ in columns:
            p10, p50, p90 = (pick(name, position, level) for level in (0.1, 0.5, 0.9))
            figures.append(f"{p50:,.3f} [{p10:,.3f}-{p90:,.3f}]".rjust(26))
        lines.append(
            f"{int(dataset['variant'].values[position]):7d}  " + "  ".join(cells) + "".join(figures)
        )
    return "\n".join(lines)
