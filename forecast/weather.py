"""Hourly temperature for projections: the historical record, a shipped climatology, ensembles.

Future weather is unknown, so every projection runs over a *weather ensemble*: a set of
plausible hourly temperature years on a leap-year calendar (8784 hours). Three kinds:

``historical``
    The 12 observed Seoul years 2013-2024 (KMA ASOS station 108), read from the real data
    directory. The hourly file has gaps (2018-10-01 .. 2021-12-31 and the last 23 hours of
    2022, 2023 and 2024); those hours are rebuilt from the official daily minimum and maximum
    with a climatological diurnal shape, see :func:`historical_hourly_temperature`.
``typical``
    One smoothed climatological year from the shipped ``data/weather/<location>/
    climatology.json``: per hour of the day, a least-squares fit of a constant plus
    ``ANNUAL_HARMONICS`` annual harmonics to the 12 historical years.
``synthetic``
    Years drawn from the shipped statistics: the typical year plus an AR(1) daily-mean anomaly,
    with the diurnal swing scaled by a daily range that responds to the anomaly. Seeded and
    deterministic; needs no real data.

The shipped climatology holds only derived statistics (smoothed means, a normalised diurnal
shape, AR(1) and range statistics), never observed rows. Regenerate it with
``python -m forecast.weather build-climatology``.

Source of the observations: Korea Meteorological Administration (KMA), ASOS hourly and daily
statistics for station 108 (Seoul); provenance in the real data directory's README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import DataError, NotFoundError, OptionsError
from forecast.paths import real_data_dir, shipped_data_dir

HOURLY_FILE = "korea_temperature.csv"
DAILY_FILE = "korea_temperature_daily.csv"
HISTORICAL_YEARS: tuple[int, ...] = tuple(range(2013, 2025))
HOURS_IN_LEAP_YEAR = 8784
DAYS_IN_LEAP_YEAR = 366
PLAUSIBLE_TEMPERATURE_C = (-40.0, 50.0)
# Four annual harmonics: the typical year's calendar-month means then lie within 0.41 degC of
# the 12-year means, about the sampling error of a 12-year monthly mean (~0.4 degC); more
# harmonics would chase that noise.
ANNUAL_HARMONICS = 4
CLIMATOLOGY_FORMAT_VERSION = 1
WEATHER_KINDS = ("auto", "historical", "typical", "synthetic")
# Korea has kept UTC+09:00 without daylight saving since 1988.
LOCATION_TIME_ZONES: dict[str, str] = {"seoul": "Asia/Seoul"}
KST = dt.timezone(dt.timedelta(hours=9))
# Bounds of the synthetic day's range relative to the month's mean range: keeps a drawn day
# from losing its diurnal cycle or swinging implausibly (observed ratios: 0.13 .. 2.1).
SYNTHETIC_RANGE_RATIO_BOUNDS = (0.1, 2.5)
# Hours over which a step at the edge of rebuilt hours is spread (see _smooth_seams).
SEAM_TAPER_HOURS = 6

_LEAP_MONTH_START_DAY = np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335])
_FEB_28_INDEX = 58  # zero-based day of the leap calendar
_FEB_29_INDEX = 59
_OFFSET_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def leap_calendar_hour(months: np.ndarray, days: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Hour of the leap-year calendar (0 = Jan 1 00:00, 8783 = Dec 31 23:00) of a date and hour.

    Parameters
    ----------
    months
        Month of the year, 1..12. [-]
    days
        Day of the month, 1..31. [-]
    hours
        Hour of the day, 0..23. [h]
    """
    months = np.asarray(months, dtype=np.int64)
    return (_LEAP_MONTH_START_DAY[months - 1] + np.asarray(days) - 1) * 24 + np.asarray(hours)


def _leap_calendar_month_of_day() -> np.ndarray:
    """Month (1..12) of each of the 366 days of the leap calendar."""
    return np.searchsorted(_LEAP_MONTH_START_DAY, np.arange(DAYS_IN_LEAP_YEAR), side="right")


# --------------------------------------------------------------------------------------------
# Weather ensemble


@dataclass(frozen=True, eq=False)
class WeatherEnsemble:
    """A set of hourly temperature years on a leap-year calendar.

    Attributes
    ----------
    labels
        One name per weather year, e.g. ``("2013", ..., "2024")``, ``("typical",)`` or
        ``("synthetic-00", ...)``.
    temperature_c
        Outdoor air temperature, float64[W, 8784], indexed by the hour of a leap-year calendar
        (Jan 1 00:00 .. Dec 31 23:00 local time). A non-leap weather year carries Feb 28's
        values on Feb 29. Read-only. [°C]
    source
        Human-readable provenance.
    location
        Location key, one of ``LOCATION_TIME_ZONES``.
    """

    labels: tuple[str, ...]
    temperature_c: np.ndarray
    source: str
    location: str

    def __post_init__(self) -> None:
        if self.location not in LOCATION_TIME_ZONES:
            raise NotFoundError(
                f"location={self.location!r} is not known; known: {sorted(LOCATION_TIME_ZONES)}"
            )
        temperature = np.array(self.temperature_c, dtype=np.float64)
        if temperature.ndim != 2 or temperature.shape[1] != HOURS_IN_LEAP_YEAR:
            raise DataError(
                f"temperature_c has shape {temperature.shape}; expected (years, "
                f"{HOURS_IN_LEAP_YEAR}) hours of a leap-year calendar"
            )
        if temperature.shape[0] != len(self.labels) or not self.labels:
            raise DataError(
                f"labels has {len(self.labels)} entries for {temperature.shape[0]} weather "
                "years; expected one label per year and at least one year"
            )
        if not np.isfinite(temperature).all():
            raise DataError("temperature_c contains NaN or infinite values; expected finite °C")
        temperature.setflags(write=False)
        object.__setattr__(self, "labels", tuple(str(label) for label in self.labels))
        object.__setattr__(self, "temperature_c", temperature)

    @property
    def n_years(self) -> int:
        """Number of weather years W."""
        return len(self.labels)

    def for_hours(self, local_times: pd.DatetimeIndex) -> np.ndarray:
        """Temperature of every weather year at the same month, day and hour as each timestamp.

        Parameters
        ----------
        local_times
            Time-zone-aware timestamps (any zone; converted to the location's local time).
            Feb 29 takes Feb 28's values in a non-leap weather year.

        Returns
        -------
        numpy.ndarray
            float64[W, H], one row per weather year. [°C]
        """
        times = pd.DatetimeIndex(local_times)
        if times.tz is None:
            raise OptionsError(
                "local_times are naive; expected time-zone-aware timestamps such as "
                "pd.date_range(..., tz='Asia/Seoul')"
            )
        local = times.tz_convert(LOCATION_TIME_ZONES[self.location])
        hour_index = leap_calendar_hour(
            local.month.to_numpy(), local.day.to_numpy(), local.hour.to_numpy()
        )
        return self.temperature_c[:, hour_index]

    def cooling_excess(self, local_times: pd.DatetimeIndex, reference_c: float) -> np.ndarray:
        """Degrees above a reference temperature, zero below it: ``max(T - reference_c, 0)``.

        Parameters
        ----------
        local_times
            Time-zone-aware timestamps, as in :meth:`for_hours`.
        reference_c
            Temperature below which cooling needs no extra energy. [°C]

        Returns
        -------
        numpy.ndarray
            float64[W, H]. [K]
        """
        return np.maximum(self.for_hours(local_times) - float(reference_c), 0.0)


# --------------------------------------------------------------------------------------------
# Reading and validating the real data


def _line_number(row_position: int) -> int:
    """File line of a data row: the header is line 1."""
    return row_position + 2


def _read_text_table(path: Path, required_columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV as text, drop fully blank lines and keep positions for line numbers."""
    if not path.is_file():
        raise DataError(
            f"{path}: file not found; set FORECAST_DATA_DIR to the directory holding "
            f"{HOURLY_FILE} and {DAILY_FILE}"
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    missing = [column for column in required_columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {missing}; found {list(frame.columns)}, expected "
            f"{list(required_columns)}"
        )
    frame = frame.reset_index(drop=True)
    blank = (frame[list(required_columns)].apply(lambda column: column.str.strip()) == "").all(
        axis=1
    )
    return frame.loc[~blank]


def _parse_temperatures(path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    """Numeric °C values; empty cells become NaN, text and implausible values raise."""
    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    not_numeric = values.isna() & (text != "")
    if not_numeric.any():
        position = int(np.flatnonzero(not_numeric.to_numpy())[0])
        raise DataError(
            f"{path} line {_line_number(frame.index[position])}: {column}="
            f"{text.iloc[position]!r} is not a number; expected degrees Celsius such as 12.3"
        )
    low, high = PLAUSIBLE_TEMPERATURE_C
    implausible = (values < low) | (values > high)
    if implausible.any():
        position = int(np.flatnonzero(implausible.to_numpy())[0])
        raise DataError(
            f"{path} line {_line_number(frame.index[position])}: {column}="
            f"{values.iloc[position]} °C is outside the plausible range [{low}, {high}] °C"
        )
    return values.astype(np.float64)


def _first_duplicate_message(path: Path, frame: pd.DataFrame, keys: pd.Series, name: str) -> str:
    duplicated = keys.duplicated(keep=False).to_numpy()
    positions = np.flatnonzero(duplicated)
    first_key = keys.iloc[positions[0]]
    lines = [_line_number(frame.index[p]) for p in positions if keys.iloc[p] == first_key]
    return f"{path} lines {lines[:2]}: duplicate {name} {first_key}; expected each once"


def _read_hourly(path: Path) -> pd.Series:
    """Hourly observations, indexed by tz-aware KST timestamps; empty cells dropped."""
    frame = _read_text_table(path, ("timestamp", "temp_c"))
    text = frame["timestamp"].str.strip()
    no_offset = ~text.str.contains(_OFFSET_SUFFIX)
    if no_offset.any():
        position = int(np.flatnonzero(no_offset.to_numpy())[0])
        raise DataError(
            f"{path} line {_line_number(frame.index[position])}: timestamp="
            f"{text.iloc[position]!r} has no UTC offset; expected ISO 8601 such as "
            "2013-01-01T00:00:00+09:00"
        )
    stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = stamps.isna() | (stamps.dt.minute != 0) | (stamps.dt.second != 0)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path} line {_line_number(frame.index[position])}: timestamp="
            f"{text.iloc[position]!r} is not a whole hour in ISO 8601; expected e.g. "
            "2013-01-01T00:00:00+09:00"
        )
    stamps = stamps.dt.tz_convert(KST)
    if stamps.duplicated().any():
        raise DataError(_first_duplicate_message(path, frame, stamps, "timestamp"))
    values = _parse_temperatures(path, frame, "temp_c")
    observed = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(stamps))
    return observed.dropna().sort_index()


def _read_daily(path: Path) -> pd.DataFrame:
    """Daily mean/min/max [°C] indexed by date (datetime64 at midnight), cells may be NaN."""
    columns = ("date", "temp_mean_c", "temp_min_c", "temp_max_c")
    frame = _read_text_table(path, columns)
    text = frame["date"].str.strip()
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        position = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(
            f"{path} line {_line_number(frame.index[position])}: date={text.iloc[position]!r} "
            "is not a date; expected YYYY-MM-DD"
        )
    if dates.duplicated().any():
        raise DataError(_first_duplicate_message(path, frame, dates.dt.date, "date"))
    daily = pd.DataFrame(
        {name: _parse_temperatures(path, frame, name).to_numpy() for name in columns[1:]},
        index=pd.DatetimeIndex(dates.to_numpy()),
    )
    mean, low, high = (daily[name].to_numpy() for name in columns[1:])
    with np.errstate(invalid="ignore"):
        inconsistent = (low > high) | (mean < low) | (mean > high)
    empty_cells = daily.isna().sum(axis=1).to_numpy()
    for position, problem in (
        (np.flatnonzero(inconsistent), "needs temp_min_c <= temp_mean_c <= temp_max_c"),
        (np.flatnonzero(empty_cells > 1), "has more than one empty cell; one can be filled"),
    ):
        if position.size:
            row = frame.index[position[0]]
            raise DataError(
                f"{path} line {_line_number(row)}: {text.iloc[position[0]]} "
                f"(mean {mean[position[0]]}, min {low[position[0]]}, max {high[position[0]]}) "
                f"{problem}"
            )
    return daily.sort_index()


def _fill_daily_cells(daily: pd.DataFrame) -> pd.DataFrame:
    """Fill single empty mean/min/max cells from the month's typical position of the mean.

    With ``f`` = sum(mean - min) / sum(max - min) over the month's complete days (all years),
    a missing maximum is ``min + (mean - min) / f``, a missing minimum is
    ``max - (max - mean) / (1 - f)`` and a missing mean is ``min + f (max - min)``.
    """
    complete = daily.dropna()
    month = complete.index.month
    mean_position = (complete["temp_mean_c"] - complete["temp_min_c"]).groupby(month).sum() / (
        complete["temp_max_c"] - complete["temp_min_c"]
    ).groupby(month).sum()
    fraction = mean_position.reindex(daily.index.month).to_numpy()
    filled = daily.copy()
    mean, low, high = (daily[name].to_numpy() for name in daily.columns)
    filled["temp_max_c"] = np.where(np.isnan(high), low + (mean - low) / fraction, high)
    filled["temp_min_c"] = np.where(np.isnan(low), high - (high - mean) / (1 - fraction), low)
    filled["temp_mean_c"] = np.where(np.isnan(mean), low + fraction * (high - low), mean)
    return filled.round(1)


@dataclass(frozen=True, eq=False)
class _HistoricalRecord:
    """The completed hourly record and what was derived while completing it."""

    temperature_c: np.ndarray  # float64[hours], 2013-01-01 00:00 .. 2024-12-31 23:00 KST
    reconstructed: np.ndarray  # bool[hours]
    daily: pd.DataFrame  # filled mean/min/max per day [°C]
    diurnal_shape: np.ndarray  # float64[12, 24], normalised, month x hour
    hourly_sha256: str
    daily_sha256: str


def _historical_index() -> pd.DatetimeIndex:
    return pd.date_range(
        f"{HISTORICAL_YEARS[0]}-01-01 00:00",
        f"{HISTORICAL_YEARS[-1]}-12-31 23:00",
        freq="h",
        tz=KST,
        name="timestamp",
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _diurnal_shape(
    hourly_by_day: np.ndarray, observed_day: np.ndarray, daily: pd.DataFrame, months: np.ndarray
) -> np.ndarray:
    """Normalised mean diurnal shape per month, float64[12, 24] in [0, 1].

    ``shape(h) = sum_d (T_d(h) - Tmin_d) / sum_d (Tmax_d - Tmin_d)`` over the month's fully
    observed days with official extremes; the ratio of sums keeps overcast days with a range
    near zero from dominating (a mean of per-day ratios would blow up on them).
    """
    low = daily["temp_min_c"].to_numpy()
    high = daily["temp_max_c"].to_numpy()
    usable = observed_day & ~np.isnan(low) & ~np.isnan(high)
    shape = np.empty((12, 24))
    for month in range(1, 13):
        days = usable & (months == month)
        if not days.any():
            raise DataError(
                f"no fully observed hourly day in month {month}; the diurnal shape needs at "
                "least one day per month in the hourly file"
            )
        shape[month - 1] = (hourly_by_day[days] - low[days, None]).sum(axis=0) / (
            high[days] - low[days]
        ).sum()
    return np.clip(shape, 0.0, 1.0)


def _smooth_seams(
    temperature: np.ndarray,
    reconstructed: np.ndarray,
    range_by_hour: np.ndarray,
    shape_by_hour: np.ndarray,
) -> None:
    """Remove the steps where rebuilt days meet each other or observed hours, in place.

    Each rebuilt day is drawn independently, so at midnight its curve jumps to the next day's
    (1.7 °C on average against 0.4 °C observed; up to 11 °C on frontal days). At every seam the
    step beyond the shape's own step, ``m``, is removed by shifting the rebuilt hours on either
    side with weights 1, 5/6, .., 1/6 over ``SEAM_TAPER_HOURS`` hours (halved when both sides
    are rebuilt). Hours 06-17 keep their values, so the daily maximum and most minima stay.

    Parameters
    ----------
    temperature
        Completed hourly series, modified in place. [°C]
    reconstructed
        Which hours were rebuilt. [-]
    range_by_hour
        Daily range (max - min) of each hour's day. [°C]
    shape_by_hour
        Normalised diurnal shape value of each hour. [-]
    """
    hour_of_day = np.arange(temperature.size) % 24
    after = np.arange(1, temperature.size)
    before = after - 1
    seam = (reconstructed[after] | reconstructed[before]) & (
        (reconstructed[after] != reconstructed[before]) | (hour_of_day[after] == 0)
    )
    taper = 1.0 - np.arange(SEAM_TAPER_HOURS) / SEAM_TAPER_HOURS
    for position in after[seam]:
        expected_step = (
            0.5
            * (range_by_hour[position] + range_by_hour[position - 1])
            * (shape_by_hour[position] - shape_by_hour[position - 1])
        )
        mismatch = temperature[position] - temperature[position - 1] - expected_step
        both_rebuilt = reconstructed[position] and reconstructed[position - 1]
        share = 0.5 if both_rebuilt else 1.0
        right = np.arange(position, min(position + SEAM_TAPER_HOURS, temperature.size))
        left = np.arange(position - 1, max(position - 1 - SEAM_TAPER_HOURS, -1), -1)
        for hours, sign in ((right, -1.0), (left, 1.0)):
            weights = taper[: hours.size] * reconstructed[hours]
            temperature[hours] += sign * share * mismatch * weights


@functools.lru_cache(maxsize=4)
def _historical_record(
    hourly_path: Path, daily_path: Path, fingerprint: tuple[int, ...]
) -> _HistoricalRecord:
    """Read, validate and complete the record; cached on the files' size and mtime."""
    del fingerprint  # part of the cache key only: a rewritten file is read again
    observed = _read_hourly(hourly_path)
    daily_raw = _read_daily(daily_path)
    index = _historical_index()
    hourly = observed.reindex(index).to_numpy()
    reconstructed = np.isnan(hourly)

    day_index = pd.DatetimeIndex(index[::24].tz_localize(None).normalize())
    missing_days = day_index.difference(daily_raw.index)
    days_needing_daily = day_index[reconstructed.reshape(-1, 24).any(axis=1)]
    uncovered = days_needing_daily.intersection(missing_days)
    if len(uncovered):
        raise DataError(
            f"{daily_path}: no row for {uncovered[0].date()} ({len(uncovered)} day(s) in all), "
            f"and {hourly_path} lacks hours of that day; expected every day "
            f"{HISTORICAL_YEARS[0]}..{HISTORICAL_YEARS[-1]} in one of the two files"
        )
    daily_known = daily_raw.reindex(day_index)
    daily = _fill_daily_cells(daily_known)
    months = day_index.month.to_numpy()
    hourly_by_day = hourly.reshape(-1, 24)
    shape = _diurnal_shape(
        hourly_by_day, ~reconstructed.reshape(-1, 24).any(axis=1), daily_known, months
    )

    rebuilt = (
        daily["temp_min_c"].to_numpy()[:, None]
        + (daily["temp_max_c"].to_numpy() - daily["temp_min_c"].to_numpy())[:, None]
        * shape[months - 1]
    )
    completed = np.where(reconstructed.reshape(-1, 24), rebuilt, hourly_by_day).ravel()
    daily_range = (daily["temp_max_c"] - daily["temp_min_c"]).to_numpy()
    _smooth_seams(
        completed,
        reconstructed,
        np.repeat(daily_range, 24),
        shape[np.repeat(months, 24) - 1, np.tile(np.arange(24), len(months))],
    )
    completed.setflags(write=False)
    reconstructed.setflags(write=False)
    shape.setflags(write=False)
    return _HistoricalRecord(
        temperature_c=completed,
        reconstructed=reconstructed,
        daily=daily,
        diurnal_shape=shape,
        hourly_sha256=_sha256(hourly_path),
        daily_sha256=_sha256(daily_path),
    )


def _load_historical_record(data_dir: Path | None) -> _HistoricalRecord:
    directory = real_data_dir() if data_dir is None else Path(data_dir)
    hourly_path = (directory / HOURLY_FILE).resolve()
    daily_path = (directory / DAILY_FILE).resolve()
    fingerprint: list[int] = []
    for path in (hourly_path, daily_path):
        if not path.is_file():
            raise DataError(
                f"{path}: file not found; the historical temperature needs {HOURLY_FILE} and "
                f"{DAILY_FILE} in FORECAST_DATA_DIR (or data_dir); use kind='synthetic' or "
                "'typical' without the real data"
            )
        status = path.stat()
        fingerprint += [status.st_size, status.st_mtime_ns]
    return _historical_record(hourly_path, daily_path, tuple(fingerprint))


def historical_hourly_temperature(data_dir: Path | None = None) -> pd.Series:
    """Hourly Seoul temperature 2013-01-01 00:00 .. 2024-12-31 23:00 KST, every hour present.

    Hours missing from ``korea_temperature.csv`` (2018-10-01 .. 2021-12-31 and the last 23
    hours of 2022-2024) are rebuilt from ``korea_temperature_daily.csv`` as
    ``T(h) = Tmin + (Tmax - Tmin) * shape_month(h)``, where ``shape_month`` is the month's
    normalised diurnal shape measured on the fully observed hourly days, and the step where
    rebuilt hours meet other days is spread over the six night hours on either side (see
    :func:`reconstructed_hours`). An empty daily cell (the source has two) is filled from the
    month's typical position of the daily mean between minimum and maximum.

    Parameters
    ----------
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.

    Returns
    -------
    pandas.Series
        ``temp_c`` indexed by the tz-aware (UTC+09:00) observation time, 105,192 hours. The
        value at 14:00 is the instantaneous KMA observation at 14:00. [°C]

    Raises
    ------
    DataError
        A file is missing, or a row has a non-numeric cell, a value outside [-40, 50] °C, a
        duplicate timestamp or date, or inconsistent daily extremes; the message names the file
        and line.
    """
    record = _load_historical_record(data_dir)
    return pd.Series(record.temperature_c.copy(), index=_historical_index(), name="temp_c")


def reconstructed_hours(data_dir: Path | None = None) -> pd.Series:
    """Which hours of :func:`historical_hourly_temperature` were rebuilt from daily statistics.

    Parameters
    ----------
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.

    Returns
    -------
    pandas.Series
        ``reconstructed`` (bool) on the same index as :func:`historical_hourly_temperature`.
    """
    record = _load_historical_record(data_dir)
    return pd.Series(
        record.reconstructed.ravel().copy(), index=_historical_index(), name="reconstructed"
    )


def _to_leap_calendar(values: np.ndarray, year: int) -> np.ndarray:
    """One calendar year of hourly values on the 8784-hour leap calendar (Feb 29 = Feb 28)."""
    if pd.Timestamp(year=year, month=1, day=1).is_leap_year:
        return values.copy()
    by_day = values.reshape(-1, 24)
    return np.concatenate(
        [by_day[:_FEB_29_INDEX], by_day[_FEB_28_INDEX:_FEB_29_INDEX], by_day[_FEB_29_INDEX:]]
    ).ravel()


# --------------------------------------------------------------------------------------------
# Climatology: building, writing, loading


def climatology_path(location: str = "seoul") -> Path:
    """Path of the shipped climatology of a location."""
    return shipped_data_dir() / "weather" / location / "climatology.json"


def _harmonic_design(leap_day_index: np.ndarray) -> np.ndarray:
    """Constant plus ``ANNUAL_HARMONICS`` cosine/sine pairs of the leap-calendar day."""
    phase = 2 * np.pi * (np.asarray(leap_day_index) + 0.5) / DAYS_IN_LEAP_YEAR
    columns = [np.ones_like(phase)]
    for harmonic in range(1, ANNUAL_HARMONICS + 1):
        columns += [np.cos(harmonic * phase), np.sin(harmonic * phase)]
    return np.column_stack(columns)


def build_climatology(data_dir: Path | None = None, *, location: str = "seoul") -> dict[str, Any]:
    """Derive the shipped climatology from the real data (statistics only, no observed rows).

    Parameters
    ----------
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.
    location
        Location key; only ``"seoul"`` has historical data.

    Returns
    -------
    dict
        The JSON document written by :func:`write_climatology`.
    """
    if location != "seoul":
        raise NotFoundError(f"location={location!r} has no historical data; known: ['seoul']")
    record = _load_historical_record(data_dir)
    index = _historical_index()
    days = index[::24]
    leap_day = leap_calendar_hour(days.month.to_numpy(), days.day.to_numpy(), 0) // 24
    hourly_by_day = record.temperature_c.reshape(-1, 24)

    coefficients, *_ = np.linalg.lstsq(_harmonic_design(leap_day), hourly_by_day, rcond=None)
    typical = _harmonic_design(np.arange(DAYS_IN_LEAP_YEAR)) @ coefficients

    anomaly = hourly_by_day.mean(axis=1) - typical.mean(axis=1)[leap_day]
    months = days.month.to_numpy()
    ar1 = float(np.corrcoef(anomaly[:-1], anomaly[1:])[0, 1])
    daily_range = (record.daily["temp_max_c"] - record.daily["temp_min_c"]).to_numpy()
    anomaly_std, range_mean, range_slope, range_residual_std = [], [], [], []
    for month in range(1, 13):
        in_month = months == month
        slope, intercept = np.polyfit(anomaly[in_month], daily_range[in_month], 1)
        residual = daily_range[in_month] - (intercept + slope * anomaly[in_month])
        anomaly_std.append(anomaly[in_month].std(ddof=1))
        range_mean.append(daily_range[in_month].mean())
        range_slope.append(slope)
        range_residual_std.append(residual.std(ddof=2))

    def rounded(values: Any, decimals: int) -> Any:
        return np.round(np.asarray(values, dtype=np.float64), decimals).tolist()

    return {
        "format_version": CLIMATOLOGY_FORMAT_VERSION,
        "location": location,
        "provenance": {
            "station": "KMA ASOS 108 (Seoul), Korea Meteorological Administration",
            "source_files": [
                {"name": HOURLY_FILE, "sha256": record.hourly_sha256},
                {"name": DAILY_FILE, "sha256": record.daily_sha256},
            ],
            "years": [HISTORICAL_YEARS[0], HISTORICAL_YEARS[-1]],
            "generator": "python -m forecast.weather build-climatology",
            "method": (
                "Hourly record with gaps rebuilt from daily min/max and the monthly diurnal "
                "shape. typical_temperature_c: per hour of day, least-squares fit of a constant "
                f"and {ANNUAL_HARMONICS} annual harmonics of the leap-calendar day to all years. "
                "Daily anomaly = daily mean minus the typical daily mean; AR(1) coefficient = "
                "its lag-1 correlation. Daily range = official max - min; per month its mean, "
                "the least-squares slope on the anomaly and the residual standard deviation."
            ),
        },
        "annual_harmonics": ANNUAL_HARMONICS,
        "typical_temperature_c": rounded(typical, 2),
        "diurnal_shape_by_month": rounded(record.diurnal_shape, 4),
        "daily_anomaly_ar1_coefficient": round(ar1, 4),
        "daily_anomaly_std_c_by_month": rounded(anomaly_std, 3),
        "daily_range_mean_c_by_month": rounded(range_mean, 3),
        "daily_range_slope_per_anomaly_by_month": rounded(range_slope, 4),
        "daily_range_residual_std_c_by_month": rounded(range_residual_std, 3),
    }


def format_climatology(climatology: dict[str, Any]) -> str:
    """JSON text with one row of numbers per line (small and diff-friendly)."""
    text = json.dumps(climatology, indent=2, ensure_ascii=False)
    collapse = re.compile(r"\[[-0-9.eE,\s]+\]")
    return (
        collapse.sub(lambda match: "[" + " ".join(match.group(0)[1:-1].split()) + "]", text) + "\n"
    )


def write_climatology(climatology: dict[str, Any], path: Path) -> Path:
    """Write the climatology JSON to ``path`` (directories created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_climatology(climatology), encoding="utf-8")
    return path


@dataclass(frozen=True, eq=False)
class Climatology:
    """The shipped statistics of one location (arrays read-only).

    Attributes
    ----------
    location
        Location key.
    typical_temperature_c
        Smoothed mean temperature, float64[366, 24] by leap-calendar day and hour. [°C]
    diurnal_shape_by_month
        Normalised diurnal shape in [0, 1], float64[12, 24]. [-]
    daily_anomaly_ar1_coefficient
        Lag-1 autocorrelation of the daily-mean anomaly. [-]
    daily_anomaly_std_c_by_month
        Standard deviation of the daily-mean anomaly, float64[12]. [°C]
    daily_range_mean_c_by_month
        Mean daily range (official max - min), float64[12]. [°C]
    daily_range_slope_per_anomaly_by_month
        Change of the daily range per degree of daily-mean anomaly, float64[12]. [°C/°C]
    daily_range_residual_std_c_by_month
        Standard deviation of the daily range around that line, float64[12]. [°C]
    source
        Human-readable provenance (station, years, input sha256 prefixes).
    """

    location: str
    typical_temperature_c: np.ndarray
    diurnal_shape_by_month: np.ndarray
    daily_anomaly_ar1_coefficient: float
    daily_anomaly_std_c_by_month: np.ndarray
    daily_range_mean_c_by_month: np.ndarray
    daily_range_slope_per_anomaly_by_month: np.ndarray
    daily_range_residual_std_c_by_month: np.ndarray
    source: str


_CLIMATOLOGY_ARRAYS: dict[str, tuple[int, ...]] = {
    "typical_temperature_c": (DAYS_IN_LEAP_YEAR, 24),
    "diurnal_shape_by_month": (12, 24),
    "daily_anomaly_std_c_by_month": (12,),
    "daily_range_mean_c_by_month": (12,),
    "daily_range_slope_per_anomaly_by_month": (12,),
    "daily_range_residual_std_c_by_month": (12,),
}


@functools.lru_cache(maxsize=8)
def load_climatology(location: str = "seoul") -> Climatology:
    """Load and check the shipped climatology of a location.

    Raises
    ------
    NotFoundError
        No climatology ships for ``location``.
    DataError
        The file is not valid JSON or a field has the wrong shape or non-finite values.
    """
    path = climatology_path(location)
    if not path.is_file():
        raise NotFoundError(
            f"location={location!r}: no climatology at {path}; known: {sorted(LOCATION_TIME_ZONES)}"
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from error
    if document.get("format_version") != CLIMATOLOGY_FORMAT_VERSION:
        raise DataError(
            f"{path}: format_version={document.get('format_version')!r}; expected "
            f"{CLIMATOLOGY_FORMAT_VERSION}"
        )
    arrays: dict[str, np.ndarray] = {}
    for name, shape in _CLIMATOLOGY_ARRAYS.items():
        try:
            values = np.array(document[name], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(f"{path}: field {name} is missing or not numeric") from error
        if values.shape != shape or not np.isfinite(values).all():
            raise DataError(
                f"{path}: field {name} has shape {values.shape}; expected {shape} finite numbers"
            )
        values.setflags(write=False)
        arrays[name] = values
    ar1 = document.get("daily_anomaly_ar1_coefficient")
    if not isinstance(ar1, float) or not 0.0 <= ar1 < 1.0:
        raise DataError(f"{path}: daily_anomaly_ar1_coefficient={ar1!r}; expected 0 <= value < 1")
    provenance = document.get("provenance", {})
    hashes = ", ".join(
        f"{entry['name']} sha256 {entry['sha256'][:12]}" for entry in provenance["source_files"]
    )
    years = provenance["years"]
    source = (
        f"climatology of {provenance['station']}, {years[0]}-{years[1]} ({hashes}); "
        f"shipped file {path.name}"
    )
    return Climatology(
        location=location, daily_anomaly_ar1_coefficient=ar1, source=source, **arrays
    )


# --------------------------------------------------------------------------------------------
# Ensembles


def synthetic_temperature(climatology: Climatology, *, n_years: int, seed: int) -> np.ndarray:
    """Draw synthetic hourly years from the climatology's statistics.

    For each year and leap-calendar day ``d`` (month ``m``):

    - daily-mean anomaly ``a_d = phi a_(d-1) + s_m sqrt(1 - phi^2) z_d``, started from
      ``N(0, s_1)``, so each month's anomaly has roughly its observed standard deviation;
    - daily range ``r_d = mean_m + slope_m a_d + resid_m z'_d`` and range ratio
      ``rho_d = r_d / mean_m`` clipped to ``SYNTHETIC_RANGE_RATIO_BOUNDS``;
    - ``T(d, h) = Tbar_d + a + rho (Ttyp(d, h) - Tbar_d)`` with ``Ttyp`` the typical year and
      ``Tbar_d`` its daily mean, where ``a`` and ``rho`` are interpolated linearly in time
      between day centres (11:30) so that midnight has no step.

    Parameters
    ----------
    climatology
        Shipped statistics, see :func:`load_climatology`.
    n_years
        Number of years W to draw. [-]
    seed
        Seed of the ``numpy.random.Generator``; the same seed gives the same years. [-]

    Returns
    -------
    numpy.ndarray
        float64[W, 8784] on the leap-year calendar. [°C]
    """
    generator = np.random.default_rng(seed)
    month_index = _leap_calendar_month_of_day() - 1
    phi = climatology.daily_anomaly_ar1_coefficient
    anomaly_std = climatology.daily_anomaly_std_c_by_month[month_index]
    innovation_std = anomaly_std * np.sqrt(1.0 - phi**2)
    anomaly_noise = generator.standard_normal((n_years, DAYS_IN_LEAP_YEAR))
    range_noise = generator.standard_normal((n_years, DAYS_IN_LEAP_YEAR))

    anomaly = np.empty((n_years, DAYS_IN_LEAP_YEAR))
    anomaly[:, 0] = anomaly_std[0] * anomaly_noise[:, 0]
    for day in range(1, DAYS_IN_LEAP_YEAR):
        anomaly[:, day] = phi * anomaly[:, day - 1] + innovation_std[day] * anomaly_noise[:, day]

    range_mean = climatology.daily_range_mean_c_by_month[month_index]
    daily_range = (
        range_mean
        + climatology.daily_range_slope_per_anomaly_by_month[month_index] * anomaly
        + climatology.daily_range_residual_std_c_by_month[month_index] * range_noise
    )
    range_ratio = np.clip(daily_range / range_mean, *SYNTHETIC_RANGE_RATIO_BOUNDS)

    # Linear interpolation between day centres; hours before the first / after the last
    # centre keep that day's value.
    position = np.clip((np.arange(HOURS_IN_LEAP_YEAR) - 11.5) / 24.0, 0.0, DAYS_IN_LEAP_YEAR - 1.0)
    lower = np.minimum(position.astype(np.int64), DAYS_IN_LEAP_YEAR - 2)
    weight = position - lower

    def hourly(per_day: np.ndarray) -> np.ndarray:
        return (1.0 - weight) * per_day[:, lower] + weight * per_day[:, lower + 1]

    typical = climatology.typical_temperature_c
    typical_daily_mean = typical.mean(axis=1, keepdims=True)
    mean_hourly = np.repeat(typical_daily_mean.ravel(), 24)
    deviation_hourly = (typical - typical_daily_mean).ravel()
    return mean_hourly + hourly(anomaly) + hourly(range_ratio) * deviation_hourly


@functools.lru_cache(maxsize=4)
def _historical_ensemble(location: str, data_dir: Path) -> WeatherEnsemble:
    record = _load_historical_record(data_dir)
    index = _historical_index()
    years = index.year.to_numpy()
    rows = [
        _to_leap_calendar(record.temperature_c[years == year], year) for year in HISTORICAL_YEARS
    ]
    rebuilt_share = record.reconstructed.mean()
    source = (
        f"observed hourly temperature, KMA ASOS 108 (Seoul), {HISTORICAL_YEARS[0]}-"
        f"{HISTORICAL_YEARS[-1]}, from {data_dir}; {rebuilt_share:.0%} of hours rebuilt from "
        "daily min/max with the monthly diurnal shape; Feb 29 of non-leap years = Feb 28"
    )
    return WeatherEnsemble(
        labels=tuple(str(year) for year in HISTORICAL_YEARS),
        temperature_c=np.vstack(rows),
        source=source,
        location=location,
    )


@functools.lru_cache(maxsize=4)
def _typical_ensemble(location: str) -> WeatherEnsemble:
    climatology = load_climatology(location)
    return WeatherEnsemble(
        labels=("typical",),
        temperature_c=climatology.typical_temperature_c.reshape(1, -1),
        source=f"typical (smoothed mean) year: {climatology.source}",
        location=location,
    )


@functools.lru_cache(maxsize=16)
def _synthetic_ensemble(location: str, n_synthetic: int, seed: int) -> WeatherEnsemble:
    climatology = load_climatology(location)
    width = max(2, len(str(n_synthetic - 1)))
    return WeatherEnsemble(
        labels=tuple(f"synthetic-{number:0{width}d}" for number in range(n_synthetic)),
        temperature_c=synthetic_temperature(climatology, n_years=n_synthetic, seed=seed),
        source=(
            f"{n_synthetic} synthetic years (seed {seed}): typical year + AR(1) daily anomaly "
            f"+ anomaly-dependent diurnal range; {climatology.source}"
        ),
        location=location,
    )


def _temperature_files_present(directory: Path) -> bool:
    return (directory / HOURLY_FILE).is_file() and (directory / DAILY_FILE).is_file()


def load_weather(
    kind: str = "auto",
    *,
    location: str = "seoul",
    data_dir: Path | None = None,
    n_synthetic: int = 20,
    seed: int = 0,
) -> WeatherEnsemble:
    """The weather ensemble a projection runs over (cached; arrays are read-only).

    Parameters
    ----------
    kind
        ``"historical"`` (the 12 observed years 2013-2024, needs the real data),
        ``"typical"`` (one smoothed climatological year), ``"synthetic"`` (``n_synthetic``
        seeded draws from the shipped statistics) or ``"auto"`` (historical when the two
        temperature files are in the data directory, else synthetic).
    location
        Location key; ``"seoul"``.
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.
    n_synthetic
        Number of synthetic years, 1..1000. [-]
    seed
        Seed of the synthetic years, >= 0. [-]

    Raises
    ------
    OptionsError
        ``kind``, ``n_synthetic`` or ``seed`` is out of range.
    NotFoundError
        ``location`` is unknown.
    DataError
        ``kind="historical"`` and the real data is absent or malformed.
    """
    if kind not in WEATHER_KINDS:
        raise OptionsError(f"weather kind={kind!r} is not known; allowed: {list(WEATHER_KINDS)}")
    if location not in LOCATION_TIME_ZONES:
        raise NotFoundError(
            f"location={location!r} is not known; known: {sorted(LOCATION_TIME_ZONES)}"
        )
    if (
        isinstance(n_synthetic, bool)
        or not isinstance(n_synthetic, int)
        or not (1 <= n_synthetic <= 1000)
    ):
        raise OptionsError(f"n_synthetic={n_synthetic!r}; allowed: an integer 1..1000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OptionsError(f"seed={seed!r}; allowed: an integer >= 0")
    directory = (real_data_dir() if data_dir is None else Path(data_dir)).resolve()
    if kind == "auto":
        kind = "historical" if _temperature_files_present(directory) else "synthetic"
    if kind == "historical":
        return _historical_ensemble(location, directory)
    if kind == "typical":
        return _typical_ensemble(location)
    return _synthetic_ensemble(location, n_synthetic, seed)


# --------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    """``python -m forecast.weather build-climatology [--data-dir DIR] [--output FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m forecast.weather",
        description="Weather tools: derive the shipped climatology from the real data.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build-climatology", help="write data/weather/seoul/climatology.json from the real data"
    )
    build.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="real data directory (default: FORECAST_DATA_DIR or ../shared/data)",
    )
    build.add_argument(
        "--output",
        type=Path,
        default=None,
        help="output file (default: the shipped climatology.json)",
    )
    arguments = parser.parse_args(argv)
    climatology = build_climatology(arguments.data_dir)
    written = write_climatology(climatology, arguments.output or climatology_path("seoul"))
    print(f"wrote {written}")  # noqa: T201 - this is the command-line entry point
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
