"""Hourly stage: stream chunks of whole local days through the fused kernel.

For every chunk the fused kernel (:func:`forecast.kernels.stream_chunk`) evaluates every draw's
AI load by region, the baseline and the total, adds them to per-draw day sums, raises per-draw
annual peaks and selects the exact quantiles over draws. Memory grows with draws x chunk
length, never with draws x horizon. Per-period means (daily, monthly, annual) are quantiles of
the per-draw means, not means of hourly quantiles.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import kernels
from forecast.calendar import HourlyCalendar
from forecast.engine.baseline import BaselineSeries
from forecast.engine.inputs import beside
from forecast.engine.options import ProgressCallback, ProjectionOptions
from forecast.engine.power import non_ai_at_hours
from forecast.kernels import layout

# Per-draw day sums (rows x days x draws) held per streamed chunk: ~32 MB of float64. The chunk
# length also fixes the order in which day sums add up to a year's energy, so a change to it
# changes results in the last bit (tests/golden). Shorter chunks for coarse answers were tried:
# the dashboard's request went 0.22 -> 0.19 s (2026-12-05), not worth results that differ.
CHUNK_ELEMENTS = 4_000_000
#: Whether hourly answers with a baseline find the baseline's quantiles beside the fleet, hosting
#: and power stages (:func:`baseline_beside`). The benchmark's floors and NumPy reference turn
#: it off, to time the fused kernel with every row, as they count.
BASELINE_BESIDE = True
#: With flexibility, a period of at most this many chunks keeps the chunks' kernel inputs from
#: the first pass for the second instead of building them again (their copies of the weather
#: and the transposed coefficients: 10 ms of the dashboard's 0.3 s request, 3 chunks).
REUSED_CHUNKS = 4

_SCRATCH = threading.local()


def _scratch(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The calling thread's array ``name`` of ``shape``, reused from chunk to chunk and from one
    projection to the next (the kernel writes every element, and the chunk's results are copied
    out before the next): a fresh 32 MB day-sums array each time spent 2.5 ms per chunk in page
    faults. At most one of each name is kept per thread."""
    buffer = getattr(_SCRATCH, name, None)
    if buffer is None or buffer.size < np.prod(shape):
        buffer = np.empty(int(np.prod(shape)))
        setattr(_SCRATCH, name, buffer)
    return buffer[: int(np.prod(shape))].reshape(shape)


@dataclass
class Stats:
    series: dict[str, np.ndarray]  # name -> [Q, P] or [R, Q, P]
    annual: dict[str, np.ndarray]  # name -> [D, Y] or [R, D, Y]
    period_times: pd.DatetimeIndex
    # With flexibility: the hours called by local month and clock hour, mean over draws
    # [Y, 12, 24]. [h]
    called_by_month_hour: np.ndarray | None = None
    # And the energy the flexible share gives way in them, mean over draws [Y, 12, 24]. [MWh]
    flexed_by_month_hour: np.ndarray | None = None


@dataclass
class _Periods:
    """The output time grid: hours, days, months or years."""

    times: pd.DatetimeIndex
    of_day: np.ndarray | None  # int64[days] period of each local day (None for hourly)
    hours: np.ndarray | None  # float64[P] hours in each period (None for hourly)

    @classmethod
    def build(cls, calendar: HourlyCalendar, resolution: str) -> _Periods:
        first_hours = calendar.day_starts[:-1]
        if resolution == "hourly":
            return cls(times=calendar.local, of_day=None, hours=None)
        if resolution == "daily":
            of_day = np.arange(len(first_hours))
        else:
            of_hour = calendar.month_of_hour if resolution == "monthly" else calendar.year_of_hour
            of_day = np.cumsum(np.r_[0, np.diff(of_hour[first_hours]) != 0])
        hours = np.bincount(of_day, weights=np.diff(calendar.day_starts)).astype(float)
        starts = first_hours[np.r_[0, np.flatnonzero(np.diff(of_day)) + 1]]
        return cls(times=calendar.local[starts], of_day=of_day, hours=hours)


@dataclass
class _Chunk:
    """One chunk of whole days: its hours, months, years and the kernels' inputs."""

    first_day: int
    last_day: int
    h0: int
    h1: int
    y0: int
    y1: int
    inputs: kernels.StreamInputs


@dataclass
class HourlyLoads:
    """What the stream evaluates over a calendar's hours (:mod:`forecast.engine.power`): the AI
    load's coefficients [D, R, M, 4] and full load [D, R, M, 2], the non-AI load's [D, M, 4],
    the inference shape [H], each weather year's cooling excess [W, H] and the baseline."""

    calendar: HourlyCalendar
    coef: np.ndarray
    full_load: np.ndarray
    non_ai: np.ndarray
    shape: np.ndarray
    cooling_excess: np.ndarray
    baseline: BaselineSeries | None


def _kernel_array(values: np.ndarray) -> np.ndarray:
    """``values`` as the kernels are compiled for them: C-contiguous and writeable (numba
    compiles a kernel again for a read-only array, such as a slice of a shared shape)."""
    return np.require(values, requirements=("C", "W"))


def _chunks(loads: HourlyLoads, order, group_bounds, flex, max_days):
    """The stream's chunks, with the kernels' inputs in sorted draw order."""
    calendar, coef, non_ai, shape = loads.calendar, loads.coef, loads.non_ai, loads.shape
    excess, baseline, full_load = loads.cooling_excess, loads.baseline, loads.full_load
    n_draws, n_weather = order.size, excess.shape[0]
    has_non_ai = bool(np.any(non_ai))  # NaN counts: the kernels then evaluate it
    for first_day, last_day in _day_chunks(calendar, max_days):
        h0, h1 = int(calendar.day_starts[first_day]), int(calendar.day_starts[last_day])
        m0, m1 = int(calendar.month_of_hour[h0]), int(calendar.month_of_hour[h1 - 1]) + 1
        y0, y1 = int(calendar.year_of_hour[h0]), int(calendar.year_of_hour[h1 - 1]) + 1
        day_starts = calendar.day_starts[first_day : last_day + 1] - h0
        if baseline is not None:
            level_t = np.ascontiguousarray(baseline.level[order, y0:y1].T)
            # np.take gathers whole rows' columns in one call: 8 ms for 12 years of 1,000
            # draws, where indexing with [:, order] took 29 (2026-12-05).
            noise_t = np.take(baseline.noise.T[first_day:last_day], order, axis=1)
            baseline_shape = _kernel_array(baseline.shape[:, h0:h1])
        else:
            level_t = np.zeros((y1 - y0, n_draws))
            noise_t = np.ones((last_day - first_day, n_draws))
            baseline_shape = np.zeros((n_weather, h1 - h0))
        share, levels, cutoffs, shift = flex
        inputs = kernels.StreamInputs(
            coef_t=np.ascontiguousarray(coef[order, :, m0:m1, :].transpose(2, 1, 3, 0)),
            non_ai_t=np.ascontiguousarray(non_ai[order, m0:m1, :].transpose(1, 2, 0)),
            month_of_hour=calendar.month_of_hour[h0:h1] - m0,
            inference_shape=_kernel_array(shape[h0:h1]),
            cooling_excess_c=_kernel_array(excess[:, h0:h1]),
            baseline_level_t=level_t,
            baseline_shape=baseline_shape,
            daily_noise_t=noise_t,
            year_of_day=calendar.year_of_hour[day_starts[:-1] + h0] - y0,
            day_starts=day_starts,
            group_bounds=group_bounds,
            flex_share=share,
            stress_level_t=np.ascontiguousarray(levels[y0:y1]),
            stress_hour_t=np.ascontiguousarray(cutoffs[y0:y1]),
            first_hour=h0,
            flex_shift=shift,
            full_load_t=np.ascontiguousarray(full_load[order, :, m0:m1, :].transpose(2, 1, 3, 0)),
            has_non_ai=has_non_ai,
        )
        yield _Chunk(first_day, last_day, h0, h1, y0, y1, inputs)


def _no_flexibility(n_years: int, n_draws: int) -> tuple:
    """The flexibility fields of a stream without it: no share, no stress level, any hour."""
    return (
        np.zeros(n_draws),
        np.full((n_years, n_draws), np.inf),
        np.full((n_years, n_draws), kernels.ANY_HOUR),
        False,
    )


def _draw_order(weather_of_draw: np.ndarray, n_weather: int) -> tuple[np.ndarray, np.ndarray]:
    """The stream's draw order (sorted by weather year, stably) and the first draw of each
    weather year in it, then the number of draws."""
    order = np.argsort(weather_of_draw, kind="stable")
    return order, np.searchsorted(weather_of_draw[order], np.arange(n_weather + 1))


def _max_days(n_draws: int, n_regions: int) -> int:
    """Days per chunk: about :data:`CHUNK_ELEMENTS` per-draw day sums."""
    return max(CHUNK_ELEMENTS // (n_draws * (n_regions + layout.FIRST_REGION_ROW)), 1)


def baseline_beside(
    options: ProjectionOptions,
    calendar: HourlyCalendar,
    n_regions: int,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
    baseline: BaselineSeries | None,
) -> Future[np.ndarray] | None:
    """Start finding the baseline's hourly quantiles [Q, H] on a thread of their own, or None
    where the stream finds them itself (no baseline, not hourly, fewer than
    :data:`~forecast.kernels.layout.WINDOWED_DRAWS` draws, or :data:`BASELINE_BESIDE` off).

    The baseline does not depend on the AI load, so its quantiles need not wait for the fleet,
    hosting and power stages, which run on one core: found beside them
    (:func:`forecast.kernels.baseline_quantiles`, the same exact search on the same values,
    so the same numbers) they leave the stream kernel four quantile rows of five in a national
    hourly answer (0.13 of its 0.88 s at 1,000 draws, 2026-12-05).
    """
    hourly = options.resolution == "hourly"
    if not BASELINE_BESIDE or baseline is None or not hourly:
        return None
    if options.draws < layout.WINDOWED_DRAWS:
        return None
    return beside(
        _baseline_quantiles,
        options,
        calendar,
        n_regions,
        shape,
        cooling_excess,
        weather_of_draw,
        baseline,
        name="baseline-quantiles",
    )


def _baseline_quantiles(options, calendar, n_regions, shape, cooling_excess, weather_of_draw,
                        baseline) -> np.ndarray:  # fmt: skip
    """:func:`baseline_beside`'s work, over the stream's chunks of days."""
    n_draws, n_months = options.draws, calendar.n_months
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    order, group_bounds = _draw_order(weather_of_draw, cooling_excess.shape[0])
    quantiles = np.empty((len(probabilities), len(calendar.local)))
    years = len(calendar.years)
    no_flex = _no_flexibility(years, n_draws)
    # No AI and no non-AI load: the kernel reads the baseline's and the weather's fields only.
    loads = HourlyLoads(
        calendar, np.zeros((n_draws, 0, n_months, 4)), np.zeros((n_draws, 0, n_months, 2)),
        np.zeros((n_draws, n_months, 4)), shape, cooling_excess, baseline,
    )  # fmt: skip
    chunks = _chunks(loads, order, group_bounds, no_flex, _max_days(n_draws, n_regions))
    for chunk in chunks:
        found = np.empty((1, len(probabilities), chunk.h1 - chunk.h0))
        kernels.baseline_quantiles(chunk.inputs, probabilities, found)
        quantiles[:, chunk.h0 : chunk.h1] = found[0]
    return quantiles


def _period_changes(periods: _Periods, chunk: _Chunk) -> tuple[np.ndarray, np.ndarray]:
    """First day (in the chunk) of each output period the chunk touches, and that period's
    index; both empty for hourly answers."""
    if periods.of_day is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    of_day = periods.of_day[chunk.first_day : chunk.last_day]
    change = np.r_[0, np.flatnonzero(np.diff(of_day)) + 1].astype(np.int64)
    return change, of_day[change]


def _with_flexibility(chunk: _Chunk, share, levels, cutoffs, shift) -> _Chunk:
    """``chunk`` with the flexibility fields of its kernel inputs set (as :func:`_chunks` sets
    them)."""
    inputs = chunk.inputs._replace(
        flex_share=share,
        stress_level_t=np.ascontiguousarray(levels[chunk.y0 : chunk.y1]),
        stress_hour_t=np.ascontiguousarray(cutoffs[chunk.y0 : chunk.y1]),
        flex_shift=shift,
    )
    return _Chunk(chunk.first_day, chunk.last_day, chunk.h0, chunk.h1, chunk.y0, chunk.y1, inputs)


def _stress_levels(chunks, hours_per_year: int, threshold_mw: float, n_years, n_draws,
                   period_hours=(0, kernels.ANY_HOUR), *, slot_of_hour: np.ndarray,
                   counted: np.ndarray, share: np.ndarray) -> kernels.StressPass:  # fmt: skip
    """Flexibility's first pass over ``chunks`` (``hours_per_year`` 0 finds the peaks alone),
    counting the stress hours in ``period_hours`` (first, one past the last: the chunks'
    hours), and those of the draws ``counted`` (uint8[D]) by the slot of their hour
    (``slot_of_hour``, int64 over the chunks' hours: ``HourlyCalendar.month_hour_of_hour``)
    with the energy each draw's flexible ``share`` (float64[D]) gives way in them.
    What it found per year and draw [Y, D] (sorted draws) is in the returned pass's
    ``levels`` ... ``called_energy_slots`` (:class:`~forecast.kernels.layout.StressPass`)."""
    state = kernels.stress_pass(
        n_draws, n_years, hours_per_year, slot_of_hour=slot_of_hour, counted=counted,
        flex_share=share, period_hours=period_hours,
    )  # fmt: skip
    threshold = float(threshold_mw)
    for chunk in chunks:
        kernels.stress_levels(chunk.inputs, chunk.y0, threshold, state)
    kernels.close_open_years(state, threshold)
    return state


def _whole_year_stress(whole_years: HourlyLoads, calendar: HourlyCalendar, flexibility, order,
                       group_bounds, max_days, counted, share) -> kernels.StressPass:  # fmt: skip
    """Flexibility's first pass ranked over the whole calendar years of ``whole_years`` (whose
    years are ``calendar``'s), with the cutoffs as hours of ``calendar``'s period and the stress
    hours counted in it alone: stress hours are a property of the year, so a period that holds
    part of one has exactly the whole year's stress hours that lie in it (its peaks are the
    whole years'; the caller takes the period's own)."""
    n_years, n_draws = len(calendar.years), order.size
    chunks = _chunks(whole_years, order, group_bounds, _no_flexibility(n_years, n_draws), max_days)
    offset = int(np.searchsorted(whole_years.calendar.local.asi8, calendar.local.asi8[0]))
    stress = _stress_levels(
        chunks, flexibility.hours_per_year, flexibility.threshold_mw, n_years, n_draws,
        (offset, offset + len(calendar.local)),
        slot_of_hour=whole_years.calendar.month_hour_of_hour, counted=counted, share=share,
    )  # fmt: skip
    cutoffs = stress.cutoffs
    return stress._replace(cutoffs=np.where(cutoffs == kernels.ANY_HOUR, cutoffs, cutoffs - offset))


def stream_hours(
    scenario,
    options: ProjectionOptions,
    calendar: HourlyCalendar,
    coef: np.ndarray,
    non_ai: np.ndarray,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
    baseline: BaselineSeries | None,
    flexibility,
    progress: ProgressCallback | None,
    *,
    full_load: np.ndarray,
    whole_years: HourlyLoads | None = None,
    hourly_sink=None,
    baseline_quantiles: Future[np.ndarray] | None = None,
) -> Stats:
    """Stream over chunks of whole days through the fused kernel; see
    :func:`forecast.kernels.stream_chunk`.

    ``coef`` holds the AI load's coefficients [D, R, M, 4] and ``non_ai`` the non-AI load's
    [D, M, 2], and ``full_load`` the AI load's full load [D, R, M, 2], which a shifted load
    fills no hour above (:mod:`forecast.engine.power`). With ``flexibility`` a first pass finds
    each draw's stress hours (:func:`forecast.kernels.stress_levels`), over ``whole_years``
    where given: the same loads over every whole calendar year the period touches, for a
    period that holds part of a year (the period's own first pass then finds its peaks
    without flexibility alone).

    Draws are sorted by weather year inside the stream (quantiles do not depend on the order)
    and per-draw results are put back in draw order at the end.

    ``hourly_sink``, when given, is called as ``hourly_sink(inputs, first_hour, order)`` with
    each chunk after its flexibility (:mod:`forecast.engine.duration`: per-draw hourly paths).
    ``baseline_quantiles``, when given (:func:`baseline_beside`), holds the baseline's hourly
    quantiles, which the stream then leaves out.

    The kernel records the hour of each draw's annual peak of the total and the AI load in it;
    the data-centre load in it is found after the stream, at that hour (:func:`_dc_at_peak`).
    With a baseline and more than one region, each region's AI load in that hour is evaluated
    after each chunk at that one hour of each draw and year whose peak the chunk holds so far
    (:func:`forecast.kernels.region_loads_at`), not in the hourly pass.
    """
    n_draws, n_regions, n_years = options.draws, len(scenario.regions), len(calendar.years)
    n_weather, n_rows = cooling_excess.shape[0], n_regions + layout.FIRST_REGION_ROW
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    have_baseline, regional = baseline is not None, n_regions > 1
    order, group_bounds = _draw_order(weather_of_draw, n_weather)
    periods = _Periods.build(calendar, options.resolution)
    wanted = {"ai_facility_mw": layout.AI_ROW}
    if have_baseline:
        wanted |= {"baseline_mw": layout.BASELINE_ROW, "total_mw": layout.TOTAL_ROW}
    if scenario.non_ai_loads:
        wanted |= {"non_ai_facility_mw": layout.NON_AI_ROW, "dc_facility_mw": layout.DC_ROW}
    names, rows = list(wanted), list(wanted.values())
    region_rows = list(range(layout.FIRST_REGION_ROW, n_rows)) if regional else []
    hourly = periods.of_day is None
    found_beside = baseline_quantiles is not None
    in_stream = [name for name in names if not (name == "baseline_mw" and found_beside)]
    quantile_rows = np.array(
        [wanted[name] for name in in_stream] + region_rows if hourly else [], dtype=np.int64
    )

    n_periods = len(periods.times)
    series = {name: np.empty((len(probabilities), n_periods)) for name in names}
    if regional:
        series["ai_facility_mw_by_region"] = np.empty((n_regions, len(probabilities), n_periods))
    energy = np.zeros((n_rows, n_years, n_draws))  # sorted draws, transposed
    peaks = np.full((layout.PEAK_COUNT, n_years, n_draws), -np.inf)
    peaks[layout.AI_AT_TOTAL_PEAK] = 0.0
    peaks[layout.TOTAL_PEAK_HOUR] = -1.0  # the period's hour (the kernel's is the chunk's)
    at_peak = np.zeros((n_regions, n_years, n_draws)) if regional and have_baseline else None
    period_sums = None if hourly else np.zeros((n_rows, n_periods, n_draws))
    blocks = kernels.thread_count()
    max_days = _max_days(n_draws, n_regions)
    no_flex = _no_flexibility(n_years, n_draws)

    loads = HourlyLoads(calendar, coef, full_load, non_ai, shape, cooling_excess, baseline)

    def chunks(flex):
        return _chunks(loads, order, group_bounds, flex, max_days)

    without = called = called_by_month_hour = flexed_by_month_hour = None
    streamed = chunks(no_flex)
    if flexibility is not None:
        n_chunks = sum(1 for _ in _day_chunks(calendar, max_days))
        first_pass = list(streamed) if n_chunks <= REUSED_CHUNKS else chunks(no_flex)
        threshold = flexibility.threshold_mw
        share, shift = np.ascontiguousarray(flexibility.share[order]), flexibility.shift
        # A draw whose share is 0 is never called: its hours are left out of the calendar.
        counted = (share > 0.0).astype(np.uint8)
        slot_of_hour = calendar.month_hour_of_hour
        if whole_years is None:
            stress = _stress_levels(
                first_pass, flexibility.hours_per_year, threshold, n_years, n_draws,
                slot_of_hour=slot_of_hour, counted=counted, share=share,
            )  # fmt: skip
            peak, ai_at_peak = stress.total_peak, stress.ai_at_peak
        else:
            stress = _whole_year_stress(
                whole_years, calendar, flexibility, order, group_bounds, max_days, counted, share
            )
            own = _stress_levels(first_pass, 0, threshold, n_years, n_draws,
                                 slot_of_hour=slot_of_hour, counted=counted,
                                 share=share)  # fmt: skip
            peak, ai_at_peak = own.total_peak, own.ai_at_peak
        cutoffs = stress.cutoffs
        # Before the programme's first year no hour is a stress hour: nothing gives way (a new
        # array: the kernel's own levels stay as it found them, for the benchmark's reference).
        before = (calendar.years < flexibility.from_year)[:, None]
        levels = np.where(before, np.inf, stress.levels)
        without = {"total_peak": peak, "ai_at_total_peak": ai_at_peak}
        # Nor is any draw called before the first year.
        calls = ~before & (counted != 0)[None, :]
        called_by_month_hour = (
            np.where(before, 0, stress.called_slots).reshape(n_years, 12, 24) / n_draws
        )
        flexed_by_month_hour = np.where(before, 0, stress.called_energy_slots).reshape(
            n_years, 12, 24
        ) / (layout.KWH_PER_MWH * n_draws)
        called = {
            name: np.where(calls, stress.called[statistic], 0)
            for name, statistic in (
                ("called_hours", layout.CALLED_HOURS), ("called_events", layout.CALLED_EVENTS),
                ("longest_event", layout.LONGEST_EVENT),
            )
        }  # fmt: skip
        # The energy the flexible share gives way in them (curtailed, or shifted where the
        # day's other hours have room). [MWh]
        called["flexed_energy"] = np.where(calls, share[None, :] * stress.called_ai, 0.0)
        if isinstance(first_pass, list):
            streamed = iter(
                [_with_flexibility(chunk, share, levels, cutoffs, shift) for chunk in first_pass]
            )
        else:
            streamed = chunks((share, levels, cutoffs, shift))

    done = 0
    # 0 hours done: the stream starts (a command's bar starts its clock here, after the stages
    # before it, so that its rate and time left are the stream's).
    if progress is not None:
        progress(0, len(calendar.local))
    for chunk in streamed:
        h0, h1, y0, y1 = chunk.h0, chunk.h1, chunk.y0, chunk.y1
        days = chunk.last_day - chunk.first_day
        quantiles = _scratch("quantiles", (len(quantile_rows), len(probabilities), h1 - h0))
        day_sums = _scratch("day_sums", (n_rows, days, n_draws))
        block_peaks = np.empty((blocks, layout.PEAK_COUNT, y1 - y0, n_draws))
        kernels.stream_chunk(
            chunk.inputs, probabilities, quantile_rows, quantiles, day_sums, block_peaks
        )
        if hourly_sink is not None:
            hourly_sink(chunk.inputs, h0, order)
        year_of_day = chunk.inputs.year_of_day
        year_change = np.r_[0, np.flatnonzero(np.diff(year_of_day)) + 1].astype(np.int64)
        change, of_change = _period_changes(periods, chunk)
        year_part = np.empty((n_rows, year_change.size, n_draws))
        period_part = np.empty((n_rows, change.size, n_draws))
        kernels.segment_sums(day_sums, year_change, year_part, change, period_part)
        energy[:, y0:y1] += year_part
        hour = block_peaks[:, layout.TOTAL_PEAK_HOUR]
        hour[hour >= 0] += h0
        _merge_peaks(peaks[:, y0:y1], block_peaks)
        if at_peak is not None:
            _regions_at_peak(chunk, peaks[layout.TOTAL_PEAK_HOUR, y0:y1], at_peak[:, y0:y1])
        if hourly:
            for index, name in enumerate(in_stream):
                series[name][:, h0:h1] = quantiles[index]
            for region in range(len(region_rows)):
                series["ai_facility_mw_by_region"][region][:, h0:h1] = quantiles[
                    len(in_stream) + region
                ]
        else:
            assert period_sums is not None
            period_sums[:, of_change] += period_part
        done += h1 - h0
        if progress is not None:
            progress(done, len(calendar.local))

    if not hourly:
        assert period_sums is not None and periods.hours is not None
        for row, name in zip(rows, names, strict=True):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(means, probabilities, series[name])
        for region, row in enumerate(region_rows):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(
                means, probabilities, series["ai_facility_mw_by_region"][region]
            )
    if baseline_quantiles is not None:
        series["baseline_mw"] = baseline_quantiles.result()  # [Q, P], as the stream's
    unsorted = np.empty_like(order)  # the inverse of the draw order, once for every statistic
    unsorted[order] = np.arange(order.size)
    annual = _annual(energy, peaks, unsorted)
    annual["dc_at_total_peak"] = _dc_at_peak(
        annual["ai_at_total_peak"], annual["total_peak_hour"], non_ai, calendar, cooling_excess,
        weather_of_draw,
    )  # fmt: skip
    if at_peak is not None:
        annual["region_ai_at_total_peak"] = _by_draw(at_peak, unsorted)
    if without is not None:
        annual |= {
            f"{name}_without_flexibility": _by_draw(values, unsorted)
            for name, values in without.items()
        }
    if called is not None:
        annual |= {name: _by_draw(values, unsorted) for name, values in called.items()}
    return Stats(
        series=series,
        annual=annual,
        period_times=periods.times,
        called_by_month_hour=called_by_month_hour,
        flexed_by_month_hour=flexed_by_month_hour,
    )


def _day_chunks(calendar: HourlyCalendar, max_days: int):
    """Chunks of at most ``max_days`` whole local days, as ``(first_day, last_day)``."""
    n_days = len(calendar.day_starts) - 1
    for first in range(0, n_days, max_days):
        yield first, min(first + max_days, n_days)


def _regions_at_peak(chunk: _Chunk, peak_hour: np.ndarray, out: np.ndarray) -> None:
    """Write each region's AI load [R, Y', D] at the total's peak hour ``peak_hour`` [Y', D]
    (the period's hour) for each of the chunk's years and draws whose peak is in the chunk so
    far (a later chunk may move it and write again). [MW]"""
    inside = (peak_hour >= chunk.h0) & (peak_hour < chunk.h1)
    hours = np.where(inside, peak_hour - chunk.h0, -1).astype(np.int64)
    kernels.region_loads_at(chunk.inputs, hours, out)


def _dc_at_peak(
    ai_at_peak: np.ndarray, peak_hour: np.ndarray, non_ai: np.ndarray, calendar: HourlyCalendar,
    cooling_excess: np.ndarray, weather_of_draw: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The data-centre load in the total's peak hour [D, Y]: the AI load there ``ai_at_peak``
    [D, Y] [MW] plus the non-AI load in that hour ``peak_hour`` [D, Y] (the period's, -1:
    none) from ``non_ai`` [D, M, 4] (:func:`stream_hours`), draws x years evaluations. [MW]

    The kernel's data-centre row is that sum, ``ai + non_ai``, with the non-AI load from the
    same coefficients and excess, so this is the value it recorded at the peak until it
    recorded the hour instead, bit for bit: its ``c0 + 0·phi`` differs from ``c0`` at most in a
    zero's sign, which adding the AI load (never -0.0) removes (test_regions_at_peak's
    ``test_dc_at_the_peak_is_the_kernels_data_centre_row_in_that_hour``). Without non-AI loads
    the kernel's row is the AI row itself, and so is this."""
    if not np.any(non_ai):  # the kernels' has_non_ai (NaN counts)
        return ai_at_peak.copy()
    national = non_ai_at_hours(
        non_ai[:, None], calendar, cooling_excess, weather_of_draw, peak_hour
    )  # [1, D, Y]: the national coefficients as one region
    return ai_at_peak + national[0]


def _merge_peaks(peaks: np.ndarray, block_peaks: np.ndarray) -> None:
    """Fold the kernel's per-block peaks [B, 7, Y, D] into ``peaks`` [7, Y, D], in hour order.

    A later block moves the total's peak (and the AI load recorded at it, and its hour) only
    when strictly higher, so the first hour of a tie wins as in a serial scan.
    """
    for block in block_peaks:
        for statistic in (
            layout.AI_PEAK, layout.BASELINE_PEAK, layout.NON_AI_PEAK, layout.DC_PEAK
        ):  # fmt: skip
            np.maximum(peaks[statistic], block[statistic], out=peaks[statistic])
        rises = block[layout.TOTAL_PEAK] > peaks[layout.TOTAL_PEAK]
        for statistic in (layout.TOTAL_PEAK, layout.AI_AT_TOTAL_PEAK, layout.TOTAL_PEAK_HOUR):
            peaks[statistic][rises] = block[statistic][rises]


#: Per-draw annual statistics: (name, row of the stream's energy sums or of its peaks).
_ANNUAL_ENERGY = (
    ("ai_energy", layout.AI_ROW), ("baseline_energy", layout.BASELINE_ROW),
    ("total_energy", layout.TOTAL_ROW), ("non_ai_energy", layout.NON_AI_ROW),
    ("dc_energy", layout.DC_ROW), ("curtailed_energy", layout.CURTAILED_ROW),
)  # fmt: skip
_ANNUAL_PEAKS = (
    ("ai_peak", layout.AI_PEAK), ("baseline_peak", layout.BASELINE_PEAK),
    ("total_peak", layout.TOTAL_PEAK), ("non_ai_peak", layout.NON_AI_PEAK),
    ("dc_peak", layout.DC_PEAK), ("ai_at_total_peak", layout.AI_AT_TOTAL_PEAK),
    ("total_peak_hour", layout.TOTAL_PEAK_HOUR),  # the period's hour, -1 for none
)  # fmt: skip


def _by_draw(values: np.ndarray, unsorted: np.ndarray) -> np.ndarray:
    """[..., Y, D sorted] → [..., D, Y] in draw order (``unsorted``: the inverse of the
    stream's draw order)."""
    return np.ascontiguousarray(values[..., unsorted].swapaxes(-1, -2))


def _annual(energy: np.ndarray, peaks: np.ndarray, unsorted: np.ndarray) -> dict[str, np.ndarray]:
    """Per-draw annual statistics [D, Y] in draw order, from the stream's [.., Y, D sorted]."""
    annual = {name: _by_draw(energy[row], unsorted) for name, row in _ANNUAL_ENERGY}
    annual["region_energy"] = _by_draw(energy[layout.FIRST_REGION_ROW :], unsorted)
    return annual | {name: _by_draw(peaks[row], unsorted) for name, row in _ANNUAL_PEAKS}
