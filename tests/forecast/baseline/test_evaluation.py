"""The metrics of the backtest and ``forecast evaluate`` and their seasonal-naive reference.

The standard forecaster's metrics (MAE, RMSE, bias, CRPS, one-sided misses, top hours, the
annual peak's band, the coverages' Monte Carlo error) came from a utility load forecaster's
review: none was reported, the coverage hid one-sided and peak-hour misses, and coverages were
printed to two decimals with a Monte Carlo error of ~1 pp at 400 draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.baseline.evaluation import (
    EVALUATION_QUANTILES,
    MEAN_ROW,
    PIT_BINS,
    TOP_DEMAND_HOURS,
    YearForecast,
    calibration_json,
    calibration_table,
    check_groupings,
    format_pit,
    metrics_table,
    model_forecasts,
    pit_histogram,
    probability_integral_transform,
    sample_crps,
    score_year,
    season_label,
    seasonal_naive_forecasts,
)
from forecast.baseline.model import BaselineModel, sample_baseline
from forecast.errors import OptionsError
from tests.support.model_artifacts import synthetic_parameters


def _hourly(zone: str, start: str, end: str) -> pd.DatetimeIndex:
    """Every instant of whole local days start..end in ``zone``, hour-beginning."""
    first = pd.Timestamp(start).tz_localize(zone)
    last = (pd.Timestamp(end) + pd.Timedelta(days=1)).tz_localize(zone)
    return pd.date_range(first, last, freq="h", inclusive="left")


def test_the_naive_forecast_takes_nothing_from_the_year_it_forecasts():
    """A forecasting scientist found Dec 31 forecast from Jan 1 of the same year (364 days
    earlier; Dec 30 and 31 in a leap year): a year-ahead forecast that peeks. Each year's load
    is its year number, so any hour taken from the forecast year shows."""
    times = _hourly("Asia/Seoul", "2022-01-01", "2024-12-31")
    demand = pd.Series(times.year.to_numpy(dtype=np.float64), index=times)
    for forecast in seasonal_naive_forecasts(demand, years=[2023, 2024]):
        assert (forecast.point_mw < forecast.year).all(), forecast.year
    plain = seasonal_naive_forecasts(demand, years=[2023])[0]
    assert (plain.point_mw[-24:] == 2022.0).all()  # Dec 31, 2023: 104 weeks, Jan 1, 2022
    assert (plain.point_mw[:-24] == 2022.0).all()
    leap = seasonal_naive_forecasts(demand, years=[2024])[0]
    assert (leap.point_mw == 2023.0).all()  # Dec 30-31, 2024: 104 weeks, Jan 2-3, 2023


def test_the_naive_forecast_keeps_the_local_clock_hour_across_daylight_saving():
    """With the lag in absolute hours, Sydney's days between the two years' DST changes (they
    fall on different dates) took the load of the clock hour before or after. A load that is
    the local clock hour is forecast exactly in every hour of a decade's years, the 23- and
    25-hour days included."""
    times = _hourly("Australia/Sydney", "2010-01-01", "2020-12-31")
    demand = pd.Series(times.hour.to_numpy(dtype=np.float64), index=times)
    forecasts = seasonal_naive_forecasts(demand, years=list(range(2011, 2021)))
    assert [f.year for f in forecasts] == list(range(2011, 2021))
    for forecast in forecasts:
        in_year = times[times.year == forecast.year]
        expected = in_year.hour.to_numpy(dtype=np.float64)
        # The spring-forward hour exists in the target year on dates the source year skipped
        # it: it takes the hour before (01:00), as documented; every other hour is exact.
        skipped = np.flatnonzero(forecast.point_mw != expected)
        assert (expected[skipped] == 2.0).all() and (forecast.point_mw[skipped] == 1.0).all()
        assert skipped.size <= 14, forecast.year
        assert not np.isnan(forecast.point_mw).any()


def test_the_sample_crps_of_hand_checked_draws():
    """One draw: |x - y|. Draws {0, 2} and y = 1: mean |x - y| = 1, minus the half mean
    |x - x'| over the 4 pairs (0, 2, 2, 0)/4 / 2 = 0.5: 0.5. y = 5: 4 - 0.5 = 3.5."""
    assert sample_crps(np.array([[3.0]]), np.array([1.0])) == pytest.approx([2.0])
    draws = np.array([[0.0, 0.0], [2.0, 2.0]])
    assert sample_crps(draws, np.array([1.0, 5.0])) == pytest.approx([0.5, 3.5])
    assert np.isnan(sample_crps(draws, np.array([np.nan, 1.0]))[0])


def test_the_sample_crps_is_the_double_sum_and_the_integral_of_the_brier_score():
    """The sorted-draws form against the double sum it rewrites (Gneiting & Raftery 2007, eq.
    21), and against the CRPS's definition, the integral over x of (F(x) - 1{x >= y})^2 with F
    the draws' empirical distribution, on random draws."""
    rng = np.random.default_rng(3)
    draws, actual = rng.normal(100.0, 10.0, size=(37, 5)), rng.normal(100.0, 15.0, size=5)
    double_sum = np.mean(np.abs(draws - actual), axis=0) - np.abs(
        draws[:, None, :] - draws[None, :, :]
    ).sum(axis=(0, 1)) / (2 * 37**2)
    assert sample_crps(draws, actual) == pytest.approx(double_sum, rel=1e-12)
    grid = np.linspace(0.0, 200.0, 400_001)
    for hour in range(5):
        empirical = np.searchsorted(np.sort(draws[:, hour]), grid, side="right") / 37
        step = (grid >= actual[hour]).astype(float)
        integral = np.sum((empirical - step) ** 2) * (grid[1] - grid[0])
        assert sample_crps(draws, actual)[hour] == pytest.approx(integral, rel=1e-3)


def _year(actual: np.ndarray, *, hours: int = 8760, year: int = 2023, **fields) -> YearForecast:
    times = pd.date_range(f"{year}-01-01", periods=hours, freq="h", tz="Asia/Seoul")
    full = np.full(hours, 100.0)
    full[: len(actual)] = actual
    quantiles = np.tile(np.array([80.0, 90.0, 100.0, 110.0, 120.0])[:, None], (1, hours))
    defaults = {"point_mw": np.full(hours, 100.0), "peak_forecast_mw": 150.0,
                "quantile_mw": quantiles}  # fmt: skip
    return YearForecast(year=year, local_times=times, actual_mw=full, **{**defaults, **fields})


def test_standard_metrics_of_a_hand_checked_year():
    """A point forecast of 100 MW and a P10-P90 of 90-110 MW at every hour. 2023's actual: 100
    MW but 50 hours at 130 MW (above P90, the year's top hours) and 100 hours at 85 MW (below
    P10), so the one-sided misses differ and the top hours are all missed."""
    actual = np.full(8760, 100.0)
    actual[:50], actual[50:150] = 130.0, 85.0
    metrics = score_year(_year(actual, annual_peak_band_mw=(120.0, 140.0)))
    assert TOP_DEMAND_HOURS == 50
    assert metrics["mae_mw"] == pytest.approx((50 * 30 + 100 * 15) / 8760)
    assert metrics["rmse_mw"] == pytest.approx(np.sqrt((50 * 900 + 100 * 225) / 8760))
    bias = (-50 * 30 + 100 * 15) / 8760
    assert metrics["bias_mw"] == pytest.approx(bias) == 0.0
    assert metrics["bias_pct"] == pytest.approx(metrics["energy_error_pct"])
    assert metrics["above_p90_pct"] == pytest.approx(50 / 8760 * 100)
    assert metrics["below_p10_pct"] == pytest.approx(100 / 8760 * 100)
    assert metrics["coverage_80_pct"] == pytest.approx(100 - 150 / 8760 * 100)
    assert metrics["top_hours_coverage_80_pct"] == 0.0
    assert metrics["annual_peak_inside_80_pct"] == 100.0  # 130 MW in 120-140
    assert np.isnan(metrics["crps_mw"])  # no draws given
    outside = score_year(_year(actual, annual_peak_band_mw=(135.0, 140.0)))
    assert outside["annual_peak_inside_80_pct"] == 0.0


def test_a_partial_year_scores_its_hours_without_the_whole_year_metrics():
    """NSW's only data after its training, 2021-01-01..03-18, was refused: 'no complete
    calendar year'. A partial year keeps the hourly metrics; energy, the annual peak and its
    band are n/a (NaN)."""
    actual = np.full(24 * 77, 110.0)
    forecast = _year(actual, hours=24 * 77, annual_peak_band_mw=(100.0, 120.0))
    assert not forecast.complete
    assert forecast.period == ("2023-01-01", "2023-03-18")
    metrics = score_year(forecast)
    assert metrics["mape_pct"] == pytest.approx(100 / 11)
    assert metrics["mae_mw"] == pytest.approx(10.0)
    assert metrics["bias_pct"] == pytest.approx(-100 / 11)
    for column in ("energy_error_pct", "peak_error_pct", "annual_peak_inside_80_pct",
                   "annual_peak_p10_mw", "annual_peak_p90_mw"):  # fmt: skip
        assert np.isnan(metrics[column]), column


def test_the_mean_row_averages_signed_errors_in_absolute_value():
    low, high = np.full(8760, 90.0), np.full(8760, 110.0)
    table = metrics_table(
        [
            _year(low, annual_peak_band_mw=(80.0, 95.0)),
            _year(high, year=2025, annual_peak_band_mw=(0, 1)),
        ],
        label="ex_post",
    )
    mean = table.loc[("ex_post", MEAN_ROW)]
    assert mean["bias_mw"] == pytest.approx(10.0)  # |+10| and |-10|, not 0
    assert mean["annual_peak_inside_80_pct"] == pytest.approx(50.0)  # one year of two
    assert np.isnan(mean["annual_peak_p10_mw"])


def _flat_model_year(seed: int) -> tuple[BaselineModel, pd.Series]:
    """The synthetic model and a year of demand that is one of its own draws."""
    model = BaselineModel.from_parameters(synthetic_parameters())
    times = pd.date_range("2022-01-01", "2023-01-01", freq="h", tz="Asia/Seoul", inclusive="left")
    sample = sample_baseline(model, times, np.full((1, len(times)), 10.0), 1,
                             np.random.default_rng(seed), keep_draws=True)  # fmt: skip
    assert sample.draws_mw is not None
    return model, pd.Series(sample.draws_mw[0], index=times)


def test_keeping_the_draws_changes_no_number():
    """The draws kept for the CRPS come from the same generator: the quantiles, the point
    forecast and the annual peaks (what the backtest scores) stay bit for bit."""
    model, demand = _flat_model_year(7)
    times = pd.DatetimeIndex(demand.index)
    weather = np.full((1, len(times)), 10.0)
    plain = sample_baseline(model, times, weather, 50, np.random.default_rng(1))
    kept = sample_baseline(model, times, weather, 50, np.random.default_rng(1), keep_draws=True)
    assert plain.draws_mw is None and kept.draws_mw is not None
    np.testing.assert_array_equal(plain.quantile_mw, kept.quantile_mw)
    np.testing.assert_array_equal(plain.annual_peak_draws_mw, kept.annual_peak_draws_mw)
    np.testing.assert_array_equal(
        kept.quantile_mw, np.quantile(kept.draws_mw, kept.quantiles, axis=0)
    )


def test_the_coverage_standard_error_matches_the_spread_between_seeds():
    """The batch-means standard error of the 80 % coverage against the coverage's standard
    deviation over 12 seeds at 200 draws: within a factor of 2 (the spread of a standard
    deviation from 12 values alone is about ±20 %). A binomial error over the hours,
    sqrt(0.8 x 0.2 / 8760) = 0.4 pp, would claim far more precision than the seeds show: the
    hours share each draw's level."""
    model, demand = _flat_model_year(11)
    weather = np.full((1, len(demand)), 10.0)
    coverages, errors = [], []
    for seed in range(12):
        (forecast,) = model_forecasts(model, demand, weather_for_year=weather, n_draws=200,
                                      seed=seed)  # fmt: skip
        metrics = score_year(forecast)
        coverages.append(metrics["coverage_80_pct"])
        errors.append(metrics["coverage_80_mc_se_pp"])
    spread = float(np.std(coverages, ddof=1))
    assert 0.5 < float(np.mean(errors)) / spread < 2.0, (np.mean(errors), spread)
    assert EVALUATION_QUANTILES[1] == 0.1


def test_the_pit_is_the_actuals_mid_rank_among_the_draws():
    """Draws 0..8 (D = 9) at every hour: an actual below all of them has rank 0, PIT 0.5 / 10;
    between the 5th and 6th draw rank 5, 5.5 / 10; above all rank 9, 9.5 / 10. Ten hours
    whose actuals take each rank once fill the ten bins once each: the mid-rank keeps the
    outer bins as wide, in ranks, as the inner ones. NaN actual: no PIT."""
    draws = np.tile(np.arange(9.0)[:, None], (1, 11))
    actual = np.r_[np.arange(10.0) - 0.5, np.nan]
    pit = probability_integral_transform(draws, actual)
    assert pit[[0, 5, 9]] == pytest.approx([0.05, 0.55, 0.95])
    assert np.isnan(pit[10])
    histogram = pit_histogram([_year(actual[:10], hours=10, pit=pit)])
    assert histogram["counts"] == [1] * PIT_BINS
    assert histogram["share_pct"] == pytest.approx([10.0] * PIT_BINS)
    assert histogram["edges"][0] == 0.0 and histogram["edges"][-1] == 1.0
    assert histogram["hours"] == 10


def test_the_pit_histogram_is_flat_for_a_calibrated_forecast_and_u_shaped_for_narrow_draws():
    """Actuals drawn from the draws' own distribution fill each bin with about 10 %; draws
    half as wide (their P10 at -1.2816 / 2) leave Φ(-0.6408) = 26.1 % of the actuals in each
    outer bin and about 5 % in each middle one."""
    rng = np.random.default_rng(5)
    draws, actual = rng.normal(size=(400, 20_000)), rng.normal(size=20_000)
    calibrated = pit_histogram(
        [_year(actual, hours=20_000, pit=probability_integral_transform(draws, actual))]
    )
    assert np.allclose(calibrated["share_pct"], 10.0, atol=0.8), calibrated["share_pct"]
    narrow = pit_histogram(
        [_year(actual, hours=20_000, pit=probability_integral_transform(draws / 2, actual))]
    )
    assert narrow["share_pct"][0] == pytest.approx(26.1, abs=1.5)
    assert narrow["share_pct"][-1] == pytest.approx(26.1, abs=1.5)
    assert max(narrow["share_pct"][3:7]) < 6.0


def test_calibration_by_hour_and_season_of_a_hand_checked_year():
    """P10-P90 of 90-110 MW and a point forecast of 100 MW at every hour of 2023. The actual is
    130 MW at 18:00 every day (above P90, bias -30 MW), 85 MW at 03:00 in July (below P10,
    bias +15 MW), else 100 MW. By hour: 18:00 covers 0 %, 03:00 covers 334 of 365 days.
    By season (pooled over the year: Jan, Feb and Dec in one DJF): every season has its
    18:00 hours outside, JJA also July's 31 hours at 03:00."""
    times = pd.date_range("2023-01-01", periods=8760, freq="h", tz="Asia/Seoul")
    actual = np.full(8760, 100.0)
    actual[times.hour == 18] = 130.0
    actual[(times.hour == 3) & (times.month == 7)] = 85.0
    actual[100] = np.nan  # masked: not scored (04:00 Jan 5)
    table = calibration_table([_year(actual)], by="hour")
    assert list(table.index) == list(range(24)) and table.index.name == "hour"
    assert table.loc[18, "coverage_80_pct"] == 0.0
    assert table.loc[18, "above_p90_pct"] == 100.0
    assert table.loc[18, "bias_mw"] == pytest.approx(-30.0)
    assert table.loc[18, "bias_pct"] == pytest.approx(-30.0 / 130.0 * 100.0)
    assert table.loc[3, "coverage_80_pct"] == pytest.approx(334 / 365 * 100.0)
    assert table.loc[3, "below_p10_pct"] == pytest.approx(31 / 365 * 100.0)
    assert table.loc[3, "bias_mw"] == pytest.approx(15.0 * 31 / 365)
    assert table.loc[4, "hours"] == 364 and table.loc[5, "hours"] == 365
    assert table.loc[5, "coverage_80_pct"] == 100.0 and table.loc[5, "bias_mw"] == 0.0

    seasons = calibration_table([_year(actual)], by="season")
    assert list(seasons.index) == ["DJF", "MAM", "JJA", "SON"]
    assert list(seasons["hours"]) == [2160 - 1, 2208, 2208, 2184]
    assert seasons.loc["DJF", "coverage_80_pct"] == pytest.approx((1 - 90 / 2159) * 100.0)
    assert seasons.loc["JJA", "coverage_80_pct"] == pytest.approx((1 - (92 + 31) / 2208) * 100)
    assert seasons.loc["JJA", "below_p10_pct"] == pytest.approx(31 / 2208 * 100.0)
    assert season_label("DJF") == "DJF (Dec-Feb)"
    assert season_label("SON") == "SON (Sep-Nov)"


def test_the_calibration_json_carries_both_groupings_and_the_pit():
    actual = np.full(8760, 100.0)
    pit = np.full(8760, 0.55)
    numbers = calibration_json([_year(actual, pit=pit)])
    assert [row["hour"] for row in numbers["by_hour"]] == list(range(24))
    assert [row["season"] for row in numbers["by_season"]] == ["DJF", "MAM", "JJA", "SON"]
    assert numbers["by_season"][0]["months"] == [12, 1, 2]
    assert numbers["by_hour"][0] == {"hour": 0, "hours": 365, "coverage_80_pct": 100.0,
                                     "below_p10_pct": 0.0, "above_p90_pct": 0.0,
                                     "bias_mw": 0.0, "bias_pct": 0.0}  # fmt: skip
    assert numbers["pit"]["counts"] == [0] * 5 + [8760] + [0] * 4
    line = format_pit("ex_post", numbers["pit"])
    assert line.startswith("PIT ex_post (8760 h; 10 bins, 10 % each if calibrated): 0.0 ")
    assert "outer bins 0.0 % (actual in the draws' lowest tenth) and 0.0 % (highest)" in line


def test_an_unknown_grouping_is_refused_naming_it():
    with pytest.raises(OptionsError, match=r"^--by = 'week': allowed: hour, season"):
        check_groupings(["hour", "week"])
    assert check_groupings(["season", "hour", "season"]) == ["season", "hour"]
