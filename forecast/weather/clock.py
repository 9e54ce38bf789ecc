"""The weather clock and the leap-year calendar that weather years are laid out on.

Weather follows the sun, not the wall clock, and daylight saving dates differ from year to
year. So every weather year is laid out on its location's **standard time** (a fixed UTC
offset, :func:`forecast.calendar.standard_utc_offset`: 24 hours every day, no DST change) and
on a **leap-year calendar** of 8784 hours (Jan 1 00:00 .. Dec 31 23:00; a non-leap year
carries Feb 28's values on Feb 29). A target hour, at any instant in any zone, takes the value
at the same month, day and hour of standard time. Every instant of a target year therefore
maps to exactly one hour of each weather year: no holes at a spring-forward change and no
hour used twice at a fall-back change.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from forecast.errors import DataError, OptionsError

HOURS_IN_LEAP_YEAR = 8784
DAYS_IN_LEAP_YEAR = 366

_LEAP_MONTH_START_DAY = np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335])
_FEB_28_INDEX = 58  # zero-based day of the leap calendar
_FEB_29_INDEX = 59


def leap_calendar_hour(
    months: np.ndarray | int, days: np.ndarray | int, hours: np.ndarray | int
) -> np.ndarray:
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


def leap_calendar_month_of_day() -> np.ndarray:
    """Month (1..12) of each of the 366 days of the leap calendar, int64[366]."""
    return np.searchsorted(_LEAP_MONTH_START_DAY, np.arange(DAYS_IN_LEAP_YEAR), side="right")


def clock_zone(clock_offset: dt.timedelta) -> dt.timezone:
    """The fixed-offset zone of a weather clock."""
    return dt.timezone(clock_offset)


def clock_times(times: pd.DatetimeIndex, clock_offset: dt.timedelta) -> pd.DatetimeIndex:
    """Wall times on the weather clock (naive) of tz-aware instants.

    Raises
    ------
    OptionsError
        ``times`` are naive: an instant needs a zone.
    """
    times = pd.DatetimeIndex(times)
    if times.tz is None:
        raise OptionsError(
            "local_times are naive; expected time-zone-aware timestamps such as "
            "pd.date_range(..., tz='Asia/Seoul')"
        )
    return times.tz_convert(clock_zone(clock_offset)).tz_localize(None)


def leap_hours_of(times: pd.DatetimeIndex, clock_offset: dt.timedelta) -> np.ndarray:
    """Leap-calendar hour of each instant on the weather clock, int64[H]."""
    clock = clock_times(times, clock_offset)
    return leap_calendar_hour(clock.month.to_numpy(), clock.day.to_numpy(), clock.hour.to_numpy())


def clock_year_hours(year: int, clock_offset: dt.timedelta) -> pd.DatetimeIndex:
    """Every hour of a calendar year on the weather clock (tz-aware, fixed offset)."""
    return pd.date_range(
        f"{year}-01-01 00:00", f"{year}-12-31 23:00", freq="h", tz=clock_zone(clock_offset)
    )


def year_on_leap_calendar(values: np.ndarray, year: int) -> np.ndarray:
    """One clock year of hourly values on the 8784-hour leap calendar (Feb 29 = Feb 28).

    Parameters
    ----------
    values
        The year's hourly values in clock order, 8760 or 8784 of them.
    year
        Its calendar year.
    """
    values = np.asarray(values, dtype=np.float64)
    if pd.Timestamp(year=year, month=1, day=1).is_leap_year:
        return values.copy()
    by_day = values.reshape(-1, 24)
    return np.concatenate(
        [by_day[:_FEB_29_INDEX], by_day[_FEB_28_INDEX:_FEB_29_INDEX], by_day[_FEB_29_INDEX:]]
    ).ravel()


def years_on_leap_calendar(temperature: pd.Series, years, clock_offset: dt.timedelta) -> np.ndarray:
    """Whole clock years of an hourly temperature series on the leap calendar, float64[W, 8784].

    Parameters
    ----------
    temperature
        Hourly temperature on a tz-aware index, every hour of each year present. [°C]
    years
        Calendar years of the weather clock to take, one row each.
    clock_offset
        The weather clock (standard time of the location).

    Raises
    ------
    DataError
        An hour of one of the years is missing or not a number.
    """
    rows = []
    for year in years:
        hours = clock_year_hours(int(year), clock_offset)
        values = temperature.reindex(hours).to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            first = hours[int(np.flatnonzero(~np.isfinite(values))[0])]
            raise DataError(
                f"temperature is missing at {first.isoformat()} (weather year {year}); a weather "
                "year needs every hour: complete the record first (forecast.io.gaps)"
            )
        rows.append(year_on_leap_calendar(values, int(year)))
    return np.vstack(rows)
