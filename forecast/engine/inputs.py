"""Every uncertain input of a projection, drawn once per draw: one module owns the streams.

:func:`draw_inputs` is the only place that samples. It names every random stream (each input
has its own, keyed by name, so adding a site leaves the other inputs' draws as they were and
scenarios that share an input share its draws: common random numbers), and it fills in every
default (operations from :data:`forecast.engine.sampling.OPERATION_DEFAULTS`, sites from
:func:`forecast.engine.sampling.site_defaults`). The stages after it (fleet, hosting, power,
baseline) are deterministic functions of what it returns.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.calendar import month_number
from forecast.engine.options import ProjectionOptions
from forecast.engine.sampling import (
    PathDraw,
    Streams,
    central,
    operation,
    sample,
    sample_path,
    single_operation,
    site_defaults,
)
from forecast.errors import ForecastError
from forecast.outputs import DRIVER_UNITS
from forecast.scenario import (
    COOLING_SLOPE_FACTOR,
    NON_AI_QUANTITIES,
    NonAiLoad,
    Scenario,
)
from forecast.units import MWH_TO_TWH, W_TO_MW

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel


@dataclass(frozen=True)
class DeliveryDraw:
    """Per-draw delivery of one deployment's dated entries (deployment and entry terms combined).

    Delays are in months, added to each entry's dates; factors multiply each entry's count.
    """

    milestone_delay: np.ndarray  # float64[D, K]
    milestone_factor: np.ndarray  # float64[D, K]
    shipment_delay: np.ndarray  # float64[D, J]
    shipment_factor: np.ndarray  # float64[D, J]

    def mean_delay(self) -> np.ndarray:
        """Mean delay over the deployment's entries in each draw. [month] float64[D]"""
        delays = np.concatenate([self.milestone_delay, self.shipment_delay], axis=1)
        return delays.mean(axis=1) if delays.shape[1] else np.zeros(delays.shape[0])

    def mean_factor(self) -> np.ndarray:
        """Mean count factor over the deployment's entries in each draw. [-] float64[D]"""
        factors = np.concatenate([self.milestone_factor, self.shipment_factor], axis=1)
        return factors.mean(axis=1) if factors.shape[1] else np.ones(factors.shape[0])

    @property
    def varies(self) -> bool:
        """Whether any delay or count differs from its plan in any draw."""
        return bool(
            np.any(self.milestone_delay)
            or np.any(self.shipment_delay)
            or np.any(self.milestone_factor != 1.0)
            or np.any(self.shipment_factor != 1.0)
        )


@dataclass(frozen=True)
class SiteDraw:
    """One site in every draw: whether and when it is built, its size and how it runs."""

    built: np.ndarray  # uint8[D]
    start_month: np.ndarray  # float64[D] month number of commissioning after the delay
    capacity_mw: np.ndarray  # float64[D]
    ramp_months: float
    phased: bool  # asks the grid as it builds (grid_request = "phased"), not all at once
    lead_months: float  # asks the grid this many months before its ramp would [month]
    capacity_kind: str  # "grid" or "it"
    region: int
    pue: PathDraw  # the site's own, or the scenario's
    slope_factor: float  # cooling type's multiplier of the PUE temperature slope [-]
    load_factor: PathDraw
    inference_share: PathDraw
    tenant_occupancy: PathDraw


@dataclass(frozen=True)
class NonAiDraw:
    """One non-AI load in every draw: how much IT it runs, where and with which PUE."""

    name: str
    kind: str
    share_months: np.ndarray  # float64[P] month number of each point of its region shares
    region_shares: np.ndarray  # float64[R, P] its share in each region at each point [-]
    installed: PathDraw | None  # units
    power_w: PathDraw | None  # W per unit
    utilisation: PathDraw | None  # average draw / power_w
    energy_twh: PathDraw | None  # IT energy a year
    pue: PathDraw
    hosted: bool
    in_baseline: bool

    def it_mw(self, months: np.ndarray) -> np.ndarray:
        """Average IT load at the month numbers ``months``. [MW] float64[D, M]"""
        if self.energy_twh is not None:
            # Spread over each calendar year's own hours, so that a year's IT energy is the
            # stated TWh in a leap year too (a year of 8,765.82 hours gave 19.99 of 20 TWh).
            years = np.floor_divide(np.asarray(months, dtype=np.float64), 12.0)
            leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
            return self.energy_twh.at(months) * (1.0 / MWH_TO_TWH / np.where(leap, 8784.0, 8760.0))
        assert self.installed is not None and self.power_w is not None
        load = self.installed.at(months) * self.power_w.at(months) * W_TO_MW
        return load * self.utilisation.at(months) if self.utilisation is not None else load

    def shares_at(self, months: np.ndarray) -> np.ndarray:
        """Its share in each region at the month numbers ``months``: linear between the points
        of its ``region_shares``, held outside them, as a trend is. [-] float64[R, M]"""
        grid = np.asarray(months, dtype=np.float64)
        return np.stack([np.interp(grid, self.share_months, row) for row in self.region_shares])

    def room_mw(self, months: np.ndarray) -> np.ndarray:
        """IT capacity the load takes in a hall: its units at nameplate (``power_w``), or, when
        only its energy is known, its average IT load. [MW] float64[D, M]"""
        if self.installed is not None and self.power_w is not None:
            return self.installed.at(months) * self.power_w.at(months) * W_TO_MW
        return self.it_mw(months)


@dataclass(frozen=True)
class GridDraw:
    """A region's connection limit for new large loads in every draw."""

    region: int
    limit_mw: PathDraw
    reinforcements: list[tuple[np.ndarray, np.ndarray]]  # (month number [D], MW [D]) each

    def at(self, months: np.ndarray) -> np.ndarray:
        """The limit at the month numbers ``months``. [MW] float64[D, M]"""
        limit = self.limit_mw.at(months)
        for month, mw in self.reinforcements:
            limit = limit + np.where(months[None, :] >= month[:, None], mw[:, None], 0.0)
        return limit


@dataclass(frozen=True)
class FlexDraw:
    """The flexibility of the AI load in every draw."""

    share: np.ndarray  # float64[D]
    shift: bool
    hours_per_year: int
    threshold_mw: float
    from_year: int  # the first calendar year it applies in


@dataclass(frozen=True)
class BaselineDraw:
    """Per-draw inputs of the baseline model (its level and daily noise).

    The daily noise is drawn on a thread of its own while the fleet, hosting and power stages
    run (:func:`beside`): its normals are most of the sampling's time (45 of 60 ms at 1,000
    draws x 12 years, measured 2026-12-05) and NumPy draws them without the GIL. Its stream
    is its own, so the numbers are the same as drawn in line.
    """

    level_mw: np.ndarray  # float64[D, Y]
    pending_noise: Future[np.ndarray]

    @property
    def noise(self) -> np.ndarray:
        """float64[D, days], a transposed day-major array (``noise.T`` is C order); waits for
        the thread drawing it and raises what it raised. [1]"""
        return self.pending_noise.result()


def beside(function: Callable[..., np.ndarray], *arguments: Any, name: str) -> Future[np.ndarray]:
    """``function(*arguments)`` started on a new thread named ``forecast-<name>``, in this
    thread's context (the kernels' NumPy-twin switch is a context variable). One short thread
    per call, not a pool: a projection starts one."""
    pending: Future[np.ndarray] = Future()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            pending.set_result(context.run(function, *arguments))
        except BaseException as error:  # handed to whoever waits for the result
            pending.set_exception(error)

    threading.Thread(target=run, name=f"forecast-{name}", daemon=True).start()
    return pending


@dataclass(frozen=True)
class Inputs:
    """Every sampled input of a projection, in draw order."""

    draws: int
    weather_of_draw: np.ndarray  # int64[D]
    lifetime_years: np.ndarray  # float64[D]
    weibull_shape: float
    load_factor: PathDraw
    pue: PathDraw
    pue_slope_per_c: PathDraw  # before the cooling type's factor
    inference_share: PathDraw
    scenario_slope_factor: float
    deliveries: list[DeliveryDraw]
    sites: list[SiteDraw]
    non_ai: list[NonAiDraw] = field(default_factory=list)
    grids: list[GridDraw] = field(default_factory=list)
    flexibility: FlexDraw | None = None
    baseline: BaselineDraw | None = None
    extra_drivers: dict[str, np.ndarray] = field(default_factory=dict)

    def drivers(self) -> dict[str, np.ndarray]:
        """Per-draw value of every sampled input that can vary, for the spread drivers.

        A trend is represented by the mean of its points in the draw (all points are drawn at
        one probability, so it ranks the draws as each point does).
        """
        drivers = {
            "load_factor": self.load_factor.values.mean(axis=1),
            "pue": self.pue.values.mean(axis=1),
            "pue_temperature_slope_per_c": self.pue_slope_per_c.values.mean(axis=1),
            "lifetime_years": self.lifetime_years,
            "inference_share": self.inference_share.values.mean(axis=1),
        }
        return drivers | self.extra_drivers

    def non_ai_drivers(self) -> dict[str, np.ndarray]:
        """Per-draw value of each non-AI load's sampled inputs (a trend by the mean of its
        points, as :meth:`drivers`), named ``<input>: <load>``."""
        found: dict[str, np.ndarray] = {}
        for load in self.non_ai:
            for name in NON_AI_QUANTITIES:
                path = getattr(load, name)
                if path is not None and not (name == "pue" and path is self.pue):
                    found[f"{name}: {load.name}"] = path.values.mean(axis=1)
        return found


def _site_quantity(site: Any, name: str, fallback: Any) -> Any:
    value = getattr(site, name)
    return value if value is not None else fallback


def _draw_site(scenario: Scenario, index: int, streams: Streams, n_draws: int, shared):
    site = scenario.sites[index]
    key = f"site:{index}:{site.name}"
    defaults = site_defaults(scenario, site)
    probability = site.build_probability or defaults["build_probability"]
    delay = site.delay_months or defaults["delay_months"]
    built_probability = sample(probability, n_draws, streams.generator(f"{key}:build"))
    built = (streams.generator(f"{key}:built").random(n_draws) < built_probability).astype(np.uint8)
    occupancy = site.tenant_occupancy or defaults["tenant_occupancy"]
    own = {
        name: sample_path(site_value, n_draws, streams.generator(f"{key}:{name}"))
        for name in ("pue", "load_factor", "inference_share")
        if (site_value := getattr(site, name)) is not None
    }
    return SiteDraw(
        built=built,
        start_month=month_number(site.commissioning)
        + sample(delay, n_draws, streams.generator(f"{key}:delay")),
        capacity_mw=sample(site.capacity_mw, n_draws, streams.generator(f"{key}:capacity")),
        ramp_months=central(site.ramp_months or defaults["ramp_months"]),
        phased=site.grid_request == "phased",
        lead_months=central(site.grid_lead_months or defaults["grid_lead_months"]),
        capacity_kind=site.capacity_kind,
        region=scenario.regions.index(site.region) if site.region else 0,
        pue=own.get("pue", shared["pue"]),
        slope_factor=COOLING_SLOPE_FACTOR[site.cooling],
        load_factor=own.get("load_factor", shared["load_factor"]),
        inference_share=own.get("inference_share", shared["inference_share"]),
        tenant_occupancy=sample_path(occupancy, n_draws, streams.generator(f"{key}:occupancy")),
    )


def _declares_delivery(deployment: Any) -> bool:
    """Whether the deployment or any of its entries states a delivery delay or count factor."""
    entries = [*deployment.milestones, *deployment.shipments]
    return (
        deployment.delivery_delay_months is not None
        or deployment.count_factor is not None
        or any(e.delay_months is not None or e.count_factor is not None for e in entries)
    )


def _draw_delivery(deployment: Any, index: int, streams: Streams, n_draws: int) -> DeliveryDraw:
    key = f"delivery:{index}:{deployment.name}"
    common_delay = (
        sample(deployment.delivery_delay_months, n_draws, streams.generator(f"{key}:delay"))
        if deployment.delivery_delay_months is not None
        else np.zeros(n_draws)
    )
    common_factor = (
        sample(deployment.count_factor, n_draws, streams.generator(f"{key}:count"))
        if deployment.count_factor is not None
        else np.ones(n_draws)
    )

    def entries(kind: str) -> tuple[np.ndarray, np.ndarray]:
        delays, factors = [], []
        for j, entry in enumerate(getattr(deployment, kind)):
            own = f"{key}:{kind}[{j}]"
            delays.append(
                common_delay
                + (
                    sample(entry.delay_months, n_draws, streams.generator(f"{own}:delay"))
                    if entry.delay_months is not None
                    else 0.0
                )
            )
            factors.append(
                common_factor
                * (
                    sample(entry.count_factor, n_draws, streams.generator(f"{own}:count"))
                    if entry.count_factor is not None
                    else 1.0
                )
            )
        shape = (n_draws, len(delays))
        return (
            np.stack(delays, axis=1) if delays else np.zeros(shape),
            np.stack(factors, axis=1) if factors else np.ones(shape),
        )

    milestone_delay, milestone_factor = entries("milestones")
    shipment_delay, shipment_factor = entries("shipments")
    return DeliveryDraw(milestone_delay, milestone_factor, shipment_delay, shipment_factor)


def _draw_non_ai(scenario: Scenario, index: int, streams: Streams, n_draws: int, pue):
    load = scenario.non_ai_loads[index]
    # A group's loads share each input's stream: the same probability in a draw.
    key = f"non_ai_group:{load.draw_group}" if load.draw_group else f"non_ai:{index}:{load.name}"

    def path(name):
        value = getattr(load, name)
        return (
            None
            if value is None
            else sample_path(value, n_draws, streams.generator(f"{key}:{name}"))
        )

    share_months, region_shares = _region_shares(scenario, load)
    return NonAiDraw(
        name=load.name,
        kind=load.kind,
        share_months=share_months,
        region_shares=region_shares,
        installed=path("installed"),
        power_w=path("power_w"),
        utilisation=path("utilisation"),
        energy_twh=path("energy_twh"),
        pue=path("pue") or pue,
        hosted=load.hosted,
        in_baseline=load.in_baseline,
    )


def _region_shares(scenario: Scenario, load: NonAiLoad) -> tuple[np.ndarray, np.ndarray]:
    """A non-AI load's region shares as points: month numbers [P] and shares [R, P] (one point
    of share 1 in its one region where it gives no ``region_shares``). Fixed, not sampled: a
    planner's placement, as a deployment's shares are."""
    n_regions = len(scenario.regions)
    shares = load.region_shares
    if shares is None:
        one = np.zeros((n_regions, 1))
        one[scenario.regions.index(scenario.region_of(load)), 0] = 1.0
        return np.zeros(1), one
    points = [(None, shares)] if isinstance(shares, dict) else [(p.date, p.shares) for p in shares]
    months = np.array([0.0 if d is None else month_number(d) for d, _ in points])
    table = np.array(
        [[point.get(region, 0.0) for _, point in points] for region in scenario.regions]
    )
    return months, table


def _draw_grid(scenario: Scenario, region: str, streams: Streams, n_draws: int) -> GridDraw:
    grid = scenario.grid[region]
    key = f"grid:{region}"
    reinforcements = []
    for j, step in enumerate(grid.reinforcements):
        stream = f"{key}:reinforcements[{j}]"
        delay = (
            sample(step.delay_months, n_draws, streams.generator(f"{stream}:delay"))
            if step.delay_months is not None
            else np.zeros(n_draws)
        )
        reinforcements.append(
            (
                month_number(step.date) + delay,
                sample(step.mw, n_draws, streams.generator(f"{stream}:mw")),
            )
        )
    return GridDraw(
        region=scenario.regions.index(region),
        limit_mw=sample_path(grid.limit_mw, n_draws, streams.generator(f"{key}:limit")),
        reinforcements=reinforcements,
    )


def _grid_drivers(scenario: Scenario, grids: list[GridDraw]) -> dict[str, np.ndarray]:
    """Each region's connection limit (a trend by the mean of its points) and each
    reinforcement's delay and size, per draw, named ``<input>: <region>[<j>]``."""
    found: dict[str, np.ndarray] = {}
    for region, grid in zip(scenario.grid, grids, strict=True):
        found[f"grid_limit_mw: {region}"] = grid.limit_mw.values.mean(axis=1)
        for j, (step, (month, mw)) in enumerate(
            zip(scenario.grid[region].reinforcements, grid.reinforcements, strict=True)
        ):
            found[f"grid_reinforcement_delay_months: {region}[{j}]"] = month - month_number(
                step.date
            )
            found[f"grid_reinforcement_mw: {region}[{j}]"] = mw
    return found


def _site_drivers(scenario: Scenario, sites: list[SiteDraw]) -> dict[str, np.ndarray]:
    """Each site's build (1 built, 0 not), commissioning delay and capacity per draw, named
    ``<input>: <site>`` (a name given to several sites numbered as the Dataset's ``site``)."""
    from forecast.engine.dataset import site_labels

    found: dict[str, np.ndarray] = {}
    labels = site_labels([site.name for site in scenario.sites])
    for site, label, draw in zip(scenario.sites, labels, sites, strict=True):
        found[f"site_built: {label}"] = draw.built.astype(np.float64)
        found[f"site_delay_months: {label}"] = draw.start_month - month_number(site.commissioning)
        found[f"site_capacity_mw: {label}"] = draw.capacity_mw
    return found


def possible_input_labels(scenario: Scenario) -> list[str]:
    """Every sampled input's label that a projection of ``scenario`` may hold (the spread
    drivers' inputs, ``--per-draw``'s ``input_*_per_draw``), from its structure alone, before
    any draw: its deployments, grid regions and reinforcements, sites and non-AI loads. A
    superset: an input the options drop (the baseline's level without a baseline, the weather
    without weather) is listed too. Named as :meth:`Inputs.drivers`, :meth:`Inputs.
    non_ai_drivers`, :func:`_grid_drivers` and :func:`_site_drivers` name them
    (``tests/forecast/cli/test_variables_before_the_run.py`` holds them to a projection's)."""
    from forecast.engine.dataset import site_labels

    labels = [
        "load_factor", "pue", "pue_temperature_slope_per_c", "lifetime_years",
        "inference_share", "weather_year_mean_excess_c", "built_it_capacity_mw_final",
        "flexibility_share", "baseline_level_mw",
    ]  # fmt: skip
    for deployment in scenario.deployments:
        labels += [f"delivery_delay_months: {deployment.name}",
                   f"delivered_count_factor: {deployment.name}"]  # fmt: skip
    for region, grid in scenario.grid.items():
        labels.append(f"grid_limit_mw: {region}")
        for j in range(len(grid.reinforcements)):
            labels += [f"grid_reinforcement_delay_months: {region}[{j}]",
                       f"grid_reinforcement_mw: {region}[{j}]"]  # fmt: skip
    for label in site_labels([site.name for site in scenario.sites]):
        labels += [f"site_built: {label}", f"site_delay_months: {label}",
                   f"site_capacity_mw: {label}"]  # fmt: skip
    for load in scenario.non_ai_loads:
        labels += [f"{name}: {load.name}" for name in NON_AI_QUANTITIES]
    return labels


def driver_units(name: str) -> str:
    """The unit of the sampled input ``name`` (:data:`forecast.outputs.DRIVER_UNITS`, by its
    part before ``:``)."""
    quantity = name.split(":", 1)[0]
    try:
        return DRIVER_UNITS[quantity]
    except KeyError:
        # A new scenario quantity without its unit once crashed only --per-draw, with KeyError.
        raise ForecastError(
            f"sampled input {name!r}: no unit for {quantity!r} in DRIVER_UNITS "
            f"(forecast/outputs.py); known: {', '.join(sorted(DRIVER_UNITS))}"
        ) from None


def draw_inputs(
    scenario: Scenario,
    options: ProjectionOptions,
    *,
    n_weather: int,
    days_by_year: list[tuple[int, int, int, int]],
    years: np.ndarray,
    baseline: BaselineModel | None,
    weather_of_every_draw: int | None = None,
) -> Inputs:
    """Draw every uncertain input of ``scenario`` once per draw.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    options : ProjectionOptions
        Validated options (``draws`` and ``seed`` are used here).
    n_weather : int
        Weather years to pick from. [-]
    days_by_year : list of (year, first, count, in_year)
        The period's local days by calendar year (:attr:`HourlyCalendar.days_by_year`): the
        baseline's daily noise is drawn year by year. [-]
    years : int64[Y]
        HourlyCalendar years of the period (the baseline's annual level). [-]
    baseline : BaselineModel or None
        The baseline model whose level and noise are drawn, or None without a baseline.
    weather_of_every_draw : int, optional
        The position of the one weather year every draw takes (a fixed weather year,
        :func:`forecast.engine.weather_index`); None: each draw draws one of ``n_weather``. [-]

    Returns
    -------
    Inputs
    """
    streams = Streams(options.seed)
    n_draws = options.draws
    ops = scenario.operations
    shared = {
        "load_factor": sample_path(
            operation(ops, "load_factor"), n_draws, streams.generator("load_factor")
        ),
        "pue": sample_path(operation(ops, "pue"), n_draws, streams.generator("pue")),
        "inference_share": sample_path(
            operation(ops, "inference_share"), n_draws, streams.generator("inference")
        ),
    }
    baseline_draw = None
    if baseline is not None:
        baseline_draw = BaselineDraw(
            # Keyed by part and calendar year: a draw keeps its baseline whatever the number
            # of draws and the window (the other inputs' streams are named, and prefix-stable).
            level_mw=np.ascontiguousarray(
                baseline.level_paths(years, n_draws, streams.keyed("baseline_level"))
            ),
            # Kept in the model's layout (a view of a day-major array): no full-size copy.
            pending_noise=beside(
                baseline.daily_noise_by_year,
                days_by_year,
                n_draws,
                streams.keyed("baseline_noise"),
                name="baseline-noise",
            ),
        )
    deliveries = [
        _draw_delivery(deployment, i, streams, n_draws)
        for i, deployment in enumerate(scenario.deployments)
    ]
    flexibility = None
    if scenario.flexibility is not None:
        flex = scenario.flexibility
        flexibility = FlexDraw(
            share=sample(flex.share, n_draws, streams.generator("flexibility:share")),
            shift=flex.mode == "shift",
            hours_per_year=flex.hours_per_year,
            threshold_mw=-np.inf if flex.threshold_mw is None else flex.threshold_mw,
            from_year=flex.from_year if flex.from_year is not None else -(2**31),
        )
    # Which inputs are drivers follows from the scenario's structure, not from whether a draw
    # happened to vary: variants of one scenario (a sweep) then list the same inputs.
    extra = {}
    if flexibility is not None:
        extra["flexibility_share"] = flexibility.share
    for deployment, delivery in zip(scenario.deployments, deliveries, strict=True):
        if _declares_delivery(deployment):
            extra[f"delivery_delay_months: {deployment.name}"] = delivery.mean_delay()
            extra[f"delivered_count_factor: {deployment.name}"] = delivery.mean_factor()
    grids = [_draw_grid(scenario, region, streams, n_draws) for region in scenario.grid]
    sites = [_draw_site(scenario, s, streams, n_draws, shared) for s in range(len(scenario.sites))]
    # An analyst found the grid limits, each site's build and the baseline's level sampled but
    # absent from the table that claimed "each sampled input" (report-sens H2).
    extra |= _grid_drivers(scenario, grids) | _site_drivers(scenario, sites)
    if baseline_draw is not None:
        extra["baseline_level_mw"] = baseline_draw.level_mw.mean(axis=1)
    return Inputs(
        draws=n_draws,
        weather_of_draw=streams.generator("weather").integers(0, n_weather, n_draws)
        if weather_of_every_draw is None
        else np.full(n_draws, weather_of_every_draw, dtype=np.int64),
        lifetime_years=sample(
            single_operation(ops, "lifetime_years"), n_draws, streams.generator("lifetime")
        ),
        weibull_shape=central(operation(ops, "lifetime_weibull_shape")),
        load_factor=shared["load_factor"],
        pue=shared["pue"],
        pue_slope_per_c=sample_path(
            operation(ops, "pue_temperature_slope_per_c"), n_draws, streams.generator("pue_slope")
        ),
        inference_share=shared["inference_share"],
        scenario_slope_factor=COOLING_SLOPE_FACTOR[ops.cooling],
        deliveries=deliveries,
        sites=sites,
        non_ai=[
            _draw_non_ai(scenario, i, streams, n_draws, shared["pue"])
            for i in range(len(scenario.non_ai_loads))
        ],
        grids=grids,
        flexibility=flexibility,
        baseline=baseline_draw,
        extra_drivers=extra,
    )
