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
