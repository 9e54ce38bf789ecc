"""Korean region labels (``[region_labels]``, wide characters) keep the fixed-width tables in
line: every table pads by terminal columns, not by characters (a Jeollanam-do planner's
kr-outlook tables slid a column per Hangul syllable)."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from forecast.cli.project import grid_table, region_table, sector_table
from forecast.outputs import display_width, pad_left, pad_right
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=8, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
    weather="typical", resolution="annual", include_baseline=False,
)  # fmt: skip
LABELS = {"capital": "수도권 (서울·인천·경기)", "non_capital": "비수도권"}


def _scenario(scenario_id: str = "small"):
    data = tomllib.loads(SMALL_SCENARIO)
    data["id"] = scenario_id
    data["region_labels"] = LABELS
    data["grid"] = {"capital": {"limit_mw": 3.0}, "non_capital": {"limit_mw": 4.0}}
    data["non_ai_loads"] = [
        {"name": "servers", "kind": "servers", "region": "capital", "energy_twh": 0.1}
    ]
    return parse_scenario(data, origin=scenario_id)


@pytest.fixture(scope="module")
def projected():
    return project(_scenario(), OPTIONS)


def _aligned(lines: list[str]) -> None:
    """A table's header and rows end in the same terminal column (right-aligned cells)."""
    assert len({display_width(line) for line in lines}) == 1, "\n".join(lines)


def test_display_width_counts_a_hangul_syllable_as_two_columns():
    assert display_width("수도권") == 6
    assert display_width("capital P50 [1–2]") == 17  # the en dash is one column
    assert pad_left("수도권", 8) == "  수도권"
    assert pad_right("비수도권", 9) == "비수도권 "


@pytest.mark.parametrize("table", [grid_table, region_table, sector_table])
def test_the_command_line_tables_line_up_under_korean_labels(projected, table):
    lines = table(projected).splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.startswith("year") and LABELS["capital"] in line
    )
    _aligned(lines[header : header + 1 + projected.sizes["year"]])


def test_the_comparison_tables_line_up_under_korean_labels():
    dataset = comparisons.compare([_scenario(), _scenario("other")], OPTIONS)
    lines = comparisons.summary_text(dataset).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("year") and "수도권" in line)
    block = lines[header : header + 1 + dataset.sizes["year"]]
    _aligned(block)
