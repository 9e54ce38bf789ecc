"""Sites → built capacity by region; the fleet placed where there is room; the sites' tenants.

Each site is built in a draw with its build probability, after its commissioning delay, and
ramps linearly to its capacity (:func:`forecast.kernels.capacity.site_capacity`). A site whose
``capacity_kind`` is ``"grid"`` can host IT up to its grid capacity / its PUE at the draw's
hottest hour, so that the hall never draws more than its connection; an ``"it"`` site hosts its
stated IT capacity.

Accelerators of the deployment plans go into the built IT capacity of their region, oldest
first (:func:`forecast.kernels.fleet.place_in_capacity`); an accelerator with no room waits and
draws nothing until room appears (a site ramps up, or older accelerators retire). The hosted
fleet is spread over the region's sites in proportion to their IT capacity, so its PUE is the
capacity-weighted PUE of the region's halls. What the plans leave free in a site carries the
site's own tenants: ``tenant_occupancy`` x the free IT capacity.

Without sites the plans' accelerators are all hosted (unconstrained hosting, stated as such in
the output); without deployments only the tenants draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from forecast import kernels
from forecast.engine.fleet import Fleet, FleetGrid
from forecast.engine.inputs import Inputs, SiteDraw
from forecast.engine.power import PueLine, pue_line
from forecast.scenario import Scenario


@dataclass
class Hosting:
    """Where the fleet runs, by draw, region and month of the fleet grid."""

    reading: str  # Scenario.hosting_reading
    capacity_it_mw: np.ndarray  # float64[D, R, Mf] IT capacity built (NaN without sites)
    hosted_mw: np.ndarray  # float64[D, R, Mf] nameplate power of hosted plan accelerators
    hosted_count: np.ndarray  # float64[D, R, Mf]
    waiting_count: np.ndarray  # float64[D, R, Mf]
    waiting_mw: np.ndarray  # float64[D, R, Mf]
    waited_months: np.ndarray  # float64[D, R, Mf] months waited, by vintage
    plan_pue: PueLine  # PUE line of the hosted plan accelerators, [D, R, Mf] each


def _site_it_capacity(site: SiteDraw, grid: FleetGrid, line: PueLine, max_excess: np.ndarray):
    """IT capacity the site has built by each month. [MW] float64[D, Mf]"""
    built = np.empty((site.built.size, grid.n_months))
    kernels.site_capacity(
        site.capacity_mw, site.start_month - grid.first_month, site.ramp_months, site.built, built
    )
    if site.capacity_kind == "grid":
        # The hall's hottest hour must fit its connection: IT <= grid / PUE(hottest).
        built /= line.a + line.b * max_excess[:, None]
    return built


def _site_lines(scenario, inputs, grid, mean_excess):
    """PUE line of every site (the site's own PUE or the scenario's, its cooling's slope)."""
    for site in inputs.sites:
        yield pue_line(
            site.pue, inputs.pue_slope_per_c, site.slope_factor, grid.months, mean_excess
        )


def place_fleet(
    scenario: Scenario,
    inputs: Inputs,
    fleet: Fleet | None,
    grid: FleetGrid,
    *,
    mean_excess: float,
    max_excess: np.ndarray,
) -> Hosting:
    """Build the sites, place the fleet and return where it runs.

    Parameters
    ----------
    mean_excess : float
        Mean temperature excess over the cooling reference, over every weather year and hour
        (sets the cool-weather PUE). [°C]
    max_excess : float64[D]
        Each draw's hottest-hour excess (sizes grid-capacity sites). [°C]
    """
    n_draws, n_regions = inputs.draws, len(scenario.regions)
    shape = (n_draws, n_regions, grid.n_months)
    scenario_line = pue_line(
        inputs.pue, inputs.pue_slope_per_c, inputs.scenario_slope_factor, grid.months, mean_excess
    )
    capacity = np.zeros(shape)
    weighted_a, weighted_b = np.zeros(shape), np.zeros(shape)
    for site, line in zip(
        inputs.sites, _site_lines(scenario, inputs, grid, mean_excess), strict=True
    ):
        it_mw = _site_it_capacity(site, grid, line, max_excess)
        capacity[:, site.region] += it_mw
        weighted_a[:, site.region] += it_mw * line.a
        weighted_b[:, site.region] += it_mw * line.b
    has_room = capacity > 0
    plan_pue = PueLine(
        a=np.where(
            has_room, weighted_a / np.where(has_room, capacity, 1.0), scenario_line.a[:, None]
        ),
        b=np.where(
            has_room, weighted_b / np.where(has_room, capacity, 1.0), scenario_line.b[:, None]
        ),
    )
    zeros = np.zeros(shape)
    reading = scenario.hosting_reading
    if fleet is None:
        return Hosting(reading, capacity, zeros, zeros, zeros, zeros, zeros, plan_pue)
    if reading == "unconstrained":
        unconstrained = PueLine(
            a=np.repeat(scenario_line.a[:, None], n_regions, axis=1),
            b=np.repeat(scenario_line.b[:, None], n_regions, axis=1),
        )
        hosted_count = np.empty(shape)
        for r in range(n_regions):
            out = np.empty((n_draws, grid.n_months))
            kernels.surviving_stock(
                np.ascontiguousarray(fleet.vintage_count[:, r]), fleet.survival, out
            )
            hosted_count[:, r] = out
        return Hosting(
            reading,
            capacity if inputs.sites else np.full(shape, np.nan),
            fleet.nameplate_mw,
            hosted_count,
            zeros,
            zeros,
            zeros,
            unconstrained,
        )
    hosted_mw, hosted_count, waited = np.empty(shape), np.empty(shape), np.empty(shape)
    for r in range(n_regions):
        outputs = [np.empty((n_draws, grid.n_months)) for _ in range(3)]
        kernels.place_in_capacity(
            np.ascontiguousarray(fleet.vintage_mw[:, r]),
            np.ascontiguousarray(fleet.vintage_count[:, r]),
            fleet.survival,
            np.ascontiguousarray(capacity[:, r]),
            *outputs,
        )
        hosted_mw[:, r], hosted_count[:, r], waited[:, r] = outputs
    in_service = np.empty(shape)
    for r in range(n_regions):
        out = np.empty((n_draws, grid.n_months))
        kernels.surviving_stock(
            np.ascontiguousarray(fleet.vintage_count[:, r]), fleet.survival, out
        )
        in_service[:, r] = out
    return Hosting(
        reading,
        capacity,
        hosted_mw,
        hosted_count,
        np.maximum(in_service - hosted_count, 0.0),
        np.maximum(fleet.nameplate_mw - hosted_mw, 0.0),
        waited,
        plan_pue,
    )


def tenant_loads(
    scenario: Scenario,
    inputs: Inputs,
    hosting: Hosting,
    grid: FleetGrid,
    *,
    mean_excess: float,
    max_excess: np.ndarray,
) -> Iterator[tuple[SiteDraw, PueLine, np.ndarray]]:
    """Each site with its PUE line and the IT nameplate its own tenants fill. [MW] [D, Mf]

    The plans' accelerators take a share hosted / capacity of every site of their region (the
    same share everywhere); the tenants fill ``tenant_occupancy`` of what is left.
    """
    capacity = hosting.capacity_it_mw
    used = np.divide(
        hosting.hosted_mw, capacity, out=np.zeros_like(hosting.hosted_mw), where=capacity > 0
    )
    free_share = 1.0 - np.minimum(used, 1.0)
    for site, line in zip(
        inputs.sites, _site_lines(scenario, inputs, grid, mean_excess), strict=True
    ):
        it_mw = _site_it_capacity(site, grid, line, max_excess)
        occupancy = np.clip(site.tenant_occupancy.at(grid.months), 0.0, 1.0)
        yield site, line, occupancy * it_mw * free_share[:, site.region]
