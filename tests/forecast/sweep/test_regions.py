"""A comparison region by region: moving a fleet's share south moves each region's energy and
queue, draw by draw, and the summary says what regions are (a Jeollanam-do planner's briefing
on relocating data centres had the national differences only, which relocation cannot move)."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest

from forecast.cli import main
from forecast.outputs import REGIONS_NOTE
from forecast.projection import ProjectionOptions
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=40,
    seed=5,
    start=dt.date(2025, 1, 1),
    end=dt.date(2026, 12, 31),
    resolution="annual",
    weather="typical",
)
GRID = {"capital": {"limit_mw": 4.0}, "non_capital": {"limit_mw": 50.0}}


def _scenario(scenario_id: str, capital_share: float):
    data = tomllib.loads(SMALL_SCENARIO)
    data |= {"id": scenario_id, "grid": GRID}
    data["deployments"][0]["region_shares"] = {
        "capital": capital_share,
        "non_capital": 1.0 - capital_share,
    }
    site_a, site_b = data["sites"]
    site_a |= {"build_probability": 1.0, "delay_months": 0.0}
    moved = {**site_a, "region": "non_capital"} if capital_share < 0.75 else site_a
    data["sites"] = [moved, site_b]
    return parse_scenario(data, origin=scenario_id)


@pytest.fixture(scope="module")
def compared():
    return comparisons.compare([_scenario("base", 0.75), _scenario("south", 0.25)], OPTIONS)


def test_the_differences_are_by_region_draw_by_draw(compared):
    """Half the fleet and a site moved south: the capital loses AI energy and the other region
    gains it (the regional differences add up to the national one, draw by draw), and the
    capital's requests fall with the site that left."""
    moved = compared.sel(scenario="south")
    ai = moved["ai_energy_twh_by_region_difference_mean"]
    assert (ai.sel(region="capital") < 0).all() and (ai.sel(region="non_capital") > 0).any()
    np.testing.assert_allclose(ai.sum("region"), moved["ai_energy_twh_difference_mean"], atol=1e-9)
    assert ai.attrs["units"] == "TWh"
    # The grid at each year's end: the mean of the differences is the difference of the means.
    requested = compared["grid_requested_mw_by_region_mean"].sel(month="2026-12-01")
    np.testing.assert_allclose(
        moved["grid_requested_mw_by_region_difference_mean"].sel(year=2026),
        requested.sel(scenario="south") - requested.sel(scenario="base"),
    )
    assert (
        float(
            moved["grid_requested_mw_by_region_difference"].sel(
                region="capital", year=2026, quantile=0.5
            )
        )
        < 0
    )
    # The reference's difference from itself is 0 in every draw.
    assert not compared["ai_energy_twh_by_region_difference"].sel(scenario="base").any()


def test_the_summary_has_a_by_region_block_and_says_what_regions_are(compared):
    assert compared.attrs["comparison_regions_note"] == REGIONS_NOTE
    text = comparisons.summary_text(compared)
    assert f"note: {REGIONS_NOTE}" in text
    block = text.split("AI energy by region [TWh]\n")[1].split("\n\n")[0].splitlines()
    assert block[0].split()[:4] == ["year", "base", "capital", "south"]
    assert "south minus base capital" in block[0]
    assert "south minus base non_capital" in block[0]
    assert [row.split()[0] for row in block[1:]] == ["2025", "2026"]
    assert "grid capacity requested by the scenario's listed sites" in text


def test_a_comparison_of_national_scenarios_says_nothing_of_regions():
    data = tomllib.loads(SMALL_SCENARIO)
    data["regions"] = ["national"]
    data["deployments"][0].pop("region_shares")
    for site in data["sites"]:
        site.pop("region")
    one = parse_scenario(data, origin="one")
    other = parse_scenario({**data, "id": "other"}, origin="other")
    dataset = comparisons.compare([one, other], OPTIONS)
    assert "comparison_regions_note" not in dataset.attrs
    assert "by region" not in comparisons.summary_text(dataset)


def test_forecast_project_prints_ai_energy_by_region(scenario_file, tmp_path, capsys):
    """It printed non-AI and all data-centre energy by region, not the AI energy itself."""
    path = scenario_file(SMALL_SCENARIO)
    arguments = ["project", str(path), "--draws", "10", "--resolution", "annual",
                 "--weather", "typical", "--out", str(tmp_path / "p.csv")]  # fmt: skip
    assert main(arguments) == 0
    out = capsys.readouterr().out
    block = out.split("AI energy by region")[1].splitlines()
    # The small scenario's regions stay below 1 TWh: GWh (report-proc L10).
    assert "AI GWh capital" in block[1] and "AI GWh non_capital" in block[1]


def test_the_delayed_mw_by_region_is_shown_once(compared):
    """A Jeollanam-do planner read each region's delayed MW in two tables of one comparison:
    the "by region" block (with the differences) and the grid block. It is shown once, in the
    "by region" block; the built halls waiting stay in the grid block."""
    text = comparisons.summary_text(compared)
    captions = [line for line in text.splitlines() if "waiting for a connection" in line]
    assert captions == [
        "grid capacity waiting for a connection, by region, at the end of the year [MW]"
    ]
    assert "built halls waiting for the grid at the end of the year [MW]" in text
