"""A trend that ends before the period holds its last point, and the sector table says so (a
Jeollanam-do planner read kr-outlook's non-AI energy, flat from 2030, as a stalled sector)."""

from __future__ import annotations

import datetime as dt
import tomllib

from forecast.cli.project import sector_table
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=10,
    seed=0,
    start=dt.date(2025, 1, 1),
    end=dt.date(2026, 12, 31),
    resolution="annual",
    weather="typical",
)


def _with_servers(last: dt.date):
    data = tomllib.loads(SMALL_SCENARIO)
    data["non_ai_loads"] = [
        {
            "name": "servers",
            "kind": "servers",
            "region": "capital",
            "energy_twh": [
                {"date": dt.date(2025, 1, 1), "value": 1.0, "source": "test"},
                {"date": last, "value": 2.0, "source": "test"},
            ],
        }
    ]
    return parse_scenario(data, origin="servers")


def test_the_sector_table_names_a_trend_held_after_its_last_point():
    table = sector_table(project(_with_servers(dt.date(2025, 7, 1)), OPTIONS))
    note = next(line for line in table.splitlines() if line.startswith("note: non-AI inputs held"))
    assert "energy_twh of 'servers' from 2025-07-01" in note


def test_a_trend_that_runs_to_the_period_end_is_not_named():
    dataset = project(_with_servers(dt.date(2027, 1, 1)), OPTIONS)
    assert "held at their last point" not in sector_table(dataset)
    assert "non_ai_held_note" not in dataset.attrs


def test_the_summary_names_the_ai_sides_and_the_grids_held_inputs():
    """The held-trend note covered the non-AI loads only: a PUE trend, a connection limit's
    trend and a fleet held after its last milestone (``after_last = "hold"``) are named too,
    each from its last date; a trend that runs past the period is not."""
    from forecast.cli.project import summary_table

    data = tomllib.loads(SMALL_SCENARIO)
    data["operations"]["pue"] = [
        {"date": dt.date(2025, 1, 1), "value": 1.4},
        {"date": dt.date(2025, 7, 1), "value": 1.3},
    ]
    data["operations"]["load_factor"] = [
        {"date": dt.date(2025, 1, 1), "value": 0.6},
        {"date": dt.date(2027, 7, 1), "value": 0.7},
    ]
    data["grid"] = {"capital": {"limit_mw": [
        {"date": dt.date(2025, 1, 1), "value": 3.0}, {"date": dt.date(2026, 1, 1), "value": 6.0},
    ]}}  # fmt: skip
    dataset = project(parse_scenario(data, origin="held"), OPTIONS)
    note = next(line for line in summary_table(dataset).splitlines() if line.startswith("note:"))
    assert note == (
        "note: inputs held at their last point (their paths end there): operations.pue from "
        "2025-07-01; grid.capital.limit_mw from 2026-01-01; the fleet of 'fleet' from "
        "2026-06-30 (a fleet held with after_last = hold is replaced as it retires)"
    )
    assert "load_factor" not in note
