"""Scenario → Monte Carlo projection → labelled ``xarray.Dataset``.

Stages (each a numba kernel; the README's "How the model works" has the equations):

1. fleet: installed accelerators by draw and month (stock-flow with Weibull retirement);
2. capacity: IT capacity of the data centres built by draw and month (status probability,
   delay, ramp);
3. power: hourly facility load by draw and region, IT load x PUE at the hour's temperature,
   with a flat training share and a diurnal inference share;
4. baseline: national demand without the AI load, from the trained model artifact;
5. statistics: quantiles over draws for every period, per-year energy and peak distributions.

The hourly stage streams over chunks of whole local days, so memory grows with
draws x chunk length, never with draws x horizon.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import xarray as xr

import forecast
from forecast import _numba, kernels
from forecast.catalog import Catalog, load_catalog
from forecast.errors import ArtifactError, ForecastError, NotFoundError, OptionsError
from forecast.export import local_iso
from forecast.fleet import deployment_path, earliest_month, month_number, weibull_survival
from forecast.kernels import stream
from forecast.outputs import BY_NAME
from forecast.sampling import Streams, central, operation, sample
from forecast.scenario import (
    COOLING_SLOPE_FACTOR,
    FIRST_DATE,
    LAST_DATE,
    STATUS_DEFAULTS,
    Scenario,
    Triangular,
)

if TYPE_CHECKING:
    from forecast.baseline import BaselineModel

Resolution = Literal["hourly", "daily", "monthly", "annual"]
RESOLUTIONS: tuple[str, ...] = ("hourly", "daily", "monthly", "annual")
DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.50, 0.90, 0.95)
MAX_DRAWS = 100_000
WEATHER_KINDS = ("auto", "historical", "typical", "synthetic")
# Per-draw day sums (rows x days x draws) held per streamed chunk: ~32 MB of float64.
CHUNK_ELEMENTS = 4_000_000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, kw_only=True)
class ProjectionOptions:
    """How to run a projection; every field is checked by :meth:`validated`."""

    draws: int = 1000
    seed: int = 0
    start: dt.date | None = None
    end: dt.date | None = None
    resolution: str = "hourly"
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    weather: str = "auto"
    baseline_model: str | None = None
    include_baseline: bool = True

    def validated(self, scenario: Scenario) -> ProjectionOptions:
        """Fill the period from the scenario's horizon and check every option."""
        if (
            isinstance(self.draws, bool)
            or not isinstance(self.draws, int)
            or not (1 <= self.draws <= MAX_DRAWS)
        ):
            raise OptionsError(f"draws = {self.draws!r}: must be an integer in 1..{MAX_DRAWS}")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not (0 <= self.seed < 2**63)
        ):
            raise OptionsError(f"seed = {self.seed!r}: must be an integer in 0..2^63-1")
        if self.resolution not in RESOLUTIONS:
            raise OptionsError(
                f"resolution = {self.resolution!r}: allowed: {', '.join(RESOLUTIONS)}"
            )
        if self.weather not in WEATHER_KINDS:
            raise OptionsError(f"weather = {self.weather!r}: allowed: {', '.join(WEATHER_KINDS)}")
        quantiles = tuple(float(q) for q in self.quantiles)
        if not quantiles or len(quantiles) > 99 or any(not 0.0 <= q <= 1.0 for q in quantiles):
            raise OptionsError(
                f"quantiles = {list(self.quantiles)}: give 1-99 probabilities in [0, 1]"
            )
        start = self.start or scenario.horizon.start
        end = self.end or scenario.horizon.end
        for name, day in (("start", start), ("end", end)):
            if not FIRST_DATE <= day <= LAST_DATE:
                raise OptionsError(f"{name} = {day}: allowed {FIRST_DATE}..{LAST_DATE}")
        if end < start:
            raise OptionsError(f"end = {end} is before start = {start}: end must be on or after")
        if end.year - start.year + 1 > 30:
            raise OptionsError(f"period {start}..{end}: at most 30 years allowed")
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
        )


@dataclass
class _Calendar:
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
    def build(cls, start: dt.date, end: dt.date, timezone: str) -> _Calendar:
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


@dataclass
class _AiLoad:
    """Per-draw monthly inputs of the hourly power kernel, and what is reported monthly."""

    coef: np.ndarray  # float64[D, R, M, 4]
    installed: np.ndarray  # float64[D, M] accelerators in service (nan without a fleet)
    nameplate_mw: np.ndarray  # float64[D, M]
    hosted_mw: np.ndarray  # float64[D, M] (nan without sites)
    unhosted_mw: np.ndarray  # float64[D, M]
    drivers: dict[str, np.ndarray] = field(default_factory=dict)  # per-draw sampled inputs


def _pue_line(pue: np.ndarray, slope: np.ndarray, mean_excess: float):
    """PUE(T) = a + b * max(T - T_ref, 0), with a chosen so that the annual mean is ``pue``.

    The stated PUE is an annual average (that is how facts.csv reports it), so the cool-weather
    PUE is a = pue - b * mean_excess, floored at 1 (then the realised mean is a little higher).
    """
    a = np.maximum(pue - slope * mean_excess, 1.0)
    return a, slope


def _fleet_load(scenario, options, calendar, streams, catalog, mean_excess, cap_total):
    ops = scenario.operations
    n_draws = options.draws
    first = min(earliest_month(scenario.deployments) or calendar.first_month, calendar.first_month)
    months = np.arange(first, calendar.first_month + calendar.n_months)
    offset = calendar.first_month - first
    lifetime = sample(operation(ops, "lifetime_years"), n_draws, streams.generator("lifetime"))
    survival = np.ascontiguousarray(
        weibull_survival(lifetime, central(operation(ops, "lifetime_weibull_shape")), len(months))
    )
    n_regions = len(scenario.regions)
    nameplate_by_region = np.zeros((n_draws, n_regions, calendar.n_months))
    installed = np.zeros((n_draws, calendar.n_months))
    for i, deployment in enumerate(scenario.deployments):
        path = deployment_path(deployment, months, catalog, where=f"deployments[{i}]")
        additions = np.empty((n_draws, len(months)))
        in_service = np.empty((n_draws, len(months)))
        kernels.fleet_replacement(
            np.ascontiguousarray(path.target), survival, additions, in_service
        )
        watts = path.mix @ np.array([catalog.system_w({t: 1.0}) for t in path.type_ids])
        nameplate = np.empty_like(additions)
        kernels.vintage_weighted_stock(
            additions, survival, np.ascontiguousarray(watts * 1e-6), nameplate
        )
        shares = deployment.region_shares or {scenario.regions[0]: 1.0}
        for region, share in shares.items():
            nameplate_by_region[:, scenario.regions.index(region), :] += (
                share * nameplate[:, offset:]
            )
        installed += in_service[:, offset:]

    load_factor = sample(operation(ops, "load_factor"), n_draws, streams.generator("load_factor"))
    pue = sample(operation(ops, "pue"), n_draws, streams.generator("pue"))
    slope = (
        sample(
            operation(ops, "pue_temperature_slope_per_c"), n_draws, streams.generator("pue_slope")
        )
        * COOLING_SLOPE_FACTOR[ops.cooling]
    )
    inference = sample(operation(ops, "inference_share"), n_draws, streams.generator("inference"))
    a, b = _pue_line(pue, slope, mean_excess)
    it_mw = nameplate_by_region * load_factor[:, None, None]
    coef = _coefficients(it_mw, inference, a, b)
    nameplate_total = nameplate_by_region.sum(axis=1)
    unhosted = (
        np.maximum(nameplate_total - cap_total, 0.0)
        if cap_total is not None
        else np.full_like(nameplate_total, np.nan)
    )
    return _AiLoad(
        coef=coef,
        installed=installed,
        nameplate_mw=nameplate_total,
        hosted_mw=cap_total if cap_total is not None else np.full_like(nameplate_total, np.nan),
        unhosted_mw=unhosted,
        drivers={
            "load_factor": load_factor,
            "pue": pue,
            "pue_temperature_slope_per_c": slope,
            "lifetime_years": lifetime,
            "inference_share": inference,
        },
    )


def _coefficients(it_mw, inference, a, b):
    """Expand IT x shape x PUE(T) into the kernel's 4 coefficients. float64[D, R, M, 4]"""
    flat, diurnal = (1.0 - inference)[:, None, None], inference[:, None, None]
    a3, b3 = a[:, None, None], b[:, None, None]
    # Written into one array term by term: np.stack would hold four full-size temporaries.
    coefficients = np.empty((*it_mw.shape, 4))
    for index, (share, pue_term) in enumerate(
        ((flat, a3), (diurnal, a3), (flat, b3), (diurnal, b3))
    ):
        coefficients[..., index] = it_mw * share * pue_term
    return coefficients


def _site_capacities(scenario, options, calendar, streams):
    """Built IT capacity of each site by draw and month [MW], float64[D, M], in site order.

    A generator, so that a caller needing only the total never holds all sites at once
    (each site's random stream is keyed by its name, so the values do not depend on that).
    """
    n_draws, n_months = options.draws, calendar.n_months
    for s, site in enumerate(scenario.sites):
        rng = streams.generator(f"site:{s}:{site.name}")
        defaults = STATUS_DEFAULTS[site.status]
        probability = (
            sample(site.build_probability, n_draws, rng)
            if site.build_probability is not None
            else np.full(n_draws, defaults["build_probability"])
        )
        built = (rng.random(n_draws) < probability).astype(np.uint8)
        delay_quantity = site.delay_months or Triangular(
            dist="triangular",
            low=defaults["delay_months"][0],
            mode=defaults["delay_months"][1],
            high=defaults["delay_months"][2],
        )
        delay = sample(delay_quantity, n_draws, rng)
        start = month_number(site.commissioning) - calendar.first_month + delay
        ramp = central(site.ramp_months) if site.ramp_months is not None else 0.0
        out = np.empty((n_draws, 1, n_months))
        kernels.hosted_capacity(
            np.ones(1),
            np.ascontiguousarray(start[:, None]),
            np.array([ramp]),
            np.ascontiguousarray(built[:, None]),
            np.zeros(1, dtype=np.int64),
            out,
        )
        yield out[:, 0, :] * sample(site.it_mw, n_draws, rng)[:, None]


def _sum_in_order(arrays) -> np.ndarray | None:
    """Sum of the arrays, added in order (as ``np.stack(arrays).sum(axis=0)``); None if none."""
    total = None
    for array in arrays:
        if total is None:
            total = array.copy()
        else:
            total += array
    return total


def _sites_load(scenario, options, calendar, streams, capacities, mean_excess):
    ops = scenario.operations
    n_draws, n_regions = options.draws, len(scenario.regions)
    coef = np.zeros((n_draws, n_regions, calendar.n_months, 4))
    shared = {
        "load_factor": sample(
            operation(ops, "load_factor"), n_draws, streams.generator("load_factor")
        ),
        "pue": sample(operation(ops, "pue"), n_draws, streams.generator("pue")),
        "inference_share": sample(
            operation(ops, "inference_share"), n_draws, streams.generator("inference")
        ),
    }
    slope = sample(
        operation(ops, "pue_temperature_slope_per_c"), n_draws, streams.generator("pue_slope")
    )
    for s, site in enumerate(scenario.sites):
        rng = streams.generator(f"site-ops:{s}:{site.name}")
        draws = {
            name: sample(getattr(site, name), n_draws, rng) if getattr(site, name) else shared[name]
            for name in shared
        }
        a, b = _pue_line(draws["pue"], slope * COOLING_SLOPE_FACTOR[site.cooling], mean_excess)
        region = scenario.regions.index(site.region) if site.region else 0
        it_mw = (capacities[s] * draws["load_factor"][:, None])[:, None, :]
        coef[:, region : region + 1] += _coefficients(it_mw, draws["inference_share"], a, b)
    total = capacities.sum(axis=0)
    return _AiLoad(
        coef=np.ascontiguousarray(coef),
        installed=np.full_like(total, np.nan),
        nameplate_mw=total,
        hosted_mw=total,
        unhosted_mw=np.zeros_like(total),
        drivers={**shared, "pue_temperature_slope_per_c": slope, "built_it_mw_final": total[:, -1]},
    )


def _inference_shape(scenario, calendar) -> np.ndarray:
    import holidays

    ops = scenario.operations
    local = calendar.local
    try:
        calendar_holidays = holidays.country_holidays(
            scenario.country, years=range(local[0].year, local[-1].year + 1)
        )
    except NotImplementedError:
        calendar_holidays = holidays.HolidayBase()  # a country without a calendar: no holidays
    # Look holidays up once per local day, not per hour (a Python call each).
    first_hours = calendar.day_starts[:-1]
    holiday_of_day = np.array([d in calendar_holidays for d in local[first_hours].date], dtype=bool)
    is_holiday = np.repeat(holiday_of_day, np.diff(calendar.day_starts))
    is_workday = ((local.day_of_week < 5) & ~is_holiday).astype(np.uint8)
    shape = np.empty(len(local))
    kernels.inference_profile(
        np.asarray(local.hour, dtype=np.int64),
        np.ascontiguousarray(is_workday),
        central(operation(ops, "inference_peak_to_mean")) - 1.0,
        central(operation(ops, "inference_peak_hour")),
        central(operation(ops, "inference_weekend_factor")),
        shape,
    )
    return shape / shape.mean()


@dataclass
class _Baseline:
    level: np.ndarray  # float64[D, Y]
    shape: np.ndarray  # float64[W, H]
    noise: np.ndarray  # float64[D, days] (a transposed day-major array: noise.T is C order)
    label: str


def _baseline(scenario, options, calendar, temperature, streams, model=None) -> _Baseline | None:
    if not options.include_baseline:
        return None
    from forecast.baseline import load_baseline_model

    if model is None:
        try:
            model = load_baseline_model(options.baseline_model)
        except NotFoundError:
            if options.baseline_model is not None:
                raise
            return None
    model_country = model.manifest.get("country") or model.manifest.get("config", {}).get("country")
    if model_country and model_country != scenario.country:
        if options.baseline_model is not None:
            raise ArtifactError(
                f"baseline model {model.model_id}@{model.version} is for {model_country}; "
                f"the scenario is for {scenario.country}"
            )
        return None
    years = calendar.years
    level = np.ascontiguousarray(
        model.level_draws(years, options.draws, streams.generator("baseline_level"))
    )
    shape = np.ascontiguousarray(model.shape(calendar.local, temperature))
    # Kept in the model's layout (a view of a day-major array): no full-size copy.
    noise = model.daily_noise_draws(
        len(calendar.day_starts) - 1, options.draws, streams.generator("baseline_noise")
    )
    return _Baseline(
        level=level, shape=shape, noise=noise, label=f"{model.model_id}@{model.version}"
    )


def _day_chunks(calendar: _Calendar, max_days: int):
    """Chunks of at most ``max_days`` whole local days, as ``(first_day, last_day)``."""
    n_days = len(calendar.day_starts) - 1
    for first in range(0, n_days, max_days):
        yield first, min(first + max_days, n_days)


def project(
    scenario: Scenario,
    options: ProjectionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    baseline: BaselineModel | None = None,
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

    Returns
    -------
    xarray.Dataset
        Variables of :data:`forecast.outputs.OUTPUT_VARIABLES` with units and provenance.
    """
    from forecast.weather import load_weather

    options = (options or ProjectionOptions()).validated(scenario)
    assert options.start is not None and options.end is not None  # filled by validated()
    catalog: Catalog = load_catalog()
    calendar = _Calendar.build(options.start, options.end, scenario.timezone)
    streams = Streams(options.seed)
    weather = load_weather(options.weather, location=scenario.weather_location)
    reference_c = central(operation(scenario.operations, "pue_reference_temperature_c"))
    temperature = weather.for_hours(calendar.local)
    cooling_excess = np.ascontiguousarray(np.maximum(temperature - reference_c, 0.0))
    mean_excess = float(cooling_excess.mean())
    n_weather = cooling_excess.shape[0]
    weather_of_draw = streams.generator("weather").integers(0, n_weather, options.draws)

    sites = _site_capacities(scenario, options, calendar, streams)
    if scenario.basis == "fleet":
        # Only the sites' total is needed: summed site by site, never all sites held at once.
        cap_total = _sum_in_order(sites)
        ai = _fleet_load(scenario, options, calendar, streams, catalog, mean_excess, cap_total)
    else:
        capacities = np.zeros((len(scenario.sites), options.draws, calendar.n_months))
        for index, capacity in enumerate(sites):
            capacities[index] = capacity
        ai = _sites_load(scenario, options, calendar, streams, capacities, mean_excess)
    ai.drivers["weather_year_mean_excess_c"] = cooling_excess.mean(axis=1)[weather_of_draw]

    shape = _inference_shape(scenario, calendar)
    if not np.isfinite(ai.coef).all():
        raise ForecastError(
            f"scenario {scenario.id}: the AI load is not a number in some month and draw; "
            "this is a bug, please report it with the scenario"
        )
    baseline_inputs = _baseline(scenario, options, calendar, temperature, streams, baseline)
    stats = _stream(
        scenario,
        options,
        calendar,
        ai,
        shape,
        cooling_excess,
        weather_of_draw,
        baseline_inputs,
        progress,
    )
    return _dataset(scenario, options, calendar, ai, stats, baseline_inputs, weather)


@dataclass
class _Stats:
    series: dict[str, np.ndarray]  # name -> [Q, P] or [R, Q, P]
    annual: dict[str, np.ndarray]  # name -> [D, Y] or [R, D, Y]
    period_times: pd.DatetimeIndex


@dataclass
class _Periods:
    """The output time grid: hours, days, months or years."""

    times: pd.DatetimeIndex
    of_day: np.ndarray | None  # int64[days] period of each local day (None for hourly)
    hours: np.ndarray | None  # float64[P] hours in each period (None for hourly)

    @classmethod
    def build(cls, calendar: _Calendar, resolution: str) -> _Periods:
        first_hours = calendar.day_starts[:-1]
        if resolution == "hourly":
            return cls(times=calendar.local, of_day=None, hours=None)
        if resolution == "daily":
            of_day = np.arange(len(first_hours))
        else:
            of_hour = calendar.month_of_hour if resolution == "monthly" else calendar.year_of_hour
            of_day = np.cumsum(np.r_[0, np.diff(of_hour[first_hours]) != 0])
        hours = np.bincount(of_day, weights=np.diff(calendar.day_starts)).astype(float)
        starts = first_hours[np.r_[0, np.flatnonzero(np.diff(of_day)) + 1]]
        return cls(times=calendar.local[starts], of_day=of_day, hours=hours)


def _stream(
    scenario, options, calendar, ai, shape, cooling_excess, weather_of_draw, baseline, progress
) -> _Stats:
    """Stream over chunks of whole days through the fused kernel; see
    :func:`forecast.kernels.stream_chunk`.

    Draws are sorted by weather year inside the stream (quantiles do not depend on the order)
    and per-draw results are put back in draw order at the end.
    """
    n_draws, n_regions, n_years = options.draws, len(scenario.regions), len(calendar.years)
    n_weather, n_rows = cooling_excess.shape[0], n_regions + stream.FIRST_REGION_ROW
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    have_baseline, regional = baseline is not None, n_regions > 1
    order = np.argsort(weather_of_draw, kind="stable")
    group_bounds = np.searchsorted(weather_of_draw[order], np.arange(n_weather + 1))
    periods = _Periods.build(calendar, options.resolution)
    names = ["ai_facility_mw", *(["baseline_mw", "total_mw"] if have_baseline else [])]
    rows = [stream.AI_ROW, *([stream.BASELINE_ROW, stream.TOTAL_ROW] if have_baseline else [])]
    region_rows = list(range(stream.FIRST_REGION_ROW, n_rows)) if regional else []
    hourly = periods.of_day is None
    quantile_rows = np.array(rows + region_rows if hourly else [], dtype=np.int64)

    n_periods = len(periods.times)
    series = {name: np.empty((len(probabilities), n_periods)) for name in names}
    if regional:
        series["ai_facility_mw_by_region"] = np.empty((n_regions, len(probabilities), n_periods))
    energy = np.zeros((n_rows, n_years, n_draws))  # sorted draws, transposed
    peaks = np.full((4, n_years, n_draws), -np.inf)
    peaks[stream.AI_AT_TOTAL_PEAK] = 0.0
    period_sums = None if hourly else np.zeros((n_rows, n_periods, n_draws))
    blocks = _numba.thread_count()
    max_days = max(CHUNK_ELEMENTS // (n_draws * n_rows), 1)

    done = 0
    for first_day, last_day in _day_chunks(calendar, max_days):
        h0, h1 = int(calendar.day_starts[first_day]), int(calendar.day_starts[last_day])
        m0, m1 = int(calendar.month_of_hour[h0]), int(calendar.month_of_hour[h1 - 1]) + 1
        y0, y1 = int(calendar.year_of_hour[h0]), int(calendar.year_of_hour[h1 - 1]) + 1
        day_starts = calendar.day_starts[first_day : last_day + 1] - h0
        year_of_day = calendar.year_of_hour[day_starts[:-1] + h0] - y0
        if have_baseline:
            level_t = np.ascontiguousarray(baseline.level[order, y0:y1].T)
            noise_t = np.ascontiguousarray(baseline.noise.T[first_day:last_day][:, order])
            baseline_shape = np.ascontiguousarray(baseline.shape[:, h0:h1])
        else:
            level_t = np.zeros((y1 - y0, n_draws))
            noise_t = np.ones((last_day - first_day, n_draws))
            baseline_shape = np.zeros((n_weather, h1 - h0))
        quantiles = np.empty((len(quantile_rows), len(probabilities), h1 - h0))
        day_sums = np.empty((n_rows, last_day - first_day, n_draws))
        block_peaks = np.empty((blocks, 4, y1 - y0, n_draws))
        kernels.stream_chunk(
            np.ascontiguousarray(ai.coef[order, :, m0:m1, :].transpose(2, 1, 3, 0)),
            calendar.month_of_hour[h0:h1] - m0, np.ascontiguousarray(shape[h0:h1]),
            np.ascontiguousarray(cooling_excess[:, h0:h1]), level_t, baseline_shape, noise_t,
            year_of_day, day_starts, group_bounds, probabilities, quantile_rows, quantiles,
            day_sums, block_peaks,
        )  # fmt: skip
        year_change = np.r_[0, np.flatnonzero(np.diff(year_of_day)) + 1]
        energy[:, y0:y1] += np.add.reduceat(day_sums, year_change, axis=1)
        _merge_peaks(peaks[:, y0:y1], block_peaks)
        if hourly:
            for index, name in enumerate(names):
                series[name][:, h0:h1] = quantiles[index]
            for region in range(len(region_rows)):
                series["ai_facility_mw_by_region"][region][:, h0:h1] = quantiles[
                    len(names) + region
                ]
        else:
            of_day = periods.of_day[first_day:last_day]
            change = np.r_[0, np.flatnonzero(np.diff(of_day)) + 1]
            period_sums[:, of_day[change]] += np.add.reduceat(day_sums, change, axis=1)
        done += h1 - h0
        if progress is not None:
            progress(done, len(calendar.local))

    if not hourly:
        for row, name in zip(rows, names, strict=True):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(means, probabilities, series[name])
        for region, row in enumerate(region_rows):
            means = np.ascontiguousarray((period_sums[row] / periods.hours[:, None]).T)
            kernels.quantiles_over_draws(
                means, probabilities, series["ai_facility_mw_by_region"][region]
            )
    return _Stats(series=series, annual=_annual(energy, peaks, order), period_times=periods.times)


def _merge_peaks(peaks: np.ndarray, block_peaks: np.ndarray) -> None:
    """Fold the kernel's per-block peaks [B, 4, Y, D] into ``peaks`` [4, Y, D], in hour order.

    A later block moves the total's peak (and the AI load recorded at it) only when strictly
    higher, so the first hour of a tie wins as in a serial scan.
    """
    for block in block_peaks:
        np.maximum(peaks[stream.AI_PEAK], block[stream.AI_PEAK], out=peaks[stream.AI_PEAK])
        np.maximum(peaks[stream.BASELINE_PEAK], block[stream.BASELINE_PEAK],
                   out=peaks[stream.BASELINE_PEAK])  # fmt: skip
        rises = block[stream.TOTAL_PEAK] > peaks[stream.TOTAL_PEAK]
        peaks[stream.TOTAL_PEAK][rises] = block[stream.TOTAL_PEAK][rises]
        peaks[stream.AI_AT_TOTAL_PEAK][rises] = block[stream.AI_AT_TOTAL_PEAK][rises]


def _annual(energy: np.ndarray, peaks: np.ndarray, order: np.ndarray) -> dict[str, np.ndarray]:
    """Per-draw annual statistics [D, Y] in draw order, from the stream's [.., Y, D sorted]."""
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(order.size)
    by_draw = lambda values: np.ascontiguousarray(values[..., unsorted].swapaxes(-1, -2))  # noqa: E731
    return {
        "ai_energy": by_draw(energy[stream.AI_ROW]),
        "baseline_energy": by_draw(energy[stream.BASELINE_ROW]),
        "total_energy": by_draw(energy[stream.TOTAL_ROW]),
        "region_energy": by_draw(energy[stream.FIRST_REGION_ROW :]),
        "ai_peak": by_draw(peaks[stream.AI_PEAK]),
        "baseline_peak": by_draw(peaks[stream.BASELINE_PEAK]),
        "total_peak": by_draw(peaks[stream.TOTAL_PEAK]),
        "ai_at_total_peak": by_draw(peaks[stream.AI_AT_TOTAL_PEAK]),
    }


def _quantiles(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Quantiles over draws (axis 0) of a [D, ...] array, as [Q, ...]."""
    flat = np.ascontiguousarray(values.reshape(values.shape[0], -1), dtype=np.float64)
    out = np.empty((len(probabilities), flat.shape[1]))
    kernels.quantiles_over_draws(flat, probabilities, out)
    return out.reshape((len(probabilities), *values.shape[1:]))


def _attrs(name: str) -> dict[str, str]:
    variable = BY_NAME[name]
    return {"units": variable.units, "description": variable.description}


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of the scenario's canonical JSON (identifies the exact inputs)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _dataset(scenario, options, calendar, ai, stats, baseline, weather) -> xr.Dataset:
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    utc = stats.period_times.tz_convert("UTC").tz_localize(None)
    coords = {
        "time": ("time", utc.to_numpy(), {"description": "start of the period, UTC"}),
        "local_time": (
            "time",
            local_iso(stats.period_times).astype(str),
            {"description": f"start of the period, local time ({scenario.timezone})"},
        ),
        "quantile": ("quantile", probabilities, {"units": "1", "description": "probability level"}),
        "year": ("year", calendar.years, {"description": "calendar year, local time"}),
        "region": ("region", np.array(scenario.regions, dtype=str)),
        "month": (
            "month",
            pd.period_range(pd.Period(options.start, "M"), periods=calendar.n_months, freq="M")
            .to_timestamp()
            .to_numpy(),
            {"description": "month (local calendar)"},
        ),
    }
    data = {}
    for name, values in stats.series.items():
        # Kernels fill [Q, P] per series ([R, Q, P] by region); the Dataset orders dims as
        # declared in forecast.outputs.
        ordered = values.swapaxes(-1, -2)
        data[name] = (BY_NAME[name].dims, ordered, _attrs(name))
    data["installed_accelerators"] = (
        ("month", "quantile"),
        _quantiles(ai.installed, probabilities).T,
        _attrs("installed_accelerators"),
    )
    for name, values in (
        ("it_nameplate_mw", ai.nameplate_mw),
        ("hosted_it_capacity_mw", ai.hosted_mw),
        ("unhosted_it_mw", ai.unhosted_mw),
    ):
        data[name] = (("month", "quantile"), _quantiles(values, probabilities).T, _attrs(name))

    annual = stats.annual
    hours = calendar.hours_per_year[None, :]
    per_draw = {
        "ai_energy_twh": annual["ai_energy"] * 1e-6,
        "ai_peak_gw": annual["ai_peak"] * 1e-3,
        "ai_load_factor": np.divide(
            annual["ai_energy"],
            annual["ai_peak"] * hours,
            out=np.zeros_like(annual["ai_energy"]),
            where=annual["ai_peak"] > 0,
        ),
    }
    if baseline is not None:
        per_draw |= {
            "baseline_energy_twh": annual["baseline_energy"] * 1e-6,
            "baseline_peak_gw": annual["baseline_peak"] * 1e-3,
            "total_energy_twh": annual["total_energy"] * 1e-6,
            "total_peak_gw": annual["total_peak"] * 1e-3,
            "ai_share_of_energy_pct": 100.0 * annual["ai_energy"] / annual["total_energy"],
            "ai_at_national_peak_gw": annual["ai_at_total_peak"] * 1e-3,
            "peak_change_gw": (annual["total_peak"] - annual["baseline_peak"]) * 1e-3,
        }
    for name, values in per_draw.items():
        data[name] = (("year", "quantile"), _quantiles(values, probabilities).T, _attrs(name))
    if len(scenario.regions) > 1:
        region_twh = annual["region_energy"] * 1e-6  # [R, D, Y]
        data["ai_energy_twh_by_region"] = (
            ("region", "year", "quantile"),
            np.stack(
                [_quantiles(region_twh[r], probabilities).T for r in range(len(scenario.regions))]
            ),
            _attrs("ai_energy_twh_by_region"),
        )
    drivers = _spread_drivers(ai.drivers, annual["ai_energy"][:, -1])
    data["spread_driver_rank_correlation"] = (
        ("input",),
        np.array(list(drivers.values())),
        {
            "units": "1",
            "description": "Spearman rank correlation of each sampled input with "
            f"the AI energy of {calendar.years[-1]} over the draws (which inputs drive the spread)",
        },
    )
    coords["input"] = ("input", np.array(list(drivers), dtype=str))

    dataset = xr.Dataset(
        {name: _variable(*spec) for name, spec in data.items()},
        coords={name: _coordinate(name, *spec) for name, spec in coords.items()},
    )
    dataset.attrs = {
        "title": f"AI data-centre electricity demand projection: {scenario.title}",
        "scenario_id": scenario.id,
        "scenario_sha256": scenario_digest(scenario),
        "country": scenario.country,
        "timezone": scenario.timezone,
        "basis": scenario.basis,
        "seed": options.seed,
        "draws": options.draws,
        "resolution": options.resolution,
        "period_start": options.start.isoformat(),
        "period_end": options.end.isoformat(),
        "code_version": forecast.__version__,
        "baseline_model": baseline.label if baseline is not None else "none",
        "weather_source": weather.source,
        "weather_years": ",".join(weather.labels),
        "hosting_checked": int(bool(scenario.sites) and scenario.basis == "fleet"),
        "Conventions": "CF-1.8",
    }
    return dataset


def _variable(dims, values, attrs=None) -> xr.Variable:
    """An xarray Variable holding the NumPy array as it is.

    ``fastpath=True`` skips xarray's duck-array checks, which import dask.array (with dask
    installed, 0.4 s of every process's first projection, measured with ``python -X
    importtime``) only to find that a NumPy array is not a dask array.
    """
    return xr.Variable(dims, np.asarray(values), attrs, fastpath=True)


def _coordinate(name, dims, values, attrs=None) -> xr.Variable:
    """A coordinate; a dimension's own coordinate is handed over as a pandas Index.

    xarray indexes a dimension coordinate with a pandas Index; given anything else it checks
    first whether the values are a dask array, importing dask.base to do so (0.1 s of every
    process's first projection, measured with ``python -X importtime``).
    """
    if dims == name:
        return xr.IndexVariable(dims, pd.Index(np.asarray(values)), attrs, fastpath=True)
    return _variable(dims, values, attrs)


def _spread_drivers(drivers: dict[str, np.ndarray], outcome: np.ndarray) -> dict[str, float]:
    frame = pd.DataFrame({name: np.asarray(v, dtype=float) for name, v in drivers.items()})
    frame["__outcome"] = outcome
    varying = [c for c in frame.columns if np.ptp(frame[c].to_numpy()) > 0]
    if "__outcome" not in varying:
        return dict.fromkeys(drivers, 0.0)
    ranks = frame[varying].rank()
    correlations = ranks.corr()["__outcome"]
    return {name: float(correlations.get(name, 0.0)) for name in drivers}
