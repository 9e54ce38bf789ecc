"""Uncertain numbers of a scenario: distributions with their source, trends, and their checks.

Part of :mod:`forecast.scenario`; the package's ``__init__`` lists the public names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from forecast.errors import allowed_range
from forecast.scenario.defaults import FIRST_DATE, LAST_DATE, MAX_TREND_POINTS, RANGES

# C0 and C1 controls but tab, newline and carriage return; DEL; UTF-16 surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_low_high(low: float, high: float, *, above: bool = False) -> None:
    """Refuse a distribution's ``high`` below its ``low`` (``above``: equal to it too)."""
    if high < low or (above and high == low):
        least = "above" if above else "of at least"
        raise ValueError(f"high = {high:g}: allowed: a number {least} low = {low:g}")


def check_increasing_dates(dates: Sequence[dt.date], field: str) -> None:
    """Refuse dated entries out of date order (``field``: the list, ``milestones``; empty for
    a trend's points), naming the first entry not after the one before it."""
    for i in range(1, len(dates)):
        if dates[i] <= dates[i - 1]:
            raise ValueError(
                f"{field}[{i}].date = {dates[i]}: allowed: a date after {field}[{i - 1}].date = "
                f"{dates[i - 1]} (dates increase)"
            )


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
        _check_low_high(self.low, self.high)
        if not self.low <= self.mode <= self.high:
            allowed = allowed_range("a number", low=self.low, high=self.high)
            raise ValueError(f"mode = {self.mode:g}: allowed: {allowed} (low..high)")
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
        _check_low_high(self.low, self.high)
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
        _check_low_high(self.low, self.high, above=True)
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


def _check_fixed(name: str, quantity: Any) -> None:
    if quantity is not None and not isinstance(quantity, Fixed):
        raise ValueError(
            f"{name} = {quantity.dist} distribution: allowed: a fixed number (it applies to "
            "every draw alike; vary it with `forecast sweep`)"
        )


Quantity = Annotated[Distribution, Field(description="A number or a distribution with its source.")]


def _calendar_date(value: Any) -> Any:
    """A date is a date (TOML ``2030-01-01``) or text written YYYY-MM-DD (JSON): pydantic alone
    would also take a number, or digits such as ``"20300101"``, as seconds since 1970."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric or (isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise PydanticCustomError(
            "date_type", "allowed: a date written YYYY-MM-DD, e.g. 2030-01-01"
        )
    return value


def _within_bounds(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        message = f"allowed: a date from {FIRST_DATE} to {LAST_DATE}"
        raise PydanticCustomError("date_range", message)
    return value


CalendarDate = Annotated[dt.date, BeforeValidator(_calendar_date), AfterValidator(_within_bounds)]


class TrendPoint(_Strict):
    """One dated value of a :class:`Trend`: a quantity in effect at the start of ``date``."""

    date: CalendarDate
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
        check_increasing_dates([point.date for point in points], "")
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
