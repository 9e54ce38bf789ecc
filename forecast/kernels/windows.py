"""Exact quantiles over draws of one hour's values, searched in a narrow window.

The quantiles of a load curve move little from one hour to the next, so each is looked for
near where the previous hour's was: its distance from the row's mean in standard deviations
(its score) is carried from hour to hour, and a window of about _WINDOW_RANKS draws on either
side of the predicted value is searched. A block's first hour starts from the quantiles of a
strided sample of the draws.

Where numba's target has AVX-512 (:mod:`forecast.kernels._vector`), one pass over the row counts
the draws below and inside a window and copies the ones inside to a buffer (the compress
instruction, eight draws at a time), so the pass can afford to look wide: it takes
:data:`_WIDE_FACTOR` times the predicted window (more with more draws), for the P5 and P10 (and
the P90 and P95) together, and for up to three such groups at once. Each pass writes where its
output trails its input by a little modulo 4 KiB (:data:`_TRAIL_BYTES`). When a group's wide
window holds both order statistics that NumPy's 'linear' interpolation needs, each quantile is
found among its few hundred values alone: the predicted window is cut out of them, moved if it
misses, and narrowed around the rank until 16 values or fewer are left. A quantile whose wide
window missed is searched on its own, its window's missed edge moved past as many draws as it
was short of (at the window's density of draws) and counted again; after a few misses the hour
falls back to quickselect over all draws.

Without AVX-512 the same search runs with the predicted window itself: a counting pass over a
float32 copy of the row (twice the values per vector instruction) and a gather of the flagged
draws. It stays exact: rounding to float32 is monotone, so a draw whose float32 value is below
the window's float32 edge is below every draw inside or above it in float64 as well. Either
way the window splits the draws into three ranks exactly and the order statistics are selected
among the window's float64 values: the quantiles equal ``np.quantile(..., method="linear")``
bit for bit (``tests/forecast/kernels/test_windows.py``, ``tests/forecast/engine/test_stream.py``).

The last few values are ordered by a fixed sorting network on 16 values, branch-free and
written out so that they stay in registers: quickselect on such short windows mispredicts
about every other comparison and took 4x longer. The small steps are inlined into their
callers (a call between numba functions passes each array as seven values); the narrowing
search and the grouped pass are compiled once each, since inlining them at every caller
tripled the compile time.
"""

import math
from typing import NamedTuple

import numpy as np

from forecast.kernels._jit import (
    VECTOR_COMPRESS,
    approximate_jit,
    borrowing_jit,
    inline_jit,
    jit,
)
from forecast.kernels._vector import BLOCK, window_block
from forecast.kernels.layout import FloatArray
from forecast.kernels.quantiles import _column_quantiles, _interpolate, _ranks, _select

#: Window misses tolerated before an hour falls back to quickselect.
_MAX_WIDENINGS = 4
#: Draws in the strided sample that seeds a block's first window.
_SEED_SAMPLE = 512
#: Draws in the strided sample whose mean and standard deviation place the windows: the same
#: draws every hour, so the sample's own error cancels from one hour to the next.
_LOCATION_SAMPLE = 128
#: Draws a window spans on either side of its predicted quantile. Measured on the stream's own
#: rows (kr-outlook-flex, 2030): at 1,000 draws the score predictor's error is a median of 2
#: and a 90th percentile of 5 draws; 6 gave the fastest rows at 1,000 and 10,000 draws.
_WINDOW_RANKS = 6.0
#: How many times wider than the predicted window the pass over all draws looks when it
#: compresses, at 1,000 draws: it copies out the wide window's values whatever their number,
#: so a predicted window that misses is moved among those tens of values instead of in
#: another pass over all draws (at 10,000 draws 80 % of the windows of +-6 draws missed and
#: cost a second pass). The predictor's misses grow with the draws (a 90th percentile of 9
#: draws at 1,000, 56-105 at 10,000), so the factor grows with their square root: 25 at
#: 10,000, where 8 / 16 / 25 gave 73 / 69 / 67 ms on kr-outlook-flex's 2030 chunk.
_WIDE_FACTOR = 8.0
#: Bytes by which a compress pass's output starts before its input, modulo 4 KiB
#: (:func:`_trailing`). A CPU takes a load whose address matches a pending store's in its last
#: 12 bits for one that may depend on it (4K aliasing): a pass whose output sits a few hundred
#: bytes ahead of its input, modulo 4 KiB, ran 2-3x slower at 1,000 draws (130 against 250-470
#: ns), and where the buffers fell was up to the allocator. Starting the output 256 bytes before
#: to 64 after the input was fast for every share of draws inside the window tried (2-90 %, 160
#: and 1,000 draws; development machine, 2026-12-05); 128 before is in the middle.
_TRAIL_BYTES = 128
#: Values of room that a buffer a pass writes to has for :func:`_trailing` to start it later.
_TRAIL_ROOM = 512
#: Probabilities at most this far apart share their pass over all draws (P5 and P10, P90
#: and P95): the pass copies out the draws between them as well, a tenth of all at most.
_GROUP_SHARE = 0.1
#: Values a window is sorted in by the network (more: quickselect).
_NETWORK_SIZE = 16


@inline_jit
def _sort16(buffer):
    """Sort ``buffer[:16]`` in place: the 63 comparators of Batcher's odd-even merge sort
    (Knuth, TAOCP vol. 3, 5.3.4), in order.

    Written out one comparator a line so that the sixteen values stay in registers: the loop
    over the table read and wrote memory at every comparator (66 against 18 ns a sort of 16
    random values, each alone in a loop, 2026-12-05). ``tests/forecast/kernels/test_windows.py``
    checks the lines against Batcher's construction and the sort on every 0-1 input (the 0-1
    principle).
    """
    v0, v1, v2, v3 = buffer[0], buffer[1], buffer[2], buffer[3]
    v4, v5, v6, v7 = buffer[4], buffer[5], buffer[6], buffer[7]
    v8, v9, v10, v11 = buffer[8], buffer[9], buffer[10], buffer[11]
    v12, v13, v14, v15 = buffer[12], buffer[13], buffer[14], buffer[15]
    v0, v1 = min(v0, v1), max(v0, v1)
    v2, v3 = min(v2, v3), max(v2, v3)
    v0, v2 = min(v0, v2), max(v0, v2)
    v1, v3 = min(v1, v3), max(v1, v3)
    v1, v2 = min(v1, v2), max(v1, v2)
    v4, v5 = min(v4, v5), max(v4, v5)
    v6, v7 = min(v6, v7), max(v6, v7)
    v4, v6 = min(v4, v6), max(v4, v6)
    v5, v7 = min(v5, v7), max(v5, v7)
    v5, v6 = min(v5, v6), max(v5, v6)
    v0, v4 = min(v0, v4), max(v0, v4)
    v2, v6 = min(v2, v6), max(v2, v6)
    v2, v4 = min(v2, v4), max(v2, v4)
    v1, v5 = min(v1, v5), max(v1, v5)
    v3, v7 = min(v3, v7), max(v3, v7)
    v3, v5 = min(v3, v5), max(v3, v5)
    v1, v2 = min(v1, v2), max(v1, v2)
    v3, v4 = min(v3, v4), max(v3, v4)
    v5, v6 = min(v5, v6), max(v5, v6)
    v8, v9 = min(v8, v9), max(v8, v9)
    v10, v11 = min(v10, v11), max(v10, v11)
    v8, v10 = min(v8, v10), max(v8, v10)
    v9, v11 = min(v9, v11), max(v9, v11)
    v9, v10 = min(v9, v10), max(v9, v10)
    v12, v13 = min(v12, v13), max(v12, v13)
    v14, v15 = min(v14, v15), max(v14, v15)
    v12, v14 = min(v12, v14), max(v12, v14)
    v13, v15 = min(v13, v15), max(v13, v15)
    v13, v14 = min(v13, v14), max(v13, v14)
    v8, v12 = min(v8, v12), max(v8, v12)
    v10, v14 = min(v10, v14), max(v10, v14)
    v10, v12 = min(v10, v12), max(v10, v12)
    v9, v13 = min(v9, v13), max(v9, v13)
    v11, v15 = min(v11, v15), max(v11, v15)
    v11, v13 = min(v11, v13), max(v11, v13)
    v9, v10 = min(v9, v10), max(v9, v10)
    v11, v12 = min(v11, v12), max(v11, v12)
    v13, v14 = min(v13, v14), max(v13, v14)
    v0, v8 = min(v0, v8), max(v0, v8)
    v4, v12 = min(v4, v12), max(v4, v12)
    v4, v8 = min(v4, v8), max(v4, v8)
    v2, v10 = min(v2, v10), max(v2, v10)
    v6, v14 = min(v6, v14), max(v6, v14)
    v6, v10 = min(v6, v10), max(v6, v10)
    v2, v4 = min(v2, v4), max(v2, v4)
    v6, v8 = min(v6, v8), max(v6, v8)
    v10, v12 = min(v10, v12), max(v10, v12)
    v1, v9 = min(v1, v9), max(v1, v9)
    v5, v13 = min(v5, v13), max(v5, v13)
    v5, v9 = min(v5, v9), max(v5, v9)
    v3, v11 = min(v3, v11), max(v3, v11)
    v7, v15 = min(v7, v15), max(v7, v15)
    v7, v11 = min(v7, v11), max(v7, v11)
    v3, v5 = min(v3, v5), max(v3, v5)
    v7, v9 = min(v7, v9), max(v7, v9)
    v11, v13 = min(v11, v13), max(v11, v13)
    v1, v2 = min(v1, v2), max(v1, v2)
    v3, v4 = min(v3, v4), max(v3, v4)
    v5, v6 = min(v5, v6), max(v5, v6)
    v7, v8 = min(v7, v8), max(v7, v8)
    v9, v10 = min(v9, v10), max(v9, v10)
    v11, v12 = min(v11, v12), max(v11, v12)
    v13, v14 = min(v13, v14), max(v13, v14)
    buffer[0], buffer[1], buffer[2], buffer[3] = v0, v1, v2, v3
    buffer[4], buffer[5], buffer[6], buffer[7] = v4, v5, v6, v7
    buffer[8], buffer[9], buffer[10], buffer[11] = v8, v9, v10, v11
    buffer[12], buffer[13], buffer[14], buffer[15] = v12, v13, v14, v15


class WindowState(NamedTuple):
    """What the windowed search carries from hour to hour, for ``K`` rows of ``Q`` quantiles
    over ``D`` draws (one per thread).

    Attributes
    ----------
    score : float64[K, Q]
        Each quantile's distance from the row's mean at the previous hour. [standard deviations]
    width : float64[K, Q]
        Half-width of each quantile's next window. [standard deviations]
    seeded : uint8[K]
        1 where the row's scores hold a previous hour (0 at a block's start or after NaN).
    row32 : float32[D]
        The row's values in float32, for the counting passes (zero-size with the compress
        pass). [MW]
    lows, highs : float64[Q]
        The hour's predicted window of each quantile. [MW]
    spans : float64[2, Q]
        The draw count and width of the window each quantile was found in (-1: not yet). [-],
        [MW]
    group_bounds : int64[2, Q]
        First and last + 1 quantile of each group of neighbouring probabilities. [-]
    group_windows : float64[2, Q]
        Each group's wide window. [MW]
    group_counts : int64[3, Q]
        Draws below, at or below, and inside each group's wide window. [-]
    groups : float64[Q, max(D, 16)]
        Each group's wide window's values (zero-size without the compress pass). [MW]
    flags : uint8[8 * ceil(D / 8)]
        1 where a draw is inside the window (zero beyond ``D``; zero-size with the compress
        pass). [-]
    buffer, narrow, inner, scratch : float64[D]
        The wide window's values; narrower windows' among them (two, taking turns); a copy of
        the row for quickselect. [MW]
    """

    score: FloatArray
    width: FloatArray
    seeded: np.ndarray
    row32: np.ndarray
    lows: FloatArray
    highs: FloatArray
    spans: FloatArray
    group_bounds: np.ndarray
    group_windows: FloatArray
    group_counts: np.ndarray
    groups: FloatArray
    flags: np.ndarray
    buffer: FloatArray
    narrow: FloatArray
    inner: FloatArray
    scratch: FloatArray


@jit
def window_state(row_count, probability_count, draw_count):
    """A fresh :class:`WindowState` (no row seeded yet)."""
    # Sizes first: numba takes no conditional expression among a call's keyword arguments.
    padded = max(draw_count, _NETWORK_SIZE)  # room for the network's padding
    # A pass may start _TRAIL_ROOM values in and writes whole blocks of BLOCK values past its
    # last value (and the narrowing pads its source with a block of NaN).
    compressed = padded + _TRAIL_ROOM + BLOCK if VECTOR_COMPRESS else 0
    room = padded + _TRAIL_ROOM + BLOCK if VECTOR_COMPRESS else padded
    counted = 0 if VECTOR_COMPRESS else draw_count
    return WindowState(
        score=np.zeros((row_count, probability_count)),
        width=np.zeros((row_count, probability_count)),
        seeded=np.zeros(row_count, dtype=np.uint8),
        row32=np.empty(counted, dtype=np.float32),
        lows=np.zeros(probability_count),
        highs=np.zeros(probability_count),
        spans=np.zeros((2, probability_count)),
        group_bounds=np.zeros((2, probability_count), dtype=np.int64),
        group_windows=np.zeros((2, probability_count)),
        group_counts=np.zeros((3, probability_count), dtype=np.int64),
        groups=np.empty((probability_count, compressed)),
        flags=np.zeros(8 * ((counted + 7) // 8), dtype=np.uint8),
        buffer=np.empty(room),
        narrow=np.empty(room),
        inner=np.empty(room),
        scratch=np.empty(draw_count),
    )


@inline_jit
def _prepare_row(row, row32):
    """Return whether the row holds a NaN and whether all its values are equal (a load not yet
    built, say: no window can narrow it); without the compress pass, also copy it to float32
    for the counting passes."""
    missing, different = 0, 0
    first = row[0]
    for draw in range(row.size):
        value = row[draw]
        if not VECTOR_COMPRESS:
            row32[draw] = np.float32(value)
        missing += 1 if value != value else 0
        different += 1 if value != first else 0
    return missing > 0, different == 0


@inline_jit
def _count_window(row32, low, high, flags):
    """Count draws below ``low`` and at or below ``high`` (float32 edges); flag the draws
    inside the window.

    One vectorised pass; ``flags`` then lets :func:`_gather_window` skip eight draws at a time.
    """
    # Integer selects, not bool sums: numba vectorises these four times better.
    below, up_to = 0, 0
    for draw in range(row32.size):
        value = row32[draw]
        below += 1 if value < low else 0
        up_to += 1 if value <= high else 0
        flags[draw] = 1 if low <= value <= high else 0
    return below, up_to


@inline_jit
def _gather_window(row, flags, buffer):
    """Copy the flagged values to the front of ``buffer``; return their count."""
    count = 0
    words = flags.view(np.uint64)
    full_words = row.size // 8
    for word in range(full_words):
        if words[word]:
            # Branch-free inside a word: every value is written and only flagged ones are
            # kept (the windows' draws are scattered, so a branch per draw mispredicts).
            first = 8 * word
            for offset in range(8):
                buffer[count] = row[first + offset]
                # int64: a uint8 count wrapped at 256 draws when interpreted (test_stream under
                # NUMBA_DISABLE_JIT=1).
                count += np.int64(flags[first + offset])
    for draw in range(8 * full_words, row.size):
        if flags[draw]:
            buffer[count] = row[draw]
            count += 1
    return count


@inline_jit
def _trailing(buffer, source):
    """The part of ``buffer`` that starts :data:`_TRAIL_BYTES` before ``source`` modulo 4 KiB,
    for a compress pass from ``source`` to write to (``buffer`` holds :data:`_TRAIL_ROOM`
    values more than the pass writes)."""
    gap = (np.int64(source.ctypes.data) - _TRAIL_BYTES - np.int64(buffer.ctypes.data)) % 4096
    return buffer[gap // 8 :]


@inline_jit
def _compress_window(row, low, high, buffer):
    """Count draws below ``low``, at or below ``high``, and NaN, and copy the draws inside the
    window to the front of ``buffer`` (in draw order), in one pass:
    :func:`forecast.kernels._vector.window_block` over eight draws at a time. Returns the
    counts below and at or below, the window's, and the NaN count."""
    below, count, missing = 0, 0, 0
    full = row.size - row.size % BLOCK
    for start in range(0, full, BLOCK):
        found = window_block(row, start, low, high, buffer, count)
        below, count, missing = below + found[0], count + found[1], missing + found[2]
    for draw in range(full, row.size):
        value = row[draw]
        below += 1 if value < low else 0
        missing += 1 if value != value else 0
        if low <= value <= high:
            buffer[count] = value
            count += 1
    return below, below + count, count, missing


@inline_jit
def _search_window(row, state, low, high, values):
    """Draws below ``low``, at or below ``high``, the window's draw count once its values are
    in ``values`` (-1 while they are not gathered yet: :func:`_gather_window`), and the NaN
    draws the compress pass found (the counting pass's rows were checked before)."""
    if VECTOR_COMPRESS:
        return _compress_window(row, low, high, values)
    below, up_to = _count_window(state.row32, np.float32(low), np.float32(high), state.flags)
    return below, up_to, -1, 0


@inline_jit
def _order_statistics(buffer, count, rank):
    """The ``rank``-th and ``rank + 1``-th smallest of ``buffer[:count]`` (0-based; the second
    only where there is one), reordering the buffer."""
    if count <= _NETWORK_SIZE:
        # A whole block of inf past the values, not a loop to 16: its trip count varies and
        # its exit mispredicted (the buffers have the room; a slice past the end stops there).
        buffer[count : count + _NETWORK_SIZE] = np.inf
        _sort16(buffer)
        return buffer[rank], buffer[min(rank + 1, count - 1)]
    _select(buffer, np.int64(0), count - 1, rank)
    above = buffer[min(rank + 1, count - 1)]
    for index in range(rank + 2, count):
        above = min(above, buffer[index])
    return buffer[rank], above


@jit
def _seed_window(sample, count, probability):
    """Bracket a quantile by order statistics of the sample ``sample[:count]`` (about 4
    standard errors), found by quickselect (the sample is reordered).

    Near the sample's ends the bracket stops at its smallest or largest value, never at an
    infinite edge: the hour's window sets the next hour's width from its draws per megawatt,
    and an open end made that width infinite for the rest of the block, so that every window
    of the P5 and P95 below ~500 draws (the P10 and P90 below ~250) narrowed to NaN edges and
    each hour ended in ten missed passes and a quickselect (200 draws: 8.2 passes and 7.2
    misses a quantile, against 1.5 and 0.2 at 1,000). A sample of every draw then holds the
    quantile inside; a strided one may not, and the window is moved like any other.
    """
    spread = 4.0 * math.sqrt(count * probability * (1.0 - probability)) + 2.0
    centre = (count - 1) * probability
    low_rank = max(int(centre - spread), 0)
    high_rank = min(int(centre + spread) + 1, count - 1)
    _select(sample, np.int64(0), count - 1, low_rank)
    low = sample[low_rank]
    _select(sample, np.int64(0), count - 1, high_rank)
    return low, sample[high_rank]


@inline_jit
def _sample_varies(row):
    """Whether the draws of :func:`_location_scale`'s sample are NaN-free and not all equal,
    checked exactly (that function's fastmath sums may round a constant row's deviation to
    a few ulps above zero): only then can the pass that checks for a constant row be skipped."""
    stride = max(row.size // _LOCATION_SAMPLE, 1)
    first, varies, missing = row[0], False, False
    for index in range(0, row.size, stride):
        varies = varies or row[index] != first
        missing = missing or row[index] != row[index]
    return varies and not missing


@approximate_jit
def _location_scale(row):
    """Mean and standard deviation of a strided sample of the row (a predictor only).

    Rounding here moves a window, never a result, so fastmath is safe: the windows are checked.
    """
    stride = max(row.size // _LOCATION_SAMPLE, 1)
    count = (row.size + stride - 1) // stride
    total, squares = 0.0, 0.0
    for index in range(count):
        value = row[index * stride]
        total += value
        squares += value * value
    mean = total / count
    return mean, math.sqrt(max(squares / count - mean * mean, 0.0))


@inline_jit
def _wide_factor(draw_count):
    """:data:`_WIDE_FACTOR` for a row of ``draw_count`` draws (at least the factor itself)."""
    return _WIDE_FACTOR * math.sqrt(max(draw_count, 1000) / 1000.0)


@inline_jit
def _widened(low, high, factor):
    """``[low, high]`` widened ``factor`` times about its centre; an infinite edge stays
    infinite and ``factor`` 1 leaves the window as it is (no ``inf - inf``)."""
    if factor == 1.0:
        return low, high
    half = 0.5 * (high - low)
    return low - (factor - 1.0) * half, high + (factor - 1.0) * half


@inline_jit
def _next_edges(low, high, below, up_to, lower, upper, scale):
    """Whether the window ``[low, high]``, with ``below`` draws below it and ``up_to`` at or
    below its top, holds the order statistics ``lower`` and ``upper``; where it does not, the
    window with its missed edge moved.

    The edge moves past the draws it is short of at the window's own density of draws (its
    width per draw when it held none), plus _WINDOW_RANKS to spare, and by half the window's
    width at least, so that a sparse tail is crossed in a few steps (the other edge still
    brackets the quantile). Moving it by four widths, as before, left windows of 25 draws
    where 16 fit the sorting network: 10 % of the selection's time at 1,000 draws.
    """
    spacing = (high - low) / max(up_to - below, 1)
    least = max(0.5 * (high - low), 1e-6 * scale, 1e-12)
    if below > lower:
        return False, low - max((below - lower + _WINDOW_RANKS) * spacing, least), high
    if up_to <= upper:
        return False, low, high + max((upper - up_to + 1 + _WINDOW_RANKS) * spacing, least)
    return True, low, high


@borrowing_jit
def _window_statistics(values, narrow, inner, count, span, lower, upper, low, high, scale):
    """The ``lower``-th and next smallest of a wide window's ``count`` values in ``values``
    (``span`` [MW] wide), and the draw count and width [MW] of the first window that held them
    (the predicted window ``[low, high]`` [MW], moved if it missed; the wide window itself
    when its values went straight to the sorting network or to quickselect): its density of
    draws sets the next hour's window. ``scale`` [MW] sets the smallest step a window moves.

    With the compress pass, the values are narrowed down in passes over the values alone
    (tens to hundreds of them): first the predicted
    window, moved as :func:`_next_edges` says until it holds the ranks, then while more than
    the sorting network's 16 values remain, a window of _WINDOW_RANKS values on either side of
    where the rank would lie were they spread evenly (copied to ``narrow``, then ``narrow``
    and ``inner`` taking turns). ``values`` keeps its set of values, which a group's other
    quantiles read again, though the network or quickselect may reorder them. Quickselect,
    4x slower on such short windows, runs only when that fails to converge.

    Compiled on its own, not inlined: it has two callers, and inlining it in both tripled the
    windowed search's compile time.
    """
    # spare is the buffer the next narrowing writes to after target: once values is left
    # behind, narrow and inner take turns.
    source, target, spare = values, narrow, inner
    found_count, found_span = count, span
    first_hit = True
    for _ in range(2 * _MAX_WIDENINGS + 2):
        if count <= _NETWORK_SIZE or not VECTOR_COMPRESS:
            break
        # NaN after the values, to a whole block: a NaN is neither below nor inside, and the
        # pass then has no scalar tail (its branches mispredicted about every other value).
        source[count : count + BLOCK] = np.nan
        blocks = (count + BLOCK - 1) // BLOCK * BLOCK
        written = _trailing(target, source)
        below, up_to, inside, _ = _compress_window(source[:blocks], low, high, written)
        hit, moved_low, moved_high = _next_edges(low, high, below, up_to, lower, upper, scale)
        if not hit:
            low, high = moved_low, moved_high
            continue
        if first_hit:
            found_count, found_span, first_hit = inside, high - low, False
        source, target, spare = written, spare, target
        count, lower, upper = inside, lower - below, upper - below
        spacing = (high - low) / max(count, 1)
        centre = low + (0.5 * (lower + upper) + 0.5) * spacing
        low, high = centre - _WINDOW_RANKS * spacing, centre + _WINDOW_RANKS * spacing
    low_value, high_value = _order_statistics(source, count, lower)
    return low_value, high_value, found_count, found_span


@borrowing_jit
def _window_quantile(row, state, probability, low, high, scale):
    """The quantile of a NaN-free row, searched from the predicted window ``[low, high]``.

    With the compress pass, the pass over all draws counts and copies out a window
    :data:`_WIDE_FACTOR` times as wide, and the predicted window is searched among its values
    alone; otherwise the predicted window itself. A window that misses is moved
    (:func:`_next_edges`) up to :data:`_MAX_WIDENINGS` times. Returns the quantile, whether it
    was found, and the draw count and width of the window it was found in (its density of draws
    sets the next hour's window); the count is -1 for a row with a NaN draw.
    """
    lower, upper, gamma = _ranks(row.size, probability)
    wide_low, wide_high = _widened(low, high, _wide_factor(row.size) if VECTOR_COMPRESS else 1.0)
    values = _trailing(state.buffer, row) if VECTOR_COMPRESS else state.buffer
    for _ in range(_MAX_WIDENINGS + 1):
        below, up_to, count, missing = _search_window(row, state, wide_low, wide_high, values)
        if missing:
            return np.nan, False, -1, 0.0
        hit, wide_low, wide_high = _next_edges(
            wide_low, wide_high, below, up_to, lower, upper, scale
        )
        if hit:
            if count < 0:
                count = _gather_window(row, state.flags, values)
            low_value, high_value, count, span = _window_statistics(
                values, state.narrow, state.inner, count, wide_high - wide_low,
                lower - below, upper - below, low, high, scale,
            )  # fmt: skip
            value = _interpolate(low_value, high_value if upper > lower else low_value, gamma)
            return value, True, count, span
    return np.nan, False, 0, 0.0


@inline_jit
def _fill_row(row, probabilities, state, index, out_column, missing):
    """The quantiles of a row with a NaN draw (NaN: the next hour's windows start afresh) or
    all of one value (that value: the windows stay where the last hour left them, since
    seeding them afresh costs a sample's quickselects)."""
    for quantile in range(probabilities.size):
        gamma = _ranks(row.size, probabilities[quantile])[2]
        out_column[quantile] = np.nan if missing else _interpolate(row[0], row[0], gamma)
    if missing:
        state.seeded[index] = 0


@inline_jit
def _compress_windows(row, state, first, last):
    """One pass over the row for the wide windows of groups ``first .. last - 1`` (three at
    most), each packing into its own ``state.groups`` row (from where :func:`_trailing` starts
    it): the three chains of store offsets
    run side by side. Writes each group's counts below, at or below and inside to
    ``state.group_counts``; returns the row's NaN count."""
    windows, counts, groups = state.group_windows, state.group_counts, state.groups
    second, third = min(first + 1, last - 1), min(first + 2, last - 1)
    low0, high0, out0 = windows[0, first], windows[1, first], _trailing(groups[first], row)
    low1, high1, out1 = windows[0, second], windows[1, second], _trailing(groups[second], row)
    low2, high2, out2 = windows[0, third], windows[1, third], _trailing(groups[third], row)
    below0, below1, below2, count0, count1, count2, missing = 0, 0, 0, 0, 0, 0, 0
    full = row.size - row.size % BLOCK
    for start in range(0, full, BLOCK):
        found = window_block(row, start, low0, high0, out0, count0)
        below0, count0, missing = below0 + found[0], count0 + found[1], missing + found[2]
        if last - first > 1:
            found = window_block(row, start, low1, high1, out1, count1)
            below1, count1 = below1 + found[0], count1 + found[1]
        if last - first > 2:
            found = window_block(row, start, low2, high2, out2, count2)
            below2, count2 = below2 + found[0], count2 + found[1]
    counts[0, first], counts[1, first], counts[2, first] = below0, below0 + count0, count0
    if last - first > 1:
        counts[0, second], counts[1, second], counts[2, second] = below1, below1 + count1, count1
    if last - first > 2:
        counts[0, third], counts[1, third], counts[2, third] = below2, below2 + count2, count2
    for draw in range(full, row.size):
        value = row[draw]
        missing += 1 if value != value else 0
        for group in range(first, last):
            counts[0, group] += 1 if value < windows[0, group] else 0
            if windows[0, group] <= value <= windows[1, group]:
                _trailing(groups[group], row)[counts[2, group]] = value
                counts[2, group] += 1
                counts[1, group] += 1
            else:
                counts[1, group] += 1 if value < windows[0, group] else 0
    return missing


@inline_jit
def _group_windows(probabilities, state, wide):
    """Split the quantiles into groups of neighbouring probabilities, each spanning at most
    :data:`_GROUP_SHARE` from its first (P5 and P10, P50, P90 and P95), and give each group the
    window from its lowest quantile's predicted window widened ``wide`` times to its highest's
    (``state.group_bounds``, ``state.group_windows`` [MW]). Returns the number of groups."""
    lows, highs = state.lows, state.highs
    bounds, windows = state.group_bounds, state.group_windows
    group_count, quantile = 0, 0
    while quantile < probabilities.size:
        bounds[0, group_count] = quantile
        windows[0, group_count], windows[1, group_count] = np.inf, -np.inf
        while True:
            low, high = _widened(lows[quantile], highs[quantile], wide)
            windows[0, group_count] = min(windows[0, group_count], low)
            windows[1, group_count] = max(windows[1, group_count], high)
            quantile += 1
            if (
                quantile == probabilities.size
                or probabilities[quantile] - probabilities[bounds[0, group_count]] > _GROUP_SHARE
            ):
                break
        bounds[1, group_count] = quantile
        group_count += 1
    return group_count


@borrowing_jit
def _grouped_quantiles(row, probabilities, state, scale, out_column):
    """The quantiles of a NaN-free row from one pass over all draws for every three groups of
    neighbouring probabilities (:func:`_group_windows`, :func:`_compress_windows`); then each
    quantile's predicted window ``[lows[q], highs[q]]`` [MW] is searched among its group's
    values (:func:`_window_statistics`). ``scale`` [MW] is the row's size, for the smallest
    step a window moves by. Writes ``out_column[q]`` [MW] and the found window's draw count and
    width to ``spans[:, q]`` for each quantile its group's wide window holds; ``spans[0, q]``
    stays -1 for one it does not. Returns whether the row holds a NaN draw (then nothing is
    written)."""
    lows, highs, spans, bounds = state.lows, state.highs, state.spans, state.group_bounds
    windows, counts = state.group_windows, state.group_counts
    group_count = _group_windows(probabilities, state, _wide_factor(row.size))
    for first in range(0, group_count, 3):
        if _compress_windows(row, state, first, min(first + 3, group_count)):
            return True
    for group in range(group_count):
        below, up_to, count = counts[0, group], counts[1, group], counts[2, group]
        span = windows[1, group] - windows[0, group]
        for quantile in range(bounds[0, group], bounds[1, group]):
            lower, upper, gamma = _ranks(row.size, probabilities[quantile])
            if below <= lower and upper < up_to:
                low_value, high_value, found_count, found_span = _window_statistics(
                    _trailing(state.groups[group], row), state.narrow, state.inner, count, span,
                    lower - below, upper - below, lows[quantile], highs[quantile], scale,
                )  # fmt: skip
                value = _interpolate(low_value, high_value if upper > lower else low_value, gamma)
                out_column[quantile] = value
                spans[0, quantile], spans[1, quantile] = found_count, found_span
    return False


@inline_jit
def _search_row(row, probabilities, state, index, out_column, mean, deviation):
    """:func:`row_quantiles` for a row whose location sample varies (``mean`` and
    ``deviation`` [MW] from it); returns whether it holds a NaN draw (then ``out_column`` is
    to be filled)."""
    score, width = state.score[index], state.width[index]
    seeded = state.seeded[index] != 0
    scale = max(abs(mean), deviation)
    stride = max(row.size // _SEED_SAMPLE, 1)
    sample, sample_count = state.scratch, (row.size + stride - 1) // stride
    lows, highs, spans = state.lows, state.highs, state.spans
    for quantile in range(probabilities.size):
        if seeded:
            centre = mean + score[quantile] * deviation
            half = width[quantile] * deviation
            lows[quantile], highs[quantile] = centre - half, centre + half
        else:
            for draw in range(sample_count):
                sample[draw] = row[draw * stride]
                if sample[draw] != sample[draw]:  # quickselect needs NaN-free values
                    return True
            lows[quantile], highs[quantile] = _seed_window(
                sample, sample_count, probabilities[quantile]
            )
        spans[0, quantile] = -1.0
    if VECTOR_COMPRESS and _grouped_quantiles(row, probabilities, state, scale, out_column):
        return True
    for quantile in range(probabilities.size):
        if spans[0, quantile] < 0.0:
            value, found, count, span = _window_quantile(
                row, state, probabilities[quantile], lows[quantile], highs[quantile], scale
            )
            if count < 0:
                return True
            if not found:
                scratch = state.scratch
                for draw in range(row.size):
                    scratch[draw] = row[draw]
                _column_quantiles(scratch, probabilities, out_column)
                break
            out_column[quantile] = value
            spans[0, quantile], spans[1, quantile] = count, span
        # Next hour's half-width: about _WINDOW_RANKS draws on either side of the quantile at
        # this hour's density of draws near it.
        spacing = spans[1, quantile] / max(spans[0, quantile], 2.0)
        width[quantile] = _WINDOW_RANKS * spacing / deviation if deviation > 0.0 else 0.0
    for quantile in range(probabilities.size):
        score[quantile] = (out_column[quantile] - mean) / deviation if deviation > 0.0 else 0.0
    state.seeded[index] = 1
    return False


@borrowing_jit
def row_quantiles(row, probabilities, state, index, out_column):
    """Write the quantiles of one hour's ``row`` [D] to ``out_column`` [Q] (NaN for a row with
    a NaN draw), searching each near its score in row ``index`` of ``state``.

    With the compress pass, the quantiles come from one pass over all draws for every three
    groups of neighbouring probabilities (:func:`_grouped_quantiles`); a quantile its group's
    window misses, or every quantile without it, is searched on its own
    (:func:`_window_quantile`).
    """
    mean, deviation = _location_scale(row)
    # A row all of one value, or with a NaN draw, has no window to search. The compress pass
    # counts NaN draws as it goes, so a whole pass to check is needed only where the sampled
    # draws are all equal or one of them is NaN (the counting pass reads a float32 copy).
    # A row of one value has a deviation of a few ulps of its mean at most (fastmath sums), so
    # only a row with less than that is sampled exactly.
    missing, constant = False, False
    maybe_constant = not deviation > 1e-6 * abs(mean) and not _sample_varies(row)
    if not VECTOR_COMPRESS or maybe_constant:
        missing, constant = _prepare_row(row, state.row32)
    if not (missing or constant):
        missing = _search_row(row, probabilities, state, index, out_column, mean, deviation)
    if missing or constant:
        _fill_row(row, probabilities, state, index, out_column, missing)
