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

import numpy as np
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
    assert "backtested 1 year ahead" in note and "models.horizons" in note
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


def _model_with(manifest: dict):
    """The synthetic baseline model (origin 2020) under ``manifest``."""
    from forecast.baseline.model import BaselineModel
    from tests.support.model_artifacts import synthetic_parameters

    return BaselineModel.from_parameters(
        synthetic_parameters(), model_id="grid-x-baseline", version="v7", manifest=manifest
    )


def test_the_note_names_its_own_model_and_its_own_backtest_figures():
    """The note named NSW and Korea, with the horizon check's figures typed in, whatever the
    run's grid: a run on Korea's model read that "NSW's 80 % bands" were too narrow. It names
    the run's model alone, with the backtest its manifest records (years, ex-ante 80 %
    coverage)."""
    from forecast.engine.baseline import bands_horizon_note

    manifest = {"backtest": {"years": [2016, 2017, 2018, 2019, 2020]},
                "metrics": {"ex_ante": {"coverage_80_pct": 81.2345}}}  # fmt: skip
    note = bands_horizon_note(_model_with(manifest), np.array([2021, 2022, 2023]))
    assert note.startswith("baseline 2022-2023 is 2-3 years past grid-x-baseline@v7's origin 2020")
    assert "backtested 1 year ahead" in note
    assert "2016-2020" in note and "81.2 % of hours" in note
    for other in ("NSW", "Korea", "72 %", "39 %", "77-85"):
        assert other not in note, (other, note)
    assert "\n" not in note


def test_a_model_whose_manifest_records_no_backtest_says_so_and_quotes_no_figure():
    from forecast.engine.baseline import bands_horizon_note

    note = bands_horizon_note(_model_with({"metrics": {"mape_pct": 3.0}}), np.array([2025]))
    assert note.startswith("baseline 2025 is 5 years past grid-x-baseline@v7's origin 2020")
    assert "records no backtest" in note
    assert "%" not in note


def test_the_shipped_models_note_quotes_their_manifests(scenario_file, tmp_path, capsys):
    """kr-national-baseline's note quotes its own manifest's ex-ante coverage, not NSW's."""
    model = load_baseline_model(MODEL)
    coverage = model.manifest["metrics"]["ex_ante"]["coverage_80_pct"]
    assert _project(scenario_file, tmp_path, "2027-12-31", "p.csv") == 0
    (note,) = [line for line in capsys.readouterr().out.splitlines() if "models.horizons" in line]
    assert f"{coverage:.1f} % of hours" in note
    assert "NSW" not in note and "au-nsw" not in note


@pytest.mark.parametrize(
    ("scenario", "arguments"),
    [("us-lbnl-2025", []), ("kr-national", ["--no-baseline"])],
    ids=["a study scenario without a model", "--no-baseline"],
)
def test_no_baseline_no_bands_note(tmp_path, capsys, scenario, arguments):
    """Without a baseline there are no bands to caveat: no note, whatever the years."""
    out = tmp_path / "p.csv"
    status = main(["project", scenario, "--draws", "4", "--resolution", "annual",
                   "--weather", "typical", "--start", "2029-01-01", "--end", "2030-12-31",
                   "--out", str(out), *arguments])  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    assert "models.horizons" not in printed and "backtested" not in printed
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text(encoding="utf-8"))
    assert "backtested" not in sidecar["attrs"].get("caveats", "")
