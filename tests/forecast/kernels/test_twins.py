"""Every numba kernel against its independent NumPy twin, plus hand-checkable tiny cases.

Run also with ``NUMBA_DISABLE_JIT=1`` to execute (and measure coverage of) the kernel bodies
as plain Python.
"""

import itertools
import json
import os
import subprocess
import sys
import textwrap
import threading
import zlib
from pathlib import Path

import numba
import numpy as np
import pytest

from forecast import kernels
from forecast.kernels import _jit, layout, stream, twins

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


# The comparison table: every kernel against its twin on random, zero and edge-length inputs.
# Each entry builds the kernel's inputs from (rng, draws, months, fill) and names how many
# output arrays of shape [draws, months] the kernel writes after its inputs.


def _stock_flow_inputs(rng, draws, months, fill):
    scale = 1.0 if fill == "random" else 0.0
    target = scale * rng.uniform(0.0, 1000.0, (draws, months))
    target[rng.random((draws, months)) < 0.2] = np.nan
    gross = scale * rng.uniform(0.0, 50.0, (draws, months)) * (rng.random((draws, months)) < 0.3)
    hold_from = rng.integers(-1, months, draws)
    return target, gross, hold_from, _survival(rng, draws, months, fill=fill)


def _surviving_stock_inputs(rng, draws, months, fill):
    scale = 1.0 if fill == "random" else 0.0
    additions = scale * rng.uniform(0.0, 500.0, (draws, months))
    return additions, _survival(rng, draws, months, fill=fill)


def _placement_inputs(rng, draws, months, fill):
    scale = 1.0 if fill == "random" else 0.0
    count = scale * rng.uniform(0.0, 100.0, (draws, months)) * (rng.random((draws, months)) < 0.6)
    watts = rng.uniform(1.0e-3, 2.0e-3, (draws, months))
    capacity = np.maximum.accumulate(scale * rng.uniform(0.0, 0.5, (draws, months)), axis=1)
    return count * watts, count, _survival(rng, draws, months, fill=fill), capacity


def _site_capacity_inputs(rng, draws, months, fill):
    scale = 1.0 if fill == "random" else 0.0
    capacity = scale * rng.uniform(5.0, 300.0, draws)
    start = rng.uniform(-3.0, months + 3.0, draws)
    start[::3] = np.round(start[::3])  # whole months hit the step's >= boundary
    built = (rng.random(draws) < 0.7).astype(np.uint8)
    ramp = float(rng.choice([0.0, rng.uniform(0.5, 18.0)]))
    return capacity, start, ramp, built


TWIN_CASES = {
    "stock_flow": (kernels.stock_flow, twins.stock_flow_numpy, _stock_flow_inputs, 2),
    "surviving_stock": (
        kernels.surviving_stock,
        twins.surviving_stock_numpy,
        _surviving_stock_inputs,
        1,
    ),
    "place_in_capacity": (
        kernels.place_in_capacity,
        twins.place_in_capacity_numpy,
        _placement_inputs,
        3,
    ),
    "site_capacity": (kernels.site_capacity, twins.site_capacity_numpy, _site_capacity_inputs, 1),
}


def _twin(name, inputs, months):
    if name == "site_capacity":
        return (twins.site_capacity_numpy(*inputs, month_count=months),)
    result = TWIN_CASES[name][1](*inputs)
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(("draws", "months"), [(5, 40), (1, 1), (1, 9), (4, 1), (3, 17)])
@pytest.mark.parametrize("name", sorted(TWIN_CASES))
def test_kernel_matches_twin(name, draws, months, fill):
    kernel, _, build, n_outputs = TWIN_CASES[name]
    inputs = build(_rng(name, draws, months, fill), draws, months, fill)
    copies = [np.copy(value) for value in inputs]
    outputs = [np.full((draws, months), 99.0) for _ in range(n_outputs)]
    kernel(*inputs, *outputs)
    for got, expected in zip(outputs, _twin(name, inputs, months), strict=True):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    for before, after in zip(copies, inputs, strict=True):
        np.testing.assert_array_equal(before, after)  # kernels never modify their inputs


def _run(kernel, *inputs, outputs, shape):
    out = [np.empty(shape) for _ in range(outputs)]
    kernel(*inputs, *out)
    return out


def test_stock_flow_by_hand():
    """Target 10 held for three months, half of a vintage retires after one month."""
    additions, installed = _run(
        kernels.stock_flow, np.array([[10.0, 10.0, 10.0]]), np.zeros((1, 3)), np.array([-1]),
        np.array([[1.0, 0.5, 0.5]]), outputs=2, shape=(1, 3),
    )  # fmt: skip
    np.testing.assert_array_equal(additions, [[10.0, 5.0, 2.5]])
    np.testing.assert_array_equal(installed, [[10.0, 10.0, 10.0]])


def test_stock_flow_skips_months_without_target_and_never_retires_early():
    survival = np.array([[1.0, 0.5, 0.5]])
    no_hold, no_gross = np.array([-1]), np.zeros((1, 3))
    additions, installed = _run(
        kernels.stock_flow, np.array([[10.0, np.nan, 10.0]]), no_gross, no_hold, survival,
        outputs=2, shape=(1, 3),
    )  # fmt: skip
    np.testing.assert_array_equal(additions, [[10.0, 0.0, 5.0]])
    np.testing.assert_array_equal(installed, [[10.0, 5.0, 10.0]])
    additions, installed = _run(
        kernels.stock_flow, np.array([[10.0, 2.0, 2.0]]), no_gross, no_hold, survival,
        outputs=2, shape=(1, 3),
    )  # fmt: skip
    np.testing.assert_array_equal(additions, [[10.0, 0.0, 0.0]])
    np.testing.assert_array_equal(installed, [[10.0, 5.0, 5.0]])


def test_gross_shipments_retire_and_a_hold_replaces_them():
    """8 shipped in month 0, half retire each month; without a hold nothing replaces them,
    with a hold from month 0 the 8 are kept (4 replace the first retirements, then 2 + 2)."""
    survival = np.array([[1.0, 0.5, 0.25]])
    gross, no_target = np.array([[8.0, 0.0, 0.0]]), np.full((1, 3), np.nan)
    _, installed = _run(
        kernels.stock_flow, no_target, gross, np.array([-1]), survival, outputs=2, shape=(1, 3)
    )
    np.testing.assert_array_equal(installed, [[8.0, 4.0, 2.0]])
    additions, installed = _run(
        kernels.stock_flow, no_target, gross, np.array([0]), survival, outputs=2, shape=(1, 3)
    )
    np.testing.assert_array_equal(additions, [[8.0, 4.0, 4.0]])
    np.testing.assert_array_equal(installed, [[8.0, 8.0, 8.0]])


def test_surviving_stock_by_hand():
    """2 accelerators of 1000 W, then 1 of 2000 W; half of the first vintage retires."""
    (out,) = _run(
        kernels.surviving_stock, np.array([[2000.0, 2000.0]]), np.array([[1.0, 0.5]]),
        outputs=1, shape=(1, 2),
    )  # fmt: skip
    np.testing.assert_array_equal(out, [[2000.0, 2.0 * 1000.0 * 0.5 + 2000.0]])


def test_placement_by_hand():
    """Capacity 0, 1, 3, 3 MW; vintages of 2 MW (month 0) and 2 MW (month 1), no retirement.
    Month 0: nothing hosted; month 1: half of the first; month 2: the first and half of the
    second; month 3 the same. The first vintage waited 1 + 0.5 months, the second 1 + 0.5 + 0.5."""
    hosted_mw, hosted_count, waited = _run(
        kernels.place_in_capacity, np.array([[2.0, 2.0, 0.0, 0.0]]),
        np.array([[4.0, 1.0, 0.0, 0.0]]), np.ones((1, 4)), np.array([[0.0, 1.0, 3.0, 3.0]]),
        outputs=3, shape=(1, 4),
    )  # fmt: skip
    np.testing.assert_array_equal(hosted_mw, [[0.0, 1.0, 3.0, 3.0]])
    np.testing.assert_array_equal(hosted_count, [[0.0, 2.0, 4.5, 4.5]])
    np.testing.assert_array_equal(waited[0, :2], [1.5, 2.0])


def test_site_capacity_by_hand():
    """100 MW from month 2 over 4 months; a step at month 3; an unbuilt site."""
    (out,) = _run(
        kernels.site_capacity, np.array([100.0, 50.0]), np.array([2.0, 3.0]), 4.0,
        np.array([1, 0], dtype=np.uint8), outputs=1, shape=(2, 8),
    )  # fmt: skip
    np.testing.assert_array_equal(out[0], [0, 0, 25, 50, 75, 100, 100, 100])
    np.testing.assert_array_equal(out[1], np.zeros(8))
    (step,) = _run(
        kernels.site_capacity, np.array([50.0]), np.array([3.0]), 0.0,
        np.array([1], dtype=np.uint8), outputs=1, shape=(1, 6),
    )  # fmt: skip
    np.testing.assert_array_equal(step[0], [0, 0, 0, 50, 50, 50])


def test_site_capacity_tiny_ramp():
    """A ramp of 1e-300 months must not overflow into inf or NaN."""
    (out,) = _run(
        kernels.site_capacity, np.array([10.0]), np.array([1.0]), 1e-300,
        np.array([1], dtype=np.uint8), outputs=1, shape=(1, 3),
    )  # fmt: skip
    np.testing.assert_array_equal(out, [[0.0, 10.0, 10.0]])


def test_connect_sites_tiny_phased_ramp():
    """A phased site with a ramp of 1e-310 months asks for all of it from its first month, in
    the kernel and in its twin (the twin's share overflowed)."""
    flag = np.ones(1, dtype=np.uint8)
    args = (np.array([[100.0]]), np.array([[0.5]]), np.array([1e-310]), np.zeros(1), flag,
            flag.reshape(1, 1), np.full((1, 3), 500.0))  # fmt: skip
    out = np.empty((1, 1, 3))
    kernels.connect_sites(*args, out)
    np.testing.assert_array_equal(out[0, 0], [100.0] * 3)
    np.testing.assert_array_equal(twins.connect_sites_numpy(*args)[0, 0], [100.0] * 3)


def test_site_capacity_zero_ramp_is_the_short_ramp_limit():
    """Commissioned mid-month (month 1.5) with no ramp, a site is online at the end of month 1,
    as it is with a ramp of a thousandth of a month; it used to wait for month 2."""
    for ramp in (0.0, 1e-3):
        (out,) = _run(
            kernels.site_capacity, np.array([10.0]), np.array([1.5]), ramp,
            np.array([1], dtype=np.uint8), outputs=1, shape=(1, 3),
        )  # fmt: skip
        np.testing.assert_array_equal(out, [[0.0, 10.0, 10.0]])
        built = np.ones(1, np.uint8)
        twin = twins.site_capacity_numpy(np.array([10.0]), np.array([1.5]), ramp, built, 3)
        np.testing.assert_array_equal(twin, [[0.0, 10.0, 10.0]])


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


@pytest.mark.parametrize(("days", "draws"), [(1, 3), (2, 1), (400, 37)])
@pytest.mark.parametrize("phi", [0.0, 0.73, -0.4])
def test_ar1_recursion_equals_its_numpy_loop_bit_for_bit(days, draws, phi):
    """The baseline's noise paths (and with them the golden projections) must not move."""
    by_day = _rng("ar1", days, draws).standard_normal((days, draws))
    expected = twins.ar1_recursion_numpy(by_day, phi)
    kernels.ar1_recursion(by_day, phi)
    np.testing.assert_array_equal(by_day, expected)


@pytest.mark.parametrize(
    ("rows", "days", "draws", "years", "periods"),
    [
        (9, 400, 37, [0, 200], [0, 31, 59, 90, 399]),
        (1, 1, 1, [0], []),
        (3, 5, 2, [0, 4], [0]),
        (2, 1100, 5, [0, 1099], [0, 7, 16, 1000]),  # runs split in two, three levels deep
    ],
)
def test_segment_sums_equal_reduceat_bit_for_bit(rows, days, draws, years, periods):
    """The years' energy and the periods' means must not move (tests/golden)."""
    day_sums = _rng("segments", rows, days, draws).lognormal(8.0, 1.0, (rows, days, draws))
    year_starts, period_starts = np.array(years), np.array(periods, dtype=np.int64)
    years_out = np.empty((rows, year_starts.size, draws))
    periods_out = np.full((rows, period_starts.size, draws), -1.0)
    kernels.segment_sums(day_sums, year_starts, years_out, period_starts, periods_out)
    np.testing.assert_array_equal(years_out, np.add.reduceat(day_sums, year_starts, axis=1))
    if period_starts.size:
        expected = np.add.reduceat(day_sums, period_starts, axis=1)
        np.testing.assert_array_equal(periods_out, expected)


def test_ar1_recursion_by_hand():
    """z = [1, 0.5 + 2, 0.5 * 2.5 - 1] with φ = 0.5 and shocks [1, 2, -1]."""
    by_day = np.array([[1.0], [2.0], [-1.0]])
    kernels.ar1_recursion(by_day, 0.5)
    np.testing.assert_array_equal(by_day[:, 0], [1.0, 2.5, 0.25])


def test_inference_profile_by_hand():
    """Peak at 14:30 local: the 14:00 hour is the top, 02:00 the trough, weekends × 0.8."""
    out = np.empty(3)
    kernels.inference_profile(
        np.array([14, 2, 14]), np.array([1, 1, 0], dtype=np.uint8), 0.5, 14.5, 0.8, out
    )
    np.testing.assert_allclose(out, [1.5, 0.5, 1.2], rtol=RTOL)


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
@pytest.mark.parametrize(
    ("draws", "hours"), [(101, 70), (1000, 3), (1, 5), (2, 1), (7, 33), (1000, 101)]
)
def test_quantiles_over_draws_equal_numpy(draws, hours, kind):
    """Bit for bit, including NaN columns, ties, one draw, the block boundary at 32 hours and
    blocks on threads (1,000 x 101 values)."""
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


@pytest.mark.parametrize("draws", [1, 2, 1000])
def test_quantiles_over_draws_keep_the_sign_of_zero(draws):
    """Columns of one value are answered without a selection: bit for bit NumPy's, the sign
    of a zero included (all 0, all -0, both mixed, one number, infinity, a second value)."""
    rng = _rng("quantiles-zero-signs", draws)
    columns = [
        np.zeros(draws), np.full(draws, -0.0), np.where(rng.random(draws) < 0.5, 0.0, -0.0),
        np.full(draws, 2.5), np.full(draws, np.inf), np.r_[np.full(draws - 1, 4.0), 5.0],
    ]  # fmt: skip
    values = np.stack(columns, axis=1)
    out = np.empty((PROBABILITIES.size, values.shape[1]))
    with np.errstate(invalid="ignore"):  # infinity's interpolation is NaN, as NumPy's
        kernels.quantiles_over_draws(values, PROBABILITIES, out)
        expected = twins.quantiles_over_draws_numpy(values, PROBABILITIES)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(expected))


def test_quantiles_over_draws_by_hand():
    """Draws 3, 1, 2, 4: P0 = 1, P25 = 1.75, P50 = 2.5, P100 = 4."""
    out = np.empty((4, 1))
    kernels.quantiles_over_draws(
        np.array([[3.0], [1.0], [2.0], [4.0]]), np.array([0.0, 0.25, 0.5, 1.0]), out
    )
    np.testing.assert_array_equal(out[:, 0], [1.0, 1.75, 2.5, 4.0])


#: Names ``forecast.kernels`` exports that are not kernels: the argument bundle and the
#: switches around them.
NOT_KERNELS = {
    "SiteMonths", "StreamInputs", "StressPass", "compile_seconds", "numpy_path", "numpy_work_limit",
    "stress_pass", "thread_count", "warm_up",
}  # fmt: skip

#: Kernels whose inputs do not fit TWIN_CASES' (draws, months) rows, each with the test that
#: runs it against its NumPy twin (segment_sums: against np.add.reduceat) (path from the
#: repository root :: test function).
TWIN_TESTS = {
    "ar1_recursion": "tests/forecast/kernels/test_twins.py::"
    "test_ar1_recursion_equals_its_numpy_loop_bit_for_bit",
    "segment_sums": "tests/forecast/kernels/test_twins.py::"
    "test_segment_sums_equal_reduceat_bit_for_bit",
    "inference_profile": "tests/forecast/kernels/test_twins.py::"
    "test_inference_profile_matches_twin",
    "quantiles_over_draws": "tests/forecast/kernels/test_twins.py::"
    "test_quantiles_over_draws_equal_numpy",
    "connect_sites": "tests/forecast/kernels/test_twins.py::test_connect_sites_matches_twin",
    "stress_levels": "tests/forecast/kernels/test_twins.py::test_stress_levels_match_twin",
    "stream_chunk": "tests/forecast/engine/test_stream.py::test_stream_chunk_matches_twin",
    "baseline_quantiles": "tests/forecast/engine/test_stream.py::"
    "test_baseline_quantiles_are_the_stream_kernels_bit_for_bit",
    "hourly_rows": "tests/forecast/engine/test_duration.py::test_hourly_rows_match_twin",
    "region_loads_at": "tests/forecast/engine/test_regions_at_peak.py::"
    "test_region_loads_at_peak_match_twin_and_sum_to_the_national",
    "site_reductions": "tests/forecast/kernels/test_site_reductions.py::"
    "test_site_reductions_match_twin",
    "add_load_coefficients": "tests/forecast/kernels/test_twins.py::"
    "test_add_load_coefficients_match_twin_bit_for_bit",
}


@pytest.mark.parametrize("rows", [4, 6])
@pytest.mark.parametrize("fill", [*FILLS, "nan"])
@pytest.mark.parametrize(("draws", "months"), [(5, 40), (1, 1), (1, 9), (4, 1), (3, 17)])
def test_add_load_coefficients_match_twin_bit_for_bit(draws, months, fill, rows):
    """The kernel adds what its twin's outer products give, bit for bit (the engine's
    coefficients, and so the golden files, rest on it), NaN where an input is NaN, on top of
    what the columns held."""
    rng = _rng("add_load_coefficients", draws, months, fill, rows)
    inputs = [rng.uniform(0.0, 2.0, (draws, months)) for _ in range(5)]
    if fill == "zeros":
        inputs[0][:] = 0.0
    elif fill == "nan":
        for array in inputs:
            array[rng.random((draws, months)) < 0.2] = np.nan
    held = rng.uniform(0.0, 5.0, (rows, draws, months))
    got = held.copy()
    kernels.add_load_coefficients(*inputs, got)
    want = held + twins.add_load_coefficients_numpy(*inputs, rows=rows)
    np.testing.assert_array_equal(got, want)
    with kernels.numpy_path():
        on_twin = held.copy()
        kernels.add_load_coefficients(*inputs, on_twin)
    np.testing.assert_array_equal(on_twin, want)


def test_add_load_coefficients_by_hand():
    """100 MW at load factor 0.5, a quarter inference, PUE 1.2 + 0.01/°C: IT 50 MW, training
    37.5 and serving 12.5 MW, so c = [45, 15, 0.375, 0.125]; the full load 100 · [1.2, 0.01];
    a window of the fleet grid (not contiguous) and a load factor for every draw (broadcast)."""
    grid = np.full((2, 5), 100.0)
    columns = np.zeros((6, 2, 3))
    kernels.add_load_coefficients(
        grid[:, 1:4], np.array([0.5]), np.full((2, 3), 0.25), np.full((2, 3), 1.2),
        np.full((2, 3), 0.01), columns,
    )  # fmt: skip
    expected = [45.0, 15.0, 0.375, 0.125, 120.0, 1.0]
    np.testing.assert_allclose(columns, np.broadcast_to(np.c_[expected][:, None], (6, 2, 3)))


def test_warm_up_compiles_every_kernel():
    assert sorted(kernels.warm_up()) == sorted(set(kernels.__all__) - NOT_KERNELS)


def test_every_kernel_is_checked_against_its_twin():
    """Each kernel is a TWIN_CASES row or has a named test that runs it against its NumPy
    reference (a contributor found the README's "one row in the comparison table" true of 4
    of 13). A new kernel goes into one of the two; the named test must exist and run it."""
    import ast

    root = Path(__file__).resolve().parents[3]
    every = set(kernels.__all__) - NOT_KERNELS
    assert not set(TWIN_CASES) & set(TWIN_TESTS)
    missing = sorted(every - set(TWIN_CASES) - set(TWIN_TESTS))
    assert not missing, (
        f"kernels with no twin test: {missing}; add a TWIN_CASES row or a test named in "
        "TWIN_TESTS (tests/forecast/kernels/test_twins.py)"
    )
    assert set(TWIN_TESTS) <= every, sorted(set(TWIN_TESTS) - every)
    for name, where in TWIN_TESTS.items():
        path, function = where.split("::")
        source = (root / path).read_text(encoding="utf-8")
        found = {
            node.name: ast.get_source_segment(source, node)
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef)
        }
        assert function in found, f"{name}: no test {where}"
        body = found[function] or ""
        # The call may be in a helper of the file (stress levels run chunk by chunk).
        assert name in body and f"kernels.{name}(" in source, (
            f"{name}: {where} does not run kernels.{name}"
        )


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize(
    ("sites", "draws", "months"), [(4, 5, 30), (1, 1, 1), (0, 2, 3), (3, 2, 9)]
)
def test_connect_sites_matches_twin(sites, draws, months, fill):
    rng = _rng("connect", sites, draws, months, fill)
    scale = 1.0 if fill == "random" else 0.0
    request = scale * rng.uniform(10.0, 300.0, (sites, draws))
    start = rng.uniform(-3.0, months, (sites, draws))
    start[:, ::2] = np.round(start[:, ::2])
    ramp = np.where(rng.random(sites) < 0.5, 0.0, rng.uniform(1.0, 12.0, sites))
    lead = np.where(rng.random(sites) < 0.5, 0.0, rng.uniform(0.5, 8.0, sites))
    phased = (rng.random(sites) < 0.5).astype(np.uint8)
    built = (rng.random((sites, draws)) < 0.8).astype(np.uint8)
    limit = np.maximum.accumulate(scale * rng.uniform(0.0, 400.0, (draws, months)), axis=1)
    limit[:, months // 2 :] *= rng.uniform(0.5, 1.0)  # a falling limit never cuts anyone off
    out = np.full((sites, draws, months), 99.0)
    kernels.connect_sites(request, start, ramp, lead, phased, built, limit, out)
    expected = twins.connect_sites_numpy(request, start, ramp, lead, phased, built, limit)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    assert np.all(np.diff(out, axis=2) >= -ATOL)
    assert np.all(out <= request[:, :, None] + ATOL)


def test_connect_sites_by_hand():
    """Limit 100 MW, then 250 MW from month 3. Site A (queued first) asks 100 MW from month 1;
    site B asks 120 MW from month 0: B takes 100 in month 0, A waits until month 3 and gets
    100 (never cutting B off), B gets its last 20 then as well."""
    out = np.empty((2, 1, 5))
    kernels.connect_sites(
        np.array([[100.0], [120.0]]), np.array([[1.0], [0.0]]), np.zeros(2), np.zeros(2),
        np.zeros(2, dtype=np.uint8), np.ones((2, 1), dtype=np.uint8),
        np.array([[100.0, 100.0, 100.0, 250.0, 250.0]]), out,
    )  # fmt: skip
    np.testing.assert_array_equal(out[0, 0], [0.0, 0.0, 0.0, 100.0, 100.0])
    np.testing.assert_array_equal(out[1, 0], [100.0, 100.0, 100.0, 120.0, 120.0])


def test_a_phased_site_asks_as_it_builds():
    """Limit 100 MW. Site A (queued first, phased) builds 120 MW over 4 months from month 0
    and asks 30, 60, 90, 120; site B (whole) asks 50 MW from month 1. A takes 30 in month 0;
    in month 1 A (first in the queue) takes 30 more and B the 40 left; A then waits: each
    month's room goes to the sites waiting then, in queue order. Asking all at once, A would
    have taken all 100 in month 0 and B would get nothing."""
    args = (np.array([[120.0], [50.0]]), np.array([[0.0], [1.0]]), np.array([4.0, 0.0]),
            np.zeros(2))  # fmt: skip
    limit, built = np.full((1, 6), 100.0), np.ones((2, 1), dtype=np.uint8)
    out = np.empty((2, 1, 6))
    kernels.connect_sites(*args, np.array([1, 0], dtype=np.uint8), built, limit, out)
    np.testing.assert_array_equal(out[0, 0], [30.0, 60.0, 60.0, 60.0, 60.0, 60.0])
    np.testing.assert_array_equal(out[1, 0], [0.0, 40.0, 40.0, 40.0, 40.0, 40.0])
    kernels.connect_sites(*args, np.array([0, 0], dtype=np.uint8), built, limit, out)
    np.testing.assert_array_equal(out[0, 0], [100.0] * 6)
    np.testing.assert_array_equal(out[1, 0], [0.0] * 6)


def test_a_site_that_applies_ahead_of_its_build_queues_from_then():
    """Limit 100 MW. Site A (queued first, whole) asks 100 MW when its ramp starts, month 3;
    site B (queued second) starts in month 3 too but applied 3 months ahead: it asks from month
    0 and takes the 100 MW; A waits. Phased with the same lead, B asks in month 0 for what its
    4-month ramp will have built 3 months later (25 MW), then 50, 75; in month 3 A, first in
    the queue, asks too and takes the 25 MW left, and B's last 25 waits."""
    request, start = np.array([[100.0], [100.0]]), np.array([[3.0], [3.0]])
    limit, built = np.full((1, 6), 100.0), np.ones((2, 1), dtype=np.uint8)
    whole, out = np.zeros(2, dtype=np.uint8), np.empty((2, 1, 6))
    kernels.connect_sites(request, start, np.zeros(2), np.array([0.0, 3.0]), whole, built,
                          limit, out)  # fmt: skip
    np.testing.assert_array_equal(out[0, 0], [0.0] * 6)
    np.testing.assert_array_equal(out[1, 0], [100.0] * 6)
    phased = np.array([0, 1], dtype=np.uint8)
    kernels.connect_sites(request, start, np.array([0.0, 4.0]), np.array([0.0, 3.0]), phased,
                          built, limit, out)  # fmt: skip
    np.testing.assert_array_equal(out[1, 0], [25.0, 50.0, 75.0, 75.0, 75.0, 75.0])
    np.testing.assert_array_equal(out[0, 0], [0.0, 0.0, 0.0, 25.0, 25.0, 25.0])


def _stress_levels_in_chunks(
    inputs, hours_per_year, chunks, threshold=50.0, period_hours=(0, kernels.ANY_HOUR), *,
    slot_of_hour=None, counted=None, flex_share=None,
):  # fmt: skip
    """The kernel's stress levels and cutoffs over ``chunks`` chunks of days, the last year
    closed as the engine closes it; the total's peak and the AI load at it; the stress hours
    in ``period_hours`` counted (hours, events, longest) and the AI energy in them; and the
    hours of the draws ``counted`` (default all) by ``slot_of_hour`` (default slot 0), with
    the energy each draw's ``flex_share`` (default none) gives way in them."""
    days, draws = inputs.day_starts.size - 1, inputs.flex_share.size
    hours = int(inputs.day_starts[-1])
    if slot_of_hour is None:
        slot_of_hour = np.zeros(hours, dtype=np.int64)
    if counted is None:
        counted = np.ones(draws, dtype=np.uint8)
    state = kernels.stress_pass(
        draws, inputs.baseline_level_t.shape[0], hours_per_year, slot_of_hour=slot_of_hour,
        counted=counted, flex_share=flex_share, period_hours=period_hours,
    )  # fmt: skip
    # What the kernel counts starts at what it never writes: a year left uncounted shows.
    state = state._replace(called=np.full_like(state.called, -1),
                           called_ai=np.full_like(state.called_ai, np.nan))  # fmt: skip
    bounds = np.linspace(0, days, chunks + 1).astype(int)
    for first, last in itertools.pairwise(bounds):
        h0, h1 = inputs.day_starts[first], inputs.day_starts[last]
        chunk = inputs._replace(
            month_of_hour=inputs.month_of_hour[h0:h1],
            inference_shape=inputs.inference_shape[h0:h1],
            cooling_excess_c=np.ascontiguousarray(inputs.cooling_excess_c[:, h0:h1]),
            baseline_shape=np.ascontiguousarray(inputs.baseline_shape[:, h0:h1]),
            daily_noise_t=inputs.daily_noise_t[first:last],
            year_of_day=inputs.year_of_day[first:last],
            day_starts=inputs.day_starts[first : last + 1] - h0,
            first_hour=int(h0),
        )
        kernels.stress_levels(chunk, 0, threshold, state)
    kernels.close_open_years(state, threshold)
    return (state.levels, state.cutoffs, state.total_peak, state.ai_at_peak, state.called,
            state.called_ai, state.called_slots, state.called_energy_slots)  # fmt: skip


def _stress_hours(inputs, levels, cutoffs):
    """How many hours of each year are stress hours in each draw, by the kernels' rule. [Y, D]"""
    total = twins.stream_values(inputs)[2]  # [D, H]
    year_of_hour = np.repeat(inputs.year_of_day, np.diff(inputs.day_starts))
    hour = np.arange(total.shape[1])
    counts = []
    for year in range(levels.shape[0]):
        in_year = year_of_hour == year
        level, cutoff = levels[year][:, None], cutoffs[year][:, None]
        at = total[:, in_year]
        stressed = (at > level) | ((at == level) & (hour[in_year][None, :] <= cutoff))
        counts.append(stressed.sum(axis=1))
    return np.array(counts)


@pytest.mark.parametrize("fill", ["random", "ties", "nan"])
@pytest.mark.parametrize("hours_per_year", [1, 5, 30, 200])
@pytest.mark.parametrize("chunks", [1, 3])
@pytest.mark.parametrize("period", [(0, kernels.ANY_HOUR), (29, 131)])
def test_stress_levels_match_twin(hours_per_year, chunks, fill, period):
    from tests.forecast.engine.test_stream import _inputs

    days, draws = 6, 37
    inputs, _, _ = _inputs(("stress", hours_per_year, chunks, fill), draws=draws, regions=2,
                           weather_years=3, days=days, fill=fill)  # fmt: skip
    # Any slot for any hour, and a draw in three left out of the calendar.
    rng = np.random.default_rng(hours_per_year)
    slot_of_hour = rng.integers(0, layout.MONTH_HOUR_SLOTS, int(inputs.day_starts[-1]))
    counted = (np.arange(draws) % 3 != 0).astype(np.uint8)
    # Each draw its own share (the calendar of energy weighs each draw's AI load by it).
    share = rng.uniform(0.1, 0.9, draws)
    levels, cutoffs, peak, at_peak, called, called_ai, slots, energy = _stress_levels_in_chunks(
        inputs, hours_per_year, chunks, period_hours=period, slot_of_hour=slot_of_hour,
        counted=counted, flex_share=share,
    )  # fmt: skip
    expected = twins.stress_levels_numpy(inputs, hours_per_year, 50.0, period_hours=period,
                                         slot_of_hour=slot_of_hour, counted=counted,
                                         flex_share=share)  # fmt: skip
    assert called[layout.CALLED_HOURS].max() > 0  # some hours are called in each case
    np.testing.assert_allclose(levels, expected[0], rtol=RTOL)
    np.testing.assert_array_equal(cutoffs, expected[1])
    np.testing.assert_array_equal(called, expected[4])
    # Both add the AI energy in hour order, whatever order the kernel visits the days in.
    np.testing.assert_array_equal(called_ai, expected[5])
    np.testing.assert_array_equal(slots, expected[6])
    # Whole kWh: an hour's share x AI load may round apart by one where the twin's AI load
    # differs in its last bits.
    np.testing.assert_allclose(energy, expected[7], atol=slots.max())
    # The calendar holds every hour the counted draws are called, and no other; its energy,
    # the share of the AI energy in them (to the kWh of each hour).
    np.testing.assert_array_equal(
        slots.sum(axis=1), called[layout.CALLED_HOURS][:, counted == 1].sum(axis=1)
    )
    given_way = (share * called_ai)[:, counted == 1].sum(axis=1) * layout.KWH_PER_MWH
    np.testing.assert_allclose(
        energy.sum(axis=1), given_way, atol=called[layout.CALLED_HOURS].sum() + 1e-6
    )
    assert (energy > 0).any() == (slots > 0).any()
    if fill == "nan":
        return  # a NaN draw's hours rank lowest, as NumPy sorts them; they are no stress hours
    # The declared hours a year give way, or every hour at or above the threshold where
    # fewer reach it (ties or not).
    total = twins.stream_values(inputs)[2]  # [D, H]
    year_of_hour = np.repeat(inputs.year_of_day, np.diff(inputs.day_starts))
    for year, stressed in enumerate(_stress_hours(inputs, levels, cutoffs)):
        reaching = (total[:, year_of_hour == year] >= 50.0).sum(axis=1)
        np.testing.assert_array_equal(stressed, np.minimum(hours_per_year, reaching))
    np.testing.assert_allclose(peak, expected[2], rtol=RTOL)
    np.testing.assert_allclose(at_peak, expected[3], rtol=RTOL)


def _signed(inputs, rng):
    """``inputs`` with every input of the total given random signs (negative coefficients,
    excess, shapes, levels and noise), as no projection makes them: the day bound's box
    corners must hold whatever the signs."""

    def flip(values):
        return values * rng.choice([-1.0, 1.0], values.shape)

    return inputs._replace(
        coef_t=flip(inputs.coef_t), non_ai_t=flip(inputs.non_ai_t),
        inference_shape=flip(inputs.inference_shape),
        cooling_excess_c=flip(inputs.cooling_excess_c + 0.5),
        baseline_level_t=flip(inputs.baseline_level_t),
        baseline_shape=flip(inputs.baseline_shape), daily_noise_t=flip(inputs.daily_noise_t),
    )  # fmt: skip


@numba.njit
def _region_sums(coef_t, first_draw, sums):
    """The first pass's helpers, called from a kernel as the first pass calls them (they have
    no entry from Python: forecast.kernels._jit.borrowing_jit)."""
    stream._region_sums(coef_t, first_draw, sums)


@numba.njit
def _hour_values(inputs, hour, day, first_draw, last_draw, rows, weather):
    stream._hour_values(inputs, hour, day, first_draw, last_draw, rows, weather, inputs.non_ai_t)


@numba.njit
def _day_bounds(inputs, day, first_draw, sums, bound):
    stream._day_bounds(inputs, day, first_draw, sums, bound)


@pytest.mark.parametrize("fill", ["random", "ties", "nan", "zeros", "cool", "signed", "inf"])
@pytest.mark.parametrize("first_draw", [0, 5])
def test_day_bound_holds_every_hour(fill, first_draw):
    """Flexibility's first pass evaluates a day's hours of a draw only where its bound on the
    day's total passes the draw's floor: the bound is at least every hour's total as the
    stream's own evaluation rounds it, in days of one month and in a day whose hours lie in
    two (day 3 here), NaN and infinite inputs giving an infinite bound; and it is within
    1e-6 of the day's highest total where the inference shape and the weather are flat (no
    box to widen it)."""
    from tests.forecast.engine.test_stream import _inputs

    draws, days = 23, 6
    inputs, _, _ = _inputs(("bound", fill), draws=draws, regions=3, weather_years=4, days=days,
                           fill="random" if fill in ("signed", "inf") else fill)  # fmt: skip
    rng = np.random.default_rng(zlib.crc32(fill.encode()))
    if fill == "signed":
        inputs = _signed(inputs, rng)
    if fill == "inf":
        inputs.coef_t[1, 2, 3, 7] = np.inf
    count = draws - first_draw
    rows = np.zeros((layout.FIRST_REGION_ROW + 3, count))
    weather, totals = np.zeros((2, count)), np.empty((days, 24, count))
    sums, bound = np.empty((2, 8, count)), np.empty(count)
    _region_sums(inputs.coef_t, first_draw, sums)
    for day in range(days):
        for hour in range(24):
            _hour_values(inputs, day * 24 + hour, day, first_draw, draws, rows, weather)
            totals[day, hour] = rows[layout.TOTAL_ROW]
        _day_bounds(inputs, day, first_draw, sums, bound)
        highest = totals[day].max(axis=0)  # NaN where an hour is
        assert (bound[~np.isnan(highest)] >= highest[~np.isnan(highest)]).all()
        assert np.isinf(bound[np.isnan(highest)]).all()
        if fill == "nan" and day == days // 2:
            assert np.isinf(bound[draws // 3 - first_draw])
        if fill == "inf" and day >= 3:  # the coefficient is month 1's
            assert np.isinf(bound[7 - first_draw])
    flat = inputs._replace(
        inference_shape=np.ones_like(inputs.inference_shape),
        cooling_excess_c=np.full_like(inputs.cooling_excess_c, 2.0),
        baseline_shape=np.ones_like(inputs.baseline_shape),
    )
    if fill in ("random", "signed"):
        _day_bounds(flat, 0, first_draw, sums, bound)
        _hour_values(flat, 0, 0, first_draw, draws, rows, weather)
        np.testing.assert_allclose(bound, rows[layout.TOTAL_ROW], rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("chunks", [1, 3])
@pytest.mark.parametrize("hours_per_year", [1, 7, 30])
def test_a_flat_loads_called_hours_are_one_event_of_the_declared_hours(chunks, hours_per_year):
    """By hand: a flat load's stress hours are each year's first N hours (equal totals go to
    the earlier hours), so the programme is called once, for N hours, with N times the AI load
    in them; counted from the period's fourth hour, once for N - 3 hours (none for N <= 3).
    The second year has 24 hours: all of them where N is larger."""
    from tests.forecast.engine.test_stream import _inputs

    inputs, _, _ = _inputs(("flat-called", chunks), draws=5, regions=1, weather_years=1,
                           days=6, fill="random")  # fmt: skip
    flat = inputs._replace(
        coef_t=np.ones_like(inputs.coef_t),
        non_ai_t=np.zeros_like(inputs.non_ai_t),
        inference_shape=np.ones_like(inputs.inference_shape),
        cooling_excess_c=np.zeros_like(inputs.cooling_excess_c),
        baseline_level_t=np.zeros_like(inputs.baseline_level_t),
    )
    ai_mw = twins.stream_values(flat)[layout.AI_ROW, 0, 0]
    for period, first_year in (((0, kernels.ANY_HOUR), hours_per_year),
                               ((3, kernels.ANY_HOUR), max(hours_per_year - 3, 0))):  # fmt: skip
        # Each hour in a slot of its clock hour: the first year's hours called are its
        # hours period[0] .. N - 1, of all 5 draws.
        clock_hour = np.arange(int(flat.day_starts[-1])) % 24
        *_, called, called_ai, slots, energy = _stress_levels_in_chunks(
            flat, hours_per_year, chunks, threshold=0.0, period_hours=period,
            slot_of_hour=clock_hour, flex_share=np.full(5, 0.25),
        )  # fmt: skip
        second_year = min(hours_per_year, 24)
        for year, hours in enumerate((first_year, second_year)):
            assert (called[layout.CALLED_HOURS, year] == hours).all()
            assert (called[layout.CALLED_EVENTS, year] == min(hours, 1)).all()
            assert (called[layout.LONGEST_EVENT, year] == hours).all()
            np.testing.assert_allclose(called_ai[year], hours * ai_mw, rtol=1e-12)
        first = np.arange(period[0], hours_per_year)
        np.testing.assert_array_equal(
            slots[0], 5 * np.bincount(first % 24, minlength=layout.MONTH_HOUR_SLOTS)
        )
        # A quarter of the AI load gives way in each of them, in whole kWh. [kWh]
        np.testing.assert_array_equal(energy[0], slots[0] * round(0.25 * ai_mw * 1000))


@pytest.mark.parametrize("chunks", [1, 3])
def test_equal_hours_give_way_in_the_declared_hours_only(chunks):
    """A flat load (every hour the same total, as a data-centre load without weather or a
    baseline has on many days) ties at the level: the earliest N hours are the stress hours,
    not every hour at the level (an Irish planner's 1-hour flexibility curtailed 500 hours)."""
    from tests.forecast.engine.test_stream import _inputs

    days, draws = 6, 5
    inputs, _, _ = _inputs(("flat", chunks), draws=draws, regions=1, weather_years=1,
                           days=days, fill="random")  # fmt: skip
    flat = inputs._replace(
        coef_t=np.ones_like(inputs.coef_t),
        non_ai_t=np.zeros_like(inputs.non_ai_t),
        inference_shape=np.ones_like(inputs.inference_shape),
        cooling_excess_c=np.zeros_like(inputs.cooling_excess_c),
        baseline_level_t=np.zeros_like(inputs.baseline_level_t),
    )
    for hours_per_year in (1, 7, 30):
        levels, cutoffs, *_ = _stress_levels_in_chunks(flat, hours_per_year, chunks, threshold=0.0)
        expected = twins.stress_levels_numpy(flat, hours_per_year, 0.0)
        np.testing.assert_array_equal(cutoffs, expected[1])
        year_of_hour = np.repeat(flat.year_of_day, np.diff(flat.day_starts))
        years = np.arange(levels.shape[0])
        first_hours = np.searchsorted(year_of_hour, years)
        in_year = np.bincount(year_of_hour, minlength=years.size)
        # The N-th hour of each year is the last stress hour (every hour of a shorter year).
        wanted = np.where(
            in_year >= hours_per_year, first_hours + hours_per_year - 1, kernels.ANY_HOUR
        )
        np.testing.assert_array_equal(cutoffs, np.broadcast_to(wanted[:, None], cutoffs.shape))
        stressed = _stress_hours(flat, levels, cutoffs)
        assert np.all(stressed == np.minimum(in_year, hours_per_year)[:, None])


def test_kernel_cache_is_keyed_on_every_kernel_source(tmp_path):
    """numba checks a cached kernel only against its own file, so an edit to a kernel it calls
    (quantiles._select inside stream_chunk) would keep running stale code; the cache directory
    is named after a digest of all kernel sources instead."""
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text("x = 1\n")
    second.write_text("y = 2\n")
    digest = _jit.source_digest((first, second))
    assert digest == _jit.source_digest((first, second))
    second.write_text("y = 3\n")
    assert _jit.source_digest((first, second)) != digest

    names = {path.name for path in _jit.KERNEL_SOURCES}
    assert {"_jit.py", "quantiles.py", "stream.py", "power.py"} <= names
    directory = _jit.cache_directory()
    suffix = "-compress" if _jit.VECTOR_COMPRESS else ""
    assert directory.name == f"numba-{numba.__version__}-{_jit.source_digest()}{suffix}"
    if _jit.CACHE_ENABLED and not numba.config.DISABLE_JIT:
        cache_path = Path(stream.stream_days._cache._cache_path)
        assert cache_path.parent == directory or not os.access(directory, os.W_OK)


def _ramp(x):
    return x + 1.0


def _level(x):
    return x * 2.0


@pytest.mark.skipif(
    not _jit.CACHE_ENABLED or bool(numba.config.DISABLE_JIT), reason="no cache to point"
)
def test_kernels_decorated_on_two_threads_both_cache_in_the_kernel_directory(monkeypatch, tmp_path):
    """A projection imports its first kernel modules on two threads (the baseline's noise on
    its own, ``forecast.engine.inputs.beside``), and each decoration points numba's
    process-wide cache setting at the kernels' directory and back. When one thread put it back
    while the other was decorating, that kernel was cached in ``NUMBA_CACHE_DIR`` itself: the
    next run, decorated in the right directory, compiled it again (the benchmark's "a warm run
    said it compiles", 5 warm runs in 20, always ``inference_profile``). The two decorations
    are forced to overlap here: the second starts while the first is inside, which then
    finishes before the second decorates."""
    kernel_directory, base = tmp_path / "kernels", tmp_path / "base"
    monkeypatch.setattr(_jit, "_CACHE_DIRECTORY", kernel_directory)
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(base))
    first_inside, second_inside = threading.Event(), threading.Event()
    decorate = _jit._NJIT

    def overlapping_njit(**flags):
        def decorator(function):
            if function is _ramp:  # the first: goes on once the second is inside, if it can be
                first_inside.set()
                second_inside.wait(timeout=0.5)
            else:
                second_inside.set()
                first.join(timeout=5.0)
            return decorate(**flags)(function)

        return decorator

    monkeypatch.setattr(_jit, "_NJIT", overlapping_njit)
    compiled = {}
    first = threading.Thread(target=lambda: compiled.update(ramp=_jit.jit(_ramp)))
    first.start()
    assert first_inside.wait(timeout=5.0)
    compiled["level"] = _jit.jit(_level)
    first.join()

    for dispatcher in compiled.values():
        assert Path(dispatcher._cache._cache_path).parent == kernel_directory
    assert Path(numba.config.CACHE_DIR) == base  # put back, not left at the kernels' directory


@pytest.mark.skipif(bool(numba.config.DISABLE_JIT), reason="counts compiled specialisations")
def test_projections_compile_each_kernel_for_one_set_of_argument_types():
    """numba compiles a kernel again for every new set of argument types (a read-only array, a
    literal argument, another layout), and a user waits for it: after warm_up (what the service
    compiles at start-up), projections of both kinds of scenario, hourly and monthly, with and
    without the baseline, few and many draws, add no specialisation. Run in a process of its
    own, so that only these calls count. The kernels without flexibility have two, which
    warm_up compiles: one for chunks with non-AI loads and one for chunks without
    (:func:`forecast.kernels.stream.non_ai_coefficients`)."""
    code = textwrap.dedent(
        """
        import datetime as dt, json
        from forecast.kernels import warm_up
        from forecast.kernels import (
            at_peak, capacity, fleet, power, profile, quantiles, sites, stream,
        )
        from forecast.projection import ProjectionOptions, project
        from forecast.scenario import load_scenario

        warm_up()

        for name in ("kr-national", "kr-outlook-flex"):
            for draws, resolution, baseline in (
                (20, "hourly", True), (200, "hourly", False), (20, "monthly", True)
            ):
                project(load_scenario(name), ProjectionOptions(
                    draws=draws, resolution=resolution, include_baseline=baseline,
                    start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 28)))
        kernels = [
            capacity.site_capacity, capacity.connect_sites, fleet.stock_flow,
            fleet.surviving_stock, fleet.place_in_capacity, profile.inference_profile,
            quantiles._quantile_blocks, stream.stream_days, stream.stream_days_flexible,
            stream.stream_days_plain, stream.stream_days_plain_flexible, stream.stress_draws,
            sites.site_reductions, at_peak._region_loads_plain, at_peak._region_loads_flexible,
            power.add_load_coefficients,
        ]
        print(json.dumps({k.py_func.__name__: len(k.signatures) for k in kernels}))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900
    )
    counts = json.loads(completed.stdout.strip().splitlines()[-1])
    by_non_ai = {"stream_days", "stream_days_plain", "_region_loads_plain"}
    assert counts == {name: 2 if name in by_non_ai else 1 for name in counts}, counts
