"""Fleet kernels: accelerators delivered to meet a plan, what each vintage still contributes,
and where the surviving fleet finds room.

A vintage is the cohort of accelerators delivered in one month; ``survival[d, a]`` is the
fraction of any vintage still in service ``a`` months after delivery in draw ``d``
(``survival[:, 0] == 1``), e.g. a Weibull retirement curve drawn by the caller.
"""

import numpy as np

from forecast.kernels._jit import jit
from forecast.kernels.layout import FloatArray, IndexArray


@jit
def stock_flow(
    target: FloatArray,
    gross: FloatArray,
    hold_from: IndexArray,
    survival: FloatArray,
    additions_out: FloatArray,
    installed_out: FloatArray,
) -> None:
    """Deliver the gross additions each month, and top up to the target when short.

    Retired accelerators are replaced while the target stands; a fleet above target is never
    retired early. From the month after ``hold_from[d]`` (when >= 0) the target is the fleet
    reached in that month: the plan holds what it built.

    Parameters
    ----------
    target : float64[D, M]
        In-service accelerators the plan calls for at the end of each month; NaN means no
        target that month (nothing but the gross additions is delivered). [accelerators]
    gross : float64[D, M]
        Accelerators delivered in the month whatever the target (shipments). [accelerators]
    hold_from : int64[D]
        Month whose fleet is held afterwards, or -1 for none. [-]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    additions_out : float64[D, M]
        Written: accelerators delivered in each month. [accelerators]
    installed_out : float64[D, M]
        Written: accelerators in service at the end of each month. [accelerators]
    """
    draw_count, month_count = survival.shape
    for draw in range(draw_count):
        for month in range(month_count):
            surviving = 0.0
            for vintage in range(month):
                surviving += additions_out[draw, vintage] * survival[draw, month - vintage]
            goal = target[draw, month]
            held = hold_from[draw]
            if 0 <= held < month:
                goal = installed_out[draw, held]
            delivered = gross[draw, month]
            if not np.isnan(goal):
                delivered += max(goal - surviving - delivered, 0.0)
            additions_out[draw, month] = delivered
            installed_out[draw, month] = surviving + delivered


@jit
def surviving_stock(additions: FloatArray, survival: FloatArray, out: FloatArray) -> None:
    """Sum what every vintage still has in service: ``out[d, m] = Σ_{v<=m} a[d, v] S[d, m-v]``.

    With ``additions`` in accelerators this is the fleet; in MW of nameplate (accelerators x
    system power of the vintage's mix) it is the fleet's nameplate power.

    Parameters
    ----------
    additions : float64[D, M]
        Quantity delivered in each month. [unit]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    out : float64[D, M]
        Written: quantity in service at the end of each month. [unit]
    """
    draw_count, month_count = additions.shape
    for draw in range(draw_count):
        for month in range(month_count):
            total = 0.0
            for vintage in range(month + 1):
                total += additions[draw, vintage] * survival[draw, month - vintage]
            out[draw, month] = total


@jit
def place_in_capacity(
    vintage_mw: FloatArray,
    vintage_count: FloatArray,
    survival: FloatArray,
    capacity_mw: FloatArray,
    hosted_mw_out: FloatArray,
    hosted_count_out: FloatArray,
    waited_months_out: FloatArray,
) -> None:
    """Host the surviving fleet in the capacity, oldest vintages first; the rest wait.

    First come, first served: a vintage finds room only after every older one has, so the
    hosted fleet is always the oldest part of it, and room freed by retirements or new capacity
    goes to the longest-waiting accelerators. A waiting accelerator draws nothing.

    Parameters
    ----------
    vintage_mw : float64[D, M]
        Nameplate power delivered in each month. [MW]
    vintage_count : float64[D, M]
        Accelerators delivered in each month. [accelerators]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    capacity_mw : float64[D, M]
        IT capacity available to the fleet at the end of each month. [MW]
    hosted_mw_out : float64[D, M]
        Written: nameplate power of the hosted accelerators. [MW]
    hosted_count_out : float64[D, M]
        Written: hosted accelerators. [accelerators]
    waited_months_out : float64[D, M]
        Written: for the vintage of each month, the months its accelerators waited for room
        before the end of the grid (a vintage half hosted for a month waited half a month). [month]
    """
    draw_count, month_count = vintage_mw.shape
    for draw in range(draw_count):
        # Months a vintage waits in full accumulate as +1 from the first waiting vintage to the
        # newest: a difference array over vintages, summed once at the end.
        whole = np.zeros(month_count + 1)
        for vintage in range(month_count):
            waited_months_out[draw, vintage] = 0.0
        for month in range(month_count):
            room = capacity_mw[draw, month]
            used, count = 0.0, 0.0
            for vintage in range(month + 1):
                kept = survival[draw, month - vintage]
                power = vintage_mw[draw, vintage] * kept
                if used + power <= room:
                    used += power
                    count += vintage_count[draw, vintage] * kept
                    continue
                share = (room - used) / power
                used = room
                count += share * vintage_count[draw, vintage] * kept
                waited_months_out[draw, vintage] += 1.0 - share
                whole[vintage + 1] += 1.0
                whole[month + 1] -= 1.0
                break
            hosted_mw_out[draw, month] = used
            hosted_count_out[draw, month] = count
        running = 0.0
        for vintage in range(month_count):
            running += whole[vintage]
            waited_months_out[draw, vintage] += running
