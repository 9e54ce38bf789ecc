"""``/grid-exports`` (under ``/v1``): POST ``forecast export-grid``'s options, get the export's
files as a zip archive (or a job to poll).

The HTTP face of :mod:`service.gridexports`; answered in the order a projection is
(:func:`service.routers.projections.respond`): memory, a stored run, the job computing it, a
new job when large, else computed inline in a slot.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from service import gridexports
from service.deps import Caller, RootPath, get_ready_state, optional_caller
from service.errors import error_responses
from service.routers.projections import ACCEPTED_RESPONSE, RESULT_HEADERS, respond
from service.routing import ServiceRoute
from service.schemas import GridExportRequest
from service.state import ServiceState

router = APIRouter(prefix="/grid-exports", tags=["grid-exports"], route_class=ServiceRoute)

#: The headers of a projection's answer an archive carries too (not ``Vary``: one format).
ARCHIVE_HEADERS = {
    name: header
    for name, header in RESULT_HEADERS.items()
    if name not in ("Content-Disposition", "Content-Location")
} | {
    "Content-Disposition": {
        "description": "The archive's name: scenario, period (when not the scenario's "
        "horizon), Monte Carlo draws, seed, format: kr-outlook_2030-2030_d300_s0_pypsa.zip.",
        "schema": {"type": "string"},
    },
    "Content-Location": {
        "description": "Where the archive stays: /v1/runs/{id}/result.",
        "schema": {"type": "string"},
    },
}


@router.post(
    "",
    summary="Export hourly load paths for a grid model (PyPSA, PLEXOS, wide tables)",
    response_class=Response,
    responses={
        200: {
            "description": "The export's files as a zip archive: what `forecast export-grid` "
            "writes for the same options (a folder per path, or a table per path, and the "
            "manifest export.json), loads in MW.",
            "content": {gridexports.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": ARCHIVE_HEADERS,
        },
        202: ACCEPTED_RESPONSE,
        **error_responses(403, 404, 409, 413, 429),
    },
)
async def create_grid_export(
    request: GridExportRequest,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    caller: Annotated[Caller, Depends(optional_caller)],
    root: RootPath,
) -> Response:
    """Hourly load [MW] by load and bus (baseline, non-AI and each region's AI data-centre
    load) in the layout a grid model reads, as `forecast export-grid` writes it, zipped.

    The options are the command line's, in its names: `draws` representative draws (or
    `draw` by number, or `quantile` paths, which are not load paths), ranked by `rank_by`,
    chosen from `sample` Monte Carlo draws; `bus` renames, `baseline_shares`, `calendar`,
    `seed` and the period. The same options give the same files as the command line. Large
    exports (Monte Carlo draws x hours, twice for draws, above the service's job threshold)
    run as jobs: `202` and a `Location` to poll, the archive at `/v1/jobs/{id}/result`. Every
    export is recorded as a run (its options under `grid_export`); `/v1/runs/{id}/meta` is its
    manifest.
    """
    prepared = await gridexports.prepare(state, request)
    return await respond(
        state, prepared, "json", caller, root=root, answering=gridexports.answer_archive
    )
