"""A grid-model export request (``POST /v1/grid-exports``), from its body to its zip archive:
the files ``forecast export-grid`` writes (PyPSA, PLEXOS or wide tables, and the manifest
``export.json``) for the same options.

It is answered as a projection is (:mod:`service.projecting`, in the same order: memory, a
stored run, the unfinished job computing it, a new job when large, else inline in a slot),
and recorded as a run whose options hold the export's own (``grid_export``). What differs is
here: the scenario and the projection's options are resolved as ``POST /v1/projections``
resolves them (``sample`` draws, annual, with every draw's per-year values), the export's
options are checked by the command line's own checks (:mod:`forecast.report.gridexport`, their
messages in the API's field names), the size is the export's (two passes over the period for
representative or chosen draws), and the result is the archive's bytes
(:func:`service.tasks.grid_export`), answered as ``application/zip``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Literal

import xarray as xr
from starlette.responses import Response

from forecast.errors import OptionsError
from forecast.projection import notes_in_attributes
from forecast.report import gridexport
from service import estimates, projecting
from service.answers import CACHE_CONTROL, horizon_years, not_modified, provenance_headers
from service.cache import ProjectionResult, grid_export_key
from service.inputs import check_local_midnights
from service.schemas import GridExportRequest, ProjectionRequest
from service.state import ServiceState
from service.storage.runs import Run
from service.tasks import ARCHIVE, GridExport, GridExportTask, grid_export

MEDIA_TYPE = "application/zip"
#: What the command line calls an option that the API calls otherwise (the rest: its name
#: without the dashes, ``--rank-by`` → ``rank_by``).
_API_NAMES = {"no-baseline": "include_baseline false"}


def in_api_names(error: OptionsError) -> OptionsError:
    """``error`` with the command line's option names (``--rank-by``) in the body's field
    names (``rank_by``): the export's checks are the command line's, one source of truth."""
    message = re.sub(
        r"--([a-z][a-z-]*)",
        lambda match: _API_NAMES.get(match[1], match[1].replace("-", "_")),
        str(error),
    )
    return type(error)(message)


@dataclass(frozen=True)
class PreparedGridExport:
    """A checked export request: the projection it runs (its key the export's), the
    export's options, and the hours it steps through."""

    projection: projecting.Prepared
    export: GridExport
    #: Hours of the days projected: the period's (or each named year's), and a local day more
    #: where its first or last hour in the calendar's time falls in it
    #: (:func:`~forecast.report.gridexport.projected_periods`).
    hours: int
    #: Passes over those hours: two for draws (the first ranks them), one for quantile paths.
    passes: int

    @property
    def key(self) -> str:
        """Digest of everything the archive depends on (:func:`grid_export_key`)."""
        return self.projection.key

    @property
    def total_hours(self) -> int:
        """Hours the export steps through, all passes (its progress counts up to this). [h]"""
        return self.hours * self.passes

    @property
    def draw_hours(self) -> int:
        """Monte Carlo draws x hours of every pass: the size of the work. [draw-hours]"""
        return self.projection.options.draws * self.total_hours

    @property
    def what(self) -> str:
        """The work, in words."""
        return f"grid export of {self.projection.scenario.id}"

    def need_bytes(self) -> int:
        """Memory of the projection, the paths and their archive. [bytes]"""
        options = self.projection.options
        assert options.start is not None
        last_day = options.start + dt.timedelta(days=self.hours // 24 - 1)
        projected = dataclasses.replace(options, per_draw=True, end=last_day)
        return estimates.grid_export_bytes(
            projected, self.projection.scenario, paths=self.export.paths, hours=self.hours
        )

    def check_computable(self) -> None:
        """Refuse what the engine cannot compute (days without a local midnight)."""
        options = self.projection.options
        assert options.start is not None and options.end is not None
        check_local_midnights(
            self.projection.scenario.timezone, options.start, options.end, field="timezone"
        )

    def compute(self) -> xr.Dataset:
        """The export's archive (in the calling thread)."""
        prepared = self.projection
        with notes_in_attributes():
            return grid_export(prepared.scenario, prepared.options, prepared.model, self.export)

    def task(self, run_id: str, results_dir: str) -> GridExportTask:
        """The job a Dask worker runs."""
        prepared = self.projection
        return GridExportTask(
            run_id=run_id,
            scenario=prepared.scenario,
            options=prepared.options,
            model=prepared.model,
            export=self.export,
            results_dir=results_dir,
        )

    def record(self, *, kind: Literal["inline", "job"], author: str | None, **fields: Any) -> Run:
        """The record of an export about to start: a projection's, its options holding the
        export's (``grid_export``), its hours all the passes'."""
        run = projecting.new_run(self.projection, kind=kind, author=author, **fields)
        options = {**run.options_document, "grid_export": self.export.document()}
        return dataclasses.replace(
            run, options=json.dumps(options, sort_keys=True), total_hours=self.total_hours
        )


def _prepared(
    projection: projecting.Prepared, export: GridExport, sample: int
) -> PreparedGridExport:
    """The export of ``projection`` with ``export``'s options, checked as the command line
    checks them (``sample``: the Monte Carlo draws, for the error messages' bounds)."""
    scenario, options = projection.scenario, projection.options
    try:
        gridexport.check_request(
            export.draws,
            export.quantiles,
            export.rank_by,
            sample,
            draw_numbers=export.draw_numbers,
            random=export.random,
        )
        periods = gridexport.projected_periods(scenario, options, export.calendar, export.years)
        gridexport.check_weather_year(scenario, options, export.weather_year)
        gridexport.check_buses(
            scenario,
            options,
            export.buses,
            baseline_shares=export.baseline_shares,
            baseline=projection.model,
        )
    except OptionsError as error:
        raise in_api_names(error) from error
    key = grid_export_key(projection.key, export.document())
    return PreparedGridExport(
        projection=dataclasses.replace(projection, key=key),
        export=export,
        hours=sum(((last - first).days + 1) * 24 for first, last in periods),
        passes=1 if export.quantiles is not None else 2,
    )


def prepare_sync(state: ServiceState, request: GridExportRequest) -> PreparedGridExport:
    """Resolve and check a request: the export's options first (as the command line does),
    then the scenario and projection as ``POST /v1/projections`` resolves them.

    Raises
    ------
    OptionsError, ScenarioError, NotFoundError
        An option refused by the command line's checks (named by its field), an unknown or
        malformed scenario, or a period or model the projection refuses.
    """
    try:
        rank_by = gridexport.check_options(
            request.format, request.rank_by, quantile=request.quantile
        )
        years = None if request.years is None else tuple(request.years)
        period = (
            (request.start, request.end)
            if years is None
            else gridexport.period_of_years(years, request.start, request.end)
        )
    except OptionsError as error:
        raise in_api_names(error) from error
    if request.sample > state.settings.max_draws:
        raise OptionsError(
            f"sample = {request.sample}: at most {state.settings.max_draws} allowed on this service"
        )
    chosen = request.quantile is not None or request.draw is not None or request.random is not None
    export = GridExport(
        file_format=request.format,
        rank_by=rank_by,
        draws=request.draws if request.draws is not None else None if chosen else 1,
        draw_numbers=None if request.draw is None else tuple(request.draw),
        random=request.random,
        quantiles=None if request.quantile is None else tuple(request.quantile),
        buses=request.bus,
        baseline_shares=request.baseline_shares,
        calendar=request.calendar,
        years=years,
        weather_year=request.weather_year,
    )
    projection = projecting.prepare_sync(state, _projection_request(request, *period))
    return _prepared(projection, export, request.sample)


def _projection_request(
    request: GridExportRequest, start: dt.date | None, end: dt.date | None
) -> ProjectionRequest:
    """The projection an export chooses its paths from: its scenario, ``sample`` draws,
    seed, period (``start`` to ``end``: the request's, or its years'), weather and baseline,
    annual (the export sets what else it needs)."""
    return ProjectionRequest(
        scenario_id=request.scenario_id,
        scenario_version=request.scenario_version,
        overrides=request.overrides,
        scenario=request.scenario,
        draws=request.sample,
        seed=request.seed,
        start=start,
        end=end,
        resolution="annual",
        weather=request.weather,
        include_baseline=request.include_baseline,
        baseline_model=request.baseline_model,
    )


async def prepare(state: ServiceState, request: GridExportRequest) -> PreparedGridExport:
    """:func:`prepare_sync` in a worker thread (it may read a saved scenario or a model)."""
    return await state.light(prepare_sync, state, request)


def resubmission(state: ServiceState, run: Run) -> PreparedGridExport:
    """A failed or cancelled export prepared again from its record, with the model served
    now.

    Raises
    ------
    ConflictError
        The run neither failed nor was cancelled.
    """
    projecting.check_resubmittable(run)
    return recomputation(state, run)


def recomputation(state: ServiceState, run: Run) -> PreparedGridExport:
    """An export prepared again from its record, whatever its status, with the model served
    now (see :func:`service.projecting.recomputation`)."""
    projection = projecting.recomputation(state, run)
    export = GridExport.from_document(run.options_document["grid_export"])
    return _prepared(projection, export, projection.options.draws)


def archive_bytes(dataset: xr.Dataset) -> bytes:
    """The zip archive a grid export's result holds."""
    return dataset[ARCHIVE].to_numpy().tobytes()


def manifest(dataset: xr.Dataset) -> dict[str, Any]:
    """The export's manifest (``export.json``) from its archive."""
    with zipfile.ZipFile(io.BytesIO(archive_bytes(dataset))) as archive:
        document: dict[str, Any] = json.loads(archive.read(gridexport.MANIFEST))
    return document


def archive_etag(result_key: str) -> str:
    """The entity tag of an export's archive (strong: one key, one archive's bytes)."""
    return f'"{result_key[:40]}.zip"'


def file_name(state: ServiceState, dataset: xr.Dataset) -> str:
    """The archive's name: scenario, period (when not the scenario's horizon), Monte Carlo
    draws, seed and format, as a projection's download is named:
    ``kr-outlook_2030-2030_d300_s0_pypsa.zip``. The period is the export's own
    (``grid_export_period_*``), not its projection's, which may run into the next year (an
    archive made before they were kept: the projection's)."""
    attrs = dataset.attrs
    scenario_id = str(attrs.get("scenario_id", "grid-export"))
    first = attrs.get("grid_export_period_start", attrs["period_start"])
    last = attrs.get("grid_export_period_end", attrs["period_end"])
    years = (int(str(first)[:4]), int(str(last)[:4]))
    period = "" if years == horizon_years(state, scenario_id) else f"_{years[0]}-{years[1]}"
    return (
        f"{scenario_id[:140]}{period}_d{attrs['draws']}_s{attrs['seed']}_"
        f"{attrs['grid_export_format']}.zip"
    )


async def answer_archive(
    state: ServiceState,
    result: ProjectionResult,
    file_format: str = "zip",
    *,
    cache_status: str,
    root: str,
    if_none_match: str | None = None,
    variables: tuple[str, ...] | None = None,
    id_columns: bool = False,
) -> Response:
    """The export's zip archive (``file_format``, ``variables`` and ``id_columns`` aside: an
    export has one answer, no variables to choose and no projection table's rows), with a
    projection answer's provenance headers and a strong ``ETag`` (the archive is the same bytes
    for one key: its members carry a fixed time); 304 when ``If-None-Match`` names it."""
    try:
        tag = archive_etag(result.key)
        headers = {
            "ETag": tag,
            "Cache-Control": CACHE_CONTROL,
            "X-Model-Version": result.model_label,
            "X-Cache": cache_status,
            **provenance_headers(result.dataset),
            "Content-Disposition": f'attachment; filename="{file_name(state, result.dataset)}"',
        }
        if result.run_id is not None:
            headers["X-Run-Id"] = result.run_id
            headers["Content-Location"] = f"{root}/v1/runs/{result.run_id}/result"
            headers["Link"] = f'<{root}/v1/runs/{result.run_id}/meta>; rel="describedby"'
        if not_modified(if_none_match, tag):
            return Response(status_code=304, headers=headers)
        return Response(archive_bytes(result.dataset), media_type=MEDIA_TYPE, headers=headers)
    finally:
        result.answered.set()
