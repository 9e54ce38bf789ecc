"""The tidy table as other tools read it: DuckDB's CSV sniffer, and one type per column in
every format (interop review, findings 1 and 6).

DuckDB's ``read_csv_auto`` failed on kr-outlook's annual CSV: its first 24,000 rows are national
figures with empty site columns, so the sniffer saw no quote in its sample, chose none, and
split a quoted site name at its comma ("Expected Number of Columns: 12 Found: 13").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars
import pyarrow.parquet as pq
import pytest

from forecast.cli import main
from forecast.io import csvtext, export
from tests.conftest import LATE_FLEET_SCENARIO

#: A site name with a comma and a quote, which the CSV must quote.
SITE = 'Campus "A", phase 1'
#: The columns of whole numbers (a duration band's first rank, the peak-hour calendar's month
#: and hour, a draw).
WHOLE_NUMBERS = ("duration_hours_from", "month_of_year", "hour_of_day", "draw", "duration_draw")
#: National rows before the first site's row: more than DuckDB's sample (20,480 lines).
NATIONAL_ROWS = 30_000


def _sparse_site_table() -> pd.DataFrame:
    """A tidy table whose first :data:`NATIONAL_ROWS` rows leave the site columns empty, then
    one site's row, as kr-outlook's annual table is laid out."""
    national = pd.DataFrame(
        {
            "variable": "total_mw",
            "region": "national",
            "resolution": "hourly",
            "period_start": "2030-01-01T00:00+09:00",
            "quantile": 0.5,
            "value": np.arange(NATIONAL_ROWS) + 0.5,
            "unit": "MW",
            "period_start_utc": "2029-12-31T15:00Z",
            "site": pd.Series([None] * NATIONAL_ROWS, dtype=object),
            "site_status": pd.Series([None] * NATIONAL_ROWS, dtype=object),
        }
    )
    site = pd.DataFrame(
        {
            **{column: [national[column].iloc[0]] for column in national.columns},
            "variable": ["site_energy_twh"],
            "value": [1.25],
            "unit": ["TWh"],
            "site": [SITE],
            "site_status": ["planned"],
        }
    )
    return pd.concat([national, site], ignore_index=True)


def test_duckdb_reads_a_csv_whose_first_rows_leave_the_site_empty(tmp_path):
    path = export.write_table(_sparse_site_table(), tmp_path / "t.csv", "csv", {})
    relation = duckdb.sql(f"SELECT * FROM read_csv_auto('{path}')")
    assert relation.columns == list(_sparse_site_table().columns)
    rows = duckdb.sql(
        f"SELECT site, site_status, value FROM read_csv_auto('{path}') WHERE site IS NOT NULL"
    ).fetchall()
    assert rows == [(SITE, "planned", 1.25)]
    assert duckdb.sql(f"SELECT count(*) FROM read_csv_auto('{path}')").fetchall() == [
        (NATIONAL_ROWS + 1,)
    ]
    # pandas reads the quoted header as the names it quotes.
    assert list(pd.read_csv(path, nrows=0).columns) == list(_sparse_site_table().columns)


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
    # The CSV writes whole numbers without a decimal point, as it did as float64; a float
    # column's whole numbers have one.
    text = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False)
    for column in WHOLE_NUMBERS:
        written = text[column][text[column] != ""]
        assert written.str.fullmatch(r"\d+").all(), column
    assert text["value"].str.fullmatch(r"-?\d+").sum() == 0


#: Hours of 2025, the late fleet's year without AI load, times the five default quantiles:
#: rows of 0.0 before the first AI load, more than DuckDB's sample of 20,480 lines.
ZERO_ROWS = 8760 * 5


@pytest.fixture(scope="module")
def late_fleet_csv(tmp_path_factory):
    """``forecast project`` of :data:`~tests.conftest.LATE_FLEET_SCENARIO`'s hourly AI load,
    2025-2026, as CSV: its first :data:`ZERO_ROWS` values are 0, then the load grows."""
    folder = tmp_path_factory.mktemp("late")
    scenario = folder / "small.toml"
    scenario.write_text(LATE_FLEET_SCENARIO, encoding="utf-8")
    out = folder / "late.csv"
    command = ["project", str(scenario), "--draws", "4", "--weather", "typical", "--quiet",
               "--resolution", "hourly", "--variables", "ai_facility_mw",
               "--out", str(out)]  # fmt: skip
    assert main(command) == 0
    return out


def test_duckdb_reads_a_float_column_that_starts_with_whole_numbers_as_double(late_fleet_csv):
    """Written ``%.9g``, the 43,800 zeros of 2025 were ``0``: DuckDB's ``read_csv_auto``
    guessed BIGINT from its sample and read 2026's 0.905576631 MW as 1 (a polars read failed
    on it). Written ``0.0``, ``value`` is DOUBLE and 2026's loads are read as written
    (numfmt review, finding a)."""
    expected = export.read_table(late_fleet_csv)["value"].to_numpy()
    # The case: zeros first, beyond DuckDB's sample, then loads that are no whole numbers.
    assert (expected[:ZERO_ROWS] == 0).all()
    assert expected[ZERO_ROWS:].min() > 0 and (expected[ZERO_ROWS:] % 1 != 0).all()
    described = duckdb.sql(f"DESCRIBE SELECT * FROM read_csv_auto('{late_fleet_csv}')")
    types = {name: kind for name, kind, *_ in described.fetchall()}
    assert types["value"] == types["quantile"] == "DOUBLE"
    read = duckdb.sql(f"SELECT value FROM read_csv_auto('{late_fleet_csv}')").fetchnumpy()
    np.testing.assert_array_equal(read["value"], expected)
    text = pd.read_csv(late_fleet_csv, dtype=str, keep_default_na=False)["value"]
    assert (text[:ZERO_ROWS] == "0.0").all()


def test_polars_reads_a_float_column_that_starts_with_whole_numbers_as_float(late_fleet_csv):
    """polars infers from its first 100 rows: ``0`` made ``value`` an integer column, and
    2026's first load a parse error (polars is in the test extra: the test runs, not skips)."""
    frame = polars.read_csv(late_fleet_csv)
    assert frame.schema["value"] == polars.Float64
    np.testing.assert_array_equal(
        frame["value"].to_numpy(), export.read_table(late_fleet_csv)["value"].to_numpy()
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (0.0, "0.0"),
        (2.0, "2.0"),
        (-3.0, "-3.0"),
        (1.5e-05, "1.5e-05"),
        (1.25, "1.25"),
        (123456789.0, "123456789.0"),
        (1234567890.0, "1.23456789e+09"),
        (1e20, "1e+20"),
        (2.00000000001, "2.0"),  # nine significant digits first, then the point
        (0.1 + 0.2, "0.3"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
    ],
)
def test_a_float_is_written_with_a_point_or_an_exponent(value, written):
    assert csvtext.csv_float(value) == written


def test_nan_is_empty_and_integer_columns_stay_integers(tmp_path):
    """Only float columns take the point: an ``Int64`` column (a draw, an hour) is written
    as integers, and a NaN or a missing integer as an empty cell."""
    frame = pd.DataFrame(
        {
            "value": [0.0, float("nan"), 2.5],
            "draw": pd.array([3, None, 0], dtype="Int64"),
        }
    )
    path = export.write_table(frame, tmp_path / "t.csv", "csv", {})
    assert path.read_text().splitlines() == ['"value","draw"', "0.0,3", ",", "2.5,0"]


def _readme_sql(marker: str) -> str:
    """The README's one DuckDB query that holds ``marker``."""
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    (query,) = [
        block
        for block in re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL)
        if marker in block
    ]
    return query


def _readme_sweep_sql() -> str:
    """The README's DuckDB query of a sweep's NAME columns (section "File formats")."""
    return _readme_sql('"operations.pue"')


def test_the_readme_query_of_a_csvs_local_time_runs(
    small_scenario_text, scenario_file, tmp_path, monkeypatch
):
    """The README's tip took a CSV's local time from "the first 16 characters" of
    ``period_start``, but DuckDB's ``read_csv_auto`` reads that column as a TIMESTAMP WITH TIME
    ZONE: ``left()`` of it is a Binder error, and its year is the UTC instant's (a Seoul year
    starts at 15:00 UTC the day before). The README's query, the column read as VARCHAR, runs
    on a real annual CSV as printed and gives the local years (interop review 4)."""
    scenario = str(scenario_file(small_scenario_text))
    monkeypatch.chdir(tmp_path)
    command = ["project", scenario, "--draws", "4", "--weather", "typical", "--quiet",
               "--resolution", "annual", "--variables", "ai_energy_twh",
               "--out", "kr.csv"]  # fmt: skip
    assert main(command) == 0
    query = _readme_sql("types = {'period_start': 'VARCHAR'}")
    table = export.read_table(tmp_path / "kr.csv")
    p50 = table[(table["variable"] == "ai_energy_twh") & (table["quantile"] == 0.5)]
    assert list(p50["period_start"]) == ["2025-01-01T00:00+09:00", "2026-01-01T00:00+09:00"]
    assert duckdb.sql(query).fetchall() == [
        (2025, p50["value"].iloc[0]), (2026, p50["value"].iloc[1]),
    ]  # fmt: skip
    # The case: guessed, the column is an instant, its year the UTC one, and left() refused.
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        guessed = "FROM read_csv_auto('kr.csv') WHERE variable = 'ai_energy_twh'"
        kinds = dict(connection.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * "
                                    f"{guessed})").fetchall())  # fmt: skip
        assert kinds["period_start"] == "TIMESTAMP WITH TIME ZONE"
        years = connection.sql(f"SELECT DISTINCT year(period_start) {guessed}").fetchall()
        assert sorted(years) == [(2024,), (2025,)]
        with pytest.raises(duckdb.BinderException, match="left"):
            connection.sql(f"SELECT left(period_start, 16) {guessed}").fetchall()


def test_the_readme_query_of_a_sweeps_dotted_columns_runs(
    small_scenario_text, scenario_file, tmp_path, monkeypatch
):
    """A sweep's NAME columns keep their dots (``operations.pue``), which SQL must quote: the
    README's query runs on a real sweep's CSV as printed, and the same query unquoted is the
    Binder error it warns of (numfmt review, finding c)."""
    scenario = str(scenario_file(small_scenario_text))
    monkeypatch.chdir(tmp_path)
    command = ["sweep", scenario, "--vary", "operations.pue=1.2,1.4", "--vary",
               "operations.load_factor=0.6,0.8", "--workers", "1", "--draws", "4",
               "--weather", "typical", "--resolution", "annual", "--quiet",
               "--out", "pue.csv"]  # fmt: skip
    assert main(command) == 0
    query = _readme_sweep_sql()
    rows = duckdb.sql(query).fetchall()
    # Four variants x the small scenario's two years, in the query's order.
    assert [(pue, factor) for pue, factor, *_ in rows] == [
        (pue, factor) for pue in (1.2, 1.4) for factor in (0.6, 0.8) for _ in (2025, 2026)
    ]
    table = export.read_table(tmp_path / "pue.csv")
    p50 = table[(table["variable"] == "ai_energy_twh") & (table["quantile"] == 0.5)]
    expected = p50.sort_values(["operations.pue", "operations.load_factor", "period_start"])
    np.testing.assert_array_equal([row[-1] for row in rows], expected["value"].to_numpy())
    with pytest.raises(duckdb.BinderException, match="operations"):
        duckdb.sql(query.replace('"operations.pue"', "operations.pue")).fetchall()
