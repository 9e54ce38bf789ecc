"""Every numba kernel against its independent NumPy twin, plus hand-checkable tiny cases.

Run also with ``NUMBA_DISABLE_JIT=1`` to execute (and measure coverage of) the kernel bodies
as plain Python.
"""

import os
import zlib
from pathlib import Path

import numba
import numpy as np
import pytest

from forecast import _numba, kernels
from forecast.kernels import twins

RTOL, ATOL = 1e-12, 1e-9
FILLS = ["random", "zeros"]


def _rng(*case):
    """Return a generator seeded from the test case, so every case is reproducible."""
    return np.random.default_rng(zlib.crc32(repr(case).encode()))


def _survival(rng, draws, months, *, fill):
    """Return a non-increasing survival curve per draw that starts at 1."""
    if fill == "zeros":
        survival = np.zeros((draws, months))
    else:
        survival = np.cumprod(rng.uniform(0.85, 1.0, (draws, months)), axis=1)
    survival[:, 0] = 1.0
    return survival


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(("draws", "months"), [(5, 40), (1, 1), (1, 7), (4, 1)])
def test_fleet_replacement_matches_twin(draws, months, fill):
    rng = _rng("fleet", draws, months, fill)
    target = rng.uniform(0.0, 1000.0, months) if fill == "random" else np.zeros(months)
    target[rng.random(months) < 0.2] = np.nan
    survival = _survival(rng, draws, months, fill=fill)
    additions, installed = np.empty((draws, months)), np.empty((draws, months))
    kernels.fleet_replacement(target, survival, additions, installed)
    expected_additions, expected_installed = twins.fleet_replacement_numpy(target, survival)
    np.testing.assert_allclose(additions, expected_additions, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(installed, expected_installed, rtol=RTOL, atol=ATOL)


def test_fleet_replacement_by_hand():
    """Target 10 held for three months, half of a vintage retires after one month."""
    survival = np.array([[1.0, 0.5, 0.5]])
    additions, installed = np.empty((1, 3)), np.empty((1, 3))
    kernels.fleet_replacement(np.array([10.0, 10.0, 10.0]), survival, additions, installed)
    np.testing.assert_array_equal(additions, [[10.0, 5.0, 2.5]])
    np.testing.assert_array_equal(installed, [[10.0, 10.0, 10.0]])


def test_fleet_replacement_skips_months_without_target_and_never_retires_early():
    survival = np.array([[1.0, 0.5, 0.5]])
    additions, installed = np.empty((1, 3)), np.empty((1, 3))
    kernels.fleet_replacement(np.array([10.0, np.nan, 10.0]), survival, additions, installed)
    np.testing.assert_array_equal(additions, [[10.0, 0.0, 5.0]])
    np.testing.assert_array_equal(installed, [[10.0, 5.0, 10.0]])
    kernels.fleet_replacement(np.array([10.0, 2.0, 2.0]), survival, additions, installed)
    np.testing.assert_array_equal(additions, [[10.0, 0.0, 0.0]])
    np.testing.assert_array_equal(installed, [[10.0, 5.0, 5.0]])


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(("draws", "months"), [(5, 40), (1, 1), (1, 9), (3, 1)])
def test_vintage_weighted_stock_matches_twin(draws, months, fill):
    rng = _rng("stock", draws, months, fill)
    scale = 1.0 if fill == "random" else 0.0
    additions = scale * rng.uniform(0.0, 500.0, (draws, months))
    weight = scale * rng.uniform(700.0, 1500.0, months)
    survival = _survival(rng, draws, months, fill=fill)
    out = np.empty((draws, months))
    kernels.vintage_weighted_stock(additions, survival, weight, out)
    expected = twins.vintage_weighted_stock_numpy(additions, survival, weight)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_vintage_weighted_stock_by_hand():
    """2 accelerators of 1000 W, then 1 of 2000 W; half of the first vintage retires."""
    out = np.empty((1, 2))
    kernels.vintage_weighted_stock(
        np.array([[2.0, 1.0]]), np.array([[1.0, 0.5]]), np.array([1000.0, 2000.0]), out
    )
    np.testing.assert_array_equal(out, [[2000.0, 2.0 * 1000.0 * 0.5 + 2000.0]])


def _capacity_inputs(rng, draws, sites, *, fill, months):
    scale = 1.0 if fill == "random" else 0.0
    it_mw = scale * rng.uniform(5.0, 300.0, sites)
    start = rng.uniform(-3.0, months + 3.0, (draws, sites))
    start[:, ::3] = np.round(start[:, ::3])  # whole months hit the step's >= boundary
    ramp = rng.uniform(0.0, 18.0, sites)
    ramp[::2] = 0.0
    built = (rng.random((draws, sites)) < 0.7).astype(np.uint8)
    start[built == 0] = np.nan  # an unbuilt site's start must not matter
    return it_mw, start, ramp, built


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(
    ("draws", "sites", "regions", "months"),
    [(4, 12, 3, 30), (1, 1, 1, 1), (3, 0, 2, 5), (2, 5, 1, 1), (1, 6, 4, 12)],
)
def test_hosted_capacity_matches_twin(draws, sites, regions, months, fill):
    rng = _rng("capacity", draws, sites, regions, months, fill)
    it_mw, start, ramp, built = _capacity_inputs(rng, draws, sites, fill=fill, months=months)
    region = rng.integers(0, regions, sites)
    out = np.full((draws, regions, months), 99.0)
    kernels.hosted_capacity(it_mw, start, ramp, built, region, out)
    expected = twins.hosted_capacity_numpy(
        it_mw, start, ramp, built, region, region_count=regions, month_count=months
    )
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_hosted_capacity_by_hand():
    """100 MW from month 2 over 4 months; 50 MW as a step at month 3; one unbuilt site."""
    out = np.empty((1, 2, 8))
    kernels.hosted_capacity(
        np.array([100.0, 50.0, 70.0]),
        np.array([[2.0, 3.0, 0.0]]),
        np.array([4.0, 0.0, 0.0]),
        np.array([[1, 1, 0]], dtype=np.uint8),
        np.array([0, 1, 1]),
        out,
    )
    np.testing.assert_array_equal(out[0, 0], [0, 0, 25, 50, 75, 100, 100, 100])
    np.testing.assert_array_equal(out[0, 1], [0, 0, 0, 50, 50, 50, 50, 50])


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize("hours", [200, 1, 24])
def test_inference_profile_matches_twin(hours, fill):
    rng = _rng("profile", hours, fill)
    local_hour = rng.integers(0, 24, hours)
    is_workday = (rng.random(hours) < 0.7).astype(np.uint8)
    amplitude, peak_hour, weekend = (0.0, 0.0, 0.0) if fill == "zeros" else (0.35, 14.2, 0.8)
    out = np.empty(hours)
    kernels.inference_profile(local_hour, is_workday, amplitude, peak_hour, weekend, out)
    expected = twins.inference_profile_numpy(local_hour, is_workday, amplitude, peak_hour, weekend)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_inference_profile_by_hand():
    """Peak at 14:30 local: the 14:00 hour is the top, 02:00 the trough, weekends × 0.8."""
    out = np.empty(3)
    kernels.inference_profile(
        np.array([14, 2, 14]), np.array([1, 1, 0], dtype=np.uint8), 0.5, 14.5, 0.8, out
    )
    np.testing.assert_allclose(out, [1.5, 0.5, 1.2], rtol=RTOL)


def _power_inputs(rng, draws, regions, months, hours, weather_years, *, fill):
    scale = 1.0 if fill == "random" else 0.0
    coef = scale * rng.uniform(0.0, 100.0, (draws, regions, months, 4))
    month_of_hour = np.sort(rng.integers(0, months, hours))
    shape = scale * rng.uniform(0.5, 1.5, hours)
    excess = scale * np.maximum(rng.normal(2.0, 4.0, (weather_years, hours)), 0.0)
    weather_of_draw = rng.integers(0, weather_years, draws)
    return coef, month_of_hour, shape, excess, weather_of_draw


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(
    ("draws", "regions", "months", "hours", "weather_years"),
    [(4, 3, 3, 60, 2), (1, 1, 1, 1, 1), (2, 1, 2, 5, 3)],
)
def test_facility_power_matches_twin(draws, regions, months, hours, weather_years, fill):
    rng = _rng("power", draws, regions, months, hours, weather_years, fill)
    inputs = _power_inputs(rng, draws, regions, months, hours, weather_years, fill=fill)
    out = np.empty((draws, regions, hours))
    kernels.facility_power(*inputs, out)
    np.testing.assert_allclose(out, twins.facility_power_numpy(*inputs), rtol=RTOL, atol=ATOL)


def test_facility_power_by_hand():
    """c = (10, 5, 0.2, 0.1), phi = 2, x = 3 °C: 10 + 5·2 + (0.2 + 0.1·2)·3 = 21.2 MW."""
    out = np.empty((1, 1, 1))
    kernels.facility_power(
        np.array([[[[10.0, 5.0, 0.2, 0.1]]]]),
        np.array([0]),
        np.array([2.0]),
        np.array([[0.0], [3.0]]),
        np.array([1]),
        out,
    )
    np.testing.assert_allclose(out, [[[21.2]]], rtol=RTOL)


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(
    ("draws", "regions", "hours", "years", "weather_years"),
    [(4, 3, 72, 2, 2), (1, 1, 1, 1, 1), (3, 1, 30, 1, 4)],
)
def test_total_load_matches_twin(draws, regions, hours, years, weather_years, fill):
    rng = _rng("total", draws, regions, hours, years, weather_years, fill)
    scale = 1.0 if fill == "random" else 0.0
    ai_by_region = scale * rng.uniform(0.0, 500.0, (draws, regions, hours))
    level = scale * rng.uniform(50_000.0, 80_000.0, (draws, years))
    year_of_hour = np.sort(rng.integers(0, years, hours))
    baseline_shape = rng.uniform(0.7, 1.3, (weather_years, hours))
    day_of_hour = np.arange(hours) // 24
    noise = rng.normal(1.0, 0.02, (draws, day_of_hour[-1] + 1))
    weather_of_draw = rng.integers(0, weather_years, draws)
    inputs = (ai_by_region, level, year_of_hour, baseline_shape, noise, day_of_hour)
    outputs = tuple(np.empty((draws, hours)) for _ in range(3))
    kernels.total_load(*inputs, weather_of_draw, *outputs)
    for result, expected in zip(
        outputs, twins.total_load_numpy(*inputs, weather_of_draw), strict=True
    ):
        np.testing.assert_allclose(result, expected, rtol=RTOL, atol=ATOL)


def test_total_load_by_hand():
    """Two regions of 100 and 50 MW on a 1000 MW level, shape 1.2, noise 0.5."""
    ai, baseline, total = (np.empty((1, 1)) for _ in range(3))
    kernels.total_load(
        np.array([[[100.0], [50.0]]]), np.array([[1000.0]]), np.array([0]),
        np.array([[1.2]]), np.array([[0.5]]), np.array([0]), np.array([0]),
        ai, baseline, total,
    )  # fmt: skip
    np.testing.assert_allclose([ai[0, 0], baseline[0, 0], total[0, 0]], [150.0, 600.0, 750.0])


PROBABILITIES = np.array([0.0, 0.05, 0.1, 0.25, 0.5, 0.9, 0.95, 1.0])


def _quantile_values(rng, draws, hours, kind):
    if kind == "zeros":
        return np.zeros((draws, hours))
    if kind == "ties":
        return rng.integers(0, 3, (draws, hours)).astype(np.float64)
    values = rng.lognormal(8.0, 1.0, (draws, hours))
    if kind == "nan":
        values[rng.integers(0, draws, hours // 3), rng.integers(0, hours, hours // 3)] = np.nan
        values[:, 0] = np.nan
    if kind == "sorted":
        values = np.sort(values, axis=0)
    return values


@pytest.mark.parametrize("kind", ["random", "zeros", "ties", "nan", "sorted"])
@pytest.mark.parametrize(("draws", "hours"), [(101, 70), (1000, 3), (1, 5), (2, 1), (7, 33)])
def test_quantiles_over_draws_equal_numpy(draws, hours, kind):
    """Bit for bit, including NaN columns, ties, one draw and the block boundary at 32 hours."""
    rng = _rng("quantiles", draws, hours, kind)
    values = _quantile_values(rng, draws, hours, kind)
    original = values.copy()
    out = np.empty((PROBABILITIES.size, hours))
    kernels.quantiles_over_draws(values, PROBABILITIES, out)
    np.testing.assert_array_equal(out, twins.quantiles_over_draws_numpy(values, PROBABILITIES))
    np.testing.assert_array_equal(values, original)


def test_quantiles_over_draws_single_and_random_probabilities():
    rng = _rng("quantiles-probabilities")
    values = rng.normal(0.0, 1.0, (257, 4))
    for probabilities in (np.array([0.5]), np.sort(rng.random(11))):
        out = np.empty((probabilities.size, 4))
        kernels.quantiles_over_draws(values, probabilities, out)
        np.testing.assert_array_equal(out, twins.quantiles_over_draws_numpy(values, probabilities))


def test_quantiles_over_draws_by_hand():
    """Draws 3, 1, 2, 4: P0 = 1, P25 = 1.75, P50 = 2.5, P100 = 4."""
    out = np.empty((4, 1))
    kernels.quantiles_over_draws(
        np.array([[3.0], [1.0], [2.0], [4.0]]), np.array([0.0, 0.25, 0.5, 1.0]), out
    )
    np.testing.assert_array_equal(out[:, 0], [1.0, 1.75, 2.5, 4.0])


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(("draws", "hours", "years"), [(4, 50, 3), (1, 1, 1), (3, 10, 1)])
def test_accumulate_annual_matches_twin(draws, hours, years, fill):
    rng = _rng("annual", draws, hours, years, fill)
    values = (
        rng.uniform(0.0, 1000.0, (draws, hours)) if fill == "random" else np.zeros((draws, hours))
    )
    year_of_hour = np.sort(rng.integers(0, years, hours))
    energy = rng.uniform(0.0, 1e6, (draws, years))
    peak = np.where(rng.random((draws, years)) < 0.5, -np.inf, 500.0)
    expected = twins.accumulate_annual_numpy(values, year_of_hour, energy, peak)
    kernels.accumulate_annual(values, year_of_hour, energy, peak)
    np.testing.assert_allclose(energy, expected[0], rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(peak, expected[1])


def test_accumulate_annual_by_hand():
    energy, peak = np.zeros((1, 2)), np.full((1, 2), -np.inf)
    kernels.accumulate_annual(
        np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([0, 0, 1, 1]), energy, peak
    )
    np.testing.assert_array_equal(energy, [[3.0, 7.0]])
    np.testing.assert_array_equal(peak, [[2.0, 4.0]])


@pytest.mark.parametrize("fill", [*FILLS, "ties"])
@pytest.mark.parametrize(("draws", "hours", "years"), [(4, 50, 3), (1, 1, 1), (3, 10, 1)])
def test_accumulate_peak_companion_matches_twin(draws, hours, years, fill):
    rng = _rng("companion", draws, hours, years, fill)
    if fill == "random":
        values = rng.uniform(0.0, 1000.0, (draws, hours))
    else:
        values = rng.integers(0, 3, (draws, hours)).astype(np.float64) * (fill == "ties")
    companion = rng.uniform(0.0, 100.0, (draws, hours))
    year_of_hour = np.sort(rng.integers(0, years, hours))
    peak = np.where(rng.random((draws, years)) < 0.5, -np.inf, 1.0)
    companion_at_peak = rng.uniform(0.0, 100.0, (draws, years))
    expected = twins.accumulate_peak_companion_numpy(
        values, companion, year_of_hour, peak, companion_at_peak
    )
    kernels.accumulate_peak_companion(values, companion, year_of_hour, peak, companion_at_peak)
    np.testing.assert_array_equal(peak, expected[0])
    np.testing.assert_array_equal(companion_at_peak, expected[1])


def test_accumulate_peak_companion_by_hand():
    """A tie at 7 MW keeps the first hour's companion; a tie with the running peak keeps it."""
    peak, companion_at_peak = np.full((1, 2), -np.inf), np.zeros((1, 2))
    kernels.accumulate_peak_companion(
        np.array([[5.0, 7.0, 7.0, 1.0]]),
        np.array([[10.0, 20.0, 30.0, 40.0]]),
        np.array([0, 0, 0, 1]),
        peak,
        companion_at_peak,
    )
    np.testing.assert_array_equal(peak, [[7.0, 1.0]])
    np.testing.assert_array_equal(companion_at_peak, [[20.0, 40.0]])
    kernels.accumulate_peak_companion(
        np.array([[7.0]]), np.array([[99.0]]), np.array([0]), peak, companion_at_peak
    )
    np.testing.assert_array_equal(companion_at_peak, [[20.0, 40.0]])


def test_warm_up_compiles_every_kernel():
    assert sorted(_numba.warm_up()) == sorted(kernels.__all__)


def test_kernel_cache_is_keyed_on_every_kernel_source(tmp_path):
    """numba checks a cached kernel only against its own file, so an edit to a kernel it calls
    (quantiles._select inside stream_chunk) would keep running stale code; the cache directory
    is named after a digest of all kernel sources instead."""
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text("x = 1\n")
    second.write_text("y = 2\n")
    digest = _numba.source_digest((first, second))
    assert digest == _numba.source_digest((first, second))
    second.write_text("y = 3\n")
    assert _numba.source_digest((first, second)) != digest

    names = {path.name for path in _numba.KERNEL_SOURCES}
    assert {"_numba.py", "quantiles.py", "stream.py", "power.py"} <= names
    directory = _numba.cache_directory()
    assert directory.name == f"numba-{_numba.source_digest()}"
    if _numba.CACHE_ENABLED and not numba.config.DISABLE_JIT:
        cache_path = Path(kernels.stream_chunk._cache._cache_path)
        assert cache_path.parent == directory or not os.access(directory, os.W_OK)
