"""``/projections`` (under ``/v1``): POST a scenario, get quantiles (or a job to poll).

The route is the HTTP face of :mod:`service.projecting`, which says where an answer comes
from. Heavy work takes a slot first (:mod:`service.admission`); a cache hit of a shipped
scenario is answered on the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response

from forecast.engine.selection import Planned, check_selection
from forecast.errors import OptionsError
from service import projecting
from service.answers import answer
from service.cache import ProjectionResult
from service.deps import Caller, RootPath, get_ready_state, optional_caller
from service.errors import RETRY_AFTER_HEADER, error_responses
from service.render import NumpyJSONResponse, OutputFormat, negotiate
from service.routing import ServiceRoute
from service.schemas import JobResponse, ProjectionRequest, ProjectionResponse
from service.state import ServiceState
from service.storage.runs import Run


class Answering(Protocol):
    """What answers a result (:func:`service.answers.answer`, or a grid export's zip)."""

    def __call__(
        self,
        state: ServiceState,
        result: ProjectionResult,
        file_format: OutputFormat,
        *,
        cache_status: str,
        root: str,
        variables: tuple[str, ...] | None = None,
        id_columns: bool = False,
    ) -> Awaitable[Response]: ...


router = APIRouter(prefix="/projections", tags=["projections"], route_class=ServiceRoute)

FormatQuery = Annotated[
    OutputFormat | None,
    Query(
        alias="format",
        description="json, csv (tidy table, spreadsheet-safe), netcdf or parquet (the tidy table, "
        "zstd); overrides Accept.",
    ),
]
AcceptHeader = Annotated[
    str | None,
    Header(
        description="application/json, text/csv, application/x-netcdf or "
        "application/vnd.apache.parquet, with q-values "
        "(q=0 refuses a format)."
    ),
]

VariablesQuery = Annotated[
    str | None,
    Query(
        description="Only these variables, comma-separated names and patterns "
        "(`ai_energy_twh,site_peak_mw`; `site_*`, `ai_energy_twh*` with its mean and errors, "
        "`*_by_region`), in every format; default every one. A name that is no output "
        "variable, or one the result cannot hold (a `site_*` one of a scenario without sites, "
        "a `baseline_*` one without a baseline, an `input_*` one without `per_draw`), is a 422 "
        "naming it, before any work (`forecast variables` lists them; the README's output "
        "table too).",
        max_length=2000,
    ),
]


IdColumnsQuery = Annotated[
    bool,
    Query(
        description="Start every row of a CSV or Parquet answer with the run's id columns "
        "(scenario_id, scenario_sha256, seed, draws, code_version, as `forecast project "
        "--id-columns` writes them, then run_id, the run that recorded the result), a "
        "comparison's before its `scenario` with each scenario's own digest: runs appended "
        "into one warehouse table stay apart. Its own ETag. JSON and NetCDF have no rows "
        "(their attrs hold the ids): a 422.",
    ),
]
#: The answer formats that have rows, which ``?id_columns=true`` starts with the run's ids.
ROW_FORMATS: tuple[OutputFormat, ...] = ("csv", "parquet")


def check_id_columns(chosen: OutputFormat, id_columns: bool) -> None:
    """Refuse ``?id_columns=true`` for an answer without rows (JSON, NetCDF), as ``forecast
    project`` refuses ``--id-columns`` with a ``.nc`` file, before any work.

    Raises
    ------
    OptionsError
        422 naming the field, the format and the formats allowed.
    """
    if id_columns and chosen not in ROW_FORMATS:
        kind = "a NetCDF file" if chosen == "netcdf" else "the JSON document"
        raise OptionsError(
            f"id_columns = true with format = {chosen!r}: {kind} has no rows (its attributes "
            f"hold the ids, X-Run-Id the run); allowed: format = {' or '.join(ROW_FORMATS)}"
        )


def variable_items(variables: str | None) -> tuple[str, ...] | None:
    """The items of ``?variables=``, checked against every output variable there is
    (:func:`forecast.outputs.variable_patterns`: 422 before any work), or None without it."""
    if variables is None:
        return None
    from forecast.outputs import variable_patterns

    return variable_patterns(variables, field="variables")


RESULT_HEADERS = {
    "ETag": {
        "description": "Result key and format: the same tag means the same bytes (weak for "
        "NetCDF). Send it back as If-None-Match on GET /v1/runs/{id}/result for a 304.",
        "schema": {"type": "string"},
    },
    "X-Model-Version": {
        "description": "Baseline model id@version used, or none.",
        "schema": {"type": "string"},
    },
    "X-Cache": {
        "description": "hit (memory), stored (read from its run's file), miss (computed now) "
        "or shared (computed once for identical concurrent requests).",
        "schema": {"type": "string"},
    },
    "X-Run-Id": {
        "description": "The run that recorded the result (GET /v1/runs/{id}: its provenance).",
        "schema": {"type": "string"},
    },
    "Content-Location": {
        "description": "Where the result stays: /v1/runs/{id}/result (under the service's root "
        "path, as every link of an answer).",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": "The run's provenance, what `forecast project` writes to its .meta.json: "
        '</v1/runs/{id}/meta>; rel="describedby".',
        "schema": {"type": "string"},
    },
    "X-Forecast-Code-Version": {
        "description": "Build of the forecast library that computed the result.",
        "schema": {"type": "string"},
    },
    "X-Scenario-Sha256": {
        "description": "sha256 of the scenario's canonical JSON; of a comparison, each "
        "scenario's in order, comma-separated.",
        "schema": {"type": "string"},
    },
    "X-Seed": {"description": "Random seed.", "schema": {"type": "integer"}},
    "X-Draws": {"description": "Monte Carlo draws.", "schema": {"type": "integer"}},
    "X-Weather": {
        "description": "Weather the result was computed on: historical, typical, synthetic, "
        "or none (a scenario without weather).",
        "schema": {"type": "string"},
    },
    "Content-Disposition": {
        "description": "A file answer's name: scenario, period (when not the scenario's "
        "horizon), draws, seed, resolution: kr-outlook_d1000_s0_annual.csv.",
        "schema": {"type": "string"},
    },
}
#: Seconds a client is asked to wait between polls of a job (``Retry-After`` of a 202).
POLL_AFTER_SECONDS = 2
#: A 202's headers: the body is the job's ticket (JSON), not the result, whatever format was
#: asked for, so a client saving it as the result must check the status.
ACCEPTED_RESPONSE = {
    "model": JobResponse,
    "description": "Large: queued as a job (or joined to the identical one running). The body "
    "is the job (JSON) in every format asked for: poll Location until `succeeded`, then GET "
    "its `result_url`.",
    "headers": {
        "Location": {
            "description": "The job to poll: /v1/jobs/{id}.",
            "schema": {"type": "string"},
        },
        "Retry-After": RETRY_AFTER_HEADER,
    },
}
#: The answer's formats beside JSON, as the schema documents them (one list for every route
#: that answers with a result).
RESULT_CONTENT: dict[str, Any] = {
    "text/csv": {"schema": {"type": "string"}},
    "application/x-netcdf": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
}
RESULT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The projection; JSON by default, CSV, NetCDF or Parquet on request.",
        "content": RESULT_CONTENT,
        "headers": RESULT_HEADERS,
    },
}


def job_body(
    run: Run,
    *,
    root: str,
    progress: int | None = None,
    file_format: str | None = None,
    variables: tuple[str, ...] | None = None,
    id_columns: bool = False,
) -> dict[str, Any]:
    """The JobResponse document of a run, as JSON values (times as the schema writes them,
    ``...Z``, whether the 202 or ``GET /v1/jobs/{id}`` sends it); its links under ``root``, its
    ``result_url`` in ``file_format`` (default: the one the job was asked in) and with the
    ``variables`` and ``id_columns`` the request asked for."""
    fields = _job_fields(run, progress, root, file_format or answer_format(run))
    if variables:
        joiner = "&" if "?" in fields["result_url"] else "?"
        fields["result_url"] += f"{joiner}variables={quote(','.join(variables), safe=',*?[]')}"
    if id_columns:
        joiner = "&" if "?" in fields["result_url"] else "?"
        fields["result_url"] += f"{joiner}id_columns=true"
    return JobResponse.model_validate(fields).model_dump(mode="json")


def answer_format(run: Run) -> OutputFormat:
    """The format the run was asked in (``options.format``; JSON for a run recorded before
    runs remembered it)."""
    return run.options_document.get("format", "json")


def job_result_url(run_id: str, *, root: str, file_format: str) -> str:
    """Where a job's result is, in ``file_format`` (JSON needs no ``format``)."""
    query = "" if file_format == "json" else f"?format={file_format}"
    return f"{root}/v1/jobs/{run_id}/result{query}"


def _job_fields(run: Run, progress: int | None, root: str, file_format: str) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "submitted": run.submitted_at,
        "finished": run.finished_at,
        "done_hours": run.done_hours if progress is None else progress,
        "total_hours": run.total_hours,
        "result_url": job_result_url(run.id, root=root, file_format=file_format),
        "error": run.error,
        "error_status": run.error_status,
        "note": run.note,
        "run_url": f"{root}/v1/runs/{run.id}",
    }


def accepted(
    run: Run,
    *,
    root: str,
    file_format: OutputFormat | None = None,
    variables: tuple[str, ...] | None = None,
    id_columns: bool = False,
) -> NumpyJSONResponse:
    """``202 Accepted`` naming the job to poll, its ``result_url`` in ``file_format`` (the
    format this request asked for; default: the one the job was asked in) and with the
    ``variables`` it selected and the ``id_columns`` it asked for."""
    return NumpyJSONResponse(
        job_body(
            run, root=root, file_format=file_format, variables=variables, id_columns=id_columns
        ),
        status_code=202,
        headers={
            "Location": f"{root}/v1/jobs/{run.id}",
            "Retry-After": str(POLL_AFTER_SECONDS),
        },
    )


@router.post(
    "",
    summary="Project a scenario",
    response_model=ProjectionResponse,
    response_class=NumpyJSONResponse,
    responses={
        **RESULT_RESPONSES,
        202: ACCEPTED_RESPONSE,
        **error_responses(403, 404, 406, 409, 413, 429),
    },
)
async def create_projection(
    request: ProjectionRequest,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    caller: Annotated[Caller, Depends(optional_caller)],
    root: RootPath,
    file_format: FormatQuery = None,
    accept: AcceptHeader = None,
    variables: VariablesQuery = None,
    id_columns: IdColumnsQuery = False,
) -> Response:
    """Monte Carlo projection of a shipped or saved scenario (with overrides) or an inline one.

    Hourly, daily, monthly or annual quantiles of AI facility load, baseline and total grid
    load [MW], monthly fleet and capacity, and per-year energy [TWh], peaks [GW], AI share [%]
    and the AI load at the grid's peak [GW]. Every variable carries its unit. The answer
    names the baseline model version (`model_version`, header `X-Model-Version`) and the run
    that recorded it (`X-Run-Id`; its result stays at `Content-Location`).
    """
    chosen = negotiate(file_format, accept)
    check_id_columns(chosen, id_columns)
    items = variable_items(variables)
    prepared = await projecting.prepare(state, request)
    check_selection(
        items, [Planned(prepared.scenario, prepared.options, prepared.model is not None)]
    )
    return await respond(
        state, prepared, chosen, caller, root=root, variables=items, id_columns=id_columns
    )


async def respond(
    state: ServiceState,
    prepared: projecting.Computation,
    chosen: OutputFormat,
    caller: Caller,
    *,
    root: str,
    variables: tuple[str, ...] | None = None,
    id_columns: bool = False,
    answering: Answering = answer,
) -> Response:
    """The answer to a checked projection, comparison or grid export, from the first source
    that has it (:mod:`service.projecting`): memory, a stored run, the job computing it, a new
    job when large (remembering ``chosen``, the format its result is fetched in by default),
    else computed inline; the result answered by ``answering`` (a grid export's: its zip), with
    ``variables``, only those, and with ``id_columns``, the run's ids first in every row (a
    job's ``result_url`` carries both)."""
    cached = projecting.in_memory(state, prepared.key)
    if cached is not None:
        return await answering(
            state,
            await projecting.recorded(state, prepared, cached, caller.key_id),
            chosen,
            cache_status="hit",
            root=root,
            variables=variables,
            id_columns=id_columns,
        )
    prepared.check_computable()
    run = await state.light(state.runs.stored_result, prepared.key)
    if run is not None and run.result_file is not None:
        result = await projecting.stored_or_lost(state, run)
        if result is not None:
            return await answering(
                state,
                result,
                chosen,
                cache_status="stored",
                root=root,
                variables=variables,
                id_columns=id_columns,
            )
    running = state.jobs.find(prepared.key)
    if running is not None:
        found = await state.light(state.runs.get, running)
        if found is not None:
            return accepted(
                found, root=root, file_format=chosen, variables=variables, id_columns=id_columns
            )
    if prepared.draw_hours > state.settings.job_threshold_draw_hours:
        submitted = await projecting.submit_job(
            state, prepared, caller.key_id, client=caller.client, file_format=chosen
        )
        return accepted(submitted, root=root, variables=variables, id_columns=id_columns)
    result, shared = await projecting.compute_inline(state, prepared, caller.key_id)
    status = "shared" if shared else "miss"
    return await answering(
        state,
        result,
        chosen,
        cache_status=status,
        root=root,
        variables=variables,
        id_columns=id_columns,
    )
