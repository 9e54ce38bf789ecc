"""Weather: historical record completion, shipped climatology, ensembles and their mapping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import weather
from forecast.errors import DataError, NotFoundError, OptionsError
from forecast.paths import real_data_available, real_data_dir
from forecast.weather import (
    HOURS_IN_LEAP_YEAR,
    WeatherEnsemble,
    build_climatology,
    climatology_path,
    format_climatology,
    historical_hourly_temperature,
    leap_calendar_hour,
    load_climatology,
    load_weather,
    reconstructed_hours,
    synthetic_temperature,
)

needs_real_data = pytest.mark.skipif(
    not real_data_available(),
    reason=f"real KPX/KMA data not found in FORECAST_DATA_DIR ({real_data_dir()})",
)

# Hand-made inputs: every day of 2013-2024 in the daily file, only 2013 in the hourly file.
# The hourly values follow T = Tmin + (Tmax - Tmin) * SHAPE(h) exactly, so the estimated
# diurnal shape must be SHAPE and a rebuilt day must follow the same formula.
SHAPE = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(24) - 3) / 24)  # 0 at 03:00, 1 at 15:00
MEAN_POSITION = 0.45  # daily mean = min + 0.45 (max - min)


def _daily_frame() -> pd.DataFrame:
    dates = pd.date_range("2013-01-01", "2024-12-31", freq="D")
    phase = 2 * np.pi * (dates.day_of_year.to_numpy() - 15) / 365.25
    low = np.round(2.0 - 12.0 * np.cos(phase), 1)
    high = np.round(low + 8.0 + 2.0 * np.sin(phase), 1)
    mean = np.round(low + MEAN_POSITION * (high - low), 1)
    return pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "temp_mean_c": mean,
            "temp_min_c": low,
            "temp_max_c": high,
            "station": 108,
        }
    )


def _hourly_frame(daily: pd.DataFrame) -> pd.DataFrame:
    days_2013 = daily[daily["date"].str.startswith("2013")]
    values = (
        days_2013["temp_min_c"].to_numpy()[:, None]
        + (days_2013["temp_max_c"].to_numpy() - days_2013["temp_min_c"].to_numpy())[:, None] * SHAPE
    )
    stamps = pd.date_range("2013-01-01 00:00", "2013-12-31 23:00", freq="h", tz="+09:00")
    return pd.DataFrame(
        {
            "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S+09:00"),
            "temp_c": np.round(values.ravel(), 1),
            "station": 108,
        }
    )


def _write(directory: Path, hourly: pd.DataFrame, daily: pd.DataFrame) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    hourly.to_csv(directory / weather.HOURLY_FILE, index=False)
    daily.to_csv(directory / weather.DAILY_FILE, index=False)
    return directory


@pytest.fixture(scope="module")
def tiny_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    daily = _daily_frame()
    return _hourly_frame(daily), daily


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, tiny_frames) -> Path:
    hourly, daily = tiny_frames
    return _write(tmp_path_factory.mktemp("tiny"), hourly, daily)


def _ramp_ensemble() -> WeatherEnsemble:
    hours = np.arange(HOURS_IN_LEAP_YEAR, dtype=np.float64)
    return WeatherEnsemble(
        labels=("up", "down"),
        temperature_c=np.vstack([hours, -hours]),
        source="test",
        location="seoul",
    )


# ------------------------------------------------------------------ leap calendar and mapping


def test_leap_calendar_hour_of_hand_checked_dates():
    months = np.array([1, 2, 2, 3, 12])
    days = np.array([1, 28, 29, 1, 31])
    hours = np.array([0, 5, 0, 0, 23])
    assert leap_calendar_hour(months, days, hours).tolist() == [
        0,
        58 * 24 + 5,
        59 * 24,
        60 * 24,
        8783,
    ]


def test_for_hours_maps_month_day_hour_and_converts_time_zones():
    ensemble = _ramp_ensemble()
    seoul = pd.DatetimeIndex(["2025-03-01 00:00", "2024-02-29 12:00"]).tz_localize("Asia/Seoul")
    result = ensemble.for_hours(seoul)  # 2025 is not a leap year: Mar 1 is leap hour 1440
    assert result.shape == (2, 2)
    assert result.dtype == np.float64
    assert result[0].tolist() == [1440.0, 59 * 24 + 12.0]
    assert result[1].tolist() == [-1440.0, -(59 * 24 + 12.0)]
    utc = pd.DatetimeIndex(["2024-12-31 15:00"]).tz_localize("UTC")  # 2025-01-01 00:00 KST
    assert ensemble.for_hours(utc)[:, 0].tolist() == [0.0, 0.0]


def test_for_hours_rejects_naive_timestamps():
    with pytest.raises(OptionsError, match="naive"):
        _ramp_ensemble().for_hours(pd.date_range("2030-01-01", periods=3, freq="h"))


def test_cooling_excess_is_the_positive_part_above_the_reference():
    ensemble = _ramp_ensemble()
    times = pd.date_range("2030-01-01 00:00", periods=30, freq="h", tz="Asia/Seoul")
    excess = ensemble.cooling_excess(times, reference_c=20.0)
    assert excess[0].tolist() == [max(hour - 20.0, 0.0) for hour in range(30)]
    assert (excess[1] == 0.0).all()


def test_ensemble_is_read_only_and_validated():
    ensemble = _ramp_ensemble()
    with pytest.raises(ValueError, match="read-only"):
        ensemble.temperature_c[0, 0] = 1.0
    with pytest.raises(DataError, match="shape"):
        WeatherEnsemble(
            labels=("a",), temperature_c=np.zeros((1, 8760)), source="", location="seoul"
        )
    with pytest.raises(DataError, match="labels"):
        WeatherEnsemble(
            labels=("a",), temperature_c=np.zeros((2, 8784)), source="", location="seoul"
        )
    with pytest.raises(NotFoundError, match="paris"):
        WeatherEnsemble(
            labels=("a",), temperature_c=np.zeros((1, 8784)), source="", location="paris"
        )


# ------------------------------------------------------------------ historical record, hand-made


def test_tiny_record_is_complete_and_marks_rebuilt_hours(tiny_dir, tiny_frames):
    temperature = historical_hourly_temperature(tiny_dir)
    rebuilt = reconstructed_hours(tiny_dir)
    assert len(temperature) == 105_192
    assert str(temperature.index.tz) == "UTC+09:00"
    assert temperature.index[0] == pd.Timestamp("2013-01-01 00:00", tz="+09:00")
    assert temperature.index[-1] == pd.Timestamp("2024-12-31 23:00", tz="+09:00")
    assert not temperature.isna().any()
    assert rebuilt.index.equals(temperature.index)
    assert not rebuilt["2013"].any()
    assert rebuilt["2014":].all()
    hourly, _ = tiny_frames
    np.testing.assert_array_equal(temperature["2013"].to_numpy(), hourly["temp_c"].to_numpy())


def test_tiny_record_rebuilds_days_from_min_max_and_the_shape(tiny_dir, tiny_frames):
    """Hours 06-17 are untouched by the seam smoothing: exactly Tmin + range * shape(h)."""
    _, daily = tiny_frames
    temperature = historical_hourly_temperature(tiny_dir)
    day = daily.set_index("date").loc["2016-07-20"]
    rebuilt = temperature["2016-07-20"].to_numpy()
    expected = day["temp_min_c"] + (day["temp_max_c"] - day["temp_min_c"]) * SHAPE
    # 0.05 degC: the hourly input is rounded to 0.1 degC, so the estimated shape is too.
    np.testing.assert_allclose(rebuilt[6:18], expected[6:18], atol=0.05)
    assert (np.abs(np.diff(temperature["2016-07-19":"2016-07-21"].to_numpy())) < 2.0).all()


def test_empty_daily_cell_is_filled_from_the_mean_position(tmp_path, tiny_frames):
    hourly, daily = tiny_frames
    daily = daily.copy()
    row = daily.index[daily["date"] == "2019-05-10"][0]
    low, high = daily.loc[row, ["temp_min_c", "temp_max_c"]]
    daily["temp_max_c"] = daily["temp_max_c"].astype(object)
    daily.loc[row, "temp_max_c"] = ""
    directory = _write(tmp_path, hourly, daily)
    rebuilt = historical_hourly_temperature(directory)["2019-05-10"].to_numpy()
    # max = min + (mean - min) / f with f ~ MEAN_POSITION; 15:00 sits at the daily maximum.
    assert rebuilt[15] == pytest.approx(low + (high - low) * SHAPE[15], abs=0.25)


def test_historical_ensemble_puts_feb_28_on_feb_29_of_non_leap_years(tiny_dir):
    ensemble = load_weather("historical", data_dir=tiny_dir)
    assert ensemble.labels == tuple(str(year) for year in range(2013, 2025))
    assert ensemble.temperature_c.shape == (12, HOURS_IN_LEAP_YEAR)
    temperature = historical_hourly_temperature(tiny_dir)
    feb_28, feb_29, mar_1 = 58 * 24, 59 * 24, 60 * 24
    row_2013 = ensemble.temperature_c[0]
    np.testing.assert_array_equal(row_2013[feb_29:mar_1], row_2013[feb_28:feb_29])
    np.testing.assert_array_equal(row_2013[mar_1 : mar_1 + 24], temperature["2013-03-01"])
    row_2016 = ensemble.temperature_c[3]
    np.testing.assert_array_equal(row_2016[feb_29:mar_1], temperature["2016-02-29"])


def test_auto_without_temperature_files_is_synthetic(tmp_path):
    ensemble = load_weather("auto", data_dir=tmp_path, n_synthetic=3, seed=5)
    assert ensemble.labels == ("synthetic-00", "synthetic-01", "synthetic-02")


@pytest.mark.parametrize(
    ("which", "line", "old", "new", "message"),
    [
        ("hourly", 101, None, "abc", "line 101: temp_c='abc' is not a number"),
        ("hourly", 50, None, "55.0", "line 50: temp_c=55.0 °C is outside"),
        ("hourly", 7, None, "-41", "line 7: temp_c=-41.0 °C is outside"),
        ("hourly", 3, "+09:00", "", "line 3: timestamp='2013-01-01T01:00:00' has no UTC offset"),
        ("daily", 12, None, "x1", "line 12: temp_min_c='x1' is not a number"),
        ("daily", 20, "2013-01-19", "2013-01-18", "lines \\[19, 20\\]: duplicate date"),
    ],
)
def test_malformed_rows_raise_data_error_naming_file_and_line(
    tmp_path, tiny_frames, which, line, old, new, message
):
    hourly, daily = (frame.copy() for frame in tiny_frames)
    frame = hourly if which == "hourly" else daily
    column = {"hourly": "temp_c", "daily": "temp_min_c"}[which] if old is None else frame.columns[0]
    row = line - 2
    frame[column] = frame[column].astype(str)
    frame.loc[row, column] = new if old is None else frame.loc[row, column].replace(old, new)
    directory = _write(tmp_path, hourly, daily)
    file_name = weather.HOURLY_FILE if which == "hourly" else weather.DAILY_FILE
    with pytest.raises(DataError, match=f"{file_name} {message}"):
        historical_hourly_temperature(directory)


def test_duplicate_hour_raises_data_error(tmp_path, tiny_frames):
    hourly, daily = tiny_frames
    doubled = pd.concat([hourly.iloc[:10], hourly.iloc[[4]], hourly.iloc[10:]])
    directory = _write(tmp_path, doubled, daily)
    with pytest.raises(DataError, match=r"lines \[6, 12\]: duplicate timestamp"):
        historical_hourly_temperature(directory)


def test_missing_day_in_both_files_raises_data_error(tmp_path, tiny_frames):
    hourly, daily = tiny_frames
    directory = _write(tmp_path, hourly, daily[daily["date"] != "2020-02-29"])
    with pytest.raises(DataError, match="no row for 2020-02-29"):
        historical_hourly_temperature(directory)


def test_historical_without_data_names_the_path(tmp_path):
    with pytest.raises(DataError, match=str(tmp_path)):
        load_weather("historical", data_dir=tmp_path)


# ------------------------------------------------------------------ shipped climatology


def test_shipped_climatology_is_small_and_plausible():
    """Seoul 2013-2024 (KMA daily file): January mean -1.7 °C, August mean 27.0 °C."""
    path = climatology_path("seoul")
    assert path.stat().st_size < 300_000
    climatology = load_climatology("seoul")
    typical = climatology.typical_temperature_c
    month_of_day = np.searchsorted(weather._LEAP_MONTH_START_DAY, np.arange(366), side="right")
    assert typical[month_of_day == 1].mean() == pytest.approx(-2.0, abs=1.0)
    assert typical[month_of_day == 8].mean() == pytest.approx(26.8, abs=1.0)
    august_profile = typical[month_of_day == 8].mean(axis=0)
    assert 13 <= int(np.argmax(august_profile)) <= 16
    assert 4 <= int(np.argmin(august_profile)) <= 7
    shape = climatology.diurnal_shape_by_month
    assert shape.min() >= 0.0
    assert shape.max() <= 1.0
    assert 0.5 < climatology.daily_anomaly_ar1_coefficient < 0.9
    document = json.loads(path.read_text(encoding="utf-8"))
    assert {entry["name"] for entry in document["provenance"]["source_files"]} == {
        weather.HOURLY_FILE,
        weather.DAILY_FILE,
    }
    assert all(len(entry["sha256"]) == 64 for entry in document["provenance"]["source_files"])


def test_typical_ensemble_is_the_shipped_year():
    ensemble = load_weather("typical")
    assert ensemble.labels == ("typical",)
    np.testing.assert_array_equal(
        ensemble.temperature_c[0], load_climatology("seoul").typical_temperature_c.ravel()
    )
    assert "climatology" in ensemble.source


def test_synthetic_is_deterministic_per_seed_and_differs_between_seeds():
    climatology = load_climatology("seoul")
    first = synthetic_temperature(climatology, n_years=3, seed=11)
    again = synthetic_temperature(climatology, n_years=3, seed=11)
    other = synthetic_temperature(climatology, n_years=3, seed=12)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).mean() > 1.0
    assert np.isfinite(first).all()


def test_synthetic_ensemble_is_cached_read_only_and_centred_on_the_typical_year():
    ensemble = load_weather("synthetic", n_synthetic=40, seed=0)
    assert load_weather("synthetic", n_synthetic=40, seed=0) is ensemble
    assert ensemble.labels[0] == "synthetic-00"
    assert ensemble.labels[-1] == "synthetic-39"
    assert not ensemble.temperature_c.flags.writeable
    typical = load_climatology("seoul").typical_temperature_c.ravel()
    # 40 years of AR(1) anomalies (s.d. <= 4.6 °C, phi 0.73): the mean annual cycle is within
    # 0.5 °C of the typical year when averaged over each month.
    monthly_difference = (ensemble.temperature_c.mean(axis=0) - typical).reshape(366, 24).mean(1)
    month_of_day = np.searchsorted(weather._LEAP_MONTH_START_DAY, np.arange(366), side="right")
    for month in range(1, 13):
        assert abs(monthly_difference[month_of_day == month].mean()) < 0.5
    # The annual maximum lies well above the typical year's (30.3 °C): real years reach 34-39.
    assert np.median(ensemble.temperature_c.max(axis=1)) > typical.max() + 3.0


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"kind": "forecast"}, OptionsError, "weather kind='forecast'"),
        ({"kind": "synthetic", "n_synthetic": 0}, OptionsError, "n_synthetic=0"),
        ({"kind": "synthetic", "seed": -1}, OptionsError, "seed=-1"),
        ({"kind": "typical", "location": "busan"}, NotFoundError, "location='busan'"),
    ],
)
def test_load_weather_rejects_bad_options(arguments, error, message):
    with pytest.raises(error, match=message):
        load_weather(**arguments)


# ------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def real_historical() -> WeatherEnsemble:
    return load_weather("historical")


@pytest.mark.shared_data
@needs_real_data
def test_real_historical_has_twelve_complete_years(real_historical):
    assert real_historical.labels == tuple(str(year) for year in range(2013, 2025))
    assert real_historical.temperature_c.shape == (12, HOURS_IN_LEAP_YEAR)
    assert np.isfinite(real_historical.temperature_c).all()
    assert load_weather("auto") is real_historical
    temperature = historical_hourly_temperature()
    assert temperature.max() == pytest.approx(39.4)  # 2018-08-01, README range -18.0 .. 39.4
    assert temperature.min() == pytest.approx(-18.0)


@pytest.mark.shared_data
@needs_real_data
def test_real_rebuilt_hours_are_exactly_the_documented_gaps():
    """README gaps: 2018-10-01 00:00 .. 2021-12-31 23:00 and Dec 31 01:00-23:00 of 2022-24."""
    rebuilt = reconstructed_hours()
    index = rebuilt.index
    expected = (index >= pd.Timestamp("2018-10-01 00:00", tz="+09:00")) & (
        index <= pd.Timestamp("2021-12-31 23:00", tz="+09:00")
    )
    expected |= (index.year >= 2022) & (index.month == 12) & (index.day == 31) & (index.hour >= 1)
    np.testing.assert_array_equal(rebuilt.to_numpy(), expected)
    assert rebuilt.sum() == 28_512 + 3 * 23


@pytest.mark.shared_data
@needs_real_data
def test_real_typical_year_is_close_to_the_historical_mean(real_historical):
    """Each calendar month of the typical year is within 0.5 °C of the 12-year mean.

    0.5 °C is about the sampling error of a 12-year monthly mean; measured: 0.41 °C at most.
    """
    typical = load_weather("typical").temperature_c[0]
    difference = (typical - real_historical.temperature_c.mean(axis=0)).reshape(366, 24)
    month_of_day = np.searchsorted(weather._LEAP_MONTH_START_DAY, np.arange(366), side="right")
    for month in range(1, 13):
        assert abs(difference[month_of_day == month].mean()) < 0.5, month
    assert np.abs(difference.mean(axis=0)).max() < 0.1  # per hour of day, over the year


@pytest.mark.shared_data
@needs_real_data
def test_real_synthetic_annual_extremes_match_the_historical_spread(real_historical):
    """Synthetic annual maxima: mean within 1 °C and spread within a factor 2 of the real ones."""
    synthetic = load_weather("synthetic", n_synthetic=100, seed=1)
    real_max = real_historical.temperature_c.max(axis=1)
    synthetic_max = synthetic.temperature_c.max(axis=1)
    assert abs(synthetic_max.mean() - real_max.mean()) < 1.0
    assert 0.5 < synthetic_max.std(ddof=1) / real_max.std(ddof=1) < 2.0


@pytest.mark.shared_data
@needs_real_data
def test_shipped_climatology_regenerates_identically():
    shipped = climatology_path("seoul").read_text(encoding="utf-8")
    assert format_climatology(build_climatology()) == shipped
