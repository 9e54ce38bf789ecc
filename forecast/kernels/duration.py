"""Per-draw hourly values of a chunk: what the fused stream kernel reduces and never keeps.

Load duration curves, peak-hour calendars and grid-model exports need each draw's hourly path,
which :func:`forecast.kernels.stream.stream_chunk` folds into day sums, peaks and quantiles
as it goes. This kernel evaluates the same hours with the same per-hour helpers (so its values
equal the stream's bit for bit, flexibility included) and writes the wanted rows of the wanted
draws into a caller-supplied array; the caller bounds its size by choosing the draws.
"""

import numpy as np

from forecast.kernels._jit import borrowing_jit, jit, parallel_calls, split, thread_count
from forecast.kernels.layout import FloatArray, IndexArray
from forecast.kernels.stream import (
    FIRST_REGION_ROW,
    StreamInputs,
    _day_shifts,
    _flex_hour,
    _hour_values,
)


def hourly_rows(
    inputs: StreamInputs,
    first_day: int,
    last_day: int,
    rows: IndexArray,
    draws: IndexArray,
    out: FloatArray,
) -> None:
    """Write the hourly values of rows ``rows`` for the draws ``draws`` on some of a chunk's days.

    Parameters
    ----------
    inputs : StreamInputs
        The chunk, draws sorted by weather year as for the stream kernel.
    first_day, last_day : int
        The days evaluated, ``first_day`` to ``last_day - 1`` (indices into the chunk's days). [-]
    rows : int64[K]
        Value rows wanted (:mod:`forecast.kernels.stream` row numbers: AI, baseline, total,
        non-AI, data centre, curtailed, held by the baseline, then regions). [-]
    draws : int64[S]
        Positions of the wanted draws in the chunk's sorted draw order. [-]
    out : float64[K, S, H]
        Written: each wanted row's value for each wanted draw and hour of those days (hour 0
        is the first hour of ``first_day``), after flexibility. [MW]
    """
    offset = inputs.day_starts[first_day]
    # Days are independent (a shifted load stays within its day): blocks of days on threads.
    calls = [
        (inputs, first_day + first, first_day + last, rows, draws, out, offset)
        for first, last in split(last_day - first_day, thread_count())
    ]
    parallel_calls(_hourly_days, calls)


@jit
def _hourly_days(inputs, first_day, last_day, rows, draws, out, offset):
    """:func:`hourly_rows` on days ``first_day .. last_day - 1``; hour ``offset`` is out's 0."""
    region_count, draw_count = inputs.coef_t.shape[1], inputs.coef_t.shape[3]
    flexible = inputs.flex_share.max() > 0.0 if draw_count > 0 else False
    values = np.zeros((FIRST_REGION_ROW + region_count, draw_count))  # _hour_values
    moved = np.zeros((region_count, draw_count))
    placed, filled = np.ones_like(moved), np.zeros_like(moved)
    weather = np.empty((2, draw_count))
    # A day's values hour by hour first, then each draw's day into ``out`` at once: written
    # hour by hour, ``out`` took a cache line per row and draw in every hour, and the writes
    # cost 5x the hours' evaluation at 500 draws (2.4x less this way, 2026-12-07).
    longest = 0
    for day in range(first_day, last_day):
        longest = max(longest, inputs.day_starts[day + 1] - inputs.day_starts[day])
    day_values = np.empty((longest, rows.size, draws.size))
    for day in range(first_day, last_day):
        placed[:] = 1.0
        filled[:] = 0.0
        moved[:] = 0.0
        day_moves = 0
        if flexible and inputs.flex_shift:
            day_moves = _day_shifts(inputs, day, values, weather, moved, placed, filled)
        first_hour, last_hour = inputs.day_starts[day], inputs.day_starts[day + 1]
        for hour in range(first_hour, last_hour):
            _hour_values(
                inputs, hour, day, np.int64(0), draw_count, values, weather, inputs.non_ai_t
            )
            if flexible:
                _flex_hour(inputs, day, hour, values, weather, moved, placed, filled, day_moves)
            for index in range(rows.size):
                row = values[rows[index]]
                for position in range(draws.size):
                    day_values[hour - first_hour, index, position] = row[draws[position]]
        _day_into(day_values, last_hour - first_hour, out, first_hour - offset)


@borrowing_jit
def _day_into(day_values, hours, out, start):
    """Copy the first ``hours`` hours of a day's values [h, K, S] into ``out`` [K, S, H] from
    its hour ``start``, each row's and draw's hours at once."""
    for index in range(out.shape[0]):
        for position in range(out.shape[1]):
            for hour in range(hours):
                out[index, position, start + hour] = day_values[hour, index, position]
