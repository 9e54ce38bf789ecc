"""The benchmark's floor kernels do the work they claim (tests/benchmarks/floor.py)."""

import numpy as np

from forecast import kernels
from forecast.kernels import twins
from forecast.kernels.layout import FIRST_REGION_ROW, PEAK_COUNT, TOTAL_ROW
from tests.benchmarks import floor
from tests.forecast.engine.test_stream import PROBABILITIES, _inputs


def _case(fill="random"):
    inputs, probabilities, rows = _inputs(
        ("floor", fill), draws=200, regions=2, weather_years=3, days=3, fill=fill
    )
    quantiles = np.empty((rows.size, PROBABILITIES.size, 3 * 24))
    kernels.stream_chunk(inputs, probabilities, rows, quantiles, np.empty((rows.size, 3, 200)),
                         np.empty((2, PEAK_COUNT, 2, 200)))  # fmt: skip
    return inputs, rows, quantiles


def _values(inputs):
    """[rows, hours, draws], from the kernel's NumPy twin."""
    return twins.stream_values(inputs).transpose(0, 2, 1)


def test_floor_counts_every_draw_against_every_quantile():
    inputs, rows, quantiles = _case()
    values = _values(inputs)  # [rows, H, D]
    expected = 0
    for index, row in enumerate(rows):
        edges = quantiles[index][:, :, None]  # [Q, H, 1]
        expected += int((values[row][None] < edges).sum() + (values[row][None] <= edges).sum())
    assert floor.floor_chunk(inputs, rows, quantiles, True) == expected


def test_floor_evaluates_every_hour():
    inputs, rows, quantiles = _case()
    values = _values(inputs)
    expected = values[TOTAL_ROW, :, -1].sum() + values[FIRST_REGION_ROW, :, 0].sum()
    got = floor.floor_chunk(inputs, rows, quantiles, False)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_pruning_leaves_few_candidates_when_draws_keep_their_order():
    """Draws that are multiples of one another never change rank: bounds decide almost all."""
    base = _case()[0]
    inputs = base._replace(
        coef_t=np.ones_like(base.coef_t) * np.linspace(1.0, 2.0, 200),  # coefficients by draw
        cooling_excess_c=np.zeros_like(base.cooling_excess_c),  # no weather differences
        baseline_level_t=np.zeros_like(base.baseline_level_t),  # no baseline
        non_ai_t=np.zeros_like(base.non_ai_t),
    )
    found = floor.pruning_candidates(inputs, PROBABILITIES, every_nth_day=1)
    *per_quantile, union = found["ai"]
    assert max(per_quantile) <= 2 / 200  # the two order statistics the interpolation needs
    assert union <= 2 * PROBABILITIES.size / 200
    random = floor.pruning_candidates(_case()[0], PROBABILITIES, every_nth_day=1)
    assert random["ai"][-1] > 0.1  # the random case reshuffles ranks within a day
