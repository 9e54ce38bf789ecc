"""Each region's AI load at one hour of each draw and year: the regions' part of the total's peak.

The stream kernel (:func:`forecast.kernels.stream.stream_chunk`) records the hour of each
draw's annual peak of the total (in place of the data-centre load there, which the engine then
finds at the hour), not the regions' loads in it: recording those in its hourly pass cost it
about 8 % (branch ``regionpeak``, 2026-12-06). This kernel evaluates each draw at
its own hour only (draws x years evaluations, not draws x hours) with the stream's per-hour
helper and flexibility's formulas for one draw, so that the regions' loads are the stream's
value for value and sum to the AI load it recorded at the peak, draw by draw.
"""

import numpy as np

from forecast.kernels._jit import borrowing_jit, jit
from forecast.kernels.layout import FloatArray, IndexArray, StreamInputs
from forecast.kernels.stream import FIRST_REGION_ROW, TOTAL_ROW, _hour_values, _stressed


@jit
def region_loads_at(inputs: StreamInputs, hours: IndexArray, out: FloatArray) -> None:
    """Write each region's AI load, after flexibility, at the chunk's hour ``hours[y, d]``.

    Parameters
    ----------
    inputs : StreamInputs
        The chunk, draws sorted by weather year as for the stream kernel.
    hours : int64[Y, D]
        For each of the chunk's years and each draw, the hour (index in the chunk) to evaluate,
        or -1 for none. [-]
    out : float64[R, Y, D]
        Written where ``hours`` is not -1 (left as it is elsewhere): each region's AI load in
        that hour. [MW]
    """
    regions = inputs.coef_t.shape[1]
    rows, weather = np.zeros((FIRST_REGION_ROW + regions, 1)), np.zeros((2, 1))
    moved = np.zeros(regions)
    flexible = inputs.flex_share.size > 0 and np.any(inputs.flex_share > 0.0)  # the stream's test
    for year in range(hours.shape[0]):
        for draw in range(hours.shape[1]):
            hour = hours[year, draw]
            if hour < 0:
                continue
            day = np.searchsorted(inputs.day_starts, hour, side="right") - 1
            filled = 0.0
            if flexible and inputs.flex_shift:
                filled = _draw_day_shifts(inputs, day, draw, rows, weather, moved)
            _hour_values(inputs, hour, day, draw, draw + 1, rows, weather)
            if flexible:
                _draw_flex_hour(inputs, day, hour, draw, rows, moved, filled)
            for region in range(regions):
                out[region, year, draw] = rows[FIRST_REGION_ROW + region, 0]


@borrowing_jit
def _draw_day_shifts(inputs, day, draw, rows, weather, moved):
    """:func:`forecast.kernels.stream._day_shifts` for the one draw ``draw``: each region's part
    of the AI energy the day's stress hours give way (``moved`` [R]); returns how full that
    energy fills the day's room below the stress level (its ``filled``)."""
    level = inputs.stress_level_t[inputs.year_of_day[day], draw]
    cutoff = inputs.stress_hour_t[inputs.year_of_day[day], draw]
    share = inputs.flex_share[draw]
    moved[:] = 0.0
    room = 0.0
    for hour in range(inputs.day_starts[day], inputs.day_starts[day + 1]):
        _hour_values(inputs, hour, day, draw, draw + 1, rows, weather)
        total = rows[TOTAL_ROW, 0]
        stressed = _stressed(total, level, cutoff, inputs.first_hour + hour)
        for region in range(moved.size):
            moved[region] += share * rows[FIRST_REGION_ROW + region, 0] if stressed else 0.0
        room += level - total if total < level else 0.0
    energy = 0.0
    for region in range(moved.size):
        energy += moved[region]
    for region in range(moved.size):
        moved[region] = moved[region] / energy if energy > 0.0 else 0.0
    return min(energy / room, 1.0) if room > 0.0 else 0.0


@borrowing_jit
def _draw_flex_hour(inputs, day, hour, draw, rows, moved, filled):
    """:func:`forecast.kernels.stream._flex_hour` on the region rows of the one draw ``draw``
    (``rows[:, 0]``, as :func:`_hour_values` wrote them for the hour). An hour that gives none
    and takes none (``filled`` 0) keeps its values, as the stream's hour does: there ``0 x
    (level - total)`` adds zero (the level is finite in every year with a stress hour)."""
    level = inputs.stress_level_t[inputs.year_of_day[day], draw]
    cutoff = inputs.stress_hour_t[inputs.year_of_day[day], draw]
    total, share = rows[TOTAL_ROW, 0], inputs.flex_share[draw]
    stressed = _stressed(total, level, cutoff, inputs.first_hour + hour)
    for region in range(moved.size):
        value = rows[FIRST_REGION_ROW + region, 0]
        given = share * value if stressed else 0.0
        added = 0.0
        if inputs.flex_shift and not stressed and filled > 0.0:
            added = filled * (level - total) * moved[region]
        rows[FIRST_REGION_ROW + region, 0] = value + (added - given)
