"""A straightforward NumPy implementation of one streamed chunk, for the benchmark's ratio.

It computes what :func:`forecast.kernels.stream_chunk` computes from the same inputs (with
flexibility, whose shifts need whole days: a step is whole days), with
whole ``[rows, draws, hours]`` arrays over a few days at a time, ``np.quantile`` per hour,
``np.add.reduceat`` for the day sums and masked maxima for the peaks. :class:`StressReference`
does the same for the first pass of a scenario with flexibility
(:func:`forecast.kernels.stress_levels`): each draw's N highest hours of each year by
``np.partition``.
"""

from __future__ import annotations

import numpy as np

from forecast.kernels.twins import stream_chunk_numpy, stream_values

#: Days evaluated together: ~4 x 24 h x 10,000 draws x 5 rows = 38 MB per array.
DAYS_PER_STEP = 4


def reference_chunk(inputs, probabilities, quantile_rows, *, block_count: int):
    """Return ``(quantiles, day_sums, peaks)`` of :func:`forecast.kernels.stream_chunk`.

    Parameters
    ----------
    inputs, probabilities, quantile_rows
        The kernel's first three arguments. [see the kernel]
    block_count : int
        Number of blocks of whole days of the kernel's ``peaks_out``. [-]

    Returns
    -------
    tuple of numpy.ndarray
        Quantiles [K, Q, H], day sums [S, N, D] and per-block peaks [B, 7, Y, D]. [MW, MWh, MW]
    """
    day_starts = inputs.day_starts
    day_count = day_starts.size - 1
    quantiles, day_sums, peaks = [], [], []
    for block in range(block_count):
        block_days = range(block * day_count // block_count,
                           (block + 1) * day_count // block_count)  # fmt: skip
        block_peaks = None
        for first in range(block_days.start, block_days.stop, DAYS_PER_STEP):
            last = min(first + DAYS_PER_STEP, block_days.stop)
            h0, h1 = day_starts[first], day_starts[last]
            step = inputs._replace(
                month_of_hour=inputs.month_of_hour[h0:h1],
                inference_shape=inputs.inference_shape[h0:h1],
                cooling_excess_c=inputs.cooling_excess_c[:, h0:h1],
                baseline_shape=inputs.baseline_shape[:, h0:h1],
                daily_noise_t=inputs.daily_noise_t[first:last],
                year_of_day=inputs.year_of_day[first:last],
                day_starts=day_starts[first : last + 1] - h0,
            )
            q, sums, step_peaks = stream_chunk_numpy(
                step, probabilities, quantile_rows, block_count=1
            )
            # The total's peak hour is the step's: the chunk's is h0 later.
            step_peaks[0, 6] = np.where(step_peaks[0, 6] >= 0, step_peaks[0, 6] + h0, -1.0)
            quantiles.append(q)
            day_sums.append(sums)
            block_peaks = (
                step_peaks[0] if block_peaks is None else _merge(block_peaks, step_peaks[0])
            )
        if block_peaks is None:
            block_peaks = np.full((7, inputs.baseline_level_t.shape[0], inputs.coef_t.shape[3]),
                                  -np.inf)  # fmt: skip
            block_peaks[5], block_peaks[6] = 0.0, -1.0
        peaks.append(block_peaks)
    return (np.concatenate(quantiles, axis=2), np.concatenate(day_sums, axis=1),
            np.stack(peaks))  # fmt: skip


def _merge(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Peaks [7, Y, D] of two consecutive spans; the earlier hour wins a tie of the total."""
    merged = np.maximum(earlier, later)
    rises = later[2] > earlier[2]
    for statistic in (5, 6):  # the AI load at the total's peak and its hour
        merged[statistic] = np.where(rises, later[statistic], earlier[statistic])
    return merged


class StressReference:
    """NumPy reference of the stress-level pass, fed the same chunks as the kernel.

    Keeps each draw's ``N`` highest total hours of every year seen so far (``np.partition`` of
    the kept hours and a step's new ones), and the total's annual peak with the AI load at it.
    :meth:`levels` gives what the kernel and the engine's closing of the last year give.
    """

    def __init__(self, hours_per_year: int, threshold_mw: float, year_count: int, draws: int):
        self.hours_per_year, self.threshold_mw = hours_per_year, threshold_mw
        self.top = [np.empty((draws, 0)) for _ in range(year_count)]
        self.peak = np.full((year_count, draws), -np.inf)
        self.ai_at_peak = np.zeros((year_count, draws))

    def add(self, inputs, year_offset: int) -> None:
        """One chunk of whole days (the kernel's ``inputs`` and ``year_offset``)."""
        inputs = inputs._replace(flex_share=np.zeros_like(inputs.flex_share))
        day_starts = inputs.day_starts
        for first in range(0, day_starts.size - 1, DAYS_PER_STEP):
            last = min(first + DAYS_PER_STEP, day_starts.size - 1)
            h0, h1 = day_starts[first], day_starts[last]
            step = inputs._replace(
                month_of_hour=inputs.month_of_hour[h0:h1],
                inference_shape=inputs.inference_shape[h0:h1],
                cooling_excess_c=inputs.cooling_excess_c[:, h0:h1],
                baseline_shape=inputs.baseline_shape[:, h0:h1],
                daily_noise_t=inputs.daily_noise_t[first:last],
                year_of_day=inputs.year_of_day[first:last],
                day_starts=day_starts[first : last + 1] - h0,
            )
            rows = stream_values(step)
            ai, total = rows[0], rows[2]
            year_of_hour = np.repeat(step.year_of_day, np.diff(step.day_starts))
            for year in np.unique(year_of_hour):
                hours = year_of_hour == year
                index = year_offset + int(year)
                kept = np.concatenate([self.top[index], total[:, hours]], axis=1)
                if kept.shape[1] > self.hours_per_year:
                    kept = np.partition(kept, -self.hours_per_year, axis=1)
                    kept = kept[:, -self.hours_per_year :]
                self.top[index] = kept
                at = np.argmax(total[:, hours], axis=1)
                highest = total[:, hours][np.arange(at.size), at]
                rises = highest > self.peak[index]
                self.peak[index] = np.where(rises, highest, self.peak[index])
                self.ai_at_peak[index] = np.where(
                    rises, ai[:, hours][np.arange(at.size), at], self.ai_at_peak[index]
                )

    def levels(self) -> np.ndarray:
        """Stress level per year and draw [Y, D]: the N-th highest hour or the threshold. [MW]"""
        levels = np.full(self.peak.shape, np.inf)
        for year, kept in enumerate(self.top):
            if kept.shape[1] == 0:
                continue
            nth = kept.min(axis=1) if kept.shape[1] == self.hours_per_year else -np.inf
            levels[year] = np.maximum(nth, self.threshold_mw)
        return levels
