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
    """The fused stream equals the per-kernel pipeline (facility_power, total_load,
    quantiles_over_draws, accumulate_annual) on the same sampled inputs, to 1e-12."""
    from forecast import projection
    from forecast.scenario import read_scenario_file

    scenario = read_scenario_file(scenario_file(small_scenario_text))
    captured = {}
    stream = projection._stream

    def capture(*args):
        captured["args"] = args
        captured["stats"] = stream(*args)
        return captured["stats"]

    monkeypatch.setattr(projection, "_stream", capture)
    projection.project(scenario, projection.ProjectionOptions(
        draws=40, seed=3, weather="typical", include_baseline=True))  # fmt: skip
    scenario, options, calendar, ai, shape, excess, weather_of_draw, baseline, _ = captured["args"]
    stats = captured["stats"]
    draws, regions, hours = options.draws, len(scenario.regions), len(calendar.local)
    by_region = np.empty((draws, regions, hours))
    kernels.facility_power(ai.coef, calendar.month_of_hour, shape, excess, weather_of_draw,
                           by_region)  # fmt: skip
    ai_mw, base_mw, total_mw = (np.empty((draws, hours)) for _ in range(3))
    kernels.total_load(by_region, baseline.level, calendar.year_of_hour, baseline.shape,
                       baseline.noise, calendar.day_of_hour, weather_of_draw, ai_mw, base_mw,
                       total_mw)  # fmt: skip
    probabilities = np.asarray(options.quantiles)
    for name, values in (
        ("ai_facility_mw", ai_mw),
        ("baseline_mw", base_mw),
        ("total_mw", total_mw),
    ):
        expected = np.empty((probabilities.size, hours))
        kernels.quantiles_over_draws(values, probabilities, expected)
        np.testing.assert_array_equal(stats.series[name], expected, err_msg=name)
    years = len(calendar.years)
    for name, values in (("ai", ai_mw), ("baseline", base_mw), ("total", total_mw)):
        energy, peak = np.zeros((draws, years)), np.full((draws, years), -np.inf)
        kernels.accumulate_annual(values, calendar.year_of_hour, energy, peak)
        np.testing.assert_allclose(stats.annual[f"{name}_energy"], energy, rtol=1e-12)
        if name != "total":
            np.testing.assert_array_equal(stats.annual[f"{name}_peak"], peak)
    peak, at_peak = np.full((draws, years), -np.inf), np.zeros((draws, years))
    kernels.accumulate_peak_companion(total_mw, ai_mw, calendar.year_of_hour, peak, at_peak)
    np.testing.assert_array_equal(stats.annual["total_peak"], peak)
    np.testing.assert_array_equal(stats.annual["ai_at_total_peak"], at_peak)
