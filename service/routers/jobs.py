"""``/jobs`` (under ``/v1``): projection and comparison jobs — poll one, fetch its result,
cancel it, resubmit it.

A job is a run computed on Dask (:mod:`service.jobs`); its id is its run's, and its state is
the run's record in the database, so it survives a restart: a finished job is served after
one, and a job that was running when the server died is reported failed, to be resubmitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from starlette.responses import Response

from service import comparing, gridexports, projecting
from service.deps import Caller, RootPath, get_ready_state, has_role, optional_caller
from service.errors import ConflictError, ForbiddenError, error_responses
from service.render import NumpyJSONResponse
from service.routers import runs
from service.routers.projections import (
    RESULT_RESPONSES,
    AcceptHeader,
    FormatQuery,
    IdColumnsQuery,
    VariablesQuery,
    accepted,
    answer_format,
    job_body,
)
from service.routers.runs import result_answer
from service.routing import ServiceRoute
from service.schemas import RUN_ID_PATTERN, JobResponse, ResultResponse
from service.state import ServiceState
from service.storage.runs import Run, resubmit_hint

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=ServiceRoute)

JobId = Annotated[str, Path(pattern=RUN_ID_PATTERN, description="Job id (32 hex digits).")]
State = Annotated[ServiceState, Depends(get_ready_state)]


async def find_run(state: ServiceState, run_id: str, *, kind: str = "job") -> Run:
    """The run with ``run_id``; 410 once deleted, 404 when never submitted."""
    return await runs.find_run(state, run_id, kind=kind)


@router.get(
    "/{job_id}",
    summary="Poll a projection or comparison job",
    response_model=JobResponse,
    responses=error_responses(404, 410),
)
async def get_job(job_id: JobId, state: State, root: RootPath) -> Any:
    """Status and progress [h] of a job, and its `result_url` (in the format the job was asked
    in; 409 there until it has succeeded)."""
    run = await find_run(state, job_id)
    progress = state.jobs.progress(run.id) if run.status == "running" else None
    return job_body(run, root=root, progress=progress)


@router.get(
    "/{job_id}/result",
    summary="Result of a finished job",
    response_model=ResultResponse,
    response_class=NumpyJSONResponse,
    responses={
        **RESULT_RESPONSES,
        304: {"description": "Not modified: If-None-Match names this result's ETag."},
        **error_responses(404, 406, 409, 410),
    },
)
async def get_job_result(
    job_id: JobId,
    state: State,
    root: RootPath,
    file_format: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: Annotated[
        str | None, Header(description="An ETag of this result: 304 when it matches.")
    ] = None,
    variables: VariablesQuery = None,
    id_columns: IdColumnsQuery = False,
) -> Response:
    """The job's projection or comparison, in the format asked for (as POST /v1/projections
    or POST /v1/comparisons answers); without `format` or an Accept naming a type (`*/*`, as
    curl sends), in the format the job was asked in (`POST ...?format=csv`: CSV)."""
    run = await find_run(state, job_id)
    if file_format is None and (accept is None or accept.strip() in ("", "*/*")):
        file_format = answer_format(run)
    return await result_answer(
        state,
        run,
        file_format,
        accept,
        if_none_match,
        root=root,
        variables=variables,
        id_columns=id_columns,
    )


@router.post(
    "/{job_id}/resubmit",
    summary="Resubmit a failed or cancelled job",
    status_code=202,
    response_model=JobResponse,
    responses=error_responses(403, 404, 409, 410, 413, 429),
)
async def resubmit_job(
    job_id: JobId,
    state: State,
    caller: Annotated[Caller, Depends(optional_caller)],
    root: RootPath,
) -> Response:
    """Queue a failed or cancelled job again (an interrupted one, say) with the model served
    now; `202` naming the new job, or the identical run that already has its answer or is
    computing it (a second resubmission computes nothing again). Allowed to the key that
    submitted the job and to admin keys (to anyone on a service without keys); the new job
    belongs to the same key as the old."""
    run = await find_run(state, job_id)
    _check_owner(state, run, caller, "resubmitting")
    prepared: projecting.Computation = await state.light(_resubmission(run), state, run)
    done = await state.light(state.runs.stored_result, prepared.key)
    if done is not None:
        return accepted(done, root=root, file_format=answer_format(run))
    running = state.jobs.find(prepared.key)
    if running is not None:
        found = await state.light(state.runs.get, running)
        if found is not None:
            return accepted(found, root=root, file_format=answer_format(run))
    resubmitted = await projecting.submit_job(
        state,
        prepared,
        run.author,
        resubmitted_from=run.id,
        client=caller.client,
        file_format=answer_format(run),
    )
    return accepted(resubmitted, root=root)


@router.post(
    "/{job_id}/cancel",
    summary="Cancel a queued or running job",
    response_model=JobResponse,
    responses=error_responses(403, 404, 409, 410),
)
async def cancel_job(
    job_id: JobId,
    state: State,
    caller: Annotated[Caller, Depends(optional_caller)],
    root: RootPath,
) -> Any:
    """Stop a job that is queued or running: a queued job never starts, a running one stops
    within a chunk of hours and writes no result. The job becomes `cancelled` (a finished
    record, resubmittable). Allowed to the key that submitted it and to admin keys (to
    anyone on a service without keys; a job submitted without a key, to admin keys only).
    Identical requests share one job (see POST /v1/projections): cancelling it cancels it
    for every one of them."""
    run = await find_run(state, job_id)
    if run.finished:
        raise _nothing_to_cancel(run)
    if run.kind != "job":
        raise ConflictError(
            f"run {run.id} is computed in its own request: POST /v1/jobs/{{id}}/cancel applies "
            "to jobs only"
        )
    _check_owner(state, run, caller, "cancelling")
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    who = f"key {caller.key_id}" if caller.key_id else "a caller without a key"
    reason = f"cancelled by {who} at {when}; {resubmit_hint(run.id)}"
    cancelled = await state.light(state.jobs.cancel, run.id, reason)
    run = await find_run(state, job_id)
    if not cancelled:
        raise _nothing_to_cancel(run)
    return job_body(run, root=root)


def _resubmission(run: Run) -> Callable[[ServiceState, Run], projecting.Computation]:
    """What prepares ``run`` again: a grid export's, a comparison's or a projection's."""
    if run.grid_export:
        return gridexports.resubmission
    return comparing.resubmission if run.comparison else projecting.resubmission


def _check_owner(state: ServiceState, run: Run, caller: Caller, doing: str) -> None:
    """Raise 403 unless ``caller`` submitted ``run`` with its key or holds an admin key; on a
    service without keys (one user) anyone may.

    Raises
    ------
    ForbiddenError
        Another key, or no key, submitted it.
    """
    if not state.settings.accepted_keys() or has_role(caller, "admin"):
        return
    if run.author is not None and run.author == caller.key_id:
        return
    made = f"with key {run.author}" if run.author else "without a key"
    raise ForbiddenError(
        f"X-API-Key: job {run.id} was submitted {made}; {doing} it is allowed to "
        + ("that key or " if run.author else "")
        + "an admin key"
    )


def _nothing_to_cancel(run: Run) -> ConflictError:
    """409 for a job that has ended (``succeeded``, ``been cancelled``...) or is ending."""
    if not run.finished:  # its end is being recorded
        ended = f"just ended; poll /v1/jobs/{run.id}"
    else:
        ended = {"cancelled": "been cancelled"}.get(run.status, run.status)
    return ConflictError(f"job {run.id} has {ended}: nothing to cancel")
