"""The small print an unattended (cron) run depends on: what the library refuses as the
command line does, an empty stdout under --quiet, the version, and errors naming options that
exist."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

from forecast import provenance
from forecast.cli import main
from forecast.errors import DataError, OptionsError
from forecast.io.export import write
from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario
from forecast.weather.record import historical_record

ANNUAL = ["--draws", "3", "--resolution", "annual", "--start", "2030-01-01",
          "--end", "2030-12-31", "--weather", "typical"]  # fmt: skip


def test_the_library_refuses_a_suffix_that_names_no_table_format(tmp_path: Path):
    """write(ds, "x.xlsx") wrote CSV into x.xlsx (and x.xlsx.meta.json); --out refused it."""
    dataset = xr.Dataset({"x": ("time", [1.0])})
    with pytest.raises(OptionsError, match=r"suffix '\.xlsx' names no table format; allowed: "):
        write(dataset, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_options_take_an_iso_date_string_or_say_what_is_allowed():
    """A string start raised a bare TypeError from a comparison deep inside."""
    scenario = load_scenario("kr-national")
    options = ProjectionOptions(draws=2, start="2027-01-01", end="2027-03-31")  # type: ignore[arg-type]
    assert options.validated(scenario).start == dt.date(2027, 1, 1)
    with pytest.raises(OptionsError, match=r"^start = '1 Jan 2027': allowed: a datetime.date"):
        ProjectionOptions(start="1 Jan 2027").validated(scenario)  # type: ignore[arg-type]


def test_quiet_leaves_stdout_empty(tmp_path: Path, capsys):
    """--quiet still printed 'wrote X' (and 'wrote Y (per-year table)')."""
    out, summary = tmp_path / "kr.csv", tmp_path / "years.csv"
    argv = ["project", "kr-national", *ANNUAL, "--out", str(out), "--summary", str(summary)]
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert out.is_file() and summary.is_file()
    assert main(argv) == 0
    assert f"wrote {out}" in capsys.readouterr().out


def test_version_names_the_source_it_computes_with():
    """There was no forecast --version; results' code_version was 0.1.0 for every commit."""
    done = subprocess.run(
        [sys.executable, "-m", "forecast.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"forecast {provenance.code_version()}\n"


def test_missing_weather_files_name_where_they_were_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The message suggested a --data-dir option that forecast project does not have."""
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError) as raised:
        historical_record("seoul")
    assert "--data-dir" not in str(raised.value)
    assert "(FORECAST_DATA_DIR)" in str(raised.value)
