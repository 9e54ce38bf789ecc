"""Regions as a reader knows them: ASCII ids for the files, display names (``region_labels``)
for the tables (a Jeollanam-do planner could not write ``수도권`` and read ``non_capital``)."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib

import pytest

from forecast.cli import main
from forecast.cli.project import grid_columns, region_table
from forecast.errors import ScenarioError
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO

CAPITAL = "수도권 (서울·인천·경기)"


def _labelled(**changes):
    data = tomllib.loads(SMALL_SCENARIO)
    data["region_labels"] = {"capital": CAPITAL}
    data.update(changes)
    return parse_scenario(data, origin="labelled.toml")


def test_a_region_id_that_is_not_ascii_is_refused_once_pointing_to_the_labels(
    scenario_file, capsys
):
    """The error read "regions: regions: '수도권' is not a name of [a-z0-9_], 1-40 chars"."""
    text = SMALL_SCENARIO.replace(
        'regions = ["capital", "non_capital"]', 'regions = ["수도권", "non_capital"]'
    )
    assert main(["scenarios", "show", str(scenario_file(text))]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("regions:") == 1
    assert "'수도권'" in error and "allowed" in error and "[region_labels]" in error


def test_a_label_of_a_region_the_scenario_lacks_is_refused_in_one_line():
    with pytest.raises(ScenarioError) as refused:
        _labelled(region_labels={"jeonnam": "전라남도"})
    message = str(refused.value)
    assert "\n" not in message
    assert "region_labels.jeonnam: unknown region" in message and "capital" in message
    with pytest.raises(ScenarioError, match="region_labels: capital = ' ': allowed: 1-80"):
        _labelled(region_labels={"capital": " "})


def test_the_labels_are_in_the_attributes_and_the_tables():
    options = ProjectionOptions(
        draws=20, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        resolution="annual", weather="typical",
    )  # fmt: skip
    grid = {"capital": {"limit_mw": 3.0}}
    dataset = project(_labelled(grid=grid), options)
    assert json.loads(dataset.attrs["region_labels"]) == {"capital": CAPITAL}
    table = region_table(dataset)
    # (A small scenario's columns are in GWh: the unit follows the figures.)
    assert re.search(f"AI (TWh|GWh) {re.escape(CAPITAL)}", table), table
    assert re.search("AI (TWh|GWh) non_capital", table), table  # no label: its id
    assert next(label for _, label, _, _ in grid_columns(dataset)) == f"requested MW {CAPITAL}"
    plain = project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), options)
    assert "region_labels" not in plain.attrs
