"""``/v1/scenarios``: the shipped scenarios."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from forecast.errors import NotFoundError
from forecast.scenario import SCENARIO_ID_PATTERN
from service.errors import ERROR_RESPONSES
from service.schemas import ScenarioDetail, ScenarioSummary
from service.state import ServiceState, get_ready_state

router = APIRouter(tags=["scenarios"])


@router.get("/v1/scenarios", summary="List scenarios", response_model=list[ScenarioSummary])
def list_scenarios(state: Annotated[ServiceState, Depends(get_ready_state)]) -> list[Any]:
    """Every shipped scenario, sorted by id, with its horizon and digest."""
    return [
        {
            "id": shipped.scenario.id,
            "title": shipped.scenario.title,
            "description": shipped.scenario.description,
            "country": shipped.scenario.country,
            "hosting": shipped.scenario.hosting_reading,
            "horizon_start": shipped.scenario.horizon.start,
            "horizon_end": shipped.scenario.horizon.end,
            "regions": shipped.scenario.regions,
            "tags": shipped.scenario.tags,
            "sha256": shipped.sha256,
        }
        for shipped in state.scenarios.values()
    ]


@router.get(
    "/v1/scenarios/{scenario_id}",
    summary="One scenario",
    response_model=ScenarioDetail,
    responses=ERROR_RESPONSES,
)
def get_scenario(
    scenario_id: Annotated[
        str, Path(pattern=SCENARIO_ID_PATTERN, description="Shipped scenario id.")
    ],
    state: Annotated[ServiceState, Depends(get_ready_state)],
) -> dict[str, Any]:
    """A shipped scenario in full, in the format POST /v1/projections accepts as `scenario`."""
    shipped = state.scenarios.get(scenario_id)
    if shipped is None:
        raise NotFoundError(
            f"scenario_id = {scenario_id!r}: not a shipped scenario; shipped: "
            f"{', '.join(state.scenarios) or '(none)'}"
        )
    return {
        "sha256": shipped.sha256,
        "scenario": shipped.scenario.model_dump(mode="json", exclude_none=True),
    }
