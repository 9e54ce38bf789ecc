"""Train the baseline national demand model, backtest it, publish it, promote it if better.

Usage::

    forecast-train --config models/configs/kr.toml
    python -m models.train --config models/configs/kr.toml [--artifact-dir DIR] [--no-promote]

Steps: load demand and temperature (paths, columns, time zone and holiday country from the
config), run the rolling-origin backtest with its interval calibration
(:func:`models.fit.rolling_origin`), fit the final model on all years
(:func:`models.fit.fit_baseline`), write ``parameters.json`` + ``MODEL_CARD.md`` +
``manifest.json`` atomically to ``<artifact-dir>/<model_id>/<version>/`` and promote it when
its backtest beats the promoted version (or the seasonal-naive reference when none is
promoted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import artifacts
from forecast.baseline import PARAMETERS_FILE, BaselineModel
from forecast.errors import DataError, OptionsError
from forecast.features import FeatureSpec
from forecast.loaders import load_demand, load_hourly_temperature
from models.fit import fit_baseline, rolling_origin, with_calibration

_LIBRARIES = ("numpy", "pandas", "statsmodels", "holidays", "ai-grid-forecast")
PROMOTION_METRIC = ("ex_ante", "mape_pct")
# Longest temperature gap filled by linear interpolation when the config reads an hourly file
# directly; longer gaps need a reconstruction (temperature_source = "forecast.weather"). [h]
_MAX_INTERPOLATED_GAP_HOURS = 6


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of one training run, read from a TOML file (see ``models/configs/kr.toml``)."""

    path: Path
    raw: dict
    model_id: str
    description: str
    country: str
    timezone: str
    weather_location: str
    data_dir: Path
    demand_file: str
    timestamp_column: str
    demand_column: str
    wide_date_column: str
    temperature_source: str
    temperature_file: str
    temperature_column: str
    first_year: int
    last_year: int
    spec: FeatureSpec
    shape_window_years: int
    level_window_years: int
    ridge_penalty: float
    backtest_years: tuple[int, ...]
    backtest_draws: int
    seed: int


def _require(table: dict, key: str, section: str, path: Path):
    if key not in table:
        raise OptionsError(f"{path}: [{section}] {key} is required")
    return table[key]


def load_config(path: Path | str, *, data_dir: Path | None = None) -> TrainingConfig:
    """Read a training config TOML.

    Parameters
    ----------
    path
        Config file.
    data_dir
        Overrides ``[data] dir``; otherwise ``FORECAST_DATA_DIR`` overrides it when set.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise OptionsError(f"cannot read training config {path}: {error}") from None
    model, data = raw.get("model", {}), raw.get("data", {})
    features, training, backtest = (
        raw.get("features", {}),
        raw.get("training", {}),
        raw.get("backtest", {}),
    )
    directory = data_dir or os.environ.get("FORECAST_DATA_DIR") or data.get("dir", "../shared/data")
    country = _require(model, "country", "model", path)
    spec = FeatureSpec(country=country, subdivision=model.get("subdivision"), **features)
    config = TrainingConfig(
        path=path,
        raw=raw,
        model_id=_require(model, "id", "model", path),
        description=model.get("description", ""),
        country=country,
        timezone=_require(model, "timezone", "model", path),
        weather_location=model.get("weather_location", ""),
        data_dir=Path(directory),
        demand_file=_require(data, "demand_file", "data", path),
        timestamp_column=data.get("timestamp_column", "timestamp"),
        demand_column=data.get("demand_column", "demand_mw"),
        wide_date_column=data.get("wide_date_column", "날짜"),
        temperature_source=data.get("temperature_source", "file"),
        temperature_file=data.get("temperature_file", ""),
        temperature_column=data.get("temperature_column", "temp_c"),
        first_year=int(_require(data, "first_year", "data", path)),
        last_year=int(_require(data, "last_year", "data", path)),
        spec=spec,
        shape_window_years=int(training.get("shape_window_years", 6)),
        level_window_years=int(training.get("level_window_years", 6)),
        ridge_penalty=float(training.get("ridge_penalty", 1e-3)),
        backtest_years=tuple(int(year) for year in backtest.get("years", ())),
        backtest_draws=int(backtest.get("draws", 400)),
        seed=int(backtest.get("seed", 0)),
    )
    if config.temperature_source not in ("file", "forecast.weather"):
        raise OptionsError(
            f"{path}: [data] temperature_source={config.temperature_source!r}; allowed: "
            "'file' (hourly file, short gaps interpolated) or 'forecast.weather' (the KMA "
            "record with gaps rebuilt from daily extremes)"
        )
    if config.level_window_years < 3:
        raise OptionsError(
            f"{path}: [training] level_window_years={config.level_window_years}; allowed: >= 3"
        )
    return config


def load_training_data(config: TrainingConfig) -> tuple[pd.Series, pd.Series]:
    """Hourly demand [MW] and complete hourly temperature [°C] on the same index."""
    demand = load_demand(
        config.data_dir / config.demand_file,
        timezone=config.timezone,
        timestamp_column=config.timestamp_column,
        demand_column=config.demand_column,
        wide_date_column=config.wide_date_column,
    )
    years = demand.index.year
    demand = demand[(years >= config.first_year) & (years <= config.last_year)]
    if config.temperature_source == "forecast.weather":
        from forecast.weather import historical_hourly_temperature

        temperature = historical_hourly_temperature(config.data_dir)
    else:
        temperature = load_hourly_temperature(
            config.data_dir / config.temperature_file,
            timezone=config.timezone,
            timestamp_column=config.timestamp_column,
            temperature_column=config.temperature_column,
        )
    temperature = temperature.tz_convert(config.timezone).reindex(demand.index)
    if config.temperature_source == "file":
        temperature = temperature.interpolate(
            limit=_MAX_INTERPOLATED_GAP_HOURS, limit_area="inside"
        )
    if temperature.isna().any():
        first = temperature.index[int(np.flatnonzero(temperature.isna().to_numpy())[0])]
        raise DataError(
            f"temperature is missing at {first.isoformat()} (and {int(temperature.isna().sum())} "
            "hours in all) for the demand hours; gaps longer than "
            f"{_MAX_INTERPOLATED_GAP_HOURS} h need a reconstruction"
        )
    return demand, temperature


def file_sha256(path: Path) -> str:
    """sha256 of a data file (recorded in the manifest)."""
    return artifacts.sha256_file(path)


def _library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _model_card(manifest: dict, table_text: str) -> str:
    level = manifest["parameters_summary"]
    return f"""# Model card: {manifest["model_id"]} {manifest["version"]}

{manifest["description"]}

## What it predicts
Hourly national demand [MW] (hour-beginning, {manifest["timezone"]}) for whole future years,
as Monte Carlo draws: annual level × hourly shape(calendar, temperature) × daily noise. Future
weather enters as an ensemble of historical weather years.

## Training data
- Demand: `{manifest["data"]["demand_file"]}` sha256 `{manifest["data"]["demand_sha256"]}`,
  window {manifest["data"]["window"][0]} .. {manifest["data"]["window"][1]}.
- Temperature: {manifest["data"]["temperature"]}.
- Holidays: `holidays` package, country {manifest["country"]}.

## Model
- Shape: ridge regression of log load on {len(manifest["features"])} features (day type ×
  hour, seasonal harmonics × hour, heating/cooling degrees × hour, daily temperature range
  × hour, trend × hour as a profile that sums to zero over the day), years
  {level["shape_window_years"]}.
- Level: statsmodels OLS trend of log temperature-normalised annual mean load, years
  {level["level_window_years"]}; slope {level["level_slope_pct_per_year"]:.2f} %/year.
- Noise: daily AR(1), φ = {level["noise_autocorrelation"]:.2f}, σ = {level["noise_sd"]:.4f}
  (residual sd × calibration factor {level["calibration_factor"]:.2f}); level scale
  {100 * level["level_scale"]:.2f} % (level spread factor {level["level_spread_factor"]:.2f}
  of the regression's parameter and year deviations).

## Backtest (rolling origin: each year trained on the years before it)
Measured by `{manifest["backtest"]["command"]}`:

{table_text}

Ex post: actual temperatures. Ex ante: ensemble of the prior years' weather. Seasonal naive:
the same hour 364 days earlier. Interval calibration (noise factor on ex post coverage with
the actual level, then level scale on ex ante coverage, each the median over years): fitted
on the other backtest years for each year (leave-one-year-out), so coverages are out of
sample.

## Limits
- Single-station temperature (Seoul) as a national proxy.
- The level is a trend: it does not know about economic shocks (2020 shows the miss).
- Behind-the-meter solar is captured only through linear trends (of the daily profile and of
  the response to the daily temperature range, a sunshine proxy); they extrapolate linearly.
"""


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


def publish_model(
    *,
    config: TrainingConfig,
    parameters: dict,
    backtest_result,
    root: Path,
    version: str,
    demand_sha256: str,
    promote_if_better: bool = True,
) -> tuple[Path, bool, str]:
    """Publish the artifact atomically; promote it when its backtest beats the current one.

    Returns
    -------
    tuple
        (artifact directory, promoted?, reason).
    """
    import json

    score = backtest_result.summary
    manifest = {
        "description": config.description,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "country": config.country,
        "timezone": config.timezone,
        "weather_location": config.weather_location,
        "libraries": _library_versions(),
        "data": {
            "demand_file": config.demand_file,
            "demand_sha256": demand_sha256,
            "window": [f"{config.first_year}-01-01", f"{config.last_year}-12-31"],
            "temperature": f"{config.temperature_source}: {config.temperature_file}",
        },
        "config": config.raw,
        "features": parameters["shape"]["feature_names"],
        "parameters_summary": {
            "shape_window_years": parameters["shape"]["window_years"],
            "level_window_years": parameters["level"]["window_years"],
            "level_slope_pct_per_year": 100.0 * parameters["level"]["slope"],
            "noise_autocorrelation": parameters["noise"]["autocorrelation"],
            "noise_sd": parameters["noise"]["sd"],
            "calibration_factor": parameters["noise"]["calibration_factor"],
            "level_spread_factor": parameters["level"]["spread_factor"],
            "level_scale": parameters["level"].get(
                "calibrated_scale", parameters["level"]["residual_scale"]
            ),
        },
        "metrics": score,
        "backtest": {"command": backtest_result.command, "years": list(config.backtest_years)},
    }
    table_text = backtest_result.table_text

    def write_files(directory: Path) -> None:
        (directory / PARAMETERS_FILE).write_text(
            json.dumps(parameters, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        card = _model_card(
            {**manifest, "model_id": config.model_id, "version": version}, table_text
        )
        (directory / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        # The published parameters must load and predict; check before the rename.
        BaselineModel.from_parameters(parameters)

    directory = artifacts.publish(
        model_id=config.model_id,
        version=version,
        manifest=manifest,
        write_files=write_files,
        root=root,
    )
    promote, reason = promotion_decision(score, config.model_id, root=root)
    if promote and promote_if_better:
        artifacts.promote(config.model_id, version, root=root)
    return directory, promote and promote_if_better, reason


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``forecast-train``."""
    from forecast.paths import artifacts_dir

    parser = argparse.ArgumentParser(prog="forecast-train", description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=Path("models/configs/kr.toml"))
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--artifact-dir", type=Path, default=None)
    parser.add_argument("--version", default=None, help="default: UTC time YYYYMMDDTHHMMSSZ")
    parser.add_argument("--no-promote", action="store_true")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    config = load_config(arguments.config, data_dir=arguments.data_dir)
    root = arguments.artifact_dir or artifacts_dir()
    version = arguments.version or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    demand, temperature = load_training_data(config)
    print(f"loaded {len(demand)} hours of demand, {config.first_year}..{config.last_year}")
    command = " ".join(["forecast-train", *(argv if argv is not None else sys.argv[1:])])
    result = rolling_origin(demand, temperature, config, command=command)
    print(result.table_text)
    parameters = with_calibration(
        fit_baseline(demand, temperature, config, last_year=config.last_year),
        result.calibration_factor,
        level_scale=result.level_scale,
    )
    directory, promoted, reason = publish_model(
        config=config,
        parameters=parameters,
        backtest_result=result,
        root=root,
        version=version,
        demand_sha256=file_sha256(config.data_dir / config.demand_file),
        promote_if_better=not arguments.no_promote,
    )
    elapsed = time.perf_counter() - started
    print(f"published {directory}; {'promoted' if promoted else 'not promoted'}: {reason}")
    print(f"wall time {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
