"""Forecast metrics, shared by the rolling-origin backtest and ``forecast evaluate``.

Per calendar year of the evaluated period:

* ``mape_pct``: mean absolute percentage error of the hourly point forecast. [%]
* ``energy_error_pct``: (forecast − actual) annual energy / actual energy. [%]
* ``peak_error_pct``: (forecast − actual) annual peak / actual peak, the forecast peak being
  the median over Monte Carlo draws of each draw's annual maximum (an honest peak forecast;
  the maximum of the smooth point forecast would be biased low). [%]
* ``pinball_mw``: pinball (quantile) loss averaged over the hours and the quantiles
  5, 10, 50, 90 and 95 %. [MW]
* ``coverage_80_pct`` / ``coverage_90_pct``: share of hours inside the 10–90 % / 5–95 %
  interval. [%]

The standard forecaster's metrics, beside them (the second table; ``STANDARD_COLUMNS``):

* ``mae_mw`` / ``rmse_mw``: mean absolute and root-mean-square error of the hourly point
  forecast. [MW]
* ``bias_mw`` / ``bias_pct``: mean error, forecast − actual, of the hourly point forecast, and
  the same over the mean actual demand (over a whole year, the energy error). [MW], [%]
* ``crps_mw``: the continuous ranked probability score of the hourly draws, averaged over the
  hours: each hour's CRPS of the empirical distribution of the D draws,
  mean |x_i − y| − Σ_i Σ_j |x_i − x_j| / (2 D²) (the "NRG" sample estimator, as
  ``properscoring.crps_ensemble``; Gneiting & Raftery 2007, JASA 102:359, eq. 21; Zamo &
  Naveau 2018, Math. Geosci. 50:209). The fair estimator (D(D − 1) in place of D²) is higher
  by Σ Σ |x_i − x_j| / (2 D² (D − 1)), under 0.25 % of the score at 400 draws. [MW]
* ``below_p10_pct`` / ``above_p90_pct``: share of hours below the 10 % quantile and above the
  90 % quantile (the one-sided misses of the 80 % interval). [%]
* ``top_hours_coverage_80_pct``: 80 % coverage on the :data:`TOP_DEMAND_HOURS` hours of
  highest actual demand of the period (the year's, for a whole year). [%]
* ``coverage_80_mc_se_pp`` / ``coverage_90_mc_se_pp``: Monte Carlo standard error of the
  coverages, from :data:`MC_BATCHES` batches of the draws: each batch's own quantiles give
  its coverage, and the standard error of the coverage from all D draws is the batches'
  standard deviation / √B (batch means; every hour shares the draws' levels, so the hours'
  hits are not independent and a binomial error over hours would be far too small). NaN
  below :data:`MIN_DRAWS_FOR_MC_ERROR` draws. [percentage points]
* ``annual_peak_p10_mw`` / ``annual_peak_p90_mw``: the 10 % and 90 % quantiles over the draws
  of each draw's annual peak (a projection's ``baseline_peak_gw`` band), and
  ``annual_peak_inside_80_pct``: 100 where the actual annual peak lies inside them, else 0
  (in the mean row: the share of years). [MW], [%]

A partial year (the first or last of a file that does not cover it whole) is scored on its
hours: the energy error, the annual peak's error and band are undefined there (NaN).

The seasonal-naive reference predicts each hour by the same local clock hour 364 days earlier
(same weekday; 728 where that day is in the forecast year itself: Dec 31, and Dec 30 in a leap
year); it has no intervals or draws, so its pinball loss, CRPS and coverages are undefined
(NaN).

Masked hours (NaN actual demand: long gaps, or hours without a usable temperature ex post; see
:mod:`forecast.io.gaps`) are left out of every metric.

:func:`year_details` adds, per year, what a utility's evaluation looks at beyond that table
(``forecast evaluate --details``; KPX's and OpenSTEF's practice), all from the same hourly
errors of the same point forecast:

* ``skill_score``: 1 − MAPE / MAPE of seasonal naive, where the reference scores the year. [1]
* ``daily_peak_mape_pct``: MAPE of each day's peak, the forecast peak being the point
  forecast's daily maximum. Unlike the annual peak, it has no maximum-of-noise bias: the
  model's noise is one factor per day, the same at every hour of it. It keeps the peak's hour
  defined, and a forecaster can recompute it from the written series. The draws' median of
  daily maxima was 0.14 % higher on average and scored 3.70 % against 3.64 % (KPX 2024 ex
  ante, 1,000 draws, seed 0). Days with a masked hour are left out. [%]
* ``daily_peak_hour_error_h`` / ``daily_peak_hour_abs_error_h``: mean (signed, forecast minus
  actual) and mean absolute error of the local clock hour of each day's peak. [h]
* ``annual_minimum``: the point forecast's lowest hour against the actual lowest hour, their
  times and the error (forecast − actual) / actual. The point forecast lacks the daily noise,
  so its minimum leans high as its maximum leans low. [MW], [%]
* ``mape_by_hour_pct`` (local clock hour 0–23), ``mape_by_day_type_pct`` (the model's own
  day types, :func:`forecast.baseline.features.day_types`, with ``days_by_day_type``) and
  ``mape_by_month_pct``. [%]

The calibration diagnostics (``forecast evaluate`` and ``python -m models.backtest``: ``--by
hour|season`` prints them, ``--json`` always carries them), from the same draws and quantiles
as the tables, pooled over the scored hours of the forecast's years:

* :func:`calibration_table`: by local clock hour (24 rows) or by meteorological season
  (:data:`SEASONS`, DJF/MAM/JJA/SON by month in both hemispheres), the scored ``hours``,
  ``coverage_80_pct``, ``below_p10_pct`` / ``above_p90_pct`` and the point forecast's
  ``bias_mw`` / ``bias_pct`` (mean of forecast − actual, and over the mean actual). An
  interval right over the year can be too narrow in summer afternoons and too wide at night.
  [h], [%], [MW]
* :func:`pit_histogram`: the probability integral transform of each hour's actual within the
  draws, the actual's mid-rank ``(number of draws below it + ½) / (D + 1)``, in
  :data:`PIT_BINS` equal bins (counts and share). A calibrated forecast's actual is one more
  draw: every rank 0..D is equally likely and every bin holds 10 % (the mid-rank puts the
  D + 1 ranks at the centres of equal cells, so the two outer bins hold the same number of
  ranks). A U shape is intervals too narrow, a hump too wide, a slope a bias (Dawid 1984,
  JRSS A 147:278; Hamill 2001, Mon. Wea. Rev. 129:550; Gneiting, Balabdaoui & Raftery 2007,
  JRSS B 69:243). [1], [%]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from forecast.baseline.features import FeatureSpec, calendar_features
from forecast.baseline.model import BaselineModel, sample_baseline
from forecast.errors import OptionsError

EVALUATION_QUANTILES = (0.05, 0.1, 0.5, 0.9, 0.95)
#: Seasonal naive's lag: 52 weeks, so the same weekday. [days]
SEASONAL_LAG_DAYS = 364
# A year is scored against seasonal naive when at most this share of its hours lacks the
# reference (a masked gap a year earlier); those hours are not scored. [1]
SEASONAL_NAIVE_MAX_MISSING = 0.1
METRIC_COLUMNS = (
    "mape_pct",
    "energy_error_pct",
    "peak_error_pct",
    "pinball_mw",
    "coverage_80_pct",
    "coverage_90_pct",
)
#: The standard forecaster's metrics (the module docstring), in the second table.
STANDARD_COLUMNS = (
    "mae_mw",
    "rmse_mw",
    "bias_mw",
    "bias_pct",
    "crps_mw",
    "below_p10_pct",
    "above_p90_pct",
    "top_hours_coverage_80_pct",
    "coverage_80_mc_se_pp",
    "coverage_90_mc_se_pp",
    "annual_peak_p10_mw",
    "annual_peak_p90_mw",
    "annual_peak_inside_80_pct",
)
#: Metrics defined per whole year only: undefined (NaN) on a partial year.
WHOLE_YEAR_COLUMNS = (
    "energy_error_pct",
    "peak_error_pct",
    "annual_peak_p10_mw",
    "annual_peak_p90_mw",
    "annual_peak_inside_80_pct",
)
#: The hours of highest actual demand on which ``top_hours_coverage_80_pct`` is scored. [h]
TOP_DEMAND_HOURS = 50
#: Batches of draws behind the coverages' Monte Carlo standard error. [1]
MC_BATCHES = 10
#: Fewest draws for a Monte Carlo standard error (10 per batch). [1]
MIN_DRAWS_FOR_MC_ERROR = 100
#: Meteorological seasons by month. South of the equator DJF is summer: the groups are
#: named by their months' initials, never by a season's name.
SEASONS = {"DJF": (12, 1, 2), "MAM": (3, 4, 5), "JJA": (6, 7, 8), "SON": (9, 10, 11)}
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: What the calibration diagnostics group by (``--by``).
CALIBRATION_GROUPINGS = ("hour", "season")
#: The columns of :func:`calibration_table`.
CALIBRATION_COLUMNS = (
    "hours",
    "coverage_80_pct",
    "below_p10_pct",
    "above_p90_pct",
    "bias_mw",
    "bias_pct",
)
#: Equal bins of the PIT histogram (:func:`pit_histogram`), 10 % each when calibrated. [1]
PIT_BINS = 10
#: Below this many draws ``forecast evaluate`` and the backtest warn: at 400 draws the 80 %
#: coverage of NSW 2019 moved 86.3-87.3 % between seeds, at 200 it read 82.8 %. [1]
ADVISED_DRAWS = 500


def pinball_loss(actual: np.ndarray, quantile_values: np.ndarray, quantiles) -> float:
    """Mean pinball loss over quantiles and hours. [same unit as ``actual``]

    Parameters
    ----------
    actual
        Observed values, float64[H].
    quantile_values
        Forecast quantiles, float64[Q, H].
    quantiles
        Probabilities of the rows of ``quantile_values``, float64[Q]. [1]
    """
    probabilities = np.asarray(quantiles, dtype=np.float64)[:, None]
    difference = actual[None, :] - quantile_values
    return float(np.mean(np.maximum(probabilities * difference, (probabilities - 1) * difference)))


def sample_crps(draws: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """CRPS of the empirical distribution of the draws at each hour. [unit of ``actual``]

    ``mean_i |x_i − y| − Σ_i Σ_j |x_i − x_j| / (2 D²)``, the double sum taken over the sorted
    draws as ``2 Σ_i (2i − D − 1) x_(i)`` (Gneiting & Raftery 2007, JASA 102:359, eq. 21;
    the "NRG" estimator of Zamo & Naveau 2018, Math. Geosci. 50:209). NaN where ``actual`` is.

    Parameters
    ----------
    draws
        Monte Carlo draws, float64[D, H].
    actual
        Observed values, float64[H].
    """
    n_draws = draws.shape[0]
    weights = (2.0 * np.arange(1, n_draws + 1) - n_draws - 1) / n_draws**2
    spread = weights @ np.sort(draws, axis=0)
    return np.mean(np.abs(draws - actual[None, :]), axis=0) - spread


def probability_integral_transform(draws: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """The actual's mid-rank within the draws at each hour, ``(number of draws below it + ½)
    / (D + 1)``, in (0, 1); NaN where ``actual`` is (the module docstring). [1]

    Parameters
    ----------
    draws
        Monte Carlo draws, float64[D, H].
    actual
        Observed values, float64[H].
    """
    below = np.count_nonzero(draws < actual[None, :], axis=0)
    pit = (below + 0.5) / (draws.shape[0] + 1)
    return np.where(np.isfinite(actual), pit, np.nan)


def batch_quantiles(draws: np.ndarray) -> np.ndarray | None:
    """The :data:`EVALUATION_QUANTILES` of each of :data:`MC_BATCHES` batches of the draws,
    float64[B, Q, H] (the coverages' Monte Carlo error); None below
    :data:`MIN_DRAWS_FOR_MC_ERROR` draws. [unit of ``draws``]"""
    if draws.shape[0] < MIN_DRAWS_FOR_MC_ERROR:
        return None
    return np.stack([
        np.quantile(batch, EVALUATION_QUANTILES, axis=0)
        for batch in np.array_split(draws, MC_BATCHES, axis=0)
    ])  # fmt: skip


def draws_note(n_draws: int) -> str | None:
    """One line where ``n_draws`` is below :data:`ADVISED_DRAWS`, else None."""
    if n_draws >= ADVISED_DRAWS:
        return None
    error = (
        "the s.e. columns give its standard error"
        if n_draws >= MIN_DRAWS_FOR_MC_ERROR
        else f"too few draws to estimate it, {MIN_DRAWS_FOR_MC_ERROR} needed"
    )
    return (
        f"note: {n_draws} draws: the coverages move between seeds (about 1 pp at 400 draws; "
        f"{error}); {ADVISED_DRAWS} draws or more are advised"
    )


@dataclass(frozen=True)
class YearForecast:
    """Forecast of one year, or the part of it the data covers, to be scored (all arrays over
    the period's hours)."""

    year: int
    local_times: pd.DatetimeIndex  # the period's hours, tz-aware local clock
    actual_mw: np.ndarray
    point_mw: np.ndarray
    peak_forecast_mw: float
    quantile_mw: np.ndarray | None  # float64[Q, H], rows = EVALUATION_QUANTILES
    crps_mw: np.ndarray | None = None  # float64[H]: each hour's sample CRPS [MW]
    batch_quantile_mw: np.ndarray | None = None  # float64[B, Q, H] (batch_quantiles) [MW]
    annual_peak_band_mw: tuple[float, float] | None = None  # draws' annual peak P10, P90 [MW]
    pit: np.ndarray | None = None  # float64[H]: probability_integral_transform [1]

    @property
    def complete(self) -> bool:
        """Whether the period is the whole calendar year."""
        return len(self.local_times) == _hours_in_year(self.year)

    @property
    def period(self) -> tuple[str, str]:
        """The first and last local days of the period (ISO dates)."""
        return (
            self.local_times[0].date().isoformat(),
            self.local_times[-1].date().isoformat(),
        )


def _hours_in_year(year: int) -> int:
    return 8784 if pd.Timestamp(year=year, month=1, day=1).is_leap_year else 8760


def absolute_percentage_errors(forecast: YearForecast) -> np.ndarray:
    """``|point − actual| / actual`` of each hour, NaN where either is NaN (not scored). [1]

    Every MAPE of this module averages these: the year's and the details' groupings alike.
    """
    return np.abs(forecast.point_mw - forecast.actual_mw) / forecast.actual_mw


def score_year(forecast: YearForecast) -> dict[str, float]:
    """The metrics of :data:`METRIC_COLUMNS` and :data:`STANDARD_COLUMNS` for one year (see the
    module docstring); NaN where undefined.

    Hours whose actual or point value is NaN (masked gaps, see :mod:`forecast.io.gaps`) are not
    scored; the energy error compares the scored hours only. On a partial year the metrics of
    :data:`WHOLE_YEAR_COLUMNS` are NaN.
    """
    scored = np.isfinite(forecast.actual_mw) & np.isfinite(forecast.point_mw)
    actual, point = forecast.actual_mw[scored], forecast.point_mw[scored]
    errors = point - actual
    metrics = dict.fromkeys((*METRIC_COLUMNS, *STANDARD_COLUMNS), np.nan)
    metrics.update({
        "mape_pct": float(np.mean(absolute_percentage_errors(forecast)[scored]) * 100.0),
        "energy_error_pct": float((point.sum() / actual.sum() - 1.0) * 100.0),
        "peak_error_pct": float((forecast.peak_forecast_mw / actual.max() - 1.0) * 100.0),
        "mae_mw": float(np.mean(np.abs(errors))),
        "rmse_mw": float(np.sqrt(np.mean(errors**2))),
        "bias_mw": float(np.mean(errors)),
        "bias_pct": float(np.mean(errors) / np.mean(actual) * 100.0),
    })  # fmt: skip
    if forecast.quantile_mw is not None:
        quantile_mw = forecast.quantile_mw[:, scored]
        rows = {q: quantile_mw[i] for i, q in enumerate(EVALUATION_QUANTILES)}
        top = np.argsort(actual, kind="stable")[-TOP_DEMAND_HOURS:]
        inside_80 = (actual >= rows[0.1]) & (actual <= rows[0.9])
        metrics.update({
            "pinball_mw": pinball_loss(actual, quantile_mw, EVALUATION_QUANTILES),
            "coverage_80_pct": float(np.mean(inside_80) * 100.0),
            "coverage_90_pct": float(
                np.mean((actual >= rows[0.05]) & (actual <= rows[0.95])) * 100.0
            ),
            "below_p10_pct": float(np.mean(actual < rows[0.1]) * 100.0),
            "above_p90_pct": float(np.mean(actual > rows[0.9]) * 100.0),
            "top_hours_coverage_80_pct": float(np.mean(inside_80[top]) * 100.0),
        })  # fmt: skip
    if forecast.crps_mw is not None:
        metrics["crps_mw"] = float(np.mean(forecast.crps_mw[scored]))
    if forecast.batch_quantile_mw is not None:
        metrics.update(_coverage_errors(forecast.batch_quantile_mw[:, :, scored], actual))
    if forecast.annual_peak_band_mw is not None:
        low, high = forecast.annual_peak_band_mw
        metrics.update({
            "annual_peak_p10_mw": low,
            "annual_peak_p90_mw": high,
            "annual_peak_inside_80_pct": 100.0 if low <= actual.max() <= high else 0.0,
        })  # fmt: skip
    if not forecast.complete:
        metrics.update(dict.fromkeys(WHOLE_YEAR_COLUMNS, np.nan))
    return metrics


def _coverage_errors(batch_quantile_mw: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """Monte Carlo standard errors of the 80 % and 90 % coverages (batch means: the module
    docstring). [percentage points]"""
    rows = {q: batch_quantile_mw[:, i] for i, q in enumerate(EVALUATION_QUANTILES)}
    n_batches = batch_quantile_mw.shape[0]
    errors = {}
    for name, low, high in (("coverage_80_mc_se_pp", 0.1, 0.9),
                            ("coverage_90_mc_se_pp", 0.05, 0.95)):  # fmt: skip
        coverage = np.mean((actual >= rows[low]) & (actual <= rows[high]), axis=1) * 100.0
        errors[name] = float(np.std(coverage, ddof=1) / np.sqrt(n_batches))
    return errors


def complete_years(demand: pd.Series) -> list[int]:
    """Calendar years whose every hour is on the index (NaN values are masked hours)."""
    counts = demand.groupby(pd.DatetimeIndex(demand.index).year).size()
    return [
        int(year)
        for year, count in zip(counts.index, counts.to_numpy(), strict=True)
        if count == _hours_in_year(int(year))
    ]


def scored_years(demand: pd.Series) -> list[int]:
    """Calendar years with at least one scored hour (a finite value) in ``demand``, complete
    or partial."""
    values = demand.to_numpy(dtype=np.float64)
    years = pd.DatetimeIndex(demand.index).year.to_numpy()
    return sorted({int(year) for year in np.unique(years[np.isfinite(values)])})


def model_forecasts(
    model: BaselineModel,
    demand: pd.Series,
    *,
    weather_for_year,
    n_draws: int = 1000,
    seed: int = 0,
    years: list[int] | None = None,
) -> list[YearForecast]:
    """Forecast each year (or partial year) of ``demand`` with
    :func:`forecast.baseline.model.sample_baseline`.

    Parameters
    ----------
    model
        Baseline model.
    demand
        Observed hourly demand on a tz-aware index. [MW]
    weather_for_year
        Callable ``(year, local_times)`` returning temperature float64[W, H] or a weather
        ensemble, or a weather ensemble itself: the actual temperature (ex post, W = 1) or an
        ensemble of other years (ex ante). [°C]
    n_draws
        Monte Carlo draws per year.
    seed
        Seed of the random generator (each year gets its own stream).
    years
        Years to forecast (default: every year of ``demand`` with a scored hour, complete or
        partial: :func:`scored_years`).
    """
    forecasts = []
    for year in years or scored_years(demand):
        actual = demand[pd.DatetimeIndex(demand.index).year == year]
        local_times = pd.DatetimeIndex(actual.index)
        actual_mw = actual.to_numpy(dtype=np.float64)
        weather = (
            weather_for_year(year, local_times) if callable(weather_for_year) else weather_for_year
        )
        sample = sample_baseline(
            model,
            local_times,
            weather,
            n_draws,
            np.random.default_rng([seed, year]),
            quantiles=EVALUATION_QUANTILES,
            keep_draws=True,
        )
        draws = cast(np.ndarray, sample.draws_mw)
        peak_draws = sample.annual_peak_draws_mw[:, 0]
        low, high = np.quantile(peak_draws, [0.1, 0.9])
        forecasts.append(
            YearForecast(
                year=year,
                local_times=local_times,
                actual_mw=actual_mw,
                point_mw=sample.point_mw,
                peak_forecast_mw=float(np.median(peak_draws)),
                quantile_mw=sample.quantile_mw,
                crps_mw=sample_crps(draws, actual_mw),
                batch_quantile_mw=batch_quantiles(draws),
                annual_peak_band_mw=(float(low), float(high)),
                pit=probability_integral_transform(draws, actual_mw),
            )
        )
        del sample, draws  # D x H values: one year's at a time
    return forecasts


def seasonal_naive_forecasts(
    demand: pd.Series, years: list[int] | None = None
) -> list[YearForecast]:
    """Same-local-hour-52-weeks-earlier forecasts of each year (or partial year) that has its lag in
    ``demand``: a year-ahead forecast, so it takes nothing from the year it forecasts.

    The lag is on the local wall clock, not in absolute hours: in a daylight-saving zone the
    changes fall on different dates each year, and 8,736 absolute hours would put 17:00 on
    16:00 for the days between them. An hour whose 52-weeks-earlier day lies in the forecast
    year itself (Dec 31, and Dec 30 in a leap year: 364 days before them is Jan 1 or 2 of the
    same year) takes 104 weeks earlier. The fall-back hour, twice on the clock, is the mean of
    its two instants; a clock hour the earlier year skipped (the spring-forward hour, on another
    date there) takes the hour before it.
    """
    index = pd.DatetimeIndex(demand.index)
    wall = index.tz_localize(None) if index.tz is not None else index
    clock = pd.Series(demand.to_numpy(dtype=np.float64), index=wall).groupby(level=0).mean()
    lag = pd.Timedelta(days=SEASONAL_LAG_DAYS)
    forecasts = []
    for year in years or scored_years(demand):
        in_year = index.year == year
        actual = demand[in_year]
        earlier = wall[in_year] - lag
        # Where 52 weeks back is still the forecast year (its Dec 30-31), 104.
        source = earlier.where(earlier < pd.Timestamp(year=year, month=1, day=1), earlier - lag)
        reference = clock.reindex(source, method="ffill", tolerance=pd.Timedelta(hours=1))
        if reference.isna().mean() > SEASONAL_NAIVE_MAX_MISSING:
            continue
        point = reference.to_numpy(dtype=np.float64)
        forecasts.append(
            YearForecast(
                year=year,
                local_times=pd.DatetimeIndex(actual.index),
                actual_mw=actual.to_numpy(dtype=np.float64),
                point_mw=point,
                peak_forecast_mw=float(np.nanmax(point)),
                quantile_mw=None,
            )
        )
    return forecasts


#: The aggregate row of a metrics table (energy, peak and bias errors averaged in absolute
#: value).
MEAN_ROW = "mean |.|"
# Averaged in absolute value in the mean row: signed errors would cancel.
_ABSOLUTE_MEANS = ("energy_error_pct", "peak_error_pct", "bias_mw", "bias_pct")


def metrics_table(forecasts: list[YearForecast], *, label: str) -> pd.DataFrame:
    """Metrics per year plus a :data:`MEAN_ROW` row: the mean over the years (partial ones
    included, where a metric is defined), energy, peak and bias errors in absolute value, the
    Monte Carlo standard errors combined (√Σ se² / n, the years' draws being independent),
    ``annual_peak_inside_80_pct`` the share of years, and no mean annual-peak band.

    Returns
    -------
    pandas.DataFrame
        Index ``(forecast, year)``, the year a string; columns :data:`METRIC_COLUMNS` then
        :data:`STANDARD_COLUMNS`.
    """
    columns = [*METRIC_COLUMNS, *STANDARD_COLUMNS]
    rows = {str(forecast.year): score_year(forecast) for forecast in forecasts}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    if len(table):
        summary = table.mean()
        for column in _ABSOLUTE_MEANS:
            summary[column] = table[column].abs().mean()
        for column in ("coverage_80_mc_se_pp", "coverage_90_mc_se_pp"):
            errors = table[column].dropna()
            summary[column] = np.sqrt((errors**2).sum()) / len(errors) if len(errors) else np.nan
        summary[["annual_peak_p10_mw", "annual_peak_p90_mw"]] = np.nan
        table.loc[MEAN_ROW] = summary
    table.index = pd.MultiIndex.from_product([[label], table.index], names=["forecast", "year"])
    return table


def _year_label(year: str, partial: dict[str, tuple[str, str]]) -> str:
    """A table's year cell: a partial year with its period, ``2021 (01-01..03-18)``."""
    if year not in partial:
        return year
    first, last = partial[year]
    return f"{year} ({first[5:]}..{last[5:]})"


def _markdown(header: list[str], lines: list[list[str]]) -> str:
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*rows, *("| " + " | ".join(cells) + " |" for cells in lines)])


def format_table(table: pd.DataFrame, *, partial: dict[str, tuple[str, str]] | None = None) -> str:
    """Fixed-width text table of a metrics table's :data:`METRIC_COLUMNS` (for the CLI, README
    and model card); ``partial`` maps a partial year to its first and last days (ISO)."""
    header = ["forecast", "year", "MAPE %", "energy err %", "peak err %", "pinball MW",
              "cover 80 %", "cover 90 %"]  # fmt: skip
    lines = []
    for key, row in table.iterrows():
        label, year = cast(tuple[str, str], key)
        cells = [label, _year_label(str(year), partial or {})]
        for column in METRIC_COLUMNS:
            value = row[column]
            decimals = 0 if column == "pinball_mw" else 2
            cells.append("–" if pd.isna(value) else f"{value:.{decimals}f}")
        lines.append(cells)
    return _markdown(header, lines)


#: The second table's columns (:data:`STANDARD_COLUMNS` but the annual peak's band, in the
#: JSON): header and decimals.
_STANDARD_CELLS = {
    "mae_mw": ("MAE MW", 0),
    "rmse_mw": ("RMSE MW", 0),
    "bias_mw": ("bias MW", 0),
    "bias_pct": ("bias %", 2),
    "crps_mw": ("CRPS MW", 0),
    "below_p10_pct": ("below P10 %", 2),
    "above_p90_pct": ("above P90 %", 2),
    "top_hours_coverage_80_pct": (f"top-{TOP_DEMAND_HOURS} h cover 80 %", 1),
    "coverage_80_mc_se_pp": ("s.e. cover 80 pp", 2),
    "coverage_90_mc_se_pp": ("s.e. cover 90 pp", 2),
}


def format_standard_table(
    table: pd.DataFrame, *, partial: dict[str, tuple[str, str]] | None = None
) -> str:
    """Fixed-width text table of a metrics table's standard metrics (the module docstring):
    MAE, RMSE, bias, CRPS, the one-sided misses, the top hours' coverage, the coverages' Monte
    Carlo standard errors and whether the annual peak fell in the draws' P10-P90 of it."""
    header = ["forecast", "year", *(name for name, _ in _STANDARD_CELLS.values()),
              "peak in P10-P90"]  # fmt: skip
    lines = []
    for key, row in table.iterrows():
        label, year = cast(tuple[str, str], key)
        cells = [label, _year_label(str(year), partial or {})]
        for column, (_, decimals) in _STANDARD_CELLS.items():
            value = row[column]
            cells.append("–" if pd.isna(value) else f"{value:.{decimals}f}")
        inside = row["annual_peak_inside_80_pct"]
        if pd.isna(inside):
            cells.append("–")
        elif year == MEAN_ROW:
            cells.append(f"{inside:.0f} % of years")
        else:
            cells.append("yes" if inside else "no")
        lines.append(cells)
    return _markdown(header, lines)


def season_label(season: str) -> str:
    """A season's label in a table: its initials and its months, ``DJF (Dec-Feb)``."""
    months = SEASONS[season]
    return f"{season} ({_MONTH_NAMES[months[0] - 1]}-{_MONTH_NAMES[months[-1] - 1]})"


def check_groupings(values: list[str], *, option: str = "--by") -> list[str]:
    """The ``--by`` values, each once in the order given; one not in
    :data:`CALIBRATION_GROUPINGS` is refused naming it."""
    for value in values:
        if value not in CALIBRATION_GROUPINGS:
            raise OptionsError(
                f"{option} = {value!r}: allowed: {', '.join(CALIBRATION_GROUPINGS)} (repeat "
                f"{option} for both)"
            )
    return list(dict.fromkeys(values))


def calibration_table(forecasts: list[YearForecast], *, by: str) -> pd.DataFrame:
    """The interval calibration and bias of the forecasts' scored hours, pooled over their
    years, per local clock hour or meteorological season (the module docstring).

    Parameters
    ----------
    forecasts
        A model's forecasts, with quantiles (not seasonal naive's).
    by
        ``"hour"`` (rows 0..23, the local clock hour the hour begins) or ``"season"`` (rows
        :data:`SEASONS`, by local month).

    Returns
    -------
    pandas.DataFrame
        Index the hour (int) or season (str); columns :data:`CALIBRATION_COLUMNS`: scored
        ``hours`` [h], ``coverage_80_pct``, ``below_p10_pct``, ``above_p90_pct`` [%],
        ``bias_mw`` [MW], ``bias_pct`` [%]; NaN in a group without a scored hour.
    """
    if by not in CALIBRATION_GROUPINGS:
        raise ValueError(f"by = {by!r}; allowed: {', '.join(CALIBRATION_GROUPINGS)}")
    keys: list = list(range(24)) if by == "hour" else list(SEASONS)
    season_of_month = np.empty(13, dtype=object)
    for season, months in SEASONS.items():
        season_of_month[list(months)] = season
    parts = []
    for forecast in forecasts:
        if forecast.quantile_mw is None:
            raise ValueError(f"the {forecast.year} forecast has no quantiles to calibrate")
        times = forecast.local_times
        group = times.hour.to_numpy() if by == "hour" else season_of_month[times.month.to_numpy()]
        parts.append(pd.DataFrame({
            "group": group,
            "actual": forecast.actual_mw,
            "point": forecast.point_mw,
            "p10": forecast.quantile_mw[EVALUATION_QUANTILES.index(0.1)],
            "p90": forecast.quantile_mw[EVALUATION_QUANTILES.index(0.9)],
        }))  # fmt: skip
    hours = pd.concat(parts, ignore_index=True)
    hours = hours[np.isfinite(hours["actual"]) & np.isfinite(hours["point"])]
    hours = hours.assign(
        inside=(hours["actual"] >= hours["p10"]) & (hours["actual"] <= hours["p90"]),
        below=hours["actual"] < hours["p10"],
        above=hours["actual"] > hours["p90"],
        error=hours["point"] - hours["actual"],
    )
    grouped = hours.groupby("group")
    means = grouped[["inside", "below", "above", "error", "actual"]].mean()
    table = pd.DataFrame({
        "hours": grouped.size(),
        "coverage_80_pct": means["inside"] * 100.0,
        "below_p10_pct": means["below"] * 100.0,
        "above_p90_pct": means["above"] * 100.0,
        "bias_mw": means["error"],
        "bias_pct": means["error"] / means["actual"] * 100.0,
    }).reindex(keys)  # fmt: skip
    table["hours"] = table["hours"].fillna(0).astype(int)
    table.index.name = by
    return table


def pit_histogram(forecasts: list[YearForecast]) -> dict:
    """The PIT histogram of the forecasts' scored hours, pooled over their years (the module
    docstring), JSON-ready.

    Returns
    -------
    dict
        ``bins`` (:data:`PIT_BINS`), ``edges`` (bins + 1 values from 0 to 1) [1], ``counts``
        [h] and ``share_pct`` [%] per bin (the last bin includes 1), and ``hours``, their sum.
        [h]
    """
    values = [forecast.pit for forecast in forecasts if forecast.pit is not None]
    pit = np.concatenate(values) if values else np.array([])
    pit = pit[np.isfinite(pit)]
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    counts = np.histogram(pit, bins=edges)[0]
    shares = counts / len(pit) * 100.0 if len(pit) else np.full(PIT_BINS, np.nan)
    return {
        "bins": PIT_BINS,
        "edges": [round(float(edge), 10) for edge in edges],
        "counts": [int(count) for count in counts],
        "share_pct": [None if np.isnan(share) else float(share) for share in shares],
        "hours": len(pit),
    }


def calibration_json(forecasts: list[YearForecast]) -> dict:
    """A model forecast's calibration diagnostics as ``--json`` writes them: ``by_hour`` (24
    records), ``by_season`` (4, with their ``months``) and ``pit`` (:func:`pit_histogram`);
    null where a group has no scored hour."""

    def records(by: str) -> list[dict]:
        table = calibration_table(forecasts, by=by)
        rows = []
        for key, row in table.iterrows():
            record: dict = {by: key}
            if by == "season":
                record["months"] = list(SEASONS[str(key)])
            record["hours"] = int(row["hours"])
            for column in CALIBRATION_COLUMNS[1:]:
                value = row[column]
                record[column] = None if pd.isna(value) else float(value)
            rows.append(record)
        return rows

    return {"by_hour": records("hour"), "by_season": records("season"),
            "pit": pit_histogram(forecasts)}  # fmt: skip


def format_calibration_table(tables: dict[str, pd.DataFrame], *, by: str) -> str:
    """Fixed-width text table of :func:`calibration_table` results, one block of rows per
    forecast label (``{"ex_post": table, ...}``)."""
    header = ["forecast", by, "hours", "cover 80 %", "below P10 %", "above P90 %", "bias MW",
              "bias %"]  # fmt: skip
    decimals = {"coverage_80_pct": 1, "below_p10_pct": 1, "above_p90_pct": 1, "bias_mw": 0,
                "bias_pct": 2}  # fmt: skip
    lines = []
    for label, table in tables.items():
        for key, row in table.iterrows():
            group = f"{int(cast(int, key)):02d}" if by == "hour" else season_label(str(key))
            cells = [label, group, f"{int(row['hours'])}"]
            for column, places in decimals.items():
                value = row[column]
                cells.append("–" if pd.isna(value) else f"{value:.{places}f}")
            lines.append(cells)
    return _markdown(header, lines)


def format_pit(label: str, histogram: dict) -> str:
    """One line of a PIT histogram: each bin's share and the outer bins' against their 10 %."""
    shares = histogram["share_pct"]
    if not histogram["hours"]:
        return f"PIT {label}: no scored hour"
    ideal = 100.0 / histogram["bins"]
    return (
        f"PIT {label} ({histogram['hours']} h; {histogram['bins']} bins, {ideal:.0f} % each if "
        f"calibrated): {' '.join(f'{share:.1f}' for share in shares)} %; outer bins "
        f"{shares[0]:.1f} % (actual in the draws' lowest tenth) and {shares[-1]:.1f} % (highest)"
    )


def _percent(errors: pd.Series | np.ndarray) -> float | None:
    """Mean of absolute percentage errors in %, None where there are none. [%]"""
    return float(np.mean(errors) * 100.0) if len(errors) else None


def _grouped_percent(errors: pd.Series, by: np.ndarray, keys) -> dict:
    """MAPE of the hours of each of ``keys`` (None for a key with no scored hour). [%]"""
    means = errors.groupby(by).mean() * 100.0
    return {key: (float(means[key]) if key in means.index else None) for key in keys}


def year_details(
    forecast: YearForecast,
    *,
    spec: FeatureSpec,
    mape_pct: float,
    reference_mape_pct: float | None,
) -> dict:
    """The details of one year's forecast (see the module docstring), JSON-ready: None where a
    number is undefined (no reference, no whole day, no scored hour in a group).

    Parameters
    ----------
    forecast
        A model's forecast of the year (point forecast and quantiles).
    spec
        The model's feature set: its day types and holiday calendar.
    mape_pct
        The year's MAPE, as :func:`score_year` gives it. [%]
    reference_mape_pct
        Seasonal naive's MAPE of the year, None where it does not score it. [%]
    """
    calendar = calendar_features(forecast.local_times, spec=spec)
    errors = absolute_percentage_errors(forecast)
    scored = np.isfinite(errors)
    scored_errors = pd.Series(errors[scored])
    names = spec.day_type_names()
    type_of_hour = np.asarray(names)[calendar.day_type[scored]]
    present = [name for name in names if name in set(type_of_hour)]
    day_of_hour = calendar.day_of_period[scored]
    days_by_type = pd.Series(day_of_hour).groupby(type_of_hour).nunique()

    hours = pd.DataFrame({"day": calendar.day_of_period, "hour": calendar.hour,
                          "actual": forecast.actual_mw, "point": forecast.point_mw})  # fmt: skip
    has_masked_hour = np.zeros(int(calendar.day_of_period.max()) + 1, dtype=bool)
    has_masked_hour[calendar.day_of_period[~scored]] = True
    whole_days = hours[~has_masked_hour[calendar.day_of_period]].groupby("day")
    actual_peak = hours.loc[whole_days["actual"].idxmax()]
    point_peak = hours.loc[whole_days["point"].idxmax()]
    peak_actual = actual_peak["actual"].to_numpy()
    peak_errors = np.abs(point_peak["point"].to_numpy() - peak_actual) / peak_actual
    hour_errors = point_peak["hour"].to_numpy() - actual_peak["hour"].to_numpy()

    times = forecast.local_times[scored]
    actual, point = forecast.actual_mw[scored], forecast.point_mw[scored]
    lowest_actual, lowest_point = int(np.argmin(actual)), int(np.argmin(point))
    skill = (
        1.0 - mape_pct / reference_mape_pct
        if reference_mape_pct is not None and np.isfinite(reference_mape_pct)
        else None
    )
    return {
        "skill_score": skill,
        "daily_peak_mape_pct": _percent(peak_errors),
        "daily_peak_days": len(peak_errors),
        "daily_peak_hour_error_h": float(hour_errors.mean()) if len(hour_errors) else None,
        "daily_peak_hour_abs_error_h": (
            float(np.abs(hour_errors).mean()) if len(hour_errors) else None
        ),
        "annual_minimum": {
            "actual_mw": float(actual[lowest_actual]),
            "actual_time": times[lowest_actual].isoformat(),
            "forecast_mw": float(point[lowest_point]),
            "forecast_time": times[lowest_point].isoformat(),
            "error_pct": float((point[lowest_point] / actual[lowest_actual] - 1.0) * 100.0),
        },
        "mape_by_hour_pct": list(
            _grouped_percent(scored_errors, calendar.hour[scored], range(24)).values()
        ),
        "mape_by_day_type_pct": _grouped_percent(scored_errors, type_of_hour, present),
        "days_by_day_type": {name: int(days_by_type[name]) for name in present},
        "mape_by_month_pct": {
            str(month): value
            for month, value in _grouped_percent(
                scored_errors, forecast.local_times.month.to_numpy()[scored], range(1, 13)
            ).items()
        },
    }


#: The quantiles of the hourly series ``forecast evaluate --series`` writes, and their columns.
SERIES_QUANTILES = {0.1: "p10_mw", 0.5: "p50_mw", 0.9: "p90_mw"}


def series_frame(forecasts: list[YearForecast], *, spec: FeatureSpec) -> pd.DataFrame:
    """The hourly series of the forecasts: ``timestamp`` (local, with its UTC offset),
    ``actual_mw`` (empty where masked), ``point_mw``, ``p10_mw``, ``p50_mw``, ``p90_mw`` [MW]
    and the model's ``day_type``; one row per hour."""
    frames = []
    for forecast in forecasts:
        calendar = calendar_features(forecast.local_times, spec=spec)
        frame = pd.DataFrame({
            "timestamp": [time.isoformat() for time in forecast.local_times],
            "actual_mw": forecast.actual_mw,
            "point_mw": forecast.point_mw,
        })  # fmt: skip
        for quantile, column in SERIES_QUANTILES.items():
            frame[column] = (
                forecast.quantile_mw[EVALUATION_QUANTILES.index(quantile)]
                if forecast.quantile_mw is not None
                else np.nan
            )
        frame["day_type"] = np.asarray(spec.day_type_names())[calendar.day_type]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
