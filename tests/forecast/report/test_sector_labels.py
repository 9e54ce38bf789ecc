"""The data-centre sector where figures are read: the command line's sector table and the
report's annual table show all data centres' load in the grid's peak hour, and say which non-AI
load the baseline already holds (a ministry planner took the AI load at the peak, 0.43 GW in
kr-outlook's 2030, for the data centres' share of it, 2.83 GW)."""

from __future__ import annotations

import datetime as dt

import pytest

from forecast.cli.project import sector_table
from forecast.outputs import summary_cell
from forecast.projection import ProjectionOptions, project
from forecast.report.html import annual_table
from forecast.scenario import parse_scenario

OPTIONS = ProjectionOptions(
    draws=12, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
    resolution="annual", weather="typical",
)  # fmt: skip


def _scenario(*, in_baseline: tuple[bool, ...]):
    loads = [
        {"name": f"load {index}", "kind": "other", "energy_twh": 2.0, "in_baseline": held}
        for index, held in enumerate(in_baseline)
    ]
    return parse_scenario(
        {
            "schema_version": 2, "id": "sector-labels", "title": "t", "description": "d",
            "country": "KR", "timezone": "Asia/Seoul",
            "horizon": {"start": "2025-01-01", "end": "2025-12-31"},
            "operations": {"load_factor": 0.7, "pue": 1.3},
            "deployments": [{"name": "fleet", "milestones": [
                {"date": "2024-12-31", "count": 20000, "mix": {"h100_sxm": 1.0}}]}],
            "non_ai_loads": loads,
        },
        origin="test",
    )  # fmt: skip


@pytest.fixture(scope="module")
def partly_held():
    """One non-AI load in the baseline, one added to it, on the Korean baseline model."""
    return project(_scenario(in_baseline=(True, False)), OPTIONS)


def test_the_sector_tables_show_all_data_centres_at_the_grid_peak(partly_held):
    dataset = partly_held
    cell = summary_cell(dataset, "dc_at_national_peak_gw", 2, year=2025)
    ai_cell = summary_cell(dataset, "ai_at_national_peak_gw", 2, year=2025)
    assert cell != ai_cell  # the non-AI load is in the hour too: the test tells them apart
    lines = sector_table(dataset).splitlines()
    # Below 1 GW in every year: the command line's column prints in MW (the HTML's in GW).
    assert "all data centres at grid peak MW" in lines[1]
    assert summary_cell(dataset, "dc_at_national_peak_gw", 0, scale=1000.0, year=2025) in lines[2]
    html = annual_table(dataset)
    assert "all data centres (AI + non-AI) at the grid peak [GW]" in html
    assert cell in html


def test_the_sector_tables_say_which_non_ai_load_the_baseline_holds(partly_held):
    note = (
        "non-AI load already in the baseline&#x27;s demand (in_baseline: load 0): counted in "
        "the data-centre figures, not added to the grid total"
    )
    assert note in annual_table(partly_held)
    assert note.replace("&#x27;", "'") in sector_table(partly_held).splitlines()[0]
    all_held = project(_scenario(in_baseline=(True, True)), OPTIONS)
    assert "(in_baseline: all of it)" in sector_table(all_held).splitlines()[0]
    none_held = project(_scenario(in_baseline=(False,)), OPTIONS)
    assert "non_ai_in_baseline_note" not in none_held.attrs
    assert "in_baseline" not in sector_table(none_held) + annual_table(none_held)
