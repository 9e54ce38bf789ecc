"""The scenario schema: horizon, operations, deployments, sites, non-AI loads, grid, flexibility.

Part of :mod:`forecast.scenario`; the package's ``__init__`` lists the public names.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from forecast.errors import range_error
from forecast.scenario.defaults import (
    BASELINE_MODEL_PATTERN,
    COUNTRY_PATTERN,
    FIXED_ONLY_OPERATIONS,
    FORMULA_PREFIXES,
    LAST_DATE,
    MAX_CAVEAT_LENGTH,
    MAX_CAVEATS,
    MAX_DEPLOYMENTS,
    MAX_HORIZON_YEARS,
    MAX_MILESTONES,
    MAX_NOTES_LENGTH,
    MAX_SITES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_TREND_POINTS,
    REGION_LABEL_MAX_LENGTH,
    SCENARIO_ID_PATTERN,
    SCHEMA_VERSION,
    TIME_ZONE_EXAMPLES,
    WEATHER_LOCATION_PATTERN,
    Cooling,
    Status,
)
from forecast.scenario.quantities import (
    CalendarDate,
    Quantity,
    QuantityOrTrend,
    _as_quantity,
    _as_quantity_or_trend,
    _check_fixed,
    _check_ranges,
    _Strict,
    check_increasing_dates,
)


class Horizon(_Strict):
    start: CalendarDate
    end: CalendarDate

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        years = self.end.year - self.start.year + 1
        if self.end < self.start or years > MAX_HORIZON_YEARS:
            latest = dt.date(self.start.year + MAX_HORIZON_YEARS - 1, 12, 31)
            raise range_error(
                "end",
                self.end,
                kind="a date",
                low=self.start,
                high=min(latest, LAST_DATE),
                why=f"from start = {self.start}, at most {MAX_HORIZON_YEARS} calendar years",
            )
        return self


def _check_mix(mix: dict[str, float]) -> dict[str, float]:
    if not mix:
        raise ValueError("mix is empty: give at least one accelerator id with its share")
    _check_shares(mix, "mix")
    return mix


def _check_shares(shares: dict[str, float], field: str) -> None:
    """Refuse a share outside [0, 1], or shares that do not sum to 1 (``field``: ``mix``,
    ``region_shares[1].shares``)."""
    for key, share in shares.items():
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{field}.{key} = {share}: allowed: a share in [0, 1]")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{field} sum to {total:g}; allowed: shares that sum to 1")


class DatedMix(_Strict):
    """The accelerator mix that replaces retired accelerators from ``date`` on."""

    date: CalendarDate
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))


def _check_dated_mixes(mixes: list[DatedMix] | None) -> list[DatedMix] | None:
    check_increasing_dates([mix.date for mix in mixes or []], "replacement_mix")
    return mixes


class Operations(_Strict):
    """How the hardware runs; every field has a documented default (see README, Defaults).

    ``load_factor``, ``pue``, ``pue_temperature_slope_per_c`` and ``inference_share`` may be
    trends; ``replacement_mix`` says which accelerators replace retired ones, by date.
    """

    load_factor: QuantityOrTrend | None = None
    pue: QuantityOrTrend | None = None
    pue_temperature_slope_per_c: QuantityOrTrend | None = None
    pue_reference_temperature_c: Quantity | None = None
    lifetime_years: Quantity | None = None
    lifetime_weibull_shape: Quantity | None = None
    inference_share: QuantityOrTrend | None = None
    inference_peak_to_mean: Quantity | None = None
    inference_peak_hour: Quantity | None = None
    inference_weekend_factor: Quantity | None = None
    cooling: Cooling = "air"
    replacement_mix: list[DatedMix] | None = Field(default=None, max_length=MAX_TREND_POINTS)

    _coerce = field_validator(
        "load_factor", "pue", "pue_temperature_slope_per_c", "inference_share", mode="before"
    )(classmethod(lambda cls, v: _as_quantity_or_trend(v)))
    _coerce_fixed = field_validator(
        "pue_reference_temperature_c",
        "lifetime_years",
        "lifetime_weibull_shape",
        "inference_peak_to_mean",
        "inference_peak_hour",
        "inference_weekend_factor",
        mode="before",
    )(classmethod(lambda cls, v: _as_quantity(v)))
    _mixes = field_validator("replacement_mix")(classmethod(lambda cls, v: _check_dated_mixes(v)))

    @model_validator(mode="after")
    def _ranges(self) -> Operations:
        for name in FIXED_ONLY_OPERATIONS:
            _check_fixed(name, getattr(self, name))
        _check_ranges(self, "Operations")
        return self


class _Delivery(_Strict):
    """Fields shared by milestones and shipments: the delivery's uncertainty."""

    delay_months: Quantity | None = None
    count_factor: Quantity | None = None

    _coerce = field_validator("delay_months", "count_factor", mode="before")(
        classmethod(lambda cls, v: _as_quantity(v))
    )

    @model_validator(mode="after")
    def _delivery_ranges(self) -> _Delivery:
        _check_ranges(self, "_Delivery")
        return self


class Milestone(_Delivery):
    """Cumulative installed (in-service) accelerators at a date.

    ``delay_months`` shifts the date in each draw (negative: early); ``count_factor``
    multiplies the count.
    """

    date: CalendarDate
    count: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))


class Shipment(_Delivery):
    """Accelerators delivered evenly between two dates: gross additions, which retire.

    ``delay_months`` shifts both dates in each draw; ``count_factor`` multiplies the count.
    """

    start: CalendarDate
    end: CalendarDate
    count: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))

    @model_validator(mode="after")
    def _ordered(self) -> Shipment:
        if self.end < self.start:
            raise range_error("end", self.end, kind="a date", low=self.start, high=LAST_DATE)
        return self


class ComputeTarget(_Strict):
    """ "N x the installed compute at ``relative_to`` by ``date``", topped up with ``mix``.

    Only what the plan's milestones and shipments leave short at ``date`` is added, phased in
    linearly from the plan's last dated entry before ``date`` (or ``relative_to``, if later).
    """

    date: CalendarDate
    multiple: float = Field(gt=0, le=1e4, allow_inf_nan=False)
    relative_to: CalendarDate
    metric: Literal["bf16_dense_tflops", "fp8_dense_tflops"] = "bf16_dense_tflops"
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))

    @model_validator(mode="after")
    def _ordered(self) -> ComputeTarget:
        if self.date <= self.relative_to:
            raise ValueError(
                f"date = {self.date}: allowed: a date after relative_to = {self.relative_to}"
            )
        return self


class Deployment(_Strict):
    """A fleet of accelerators: milestones, shipments and compute targets.

    ``delivery_delay_months`` and ``count_factor`` apply to every dated entry of the deployment
    alike in a draw (a late supply chain delays the whole plan); an entry's own ``delay_months``
    and ``count_factor`` come on top, drawn for that entry alone.
    """

    name: str = Field(min_length=1, max_length=120)
    region_shares: dict[str, float] | None = None
    after_last: Literal["hold", "retire"] = "hold"
    delivery_delay_months: Quantity | None = None
    count_factor: Quantity | None = None
    replacement_mix: list[DatedMix] | None = Field(default=None, max_length=MAX_TREND_POINTS)
    milestones: list[Milestone] = Field(default_factory=list, max_length=MAX_MILESTONES)
    shipments: list[Shipment] = Field(default_factory=list, max_length=MAX_MILESTONES)
    compute_targets: list[ComputeTarget] = Field(default_factory=list, max_length=MAX_MILESTONES)
    source: str | None = None

    _coerce = field_validator("delivery_delay_months", "count_factor", mode="before")(
        classmethod(lambda cls, v: _as_quantity(v))
    )
    _mixes = field_validator("replacement_mix")(classmethod(lambda cls, v: _check_dated_mixes(v)))

    @field_validator("milestones")
    @classmethod
    def _in_order(cls, milestones: list[Milestone]) -> list[Milestone]:
        check_increasing_dates([milestone.date for milestone in milestones], "milestones")
        return milestones

    @field_validator("region_shares")
    @classmethod
    def _shares(cls, shares: dict[str, float] | None) -> dict[str, float] | None:
        if shares is not None:
            _check_shares(shares, "region_shares")
        return shares

    @model_validator(mode="after")
    def _not_empty(self) -> Deployment:
        _check_ranges(self, "Deployment")
        if not (self.milestones or self.shipments or self.compute_targets):
            raise ValueError(
                f"deployment '{self.name}' has no milestones, shipments or compute_targets: "
                "give at least one"
            )
        if self.compute_targets and not self.milestones and not self.shipments:
            raise ValueError(
                f"deployment '{self.name}': a compute target needs milestones or shipments "
                "to measure today's compute against"
            )
        return self


class Site(_Strict):
    """A data-centre buildout: capacity, when, where, how likely, and who else fills it.

    ``capacity_kind`` says what ``capacity_mw`` measures: ``"grid"``, the facility's grid
    connection (the site never draws more), or ``"it"``, the IT load it can host. The part of
    the capacity that the deployment plans do not fill carries the site's own tenants, a share
    ``tenant_occupancy`` of it (a trend gives an occupancy ramp).

    Under a connection limit the site asks the grid for its whole capacity when its ramp
    starts (``grid_request = "whole"``: one campus, one application), or, with ``"phased"``,
    for what its ramp has built by each month (an aggregate of many facilities, or a campus
    whose buildings each apply when built), ``grid_lead_months`` before that (its
    application ahead of the build: it queues from then).
    """

    name: str = Field(min_length=1, max_length=120)
    region: str | None = None
    capacity_mw: Quantity
    capacity_kind: Literal["grid", "it"]
    commissioning: CalendarDate
    ramp_months: Quantity | None = None
    grid_request: Literal["whole", "phased"] = "whole"
    grid_lead_months: Quantity | None = None
    status: Status
    build_probability: Quantity | None = None
    delay_months: Quantity | None = None
    pue: QuantityOrTrend | None = None
    cooling: Cooling = "air"
    inference_share: QuantityOrTrend | None = None
    load_factor: QuantityOrTrend | None = None
    tenant_occupancy: QuantityOrTrend | None = None
    source: str | None = None

    _coerce = field_validator(
        "capacity_mw",
        "ramp_months",
        "grid_lead_months",
        "build_probability",
        "delay_months",
        mode="before",
    )(classmethod(lambda cls, v: _as_quantity(v)))
    _coerce_trends = field_validator(
        "pue", "inference_share", "load_factor", "tenant_occupancy", mode="before"
    )(classmethod(lambda cls, v: _as_quantity_or_trend(v)))

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        # The tidy CSV writes a site's name in its cell as it is: a spreadsheet would run
        # "=HYPERLINK(...)" as a formula, and the service makes CSV of posted scenarios.
        if name.startswith(FORMULA_PREFIXES):
            raise ValueError(
                "allowed: a name that does not start with =, +, -, @, a tab or a carriage "
                "return (a spreadsheet opening the CSV would read it as a formula)"
            )
        return name

    @model_validator(mode="after")
    def _ranges(self) -> Site:
        _check_fixed("ramp_months", self.ramp_months)
        _check_fixed("grid_lead_months", self.grid_lead_months)
        _check_ranges(self, "Site")
        return self


class DatedShares(_Strict):
    """A non-AI load's region shares at ``date``: linear in between, held before the first
    date and after the last, as a trend's values are."""

    date: CalendarDate
    shares: dict[str, float]
    source: str | None = None


def _share_points(
    shares: dict[str, float] | list[DatedShares] | None,
) -> list[tuple[str, dict[str, float]]]:
    """A non-AI load's region shares, point by point, with where each is in the file (``""`` for
    a table, ``"[1].shares"`` for a path's point); none without ``region_shares``."""
    if shares is None:
        return []
    if isinstance(shares, dict):
        return [("", shares)]
    return [(f"[{i}].shares", point.shares) for i, point in enumerate(shares)]


def _check_region_shares(
    shares: dict[str, float] | list[DatedShares] | None,
) -> dict[str, float] | list[DatedShares] | None:
    """Each share in [0, 1] and each point's shares summing to 1, the points' dates increasing;
    the message names the point (``region_shares[1].shares.capital = 1.2: ...``)."""
    if shares is None:
        return shares
    points = _share_points(shares)
    if not points:
        raise ValueError("region_shares = []: give a table of shares or at least one dated point")
    for where, point in points:
        if not point:
            raise ValueError(f"region_shares{where} is empty: give each region's share")
        _check_shares(point, f"region_shares{where}")
    if isinstance(shares, list):
        check_increasing_dates([point.date for point in shares], "region_shares")
    return shares


class NonAiLoad(_Strict):
    """Data-centre load that is not AI: conventional servers, storage, network, other IT.

    Built bottom-up as LBNL and IEA build it: IT power = ``installed`` units x ``power_w`` per
    unit x ``utilisation`` (average draw / ``power_w``), or, where only energy is known,
    ``energy_twh`` of IT energy a year. Any of these may be a trend; loads that share a
    ``draw_group`` draw them together. The load is flat through
    the day and goes through the same PUE and temperature treatment as the AI load (the
    scenario's PUE unless the component states its own). ``hosted = true`` makes it take room
    in its region's sites before the deployment plans' accelerators (incumbent load in the same
    halls); by default it runs in halls the scenario does not list (existing data centres).

    It sits in one ``region``, or is split across regions by ``region_shares``: a table of
    shares, or a path of dated shares (``[{ date, shares, source }]``, linear in between, held
    outside), so that a planner can move its growth out of one region.
    """

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["servers", "storage", "network", "other"]
    region: str | None = None
    region_shares: dict[str, float] | list[DatedShares] | None = Field(
        default=None, max_length=MAX_TREND_POINTS
    )
    installed: QuantityOrTrend | None = None
    power_w: QuantityOrTrend | None = None
    utilisation: QuantityOrTrend | None = None
    energy_twh: QuantityOrTrend | None = None
    pue: QuantityOrTrend | None = None
    hosted: bool = False
    in_baseline: bool = False
    #: Loads of one group take each uncertain input at the same probability in a draw (an
    #: input with the input of the same name): a load split into parts (by region) keeps the
    #: spread of the whole, where independent parts would narrow it.
    draw_group: str | None = Field(default=None, min_length=1, max_length=120)
    source: str | None = None

    _shares = field_validator("region_shares")(classmethod(lambda cls, v: _check_region_shares(v)))

    @field_validator("*", mode="before")
    @classmethod
    def _coerce(cls, value: Any, info: ValidationInfo) -> Any:
        # Every quantity field, found by its type (NON_AI_QUANTITIES): a new one needs no
        # name added here.
        return _as_quantity_or_trend(value) if info.field_name in quantity_fields(cls) else value

    @field_validator("region_shares", mode="before")
    @classmethod
    def _shares_form(cls, value: Any) -> Any:
        # One message, not one per member of the union.
        if value is not None and not isinstance(value, dict | list):
            raise ValueError(
                f"region_shares = {value!r}: allowed: a table of shares by region "
                "({ capital = 0.7, non_capital = 0.3 }) or a list of { date, shares, source }"
            )
        return value

    @model_validator(mode="after")
    def _one_way(self) -> NonAiLoad:
        _check_ranges(self, "NonAiLoad")
        if self.region is not None and self.region_shares is not None:
            raise ValueError(
                f"non_ai_loads '{self.name}': region = {self.region!r} and region_shares both "
                "given; give one (region_shares to split the load across regions)"
            )
        by_units = self.installed is not None or self.power_w is not None
        if by_units == (self.energy_twh is not None):
            raise ValueError(
                f"non_ai_loads '{self.name}': give either installed and power_w (with an "
                "optional utilisation) or energy_twh, not both and not neither"
            )
        if by_units and (self.installed is None or self.power_w is None):
            raise ValueError(
                f"non_ai_loads '{self.name}': installed and power_w go together; give both"
            )
        if self.utilisation is not None and not by_units:
            raise ValueError(
                f"non_ai_loads '{self.name}': utilisation applies to installed x power_w, "
                "not to energy_twh"
            )
        return self


@functools.cache
def quantity_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that hold a quantity or trend (typed ``QuantityOrTrend``), in
    declaration order: its uncertain inputs, which the engine draws."""
    return tuple(
        name
        for name, field in model.model_fields.items()
        if field.annotation in (QuantityOrTrend, QuantityOrTrend | None)
    )


#: A non-AI load's uncertain inputs, read off its fields once: the schema coerces them, the
#: engine draws them and names them as spread drivers (each needs a unit in
#: ``forecast.outputs.DRIVER_UNITS`` and a range in ``RANGES["NonAiLoad"]``; tests check
#: both), and the held-trend note names them.
NON_AI_QUANTITIES: tuple[str, ...] = quantity_fields(NonAiLoad)


class Reinforcement(_Strict):
    """A grid reinforcement that adds connection capacity to a region from a date."""

    date: CalendarDate
    mw: Quantity
    delay_months: Quantity | None = None
    source: str | None = None

    _coerce = field_validator("mw", "delay_months", mode="before")(
        classmethod(lambda cls, v: _as_quantity(v))
    )

    @model_validator(mode="after")
    def _ranges(self) -> Reinforcement:
        _check_ranges(self, "Reinforcement")
        return self


class RegionGrid(_Strict):
    """How much new large load a region's grid can connect, by date.

    ``limit_mw`` is the grid capacity for new large-load connections available by each date
    (cumulative), ``reinforcements`` add to it once built (each after its own sampled delay).
    Sites that are not yet operating take their grid capacity from it in queue order: status
    (under construction, then announced, then speculative), then commissioning date, then the
    order in the file. A site energises only as far as the limit allows; the rest of its
    capacity waits (``delayed`` in the output).
    """

    limit_mw: QuantityOrTrend
    reinforcements: list[Reinforcement] = Field(default_factory=list, max_length=50)
    source: str | None = None

    _coerce = field_validator("limit_mw", mode="before")(
        classmethod(lambda cls, v: _as_quantity_or_trend(v))
    )

    @model_validator(mode="after")
    def _ranges(self) -> RegionGrid:
        _check_ranges(self, "RegionGrid")
        return self


class Flexibility(_Strict):
    """A share of the AI load that gives way in the grid's stress hours.

    Stress hours are, in each draw and calendar year, the ``hours_per_year`` hours of highest
    total national load over the whole year (only those above ``threshold_mw``, when given),
    whatever part of it a projection's period holds. In them a share ``share`` of the AI load
    curtails (its energy is lost) or shifts (its energy moves to the same day's other hours, in
    proportion to their room below the stress level and below the region's full load, its
    hosted nameplate at the hour's PUE, so no hour rises above either; what finds no room is
    curtailed). ``from_year``, when given, is the first calendar
    year the arrangement runs in (a programme that starts later): before it nothing gives way.
    """

    share: Quantity
    mode: Literal["curtail", "shift"] = "curtail"
    hours_per_year: int = Field(ge=1, le=2000)
    threshold_mw: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    from_year: int | None = Field(default=None, ge=2000, le=2100)
    source: str | None = None

    _coerce = field_validator("share", mode="before")(classmethod(lambda cls, v: _as_quantity(v)))

    @model_validator(mode="after")
    def _ranges(self) -> Flexibility:
        _check_ranges(self, "Flexibility")
        return self


class Scenario(_Strict):
    """A complete projection scenario (one TOML file)."""

    schema_version: Literal[2] = SCHEMA_VERSION
    id: str = Field(pattern=SCENARIO_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=300)
    country: str = Field(pattern=COUNTRY_PATTERN)
    # Required: the hours, days and years are counted in it (a scenario without one was read
    # in UTC, cutting a Japanese scenario's days at 09:00 JST without a word).
    timezone: str
    regions: list[str] = Field(default_factory=lambda: ["national"], min_length=1, max_length=20)
    # Display names of the regions (``capital = "수도권 (서울·인천·경기)"``) for tables and
    # reports; the ids stay ASCII for the files' columns and the sweep's paths.
    region_labels: dict[str, str] = Field(default_factory=dict)
    hosting: Literal["sites", "unconstrained"] | None = None
    # None: the country's default location (forecast.weather.locations); checked on parsing.
    weather_location: str | None = Field(default=None, pattern=WEATHER_LOCATION_PATTERN)
    # None: the promoted baseline model trained for the country (forecast.baseline.artifacts);
    # "none": no baseline model (a region or country no trained model describes).
    baseline_model: str | None = Field(default=None, pattern=BASELINE_MODEL_PATTERN)
    # Bounded like every other list and text: a file of three million tags was accepted
    # (490 MB) before (security review, 2026-12).
    notes: str | None = Field(default=None, max_length=MAX_NOTES_LENGTH)
    # One line each, printed under every projection's summary and kept in its attribute
    # ``caveats``: the notes reach no output, and a planner running kr-outlook never learnt
    # that the Korean figures for its non-AI load conflict (source audit, 2026-12).
    caveats: list[Annotated[str, Field(min_length=1, max_length=MAX_CAVEAT_LENGTH)]] = Field(
        default_factory=list, max_length=MAX_CAVEATS
    )
    tags: list[Annotated[str, Field(max_length=MAX_TAG_LENGTH)]] = Field(
        default_factory=list, max_length=MAX_TAGS
    )
    horizon: Horizon
    operations: Operations = Field(default_factory=Operations)
    deployments: list[Deployment] = Field(default_factory=list, max_length=MAX_DEPLOYMENTS)
    sites: list[Site] = Field(default_factory=list, max_length=MAX_SITES)
    non_ai_loads: list[NonAiLoad] = Field(default_factory=list, max_length=50)
    grid: dict[str, RegionGrid] = Field(default_factory=dict)
    flexibility: Flexibility | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, tz: str) -> str:
        from forecast.calendar import is_time_zone

        if not is_time_zone(tz):
            raise ValueError(
                f"not an IANA time zone name; allowed: a name such as {TIME_ZONE_EXAMPLES}"
            )
        return tz

    @field_validator("regions")
    @classmethod
    def _regions(cls, regions: list[str]) -> list[str]:
        for region in regions:
            # The field's name comes first in the error already ("regions: ..."): a Korean planner
            # read "regions: regions: '수도권' ...".
            if not re.fullmatch(r"[a-z0-9_]{1,40}", region):
                raise ValueError(
                    f"{region!r}: allowed: an id of a-z, 0-9 and _, 1-40 characters (a display "
                    "name goes in [region_labels])"
                )
        if len(set(regions)) != len(regions):
            raise ValueError(f"{regions}: names must be unique")
        return regions

    @field_validator("caveats")
    @classmethod
    def _caveats(cls, caveats: list[str]) -> list[str]:
        for i, caveat in enumerate(caveats):
            if "\n" in caveat or "\r" in caveat or caveat != caveat.strip():
                raise ValueError(
                    f"[{i}] = {caveat!r}: allowed: one line of 1-{MAX_CAVEAT_LENGTH} "
                    "characters, without line breaks or leading or trailing spaces"
                )
        return caveats

    @field_validator("region_labels")
    @classmethod
    def _region_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for region, label in labels.items():
            if not 1 <= len(label.strip()) <= REGION_LABEL_MAX_LENGTH or label != label.strip():
                raise ValueError(
                    f"{region} = {label!r}: allowed: 1-{REGION_LABEL_MAX_LENGTH} characters, "
                    "without leading or trailing spaces"
                )
        return labels

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        regions = set(self.regions)
        for i, deployment in enumerate(self.deployments):
            if deployment.region_shares is None and len(self.regions) > 1:
                raise ValueError(
                    f"deployments[{i}].region_shares: required when the scenario has more "
                    f"than one region ({', '.join(self.regions)})"
                )
            for key in deployment.region_shares or {}:
                if key not in regions:
                    raise ValueError(
                        f"deployments[{i}] ({deployment.name!r}).region_shares.{key}: unknown "
                        "region; "
                        f"allowed: {sorted(regions)}"
                    )
        for i, site in enumerate(self.sites):
            if site.region is not None and site.region not in regions:
                raise ValueError(
                    f"sites[{i}] ({site.name!r}).region = {site.region!r}: unknown region; "
                    f"allowed: {sorted(regions)}"
                )
        if not self.deployments and not self.sites and not self.non_ai_loads:
            raise ValueError(
                "a scenario needs at least one [[deployments]], [[sites]] or [[non_ai_loads]] "
                "entry: nothing would draw power"
            )
        if self.hosting == "sites" and not (self.sites and self.deployments):
            raise ValueError(
                "hosting = 'sites' needs both [[deployments]] (what is hosted) and [[sites]] "
                "(where); leave hosting out to let the entries decide"
            )
        if self.hosting == "unconstrained" and not self.deployments:
            raise ValueError("hosting = 'unconstrained' needs at least one [[deployments]] entry")
        for i, load in enumerate(self.non_ai_loads):
            if load.region is not None and load.region not in regions:
                raise ValueError(
                    f"non_ai_loads[{i}] ({load.name!r}).region = {load.region!r}: unknown region; "
                    f"allowed: {sorted(regions)}"
                )
            for where, shares in _share_points(load.region_shares):
                for key in shares:
                    if key not in regions:
                        raise ValueError(
                            f"non_ai_loads[{i}] ({load.name!r}).region_shares{where}.{key}: "
                            f"unknown region; allowed: {sorted(regions)}"
                        )
        for region in self.grid:
            if region not in regions:
                raise ValueError(f"grid.{region}: unknown region; allowed: {sorted(regions)}")
        for region in self.region_labels:
            if region not in regions:
                raise ValueError(
                    f"region_labels.{region}: unknown region; allowed: {sorted(regions)}"
                )
        return self

    def region_label(self, region: str) -> str:
        """The region's display name (``region_labels``), or its id."""
        return self.region_labels.get(region, region)

    def region_of(self, entry: Site | NonAiLoad) -> str:
        """The region of a site or non-AI load: its own, or the scenario's first (a load split
        by ``region_shares``: see :meth:`regions_of`)."""
        return entry.region or self.regions[0]

    def regions_of(self, load: NonAiLoad) -> list[str]:
        """The regions a non-AI load draws power in: those with a share above 0 at any point
        of its ``region_shares``, else its one region; in the scenario's order."""
        if load.region_shares is None:
            return [self.region_of(load)]
        points = _share_points(load.region_shares)
        held = {key for _, shares in points for key, share in shares.items() if share > 0}
        return [region for region in self.regions if region in held]

    @property
    def hosting_reading(self) -> str:
        """``hosted``, ``unconstrained`` or ``sites``: how the AI load relates to the sites.

        Deployments with sites are hosted in them (unless ``hosting = "unconstrained"``);
        deployments without sites are unconstrained; sites without deployments carry only
        their own tenants.
        """
        if not self.deployments:
            return "sites"
        if not self.sites or self.hosting == "unconstrained":
            return "unconstrained"
        return "hosted"

    def accelerator_ids(self) -> set[str]:
        """Every accelerator id the scenario refers to."""
        ids: set[str] = set()
        for mixes in self._mixes():
            ids.update(mixes)
        return ids

    def _mixes(self):
        for entry in self.operations.replacement_mix or []:
            yield entry.mix
        for deployment in self.deployments:
            for entry in (
                *deployment.milestones,
                *deployment.shipments,
                *deployment.compute_targets,
                *(deployment.replacement_mix or []),
            ):
                yield entry.mix
