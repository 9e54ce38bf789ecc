"""The benchmark's floor kernels do the work they claim (tests/benchmarks/floor.py)."""

import numpy as np

from forecast import kernels
from forecast.kernels import twins
from tests.benchmarks import floor
from tests.test_stream import PROBABILITIES, _inputs


def _case(fill="random"):
    inputs = _inputs(("floor", fill), draws=200, regions=2, weather_years=3, days=3, fill=fill)
    rows = inputs[11]
    quantiles = np.empty((rows.size, PROBABILITIES.size, 3 * 24))
    kernels.stream_chunk(*inputs, quantiles, np.empty((rows.size, 3, 200)),
                         np.empty((2, 4, 2, 200)))  # fmt: skip
    return inputs, quantiles


def _values(inputs):
    """[rows, hours, draws], from the kernel's NumPy twin."""
    return twins.stream_values(*inputs[:10]).transpose(0, 2, 1)


def test_floor_counts_every_draw_against_every_quantile():
    inputs, quantiles = _case()
    values = _values(inputs)  # [rows, H, D]
    rows = inputs[11]
    expected = 0
    for index, row in enumerate(rows):
        edges = quantiles[index][:, :, None]  # [Q, H, 1]
        expected += int((values[row][None] < edges).sum() + (values[row][None] <= edges).sum())
    assert floor.floor_chunk(*inputs[:10], rows, quantiles, True) == expected


def test_floor_evaluates_every_hour():
    inputs, quantiles = _case()
    values = _values(inputs)
    expected = values[2, :, -1].sum() + values[3, :, 0].sum()
    got = floor.floor_chunk(*inputs[:10], inputs[11], quantiles, False)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_pruning_leaves_few_candidates_when_draws_keep_their_order():
    """Draws that are multiples of one another never change rank: bounds decide almost all."""
    inputs = list(_case()[0])
    inputs[0] = np.ones_like(inputs[0]) * np.linspace(1.0, 2.0, 200)  # coefficients by draw
    inputs[3] = np.zeros_like(inputs[3])  # no cooling: no weather-year differences
    inputs[4] = np.zeros_like(inputs[4])  # no baseline
    found = floor.pruning_candidates(inputs, PROBABILITIES, every_nth_day=1)
    *per_quantile, union = found["ai"]
    assert max(per_quantile) <= 2 / 200  # the two order statistics the interpolation needs
    assert union <= 2 * PROBABILITIES.size / 200
    random = floor.pruning_candidates(_case()[0], PROBABILITIES, every_nth_day=1)
    assert random["ai"][-1] > 0.1  # the random case reshuffles ranks within a day
