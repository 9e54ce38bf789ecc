"""Rolling-origin backtest of the baseline model, interval calibration and the promotion rule.

For each backtest year Y: fit on the years before Y (:func:`models.train.fit_baseline`),
forecast Y whole with :func:`forecast.baseline.sample_baseline`

* **ex post**: with Y's actual temperature (one weather trace);
* **ex ante**: with the weather of every year before Y mapped onto Y's calendar,

and score it with :mod:`forecast.evaluation`, next to the seasonal-naive reference.

Interval calibration, on **ex ante** 80 % coverage (the intervals users see: level × shape
over the prior years' weather × daily noise, the composition of
:func:`forecast.baseline.sample_baseline`), in two steps, each on a grid with common random
numbers and leave-one-year-out (the factors used for year Y are fitted on the *other*
backtest years, so the reported coverage is out of sample):

1. noise factor κ (daily noise sd = residual sd × κ): coverage with the level fixed at the
   year's actual temperature-normalised level, i.e. the within-year spread alone;
2. level spread factor λ (scales the level draws' deviations): coverage with the level
   forecast and the noise at step 1's factor.

Two factors because the errors are of two kinds: the within-year spread is the same every
year, while level misses come in shocks (2020); one noise factor fitted to both made normal
years' intervals too wide and their annual peaks (the maximum over noisy draws) too high.
The final model uses the factors fitted on all backtest years. Ex post intervals (actual
weather, no weather spread) are somewhat narrower than nominal.

Run alone: ``python -m models.backtest --config models/configs/kr.toml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from forecast import artifacts
from forecast.baseline import BaselineModel, standard_ar1
from forecast.cli_run import run_app
from forecast.evaluation import (
    METRIC_COLUMNS,
    format_table,
    metrics_table,
    model_forecasts,
    seasonal_naive_forecasts,
)
from forecast.features import calendar_features
from forecast.weather import weather_years_at
from models.train import TrainingConfig, fit_baseline, with_calibration

CALIBRATION_GRID = np.linspace(0.2, 4.0, 39)
LEVEL_SPREAD_GRID = np.linspace(0.25, 6.0, 24)
TARGET_COVERAGE = 0.80
PROMOTION_METRIC = ("ex_ante", "mape_pct")


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of :func:`run_backtest`."""

    table: pd.DataFrame  # index (forecast, year), columns METRIC_COLUMNS
    table_text: str
    summary: dict  # {"ex_post": {...}, "ex_ante": {...}, "seasonal_naive": {...}}
    calibration_factor: float
    level_spread_factor: float
    command: str


def prior_years_weather(
    temperature: pd.Series, source_years: list[int], local_times: pd.DatetimeIndex
) -> np.ndarray:
    """Temperature of each source year at the target hours, on standard time. [°C]

    Returns float64[W, H]: each instant takes the source year's value at the same month, day
    and hour of the zone's standard time (:func:`forecast.weather.weather_years_at`), so DST
    dates that differ between years leave no hole and no doubled hour; Feb 29 takes Feb 28's
    values in a non-leap source year.
    """
    return weather_years_at(temperature, source_years, local_times)


def _coverage_curve(
    model: BaselineModel,
    actual: pd.Series,
    temperature: np.ndarray,
    seed: int,
    *,
    noise_factors: np.ndarray,
    level_spread_factors: np.ndarray,
    level_mw: float | None = None,
) -> np.ndarray:
    """80 % coverage of one year for each pair (noise factor, level spread factor).

    ``temperature`` is float64[W, H], the weather ensemble; each draw takes one trace
    uniformly, as in :func:`forecast.baseline.sample_baseline`. ``level_mw`` fixes the level
    (then the level spread factors do not matter); otherwise the level draws' log deviations
    from the median are scaled by the level spread factor.
    """
    rng = np.random.default_rng(seed)
    local_times = actual.index
    shape = model.shape(local_times, temperature)
    day_index = calendar_features(local_times, spec=model.spec).day_of_period
    n_draws = 400
    year = np.array([local_times[0].year])
    log_deviation = np.log(model.level_draws(year, n_draws, rng)[:, 0] / model.level_median(year))
    weather_of_draw = rng.integers(0, shape.shape[0], size=n_draws)
    standard = standard_ar1(int(day_index.max()) + 1, n_draws, model.noise_autocorrelation, rng)
    scored = np.isfinite(actual.to_numpy())  # masked hours (gaps) are not scored
    base = shape[weather_of_draw][:, scored] / actual.to_numpy()[None, scored]
    day_index = day_index[scored]
    coverages = []
    for noise_factor, spread in zip(noise_factors, level_spread_factors, strict=True):
        if level_mw is None:
            level = model.level_median(year)[0] * np.exp(spread * log_deviation)
        else:
            level = np.full(n_draws, level_mw)
        sd = model.noise_sd * noise_factor
        ratio = level[:, None] * base * np.exp(sd * standard[:, day_index] - 0.5 * sd * sd)
        share_below = (ratio < 1.0).mean(axis=0)
        coverages.append(float(np.mean((share_below >= 0.1) & (share_below <= 0.9))))
    return np.asarray(coverages)


def _factor_for(curves: list[np.ndarray], grid: np.ndarray = CALIBRATION_GRID) -> float:
    """The grid factor (interpolated) whose mean coverage over ``curves`` is the target."""
    mean_curve = np.maximum.accumulate(np.mean(curves, axis=0))  # np.interp needs ascending
    return float(np.interp(TARGET_COVERAGE, mean_curve, grid))


def _leave_one_out(curves: dict[int, np.ndarray], grid: np.ndarray) -> dict[int, float]:
    """For each year, the factor fitted on the other years' curves (all when alone)."""
    return {
        year: _factor_for([curves[o] for o in curves if o != year] or [curves[year]], grid)
        for year in curves
    }


def run_backtest(
    demand: pd.Series, temperature: pd.Series, config: TrainingConfig, *, command: str
) -> BacktestResult:
    """Rolling-origin backtest over ``config.backtest_years`` (see the module docstring)."""
    folds, weather, noise_curves = {}, {}, {}
    for year in config.backtest_years:
        parameters = fit_baseline(demand, temperature, config, last_year=year - 1)
        model = BaselineModel.from_parameters(parameters)
        actual = demand[demand.index.year == year]
        weather[year] = prior_years_weather(
            temperature, list(range(config.first_year, year)), actual.index
        )
        actual_shape = model.shape(actual.index, temperature[actual.index].to_numpy())[0]
        scored = np.isfinite(actual.to_numpy())
        noise_curves[year] = _coverage_curve(
            model,
            actual,
            weather[year],
            config.seed + year,
            noise_factors=CALIBRATION_GRID,
            level_spread_factors=np.ones_like(CALIBRATION_GRID),
            level_mw=float(actual.to_numpy()[scored].mean() / actual_shape[scored].mean()),
        )
        folds[year] = parameters
    noise_factor = _leave_one_out(noise_curves, CALIBRATION_GRID)
    level_curves = {}
    for year, parameters in folds.items():
        actual = demand[demand.index.year == year]
        level_curves[year] = _coverage_curve(
            BaselineModel.from_parameters(parameters),
            actual,
            weather[year],
            config.seed + year,
            noise_factors=np.full_like(LEVEL_SPREAD_GRID, noise_factor[year]),
            level_spread_factors=LEVEL_SPREAD_GRID,
        )
    level_spread_factor = _leave_one_out(level_curves, LEVEL_SPREAD_GRID)
    ex_post, ex_ante = [], []
    for year, parameters in folds.items():
        model = BaselineModel.from_parameters(
            with_calibration(
                parameters, noise_factor[year], level_spread_factor=level_spread_factor[year]
            )
        )
        ex_post += model_forecasts(
            model,
            demand,
            years=[year],
            n_draws=config.backtest_draws,
            seed=config.seed,
            weather_for_year=lambda _, times: temperature[times].to_numpy()[None, :],
        )
        ex_ante += model_forecasts(
            model,
            demand,
            years=[year],
            n_draws=config.backtest_draws,
            seed=config.seed,
            weather_for_year=lambda _, times, members=weather[year]: members,
        )
    table = pd.concat(
        [
            metrics_table(ex_post, label="ex_post"),
            metrics_table(ex_ante, label="ex_ante"),
            metrics_table(
                seasonal_naive_forecasts(demand, years=list(config.backtest_years)),
                label="seasonal_naive",
            ),
        ]
    )
    summary = {
        label: {
            column: (None if pd.isna(value) else round(float(value), 4))
            for column, value in table.loc[(label, "mean |.|")].items()
        }
        for label in ("ex_post", "ex_ante", "seasonal_naive")
    }
    return BacktestResult(
        table=table,
        table_text=format_table(table),
        summary=summary,
        calibration_factor=_factor_for(list(noise_curves.values())),
        level_spread_factor=_factor_for(list(level_curves.values()), LEVEL_SPREAD_GRID),
        command=command,
    )


def promotion_decision(score: dict, model_id: str, *, root: Path) -> tuple[bool, str]:
    """Promote when the mean ex ante hourly MAPE beats the promoted version's (or naive's).

    Returns
    -------
    tuple
        (promote?, a sentence saying why).
    """
    section, metric = PROMOTION_METRIC
    candidate = score[section][metric]
    current = artifacts.current_version(model_id, root=root)
    if current is None:
        reference = score["seasonal_naive"][metric]
        better = candidate < reference
        return better, (
            f"no promoted version; {section} {metric} {candidate:.3f} vs seasonal naive "
            f"{reference:.3f}"
        )
    manifest = artifacts.verify(root / model_id / current)
    reference = manifest["metrics"][section][metric]
    better = candidate < reference
    return better, f"{section} {metric} {candidate:.3f} vs promoted {current} {reference:.3f}"


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Run the rolling-origin backtest of a training config and print its table.",
)


@app.command()
def backtest(
    config_path: Annotated[
        Path, typer.Option("--config", help="Training config TOML (models/configs/*.toml).")
    ] = Path("models/configs/kr.toml"),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: [data] dir or FORECAST_DATA_DIR)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run the backtest alone and print the table (and ``--json``)."""
    from models.train import load_config, load_training_data

    config = load_config(config_path, data_dir=data_dir)
    data = load_training_data(config)
    command = f"python -m models.backtest --config {config_path}"
    result = run_backtest(data.demand, data.temperature, config, command=command)
    if as_json:
        print(
            json.dumps(
                {
                    "summary": result.summary,
                    "calibration_factor": result.calibration_factor,
                    "level_spread_factor": result.level_spread_factor,
                    "gaps": [report.to_dict() for report in data.gaps],
                }
            )
        )
    else:
        for report in data.gaps:
            print(f"gaps: {report.summary()}")
        print(result.table_text)
        print(
            f"calibration factor {result.calibration_factor:.3f}, "
            f"level spread factor {result.level_spread_factor:.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m models.backtest``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["METRIC_COLUMNS", "BacktestResult", "promotion_decision", "run_backtest"]
