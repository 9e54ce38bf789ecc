"""Training on a small synthetic slice: artifact round trip, tamper refusal, promotion rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecast import artifacts
from forecast.baseline import BaselineModel, load_baseline_model
from forecast.errors import ArtifactError
from models.fit import fit_baseline, with_calibration
from models.train import load_config, load_training_data, main

CONFIG = """
[model]
id = "toy-grid"
country = "KR"
timezone = "Asia/Seoul"

[data]
demand_file = "demand.csv"
temperature_source = "file"
temperature_file = "temperature.csv"
first_year = 2019
last_year = 2022

[training]
shape_window_years = 3
level_window_years = 3
ridge_penalty = {ridge}

[backtest]
years = [2022]
draws = 60
"""


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    """Four years of synthetic hourly demand driven by hour, weekday, trend and temperature."""
    directory = tmp_path_factory.mktemp("synthetic")
    times = pd.date_range("2019-01-01", "2022-12-31 23:00", freq="h", tz="Asia/Seoul")
    rng = np.random.default_rng(0)
    day_of_year = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    temperature = (
        12
        - 14 * np.cos(2 * np.pi * (day_of_year - 15) / 365)
        + 4 * np.sin(2 * np.pi * (hour - 9) / 24)
        + rng.normal(0, 1.5, len(times))
    )
    years = times.year.to_numpy() - 2019
    weekend = times.day_of_week.to_numpy() >= 5
    demand = (60_000 * 1.02**years * (1 + 0.12 * np.sin(2 * np.pi * (hour - 8) / 24))
              * np.where(weekend, 0.85, 1.0)
              * (1 + 0.01 * np.maximum(16 - temperature, 0)
                 + 0.015 * np.maximum(temperature - 22, 0))
              * np.exp(rng.normal(0, 0.01, len(times))))  # fmt: skip
    stamps = [stamp.isoformat() for stamp in times]
    pd.DataFrame({"timestamp": stamps, "demand_mw": np.round(demand).astype(int)}).to_csv(
        directory / "demand.csv", index=False
    )
    pd.DataFrame({"timestamp": stamps, "temp_c": np.round(temperature, 1)}).to_csv(
        directory / "temperature.csv", index=False
    )
    return directory


def _config(tmp_path, *, ridge: float, name: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(CONFIG.format(ridge=ridge), encoding="utf-8")
    return path


def test_training_publishes_an_artifact_that_predicts_the_same_numbers(synthetic_dir, tmp_path):
    root = tmp_path / "artifacts"
    config_path = _config(tmp_path, ridge=1e-3, name="good")
    arguments = ["--config", str(config_path), "--data-dir", str(synthetic_dir),
                 "--artifact-dir", str(root)]  # fmt: skip
    assert main([*arguments, "--version", "v1"]) == 0
    loaded = load_baseline_model("toy-grid", root=root)
    assert loaded.version == "v1"
    assert loaded.manifest["metrics"]["ex_ante"]["mape_pct"] < loaded.manifest["metrics"][
        "seasonal_naive"]["mape_pct"]  # fmt: skip

    config = load_config(config_path, data_dir=synthetic_dir)
    demand, temperature = load_training_data(config)
    factor = loaded.manifest["parameters_summary"]["calibration_factor"]
    refit = BaselineModel.from_parameters(
        with_calibration(fit_baseline(demand, temperature, config, last_year=2022), factor)
    )
    times = demand.index[-24 * 30 :]
    weather = temperature[times].to_numpy()[None, :]
    np.testing.assert_allclose(loaded.shape(times, weather), refit.shape(times, weather),
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(loaded.level_median(np.array([2023, 2024])),
                               refit.level_median(np.array([2023, 2024])), rtol=1e-12)  # fmt: skip
    assert loaded.noise_sd == pytest.approx(refit.noise_sd)

    # A worse model (ridge penalty so strong that the shape is nearly flat) is published but
    # not promoted.
    worse = _config(tmp_path, ridge=1e4, name="worse")
    assert main(["--config", str(worse), "--data-dir", str(synthetic_dir),
                 "--artifact-dir", str(root), "--version", "v2"]) == 0  # fmt: skip
    assert artifacts.list_models(root) == {"toy-grid": ["v1", "v2"]}
    assert artifacts.current_version("toy-grid", root=root) == "v1"

    # Changed bytes in the published parameters are refused with a clear error.
    parameters_path = root / "toy-grid" / "v1" / "parameters.json"
    parameters = json.loads(parameters_path.read_text())
    parameters["level"]["slope"] += 0.01
    parameters_path.write_text(json.dumps(parameters))
    with pytest.raises(ArtifactError, match=r"sha256 .* modified after publishing"):
        load_baseline_model("toy-grid@v1", root=root)
