"""Capacity kernel: the capacity a data-centre site has built by each month."""

from forecast._numba import FlagArray, FloatArray, jit, parallel_jit, prange


@jit
def ramp_fraction(month: float, start: float, ramp: float) -> float:
    """Share of a site's capacity online at the end of ``month``: linear over ``ramp`` months
    from ``start``, or a step at ``month >= start`` when the ramp is zero. [-]"""
    elapsed = month + 1.0 - start
    # Branches, not clip(elapsed / ramp): a tiny ramp overflows the division
    # (test_site_capacity_tiny_ramp).
    if ramp <= 0.0:
        return 1.0 if month >= start else 0.0
    if elapsed <= 0.0:
        return 0.0
    if elapsed >= ramp:
        return 1.0
    return elapsed / ramp


@parallel_jit
def site_capacity(
    capacity_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: float,
    built: FlagArray,
    out: FloatArray,
) -> None:
    """Capacity one site has built by the end of each month, in every draw.

    Parameters
    ----------
    capacity_mw : float64[D]
        The site's capacity at full build-out in each draw. [MW]
    start_month : float64[D]
        Commissioning month index after the draw's delay; may be fractional, negative or
        beyond the grid. [month]
    ramp_months : float
        Months from commissioning to full capacity, >= 0. [month]
    built : uint8[D]
        Nonzero where the site is built in the draw. [-]
    out : float64[D, M]
        Written: built capacity. [MW]
    """
    draw_count, month_count = out.shape
    for draw in prange(draw_count):
        for month in range(month_count):
            fraction = 0.0
            if built[draw] != 0:
                fraction = ramp_fraction(month, start_month[draw], ramp_months)
            out[draw, month] = capacity_mw[draw] * fraction
