"""The JSON's ``coords`` say where each month and year starts in the period and how many of
its hours it has: ``month`` and ``year`` stay the calendar's labels (``2030-03``), which a
period from 15 March covers in part, while the CSV's rows of that month start on the 15th and
the NetCDF file's bounds are cut there; the JSON said so only in ``attrs.partial_months``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import xarray as xr

from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service import render


def _projected(scenario_id: str, start: dt.date, end: dt.date, resolution: str) -> xr.Dataset:
    """A few draws of the scenario over ``start`` .. ``end``."""
    options = ProjectionOptions(draws=2, start=start, end=end, resolution=resolution)
    return project(load_scenario(scenario_id), options)


def test_each_month_and_year_has_its_start_and_hours_in_the_period():
    dataset = _projected("kr-national", dt.date(2030, 3, 15), dt.date(2031, 2, 28), "monthly")
    document = render.projection_payload(dataset)
    coords, attrs = document["coords"], document["coord_attrs"]
    assert coords["month"][:2] == ["2030-03", "2030-04"]
    assert coords["month_start"][:2] == ["2030-03-15T00:00+09:00", "2030-04-01T00:00+09:00"]
    assert coords["month_hours"][:3] == [17 * 24, 30 * 24, 31 * 24]
    assert coords["year_start"] == ["2030-03-15T00:00+09:00", "2031-01-01T00:00+09:00"]
    assert coords["year_hours"] == [(365 - 73) * 24, 59 * 24]
    hours = (dt.date(2031, 3, 1) - dt.date(2030, 3, 15)).days * 24
    assert sum(coords["month_hours"]) == sum(coords["year_hours"]) == hours
    assert attrs["month_hours"] == {
        "dims": ["month"], "units": "h", "long_name": "hours of the period in the month",
    }  # fmt: skip
    assert attrs["year_start"]["dims"] == ["year"]
    # The same starts as the table's rows of each month and year.
    table = export.tidy_frame(dataset)
    monthly = table[table["resolution"] == "monthly"]
    assert list(pd.unique(monthly["period_start"])) == coords["month_start"]
    annual = table[table["resolution"] == "annual"]
    assert list(pd.unique(annual["period_start"])) == coords["year_start"]


def test_a_month_the_clocks_change_in_has_its_own_hours():
    """Sydney's April 2030 has 721 hours (the clocks go back on the 7th), its October 743."""
    dataset = _projected("au-nsw-ai-dc", dt.date(2030, 1, 1), dt.date(2030, 12, 31), "annual")
    coords = render.projection_payload(dataset)["coords"]
    assert coords["month_hours"][3] == 721 and coords["month_hours"][9] == 743
    assert coords["month_start"][3] == "2030-04-01T00:00+11:00"
    assert coords["year_hours"] == [8760]
    # Without one zone (a comparison of zones that differ) there is no one start: none given.
    del dataset.attrs["timezone"]
    assert "month_start" not in render.projection_payload(dataset)["coords"]
