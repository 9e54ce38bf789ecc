"""Every output variable, declared once: name, dims, unit, description.

The projection Dataset, the CSV schema in the README and the API's documentation are all built
from this table, so a unit can only be stated in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputVariable:
    name: str
    dims: tuple[str, ...]
    units: str
    description: str


_SERIES = ("time", "quantile")
_REGIONAL = ("region", "time", "quantile")
_ANNUAL = ("year", "quantile")
_ANNUAL_REGIONAL = ("region", "year", "quantile")
_MONTHLY = ("month", "quantile")

OUTPUT_VARIABLES: tuple[OutputVariable, ...] = (
    OutputVariable(
        "ai_facility_mw",
        _SERIES,
        "MW",
        "AI data-centre load at the grid (IT load x PUE at the hour's temperature), "
        "mean over the period",
    ),
    OutputVariable(
        "ai_facility_mw_by_region",
        _REGIONAL,
        "MW",
        "AI data-centre load at the grid by region, mean over the period",
    ),
    OutputVariable(
        "baseline_mw",
        _SERIES,
        "MW",
        "National demand without the scenario's AI load (baseline model), mean over the period",
    ),
    OutputVariable("total_mw", _SERIES, "MW", "Baseline plus AI load, mean over the period"),
    OutputVariable(
        "installed_accelerators",
        _MONTHLY,
        "accelerators",
        "Accelerators in service at the end of the month (fleet stock-flow with retirement)",
    ),
    OutputVariable(
        "it_nameplate_mw",
        _MONTHLY,
        "MW",
        "Nameplate IT power of the AI load: accelerators x system W per accelerator "
        "(fleet basis) or built IT capacity (sites basis)",
    ),
    OutputVariable(
        "hosted_it_capacity_mw",
        _MONTHLY,
        "MW",
        "IT capacity of the data centres built by the end of the month",
    ),
    OutputVariable(
        "unhosted_it_mw",
        _MONTHLY,
        "MW",
        "Nameplate IT power of accelerators that the built data centres cannot host "
        "(fleet basis; 0 when hosting suffices)",
    ),
    OutputVariable("ai_energy_twh", _ANNUAL, "TWh", "AI data-centre electricity in the year"),
    OutputVariable(
        "ai_energy_twh_by_region",
        _ANNUAL_REGIONAL,
        "TWh",
        "AI data-centre electricity in the year by region",
    ),
    OutputVariable("ai_peak_gw", _ANNUAL, "GW", "Highest hourly AI load in the year"),
    OutputVariable("ai_load_factor", _ANNUAL, "1", "AI energy / (AI peak x hours in the year)"),
    OutputVariable("baseline_energy_twh", _ANNUAL, "TWh", "Baseline national demand in the year"),
    OutputVariable("baseline_peak_gw", _ANNUAL, "GW", "Baseline national annual peak"),
    OutputVariable("total_energy_twh", _ANNUAL, "TWh", "Total national demand in the year"),
    OutputVariable("total_peak_gw", _ANNUAL, "GW", "Total national annual peak (hourly)"),
    OutputVariable(
        "ai_share_of_energy_pct", _ANNUAL, "%", "AI share of total national electricity in the year"
    ),
    OutputVariable(
        "ai_at_national_peak_gw", _ANNUAL, "GW", "AI load in the hour of the total national peak"
    ),
    OutputVariable(
        "peak_change_gw",
        _ANNUAL,
        "GW",
        "Total annual peak minus baseline annual peak (same draw and weather year)",
    ),
)

BY_NAME = {variable.name: variable for variable in OUTPUT_VARIABLES}
