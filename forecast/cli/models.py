"""``forecast models init|list|show`` and ``forecast evaluate``: model artifacts on the CLI.

Registered on the main app by :mod:`forecast.cli`. Each function imports the artifacts,
numpy, pandas and the readers it uses, so that the help of every command starts without them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from forecast.cli.options import CalibrationByOption, check_output
from forecast.errors import DataError, OptionsError
from forecast.limits import MAX_YEARS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from forecast.baseline.model import BaselineModel
    from forecast.io.gaps import GapReport
    from forecast.weather.ensemble import WeatherEnsemble
    from forecast.weather.locations import Location

models_app = typer.Typer(no_args_is_help=True, help="Baseline demand model artifacts.")


def _headline(metrics: dict | None) -> str:
    if not metrics:
        return "no metrics"
    ex_post, ex_ante = metrics.get("ex_post", {}), metrics.get("ex_ante", {})
    return (
        f"MAPE ex post {ex_post.get('mape_pct', float('nan')):.2f} % / ex ante "
        f"{ex_ante.get('mape_pct', float('nan')):.2f} %; 80 % coverage ex ante "
        f"{ex_ante.get('coverage_80_pct', float('nan')):.1f} %"
    )


@models_app.command("init")
def models_init(
    directory: Annotated[
        Path,
        typer.Argument(help="The artifact store to make, or to complete with the shipped models."),
    ],
) -> None:
    """Make an artifact store of your own with the shipped models in it; point
    FORECAST_ARTIFACT_DIR at it, and training, these commands and the service share it.

    Copies every shipped model version the store lacks (each verified by its signature),
    and the promoted version and DEFAULT where the store names none; never overwrites."""
    from forecast.baseline import artifacts
    from forecast.paths import shipped_artifacts_dir

    copied = artifacts.copy_store(shipped_artifacts_dir(), directory)
    for reference in copied:
        print(f"copied {reference}")
    if not copied:
        print("nothing copied: the store holds every shipped model version")
    store = directory.resolve()
    listed = ", ".join(artifacts.list_models(store)) or "none"
    print(
        f"artifact store {store}: models {listed}; use it with export FORECAST_ARTIFACT_DIR={store}"
    )


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List model ids, their versions, the promoted one and its backtest metrics."""
    from forecast.baseline import artifacts
    from forecast.baseline.signing import SIGNATURE, Trust, check_signature
    from forecast.errors import ArtifactError

    root = artifacts.artifacts_dir()
    trust = Trust.from_environment()
    rows: list[dict[str, Any]] = []
    for model_id, versions in artifacts.list_models(root).items():
        promoted = artifacts.current_version(model_id, root=root)
        for version in versions:
            directory = root / model_id / version
            manifest = artifacts.read_manifest(directory)
            signed = (directory / SIGNATURE).is_file()
            refused = None
            if signed:
                # `models show` and every loader refuse a signature no trusted key verifies.
                try:
                    check_signature(
                        (directory / artifacts.MANIFEST).read_bytes(),
                        directory / SIGNATURE,
                        trust,
                        label=f"{model_id}@{version}",
                    )
                except ArtifactError as error:
                    refused = str(error)
            rows.append(
                {
                    "model_id": model_id,
                    "version": version,
                    "promoted": version == promoted,
                    "created": manifest.get("created"),
                    "metrics": manifest.get("metrics"),
                    "signed": signed,
                    "trusted": signed and refused is None,
                    "refused": refused,
                }
            )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print(f"no model artifacts in {root}")
        return
    for row in rows:
        marker = "*" if row["promoted"] else " "
        # An unsigned artifact is refused by every loader (FORECAST_ALLOW_UNSIGNED_ARTIFACTS).
        unsigned = "" if row["signed"] else "  [unsigned: set FORECAST_SIGNING_KEY_FILE to sign]"
        if row["refused"] is not None:
            unsigned = "  [signature refused: `forecast models show` says why]"
        print(f"{marker} {row['model_id']}@{row['version']}  {_headline(row['metrics'])}{unsigned}")
    print("(* = promoted)")


@models_app.command("show")
def models_show(
    reference: Annotated[
        str | None, typer.Argument(help="MODEL_ID[@VERSION] (default: the promoted default).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Verify an artifact (signature and sha256 of every file) and show its model card
    (--json: the whole manifest: data digests and window, features, metrics)."""
    from forecast.baseline import artifacts
    from forecast.baseline.model import load_baseline_model

    model = load_baseline_model(reference)
    if as_json:
        print(json.dumps(model.manifest, indent=2, ensure_ascii=False))
        return
    directory = artifacts.resolve(f"{model.model_id}@{model.version}")
    print(f"{model.model_id}@{model.version}  (verified: {len(model.manifest['files'])} files)")
    print(f"created {model.manifest.get('created')}; time zone {model.timezone}")
    print((directory / "MODEL_CARD.md").read_text(encoding="utf-8"))


def _demand_reading(
    baseline: BaselineModel,
    *,
    timestamp_timezone: str | None = None,
    interval_label: str | None = None,
) -> dict[str, Any]:
    """How the model's training read its demand file: the ``[data]`` columns, unit and
    timestamp conventions of the training config its manifest keeps (a US utility's
    `datetime_beginning_local,zone_load_mw` file trained, and evaluate refused it for want of
    `timestamp,demand_mw`). A manifest whose config leaves one out was trained with the
    default, which it keeps here. ``timestamp_timezone`` and ``interval_label`` (the options
    of the same names) override the config's: a file of other conventions than the training
    file's (a naive-UTC export scored on a model trained on offsets)."""
    from forecast.io.loaders import DEMAND_COLUMN, TIMESTAMP_COLUMN, WIDE_DATE_COLUMN

    data = (baseline.manifest.get("config") or {}).get("data") or {}
    zone = timestamp_timezone or data.get("timestamp_timezone")
    return {
        "timestamp_column": str(data.get("timestamp_column", TIMESTAMP_COLUMN)),
        "demand_column": str(data.get("demand_column", DEMAND_COLUMN)),
        "wide_date_column": str(data.get("wide_date_column", WIDE_DATE_COLUMN)),
        "unit": str(data.get("demand_unit", "MW")),
        "timestamp_timezone": None if zone is None else str(zone),
        "interval_label": str(interval_label or data.get("interval_label", "beginning")),
    }


def _demand_on_grid(
    path: Path, baseline: BaselineModel, reading: dict[str, Any]
) -> tuple[pd.Series, GapReport]:
    """Demand on every hour of the local days it spans, read as ``reading`` says
    (:func:`_demand_reading`, in the model's time zone); short gaps filled, long ones NaN.
    [MW]

    A year the file covers in part is kept: ``evaluate`` scores its hours (the only data
    after NSW's training, 2021-01-01..03-18, was refused for want of a complete year)."""
    import numpy as np
    import pandas as pd

    from forecast.calendar import hourly_times
    from forecast.io.gaps import (
        INTERPOLATED,
        MASKED,
        OBSERVED,
        GapReport,
        interpolate_short_gaps,
    )
    from forecast.io.loaders import read_demand

    timezone = baseline.timezone
    try:
        observed, resolution = read_demand(path, timezone=timezone, **reading)
    except DataError as error:
        # The columns, unit and zone are the model's training's, not the file's: say so.
        raise DataError(
            f"{error} (read as {baseline.model_id}@{baseline.version} was trained: time zone "
            f"{timezone}, its config's [data] timestamp_column = "
            f"{reading['timestamp_column']!r}, demand_column = {reading['demand_column']!r}, "
            f"demand_unit = {reading['unit']!r}; timestamps naive in "
            f"{reading['timestamp_timezone'] or timezone}, hour-{reading['interval_label']}: "
            "--timestamp-timezone and --interval-label read other conventions)"
        ) from None
    local = pd.DatetimeIndex(observed.index).tz_convert(timezone)
    first, last = local[0].date(), local[-1].date()
    grid = hourly_times(first, last, timezone)
    values, interpolated = interpolate_short_gaps(observed.reindex(grid).to_numpy())
    handling = np.where(np.isnan(values), MASKED, OBSERVED).astype(np.int8)
    handling[interpolated] = INTERPOLATED
    report = GapReport.from_handling(
        grid, handling, series="demand", source=str(path), averaging=resolution.summary()
    )
    return pd.Series(values, index=grid, name="demand_mw"), report


#: The farthest year ``forecast evaluate`` scores after the model's origin (a projection's
#: longest period). [years]
MAX_EVALUATION_HORIZON = MAX_YEARS
#: Below this share of the model's level, or above its inverse, a demand file's values are
#: taken for another unit (GW or kW) and refused. [1]
IMPLAUSIBLE_LEVEL_SHARE = 0.05


def _check_years(baseline: BaselineModel, observed: pd.Series, path: Path) -> None:
    """Refuse what the model cannot forecast: a year before its first training year (its level
    would be a backcast of the trend), a year more than :data:`MAX_EVALUATION_HORIZON` after
    its origin, or demand in another unit than MW (a KPX forecaster's file in GW was scored,
    MAPE 100,195 %)."""
    import numpy as np
    import pandas as pd

    window = _training_window(baseline)
    first = int(window[0][:4]) if window is not None else None
    origin = baseline.level.origin_year
    years = sorted(set(pd.DatetimeIndex(observed.index).year))
    last_allowed = origin + MAX_EVALUATION_HORIZON
    allowed = f"{first}..{last_allowed}" if first is not None else f"..{last_allowed}"
    for year in years:
        if (first is not None and year < first) or year > last_allowed:
            raise OptionsError(
                f"{path}: year {year} is outside what {baseline.model_id}@{baseline.version} "
                f"forecasts (trained on {first or '?'}..{origin}; before its data a level is a "
                f"backcast, not a forecast); allowed: {allowed}"
            )
    typical = float(np.nanmedian(observed.to_numpy()))
    level = float(baseline.level_median(np.array([origin]))[0])
    if np.isfinite(typical) and not (
        IMPLAUSIBLE_LEVEL_SHARE * level <= typical <= level / IMPLAUSIBLE_LEVEL_SHARE
    ):
        unit = _demand_reading(baseline)["unit"]
        read = "" if unit == "MW" else f" (the file read in {unit}, as the model was trained)"
        raise OptionsError(
            f"{path}: median demand {typical:,.3g}{read} against the model's level of "
            f"{level:,.0f} MW: the file is in another unit (GW or kW?); allowed: demand in "
            f"{unit}, the unit of its training config's [data] demand_unit"
        )


def _training_window(baseline: BaselineModel) -> tuple[str, str] | None:
    """The first and last days of the model's training data (its manifest's window, ISO
    dates), or None where the manifest does not say."""
    window = (baseline.manifest.get("data") or {}).get("window") or []
    return (str(window[0]), str(window[1])) if len(window) == 2 else None


def _weather_location_name(baseline: BaselineModel) -> str | None:
    """The model's weather location: its manifest's, else its country's default (the country
    found as the service finds it, :func:`forecast.baseline.artifacts.manifest_country`), else
    None."""
    from forecast.baseline.artifacts import manifest_country
    from forecast.weather.locations import default_location

    return baseline.manifest.get("weather_location") or default_location(
        manifest_country(baseline.manifest) or ""
    )


def _read_temperature(path: Path, location: Location | None, timezone: str) -> pd.Series:
    """``--temperature`` read as training reads the location's record: its columns, unit and
    time zone (the defaults, ``timestamp,temp_c`` in °C in the model's zone, without one)."""
    from forecast.io.loaders import load_hourly_temperature

    if location is None:
        return load_hourly_temperature(path, timezone=timezone)
    try:
        return location.read_hourly_temperature(path)
    except DataError as error:
        # The columns and unit are the location's, not the file's: say where they come from.
        raise DataError(
            f"{error} (read as the model's weather location {location.name!r} says, "
            f"{location.describe_columns()})"
        ) from None


def _read_daily_temperature(path: Path, location: Location | None) -> pd.DataFrame:
    """``--daily-temperature`` read as training reads the location's daily file: its
    ``daily_*`` columns and unit (the defaults, ``date,temp_mean_c,temp_min_c,temp_max_c`` in
    °C, without a location)."""
    from forecast.io.loaders import load_daily_temperature

    if location is None:
        return load_daily_temperature(path)
    try:
        return location.read_daily_temperature(path)
    except DataError as error:
        raise DataError(
            f"{error} (read as the model's weather location {location.name!r} says, "
            f"{location.describe_columns(daily=True)})"
        ) from None


def _actual_temperature(
    path: Path,
    daily_path: Path | None,
    hours: pd.DatetimeIndex,
    *,
    location: Location | None,
    timezone: str,
) -> tuple[pd.Series, np.ndarray, GapReport]:
    """The observed temperature of the demand hours, completed by the gap rule on the weather
    location's clock (its standard time, as training completes its record; ``timezone``, the
    model's, stands in for a model with no location).

    Returns the temperature [°C], which hours are masked (not scored), and the gap report.
    """
    import pandas as pd

    from forecast.calendar import standard_utc_offset
    from forecast.io.gaps import MASKED, GapReport
    from forecast.weather.clock import clock_zone
    from forecast.weather.reconstruction import complete_temperature

    observed = _read_temperature(path, location, timezone)
    daily = _read_daily_temperature(daily_path, location) if daily_path is not None else None
    clock = clock_zone(location.clock_offset if location else standard_utc_offset(timezone))
    on_clock = hours.tz_convert(clock)
    grid = pd.date_range(
        on_clock[0].normalize(), on_clock[-1].normalize() + pd.Timedelta(hours=23), freq="h"
    )
    try:
        completed = complete_temperature(observed, grid, daily)
    except DataError as error:
        raise DataError(
            f"{path}: {error} between {grid[0]:%Y-%m-%d} and {grid[-1]:%Y-%m-%d}, the demand "
            "file's days: do the two files cover the same period?"
        ) from None
    temperature = pd.Series(completed.temperature_c, index=grid).reindex(hours)
    handling = pd.Series(completed.handling, index=grid).reindex(hours).to_numpy()
    report = GapReport.from_handling(
        hours,
        handling,
        series="temperature",
        source=str(path) + (f" + {daily_path}" if daily_path is not None else ""),
    )
    return temperature, handling == MASKED, report


#: How ``--details`` forecasts a day's peak (see :mod:`forecast.baseline.evaluation`).
DAILY_PEAK_FORECAST = (
    "the point forecast's daily maximum, at its hour (the model's noise is one factor per day, "
    "so within a day the point forecast has no maximum-of-noise bias)"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _number(value: float | None, decimals: int = 2, *, sign: bool = False) -> str:
    return "–" if value is None else f"{value:{'+' if sign else ''}.{decimals}f}"


def _format_details(label: str, year: str, numbers: dict) -> str:
    """The text of one year's ``--details``."""
    minimum = numbers["annual_minimum"]
    skill = numbers["skill_score"]
    by_hour = numbers["mape_by_hour_pct"]
    by_type = numbers["mape_by_day_type_pct"]
    by_month = numbers["mape_by_month_pct"]
    lines = [
        f"details {label} {year} (MAPE of the point forecast; a day's peak forecast is "
        "its daily maximum)",
        "  skill vs seasonal naive: "
        + (f"{skill:.3f} (1 - MAPE / MAPE of seasonal naive)" if skill is not None
           else f"none (seasonal naive does not score {year}; it needs the year before)"),
        f"  daily peak: MAPE {_number(numbers['daily_peak_mape_pct'])} % over "
        f"{numbers['daily_peak_days']} days; peak hour error "
        f"{_number(numbers['daily_peak_hour_error_h'], sign=True)} h (forecast - actual), "
        f"mean |.| {_number(numbers['daily_peak_hour_abs_error_h'])} h",
        f"  annual minimum: actual {minimum['actual_mw']:,.0f} MW at {minimum['actual_time']}; "
        f"forecast {minimum['forecast_mw']:,.0f} MW at {minimum['forecast_time']}; "
        f"error {minimum['error_pct']:+.2f} %",
        "  MAPE % by hour:  "
        + " ".join(f"{hour:02d} {_number(value, 1)}" for hour, value in enumerate(by_hour[:12])),
        "                   "
        + " ".join(f"{hour:02d} {_number(value, 1)}" for hour, value in
                   enumerate(by_hour[12:], start=12)),
        "  MAPE % by day type: "
        + ", ".join(f"{name} {_number(value)} ({numbers['days_by_day_type'][name]} d)"
                    for name, value in by_type.items()),
        "  MAPE % by month: "
        + " ".join(f"{_MONTHS[int(month) - 1]} {_number(value)}"
                   for month, value in by_month.items()),
    ]  # fmt: skip
    return "\n".join(lines)


def _periods_note(forecasts: list, observed: pd.Series) -> str | None:
    """One line where a year was scored in part or the file's year was dropped: which years
    were scored whole, which in part (their days) and which not at all; None where every
    year of the file was scored whole."""
    import pandas as pd

    whole = [str(f.year) for f in forecasts if f.complete]
    part = [f"{f.year} ({f.period[0]} .. {f.period[1]})" for f in forecasts if not f.complete]
    scored = {f.year for f in forecasts}
    dropped = sorted(set(pd.DatetimeIndex(observed.index).year) - scored)
    if not part and not dropped:
        return None
    said = [f"whole: {', '.join(whole) or 'none'}"]
    if part:
        said.append(
            f"in part: {', '.join(part)}, on its hours only (energy error, peak error and the "
            "annual peak's band are per whole year: n/a)"
        )
    if dropped:
        said.append(f"not scored: {', '.join(map(str, dropped))} (see the notes above)")
    return "note: years scored " + "; ".join(said)


def _json_metrics(
    table: pd.DataFrame, partial: dict[str, tuple[str, str]]
) -> tuple[list[dict], dict[str, dict]]:
    """The metrics table as JSON: one record per forecast and year (``year`` an integer,
    ``complete`` false for a partial year, with its ``period``), and the mean rows apart,
    ``{forecast: {metric: value}}``; NaN as null."""
    import pandas as pd

    from forecast.baseline.evaluation import MEAN_ROW

    def numbers(row: pd.Series) -> dict[str, float | None]:
        return {str(key): (None if pd.isna(value) else float(value)) for key, value in row.items()}

    records, means = [], {}
    for (name, year), row in cast(Iterable[tuple[tuple[str, str], pd.Series]], table.iterrows()):
        if year == MEAN_ROW:
            means[name] = numbers(row)
            continue
        record: dict[str, Any] = {"forecast": name, "year": int(year),
                                  "complete": year not in partial}  # fmt: skip
        if year in partial:
            record["period"] = list(partial[year])
        records.append({**record, **numbers(row)})
    return records, means


def _only_promoted_model() -> str | None:
    """The model ``evaluate`` scores when none is named: the only promoted one. With several
    it is refused: a demand file belongs to one grid, and the default model (Korea's) read a
    US utility's file in Korean time and scored it at 704 % MAPE without a word."""
    from forecast.baseline import artifacts

    promoted = artifacts.promoted_models()
    if len(promoted) > 1:
        raise OptionsError(
            f"--model: not given, and {len(promoted)} models are promoted ({', '.join(promoted)}): "
            "name the model of the demand file's grid, --model MODEL_ID[@VERSION]"
        )
    return None


def evaluate(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="MODEL_ID[@VERSION] of the demand file's grid (needed when several models "
            "are promoted; a version: that one, else the promoted one).",
        ),
    ] = None,
    demand: Annotated[
        Path,
        typer.Option(
            "--demand",
            help="Demand CSV, long or wide KPX, in the columns and unit the model was trained "
            "on (its training config's [data] timestamp_column, demand_column, demand_unit; by "
            "default timestamp,demand_mw in MW).",
        ),
    ] = Path("demand.csv"),
    temperature: Annotated[
        Path | None,
        typer.Option(
            "--temperature",
            help="Hourly temperature CSV in the columns and unit of the model's weather "
            "location (its location.toml; by default timestamp,temp_c in °C): ex post "
            "evaluation.",
        ),
    ] = None,
    daily_temperature: Annotated[
        Path | None,
        typer.Option(
            "--daily-temperature",
            help="Daily temperature CSV in the daily columns and unit of the model's weather "
            "location (by default date,temp_mean_c,temp_min_c,temp_max_c in °C): rebuilds "
            "long gaps of --temperature (without it they are masked).",
        ),
    ] = None,
    draws: Annotated[
        int, typer.Option(help="Monte Carlo draws per year (10..100000).", min=10, max=100_000)
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    details: Annotated[
        bool,
        typer.Option(
            "--details",
            help="Per year also: skill score against seasonal naive, daily-peak MAPE and "
            "timing, the annual minimum's error, MAPE by hour of day, day type and month.",
        ),
    ] = False,
    timestamp_timezone: Annotated[
        str | None,
        typer.Option(
            "--timestamp-timezone",
            help="IANA zone of the demand file's naive timestamps, e.g. UTC or Etc/GMT-10 "
            "(UTC+10 all year) (default: the model's training config's [data] "
            "timestamp_timezone, else the model's time zone).",
        ),
    ] = None,
    interval_label: Annotated[
        str | None,
        typer.Option(
            "--interval-label",
            help="beginning or ending: whether the demand file's timestamps label the hour "
            "they begin or end (default: the model's training config's [data] interval_label, "
            "else beginning).",
        ),
    ] = None,
    series: Annotated[
        Path | None,
        typer.Option(
            "--series",
            help="Write the hourly actual, point forecast and P10/P50/P90 of the scored years "
            "to this CSV file (timestamp with its UTC offset; MW).",
        ),
    ] = None,
    by: CalibrationByOption = None,
) -> None:
    """Score a baseline model on a demand file, per calendar year (a year the file covers in
    part on its hours, without the per-year energy and annual-peak metrics).

    The demand file is read as training read the model's: the columns, unit and timestamp
    conventions of its training config's [data] (kept in its manifest), in its time zone;
    --timestamp-timezone and --interval-label read a file of other conventions. A file whose
    daily profile matches the model's hours off is scored, with a warning on stderr.
    Ex post when --temperature is given (actual weather, read as training reads the model's
    weather location: its columns, unit and time zone); ex ante otherwise (the weather
    ensemble of the model's location). The seasonal-naive reference (same local clock hour
    364 days earlier, never from the year it forecasts) is shown for the years the file covers
    with a year before them. Gaps are handled
    by the documented rule (forecast.io.gaps): short ones interpolated, long temperature gaps
    rebuilt from --daily-temperature when given, every other long gap masked (not scored),
    and reported.
    """
    import pandas as pd

    from forecast.baseline.alignment import misalignment_warning, model_clock_lag
    from forecast.baseline.evaluation import (
        calibration_json,
        calibration_table,
        check_groupings,
        draws_note,
        format_calibration_table,
        format_pit,
        format_standard_table,
        format_table,
        metrics_table,
        model_forecasts,
        scored_years,
        seasonal_naive_forecasts,
        series_frame,
        year_details,
    )
    from forecast.baseline.model import load_baseline_model
    from forecast.calendar import is_time_zone
    from forecast.io.files import atomic_write
    from forecast.io.loaders import INTERVAL_LABELS
    from forecast.weather.locations import load_location

    groupings = check_groupings(by or [])
    if daily_temperature is not None and temperature is None:
        raise OptionsError(
            f"--daily-temperature = {str(daily_temperature)!r}: allowed only with --temperature"
        )
    if series is not None:
        check_output(series, option="--series")
        if series.suffix.lower() != ".csv":
            raise OptionsError(f"--series = {str(series)!r}: allowed: a .csv file name")
    if timestamp_timezone is not None and not is_time_zone(timestamp_timezone):
        raise OptionsError(
            f"--timestamp-timezone = {timestamp_timezone!r}: not an IANA time zone name; "
            "allowed: the zone of the demand file's naive timestamps, e.g. UTC, Etc/GMT-10"
        )
    if interval_label is not None and interval_label not in INTERVAL_LABELS:
        raise OptionsError(
            f"--interval-label = {interval_label!r}; allowed: {', '.join(INTERVAL_LABELS)}"
        )
    baseline = load_baseline_model(model or _only_promoted_model())
    reading = _demand_reading(
        baseline, timestamp_timezone=timestamp_timezone, interval_label=interval_label
    )
    observed, demand_gaps = _demand_on_grid(demand, baseline, reading)
    _check_years(baseline, observed, demand)
    reports = [demand_gaps]
    location_name = _weather_location_name(baseline)
    scored: list[int] | None = None  # every year, unless ex ante leaves some out
    if temperature is not None:
        location = None
        if location_name is not None:
            location = load_location(
                location_name,
                field="weather_location",
                origin=f"model {baseline.model_id}@{baseline.version}",
            )
        actual_c, masked, temperature_gaps = _actual_temperature(
            temperature,
            daily_temperature,
            pd.DatetimeIndex(observed.index),
            location=location,
            timezone=baseline.timezone,
        )
        observed = observed.mask(masked)  # no actual weather: not scored ex post
        reports.append(temperature_gaps)
        label, weather_source = "ex_post", str(temperature)

        def actual_weather(_year: int, local_times: pd.DatetimeIndex) -> np.ndarray:
            return actual_c[local_times].to_numpy()[None, :]

        weather_for_year: Callable[[int, pd.DatetimeIndex], np.ndarray | WeatherEnsemble] = (
            actual_weather
        )
    else:
        from forecast.weather import load_weather

        if location_name is None:
            raise OptionsError(
                f"model {baseline.model_id}@{baseline.version} names no weather location; "
                "give --temperature for an ex post evaluation"
            )
        ensemble = load_weather(location=location_name)
        label = "ex_ante"
        weather_source = f"{ensemble.source}; each year forecast on the years before it"

        def prior_weather(year: int, _local_times: pd.DatetimeIndex) -> WeatherEnsemble:
            # The scored year's own weather is not a forecast's (the backtest's rule).
            return ensemble.before(year)

        weather_for_year = prior_weather
        # A year with no weather year before it in a historical ensemble would be forecast on
        # its own and later years' weather: not scored ex ante, and said.
        years = scored_years(observed)
        unforecastable = [
            year
            for year in years
            if ensemble.kind == "historical" and not ensemble.years_before(year)
        ]
        scored = [year for year in years if year not in unforecastable]
        if unforecastable:
            span = f"{location_name} ({ensemble.labels[0]}-{ensemble.labels[-1]})"
            if not scored:
                raise OptionsError(
                    f"{demand}: {', '.join(map(str, unforecastable))}: no weather year of "
                    f"{span} before it: an ex ante forecast would use its own weather; give "
                    "--temperature for an ex post evaluation"
                )
            print(
                f"note: {', '.join(map(str, unforecastable))} not scored ex ante: no weather "
                f"year of {span} before it; --temperature scores it ex post",
                file=sys.stderr,
            )
    forecasts = model_forecasts(
        baseline,
        observed,
        weather_for_year=weather_for_year,
        n_draws=draws,
        seed=seed,
        years=scored,
    )
    if not forecasts:
        raise OptionsError(
            f"--demand = {str(demand)!r}: no hour with both demand and temperature to score; "
            "allowed: a file with at least one such hour"
        )
    lags = {
        forecast.year: model_clock_lag(forecast.actual_mw, forecast.point_mw, forecast.local_times)
        for forecast in forecasts
    }
    off = {year: lag for year, lag in lags.items() if lag}
    if off:
        print(
            misalignment_warning(
                max(off.values(), key=abs),
                against=f"the model's forecast on its clock ({baseline.timezone}; "
                f"{', '.join(map(str, off))})",
                file=str(demand),
                settings="--timestamp-timezone (e.g. UTC, Etc/GMT-10) or --interval-label ending "
                "([data] timestamp_timezone, interval_label in a training config)",
            ),
            file=sys.stderr,
        )
    table = pd.concat([
        metrics_table(forecasts, label=label),
        metrics_table(seasonal_naive_forecasts(observed, years=[f.year for f in forecasts]),
                      label="seasonal_naive"),
    ])  # fmt: skip
    if series is not None:
        frame = series_frame(forecasts, spec=baseline.spec)
        try:
            atomic_write(series, lambda path: frame.to_csv(path, index=False))
        except OSError as error:
            raise OptionsError(f"--series = {str(series)!r}: {error.strerror}") from None
    per_year = {}
    if details:
        mape = cast(dict[tuple[str, str], float], table["mape_pct"].to_dict())
        per_year = {
            str(forecast.year): year_details(
                forecast,
                spec=baseline.spec,
                mape_pct=mape[label, str(forecast.year)],
                reference_mape_pct=mape.get(("seasonal_naive", str(forecast.year))),
            )
            for forecast in forecasts
        }
    window = _training_window(baseline)
    in_sample = [
        forecast.year
        for forecast in forecasts
        if window is not None and int(window[0][:4]) <= forecast.year <= int(window[1][:4])
    ]
    partial = {str(f.year): f.period for f in forecasts if not f.complete}
    periods = _periods_note(forecasts, observed)
    calibration = calibration_json(forecasts)
    if as_json:
        records, means = _json_metrics(table, partial)
        print(json.dumps({
            "model": f"{baseline.model_id}@{baseline.version}",
            "demand_file": str(demand),
            "mode": label,
            "weather": weather_source,
            "draws": draws,
            "seed": seed,
            "gaps": [report.to_dict() for report in reports],
            "in_sample_years": in_sample,
            "partial_years": {year: list(period) for year, period in partial.items()},
            "metrics": records,
            "mean": means,
            "calibration": {label: calibration},
            **({"details": {"forecast": label, "daily_peak_forecast": DAILY_PEAK_FORECAST,
                            "years": per_year}} if details else {}),
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    print(f"model {baseline.model_id}@{baseline.version}; {label}; weather: {weather_source}")
    for report in reports:
        print(f"gaps: {report.summary()}")
    print(format_table(table, partial=partial))
    print(format_standard_table(table, partial=partial))
    for year, numbers in per_year.items():
        print(_format_details(label, year, numbers))
    for grouping in groupings:
        print(
            format_calibration_table(
                {label: calibration_table(forecasts, by=grouping)}, by=grouping
            )
        )
    print(format_pit(label, calibration["pit"]))
    if periods:
        print(periods)
    if note := draws_note(draws):
        print(note)
    if in_sample and window is not None:
        print(
            f"note: {', '.join(map(str, in_sample))} inside the model's training data "
            f"({window[0]} .. {window[1]}): in-sample scores, not a forecast's"
        )
