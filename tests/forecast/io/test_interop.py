"""The tidy table as other tools read it: one type per column in every format (interop
review, finding 6)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq

from forecast.cli import main
from forecast.io import export

#: The columns of whole numbers (a duration band's first rank, the peak-hour calendar's month
#: and hour, a draw).
WHOLE_NUMBERS = ("duration_hours_from", "month_of_year", "hour_of_day", "draw", "duration_draw")


def test_whole_number_columns_are_integers_in_every_format(
    scenario_file, small_scenario_text, tmp_path
):
    """``draw``, ``duration_draw``, ``duration_hours_from``, ``month_of_year`` and
    ``hour_of_day`` were double in Parquet and ``float64`` in ``dtypes``: nullable integers
    now, the CSV's text as it was (``3``, or empty)."""
    common = ["project", str(scenario_file(small_scenario_text)), "--draws", "4", "--quiet",
              "--weather", "typical", "--start", "2025-01-01", "--end", "2025-12-31",
              "--resolution", "annual", "--per-draw", "--duration-curves",
              "--duration-draws", "3"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "p.parquet")]) == 0
    assert main([*common, "--out", str(tmp_path / "p.csv")]) == 0
    schema = pq.read_schema(tmp_path / "p.parquet")
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text())
    for column in WHOLE_NUMBERS:
        assert str(schema.field(column).type) == "int64", column
        assert sidecar["dtypes"][column] == "Int64", column
    csv = export.read_table(tmp_path / "p.csv")
    parquet = export.read_table(tmp_path / "p.parquet")
    for column in WHOLE_NUMBERS:
        assert csv[column].dtype == parquet[column].dtype == "Int64", column
        pd.testing.assert_series_equal(csv[column], parquet[column])
        assert csv[column].notna().any() and csv[column].isna().any()
    # The CSV writes whole numbers without a decimal point, as it did as float64.
    text = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False)
    for column in WHOLE_NUMBERS:
        written = text[column][text[column] != ""]
        assert written.str.fullmatch(r"\d+").all(), column
