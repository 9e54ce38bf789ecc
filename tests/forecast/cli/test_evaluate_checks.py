"""``forecast evaluate`` refuses what the model cannot score, in one line (a KPX demand
forecaster's findings): an empty file, a year before the model's data or too far after it,
demand in another unit; and it does not score ex ante a year with no weather before it."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.cli import main
from forecast.paths import real_data_dir
from tests.support.data import requires_shared_data


def _demand_file(path, year: int, mw: float) -> str:
    times = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="h", inclusive="left")
    frame = pd.DataFrame({"timestamp": times.strftime("%Y-%m-%dT%H:%M:%S+09:00"),
                          "demand_mw": mw})  # fmt: skip
    frame.to_csv(path, index=False)
    return str(path)


def _refused(arguments: list[str], capsys) -> str:
    status = main(["evaluate", "--model", "kr-national-baseline", "--draws", "10", *arguments])
    error = capsys.readouterr().err.strip()
    assert status == 2, error
    assert error.startswith("error: ") and "\n" not in error
    return error


def test_an_empty_demand_file_is_one_line(tmp_path, capsys):
    """A header-only file was a 68-line traceback (a timestamp parsed from NaN)."""
    empty = tmp_path / "empty.csv"
    empty.write_text("timestamp,demand_mw\n", encoding="utf-8")
    error = _refused(["--demand", str(empty)], capsys)
    assert "empty.csv: no data rows after the header line" in error


@pytest.mark.parametrize(("year", "said"), [(2000, "year 2000"), (2060, "year 2060")])
def test_a_year_the_model_cannot_forecast_is_refused(tmp_path, capsys, year, said):
    """2000 and 2096 were scored without a word (a backcast of the trend; MAPE 30 % and a
    peak error of +98 % in 2096): evaluate takes the model's years, its first training year to
    30 years after its origin."""
    error = _refused(["--demand", _demand_file(tmp_path / "d.csv", year, 60_000.0)], capsys)
    assert said in error and "allowed: 2013..2054" in error


def test_demand_in_gigawatts_is_refused(tmp_path, capsys):
    """A file in GW was scored: MAPE 100,195 %."""
    error = _refused(["--demand", _demand_file(tmp_path / "gw.csv", 2024, 60.0)], capsys)
    assert "median demand 60" in error and "allowed: demand in MW" in error


@pytest.mark.shared_data
@requires_shared_data
def test_a_year_with_no_weather_before_it_is_not_scored_ex_ante(tmp_path, capsys):
    """Ex ante forecasts each year on the weather years before it; 2013, the ensemble's first,
    has none, and was forecast on the whole ensemble (its own weather and later years') while
    the header said otherwise. It is left out, and said; 2014 is scored."""
    frame = pd.read_csv(real_data_dir() / "kpx_hourly_demand.csv", dtype=str)
    cut = frame[frame["timestamp"].str[:4].isin(["2013", "2014"])]
    cut.to_csv(tmp_path / "kpx.csv", index=False)
    status = main(["evaluate", "--model", "kr-national-baseline", "--draws", "10", "--demand",
                   str(tmp_path / "kpx.csv")])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "note: 2013 not scored ex ante: no weather year of seoul" in captured.err
    assert "| ex_ante | 2014 |" in captured.out
    assert "| ex_ante | 2013 |" not in captured.out


def test_without_model_it_is_refused_while_several_models_are_promoted(tmp_path, capsys):
    """A US utility's forecaster ran `forecast evaluate --demand mine.csv`: the default
    (Korea's) model read the file in Korean time and scored it at 704 % MAPE, exit 0. With the
    shipped Korean and NSW models both promoted, the model must be named."""
    status = main(
        ["evaluate", "--draws", "10", "--demand", _demand_file(tmp_path / "d.csv", 2023, 60_000.0)]
    )
    error = capsys.readouterr().err.strip()
    assert status == 2 and "\n" not in error
    assert error.startswith("error: --model: not given, and 2 models are promoted")
    assert "au-nsw-baseline, kr-national-baseline" in error
