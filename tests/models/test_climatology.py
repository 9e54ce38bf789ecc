"""``python -m models.climatology build``: a climatology from a location's real records."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from forecast.calendar import hourly_times
from models.climatology import build_climatology, check_rebuild, main

ZONE = "America/New_York"


def _location(tmp_path, monkeypatch, missing_days: list[str]) -> None:
    """A made-up station with two years of hourly and daily records; the daily file lacks
    ``missing_days`` (the days of a long hourly gap, as a utility's files had)."""
    weather, data = tmp_path / "weather", tmp_path / "data"
    (weather / "gapville").mkdir(parents=True)
    data.mkdir()
    (weather / "gapville" / "location.toml").write_text(
        'station = "Gapville (made up by the tests)"\ntimezone = "America/New_York"\n'
        'hourly_file = "hourly.csv"\ndaily_file = "daily.csv"\n',
        encoding="utf-8",
    )
    times = hourly_times(dt.date(2019, 1, 1), dt.date(2020, 12, 31), ZONE)
    rng = np.random.default_rng(3)
    temperature = (
        12
        - 14 * np.cos(2 * np.pi * (times.day_of_year.to_numpy() - 20) / 365)
        + 5 * np.sin(2 * np.pi * (times.hour.to_numpy() - 9) / 24)
        + rng.normal(0, 1.5, len(times))
    )
    frame = pd.DataFrame({"timestamp": [t.isoformat() for t in times], "temp_c": temperature})
    gap = frame["timestamp"].str[:10].isin(missing_days)
    frame[~gap].round(1).to_csv(data / "hourly.csv", index=False)
    by_day = pd.Series(temperature, index=times.tz_localize(None).normalize()).groupby(level=0)
    daily = pd.DataFrame(
        {"temp_mean_c": by_day.mean(), "temp_min_c": by_day.min(), "temp_max_c": by_day.max()}
    ).round(1)
    daily = daily[~daily.index.strftime("%Y-%m-%d").isin(missing_days)]
    daily.rename_axis("date").to_csv(data / "daily.csv", date_format="%Y-%m-%d")
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(weather))
    monkeypatch.setenv("FORECAST_DATA_DIR", str(data))


def test_days_missing_from_the_daily_file_take_the_hours_extremes(tmp_path, monkeypatch):
    """A utility's daily file lacked three January days (those of a long hourly gap): the build
    wrote NaN into every January daily-range statistic, exit 0, and every later projection on
    synthetic weather failed on the file. Those days now take their completed hours' extremes."""
    _location(tmp_path, monkeypatch, ["2020-01-14", "2020-01-15", "2020-01-16"])
    climatology = build_climatology("gapville")
    json.dumps(climatology, allow_nan=False)  # no NaN anywhere: valid JSON
    january = climatology["daily_range_mean_c_by_month"][0]
    assert 5 < january < 20  # the made-up station's daily range, about 10 °C


def _drifting_location(tmp_path, monkeypatch) -> None:
    """A made-up station (four years, hourly and daily files, and a second location without
    the daily file) whose weather drifts over days, as fronts pass: a day's hours then depend on
    its neighbours, which the hourly regression reads and the diurnal shape cannot."""
    weather, data = tmp_path / "weather", tmp_path / "data"
    for name, daily_line in (("drifton", 'daily_file = "daily.csv"\n'), ("drifton-hourly", "")):
        (weather / name).mkdir(parents=True)
        (weather / name / "location.toml").write_text(
            f'station = "Drifton (made up by the tests)"\ntimezone = "{ZONE}"\n'
            f'hourly_file = "hourly.csv"\n{daily_line}',
            encoding="utf-8",
        )
    data.mkdir()
    times = hourly_times(dt.date(2019, 1, 1), dt.date(2022, 12, 31), ZONE)
    rng = np.random.default_rng(5)
    synoptic = np.zeros(len(times))
    shocks = rng.normal(0, 0.35, len(times))
    for hour in range(1, len(times)):
        synoptic[hour] = 0.985 * synoptic[hour - 1] + shocks[hour]
    temperature = (
        12
        - 14 * np.cos(2 * np.pi * (times.day_of_year.to_numpy() - 20) / 365)
        + 5 * np.sin(2 * np.pi * (times.hour.to_numpy() - 9) / 24)
        + synoptic
        + rng.normal(0, 0.3, len(times))
    )
    frame = pd.DataFrame({"timestamp": [t.isoformat() for t in times], "temp_c": temperature})
    frame.round(1).to_csv(data / "hourly.csv", index=False)
    by_day = pd.Series(temperature, index=times.tz_localize(None).normalize()).groupby(level=0)
    daily = pd.DataFrame(
        {"temp_mean_c": by_day.mean(), "temp_min_c": by_day.min(), "temp_max_c": by_day.max()}
    ).round(1)
    daily.rename_axis("date").to_csv(data / "daily.csv", date_format="%Y-%m-%d")
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(weather))
    monkeypatch.setenv("FORECAST_DATA_DIR", str(data))


def test_check_rebuild_hides_a_year_and_scores_both_ways_of_rebuilding_it(
    tmp_path, monkeypatch, capsys
):
    """`check-rebuild` hides a year's observed hours, rebuilds them from the daily file and the
    other three years, and prints each method's error: the regression on the neighbours' daily
    values beats the diurnal shape on weather that drifts across midnight."""
    _drifting_location(tmp_path, monkeypatch)
    counts, results = check_rebuild("drifton", [2021])
    assert counts == {"hidden": 8760, "rebuilt": 8760, "other": 0}
    assert set(results) == {"regression", "shape"}
    assert results["regression"]["rms_c"] < 0.9 * results["shape"]["rms_c"]  # 0.56 vs 0.67
    assert abs(results["regression"]["mean_c"]) < 0.1
    assert main(["check-rebuild", "drifton", "--year", "2021"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("drifton: 8,760 observed hours of 2021 hidden, 8,760 rebuilt")
    assert printed[3].startswith(f"| regression | {results['regression']['rms_c']:.2f} |")


def test_check_rebuild_refuses_a_location_without_a_daily_file_in_one_line(
    tmp_path, monkeypatch, capsys
):
    _drifting_location(tmp_path, monkeypatch)
    assert main(["check-rebuild", "drifton-hourly", "--year", "2021"]) == 2
    assert main(["check-rebuild", "drifton", "--year", "2021", "--year", "1999"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        "error: check-rebuild: location 'drifton-hourly' has no daily_file; allowed: a location "
        "whose hours can be rebuilt from daily values",
        "error: check-rebuild: --year 1999: no observed hour of hourly.csv in it; allowed: a "
        "year with observed hours (2019..2022)",
    ]
