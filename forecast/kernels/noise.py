"""Noise kernel: the recursion of the baseline's AR(1) daily noise."""

from forecast.kernels._jit import jit
from forecast.kernels.layout import FloatArray


@jit
def ar1_recursion(by_day: FloatArray, autocorrelation: float) -> None:
    """Run ``z_t = φ z_{t−1} + ε_t`` down the days, in place, for every draw at once.

    Row ``t`` holds the scaled shocks ``ε_t`` of every draw on entry (row 0 the start values)
    and ``z_t`` on return: each row adds ``φ`` times the row before it, the operations of the
    NumPy loop it replaces in the same order, so the paths are equal bit for bit. The loop ran
    4,383 days of two NumPy calls each, 16 ms of the dashboard's 0.3 s request whatever the
    draws (2026-12-05).

    Parameters
    ----------
    by_day : float64[N, D]
        Shocks on entry, paths on return, one row of draws per day. [-]
    autocorrelation : float
        ``φ``, the day-to-day autocorrelation. [-]
    """
    for day in range(1, by_day.shape[0]):
        previous, row = by_day[day - 1], by_day[day]
        for draw in range(row.size):
            row[draw] += previous[draw] * autocorrelation
