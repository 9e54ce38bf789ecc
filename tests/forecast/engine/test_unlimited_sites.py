"""A site whose region has no connection limit has its site figures too: a NSW campus with no
``[grid.<region>]`` had no ``site_*`` variable, so "when does our campus energise (P10, P50,
P90)" could not be read (report-proc M7). Without a limit a site is connected as under an
infinite one: in full when it asks, its commissioning after its delay."""

from __future__ import annotations

import datetime as dt
import textwrap
import tomllib

import numpy as np
import pandas as pd

from forecast.cli.project import grid_table, site_table
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario

CAMPUS = textwrap.dedent(
    """
    schema_version = 2
    id = "campus"
    title = "One campus, no connection limit"
    description = "A 300 MW campus in NSW commissioning 2028-01-01, six months late."
    country = "AU"
    timezone = "Australia/Sydney"
    regions = ["nsw"]

    [horizon]
    start = 2027-01-01
    end = 2029-12-31

    [operations]
    load_factor = 0.7
    pue = 1.3

    [[sites]]
    name = "campus"
    region = "nsw"
    capacity_mw = 300
    capacity_kind = "grid"
    commissioning = 2028-01-01
    delay_months = 6
    build_probability = 1.0
    ramp_months = 12
    status = "announced"
    """
)
OPTIONS = ProjectionOptions(
    draws=4, seed=0, start=dt.date(2027, 1, 1), end=dt.date(2029, 12, 31),
    weather="typical", resolution="annual", include_baseline=False,
)  # fmt: skip


def _projected():
    return project(parse_scenario(tomllib.loads(CAMPUS), origin="campus"), OPTIONS)


def test_a_campus_without_a_limit_energises_at_commissioning_plus_its_delay():
    dataset = _projected()
    assert list(dataset["site"].to_numpy()) == ["campus"]
    assert str(dataset["site_grid_limit"].sel(site="campus").item()) == "none"
    assert float(dataset["site_built_pct"].sel(site="campus")) == 100.0
    months = pd.DatetimeIndex(dataset["month"].to_numpy())
    energised = dataset["site_energised_pct"].sel(site="campus").to_numpy()
    # 2028-01-01 + 6 months: every draw energised from 2028-07, none before.
    np.testing.assert_array_equal(energised, np.where(months >= "2028-07-01", 100.0, 0.0))
    connected = dataset["site_grid_connected_mw"].sel(site="campus", quantile=0.5).to_numpy()
    np.testing.assert_array_equal(connected, np.where(months >= "2028-07-01", 300.0, 0.0))
    # Never waiting for the grid.
    np.testing.assert_array_equal(dataset["site_grid_wait_months"].sel(site="campus"), 0.0)


def test_the_summary_prints_the_campus_and_no_grid_table():
    dataset = _projected()
    assert "grid_requested_mw" not in dataset  # the regions' figures are the limited ones'
    assert grid_table(dataset) == ""
    row = next(line for line in site_table(dataset).splitlines() if line.startswith("campus"))
    assert "nsw (no limit)" in row and row.count("2028-07") == 5, row  # asks, first MW, P10/50/90
