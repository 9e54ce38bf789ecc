"""``/v1/models``: baseline model artifacts, their metrics, and the protected reload."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query

from forecast import artifacts
from forecast.errors import NotFoundError
from service.errors import ERROR_RESPONSES, ErrorBody, ForbiddenError, UnauthorizedError
from service.registry import MODEL_ID_PATTERN, model_label
from service.schemas import ModelDetail, ModelSummary, ReloadRequest, ReloadResponse
from service.state import ServiceState, get_ready_state

router = APIRouter(tags=["models"])

ModelId = Annotated[str, Path(pattern=MODEL_ID_PATTERN, description="Model id.")]


def _summary(state: ServiceState, model_id: str, versions: list[str]) -> dict[str, Any]:
    return {
        "model_id": model_id,
        "versions": versions,
        "promoted_version": artifacts.current_version(model_id, root=state.artifact_root),
        "served_version": state.registry.served_version(model_id),
    }


@router.get("/v1/models", summary="List baseline models", response_model=list[ModelSummary])
def list_models(state: Annotated[ServiceState, Depends(get_ready_state)]) -> list[Any]:
    """Every model in the artifact directory, its versions, the promoted and the served one."""
    known = artifacts.list_models(state.artifact_root)
    return [_summary(state, model_id, versions) for model_id, versions in known.items()]


@router.get(
    "/v1/models/{model_id}",
    summary="One baseline model with its metrics",
    response_model=ModelDetail,
    responses=ERROR_RESPONSES,
)
def get_model(
    model_id: ModelId,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    version: Annotated[
        str | None,
        Query(pattern=MODEL_ID_PATTERN, description="Version; default: promoted, else latest."),
    ] = None,
) -> dict[str, Any]:
    """Manifest and backtest metrics of a model version (read, not verified: see reload)."""
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


def require_api_key(
    state: Annotated[ServiceState, Depends(get_ready_state)],
    x_api_key: Annotated[
        str | None, Header(description="An API key from FORECAST_API_KEYS.")
    ] = None,
) -> None:
    """401 without a key, 403 with a key that is not configured."""
    if not x_api_key:
        raise UnauthorizedError("X-API-Key header missing: this endpoint needs an API key")
    # Compare with every key, in constant time per key, so timing tells nothing about a match.
    matches = [
        secrets.compare_digest(x_api_key.encode(), key.encode())
        for key in state.settings.allowed_api_keys()
    ]
    if not any(matches):
        raise ForbiddenError("X-API-Key: not an accepted key")


@router.post(
    "/v1/models/reload",
    summary="Serve another model version (API key)",
    response_model=ReloadResponse,
    dependencies=[Depends(require_api_key)],
    responses={
        401: {"model": ErrorBody, "description": "No X-API-Key header."},
        403: {"model": ErrorBody, "description": "X-API-Key is not accepted."},
        422: {
            "model": ErrorBody,
            "description": "Artifact broken or tampered with; the old model keeps serving.",
        },
        404: {"model": ErrorBody, "description": "No such model or version."},
    },
)
def reload_model(
    state: Annotated[ServiceState, Depends(get_ready_state)],
    request: ReloadRequest | None = None,
) -> dict[str, str]:
    """Verify an artifact (sha256 of every file) and swap it in atomically.

    Requests already running finish on the model they started with; the next ones use the
    new model. Refused with 422 when verification fails, and the old model keeps serving.
    """
    previous = model_label(state.registry.current)
    model = state.registry.reload(request.model if request is not None else None)
    return {"previous": previous, "current": model_label(model)}
