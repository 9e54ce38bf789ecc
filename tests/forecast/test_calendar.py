"""Time is right everywhere: calendars, weather mapping and outputs across every DST change.

Every daylight saving transition of 2015-2024 in Australia/Sydney (southern hemisphere),
America/New_York (northern) and Asia/Seoul (none since 1988) is checked: the local calendar
has a 23-hour day exactly at each spring-forward and a 25-hour day at each fall-back, and the
weather ensemble maps every hour of every target year onto a weather year without a hole or a
doubled hour. The transitions themselves are found independently of the code under test, by
scanning the zone's UTC offset with the standard library.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from forecast import calendar as calendar_module
from forecast.calendar import (
    HourlyCalendar,
    holiday_dates,
    hourly_times,
    local_midnight,
    standard_utc_offset,
)
from forecast.weather import HOURS_IN_LEAP_YEAR, WeatherEnsemble, weather_years_at
from forecast.weather.clock import leap_hours_of

ZONES = ("Australia/Sydney", "America/New_York", "Asia/Seoul")
DECADE = range(2015, 2025)
HOUR_NS = 3_600 * 10**9


def _transitions(zone: str, year: int) -> dict[dt.date, int]:
    """Local dates whose length is not 24 h, with their length in hours (stdlib only)."""
    tz = ZoneInfo(zone)
    lengths = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        hours = (end.astimezone(dt.UTC) - start) / dt.timedelta(hours=1)
        if hours != 24:
            lengths[day] = int(hours)
        day += dt.timedelta(days=1)
    return lengths


@pytest.mark.parametrize("zone", ZONES)
def test_local_days_have_23_or_25_hours_exactly_at_each_dst_change(zone):
    calendar = HourlyCalendar.build(dt.date(DECADE[0], 1, 1), dt.date(DECADE[-1], 12, 31), zone)
    local = calendar.local
    assert (np.diff(local.as_unit("ns").asi8) == HOUR_NS).all()  # consecutive, none skipped
    first_hours = local[calendar.day_starts[:-1]]
    lengths = dict(zip(first_hours.date, calendar.hours_per_day, strict=True))
    expected = {}
    for year in DECADE:
        expected |= _transitions(zone, year)
    assert {day: hours for day, hours in lengths.items() if hours != 24} == expected
    if zone == "Asia/Seoul":
        assert not expected
    else:
        assert len(expected) == 2 * len(DECADE)  # one spring-forward and one fall-back a year
        assert sorted(set(expected.values())) == [23, 25]
    # Every hour belongs to the local date of its wall clock; every year has 8760/8784 hours.
    dates = local.tz_localize(None).normalize()
    assert (dates == dates[calendar.day_starts[calendar.day_of_hour]]).all()
    assert calendar.hours_per_year.tolist() == [
        8784.0 if pd.Timestamp(year=y, month=1, day=1).is_leap_year else 8760.0 for y in DECADE
    ]


@pytest.mark.parametrize("zone", ZONES)
def test_weather_years_map_onto_every_target_year_without_holes_or_doubles(zone):
    """Each target year's instants take distinct, consecutive hours of standard time."""
    clock = standard_utc_offset(zone)
    for year in DECADE:
        hours = hourly_times(dt.date(year, 1, 1), dt.date(year, 12, 31), zone)
        leap = leap_hours_of(hours, clock)
        assert len(np.unique(leap)) == len(hours), year  # no hour used twice
        step = np.diff(leap) % HOURS_IN_LEAP_YEAR
        # One hour at a time (a non-leap year steps over Feb 29 of the leap calendar): no hole.
        allowed = {1} if pd.Timestamp(year=year, month=1, day=1).is_leap_year else {1, 25}
        assert set(np.unique(step)) <= allowed, year
        for day, length in _transitions(zone, year).items():
            start = local_midnight(day, zone)
            around = hours[(hours >= start) & (hours < start + pd.Timedelta(hours=length))]
            assert len(around) == length
            assert (np.diff(leap_hours_of(around, clock)) == 1).all(), (year, day)


def test_the_ex_ante_weather_of_a_dst_target_year_has_no_missing_hour():
    """The New York backtest crash of issue 13: 2014-03-13T02:00-04:00 mapped to no hour."""
    zone = "America/New_York"
    history = hourly_times(dt.date(2010, 1, 1), dt.date(2013, 12, 31), zone)
    temperature = pd.Series(np.sin(np.arange(len(history)) / 24.0), index=history)
    target = hourly_times(dt.date(2014, 1, 1), dt.date(2014, 12, 31), zone)
    members = weather_years_at(temperature, [2010, 2011, 2012, 2013], target)
    assert members.shape == (4, len(target))
    assert np.isfinite(members).all()
    at = target.get_loc(pd.Timestamp("2014-03-13T02:00-04:00"))
    # 02:00 EDT is 01:00 EST: the source year's value at 01:00 EST on March 13.
    source = pd.Timestamp("2013-03-13T01:00-05:00")
    assert members[3, at] == temperature[source]


def test_ensemble_lookup_in_a_dst_zone_is_continuous_across_the_fall_back_hour():
    ensemble = WeatherEnsemble(
        labels=("ramp",),
        temperature_c=np.arange(HOURS_IN_LEAP_YEAR, dtype=np.float64)[None, :],
        source="test",
        location="test",
        clock_offset=dt.timedelta(hours=10),
        kind="historical",
    )
    # Sydney falls back on 2030-04-07 at 03:00 AEDT -> 02:00 AEST: 02:00 occurs twice.
    hours = hourly_times(dt.date(2030, 4, 7), dt.date(2030, 4, 7), "Australia/Sydney")
    assert len(hours) == 25
    values = ensemble.for_hours(hours)[0]
    assert (np.diff(values) == 1.0).all()


@pytest.mark.parametrize(
    ("zone", "day", "first"),
    [
        # Midnight does not exist on these spring-forward days: the day starts at 01:00.
        ("America/Havana", dt.date(2024, 3, 10), "2024-03-10T01:00:00-04:00"),
        ("America/Santiago", dt.date(2024, 9, 8), "2024-09-08T01:00:00-03:00"),
        ("Asia/Beirut", dt.date(2024, 3, 31), "2024-03-31T01:00:00+03:00"),
    ],
)
def test_zones_whose_clocks_change_at_midnight(zone, day, first):
    assert local_midnight(day, zone).isoformat() == first
    calendar = HourlyCalendar.build(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), zone)
    assert sorted(set(calendar.hours_per_day.tolist())) == [23, 24, 25]
    assert calendar.hours_per_year[0] in (8760.0, 8784.0)
    starts = calendar.local[calendar.day_starts[:-1]]
    assert first in {stamp.isoformat() for stamp in starts}


def test_standard_time_is_the_smallest_offset():
    assert standard_utc_offset("Australia/Sydney") == dt.timedelta(hours=10)
    assert standard_utc_offset("America/New_York") == dt.timedelta(hours=-5)
    assert standard_utc_offset("Asia/Seoul") == dt.timedelta(hours=9)


# --- Holiday calendars kept on disk (forecast.calendar.holiday_dates) -----------------------


@pytest.fixture
def holiday_cache(tmp_path, monkeypatch):
    """An empty holiday cache of the test's own, and no calendar remembered in memory."""
    monkeypatch.setattr(calendar_module, "HOLIDAY_CACHE", tmp_path / "holidays")
    holiday_dates.cache_clear()
    yield tmp_path / "holidays"
    holiday_dates.cache_clear()


def test_holiday_dates_are_the_packages_and_come_back_from_disk(holiday_cache):
    import holidays

    expected = {np.datetime64(day, "D") for day in holidays.country_holidays("KR", years=[2030])}
    assert holiday_dates("KR", 2030, 2030) == expected
    (written,) = holiday_cache.glob("*/KR--2030-2030-1.json")
    holiday_dates.cache_clear()
    written.write_text('["2030-03-01"]')  # a file that says otherwise
    assert holiday_dates("KR", 2030, 2030) == {np.datetime64("2030-03-01")}  # read, not rebuilt


def test_a_damaged_holiday_file_is_built_again(holiday_cache):
    expected = holiday_dates("AU", 2030, 2030, subdivision="NSW")
    (written,) = holiday_cache.glob("*/AU-NSW-2030-2030-1.json")
    written.write_text("{not json")
    holiday_dates.cache_clear()
    assert holiday_dates("AU", 2030, 2030, subdivision="NSW") == expected
    assert json.loads(written.read_text()) == sorted(str(day) for day in expected)


def test_an_unknown_country_has_no_holiday_calendar(holiday_cache):
    assert holiday_dates("XX", 2030, 2030) is None
    holiday_dates.cache_clear()
    assert holiday_dates("XX", 2030, 2030) is None  # from the file this time


def test_holidays_work_where_the_cache_cannot_be_written(holiday_cache, monkeypatch):
    # Below a file, no directory can be made, whoever runs the test (root included).
    holiday_cache.parent.joinpath("a-file").write_text("")
    monkeypatch.setattr(calendar_module, "HOLIDAY_CACHE", holiday_cache.parent / "a-file" / "x")
    assert np.datetime64("2030-01-01") in holiday_dates("KR", 2030, 2030)
