"""How a baseline holds several years ahead: the multi-horizon check (README, "Retraining,
evaluating, listing"; "What was tried", seventh round).

The backtest scores one year ahead only; plans are made for years 5-15 ahead. This fits the
model at each origin year (the years up to it), forecasts each of the next ``--horizons`` years
ex ante (the weather of the years up to the origin, laid on the target year) with the promoted
model's calibrated κ and level scale (fitted on all the folds: this favours the model), and
prints, per horizon, the number of cases, the mean absolute error of the annual energy, the mean
width of its 80 % band, the share of years whose energy falls inside that band and the mean
hourly 80 % coverage. With the real data::

    python -m models.horizons --config models/configs/au-nsw.toml --origins 2013-2019
    python -m models.horizons --config models/configs/kr.toml --origins 2015-2023

Few origins (2-9 per horizon here) cannot calibrate a horizon: read the table as a check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from forecast.baseline import artifacts
from forecast.baseline.model import (
    PARAMETERS_FILE,
    BaselineModel,
    load_baseline_model,
    sample_baseline,
)
from forecast.cli.run import run_app
from forecast.errors import OptionsError
from models.config import load_config, load_training_data
from models.fit import fit_baseline, prior_years_weather, with_calibration

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command()
def horizon_check(
    config_path: Annotated[
        Path, typer.Option("--config", help="Training config TOML (models/configs/*.toml).")
    ],
    origins: Annotated[str, typer.Option(help="Origin years, FIRST-LAST.")],
    horizons: Annotated[int, typer.Option(help="Years ahead, 1..N (1..30).", min=1, max=30)] = 6,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws per forecast (10..100000).", min=10, max=100_000)
    ] = 400,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """Print the annual-energy error, its 80 % band and the hourly coverage by horizon."""
    config = load_config(config_path)
    first, last = _origins(origins, config.first_year, config.last_year)
    # The promoted artifact, verified (signature and digests) as every loader verifies it,
    # then its calibrated interval factors read from its parameters.
    load_baseline_model(config.model_id)
    promoted = json.loads(
        (artifacts.resolve(config.model_id) / PARAMETERS_FILE).read_text(encoding="utf-8")
    )
    kappa = promoted["noise"]["calibration_factor"]
    scale = promoted["level"]["calibrated_scale"]
    data = load_training_data(config)
    year_of_hour = pd.DatetimeIndex(data.demand.index).year
    rows = []
    for origin in range(first, last + 1):
        parameters = fit_baseline(data.demand, data.temperature, config, last_year=origin)
        model = BaselineModel.from_parameters(
            with_calibration(parameters, kappa, level_scale=scale)
        )
        for horizon in range(1, horizons + 1):
            year = origin + horizon
            if year > config.last_year:
                break
            actual = data.demand[year_of_hour == year]
            times = pd.DatetimeIndex(actual.index)
            weather = prior_years_weather(
                data.temperature, list(range(config.first_year, origin + 1)), times
            )
            sample = sample_baseline(
                model, times, weather, draws, np.random.default_rng([0, year, origin]),
                quantiles=(0.1, 0.9),
            )  # fmt: skip
            observed = actual.to_numpy()
            scored = np.isfinite(observed)
            energy = sample.annual_mean_draws_mw[:, 0]
            low, high = np.quantile(energy, [0.1, 0.9])
            actual_mean = float(np.nanmean(observed))
            inside = (observed >= sample.quantile_mw[0]) & (observed <= sample.quantile_mw[1])
            rows.append(
                {
                    "horizon": horizon,
                    "energy_error_pct": abs(np.median(energy) / actual_mean - 1) * 100,
                    "band_pct": (high - low) / np.median(energy) * 100,
                    "inside": low <= actual_mean <= high,
                    "hourly_cover_pct": inside[scored].mean() * 100,
                }
            )
    table = (
        pd.DataFrame(rows)
        .groupby("horizon")
        .agg(
            cases=("inside", "size"),
            energy_error_pct=("energy_error_pct", "mean"),
            band_pct=("band_pct", "mean"),
            inside_pct=("inside", lambda inside: inside.mean() * 100),
            hourly_cover_pct=("hourly_cover_pct", "mean"),
        )
    )
    if as_json:
        print(json.dumps(table.round(2).reset_index().to_dict(orient="records"), indent=2))
        return
    print(
        f"{config.model_id}: origins {first}-{last}, {draws} draws; per horizon (years ahead): "
        "cases, mean |annual energy error| %, mean 80 % band width %, share of years inside "
        "it %, mean hourly 80 % coverage %"
    )
    print(table.round(1).to_string())


def _origins(text: str, first_year: int, last_year: int) -> tuple[int, int]:
    """``FIRST-LAST`` as two years inside the config's data, before its last year."""
    allowed = f"allowed: FIRST-LAST, years {first_year}..{last_year - 1}"
    try:
        first, last = (int(year) for year in text.split("-"))
    except ValueError:
        raise OptionsError(f"--origins = {text!r}: {allowed}") from None
    if not first_year <= first <= last < last_year:
        raise OptionsError(f"--origins = {text!r}: {allowed}, the first not after the last")
    return first, last


def main(argv: list[str] | None = None) -> int:
    """``python -m models.horizons``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
