"""Invariants of the numba kernels, checked on inputs that hypothesis chooses.

Non-negative power, more accelerators never less stock or power, regional sums equal to the
national total, ordered quantiles, and streaming accumulation equal to a single pass.
"""

import itertools

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecast import kernels
from forecast.kernels.layout import (
    AI_ROW,
    BASELINE_ROW,
    FIRST_REGION_ROW,
    HELD_ROW,
    NON_AI_ROW,
    PEAK_COUNT,
    TOTAL_ROW,
)
from forecast.kernels.power import facility_mw

PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)
# Relative slack for comparisons between two floating-point evaluations of equal sums.
ROUNDING = 1e-12
# Absolute slack: below the smallest normal double a value's rounding is no longer relative
# (5e-324 x 0.7 rounds to 5e-324, 1e-323 x 0.7 also does), so a plan of subnormal counts
# scaled by 2 can add one subnormal fewer in a month. No count or MW is that small.
SUBNORMAL = np.finfo(np.float64).tiny

sizes = st.integers(min_value=1, max_value=12)
non_negative = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


def _matrix(shape, elements=non_negative):
    return arrays(np.float64, shape, elements=elements)


@st.composite
def survival_curves(draw, draws, months):
    """Non-increasing survival curves starting at 1, one per draw."""
    steps = draw(_matrix((draws, months), st.floats(min_value=0.0, max_value=1.0)))
    steps[:, 0] = 1.0
    return np.cumprod(steps, axis=1)


@st.composite
def fleet_cases(draw):
    draws, months = draw(sizes), draw(sizes)
    target = draw(_matrix(months, st.one_of(non_negative, st.just(np.nan))))
    return np.tile(target, (draws, 1)), draw(survival_curves(draws, months))


def _fleet(target, survival, gross=None):
    additions, installed = np.empty_like(survival), np.empty_like(survival)
    gross = np.zeros_like(survival) if gross is None else gross
    hold = np.full(survival.shape[0], -1, dtype=np.int64)
    kernels.stock_flow(target, gross, hold, survival, additions, installed)
    return additions, installed


def _at_least(larger, smaller, scale=0.0):
    """``larger >= smaller`` to rounding: relative to each value, and to ``scale``, the size of
    the figures a value is the difference of (a month's additions are a target less the stock
    that survived: 1.1e-16 left of a target of 1 where three times the target left 0, found by
    hypothesis)."""
    return np.all(larger >= smaller - ROUNDING * (np.abs(smaller) + scale) - SUBNORMAL)


@PROPERTY_SETTINGS
@given(case=fleet_cases(), factor=st.floats(min_value=1.0, max_value=100.0))
@example(  # found by hypothesis on a fresh clone: subnormal targets
    case=(np.full((2, 3), 5e-324), np.array([[1.0, 0.7, 0.5], [1.0, 0.3, 0.2]])), factor=2.0
)
def test_more_accelerators_never_less_stock_or_power(case, factor):
    """A plan scaled up by factor >= 1 never installs, keeps or powers fewer accelerators."""
    target, survival = case
    additions, installed = _fleet(target, survival)
    more_additions, more_installed = _fleet(target * factor, survival)
    scale = float(np.abs(np.nan_to_num(target)).max())  # NaN: a month without a target
    assert _at_least(more_additions, additions, scale)
    assert _at_least(more_installed, installed, scale)
    system_mw = np.linspace(700.0, 1500.0, target.shape[1]) * 1e-6
    power, more_power = np.empty_like(survival), np.empty_like(survival)
    kernels.surviving_stock(additions * system_mw, survival, power)
    kernels.surviving_stock(more_additions * system_mw, survival, more_power)
    assert _at_least(more_power, power, scale * float(system_mw.max()))
    assert np.all(power >= 0.0)


@PROPERTY_SETTINGS
@given(case=fleet_cases())
def test_fleet_meets_every_target(case):
    target, survival = case
    _, installed = _fleet(target, survival)
    has_target = ~np.isnan(target)
    assert _at_least(installed[has_target], target[has_target])


@PROPERTY_SETTINGS
@given(case=fleet_cases())
def test_growing_plan_is_installed_exactly(case):
    """With a non-decreasing plan and ageing-only retirement, nothing sits above the plan."""
    target, survival = case
    growing = np.cumsum(np.nan_to_num(target), axis=1)
    _, installed = _fleet(growing, survival)
    np.testing.assert_allclose(installed, growing, rtol=1e-9)


@PROPERTY_SETTINGS
@given(case=fleet_cases(), data=st.data())
def test_gross_deliveries_are_never_held_back(case, data):
    """Shipments arrive whatever the target: additions are at least the gross deliveries."""
    target, survival = case
    gross = data.draw(_matrix(target.shape))
    additions, _ = _fleet(target, survival, gross)
    assert np.all(additions >= gross)


@st.composite
def placement_cases(draw):
    draws, months = draw(sizes), draw(sizes)
    count = draw(_matrix((draws, months), st.floats(min_value=0.0, max_value=1e4)))
    watts = draw(_matrix((draws, months), st.floats(min_value=1e-4, max_value=5e-3)))
    capacity = draw(_matrix((draws, months), st.floats(min_value=0.0, max_value=50.0)))
    return count * watts, count, draw(survival_curves(draws, months)), capacity


def _place(vintage_mw, vintage_count, survival, capacity):
    outputs = [np.empty_like(survival) for _ in range(3)]
    kernels.place_in_capacity(vintage_mw, vintage_count, survival, capacity, *outputs)
    return outputs


@PROPERTY_SETTINGS
@given(case=placement_cases(), extra=st.floats(min_value=0.0, max_value=100.0))
def test_placement_never_exceeds_capacity_or_the_fleet(case, extra):
    """Hosted power fits the capacity and the surviving fleet; more room never hosts less."""
    vintage_mw, vintage_count, survival, capacity = case
    hosted_mw, hosted_count, waited = _place(*case)
    fleet_mw, fleet_count = np.empty_like(survival), np.empty_like(survival)
    kernels.surviving_stock(vintage_mw, survival, fleet_mw)
    kernels.surviving_stock(vintage_count, survival, fleet_count)
    assert np.all(hosted_mw <= capacity * (1 + ROUNDING) + 1e-12)
    assert np.all(hosted_mw <= fleet_mw * (1 + 1e-9) + 1e-12)
    assert np.all(hosted_count <= fleet_count * (1 + 1e-9) + 1e-9)
    assert np.all(waited >= -1e-12)
    more_mw, _, more_waited = _place(vintage_mw, vintage_count, survival, capacity + extra)
    assert _at_least(more_mw, hosted_mw)
    assert np.all(more_waited <= waited + 1e-9)


@PROPERTY_SETTINGS
@given(
    phi=st.floats(min_value=0.0, max_value=3.0),
    x=st.floats(min_value=0.0, max_value=40.0),
    coefficients=arrays(np.float64, 4, elements=non_negative),
    extra=arrays(np.float64, 4, elements=non_negative),
)
def test_facility_formula_never_negative_and_grows_with_coefficients(phi, x, coefficients, extra):
    power = facility_mw(*coefficients, phi, x)
    assert power >= 0.0
    assert facility_mw(*(coefficients + extra), phi, x) >= power * (1 - ROUNDING)


@PROPERTY_SETTINGS
@given(draws=sizes, months=sizes, data=st.data())
def test_site_capacity_ramps_up_to_the_site_and_never_down(draws, months, data):
    capacity = data.draw(_matrix(draws))
    start = data.draw(_matrix(draws, st.floats(min_value=-5.0, max_value=20.0)))
    ramp = data.draw(st.floats(min_value=0.0, max_value=24.0))
    built = data.draw(arrays(np.uint8, draws, elements=st.integers(0, 1)))
    out = np.empty((draws, months))
    kernels.site_capacity(capacity, start, ramp, built, out)
    assert np.all(out >= 0.0)
    assert np.all(out <= capacity[:, None] * (1 + ROUNDING))
    assert np.all(np.diff(out, axis=1) >= -ROUNDING * capacity[:, None])
    assert np.all(out[built == 0] == 0.0)


@PROPERTY_SETTINGS
@given(
    values=st.integers(1, 40).flatmap(
        lambda draws: _matrix((draws, 3), st.floats(min_value=-1e6, max_value=1e6))
    ),
    probabilities=arrays(np.float64, st.integers(1, 9), elements=st.floats(0.0, 1.0)),
)
def test_quantiles_are_ordered_and_bounded(values, probabilities):
    probabilities = np.sort(probabilities)
    out = np.empty((probabilities.size, values.shape[1]))
    kernels.quantiles_over_draws(values, probabilities, out)
    assert np.all(np.diff(out, axis=0) >= 0.0)
    assert np.all(out >= values.min(axis=0)) and np.all(out <= values.max(axis=0))


@st.composite
def stream_cases(draw):
    """Inputs of the fused stream kernel: draws, regions, days and where to cut the days."""
    draws, regions, days = draw(sizes), draw(st.integers(1, 3)), draw(st.integers(1, 5))
    hours = 24 * days
    coef_t = draw(_matrix((1, regions, 4, draws), st.floats(min_value=0.0, max_value=1e3)))
    shape = draw(_matrix(hours, st.floats(min_value=0.0, max_value=2.0)))
    excess = draw(_matrix((1, hours), st.floats(min_value=0.0, max_value=20.0)))
    level = draw(_matrix((1, draws), st.floats(min_value=0.0, max_value=1e5)))
    noise = draw(_matrix((days, draws), st.floats(min_value=0.5, max_value=1.5)))
    cuts = sorted(set(draw(st.lists(st.integers(1, days), max_size=3))))
    return coef_t, shape, excess, level, noise, [0, *cuts, days]


def _stream(coef_t, shape, excess, level, noise, first_day, last_day):
    regions, draws = coef_t.shape[1], coef_t.shape[3]
    days, hours = last_day - first_day, 24 * (last_day - first_day)
    h0 = 24 * first_day
    day_sums = np.empty((FIRST_REGION_ROW + regions, days, draws))
    peaks = np.empty((1, PEAK_COUNT, 1, draws))
    inputs = kernels.StreamInputs(
        coef_t=coef_t, non_ai_t=np.full((1, 4, draws), 3.0),
        month_of_hour=np.zeros(hours, dtype=np.int64),
        inference_shape=np.ascontiguousarray(shape[h0 : h0 + hours]),
        cooling_excess_c=np.ascontiguousarray(excess[:, h0 : h0 + hours]),
        baseline_level_t=level, baseline_shape=np.ones((1, hours)),
        daily_noise_t=np.ascontiguousarray(noise[first_day:last_day]),
        year_of_day=np.zeros(days, dtype=np.int64),
        day_starts=np.arange(days + 1, dtype=np.int64) * 24, group_bounds=np.array([0, draws]),
        flex_share=np.zeros(draws), stress_level_t=np.full((1, draws), np.inf),
        stress_hour_t=np.full((1, draws), kernels.ANY_HOUR), first_hour=h0, flex_shift=False,
        full_load_t=np.full((1, regions, 2, draws), np.inf),
    )  # fmt: skip
    kernels.stream_chunk(
        inputs, np.array([0.5]), np.arange(0, dtype=np.int64), np.empty((0, 1, hours)),
        day_sums, peaks,
    )  # fmt: skip
    return day_sums, peaks[0]


@PROPERTY_SETTINGS
@given(case=stream_cases())
def test_regions_sum_to_the_national_ai_load_in_any_chunking(case):
    """The AI row is the sum of the region rows, total = AI + baseline, and streaming the days
    in chunks gives the same day sums and annual peaks as one pass."""
    coef_t, shape, excess, level, noise, bounds = case
    days = bounds[-1]
    day_sums, peaks = _stream(coef_t, shape, excess, level, noise, 0, days)
    np.testing.assert_allclose(
        day_sums[AI_ROW], day_sums[FIRST_REGION_ROW:].sum(axis=0), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        day_sums[TOTAL_ROW],
        day_sums[AI_ROW] + day_sums[BASELINE_ROW] + day_sums[NON_AI_ROW] - day_sums[HELD_ROW],
        rtol=1e-9,
        atol=1e-9,
    )
    assert np.all(day_sums >= 0.0)
    chunked = [
        _stream(coef_t, shape, excess, level, noise, a, b) for a, b in itertools.pairwise(bounds)
    ]
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunked], axis=1), day_sums)
    np.testing.assert_array_equal(np.max([c[1][:5] for c in chunked], axis=0), peaks[:5])


def test_the_fleet_kernels_give_each_draw_the_same_split_over_threads_or_not(monkeypatch):
    """From kernels.THREADED_DRAWS draws the fleet kernels run blocks of draws on threads: every
    draw's result is bit for bit the one it gets in one block, and one draw alone gets it too.
    Three blocks of unequal size, whatever the machine's cores."""
    rng = np.random.default_rng(5)
    draws, months = kernels.THREADED_DRAWS + 37, 60
    survival = np.cumprod(rng.uniform(0.97, 1.0, (draws, months)), axis=1)
    survival[:, 0] = 1.0
    target = np.cumsum(rng.uniform(0.0, 50.0, (draws, months)), axis=1)
    gross = rng.uniform(0.0, 5.0, (draws, months))
    hold = np.where(rng.random(draws) < 0.3, 40, -1).astype(np.int64)
    capacity = rng.uniform(0.0, 2000.0, (draws, months))

    def each(rows):
        additions, installed = np.empty((len(rows), months)), np.empty((len(rows), months))
        kernels.stock_flow(
            target[rows], gross[rows], hold[rows], survival[rows], additions, installed
        )
        power = np.empty_like(additions)
        kernels.surviving_stock(additions, survival[rows], power)
        placed = [np.empty_like(additions) for _ in range(3)]
        kernels.place_in_capacity(
            additions * 0.7, additions, survival[rows], capacity[rows], *placed
        )
        return [additions, installed, power, *placed]

    monkeypatch.setattr(kernels, "thread_count", lambda: 3)
    split = each(np.arange(draws))
    monkeypatch.setattr(kernels, "THREADED_DRAWS", draws + 1)
    one_block = each(np.arange(draws))
    for threaded, serial in zip(split, one_block, strict=True):
        np.testing.assert_array_equal(threaded, serial)
    alone = each(np.array([draws - 1]))
    for threaded, single in zip(split, alone, strict=True):
        np.testing.assert_array_equal(threaded[-1], single[0])
