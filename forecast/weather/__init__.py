"""Hourly temperature for projections, training and evaluation, for any weather location.

In: a location's ``location.toml`` (station, time zone, hourly file, optional daily
mean/min/max file; :mod:`.locations`), the real data files it names, or its shipped
``climatology.json``.
Out: completed hourly records with their gaps reported (:mod:`.record`,
:mod:`.reconstruction`), and weather ensembles on the leap-year calendar of the location's
standard time (:mod:`.clock`, :mod:`.ensemble`, :mod:`.synthetic`), which a projection maps
onto any target hours without holes or double hours at DST changes.

Building a climatology from the real data is training-side work: :mod:`models.climatology`.
"""

from forecast.weather.climatology import (
    CLIMATOLOGY_FORMAT_VERSION,
    Climatology,
    climatology_path,
    load_climatology,
)
from forecast.weather.clock import (
    DAYS_IN_LEAP_YEAR,
    HOURS_IN_LEAP_YEAR,
    leap_calendar_hour,
    leap_calendar_month_of_day,
    year_on_leap_calendar,
    years_on_leap_calendar,
)
from forecast.weather.ensemble import (
    WEATHER_KINDS,
    WeatherEnsemble,
    load_weather,
    missing_weather_files,
    weather_years_at,
)
from forecast.weather.locations import (
    NO_WEATHER,
    Location,
    country_defaults,
    default_location,
    known_locations,
    load_location,
    resolve_weather_location,
)
from forecast.weather.record import (
    HistoricalRecord,
    historical_hourly_temperature,
    historical_record,
    reconstructed_hours,
)
from forecast.weather.synthetic import synthetic_temperature

__all__ = [
    "CLIMATOLOGY_FORMAT_VERSION",
    "DAYS_IN_LEAP_YEAR",
    "HOURS_IN_LEAP_YEAR",
    "NO_WEATHER",
    "WEATHER_KINDS",
    "Climatology",
    "HistoricalRecord",
    "Location",
    "WeatherEnsemble",
    "climatology_path",
    "country_defaults",
    "default_location",
    "historical_hourly_temperature",
    "historical_record",
    "known_locations",
    "leap_calendar_hour",
    "leap_calendar_month_of_day",
    "load_climatology",
    "load_location",
    "load_weather",
    "missing_weather_files",
    "reconstructed_hours",
    "resolve_weather_location",
    "synthetic_temperature",
    "weather_years_at",
    "year_on_leap_calendar",
    "years_on_leap_calendar",
]
