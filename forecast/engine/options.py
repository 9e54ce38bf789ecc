"""How to run a projection: draws, seed, period, resolution, quantiles, weather, baseline."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from forecast.errors import OptionsError, ScenarioNote, range_error, shown_value
from forecast.limits import (
    DEFAULT_DURATION_DRAWS,
    MAX_DRAWS,
    MAX_DURATION_DRAWS,
    MAX_SEED,
    MAX_YEARS,
)
from forecast.scenario import FIRST_DATE, LAST_DATE, Scenario
from forecast.weather.ensemble import WEATHER_KINDS

Resolution = Literal["hourly", "daily", "monthly", "annual"]
RESOLUTIONS: tuple[str, ...] = ("hourly", "daily", "monthly", "annual")
DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.50, 0.90, 0.95)
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, kw_only=True)
class ProjectionOptions:
    """How to run a projection; every field is checked by :meth:`validated`."""

    draws: int = 1000
    seed: int = 0
    #: First and last day (default: the scenario's horizon). :meth:`validated` also takes an
    #: ISO date string (``"2027-01-01"``) and gives back a date.
    start: dt.date | None = None
    end: dt.date | None = None
    resolution: str = "hourly"
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    weather: str = "auto"
    baseline_model: str | None = None
    include_baseline: bool = True
    #: Keep every draw's per-year values (``<name>_per_draw``, dims draw and year) beside their
    #: quantiles: what comparisons and representative draws are computed from.
    per_draw: bool = False
    #: Add load duration curves and the peak-hour calendar (:mod:`forecast.engine.duration`),
    #: from the first ``duration_draws`` draws.
    duration_curves: bool = False
    duration_draws: int = DEFAULT_DURATION_DRAWS
    #: Sites (their names, as the ``load_site`` coordinate labels them) whose own load series
    #: is added, ``site_facility_mw`` on the projection's periods: a PPA for one campus is
    #: sized on its hourly profile (report-proc HIGH 2). Only those asked for: every site's
    #: hourly series would be the size of the national one each.
    sites: tuple[str, ...] = ()
    #: One observed weather year every draw runs on (``2018``: "2018 weather", a planning
    #: convention), in place of each draw's own year drawn from the ensemble; the ensemble
    #: still sets the PUE's annual line (:func:`forecast.engine.weather_index` checks the year
    #: against the location's observed years). None: each draw draws its year.
    weather_year: int | None = None

    def validated(
        self, scenario: Scenario, *, names: Mapping[str, str] | None = None
    ) -> ProjectionOptions:
        """Fill the period from the scenario's horizon and check every option.

        ``names``: how the caller's user names a field (``{"draws": "--draws"}`` on the
        command line), for the messages; a field not in it is named as here (the API's)."""

        def name(field: str) -> str:
            return (names or {}).get(field, field)

        if (
            isinstance(self.draws, bool)
            or not isinstance(self.draws, int)
            or not (1 <= self.draws <= MAX_DRAWS)
        ):
            raise range_error(name("draws"), self.draws, low=1, high=MAX_DRAWS)
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not (0 <= self.seed <= MAX_SEED)
        ):
            raise range_error(name("seed"), self.seed, low=0, high=MAX_SEED)
        if self.resolution not in RESOLUTIONS:
            raise OptionsError(
                f"{name('resolution')} = {self.resolution!r}: allowed: {', '.join(RESOLUTIONS)}"
            )
        if self.weather not in WEATHER_KINDS:
            raise OptionsError(
                f"{name('weather')} = {self.weather!r}: allowed: {', '.join(WEATHER_KINDS)}"
            )
        quantiles = tuple(float(q) for q in self.quantiles)
        if not quantiles or len(quantiles) > 99 or any(not 0.0 <= q <= 1.0 for q in quantiles):
            raise OptionsError(
                f"{name('quantiles')} = {list(self.quantiles)}: allowed: 1..99 probabilities in "
                "[0, 1]"
            )
        twice = sorted({q for q in quantiles if quantiles.count(q) > 1})
        if twice:
            raise OptionsError(
                f"{name('quantiles')} = {list(self.quantiles)}: {', '.join(map(str, twice))} "
                "given twice; allowed: each probability once"
            )
        for flag in ("per_draw", "duration_curves"):
            if not isinstance(getattr(self, flag), bool):
                raise OptionsError(
                    f"{name(flag)} = {getattr(self, flag)!r}: allowed: true or false"
                )
        if (
            isinstance(self.duration_draws, bool)
            or not isinstance(self.duration_draws, int)
            or not (1 <= self.duration_draws <= MAX_DURATION_DRAWS)
        ):
            raise range_error(
                name("duration_draws"), self.duration_draws, low=1, high=MAX_DURATION_DRAWS
            )
        sites = _series_sites(scenario, self.sites, field=name("sites"))
        if self.weather_year is not None and (
            isinstance(self.weather_year, bool) or not isinstance(self.weather_year, int)
        ):
            raise OptionsError(
                f"{name('weather_year')} = {shown_value(self.weather_year)}: allowed: an "
                "observed year of the scenario's weather location (an integer), or none"
            )
        start = _as_date(self.start, name("start")) or scenario.horizon.start
        end = _as_date(self.end, name("end")) or scenario.horizon.end
        for field, day in (("start", start), ("end", end)):
            if not FIRST_DATE <= day <= LAST_DATE:
                raise range_error(name(field), day, kind="a date", low=FIRST_DATE, high=LAST_DATE)
        check_period_years(start, end, names=(name("start"), name("end")))
        for note in horizon_notes(scenario, start, end) if _SAY_NOTES.get() else ():
            # stacklevel 1, one place: said once, however many passes resolve it.
            warnings.warn(ScenarioNote(note), stacklevel=1)
        return ProjectionOptions(
            draws=self.draws,
            seed=self.seed,
            start=start,
            end=end,
            resolution=self.resolution,
            quantiles=tuple(sorted(set(quantiles))),
            weather=self.weather,
            baseline_model=self.baseline_model,
            include_baseline=self.include_baseline,
            per_draw=self.per_draw,
            duration_curves=self.duration_curves,
            duration_draws=self.duration_draws,
            sites=sites,
            weather_year=self.weather_year,
        )


def _series_sites(
    scenario: Scenario, sites: tuple[str, ...], *, field: str = "sites"
) -> tuple[str, ...]:
    """The sites whose load series is asked for, each once, in the order asked.

    Raises
    ------
    OptionsError
        A name is no site of the scenario (the message lists them), or ``sites`` is not a
        sequence of names.
    """
    from forecast.engine.dataset import site_labels

    if isinstance(sites, str) or not all(isinstance(name, str) for name in sites):
        raise OptionsError(f"{field} = {sites!r}: allowed: a list of the scenario's site names")
    labels = site_labels([site.name for site in scenario.sites])
    for name in sites:
        if name not in labels:
            allowed = ", ".join(repr(label) for label in labels) or "none: it has no sites"
            raise OptionsError(
                f"{field} = {shown_value(name)}: no site of scenario {scenario.id} is named so; "
                f"allowed: {allowed}"
            )
    return tuple(dict.fromkeys(sites))


def _as_date(value: object, name: str) -> dt.date | None:
    """A period bound as a date: a date, an ISO date string (``2027-01-01``) or None."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise OptionsError(
        f"{name} = {value!r}: allowed: a datetime.date or an ISO date string YYYY-MM-DD"
    )


def check_period_years(
    start: dt.date,
    end: dt.date,
    *,
    max_years: int = MAX_YEARS,
    names: tuple[str, str] = ("start", "end"),
) -> None:
    """Refuse an end before ``start`` or a period over more than ``max_years`` calendar years,
    naming the ends allowed: ``start`` to the last day a period from it may reach (``max_years``:
    a service may allow fewer than :data:`MAX_YEARS`; ``names``: how the caller names start and
    end, ``--start`` on the command line).

    Raises
    ------
    OptionsError
        One line: ``end``, its value, and the ends allowed for this start
        (``end = 2060-12-31: allowed: a date 2024-01-01..2053-12-31 (from start = 2024-01-01,
        at most 30 calendar years)``).
    """
    if end < start or end.year - start.year + 1 > max_years:
        latest = min(dt.date(start.year + max_years - 1, 12, 31), LAST_DATE)
        raise range_error(
            names[1],
            end,
            kind="a date",
            low=start,
            high=latest,
            why=f"from {names[0]} = {start}, at most {max_years} calendar years",
        )


#: Whether :meth:`ProjectionOptions.validated` says its horizon notes as
#: :class:`~forecast.errors.ScenarioNote` warnings (the command line's ``note:`` lines).
_SAY_NOTES: ContextVar[bool] = ContextVar("say_horizon_notes", default=True)


@contextmanager
def notes_in_attributes() -> Iterator[None]:
    """Within it (in this thread or task), horizon notes are not warned, only kept in the
    projection's ``horizon_note``: the service answers them there, and a note warned in its
    worker threads went to the server's stderr, or, where warnings are errors (its tests),
    failed the request."""
    token = _SAY_NOTES.set(False)
    try:
        yield
    finally:
        _SAY_NOTES.reset(token)


def horizon_notes(scenario: Scenario, start: dt.date, end: dt.date) -> list[str]:
    """What the period's days outside the scenario's horizon hold, one line each (none within).

    The horizon is only the default period: the engine runs a day outside it as any other, on
    the scenario's entries as written: deployments and sites by their dates, a trend at its first
    point before its first date and at its last after its last (:class:`forecast.scenario.Trend`),
    the baseline by its model. :meth:`ProjectionOptions.validated` says each as a
    :class:`~forecast.errors.ScenarioNote`; the projection keeps them in ``horizon_note``.
    """
    notes = []
    if start < scenario.horizon.start:
        notes.append(
            f"the period starts on {start}, before {scenario.id}'s horizon.start = "
            f"{scenario.horizon.start}: the scenario's entries hold there as written, "
            "and a year the baseline model was fitted on takes its observed, "
            "weather-normalised level under the ensemble's weather, not the metered "
            "load (the attribute baseline_level names those years)"
        )
    if end > scenario.horizon.end:
        notes.append(
            f"the period ends on {end}, after {scenario.id}'s horizon.end = "
            f"{scenario.horizon.end}: the scenario states nothing new there, so each "
            "deployment holds its last count or ages out as its after_last says, sites run "
            "as dated, every trend (the non-AI loads' too) holds its last point, and a "
            "baseline goes on with its model's forecast"
        )
    return notes
