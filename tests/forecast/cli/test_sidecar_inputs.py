"""``forecast project --out``: the table's metadata carries the scenario's inputs, so that a CSV
handed on alone says where its figures come from (a provincial planner's L1: the
``.meta.json`` held the digest, seed and weather, but no facts.csv key or assumption)."""

from __future__ import annotations

import json
import tomllib

import pytest
import xarray as xr

from forecast.cli import main
from forecast.io.export import read_table_metadata
from forecast.report.inputs import assumption_rows, input_table
from forecast.scenario import parse_scenario


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_table_metadata_holds_every_input_with_its_source(
    scenario_file, small_scenario_text, tmp_path, capsys, suffix
):
    text = small_scenario_text.replace(
        'pue = { dist = "uniform", low = 1.2, high = 1.4 }',
        'pue = { dist = "uniform", low = 1.2, high = 1.4, source = "facts.csv:pue_test" }\n'
        'inference_share = [{ date = 2024-01-01, dist = "fixed", value = 0.4 }, '
        '{ date = 2030-01-01, dist = "fixed", value = 0.6, source = "test trend" }]',
    )
    out = tmp_path / f"small{suffix}"
    code = main(["project", str(scenario_file(text)), "--out", str(out), "--draws", "4",
                 "--resolution", "annual", "--weather", "typical", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    inputs = read_table_metadata(out)["inputs"]
    assert inputs["operations.pue"] == {
        "value": "uniform(1.2, 1.4)",
        "source": "facts.csv:pue_test",
    }
    assert inputs["operations.load_factor"]["value"] == "triangular(low 0.6, mode 0.7, high 0.8)"
    default = inputs["operations.lifetime_years (default)"]
    assert default["value"].startswith("triangular(") and default["source"]
    # A trend's points say from when each holds (the report's table left the date out).
    assert inputs["operations.inference_share[1]"] == {
        "value": "from 2030-01-01: 0.6 (fixed)",
        "source": "test trend",
    }
    # The report's "Every assumption" rows, keyed by where each input is.
    rows = assumption_rows(parse_scenario(tomllib.loads(text), origin="small"))
    assert list(inputs) == [row.where for row in rows]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_comparison_table_holds_each_scenarios_inputs(
    scenario_file, small_scenario_text, tmp_path, capsys, suffix
):
    """``forecast compare``'s sidecar had no input table, where ``forecast project``'s had one
    (a Jeollanam-do planner's finding 3): each scenario's entry carries its own."""
    south_text = (
        small_scenario_text.replace('id = "small"', 'id = "south"')
        .replace(
            "region_shares = { capital = 0.75, non_capital = 0.25 }",
            "region_shares = { capital = 0.25, non_capital = 0.75 }",
        )
        .replace("low = 1.2, high = 1.4", "low = 1.2, high = 1.5")
    )
    out = tmp_path / f"cmp{suffix}"
    files = [str(scenario_file(small_scenario_text)), str(scenario_file(south_text, "south"))]
    options = ["--draws", "4", "--weather", "typical", "--no-duration-curves", "--no-baseline"]
    code = main(["compare", *files, "--out", str(out), *options, "--quiet"])
    assert code == 0, capsys.readouterr().err
    entries = {entry["scenario"]: entry for entry in read_table_metadata(out)["scenarios"]}
    for scenario_id, text in (("small", small_scenario_text), ("south", south_text)):
        expected = input_table(parse_scenario(tomllib.loads(text), origin=scenario_id))
        assert entries[scenario_id]["inputs"] == expected
    assert entries["south"]["inputs"]["operations.pue"]["value"] == "uniform(1.2, 1.5)"


def test_a_sweep_table_holds_each_variants_inputs(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    """``forecast sweep``'s sidecar had no input table either: each variant's entry carries
    its own, the varied value in it (the variants run on a real one-worker Dask cluster)."""
    out = tmp_path / "sweep.csv"
    options = ["--draws", "4", "--resolution", "annual", "--weather", "typical", "--no-baseline",
               "--workers", "1"]  # fmt: skip
    vary = ["--vary", "operations.pue=1.2,1.4"]
    code = main(["sweep", str(scenario_file(small_scenario_text)), *vary, "--out", str(out),
                 *options, "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    variants = read_table_metadata(out)["variants"]
    assert [v["inputs"]["operations.pue"]["value"] for v in variants] == [
        "1.2 (fixed)",
        "1.4 (fixed)",
    ]
    base = input_table(parse_scenario(tomllib.loads(small_scenario_text), origin="small"))
    assert variants[0]["inputs"].keys() == base.keys()


def test_a_netcdf_file_holds_the_inputs_its_csv_sidecar_holds(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    """A NetCDF projection carried no input and no source, where the CSV's ``.meta.json`` and
    Parquet's metadata list every input (a source auditor's M1): its global attribute
    ``inputs`` holds the same table, as JSON text."""
    options = ["--draws", "4", "--resolution", "annual", "--weather", "typical", "--quiet"]
    for name in ("small.csv", "small.nc"):
        out = tmp_path / name
        code = main(["project", str(scenario_file(small_scenario_text)), "--out", str(out),
                     *options])  # fmt: skip
        assert code == 0, capsys.readouterr().err
    sidecar = read_table_metadata(tmp_path / "small.csv")
    with xr.open_dataset(tmp_path / "small.nc", engine="h5netcdf") as dataset:
        attrs = dict(dataset.attrs)
    assert json.loads(attrs["inputs"]) == sidecar["inputs"]
    # Everything else the sidecar says is in the file too: the attributes (but the run's
    # time) and the spread drivers, as variables.
    attrs.pop("inputs")
    assert {k for k in sidecar["attrs"] if k not in ("created", "created_utc")} <= set(attrs)


def test_a_netcdf_comparison_holds_each_scenarios_inputs(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    south_text = small_scenario_text.replace('id = "small"', 'id = "south"').replace(
        "low = 1.2, high = 1.4", "low = 1.2, high = 1.5"
    )
    out = tmp_path / "cmp.nc"
    files = [str(scenario_file(small_scenario_text)), str(scenario_file(south_text, "south"))]
    options = ["--draws", "4", "--weather", "typical", "--no-duration-curves", "--no-baseline"]
    code = main(["compare", *files, "--out", str(out), *options, "--quiet"])
    assert code == 0, capsys.readouterr().err
    with xr.open_dataset(out, engine="h5netcdf") as dataset:
        inputs = json.loads(dataset.attrs["inputs"])
    assert list(inputs) == ["small", "south"]
    for scenario_id, text in (("small", small_scenario_text), ("south", south_text)):
        expected = input_table(parse_scenario(tomllib.loads(text), origin=scenario_id))
        assert inputs[scenario_id] == expected


def test_a_grid_export_holds_the_inputs_a_projection_sidecar_holds(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    """``forecast export-grid --format netcdf`` wrote no input table, where ``forecast project``
    's NetCDF and CSV sidecar carry one (a source auditor): export.nc's global attribute
    ``inputs`` and export.json's ``inputs`` hold the projection sidecar's table, as JSON text
    and as data."""
    scenario = str(scenario_file(small_scenario_text))
    code = main(["project", scenario, "--out", str(tmp_path / "small.csv"), "--draws", "4",
                 "--resolution", "annual", "--weather", "typical", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    out = tmp_path / "grid"
    code = main(["export-grid", scenario, "--format", "netcdf", "--random", "1", "--sample", "2",
                 "--start", "2025-07-01", "--end", "2025-07-07", "--out", str(out),
                 "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    expected = read_table_metadata(tmp_path / "small.csv")["inputs"]
    with xr.open_dataset(out / "export.nc", engine="h5netcdf") as cube:
        assert json.loads(cube.attrs["inputs"]) == expected
    assert json.loads((out / "export.json").read_text())["inputs"] == expected
