"""Checks and merges of request inputs that the schemas alone cannot state."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pandas as pd

from forecast.errors import OptionsError
from forecast.scenario import merged as merged_tables


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in as a variant's tables are
    (:func:`forecast.scenario.merged`: tables key by key; a quantity, a table with ``value`` or
    ``dist``, and anything else replaced whole, so a triangular PUE can be overridden by a
    fixed one). A dotted key is the path of the nested tables, as ``forecast sweep --vary``
    names it: ``{"grid.capital.limit_mw": 100}`` is ``{"grid": {"capital": {"limit_mw": 100}}}``.
    """
    result = dict(base)
    for dotted, given in overrides.items():
        key, value = _undotted(dotted, given)
        result = merged_tables(result, {key: value})
    return result


def _undotted(key: Any, value: Any) -> tuple[Any, Any]:
    """A dotted key's first table and the value nested under the rest of its path."""
    if not isinstance(key, str) or "." not in key or "" in key.split("."):
        return key, value  # not a path (an empty name is refused as a field)
    head, *path = key.split(".")
    for name in reversed(path):
        value = {name: value}
    return head, value


def check_local_midnights(timezone: str, start: dt.date, end: dt.date, *, field: str) -> None:
    """Refuse a period in which a local midnight does not exist in ``timezone``.

    Some zones change to daylight saving time at midnight (America/Havana, America/Santiago,
    Asia/Beirut, Africa/Cairo): that day starts at 01:00, and the projection calendar, which
    counts days from midnight, cannot place it. Until the calendar handles such days this is a
    422 naming the zone and the first such day, never a 500.

    Raises
    ------
    OptionsError
        A day of the period (or the day after it) has no local midnight.
    """
    missing = _days_without_midnight(timezone, start, end)
    if missing:
        raise OptionsError(
            f"{field} = {timezone!r}: local midnight does not exist on {missing[0]} "
            f"(daylight saving time starts at midnight there), and {len(missing)} day(s) of "
            f"the period {start}..{end} start so; the projection calendar cannot place such "
            "days yet: choose a period without them or a neighbouring time zone"
        )


@functools.lru_cache(maxsize=1024)
def _days_without_midnight(timezone: str, start: dt.date, end: dt.date) -> tuple[str, ...]:
    # Cached: it runs on the event loop for every request that misses the result cache.
    midnights = pd.date_range(start, end + dt.timedelta(days=1), freq="D")
    localised = midnights.tz_localize(timezone, nonexistent="NaT", ambiguous="NaT")
    return tuple(f"{day:%Y-%m-%d}" for day in midnights[localised.isna()])
