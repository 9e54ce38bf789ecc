"""Baseline inference: hand-checkable parameters, Monte Carlo composition, day types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.baseline import model as baseline_model
from forecast.baseline.evaluation import pinball_loss
from forecast.baseline.features import DAY_TYPES, FeatureSpec, day_types, feature_names
from forecast.baseline.model import FORMAT_VERSION, BaselineModel, sample_baseline, standard_ar1
from forecast.errors import ArtifactError, NotFoundError

SPEC = FeatureSpec(country="KR")


def _parameters(*, level_mw=50_000.0, slope=0.0, residual_scale=0.0, noise_sd=0.0) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "timezone": "Asia/Seoul",
        "feature_spec": SPEC.to_dict(),
        "shape": {
            "feature_names": feature_names(SPEC),
            "coefficients": [0.0] * len(feature_names(SPEC)),
            "log_normaliser": 0.0,
        },
        "level": {
            "intercept": float(np.log(level_mw)), "slope": slope, "origin_year": 2024,
            "covariance": [[0.0, 0.0], [0.0, 0.0]], "residual_scale": residual_scale,
            "degrees_of_freedom": 5,
        },
        "noise": {"autocorrelation": 0.5, "sd": noise_sd},
    }  # fmt: skip


def _times(days: int = 3) -> pd.DatetimeIndex:
    return pd.date_range("2025-01-01", periods=24 * days, freq="h", tz="Asia/Seoul")


def test_zero_coefficients_give_a_flat_shape_and_a_fixed_level():
    model = BaselineModel.from_parameters(_parameters())
    shape = model.shape(_times(), np.full((2, 72), 10.0))
    np.testing.assert_allclose(shape, 1.0)
    np.testing.assert_allclose(model.level_median(np.array([2024, 2025])), 50_000.0)
    draws = model.level_draws(np.array([2025, 2026]), 7, np.random.default_rng(0))
    assert draws.shape == (7, 2)
    np.testing.assert_allclose(draws, 50_000.0)


def test_level_trend_compounds_per_year():
    model = BaselineModel.from_parameters(_parameters(slope=np.log(1.02)))
    np.testing.assert_allclose(model.level_median(np.array([2025, 2026])), [51_000.0, 52_020.0])


def test_daily_noise_has_mean_one_and_the_ar1_correlation():
    model = BaselineModel.from_parameters(_parameters(noise_sd=0.03))
    noise = model.daily_noise_draws(400, 500, np.random.default_rng(1))
    assert abs(noise.mean() - 1.0) < 0.002
    paths = standard_ar1(400, 500, 0.5, np.random.default_rng(2))
    lag_one = np.mean(paths[:, 1:] * paths[:, :-1])
    assert abs(lag_one - 0.5) < 0.03


def _keyed(seed: int):
    from forecast.engine.sampling import Streams

    return Streams(seed).keyed("baseline_level")


def test_a_projections_level_paths_are_the_level_models_t_year_by_year_with_one_scale_a_draw():
    """level_paths draws each year as level_draws does (the trend's median times exp of the
    scale x Student t with the level's degrees of freedom; KS test on 20,000 draws), and a
    draw's years share its scale: |deviation| is correlated across years (independent t draws
    would not be)."""
    from scipy import stats

    model = BaselineModel.from_parameters(_parameters(residual_scale=0.02))
    years = np.array([2025, 2026])  # one and two years after the origin, 2024
    spread = np.sqrt((3 + (years - 2024)) / 4)  # the horizon's (_horizon_innovations)
    deviation = np.log(model.level_paths(years, 20_000, _keyed(5)) / 50_000.0) / 0.02 / spread
    for year in range(2):
        assert stats.kstest(deviation[:, year], stats.t(df=5).cdf).pvalue > 1e-3

    def own_shocks(innovation):  # z_2025 and z_2026 (e_2026 = z_2026 + z_2025 / 2)
        return innovation[:, 0], innovation[:, 1] - 0.5 * innovation[:, 0]

    first, second = own_shocks(deviation * spread)
    assert np.corrcoef(np.abs(first), np.abs(second))[0, 1] > 0.1  # one scale per draw
    first, second = own_shocks(
        np.log(model.level_draws(years, 20_000, np.random.default_rng(5)) / 5e4) / 0.02
    )
    assert abs(np.corrcoef(np.abs(first), np.abs(second))[0, 1]) < 0.05  # a t per year


def test_the_levels_spread_grows_with_the_horizon_and_the_year_ahead_keeps_the_backtested_one():
    """A forecaster found the level's 80 % band as wide six years ahead as one year ahead
    (NSW's covered no year's energy at six years): the random-walk half of the level forecast
    now carries the shocks since the origin. One year ahead the draws are the old formula's,
    bit for bit (the backtest's calibration stands); h years ahead the variance is (3 + h) / 4
    of it, in both samplers."""
    model = BaselineModel.from_parameters(_parameters(residual_scale=0.02))
    year_ahead = model.level_draws(np.array([2025]), 5_000, np.random.default_rng(9))
    rng, level = np.random.default_rng(9), model.level  # the formula before, step by step
    centre, spread = np.array([level.intercept, level.slope]), level.spread_factor
    parameters = rng.multivariate_normal(centre, spread * spread * level.covariance, 5_000)
    innovation = spread * level.residual_scale * rng.standard_t(5, size=(5_000, 1))
    by_hand = np.exp(parameters @ level.regressors(np.array([2025])).T + innovation)
    np.testing.assert_array_equal(year_ahead, by_hand)
    _assert_horizon_variance(model, [1.0, 9 / 4, 14 / 4])


def _assert_horizon_variance(model: BaselineModel, ratios: list[float]) -> None:
    """The level's log variance 1, 6 and 11 years after the origin (2024), over the first's,
    is ``ratios`` in both samplers (40,000 draws)."""
    years = np.array([2025, 2030, 2035])
    for draws in (
        model.level_draws(years, 40_000, np.random.default_rng(3)),
        model.level_paths(years, 40_000, _keyed(3)),
    ):
        variance = np.var(np.log(draws / 5e4), axis=0)
        np.testing.assert_allclose(variance / variance[0], ratios, rtol=0.06)


def test_with_a_third_trend_the_random_walks_carry_two_thirds_of_the_shocks_since_the_origin():
    """The momentum member (issue 13, ninth round) makes the level a third trend and two thirds
    random walks, which share the shocks: h years ahead the variance is 1 + (2/3)² (h − 1) of
    the year ahead's (29/9 at 6 years, 49/9 at 11), in both samplers."""
    parameters = _parameters(residual_scale=0.02)
    parameters["level"]["trend_weight"] = 1 / 3
    _assert_horizon_variance(BaselineModel.from_parameters(parameters), [1.0, 29 / 9, 49 / 9])


def test_a_draws_level_and_noise_are_the_same_whatever_the_draws_and_the_years_around_it():
    """Draw d of a year gets the same level and daily noise in a projection of 30 or 60 draws
    and of one year or three (the streams are keyed by calendar year, each draw's numbers in
    one run)."""
    model = BaselineModel.from_parameters(_parameters(residual_scale=0.02, noise_sd=0.03))
    one = model.level_paths(np.array([2027]), 30, _keyed(1))
    three = model.level_paths(np.array([2026, 2027, 2028]), 60, _keyed(1))
    np.testing.assert_array_equal(one[:, 0], three[:30, 1])
    noise = _keyed(2)
    short = model.daily_noise_by_year([(2027, 31, 28, 365)], 30, noise)  # February
    long = model.daily_noise_by_year([(2026, 0, 365, 365), (2027, 0, 365, 365)], 60, noise)
    np.testing.assert_array_equal(short, long[:30, 365 + 31 : 365 + 59])
    lag_one = np.corrcoef(np.log(long[:, 1:365]).ravel(), np.log(long[:, :364]).ravel())[0, 1]
    assert abs(lag_one - 0.5) < 0.05  # the fitted AR(1) inside a year


def test_sample_baseline_composition_and_ordered_quantiles():
    model = BaselineModel.from_parameters(_parameters(residual_scale=0.02, noise_sd=0.03))
    sample = sample_baseline(model, _times(), np.full((3, 72), 5.0), 400,
                             np.random.default_rng(3))  # fmt: skip
    assert sample.quantile_mw.shape == (5, 72)
    assert (np.diff(sample.quantile_mw, axis=0) >= 0).all()
    np.testing.assert_allclose(sample.point_mw, 50_000.0)
    assert sample.annual_peak_draws_mw.shape == (400, 1)
    again = sample_baseline(model, _times(), np.full((3, 72), 5.0), 400,
                            np.random.default_rng(3))  # fmt: skip
    np.testing.assert_array_equal(sample.quantile_mw, again.quantile_mw)


def test_malformed_parameters_are_refused():
    parameters = _parameters()
    del parameters["level"]["slope"]
    with pytest.raises(ArtifactError, match="malformed"):
        BaselineModel.from_parameters(parameters)
    parameters = _parameters()
    parameters["shape"]["feature_names"] = ["x"]
    with pytest.raises(ArtifactError, match="another feature set"):
        BaselineModel.from_parameters(parameters)


def test_unknown_model_reference_is_not_found(tmp_path):
    from forecast.baseline.model import load_baseline_model

    with pytest.raises(NotFoundError):
        load_baseline_model("nothing@v1", root=tmp_path)


def test_korean_lunar_new_year_2024_is_a_holiday_block_with_an_after_block_day():
    dates = np.arange(np.datetime64("2024-02-08"), np.datetime64("2024-02-15"))
    names = [DAY_TYPES[k] for k in day_types(dates, country="KR")]
    # 2024-02-09..12: Seollal eve, Seollal, second day, substitute holiday (Fri..Mon).
    assert names == ["midweek", "holiday_block", "holiday_block", "holiday_block",
                     "holiday_block", "after_block", "midweek"]  # fmt: skip


def test_pinball_loss_hand_case():
    # q=0.5 of 10 for actual 12: 0.5 * 2 = 1; q=0.9 of 10: 0.9 * 2 = 1.8; mean = 1.4.
    assert pinball_loss(np.array([12.0]), np.array([[10.0], [10.0]]), [0.5, 0.9]) == 1.4


def test_partial_days_off_are_a_tenth_day_type_on_workdays_only():
    spec = FeatureSpec(country="KR", partial_days_off=["05-01", "12-31"])
    assert spec.partial_days_off == ("05-01", "12-31")
    assert spec.day_type_names() == (*DAY_TYPES, "partial_off")
    # 2023-05-01 is a Monday (partial day off); 2022-12-31 is a Saturday (stays a Saturday).
    dates = np.array(["2023-05-01", "2023-05-02", "2022-12-31"], dtype="datetime64[D]")
    types = day_types(dates, country="KR", partial_days_off=spec.partial_days_off)
    assert [spec.day_type_names()[k] for k in types] == ["partial_off", "midweek", "saturday"]
    assert len(feature_names(spec)) == len(feature_names(SPEC)) + 24


def test_a_spec_without_partial_days_off_keeps_the_nine_day_types_of_older_artifacts():
    assert SPEC.day_type_names() == DAY_TYPES
    assert FeatureSpec(**SPEC.to_dict()) == SPEC


def test_a_malformed_partial_day_off_is_refused():
    from forecast.errors import DataError

    with pytest.raises(DataError, match=r"partial_days_off entry '5/1'; allowed: .*'MM-DD'"):
        FeatureSpec(country="KR", partial_days_off=["5/1"])


def test_level_spread_factor_scales_the_level_deviations_and_defaults_to_one():
    parameters = _parameters(residual_scale=0.02)
    assert "spread_factor" not in parameters["level"]  # as in artifacts written before it
    narrow = BaselineModel.from_parameters(parameters)
    assert narrow.level.spread_factor == 1.0
    parameters["level"]["spread_factor"] = 2.0
    wide = BaselineModel.from_parameters(parameters)
    years = np.array([2025, 2026])
    narrow_draws = narrow.level_draws(years, 50, np.random.default_rng(4))
    wide_draws = wide.level_draws(years, 50, np.random.default_rng(4))
    np.testing.assert_allclose(
        np.log(wide_draws / 50_000.0), 2.0 * np.log(narrow_draws / 50_000.0), atol=1e-12
    )


def test_shape_is_remembered_for_the_same_times_and_temperatures_only():
    """A model looks a repeated (times, temperatures) shape up, and so does the same model
    loaded again (each projection of the library loads it); anything else differs."""
    parameters = _parameters()
    rng = np.random.default_rng(4)
    parameters["shape"]["coefficients"] = list(rng.normal(0.0, 0.01, len(feature_names(SPEC))))
    model = BaselineModel.from_parameters(parameters)
    temperature = rng.normal(15.0, 8.0, (2, 72))
    first = model.shape(_times(), temperature)
    assert model.shape(_times(), temperature.copy()) is first
    assert BaselineModel.from_parameters(parameters).shape(_times(), temperature) is first
    assert not first.flags.writeable  # shared between callers: nobody may change it
    other = {**parameters, "shape": {**parameters["shape"]}}
    other["shape"]["coefficients"] = list(rng.normal(0.0, 0.01, len(feature_names(SPEC))))
    refitted = BaselineModel.from_parameters(other).shape(_times(), temperature)
    assert refitted is not first and not np.array_equal(refitted, first)
    warmer = model.shape(_times(), temperature + 1.0)
    assert warmer is not first and not np.array_equal(warmer, first)
    shifted = model.shape(_times() + pd.Timedelta(days=1), temperature)
    assert shifted is not first and not np.array_equal(shifted, first)
    in_utc = model.shape(_times().tz_convert("UTC"), temperature)
    np.testing.assert_array_equal(in_utc, first)  # the same instants give the same shape
    for offset in range(6):
        model.shape(_times(), temperature + 2.0 + offset)
    assert len(baseline_model._SHAPES) == 4  # bounded


# --- Hourly shapes kept on disk between runs (BaselineModel.shape, SHAPE_CACHE) ------------


@pytest.fixture
def shape_cache(tmp_path, monkeypatch):
    """An empty shape cache of the test's own, and no shape remembered in memory."""
    monkeypatch.setattr(baseline_model, "SHAPE_CACHE", tmp_path / "shapes")
    monkeypatch.setattr(baseline_model, "_SHAPES", baseline_model.SharedArrays(kept=4))
    monkeypatch.delenv("FORECAST_SHAPE_CACHE", raising=False)
    return tmp_path / "shapes"


def _shaped_model() -> tuple[BaselineModel, np.ndarray]:
    parameters = _parameters()
    rng = np.random.default_rng(7)
    parameters["shape"]["coefficients"] = list(rng.normal(0.0, 0.01, len(feature_names(SPEC))))
    return BaselineModel.from_parameters(parameters), rng.normal(15.0, 8.0, (2, 72))


def _forget_shapes(monkeypatch) -> None:
    """A new process: nothing in memory, and computing a shape is an error."""
    monkeypatch.setattr(baseline_model, "_SHAPES", baseline_model.SharedArrays(kept=4))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the shape was computed, not read from disk")

    monkeypatch.setattr(baseline_model, "predict_ensemble", refuse)


def test_a_shape_comes_back_from_disk_in_a_new_process(shape_cache, monkeypatch):
    model, temperature = _shaped_model()
    first = model.shape(_times(), temperature, after=24)
    assert len(list(shape_cache.glob("*.npz"))) == 1
    _forget_shapes(monkeypatch)
    again = model.shape(_times(), temperature, after=24)
    np.testing.assert_array_equal(again, first)  # bit for bit
    assert again.shape == (2, 48) and again.flags.c_contiguous and not again.flags.writeable
    # Anything the shape depends on is another file: the temperatures, the warm-up hours.
    monkeypatch.undo()
    monkeypatch.setattr(baseline_model, "SHAPE_CACHE", shape_cache)
    model.shape(_times(), temperature + 1.0, after=24)
    model.shape(_times(), temperature, after=0)
    assert len(list(shape_cache.glob("*.npz"))) == 3


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "other-shape"])
def test_a_damaged_shape_file_is_computed_and_written_again(shape_cache, monkeypatch, damage):
    model, temperature = _shaped_model()
    expected = model.shape(_times(), temperature).copy()
    (written,) = shape_cache.glob("*.npz")
    data = written.read_bytes()
    if damage == "truncated":
        written.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # a byte of the array itself: the zip's CRC-32 catches it
        middle = len(data) // 2
        written.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif damage == "garbage":
        written.write_bytes(b"not a zip file")
    else:
        with written.open("wb") as handle:
            np.savez(handle, shape=np.ones((3, 5)))
    monkeypatch.setattr(baseline_model, "_SHAPES", baseline_model.SharedArrays(kept=4))
    np.testing.assert_array_equal(model.shape(_times(), temperature), expected)
    _forget_shapes(monkeypatch)  # written again, whole
    np.testing.assert_array_equal(model.shape(_times(), temperature), expected)


def test_the_shape_cache_keeps_the_most_recently_used_files(shape_cache, monkeypatch):
    monkeypatch.setattr(baseline_model, "SHAPE_FILES_KEPT", 3)
    model, temperature = _shaped_model()
    for offset in range(5):
        model.shape(_times(), temperature + offset)
    assert len(list(shape_cache.glob("*.npz"))) == 3


def test_the_shape_cache_can_be_turned_off(shape_cache, monkeypatch):
    monkeypatch.setenv("FORECAST_SHAPE_CACHE", "0")
    model, temperature = _shaped_model()
    model.shape(_times(), temperature)
    assert not shape_cache.exists()


def test_shapes_work_where_the_cache_cannot_be_written(shape_cache, monkeypatch):
    # Below a file, no directory can be made, whoever runs the test (root included).
    shape_cache.parent.joinpath("a-file").write_text("")
    monkeypatch.setattr(baseline_model, "SHAPE_CACHE", shape_cache.parent / "a-file" / "x")
    model, temperature = _shaped_model()
    assert model.shape(_times(), temperature).shape == (2, 72)


def test_a_sampled_periods_first_days_have_the_shape_a_longer_period_gives_them():
    """sample_baseline (/v1/baseline, evaluate ex ante) with a weather ensemble warms the
    shape's smoothed temperatures up on the days before the period, as a projection does: a
    reviewer found Sydney's first January week 7 % off a longer period's."""
    from forecast.baseline.model import load_baseline_model
    from forecast.weather import load_weather

    model = load_baseline_model("au-nsw-baseline")
    weather = load_weather("typical", location="sydney-bankstown")

    def point(start, days):
        times = pd.date_range(start, periods=24 * days, freq="h", tz="Australia/Sydney")
        return sample_baseline(model, times, weather, 5, np.random.default_rng(0)).point_mw

    week = point("2030-01-01", 7)
    longer = point("2029-12-01", 38)
    np.testing.assert_allclose(week, longer[-24 * 7 :], rtol=1e-12)


def test_a_year_the_model_was_fitted_on_takes_its_observed_level_in_every_draw():
    """A planner projecting 2024-2035 on Korea's model (fitted on 2013-2024) saw 2024, a year
    of history, drawn as a forecast: a band of +/-3.5 % around half the trend's value and half
    the observed one. In a projection a fitted year now takes its observed normalised level
    in every draw; the years after it keep their draws bit for bit, and the backtest's sampler
    (level_draws, which scores forecasts) still forecasts every year."""
    import dataclasses

    parameters = _parameters(residual_scale=0.02)
    parameters["level"]["normalised_level_mw"] = {"2022": 47_000.0, "2023": 48_000.0,
                                                  "2024": 49_000.0}  # fmt: skip
    model = BaselineModel.from_parameters(parameters)
    years = np.array([2023, 2024, 2025, 2026])
    paths = model.level_paths(years, 200, _keyed(4))
    np.testing.assert_array_equal(paths[:, 0], 48_000.0)
    np.testing.assert_array_equal(paths[:, 1], 49_000.0)
    unobserved = dataclasses.replace(model, level=dataclasses.replace(model.level, observed_mw={}))
    before = unobserved.level_paths(years, 200, _keyed(4))
    np.testing.assert_array_equal(paths[:, 2:], before[:, 2:])
    assert np.std(before[:, 1]) > 0.01 * 49_000.0  # the old draws of 2024: a forecast's band
    assert np.std(model.level_draws(np.array([2024]), 200, np.random.default_rng(0))) > 0.0
    note = model.level.describe(years)
    assert "2023 48,000 MW, 2024 49,000 MW" in note
    assert "2025-2026 forecast from the origin year 2024" in note


def test_an_artifact_without_observed_levels_forecasts_every_year():
    """Older parameter files have no normalised_level_mw: nothing is taken as observed."""
    model = BaselineModel.from_parameters(_parameters(residual_scale=0.02))
    assert model.level.observed_mw == {}
    assert np.std(model.level_paths(np.array([2024]), 200, _keyed(4))) > 0.0
    assert model.level.describe(np.array([2024])).startswith("2024 forecast")
