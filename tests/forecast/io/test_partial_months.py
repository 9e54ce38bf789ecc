"""A month the period covers in part (``--start 2030-03-15``) says so: the NetCDF file's
``month`` lay outside its own cell (2030-03-01 against ``month_bnds`` from 03-15), the CSV
labelled March's fleet rows 2030-03-01 and its load rows 03-15, and nothing named the month as
``partial_years`` names a year (interop review 5)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.cli.project import summary_table
from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO

START, END = dt.date(2025, 3, 15), dt.date(2025, 6, 15)


@pytest.fixture(scope="module")
def dataset() -> xr.Dataset:
    options = ProjectionOptions(
        draws=4, seed=0, start=START, end=END, weather="typical", resolution="monthly",
        include_baseline=False,
    )  # fmt: skip
    return project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), options)


def test_the_months_covered_in_part_are_named_with_their_dates(dataset):
    assert json.loads(dataset.attrs["partial_months"]) == {
        "2025-03": "2025-03-15..2025-03-31 (17 of 31 days)",
        "2025-06": "2025-06-01..2025-06-15 (15 of 30 days)",
    }
    # The Dataset's label stays the calendar month; the summary says what it holds.
    assert str(dataset["month"].to_numpy()[0])[:10] == "2025-03-01"
    assert (
        "note: month 2025-03 covers 2025-03-15..2025-03-31 (17 of 31 days); month 2025-06 "
        "covers 2025-06-01..2025-06-15 (15 of 30 days): their means (MW by month) are over "
        "those days only, their end-of-month figures at the month's end"
    ) in summary_table(dataset).splitlines()


def test_whole_months_carry_no_note():
    options = ProjectionOptions(
        draws=2, seed=0, start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 30), weather="typical",
        resolution="monthly", include_baseline=False,
    )  # fmt: skip
    whole = project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), options)
    assert "partial_months" not in whole.attrs
    assert "month " not in summary_table(whole)


def test_a_csv_labels_a_month_and_year_covered_in_part_by_the_period_covered(dataset):
    frame = export.tidy_frame(dataset)
    march = frame[frame["period_start"].str.startswith("2025-03")]
    # The fleet's rows (dim month), the load's (dim time) and the year's say one start.
    assert set(march["period_start"]) == {"2025-03-15T00:00+09:00"}
    assert set(march["period_start_utc"]) == {"2025-03-14T15:00Z"}
    assert {"installed_accelerators", "ai_facility_mw"} <= set(march["variable"])
    fleet = frame[frame["variable"] == "installed_accelerators"]["period_start"]
    assert list(dict.fromkeys(fleet)) == [
        "2025-03-15T00:00+09:00", "2025-04-01T00:00+09:00", "2025-05-01T00:00+09:00",
        "2025-06-01T00:00+09:00",
    ]  # fmt: skip
    years = frame[frame["resolution"] == "annual"]["period_start"]
    assert set(years) == {"2025-03-15T00:00+09:00"}


def test_a_netcdf_month_lies_within_its_cell_and_reads_back_as_the_calendar_month(
    dataset, tmp_path
):
    path = export.write_netcdf(dataset, tmp_path / "m.nc")
    with xr.open_dataset(path) as written:
        months = written["month"].to_numpy()
        bounds = written["month_bnds"].to_numpy()
        assert (bounds[:, 0] <= months).all() and (months < bounds[:, 1]).all()
        assert months[0] == np.datetime64("2025-03-15")
        assert bounds[0, 0] == np.datetime64("2025-03-15")
        # The label and its instant are of the same day.
        assert written["month_utc"].to_numpy()[0] == np.datetime64("2025-03-14T15:00")
        assert "first day in the period" in written["month"].attrs["long_name"]
        assert json.loads(written.attrs["partial_months"])["2025-03"].startswith("2025-03-15")
        restored = export.from_cf(written.load())
    assert (restored["month"].to_numpy() == dataset["month"].to_numpy()).all()
    assert restored["month"].attrs == dataset["month"].attrs
    assert pd.Timestamp(restored["month"].to_numpy()[0]) == pd.Timestamp("2025-03-01")
