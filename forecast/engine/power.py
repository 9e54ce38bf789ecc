"""Monthly power model: the coefficients of the hourly facility load, by draw, region, month.

Average IT load is nameplate x load factor ``f``. A share ``i`` of it serves inference, which
follows the day (``phi(t)``: a cosine with the stated peak-to-mean ratio and peak hour, lower
on weekends and the country's holidays, normalised to mean 1 over each calendar year); the
rest (training) is flat. PUE rises with the hour's outdoor temperature above a reference; the
stated PUE is an annual average, so the cool-weather PUE is set to keep it (``mean(x)`` over
whole weather years, not the projection's window):

    IT(t)  = f · P · ((1 − i) + i · phi(t))
    PUE(t) = a + b · x(t),   x = max(T − T_ref, 0),   a = max(PUE − b · mean(x), 1)
    AI(t)  = IT(t) · PUE(t) = c0 + c1·phi + (c2 + c3·phi)·x

with ``c = f·P·[(1−i)·a, i·a, (1−i)·b, i·b]`` summed over what a region hosts: the plans'
accelerators (``P`` = hosted nameplate, the region's capacity-weighted PUE line) and each
site's tenants (``P`` = their nameplate, the site's own ``f``, ``i`` and PUE line). Non-AI
data-centre load (conventional servers, storage, network) is flat: ``IT · (a + b·x)``. ``f``,
``i``, PUE and its slope may be trends (per month). A node never draws more than its nameplate:
where ``f · (1 + i · (max phi − 1))`` would exceed 1, the inference share is flattened to fit
(:func:`within_nameplate`), keeping the energy. The hourly kernel
(:mod:`forecast.kernels.stream`) evaluates the formula of :mod:`forecast.kernels.power`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from forecast import kernels
from forecast.calendar import HourlyCalendar, holiday_dates
from forecast.engine.sampling import PathDraw, central, operation, over_months
from forecast.kernels import SiteMonths
from forecast.memo import SharedArrays
from forecast.scenario import WORLD, Scenario


@dataclass
class PueLine:
    """PUE(x) = a + b·x: cool-weather PUE ``a`` [-] and slope ``b`` [1/°C], per draw and month."""

    a: np.ndarray
    b: np.ndarray


def pue_line(
    pue: PathDraw,
    slope_per_c: PathDraw,
    slope_factor: float,
    months: np.ndarray,
    mean_excess: float,
) -> PueLine:
    """The PUE line whose mean over the weather is the stated annual PUE (floored at 1).

    Parameters
    ----------
    pue : PathDraw
        Annual-average PUE (a quantity or trend). [-]
    slope_per_c : PathDraw
        PUE rise per °C above the reference, for air cooling. [1/°C]
    slope_factor : float
        The cooling type's multiplier of the slope. [-]
    months : float64[M]
        Month numbers to evaluate at. [-]
    mean_excess : float
        Mean of x over every hour of every whole weather year. [°C]
    """
    # Once a draw where the PUE or its slope is constant in time, then repeated over the
    # months: the same values; kr-national's 20 lines at 1,000 draws over 12 years took
    # 21.0 ms of CPU, now 14.9 (medians of alternating runs, 2026-12-07).
    b = slope_per_c.over_time(months) * slope_factor
    a = np.maximum(pue.over_time(months) - b * mean_excess, 1.0)
    return PueLine(a=over_months(a, months), b=over_months(b, months))


#: Inference shapes kept (see :func:`inference_shape`), most recent last: 0.8 MB each.
_SHAPES = SharedArrays(kept=8)


def inference_shape(scenario: Scenario, calendar: HourlyCalendar) -> np.ndarray:
    """The normalised daily cycle of inference load, ``phi(t)`` (mean 1 over each calendar
    year). float64[H], read-only.

    Requests for the same period and country repeat it (every projection of the dashboard),
    so it is kept, keyed on all it depends on: 17 ms of a 200-draw monthly projection over
    12 years, most of it looking holidays up (measured 2026-12-05).
    """
    key = shape_key(scenario, calendar)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES.put(key, _inference_shape(scenario.country, calendar, *key[-1]))
    return shape


def shape_key(scenario: Scenario, calendar: HourlyCalendar) -> tuple:
    """All that :func:`inference_shape` depends on: the country, the calendar's hours and the
    shape's parameters (peak to mean [-], peak hour [h], weekend factor [-], last)."""
    ops = scenario.operations
    local = calendar.local
    parameters = tuple(
        central(operation(ops, name))
        for name in ("inference_peak_to_mean", "inference_peak_hour", "inference_weekend_factor")
    )
    return (scenario.country, str(local.tz), len(local), local[0], local[-1], parameters)


def _inference_shape(country, calendar, peak_to_mean, peak_hour, weekend_factor) -> np.ndarray:
    """:func:`inference_shape`, computed: mean 1 over each calendar year, so that the same
    hours get the same value whatever the projection's window (a summer has fewer holidays
    than its year)."""
    local = calendar.local
    years = calendar.years
    whole = HourlyCalendar.build(
        dt.date(int(years[0]), 1, 1), dt.date(int(years[-1]), 12, 31), str(local.tz)
    )
    shape = _profile(country, whole, peak_to_mean, peak_hour, weekend_factor)
    year_mean = np.bincount(whole.year_of_hour, weights=shape) / whole.hours_per_year
    shape /= year_mean[whole.year_of_hour]
    first = int(np.searchsorted(whole.local.asi8, local.asi8[0]))
    return shape[first : first + len(local)].copy()


def _profile(country, calendar, peak_to_mean, peak_hour, weekend_factor) -> np.ndarray:
    """The inference profile on ``calendar``'s hours, before normalising. float64[H]"""
    local = calendar.local
    # A country without a calendar in `holidays` (and the world) has no holidays.
    dates = holiday_dates(country, local[0].year, local[-1].year) if country != WORLD else None
    # Look holidays up once per local day, not per hour.
    first_hours = calendar.day_starts[:-1]
    days = local[first_hours].tz_localize(None).to_numpy().astype("datetime64[D]")
    holiday_of_day = np.isin(days, np.array(sorted(dates or ()), dtype="datetime64[D]"))
    is_holiday = np.repeat(holiday_of_day, np.diff(calendar.day_starts))
    is_workday = ((local.day_of_week < 5) & ~is_holiday).astype(np.uint8)
    shape = np.empty(len(local))
    kernels.inference_profile(
        np.asarray(local.hour, dtype=np.int64),
        np.ascontiguousarray(is_workday),
        peak_to_mean - 1.0,
        peak_hour,
        weekend_factor,
        shape,
    )
    return shape


def within_nameplate(load_factor: np.ndarray, inference: np.ndarray, phi_max: float):
    """The inference share, flattened where the daily peak would pass nameplate. [-]

    IT load peaks at ``f · (1 + i · (phi_max − 1))`` x nameplate; a node cannot draw more than
    its nameplate, so where that exceeds 1 the share that follows the day is lowered until the
    peak is exactly nameplate. The mean, and so the energy, is unchanged.
    """
    if phi_max <= 1.0:
        return inference
    fitting = (1.0 / load_factor - 1.0) / (phi_max - 1.0)
    return np.minimum(inference, np.maximum(fitting, 0.0))


def nameplate_shares(
    load_factor: PathDraw, inference_share: PathDraw, months: np.ndarray, phi_max: float
) -> tuple[np.ndarray, np.ndarray]:
    """A load's load factor and inference share on ``months``, the share flattened where the
    daily peak would pass nameplate (:func:`within_nameplate`), float64[D, M] each. [-]

    Where both are constant in time (kr-national's), the share is flattened once
    a draw and then repeated over the months: the same values, without the five [D, M]
    operations of :func:`within_nameplate` (about 1.9 ms at 1,000 draws over 12 years, 21
    times a kr-national projection; 2026-12-07).
    """
    factor = load_factor.over_time(months)  # [D, 1] or [D, M]: they broadcast
    flattened = within_nameplate(factor, inference_share.over_time(months), phi_max)
    return over_months(factor, months), over_months(flattened, months)


def site_shares(site, months: np.ndarray, phi_max: float) -> tuple[np.ndarray, np.ndarray]:
    """A site's own load factor and inference share on ``months`` (:func:`nameplate_shares`),
    float64[D, M] each. [-]

    Made once a site and projection, for the regions' coefficients and the site's own (each
    made them anew: 39 calls of :func:`within_nameplate` at 1 ms each at 1,000 draws over 12
    years for kr-national's 19 sites, 2026-12-07).
    """
    return nameplate_shares(site.load_factor, site.inference_share, months, phi_max)


def add_load(
    columns: np.ndarray,
    nameplate_mw: np.ndarray,
    load_factor: np.ndarray,
    inference: np.ndarray,
    line: PueLine,
) -> None:
    """Add a load's four coefficients [MW] to ``columns`` [6, D, M] (C-contiguous), one row
    per coefficient, then its full load's two (all arrays [D, M]: nameplate [MW], load factor
    and inference share [-], the PUE line). ``columns`` of four rows [4, D, M] take the
    coefficients alone (a site's energy and peak need no full load).

    One pass of a kernel (:func:`forecast.kernels.add_load_coefficients`), the same operations
    in the same order as ``columns[0] += training * line.a`` and so on: the six products in
    NumPy, one scratch array and a row at a time, took 3.6 ms a load at 1,000 draws over 12
    years, 0.24 s of a national projection's 59 loads (2026-12-07).
    """
    kernels.add_load_coefficients(nameplate_mw, load_factor, inference, line.a, line.b, columns)


def coefficients(
    scenario: Scenario,
    inputs,
    hosting,
    tenants: Iterable,
    grid_months: np.ndarray,
    window: slice,
    phi_max: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The hourly kernel's coefficients for the projection's months, float64[D, R, M, 4], and
    the AI load's full load by region, float64[D, R, M, 2]: the hosted IT nameplate at the
    hour's PUE, ``k0 + k1 x`` with ``k = P·[a, b]`` summed as the load is, the most its
    servers can draw in an hour (a shifted load fills no hour above it; under the hosted
    reading at most the region's energised IT capacity at the hour's PUE, so a grid-capacity
    site stays within its connection). [MW, MW/°C]

    ``window`` selects the projection's months on the fleet grid ``grid_months``. The
    coefficients are summed as arrays, one per coefficient and region (each region's rows
    one C-contiguous block, as :func:`add_load` takes them), and returned as views with the
    coefficient last: adding into every fourth value took 33 ms of a 1,000-draw national
    projection, four times what adding into rows takes (2026-12-05).
    """
    months = grid_months[window]
    n_regions = len(scenario.regions)
    columns = np.zeros((n_regions, 6, inputs.draws, months.size))
    if scenario.deployments:
        load_factor, inference = nameplate_shares(
            inputs.load_factor, inputs.inference_share, months, phi_max
        )
        for r in range(n_regions):
            line = PueLine(hosting.plan_pue.a[:, r, window], hosting.plan_pue.b[:, r, window])
            add_load(columns[r], hosting.hosted_mw[:, r, window], load_factor, inference, line)
    for site, line, tenant_mw, (site_factor, site_inference) in tenants:
        add_load(
            columns[site.region],
            tenant_mw[:, window],
            site_factor,
            site_inference,
            PueLine(line.a[:, window], line.b[:, window]),
        )
    # [R, K, D, M] -> [D, R, M, K]
    return columns[:, :4].transpose(2, 0, 3, 1), columns[:, 4:].transpose(2, 0, 3, 1)


class SiteCoefficients:
    """Each site's AI load coefficients on the projection's months, a site at a time, each a
    view of one buffer that the next site's overwrite. float64[D, M, 4] [MW, MW, MW/°C, MW/°C]

    As :func:`coefficients`, one site at a time: the plans' accelerators it hosts (``C_s /
    C_r`` of its region's) at the site's own PUE line, and its own tenants as there. Since the
    region's line is its sites' lines weighted by ``C_s / C_r``, a region's sites add up to
    its coefficients wherever its fleet is hosted (to rounding).

    Made once a projection (the plans' load factor and inference share on the months), called
    with each site's nameplates (:func:`forecast.engine.hosting.site_nameplates`) as they are
    made, so that a site's nameplates serve both the regions' coefficients and its own.
    """

    def __init__(
        self, scenario: Scenario, inputs, grid_months: np.ndarray, window: slice, phi_max: float
    ) -> None:
        self.months, self.window, self.phi_max = grid_months[window], window, phi_max
        self.hosts_plans = bool(scenario.deployments)
        self.load_factor, self.inference = nameplate_shares(
            inputs.load_factor, inputs.inference_share, self.months, phi_max
        )
        # add_load's first four rows: the coefficients, not the full load, which a site's
        # energy and peak do not need. One buffer for every site, and no site's arrays kept
        # while the next site's are made: two sites' at once were a projection's peak
        # (test_the_estimate_covers_what_a_projection_with_sites_holds).
        self.columns = np.empty((4, inputs.draws, self.months.size))

    def __call__(
        self, line: PueLine, fleet_mw: np.ndarray, tenant_mw: np.ndarray,
        shares: tuple[np.ndarray, np.ndarray], *, it_only: bool = False,
    ) -> np.ndarray:  # fmt: skip
        """The coefficients of a site with PUE line ``line``, hosting ``fleet_mw`` of the
        plans' accelerators and ``tenant_mw`` of its own tenants [MW] [D, Mf] (on the fleet
        grid), whose own load factor and inference share are ``shares`` (:func:`site_shares`).
        With ``it_only``, its IT load's (PUE 1, no temperature response: the last two are
        0)."""
        columns, window = self.columns, self.window
        columns[:] = 0.0
        site_line = PueLine(line.a[:, window], line.b[:, window])
        if it_only:
            site_line = PueLine(np.ones_like(site_line.a), np.zeros_like(site_line.b))
        if self.hosts_plans:
            add_load(columns, fleet_mw[:, window], self.load_factor, self.inference, site_line)
        add_load(columns, tenant_mw[:, window], *shares, site_line)
        return np.moveaxis(columns, 0, -1)


def month_hour_sums(
    calendar: HourlyCalendar, shape: np.ndarray, cooling_excess: np.ndarray
) -> np.ndarray:
    """Sums over each month's hours of 1, ``phi``, ``x`` and ``phi·x``, for each weather year:
    a load's four coefficients times these, added, are its energy in the month (the hourly
    formula of :mod:`forecast.kernels.power` summed), with no hourly pass per load.
    [h, h, °C·h, °C·h] float64[W, M, 4]

    ``shape`` is ``phi`` [H] and ``cooling_excess`` ``x`` [W, H] on the calendar's hours.
    """
    n_months, month = calendar.n_months, calendar.month_of_hour
    sums = np.empty((cooling_excess.shape[0], n_months, 4))
    sums[..., 0] = np.bincount(month, minlength=n_months)
    sums[..., 1] = np.bincount(month, weights=shape, minlength=n_months)
    for weather, excess in enumerate(cooling_excess):
        sums[weather, :, 2] = np.bincount(month, weights=excess, minlength=n_months)
        sums[weather, :, 3] = np.bincount(month, weights=excess * shape, minlength=n_months)
    return sums


def frontier_hours(shape: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """Indices of the hours that no other hour matches or beats in both the inference shape
    ``phi`` and the cooling excess ``x`` (their upper-right frontier), in descending ``phi``.
    int64[K]

    A load ``c0 + c1·phi + (c2 + c3·phi)·x`` whose coefficients are all >= 0 (``a >= 1``, a
    slope ``b >= 0``, shares in [0, 1]) grows with both, so its highest hour is one of these: a
    few of a month's ~730 hours.
    """
    order = np.lexsort((-excess, -shape))  # phi descending, then x descending
    ranked = excess[order]
    before = np.r_[-np.inf, np.maximum.accumulate(ranked)[:-1]]
    return order[ranked > before]


def month_bounds(calendar: HourlyCalendar) -> np.ndarray:
    """First hour of each of the calendar's months, then H (its hours run month by month).
    int64[M + 1]"""
    return np.searchsorted(calendar.month_of_hour, np.arange(calendar.n_months + 1))


def hour_basis(shape: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """``[1, phi, x, phi·x]`` of each hour: a load's four coefficients times these, added, are
    its load in the hour (:mod:`forecast.kernels.power`). float64[4, H]"""
    return np.stack([np.ones_like(shape), shape, excess, shape * excess])


def month_frontiers(
    calendar: HourlyCalendar, shape: np.ndarray, cooling_excess: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each weather year's :func:`frontier_hours` of each month of the calendar, found once for
    every site: the month of each frontier hour, in month order, int64[K], and its
    :func:`hour_basis`, float64[K, 4] (K: a few hours a month).

    Found for every month at once, not month by month (1,728 calls of :func:`frontier_hours`
    for 12 weather years of 12 years of months, 85 ms of a 1,000-draw kr-national projection,
    2026-12-07): the hours sorted by month, then ``phi`` descending, fall in groups of one
    ``phi`` (a few dozen a month: an hour of the day on a workday or not), the same for every
    weather year. In :func:`frontier_hours`' order a group's first hour has its highest ``x``
    (the earliest such hour), and no other hour of the group beats it, so the frontier is the
    groups' first hours whose ``x`` is above every earlier group's of the month: the same
    hours, in the same order.
    """
    month = calendar.month_of_hour
    n_months, n_hours = calendar.n_months, month.size
    order = np.lexsort((-shape, month))  # month, then phi descending, then hour
    ranked_month, ranked_phi = month[order], shape[order]
    starts = np.flatnonzero(
        np.r_[True, (ranked_month[1:] != ranked_month[:-1]) | (ranked_phi[1:] != ranked_phi[:-1])]
    )  # [G] first of each group of one month and phi
    group_month = ranked_month[starts].astype(np.int64)
    sizes = np.diff(np.r_[starts, n_hours])
    # Each group's place in its month, for a [M, most groups in a month] grid of them.
    slot = np.arange(starts.size) - np.searchsorted(group_month, group_month)
    grid = np.full((n_months, int(slot.max()) + 1), -np.inf)
    position = np.arange(n_hours)
    frontiers = []
    for excess in cooling_excess:
        ranked = excess[order]
        top = np.maximum.reduceat(ranked, starts)  # [G] each group's highest x
        first = np.minimum.reduceat(
            np.where(ranked == np.repeat(top, sizes), position, n_hours), starts
        )  # [G] the earliest hour that has it
        grid[group_month, slot] = top
        above = np.maximum.accumulate(grid, axis=1)  # the highest x up to each group
        before = np.where(slot > 0, above[group_month, slot - 1], -np.inf)  # [G]
        keep = top > before
        kept = order[first[keep]]
        frontiers.append((group_month[keep], hour_basis(shape[kept], excess[kept]).T))
    return frontiers


#: The weather's tables of months that :func:`site_months` made (see there), and the sums
#: of :func:`month_excess_sums` where it made none, by key and table, most recent last:
#: 8 projections' (a few MB).
_MONTH_TABLES = SharedArrays(kept=24)


def site_months(
    calendar: HourlyCalendar,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
    *,
    key: Hashable = None,
) -> SiteMonths:
    """What every site's reduction (:func:`forecast.kernels.site_reductions`) reads of the
    calendar's months: their :func:`month_hour_sums`, hours and years, and each weather year's
    :func:`month_frontiers`, one table of them all, on ``shape`` ``phi`` [H] and
    ``cooling_excess`` ``x`` [W, H] of the calendar's hours, for the draws' weather years
    ``weather_of_draw`` [D].

    With ``key``, all that ``shape`` and ``cooling_excess`` depend on, the sums and the
    frontiers are kept and found again: requests with the same period and weather (a new
    seed, more draws) repeat them, about 25 ms of a kr-national projection's main thread
    over 12 years (2026-12-07). The kernel gets copies (it is compiled for writable arrays).
    """
    parts = ("sums", "bounds", "basis")
    kept = [_MONTH_TABLES.get((key, part)) for part in parts] if key is not None else [None]
    if any(table is None for table in kept):
        tables = _month_tables(calendar, shape, cooling_excess)
        if key is not None:
            for part, table in zip(parts, tables, strict=True):
                _MONTH_TABLES.put((key, part), table.copy())  # read-only from then on
    else:
        tables = (np.array(kept[0]), np.array(kept[1]), np.array(kept[2]))  # writable copies
    sums, bounds, basis = tables
    month_years = (calendar.first_month + np.arange(calendar.n_months)) // 12
    return SiteMonths(
        hour_sums=sums,
        month_hours=np.bincount(calendar.month_of_hour, minlength=calendar.n_months).astype(
            np.float64
        ),
        frontier_bounds=bounds,
        frontier_basis=basis,
        weather_of_draw=np.ascontiguousarray(weather_of_draw, dtype=np.int64),
        year_of_month=np.searchsorted(calendar.years, month_years).astype(np.int64),
    )


def _month_tables(
    calendar: HourlyCalendar, shape: np.ndarray, cooling_excess: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`site_months`' tables made: the :func:`month_hour_sums` [W, M, 4], and the
    :func:`month_frontiers` of every weather year as one table, float64[K, 4], with each
    weather year's first row of each month, int64[W, M + 1]."""
    frontiers = month_frontiers(calendar, shape, cooling_excess)
    first = np.cumsum([0] + [months.size for months, _ in frontiers[:-1]])  # [W]
    bounds = np.stack(
        [
            offset + np.searchsorted(months, np.arange(calendar.n_months + 1))
            for offset, (months, _) in zip(first, frontiers, strict=True)
        ]
    )
    return (
        month_hour_sums(calendar, shape, cooling_excess),
        bounds.astype(np.int64),
        np.ascontiguousarray(np.concatenate([basis for _, basis in frontiers])),
    )


def site_load_in_month(
    coef: np.ndarray,
    bounds: np.ndarray,
    month: int,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
) -> np.ndarray:
    """A site's load in every hour of one month (its hours ``bounds[month]`` to ``bounds[month
    + 1]``: :func:`month_bounds`) and draw, from its coefficients [D, M, 4]. [MW] float64[D, Hm]
    """
    hours = slice(bounds[month], bounds[month + 1])
    phi, excess = shape[hours], cooling_excess[:, hours][weather_of_draw]  # [Hm], [D, Hm]
    c = coef[:, month]
    return c[:, 0:1] + c[:, 1:2] * phi + (c[:, 2:3] + c[:, 3:4] * phi) * excess


def site_series(
    coef: np.ndarray,
    calendar: HourlyCalendar,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
    *,
    resolution: str,
    probabilities: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A site's load on the projection's periods (``resolution``: each hour, or each draw's
    mean over a local day, month or year, as the national series), as quantiles over draws
    [P, Q] and the mean over draws [P], one month of hours at a time (draws x a month's hours
    held, never draws x the period's). [MW]"""
    bounds = month_bounds(calendar)
    period_of_hour = {
        "hourly": np.arange(len(calendar.local)),
        "daily": calendar.day_of_hour,
        "monthly": calendar.month_of_hour,
        "annual": calendar.year_of_hour,
    }[resolution]
    n_periods = int(period_of_hour[-1]) + 1
    quantiles, mean = np.empty((n_periods, probabilities.size)), np.empty(n_periods)
    sums = None if resolution == "hourly" else np.zeros((coef.shape[0], n_periods))
    for month in range(calendar.n_months):
        load = site_load_in_month(coef, bounds, month, shape, cooling_excess, weather_of_draw)
        if sums is None:
            hours = slice(bounds[month], bounds[month + 1])
            quantiles[hours] = _over_draws(load, probabilities)
            mean[hours] = load.mean(axis=0)
            continue
        periods = period_of_hour[bounds[month] : bounds[month + 1]]
        starts = np.r_[0, np.flatnonzero(np.diff(periods)) + 1]
        sums[:, periods[starts]] += np.add.reduceat(load, starts, axis=1)
    if sums is not None:
        per_draw = sums / np.bincount(period_of_hour, minlength=n_periods)  # [D, P]
        quantiles[:] = _over_draws(per_draw, probabilities)
        mean[:] = per_draw.mean(axis=0)
    return quantiles, mean


def _over_draws(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Quantiles over draws (axis 0) of ``values`` [D, P], as [P, Q] (the kernel's)."""
    out = np.empty((probabilities.size, values.shape[1]))
    kernels.quantiles_over_draws(np.ascontiguousarray(values), probabilities, out)
    return out.T


def non_ai_coefficients(
    inputs, slope_factor: float, grid_months: np.ndarray, window: slice, mean_excess: float,
    n_regions: int,
) -> np.ndarray:  # fmt: skip
    """The hourly kernel's coefficients of the non-AI load by region. float64[D, R, M, 4]

    Non-AI IT load is flat through the day: facility = IT · (a + b · x), so the coefficients
    are ``IT · a`` and ``IT · b`` summed over the loads (columns 0, 1), and again over the loads
    the baseline already holds (columns 2, 3: not added to the total); each load has its own
    PUE (or the scenario's) with the scenario's temperature slope and cooling, and sits in its
    region, or split across regions by its region shares (:meth:`NonAiDraw.shares_at`). The
    kernel takes their sum over the regions.
    """
    months = grid_months[window]
    coef = np.zeros((inputs.draws, n_regions, months.size, 4))
    for load in inputs.non_ai:
        line = pue_line(load.pue, inputs.pue_slope_per_c, slope_factor, months, mean_excess)
        it_mw = load.it_mw(months)
        columns = (0, 1, 2, 3) if load.in_baseline else (0, 1)
        for region, share in enumerate(load.shares_at(months)):
            if not share.any():
                continue
            for column in columns:
                coef[:, region, :, column] += (
                    share * it_mw * (line.a if column % 2 == 0 else line.b)
                )
    return coef


def month_excess_sums(
    calendar: HourlyCalendar, cooling_excess: np.ndarray, *, key: Hashable = None
) -> np.ndarray:
    """Sum of each weather year's cooling excess ``cooling_excess`` [W, H] over each of the
    calendar's months: the ``x`` column of :func:`month_hour_sums`, the same values.
    [°C·h] float64[W, M]

    With ``key`` (as for :func:`site_months`) the sums are found again where
    :func:`site_months` or an earlier call kept them: a projection of ``kr-outlook``'s 12 years
    spent 5 ms of CPU making them once more (2026-12-07).
    """
    if key is not None:
        for part, index in (("sums", (..., 2)), ("excess", ...)):
            kept = _MONTH_TABLES.get((key, part))
            if kept is not None:
                return kept[index]
    sums = np.stack(
        [np.bincount(calendar.month_of_hour, weights=row, minlength=calendar.n_months)
         for row in cooling_excess]
    )  # fmt: skip
    return sums if key is None else _MONTH_TABLES.put((key, "excess"), sums)


def non_ai_energy_by_region(
    coef: np.ndarray, calendar, cooling_excess: np.ndarray, weather_of_draw: np.ndarray,
    *, key: Hashable = None,
) -> np.ndarray:  # fmt: skip
    """Each region's non-AI data-centre energy per year and draw: the kernel's non-AI row (every
    load, those the baseline holds included) region by region. [MWh] float64[R, D, Y]

    ``coef`` is :func:`non_ai_coefficients`' [D, R, M, 4] on the calendar's months. The load is
    ``c0 + c1 · x`` every hour of a month, so its sum over the month is ``hours · c0 + (sum of
    x) · c1``, with ``x`` [°C] the draw's weather year's cooling excess (``cooling_excess``
    [W, H], ``weather_of_draw`` [D]; its sums by month kept under ``key``,
    :func:`month_excess_sums`): no hourly pass is needed.
    """
    n_months = coef.shape[2]
    hours = np.bincount(calendar.month_of_hour, minlength=n_months).astype(float)  # [M]
    excess = month_excess_sums(calendar, cooling_excess, key=key)  # [W, M]
    monthly = coef[..., 0] * hours + coef[..., 1] * excess[weather_of_draw][:, None]  # [D, R, M]
    year_of_month = (calendar.first_month + np.arange(n_months)) // 12 - calendar.years[0]
    energy = np.stack(
        [monthly[..., year_of_month == year].sum(axis=-1) for year in range(calendar.years.size)],
        axis=-1,
    )  # [D, R, Y]
    return np.moveaxis(energy, 1, 0)


def non_ai_at_hours(
    coef: np.ndarray, calendar, cooling_excess: np.ndarray, weather_of_draw: np.ndarray,
    hours: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Each region's non-AI data-centre load at one hour of each draw and year (the total's
    peak hour): the kernel's non-AI row region by region, ``c0 + c1 · x`` with the hour's
    month and the draw's weather year's cooling excess ``x`` [°C]. [MW] float64[R, D, Y]

    ``coef`` is :func:`non_ai_coefficients`' [D, R, M, 4] on the calendar's months (or the
    stream's national [D, M, 4] as one region, ``[:, None]``), ``cooling_excess`` [W, H] and
    ``weather_of_draw`` [D] as for :func:`non_ai_energy_by_region`, ``hours`` [D, Y] the
    period's hour of each draw and year (-1: none, 0 MW there).
    """
    hour = np.maximum(hours, 0).astype(np.int64)
    month = calendar.month_of_hour[hour]  # [D, Y]
    draws = np.arange(coef.shape[0])[:, None]
    excess = cooling_excess[weather_of_draw[:, None], hour]  # [D, Y]
    flat, slope = coef[draws, :, month, 0], coef[draws, :, month, 1]  # [D, Y, R]
    load = flat + slope * excess[..., None]
    return np.where(hours[..., None] >= 0, load, 0.0).transpose(2, 0, 1)
