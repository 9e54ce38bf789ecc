"""The fused streaming kernel against its NumPy twin, and the fused projection path against
the per-kernel one."""

import zlib

import numpy as np
import pytest

from forecast import kernels
from forecast.kernels import stream, twins

PROBABILITIES = np.array([0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0])


def _inputs(case, *, draws, regions, weather_years, days, fill):
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    hours = days * 24
    scale = 0.0 if fill == "zeros" else 1.0
    coef_t = scale * rng.uniform(0.0, 100.0, (2, regions, 4, draws))
    hour = np.arange(hours)
    shape = 1.0 + 0.3 * np.sin(2 * np.pi * hour / 24)
    excess = np.maximum(rng.normal(1.0, 2.0, (weather_years, hours)), 0.0)
    level = scale * rng.uniform(5e4, 8e4, (2, draws))
    baseline_shape = 1.0 + 0.2 * np.sin(
        2 * np.pi * (hour[None] + rng.uniform(0, 24, (weather_years, 1))) / 24
    )
    noise = rng.normal(1.0, 0.02, (days, draws))
    if fill == "ties":
        coef_t = np.round(coef_t / 50.0)
        level = np.round(level / 1e4)
    if fill == "nan":
        noise[days // 2, draws // 3] = np.nan
    if fill == "cool":
        # No weather year needs cooling in the first half: the AI rows repeat day after day
        # and the kernel answers them from its memo.
        excess[:, : hours // 2] = 0.0
    bounds = np.sort(rng.integers(0, draws + 1, weather_years - 1))
    return (
        coef_t,
        np.minimum(hour // (hours // 2 + 1), 1),
        shape,
        excess,
        level,
        baseline_shape,
        noise,
        np.minimum(np.arange(days) // max(days - 1, 1), 1),
        np.arange(days + 1) * 24,
        np.r_[0, bounds, draws].astype(np.int64),
        PROBABILITIES,
        np.arange(3 + regions, dtype=np.int64),
    )


@pytest.mark.parametrize("fill", ["random", "zeros", "ties", "nan", "cool"])
@pytest.mark.parametrize(
    ("draws", "regions", "weather_years", "days", "blocks"),
    [(300, 2, 3, 5, 2), (1, 1, 1, 1, 1), (2, 1, 2, 3, 3), (64, 3, 4, 2, 4), (513, 1, 1, 2, 1)],
)
def test_stream_chunk_matches_twin(draws, regions, weather_years, days, blocks, fill):
    inputs = _inputs(
        ("stream", draws, regions, weather_years, days, fill),
        draws=draws,
        regions=regions,
        weather_years=weather_years,
        days=days,
        fill=fill,
    )
    quantiles = np.empty((3 + regions, PROBABILITIES.size, days * 24))
    day_sums = np.empty((3 + regions, days, draws))
    peaks = np.empty((blocks, 4, 2, draws))
    kernels.stream_chunk(*inputs, quantiles, day_sums, peaks)
    expected = twins.stream_chunk_numpy(*inputs, block_count=blocks)
    # Quantiles bit for bit: the windows only choose where to look.
    np.testing.assert_array_equal(quantiles, expected[0])
    np.testing.assert_allclose(day_sums, expected[1], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(peaks, expected[2])


def test_stream_chunk_by_hand():
    """One region, two draws of 10 and 20 MW flat, no baseline: P50 is 15 MW every hour."""
    coef_t = np.zeros((1, 1, 4, 2))
    coef_t[0, 0, 0] = [10.0, 20.0]
    quantiles, day_sums, peaks = np.empty((1, 1, 24)), np.empty((4, 1, 2)), np.empty((1, 4, 1, 2))
    kernels.stream_chunk(
        coef_t, np.zeros(24, dtype=np.int64), np.ones(24), np.zeros((1, 24)), np.zeros((1, 2)),
        np.zeros((1, 24)), np.ones((1, 2)), np.zeros(1, dtype=np.int64), np.array([0, 24]),
        np.array([0, 2]), np.array([0.5]), np.array([0]), quantiles, day_sums, peaks,
    )  # fmt: skip
    np.testing.assert_array_equal(quantiles, np.full((1, 1, 24), 15.0))
    np.testing.assert_array_equal(day_sums[0, 0], [240.0, 480.0])
    np.testing.assert_array_equal(peaks[0, stream.AI_PEAK, 0], [10.0, 20.0])


def test_projection_stream_equals_per_kernel_path(small_scenario_text, scenario_file, monkeypatch):
    """The fused stream equals the whole-array oracles (facility power, total load, annual
    energy and peaks of every draw and hour) on the same sampled inputs, to 1e-12."""
    from forecast import engine
    from forecast.scenario import read_scenario_file

    scenario = read_scenario_file(scenario_file(small_scenario_text))
    captured = {}
    stream_hours = engine.stream_hours

    def capture(*args):
        captured["args"] = args
        captured["stats"] = stream_hours(*args)
        return captured["stats"]

    monkeypatch.setattr(engine, "stream_hours", capture)
    engine.project(scenario, engine.ProjectionOptions(
        draws=40, seed=3, weather="typical", include_baseline=True))  # fmt: skip
    scenario, options, calendar, coef, shape, excess, weather_of_draw, baseline, _ = captured[
        "args"
    ]
    stats = captured["stats"]
    by_region = twins.facility_power_numpy(
        coef, calendar.month_of_hour, shape, excess, weather_of_draw
    )
    ai_mw, base_mw, total_mw = twins.total_load_numpy(
        by_region, baseline.level, calendar.year_of_hour, baseline.shape, baseline.noise,
        calendar.day_of_hour, weather_of_draw,
    )  # fmt: skip
    probabilities = np.asarray(options.quantiles)
    for name, values in (
        ("ai_facility_mw", ai_mw),
        ("baseline_mw", base_mw),
        ("total_mw", total_mw),
    ):
        expected = twins.quantiles_over_draws_numpy(values, probabilities)
        np.testing.assert_allclose(stats.series[name], expected, rtol=1e-12, err_msg=name)
    years = len(calendar.years)
    for name, values in (("ai", ai_mw), ("baseline", base_mw), ("total", total_mw)):
        energy, peak = twins.accumulate_annual_numpy(
            values, calendar.year_of_hour, np.zeros((options.draws, years)),
            np.full((options.draws, years), -np.inf),
        )  # fmt: skip
        np.testing.assert_allclose(stats.annual[f"{name}_energy"], energy, rtol=1e-12)
        if name != "total":
            np.testing.assert_allclose(stats.annual[f"{name}_peak"], peak, rtol=1e-12)
    peak, at_peak = twins.accumulate_peak_companion_numpy(
        total_mw, ai_mw, calendar.year_of_hour, np.full((options.draws, years), -np.inf),
        np.zeros((options.draws, years)),
    )  # fmt: skip
    np.testing.assert_allclose(stats.annual["total_peak"], peak, rtol=1e-12)
    np.testing.assert_allclose(stats.annual["ai_at_total_peak"], at_peak, rtol=1e-12)
