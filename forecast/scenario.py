"""Scenario format: pydantic models for the TOML files in ``data/scenarios/`` and POST bodies.

A scenario says which accelerators are deployed when (``deployments``), which data centres are
built where (``sites``), how they operate (``operations``), over which ``horizon`` and in which
``regions``. Accelerators of the deployment plans run only in built data-centre capacity of their
region (when the scenario has sites); the capacity they leave free can carry the sites' own
tenants. Every uncertain number is a :class:`Quantity`: fixed, triangular, uniform, lognormal or
beta, with the source it comes from; operating figures may change over time as a :class:`Trend`
(dated quantities, interpolated). The format is documented in the README ("Scenario format") and
validated here; errors name the file, the field, the value and what is allowed, in one line.

Schema version 2 is current. Version 1 files (``basis``, ``it_mw``) are read by
:func:`upgrade_v1`, which says what changed in their reading.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from forecast.errors import NotFoundError, ScenarioError
from forecast.paths import scenarios_dir

SCHEMA_VERSION: Final = 2
MAX_MILESTONES = 200
MAX_SITES = 500
MAX_DEPLOYMENTS = 50
MAX_HORIZON_YEARS = 30
MAX_TREND_POINTS = 50
# No baseline model or scenario is meaningful outside these years, and calendar arithmetic
# (pandas nanosecond timestamps) overflows past 2262.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
SCENARIO_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
#: ``country``: an ISO 3166-1 alpha-2 code, or ``world`` for a case with no national calendar
#: and no national grid (global or multi-country studies: no holidays, no baseline model).
COUNTRY_PATTERN = r"^([A-Z]{2}|world)$"
WORLD = "world"

Status = Literal["operating", "under_construction", "announced", "speculative"]
Cooling = Literal["air", "hybrid", "liquid"]

# Build probability and commissioning delay by status when a site gives none.
# Assumption: no facts.csv row gives realisation rates of Korean announcements; FACTS.md notes
# that KEPCO requests are ~55 % duplicates and that announced pipelines are not forecasts.
# Ranges considered: announced 0.3-0.7, speculative 0.1-0.3.
STATUS_DEFAULTS: dict[str, dict[str, Any]] = {
    "operating": {"build_probability": 1.0, "delay_months": (0.0, 0.0, 0.0)},
    "under_construction": {"build_probability": 0.9, "delay_months": (0.0, 3.0, 12.0)},
    "announced": {"build_probability": 0.5, "delay_months": (0.0, 12.0, 36.0)},
    "speculative": {"build_probability": 0.2, "delay_months": (6.0, 24.0, 60.0)},
}

# PUE temperature slope multiplier by cooling type. Assumption: liquid-cooled halls reject most
# heat through warm-water loops that need little chiller work; air-cooled halls the most.
# Ranges considered: hybrid 0.4-0.8, liquid 0.2-0.5 of the air-cooled slope.
COOLING_SLOPE_FACTOR: dict[str, float] = {"air": 1.0, "hybrid": 0.6, "liquid": 0.3}


def month_number(date: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by 1 (a scenario's time step)."""
    return date.year * 12 + date.month - 1


# C0 and C1 controls but tab, newline and carriage return; DEL; UTF-16 surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_text(value: Any, name: str) -> None:
    """Refuse control characters (tab, newline and carriage return aside) and lone surrogates
    in text, and in the keys and items of tables and lists: a NUL cannot be written to NetCDF,
    and no name or note needs one."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        if found is not None:
            raise ValueError(
                f"character U+{ord(found.group()):04X} at position {found.start()}: control "
                f"characters are not allowed in {name}"
            )
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, name)
            _check_text(item, name)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        _check_text(value, str(info.field_name))
        return value


class Fixed(_Strict):
    """A number known exactly (or taken as known)."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(allow_inf_nan=False)
    source: str | None = None

    def bounds(self) -> tuple[float, float]:
        return (self.value, self.value)

    def central(self) -> float:
        return self.value


class Triangular(_Strict):
    """Triangular distribution on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high, got low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def central(self) -> float:
        return self.mode


class Uniform(_Strict):
    """Uniform distribution on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"needs low <= high, got low={self.low}, high={self.high}")
        return self

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def central(self) -> float:
        return 0.5 * (self.low + self.high)


class Lognormal(_Strict):
    """Lognormal distribution given by its median and the standard deviation of its log."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(ge=0, le=3, allow_inf_nan=False)
    source: str | None = None

    def bounds(self) -> tuple[float, float]:
        return (0.0, float("inf"))

    def central(self) -> float:
        return self.median


class Beta(_Strict):
    """Beta(alpha, beta) distribution rescaled to [low, high]."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0, allow_inf_nan=False)
    beta: float = Field(gt=0, allow_inf_nan=False)
    low: float = Field(default=0.0, allow_inf_nan=False)
    high: float = Field(default=1.0, allow_inf_nan=False)
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def central(self) -> float:
        return self.low + (self.high - self.low) * self.alpha / (self.alpha + self.beta)


Distribution = Annotated[
    Fixed | Triangular | Uniform | Lognormal | Beta, Field(discriminator="dist")
]


def _as_quantity(value: Any) -> Any:
    """Accept a bare number as a fixed quantity, and a table without ``dist`` as fixed."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value and "value" in value:
        return {"dist": "fixed", **value}
    return value


def _as_quantity_or_trend(value: Any) -> Any:
    """A list of dated quantities is a :class:`Trend`; anything else a quantity."""
    if isinstance(value, list):
        return {"points": value}
    return _as_quantity(value)


def _bounds(quantity: Any) -> tuple[float, float]:
    """Smallest and largest value a quantity or a trend can take."""
    if isinstance(quantity, Trend):
        ranges = [point.quantity.bounds() for point in quantity.points]
        return min(low for low, _ in ranges), max(high for _, high in ranges)
    return quantity.bounds()


@dataclass(frozen=True)
class Range:
    """Values a quantity may take: ``[low, high]``, or ``(low, high]`` when ``low_open``."""

    low: float
    high: float
    low_open: bool = False


#: The allowed range of every bounded quantity of the format, by model and field: the one
#: statement the validators check and the API hands to forms.
RANGES: dict[str, dict[str, Range]] = {
    "Operations": {
        "load_factor": Range(0.0, 1.0, low_open=True),
        "pue": Range(1.0, 5.0),
        "pue_temperature_slope_per_c": Range(0.0, 0.1),
        "pue_reference_temperature_c": Range(-30.0, 45.0),
        "lifetime_years": Range(0.0, 50.0, low_open=True),
        "lifetime_weibull_shape": Range(0.2, 20.0),
        "inference_share": Range(0.0, 1.0),
        "inference_peak_to_mean": Range(1.0, 3.0),
        "inference_peak_hour": Range(0.0, 24.0),
        "inference_weekend_factor": Range(0.0, 2.0, low_open=True),
    },
    # Negative delays are early deliveries (a range "end-2027 to end-2030" around end-2028).
    "_Delivery": {"delay_months": Range(-120.0, 240.0), "count_factor": Range(0.0, 10.0)},
    "Deployment": {
        "delivery_delay_months": Range(-120.0, 240.0),
        "count_factor": Range(0.0, 10.0),
    },
    "NonAiLoad": {
        "installed": Range(0.0, 1e10),
        "power_w": Range(0.0, 1e6),
        "utilisation": Range(0.0, 1.0),
        "energy_twh": Range(0.0, 10_000.0),
        "pue": Range(1.0, 5.0),
    },
    "Reinforcement": {"mw": Range(0.0, 1e6), "delay_months": Range(0.0, 240.0)},
    "RegionGrid": {"limit_mw": Range(0.0, 1e7)},
    "Flexibility": {"share": Range(0.0, 1.0)},
    "Site": {
        "capacity_mw": Range(0.0, 100_000.0),
        "ramp_months": Range(0.0, 240.0),
        "build_probability": Range(0.0, 1.0),
        "delay_months": Range(0.0, 240.0),
        "pue": Range(1.0, 5.0),
        "inference_share": Range(0.0, 1.0),
        "load_factor": Range(0.0, 1.0, low_open=True),
        "tenant_occupancy": Range(0.0, 1.0),
    },
}


def _check_ranges(model: BaseModel, table: str) -> None:
    """Check every field of ``model`` that :data:`RANGES` bounds under ``table``."""
    for name, allowed in RANGES[table].items():
        _check_range(
            name, getattr(model, name), allowed.low, allowed.high, low_open=allowed.low_open
        )


def _check_range(name: str, quantity: Any, low: float, high: float, *, low_open: bool = False):
    """Raise a ValueError when a value the quantity (or trend) can take is outside [low, high]."""
    if quantity is None:
        return quantity
    lo, hi = _bounds(quantity)
    below = lo <= low if low_open else lo < low
    if below or hi > high:
        shown = quantity.value if isinstance(quantity, Fixed) else f"{lo}..{hi}"
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} = {shown}: allowed range is {bracket}{low}, {high}]")
    return quantity


# Inputs that shape every draw's hourly profile the same way: a distribution would have to be
# collapsed to one value, so the format refuses it rather than ignore it silently.
FIXED_ONLY_OPERATIONS = (
    "pue_reference_temperature_c",
    "lifetime_weibull_shape",
    "inference_peak_to_mean",
    "inference_peak_hour",
    "inference_weekend_factor",
)


def _check_fixed(name: str, quantity: Any) -> None:
    if quantity is not None and not isinstance(quantity, Fixed):
        raise ValueError(
            f"{name} = {quantity.dist} distribution: must be a fixed number (it applies to "
            "every draw alike; vary it with `forecast sweep`)"
        )


Quantity = Annotated[Distribution, Field(description="A number or a distribution with its source.")]


class TrendPoint(_Strict):
    """One dated value of a :class:`Trend`: a quantity in effect at the start of ``date``."""

    date: dt.date
    quantity: Distribution

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        # In a file a point is written flat: {date = ..., dist = ..., low = ..., source = ...}.
        if isinstance(data, dict) and "quantity" not in data:
            rest = {key: value for key, value in data.items() if key != "date"}
            return {"date": data.get("date"), "quantity": _as_quantity(rest)}
        return data

    @model_serializer(mode="wrap")
    def _flat(self, handler: Any) -> dict[str, Any]:
        dumped = handler(self)
        return {"date": dumped["date"], **dumped["quantity"]}


class Trend(_Strict):
    """A quantity that changes over time: dated values, linear in time between them.

    Before the first date the first value holds, after the last date the last one. In a draw
    every point is taken at the same quantile of its own distribution (one uniform number per
    trend and draw), so a draw that is high in 2024 stays high in 2030: the trend's shape is
    what the points say, and its spread is the points' spread.
    """

    points: list[TrendPoint] = Field(min_length=1, max_length=MAX_TREND_POINTS)

    @field_validator("points")
    @classmethod
    def _in_order(cls, points: list[TrendPoint]) -> list[TrendPoint]:
        for i in range(1, len(points)):
            if points[i].date <= points[i - 1].date:
                raise ValueError(
                    f"[{i}].date = {points[i].date} is not after [{i - 1}].date = "
                    f"{points[i - 1].date}: trend points must be in increasing date order"
                )
        return points

    @model_serializer(mode="wrap")
    def _as_list(self, handler: Any) -> list[dict[str, Any]]:
        return handler(self)["points"]

    def central(self) -> float:
        """The first point's central value (where one number must stand for the trend)."""
        return self.points[0].quantity.central()


QuantityOrTrend = Annotated[
    Distribution | Trend,
    Field(description="A number, a distribution with its source, or a list of dated ones."),
]


class Horizon(_Strict):
    start: dt.date = Field(ge=FIRST_DATE, le=LAST_DATE)
    end: dt.date = Field(ge=FIRST_DATE, le=LAST_DATE)

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end < self.start:
            raise ValueError(
                f"end = {self.end} is before start = {self.start}: end must be on or after start"
            )
        years = self.end.year - self.start.year + 1
        if years > MAX_HORIZON_YEARS:
            raise ValueError(
                f"horizon {self.start}..{self.end} spans {years} years: at most "
                f"{MAX_HORIZON_YEARS} allowed"
            )
        return self


def _check_mix(mix: dict[str, float]) -> dict[str, float]:
    if not mix:
        raise ValueError("mix is empty: give at least one accelerator id with its share")
    for key, share in mix.items():
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"mix.{key} = {share}: a share must be in [0, 1]")
    total = sum(mix.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"mix shares sum to {total:g}: they must sum to 1")
    return mix


class DatedMix(_Strict):
    """The accelerator mix that replaces retired accelerators from ``date`` on."""

    date: dt.date
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))


def _check_dated_mixes(mixes: list[DatedMix] | None) -> list[DatedMix] | None:
    for i in range(1, len(mixes or [])):
        assert mixes is not None
        if mixes[i].date <= mixes[i - 1].date:
            raise ValueError(
                f"replacement_mix[{i}].date = {mixes[i].date} is not after "
                f"replacement_mix[{i - 1}].date = {mixes[i - 1].date}: dates must increase"
            )
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

    date: dt.date
    count: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))


class Shipment(_Delivery):
    """Accelerators delivered evenly between two dates: gross additions, which retire.

    ``delay_months`` shifts both dates in each draw; ``count_factor`` multiplies the count.
    """

    start: dt.date
    end: dt.date
    count: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))

    @model_validator(mode="after")
    def _ordered(self) -> Shipment:
        if self.end < self.start:
            raise ValueError(f"end = {self.end} is before start = {self.start}")
        return self


class ComputeTarget(_Strict):
    """ "N x the installed compute at ``relative_to`` by ``date``", topped up with ``mix``.

    Only what the plan's milestones and shipments leave short at ``date`` is added, phased in
    linearly from the plan's last dated entry before ``date`` (or ``relative_to``, if later).
    """

    date: dt.date
    multiple: float = Field(gt=0, le=1e4, allow_inf_nan=False)
    relative_to: dt.date
    metric: Literal["bf16_dense_tflops", "fp8_dense_tflops"] = "bf16_dense_tflops"
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))

    @model_validator(mode="after")
    def _ordered(self) -> ComputeTarget:
        if self.date <= self.relative_to:
            raise ValueError(f"date = {self.date} must be after relative_to = {self.relative_to}")
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
        for i in range(1, len(milestones)):
            if milestones[i].date <= milestones[i - 1].date:
                raise ValueError(
                    f"milestones[{i}].date = {milestones[i].date} is not after "
                    f"milestones[{i - 1}].date = {milestones[i - 1].date}: milestones must be "
                    "in increasing date order"
                )
        return milestones

    @field_validator("region_shares")
    @classmethod
    def _shares(cls, shares: dict[str, float] | None) -> dict[str, float] | None:
        if shares is None:
            return shares
        for key, share in shares.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"region_shares.{key} = {share}: a share must be in [0, 1]")
        total = sum(shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"region_shares sum to {total:g}: they must sum to 1")
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
    """

    name: str = Field(min_length=1, max_length=120)
    region: str | None = None
    capacity_mw: Quantity
    capacity_kind: Literal["grid", "it"]
    commissioning: dt.date
    ramp_months: Quantity | None = None
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
        "capacity_mw", "ramp_months", "build_probability", "delay_months", mode="before"
    )(classmethod(lambda cls, v: _as_quantity(v)))
    _coerce_trends = field_validator(
        "pue", "inference_share", "load_factor", "tenant_occupancy", mode="before"
    )(classmethod(lambda cls, v: _as_quantity_or_trend(v)))

    @model_validator(mode="after")
    def _ranges(self) -> Site:
        _check_fixed("ramp_months", self.ramp_months)
        _check_ranges(self, "Site")
        return self


class NonAiLoad(_Strict):
    """Data-centre load that is not AI: conventional servers, storage, network, other IT.

    Built bottom-up as LBNL and IEA build it: IT power = ``installed`` units x ``power_w`` per
    unit x ``utilisation`` (average draw / ``power_w``), or, where only energy is known,
    ``energy_twh`` of IT energy a year. Any of these may be a trend. The load is flat through
    the day and goes through the same PUE and temperature treatment as the AI load (the
    scenario's PUE unless the component states its own). ``hosted = true`` makes it take room
    in its region's sites before the deployment plans' accelerators (incumbent load in the same
    halls); by default it runs in halls the scenario does not list (existing data centres).
    """

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["servers", "storage", "network", "other"]
    region: str | None = None
    installed: QuantityOrTrend | None = None
    power_w: QuantityOrTrend | None = None
    utilisation: QuantityOrTrend | None = None
    energy_twh: QuantityOrTrend | None = None
    pue: QuantityOrTrend | None = None
    hosted: bool = False
    in_baseline: bool = False
    source: str | None = None

    _coerce = field_validator(
        "installed", "power_w", "utilisation", "energy_twh", "pue", mode="before"
    )(classmethod(lambda cls, v: _as_quantity_or_trend(v)))

    @model_validator(mode="after")
    def _one_way(self) -> NonAiLoad:
        _check_ranges(self, "NonAiLoad")
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


class Reinforcement(_Strict):
    """A grid reinforcement that adds connection capacity to a region from a date."""

    date: dt.date
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

    Stress hours are, in each draw and year, the ``hours_per_year`` hours of highest total
    national load (only those above ``threshold_mw``, when given). In them a share ``share`` of
    the AI load curtails (its energy is lost) or shifts (its energy moves to the same day's
    other hours, in proportion to their room below the stress level, so no hour rises above
    it; what finds no room is curtailed).
    """

    share: Quantity
    mode: Literal["curtail", "shift"] = "curtail"
    hours_per_year: int = Field(ge=1, le=2000)
    threshold_mw: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    source: str | None = None

    _coerce = field_validator("share", mode="before")(classmethod(lambda cls, v: _as_quantity(v)))

    @model_validator(mode="after")
    def _ranges(self) -> Flexibility:
        _check_ranges(self, "Flexibility")
        return self


#: How the AI load relates to the sites (``Scenario.hosting_reading``), as the output states it.
HOSTING_READINGS: dict[str, str] = {
    "hosted": "accelerators of the deployment plans run only in built, energised capacity of "
    "their region; the rest wait and draw nothing",
    "unconstrained": "unconstrained hosting: every accelerator of the deployment plans is "
    "assumed to have a hall to run in",
    "sites": "sites only: the load is what the sites' own tenants draw (no deployment plans)",
}


class Scenario(_Strict):
    """A complete projection scenario (one TOML file)."""

    schema_version: Literal[2] = SCHEMA_VERSION
    id: str = Field(pattern=SCENARIO_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=300)
    country: str = Field(pattern=COUNTRY_PATTERN)
    timezone: str = "UTC"
    regions: list[str] = Field(default_factory=lambda: ["national"], min_length=1, max_length=20)
    hosting: Literal["sites", "unconstrained"] | None = None
    # None: the country's default location (forecast.weather.locations); checked on parsing.
    weather_location: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # None: the promoted baseline model trained for the country (forecast.artifacts).
    baseline_model: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9][A-Za-z0-9._-]*)?$"
    )
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
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
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone = {tz!r}: not an IANA time zone name") from None
        return tz

    @field_validator("regions")
    @classmethod
    def _regions(cls, regions: list[str]) -> list[str]:
        for region in regions:
            if not re.fullmatch(r"[a-z0-9_]{1,40}", region):
                raise ValueError(f"regions: {region!r} is not a name of [a-z0-9_], 1-40 chars")
        if len(set(regions)) != len(regions):
            raise ValueError(f"regions = {regions}: names must be unique")
        return regions

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
                        f"deployments[{i}].region_shares.{key}: unknown region; "
                        f"allowed: {sorted(regions)}"
                    )
        for i, site in enumerate(self.sites):
            if site.region is not None and site.region not in regions:
                raise ValueError(
                    f"sites[{i}].region = {site.region!r}: unknown region; "
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
                    f"non_ai_loads[{i}].region = {load.region!r}: unknown region; "
                    f"allowed: {sorted(regions)}"
                )
        for region in self.grid:
            if region not in regions:
                raise ValueError(f"grid.{region}: unknown region; allowed: {sorted(regions)}")
        return self

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


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Read a schema-version-1 scenario as version 2.

    Version 1 had ``basis = "fleet" | "sites"`` and sites with ``it_mw``. The upgrade keeps
    every figure: ``it_mw`` becomes ``capacity_mw`` with ``capacity_kind = "it"``; a
    ``sites``-basis scenario keeps only its sites (its deployments never drew power), whose
    tenants fill them as before (``tenant_occupancy`` defaults to 1 without deployments). A
    ``fleet``-basis scenario with sites now *hosts* its accelerators in them: an accelerator with
    no room waits, where version 1 only reported the shortfall.
    """
    upgraded = {key: value for key, value in data.items() if key != "basis"}
    upgraded["schema_version"] = SCHEMA_VERSION
    if data.get("basis") == "sites":
        upgraded.pop("deployments", None)
    sites = []
    for site in data.get("sites") or []:
        if isinstance(site, dict) and "it_mw" in site:
            it_mw = site["it_mw"]
            site = {key: value for key, value in site.items() if key != "it_mw"}
            site.update(capacity_mw=it_mw, capacity_kind="it")
        sites.append(site)
    if "sites" in data:
        upgraded["sites"] = sites
    return upgraded


def _format_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in {"fixed", "triangular", "uniform", "lognormal", "beta"}:
            continue  # the discriminator tag pydantic adds to the path
        elif item.startswith("function-"):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def format_validation_error(error: ValidationError, *, origin: str) -> str:
    """One line: origin, field path, value and what is allowed, for the first error."""
    first = error.errors(include_url=False)[0]
    location = _format_location(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = "" if isinstance(value, dict | list) else f" = {value!r}"
    more = error.error_count() - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    if message.startswith(location.split(".")[-1]) or shown == "":
        return f"{origin}: {location}: {message}{suffix}"
    return f"{origin}: {location}{shown}: {message}{suffix}"


def parse_scenario(data: dict[str, Any], *, origin: str = "scenario") -> Scenario:
    """Validate a scenario from a mapping (a parsed TOML file or a JSON body).

    Raises
    ------
    ScenarioError
        One line naming ``origin``, the field, the value and what is allowed.
    """
    if isinstance(data, dict) and "extends" in data:
        data = extended(data, origin=origin)
    if isinstance(data, dict) and data.get("schema_version", 1) == 1:
        data = upgrade_v1(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, origin=origin)) from None
    _check_accelerators(scenario, origin=origin)
    from forecast.weather.locations import resolve_weather_location

    resolve_weather_location(scenario.country, scenario.weather_location, origin=origin)
    return scenario


#: How many scenarios an ``extends`` chain may pass through.
MAX_EXTENDS_DEPTH = 5


def _merged(base: Any, changes: Any) -> Any:
    """``changes`` over ``base``: tables merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(changes, dict):
        return {key: _merged(base.get(key), value) for key, value in changes.items()} | {
            key: value for key, value in base.items() if key not in changes
        }
    return changes


def extended(data: dict[str, Any], *, origin: str, depth: int = 0) -> dict[str, Any]:
    """A variant's data over its base's: ``extends = "<shipped scenario id>"``.

    The variant gives its own ``id``, ``title`` and ``description`` and whatever it changes;
    tables (``[operations]``, ``[grid.capital]``, ``[flexibility]``) merge key by key with the
    base's, lists (``[[sites]]``, ``[[deployments]]``) and values replace the base's. Only
    shipped scenarios can be extended, so that a variant never reads an arbitrary file.

    Raises
    ------
    ScenarioError
        The base is not a shipped scenario, or the chain is too long or circular.
    """
    base_id = data.get("extends")
    shipped = shipped_scenario_paths()
    if not isinstance(base_id, str) or base_id not in shipped:
        raise ScenarioError(
            f"{origin}: extends = {base_id!r}: must name a shipped scenario; shipped: "
            f"{', '.join(shipped)}"
        )
    if depth >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            f"{origin}: extends = {base_id!r}: more than {MAX_EXTENDS_DEPTH} scenarios in the "
            "chain (is it circular?)"
        )
    try:
        with shipped[base_id].open("rb") as handle:
            base = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{shipped[base_id].name}: malformed TOML: {error}") from None
    if "extends" in base:
        base = extended(base, origin=shipped[base_id].name, depth=depth + 1)
    changes = {key: value for key, value in data.items() if key != "extends"}
    return _merged(base, changes)


def _check_accelerators(scenario: Scenario, *, origin: str) -> None:
    from forecast.catalog import load_catalog

    catalog = load_catalog()
    places = [
        (f"operations.replacement_mix[{j}]", entry)
        for j, entry in enumerate(scenario.operations.replacement_mix or [])
    ]
    for i, deployment in enumerate(scenario.deployments):
        for kind in ("milestones", "shipments", "compute_targets", "replacement_mix"):
            for j, entry in enumerate(getattr(deployment, kind) or []):
                places.append((f"deployments[{i}].{kind}[{j}]", entry))
    for where, entry in places:
        for accelerator_id in entry.mix:
            if accelerator_id not in catalog.ids:
                raise ScenarioError(
                    f"{origin}: {where}.mix.{accelerator_id}: unknown accelerator; "
                    f"allowed: {', '.join(sorted(catalog.ids))}"
                )


def read_scenario_file(path: Path) -> Scenario:
    """Read and validate one scenario TOML file."""
    origin = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such scenario file") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{origin}: malformed TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{origin}: not UTF-8 text: {error.reason}") from None
    scenario = parse_scenario(data, origin=origin)
    return scenario


def shipped_scenario_paths() -> dict[str, Path]:
    """Shipped scenario ids mapped to their files, sorted by id."""
    return {path.stem: path for path in sorted(scenarios_dir().glob("*.toml"))}


def list_scenarios() -> list[Scenario]:
    """Every shipped scenario, validated, sorted by id."""
    return [load_scenario(scenario_id) for scenario_id in shipped_scenario_paths()]


def load_scenario(id_or_path: str | Path) -> Scenario:
    """Load a shipped scenario by id, or any scenario TOML file by path.

    A shipped id must match ``[a-z0-9-]`` and never reaches the file system as a path, so an
    identifier cannot escape the scenarios directory.
    """
    text = str(id_or_path)
    shipped = shipped_scenario_paths()
    if text in shipped:
        scenario = read_scenario_file(shipped[text])
    elif isinstance(id_or_path, Path) or text.endswith(".toml") or "/" in text:
        scenario = read_scenario_file(Path(text))
    else:
        raise NotFoundError(
            f"scenario {text!r}: not a shipped scenario id and not a .toml file; "
            f"shipped: {', '.join(shipped) or '(none)'}"
        )
    if text in shipped and scenario.id != text:
        raise ScenarioError(
            f"{shipped[text].name}: id = {scenario.id!r}: must equal the file stem {text!r}"
        )
    return scenario
