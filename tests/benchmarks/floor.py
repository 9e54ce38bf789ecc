"""Lower bounds on the projection's time, measured on the fused kernel's own inputs.

Used by ``python -m tests.benchmarks.bench_projection --floor``. Each floor is a kernel that
does strictly less than any exact implementation of :func:`forecast.kernels.stream_chunk`
must do when it looks at every draw in every hour (contiguous, vectorised inner loops over
draws, threads over whole days, the values computed by the fused kernel's own
``_hour_values``):

* ``evaluate``: the hourly values (AI by region, AI, baseline, non-AI, data centre, total) of
  every draw and hour, and nothing else: no day sums, no peaks, no quantiles.
* ``evaluate_and_count``: the same, plus the least an exact quantile needs once the answer is
  known: one count of the draws below and at or below each of the 25 (row, probability)
  results, i.e. a window of zero width that never misses.

:func:`pruning_candidates` measures the other way out, not looking at every draw: with the
tightest possible per-draw bounds over a day (each draw's exact minimum and maximum over the
day's hours, after dividing by the hour's median), how many draws can still hold each
quantile at some hour of that day and must be evaluated hour by hour.
"""

from __future__ import annotations

import numba
import numpy as np

from forecast.kernels.stream import FIRST_REGION_ROW, TOTAL_ROW, _hour_values
from forecast.kernels.twins import stream_values


@numba.njit(cache=False, parallel=True)
def floor_chunk(inputs, quantile_rows, quantiles, count):
    """Evaluate every row of every draw and hour; with ``count``, also count each draw
    against each known quantile (2 comparisons). Returns a checksum so nothing is elided."""
    blocks = numba.get_num_threads()
    day_starts = inputs.day_starts
    day_count, draw_count = day_starts.size - 1, inputs.coef_t.shape[3]
    checksums = np.zeros(blocks)
    for block in numba.prange(blocks):
        rows = np.zeros((FIRST_REGION_ROW + inputs.coef_t.shape[1], draw_count))
        weather = np.empty((2, draw_count))
        checksum = 0.0
        for day in range(block * day_count // blocks, (block + 1) * day_count // blocks):
            for hour in range(day_starts[day], day_starts[day + 1]):
                # The fused kernel's own evaluation, so that the floor computes the same values.
                _hour_values(
                    inputs, hour, day, np.int64(0), draw_count, rows, weather, inputs.non_ai_t
                )
                if count:
                    for index in range(quantile_rows.size):
                        row = rows[quantile_rows[index]]
                        for quantile in range(quantiles.shape[1]):
                            edge = quantiles[index, quantile, hour]
                            below, up_to = 0, 0
                            for draw in range(draw_count):
                                below += 1 if row[draw] < edge else 0
                                up_to += 1 if row[draw] <= edge else 0
                            checksum += below + up_to
                else:
                    checksum += rows[TOTAL_ROW, draw_count - 1] + rows[FIRST_REGION_ROW, 0]
        checksums[block] = checksum
    return checksums.sum()


def one_day(inputs, day: int):
    """The kernel inputs of one day of a chunk."""
    h0, h1 = inputs.day_starts[day], inputs.day_starts[day + 1]
    return inputs._replace(
        month_of_hour=inputs.month_of_hour[h0:h1],
        inference_shape=inputs.inference_shape[h0:h1],
        cooling_excess_c=inputs.cooling_excess_c[:, h0:h1],
        baseline_shape=inputs.baseline_shape[:, h0:h1],
        daily_noise_t=inputs.daily_noise_t[day : day + 1],
        year_of_day=inputs.year_of_day[day : day + 1],
        day_starts=inputs.day_starts[day : day + 2] - h0,
    )


def pruning_candidates(inputs, probabilities, every_nth_day: int = 5) -> dict[str, list[float]]:
    """Mean fraction of draws that exact daily bounds leave undecided, per row and quantile,
    and last the fraction undecided for at least one of the quantiles.

    ``inputs`` is the fused kernel's :class:`StreamInputs`. For each sampled day, each draw's
    value divided by the hour's median is bounded by its own minimum and maximum over the day
    (the tightest bounds a day-level method can have); a draw is a candidate for the k-th
    order statistic unless its bounds lie wholly below the k-th smallest lower bound or
    wholly above the (k+1)-th smallest upper bound.
    """
    day_starts = inputs.day_starts
    names = ["ai", "baseline", "total", *[f"region {r}" for r in range(inputs.coef_t.shape[1])]]
    found: dict[str, list[list[float]]] = {name: [] for name in names}
    for day in range(0, day_starts.size - 1, every_nth_day):
        rows = stream_values(one_day(inputs, day))  # [rows, D, h]
        rows = np.concatenate([rows[:3], rows[FIRST_REGION_ROW:]])
        for name, values in zip(names, rows, strict=True):
            with np.errstate(invalid="ignore", divide="ignore"):  # a row of zeros: no bounds
                ratio = values / np.median(values, axis=0, keepdims=True)
            low, high = ratio.min(axis=1), ratio.max(axis=1)
            fractions, undecided = [], np.zeros(low.size, dtype=bool)
            for probability in probabilities:
                k = int(np.floor((values.shape[0] - 1) * probability))
                k_next = min(k + 1, high.size - 1)
                k_low, k_high = np.partition(low, k)[k], np.partition(high, k_next)[k_next]
                candidates = (high >= k_low) & (low <= k_high)
                fractions.append(float(candidates.mean()))
                undecided |= candidates
            found[name].append([*fractions, float(undecided.mean())])
    return {name: np.mean(values, axis=0).tolist() for name, values in found.items()}
