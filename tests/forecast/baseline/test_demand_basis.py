"""What demand the baseline is, said wherever figures are read: a planner drafting Korea's
data-centre chapter compared the KPX market demand the model is trained on (2023 peak 93.6 GW,
facts.csv kr_peak_demand_2023) with the 11th Basic Plan's peak basis (98.3 GW,
kr_peak_demand_11th_plan_base_2023; 100.6 GW with behind-the-meter solar,
kr_peak_demand_incl_btm_solar_2023), and nothing said which basis a figure was on. The shipped
artifacts are signed and cannot carry a new field: the basis comes from the training config's
``[model] demand_basis`` where a manifest has it, else from the shipped models' table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from forecast.baseline.artifacts import SHIPPED_DEMAND_BASES, manifest_demand_basis
from forecast.baseline.model import load_baseline_model
from forecast.cli.project import summary_table
from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.report.html import _provenance
from forecast.scenario import load_scenario

CONFIGS = Path(__file__).resolve().parents[3] / "models" / "configs"


@pytest.mark.parametrize(
    ("model_id", "words"),
    [
        ("kr-national-baseline", ("KPX market demand", "behind-the-meter solar", "PPA")),
        ("au-nsw-baseline", ("AEMO NSW1 operational demand", "excludes rooftop PV")),
    ],
)
def test_each_shipped_model_states_its_demand_basis(model_id, words):
    basis = manifest_demand_basis(load_baseline_model(model_id).manifest)
    assert all(word in basis for word in words), basis
    assert len(basis) < 140  # a short phrase, for a header line


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*.toml")), ids=lambda path: path.name)
def test_the_training_configs_and_the_shipped_table_say_the_same(config):
    """A model retrained from the config carries its basis; the table keeps the signed
    artifacts saying the same until then."""
    model = tomllib.loads(config.read_text(encoding="utf-8"))["model"]
    assert model["demand_basis"] == SHIPPED_DEMAND_BASES[model["id"]]
    manifest = {"model_id": "retrained", "config": {"model": model}}
    assert manifest_demand_basis(manifest) == model["demand_basis"]


def test_an_unknown_model_falls_back_to_its_description_or_says_it_is_not_stated():
    described = {"model_id": "x", "description": "Demand of X (utility sent-out), level x shape"}
    assert manifest_demand_basis(described) == "utility sent-out"
    assert manifest_demand_basis({"model_id": "x"}) == "not stated in the model's manifest"


def test_a_projection_says_its_baseline_demand_basis_where_it_is_read(tmp_path):
    """In the Dataset's attributes, the command line's header, the report's provenance and
    the CSV's .meta.json; a projection without a baseline has none."""
    options = ProjectionOptions(
        draws=8, seed=0, start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31),
        resolution="annual", weather="typical",
    )  # fmt: skip
    dataset = project(load_scenario("kr-gov-gpu-path"), options)
    basis = SHIPPED_DEMAND_BASES["kr-national-baseline"]
    assert dataset.attrs["baseline_demand_basis"] == basis
    assert f"baseline demand basis: {basis}" in summary_table(dataset).splitlines()[:4]
    assert "baseline_demand_basis" in _provenance(dataset, compared=False)
    written = export.write(dataset, tmp_path / "p.csv")
    meta = json.loads(Path(f"{written}.meta.json").read_text(encoding="utf-8"))
    assert meta["attrs"]["baseline_demand_basis"] == basis
    alone = project(
        load_scenario("kr-gov-gpu-path"),
        dataclasses.replace(options, include_baseline=False),
    )
    assert "baseline_demand_basis" not in alone.attrs
    assert "demand basis" not in summary_table(alone)
