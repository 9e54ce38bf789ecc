"""A new grid in a daylight-saving zone, with gaps in its sources, trains and evaluates.

Issue 13's must-show 3, run as a new user would, through the real commands in subprocesses:
a made-up utility zone in America/New_York whose demand file, in a US utility's own columns and
in kW (``datetime_beginning_local,zone_load_kw``), lacks the repeated fall-back hour
(2021-11-07 01:00 EST), whose airport temperature misses 23 hours (2021-07-20 01:00-23:00) and
which has its spring-forward days (23 local hours) like every year. ``forecast-train`` trains,
backtests, publishes and promotes; ``forecast evaluate`` scores ex post and ex ante; the gaps
appear in both reports. Then bad input of each kind ends each command with one line on stderr
and exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import hourly_times
from models.config import load_config, with_backtest_years

ZONE = "America/New_York"
FALL_BACK_HOUR = "2021-11-07T01:00:00-05:00"  # the second 01:00, missing from the demand file
TEMPERATURE_GAP = ("2021-07-20T01:00:00-04:00", "2021-07-20T23:00:00-04:00")  # 23 hours

CONFIG = textwrap.dedent(
    """
    [model]
    id = "testville-baseline"
    description = "A utility zone made up by the tests."
    country = "US"
    subdivision = "NY"
    timezone = "America/New_York"
    weather_location = "testville-airport"

    [data]
    demand_file = "testville/demand.csv"
    timestamp_column = "datetime_beginning_local"
    demand_column = "zone_load_kw"
    demand_unit = "kW"
    first_year = 2019
    last_year = 2022

    [training]
    shape_window_years = 3
    level_window_years = 3

    [backtest]
    years = [2022]
    draws = 60
    """
)


def _iso(times: pd.DatetimeIndex) -> list[str]:
    return [stamp.isoformat() for stamp in times]


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> dict[str, Path]:
    """Data, weather location, config and artifact folders of the new grid."""
    root = tmp_path_factory.mktemp("new-grid")
    data, weather, artifacts = root / "data", root / "weather", root / "artifacts"
    (data / "testville").mkdir(parents=True)
    (weather / "testville-airport").mkdir(parents=True)
    (weather / "testville-airport" / "location.toml").write_text(
        'station = "Testville airport (made up by the tests)"\n'
        'timezone = "America/New_York"\nhourly_file = "testville/temperature.csv"\n',
        encoding="utf-8",
    )
    times = hourly_times(dt.date(2019, 1, 1), dt.date(2022, 12, 31), ZONE)
    rng = np.random.default_rng(1)
    day_of_year = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    temperature = (
        12
        - 14 * np.cos(2 * np.pi * (day_of_year - 20) / 365)
        + 5 * np.sin(2 * np.pi * (hour - 9) / 24)
        + rng.normal(0, 1.5, len(times))
    )
    years = times.year.to_numpy() - 2019
    weekend = times.day_of_week.to_numpy() >= 5
    demand = (5_000 * 1.01**years * (1 + 0.15 * np.sin(2 * np.pi * (hour - 8) / 24))
              * np.where(weekend, 0.88, 1.0)
              * (1 + 0.012 * np.maximum(15 - temperature, 0)
                 + 0.02 * np.maximum(temperature - 21, 0))
              * np.exp(rng.normal(0, 0.01, len(times))))  # fmt: skip
    stamps = np.array(_iso(times))
    keep_demand = stamps != FALL_BACK_HOUR
    first, last = (times.get_loc(pd.Timestamp(stamp)) for stamp in TEMPERATURE_GAP)
    keep_temperature = np.ones(len(times), dtype=bool)
    keep_temperature[first : last + 1] = False
    kilowatts = np.round(demand * 1000.0)  # [kW]
    pd.DataFrame(
        {"datetime_beginning_local": stamps[keep_demand], "zone_load_kw": kilowatts[keep_demand]}
    ).to_csv(data / "testville" / "demand.csv", index=False)
    pd.DataFrame(
        {
            "timestamp": stamps[keep_temperature],
            "temp_c": np.round(temperature[keep_temperature], 1),
        }
    ).to_csv(data / "testville" / "temperature.csv", index=False)
    in_2022 = np.char.startswith(stamps.astype(str), "2022")
    pd.DataFrame(
        {"datetime_beginning_local": stamps[in_2022], "zone_load_kw": kilowatts[in_2022]}
    ).to_csv(data / "demand_2022.csv", index=False)
    pd.DataFrame(
        {"timestamp": stamps[in_2022], "temp_c": np.round(temperature[in_2022], 1)}
    ).to_csv(data / "temperature_2022.csv", index=False)
    config = root / "testville.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return {
        "root": root,
        "data": data,
        "weather": weather,
        "artifacts": artifacts,
        "config": config,
    }


def _run(
    arguments: list[str], grid: dict[str, Path], *, weather: Path | None = None
) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "FORECAST_WEATHER_DIR": str(weather or grid["weather"]),
        "FORECAST_DATA_DIR": str(grid["data"]),
        "FORECAST_ARTIFACT_DIR": str(grid["artifacts"]),
    }
    return subprocess.run(
        [sys.executable, "-m", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def trained(grid) -> subprocess.CompletedProcess:
    return _run(["models.train", "--config", str(grid["config"]), "--version", "v1"], grid)


@pytest.mark.slow
def test_a_new_dst_grid_with_gaps_trains_publishes_and_reports_its_gaps(grid, trained):
    assert trained.returncode == 0, trained.stderr
    out = trained.stdout
    assert "weather testville-airport" in out
    # The kW file's size in MW, said before the backtest: a kW file read as MW shows at once.
    assert re.search(
        r"^demand: mean 5,\d{3} MW, peak [67],\d{3} MW, about 4\d\.\d TWh a year "
        r"\(testville/demand.csv, read in kW, converted \(\[data\] demand_unit\)\)$",
        out,
        flags=re.MULTILINE,
    ), out
    assert (
        "gaps: demand" in out and f"1 gap(s), 1 of 35,064 hours missing; longest {FALL_BACK_HOUR}"
    ) in out
    assert f"23 of 35,064 hours missing; longest {TEMPERATURE_GAP[0]} .. {TEMPERATURE_GAP[1]}" in (
        out
    )
    assert "promoted" in out and "not promoted" not in out
    manifest = json.loads(
        (grid["artifacts"] / "testville-baseline" / "v1" / "manifest.json").read_text()
    )
    assert manifest["data"]["window"] == ["2019-01-01", "2022-12-31"]
    assert 5_000 < manifest["data"]["demand_mean_mw"] < 6_000
    demand_gaps, temperature_gaps = manifest["data"]["gaps"]
    assert demand_gaps["gaps"] == [
        {
            "first_missing": FALL_BACK_HOUR,
            "last_missing": FALL_BACK_HOUR,
            "hours": 1,
            "handling": "interpolated",
        }
    ]
    assert temperature_gaps["longest_hours"] == 23
    assert temperature_gaps["gaps"][0]["handling"] == "masked"
    metrics = manifest["metrics"]
    assert metrics["ex_post"]["mape_pct"] < metrics["seasonal_naive"]["mape_pct"]
    card = (grid["artifacts"] / "testville-baseline" / "v1" / "MODEL_CARD.md").read_text()
    assert f"longest {TEMPERATURE_GAP[0]} .. {TEMPERATURE_GAP[1]} (23 h, masked)" in card
    assert manifest["data"]["rows"] == ["2019-01-01T00:00:00-05:00", "2022-12-31T23:00:00-05:00"]
    assert "2022-12-31T23:00:00-05:00, read in kW and converted to MW; mean 5," in card


@pytest.mark.slow
def test_the_new_grid_evaluates_ex_post_and_ex_ante(grid, trained):
    assert trained.returncode == 0, trained.stderr
    data = grid["data"]
    ex_post = _run(
        ["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
         str(data / "demand_2022.csv"), "--temperature", str(data / "temperature_2022.csv"),
         "--draws", "50", "--json"],
        grid,
    )  # fmt: skip
    assert ex_post.returncode == 0, ex_post.stderr
    result = json.loads(ex_post.stdout)
    assert result["mode"] == "ex_post"
    assert [report["missing_hours"] for report in result["gaps"]] == [0, 0]
    years = {row["year"] for row in result["metrics"] if row["forecast"] == "ex_post"}
    assert years == {2022}  # the mean apart, under "mean"
    assert result["mean"]["ex_post"]["mape_pct"] == pytest.approx(result["metrics"][0]["mape_pct"])
    assert result["in_sample_years"] == [2022]  # trained on 2019-2022: said, not hidden
    ex_ante = _run(
        ["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
         str(data / "testville" / "demand.csv"), "--draws", "50"],
        grid,
    )  # fmt: skip
    assert ex_ante.returncode == 0, ex_ante.stderr
    assert "ex_ante; weather: observed hourly temperature, Testville airport" in ex_ante.stdout
    assert f"gaps: demand ({data / 'testville' / 'demand.csv'}): 1 gap(s)" in ex_ante.stdout
    assert "| ex_ante | 2021 |" in ex_ante.stdout


def _one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.slow
def test_training_fails_in_one_line_on_a_bad_config_or_data_row(grid, tmp_path):
    # (config file, text replaced in it, its replacement, command, what the line must name:
    # the config, or the data file at fault)
    cases = [
        ("typo", "first_year", "first_yaer", "models.train",
         ["typo.toml", "[data] first_yaer is not a setting", "allowed:", "first_year"]),
        ("unknown", '"testville-airport"', '"atlantis"', "models.train",
         ["unknown.toml", "weather_location = 'atlantis'", "allowed:", "testville-airport"]),
        ("zone", '"America/New_York"', '"America/Nwe_York"', "models.train",
         ["zone.toml", "[model] timezone = 'America/Nwe_York'", "not an IANA time zone"]),
        ("seoul", '"America/New_York"', '"Asia/Seoul"', "models.backtest",
         ["demand.csv line 2", "has a UTC offset Asia/Seoul never has", "another time zone"]),
        # Years the data does not have: refused with the file's span, never guessed.
        ("early", "first_year = 2019", "first_year = 2005", "models.train",
         ["early.toml: [data] first_year = 2005: the demand file", "demand.csv covers "
          "2019-01-01 .. 2022-12-31; allowed: 2019..2022"]),
        ("late", "last_year = 2022", "last_year = 2025", "models.train",
         ["late.toml: [data] last_year = 2025: the demand file", "allowed: 2019..2022"]),
        ("origin", "[training]", "[features]\ntrend_origin_year = 1990\n\n[training]",
         "models.train", ["origin.toml: [features] trend_origin_year = 1990: outside the data's "
                          "years; allowed: a year of [data] first_year..last_year (2019..2022)"]),
        # A demand unit: one of three, and the column's own name must agree with it.
        ("unit", 'demand_unit = "kW"', 'demand_unit = "kw"', "models.train",
         ["unit.toml: [data] demand_unit = 'kw'; allowed: 'kW', 'MW', 'GW'"]),
        ("as-mw", 'demand_unit = "kW"', 'demand_unit = "MW"', "models.train",
         ["demand.csv line 1: column 'zone_load_kw' is named in kW but is read in MW "
          "(demand_unit); allowed: demand_unit = 'kW' for this file"]),
    ]  # fmt: skip
    for name, old, new, _command, _fragments in cases:
        (tmp_path / f"{name}.toml").write_text(CONFIG.replace(old, new), encoding="utf-8")
    # Each a command in a process of its own, independent of the others: run side by side
    # (most of each is Python starting and importing), checked in order.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(
            lambda case: _run([case[3], "--config", str(tmp_path / f"{case[0]}.toml")], grid),
            cases,
        )
        for (_name, _old, _new, _command, fragments), result in zip(cases, results, strict=True):
            _one_line_error(result, *fragments)
    bad = tmp_path / "bad-data"
    (bad / "testville").mkdir(parents=True)
    lines = (grid["data"] / "testville" / "demand.csv").read_text().splitlines()
    lines[4] = lines[4].split(",")[0] + ",lots"
    (bad / "testville" / "demand.csv").write_text("\n".join(lines) + "\n")
    _one_line_error(
        _run(["models.train", "--config", str(grid["config"]), "--data-dir", str(bad)], grid),
        "demand.csv line 5", "'zone_load_kw'", "'lots'", "not a number",
    )  # fmt: skip
    # A row off the hour was dropped without a word (a gap, interpolated): one line naming it.
    lines = (grid["data"] / "testville" / "demand.csv").read_text().splitlines()
    lines[11] = lines[11].replace("T10:00:00", "T10:30:00")
    (bad / "testville" / "demand.csv").write_text("\n".join(lines) + "\n")
    _one_line_error(
        _run(["models.train", "--config", str(grid["config"]), "--data-dir", str(bad)], grid),
        "demand.csv line 12: column 'datetime_beginning_local' value "
        "'2019-01-01T10:30:00-05:00' is not on the hour; allowed: hourly timestamps on the hour",
    )  # fmt: skip
    # The kW file under a neutral column name read as MW (the default): a mean no grid has,
    # refused before the backtest (it failed after it, naming level.intercept), naming the file.
    lines = (grid["data"] / "testville" / "demand.csv").read_text().splitlines()
    lines[0] = "datetime_beginning_local,load"
    (bad / "testville" / "demand.csv").write_text("\n".join(lines) + "\n")
    neutral = tmp_path / "neutral.toml"
    neutral.write_text(
        CONFIG.replace('demand_column = "zone_load_kw"', 'demand_column = "load"').replace(
            'demand_unit = "kW"\n', ""
        ),
        encoding="utf-8",
    )
    _one_line_error(
        _run(["models.train", "--config", str(neutral), "--data-dir", str(bad)], grid),
        "demand.csv: column 'load' averages 5,", "MW read in MW ([data] demand_unit); allowed: "
        "a grid's mean demand up to 1,982,759 MW: is the file in kW? set demand_unit = \"kW\" "
        "in", "neutral.toml",
    )  # fmt: skip
    _one_line_error(
        _run(["models.backtest", "--config", str(tmp_path / "missing.toml")], grid),
        "missing.toml",
    )
    _one_line_error(
        _run(["models.climatology", "build", "atlantis"], grid),
        "location = 'atlantis'", "unknown weather location", "allowed:", "testville-airport",
    )  # fmt: skip


@pytest.mark.slow
def test_backtest_series_writes_each_folds_out_of_sample_hours(grid, tmp_path):
    """A utility forecaster could not get the backtest's hourly forecasts (only ``forecast
    evaluate``'s, in-sample for a shipped model) to compute their own metrics: ``--series
    DIR`` writes the backtest year's actual, point and P10/P50/P90 per forecast, in MW, with
    local timestamps and their offsets (evaluate's writer and columns)."""
    done = _run(["models.backtest", "--config", str(grid["config"]), "--series",
                 str(tmp_path)], grid)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| forecast | year | MAE MW | RMSE MW |" in done.stdout
    assert "note: 60 draws: " in done.stdout
    for label in ("ex_post", "ex_ante", "seasonal_naive"):
        assert f"wrote {tmp_path / f'{label}.csv'}" in done.stdout
        series = pd.read_csv(tmp_path / f"{label}.csv")
        assert list(series.columns) == ["timestamp", "actual_mw", "point_mw", "p10_mw",
                                        "p50_mw", "p90_mw", "day_type"]  # fmt: skip
        assert len(series) == 8760  # the one backtest year, 2022
        assert series["timestamp"].iloc[0] == "2022-01-01T00:00:00-05:00"
        assert series["timestamp"].iloc[4000].endswith("-04:00")  # summer time, said
    ex_post = pd.read_csv(tmp_path / "ex_post.csv")
    assert (ex_post["p10_mw"] <= ex_post["p90_mw"]).all()
    assert 2_000 < ex_post["actual_mw"].mean() < 20_000  # MW, not the file's kW
    bad = _run(["models.backtest", "--config", str(grid["config"]), "--series",
                str(tmp_path / "missing")], grid)  # fmt: skip
    _one_line_error(bad, "--series = ", "allowed: an existing directory")


def test_backtest_years_replace_the_configs_or_fail_in_one_line(grid, monkeypatch):
    """``--years`` scores other folds of the same config (Korea's 2016-2018, say, which no
    modelling choice looked at); a year outside the data, or not a year, is one line."""
    monkeypatch.setenv("FORECAST_WEATHER_DIR", str(grid["weather"]))
    config = load_config(grid["config"], data_dir=grid["data"])
    assert config.backtest_years == (2022,)
    assert with_backtest_years(config, "2022").backtest_years == (2022,)
    _one_line_error(
        _run(["models.backtest", "--config", str(grid["config"]), "--years", "2019"], grid),
        "--years = 2019: allowed: a year 2022..2022 (each is fitted on the 3 or more years "
        "from [data] first_year = 2019 before it, up to last_year)",
    )  # fmt: skip
    _one_line_error(
        _run(["models.backtest", "--config", str(grid["config"]), "--years", "2022,20x2"], grid),
        "--years = '2022,20x2': allowed: a year 2022..2022 (comma-separated; each is fitted",
    )  # fmt: skip
    # Inside the data but too early to fit three years before it: refused before the data
    # loads, naming the option, the config and what is allowed.
    _one_line_error(
        _run(["models.backtest", "--config", str(grid["config"]), "--years", "2021"], grid),
        "--years = 2021: allowed: a year 2022..2022 (each is fitted on the 3 or more years "
        "from [data] first_year = 2019 before it, up to last_year)",
    )


@pytest.mark.slow
def test_evaluate_fails_in_one_line(grid, trained, tmp_path):
    assert trained.returncode == 0, trained.stderr
    data = grid["data"]
    hot = tmp_path / "hot.csv"
    lines = (data / "temperature_2022.csv").read_text().splitlines()
    lines[9] = lines[9].split(",")[0] + ",75.0"
    hot.write_text("\n".join(lines) + "\n")
    _one_line_error(
        _run(["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
              str(data / "demand_2022.csv"), "--temperature", str(hot)], grid),
        "hot.csv line 10", "'temp_c'", "75", "allowed -90 to 60 °C",
    )  # fmt: skip
    _one_line_error(
        _run(["forecast.cli", "evaluate", "--model", "nowhere", "--demand",
              str(data / "demand_2022.csv")], grid),
        "'nowhere'", "known", "testville-baseline",
    )  # fmt: skip
    # The model's own columns and unit: a file in the default columns is refused, saying so.
    default = tmp_path / "default.csv"
    default.write_text(
        (data / "demand_2022.csv")
        .read_text()
        .replace("datetime_beginning_local,zone_load_kw", "timestamp,demand_mw", 1)
    )
    _one_line_error(
        _run(["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
              str(default)], grid),
        "default.csv line 1: missing column(s) ['datetime_beginning_local', 'zone_load_kw']",
        "(read as testville-baseline@v1 was trained: time zone America/New_York, its config's "
        "[data] timestamp_column = 'datetime_beginning_local', demand_column = 'zone_load_kw', "
        "demand_unit = 'kW'; timestamps naive in America/New_York, hour-beginning: "
        "--timestamp-timezone and --interval-label read other conventions)",
    )  # fmt: skip
    # Part of a year is scored on its hours (no longer refused for want of a whole year).
    half = tmp_path / "half.csv"
    half.write_text("\n".join((data / "demand_2022.csv").read_text().splitlines()[:2000]) + "\n")
    temperature = str(data / "temperature_2022.csv")
    partial = _run(["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
                    str(half), "--temperature", temperature], grid)  # fmt: skip
    assert partial.returncode == 0, partial.stderr
    assert "2022 (01-01.." in partial.stdout


@pytest.mark.slow
def test_evaluate_reads_the_temperature_in_its_weather_locations_columns_and_unit(
    grid, trained, tmp_path
):
    """A utility engineer's airport file is an NWS export (`valid,tmpf`, °F) and their
    location.toml says so; training read it, but `forecast evaluate --temperature` read the
    default `timestamp,temp_c` in °C and stopped at "missing column(s) ['timestamp',
    'temp_c']". It now reads the file as the model's weather location says, so the °F twin of
    the 2022 file scores as the °C file does; a file without those columns is one line naming
    the file, the columns, the header found and the location that asks for them, and a model
    whose location is not installed is one line naming it (its columns are unknown). The same
    holds for an ASOS file at HH:53 (``observation_minute = 53``) and for
    ``--daily-temperature`` in the location's own daily columns and unit (`tavg_f`... in °F had
    to be converted and renamed by hand): two days missing from the hourly files are rebuilt
    from the daily file alike."""
    assert trained.returncode == 0, trained.stderr
    data = grid["data"]
    nws_weather = tmp_path / "weather"
    (nws_weather / "testville-airport").mkdir(parents=True)
    location_toml = nws_weather / "testville-airport" / "location.toml"
    location_toml.write_text(
        (grid["weather"] / "testville-airport" / "location.toml").read_text(encoding="utf-8")
        + 'timestamp_column = "valid"\ntemperature_column = "tmpf"\ntemperature_unit = "F"\n'
        'observation_minute = 53\ndaily_mean_column = "tavg_f"\ndaily_min_column = "tmin_f"\n'
        'daily_max_column = "tmax_f"\n',
        encoding="utf-8",
    )
    celsius = pd.read_csv(data / "temperature_2022.csv")
    times = pd.DatetimeIndex(pd.to_datetime(celsius["timestamp"], utc=True)).tz_convert(ZONE)
    gapped = ~((times >= "2022-03-10") & (times < "2022-03-12"))
    celsius_gapped = tmp_path / "temperature_2022_gapped.csv"
    celsius[gapped].to_csv(celsius_gapped, index=False)
    fahrenheit = tmp_path / "asos_2022.csv"
    at_53 = (times - pd.Timedelta(minutes=7)).strftime("%Y-%m-%d %H:%M")
    pd.DataFrame({"station": "TST", "valid": at_53, "tmpf": celsius["temp_c"] * 9 / 5 + 32})[
        gapped
    ].to_csv(fahrenheit, index=False)
    days = celsius.groupby(times.tz_convert("Etc/GMT+5").strftime("%Y-%m-%d"))["temp_c"]
    daily = pd.DataFrame({"mean": days.mean(), "min": days.min(), "max": days.max()})
    daily_celsius, daily_fahrenheit = tmp_path / "daily_c.csv", tmp_path / "daily_f.csv"
    daily.rename(columns=lambda name: f"temp_{name}_c").rename_axis("date").to_csv(daily_celsius)
    (daily * 9 / 5 + 32).rename(columns={"mean": "tavg_f", "min": "tmin_f", "max": "tmax_f"}
                                ).rename_axis("date").to_csv(daily_fahrenheit)  # fmt: skip
    command = ["forecast.cli", "evaluate", "--model", "testville-baseline", "--demand",
               str(data / "demand_2022.csv"), "--draws", "50", "--json"]  # fmt: skip

    def metrics(result: subprocess.CompletedProcess) -> dict:
        assert result.returncode == 0, result.stderr
        temperature_gaps = json.loads(result.stdout)["gaps"][1]["gaps"]
        assert [gap["handling"] for gap in temperature_gaps] == ["rebuilt from daily values"]
        return {
            (row.pop("forecast"), row.pop("year")): row
            for row in json.loads(result.stdout)["metrics"]
        }

    celsius_file = str(data / "temperature_2022.csv")
    in_celsius = metrics(
        _run([*command, "--temperature", str(celsius_gapped), "--daily-temperature",
              str(daily_celsius)], grid)
    )  # fmt: skip
    in_fahrenheit = metrics(
        _run([*command, "--temperature", str(fahrenheit), "--daily-temperature",
              str(daily_fahrenheit)], grid, weather=nws_weather)
    )  # fmt: skip
    assert in_fahrenheit.keys() == in_celsius.keys()
    for key, row in in_celsius.items():
        # Figures not computed (the Monte Carlo error below 100 draws) are None in both.
        unset = {name for name, value in row.items() if value is None}
        assert unset == {name for name, value in in_fahrenheit[key].items() if value is None}
        numbers = {name: value for name, value in row.items() if name not in unset}
        fahrenheit_numbers = {name: in_fahrenheit[key][name] for name in numbers}
        assert fahrenheit_numbers == pytest.approx(numbers, rel=1e-9, abs=1e-12), key
    _one_line_error(
        _run([*command, "--temperature", celsius_file], grid, weather=nws_weather),
        "temperature_2022.csv line 1: missing column(s) ['valid', 'tmpf']",
        "the header is ['timestamp', 'temp_c'] and must contain ['valid', 'tmpf']",
        "weather location 'testville-airport'", str(location_toml), "temperature_unit = 'F'",
    )  # fmt: skip
    # Without its location the file's columns and unit are unknown: refused, not guessed.
    (tmp_path / "no-weather").mkdir()
    _one_line_error(
        _run([*command, "--temperature", celsius_file], grid, weather=tmp_path / "no-weather"),
        "model testville-baseline@v1: weather_location = 'testville-airport': unknown weather "
        "location; allowed: ", "seoul",
    )  # fmt: skip
