"""Is a demand file on the clock it is read on? Two cheap checks of its timestamps.

A demand file in naive UTC read as local time, or hour-ending read as hour-beginning, is
accepted by every reader (its rows are on the hour) and scored or trained on hours off: a
naive-UTC NSW file scored MAPE 16 % instead of 2.8 %, without a word. Two checks compare the
demand with an independent clock, each on the mean daily profile (24 numbers), so they cost
milliseconds:

* :func:`model_clock_lag` (``forecast evaluate``): the actual demand's mean daily profile
  against the model's point forecast's, on the model's local clock. A model's profile is
  fitted hour by hour, so a file read on its clock matches it best at lag 0; a file hours off
  matches it at that lag (1 h for an hour-ending file read as hour-beginning).
* :func:`weather_response_lag` (training): the extra demand of hot days over mild days, hour by
  hour, against the hot days' temperature cycle (the location's clock, independent of the
  demand file). Cooling load follows the temperature within a few hours; in the shipped data
  the best lag is +1 h (NSW) and −1 h (Korea), and a file 9 or 10 h off shows at 9 or 10 h.
  Lags within :data:`WEATHER_RESPONSE_LAG_H` pass: this check finds a file in another zone,
  not an hour-ending one (which only the model's clock shows).

Lags are in hours, positive where the file's demand comes *later* than the clock's (its
timestamps are that many hours early). Both return None where the profiles carry no signal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_HOURS = 24
#: Lags searched: a whole day, centred on 0. [h]
LAGS_H = np.arange(-11, 13)
#: Largest lag of the hot-day demand excess behind the temperature cycle that passes: a
#: building's cooling load follows the air temperature within a few hours, and the shipped
#: grids' lags are +1 h (NSW, 2010-2020) and -1 h (Korea, 2004-2024); a file in another zone
#: (naive UTC in Sydney or Seoul, 9-11 h) lies far outside. [h]
WEATHER_RESPONSE_LAG_H = 3
#: Hot days are the days of the warmest tenth of daily mean temperature, mild days those of
#: its middle fifth (the 40th-60th percentiles). [1]
HOT_DAYS_QUANTILE = 0.9
MILD_DAYS_QUANTILES = (0.4, 0.6)
#: Least correlation at the best lag for a weather-response lag to mean anything (a grid
#: without cooling load has no hot-day excess to align). [1]
MIN_RESPONSE_CORRELATION = 0.5


def best_lag(profile: np.ndarray, reference: np.ndarray) -> tuple[int, float] | None:
    """The circular lag of ``profile`` behind ``reference`` with the highest correlation.

    Parameters
    ----------
    profile, reference
        Mean daily profiles, one value per local hour 0..23. [any unit]

    Returns
    -------
    tuple or None
        (lag [h] in :data:`LAGS_H`, its Pearson correlation [1]); None when either profile is
        flat or incomplete.
    """
    if not (np.all(np.isfinite(profile)) and np.all(np.isfinite(reference))):
        return None
    if np.std(profile) == 0 or np.std(reference) == 0:
        return None
    correlations = np.array(
        [np.corrcoef(np.roll(profile, -lag), reference)[0, 1] for lag in LAGS_H]
    )
    best = int(np.argmax(correlations))
    return int(LAGS_H[best]), float(correlations[best])


def _hourly_mean(values: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Mean of the finite ``values`` at each local hour 0..23 (NaN for an hour without)."""
    finite = np.isfinite(values)
    sums = np.bincount(hours[finite], weights=values[finite], minlength=_HOURS)
    counts = np.bincount(hours[finite], minlength=_HOURS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def model_clock_lag(
    actual_mw: np.ndarray, point_mw: np.ndarray, local_times: pd.DatetimeIndex
) -> int | None:
    """The lag of the actual demand's mean daily profile behind the model's point forecast's.

    Parameters
    ----------
    actual_mw, point_mw
        Actual demand (NaN where masked) and the model's point forecast on ``local_times``.
        [MW]
    local_times
        The hours, tz-aware on the model's local clock.

    Returns
    -------
    int or None
        The lag [h]: 0 for a file on the model's clock. None without signal.
    """
    hours = np.asarray(pd.DatetimeIndex(local_times).hour)
    actual = np.asarray(actual_mw, dtype=np.float64)
    point = np.where(np.isfinite(actual), np.asarray(point_mw, dtype=np.float64), np.nan)
    found = best_lag(_hourly_mean(actual, hours), _hourly_mean(point, hours))
    return None if found is None else found[0]


def weather_response_lag(
    demand_mw: np.ndarray, temperature_c: np.ndarray, local_times: pd.DatetimeIndex
) -> int | None:
    """The lag of the hot-day demand excess behind the hot days' temperature cycle.

    Each day's log demand is taken relative to its own mean; the excess is the mean of that
    over hot days minus its mean over mild days, per local hour (:data:`HOT_DAYS_QUANTILE`,
    :data:`MILD_DAYS_QUANTILES`), and is compared with the hot days' mean temperature by hour.

    Parameters
    ----------
    demand_mw
        Demand (NaN where masked). [MW]
    temperature_c
        Temperature on the same hours. [°C]
    local_times
        The hours, tz-aware on the grid's local clock.

    Returns
    -------
    int or None
        The lag [h] (within ±:data:`WEATHER_RESPONSE_LAG_H` for a file on its clock); None
        where the best correlation is below :data:`MIN_RESPONSE_CORRELATION` (no cooling load
        to speak of) or a profile is incomplete.
    """
    times = pd.DatetimeIndex(local_times)
    hours = np.asarray(times.hour)
    day = pd.factorize(np.asarray(times.tz_localize(None).normalize()))[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        log_demand = np.log(np.asarray(demand_mw, dtype=np.float64))
    frame = pd.DataFrame({"day": day, "demand": log_demand, "temperature": temperature_c})
    by_day = frame.groupby("day")
    relative = (frame["demand"] - by_day["demand"].transform("mean")).to_numpy()
    daily_temperature = by_day["temperature"].transform("mean").to_numpy()
    hot = daily_temperature >= np.nanquantile(daily_temperature, HOT_DAYS_QUANTILE)
    low, high = np.nanquantile(daily_temperature, MILD_DAYS_QUANTILES)
    mild = (daily_temperature > low) & (daily_temperature < high)
    excess = _hourly_mean(np.where(hot, relative, np.nan), hours) - _hourly_mean(
        np.where(mild, relative, np.nan), hours
    )
    cycle = _hourly_mean(np.where(hot, np.asarray(temperature_c, dtype=np.float64), np.nan), hours)
    found = best_lag(excess, cycle)
    if found is None or found[1] < MIN_RESPONSE_CORRELATION:
        return None
    return found[0]


def misalignment_warning(lag_h: int, *, against: str, file: str, settings: str) -> str:
    """The one line that names a lag found, its likely cause and the settings that fix it."""
    return (
        f"warning: {file}: the demand's daily profile matches {against} best {lag_h:+d} h off "
        "(0 h for a file on its clock): are its timestamps in another zone (naive UTC, a fixed "
        f"offset) or hour-ending? every score assumes they are right; set {settings}"
    )
