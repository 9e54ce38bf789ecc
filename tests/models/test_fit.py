"""Fitting and calibration (models/fit.py) on hand-checkable synthetic cases."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from forecast.baseline.features import FeatureSpec, calendar_features, factor_names, feature_names
from forecast.baseline.model import BaselineModel
from models.fit import (
    PROFILE_ONLY_FACTORS,
    TREND_WEIGHT,
    calibrated_factor,
    combined_level,
    coverage_curve,
    fit_baseline,
    guard_extrapolation,
    outer_slopes,
    with_calibration,
)

SPEC = FeatureSpec(country="KR", daily_range_terms=True)
TIMES = pd.date_range("2019-01-01", "2022-12-31 23:00", freq="h", tz="Asia/Seoul")


def _config(spec: FeatureSpec = SPEC) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        spec=spec, first_year=2019, shape_window_years=4, level_window_years=4,
        ridge_penalty=1e-3, timezone="Asia/Seoul",
    )  # fmt: skip


def _temperature(seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    day_of_year = TIMES.day_of_year.to_numpy()
    hour = TIMES.hour.to_numpy()
    seasonal = 12 - 14 * np.cos(2 * np.pi * (day_of_year - 15) / 365)
    values = seasonal + 4 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 1.5, len(TIMES))
    return pd.Series(values, index=TIMES)


def _parameters(spec: FeatureSpec, *, noise_sd: float = 0.0) -> dict:
    names = feature_names(spec)
    return {
        "format_version": 1, "timezone": "Asia/Seoul", "feature_spec": spec.to_dict(),
        "shape": {"feature_names": names, "coefficients": [0.0] * len(names),
                  "log_normaliser": 0.0},
        "level": {"intercept": float(np.log(50_000.0)), "slope": 0.0, "origin_year": 2024,
                  "covariance": [[0.0, 0.0], [0.0, 0.0]], "residual_scale": 0.02,
                  "degrees_of_freedom": 1000},
        "noise": {"autocorrelation": 0.0, "sd": noise_sd, "residual_sd": noise_sd},
    }  # fmt: skip


def test_the_trend_moves_load_between_hours_and_the_level_keeps_the_growth():
    """Demand grows 2 %/year and its midday sinks 1 %/year more: the trend x hour becomes a
    profile summing to zero over the day, and the normalised levels carry the 2 %/year."""
    temperature = _temperature()
    hour = TIMES.hour.to_numpy()
    years = TIMES.year.to_numpy() - 2019 + TIMES.day_of_year.to_numpy() / 366
    midday = np.exp(-0.5 * ((hour - 12.5) / 2.0) ** 2)
    daily_profile = 1 + 0.1 * np.sin(2 * np.pi * (hour - 8) / 24)
    heating = 1 + 0.01 * np.maximum(16 - temperature, 0)
    demand = 60_000 * 1.02**years * daily_profile * (1 - 0.01 * years * midday) * heating
    # Without the range terms, which would share the midday trend (the synthetic day's range
    # hardly varies).
    spec = FeatureSpec(country="KR")
    parameters = fit_baseline(pd.Series(demand, index=TIMES), temperature, _config(spec),
                              last_year=2022)  # fmt: skip
    by_factor = np.reshape(parameters["shape"]["coefficients"], (-1, 24))
    names = factor_names(spec)
    for factor in PROFILE_ONLY_FACTORS:
        assert abs(by_factor[names.index(factor)].sum()) < 1e-10
    trend_work = by_factor[names.index("trend_work")]
    # The midday sinks about 1 %/year against the night (log units per year).
    assert trend_work[12] - trend_work[3] == pytest.approx(-0.01, abs=0.002)
    levels = parameters["level"]["normalised_level_mw"]
    growth = [levels[str(year + 1)] / levels[str(year)] - 1 for year in (2019, 2020, 2021)]
    np.testing.assert_allclose(growth, 0.02 - 0.01 * np.mean(midday), atol=0.003)
    # On an exact trend the last level lies on it: the combination forecasts half the trend's
    # growth from there, and its slope is half the trend's.
    level = parameters["level"]
    assert level["trend_weight"] == TREND_WEIGHT == 0.5
    assert level["slope"] == pytest.approx(0.5 * level["trend_slope"])
    assert level["intercept"] == pytest.approx(np.log(levels["2022"]), abs=1e-3)


def test_the_level_forecast_is_halfway_between_the_trend_and_the_last_year():
    """Hand case: trend 10.0 + 0.02 (y - origin) in log, last year 0.03 below the trend; the
    next year's log level is (10.02 + 9.97) / 2 and the parameter covariance is a quarter."""
    covariance = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])
    level = combined_level(np.array([10.0, 0.02]), covariance, 9.97)
    assert level["intercept"] + level["slope"] == pytest.approx((10.02 + 9.97) / 2)
    assert level["slope"] == pytest.approx(0.01)
    np.testing.assert_allclose(level["covariance"], covariance / 4)
    model = BaselineModel.from_parameters(
        _parameters(SPEC) | {"level": _parameters(SPEC)["level"] | level | {"origin_year": 2024}}
    )
    assert model.level_median(np.array([2025]))[0] == pytest.approx(np.exp(9.995))


def test_a_negative_outer_slope_is_raised_to_flat_at_that_hour_only():
    """Hand case: at hour 3 the cooling slopes sum to 0.01 - 0.03 = -0.02 per degree beyond
    the high base, on workdays and days off alike; the guard adds 0.02 to cdd_high_hour at
    hour 3 and changes nothing else."""
    names = factor_names(SPEC)
    coefficients = np.zeros((len(names), 24))
    coefficients[names.index("cdd_hour"), :] = 0.01
    coefficients[names.index("cdd_high_hour"), 3] = -0.03
    coefficients[names.index("hdd_hour"), :] = 0.005
    adjusted, changes = guard_extrapolation(coefficients.ravel(), SPEC)
    assert changes == [{"factor": "cdd_high_hour", "hour": 3, "added": pytest.approx(0.02)}]
    expected = coefficients.copy()
    expected[names.index("cdd_high_hour"), 3] = -0.01
    np.testing.assert_allclose(adjusted.reshape(len(names), 24), expected)
    slopes = outer_slopes(adjusted, SPEC)
    assert slopes["heat"].min() == pytest.approx(0.0) and slopes["cold"].min() > 0


def test_the_fitted_response_never_falls_beyond_the_hottest_hour_seen():
    """Synthetic demand whose cooling load falls again above 27 °C at night: the fitted
    response, evaluated on uniform days hotter than any training hour, never falls."""
    temperature = _temperature(seed=1)
    hour = TIMES.hour.to_numpy()
    night = (hour < 6).astype(float)
    cooling = 0.012 * np.maximum(temperature - 20, 0) - 0.03 * night * np.maximum(
        temperature - 27, 0
    )
    demand = 60_000 * (1 + 0.1 * np.sin(2 * np.pi * (hour - 8) / 24)) * (1 + cooling)
    parameters = fit_baseline(pd.Series(demand, index=TIMES), temperature, _config(),
                              last_year=2022)  # fmt: skip
    model = BaselineModel.from_parameters(parameters)
    days = pd.date_range("2023-07-10", periods=24 * 7, freq="h", tz="Asia/Seoul")
    hottest = float(temperature.max())
    levels = np.arange(np.ceil(hottest), hottest + 15.0)
    shapes = model.shape(days, np.repeat(levels[:, None], len(days), axis=1))
    last_day = slice(24 * 6, 24 * 7)  # the smoothed daily mean has settled by then
    assert (np.diff(shapes[:, last_day], axis=0) >= -1e-12).all()


def _flat_year(noise_sd: float, seed: int) -> tuple[BaselineModel, pd.Series]:
    """A flat-shape model with daily noise sd ``noise_sd`` and one year of actual demand drawn
    from exactly that model (level 50 GW, independent lognormal days)."""
    model = BaselineModel.from_parameters(_parameters(SPEC, noise_sd=noise_sd))
    times = pd.date_range("2025-01-01", "2025-12-31 23:00", freq="h", tz="Asia/Seoul")
    rng = np.random.default_rng(seed)
    daily = np.exp(noise_sd * rng.standard_normal(365) - 0.5 * noise_sd**2)
    return model, pd.Series(50_000.0 * np.repeat(daily, 24), index=times)


def test_intervals_with_the_true_spread_cover_80_percent():
    """The data have the model's own spread: the 80 % interval covers about 80 % of hours at
    noise factor 1, and the calibrated factor is about 1."""
    model, actual = _flat_year(0.03, seed=5)
    grid = np.linspace(0.5, 2.0, 31)
    curve = coverage_curve(model, actual, np.full((1, len(actual)), 10.0), 7,
                           noise_factors=grid, level_spread_factors=np.ones_like(grid),
                           level_mw=50_000.0)  # fmt: skip
    assert abs(curve[grid == 1.0][0] - 0.80) < 0.04  # 365 independent days: sd about 0.02
    assert abs(calibrated_factor([curve], grid) - 1.0) < 0.15


def test_the_median_calibration_is_not_moved_by_one_shock_year():
    """Four normal years reach 80 % at factor 1.0; a shock year covers 30 % there. The median
    over the five keeps 1.0; the mean would widen every normal year (factor 1.4 here)."""
    grid = np.linspace(0.5, 2.0, 16)
    normal = np.clip(0.8 + 0.4 * (grid - 1.0), 0.0, 1.0)
    shock = np.clip(0.3 + 0.4 * (grid - 1.0), 0.0, 1.0)
    assert calibrated_factor([normal] * 4 + [shock], grid) == pytest.approx(1.0)
    mean_curve = np.mean([normal] * 4 + [shock], axis=0)
    assert np.interp(0.8, mean_curve, grid) == pytest.approx(1.25)


def test_the_calibrated_level_scale_replaces_the_regression_scale():
    """Residual scale 2 %, calibrated scale 1 %: spread factor 0.5 and draws with a log sd of
    about 1 % (no parameter uncertainty, a t with 1000 degrees of freedom: nearly normal)."""
    parameters = with_calibration(_parameters(SPEC, noise_sd=0.03), 1.2, level_scale=0.01)
    assert parameters["level"]["spread_factor"] == pytest.approx(0.5)
    assert parameters["noise"]["sd"] == pytest.approx(0.036)
    model = BaselineModel.from_parameters(parameters)
    draws = model.level_draws(np.array([2025]), 20_000, np.random.default_rng(2))
    assert np.log(draws / 50_000.0).std() == pytest.approx(0.01, rel=0.03)


def _growing_grid(growth: float) -> pd.Series:
    """Demand growing ``growth`` a year continuously (inside each year too), with a daily
    profile and a heating response. [MW]"""
    temperature = _temperature()
    hour = TIMES.hour.to_numpy()
    years = TIMES.year.to_numpy() - 2019 + TIMES.day_of_year.to_numpy() / 366
    daily_profile = 1 + 0.1 * np.sin(2 * np.pi * (hour - 8) / 24)
    heating = 1 + 0.01 * np.maximum(16 - temperature, 0)
    return pd.Series(60_000 * (1 + growth) ** years * daily_profile * heating, index=TIMES)


@pytest.mark.parametrize("months", [3, 6])
def test_the_year_over_year_momentum_reads_the_growth_of_a_steady_grid(months):
    """Issue 13's ninth round: on a grid growing a steady 1.8 %/year, the same months a year
    apart read 1.8 %/year (the third round's Kalman smooth trend on monthly levels read 6.0 %:
    the monthly levels are a sawtooth inside each year, which the same months cancel). The
    level forecast (mode "member", the shipped configs') is a third each of the trend, the
    random walk and the walk moved by that growth."""
    config = types.SimpleNamespace(
        **vars(_config(FeatureSpec(country="KR"))),
        level_momentum="member", level_momentum_months=months,
    )  # fmt: skip
    parameters = fit_baseline(_growing_grid(0.018), _temperature(), config, last_year=2022)
    level = parameters["level"]
    assert level["momentum_growth"] == pytest.approx(0.018, abs=0.002)
    assert level["trend_weight"] == pytest.approx(1 / 3)
    trend = level["trend_intercept"] + level["trend_slope"]
    walk = np.log(level["normalised_level_mw"]["2022"])
    moved = walk + np.log1p(level["momentum_growth"])
    assert level["intercept"] + level["slope"] == pytest.approx((trend + walk + moved) / 3,
                                                                abs=1e-4)  # fmt: skip
    model = BaselineModel.from_parameters(parameters)
    assert model.level.trend_weight == pytest.approx(1 / 3)


def test_the_momentum_modes_place_the_walk_as_documented():
    """Hand case: trend 10.0 + 0.02 h, last level 9.97, momentum 4 %: year_end shifts the walk
    by log 1.02, drift by log 1.04 (one year's momentum, no slope), member weighs trend, walk
    and drifted walk a third each."""
    covariance = np.array([[4e-4, 1e-4], [1e-4, 1e-4]])
    trend = np.array([10.0, 0.02])

    def next_year(mode: str) -> float:
        level = combined_level(trend, covariance, 9.97, momentum=0.04, mode=mode)
        return level["intercept"] + level["slope"]

    assert next_year("year_end") == pytest.approx((10.02 + 9.97 + np.log(1.02)) / 2)
    assert next_year("drift") == pytest.approx((10.02 + 9.97 + np.log(1.04)) / 2)
    assert next_year("member") == pytest.approx((10.02 + 9.97 + 9.97 + np.log(1.04)) / 3)
    member = combined_level(trend, covariance, 9.97, momentum=0.04, mode="member")
    np.testing.assert_allclose(member["covariance"], covariance / 9)
    assert member["slope"] == pytest.approx(0.02 / 3)  # the momentum is not extrapolated
    drift = combined_level(trend, covariance, 9.97, momentum=0.04, mode="drift")
    assert drift["slope"] == pytest.approx(0.01)


def test_a_combination_of_shape_windows_is_the_mean_of_their_coefficients():
    """``shape_windows = [3, 4]``: the shape's coefficients are the mean of the 3- and 4-year
    fits' (the geometric mean of their shapes) wherever the extrapolation guard, applied after
    the mean, changed none of them; the levels still read the grid's 2 %/year."""
    grid = _growing_grid(0.02)
    spec = FeatureSpec(country="KR")
    names = factor_names(spec)

    def fitted(**options) -> tuple[np.ndarray, dict]:
        config = types.SimpleNamespace(**vars(_config(spec)) | options)
        parameters = fit_baseline(grid, _temperature(), config, last_year=2022)
        guarded = {
            names.index(change["factor"]) * 24 + change["hour"]
            for change in parameters["shape"]["extrapolation_adjustments"]
        }
        return np.array(parameters["shape"]["coefficients"]), {
            "guarded": guarded, "levels": parameters["level"]["normalised_level_mw"]
        }  # fmt: skip

    three, three_fit = fitted(shape_window_years=3)
    four, four_fit = fitted(shape_window_years=4)
    both, both_fit = fitted(shape_windows=(3, 4))
    assert np.abs(three - four).max() > 1e-4  # the windows differ
    kept = np.ones(len(both), dtype=bool)
    kept[list(three_fit["guarded"] | four_fit["guarded"] | both_fit["guarded"])] = False
    assert kept.sum() > 0.95 * len(both)
    np.testing.assert_allclose(both[kept], (three[kept] + four[kept]) / 2, atol=1e-12)
    levels = both_fit["levels"]
    assert levels["2022"] / levels["2021"] - 1 == pytest.approx(0.02, abs=0.003)


def test_the_eve_of_a_holiday_block_gets_its_own_hourly_profile():
    """Issue 13's tenth round: on a grid whose workdays before Seollal's and Chuseok's days
    off draw 6 % less (people leave to travel), ``block_eve_type`` fits the eve's drop, which
    an ordinary workday's coefficients leave in the residual (nine eves in 2019-2022)."""
    spec = FeatureSpec(country="KR", observed_holiday_type=True, block_eve_type=True)
    eve_type = spec.day_type_names().index("block_eve")
    eve = np.asarray(calendar_features(TIMES, spec=spec).day_type) == eve_type
    assert eve.sum() == 24 * 9
    demand = _growing_grid(0.0) * np.where(eve, 0.94, 1.0)

    def eve_residual(spec: FeatureSpec) -> float:
        parameters = fit_baseline(demand, _temperature(), _config(spec), last_year=2022)
        model = BaselineModel.from_parameters(parameters)
        fitted = model.shape(TIMES, _temperature().to_numpy()[None, :])[0]
        log_residual = np.log(demand.to_numpy() / fitted)
        return float(log_residual[eve].mean() - log_residual[~eve].mean())

    assert abs(eve_residual(spec)) < 0.005
    assert eve_residual(FeatureSpec(country="KR", observed_holiday_type=True)) < -0.04
