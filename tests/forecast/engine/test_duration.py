"""Per-draw hourly paths: the hourly_rows kernel against its twin, and load duration curves
and the peak-hour calendar of a projection against the same draws' annual figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib

import numpy as np
import pytest
import xarray as xr

from forecast import kernels
from forecast.cli import main
from forecast.engine.duration import DURATION_EDGES_H, PEAK_HOURS
from forecast.errors import OptionsError
from forecast.kernels import twins
from forecast.kernels.layout import FIRST_REGION_ROW, PEAK_COUNT
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario, read_scenario_file
from tests.forecast.engine.test_stream import _inputs

OPTIONS = ProjectionOptions(
    draws=40,
    seed=5,
    start=dt.date(2025, 1, 1),
    end=dt.date(2026, 12, 31),
    resolution="annual",
    weather="typical",
    duration_curves=True,
    duration_draws=25,
    per_draw=True,
)


@pytest.mark.parametrize("flex", [None, "curtail", "shift"])
@pytest.mark.parametrize("fill", ["random", "zeros", "nan"])
@pytest.mark.parametrize(
    ("draws", "regions", "days", "first_day", "last_day", "wanted"),
    [(300, 2, 5, 0, 5, [0, 7, 299]), (64, 3, 4, 1, 3, list(range(64))), (1, 1, 1, 0, 1, [0])],
)
def test_hourly_rows_match_twin(draws, regions, days, first_day, last_day, wanted, fill, flex):
    inputs, _, _ = _inputs(
        ("rows", draws, regions, days, flex), draws=draws, regions=regions, weather_years=3,
        days=days, fill=fill, flex=flex,
    )  # fmt: skip
    rows = np.arange(FIRST_REGION_ROW + regions, dtype=np.int64)
    positions = np.array(wanted, dtype=np.int64)
    out = np.empty((rows.size, positions.size, (last_day - first_day) * 24))
    kernels.hourly_rows(inputs, first_day, last_day, rows, positions, out)
    expected = twins.hourly_rows_numpy(inputs, first_day, last_day, rows, positions)
    if flex is None:
        np.testing.assert_array_equal(out, expected)
    else:
        # The twin sums flexibility in another order: equal to rounding.
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("flex", [None, "shift"])
def test_hourly_rows_match_twin_on_days_of_23_and_25_hours(flex):
    """The kernel holds a day's hours before writing them (as long as the longest day): the
    days a clock change makes 23 and 25 hours long come out whole, in their places."""
    inputs, _, _ = _inputs(
        ("dst", flex), draws=40, regions=2, weather_years=2, days=4, fill="random", flex=flex
    )
    inputs = inputs._replace(day_starts=np.array([0, 23, 48, 72, 96], dtype=np.int64))
    rows = np.arange(FIRST_REGION_ROW + 2, dtype=np.int64)
    positions = np.array([3, 0, 39], dtype=np.int64)
    out = np.full((rows.size, positions.size, 96), np.nan)
    kernels.hourly_rows(inputs, 0, 4, rows, positions, out)
    expected = twins.hourly_rows_numpy(inputs, 0, 4, rows, positions)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)


def test_hourly_rows_sum_to_the_stream_day_sums():
    """The kernel's hours are the stream's hours: their day sums equal stream_chunk's."""
    inputs, probabilities, rows = _inputs(
        ("sums", 50), draws=50, regions=2, weather_years=2, days=3, fill="random", flex="shift"
    )
    day_sums = np.empty((rows.size, 3, 50))
    kernels.stream_chunk(
        inputs, probabilities, rows[:0], np.empty((0, probabilities.size, 72)), day_sums,
        np.empty((2, PEAK_COUNT, 2, 50)),
    )  # fmt: skip
    out = np.empty((rows.size, 50, 72))
    kernels.hourly_rows(inputs, 0, 3, rows, np.arange(50), out)
    np.testing.assert_allclose(
        out.reshape(rows.size, 50, 3, 24).sum(axis=3).transpose(0, 2, 1), day_sums, rtol=1e-12
    )


@pytest.fixture(scope="module")
def projected(tmp_path_factory):
    from tests.conftest import SMALL_SCENARIO

    path = tmp_path_factory.mktemp("duration") / "small.toml"
    path.write_text(SMALL_SCENARIO, encoding="utf-8")
    scenario = read_scenario_file(path)
    return scenario, project(scenario, OPTIONS)


def _integral_twh(curve: xr.DataArray, dataset: xr.Dataset) -> xr.DataArray:
    return (curve * dataset["duration_band_hours"]).sum("duration_band") / 1e6


def test_duration_curves_are_sorted_and_integrate_to_the_annual_energy(projected):
    """Every draw's curve is non-increasing, its integral is that draw's annual energy and its
    first band that draw's annual peak (float32 hours: to 1e-6)."""
    _, dataset = projected
    draws = dataset["duration_draw"].to_numpy()
    assert draws.tolist() == list(range(OPTIONS.duration_draws))
    np.testing.assert_array_equal(dataset["duration_band_hours"].sum("duration_band"), [8760, 8760])
    assert (
        dataset["duration_band_hours"].isel(duration_band=slice(0, 10)).to_numpy().tolist()
        == [[1.0] * 10] * 2
    )
    for series, energy, peak in (
        ("total", "total_energy_twh", "total_peak_gw"),
        ("ai", "ai_energy_twh", "ai_peak_gw"),
    ):
        per_draw = dataset[f"{series}_load_duration_mw_per_draw"]
        assert (per_draw.diff("duration_band") <= 0).all(), series
        quantiles = dataset[f"{series}_load_duration_mw"]
        assert (quantiles.diff("duration_band") <= 0).all(), series
        same_draws = dataset[f"{energy}_per_draw"].sel(draw=draws).rename(draw="duration_draw")
        assert float(same_draws.min()) > 0
        np.testing.assert_allclose(_integral_twh(per_draw, dataset), same_draws, rtol=1e-6)
        mean_curve = dataset[f"{series}_load_duration_mw_mean"]
        np.testing.assert_allclose(
            _integral_twh(mean_curve, dataset), same_draws.mean("duration_draw"), rtol=1e-6
        )
        peaks = dataset[f"{peak}_per_draw"].sel(draw=draws).rename(draw="duration_draw")
        np.testing.assert_allclose(per_draw.isel(duration_band=0) / 1e3, peaks, rtol=1e-6)


def test_peak_hour_calendar_counts_every_draws_top_hours(projected):
    _, dataset = projected
    share = dataset["peak_hours_share_pct"]
    assert share.dims == ("year", "month_of_year", "hour_of_day")
    np.testing.assert_allclose(share.sum(("month_of_year", "hour_of_day")), 100.0)
    # 25 draws x 10 hours: every cell is a multiple of one hour in 250.
    counts = share.to_numpy() * OPTIONS.duration_draws * PEAK_HOURS / 100.0
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    assert dataset.attrs["duration_peak_hours"] == PEAK_HOURS


def test_duration_curves_leave_the_projection_unchanged(projected):
    scenario, dataset = projected
    plain = project(scenario, dataclasses.replace(OPTIONS, duration_curves=False, per_draw=False))
    for name in plain.data_vars:
        xr.testing.assert_identical(plain[name], dataset[name])


def test_duration_curves_with_flexibility_match_the_flexed_energy(small_scenario_text):
    data = parse_scenario(tomllib.loads(small_scenario_text), origin="test").model_dump(mode="json")
    data["flexibility"] = {"share": 0.5, "hours_per_year": 30, "mode": "shift"}
    scenario = parse_scenario(data, origin="flex")
    dataset = project(scenario, dataclasses.replace(OPTIONS, draws=12, duration_draws=12))
    curve = dataset["ai_load_duration_mw_per_draw"]
    energy = dataset["ai_energy_twh_per_draw"].rename(draw="duration_draw")
    np.testing.assert_allclose(_integral_twh(curve, dataset), energy, rtol=1e-6)


def test_duration_draw_cap_is_checked(projected):
    scenario, _ = projected
    message = "duration_draws = 10001: allowed: an integer 1..10,000"
    with pytest.raises(OptionsError, match=re.escape(message)):
        dataclasses.replace(OPTIONS, duration_draws=10_001).validated(scenario)


def test_edges_start_with_single_hours():
    assert DURATION_EDGES_H[:11].tolist() == [*range(10), 10]
    assert DURATION_EDGES_H[-1] == 8750 and np.all(np.diff(DURATION_EDGES_H) > 0)


def test_plot_duration_and_peak_hours(scenario_file, small_scenario_text, tmp_path, capsys):
    scenario = scenario_file(small_scenario_text)
    for kind in ("duration", "peak-hours"):
        out = tmp_path / f"{kind}.svg"
        args = ["plot", str(scenario), "--kind", kind, "--draws", "12", "--weather", "typical"]
        assert main([*args, "--out", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert "Hours of the year at or above the load" in text or "Local hour of the day" in text
    capsys.readouterr()
    assert main(["plot", str(scenario), "--kind", "bars", "--out", str(tmp_path / "x.png")]) == 2
    assert "--kind = 'bars': allowed: fan, peak, duration, peak-hours" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
    years = ["--kind", "duration", "--years", "2024", "--out", str(tmp_path / "y.png")]
    assert main(["plot", str(scenario), *years]) == 2
    assert "--years = 2024: allowed: a year 2025..2026 (the projection's period)" in (
        capsys.readouterr().err
    )
    # An option the figure does not use is refused before the projection, not ignored.
    unused = [
        (["--years", "2025"], "--years = '2025': only for --kind duration or peak-hours"),
        (["--duration-draws", "50"], "--duration-draws = '50': only for --kind duration"),
        (["--kind", "duration", "--resolution", "daily"], "--resolution = 'daily': only for"),
    ]
    for extra, message in unused:
        assert main(["plot", str(scenario), *extra, "--out", str(tmp_path / "z.png")]) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "z.png").exists()
