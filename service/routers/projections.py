"""``/v1/projections`` (POST a scenario, get quantiles) and ``/v1/jobs`` (large projections).

A request is answered from the cache when the same (scenario digest, options, model version)
was computed before; else computed inline when it is small (draws x hours at most
``job_threshold_draw_hours``), else queued as a job answered ``202 Accepted`` with the job's
``Location``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from forecast.baseline import BaselineModel
from forecast.errors import NotFoundError, OptionsError
from forecast.projection import ProjectionOptions, project, scenario_digest
from forecast.scenario import Scenario, parse_scenario
from service.cache import ProjectionResult, result_key
from service.errors import ERROR_RESPONSES, BusyError, ErrorBody, ServiceError, status_of
from service.jobs import JOB_ID_PATTERN, Job
from service.registry import model_label
from service.render import MEDIA_TYPES, RENDERERS, NumpyJSONResponse, OutputFormat, negotiate
from service.schemas import JobResponse, ProjectionRequest, ProjectionResponse
from service.state import ServiceState, get_ready_state

router = APIRouter(tags=["projections"])

#: Where projections are posted (also read by :class:`service.repeats.RepeatedRequests`).
PROJECTIONS_PATH = "/v1/projections"
#: Scope key under which the route records the result and format a 200 answer is made of
#: (read by :class:`service.repeats.RepeatedRequests`).
ANSWERED_WITH = "forecast.answered_with"

FormatQuery = Annotated[
    OutputFormat | None,
    Query(
        alias="format",
        description="json, csv (tidy table, spreadsheet-safe) or netcdf; overrides Accept.",
    ),
]
AcceptHeader = Annotated[
    str | None,
    Header(description="application/json, text/csv or application/x-netcdf."),
]

_RESULT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The projection; JSON by default, CSV or NetCDF on request.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-netcdf": {"schema": {"type": "string", "format": "binary"}},
        },
        "headers": {
            "X-Model-Version": {
                "description": "Baseline model id@version used, or none.",
                "schema": {"type": "string"},
            },
            "X-Cache": {"description": "hit or miss.", "schema": {"type": "string"}},
        },
    },
}


class ConflictError(ServiceError):
    status_code = 409


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in: tables recursively, anything else replaced.

    A distribution (a table with ``dist``) is a value, not a table: it replaces whole, so a
    triangular PUE can be overridden by a fixed one.
    """
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and "dist" not in value and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _scenario(state: ServiceState, request: ProjectionRequest) -> tuple[Scenario, str]:
    if request.scenario is not None:
        scenario = parse_scenario(request.scenario, origin="scenario")
        return scenario, scenario_digest(scenario)
    shipped = state.scenarios.get(str(request.scenario_id))
    if shipped is None:
        raise NotFoundError(
            f"scenario_id = {request.scenario_id!r}: not a shipped scenario; shipped: "
            f"{', '.join(state.scenarios) or '(none)'}"
        )
    if not request.overrides:
        return shipped.scenario, shipped.sha256
    data = _merged(shipped.scenario.model_dump(mode="json", exclude_none=True), request.overrides)
    scenario = parse_scenario(data, origin="overrides")
    return scenario, scenario_digest(scenario)


def _options(
    state: ServiceState, request: ProjectionRequest, scenario: Scenario
) -> tuple[ProjectionOptions, BaselineModel | None]:
    """Checked options and the baseline model this request will use from start to end.

    The served model is read once here: a reload while the request runs swaps the registry,
    not the model this request holds.
    """
    settings = state.settings
    if request.draws > settings.max_draws:
        raise OptionsError(
            f"draws = {request.draws}: at most {settings.max_draws} allowed on this service"
        )
    served = state.registry.for_scenario(scenario)
    reference = model_label(served) if served is not None else None
    options = ProjectionOptions(
        draws=request.draws,
        seed=request.seed,
        start=request.start,
        end=request.end,
        resolution=request.resolution,
        quantiles=tuple(request.quantiles),
        weather=request.weather,
        baseline_model=reference,
        include_baseline=request.include_baseline and reference is not None,
    ).validated(scenario)
    assert options.start is not None and options.end is not None  # filled by validated()
    years = options.end.year - options.start.year + 1
    if years > settings.max_horizon_years:
        raise OptionsError(
            f"period {options.start}..{options.end} spans {years} years: at most "
            f"{settings.max_horizon_years} allowed"
        )
    return options, (served if reference is not None else None)


def _hours(options: ProjectionOptions) -> int:
    assert options.start is not None and options.end is not None  # filled by validated()
    return ((options.end - options.start).days + 1) * 24


def response_parts(
    result: ProjectionResult, file_format: str, cache_status: str
) -> tuple[bytes, str, dict[str, str]]:
    """Body, media type and headers of the answer with ``result`` in ``file_format``."""
    body = result.rendered(file_format, RENDERERS[file_format])
    headers = {"X-Model-Version": result.model_label, "X-Cache": cache_status}
    if file_format != "json":
        suffix = "csv" if file_format == "csv" else "nc"
        scenario_id = str(result.dataset.attrs.get("scenario_id", "projection"))
        headers["Content-Disposition"] = f'attachment; filename="{scenario_id}.{suffix}"'
    return body, MEDIA_TYPES[file_format], headers


def _respond(result: ProjectionResult, file_format: OutputFormat, *, cache_status: str) -> Response:
    body, media_type, headers = response_parts(result, file_format, cache_status)
    return Response(body, media_type=media_type, headers=headers)


def _compute(
    state: ServiceState,
    scenario: Scenario,
    options: ProjectionOptions,
    model: BaselineModel | None,
    key: str,
    job: Job | None = None,
) -> ProjectionResult:
    dataset = project(
        scenario, options, progress=job.progress if job is not None else None, baseline=model
    )
    result = ProjectionResult(key=key, dataset=dataset)
    state.cache.put(result)
    return result


@router.post(
    PROJECTIONS_PATH,
    summary="Project a scenario",
    response_model=ProjectionResponse,
    response_class=NumpyJSONResponse,
    responses={
        **_RESULT_RESPONSES,
        202: {"model": JobResponse, "description": "Large: queued as a job; poll Location."},
        429: {"model": ErrorBody, "description": "Job queue full; retry after Retry-After."},
        503: {"model": ErrorBody, "description": "Starting, or every inline slot busy."},
        **ERROR_RESPONSES,
    },
)
async def create_projection(
    request: ProjectionRequest,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    http_request: Request,
    file_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """Monte Carlo projection of a shipped scenario (with overrides) or an inline scenario.

    Hourly, daily, monthly or annual quantiles of AI facility load, baseline and total national
    load [MW], monthly fleet and capacity, and per-year energy [TWh], peaks [GW], AI share [%]
    and the AI load at the national peak [GW]. Every variable carries its unit. The answer
    names the baseline model version it used (`model_version`, header `X-Model-Version`).
    """
    chosen = negotiate(file_format, accept)
    # A cache hit is answered on the event loop (a dict lookup); validating a posted scenario
    # and computing run in worker threads.
    if request.scenario is None and not request.overrides:
        scenario, digest = _scenario(state, request)
    else:
        scenario, digest = await run_in_threadpool(_scenario, state, request)
    options, model = _options(state, request, scenario)
    key = result_key(digest, options, options.baseline_model or "none")
    # What a 200 answer is made of, for RepeatedRequests to answer the same request again.
    http_request.scope[ANSWERED_WITH] = (key, chosen)
    cached = state.cache.get(key)
    if cached is not None and file_format_rendered(cached, chosen):
        return _respond(cached, chosen, cache_status="hit")
    if cached is not None:
        return await run_in_threadpool(_respond, cached, chosen, cache_status="hit")
    if options.draws * _hours(options) > state.settings.job_threshold_draw_hours:
        job = state.jobs.submit(
            lambda job: _compute(state, scenario, options, model, key, job),
            status_of_error=status_of,
        )
        return NumpyJSONResponse(
            _job_body(job), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"}
        )
    return await run_in_threadpool(_compute_inline, state, scenario, options, model, key, chosen)


def file_format_rendered(result: ProjectionResult, file_format: OutputFormat) -> bool:
    """Whether ``result`` already holds the bytes of ``file_format``."""
    return file_format in result.renderings


def _compute_inline(
    state: ServiceState,
    scenario: Scenario,
    options: ProjectionOptions,
    model: BaselineModel | None,
    key: str,
    chosen: OutputFormat,
) -> Response:
    if not state.inline_slots.acquire(timeout=state.settings.inline_wait_seconds):
        raise BusyError(
            f"all {state.settings.max_inline_projections} projection slots stayed busy for "
            f"{state.settings.inline_wait_seconds:g} s; retry later",
            retry_after_seconds=5,
        )
    try:
        result = _compute(state, scenario, options, model, key)
    finally:
        state.inline_slots.release()
    return _respond(result, chosen, cache_status="miss")


def _job_body(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "submitted": job.submitted.isoformat(),
        "finished": job.finished.isoformat() if job.finished else None,
        "done_hours": job.done_hours,
        "total_hours": job.total_hours,
        "result_url": f"/v1/jobs/{job.id}/result" if job.status == "succeeded" else None,
        "error": job.error,
        "error_status": job.error_status,
    }


JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN, description="Job id (32 hex digits).")]


def _job(state: ServiceState, job_id: str) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"job {job_id!r}: unknown, or finished long ago and forgotten")
    return job


@router.get(
    "/v1/jobs/{job_id}",
    summary="Poll a projection job",
    response_model=JobResponse,
    responses=ERROR_RESPONSES,
    tags=["jobs"],
)
def get_job(job_id: JobId, state: Annotated[ServiceState, Depends(get_ready_state)]) -> Any:
    """Status and progress [h] of a job; `result_url` once it succeeded."""
    return _job_body(_job(state, job_id))


@router.get(
    "/v1/jobs/{job_id}/result",
    summary="Result of a finished job",
    response_model=ProjectionResponse,
    response_class=NumpyJSONResponse,
    responses={
        **_RESULT_RESPONSES,
        409: {"model": ErrorBody, "description": "The job has not succeeded (yet)."},
        **ERROR_RESPONSES,
    },
    tags=["jobs"],
)
def get_job_result(
    job_id: JobId,
    state: Annotated[ServiceState, Depends(get_ready_state)],
    file_format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    """The job's projection, in the format asked for (as POST /v1/projections answers)."""
    job = _job(state, job_id)
    if job.status != "succeeded" or job.result is None:
        reason = f": {job.error}" if job.error else f"; poll /v1/jobs/{job.id}"
        raise ConflictError(f"job {job.id} is {job.status}, not succeeded{reason}")
    return _respond(job.result, negotiate(file_format, accept), cache_status="job")
