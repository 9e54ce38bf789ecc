"""The projection engine: a scenario → Monte Carlo draws → a labelled ``xarray.Dataset``.

One module per stage, in the order the data flows:

1. :mod:`~forecast.engine.inputs`: every uncertain input drawn once per draw (the only place
   that samples; it owns every random stream and every default);
2. :mod:`~forecast.engine.fleet`: deployment plans → accelerators delivered and in service by
   draw, region and month (delivery delays, gross shipments, compute targets, retirement and
   the replacement mix);
3. :mod:`~forecast.engine.hosting`: sites → built IT capacity; the fleet placed where there is
   room (the rest waits and draws nothing); the sites' own tenants in what is left;
4. :mod:`~forecast.engine.power`: the monthly coefficients of the hourly facility load (load
   factor, inference share, PUE line; trends by month);
5. :mod:`~forecast.engine.baseline`: the national demand without the AI load, from a trained
   model;
6. :mod:`~forecast.engine.stream`: hours streamed through the fused numba kernel into quantiles,
   day sums and annual peaks;
7. :mod:`~forecast.engine.dataset`: quantiles and means per period and year, units and
   provenance.

Kernels sit under the stages in :mod:`forecast.kernels` and see no labels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from forecast import kernels
from forecast.calendar import HourlyCalendar, hourly_times
from forecast.engine.baseline import (
    BaselineSeries,
    baseline_model,
    baseline_series,
    check_weather_drives,
)
from forecast.engine.dataset import (
    Monthly,
    SiteLoads,
    SiteReducer,
    build_dataset,
    scenario_digest,
    site_labels,
)
from forecast.engine.duration import DurationCurves, add_duration_curves
from forecast.engine.fleet import Fleet, FleetGrid, build_fleet
from forecast.engine.hosting import (
    Connections,
    Halls,
    Hosting,
    place_fleet,
    site_nameplates,
)
from forecast.engine.inputs import Inputs, draw_inputs
from forecast.engine.options import (
    DEFAULT_QUANTILES,
    MAX_DRAWS,
    MAX_YEARS,
    RESOLUTIONS,
    WEATHER_KINDS,
    ProgressCallback,
    ProjectionOptions,
    check_period_years,
    notes_in_attributes,
)
from forecast.engine.power import (
    SiteCoefficients,
    coefficients,
    inference_shape,
    non_ai_at_hours,
    non_ai_coefficients,
    non_ai_energy_by_region,
    shape_key,
    site_months,
    site_series,
    site_shares,
)
from forecast.engine.sampling import central, operation
from forecast.engine.stream import HourlyLoads, baseline_beside, stream_hours
from forecast.errors import ForecastError, OptionsError, WeatherFallback, year_error
from forecast.kernels import StreamInputs
from forecast.scenario import Scenario
from forecast.scenario.catalog import load_catalog
from forecast.weather.locations import NO_WEATHER

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel

#: Called with every streamed chunk: ``sink(inputs, first_hour, order)``.
HourlySink = Callable[[StreamInputs, int, np.ndarray], None]

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


def _waits_by_year(fleet: Fleet, hosting: Hosting, window: slice, calendar: HourlyCalendar):
    """Mean months waited by accelerators delivered in each year, and how many were delivered.

    float64[D, R, Y] each.
    """
    counts = fleet.vintage_count[:, :, window]
    waited = hosting.waited_months[:, :, window]
    year_of_month = (calendar.months // 12 - calendar.years[0]).astype(np.int64)
    shape = (*counts.shape[:2], calendar.years.size)
    delivered, weighted = np.zeros(shape), np.zeros(shape)
    for year in range(calendar.years.size):
        in_year = year_of_month == year
        delivered[..., year] = counts[..., in_year].sum(axis=-1)
        weighted[..., year] = (counts[..., in_year] * waited[..., in_year]).sum(axis=-1)
    mean = np.divide(weighted, delivered, out=np.zeros_like(weighted), where=delivered > 0)
    return mean, delivered


@dataclass(frozen=True)
class _NoWeather:
    """The stand-in for a weather ensemble when a scenario states no temperature response."""

    location: str = "none"
    kind: str = "none"
    source: str = "none: no temperature response (PUE at its annual value every hour)"
    labels: tuple[str, ...] = ("none",)
    digest: str = "none"

    def for_hours(self, local_times) -> np.ndarray:
        """A temperature that never needs cooling: excess 0 at every hour. [°C]"""
        return np.full((1, len(local_times)), -np.inf)


def weather_for(scenario: Scenario, options: ProjectionOptions):
    """The weather ensemble the scenario runs over, or the no-weather stand-in.

    ``auto`` that finds no temperature files runs synthetic years and says so with a
    :class:`~forecast.errors.WeatherFallback` warning (the figures differ from the observed
    weather's); ``historical`` fails instead.
    """
    from forecast.weather import load_weather

    location = _weather_location(scenario)
    if location == NO_WEATHER:
        return _NoWeather()
    weather = load_weather(options.weather, location=location)
    if options.weather == "auto" and weather.kind == "synthetic":
        warnings.warn(WeatherFallback(weather_fallback(scenario) or ""), stacklevel=1)
    return weather


def weather_index(
    scenario: Scenario, options: ProjectionOptions, weather=None, *, field: str = "weather_year"
) -> int | None:
    """The position in ``weather`` (default: :func:`weather_for`'s ensemble) of the observed
    year every draw runs on, ``options.weather_year``; None where none is fixed (each draw
    draws its year, :func:`~forecast.engine.inputs.draw_inputs`). Only the draws' year is
    fixed: the ensemble stays whole, so the PUE's annual line (set on whole weather years)
    and the weather digest are the ensemble's.

    Raises
    ------
    OptionsError
        ``field``, the year and what is allowed: the scenario has no weather, its weather is
        not historical (``typical``, ``synthetic``, or ``auto`` without the files), or the
        year is not one of the location's observed years (their range).
    """
    year = options.weather_year
    if year is None:
        return None
    if weather is None:
        weather = weather_for(scenario, options)
    if weather.kind == "none":
        raise OptionsError(
            f"{field} = {year}: scenario {scenario.id} states no temperature response "
            '(weather_location = "none"): there is no weather year to choose; leave it out'
        )
    if weather.kind != "historical":
        raise OptionsError(
            f"{field} = {year}: a weather year is one of the observed years of historical "
            f"weather, and this projection runs on {weather.kind} weather ({weather.location}; "
            "give weather historical, with the location's temperature files)"
        )
    labels = list(weather.labels)
    if str(year) not in labels:
        years = sorted(int(label) for label in labels)
        why = f"the observed weather years of {weather.location}"
        if years == list(range(years[0], years[-1] + 1)):
            raise year_error(field, year, low=years[0], high=years[-1], why=why)
        raise OptionsError(
            f"{field} = {year}: allowed: a year of {', '.join(map(str, years))} ({why})"
        )
    return labels.index(str(year))


def observed_weather_years(scenario: Scenario) -> tuple[int, ...]:
    """The observed years a projection of ``scenario`` on ``weather = 'auto'`` may run every
    draw on (``weather_year``, :func:`weather_index`), in order: its location's historical
    years where the temperature files are present; none where it has no weather or ``auto``
    falls back to synthetic years (what a form offers as design weather years). [a]"""
    options = resolved_weather(scenario, ProjectionOptions())
    if options.weather != "historical":
        return ()
    return tuple(sorted(int(label) for label in weather_for(scenario, options).labels))


def weather_fallback(scenario: Scenario) -> str | None:
    """What ``weather = 'auto'`` falls back to for ``scenario`` now, in the words of the
    :class:`~forecast.errors.WeatherFallback` note: which temperature files are missing, where
    it looked, and that synthetic years stand in; None where it runs on historical weather,
    or the scenario has none. Looks for the files, reads none: the service's ``/readyz`` says
    it (``degraded``) on every call."""
    from forecast.paths import data_dir_origin, real_data_dir
    from forecast.weather import load_location, missing_weather_files

    location = _weather_location(scenario)
    if location == NO_WEATHER:
        return None
    missing = missing_weather_files(load_location(location))
    if not missing:
        return None
    return (
        f"weather = 'auto': no temperature files for {location} in "
        f"{real_data_dir().resolve()} ({data_dir_origin()}): {', '.join(missing)} not found, "
        "so projections run on synthetic years from the shipped climatology; weather = "
        "'historical' refuses to run without them"
    )


def resolved_weather(scenario: Scenario, options: ProjectionOptions) -> ProjectionOptions:
    """``options`` with ``weather = 'auto'`` replaced by the kind it runs on now
    (``historical`` or ``synthetic``, by the files in the data directory): what a result is
    stored and keyed under. A scenario without weather keeps its options."""
    from forecast.weather.ensemble import resolved_kind

    location = _weather_location(scenario)
    if options.weather != "auto" or location == NO_WEATHER:
        return options
    return dataclasses.replace(options, weather=resolved_kind("auto", location=location))


def weather_digest(scenario: Scenario, options: ProjectionOptions) -> str:
    """sha256 of the weather the projection runs over
    (:attr:`forecast.weather.WeatherEnsemble.digest`), or ``none`` for a scenario without
    weather; ``auto`` warns as :func:`weather_for` does."""
    return weather_for(scenario, options).digest


def _weather_location(scenario: Scenario) -> str:
    from forecast.weather import resolve_weather_location

    return resolve_weather_location(
        scenario.country, scenario.weather_location, origin=f"scenario {scenario.id}"
    )


#: A year without Feb 29: a whole year of any weather clock's hours (the ensemble carries a
#: non-leap year's Feb 28 on its Feb 29), the same for every non-leap year.
_WHOLE_YEAR = 2023


def _whole_year_excess(weather, calendar: HourlyCalendar, reference_c: float) -> np.ndarray:
    """Each weather year's cooling excess over a whole year of its hours, float64[W, 8760],
    independent of the projection's window. [K]"""
    hours = hourly_times(
        dt.date(_WHOLE_YEAR, 1, 1), dt.date(_WHOLE_YEAR, 12, 31), str(calendar.local.tz)
    )
    return np.maximum(weather.for_hours(hours) - reference_c, 0.0)


def _window_connections(connections: Connections | None, window: slice) -> Connections | None:
    """The connection arrays on the projection's months."""
    return None if connections is None else connections.windowed(window)


def project(
    scenario: Scenario,
    options: ProjectionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    baseline: BaselineModel | None = None,
    hourly_sinks: Sequence[HourlySink] = (),
) -> xr.Dataset:
    """Run the Monte Carlo projection of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : ProjectionOptions, optional
        Draws, seed, period, resolution, quantiles, weather and baseline options.
    progress : callable, optional
        Called as ``progress(done, total)`` in hours after each streamed chunk.
    baseline : BaselineModel, optional
        An already loaded baseline model (the service passes the one it serves, so a request
        keeps the version it started with); default: load ``options.baseline_model``.
    hourly_sinks : sequence of callables, optional
        Each is called as ``sink(inputs, first_hour, order)`` with every streamed chunk
        (:mod:`forecast.engine.duration`: per-draw hourly paths, e.g. for grid-model exports).

    Returns
    -------
    xarray.Dataset
        Variables of :data:`forecast.outputs.OUTPUT_VARIABLES` with units and provenance.
    """
    options = (options or ProjectionOptions()).validated(scenario)
    assert options.start is not None and options.end is not None  # filled by validated()
    calendar = HourlyCalendar.build(options.start, options.end, scenario.timezone)
    whole_years = _whole_years(scenario, calendar)
    # A small projection runs the kernels' NumPy twins and never starts numba (see
    # forecast.kernels): its result equals the kernels' to rounding. Flexibility's first pass
    # over whole years counts (a window and its whole year's run then take the same path).
    hours = len(calendar.local) + (len(whole_years.local) if whole_years is not None else 0)
    small = options.draws * hours <= kernels.numpy_work_limit()
    with kernels.numpy_path(small):
        return _project(scenario, options, calendar, progress, baseline, hourly_sinks,
                        whole_years)  # fmt: skip


def _whole_years(scenario: Scenario, calendar: HourlyCalendar) -> HourlyCalendar | None:
    """The calendar of every whole year ``calendar`` touches, where flexibility must rank the
    hours of a year the period holds only part of (its stress hours are the whole year's);
    None where the period is whole years or has no flexibility."""
    first, last = calendar.local[0], calendar.local[-1]
    whole = (first.month, first.day, first.hour) == (1, 1, 0) and (
        last.month, last.day, last.hour) == (12, 31, 23)  # fmt: skip
    if scenario.flexibility is None or whole:
        return None
    years = calendar.years
    return HourlyCalendar.build(
        dt.date(int(years[0]), 1, 1), dt.date(int(years[-1]), 12, 31), scenario.timezone
    )


@dataclass
class _Drivers:
    """The hourly drivers of a calendar's loads, and the draws: the weather's cooling excess
    [W, H] (and its mean over whole weather years [°C]), the inference shape [H] and the
    baseline; ``hours_key``, all that the cooling excess and the shape depend on (the
    shape's key, the weather's digest, the cooling reference [°C])."""

    cooling_excess: np.ndarray
    year_excess: np.ndarray
    inputs: Inputs
    shape: np.ndarray
    series: BaselineSeries | None
    hours_key: tuple


def _drivers(scenario, options, calendar, weather, model) -> _Drivers:
    """The weather, the draws, the inference shape and the baseline over ``calendar``."""
    # With a baseline, the weather of the days before the window too (its shape's warm-up);
    # without one, the baseline model's module is not imported.
    hours, first = calendar.local, 0
    if model is not None:
        from forecast.baseline.model import warm_up_hours

        hours, first = warm_up_hours(calendar.local)
    reference_c = central(operation(scenario.operations, "pue_reference_temperature_c"))
    warmed_temperature = weather.for_hours(hours)
    temperature = warmed_temperature[:, first:]
    cooling_excess = np.ascontiguousarray(np.maximum(temperature - reference_c, 0.0))
    inputs = draw_inputs(
        scenario,
        options,
        n_weather=cooling_excess.shape[0],
        days_by_year=calendar.days_by_year,
        years=calendar.years,
        baseline=model,
        weather_of_every_draw=weather_index(scenario, options, weather),
    )
    series = (
        baseline_series(model, hours, warmed_temperature, first, inputs.baseline)
        if model is not None and inputs.baseline is not None
        else None
    )
    return _Drivers(
        cooling_excess=cooling_excess,
        year_excess=_whole_year_excess(weather, calendar, reference_c),
        inputs=inputs,
        shape=inference_shape(scenario, calendar),
        series=series,
        hours_key=(shape_key(scenario, calendar), weather.digest, reference_c),
    )


@dataclass
class _Loads:
    """The fleet, its hosting and the loads' coefficients on a calendar's months."""

    grid: FleetGrid
    window: slice
    fleet: Fleet | None
    hosting: Hosting
    tenant_mw: np.ndarray
    coef: np.ndarray
    full_load: np.ndarray
    non_ai_by_region: np.ndarray
    non_ai: np.ndarray
    #: Each site's AI load, before flexibility (None without sites or quantiles to reduce to).
    site_loads: SiteLoads | None
    #: The coefficients [D, M, 4] of the sites whose load series is asked for, by position:
    #: their facility load's and their IT load's.
    series_coefficients: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    def hourly(self, calendar: HourlyCalendar, drivers: _Drivers) -> HourlyLoads:
        """What the stream evaluates over ``calendar``'s hours."""
        return HourlyLoads(
            calendar, self.coef, self.full_load, self.non_ai, drivers.shape,
            drivers.cooling_excess, drivers.series,
        )  # fmt: skip


def _loads(
    scenario, calendar, drivers: _Drivers, *, probabilities=None,
    series_sites: tuple[int, ...] = (),
) -> _Loads:  # fmt: skip
    """The fleet, where it is hosted and the loads' coefficients on ``calendar``'s months, and
    each site's load (energy, mean and peak) reduced to ``probabilities``' quantiles (None: no
    site's, as flexibility's pass over whole years needs none), keeping the coefficients of
    ``series_sites`` (the positions of the sites whose load series is asked for)."""
    inputs = drivers.inputs
    # The stated PUE is an annual average: its line is set on whole weather years, so the same
    # months get the same load whatever the projection's window (a summer alone is not a year).
    mean_excess = float(drivers.year_excess.mean())
    max_excess = drivers.year_excess.max(axis=1)[inputs.weather_of_draw]
    last_month = calendar.first_month + calendar.n_months - 1
    grid = FleetGrid.spanning(scenario, calendar.first_month, last_month)
    window = slice(grid.index(calendar.first_month), grid.index(last_month) + 1)
    fleet = build_fleet(scenario, inputs, grid, load_catalog()) if scenario.deployments else None
    halls = Halls(scenario, inputs, grid, mean_excess=mean_excess, max_excess=max_excess)
    hosting = place_fleet(scenario, inputs, fleet, grid, halls)

    tenant_mw = np.zeros((inputs.draws, calendar.n_months))
    reducer = site_coefficients = None
    if scenario.sites and probabilities is not None:
        months = site_months(
            calendar, drivers.shape, drivers.cooling_excess, inputs.weather_of_draw,
            key=drivers.hours_key,
        )  # fmt: skip
        reducer = SiteReducer(len(scenario.sites), calendar, probabilities, months)
        site_coefficients = SiteCoefficients(
            scenario, inputs, grid.months, window, drivers.shape.max()
        )
    kept: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    window_months, phi_max = grid.months[window], drivers.shape.max()

    def tenants():
        """Each site with its PUE line, its tenants' nameplate and its own load factor and
        inference share, for the regions' coefficients. Each site's nameplates and shares are
        made once (:func:`site_nameplates`, :func:`site_shares`): on the way its tenants' are
        added up and, with quantiles, its own load is reduced, and the coefficients of the
        sites asked for are kept (copies: each site's are a view of one buffer that the next
        site's overwrite)."""
        for position, (site, line, fleet_mw, nameplate) in enumerate(
            site_nameplates(inputs, hosting, grid, halls)
        ):
            tenant_mw[:] += nameplate[:, window]
            shares = site_shares(site, window_months, phi_max)
            if reducer is not None and site_coefficients is not None:
                site_coef = site_coefficients(line, fleet_mw, nameplate, shares)
                reducer.add(position, site_coef)
                if position in series_sites:
                    kept[position] = (
                        site_coef.copy(),
                        site_coefficients(line, fleet_mw, nameplate, shares, it_only=True).copy(),
                    )
            del fleet_mw  # not held while the next site's are made
            yield site, line, nameplate, shares

    coef, full_load = coefficients(
        scenario, inputs, hosting, tenants(), grid.months, window, phi_max
    )
    site_loads = None if reducer is None else reducer.result()
    # In the order asked for: the series' profile_site axis follows it.
    kept = {position: kept[position] for position in series_sites}
    non_ai_by_region = non_ai_coefficients(
        inputs, inputs.scenario_slope_factor, grid.months, window, mean_excess,
        len(scenario.regions),
    )  # fmt: skip
    non_ai = non_ai_by_region.sum(axis=1)
    if not (np.isfinite(coef).all() and np.isfinite(non_ai).all()):
        raise ForecastError(
            f"scenario {scenario.id}: the AI load is not a number in some month and draw; "
            "this is a bug, please report it with the scenario"
        )
    return _Loads(grid, window, fleet, hosting, tenant_mw, coef, full_load, non_ai_by_region,
                  non_ai, site_loads, kept)  # fmt: skip


def _project(scenario, options, calendar, progress, baseline, hourly_sinks,
             whole_years) -> xr.Dataset:  # fmt: skip
    """:func:`project` once the options are validated and the calendars are built."""
    weather = weather_for(scenario, options)
    model = baseline_model(scenario, options, baseline)
    if model is not None:  # the served model: choose_baseline checked any other
        check_weather_drives(scenario, weather.location, model.model_id)
    hourly = _drivers(scenario, options, calendar, weather, model)
    inputs, shape, series = hourly.inputs, hourly.shape, hourly.series
    cooling_excess = hourly.cooling_excess
    # The baseline's hourly quantiles need no AI load: found while the stages below run.
    baseline_quantiles = baseline_beside(
        options, calendar, len(scenario.regions), shape, cooling_excess, inputs.weather_of_draw,
        series,
    )  # fmt: skip
    labels = site_labels([site.name for site in scenario.sites])
    series_sites = tuple(labels.index(name) for name in options.sites)
    loads = _loads(
        scenario,
        calendar,
        hourly,
        probabilities=np.asarray(options.quantiles, dtype=np.float64),
        series_sites=series_sites,
    )
    window, fleet, hosting = loads.window, loads.fleet, loads.hosting
    tenant_mw, non_ai_by_region = loads.tenant_mw, loads.non_ai_by_region
    whole_loads = None
    if whole_years is not None:
        # The same draws over the whole years, for flexibility's first pass alone.
        whole_drivers = _drivers(scenario, options, whole_years, weather, model)
        whole_loads = _loads(scenario, whole_years, whole_drivers).hourly(
            whole_years, whole_drivers
        )
    sinks = list(hourly_sinks)
    curves = None
    if options.duration_curves:
        curves = DurationCurves(
            calendar,
            n_draws=options.draws,
            sample=options.duration_draws,
            has_baseline=series is not None,
        )
        sinks.append(curves)

    def hourly_sink(inputs, first_hour, order):
        for sink in sinks:
            sink(inputs, first_hour, order)

    stats = stream_hours(
        scenario,
        options,
        calendar,
        loads.coef,
        loads.non_ai,
        shape,
        cooling_excess,
        inputs.weather_of_draw,
        series,
        inputs.flexibility,
        progress,
        full_load=loads.full_load,
        whole_years=whole_loads,
        **({"hourly_sink": hourly_sink} if sinks else {}),
        baseline_quantiles=baseline_quantiles,
    )
    if scenario.non_ai_loads and len(scenario.regions) > 1:
        stats.annual["non_ai_region_energy"] = non_ai_energy_by_region(
            non_ai_by_region, calendar, cooling_excess, inputs.weather_of_draw,
            key=hourly.hours_key,
        )  # fmt: skip
        if "region_ai_at_total_peak" in stats.annual:
            # Each region's data-centre load at the grid's peak: its AI load there and its
            # non-AI load in the same hour, draws x years evaluations.
            stats.annual["region_dc_at_total_peak"] = stats.annual[
                "region_ai_at_total_peak"
            ] + non_ai_at_hours(
                non_ai_by_region, calendar, cooling_excess, inputs.weather_of_draw,
                stats.annual["total_peak_hour"],
            )  # fmt: skip
    drivers = inputs.drivers()
    if weather.location == NO_WEATHER:
        # No temperature response: the slope multiplies a cooling excess of 0 in every hour and
        # every draw has the same weather, so neither can drive the spread (the slope's draws
        # showed a rank correlation of pure noise, 0.15 with 20 draws).
        del drivers["pue_temperature_slope_per_c"]
    else:
        drivers["weather_year_mean_excess_c"] = cooling_excess.mean(axis=1)[inputs.weather_of_draw]
    has_sites = bool(scenario.sites)
    if has_sites:
        drivers["built_it_capacity_mw_final"] = hosting.capacity_it_mw[:, :, window][..., -1].sum(
            axis=1
        )
    waits = _waits_by_year(fleet, hosting, window, calendar) if fleet is not None else None
    monthly = Monthly(
        installed=fleet.installed[:, window] if fleet is not None else None,
        hosted=hosting.hosted_count[:, :, window] if fleet is not None else None,
        waiting=hosting.waiting_count[:, :, window] if fleet is not None else None,
        waiting_mw=hosting.waiting_mw[:, :, window] if fleet is not None else None,
        fleet_mw=fleet.nameplate_mw[:, :, window].sum(axis=1) if fleet is not None else None,
        hosted_mw=hosting.hosted_mw[:, :, window].sum(axis=1) if fleet is not None else None,
        tenant_mw=tenant_mw,
        capacity_mw=hosting.capacity_it_mw[:, :, window].sum(axis=1) if has_sites else None,
        connections=_window_connections(hosting.connections, window),
        wait_by_year=waits[0] if waits is not None and hosting.reading == "hosted" else None,
        delivered_by_year=waits[1] if waits is not None and hosting.reading == "hosted" else None,
        site_loads=loads.site_loads,
        site_series_mw={
            labels[position]: tuple(
                site_series(
                    coef, calendar, shape, cooling_excess, inputs.weather_of_draw,
                    resolution=options.resolution,
                    probabilities=np.asarray(options.quantiles, dtype=np.float64),
                )
                for coef in both
            )
            for position, both in (loads.series_coefficients or {}).items()
        },
    )  # fmt: skip
    dataset = build_dataset(
        scenario,
        options,
        calendar,
        stats,
        monthly,
        drivers,
        baseline_label=series.label if series is not None else None,
        baseline_level_note=series.level_note if series is not None else None,
        baseline_demand_basis=series.demand_basis if series is not None else None,
        run_caveats=(series.bands_note,) if series is not None and series.bands_note else (),
        non_ai_drivers=inputs.non_ai_drivers() if scenario.non_ai_loads else None,
        weather=weather,
        weather_of_draw=inputs.weather_of_draw,
    )
    if curves is not None:
        probabilities = np.asarray(options.quantiles, dtype=np.float64)
        dataset = add_duration_curves(dataset, curves, probabilities, per_draw=options.per_draw)
    return dataset
