"""Independent NumPy twins of the numba kernels, for the tests and for benchmarks.

Each twin computes what its kernel computes, written differently (vectorised, a convolution,
a lookup table, ``np.quantile``) rather than transliterating the loop, so that a shared
mistake is unlikely. Twins return their results instead of writing to ``out`` arrays and never
modify their inputs. The whole-array oracles (facility power, total load, annual energy and
peaks of every draw and hour) check the fused stream kernel end to end.
"""

import numpy as np
from numpy.typing import NDArray

from forecast.kernels.layout import (
    ANY_HOUR,
    FIRST_REGION_ROW,
    KWH_PER_MWH,
    MONTH_HOUR_SLOTS,
    FlagArray,
    FloatArray,
    IndexArray,
    SiteMonths,
)


def stock_flow_numpy(
    target: FloatArray, gross: FloatArray, hold_from: IndexArray, survival: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Twin of :func:`forecast.kernels.fleet.stock_flow`, vectorised over draws.

    Parameters
    ----------
    target : float64[D, M]
        In-service accelerators planned at the end of each month; NaN for none. [accelerators]
    gross : float64[D, M]
        Accelerators delivered whatever the target. [accelerators]
    hold_from : int64[D]
        Month whose fleet is held afterwards, or -1. [-]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]

    Returns
    -------
    additions : float64[D, M]
        Accelerators delivered in each month. [accelerators]
    installed : float64[D, M]
        Accelerators in service at the end of each month. [accelerators]
    """
    draws = np.arange(survival.shape[0])
    additions = np.zeros_like(survival)
    installed = np.zeros_like(survival)
    for month in range(survival.shape[1]):
        # Ages month, month-1, ..., 1 line up with vintages 0, 1, ..., month-1.
        surviving = np.einsum("dv,dv->d", additions[:, :month], survival[:, month:0:-1])
        held = (hold_from >= 0) & (hold_from < month)
        goal = np.where(held, installed[draws, np.maximum(hold_from, 0)], target[:, month])
        top_up = np.where(np.isnan(goal), 0.0, np.maximum(goal - surviving - gross[:, month], 0.0))
        additions[:, month] = gross[:, month] + top_up
        installed[:, month] = surviving + additions[:, month]
    return additions, installed


def surviving_stock_numpy(additions: FloatArray, survival: FloatArray) -> FloatArray:
    """Twin of :func:`forecast.kernels.fleet.surviving_stock`: a causal convolution.

    Parameters
    ----------
    additions : float64[D, M]
        Quantity delivered in each month. [unit]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]

    Returns
    -------
    float64[D, M]
        Quantity in service. [unit]
    """
    month_count = additions.shape[1]
    return np.array(
        [
            np.convolve(row, kept)[:month_count]
            for row, kept in zip(additions, survival, strict=True)
        ]
    ).reshape(additions.shape)


def ar1_recursion_numpy(by_day: FloatArray, autocorrelation: float) -> FloatArray:
    """Twin of :func:`forecast.kernels.noise.ar1_recursion`: the day loop of NumPy calls it
    replaced, on a copy (row ``t`` plus ``φ`` times row ``t - 1``, in that order). [-]"""
    paths = by_day.copy()
    previous_term = np.empty(paths.shape[1])
    for day in range(1, paths.shape[0]):
        np.multiply(paths[day - 1], autocorrelation, out=previous_term)
        paths[day] += previous_term
    return paths


def place_in_capacity_numpy(
    vintage_mw: FloatArray,
    vintage_count: FloatArray,
    survival: FloatArray,
    capacity_mw: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Twin of :func:`forecast.kernels.fleet.place_in_capacity`: cumulative sums over vintages.

    In each month every vintage's share hosted is 1 up to the first vintage whose cumulative
    surviving power exceeds the capacity, the remainder's share for that one, 0 after it.

    Parameters
    ----------
    vintage_mw : float64[D, M]
        Nameplate power delivered in each month. [MW]
    vintage_count : float64[D, M]
        Accelerators delivered in each month. [accelerators]
    survival : float64[D, M]
        Fraction of a vintage still in service by age in months. [-]
    capacity_mw : float64[D, M]
        IT capacity available to the fleet. [MW]

    Returns
    -------
    hosted_mw : float64[D, M]
        Nameplate power hosted. [MW]
    hosted_count : float64[D, M]
        Accelerators hosted. [accelerators]
    waited_months : float64[D, M]
        Months each vintage waited. [month]
    """
    draw_count, month_count = vintage_mw.shape
    hosted_mw = np.zeros((draw_count, month_count))
    hosted_count = np.zeros((draw_count, month_count))
    waited = np.zeros((draw_count, month_count))
    for month in range(month_count):
        kept = survival[:, month::-1]  # age of vintages 0..month
        power = vintage_mw[:, : month + 1] * kept
        count = vintage_count[:, : month + 1] * kept
        through = np.cumsum(power, axis=1)
        before = through - power
        room = capacity_mw[:, month : month + 1]
        over = through > room
        cut = np.where(over.any(axis=1), over.argmax(axis=1), month + 1)
        vintage = np.arange(month + 1)[None, :]
        at_cut = vintage == cut[:, None]
        share = np.where(vintage < cut[:, None], 1.0, 0.0)
        partial = np.divide(room - before, power, out=np.zeros_like(power), where=power > 0)
        share = np.where(at_cut, partial, share)
        hosted_mw[:, month] = np.where(over.any(axis=1), room[:, 0], through[:, -1])
        hosted_count[:, month] = (share * count).sum(axis=1)
        waited[:, : month + 1] += 1.0 - share
    return hosted_mw, hosted_count, waited


def site_capacity_numpy(
    capacity_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: float,
    built: FlagArray,
    month_count: int,
) -> FloatArray:
    """Twin of :func:`forecast.kernels.capacity.site_capacity`: broadcast ramps.

    Parameters
    ----------
    capacity_mw : float64[D]
        Capacity at full build-out. [MW]
    start_month : float64[D]
        Commissioning month index after the delay. [month]
    ramp_months : float
        Months from commissioning to full capacity. [month]
    built : uint8[D]
        Nonzero where built. [-]
    month_count : int
        Months ``M``. [-]

    Returns
    -------
    float64[D, M]
        Built capacity. [MW]
    """
    month = np.arange(month_count, dtype=np.float64)[None, :]
    start = start_month[:, None]
    elapsed = month + 1.0 - start
    if ramp_months > 0.0:
        fraction = np.clip(elapsed / ramp_months, 0.0, 1.0)
    else:
        fraction = (elapsed > 0.0).astype(np.float64)
    return np.where(built[:, None] != 0, capacity_mw[:, None] * fraction, 0.0)


def inference_profile_numpy(
    local_hour: IndexArray,
    is_workday: FlagArray,
    amplitude: float,
    peak_hour: float,
    weekend_factor: float,
) -> FloatArray:
    """Twin of :func:`forecast.kernels.profile.inference_profile`: a 24-hour lookup table.

    Parameters
    ----------
    local_hour : int64[H]
        Hour of the day in local time, hour-beginning. [h]
    is_workday : uint8[H]
        Nonzero on workdays. [-]
    amplitude : float
        Relative amplitude of the daily cycle. [-]
    peak_hour : float
        Local time of the daily maximum. [h]
    weekend_factor : float
        Multiplier on weekends and holidays. [-]

    Returns
    -------
    float64[H]
        Unnormalised shape. [-]
    """
    mid_hour = np.arange(24) + 0.5
    daily = 1.0 + amplitude * np.cos(2.0 * np.pi * (mid_hour - peak_hour) / 24.0)
    return daily[local_hour] * np.where(is_workday != 0, 1.0, weekend_factor)


def facility_power_numpy(
    coef: FloatArray,
    month_of_hour: IndexArray,
    inference_shape: FloatArray,
    cooling_excess_c: FloatArray,
    weather_of_draw: IndexArray,
) -> FloatArray:
    """Facility power of every draw, region and hour from the coefficients: a basis product.

    An oracle for the fused kernel (the engine never evaluates every hour of every draw
    at once). The formula is :func:`forecast.kernels.power.facility_mw`.

    Parameters
    ----------
    coef : float64[D, R, M, 4]
        Coefficients per draw, region and month. [MW, MW, MW/°C, MW/°C]
    month_of_hour : int64[H]
        Month index of each hour. [-]
    inference_shape : float64[H]
        Normalised inference-load shape. [-]
    cooling_excess_c : float64[W, H]
        Temperature excess over the cooling reference. [°C]
    weather_of_draw : int64[D]
        Weather year used by each draw. [-]

    Returns
    -------
    float64[D, R, H]
        Facility power. [MW]
    """
    excess = cooling_excess_c[weather_of_draw]
    shape = np.broadcast_to(inference_shape, excess.shape)
    basis = np.stack([np.ones_like(excess), shape, excess, shape * excess], axis=-1)
    return np.einsum("drhk,dhk->drh", coef[:, :, month_of_hour, :], basis)


def total_load_numpy(
    ai_by_region: FloatArray,
    baseline_level_mw: FloatArray,
    year_of_hour: IndexArray,
    baseline_shape: FloatArray,
    daily_noise: FloatArray,
    day_of_hour: IndexArray,
    weather_of_draw: IndexArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """AI, baseline and total national load of every draw and hour, by fancy indexing.

    An oracle for the fused kernel; the baseline is :func:`forecast.kernels.power.baseline_mw`.

    Parameters
    ----------
    ai_by_region : float64[D, R, H]
        AI facility power by region. [MW]
    baseline_level_mw : float64[D, Y]
        Annual mean level of the baseline. [MW]
    year_of_hour : int64[H]
        Year index of each hour. [-]
    baseline_shape : float64[W, H]
        Hourly shape of the baseline per weather year. [-]
    daily_noise : float64[D, N_days]
        Multiplicative day-to-day noise. [-]
    day_of_hour : int64[H]
        Day index of each hour. [-]
    weather_of_draw : int64[D]
        Weather year used by each draw. [-]

    Returns
    -------
    ai : float64[D, H]
        AI load summed over regions. [MW]
    baseline : float64[D, H]
        Baseline national load. [MW]
    total : float64[D, H]
        Sum of both. [MW]
    """
    ai = ai_by_region.sum(axis=1)
    baseline = (
        baseline_level_mw[:, year_of_hour]
        * baseline_shape[weather_of_draw]
        * daily_noise[:, day_of_hour]
    )
    return ai, baseline, ai + baseline


def quantiles_over_draws_numpy(values: FloatArray, probabilities: FloatArray) -> FloatArray:
    """Twin of :func:`forecast.kernels.quantiles.quantiles_over_draws`: ``np.quantile``.

    Parameters
    ----------
    values : float64[D, H]
        Draws of an hourly variable. [any unit]
    probabilities : float64[Q]
        Probabilities in ``[0, 1]``. [-]

    Returns
    -------
    float64[Q, H]
        Quantiles, NaN for an hour with any NaN draw. [unit of values]
    """
    return np.quantile(values, probabilities, axis=0).reshape(probabilities.size, values.shape[1])


def _year_mask(year_of_hour: IndexArray, year_count: int) -> NDArray[np.bool_]:
    """Return a [H, Y] mask that is true where the hour lies in the year."""
    return year_of_hour[:, None] == np.arange(year_count)[None, :]


def accumulate_annual_numpy(
    values: FloatArray, year_of_hour: IndexArray, energy: FloatArray, peak: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Annual energy and peak of hourly values: a matrix product and a masked maximum.

    An oracle for the fused kernel's day sums and peaks.

    Parameters
    ----------
    values : float64[D, H]
        Hourly mean power. [MW]
    year_of_hour : int64[H]
        Year index of each hour. [-]
    energy : float64[D, Y]
        Energy so far. [MWh]
    peak : float64[D, Y]
        Peak so far (-inf for none). [MW]

    Returns
    -------
    energy : float64[D, Y]
        Energy including this chunk. [MWh]
    peak : float64[D, Y]
        Peak including this chunk. [MW]
    """
    in_year = _year_mask(year_of_hour, energy.shape[1])
    chunk_energy = values @ in_year.astype(np.float64)
    masked = np.where(in_year[None, :, :], values[:, :, None], -np.inf)
    chunk_peak = masked.max(axis=1, initial=-np.inf)
    return energy + chunk_energy, np.maximum(peak, chunk_peak)


def accumulate_peak_companion_numpy(
    values: FloatArray,
    companion: FloatArray,
    year_of_hour: IndexArray,
    peak: FloatArray,
    companion_at_peak: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Annual peak of one series and another series at that hour, by ``argmax``.

    An oracle for the fused kernel's peak companion.

    ``np.argmax`` returns the first of tied maxima, and only a chunk peak strictly above the
    running one replaces it, which is the kernel's tie rule. Needs at least one hour.

    Parameters
    ----------
    values : float64[D, H]
        Hourly power whose peak is tracked. [MW]
    companion : float64[D, H]
        Variable recorded at the peak hour. [any unit]
    year_of_hour : int64[H]
        Year index of each hour. [-]
    peak : float64[D, Y]
        Peak so far (-inf for none). [MW]
    companion_at_peak : float64[D, Y]
        Companion at the peak so far. [unit of companion]

    Returns
    -------
    peak : float64[D, Y]
        Peak including this chunk. [MW]
    companion_at_peak : float64[D, Y]
        Companion at that peak. [unit of companion]
    """
    in_year = _year_mask(year_of_hour, peak.shape[1])
    masked = np.where(in_year[None, :, :], values[:, :, None], -np.inf)
    peak_hour = masked.argmax(axis=1)
    chunk_peak = np.take_along_axis(masked, peak_hour[:, None, :], axis=1)[:, 0, :]
    chunk_companion = np.take_along_axis(companion, peak_hour, axis=1)
    rises = chunk_peak > peak
    return np.where(rises, chunk_peak, peak), np.where(rises, chunk_companion, companion_at_peak)


def _flexed(by_region, total, full_load, inputs, day_of_hour, year_of_hour):
    """Regions after flexibility and the curtailed load, by whole-array operations.

    Stress hours are where the total before flexibility reaches the draw's level (exactly at
    it, up to the draw's cutoff hour); their flexible share gives way, and with shifting each
    region's moved energy fills the day's other hours in proportion to its room there: its
    part of the room below the level, clipped to its headroom below ``full_load`` [R, D, H].
    """
    level = inputs.stress_level_t[year_of_hour].T  # [D, H]
    cutoff = inputs.stress_hour_t[year_of_hour].T
    hour = inputs.first_hour + np.arange(total.shape[1])
    # At the level exactly, only up to the cutoff hour (ties go to the earlier hours).
    stressed = (total > level) | ((total == level) & (hour[None, :] <= cutoff))
    given = inputs.flex_share[None, :, None] * by_region * stressed[None]  # [R, D, H]
    if not inputs.flex_shift:
        return by_region - given, given.sum(axis=0)
    starts = inputs.day_starts[:-1]
    moved = np.add.reduceat(given, starts, axis=2)  # [R, D, days]
    energy = moved.sum(axis=0)  # [D, days]
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(energy > 0, moved / energy, 0.0)[:, :, day_of_hour]  # [R, D, H]
        below_level = part * np.where(stressed, 0.0, level - total)[None]
        headroom = np.where(full_load > by_region, full_load - by_region, 0.0)
        # The smaller of the two, a NaN room kept (as the kernel's comparison keeps it).
        room_hourly = np.where(headroom < below_level, headroom, below_level)
        room = np.add.reduceat(np.where(total < level, room_hourly, 0.0), starts, axis=2)
        placed = np.where(moved > 0, np.minimum(room / moved, 1.0), 1.0)  # [R, D, days]
        filled = np.where(room > 0, np.minimum(moved / room, 1.0), 0.0)
    added = filled[:, :, day_of_hour] * room_hourly
    curtailed = (given * (1.0 - placed[:, :, day_of_hour])).sum(axis=0)
    return by_region - given + added, curtailed


def stream_values(inputs) -> FloatArray:
    """The hourly values that :func:`forecast.kernels.stream.stream_chunk` reduces, by
    broadcasting: rows AI, baseline, total, non-AI, data centre, curtailed, held by the
    baseline, then each region, float64[7 + R, D, H], after flexibility. [MW]

    ``inputs`` is the kernel's :class:`forecast.kernels.stream.StreamInputs`.
    """
    group_bounds, day_starts = inputs.group_bounds, inputs.day_starts
    weather = np.repeat(np.arange(group_bounds.size - 1), np.diff(group_bounds))
    excess = inputs.cooling_excess_c[weather]  # [D, H]
    shape = inputs.inference_shape
    coefficients = inputs.coef_t[inputs.month_of_hour]  # [H, R, 4, D]
    by_region = (
        coefficients[:, :, 0]
        + coefficients[:, :, 1] * shape[:, None, None]
        + (coefficients[:, :, 2] + coefficients[:, :, 3] * shape[:, None, None])
        * excess.T[:, None, :]
    ).transpose(1, 2, 0)  # [R, D, H]
    flat = inputs.non_ai_t[inputs.month_of_hour]  # [H, 4, D]
    non_ai = (flat[:, 0] + flat[:, 1] * excess.T).T  # [D, H]
    held = (flat[:, 2] + flat[:, 3] * excess.T).T  # in the baseline already
    day_of_hour = np.repeat(np.arange(day_starts.size - 1), np.diff(day_starts))
    year_of_hour = inputs.year_of_day[day_of_hour]
    baseline = _baseline_values(inputs)
    curtailed = np.zeros_like(baseline)
    if inputs.flex_share.size and inputs.flex_share.max() > 0:
        before = by_region.sum(axis=0) + non_ai + baseline - held
        limits = inputs.full_load_t[inputs.month_of_hour]  # [H, R, 2, D]
        full_load = (limits[:, :, 0] + limits[:, :, 1] * excess.T[:, None, :]).transpose(1, 2, 0)
        by_region, curtailed = _flexed(
            by_region, before, full_load, inputs, day_of_hour, year_of_hour
        )
    ai = by_region.sum(axis=0)
    dc = ai + non_ai
    return np.concatenate(
        [np.stack([ai, baseline, dc + baseline - held, non_ai, dc, curtailed, held]), by_region]
    )


def stream_chunk_numpy(
    inputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    *,
    block_count: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Twin of :func:`forecast.kernels.stream.stream_chunk`: whole [rows, D, H] arrays.

    Values by broadcasting, quantiles by ``np.quantile``, day sums by ``np.add.reduceat``,
    peaks by masked ``max``/``argmax`` over each block's hours (NaN hours masked out).

    Parameters
    ----------
    inputs : StreamInputs
        As for the kernel.
    probabilities, quantile_rows
        As for the kernel. [see the kernel]
    block_count : int
        Number of blocks of whole days ``B``. [-]

    Returns
    -------
    quantiles : float64[K, Q, H]
        Quantiles over draws of the requested rows. [MW]
    day_sums : float64[7 + R, N, D]
        Sum of each row over each day per draw. [MWh]
    peaks : float64[B, 7, Y, D]
        Per-block annual peaks, the AI load at the total's peak hour, and that hour's index in
        the chunk (-1 where the total has no peak). [MW, MW, -]
    """
    draw_count = inputs.coef_t.shape[3]
    day_starts = inputs.day_starts
    rows = stream_values(inputs)
    ai, baseline, total, non_ai, dc = rows[0], rows[1], rows[2], rows[3], rows[4]
    day_of_hour = np.repeat(np.arange(day_starts.size - 1), np.diff(day_starts))
    year_of_hour = inputs.year_of_day[day_of_hour]
    quantiles = np.quantile(rows[quantile_rows], probabilities, axis=1).transpose(1, 0, 2)
    day_sums = np.add.reduceat(rows, day_starts[:-1], axis=2).transpose(0, 2, 1)
    year_count = inputs.baseline_level_t.shape[0]
    peaks = np.empty((block_count, 7, year_count, draw_count))
    day_count = day_starts.size - 1
    for block in range(block_count):
        hours = np.arange(day_starts[block * day_count // block_count],
                          day_starts[(block + 1) * day_count // block_count])  # fmt: skip
        peaks[block, :5], peaks[block, 5], peaks[block, 6] = -np.inf, 0.0, -1.0
        if hours.size == 0:
            continue
        in_year = year_of_hour[hours][:, None] == np.arange(year_count)[None, :]  # [h, Y]
        # A NaN hour never sets a peak, as in the kernel's strict comparisons.
        for statistic, values in enumerate((ai, baseline, total, non_ai, dc)):
            masked = np.where(
                in_year[None], np.nan_to_num(values[:, hours, None], nan=-np.inf), -np.inf
            )  # [D, h, Y]
            peaks[block, statistic] = masked.max(axis=1, initial=-np.inf).T
        finite_total = np.nan_to_num(total, nan=-np.inf)
        masked = np.where(in_year[None], finite_total[:, hours, None], -np.inf)
        peak_hour = masked.argmax(axis=1)  # [D, Y]
        at_peak = np.take_along_axis(ai[:, hours], peak_hour, axis=1)
        peaks[block, 5] = np.where(peaks[block, 2] > -np.inf, at_peak.T, 0.0)
        peaks[block, 6] = np.where(peaks[block, 2] > -np.inf, hours[peak_hour].T, -1.0)
    return quantiles, day_sums, peaks


def _baseline_values(inputs) -> FloatArray:
    """The baseline row of :func:`stream_values`: level x shape x noise, float64[D, H]. [MW]"""
    group_bounds, day_starts = inputs.group_bounds, inputs.day_starts
    weather = np.repeat(np.arange(group_bounds.size - 1), np.diff(group_bounds))
    day_of_hour = np.repeat(np.arange(day_starts.size - 1), np.diff(day_starts))
    year_of_hour = inputs.year_of_day[day_of_hour]
    return (inputs.baseline_level_t[year_of_hour].T * inputs.baseline_shape[weather]
            * inputs.daily_noise_t[day_of_hour].T)  # fmt: skip


def baseline_quantiles_numpy(inputs, probabilities: FloatArray) -> FloatArray:
    """Twin of :func:`forecast.kernels.stream.baseline_days`: ``np.quantile`` over draws of
    the baseline row of :func:`stream_values`, float64[1, Q, H]. [MW]"""
    return np.quantile(_baseline_values(inputs), probabilities, axis=0)[None]


def stress_levels_numpy(
    inputs,
    hours_per_year: int,
    threshold_mw: float,
    *,
    period_hours=(0, ANY_HOUR),
    slot_of_hour=None,
    counted=None,
    flex_share=None,
):
    """Twin of :func:`forecast.kernels.stream.stress_levels` over a whole period: each draw's
    N-th highest total hour per year, the earlier hour first among equal totals, and its hour
    (the level at least the threshold, with every hour at it when the threshold is higher; the
    threshold and every hour when the year has fewer than N hours), and the total's annual peak
    with the AI load at it, by a stable sort; then the stress hours in ``period_hours`` (first,
    one past the last) as a mask over every hour, and their events by stepping through the
    hours (:func:`called_hours_numpy`), and the calendar of those hours over the draws
    ``counted`` (every draw when None) by ``slot_of_hour`` (indexed by the hour in the
    period; 0 for every hour when None), with the energy each draw's ``flex_share`` (0 when
    None) gives way in them.

    Returns
    -------
    levels : float64[Y, D]. [MW]
    cutoffs : int64[Y, D]. [-]
    total_peak, ai_at_peak : float64[Y, D] each. [MW]
    called : int64[3, Y, D]
        The stress hours counted, their events and the longest event. [h, events, h]
    called_ai : float64[Y, D]
        The AI energy in those hours. [MWh]
    called_slots : int64[Y, S]
        Those hours by local month and clock hour, summed over the draws counted. [h]
    called_energy_slots : int64[Y, S]
        The energy given way in them, each hour's to the kWh, summed so. [kWh]
    """
    unflexed = inputs._replace(flex_share=np.zeros_like(inputs.flex_share))
    rows = stream_values(unflexed)
    ai, total = rows[0], rows[2]
    day_of_hour = np.repeat(np.arange(inputs.day_starts.size - 1), np.diff(inputs.day_starts))
    year_of_hour = inputs.year_of_day[day_of_hour]
    year_count, draw_count = inputs.baseline_level_t.shape
    levels = np.full((year_count, draw_count), np.inf)
    cutoffs = np.full((year_count, draw_count), ANY_HOUR)
    peak = np.full((year_count, draw_count), -np.inf)
    at_peak = np.zeros((year_count, draw_count))
    for year in range(year_count):
        hours = year_of_hour == year
        if not hours.any():
            continue
        in_year = total[:, hours]
        peak[year] = in_year.max(axis=1)
        at_peak[year] = ai[:, hours][np.arange(draw_count), in_year.argmax(axis=1)]
        levels[year] = threshold_mw
        if hours.sum() < hours_per_year:
            continue
        # Highest first; a stable sort keeps equal totals in time order.
        nth = np.argsort(-in_year, axis=1, kind="stable")[:, hours_per_year - 1]
        nth_total = in_year[np.arange(draw_count), nth]
        reaches = nth_total >= threshold_mw
        levels[year] = np.where(reaches, nth_total, threshold_mw)
        hour_index = inputs.first_hour + np.flatnonzero(hours)
        cutoffs[year] = np.where(reaches, hour_index[nth], ANY_HOUR)
    hour = inputs.first_hour + np.arange(total.shape[1])
    slots = np.zeros(hour.size, dtype=np.int64) if slot_of_hour is None else slot_of_hour[hour]
    counted = np.ones(draw_count, dtype=bool) if counted is None else counted.astype(bool)
    share = np.zeros(draw_count) if flex_share is None else flex_share
    called, called_ai, called_slots, called_energy_slots = called_hours_numpy(
        total, ai, inputs.first_hour, year_of_hour, levels, cutoffs, period_hours,
        slots=slots, counted=counted, flex_share=share,
    )  # fmt: skip
    return levels, cutoffs, peak, at_peak, called, called_ai, called_slots, called_energy_slots


def called_hours_numpy(
    total, ai, first_hour, year_of_hour, levels, cutoffs, period_hours, *, slots, counted,
    flex_share,
):  # fmt: skip
    """The stress hours of each year and draw in ``period_hours`` by the stream's rule, over the
    totals ``total`` [D, H] before flexibility: how many, their events (runs of consecutive
    stress hours of one year; a run's length grows hour by hour and restarts at 0), the longest
    event, int64[3, Y, D] [h, events, h], the AI energy ``ai`` [D, H] in them, float64[Y, D]
    [MWh], and how many of the draws ``counted`` (bool[D]) are called in each hour, tallied by
    the hours' ``slots`` (int64[H], of :data:`~forecast.kernels.layout.MONTH_HOUR_SLOTS`),
    int64[Y, S] [h], with the energy their ``flex_share`` (float64[D]) gives way in those
    hours, each draw's hour rounded to the kWh, int64[Y, S]. [kWh]"""
    hour = first_hour + np.arange(total.shape[1])
    inside = (hour >= period_hours[0]) & (hour < period_hours[1])
    year_count, draw_count = levels.shape
    called = np.zeros((3, year_count, draw_count), dtype=np.int64)
    called_ai = np.zeros((year_count, draw_count))
    called_slots = np.zeros((year_count, MONTH_HOUR_SLOTS), dtype=np.int64)
    called_energy_slots = np.zeros((year_count, MONTH_HOUR_SLOTS), dtype=np.int64)
    # Each draw's energy given way in every hour, were it called. [kWh]
    given_way = np.rint(flex_share[:, None] * ai * KWH_PER_MWH)
    for year in range(year_count):
        in_year = (year_of_hour == year) & inside
        level, cutoff = levels[year][:, None], cutoffs[year][:, None]
        stressed = ((total > level) | ((total == level) & (hour[None, :] <= cutoff))) & in_year
        called[0, year] = stressed.sum(axis=1)
        # Hour by hour, how many counted draws are called, then tallied by slot.
        draws_called = stressed[counted].sum(axis=0)
        called_slots[year] = np.bincount(slots, weights=draws_called, minlength=MONTH_HOUR_SLOTS)
        hour_energy = np.where(stressed & counted[:, None], given_way, 0.0).astype(np.int64)
        hour_energy = hour_energy.sum(axis=0)
        np.add.at(called_energy_slots[year], slots, hour_energy)
        run = np.zeros(draw_count, dtype=np.int64)
        for column in np.flatnonzero(in_year):
            # The AI energy added hour by hour, as the kernel adds it (0 where not called).
            called_ai[year] += np.where(stressed[:, column], ai[:, column], 0.0)
            run = np.where(stressed[:, column], run + 1, 0)
            called[1, year] += run == 1
            called[2, year] = np.maximum(called[2, year], run)
    return called, called_ai, called_slots, called_energy_slots


def connect_sites_numpy(
    request_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: FloatArray,
    lead_months: FloatArray,
    phased: FlagArray,
    built: FlagArray,
    limit_mw: FloatArray,
) -> FloatArray:
    """Twin of :func:`forecast.kernels.capacity.connect_sites`: each month, the room under the
    limit is handed out in queue order by a cumulative sum over the waiting sites; a site asks
    as if its commissioning came ``lead_months`` earlier, a phased one its request times the
    ramp's share, clipped.

    Returns
    -------
    float64[S, D, M]
        Grid capacity connected to each site. [MW]
    """
    site_count, draw_count = request_mw.shape
    month_count = limit_mw.shape[1]
    connected = np.zeros((site_count, draw_count, month_count))
    previous = np.zeros((site_count, draw_count))
    ramp = ramp_months[:, None]
    asks_from = start_month - lead_months[:, None]
    for month in range(month_count):
        elapsed = month + 1.0 - asks_from
        started = elapsed > 0.0
        # Clipped before dividing: a tiny ramp overflows elapsed / ramp
        # (test_connect_sites_tiny_phased_ramp).
        safe = np.where(ramp > 0.0, ramp, 1.0)
        share = np.where(ramp > 0.0, np.clip(elapsed, 0.0, safe) / safe, 1.0)
        asked = request_mw * np.where(phased[:, None] != 0, share, 1.0)
        wanted = np.where(started & (built != 0), np.maximum(asked - previous, 0.0), 0.0)
        free = np.maximum(limit_mw[:, month] - previous.sum(axis=0), 0.0)  # [D]
        queued_before = np.cumsum(wanted, axis=0) - wanted
        added = np.clip(free[None, :] - queued_before, 0.0, wanted)
        previous = previous + added
        connected[:, :, month] = previous
    return connected


def hourly_rows_numpy(
    inputs, first_day: int, last_day: int, rows: IndexArray, draws: IndexArray
) -> FloatArray:
    """Twin of :func:`forecast.kernels.duration.hourly_rows`: a slice of the whole-array
    values of :func:`stream_values`, float64[K, S, H'] for the hours of the days
    ``first_day .. last_day - 1``. [MW]"""
    hours = slice(int(inputs.day_starts[first_day]), int(inputs.day_starts[last_day]))
    return stream_values(inputs)[np.asarray(rows)][:, np.asarray(draws), hours]


def region_loads_at_numpy(inputs, hours: IndexArray) -> FloatArray:
    """Twin of :func:`forecast.kernels.at_peak.region_loads_at`: the region rows of the
    whole-array :func:`stream_values`, picked at each draw's hour ``hours`` [Y, D] (-1: none,
    NaN there), float64[R, Y, D]. [MW]"""
    by_region = stream_values(inputs)[FIRST_REGION_ROW:]  # [R, D, H]
    picked = np.take_along_axis(by_region, np.maximum(hours, 0).T[None], axis=2)  # [R, D, Y]
    return np.where(hours[None] >= 0, picked.transpose(0, 2, 1), np.nan)


def site_reductions_numpy(
    coef: FloatArray, months: SiteMonths, *, year_count: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Twin of :func:`forecast.kernels.sites.site_reductions`, vectorised over draws: the
    month's energy coefficient by coefficient, each weather year's frontier hours taken from
    the coefficients at once and reduced by month with ``np.maximum.reduceat``, and the years
    summed and maximised over a mask of their months.

    Parameters
    ----------
    coef : float64[4, D, M]
        The site's load coefficients ``c0 .. c3`` by draw and month. [MW, MW, MW/°C, MW/°C]
    months : SiteMonths
        The projection's months.
    year_count : int
        Years ``Y`` of the projection. [-]

    Returns
    -------
    load : float64[D, M]
        Mean load in each month (NaN in a month without hours). [MW]
    energy : float64[D, Y]
        Energy in each year. [MWh]
    peak : float64[D, Y]
        Highest hourly load in each year (-inf in a year without hours). [MW]
    """
    n_draws, n_months = coef.shape[1:]
    weather, bounds = months.weather_of_draw, months.frontier_bounds
    by_month = np.zeros((n_draws, n_months))
    for term in range(4):
        by_month += coef[term] * months.hour_sums[weather, :, term]
    with np.errstate(invalid="ignore", divide="ignore"):  # a month without hours: 0 / 0
        load = by_month / months.month_hours
    peak_by_month = np.full((n_draws, n_months), -np.inf)
    for year_of_weather, month_bounds in enumerate(bounds):
        draws = np.flatnonzero(weather == year_of_weather)
        rows = np.diff(month_bounds)  # [M] frontier hours of each month
        if not draws.size or not rows.any():
            continue
        basis = months.frontier_basis[month_bounds[0] : month_bounds[-1]]
        month_of_row = np.repeat(np.arange(n_months), rows)
        values = coef[0].take(draws, axis=0).take(month_of_row, axis=1)  # [Dw, K]
        for term in (1, 2, 3):
            product = coef[term].take(draws, axis=0).take(month_of_row, axis=1)
            product *= basis[:, term]
            values += product
        # Each month with hours from its first row to the next such month's.
        starts = (month_bounds[:-1] - month_bounds[0])[rows > 0]
        peak_by_month[np.ix_(draws, np.flatnonzero(rows > 0))] = np.maximum.reduceat(
            values, starts, axis=1
        )
    energy, peak = np.empty((n_draws, year_count)), np.empty((n_draws, year_count))
    for year in range(year_count):
        in_year = months.year_of_month == year
        energy[:, year] = by_month[:, in_year].sum(axis=-1)
        peak[:, year] = peak_by_month[:, in_year].max(axis=-1, initial=-np.inf)
    return load, energy, peak


def add_load_coefficients_numpy(
    nameplate_mw: FloatArray,
    load_factor: FloatArray,
    inference: FloatArray,
    pue_a: FloatArray,
    pue_b: FloatArray,
    *,
    rows: int,
) -> FloatArray:
    """Twin of :func:`forecast.kernels.power.add_load_coefficients`, as outer products: the IT
    load split into its training and serving parts [2, D, M] times the PUE line's two terms
    [2, D, M], then (``rows`` = 6) the nameplate times them.

    Parameters
    ----------
    nameplate_mw, load_factor, inference, pue_a, pue_b : float64[D, M]
        As the kernel's. [MW, -, -, -, 1/°C]
    rows : int
        4: the coefficients alone; 6: the full load's two after them. [-]

    Returns
    -------
    float64[rows, D, M]
        What the kernel adds to its ``columns_out``. [MW, MW, MW/°C, MW/°C, MW, MW/°C]
    """
    it_mw = nameplate_mw * load_factor
    parts = np.stack([it_mw * (1.0 - inference), it_mw * inference])  # training, serving
    line = np.stack([pue_a, pue_b])
    coefficients = (line[:, None] * parts[None]).reshape(4, *it_mw.shape)  # a·t, a·s, b·t, b·s
    if rows == 4:
        return coefficients
    return np.concatenate([coefficients, nameplate_mw[None] * line])
