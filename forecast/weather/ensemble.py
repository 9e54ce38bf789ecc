"""Weather ensembles: the sets of hourly temperature years a projection runs over.

Future weather is unknown, so every projection runs over a *weather ensemble* of plausible
years on the leap-year calendar of the location's weather clock (:mod:`.clock`). Kinds:

``historical``
    The location's observed years (:mod:`.record`), read from the real data directory, gaps
    completed by the documented rule.
``typical``
    One smoothed climatological year from the location's shipped ``climatology.json``.
``synthetic``
    Years drawn from the shipped statistics (:mod:`.synthetic`); needs no real data.
``auto``
    ``historical`` when the location's hourly file (and daily file, where it has one) is in
    the real data directory, else ``synthetic``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.calendar import standard_utc_offset
from forecast.errors import DataError, OptionsError
from forecast.paths import real_data_dir
from forecast.weather.climatology import load_climatology
from forecast.weather.clock import HOURS_IN_LEAP_YEAR, leap_hours_of, years_on_leap_calendar
from forecast.weather.locations import Location, load_location
from forecast.weather.record import HistoricalRecord, historical_record
from forecast.weather.synthetic import synthetic_temperature

#: The kinds of weather ensemble (defined here only; the CLI, projection and service use it).
WEATHER_KINDS = ("auto", "historical", "typical", "synthetic")


@dataclass(frozen=True, eq=False)
class WeatherEnsemble:
    """A set of hourly temperature years on the leap-year calendar of a weather clock.

    Attributes
    ----------
    labels
        One name per weather year, e.g. ``("2013", ..., "2024")``, ``("typical",)`` or
        ``("synthetic-00", ...)``.
    temperature_c
        Outdoor air temperature, float64[W, 8784], indexed by the hour of a leap-year calendar
        (Jan 1 00:00 .. Dec 31 23:00 of the weather clock). A non-leap weather year carries
        Feb 28's values on Feb 29. Read-only. [°C]
    source
        Human-readable provenance.
    location
        Name of the weather location.
    clock_offset
        The weather clock: the location's standard UTC offset.
    kind
        ``historical``, ``typical`` or ``synthetic`` (what ``auto`` resolved to).
    """

    labels: tuple[str, ...]
    temperature_c: np.ndarray
    source: str
    location: str
    clock_offset: dt.timedelta
    kind: str

    def __post_init__(self) -> None:
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

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of the temperatures, their years and clock: the weather a projection ran
        over, whichever files or seed it came from (a result's ``weather_sha256``). [-]"""
        digest = hashlib.sha256()
        digest.update("\0".join((self.kind, str(self.clock_offset), *self.labels)).encode())
        digest.update(self.temperature_c.tobytes())
        return digest.hexdigest()

    @classmethod
    def from_series(
        cls, temperature: pd.Series, years, *, location: str, clock_offset: dt.timedelta
    ) -> WeatherEnsemble:
        """An ensemble of whole clock years of a complete hourly series (e.g. training data).

        Raises
        ------
        DataError
            An hour of one of the years is missing.
        """
        years = [int(year) for year in years]
        return cls(
            labels=tuple(str(year) for year in years),
            temperature_c=years_on_leap_calendar(temperature, years, clock_offset),
            source=f"observed years {', '.join(map(str, years))} of {location}",
            location=location,
            clock_offset=clock_offset,
            kind="historical",
        )

    def years_before(self, year: int) -> list[int]:
        """The positions of the observed years before ``year`` (none in a typical or synthetic
        ensemble)."""
        return [
            index
            for index, label in enumerate(self.labels)
            if self.kind == "historical" and label.isdigit() and int(label) < year
        ]

    def before(self, year: int) -> WeatherEnsemble:
        """The historical years before ``year`` (the weather a forecast of ``year`` could have
        known, as the backtest's ex ante ensemble), or the whole ensemble where it has no
        historical year before it (a typical or synthetic ensemble, or none earlier)."""
        earlier = self.years_before(year)
        if not earlier or len(earlier) == self.n_years:
            return self
        labels = tuple(self.labels[index] for index in earlier)
        return WeatherEnsemble(
            labels=labels,
            temperature_c=self.temperature_c[earlier],
            source=f"observed years {', '.join(labels)} of {self.location} (those before {year})",
            location=self.location,
            clock_offset=self.clock_offset,
            kind=self.kind,
        )

    @property
    def n_years(self) -> int:
        """Number of weather years W."""
        return len(self.labels)

    def for_hours(self, local_times: pd.DatetimeIndex) -> np.ndarray:
        """Temperature of every weather year at the same month, day and hour of the weather
        clock as each instant.

        Parameters
        ----------
        local_times
            Time-zone-aware timestamps in any zone. Each instant takes the hour of standard
            time it falls in, so no hour is skipped or doubled at a DST change. Feb 29 takes
            Feb 28's values in a non-leap weather year.

        Returns
        -------
        numpy.ndarray
            float64[W, H], one row per weather year. [°C]
        """
        return self.temperature_c[:, leap_hours_of(local_times, self.clock_offset)]

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


def weather_years_at(
    temperature: pd.Series, source_years, local_times: pd.DatetimeIndex
) -> np.ndarray:
    """Temperature of each source year at the target hours, mapped on standard time. [°C]

    The backtest's ex ante weather: the years before a target year, each laid on the target
    year's hours through the weather clock of ``temperature``'s zone (its standard time), so
    that DST dates differing between years leave no hole and no doubled hour.

    Parameters
    ----------
    temperature
        Complete hourly temperature on an index in the grid's IANA zone. [°C]
    source_years
        Calendar years to take.
    local_times
        Target hours (tz-aware).

    Returns
    -------
    numpy.ndarray
        float64[W, H].
    """
    zone = pd.DatetimeIndex(temperature.index).tz
    clock = (
        zone.utcoffset(None) if isinstance(zone, dt.timezone) else standard_utc_offset(str(zone))
    )
    ensemble = WeatherEnsemble.from_series(
        temperature, source_years, location="training data", clock_offset=clock
    )
    return ensemble.for_hours(local_times)


@functools.lru_cache(maxsize=4)
def _historical_ensemble(location: Location, record: HistoricalRecord) -> WeatherEnsemble:
    """The ensemble of a record, cached on the record itself (compared by identity): the
    record is cached on its files' identity (:func:`~forecast.weather.record.historical_record`),
    so a file replaced under a running service gives a new record and a new ensemble. Keyed
    on the data directory, the first files read were served until the process restarted."""
    rows = [
        years_on_leap_calendar(record.series(), [year], location.clock_offset)[0]
        for year in record.years
    ]
    in_years = np.isin(record.times.year, record.years)
    not_observed = int((record.handling[in_years] != 0).sum())
    hours = int(in_years.sum())
    source = (
        f"observed hourly temperature, {location.station}, {record.years[0]}-"
        f"{record.years[-1]} ({len(record.years)} years), from the data directory's "
        f"{location.hourly_file}; {not_observed:,} of {hours:,} hours "
        f"({not_observed / hours:.2%}) interpolated, rebuilt from daily values or filled "
        "(forecast.io.gaps); Feb 29 of non-leap years = Feb 28"
    )
    return WeatherEnsemble(
        labels=tuple(str(year) for year in record.years),
        temperature_c=np.vstack(rows),
        source=source,
        location=location.name,
        clock_offset=location.clock_offset,
        kind="historical",
    )


@functools.lru_cache(maxsize=4)
def _typical_ensemble(location: Location) -> WeatherEnsemble:
    climatology = load_climatology(location.name)
    return WeatherEnsemble(
        labels=("typical",),
        temperature_c=climatology.typical_temperature_c.reshape(1, -1),
        source=f"typical (smoothed mean) year: {climatology.source}",
        location=location.name,
        clock_offset=location.clock_offset,
        kind="typical",
    )


@functools.lru_cache(maxsize=16)
def _synthetic_ensemble(location: Location, n_synthetic: int, seed: int) -> WeatherEnsemble:
    climatology = load_climatology(location.name)
    width = max(2, len(str(n_synthetic - 1)))
    return WeatherEnsemble(
        labels=tuple(f"synthetic-{number:0{width}d}" for number in range(n_synthetic)),
        temperature_c=synthetic_temperature(climatology, n_years=n_synthetic, seed=seed),
        source=(
            f"{n_synthetic} synthetic years (seed {seed}): typical year + AR(1) daily anomaly "
            f"+ anomaly-dependent diurnal range; {climatology.source}"
        ),
        location=location.name,
        clock_offset=location.clock_offset,
        kind="synthetic",
    )


def missing_weather_files(location: Location, data_dir: Path | None = None) -> tuple[str, ...]:
    """The files of ``location``'s historical record (as its ``location.toml`` names them,
    relative to the data directory, default :func:`forecast.paths.real_data_dir`) that are not
    there: ``auto`` runs synthetic years while any is missing, historical ones when none is.
    Only looks for the files, reads none."""
    directory = real_data_dir() if data_dir is None else Path(data_dir)
    named = [(location.hourly_file, location.hourly_path(directory))]
    daily = location.daily_path(directory)
    if location.daily_file is not None and daily is not None:
        named.append((location.daily_file, daily))
    return tuple(name for name, path in named if not path.is_file())


def resolved_kind(kind: str, *, location: str = "seoul", data_dir: Path | None = None) -> str:
    """The kind of ensemble :func:`load_weather` gives for ``kind``: ``auto`` resolved by the
    files in the data directory (default :func:`forecast.paths.real_data_dir`), any other kind
    as it is."""
    if kind != "auto":
        return kind
    missing = missing_weather_files(load_location(location), data_dir)
    return "synthetic" if missing else "historical"


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
        One of :data:`WEATHER_KINDS` (see the module docstring).
    location
        Weather location name (see :mod:`.locations`).
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
        ``location`` is unknown, or ships no climatology for ``typical``/``synthetic``.
    DataError
        ``kind="historical"`` and the real data is absent or malformed.
    """
    if kind not in WEATHER_KINDS:
        raise OptionsError(f"weather kind = {kind!r}: allowed: {', '.join(WEATHER_KINDS)}")
    if (
        isinstance(n_synthetic, bool)
        or not isinstance(n_synthetic, int)
        or not (1 <= n_synthetic <= 1000)
    ):
        raise OptionsError(f"n_synthetic = {n_synthetic!r}: allowed: an integer 1..1000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise OptionsError(f"seed = {seed!r}: allowed: an integer >= 0")
    place = load_location(location)
    directory = (real_data_dir() if data_dir is None else Path(data_dir)).resolve()
    if kind == "auto":
        kind = "synthetic" if missing_weather_files(place, directory) else "historical"
    if kind == "historical":
        return _historical_ensemble(place, historical_record(place, directory))
    if kind == "typical":
        return _typical_ensemble(place)
    return _synthetic_ensemble(place, n_synthetic, seed)
