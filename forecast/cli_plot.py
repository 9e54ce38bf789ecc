"""``forecast plot``: project a scenario and write the report figure (PNG or SVG)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli_options import (
    DrawsOption,
    EndOption,
    ScenarioArgument,
    SeedOption,
    StartOption,
    WeatherOption,
    check_output,
    projection_options,
)
from forecast.errors import OptionsError


def plot(
    scenario: ScenarioArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output image: .png or .svg.")],
    draws: DrawsOption = "1000",
    seed: SeedOption = "0",
    start: StartOption = None,
    end: EndOption = None,
    resolution: Annotated[
        str, typer.Option(help="Period of the load fan: hourly|daily|monthly.")
    ] = "monthly",
    weather: WeatherOption = "auto",
) -> None:
    """Plot a projection: AI and national load fans (P5-P95, P10-P90, P50) and annual bars."""
    from forecast.plot import figure_format, write_figure
    from forecast.projection import project
    from forecast.scenario import load_scenario

    # Refuse a bad output path before spending seconds on the projection.
    figure_format(out)
    check_output(out)
    if resolution == "annual":
        raise OptionsError(
            "--resolution = 'annual': a fan chart needs several points a year; "
            "allowed: hourly, daily, monthly"
        )
    loaded = load_scenario(scenario)
    options = projection_options(
        loaded,
        draws=draws,
        seed=seed,
        start=start,
        end=end,
        resolution=resolution,
        weather=weather,
    )
    written = write_figure(project(loaded, options), out)
    print(f"wrote {written}")
