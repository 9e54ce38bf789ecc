"""The report's regional tables, the inputs that differ between scenarios and the box of what
the model does not cover: a Korean provincial planner's findings H2 and H3
(/work/report-region.md: the report had nothing regional but the grid queue, and nothing said
that regions are only connection queues on one national grid)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from forecast.outputs import summary_cell
from forecast.projection import ProjectionOptions
from forecast.report import html
from forecast.report.inputs import NOT_SET, DifferingInput, differing_inputs
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=12, seed=3, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
    weather="typical", resolution="monthly", include_baseline=False,
)  # fmt: skip


#: A connection limit in each region, for the grid queue's tables.
GRID = {
    "capital": {"limit_mw": 3.0, "source": "test limit"},
    "non_capital": {"limit_mw": 4.0, "source": "test limit"},
}


def _small() -> dict:
    return tomllib.loads(SMALL_SCENARIO) | {"grid": GRID}


def _south() -> dict:
    """The small scenario with its fleet and site A moved to the non-capital region, and a
    new source on its PUE."""
    data = _small()
    data["id"] = "small-south"
    data["deployments"][0]["region_shares"] = {"capital": 0.25, "non_capital": 0.75}
    data["sites"][0]["region"] = "non_capital"
    data["operations"]["pue"] = {**data["operations"]["pue"], "source": "planner assumption"}
    return data


@pytest.fixture(scope="module")
def scenarios():
    return [
        parse_scenario(_small(), origin="small"),
        parse_scenario(_south(), origin="south"),
    ]


@pytest.fixture(scope="module")
def projected(scenarios):
    datasets = comparisons.project_scenarios(scenarios, OPTIONS)
    return datasets, comparisons.combine(scenarios, datasets)


def _tables(text: str) -> dict[str, str]:
    """Each table of ``text`` by its caption."""
    return dict(re.findall(r"<caption>(.*?)</caption>(.*?)</table>", text, re.S))


def _header(table: str) -> list[str]:
    return re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)


def test_a_scenario_section_gives_energy_and_the_hosting_shortfall_by_region(projected):
    datasets, _ = projected
    dataset = datasets[1]
    tables = _tables(html.regions_section(dataset))
    (energy,) = [t for c, t in tables.items() if c.startswith("Data-centre electricity by region")]
    assert _header(energy) == ["year", "capital: AI [TWh]", "non_capital: AI [TWh]"]
    first = re.search(r"<tr><th[^>]*>2026</th><td>(.*?)</td><td>(.*?)</td>", energy)
    assert first is not None
    for cell, region in zip(first.groups(), ("capital", "non_capital"), strict=True):
        expected = summary_cell(dataset, "ai_energy_twh_by_region", 2, region=region, year=2026)
        assert cell == expected and cell != "–"
    waits = [t for c, t in tables.items() if c.startswith("Hosting shortfall by region")]
    if waits:
        assert "non_capital: waiting nameplate [MW]" in _header(waits[0])
    else:
        assert "No accelerator waits for room in any region" in html.regions_section(dataset)


def test_the_inputs_that_differ_are_listed_with_both_values_and_the_variants_source(scenarios):
    rows = differing_inputs(*scenarios)
    assert rows == [
        DifferingInput("operations.pue", "", "uniform(1.2, 1.4)", "uniform(1.2, 1.4)",
                       "planner assumption"),
        DifferingInput("deployments[0].region_shares.capital", "fleet", "0.75", "0.25", ""),
        DifferingInput("deployments[0].region_shares.non_capital", "fleet", "0.25", "0.75", ""),
        DifferingInput("sites[0].region", "site A", "capital", "non_capital", ""),
    ]  # fmt: skip
    assert differing_inputs(scenarios[0], scenarios[0]) == []
    section = html.differing_inputs_section(scenarios)
    (table,) = _tables(section).values()
    assert _header(table) == ["where", "entry", "small", "small-south", "source (small-south)"]
    assert '<th scope="row" class="text">sites[0].region</th>' in table


def test_a_value_only_one_scenario_sets_reads_not_set():
    base = tomllib.loads(SMALL_SCENARIO)
    data = {**base, "id": "grid", "grid": {"non_capital": GRID["non_capital"]}}
    rows = differing_inputs(
        parse_scenario(base, origin="small"), parse_scenario(data, origin="grid")
    )
    limit = [row for row in rows if row.where == "grid.non_capital.limit_mw"]
    assert limit and limit[0].reference == NOT_SET and limit[0].variant == "4 (fixed)"
    assert limit[0].variant_source == "test limit"  # the region's, around the plain number


def test_the_comparison_gives_energy_and_queues_by_region_with_differences(projected):
    _, combined = projected
    (energy, *grid) = _tables(html.regional_comparison(combined)).items()
    caption, table = energy
    assert caption.startswith("AI data-centre electricity in the year by region [TWh]")
    assert "the differences from small are taken draw by draw" in caption
    assert _header(table)[:4] == [
        "year",
        "capital: small AI [TWh]",
        "capital: small-south AI [TWh]",
        "capital: small-south minus small AI [TWh]",
    ]
    for name, scenario in (("ai_energy_twh_by_region", "small-south"),
                           ("ai_energy_twh_by_region_difference", "small-south")):  # fmt: skip
        cell = summary_cell(combined, name, 2, scenario=scenario, region="non_capital", year=2026)
        assert f"<td>{cell}</td>" in table and cell != "–"
    # Each limited region's queue: every scenario's requested, connected and delayed MW at the
    # year's end, then the differences draw by draw.
    assert [caption.split(" at the end")[0] for caption, _ in grid] == [
        "Grid connection of new sites in capital",
        "Grid connection of new sites in non_capital",
    ]
    assert "not the grid operator's queue".replace("'", "&#x27;") in grid[0][0]
    assert _header(grid[1][1])[1:4] == [
        "small: requested [MW]",
        "small: connected [MW]",
        "small: delayed [MW]",
    ]
    assert "small-south minus small: delayed [MW]" in _header(grid[1][1])


def test_without_regional_differences_the_comparison_says_not_to_subtract_the_p50s(projected):
    """Scenarios of different regions get no draw-by-draw regional difference."""
    _, combined = projected
    name = "ai_energy_twh_by_region_difference"
    reduced = combined.drop_vars([name, f"{name}_mean"])
    caption, table = next(iter(_tables(html.regional_comparison(reduced)).items()))
    assert "the difference of two P50s is not the P50 of the difference" in caption
    assert not any("minus" in header for header in _header(table))


def test_regions_are_shown_by_their_labels(projected):
    _, combined = projected
    labelled = combined.assign_attrs(region_labels='{"non_capital": "비수도권"}')
    assert "비수도권: small AI [TWh]" in html.regional_comparison(labelled)


def test_every_report_says_what_the_model_does_not_cover(scenarios, projected):
    datasets, _ = projected
    box = html.limits_box(scenarios[:1], datasets[:1])
    assert box.startswith('<aside class="limits" aria-labelledby="limits-title">')
    for said in ("What this model does not cover.", "Regions (capital, non_capital): regions "
                 "are connection queues and placement on one national grid",
                 "no transmission", "What the model leaves out",
                 "one location (seoul)"):  # fmt: skip
        assert said.replace("'", "&#x27;") in box.replace("&#8220;", "").replace("&#8221;", "")
    assert "No baseline model: no grid load" in box  # include_baseline=False


def test_the_report_holds_the_regional_tables_the_inputs_and_the_box(scenarios):
    options = ProjectionOptions(
        draws=8, seed=3, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", duration_draws=8, include_baseline=False,
    )  # fmt: skip
    text = html.build_report(scenarios, options)
    assert text.count("<caption>Data-centre electricity by region and year") == 2
    assert text.count('<aside class="limits"') == 1
    assert "<caption>Inputs of small-south that differ from small:" in text
    assert "<caption>AI data-centre electricity in the year by region [TWh]" in text
    assert text.index("What this model does not cover") < text.index("<nav aria-label")
