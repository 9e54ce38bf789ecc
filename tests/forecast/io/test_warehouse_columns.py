"""What a warehouse loading many runs needs of the tidy table (report-interop 2 and 4).

Two runs appended into one table could not be told apart (no scenario id, digest, seed or
build in the rows; a multi-file Parquet dataset keeps the first file's metadata alone):
``--id-columns`` starts every row with them. And Parquet's one typed time was UTC, so
``year(period_start_utc)`` of a Seoul annual row "2025" was 2024: Parquet also holds the
wall clock, ``period_start_local``."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from forecast.cli import main
from forecast.io.export import ID_COLUMNS, LOCAL_TIME_COLUMN, read_table
from tests.conftest import SMALL_SCENARIO


def _project(path, out, *more: str) -> int:
    return main(["project", str(path), "--draws", "4", "--no-baseline",
                 "--resolution", "annual", "--weather", "typical", "--quiet",
                 "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(out),
                 *more])  # fmt: skip


def test_two_appended_runs_are_told_apart_by_their_id_columns(scenario_file, tmp_path):
    path = scenario_file(SMALL_SCENARIO)
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}.parquet"
        assert _project(path, out, "--seed", seed, "--id-columns") == 0
    table = ds.dataset([tmp_path / "seed1.parquet", tmp_path / "seed2.parquet"]).to_table()
    assert table.column_names[: len(ID_COLUMNS)] == list(ID_COLUMNS)
    assert table.schema.field("seed").type == pa.int64()
    assert sorted(pc.unique(table["seed"]).to_pylist()) == [1, 2]
    assert pc.unique(table["scenario_id"]).to_pylist() == ["small"]
    assert pc.unique(table["draws"]).to_pylist() == [4]
    meta = pq.read_schema(tmp_path / "seed1.parquet").metadata[b"forecast"]
    attrs = json.loads(meta)["attrs"]
    first = table.slice(0, 1).to_pylist()[0]
    for name in ("scenario_sha256", "code_version"):
        assert first[name] == attrs[name]
    # One row per run of each place: the id columns tell the two apart.
    frame = table.to_pandas()
    median = frame[(frame["variable"] == "ai_energy_twh") & (frame["quantile"] == 0.5)]
    assert sorted(median["seed"]) == [1, 2]


def test_a_csv_with_id_columns_reads_back_typed(scenario_file, tmp_path):
    out = tmp_path / "p.csv"
    assert _project(scenario_file(SMALL_SCENARIO), out, "--seed", "3", "--id-columns") == 0
    frame = read_table(out)
    assert list(frame.columns[: len(ID_COLUMNS)]) == list(ID_COLUMNS)
    assert frame["seed"].dtype == "int64" and set(frame["seed"]) == {3}
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text(encoding="utf-8"))
    assert sidecar["columns"][: len(ID_COLUMNS)] == list(ID_COLUMNS)
    assert sidecar["attrs"]["id_columns"] == ",".join(ID_COLUMNS)


def test_without_the_option_the_table_is_as_it_was(scenario_file, tmp_path):
    out = tmp_path / "p.csv"
    assert _project(scenario_file(SMALL_SCENARIO), out) == 0
    header = pd.read_csv(out, nrows=0).columns
    assert header[0] == "variable"
    assert not set(ID_COLUMNS) & set(header)
    assert LOCAL_TIME_COLUMN not in header  # the CSV's period_start text holds the wall clock


def test_id_columns_for_a_netcdf_file_are_refused_in_one_line(scenario_file, tmp_path, capsys):
    out = tmp_path / "p.nc"
    assert _project(scenario_file(SMALL_SCENARIO), out, "--id-columns") == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1, error
    for said in ("--id-columns", "p.nc", "allowed: a .csv or .parquet"):
        assert said in error
    assert not out.exists()


@pytest.mark.parametrize("resolution", ["annual", "monthly"])
def test_parquet_holds_the_local_wall_clock_of_a_seoul_row(scenario_file, tmp_path,
                                                            resolution):  # fmt: skip
    """A Seoul (UTC+9) annual row "2025" starts at 2024-12-31 15:00 UTC: its local year is
    2025, its local month January."""
    out = tmp_path / "p.parquet"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--resolution", resolution, "--weather", "typical",
                   "--quiet", "--start", "2025-01-01", "--end", "2025-12-31",
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    table = pq.read_table(out)
    names = table.column_names
    assert names.index(LOCAL_TIME_COLUMN) == names.index("period_start_utc") + 1
    assert table.schema.field(LOCAL_TIME_COLUMN).type == pa.timestamp("us")
    rows = table.filter(pc.equal(table["variable"], "ai_energy_twh")).to_pandas()
    assert set(rows["period_start_utc"].dt.year) == {2024}
    assert set(rows[LOCAL_TIME_COLUMN].dt.year) == {2025}
    assert set(rows[LOCAL_TIME_COLUMN].dt.month) == {1}
    every = table.to_pandas()
    wall = every[LOCAL_TIME_COLUMN].dt.strftime("%Y-%m-%dT%H:%M")
    assert (wall == every["period_start"].str[:16]).all()
    metadata = json.loads(pq.read_schema(out).metadata[b"forecast"])
    assert metadata["columns"] == names
