"""``/runs`` (under ``/v1``): the record of every computed projection or comparison, and its
result.

Listed newest first and filtered by scenario, scenario digest, model version, status, kind,
author and submission time; a run's result is read back from its NetCDF file in any format,
also after a restart. ``GET .../result`` answers ``304`` to an ``If-None-Match`` naming its
ETag without reading anything but the run's record.

A run is deleted by the key that asked for it or by an admin key (a run asked for without a
key, by an admin key only): a run is the record of an analysis others may have cited, and a
write key is not proof of having made it. The deleted run's record is kept with the deleting
key's id and the time, and the run answers ``410`` naming them. Where results retention has a
window, a deletion is remembered for one window (:mod:`service.retention`); after that the id
answers ``404``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query
from pydantic import BeforeValidator
from starlette.responses import Response

from forecast.errors import NotFoundError, worded_pattern
from forecast.io import export
from forecast.report.inputs import input_table
from forecast.scenario import SCENARIO_ID_PATTERN, parse_scenario
from forecast.sweep.compare import SCENARIO_COLUMN, comparison_table_metadata
from service import gridexports, projecting
from service.answers import answer, answer_file, etag, not_modified, part_key
from service.deps import Caller, RootPath, get_ready_state, has_role, require_write
from service.errors import ConflictError, ForbiddenError, GoneError, error_responses
from service.render import NumpyJSONResponse, OutputFormat, is_comparison, negotiate
from service.retention import RETENTION
from service.routers.projections import (
    RESULT_RESPONSES,
    IdColumnsQuery,
    VariablesQuery,
    check_id_columns,
    variable_items,
)
from service.routing import ServiceRoute
from service.schemas import (
    RUN_ID_PATTERN,
    SHA256_PATTERN,
    ResultResponse,
    RunList,
    RunRecord,
)
from service.state import ServiceState
from service.storage.results import ResultLostError, ResultMissingError
from service.storage.runs import RESUBMITTABLE, Run, RunFilter, RunStatus

T = TypeVar("T")

logger = logging.getLogger("service")
router = APIRouter(prefix="/runs", tags=["runs"], route_class=ServiceRoute)

#: ``model_version`` as a run records it: ``none``, or the baseline's ``id@version``.
RUN_MODEL_PATTERN = worded_pattern(
    r"^(none|[A-Za-z0-9][A-Za-z0-9._-]{0,127}@[A-Za-z0-9][A-Za-z0-9._-]{0,127})$",
    "none, or a model's id@version: letters, digits, '.', '_' and '-', each 1..128 characters "
    "starting with a letter or digit",
)
#: ``author``: an API key's id, the first 12 hex digits of its sha256.
AUTHOR_PATTERN = worded_pattern(r"^[0-9a-f]{12}$", "a key id: 12 hex digits (0-9, a-f)")
RunId = Annotated[str, Path(pattern=RUN_ID_PATTERN, description="Run id (32 hex digits).")]


def _iso_only(value: object) -> object:
    # pydantic would read "0.5" as a Unix time; a filter takes ISO 8601 text only.
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("allowed: an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z")
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_iso_only)]
#: How a run was computed: answered at once, or as a job to poll.
RunKind = Literal["inline", "job"]
State = Annotated[ServiceState, Depends(get_ready_state)]
MAX_PAGE = 500


def run_record(run: Run, *, root: str, progress: int | None = None) -> dict[str, Any]:
    """The RunRecord document of a run, its links under ``root``."""
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "scenario_id": run.scenario_id,
        "scenario_ids": run.scenario_ids.split(",") if run.scenario_ids else None,
        "scenario_version": run.scenario_version,
        "scenario_source": run.scenario_source,
        "scenario_sha256": run.scenario_sha256,
        "options": run.options_document,
        "model_version": run.model_version,
        "code_version": run.code_version,
        "data_sha256": run.data_sha256,
        "weather_sha256": run.weather_sha256,
        "model_manifest_sha256": run.model_manifest_sha256,
        "author": run.author,
        "submitted": run.submitted_at,
        "started": run.started_at,
        "finished": run.finished_at,
        "compute_seconds": run.compute_seconds,
        "done_hours": run.done_hours if progress is None else progress,
        "total_hours": run.total_hours,
        "error": run.error,
        "error_status": run.error_status,
        "result_bytes": run.result_bytes,
        "result_sha256": run.result_sha256,
        "result_url": f"{root}/v1/runs/{run.id}/result" if run.status == "succeeded" else None,
        "resubmitted_from": run.resubmitted_from,
        "note": run.note,
    }


async def find_run(state: ServiceState, run_id: str, *, kind: str = "run") -> Run:
    """The run with ``run_id``; 410 naming who deleted it and when, 404 when never made."""
    run = await state.light(state.runs.get, run_id)
    if run is not None:
        return run
    deletion = await state.light(state.runs.deletion, run_id)
    if (
        deletion is not None
        and deletion.deleted_by == RETENTION
        and deletion.status in (RESUBMITTABLE)
    ):
        raise GoneError(
            f"{kind} {run_id}: {deletion.status}, its record was removed by retention "
            "(FORECAST_RESULTS_RETENTION_DAYS: failed and cancelled runs are kept as long as "
            f"results) at {deletion.deleted_at:%Y-%m-%dT%H:%M:%SZ}; POST the same request to "
            "compute it"
        )
    if deletion is not None and deletion.deleted_by == RETENTION:
        raise GoneError(
            f"{kind} {run_id}: its result was removed by retention (FORECAST_RESULTS_RETENTION"
            f"_DAYS or FORECAST_RESULTS_MAX_BYTES) at {deletion.deleted_at:%Y-%m-%dT%H:%M:%SZ}; "
            "POST the same request to compute it anew"
        )
    if deletion is not None:
        raise GoneError(
            f"{kind} {run_id}: deleted by key {deletion.deleted_by} at "
            f"{deletion.deleted_at:%Y-%m-%dT%H:%M:%SZ}; POST the same request to compute it anew"
        )
    raise NotFoundError(
        f"{kind} {run_id!r}: unknown (never made here, or deleted longer ago than deletions are "
        "remembered: one FORECAST_RESULTS_RETENTION_DAYS window after the deletion)"
    )


async def result_answer(
    state: ServiceState,
    run: Run,
    file_format: OutputFormat | None,
    accept: str | None,
    if_none_match: str | None,
    *,
    root: str,
    variables: str | None = None,
    id_columns: bool = False,
) -> Response:
    """A run's result in the format asked for (only the ``variables`` selected, where given;
    with ``id_columns``, the run's ids first in every row of a CSV or Parquet answer, 422 for
    another format); 304 when the client holds it; 409 unfinished or its file damaged; 503 its
    file missing (the run kept as it is); links under ``root``.

    A result still in memory is answered from there, also while its file is being written.
    """
    items = variable_items(variables)
    if run.grid_export:
        # One answer, its zip, whatever format, type or variables are asked for.
        chosen: OutputFormat = "json"
        items, id_columns = None, False
        answering = partial(gridexports.answer_archive, if_none_match=if_none_match)
    else:
        chosen = negotiate(file_format, accept)
        check_id_columns(chosen, id_columns)
        answering = partial(answer, if_none_match=if_none_match)
    cached = projecting.in_memory(state, run.result_key)
    if cached is not None and (cached.run_id == run.id or run.status == "succeeded"):
        return await answering(
            state,
            cached,
            chosen,
            cache_status="hit",
            root=root,
            variables=items,
            id_columns=id_columns,
        )
    if run.status != "succeeded" or run.result_file is None:
        reason = f": {run.error}" if run.error else f"; poll /v1/jobs/{run.id}"
        raise ConflictError(f"run {run.id} is {run.status}, not succeeded{reason}")
    if run.grid_export:
        tag = gridexports.archive_etag(run.result_key)
    elif items or id_columns:
        # The part's key as the answer makes it (its rows carry this run's id).
        tag = etag(part_key(run.result_key, items, run_id=run.id if id_columns else None), chosen)
    else:
        tag = etag(run.result_key, chosen)
    if not_modified(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
    if chosen == "netcdf" and not items and not run.grid_export:
        # The file is the answer: nothing to read into memory, its bytes checked whole.
        assert run.result_file is not None
        file, size, digest = run.result_file, run.result_bytes, run.result_sha256
        await stored_file(state, run, lambda: state.light(state.results.verify, file, size, digest))
        return answer_file(state, run, root=root)
    result = await stored_file(state, run, lambda: projecting.stored(state, run))
    return await answering(
        state,
        result,
        chosen,
        cache_status="stored",
        root=root,
        variables=items,
        id_columns=id_columns,
    )


async def stored_file(state: ServiceState, run: Run, read: Callable[[], Awaitable[T]]) -> T:
    """What ``read()`` makes of a succeeded run's result file, its file missing or damaged
    answered as such.

    Raises
    ------
    ResultMissingError
        503: the file is not in the results directory; the run is kept as it is.
    ConflictError
        409: the file is damaged; the run is now failed (:func:`projecting.forget_lost`),
        saying so and how to resubmit it.
    """
    try:
        return await read()
    except ResultMissingError:
        raise ResultMissingError(
            f"run {run.id}: its result file is missing from the results directory; the run is "
            "kept and its result is served again once the file is back (the operator should "
            "check the results directory), or POST the same request to compute it anew"
        ) from None
    except ResultLostError as lost:
        error = await projecting.forget_lost(state, run, lost)
        raise ConflictError(f"run {run.id} is failed, not succeeded: {error}") from None


@router.get(
    "",
    summary="List runs",
    response_model=RunList,
    responses=error_responses(),
)
async def list_runs(
    state: State,
    root: RootPath,
    scenario_id: Annotated[
        str | None, Query(pattern=SCENARIO_ID_PATTERN, description="Projected scenario id.")
    ] = None,
    scenario_sha256: Annotated[
        str | None, Query(pattern=SHA256_PATTERN, description="Scenario digest.")
    ] = None,
    model_version: Annotated[
        str | None,
        Query(
            pattern=RUN_MODEL_PATTERN,
            description="Baseline model id@version, or none.",
        ),
    ] = None,
    status: Annotated[RunStatus | None, Query(description="Run status.")] = None,
    kind: Annotated[RunKind | None, Query(description="inline or job.")] = None,
    author: Annotated[
        str | None,
        Query(
            pattern=AUTHOR_PATTERN,
            description="Id of the API key that asked for it (12 hex digits, the first of the "
            "key's sha256), as `author` shows it.",
        ),
    ] = None,
    data_sha256: Annotated[
        str | None,
        Query(
            pattern=SHA256_PATTERN,
            description="sha256 of the shipped data it computed from, as a run's `data_sha256` "
            "shows it (runs recorded before it was recorded match none).",
        ),
    ] = None,
    submitted_after: Annotated[
        Moment | None, Query(description="Submitted at or after (ISO 8601; UTC if naive).")
    ] = None,
    submitted_before: Annotated[
        Moment | None, Query(description="Submitted before (ISO 8601; UTC if naive).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Runs per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Runs to skip.")] = 0,
) -> dict[str, Any]:
    """Runs matching every filter given, newest first, a page at a time."""
    where = RunFilter(
        scenario_id=scenario_id,
        scenario_sha256=scenario_sha256,
        model_version=model_version,
        status=status,
        kind=kind,
        submitted_after=_utc(submitted_after),
        submitted_before=_utc(submitted_before),
        author=author,
        data_sha256=data_sha256,
    )
    runs, total = await state.light(state.runs.search, where, limit=limit, offset=offset)
    return {"total": total, "runs": [run_record(run, root=root) for run in runs]}


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@router.get(
    "/{run_id}",
    summary="One run",
    response_model=RunRecord,
    responses=error_responses(404, 410),
)
async def get_run(run_id: RunId, state: State, root: RootPath) -> dict[str, Any]:
    """A run's record: scenario digest, options, model and code version, status, timings."""
    run = await find_run(state, run_id)
    progress = state.jobs.progress(run.id) if run.status == "running" else None
    return run_record(run, root=root, progress=progress)


@router.get(
    "/{run_id}/result",
    summary="A run's result",
    response_model=ResultResponse,
    response_class=NumpyJSONResponse,
    responses={
        **RESULT_RESPONSES,
        304: {"description": "Not modified: If-None-Match names this result's ETag."},
        **error_responses(404, 406, 409, 410),
    },
)
async def get_run_result(
    run_id: RunId,
    state: State,
    root: RootPath,
    file_format: Annotated[
        OutputFormat | None,
        Query(alias="format", description="json, csv, netcdf or parquet; overrides Accept."),
    ] = None,
    accept: Annotated[str | None, Header(description="As for POST /v1/projections.")] = None,
    if_none_match: Annotated[
        str | None, Header(description="An ETag of this result: 304 when it matches.")
    ] = None,
    variables: VariablesQuery = None,
    id_columns: IdColumnsQuery = False,
) -> Response:
    """The run's projection (or comparison) in any format, read from its result file when not
    in memory."""
    run = await find_run(state, run_id)
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


@router.get(
    "/{run_id}/meta",
    summary="A run's provenance (what forecast project writes to .meta.json)",
    responses=error_responses(404, 409, 410),
)
async def get_run_meta(
    run_id: RunId,
    state: State,
    id_columns: Annotated[
        bool,
        Query(
            description="Describe the table that `?id_columns=true` answers: its `columns` and "
            "`dtypes` start with the run's id columns (scenario_id, scenario_sha256, seed, "
            "draws, code_version, run_id), a comparison's before `scenario`, and `attrs` "
            "name them (`id_columns`, `run_id`), as that answer's Parquet metadata does. An "
            "answer with the ids links here with it."
        ),
    ] = False,
) -> dict[str, Any]:
    """The provenance of a run's table, as the command line writes it beside its CSV
    (`<file>.csv.meta.json`): the result's attributes (scenario digest, seed, draws, period,
    code version, baseline model, weather, ...), the CSV's columns, the spread drivers and,
    for a projection, where each input of the scenario comes from (`inputs`); for a
    comparison, each scenario's own attributes (`scenarios`). A CSV or Parquet answer links
    here (`Link: <...>; rel="describedby"`), one with `?id_columns=true` to this with
    `?id_columns=true`, whose `columns` and `dtypes` hold the id columns its rows start with."""
    run = await find_run(state, run_id)
    cached = projecting.in_memory(state, run.result_key)
    if cached is None or (cached.run_id != run.id and run.status != "succeeded"):
        if run.status != "succeeded" or run.result_file is None:
            reason = f": {run.error}" if run.error else f"; poll /v1/jobs/{run.id}"
            raise ConflictError(f"run {run.id} is {run.status}, not succeeded{reason}")
        cached = await stored_file(state, run, lambda: projecting.stored(state, run))
    if run.grid_export:
        return {**await state.light(gridexports.manifest, cached.dataset), "run": _digests(run)}
    return await state.light(_table_metadata, run, cached.dataset, id_columns=id_columns)


def _table_metadata(run: Run, dataset: Any, *, id_columns: bool = False) -> dict[str, Any]:
    """:func:`forecast.io.export.table_metadata` of a run's result (a comparison's:
    :func:`forecast.sweep.compare.comparison_table_metadata`), JSON-ready, and the run's own
    record of its input digests under ``run`` (null where recorded before runs recorded them).
    With ``id_columns``, of the table led by the run's id columns, as ``?id_columns=true``
    answers it (:func:`forecast.io.export.with_id_columns`: the run's id the last)."""
    if id_columns:
        dataset = export.with_id_columns(dataset, run_id=run.id)
    if is_comparison(dataset):
        columns = export.table_columns(dataset)
        columns.insert(export.lead_column_position(dataset), SCENARIO_COLUMN)
        metadata = comparison_table_metadata(dataset, columns)
    else:
        scenario = parse_scenario(json.loads(run.scenario_document), origin=f"run {run.id}")
        metadata = export.table_metadata(
            dataset, export.table_columns(dataset), inputs=input_table(scenario)
        )
    metadata["run"] = _digests(run)
    return metadata


def _digests(run: Run) -> dict[str, Any]:
    """The run's id and its record of its input digests (null where recorded before runs
    recorded them)."""
    return {
        "id": run.id,
        "data_sha256": run.data_sha256,
        "weather_sha256": run.weather_sha256,
        "model_manifest_sha256": run.model_manifest_sha256,
    }


@router.delete(
    "/{run_id}",
    summary="Delete a run and its result (its own key or an admin key)",
    status_code=204,
    responses=error_responses(401, 403, 404, 409, 410),
)
async def delete_run(
    run_id: RunId,
    state: State,
    caller: Annotated[Caller, Depends(require_write)],
) -> Response:
    """Forget a finished run and remove its result file. Allowed to the key that asked for it
    (a write key) and to admin keys; a run asked for without a key, to admin keys only. The
    run's record is kept with the deleting key's id and the time: the run answers 410 naming
    them."""
    run = await find_run(state, run_id)
    if not has_role(caller, "admin") and (run.author is None or run.author != caller.key_id):
        made = f"by key {run.author}" if run.author else "without a key"
        raise ForbiddenError(
            f"X-API-Key: run {run.id} was asked for {made}; deleting it needs that key or an "
            "admin key"
        )
    if not run.finished:
        raise ConflictError(f"run {run.id} is {run.status}: wait until it has finished")
    if await state.light(state.runs.delete, run.id, by=str(caller.key_id)) is None:
        await find_run(state, run_id)  # deleted at the same moment: 410 naming by whom
    logger.info("run %s deleted by key %s", run.id, caller.key_id)
    state.cache.drop(run.result_key)
    await state.light(state.results.delete, run.result_file)
    return Response(status_code=204)
