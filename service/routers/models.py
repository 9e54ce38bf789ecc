"""``/models`` (under ``/v1``): baseline model artifacts, their metrics, and the reload.

Reloading needs a key with the admin role. It is allowed while the service is not ready
because of its model (a broken promoted artifact at start-up): a good version reloaded makes
the service ready again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from forecast.baseline import artifacts
from forecast.errors import NotFoundError
from service.deps import get_ready_state, get_state, require_admin
from service.errors import ErrorBody, error_responses
from service.registry import MODEL_ID_PATTERN, model_label
from service.routing import ServiceRoute
from service.schemas import ModelDetail, ModelSummary, ReloadRequest, ReloadResponse
from service.state import ServiceState

router = APIRouter(prefix="/models", tags=["models"], route_class=ServiceRoute)

ModelId = Annotated[str, Path(pattern=MODEL_ID_PATTERN, description="Model id.")]


def _summary(state: ServiceState, model_id: str, versions: list[str]) -> dict[str, Any]:
    return {
        "model_id": model_id,
        "versions": versions,
        "promoted_version": artifacts.current_version(model_id, root=state.artifact_root),
        "served_version": state.registry.served_version(model_id),
    }


def _list(state: ServiceState) -> list[Any]:
    known = artifacts.list_models(state.artifact_root)
    return [_summary(state, model_id, versions) for model_id, versions in known.items()]


@router.get(
    "",
    summary="List baseline models",
    response_model=list[ModelSummary],
    responses=error_responses(),
)
async def list_models(state: Annotated[ServiceState, Depends(get_ready_state)]) -> list[Any]:
    """Every model in the artifact directory, its versions, the promoted and the served one."""
    return await state.light(_list, state)


@router.get(
    "/{model_id}",
    summary="One baseline model with its metrics",
    response_model=ModelDetail,
    responses=error_responses(404),
)
async def get_model(
    model_id: ModelId,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    version: Annotated[
        str | None,
        Query(pattern=MODEL_ID_PATTERN, description="Version; default: promoted, else latest."),
    ] = None,
) -> dict[str, Any]:
    """Manifest and backtest metrics of a model version (read, not verified: see reload)."""
    return await state.light(_detail, state, model_id, version)


def _detail(state: ServiceState, model_id: str, version: str | None) -> dict[str, Any]:
    known = artifacts.list_models(state.artifact_root)
    if model_id not in known:
        raise NotFoundError(f"model_id = {model_id!r}: unknown; known: {sorted(known)}")
    summary = _summary(state, model_id, known[model_id])
    chosen = version or summary["promoted_version"] or known[model_id][-1]
    if chosen not in known[model_id]:
        raise NotFoundError(
            f"version = {chosen!r}: model {model_id!r} has no such version; published: "
            f"{known[model_id]}"
        )
    manifest = artifacts.read_manifest(state.artifact_root / model_id / chosen)
    metrics = manifest.get("metrics")
    return {
        **summary,
        "version": chosen,
        "metrics": metrics if isinstance(metrics, dict) else {},
        "manifest": manifest,
    }


async def _started_state(state: Annotated[ServiceState, Depends(get_state)]) -> ServiceState:
    """The state once started; not ready only because of the model is fine here."""
    if not state.started or set(state.problems) - {"model"}:
        state.require_ready()
    return state


@router.post(
    "/reload",
    summary="Serve another model version (admin key)",
    response_model=ReloadResponse,
    dependencies=[Depends(require_admin)],
    responses={
        **error_responses(401, 403, 404, 413),
        422: {
            "model": ErrorBody,
            "description": "Artifact unsigned, tampered with, or malformed; the old model keeps "
            "serving.",
        },
    },
)
async def reload_model(
    state: Annotated[ServiceState, Depends(_started_state)],
    request: ReloadRequest | None = None,
) -> dict[str, str]:
    """Verify an artifact (signature by a trusted key, then the sha256 of every file, then
    its parameters) and swap it in atomically.

    Requests already running finish on the model they started with; the next ones use the
    new model. Refused with 422 when verification fails, and the old model keeps serving.
    """
    previous = model_label(state.registry.current)
    model = await state.light(state.registry.reload, request.model if request is not None else None)
    state.model_reloaded()
    return {"previous": previous, "current": model_label(model)}
