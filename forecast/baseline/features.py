"""The one feature function of the baseline shape model, shared by training and prediction.

Training (``models/fit.py``) and inference (:mod:`forecast.baseline`) both call
:func:`design_matrix`, so the two can never compute features differently (no train/serve
skew). The features are columns of a linear model of log hourly demand:

* **day type × hour of day**: Monday, Tuesday–Thursday, Friday, Saturday, Sunday, a single
  public holiday, a day inside a multi-holiday block (Lunar New Year, Chuseok: a run of days
  off containing at least two public holidays), a bridge day (a workday between two days
  off) and the first workday after a holiday block; holidays come from the ``holidays``
  package for the configured country; optionally a type for a workday on a configured
  calendar date that many but not all employers give off (``partial_days_off``) and one for
  a holiday observed on another date than its own (``observed_holiday_type``: a substitute
  day, kept by fewer employers in some countries, by all in others) and one for the last
  workday before a holiday block (``block_eve_type``: many leave early to travel);
* **season × hour**: Fourier harmonics of the day of year interacted with the hour;
* **vacation × hour** (optional): workdays inside configured vacation windows
  (``vacation_windows``), when much of industry closes for a week or two;
* **temperature × hour**: heating and cooling degrees of the hour's temperature and of the
  day's mean temperature (workdays and days off apart), and of an exponentially smoothed
  daily mean that carries the thermal inertia of buildings; optionally the day's temperature
  range, alone and times the trend (``daily_range_terms``): a clear day has a wide range and
  more sunshine, so more behind-the-meter solar output, which lowers midday market demand
  more each year as capacity grows;
* **trend × hour**: years since the trend origin interacted with the hour (workdays and days
  off apart), which lets the daily shape drift, e.g. behind-the-meter solar lowering midday
  market demand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from forecast.calendar import holiday_dates
from forecast.errors import DataError

DAY_TYPES = (
    "monday",
    "midweek",
    "friday",
    "saturday",
    "sunday",
    "holiday",
    "holiday_block",
    "bridge",
    "after_block",
)
PARTIAL_DAY_OFF = "partial_off"
OBSERVED_HOLIDAY = "observed"
BLOCK_EVE = "block_eve"
_OFF_DAY_TYPES = frozenset({"saturday", "sunday", "holiday", "holiday_block", OBSERVED_HOLIDAY})
_HOURS = 24


@dataclass(frozen=True)
class FeatureSpec:
    """Settings of the feature set (stored in the artifact, read back for prediction).

    Parameters
    ----------
    country
        ISO 3166 code for ``holidays.country_holidays`` (e.g. ``"KR"``).
    subdivision
        Optional holiday subdivision (state, province) or ``None``.
    heating_base_c
        Temperature below which heating load grows. [°C]
    cooling_base_c
        Temperature above which cooling load grows. [°C]
    high_cooling_base_c
        Second cooling hinge: above it cooling load grows faster. [°C]
    season_harmonics
        Number of annual Fourier harmonics interacted with the hour. [1]
    smoothing_days
        Time constant of the exponentially smoothed daily mean temperature. [d]
    trend_origin_year
        Year at which the shape trend term is zero. [year]
    partial_days_off
        Calendar dates ``"MM-DD"`` that are no public holiday but a day off for much of the
        workforce (South Korea: 05-01 Workers' Day, a paid day off for employees under the
        Labour Standards Act but not for public offices; 12-31, year-end closures). A workday
        on such a date gets its own day type ``"partial_off"``. Empty (the default): nine day
        types, as in artifacts written before this setting existed.
    observed_holiday_type
        Holidays observed on another date than their own (the ``holidays`` package's
        ``observed`` days: substitute holidays in South Korea, "(observed)" days in Australia)
        get their own day type ``"observed"`` and do not count towards a holiday block. In
        South Korea many private employers work on a substitute holiday, and a Sunday holiday
        with its Monday substitute is no Chuseok-like block. ``False`` (the default): they are
        ordinary holidays, as in artifacts written before this setting existed.
    block_eve_type
        The last workday before a holiday block (the eve of Seollal's or Chuseok's days off,
        Maundy Thursday, Christmas Eve on a weekday) gets its own day type ``"block_eve"``:
        many leave work early to travel. A bridge day stays a bridge day. ``False`` (the
        default): an ordinary workday, as in artifacts written before this setting existed.
    daily_range_terms
        Add the day's temperature range (max − min of the hourly temperature) × hour and the
        range × trend × hour: a proxy of sunshine, hence of behind-the-meter solar output and
        its growth. [°C] ``False`` (the default): as in artifacts written before it existed.
    vacation_windows
        Date ranges ``"MM-DD..MM-DD"`` (may wrap the year end) of a collective vacation season
        (e.g. a summer industrial holiday fortnight): workdays inside get an hourly profile
        term of their own. Empty (the default): no such term.
    """

    country: str
    subdivision: str | None = None
    heating_base_c: float = 16.0
    cooling_base_c: float = 20.0
    high_cooling_base_c: float = 26.0
    season_harmonics: int = 3
    smoothing_days: float = 3.0
    trend_origin_year: int = 2020
    partial_days_off: tuple[str, ...] = ()
    observed_holiday_type: bool = False
    daily_range_terms: bool = False
    block_eve_type: bool = False
    vacation_windows: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # JSON and TOML give lists; a tuple keeps the spec hashable and comparable.
        object.__setattr__(self, "partial_days_off", tuple(self.partial_days_off))
        object.__setattr__(self, "vacation_windows", tuple(self.vacation_windows))
        for date in self.partial_days_off:
            _month_day(date, field="partial_days_off", allowed="calendar dates 'MM-DD'")
        for window in self.vacation_windows:
            _vacation_window(window)
        for name in ("observed_holiday_type", "daily_range_terms", "block_eve_type"):
            if not isinstance(getattr(self, name), bool):
                raise DataError(f"{name}={getattr(self, name)!r}; allowed: true or false")

    def day_type_names(self) -> tuple[str, ...]:
        """Day types of this feature set, in column order."""
        return _day_type_names(
            bool(self.partial_days_off), self.observed_holiday_type, self.block_eve_type
        )

    def to_dict(self) -> dict:
        """JSON-ready settings; ``block_eve_type`` only when on, so that an artifact trained
        without it loads in library code written before the setting existed."""
        settings = asdict(self)
        if not self.block_eve_type:
            del settings["block_eve_type"]
        return settings


def _day_type_names(partial: bool, observed: bool, eve: bool) -> tuple[str, ...]:
    """The day types in column order: :data:`DAY_TYPES`, then the optional ones in use."""
    return (
        DAY_TYPES
        + ((PARTIAL_DAY_OFF,) if partial else ())
        + ((OBSERVED_HOLIDAY,) if observed else ())
        + ((BLOCK_EVE,) if eve else ())
    )


def _month_day(text, *, field: str, allowed: str) -> int:
    """``"MM-DD"`` as the number ``100 × month + day``, or a DataError naming the field."""
    try:
        date = dt.datetime.strptime(f"2000-{text}", "%Y-%m-%d")
    except (TypeError, ValueError):
        raise DataError(f"{field} entry {text!r}; allowed: {allowed}") from None
    return 100 * date.month + date.day


def _vacation_window(text) -> tuple[int, int]:
    """``"MM-DD..MM-DD"`` as (first, last) ``100 × month + day``."""
    allowed = "date ranges 'MM-DD..MM-DD' (the first may be after the last: wraps the year end)"
    parts = text.split("..") if isinstance(text, str) else []
    if len(parts) != 2:
        raise DataError(f"vacation_windows entry {text!r}; allowed: {allowed}")
    first, last = (_month_day(part, field="vacation_windows", allowed=allowed) for part in parts)
    return first, last


def _holiday_dates(
    country: str, subdivision: str | None, first_year: int, last_year: int, observed: bool = True
):
    dates = holiday_dates(
        country, first_year, last_year, subdivision=subdivision, observed=observed
    )
    if dates is None:
        raise DataError(
            f"holiday country {country!r} (subdivision {subdivision!r}) is not known to the "
            "holidays package; use an ISO 3166 code it supports"
        )
    return dates


def day_types(
    dates: np.ndarray,
    *,
    country: str,
    subdivision: str | None = None,
    partial_days_off: tuple[str, ...] = (),
    observed_holiday_type: bool = False,
    block_eve_type: bool = False,
) -> np.ndarray:
    """Day type index (into :meth:`FeatureSpec.day_type_names`) of each date.

    Parameters
    ----------
    dates
        Local calendar dates, ``datetime64[D]``.
    country, subdivision
        Holiday calendar of the ``holidays`` package.
    partial_days_off
        ``"MM-DD"`` dates whose workdays get the type ``"partial_off"``.
    observed_holiday_type
        Holidays observed on another date than their own get the type ``"observed"`` unless
        inside a holiday block, and only holidays on their own date count towards a block.
    block_eve_type
        The workday before a holiday block gets the type ``"block_eve"``, unless a bridge day
        or a partial day off (those types win).

    The optional types' indices follow :meth:`FeatureSpec.day_type_names`'s order.

    Returns
    -------
    numpy.ndarray
        int64 day type index per date.
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    # A margin of 10 days on each side so that blocks and bridges at the edges are classified
    # as they are in a longer series.
    span = np.arange(dates.min() - 10, dates.max() + 11)
    years = span.astype("datetime64[Y]").astype(int) + 1970
    public = _holiday_dates(country, subdivision, int(years.min()), int(years.max()))
    is_holiday = np.fromiter((day in public for day in span), dtype=bool, count=len(span))
    counted = is_holiday
    if observed_holiday_type:
        own_date = _holiday_dates(
            country, subdivision, int(years.min()), int(years.max()), observed=False
        )
        # A holiday moved away from its own date (e.g. to a Monday) is off on the moved date only.
        counted = is_holiday & np.fromiter(
            (day in own_date for day in span), dtype=bool, count=len(span)
        )
    weekday = (span.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    off = is_holiday | (weekday >= 5)
    # Runs of consecutive days off, and how many public holidays each contains.
    run_id = np.cumsum(np.r_[True, off[1:] != off[:-1]])
    holidays_in_run = np.bincount(run_id, weights=counted.astype(float))
    in_block = off & (holidays_in_run[run_id] >= 2)
    names = _day_type_names(bool(partial_days_off), observed_holiday_type, block_eve_type)
    types = np.empty(len(span), dtype=np.int64)
    types[:] = DAY_TYPES.index("midweek")
    types[weekday == 0] = DAY_TYPES.index("monday")
    types[weekday == 4] = DAY_TYPES.index("friday")
    previous_off = np.r_[False, off[:-1]]
    next_off = np.r_[off[1:], False]
    previous_block = np.r_[False, in_block[:-1]]
    types[~off & previous_block] = DAY_TYPES.index("after_block")
    if block_eve_type:
        types[~off & np.r_[in_block[1:], False]] = names.index(BLOCK_EVE)
    types[~off & previous_off & next_off] = DAY_TYPES.index("bridge")
    if partial_days_off:
        month_day = np.array([text[5:] for text in np.datetime_as_string(span, unit="D")])
        types[np.isin(month_day, list(partial_days_off)) & ~off] = names.index(PARTIAL_DAY_OFF)
    types[weekday == 5] = DAY_TYPES.index("saturday")
    types[weekday == 6] = DAY_TYPES.index("sunday")
    types[is_holiday] = DAY_TYPES.index("holiday")
    if observed_holiday_type:
        types[is_holiday & ~counted] = names.index(OBSERVED_HOLIDAY)
    types[in_block] = DAY_TYPES.index("holiday_block")
    return types[(dates - span[0]).astype(np.int64)]


#: The degree-day factors, in column order (see :func:`_temperature_factors`).
TEMPERATURE_TERMS: tuple[str, ...] = (
    "hdd_hour",
    "cdd_hour",
    "cdd_high_hour",
    *(
        f"{term}_{group}"
        for term in ("hdd_day", "cdd_day", "hdd_smooth", "cdd_smooth")
        for group in ("work", "off")
    ),
)
#: The daily temperature range factors, after the degree days when ``daily_range_terms``.
RANGE_TERMS: tuple[str, ...] = ("range_day", "range_day_trend")


def temperature_terms(spec: FeatureSpec) -> tuple[str, ...]:
    """Names of the temperature-dependent factors of ``spec``, in column order."""
    return TEMPERATURE_TERMS + (RANGE_TERMS if spec.daily_range_terms else ())


def factor_names(spec: FeatureSpec) -> list[str]:
    """Names of the factors of :func:`hour_interaction_factors`, in column order."""
    names = [f"day_{day_type}" for day_type in spec.day_type_names()]
    for harmonic in range(1, spec.season_harmonics + 1):
        names += [f"season_sin{harmonic}", f"season_cos{harmonic}"]
    if spec.vacation_windows:
        names.append("vacation_work")
    names += list(temperature_terms(spec))
    names += ["trend_work", "trend_off"]
    return names


def feature_names(spec: FeatureSpec) -> list[str]:
    """Names of the columns of :func:`design_matrix`, in order (factor-major, then hour)."""
    hours = [f"h{hour:02d}" for hour in range(_HOURS)]
    return [f"{factor}:{hour}" for factor in factor_names(spec) for hour in hours]


@dataclass(frozen=True)
class CalendarFeatures:
    """The weather-independent part of the design, computed once per period."""

    hour: np.ndarray  # int64[H], local hour of day
    day_of_period: np.ndarray  # int64[H], index of the local day within the period
    day_type: np.ndarray  # int64[H]
    is_off: np.ndarray  # bool[H]
    year_fraction: np.ndarray  # float64[H], decimal year
    day_of_year_angle: np.ndarray  # float64[H], 2π × (day of year) / 365.25 [rad]
    in_vacation: np.ndarray  # bool[H], inside one of the spec's vacation windows


def calendar_features(local_times: pd.DatetimeIndex, *, spec: FeatureSpec) -> CalendarFeatures:
    """Calendar part of the features of ``local_times`` (tz-aware, local clock)."""
    if local_times.tz is None:
        raise DataError("local_times must be timezone-aware (the grid's local time zone)")
    dates = local_times.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
    unique_dates, day_of_period = np.unique(dates, return_inverse=True)
    types = day_types(
        unique_dates,
        country=spec.country,
        subdivision=spec.subdivision,
        partial_days_off=spec.partial_days_off,
        observed_holiday_type=spec.observed_holiday_type,
        block_eve_type=spec.block_eve_type,
    )
    day_type = types[day_of_period]
    off_types = [k for k, name in enumerate(spec.day_type_names()) if name in _OFF_DAY_TYPES]
    is_off = np.isin(day_type, off_types)
    month_day = 100 * local_times.month.to_numpy() + local_times.day.to_numpy()
    in_vacation = np.zeros(len(local_times), dtype=bool)
    for first, last in map(_vacation_window, spec.vacation_windows):
        inside = (month_day >= first) & (month_day <= last)
        in_vacation |= inside if first <= last else (month_day >= first) | (month_day <= last)
    day_of_year = local_times.day_of_year.to_numpy() - 1 + local_times.hour.to_numpy() / 24.0
    year = local_times.year.to_numpy()
    days_in_year = np.where(local_times.is_leap_year, 366.0, 365.0)
    return CalendarFeatures(
        hour=local_times.hour.to_numpy().astype(np.int64),
        day_of_period=day_of_period.astype(np.int64),
        day_type=day_type,
        is_off=is_off,
        year_fraction=year + day_of_year / days_in_year,
        day_of_year_angle=2.0 * np.pi * day_of_year / 365.25,
        in_vacation=in_vacation,
    )


def _daily_range(temperature_c: np.ndarray, day_of_period: np.ndarray) -> np.ndarray:
    """Each local day's highest minus lowest hourly temperature, broadcast to hours. [°C]"""
    n_days = int(day_of_period.max()) + 1
    highest = np.full(n_days, -np.inf)
    lowest = np.full(n_days, np.inf)
    np.maximum.at(highest, day_of_period, temperature_c)
    np.minimum.at(lowest, day_of_period, temperature_c)
    return (highest - lowest)[day_of_period]


def _daily_temperatures(
    temperature_c: np.ndarray, day_of_period: np.ndarray, smoothing_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Daily mean and exponentially smoothed daily mean, broadcast to hours. [°C]"""
    n_days = int(day_of_period.max()) + 1
    daily_mean = np.bincount(day_of_period, weights=temperature_c, minlength=n_days) / np.bincount(
        day_of_period, minlength=n_days
    )
    weight = 1.0 - np.exp(-1.0 / smoothing_days)
    smoothed = np.empty(n_days)
    smoothed[0] = daily_mean[0]
    for day in range(1, n_days):
        smoothed[day] = smoothed[day - 1] + weight * (daily_mean[day] - smoothed[day - 1])
    return daily_mean[day_of_period], smoothed[day_of_period]


def _check_temperature(local_times: pd.DatetimeIndex, temperature_c: np.ndarray) -> None:
    """One finite temperature per hour, or a DataError naming the first missing hour."""
    if temperature_c.shape != (len(local_times),):
        raise DataError(
            f"temperature_c has shape {temperature_c.shape}; expected ({len(local_times)},), "
            "one value per hour"
        )
    if not np.isfinite(temperature_c).all():
        first = local_times[int(np.flatnonzero(~np.isfinite(temperature_c))[0])]
        raise DataError(f"temperature_c is missing at {first.isoformat()}; fill gaps first")


def hour_interaction_factors(
    local_times: pd.DatetimeIndex,
    temperature_c: np.ndarray,
    *,
    spec: FeatureSpec,
    calendar: CalendarFeatures | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The per-hour scalar factors that :func:`design_matrix` interacts with the hour of day.

    Every column of the design matrix is one of these factors times a one-hot hour-of-day
    indicator, so ``design_matrix = factors[:, :, None] * one_hot(hour)[:, None, :]``, flattened
    factor-major. Prediction uses the factors directly (``O(H x B)`` instead of the
    ``O(H x 24 B)`` dense matrix).

    Returns
    -------
    tuple of numpy.ndarray
        float64[H, B] factors and int64[H] local hour of day.

    Raises
    ------
    DataError
        When the temperature has the wrong length or contains NaN.
    """
    temperature_c = np.asarray(temperature_c, dtype=np.float64)
    _check_temperature(local_times, temperature_c)
    calendar = calendar or calendar_features(local_times, spec=spec)
    leading, trailing = _calendar_factors(calendar, spec)
    factors = [*leading, *_temperature_factors(temperature_c, calendar, spec), *trailing]
    return _stack(factors), np.asarray(calendar.hour, dtype=np.int64)


def _stack(factors: list[np.ndarray]) -> np.ndarray:
    """The factors as the columns of one float64[H, B] array."""
    stacked = np.empty((len(factors[0]), len(factors)))
    for column, factor in enumerate(factors):
        stacked[:, column] = factor
    return stacked


def _calendar_factors(
    calendar: CalendarFeatures, spec: FeatureSpec
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The factors that depend on the calendar alone: those before the temperature columns
    (day types, seasonal harmonics, vacation workdays) and those after them (trend on working
    and off days)."""
    leading = [
        (calendar.day_type == k).astype(np.float64) for k in range(len(spec.day_type_names()))
    ]
    for harmonic in range(1, spec.season_harmonics + 1):
        angle = harmonic * calendar.day_of_year_angle
        leading += [np.sin(angle), np.cos(angle)]
    work = (~calendar.is_off).astype(np.float64)
    if spec.vacation_windows:
        leading.append(work * calendar.in_vacation)
    trend = calendar.year_fraction - spec.trend_origin_year
    off = calendar.is_off.astype(np.float64)
    return leading, [trend * work, trend * off]


def _temperature_factors(
    temperature_c: np.ndarray, calendar: CalendarFeatures, spec: FeatureSpec
) -> list[np.ndarray]:
    """The factors that depend on the temperature, in column order (see temperature_columns)."""
    daily_mean, smoothed = _daily_temperatures(
        temperature_c, calendar.day_of_period, spec.smoothing_days
    )
    work = (~calendar.is_off).astype(np.float64)
    off = calendar.is_off.astype(np.float64)
    factors = [
        np.maximum(spec.heating_base_c - temperature_c, 0.0),
        np.maximum(temperature_c - spec.cooling_base_c, 0.0),
        np.maximum(temperature_c - spec.high_cooling_base_c, 0.0),
    ]
    for series in (daily_mean, smoothed):
        heating = np.maximum(spec.heating_base_c - series, 0.0)
        cooling = np.maximum(series - spec.cooling_base_c, 0.0)
        # In the order of TEMPERATURE_TERMS: hdd_day_work, hdd_day_off, cdd_day_work, ...
        factors += [heating * work, heating * off, cooling * work, cooling * off]
    if spec.daily_range_terms:
        daily_range = _daily_range(temperature_c, calendar.day_of_period)
        trend = calendar.year_fraction - spec.trend_origin_year
        factors += [daily_range, daily_range * trend]
    return factors


def temperature_columns(spec: FeatureSpec) -> slice:
    """The columns of :func:`hour_interaction_factors` that depend on the temperature.

    The others (day types, seasonal harmonics, vacation workdays, trend) depend on the
    calendar alone.
    """
    first = len(spec.day_type_names()) + 2 * spec.season_harmonics + bool(spec.vacation_windows)
    return slice(first, first + len(temperature_terms(spec)))


def predict_ensemble(
    local_times: pd.DatetimeIndex,
    temperature_c: np.ndarray,
    coefficients: np.ndarray,
    *,
    spec: FeatureSpec,
) -> np.ndarray:
    """``design_matrix @ coefficients`` for each weather trace of ``temperature_c`` [W, H].

    The calendar columns are predicted once and only the temperature columns per trace (the
    same sum as :func:`predict_linear` per trace, grouped differently). float64[W, H]
    """
    temperature_c = np.atleast_2d(np.asarray(temperature_c, dtype=np.float64))
    for trace in temperature_c:
        _check_temperature(local_times, trace)
    calendar = calendar_features(local_times, spec=spec)
    leading, trailing = _calendar_factors(calendar, spec)
    columns = temperature_columns(spec)
    by_hour = coefficients.reshape(-1, _HOURS)[:, calendar.hour]  # [B, H]
    calendar_by_hour = np.concatenate([by_hour[: columns.start], by_hour[columns.stop :]])
    calendar_part = np.einsum("bh,bh->h", np.array([*leading, *trailing]), calendar_by_hour)
    weather_by_hour = np.ascontiguousarray(by_hour[columns])
    result = np.empty_like(temperature_c)
    for member, trace in enumerate(temperature_c):
        weather = np.array(_temperature_factors(trace, calendar, spec))
        result[member] = calendar_part + np.einsum("bh,bh->h", weather, weather_by_hour)
    return result


def design_matrix(
    local_times: pd.DatetimeIndex,
    temperature_c: np.ndarray,
    *,
    spec: FeatureSpec,
    calendar: CalendarFeatures | None = None,
) -> np.ndarray:
    """Feature matrix of the shape model for one weather trace.

    Parameters
    ----------
    local_times
        Hour-beginning local times (tz-aware) of the period, ascending, whole days.
    temperature_c
        Air temperature for each hour, no NaN. [°C]
    spec
        Feature settings (from the training config / the artifact).
    calendar
        The result of :func:`calendar_features` for ``local_times`` when already computed
        (prediction over many weather traces reuses it).

    Returns
    -------
    numpy.ndarray
        float64[H, P] with the columns of :func:`feature_names`.

    Raises
    ------
    DataError
        When the temperature has the wrong length or contains NaN.
    """
    factors, hour = hour_interaction_factors(
        local_times, temperature_c, spec=spec, calendar=calendar
    )
    n_hours, n_factors = factors.shape
    design = np.zeros((n_hours, n_factors, _HOURS))
    design[np.arange(n_hours), :, hour] = factors
    return design.reshape(n_hours, n_factors * _HOURS)


def predict_linear(factors: np.ndarray, hour: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """``design_matrix @ coefficients`` without building the design matrix. float64[H]"""
    by_hour = coefficients.reshape(factors.shape[1], _HOURS)
    return np.einsum("hb,bh->h", factors, by_hour[:, hour])
