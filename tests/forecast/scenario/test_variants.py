"""Scenario files that extend a shipped scenario and change only what differs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forecast.cli import main
from forecast.errors import ScenarioError, ScenarioNote
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
    base = load_scenario("kr-outlook")
    replaced = f"mine.toml: [[sites]] replaces the {len(base.sites)} sites of kr-outlook with 1"
    with pytest.warns(ScenarioNote, match=replaced.replace("[", r"\[").replace("]", r"\]")):
        scenario = parse_scenario(data, origin="mine.toml")
    assert scenario.operations.pue.value == 1.2
    assert scenario.operations.lifetime_years == base.operations.lifetime_years  # kept
    assert [site.name for site in scenario.sites] == ["one hall"]  # replaced


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        # A fixed value over a distribution (a planner's "what if the limit were 800 MW").
        ({"grid": {"capital": {"limit_mw": {"value": 800.0, "source": "mine"}}}},
         ("grid", "capital", "limit_mw")),
        ({"operations": {"lifetime_years": {"value": 6.0, "source": "mine"}}},
         ("operations", "lifetime_years")),
        # A distribution over another: none of the base's fields (its source) is kept.
        ({"operations": {"lifetime_years": {"dist": "uniform", "low": 3.0, "high": 4.0}}},
         ("operations", "lifetime_years")),
    ],
)  # fmt: skip
def test_a_variants_quantity_replaces_the_bases_whole(changes, path):
    """A quantity (a table with ``value`` or ``dist``) is one value: a variant's replaces the
    base's whole, as a number would. Merged key by key, a fixed value sat beside the base's
    ``dist``/``low``/``high`` and the scenario failed (a traceback in the command line, HTTP 500
    in the API), and a new distribution kept the base's ``source``."""
    data = {"extends": "kr-outlook", "id": "mine", "title": "mine", "description": "mine"}
    scenario = parse_scenario({**data, **changes}, origin="mine.toml")
    value, given = scenario, changes
    for key in path:
        value = value[key] if isinstance(value, dict) else getattr(value, key)
        given = given[key]
    assert value.model_dump(exclude_none=True, exclude_defaults=True) == given


def test_a_wrong_field_in_a_regions_grid_table_is_one_line():
    """The error names the region's table (``grid`` is keyed by region, not by field)."""
    data = {"extends": "kr-outlook", "id": "mine", "title": "mine", "description": "mine",
            "grid": {"capital": {"limit_mw": 800.0, "limt": 3}}}  # fmt: skip
    with pytest.raises(ScenarioError, match=r"^mine.toml: grid.capital.limt = 3: not a field "
                       r"here \(allowed: .*limit_mw"):  # fmt: skip
        parse_scenario(data, origin="mine.toml")


@pytest.mark.parametrize("base", ["no-such-scenario", "../kr-outlook", 3])
def test_only_shipped_scenarios_can_be_extended(base):
    """A scenario given as data (an API body) extends shipped scenarios only."""
    with pytest.raises(ScenarioError, match=r"extends = .*must name a shipped scenario;"):
        parse_scenario({"extends": base, "id": "x"}, origin="x.toml")


def test_a_variant_file_extends_a_scenario_file_beside_it(tmp_path, capsys):
    """An Irish planner had to copy a whole scenario of their own to add [flexibility]: a
    variant file may extend a scenario file beside it, named by its id (never a path)."""
    own = tmp_path / "ie-base.toml"
    own.write_text(
        'extends = "kr-outlook"\nid = "ie-base"\ntitle = "base"\ndescription = "base"\n'
        "[operations]\npue = 1.25\n",
        encoding="utf-8",
    )
    variant = tmp_path / "ie-flex.toml"
    variant.write_text(
        'extends = "ie-base"\nid = "ie-flex"\ntitle = "flex"\ndescription = "flex"\n'
        "[flexibility]\nshare = 0.3\nhours_per_year = 20\n",
        encoding="utf-8",
    )
    scenario = load_scenario(str(variant))
    assert scenario.operations.pue.value == 1.25 and scenario.flexibility is not None
    assert scenario.sites == load_scenario("kr-outlook").sites  # two files up
    # Not a path, not a file that is not there; the message says where it looked.
    for bad in ("../ie-base", "ie-none"):
        variant.write_text(variant.read_text().replace('"ie-base"', json.dumps(bad), 1))
        assert main(["scenarios", "show", str(variant)]) == 2
        error = capsys.readouterr().err
        assert f"extends = {bad!r}" in error and f"beside this one (in {tmp_path})" in error
        variant.write_text(variant.read_text().replace(json.dumps(bad), '"ie-base"', 1))


def _campus_variant(directory, scenario_id: str, status: str, commissioning: str = "2028-07-01"):
    """A variant of kr-outlook that gives one 300 MW campus as its [[sites]]."""
    variant = directory / f"{scenario_id}.toml"
    variant.write_text(
        f'extends = "kr-outlook"\nid = "{scenario_id}"\ntitle = "t"\ndescription = "t"\n'
        '[[sites]]\nname = "my campus"\ncapacity_mw = 300\ncapacity_kind = "grid"\n'
        f'region = "capital"\ncommissioning = {commissioning}\nstatus = "{status}"\n',
        encoding="utf-8",
    )
    return variant


def test_the_command_line_says_when_a_variant_replaces_its_bases_sites(tmp_path, capsys):
    """A developer's variant of kr-outlook adding one campus as [[sites]] dropped the base's
    21 sites without a word: the projection had almost no room for the fleets."""
    variant = _campus_variant(tmp_path, "my-campus", "under_construction")
    assert main(["scenarios", "show", str(variant)]) == 0
    err = capsys.readouterr().err
    sites = len(load_scenario("kr-outlook").sites)
    assert f"note: my-campus.toml: [[sites]] replaces the {sites} sites of kr-outlook with 1" in err
    assert err.count("note:") == 1
    # The shipped variant changes only a table: no note.
    assert main(["scenarios", "show", "kr-outlook-flex"]) == 0
    assert "note:" not in capsys.readouterr().err


def test_an_error_in_a_named_entry_names_it(tmp_path, capsys):
    """'sites[21].status' made the author count sites; the entry's name is beside its place."""
    variant = _campus_variant(tmp_path, "typo", "under construction")
    assert main(["scenarios", "show", str(variant)]) == 2
    assert (
        "error: typo.toml: sites[0] ('my campus').status = 'under construction': not one of the "
        "choices (allowed: 'operating', 'under_construction', 'announced', 'speculative')"
    ) in capsys.readouterr().err


def test_a_site_commissioned_after_the_horizon_is_named(tmp_path, capsys):
    """A campus commissioned in 2040 in a scenario ending in 2035 never appeared, unsaid."""
    variant = _campus_variant(tmp_path, "late", "under_construction", "2040-07-01")
    assert main(["scenarios", "show", str(variant)]) == 0
    assert (
        "note: late.toml: sites[0] ('my campus') commissions on 2040-07-01, after horizon.end = "
        "2035-12-31: it draws no load in this scenario"
    ) in capsys.readouterr().err


def test_an_unbuilt_site_commissioned_before_the_horizon_is_named(tmp_path, capsys):
    """A data-centre developer's campus 'under construction' since 1990 was accepted without a
    word and came out '513 months late'; an operating site's date may lie anywhere before."""
    variant = _campus_variant(tmp_path, "early", "under_construction", "1990-01-01")
    assert main(["scenarios", "show", str(variant)]) == 0
    assert (
        "note: early.toml: sites[0] ('my campus') is under construction but commissions on "
        "1990-01-01, before horizon.start = 2024-01-01: it asks the grid from the period's "
        "first month and its months late count from 1990-01-01"
    ) in capsys.readouterr().err
    variant.write_text(
        variant.read_text(encoding="utf-8").replace('"under_construction"', '"operating"'),
        encoding="utf-8",
    )
    assert main(["scenarios", "show", str(variant)]) == 0
    assert capsys.readouterr().err.count("note:") == 1  # [[sites]] replaces the base's


def test_a_site_in_an_unknown_region_is_named_without_a_top_level_prefix(tmp_path, capsys):
    """'(top level): sites[21].region = ...' read oddly beside the other messages'
    "sites[21] ('name'):"; a check across fields names its entry as they do."""
    variant = _campus_variant(tmp_path, "region", "under_construction")
    variant.write_text(
        variant.read_text(encoding="utf-8").replace('region = "capital"', 'region = "gyeonggi"'),
        encoding="utf-8",
    )
    assert main(["scenarios", "show", str(variant)]) == 2
    err = capsys.readouterr().err
    assert (
        "error: region.toml: sites[0] ('my campus').region = 'gyeonggi': unknown region; "
        "allowed: ['capital', 'non_capital']"
    ) in err
    assert "top level" not in err


def test_scenarios_show_as_text_reads_as_the_file_does(capsys):
    """An LBNL analyst found the JSON's notes one escaped string; the text form prints them as
    paragraphs and each quantity on one line with its source (a trend's points with dates)."""
    assert main(["scenarios", "show", "kr-outlook", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert "\nnotes:\n    What it answers:" in text
    assert "\n  lifetime_years: triangular 4 / 5 / 6\n      source: facts.csv:" in text
    assert "    [1]: at 2030-01-01: uniform 0.4 / 0.8\n" in text
    assert "(default)" in text
    assert main(["scenarios", "show", "kr-outlook", "--format", "yaml"]) == 2
    assert "--format = 'yaml': allowed: json, text" in capsys.readouterr().err


def test_a_file_with_several_errors_names_the_first_three_and_counts_the_rest():
    """A US utility's engineer wrote status = "planned" and left out capacity_kind: the line
    said "(and 1 more error)" without saying which; each of the first three errors is spelled
    out, joined by "; ", and the rest counted."""
    data = load_scenario("kr-outlook").model_dump(mode="json", exclude_none=True)
    site = data["sites"][0]
    site["status"] = "planned"
    del site["capacity_kind"]
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="mine.toml")
    message = str(raised.value)
    assert message.startswith("mine.toml: sites[0] (")
    assert (
        "status = 'planned': not one of the choices (allowed: 'operating', "
        "'under_construction', 'announced', 'speculative')"
    ) in message
    assert "capacity_kind: Field required" in message
    assert "more error" not in message
    data["operations"]["peu"] = 1.3
    data["horizon"]["start"] = "2030"
    data["horizon"]["end"] = "2040"
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="mine.toml")
    message = str(raised.value)
    assert "\n" not in message
    assert message.count("; ") == 2
    assert message.endswith(" (and 2 more errors)")


def test_a_quantity_missing_a_bound_is_told_as_a_quantity_not_as_a_trend_too():
    """A reviewer's case: `pue = {dist = "uniform", low = 1.5}` listed the trend member's
    "points: Field required" and "dist: not a field here (allowed: dist, ...)" beside the
    quantity's missing `high`; only the member that failed first is told."""
    data = load_scenario("kr-national").model_dump(mode="json", exclude_none=True)
    data["operations"]["pue"] = {"dist": "uniform", "low": 1.5}
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="mine.toml")
    message = str(raised.value)
    assert message.startswith("mine.toml: operations.pue.high: Field required")
    assert "points" not in message and "not a field here" not in message


def test_one_mistake_is_counted_as_one_error():
    """A data-centre developer's grid limit with low > high said "(and 5 more errors)": the
    trend member's errors for the same field were counted though not shown. The count is of
    the errors a message would tell, one union member per field."""
    data = load_scenario("kr-outlook").model_dump(mode="json", exclude_none=True)
    data["grid"]["capital"]["limit_mw"] = {"dist": "uniform", "low": 347.0, "high": 343.0}
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="mine.toml")
    message = str(raised.value)
    assert message.startswith("mine.toml: grid.capital.limit_mw")
    assert "low" in message and "347" in message
    assert "more error" not in message


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            lambda data: data["non_ai_loads"][0].update(power_w="365 W"),
            "power_w = '365 W': allowed: a number in the unit of the field's name",
        ),
        (
            lambda data: data["deployments"][0].update(count_factor="x"),
            "count_factor = 'x': allowed: a number",
        ),
        (
            lambda data: data.update(id="japan_dc"),
            "id = 'japan_dc': not of the allowed form (allowed: a scenario id: lowercase "
            "letters, digits and '-', 1..64 characters, the first a letter or digit)",
        ),
    ],
)
def test_a_value_in_the_wrong_form_says_what_forms_are_allowed(change, said):
    """An IEA analyst's `power_w = "365 W"` got "Input should be a valid dictionary or object
    to extract fields from", and an id with '_' a regular expression."""
    data = load_scenario("global-iea-2025").model_dump(mode="json", exclude_none=True)
    change(data)
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="mine.toml")
    message = str(raised.value)
    assert said in message and "valid dictionary" not in message and "pattern" not in message
    assert ("trend" in message) == ("power_w" in said)


def test_a_long_value_is_echoed_cut_short_with_its_length():
    """global-iea-2025's notes (8,605 characters) put in the wrong field: the error echoed them
    whole; now the first 200 characters of the value, an ellipsis and its length."""
    document = json.loads(json.dumps(load_scenario("global-iea-2025").model_dump(mode="json")))
    notes = document["notes"]
    document["note"] = notes
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(document)
    message = str(raised.value)
    assert f"note = {repr(notes)[:200]}… ({len(notes):,} characters)" in message
    assert len(message) < 600
    document.pop("note")
    document["title"] = "a short title"
    document["horizon"]["x"] = "short"
    with pytest.raises(ScenarioError, match=r"horizon\.x = 'short': not a field here"):
        parse_scenario(document)


README = Path(__file__).parents[3] / "README.md"
#: The README's capital-limit variant ("The grid it connects to"), as a user writes it.
LIMIT_VARIANT = (
    'extends = "kr-outlook"\n[grid.capital]\n'
    'limit_mw = { value = 800.0, source = "a planner\'s 800 MW capital limit" }\n'
)


def test_the_readmes_800_mw_variant_compares_as_written(tmp_path, monkeypatch, capsys):
    """The README's recipe, a file that extends kr-outlook and gives no id, failed: the file
    inherited ``id = "kr-outlook"``, and ``forecast compare kr-outlook kr-outlook-800.toml``
    said "kr-outlook given twice" (exit 2). A variant with no id of its own takes its file's
    stem, and no "id differs from the file name" note is printed for it."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert '(`extends = "kr-outlook"`, `[grid.capital] limit_mw = { value = 800.0,' in text
    assert "`forecast compare kr-outlook kr-outlook-800.toml --draws 1000 --seed 0`" in text
    monkeypatch.chdir(tmp_path)
    Path("kr-outlook-800.toml").write_text(LIMIT_VARIANT, encoding="utf-8")
    assert load_scenario("kr-outlook-800.toml").id == "kr-outlook-800"
    argv = ["compare", "kr-outlook", "kr-outlook-800.toml", "--draws", "4", "--seed", "0",
            "--start", "2030-01-01", "--end", "2030-12-31", "--resolution", "annual",
            "--quiet", "--out", "cmp.csv"]  # fmt: skip
    assert main(argv) == 0
    assert "differs from the file name" not in capsys.readouterr().err
    table = pd.read_csv("cmp.csv", usecols=["scenario"])
    assert set(table["scenario"]) == {"kr-outlook", "kr-outlook-800"}


def test_two_files_of_one_id_are_named_with_the_fix(tmp_path, monkeypatch, capsys):
    """A variant that copies its base's id still cannot be compared with it (results know a
    scenario by its id); the message names both arguments and the file to give its own id."""
    monkeypatch.chdir(tmp_path)
    Path("kr-outlook-800.toml").write_text('id = "kr-outlook"\n' + LIMIT_VARIANT, encoding="utf-8")
    argv = ["compare", "kr-outlook", "kr-outlook-800.toml", "--draws", "4", "--out", "cmp.csv"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "error: scenarios: kr-outlook (kr-outlook, kr-outlook-800.toml) given twice; give "
        "kr-outlook-800.toml its own id (id = 'kr-outlook-800')"
    )
    assert not Path("cmp.csv").exists()
