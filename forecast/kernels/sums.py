"""Sums kernel: per-draw day sums folded into years and output periods in one pass."""

import numpy as np

from forecast.kernels._jit import helper_jit, jit, parallel_calls, split, thread_count
from forecast.kernels.layout import FloatArray, IndexArray

#: NumPy's pairwise summation: runs of at most this many values are summed by 8 interleaved
#: partial sums, longer runs split in two (numpy/_core/src/umath/loops_utils.h.src).
_PAIRWISE_BLOCK = 128
_UNROLL = 8


@helper_jit
def _leaf(day_sums, row, first, count, out, partial):
    """NumPy's pairwise sum of days ``first .. first + count - 1`` (``count`` at most
    :data:`_PAIRWISE_BLOCK`) of every draw into ``out``; ``partial`` [8, D] is scratch.

    From 8 days on, lane ``j`` of ``partial`` adds days ``first + j``, ``first + j + 8``, ...
    in order, as NumPy's eight accumulators do, and the rest are added one by one; fewer days
    are added one by one from 0. The lanes start from 0 where NumPy starts them from their
    first value: the same sums for every value but -0.0, which a day sum never is (it starts
    from +0.0). Few loops, because each costs compile time on a user's first run.
    """
    stop = first
    if count >= _UNROLL:
        stop = first + count - count % _UNROLL
        partial[:] = 0.0
        for day in range(first, stop):
            sums, values = partial[(day - first) % _UNROLL], day_sums[row, day]
            for draw in range(out.size):
                sums[draw] += values[draw]
        for draw in range(out.size):
            out[draw] = (
                (partial[0, draw] + partial[1, draw]) + (partial[2, draw] + partial[3, draw])
            ) + ((partial[4, draw] + partial[5, draw]) + (partial[6, draw] + partial[7, draw]))
    else:
        out[:] = 0.0
    for day in range(stop, first + count):
        values = day_sums[row, day]
        for draw in range(out.size):
            out[draw] += values[draw]


@helper_jit
def _pairwise(day_sums, row, first, count, partial, frames, sums):
    """NumPy's pairwise sum of ``count`` days from ``first`` into ``sums[0]``.

    The recursion (a run longer than a block is the sum of its two halves, the left one
    first) runs on an explicit stack, ``frames`` [depth, 4] (first day, days, step, row of
    ``sums`` [depth, D] that takes the frame's sum): numba's cache cannot hold a recursive
    function (loading one crashed). A left half writes its sum where its parent's goes, a right
    half into the row of its own depth, which the parent then adds.
    """
    frames[0, 0], frames[0, 1], frames[0, 2], frames[0, 3] = first, count, 0, 0
    depth = 0
    while depth >= 0:
        start, days, step, slot = (
            frames[depth, 0],
            frames[depth, 1],
            frames[depth, 2],
            frames[depth, 3],
        )
        if days <= _PAIRWISE_BLOCK:
            _leaf(day_sums, row, start, days, sums[slot], partial)
            depth -= 1
            continue
        half = days // 2
        half -= half % _UNROLL
        frames[depth, 2] = step + 1
        if step < 2:  # the left half into this frame's row, then the right half into its own
            child = frames[depth + 1]
            child[0] = start if step == 0 else start + half
            child[1] = half if step == 0 else days - half
            child[2] = 0
            child[3] = slot if step == 0 else depth + 1
            depth += 1
        else:  # left + right
            total, right = sums[slot], sums[depth + 1]
            for draw in range(total.size):
                total[draw] += right[draw]
            depth -= 1


@jit
def _segment_block(
    day_sums, first_row, last_row, year_starts, years_out, period_starts, periods_out
):  # fmt: skip
    """Rows ``first_row .. last_row - 1`` of :func:`segment_sums`: the years, then the periods
    (one loop over both, so the sums are compiled once)."""
    day_count, draw_count = day_sums.shape[1], day_sums.shape[2]
    partial = np.empty((_UNROLL, draw_count))
    # Each level of the stack halves a run: 64 levels hold any number of days.
    frames = np.zeros((64, 4), dtype=np.int64)
    sums = np.empty((64, draw_count))
    for which in range(2):
        starts = year_starts if which == 0 else period_starts
        out = years_out if which == 0 else periods_out
        for row in range(first_row, last_row):
            for segment in range(starts.size):
                stop = starts[segment + 1] if segment + 1 < starts.size else day_count
                total, first = out[row, segment], day_sums[row, starts[segment]]
                for draw in range(draw_count):
                    total[draw] = first[draw]
                days = stop - starts[segment] - 1
                if days > 0:
                    _pairwise(day_sums, row, starts[segment] + 1, days, partial, frames, sums)
                    rest = sums[0]
                    for draw in range(draw_count):
                        total[draw] += rest[draw]


def segment_sums(
    day_sums: FloatArray,
    year_starts: IndexArray,
    years_out: FloatArray,
    period_starts: IndexArray,
    periods_out: FloatArray,
) -> None:
    """Sum a chunk's per-draw day sums over its years and over its output periods.

    Equal bit for bit to ``np.add.reduceat(day_sums, starts, axis=1)`` for each set of
    segments (for values other than -0.0, which a day sum never is), which it replaces: a
    segment's first day plus NumPy's pairwise sum of the rest, computed for all draws at once.
    Two reduceat calls read the 32 MB of day sums twice, one draw at a time: 5.9 ms against
    0.8 ms for a 4-year chunk of the dashboard's request, 21 ms of its 0.3 s in all; this
    compiles in about 1.1 s of a first run's CPU (both 2026-12-05). Rows run on threads of
    their own.

    Parameters
    ----------
    day_sums : float64[S, N, D]
        Each row's sum over each day per draw. [MWh]
    year_starts : int64[K]
        First day of each year in the chunk, increasing, the first 0. [-]
    years_out : float64[S, K, D]
        Written: each row's sum over each year's days. [MWh]
    period_starts : int64[P]
        First day of each output period, increasing, the first 0; empty for none. [-]
    periods_out : float64[S, P, D]
        Written: each row's sum over each period's days (untouched when ``P`` is 0). [MWh]
    """
    calls = [
        (day_sums, first, last, year_starts, years_out, period_starts, periods_out)
        for first, last in split(day_sums.shape[0], thread_count())
    ]
    parallel_calls(_segment_block, calls)
