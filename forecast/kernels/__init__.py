"""Kernels of the projection engine: numba kernels, one module per concern, and their twins.

Every kernel writes into caller-supplied ``out`` arrays and has an independent NumPy twin in
:mod:`forecast.kernels.twins` that the tests compare it with. The engine calls the functions
here, which run the numba kernel, or the twin on the NumPy path:

**The NumPy path.** A projection of at most :func:`numpy_work_limit` draw-hours (draws x hours
of the period; 100,000 by default, ``FORECAST_NUMPY_WORK`` sets it, 0 turns the path off) runs
the twins under :func:`numpy_path` and never imports numba: at that size the twins take tens
of milliseconds, where numba's start-up alone takes about 0.5 s on a warm cache (its import
and its CPU target) and several seconds on a fresh one (compiling); see
:data:`NUMPY_WORK_LIMIT`. pandas decides the same way
whether to hand an operation to numexpr. The twins give the kernels' results to rounding (the
quantiles bit for bit, sums to 1e-12 relative: ``tests/forecast/kernels/test_twins.py``, and a
projection both ways in ``tests/forecast/engine/test_numpy_path.py``).

A numba kernel compiles on its first call (a run compiles only what it needs), and numba is
imported only then; :func:`warm_up` compiles them all. The numba machinery (decorators, flags,
cache, threads) is :mod:`forecast.kernels._jit`; the data layout the engine reads (array types,
stream rows, :class:`StreamInputs`) is :mod:`forecast.kernels.layout`, without numba.
"""

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import ModuleType

import numpy as np

from forecast.errors import OptionsError
from forecast.kernels import layout, twins
from forecast.kernels.layout import (
    ANY_HOUR,
    FlagArray,
    FloatArray,
    IndexArray,
    SiteMonths,
    StreamInputs,
    StressPass,
    stress_pass,
)

__all__ = [
    "SiteMonths",
    "StreamInputs",
    "StressPass",
    "add_load_coefficients",
    "ar1_recursion",
    "baseline_quantiles",
    "compile_seconds",
    "connect_sites",
    "hourly_rows",
    "inference_profile",
    "numpy_path",
    "numpy_work_limit",
    "place_in_capacity",
    "quantiles_over_draws",
    "region_loads_at",
    "segment_sums",
    "site_capacity",
    "site_reductions",
    "stock_flow",
    "stream_chunk",
    "stress_levels",
    "stress_pass",
    "surviving_stock",
    "thread_count",
    "warm_up",
]

#: Draw-hours up to which a projection runs the NumPy twins, unless ``FORECAST_NUMPY_WORK``
#: says otherwise: ``forecast project kr-national --draws 100`` over a month (74,400
#: draw-hours) takes 0.07 s in all on the twins, where numba's start-up alone takes about
#: 0.5 s on a warm cache (its import 0.2 s, its CPU target's set-up on the first cached call
#: 0.3 s) and its compile several seconds on a fresh one (2026-12-05, the 2-core development
#: machine; the benchmark's start-up section).
NUMPY_WORK_LIMIT = 100_000

#: Draws from which the fleet kernels split their draws over the kernel threads (below, handing
#: blocks to the threads would cost about what it saves; a round figure, not a measured
#: crossover: the dashboard's 200 draws and more are split). [-]
THREADED_DRAWS = 128

_NUMPY_PATH: ContextVar[bool] = ContextVar("forecast_kernels_numpy_path", default=False)


def numpy_work_limit() -> int:
    """Draw-hours up to which a projection runs the twins: ``FORECAST_NUMPY_WORK`` (an integer
    >= 0; 0 never) or :data:`NUMPY_WORK_LIMIT`. [draw-hours]

    Raises
    ------
    OptionsError
        ``FORECAST_NUMPY_WORK`` is not a whole number >= 0.
    """
    text = os.environ.get("FORECAST_NUMPY_WORK", "").strip()
    if not text:
        return NUMPY_WORK_LIMIT
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if limit < 0:
        raise OptionsError(
            f"FORECAST_NUMPY_WORK = {text!r}: allowed: a whole number of draw-hours >= 0 "
            "(0: always the numba kernels)"
        )
    return limit


@contextlib.contextmanager
def numpy_path(enabled: bool = True) -> Iterator[None]:
    """Run the kernels called inside (in this thread or task) as their NumPy twins."""
    token = _NUMPY_PATH.set(enabled)
    try:
        yield
    finally:
        _NUMPY_PATH.reset(token)


def _compiled(module: str) -> ModuleType:
    """The numba kernel module ``forecast.kernels.<module>`` (imports numba on first use)."""
    return importlib.import_module(f"forecast.kernels.{module}")


def thread_count() -> int:
    """Threads the kernels split their work over: numba's ``NUMBA_NUM_THREADS`` (default the
    cores this process may run on), read without starting numba when it is not loaded. [-]"""
    if "numba" in sys.modules:
        return int(_compiled("_jit").thread_count())
    text = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if text:
        return int(text)
    return max(1, len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else 1


def compile_seconds() -> float:
    """Wall time this process has spent compiling kernels so far: 0 before numba is loaded
    (the NumPy path never loads it). [s]"""
    if "forecast.kernels._jit" not in sys.modules:
        return 0.0
    return float(_compiled("_jit").compile_seconds())


def _by_draw_blocks(kernel: Callable[..., None], *arrays: np.ndarray) -> None:
    """``kernel(*arrays)`` over contiguous blocks of draws (every array's first axis), a block
    per thread once there are :data:`THREADED_DRAWS` draws: the fleet kernels treat each draw
    alone, and at 1,000 draws they took 75 ms of a national projection's second on one core
    (2026-12-05). A block of rows of a C-contiguous array is C-contiguous: no new
    specialisation to compile."""
    compiled = _compiled("_jit")
    count = arrays[0].shape[0]
    parts = thread_count() if count >= THREADED_DRAWS else 1
    calls = [
        tuple(array[first:last] for array in arrays) for first, last in compiled.split(count, parts)
    ]
    compiled.parallel_calls(kernel, calls)


def stock_flow(
    target: FloatArray,
    gross: FloatArray,
    hold_from: IndexArray,
    survival: FloatArray,
    additions_out: FloatArray,
    installed_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.fleet.stock_flow`."""
    if _NUMPY_PATH.get():
        additions_out[...], installed_out[...] = twins.stock_flow_numpy(
            target, gross, hold_from, survival
        )
        return
    _by_draw_blocks(
        _compiled("fleet").stock_flow, target, gross, hold_from, survival, additions_out,
        installed_out,
    )  # fmt: skip


def surviving_stock(additions: FloatArray, survival: FloatArray, out: FloatArray) -> None:
    """:func:`forecast.kernels.fleet.surviving_stock`."""
    if _NUMPY_PATH.get():
        out[...] = twins.surviving_stock_numpy(additions, survival)
        return
    _by_draw_blocks(_compiled("fleet").surviving_stock, additions, survival, out)


def place_in_capacity(
    vintage_mw: FloatArray,
    vintage_count: FloatArray,
    survival: FloatArray,
    capacity_mw: FloatArray,
    hosted_mw_out: FloatArray,
    hosted_count_out: FloatArray,
    waited_months_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.fleet.place_in_capacity`."""
    if _NUMPY_PATH.get():
        hosted_mw_out[...], hosted_count_out[...], waited_months_out[...] = (
            twins.place_in_capacity_numpy(vintage_mw, vintage_count, survival, capacity_mw)
        )
        return
    _by_draw_blocks(
        _compiled("fleet").place_in_capacity, vintage_mw, vintage_count, survival, capacity_mw,
        hosted_mw_out, hosted_count_out, waited_months_out,
    )  # fmt: skip


def site_capacity(
    capacity_mw: FloatArray,
    start_month: FloatArray,
    ramp_months: float,
    built: FlagArray,
    out: FloatArray,
) -> None:
    """:func:`forecast.kernels.capacity.site_capacity`."""
    if _NUMPY_PATH.get():
        out[...] = twins.site_capacity_numpy(
            capacity_mw, start_month, ramp_months, built, out.shape[1]
        )
        return
    _compiled("capacity").site_capacity(capacity_mw, start_month, ramp_months, built, out)


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
    """:func:`forecast.kernels.capacity.connect_sites`."""
    if _NUMPY_PATH.get():
        connected_out[...] = twins.connect_sites_numpy(
            request_mw, start_month, ramp_months, lead_months, phased, built, limit_mw
        )
        return
    _compiled("capacity").connect_sites(
        request_mw, start_month, ramp_months, lead_months, phased, built, limit_mw, connected_out
    )


def site_reductions(
    coef: FloatArray,
    months: SiteMonths,
    load_out: FloatArray,
    energy_out: FloatArray,
    peak_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.sites.site_reductions`."""
    if _NUMPY_PATH.get():
        load_out[...], energy_out[...], peak_out[...] = twins.site_reductions_numpy(
            coef, months, year_count=energy_out.shape[1]
        )
        return
    _compiled("sites").site_reductions(coef, months, load_out, energy_out, peak_out)


def add_load_coefficients(
    nameplate_mw: FloatArray,
    load_factor: FloatArray,
    inference: FloatArray,
    pue_a: FloatArray,
    pue_b: FloatArray,
    columns_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.power.add_load_coefficients`, the inputs [D, M] made writable
    and C-contiguous (a month window of the fleet grid is not; the copy costs a fraction of
    the NumPy products the kernel replaces) and broadcast, so that one specialisation serves
    every call: ``columns_out`` must be C-contiguous."""
    if _NUMPY_PATH.get():
        columns_out += twins.add_load_coefficients_numpy(
            nameplate_mw, load_factor, inference, pue_a, pue_b, rows=columns_out.shape[0]
        )
        return
    shape = columns_out.shape[1:]
    _compiled("power").add_load_coefficients(
        *(_plain(array, shape) for array in (nameplate_mw, load_factor, inference, pue_a, pue_b)),
        columns_out,
    )


def _plain(array: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """``array`` as a writable, C-contiguous float64 array of ``shape`` (broadcast), copied
    only where it is not one: numba compiles a kernel again for a read-only or strided
    array."""
    flags = array.flags
    if (
        array.shape == shape
        and array.dtype == np.float64
        and flags.c_contiguous
        and flags.writeable
    ):
        return array
    return np.array(np.broadcast_to(array, shape), dtype=np.float64, order="C")


def inference_profile(
    local_hour: IndexArray,
    is_workday: FlagArray,
    amplitude: float,
    peak_hour: float,
    weekend_factor: float,
    out: FloatArray,
) -> None:
    """:func:`forecast.kernels.profile.inference_profile`."""
    if _NUMPY_PATH.get():
        out[...] = twins.inference_profile_numpy(
            local_hour, is_workday, amplitude, peak_hour, weekend_factor
        )
        return
    _compiled("profile").inference_profile(
        local_hour, is_workday, amplitude, peak_hour, weekend_factor, out
    )


def ar1_recursion(by_day: FloatArray, autocorrelation: float) -> None:
    """:func:`forecast.kernels.noise.ar1_recursion`."""
    if _NUMPY_PATH.get():
        by_day[...] = twins.ar1_recursion_numpy(by_day, autocorrelation)
        return
    _compiled("noise").ar1_recursion(by_day, autocorrelation)


def quantiles_over_draws(values: FloatArray, probabilities: FloatArray, out: FloatArray) -> None:
    """:func:`forecast.kernels.quantiles.quantiles_over_draws`."""
    if _NUMPY_PATH.get():
        out[...] = twins.quantiles_over_draws_numpy(values, probabilities)
        return
    _compiled("quantiles").quantiles_over_draws(values, probabilities, out)


def segment_sums(
    day_sums: FloatArray,
    year_starts: IndexArray,
    years_out: FloatArray,
    period_starts: IndexArray,
    periods_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.sums.segment_sums` (twin: ``np.add.reduceat``)."""
    if _NUMPY_PATH.get():
        years_out[...] = np.add.reduceat(day_sums, year_starts, axis=1)
        if period_starts.size:
            periods_out[...] = np.add.reduceat(day_sums, period_starts, axis=1)
        return
    _compiled("sums").segment_sums(day_sums, year_starts, years_out, period_starts, periods_out)


def stream_chunk(
    inputs: StreamInputs,
    probabilities: FloatArray,
    quantile_rows: IndexArray,
    quantiles_out: FloatArray,
    day_sums_out: FloatArray,
    peaks_out: FloatArray,
) -> None:
    """:func:`forecast.kernels.stream.stream_chunk`."""
    if _NUMPY_PATH.get():
        quantiles_out[...], day_sums_out[...], peaks_out[...] = twins.stream_chunk_numpy(
            inputs, probabilities, quantile_rows, block_count=peaks_out.shape[0]
        )
        return
    _compiled("stream").stream_chunk(
        inputs, probabilities, quantile_rows, quantiles_out, day_sums_out, peaks_out
    )


def baseline_quantiles(
    inputs: StreamInputs, probabilities: FloatArray, quantiles_out: FloatArray
) -> None:
    """:func:`forecast.kernels.stream.baseline_days` over all of ``inputs``' days, on the
    calling thread (the engine runs it beside its other stages)."""
    if _NUMPY_PATH.get():
        quantiles_out[...] = twins.baseline_quantiles_numpy(inputs, probabilities)
        return
    _compiled("stream").baseline_days(inputs, probabilities, quantiles_out)


def stress_levels(
    inputs: StreamInputs, year_offset: int, threshold_mw: float, state: StressPass
) -> None:
    """:func:`forecast.kernels.stream.stress_levels`.

    The twin takes the whole period in one chunk (a projection on the NumPy path always fits
    in one) and closes every year itself: ``state.open_year`` stays -1.
    """
    if _NUMPY_PATH.get():
        if np.any(state.open_year >= 0):
            raise RuntimeError("the NumPy path finds stress levels over one chunk only")
        years = inputs.baseline_level_t.shape[0]
        chunk_years = slice(year_offset, year_offset + years)
        (
            state.levels[chunk_years],
            state.cutoffs[chunk_years],
            state.total_peak[chunk_years],
            state.ai_at_peak[chunk_years],
            state.called[:, chunk_years],
            state.called_ai[chunk_years],
            slots,
            energy_slots,
        ) = twins.stress_levels_numpy(
            inputs, state.heaps.shape[1], threshold_mw, period_hours=state.period_hours,
            slot_of_hour=state.slot_of_hour, counted=state.counted, flex_share=state.flex_share,
        )  # fmt: skip
        state.called_slots[chunk_years] += slots
        state.called_energy_slots[chunk_years] += energy_slots
        return
    _compiled("stream").stress_levels(inputs, year_offset, threshold_mw, state)


def close_open_years(state: StressPass, threshold_mw: float) -> None:
    """Write each draw's last stress year, which :func:`stress_levels` leaves open, as it closes
    the others (:func:`forecast.kernels.stream.close_open_years`); nothing on the NumPy path,
    whose twin closes every year itself."""
    if np.any(state.open_year >= 0):
        _compiled("stream").close_open_years(state, threshold_mw)


def hourly_rows(
    inputs: StreamInputs,
    first_day: int,
    last_day: int,
    rows: IndexArray,
    draws: IndexArray,
    out: FloatArray,
) -> None:
    """:func:`forecast.kernels.duration.hourly_rows`."""
    if _NUMPY_PATH.get():
        out[...] = twins.hourly_rows_numpy(inputs, first_day, last_day, rows, draws)
        return
    _compiled("duration").hourly_rows(inputs, first_day, last_day, rows, draws, out)


def region_loads_at(inputs: StreamInputs, hours: IndexArray, out: FloatArray) -> None:
    """:func:`forecast.kernels.at_peak.region_loads_at`."""
    if _NUMPY_PATH.get():
        np.copyto(out, twins.region_loads_at_numpy(inputs, hours), where=hours[None] >= 0)
        return
    _compiled("at_peak").region_loads_at(inputs, hours, out)


#: The kernels :func:`warm_up` compiles, in the order it compiles them.
WARMED_KERNELS = (
    "stock_flow",
    "surviving_stock",
    "place_in_capacity",
    "site_capacity",
    "inference_profile",
    "ar1_recursion",
    "quantiles_over_draws",
    "stream_chunk",
    "baseline_quantiles",
    "segment_sums",
    "hourly_rows",
    "region_loads_at",
    "stress_levels",
    "connect_sites",
    "site_reductions",
    "add_load_coefficients",
)


def warm_up(*, progress: Callable[[int, int, str], None] | None = None) -> tuple[str, ...]:
    """Compile every numba kernel for the production dtypes by calling it once on tiny inputs.

    The service calls this in its start-up (lifespan) hook so that no user request pays for
    compilation, and ``forecast warm-up`` after an install; with the on-disk cache a later
    start-up only loads the compiled code. A projection does not need it: each kernel
    compiles on its first call.

    Parameters
    ----------
    progress : callable, optional
        Called as ``progress(done, total, name)`` after each kernel (``name``) is compiled or
        loaded from the cache. [-]

    Returns
    -------
    tuple of str
        Names of the kernels compiled, in call order (:data:`WARMED_KERNELS`). [-]
    """
    jit = _compiled("_jit")
    names: list[str] = []
    with jit.compile_notice(jit.WARM_UP_NOTICE):
        for name in _call_every_kernel():
            names.append(name)
            if progress is not None:
                progress(len(names), len(WARMED_KERNELS), name)
    return tuple(names)


def _call_every_kernel() -> Iterator[str]:
    """Call every kernel once on tiny inputs of the production dtypes (:func:`warm_up`),
    yielding each one's name once it is compiled."""
    fleet, capacity, profile = _compiled("fleet"), _compiled("capacity"), _compiled("profile")
    noise, quantiles, stream = _compiled("noise"), _compiled("quantiles"), _compiled("stream")
    sums, duration, at_peak = _compiled("sums"), _compiled("duration"), _compiled("at_peak")
    draws, months, hours, regions, years = 2, 3, 4, 1, 1
    survival = np.ones((draws, months))
    additions, installed = np.empty((draws, months)), np.empty((draws, months))
    fleet.stock_flow(
        np.ones((draws, months)), np.zeros((draws, months)), np.full(draws, -1), survival,
        additions, installed,
    )  # fmt: skip
    yield "stock_flow"
    fleet.surviving_stock(additions, survival, installed)
    yield "surviving_stock"
    hosted_mw, hosted_count, waited = (np.empty((draws, months)) for _ in range(3))
    fleet.place_in_capacity(
        additions, additions, survival, np.ones((draws, months)), hosted_mw, hosted_count, waited
    )
    yield "place_in_capacity"
    capacity.site_capacity(
        np.ones(draws), np.zeros(draws), 1.0, np.ones(draws, dtype=np.uint8), hosted_mw
    )
    yield "site_capacity"

    hour_index = np.zeros(hours, dtype=np.int64)
    shape = np.empty(hours)
    profile.inference_profile(hour_index, np.ones(hours, dtype=np.uint8), 0.1, 14.0, 0.9, shape)
    yield "inference_profile"
    noise.ar1_recursion(np.ones((hours, draws)), 0.5)
    yield "ar1_recursion"
    quantiles.quantiles_over_draws(
        np.ones((draws, hours)), np.array([0.1, 0.9]), np.empty((2, hours))
    )
    yield "quantiles_over_draws"
    # Each of the four stream kernels: few draws and enough for windows, without and with
    # flexibility; the two without it also for a chunk without non-AI loads, which they are
    # compiled apart for (forecast.kernels.stream.non_ai_coefficients).
    for count in (draws, stream.WINDOWED_DRAWS):
        inputs = StreamInputs(
            coef_t=np.ones((months, regions, 4, count)),
            non_ai_t=np.ones((months, 4, count)),
            month_of_hour=np.zeros(hours, dtype=np.int64),
            inference_shape=shape,
            cooling_excess_c=np.ones((1, hours)),
            baseline_level_t=np.ones((years, count)),
            baseline_shape=np.ones((1, hours)),
            daily_noise_t=np.ones((1, count)),
            year_of_day=np.zeros(1, dtype=np.int64),
            day_starts=np.array([0, hours]),
            group_bounds=np.array([0, count]),
            flex_share=np.zeros(count),
            stress_level_t=np.full((years, count), np.inf),
            stress_hour_t=np.full((years, count), ANY_HOUR),
            first_hour=0,
            flex_shift=False,
            full_load_t=np.full((months, regions, 2, count), 2.0),
        )
        for share, has_non_ai in ((0.0, True), (0.0, False), (0.5, True)):
            stream.stream_chunk(
                inputs._replace(flex_share=np.full(count, share), has_non_ai=has_non_ai),
                np.array([0.1, 0.9]),
                np.arange(3), np.empty((3, 2, hours)), np.empty((7 + regions, 1, count)),
                np.empty((1, layout.PEAK_COUNT, years, count)),
            )  # fmt: skip
    yield "stream_chunk"
    count = inputs.flex_share.size
    stream.baseline_days(inputs, np.array([0.1, 0.9]), np.empty((1, 2, hours)))
    yield "baseline_quantiles"
    day_sums = np.ones((3, 2, count))
    sums.segment_sums(
        day_sums, np.array([0]), np.empty((3, 1, count)), np.array([0, 1]), np.empty((3, 2, count))
    )
    yield "segment_sums"
    duration.hourly_rows(inputs, 0, 1, np.arange(2), np.arange(count), np.empty((2, count, hours)))
    yield "hourly_rows"
    # The kernel without flexibility (with and without non-AI loads) and the one with it.
    for share, has_non_ai in ((0.0, True), (0.0, False), (0.5, True)):
        at_peak.region_loads_at(
            inputs._replace(flex_share=np.full(count, share), has_non_ai=has_non_ai),
            np.zeros((years, count), dtype=np.int64), np.empty((regions, years, count)),
        )  # fmt: skip
    yield "region_loads_at"
    state = stress_pass(
        count, years, 2, slot_of_hour=np.zeros(hours, dtype=np.int64),
        counted=np.ones(count, dtype=np.uint8),
    )  # fmt: skip
    stream.stress_levels(inputs, 0, 0.0, state)
    # The engine closes each draw's last year after the last chunk (close_open_years).
    stream.close_open_years(state, 0.0)
    yield "stress_levels"
    capacity.connect_sites(
        np.ones((1, draws)), np.zeros((1, draws)), np.ones(1), np.zeros(1), np.ones(1, np.uint8),
        np.ones((1, draws), np.uint8), np.ones((draws, months)), np.empty((1, draws, months)),
    )  # fmt: skip
    yield "connect_sites"
    coef = np.ones((4, draws, months))
    site_months = SiteMonths(
        hour_sums=np.ones((1, months, 4)), month_hours=np.ones(months),
        frontier_bounds=np.arange(months + 1).reshape(1, -1), frontier_basis=np.ones((months, 4)),
        weather_of_draw=np.zeros(draws, dtype=np.int64),
        year_of_month=np.zeros(months, dtype=np.int64),
    )  # fmt: skip
    _compiled("sites").site_reductions(
        coef, site_months, np.empty((draws, months)), np.empty((draws, 1)), np.empty((draws, 1))
    )
    yield "site_reductions"
    plane = np.ones((draws, months))
    _compiled("power").add_load_coefficients(
        plane, plane, plane, plane, plane, np.zeros((6, draws, months))
    )
    yield "add_load_coefficients"
