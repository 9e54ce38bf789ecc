"""Demand and temperature loaders: both demand formats, hour-ending mapping, error messages."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import hourly_times
from forecast.errors import DataError
from forecast.io.gaps import (
    INTERPOLATED,
    MASKED,
    OBSERVED,
    GapReport,
    interpolate_short_gaps,
)
from forecast.io.loaders import (
    load_daily_temperature,
    load_demand,
    load_hourly_temperature,
    read_demand,
)
from forecast.paths import real_data_available, real_data_dir

DAYS = ("2024-02-28", "2024-02-29", "2024-03-01")


def _values() -> np.ndarray:
    return 60_000 + np.arange(len(DAYS) * 24, dtype=np.int64) * 10


def _write_wide(path, *, encoding="cp949", values=None) -> None:
    values = _values() if values is None else values
    header = "날짜," + ",".join(f"{hour}시" for hour in range(1, 25))
    rows = [header]
    for day_number, day in enumerate(DAYS):
        cells = values[day_number * 24 : (day_number + 1) * 24]
        rows.append(day + "," + ",".join(str(value) for value in cells))
    path.write_bytes(("\r\n".join(rows) + "\r\n\r\n").encode(encoding))


def _write_long(path, values=None, *, stamps=None) -> None:
    values = _values() if values is None else values
    stamps = (
        pd.date_range(DAYS[0], periods=len(values), freq="h", tz="Asia/Seoul")
        if stamps is None
        else stamps
    )
    lines = ["timestamp,demand_mw"] + [
        f"{stamp.isoformat()},{value}" for stamp, value in zip(stamps, values, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig"])
def test_wide_and_long_formats_load_to_the_same_series(tmp_path, encoding):
    _write_wide(tmp_path / "wide.csv", encoding=encoding)
    _write_long(tmp_path / "long.csv")
    wide = load_demand(tmp_path / "wide.csv")
    long = load_demand(tmp_path / "long.csv")
    pd.testing.assert_series_equal(wide, long)
    assert wide.index.tz is not None and len(wide) == 72


def test_hour_ending_columns_map_to_hour_beginning_on_the_same_day(tmp_path):
    values = _values()
    _write_wide(tmp_path / "wide.csv", values=values)
    demand = load_demand(tmp_path / "wide.csv")
    # 1시 (00:00-01:00) is 00:00 of the date; 24시 (23:00-24:00) is 23:00 of the same date.
    assert demand[pd.Timestamp("2024-02-29 00:00", tz="Asia/Seoul")] == values[24]
    assert demand[pd.Timestamp("2024-02-29 23:00", tz="Asia/Seoul")] == values[47]
    assert demand.index[-1] == pd.Timestamp("2024-03-01 23:00", tz="Asia/Seoul")


def test_naive_long_timestamps_are_local_time(tmp_path):
    stamps = pd.date_range(DAYS[0], periods=72, freq="h")
    _write_long(tmp_path / "long.csv", stamps=stamps)
    demand = load_demand(tmp_path / "long.csv", timezone="Asia/Seoul")
    assert demand.index[0] == pd.Timestamp("2024-02-28 00:00", tz="Asia/Seoul")


def test_a_gap_stays_a_gap(tmp_path):
    """A missing hour is data, not an error: the loader returns what the file has."""
    values = _values()
    stamps = pd.date_range(DAYS[0], periods=72, freq="h", tz="Asia/Seoul")
    keep = np.ones(72, dtype=bool)
    keep[10] = False
    _write_long(tmp_path / "long.csv", values[keep], stamps=stamps[keep])
    demand = load_demand(tmp_path / "long.csv")
    assert len(demand) == 71
    assert stamps[10] not in demand.index


def test_duplicate_is_refused_naming_both_lines(tmp_path):
    stamps = pd.date_range(DAYS[0], periods=72, freq="h", tz="Asia/Seoul").tolist()
    stamps[5] = stamps[4]
    _write_long(tmp_path / "long.csv", stamps=pd.DatetimeIndex(stamps))
    with pytest.raises(DataError, match=r"line 7: .*duplicates line 6 \(the same instant\)"):
        load_demand(tmp_path / "long.csv")


def test_same_instant_with_another_offset_is_a_duplicate(tmp_path):
    """02:00+11:00 and 01:00+10:00 are one instant written twice: refused, naming the row."""
    path = tmp_path / "dup.csv"
    path.write_text(
        "timestamp,demand_mw\n2024-04-07T01:00:00+11:00,7000\n2024-04-07T02:00:00+11:00,6900\n"
        "2024-04-07T01:00:00+10:00,6800\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"dup.csv line 4: .*duplicates line 3"):
        load_demand(path, timezone="Australia/Sydney")


def test_fall_back_hour_twice_with_its_two_offsets_is_two_hours(tmp_path):
    """Sydney, 2024-04-07: 02:00+11:00 is followed by 02:00+10:00, two different instants."""
    stamps = pd.date_range("2024-04-06 13:00", periods=6, freq="h", tz="UTC").tz_convert(
        "Australia/Sydney"
    )
    _write_long(tmp_path / "fall.csv", np.arange(6) + 7000, stamps=stamps)
    text = (tmp_path / "fall.csv").read_text()
    assert "2024-04-07T02:00:00+11:00" in text and "2024-04-07T02:00:00+10:00" in text
    demand = load_demand(tmp_path / "fall.csv", timezone="Australia/Sydney")
    assert len(demand) == 6
    assert (np.diff(demand.index.asi8) == 3_600 * 10**9).all()


def test_naive_fall_back_hour_given_twice_in_order_is_inferred(tmp_path):
    """Naive local times: the repeated 02:00 is first daylight time, then standard time."""
    stamps = ["2024-04-07 00:00", "2024-04-07 01:00", "2024-04-07 02:00", "2024-04-07 02:00",
              "2024-04-07 03:00"]  # fmt: skip
    rows = "".join(f"{stamp},{7000 + i}\n" for i, stamp in enumerate(stamps))
    (tmp_path / "naive.csv").write_text("timestamp,demand_mw\n" + rows, encoding="utf-8")
    demand = load_demand(tmp_path / "naive.csv", timezone="Australia/Sydney")
    assert [stamp.isoformat() for stamp in demand.index[2:4]] == [
        "2024-04-07T02:00:00+11:00",
        "2024-04-07T02:00:00+10:00",
    ]


def test_naive_fall_back_hour_given_once_is_daylight_time_and_the_other_a_gap(tmp_path):
    """The commonest utility export writes the repeated 02:00 once: it is read as the first
    02:00 (daylight time, +11:00), and the second (+10:00) is a one-hour gap, interpolated and
    reported like any other; the temperature reader reads such a file the same way."""
    stamps = ["2024-04-07 00:00", "2024-04-07 01:00", "2024-04-07 02:00", "2024-04-07 03:00"]
    rows = "".join(f"{stamp},{7000 + i}\n" for i, stamp in enumerate(stamps))
    (tmp_path / "once.csv").write_text("timestamp,demand_mw\n" + rows, encoding="utf-8")
    demand = load_demand(tmp_path / "once.csv", timezone="Australia/Sydney")
    assert [stamp.isoformat() for stamp in demand.index] == [
        "2024-04-07T00:00:00+11:00",
        "2024-04-07T01:00:00+11:00",
        "2024-04-07T02:00:00+11:00",
        "2024-04-07T03:00:00+10:00",
    ]
    grid = hourly_times(dt.date(2024, 4, 7), dt.date(2024, 4, 7), "Australia/Sydney")
    values, interpolated = interpolate_short_gaps(demand.reindex(grid).to_numpy())
    assert grid[interpolated].strftime("%H:%M%z").tolist() == ["02:00+1000"]
    assert values[interpolated].tolist() == [7002.5]
    report = GapReport.from_handling(
        grid, np.where(interpolated, INTERPOLATED, OBSERVED).astype(np.int8), series="demand",
        source="once.csv",
    )  # fmt: skip
    assert report.summary() == (
        "demand (once.csv): 1 gap(s), 1 of 25 hours missing; longest 2024-04-07T02:00:00+10:00"
        " .. 2024-04-07T02:00:00+10:00 (1 h, interpolated) (hours counted: "
        "2024-04-07T00:00:00+11:00 .. 2024-04-07T23:00:00+10:00)"
    )
    (tmp_path / "temperature.csv").write_text(
        "timestamp,temp_c\n" + rows.replace(",700", ",1"), encoding="utf-8"
    )
    temperature = load_hourly_temperature(tmp_path / "temperature.csv", timezone="Australia/Sydney")
    pd.testing.assert_index_equal(temperature.index, demand.index)


def test_naive_spring_forward_hour_does_not_exist(tmp_path):
    (tmp_path / "naive.csv").write_text(
        "timestamp,demand_mw\n2024-10-06 01:00,7000\n2024-10-06 02:00,7000\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as refused:
        load_demand(tmp_path / "naive.csv", timezone="Australia/Sydney")
    assert str(refused.value).endswith(
        "naive.csv line 3: local time 2024-10-06 02:00:00 does not exist in time zone "
        "'Australia/Sydney' (the clocks skip it); if the file's timestamps are UTC or a fixed "
        'offset, set [data] timestamp_timezone (e.g. "UTC", or "Etc/GMT-10" for UTC+10 all '
        "year); else remove the row, or use the long format with explicit UTC offsets"
    )


def test_offsets_of_another_zone_are_refused_and_utc_is_read(tmp_path):
    """A file with an offset the zone never has belongs to another grid's zone (Sydney's
    +11:00 read as Seoul's, or as Brisbane's, which has no daylight saving): refused, naming
    the first such row and the offsets; the same instants written in UTC, or with a bare
    two-digit offset, are read and equal the file written in Seoul's own offsets; a file in
    the zone's standard time all year (AEMO's +10:00 in Sydney) is read."""
    sydney = pd.date_range(DAYS[0], periods=72, freq="h", tz="Australia/Sydney")
    _write_long(tmp_path / "sydney.csv", stamps=sydney)
    for zone, own in (("Asia/Seoul", r"\+09:00"), ("Australia/Brisbane", r"\+10:00")):
        with pytest.raises(
            DataError,
            match=rf"sydney.csv line 2: .*'2024-02-28T00:00:00\+11:00' has a UTC offset {zone} "
            rf"never has \(\+11:00; its own: {own}\)",
        ):
            load_demand(tmp_path / "sydney.csv", timezone=zone)
    assert load_demand(tmp_path / "sydney.csv", timezone="Australia/Sydney").size == 72
    _write_long(tmp_path / "standard.csv", stamps=sydney.tz_convert("Etc/GMT-10"))
    pd.testing.assert_index_equal(
        load_demand(tmp_path / "standard.csv", timezone="Australia/Sydney").index,
        load_demand(tmp_path / "sydney.csv", timezone="Australia/Sydney").index,
    )
    seoul = pd.date_range(DAYS[0], periods=72, freq="h", tz="Asia/Seoul")
    _write_long(tmp_path / "seoul.csv", stamps=seoul)
    _write_long(tmp_path / "utc.csv", stamps=seoul.tz_convert("UTC"))
    short = (tmp_path / "seoul.csv").read_text(encoding="utf-8").replace("+09:00,", "+09,")
    (tmp_path / "short.csv").write_text(short, encoding="utf-8")
    expected = load_demand(tmp_path / "seoul.csv", timezone="Asia/Seoul")
    for name in ("utc.csv", "short.csv"):
        pd.testing.assert_series_equal(
            load_demand(tmp_path / name, timezone="Asia/Seoul"), expected
        )


def test_a_row_with_an_extra_field_is_refused_naming_its_line(tmp_path):
    _write_long(tmp_path / "long.csv")
    lines = (tmp_path / "long.csv").read_text(encoding="utf-8").splitlines()
    lines[9] += ",5"
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"long.csv line 10: 3 fields where the header has 2"):
        load_demand(tmp_path / "long.csv")


def test_non_numeric_cell_is_refused_naming_line_and_column(tmp_path):
    _write_wide(tmp_path / "wide.csv")
    text = (tmp_path / "wide.csv").read_bytes().decode("cp949").replace(",60010,", ",abc,", 1)
    (tmp_path / "wide.csv").write_bytes(text.encode("cp949"))
    with pytest.raises(DataError, match=r"line 2: column '2시' value 'abc' is not a number"):
        load_demand(tmp_path / "wide.csv")


@pytest.mark.parametrize("bad_value", [-5, 0])
def test_impossible_demand_is_refused(tmp_path, bad_value):
    values = _values()
    values[30] = bad_value
    _write_long(tmp_path / "long.csv", values)
    with pytest.raises(DataError, match=r"line 32: column 'demand_mw' .* impossible"):
        load_demand(tmp_path / "long.csv")


def test_wrong_encoding_is_refused(tmp_path):
    _write_wide(tmp_path / "wide.csv", encoding="utf-16")
    with pytest.raises(DataError, match="encoding is neither UTF-8 nor CP949"):
        load_demand(tmp_path / "wide.csv")


def test_missing_column_is_refused(tmp_path):
    (tmp_path / "bad.csv").write_text("time,load\n2024-01-01T00:00:00+09:00,1\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"line 1: missing column\(s\) \['timestamp', 'demand_mw'\]"
    ):
        load_demand(tmp_path / "bad.csv")


def test_hourly_temperature_keeps_gaps_and_refuses_impossible_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "timestamp,temp_c\n2024-01-01T00:00:00+09:00,-3.5\n2024-01-01T01:00:00+09:00,\n"
        "2024-01-01T05:00:00+09:00,-2.0\n",
        encoding="utf-8",
    )
    temperature = load_hourly_temperature(path)
    assert temperature.tolist() == [-3.5, -2.0]
    path.write_text("timestamp,temp_c\n2024-01-01T00:00:00+09:00,150\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2: column 'temp_c' value 150 °C is impossible; al"):
        load_hourly_temperature(path)


def test_daily_temperature_loads_with_empty_cells(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "date,temp_mean_c,temp_min_c,temp_max_c\n2024-01-01,1.0,-2.0,4.5\n2024-01-02,0.5,,3.0\n",
        encoding="utf-8",
    )
    daily = load_daily_temperature(path)
    assert daily.loc["2024-01-01", "temp_max_c"] == 4.5
    assert np.isnan(daily.loc["2024-01-02", "temp_min_c"])


def test_daily_extremes_must_bracket_the_mean(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "date,temp_mean_c,temp_min_c,temp_max_c\n2024-01-01,1.0,-2.0,4.5\n2024-01-02,5.0,1.0,3.0\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"d.csv line 3: 2024-01-02 has mean 5, min 1, max 3 °C"):
        load_daily_temperature(path)


@pytest.mark.shared_data
def test_real_kpx_file_loads_with_the_record_peak():
    if not real_data_available():
        pytest.skip("real KPX data not found in FORECAST_DATA_DIR (default ../shared/data)")
    demand = load_demand(real_data_dir() / "kpx_hourly_demand.csv")
    assert len(demand) == 105_192
    # KPX record 97,115 MW on 2024-08-20 17시 (hour-ending) = 16:00 hour-beginning.
    assert demand.idxmax() == pd.Timestamp("2024-08-20 16:00", tz="Asia/Seoul")
    assert demand.max() == 97_115


def test_a_gap_report_tells_the_hours_outside_the_file_from_the_gaps_inside_it():
    """A config's years around a file from July named only the months before the file as the
    "longest" gap, hiding the real 10-hour hole inside it. Hand-checkable: a 48-hour period,
    the file's rows from hour 5 to hour 44; inside, 2 hours interpolated and 10 masked."""
    grid = hourly_times(dt.date(2021, 3, 1), dt.date(2021, 3, 2), "UTC")
    handling = np.full(48, OBSERVED, dtype=np.int8)
    handling[:5] = MASKED  # before the first row
    handling[10:12] = INTERPOLATED
    handling[20:30] = MASKED
    handling[45:] = MASKED  # after the last row
    report = GapReport.from_handling(grid, handling, series="demand", source="july.csv")
    assert report.summary() == (
        "demand (july.csv): 2 gap(s) inside the file's rows (2021-03-01T05:00:00+00:00 .. "
        "2021-03-02T20:00:00+00:00), 12 of their 40 hours missing; longest "
        "2021-03-01T20:00:00+00:00 .. 2021-03-02T05:00:00+00:00 (10 h, masked); not covered "
        "by the file: 5 h before its first row (masked), 3 h after its last (masked) (hours "
        "counted: 2021-03-01T00:00:00+00:00 .. 2021-03-02T23:00:00+00:00)"
    )
    listed = report.to_dict()
    assert listed["rows"] == ["2021-03-01T05:00:00+00:00", "2021-03-02T20:00:00+00:00"]
    assert (listed["hours_before_rows"], listed["hours_after_rows"]) == (5, 3)
    assert (listed["inside_gap_count"], listed["inside_missing_hours"]) == (2, 12)
    assert listed["longest_inside_hours"] == 10
    assert (listed["gap_count"], listed["missing_hours"]) == (4, 20)  # as before
    handling[20:30] = OBSERVED
    handling[10:12] = OBSERVED
    whole = GapReport.from_handling(grid, handling, series="demand", source="july.csv")
    assert whole.summary().startswith(
        "demand (july.csv): no gaps inside the file's rows (2021-03-01T05:00:00+00:00 .. "
        "2021-03-02T20:00:00+00:00, 40 hours); not covered by the file: 5 h before"
    )
    nothing = GapReport.from_handling(
        grid, np.full(48, MASKED, dtype=np.int8), series="demand", source="july.csv"
    )
    assert nothing.summary().startswith("demand (july.csv): no observed hour in 48 hours")


def _hours(count: int = 48) -> pd.DatetimeIndex:
    return pd.date_range("2024-01-01", periods=count, freq="h")


@pytest.mark.parametrize(("unit", "factor"), [("kW", 1000.0), ("MW", 1.0), ("GW", 0.001)])
def test_demand_in_kw_or_gw_is_converted_to_mw(tmp_path, unit, factor):
    """A US utility's file in kW was read as MW: a 400 MW zone trained and projected as a
    684 GW grid, without a word. The unit is stated (``[data] demand_unit``) and converted."""
    _write_long(tmp_path / "mw.csv", stamps=_hours(72))
    _write_long(tmp_path / "other.csv", _values() * factor, stamps=_hours(72))
    text = (tmp_path / "other.csv").read_text(encoding="utf-8").replace("demand_mw", "load", 1)
    (tmp_path / "other.csv").write_text(text, encoding="utf-8")
    in_mw = load_demand(tmp_path / "mw.csv", timezone="America/New_York")
    converted = load_demand(
        tmp_path / "other.csv", timezone="America/New_York", demand_column="load", unit=unit
    )
    pd.testing.assert_series_equal(converted, in_mw.astype(float))


def test_an_unknown_demand_unit_is_refused(tmp_path):
    _write_long(tmp_path / "d.csv")
    with pytest.raises(DataError) as refused:
        load_demand(tmp_path / "d.csv", unit="MWh")
    assert str(refused.value) == (
        f"{tmp_path / 'd.csv'}: demand unit 'MWh' is not known; allowed: 'kW', 'MW', 'GW'"
    )


@pytest.mark.parametrize(
    ("column", "unit", "named"),
    [("zone_load_kw", "MW", "kW"), ("Load (MW)", "kW", "MW"), ("load_kwh", "MW", "kW")],
)
def test_a_demand_column_named_in_another_unit_is_refused(tmp_path, column, unit, named):
    """The column's own name says its unit: a `zone_load_kw` column read in MW (the default)
    is refused before anything is fitted, pointing at the setting."""
    path = tmp_path / "d.csv"
    path.write_text(f"timestamp,{column}\n2024-01-01 00:00,5000\n", encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_demand(path, timezone="America/New_York", demand_column=column, unit=unit)
    assert str(refused.value) == (
        f"{path} line 1: column {column!r} is named in {named} but is read in {unit} "
        f"(demand_unit); allowed: demand_unit = {named!r} for this file, or a column in {unit}"
    )


def test_a_demand_row_not_on_the_hour_is_refused_naming_it(tmp_path):
    """One row at 10:30 (in place of 10:00) was dropped without a word: the hour became a gap
    and was interpolated."""
    stamps = [stamp.strftime("%Y-%m-%d %H:%M") for stamp in _hours()]
    stamps[10] = "2024-01-01 10:30"
    rows = "".join(f"{stamp},{7000 + i}\n" for i, stamp in enumerate(stamps))
    (tmp_path / "half.csv").write_text("time,load_mw\n" + rows, encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_demand(
            tmp_path / "half.csv", timezone="America/New_York", timestamp_column="time",
            demand_column="load_mw",
        )  # fmt: skip
    assert str(refused.value) == (
        f"{tmp_path / 'half.csv'} line 12: column 'time' value '2024-01-01 10:30' is not on "
        "the hour; allowed: hourly timestamps on the hour (hour-beginning, :00), or 5-, 15- "
        "or 30-minute intervals at a steady step (averaged to hourly); else resample the file "
        "first"
    )


def test_utc_timestamps_of_a_half_hour_zone_are_on_its_hour(tmp_path):
    """On the hour means on the grid's own clock: India's hours are :30 in UTC."""
    stamps = pd.date_range("2024-01-01", periods=24, freq="h", tz="Asia/Kolkata")
    _write_long(tmp_path / "utc.csv", np.arange(24) + 100, stamps=stamps.tz_convert("UTC"))
    assert len(load_demand(tmp_path / "utc.csv", timezone="Asia/Kolkata")) == 24


def _asos(path, minute: int, values=None) -> None:
    stamps = _hours()
    values = np.linspace(20, 40, len(stamps)) if values is None else values
    rows = "".join(
        f"NYC,{stamp:%Y-%m-%d %H}:{minute:02d},{value}\n"
        for stamp, value in zip(stamps, values, strict=True)
    )
    path.write_text("station,valid,tmpf\n" + rows, encoding="utf-8")


def test_temperature_at_53_is_refused_naming_the_row_and_the_setting(tmp_path):
    """A whole ASOS file at HH:53 failed with "the temperature record has no observed hour to
    fill its gaps from", naming no file, row or value."""
    _asos(tmp_path / "asos.csv", 53)
    with pytest.raises(DataError) as refused:
        load_hourly_temperature(
            tmp_path / "asos.csv", timezone="America/New_York", timestamp_column="valid",
            temperature_column="tmpf", unit="F",
        )  # fmt: skip
    assert str(refused.value) == (
        f"{tmp_path / 'asos.csv'} line 2: column 'valid' value '2024-01-01 00:53' is not on the "
        "hour; allowed: hourly timestamps on the hour (hour-beginning, :00), or, for "
        "observations all taken at one minute past the hour (ASOS/METAR at :53), "
        "observation_minute = 53 in the location.toml"
    )


def test_observations_at_53_are_the_next_hours_with_observation_minute(tmp_path):
    """``observation_minute = 53``: each routine report at HH:53 is the hour HH+1:00 (7
    minutes later), on naive local times and across midnight; a special report at another
    minute is refused in one line."""
    _asos(tmp_path / "asos.csv", 53)
    temperature = load_hourly_temperature(
        tmp_path / "asos.csv", timezone="America/New_York", timestamp_column="valid",
        temperature_column="tmpf", unit="F", observation_minute=53,
    )  # fmt: skip
    assert temperature.index[0] == pd.Timestamp("2024-01-01 01:00", tz="America/New_York")
    assert temperature.index[-1] == pd.Timestamp("2024-01-03 00:00", tz="America/New_York")
    assert temperature.iloc[0] == pytest.approx((20 - 32) * 5 / 9)
    lines = (tmp_path / "asos.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(":53,", ":12,")
    (tmp_path / "asos.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"asos.csv line 6: column 'valid' value '2024-01-01 "
        r"04:12' is not at minute 53; allowed: one observation an hour, at :53",
    ):
        load_hourly_temperature(
            tmp_path / "asos.csv", timezone="America/New_York", timestamp_column="valid",
            temperature_column="tmpf", unit="F", observation_minute=53,
        )  # fmt: skip


def test_the_asos_missing_marker_is_a_gap(tmp_path):
    """IEM/NWS ASOS exports write `M` for a missing observation; it is a gap like an empty
    cell (reported and handled by the gap rule), not a refusal. Other text is still refused."""
    values = np.linspace(20, 40, 48).round(1).astype(str)
    values[7] = "M"
    _asos(tmp_path / "asos.csv", 0, values)
    temperature = load_hourly_temperature(
        tmp_path / "asos.csv", timezone="America/New_York", timestamp_column="valid",
        temperature_column="tmpf", unit="F",
    )  # fmt: skip
    assert len(temperature) == 47
    assert pd.Timestamp("2024-01-01 07:00", tz="America/New_York") not in temperature.index
    values[7] = "n/a"
    _asos(tmp_path / "asos.csv", 0, values)
    with pytest.raises(DataError, match="line 9: column 'tmpf' value 'n/a' is not a number"):
        load_hourly_temperature(
            tmp_path / "asos.csv", timezone="America/New_York", timestamp_column="valid",
            temperature_column="tmpf", unit="F",
        )  # fmt: skip


def test_a_fahrenheit_file_read_as_celsius_hints_at_the_setting(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("timestamp,tmp\n2024-07-01T00:00:00+09:00,86.0\n", encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_hourly_temperature(path, temperature_column="tmp", timezone="Asia/Seoul")
    assert str(refused.value) == (
        f"{path} line 2: column 'tmp' value 86 °C is impossible; allowed -90 to 60 °C "
        '(a file in °F? set temperature_unit = "F" in the location.toml)'
    )


def test_daily_temperature_in_fahrenheit_with_its_own_columns(tmp_path):
    """A utility's daily file `date,tavg_f,tmin_f,tmax_f` in °F had to be converted and
    renamed by hand: the daily reader takes the columns and unit as the hourly one does."""
    path = tmp_path / "d.csv"
    path.write_text("day,tavg_f,tmin_f,tmax_f\n2024-01-01,50.0,32.0,68.0\n", encoding="utf-8")
    daily = load_daily_temperature(
        path, date_column="day", mean_column="tavg_f", min_column="tmin_f",
        max_column="tmax_f", unit="F",
    )  # fmt: skip
    assert daily.loc["2024-01-01"].tolist() == pytest.approx([10.0, 0.0, 20.0])
    with pytest.raises(DataError) as refused:
        load_daily_temperature(path, date_column="day", mean_column="tavg_f",
                               min_column="tmin_f", max_column="tmax_f")  # fmt: skip
    assert str(refused.value) == (
        f"{path} line 1: column 'tavg_f' is named in °F but is read in °C "
        "(daily_temperature_unit); allowed: daily_temperature_unit = 'F' for this file, or a "
        "column in °C"
    )


def test_a_celsius_column_read_in_fahrenheit_is_refused(tmp_path):
    """The README's daily file (`temp_mean_c`...) under a location in °F would be read as °F:
    25 °C as -3.9 °C, silently. Its column names say °C: refused, naming the setting."""
    path = tmp_path / "d.csv"
    path.write_text(
        "date,temp_mean_c,temp_min_c,temp_max_c\n2024-07-01,25.0,20.0,30.0\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"column 'temp_mean_c' is named in °C but is read in °F"):
        load_daily_temperature(path, unit="F")


def _nsw_week() -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The hours of a week around Sydney's 2012 spring-forward day (7 October), and a daily
    cycle of demand on them. [MW]"""
    times = hourly_times(dt.date(2012, 10, 4), dt.date(2012, 10, 10), "Australia/Sydney")
    hours = np.asarray(times.hour)
    return times, 8_000 + 1_500 * np.sin(2 * np.pi * (hours - 12) / 24)


def _write(path, stamps, values) -> None:
    pd.DataFrame({"timestamp": stamps, "demand_mw": values}).to_csv(path, index=False)


@pytest.mark.parametrize(
    ("zone", "offset"), [("UTC", "0h"), ("Etc/GMT-10", "10h")], ids=["naive-utc", "nem-time"]
)
def test_naive_timestamps_in_utc_or_a_fixed_offset_read_as_the_same_instants(
    tmp_path, zone, offset
):
    """A naive-UTC export and AEMO's market time (UTC+10 all year, naive) of the same hours:
    read in the grid's zone, the first was refused at the spring-forward hour (and, with that
    row removed, read 10-11 h off); with [data] timestamp_timezone each is read as the file
    with offsets is, hour for hour, on Sydney's clock."""
    times, values = _nsw_week()
    wall = (times.tz_convert("UTC") + pd.Timedelta(offset)).tz_localize(None)
    _write(tmp_path / "naive.csv", wall.strftime("%Y-%m-%d %H:%M"), values)
    _write(tmp_path / "offsets.csv", [stamp.isoformat() for stamp in times], values)
    expected = load_demand(tmp_path / "offsets.csv", timezone="Australia/Sydney")
    read = load_demand(tmp_path / "naive.csv", timezone="Australia/Sydney", timestamp_timezone=zone)
    pd.testing.assert_series_equal(read, expected)
    assert str(read.index.tz) == "Australia/Sydney"


def test_hour_ending_labels_are_read_as_the_hour_they_end(tmp_path):
    """AEMO's SETTLEMENTDATE labels an interval by its end: 2012-10-07T03:00+11:00 ends the
    hour that began at 01:00+10:00, across the spring-forward change. Read with
    interval_label = "ending", the file is the hour-beginning one; read as beginning (the
    old only way), every hour is one hour late."""
    times, values = _nsw_week()
    _write(tmp_path / "beginning.csv", [stamp.isoformat() for stamp in times], values)
    ending = times + pd.Timedelta(hours=1)
    _write(tmp_path / "ending.csv", [stamp.isoformat() for stamp in ending], values)
    expected = load_demand(tmp_path / "beginning.csv", timezone="Australia/Sydney")
    read = load_demand(
        tmp_path / "ending.csv", timezone="Australia/Sydney", interval_label="ending"
    )
    pd.testing.assert_series_equal(read, expected)
    assert read.index[0].isoformat() == "2012-10-04T00:00:00+10:00"
    with pytest.raises(DataError, match=r"interval label 'end' is not known; allowed: "):
        load_demand(tmp_path / "ending.csv", timezone="Australia/Sydney", interval_label="end")


def test_naive_hour_ending_local_time_crosses_the_clock_changes(tmp_path):
    """Naive local hour-ending labels have no hour the clocks skip (the hour 01:00-02:00 AEST
    ends at 03:00 AEDT) and the fall-back 02:00 twice (ending 02:00 AEDT, then 02:00 AEST):
    both days read as the hour-beginning file with offsets."""
    times = hourly_times(dt.date(2012, 4, 1), dt.date(2012, 4, 1), "Australia/Sydney")
    spring = hourly_times(dt.date(2012, 10, 7), dt.date(2012, 10, 7), "Australia/Sydney")
    both = times.append(spring)
    values = np.arange(len(both), dtype=float) + 7_000
    ends = (both + pd.Timedelta(hours=1)).tz_localize(None)
    _write(tmp_path / "ending.csv", ends.strftime("%Y-%m-%d %H:%M"), values)
    read = load_demand(
        tmp_path / "ending.csv", timezone="Australia/Sydney", interval_label="ending"
    )
    assert list(read.index) == list(both)
    assert (len(times), len(spring)) == (25, 23)


def test_the_wide_format_is_hour_ending_through_the_same_rule(tmp_path):
    """KPX's ``1시`` is 00:00-01:00 and ``24시`` is 23:00 of the same day, with or without a
    timestamp_timezone equal to the grid's; dates in UTC are moved to Seoul's clock."""
    _write_wide(tmp_path / "wide.csv")
    demand = load_demand(tmp_path / "wide.csv")
    assert demand.index[0] == pd.Timestamp("2024-02-28 00:00", tz="Asia/Seoul")
    assert demand.index[-1] == pd.Timestamp("2024-03-01 23:00", tz="Asia/Seoul")
    in_utc = load_demand(tmp_path / "wide.csv", timestamp_timezone="UTC")
    assert in_utc.index[0] == pd.Timestamp("2024-02-28 09:00", tz="Asia/Seoul")
    np.testing.assert_array_equal(in_utc.to_numpy(), demand.to_numpy())


def test_a_demand_spike_is_refused_naming_its_row_value_and_limit(tmp_path):
    """One hour typed as 71,234,567 MW in an ~8 GW grid passed training and evaluation
    (peak error -99.98 %); it is refused in one line naming the row, the value and the
    limit, as a zero is. A real peak, 1.7 times the week's median, passes."""
    times, values = _nsw_week()
    values = values.copy()
    values[50] = 13_600  # 1.7 x the median: a hot afternoon, not a spike
    _write(tmp_path / "peak.csv", [stamp.isoformat() for stamp in times], values)
    assert load_demand(tmp_path / "peak.csv", timezone="Australia/Sydney").max() == 13_600
    values[100] = 71_234_567
    _write(tmp_path / "spike.csv", [stamp.isoformat() for stamp in times], values)
    with pytest.raises(DataError) as refused:
        load_demand(tmp_path / "spike.csv", timezone="Australia/Sydney")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(
        f"{tmp_path / 'spike.csv'} line 102: demand 71,234,567 MW at {times[100].isoformat()} is 8,"
    )
    assert "allowed: at most 4 times it" in message


@pytest.mark.shared_data
def test_no_hour_of_the_shipped_demand_files_is_near_the_spike_limit():
    """The limit's reason (SPIKE_FACTOR's comment): the largest ratio of an hour to its week's
    median is 1.44 in the KPX file and 1.69 in NSW's, far below 4."""
    if not real_data_available():
        pytest.skip("real data not found in FORECAST_DATA_DIR (default ../shared/data)")
    files = {
        "kpx_hourly_demand.csv": "Asia/Seoul",
        "au-nsw/nsw_hourly_demand.csv": "Australia/Sydney",
    }
    for name, zone in files.items():
        demand = load_demand(real_data_dir() / name, timezone=zone)
        median = demand.rolling(169, center=True, min_periods=24).median()
        assert float((demand / median).max()) < 2.0, name


# Sub-hourly demand (AEMO publishes 5- and 30-minute data): averaged to hourly MW by the
# interval label, an hour only with all its intervals, irregular rows refused naming the row.


def _write_rows(path, stamps, values, *, column: str = "demand_mw") -> None:
    rows = "".join(f"{stamp},{value}\n" for stamp, value in zip(stamps, values, strict=True))
    path.write_text(f"timestamp,{column}\n" + rows, encoding="utf-8")


@pytest.mark.parametrize(
    ("label", "first_hour", "means"),
    [
        # 00:30 ends 00:00-00:30 and 01:00 ends 00:30-01:00: hour 00 = (100 + 200) / 2.
        ("ending", "2024-01-01T00:00:00+10:00", [150.0, 350.0, 550.0]),
        # 00:30 begins 00:30-01:00, alone in hour 00 (left out); 01:00 and 01:30 make hour 01.
        ("beginning", "2024-01-01T01:00:00+10:00", [250.0, 450.0]),
    ],
)
def test_half_hourly_rows_average_to_hourly_by_their_interval_label(
    tmp_path, label, first_hour, means
):
    """AEMO-style naive market time (UTC+10): six 30-minute rows 00:30..03:00 of 100..600 MW."""
    stamps = [f"2024-01-01 {hour:02d}:{minute:02d}" for hour, minute in
              ((0, 30), (1, 0), (1, 30), (2, 0), (2, 30), (3, 0))]  # fmt: skip
    _write_rows(tmp_path / "half.csv", stamps, [100, 200, 300, 400, 500, 600])
    demand, resolution = read_demand(tmp_path / "half.csv", timezone="Australia/Brisbane",
                                     interval_label=label)  # fmt: skip
    assert demand.index[0].isoformat() == first_hour
    assert demand.to_numpy() == pytest.approx(means)
    assert (np.diff(demand.index.asi8) > 0).all()
    assert resolution.minutes == 30
    incomplete = 0 if label == "ending" else 2  # 00:30 alone, and 03:00 alone
    assert resolution.incomplete_hours == incomplete
    said = f"30-minute rows averaged to hourly (2 per hour, interval-{label} labels"
    assert resolution.summary() == said + (
        "; 2 hour(s) without all 2 left out as gaps)" if incomplete else ")"
    )
    assert resolution.to_dict() == {"interval_minutes": 30, "interval_label": label,
                                    "incomplete_hours": incomplete}  # fmt: skip


def test_five_minute_rows_across_the_fall_back_make_the_25_hours_of_the_day(tmp_path):
    """Sydney's 2024-04-07 has 25 hours (02:00-03:00 twice). Its 5-minute rows, with their UTC
    offsets, average to 25 hours of 12 intervals each: an hour is an instant, not a wall-clock
    label. Each interval's value is its hour's number in the day, so every mean is exact."""
    hours = hourly_times(dt.date(2024, 4, 7), dt.date(2024, 4, 7), "Australia/Sydney")
    assert len(hours) == 25
    stamps = [hour + pd.Timedelta(minutes=5 * k) for hour in hours for k in range(12)]
    values = [100 + number for number in range(25) for _ in range(12)]
    _write_rows(tmp_path / "five.csv", [s.isoformat() for s in stamps], values)
    demand, resolution = read_demand(tmp_path / "five.csv", timezone="Australia/Sydney")
    assert list(demand.index) == list(hours)
    assert demand.to_numpy() == pytest.approx(100.0 + np.arange(25))
    assert (resolution.minutes, resolution.incomplete_hours) == (5, 0)
    # One interval missing: its hour is a gap like a missing hourly row.
    _write_rows(tmp_path / "five.csv", [s.isoformat() for s in stamps[:30] + stamps[31:]],
                values[:30] + values[31:])  # fmt: skip
    demand, resolution = read_demand(tmp_path / "five.csv", timezone="Australia/Sydney")
    assert len(demand) == 24 and hours[2] not in demand.index
    assert resolution.incomplete_hours == 1
    assert resolution.summary() == (
        "5-minute rows averaged to hourly (12 per hour, interval-beginning labels; 1 hour(s) "
        "without all 12 left out as gaps)"
    )


def test_an_irregular_sub_hourly_row_is_refused_naming_it(tmp_path):
    """A 30-minute file with one row at 01:40: off its step, refused in one line naming the
    row, its value and what is allowed (it would have been averaged into 01:00 unseen)."""
    stamps = [f"2024-01-01 {h:02d}:{m:02d}" for h in range(4) for m in (0, 30)]
    stamps[3] = "2024-01-01 01:40"
    _write_rows(tmp_path / "odd.csv", stamps, range(100, 108))
    with pytest.raises(DataError) as refused:
        read_demand(tmp_path / "odd.csv", timezone="Australia/Brisbane")
    assert str(refused.value) == (
        f"{tmp_path / 'odd.csv'} line 5: column 'timestamp' value '2024-01-01 01:40' is off the "
        "file's 30-minute spacing (its rows' most common step): irregular rows; allowed: one "
        "row per 30-minute interval, at :00, :30 of the clock"
    )


def test_a_20_minute_file_is_refused_as_off_the_hour(tmp_path):
    stamps = [f"2024-01-01 {h:02d}:{m:02d}" for h in range(3) for m in (0, 20, 40)]
    _write_rows(tmp_path / "twenty.csv", stamps, range(100, 109))
    said = (
        r"line 3: column 'timestamp' value '2024-01-01 00:20' is not on the hour; allowed: .* "
        r"or 5-, 15- or 30-minute intervals"
    )
    with pytest.raises(DataError, match=said):
        read_demand(tmp_path / "twenty.csv", timezone="Australia/Brisbane")


def test_an_energy_column_at_half_hourly_rows_is_refused(tmp_path):
    """MWh per half hour is half the mean MW: read as power, the grid would train half size."""
    stamps = [f"2024-01-01 {h:02d}:{m:02d}" for h in range(2) for m in (0, 30)]
    _write_rows(tmp_path / "mwh.csv", stamps, [50, 50, 50, 50], column="load_mwh")
    with pytest.raises(DataError) as refused:
        read_demand(tmp_path / "mwh.csv", timezone="Australia/Brisbane",
                    demand_column="load_mwh")  # fmt: skip
    assert str(refused.value).startswith(
        f"{tmp_path / 'mwh.csv'} line 1: column 'load_mwh' is named in energy per row, and the "
        "rows are 30-minute intervals"
    )


def test_a_repeated_interval_is_refused_naming_both_lines(tmp_path):
    stamps = ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 00:30", "2024-01-01 01:00"]
    _write_rows(tmp_path / "twice.csv", stamps, [100, 101, 102, 103])
    with pytest.raises(DataError, match=r"line 4: timestamp .* duplicates line 3 .* each "
                       r"interval may appear once"):  # fmt: skip
        read_demand(tmp_path / "twice.csv", timezone="Australia/Brisbane")
