"""Fitting and interval calibration of the baseline model, shared by training and backtest.

:mod:`models.train` (fit on all years, publish) and :mod:`models.backtest` (print the table)
both use this module and neither imports the other.

The fit (:func:`fit_baseline`, numpy and statsmodels):

* **shape**: ridge regression of ``log load`` on :func:`forecast.baseline.features.design_matrix`
  plus unpenalised year intercepts, over the last ``shape_window_years`` years. The trend × hour
  coefficients are constrained to sum to zero over the 24 hours (:func:`_profile_only`): the trend
  moves load between hours of the day (behind-the-meter solar lowering the midday) but never the
  daily mean, which is the level model's. Without that constraint the shape's trend (identified
  only by the slope within each year) was extrapolated back over the level years and moved their
  normalised levels by up to 8 % between one backtest fold and the next. Beyond the hottest and
  coldest temperatures seen, the response continues with the slope of its outermost segment;
  :func:`guard_extrapolation` makes sure that slope never turns the response down.
* **level**: each year's temperature-normalised level ``L_y = mean(load_y) / mean(shape_y)``
  (the shape carries the year's actual weather, so a hot or cold year does not move it), then
  the equal-weight combination of a statsmodels OLS trend of ``log L_y`` on the year over the
  last ``level_window_years`` and a random walk from the last year (:func:`combined_level`):
  in the rolling-origin backtests the trend alone carried old growth (Korea 2019–2020) and old
  decline (NSW 2015–2016) a year too far, the random walk alone missed steady growth (Korea
  2016–2018), and the combination was better than either on the mean of both grids;
* **noise**: AR(1) coefficient of the daily mean log residual; scale = hourly residual standard
  deviation.

The interval calibration (:func:`rolling_origin`): a rolling-origin backtest fits each
backtest year on the years before it and scores it ex post (actual weather) and ex ante (the
prior years' weather); its folds also calibrate the two spreads, each leave-one-year-out (the
values used for a year come from the *other* years) and each with the *median* over those
years, so that one shock year (2020) cannot widen every normal year's intervals:

1. noise factor κ (daily noise sd = residual sd × κ): ex post 80 % coverage with the level
   fixed at the year's actual normalised level, i.e. the model's own within-year error when
   the weather is known (ex ante, the weather ensemble adds the weather's spread on top);
2. level scale s [log]: ex ante 80 % coverage (the intervals users see) with the level
   forecast and the noise at step 1's factor. The level draws' deviations are scaled to s
   (``spread_factor = s / residual_scale``), the same absolute scale in every year. The
   regression's own residual scale is no guide to the next year's level error: it is
   largest in the years right after a shock (2021–2024, whose six-year windows hold 2019–
   2020) and smallest before one (2019's window 2013–2018 grew smoothly).

The final model takes κ and s from all backtest years (the median again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import statsmodels.api as sm

from forecast.baseline.evaluation import (
    MEAN_ROW,
    YearForecast,
    format_standard_table,
    format_table,
    metrics_table,
    model_forecasts,
    seasonal_naive_forecasts,
)
from forecast.baseline.features import (
    FeatureSpec,
    calendar_features,
    design_matrix,
    factor_names,
    feature_names,
)
from forecast.baseline.model import (
    FORMAT_VERSION,
    NOISE_HOUR_SPLITS,
    BaselineModel,
    hourly_lognormal,
    noise_hour_group,
    standard_ar1,
)
from forecast.errors import DataError
from forecast.weather import weather_years_at
from models.config import MIN_FIT_YEARS

if TYPE_CHECKING:
    from models.config import TrainingConfig

_HOURS = 24
CALIBRATION_GRID = np.linspace(0.2, 4.0, 39)
LEVEL_SCALE_GRID = np.linspace(0.0025, 0.06, 24)
TARGET_COVERAGE = 0.80
#: Weight of the trend in the level forecast; the random walk gets the rest (see
#: :func:`combined_level`). Equal weights, the textbook combination when neither model is known
#: to be right and a weight estimated on a handful of years is noise: a trend suits a growing
#: grid (Korea 2016-2018) and a random walk a flat or shocked one (NSW 2014-2019, Korea
#: 2019-2022).
TREND_WEIGHT = 0.5
#: Factors of the shape whose 24 hourly coefficients sum to zero (see the module docstring).
PROFILE_ONLY_FACTORS = ("trend_work", "trend_off")


def _design_by_year(demand: pd.Series, temperature: pd.Series, spec: FeatureSpec, years):
    year_of_hour = pd.DatetimeIndex(demand.index).year
    for year in years:
        in_year = year_of_hour == year
        yield (
            year,
            in_year,
            design_matrix(demand.index[in_year], temperature.to_numpy()[in_year], spec=spec),
        )


def _ridge_solution(
    demand: pd.Series,
    temperature: pd.Series,
    spec: FeatureSpec,
    ridge_penalty: float,
    valid: np.ndarray,
    log_demand: np.ndarray,
    shape_years: list[int],
) -> np.ndarray:
    """Ridge fit of ``log_demand`` on the design matrix and unpenalised year intercepts over
    ``shape_years``, the trend factors profile-only (:func:`_profile_only`).

    Returns float64[P + len(shape_years)]: the P feature coefficients, then each year's
    intercept [log MW].
    """
    n_features = len(feature_names(spec))
    n_parameters = n_features + len(shape_years)
    gram = np.zeros((n_parameters, n_parameters))
    moment = np.zeros(n_parameters)
    column_sum = np.zeros(n_features)
    column_square_sum = np.zeros(n_features)
    n_rows = 0
    for position, (_, in_year, design) in enumerate(
        _design_by_year(demand, temperature, spec, shape_years)
    ):
        fitted = valid[in_year]
        rows = design[fitted]
        year_columns = np.zeros((len(rows), len(shape_years)))
        year_columns[:, position] = 1.0
        full = np.hstack([rows, year_columns])
        gram += full.T @ full
        moment += full.T @ log_demand[in_year][fitted]
        column_sum += rows.sum(axis=0)
        column_square_sum += (rows**2).sum(axis=0)
        n_rows += len(rows)
    # Ridge on the standardised features (penalty ∝ each column's variance); the year
    # intercepts are not penalised, so the penalty never pulls the level.
    variance = column_square_sum / n_rows - (column_sum / n_rows) ** 2
    penalty = np.zeros(n_parameters)
    penalty[:n_features] = ridge_penalty * n_rows * np.maximum(variance, 1e-12)
    free = _profile_only(spec, n_parameters)
    return free @ np.linalg.solve(free.T @ (gram + np.diag(penalty)) @ free, free.T @ moment)


def combined_shape(solutions: list[np.ndarray], n_features: int) -> np.ndarray:
    """Feature coefficients of the geometric mean of the shapes of several fit windows.

    ``solutions`` are :func:`_ridge_solution`'s, one per window; their first ``n_features``
    entries are averaged (the year intercepts, of different years, are left out). The mean of
    the log-linear coefficients is the log of the geometric mean of the windows' shapes, up to
    a constant that the normaliser and the levels absorb, so the combination is one shape of
    the usual form (issue 13's ninth round, ``[training] shape_windows``). Returns
    float64[P].
    """
    return np.mean([solution[:n_features] for solution in solutions], axis=0)


def _profile_only(spec: FeatureSpec, n_parameters: int) -> np.ndarray:
    """Map from free parameters to all parameters with the profile-only blocks summing to 0.

    Returns float64[n_parameters, n_free]: the identity, except that each block of 24 hourly
    coefficients of a :data:`PROFILE_ONLY_FACTORS` factor is spanned by 23 columns
    ``e_h − e_23`` (hour 23 takes minus the sum of the others).
    """
    names = factor_names(spec)
    constrained = {names.index(name) for name in PROFILE_ONLY_FACTORS}
    columns = []
    for parameter in range(n_parameters):
        factor, hour = divmod(parameter, _HOURS)
        if factor in constrained and hour == _HOURS - 1:
            continue
        column = np.zeros(n_parameters)
        column[parameter] = 1.0
        if factor in constrained:
            column[factor * _HOURS + _HOURS - 1] = -1.0
        columns.append(column)
    return np.column_stack(columns)


def outer_slopes(coefficients: np.ndarray, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Slopes of the log shape beyond the outermost temperature knots, per day group and hour.

    For a day whose every hour (so also its daily mean and smoothed mean) is hotter than the
    high cooling base, the log shape grows by ``heat`` per °C; for a day colder than the
    heating base everywhere, it grows by ``cold`` per °C of cooling. [1/°C]

    Returns
    -------
    dict
        ``{"heat": float64[2, 24], "cold": float64[2, 24]}``, rows = workdays, days off.
    """
    names = factor_names(spec)
    by_factor = np.asarray(coefficients, dtype=np.float64).reshape(len(names), _HOURS)

    def row(name: str) -> np.ndarray:
        return by_factor[names.index(name)]

    heat, cold = [], []
    for group in ("work", "off"):
        heat.append(
            row("cdd_hour")
            + row("cdd_high_hour")
            + row(f"cdd_day_{group}")
            + row(f"cdd_smooth_{group}")
        )
        cold.append(row("hdd_hour") + row(f"hdd_day_{group}") + row(f"hdd_smooth_{group}"))
    return {"heat": np.array(heat), "cold": np.array(cold)}


def guard_extrapolation(
    coefficients: np.ndarray, spec: FeatureSpec
) -> tuple[np.ndarray, list[dict]]:
    """Coefficients whose temperature response never falls beyond the outermost knots.

    Hinge (degree) terms continue linearly beyond the data, with the slope of the outermost
    segment (:func:`outer_slopes`). A ridge fit can leave that slope negative at an hour where
    hot (or cold) hours are rare, and the response would then fall as it gets hotter still,
    where the annual peak lives. Where a slope is negative for workdays or days off, the
    outermost hourly hinge coefficient (``cdd_high_hour``, ``hdd_hour``) is raised until it is
    zero: the response then stays flat rather than falling.

    Returns
    -------
    tuple
        (adjusted coefficients float64[P], one ``{"factor", "hour", "added"}`` per change).
    """
    adjusted = np.array(coefficients, dtype=np.float64)
    names = factor_names(spec)
    slopes = outer_slopes(adjusted, spec)
    changes = []
    for direction, factor in (("heat", "cdd_high_hour"), ("cold", "hdd_hour")):
        shortfall = np.maximum(-slopes[direction].min(axis=0), 0.0)
        for hour in np.flatnonzero(shortfall > 0):
            adjusted[names.index(factor) * _HOURS + hour] += shortfall[hour]
            changes.append({"factor": factor, "hour": int(hour), "added": float(shortfall[hour])})
    return adjusted, changes


def fit_baseline(
    demand: pd.Series, temperature: pd.Series, config: TrainingConfig, *, last_year: int
) -> dict:
    """Fit shape, level and noise on the years up to ``last_year``; return the parameters.

    Hours where ``demand`` is NaN (masked gaps) take no part in the fit; the temperature must
    be complete.

    Returns
    -------
    dict
        The JSON parameter document read by
        :meth:`forecast.baseline.model.BaselineModel.from_parameters`, with the interval widths not
        yet calibrated (``noise.sd`` = the hourly residual standard deviation,
        ``noise.calibration_factor`` = 1, ``level.spread_factor`` = 1).
    """
    spec = config.spec
    values = demand.to_numpy(dtype=np.float64)
    valid = np.isfinite(values)
    observed_years = pd.DatetimeIndex(demand.index).year[valid]
    all_years = sorted({int(y) for y in observed_years if config.first_year <= y <= last_year})
    if len(all_years) < 3:
        raise DataError(
            f"{config.path}: training needs at least {MIN_FIT_YEARS} years of demand in [data] "
            f"first_year..{last_year} ({config.first_year}..{last_year}) of "
            f"{config.data_dir / config.demand_file}; found {all_years}; allowed: [backtest] "
            f"years and last_year at least {MIN_FIT_YEARS - 1} after the first year with demand"
        )
    shape_years = all_years[-config.shape_window_years :]
    n_features = len(feature_names(spec))
    log_demand = np.log(np.where(valid, values, 1.0))
    fit_window = partial(
        _ridge_solution, demand, temperature, spec, config.ridge_penalty, valid, log_demand
    )
    # getattr: configs built by hand (tests, models.horizons) predate the options; off there.
    windows = getattr(config, "shape_windows", ())
    intercepts: dict[int, float] | None = None
    if windows:
        raw_coefficients = combined_shape([fit_window(all_years[-w:]) for w in windows], n_features)
    else:
        solution = fit_window(shape_years)
        raw_coefficients = solution[:n_features]
        intercepts = dict(zip(shape_years, solution[n_features:], strict=True))
    coefficients, adjustments = guard_extrapolation(raw_coefficients, spec)

    # The origin year's and the year before's monthly sums, for the level's momentum.
    momentum_mode = getattr(config, "level_momentum", "none")
    residuals = []
    shape_sum, shape_count = 0.0, 0
    shape_means_raw, monthly = {}, {}
    for year, in_year, design in _design_by_year(demand, temperature, spec, all_years):
        linear = design @ coefficients
        raw_shape = np.exp(linear)
        fitted = valid[in_year]
        shape_means_raw[year] = (
            float(raw_shape[fitted].mean()),
            float(values[in_year][fitted].mean()),
        )
        if momentum_mode != "none" and year >= all_years[-1] - 1:
            monthly[year] = monthly_sums(demand.index[in_year], values[in_year], raw_shape, fitted)
        if year in shape_years:
            shape_sum += raw_shape.sum()
            shape_count += len(raw_shape)
            log_residual = log_demand[in_year] - linear
            intercept = intercepts[year] if intercepts is not None else log_residual[fitted].mean()
            year_residual = np.where(fitted, log_residual - intercept, np.nan)
            residuals.append(pd.Series(year_residual, index=demand.index[in_year]))
    log_normaliser = float(np.log(shape_sum / shape_count))
    normaliser = np.exp(log_normaliser)
    normalised_level = {
        year: mean_load / (raw_mean / normaliser)
        for year, (raw_mean, mean_load) in shape_means_raw.items()
    }

    level_years = all_years[-config.level_window_years :]
    origin_year = level_years[-1]
    regressors = sm.add_constant(np.asarray(level_years, dtype=np.float64) - origin_year)
    level_fit = sm.OLS(np.log([normalised_level[y] for y in level_years]), regressors).fit()
    momentum = None
    if momentum_mode != "none":
        momentum = momentum_growth(monthly, origin_year, config.level_momentum_months)
    combination = combined_level(
        level_fit.params,
        np.asarray(level_fit.cov_params()),
        np.log(normalised_level[origin_year]),
        momentum=momentum,
        mode=momentum_mode,
    )
    if momentum is not None:
        combination["momentum_growth"] = momentum

    residual = pd.concat(residuals)
    # Grouped by wall-clock date: normalize() on the zone would raise where midnight does not
    # exist (America/Santiago's spring-forward day).
    wall_clock = pd.DatetimeIndex(residual.index).tz_localize(None).normalize()
    daily_residual = residual.groupby(wall_clock).mean().to_numpy()
    pairs = np.isfinite(daily_residual[1:]) & np.isfinite(daily_residual[:-1])  # masked days
    autocorrelation = float(
        np.corrcoef(daily_residual[1:][pairs], daily_residual[:-1][pairs])[0, 1]
    )
    residual_sd = float(np.nanstd(residual.to_numpy(), ddof=1))
    noise: dict[str, object] = {
        "autocorrelation": float(np.clip(autocorrelation, 0.0, 0.99)),
        "residual_sd": residual_sd,
        "calibration_factor": 1.0,
        "sd": residual_sd,
    }
    if getattr(config, "noise_by_hour", False):
        noise["hour_scale"] = hour_noise_scale(residual, spec, config.noise_hour_split).tolist()
        noise["hour_scale_split"] = config.noise_hour_split
    return {
        "format_version": FORMAT_VERSION,
        "timezone": config.timezone,
        "feature_spec": spec.to_dict(),
        "shape": {
            "feature_names": feature_names(spec),
            "coefficients": coefficients.tolist(),
            "log_normaliser": log_normaliser,
            "window_years": shape_years,
            "ridge_penalty": config.ridge_penalty,
            "profile_only_factors": list(PROFILE_ONLY_FACTORS),
            "extrapolation_adjustments": adjustments,
            **({"combined_windows": list(windows)} if windows else {}),
        },
        "level": {
            "model": _level_description(momentum_mode),
            **combination,
            "trend_intercept": float(level_fit.params[0]),
            "trend_slope": float(level_fit.params[1]),
            "origin_year": int(origin_year),
            "residual_scale": float(np.sqrt(level_fit.scale)),
            "degrees_of_freedom": int(level_fit.df_resid),
            "spread_factor": 1.0,
            "window_years": level_years,
            "normalised_level_mw": {str(y): round(v, 1) for y, v in normalised_level.items()},
        },
        "noise": noise,
    }


def hour_noise_scale(residual: pd.Series, spec: FeatureSpec, split: str) -> np.ndarray:
    """r[g, h] = sd of the in-sample log residuals at local hour h in group g / their overall
    sd (NaN = masked hours, left out), float64[G, 24]; G from ``split``
    (:data:`forecast.baseline.model.NOISE_HOUR_SPLITS`). [1]

    The daily noise's scale at hour h is then σ r[g, h]: issue 13's eighth round (measurement
    only), because behind-the-meter solar and the weather make middays (and NSW's hot
    afternoons) far more variable than nights, where one σ for all hours gave Korea 59.5 %
    ex post coverage at 12:00 against 83-86 % at night.
    """
    local_times = pd.DatetimeIndex(residual.index)
    calendar = calendar_features(local_times, spec=spec)
    group = noise_hour_group(local_times, calendar, split)
    values = residual.to_numpy(dtype=np.float64)
    overall = float(np.nanstd(values, ddof=1))
    scale = np.empty((NOISE_HOUR_SPLITS[split], _HOURS))
    for g in range(scale.shape[0]):
        for hour in range(_HOURS):
            cell = values[(group == g) & (calendar.hour == hour)]
            scale[g, hour] = np.nanstd(cell, ddof=1) / overall
    return scale


def combined_level(
    trend_parameters: np.ndarray,
    trend_covariance: np.ndarray,
    last_log_level: float,
    *,
    momentum: float | None = None,
    mode: str = "none",
) -> dict:
    """The level forecast: the trend and the random walk from the last year, equally weighted.

    The combination of the two linear forecasts in log space is itself linear in the horizon
    ``h = y − origin_year``: ``w (a + b h) + (1 − w) log L_origin`` with ``w`` =
    :data:`TREND_WEIGHT`, i.e. intercept ``w a + (1 − w) log L_origin`` and slope ``w b``, so
    the artifact format stays the one of a trend. Given the observed last level, the
    parameters' covariance is ``w² Cov(a, b)``; the year innovation keeps the calibrated level
    scale (:func:`with_calibration`).

    ``momentum`` g [1/year] (:func:`momentum_growth`, issue 13's ninth round) with ``mode``:
    "year_end", the random walk starts where the origin year ends, ``log L_origin +
    log(1 + g/2)`` (its mean lies half a year before its end); "drift", the random walk
    takes one year of drift, ``log L_origin + log(1 + g)`` (a year from the origin year's
    mean to the next one's); "member", that drifted walk is a third member beside the trend
    and the plain walk, equal weights ``w = 1/3``. The momentum moves the intercept alone:
    a few months' growth is a year's news, not a slope to extrapolate over decades, so
    beyond the year ahead the walk stays where it is (the slope stays ``w b``).

    Returns
    -------
    dict
        ``{"intercept", "slope", "covariance", "trend_weight"}`` (log MW, log MW/year).
    """
    intercept, slope = (float(value) for value in trend_parameters)
    weight = TREND_WEIGHT
    walk = float(last_log_level)
    if mode != "none":
        if momentum is None:
            raise ValueError(f"level momentum mode {mode!r} needs momentum (momentum_growth)")
        if mode == "year_end":
            walk += float(np.log1p(momentum / 2.0))
        elif mode == "drift":
            walk += float(np.log1p(momentum))
        else:  # "member": the plain walk and the drifted one share the walk's weight
            weight = 1.0 / 3.0
            walk += float(np.log1p(momentum)) / 2.0
    return {
        "intercept": weight * intercept + (1.0 - weight) * walk,
        "slope": weight * slope,
        "covariance": (weight * weight * np.asarray(trend_covariance)).tolist(),
        "trend_weight": weight,
    }


def _level_description(mode: str) -> str:
    """The level's ``model`` text in the parameters."""
    if mode == "none":
        return (
            f"equal-weight combination ({TREND_WEIGHT:g} / {1 - TREND_WEIGHT:g}) of a "
            "statsmodels OLS trend log(normalised annual mean MW) ~ 1 + (year - "
            "origin_year) and a random walk from the origin year's level"
        )
    return (
        "equal-weight combination of a statsmodels OLS trend log(normalised annual mean MW) "
        f"~ 1 + (year - origin_year) and a random walk from the origin year's level, with "
        f"year-over-year momentum ({mode})"
    )


def monthly_sums(
    local_times: pd.DatetimeIndex, load: np.ndarray, raw_shape: np.ndarray, fitted: np.ndarray
) -> np.ndarray:
    """Sums of the load [MW h] and of the raw shape over each calendar month's fitted hours,
    float64[2, 12] (row 0 load, row 1 shape; month m at column m − 1)."""
    month = pd.DatetimeIndex(local_times).month.to_numpy()[fitted] - 1
    return np.array(
        [
            np.bincount(month, weights=load[fitted], minlength=12),
            np.bincount(month, weights=raw_shape[fitted], minlength=12),
        ]
    )


def momentum_growth(monthly: dict[int, np.ndarray], origin_year: int, months: int) -> float:
    """Year-over-year growth of the origin year's last ``months`` months, weather-normalised.

    Each year's load over its mean shape at the actual temperatures in the same months
    (:func:`monthly_sums`), origin year over the year before, minus 1. [1/year] The same
    months compare like with like: the seasonal harmonics bend the same way in both, so the
    sawtooth of monthly levels inside a year (one intercept per year in the shape; the
    third round) cancels. 0 without the year before the origin.
    """
    if origin_year - 1 not in monthly:
        return 0.0
    last = slice(12 - months, 12)

    def level(year: int) -> float:
        load, shape = monthly[year][:, last].sum(axis=1)
        return float(load / shape)

    return level(origin_year) / level(origin_year - 1) - 1.0


def with_calibration(
    parameters: dict, calibration_factor: float, *, level_scale: float | None = None
) -> dict:
    """Copy of ``parameters`` with calibrated interval widths.

    The daily noise sd becomes residual sd × ``calibration_factor``. ``level_scale`` [log MW]
    replaces the level regression's residual scale as the scale of the level draws: the
    stored ``level.spread_factor`` (which multiplies the parameter and year deviations)
    becomes ``level_scale / residual_scale``; ``None`` keeps the regression's own (factor 1).
    """
    noise = dict(parameters["noise"])
    noise["calibration_factor"] = float(calibration_factor)
    noise["sd"] = float(noise["residual_sd"] * calibration_factor)
    level = dict(parameters["level"])
    if level_scale is not None:
        level["calibrated_scale"] = float(level_scale)
        level["spread_factor"] = float(level_scale / level["residual_scale"])
    return {**parameters, "noise": noise, "level": level}


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


def coverage_curve(
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
    uniformly, as in :func:`forecast.baseline.model.sample_baseline`. ``level_mw`` fixes the level
    (then the level spread factors do not matter); otherwise the level draws' log deviations
    from the median are scaled by the level spread factor. The same random numbers serve
    every pair, so the curve is smooth in the factors. Hours where ``actual`` is NaN are not
    scored.
    """
    rng = np.random.default_rng(seed)
    local_times = pd.DatetimeIndex(actual.index)
    shape = model.shape(local_times, temperature)
    calendar = calendar_features(local_times, spec=model.spec)
    day_index = calendar.day_of_period
    n_draws = 400
    year = np.array([local_times[0].year])
    log_deviation = np.log(model.level_draws(year, n_draws, rng)[:, 0] / model.level_median(year))
    weather_of_draw = rng.integers(0, shape.shape[0], size=n_draws)
    standard = standard_ar1(int(day_index.max()) + 1, n_draws, model.noise_autocorrelation, rng)
    observed = actual.to_numpy()
    scored = np.isfinite(observed)
    base = shape[weather_of_draw][:, scored] / observed[None, scored]
    noise_days = day_index[scored]
    hour_scale = model.hour_scale(local_times, calendar)
    coverages = []
    for noise_factor, spread in zip(noise_factors, level_spread_factors, strict=True):
        if level_mw is None:
            level = model.level_median(year)[0] * np.exp(spread * log_deviation)
        else:
            level = np.full(n_draws, level_mw)
        sd = model.noise_sd * noise_factor
        if hour_scale is None:
            noise = np.exp(sd * standard[:, noise_days] - 0.5 * sd * sd)
        else:
            noise = hourly_lognormal(standard[:, noise_days], sd * hour_scale[scored])
        ratio = level[:, None] * base * noise
        share_below = (ratio < 1.0).mean(axis=0)
        coverages.append(float(np.mean((share_below >= 0.1) & (share_below <= 0.9))))
    return np.asarray(coverages)


def calibrated_factor(curves: list[np.ndarray], grid: np.ndarray) -> float:
    """The grid factor (interpolated) whose *median* coverage over ``curves`` is the target.

    The median, not the mean: a year of shock (2020) has a coverage curve far below the
    others, and the mean would widen every normal year's intervals to make up for it.
    """
    median_curve = np.maximum.accumulate(np.median(curves, axis=0))  # np.interp: ascending
    return float(np.interp(TARGET_COVERAGE, median_curve, grid))


def leave_one_out(curves: dict[int, np.ndarray], grid: np.ndarray) -> dict[int, float]:
    """For each year, the factor calibrated on the other years' curves (all when alone)."""
    return {
        year: calibrated_factor([curves[o] for o in curves if o != year] or [curves[year]], grid)
        for year in curves
    }


@dataclass(frozen=True)
class BacktestResult:
    """Outcome of :func:`rolling_origin`."""

    # index (forecast, year), columns forecast.baseline.evaluation's METRIC_COLUMNS and
    # STANDARD_COLUMNS
    table: pd.DataFrame
    table_text: str  # the metrics table, then the standard metrics' table
    summary: dict  # {"ex_post": {...}, "ex_ante": {...}, "seasonal_naive": {...}}
    calibration_factor: float
    level_scale: float  # [log MW], the calibrated level spread (see with_calibration)
    command: str
    # Each label's out-of-sample forecasts of the backtest years (``backtest --series``).
    forecasts: dict[str, list[YearForecast]] = field(default_factory=dict)


def rolling_origin(
    demand: pd.Series, temperature: pd.Series, config: TrainingConfig, *, command: str
) -> BacktestResult:
    """Rolling-origin backtest over ``config.backtest_years`` and the interval calibration.

    For each backtest year Y: fit on the years before Y, forecast Y whole with
    :func:`forecast.baseline.model.sample_baseline` ex post (Y's actual temperature) and ex ante
    (the weather of every year before Y mapped onto Y's calendar), with the spread factors
    calibrated on the other backtest years (see the module docstring), and score it with
    :mod:`forecast.baseline.evaluation` next to the seasonal-naive reference.
    """
    folds, weather, noise_curves = {}, {}, {}
    year_of_hour = pd.DatetimeIndex(demand.index).year
    for year in config.backtest_years:
        parameters = fit_baseline(demand, temperature, config, last_year=year - 1)
        model = BaselineModel.from_parameters(parameters)
        actual = demand[year_of_hour == year]
        hours = pd.DatetimeIndex(actual.index)
        weather[year] = prior_years_weather(
            temperature, list(range(config.first_year, year)), hours
        )
        actual_shape = model.shape(hours, temperature[hours].to_numpy())[0]
        scored = np.isfinite(actual.to_numpy())
        noise_curves[year] = coverage_curve(
            model,
            actual,
            temperature[actual.index].to_numpy()[None, :],
            config.seed + year,
            noise_factors=CALIBRATION_GRID,
            level_spread_factors=np.ones_like(CALIBRATION_GRID),
            level_mw=float(actual.to_numpy()[scored].mean() / actual_shape[scored].mean()),
        )
        folds[year] = parameters
    noise_factor = leave_one_out(noise_curves, CALIBRATION_GRID)
    level_curves = {}
    for year, parameters in folds.items():
        actual = demand[year_of_hour == year]
        level_curves[year] = coverage_curve(
            BaselineModel.from_parameters(parameters),
            actual,
            weather[year],
            config.seed + year,
            noise_factors=np.full_like(LEVEL_SCALE_GRID, noise_factor[year]),
            level_spread_factors=LEVEL_SCALE_GRID / parameters["level"]["residual_scale"],
        )
    level_scale = leave_one_out(level_curves, LEVEL_SCALE_GRID)
    ex_post, ex_ante = [], []
    for year, parameters in folds.items():
        model = BaselineModel.from_parameters(
            with_calibration(parameters, noise_factor[year], level_scale=level_scale[year])
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
    forecasts = {
        "ex_post": ex_post,
        "ex_ante": ex_ante,
        "seasonal_naive": seasonal_naive_forecasts(demand, years=list(config.backtest_years)),
    }
    table = pd.concat([metrics_table(years, label=label) for label, years in forecasts.items()])
    means = table.xs(MEAN_ROW, level="year")
    summary = {
        label: {
            column: (None if pd.isna(value) else round(float(value), 4))
            for column, value in means.loc[label].items()
        }
        for label in ("ex_post", "ex_ante", "seasonal_naive")
    }
    return BacktestResult(
        table=table,
        table_text=f"{format_table(table)}\n\n{format_standard_table(table)}",
        summary=summary,
        calibration_factor=calibrated_factor(list(noise_curves.values()), CALIBRATION_GRID),
        level_scale=calibrated_factor(list(level_curves.values()), LEVEL_SCALE_GRID),
        command=command,
        forecasts=forecasts,
    )
