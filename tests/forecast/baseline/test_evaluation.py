"""The seasonal-naive reference of the backtest and ``forecast evaluate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.baseline.evaluation import seasonal_naive_forecasts


def _hourly(zone: str, start: str, end: str) -> pd.DatetimeIndex:
    """Every instant of whole local days start..end in ``zone``, hour-beginning."""
    first = pd.Timestamp(start).tz_localize(zone)
    last = (pd.Timestamp(end) + pd.Timedelta(days=1)).tz_localize(zone)
    return pd.date_range(first, last, freq="h", inclusive="left")


def test_the_naive_forecast_takes_nothing_from_the_year_it_forecasts():
    """A forecasting scientist found Dec 31 forecast from Jan 1 of the same year (364 days
    earlier; Dec 30 and 31 in a leap year): a year-ahead forecast that peeks. Each year's load
    is its year number, so any hour taken from the forecast year shows."""
    times = _hourly("Asia/Seoul", "2022-01-01", "2024-12-31")
    demand = pd.Series(times.year.to_numpy(dtype=np.float64), index=times)
    for forecast in seasonal_naive_forecasts(demand, years=[2023, 2024]):
        assert (forecast.point_mw < forecast.year).all(), forecast.year
    plain = seasonal_naive_forecasts(demand, years=[2023])[0]
    assert (plain.point_mw[-24:] == 2022.0).all()  # Dec 31, 2023: 104 weeks, Jan 1, 2022
    assert (plain.point_mw[:-24] == 2022.0).all()
    leap = seasonal_naive_forecasts(demand, years=[2024])[0]
    assert (leap.point_mw == 2023.0).all()  # Dec 30-31, 2024: 104 weeks, Jan 2-3, 2023


def test_the_naive_forecast_keeps_the_local_clock_hour_across_daylight_saving():
    """With the lag in absolute hours, Sydney's days between the two years' DST changes (they
    fall on different dates) took the load of the clock hour before or after. A load that is
    the local clock hour is forecast exactly in every hour of a decade's years, the 23- and
    25-hour days included."""
    times = _hourly("Australia/Sydney", "2010-01-01", "2020-12-31")
    demand = pd.Series(times.hour.to_numpy(dtype=np.float64), index=times)
    forecasts = seasonal_naive_forecasts(demand, years=list(range(2011, 2021)))
    assert [f.year for f in forecasts] == list(range(2011, 2021))
    for forecast in forecasts:
        in_year = times[times.year == forecast.year]
        expected = in_year.hour.to_numpy(dtype=np.float64)
        # The spring-forward hour exists in the target year on dates the source year skipped
        # it: it takes the hour before (01:00), as documented; every other hour is exact.
        skipped = np.flatnonzero(forecast.point_mw != expected)
        assert (expected[skipped] == 2.0).all() and (forecast.point_mw[skipped] == 1.0).all()
        assert skipped.size <= 14, forecast.year
        assert not np.isnan(forecast.point_mw).any()
