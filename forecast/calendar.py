"""The hourly time grid of a projection: local hours, days, months and years, and their indices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.scenario import month_number


@dataclass
class Calendar:
    """The hourly time grid of a projection and its indices."""

    local: pd.DatetimeIndex
    month_of_hour: np.ndarray  # int64[H] index into the horizon months
    year_of_hour: np.ndarray  # int64[H] index into years
    day_of_hour: np.ndarray  # int64[H] index into local days
    day_starts: np.ndarray  # int64[n_days + 1] first hour of each local day, then H
    years: np.ndarray  # int64[Y]
    first_month: int  # month number of the first horizon month
    n_months: int
    hours_per_year: np.ndarray  # float64[Y]

    @classmethod
    def build(cls, start: dt.date, end: dt.date, timezone: str) -> Calendar:
        local = pd.date_range(
            pd.Timestamp(start).tz_localize(timezone),
            pd.Timestamp(end + dt.timedelta(days=1)).tz_localize(timezone),
            freq="h",
            inclusive="left",
        )
        month_numbers = local.year * 12 + local.month - 1
        first_month = month_number(start)
        years = np.arange(start.year, end.year + 1, dtype=np.int64)
        dates = local.normalize()
        day_change = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]])
        day_of_hour = np.cumsum(np.r_[0, (dates[1:] != dates[:-1]).astype(np.int64)])
        year_of_hour = np.asarray(local.year - start.year, dtype=np.int64)
        return cls(
            local=local,
            month_of_hour=np.asarray(month_numbers - first_month, dtype=np.int64),
            year_of_hour=year_of_hour,
            day_of_hour=np.asarray(day_of_hour, dtype=np.int64),
            day_starts=np.r_[day_change, len(local)].astype(np.int64),
            years=years,
            first_month=first_month,
            n_months=month_number(end) - first_month + 1,
            hours_per_year=np.bincount(year_of_hour, minlength=len(years)).astype(float),
        )

    @property
    def months(self) -> np.ndarray:
        """Month numbers of the projection's months. int64[M]"""
        return np.arange(self.first_month, self.first_month + self.n_months, dtype=np.int64)
