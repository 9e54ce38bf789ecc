"""A scenario's caveats, one line each, under the summary, in the Dataset's ``caveats``, the
CSV's sidecar and the report: kr-outlook's notes said that the Korean figures for its non-AI
data centres conflict (KEPCO's metered 11,000 GWh over 2019-2021 against 8.2 TWh in 2024 and
13.5 TWh in 2023), but a planner running ``forecast project kr-outlook`` never saw it (source
audit, 2026-12)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from html import escape

import pytest
import xarray as xr

from forecast.cli import main
from forecast.paths import facts_file
from forecast.projection import ProjectionOptions
from forecast.report import html
from forecast.scenario import Trend, load_scenario, parse_scenario, shipped_scenario_paths
from forecast.scenario.facts import cited_keys, fact_rows, read_facts
from tests.conftest import SMALL_SCENARIO

#: KEPCO's metered consumption, which kr-outlook's existing data centres start from, and the
#: two low-confidence rows that conflict with it (facts.csv).
DEFAULT_ROW = "kr_dc_electricity_2019_2021_total"
SET_ASIDE_ROWS = ["kr_dc_consumption_2024", "kr_dc_consumption_2023_kpx"]

CAVEAT = "test figures conflict; the default is the metered one"


def test_kr_outlook_prints_and_keeps_which_non_ai_figure_it_uses(tmp_path, capsys):
    out = tmp_path / "kr.csv"
    status = main(["project", "kr-outlook", "--draws", "4", "--no-baseline",
                   "--resolution", "annual", "--weather", "typical",
                   "--start", "2024-01-01", "--end", "2024-12-31", "--out", str(out)])  # fmt: skip
    assert status == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("caveat")]
    assert len(printed) == len(load_scenario("kr-outlook").caveats), printed
    (caveat,) = [line.removeprefix("caveat: ") for line in printed if "non-AI" in line]
    for figure in ("11,000 GWh", "8.2 TWh", "13.5 TWh"):
        assert figure in caveat
    assert cited_keys(caveat) == [DEFAULT_ROW, *SET_ASIDE_ROWS]
    used, set_aside = caveat.split("set aside")
    assert "the default is KEPCO's metered 11,000 GWh" in used
    assert DEFAULT_ROW in used
    assert all(row in set_aside for row in SET_ASIDE_ROWS)
    sidecar = json.loads((tmp_path / "kr.csv.meta.json").read_text(encoding="utf-8"))
    assert json.loads(sidecar["attrs"]["caveats"]) == [
        line.removeprefix("caveat: ") for line in printed
    ]


def test_the_caveat_names_the_figure_the_non_ai_loads_start_from():
    """The default the caveat names is the one the existing data centres' energy cites first,
    in both regions; kr-outlook-flex, which extends kr-outlook, says the same."""
    scenario = load_scenario("kr-outlook")
    for load in scenario.non_ai_loads:
        assert isinstance(load.energy_twh, Trend), load.name
        first = load.energy_twh.points[0].quantity.source or ""
        assert cited_keys(first)[0] == DEFAULT_ROW, load.name
        assert not set(cited_keys(first.split("set aside")[0])) & set(SET_ASIDE_ROWS), load.name
    flexible = load_scenario("kr-outlook-flex").caveats
    assert flexible[: len(scenario.caveats)] == scenario.caveats  # kr-outlook's, then its own


def test_kr_11th_basic_plan_says_its_2030_tranche_rests_on_the_figure_kr_outlook_sets_aside(
    tmp_path, capsys
):
    """kr-11th-basic-plan sizes its 2030 tranche from 8.2 TWh of load in 2024
    (kr_dc_consumption_2024, low confidence), the figure kr-outlook sets aside for KEPCO's
    metered 11,000 GWh over 2019-2021 (high confidence): its notes said so, its summary did not.
    The caveat names both rows with their values and confidences as facts.csv gives them."""
    out = tmp_path / "plan.csv"
    status = main(["project", "kr-11th-basic-plan", "--draws", "4", "--no-baseline",
                   "--resolution", "annual", "--weather", "typical",
                   "--start", "2030-01-01", "--end", "2030-12-31", "--out", str(out)])  # fmt: skip
    assert status == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("caveat")]
    assert len(printed) == len(load_scenario("kr-11th-basic-plan").caveats), printed
    (caveat,) = [line.removeprefix("caveat: ") for line in printed if "2030 tranche" in line]
    low, high = SET_ASIDE_ROWS[0], DEFAULT_ROW
    assert cited_keys(caveat) == [low, high]
    assert "8.2 TWh" in caveat and "11,000 GWh" in caveat
    # The caveat follows the scenario: its 2030 tranche cites the low-confidence row.
    tranche = load_scenario("kr-11th-basic-plan").sites[0]
    assert "2030" in tranche.name
    assert low in cited_keys(tranche.capacity_mw.source or "")
    if not facts_file().exists():
        pytest.skip(f"{facts_file()} is absent: the caveat's rows are not checked against it")
    rows = read_facts()
    for key, value, confidence in ((low, "8.2", "low"), (high, "11000", "high")):
        (row,) = fact_rows(key, rows)
        assert (row.value, row.confidence) == (value, confidence), row
        assert f"facts.csv:{key}; {confidence} confidence" in caveat


def test_the_report_shows_a_caveat_outside_the_folded_notes():
    data = tomllib.loads(SMALL_SCENARIO) | {"caveats": [CAVEAT]}
    options = ProjectionOptions(
        draws=4, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", duration_draws=4, include_baseline=False,
    )  # fmt: skip
    text = html.build_report([parse_scenario(data, origin="small")], options)
    assert f'<p class="note">Caveat: {escape(CAVEAT)}</p>' in text


def test_a_scenario_without_caveats_prints_none(scenario_file, tmp_path, capsys):
    out = tmp_path / "small.csv"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--resolution", "annual", "--weather", "typical",
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith("caveat")]
    sidecar = json.loads((tmp_path / "small.csv.meta.json").read_text(encoding="utf-8"))
    assert "caveats" not in sidecar["attrs"]


def test_a_caveat_of_two_lines_is_refused_in_one_line(scenario_file, tmp_path, capsys):
    text = SMALL_SCENARIO.replace(
        'regions = ["capital", "non_capital"]\n',
        'regions = ["capital", "non_capital"]\ncaveats = ["first line\\nsecond line"]\n',
    )
    assert text != SMALL_SCENARIO
    out = tmp_path / "small.csv"
    status = main(["project", str(scenario_file(text)), "--draws", "4", "--no-baseline",
                   "--out", str(out)])  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert len(error.splitlines()) == 1, error
    for said in ("small.toml", "caveats", "first line", "allowed: one line"):
        assert said in error, error
    assert not out.exists()


def _warned(scenario_file, scenario_id: str, caveats: list[str]):
    """The small scenario as ``scenario_id`` with ``caveats``, written beside the others."""
    text = SMALL_SCENARIO.replace('id = "small"', f'id = "{scenario_id}"').replace(
        'regions = ["capital", "non_capital"]\n',
        f'regions = ["capital", "non_capital"]\ncaveats = {json.dumps(caveats)}\n',
    )
    assert text.count(scenario_id) == 1 and "caveats" in text
    return scenario_file(text, name=scenario_id)


def test_compare_prints_each_scenarios_caveats_under_its_summary(scenario_file, tmp_path, capsys):
    """forecast compare printed no caveat at all (kr-outlook's against kr-11th-basic-plan said
    nothing of their conflicting figures), and its output kept one scenario's caveats in the
    attribute shared by all (xarray keeps an attribute that only one stacked Dataset has): each
    line names its scenario, and each scenario's caveats stay its own."""
    plain = scenario_file(SMALL_SCENARIO)
    warned = _warned(scenario_file, "small-warned", [CAVEAT, "a second caveat"])
    out = tmp_path / "cmp.nc"
    status = main(["compare", str(plain), str(warned), "--draws", "4", "--no-baseline",
                   "--resolution", "annual", "--weather", "typical", "--no-duration-curves",
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out.splitlines()
    wrote = next(i for i, line in enumerate(printed) if line.startswith("wrote"))
    assert printed[wrote - 2 : wrote] == [
        f"caveat: small-warned: {CAVEAT}",
        "caveat: small-warned: a second caveat",
    ]
    assert sum(line.startswith("caveat") for line in printed) == 2
    with xr.open_dataset(out) as dataset:
        assert "caveats" not in dataset.attrs
        assert json.loads(str(dataset["caveats"].sel(scenario="small-warned").item())) == [
            CAVEAT,
            "a second caveat",
        ]
        assert str(dataset["caveats"].sel(scenario="small").item()) == ""


def test_report_lists_the_caveats_at_its_top_and_prints_them(scenario_file, tmp_path, capsys):
    """forecast report showed a caveat only inside its scenario's section, after the whole
    comparison, and printed none: they are listed at the top, beside what the model does not
    cover, and printed as compare prints them."""
    plain = scenario_file(SMALL_SCENARIO)
    warned = _warned(scenario_file, "small-warned", [CAVEAT])
    out = tmp_path / "report.html"
    status = main(["report", str(plain), str(warned), "--draws", "4", "--no-baseline",
                   "--weather", "typical", "--duration-draws", "4", "--quiet",
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if line.startswith("caveat")] == [
        f"caveat: small-warned: {CAVEAT}"
    ]
    text = out.read_text(encoding="utf-8")
    listed = f"<li><b>small-warned</b>: {escape(CAVEAT)}</li>"
    assert text.count(listed) == 1
    assert text.index('id="caveats-title"') < text.index('id="comparison"')
    assert text.index("What this model does not cover") < text.index('id="caveats-title"')


@pytest.mark.parametrize("scenario_id", list(shipped_scenario_paths()))
def test_every_shipped_scenario_says_what_it_leaves_out_or_copies(scenario_id):
    """Each shipped scenario's notes say what it leaves out, copies or takes as given, but only
    kr-outlook and kr-11th-basic-plan said any of it where a planner reads the figures: every
    one now gives caveats, each sourced (a facts.csv key or a stated assumption) and short."""
    said = load_scenario(scenario_id).caveats
    assert said, f"{scenario_id} gives no caveat"
    for caveat in said:
        assert cited_keys(caveat) or "assumption" in caveat, caveat
        assert len(caveat) <= 300 or cited_keys(caveat), caveat


#: The Board of Audit's count: the 11th Basic Plan assumed 148 data centres at end-2023, where
#: 314 existed (facts.csv, the row's value and note).
AUDIT_ROW = "kr_dc_count_end2023_audit"


def test_kr_11th_basic_plan_says_it_copies_the_plans_data_centre_count(tmp_path, capsys):
    """kr-11th-basic-plan copies the plan's demand on purpose, and with it the plan's count of
    148 data centres at end-2023, which the Board of Audit found to be 314: a planner running
    it was not told that the official figure under-estimates data-centre demand."""
    out = tmp_path / "plan.csv"
    status = main(["project", "kr-11th-basic-plan", "--draws", "4", "--no-baseline",
                   "--resolution", "annual", "--weather", "typical",
                   "--start", "2030-01-01", "--end", "2030-12-31", "--out", str(out)])  # fmt: skip
    assert status == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if AUDIT_ROW in line]
    assert len(printed) == 1, printed
    assert "148" in printed[0] and "314" in printed[0] and "under-estimates" in printed[0]
    sidecar = json.loads((tmp_path / "plan.csv.meta.json").read_text(encoding="utf-8"))
    assert printed[0].removeprefix("caveat: ") in json.loads(sidecar["attrs"]["caveats"])
    if not facts_file().exists():
        pytest.skip(f"{facts_file()} is absent: the caveat's row is not checked against it")
    (row,) = fact_rows(AUDIT_ROW, read_facts())
    assert row.value == "314" and "148" in row.note and row.confidence == "medium"
    assert f"facts.csv:{AUDIT_ROW}; {row.confidence} confidence" in printed[0]
