"""``/healthz`` (the process answers) and ``/readyz`` (start-up finished, nothing broken).

Both are ``async`` and touch no thread, lock or database: they answer from the event loop
even while every worker thread and heavy-work slot is busy.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.registry import model_label
from service.schemas import Health, Readiness, RetentionCounts
from service.state import ServiceState

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", response_model=Health)
async def healthz() -> JSONResponse:
    """200 while the process answers requests."""
    return JSONResponse({"status": "ok"})


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Still starting, or a part is broken."}},
)
async def readyz(request: Request) -> JSONResponse:
    """200 once the database is migrated, kernels compiled, the model verified and the jobs'
    scheduler reached; 503 before (naming the start-up step under way), or while one of them
    is broken, naming which and why. Ready but ``degraded`` while weather ``auto`` runs on
    synthetic years for want of the temperature files (naming them)."""
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        body = Readiness(
            ready=False,
            kernels_compiled=False,
            model_version="none",
            scenarios=0,
            starting=True,
            detail="starting",
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    ready = state.ready
    degraded = state.degraded_reason()
    body = Readiness(
        ready=ready,
        kernels_compiled=state.kernels_compiled,
        model_version=model_label(state.registry.current),
        models=sorted(map(model_label, state.registry.models.values())),
        scenarios=len(state.scenarios),
        database=state.database.backend,
        jobs=state.jobs.scheduler,
        busy_slots=state.admission.busy_slots,
        waiting=state.admission.waiting,
        starting=not state.started,
        retention=_retention(state),
        # The log has the reason in full; an answer names no host, user or path.
        detail=None if ready else state.public(state.not_ready_reason()),
        degraded=degraded is not None,
        degraded_reason=None if degraded is None else state.public(degraded),
    )
    headers = None if ready else {"Retry-After": "5"}
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if ready else 503, headers=headers
    )


def _retention(state: ServiceState) -> RetentionCounts | None:
    """What the retention sweep removed since start-up (from memory), None while it is off."""
    window, max_bytes = state.settings.retention()
    if window is None and max_bytes is None:
        return None
    return RetentionCounts(
        retention_days=None if window is None else window / dt.timedelta(days=1),
        max_bytes=max_bytes,
        last_sweep=state.last_sweep_at,
        pruned_results=state.pruned_results,
        pruned_bytes=state.pruned_bytes,
        pruned_ended_runs=state.pruned_ended_runs,
        pruned_deletion_records=state.pruned_deletion_records,
    )
