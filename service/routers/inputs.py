"""``/scenarios/{id}/inputs`` (under ``/v1``): what a form needs to edit a scenario, from the
format itself.

For each uncertain input of a shipped scenario (every ``[operations]`` field, each site's build
probability, each region's grid connection limit, the flexible share): the distribution in
effect (the scenario's, or the documented default), its central value and the range the
scenario format allows; and the limits of a projection request (draws, seed, the years a period
may take, milestone counts, stress hours and first year of flexibility). The dashboard reads
these, so it holds no copy of a default, a range, a limit or a distribution's central value.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from forecast.engine.sampling import OPERATION_DEFAULTS, operation
from forecast.errors import NotFoundError
from forecast.projection import MAX_YEARS, observed_weather_years
from forecast.scenario import (
    FIRST_DATE,
    LAST_DATE,
    RANGES,
    SCENARIO_ID_PATTERN,
    STATUS_DEFAULTS,
    Fixed,
    Flexibility,
    Milestone,
    Quantity,
    Scenario,
    Trend,
)
from service.deps import get_ready_state
from service.errors import error_responses
from service.projecting import saved_scenario
from service.routing import ServiceRoute
from service.schemas import ProjectionRequest
from service.state import ServiceState

router = APIRouter(prefix="/scenarios", tags=["scenarios"], route_class=ServiceRoute)


class AllowedRange(BaseModel):
    """Values an input's distribution may take, as the scenario format checks them."""

    low: float = Field(description="Lowest allowed value, in the input's unit.")
    high: float = Field(description="Highest allowed value (inclusive), in the input's unit.")
    low_open: bool = Field(description="True when `low` itself is not allowed.")


def _as_json(quantity: Any) -> dict[str, Any]:
    """A quantity in the scenario format; a trend as ``{"trend": [dated points]}``."""
    dumped = quantity.model_dump(mode="json", exclude_none=True)
    return {"trend": dumped} if isinstance(dumped, list) else dumped


class InputValue(BaseModel):
    """One uncertain input of the scenario as a projection would use it."""

    path: str = Field(
        description="Dotted path into the scenario, as `forecast sweep --vary` takes it "
        "(`operations.pue`, `sites[0].build_probability`, `grid.capital.limit_mw`, "
        "`flexibility.share`)."
    )
    quantity: dict[str, Any] = Field(
        description="The distribution in effect, scenario format; a trend (values at dates) "
        'as `{"trend": [{"date": ..., <distribution>}, ...]}`.'
    )
    central: float = Field(
        description="Its central value: fixed value, triangular mode, uniform midpoint, "
        "lognormal median or beta mean (of a trend: its first point's); in the input's unit."
    )
    point_centrals: list[float] | None = Field(
        default=None,
        description="For a trend, the central value of each dated point, in order; "
        "null for a single quantity.",
    )
    origin: Literal["scenario", "default"] = Field(
        description="scenario: given by the scenario; default: the documented default."
    )
    allowed: AllowedRange | None = Field(description="Allowed range; null when unbounded.")


class RequestLimit(BaseModel):
    """Bounds of a number in a projection request."""

    minimum: int | float = Field(description="Smallest allowed value.")
    maximum: int | float = Field(description="Largest allowed value on this service.")
    default: int | float | None = Field(description="Value used when the request leaves it out.")


class ScenarioInputs(BaseModel):
    """The editable inputs of a shipped scenario and the limits of a projection request."""

    scenario_id: str = Field(description="Scenario id.")
    inputs: list[InputValue] = Field(
        description="Every [operations] field, each site's build probability, each region's "
        "grid connection limit [MW] and, when the scenario declares flexibility, its share."
    )
    limits: dict[str, RequestLimit] = Field(
        description="`draws` and `seed` of POST /v1/projections; the calendar years of its "
        "`start` and `end` (`start.year`, `end.year`, by default the scenario's horizon) and the "
        "most calendar years a period spans on this service (`period.years`) [years]; "
        "`deployments.milestones.count` [accelerators], `flexibility.hours_per_year` [h], "
        "`flexibility.from_year` [year; default null: every year], and "
        "the allowed ranges of `flexibility.share` [0-1] and of a region's `grid.limit_mw` [MW] "
        "(inputs a scenario may lack) of the scenario format."
    )
    weather_years: list[int] = Field(
        description="The observed weather years of the scenario's weather location that "
        "POST /v1/projections' `weather_year` may name with `weather` auto (a design weather "
        "year: every draw on that year's temperatures), in order; empty where the scenario "
        "has no weather or the service lacks the location's temperature files. [a]"
    )


def allowed_range(model: str, field: str) -> AllowedRange | None:
    """The range the scenario format allows for the quantity ``field`` of ``model``
    (:data:`forecast.scenario.RANGES`, the table its validators check); None if unbounded."""
    stated = RANGES[model].get(field)
    if stated is None:
        return None
    return AllowedRange(low=stated.low, high=stated.high, low_open=stated.low_open)


@cache
def _bounds(model: type[BaseModel], field: str) -> tuple[float, float, float | None]:
    """``(minimum, maximum, default)`` of a plain number field, from the model's JSON schema
    (of an optional one, its number's bounds: ``int | None`` is ``anyOf`` a bounded integer and
    null)."""
    schema = model.model_json_schema()["properties"][field]
    number = next((choice for choice in schema.get("anyOf", []) if "minimum" in choice), schema)
    return number["minimum"], number["maximum"], schema.get("default")


def _limit(model: type[BaseModel], field: str, ceiling: float | None = None) -> RequestLimit:
    """A number's bounds in ``model``, the maximum lowered to ``ceiling`` when given."""
    minimum, maximum, default = _bounds(model, field)
    if ceiling is not None:
        maximum = min(maximum, ceiling)
    return RequestLimit(minimum=minimum, maximum=maximum, default=default)


def _range_limit(model: str, field: str) -> RequestLimit:
    """A quantity's allowed range (:func:`allowed_range`) as a limit, for a client that adds
    the quantity to a scenario that lacks it; the quantity has no default."""
    stated = RANGES[model][field]
    return RequestLimit(minimum=stated.low, maximum=stated.high, default=None)


def _period_limits(scenario: Scenario, max_years: int) -> dict[str, RequestLimit]:
    """The years a period may start and end in, and the most it spans on this service (a
    period may run outside the scenario's horizon, which is its default)."""
    first, last = FIRST_DATE.year, LAST_DATE.year
    horizon = scenario.horizon
    return {
        "start.year": RequestLimit(minimum=first, maximum=last, default=horizon.start.year),
        "end.year": RequestLimit(minimum=first, maximum=last, default=horizon.end.year),
        "period.years": RequestLimit(
            minimum=1,
            maximum=min(MAX_YEARS, max_years),
            default=horizon.end.year - horizon.start.year + 1,
        ),
    }


def _input(
    path: str,
    quantity: Quantity | Trend,
    origin: Literal["scenario", "default"],
    allowed: AllowedRange | None,
) -> InputValue:
    return InputValue(
        path=path,
        quantity=_as_json(quantity),
        central=quantity.central(),
        point_centrals=[p.quantity.central() for p in quantity.points]
        if isinstance(quantity, Trend)
        else None,
        origin=origin,
        allowed=allowed,
    )


@router.get(
    "/{scenario_id}/inputs",
    summary="A scenario's editable inputs",
    response_model=ScenarioInputs,
    responses=error_responses(404),
)
async def scenario_inputs(
    scenario_id: Annotated[
        str, Path(pattern=SCENARIO_ID_PATTERN, description="Shipped or saved scenario id.")
    ],
    state: Annotated[ServiceState, Depends(get_ready_state)],
) -> ScenarioInputs:
    """Each uncertain input in effect, with its central value and allowed range (a saved
    scenario's latest version, as a projection of its id runs it)."""
    shipped = state.scenarios.get(scenario_id)
    if shipped is not None:
        scenario = shipped.scenario
    else:
        try:
            scenario, _ = await state.light(saved_scenario, state, scenario_id, None)
        except NotFoundError:
            raise NotFoundError(
                f"scenario_id = {scenario_id!r}: neither a shipped nor a saved scenario; "
                f"shipped: {', '.join(state.scenarios) or '(none)'}"
            ) from None
    inputs = [
        _input(
            f"operations.{name}",
            operation(scenario.operations, name),
            "default" if getattr(scenario.operations, name) is None else "scenario",
            allowed_range("Operations", name),
        )
        for name in OPERATION_DEFAULTS
    ]
    for index, site in enumerate(scenario.sites):
        given = site.build_probability
        quantity = given or Fixed(
            value=STATUS_DEFAULTS[site.status]["build_probability"],
            source=f"default build probability of a site with status {site.status}",
        )
        inputs.append(
            InputValue(
                path=f"sites[{index}].build_probability",
                quantity=quantity.model_dump(mode="json", exclude_none=True),
                central=quantity.central(),
                origin="default" if given is None else "scenario",
                allowed=allowed_range("Site", "build_probability"),
            )
        )
    for region, grid in scenario.grid.items():
        inputs.append(
            _input(
                f"grid.{region}.limit_mw",
                grid.limit_mw,
                "scenario",
                allowed_range("RegionGrid", "limit_mw"),
            )
        )
    if scenario.flexibility is not None:
        inputs.append(
            _input(
                "flexibility.share",
                scenario.flexibility.share,
                "scenario",
                allowed_range("Flexibility", "share"),
            )
        )
    return ScenarioInputs(
        scenario_id=scenario.id,
        inputs=inputs,
        # Read from the temperature files once (cached after), so off the event loop.
        weather_years=list(await state.light(observed_weather_years, scenario)),
        limits={
            "draws": _limit(ProjectionRequest, "draws", state.settings.max_draws),
            "seed": _limit(ProjectionRequest, "seed"),
            **_period_limits(scenario, state.settings.max_horizon_years),
            "deployments.milestones.count": _limit(Milestone, "count"),
            "flexibility.hours_per_year": _limit(Flexibility, "hours_per_year"),
            "flexibility.from_year": _limit(Flexibility, "from_year"),
            # Ranges of inputs a scenario may lack, for a client that adds them.
            "flexibility.share": _range_limit("Flexibility", "share"),
            "grid.limit_mw": _range_limit("RegionGrid", "limit_mw"),
        },
    )
