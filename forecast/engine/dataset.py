"""Dataset stage: per-draw results → quantiles and means → a labelled ``xarray.Dataset``.

Every variable is declared once in :mod:`forecast.outputs` (name, dims, unit, description);
this module fills them, adds the provenance attributes, the spread drivers (the Spearman
rank correlation of every sampled input with each headline output in every year over the
draws), the headline figures' Monte Carlo error and, with ``per_draw``, every draw's inputs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from forecast import kernels, provenance
from forecast.calendar import (
    MONTH_ATTRIBUTES,
    HourlyCalendar,
    partial_months,
    partial_years,
    period_coordinates,
)
from forecast.engine.baseline import no_baseline_note
from forecast.engine.hosting import Connections
from forecast.engine.inputs import driver_units
from forecast.engine.options import ProjectionOptions, horizon_notes
from forecast.engine.stream import Stats
from forecast.errors import ForecastError
from forecast.io.export import local_iso
from forecast.kernels import SiteMonths
from forecast.memo import SharedArrays
from forecast.outputs import (
    BY_NAME,
    MONTH_HOUR_COORDINATES,
    input_variable_name,
    mean_name,
    per_draw_name,
)
from forecast.scenario import HOSTING_READINGS, NON_AI_QUANTITIES, Scenario, Trend
from forecast.scenario.facts import FACTS_SHA256
from forecast.units import MW_TO_GW, MWH_TO_TWH, PERCENT


@dataclass
class SiteLoads:
    """Each site's AI load reduced, site by site, to what its outputs need: its mean MW by
    month summarised over the draws, and every draw's energy by year (from which
    ``site_energy_twh`` and, with ``per_draw``, ``site_energy_twh_per_draw`` are made)."""

    mean_mw: np.ndarray  # float64[S, M, Q] quantiles over draws of the month's mean load [MW]
    mean_mw_mean: np.ndarray  # float64[S, M] its mean over draws [MW]
    energy_mwh: np.ndarray  # float64[D, S, Y] each draw's energy in each year [MWh]
    peak_mw: np.ndarray  # float64[D, S, Y] each draw's highest hourly load in each year [MW]


class SiteReducer:
    """Reduces each site's AI load to :class:`SiteLoads` as it is handed the site's
    coefficients, one site at a time, on ``calendar``'s months (``months``:
    :func:`forecast.engine.power.site_months`), with the quantiles ``probabilities``.

    Each site's energy and highest hour by month are found and reduced to its mean load by
    month and each draw's energy and peak by year in one pass
    (:func:`forecast.kernels.site_reductions`). What is held is every site's quantiles and
    every draw's energy and peak by year, [D, S, Y] (kr-national at 5,000 monthly draws: 9 MB
    each, where every site's energy by month was 109 MB and its MW as much again), and one
    site's mean load [D, M] at a time.
    """

    def __init__(
        self, n_sites: int, calendar: HourlyCalendar, probabilities: np.ndarray,
        months: SiteMonths,
    ) -> None:  # fmt: skip
        n_draws, n_years = months.weather_of_draw.size, calendar.years.size
        self.months, self.probabilities = months, probabilities
        self.loads = SiteLoads(
            mean_mw=np.empty((n_sites, calendar.n_months, probabilities.size)),
            mean_mw_mean=np.empty((n_sites, calendar.n_months)),
            energy_mwh=np.empty((n_draws, n_sites, n_years)),
            peak_mw=np.empty((n_draws, n_sites, n_years)),
        )
        self.load_mw = np.empty((n_draws, calendar.n_months))  # one site's at a time
        self.energy, self.peak = np.empty((n_draws, n_years)), np.empty((n_draws, n_years))
        self.reduced: set[int] = set()

    def add(self, site: int, coef: np.ndarray) -> None:
        """Reduce site ``site``'s (its position in the scenario) load coefficients by draw and
        month, float64[D, M, 4] [MW, MW, MW/°C, MW/°C]
        (:class:`forecast.engine.power.SiteCoefficients`).

        Raises
        ------
        ForecastError
            A coefficient is below 0 (or NaN): the site's highest hour would not be one of
            the frontier hours. The scenario's ranges never make one (a PUE >= 1, a slope >= 0,
            shares in [0, 1]).
        """
        if not bool((coef >= 0.0).all()):
            raise ForecastError(
                "a site's AI load has a coefficient below 0 in some month and draw, so its "
                "peak cannot be found on the frontier hours; this is a bug, please report it "
                "with the scenario"
            )
        # [4, D, M]: SiteCoefficients' buffer as it is laid out (no copy).
        by_term = np.ascontiguousarray(np.moveaxis(coef, -1, 0))
        kernels.site_reductions(by_term, self.months, self.load_mw, self.energy, self.peak)
        loads = self.loads
        loads.mean_mw[site] = _quantiles(self.load_mw, self.probabilities)
        loads.mean_mw_mean[site] = self.load_mw.mean(axis=0)
        loads.energy_mwh[:, site], loads.peak_mw[:, site] = self.energy, self.peak
        self.reduced.add(site)

    def result(self) -> SiteLoads:
        """Every site's reduced load, once each has been added."""
        assert len(self.reduced) == self.loads.mean_mw.shape[0]
        return self.loads


@dataclass
class Monthly:
    """Per-draw monthly results on the projection's months (from the fleet and hosting)."""

    installed: np.ndarray | None  # float64[D, M] accelerators delivered, not retired
    hosted: np.ndarray | None  # float64[D, R, M] accelerators with room
    waiting: np.ndarray | None  # float64[D, R, M] accelerators waiting for room
    waiting_mw: np.ndarray | None  # float64[D, R, M] their nameplate [MW]
    fleet_mw: np.ndarray | None  # float64[D, M] nameplate of the delivered fleet [MW]
    hosted_mw: np.ndarray | None  # float64[D, M] nameplate of the hosted fleet [MW]
    tenant_mw: np.ndarray  # float64[D, M] nameplate the sites' tenants fill [MW]
    capacity_mw: np.ndarray | None  # float64[D, M] IT capacity built [MW]
    connections: Connections | None  # requested, connected and limit [D, R, M]
    wait_by_year: np.ndarray | None  # float64[D, R, Y] mean months waited by delivery year
    delivered_by_year: np.ndarray | None  # float64[D, R, Y] accelerators delivered in the year
    #: Each site's AI load, before flexibility (every site of the scenario, in the order of its
    #: file), reduced to what the outputs need (:class:`SiteReducer`).
    site_loads: SiteLoads | None = None
    #: The load series of the sites asked for (``ProjectionOptions.sites``), by label: its
    #: facility load's and its IT load's quantiles [P, Q] and mean [P] on the projection's
    #: periods. [MW]
    site_series_mw: dict[str, tuple[tuple[np.ndarray, np.ndarray], ...]] | None = None


def scenario_digest(scenario: Scenario) -> str:
    """sha256 of the scenario's canonical JSON (identifies the exact inputs).

    Fields added later and left at their empty default (``region_labels``, ``caveats``) are
    not in it, so that a scenario written before them keeps its digest (recorded in files'
    metadata).
    """
    data = scenario.model_dump(mode="json")
    for added in ("region_labels", "caveats"):
        if not data[added]:
            del data[added]
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _quantiles(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Quantiles over draws (axis 0) of a [D, ...] array, as [..., Q]."""
    flat = np.ascontiguousarray(values.reshape(values.shape[0], -1), dtype=np.float64)
    out = np.empty((len(probabilities), flat.shape[1]))
    kernels.quantiles_over_draws(flat, probabilities, out)
    return np.moveaxis(out.reshape((len(probabilities), *values.shape[1:])), 0, -1)


def site_labels(names: list[str]) -> list[str]:
    """Site names as coordinate labels: a name given to several sites is numbered from its
    second use on (``campus``, ``campus #2``)."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return labels


def _attrs(name: str) -> dict[str, str]:
    variable = BY_NAME[name]
    return {"units": variable.units, "description": variable.description}


def _summaries(
    name: str, values: np.ndarray, probabilities: np.ndarray, data: dict, *, per_draw=False
) -> None:
    """Quantiles of a per-draw array [D, ...] under ``name`` and its mean under ``<name>_mean``
    (and, with ``per_draw``, the array itself under ``<name>_per_draw`` where declared)."""
    data[name] = (BY_NAME[name].dims, _quantiles(values, probabilities), _attrs(name))
    mean = mean_name(name)
    if mean in BY_NAME:
        data[mean] = (BY_NAME[mean].dims, values.mean(axis=0), _attrs(mean))
    kept = per_draw_name(name)
    if per_draw and kept in BY_NAME:
        data[kept] = (BY_NAME[kept].dims, values, _attrs(kept))


def _regions_first(values: np.ndarray) -> np.ndarray:
    """[D, R, ...] → [R, D, ...] (quantiles are taken over draws per region)."""
    return np.moveaxis(values, 1, 0)


def _by_region(name, values, probabilities, data, *, per_draw=False) -> None:
    """Quantiles and mean over draws of a [D, R, ...] array, region by region (and the array,
    as [R, D, ...], with ``per_draw`` where declared).

    The quantiles of every region in one call, each entry's over draws as it would be alone
    (the same values): a call a region took 19 calls, one per site, for kr-national's site
    connections, each copying its strided region out and handing it to the kernel threads."""
    per_region = _regions_first(values)
    data[name] = (BY_NAME[name].dims, _quantiles(values, probabilities), _attrs(name))
    mean = mean_name(name)
    if mean in BY_NAME:
        data[mean] = (BY_NAME[mean].dims, per_region.mean(axis=1), _attrs(mean))
    kept = per_draw_name(name)
    if per_draw and kept in BY_NAME:
        data[kept] = (BY_NAME[kept].dims, per_region, _attrs(kept))


def _monthly_variables(
    scenario, monthly: Monthly, probabilities, data, per_draw, year_ends: np.ndarray
) -> None:
    """The fleet's, hosting's and grid's monthly figures; with ``per_draw``, every draw's grid
    figures by region at each year's end (``year_ends``: the index of each year's last month),
    for a comparison's differences."""
    regional = len(scenario.regions) > 1
    national = {
        "installed_accelerators": monthly.installed,
        "hosted_accelerators": None if monthly.hosted is None else monthly.hosted.sum(axis=1),
        "waiting_accelerators": None if monthly.waiting is None else monthly.waiting.sum(axis=1),
        "waiting_nameplate_mw": None
        if monthly.waiting_mw is None
        else monthly.waiting_mw.sum(axis=1),
        "fleet_nameplate_mw": monthly.fleet_mw,
        "hosted_nameplate_mw": monthly.hosted_mw,
        "tenant_nameplate_mw": monthly.tenant_mw,
        "hosted_it_capacity_mw": monthly.capacity_mw,
    }
    for name, values in national.items():
        if values is not None:
            _summaries(name, values, probabilities, data)
    if regional:
        for name, values in (
            ("hosted_accelerators_by_region", monthly.hosted),
            ("waiting_accelerators_by_region", monthly.waiting),
            ("waiting_nameplate_mw_by_region", monthly.waiting_mw),
        ):
            if values is not None:
                _by_region(name, values, probabilities, data)
    if monthly.connections is not None and monthly.connections.any_limit:
        grid = monthly.connections
        delayed = np.maximum(grid.requested_mw - grid.connected_mw, 0.0)
        for name, values in (
            ("grid_requested_mw", grid.requested_mw),
            ("grid_connected_mw", grid.connected_mw),
            ("grid_delayed_mw", delayed),
            ("grid_stranded_mw", grid.stranded_mw),
        ):
            _summaries(name, values.sum(axis=1), probabilities, data)
            _by_region(f"{name}_by_region", values, probabilities, data)
            kept = per_draw_name(f"{name}_by_region")
            if per_draw and kept in BY_NAME:
                at_year_ends = _regions_first(values[:, :, year_ends])
                data[kept] = (BY_NAME[kept].dims, at_year_ends, _attrs(kept))
        _by_region("grid_limit_mw_by_region", grid.limit_mw, probabilities, data)
    if monthly.connections is not None and monthly.connections.sites:
        # Every site not yet operating, limited or not (report-proc M7: a NSW campus without
        # a [grid] limit had no site figures, so when it energises could not be read).
        _site_variables(monthly.connections, probabilities, data)
    if monthly.wait_by_year is not None and monthly.delivered_by_year is not None:
        delivered = monthly.delivered_by_year.sum(axis=1)
        waited = (monthly.wait_by_year * monthly.delivered_by_year).sum(axis=1)
        national_wait = np.divide(waited, delivered, out=np.zeros_like(waited), where=delivered > 0)
        _summaries("accelerator_wait_months", national_wait, probabilities, data, per_draw=per_draw)
        if regional:
            _by_region(
                "accelerator_wait_months_by_region",
                monthly.wait_by_year,
                probabilities,
                data,
                per_draw=per_draw,
            )


def _site_delayed(grid: Connections, probabilities: np.ndarray, data: dict) -> None:
    """Each queued site's requested minus connected grid MW by month, over the draws that build
    it (a site at a time: [D, M] each): quantiles [S, M, Q] and mean [S, M]; NaN where no draw
    builds it."""
    n_sites, _, n_months = grid.site_connected_mw.shape
    quantiles = np.full((n_sites, n_months, probabilities.size), np.nan)
    means = np.full((n_sites, n_months), np.nan)
    for position in range(n_sites):
        built = grid.site_built[position]
        if not built.any():
            continue
        delayed = np.maximum(
            grid.site_requested_mw(position, n_months) - grid.site_connected_mw[position], 0.0
        )[built]
        quantiles[position] = _quantiles(delayed, probabilities)
        means[position] = delayed.mean(axis=0)
    name = "site_grid_delayed_mw"
    data[name] = (BY_NAME[name].dims, quantiles, _attrs(name))
    data[mean_name(name)] = (BY_NAME[mean_name(name)].dims, means, _attrs(mean_name(name)))


def _site_variables(grid: Connections, probabilities: np.ndarray, data: dict) -> None:
    """Each queued site's connection on the projection's months: connected MW [S, M, Q], the
    share of the draws that build it in which it has asked, is due, is connected in full or
    has its first MW [%, S, M], its MW still waiting over those draws [MW, S, M, Q] (and mean),
    the share of draws that build it [%, S], and, over the draws in which it asks
    within the period, what it asks for [MW, S, Q], its built MW waiting summed over the months
    [MW*month, S, Q] and per built MW [month, S, Q], and how late it is [month, S, Q]."""
    built = grid.site_built[:, :, None]  # [S, D, 1]
    n_built = grid.site_built.sum(axis=1)[:, None]  # [S, 1]
    # [S, D, M] -> [D, S, M]: _by_region takes quantiles over draws entry by entry.
    _by_region("site_grid_connected_mw", np.moveaxis(grid.site_connected_mw, 0, 1), probabilities,
               data)  # fmt: skip
    for name, flags in (
        ("site_requesting_pct", grid.site_requesting()),
        ("site_due_pct", grid.site_due()),
        ("site_energised_pct", grid.site_fully_connected()),
        ("site_first_mw_pct", grid.site_connected_mw > 0.0),
    ):
        counts = (flags & built).sum(axis=1)  # [S, M]
        share = np.divide(
            PERCENT * counts, n_built, out=np.full(counts.shape, np.nan), where=n_built > 0
        )
        data[name] = (BY_NAME[name].dims, share, _attrs(name))
    _site_delayed(grid, probabilities, data)
    built_pct = PERCENT * grid.site_built.mean(axis=1)
    data["site_built_pct"] = (BY_NAME["site_built_pct"].dims, built_pct, _attrs("site_built_pct"))
    waits = grid.site_wait_months  # [S, D], NaN where it asks after the period or never
    stranded, built_end = grid.site_stranded_mw_months, grid.site_built_end_mw
    assert waits is not None and stranded is not None and built_end is not None  # the window's
    asking = grid.site_asks()
    out = {
        name: np.full((len(grid.sites), probabilities.size), np.nan)
        for name in ("site_grid_request_mw", "site_grid_wait_months",
                     "site_grid_stranded_mw_months", "site_grid_mean_wait_months")
    }  # fmt: skip
    for site, request in enumerate(grid.site_request_mw):
        asks, wait = asking[site], waits[site]
        if asks.any():
            out["site_grid_request_mw"][site] = np.quantile(request[asks], probabilities)
            out["site_grid_stranded_mw_months"][site] = np.quantile(
                stranded[site, asks], probabilities
            )
            # Over the MW built by the period's end: a MW still waiting then counts the months
            # up to it; 0 where nothing is built yet (it applied ahead of a later build).
            built = built_end[site, asks]
            mean_wait = np.divide(
                stranded[site, asks], built, out=np.zeros_like(built), where=built > 0.0
            )
            out["site_grid_mean_wait_months"][site] = np.quantile(mean_wait, probabilities)
        if not np.isnan(wait).all():
            # Whole months, some of them +inf (not connected by the end): observed values only.
            within = wait[~np.isnan(wait)]
            out["site_grid_wait_months"][site] = np.quantile(
                within, probabilities, method="inverted_cdf"
            )
    for name, values in out.items():
        data[name] = (BY_NAME[name].dims, values, _attrs(name))


def _site_load_variables(
    loads: SiteLoads, series: dict | None, probabilities, data, *, per_draw: bool
) -> None:
    """Each site's AI load: its mean MW by month, its energy and its peak by year, quantiles
    and mean over draws (and every draw's energy and peak, with ``per_draw``); and the load
    series of the sites asked for (``series``: :attr:`Monthly.site_series_mw`)."""
    data["site_mean_mw"] = (BY_NAME["site_mean_mw"].dims, loads.mean_mw, _attrs("site_mean_mw"))
    mean = mean_name("site_mean_mw")
    if mean in BY_NAME:
        data[mean] = (BY_NAME[mean].dims, loads.mean_mw_mean, _attrs(mean))
    _by_region(
        "site_energy_twh", loads.energy_mwh * MWH_TO_TWH, probabilities, data, per_draw=per_draw
    )
    _by_region("site_peak_mw", loads.peak_mw, probabilities, data, per_draw=per_draw)
    for kind, name in enumerate(("site_facility_mw", "site_it_mw")):
        if not series:
            break
        chosen = [both[kind] for both in series.values()]
        data[name] = (BY_NAME[name].dims, np.stack([q for q, _ in chosen]), _attrs(name))
        mean = mean_name(name)
        data[mean] = (BY_NAME[mean].dims, np.stack([m for _, m in chosen]), _attrs(mean))


def _annual_variables(
    scenario, calendar, stats: Stats, has_baseline, probabilities, data, per_draw_values
) -> dict[str, np.ndarray]:
    """The per-year figures' quantiles and means (and every draw's, with ``per_draw_values``);
    returns the national per-draw arrays [D, Y] by name."""
    annual = stats.annual
    hours = calendar.hours_per_year[None, :]
    per_draw = {
        "ai_energy_twh": annual["ai_energy"] * MWH_TO_TWH,
        "ai_peak_gw": annual["ai_peak"] * MW_TO_GW,
        "ai_load_factor": np.divide(
            annual["ai_energy"],
            annual["ai_peak"] * hours,
            out=np.zeros_like(annual["ai_energy"]),
            where=annual["ai_peak"] > 0,
        ),
    }
    if scenario.non_ai_loads:
        per_draw |= {
            "non_ai_energy_twh": annual["non_ai_energy"] * MWH_TO_TWH,
            "non_ai_peak_gw": annual["non_ai_peak"] * MW_TO_GW,
            "dc_energy_twh": annual["dc_energy"] * MWH_TO_TWH,
            "dc_peak_gw": annual["dc_peak"] * MW_TO_GW,
            "ai_share_of_dc_energy_pct": PERCENT
            * np.divide(
                annual["ai_energy"],
                annual["dc_energy"],
                out=np.zeros_like(annual["ai_energy"]),
                where=annual["dc_energy"] > 0,
            ),
        }
    if scenario.flexibility is not None:
        per_draw |= _flexibility_calls(scenario.flexibility, annual)
        for name, values in (
            ("flexibility_hours_called_by_month_hour", stats.called_by_month_hour),
            ("flexibility_energy_mwh_by_month_hour", stats.flexed_by_month_hour),
        ):
            data[name] = (BY_NAME[name].dims, values, _attrs(name))
    if has_baseline:
        per_draw |= {
            "baseline_energy_twh": annual["baseline_energy"] * MWH_TO_TWH,
            "baseline_peak_gw": annual["baseline_peak"] * MW_TO_GW,
            "total_energy_twh": annual["total_energy"] * MWH_TO_TWH,
            "total_peak_gw": annual["total_peak"] * MW_TO_GW,
            "ai_share_of_energy_pct": PERCENT * annual["ai_energy"] / annual["total_energy"],
            "ai_at_national_peak_gw": annual["ai_at_total_peak"] * MW_TO_GW,
            "peak_change_gw": (annual["total_peak"] - annual["baseline_peak"]) * MW_TO_GW,
        }
        if scenario.non_ai_loads:
            per_draw["dc_at_national_peak_gw"] = annual["dc_at_total_peak"] * MW_TO_GW
        if scenario.flexibility is not None:
            without = annual["total_peak_without_flexibility"]
            per_draw |= {
                "ai_at_national_peak_gw_without_flexibility": annual[
                    "ai_at_total_peak_without_flexibility"
                ]
                * MW_TO_GW,
                "peak_change_gw_without_flexibility": (without - annual["baseline_peak"])
                * MW_TO_GW,
                "flexibility_peak_reduction_gw": (without - annual["total_peak"]) * MW_TO_GW,
            }
    for name, values in per_draw.items():
        _summaries(name, values, probabilities, data, per_draw=per_draw_values)
    if len(scenario.regions) > 1:
        # region_energy is [R, D, Y]; _by_region takes [D, R, Y].
        region_twh = np.moveaxis(annual["region_energy"] * MWH_TO_TWH, 0, 1)
        _by_region(
            "ai_energy_twh_by_region", region_twh, probabilities, data, per_draw=per_draw_values
        )
        if "non_ai_region_energy" in annual:
            non_ai_twh = np.moveaxis(annual["non_ai_region_energy"] * MWH_TO_TWH, 0, 1)
            for name, values in (
                ("non_ai_energy_twh_by_region", non_ai_twh),
                ("dc_energy_twh_by_region", region_twh + non_ai_twh),
            ):
                _by_region(name, values, probabilities, data, per_draw=per_draw_values)
        # The regions' loads in the grid's peak hour, as the national ones: with a baseline,
        # the data centres' only with a non-AI load.
        for name, statistic in (
            ("ai_at_national_peak_gw_by_region", "region_ai_at_total_peak"),
            ("dc_at_national_peak_gw_by_region", "region_dc_at_total_peak"),
        ):
            if statistic in annual:
                values = np.moveaxis(annual[statistic] * MW_TO_GW, 0, 1)
                _by_region(name, values, probabilities, data, per_draw=per_draw_values)
    return per_draw


def _flexibility_calls(flexibility, annual: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What flexibility curtails and shifts per draw and year [D, Y], and when it is called:
    its hours, events and their lengths, as a programme's contract counts them."""
    curtailed, hours = annual["curtailed_energy"], annual["called_hours"].astype(float)
    events = annual["called_events"].astype(float)
    shifted = np.zeros_like(curtailed)
    if flexibility.mode == "shift":
        # What gave way less what found no room; at least 0 (the two sums round apart).
        shifted = np.maximum(annual["flexed_energy"] - curtailed, 0.0)
    return {
        "flexibility_curtailed_twh": curtailed * MWH_TO_TWH,
        "flexibility_shifted_twh": shifted * MWH_TO_TWH,
        "flexibility_hours_called": hours,
        "flexibility_events": events,
        "flexibility_event_hours_max": annual["longest_event"].astype(float),
        "flexibility_event_hours_mean": np.divide(
            hours, events, out=np.zeros_like(hours), where=events > 0
        ),
    }


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of each column of ``values`` [n, k] over its rows, tied values given the
    average of their ranks (pandas' ``rank()``, scipy's ``rankdata(method="average")``, without
    scipy.stats' 0.5 s import); ``values`` holds no NaN. [1]"""
    n = values.shape[0]
    order = np.argsort(values, axis=0, kind="stable")
    ordered = np.take_along_axis(values, order, axis=0)
    position = np.broadcast_to(np.arange(n)[:, None], values.shape)
    # A run of equal values in sorted order spans positions first..last: each gets their mean.
    starts = np.ones(values.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = np.ones(values.shape, dtype=bool)
    ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, position, n - 1)[::-1], axis=0)[::-1]
    ranks = np.empty(values.shape)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=0)
    return ranks


def _standardised_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's ranks over the rows (:func:`average_ranks`) less their mean, over their
    length, 0 in a column that does not vary; and which columns vary (one with a NaN does not,
    as ``np.ptp`` reads it). [1]"""
    varying = np.ptp(values, axis=0) > 0
    ranks = average_ranks(np.where(varying, values, 0.0))
    ranks -= ranks.mean(axis=0)
    length = np.sqrt(np.sum(ranks**2, axis=0))
    return np.divide(ranks, length, out=np.zeros_like(ranks), where=varying), varying


def rank_correlations(inputs: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of each input's draws ``inputs`` [D, I] with each outcome's
    ``outcomes`` [D, Y] over the draws, as [I, Y]: every column ranked once and all pairs in
    one product of standardised ranks. NaN for an input held fixed (no spread, no correlation:
    it read 0.0, as if measured and found weak); 0.0 for every varying input against an
    outcome that does not vary. [1]"""
    standard_inputs, inputs_vary = _standardised_ranks(inputs)
    standard_outcomes, _ = _standardised_ranks(outcomes)
    correlations = standard_inputs.T @ standard_outcomes
    correlations[~inputs_vary] = np.nan
    return correlations


#: The headline outputs whose spread drivers are computed in every year (where the projection
#: has them): the output, the driver table's dimension and what the output is.
DRIVER_OUTPUTS = (
    ("ai_energy_twh", "input", "the AI energy"),
    ("dc_energy_twh", "dc_input",
     "the data-centre energy (AI + non-AI)"),
    ("ai_at_national_peak_gw", "input", "the AI load in the national peak hour"),
)  # fmt: skip


def rank_correlation_name(output: str) -> str:
    """Name of the variable holding the spread drivers of ``output`` in every year."""
    return f"{output}_rank_correlation"


def noise_threshold(draws: int) -> float:
    """|ρ| below which a rank correlation over ``draws`` draws is not told apart from 0: twice
    its standard error under no correlation, about 1/√n (0.14 at 200 draws, 0.063 at 1,000;
    the analyst's ranks 3–6 changed between seeds at 200 draws, report-sens M2). [1]"""
    return 2.0 / np.sqrt(draws)


def _driver_tables(
    per_draw: dict[str, np.ndarray], years: np.ndarray, tables: dict, data: dict, coords: dict
) -> None:
    """Each headline output's spread drivers in every year (:data:`DRIVER_OUTPUTS`), dims
    (input, year), and ``spread_driver_rank_correlation`` / ``dc_...`` at the last year
    (``per_draw``: the outputs' draws [D, Y]; ``tables``: the inputs' draws by dimension)."""
    last = int(years[-1])
    for output, dim, what in DRIVER_OUTPUTS:
        inputs = tables.get(dim)
        if inputs is None or output not in per_draw:
            continue
        draws = per_draw[output].shape[0]
        threshold = float(noise_threshold(draws))
        matrix = np.empty((draws, len(inputs)))  # [D, input]
        for column, input_draws in enumerate(inputs.values()):
            matrix[:, column] = input_draws
        values = rank_correlations(matrix, per_draw[output])  # [input, year]
        attrs = {
            "units": "1",
            "output": output,
            "noise_threshold": threshold,
            "description": f"Spearman rank correlation of each sampled input with {what} in "
            f"each year over the draws (NaN: the input is held fixed; |rho| below "
            f"noise_threshold, 2/sqrt(draws), is not told apart from 0)",
        }
        data[rank_correlation_name(output)] = ((dim, "year"), values, attrs)
        coords[dim] = (dim, np.array(list(inputs), dtype=str))
        if output == "ai_at_national_peak_gw":
            continue
        legacy = "spread_driver_rank_correlation" if dim == "input" else (
            "dc_spread_driver_rank_correlation"
        )  # fmt: skip
        data[legacy] = (
            (dim,),
            values[:, -1],
            {**attrs, "year": last,
             "description": f"Spearman rank correlation of each sampled input with {what} of "
                            f"{last} over the draws (which inputs drive the spread; NaN: held "
                            f"fixed); every year's: {rank_correlation_name(output)}"},
        )  # fmt: skip


#: The headline per-year outputs that carry their Monte Carlo error (:func:`_mc_errors`).
MC_ERROR_OUTPUTS = ("ai_energy_twh", "dc_energy_twh", "ai_at_national_peak_gw")


def quantile_standard_error(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Monte Carlo standard error of each quantile over draws (axis 0) of ``values`` [D, Y],
    as [Y, Q]: the distribution-free 95 % interval of the p-quantile runs between the order
    statistics ``n p ± 1.96 √(n p (1 − p))`` (binomial count of draws below it; Conover,
    *Practical Nonparametric Statistics*, 3rd ed., §3.2), and the error is its width / (2 ×
    1.96). [the values' unit]"""
    n = values.shape[0]
    ordered = np.sort(values, axis=0)
    half = 1.96 * np.sqrt(n * probabilities * (1.0 - probabilities))
    low = np.clip(np.floor(n * probabilities - half).astype(int), 0, n - 1)
    high = np.clip(np.ceil(n * probabilities + half).astype(int) - 1, 0, n - 1)
    return ((ordered[high] - ordered[low]) / (2.0 * 1.96)).T


def _mc_errors(per_draw: dict[str, np.ndarray], probabilities: np.ndarray, data: dict) -> None:
    """``<output>_mc_error`` (year, quantile) and ``<output>_mean_mc_error`` (year) of the
    :data:`MC_ERROR_OUTPUTS` the projection has."""
    for output in MC_ERROR_OUTPUTS:
        if output not in per_draw:
            continue
        values = per_draw[output]
        units = BY_NAME[output].units
        data[f"{output}_mc_error"] = (
            ("year", "quantile"),
            quantile_standard_error(values, probabilities),
            {"units": units, "description": f"Monte Carlo standard error of each quantile of "
             f"{output} (from the binomial 95 % interval of the order statistics: width / "
             "3.92); it shrinks as 1/sqrt(draws)"},
        )  # fmt: skip
        data[f"{output}_mean_mc_error"] = (
            ("year",),
            values.std(axis=0, ddof=1) / np.sqrt(values.shape[0]) if values.shape[0] > 1
            else np.full(values.shape[1], np.nan),
            {"units": units, "description": f"Monte Carlo standard error of the mean of "
             f"{output} over the draws (standard deviation / sqrt(draws))"},
        )  # fmt: skip


def _input_variables(inputs: dict[str, np.ndarray], data: dict) -> None:
    """Every draw's value of each sampled input (dim ``draw``) with its unit, the driver
    table's name in the attribute ``input`` (an analyst needed them for SALib and PRCC)."""
    for label, values in inputs.items():
        name = input_variable_name(label)
        while name in data:  # two labels alike but for punctuation
            name = name.removesuffix("_per_draw") + "_2_per_draw"
        data[name] = (
            ("draw",),
            np.asarray(values, dtype=np.float64),
            {"units": driver_units(label), "input": label,
             "description": f"Each draw's sampled {label} (a trend by the mean of its points)"},
        )  # fmt: skip


#: Local-time labels of the periods kept (:func:`_local_labels`): 2.3 MB for 12 years of hours.
_LABELS = SharedArrays(kept=8)


def _local_labels(times: pd.DatetimeIndex) -> np.ndarray:
    """:func:`forecast.io.export.local_iso` of ``times``, kept for the next projection of the
    same periods (every request for a scenario's horizon): 16 ms of a 1,000-draw national
    projection, hourly over 12 years (2026-12-05). Keyed on the zone and a digest of the
    instants (1 ms), so that no two different grids of periods can share labels."""
    instants = np.ascontiguousarray(times.asi8)
    key = (str(times.tz), instants.size, hashlib.blake2b(instants.data).digest())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS.put(key, local_iso(times))
    return labels


def build_dataset(
    scenario: Scenario,
    options: ProjectionOptions,
    calendar: HourlyCalendar,
    stats: Stats,
    monthly: Monthly,
    drivers: dict[str, np.ndarray],
    *,
    baseline_label: str | None,
    weather,
    weather_of_draw: np.ndarray | None = None,
    baseline_level_note: str | None = None,
    baseline_demand_basis: str | None = None,
    run_caveats: Sequence[str] = (),
    non_ai_drivers: dict[str, np.ndarray] | None = None,
) -> xr.Dataset:
    """The projection as a labelled Dataset with units and provenance (with ``per_draw``, each
    draw's weather year as the coordinate ``draw_weather_year``, from ``weather_of_draw``;
    with a baseline, ``baseline_level`` says which years' level is observed and which
    forecast, and ``baseline_demand_basis`` what demand the model was trained on;
    ``run_caveats``, the run's own caveats, follow the scenario's in ``caveats``)."""
    assert options.start is not None and options.end is not None
    probabilities = np.asarray(options.quantiles, dtype=np.float64)
    periods = stats.period_times
    coords = {
        **period_coordinates(periods, resolution=options.resolution, labels=_local_labels(periods)),
        "quantile": ("quantile", probabilities, {"units": "1", "description": "probability level"}),
        "year": ("year", calendar.years, {"description": "calendar year, local time"}),
        "region": ("region", np.array(scenario.regions, dtype=str)),
        "month": (
            "month",
            pd.period_range(pd.Period(options.start, "M"), periods=calendar.n_months, freq="M")
            .to_timestamp()
            .to_numpy(),
            dict(MONTH_ATTRIBUTES),
        ),
    }
    if monthly.connections is not None and monthly.connections.sites:
        queued = [scenario.sites[index] for index in monthly.connections.sites]
        coords["site"] = (
            "site",
            np.array(site_labels([site.name for site in queued]), dtype=str),
            {"description": "site not yet operating, region by region in queue order (a "
                            "region without a connection limit connects it as it asks: "
                            "site_grid_limit)"},
        )  # fmt: skip
        coords["site_grid_limit"] = (
            "site",
            np.where(monthly.connections.site_limited, "limited", "none"),
            {"description": "whether the site's region has a grid connection limit (limited) "
                            "or not (none: connected in full when it asks, never delayed)"},
        )  # fmt: skip
        coords["site_region"] = (
            "site",
            np.array([scenario.region_of(site) for site in queued], dtype=str),
            {"description": "the site's region"},
        )
        coords["site_status"] = (
            "site",
            np.array([site.status for site in queued], dtype=str),
            {"description": "the site's status (its queue rank: under construction first)"},
        )
        coords["site_grid_request"] = (
            "site",
            np.array([site.grid_request for site in queued], dtype=str),
            {"description": "how the site asks the grid: whole (all of it when it applies, "
                            "its grid_lead_months before its ramp starts) or phased (what its "
                            "ramp will have built a lead later)"},
        )  # fmt: skip
    if scenario.flexibility is not None:
        coords |= MONTH_HOUR_COORDINATES  # of the calendars flexibility_*_by_month_hour
    if monthly.site_loads is not None:
        coords["load_site"] = (
            "load_site",
            np.array(site_labels([site.name for site in scenario.sites]), dtype=str),
            {"description": "every site of the scenario, in the order of its file (site holds "
                            "only those under a grid connection limit, in queue order)"},
        )  # fmt: skip
        coords["load_site_region"] = (
            "load_site",
            np.array([scenario.region_of(site) for site in scenario.sites], dtype=str),
            {"description": "the site's region"},
        )
    if monthly.site_series_mw:
        chosen = list(monthly.site_series_mw)
        regions = dict(zip(coords["load_site"][1], coords["load_site_region"][1], strict=True))
        coords["profile_site"] = (
            "profile_site",
            np.array(chosen, dtype=str),
            {"description": "the sites whose load series is asked for (--site; sites)"},
        )
        coords["profile_site_region"] = (
            "profile_site",
            np.array([regions[name] for name in chosen], dtype=str),
            {"description": "the site's region"},
        )
    if options.per_draw:
        coords["draw"] = (
            "draw",
            np.arange(options.draws),
            {
                "description": "Monte Carlo draw: the same index and seed draw the same inputs, "
                "whatever the number of draws and the period"
            },
        )
        if weather_of_draw is not None:
            coords["draw_weather_year"] = (
                "draw",
                np.asarray(weather.labels, dtype=str)[weather_of_draw],
                {
                    "description": "the weather year each draw runs on (its temperatures, laid "
                    "on every year of the period)"
                },
            )
    data: dict = {}
    for name, values in stats.series.items():
        # The kernel fills [Q, P] per series ([R, Q, P] by region); the Dataset orders dims as
        # declared in forecast.outputs.
        data[name] = (BY_NAME[name].dims, values.swapaxes(-1, -2), _attrs(name))
    months = pd.period_range(pd.Period(options.start, "M"), periods=calendar.n_months, freq="M")
    year_ends = np.array([np.flatnonzero(months.year == year)[-1] for year in calendar.years])
    _monthly_variables(scenario, monthly, probabilities, data, options.per_draw, year_ends)
    if monthly.site_loads is not None:
        _site_load_variables(
            monthly.site_loads, monthly.site_series_mw, probabilities, data,
            per_draw=options.per_draw,
        )  # fmt: skip
    per_draw_values = _annual_variables(
        scenario, calendar, stats, baseline_label is not None, probabilities, data,
        options.per_draw,
    )  # fmt: skip

    tables = {"input": drivers}
    if non_ai_drivers:
        # The whole sector's spread: every input, the non-AI loads' too, against the
        # data-centre energy (an IEA analyst found the non-AI inputs, 75 % of the world's
        # energy, absent from the AI table).
        tables["dc_input"] = drivers | non_ai_drivers
    _driver_tables(per_draw_values, calendar.years, tables, data, coords)
    _mc_errors(per_draw_values, probabilities, data)
    if options.per_draw:
        _input_variables(tables.get("dc_input", drivers), data)

    dataset = xr.Dataset(
        {name: numpy_variable(*spec) for name, spec in data.items()},
        coords={name: numpy_coordinate(name, *spec) for name, spec in coords.items()},
    )
    ensemble, fixed = ",".join(weather.labels), options.weather_year
    dataset.attrs = {
        "title": f"AI data-centre electricity demand projection: {scenario.title}",
        "scenario_id": scenario.id,
        "scenario_sha256": scenario_digest(scenario),
        "country": scenario.country,
        "timezone": scenario.timezone,
        "hosting": scenario.hosting_reading,
        "flexibility": _flexibility_note(
            scenario, has_baseline=baseline_label is not None, last_year=options.end.year
        ),
        "hosting_note": HOSTING_READINGS[scenario.hosting_reading],
        "seed": options.seed,
        "draws": options.draws,
        "resolution": options.resolution,
        "period_start": options.start.isoformat(),
        "period_end": options.end.isoformat(),
        # The build, not only the release: every commit of a release computes its own way.
        "code_version": provenance.code_version(),
        "data_sha256": provenance.data_digest(),
        # The facts.csv its citations (facts.csv:<key>) name: a key is a number only with it.
        "facts_sha256": FACTS_SHA256,
        # Future years' public holidays come from this package: a newer one may add some.
        "holidays_version": _holidays_version(),
        "baseline_model": baseline_label or "none",
        # A planner compared KPX market demand with the Basic Plan's peaks, which include
        # behind-the-meter solar: every figure says which demand it is.
        **({"baseline_demand_basis": baseline_demand_basis} if baseline_demand_basis else {}),
        "weather_location": weather.location,
        "weather_kind": weather.kind,
        "weather_source": weather.source,
        # The years the draws ran on: with a design weather year (weather_year), that year
        # alone, and the ensemble it was chosen from, which still set the PUE's annual line
        # and the digest, as weather_ensemble_years. Each is absent where not needed.
        "weather_years": ensemble if fixed is None else str(fixed),
        **({} if fixed is None else {"weather_year": fixed, "weather_ensemble_years": ensemble}),
        "weather_sha256": weather.digest,
        "Conventions": "CF-1.8",
    }
    if partial := partial_years(options.start, options.end):
        # JSON, as region_labels: the years whose figures are of part of the year only.
        dataset.attrs["partial_years"] = json.dumps(partial)
    if partial := partial_months(options.start, options.end):
        # The same of the months: a label is the calendar month, its means of those days.
        dataset.attrs["partial_months"] = json.dumps(partial)
    if scenario.region_labels:
        # JSON: an attribute holds a string (NetCDF), and the report and dashboard read it.
        dataset.attrs["region_labels"] = json.dumps(scenario.region_labels, ensure_ascii=False)
    if said := [*scenario.caveats, *run_caveats]:
        # JSON, as region_labels: one line each, printed under every summary. The run's
        # (its baseline bands past their backtest) follow the scenario's: the scenario's
        # digest is of the scenario alone, and a planner reads both before quoting a figure.
        dataset.attrs["caveats"] = json.dumps(said, ensure_ascii=False)
    if held := _in_baseline_note(scenario):
        dataset.attrs["non_ai_in_baseline_note"] = held
    if flat := _held_trends_note(scenario, options.end):
        dataset.attrs["non_ai_held_note"] = flat
    if flat := _other_held_trends_note(scenario, options.end):
        dataset.attrs["held_trends_note"] = flat
    notes = horizon_notes(scenario, options.start, options.end)
    if notes:
        dataset.attrs["horizon_note"] = "; ".join(notes)
    if baseline_label is None:
        dataset.attrs["baseline_note"] = no_baseline_note(scenario, options)
    elif baseline_level_note:
        dataset.attrs["baseline_level"] = baseline_level_note
    return dataset


def _in_baseline_note(scenario: Scenario) -> str:
    """The non-AI loads the grid's baseline already holds (``in_baseline``), in words, for the
    tables' captions: they count in the data-centre figures, not again in the grid total (a
    planner could not tell from the tables that kr-outlook's existing data centres are inside
    the baseline); empty where none is."""
    held = [load.name for load in scenario.non_ai_loads if load.in_baseline]
    if not held:
        return ""
    which = "all of it" if len(held) == len(scenario.non_ai_loads) else "; ".join(held)
    return (
        f"non-AI load already in the baseline's demand (in_baseline: {which}): counted in the "
        "data-centre figures, not added to the grid total"
    )


def _held_trends_note(scenario: Scenario, end) -> str:
    """The non-AI loads' trends that end before the period does, and so hold their last point
    (:class:`forecast.scenario.Trend`), in words for the sector table (a planner read
    kr-outlook's flat non-AI energy from 2030 as a stalled sector); empty where none does."""
    held: dict[str, list[str]] = {}
    for load in scenario.non_ai_loads:
        for field in NON_AI_QUANTITIES:
            value = getattr(load, field)
            if isinstance(value, Trend) and value.points[-1].date < end:
                held.setdefault(value.points[-1].date.isoformat(), []).append(
                    f"{field} of {load.name!r}"
                )
        if isinstance(load.region_shares, list) and load.region_shares[-1].date < end:
            held.setdefault(load.region_shares[-1].date.isoformat(), []).append(
                f"region_shares of {load.name!r}"
            )
    if not held:
        return ""
    inputs = "; ".join(f"{', '.join(names)} from {date}" for date, names in held.items())
    return f"non-AI inputs held at their last point (their trends end there): {inputs}"


#: The trend fields of ``[operations]`` and of a site that a held-trend note names.
_OPERATION_TRENDS = ("load_factor", "pue", "pue_temperature_slope_per_c", "inference_share")
_SITE_TRENDS = ("pue", "inference_share", "load_factor", "tenant_occupancy")


def _other_held_trends_note(scenario: Scenario, end) -> str:
    """The AI side's and the grid's inputs held after their last point before the period's
    ``end``, in words for the summary: ``[operations]`` and site trends, connection limits and
    deployments that hold their fleet (``after_last = "hold"``) after their last milestone or
    shipment (a planner read kr-outlook's flat non-AI energy from 2030 as a stalled sector;
    the same flat line in the AI fleet or a limit said nothing). Empty where none is."""
    held: dict[str, list[str]] = {}

    def note(value, what: str) -> None:
        if isinstance(value, Trend) and value.points[-1].date < end:
            held.setdefault(value.points[-1].date.isoformat(), []).append(what)

    for field in _OPERATION_TRENDS:
        note(getattr(scenario.operations, field), f"operations.{field}")
    for site in scenario.sites:
        for field in _SITE_TRENDS:
            note(getattr(site, field), f"{field} of site {site.name!r}")
    for region, grid in scenario.grid.items():
        note(grid.limit_mw, f"grid.{region}.limit_mw")
    for deployment in scenario.deployments:
        dates = [m.date for m in deployment.milestones] + [s.end for s in deployment.shipments]
        if deployment.after_last == "hold" and dates and max(dates) < end:
            held.setdefault(max(dates).isoformat(), []).append(f"the fleet of {deployment.name!r}")
    if not held:
        return ""
    inputs = "; ".join(f"{', '.join(names)} from {date}" for date, names in sorted(held.items()))
    fleets = any(name.startswith("the fleet of") for names in held.values() for name in names)
    return f"inputs held at their last point (their paths end there): {inputs}" + (
        " (a fleet held with after_last = hold is replaced as it retires)" if fleets else ""
    )


@functools.cache
def _holidays_version() -> str:
    """The installed ``holidays`` package's version (the calendar of every future year).

    Read once a process: the package's metadata file parsed anew took 19 ms of CPU of every
    projection (kr-national, 1,000 draws hourly, 2026-12-07), and a process computes with the
    ``holidays`` it imported, whatever is installed since."""
    from importlib.metadata import version

    return version("holidays")


def _flexibility_note(scenario: Scenario, *, has_baseline: bool, last_year: int) -> str:
    """One line on the scenario's flexibility for the attributes ("none" without). Without a
    baseline the total is the data-centre load the scenario adds (the AI load and the non-AI
    load not marked ``in_baseline``), so its highest hours are the data centres' own, not the
    grid's: the line says so."""
    flex = scenario.flexibility
    if flex is None:
        return "none"
    above = "" if flex.threshold_mw is None else f" above {flex.threshold_mw:g} MW"
    hours = "total-load hours" if has_baseline else (
        "hours of the data-centre load the scenario adds (AI, and non-AI not in_baseline; no "
        "baseline: not the grid's peak hours)"
    )  # fmt: skip
    start = "" if flex.from_year is None else f", from {flex.from_year}"
    if flex.from_year is not None and flex.from_year > last_year:
        start += f" (after this projection's last year, {last_year}: nothing gives way in it)"
    return (
        f"{flex.mode}: a share of the AI load (central {flex.share.central():g}) gives way in "
        f"each draw's {flex.hours_per_year} highest {hours} a year{above}{start}"
    )


def numpy_variable(dims, values, attrs=None) -> xr.Variable:
    """An xarray Variable holding the NumPy array as it is.

    ``fastpath=True`` skips xarray's duck-array checks, which import dask.array (with dask
    installed, 0.4 s of every process's first projection, measured with ``python -X
    importtime``) only to find that a NumPy array is not a dask array.
    """
    return xr.Variable(dims, np.asarray(values), attrs, fastpath=True)


def numpy_coordinate(name, dims, values, attrs=None) -> xr.Variable:
    """A coordinate; a dimension's own coordinate is handed over as a pandas Index.

    xarray indexes a dimension coordinate with a pandas Index; given anything else it checks
    first whether the values are a dask array, importing dask.base to do so (0.1 s of every
    process's first projection, measured with ``python -X importtime``).
    """
    if dims == name:
        return xr.IndexVariable(dims, pd.Index(np.asarray(values)), attrs, fastpath=True)
    return numpy_variable(dims, values, attrs)
