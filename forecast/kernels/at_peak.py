"""Each region's AI load at one hour of each draw and year: the regions' part of the total's peak.

The stream kernel (:func:`forecast.kernels.stream.stream_chunk`) records the hour of each
draw's annual peak of the total (in place of the data-centre load there, which the engine then
finds at the hour), not the regions' loads in it: recording those in its hourly pass cost it
about 8 % (branch ``regionpeak``, 2026-12-06). This kernel evaluates each draw on the day of
its own hour only (draws x years days, not draws x hours) with the stream's own helpers, so
that the regions' loads are the stream's value for value and sum to the AI load it recorded at
the peak, draw by draw: :func:`~forecast.kernels.stream._hour_values`, and for flexibility
:func:`~forecast.kernels.stream._day_shifts` and :func:`~forecast.kernels.stream._flex_hour`
(curtailing, shifting and its full-load bound, in the stress hours of the inputs the stream ran
on, a window's whole-year ones included). A copy of flexibility's formulas for one draw here
missed the full-load bound when shifting gained it (up to 8 % off, ``test_regions_at_peak``).
"""

import numpy as np

from forecast.kernels._jit import helper_jit, jit
from forecast.kernels.layout import FloatArray, IndexArray, StreamInputs
from forecast.kernels.stream import (
    FIRST_REGION_ROW,
    _day_shifts,
    _flex_hour,
    _hour_values,
    non_ai_coefficients,
)


def region_loads_at(inputs: StreamInputs, hours: IndexArray, out: FloatArray) -> None:
    """Write each region's AI load, after flexibility, at the chunk's hour ``hours[y, d]``.

    A chunk without flexibility runs :func:`_region_loads_plain`, one with it
    :func:`_region_loads_flexible` (the stream's own test of flexibility), so that a run
    compiles flexibility's helpers only when it uses them: with them in one kernel, a run
    without flexibility compiled them all the same, 3.8 of the kernel's 4.8 s of CPU on a
    fresh cache (2026-12-07, 2-core development machine).

    Parameters
    ----------
    inputs : StreamInputs
        The chunk, draws sorted by weather year, with the flexibility fields the stream kernel
        ran on.
    hours : int64[Y, D]
        For each of the chunk's years and each draw, the hour (index in the chunk) to evaluate,
        or -1 for none. [-]
    out : float64[R, Y, D]
        Written where ``hours`` is not -1 (left as it is elsewhere): each region's AI load in
        that hour. [MW]
    """
    # Each hour's day (and each draw's weather group) by NumPy here: numba's searchsorted took
    # 0.24 s of CPU to compile.
    days = np.searchsorted(inputs.day_starts, hours, side="right") - 1
    if inputs.flex_share.size > 0 and np.any(inputs.flex_share > 0.0):  # the stream's test
        draws = np.arange(hours.shape[1])
        groups = np.searchsorted(inputs.group_bounds, draws, side="right") - 1
        _region_loads_flexible(inputs, hours, days, groups, out)
    else:
        _region_loads_plain(inputs, hours, days, out, non_ai_coefficients(inputs))


@jit
def _region_loads_plain(
    inputs: StreamInputs,
    hours: IndexArray,
    days: IndexArray,
    out: FloatArray,
    non_ai_t: FloatArray | None,
) -> None:
    """:func:`region_loads_at` without flexibility: each draw's hour as the stream evaluates
    it (:func:`~forecast.kernels.stream._hour_values`, for the one draw; ``non_ai_t`` as the
    stream kernel takes it, so that the two share its compiled code)."""
    regions = inputs.coef_t.shape[1]
    rows, weather = np.zeros((FIRST_REGION_ROW + regions, 1)), np.zeros((2, 1))
    for year in range(hours.shape[0]):
        for draw in range(hours.shape[1]):
            hour = hours[year, draw]
            if hour < 0:
                continue
            day = days[year, draw]
            _hour_values(inputs, hour, day, draw, draw + 1, rows, weather, non_ai_t)
            for region in range(regions):
                out[region, year, draw] = rows[FIRST_REGION_ROW + region, 0]


@jit
def _region_loads_flexible(
    inputs: StreamInputs, hours: IndexArray, days: IndexArray, groups: IndexArray, out: FloatArray
) -> None:
    """:func:`region_loads_at` with flexibility: each draw's day cut out as a chunk of one day
    and one draw (:func:`_draw_day`), on which the stream's flexibility helpers give the
    draw's hour after curtailing and shifting."""
    regions = inputs.coef_t.shape[1]
    rows, weather = np.zeros((FIRST_REGION_ROW + regions, 1)), np.zeros((2, 1))
    moved = np.zeros((regions, 1))
    placed, filled = np.ones_like(moved), np.zeros_like(moved)
    # The one day and draw of _draw_day's chunk, as int64 values: the stream's own types, so
    # that its helpers' compiled code is shared (a literal 0 would compile them again).
    only, one_draw = np.int64(0), np.int64(1)
    for year in range(hours.shape[0]):
        for draw in range(hours.shape[1]):
            hour = hours[year, draw]
            if hour < 0:
                continue
            day = days[year, draw]
            one = _draw_day(inputs, day, draw, groups[draw])
            hour -= inputs.day_starts[day]
            day_moves = 0
            if one.flex_shift:
                day_moves = _day_shifts(one, only, rows, weather, moved, placed, filled)
            _hour_values(one, hour, only, only, one_draw, rows, weather, one.non_ai_t)
            _flex_hour(one, only, hour, rows, weather, moved, placed, filled, day_moves)
            for region in range(regions):
                out[region, year, draw] = rows[FIRST_REGION_ROW + region, 0]


@helper_jit
def _draw_day(inputs: StreamInputs, day: int, draw: int, group: int) -> StreamInputs:
    """The chunk ``inputs`` cut to its day ``day`` and draw ``draw`` (of weather group
    ``group``): a chunk of one day and one draw, of the stream's own types, so that the
    stream's helpers, compiled once for both, give that draw's values there as the stream does
    (a draw's values depend on no other's, and a day's on no other day's: shifting stays
    within its day). Its months are the day's (one, where a local day lies in one month): the
    chunk's four years of coefficients copied for each draw and year were most of the
    dashboard's ``kr-outlook-flex`` request's 9 ms here (2026-12-07)."""
    first, last = inputs.day_starts[day], inputs.day_starts[day + 1]
    year = inputs.year_of_day[day]
    hours, draws = slice(first, last), slice(draw, draw + 1)
    groups, years = slice(group, group + 1), slice(year, year + 1)
    # The chunk's months are in time order: the day's are those of its first and last hours
    # and any between.
    months = slice(inputs.month_of_hour[first], inputs.month_of_hour[last - 1] + 1)
    return StreamInputs(
        coef_t=np.ascontiguousarray(inputs.coef_t[months, :, :, draws]),
        non_ai_t=np.ascontiguousarray(inputs.non_ai_t[months, :, draws]),
        month_of_hour=inputs.month_of_hour[hours] - months.start,
        inference_shape=inputs.inference_shape[hours],
        cooling_excess_c=np.ascontiguousarray(inputs.cooling_excess_c[groups, hours]),
        baseline_level_t=np.ascontiguousarray(inputs.baseline_level_t[years, draws]),
        baseline_shape=np.ascontiguousarray(inputs.baseline_shape[groups, hours]),
        daily_noise_t=np.ascontiguousarray(inputs.daily_noise_t[day : day + 1, draws]),
        year_of_day=np.zeros(1, dtype=np.int64),
        day_starts=np.array([0, last - first]),
        group_bounds=np.array([0, 1]),
        flex_share=inputs.flex_share[draws],
        stress_level_t=np.ascontiguousarray(inputs.stress_level_t[years, draws]),
        stress_hour_t=np.ascontiguousarray(inputs.stress_hour_t[years, draws]),
        first_hour=inputs.first_hour + first,
        flex_shift=inputs.flex_shift,
        full_load_t=np.ascontiguousarray(inputs.full_load_t[months, :, :, draws]),
        has_non_ai=inputs.has_non_ai,
    )
