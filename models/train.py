"""Train the baseline national demand model, backtest it, publish it, promote it if better.

Usage::

    forecast-train --config models/configs/kr.toml
    python -m models.train --config models/configs/au-nsw.toml [--artifact-dir DIR] [--no-promote]

Steps: load demand (path, columns, time zone and holiday country from the config) and the
temperature of the config's weather location (:mod:`forecast.weather`), report and handle their
gaps (:mod:`forecast.gaps`), run the rolling-origin backtest (:mod:`models.backtest`), fit the
final model on all years, write ``parameters.json`` + ``MODEL_CARD.md`` + ``manifest.json``
atomically to ``<artifact-dir>/<model_id>/<version>/`` and promote it when its backtest beats
the promoted version (or the seasonal-naive reference when none is promoted).

Bad input (a config field, a data file row) ends the command with one line naming the file,
the row or field, the value and what is allowed, and exit status 2.

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

import datetime as dt
import importlib.metadata
import os
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
import typer

from forecast import artifacts
from forecast.baseline import FORMAT_VERSION, PARAMETERS_FILE, BaselineModel
from forecast.calendar import hourly_times
from forecast.cli_run import run_app
from forecast.errors import DataError, OptionsError
from forecast.features import FeatureSpec, design_matrix, feature_names
from forecast.gaps import INTERPOLATED, MASKED, OBSERVED, GapReport, interpolate_short_gaps
from forecast.loaders import load_demand
from forecast.weather import historical_record, load_location

_LIBRARIES = ("numpy", "pandas", "statsmodels", "holidays", "ai-grid-forecast")
# The keys a training config may hold, by section (anything else is a typo, refused).
_CONFIG_KEYS = {
    "model": {
        "id", "description", "country", "subdivision", "timezone", "weather_location",
    },
    "data": {
        "dir", "demand_file", "timestamp_column", "demand_column", "wide_date_column",
        "first_year", "last_year",
    },
    "features": set(FeatureSpec.__dataclass_fields__) - {"country", "subdivision"},
    "training": {"shape_window_years", "level_window_years", "ridge_penalty"},
    "backtest": {"years", "draws", "seed"},
}  # fmt: skip


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


def _number(table: dict, key: str, section: str, path: Path, default, kind=int):
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionsError(f"{path}: [{section}] {key} = {value!r}; allowed: a number")
    return kind(value)


def load_config(path: Path | str, *, data_dir: Path | None = None) -> TrainingConfig:
    """Read a training config TOML.

    Parameters
    ----------
    path
        Config file.
    data_dir
        Overrides ``[data] dir``; otherwise ``FORECAST_DATA_DIR`` overrides it when set.

    Raises
    ------
    OptionsError
        The file cannot be read, or a section holds a missing, unknown or malformed key; the
        message names the file, the section and key, the value and what is allowed.
    NotFoundError
        ``[model] weather_location`` names no known location.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise OptionsError(f"cannot read training config {path}: {error}") from None
    for section, table in raw.items():
        if section not in _CONFIG_KEYS or not isinstance(table, dict):
            raise OptionsError(
                f"{path}: [{section}] is not a section of a training config; allowed: "
                f"{', '.join(f'[{name}]' for name in _CONFIG_KEYS)}"
            )
        unknown = sorted(set(table) - _CONFIG_KEYS[section])
        if unknown:
            raise OptionsError(
                f"{path}: [{section}] {unknown[0]} is not a setting; allowed: "
                f"{', '.join(sorted(_CONFIG_KEYS[section]))}"
            )
    model, data = raw.get("model", {}), raw.get("data", {})
    features, training, backtest = (
        raw.get("features", {}),
        raw.get("training", {}),
        raw.get("backtest", {}),
    )
    directory = data_dir or os.environ.get("FORECAST_DATA_DIR") or data.get("dir", "../shared/data")
    country = _require(model, "country", "model", path)
    for key in ("first_year", "last_year"):
        _require(data, key, "data", path)
    try:
        spec = FeatureSpec(country=country, subdivision=model.get("subdivision"), **features)
    except (TypeError, ValueError) as error:
        raise OptionsError(f"{path}: [features] {error}") from None
    location = load_location(
        _require(model, "weather_location", "model", path),
        field="[model] weather_location",
        origin=str(path),
    )
    years = backtest.get("years", ())
    if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
        raise OptionsError(f"{path}: [backtest] years = {years!r}; allowed: a list of years")
    config = TrainingConfig(
        path=path,
        raw=raw,
        model_id=_require(model, "id", "model", path),
        description=model.get("description", ""),
        country=country,
        timezone=_require(model, "timezone", "model", path),
        weather_location=location.name,
        data_dir=Path(directory),
        demand_file=_require(data, "demand_file", "data", path),
        timestamp_column=data.get("timestamp_column", "timestamp"),
        demand_column=data.get("demand_column", "demand_mw"),
        wide_date_column=data.get("wide_date_column", "날짜"),
        first_year=_number(data, "first_year", "data", path, None),
        last_year=_number(data, "last_year", "data", path, None),
        spec=spec,
        shape_window_years=_number(training, "shape_window_years", "training", path, 6),
        level_window_years=_number(training, "level_window_years", "training", path, 6),
        ridge_penalty=_number(training, "ridge_penalty", "training", path, 1e-3, float),
        backtest_years=tuple(years),
        backtest_draws=_number(backtest, "draws", "backtest", path, 400),
        seed=_number(backtest, "seed", "backtest", path, 0),
    )
    if config.level_window_years < 3:
        raise OptionsError(
            f"{path}: [training] level_window_years = {config.level_window_years}; allowed: >= 3"
        )
    if config.last_year < config.first_year:
        raise OptionsError(
            f"{path}: [data] last_year = {config.last_year}; allowed: >= first_year "
            f"({config.first_year})"
        )
    outside = [y for y in config.backtest_years if not config.first_year < y <= config.last_year]
    if outside:
        raise OptionsError(
            f"{path}: [backtest] years contains {outside[0]}; allowed: years after first_year "
            f"({config.first_year}) up to last_year ({config.last_year})"
        )
    return config


class TrainingData(NamedTuple):
    """What training fits on: the complete hourly grid of the training years."""

    demand: pd.Series  # [MW] on every hour; NaN = masked (a long gap, or no usable temperature)
    temperature: pd.Series  # [°C] on the same hours, complete (see forecast.gaps)
    gaps: tuple[GapReport, ...]  # demand and temperature gaps, and how each was handled


def load_training_data(config: TrainingConfig) -> TrainingData:
    """Hourly demand and temperature on the complete hourly grid, gaps handled and reported.

    The grid runs from local midnight of Jan 1 of the first year with demand (not before
    ``first_year``) to the end of the last such year (not after ``last_year``), one entry per
    instant. Demand gaps of at most :data:`forecast.gaps.MAX_INTERPOLATED_GAP_HOURS` hours are
    interpolated, longer ones masked (NaN). The temperature is the weather location's completed
    record (:func:`forecast.weather.historical_record`); hours whose temperature is masked there
    or lies outside the record are masked in the demand too. A gap never fails training.
    """
    demand_path = config.data_dir / config.demand_file
    observed = load_demand(
        demand_path,
        timezone=config.timezone,
        timestamp_column=config.timestamp_column,
        demand_column=config.demand_column,
        wide_date_column=config.wide_date_column,
    )
    years = observed.index.year
    observed = observed[(years >= config.first_year) & (years <= config.last_year)]
    if observed.empty:
        raise DataError(
            f"{demand_path}: no demand in [data] first_year..last_year = {config.first_year}.."
            f"{config.last_year}; allowed: years the file covers"
        )
    grid = hourly_times(
        dt.date(int(observed.index.year.min()), 1, 1),
        dt.date(int(observed.index.year.max()), 12, 31),
        config.timezone,
    )
    demand_values, interpolated = interpolate_short_gaps(observed.reindex(grid).to_numpy())
    demand_handling = np.where(np.isnan(demand_values), MASKED, OBSERVED).astype(np.int8)
    demand_handling[interpolated] = INTERPOLATED

    record = historical_record(config.weather_location, config.data_dir)
    temperature = record.series().reindex(grid)
    handling = pd.Series(record.handling, index=record.times).reindex(grid)
    outside = temperature.isna().to_numpy()
    temperature_masked = outside | (handling.to_numpy() == MASKED)
    # Hours outside the record keep a value only so that daily means stay defined.
    temperature = temperature.ffill().bfill()
    demand_values[temperature_masked] = np.nan
    temperature_handling = np.where(outside, MASKED, handling.fillna(MASKED).to_numpy())
    reports = (
        GapReport.from_handling(grid, demand_handling, series="demand", source=config.demand_file),
        GapReport.from_handling(
            grid,
            temperature_handling.astype(np.int8),
            series=f"temperature ({config.weather_location})",
            source=record.location.hourly_file,
        ),
    )
    return TrainingData(
        demand=pd.Series(demand_values, index=grid, name="demand_mw"),
        temperature=temperature.rename("temp_c"),
        gaps=reports,
    )


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

    Hours where ``demand`` is NaN (masked gaps, see :func:`load_training_data`) take no part in
    the fit; the temperature must be complete.

    Returns
    -------
    dict
        The JSON parameter document read by
        :meth:`forecast.baseline.BaselineModel.from_parameters`, with the noise scale not yet
        calibrated (``noise.sd`` = the hourly residual standard deviation,
        ``noise.calibration_factor`` = 1).
    """
    valid = np.isfinite(demand.to_numpy(dtype=np.float64))
    observed_years = demand.index.year[valid]
    all_years = sorted({int(y) for y in observed_years if config.first_year <= y <= last_year})
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
        fitted = valid[in_year]  # masked hours take no part in the fit
        gram += full[fitted].T @ full[fitted]
        moment += full[fitted].T @ log_demand[in_year][fitted]
        column_sum += design[fitted].sum(axis=0)
        column_square_sum += (design[fitted] ** 2).sum(axis=0)
        n_rows += int(fitted.sum())
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
        fitted = valid[in_year]
        shape_means_raw[year] = (
            float(raw_shape[fitted].mean()),
            float(demand.to_numpy()[in_year][fitted].mean()),
        )
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
    # Grouped by wall-clock date: normalize() on the zone would raise where midnight does not
    # exist (America/Santiago's spring-forward day).
    daily_residual = (
        residual.groupby(residual.index.tz_localize(None).normalize()).mean().to_numpy()
    )
    pairs = np.isfinite(daily_residual[1:]) & np.isfinite(daily_residual[:-1])  # masked days
    autocorrelation = float(
        np.corrcoef(daily_residual[1:][pairs], daily_residual[:-1][pairs])[0, 1]
    )
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


def _gap_lines(gaps: list[dict]) -> str:
    """Markdown bullets: one per gap report, its count, hours and longest gap."""
    if not gaps:
        return "- none reported"
    lines = []
    for report in gaps:
        longest = max(report["gaps"], key=lambda gap: gap["hours"], default=None)
        where = (
            f"; longest {longest['hours']} h from {longest['first_missing']} "
            f"({longest['handling']})"
            if longest
            else ""
        )
        lines.append(
            f"- {report['series']} (`{report['source']}`): {report['gap_count']} gap(s), "
            f"{report['missing_hours']} of {report['expected_hours']} hours{where}"
        )
    lines.append(f"- Rule: {gaps[0]['rule']}.")
    return "\n".join(lines)


def _model_card(manifest: dict, table_text: str) -> str:
    level = manifest["parameters_summary"]
    subdivision = manifest["config"]["model"].get("subdivision")
    subdivision = f" (subdivision {subdivision})" if subdivision else ""
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
- Holidays: `holidays` package, country {manifest["country"]}{subdivision}.

## Gaps in the training data
{_gap_lines(manifest["data"].get("gaps", []))}

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
- Single-station temperature ({manifest["data"]["temperature"].split(":")[0]}) as a proxy for
  the whole grid.
- The level is a trend: it does not know about economic shocks (Korea's 2020 shows the miss).
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
    gaps: tuple[GapReport, ...] = (),
) -> tuple[Path, bool, str]:
    """Publish the artifact atomically; promote it when its backtest beats the current one.

    ``gaps`` (from :func:`load_training_data`) go into the manifest and the model card.

    Returns
    -------
    tuple
        (artifact directory, promoted?, reason).
    """
    import json

    from models.backtest import promotion_decision

    location = load_location(config.weather_location)
    record_files = historical_record(location, config.data_dir).source_files
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
            "temperature": f"{location.station}: {', '.join(name for name, _ in record_files)}",
            "temperature_sha256": dict(record_files),
            "gaps": [report.to_dict() for report in gaps],
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
    )
    promote, reason = promotion_decision(score, config.model_id, root=root)
    if promote and promote_if_better:
        artifacts.promote(config.model_id, version, root=root)
    return directory, promote and promote_if_better, reason


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help=__doc__.split("\n")[0],
)


@app.command()
def train(
    config_path: Annotated[
        Path, typer.Option("--config", help="Training config TOML (models/configs/*.toml).")
    ] = Path("models/configs/kr.toml"),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: [data] dir or FORECAST_DATA_DIR)."),
    ] = None,
    artifact_dir: Annotated[
        Path | None, typer.Option(help="Artifact root (default: FORECAST_ARTIFACT_DIR or shipped).")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Version name (default: UTC time YYYYMMDDTHHMMSSZ).")
    ] = None,
    no_promote: Annotated[
        bool, typer.Option("--no-promote", help="Publish, but never promote.")
    ] = False,
) -> None:
    """Train, backtest, publish and (if better) promote a baseline model."""
    from forecast.paths import artifacts_dir
    from models.backtest import run_backtest

    started = time.perf_counter()
    config = load_config(config_path, data_dir=data_dir)
    root = artifact_dir or artifacts_dir()
    version = version or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    data = load_training_data(config)
    valid = int(np.isfinite(data.demand.to_numpy()).sum())
    print(
        f"loaded {valid} of {len(data.demand)} hours of demand, {data.demand.index[0].year}.."
        f"{data.demand.index[-1].year}; weather {config.weather_location}"
    )
    for report in data.gaps:
        print(f"gaps: {report.summary()}")
    command = f"forecast-train --config {config_path}"
    result = run_backtest(data.demand, data.temperature, config, command=command)
    print(result.table_text)
    parameters = with_calibration(
        fit_baseline(data.demand, data.temperature, config, last_year=config.last_year),
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
        promote_if_better=not no_promote,
        gaps=data.gaps,
    )
    elapsed = time.perf_counter() - started
    print(f"published {directory}; {'promoted' if promoted else 'not promoted'}: {reason}")
    print(f"wall time {elapsed:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``forecast-train``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
