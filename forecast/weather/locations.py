"""Weather locations: data, not code.

A location is a folder ``data/weather/<name>/`` with a ``location.toml`` (a station, its time
zone, the hourly temperature file and an optional daily minimum/maximum file, both relative to
the real data directory, and the countries whose scenarios use it by default) and the derived
``climatology.json`` that ships (statistics only, no observed rows; built by
``python -m models.climatology build <name>``). For example::

    station = "BOM 066137 Bankstown Airport AWS, Bureau of Meteorology"
    timezone = "Australia/Sydney"
    hourly_file = "au-nsw/nsw_temperature.csv"
    default_for_countries = ["AU"]

An hourly file with other column names or in Fahrenheit (an NWS/ASOS export) says so, and
so does a daily file (whose unit is the hourly file's unless it says otherwise)::

    timestamp_column = "valid"
    temperature_column = "tmpf"
    temperature_unit = "F"        # "C" (the default) or "F", converted to °C on reading
    observation_minute = 53       # ASOS/METAR routine reports at HH:53, read as HH+1:00
    timestamp_timezone = "UTC"    # naive timestamps in UTC, not in timezone (default timezone)
    daily_date_column = "date"
    daily_mean_column = "tavg_f"
    daily_min_column = "tmin_f"
    daily_max_column = "tmax_f"
    daily_temperature_unit = "F"  # default: temperature_unit

Locations are looked up in ``FORECAST_WEATHER_DIR`` first (a folder of such folders, for a
grid added without touching the installed package) and then in the shipped ``data/weather``.

A scenario names its location in ``weather_location``; without one, the country's default
applies (:func:`default_location`), and a country without a default must name one.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from forecast.calendar import is_time_zone, standard_utc_offset
from forecast.errors import DataError, NotFoundError, ScenarioError
from forecast.io.loaders import (
    DAILY_DATE_COLUMN,
    DAILY_MAX_COLUMN,
    DAILY_MEAN_COLUMN,
    DAILY_MIN_COLUMN,
    TEMPERATURE_COLUMN,
    TEMPERATURE_UNITS,
    TIMESTAMP_COLUMN,
    load_daily_temperature,
    load_hourly_temperature,
)
from forecast.paths import real_data_dir, shipped_data_dir

if TYPE_CHECKING:
    import pandas as pd

LOCATION_FILE = "location.toml"
CLIMATOLOGY_FILE = "climatology.json"
LOCATION_NAME_PATTERN = r"[a-z0-9][a-z0-9_-]{0,63}"
_FIELDS = {
    "station": "a non-empty text naming the station and its operator",
    "timezone": "an IANA time zone name such as 'Australia/Sydney'",
    "hourly_file": "a path relative to the real data directory, e.g. 'au-nsw/nsw_temperature.csv'",
    "daily_file": "a path relative to the real data directory (optional)",
    "default_for_countries": "a list of ISO 3166 alpha-2 codes such as ['AU'] (optional)",
    "description": "a text (optional)",
    "timestamp_column": "the hourly file's timestamp column, e.g. 'valid' (default 'timestamp')",
    "temperature_column": "the hourly file's temperature column, e.g. 'tmpf' (default 'temp_c')",
    "temperature_unit": "'C' or 'F', the unit of the temperature column (default 'C')",
    "timestamp_timezone": "an IANA zone of the hourly file's naive timestamps when it is not "
    "timezone, e.g. 'UTC' or 'Etc/GMT-10' (optional; default timezone)",
    "observation_minute": "an integer minute 0..59 at which every hourly observation is taken, "
    "e.g. 53 for ASOS/METAR, each read as the nearest hour (default 0, on the hour)",
    "daily_date_column": "the daily file's date column (default 'date')",
    "daily_mean_column": "the daily file's mean column, e.g. 'tavg_f' (default 'temp_mean_c')",
    "daily_min_column": "the daily file's minimum column, e.g. 'tmin_f' (default 'temp_min_c')",
    "daily_max_column": "the daily file's maximum column, e.g. 'tmax_f' (default 'temp_max_c')",
    "daily_temperature_unit": "'C' or 'F', the daily file's unit (default: temperature_unit)",
}
#: The column settings and their defaults (hourly, then daily).
_COLUMNS = {
    "timestamp_column": TIMESTAMP_COLUMN,
    "temperature_column": TEMPERATURE_COLUMN,
    "daily_date_column": DAILY_DATE_COLUMN,
    "daily_mean_column": DAILY_MEAN_COLUMN,
    "daily_min_column": DAILY_MIN_COLUMN,
    "daily_max_column": DAILY_MAX_COLUMN,
}


@dataclass(frozen=True)
class Location:
    """A weather location read from its ``location.toml``.

    Attributes
    ----------
    name
        Folder name, the key a scenario or training config uses.
    station
        The station and who operates it (provenance).
    timezone
        IANA zone of the station; naive timestamps in its files are local times in it.
    hourly_file
        Hourly ``timestamp,temp_c`` file, relative to the real data directory.
    daily_file
        Optional daily ``date,temp_mean_c,temp_min_c,temp_max_c`` file (dates of the
        location's standard time; columns and unit: the ``daily_*`` attributes), relative to
        the real data directory; long hourly gaps are rebuilt from it.
    default_for_countries
        Countries whose scenarios use this location unless they name another.
    directory
        The location's folder (holds ``location.toml`` and ``climatology.json``).
    description
        Free text.
    timestamp_column, temperature_column
        Columns of the hourly file (an NWS/ASOS export names them ``valid`` and ``tmpf``).
    temperature_unit
        ``"C"`` or ``"F"``: the hourly file's unit; Fahrenheit is converted on reading.
    observation_minute
        Minute past the hour of every hourly observation (0: on the hour; 53: ASOS/METAR,
        each read as the next hour). [min]
    timestamp_timezone
        IANA zone of the hourly file's naive timestamps when they are not in :attr:`timezone`
        (a naive-UTC export: ``"UTC"``); None: :attr:`timezone`.
    daily_date_column, daily_mean_column, daily_min_column, daily_max_column
        Columns of the daily file.
    daily_temperature_unit
        ``"C"`` or ``"F"``: the daily file's unit (by default :attr:`temperature_unit`).
    """

    name: str
    station: str
    timezone: str
    hourly_file: str
    daily_file: str | None
    default_for_countries: tuple[str, ...]
    directory: Path
    description: str = ""
    timestamp_column: str = TIMESTAMP_COLUMN
    temperature_column: str = TEMPERATURE_COLUMN
    temperature_unit: str = "C"
    observation_minute: int = 0
    timestamp_timezone: str | None = None
    daily_date_column: str = DAILY_DATE_COLUMN
    daily_mean_column: str = DAILY_MEAN_COLUMN
    daily_min_column: str = DAILY_MIN_COLUMN
    daily_max_column: str = DAILY_MAX_COLUMN
    daily_temperature_unit: str = "C"

    @property
    def clock_offset(self) -> dt.timedelta:
        """The weather clock: the zone's standard UTC offset (see :mod:`.clock`)."""
        return standard_utc_offset(self.timezone)

    @property
    def climatology_path(self) -> Path:
        """Where the location's derived climatology ships."""
        return self.directory / CLIMATOLOGY_FILE

    def hourly_path(self, data_dir: Path | None = None) -> Path:
        """The hourly file in ``data_dir`` (default :func:`forecast.paths.real_data_dir`)."""
        return (real_data_dir() if data_dir is None else Path(data_dir)) / self.hourly_file

    def daily_path(self, data_dir: Path | None = None) -> Path | None:
        """The daily file in ``data_dir``, or None when the location has none."""
        if self.daily_file is None:
            return None
        return (real_data_dir() if data_dir is None else Path(data_dir)) / self.daily_file

    def read_hourly_temperature(self, path: Path) -> pd.Series:
        """An hourly temperature file of this location, read as its ``location.toml`` says.

        Its own record and a file given for it (``forecast evaluate --temperature``) are read
        alike: naive timestamps in :attr:`timestamp_timezone` (default :attr:`timezone`), the
        columns :attr:`timestamp_column` and
        :attr:`temperature_column`, in :attr:`temperature_unit`, observed at
        :attr:`observation_minute`.

        Returns
        -------
        pandas.Series
            Observed temperature on a sorted tz-aware index, gaps absent. [°C]

        Raises
        ------
        DataError
            See :func:`forecast.io.loaders.load_hourly_temperature`.
        """
        return load_hourly_temperature(
            path,
            timezone=self.timezone,
            timestamp_column=self.timestamp_column,
            temperature_column=self.temperature_column,
            unit=self.temperature_unit,
            observation_minute=self.observation_minute,
            timestamp_timezone=self.timestamp_timezone,
        )

    def read_daily_temperature(self, path: Path) -> pd.DataFrame:
        """A daily temperature file of this location (its own, or ``forecast evaluate
        --daily-temperature``), read in the ``daily_*`` columns and unit of its
        ``location.toml``.

        Returns
        -------
        pandas.DataFrame
            See :func:`forecast.io.loaders.load_daily_temperature`. [°C]
        """
        return load_daily_temperature(
            path,
            date_column=self.daily_date_column,
            mean_column=self.daily_mean_column,
            min_column=self.daily_min_column,
            max_column=self.daily_max_column,
            unit=self.daily_temperature_unit,
        )

    def describe_columns(self, *, daily: bool = False) -> str:
        """Where the hourly (or daily) files' columns and unit come from, for an error
        message."""
        if daily:
            return (
                f"{self.directory / LOCATION_FILE}: daily_date_column = "
                f"{self.daily_date_column!r}, daily_mean_column = {self.daily_mean_column!r}, "
                f"daily_min_column = {self.daily_min_column!r}, daily_max_column = "
                f"{self.daily_max_column!r}, daily_temperature_unit = "
                f"{self.daily_temperature_unit!r}"
            )
        minute = (
            f", observation_minute = {self.observation_minute}" if self.observation_minute else ""
        )
        if self.timestamp_timezone is not None:
            minute += f", timestamp_timezone = {self.timestamp_timezone!r}"
        return (
            f"{self.directory / LOCATION_FILE}: timestamp_column = {self.timestamp_column!r}, "
            f"temperature_column = {self.temperature_column!r}, temperature_unit = "
            f"{self.temperature_unit!r}{minute}"
        )


def location_roots() -> tuple[Path, ...]:
    """Folders searched for locations: ``FORECAST_WEATHER_DIR`` (if set), then the shipped."""
    configured = os.environ.get("FORECAST_WEATHER_DIR")
    shipped = shipped_data_dir() / "weather"
    return (Path(configured), shipped) if configured else (shipped,)


def known_locations() -> dict[str, Path]:
    """Every location name and its ``location.toml``, the first root winning a name.

    Not cached: a location added while the process runs is found (a few directory listings).
    """
    found: dict[str, Path] = {}
    for root in location_roots():
        if not root.is_dir():
            continue
        for path in sorted(root.glob(f"*/{LOCATION_FILE}")):
            found.setdefault(path.parent.name, path)
    return dict(sorted(found.items()))


def _field_error(path: Path, field: str, value: object) -> DataError:
    return DataError(f"{path}: {field} = {value!r}; allowed: {_FIELDS[field]}")


def read_location(path: Path) -> Location:
    """Read and check one ``location.toml``.

    Raises
    ------
    DataError
        Malformed TOML, an unknown or missing field, or a value of the wrong kind; the
        message names the file, the field, the value and what is allowed.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DataError(f"{path}: cannot read the location file: {error}") from None
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise DataError(f"{path}: unknown field(s) {unknown}; allowed: {sorted(_FIELDS)}")
    for field in ("station", "timezone", "hourly_file"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise _field_error(path, field, raw.get(field))
    if not is_time_zone(raw["timezone"]):
        raise _field_error(path, "timezone", raw["timezone"])
    daily = raw.get("daily_file")
    if daily is not None and (not isinstance(daily, str) or not daily.strip()):
        raise _field_error(path, "daily_file", daily)
    countries = raw.get("default_for_countries", [])
    if not isinstance(countries, list) or not all(
        isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) for code in countries
    ):
        raise _field_error(path, "default_for_countries", countries)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _field_error(path, "description", description)
    columns = {field: raw.get(field, default) for field, default in _COLUMNS.items()}
    for field, column in columns.items():
        if not isinstance(column, str) or not column.strip():
            raise _field_error(path, field, column)
    unit = raw.get("temperature_unit", "C")
    if unit not in TEMPERATURE_UNITS:
        raise _field_error(path, "temperature_unit", unit)
    daily_unit = raw.get("daily_temperature_unit", unit)
    if daily_unit not in TEMPERATURE_UNITS:
        raise _field_error(path, "daily_temperature_unit", daily_unit)
    minute = raw.get("observation_minute", 0)
    if isinstance(minute, bool) or not isinstance(minute, int) or not 0 <= minute <= 59:
        raise _field_error(path, "observation_minute", minute)
    file_zone = raw.get("timestamp_timezone")
    if file_zone is not None and not (isinstance(file_zone, str) and is_time_zone(file_zone)):
        raise _field_error(path, "timestamp_timezone", file_zone)
    return Location(
        name=path.parent.name,
        station=raw["station"].strip(),
        timezone=raw["timezone"],
        hourly_file=raw["hourly_file"],
        daily_file=daily,
        default_for_countries=tuple(countries),
        directory=path.parent,
        description=description,
        temperature_unit=unit,
        daily_temperature_unit=daily_unit,
        observation_minute=minute,
        timestamp_timezone=file_zone,
        **{field: column.strip() for field, column in columns.items()},
    )


def load_location(name: str, *, field: str = "location", origin: str | None = None) -> Location:
    """The location called ``name``.

    Parameters
    ----------
    name
        Location name.
    field, origin
        How the caller names the value in an error (``weather_location`` of a scenario file).

    Raises
    ------
    NotFoundError
        No such location; the message lists the known ones.
    """
    known = known_locations()
    if name not in known:
        where = f"{origin}: " if origin else ""
        raise NotFoundError(
            f"{where}{field} = {name!r}: unknown weather location; allowed: "
            f"{', '.join(known) or '(none)'} (each a folder with {LOCATION_FILE} in "
            f"{' or '.join(str(root) for root in location_roots())})"
        )
    return _read_location_cached(known[name], known[name].stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _read_location_cached(path: Path, mtime_ns: int) -> Location:
    del mtime_ns  # part of the cache key only: an edited file is read again
    return read_location(path)


def country_defaults() -> dict[str, str]:
    """The documented default location of each country (from ``default_for_countries``).

    Raises
    ------
    DataError
        Two locations claim the same country.
    """
    defaults: dict[str, str] = {}
    for name in known_locations():
        location = load_location(name)
        for country in location.default_for_countries:
            if country in defaults and defaults[country] != name:
                raise DataError(
                    f"{location.directory / LOCATION_FILE}: default_for_countries = "
                    f"{list(location.default_for_countries)}: {country} is already the default "
                    f"of {defaults[country]!r}; allowed: one default location per country"
                )
            defaults[country] = name
    return defaults


def default_location(country: str) -> str | None:
    """The default weather location of a country (``KR`` -> ``seoul``), or None."""
    return country_defaults().get(country)


#: The location name that means "no temperature response": PUE at its annual value every hour
#: (a global or multi-country case, which no single station's weather describes).
NO_WEATHER = "none"


def resolve_weather_location(country: str, location: str | None, *, origin: str) -> str:
    """The weather location a scenario runs on: its own, else its country's default.

    Parameters
    ----------
    country
        The scenario's country code.
    location
        The scenario's ``weather_location`` (None when it names none).
    origin
        The scenario file or body, named in errors.

    Raises
    ------
    ScenarioError
        The named location is unknown, or none is named and the country has no default.
    """
    if location == NO_WEATHER:
        return NO_WEATHER
    if location is not None:
        try:
            return load_location(location, field="weather_location", origin=origin).name
        except NotFoundError as error:
            raise ScenarioError(str(error)) from None
    default = default_location(country)
    if default is None:
        defaults = country_defaults()
        raise ScenarioError(
            f"{origin}: weather_location is not given and country {country!r} has no default "
            f"weather location; name one of {', '.join(known_locations()) or '(none)'}, or "
            f"{NO_WEATHER!r} for no temperature response "
            f"(defaults: {', '.join(f'{c} -> {n}' for c, n in sorted(defaults.items()))})"
        )
    return default
