"""Hourly load for grid models: PyPSA, PLEXOS-style 8760s and wide tables.

A capacity-expansion model wants one hourly load path per load and bus. A projection holds
thousands of paths (one per draw); this module picks which to hand over, explicitly:

* **representative draws** (``draws=K``): for each probability of
  :func:`representative_probabilities` (P50; P10 and P90; P10, P50 and P90; ...), a draw
  that sits near it on several measures at once (:func:`rank_metrics`: the grid's total
  energy and peak, the data-centre energy and, beside non-AI load, the AI energy; or the
  data-centre or the AI load alone), by each draw's percentile among the draws in each year
  and measure (:func:`representative_draws`): first *as a whole* (its mean percentile, ranked
  among the draws, within :data:`OVERALL_TOLERANCE` of the probability: P5–P15 for P10), so
  that a draw at the sample's edge in every year is never the P10 or P90 path; then, of
  those, the steadiest (least mean squared distance from the probability over measures and
  years). Each is kept *whole*: every hour, load and year of one draw, so the path is one
  physically coherent future (its peaks, its weather year, its AI load at the peak hour).
* **quantile paths** (``quantiles=(q, ...)``): for every load and hour separately, the
  ``q``-quantile over draws. Such a path is *not* a load path: no draw has it, its loads do not
  sum to the same quantile of the total, and its peak is lower than the ``q``-quantile of the
  peaks (each hour takes the quantile of a different set of draws, smoothing the peaks away).
  It is offered because some tools ask for a "P50 profile"; prefer representative draws.
* **chosen draws** (``draw_numbers=(d, ...)``): those draws by number, kept whole, with their
  percentiles as representative draws have them. Draw ``d`` of every scenario run with one
  seed shares the named random streams (baseline level and daily noise, weather year, and
  the inputs scenarios share): ranked on a reference scenario, the same draws of another
  compare the scenarios without baseline or weather noise between them.

Loads (columns): ``baseline`` (the baseline model's load of the grid, less the non-AI
data-centre load it already holds), ``non_ai_dc`` (non-AI data-centre load, when the scenario
has any; for representative draws of a scenario with several regions, ``non_ai_dc_<region>``
for each region that has some, split by the draw's regional shares of the non-AI energy of
each hour's local year as the hourly pass projects it: a local day past the period, its own)
and ``ai_dc_<region>`` (AI data-centre load of each scenario region). They sum to the
projection's total grid load hour by hour; without a baseline model, to the data-centre load,
and a non-AI load that the grid's metered demand already holds (``in_baseline``) is then named
in its column's description. The grid-wide loads sit on a bus named after the baseline
model's grid (:func:`grid_bus`: ``KR``, ``AU-NSW``), each region's loads on a bus named after
the region: ``loads.csv`` is the mapping to a model's own buses.

Time: rows are labelled in the zone's standard time (a fixed UTC offset,
:func:`forecast.calendar.standard_utc_offset`: 24 periods every day, no repeated or missing hour
at daylight-saving changes) and split by the year of that label, so a year file holds that
year's periods only. The period's days are those of the same standard time by default
(:data:`CALENDARS`, ``standard``): ``--start 2030-01-01 --end 2030-12-31`` is 8,760 periods
from 00:00 on 1 January to 23:00 on 31 December in standard time, the year a NEM model runs in
(AEST, UTC+10 all year). Where daylight saving spans the new year (Sydney), that year ends an
hour into the next local year, so the projection runs one local day more
(:func:`projected_end`) and the hours outside the standard-time days are dropped; a year's
rows then differ from the projection's local-year energy by the hour at each end, and the
manifest gives the energies of the rows. ``local`` cuts the period at local midnights, as
``forecast project`` does: the rows are then the projection's hours, which in Sydney start an
hour before the standard year (a year of its own with one row; the manifest names such partial
years). With ``--years`` a year named is its rows in such an export of the whole period, every
hour of its standard-time year: in Sydney it is projected a local day past, for its last hour,
00:00 AEDT on 1 January (:func:`_local_year_days`). Where local and standard years coincide
(no daylight saving, or none at the new year: Korea, New York) the two are the same, and a
year's rows sum to the projection's annual energy.
``utc`` cuts the period at UTC midnights and labels the rows in UTC, the time renewables.ninja
and atlite profiles are in: a year is 8,760 or 8,784 UTC hours (Seoul's UTC year 2030 runs
from 09:00 KST on 1 January 2030 to 08:59 KST on 1 January 2031, so the projection runs a local
day more; New York's starts at 19:00 EST on 31 December 2029, a local day earlier).
Representative draws are ranked on the projection of the period's local days under every
calendar, so the same draws are chosen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from forecast.baseline.artifacts import manifest_demand_basis
from forecast.calendar import HourlyCalendar, days_in_year, hourly_times, standard_utc_offset
from forecast.engine.baseline import baseline_model
from forecast.engine.duration import DrawPaths, QuantilePaths
from forecast.engine.options import horizon_notes
from forecast.errors import OptionsError, range_error, year_error
from forecast.io import export
from forecast.io.files import atomic_write, sha256_file
from forecast.kernels import layout
from forecast.outputs import caveats, numpy_values, values_at
from forecast.projection import (
    MAX_YEARS,
    ProjectionOptions,
    notes_in_attributes,
    project,
    weather_index,
)
from forecast.report.inputs import input_table
from forecast.scenario import FIRST_DATE, LAST_DATE, Scenario
from forecast.units import MWH_TO_TWH

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel

FORMATS = ("pypsa", "plexos", "wide-csv", "wide-parquet", "netcdf")
#: What representative draws are ranked by (``--rank-by``, :func:`rank_metrics`): ``grid``
#: (the default where there is a baseline) the grid's energy and peak alone, ``total`` every
#: exported load near its level, ``dc`` the data-centre load, ``ai`` the AI load.
RANK_BY = ("grid", "total", "dc", "ai")
#: How far a representative draw's percentile of the grid's energy may lie from its level in
#: a year before the export warns (:func:`level_warning`): the grid-model user's "P10" is
#: P10 of the grid's demand, and a path at P25 of it in some year is a different case. [-]
GRID_LEVEL_TOLERANCE = 0.15
#: How the period is cut into days and years (``--calendar``): at the midnights of the zone's
#: standard time, the time the rows are labelled in (``standard``, the default: whole
#: standard-time years, the NEM's AEST years for NSW), at local midnights as ``forecast
#: project`` cuts them (``local``; labelled in standard time), or at UTC midnights, the rows
#: labelled in UTC (``utc``: whole UTC years, the hours of a renewables.ninja or atlite
#: profile of those years).
CALENDARS = ("standard", "local", "utc")
#: What each rank measure is called in the command line's summary.
METRIC_LABELS = {
    "total_energy_twh": "total energy",
    "total_peak_gw": "peak",
    "dc_energy_twh": "data-centre energy",
    "dc_peak_gw": "data-centre peak",
    "ai_energy_twh": "AI energy",
    "ai_peak_gw": "AI peak",
}
#: Measures whose percentiles the manifest records for every representative draw, where the
#: projection has them, beside those it was ranked by.
RECORDED_METRICS = ("total_energy_twh", "total_peak_gw", "dc_energy_twh", "ai_energy_twh")
#: A bus name :func:`_check_buses` accepts: one a CSV cell, a PyPSA component name and a
#: PLEXOS object name take as they are (no space, comma, quote or other punctuation).
BUS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
#: Most representative draws or quantile paths one export writes (levels spaced evenly from
#: P10 to P90: more are levels a few points apart, not more information).
MAX_PATHS = 20
#: Most draws one export writes by number (``--draw``) or as an equal-weight random sample
#: (``--random``): each path holds every hour of every load in memory while it is written
#: (:class:`~forecast.engine.duration.DrawPaths`: 8 bytes a value, 100 paths x 10 years x 8
#: loads = 0.56 GB) and takes about 10 MB a year on disk as CSV. [-]
MAX_DRAW_PATHS = 100
#: How far a representative draw's percentile as a whole may lie from its level
#: (:func:`representative_draws`; one draw's step, ``1 / n``, where that is wider): P10's draw
#: is one of P5–P15. Narrow enough that the sample's edge (P0, P100) is never P10 or P90 of 20
#: draws or more, wide enough to leave a tenth of the draws to choose the steadiest from. [-]
OVERALL_TOLERANCE = 0.05
#: Written beside the paths: provenance, the loads and buses, the paths' draws and energies.
MANIFEST = "export.json"
#: Suffixes of a file, which an ``--out`` (a folder) may not end in: ``--out x.parquet`` made a
#: folder named ``x.parquet`` where a user expected a file (:func:`check_out`).
FILE_SUFFIXES = (
    ".csv", ".parquet", ".pq", ".nc", ".nc4", ".zip", ".json", ".xlsx", ".tar", ".gz", ".tgz",
)  # fmt: skip
#: The files of a path's folder in the ``pypsa`` format.
PYPSA_FILES = (
    "network.csv", "meta.json", "snapshots.csv", "carriers.csv", "buses.csv", "loads.csv",
    "loads-p_set.csv",
)  # fmt: skip
#: Written beside :data:`PYPSA_FILES` where the years were chosen (``--years``): each year an
#: investment period of a multi-period network (:func:`investment_periods`).
INVESTMENT_PERIODS = "investment_periods.csv"
#: The PyPSA version written in ``network.csv``: the one the folder was checked with (PyPSA
#: warns on importing a network of an older version than its own, "v0.0.0" where none is given).
PYPSA_VERSION = "1.4.0"
#: The one file of the ``netcdf`` format, beside the manifest: every path in one Dataset
#: (:func:`netcdf_dataset`).
NETCDF_FILE = "export.nc"
#: The variables of the ``netcdf`` format: name, dims, units, description.
NETCDF_VARIABLES = {
    "load_mw": (
        ("path", "snapshot", "load"),
        "MW",
        "mean load over the hour starting at the snapshot, of each load (bus and carrier in "
        "its coordinates) and path",
    ),
}


@dataclass(frozen=True)
class Load:
    """One exported load: its column name, bus, carrier and meaning."""

    name: str
    bus: str
    carrier: str
    description: str


@dataclass(frozen=True)
class GridPaths:
    """Hourly load paths ready to write.

    Attributes
    ----------
    labels : list of str
        One per path: ``p50-draw-123`` (representative draw) or ``quantile-0.5``.
    loads : list of Load
        The columns.
    load_mw : float64[C, P, H]
        Load of each column, path and hour. [MW]
    utc : pandas.DatetimeIndex
        Each hour's start in UTC.
    standard : pandas.DatetimeIndex
        Each hour's start in the zone's standard time (naive).
    year : int64[H]
        Each hour's year in the time its rows are labelled in (:attr:`times`): the zone's
        standard time, or UTC with ``calendar`` ``utc``.
    paths : list of dict
        What each path is: kind, probability; for a representative draw its draw, the measures
        it was ranked by, its percentile as a whole (:func:`overall_percentiles`), its
        root-mean-square distance from the probability and its percentile among the draws per
        measure and year. [-]
    dataset : xarray.Dataset
        The projection the paths come from (annual resolution, per-draw values); with
        ``calendar`` ``standard`` or ``utc``, or ``local`` and ``years``, it may run a local day
        past ``period`` at either end (:func:`projected_days`, :func:`_local_year_days`).
    calendar : str
        How the period is cut into days (:data:`CALENDARS`).
    period : tuple of datetime.date
        The period's first and last day, in ``calendar``'s days.
    baseline : dict
        What the baseline columns are (:func:`baseline_definition`); empty without one.
    years : tuple of int, optional
        The years exported, where they were chosen (``--years``): the rows hold those years
        alone, and a PyPSA folder makes each an investment period.
    buses : list of str
        Every bus of the export (:func:`_bus_names`, renamed), the same for quantile paths and
        draws: a bus without a load of the paths' kind is listed all the same (zero load).
    weather_year : int, optional
        The one observed weather year every draw ran on (``--weather-year``), where given.
    inputs : dict
        The scenario's input table (:func:`forecast.report.inputs.input_table`), as ``forecast
        project``'s ``.meta.json`` holds it: the manifest's ``inputs`` and export.nc's global
        attribute :data:`~forecast.io.export.INPUTS_ATTRIBUTE`.
    """

    labels: list[str]
    loads: list[Load]
    load_mw: np.ndarray
    utc: pd.DatetimeIndex
    standard: pd.DatetimeIndex
    year: np.ndarray
    paths: list[dict]
    dataset: xr.Dataset
    calendar: str
    period: tuple[dt.date, dt.date]
    baseline: dict = dataclasses.field(default_factory=dict)
    years: tuple[int, ...] | None = None
    buses: list[str] = dataclasses.field(default_factory=list)
    weather_year: int | None = None
    inputs: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    @property
    def times(self) -> pd.DatetimeIndex:
        """Each hour's start as the rows are labelled (naive): in UTC with ``calendar``
        ``utc``, else in the zone's standard time (:attr:`standard`)."""
        return self.utc.tz_localize(None) if self.calendar == "utc" else self.standard

    def annual_energy_twh(self) -> np.ndarray:
        """Energy of each column, path and year in the rows written. [TWh] float64[C, P, Y]"""
        years = np.unique(self.year)
        return np.stack(
            [self.load_mw[:, :, self.year == y].sum(axis=2) * MWH_TO_TWH for y in years], axis=2
        )


def peaks_by_year(paths: GridPaths, index: int) -> dict[str, dict]:
    """Each year's (of the rows written, :attr:`GridPaths.year`) peak of path ``index``: the
    total's peak and its hour (UTC, the rows' standard-time label and local time with its UTC
    offset), the AI data-centre load and each load at that hour, and each load's own peak. [MW]
    (A quantile path's peak is smoothed away: see the module.)"""
    local = paths.utc.tz_convert(paths.dataset.attrs["timezone"])
    ai = [c for c, load in enumerate(paths.loads) if load.carrier == "ai_data_centre"]
    peaks = {}
    for year in np.unique(paths.year):
        hours = np.flatnonzero(paths.year == year)
        values = paths.load_mw[:, index, hours]  # [C, h]
        at = int(np.argmax(values.sum(axis=0)))
        peaks[str(int(year))] = {
            "total_peak_mw": float(values[:, at].sum()),
            "peak_hour_utc": paths.utc[hours[at]].strftime("%Y-%m-%dT%H:%MZ"),
            "peak_hour_standard_time": paths.standard[hours[at]].strftime("%Y-%m-%d %H:%M"),
            "peak_hour_local": local[hours[at]].isoformat(timespec="minutes"),
            "ai_dc_at_peak_mw": float(values[ai, at].sum()),
            "load_at_peak_mw": {
                load.name: float(values[c, at]) for c, load in enumerate(paths.loads)
            },
            "load_peak_mw": {
                load.name: float(values[c].max()) for c, load in enumerate(paths.loads)
            },
        }
    return peaks


def baseline_definition(model: BaselineModel | None, bus: str) -> dict:
    """What the baseline columns hold, from the baseline model's manifest: the model, its
    grid's bus, the demand it was trained on (the manifest's description, e.g. AEMO NSW1
    operational demand without rooftop PV) and the data file and window; empty without a
    baseline model. Nothing is said that the manifest does not say."""
    if model is None:
        return {}
    data = model.manifest.get("data", {})
    return {
        "model": f"{model.model_id}@{model.version}",
        "bus": bus,
        "demand": model.manifest.get("description", ""),
        "demand_file": data.get("demand_file", ""),
        "training_window": data.get("window", []),
        "column": "that demand, less the non-AI data-centre load it already holds "
        "(in_baseline); split by fixed shares where --baseline-shares is given: "
        + BASELINE_SHARE_FORMULA,
        "metering_basis": baseline_metering_basis(model),
    }


#: How ``--baseline-shares`` splits the baseline (:func:`_baseline_by_region`), in the words
#: of the columns' descriptions, the manifest's ``baseline`` and the README.
BASELINE_SHARE_FORMULA = (
    "baseline_<region> = share x (the baseline model's grid demand - the non-AI data-centre "
    "load of every region that demand already holds, in_baseline), every hour; each region's "
    "non-AI data-centre load is a column of its own, outside the share"
)
#: The metering basis of the data-centre columns: IT x PUE, at the facility's meter.
FACILITY_METERING_BASIS = (
    "at the data centre's meter (IT x PUE): no network losses between the facility and the "
    "point where the grid's demand is metered"
)


def baseline_metering_basis(model: BaselineModel) -> str:
    """Where the baseline column's demand is metered: the baseline model's demand basis
    (:func:`~forecast.baseline.artifacts.manifest_demand_basis`), and, where that basis is
    demand as generated (Korea's generation-end market demand, NSW's operational demand: met
    by the generators, so it includes the networks' losses), that it includes them, unlike
    the data-centre columns (:data:`FACILITY_METERING_BASIS`). A basis that says neither is
    quoted alone: nothing is said that the manifest does not say."""
    basis = manifest_demand_basis(model.manifest)
    if re.search(r"generation-end|operational", basis, flags=re.IGNORECASE):
        return f"{basis}: demand as generated, network losses included"
    return basis


#: Costs this close are a tie (they are sums of squared mid-rank distances, rationals whose
#: float forms differ in the last bits). [-]
COST_TIE_TOLERANCE = 1e-12


def _distinct_lowest(cost: np.ndarray, distance: np.ndarray, tolerance: float) -> np.ndarray:
    """For each row of ``cost`` [K, D] in turn, among the draws not yet chosen whose
    ``distance`` [K, D] is within ``tolerance`` (or, where none is, as small as any), the draw
    of least cost (ties to the lower draw): K representative draws are K different draws, also
    where draws are alike (a scenario without uncertainty). int64[K]"""
    taken = np.zeros(cost.shape[1], dtype=bool)
    chosen = np.empty(cost.shape[0], dtype=np.int64)
    for position, (row, away) in enumerate(zip(cost, distance, strict=True)):
        away = np.where(taken, np.inf, away)
        # 1e-12: a mid-rank and a level that are equal on paper may differ in the last bit.
        near = away <= max(tolerance, away.min()) + 1e-12
        candidate_cost = np.where(near, row, np.inf)
        # Ties to the lower draw also where the cost's sum form (mean r² − 2 p mean r + p²)
        # leaves two equal costs a bit apart: draws 7 and 38 of kr-national's 40-draw sample
        # both cost 0.001406 on paper, and argmin took 38.
        tied = candidate_cost <= candidate_cost.min() + COST_TIE_TOLERANCE
        chosen[position] = int(np.flatnonzero(tied)[0])
        taken[chosen[position]] = True
    return chosen


def percentile_ranks(values: np.ndarray) -> np.ndarray:
    """Each draw's mid-rank percentile among the draws, for each year: ``(rank + 0.5) / n``
    with ``rank`` counted from 0 upwards; tied draws share their mean rank (draws alike all
    sit at 0.5). [-] float64[D, Y] from ``values`` [D, Y]"""
    n = values.shape[0]
    out = np.empty(values.shape)
    for column in range(values.shape[1]):
        ordered = np.sort(values[:, column])
        below = np.searchsorted(ordered, values[:, column], side="left")
        up_to = np.searchsorted(ordered, values[:, column], side="right")
        # mean rank of the tied block [below, up_to): (below + up_to - 1) / 2
        out[:, column] = (below + up_to) / (2 * n)
    return out


def overall_percentiles(percentiles: np.ndarray) -> np.ndarray:
    """Where each draw sits as a whole: its mean percentile over measures and years, ranked
    among the draws' means (:func:`percentile_ranks`: mid-ranks, ties share them). [-]
    float64[D] from ``percentiles`` [M, D, Y]"""
    return percentile_ranks(percentiles.mean(axis=(0, 2))[:, None])[:, 0]


def representative_draws(
    percentiles: np.ndarray, probabilities: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The draws nearest ``probabilities`` as a whole, and of those the steadiest.

    For a level ``p``, a draw qualifies when its :func:`overall_percentiles` lies within
    :data:`OVERALL_TOLERANCE` of ``p`` (P5–P15 for P10), or within one draw's step ``1 / n``
    where that is wider (fewer than 20 draws); of those, the draw whose percentiles stay
    nearest ``p`` in every measure and year (least mean squared distance) is chosen. Ranking
    by that distance alone chose a draw stuck at the sample's edge: its mean of ``(r - p)**2``
    is ``(mean r - p)**2 + var r``, and a draw at P0 in every year has no variance, so it beat
    every ordinary draw that wanders around P10. Ranked as a whole, the lowest draw of ``n``
    is P(50 / n) (P0.17 of 300), which is never P10 of 20 draws or more. Where no draw not
    chosen yet qualifies (draws all alike, all P50 as a whole), those nearest as a whole do.

    Parameters
    ----------
    percentiles : float64[M, D, Y]
        Each draw's percentile among the draws (:func:`percentile_ranks`) per measure and
        year. [-]
    probabilities : float64[K]
        Target probabilities. [-]

    Returns
    -------
    chosen : int64[K]
        For each probability ``p`` in turn, of the draws not chosen yet that qualify, the one
        that minimises the mean over measures of the mean over years of ``(r - p)**2`` (ties to
        the lower draw).
    cost : float64[K]
        That mean squared distance of each chosen draw. [-]
    """
    # mean (r - p)^2 = mean r^2 - 2 p mean r + p^2 over measures and years: [D] sums, never
    # a [K, M, D, Y] array (0.6 GB at 100,000 draws, 20 paths, 3 measures, 12 years).
    mean_r = percentiles.mean(axis=(0, 2))  # [D]
    mean_r2 = (percentiles**2).mean(axis=(0, 2))
    p = probabilities[:, None]
    # >= 0 also where rounding leaves a draw sitting at p a hair below it.
    cost = np.maximum(mean_r2[None, :] - 2.0 * p * mean_r[None, :] + p**2, 0.0)
    # :func:`overall_percentiles`, from the mean already taken.
    distance = np.abs(percentile_ranks(mean_r[:, None])[:, 0][None, :] - p)  # [K, D]
    chosen = _distinct_lowest(cost, distance, max(OVERALL_TOLERANCE, 1.0 / percentiles.shape[1]))
    return chosen, cost[np.arange(chosen.size), chosen]


def rank_metrics(dataset: xr.Dataset, rank_by: str | None) -> tuple[str, ...]:
    """The per-draw annual measures that ``rank_by`` ranks draws by, as they are named in
    ``dataset`` (less ``_per_draw``).

    ``grid`` (and ``None`` where there is a baseline): the grid's total energy and total peak
    alone, the demand a grid model takes (the baseline and the loads that add to it: a non-AI
    load the baseline already holds, ``in_baseline``, adds nothing), so that "P10" is P10 of
    the grid's demand (ranked also on the data-centre and AI energy, kr-outlook's "P10" path
    was P24-P40 of the grid's energy: its low rank came from the in-baseline non-AI energy,
    which changes no grid total). ``total`` (and ``None`` without a baseline): every exported
    load near its level: the grid's total energy and peak, the data-centre energy (a non-AI
    load the baseline holds is seen by it alone) and, where the data-centre load has a non-AI
    part, the AI energy (the non-AI load can be most of the data-centre energy, leaving the AI
    load anywhere: kr-outlook's "P50" path's AI energy was P2 to P92 by seed without it);
    without a baseline the total *is* the data-centre load, counted once. ``dc``: the
    data-centre energy and peak; ``ai``: the AI load's. Without non-AI load the data-centre
    load is the AI load.

    Raises
    ------
    OptionsError
        ``grid`` for a projection without a baseline (no grid total to rank on).
    """
    has_total = "total_energy_twh_per_draw" in dataset
    if rank_by is None:
        rank_by = "grid" if has_total else "total"
    has_non_ai = "dc_energy_twh_per_draw" in dataset
    dc = "dc" if has_non_ai else "ai"
    ai = ("ai_energy_twh",) if has_non_ai else ()
    if rank_by == "grid":
        if not has_total:
            raise OptionsError(
                "--rank-by = 'grid': ranks on the grid's total energy and peak, and this "
                "projection has no baseline (no baseline model, or --no-baseline); allowed "
                "without one: total, dc, ai"
            )
        return ("total_energy_twh", "total_peak_gw")
    if rank_by == "ai":
        return ("ai_energy_twh", "ai_peak_gw")
    if rank_by == "total" and has_total:
        return ("total_energy_twh", "total_peak_gw", f"{dc}_energy_twh", *ai)
    if rank_by == "total":
        return (f"{dc}_energy_twh", f"{dc}_peak_gw", *ai)
    return (f"{dc}_energy_twh", f"{dc}_peak_gw")


def level_warning(label: str, level: float, grid_percentiles: dict[str, float]) -> str | None:
    """One line where a path chosen for percentile ``level`` lies more than
    :data:`GRID_LEVEL_TOLERANCE` from it in the grid's energy (``grid_percentiles``: its
    percentile among the draws per year, :func:`percentile_ranks`) in any year, naming the
    years and the range; ``None`` where it stays within. A single draw is one future, whose
    baseline wanders around its level from year to year: it cannot sit at P10 in every year
    of a long period, and a grid model should know by how much it does not. [-]"""
    missed = [y for y, r in grid_percentiles.items() if abs(r - level) > GRID_LEVEL_TOLERANCE]
    if not missed:
        return None
    values = list(grid_percentiles.values())
    low, high = (round(100 * bound) for bound in (min(values), max(values)))
    return (
        f"{label}: grid energy P{low}" + (f"–P{high}" if high != low else "")
        + f" of the years, more than {GRID_LEVEL_TOLERANCE:g} from its level "
        f"P{round(100 * level)} in {', '.join(missed)}"
    )  # fmt: skip


def representative_probabilities(count: int) -> np.ndarray:
    """The probability levels of ``count`` representative draws: P50 for one, else evenly
    from P10 to P90 (two: P10, P90; three: P10, P50, P90). [-]"""
    if count == 1:
        return np.array([0.5])
    return np.linspace(0.1, 0.9, count)


def grid_bus(scenario: Scenario, model: BaselineModel | None) -> str:
    """The name of the grid-wide bus: the baseline model's grid, its country and, where the
    model's holidays are a subdivision's, the subdivision, ISO 3166-2 style (``AU-NSW``: the
    NSW model carries NSW demand, not Australia's); else the country (``KR``), also without a
    baseline model."""
    if model is None:
        return scenario.country
    if model.spec.subdivision is None:
        return model.spec.country
    return f"{model.spec.country}-{model.spec.subdivision}"


def _bus_names(
    scenario: Scenario, model: BaselineModel | None, *, baseline_split: bool = False
) -> list[str]:
    """The buses of an export, in order, the same for quantile paths and draws: the grid-wide
    bus where a load sits on it in either (the baseline, unless ``baseline_split`` puts it on
    the regions, :func:`_baseline_by_region`; or the non-AI load: one column on it in
    quantile paths, even where draws split it over the regions, :func:`_non_ai_by_region`),
    then every region of the scenario. A bus without a load in the paths written is listed
    all the same, with zero load: a grid model's bus mapping (``--bus``) holds for every
    export of the scenario, whichever kind of path (a modeller's network lost its grid-wide
    bus between a quantile export and a draw export of a scenario without a baseline)."""
    has_baseline = model is not None and not baseline_split
    grid_wide = has_baseline or bool(scenario.non_ai_loads)
    return [grid_bus(scenario, model)] * grid_wide + list(scenario.regions)


def check_baseline_shares(
    scenario: Scenario, model: BaselineModel | None, shares: dict[str, float]
) -> None:
    """Refuse a split of the baseline by region that :func:`_baseline_by_region` cannot make:
    no baseline, a region the scenario does not have, a share outside [0, 1], or shares that
    do not sum to 1.

    Raises
    ------
    OptionsError
        Naming the value and what is allowed.
    """
    if model is None:
        raise OptionsError(
            f"--baseline-shares = {_shares_text(shares)!r}: allowed: only with a baseline column "
            f"(this export has none: no baseline model for {scenario.id}, or --no-baseline)"
        )
    for region, share in shares.items():
        if region not in scenario.regions:
            raise OptionsError(
                f"--baseline-shares: {region!r} is not a region of {scenario.id}; allowed: "
                + ", ".join(scenario.regions)
            )
        if not 0.0 <= share <= 1.0:
            raise OptionsError(
                f"--baseline-shares: {region} = {share:g}: allowed: a share in [0, 1]"
            )
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise OptionsError(
            f"--baseline-shares = {_shares_text(shares)!r}: the shares sum to "
            f"{sum(shares.values()):g}; allowed: shares that sum to 1"
        )


def _shares_text(shares: dict[str, float]) -> str:
    """``{"capital": 0.4, ...}`` as given: ``capital=0.4,...``."""
    return ",".join(f"{region}={share:g}" for region, share in shares.items())


def _baseline_by_region(
    scenario: Scenario,
    loads: list[Load],
    load_mw: np.ndarray,
    shares: dict[str, float],
    *,
    basis: str,
) -> tuple[list[Load], np.ndarray]:
    """The ``baseline`` column split into ``baseline_<region>`` on each region's bus by fixed
    shares (every hour the same share: each region's hours follow the grid's profile), for the
    regions with a share above zero: :data:`BASELINE_SHARE_FORMULA`, so a region's bus holds
    ``share x (grid - every region's held non-AI load) + its own non-AI load``, not ``share x
    grid`` (kr-outlook at 0.42: 0.86 GW more in the capital, whose non-AI load is 76 % of the
    held load). A load distribution key, as grid models use for demand they have no regional
    data for; the shares are the user's. ``basis``: the baseline's metering basis
    (:func:`baseline_metering_basis`)."""
    position = next(i for i, load in enumerate(loads) if load.name == "baseline")
    regions = [region for region in scenario.regions if shares.get(region, 0.0) > 0.0]
    columns = [
        Load(
            f"baseline_{region}",
            region,
            "baseline",
            f"{shares[region]:g} x (the baseline model's grid demand - the non-AI data-centre "
            "load of every region that demand already holds, in_baseline), every hour (a fixed "
            "share given with --baseline-shares: the grid's hourly profile); the region's "
            "non-AI data-centre load is a column of its own, outside the share; metering "
            f"basis: {basis}",
        )
        for region in regions
    ]
    split = np.stack([load_mw[position] * shares[region] for region in regions])
    loads = [*loads[:position], *columns, *loads[position + 1 :]]
    load_mw = np.concatenate([load_mw[:position], split, load_mw[position + 1 :]])
    return loads, load_mw


def _check_buses(buses: dict[str, str], names: list[str]) -> None:
    """Refuse a renaming of buses that names a bus the export does not have, gives a name
    that is not a :data:`BUS_NAME`, or puts two buses on one (an export keeps its loads' buses
    apart)."""
    for old, new in buses.items():
        if old not in names:
            raise OptionsError(
                f"--bus: {old!r} is not one of the export's buses; allowed: {', '.join(names)}"
            )
        if not (isinstance(new, str) and BUS_NAME.fullmatch(new)):
            raise OptionsError(
                f"--bus: {old} = {new!r}: allowed: a bus name of 1..40 ASCII letters, digits, "
                "'_', '-' or '.', starting with a letter or digit (no space or comma: it is a "
                "column value in loads.csv and buses.csv)"
            )
    renamed: dict[str, str] = {}
    for name in names:
        new = buses.get(name, name)
        if new in renamed:
            raise OptionsError(
                f"--bus: {renamed[new]} and {name} would both be bus {new!r}; allowed: a name "
                "of its own for each bus"
            )
        renamed[new] = name


def check_buses(
    scenario: Scenario,
    options: ProjectionOptions,
    buses: dict[str, str] | None,
    *,
    baseline_shares: dict[str, float] | None = None,
    baseline: BaselineModel | None = None,
) -> None:
    """Refuse, before any work, a renaming of buses or a split of the baseline
    :func:`grid_paths` would refuse (``baseline``: the model :func:`grid_paths` is given, if
    any).

    Raises
    ------
    OptionsError
        A bus the export does not have (naming the allowed ones), a name that is not a
        :data:`BUS_NAME`, two buses renamed to one, or shares :func:`check_baseline_shares`
        refuses.
    """
    if buses or baseline_shares:
        model = baseline_model(scenario, options, baseline)
        _check_layout(scenario, model, buses, baseline_shares)


def _check_layout(
    scenario: Scenario,
    model: BaselineModel | None,
    buses: dict[str, str] | None,
    baseline_shares: dict[str, float] | None,
) -> None:
    """:func:`check_buses` with the baseline model in hand (:func:`grid_paths` has it)."""
    if baseline_shares:
        check_baseline_shares(scenario, model, baseline_shares)
    _check_buses(buses or {}, _bus_names(scenario, model, baseline_split=bool(baseline_shares)))


def _loads(
    scenario: Scenario, model: BaselineModel | None, bus: str
) -> tuple[list[Load], np.ndarray]:
    """The columns (the grid-wide ones on ``bus``), each described with its metering basis,
    and the stream rows they are made from."""
    loads, rows = [], []
    has_baseline = model is not None
    if model is not None:
        loads.append(
            Load(
                "baseline",
                bus,
                "baseline",
                "demand of the baseline model's grid, less the non-AI data-centre load it "
                f"already holds; metering basis: {baseline_metering_basis(model)}",
            )
        )
        rows += [layout.BASELINE_ROW, layout.HELD_ROW]
    if scenario.non_ai_loads:
        loads.append(
            Load(
                "non_ai_dc",
                bus,
                "non_ai_data_centre",
                "non-AI data-centre load (conventional servers, storage, network x PUE)"
                + (" of every region" if len(scenario.regions) > 1 else "")
                + _held_note(scenario, has_baseline)
                + f"; metering basis: {FACILITY_METERING_BASIS}",
            )
        )
        rows.append(layout.NON_AI_ROW)
    for region_index, region in enumerate(scenario.regions):
        loads.append(
            Load(
                f"ai_dc_{region}",
                region,
                "ai_data_centre",
                f"AI data-centre load in region {region} (IT x PUE{_flexibility_text(scenario)})"
                f"; metering basis: {FACILITY_METERING_BASIS}",
            )
        )
        rows.append(layout.FIRST_REGION_ROW + region_index)
    return loads, np.array(rows, dtype=np.int64)


def _flexibility_text(scenario: Scenario) -> str:
    """What the AI load's description says of flexibility: nothing without it (a modeller
    read "after flexibility" on kr-outlook, which has none); else its mode, share, hours and
    first year (each path's drawn share: its ``flexibility`` in the manifest)."""
    flex = scenario.flexibility
    if flex is None:
        return ""
    above = "" if flex.threshold_mw is None else f" above {flex.threshold_mw:g} MW"
    start = "" if flex.from_year is None else f" from {flex.from_year}"
    return (
        f", after flexibility: {flex.mode} of a share (central {flex.share.central():g}; each "
        f"path's drawn share in its flexibility) in {flex.hours_per_year} stress hours a "
        f"year{above}{start}"
    )


def _held_note(scenario: Scenario, has_baseline: bool, region: str | None = None) -> str:
    """Where there is no baseline column: which of the non-AI loads (of ``region``) the grid's
    metered demand already holds (``in_baseline``), which a model that adds its own metered
    demand would count twice. (With a baseline column, that column leaves them out.)"""
    if has_baseline:
        return ""
    held = [
        load.name
        for load in scenario.non_ai_loads
        if load.in_baseline and (region is None or region in scenario.regions_of(load))
    ]
    if not held:
        return ""
    return (
        f"; holds load already in the grid's metered demand ({', '.join(held)}: in_baseline): "
        "leave it out where the model's own demand is metered"
    )


def _non_ai_by_region(
    scenario: Scenario,
    loads: list[Load],
    load_mw: np.ndarray,
    parts: list[_Part],
    datasets: list[xr.Dataset],
    chosen: np.ndarray,
    *,
    has_baseline: bool,
) -> tuple[list[Load], np.ndarray]:
    """The representative draws' non-AI column split into one per region that has non-AI load
    (bus: the region), each hour by the draw's share of the non-AI energy in the region in the
    hour's local year of the hourly pass that computed it (``datasets``, one per part of
    ``parts``: ``non_ai_energy_twh_by_region_per_draw``): each region's years are exact and the
    regions sum to the column hour by hour, but a region's hours follow the grid's non-AI
    profile (its own differs only where its loads' PUE or growth within the year differ). A
    local day the pass adds outside the period (a standard-time period's last hour in Sydney,
    00:00 AEDT on 1 January; a UTC period's first hours in New York) takes that day's own
    shares, where it took a year's of the period (the nearest named, or the next one of
    ``--years``). Unchanged with one region or no non-AI load."""
    name = "non_ai_energy_twh_by_region_per_draw"
    if name not in datasets[0]:
        return loads, load_mw
    position = next(i for i, load in enumerate(loads) if load.name == "non_ai_dc")
    # Every part's years one after the other, and each hour's index among them.
    by_region = np.concatenate(
        [numpy_values(d[name].transpose("region", "draw", "year"))[:, chosen] for d in datasets],
        axis=2,
    )  # [R, S, Y] TWh
    offsets = np.cumsum([0, *(d.sizes["year"] for d in datasets[:-1])])
    year_of_hour = np.concatenate(
        [
            offset + np.searchsorted(numpy_values(d["year"]), part.hours.local.year.to_numpy())
            for offset, d, part in zip(offsets, datasets, parts, strict=True)
        ]
    )
    total = by_region.sum(axis=0)
    shares = np.divide(by_region, total, out=np.zeros_like(by_region), where=total > 0)
    with_load = {region for load in scenario.non_ai_loads for region in scenario.regions_of(load)}
    regions = [r for r, region in enumerate(scenario.regions) if region in with_load]
    split = [load_mw[position] * shares[r][:, year_of_hour] for r in regions]  # [S, H] each
    columns = [
        Load(
            f"non_ai_dc_{scenario.regions[r]}",
            scenario.regions[r],
            "non_ai_data_centre",
            f"non-AI data-centre load in region {scenario.regions[r]} (conventional servers, "
            "storage, network x PUE)"
            + _held_note(scenario, has_baseline, scenario.regions[r])
            + f"; metering basis: {FACILITY_METERING_BASIS}",
        )
        for r in regions
    ]
    loads = [*loads[:position], *columns, *loads[position + 1 :]]
    load_mw = np.concatenate([load_mw[:position], np.stack(split), load_mw[position + 1 :]])
    return loads, load_mw


def _columns(has_baseline: bool, n_columns: int):
    """Values [K, S, h] of the rows of :func:`_loads` → the columns [C, S, h]."""

    def columns(values: np.ndarray) -> np.ndarray:
        out = np.empty((n_columns, *values.shape[1:]))
        if has_baseline:
            out[0] = values[0] - values[1]
            out[1:] = values[2:]
        else:
            out[:] = values
        return out

    return columns


def drawn_inputs(scenario: Scenario, first: xr.Dataset, draw: int) -> dict:
    """What draw ``draw`` drew for the grid's connections and the flexibility, so that a grid
    model can make them its own decisions: ``grid``, for each region with a connection limit,
    its drawn ``limit_mw`` (a trend's mean over its points), each reinforcement's date, drawn
    delay and size and the date it comes into service, and at each year's end the MW the
    region's new sites requested, got connected and wait for (``delayed_mw_end_of_year``:
    load left out of the exported AI load); ``flexibility``, the scenario's mode, hours and
    first year with the draw's share and its curtailed energy per year. Nothing where the
    scenario has neither. Read from ``first``, the annual projection with every draw's
    values (the sampled inputs are its ``input_*_per_draw`` variables, found by their
    ``input`` attribute). [MW, month, TWh]"""
    by_input = {
        variable.attrs["input"]: name
        for name, variable in first.data_vars.items()
        if "input" in variable.attrs and variable.dims == ("draw",)
    }
    years = [str(int(y)) for y in numpy_values(first["year"])]

    def value(label: str) -> float:
        return float(numpy_values(first[by_input[label]])[draw])

    def year_end(name: str, region: str) -> dict[str, float]:
        values = values_at(
            first[f"{name}_per_draw"].transpose("draw", "year", "region"), {"region": region}
        )
        return dict(zip(years, values[draw].tolist(), strict=True))

    found: dict = {}
    grid = {}
    for region, connection in scenario.grid.items():
        reinforcements = []
        for j, step in enumerate(connection.reinforcements):
            delay = value(f"grid_reinforcement_delay_months: {region}[{j}]")
            reinforcements.append(
                {
                    "date": step.date.isoformat(),
                    "delay_months": delay,
                    "in_service": (pd.Timestamp(step.date) + pd.DateOffset(months=round(delay)))
                    .date()
                    .isoformat(),
                    "mw": value(f"grid_reinforcement_mw: {region}[{j}]"),
                }
            )
        grid[region] = {
            "limit_mw": value(f"grid_limit_mw: {region}"),
            "reinforcements": reinforcements,
            **{
                f"{what}_mw_end_of_year": year_end(f"grid_{what}_mw_by_region", region)
                for what in ("requested", "connected", "delayed")
                if f"grid_{what}_mw_by_region_per_draw" in first
            },
        }
    if grid:
        found["grid"] = grid
    flex = scenario.flexibility
    if flex is not None:
        found["flexibility"] = {
            "mode": flex.mode,
            "share": value("flexibility_share"),
            "hours_per_year": flex.hours_per_year,
            "threshold_mw": flex.threshold_mw,
            "from_year": flex.from_year,
        }
        if "flexibility_curtailed_twh_per_draw" in first:
            curtailed = first["flexibility_curtailed_twh_per_draw"].transpose("draw", "year")
            found["flexibility"]["curtailed_twh"] = dict(
                zip(years, numpy_values(curtailed)[draw].tolist(), strict=True)
            )
    return found


def grid_paths(
    scenario: Scenario,
    options: ProjectionOptions | None = None,
    *,
    draws: int | None = None,
    quantiles: tuple[float, ...] | None = None,
    rank_by: str | None = None,
    draw_numbers: tuple[int, ...] | None = None,
    buses: dict[str, str] | None = None,
    baseline_shares: dict[str, float] | None = None,
    calendar: str = "standard",
    progress: Callable[[int, int], None] | None = None,
    random: int | None = None,
    years: tuple[int, ...] | None = None,
    baseline: BaselineModel | None = None,
    weather_year: int | None = None,
) -> GridPaths:
    """Hourly load paths of ``scenario`` for a grid model.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    options : ProjectionOptions, optional
        Monte Carlo draws to choose from, seed, period, weather, baseline (resolution and
        quantiles are set here).
    draws : int, optional
        Export this many representative draws (1..:data:`MAX_PATHS`), kept whole.
    quantiles : tuple of float, optional
        Export these hour-by-hour quantile paths instead (not load paths; see the module).
    rank_by : str, optional
        What representative draws are ranked by (:func:`rank_metrics`): ``grid`` (the grid's
        total energy and peak; the default where there is a baseline), ``total`` (those, the
        data-centre energy and, beside non-AI load, the AI energy; the default without a
        baseline), ``dc`` (the data-centre energy and peak) or ``ai`` (the AI load's energy
        and peak); for ``draw_numbers`` and ``random``, the measures their percentile as a
        whole is taken on.
    draw_numbers : tuple of int, optional
        Export these draws (numbered from 0, each below the Monte Carlo draws), kept whole,
        with their percentiles: the same draws of another scenario run with the same seed
        share its baseline and weather year.
    buses : dict of str to str, optional
        Rename buses, ``{old: new}``: the grid-wide bus (:func:`grid_bus`) and the regions'.
    baseline_shares : dict of str to float, optional
        Split the baseline column over the regions' buses by these fixed shares, ``{region:
        share}`` summing to 1 (:func:`_baseline_by_region`). [-]
    calendar : str
        The period's days (:data:`CALENDARS`): ``standard``, the days of the zone's standard
        time the rows are labelled in (whole standard-time years; the projection runs a local
        day more where daylight saving holds at the period's end, :func:`projected_days`),
        ``local``, local days as ``forecast project``'s (with ``years``, each year named whole
        in standard time, as an export of the whole period has it, :func:`_local_year_days`),
        or ``utc``, UTC days, the rows labelled in UTC (whole UTC years). Representative draws
        are ranked on the projection of the period's local days under every calendar.
    progress : callable, optional
        Called as ``progress(done, total)`` in projected hours (representative draws take two
        passes over the period, counted together).
    random : int, optional
        Export draws ``0 .. random - 1``, kept whole, each with ``weight`` ``1 / random``:
        the draws are independent and identically distributed, so the first K are an
        equal-weight random sample (scenarios of a stochastic model, PyPSA's
        ``n.set_scenarios``).
    years : tuple of int, optional
        Export these years alone (ascending, :func:`check_years`), of the same draws: the
        period is 1 January of the first to 31 December of the last (``options``' start and
        end are replaced), each year is projected on its own (:func:`_parts`: the years
        between are not, a draw's values of a year being the same whatever period holds it),
        and representative draws are ranked on these years alone. The investment periods of
        a multi-period PyPSA network.
    baseline : BaselineModel, optional
        The baseline model to project on, already loaded and verified (the service's served
        one); default: the one the options and scenario name, loaded from the artifacts.
    weather_year : int, optional
        Run every draw on this observed weather year of the scenario's location ("2018
        weather"; :attr:`~forecast.projection.ProjectionOptions.weather_year`), each draw
        keeping its other inputs.

    Raises
    ------
    OptionsError
        Not exactly one of ``draws``, ``quantiles``, ``draw_numbers`` and ``random``, a value
        out of range, ``years`` :func:`check_years` refuses, a ``weather_year`` that is not an
        observed year of historical weather, ``rank_by`` ``grid`` without a
        baseline, ``buses``
        naming a bus the export does not have or renaming two buses to one,
        ``baseline_shares`` refused by :func:`check_baseline_shares`, or a ``calendar``
        :func:`projected_days` refuses.
    """
    base = dataclasses.replace(
        options or ProjectionOptions(), resolution="annual", per_draw=True, duration_curves=False
    )
    if years is not None:
        start, end = period_of_years(years)
        base = dataclasses.replace(base, start=start, end=end)
    if weather_year is not None:
        base = dataclasses.replace(base, weather_year=weather_year)
    base = base.validated(scenario)
    check_request(draws, quantiles, rank_by, base.draws, draw_numbers=draw_numbers, random=random)
    check_weather_year(scenario, base, weather_year)
    if random is not None:
        draw_numbers = tuple(range(random))
    assert base.start is not None and base.end is not None
    parts = _parts(scenario, base, calendar, years)
    # Loaded once for every pass; whether there is one decides the columns.
    model = baseline_model(scenario, base, baseline)
    buses = buses or {}
    _check_layout(scenario, model, buses, baseline_shares)
    loads, rows = _loads(scenario, model, grid_bus(scenario, model))
    columns = _columns(model is not None, len(loads))
    passes = 1 if quantiles is not None else 2
    step = _progress(progress, [len(part.hours.local) for part in parts], passes)
    local = _joined_index([part.hours.local for part in parts])
    if quantiles is not None:
        quantile_sinks = [
            QuantilePaths(rows, base.draws, len(part.hours.local), columns, len(loads),
                          np.asarray(quantiles, dtype=np.float64))
            for part in parts
        ]  # fmt: skip
        datasets = [
            _project_part(scenario, part.hourly, baseline=model, hourly_sinks=[sink],
                          progress=step(0, index))
            for index, (part, sink) in enumerate(zip(parts, quantile_sinks, strict=True))
        ]  # fmt: skip
        labels = [f"quantile-{q:g}" for q in quantiles]
        paths = [{"label": label, "kind": "quantile", "percentile_level": q}
                 for label, q in zip(labels, quantiles, strict=True)]  # fmt: skip
        load_mw = _joined_hours([sink.load_mw for sink in quantile_sinks])
    else:
        # Two passes with the same seed draw the same numbers: the first ranks the draws (on
        # the local days of the period, or of the years named), the second keeps the chosen
        # ones' hours.
        first = _joined_years(
            [
                _project_part(scenario, part.options, baseline=model, progress=step(0, index))
                for index, part in enumerate(parts)
            ]
        )
        ranked_by = rank_metrics(first, rank_by)
        recorded = [
            m for m in dict.fromkeys((*ranked_by, *RECORDED_METRICS)) if f"{m}_per_draw" in first
        ]
        percentiles = {
            name: percentile_ranks(
                numpy_values(first[f"{name}_per_draw"].transpose("draw", "year"))
            )
            for name in recorded
        }
        ranked = np.stack([percentiles[name] for name in ranked_by])
        overall = overall_percentiles(ranked)
        if draw_numbers is None:
            assert draws is not None
            probabilities = representative_probabilities(draws)
            chosen, cost = representative_draws(ranked, probabilities)
        else:
            chosen = np.asarray(draw_numbers, dtype=np.int64)
        sinks = [DrawPaths(rows, chosen, len(part.hours.local), columns, len(loads))
                 for part in parts]  # fmt: skip
        datasets = [
            _project_part(scenario, part.hourly, baseline=model, hourly_sinks=[sink],
                          progress=step(1, index))
            for index, (part, sink) in enumerate(zip(parts, sinks, strict=True))
        ]  # fmt: skip
        loads, load_mw = _non_ai_by_region(
            scenario, loads, _joined_hours([sink.load_mw for sink in sinks]), parts, datasets,
            chosen, has_baseline=model is not None,
        )  # fmt: skip
        year_labels = [str(int(y)) for y in numpy_values(first["year"])]
        draw_weather = (
            numpy_values(first["draw_weather_year"])
            if "draw_weather_year" in first.coords
            else None
        )

        def where(d: int) -> dict:
            """Where draw ``d`` sits among the draws: as a whole and per measure and year; its
            weather year, its drawn grid connections and flexibility."""
            return {
                "ranked_by": list(ranked_by),
                "overall_percentile": round(float(overall[d]), 6),
                "percentiles_by_year": {
                    name: dict(zip(year_labels, np.round(values[d], 6).tolist(), strict=True))
                    for name, values in percentiles.items()
                },
                **({} if draw_weather is None else {"weather_year": str(draw_weather[d])}),
                **drawn_inputs(scenario, first, d),
            }

        if draw_numbers is None:
            labels = [
                f"p{round(100 * p):02d}-draw-{d}"
                for p, d in zip(probabilities, chosen, strict=True)
            ]
            paths = [
                {
                    "label": label,
                    "kind": "representative draw",
                    "draw": int(d),
                    "percentile_level": float(p),
                    "rms_percentile_distance": float(np.sqrt(c)),
                    **where(d),
                }
                for label, d, p, c in zip(labels, chosen, probabilities, cost, strict=True)
            ]
            for info, label, d, p in zip(paths, labels, chosen, probabilities, strict=True):
                if "total_energy_twh" not in percentiles:
                    break  # no baseline: no grid total to warn of
                grid = dict(
                    zip(year_labels, percentiles["total_energy_twh"][d].tolist(), strict=True)
                )
                if warning := level_warning(label, float(p), grid):
                    info["level_warning"] = warning
        elif random is not None:
            labels = [f"draw-{d}" for d in chosen]
            paths = [
                {"label": label, "kind": "random draw", "draw": int(d), "weight": 1.0 / random,
                 **where(d)}
                for label, d in zip(labels, chosen, strict=True)
            ]  # fmt: skip
        else:
            labels = [f"draw-{d}" for d in chosen]
            paths = [
                {"label": label, "kind": "chosen draw", "draw": int(d), **where(d)}
                for label, d in zip(labels, chosen, strict=True)
            ]
    if baseline_shares:
        assert model is not None  # check_baseline_shares refuses shares without a baseline
        loads, load_mw = _baseline_by_region(
            scenario, loads, load_mw, baseline_shares, basis=baseline_metering_basis(model)
        )
    utc = local.tz_convert("UTC")
    standard = (utc + standard_utc_offset(scenario.timezone)).tz_localize(None)
    clock = (utc + clock_offset(scenario.timezone, calendar)).tz_localize(None)
    keep = _kept_hours(parts, clock, calendar, years)
    if not keep.all():
        utc, standard, clock = utc[keep], standard[keep], clock[keep]
        load_mw = load_mw[:, :, keep]
    bus = grid_bus(scenario, model)
    return GridPaths(
        labels=labels,
        loads=[dataclasses.replace(load, bus=buses.get(load.bus, load.bus)) for load in loads],
        load_mw=load_mw,
        utc=utc,
        standard=standard,
        year=clock.year.to_numpy().astype(np.int64),
        paths=paths,
        dataset=_export_dataset(scenario, parts, datasets),
        calendar=calendar,
        period=(base.start, base.end),
        buses=[
            buses.get(name, name)
            for name in _bus_names(scenario, model, baseline_split=bool(baseline_shares))
        ],
        baseline=baseline_definition(model, buses.get(bus, bus)),
        years=years,
        weather_year=weather_year,
        inputs=input_table(scenario),
    )


@dataclass(frozen=True)
class _Part:
    """One part of an export, projected on its own: the period, or one of the years named."""

    #: The part's local days (:func:`projected_days`' input): the ranking pass runs on them.
    options: ProjectionOptions
    #: The local days its rows need (:func:`projected_days`, :func:`_local_year_days`): the
    #: hourly pass runs on them.
    hourly: ProjectionOptions
    #: The hours of ``hourly``'s days.
    hours: HourlyCalendar


def _parts(
    scenario: Scenario, options: ProjectionOptions, calendar: str, years: tuple[int, ...] | None
) -> list[_Part]:
    """The projections an export runs: one over the period of ``options`` (validated), or,
    with ``years``, one over each year named (each on its own calendar: a draw's values of a
    year are the same whatever period holds the year, the draws being keyed by year), so that
    ``--years 2030,2040`` projects two years, not eleven. With ``calendar`` ``local`` a year
    named is the rows of its year in an export of the whole period (:func:`_local_year_days`),
    not its local days alone."""
    periods = (
        [(options.start, options.end)]
        if years is None
        else [(dt.date(year, 1, 1), dt.date(year, 12, 31)) for year in years]
    )
    parts = []
    for start, end in periods:
        part = dataclasses.replace(options, start=start, end=end)
        if calendar == "local" and years is not None:
            first_day, last_day = _local_year_days(scenario, part)
        else:
            first_day, last_day = projected_days(scenario, part, calendar)
        parts.append(
            _Part(
                options=part,
                hourly=dataclasses.replace(part, start=first_day, end=last_day),
                hours=HourlyCalendar.build(first_day, last_day, scenario.timezone),
            )
        )
    return parts


def projected_periods(
    scenario: Scenario, options: ProjectionOptions, calendar: str, years: tuple[int, ...] | None
) -> list[tuple[dt.date, dt.date]]:
    """The first and last local day of each projection an export runs (:func:`_parts`: the
    period's, or each named year's, :func:`projected_days`), refusing what
    :func:`projected_days` refuses of any.

    Parameters
    ----------
    options : ProjectionOptions
        Validated options: the period (with ``years``, from 1 January of the first to 31
        December of the last, :func:`period_of_years`).
    """
    periods = []
    for part in _parts(scenario, options, calendar, years):
        assert part.hourly.start is not None and part.hourly.end is not None  # validated
        periods.append((part.hourly.start, part.hourly.end))
    return periods


def _progress(
    progress: Callable[[int, int], None] | None, sizes: list[int], passes: int
) -> Callable[[int, int], Callable[[int, int], None] | None]:
    """For pass ``p`` over part ``i`` (of ``sizes`` hours each), the progress of that
    projection as one count of hours over every pass and part."""
    total = passes * sum(sizes)

    def part(pass_index: int, index: int) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        report = progress  # bound here: mypy sees it is not None in the closure
        before = pass_index * sum(sizes) + sum(sizes[:index])

        def step(done: int, of: int) -> None:
            report(before + (sizes[index] * done // of if of else 0), total)

        return step

    return part


def _project_part(scenario: Scenario, options: ProjectionOptions, **arguments) -> xr.Dataset:
    """:func:`project` of one part of an export without saying its notes of the horizon
    (:func:`~forecast.projection.notes_in_attributes`: a context variable, so nothing
    process-wide changes and a service thread's or another thread's warnings are their own):
    the period's were said once when it was validated, and a part's own would repeat them or
    say what is not so of the export: a local day added past the period's end (a
    standard-time period's last hour: NSW's 2026-2035 read as ending on 2036-01-01, after the
    horizon) or a named year's end."""
    with notes_in_attributes():
        return project(scenario, options, **arguments)


def _joined_index(indexes: list[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    """The parts' hours one after the other."""
    return indexes[0] if len(indexes) == 1 else pd.DatetimeIndex(indexes[0].append(indexes[1:]))


def _joined_hours(values: list[np.ndarray]) -> np.ndarray:
    """The parts' paths [C, P, H] one after the other along their hours."""
    return values[0] if len(values) == 1 else np.concatenate(values, axis=2)


def _joined_years(datasets: list[xr.Dataset]) -> xr.Dataset:
    """The parts' annual projections as one along ``year`` (the named years: no year is in two
    parts), for ranking: every draw's per-year values; what has no year (each draw's sampled
    inputs, drawn alike in every part) is the first part's, and what is by period or month
    (a part's own) is left out."""
    if len(datasets) == 1:
        return datasets[0]
    return xr.concat(
        [dataset.drop_dims(["time", "month"], errors="ignore") for dataset in datasets],
        dim="year", data_vars="minimal", coords="minimal", compat="override",
        combine_attrs="override", join="exact",
    )  # fmt: skip


def _export_dataset(
    scenario: Scenario, parts: list[_Part], datasets: list[xr.Dataset]
) -> xr.Dataset:
    """The projection whose attributes an export carries: the last part's, its period and
    horizon notes those of every part's days together (a part's partial years, its own
    alone, are left out), its caveats every part's, each once (the scenario's, then each
    part's run notes: ``--years 2030,2035`` projects each year on its own)."""
    dataset = datasets[-1]
    if len(parts) == 1:
        return dataset
    first_day, last_day = parts[0].hourly.start, parts[-1].hourly.end
    assert first_day is not None and last_day is not None
    attrs = {
        name: value
        for name, value in dataset.attrs.items()
        if name not in ("partial_years", "horizon_note", "caveats")
    }
    attrs |= {"period_start": first_day.isoformat(), "period_end": last_day.isoformat()}
    if notes := horizon_notes(scenario, first_day, last_day):
        attrs["horizon_note"] = "; ".join(notes)
    if said := list(dict.fromkeys(caveat for part in datasets for caveat in caveats(part))):
        attrs["caveats"] = json.dumps(said, ensure_ascii=False)
    dataset = dataset.copy()
    dataset.attrs = attrs
    return dataset


def _kept_hours(
    parts: list[_Part], clock: pd.DatetimeIndex, calendar: str, years: tuple[int, ...] | None
) -> np.ndarray:
    """Which of the parts' hours (``clock``: each hour's start in the calendar's time) are
    rows: those of each part's days in the calendar's time (``local``: all of them, but for
    ``years``, whose parts are whole years of the rows' time, :func:`_local_year_days`), and,
    with ``years``, of those years. bool[H]"""
    keep = np.ones(len(clock), dtype=bool)
    if calendar != "local" or years is not None:
        sizes = [len(part.hours.local) for part in parts]
        first = np.repeat([np.datetime64(part.options.start, "ns") for part in parts], sizes)
        last = np.repeat([np.datetime64(part.options.end, "ns") for part in parts], sizes)
        days = clock.normalize()
        keep &= (days >= first) & (days <= last)
    if years is not None:
        keep &= np.isin(clock.year, years)
    return keep


def _frame(
    paths: GridPaths, index: int, hours: np.ndarray | slice = slice(None), *, suffix: str = "_mw"
) -> pd.DataFrame:
    """Path ``index`` as a table: one column per load [MW], one row per hour; the columns are
    the load names with ``suffix`` (none for PyPSA, whose columns are the loads' names)."""
    return pd.DataFrame(
        {
            f"{load.name}{suffix}": paths.load_mw[c, index, hours]
            for c, load in enumerate(paths.loads)
        }
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    # Shortest round-trip digits: the rows sum back to the projection's energies exactly.
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def _pypsa(paths: GridPaths, index: int, folder: Path, command: str | None) -> list[Path]:
    snapshots = paths.times.strftime("%Y-%m-%d %H:%M:%S")
    loads_p_set = _frame(paths, index, suffix="")
    loads_p_set.insert(0, "snapshot", snapshots)
    _write_csv(loads_p_set, folder / "loads-p_set.csv")
    levels = (
        {"snapshot": snapshots}
        if paths.years is None
        else {"period": paths.year, "timestep": snapshots}
    )
    weights = pd.DataFrame({**levels, "objective": 1.0, "stores": 1.0, "generators": 1.0})
    # PyPSA's own layout (a leading position column, then ``snapshot``, or ``period`` and
    # ``timestep`` in a multi-period network): its importer then parses the snapshots or
    # timesteps as datetimes (checked with PyPSA 1.4).
    atomic_write(folder / "snapshots.csv", lambda tmp: weights.to_csv(tmp))
    written = []
    if paths.years is not None:
        periods = investment_periods(paths.years)
        _write_csv(periods, folder / INVESTMENT_PERIODS)
        written.append(folder / INVESTMENT_PERIODS)
    _write_csv(pd.DataFrame({"name": paths.buses, "carrier": "AC"}), folder / "buses.csv")
    _write_csv(
        pd.DataFrame(
            {
                "name": [load.name for load in paths.loads],
                "bus": [load.bus for load in paths.loads],
                "carrier": [load.carrier for load in paths.loads],
            }
        ),
        folder / "loads.csv",
    )
    # Every carrier the buses and loads name: PyPSA's consistency check warns of undefined ones.
    carriers = ["AC", *dict.fromkeys(load.carrier for load in paths.loads)]
    _write_csv(pd.DataFrame({"name": carriers}), folder / "carriers.csv")
    # PyPSA's own layout of network.csv (its exporter's): the name, then the attributes.
    attrs = paths.dataset.attrs
    network = pd.DataFrame(
        {"name": [f"{attrs['scenario_id']} {paths.labels[index]}"], "pypsa_version": PYPSA_VERSION}
    )
    _write_csv(network, folder / "network.csv")
    text = json.dumps(_pypsa_meta(paths, index, command), indent=2) + "\n"
    atomic_write(folder / "meta.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [folder / name for name in PYPSA_FILES] + written


def investment_periods(years: tuple[int, ...]) -> pd.DataFrame:
    """PyPSA's ``investment_periods.csv`` for these years (its exporter's layout: ``period``,
    ``objective``, ``years``): each period stands for the years up to the next (the last for
    as many as the one before it, one where there is no other), as PyPSA's multi-period
    example sets ``years`` (https://docs.pypsa.org/, "Multi-Investment Optimization"); the
    ``objective`` weighting is those years undiscounted, which a model with a social discount
    rate ``r`` replaces by the sum of ``1 / (1 + r) ** t`` over the period's years ``t``
    counted from the first period. [a]"""
    gaps = np.diff(years).tolist()
    span = [*gaps, gaps[-1] if gaps else 1]
    return pd.DataFrame(
        {"period": list(years), "objective": [float(n) for n in span], "years": span}
    )


def _pypsa_meta(paths: GridPaths, index: int, command: str | None = None) -> dict:
    """What PyPSA reads into ``n.meta``: the path, where it comes from, its time and units."""
    attrs = paths.dataset.attrs
    return {
        "source": "forecast export-grid",
        **_provenance(paths, command),
        "time": {
            "snapshots": "hour starts in UTC"
            if paths.calendar == "utc"
            else "hour starts in the zone's standard time (no daylight saving)",
            "utc_offset": "+00:00" if paths.calendar == "utc" else _utc_offset(paths),
            "timezone": attrs["timezone"],
        },
        "units": {"loads_t.p_set": "MW (mean load over the hour)"},
        **({"baseline": paths.baseline} if paths.baseline else {}),
        "path": paths.paths[index],
    }


def _utc_offset(paths: GridPaths) -> str:
    """The standard time's UTC offset, ``+09:00``."""
    return _offset_text(paths.standard[0] - paths.utc[0].tz_localize(None))


def _offset_text(offset: dt.timedelta | pd.Timedelta) -> str:
    """A UTC offset as text, ``+09:00``, ``-05:00``."""
    minutes = int(offset / pd.Timedelta(minutes=1))
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _plexos(paths: GridPaths, index: int, folder: Path) -> list[Path]:
    written = []
    for year in np.unique(paths.year):
        hours = paths.year == year
        stamps = paths.times[hours]
        frame = _frame(paths, index, hours)
        frame.insert(0, "Period", stamps.hour + 1)
        frame.insert(0, "Day", stamps.day)
        frame.insert(0, "Month", stamps.month)
        frame.insert(0, "Year", stamps.year)
        _write_csv(frame, folder / f"load_{year}.csv")
        written.append(folder / f"load_{year}.csv")
    return written


def _wide(paths: GridPaths, index: int, *, timestamps: bool = False) -> pd.DataFrame:
    """Path ``index`` as a wide table: ``standard_time``, ``utc``, ``year``, the loads. Times
    are text in a CSV (``2030-01-01 00:00``, ``2029-12-31T15:00Z``); with ``timestamps``
    (Parquet) they are timestamps a reader need not parse: ``utc`` UTC, ``standard_time``
    naive, in the zone's standard time as the rows are labelled (its offset in the
    manifest's ``time``)."""
    frame = _frame(paths, index)
    frame.insert(0, "year", paths.year)
    if timestamps:
        frame.insert(0, "utc", paths.utc.as_unit("us"))
        frame.insert(0, "standard_time", paths.standard.as_unit("us"))
    else:
        frame.insert(0, "utc", paths.utc.strftime("%Y-%m-%dT%H:%MZ"))
        frame.insert(0, "standard_time", paths.standard.strftime("%Y-%m-%d %H:%M"))
    return frame


def netcdf_dataset(paths: GridPaths, manifest: dict | None = None) -> xr.Dataset:
    """Every path in one Dataset (:data:`NETCDF_VARIABLES`): ``load_mw(path, snapshot,
    load)`` [MW], ``snapshot`` the hour starts as the rows are labelled (:attr:`GridPaths.times`;
    the file holds the UTC instants and their bounds, :func:`forecast.io.export.cf_dataset`)
    with ``utc``, ``standard_time`` and ``year`` beside it, each load's ``bus``, ``carrier``
    and ``description``, each path's ``kind`` and, where its paths have one, ``draw``,
    ``percentile_level``, ``weight`` and ``weather_year``; the attributes are ``manifest``'s
    (:func:`_manifest`; a value that is not text or a number as JSON text, netCDF attributes
    being flat), its ``inputs`` in :data:`~forecast.io.export.INPUTS_ATTRIBUTE` as
    :func:`forecast.io.export.with_inputs` writes a projection's.
    """
    infos = paths.paths

    def per_path(key: str, kind: type) -> dict:
        """``{key: ("path", values)}`` where every path has ``key``; else nothing."""
        if not all(key in info for info in infos):
            return {}
        return {key: ("path", np.array([kind(info[key]) for info in infos]))}

    dims, units, description = NETCDF_VARIABLES["load_mw"]
    values = np.transpose(paths.load_mw, (1, 2, 0))  # [C, P, H] -> [P, H, C]
    attrs = {"units": units, "description": description, "cell_methods": "snapshot: mean"}
    dataset = xr.Dataset(
        {"load_mw": (dims, values, attrs)},
        coords={
            "path": ("path", np.array(paths.labels)),
            "snapshot": ("snapshot", paths.times.to_numpy()),
            "utc": ("snapshot", paths.utc.tz_localize(None).to_numpy(), {"time_zone": "UTC"}),
            "standard_time": (
                "snapshot",
                paths.standard.to_numpy(),
                {
                    "time_zone": f"UTC{_utc_offset(paths)} (the zone's standard time)",
                    # A CF reader takes a time without an offset as UTC.
                    "long_name": f"start of the hour, the zone's standard time "
                    f"(UTC{_utc_offset(paths)}), not UTC",
                },
            ),
            "year": ("snapshot", paths.year, {"description": "the year of the snapshot's label"}),
            "load": ("load", np.array([load.name for load in paths.loads])),
            "bus": ("load", np.array([load.bus for load in paths.loads])),
            "carrier": ("load", np.array([load.carrier for load in paths.loads])),
            "description": ("load", np.array([load.description for load in paths.loads])),
            "kind": ("path", np.array([info["kind"] for info in infos])),
            **per_path("draw", int),
            **per_path("percentile_level", float),
            **per_path("weight", float),
            **per_path("weather_year", str),
        },
    )
    dataset["snapshot"].attrs["description"] = (
        "hour start in UTC" if paths.calendar == "utc" else "hour start in the zone's standard "
        f"time, UTC{_utc_offset(paths)}"
    )  # fmt: skip
    for name in ("percentile_level", "weight"):
        if name in dataset.coords:
            dataset[name].attrs["units"] = "1"
    body = manifest or _manifest(paths, "netcdf")
    dataset.attrs = {
        key: value if isinstance(value, str | int | float) and not isinstance(value, bool)
        else json.dumps(value)
        for key, value in body.items() if key != export.INPUTS_ATTRIBUTE
    }  # fmt: skip
    return export.with_inputs(dataset, body.get(export.INPUTS_ATTRIBUTE, paths.inputs))


def write(
    paths: GridPaths, out: Path, file_format: str, *, command: str | None = None
) -> list[Path]:
    """Write every path in ``file_format`` under the directory ``out`` and the manifest.

    ``pypsa``: ``<out>/<label>/`` with ``network.csv`` (name, PyPSA version), ``meta.json``
    (``n.meta``: provenance, time convention, units, the path), ``snapshots.csv``,
    ``carriers.csv``, ``buses.csv``, ``loads.csv`` (the bus mapping) and ``loads-p_set.csv``
    (snapshots x loads, MW), a folder PyPSA's ``Network.import_from_csv_folder`` reads.
    ``plexos``: ``<out>/<label>/load_<year>.csv``, one row per hour (8,760 or 8,784) with
    Year, Month, Day, Period (1-24) and one column per load (``<load>_mw``). ``wide-csv`` /
    ``wide-parquet``: ``<out>/<label>.csv`` or ``.parquet``, one row per hour of the period,
    columns ``<load>_mw``. ``netcdf``: ``<out>/export.nc``, every path in one Dataset
    (:func:`netcdf_dataset`). Every file is written atomically, and the manifest lists each with
    its sha256. Into an earlier export's folder, the earlier files this export does not
    rewrite are removed if unchanged since; edited ones and anything unlisted stay. A file
    this export would write over that the earlier export did not write, or that was edited
    since, is refused before anything is written.

    Returns
    -------
    list of Path
        The files written, manifest last.

    Raises
    ------
    OptionsError
        An unknown format, an ``out`` :func:`check_out` refuses, or a file to write over that
        is not the earlier export's as it wrote it (naming the file).
    """
    if file_format not in FORMATS:
        raise OptionsError(f"--format = {file_format!r}: allowed: {', '.join(FORMATS)}")
    out = Path(out)
    check_out(out)
    earlier = _earlier_export(out)
    _check_overwrites(out, _file_names(paths, file_format), earlier)
    out.mkdir(exist_ok=True)
    body = _manifest(paths, file_format, command)
    written: list[Path] = []
    for index, label in enumerate(paths.labels):
        if file_format in ("pypsa", "plexos"):
            folder = out / label
            folder.mkdir(exist_ok=True)
            if file_format == "pypsa":
                written += _pypsa(paths, index, folder, command)
            else:
                written += _plexos(paths, index, folder)
        elif file_format == "netcdf":
            if index == 0:  # every path in one file
                target = out / NETCDF_FILE
                export.write_netcdf(netcdf_dataset(paths, body), target)
                written.append(target)
        elif file_format == "wide-csv":
            target = out / f"{label}.csv"
            _write_csv(_wide(paths, index), target)
            written.append(target)
        else:
            target = out / f"{label}.parquet"
            frame = _wide(paths, index, timestamps=True)
            export.write_table(frame, target, "parquet", body)
            written.append(target)
    manifest = out / MANIFEST
    files = {file.relative_to(out).as_posix(): sha256_file(file) for file in written}
    text = json.dumps({**body, "files": files}, indent=2) + "\n"
    atomic_write(manifest, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    # The earlier export's files this one did not rewrite (other draws, years, a format) go,
    # once the new export is whole, if they are as that export wrote them: a file edited
    # since (a renamed bus, say) stays, and so does anything the manifest does not list.
    for stale, digest in earlier.items():
        if stale not in written and sha256_file(stale) == digest:
            stale.unlink()
    for folder in {stale.parent for stale in earlier} - {out}:
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
    return [*written, manifest]


def _file_names(paths: GridPaths, file_format: str) -> list[str]:
    """The files :func:`write` writes in ``file_format``, relative to ``--out``, manifest aside."""
    if file_format == "pypsa":
        names = [*PYPSA_FILES, *([INVESTMENT_PERIODS] if paths.years else [])]
        return [f"{label}/{name}" for label in paths.labels for name in names]
    if file_format == "plexos":
        years = np.unique(paths.year)
        return [f"{label}/load_{year}.csv" for label in paths.labels for year in years]
    if file_format == "netcdf":
        return [NETCDF_FILE]
    suffix = "csv" if file_format == "wide-csv" else "parquet"
    return [f"{label}.{suffix}" for label in paths.labels]


def _check_overwrites(out: Path, names: list[str], earlier: dict[Path, str]) -> None:
    """Refuse, before anything is written, to write over a file (or through a link) that the
    earlier export in ``out`` did not write, or that was edited since (its sha256 differs from
    the one the earlier export listed): a user's edit is never lost silently."""
    for name in names:
        file = out / name
        if file.parent != out and (file.parent.is_symlink() or file.parent.is_file()):
            raise OptionsError(
                f"--out: {file.parent.name} is not a folder an export wrote; move it away or "
                "export into a new folder"
            )
        if not (file.exists() or file.is_symlink()):
            continue
        if file not in earlier:
            raise OptionsError(
                f"--out: {name} exists and is not listed in {MANIFEST} (the earlier export did "
                "not write it); move it away or export into a new folder"
            )
        if sha256_file(file) != earlier[file]:
            raise OptionsError(
                f"--out: {name} was edited since the earlier export (its sha256 differs from "
                f"{MANIFEST}'s); move it away or export into a new folder"
            )


def check_request(
    draws: int | None,
    quantiles: tuple[float, ...] | None,
    rank_by: str | None,
    sample: int | None = None,
    *,
    draw_numbers: tuple[int, ...] | None = None,
    random: int | None = None,
) -> None:
    """Refuse a request :func:`grid_paths` cannot answer, before any work (``sample``: the
    Monte Carlo draws to choose the representative ones from, or to take ``draw_numbers``
    or the ``random`` sample from, if known; ``rank_by`` ``None``: the default,
    :func:`rank_metrics`).

    Raises
    ------
    OptionsError
        Not exactly one of ``draws``, ``quantiles``, ``draw_numbers`` and ``random`` (the one
        check of it, for the command line and the API), or a value out of range.
    """
    given = [name for name, value in (("--draws", draws), ("--draw", draw_numbers),
                                      ("--random", random), ("--quantile", quantiles))
             if value is not None]  # fmt: skip
    if len(given) > 1:
        raise OptionsError(
            f"{' / '.join(given)}: give one of them, not both (representative draws, draws "
            "by number, an equal-weight random sample, or an hour-by-hour quantile that is not "
            "a load path)"
        )
    if not given:
        raise OptionsError(
            "--draws / --quantile / --draw / --random: give one of them: --draws K (K "
            "representative draws, kept whole), --draw N[,N...] (those draws by number, kept "
            "whole), --random K (the first K draws, an equal-weight random sample) or "
            "--quantile Q (an hour-by-hour quantile, not a load path)"
        )
    if draw_numbers is not None:
        _check_draw_numbers(draw_numbers, sample)
    if rank_by is not None and rank_by not in RANK_BY:
        raise OptionsError(f"--rank-by = {rank_by!r}: allowed: {', '.join(RANK_BY)}")
    if draws is not None and not (
        isinstance(draws, int) and not isinstance(draws, bool) and 1 <= draws <= MAX_PATHS
    ):
        raise range_error(
            "--draws", draws, low=1, high=MAX_PATHS,
            why="the paths to write; the Monte Carlo sample they are chosen from is --sample",
        )  # fmt: skip
    if random is not None and not (
        isinstance(random, int) and not isinstance(random, bool) and 1 <= random <= MAX_DRAW_PATHS
    ):
        raise range_error(
            "--random", random, low=1, high=MAX_DRAW_PATHS,
            why=f"draws 0..K-1, each of weight 1/K; {_DRAW_PATHS_LIMIT}",
        )  # fmt: skip
    if quantiles is not None and (
        not 1 <= len(quantiles) <= MAX_PATHS or any(not 0.0 <= q <= 1.0 for q in quantiles)
    ):
        given_text = ",".join(repr(float(q)) for q in quantiles)
        raise OptionsError(
            f"--quantile = {given_text}: allowed: 1..{MAX_PATHS} probabilities in [0, 1], "
            "comma-separated"
        )
    for option, count, what in (("--draws", draws, "representative draws"),
                                ("--random", random, "random draws")):  # fmt: skip
        if count is not None and sample is not None and count > sample:
            raise range_error(option, count, low=1, high=sample, why=f"{what} of the --sample")


#: Why :data:`MAX_DRAW_PATHS` caps the draws written, for the errors.
_DRAW_PATHS_LIMIT = (
    f"at most {MAX_DRAW_PATHS}: every path's hours are held in memory while they are written, "
    "about 0.56 GB at 100 paths of 10 years and 8 loads"
)


def _check_draw_numbers(draw_numbers: tuple[int, ...], sample: int | None) -> None:
    """Refuse chosen draws that are not 1..:data:`MAX_DRAW_PATHS` different draws of the
    sample (numbered from 0)."""
    given = ",".join(str(d) for d in draw_numbers)
    within = "of at least 0" if sample is None else f"0..{sample - 1} (--sample {sample})"
    if not 1 <= len(draw_numbers) <= MAX_DRAW_PATHS:
        raise OptionsError(
            f"--draw = {given!r}: allowed: 1..{MAX_DRAW_PATHS} draw numbers ({_DRAW_PATHS_LIMIT})"
        )
    for d in draw_numbers:
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise OptionsError(f"--draw = {given!r}: {d!r}: allowed: draw numbers {within}")
        if d < 0 or (sample is not None and d >= sample):
            raise OptionsError(
                f"--draw = {given!r}: draw {d} is not in the sample; allowed: {within}"
            )
    if len(set(draw_numbers)) != len(draw_numbers):
        twice = sorted({d for d in draw_numbers if draw_numbers.count(d) > 1})
        raise OptionsError(
            f"--draw = {given!r}: {', '.join(map(str, twice))} given twice; allowed: each draw once"
        )


def check_years(years: tuple[int, ...]) -> None:
    """Refuse a list of years :func:`grid_paths` cannot export: none, one given twice or out
    of order, a year outside :data:`~forecast.scenario.FIRST_DATE`..
    :data:`~forecast.scenario.LAST_DATE`, or a span from the first to the last longer than
    :data:`MAX_YEARS` (a projection's period: the export's is from the first to the last,
    though only the years named are projected, :func:`_parts`).

    Raises
    ------
    OptionsError
        Naming ``--years``, the value and what is allowed.
    """
    for year in years:
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise year_error("--years", year)
        if not FIRST_DATE.year <= year <= LAST_DATE.year:
            raise year_error("--years", year, low=FIRST_DATE.year, high=LAST_DATE.year)
    given = ",".join(str(y) for y in years)
    if not years or list(years) != sorted(set(years)):
        raise OptionsError(
            f"--years = {given!r}: allowed: years, each once, in ascending order (e.g. 2030,2035)"
        )
    if years[-1] - years[0] + 1 > MAX_YEARS:
        raise OptionsError(
            f"--years = {given!r}: allowed: years spanning at most {MAX_YEARS} from the first "
            f"to the last, as a projection's period (these span {years[-1] - years[0] + 1})"
        )


def period_of_years(
    years: tuple[int, ...], start: object = None, end: object = None
) -> tuple[dt.date, dt.date]:
    """The period of an export of ``years`` alone: 1 January of the first to 31 December of
    the last, checked (:func:`check_years`); ``start`` and ``end`` as given beside them (the
    command line's ``--start`` and ``--end``, the API's ``start`` and ``end``) must be absent.
    One check for the command line and the API.

    Raises
    ------
    OptionsError
        Naming ``--years``, the value and what is allowed.
    """
    check_years(years)
    if start is not None or end is not None:
        given = ",".join(str(y) for y in years)
        raise OptionsError(
            f"--years = {given!r}: the period is those years; allowed: --years without --start "
            "or --end"
        )
    return dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)


def check_weather_year(
    scenario: Scenario, options: ProjectionOptions, weather_year: int | None
) -> None:
    """Refuse, before any work, a ``--weather-year`` that is not one of the observed years of
    the weather ``options`` run the scenario on (:func:`forecast.projection.weather_index`,
    by which the projection gives every draw that year).

    Raises
    ------
    OptionsError
        Naming ``--weather-year``, the value and the observed years (their range).
    """
    if weather_year is None:
        return
    if isinstance(weather_year, bool) or not isinstance(weather_year, int):
        raise year_error("--weather-year", weather_year, why="an observed weather year, e.g. 2018")
    weather_index(
        scenario, dataclasses.replace(options, weather_year=weather_year), field="--weather-year"
    )


def projected_end(scenario: Scenario, options: ProjectionOptions, calendar: str) -> dt.date:
    """The last local day the projection of an export runs to (:func:`projected_days`)."""
    return projected_days(scenario, options, calendar)[1]


def projected_days(
    scenario: Scenario, options: ProjectionOptions, calendar: str
) -> tuple[dt.date, dt.date]:
    """The first and last local day the projection of an export runs: ``options.start`` and
    ``options.end``, widened to the local days the period's first and last hour fall on in
    ``calendar``'s time (:func:`clock_offset`). Standard time is local time less any
    daylight saving, so a standard-time day starts at or after its local midnight: only its
    end can lie past the local day (Sydney: 23:00 AEST on 31 December is 00:00 AEDT on 1
    January). A UTC day lies a day after the local one east of Greenwich (Seoul: 23:00Z on 31
    December is 08:00 KST on 1 January) and a day before it west (New York: 00:00Z on 1
    January is 19:00 EST on 31 December).

    Parameters
    ----------
    scenario : Scenario
        The scenario (its time zone).
    options : ProjectionOptions
        Validated options (the period's first and last day filled in).
    calendar : str
        One of :data:`CALENDARS`.

    Raises
    ------
    OptionsError
        An unknown ``calendar``, or a local day the projection cannot run: before
        :data:`~forecast.scenario.FIRST_DATE`, past :data:`~forecast.scenario.LAST_DATE`, or
        in a year past :data:`MAX_YEARS` (naming ``--calendar local`` as the way out).
    """
    if calendar not in CALENDARS:
        raise OptionsError(f"--calendar = {calendar!r}: allowed: {', '.join(CALENDARS)}")
    assert options.start is not None and options.end is not None  # validated
    start, end = options.start, options.end
    if calendar == "local":
        return start, end
    offset = clock_offset(scenario.timezone, calendar)
    zone = scenario.timezone

    def local(hour: pd.Timestamp) -> pd.Timestamp:
        return (hour - offset).tz_localize("UTC").tz_convert(zone)

    first, last = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=23)
    first_day, last_day = _local_days(zone, start, end, offset)

    def hour(which: str, at: pd.Timestamp) -> str:
        return (
            f"with --calendar {calendar} the period's {which} hour ({at:%Y-%m-%d %H:%M} at "
            f"UTC{_offset_text(offset)}) is {local(at):%Y-%m-%d %H:%M} local time in {zone}"
        )

    if first_day < FIRST_DATE:
        raise OptionsError(
            f"--start = {start}: {hour('first', first)}, before the first day a projection "
            f"runs ({FIRST_DATE}); allowed: a start a day later, or --calendar local"
        )
    if last_day > LAST_DATE:
        raise OptionsError(
            f"--end = {end}: {hour('last', last)}, after the last day a projection runs "
            f"({LAST_DATE}); allowed: an end a day earlier, or --calendar local"
        )
    if last_day.year - first_day.year + 1 > MAX_YEARS:
        which, at = ("last", last) if last_day > end else ("first", first)
        raise OptionsError(
            f"--start/--end = {start}..{end}: {hour(which, at)}, so the projection would span "
            f"{first_day.year}..{last_day.year}, {last_day.year - first_day.year + 1} years "
            f"(at most {MAX_YEARS}); allowed: "
            + ("a start a year later" if which == "last" else "an end a year earlier")
            + ", or --calendar local"
        )
    return first_day, last_day


def _local_days(
    timezone: str, start: dt.date, end: dt.date, offset: dt.timedelta
) -> tuple[dt.date, dt.date]:
    """The first and last local day in ``timezone`` of the hours from 00:00 on ``start`` to
    24:00 on ``end`` at UTC``offset``, widened to ``start`` and ``end`` where they lie within."""

    def local_day(hour: pd.Timestamp) -> dt.date:
        return (hour - offset).tz_localize("UTC").tz_convert(timezone).date()

    first, last = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=23)
    return min(local_day(first), start), max(local_day(last), end)


def _local_year_days(scenario: Scenario, options: ProjectionOptions) -> tuple[dt.date, dt.date]:
    """The first and last local day the projection of a year named with ``--calendar local``
    runs: the local days of the year's standard-time hours, as the rows label and split them
    (:func:`clock_offset`), so that the year holds the rows of its year in an export of the
    whole period, every hour of it. In Sydney its last hour, 23:00 AEST on 31 December, is
    00:00 AEDT on 1 January: the projection runs that local day more, not the next year (its
    first hour, 23:00 AEST on the 31 December before, is the year before's row). Unlike
    :func:`projected_days` it never refuses: a day before
    :data:`~forecast.scenario.FIRST_DATE` or past :data:`~forecast.scenario.LAST_DATE` is left
    out, as an export of the whole period ending there leaves it (the year is then a partial
    year of the manifest).

    Parameters
    ----------
    options : ProjectionOptions
        Validated options whose period is the year named (1 January to 31 December).
    """
    assert options.start is not None and options.end is not None  # validated
    offset = clock_offset(scenario.timezone, "local")
    first_day, last_day = _local_days(scenario.timezone, options.start, options.end, offset)
    return max(first_day, FIRST_DATE), min(last_day, LAST_DATE)


def clock_offset(timezone: str, calendar: str) -> dt.timedelta:
    """The UTC offset of the time an export's rows are labelled and cut into days and years
    in: the zone's standard time (:func:`forecast.calendar.standard_utc_offset`; also for
    ``local``, whose rows are labelled in it), or none for ``utc``."""
    return dt.timedelta(0) if calendar == "utc" else standard_utc_offset(timezone)


def check_out(out: Path) -> None:
    """Refuse an ``--out`` an export cannot be written to: a name with a file's suffix
    (:data:`FILE_SUFFIXES`: an export is a folder of files, and ``--out x.parquet`` made a
    folder named so), a missing parent directory, a file,
    a folder that cannot be created (it is made and removed again to find out: only the
    system knows, ``/proc/x`` cannot be made in an existing directory) or written in, or a
    folder with files in it but no ``export.json`` (an earlier export's folder is written
    over: see :func:`write`).

    Raises
    ------
    OptionsError
        Which of these, naming ``--out`` and the system's reason.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix in FILE_SUFFIXES:
        # Refused rather than taken as one file: an export is several files (a manifest, and
        # a file or folder per path), and a folder named like a file misleads every reader.
        archive = "; the API's POST /v1/grid-exports answers a .zip" if suffix == ".zip" else ""
        raise OptionsError(
            f"--out = {str(out)!r}: a {suffix} file name, but export-grid writes a folder "
            f"({MANIFEST} and each path's files, e.g. <out>/<label>.parquet with --format "
            f"wide-parquet); allowed: a folder name without a file suffix, e.g. "
            f"{str(out.with_suffix(''))!r}{archive}"
        )
    parent = out.parent if str(out.parent) else Path()
    if not parent.is_dir():
        raise OptionsError(f"--out = {str(out)!r}: directory {str(parent)!r} does not exist")
    if out.exists() and not out.is_dir():
        raise OptionsError(f"--out = {str(out)!r}: exists and is not a directory")
    if not out.exists():
        try:
            out.mkdir()
            out.rmdir()
        except OSError as error:
            raise OptionsError(
                f"--out = {str(out)!r}: cannot create the folder ({error.strerror})"
            ) from None
    elif not os.access(out, os.W_OK | os.X_OK):
        raise OptionsError(f"--out = {str(out)!r}: cannot write in the folder (no permission)")
    if out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise OptionsError(
            f"--out = {str(out)!r}: a folder with other files in it and no {MANIFEST}; give a "
            "new or empty folder, or an earlier export's (its files are replaced)"
        )


#: A file an export writes, relative to ``--out``: a path's folder's file, or its wide table.
_EXPORT_FILE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9.-]*/"
    r"((network|snapshots|investment_periods|carriers|buses|loads|loads-p_set|load_\d{4})"
    r"\.csv|meta\.json)$"
    r"|^[A-Za-z0-9][A-Za-z0-9.-]*\.(csv|parquet)$"
    rf"|^{re.escape(NETCDF_FILE)}$"
)


def _earlier_export(out: Path) -> dict[Path, str]:
    """The files the earlier export in ``out`` wrote, with the sha256 it wrote them with, from
    its manifest's ``files``: only names an export writes, regular files inside ``out``, no
    links (an export before the manifest listed its files: none)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        listed = dict(manifest.get("files", {}))
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    root = out.resolve()
    found = {}
    for name, digest in listed.items():
        if not (isinstance(name, str) and _EXPORT_FILE.match(name) and isinstance(digest, str)):
            continue
        file = out / name
        if file.is_symlink() or file.parent.is_symlink() or not file.is_file():
            continue
        if file.resolve().parent not in (root, root / file.parent.name):
            continue
        found[file] = digest
    return found


def partial_years(year: np.ndarray) -> dict[str, str]:
    """The years whose rows are not the whole year, with how many hours they hold."""
    partial = {}
    for y, n in zip(*np.unique(year, return_counts=True), strict=True):
        whole = 24 * days_in_year(int(y))
        if n != whole:
            partial[str(int(y))] = f"{int(n)} of {whole} hours"
    return partial


#: The projection's provenance attributes an export repeats (those ``forecast project``
#: writes, :func:`forecast.engine.dataset.build_dataset`): the source's digest in
#: ``code_version`` (:func:`forecast.provenance.code_version`), the shipped data's and the
#: weather's sha256 and the ``holidays`` version that made future years' holidays.
PROVENANCE_ATTRS = (
    "code_version", "data_sha256", "holidays_version", "weather_source", "weather_years",
    "weather_ensemble_years", "weather_sha256",
)  # fmt: skip


def _provenance(paths: GridPaths, command: str | None = None) -> dict:
    """Where the paths come from: scenario and digest, seed, draws, period and the calendar of
    its days, the years and the weather year where chosen, baseline model, and the
    projection's own provenance (:data:`PROVENANCE_ATTRS`, as ``forecast project`` writes it),
    its caveats (a list, where it has any: the scenario's and the run's) and the ``command``
    line, where given (the manifest's and each PyPSA folder's
    ``meta.json``)."""
    attrs = paths.dataset.attrs
    return {
        "scenario_id": attrs["scenario_id"],
        "scenario_sha256": attrs["scenario_sha256"],
        "seed": attrs["seed"],
        "monte_carlo_draws": attrs["draws"],
        "period_start": paths.period[0].isoformat(),
        "period_end": paths.period[1].isoformat(),
        "calendar": paths.calendar,
        **({"exported_years": list(paths.years)} if paths.years else {}),
        **({"weather_year": paths.weather_year} if paths.weather_year is not None else {}),
        "baseline_model": attrs["baseline_model"],
        **{name: attrs[name] for name in PROVENANCE_ATTRS if name in attrs},
        **({"caveats": said} if (said := caveats(paths.dataset)) else {}),
        **({"command": command} if command else {}),
    }


def _time(paths: GridPaths) -> str:
    """What time the rows are labelled in (the manifest's ``time``)."""
    zone = paths.dataset.attrs["timezone"]
    if paths.calendar == "utc":
        return (
            f"hour starts in UTC (--calendar utc; the zone's standard time is "
            f"UTC{_utc_offset(paths)}, {zone}); rows split by the UTC year"
        )
    return (
        f"hour starts in the zone's standard time, UTC{_utc_offset(paths)} (no daylight "
        f"saving; {zone}); rows split by the year of that time"
    )


def _days(paths: GridPaths) -> str:
    """What the period's days are (the manifest's ``days``)."""
    if paths.calendar == "utc":
        return (
            "UTC days (--calendar utc): from 00:00Z on period_start to 24:00Z on period_end, "
            "8,760 or 8,784 rows a whole year, the hours of a renewables.ninja or atlite "
            "profile of those years"
        )
    if paths.calendar == "standard":
        return (
            f"standard-time days (--calendar standard): from 00:00 on period_start to 24:00 on "
            f"period_end at UTC{_utc_offset(paths)}, 8,760 or 8,784 rows a whole year"
        )
    if paths.years is not None:
        return (
            f"years named with --calendar local: a year's rows are every hour of its "
            f"standard-time year at UTC{_utc_offset(paths)} (8,760 or 8,784), the rows of that "
            "year in a --calendar local export of the whole period"
        )
    return (
        f"local days (--calendar local), as forecast project's: from 00:00 on period_start to "
        f"24:00 on period_end in {paths.dataset.attrs['timezone']}"
    )


def _years(paths: GridPaths) -> str:
    """Which years the manifest's figures are of, and whether they are the projection's
    local-year figures of the period (the manifest's ``years``): the hours counted in another
    year than the projection counts them, or by one of the two alone, are counted, so that
    the text is true of these rows, not of the zone in general."""
    zone = paths.dataset.attrs["timezone"]
    local = hourly_times(*paths.period, zone)  # the projection's hours of the period
    if paths.years is not None:
        local = local[np.isin(local.year, paths.years)]
    projected = pd.Series(local.year, index=local.tz_convert("UTC"))
    written = pd.Series(paths.year, index=paths.utc)
    hours = projected.index.union(written.index)
    differ = int((projected.reindex(hours) != written.reindex(hours)).sum())
    clock = "UTC" if paths.calendar == "utc" else "standard-time"
    figures = f"annual_energy_twh and peaks_by_year are of each {clock} year's rows"
    projection = "the projection's local-year figures (forecast project; percentiles_by_year)"
    if differ == 0:
        return f"{figures}; here those are {projection}"
    hours_are = "1 hour is" if differ == 1 else f"{differ} hours are"
    return (
        f"{figures}; {hours_are} in another year here than in {projection}, or in one of the "
        "two only ("
        + ("the UTC offset" if paths.calendar == "utc" else "daylight saving")
        + " at the new year or at the period's ends), so those years "
        "differ from them by those hours"
    )


def _manifest(paths: GridPaths, file_format: str, command: str | None = None) -> dict:
    attrs = paths.dataset.attrs
    energy = paths.annual_energy_twh()
    years = [int(y) for y in np.unique(paths.year)]
    return {
        "format": file_format,
        **_provenance(paths, command),
        "weather": f"{attrs['weather_location']}: {attrs['weather_kind']}"
        + (
            ""
            if paths.weather_year is None
            else f", every draw on weather year {paths.weather_year} (--weather-year)"
        ),
        "units": "MW (mean load over the hour)",
        "time": _time(paths),
        "days": _days(paths),
        "years": _years(paths),
        "partial_years": partial_years(paths.year),
        "buses": paths.buses,
        "loads": [dataclasses.asdict(load) for load in paths.loads],
        **({"baseline": paths.baseline} if paths.baseline else {}),
        export.INPUTS_ATTRIBUTE: paths.inputs,
        "paths": [
            {
                **info,
                "annual_energy_twh": {
                    str(year): {
                        load.name: float(energy[c, p, y]) for c, load in enumerate(paths.loads)
                    }
                    for y, year in enumerate(years)
                },
                "peaks_by_year": peaks_by_year(paths, p),
            }
            for p, info in enumerate(paths.paths)
        ],
        "note": "a quantile path takes each hour's quantile over draws separately: it is not a "
        "load path (no draw has it; its peaks are smoothed away); representative draws are "
        "whole draws",
    }


def check_options(file_format: str, rank_by: str | None, *, quantile: object = None) -> str | None:
    """Refuse what ``forecast export-grid`` and ``POST /v1/grid-exports`` refuse of their
    options as given, before any work: a format not in :data:`FORMATS`, or ``rank_by`` beside
    ``quantile`` (as given: text on the command line, numbers in the API; only whether it is
    given counts here). Which paths are asked for (one of ``draws``, ``draw``, ``random`` and
    ``quantile``) and their values are :func:`check_request`'s.

    Returns
    -------
    str or None
        ``rank_by`` as given (None: the default, :func:`rank_metrics`).

    Raises
    ------
    OptionsError
        Which of these, naming the option (as the command line spells it), the value and
        what is allowed.
    """
    if file_format not in FORMATS:
        raise OptionsError(f"--format = {file_format!r}: allowed: {', '.join(FORMATS)}")
    if quantile is not None and rank_by is not None:
        raise OptionsError(
            f"--rank-by = {rank_by!r}: ranks draws to choose representative ones; a --quantile "
            "path takes each hour's quantile over all draws, nothing is ranked: leave --rank-by "
            "out"
        )
    return rank_by
