"""The multi-horizon check's command line refuses a bad --origins in one line (status 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.horizons import main

CONFIG = Path(__file__).resolve().parents[2] / "models" / "configs" / "au-nsw.toml"


@pytest.mark.parametrize("origins", ["abc", "2019-2013", "2013-2021"])
def test_bad_origins_are_one_line_and_status_2(origins, capsys):
    assert main(["--config", str(CONFIG), "--origins", origins]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: --origins = '{origins}': allowed: FIRST-LAST, years 2010..")
    assert "\n" not in error
