"""``forecast evaluate --details`` and ``--series`` (a KPX demand forecaster's findings: no
daily peak, peak timing, error by hour or day type, minimum load, skill score, nor the series).

A synthetic model whose forecast is known exactly: a flat level of 60,000 MW and a shape of 1
at every hour but 18:00, where it is 1.2 (every other coefficient zero, so the temperature does
not matter). Its point forecast is 60,000 MW, and 72,000 MW at 18:00, every day. The demand
file's 2024 is 50,000 MW at every hour but 19:00 (80,000 MW), and 40,000 MW instead of 50,000
on the model's holiday-block days; 2023 is 100,000 MW throughout, so that seasonal naive
forecasts 100,000 MW for every hour of 2024. Each number below follows by hand.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from forecast.baseline import artifacts
from forecast.baseline.features import DAY_TYPES, FeatureSpec, day_types, feature_names
from forecast.cli import main
from forecast.paths import real_data_dir
from tests.support import keys
from tests.support.data import requires_shared_data
from tests.support.model_artifacts import synthetic_parameters

MODEL = "exact-test"
LEVEL_MW = 60_000.0
PEAK_FACTOR = 1.2


def _published_model(root) -> None:
    """The exact model, with no country in its manifest: no weather location, so
    ``--temperature`` is read as ``timestamp,temp_c`` in the model's zone."""
    parameters = synthetic_parameters()
    names = feature_names(FeatureSpec(country="KR"))
    parameters["shape"]["coefficients"] = [
        math.log(PEAK_FACTOR) if name.startswith("day_") and name.endswith(":h18") else 0.0
        for name in names
    ]
    parameters["level"].update(intercept=math.log(LEVEL_MW), slope=0.0)

    def write(directory) -> None:
        (directory / "parameters.json").write_text(json.dumps(parameters))

    artifacts.publish(model_id=MODEL, version="v1", root=root, write_files=write,
                      manifest={"metrics": {}}, signing_key=keys.private_key())  # fmt: skip
    artifacts.promote(MODEL, "v1", root=root)


def _block_days_2024() -> np.ndarray:
    """Whether each day of 2024 is a holiday-block day of the model (its own day types)."""
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2025-01-01"))
    return day_types(dates, country="KR") == DAY_TYPES.index("holiday_block")


@pytest.fixture
def exact(tmp_path, monkeypatch):
    """The model published and trusted, and its demand and temperature files."""
    _published_model(tmp_path / "artifacts")
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    times = pd.date_range("2023-01-01", "2025-01-01", freq="h", inclusive="left", tz="Asia/Seoul")
    block = np.repeat(_block_days_2024(), 24)
    in_2024 = times.year == 2024
    demand = np.full(len(times), 100_000.0)
    demand[in_2024] = np.where(block, 40_000.0, 50_000.0)
    demand[in_2024 & (times.hour == 19)] = 80_000.0
    stamps = [t.isoformat() for t in times]
    pd.DataFrame({"timestamp": stamps, "demand_mw": demand}).to_csv(tmp_path / "d.csv",
                                                                     index=False)  # fmt: skip
    pd.DataFrame({"timestamp": stamps, "temp_c": 10.0}).to_csv(tmp_path / "t.csv", index=False)
    return tmp_path


def _evaluate(directory, *options: str, capsys) -> tuple[int, str, str]:
    status = main(["evaluate", "--model", MODEL, "--draws", "10", "--demand",
                   str(directory / "d.csv"), "--temperature", str(directory / "t.csv"),
                   *options])  # fmt: skip
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _mape(errors_and_counts: list[tuple[float, int]]) -> float:
    """Mean of absolute percentage errors given as (error [%], number of hours)."""
    return sum(e * n for e, n in errors_and_counts) / sum(n for _, n in errors_and_counts)


def test_details_of_a_forecast_known_exactly(exact, capsys):
    status, out, err = _evaluate(exact, "--details", "--json", capsys=capsys)
    assert status == 0, err
    result = json.loads(out)
    details = result["details"]
    assert details["forecast"] == "ex_post"
    assert "point forecast's daily maximum" in details["daily_peak_forecast"]
    year = details["years"]["2024"]
    n_block = int(_block_days_2024().sum())
    n_other = 366 - n_block
    # An ordinary day: 22 hours at |60-50|/50 = 20 %, 18:00 at |72-50|/50 = 44 %, 19:00 at
    # |60-80|/80 = 25 %; a block day: 50 %, |72-40|/40 = 80 % and 25 %.
    ordinary = _mape([(20.0, 22), (44.0, 1), (25.0, 1)])
    block = _mape([(50.0, 22), (80.0, 1), (25.0, 1)])
    assert ordinary == pytest.approx(21.208333)
    assert year["mape_by_day_type_pct"]["midweek"] == pytest.approx(ordinary)
    assert year["mape_by_day_type_pct"]["holiday_block"] == pytest.approx(block)
    assert year["days_by_day_type"]["holiday_block"] == n_block
    assert sum(year["days_by_day_type"].values()) == 366
    # Seollal 2024 (Fri 9 - Mon 12 February) is a block; 1 January alone is a holiday.
    assert n_block >= 4 and year["days_by_day_type"]["holiday"] >= 1
    by_hour = year["mape_by_hour_pct"]
    assert len(by_hour) == 24
    assert by_hour[0] == pytest.approx(_mape([(20.0, n_other), (50.0, n_block)]))
    assert by_hour[18] == pytest.approx(_mape([(44.0, n_other), (80.0, n_block)]))
    assert by_hour[19] == pytest.approx(25.0)
    assert year["mape_by_month_pct"]["1"] == pytest.approx(ordinary)  # no block in January
    # Every day: forecast peak 72,000 MW at 18:00, actual 80,000 MW at 19:00.
    assert year["daily_peak_mape_pct"] == pytest.approx(10.0)
    assert year["daily_peak_days"] == 366
    assert year["daily_peak_hour_error_h"] == pytest.approx(-1.0)
    assert year["daily_peak_hour_abs_error_h"] == pytest.approx(1.0)
    minimum = year["annual_minimum"]
    assert minimum["actual_mw"] == pytest.approx(40_000.0)
    assert minimum["actual_time"] == "2024-02-09T00:00:00+09:00"  # Seollal's first hour
    assert minimum["forecast_mw"] == pytest.approx(LEVEL_MW)
    assert minimum["forecast_time"] == "2024-01-01T00:00:00+09:00"
    assert minimum["error_pct"] == pytest.approx(50.0)
    # Seasonal naive: 100,000 MW every hour, hence 100 %, |100-80|/80 = 25 % and 150 %.
    naive = _mape([(100.0, 23 * n_other), (25.0, 366), (150.0, 23 * n_block)])
    rows = {(r["forecast"], r["year"]): r for r in result["metrics"]}
    assert rows["seasonal_naive", 2024]["mape_pct"] == pytest.approx(naive)
    model_mape = _mape([(ordinary, n_other), (block, n_block)])
    assert rows["ex_post", 2024]["mape_pct"] == pytest.approx(model_mape)
    assert year["skill_score"] == pytest.approx(1.0 - model_mape / naive)
    # 2023 has no year before it in the file: no seasonal naive, no skill score.
    assert details["years"]["2023"]["skill_score"] is None


def test_details_as_text(exact, capsys):
    status, out, err = _evaluate(exact, "--details", capsys=capsys)
    assert status == 0, err
    assert "details ex_post 2024" in out
    assert "daily peak: MAPE 10.00 % over 366 days" in out
    assert "annual minimum: actual 40,000 MW at 2024-02-09T00:00:00+09:00" in out
    assert "error +50.00 %" in out
    assert "holiday_block" in out
    assert "skill vs seasonal naive: none (seasonal naive does not score 2023" in out


def test_without_details_the_output_is_unchanged(exact, capsys):
    status, out, _ = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0
    assert "details" not in json.loads(out)


def test_series_writes_the_hourly_actual_point_and_quantiles(exact, capsys):
    status, _, err = _evaluate(exact, "--series", str(exact / "s.csv"), capsys=capsys)
    assert status == 0, err
    series = pd.read_csv(exact / "s.csv")
    assert list(series.columns) == ["timestamp", "actual_mw", "point_mw", "p10_mw", "p50_mw",
                                    "p90_mw", "day_type"]  # fmt: skip
    assert len(series) == 8760 + 8784  # both years, one row per hour
    assert series["timestamp"].iloc[0] == "2023-01-01T00:00:00+09:00"
    row = series.set_index("timestamp").loc["2024-01-02T18:00:00+09:00"]
    assert row["actual_mw"] == pytest.approx(50_000.0)
    assert row["point_mw"] == pytest.approx(LEVEL_MW * PEAK_FACTOR)
    assert row["p10_mw"] <= row["p50_mw"] <= row["p90_mw"]
    assert row["day_type"] == "midweek"
    assert series.set_index("timestamp").loc["2024-02-10T12:00:00+09:00", "day_type"] == (
        "holiday_block"
    )


def test_a_masked_hour_is_left_out_of_the_details_and_empty_in_the_series(exact, capsys):
    """A long gap (NaN actual) is not scored: 2024-01-02 lacks 08:00-16:00 (9 hours, longer
    than the 6 interpolated), so that day leaves the daily-peak metrics and its hours the
    hourly ones."""
    frame = pd.read_csv(exact / "d.csv")
    frame = frame[~frame["timestamp"].str.match(r"2024-01-02T(0[89]|1[0-6])")]
    frame.to_csv(exact / "d.csv", index=False)
    status, out, err = _evaluate(exact, "--details", "--json", "--series",
                                 str(exact / "s.csv"), capsys=capsys)  # fmt: skip
    assert status == 0, err
    year = json.loads(out)["details"]["years"]["2024"]
    assert year["daily_peak_days"] == 365
    assert year["daily_peak_mape_pct"] == pytest.approx(10.0)
    assert year["mape_by_hour_pct"][19] == pytest.approx(25.0)
    series = pd.read_csv(exact / "s.csv").set_index("timestamp")
    assert np.isnan(series.loc["2024-01-02T12:00:00+09:00", "actual_mw"])
    assert series.loc["2024-01-02T12:00:00+09:00", "point_mw"] == pytest.approx(LEVEL_MW)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("missing/s.csv", "directory"),
        (".", "is a directory"),
        ("s.parquet", "allowed: a .csv file"),
    ],
)
def test_a_bad_series_path_is_one_line(exact, capsys, name, said):
    status, out, err = _evaluate(exact, "--series", str(exact / name), capsys=capsys)
    assert status == 2
    error = err.strip()
    assert error.startswith("error: --series = ") and "\n" not in error
    assert said in error
    assert out == ""  # refused before any work


@pytest.mark.shared_data
@requires_shared_data
def test_kpx_2024_holiday_day_types_have_their_mape(tmp_path, capsys):
    """The promoted Korean model on KPX 2024, ex ante: its own day types, Seollal's and
    Chuseok's blocks and the substitute ('observed') holidays among them, each with a MAPE."""
    frame = pd.read_csv(real_data_dir() / "kpx_hourly_demand.csv", dtype=str)
    frame[frame["timestamp"].str.startswith("2024")].to_csv(tmp_path / "kpx.csv", index=False)
    status = main(["evaluate", "--model", "kr-national-baseline", "--draws", "50", "--json",
                   "--details", "--demand", str(tmp_path / "kpx.csv")])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    year = json.loads(captured.out)["details"]["years"]["2024"]
    by_type = year["mape_by_day_type_pct"]
    for day_type in ("holiday", "holiday_block", "observed", "bridge", "after_block",
                     "partial_off", "saturday", "sunday", "midweek"):  # fmt: skip
        assert 0.0 < by_type[day_type] < 30.0, day_type
    assert year["days_by_day_type"]["holiday_block"] >= 7  # Seollal 4 days, Chuseok 5
    assert by_type["holiday_block"] > by_type["midweek"]
    assert year["skill_score"] is None  # the file has no 2023
    assert year["annual_minimum"]["actual_time"].startswith("2024-02-1")  # Seollal


# The standard metrics, the JSON's years and partial years (a utility load forecaster's
# review: no MAE, RMSE, bias or CRPS; "year" a string beside a "mean |.|" pseudo-year; NSW's
# only held-out data, 2021-01-01..03-18, refused for want of a complete calendar year).


def _point_and_actual_2024(directory) -> tuple[np.ndarray, np.ndarray]:
    """The exact model's point forecast of 2024 and the file's actual demand. [MW]"""
    frame = pd.read_csv(directory / "d.csv")
    in_2024 = frame["timestamp"].str.startswith("2024")
    hour = frame.loc[in_2024, "timestamp"].str[11:13].astype(int).to_numpy()
    assert len(hour) == 8784
    point = np.where(hour == 18, LEVEL_MW * PEAK_FACTOR, LEVEL_MW)
    return point, frame.loc[in_2024, "demand_mw"].to_numpy()


def test_the_standard_metrics_of_a_forecast_known_exactly(exact, capsys):
    status, out, err = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0, err
    result = json.loads(out)
    row = next(r for r in result["metrics"] if r["forecast"] == "ex_post" and r["year"] == 2024)
    point, actual = _point_and_actual_2024(exact)
    errors = point - actual
    assert row["mae_mw"] == pytest.approx(np.mean(np.abs(errors)))
    assert row["rmse_mw"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert row["bias_mw"] == pytest.approx(np.mean(errors))
    assert row["bias_pct"] == pytest.approx(np.mean(errors) / np.mean(actual) * 100)
    assert row["crps_mw"] > 0 and row["complete"] is True
    assert row["below_p10_pct"] + row["above_p90_pct"] + row["coverage_80_pct"] == pytest.approx(
        100.0
    )
    # The top-50 hours are 19:00s at 80,000 MW, far above a forecast of 60,000 (2 % noise).
    assert row["top_hours_coverage_80_pct"] == 0.0
    assert row["annual_peak_inside_80_pct"] == 0.0
    assert row["annual_peak_p90_mw"] < 80_000.0
    assert row["coverage_80_mc_se_pp"] is None  # 10 draws: too few for the error


def test_the_json_years_are_integers_and_the_mean_stands_apart(exact, capsys):
    status, out, err = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0, err
    result = json.loads(out)
    assert {(r["forecast"], r["year"]) for r in result["metrics"]} == {
        ("ex_post", 2023), ("ex_post", 2024), ("seasonal_naive", 2024)
    }  # fmt: skip
    assert set(result["mean"]) == {"ex_post", "seasonal_naive"}
    assert result["mean"]["seasonal_naive"]["mape_pct"] == pytest.approx(
        next(r["mape_pct"] for r in result["metrics"] if r["forecast"] == "seasonal_naive")
    )
    assert result["partial_years"] == {}


def test_the_text_output_has_the_standard_table_and_warns_of_few_draws(exact, capsys):
    status, out, err = _evaluate(exact, capsys=capsys)
    assert status == 0, err
    assert "| forecast | year | MAE MW | RMSE MW | bias MW | bias % | CRPS MW |" in out
    assert "| ex_post | mean |.| |" in out and "% of years |" in out
    assert "note: 10 draws: the coverages move between seeds" in out


def _cut(directory, last: str) -> None:
    frame = pd.read_csv(directory / "d.csv")
    frame[frame["timestamp"].str[:10] <= last].to_csv(directory / "d.csv", index=False)


def test_a_partial_year_is_scored_on_its_hours(exact, capsys):
    """2023 whole and 2024-01-01..03-18: both scored, 2024 without its energy and peak
    errors, and the output says which years were scored whole and which in part."""
    _cut(exact, "2024-03-18")
    status, out, err = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0, err
    result = json.loads(out)
    assert result["partial_years"] == {"2024": ["2024-01-01", "2024-03-18"]}
    row = next(r for r in result["metrics"] if r["forecast"] == "ex_post" and r["year"] == 2024)
    assert row["complete"] is False and row["period"] == ["2024-01-01", "2024-03-18"]
    assert row["energy_error_pct"] is None and row["peak_error_pct"] is None
    assert row["annual_peak_inside_80_pct"] is None
    assert 20.0 < row["mape_pct"] < 30.0 and row["mae_mw"] > 0
    naive = next(r for r in result["metrics"] if r["forecast"] == "seasonal_naive")
    assert naive["year"] == 2024 and naive["mape_pct"] > 90.0  # 100,000 MW against 40-80,000
    status, out, err = _evaluate(exact, capsys=capsys)
    assert status == 0, err
    assert "| ex_post | 2024 (01-01..03-18) |" in out
    assert (
        "note: years scored whole: 2023; in part: 2024 (2024-01-01 .. 2024-03-18), on its hours "
        "only" in out
    )


def test_a_file_of_part_of_one_year_is_scored(exact, capsys):
    """The file holds 2024-01-01..03-18 only: it was refused, "no complete calendar year"."""
    frame = pd.read_csv(exact / "d.csv")
    keep = frame["timestamp"].str[:10].between("2024-01-01", "2024-03-18")
    frame[keep].to_csv(exact / "d.csv", index=False)
    status, out, err = _evaluate(exact, capsys=capsys)
    assert status == 0, err
    assert "| ex_post | 2024 (01-01..03-18) |" in out
    assert "whole: none; in part: 2024" in out


# Calibration by hour of day and season, and the PIT histogram (a utility load forecaster
# comparing with OpenSTEF and statsmodels: a coverage right over the year can hide intervals
# too narrow at midday and too wide at night, or in summer and winter).


def test_the_calibration_by_hour_and_season_of_a_forecast_known_exactly(exact, capsys):
    """At 19:00 the point forecast is 60,000 MW against 100,000 MW every day of 2023 and
    80,000 MW every day of 2024: pooled over both years, 731 hours, all above P90 (2 % noise),
    bias (-40,000 × 365 - 20,000 × 366) / 731 MW. DJF pools Jan, Feb and Dec of each year:
    2,160 hours of 2023 and 2,184 of leap 2024."""
    status, out, err = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0, err
    calibration = json.loads(out)["calibration"]
    assert list(calibration) == ["ex_post"]  # seasonal naive has no intervals
    by_hour = calibration["ex_post"]["by_hour"]
    assert [row["hour"] for row in by_hour] == list(range(24))
    seven_pm = by_hour[19]
    assert seven_pm["hours"] == 731
    assert seven_pm["above_p90_pct"] == 100.0 and seven_pm["coverage_80_pct"] == 0.0
    bias = (-40_000.0 * 365 - 20_000.0 * 366) / 731
    assert seven_pm["bias_mw"] == pytest.approx(bias)
    assert seven_pm["bias_pct"] == pytest.approx(
        bias / ((100_000.0 * 365 + 80_000.0 * 366) / 731) * 100.0
    )
    seasons = {row["season"]: row for row in calibration["ex_post"]["by_season"]}
    assert list(seasons) == ["DJF", "MAM", "JJA", "SON"]
    assert seasons["DJF"]["hours"] == 2160 + 2184 and seasons["DJF"]["months"] == [12, 1, 2]
    assert sum(row["hours"] for row in seasons.values()) == 8760 + 8784
    pit = calibration["ex_post"]["pit"]
    assert pit["bins"] == 10 and sum(pit["counts"]) == pit["hours"] == 8760 + 8784
    assert sum(pit["share_pct"]) == pytest.approx(100.0)
    # 2023's 100,000 MW lies above every draw of a 60,000 MW forecast: the last bin.
    assert pit["counts"][-1] >= 8760


def test_the_calibration_tables_print_behind_by_and_the_pit_line_always(exact, capsys):
    status, out, err = _evaluate(exact, capsys=capsys)
    assert status == 0, err
    assert "| forecast | hour |" not in out and "| forecast | season |" not in out
    assert "PIT ex_post (17544 h; 10 bins, 10 % each if calibrated): " in out
    status, out, err = _evaluate(exact, "--by", "hour", "--by", "season", capsys=capsys)
    assert status == 0, err
    header = (
        "| forecast | hour | hours | cover 80 % | below P10 % | above P90 % | bias MW | bias % |"
    )
    assert header in out
    assert "| ex_post | 19 | 731 | 0.0 | 0.0 | 100.0 | -29986 | -33.32 |" in out
    assert "| ex_post | DJF (Dec-Feb) | 4344 |" in out
    assert "| ex_post | SON (Sep-Nov) | 4368 |" in out
    assert out.count("| ex_post | ") >= 24 + 4


def test_an_unknown_grouping_is_one_line(exact, capsys):
    status, out, err = _evaluate(exact, "--by", "week", capsys=capsys)
    assert status == 2
    assert err.strip() == "error: --by = 'week': allowed: hour, season (repeat --by for both)"
    assert out == ""


def test_a_half_hourly_file_scores_as_its_hourly_means(exact, capsys):
    """AEMO publishes 30-minute demand, interval-ending: each hour of the hourly file becomes
    two rows, 100 MW below and above its value, labelled by their ends (HH:30 and HH+1:00). Read
    with --interval-label ending they average back to the hourly file: the same metrics, and
    the gap report says how the hours were made."""
    status, out, err = _evaluate(exact, "--json", capsys=capsys)
    assert status == 0, err
    hourly = json.loads(out)
    frame = pd.read_csv(exact / "d.csv")
    begins = pd.DatetimeIndex(pd.to_datetime(frame["timestamp"], format="ISO8601"))
    halves = pd.DataFrame({
        "timestamp": [t.isoformat() for pair in zip(begins + pd.Timedelta(minutes=30),
                                                    begins + pd.Timedelta(minutes=60),
                                                    strict=True) for t in pair],
        "demand_mw": np.ravel(np.column_stack([frame["demand_mw"] - 100,
                                               frame["demand_mw"] + 100])),
    })  # fmt: skip
    halves.to_csv(exact / "d.csv", index=False)
    status, out, err = _evaluate(exact, "--json", "--interval-label", "ending", capsys=capsys)
    assert status == 0, err
    half_hourly = json.loads(out)
    assert half_hourly["metrics"] == hourly["metrics"]
    assert half_hourly["calibration"] == hourly["calibration"]
    (demand_gaps,) = [report for report in half_hourly["gaps"] if report["series"] == "demand"]
    assert demand_gaps["averaging"] == (
        "30-minute rows averaged to hourly (2 per hour, interval-ending labels)"
    )
    assert demand_gaps["missing_hours"] == 0
    status, out, err = _evaluate(exact, "--interval-label", "ending", capsys=capsys)
    assert status == 0, err
    said = f"gaps: demand ({exact / 'd.csv'}), 30-minute rows averaged to hourly (2 per hour, "
    assert said in out


def test_by_is_one_option_in_evaluate_and_the_backtest():
    """``forecast evaluate --by`` and ``python -m models.backtest --by`` are one declaration
    (forecast.cli.options.CalibrationByOption): the same help, and the values the commands
    check."""
    import typer

    from forecast.baseline.evaluation import CALIBRATION_GROUPINGS
    from forecast.cli import app
    from models import backtest

    def by_option(command):
        return next(param for param in command.params if "--by" in param.opts)

    evaluate = by_option(typer.main.get_command(app).commands["evaluate"])
    backtest_by = by_option(typer.main.get_command(backtest.app))
    assert (evaluate.help, evaluate.metavar) == (backtest_by.help, backtest_by.metavar)
    assert evaluate.metavar == "|".join(CALIBRATION_GROUPINGS)
