"""Under each grid table, each limited region's non-AI growth, which no connection limit holds
back, beside the MW its listed sites have connected: a Jeollanam-do planner found kr-outlook's
capital non-AI load growing 2-4x the capital's limit while the grid table showed 243 MW
connected, and nothing in the CLI or the report said why."""

from __future__ import annotations

import datetime as dt
import tomllib
from html import escape

import pytest

from forecast.cli.project import grid_table
from forecast.outputs import non_ai_growth_note
from forecast.projection import ProjectionOptions, project
from forecast.report import html
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=8, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
    weather="typical", resolution="monthly", include_baseline=False,
)  # fmt: skip


def _scenario(scenario_id: str = "small"):
    data = tomllib.loads(SMALL_SCENARIO)
    data["id"] = scenario_id
    data["grid"] = {"capital": {"limit_mw": 3.0}}
    # 1 TWh of IT energy a year in 2025 to 2 TWh from 2026-07-01, in the capital.
    data["non_ai_loads"] = [{
        "name": "servers", "kind": "servers", "region": "capital", "pue": 1.0,
        "energy_twh": [{"date": dt.date(2025, 7, 1), "value": 1.0},
                       {"date": dt.date(2026, 7, 1), "value": 2.0}],
    }]  # fmt: skip
    return parse_scenario(data, origin=scenario_id)


@pytest.fixture(scope="module")
def projected():
    return project(_scenario(), OPTIONS)


def test_the_note_gives_the_growth_in_twh_and_average_mw(projected):
    energy = projected["non_ai_energy_twh_by_region_mean"].sel(region="capital")
    growth = float(energy.sel(year=2026) - energy.sel(year=2025))
    average_mw = (float(energy.sel(year=2026)) - float(energy.sel(year=2025))) / 8760 * 1e6
    connected = float(projected["grid_connected_mw_by_region_mean"].sel(region="capital")[-1])
    note = non_ai_growth_note(projected)
    assert 0.4 < growth < 1.1  # PUE 1.0, no temperature slope to speak of: about the IT growth
    assert (
        f"capital {growth:+,.2f} TWh ({average_mw:+,.0f} MW average) beside {connected:,.0f} MW "
        "of listed sites connected" in note
    )
    assert note.startswith("non-AI data-centre load is not held to a connection limit")
    assert "2025 to 2026" in note


def test_the_grid_tables_carry_the_note(projected):
    note = non_ai_growth_note(projected)
    assert f"note: {note}" in grid_table(projected)
    assert f"<p>Note: {escape(note)}.</p>" in html.checks_section(projected)
    compared = comparisons.compare([_scenario(), _scenario("other")], OPTIONS)
    other = non_ai_growth_note(compared, scenario="other")
    assert f"  other: {other}" in comparisons.summary_text(compared)
    assert f"<li>other: {escape(other)}</li>" in html.regional_comparison(compared)


def test_no_note_without_a_limit_or_non_ai_load():
    data = tomllib.loads(SMALL_SCENARIO)
    assert non_ai_growth_note(project(parse_scenario(data, origin="x"), OPTIONS)) == ""
