"""``forecast compare --id-columns`` and ``forecast sweep --id-columns``: the run's ids lead
every row, before its ``scenario`` or ``variant`` (report-interop 2; the data lake's review).

Both refused the option (no such option), so a comparison's or a sweep's rows appended into
one warehouse table had no seed, digest or build to tell two runs apart: the metadata held
them, and a multi-file Parquet dataset keeps only the first file's."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.cli import main
from forecast.io.export import ID_COLUMNS, read_table
from forecast.provenance import code_version
from tests.conftest import SMALL_SCENARIO

PERIOD = ["--draws", "4", "--no-baseline", "--weather", "typical", "--resolution", "annual",
          "--start", "2025-01-01", "--end", "2025-12-31", "--quiet"]  # fmt: skip


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_comparisons_rows_start_with_the_ids_and_each_scenarios_digest(
    scenario_file, tmp_path, suffix
):
    first = scenario_file(SMALL_SCENARIO, "small")
    second = scenario_file(SMALL_SCENARIO.replace('id = "small"', 'id = "other"'), "other")
    out = tmp_path / f"cmp.{suffix}"
    arguments = ["compare", str(first), str(second), *PERIOD, "--seed", "7", "--no-duration-curves"]
    assert main([*arguments, "--out", str(out), "--id-columns"]) == 0
    frame = read_table(out)
    assert list(frame.columns[: len(ID_COLUMNS) + 2]) == [*ID_COLUMNS, "scenario", "variable"]
    meta = (
        json.loads(pq.read_schema(out).metadata[b"forecast"])
        if suffix == "parquet"
        else json.loads((tmp_path / "cmp.csv.meta.json").read_text(encoding="utf-8"))
    )
    digests = {entry["scenario"]: entry["scenario_sha256"] for entry in meta["scenarios"]}
    assert digests["small"] != digests["other"]
    per_scenario = frame.groupby("scenario")["scenario_sha256"].unique().map(list).to_dict()
    assert per_scenario == {label: [digest] for label, digest in digests.items()}
    assert set(frame["scenario_id"]) == {"small,other"}
    assert set(frame["seed"]) == {7} and set(frame["draws"]) == {4}
    assert frame["seed"].dtype == "int64"
    assert set(frame["code_version"]) == {code_version()}
    assert meta["columns"][: len(ID_COLUMNS) + 1] == [*ID_COLUMNS, "scenario"]
    # Without the option, the table is as it was.
    plain = tmp_path / f"plain.{suffix}"
    assert main([*arguments, "--out", str(plain)]) == 0
    table = read_table(plain)
    assert table.columns[0] == "scenario" and not set(ID_COLUMNS) & set(table.columns)
    pd.testing.assert_frame_equal(frame.drop(columns=list(ID_COLUMNS)), table)


def test_a_comparison_to_netcdf_refuses_the_ids_in_one_line(scenario_file, tmp_path, capsys):
    first = scenario_file(SMALL_SCENARIO, "small")
    second = scenario_file(SMALL_SCENARIO.replace('id = "small"', 'id = "other"'), "other")
    out = tmp_path / "cmp.nc"
    assert main(["compare", str(first), str(second), *PERIOD, "--out", str(out),
                 "--id-columns"]) == 2  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    for said in ("--id-columns", "cmp.nc", "allowed: a .csv or .parquet"):
        assert said in error
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_sweeps_rows_start_with_each_variants_ids(client, small, tmp_path, suffix):
    """A varied seed is each variant's own, in the id column ``seed`` (not again after
    ``variant``); each variant's scenario has its own digest."""
    path, _ = small
    out = tmp_path / f"sweep.{suffix}"
    address = client.scheduler_info()["address"]
    arguments = ["sweep", str(path), "--vary", "operations.pue=1.2,1.4", "--vary", "seed=5,6",
                 "--scheduler", address, *PERIOD]  # fmt: skip
    assert main([*arguments, "--out", str(out), "--id-columns"]) == 0
    frame = read_table(out)
    assert list(frame.columns[: len(ID_COLUMNS) + 3]) == [
        *ID_COLUMNS, "variant", "operations.pue", "variable",
    ]  # fmt: skip
    assert list(frame.columns).count("seed") == 1
    assert frame["seed"].dtype == "int64"
    settings = frame.groupby("variant")[["operations.pue", "seed", "scenario_sha256"]].first()
    assert settings["operations.pue"].tolist() == [1.2, 1.2, 1.4, 1.4]
    assert settings["seed"].tolist() == [5, 6, 5, 6]
    assert frame.groupby("variant")["seed"].nunique().eq(1).all()
    # The digest is the scenario's: the seed is an option, the PUE is in the scenario.
    digests = settings["scenario_sha256"].tolist()
    assert digests[0] == digests[1] != digests[2] == digests[3]
    assert set(frame["scenario_id"]) == {"small"}
    assert set(frame["draws"]) == {4}
    assert set(frame["code_version"]) == {code_version()}
    if suffix == "parquet":
        assert pq.read_schema(out).field("seed").type == pa.int64()
    plain = tmp_path / f"plain.{suffix}"
    assert main([*arguments, "--out", str(plain)]) == 0
    table = read_table(plain)
    assert list(table.columns[:3]) == ["variant", "operations.pue", "seed"]
    assert not {"scenario_id", "scenario_sha256", "draws", "code_version"} & set(table.columns)
