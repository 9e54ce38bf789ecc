"""The CF attributes of a projection's NetCDF file, read back raw with netCDF4 (as Panoply, CDO,
R's ncdf4 and cf-checker read them): the file says ``Conventions: CF-1.8`` but named its
variables in a ``description`` only, gave the ``quantile`` coordinate a ``_FillValue``, said
nothing of what a period's value is of it, and its naive-local ``time`` at daily and coarser
resolutions read as UTC, without a word (a data engineer's report, report-interop 7): it stays
the local calendar's labels there (``sel(time="2030")`` is the local year, report-pipeline F4),
says so, and the instants are ``time_utc`` with bounds of their own."""

from __future__ import annotations

import datetime as dt

import cf_units
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.cli import main
from forecast.io.export import cf_dataset, write_h5netcdf
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.conftest import SMALL_SCENARIO


def _attributes(variable) -> dict:
    return {key: variable.getncattr(key) for key in variable.ncattrs()}


def _check_units(dataset: netCDF4.Dataset) -> None:
    """Every ``units`` parses with UDUNITS-2 (cf-units' bundled library, as cf-checker and CDO
    parse them): ``accelerators``, ``events`` and ``TWh`` did not. A count's ``units`` is
    ``1``, the table's text kept in ``units_label`` and the counted thing in ``long_name``."""
    refused = []
    for name, variable in dataset.variables.items():
        if "units" in variable.ncattrs():
            try:
                cf_units.Unit(variable.getncattr("units"))
            except ValueError:
                refused.append((name, variable.getncattr("units")))
    assert refused == []
    for name in ("installed_accelerators", "ai_energy_twh"):
        if name in dataset.variables:
            attrs = _attributes(dataset[name])
            label = {"installed_accelerators": "accelerators", "ai_energy_twh": "TWh"}[name]
            assert attrs["units_label"] == label
            assert attrs["units"] == {"accelerators": "1", "TWh": "TW h"}[label]
    if "installed_accelerators" in dataset.variables:
        assert "accelerators" in _attributes(dataset["installed_accelerators"])["long_name"].lower()


def _check_cf(dataset: netCDF4.Dataset, *, hourly: bool) -> None:
    assert dataset.getncattr("Conventions") == "CF-1.8"
    missing = [name for name, v in dataset.variables.items() if "long_name" not in v.ncattrs()]
    assert missing == []
    filled = [name for name in dataset.dimensions if name in dataset.variables
              and "_FillValue" in dataset[name].ncattrs()]  # fmt: skip
    assert filled == []
    assert _attributes(dataset["ai_facility_mw"])["cell_methods"] == "time: mean"
    assert _attributes(dataset["ai_energy_twh"])["cell_methods"] == "year: sum"
    assert _attributes(dataset["ai_energy_twh_mean"])["cell_methods"] == "year: sum"
    assert _attributes(dataset["ai_peak_gw"])["cell_methods"] == "year: maximum"
    assert "cell_methods" not in dataset["installed_accelerators"].ncattrs()
    time = _attributes(dataset["time"])
    assert time["bounds"] == "time_bnds" and time["standard_name"] == "time"
    assert dataset["time_bnds"].dimensions == ("time", "nv")
    if hourly:  # the UTC instants, as a CF reader takes a time without an offset
        assert time["long_name"] == "start of the hour, UTC"
        assert (dataset["time"][:] == dataset["time_utc"][:]).all()
    else:  # the local calendar's labels (sel by a local year), said so; the instants beside
        assert time["long_name"].endswith("(its timezone), not UTC")
        assert (dataset["time"][:] == dataset["local_time"][:]).all()
        assert _attributes(dataset["time_utc"])["bounds"] == "time_utc_bnds"
        assert dataset["time_utc_bnds"].dimensions == ("time", "nv")
    # The months of the monthly variables are CF time too, local labels said so, with bounds,
    # and their instants beside them with bounds of their own (interop review 3).
    month = _attributes(dataset["month"])
    assert month["bounds"] == "month_bnds" and month["standard_name"] == "time"
    assert month["long_name"].endswith("(its timezone), not UTC")
    assert month["units"] == "minutes since 1970-01-01" and "_FillValue" not in month
    assert dataset["month_bnds"].dimensions == ("month", "nv")
    assert _attributes(dataset["month_utc"])["bounds"] == "month_utc_bnds"
    assert dataset["month_utc_bnds"].dimensions == ("month", "nv")
    # The per-year variables' years too: ``year`` stays the integer calendar year (CF has no
    # calendar-year unit), with CF time beside it, labels and instants with their bounds.
    assert dataset["year"].dtype.kind in "iu" and "units" not in dataset["year"].ncattrs()
    assert "year_start_bnds" in _attributes(dataset["year"])["long_name"]
    for name, bounds in (("year_start", "year_start_bnds"), ("year_utc", "year_utc_bnds")):
        attrs = _attributes(dataset[name])
        assert attrs["bounds"] == bounds and attrs["standard_name"] == "time", attrs
        assert cf_units.Unit(attrs["units"], calendar=attrs["calendar"]).is_time_reference()
        assert dataset[name].dimensions == ("year",) and "_FillValue" not in attrs
        assert dataset[bounds].dimensions == ("year", "nv")
    assert _attributes(dataset["year_start"])["long_name"].endswith("(its timezone), not UTC")
    _check_units(dataset)
    assert _attributes(dataset["local_time"])["long_name"].endswith("(Asia/Seoul), not UTC")
    assert _attributes(dataset["time_utc"])["long_name"] == "start of the period, UTC"


@pytest.mark.parametrize("resolution", ["daily", "hourly"])
def test_the_command_lines_netcdf_is_cf(scenario_file, tmp_path, resolution):
    out = tmp_path / "p.nc"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--weather", "typical", "--resolution", resolution,
                   "--start", "2026-01-01", "--end", "2026-01-31", "--quiet", "--out",
                   str(out)])  # fmt: skip
    assert status == 0
    with netCDF4.Dataset(out) as dataset:
        _check_cf(dataset, hourly=resolution == "hourly")


def test_the_apis_netcdf_is_cf_too():
    """The service writes its answer with its own writer (h5netcdf into memory)."""
    from service import render

    dataset = project(
        load_scenario("kr-outlook"),
        ProjectionOptions(draws=10, start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31),
                          resolution="monthly", weather="typical"),
    )  # fmt: skip
    assert "long_name" not in dataset["total_mw"].attrs  # the Dataset itself is left as it is
    with netCDF4.Dataset("answer.nc", memory=render.projection_netcdf(dataset)) as written:
        _check_cf(written, hourly=False)


@pytest.mark.parametrize("resolution", ["hourly", "daily", "monthly", "annual"])
def test_time_bounds_are_the_local_periods_in_utc(tmp_path, resolution):
    """The UTC bounds hold each period's [start, end) as instants: an hour, a local day of 23,
    24 or 25 hours, a local month or year, the first and last cut to the period projected.
    Sydney's clocks go back on 7 April 2030 (a 25-hour day, a 721-hour April) and forward on 6
    October (a 23-hour day, a 743-hour October). Hourly, ``time`` is the UTC start and
    ``time_bnds`` its bounds; daily and coarser, ``time`` stays the local start (``sel`` by a
    local date or year, report-pipeline F4) with ``time_bnds`` as labels, and the instants are
    ``time_utc`` with ``time_utc_bnds``: the first period starts at local midnight of 1 April,
    13:00Z."""
    out = tmp_path / "p.nc"
    status = main(["project", "au-nsw-ai-dc", "--draws", "2", "--no-baseline", "--weather",
                   "typical", "--resolution", resolution, "--start", "2030-04-01", "--end",
                   "2030-10-10", "--quiet", "--out", str(out)])  # fmt: skip
    assert status == 0
    hourly = resolution == "hourly"
    with xr.open_dataset(out, decode_cf=True) as dataset:
        assert dataset["time"].attrs["bounds"] == "time_bnds"
        labels = dataset["time_bnds"].to_numpy()
        time = dataset["time"].to_numpy()
        utc = dataset["time_utc"].to_numpy()
        local = dataset["local_time"].to_numpy()
        if hourly:
            np.testing.assert_array_equal(time, utc)
            bounds = labels
        else:
            np.testing.assert_array_equal(time, local)
            assert dataset["time_utc"].attrs["bounds"] == "time_utc_bnds"
            bounds = dataset["time_utc_bnds"].to_numpy()
            np.testing.assert_array_equal(labels[:, 0], local)
            np.testing.assert_array_equal(labels[1:, 0], labels[:-1, 1])
            assert labels[-1, 1] == np.datetime64("2030-10-11T00:00")
    np.testing.assert_array_equal(bounds[:, 0], utc)
    np.testing.assert_array_equal(bounds[1:, 0], bounds[:-1, 1])  # no gap, no overlap
    assert utc[0] == np.datetime64("2030-03-31T13:00")
    assert bounds[-1, 1] == np.datetime64("2030-10-10T13:00")  # 11 Oct 00:00 AEDT
    hours = (bounds[:, 1] - bounds[:, 0]) / np.timedelta64(1, "h")
    by_start = dict(zip(pd.DatetimeIndex(local).strftime("%Y-%m-%d %H"), hours, strict=True))
    expected = {
        "hourly": {"2030-04-07 02": 1.0, "2030-10-06 03": 1.0},
        "daily": {"2030-04-07 00": 25.0, "2030-04-08 00": 24.0, "2030-10-06 00": 23.0},
        "monthly": {"2030-04-01 00": 721.0, "2030-05-01 00": 744.0, "2030-10-01 00": 239.0},
        "annual": {"2030-04-01 00": 193 * 24.0},  # one 25-hour and one 23-hour day
    }[resolution]
    assert {key: by_start[key] for key in expected} == expected
    assert hours.sum() == (bounds[-1, 1] - bounds[0, 0]) / np.timedelta64(1, "h")
    # The monthly variables' months, at every resolution: labels the first of each local
    # month (sel by a local month), bounds the period's days in it, and the instants in UTC,
    # the same as the monthly time axis's (a 721-hour April, a 239-hour 1-10 October).
    with xr.open_dataset(out, decode_cf=True) as dataset:
        months = dataset["month"].to_numpy()
        month_labels = dataset["month_bnds"].to_numpy()
        month_bounds = dataset["month_utc_bnds"].to_numpy()
        month_utc = dataset["month_utc"].to_numpy()
        assert dataset["month"].attrs["bounds"] == "month_bnds"
        assert dataset["site_mean_mw"].sel(month="2030-05").sizes["month"] == 1
    assert list(pd.DatetimeIndex(months).strftime("%Y-%m-%d")) == [
        f"2030-{m:02d}-01" for m in range(4, 11)
    ]
    np.testing.assert_array_equal(month_labels[:, 0], months)
    assert month_labels[-1, 1] == np.datetime64("2030-10-11T00:00")
    np.testing.assert_array_equal(month_bounds[:, 0], month_utc)
    month_hours = (month_bounds[:, 1] - month_bounds[:, 0]) / np.timedelta64(1, "h")
    assert month_hours.tolist() == [721.0, 744.0, 720.0, 744.0, 744.0, 720.0, 239.0]
    assert month_bounds[0, 0] == np.datetime64("2030-03-31T13:00")
    assert month_bounds[-1, 1] == bounds[-1, 1]
    # The years alike, beside the integer year (sel(year=2030)): the first day in the period
    # within its cell, the period's days, and their instants in UTC.
    with xr.open_dataset(out, decode_cf=True) as dataset:
        assert dataset["year"].values.tolist() == [2030]
        assert dataset["ai_energy_twh"].sel(year=2030).sizes == {"quantile": 5}
        year_start = dataset["year_start"].to_numpy()
        year_labels = dataset["year_start_bnds"].to_numpy()
        year_bounds = dataset["year_utc_bnds"].to_numpy()
        np.testing.assert_array_equal(dataset["year_utc"].to_numpy(), year_bounds[:, 0])
    np.testing.assert_array_equal(year_start, year_labels[:, 0])
    assert year_start[0] == np.datetime64("2030-04-01")
    assert year_labels[0, 1] == np.datetime64("2030-10-11T00:00")
    np.testing.assert_array_equal(year_bounds, [[bounds[0, 0], bounds[-1, 1]]])


def test_a_stored_result_reads_back_as_it_was_computed(tmp_path):
    """The service renders its answers from the NetCDF file it stored: read back with
    :func:`forecast.io.export.from_cf`, the file's bounds and UDUNITS units are gone, the
    computed Dataset's times and table units are back, and its tidy table is the same."""
    from forecast.io import export

    dataset = project(
        load_scenario("au-nsw-ai-dc"),
        ProjectionOptions(draws=2, start=dt.date(2030, 4, 1), end=dt.date(2030, 4, 10),
                          resolution="daily", weather="typical", include_baseline=False),
    )  # fmt: skip
    export.write_netcdf(dataset, tmp_path / "p.nc")
    with xr.open_dataset(tmp_path / "p.nc", engine="h5netcdf") as written:
        assert written["time_utc_bnds"].values[0, 0] == np.datetime64("2030-03-31T13:00")
        back = export.from_cf(written.load())
    assert "time_bnds" not in back and "time_utc_bnds" not in back and "nv" not in back.dims
    assert "month_bnds" not in back and "month_utc" not in back.variables
    assert not {"year_start", "year_start_bnds", "year_utc", "year_utc_bnds"} & set(back.variables)
    np.testing.assert_array_equal(back["year"].to_numpy(), dataset["year"].to_numpy())
    assert back["year"].attrs == dataset["year"].attrs
    np.testing.assert_array_equal(back["month"].to_numpy(), dataset["month"].to_numpy())
    assert back["month"].attrs == dataset["month"].attrs  # the local calendar's first days
    assert set(back.variables) == set(dataset.variables)
    assert "bounds" not in back["time_utc"].attrs
    np.testing.assert_array_equal(back["time"].to_numpy(), dataset["time"].to_numpy())
    assert back["time"].attrs == dataset["time"].attrs  # the local wall clock's
    assert back["ai_energy_twh"].attrs["units"] == "TWh"
    pd.testing.assert_frame_equal(export.tidy_frame(back), export.tidy_frame(dataset))


@pytest.mark.parametrize(
    ("scenario_id", "resolution"), [("kr-national", "hourly"), ("kr-outlook-flex", "monthly")]
)
def test_the_netcdf_writer_writes_the_bytes_to_netcdf_writes(tmp_path, scenario_id, resolution):
    """:func:`forecast.io.export.write_h5netcdf` writes through xarray's own store and encoding
    without ``to_netcdf``'s scheduler question to Dask: the same file, byte for byte."""
    dataset = cf_dataset(
        project(
            load_scenario(scenario_id),
            ProjectionOptions(
                draws=20, resolution=resolution, start=dt.date(2030, 1, 1), end=dt.date(2030, 3, 31)
            ),
        )
    )
    write_h5netcdf(dataset, tmp_path / "store.nc")
    dataset.to_netcdf(tmp_path / "xarray.nc", engine="h5netcdf")
    assert (tmp_path / "store.nc").read_bytes() == (tmp_path / "xarray.nc").read_bytes()
