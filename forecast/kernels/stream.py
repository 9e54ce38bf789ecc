"""The fused streaming kernel: every hourly statistic of a chunk in one pass.

For each hour the kernel evaluates every draw's AI load by region, baseline and total into
per-thread rows (hour-major, so the inner loops run over contiguous draws and vectorise), adds
them to per-day sums per draw, raises per-block annual peaks and selects the quantiles over
draws (exactly, in a narrow window: :mod:`forecast.kernels.windows`). Threads take contiguous
blocks of whole days (:func:`stream_chunk` hands each block to :func:`stream_days` on a thread
of its own), so no [draws x hours] array is ever held. A scenario with flexibility runs
:func:`stream_days_flexible` instead, and before it :func:`stress_levels`, a first pass that
finds each draw's stress hours; a run compiles only the kernels it calls.

At an hour where no weather year is above the cooling reference, a draw's AI and non-AI loads
depend only on the month and the inference shape, so an hour repeating both (the same clock
hour on another working day of a cool month) has the same AI, non-AI and data-centre rows,
value for value, unless flexibility moves load in that hour. Their quantiles are then copied
from a small per-block memo keyed on exactly (month, shape) instead of selected again.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from forecast.kernels._jit import (
    borrowing_jit,
    helper_jit,
    inline_jit,
    jit,
    parallel_calls,
    split,
    thread_count,
)
from forecast.kernels.layout import (
    AI_AT_TOTAL_PEAK,
    AI_PEAK,
    AI_ROW,
    ANY_HOUR,
    BASELINE_PEAK,
    BASELINE_ROW,
    CALLED_EVENTS,
    CALLED_HOURS,
    CURTAILED_ROW,
    DC_PEAK,
    DC_ROW,
    FIRST_REGION_ROW,
    HELD_ROW,
    KWH_PER_MWH,
    LONGEST_EVENT,
    NON_AI_PEAK,
    NON_AI_ROW,
    TOTAL_PEAK,
    TOTAL_PEAK_HOUR,
    TOTAL_ROW,
    WINDOWED_DRAWS,
    FloatArray,
    IndexArray,
    StreamInputs,
    StressPass,
)
from forecast.kernels.power import baseline_mw, facility_mw
from forecast.kernels.quantiles import _column_quantiles
from forecast.kernels.windows import row_quantiles, window_state

#: Slots of the per-block memo of the quantiles of hours that need no cooling.
_MEMO_SLOTS = 256


@borrowing_jit
def _hour_values(inputs, hour, day, first_draw, last_draw, rows, weather, non_ai_t):
    """Write one hour's values of draws ``first_draw .. last_draw - 1`` into ``rows``
    [S, last_draw - first_draw], before flexibility; ``weather`` [2, last_draw - first_draw]
    is scratch for each draw's temperature excess and baseline shape. The curtailed row is
    left as it is (:func:`_flex_hour` writes it; callers start it at zero).

    Without non-AI loads (``inputs.has_non_ai`` false: their coefficients are all zero) the
    non-AI and held rows are left as they are, so callers start them at zero; the data-centre
    and total rows are then the AI row and AI plus baseline (what adding zeros gives, bit for
    bit). Most scenarios have none, and their evaluation was a fifth of the hour's.
    ``non_ai_t`` is ``inputs.non_ai_t``, or None where the chunk has none: numba then compiles
    a specialisation without their code (:func:`non_ai_coefficients`).

    Callers pass ``np.int64(0)``, not the literal 0, for all the draws: numba would compile a
    second specialisation of this function for a literal argument.
    """
    count = last_draw - first_draw
    coef_t = inputs.coef_t
    month, shape = inputs.month_of_hour[hour], inputs.inference_shape[hour]
    group_bounds = inputs.group_bounds
    # Each draw's weather first, then loops over all draws at once: a loop per weather group
    # ran 12 short loops an hour at 200 draws.
    excess, base_shape = weather[0], weather[1]
    for group in range(group_bounds.size - 1):
        first = max(group_bounds[group], first_draw) - first_draw
        last = min(group_bounds[group + 1], last_draw) - first_draw
        x, factor = inputs.cooling_excess_c[group, hour], inputs.baseline_shape[group, hour]
        for draw in range(first, last):
            excess[draw] = x
            base_shape[draw] = factor
    # Slices and range(count), not range(first, last): numba then drops the negative-index
    # wraparound and the loops vectorise (6x faster, measured in tests/benchmarks).
    level = inputs.baseline_level_t[inputs.year_of_day[day], first_draw:last_draw]
    noise = inputs.daily_noise_t[day, first_draw:last_draw]
    ai, baseline = rows[AI_ROW], rows[BASELINE_ROW]
    non_ai, held = rows[NON_AI_ROW], rows[HELD_ROW]
    # A loop per row: one loop writing all five rows from eight inputs took 8 % longer with no
    # quantiles at 1,000 draws, 2-3 % of the stream kernel (2026-12-05).
    for draw in range(count):
        baseline[draw] = baseline_mw(level[draw], base_shape[draw], noise[draw])
    if non_ai_t is not None and inputs.has_non_ai:
        n0, n2 = non_ai_t[month, 0, first_draw:last_draw], non_ai_t[month, 1, first_draw:last_draw]
        h0, h2 = non_ai_t[month, 2, first_draw:last_draw], non_ai_t[month, 3, first_draw:last_draw]
        for draw in range(count):
            non_ai[draw] = facility_mw(n0[draw], 0.0, n2[draw], 0.0, shape, excess[draw])
        for draw in range(count):
            held[draw] = facility_mw(h0[draw], 0.0, h2[draw], 0.0, shape, excess[draw])
    for draw in range(count):
        ai[draw] = 0.0
    for region in range(coef_t.shape[1]):
        c0 = coef_t[month, region, 0, first_draw:last_draw]
        c1 = coef_t[month, region, 1, first_draw:last_draw]
        c2 = coef_t[month, region, 2, first_draw:last_draw]
        c3 = coef_t[month, region, 3, first_draw:last_draw]
        region_row = rows[FIRST_REGION_ROW + region]
        for draw in range(count):
            value = facility_mw(c0[draw], c1[draw], c2[draw], c3[draw], shape, excess[draw])
            region_row[draw] = value
            ai[draw] += value
    _totals(rows, count, inputs.has_non_ai)


@inline_jit
def _totals(rows, count, has_non_ai):
    """Data-centre and total rows of the first ``count`` draws from the AI, baseline and non-AI
    rows (the non-AI load the baseline already holds is not added to the total again).

    Without non-AI loads (their rows zero) the data-centre row is the AI row and the total AI
    plus baseline: ``x + 0.0`` is ``x`` and ``x - 0.0`` is ``x`` for every double but -0.0 in
    the first, and the AI row, a sum started at +0.0, is never -0.0."""
    ai, baseline, non_ai = rows[AI_ROW], rows[BASELINE_ROW], rows[NON_AI_ROW]
    total, dc, held = rows[TOTAL_ROW], rows[DC_ROW], rows[HELD_ROW]
    if not has_non_ai:
        for draw in range(count):
            dc[draw] = ai[draw]
        for draw in range(count):
            total[draw] = ai[draw] + baseline[draw]
        return
    for draw in range(count):
        dc[draw] = ai[draw] + non_ai[draw]
        total[draw] = dc[draw] + baseline[draw] - held[draw]


@inline_jit
def _stressed(total, level, cutoff, hour):
    """Whether an hour is a stress hour: its total above the draw's level, or exactly at it no
    later than the cutoff hour (equal totals go to the earlier hours, so that a year has at
    most its N stress hours). A NaN total is none."""
    return total > level or (total == level and hour <= cutoff)


@inline_jit
def _hour_room(part, level, total, value, full_load):
    """A region's room for shifted load in one of the day's other hours: its part of the room
    below the stress level, and at most its headroom below its full-load draw (a NaN total
    gives a NaN room, which spreads as the load it comes with does). [MW]"""
    room = part * (level - total)
    headroom = full_load - value if full_load > value else 0.0
    return headroom if headroom < room else room


@inline_jit
def _full_load(inputs, month, region, draw, excess):
    """The region's AI load at full load in an hour of ``month`` with cooling excess
    ``excess`` (:attr:`StreamInputs.full_load_t`). [MW]"""
    return (
        inputs.full_load_t[month, region, 0, draw]
        + inputs.full_load_t[month, region, 1, draw] * excess
    )


@borrowing_jit
def _day_shifts(inputs, day, rows, weather, moved, placed, filled):
    """For shifting within a day: each region's part of the AI energy that the day's stress
    hours give way (``moved`` [R, D]), and per region and draw the part of it the day's other
    hours have room for (``placed`` [R, D]) and how full that room gets (``filled`` [R, D]),
    before flexibility. A region's room in an hour is its part of the room below the stress
    level, at most up to its full load (:func:`_hour_room`), so shifting never takes a region
    above its hosted nameplate. Returns how many draws move energy that day (0: shifting
    changes none of its hours)."""
    moved[:] = 0.0
    placed[:] = 1.0
    filled[:] = 0.0
    draw_count = moved.shape[1]
    level = inputs.stress_level_t[inputs.year_of_day[day]]
    cutoff = inputs.stress_hour_t[inputs.year_of_day[day]]
    share = inputs.flex_share
    first, last = inputs.day_starts[day], inputs.day_starts[day + 1]
    for hour in range(first, last):
        _hour_values(inputs, hour, day, np.int64(0), draw_count, rows, weather, inputs.non_ai_t)
        total, at = rows[TOTAL_ROW], inputs.first_hour + hour
        for region in range(moved.shape[0]):
            values, regional = rows[FIRST_REGION_ROW + region], moved[region]
            for draw in range(draw_count):
                stressed = _stressed(total[draw], level[draw], cutoff[draw], at)
                regional[draw] += share[draw] * values[draw] if stressed else 0.0
    # Each region's energy goes to ``placed`` until the rooms are known, ``moved`` becomes its
    # part of the draw's energy.
    moving = 0
    for draw in range(draw_count):
        energy = 0.0
        for region in range(moved.shape[0]):
            energy += moved[region, draw]
        for region in range(moved.shape[0]):
            placed[region, draw] = moved[region, draw]
            moved[region, draw] = moved[region, draw] / energy if energy > 0.0 else 0.0
        moving += 0 if energy == 0.0 else 1  # NaN moves: it spreads as it would
    if moving == 0:
        placed[:] = 1.0
        return 0
    # The rooms need each region's part: the day's hours once more (a day with stress hours).
    room = filled
    for hour in range(first, last):
        _hour_values(inputs, hour, day, np.int64(0), draw_count, rows, weather, inputs.non_ai_t)
        total, month, excess = rows[TOTAL_ROW], inputs.month_of_hour[hour], weather[0]
        for region in range(moved.shape[0]):
            values = rows[FIRST_REGION_ROW + region]
            for draw in range(draw_count):
                if total[draw] < level[draw]:
                    full = _full_load(inputs, month, region, draw, excess[draw])
                    room[region, draw] += _hour_room(
                        moved[region, draw], level[draw], total[draw], values[draw], full
                    )
    for region in range(moved.shape[0]):
        for draw in range(draw_count):
            energy, space = placed[region, draw], room[region, draw]
            placed[region, draw] = min(space / energy, 1.0) if energy > 0.0 else 1.0
            filled[region, draw] = min(energy / space, 1.0) if space > 0.0 else 0.0
    return moving


@borrowing_jit
def _flex_hour(inputs, day, hour, rows, weather, moved, placed, filled, day_moves):
    """Apply flexibility to the rows of the chunk's hour ``hour`` (``weather`` as
    :func:`_hour_values` left it for the hour); return how many draws' AI load it changed.
    ``day_moves`` is what :func:`_day_shifts` returned for the day (0 when curtailing).

    In a stress hour the flexible share of every region's AI load gives way: curtailed, or
    (shifting) moved to the day's other hours, with what they have no room for curtailed. In
    the day's other hours (shifting) each region's moved energy fills each hour in proportion
    to its room (:func:`_hour_room`): below the stress level, so no hour rises above it, and
    below the region's full load, so no region draws more than its hosted nameplate.
    """
    if _left_as_is(inputs, day, rows, day_moves):
        return 0
    return _flex_rows(inputs, day, hour, rows, weather, moved, placed, filled)


@inline_jit
def _left_as_is(inputs, day, rows, day_moves):
    """Whether flexibility leaves the hour in ``rows`` as it is: no draw's total reaches its
    stress level and the day (``day_moves`` 0) shifts no energy; the curtailed row is zeroed.
    Most hours are (one counting pass, which vectorises, instead of the region loop and the
    totals again; the rows are then what the loop would write, bit for bit). A NaN total
    counts, so that it spreads as the loop spreads it, and so does an hour at the level after
    the cutoff (the loop then changes nothing)."""
    level = inputs.stress_level_t[inputs.year_of_day[day]]
    total, curtailed = rows[TOTAL_ROW], rows[CURTAILED_ROW]
    for draw in range(total.size):
        curtailed[draw] = 0.0
    stressed = 0
    for draw in range(total.size):
        stressed += 0 if total[draw] < level[draw] else 1
    return stressed == 0 and day_moves == 0


@borrowing_jit
def _flex_rows(inputs, day, hour, rows, weather, moved, placed, filled):
    """:func:`_flex_hour`'s change to an hour that flexibility does not leave as it is
    (:func:`_left_as_is`); returns how many draws' AI load it changed."""
    level = inputs.stress_level_t[inputs.year_of_day[day]]
    cutoff = inputs.stress_hour_t[inputs.year_of_day[day]]
    at = inputs.first_hour + hour
    share, shift = inputs.flex_share, inputs.flex_shift
    total, curtailed, ai = rows[TOTAL_ROW], rows[CURTAILED_ROW], rows[AI_ROW]
    ai[:] = 0.0
    changed = 0
    month, excess = inputs.month_of_hour[hour], weather[0]
    for region in range(inputs.coef_t.shape[1]):
        values, part = rows[FIRST_REGION_ROW + region], moved[region]
        for draw in range(total.size):
            stressed = _stressed(total[draw], level[draw], cutoff[draw], at)
            given = share[draw] * values[draw] if stressed else 0.0
            lost = given * (1.0 - placed[region, draw]) if shift else given
            added = 0.0
            if shift and not stressed:
                full = _full_load(inputs, month, region, draw, excess[draw])
                room = _hour_room(part[draw], level[draw], total[draw], values[draw], full)
                added = filled[region, draw] * room
            curtailed[draw] += lost
            values[draw] += added - given
            ai[draw] += values[draw]
            changed += 1 if given != 0.0 or added != 0.0 else 0
    _totals(rows, total.size, inputs.has_non_ai)
    return changed


@borrowing_jit
def _accumulate_hour(rows, day_sums, day, hour, peaks, year, flexible, has_non_ai):
    """Add one hour to the day sums of the baseline, the regions and, with ``flexible``, the
    curtailed row, and raise the block's annual peaks but the non-AI one (first hour wins),
    recording the AI load and ``hour`` (the chunk's) where the total's rises. (The data-centre
    load there is the AI load plus the hour's non-AI load, which the engine finds afterwards:
    the hour, not that load, is this pass's third store per draw.)
    Without non-AI loads (``has_non_ai`` false) the data-centre row is the AI row: its peak is
    the AI's, copied once a block (:func:`_dc_as_ai`).
    :func:`_close_day` does the rest once a day: an hour's sums and peaks are read, added and
    written back for every draw, and that traffic was 15 % of the stream kernel at 1,000 draws
    (``perf``), so what a day can do at once is not done every hour. The sums then differ from
    summing every row hour by hour by a few ulps."""
    for series in range(BASELINE_ROW, rows.shape[0]):
        if series in (TOTAL_ROW, DC_ROW, NON_AI_ROW, HELD_ROW) or (
            series == CURTAILED_ROW and not flexible
        ):
            continue
        for draw in range(rows.shape[1]):
            day_sums[series, day, draw] += rows[series, draw]
    for statistic, series in ((AI_PEAK, AI_ROW), (BASELINE_PEAK, BASELINE_ROW)):
        row, peak = rows[series], peaks[statistic, year]
        for draw in range(row.size):
            peak[draw] = row[draw] if row[draw] > peak[draw] else peak[draw]
    ai, dc, total = rows[AI_ROW], rows[DC_ROW], rows[TOTAL_ROW]
    if has_non_ai:
        peak = peaks[DC_PEAK, year]
        for draw in range(dc.size):
            peak[draw] = dc[draw] if dc[draw] > peak[draw] else peak[draw]
    total_peak, ai_at_peak = peaks[TOTAL_PEAK, year], peaks[AI_AT_TOTAL_PEAK, year]
    hour_at_peak, at = peaks[TOTAL_PEAK_HOUR, year], np.float64(hour)
    for draw in range(ai.size):
        rises = total[draw] > total_peak[draw]
        ai_at_peak[draw] = ai[draw] if rises else ai_at_peak[draw]
        hour_at_peak[draw] = at if rises else hour_at_peak[draw]
        total_peak[draw] = total[draw] if rises else total_peak[draw]


@inline_jit
def _dc_as_ai(inputs, peaks):
    """Without non-AI loads, the data-centre peak is the AI peak (see
    :func:`_accumulate_hour`)."""
    if not inputs.has_non_ai:  # loops: numba's slice assignment took 3 s more to compile
        for year in range(peaks.shape[1]):
            for draw in range(peaks.shape[2]):
                peaks[DC_PEAK, year, draw] = peaks[AI_PEAK, year, draw]


@borrowing_jit
def _non_ai_day(inputs, day, day_sums, peaks, year, non_ai_t):
    """Add the day's non-AI and held sums (zero from :func:`_reset_block`) and raise the
    non-AI annual peak, from each weather group's sum and extremes of the temperature excess
    over each run of the day's hours in one month (a local day lies in one month; the kernel
    does not rely on it).

    The non-AI load has no inference-shape term: a draw's hour is ``n0 + n2 x`` with the
    month's coefficients and its weather group's excess ``x`` (the engine's layout of
    ``non_ai_t``), so its sum over ``H`` hours is ``H n0 + n2 sum(x)`` (to a few ulps of the
    hourly sum) and its highest hour is at the highest excess where ``n2 >= 0``, else at the
    lowest: rounding is monotone, so that value equals the hourly maximum bit for bit (a NaN
    hour raises no peak either way; an infinite excess, which the engine never makes, would).
    """
    first, last = inputs.day_starts[day], inputs.day_starts[day + 1]
    non_ai, held = day_sums[NON_AI_ROW, day], day_sums[HELD_ROW, day]
    peak, bounds = peaks[NON_AI_PEAK, year], inputs.group_bounds
    if non_ai_t is None or not inputs.has_non_ai:  # every hour's value is 0.0, sums stay 0.0
        for draw in range(peak.size):
            peak[draw] = 0.0 if peak[draw] < 0.0 else peak[draw]
        return
    while first < last:
        month, shape, end = inputs.month_of_hour[first], inputs.inference_shape[first], first + 1
        while end < last and inputs.month_of_hour[end] == month:
            end += 1
        coefficients = non_ai_t[month]
        for group in range(bounds.size - 1):
            total, highest, lowest = 0.0, -np.inf, np.inf
            for hour in range(first, end):
                excess = inputs.cooling_excess_c[group, hour]
                total += excess
                highest = excess if excess > highest else highest
                lowest = excess if excess < lowest else lowest
            for draw in range(bounds[group], bounds[group + 1]):
                n0, n2 = coefficients[0, draw], coefficients[1, draw]
                non_ai[draw] += (end - first) * n0 + n2 * total
                held[draw] += (end - first) * coefficients[2, draw] + coefficients[3, draw] * total
                value = facility_mw(n0, 0.0, n2, 0.0, shape, highest if n2 >= 0.0 else lowest)
                peak[draw] = value if value > peak[draw] else peak[draw]
        first = end


@borrowing_jit
def _close_day(inputs, day_sums, day, peaks, year, non_ai_t):
    """The day's sums of the non-AI and held rows (:func:`_non_ai_day`), then of the AI (its
    regions'), data-centre (AI and non-AI) and total (data centre and baseline, less the
    non-AI load the baseline holds) rows from the sums :func:`_accumulate_hour` kept: the
    rows' own formulas, summed over the day. ``non_ai_t`` as for :func:`_hour_values`."""
    _non_ai_day(inputs, day, day_sums, peaks, year, non_ai_t)
    sums = day_sums[:, day]
    ai = sums[AI_ROW]
    for draw in range(ai.size):
        ai[draw] = 0.0
    for region in range(FIRST_REGION_ROW, sums.shape[0]):
        for draw in range(ai.size):
            ai[draw] += sums[region, draw]
    _totals(sums, ai.size, inputs.has_non_ai)


@inline_jit
def _memo_slot(cooling_excess_c, hour, month, shape, memo_month, memo_shape):
    """The memo slot of an hour whose AI and non-AI rows depend on (month, shape) alone, and
    whether it holds that key already; (-1, False) when some weather year needs cooling."""
    for group in range(cooling_excess_c.shape[0]):
        if cooling_excess_c[group, hour] != 0.0:
            return -1, False
    slot = (month * 7919 + int(shape * 4096.0)) % memo_month.size
    return slot, memo_month[slot] == month and memo_shape[slot] == shape


@inline_jit
def _reset_block(first_day, last_day, day_sums_out, peaks):
    """Zero the block's day sums and start its peaks at -inf (the AI load at the total's peak
    at 0, the peak's hour at -1: none)."""
    day_sums_out[:, first_day:last_day, :] = 0.0
    peaks[:AI_AT_TOTAL_PEAK] = -np.inf
    peaks[AI_AT_TOTAL_PEAK] = 0.0
    peaks[TOTAL_PEAK_HOUR] = -1.0


class _Memo(NamedTuple):
    """Quantiles of hours that need no cooling, by (month, shape): see the module docstring."""

    month: FloatArray  # float64[S] key of each slot (-1: empty)
    shape: FloatArray  # float64[S]
    rows: np.ndarray  # uint8[K] 1 for the quantile rows the memo holds
    quantiles: FloatArray  # float64[S, K, Q]


@helper_jit
def _memo(quantile_rows, probability_count):
    """An empty memo for the AI, region, non-AI and data-centre rows among ``quantile_rows``."""
    # Few array kinds (numba compiles np.zeros and np.empty once for each dtype and rank).
    memo = _Memo(
        month=np.zeros(_MEMO_SLOTS),
        shape=np.zeros(_MEMO_SLOTS),
        rows=np.zeros(quantile_rows.size, dtype=np.uint8),
        quantiles=np.empty((_MEMO_SLOTS, quantile_rows.size, probability_count)),
    )
    memo.month[:] = -1
    for index in range(quantile_rows.size):
        row = quantile_rows[index]
        memo.rows[index] = row in (AI_ROW, NON_AI_ROW, DC_ROW) or row >= FIRST_REGION_ROW
    return memo


@borrowing_jit
def _hour_quantiles(inputs, hour, rows, quantile_rows, probabilities, state, memo, repeats,
                    quantiles_out):  # fmt: skip
    """Quantiles of the hour's rows, copied from the memo where ``repeats`` allows it."""
    month, shape = inputs.month_of_hour[hour], inputs.inference_shape[hour]
    slot, hit = _memo_slot(inputs.cooling_excess_c, hour, month, shape, memo.month, memo.shape)
    slot = slot if repeats else -1
    hit = hit and repeats
    for index in range(quantile_rows.size):
        out = quantiles_out[index, :, hour]
        remembered = memo.quantiles[slot, index]
        if hit and memo.rows[index] != 0:
            for quantile in range(out.size):
                out[quantile] = remembered[quantile]
            continue
        row_quantiles(rows[quantile_rows[index]], probabilities, state, index, out)
        if slot >= 0 and memo.rows[index] != 0:
            for quantile in range(out.size):
                remembered[quantile] = out[quantile]
    if slot >= 0 and not hit:
        memo.month[slot], memo.shape[slot] = month, shape


@jit
def stream_days(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    first_day: int,
    last_day: int,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
    non_ai_t: FloatArray | None,
) -> None:
    """One block of :func:`stream_chunk` without flexibility: the days ``first_day ..
    last_day - 1``, serially.

    Writes the block's hours of ``quantiles_out`` [K, Q, H] and days of ``day_sums_out``
    [7 + R, N, D], and all of ``peaks_out`` [7, Y, D] (the block's own peaks). ``non_ai_t``
    is :func:`non_ai_coefficients` of ``inputs``.
    """
    row_count, draw_count = day_sums_out.shape[0], day_sums_out.shape[2]
    _reset_block(first_day, last_day, day_sums_out, peaks_out)
    rows, weather = np.zeros((row_count, draw_count)), np.zeros((2, draw_count))
    state = window_state(quantile_rows.size, probabilities.size, draw_count)
    memo = _memo(quantile_rows, probabilities.size)
    for day in range(first_day, last_day):
        year = inputs.year_of_day[day]
        for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
            _hour_values(inputs, hour, day, np.int64(0), draw_count, rows, weather, non_ai_t)
            _accumulate_hour(
                rows, day_sums_out, day, hour, peaks_out, year, False, inputs.has_non_ai
            )
            _hour_quantiles(inputs, hour, rows, quantile_rows, probabilities, state, memo,
                            True, quantiles_out)  # fmt: skip
        _close_day(inputs, day_sums_out, day, peaks_out, year, non_ai_t)
    _dc_as_ai(inputs, peaks_out)


@jit
def baseline_days(inputs, probabilities, quantiles_out):
    """The baseline's hourly quantiles over draws alone, for every day of ``inputs``, serially,
    into ``quantiles_out`` [1, Q, H]: what :func:`stream_days` finds for the baseline row,
    bit for bit (the same values, the same exact search), but without the AI load, so that
    the engine can run it before the AI load is known (:mod:`forecast.engine.stream`). Reads
    only the baseline's and the weather's fields of ``inputs`` and its calendar."""
    draw_count = inputs.baseline_level_t.shape[1]
    rows = np.zeros((FIRST_REGION_ROW, draw_count))
    factor = np.empty(draw_count)
    quantile_rows = np.full(1, BASELINE_ROW)
    state = window_state(1, probabilities.size, draw_count)
    memo = _memo(quantile_rows, probabilities.size)
    baseline, bounds = rows[BASELINE_ROW], inputs.group_bounds
    for day in range(inputs.day_starts.size - 1):
        level = inputs.baseline_level_t[inputs.year_of_day[day]]
        noise = inputs.daily_noise_t[day]
        for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
            for group in range(bounds.size - 1):
                value = inputs.baseline_shape[group, hour]
                for draw in range(bounds[group], bounds[group + 1]):
                    factor[draw] = value
            for draw in range(draw_count):
                baseline[draw] = baseline_mw(level[draw], factor[draw], noise[draw])
            _hour_quantiles(inputs, hour, rows, quantile_rows, probabilities, state, memo,
                            False, quantiles_out)  # fmt: skip


@borrowing_jit
def _add_flexible_hour(inputs, day, hour, rows, weather, moved, placed, filled, day_moves,
                       day_sums, peaks):  # fmt: skip
    """Evaluate the chunk's hour ``hour`` of ``day`` into ``rows`` with flexibility acting in
    it (:func:`_flex_hour`, with ``moved``, ``placed``, ``filled`` and ``day_moves`` as
    :func:`_day_shifts` left them for the day) and add it to the block's day sums and peaks
    (:func:`_accumulate_hour`, the curtailed row included where flexibility changes the
    hour); return how many draws' AI load flexibility changed. ``rows`` then hold the hour's
    loads for its quantiles."""
    _hour_values(inputs, hour, day, np.int64(0), rows.shape[1], rows, weather, inputs.non_ai_t)
    left = _left_as_is(inputs, day, rows, day_moves)
    changes = 0 if left else _flex_rows(inputs, day, hour, rows, weather, moved, placed, filled)
    year = inputs.year_of_day[day]
    # An hour left as it is has a curtailed row of +0.0, which changes no day sum (a sum
    # started at +0.0 is never -0.0): most hours' sums skip it.
    _accumulate_hour(rows, day_sums, day, hour, peaks, year, not left, inputs.has_non_ai)
    return changes


@jit
def stream_days_flexible(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    first_day: int,
    last_day: int,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
) -> None:
    """:func:`stream_days` with flexibility acting in each draw's stress hours."""
    row_count, draw_count = day_sums_out.shape[0], day_sums_out.shape[2]
    _reset_block(first_day, last_day, day_sums_out, peaks_out)
    rows, weather = np.zeros((row_count, draw_count)), np.zeros((2, draw_count))
    state = window_state(quantile_rows.size, probabilities.size, draw_count)
    memo = _memo(quantile_rows, probabilities.size)
    moved = np.zeros((inputs.coef_t.shape[1], draw_count))
    placed, filled = np.ones_like(moved), np.zeros_like(moved)
    for day in range(first_day, last_day):
        year = inputs.year_of_day[day]
        day_moves = 0
        if inputs.flex_shift:
            day_moves = _day_shifts(inputs, day, rows, weather, moved, placed, filled)
        for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
            changes = _add_flexible_hour(inputs, day, hour, rows, weather, moved, placed,
                                         filled, day_moves, day_sums_out, peaks_out)  # fmt: skip
            # An hour where flexibility moves no draw's load repeats like any other.
            _hour_quantiles(inputs, hour, rows, quantile_rows, probabilities, state, memo,
                            changes == 0, quantiles_out)  # fmt: skip
        _close_day(inputs, day_sums_out, day, peaks_out, year, inputs.non_ai_t)
    _dc_as_ai(inputs, peaks_out)


@helper_jit
def _plain_quantiles(rows, quantile_rows, probabilities, hour, scratch, quantiles_out):
    """Quantiles of the hour's rows by quickselect on a copy of each."""
    for index in range(quantile_rows.size):
        row = rows[quantile_rows[index]]
        for draw in range(row.size):
            scratch[draw] = row[draw]
        _column_quantiles(scratch, probabilities, quantiles_out[index, :, hour])


@jit
def stream_days_plain(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    first_day: int,
    last_day: int,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
    non_ai_t: FloatArray | None,
) -> None:
    """:func:`stream_days` with each hour's quantiles by quickselect on a copy of the row: for
    a few hundred draws as fast as the windowed search, and for no quantile rows (a monthly
    answer) all that is needed. It compiles in a fraction of the windowed kernel's time, and
    a first run is usually a small one."""
    row_count, draw_count = day_sums_out.shape[0], day_sums_out.shape[2]
    _reset_block(first_day, last_day, day_sums_out, peaks_out)
    rows, weather = np.zeros((row_count, draw_count)), np.zeros((2, draw_count))
    scratch = np.empty(draw_count)
    for day in range(first_day, last_day):
        year = inputs.year_of_day[day]
        for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
            _hour_values(inputs, hour, day, np.int64(0), draw_count, rows, weather, non_ai_t)
            _accumulate_hour(
                rows, day_sums_out, day, hour, peaks_out, year, False, inputs.has_non_ai
            )
            _plain_quantiles(rows, quantile_rows, probabilities, hour, scratch, quantiles_out)
        _close_day(inputs, day_sums_out, day, peaks_out, year, non_ai_t)
    _dc_as_ai(inputs, peaks_out)


@jit
def stream_days_plain_flexible(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    first_day: int,
    last_day: int,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
) -> None:
    """:func:`stream_days_plain` with flexibility acting in each draw's stress hours."""
    row_count, draw_count = day_sums_out.shape[0], day_sums_out.shape[2]
    _reset_block(first_day, last_day, day_sums_out, peaks_out)
    rows, weather = np.zeros((row_count, draw_count)), np.zeros((2, draw_count))
    scratch = np.empty(draw_count)
    moved = np.zeros((inputs.coef_t.shape[1], draw_count))
    placed, filled = np.ones_like(moved), np.zeros_like(moved)
    for day in range(first_day, last_day):
        year = inputs.year_of_day[day]
        day_moves = 0
        if inputs.flex_shift:
            day_moves = _day_shifts(inputs, day, rows, weather, moved, placed, filled)
        for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
            _add_flexible_hour(inputs, day, hour, rows, weather, moved, placed, filled,
                               day_moves, day_sums_out, peaks_out)  # fmt: skip
            _plain_quantiles(rows, quantile_rows, probabilities, hour, scratch, quantiles_out)
        _close_day(inputs, day_sums_out, day, peaks_out, year, inputs.non_ai_t)
    _dc_as_ai(inputs, peaks_out)


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
    flexibility acts in each draw's stress hours (``inputs.stress_level_t``). Each of the ``B``
    blocks of whole days runs on a thread of its own.

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
        total, non-AI and data-centre rows (-inf where the block has no hour of the year), the
        AI load at the total's peak hour, the first such hour winning ties, and that hour's
        index in the chunk (-1 where the total has no peak). [MW, MW, -]
    """
    block_count, day_count = peaks_out.shape[0], inputs.day_starts.size - 1
    flexible = bool(np.any(inputs.flex_share > 0.0))
    windowed = quantile_rows.size > 0 and inputs.flex_share.size >= WINDOWED_DRAWS
    kernels: dict[tuple[bool, bool], Callable[..., None]] = {
        (True, True): stream_days_flexible,
        (True, False): stream_days,
        (False, True): stream_days_plain_flexible,
        (False, False): stream_days_plain,
    }
    kernel = kernels[windowed, flexible]
    # The kernels without flexibility are compiled apart for chunks without non-AI loads.
    non_ai = () if flexible else (non_ai_coefficients(inputs),)
    calls = []
    for block in range(block_count):
        first, last = block * day_count // block_count, (block + 1) * day_count // block_count
        calls.append((inputs, probabilities, quantile_rows, first, last, quantiles_out,
                      day_sums_out, peaks_out[block], *non_ai))  # fmt: skip
    parallel_calls(kernel, calls)


def non_ai_coefficients(inputs: StreamInputs) -> FloatArray | None:
    """What the kernels without flexibility take for the chunk's non-AI loads: their
    coefficients ``inputs.non_ai_t``, or None where it has none (``inputs.has_non_ai``
    false). numba compiles a kernel for each argument type, and in the one for None the
    branches on ``non_ai_t is None`` are pruned before it types them, so a scenario without
    non-AI loads (the quick start's ``kr-national``) compiles none of their code: 0.7 s of
    CPU of its first run (2026-12-07). The kernels with flexibility (and the first pass)
    take ``inputs.non_ai_t`` and test ``inputs.has_non_ai`` as they run."""
    return inputs.non_ai_t if inputs.has_non_ai else None


@inline_jit
def _ranks_below(value, hour, other_value, other_hour):
    """Whether an hour ranks below another: a lower total, or the same total later (the stress
    hours' order: highest total first, the earlier hour first among equal totals). A NaN total
    ranks below every number, as NumPy sorts it last (the twin's order)."""
    if value != value:  # NaN
        return other_value == other_value or hour > other_hour
    return value < other_value or (value == other_value and hour > other_hour)


@borrowing_jit
def _sift_down(heap, hours, ai, size, position):
    """Restore the min-heap order (:func:`_ranks_below`) of ``heap[:size]``, its hours and its
    AI loads below ``position``."""
    while True:
        smallest, left, right = position, 2 * position + 1, 2 * position + 2
        if left < size and _ranks_below(heap[left], hours[left], heap[smallest], hours[smallest]):
            smallest = left
        if right < size and _ranks_below(
            heap[right], hours[right], heap[smallest], hours[smallest]
        ):
            smallest = right
        if smallest == position:
            return
        heap[position], heap[smallest] = heap[smallest], heap[position]
        hours[position], hours[smallest] = hours[smallest], hours[position]
        ai[position], ai[smallest] = ai[smallest], ai[position]
        position = smallest


@borrowing_jit
def _keep_largest(heap, hours, ai, size, value, hour, ai_value):
    """Keep the ``heap.size`` highest-ranking hours seen (:func:`_ranks_below`) in the min-heap
    ``heap[:size]`` (totals), ``hours[:size]`` (their hours) and ``ai[:size]`` (the AI load in
    them); return its new size. (The heap's root is then the lowest-ranking of them.)"""
    if size < heap.size:
        position = size
        heap[position], hours[position], ai[position] = value, hour, ai_value
        while position > 0:
            parent = (position - 1) // 2
            if not _ranks_below(heap[position], hours[position], heap[parent], hours[parent]):
                break
            heap[parent], heap[position] = heap[position], heap[parent]
            hours[parent], hours[position] = hours[position], hours[parent]
            ai[parent], ai[position] = ai[position], ai[parent]
            position = parent
        return size + 1
    if _ranks_below(heap[0], hours[0], value, hour):
        heap[0], hours[0], ai[0] = value, hour, ai_value
        _sift_down(heap, hours, ai, size, 0)
    return size


#: How far an hour's total may lie above what :func:`_draw_bound` finds before its slack, as a
#: share of the sum of the sizes of the total's terms: an hour's total is a few dozen roundings
#: of terms no larger than that sum (a relative error of about 1e-14 of it, less with fewer
#: regions), so this covers it many times over and loosens the bound by about 100 W at 100 GW
#: (test_day_bound_holds_every_hour). [-]
_BOUND_SLACK = 1e-9
#: Sizes of terms at or above which :func:`_draw_bound` gives no bound (inf): their hours'
#: values may round to infinity. [MW]
_BOUND_SIZE_LIMIT = 1e300


@inline_jit
def _value_range(values, first, end):
    """Lowest and highest of ``values[first:end]`` and the largest size among them (all three
    NaN where one is NaN)."""
    low, high, size = np.inf, -np.inf, 0.0
    for index in range(first, end):
        value = values[index]
        if value != value:  # NaN
            return np.nan, np.nan, np.nan
        low = value if value < low else low
        high = value if value > high else high
        size = abs(value) if abs(value) > size else size
    return low, high, size


@inline_jit
def _bilinear_max(c0, c1, c2, c3, phi, x):
    """The highest of :func:`~forecast.kernels.power.facility_mw` over the corners of the
    box ``phi`` x ``x`` (each a :func:`_value_range`): a bilinear function's highest over a
    box, so at least its value at any point in it (before rounding). [MW]"""
    highest = -np.inf
    for p in (phi[0], phi[1]):
        for e in (x[0], x[1]):
            value = facility_mw(c0, c1, c2, c3, p, e)
            highest = value if value > highest else highest
    return highest


@inline_jit
def _draw_bound(sums, non_ai, month, draw, index, level, noise, phi, x, shape):
    """An upper bound on draw ``draw``'s total load (as :func:`_hour_values` rounds it) in every
    hour of a run of hours in ``month`` whose inference shape, cooling excess and baseline
    shape lie in ``phi``, ``x`` and ``shape`` (:func:`_value_range` each): the AI load's
    highest over the box (its coefficients summed over regions, ``sums[month, :4, index]``),
    the non-AI load less its held part at the highest or lowest excess, the baseline at the
    highest or lowest shape, and a slack for rounding (:data:`_BOUND_SLACK` of the terms'
    sizes). inf where an input is NaN or infinite, or the terms too large. [MW]"""
    n0, n2 = non_ai[month, 0, draw], non_ai[month, 1, draw]
    h0, h2 = non_ai[month, 2, draw], non_ai[month, 3, draw]
    size = (
        sums[month, 4, index] + sums[month, 5, index] * phi[2]
        + (sums[month, 6, index] + sums[month, 7, index] * phi[2]) * x[2]
        + abs(n0) + abs(h0) + (abs(n2) + abs(h2)) * x[2]
        + abs(level) * shape[2] * abs(noise)
    )  # fmt: skip
    if not size < _BOUND_SIZE_LIMIT:  # NaN or inf among the inputs
        return np.inf
    ai = _bilinear_max(sums[month, 0, index], sums[month, 1, index], sums[month, 2, index],
                       sums[month, 3, index], phi, x)  # fmt: skip
    non_ai_less_held = max((n0 - h0) + (n2 - h2) * x[0], (n0 - h0) + (n2 - h2) * x[1])
    base = max(baseline_mw(level, shape[0], noise), baseline_mw(level, shape[1], noise))
    return ai + non_ai_less_held + base + _BOUND_SLACK * size + 1e-300


@borrowing_jit
def _region_sums(coef_t, first_draw, sums):
    """The AI load's coefficients of draws ``first_draw ..`` summed over regions
    (``sums[:, :4]``) and the sums of their sizes (``sums[:, 4:]``), by month:
    ``sums`` [M, 8, count]. [MW, MW, MW/°C, MW/°C]"""
    sums[:] = 0.0
    for month in range(coef_t.shape[0]):
        for region in range(coef_t.shape[1]):
            for term in range(4):
                values = coef_t[month, region, term, first_draw:]
                total, size = sums[month, term], sums[month, 4 + term]
                for index in range(total.size):
                    total[index] += values[index]
                    size[index] += abs(values[index])


@borrowing_jit
def _day_bounds(inputs, day, first_draw, sums, bound):
    """An upper bound on each total load of draws ``first_draw .. first_draw + bound.size - 1``
    in the hours of ``day`` (:func:`_draw_bound` over each run of its hours in one month:
    a local day lies in one month, the kernel does not rely on it) into ``bound``. [MW]"""
    first, last = inputs.day_starts[day], inputs.day_starts[day + 1]
    last_draw, groups = first_draw + bound.size, inputs.group_bounds
    level = inputs.baseline_level_t[inputs.year_of_day[day]]
    noise = inputs.daily_noise_t[day]
    bound[:] = -np.inf
    while first < last:
        month, end = inputs.month_of_hour[first], first + 1
        while end < last and inputs.month_of_hour[end] == month:
            end += 1
        phi = _value_range(inputs.inference_shape, first, end)
        for group in range(groups.size - 1):
            lowest, highest = max(groups[group], first_draw), min(groups[group + 1], last_draw)
            if lowest >= highest:
                continue
            x = _value_range(inputs.cooling_excess_c[group], first, end)
            shape = _value_range(inputs.baseline_shape[group], first, end)
            for draw in range(lowest, highest):
                index = draw - first_draw
                value = _draw_bound(sums, inputs.non_ai_t, month, draw, index, level[draw],
                                    noise[draw], phi, x, shape)  # fmt: skip
                bound[index] = value if value > bound[index] else bound[index]
        first = end


@inline_jit
def _passing(bound, limit):
    """The first and one past the last index whose ``bound`` is not below its ``limit`` (an
    hour of the draw may rank above it); (0, 0) for none."""
    first, last = bound.size, 0
    for index in range(bound.size):
        if not bound[index] < limit[index]:
            first = index if index < first else first
            last = index + 1
    return (first, last) if first < last else (0, 0)


@inline_jit
def _year_end(year_of_day, first):
    """One past the last day of the run of days from ``first`` in the year of ``first``."""
    end = first + 1
    while end < year_of_day.size and year_of_day[end] == year_of_day[first]:
        end += 1
    return end


@inline_jit
def _longest_year(year_of_day):
    """Days in the longest run of days of one year in ``year_of_day``."""
    longest, first = 0, 0
    while first < year_of_day.size:
        end = _year_end(year_of_day, first)
        longest, first = max(longest, end - first), end
    return longest


@helper_jit
def _day_order(bounds):
    """The rows of ``bounds`` [days, draws] (days), highest sum of their draws' bounds first:
    the order in which the first pass visits a year's days, so that the heaps fill with the
    year's highest hours first and later days rarely pass their floors."""
    score = np.empty(bounds.shape[0])
    for day in range(bounds.shape[0]):
        total = 0.0
        for value in bounds[day]:
            total += value
        score[day] = -total
    return np.argsort(score, kind="mergesort")


@borrowing_jit
def _raise_peaks(inputs, day, first_draw, last_draw, rows, weather, peaks, at_peaks):
    """Raise the annual peaks ``peaks`` of draws ``first_draw .. last_draw - 1`` and the AI
    loads at them, ``at_peaks``, to day ``day``'s hours that exceed them (the days in time
    order: an hour that only equals the peak comes later and leaves it). [MW]"""
    total, ai = rows[TOTAL_ROW], rows[AI_ROW]
    for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
        _hour_values(inputs, hour, day, first_draw, last_draw, rows, weather, inputs.non_ai_t)
        for draw in range(last_draw - first_draw):
            rises = total[draw] > peaks[draw]
            at_peaks[draw] = ai[draw] if rises else at_peaks[draw]
            peaks[draw] = total[draw] if rises else peaks[draw]


@borrowing_jit
def _enter_day(inputs, day, first_draw, last_draw, rows, weather, state, floors):
    """Enter each hour of day ``day`` of draws ``first_draw .. last_draw - 1`` that is not below
    its draw's floor ``floors`` in the draw's heap (:func:`_keep_largest`), and raise the
    floors as the heaps fill (their smallest kept hour once full, -inf before). [MW]"""
    total, ai, keep = rows[TOTAL_ROW], rows[AI_ROW], state.heaps.shape[1]
    for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
        _hour_values(inputs, hour, day, first_draw, last_draw, rows, weather, inputs.non_ai_t)
        below = 0
        for draw in range(last_draw - first_draw):
            # A NaN is not below and is ranked by _keep_largest (lowest of all). An hour equal
            # to the floor may be earlier than it (the days are not in time order), so
            # _keep_largest ranks it too.
            below += 1 if total[draw] < floors[draw] else 0
        if below == last_draw - first_draw:
            continue
        for draw in range(last_draw - first_draw):
            if not total[draw] < floors[draw]:
                at = first_draw + draw
                heap = state.heaps[at]
                size = _keep_largest(heap, state.heap_hours[at], state.heap_ai[at],
                                     state.sizes[at], total[draw], inputs.first_hour + hour,
                                     ai[draw])  # fmt: skip
                state.sizes[at] = size
                floors[draw] = heap[0] if size == keep else -np.inf


@jit
def stress_draws(
    inputs: StreamInputs,
    year_offset: int,
    threshold_mw: float,
    first_draw: int,
    last_draw: int,
    state: StressPass,
) -> None:
    """:func:`stress_levels` for the draws ``first_draw .. last_draw - 1``, serially (their
    calendar of hours called added to ``state.called_slots``, this range's own [Y, S]).

    The hours are evaluated by :func:`_hour_values`, the stream's own evaluation, so that the
    levels compare equal with the stream's totals bit for bit. A draw's heap changes only in
    the hours not below its smallest kept one (its floor). Each day of the chunk starts with
    a bound on every draw's total in it (:func:`_day_bounds`, a few operations a draw where
    evaluating its hours takes a few hundred), and only the draws from the first to the last
    whose bound passes its floor are evaluated, in only the days that have one
    (:func:`_enter_day`). A year's days are visited highest bound first
    (:func:`_day_order`), so that the heaps hold high hours after a few days and most days
    pass no floor: what the heaps keep does not depend on the order (the earlier hour ranks
    first among equal totals), and the annual peak is their highest-ranking hour, found as
    the year closes (:func:`_heap_peak`). Without stress hours (``N`` 0) the peaks are raised
    hour by hour, the days in time order (:func:`_raise_peaks`). On the dashboard's
    ``kr-outlook-flex`` request the order took the draw-days evaluated 196,705 -> 142,786 and
    the heap insertions 677,291 -> 457,425, the pass 77 -> 55 ms of CPU (2026-12-07); a
    buffer of 2N hours per draw cut down to N by a quickselect when full instead of the heap
    (57 -> 60 ms: its floor rises later, so more hours are evaluated and kept) and an order
    per weather group (67 ms: narrower runs of draws) were slower.
    """
    heaps, sizes, open_year = state.heaps, state.sizes, state.open_year
    count, keep = last_draw - first_draw, heaps.shape[1]
    rows = np.zeros((FIRST_REGION_ROW + inputs.coef_t.shape[1], count))
    weather = np.zeros((2, count))
    sums = np.empty((inputs.coef_t.shape[0], 8, count))
    _region_sums(inputs.coef_t, first_draw, sums)
    # Each draw's smallest kept hour once its heap is full (-inf before): what a new hour
    # must not be below to enter the heap.
    floor = np.empty(count)
    for draw in range(count):
        full = open_year[first_draw + draw] >= 0 and sizes[first_draw + draw] == keep
        floor[draw] = heaps[first_draw + draw, 0] if full and keep > 0 else -np.inf
    year_of_day, days, first = inputs.year_of_day, inputs.day_starts.size - 1, 0
    bounds = np.empty((_longest_year(year_of_day), count))
    while first < days:
        end, year = _year_end(year_of_day, first), year_offset + year_of_day[first]
        for draw in range(first_draw, last_draw):
            if year != open_year[draw]:
                if open_year[draw] >= 0:
                    _close_year(state, draw, threshold_mw)
                open_year[draw], sizes[draw] = year, 0
                floor[draw - first_draw] = -np.inf
        peak = state.total_peak[year, first_draw:last_draw]
        at_peak = state.ai_at_peak[year, first_draw:last_draw]
        for day in range(first, end):
            _day_bounds(inputs, day, first_draw, sums, bounds[day - first])
        order = _day_order(bounds[: end - first]) if keep > 0 else np.arange(end - first)
        for index in order:
            low, high = _passing(bounds[index], floor if keep > 0 else peak)
            if low == high:
                continue
            if keep == 0:
                _raise_peaks(inputs, first + index, first_draw + low, first_draw + high, rows,
                             weather, peak[low:high], at_peak[low:high])  # fmt: skip
            else:
                _enter_day(inputs, first + index, first_draw + low, first_draw + high, rows,
                           weather, state, floor[low:high])  # fmt: skip
        first = end


def stress_levels(
    inputs: StreamInputs, year_offset: int, threshold_mw: float, state: StressPass
) -> None:
    """Find each draw's stress level per year over a chunk of whole days (before flexibility).

    The stress hours of a year are its ``N`` highest hours of total load (``N`` =
    ``state.heaps.shape[1]``), the earlier hour first among equal totals, and only those at or
    above ``threshold_mw``: its level is the total of the ``N``-th (or the threshold if higher)
    and its cutoff that hour's index in the period (an hour exactly at the level is a stress
    hour only up to it: flat loads, whose hours tie, still give way in ``N`` hours). The
    kernel carries each draw's ``N`` highest hours of the open year from chunk to chunk and
    writes a year's level when the next year starts; the caller closes the last year
    (:func:`close_open_years`). It also records the total's annual peak and the AI load at
    it, which are the peaks without flexibility. As a year closes, its stress hours that lie
    in ``state.period_hours`` are counted (:func:`_count_called`): the hours flexibility is
    called, its events and the AI energy in them, and, over the draws ``state.counted``, in
    which local month and clock hour they fall, with the energy their flexible share gives
    way in them. Ranges of draws run :func:`stress_draws` on threads of their own, each adding
    its calendars to a [Y, S] of its own, summed into ``state.called_slots`` and
    ``state.called_energy_slots`` after (exact sums of counts and of whole kWh).

    Parameters
    ----------
    inputs : StreamInputs
        The chunk (its flexibility fields are not used).
    year_offset : int
        Year index of the chunk's year 0 in the full period. [-]
    threshold_mw : float
        Lowest total load of a stress hour. [MW]
    state : StressPass
        What the pass carries, writes and counts by (:class:`~forecast.kernels.layout.
        StressPass`, which gives each array's shape and unit).
    """
    draws = state.sizes.size
    # Each range of at least 64 draws, so that the inner loops stay long enough to vectorise.
    parts = min(thread_count(), max(draws // 64, 1))
    ranges = split(draws, parts)
    # A [Y, S] per range: the ranges close their years at once, so one shared one would race.
    slots = np.zeros((2, len(ranges), *state.called_slots.shape), dtype=np.int64)
    calls = [
        (inputs, year_offset, threshold_mw, first, last,
         state._replace(called_slots=slots[0, part], called_energy_slots=slots[1, part]))
        for part, (first, last) in enumerate(ranges)
    ]  # fmt: skip
    parallel_calls(stress_draws, calls)
    state.called_slots[...] += slots[0].sum(axis=0)
    state.called_energy_slots[...] += slots[1].sum(axis=0)


@jit
def close_open_years(state: StressPass, threshold_mw: float) -> None:
    """Close each draw's last stress year, which :func:`stress_levels` leaves open
    (:func:`_close_year`)."""
    for draw in range(state.open_year.size):
        if state.open_year[draw] >= 0:
            _close_year(state, draw, threshold_mw)


@helper_jit  # not borrowing: _count_called allocates (once a year and draw)
def _close_year(state, draw, threshold_mw):
    """Write the stress level and cutoff of draw ``draw``'s open year: the N-th highest hour
    and its hour, or the threshold if higher (with every hour at it: fewer than N hours reach
    it then), or the threshold and every hour when the year has fewer than N hours; then
    count its stress hours (:func:`_count_called`) and, where it keeps hours, write its peak
    (:func:`_heap_peak`)."""
    heap, size, year = state.heaps[draw], state.sizes[draw], state.open_year[draw]
    full = size == heap.size and size > 0
    if full and heap[0] >= threshold_mw:
        state.levels[year, draw], state.cutoffs[year, draw] = heap[0], state.heap_hours[draw, 0]
    else:
        state.levels[year, draw] = max(heap[0] if full else -np.inf, threshold_mw)
        state.cutoffs[year, draw] = ANY_HOUR
    _count_called(state, draw, year)
    if size > 0:
        _heap_peak(state, draw, year)


@borrowing_jit
def _heap_peak(state, draw, year):
    """Write draw ``draw``'s annual peak total of year ``year`` and the AI load at it from its
    heap, which holds the year's highest-ranking hour (:func:`_ranks_below`: the first hour
    of the highest total); left as they are (-inf and 0) where that hour's total is NaN or
    -inf, as no hour raises a peak of -inf then. [MW]"""
    heap, hours, size = state.heaps[draw], state.heap_hours[draw], state.sizes[draw]
    best = 0
    for index in range(1, size):
        best = best if _ranks_below(heap[index], hours[index], heap[best], hours[best]) else index
    if heap[best] > -np.inf:
        state.total_peak[year, draw] = heap[best]
        state.ai_at_peak[year, draw] = state.heap_ai[draw, best]


@helper_jit
def _count_called(state, draw, year):
    """Count the stress hours of draw ``draw``'s closed year ``year`` in ``state.period_hours``
    (first, one past the last): every stress hour of the year is in its heap (the N
    highest-ranking hours), and the stream's rule (:func:`_stressed`) picks them out of it.
    Writes the hours, the events (runs of consecutive hours) and the longest event to
    ``state.called[:, year, draw]`` and the AI energy in the hours to
    ``state.called_ai[year, draw]``, and, where ``state.counted[draw]``, adds each hour to its
    month-and-hour slot ``state.called_slots[year, state.slot_of_hour[hour]]`` and the energy
    its flexible share gives way in it, ``state.flex_share[draw]`` x its AI load rounded to the
    kWh, to ``state.called_energy_slots`` (whole kWh add up exactly). The hours are taken in
    hour order, so the AI energy's sum does not depend on the heap's order (that of the days
    the pass visited). Sorting at most N hours once a year and draw costs nothing beside the
    pass that found them (kr-outlook-flex, 1,000 draws, 2030-2031: the first pass 0.063 ->
    0.066 s, within the runs' noise)."""
    heap, hours, ai = state.heaps[draw], state.heap_hours[draw], state.heap_ai[draw]
    size, period_hours = state.sizes[draw], state.period_hours
    level, cutoff = state.levels[year, draw], state.cutoffs[year, draw]
    picked, count = np.empty(size, dtype=np.int64), 0
    for index in range(size):
        at = hours[index]
        if period_hours[0] <= at < period_hours[1] and _stressed(heap[index], level, cutoff, at):
            picked[count] = index
            count += 1
    # In hour order: the AI energy adds up in one order, whatever order the heap holds them in.
    picked = picked[:count][np.argsort(hours[picked[:count]])]
    counted, kwh_per_mw = state.counted[draw] != 0, state.flex_share[draw] * KWH_PER_MWH
    energy, events, longest, run = 0.0, 0, 0, 0
    for index in range(count):
        at = hours[picked[index]]
        run = run + 1 if index > 0 and at == hours[picked[index - 1]] + 1 else 1
        events += 1 if run == 1 else 0
        longest = max(longest, run)
        energy += ai[picked[index]]
        if counted:
            slot = state.slot_of_hour[at]
            state.called_slots[year, slot] += 1
            state.called_energy_slots[year, slot] += np.int64(
                np.rint(kwh_per_mw * ai[picked[index]])
            )
    state.called[CALLED_HOURS, year, draw] = count
    state.called[CALLED_EVENTS, year, draw] = events
    state.called[LONGEST_EVENT, year, draw] = longest
    state.called_ai[year, draw] = energy
