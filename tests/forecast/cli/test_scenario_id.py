"""A scenario file whose ``id`` differs from its file name is named in a one-line note: the
README's scenario format has ``id`` = file stem, and results, the service and the dashboard
know the scenario by its id (``my-run.toml`` holding ``id = "kr-national"`` passed without a
word, its results reading as the shipped scenario's)."""

from __future__ import annotations

import json

from forecast.cli import main


def test_scenarios_show_notes_an_id_that_differs_from_the_file_name(
    scenario_file, small_scenario_text, capsys
):
    renamed = scenario_file(small_scenario_text, name="small-copy")
    assert main(["scenarios", "show", str(renamed)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["id"] == "small"
    assert captured.err == (
        f"note: {renamed}: id = 'small' differs from the file name 'small-copy'; results name "
        "the scenario 'small' (rename the file or the id to match)\n"
    )
    same = scenario_file(small_scenario_text, name="small")
    assert main(["scenarios", "show", str(same)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["scenarios", "show", "kr-national"]) == 0  # a shipped id: its own file
    assert capsys.readouterr().err == ""


def test_project_notes_it_once_and_still_projects(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    renamed = scenario_file(small_scenario_text, name="run-2025")
    out = tmp_path / "x.csv"
    argv = ["project", str(renamed), "--draws", "2", "--resolution", "annual", "--weather",
            "typical", "--start", "2025-06-01", "--end", "2025-06-30", "--quiet", "--out",
            str(out)]  # fmt: skip
    assert main(argv) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "differs from" in line]
    assert notes == [
        f"note: {renamed}: id = 'small' differs from the file name 'run-2025'; results name the "
        "scenario 'small' (rename the file or the id to match)"
    ]
    assert out.is_file()
