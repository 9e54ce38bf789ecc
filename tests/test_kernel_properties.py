"""Invariants of the numba kernels, checked on inputs that hypothesis chooses.

Non-negative power, more accelerators never less stock or power, regional sums equal to the
national total, ordered quantiles, and streaming accumulation equal to a single pass.
"""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecast import kernels

PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)
# Relative slack for comparisons between two floating-point evaluations of equal sums.
ROUNDING = 1e-12

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
    return target, draw(survival_curves(draws, months))


def _fleet(target, survival):
    additions, installed = np.empty_like(survival), np.empty_like(survival)
    kernels.fleet_replacement(target, survival, additions, installed)
    return additions, installed


def _at_least(larger, smaller):
    return np.all(larger >= smaller - ROUNDING * np.abs(smaller))


@PROPERTY_SETTINGS
@given(case=fleet_cases(), factor=st.floats(min_value=1.0, max_value=100.0))
def test_more_accelerators_never_less_stock_or_power(case, factor):
    """A plan scaled up by factor >= 1 never installs, keeps or powers fewer accelerators."""
    target, survival = case
    additions, installed = _fleet(target, survival)
    more_additions, more_installed = _fleet(target * factor, survival)
    assert _at_least(more_additions, additions)
    assert _at_least(more_installed, installed)
    system_w = np.linspace(700.0, 1500.0, target.size)
    power_w, more_power_w = np.empty_like(survival), np.empty_like(survival)
    kernels.vintage_weighted_stock(additions, survival, system_w, power_w)
    kernels.vintage_weighted_stock(more_additions, survival, system_w, more_power_w)
    assert _at_least(more_power_w, power_w)
    assert np.all(power_w >= 0.0)


@PROPERTY_SETTINGS
@given(case=fleet_cases())
def test_fleet_meets_every_target(case):
    target, survival = case
    _, installed = _fleet(target, survival)
    has_target = ~np.isnan(target)
    assert _at_least(installed[:, has_target], target[has_target])


@PROPERTY_SETTINGS
@given(case=fleet_cases())
def test_growing_plan_is_installed_exactly(case):
    """With a non-decreasing plan and ageing-only retirement, nothing sits above the plan."""
    target, survival = case
    growing = np.cumsum(np.nan_to_num(target))
    _, installed = _fleet(growing, survival)
    np.testing.assert_allclose(installed, np.broadcast_to(growing, installed.shape), rtol=1e-9)


@st.composite
def power_cases(draw):
    draws, regions, months, hours, weather_years = (draw(sizes) for _ in range(5))
    coef = draw(_matrix((draws, regions, months, 4)))
    month_of_hour = draw(arrays(np.int64, hours, elements=st.integers(0, months - 1)))
    shape = draw(_matrix(hours, st.floats(min_value=0.0, max_value=3.0)))
    excess = draw(_matrix((weather_years, hours), st.floats(min_value=0.0, max_value=40.0)))
    weather_of_draw = draw(arrays(np.int64, draws, elements=st.integers(0, weather_years - 1)))
    extra = draw(_matrix(coef.shape))
    return (coef, month_of_hour, shape, excess, weather_of_draw), extra


def _facility_power(coef, month_of_hour, shape, excess, weather_of_draw):
    out = np.empty((coef.shape[0], coef.shape[1], month_of_hour.size))
    kernels.facility_power(coef, month_of_hour, shape, excess, weather_of_draw, out)
    return out


@PROPERTY_SETTINGS
@given(case=power_cases())
def test_facility_power_never_negative_and_grows_with_coefficients(case):
    inputs, extra = case
    power = _facility_power(*inputs)
    assert np.all(power >= 0.0)
    assert _at_least(_facility_power(inputs[0] + extra, *inputs[1:]), power)


@PROPERTY_SETTINGS
@given(
    draws=sizes,
    hours=sizes,
    regions=sizes,
    data=st.data(),
)
def test_regions_sum_to_the_national_ai_load(draws, hours, regions, data):
    ai_by_region = data.draw(_matrix((draws, regions, hours)))
    zeros_hourly = np.zeros(hours, dtype=np.int64)
    ai, baseline, total = (np.empty((draws, hours)) for _ in range(3))
    kernels.total_load(
        ai_by_region, np.zeros((draws, 1)), zeros_hourly, np.ones((1, hours)),
        np.ones((draws, 1)), zeros_hourly, np.zeros(draws, dtype=np.int64), ai, baseline, total,
    )  # fmt: skip
    np.testing.assert_allclose(ai, ai_by_region.sum(axis=1), rtol=ROUNDING)
    np.testing.assert_array_equal(total, ai)


@PROPERTY_SETTINGS
@given(draws=sizes, sites=sizes, regions=sizes, months=sizes, data=st.data())
def test_regional_capacity_sums_to_one_region(draws, sites, regions, months, data):
    it_mw = data.draw(_matrix(sites))
    start = data.draw(_matrix((draws, sites), st.floats(min_value=-5.0, max_value=20.0)))
    ramp = data.draw(_matrix(sites, st.floats(min_value=0.0, max_value=24.0)))
    built = data.draw(arrays(np.uint8, (draws, sites), elements=st.integers(0, 1)))
    region = data.draw(arrays(np.int64, sites, elements=st.integers(0, regions - 1)))
    by_region, national = np.empty((draws, regions, months)), np.empty((draws, 1, months))
    kernels.hosted_capacity(it_mw, start, ramp, built, region, by_region)
    kernels.hosted_capacity(it_mw, start, ramp, built, np.zeros_like(region), national)
    np.testing.assert_allclose(by_region.sum(axis=1), national[:, 0], rtol=1e-9, atol=1e-6)
    assert np.all(by_region >= 0.0)
    assert np.all(national[:, 0] <= it_mw.sum() * (1 + ROUNDING))


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
def chunked_hours(draw):
    """Hourly values with their year index, and where to cut them into chunks."""
    draws, hours, years = draw(sizes), draw(st.integers(1, 60)), draw(st.integers(1, 4))
    values = draw(_matrix((draws, hours)))
    year_of_hour = np.sort(draw(arrays(np.int64, hours, elements=st.integers(0, years - 1))))
    cuts = sorted(draw(st.lists(st.integers(1, hours), max_size=4)))
    return values, year_of_hour, years, [0, *cuts, hours]


@PROPERTY_SETTINGS
@given(case=chunked_hours())
def test_annual_energy_is_the_sum_of_hourly_power_in_any_chunking(case):
    values, year_of_hour, years, bounds = case
    draws = values.shape[0]
    energy, peak = np.zeros((draws, years)), np.full((draws, years), -np.inf)
    kernels.accumulate_annual(values, year_of_hour, energy, peak)
    chunked_energy, chunked_peak = np.zeros((draws, years)), np.full((draws, years), -np.inf)
    for start, stop in itertools.pairwise(bounds):
        chunk = np.ascontiguousarray(values[:, start:stop])
        kernels.accumulate_annual(chunk, year_of_hour[start:stop], chunked_energy, chunked_peak)
    np.testing.assert_array_equal(chunked_energy, energy)
    np.testing.assert_array_equal(chunked_peak, peak)
    for year in range(years):
        in_year = year_of_hour == year
        np.testing.assert_allclose(energy[:, year], values[:, in_year].sum(axis=1), rtol=1e-9)
        expected_peak = values[:, in_year].max(axis=1) if in_year.any() else -np.inf
        np.testing.assert_array_equal(peak[:, year], expected_peak)


@PROPERTY_SETTINGS
@given(case=chunked_hours(), data=st.data())
def test_peak_companion_is_the_same_in_any_chunking(case, data):
    values, year_of_hour, years, bounds = case
    values = np.round(values / 2e5)  # few distinct values, so ties across chunks are common
    companion = data.draw(_matrix(values.shape))
    draws = values.shape[0]
    peak, at_peak = np.full((draws, years), -np.inf), np.full((draws, years), np.nan)
    kernels.accumulate_peak_companion(values, companion, year_of_hour, peak, at_peak)
    chunked_peak, chunked_at_peak = np.full_like(peak, -np.inf), np.full_like(at_peak, np.nan)
    for start, stop in itertools.pairwise(bounds):
        kernels.accumulate_peak_companion(
            np.ascontiguousarray(values[:, start:stop]),
            np.ascontiguousarray(companion[:, start:stop]),
            year_of_hour[start:stop],
            chunked_peak,
            chunked_at_peak,
        )
    np.testing.assert_array_equal(chunked_peak, peak)
    np.testing.assert_array_equal(chunked_at_peak, at_peak)
