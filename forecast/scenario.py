"""Scenario format: pydantic models for the TOML files in ``data/scenarios/`` and POST bodies.

A scenario says which accelerators are deployed when (``deployments``), which data centres are
built where (``sites``), how they operate (``operations``), over which ``horizon`` and in which
``regions``. Every uncertain number is a :class:`Quantity`: fixed, triangular, uniform,
lognormal or beta, with the source it comes from. The format is documented in the README
("Scenario format") and validated here; errors name the file, the field, the value and what is
allowed, in one line.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from forecast.errors import NotFoundError, ScenarioError
from forecast.paths import scenarios_dir

SCHEMA_VERSION = 1
MAX_MILESTONES = 200
MAX_SITES = 500
MAX_DEPLOYMENTS = 50
MAX_HORIZON_YEARS = 30
# No baseline model or scenario is meaningful outside these years, and calendar arithmetic
# (pandas nanosecond timestamps) overflows past 2262.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
SCENARIO_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"

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


def _check_range(name: str, quantity: Any, low: float, high: float, *, low_open: bool = False):
    """Raise a ValueError when any value the quantity can take lies outside [low, high]."""
    if quantity is None:
        return quantity
    lo, hi = quantity.bounds()
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


class Operations(_Strict):
    """How the hardware runs; every field has a documented default (see README, Defaults)."""

    load_factor: Quantity | None = None
    pue: Quantity | None = None
    pue_temperature_slope_per_c: Quantity | None = None
    pue_reference_temperature_c: Quantity | None = None
    lifetime_years: Quantity | None = None
    lifetime_weibull_shape: Quantity | None = None
    inference_share: Quantity | None = None
    inference_peak_to_mean: Quantity | None = None
    inference_peak_hour: Quantity | None = None
    inference_weekend_factor: Quantity | None = None
    cooling: Cooling = "air"

    _coerce = field_validator("*", mode="before")(
        classmethod(lambda cls, v: v if isinstance(v, str) else _as_quantity(v))
    )

    @model_validator(mode="after")
    def _ranges(self) -> Operations:
        for name in FIXED_ONLY_OPERATIONS:
            _check_fixed(name, getattr(self, name))
        _check_range("load_factor", self.load_factor, 0.0, 1.0, low_open=True)
        _check_range("pue", self.pue, 1.0, 5.0)
        _check_range("pue_temperature_slope_per_c", self.pue_temperature_slope_per_c, 0.0, 0.1)
        _check_range("pue_reference_temperature_c", self.pue_reference_temperature_c, -30, 45)
        _check_range("lifetime_years", self.lifetime_years, 0.0, 50.0, low_open=True)
        _check_range("lifetime_weibull_shape", self.lifetime_weibull_shape, 0.2, 20.0)
        _check_range("inference_share", self.inference_share, 0.0, 1.0)
        _check_range("inference_peak_to_mean", self.inference_peak_to_mean, 1.0, 3.0)
        _check_range("inference_peak_hour", self.inference_peak_hour, 0.0, 24.0)
        _check_range(
            "inference_weekend_factor", self.inference_weekend_factor, 0.0, 2.0, low_open=True
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


class Milestone(_Strict):
    """Cumulative installed (in-service) accelerators at a date."""

    date: dt.date
    count: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    mix: dict[str, float]
    source: str | None = None

    _mix = field_validator("mix")(classmethod(lambda cls, v: _check_mix(v)))


class Shipment(_Strict):
    """Accelerators installed evenly between two dates (added to the milestone path)."""

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
    """ "N x the installed compute at ``relative_to`` by ``date``", met with ``mix`` additions."""

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
    """A fleet of accelerators: milestones, shipments and compute targets."""

    name: str = Field(min_length=1, max_length=120)
    region_shares: dict[str, float] | None = None
    after_last: Literal["hold", "retire"] = "hold"
    milestones: list[Milestone] = Field(default_factory=list, max_length=MAX_MILESTONES)
    shipments: list[Shipment] = Field(default_factory=list, max_length=MAX_MILESTONES)
    compute_targets: list[ComputeTarget] = Field(default_factory=list, max_length=MAX_MILESTONES)
    source: str | None = None

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
    """A data-centre buildout: IT capacity, when, where, how likely."""

    name: str = Field(min_length=1, max_length=120)
    region: str | None = None
    it_mw: Quantity
    commissioning: dt.date
    ramp_months: Quantity | None = None
    status: Status
    build_probability: Quantity | None = None
    delay_months: Quantity | None = None
    pue: Quantity | None = None
    cooling: Cooling = "air"
    inference_share: Quantity | None = None
    load_factor: Quantity | None = None
    source: str | None = None

    _coerce = field_validator(
        "it_mw",
        "ramp_months",
        "build_probability",
        "delay_months",
        "pue",
        "inference_share",
        "load_factor",
        mode="before",
    )(classmethod(lambda cls, v: _as_quantity(v)))

    @model_validator(mode="after")
    def _ranges(self) -> Site:
        _check_fixed("ramp_months", self.ramp_months)
        _check_range("it_mw", self.it_mw, 0.0, 100_000.0)
        _check_range("ramp_months", self.ramp_months, 0.0, 240.0)
        _check_range("build_probability", self.build_probability, 0.0, 1.0)
        _check_range("delay_months", self.delay_months, 0.0, 240.0)
        _check_range("pue", self.pue, 1.0, 5.0)
        _check_range("inference_share", self.inference_share, 0.0, 1.0)
        _check_range("load_factor", self.load_factor, 0.0, 1.0, low_open=True)
        return self


class Scenario(_Strict):
    """A complete projection scenario (one TOML file)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=SCENARIO_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=300)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    timezone: str = "UTC"
    regions: list[str] = Field(default_factory=lambda: ["national"], min_length=1, max_length=20)
    basis: Literal["fleet", "sites"]
    weather_location: str = Field(default="seoul", pattern=r"^[a-z0-9_-]+$")
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    horizon: Horizon
    operations: Operations = Field(default_factory=Operations)
    deployments: list[Deployment] = Field(default_factory=list, max_length=MAX_DEPLOYMENTS)
    sites: list[Site] = Field(default_factory=list, max_length=MAX_SITES)

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
        if self.basis == "fleet" and not self.deployments:
            raise ValueError("basis = 'fleet' needs at least one [[deployments]] entry")
        if self.basis == "sites" and not self.sites:
            raise ValueError("basis = 'sites' needs at least one [[sites]] entry")
        return self

    def accelerator_ids(self) -> set[str]:
        """Every accelerator id the scenario refers to."""
        ids: set[str] = set()
        for deployment in self.deployments:
            for entry in (
                *deployment.milestones,
                *deployment.shipments,
                *deployment.compute_targets,
            ):
                ids.update(entry.mix)
        return ids


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
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, origin=origin)) from None
    _check_accelerators(scenario, origin=origin)
    return scenario


def _check_accelerators(scenario: Scenario, *, origin: str) -> None:
    from forecast.catalog import load_catalog

    catalog = load_catalog()
    for i, deployment in enumerate(scenario.deployments):
        for kind in ("milestones", "shipments", "compute_targets"):
            for j, entry in enumerate(getattr(deployment, kind)):
                for accelerator_id in entry.mix:
                    if accelerator_id not in catalog.ids:
                        raise ScenarioError(
                            f"{origin}: deployments[{i}].{kind}[{j}].mix.{accelerator_id}: "
                            f"unknown accelerator; allowed: {', '.join(sorted(catalog.ids))}"
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
