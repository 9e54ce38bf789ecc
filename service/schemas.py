"""Request and response schemas of the API, with descriptions and units on every field.

The projection response's variables are built from :data:`forecast.outputs.OUTPUT_VARIABLES`,
the one table that declares each output's name, dims, unit and description.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from forecast.baseline.artifacts import NO_MODEL
from forecast.engine.options import DEFAULT_DURATION_DRAWS, MAX_DURATION_DRAWS
from forecast.errors import worded_pattern
from forecast.outputs import OUTPUT_VARIABLES, SITE_SERIES_VARIABLES
from forecast.projection import (
    DEFAULT_QUANTILES,
    MAX_DRAWS,
    RESOLUTIONS,
    WEATHER_KINDS,
    check_period_years,
)
from forecast.report.gridexport import CALENDARS, FORMATS, RANK_BY
from forecast.scenario import SCENARIO_ID_PATTERN, CalendarDate
from forecast.scenario.defaults import MAX_SITES
from forecast.sweep.compare import MAX_SCENARIOS
from service.storage.runs import RunStatus

Resolution = Literal[RESOLUTIONS]  # type: ignore[valid-type]  # a tuple of literals
WeatherKind = Literal[WEATHER_KINDS]  # type: ignore[valid-type]
GridFormat = Literal[FORMATS]  # type: ignore[valid-type]
RankBy = Literal[RANK_BY]  # type: ignore[valid-type]
ExportCalendar = Literal[CALENDARS]  # type: ignore[valid-type]
# The largest integer a JSON number carries exactly everywhere (a double's 53-bit mantissa):
# a larger seed would not round-trip through a JavaScript client or a schema validator.
MAX_SEED = 2**53 - 1
RUN_ID_PATTERN = worded_pattern(r"^[0-9a-f]{32}$", "an id: 32 hex digits (0-9, a-f)")
#: A sha256 digest as the runs' list filters by it (``scenario_sha256``, ``data_sha256``).
SHA256_PATTERN = worded_pattern(r"^[0-9a-f]{64}$", "a sha256 digest: 64 hex digits (0-9, a-f)")
#: Longest site label: a site's name (120 characters at most) and a number where the name is
#: given twice (``campus #2``).
SITE_LABEL_MAX_LENGTH = 130
#: ``MODEL_ID[@VERSION]`` of a baseline model.
MODEL_REFERENCE_PATTERN = worded_pattern(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@[A-Za-z0-9][A-Za-z0-9._-]{0,127})?$",
    "a model id, or id@version: letters, digits, '.', '_' and '-', each 1..128 characters "
    "starting with a letter or digit",
)
#: Text without control characters (a tab and line breaks allowed).
PLAIN_TEXT_PATTERN = worded_pattern(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
    "text without control characters (tabs and line breaks allowed)",
)
# JSON Schema cannot bound a date; the pattern states the same years as FIRST_DATE..LAST_DATE
# so that a client (or a schema-driven test generator) knows them.
_DATE_PATTERN = r"^(199\d|20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


Day = Annotated[CalendarDate, Field(json_schema_extra={"pattern": _DATE_PATTERN})]
Probability = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
OpenProbability = Annotated[float, Field(strict=True, gt=0.0, lt=1.0)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioChoice(_Body):
    """One scenario: a shipped or saved one by id (with overrides), or a whole inline one."""

    scenario_id: str | None = Field(
        default=None,
        pattern=SCENARIO_ID_PATTERN,
        description="Id of a shipped or saved scenario (GET /v1/scenarios). Give this or "
        "`scenario`.",
    )
    scenario_version: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=1_000_000,
        description="Version of a saved scenario; default: its latest. Shipped scenarios have "
        "no versions.",
    )
    overrides: dict[str, Any] | None = Field(
        default=None,
        description="Fields replacing those of the shipped scenario, merged table by table "
        "(a list, such as `deployments`, or a distribution is replaced whole); the result is "
        "validated like a scenario file. Only with `scenario_id`.",
    )
    scenario: dict[str, Any] | None = Field(
        default=None,
        description="A whole scenario in the scenario-file format (README, 'Scenario format'; "
        "GET /v1/scenarios/{id} shows complete examples). Give this or `scenario_id`.",
    )

    @model_validator(mode="after")
    def _one_scenario(self) -> ScenarioChoice:
        if (self.scenario_id is None) == (self.scenario is None):
            raise ValueError("give exactly one of scenario_id and scenario")
        if self.overrides is not None and self.scenario_id is None:
            raise ValueError("overrides apply to a named scenario: give scenario_id with them")
        if "schema_version" in (self.overrides or {}):
            raise ValueError("overrides.schema_version: not overridable (the stored one applies)")
        if self.scenario_version is not None and self.scenario_id is None:
            raise ValueError("scenario_version applies to a saved scenario: give scenario_id")
        return self


class RunOptions(_Body):
    """How to project: draws, seed, period, resolution, quantiles, weather, baseline."""

    draws: int = Field(
        default=1000,
        strict=True,
        ge=1,
        le=MAX_DRAWS,
        description="Monte Carlo draws; the service may allow fewer (max_draws). [draws]",
    )
    seed: int = Field(
        default=0,
        strict=True,
        ge=0,
        le=MAX_SEED,
        description="Random seed: the same scenario, options and seed give the same numbers.",
    )
    start: Day | None = Field(
        default=None, description="First day of the period, local time; default: horizon start."
    )
    end: Day | None = Field(
        default=None, description="Last day of the period (inclusive); default: horizon end."
    )
    resolution: Resolution = Field(
        default="hourly", description="Period of the load series (means over the period)."
    )
    quantiles: list[Probability] = Field(
        default=list(DEFAULT_QUANTILES),
        min_length=1,
        max_length=99,
        description="Probability levels over the draws, each in [0, 1]. [1]",
    )
    weather: WeatherKind = Field(
        default="auto",
        description="Future weather: observed years (historical), one typical year, seeded "
        "synthetic years, or auto (historical when the real data is present).",
    )
    weather_year: int | None = Field(
        default=None,
        strict=True,
        description="Run every draw on this observed weather year of the scenario's location "
        "(e.g. 2018: '2018 weather', a design weather year; historical weather only), as "
        "`--weather-year`: the bands then hold the other inputs' spread, the baseline's level "
        "and daily noise, not the weather's. Recorded in the answer's attrs (`weather_year`; "
        "`weather_years` then lists it alone) and its result key; a year the location did not "
        "observe is a 422 naming the observed years. Default: each draw draws its own year. [a]",
    )
    include_baseline: bool = Field(
        default=True,
        strict=True,
        description="Add the baseline demand of the grid from the served model (when its "
        "country matches the scenario's).",
    )
    baseline_model: str | None = Field(
        default=None,
        pattern=MODEL_REFERENCE_PATTERN,
        description="Baseline model `MODEL_ID[@VERSION]` to project on, as `forecast project "
        "--baseline-model` and a scenario's `baseline_model` (which this replaces): the served "
        "version, or any other published one (GET /v1/models/{id} lists them), verified before "
        "use; `none` for no baseline. Default: the scenario's own, else the model served for "
        "its country.",
    )
    per_draw: bool = Field(
        default=False,
        strict=True,
        description="Also keep every draw's per-year values (`<name>_per_draw`, dims draw and "
        "year), as `--per-draw`.",
    )
    duration_curves: bool = Field(
        default=False,
        strict=True,
        description="Add load duration curves and the peak-hour calendar per year, as "
        "`--duration-curves`.",
    )
    duration_draws: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_DURATION_DRAWS,
        description=f"Draws the duration curves are built from (only with `duration_curves`; "
        f"default {DEFAULT_DURATION_DRAWS}; about 70 kB of memory each). [draws]",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RunOptions:
        # As the command line, an option the others make meaningless is refused, not ignored.
        if self.baseline_model not in (None, NO_MODEL) and not self.include_baseline:
            raise ValueError(
                f"baseline_model = {self.baseline_model!r}: include_baseline false projects no "
                "baseline; allowed: one or the other"
            )
        if self.duration_draws is not None and not self.duration_curves:
            raise ValueError(
                f"duration_draws = {self.duration_draws}: allowed only with duration_curves true"
            )
        return self


class ProjectionRequest(RunOptions, ScenarioChoice):
    """What to project: a shipped scenario (with overrides) or a whole inline scenario."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scenario_id": "kr-national", "draws": 200, "resolution": "annual"},
                {
                    "scenario_id": "kr-national",
                    "overrides": {"operations": {"pue": 1.3}},
                    "draws": 500,
                    "seed": 7,
                    "start": "2026-01-01",
                    "end": "2030-12-31",
                    "resolution": "monthly",
                    "quantiles": [0.1, 0.5, 0.9],
                },
                {
                    "scenario_id": "kr-outlook",
                    "draws": 200,
                    "start": "2030-01-01",
                    "end": "2030-12-31",
                    "sites": ["LG U+ Paju AI data centre, building 1"],
                },
            ]
        },
    )

    sites: list[Annotated[str, Field(min_length=1, max_length=SITE_LABEL_MAX_LENGTH)]] = Field(
        default_factory=list,
        max_length=MAX_SITES,
        description="Also give these sites' own load series at `resolution` (each hour's at "
        "hourly), as `forecast project --site`: `site_facility_mw` at the grid and `site_it_mw` "
        "before its PUE, each with its mean, along dim `profile_site`. [MW] Each name as the "
        "scenario labels its sites (coords `load_site`; a name given twice is numbered, "
        "`campus #2`); one the scenario lacks is a 422 listing its sites. An hourly year adds "
        "about 1.5 MB of JSON a site at 5 quantiles.",
    )


class VariableData(BaseModel):
    """One output variable: its dims, unit and values (null where undefined)."""

    dims: list[str] = Field(description="Dimension names, in the order of `values`' nesting.")
    units: str = Field(description="Unit of every value (MW, TWh, GW, %, 1, accelerators).")
    description: str = Field(description="What the variable is.")
    values: list[Any] = Field(
        description="Nested arrays following `dims`; null where a value is undefined (e.g. "
        "hosted capacity of a scenario without sites)."
    )


ProjectionVariables = create_model(  # type: ignore[call-overload]
    "ProjectionVariables",
    __doc__="Output variables of a projection; one present per computed output.",
    **{
        variable.name: (
            VariableData | None,
            Field(
                default=None,
                description=f"{variable.description}. [{variable.units}] "
                f"dims: ({', '.join(variable.dims)})",
            ),
        )
        # The sites' series (with `sites`) beside every output; their means, as every
        # variable's `_mean` twin, come undeclared.
        for variable in (
            *OUTPUT_VARIABLES,
            *(series for series in SITE_SERIES_VARIABLES if "quantile" in series.dims),
        )
    },
)


class ProjectionCoords(BaseModel):
    """Coordinates the variables' dims refer to."""

    time: list[str] = Field(description="Start of each period, UTC, ISO 8601 (dim `time`).")
    local_time: list[str] = Field(
        description="Start of each period in the scenario's time zone, ISO 8601 with offset."
    )
    quantile: list[float] = Field(description="Probability levels (dim `quantile`). [1]")
    year: list[int] = Field(description="Calendar years, local time (dim `year`).")
    month: list[str] = Field(description="Months YYYY-MM, local calendar (dim `month`).")
    region: list[str] = Field(description="Region names (dim `region`).")
    year_start: list[str] | None = Field(
        default=None,
        description="Each year's local start in the period, ISO 8601 with its UTC offset (along "
        "dim `year`): 1 January, or the period's first day in a year it covers in part "
        "(`attrs.partial_years`); the tables' `period_start` of its rows. Absent in a "
        "comparison of time zones that differ.",
    )
    year_hours: list[float] | None = Field(
        default=None,
        description="The period's hours in each year (along dim `year`) [h]: 8760 or 8784 in a "
        "whole year, fewer in one covered in part. Absent as `year_start` is.",
    )
    month_start: list[str] | None = Field(
        default=None,
        description="Each month's local start in the period, ISO 8601 with its UTC offset "
        "(along dim `month`): the 1st, or the period's first day in a month it covers in part "
        "(`attrs.partial_months`: `month` stays the calendar's label); the tables' "
        "`period_start` of its rows. Absent as `year_start` is.",
    )
    month_hours: list[float] | None = Field(
        default=None,
        description="The period's hours in each month (along dim `month`) [h]: 744 in a whole "
        "January, 721 in Sydney's April (the clocks go back), 408 in a March from the 15th. "
        "Absent as `year_start` is.",
    )
    site: list[str] | None = Field(
        default=None,
        description="Sites not yet operating, region by region in queue order (dim `site`; a "
        "name given twice is numbered, `campus #2`); absent without such sites.",
    )
    site_region: list[str] | None = Field(
        default=None, description="The region of each site (along dim `site`)."
    )
    site_status: list[str] | None = Field(
        default=None,
        description="The status of each site (along dim `site`): its rank in the queue, under "
        "construction first, then announced, then speculative.",
    )
    site_grid_request: list[str] | None = Field(
        default=None,
        description="How each site asks the grid (along dim `site`): `whole` (all of its grid "
        "capacity when it applies, its ramp's start or its grid_lead_months before) or `phased` "
        "(what its ramp will have built a lead later, each month).",
    )
    site_grid_limit: list[str] | None = Field(
        default=None,
        description="Whether each site's region has a grid connection limit (along dim "
        "`site`): `limited`, or `none` (connected in full when it asks, never delayed).",
    )
    load_site: list[str] | None = Field(
        default=None,
        description="Every site of the scenario, in the order of its file (dim `load_site`: "
        "`site_energy_twh`, `site_mean_mw`, `site_peak_mw`); the names `sites` takes.",
    )
    load_site_region: list[str] | None = Field(
        default=None, description="The region of each site (along dim `load_site`)."
    )
    profile_site: list[str] | None = Field(
        default=None,
        description="The sites whose load series the request asked for (`sites`; dim "
        "`profile_site`: `site_facility_mw`, `site_it_mw`), in the order asked.",
    )
    profile_site_region: list[str] | None = Field(
        default=None, description="The region of each site (along dim `profile_site`)."
    )
    month_of_year: list[int] | None = Field(
        default=None,
        description="Local months of the year, 1 = January (dim `month_of_year`: "
        "`flexibility_hours_called_by_month_hour`, `flexibility_energy_mwh_by_month_hour`, "
        "`peak_hours_share_pct`); absent without them. [1]",
    )
    hour_of_day: list[int] | None = Field(
        default=None,
        description="Local clock hours the hours start at, 0-23 (dim `hour_of_day`; as "
        "`month_of_year`). [h]",
    )
    duration_band: list[int] | None = Field(
        default=None,
        description="Bands of a year's hours ranked from the highest (dim `duration_band`: "
        "the duration curves, with `duration_curves`).",
    )
    duration_hours_from: list[int] | None = Field(
        default=None,
        description="Rank of each band's first hour, 0 = the highest hour (along dim "
        "`duration_band`). [h]",
    )
    draw: list[int] | None = Field(
        default=None,
        description="Monte Carlo draws, from 0 (dim `draw`: the `*_per_draw` variables, with "
        "`per_draw`); the same index and seed draw the same inputs. Absent without them.",
    )
    draw_weather_year: list[str] | None = Field(
        default=None,
        description="The weather year each draw runs on (along dim `draw`; with weather).",
    )
    duration_draw: list[int] | None = Field(
        default=None,
        description="The draw (an index into `draw`) each per-draw duration curve comes from "
        "(dim `duration_draw`: `*_load_duration_mw_per_draw`, with `duration_curves` and "
        "`per_draw`).",
    )
    input: list[str] | None = Field(
        default=None,
        description="The sampled inputs, by label, that the AI load's spread drivers rank "
        "(dim `input`: `spread_driver_rank_correlation` and every year's "
        "`ai_energy_twh_rank_correlation`, `ai_at_national_peak_gw_rank_correlation`).",
    )
    dc_input: list[str] | None = Field(
        default=None,
        description="The sampled inputs, by label, that `dc_spread_driver_rank_correlation` "
        "ranks against the data-centre energy (dim `dc_input`); absent without non-AI loads.",
    )


class CoordinateAttrs(BaseModel):
    """What a coordinate of `coords` is: the dimension it labels, its unit and its name in
    words (as the NetCDF file's attributes)."""

    dims: list[str] = Field(description="The dimension the coordinate labels.")
    units: str = Field(description="Unit of its values; empty for labels and dates.")
    long_name: str = Field(description="What its values are, in words.")


class ProjectionResponse(BaseModel):
    """A projection: hourly-to-annual load quantiles and per-year energy and peaks, with units."""

    scenario_id: str = Field(description="Id of the projected scenario.")
    scenario_sha256: str = Field(description="sha256 of the scenario's canonical JSON.")
    model_version: str = Field(
        description="Baseline model `id@version` the result was computed with, or `none`."
    )
    attrs: dict[str, Any] = Field(
        description="Provenance: seed, draws, period, code version, weather source, ..."
    )
    coords: ProjectionCoords
    coord_attrs: dict[str, CoordinateAttrs] = Field(
        description="Each coordinate of `coords` by its name: its dims, units and long_name."
    )
    variables: ProjectionVariables  # type: ignore[valid-type]
    spread_drivers: dict[str, float] = Field(
        description="Spearman rank correlation of each sampled input with the last year's AI "
        "energy over the draws: which inputs drive the spread. [1]"
    )


class ComparisonRequest(RunOptions):
    """Scenarios to project side by side over one period with one set of options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scenarios": [
                        {"scenario_id": "kr-national"},
                        {"scenario_id": "kr-dc-pipeline"},
                        {"scenario_id": "kr-gov-aidc-high"},
                    ],
                    "draws": 200,
                    "resolution": "annual",
                },
                {
                    "scenarios": [
                        {"scenario_id": "kr-national"},
                        {"scenario_id": "kr-national", "overrides": {"operations": {"pue": 1.3}}},
                    ],
                    "draws": 500,
                    "start": "2026-01-01",
                    "end": "2030-12-31",
                    "resolution": "monthly",
                },
            ]
        },
    )

    scenarios: list[ScenarioChoice] = Field(
        min_length=2,
        max_length=MAX_SCENARIOS,
        description="The scenarios, each as POST /v1/projections names one (a shipped or saved "
        "id, with overrides, or a whole scenario); distinct ids, one time zone. The first is "
        "the reference the differences are taken from.",
    )
    resolution: Resolution = Field(
        default="annual",
        description="Period of the load series (means over the period); annual by default, as "
        "`forecast compare`.",
    )
    duration_curves: bool = Field(
        default=True,
        strict=True,
        description="Add load duration curves and the peak-hour calendar per year; on by "
        "default, as `forecast compare` (false: as `--no-duration-curves`).",
    )


class GridExportRequest(ScenarioChoice):
    """A grid-model export: ``forecast export-grid``'s options, in its names (``draws``: the
    paths to write; ``sample``: the Monte Carlo draws they come from)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scenario_id": "kr-outlook",
                    "format": "pypsa",
                    "draws": 3,
                    "sample": 300,
                    "start": "2030-01-01",
                    "end": "2030-12-31",
                },
                {
                    "scenario_id": "kr-national",
                    "format": "plexos",
                    "draw": [101, 176],
                    "sample": 200,
                    "bus": {"KR": "KOR"},
                    "baseline_shares": {"capital": 0.42, "non_capital": 0.58},
                },
            ]
        },
    )

    format: GridFormat = Field(
        default="pypsa",
        description="pypsa (a folder per path that PyPSA's import_from_csv_folder reads), plexos "
        "(load_<year>.csv per path: Year, Month, Day, Period 1-24), wide-csv or wide-parquet (a "
        "table per path) or netcdf (export.nc: every path in one Dataset, load_mw(path, "
        "snapshot, load)); every export has its manifest, export.json.",
    )
    draws: int | None = Field(
        default=None,
        strict=True,
        description="Export this many representative draws, kept whole (1..20): nearest P50 "
        "(1, the default), or P10..P90 evenly (3: P10, P50, P90) on the `rank_by` measures. "
        "Give at most one of draws, draw, random and quantile. [paths]",
    )
    draw: list[Annotated[int, Field(strict=True)]] | None = Field(
        default=None,
        description="Export these draws by number instead (0..sample-1), kept whole: with the "
        "same seed, sample and period, draw N of every scenario has the same baseline and "
        "weather year.",
    )
    random: int | None = Field(
        default=None,
        strict=True,
        description="Export the first K draws (1..100), kept whole, each with weight 1/K: the "
        "draws are independent and identically distributed, so they are an equal-weight random "
        "sample (scenarios of a stochastic model, PyPSA's n.set_scenarios). [paths]",
    )
    quantile: list[Annotated[float, Field(strict=True)]] | None = Field(
        default=None,
        description="Export hour-by-hour quantile paths instead (probabilities in [0, 1]): NOT "
        "load paths, each hour is a different set of draws. [1]",
    )
    rank_by: RankBy | None = Field(
        default=None,
        description="What representative draws are ranked by: each year's grid energy and "
        "peak (grid, the default where the projection has a baseline; in-baseline non-AI load "
        "adds nothing), grid total energy and peak, data-centre energy and (beside non-AI load) "
        "AI energy (total, the default without a baseline), data-centre energy and peak (dc), "
        "or AI energy and peak (ai). Not with quantile.",
    )
    bus: dict[str, str] | None = Field(
        default=None,
        description="Rename buses, {OLD: NEW} (the grid-wide bus, e.g. KR, and the regions'), "
        "in loads.csv, buses.csv and export.json.",
    )
    baseline_shares: dict[str, Annotated[float, Field(strict=True)]] | None = Field(
        default=None,
        description="Split the baseline over the regions' buses by fixed shares, {REGION: "
        "SHARE} summing to 1 (each region's hours follow the grid's profile): baseline_<region> "
        "= share x (the grid's demand - the non-AI data-centre load of every region it already "
        "holds); each region's non-AI load is its own column. [1]",
    )
    calendar: ExportCalendar = Field(
        default="standard",
        description="The period's days: standard (days of the zone's standard time the rows "
        "are labelled in: a year is 8,760 or 8,784 periods from 00:00 on 1 January), local "
        "(local days, as a projection's) or utc (UTC days, the rows and PyPSA snapshots "
        "labelled in UTC as renewables.ninja and atlite profiles are).",
    )
    years: list[Annotated[int, Field(strict=True)]] | None = Field(
        default=None,
        description="Export these years alone (ascending, e.g. [2030, 2040]; not with start "
        "and end), of the same draws: each projected on its own and ranked on, the years "
        "between not projected; with format pypsa each is an investment period "
        "(snapshots.csv with period and timestep, investment_periods.csv). [a]",
    )
    weather_year: int | None = Field(
        default=None,
        strict=True,
        description="Run every draw on this observed weather year of the scenario's location "
        "(e.g. 2018: '2018 weather'; historical weather only), each draw keeping its other "
        "inputs; recorded in export.json. [a]",
    )
    sample: int = Field(
        default=1000,
        strict=True,
        ge=1,
        le=MAX_DRAWS,
        description="Monte Carlo draws the paths come from; the service may allow fewer "
        "(max_draws). [draws]",
    )
    seed: int = Field(
        default=0, strict=True, ge=0, le=MAX_SEED, description="Random seed, as a projection's."
    )
    start: Day | None = Field(
        default=None, description="First day of the period; default: horizon start."
    )
    end: Day | None = Field(
        default=None, description="Last day of the period (inclusive); default: horizon end."
    )
    weather: WeatherKind = Field(
        default="auto", description="Future weather, as for POST /v1/projections."
    )
    include_baseline: bool = Field(
        default=True,
        strict=True,
        description="Export the grid's baseline demand from the served model (false: as "
        "`--no-baseline`, the data-centre loads alone).",
    )
    baseline_model: str | None = Field(
        default=None,
        pattern=MODEL_REFERENCE_PATTERN,
        description="Baseline model `MODEL_ID[@VERSION]`, as for POST /v1/projections.",
    )


class ComparedScenario(BaseModel):
    """One scenario of a comparison: where it stands and what it was computed with."""

    id: str = Field(description="Scenario id (the `scenario` coordinate).")
    title: str = Field(description="Title.")
    sha256: str = Field(description="sha256 of the scenario's canonical JSON.")
    hosting: str = Field(description="hosted, unconstrained or sites (as GET /v1/scenarios).")
    model_version: str = Field(description="Baseline model `id@version` it used, or `none`.")
    caveats: list[str] = Field(
        default_factory=list,
        description="The scenario's caveats, one line each: what to know before quoting its "
        "figures (a projection's `attrs.caveats`, as JSON there); empty where it gives none.",
    )


class ComparisonCoords(ProjectionCoords):
    """Coordinates of a comparison: a projection's and the scenarios."""

    scenario: list[str] = Field(
        description="Scenario ids (dim `scenario`); the first is the reference."
    )
    # Widened from a projection's: by scenario where the scenarios' weather differ.
    draw_weather_year: list[str] | list[list[str]] | None = Field(  # type: ignore[assignment]
        default=None,
        description="The weather year each draw runs on (along dim `draw`); one list per "
        "scenario (dims `scenario`, `draw`, as its `coord_attrs` say) where the scenarios' "
        "weather differ.",
    )


class ComparisonResponse(BaseModel):
    """Scenarios side by side: a projection's variables with a leading `scenario` dimension and
    each scenario's difference from the first, computed draw by draw."""

    scenario_ids: list[str] = Field(description="The compared scenario ids, in request order.")
    reference: str = Field(description="The first scenario, which differences are taken from.")
    scenarios: list[ComparedScenario] = Field(description="Each scenario's provenance.")
    attrs: dict[str, Any] = Field(
        description="Provenance shared by every scenario: seed, draws, period, code version, "
        "weather source, how random numbers were shared, ..."
    )
    coords: ComparisonCoords
    coord_attrs: dict[str, CoordinateAttrs] = Field(
        description="Each coordinate of `coords` by its name: its dims, units and long_name."
    )
    variables: dict[str, VariableData] = Field(
        description="The projection's variables with dims (`scenario`, ...) (null where a "
        "scenario lacks one), and per grid-wide per-year figure `<name>_difference` "
        "(quantiles over draws of the draw-by-draw difference from the reference) and "
        "`<name>_difference_mean`, in the figure's unit."
    )
    spread_drivers: dict[str, dict[str, float]] = Field(
        description="Per scenario: Spearman rank correlation of each sampled input with the "
        "last year's AI energy over the draws. [1]"
    )


#: A stored result: a projection's document or a comparison's.
ResultResponse = ProjectionResponse | ComparisonResponse


class JobResponse(BaseModel):
    """A background projection or comparison job."""

    id: str = Field(description="Job id (32 hex digits).")
    status: RunStatus = Field(
        description="queued → running → succeeded or failed; cancelled when cancelled before it "
        "ended (POST /v1/jobs/{id}/cancel)."
    )
    submitted: dt.datetime = Field(description="When the job was accepted, UTC.")
    finished: dt.datetime | None = Field(default=None, description="When it ended, UTC.")
    done_hours: int = Field(description="Hours of the period computed so far. [h]")
    total_hours: int = Field(description="Hours of the period (0 until it starts). [h]")
    result_url: str | None = Field(
        default=None, description="Where to GET the result, once succeeded (format= as usual)."
    )
    error: str | None = Field(
        default=None, description="Why it failed, once failed; who cancelled it, once cancelled."
    )
    error_status: int | None = Field(
        default=None, description="HTTP status the error would have had inline."
    )
    note: str | None = Field(
        default=None,
        description="What happened to it besides its status: interrupted by a server's "
        "shutdown and re-queued (the next server to start runs it again from the start).",
    )
    run_url: str = Field(description="The run's full record (GET /v1/runs/{id}).")


class Accelerator(BaseModel):
    """One accelerator type of the catalog."""

    accelerator_id: str = Field(description="Catalog key used in scenario mixes.")
    vendor: str = Field(description="Manufacturer.")
    name: str = Field(description="Product name.")
    form_factor: str = Field(description="sxm, pcie, oam, ...")
    release_year: int = Field(description="Year of release.")
    board_tdp_w: float = Field(description="Board thermal design power. [W]")
    system_w_per_accelerator: float = Field(
        description="System power per accelerator at nameplate (server share included). [W]"
    )
    bf16_dense_tflops: float | None = Field(description="Dense BF16 throughput. [TFLOPS]")
    fp8_dense_tflops: float | None = Field(
        description="Dense FP8 throughput; null when unsupported. [TFLOPS]"
    )
    source_keys: str = Field(
        description="Where the row comes from, ';'-separated: facts.csv keys and "
        "'assumption: <text>' entries for figures no facts.csv row gives."
    )
    assumptions: str | None = Field(description="Assumptions made for the row, if any.")


class ScenarioSummary(BaseModel):
    """One scenario, shipped or saved, in brief."""

    id: str = Field(description="Scenario id.")
    title: str = Field(description="Title.")
    description: str = Field(description="One-line description.")
    country: str = Field(description="ISO 3166-1 alpha-2 country code, or `world`.")
    hosting: Literal["hosted", "unconstrained", "sites"] = Field(
        description="How the AI load relates to the sites: `hosted` (the deployments' "
        "accelerators run only in built capacity; the rest wait), `unconstrained` (every "
        "accelerator assumed hosted), `sites` (the sites' own tenants, no deployments)."
    )
    horizon_start: dt.date = Field(description="First day of the scenario's horizon.")
    horizon_end: dt.date = Field(description="Last day of the scenario's horizon.")
    regions: list[str] = Field(description="Region names.")
    tags: list[str] = Field(description="Free-form tags.")
    sha256: str = Field(description="sha256 of the scenario's canonical JSON.")
    source: Literal["shipped", "saved"] = Field(
        description="shipped with the service, or saved through the API."
    )
    version: int | None = Field(
        default=None, description="Latest version of a saved scenario; null when shipped."
    )
    archived: bool = Field(default=False, description="A saved scenario that was archived.")


class ScenarioDetail(BaseModel):
    """A scenario in full (the scenario-file format, every default filled in)."""

    sha256: str = Field(description="sha256 of the scenario's canonical JSON.")
    scenario: dict[str, Any] = Field(
        description="The scenario; POST it back as `scenario`, changed, for a variant."
    )
    source: Literal["shipped", "saved"] = Field(
        description="shipped with the service, or saved through the API."
    )
    version: int | None = Field(default=None, description="Version shown (saved scenarios).")
    latest_version: int | None = Field(
        default=None, description="Latest version (saved scenarios)."
    )
    author: str | None = Field(
        default=None, description="Id of the API key that saved this version (saved scenarios)."
    )
    created: dt.datetime | None = Field(
        default=None, description="When this version was saved, UTC (saved scenarios)."
    )
    comment: str | None = Field(default=None, description="The saver's note on this version.")
    archived: bool = Field(default=False, description="The saved scenario was archived.")
    archived_at: dt.datetime | None = Field(
        default=None, description="When it was archived, UTC; null when not archived."
    )
    archived_by: str | None = Field(
        default=None, description="Id of the API key that archived it; null when not archived."
    )


class SaveScenarioRequest(_Body):
    """A scenario to save (a new one, or the next version of a saved one)."""

    scenario: dict[str, Any] = Field(
        description="A whole scenario in the scenario-file format, validated like a file; its "
        "`id` names it (it must not be a shipped scenario's id)."
    )
    comment: str | None = Field(
        default=None,
        max_length=300,
        pattern=PLAIN_TEXT_PATTERN,
        description="What this version changes, for the record.",
    )


class ScenarioVersionSummary(BaseModel):
    """One version of a saved scenario, without its document."""

    scenario_id: str = Field(description="Scenario id.")
    version: int = Field(description="Version number, from 1.")
    sha256: str = Field(description="sha256 of this version's canonical JSON.")
    author: str = Field(description="Id of the API key that saved it.")
    created: dt.datetime = Field(description="When it was saved, UTC.")
    comment: str | None = Field(default=None, description="The saver's note.")


class RunRecord(BaseModel):
    """The record of a computed projection (inline or job)."""

    id: str = Field(description="Run id (32 hex digits); a job's id is its run's.")
    kind: Literal["inline", "job"] = Field(description="Computed in the request or as a job.")
    status: RunStatus = Field(
        description="queued → running → succeeded or failed; cancelled when cancelled before it "
        "ended (POST /v1/jobs/{id}/cancel)."
    )
    scenario_id: str = Field(
        description="Id of the projected scenario; of a comparison, its first (reference)."
    )
    scenario_ids: list[str] | None = Field(
        default=None, description="A comparison's scenario ids, in order; null otherwise."
    )
    scenario_version: int | None = Field(
        default=None, description="Version, when it was a saved scenario."
    )
    scenario_source: Literal["shipped", "saved", "inline", "overrides", "comparison"] = Field(
        description="Where the scenario came from, or `comparison` (POST /v1/comparisons)."
    )
    scenario_sha256: str = Field(
        description="sha256 of the projected scenario's canonical JSON; of a comparison, of its "
        "scenarios' digests in order."
    )
    options: dict[str, Any] = Field(description="Draws, seed, period, resolution, quantiles, ...")
    model_version: str = Field(description="Baseline model `id@version` used, or `none`.")
    code_version: str = Field(description="Version of the forecast library that computed it.")
    data_sha256: str | None = Field(
        default=None,
        description="sha256 of the shipped data it computed from (the accelerator catalog, "
        "the weather locations and climatologies), as its result's `data_sha256`; null: "
        "recorded before runs recorded it (unknown).",
    )
    weather_sha256: str | None = Field(
        default=None,
        description="sha256 of the weather it ran over (`none` without weather), as its "
        "result's `weather_sha256`; of a comparison, each scenario's, comma-separated in "
        "order; null: unknown (recorded before runs recorded it).",
    )
    model_manifest_sha256: str | None = Field(
        default=None,
        description="sha256 of the baseline model's signed manifest, which lists its files' "
        "sha256 (`none` without a model); of a comparison, each scenario's, comma-separated "
        "in order; null: unknown (recorded before runs recorded it).",
    )
    author: str | None = Field(default=None, description="Id of the API key that asked, if any.")
    submitted: dt.datetime = Field(description="When it was asked for, UTC.")
    started: dt.datetime | None = Field(default=None, description="When computing began, UTC.")
    finished: dt.datetime | None = Field(default=None, description="When it ended, UTC.")
    compute_seconds: float | None = Field(default=None, description="Time computing. [s]")
    done_hours: int = Field(description="Hours of the period computed so far. [h]")
    total_hours: int = Field(description="Hours of the period. [h]")
    error: str | None = Field(
        default=None, description="Why it failed, once failed; who cancelled it, once cancelled."
    )
    error_status: int | None = Field(
        default=None, description="HTTP status the error would have had inline."
    )
    result_bytes: int | None = Field(default=None, description="Size of the result file. [B]")
    result_sha256: str | None = Field(
        default=None,
        description="sha256 of the result file as stored, checked before it is served: the "
        "digest of `GET {result_url}?format=netcdf` (all variables), so a client can check "
        "its download; null: stored before runs recorded it (migration 0006), or no file yet.",
    )
    result_url: str | None = Field(
        default=None, description="Where to GET the result in any format, once succeeded."
    )
    resubmitted_from: str | None = Field(
        default=None, description="The failed run this one repeats, if any."
    )
    note: str | None = Field(
        default=None,
        description="What happened to it besides its status: interrupted by a server's "
        "shutdown and re-queued (the next server to start runs it again from the start).",
    )


class RunList(BaseModel):
    """A page of runs, newest first."""

    total: int = Field(description="Runs matching the filters, all pages.")
    runs: list[RunRecord] = Field(description="This page.")


class ModelSummary(BaseModel):
    """A baseline model and its published versions."""

    model_id: str = Field(description="Model id.")
    versions: list[str] = Field(description="Published versions, sorted.")
    promoted_version: str | None = Field(description="Version named in CURRENT, if any.")
    served_version: str | None = Field(
        description="Version the service is serving now for this model, if any."
    )


class ModelDetail(ModelSummary):
    """A baseline model version with its manifest: training window, features and metrics."""

    version: str = Field(description="Version whose manifest is shown.")
    metrics: dict[str, Any] = Field(
        description="Backtest metrics from the manifest (MAPE [%], interval coverage [1], ...)."
    )
    manifest: dict[str, Any] = Field(description="The whole manifest.json.")


class ReloadRequest(_Body):
    """Which model to serve after the reload."""

    model: str | None = Field(
        default=None,
        pattern=MODEL_REFERENCE_PATTERN,
        description="MODEL_ID[@VERSION]; default: the promoted version of the default model.",
    )


class ReloadResponse(BaseModel):
    """Outcome of a reload."""

    previous: str = Field(description="Model `id@version` served before, or `none`.")
    current: str = Field(description="Model `id@version` served now.")


class BaselineRequest(_Body):
    """A period to forecast a grid's baseline demand for."""

    start: Day = Field(description="First day, local time of the model.")
    end: Day = Field(description="Last day (inclusive).")
    draws: int = Field(
        default=200, strict=True, ge=1, le=MAX_DRAWS, description="Monte Carlo draws."
    )
    seed: int = Field(default=0, strict=True, ge=0, le=MAX_SEED, description="Random seed.")
    quantiles: list[OpenProbability] = Field(
        default=list(DEFAULT_QUANTILES),
        min_length=1,
        max_length=99,
        description="Probability levels, each strictly between 0 and 1. [1]",
    )
    weather: WeatherKind = Field(default="auto", description="Future weather, as for projections.")
    model: str | None = Field(
        default=None,
        pattern=MODEL_REFERENCE_PATTERN,
        description="A served model, `id[@version]` (GET /v1/models); default: the default "
        "model (models/artifacts/DEFAULT, or the only one).",
    )

    @model_validator(mode="after")
    def _checked(self) -> BaselineRequest:
        if self.end < self.start:
            check_period_years(self.start, self.end)  # says the ends allowed
        return self


class BaselineResponse(BaseModel):
    """Baseline demand quantiles of a grid for a period, from a served model."""

    model_version: str = Field(description="Model `id@version` used.")
    units: Literal["MW"] = Field(description="Unit of `quantile_mw` and `point_mw`.")
    time: list[str] = Field(description="Start of each hour, UTC, ISO 8601.")
    local_time: list[str] = Field(
        description="Start of each hour in the model's time zone, ISO 8601 with offset (as a "
        "projection's `local_time`)."
    )
    quantile: list[float] = Field(description="Probability levels. [1]")
    quantile_mw: list[list[float]] = Field(description="Hourly demand per quantile [Q][H]. [MW]")
    point_mw: list[float] = Field(description="Median level x mean weather shape, hourly. [MW]")
    year: list[int] = Field(description="Calendar years of the period.")
    baseline_level: str = Field(
        description="Which years take the observed level (the model's training years: history, "
        "spread from weather and daily noise only) and which are forecast, as a projection's "
        "attribute baseline_level."
    )
    annual_peak_gw: list[list[float]] = Field(
        description="Quantiles of each year's peak hourly demand [Q][Y]; partial years count "
        "only their hours. [GW]"
    )
    annual_energy_twh: list[list[float]] = Field(
        description="Quantiles of each year's energy within the period [Q][Y]. [TWh]"
    )


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = Field(description="Always ok while the process answers.")


class RetentionCounts(BaseModel):
    """What results retention removed since the service started (``FORECAST_RESULTS_*``)."""

    retention_days: float | None = Field(
        description="Results, failed and cancelled runs and records of deleted runs older than "
        "this are removed; null: no window. [days]"
    )
    max_bytes: int | None = Field(
        description="Most bytes of result files kept; null: no limit. [bytes]"
    )
    last_sweep: dt.datetime | None = Field(
        description="When the last hourly sweep ended, UTC; null before the first (or while "
        "each fails: the server log says why)."
    )
    pruned_results: int = Field(description="Results (runs and files) removed since start-up.")
    pruned_bytes: int = Field(description="Bytes of their result files. [bytes]")
    pruned_ended_runs: int = Field(description="Failed and cancelled runs removed since start-up.")
    pruned_deletion_records: int = Field(
        description="Records of deleted runs removed since start-up (their ids answer 404)."
    )


class Readiness(BaseModel):
    """Readiness: database migrated, kernels compiled, model verified, jobs connected."""

    ready: bool = Field(description="True once start-up finished and nothing is broken.")
    kernels_compiled: bool = Field(description="Every numba kernel compiled.")
    model_version: str = Field(
        description="The default served baseline model `id@version`, or `none`."
    )
    models: list[str] = Field(
        default_factory=list, description="Every served baseline model, `id@version`."
    )
    scenarios: int = Field(description="Shipped scenarios loaded.")
    database: str | None = Field(default=None, description="sqlite or postgresql.")
    jobs: str | None = Field(
        default=None, description="Where jobs run: in-process, or a Dask scheduler's address."
    )
    busy_slots: int = Field(default=0, description="Heavy requests computing now.")
    waiting: int = Field(default=0, description="Heavy requests waiting for a slot now.")
    starting: bool = Field(
        default=False,
        description="Start-up still running (the server answers meanwhile); `detail` names "
        "the step under way.",
    )
    retention: RetentionCounts | None = Field(
        default=None,
        description="What results retention removed since start-up; null while it is off.",
    )
    detail: str | None = Field(default=None, description="Why not ready, when not.")
    degraded: bool = Field(
        default=False,
        description="Ready, but projections with weather `auto` run on synthetic years: the "
        "historical temperature files of a shipped scenario's weather location are missing "
        "(`degraded_reason` names them). Results are keyed and recorded as weather "
        "`synthetic`; the figures differ from a run on the observed weather.",
    )
    degraded_reason: str | None = Field(
        default=None,
        description="Why `degraded`: the same words as the command line's `note: weather = "
        "'auto': ...` line, one per weather location, the missing files named.",
    )
