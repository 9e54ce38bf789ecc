"""Deployment plans → monthly installed-base targets and vintage properties.

A deployment gives cumulative installed (in-service) counts at milestone dates, shipments
installed evenly over a period, and compute targets ("15x today's compute by 2030"). This
module turns them into, for each month of a grid:

* ``target``: the installed base the plan calls for at the end of the month. Between milestones
  the count is interpolated linearly in time (month ends); before the first milestone it is 0;
  after the last one it holds (``after_last = "hold"``: retirements are replaced) or is
  undefined (``"retire"``: no more additions, the fleet ages out). Shipments raise the target
  by their count spread evenly over their months. A compute target becomes a shipment, from the
  month after ``relative_to`` to ``date``, of the accelerators (of the target's mix) needed so
  that the installed compute reaches ``multiple`` x the compute at ``relative_to``.
* ``mix``: the share of each accelerator type among the month's additions (the mix of the
  milestone or shipment that the additions work towards; carried forward for replacements).

The Monte Carlo stock-flow with retirement is the numba kernel ``fleet_replacement``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from forecast.catalog import Catalog
from forecast.errors import ScenarioError
from forecast.scenario import Deployment, Milestone, Shipment


def month_number(date: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by 1."""
    return date.year * 12 + date.month - 1


@dataclass(frozen=True)
class DeploymentPath:
    """Monthly target and vintage mix of one deployment on a month grid."""

    name: str
    target: np.ndarray  # float64[M] installed-base target (NaN: no additions)
    mix: np.ndarray  # float64[M, T] share of each catalog type among the month's additions
    type_ids: tuple[str, ...]


def _interpolate_milestones(milestones: list[Milestone], months: np.ndarray) -> np.ndarray:
    if not milestones:
        return np.zeros(len(months))
    at = np.array([month_number(m.date) for m in milestones], dtype=float)
    counts = np.array([m.count for m in milestones], dtype=float)
    path = np.interp(months, at, counts, left=0.0, right=counts[-1])
    path[months < at[0]] = 0.0
    return path


def _shipment_path(shipment: Shipment, months: np.ndarray) -> np.ndarray:
    first, last = month_number(shipment.start), month_number(shipment.end)
    n = last - first + 1
    done = np.clip(months - first + 1, 0, n)
    return shipment.count * done / n


def _vintage_mix(
    increments: list[tuple[np.ndarray, dict[str, float]]],
    months: np.ndarray,
    type_ids: tuple[str, ...],
) -> np.ndarray:
    """Share of each type among additions by month, carried forward where nothing is added."""
    weights = np.zeros((len(months), len(type_ids)))
    index = {t: i for i, t in enumerate(type_ids)}
    for delta, shares in increments:
        for key, share in shares.items():
            weights[:, index[key]] += np.maximum(delta, 0.0) * share
    totals = weights.sum(axis=1)
    mix = np.full_like(weights, np.nan)
    has = totals > 0
    mix[has] = weights[has] / totals[has, None]
    # Months with no planned increment add only replacements: carry the last mix forward,
    # and before the first increment use the first one.
    if not has.any():
        # Nothing is added on this grid (every milestone lies beyond it): the shares only
        # multiply zero additions, but they must be numbers, or 0 x NaN poisons the sums
        # (test_deployment_entirely_after_the_period_adds_nothing).
        return np.full_like(weights, 1.0 / len(type_ids))
    first = int(np.argmax(has))
    mix[:first] = mix[first]
    for m in range(first + 1, len(months)):
        if not has[m]:
            mix[m] = mix[m - 1]
    return mix


def _segment_increments(milestones: list[Milestone], path: np.ndarray, months: np.ndarray):
    """Increments of the milestone path, each attributed to the mix of the milestone ahead."""
    delta = np.diff(path, prepend=0.0)
    pieces = []
    previous = -np.inf
    for milestone in milestones:
        at = month_number(milestone.date)
        in_segment = (months > previous) & (months <= at)
        pieces.append((np.where(in_segment, delta, 0.0), milestone.mix))
        previous = at
    return pieces


def deployment_path(
    deployment: Deployment, months: np.ndarray, catalog: Catalog, *, where: str
) -> DeploymentPath:
    """Monthly target and vintage mix of ``deployment`` on the grid ``months`` (month numbers)."""
    type_ids = tuple(
        sorted(
            {
                key
                for entry in (
                    *deployment.milestones,
                    *deployment.shipments,
                    *deployment.compute_targets,
                )
                for key in entry.mix
            }
        )
    )
    path = _interpolate_milestones(deployment.milestones, months)
    increments = _segment_increments(deployment.milestones, path, months)
    shipments = list(deployment.shipments)
    for shipment in shipments:
        shipped = _shipment_path(shipment, months)
        path = path + shipped
        increments.append((np.diff(shipped, prepend=0.0), shipment.mix))

    for i, target in enumerate(deployment.compute_targets):
        mix = _vintage_mix(increments, months, type_ids)
        metric = np.array(
            [
                catalog.tflops({t: 1.0}, target.metric) if share_used else 0.0
                for t, share_used in zip(type_ids, np.asarray(mix.any(axis=0)), strict=True)
            ]
        )
        compute = np.cumsum(np.maximum(np.diff(path, prepend=0.0), 0.0) * (mix @ metric))
        base_month, goal_month = month_number(target.relative_to), month_number(target.date)
        if not (months[0] <= base_month <= months[-1] and months[0] <= goal_month <= months[-1]):
            raise ScenarioError(
                f"{where}.compute_targets[{i}]: relative_to = {target.relative_to} and date = "
                f"{target.date} must lie within the projection's months"
            )
        base = compute[months == base_month][0]
        if base <= 0:
            raise ScenarioError(
                f"{where}.compute_targets[{i}].relative_to = {target.relative_to}: no "
                "compute installed by then to multiply"
            )
        have = compute[months == goal_month][0]
        extra = (target.multiple * base - have) / catalog.tflops(target.mix, target.metric)
        if extra > 0:
            shipment = Shipment(
                start=_next_month(target.relative_to),
                end=target.date,
                count=extra,
                mix=target.mix,
                source=target.source,
            )
            shipments.append(shipment)
            shipped = _shipment_path(shipment, months)
            path = path + shipped
            increments.append((np.diff(shipped, prepend=0.0), target.mix))

    if deployment.after_last == "retire":
        ends = [month_number(m.date) for m in deployment.milestones]
        ends += [month_number(s.end) for s in shipments]
        path = np.where(months > max(ends), np.nan, path)
    return DeploymentPath(
        name=deployment.name,
        target=path,
        mix=_vintage_mix(increments, months, type_ids),
        type_ids=type_ids,
    )


def _next_month(date: dt.date) -> dt.date:
    return dt.date(date.year + date.month // 12, date.month % 12 + 1, 1)


def earliest_month(deployments: list[Deployment]) -> int | None:
    """Month number of the first dated entry of any deployment (None without deployments)."""
    dates = [m.date for d in deployments for m in d.milestones]
    dates += [s.start for d in deployments for s in d.shipments]
    dates += [c.relative_to for d in deployments for c in d.compute_targets]
    return min(month_number(date) for date in dates) if dates else None


def weibull_survival(mean_life_years: np.ndarray, shape: float, n_months: int) -> np.ndarray:
    """Fraction of a vintage in service after 0..n_months-1 months. float64[D, M]

    Weibull survival S(a) = exp(-(a / lambda)^k) with lambda = mean / Gamma(1 + 1/k), so that
    ``mean_life_years`` is the mean service life [years].
    """
    from math import gamma

    scale_months = 12.0 * mean_life_years / gamma(1.0 + 1.0 / shape)
    age = np.arange(n_months, dtype=float)
    return np.exp(-((age[None, :] / scale_months[:, None]) ** shape))
