"""Deployment plans → accelerators delivered and in service, by draw, region and month.

Every deployment is two sub-fleets, run through the stock-flow kernel
:func:`forecast.kernels.fleet.stock_flow` with the draw's Weibull retirement curve:

* **Milestones** give the installed (in-service) count at dates. Between milestones the target
  is linear in time (month numbers); before the first it is 0; after the last it holds
  (``after_last = "hold"``: retired accelerators are replaced) or lapses (``"retire"``: the
  fleet ages out). Each draw shifts every date by its delivery delay and multiplies every
  count by its count factor (:class:`forecast.engine.inputs.DeliveryDraw`); a later milestone
  never arrives before an earlier one.
* **Shipments** are gross deliveries, spread evenly over their months and retiring like any
  vintage, on top of the milestones. After the last shipment the fleet they built holds
  (``hold``) or ages out (``retire``).

A **compute target** ("N x the installed compute at R by T") tops up the milestone target
with only what the plan leaves short at T: the plan's compute is the sum of its increments
times their mix's dense TFLOPS (the counts the plan calls for), the shortfall at T is divided
by the target mix's TFLOPS, and the top-up is phased in linearly from the plan's last dated
entry before T (or R, if later). It never lowers or repeats a milestone.

Additions are split into **growth** (up to the plan's own increment in the month, with the mix
of the milestone or shipment it works towards) and **replacement** (the rest: accelerators
bought because others retired), which take the replacement mix in effect at that date
(``replacement_mix`` of the deployment or of ``[operations]``; by default the mix of the plan's
latest addition). Nameplate MW = accelerators x the catalog's system power of the vintage's mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor, gamma

import numpy as np

from forecast import kernels
from forecast.calendar import month_number
from forecast.engine.inputs import DeliveryDraw, Inputs
from forecast.errors import ScenarioError
from forecast.scenario import DatedMix, Deployment, Fixed, Scenario
from forecast.scenario.catalog import Catalog
from forecast.units import W_TO_MW


@dataclass(frozen=True)
class FleetGrid:
    """The months the fleet is simulated over: from the plans' first dated entry, so that a
    projection of any period sees the fleet its past built."""

    first_month: int  # month number of index 0
    n_months: int

    @property
    def months(self) -> np.ndarray:
        """Month numbers of the grid. float64[Mf]"""
        return np.arange(self.first_month, self.first_month + self.n_months, dtype=np.float64)

    def index(self, month: int) -> int:
        """Index of a month number on the grid. [-]"""
        return month - self.first_month

    @classmethod
    def spanning(cls, scenario: Scenario, first_month: int, last_month: int) -> FleetGrid:
        """From the earliest dated entry (or ``first_month``) to the latest compute-target date
        (or ``last_month``), both month numbers. A site waiting in a grid connection queue is
        a dated entry too, from its request (its ``grid_lead_months`` before its commissioning):
        the queue starts with its first request, so that a projection starting later connects
        the same sites in the same months."""
        dates = [m.date for d in scenario.deployments for m in d.milestones]
        dates += [s.start for d in scenario.deployments for s in d.shipments]
        dates += [c.relative_to for d in scenario.deployments for c in d.compute_targets]
        requests = [
            month_number(site.commissioning)
            - (site.grid_lead_months.value if isinstance(site.grid_lead_months, Fixed) else 0.0)
            for site in scenario.sites
            if site.status != "operating" and scenario.region_of(site) in scenario.grid
        ]
        goals = [c.date for d in scenario.deployments for c in d.compute_targets]
        months = [month_number(date) for date in dates] + [floor(month) for month in requests]
        first = min([first_month, *months])
        last = max([last_month, *(month_number(date) for date in goals)])
        return cls(first_month=first, n_months=last - first + 1)


@dataclass
class Fleet:
    """The fleet of every deployment, combined by region (arrays over the fleet grid)."""

    grid: FleetGrid
    survival: np.ndarray  # float64[D, Mf] share of a vintage in service by age in months
    vintage_count: np.ndarray  # float64[D, R, Mf] accelerators delivered in each month
    vintage_mw: np.ndarray  # float64[D, R, Mf] their nameplate power [MW]
    installed: np.ndarray  # float64[D, Mf] accelerators delivered and not retired
    nameplate_mw: np.ndarray  # float64[D, R, Mf] nameplate power of those [MW]


def weibull_survival(mean_life_years: np.ndarray, shape: float, n_months: int) -> np.ndarray:
    """Fraction of a vintage in service after 0..n_months-1 months. float64[D, M]

    Weibull survival S(a) = exp(-(a / lambda)^k) with lambda = mean / Gamma(1 + 1/k), so that
    ``mean_life_years`` is the mean service life [years].
    """
    scale_months = 12.0 * mean_life_years / gamma(1.0 + 1.0 / shape)
    age = np.arange(n_months, dtype=float)
    return np.exp(-((age[None, :] / scale_months[:, None]) ** shape))


@dataclass
class _Plan:
    """One deployment's plan in every draw, on the fleet grid."""

    target: np.ndarray  # float64[D, Mf] milestone target incl. compute top-ups (NaN: none)
    increment: np.ndarray  # float64[D, Mf] the target's own rise in the month (>= 0)
    increment_mw: np.ndarray  # float64[D, Mf] MW per accelerator of those increments
    gross: np.ndarray  # float64[D, Mf] shipments delivered in the month
    gross_mw: np.ndarray  # float64[D, Mf] MW per accelerator of the shipments
    hold_from: np.ndarray  # int64[D] grid index of the last shipment month held, or -1
    replacement_mw: np.ndarray  # float64[D, Mf] MW per accelerator of replacements


def _milestone_path(deployment: Deployment, delivery: DeliveryDraw, months: np.ndarray):
    """Per-draw milestone target [D, Mf], the index of the milestone each month works towards
    [D, Mf] and the month number of each draw's last milestone [D]."""
    at = np.array([month_number(m.date) for m in deployment.milestones], dtype=np.float64)
    # A later milestone never arrives before an earlier one, whatever the delays.
    x = np.maximum.accumulate(at[None, :] + delivery.milestone_delay, axis=1)
    y = np.array([m.count for m in deployment.milestones])[None, :] * delivery.milestone_factor
    m = months[None, :]
    target = np.where(m >= x[:, :1], y[:, :1], 0.0)
    towards = np.zeros(target.shape, dtype=np.int64)
    for k in range(1, x.shape[1]):
        lo, hi = x[:, k - 1 : k], x[:, k : k + 1]
        inside = (m > lo) & (m <= hi)
        span = np.where(hi > lo, hi - lo, 1.0)
        rising = y[:, k - 1 : k] + (m - lo) / span * (y[:, k : k + 1] - y[:, k - 1 : k])
        target = np.where(inside, rising, target)
        towards = np.where(inside, k, towards)
    after = m > x[:, -1:]
    target = np.where(after, y[:, -1:], target)
    towards = np.where(after, x.shape[1] - 1, towards)
    return target, towards, x[:, -1]


def _shipment_deliveries(deployment: Deployment, delivery: DeliveryDraw, months: np.ndarray):
    """Per-shipment deliveries by draw and month [J, D, Mf] (even over the delayed months) and
    the month number each draw's last shipment ends in [D]."""
    n_draws = delivery.shipment_delay.shape[0]
    delivered = np.zeros((len(deployment.shipments), n_draws, months.size))
    last = np.full(n_draws, -np.inf)
    m = months[None, :]
    for j, shipment in enumerate(deployment.shipments):
        start = month_number(shipment.start) + delivery.shipment_delay[:, j : j + 1]
        stop = month_number(shipment.end) + 1.0 + delivery.shipment_delay[:, j : j + 1]
        overlap = np.clip(np.minimum(m + 1.0, stop) - np.maximum(m, start), 0.0, 1.0)
        count = shipment.count * delivery.shipment_factor[:, j : j + 1]
        delivered[j] = count * overlap / (stop - start)
        last = np.maximum(last, stop[:, 0] - 1.0)
    return delivered, last


def _weighted_mean(weights: np.ndarray, values, fallback: np.ndarray) -> np.ndarray:
    """Sum of weights x values over the first axis / sum of weights; ``fallback`` where 0."""
    total = weights.sum(axis=0)
    weighted = sum(w * v for w, v in zip(weights, values, strict=True))
    return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), fallback)


def _carry_forward(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each row's values where ``present``, else the last present one (the first one before
    it; 0 in a row with none)."""
    index = np.where(present, np.arange(values.shape[1])[None, :], -1)
    index = np.maximum.accumulate(index, axis=1)
    first = np.argmax(present, axis=1)
    index = np.where(index < 0, first[:, None], index)
    carried = np.take_along_axis(values, index, axis=1)
    any_present = np.asarray(present.any(axis=1))
    return np.where(any_present[:, None], carried, 0.0)


def _rise(path: np.ndarray) -> np.ndarray:
    """The positive part of a path's month-on-month change (from 0 before the grid)."""
    return np.maximum(np.diff(path, axis=1, prepend=0.0), 0.0)


def _plan(
    deployment: Deployment,
    delivery: DeliveryDraw,
    grid: FleetGrid,
    catalog: Catalog,
    replacement: list[DatedMix] | None,
    *,
    where: str,
) -> _Plan:
    months = grid.months
    n_draws = delivery.milestone_delay.shape[0]
    shape = (n_draws, months.size)
    mixes = [m.mix for m in deployment.milestones]
    if deployment.milestones:
        target, towards, milestone_end = _milestone_path(deployment, delivery, months)
    else:
        target, towards = np.zeros(shape), np.zeros(shape, dtype=np.int64)
        milestone_end = np.full(n_draws, -np.inf)
    delivered, shipment_end = _shipment_deliveries(deployment, delivery, months)
    gross = delivered.sum(axis=0)
    increment = _rise(target)

    def by_entry(value_of):
        """Per-accelerator value of the milestone each month works towards, and of each
        shipment's mix."""
        milestone_values = np.array([value_of(mix) for mix in mixes] or [0.0])
        return milestone_values[towards], [value_of(s.mix) for s in deployment.shipments]

    milestone_mw, shipment_mw = by_entry(lambda mix: catalog.system_w(mix) * W_TO_MW)
    top_up = np.zeros(shape)
    top_up_mw_weight = np.zeros(shape)  # sum over targets of their top-up rise x MW
    top_up_flops = np.zeros(shape)  # sum over targets of their top-up rise x TFLOPS
    for i, goal in enumerate(deployment.compute_targets):
        metric = goal.metric
        milestone_flops, shipment_flops = by_entry(
            lambda mix, metric=metric: catalog.tflops(mix, metric)
        )
        compute = np.cumsum(
            increment * milestone_flops
            + sum(d * f for d, f in zip(delivered, shipment_flops, strict=True))
            + top_up_flops,
            axis=1,
        )
        base = compute[:, grid.index(month_number(goal.relative_to))]
        if not np.any(base > 0):
            raise ScenarioError(
                f"{where}.compute_targets[{i}].relative_to = {goal.relative_to}: no compute "
                "installed by then to multiply"
            )
        goal_month = month_number(goal.date)
        short = np.maximum(goal.multiple * base - compute[:, grid.index(goal_month)], 0.0)
        count = short / catalog.tflops(goal.mix, metric)
        ends = np.stack([milestone_end, shipment_end], axis=1)
        latest = np.where(ends <= goal_month, ends, -np.inf).max(axis=1)
        start = np.maximum(latest, month_number(goal.relative_to))
        span = np.maximum(goal_month - start, 1.0)
        ramp = np.clip((months[None, :] - start[:, None]) / span[:, None], 0.0, 1.0)
        added = count[:, None] * ramp
        top_up += added
        rise = _rise(added)
        top_up_mw_weight += rise * catalog.system_w(goal.mix) * W_TO_MW
        top_up_flops += rise * catalog.tflops(goal.mix, metric)

    growth = increment + _rise(top_up)
    growth_mw = np.where(
        growth > 0,
        (increment * milestone_mw + top_up_mw_weight) / np.where(growth > 0, growth, 1.0),
        milestone_mw,
    )
    target = target + top_up
    if deployment.after_last == "retire":
        goals = [month_number(c.date) for c in deployment.compute_targets]
        end = np.maximum(milestone_end, max(goals, default=-np.inf))
        target = np.where(months[None, :] > end[:, None], np.nan, target)
    if not deployment.milestones and not deployment.compute_targets:
        target = np.full(shape, np.nan)
    gross_mw = _weighted_mean(delivered, shipment_mw, np.zeros(shape))
    hold_from = np.full(n_draws, -1, dtype=np.int64)
    if deployment.shipments and deployment.after_last == "hold":
        hold_from = np.clip(np.floor(shipment_end) - grid.first_month, -1, grid.n_months - 1)
        hold_from = hold_from.astype(np.int64)
    # The default replacement is the plan's latest addition (growth or shipment).
    adds = growth + gross
    latest_mw = _carry_forward(
        np.where(
            adds > 0, (growth * growth_mw + gross * gross_mw) / np.where(adds > 0, adds, 1), 0
        ),
        adds > 0,
    )
    replacement_mw = latest_mw
    for dated in replacement or []:
        replacement_mw = np.where(
            months[None, :] >= month_number(dated.date),
            catalog.system_w(dated.mix) * W_TO_MW,
            replacement_mw,
        )
    return _Plan(
        target=np.ascontiguousarray(target),
        increment=growth,
        increment_mw=growth_mw,
        gross=np.ascontiguousarray(gross),
        gross_mw=gross_mw,
        hold_from=hold_from,
        replacement_mw=replacement_mw,
    )


def _run_sub_fleet(target, gross, hold_from, survival, growth, growth_mw, replacement_mw):
    """Stock-flow of one sub-fleet: (additions [D, Mf], installed [D, Mf], additions' MW)."""
    additions, installed = np.empty_like(survival), np.empty_like(survival)
    kernels.stock_flow(target, gross, hold_from, survival, additions, installed)
    planned = np.minimum(additions, growth)
    mw = planned * growth_mw + (additions - planned) * replacement_mw
    return additions, installed, mw


def build_fleet(scenario: Scenario, inputs: Inputs, grid: FleetGrid, catalog: Catalog) -> Fleet:
    """Simulate every deployment over ``grid`` and combine them by region."""
    n_draws, n_regions = inputs.draws, len(scenario.regions)
    survival = np.ascontiguousarray(
        weibull_survival(inputs.lifetime_years, inputs.weibull_shape, grid.n_months)
    )
    vintage_count = np.zeros((n_draws, n_regions, grid.n_months))
    vintage_mw = np.zeros((n_draws, n_regions, grid.n_months))
    installed = np.zeros((n_draws, grid.n_months))
    no_hold = np.full(n_draws, -1, dtype=np.int64)
    zeros = np.zeros((n_draws, grid.n_months))
    for i, (deployment, delivery) in enumerate(
        zip(scenario.deployments, inputs.deliveries, strict=True)
    ):
        plan = _plan(
            deployment,
            delivery,
            grid,
            catalog,
            deployment.replacement_mix or scenario.operations.replacement_mix,
            where=f"deployments[{i}]",
        )
        parts = []
        if deployment.milestones or deployment.compute_targets:
            parts.append(
                _run_sub_fleet(
                    plan.target,
                    zeros,
                    no_hold,
                    survival,
                    plan.increment,
                    plan.increment_mw,
                    plan.replacement_mw,
                )
            )
        if deployment.shipments:
            parts.append(
                _run_sub_fleet(
                    np.full_like(zeros, np.nan),
                    plan.gross,
                    plan.hold_from,
                    survival,
                    plan.gross,
                    plan.gross_mw,
                    plan.replacement_mw,
                )
            )
        shares = deployment.region_shares or {scenario.regions[0]: 1.0}
        for additions, in_service, mw in parts:
            installed += in_service
            for region, share in shares.items():
                r = scenario.regions.index(region)
                vintage_count[:, r] += share * additions
                vintage_mw[:, r] += share * mw
    nameplate = np.empty_like(vintage_mw)
    for r in range(n_regions):
        out = np.empty((n_draws, grid.n_months))
        kernels.surviving_stock(np.ascontiguousarray(vintage_mw[:, r]), survival, out)
        nameplate[:, r] = out
    return Fleet(
        grid=grid,
        survival=survival,
        vintage_count=vintage_count,
        vintage_mw=vintage_mw,
        installed=installed,
        nameplate_mw=nameplate,
    )
