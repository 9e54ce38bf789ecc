"""``/accelerators`` (under ``/v1``): the accelerator catalog (read once, then from memory)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path

from forecast.errors import NotFoundError, worded_pattern
from forecast.scenario.catalog import load_catalog
from service.errors import error_responses
from service.routing import ServiceRoute
from service.schemas import Accelerator

router = APIRouter(prefix="/accelerators", tags=["accelerators"], route_class=ServiceRoute)

ACCELERATOR_ID_PATTERN = worded_pattern(
    r"^[a-z0-9][a-z0-9_.-]{0,63}$",
    "an accelerator id: lowercase letters, digits, '_', '.' and '-', 1..64 characters, the "
    "first a letter or digit",
)


def _row(accelerator_id: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    clean = {
        str(key): None if isinstance(value, float) and math.isnan(value) else value
        for key, value in row.items()
    }
    return {"accelerator_id": accelerator_id, **clean}


@router.get(
    "",
    summary="List accelerators",
    response_model=list[Accelerator],
    responses=error_responses(),
)
async def list_accelerators() -> list[dict[str, Any]]:
    """Every accelerator type with board and system power [W] and throughput [TFLOPS]."""
    table = load_catalog().table
    return [_row(str(key), row) for key, row in table.to_dict(orient="index").items()]


@router.get(
    "/{accelerator_id}",
    summary="One accelerator",
    response_model=Accelerator,
    responses=error_responses(404),
)
async def get_accelerator(
    accelerator_id: Annotated[
        str, Path(pattern=ACCELERATOR_ID_PATTERN, description="Catalog key, e.g. h100_sxm.")
    ],
) -> dict[str, Any]:
    """One accelerator type of the catalog."""
    table = load_catalog().table
    if accelerator_id not in table.index:
        raise NotFoundError(
            f"accelerator_id = {accelerator_id!r}: unknown; allowed: "
            f"{', '.join(sorted(table.index))}"
        )
    return _row(accelerator_id, table.loc[accelerator_id].to_dict())
