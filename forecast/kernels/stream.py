"""The fused streaming kernel: every hourly statistic of a chunk in one parallel pass.

For each hour the kernel evaluates every draw's AI load by region, baseline and total into
per-thread rows (hour-major, so the inner loops run over contiguous draws and vectorise), adds
them to per-day sums per draw, raises per-block annual peaks and selects the quantiles over
draws. Threads take contiguous ranges of whole days, so no [draws x hours] array is ever held.

Quantiles are exact and equal ``np.quantile(..., method="linear")`` bit for bit: they are
selected inside a narrow value window around the previous hour's quantile (the quantiles of a
load curve move little from one hour to the next). One vectorised counting pass finds how many
draws lie below and inside the window; when both order statistics that the interpolation needs
are inside, only the window's few values are gathered and selected; otherwise the window is
widened and counted again, and after a few misses the hour falls back to quickselect. A block's
first hour starts from the quantiles of a strided sample of the draws.

At an hour where no weather year is above the cooling reference, a draw's AI load depends only
on the month and the inference shape, so an hour repeating both (the same clock hour on another
working day of a cool month) has the same AI rows, value for value. Their quantiles are then
copied from a small per-block memo keyed on exactly (month, shape) instead of selected again.
"""

import math
from typing import NamedTuple

import numpy as np

from forecast._numba import FloatArray, IndexArray, approximate_jit, jit, parallel_jit, prange
from forecast.kernels.power import baseline_mw, facility_mw
from forecast.kernels.quantiles import _column_quantiles, _select

#: Rows of the per-hour value block, in this order; regions follow from row ``FIRST_REGION_ROW``.
#: AI is after flexibility; CURTAILED is the AI load flexibility removed (and did not place);
#: HELD is the non-AI load the baseline already holds (in NON_AI and DC, not in TOTAL).
(AI_ROW, BASELINE_ROW, TOTAL_ROW, NON_AI_ROW, DC_ROW, CURTAILED_ROW, HELD_ROW,
 FIRST_REGION_ROW) = range(8)  # fmt: skip
#: Per-block annual peak statistics, in this order (``peaks_out`` axis 1): the peaks of the AI,
#: baseline, total, non-AI and data-centre rows, and the AI and data-centre load at the total's
#: peak hour.
AI_PEAK, BASELINE_PEAK, TOTAL_PEAK, NON_AI_PEAK, DC_PEAK, AI_AT_TOTAL_PEAK, DC_AT_TOTAL_PEAK = (
    range(7)
)
PEAK_COUNT = 7
#: Window misses tolerated before an hour falls back to quickselect.
_MAX_WIDENINGS = 4
#: Draws in the strided sample that seeds a block's first window.
_SEED_SAMPLE = 512
#: Slots of the per-block memo of AI-row quantiles for hours that need no cooling.
_MEMO_SLOTS = 256


class StreamInputs(NamedTuple):
    """What the stream kernels evaluate, for a chunk of whole days (draws sorted by weather).

    Attributes (shapes: ``M`` months, ``R`` regions, ``D`` draws, ``H`` hours, ``N`` days,
    ``Y`` years, ``W`` weather groups):

    coef_t : float64[M, R, 4, D]
        AI load coefficients ``c0 .. c3`` by month, region and draw. [MW, MW, MW/°C, MW/°C]
    non_ai_t : float64[M, 4, D]
        Non-AI data-centre load: flat part and temperature part of all of it, then of the part
        the baseline already holds (not added to the total). [MW, MW/°C, MW, MW/°C]
    month_of_hour : int64[H]
        Month index of each hour into ``M``. [-]
    inference_shape : float64[H]
        Normalised inference-load shape ``phi``. [-]
    cooling_excess_c : float64[W, H]
        Temperature excess over the cooling reference of each weather group. [°C]
    baseline_level_t : float64[Y, D]
        Annual mean level of the baseline by year and draw (zeros without a baseline). [MW]
    baseline_shape : float64[W, H]
        Hourly baseline shape of each weather group. [-]
    daily_noise_t : float64[N, D]
        Multiplicative daily noise of the baseline by day and draw. [-]
    year_of_day : int64[N]
        Year index of each day into ``Y``. [-]
    day_starts : int64[N + 1]
        First hour of each day, then ``H``. [-]
    group_bounds : int64[W + 1]
        First draw of each weather group, then ``D``. [-]
    flex_share : float64[D]
        Share of the AI load that gives way in a stress hour (0: no flexibility). [-]
    stress_level_t : float64[Y, D]
        Total load at or above which an hour is a stress hour (inf: none). [MW]
    flex_shift : bool
        Shift the energy within the day (True) or curtail it (False). [-]
    """

    coef_t: FloatArray
    non_ai_t: FloatArray
    month_of_hour: IndexArray
    inference_shape: FloatArray
    cooling_excess_c: FloatArray
    baseline_level_t: FloatArray
    baseline_shape: FloatArray
    daily_noise_t: FloatArray
    year_of_day: IndexArray
    day_starts: IndexArray
    group_bounds: IndexArray
    flex_share: FloatArray
    stress_level_t: FloatArray
    flex_shift: bool


@jit
def _hour_values(inputs, hour, day, rows):
    """Write one hour's values of every draw into ``rows`` [S, D], before flexibility."""
    coef_t, non_ai_t = inputs.coef_t, inputs.non_ai_t
    month, shape = inputs.month_of_hour[hour], inputs.inference_shape[hour]
    level = inputs.baseline_level_t[inputs.year_of_day[day]]
    noise = inputs.daily_noise_t[day]
    group_bounds = inputs.group_bounds
    rows[AI_ROW] = 0.0
    rows[CURTAILED_ROW] = 0.0
    for group in range(group_bounds.size - 1):
        # Slices and range(count), not range(first, last): numba then drops the negative-index
        # wraparound and the loops vectorise (6x faster, measured in tests/benchmarks).
        first, last = group_bounds[group], group_bounds[group + 1]
        x = inputs.cooling_excess_c[group, hour]
        base_shape = inputs.baseline_shape[group, hour]
        ai, baseline = rows[AI_ROW, first:last], rows[BASELINE_ROW, first:last]
        non_ai = rows[NON_AI_ROW, first:last]
        group_level, group_noise = level[first:last], noise[first:last]
        for draw in range(last - first):
            baseline[draw] = baseline_mw(group_level[draw], base_shape, group_noise[draw])
        n0, n2 = non_ai_t[month, 0, first:last], non_ai_t[month, 1, first:last]
        h0, h2 = non_ai_t[month, 2, first:last], non_ai_t[month, 3, first:last]
        held = rows[HELD_ROW, first:last]
        for draw in range(last - first):
            non_ai[draw] = facility_mw(n0[draw], 0.0, n2[draw], 0.0, shape, x)
            held[draw] = facility_mw(h0[draw], 0.0, h2[draw], 0.0, shape, x)
        for region in range(coef_t.shape[1]):
            c0, c1 = coef_t[month, region, 0, first:last], coef_t[month, region, 1, first:last]
            c2, c3 = coef_t[month, region, 2, first:last], coef_t[month, region, 3, first:last]
            region_row = rows[FIRST_REGION_ROW + region, first:last]
            for draw in range(last - first):
                value = facility_mw(c0[draw], c1[draw], c2[draw], c3[draw], shape, x)
                region_row[draw] = value
                ai[draw] += value
    _totals(rows)


@jit
def _totals(rows):
    """Data-centre and total rows from the AI, baseline and non-AI rows (the non-AI load the
    baseline already holds is not added to the total again)."""
    ai, baseline, non_ai = rows[AI_ROW], rows[BASELINE_ROW], rows[NON_AI_ROW]
    total, dc, held = rows[TOTAL_ROW], rows[DC_ROW], rows[HELD_ROW]
    for draw in range(ai.size):
        dc[draw] = ai[draw] + non_ai[draw]
        total[draw] = dc[draw] + baseline[draw] - held[draw]


@jit
def _day_shifts(inputs, day, rows, moved, placed, filled):
    """For shifting within a day: each region's part of the AI energy that the day's stress
    hours give way (``moved`` [R, D]), and per draw the part of it the day's other hours have
    room for (``placed``) and how full that room gets (``filled``), before flexibility."""
    moved[:] = 0.0
    room = placed
    room[:] = 0.0
    level = inputs.stress_level_t[inputs.year_of_day[day]]
    share = inputs.flex_share
    for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
        _hour_values(inputs, hour, day, rows)
        total = rows[TOTAL_ROW]
        for region in range(moved.shape[0]):
            values, regional = rows[FIRST_REGION_ROW + region], moved[region]
            for draw in range(total.size):
                regional[draw] += share[draw] * values[draw] if total[draw] >= level[draw] else 0.0
        for draw in range(total.size):
            room[draw] += level[draw] - total[draw] if total[draw] < level[draw] else 0.0
    for draw in range(room.size):
        energy = 0.0
        for region in range(moved.shape[0]):
            energy += moved[region, draw]
        for region in range(moved.shape[0]):
            moved[region, draw] = moved[region, draw] / energy if energy > 0.0 else 0.0
        filled[draw] = min(energy / room[draw], 1.0) if room[draw] > 0.0 else 0.0
        placed[draw] = min(room[draw] / energy, 1.0) if energy > 0.0 else 1.0


@jit
def _flex_hour(inputs, day, rows, moved, placed, filled):
    """Apply flexibility to one hour's rows.

    In a stress hour the flexible share of every region's AI load gives way: curtailed, or
    (shifting) moved to the day's other hours, with what they have no room for curtailed. In
    the day's other hours (shifting) the moved energy fills each hour in proportion to its room
    below the stress level, so no hour rises above it.
    """
    level = inputs.stress_level_t[inputs.year_of_day[day]]
    share, shift = inputs.flex_share, inputs.flex_shift
    total, curtailed, ai = rows[TOTAL_ROW], rows[CURTAILED_ROW], rows[AI_ROW]
    ai[:] = 0.0
    for region in range(inputs.coef_t.shape[1]):
        values, part = rows[FIRST_REGION_ROW + region], moved[region]
        for draw in range(total.size):
            stressed = total[draw] >= level[draw]
            given = share[draw] * values[draw] if stressed else 0.0
            lost = given * (1.0 - placed[draw]) if shift else given
            added = 0.0
            if shift and not stressed:
                added = filled[draw] * (level[draw] - total[draw]) * part[draw]
            curtailed[draw] += lost
            values[draw] += added - given
            ai[draw] += values[draw]
    _totals(rows)


@jit
def _accumulate_hour(rows, day_sums, day, peaks, year):
    """Add one hour to the per-day sums and raise the block's annual peaks (first hour wins)."""
    for series in range(rows.shape[0]):
        sums = day_sums[series, day]
        row = rows[series]
        for draw in range(row.size):
            sums[draw] += row[draw]
    for statistic, series in (
        (AI_PEAK, AI_ROW), (BASELINE_PEAK, BASELINE_ROW), (NON_AI_PEAK, NON_AI_ROW),
        (DC_PEAK, DC_ROW),
    ):  # fmt: skip
        row, peak = rows[series], peaks[statistic, year]
        for draw in range(row.size):
            peak[draw] = row[draw] if row[draw] > peak[draw] else peak[draw]
    ai, dc, total = rows[AI_ROW], rows[DC_ROW], rows[TOTAL_ROW]
    total_peak, ai_at_peak = peaks[TOTAL_PEAK, year], peaks[AI_AT_TOTAL_PEAK, year]
    dc_at_peak = peaks[DC_AT_TOTAL_PEAK, year]
    for draw in range(ai.size):
        rises = total[draw] > total_peak[draw]
        ai_at_peak[draw] = ai[draw] if rises else ai_at_peak[draw]
        dc_at_peak[draw] = dc[draw] if rises else dc_at_peak[draw]
        total_peak[draw] = total[draw] if rises else total_peak[draw]


@jit
def _count_window(row, low, high, flags):
    """Count draws below ``low`` and at or below ``high``; flag the draws inside the window.

    One vectorised pass; ``flags`` (uint8, length a multiple of 8, zero beyond the row) then
    lets :func:`_gather_window` skip eight draws at a time.
    """
    # Integer selects, not bool sums: numba vectorises these four times better.
    below, up_to = 0, 0
    for draw in range(row.size):
        value = row[draw]
        below += 1 if value < low else 0
        up_to += 1 if value <= high else 0
        flags[draw] = 1 if low <= value <= high else 0
    return below, up_to


@jit
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
                count += flags[first + offset]
    for draw in range(8 * full_words, row.size):
        if flags[draw]:
            buffer[count] = row[draw]
            count += 1
    return count


@jit
def _has_nan(row):
    """Whether any value of the row is NaN (one vectorised pass)."""
    missing = 0
    for draw in range(row.size):
        missing += 1 if np.isnan(row[draw]) else 0
    return missing > 0


@jit
def _ranks(count, probability):
    """Order-statistic ranks and weight of NumPy's 'linear' quantile (see _column_quantiles)."""
    virtual_index = (count - 1) * probability
    if virtual_index >= count - 1:
        return count - 1, count - 1, virtual_index + 1.0
    lower = math.floor(virtual_index)
    return lower, lower + 1, virtual_index - lower


@jit
def _interpolate(below, above, gamma):
    """NumPy's _lerp: interpolate from the nearer end, which keeps quantiles monotone."""
    difference = above - below
    if gamma >= 0.5:
        return above - difference * (1.0 - gamma)
    return below + difference * gamma


@jit
def _window_quantile(row, probability, low, high, flags, buffer):
    """Quantile selected inside ``[low, high]`` of a NaN-free row; flag 2 when it misses."""
    lower, upper, gamma = _ranks(row.size, probability)
    below, up_to = _count_window(row, low, high, flags)
    if below > lower or up_to <= upper:
        return np.nan, 2
    count = _gather_window(row, flags, buffer)
    _select(buffer, 0, count - 1, lower - below)
    low_value = buffer[lower - below]
    high_value = low_value
    if upper > lower:
        high_value = buffer[lower - below + 1]
        for index in range(lower - below + 2, count):
            high_value = min(high_value, buffer[index])
    return _interpolate(low_value, high_value, gamma), 0


@jit
def _seed_window(sample, probability):
    """Bracket a quantile by order statistics of a sorted sample (about 4 standard errors)."""
    count = sample.size
    spread = 4.0 * math.sqrt(count * probability * (1.0 - probability)) + 2.0
    centre = (count - 1) * probability
    low_rank, high_rank = int(centre - spread), int(centre + spread) + 1
    low = sample[low_rank] if low_rank > 0 else -np.inf
    high = sample[high_rank] if high_rank < count - 1 else np.inf
    return low, high


@jit
def _widen(low, high, scale):
    """Widen a missed window fourfold on each side (at least 1e-6 of the row's scale)."""
    half = max(4.0 * (high - low), 1e-6 * scale, 1e-12)
    return low - half, high + half


@approximate_jit
def _location_scale(row):
    """Mean and standard deviation of a strided sample of the row (a predictor only).

    Rounding here moves a window, never a result, so fastmath is safe: the windows are checked.
    """
    stride = max(row.size // _SEED_SAMPLE, 1)
    count = (row.size + stride - 1) // stride
    total, squares = 0.0, 0.0
    # Indexed loops: numba's iterator over an array (or a strided view) does not vectorise,
    # which cost 1 us a row at 1,000 draws; the indexed whole-row loop takes 45 ns.
    if stride == 1:
        for draw in range(row.size):
            total += row[draw]
            squares += row[draw] * row[draw]
    else:
        for index in range(count):
            value = row[index * stride]
            total += value
            squares += value * value
    mean = total / count
    return mean, math.sqrt(max(squares / count - mean * mean, 0.0))


@jit
def _row_quantiles(row, probabilities, score, width, seeded, flags, buffer, scratch, out_column):
    """Quantiles of one hour's row, each searched near its previous standardised score.

    ``score`` is each quantile's distance from the row's mean in standard deviations at the
    previous hour and ``width`` the window's half-width in the same units; both are updated.
    Returns whether they are valid for the next hour (False after a NaN row).
    """
    if _has_nan(row):
        out_column[:] = np.nan
        return False
    mean, deviation = _location_scale(row)
    scale = max(abs(mean), deviation)
    sample = np.sort(row[:: max(row.size // _SEED_SAMPLE, 1)]) if not seeded else row[:0]
    for quantile in range(probabilities.size):
        probability = probabilities[quantile]
        if seeded:
            centre = mean + score[quantile] * deviation
            low, high = centre - width[quantile] * deviation, centre + width[quantile] * deviation
        else:
            low, high = _seed_window(sample, probability)
        value, status = _window_quantile(row, probability, low, high, flags, buffer)
        for _ in range(_MAX_WIDENINGS):
            if status != 2:
                break
            low, high = _widen(low, high, scale)
            value, status = _window_quantile(row, probability, low, high, flags, buffer)
        if status == 2:
            scratch[:] = row
            _column_quantiles(scratch, probabilities, out_column)
            break
        out_column[quantile] = value
    for quantile in range(probabilities.size):
        new_score = (out_column[quantile] - mean) / deviation if deviation > 0.0 else 0.0
        miss = abs(new_score - score[quantile]) if seeded else 0.05
        # Shrinks geometrically while the prediction is good, grows with its error.
        width[quantile] = max(3.0 * miss, 0.5 * width[quantile], 1e-3)
        score[quantile] = new_score
    return True


@jit
def _memo_slot(cooling_excess_c, hour, month, shape, memo_month, memo_shape):
    """The memo slot of an hour whose AI rows depend on (month, shape) alone, and whether it
    holds that key already; (-1, False) when some weather year needs cooling at this hour."""
    for group in range(cooling_excess_c.shape[0]):
        if cooling_excess_c[group, hour] != 0.0:
            return -1, False
    slot = (month * 7919 + int(shape * 4096.0)) % memo_month.size
    return slot, memo_month[slot] == month and memo_shape[slot] == shape


@jit
def _reset_block(first_day, last_day, day_sums_out, peaks):
    """Zero the block's day sums and start its peaks at -inf (companions at 0)."""
    day_sums_out[:, first_day:last_day, :] = 0.0
    peaks[:AI_AT_TOTAL_PEAK] = -np.inf
    peaks[AI_AT_TOTAL_PEAK:] = 0.0


@parallel_jit
def stream_chunk(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
) -> None:
    """Evaluate a chunk of whole days and reduce it to quantiles, day sums and block peaks.

    Draws must be sorted by weather year (``inputs.group_bounds``); quantiles do not depend on
    the order of draws, and per-draw results come back in the same order. Facility power by
    region, the non-AI load and the baseline are the formulas of :mod:`forecast.kernels.power`;
    flexibility acts in each draw's stress hours (``inputs.stress_level_t``).

    Parameters
    ----------
    inputs : StreamInputs
        What is evaluated (see :class:`StreamInputs`).
    probabilities : float64[Q]
        Probabilities in ``[0, 1]``, sorted ascending. [-]
    quantile_rows : int64[K]
        Value rows whose quantiles are wanted (rows: AI, baseline, total, non-AI, data centre,
        curtailed, held by the baseline, then regions). [-]
    quantiles_out : float64[K, Q, H]
        Written: quantiles over draws (NaN for an hour with a NaN draw). [MW]
    day_sums_out : float64[7 + R, N, D]
        Written: each row's sum over the day's hours per draw. [MWh]
    peaks_out : float64[B, 7, Y, D]
        Written for each of ``B`` blocks of whole days: annual peaks of the AI, baseline,
        total, non-AI and data-centre rows (-inf where the block has no hour of the year), and
        the AI and data-centre load at the total's peak hour, the first such hour winning ties.
        [MW]
    """
    block_count, day_count = peaks_out.shape[0], inputs.day_starts.size - 1
    row_count, draw_count = day_sums_out.shape[0], day_sums_out.shape[2]
    region_count = inputs.coef_t.shape[1]
    flexible = inputs.flex_share.max() > 0.0 if draw_count > 0 else False
    # Rows whose values depend on (month, shape) alone at a cool hour: the AI load rows (not
    # with flexibility, which also depends on the total).
    ai_rows = (quantile_rows == AI_ROW) | (quantile_rows >= FIRST_REGION_ROW)
    if flexible:
        ai_rows[:] = False
    for block in prange(block_count):
        first_day = block * day_count // block_count
        last_day = (block + 1) * day_count // block_count
        _reset_block(first_day, last_day, day_sums_out, peaks_out[block])
        rows = np.empty((row_count, draw_count))
        buffer, scratch = np.empty(draw_count), np.empty(draw_count)
        flags = np.zeros(8 * ((draw_count + 7) // 8), dtype=np.uint8)
        score = np.zeros((quantile_rows.size, probabilities.size))
        width = np.zeros((quantile_rows.size, probabilities.size))
        seeded = np.zeros(quantile_rows.size, dtype=np.bool_)
        memo_month = np.full(_MEMO_SLOTS, -1, dtype=np.int64)
        memo_shape = np.zeros(_MEMO_SLOTS)
        memo = np.empty((_MEMO_SLOTS, quantile_rows.size, probabilities.size))
        moved = np.zeros((region_count, draw_count))
        placed, filled = np.ones(draw_count), np.zeros(draw_count)
        for day in range(first_day, last_day):
            year = inputs.year_of_day[day]
            if flexible and inputs.flex_shift:
                _day_shifts(inputs, day, rows, moved, placed, filled)
            for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
                month, shape = inputs.month_of_hour[hour], inputs.inference_shape[hour]
                _hour_values(inputs, hour, day, rows)
                if flexible:
                    _flex_hour(inputs, day, rows, moved, placed, filled)
                _accumulate_hour(rows, day_sums_out, day, peaks_out[block], year)
                # Where no weather year needs cooling the AI rows depend on (month, shape)
                # alone: an hour that repeats both repeats their values and so their quantiles.
                slot, hit = _memo_slot(inputs.cooling_excess_c, hour, month, shape, memo_month,
                                       memo_shape)  # fmt: skip
                for index in range(quantile_rows.size):
                    out = quantiles_out[index, :, hour]
                    if hit and ai_rows[index]:
                        out[:] = memo[slot, index]
                        continue
                    seeded[index] = _row_quantiles(
                        rows[quantile_rows[index]], probabilities, score[index],
                        width[index], seeded[index], flags, buffer, scratch, out,
                    )  # fmt: skip
                    if slot >= 0 and ai_rows[index]:
                        memo[slot, index] = out
                if slot >= 0 and not hit:
                    memo_month[slot], memo_shape[slot] = month, shape


@jit
def _sift_down(heap, size, position):
    """Restore the min-heap order of ``heap[:size]`` below ``position``."""
    while True:
        smallest, left, right = position, 2 * position + 1, 2 * position + 2
        if left < size and heap[left] < heap[smallest]:
            smallest = left
        if right < size and heap[right] < heap[smallest]:
            smallest = right
        if smallest == position:
            return
        heap[position], heap[smallest] = heap[smallest], heap[position]
        position = smallest


@jit
def _keep_largest(heap, size, value):
    """Keep the ``heap.size`` largest values seen in the min-heap ``heap[:size]``; return its
    new size. (The heap's root is then the smallest of them.)"""
    if size < heap.size:
        position = size
        heap[position] = value
        while position > 0:
            parent = (position - 1) // 2
            if heap[parent] <= heap[position]:
                break
            heap[parent], heap[position] = heap[position], heap[parent]
            position = parent
        return size + 1
    if value > heap[0]:
        heap[0] = value
        _sift_down(heap, size, 0)
    return size


@parallel_jit
def stress_levels(
    inputs: StreamInputs,
    year_offset: int,
    threshold_mw: float,
    heaps: FloatArray,
    sizes: IndexArray,
    open_year: IndexArray,
    levels_out: FloatArray,
    total_peak_out: FloatArray,
    ai_at_peak_out: FloatArray,
) -> None:
    """Find each draw's stress level per year over a chunk of whole days (before flexibility).

    The stress level of a year is the total load of its ``N``-th highest hour (``N`` =
    ``heaps.shape[1]``), or ``threshold_mw`` if that is higher, so that the stress hours are at
    most ``N`` hours above the threshold. The kernel carries each draw's ``N`` highest hours of
    the open year from chunk to chunk and writes a year's level when the next year starts; the
    caller closes the last year. It also records the total's annual peak and the AI load at
    it, which are the peaks without flexibility.

    Parameters
    ----------
    inputs : StreamInputs
        The chunk (its flexibility fields are not used).
    year_offset : int
        Year index of the chunk's year 0 in the full period. [-]
    threshold_mw : float
        Lowest total load of a stress hour. [MW]
    heaps : float64[D, N]
        Carried: each draw's highest hours of its open year, as a min-heap. [MW]
    sizes : int64[D]
        Carried: how many hours each heap holds. [-]
    open_year : int64[D]
        Carried: the year each draw's heap belongs to (-1 before the first chunk). [-]
    levels_out : float64[Y, D]
        Written as years close: the stress level. [MW]
    total_peak_out : float64[Y, D]
        Raised: the total load's annual peak (start at -inf). [MW]
    ai_at_peak_out : float64[Y, D]
        Written with each new total peak: the AI load in that hour. [MW]
    """
    draw_count = sizes.size
    group_bounds = inputs.group_bounds
    region_count = inputs.coef_t.shape[1]
    for draw in prange(draw_count):
        group = 0
        while group_bounds[group + 1] <= draw:
            group += 1
        heap = heaps[draw]
        for day in range(inputs.day_starts.size - 1):
            year = year_offset + inputs.year_of_day[day]
            if year != open_year[draw]:
                if open_year[draw] >= 0:
                    _close_year(heap, sizes[draw], threshold_mw, levels_out, open_year[draw], draw)
                open_year[draw], sizes[draw] = year, 0
            level = inputs.baseline_level_t[inputs.year_of_day[day], draw]
            noise = inputs.daily_noise_t[day, draw]
            for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
                month, phi = inputs.month_of_hour[hour], inputs.inference_shape[hour]
                x = inputs.cooling_excess_c[group, hour]
                ai = 0.0
                for region in range(region_count):
                    c = inputs.coef_t[month, region]
                    ai += facility_mw(c[0, draw], c[1, draw], c[2, draw], c[3, draw], phi, x)
                n = inputs.non_ai_t[month]
                # In the order of _hour_values and _totals, so that the levels compare equal
                # with the stream's own totals bit for bit.
                dc = ai + facility_mw(n[0, draw], 0.0, n[1, draw], 0.0, phi, x)
                baseline = baseline_mw(level, inputs.baseline_shape[group, hour], noise)
                held = facility_mw(n[2, draw], 0.0, n[3, draw], 0.0, phi, x)
                total = dc + baseline - held
                if total > total_peak_out[year, draw]:
                    total_peak_out[year, draw] = total
                    ai_at_peak_out[year, draw] = ai
                sizes[draw] = _keep_largest(heap, sizes[draw], total)


@jit
def _close_year(heap, size, threshold_mw, levels_out, year, draw):
    """Write a closed year's stress level: its N-th highest hour, at least the threshold."""
    level = heap[0] if size == heap.size else -np.inf
    levels_out[year, draw] = max(level, threshold_mw)
