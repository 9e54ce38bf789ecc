"""Capacity kernel: IT capacity that built data-centre sites host, by region and month."""

from forecast._numba import FlagArray, FloatArray, IndexArray, jit


@jit
def hosted_capacity(
    it_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: FloatArray,
    built: FlagArray,
    region: IndexArray,
    out: FloatArray,
) -> None:
    """Sum the ramped-up IT capacity of the sites built in each draw, by region.

    A site ramps linearly from its commissioning month: the fraction online at the end of
    month ``m`` is ``clip((m + 1 - start) / ramp, 0, 1)``, or a step at ``m >= start`` when
    the ramp is zero. A site that is not built contributes nothing, whatever its start.

    Parameters
    ----------
    it_mw : float64[S]
        IT capacity of each site at full build-out. [MW]
    start_month : float64[D, S]
        Commissioning month index after the draw's delay; may be fractional or beyond the
        horizon. [month]
    ramp_months : float64[S]
        Months from commissioning to full capacity, >= 0. [month]
    built : uint8[D, S]
        Nonzero where the site is built in the draw. [-]
    region : int64[S]
        Region index of each site, ``0 .. R-1``. [-]
    out : float64[D, R, M]
        Zeroed, then written: hosted IT capacity. [MW]
    """
    draw_count, _, month_count = out.shape
    out[:] = 0.0
    for draw in range(draw_count):
        for site in range(it_mw.size):
            if built[draw, site] == 0:
                continue
            start = start_month[draw, site]
            ramp = ramp_months[site]
            for month in range(month_count):
                elapsed = month + 1 - start
                # Branches, not clip(elapsed / ramp): a tiny ramp overflows the division
                # (test_regional_capacity_sums_to_one_region).
                if ramp <= 0.0:
                    fraction = 1.0 if month >= start else 0.0
                elif elapsed <= 0.0:
                    fraction = 0.0
                elif elapsed >= ramp:
                    fraction = 1.0
                else:
                    fraction = elapsed / ramp
                out[draw, region[site], month] += it_mw[site] * fraction
