"""Sampling of uncertain inputs (forecast/engine/sampling.py): inverse distribution functions,
named streams, trends drawn at one probability per draw, operating defaults."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from forecast.calendar import HourlyCalendar, month_number
from forecast.engine.sampling import (
    OPERATION_DEFAULTS,
    PathDraw,
    Streams,
    central,
    operation,
    quantile_of,
    sample,
    sample_path,
    single_operation,
)
from forecast.scenario.model import Operations
from forecast.scenario.quantities import Beta, Fixed, Lognormal, Trend, Triangular, Uniform

PROBABILITIES = np.linspace(0.001, 0.999, 41)


@pytest.mark.parametrize(
    ("quantity", "reference"),
    [
        (
            Triangular(dist="triangular", low=1.1, mode=1.3, high=1.8),
            stats.triang(c=(1.3 - 1.1) / 0.7, loc=1.1, scale=0.7),
        ),
        (Uniform(dist="uniform", low=-2.0, high=5.0), stats.uniform(loc=-2.0, scale=7.0)),
        (Lognormal(dist="lognormal", median=3.0, sigma=0.4), stats.lognorm(s=0.4, scale=3.0)),
        (
            Beta(dist="beta", alpha=2.0, beta=5.0, low=0.2, high=0.9),
            stats.beta(2.0, 5.0, loc=0.2, scale=0.7),
        ),
    ],
    ids=["triangular", "uniform", "lognormal", "beta"],
)
def test_quantile_of_is_the_inverse_distribution_function(quantity, reference):
    np.testing.assert_allclose(quantile_of(quantity, PROBABILITIES), reference.ppf(PROBABILITIES))


def test_degenerate_and_fixed_quantities_give_one_value():
    assert np.all(quantile_of(Fixed(value=7.5), PROBABILITIES) == 7.5)
    flat = Triangular(dist="triangular", low=2.0, mode=2.0, high=2.0)
    assert np.all(quantile_of(flat, PROBABILITIES) == 2.0)
    assert np.all(sample(Fixed(value=-1.0), 5, np.random.default_rng(0)) == -1.0)


@given(
    low=st.floats(-1e3, 1e3),
    width=st.floats(1e-3, 1e3),
    mode_at=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_samples_stay_within_bounds(low, width, mode_at, seed):
    quantity = Triangular(dist="triangular", low=low, mode=low + mode_at * width, high=low + width)
    drawn = sample(quantity, 200, np.random.default_rng(seed))
    assert drawn.shape == (200,)
    assert np.all((drawn >= low) & (drawn <= low + width))


def test_sample_follows_its_distribution():
    quantity = Triangular(dist="triangular", low=0.0, mode=1.0, high=4.0)
    drawn = sample(quantity, 20_000, np.random.default_rng(3))
    reference = stats.triang(c=0.25, loc=0.0, scale=4.0)
    assert stats.kstest(drawn, reference.cdf).pvalue > 1e-3
    assert drawn.mean() == pytest.approx(reference.mean(), rel=0.02)


def test_named_streams_do_not_depend_on_order_or_on_other_streams():
    first = Streams(11).generator("deployment:gov").random(4)
    other = Streams(11)
    other.generator("a new input").random(100)  # a stream added before it changes nothing
    assert np.array_equal(other.generator("deployment:gov").random(4), first)
    assert not np.array_equal(Streams(11).generator("deployment:nvidia").random(4), first)
    assert not np.array_equal(Streams(12).generator("deployment:gov").random(4), first)


def test_trend_draws_keep_one_probability_and_interpolate_in_time():
    low_2024 = Uniform(dist="uniform", low=1.0, high=2.0)
    high_2030 = Uniform(dist="uniform", low=10.0, high=20.0)
    trend = Trend.model_validate(
        {
            "points": [
                {"date": dt.date(2024, 1, 1), "quantity": low_2024},
                {"date": dt.date(2030, 1, 1), "quantity": high_2030},
            ]
        }
    )
    path = sample_path(trend, 500, np.random.default_rng(5))
    assert path.values.shape == (500, 2)
    # One probability per draw: the draw's place is the same at both dates.
    probability = path.values[:, 0] - 1.0
    np.testing.assert_allclose(path.values[:, 1], 10.0 + 10.0 * probability)
    start, end = month_number(dt.date(2024, 1, 1)), month_number(dt.date(2030, 1, 1))
    middle = (start + end) / 2.0
    at = path.at(np.array([start - 12.0, start, middle, end, end + 60.0]))
    np.testing.assert_allclose(at[:, 0], path.values[:, 0])  # before the first date: the first
    np.testing.assert_allclose(at[:, 2], path.values.mean(axis=1))  # linear between dates
    np.testing.assert_allclose(at[:, 4], path.values[:, 1])  # after the last date: the last
    assert path.first() is not None and np.array_equal(path.first(), path.values[:, 0])


def test_a_constant_quantity_is_a_one_point_path():
    path = sample_path(Uniform(dist="uniform", low=0.0, high=1.0), 8, np.random.default_rng(1))
    assert path.is_constant
    at = path.at(np.arange(5.0))
    assert at.shape == (8, 5) and np.all(at == path.values)


def test_operations_fall_back_to_their_documented_defaults():
    operations = Operations()
    for name, default in OPERATION_DEFAULTS.items():
        assert operation(operations, name) == default.quantity
        assert default.why, name  # every default says why it is what it is
        points = default.quantity.points if isinstance(default.quantity, Trend) else None
        quantities = [point.quantity for point in points] if points else [default.quantity]
        assert all(quantity.source for quantity in quantities), name  # and where it comes from
    name = next(iter(OPERATION_DEFAULTS))
    given_value = Fixed(value=0.5, source="test")
    assert operation(Operations(**{name: given_value}), name) == given_value
    assert central(Triangular(dist="triangular", low=1.0, mode=1.5, high=3.0)) == 1.5


def test_single_operation_refuses_a_trend():
    trend = Trend.model_validate(
        {"points": [{"date": dt.date(2024, 1, 1), "quantity": Fixed(value=1.0)}]}
    )
    name = next(n for n in OPERATION_DEFAULTS if n.startswith("load_factor"))
    operations = Operations.model_construct(**{name: trend})  # the schema would refuse it
    with pytest.raises(TypeError, match="one quantity expected"):
        single_operation(operations, name)


def test_the_baseline_noise_drawn_on_its_thread_is_the_noise_drawn_in_line():
    """draw_inputs draws the daily noise on a thread of its own from the named stream
    "baseline_noise": the numbers are the model's own draws from that stream, in line; and
    what the thread raises is raised where the noise is read."""
    from forecast.engine.baseline import baseline_model
    from forecast.engine.inputs import BaselineDraw, beside, draw_inputs
    from forecast.engine.options import ProjectionOptions
    from forecast.engine.sampling import Streams
    from forecast.scenario import load_scenario

    scenario = load_scenario("kr-national")
    options = ProjectionOptions(draws=7, seed=3).validated(scenario)
    model = baseline_model(scenario, options)
    assert model is not None
    calendar = HourlyCalendar.build(dt.date(2030, 3, 1), dt.date(2031, 4, 4), "Asia/Seoul")
    days = calendar.days_by_year
    assert days == [(2030, 59, 306, 365), (2031, 0, 94, 365)]
    inputs = draw_inputs(
        scenario, options, n_weather=2, days_by_year=days, years=calendar.years, baseline=model
    )
    assert inputs.baseline is not None
    in_line = model.daily_noise_by_year(days, 7, Streams(3).keyed("baseline_noise"))
    assert inputs.baseline.noise.shape == (7, 400)
    np.testing.assert_array_equal(inputs.baseline.noise, in_line)

    def fails():
        raise ValueError("noise_sd = -1: must be >= 0")

    broken = BaselineDraw(level_mw=np.ones((30, 2)), pending_noise=beside(fails, name="test"))
    with pytest.raises(ValueError, match="noise_sd = -1"):
        _ = broken.noise


def test_a_trend_on_months_is_laid_out_draw_by_draw():
    """A trend's values on months come C-contiguous, [D, M] row by row: indexing the months
    (``values[:, lower]``) laid them out draws fastest, so every kernel call copied the sites'
    PUE lines made from them and every sum over sites read them strided (2026-12-07). The
    values are the interpolation between the points either way."""
    path = PathDraw(months=np.array([0.0, 12.0, 24.0]), values=np.arange(12.0).reshape(4, 3))
    months = np.arange(-2.0, 30.0)
    values = path.at(months)
    assert values.flags.c_contiguous
    expected = np.stack([np.interp(months, path.months, row) for row in path.values])
    np.testing.assert_allclose(values, expected, rtol=1e-15)
