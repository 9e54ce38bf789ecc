"""``forecast plot``: project a scenario and write the report figure (PNG or SVG)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from forecast.errors import OptionsError


def _date(text: str | None, field: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OptionsError(f"{field} = {text!r}: not a date; give YYYY-MM-DD") from None


def plot(
    scenario: Annotated[str, typer.Argument(help="Shipped scenario id or path to a .toml file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output image: .png or .svg.")],
    draws: Annotated[int, typer.Option(help="Monte Carlo draws (1..100000).")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same figure.")] = 0,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    resolution: Annotated[
        str, typer.Option(help="Period of the load fan: hourly|daily|monthly.")
    ] = "monthly",
    weather: Annotated[
        str, typer.Option(help="auto|historical|typical|synthetic future weather")
    ] = "auto",
) -> None:
    """Plot a projection: AI and national load fans (P5-P95, P10-P90, P50) and annual bars."""
    from forecast.plot import figure_format, write_figure
    from forecast.projection import ProjectionOptions, project
    from forecast.scenario import load_scenario

    # Refuse a bad output path before spending seconds on the projection.
    figure_format(out)
    out_dir = out.parent if str(out.parent) else Path()
    if not out_dir.is_dir():
        raise OptionsError(f"--out = {str(out)!r}: directory {str(out_dir)!r} does not exist")
    if resolution == "annual":
        raise OptionsError(
            "--resolution = 'annual': a fan chart needs several points a year; "
            "allowed: hourly, daily, monthly"
        )
    loaded = load_scenario(scenario)
    options = ProjectionOptions(
        draws=draws,
        seed=seed,
        start=_date(start, "--start"),
        end=_date(end, "--end"),
        resolution=resolution,
        weather=weather,
    ).validated(loaded)
    written = write_figure(project(loaded, options), out)
    print(f"wrote {written}")
