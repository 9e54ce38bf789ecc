"""Reading a tidy table back: each column with one dtype, and no pandas warning.

The quick start's ``kr.csv`` (kr-national, annual) leaves the site columns empty in the rows of
national figures; a plain ``pd.read_csv`` guesses each 65,536-row chunk's types on its own and
warned "Columns (9: site_status, ...) have mixed types" (DtypeWarning) to a planner loading it.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from forecast.cli import main
from forecast.errors import OptionsError
from forecast.io import export


@pytest.fixture(scope="module")
def kr_national_csv(tmp_path_factory):
    """The quick start's table, ``forecast project kr-national --resolution annual``, with 20
    draws (its rows do not depend on the draws: 72,441 of them, 58,677 the sites')."""
    out = tmp_path_factory.mktemp("kr") / "kr.csv"
    argv = ["project", "kr-national", "--draws", "20", "--resolution", "annual", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def test_the_quick_starts_table_reads_back_without_a_warning(kr_national_csv):
    # The table is one that a plain read_csv warns about, else this test would prove nothing.
    with pytest.warns(pd.errors.DtypeWarning, match="site_status"):
        guessed = pd.read_csv(kr_national_csv)
    sidecar = json.loads(kr_national_csv.with_name("kr.csv.meta.json").read_text())
    assert sidecar["dtypes"] == export.column_dtypes(guessed.columns)
    assert list(sidecar["dtypes"]) == list(guessed.columns)  # every column declared
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = export.read_table(kr_national_csv)
        # What a planner without the package does: the .meta.json's dtypes.
        planners = pd.read_csv(kr_national_csv, dtype=sidecar["dtypes"])
    pd.testing.assert_frame_equal(table, planners)
    pd.testing.assert_frame_equal(table, guessed, check_dtype=False)
    assert table["site_status"].notna().sum() == guessed["site_status"].notna().sum() > 0
    assert table["value"].dtype == "float64"
    assert table["quantile"].dtype == "float64"


def test_a_parquet_table_reads_as_written(scenario_file, small_scenario_text, tmp_path):
    common = ["project", str(scenario_file(small_scenario_text)), "--draws", "4", "--quiet",
              "--weather", "typical", "--start", "2025-06-01", "--end", "2025-06-03"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "p.parquet")]) == 0
    assert main([*common, "--out", str(tmp_path / "p.csv")]) == 0
    parquet = export.read_table(tmp_path / "p.parquet")
    pd.testing.assert_frame_equal(parquet, pd.read_parquet(tmp_path / "p.parquet"))
    csv = export.read_table(tmp_path / "p.csv")
    # Parquet alone adds the local wall clock as a typed time.
    assert list(csv.columns) == [c for c in parquet.columns if c != export.LOCAL_TIME_COLUMN]


def test_reading_a_netcdf_file_as_a_table_is_one_line(tmp_path):
    with pytest.raises(OptionsError) as error:
        export.read_table(tmp_path / "p.nc")
    assert str(error.value) == (
        f"path = {str(tmp_path / 'p.nc')!r}: a NetCDF file holds a Dataset, not a table; "
        "allowed: a .csv or .parquet file (open a .nc with xarray.open_dataset)"
    )
