"""The CF attributes of a projection's NetCDF file, read back raw with netCDF4 (as Panoply, CDO,
R's ncdf4 and cf-checker read them): the file says ``Conventions: CF-1.8`` but named its
variables in a ``description`` only, gave the ``quantile`` coordinate a ``_FillValue``, said
nothing of what a period's value is of it, and its naive-local ``time`` at daily and coarser
resolutions read as UTC (a data engineer's report, report-interop 7)."""

from __future__ import annotations

import datetime as dt

import netCDF4
import pytest

from forecast.cli import main
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.conftest import SMALL_SCENARIO


def _attributes(variable) -> dict:
    return {key: variable.getncattr(key) for key in variable.ncattrs()}


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
    time = _attributes(dataset["time"])["long_name"]
    if hourly:
        assert time == "start of the hour, UTC"
    else:
        assert time == "start of the period, local wall clock (Asia/Seoul), not UTC"
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
