"""A straightforward NumPy implementation of one streamed chunk, for the benchmark's ratio.

It computes what :func:`forecast.kernels.stream_chunk` computes from the same inputs (with
flexibility, whose shifts need whole days: a step is whole days), with
whole ``[rows, draws, hours]`` arrays over a few days at a time, ``np.quantile`` per hour,
``np.add.reduceat`` for the day sums and masked maxima for the peaks.
"""

from __future__ import annotations

import numpy as np

from forecast.kernels.twins import stream_chunk_numpy

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
            quantiles.append(q)
            day_sums.append(sums)
            block_peaks = (
                step_peaks[0] if block_peaks is None else _merge(block_peaks, step_peaks[0])
            )
        if block_peaks is None:
            block_peaks = np.full((7, inputs.baseline_level_t.shape[0], inputs.coef_t.shape[3]),
                                  -np.inf)  # fmt: skip
            block_peaks[5:] = 0.0
        peaks.append(block_peaks)
    return (np.concatenate(quantiles, axis=2), np.concatenate(day_sums, axis=1),
            np.stack(peaks))  # fmt: skip


def _merge(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Peaks [7, Y, D] of two consecutive spans; the earlier hour wins a tie of the total."""
    merged = np.maximum(earlier, later)
    rises = later[2] > earlier[2]
    merged[5] = np.where(rises, later[5], earlier[5])
    merged[6] = np.where(rises, later[6], earlier[6])
    return merged
