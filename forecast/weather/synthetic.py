"""Synthetic weather years drawn from a location's shipped statistics (no real data needed).

Each year is the typical year plus an AR(1) daily-mean anomaly, with the diurnal swing scaled
by a daily range that responds to the anomaly (:func:`synthetic_temperature`). Seeded and
deterministic.
"""

from __future__ import annotations

import numpy as np

from forecast.weather.climatology import Climatology
from forecast.weather.clock import DAYS_IN_LEAP_YEAR, HOURS_IN_LEAP_YEAR, leap_calendar_month_of_day

# Bounds of the synthetic day's range relative to the month's mean range: keeps a drawn day
# from losing its diurnal cycle or swinging implausibly (observed ratios in Seoul: 0.13 .. 2.1).
SYNTHETIC_RANGE_RATIO_BOUNDS = (0.1, 2.5)


def synthetic_temperature(climatology: Climatology, *, n_years: int, seed: int) -> np.ndarray:
    """Draw synthetic hourly years from the climatology's statistics.

    For each year and leap-calendar day ``d`` (month ``m``):

    - daily-mean anomaly ``a_d = phi a_(d-1) + s_m sqrt(1 - phi^2) z_d``, started from
      ``N(0, s_1)``, so each month's anomaly has roughly its observed standard deviation;
    - daily range ``r_d = mean_m + slope_m a_d + resid_m z'_d`` and range ratio
      ``rho_d = r_d / mean_m`` clipped to ``SYNTHETIC_RANGE_RATIO_BOUNDS``;
    - ``T(d, h) = Tbar_d + a + rho (Ttyp(d, h) - Tbar_d)`` with ``Ttyp`` the typical year and
      ``Tbar_d`` its daily mean, where ``a`` and ``rho`` are interpolated linearly in time
      between day centres (11:30) so that midnight has no step.

    Parameters
    ----------
    climatology
        Shipped statistics, see :func:`load_climatology`.
    n_years
        Number of years W to draw. [-]
    seed
        Seed of the ``numpy.random.Generator``; the same seed gives the same years. [-]

    Returns
    -------
    numpy.ndarray
        float64[W, 8784] on the leap-year calendar. [°C]
    """
    generator = np.random.default_rng(seed)
    month_index = leap_calendar_month_of_day() - 1
    phi = climatology.daily_anomaly_ar1_coefficient
    anomaly_std = climatology.daily_anomaly_std_c_by_month[month_index]
    innovation_std = anomaly_std * np.sqrt(1.0 - phi**2)
    anomaly_noise = generator.standard_normal((n_years, DAYS_IN_LEAP_YEAR))
    range_noise = generator.standard_normal((n_years, DAYS_IN_LEAP_YEAR))

    anomaly = np.empty((n_years, DAYS_IN_LEAP_YEAR))
    anomaly[:, 0] = anomaly_std[0] * anomaly_noise[:, 0]
    for day in range(1, DAYS_IN_LEAP_YEAR):
        anomaly[:, day] = phi * anomaly[:, day - 1] + innovation_std[day] * anomaly_noise[:, day]

    range_mean = climatology.daily_range_mean_c_by_month[month_index]
    daily_range = (
        range_mean
        + climatology.daily_range_slope_per_anomaly_by_month[month_index] * anomaly
        + climatology.daily_range_residual_std_c_by_month[month_index] * range_noise
    )
    range_ratio = np.clip(daily_range / range_mean, *SYNTHETIC_RANGE_RATIO_BOUNDS)

    # Linear interpolation between day centres; hours before the first / after the last
    # centre keep that day's value.
    position = np.clip((np.arange(HOURS_IN_LEAP_YEAR) - 11.5) / 24.0, 0.0, DAYS_IN_LEAP_YEAR - 1.0)
    lower = np.minimum(position.astype(np.int64), DAYS_IN_LEAP_YEAR - 2)
    weight = position - lower

    def hourly(per_day: np.ndarray) -> np.ndarray:
        return (1.0 - weight) * per_day[:, lower] + weight * per_day[:, lower + 1]

    typical = climatology.typical_temperature_c
    typical_daily_mean = typical.mean(axis=1, keepdims=True)
    mean_hourly = np.repeat(typical_daily_mean.ravel(), 24)
    deviation_hourly = (typical - typical_daily_mean).ravel()
    return mean_hourly + hourly(anomaly) + hourly(range_ratio) * deviation_hourly
