"""The observed hourly record of a weather location, completed, with its observed years.

Reads the location's hourly file (and daily file, where it has one) from the real data
directory through :mod:`forecast.io.loaders`, lays it on the weather clock (standard time, see
:mod:`.clock`), completes it by the gap rule (:mod:`.reconstruction`) and finds the
**observed years**: the calendar years of the weather clock of which at least
:data:`MIN_YEAR_COVERAGE` of the hours were observed or lie on a day of the daily file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import DataError
from forecast.io.files import sha256_file
from forecast.io.gaps import OBSERVED, GapReport
from forecast.paths import data_dir_origin
from forecast.weather.clock import clock_zone
from forecast.weather.locations import Location, load_location
from forecast.weather.reconstruction import complete_temperature

#: Share of a year's hours that must be observed (hourly, or on a day with a daily row) for
#: the year to count as an observed weather year: a year rebuilt or masked for more than a
#: month would be a smoothed year, not a weather year. [1]
MIN_YEAR_COVERAGE = 0.9


@dataclass(frozen=True, eq=False)
class HistoricalRecord:
    """A location's completed hourly record on the weather clock (arrays read-only).

    Attributes
    ----------
    location
        The weather location.
    years
        The observed years (see the module docstring), ascending.
    times
        Every hour from Jan 1 of the first to Dec 31 of the last observed year, on the weather
        clock (tz-aware, fixed offset), and every hour of the file's days before or after
        them (a part year at either end, whose hours after the last observation are masked).
    temperature_c
        Completed temperature of each hour, float64[H]. [°C]
    handling
        How each hour was obtained (``forecast.io.gaps`` codes), int8[H].
    daily
        Filled daily mean/min/max by clock date of the observed years' span, or None without a
        daily file. [°C]
    diurnal_shape
        Normalised diurnal shape by month used for rebuilding, float64[12, 24], or None.
    source_files
        ``(file name, sha256)`` of each file read.
    """

    location: Location
    years: tuple[int, ...]
    times: pd.DatetimeIndex
    temperature_c: np.ndarray
    handling: np.ndarray
    daily: pd.DataFrame | None
    diurnal_shape: np.ndarray | None
    source_files: tuple[tuple[str, str], ...]

    def series(self) -> pd.Series:
        """The completed temperature as a Series on :attr:`times`. [°C]"""
        return pd.Series(self.temperature_c.copy(), index=self.times, name="temp_c")

    def gap_report(self) -> GapReport:
        """Gaps of the hourly file over the observed years' span (Jan 1 of the first to Dec 31
        of the last on the weather clock: what the climatology is built from) and how each
        was handled."""
        in_span = (self.times.year >= self.years[0]) & (self.times.year <= self.years[-1])
        return GapReport.from_handling(
            self.times[in_span].tz_convert(self.location.timezone),
            self.handling[in_span],
            series="temperature",
            source=self.location.hourly_file,
        )

    def in_year(self, year: int) -> np.ndarray:
        """Completed temperature of one clock year, float64[8760 or 8784]. [°C]"""
        return self.temperature_c[self.times.year == year]


def observed_years(
    observed: pd.Series, daily: pd.DataFrame | None, location: Location
) -> tuple[int, ...]:
    """Clock years with at least :data:`MIN_YEAR_COVERAGE` of their hours covered."""
    if observed.empty:
        return ()
    clock = (
        pd.DatetimeIndex(observed.index)
        .tz_convert(clock_zone(location.clock_offset))
        .tz_localize(None)
    )
    hours = pd.Series(1, index=clock).groupby(clock.year).size()
    covered = hours.astype(float)
    if daily is not None:
        complete = daily.dropna(thresh=2)  # a day with one empty cell can still be rebuilt
        days_with_row = pd.DatetimeIndex(complete.index)
        hourly_days = pd.Series(1, index=clock.normalize()).groupby(clock.normalize()).size()
        extra = 24 - hourly_days.reindex(days_with_row, fill_value=0).clip(upper=24)
        covered = covered.add(extra.groupby(days_with_row.year).sum(), fill_value=0.0)
    years = []
    for year, count in zip(covered.index, covered.to_numpy(), strict=True):
        in_year = 8784 if pd.Timestamp(year=int(year), month=1, day=1).is_leap_year else 8760
        if count >= MIN_YEAR_COVERAGE * in_year:
            years.append(int(year))
    return tuple(sorted(years))


@functools.lru_cache(maxsize=8)
def _record(
    location: Location, hourly_path: Path, daily_path: Path | None, fingerprint: tuple[int, ...]
) -> HistoricalRecord:
    """Read, validate and complete the record; cached on the files' identity (inode, size,
    modification and change times)."""
    del fingerprint  # part of the cache key only: a rewritten file is read again
    observed = location.read_hourly_temperature(hourly_path)
    daily = location.read_daily_temperature(daily_path) if daily_path is not None else None
    years = observed_years(observed, daily, location)
    if not years:
        raise DataError(
            f"{hourly_path}: no calendar year with {MIN_YEAR_COVERAGE:.0%} of its hours "
            f"observed{' or on a day of ' + str(daily_path) if daily_path else ''}; a weather "
            "location needs at least one such year"
        )
    zone = clock_zone(location.clock_offset)
    times = pd.date_range(
        f"{years[0]}-01-01 00:00", f"{years[-1]}-12-31 23:00", freq="h", tz=zone, name="timestamp"
    )
    completed = complete_temperature(observed, times, daily)
    temperature, handling = completed.temperature_c, completed.handling
    # The file's days outside its observed years (a part year at either end: a grid whose data
    # end in March trains on that quarter) are completed on the file's whole span and only
    # they are taken from it, so the observed years (the climatology, the ensemble) are the
    # same with or without them.
    clock = pd.DatetimeIndex(observed.index).tz_convert(zone)
    span = pd.date_range(
        min(times[0], clock[0].floor("D")),
        max(times[-1], clock[-1].floor("D") + pd.Timedelta(hours=23)),
        freq="h",
        name="timestamp",
    )
    if len(span) > len(times):
        whole = complete_temperature(observed, span, daily)
        inside = span.isin(times)
        temperature = whole.temperature_c.copy()
        handling = whole.handling.copy()
        temperature[inside], handling[inside] = completed.temperature_c, completed.handling
        for array in (temperature, handling):
            array.setflags(write=False)
        times = span
    files = [(location.hourly_file, sha256_file(hourly_path))]
    if daily_path is not None and location.daily_file is not None:
        files.append((location.daily_file, sha256_file(daily_path)))
    return HistoricalRecord(
        location=location,
        years=years,
        times=times,
        temperature_c=temperature,
        handling=handling,
        daily=completed.daily,
        diurnal_shape=completed.diurnal_shape,
        source_files=tuple(files),
    )


def historical_record(location: str | Location, data_dir: Path | None = None) -> HistoricalRecord:
    """The completed record of a location from the real data (cached per file version).

    Raises
    ------
    DataError
        A file is missing or malformed (the message names the file and line), or no year is
        observed well enough.
    """
    if isinstance(location, str):
        location = load_location(location)
    hourly_path = location.hourly_path(data_dir).resolve()
    daily_path = location.daily_path(data_dir)
    daily_path = daily_path.resolve() if daily_path is not None else None
    where = "the directory given" if data_dir is not None else data_dir_origin()
    fingerprint: list[int] = []
    for path in (hourly_path, daily_path):
        if path is None:
            continue
        if not path.is_file():
            files = " and ".join(
                name for name in (location.hourly_file, location.daily_file) if name
            )
            raise DataError(
                f"{path}: file not found; weather location {location.name!r} reads {files} "
                f"from the real data directory ({where}); without them use the weather kind "
                "'synthetic' or 'typical'"
            )
        status = path.stat()
        # A file replaced by a rename (a new inode), rewritten, or copied over with its old
        # mtime kept (the change time moves) is read again.
        fingerprint += [status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]
    return _record(location, hourly_path, daily_path, tuple(fingerprint))


def historical_hourly_temperature(
    location: str | Location = "seoul", data_dir: Path | None = None
) -> pd.Series:
    """Completed hourly temperature of a location's record: its observed years, every hour
    present, and the days of the file outside them (a part last year up to the file's end).

    For Seoul (KMA ASOS 108): 2013-01-01 00:00 .. 2024-12-31 23:00 +09:00, 105,192 hours; the
    hours missing from ``korea_temperature.csv`` (2018-10-01 .. 2021-12-31 and the last 23
    hours of 2022-2024) are rebuilt from ``korea_temperature_daily.csv``. For Bankstown the
    series runs to 2021-03-18 23:00, the file's last day; hours that could be neither observed
    nor rebuilt hold a filled value that :func:`reconstructed_hours` marks (``masked`` in the
    record's handling): training masks them.

    Parameters
    ----------
    location
        Location name or :class:`Location`.
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.

    Returns
    -------
    pandas.Series
        ``temp_c`` on the tz-aware hours of the weather clock; the value at 14:00 is the
        observation at 14:00. [°C]
    """
    return historical_record(location, data_dir).series()


def reconstructed_hours(
    location: str | Location = "seoul", data_dir: Path | None = None
) -> pd.Series:
    """Which hours of :func:`historical_hourly_temperature` were not observed (bool Series)."""
    record = historical_record(location, data_dir)
    return pd.Series(record.handling != OBSERVED, index=record.times, name="reconstructed")
