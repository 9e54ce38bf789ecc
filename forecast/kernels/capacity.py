"""Capacity kernel: the capacity a data-centre site has built by each month."""

from forecast.kernels._jit import helper_jit, jit
from forecast.kernels.layout import FlagArray, FloatArray


@helper_jit
def ramp_fraction(month: float, start: float, ramp: float) -> float:
    """Share of a site's capacity online at the end of ``month``: linear over ``ramp`` months
    from ``start``, or all of it from the month holding ``start`` when the ramp is zero (the
    limit of a short ramp: a site commissioned mid-month is online at that month's end). [-]"""
    elapsed = month + 1.0 - start
    # Branches, not clip(elapsed / ramp): a tiny ramp overflows the division
    # (test_site_capacity_tiny_ramp).
    if elapsed <= 0.0:
        return 0.0
    if ramp <= 0.0:
        return 1.0
    if elapsed >= ramp:
        return 1.0
    return elapsed / ramp


@jit
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
    for draw in range(draw_count):
        for month in range(month_count):
            fraction = 0.0
            if built[draw] != 0:
                fraction = ramp_fraction(month, start_month[draw], ramp_months)
            out[draw, month] = capacity_mw[draw] * fraction


@jit
def connect_sites(
    request_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: FloatArray,
    lead_months: FloatArray,
    phased: FlagArray,
    built: FlagArray,
    limit_mw: FloatArray,
    connected_out: FloatArray,
) -> None:
    """Energise a region's new sites within its connection limit, in queue order.

    Sites come in queue order. From ``lead_months`` before the month it starts to ramp, a
    built site asks for its whole grid capacity, or, where it is ``phased``, for what its ramp
    will have built ``lead_months`` later. Each month the room left under the limit (limit minus
    what is already connected) goes to the sites waiting then, in queue order: a site that has
    not asked yet holds no place. A connection, once made, stays (a site is never cut off when
    the limit falls).

    Parameters
    ----------
    request_mw : float64[S, D]
        Grid capacity each site asks for. [MW]
    start_month : float64[S, D]
        Commissioning month index of each site after its delay. [month]
    ramp_months : float64[S]
        Months from commissioning to full capacity. [month]
    lead_months : float64[S]
        Months ahead of its build that each site asks. [month]
    phased : uint8[S]
        Nonzero where a site asks as it builds rather than all at once. [-]
    built : uint8[S, D]
        Nonzero where the site is built in the draw. [-]
    limit_mw : float64[D, M]
        Grid capacity for new large loads in the region by month. [MW]
    connected_out : float64[S, D, M]
        Written: grid capacity connected to each site. [MW]
    """
    site_count, draw_count = request_mw.shape
    month_count = limit_mw.shape[1]
    for draw in range(draw_count):
        for month in range(month_count):
            free = limit_mw[draw, month]
            for site in range(site_count):
                free -= connected_out[site, draw, month - 1] if month > 0 else 0.0
            for site in range(site_count):
                before = connected_out[site, draw, month - 1] if month > 0 else 0.0
                wanted = 0.0
                # As if commissioned a lead earlier: the same arithmetic as the site's asks in
                # forecast.engine.hosting (start - lead), so both round alike.
                fraction = ramp_fraction(
                    month, start_month[site, draw] - lead_months[site], ramp_months[site]
                )
                if built[site, draw] != 0 and fraction > 0.0:
                    asked = request_mw[site, draw] * (fraction if phased[site] != 0 else 1.0)
                    wanted = max(asked - before, 0.0)
                added = min(wanted, max(free, 0.0))
                connected_out[site, draw, month] = before + added
                free -= added
