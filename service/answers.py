"""Answers carrying a projection result: format, ETag / 304, cached bytes or a stream.

Every result answer has an ``ETag`` made of the result key and the format: the key is a
digest of everything the result depends on (scenario, options, model, code), so the tag
changes exactly when the bytes would. A ``GET`` with a matching ``If-None-Match`` gets ``304
Not Modified`` without any work. JSON and CSV answers are byte-identical for one key (strong
tags); NetCDF files of one key are equivalent but not byte-identical (HDF5 writes metadata of
its own), so their tag is weak.

Rendering takes a slot (:mod:`service.admission`) before a thread. An answer small enough is
rendered whole and kept with the cached result; a larger one is streamed in chunks while its
slot is held, and never kept. A stored NetCDF answer is its result file, streamed from disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import xarray as xr
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from forecast.io.export import ID_COLUMNS_ATTRIBUTE, select_variables, with_id_columns
from service import estimates
from service.admission import Grant
from service.cache import ProjectionResult
from service.coalesce import retrieved
from service.render import CHUNKERS, MEDIA_TYPES, OutputFormat, projection_netcdf
from service.storage.results import ResultLostError, ResultMissingError

if TYPE_CHECKING:
    from service.state import ServiceState
    from service.storage.runs import Run

logger = logging.getLogger("service")

CACHE_CONTROL = "no-cache"


def etag(result_key: str, file_format: OutputFormat) -> str:
    """The entity tag of a result in a format (weak for NetCDF)."""
    tag = f'"{result_key[:40]}.{file_format}"'
    return f"W/{tag}" if file_format == "netcdf" else tag


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak comparison, RFC 9110 13.1.2) or ``*``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == wanted for part in if_none_match.split(","))


def _headers(
    result: ProjectionResult,
    file_format: OutputFormat,
    cache_status: str,
    *,
    root: str,
    horizon_years: tuple[int, int] | None,
) -> dict:
    headers = {
        "ETag": etag(result.key, file_format),
        "Cache-Control": CACHE_CONTROL,
        "X-Model-Version": result.model_label,
        "X-Cache": cache_status,
        # One URL answers JSON, CSV, NetCDF or Parquet by the Accept header: caches key on it.
        "Vary": "Accept",
        **provenance_headers(result.dataset),
    }
    if result.run_id is not None:
        headers["X-Run-Id"] = result.run_id
        headers["Content-Location"] = f"{root}/v1/runs/{result.run_id}/result?format={file_format}"
        if selection := result.dataset.attrs.get("variables_selected"):
            headers["Content-Location"] += f"&variables={quote(str(selection), safe=',*?[]')}"
        # The description of a table with the ids is the one that lists them.
        described = f"{root}/v1/runs/{result.run_id}/meta"
        if result.dataset.attrs.get(ID_COLUMNS_ATTRIBUTE):
            headers["Content-Location"] += "&id_columns=true"
            described += "?id_columns=true"
        headers["Link"] = f'<{described}>; rel="describedby"'
    if file_format != "json":
        name = f"{download_stem(result.dataset, horizon_years)}.{SUFFIXES[file_format]}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return headers


def part_key(
    result_key: str, variables: tuple[str, ...] | None, *, run_id: str | None = None
) -> str:
    """The key of a result's part holding the variables ``variables`` select and, with
    ``run_id``, the run's id columns (:func:`forecast.io.export.with_id_columns`; the run's id
    is in their rows): its ``ETag``'s (:func:`etag`). A part without ids keys as it always has."""
    text = f"{result_key}\n{','.join(variables or ())}"
    if run_id is not None:
        text += f"\nid_columns {run_id}"
    return hashlib.sha256(text.encode()).hexdigest()


def selected_part(
    result: ProjectionResult, variables: tuple[str, ...] | None, *, id_columns: bool = False
) -> ProjectionResult:
    """``result`` with only the variables that ``variables`` name or match
    (:func:`forecast.io.export.select_variables`) and, with ``id_columns``, its tables led by
    the run's id columns (:func:`forecast.io.export.with_id_columns`, the run's id the last),
    under a key of its own (so its ``ETag`` differs from the whole result's, and no rendering
    of the whole is reused for it), sharing the run, and the ``answered`` event that the
    result's file waits for. A part is rendered from memory each time, never kept (its file is
    the whole result's).

    Raises
    ------
    OptionsError
        An item names or matches none of the result's variables (422).
    """
    dataset = select_variables(result.dataset, variables, field="variables")
    if id_columns:
        dataset = with_id_columns(dataset, run_id=result.run_id)
    return ProjectionResult(
        key=part_key(result.key, variables, run_id=(result.run_id or "") if id_columns else None),
        dataset=dataset,
        run_id=result.run_id,
        dataset_bytes=result.dataset_bytes,
        answered=result.answered,
    )


#: A download's suffix by format.
SUFFIXES = {"json": "json", "csv": "csv", "netcdf": "nc", "parquet": "parquet"}


def provenance_headers(dataset: xr.Dataset) -> dict[str, str]:
    """What the result was computed from, as headers (the CLI's ``.meta.json`` in brief; the
    whole of it at ``Link: rel="describedby"``): ``X-Forecast-Code-Version``,
    ``X-Scenario-Sha256`` (a comparison's, each scenario's in order, comma-separated),
    ``X-Seed``, ``X-Draws`` and ``X-Weather`` (the weather kind used: historical, typical,
    synthetic, or none for a scenario without weather)."""
    attrs = dataset.attrs
    if "scenario" in dataset.dims:
        digests = ",".join(str(digest) for digest in dataset["scenario_sha256"].to_numpy())
    else:
        digests = str(attrs.get("scenario_sha256", ""))
    return {
        "X-Forecast-Code-Version": str(attrs.get("code_version", "")),
        "X-Scenario-Sha256": digests,
        "X-Seed": str(attrs.get("seed", "")),
        "X-Draws": str(attrs.get("draws", "")),
        "X-Weather": str(attrs.get("weather_kind", "none")),
    }


def comparison_stem(scenario_ids: list[str]) -> str:
    """A comparison download's name, ``comparison-<id>-<id>...`` (ids are ``[a-z0-9-]``, safe
    in a header), cut to 150 characters as the dashboard cuts it."""
    return ("comparison-" + "-".join(scenario_ids))[:150].rstrip("-")


def download_stem(dataset: xr.Dataset, horizon_years: tuple[int, int] | None = None) -> str:
    """A download's name without its suffix, the dashboard's rule (``service/web/main.js``
    and ``compare.js`` ``fileBase``): the scenario id, the period's years when they are not the
    scenario's horizon (``horizon_years``; None: unknown, always named), draws, seed and
    resolution: ``kr-outlook_d1000_s0_annual``, ``kr-outlook_2026-2030_d200_s0_monthly``; a
    comparison's ``comparison-<id>-<id>_2024-2035_d200_s0_annual`` (its period always named).
    """
    attrs = dataset.attrs
    years = (int(str(attrs["period_start"])[:4]), int(str(attrs["period_end"])[:4]))
    if "scenario" in dataset.dims:
        name = comparison_stem([str(label) for label in dataset["scenario"].to_numpy()])
        horizon_years = None
    else:
        name = str(attrs.get("scenario_id", "projection"))[:140]
    period = "" if years == horizon_years else f"_{years[0]}-{years[1]}"
    return f"{name}{period}_d{attrs['draws']}_s{attrs['seed']}_{attrs['resolution']}"


#: Least bytes sent at a time of a streamed answer (1 MiB): smaller pieces of it (a JSON
#: document's keys and separators, 190 of the 242 pieces of the national hourly answer) are
#: joined. [bytes]
SEND_AT_LEAST_BYTES = 1 << 20


def _batched(pieces: Iterator[bytes], least_bytes: int) -> Iterator[bytes]:
    """``pieces`` with the runs of small ones (under ``least_bytes`` together) joined; a large
    piece passes as it is (no copy)."""
    small: list[bytes] = []
    size = 0
    for piece in pieces:
        if len(piece) >= least_bytes:
            if small:
                yield b"".join(small)
                small, size = [], 0
            yield piece
            continue
        small.append(piece)
        size += len(piece)
        if size >= least_bytes:
            yield b"".join(small)
            small, size = [], 0
    if small:
        yield b"".join(small)


async def _streamed(
    chunks: Callable[[], Iterator[bytes]],
    grant: Grant | None,
    answered: threading.Event | None = None,
) -> AsyncIterator[bytes]:
    """The chunks, each made in a worker thread while the one before it is sent (small ones
    joined: :data:`SEND_AT_LEAST_BYTES`); the grant is released and ``answered`` set however
    it ends.

    Made one after the other, the national hourly JSON answer (55 MB) took 0.19 s from its
    first byte to its last: the socket idled while a chunk was made, the renderer while one
    was sent. A client gone mid-answer leaves at most the chunk being made to finish on its
    thread.
    """
    finished = object()
    pending: asyncio.Future | None = None
    try:
        pieces = _batched(chunks(), SEND_AT_LEAST_BYTES)

        def made() -> Any:
            return next(pieces, finished)

        pending = asyncio.ensure_future(run_in_threadpool(made))
        while (chunk := await pending) is not finished:
            pending = asyncio.ensure_future(run_in_threadpool(made))
            yield chunk
    finally:
        if pending is not None:  # a chunk made but not sent: its error, if any, is dropped
            pending.add_done_callback(retrieved)
        if grant is not None:
            grant.release()
        if answered is not None:
            answered.set()


async def answer(
    state: ServiceState,
    result: ProjectionResult,
    file_format: OutputFormat,
    *,
    cache_status: str,
    root: str,
    if_none_match: str | None = None,
    status_code: int = 200,
    variables: tuple[str, ...] | None = None,
    id_columns: bool = False,
) -> Response:
    """The response carrying ``result`` in ``file_format`` (304 when the client has it);
    ``root`` is the path the service is served under (``scope["root_path"]``), which its
    links start with; with ``variables`` (the items of ``?variables=``), only the variables
    they name or match, and with ``id_columns``, the run's ids first in every row
    (:func:`selected_part`).

    ``result.answered`` is set once the answer is rendered (streamed: sent, or given up), or
    when this fails, so that its file, written afterwards, does not compete with the answer the
    client waits for, nor waits for one that will not come.
    """
    try:
        if variables or id_columns:
            result = selected_part(result, variables, id_columns=id_columns)
        headers = _headers(
            result,
            file_format,
            cache_status,
            root=root,
            horizon_years=horizon_years(state, str(result.dataset.attrs.get("scenario_id"))),
        )
        return await _answer(state, result, file_format, headers, if_none_match, status_code)
    except BaseException:
        result.answered.set()
        raise


async def _answer(
    state: ServiceState,
    result: ProjectionResult,
    file_format: OutputFormat,
    headers: dict[str, str],
    if_none_match: str | None,
    status_code: int,
) -> Response:
    """:func:`answer`, but for setting ``result.answered`` when it fails."""
    if not_modified(if_none_match, headers["ETag"]):
        result.answered.set()
        return Response(status_code=304, headers=headers)
    media_type = MEDIA_TYPES[file_format]
    body = result.renderings.get(file_format)
    if body is not None:
        result.answered.set()
        return Response(body, status_code=status_code, media_type=media_type, headers=headers)
    name = result.result_file
    if file_format == "netcdf" and name is not None:
        try:
            # Read from disk, its length known, its bytes checked whole (never HDF5); a file
            # lost or damaged since is rendered anew below, from the result in memory.
            path = await state.light(
                state.results.intact, name, result.result_bytes, result.result_sha256
            )
            size = path.stat().st_size
        except (ResultLostError, ResultMissingError, FileNotFoundError) as lost:
            logger.warning("result file %s not sent (%s): rendered anew from memory", name, lost)
            name = None
    if file_format == "netcdf" and name is not None:
        return StreamingResponse(
            _streamed(lambda: state.results.chunks(name, result.result_bytes), None),
            status_code=status_code,
            media_type=media_type,
            headers={**headers, "Content-Length": str(size)},
        )
    what = f"rendering {result.dataset.attrs.get('scenario_id', 'a result')} as {file_format}"
    need = estimates.render_bytes(result, file_format, loaded=False)
    if file_format == "netcdf" or estimates.streams(result, file_format):
        grant = await state.admission.acquire(what, need)
        dataset = result.dataset

        def chunks() -> Iterator[bytes]:  # made in worker threads, from the first chunk on
            if file_format == "netcdf":
                yield projection_netcdf(dataset)
            else:
                yield from CHUNKERS[file_format](dataset)

        return StreamingResponse(
            _streamed(chunks, grant, result.answered),
            status_code=status_code,
            media_type=media_type,
            headers=headers,
        )

    async def render() -> bytes:
        async with state.admission.slot(what, need):
            rendered = await run_in_threadpool(
                lambda: b"".join(CHUNKERS[file_format](result.dataset))
            )
        state.cache.keep_rendering(result, file_format, rendered)
        return rendered

    body, _ = await state.coalescer.run(f"render:{result.key}:{file_format}", render)
    result.answered.set()  # (answer() sets it when this fails)
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


def horizon_years(state: ServiceState, scenario_id: str) -> tuple[int, int] | None:
    """The first and last year of a shipped scenario's horizon, or None (another one)."""
    shipped = state.scenarios.get(scenario_id)
    if shipped is None:
        return None
    horizon = shipped.scenario.horizon
    return horizon.start.year, horizon.end.year


def answer_file(state: ServiceState, run: Run, *, root: str) -> Response:
    """A stored run's NetCDF answer: its result file, streamed from disk.

    Raises
    ------
    ResultMissingError
        The file is not in the results directory.
    ResultLostError
        The file is not the size it was written at (its sha256 is checked before, by
        :meth:`~service.storage.results.ResultFiles.verify`).
    """
    assert run.result_file is not None
    path = state.results.path(run.result_file, run.result_bytes)
    options = run.options_document
    years = (int(options["start"][:4]), int(options["end"][:4]))
    if run.scenario_ids:
        name = comparison_stem(run.scenario_ids.split(","))
        digests = ",".join(entry["sha256"] for entry in json.loads(run.scenario_document))
        period = f"_{years[0]}-{years[1]}"
    else:
        name, digests = run.scenario_id[:140], run.scenario_sha256
        period = "" if years == horizon_years(state, run.scenario_id) else f"_{years[0]}-{years[1]}"
    stem = f"{name}{period}_d{options['draws']}_s{options['seed']}_{options['resolution']}"
    headers = {
        "ETag": etag(run.result_key, "netcdf"),
        "Cache-Control": CACHE_CONTROL,
        "X-Model-Version": run.model_version,
        "X-Cache": "stored",
        "Vary": "Accept",
        "X-Run-Id": run.id,
        "Content-Location": f"{root}/v1/runs/{run.id}/result?format=netcdf",
        "Link": f'<{root}/v1/runs/{run.id}/meta>; rel="describedby"',
        "X-Forecast-Code-Version": run.code_version,
        "X-Scenario-Sha256": digests,
        "X-Seed": str(options["seed"]),
        "X-Draws": str(options["draws"]),
        # 'auto' is left unresolved only where the scenario has no weather to resolve.
        "X-Weather": "none" if options["weather"] == "auto" else str(options["weather"]),
        "Content-Disposition": f'attachment; filename="{stem}.nc"',
        "Content-Length": str(path.stat().st_size),
    }
    name = run.result_file
    return StreamingResponse(
        _streamed(lambda: state.results.chunks(name, run.result_bytes), None),
        media_type=MEDIA_TYPES["netcdf"],
        headers=headers,
    )
