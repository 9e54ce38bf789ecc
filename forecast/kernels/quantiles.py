"""Quantile kernels: exact quantiles over draws, one column per hour or period.

The quantiles follow NumPy's default ``'linear'`` method (Hyndman & Fan 1996, definition 7,
doi:10.1080/00031305.1996.10473566) down to its interpolation formula, so that they equal
``np.quantile(values, probabilities, axis=0)`` bit for bit.
"""

import math

import numpy as np

from forecast.kernels._jit import helper_jit, inline_jit, jit, parallel_calls, split, thread_count
from forecast.kernels.layout import FloatArray

#: Hours transposed together into one scratch block: each draw's row is then read as one
#: 256-byte run instead of one cache line per value.
_HOURS_PER_BLOCK = 32
#: Values (draws x hours) from which :func:`quantiles_over_draws` splits its hours over the
#: kernel threads (a round figure, not a measured crossover: 200 draws x 144 months are split,
#: a 100-draw year's 12 months are not). [-]
THREADED_VALUES = 50_000


@helper_jit
def _select(buffer: FloatArray, left: int, right: int, rank: int) -> None:
    """Partially order ``buffer[left:right + 1]`` so that ``buffer[rank]`` is in sorted place.

    Quickselect with a median-of-three pivot and Hoare partitioning, which stops on values
    equal to the pivot and so stays linear on columns of ties (Press et al., Numerical
    Recipes, 3rd ed., §8.5 ``select``). Needs NaN-free input. Afterwards everything left of
    ``rank`` is <= ``buffer[rank]`` and everything right of it is >=.
    """
    while right > left + 1:
        middle = (left + right) // 2
        buffer[middle], buffer[left + 1] = buffer[left + 1], buffer[middle]
        if buffer[left] > buffer[right]:
            buffer[left], buffer[right] = buffer[right], buffer[left]
        if buffer[left + 1] > buffer[right]:
            buffer[left + 1], buffer[right] = buffer[right], buffer[left + 1]
        if buffer[left] > buffer[left + 1]:
            buffer[left], buffer[left + 1] = buffer[left + 1], buffer[left]
        pivot = buffer[left + 1]
        low, high = left + 1, right
        while True:
            low += 1
            while buffer[low] < pivot:
                low += 1
            high -= 1
            while buffer[high] > pivot:
                high -= 1
            if high < low:
                break
            buffer[low], buffer[high] = buffer[high], buffer[low]
        buffer[left + 1], buffer[high] = buffer[high], pivot
        if high >= rank:
            right = high - 1
        if high <= rank:
            left = low
    if right == left + 1 and buffer[right] < buffer[left]:
        buffer[left], buffer[right] = buffer[right], buffer[left]


@inline_jit
def _ranks(count, probability):
    """Order-statistic ranks and weight of NumPy's 'linear' quantile of ``count`` values: the
    lower and upper 0-based ranks and gamma, the upper one's weight (the one home of this step:
    every quantile kernel uses it)."""
    virtual_index = (count - 1) * probability
    if virtual_index >= count - 1:
        # NumPy indexes the last value as -1 here, so its gamma is virtual_index + 1;
        # copied for test_quantiles_over_draws_equal_numpy, which compares bit for bit.
        return count - 1, count - 1, virtual_index + 1.0
    lower = math.floor(virtual_index)
    return lower, lower + 1, virtual_index - lower


@inline_jit
def _interpolate(below, above, gamma):
    """NumPy's _lerp: interpolate from the nearer end, which keeps quantiles monotone."""
    difference = above - below
    if gamma >= 0.5:
        return above - difference * (1.0 - gamma)
    return below + difference * gamma


@inline_jit
def _one_value(column, smallest, largest):
    """Whether every value of the NaN-free ``column``, whose least is ``smallest`` and
    greatest ``largest``, is the same bit for bit (0 and -0 compare equal but are not)."""
    if smallest != largest:
        return False
    if smallest != 0.0:
        return True
    negative = 0
    for index in range(column.size):
        if math.copysign(1.0, column[index]) < 0.0:
            negative += 1
    return negative in (0, column.size)


@helper_jit
def _column_quantiles(
    column: FloatArray, probabilities: FloatArray, out_column: FloatArray
) -> None:
    """Write the quantiles of one column, reordering it in place; NaN anywhere gives NaN."""
    count = column.size
    smallest, largest = np.inf, -np.inf
    for index in range(count):
        if np.isnan(column[index]):
            out_column[:] = np.nan
            return
        smallest, largest = min(smallest, column[index]), max(largest, column[index])
    if _one_value(column, smallest, largest):
        # One value (a site not yet asking, a month before any build: 43 % of a kr-national
        # projection's monthly columns): each quantile is it, through the same
        # interpolation, with no selection (test_quantiles_over_draws_keep_the_sign_of_zero).
        for quantile in range(probabilities.size):
            gamma = _ranks(count, probabilities[quantile])[2]
            out_column[quantile] = _interpolate(column[0], column[0], gamma)
        return
    left = int(np.int64(0))  # not the literal 0, which numba would compile _select for apart
    for quantile in range(probabilities.size):
        lower, upper, gamma = _ranks(count, probabilities[quantile])
        # Ranks never decrease, so each search starts where the previous one ended.
        _select(column, left, count - 1, lower)
        below = column[lower]
        above = below
        if upper > lower:
            above = column[upper]
            for index in range(upper + 1, count):
                above = min(above, column[index])
        out_column[quantile] = _interpolate(below, above, gamma)
        left = lower


@jit
def _quantile_blocks(
    values: FloatArray, probabilities: FloatArray, out: FloatArray, first: int, last: int
) -> None:
    """:func:`quantiles_over_draws` for the blocks ``first..last-1`` of :data:`_HOURS_PER_BLOCK`
    hours."""
    draw_count, hour_count = values.shape
    for block in range(first, last):
        first_hour = block * _HOURS_PER_BLOCK
        block_hours = min(_HOURS_PER_BLOCK, hour_count - first_hour)
        scratch = np.empty((block_hours, draw_count))
        for draw in range(draw_count):
            for offset in range(block_hours):
                scratch[offset, draw] = values[draw, first_hour + offset]
        for offset in range(block_hours):
            _column_quantiles(scratch[offset], probabilities, out[:, first_hour + offset])


def quantiles_over_draws(values: FloatArray, probabilities: FloatArray, out: FloatArray) -> None:
    """Compute quantiles over draws for every hour, equal to ``np.quantile(..., axis=0)``.

    Each hour is copied to a scratch buffer and the order statistics around each rank are
    found by quickselect, never by sorting the column; blocks of hours run on threads of their
    own once there are :data:`THREADED_VALUES` values (the monthly variables of a 1,000-draw
    projection took 40 ms of its second on one core, 2026-12-05).

    Parameters
    ----------
    values : float64[D, H]
        Draws of an hourly variable. [any unit]
    probabilities : float64[Q]
        Probabilities in ``[0, 1]``, sorted ascending. [-]
    out : float64[Q, H]
        Written: the quantiles; an hour with any NaN draw gives NaN. [unit of values]
    """
    block_count = (values.shape[1] + _HOURS_PER_BLOCK - 1) // _HOURS_PER_BLOCK
    parts = thread_count() if values.size >= THREADED_VALUES else 1
    calls = [(values, probabilities, out, first, last) for first, last in split(block_count, parts)]
    parallel_calls(_quantile_blocks, calls)
