"""Parquet beside CSV and NetCDF: the same tidy table, its provenance inside the file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from forecast.cli import main
from forecast.io import export


def test_project_to_parquet_equals_the_csv(scenario_file, small_scenario_text, tmp_path, capsys):
    scenario = scenario_file(small_scenario_text)
    common = ["project", str(scenario), "--draws", "16", "--weather", "typical", "--quiet",
              "--start", "2025-06-01", "--end", "2025-06-30", "--per-draw"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "p.csv")]) == 0
    assert main([*common, "--out", str(tmp_path / "p.parquet")]) == 0
    assert main([*common, "--out", str(tmp_path / "q.bin"), "--format", "parquet"]) == 0
    capsys.readouterr()
    csv = pd.read_csv(tmp_path / "p.csv")
    parquet = pd.read_parquet(tmp_path / "p.parquet")
    # Its draws (per_draw) and its announced site: site rows (its region has no limit) and the
    # site's AI load (site_energy_twh).
    site = ["site", *export.SITE_COORDINATE_COLUMNS]
    assert list(parquet.columns) == [*export.CSV_COLUMNS, export.LOCAL_TIME_COLUMN, *site, "draw"]
    assert list(csv.columns) == [c for c in parquet.columns if c != export.LOCAL_TIME_COLUMN]
    assert len(csv) == len(parquet)
    for column in ("variable", "region", "resolution", "period_start", "unit"):
        assert (csv[column].fillna("") == parquet[column].fillna("")).all(), column
    # CSV keeps 9 significant digits; Parquet the float64 itself.
    np.testing.assert_allclose(csv["value"], parquet["value"], rtol=1e-8, equal_nan=True)
    per_draw = parquet[parquet["variable"] == "ai_energy_twh_per_draw"]
    assert sorted(per_draw["draw"].unique()) == list(range(16))
    assert per_draw["quantile"].isna().all()

    csv_meta = json.loads((tmp_path / "p.csv.meta.json").read_text())
    parquet_meta = export.read_table_metadata(tmp_path / "p.parquet")
    # The same but for the column Parquet alone has.
    assert parquet_meta["columns"] == list(parquet.columns)
    assert parquet_meta | {"columns": csv_meta["columns"]} == csv_meta
    assert not (tmp_path / "p.parquet.meta.json").exists()
    assert pq.read_schema(tmp_path / "q.bin").metadata[export.PARQUET_METADATA_KEY]


def test_unknown_table_format_is_one_line(scenario_file, small_scenario_text, tmp_path, capsys):
    scenario = scenario_file(small_scenario_text)
    out = tmp_path / "p.xlsx"
    assert main(["project", str(scenario), "--out", str(out), "--format", "excel"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --format = 'excel': allowed: csv, netcdf, parquet"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("timezone", "start", "end"),
    [
        ("Asia/Seoul", "2024-01-01", "2035-12-31 23:00"),
        ("Australia/Sydney", "2010-01-01", "2012-12-31 23:00"),  # daylight saving time
        ("America/Santiago", "1969-01-01", "1971-12-31 23:00"),  # before 1970, offset < 0
        ("Asia/Kolkata", "2024-01-01", "2024-12-31 23:00"),  # +05:30
        ("America/St_Johns", "2024-01-01", "2024-12-31 23:00"),  # -03:30, -02:30
    ],
)
def test_local_iso_labels_are_pandas_own_iso_strings(timezone, start, end):
    times = pd.date_range(start, end, freq="h", tz=timezone)
    expected = [stamp.isoformat(timespec="minutes") for stamp in times]
    labels = export.local_iso(times)
    assert labels.dtype == np.dtype("<U22")
    assert labels.tolist() == expected
