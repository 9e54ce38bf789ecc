"""``forecast project --variables`` items for sampled inputs (``input_*``) are checked before
any draw: a typo in ``'input_*_per_dra'`` was found only after the whole projection, its
minutes lost (errors review, finding c)."""

from __future__ import annotations

import pytest

from forecast.cli import main
from forecast.engine.inputs import possible_input_labels
from forecast.outputs import input_variable_name
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.support.data import requires_shared_data


def _run(argv: list[str], capsys) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


def _two_scenarios(text: str, scenario_file) -> tuple[str, str]:
    """Paths of the small scenario and a copy of it named ``other``, to compare."""
    other = text.replace('id = "small"', 'id = "other"')
    return str(scenario_file(text)), str(scenario_file(other, name="other"))


def test_an_input_pattern_that_names_no_input_is_refused_before_the_run(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    out = tmp_path / "p.csv"
    status, err = _run(["project", str(scenario_file(small_scenario_text)), "--draws", "10",
                        "--per-draw", "--variables", "ai_energy_twh,input_*_per_dra",
                        "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err.count("\n") == 1, err  # one line: no progress bar before it
    assert err.startswith(
        "error: --variables = 'input_*_per_dra': names no sampled input of this projection; "
        "allowed: "
    ), err
    assert "input_load_factor_per_draw" in err and "input_pue_per_draw" in err
    assert not out.exists()


def test_an_input_without_per_draw_is_refused_before_the_run(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    out = tmp_path / "p.csv"
    scenario = str(scenario_file(small_scenario_text))
    status, err = _run(["project", scenario, "--draws", "10", "--variables",
                        "input_pue_per_draw", "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err == (
        "error: --variables = 'input_pue_per_draw': a sampled input's values are written with "
        "--per-draw only; allowed: add --per-draw, or leave out the input_* items\n"
    )
    assert not out.exists()


def test_a_matching_input_pattern_runs(small_scenario_text, scenario_file, tmp_path, capsys):
    out = tmp_path / "p.csv"
    status, err = _run(["project", str(scenario_file(small_scenario_text)), "--draws", "10",
                        "--resolution", "annual", "--per-draw", "--quiet", "--variables",
                        "input_pue*", "--out", str(out)], capsys)  # fmt: skip
    assert status == 0, err
    assert out.exists()


@requires_shared_data
@pytest.mark.parametrize("scenario_id", ["kr-outlook-flex", "global-iea-2025"])
def test_the_inputs_named_before_the_run_hold_every_input_a_projection_writes(scenario_id):
    """The check's names (from the scenario's structure) are a superset of the projection's
    ``input_*_per_draw`` variables: sites, grid regions and reinforcements, deployments,
    flexibility, non-AI loads."""
    scenario = load_scenario(scenario_id)
    options = ProjectionOptions(draws=2, resolution="annual", per_draw=True).validated(scenario)
    written = {str(name) for name in project(scenario, options).data_vars
               if str(name).startswith("input_")}  # fmt: skip
    assert written
    possible = {input_variable_name(label) for label in possible_input_labels(scenario)}
    assert written <= possible, sorted(written - possible)


# forecast compare and forecast sweep check their --variables as project does, before any
# draw (errors review, findings 1 and 2): an item they cannot hold was found after every
# scenario or variant had run.


def test_compare_refuses_an_input_pattern_that_names_no_input_before_the_run(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    first, second = _two_scenarios(small_scenario_text, scenario_file)
    out = tmp_path / "c.csv"
    status, err = _run(["compare", first, second, "--draws", "4", "--per-draw", "--variables",
                        "input_*_per_dra", "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err.count("\n") == 1, err  # one line: no progress bar before it
    assert err.startswith(
        "error: --variables = 'input_*_per_dra': names no sampled input of this projection; "
        "allowed: "
    ), err
    assert not out.exists()


def test_compare_refuses_an_input_without_per_draw_before_the_run(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    first, second = _two_scenarios(small_scenario_text, scenario_file)
    out = tmp_path / "c.csv"
    status, err = _run(["compare", first, second, "--draws", "4", "--variables",
                        "input_pue_per_draw", "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err == (
        "error: --variables = 'input_pue_per_draw': a sampled input's values are written with "
        "--per-draw only; allowed: add --per-draw, or leave out the input_* items\n"
    )
    assert not out.exists()


def test_sweep_refuses_an_input_before_the_cluster_starts(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """A sweep has no --per-draw: an input's item can never be written."""
    out = tmp_path / "s.csv"
    status, err = _run(["sweep", str(scenario_file(small_scenario_text)), "--vary", "seed=1,2",
                        "--draws", "4", "--variables", "input_pue*", "--out", str(out)],
                       capsys)  # fmt: skip
    assert status == 2
    assert err == (
        "error: --variables = 'input_pue*': a sampled input's values are per-draw values, not "
        "written here; allowed: leave out the input_* items\n"
    ), err  # no "starting local Dask cluster…" before it
    assert not out.exists()


def _without_sites(text: str) -> str:
    """The small scenario without its sites (and so without the grid limit they ask)."""
    return text.split("[[sites]]")[0]


@pytest.mark.parametrize(
    ("command", "variables", "expected"),
    [
        ("project", "site_peak_mw", "error: --variables = 'site_peak_mw': a site_* variable "
                                    "needs sites, and scenario small has none; allowed here: "),
        ("project", "ai_energy_twh,baseline_*", "error: --variables = 'baseline_*': a "
                                                "baseline_* or total_* variable needs a baseline, "
                                                "and small is projected without one; allowed "
                                                "here: "),
        ("project", "flexibility_curtailed_twh", "error: --variables = "
                                                 "'flexibility_curtailed_twh': a flexibility "
                                                 "variable needs [flexibility], and scenario "
                                                 "small has none; allowed here: "),
        ("compare", "site_*", "error: --variables = 'site_*': a site_* variable needs sites, and "
                              "scenario small has none; scenario other has none; allowed here: "),
        # A site's own series: the reason that applies, not also "name them with --site".
        ("project", "site_facility_mw", "error: --variables = 'site_facility_mw': a site_* "
                                        "variable needs sites, and scenario small has none; "
                                        "allowed here: "),
        ("compare", "site_it_mw", "error: --variables = 'site_it_mw': a site_* variable needs "
                                  "sites, and scenario small has none; scenario other has none; "
                                  "allowed here: "),
        ("sweep", "total_mw", "error: --variables = 'total_mw': a baseline_* or total_* variable "
                              "needs a baseline, and small is projected without one; allowed "
                              "here: "),
    ],
)  # fmt: skip
def test_a_variable_the_scenario_will_not_produce_is_refused_before_the_run(
    small_scenario_text, scenario_file, tmp_path, capsys, command, variables, expected
):
    text = _without_sites(small_scenario_text)
    scenario = str(scenario_file(text))
    other = str(scenario_file(text.replace('id = "small"', 'id = "other"'), name="other"))
    arguments = {
        "project": [scenario],
        "compare": [scenario, other],
        "sweep": [scenario, "--vary", "seed=1,2"],
    }[command]
    out = tmp_path / "x.csv"
    status, err = _run([command, *arguments, "--draws", "4", "--no-baseline", "--variables",
                        variables, "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err.count("\n") == 1, err  # one line: no progress bar, no cluster before it
    assert err.startswith(expected), err
    allowed = err.split("allowed here: ")[1]
    assert "ai_energy_twh" in allowed and "site_" not in allowed and "baseline_mw" not in allowed
    assert not out.exists()


def test_a_variable_one_compared_scenario_has_is_written(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """A comparison holds what any of its scenarios has: site_* of the one with sites (the
    one without has no rows; a table of only what it lacked raised 'No objects to
    concatenate')."""
    with_sites = str(scenario_file(small_scenario_text))
    without = str(scenario_file(_without_sites(small_scenario_text).replace(
        'id = "small"', 'id = "other"'), name="other"))  # fmt: skip
    out = tmp_path / "c.csv"
    status, err = _run(["compare", without, with_sites, "--draws", "4", "--no-baseline",
                        "--quiet", "--variables", "site_energy_twh", "--out", str(out)],
                       capsys)  # fmt: skip
    assert status == 0, err
    import pandas as pd

    rows = pd.read_csv(out)
    assert set(rows["variable"]) == {"site_energy_twh"}
    assert set(rows["scenario"]) == {"small"}


# A site's own series without --site, a duration curve's without --duration-curves and a
# *_per_draw variable without --per-draw were found only after the run (tests/service/
# test_comparisons' ai_load_duration_mw): refused before it, naming the option that adds them,
# or saying the command has none.
@pytest.mark.parametrize(
    ("command", "options", "variables", "expected"),
    [
        ("project", [], "site_facility_mw", "error: --variables = 'site_facility_mw': a site's "
                                            "own load series (site_facility_mw, site_it_mw) is "
                                            "written for the sites named with --site only, and "
                                            "none is named; allowed here: "),
        ("project", [], "ai_load_duration_mw", "error: --variables = 'ai_load_duration_mw': a "
                                               "duration-curve variable (*_duration_*, "
                                               "duration_band_hours, peak_hours_share_pct) is "
                                               "written with --duration-curves only, and the "
                                               "duration curves are off; allowed here: "),
        ("project", ["--duration-curves"], "ai_energy_twh,*_per_draw",
         "error: --variables = '*_per_draw': a *_per_draw variable (every draw's values) is "
         "written with --per-draw only, and per-draw values are off; allowed here: "),
        ("project", [], "ai_load_duration_mw_per_draw",
         "error: --variables = 'ai_load_duration_mw_per_draw': a duration-curve variable "
         "(*_duration_*, duration_band_hours, peak_hours_share_pct) is written with "
         "--duration-curves only, and the duration curves are off; a *_per_draw variable "
         "(every draw's values) is written with --per-draw only, and per-draw values are off; "
         "allowed here: "),
        ("compare", ["--no-duration-curves"], "peak_hours_share_pct",
         "error: --variables = 'peak_hours_share_pct': a duration-curve variable (*_duration_*, "
         "duration_band_hours, peak_hours_share_pct) is written with --duration-curves only, "
         "and the duration curves are off; allowed here: "),
        ("compare", [], "site_it_mw", "error: --variables = 'site_it_mw': a site's own load "
                                      "series (site_facility_mw, site_it_mw) is written by a "
                                      "single projection with sites named only; allowed here: "),
        ("compare", [], "ai_energy_twh_per_draw", "error: --variables = 'ai_energy_twh_per_draw'"
                                                  ": a *_per_draw variable (every draw's values) "
                                                  "is written with --per-draw only, and "
                                                  "per-draw values are off; allowed here: "),
        ("sweep", [], "duration_band_hours", "error: --variables = 'duration_band_hours': a "
                                             "duration-curve variable (*_duration_*, "
                                             "duration_band_hours, peak_hours_share_pct) is not "
                                             "written here; allowed here: "),
        ("sweep", [], "ai_energy_twh_per_draw", "error: --variables = 'ai_energy_twh_per_draw': "
                                                "a *_per_draw variable (every draw's values) is "
                                                "not written here; allowed here: "),
        # Only a comparison writes a difference: found after the run alone.
        ("project", [], "ai_energy_twh_difference",
         "error: --variables = 'ai_energy_twh_difference': a *_difference variable (a "
         "scenario's figure minus the first scenario's, draw by draw) is written by forecast "
         "compare only, and this is not a comparison; allowed here: "),
        ("sweep", [], "*_difference_mean", "error: --variables = '*_difference_mean': a "
                                           "*_difference variable (a scenario's figure minus "
                                           "the first scenario's, draw by draw) is written by "
                                           "forecast compare only, and this is not a "
                                           "comparison; allowed here: "),
    ],
)  # fmt: skip
def test_a_variable_an_option_adds_is_refused_before_the_run_naming_the_option(
    small_scenario_text, scenario_file, tmp_path, capsys, command, options, variables, expected
):
    scenario = str(scenario_file(small_scenario_text))
    other = str(scenario_file(small_scenario_text.replace('id = "small"', 'id = "other"'),
                              name="other"))  # fmt: skip
    arguments = {
        "project": [scenario],
        "compare": [scenario, other],
        "sweep": [scenario, "--vary", "seed=1,2"],
    }[command]
    out = tmp_path / "x.csv"
    status, err = _run([command, *arguments, *options, "--draws", "4", "--variables", variables,
                        "--out", str(out)], capsys)  # fmt: skip
    assert status == 2
    assert err.count("\n") == 1, err  # one line: no progress bar, no cluster before it
    assert err.startswith(expected), err
    assert "ai_energy_twh" in err.split("allowed here: ")[1]
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "variables"),
    [(["--duration-curves"], "ai_load_duration_mw,peak_hours_share_pct"),
     (["--per-draw"], "ai_energy_twh_per_draw"),
     (["--duration-curves", "--per-draw"], "ai_load_duration_mw_per_draw"),
     (["--site", "site A"], "site_facility_mw")],
)  # fmt: skip
def test_a_variable_its_option_adds_is_written(
    small_scenario_text, scenario_file, tmp_path, capsys, options, variables
):
    """With the option, the same selection runs and is written."""
    out = tmp_path / "p.csv"
    status, err = _run(["project", str(scenario_file(small_scenario_text)), *options,
                        "--draws", "4", "--resolution", "annual", "--quiet", "--variables",
                        variables, "--out", str(out)], capsys)  # fmt: skip
    assert status == 0, err
    assert out.exists()


def test_a_comparison_writes_the_differences_a_projection_is_refused(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    first, second = _two_scenarios(small_scenario_text, scenario_file)
    out = tmp_path / "c.csv"
    status, err = _run(["compare", first, second, "--draws", "4", "--quiet", "--variables",
                        "ai_energy_twh_difference", "--out", str(out)], capsys)  # fmt: skip
    assert status == 0, err
    import pandas as pd

    assert set(pd.read_csv(out)["variable"]) == {"ai_energy_twh_difference"}
