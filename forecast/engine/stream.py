"""Hourly stage: stream chunks of whole local days through the fused kernel.

For every chunk the fused kernel (:func:`forecast.kernels.stream_chunk`) evaluates every draw's
AI load by region, the baseline and the total, adds them to per-draw day sums, raises per-draw
annual peaks and selects the exact quantiles over draws. Memory grows with draws x chunk
length, never with draws x horizon. Per-period means (daily, monthly, annual) are quantiles of
the per-draw means, not means of hourly quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import _numba, kernels
from forecast.calendar import HourlyCalendar
from forecast.engine.baseline import BaselineSeries
from forecast.engine.options import ProgressCallback, ProjectionOptions
from forecast.kernels import stream

# Per-draw day sums (rows x days x draws) held per streamed chunk: ~32 MB of float64.
CHUNK_ELEMENTS = 4_000_000


@dataclass
class Stats:
    series: dict[str, np.ndarray]  # name -> [Q, P] or [R, Q, P]
    annual: dict[str, np.ndarray]  # name -> [D, Y] or [R, D, Y]
    period_times: pd.DatetimeIndex


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


def stream_hours(
    scenario,
    options: ProjectionOptions,
    calendar: HourlyCalendar,
    coef: np.ndarray,
    shape: np.ndarray,
    cooling_excess: np.ndarray,
    weather_of_draw: np.ndarray,
    baseline: BaselineSeries | None,
    progress: ProgressCallback | None,
) -> Stats:
    """Stream over chunks of whole days through the fused kernel; see
    :func:`forecast.kernels.stream_chunk`.

    ``coef`` holds the power coefficients [D, R, M, 4] of :mod:`forecast.engine.power`.

    Draws are sorted by weather year inside the stream (quantiles do not depend on the order)
    and per-draw results are put back in draw order at the end.
    """
    n_draws, n_regions, n_years = options.draws, len(scenario.regions), len(calendar.years)
    n_weather, n_rows = cooling_excess.shape[0], n_regions + stream.FIRST_REGION_ROW
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    have_baseline, regional = baseline is not None, n_regions > 1
    order = np.argsort(weather_of_draw, kind="stable")
    group_bounds = np.searchsorted(weather_of_draw[order], np.arange(n_weather + 1))
    periods = _Periods.build(calendar, options.resolution)
    names = ["ai_facility_mw", *(["baseline_mw", "total_mw"] if have_baseline else [])]
    rows = [stream.AI_ROW, *([stream.BASELINE_ROW, stream.TOTAL_ROW] if have_baseline else [])]
    region_rows = list(range(stream.FIRST_REGION_ROW, n_rows)) if regional else []
    hourly = periods.of_day is None
    quantile_rows = np.array(rows + region_rows if hourly else [], dtype=np.int64)

    n_periods = len(periods.times)
    series = {name: np.empty((len(probabilities), n_periods)) for name in names}
    if regional:
        series["ai_facility_mw_by_region"] = np.empty((n_regions, len(probabilities), n_periods))
    energy = np.zeros((n_rows, n_years, n_draws))  # sorted draws, transposed
    peaks = np.full((4, n_years, n_draws), -np.inf)
    peaks[stream.AI_AT_TOTAL_PEAK] = 0.0
    period_sums = None if hourly else np.zeros((n_rows, n_periods, n_draws))
    blocks = _numba.thread_count()
    max_days = max(CHUNK_ELEMENTS // (n_draws * n_rows), 1)

    done = 0
    for first_day, last_day in _day_chunks(calendar, max_days):
        h0, h1 = int(calendar.day_starts[first_day]), int(calendar.day_starts[last_day])
        m0, m1 = int(calendar.month_of_hour[h0]), int(calendar.month_of_hour[h1 - 1]) + 1
        y0, y1 = int(calendar.year_of_hour[h0]), int(calendar.year_of_hour[h1 - 1]) + 1
        day_starts = calendar.day_starts[first_day : last_day + 1] - h0
        year_of_day = calendar.year_of_hour[day_starts[:-1] + h0] - y0
        if have_baseline:
            level_t = np.ascontiguousarray(baseline.level[order, y0:y1].T)
            noise_t = np.ascontiguousarray(baseline.noise.T[first_day:last_day][:, order])
            baseline_shape = np.ascontiguousarray(baseline.shape[:, h0:h1])
        else:
            level_t = np.zeros((y1 - y0, n_draws))
            noise_t = np.ones((last_day - first_day, n_draws))
            baseline_shape = np.zeros((n_weather, h1 - h0))
        quantiles = np.empty((len(quantile_rows), len(probabilities), h1 - h0))
        day_sums = np.empty((n_rows, last_day - first_day, n_draws))
        block_peaks = np.empty((blocks, 4, y1 - y0, n_draws))
        kernels.stream_chunk(
            np.ascontiguousarray(coef[order, :, m0:m1, :].transpose(2, 1, 3, 0)),
            calendar.month_of_hour[h0:h1] - m0, np.ascontiguousarray(shape[h0:h1]),
            np.ascontiguousarray(cooling_excess[:, h0:h1]), level_t, baseline_shape, noise_t,
            year_of_day, day_starts, group_bounds, probabilities, quantile_rows, quantiles,
            day_sums, block_peaks,
        )  # fmt: skip
        year_change = np.r_[0, np.flatnonzero(np.diff(year_of_day)) + 1]
        energy[:, y0:y1] += np.add.reduceat(day_sums, year_change, axis=1)
        _merge_peaks(peaks[:, y0:y1], block_peaks)
        if hourly:
            for index, name in enumerate(names):
                series[name][:, h0:h1] = quantiles[index]
            for region in range(len(region_rows)):
                series["ai_facility_mw_by_region"][region][:, h0:h1] = quantiles[
                    len(names) + region
                ]
        else:
            of_day = periods.of_day[first_day:last_day]
            change = np.r_[0, np.flatnonzero(np.diff(of_day)) + 1]
            period_sums[:, of_day[change]] += np.add.reduceat(day_sums, change, axis=1)
        done += h1 - h0
        if progress is not None:
            progress(done, len(calendar.local))

    if not hourly:
        for row, name in zip(rows, names, strict=True):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(means, probabilities, series[name])
        for region, row in enumerate(region_rows):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(
                means, probabilities, series["ai_facility_mw_by_region"][region]
            )
    return Stats(series=series, annual=_annual(energy, peaks, order), period_times=periods.times)


def _day_chunks(calendar: HourlyCalendar, max_days: int):
    """Chunks of at most ``max_days`` whole local days, as ``(first_day, last_day)``."""
    n_days = len(calendar.day_starts) - 1
    for first in range(0, n_days, max_days):
        yield first, min(first + max_days, n_days)


def _merge_peaks(peaks: np.ndarray, block_peaks: np.ndarray) -> None:
    """Fold the kernel's per-block peaks [B, 4, Y, D] into ``peaks`` [4, Y, D], in hour order.

    A later block moves the total's peak (and the AI load recorded at it) only when strictly
    higher, so the first hour of a tie wins as in a serial scan.
    """
    for block in block_peaks:
        np.maximum(peaks[stream.AI_PEAK], block[stream.AI_PEAK], out=peaks[stream.AI_PEAK])
        np.maximum(peaks[stream.BASELINE_PEAK], block[stream.BASELINE_PEAK],
                   out=peaks[stream.BASELINE_PEAK])  # fmt: skip
        rises = block[stream.TOTAL_PEAK] > peaks[stream.TOTAL_PEAK]
        peaks[stream.TOTAL_PEAK][rises] = block[stream.TOTAL_PEAK][rises]
        peaks[stream.AI_AT_TOTAL_PEAK][rises] = block[stream.AI_AT_TOTAL_PEAK][rises]


def _annual(energy: np.ndarray, peaks: np.ndarray, order: np.ndarray) -> dict[str, np.ndarray]:
    """Per-draw annual statistics [D, Y] in draw order, from the stream's [.., Y, D sorted]."""
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(order.size)
    by_draw = lambda values: np.ascontiguousarray(values[..., unsorted].swapaxes(-1, -2))  # noqa: E731
    return {
        "ai_energy": by_draw(energy[stream.AI_ROW]),
        "baseline_energy": by_draw(energy[stream.BASELINE_ROW]),
        "total_energy": by_draw(energy[stream.TOTAL_ROW]),
        "region_energy": by_draw(energy[stream.FIRST_REGION_ROW :]),
        "ai_peak": by_draw(peaks[stream.AI_PEAK]),
        "baseline_peak": by_draw(peaks[stream.BASELINE_PEAK]),
        "total_peak": by_draw(peaks[stream.TOTAL_PEAK]),
        "ai_at_total_peak": by_draw(peaks[stream.AI_AT_TOTAL_PEAK]),
    }
