"""The public projection API: :func:`project` and :class:`ProjectionOptions`.

The engine lives in :mod:`forecast.engine`, one module per stage of the data flow; this module
keeps the names callers import.
"""

from forecast.engine import (
    DEFAULT_QUANTILES,
    MAX_DRAWS,
    MAX_YEARS,
    RESOLUTIONS,
    WEATHER_KINDS,
    ProjectionOptions,
    check_period_years,
    notes_in_attributes,
    observed_weather_years,
    project,
    resolved_weather,
    scenario_digest,
    weather_digest,
    weather_fallback,
    weather_index,
)

__all__ = [
    "DEFAULT_QUANTILES",
    "MAX_DRAWS",
    "MAX_YEARS",
    "RESOLUTIONS",
    "WEATHER_KINDS",
    "ProjectionOptions",
    "check_period_years",
    "notes_in_attributes",
    "observed_weather_years",
    "project",
    "resolved_weather",
    "scenario_digest",
    "weather_digest",
    "weather_fallback",
    "weather_index",
]
