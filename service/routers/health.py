"""``/healthz`` (the process answers) and ``/readyz`` (start-up finished)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from service.registry import model_label
from service.schemas import Health, Readiness
from service.state import ServiceState, get_state

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", response_model=Health)
def healthz() -> Health:
    """200 while the process answers requests."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Still starting, or start-up failed."}},
)
def readyz(state: Annotated[ServiceState, Depends(get_state)]) -> JSONResponse:
    """200 once kernels are compiled and artifacts loaded; 503 before (and why)."""
    body = Readiness(
        ready=state.ready,
        kernels_compiled=state.kernels_compiled,
        model_version=model_label(state.registry.current),
        scenarios=len(state.scenarios),
        detail=None if state.ready else (state.start_error or "starting"),
    )
    return JSONResponse(body.model_dump(), status_code=200 if state.ready else 503)
