"""Times a warehouse and xarray select by, in files written by ``forecast project --out``.

A pipeline owner's report (F4, F8): an annual Korean NetCDF answered ``sel(time="2030")`` with
the 2031 row (its ``time`` was the UTC instant of each local Jan 1, 15:00 the day before), the
local time was text that xarray cannot select on, and the tables had no UTC column (Parquet's
times were strings with mixed offsets in a daylight-saving zone). These write files through the
command line for Seoul (``kr-outlook``, sites and regions) and Sydney (``au-nsw-ai-dc``, across
the April 2030 fall-back, 7 April 03:00 +11:00 -> 02:00 +10:00) and read them back with xarray,
pandas and pyarrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr

from forecast.cli import main
from forecast.io import export

#: The seven columns every table had before the UTC column was added, in their order: a
#: loader that reads them by position keeps working.
OLD_CORE = ["variable", "region", "resolution", "period_start", "quantile", "value", "unit"]


def _project(tmp_path, scenario: str, out: str, *options: str):
    path = tmp_path / out
    code = main(["project", scenario, "--draws", "50", "--seed", "1", "--quiet", "--out",
                 str(path), *options])  # fmt: skip
    assert code == 0
    return path


@pytest.fixture(scope="module")
def seoul_annual(tmp_path_factory):
    """kr-outlook, annual 2030-2031, as NetCDF, CSV and Parquet (one projection each)."""
    tmp = tmp_path_factory.mktemp("seoul")
    period = ("--resolution", "annual", "--start", "2030-01-01", "--end", "2031-12-31")
    return {kind: _project(tmp, "kr-outlook", f"kr.{kind}", *period) for kind in
            ("nc", "csv", "parquet")}  # fmt: skip


def test_seoul_annual_netcdf_selects_and_groups_by_the_local_year(seoul_annual):
    with xr.open_dataset(seoul_annual["nc"]) as dataset:
        total = dataset["total_mw"].sel(quantile=0.5)
        row = total.sel(time="2030")
        assert row.sizes["time"] == 1
        # The 2030 row is the year that starts at 2030-01-01 00:00 in Seoul (UTC+9).
        assert row["time_utc"].values[0] == np.datetime64("2029-12-31T15:00")
        assert row["local_time"].values[0] == np.datetime64("2030-01-01T00:00")
        assert int(row["utc_offset"].values[0]) == 540
        assert row["utc_offset"].attrs["units"] == "min"
        assert list(total.groupby("time.year").mean()["year"].values) == [2030, 2031]
        np.testing.assert_array_equal(dataset["time"].dt.year, dataset["year"])


def test_seoul_tables_keep_their_columns_and_add_a_utc_start(seoul_annual):
    csv = pd.read_csv(seoul_annual["csv"])
    parquet = pq.read_table(seoul_annual["parquet"])
    assert list(csv.columns[:8]) == [*OLD_CORE, "period_start_utc"]
    # Parquet adds the local wall clock as a typed time after the UTC one (the CSV's text
    # holds it already).
    local = csv.columns.get_loc("period_start_utc") + 1
    assert parquet.column_names == [
        *csv.columns[:local],
        "period_start_local",
        *csv.columns[local:],
    ]
    # kr-outlook has sites under a grid connection limit: their columns come after the core.
    assert {"site", "site_status", "site_grid_request"} <= set(csv.columns[8:])
    assert csv["period_start_utc"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ").all()
    annual = csv[(csv["variable"] == "ai_energy_twh") & (csv["quantile"] == 0.5)]
    assert annual["period_start"].tolist() == ["2030-01-01T00:00+09:00", "2031-01-01T00:00+09:00"]
    assert annual["period_start_utc"].tolist() == ["2029-12-31T15:00Z", "2030-12-31T15:00Z"]
    assert str(parquet.schema.field("period_start_utc").type) == "timestamp[us, tz=UTC]"
    frame = parquet.to_pandas()
    assert (frame["period_start_utc"] == pd.to_datetime(csv["period_start_utc"], utc=True)).all()
    assert (frame["period_start"] == csv["period_start"]).all()


@pytest.fixture(scope="module")
def sydney_hourly(tmp_path_factory):
    """au-nsw-ai-dc, hourly over 6-7 April 2030 (the fall-back day has 25 hours)."""
    tmp = tmp_path_factory.mktemp("sydney")
    period = ("--resolution", "hourly", "--start", "2030-04-06", "--end", "2030-04-07")
    return {kind: _project(tmp, "au-nsw-ai-dc", f"nsw.{kind}", *period) for kind in
            ("nc", "csv", "parquet")}  # fmt: skip


def test_sydney_hourly_netcdf_has_utc_time_and_a_selectable_wall_clock(sydney_hourly):
    with xr.open_dataset(sydney_hourly["nc"], decode_times=False) as raw:
        # CF-encoded: numbers with units and a calendar, the UTC instants.
        assert raw["time"].attrs["units"].startswith("minutes since ")
        assert "calendar" in raw["time"].attrs
    with xr.open_dataset(sydney_hourly["nc"]) as dataset:
        times = pd.DatetimeIndex(dataset["time"].values)
        assert (np.diff(times.asi8) == 3_600 * 10**9).all()  # consecutive UTC hours
        assert times[0] == pd.Timestamp("2030-04-05T13:00")  # 6 April 00:00 +11:00
        np.testing.assert_array_equal(dataset["time_utc"], dataset["time"])
        wall = dataset["time"].values + dataset["utc_offset"].values * np.timedelta64(1, "m")
        np.testing.assert_array_equal(dataset["local_time"].values, wall)
        local = dataset.swap_dims(time="local_time")
        assert local.sel(local_time="2030-04-07").sizes["local_time"] == 25
        assert local.sel(local_time="2030-04-06").sizes["local_time"] == 24
        # 02:00 comes twice on 7 April, first in daylight time, then in standard time.
        repeated = local.sel(local_time="2030-04-07T02:00")
        assert list(repeated["utc_offset"].values) == [660, 600]
        assert list(dataset["local_time_iso"].values[25:28]) == [
            "2030-04-07T01:00+11:00", "2030-04-07T02:00+11:00", "2030-04-07T02:00+10:00",
        ]  # fmt: skip


def test_sydney_hourly_tables_have_one_utc_timeline(sydney_hourly):
    csv = pd.read_csv(sydney_hourly["csv"])
    frame = pq.read_table(sydney_hourly["parquet"]).to_pandas()
    total = frame[(frame["variable"] == "total_mw") & (frame["quantile"] == 0.5)]
    utc = pd.DatetimeIndex(total["period_start_utc"])
    assert len(utc) == 49 and utc.is_unique and utc.is_monotonic_increasing
    assert str(utc.tz) == "UTC"
    assert (utc == pd.DatetimeIndex(pd.to_datetime(total["period_start"], utc=True))).all()
    assert (pd.to_datetime(csv["period_start_utc"], utc=True) == frame["period_start_utc"]).all()


@pytest.mark.parametrize(
    ("resolution", "start", "end", "selected", "utc", "offset"),
    [
        # April 1 is still daylight time (+11:00), October 1 not yet (+10:00).
        ("monthly", "2030-01-01", "2030-12-31", "2030-04", "2030-03-31T13:00", 660),
        ("monthly", "2030-01-01", "2030-12-31", "2030-10", "2030-09-30T14:00", 600),
        # The fall-back day starts in daylight time, the next in standard time.
        ("daily", "2030-04-06", "2030-04-08", "2030-04-07", "2030-04-06T13:00", 660),
        ("daily", "2030-04-06", "2030-04-08", "2030-04-08", "2030-04-07T14:00", 600),
    ],
)
def test_sydney_calendar_periods_are_labelled_by_their_local_start(
    tmp_path, resolution, start, end, selected, utc, offset
):
    path = _project(tmp_path, "au-nsw-ai-dc", "nsw.nc", "--resolution", resolution,
                    "--start", start, "--end", end)  # fmt: skip
    with xr.open_dataset(path) as dataset:
        # A whole date selects the day itself (no time dimension left), a month its one row.
        row = dataset["total_mw"].sel(time=selected)
        assert row.sizes.get("time", 1) == 1
        assert np.atleast_1d(row["time_utc"].values)[0] == np.datetime64(utc)
        assert int(np.atleast_1d(row["utc_offset"].values)[0]) == offset
        np.testing.assert_array_equal(dataset["time"], dataset["local_time"])
        if resolution == "monthly":
            assert list(dataset["time"].dt.month.values) == list(range(1, 13))


def test_tidy_frame_core_columns_are_the_documented_ones():
    assert list(export.CSV_COLUMNS) == [*OLD_CORE, "period_start_utc"]
