"""``/v1/scenarios/{id}/inputs``: what a form needs to edit a scenario, from the format itself.

For each uncertain input of a shipped scenario (every ``[operations]`` field, each site's build
probability): the distribution in effect (the scenario's, or the documented default), its
central value and the range the scenario format allows; and the limits of a projection request
(draws, seed, milestone counts). The dashboard reads these, so it holds no copy of a default, a
range or a distribution's central value.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, ValidationError

from forecast.errors import NotFoundError
from forecast.sampling import OPERATION_DEFAULTS, operation
from forecast.scenario import (
    SCENARIO_ID_PATTERN,
    STATUS_DEFAULTS,
    Fixed,
    Milestone,
    Operations,
    Site,
)
from service.errors import ERROR_RESPONSES
from service.schemas import ProjectionRequest
from service.state import ServiceState, get_ready_state

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

# The scenario format states its ranges in validators (one ``_check_range`` line per field), not
# as JSON-schema bounds; its refusal of a value below any range names the range in this form.
_REFUSAL = re.compile(r"allowed range is ([\[(])(\S+), (\S+)\]")
_FAR_BELOW = -1e300
# The smallest valid table of each model, so that a probe fails only on the probed field.
_VALID: dict[type[Operations | Site], dict[str, Any]] = {
    Operations: {},
    Site: {"name": "probe", "it_mw": 1.0, "commissioning": "2030-01-01", "status": "operating"},
}


class AllowedRange(BaseModel):
    """Values an input's distribution may take, as the scenario format checks them."""

    low: float = Field(description="Lowest allowed value, in the input's unit.")
    high: float = Field(description="Highest allowed value (inclusive), in the input's unit.")
    low_open: bool = Field(description="True when `low` itself is not allowed.")


class InputValue(BaseModel):
    """One uncertain input of the scenario as a projection would use it."""

    path: str = Field(
        description="Dotted path into the scenario, as `forecast sweep --vary` takes it "
        "(`operations.pue`, `sites[0].build_probability`)."
    )
    quantity: dict[str, Any] = Field(description="The distribution in effect, scenario format.")
    central: float = Field(
        description="Its central value: fixed value, triangular mode, uniform midpoint, "
        "lognormal median or beta mean; in the input's unit."
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
        description="Every [operations] field, then each site's build probability."
    )
    limits: dict[str, RequestLimit] = Field(
        description="`draws` and `seed` of POST /v1/projections, and "
        "`deployments.milestones.count` of the scenario format. [accelerators]"
    )


@cache
def allowed_range(model: type[Operations | Site], field: str) -> AllowedRange | None:
    """The range ``model`` allows for the quantity ``field``, read from its own refusal.

    Returns
    -------
    AllowedRange or None
        None when the model accepts a value far below any range (no range is checked).
    """
    probe = {**_VALID[model], field: {"dist": "fixed", "value": _FAR_BELOW}}
    try:
        model.model_validate(probe)
    except ValidationError as error:
        match = _REFUSAL.search(str(error))
        if match:
            return AllowedRange(low=float(match[2]), high=float(match[3]), low_open=match[1] == "(")
    return None


@cache
def _bounds(model: type[BaseModel], field: str) -> tuple[float, float, float | None]:
    """``(minimum, maximum, default)`` of a plain number field, from the model's JSON schema."""
    schema = model.model_json_schema()["properties"][field]
    return schema["minimum"], schema["maximum"], schema.get("default")


def _limit(model: type[BaseModel], field: str, ceiling: float | None = None) -> RequestLimit:
    minimum, maximum, default = _bounds(model, field)
    if ceiling is not None:
        maximum = min(maximum, ceiling)
    return RequestLimit(minimum=minimum, maximum=maximum, default=default)


@router.get(
    "/{scenario_id}/inputs",
    summary="A scenario's editable inputs",
    response_model=ScenarioInputs,
    responses=ERROR_RESPONSES,
)
def scenario_inputs(
    scenario_id: Annotated[
        str, Path(pattern=SCENARIO_ID_PATTERN, description="Shipped scenario id.")
    ],
    state: Annotated[ServiceState, Depends(get_ready_state)],
) -> ScenarioInputs:
    """Each uncertain input in effect, with its central value and allowed range."""
    shipped = state.scenarios.get(scenario_id)
    if shipped is None:
        raise NotFoundError(
            f"scenario_id = {scenario_id!r}: not a shipped scenario; shipped: "
            f"{', '.join(state.scenarios) or '(none)'}"
        )
    scenario = shipped.scenario
    inputs = []
    for name in OPERATION_DEFAULTS:
        quantity = operation(scenario.operations, name)
        inputs.append(
            InputValue(
                path=f"operations.{name}",
                quantity=quantity.model_dump(mode="json", exclude_none=True),
                central=quantity.central(),
                origin="default" if getattr(scenario.operations, name) is None else "scenario",
                allowed=allowed_range(Operations, name),
            )
        )
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
                allowed=allowed_range(Site, "build_probability"),
            )
        )
    return ScenarioInputs(
        scenario_id=scenario.id,
        inputs=inputs,
        limits={
            "draws": _limit(ProjectionRequest, "draws", state.settings.max_draws),
            "seed": _limit(ProjectionRequest, "seed"),
            "deployments.milestones.count": _limit(Milestone, "count"),
        },
    )
