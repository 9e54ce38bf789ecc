"""The hour-of-day noise scale of issue 13's eighth round (measurement only, default off)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.baseline.features import FeatureSpec, calendar_features, feature_names
from forecast.baseline.model import BaselineModel, hourly_lognormal, sample_baseline
from models.fit import hour_noise_scale

SPEC = FeatureSpec(country="KR")
TIMES = pd.date_range("2019-01-01", "2020-12-31 23:00", freq="h", tz="Asia/Seoul")


def _residual(sd_of_hour: np.ndarray, *, off_factor: float = 1.0, seed: int = 0) -> pd.Series:
    """Normal residuals with sd ``sd_of_hour[h]`` at local hour h (× ``off_factor`` on days
    off), a few masked hours."""
    rng = np.random.default_rng(seed)
    calendar = calendar_features(TIMES, spec=SPEC)
    sd = sd_of_hour[calendar.hour] * np.where(calendar.is_off, off_factor, 1.0)
    values = rng.standard_normal(len(TIMES)) * sd
    values[100:130] = np.nan
    return pd.Series(values, index=TIMES)


def test_hour_scale_is_each_hours_residual_sd_over_the_overall_sd():
    sd_of_hour = np.where(np.arange(24) // 6 == 2, 0.03, 0.01)  # 12:00-17:00 three times
    residual = _residual(sd_of_hour)
    scale = hour_noise_scale(residual, SPEC, "none")
    assert scale.shape == (1, 24)
    values = residual.to_numpy()
    hours = TIMES.hour.to_numpy()
    expected = [np.nanstd(values[hours == h], ddof=1) for h in range(24)]
    np.testing.assert_allclose(scale[0], np.array(expected) / np.nanstd(values, ddof=1))
    overall = np.sqrt(np.mean(sd_of_hour**2))
    np.testing.assert_allclose(scale[0], sd_of_hour / overall, rtol=0.06)  # 730 days a cell
    # Days off apart: two rows, days off twice as variable as workdays at every hour.
    split = hour_noise_scale(_residual(sd_of_hour, off_factor=2.0), SPEC, "day_off")
    assert split.shape == (2, 24)
    np.testing.assert_allclose(split[1] / split[0], 2.0, rtol=0.2)
    assert hour_noise_scale(residual, SPEC, "season").shape == (4, 24)


def test_the_noise_keeps_mean_one_at_every_hour():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((200_000, 1)) * np.ones((1, 24))  # one day's z at every hour
    sd = 0.04 * np.linspace(0.5, 2.0, 24)
    noise = hourly_lognormal(z, sd)
    np.testing.assert_allclose(noise.mean(axis=0), 1.0, atol=4 * sd.max() / np.sqrt(200_000))
    np.testing.assert_allclose(np.log(noise).std(axis=0), sd, rtol=0.01)
    # One day's factor: perfectly correlated across its hours (one z a day).
    assert np.corrcoef(np.log(noise[:, 0]), np.log(noise[:, 23]))[0, 1] == pytest.approx(1.0)


def _parameters(hour_scale: list | None) -> dict:
    names = feature_names(SPEC)
    noise = {"autocorrelation": 0.5, "sd": 0.03, "residual_sd": 0.03}
    if hour_scale is not None:
        noise |= {"hour_scale": hour_scale, "hour_scale_split": "none"}
    return {
        "format_version": 1, "timezone": "Asia/Seoul", "feature_spec": SPEC.to_dict(),
        "shape": {"feature_names": names, "coefficients": [0.0] * len(names),
                  "log_normaliser": 0.0},
        "level": {"intercept": float(np.log(50_000.0)), "slope": 0.0, "origin_year": 2018,
                  "covariance": [[0.0, 0.0], [0.0, 0.0]], "residual_scale": 1e-6,
                  "degrees_of_freedom": 1000},
        "noise": noise,
    }  # fmt: skip


def test_an_hour_scale_of_one_draws_what_a_model_without_one_draws():
    """An artifact without ``hour_scale`` reads as r = 1; r = 1 gives the same draws (the same
    random numbers, in the same order), and r widens each hour's draws by its own factor."""
    times = TIMES[TIMES.year == 2019]
    temperature = np.full((1, len(times)), 15.0)
    samples = {}
    for name, scale in {"none": None, "ones": [1.0] * 24, "wide": [1.0] * 12 + [3.0] * 12}.items():
        model = BaselineModel.from_parameters(_parameters(scale))
        assert (model.noise_hour_scale is None) == (scale is None)
        samples[name] = sample_baseline(
            model, times, temperature, 300, np.random.default_rng(0), keep_draws=True
        )
    np.testing.assert_allclose(samples["ones"].draws_mw, samples["none"].draws_mw, rtol=1e-12)
    log_draws = np.log(samples["wide"].draws_mw)
    hours = times.hour.to_numpy()
    spread = log_draws.std(axis=0)
    ratio = spread[hours >= 12].mean() / spread[hours < 12].mean()
    assert ratio == pytest.approx(3.0, rel=0.05)
