"""Training configs and training data: what :mod:`models.train` and :mod:`models.backtest` read.

:func:`load_config` reads a training config TOML (``models/configs/*.toml``: the grid's demand
file, time zone, holiday country, weather location, feature and window settings) and refuses
a missing, unknown or malformed key in one line; :func:`load_training_data` loads the demand
and the weather location's temperature on the complete hourly grid, with their gaps handled
and reported (:mod:`forecast.io.gaps`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from forecast.baseline import artifacts
from forecast.baseline.alignment import (
    WEATHER_RESPONSE_LAG_H,
    misalignment_warning,
    weather_response_lag,
)
from forecast.baseline.features import FeatureSpec
from forecast.baseline.model import NOISE_HOUR_SPLITS
from forecast.calendar import holiday_dates, hourly_times, is_time_zone
from forecast.errors import DataError, OptionsError, year_error
from forecast.io.gaps import INTERPOLATED, MASKED, OBSERVED, GapReport, interpolate_short_gaps
from forecast.io.loaders import DEMAND_UNITS, INTERVAL_LABELS, read_demand
from forecast.paths import real_data_dir
from forecast.units import MWH_TO_TWH
from forecast.weather import historical_record, load_location

#: Fewest years of demand a fit needs (a backtest year's fit: the years before it; the level
#: trend and the year intercepts need three). [years]
MIN_FIT_YEARS = 3
#: ``[training] level_momentum``: none; the random walk from the origin year's end (its mean ×
#: (1 + g/2)); the random walk with one year's drift (× (1 + g)); or that drifted walk as a
#: third member of the combination (g: the year-over-year growth of the origin year's last
#: months; :func:`models.fit.combined_level`).
LEVEL_MOMENTUM_MODES = ("none", "year_end", "drift", "member")
#: The modes ``forecast-train`` accepts (the others are backtest measurements).
TRAINABLE_LEVEL_MOMENTUM_MODES = ("none", "member")
# The keys a training config may hold, by section (anything else is a typo, refused).
_CONFIG_KEYS = {
    "model": {
        "id", "description", "demand_basis", "country", "subdivision", "timezone",
        "weather_location", "noise_by_hour", "noise_hour_split",
    },
    "data": {
        "dir", "demand_file", "timestamp_column", "demand_column", "wide_date_column",
        "demand_unit", "first_year", "last_year", "timestamp_timezone", "interval_label",
    },
    "features": set(FeatureSpec.__dataclass_fields__) - {"country", "subdivision"},
    "training": {
        "shape_window_years", "level_window_years", "ridge_penalty", "level_momentum",
        "level_momentum_months", "shape_windows",
    },
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
    demand_unit: str  # of the demand file: "kW", "MW" or "GW", converted to MW on reading
    timestamp_timezone: str | None  # of the file's naive timestamps; None: ``timezone``
    interval_label: str  # "beginning" or "ending": which end of its hour a timestamp labels
    first_year: int
    last_year: int
    spec: FeatureSpec
    shape_window_years: int
    level_window_years: int
    ridge_penalty: float
    backtest_years: tuple[int, ...]
    backtest_draws: int
    seed: int
    #: The daily noise scaled by hour of day (``[model] noise_by_hour``, default false;
    #: ``noise_hour_split`` "none", "day_off" or "season"): issue 13's eighth round, for the
    #: backtest only (``forecast-train`` refuses it: the projection engine does not apply it).
    noise_by_hour: bool = False
    noise_hour_split: str = "none"
    #: Year-over-year momentum in the level (``[training] level_momentum``, default "none";
    #: "year_end", "drift" or "member", over the origin year's last ``level_momentum_months``
    #: months, 3 or 6) and a combination of shape windows (``shape_windows``, e.g. [3, 4, 5];
    #: default [], the one window ``shape_window_years``): issue 13's ninth round, for the
    #: backtest only (``forecast-train`` refuses them; see :mod:`models.fit`).
    level_momentum: str = "none"
    level_momentum_months: int = 3
    shape_windows: tuple[int, ...] = ()


def _require(table: dict, key: str, section: str, path: Path):
    if key not in table:
        raise OptionsError(f"{path}: [{section}] {key} is required")
    return table[key]


def _number(table: dict, key: str, section: str, path: Path, default, kind=int):
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionsError(f"{path}: [{section}] {key} = {value!r}; allowed: a number")
    return kind(value)


def _check_holiday_calendar(path: Path, country: object, subdivision: object) -> None:
    """``[model] country`` must be an ISO 3166-1 alpha-2 code the ``holidays`` package knows,
    and ``subdivision`` a code or an alias it takes (e.g. 'Bayern', 'Virginia'): refused here,
    naming the file and the field, not later in the fit. Alpha-2, because scenarios name
    their country so (``^([A-Z]{2}|world)$``): a model trained for 'USA', which the package
    takes too, could never be a scenario's default. The lookup is
    :func:`forecast.calendar.holiday_dates`', cached on disk."""
    year = dt.date.today().year
    if not (
        isinstance(country, str)
        and re.fullmatch(r"[A-Z]{2}", country)
        and holiday_dates(country, year, year) is not None
    ):
        import holidays  # only to name the alpha-2 code of an alpha-3 one in the message

        letters = re.fullmatch(r"[A-Za-z]{2,3}", str(country))
        entity = getattr(holidays, str(country).upper(), None) if letters else None
        alpha2 = getattr(entity, "country", None)
        hint = (
            f"use the ISO 3166-1 alpha-2 code {alpha2!r}"
            if isinstance(alpha2, str) and alpha2 != country
            else "not a country the holidays package knows"
        )
        raise OptionsError(
            f"{path}: [model] country = {country!r}: {hint}; allowed: ISO 3166-1 alpha-2 "
            "codes such as 'KR', 'AU', 'US', 'DE' (as scenarios name their country)"
        )
    if subdivision is not None and (
        not isinstance(subdivision, str)
        or holiday_dates(country, year, year, subdivision=subdivision) is None
    ):
        import holidays  # only to list the country's codes in the message

        codes = holidays.list_supported_countries().get(country, [])
        allowed = f"{', '.join(codes)} ({len(codes)} codes)" if codes else "none"
        raise OptionsError(
            f"{path}: [model] subdivision = {subdivision!r}: not one of {country}'s; allowed: "
            f"{allowed}, or leave subdivision out"
        )


def _data_directory(path: Path, data: dict, data_dir: Path | None) -> Path:
    """The real data directory, absolute: ``--data-dir``, else ``FORECAST_DATA_DIR`` (both
    relative to the working directory, like any command-line path), else ``[data] dir``
    relative to the config file's own directory (a config read from anywhere finds the same
    files), else :data:`forecast.paths.DEFAULT_DATA_DIR` in the working directory."""
    if data_dir is not None:
        return Path(data_dir).resolve()
    configured = data.get("dir")
    if os.environ.get("FORECAST_DATA_DIR") or configured is None:
        return real_data_dir().resolve()
    if not isinstance(configured, str) or not configured.strip():
        raise OptionsError(
            f"{path}: [data] dir = {configured!r}; allowed: a directory, relative to the "
            "config file's directory or absolute"
        )
    return (path.resolve().parent / configured).resolve()


def _noise_by_hour(model: dict, path: Path) -> bool:
    value = model.get("noise_by_hour", False)
    if not isinstance(value, bool):
        raise OptionsError(f"{path}: [model] noise_by_hour = {value!r}; allowed: true or false")
    return value


def _noise_hour_split(model: dict, path: Path) -> str:
    value = model.get("noise_hour_split", "none")
    if value not in NOISE_HOUR_SPLITS:
        raise OptionsError(
            f"{path}: [model] noise_hour_split = {value!r}; allowed: "
            f"{', '.join(repr(name) for name in NOISE_HOUR_SPLITS)}"
        )
    return str(value)


def _level_momentum(training: dict, path: Path) -> tuple[str, int]:
    mode = training.get("level_momentum", "none")
    if mode not in LEVEL_MOMENTUM_MODES:
        raise OptionsError(
            f"{path}: [training] level_momentum = {mode!r}; allowed: "
            f"{', '.join(repr(name) for name in LEVEL_MOMENTUM_MODES)}"
        )
    months = training.get("level_momentum_months", 3)
    if isinstance(months, bool) or months not in (3, 6):
        raise OptionsError(
            f"{path}: [training] level_momentum_months = {months!r}; allowed: 3 or 6"
        )
    return str(mode), int(months)


def _shape_windows(training: dict, path: Path) -> tuple[int, ...]:
    windows = training.get("shape_windows", [])
    if not (
        isinstance(windows, list)
        and all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in windows)
        and len(set(windows)) == len(windows)
    ):
        raise OptionsError(
            f"{path}: [training] shape_windows = {windows!r}; allowed: a list of distinct "
            "window lengths in years, e.g. [3, 4, 5], or [] for shape_window_years alone"
        )
    return tuple(windows)


def load_config(path: Path | str, *, data_dir: Path | None = None) -> TrainingConfig:
    """Read a training config TOML.

    Parameters
    ----------
    path
        Config file.
    data_dir
        Overrides ``[data] dir``; otherwise ``FORECAST_DATA_DIR`` overrides it when set. A
        relative ``[data] dir`` is relative to the config file's directory.

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
    directory = _data_directory(path, data, data_dir)
    country = _require(model, "country", "model", path)
    for key in ("first_year", "last_year"):
        _require(data, key, "data", path)
    _check_holiday_calendar(path, country, model.get("subdivision"))
    try:
        spec = FeatureSpec(country=country, subdivision=model.get("subdivision"), **features)
    except (TypeError, ValueError) as error:
        raise OptionsError(f"{path}: [features] {error}") from None
    location = load_location(
        _require(model, "weather_location", "model", path),
        field="[model] weather_location",
        origin=str(path),
    )
    timezone = _require(model, "timezone", "model", path)
    if not is_time_zone(timezone):
        raise OptionsError(
            f"{path}: [model] timezone = {timezone!r}: not an IANA time zone name "
            "(e.g. 'Asia/Seoul', 'Australia/Sydney', 'America/New_York')"
        )
    years = backtest.get("years", ())
    if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
        raise OptionsError(f"{path}: [backtest] years = {years!r}: allowed: a list of years")
    demand_unit = data.get("demand_unit", "MW")
    if demand_unit not in DEMAND_UNITS:
        raise OptionsError(
            f"{path}: [data] demand_unit = {demand_unit!r}; allowed: "
            f"{', '.join(repr(unit) for unit in DEMAND_UNITS)} (the demand file's unit, "
            "converted to MW on reading)"
        )
    timestamp_timezone = data.get("timestamp_timezone")
    if timestamp_timezone is not None and not (
        isinstance(timestamp_timezone, str) and is_time_zone(timestamp_timezone)
    ):
        raise OptionsError(
            f"{path}: [data] timestamp_timezone = {timestamp_timezone!r}: not an IANA time zone "
            "name; allowed: the zone of the demand file's naive timestamps, e.g. 'UTC', "
            "'Etc/GMT-10' (UTC+10 all year, AEMO's market time), or leave it out for [model] "
            "timezone"
        )
    interval_label = data.get("interval_label", "beginning")
    if interval_label not in INTERVAL_LABELS:
        raise OptionsError(
            f"{path}: [data] interval_label = {interval_label!r}; allowed: "
            f"{', '.join(repr(label) for label in INTERVAL_LABELS)} (whether a timestamp labels "
            "the hour it begins or the hour it ends)"
        )
    momentum_mode, momentum_months = _level_momentum(training, path)
    model_id = _require(model, "id", "model", path)
    if model_id == artifacts.NO_MODEL:
        raise OptionsError(
            f"{path}: [model] id = {model_id!r}: reserved (a scenario's baseline_model = "
            f"{artifacts.NO_MODEL!r} asks for no model); allowed: any other name"
        )
    config = TrainingConfig(
        path=path,
        raw=raw,
        model_id=model_id,
        description=model.get("description", ""),
        country=country,
        timezone=timezone,
        weather_location=location.name,
        data_dir=directory,
        demand_file=_require(data, "demand_file", "data", path),
        timestamp_column=data.get("timestamp_column", "timestamp"),
        demand_column=data.get("demand_column", "demand_mw"),
        wide_date_column=data.get("wide_date_column", "날짜"),
        demand_unit=demand_unit,
        timestamp_timezone=timestamp_timezone,
        interval_label=interval_label,
        first_year=_number(data, "first_year", "data", path, None),
        last_year=_number(data, "last_year", "data", path, None),
        spec=spec,
        shape_window_years=_number(training, "shape_window_years", "training", path, 6),
        level_window_years=_number(training, "level_window_years", "training", path, 6),
        ridge_penalty=_number(training, "ridge_penalty", "training", path, 1e-3, float),
        backtest_years=tuple(years),
        backtest_draws=_number(backtest, "draws", "backtest", path, 400),
        seed=_number(backtest, "seed", "backtest", path, 0),
        noise_by_hour=_noise_by_hour(model, path),
        noise_hour_split=_noise_hour_split(model, path),
        level_momentum=momentum_mode,
        level_momentum_months=momentum_months,
        shape_windows=_shape_windows(training, path),
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
    origin = spec.trend_origin_year
    if not config.first_year <= origin <= config.last_year:
        given = "" if "trend_origin_year" in features else " (the default)"
        raise OptionsError(
            f"{path}: [features] trend_origin_year = {origin}{given}: outside the data's years; "
            f"allowed: a year of [data] first_year..last_year ({config.first_year}.."
            f"{config.last_year})"
        )
    _check_fit_years(config, config.backtest_years, setting=f"{path}: [backtest] years")
    return config


def _check_fit_years(config: TrainingConfig, years: tuple[int, ...], *, setting: str) -> None:
    """Refuse, before any data is read, a backtest year after ``last_year`` or with fewer than
    :data:`MIN_FIT_YEARS` years from ``first_year`` before it (each is fitted on the years
    before it), naming ``setting`` (with the config file where the file set the years), and a
    ``last_year`` with fewer up to it (the final fit), naming the config file."""
    earliest = config.first_year + MIN_FIT_YEARS
    if config.last_year < earliest - 1:
        raise OptionsError(
            f"{config.path}: [data] last_year = {config.last_year}: training needs at least "
            f"{MIN_FIT_YEARS} years of data, [data] first_year = {config.first_year} .. "
            f"last_year; allowed: last_year >= {earliest - 1}"
        )
    for year in years:
        if not earliest <= year <= config.last_year:
            raise _backtest_year_error(config, setting, year)


def _backtest_year_error(
    config: TrainingConfig, setting: str, value: object, *, form: str = ""
) -> OptionsError:
    """The error of a backtest year ``value`` (``setting``: ``--years``, or the config's
    ``[backtest] years``) outside the years a backtest can score, in the year options'
    wording (:func:`~forecast.errors.year_error`); ``form``, how the years are written, before
    the reason."""
    return year_error(
        setting,
        value,
        low=config.first_year + MIN_FIT_YEARS,
        high=config.last_year,
        why=f"{form}each is fitted on the {MIN_FIT_YEARS} or more years from [data] first_year = "
        f"{config.first_year} before it, up to last_year",
    )


def _check_years_in_file(config: TrainingConfig, observed: pd.Series, demand_path: Path) -> None:
    """``[data] first_year`` and ``last_year`` must lie in the demand file's years: a year
    before the file starts would be refused later for want of temperature, misleadingly, and
    one after it ends would be trained on as if the file held it. Refused, never guessed."""
    index = pd.DatetimeIndex(observed.index)
    starts, ends = index[0], index[-1]
    span = f"the demand file {demand_path} covers {starts.date()} .. {ends.date()}"
    if config.first_year < starts.year:
        raise OptionsError(
            f"{config.path}: [data] first_year = {config.first_year}: {span}; allowed: "
            f"{starts.year}..{ends.year}"
        )
    if config.last_year > ends.year:
        raise OptionsError(
            f"{config.path}: [data] last_year = {config.last_year}: {span}; allowed: "
            f"{starts.year}..{ends.year}"
        )


def with_backtest_years(config: TrainingConfig, years: str) -> TrainingConfig:
    """``config`` with its ``[backtest] years`` replaced by ``years``, comma-separated
    ("2016,2017,2018"): the same model scored on other folds, e.g. years no choice was made on.

    Raises
    ------
    OptionsError
        One line naming ``--years``, the value and the years allowed.
    """
    try:
        chosen = tuple(int(part) for part in years.split(","))
    except ValueError:
        raise _backtest_year_error(config, "--years", years, form="comma-separated; ") from None
    _check_fit_years(config, chosen, setting="--years")
    return replace(config, backtest_years=chosen)


#: Fewest days of usable hours (demand with temperature) that a part year at either end of the
#: training data needs, counted from Jan 1 to the last usable day (a part last year) or from
#: the first usable day to Dec 31 (a part first year): a year's level (its mean load over the
#: shape, see :mod:`models.fit`) enters the level trend, the last year's is the level
#: forecast's origin and half its weight, and a level fitted from fewer days rests on one
#: season. A quarter of a year; with fewer, [data] last_year or first_year is refused. [d]
MIN_PART_YEAR_DAYS = 90


def part_year_end(usable: pd.DatetimeIndex) -> pd.Timestamp | None:
    """The last usable hour when it ends a part year (before Dec 31), else None."""
    if not len(usable):
        return None
    end = pd.Timestamp(usable[-1])
    return None if (end.month, end.day) == (12, 31) else end


def part_year_start(usable: pd.DatetimeIndex) -> pd.Timestamp | None:
    """The first usable hour when it starts a part year (after Jan 1), else None."""
    if not len(usable):
        return None
    start = pd.Timestamp(usable[0])
    return None if (start.month, start.day) == (1, 1) else start


def days_to_year_end(start: pd.Timestamp) -> int:
    """Days from ``start``'s date to Dec 31 of its year, both counted. [d]"""
    return (dt.date(start.year, 12, 31) - start.date()).days + 1


def _check_part_year(config: TrainingConfig, usable: pd.DatetimeIndex) -> None:
    """Refuse a last year with fewer than :data:`MIN_PART_YEAR_DAYS` usable days, or none,
    and a first year with fewer: the same rule at both ends, one line naming what is allowed.
    """
    if not len(usable):
        return  # the fit says it has no years
    start = part_year_start(usable)
    if start is not None and (days := days_to_year_end(start)) < MIN_PART_YEAR_DAYS:
        enough = dt.date(start.year, 12, 31) - dt.timedelta(days=MIN_PART_YEAR_DAYS - 1)
        raise DataError(
            f"{config.path}: [data] first_year = {config.first_year}: the usable hours (demand "
            f"with temperature) start on {start.date()}, {days} days before the end of "
            f"{start.year}: too few to fit the year's level (a part first year needs "
            f"{MIN_PART_YEAR_DAYS} days); allowed: first_year = {start.year + 1} (the first "
            f"whole year), or data from {enough}"
        )
    end = pd.Timestamp(usable[-1])
    where = (
        f"{config.path}: [data] last_year = {config.last_year}: the usable hours (demand with "
        f"temperature) end on {end.date()}"
    )
    if end.year < config.last_year:
        raise DataError(
            f"{where}, before {config.last_year}; allowed: last_year = {end.year} or earlier, "
            f"or a temperature record that covers {config.last_year}"
        )
    if part_year_end(usable) is not None and end.day_of_year < MIN_PART_YEAR_DAYS:
        enough = dt.date(end.year, 1, 1) + dt.timedelta(days=MIN_PART_YEAR_DAYS - 1)
        raise DataError(
            f"{where}, {end.day_of_year} days into {end.year}: too few to fit the year's "
            f"level (a part last year needs {MIN_PART_YEAR_DAYS} days); allowed: last_year = "
            f"{end.year - 1} (the last whole year), or data through {enough}"
        )


#: Hours of a mean calendar year (365.25 days), for a demand's annual energy. [h]
MEAN_YEAR_HOURS = 8_766


def _check_demand_level(config: TrainingConfig, observed: pd.Series, demand_path: Path) -> None:
    """Refuse, before any fit, a mean demand above the largest level a model may have
    (:data:`forecast.baseline.artifacts.MAX_LOG_LEVEL`): a file in kW read as MW. The same
    bound refused such a file only after the whole backtest, naming a parameter, not the file
    or its unit. A small grid in kW stays under it: :func:`demand_summary` shows its size."""
    mean = float(observed.mean())
    largest = math.exp(artifacts.MAX_LOG_LEVEL)
    if mean > largest:
        raise DataError(
            f"{demand_path}: column {config.demand_column!r} averages {mean:,.0f} MW read in "
            f"{config.demand_unit} ([data] demand_unit); allowed: a grid's mean demand up to "
            f'{largest:,.0f} MW: is the file in kW? set demand_unit = "kW" in {config.path}'
        )


def demand_summary(config: TrainingConfig, demand: pd.Series) -> str:
    """One line of the demand's size in MW as trained on (its mean, peak and annual energy),
    so that a file in the wrong unit shows at once (a 400 MW utility in kW read as MW trained
    as a 684 GW grid, without a word)."""
    values = demand.to_numpy(dtype=np.float64)
    mean, peak = float(np.nanmean(values)), float(np.nanmax(values))
    read = (
        f"read in {config.demand_unit}, converted ([data] demand_unit)"
        if config.demand_unit != "MW"
        else "read in MW ([data] demand_unit)"
    )
    return (
        f"demand: mean {mean:,.0f} MW, peak {peak:,.0f} MW, about "
        f"{mean * MEAN_YEAR_HOURS * MWH_TO_TWH:,.1f} TWh "
        f"a year ({config.demand_file}, {read})"
    )


class TrainingData(NamedTuple):
    """What training fits on: the complete hourly grid of the training years."""

    demand: pd.Series  # [MW] on every hour; NaN = masked (a long gap, or no usable temperature)
    temperature: pd.Series  # [°C] on the same hours, complete (see forecast.io.gaps)
    gaps: tuple[GapReport, ...]  # demand and temperature gaps, and how each was handled


def load_training_data(config: TrainingConfig) -> TrainingData:
    """Hourly demand and temperature on the complete hourly grid, gaps handled and reported.

    The grid runs from local midnight of Jan 1 of the first year with demand (not before
    ``first_year``) to the end of the last such year (not after ``last_year``), one entry per
    instant. Demand gaps of at most :data:`forecast.io.gaps.MAX_INTERPOLATED_GAP_HOURS` hours are
    interpolated, longer ones masked (NaN). The temperature is the weather location's completed
    record (:func:`forecast.weather.historical_record`, a part year at the end of its file
    included); hours whose temperature is masked there or lies outside the record are masked in
    the demand too. A gap never fails training; a last year whose usable hours end before it
    starts, or fewer than :data:`MIN_PART_YEAR_DAYS` days into it, does, and so does a first
    year whose usable hours start fewer than :data:`MIN_PART_YEAR_DAYS` days before its end
    (a demand file from 15 November): the same rule at both ends, refused rather than fitted
    without the short year, since [data] first_year and last_year say which years to fit.

    Raises
    ------
    OptionsError
        ``[data] first_year`` or ``last_year`` outside the demand file's years.
    DataError
        A data file is missing or malformed, or the first or last year is too short (above).
    """
    demand_path = config.data_dir / config.demand_file
    observed, resolution = read_demand(
        demand_path,
        timezone=config.timezone,
        timestamp_column=config.timestamp_column,
        demand_column=config.demand_column,
        wide_date_column=config.wide_date_column,
        unit=config.demand_unit,
        timestamp_timezone=config.timestamp_timezone,
        interval_label=config.interval_label,
    )
    _check_years_in_file(config, observed, demand_path)
    years = pd.DatetimeIndex(observed.index).year
    observed = observed[(years >= config.first_year) & (years <= config.last_year)]
    if observed.empty:
        raise DataError(
            f"{demand_path}: no demand in [data] first_year..last_year = {config.first_year}.."
            f"{config.last_year}; allowed: years the file covers"
        )
    _check_demand_level(config, observed, demand_path)
    kept_years = pd.DatetimeIndex(observed.index).year
    grid = hourly_times(
        dt.date(int(kept_years.min()), 1, 1),
        dt.date(int(kept_years.max()), 12, 31),
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
        GapReport.from_handling(
            grid,
            demand_handling,
            series="demand",
            source=config.demand_file,
            averaging=resolution.summary(),
        ),
        GapReport.from_handling(
            grid,
            temperature_handling.astype(np.int8),
            series=f"temperature ({config.weather_location})",
            source=record.location.hourly_file,
        ),
    )
    _check_part_year(config, grid[np.isfinite(demand_values)])
    return TrainingData(
        demand=pd.Series(demand_values, index=grid, name="demand_mw"),
        temperature=temperature.rename("temp_c"),
        gaps=reports,
    )


def clock_warning(config: TrainingConfig, data: TrainingData) -> str | None:
    """A warning line when the demand's hot-day excess follows the weather location's
    temperature cycle more than :data:`forecast.baseline.alignment.WEATHER_RESPONSE_LAG_H`
    hours off (a file in naive UTC read as local time: 10 h in Sydney), else None."""
    lag = weather_response_lag(
        data.demand.to_numpy(), data.temperature.to_numpy(), pd.DatetimeIndex(data.demand.index)
    )
    if lag is None or abs(lag) <= WEATHER_RESPONSE_LAG_H:
        return None
    return misalignment_warning(
        lag,
        against=f"the temperature of {config.weather_location} on hot days",
        file=config.demand_file,
        settings=f"[data] timestamp_timezone or interval_label in {config.path}",
    )


#: The shipped training configs (Korea's and NSW's), the ones a new grid's config is copied from.
SHIPPED_CONFIGS_DIR = Path(__file__).resolve().parent / "configs"


def copied_config_warning(config: TrainingConfig) -> str | None:
    """A warning line when ``[model] description`` or ``demand_basis`` is word for word a
    shipped config's under another ``id``: copied and not edited, it would describe another
    grid in the model card and in every projection (``baseline_demand_basis``). None
    otherwise."""
    mine = config.raw.get("model", {})
    for shipped in sorted(SHIPPED_CONFIGS_DIR.glob("*.toml")):
        try:
            theirs = tomllib.loads(shipped.read_text(encoding="utf-8")).get("model", {})
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if theirs.get("id") == config.model_id:
            continue
        same = [
            key
            for key in ("description", "demand_basis")
            if mine.get(key) and mine.get(key) == theirs.get(key)
        ]
        if same:
            return (
                f"warning: {config.path}: [model] {' and '.join(same)} of {config.model_id!r} "
                f"are word for word those of {theirs.get('id')!r} ({shipped.name}): copied and "
                "not edited? the model card and every projection on the model say them; "
                "describe this grid's demand"
            )
    return None
