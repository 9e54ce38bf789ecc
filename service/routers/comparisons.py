"""``/comparisons`` (under ``/v1``): POST 2..N scenarios, get them side by side (or a job).

The HTTP face of :mod:`service.comparing`; answered in the order and the formats a projection
is (:mod:`service.routers.projections`), with a ``scenario`` dimension in the JSON and
NetCDF and a ``scenario`` column in the CSV.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from forecast.engine.selection import API_OPTION_NAMES, Planned, check_selection
from service import comparing
from service.deps import Caller, RootPath, get_ready_state, optional_caller
from service.errors import error_responses
from service.render import NumpyJSONResponse, negotiate
from service.routers.projections import (
    ACCEPTED_RESPONSE,
    RESULT_CONTENT,
    RESULT_HEADERS,
    AcceptHeader,
    FormatQuery,
    IdColumnsQuery,
    VariablesQuery,
    check_id_columns,
    respond,
    variable_items,
)
from service.routing import ServiceRoute
from service.schemas import ComparisonRequest, ComparisonResponse
from service.state import ServiceState

router = APIRouter(prefix="/comparisons", tags=["comparisons"], route_class=ServiceRoute)


@router.post(
    "",
    summary="Compare scenarios side by side",
    response_model=ComparisonResponse,
    response_class=NumpyJSONResponse,
    responses={
        200: {
            "description": "The comparison; JSON by default, CSV or Parquet (a `scenario` "
            "column) or NetCDF (a `scenario` dimension) on request.",
            "content": RESULT_CONTENT,
            "headers": RESULT_HEADERS,
        },
        202: ACCEPTED_RESPONSE,
        **error_responses(403, 404, 406, 409, 413, 429),
    },
)
async def create_comparison(
    request: ComparisonRequest,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    caller: Annotated[Caller, Depends(optional_caller)],
    root: RootPath,
    file_format: FormatQuery = None,
    accept: AcceptHeader = None,
    variables: VariablesQuery = None,
    id_columns: IdColumnsQuery = False,
) -> Response:
    """Project 2..20 scenarios over one period with the same draws, seed and options, and
    stack them along `scenario`.

    Each scenario is named as POST /v1/projections names one (a shipped or saved id, with
    overrides, or a whole scenario); ids must differ and time zones agree, and the first is
    the reference. Common random numbers: draw *d* of every scenario shares the inputs the
    scenarios have in common, so each `<name>_difference` (the quantiles over draws of a
    scenario's per-year figure minus the reference's, draw by draw) holds only what the
    scenarios do differently. The period defaults to the first scenario's horizon, the
    resolution to annual. Large comparisons (draws x hours x scenarios above the service's
    job threshold) run as jobs: `202` and a `Location` to poll, the result at
    `/v1/jobs/{id}/result`. Every comparison is recorded as a run (`scenario_ids`).
    `?variables=` selects variables as `forecast compare --variables` does, the
    `<name>_difference` among them; `?id_columns=true` starts a CSV's or Parquet's rows with
    the run's ids, each scenario's own digest, before `scenario`.
    """
    chosen = negotiate(file_format, accept)
    check_id_columns(chosen, id_columns)
    items = variable_items(variables)
    prepared = await comparing.prepare(state, request)
    check_selection(
        items,
        [
            Planned(scenario, options, model is not None, compared=True)
            for scenario, options, model in zip(
                prepared.scenarios, prepared.each, prepared.models, strict=True
            )
        ],
        # A comparison takes no sites: their own series come from POST /v1/projections.
        option_names={**API_OPTION_NAMES, "sites": None},
    )
    return await respond(
        state, prepared, chosen, caller, root=root, variables=items, id_columns=id_columns
    )
