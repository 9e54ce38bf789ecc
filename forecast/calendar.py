"""Hourly calendars in a grid's local time zone, correct across daylight saving changes.

A projection, a baseline forecast and a backtest all run over the same thing: every hour from
local midnight of a first day to local midnight after a last day, in the grid's IANA time zone.
The hours are consecutive *instants* (one per UTC hour), so a local day has 24 hours, or 23 on
the day the clocks spring forward and 25 on the day they fall back; nothing is skipped or
counted twice. Where a zone's change falls at midnight (America/Havana, America/Santiago,
Asia/Beirut), that day starts at the first instant that exists, e.g. 01:00.

Local dates, months and years are those of the wall clock, so a day, month or year sums
exactly the hours whose local time lies in it.

Weather is mapped on another clock (see :func:`standard_utc_offset`): the zone's standard
time, a fixed UTC offset with 24 hours every day, on which one year of weather lines up with
another without holes or double hours at any DST change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from forecast.paths import user_cache_dir

# Sample days of the year used to find a zone's standard offset (the 1st and 15th of each
# month of the reference year): DST periods last months, so two samples a month see both.
_STANDARD_OFFSET_REFERENCE_YEAR = 2024


def local_midnight(day: dt.date, timezone: str) -> pd.Timestamp:
    """The first instant of a local calendar day.

    Local midnight when it exists; on a day whose clocks jump forward at midnight, the first
    instant after the jump (01:00 in America/Havana on its spring-forward day). When midnight
    occurs twice (a fall-back at 01:00 to 00:00), the first of the two.

    Parameters
    ----------
    day
        Local calendar date.
    timezone
        IANA time zone name.
    """
    return pd.Timestamp(day).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")


def hourly_times(start: dt.date, end: dt.date, timezone: str) -> pd.DatetimeIndex:
    """Every hour from local midnight of ``start`` to local midnight after ``end`` (excluded).

    Consecutive instants one hour apart, labelled in ``timezone``: a spring-forward day has
    23 of them and a fall-back day 25.
    """
    first = local_midnight(start, timezone)
    stop = local_midnight(end + dt.timedelta(days=1), timezone)
    utc = pd.date_range(first.tz_convert("UTC"), stop.tz_convert("UTC"), freq="h", inclusive="left")
    return utc.tz_convert(timezone)


def local_dates(times: pd.DatetimeIndex) -> np.ndarray:
    """Local calendar date of each time, ``datetime64[D]`` (the wall clock's date)."""
    return times.tz_localize(None).to_numpy().astype("datetime64[D]")


def period_coordinates(
    period_times: pd.DatetimeIndex, *, resolution: str, labels: np.ndarray
) -> dict[str, tuple]:
    """The coordinates along ``time`` of a projection's periods, as ``Dataset`` coords.

    ``time`` is what a user selects by (``ds.sel(time="2030")``, ``groupby("time.year")``):
    for daily, monthly and annual periods, a calendar label, the local wall-clock start of the
    period (naive); for hours, the UTC instant (local wall-clock hours repeat at a fall-back).
    Along it, at every resolution: ``time_utc`` (the instant, naive UTC), ``local_time`` (the
    naive local wall clock; ``ds.swap_dims(time="local_time").sel(local_time="2030-04-07")``
    selects a local day's hours), ``utc_offset`` (local minus UTC, minutes) and
    ``local_time_iso`` (``labels``: the local ISO text with offset that the tables write).

    Parameters
    ----------
    period_times
        First instant of each period, tz-aware in the grid's zone.
    resolution
        ``hourly``, ``daily``, ``monthly`` or ``annual``.
    labels
        :func:`forecast.io.export.local_iso` of ``period_times``.
    """
    zone = str(period_times.tz)
    utc = period_times.tz_convert("UTC").tz_localize(None).to_numpy()
    wall = period_times.tz_localize(None).to_numpy()
    offset = ((wall - utc) // np.timedelta64(1, "m")).astype(np.int32)  # [min]
    wall_text = (
        f"start of the period, local wall clock ({zone}), naive; repeats at a daylight-saving "
        "fall-back, where utc_offset tells the two apart"
    )
    return {
        "time": (
            "time",
            utc if resolution == "hourly" else wall,
            time_attributes(zone, resolution),
        ),
        "time_utc": (
            "time",
            utc,
            {"long_name": "start of the period, UTC", "description": "start of the period, UTC"},
        ),
        "local_time": ("time", wall, {"long_name": wall_long_name(zone), "description": wall_text}),
        "utc_offset": ("time", offset, {"units": "min", "description": "local_time - time_utc"}),
        "local_time_iso": (
            "time",
            labels,
            {"description": f"start of the period, local time ({zone}), ISO 8601 with offset"},
        ),
    }


#: The attributes of a projection's ``month`` coordinate in memory: each month's first day,
#: naive, in the local calendar (a NetCDF file adds its CF bounds and UTC instants,
#: :func:`forecast.io.export.cf_dataset`; :func:`forecast.io.export.from_cf` puts these back).
MONTH_ATTRIBUTES = {"description": "month (local calendar)"}


def wall_long_name(zone: str) -> str:
    """The ``long_name`` of a naive local wall-clock time: a CF reader takes a time without a
    zone as UTC, so it says it is not."""
    return f"start of the period, local wall clock ({zone}), not UTC"


def time_attributes(zone: str, resolution: str) -> dict[str, str]:
    """The attributes of a projection's ``time`` coordinate in memory
    (:func:`period_coordinates`): the UTC instant of each hour, or the local wall-clock start
    of each day, month or year in ``zone``."""
    if resolution == "hourly":
        return {
            "long_name": "start of the hour, UTC",
            "description": f"start of the hour, UTC (the local wall clock is local_time, {zone})",
        }
    return {
        "long_name": wall_long_name(zone),
        "description": f"start of the period, local calendar ({zone}), naive: the local year, "
        "month or day to select by; time_utc holds the instant",
    }


def standard_utc_offset(timezone: str) -> dt.timedelta:
    """The zone's standard time: its smallest UTC offset (sampled over 2024).

    Daylight saving adds to the standard offset, so the smallest offset in use is standard
    time (Australia/Sydney +10:00, America/New_York -05:00, Asia/Seoul +09:00). Weather is
    laid out on this fixed clock: solar time, 24 hours every day.
    """
    zone = ZoneInfo(timezone)
    offsets = [
        dt.datetime(_STANDARD_OFFSET_REFERENCE_YEAR, month, day, 12, tzinfo=zone).utcoffset()
        for month in range(1, 13)
        for day in (1, 15)
    ]
    return min(offset for offset in offsets if offset is not None)


@dataclass(frozen=True)
class HourlyCalendar:
    """The hourly time grid of a period in a local time zone, and its indices.

    Attributes
    ----------
    local
        Every hour of the period, tz-aware in the grid's zone, H entries.
    month_of_hour
        Index of each hour's local month among the period's months, int64[H].
    year_of_hour
        Index of each hour's local year among :attr:`years`, int64[H].
    day_of_hour
        Index of each hour's local day, int64[H].
    day_starts
        First hour of each local day, then H, int64[n_days + 1]; a day has 23, 24 or 25 hours.
    years
        Calendar years of the period, int64[Y].
    first_month
        The first month, counted in months since year 0 (``year * 12 + month - 1``).
    n_months
        Number of months M.
    hours_per_year
        Hours of each year inside the period, float64[Y]. [h]
    """

    local: pd.DatetimeIndex
    month_of_hour: np.ndarray
    year_of_hour: np.ndarray
    day_of_hour: np.ndarray
    day_starts: np.ndarray
    years: np.ndarray
    first_month: int
    n_months: int
    hours_per_year: np.ndarray

    @classmethod
    def build(cls, start: dt.date, end: dt.date, timezone: str) -> HourlyCalendar:
        """The calendar of ``start`` .. ``end`` (whole local days) in ``timezone``."""
        local = hourly_times(start, end, timezone)
        dates = local_dates(local)
        new_day = np.r_[True, dates[1:] != dates[:-1]]
        first_month = start.year * 12 + start.month - 1  # months since year 0
        years = np.arange(start.year, end.year + 1, dtype=np.int64)
        year_of_hour = np.asarray(local.year - start.year, dtype=np.int64)
        return cls(
            local=local,
            month_of_hour=np.asarray(local.year * 12 + local.month - 1 - first_month, np.int64),
            year_of_hour=year_of_hour,
            day_of_hour=np.cumsum(new_day, dtype=np.int64) - 1,
            day_starts=np.r_[np.flatnonzero(new_day), len(local)].astype(np.int64),
            years=years,
            first_month=first_month,
            n_months=end.year * 12 + end.month - first_month,
            hours_per_year=np.bincount(year_of_hour, minlength=len(years)).astype(float),
        )

    @property
    def month_hour_of_hour(self) -> np.ndarray:
        """Each hour's local month of the year and clock hour of the day as one slot,
        ``(month - 1) * 24 + hour`` (0 .. 287: January 00:00 to December 23:00), int64[H]. A
        clock change's repeated hour counts in its clock hour twice, its skipped one in none."""
        return np.asarray((self.local.month - 1) * 24 + self.local.hour, dtype=np.int64)

    @property
    def months(self) -> np.ndarray:
        """Month numbers (months since year 0) of the period's months, int64[M]."""
        return np.arange(self.first_month, self.first_month + self.n_months, dtype=np.int64)

    @property
    def days_by_year(self) -> list[tuple[int, int, int, int]]:
        """Per calendar year of the period: ``(year, first, count, in_year)``, the period's
        first day in that year as a day of the year (0 = Jan 1), its days in the year and the
        year's days (365 or 366)."""
        dates = local_dates(self.local[self.day_starts[:-1]])
        year_of_day = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        rows = []
        for year in self.years:
            in_window = dates[year_of_day == year]
            jan_1 = np.datetime64(f"{int(year)}-01-01", "D")
            in_year = int((np.datetime64(f"{int(year) + 1}-01-01", "D") - jan_1).astype(int))
            first = int((in_window[0] - jan_1).astype(int))
            rows.append((int(year), first, int(in_window.size), in_year))
        return rows

    @property
    def hours_per_day(self) -> np.ndarray:
        """Hours in each local day: 24, or 23 / 25 on DST change days, int64[n_days]. [h]"""
        return np.diff(self.day_starts)


def is_time_zone(name: object) -> bool:
    """Whether ``name`` is an IANA time zone name this machine knows (``Asia/Seoul``): the one
    check behind every ``timezone`` field (scenarios, training configs, weather locations,
    model artifacts)."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def days_in_year(year: int) -> int:
    """Days of a calendar year: 365, or 366 in a leap year. [day]"""
    return dt.date(int(year), 12, 31).timetuple().tm_yday


def partial_years(start: dt.date, end: dt.date) -> dict[str, str]:
    """The calendar years that the period ``start`` .. ``end`` (whole local days, both
    included) covers in part, each with the dates it covers and how many of the year's days,
    ``{"2030": "2030-01-01..2030-01-02 (2 of 365 days)"}``: a year's figures are of those days
    only (a 2-day period printed ``2030 total TWh 3.45`` as if a year's). Empty where every
    year is whole. ``forecast export-grid``'s ``partial_years`` says the same of its rows'
    hours."""
    years = (
        (str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
        for year in range(start.year, end.year + 1)
    )
    return _covered_in_part(start, end, years)


def partial_months(start: dt.date, end: dt.date) -> dict[str, str]:
    """The calendar months that the period ``start`` .. ``end`` covers in part (its first and
    last at most), as :func:`partial_years` names years: ``{"2030-03": "2030-03-15..2030-03-31
    (17 of 31 days)"}``. A month's label (the Dataset's ``month``, the JSON's ``2030-03``) is
    the calendar month; a mean over the month is over those days only. Empty where every month
    is whole."""
    months = []
    for first in {start.replace(day=1), end.replace(day=1)}:
        after = (first + dt.timedelta(days=31)).replace(day=1)
        months.append((f"{first:%Y-%m}", first, after - dt.timedelta(days=1)))
    return _covered_in_part(start, end, sorted(months))


def _covered_in_part(
    start: dt.date, end: dt.date, periods: Iterable[tuple[str, dt.date, dt.date]]
) -> dict[str, str]:
    """Each of ``periods`` (label, first day, last day) that ``start`` .. ``end`` covers in
    part, by its label: the dates covered and how many of its days."""
    partial = {}
    for label, period_first, period_last in periods:
        first, last = max(start, period_first), min(end, period_last)
        covered, whole = (last - first).days + 1, (period_last - period_first).days + 1
        if covered != whole:
            partial[label] = f"{first}..{last} ({covered} of {whole} days)"
    return partial


def month_number(date: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by 1 (a scenario's time step)."""
    return date.year * 12 + date.month - 1


#: Where holiday calendars are kept between runs: ``holidays`` in the per-user cache
#: (:func:`forecast.paths.user_cache_dir`), which a reinstall does not remove.
HOLIDAY_CACHE = user_cache_dir() / "holidays"


@lru_cache(maxsize=64)
def holiday_dates(
    country: str,
    first_year: int,
    last_year: int,
    *,
    subdivision: str | None = None,
    observed: bool = True,
) -> frozenset[np.datetime64] | None:
    """Public holidays of ``country`` (ISO 3166) in ``first_year .. last_year``, as
    ``datetime64[D]`` dates, from the ``holidays`` package; None for a country (or subdivision)
    it does not know.

    The dates are kept on disk (:data:`HOLIDAY_CACHE`, one JSON file per calendar, keyed on the
    ``holidays`` version), because the package loads every country's module on its first
    lookup: importing it and finding one calendar took 0.11-0.14 s of a one-second command
    (2026-12-05), reading the file well under a millisecond. A cache that cannot be read is
    built again; one that cannot be written (a read-only install) is skipped.
    """
    from importlib.metadata import version

    key = f"{country}-{subdivision or ''}-{first_year}-{last_year}-{int(observed)}"
    path = HOLIDAY_CACHE / f"holidays-{version('holidays')}" / f"{key}.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        cached = json.loads(path.read_text(encoding="utf-8"))
        return None if cached is None else frozenset(np.datetime64(day, "D") for day in cached)
    import holidays

    try:
        calendar = holidays.country_holidays(
            country, subdiv=subdivision, years=range(first_year, last_year + 1), observed=observed
        )
        days: list[str] | None = sorted(day.isoformat() for day in calendar)
    except NotImplementedError:
        days = None
    from forecast.io.files import atomic_write  # (forecast.io imports this module)

    # A temporary file of its own for each writer (two threads of one process shared the
    # process id's), removed where the write is interrupted.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda temporary: temporary.write_text(json.dumps(days), "utf-8"))
    return None if days is None else frozenset(np.datetime64(day, "D") for day in days)
