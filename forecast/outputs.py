"""Every output variable, declared once: name, dims, unit, description.

The projection Dataset, the CSV schema in the README and the API's documentation are all built
from this table, so a unit can only be stated in one place.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from forecast.units import MWH_TO_TWH


@dataclass(frozen=True)
class OutputVariable:
    name: str
    dims: tuple[str, ...]
    units: str
    description: str
    #: CF ``cell_methods`` of a NetCDF file (``time: mean``: a mean over each period;
    #: ``year: sum``, an energy; ``year: maximum``, a peak); empty where no one method says
    #: what a value is of its period (a load in the peak hour, a capacity at a month's end).
    cell_methods: str = ""


_SERIES = ("time", "quantile")
_REGIONAL = ("region", "time", "quantile")
_ANNUAL = ("year", "quantile")
_ANNUAL_REGIONAL = ("region", "year", "quantile")
_MONTHLY = ("month", "quantile")
_MONTHLY_REGIONAL = ("region", "month", "quantile")
_MONTHLY_SITE = ("site", "month", "quantile")
#: Every site of the scenario, in the order of its file (``site`` holds only the sites under a
#: connection limit, in queue order).
_ANNUAL_LOAD_SITE = ("load_site", "year", "quantile")
_MONTHLY_LOAD_SITE = ("load_site", "month", "quantile")
#: A calendar of a year's hours: local month of the year and clock hour of the day.
_MONTH_HOUR = ("year", "month_of_year", "hour_of_day")
#: The coordinates of that calendar's dimensions: name -> (dim, values, attrs), with their
#: units (a month's number is dimensionless, CF's "1"; a clock hour is in hours) for the NetCDF
#: file and the API's ``coord_attrs``.
MONTH_HOUR_COORDINATES = {
    "month_of_year": (
        "month_of_year",
        np.arange(1, 13),
        {"units": "1", "description": "local month of the year (1 = January)"},
    ),
    "hour_of_day": (
        "hour_of_day",
        np.arange(24),
        {"units": "h", "description": "local clock hour the hour starts at (0-23)"},
    ),
}

OUTPUT_VARIABLES: tuple[OutputVariable, ...] = (
    OutputVariable(
        "ai_facility_mw",
        _SERIES,
        "MW",
        "AI data-centre load at the grid (IT load x PUE at the hour's temperature), "
        "mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "ai_facility_mw_by_region",
        _REGIONAL,
        "MW",
        "AI data-centre load at the grid by region, mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "baseline_mw",
        _SERIES,
        "MW",
        "Demand of the baseline model's grid without the scenario's AI load, mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "non_ai_facility_mw",
        _SERIES,
        "MW",
        "Non-AI data-centre load at the grid (conventional servers, storage, network x PUE), "
        "mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "dc_facility_mw",
        _SERIES,
        "MW",
        "All data-centre load at the grid (AI plus non-AI), mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "total_mw",
        _SERIES,
        "MW",
        "Baseline plus the scenario's data-centre load (less the in_baseline non-AI load, which "
        "the baseline already holds), mean over the period",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "installed_accelerators",
        _MONTHLY,
        "accelerators",
        "Accelerators of the deployment plans delivered and not retired at the end of the "
        "month, hosted or waiting for room (stock-flow with retirement)",
    ),
    OutputVariable(
        "hosted_accelerators",
        _MONTHLY,
        "accelerators",
        "Accelerators of the deployment plans with room in a built data centre: the ones "
        "that draw power",
    ),
    OutputVariable(
        "hosted_accelerators_by_region",
        _MONTHLY_REGIONAL,
        "accelerators",
        "Hosted accelerators by region",
    ),
    OutputVariable(
        "waiting_accelerators",
        _MONTHLY,
        "accelerators",
        "Accelerators delivered but waiting for room in a built data centre (they draw "
        "nothing; 0 with unconstrained hosting)",
    ),
    OutputVariable(
        "waiting_accelerators_by_region",
        _MONTHLY_REGIONAL,
        "accelerators",
        "Waiting accelerators by region",
    ),
    OutputVariable(
        "waiting_nameplate_mw",
        _MONTHLY,
        "MW",
        "Nameplate IT power of the waiting accelerators: the hosting shortfall",
    ),
    OutputVariable(
        "waiting_nameplate_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Nameplate IT power of the waiting accelerators by region",
    ),
    OutputVariable(
        "fleet_nameplate_mw",
        _MONTHLY,
        "MW",
        "Nameplate IT power of the delivered accelerators, hosted or waiting (accelerators "
        "x system W per accelerator of their vintage's mix)",
    ),
    OutputVariable(
        "hosted_nameplate_mw",
        _MONTHLY,
        "MW",
        "Nameplate IT power of the hosted accelerators",
    ),
    OutputVariable(
        "tenant_nameplate_mw",
        _MONTHLY,
        "MW",
        "IT capacity the sites' own tenants fill (tenant occupancy x the capacity the plans "
        "leave free)",
    ),
    OutputVariable(
        "hosted_it_capacity_mw",
        _MONTHLY,
        "MW",
        "IT capacity of the data centres built and energised by the end of the month (a "
        "grid-capacity site counts its grid MW / its PUE at the hottest hour; under a "
        "connection limit, only what its connection energises: built halls waiting for the "
        "grid are in grid_stranded_mw)",
    ),
    OutputVariable(
        "grid_limit_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Grid capacity for new large-load connections in the region (connection limit with "
        "its reinforcements; NaN where the region has none)",
    ),
    OutputVariable(
        "grid_requested_mw",
        _MONTHLY,
        "MW",
        "Grid capacity that the scenario's new sites under a connection limit ask for (not the "
        "grid operator's queue of applications; the whole of it from "
        "its grid_lead_months before a site starts to ramp; a phased site, what its ramp will "
        "have built a lead later), at the end of the month",
    ),
    OutputVariable(
        "grid_requested_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Grid capacity requested by the scenario's new sites under a limit, by region (not "
        "the grid operator's queue)",
    ),
    OutputVariable(
        "grid_connected_mw",
        _MONTHLY,
        "MW",
        "Grid capacity connected to those sites within the limits, at the end of the month",
    ),
    OutputVariable(
        "grid_connected_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Grid capacity connected, by region",
    ),
    OutputVariable(
        "grid_delayed_mw",
        _MONTHLY,
        "MW",
        "Requested minus connected: grid capacity waiting for the limit to allow it, at the end "
        "of the month",
    ),
    OutputVariable(
        "grid_delayed_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Requested minus connected grid capacity, by region",
    ),
    OutputVariable(
        "grid_stranded_mw",
        _MONTHLY,
        "MW",
        "Grid capacity of built halls not yet connected: what the sites under a connection "
        "limit have built (grid MW, along their ramps) minus what is connected to them, site "
        "by site (a connection made ahead of the build strands nothing), at the end of the "
        "month",
    ),
    OutputVariable(
        "grid_stranded_mw_by_region",
        _MONTHLY_REGIONAL,
        "MW",
        "Grid capacity of built halls not yet connected, by region",
    ),
    OutputVariable(
        "site_grid_connected_mw",
        _MONTHLY_SITE,
        "MW",
        "Grid capacity connected to each site not yet operating at the end of the month (under "
        "its region's connection limit; without one, all of it from the month it asks: "
        "site_grid_limit; 0 in the draws that do not build it: site_built_pct says how many do)",
    ),
    OutputVariable(
        "site_grid_delayed_mw",
        _MONTHLY_SITE,
        "MW",
        "Grid capacity each site under a connection limit has asked for and is not yet "
        "connected, at the end of the month, over the draws that build it (as the site table; "
        "0 before it asks; NaN where no draw builds it)",
    ),
    OutputVariable(
        "site_first_mw_pct",
        ("site", "month"),
        "%",
        "Share of the draws that build the site in which some of its grid capacity is "
        "connected by the month (its first MW: a whole request may be connected in part first)",
    ),
    OutputVariable(
        "site_built_pct",
        ("site",),
        "%",
        "Share of the draws that build the site (its build probability, drawn)",
    ),
    OutputVariable(
        "site_grid_request_mw",
        ("site", "quantile"),
        "MW",
        "Grid capacity the site asks for (its grid capacity, or its IT capacity x its PUE at the "
        "hottest hour), over the draws in which it asks within the period",
    ),
    OutputVariable(
        "site_requesting_pct",
        ("site", "month"),
        "%",
        "Share of the draws that build the site in which it has asked for its grid capacity "
        "by the month (its grid_lead_months before its ramp starts)",
    ),
    OutputVariable(
        "site_due_pct",
        ("site", "month"),
        "%",
        "Share of the draws that build the site in which its halls need its whole grid "
        "capacity by the month (the month its ramp starts; a phased site, the month its ramp "
        "completes)",
    ),
    OutputVariable(
        "site_energised_pct",
        ("site", "month"),
        "%",
        "Share of the draws that build the site in which its whole grid capacity is connected "
        "by the month",
    ),
    OutputVariable(
        "site_grid_wait_months",
        ("site", "quantile"),
        "month",
        "Months by which the connection of a site's whole grid capacity comes after its halls "
        "need it (the month its ramp starts; a phased site, the month its ramp completes; 0 "
        "where it came before, having asked ahead), over the draws in which it is due, or "
        "connected in full, within the period (inf: not connected in full by its end; NaN: in "
        "no draw does it ask, or is it due or connected in full, within the period; both null "
        "in JSON); whole months, quantiles taken among the draws' values",
    ),
    OutputVariable(
        "site_grid_stranded_mw_months",
        ("site", "quantile"),
        "MW*month",
        "Built grid capacity of the site not connected, summed over the period's months, over "
        "the draws in which it asks within the period",
    ),
    OutputVariable(
        "site_grid_mean_wait_months",
        ("site", "quantile"),
        "month",
        "Months a MW of the site's built capacity waits for its connection, on average "
        "(site_grid_stranded_mw_months / the grid MW it has built by the period's end; 0 where "
        "it has built none), over the draws in which it asks within the period; months of the "
        "period only: a MW still waiting at its end counts the months up to it (a lower bound)",
    ),
    OutputVariable(
        "site_mean_mw",
        _MONTHLY_LOAD_SITE,
        "MW",
        "AI data-centre load of each site, mean over the month (as site_energy_twh: its share "
        "of its region's hosted plan accelerators and its own tenants, at its own PUE; before "
        "flexibility)",
        cell_methods="month: mean",
    ),
    OutputVariable(
        "accelerator_wait_months",
        _ANNUAL,
        "month",
        "Mean months that an accelerator delivered in the year waited for room before it was "
        "hosted (0 when none waited or none was delivered; waits still running at the end of "
        "the period count up to it)",
    ),
    OutputVariable(
        "accelerator_wait_months_by_region",
        _ANNUAL_REGIONAL,
        "month",
        "Mean months waited by accelerators delivered in the year, by region",
    ),
    OutputVariable(
        "ai_energy_twh",
        _ANNUAL,
        "TWh",
        "AI data-centre electricity in the year",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "ai_energy_twh_by_region",
        _ANNUAL_REGIONAL,
        "TWh",
        "AI data-centre electricity in the year by region",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "ai_peak_gw",
        _ANNUAL,
        "GW",
        "Highest hourly AI load in the year",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "site_energy_twh",
        _ANNUAL_LOAD_SITE,
        "TWh",
        "AI data-centre electricity of each site in the year: its share of its region's hosted "
        "plan accelerators (its energised IT capacity / the region's, month by month) and its "
        "own tenants, at the site's own PUE and the hour's temperature; before flexibility "
        "(the sites add up to ai_energy_twh plus flexibility_curtailed_twh, draw by draw)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "site_peak_mw",
        _ANNUAL_LOAD_SITE,
        "MW",
        "Highest hourly AI data-centre load of each site in the year (as site_energy_twh: its "
        "share of its region's hosted plan accelerators and its own tenants, at its own PUE and "
        "the hour's temperature; before flexibility), each draw's, quantiles over draws: what "
        "its connection and a demand charge are sized on",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "non_ai_energy_twh",
        _ANNUAL,
        "TWh",
        "Non-AI data-centre electricity in the year (conventional servers, storage, network)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "non_ai_energy_twh_by_region",
        _ANNUAL_REGIONAL,
        "TWh",
        "Non-AI data-centre electricity in the year by region (each load in its region)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "non_ai_peak_gw",
        _ANNUAL,
        "GW",
        "Highest hourly non-AI data-centre load in the year",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "dc_energy_twh",
        _ANNUAL,
        "TWh",
        "All data-centre electricity in the year (AI + non-AI)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "dc_energy_twh_by_region",
        _ANNUAL_REGIONAL,
        "TWh",
        "All data-centre electricity in the year by region (AI + non-AI)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "dc_peak_gw",
        _ANNUAL,
        "GW",
        "Highest hourly data-centre load in the year",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "ai_share_of_dc_energy_pct",
        _ANNUAL,
        "%",
        "AI share of all data-centre electricity in the year",
    ),
    OutputVariable("ai_load_factor", _ANNUAL, "1", "AI energy / (AI peak x hours in the year)"),
    OutputVariable(
        "baseline_energy_twh",
        _ANNUAL,
        "TWh",
        "Baseline demand of the grid in the year",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "baseline_peak_gw",
        _ANNUAL,
        "GW",
        "Baseline annual peak of the grid",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "total_energy_twh",
        _ANNUAL,
        "TWh",
        "Total demand of the grid in the year (baseline plus the scenario's data-centre load, "
        "less the non-AI load marked in_baseline, which the baseline already holds)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "total_peak_gw",
        _ANNUAL,
        "GW",
        "Total annual peak of the grid (hourly)",
        cell_methods="year: maximum",
    ),
    OutputVariable(
        "ai_share_of_energy_pct",
        _ANNUAL,
        "%",
        "AI share of the grid's total electricity in the year",
    ),
    OutputVariable(
        "ai_at_national_peak_gw", _ANNUAL, "GW", "AI load in the hour of the grid's total peak"
    ),
    OutputVariable(
        "ai_at_national_peak_gw_by_region",
        _ANNUAL_REGIONAL,
        "GW",
        "AI load by region in the hour of the grid's total peak (the regions sum to "
        "ai_at_national_peak_gw, draw by draw)",
    ),
    OutputVariable(
        "dc_at_national_peak_gw",
        _ANNUAL,
        "GW",
        "All data-centre load in the hour of the grid's total peak",
    ),
    OutputVariable(
        "dc_at_national_peak_gw_by_region",
        _ANNUAL_REGIONAL,
        "GW",
        "All data-centre load by region in the hour of the grid's total peak (the regions sum "
        "to dc_at_national_peak_gw, draw by draw)",
    ),
    OutputVariable(
        "peak_change_gw",
        _ANNUAL,
        "GW",
        "Total annual peak minus baseline annual peak (same draw and weather year)",
    ),
    OutputVariable(
        "ai_at_national_peak_gw_without_flexibility",
        _ANNUAL,
        "GW",
        "AI load in the hour of the grid's total peak if the AI load did not flex",
    ),
    OutputVariable(
        "peak_change_gw_without_flexibility",
        _ANNUAL,
        "GW",
        "Total annual peak minus baseline annual peak if the AI load did not flex",
    ),
    OutputVariable(
        "flexibility_peak_reduction_gw",
        _ANNUAL,
        "GW",
        "How much flexibility lowers the total annual peak (without minus with; never negative)",
    ),
    OutputVariable(
        "flexibility_curtailed_twh",
        _ANNUAL,
        "TWh",
        "AI electricity curtailed in the stress hours (shifted energy is not counted)",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "flexibility_shifted_twh",
        _ANNUAL,
        "TWh",
        "AI electricity moved out of the stress hours into the same day's other hours (mode "
        "shift; 0 when curtailing): the flexible share of the AI load in the hours called, "
        "less what found no room and was curtailed",
        cell_methods="year: sum",
    ),
    OutputVariable(
        "flexibility_hours_called",
        _ANNUAL,
        "h",
        "Hours of the year in the period in which the AI load's flexibility is called (its "
        "stress hours: hours_per_year, or fewer where fewer reach threshold_mw; 0 before "
        "from_year)",
    ),
    OutputVariable(
        "flexibility_events",
        _ANNUAL,
        "events",
        "Flexibility events in the year: runs of consecutive hours called (one across "
        "midnight is one event; one across New Year counts in both years)",
    ),
    OutputVariable(
        "flexibility_event_hours_max",
        _ANNUAL,
        "h",
        "Longest flexibility event of the year: consecutive hours called (0: none called)",
    ),
    OutputVariable(
        "flexibility_event_hours_mean",
        _ANNUAL,
        "h",
        "Mean length of the year's flexibility events: hours called / events (0: none called)",
    ),
    OutputVariable(
        "flexibility_hours_called_by_month_hour",
        _MONTH_HOUR,
        "h",
        "Hours called (as flexibility_hours_called) by local month of the year (1-12) and "
        "clock hour of the day (0-23), mean over draws: in which months and hours a programme "
        "is called; a year's cells add up to flexibility_hours_called_mean",
    ),
    OutputVariable(
        "flexibility_energy_mwh_by_month_hour",
        _MONTH_HOUR,
        "MWh",
        "AI energy the flexible share gives way in the hours called (the share x the AI load "
        "before flexibility: curtailed, or in mode shift moved to the day's other hours) by "
        "local month of the year (1-12) and clock hour of the day (0-23), mean over draws: "
        "how much load a programme takes off in which months and hours; a year's cells add up "
        "to the mean of flexibility_curtailed_twh + flexibility_shifted_twh (x 1e6)",
    ),
)


def mean_name(name: str) -> str:
    """Name of the variable holding the mean over draws of a per-year summary ``name``."""
    return f"{name}_mean"


#: Per-year and monthly summaries also carry their mean over draws (announced pipelines are
#: skewed: the mean can sit far above the median).
MEAN_VARIABLES: tuple[OutputVariable, ...] = tuple(
    OutputVariable(
        mean_name(variable.name),
        tuple(d for d in variable.dims if d != "quantile"),
        variable.units,
        f"Mean over draws of {variable.name}",
        cell_methods=variable.cell_methods,
    )
    for variable in OUTPUT_VARIABLES
    if ("year" in variable.dims or "month" in variable.dims) and "quantile" in variable.dims
)


def per_draw_name(name: str) -> str:
    """Name of the variable holding every draw's value of a per-year summary ``name``."""
    return f"{name}_per_draw"


def difference_name(name: str) -> str:
    """Name of a comparison's variable: the per-draw difference of ``name`` from the first
    scenario, summarised over draws."""
    return f"{name}_difference"


def _without_quantile(dims: tuple[str, ...], replacement: tuple[str, ...] = ()) -> tuple[str, ...]:
    kept = tuple(d for d in dims if d != "quantile")
    if not replacement:
        return kept
    # The draw dimension goes just before the period (region, draw, year).
    at = kept.index("year")
    return (*kept[:at], *replacement, *kept[at:])


_DURATION = ("year", "duration_band", "quantile")

#: Variables a projection holds only when asked for them
#: (``ProjectionOptions.duration_curves``, :mod:`forecast.engine.duration`).
DURATION_VARIABLES: tuple[OutputVariable, ...] = (
    OutputVariable(
        "total_load_duration_mw",
        _DURATION,
        "MW",
        "Load duration curve of the grid's total load: each draw's hours of the year ranked "
        "from the highest, the mean load of each band of ranks, quantiles over draws",
    ),
    OutputVariable(
        "ai_load_duration_mw",
        _DURATION,
        "MW",
        "Load duration curve of the AI data-centre load (as total_load_duration_mw)",
    ),
    OutputVariable(
        "duration_band_hours",
        ("year", "duration_band"),
        "h",
        "Hours in each band of ranked hours (ranks duration_hours_from up to the next band's)",
    ),
    OutputVariable(
        "peak_hours_share_pct",
        _MONTH_HOUR,
        "%",
        "Share of the draws' highest total-load hours of the year (AI load without a baseline) "
        "that fall in each local month and hour of the day: when the peak comes",
    ),
)

#: Their means over draws and, with ``ProjectionOptions.per_draw``, every draw's curve.
DURATION_SUMMARIES: tuple[OutputVariable, ...] = tuple(
    variable
    for curve in DURATION_VARIABLES
    if "quantile" in curve.dims
    for variable in (
        OutputVariable(
            mean_name(curve.name),
            _without_quantile(curve.dims),
            curve.units,
            f"Mean over draws of {curve.name} (its integral is the mean annual energy)",
        ),
        OutputVariable(
            per_draw_name(curve.name),
            ("duration_draw", *_without_quantile(curve.dims)),
            curve.units,
            f"Each draw's {curve.name} (the draws the curves are built from)",
        ),
    )
)

#: The load series of the sites asked for (``ProjectionOptions.sites``, ``--site``): sites
#: along their own dimension, only those asked for (every site's hourly series would be 19
#: times the national one for kr-national).
SITE_SERIES_VARIABLES: tuple[OutputVariable, ...] = (
    OutputVariable(
        "site_facility_mw",
        ("profile_site", "time", "quantile"),
        "MW",
        "AI data-centre load of each site asked for at the grid (its IT load x its PUE at the "
        "hour's temperature, as site_energy_twh; before flexibility), on the projection's "
        "periods (each hour, or each draw's mean over a day, month or year), quantiles over "
        "draws",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "site_facility_mw_mean",
        ("profile_site", "time"),
        "MW",
        "Mean over draws of site_facility_mw: the expected load, whose hours add up to the "
        "mean of site_energy_twh",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "site_it_mw",
        ("profile_site", "time", "quantile"),
        "MW",
        "IT load of each site asked for (site_facility_mw before its PUE: its servers' draw, "
        "without cooling and losses), on the same periods, quantiles over draws",
        cell_methods="time: mean",
    ),
    OutputVariable(
        "site_it_mw_mean",
        ("profile_site", "time"),
        "MW",
        "Mean over draws of site_it_mw (site_facility_mw_mean / site_it_mw_mean is the "
        "period's effective PUE of the expected load)",
        cell_methods="time: mean",
    ),
)

#: The per-year summaries over draws (a calendar of means, such as
#: flexibility_hours_called_by_month_hour, has no draws to keep or difference).
_ANNUAL_VARIABLES = tuple(v for v in OUTPUT_VARIABLES if "year" in v.dims and "quantile" in v.dims)
_OUTPUTS = {variable.name: variable for variable in OUTPUT_VARIABLES}

#: Monthly figures whose every draw a comparison keeps at each year's end (the year's last
#: month in the period), for their differences by region: what relocating sites does to each
#: region's queue, draw by draw.
YEAR_END_PER_DRAW = (
    "grid_requested_mw_by_region",
    "grid_connected_mw_by_region",
    "grid_delayed_mw_by_region",
    "grid_stranded_mw_by_region",
)
#: Regional per-year figures a comparison differences draw by draw, beside the national ones
#: (a Jeollanam-do planner's headline, the TWh that relocation moves south, was a difference
#: of means taken by hand; the GW a region adds to the grid's peak is the provincial planner's
#: question of the same kind).
REGIONAL_DIFFERENCES = (
    "ai_energy_twh_by_region",
    "non_ai_energy_twh_by_region",
    "dc_energy_twh_by_region",
    "ai_at_national_peak_gw_by_region",
    "dc_at_national_peak_gw_by_region",
    *YEAR_END_PER_DRAW,
)

#: With ``ProjectionOptions.per_draw``: every draw's value of each per-year summary, and of
#: :data:`YEAR_END_PER_DRAW` at each year's end.
PER_DRAW_VARIABLES: tuple[OutputVariable, ...] = (
    *(
        OutputVariable(
            per_draw_name(variable.name),
            _without_quantile(variable.dims, ("draw",)),
            variable.units,
            f"Each draw's {variable.name}",
            cell_methods=variable.cell_methods,
        )
        for variable in _ANNUAL_VARIABLES
    ),
    *(
        OutputVariable(
            per_draw_name(name),
            ("region", "draw", "year"),
            _OUTPUTS[name].units,
            f"Each draw's {name} at the end of each year (its last month in the period)",
        )
        for name in YEAR_END_PER_DRAW
    ),
)


def _difference_variables(source: OutputVariable, dims: tuple[str, ...], at: str = ""):
    """A comparison's ``<name>_difference`` (quantiles) and its mean, of ``source``."""
    for name, kept, kind in (
        (difference_name(source.name), dims, "quantiles"),
        (mean_name(difference_name(source.name)), _without_quantile(dims), "mean"),
    ):
        yield OutputVariable(
            name,
            ("scenario", *kept),
            source.units,
            f"{source.name}{at} minus the first scenario's, draw by draw; {kind} over draws",
        )


#: In a comparison (:mod:`forecast.sweep.compare`): the difference of each national per-year
#: summary, and of each of :data:`REGIONAL_DIFFERENCES` (the grid's at each year's end), from
#: the first scenario, draw by draw (common random numbers), as quantiles and a mean.
DIFFERENCE_VARIABLES: tuple[OutputVariable, ...] = (
    *(
        difference
        for variable in _ANNUAL_VARIABLES
        # A site's figure is not differenced: scenarios compared need not share their sites.
        if "region" not in variable.dims and "load_site" not in variable.dims
        for difference in _difference_variables(variable, variable.dims)
    ),
    *(
        difference
        for variable in (_OUTPUTS[name] for name in REGIONAL_DIFFERENCES)
        for difference in _difference_variables(
            variable,
            _ANNUAL_REGIONAL,
            " at the end of each year" if variable.name in YEAR_END_PER_DRAW else "",
        )
    ),
)

#: The unit of each sampled input, by its quantity: the name before ``:`` of its label
#: (:meth:`forecast.engine.inputs.Inputs.drivers`, ``non_ai_drivers`` and the weather and built
#: capacity the engine adds), for the spread drivers and :data:`INPUT_VARIABLES`.
DRIVER_UNITS = {
    "load_factor": "1",
    "pue": "1",
    "pue_temperature_slope_per_c": "1/K",
    "lifetime_years": "year",
    "inference_share": "1",
    "flexibility_share": "1",
    "delivery_delay_months": "month",
    "delivered_count_factor": "1",
    "grid_limit_mw": "MW",
    "grid_reinforcement_delay_months": "month",
    "grid_reinforcement_mw": "MW",
    "site_built": "1",
    "site_delay_months": "month",
    "site_capacity_mw": "MW",
    "baseline_level_mw": "MW",
    "weather_year_mean_excess_c": "K",
    "built_it_capacity_mw_final": "MW",
    "installed": "1",
    "power_w": "W",
    "utilisation": "1",
    "energy_twh": "TWh",
}


def input_variable_name(label: str) -> str:
    """The per-draw export's variable of the sampled input ``label``: ``input_<label,
    non-alphanumerics as _>_per_draw`` (``input_grid_limit_mw_capital_per_draw``)."""
    return f"input_{re.sub(r'[^0-9A-Za-z]+', '_', label).strip('_')}_per_draw"


def _input_variable(
    quantity: str, owner: str, meaning: str, *, trend: bool = False
) -> OutputVariable:
    """The declaration of a sampled input's ``input_*_per_draw`` variable: ``owner`` is what
    its label names after the quantity (``<region>``, ``<site>``; empty where there is one);
    ``trend``: whether the input may be a trend, which a draw holds as the mean of its
    points."""
    name = input_variable_name(quantity).removesuffix("_per_draw")
    return OutputVariable(
        f"{name}_{owner}_per_draw" if owner else f"{name}_per_draw",
        ("draw",),
        DRIVER_UNITS[quantity],
        f"Each draw's {meaning}" + (" (a trend: the mean of its points)" if trend else ""),
    )


#: With ``ProjectionOptions.per_draw``: every draw's value of each sampled input of the
#: scenario (the spread drivers' inputs, for a sensitivity analysis such as SALib or PRCC). A
#: name's ``<...>`` stands for the label's owner, its non-alphanumerics as ``_``
#: (:func:`input_variable_name`: ``input_grid_limit_mw_capital_per_draw``); the variable's
#: attribute ``input`` holds the label itself.
INPUT_VARIABLES: tuple[OutputVariable, ...] = (
    _input_variable("load_factor", "", "AI load factor (average draw / nameplate)", trend=True),
    _input_variable("pue", "", "PUE of the AI load, at its annual value", trend=True),
    _input_variable(
        "pue_temperature_slope_per_c",
        "",
        "rise of the PUE per kelvin above the cooling threshold",
        trend=True,
    ),
    _input_variable("lifetime_years", "", "accelerator lifetime"),
    _input_variable("inference_share", "", "inference share of the AI load", trend=True),
    _input_variable("flexibility_share", "", "flexible share of the AI load"),
    _input_variable("baseline_level_mw", "", "baseline demand level (mean over the years)"),
    _input_variable(
        "weather_year_mean_excess_c",
        "",
        "weather year, as its mean temperature above the cooling threshold",
    ),
    _input_variable(
        "built_it_capacity_mw_final", "", "IT capacity the sites have built at the period's end"
    ),
    _input_variable("delivery_delay_months", "<deployment>", "delivery delay of a deployment"),
    _input_variable(
        "delivered_count_factor", "<deployment>", "share of a deployment's units delivered"
    ),
    _input_variable("grid_limit_mw", "<region>", "grid connection limit of a region", trend=True),
    _input_variable(
        "grid_reinforcement_delay_months",
        "<region>_<n>",
        "delay of a region's grid reinforcement n (from 0)",
    ),
    _input_variable(
        "grid_reinforcement_mw", "<region>_<n>", "size of a region's grid reinforcement n"
    ),
    _input_variable("site_built", "<site>", "build of a site (1 built, 0 not)"),
    _input_variable("site_delay_months", "<site>", "commissioning delay of a site"),
    _input_variable("site_capacity_mw", "<site>", "capacity of a site"),
    _input_variable("installed", "<load>", "installed units of a non-AI load", trend=True),
    _input_variable("power_w", "<load>", "power per unit of a non-AI load", trend=True),
    _input_variable("utilisation", "<load>", "utilisation of a non-AI load", trend=True),
    _input_variable("energy_twh", "<load>", "annual energy of a non-AI load", trend=True),
    _input_variable("pue", "<load>", "PUE of a non-AI load", trend=True),
)

#: The names :data:`INPUT_VARIABLES` stand for, as one pattern (an owner: letters, digits, _).
_INPUT_NAME = re.compile(
    "|".join(
        "[0-9A-Za-z_]+".join(re.escape(part) for part in re.split(r"<[a-z]+>", variable.name))
        for variable in INPUT_VARIABLES
    )
)

BY_NAME = {
    variable.name: variable
    for variable in (
        *OUTPUT_VARIABLES,
        *MEAN_VARIABLES,
        *DURATION_VARIABLES,
        *DURATION_SUMMARIES,
        *SITE_SERIES_VARIABLES,
        *PER_DRAW_VARIABLES,
        *INPUT_VARIABLES,
        *DIFFERENCE_VARIABLES,
    )
}


#: Characters that make an item of a variable selection a pattern (:mod:`fnmatch`: ``*``,
#: ``?``, ``[...]``) rather than a name.
PATTERN_CHARACTERS = "*?["
#: Where a user finds the names a selection may use.
VARIABLES_HELP = (
    "a variable `forecast variables` lists (README: Outputs, units and the CSV schema), or a "
    "pattern of them such as 'site_*', 'ai_energy_twh*' (its mean and Monte Carlo errors "
    "too), '*_by_region'"
)


def known_variable(name: str) -> bool:
    """Whether ``name`` is an output variable a Dataset may hold: one of :data:`BY_NAME`, or
    the Monte Carlo error of one (``ai_energy_twh_mc_error``, ``ai_energy_twh_mean_mc_error``:
    :func:`forecast.engine.dataset.quantile_standard_error`), or a sampled input's
    (:data:`INPUT_VARIABLES`: ``input_grid_limit_mw_capital_per_draw``)."""
    return (
        name in BY_NAME
        or name.removesuffix("_mc_error") in BY_NAME
        or _INPUT_NAME.fullmatch(name) is not None
    )


def variable_patterns(text: str, *, field: str = "variables") -> tuple[str, ...]:
    """The items of a variable selection (``ai_energy_twh,site_*``: comma-separated names and
    :mod:`fnmatch` patterns), each checked against every output variable there is, before any
    work: a name must be one (:func:`known_variable`), a pattern must match one (one starting
    ``input_`` may be a sampled input's owner, checked by :func:`selected_variables`).

    Raises
    ------
    OptionsError
        The selection is empty, or an item is no output variable (with the closest names) or a
        pattern that matches none; the message names ``field``.
    """
    import difflib
    import fnmatch

    from forecast.errors import OptionsError, shown_value

    items = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    if not items:
        raise OptionsError(f"{field} = {shown_value(text)}: no variable named; allowed: "
                           f"{VARIABLES_HELP}, comma-separated")  # fmt: skip
    names = sorted(BY_NAME)
    for item in items:
        if any(character in item for character in PATTERN_CHARACTERS):
            # A pattern of sampled inputs may name an owner (``input_*_capital_*``) that no
            # declared name spells: checked against the projection's own names after the run.
            if not item.startswith("input_") and not any(
                fnmatch.fnmatchcase(name, item) for name in names
            ):
                raise OptionsError(
                    f"{field} = {shown_value(item)}: the pattern matches no output variable; "
                    f"allowed: {VARIABLES_HELP}"
                )
        elif not known_variable(item):
            close = difflib.get_close_matches(item, names, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise OptionsError(
                f"{field} = {shown_value(item)}: no such output variable{hint}; allowed: "
                f"{VARIABLES_HELP}"
            )
    return items


def selected_variables(
    patterns: tuple[str, ...], available, *, field: str = "variables"
) -> list[str]:
    """The names of ``available`` (a projection's variables, in its order) that the items of a
    selection (:func:`variable_patterns`) name or match.

    Raises
    ------
    OptionsError
        An item names or matches none of ``available`` (a ``baseline_*`` variable of a
        projection without a baseline, a ``site_*`` one of a scenario without sites); the
        message lists what the projection holds.
    """
    import fnmatch

    from forecast.errors import OptionsError, shown_value

    names = [str(name) for name in available]
    chosen: set[str] = set()
    for item in patterns:
        matched = {name for name in names if fnmatch.fnmatchcase(name, item)}
        if not matched:
            raise OptionsError(
                f"{field} = {shown_value(item)}: not in this projection (a baseline_* or "
                "total_* variable needs a baseline, a site_* one sites, a flexibility_* one "
                "flexibility, a *_by_region one several regions); allowed here: "
                f"{', '.join(names)}"
            )
        chosen |= matched
    return [name for name in names if name in chosen]


def quantile_at(variable, level: float) -> float:
    """A variable with a ``quantile`` dimension (and no other left) at the probability level
    nearest ``level``."""
    levels = np.asarray(variable["quantile"].data)
    return float(np.asarray(variable.data)[int(np.argmin(np.abs(levels - level)))])


#: What "requested" grid capacity covers, for every table and caption that shows it: a
#: Jeollanam-do planner read the capital's 367 MW as Korea's capital-region queue, which holds
#: tens of GW of applications.
REQUESTED_CAPTION = (
    "requested: what the sites listed in this scenario ask for, not the grid operator's "
    "queue of applications"
)

#: What a scenario's regions are, said once wherever regional figures are compared (a
#: planner read "relocation changes nothing at the national peak" as a finding, where it holds
#: by construction).
REGIONS_NOTE = (
    "regions are connection queues and placement on one national grid: each region has its "
    "own sites, connection limit and share of the fleets, but the baseline demand, the peak "
    "and the weather (one location's temperatures) are national, and there is no transmission "
    "between regions and no regional supply; moving load between regions changes no national "
    "figure but through the queues (README: What the model leaves out)"
)


def region_labels(dataset) -> dict[str, str]:
    """The scenario's display names of its regions (its ``region_labels``, kept in the
    Dataset's attribute ``region_labels`` as JSON); empty where it gives none."""
    text = dataset.attrs.get("region_labels")
    return json.loads(text) if text else {}


def caveats(dataset) -> list[str]:
    """The scenario's caveats (its ``caveats``, kept in the Dataset's attribute ``caveats`` as
    JSON), one line each, for every summary to print; empty where it gives none."""
    text = dataset.attrs.get("caveats")
    return json.loads(text) if text else []


def compared_caveats(dataset) -> dict[str, list[str]]:
    """Each compared scenario's caveats by its id (a comparison keeps them in the coordinate
    ``caveats`` along ``scenario``, JSON per scenario as in :func:`caveats`; the attribute would
    pin one scenario's to all): an empty list where a scenario gives none."""
    labels = [str(label) for label in dataset["scenario"].values]
    if "caveats" not in dataset.coords:  # a comparison written before caveats
        return {label: [] for label in labels}
    texts = [str(text) for text in dataset["caveats"].values]
    return {
        label: json.loads(text) if text else [] for label, text in zip(labels, texts, strict=True)
    }


def caveat_lines(dataset, *, labelled: bool = False) -> list[str]:
    """The ``caveat:`` lines a command prints under its summary: the very caveats its output
    carries, the scenario's then the run's (the baseline bands' horizon note). A comparison's
    are each compared scenario's (:func:`compared_caveats`), ``caveat: <scenario>: ...``; a
    projection's, a sweep's or an export's are its own (:func:`caveats`), ``caveat: ...``, or
    ``caveat: <scenario>: ...`` where ``labelled`` (a report, which lists each scenario's).
    One home for every command, so that none prints a set its files do not carry (``forecast
    report`` printed the scenario's alone)."""
    if "scenario" in dataset.dims:
        by_label = compared_caveats(dataset)
    else:
        by_label = {str(dataset.attrs["scenario_id"]) if labelled else "": caveats(dataset)}
    return [
        f"caveat: {label}: {caveat}" if label else f"caveat: {caveat}"
        for label, said in by_label.items()
        for caveat in said
    ]


def region_label(dataset, region: str) -> str:
    """A region's display name in tables: its label where the scenario gives one, else its
    id."""
    return region_labels(dataset).get(str(region), str(region))


def limited_regions(dataset) -> list[str]:
    """The regions with a grid connection limit (in any draw, or any stacked scenario), in the
    Dataset's order; none without ``grid_limit_mw_by_region``."""
    if "grid_limit_mw_by_region" not in dataset:
        return []
    limit = dataset["grid_limit_mw_by_region"]
    return [
        str(region)
        for region in dataset["region"].values
        if bool(np.isfinite(values_at(limit, {"region": region})).any())
    ]


#: The levels a summary band reaches for around its centre: P10 and P90 where the quantiles
#: hold them, else the nearest held on each side (:func:`summary_levels`).
BAND_TARGETS = (0.1, 0.9)


def summary_levels(levels) -> tuple[float, tuple[float, ...]]:
    """The centre and the band of a summary cell among the probability levels ``levels`` held:
    the centre is the level nearest 0.5 (P50 where held), the band the level below it nearest
    P10 and the level above it nearest P90, those that exist (none with ``--quantiles 0.5``).
    A missing side is left out, never filled with the centre: ``1.13 [1.13–1.13]`` read as a
    certain figure (a procurement analyst's ``--quantiles 0.5``, report-proc M4)."""
    held = sorted({float(level) for level in np.asarray(levels).reshape(-1)})
    centre = min(held, key=lambda level: (abs(level - 0.5), level))
    below = [level for level in held if level < centre]
    above = [level for level in held if level > centre]
    band = (
        *([min(below, key=lambda level: abs(level - BAND_TARGETS[0]))] if below else []),
        *([min(above, key=lambda level: abs(level - BAND_TARGETS[1]))] if above else []),
    )
    return centre, band


def percentile_label(level: float) -> str:
    """``P50`` of 0.5, ``P2.5`` of 0.025."""
    return f"P{round(100 * level, 4):g}"


def band_label(levels, *, mean: bool = True) -> str:
    """What a summary cell shows, from the probability levels held (a Dataset's ``quantile``
    coordinate, or the levels): ``P50 [P10–P90] (mean)``, ``P50 [P25–P75] (mean)``, ``P50
    (mean)`` without a band; ``mean``: whether to name the mean. The one header of every
    per-year table (command line, HTML report, comparison, sweep) and of the cells of
    :func:`summary_cell` and :func:`band_text`."""
    if hasattr(levels, "coords"):
        levels = levels["quantile"].values
    centre, band = summary_levels(levels)
    text = percentile_label(centre)
    if band:
        text += f" [{'–'.join(percentile_label(level) for level in band)}]"
    return f"{text} (mean)" if mean else text


def weather_label(attrs) -> str:
    """The weather a projection ran on, in the words of a summary's header (a Dataset's
    ``attrs``): ``seoul: historical, 12 years``; with a design weather year
    (``weather_year``), ``seoul: 2018 only, every draw (of 12 historical years)``, the
    ensemble's years (``weather_ensemble_years``) still setting the PUE's annual line;
    ``none (...)`` without weather."""
    if attrs.get("weather_location") == "none":
        return "none (no temperature response: the PUE at its annual value every hour)"
    years = str(attrs.get("weather_ensemble_years", attrs.get("weather_years", ""))).split(",")
    location, kind = attrs.get("weather_location", "?"), attrs.get("weather_kind", "?")
    plural = "s" if len(years) > 1 else ""
    if fixed := design_weather_year(attrs):
        return f"{location}: {fixed} (of {len(years)} {kind} year{plural})"
    return f"{location}: {kind}, {len(years)} year{plural}"


def design_weather_year(attrs) -> str:
    """``2018 only, every draw`` where a projection ran every draw on one observed weather
    year (``attrs["weather_year"]``, a design weather year); empty where each draw drew its
    own year."""
    year = attrs.get("weather_year")
    return "" if year is None else f"{year} only, every draw"


def band_text(variable, shown) -> str | None:
    """``centre [low–high]`` of a variable with a ``quantile`` dimension (and no other left),
    each value written by ``shown``, at the levels of :func:`summary_levels`; None where its
    centre is NaN."""
    return band_values(variable["quantile"].data, variable.data, shown)


def band_values(levels, values, shown) -> str | None:
    """:func:`band_text` of the probability ``levels`` [1] and the ``values`` at them (NumPy
    arrays, read without xarray's selection: :func:`values_at`)."""
    levels = np.asarray(levels, dtype=float)
    values = np.asarray(values, dtype=float)
    centre, band = summary_levels(levels)

    def at(level: float) -> float:
        return float(values[int(np.argmin(np.abs(levels - level)))])

    if np.isnan(at(centre)):
        return None
    text = shown(at(centre))
    if band:
        text += f" [{'–'.join(shown(at(level)) for level in band)}]"
    return text


def values_at(variable, where) -> np.ndarray:
    """The values of ``variable.sel(**where)`` (a DataArray; ``where``: labels of its
    dimensions), each label found in its dimension's index and the NumPy array indexed by
    position: a summary table's cell without a ``.sel``, which costs about a millisecond
    (kr-outlook's printed tables made some 1,300 of them; speed review, 2026-12). A
    selection that positions cannot settle (a label not held exactly once, a dimension without
    an index, an array of labels, a name that is not a dimension) is ``.sel``'s, errors
    included."""
    if not set(where) <= set(variable.dims):
        return np.asarray(variable.sel(**where).data)
    indexes = variable.indexes
    key: list[int | slice] = []
    for dim in variable.dims:
        if dim not in where:
            key.append(slice(None))
            continue
        label = where[dim]
        index = indexes.get(dim)
        place = (
            index.get_loc(label)
            if index is not None and np.ndim(label) == 0 and label in index
            else None
        )
        if not isinstance(place, int | np.integer):
            return np.asarray(variable.sel(**where).data)
        key.append(int(place))
    return np.asarray(variable.data)[tuple(key)]


def numpy_values(values) -> np.ndarray:
    """The values of a DataArray, Variable or coordinate as the NumPy array it holds.

    Not ``.to_numpy()``: xarray asks first whether the values are a dask array, which imports
    dask (and with it scipy, about 0.35 s of CPU) in a process that never computes on Dask;
    a projection's Dataset holds NumPy arrays."""
    return np.asarray(values.data)


def largest(values) -> float:
    """The largest value of a DataArray that is not NaN, as ``float(values.max())`` gives it
    (NaN where every value is NaN), from the NumPy array it holds (:func:`numpy_values`):
    xarray's reduction asks first whether the values are a dask array, which imports dask."""
    array = numpy_values(values)
    if array.dtype.kind in "fc":
        array = array[~np.isnan(array)]
        if not array.size:
            return float("nan")
    return float(array.max())


#: A table column's unit shown one step smaller where every value it prints is below 1 in
#: magnitude: a 300 MW campus printed ``0.15 GW`` and ``0.002 TWh`` (report-proc L10).
SMALLER_UNITS = {"GW": ("MW", 1000.0), "TWh": ("GWh", 1000.0)}


def column_unit(
    dataset, name: str, label: str, selections, *, digits: int = 2
) -> tuple[str, float, int]:
    """A table column's ``label``, the factor its cells are multiplied by and their decimals:
    the label's GW or TWh (a whole word, or in brackets) replaced by MW or GWh, factor 1,000,
    two decimals fewer than ``digits`` (still ten times finer), where every finite value the
    column prints (each quantile and the mean of ``name`` at each of ``selections``, dicts of
    coordinates) is below 1 in magnitude; else the label, 1 and ``digits`` as they are. The one
    rule of every fixed-width summary table (project, compare, sweep)."""
    for unit, (smaller, factor) in SMALLER_UNITS.items():
        pattern = rf"(?<![A-Za-z]){unit}(?![A-Za-z])"
        if not re.search(pattern, label) or name not in dataset:
            continue
        values = [
            np.asarray(values_at(variable, where), dtype=float).reshape(-1)
            for variable in (dataset[n] for n in (name, mean_name(name)) if n in dataset)
            for where in selections
        ]
        shown = np.concatenate(values) if values else np.array([])
        shown = shown[np.isfinite(shown)]
        if shown.size and bool(np.all(np.abs(shown) < 1.0)):
            return re.sub(pattern, smaller, label), factor, max(digits - 2, 0)
        return label, 1.0, digits
    return label, 1.0, digits


def summary_cell(dataset, name: str, digits: int = 2, *, scale: float = 1.0, **where) -> str:
    """:func:`band_label`'s ``P50 [P10–P90] (mean)`` of ``name`` at ``where`` (the mean where
    the Dataset has ``<name>_mean``), each value times ``scale`` (:func:`column_unit`), or
    ``–`` where the Dataset lacks it or its P50 is not a number: the cell of every per-year
    table (command line, HTML report, comparison)."""
    if name not in dataset:
        return "–"
    variable = dataset[name]
    levels, values = np.asarray(variable["quantile"].data), values_at(variable, where)
    centre = int(np.argmin(np.abs(levels - summary_levels(levels)[0])))
    if not np.isfinite(float(values[centre])):
        return "–"
    text = band_values(levels, values, lambda value: _shown(value * scale, digits)) or "–"
    if mean_name(name) in dataset:
        mean = float(values_at(dataset[mean_name(name)], where))
        text += f" ({_shown(mean * scale, digits)})"
    return text


def partial_years_note(dataset) -> str:
    """One line naming the years the period covers in part and their dates (the Dataset's
    ``partial_years``, :func:`forecast.calendar.partial_years`): ``2030 covers
    2030-01-01..2030-01-02 (2 of 365 days): its figures are for those days only``; empty where
    every year is whole. A 2-day period printed ``2030 total TWh 3.45`` as if it were the
    year's (report-proc M5)."""
    cells = _covered_in_part(dataset, "partial_years")
    its = "its figures are" if len(cells) == 1 else "their figures are"
    return (
        f"note: {'; '.join(cells)}: {its} for those days only, not the whole year" if cells else ""
    )


def partial_months_note(dataset) -> str:
    """One line naming the months the period covers in part (its first and last at most; the
    Dataset's ``partial_months``, :func:`forecast.calendar.partial_months`) and what their
    figures are: ``month 2030-03 covers 2030-03-15..2030-03-31 (17 of 31 days)``, its means
    over those days only, its end-of-month figures (the fleet, hosting, grid connections) at
    the calendar month's end wherever the period starts or ends; empty where every month is
    whole."""
    cells = _covered_in_part(dataset, "partial_months")
    if not cells:
        return ""
    its = "its" if len(cells) == 1 else "their"
    return (
        f"note: month {'; month '.join(cells)}: {its} means (MW by month) are over those days "
        f"only, {its} end-of-month figures at the month's end"
    )


def partial_period_notes(dataset) -> list[str]:
    """The lines of :func:`partial_years_note` and :func:`partial_months_note` that say
    something, for a summary's notes."""
    return [note for note in (partial_years_note(dataset), partial_months_note(dataset)) if note]


def _covered_in_part(dataset, attribute: str) -> list[str]:
    """``<period> covers <dates>`` of each period that the Dataset's JSON ``attribute``
    (``partial_years``, ``partial_months``) names."""
    text = dataset.attrs.get(attribute)
    partial = json.loads(text) if text else {}
    return [f"{period} covers {dates}" for period, dates in partial.items()]


def _hours_in_year(year: int) -> float:
    """Hours of a calendar year. [h]"""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 8784.0 if leap else 8760.0


def non_ai_growth_note(dataset, **where) -> str:
    """Each grid-limited region's non-AI data-centre growth over the period (mean over draws of
    ``non_ai_energy_twh_by_region``, last year minus first: TWh, and average MW), beside the
    grid MW its listed sites have connected at the period's end (mean of
    ``grid_connected_mw_by_region``): a connection limit holds back the listed sites only, and
    a non-AI load grows as its path says (a Jeollanam-do planner found kr-outlook's capital
    non-AI load growing about 0.6 GW on average while the grid table showed 243 MW connected,
    with nothing saying why). Empty without non-AI load by region or a limit; ``where`` selects
    a comparison's scenario."""
    name = "non_ai_energy_twh_by_region"
    regions = limited_regions(dataset)
    connected_name = mean_name("grid_connected_mw_by_region")
    if not regions or mean_name(name) not in dataset or connected_name not in dataset:
        return ""
    years = [int(year) for year in dataset["year"].values]
    first, last = years[0], years[-1]
    energy, connected = dataset[mean_name(name)], dataset[connected_name]
    cells = []
    for region in regions:
        start, end = (
            float(values_at(energy, {**where, "region": region, "year": year}))
            for year in (first, last)
        )
        if not (np.isfinite(start) and np.isfinite(end)) or start == end == 0.0:
            continue
        average_mw = (end / _hours_in_year(last) - start / _hours_in_year(first)) / MWH_TO_TWH
        # The connected MW at the period's last month.
        connected_mw = float(values_at(connected, {**where, "region": region})[-1])
        cells.append(
            f"{region_label(dataset, region)} {end - start:+,.2f} TWh ({average_mw:+,.0f} MW "
            f"average) beside {connected_mw:,.0f} MW of listed sites connected"
        )
    if not cells:
        return ""
    return (
        f"non-AI data-centre load is not held to a connection limit (it grows as its path says; "
        f"README: The grid it connects to): its growth {first} to {last}, mean over draws, "
        f"{'; '.join(cells)} at the end of {last}"
    )


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: 2 for a wide or full-width character (Hangul, CJK:
    ``unicodedata.east_asian_width`` W or F), 0 for a combining mark, else 1 (an ambiguous one,
    such as the cells' en dash, as in a Western terminal). [columns]

    ``len`` counted ``수도권`` as 3 columns where a terminal draws 6, and the region's columns
    of every fixed-width table slid out of line (a Jeollanam-do planner's kr-outlook tables with
    Korean ``region_labels``)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def pad_left(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (:func:`display_width`): the
    ``str.rjust`` of every fixed-width table the command line prints."""
    return " " * max(width - display_width(text), 0) + text


def pad_right(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (:func:`display_width`)."""
    return text + " " * max(width - display_width(text), 0)


def text_table(first: str, headers: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    """A fixed-width table: a first column (years or sites), then right-aligned cells, padded by
    terminal columns (:func:`display_width`: a Korean region label is twice its length wide)."""
    width = max(display_width(first), *(display_width(label) for label, _ in rows))
    widths = [
        max(display_width(header), *(display_width(cells[i]) for _, cells in rows))
        for i, header in enumerate(headers)
    ]
    text = [
        pad_right(first, width)
        + "".join(f"  {pad_left(h, w)}" for h, w in zip(headers, widths, strict=True))
    ]
    for label, cells in rows:
        text.append(
            pad_right(label, width)
            + "".join(f"  {pad_left(c, w)}" for c, w in zip(cells, widths, strict=True))
        )
    return text


def _shown(value: float, digits: int) -> str:
    """``value`` to ``digits`` places, a difference that rounds to nothing shown as ``0.00``,
    not ``-0.00``."""
    return f"{round(value, digits) + 0.0:,.{digits}f}"
