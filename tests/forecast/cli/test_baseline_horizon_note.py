"""``forecast project`` says when its years run past what the baseline's bands were checked
for (a utility load forecaster: a 2026 NSW band 6 years past the model's 2020 origin read
±2.8 % of energy while the horizon check shows errors of 5-8 % there, and nothing said so).

The note was printed on the terminal only: no file, API answer or report carried it, so a
P10-P90 band read downstream had no hint that it may hold 40 % of outcomes (report-interop 3).
It is a caveat of the run, kept after the scenario's own in ``caveats``."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from html import escape

import pyarrow.parquet as pq
import pytest
import xarray as xr

from forecast.baseline.model import load_baseline_model
from forecast.cli import main
from forecast.engine.dataset import scenario_digest
from forecast.io.export import PARQUET_METADATA_KEY
from forecast.projection import ProjectionOptions
from forecast.report import html
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO

MODEL = "kr-national-baseline"


def _project(scenario_file, tmp_path, end: str, out: str) -> int:
    return main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "8",
                 "--baseline-model", MODEL, "--resolution", "annual",
                 "--start", "2025-01-01", "--end", end, "--weather", "typical",
                 "--out", str(tmp_path / out)])  # fmt: skip


@pytest.mark.parametrize(("end", "noted"), [("2025-12-31", False), ("2027-12-31", True)])
def test_a_projection_past_a_year_after_the_origin_says_so(scenario_file, tmp_path, capsys,
                                                           end, noted):  # fmt: skip
    model = load_baseline_model(MODEL)
    assert model.level.origin_year == 2024  # 2025 is one year ahead: backtested
    assert _project(scenario_file, tmp_path, end, "p.csv") == 0
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "models.horizons" in line]
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text(encoding="utf-8"))
    if not noted:
        assert notes == []
        assert "caveats" not in sidecar["attrs"]
        return
    assert len(notes) == 1 and notes[0].startswith("caveat: baseline 2026-2027 is 2-3 years past ")
    assert f"{MODEL}@" in notes[0] and "origin 2024" in notes[0]
    assert "backtested 1 year ahead" in notes[0]
    assert json.loads(sidecar["attrs"]["caveats"]) == [notes[0].removeprefix("caveat: ")]


def test_every_file_carries_the_note_and_the_scenario_digest_does_not_change(
    scenario_file, tmp_path, capsys
):
    """The CSV's sidecar, the Parquet footer and the NetCDF attributes all hold it; the
    scenario's digest is the same with the note as without (a run's caveat is not the
    scenario's)."""
    assert _project(scenario_file, tmp_path, "2025-12-31", "plain.csv") == 0
    for out in ("p.csv", "p.parquet", "p.nc"):
        assert _project(scenario_file, tmp_path, "2027-12-31", out) == 0
    capsys.readouterr()
    metadata = json.loads(pq.read_schema(tmp_path / "p.parquet").metadata[PARQUET_METADATA_KEY])
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text(encoding="utf-8"))
    with xr.open_dataset(tmp_path / "p.nc") as dataset:
        netcdf = str(dataset.attrs["caveats"])
    for attrs in (metadata["attrs"], sidecar["attrs"]):
        assert attrs["caveats"] == netcdf
    (note,) = json.loads(netcdf)
    assert "too narrow from 2 years ahead" in note
    plain = json.loads((tmp_path / "plain.csv.meta.json").read_text(encoding="utf-8"))
    digest = scenario_digest(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"))
    assert plain["attrs"]["scenario_sha256"] == sidecar["attrs"]["scenario_sha256"] == digest


def test_the_report_lists_the_note_among_the_caveats():
    options = ProjectionOptions(
        draws=4, seed=0, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
        weather="typical", duration_draws=4, baseline_model=MODEL,
    )  # fmt: skip
    scenario = parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small")
    text = html.build_report([scenario], options)
    assert 'id="caveats-title"' in text
    listed = text[text.index('id="caveats-title"') :]
    assert escape("baseline 2026 is 2 years past ") in listed.split("</aside>")[0]
