"""Scenario files that extend a shipped scenario and change only what differs."""

from __future__ import annotations

import pytest

from forecast.errors import ScenarioError
from forecast.scenario import load_scenario, parse_scenario


def test_a_variant_changes_only_what_it_gives():
    base, variant = load_scenario("kr-outlook"), load_scenario("kr-outlook-flex")
    assert variant.id == "kr-outlook-flex" and variant.flexibility is not None
    assert base.flexibility is None
    assert variant.sites == base.sites and variant.deployments == base.deployments
    assert variant.grid == base.grid and variant.operations == base.operations


def test_tables_merge_key_by_key_and_lists_replace():
    data = {
        "extends": "kr-outlook",
        "id": "mine",
        "title": "mine",
        "description": "mine",
        "operations": {"pue": 1.2},
        "sites": [
            {"name": "one hall", "capacity_mw": 10, "capacity_kind": "it",
             "commissioning": "2025-01-01", "status": "operating"}
        ],
    }  # fmt: skip
    scenario = parse_scenario(data, origin="mine.toml")
    base = load_scenario("kr-outlook")
    assert scenario.operations.pue.value == 1.2
    assert scenario.operations.lifetime_years == base.operations.lifetime_years  # kept
    assert [site.name for site in scenario.sites] == ["one hall"]  # replaced


@pytest.mark.parametrize("base", ["no-such-scenario", "../kr-outlook", 3])
def test_only_shipped_scenarios_can_be_extended(base):
    with pytest.raises(ScenarioError, match=r"extends = .*must name a shipped scenario"):
        parse_scenario({"extends": base, "id": "x"}, origin="x.toml")
