"""Scenario format: pydantic models for the TOML files in ``data/scenarios/`` and POST bodies.

A scenario says which accelerators are deployed when (``deployments``), which data centres are
built where (``sites``), how they operate (``operations``), over which ``horizon`` and in which
``regions``. Accelerators of the deployment plans run only in built data-centre capacity of their
region (when the scenario has sites); the capacity they leave free can carry the sites' own
tenants. Every uncertain number is a :class:`Quantity`: fixed, triangular, uniform, lognormal or
beta, with the source it comes from; operating figures may change over time as a :class:`Trend`
(dated quantities, interpolated). The format is documented in the README ("Scenario format") and
validated here; errors name the file, the field, the value and what is allowed, in
one line.

Schema version 2 is current. Version 1 files (``basis``, ``it_mw``) are read by
:func:`upgrade_v1`, which says what changed in their reading.

The package follows the format: :mod:`~forecast.scenario.defaults` (limits, status defaults,
allowed ranges), :mod:`~forecast.scenario.quantities` (distributions and trends),
:mod:`~forecast.scenario.model` (the schema), :mod:`~forecast.scenario.files` (TOML files,
``extends``, the shipped scenarios) and :mod:`~forecast.scenario.catalog` (accelerator types).
The names imported here are the format's public API.
"""

from __future__ import annotations

from forecast.scenario.defaults import (
    COOLING_SLOPE_FACTOR,
    COUNTRY_PATTERN,
    FIRST_DATE,
    FIXED_ONLY_OPERATIONS,
    HOSTING_READINGS,
    LAST_DATE,
    MAX_DEPLOYMENTS,
    MAX_EXTENDS_DEPTH,
    MAX_HORIZON_YEARS,
    MAX_MILESTONES,
    MAX_SITES,
    MAX_TREND_POINTS,
    RANGES,
    SCENARIO_ID_PATTERN,
    SCHEMA_VERSION,
    STATUS_DEFAULTS,
    STATUS_DEFAULTS_SOURCE,
    WORLD,
    Cooling,
    Range,
    Status,
)
from forecast.scenario.files import (
    accelerator_places,
    extended,
    format_validation_error,
    list_scenarios,
    load_scenario,
    merged,
    parse_scenario,
    read_scenario_file,
    section_at,
    shipped_scenario_paths,
    upgrade_v1,
)
from forecast.scenario.model import (
    NON_AI_QUANTITIES,
    ComputeTarget,
    DatedMix,
    DatedShares,
    Deployment,
    Flexibility,
    Horizon,
    Milestone,
    NonAiLoad,
    Operations,
    RegionGrid,
    Reinforcement,
    Scenario,
    Shipment,
    Site,
)
from forecast.scenario.quantities import (
    Beta,
    CalendarDate,
    Distribution,
    Fixed,
    Lognormal,
    Quantity,
    QuantityOrTrend,
    Trend,
    TrendPoint,
    Triangular,
    Uniform,
)

__all__ = [
    "COOLING_SLOPE_FACTOR",
    "COUNTRY_PATTERN",
    "FIRST_DATE",
    "FIXED_ONLY_OPERATIONS",
    "HOSTING_READINGS",
    "LAST_DATE",
    "MAX_DEPLOYMENTS",
    "MAX_EXTENDS_DEPTH",
    "MAX_HORIZON_YEARS",
    "MAX_MILESTONES",
    "MAX_SITES",
    "MAX_TREND_POINTS",
    "NON_AI_QUANTITIES",
    "RANGES",
    "SCENARIO_ID_PATTERN",
    "SCHEMA_VERSION",
    "STATUS_DEFAULTS",
    "STATUS_DEFAULTS_SOURCE",
    "WORLD",
    "Beta",
    "CalendarDate",
    "ComputeTarget",
    "Cooling",
    "DatedMix",
    "DatedShares",
    "Deployment",
    "Distribution",
    "Fixed",
    "Flexibility",
    "Horizon",
    "Lognormal",
    "Milestone",
    "NonAiLoad",
    "Operations",
    "Quantity",
    "QuantityOrTrend",
    "Range",
    "RegionGrid",
    "Reinforcement",
    "Scenario",
    "Shipment",
    "Site",
    "Status",
    "Trend",
    "TrendPoint",
    "Triangular",
    "Uniform",
    "accelerator_places",
    "extended",
    "format_validation_error",
    "list_scenarios",
    "load_scenario",
    "merged",
    "parse_scenario",
    "read_scenario_file",
    "section_at",
    "shipped_scenario_paths",
    "upgrade_v1",
]
