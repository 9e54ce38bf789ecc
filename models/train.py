"""Train the baseline national demand model, backtest it, publish it, promote it if better.

Usage::

    forecast-train --config models/configs/kr.toml
    python -m models.train --config models/configs/kr.toml [--artifact-dir DIR] [--no-promote]

Steps: load demand and temperature (paths, columns, time zone and holiday country from the
config), run the rolling-origin backtest (:mod:`models.backtest`), fit the final model on all
years, write ``parameters.json`` + ``MODEL_CARD.md`` + ``manifest.json`` atomically to
``<artifact-dir>/<model_id>/<version>/`` and promote it when its backtest beats the promoted
version (or the seasonal-naive reference when none is promoted).

The fit (numpy and statsmodels, see :func:`fit_baseline`):

* shape: ridge regression of ``log load`` on :func:`forecast.features.design_matrix` plus
  unpenalised year intercepts, over the last ``shape_window_years`` years;
* level: each year's temperature-normalised level ``L_y = mean(load_y) / mean(shape_y)``,
  then a statsmodels OLS trend of ``log L_y`` on the year over the last ``level_window_years``;
* noise: AR(1) coefficient of the daily mean log residual; scale = hourly residual standard
  deviation × the interval calibration factor from the backtest; the level draws' spread
  factor also comes from the backtest.
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
import statsmodels.api as sm

from forecast import artifacts, signing
from forecast.baseline import FORMAT_VERSION, PARAMETERS_FILE, BaselineModel
from forecast.errors import DataError, OptionsError
from forecast.features import FeatureSpec, design_matrix, feature_names
from forecast.loaders import load_demand, load_hourly_temperature

_LIBRARIES = ("numpy", "pandas", "statsmodels", "holidays", "ai-grid-forecast")
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


def _design_by_year(demand: pd.Series, temperature: pd.Series, spec: FeatureSpec, years):
    for year in years:
        in_year = demand.index.year == year
        yield (
            year,
            in_year,
            design_matrix(demand.index[in_year], temperature.to_numpy()[in_year], spec=spec),
        )


def fit_baseline(
    demand: pd.Series, temperature: pd.Series, config: TrainingConfig, *, last_year: int
) -> dict:
    """Fit shape, level and noise on the years up to ``last_year``; return the parameters.

    Returns
    -------
    dict
        The JSON parameter document read by
        :meth:`forecast.baseline.BaselineModel.from_parameters`, with the noise scale not yet
        calibrated (``noise.sd`` = the hourly residual standard deviation,
        ``noise.calibration_factor`` = 1).
    """
    all_years = sorted({int(y) for y in demand.index.year if config.first_year <= y <= last_year})
    if len(all_years) < 3:
        raise DataError(f"training needs at least 3 years up to {last_year}; found {all_years}")
    shape_years = all_years[-config.shape_window_years :]
    n_features = len(feature_names(config.spec))
    n_parameters = n_features + len(shape_years)
    gram = np.zeros((n_parameters, n_parameters))
    moment = np.zeros(n_parameters)
    column_sum = np.zeros(n_features)
    column_square_sum = np.zeros(n_features)
    n_rows = 0
    log_demand = np.log(demand.to_numpy(dtype=np.float64))
    designs = {}
    for position, (year, in_year, design) in enumerate(
        _design_by_year(demand, temperature, config.spec, shape_years)
    ):
        year_columns = np.zeros((len(design), len(shape_years)))
        year_columns[:, position] = 1.0
        full = np.hstack([design, year_columns])
        gram += full.T @ full
        moment += full.T @ log_demand[in_year]
        column_sum += design.sum(axis=0)
        column_square_sum += (design**2).sum(axis=0)
        n_rows += len(design)
        designs[year] = (in_year, full)
    # Ridge on the standardised features (penalty ∝ each column's variance); the year
    # intercepts are not penalised, so the penalty never pulls the level.
    variance = column_square_sum / n_rows - (column_sum / n_rows) ** 2
    penalty = np.zeros(n_parameters)
    penalty[:n_features] = config.ridge_penalty * n_rows * np.maximum(variance, 1e-12)
    solution = np.linalg.solve(gram + np.diag(penalty), moment)
    coefficients = solution[:n_features]

    residuals = []
    log_shape_sum, shape_count = 0.0, 0
    shape_means_raw = {}
    for year, in_year, design in _design_by_year(demand, temperature, config.spec, all_years):
        raw_shape = np.exp(design @ coefficients)
        shape_means_raw[year] = (float(raw_shape.mean()), float(demand[in_year].mean()))
        if year in designs:
            log_shape_sum += raw_shape.sum()
            shape_count += len(raw_shape)
            full = designs[year][1]
            residuals.append(
                pd.Series(log_demand[in_year] - full @ solution, index=demand.index[in_year])
            )
    log_normaliser = float(np.log(log_shape_sum / shape_count))
    normaliser = np.exp(log_normaliser)
    normalised_level = {
        year: mean_load / (raw_mean / normaliser)
        for year, (raw_mean, mean_load) in shape_means_raw.items()
    }

    level_years = all_years[-config.level_window_years :]
    origin_year = level_years[-1]
    regressors = sm.add_constant(np.asarray(level_years, dtype=np.float64) - origin_year)
    level_fit = sm.OLS(np.log([normalised_level[y] for y in level_years]), regressors).fit()

    residual = pd.concat(residuals)
    daily_residual = residual.groupby(residual.index.normalize()).mean().to_numpy()
    autocorrelation = float(np.corrcoef(daily_residual[1:], daily_residual[:-1])[0, 1])
    return {
        "format_version": FORMAT_VERSION,
        "timezone": config.timezone,
        "feature_spec": config.spec.to_dict(),
        "shape": {
            "feature_names": feature_names(config.spec),
            "coefficients": coefficients.tolist(),
            "log_normaliser": log_normaliser,
            "window_years": shape_years,
            "ridge_penalty": config.ridge_penalty,
        },
        "level": {
            "model": "statsmodels OLS: log(normalised annual mean MW) ~ 1 + (year - origin_year)",
            "intercept": float(level_fit.params[0]),
            "slope": float(level_fit.params[1]),
            "origin_year": int(origin_year),
            "covariance": np.asarray(level_fit.cov_params()).tolist(),
            "residual_scale": float(np.sqrt(level_fit.scale)),
            "degrees_of_freedom": int(level_fit.df_resid),
            "spread_factor": 1.0,
            "window_years": level_years,
            "normalised_level_mw": {str(y): round(v, 1) for y, v in normalised_level.items()},
        },
        "noise": {
            "autocorrelation": float(np.clip(autocorrelation, 0.0, 0.99)),
            "residual_sd": float(residual.std()),
            "calibration_factor": 1.0,
            "sd": float(residual.std()),
        },
    }


def with_calibration(
    parameters: dict, calibration_factor: float, *, level_spread_factor: float = 1.0
) -> dict:
    """Copy of ``parameters`` with calibrated interval widths.

    The daily noise sd becomes residual sd × ``calibration_factor``; the level draws' parameter
    and innovation deviations are scaled by ``level_spread_factor``.
    """
    noise = dict(parameters["noise"])
    noise["calibration_factor"] = float(calibration_factor)
    noise["sd"] = float(noise["residual_sd"] * calibration_factor)
    level = {**parameters["level"], "spread_factor": float(level_spread_factor)}
    return {**parameters, "noise": noise, "level": level}


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
  hour, seasonal harmonics × hour, heating/cooling degrees × hour, trend × hour), years
  {level["shape_window_years"]}.
- Level: statsmodels OLS trend of log temperature-normalised annual mean load, years
  {level["level_window_years"]}; slope {level["level_slope_pct_per_year"]:.2f} %/year.
- Noise: daily AR(1), φ = {level["noise_autocorrelation"]:.2f}, σ = {level["noise_sd"]:.4f}
  (residual sd × calibration factor {level["calibration_factor"]:.2f}); level spread factor
  {level["level_spread_factor"]:.2f} (scales the level's parameter and year deviations).

## Backtest (rolling origin: each year trained on the years before it)
Measured by `{manifest["backtest"]["command"]}`:

{table_text}

Ex post: actual temperatures. Ex ante: ensemble of the prior years' weather. Seasonal naive:
the same hour 364 days earlier. Interval calibration (noise factor on ex ante coverage with
the actual level, then level spread factor on ex ante coverage): fitted on the other backtest
years for each year (leave-one-year-out), so coverages are out of sample.

## Limits
- Single-station temperature (Seoul) as a national proxy.
- The level is a trend: it does not know about economic shocks (2020 shows the miss).
- Behind-the-meter solar is captured only through a linear shape trend.
"""


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

    from models.backtest import promotion_decision

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
        # Signed when FORECAST_SIGNING_KEY_FILE is set; the service refuses unsigned models.
        signing_key=signing.signing_key_from_environment(),
    )
    promote, reason = promotion_decision(score, config.model_id, root=root)
    if promote and promote_if_better:
        artifacts.promote(config.model_id, version, root=root)
    return directory, promote and promote_if_better, reason


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``forecast-train``."""
    from forecast.paths import artifacts_dir
    from models.backtest import run_backtest

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
    result = run_backtest(demand, temperature, config, command=command)
    print(result.table_text)
    parameters = with_calibration(
        fit_baseline(demand, temperature, config, last_year=config.last_year),
        result.calibration_factor,
        level_spread_factor=result.level_spread_factor,
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
