"""Fleet kernels: accelerators added to meet a plan, and what each vintage still contributes.

A vintage is the cohort of accelerators installed in one month; ``survival[d, a]`` is the
fraction of any vintage still in service ``a`` months after installation in draw ``d``
(``survival[:, 0] == 1``), e.g. a Weibull retirement curve drawn by the caller.
"""

import numpy as np

from forecast._numba import FloatArray, parallel_jit, prange


@parallel_jit
def fleet_replacement(
    target: FloatArray, survival: FloatArray, additions_out: FloatArray, installed_out: FloatArray
) -> None:
    """Add just enough accelerators each month to keep the installed fleet at the plan.

    Retired accelerators are replaced; a fleet above target is never retired early.

    Parameters
    ----------
    target : float64[M]
        In-service accelerators the plan calls for at the end of each month; NaN means no
        target that month (nothing is added). [accelerators]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    additions_out : float64[D, M]
        Written: accelerators installed in each month. [accelerators]
    installed_out : float64[D, M]
        Written: accelerators in service at the end of each month. [accelerators]
    """
    draw_count, month_count = survival.shape
    for draw in prange(draw_count):
        for month in range(month_count):
            surviving = 0.0
            for vintage in range(month):
                surviving += additions_out[draw, vintage] * survival[draw, month - vintage]
            additions = 0.0
            if not np.isnan(target[month]):
                additions = max(target[month] - surviving, 0.0)
            additions_out[draw, month] = additions
            installed_out[draw, month] = surviving + additions


@parallel_jit
def vintage_weighted_stock(
    additions: FloatArray, survival: FloatArray, weight: FloatArray, out: FloatArray
) -> None:
    """Sum a per-vintage weight over the accelerators of every vintage still in service.

    With ``weight`` the system power per accelerator of each vintage this is the fleet's
    nameplate power; with a type's share of each vintage it is that type's installed count.

    Parameters
    ----------
    additions : float64[D, M]
        Accelerators installed in each month. [accelerators]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    weight : float64[M]
        Quantity per accelerator of the vintage installed in each month. [unit of weight]
    out : float64[D, M]
        Written: ``sum over v <= m of additions[d, v] * weight[v] * survival[d, m - v]``.
        [accelerators × unit of weight]
    """
    draw_count, month_count = additions.shape
    for draw in prange(draw_count):
        for month in range(month_count):
            total = 0.0
            for vintage in range(month + 1):
                total += (
                    additions[draw, vintage] * weight[vintage] * survival[draw, month - vintage]
                )
            out[draw, month] = total
