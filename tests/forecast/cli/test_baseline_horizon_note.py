"""``forecast project`` says when its years run past what the baseline's bands were checked
for (a utility load forecaster: a 2026 NSW band 6 years past the model's 2020 origin read
±2.8 % of energy while the horizon check shows errors of 5-8 % there, and nothing said so)."""

from __future__ import annotations

import pytest

from forecast.baseline.model import load_baseline_model
from forecast.cli import main
from tests.conftest import SMALL_SCENARIO


@pytest.mark.parametrize(("end", "noted"), [("2025-12-31", False), ("2027-12-31", True)])
def test_a_projection_past_a_year_after_the_origin_says_so(scenario_file, tmp_path, capsys,
                                                           end, noted):  # fmt: skip
    model = load_baseline_model("kr-national-baseline")
    assert model.level.origin_year == 2024  # 2025 is one year ahead: backtested
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "8",
                   "--baseline-model", "kr-national-baseline", "--resolution", "annual",
                   "--start", "2025-01-01", "--end", end, "--weather", "typical",
                   "--out", str(tmp_path / "p.csv")])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    notes = [line for line in out.splitlines() if "models.horizons" in line]
    if not noted:
        assert notes == []
        return
    assert len(notes) == 1 and notes[0].startswith("note: baseline 2026-2027 is 2-3 years past ")
    assert "kr-national-baseline@" in notes[0] and "origin 2024" in notes[0]
    assert "backtested 1 year ahead" in notes[0]
