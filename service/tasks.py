"""The function a Dask worker runs for a projection, comparison or grid-export job.

It imports only the library and :mod:`service.storage.results`, so a worker of a remote
cluster needs the package installed and the results directory mounted, nothing of the
server. Progress and the start are reported as Dask events on :data:`EVENTS`, which the
server subscribes to (:class:`service.jobs.JobRunner`); the result is written to its file
here and only its name and size go back. A job cancelled while it runs stops at its next
progress report and writes nothing: its task is then no longer executing on the worker.
"""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from distributed import get_worker

from forecast.projection import ProjectionOptions, notes_in_attributes, project
from forecast.report import gridexport
from forecast.report.inputs import with_input_tables
from forecast.scenario import Scenario
from forecast.sweep.compare import combine, project_scenarios
from service.storage.results import ResultFiles

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel

EVENTS = "forecast-projection-jobs"
#: Least time between two progress events of one job. [s]
PROGRESS_INTERVAL_SECONDS = 0.5


@dataclass(frozen=True)
class ProjectionTask:
    """Everything a job needs: validated inputs, the model the request chose, where to write."""

    run_id: str
    scenario: Scenario
    options: ProjectionOptions
    model: BaselineModel | None
    results_dir: str


@dataclass(frozen=True)
class ComparisonTask:
    """A comparison job: the scenarios in order, the shared options, each one's model."""

    run_id: str
    scenarios: tuple[Scenario, ...]
    options: ProjectionOptions
    models: tuple[BaselineModel | None, ...]
    results_dir: str


@dataclass(frozen=True)
class GridExport:
    """What ``forecast export-grid`` takes beside the projection's options, checked: which
    paths (``draws`` representative ones, ``draw_numbers`` by number, or ``quantiles``), how
    draws are ranked, bus renames, baseline shares, the calendar, the years and the weather
    year, and the file format."""

    file_format: str
    rank_by: str | None = None  # None: the export's default (grid, or total without a baseline)
    draws: int | None = None
    draw_numbers: tuple[int, ...] | None = None
    random: int | None = None
    quantiles: tuple[float, ...] | None = None
    buses: dict[str, str] | None = None
    baseline_shares: dict[str, float] | None = None
    calendar: str = "standard"
    years: tuple[int, ...] | None = None
    weather_year: int | None = None

    @property
    def paths(self) -> int:
        """Paths the export writes: the quantiles, the draws by number, the random sample or
        the representative draws (one by default)."""
        if self.quantiles is not None:
            return len(self.quantiles)
        if self.draw_numbers is not None:
            return len(self.draw_numbers)
        if self.random is not None:
            return self.random
        return self.draws or 1

    def document(self) -> dict[str, Any]:
        """The options as JSON, in the API's field names (what a run records and the result
        key holds; ``years`` and ``weather_year`` only where given, so that an export without
        them keeps the key it had before they could be asked)."""
        chosen: dict[str, Any] = {}
        if self.years is not None:
            chosen["years"] = list(self.years)
        if self.weather_year is not None:
            chosen["weather_year"] = self.weather_year
        return chosen | {
            "format": self.file_format,
            "rank_by": self.rank_by,
            "draws": self.draws,
            "draw": None if self.draw_numbers is None else list(self.draw_numbers),
            "random": self.random,
            "quantile": None if self.quantiles is None else list(self.quantiles),
            "bus": self.buses,
            "baseline_shares": self.baseline_shares,
            "calendar": self.calendar,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> GridExport:
        """The options a run recorded (:meth:`document`)."""
        draw, quantile = document.get("draw"), document.get("quantile")
        return cls(
            file_format=document["format"],
            rank_by=document.get("rank_by"),
            draws=document.get("draws"),
            draw_numbers=None if draw is None else tuple(draw),
            random=document.get("random"),
            quantiles=None if quantile is None else tuple(quantile),
            buses=document.get("bus"),
            baseline_shares=document.get("baseline_shares"),
            calendar=document.get("calendar", "standard"),
            years=None if document.get("years") is None else tuple(document["years"]),
            weather_year=document.get("weather_year"),
        )


@dataclass(frozen=True)
class GridExportTask:
    """A grid-export job: the scenario, its projection's options and model, the export's own
    options."""

    run_id: str
    scenario: Scenario
    options: ProjectionOptions
    model: BaselineModel | None
    export: GridExport
    results_dir: str


Task = ProjectionTask | ComparisonTask | GridExportTask
#: The name of the variable of a grid export's result holding its zip archive's bytes.
ARCHIVE = "archive"
#: The time written on every member of a grid export's archive: a fixed one (the zip format's
#: first), so that the same export is the same bytes.
ARCHIVE_TIME = (1980, 1, 1, 0, 0, 0)


def grid_export(
    scenario: Scenario,
    options: ProjectionOptions,
    model: BaselineModel | None,
    export: GridExport,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """The export :func:`forecast.report.gridexport.grid_paths` and
    :func:`~forecast.report.gridexport.write` make of ``scenario`` (the files ``forecast
    export-grid`` writes), zipped: a Dataset holding the archive's bytes (:data:`ARCHIVE`),
    with the projection's provenance attributes and ``grid_export_format``, so that it is
    cached and stored as a projection's result is."""
    paths = gridexport.grid_paths(
        scenario,
        options,
        draws=export.draws,
        quantiles=export.quantiles,
        rank_by=export.rank_by,
        draw_numbers=export.draw_numbers,
        random=export.random,
        buses=export.buses,
        baseline_shares=export.baseline_shares,
        calendar=export.calendar,
        progress=progress,
        baseline=model,
        years=export.years,
        weather_year=export.weather_year,
    )
    with tempfile.TemporaryDirectory(prefix="grid-export-") as folder:
        out = Path(folder) / "export"
        written = gridexport.write(paths, out, export.file_format)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(written):
                member = zipfile.ZipInfo(file.relative_to(out).as_posix(), ARCHIVE_TIME)
                member.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(member, file.read_bytes())
    attrs = {
        **paths.dataset.attrs,
        "grid_export_format": export.file_format,
        # The export's own days: the projection's period_end runs a day past it where the
        # standard-time hours of 31 December end in the next local day (AEDT, report-interop 15).
        "grid_export_period_start": paths.period[0].isoformat(),
        "grid_export_period_end": paths.period[1].isoformat(),
    }
    data = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    variable = xr.Variable(
        "archive_byte",
        data,
        attrs={"units": "1", "description": "the export's files as a zip archive (bytes)"},
    )
    return xr.Dataset({ARCHIVE: variable}, attrs=attrs)


class JobCancelledError(RuntimeError):
    """The job's task was cancelled while it ran (its result is wanted no more)."""


def _reporter(run_id: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """``progress(done, total)`` [h] sending an event at most every PROGRESS_INTERVAL_SECONDS,
    and the last one always, and ``check()``; both raise :class:`JobCancelledError` once the task
    is cancelled. The start is announced now."""
    worker = get_worker()
    key = worker.get_current_task()
    worker.log_event(EVENTS, {"run": run_id, "event": "started"})
    last = 0.0

    def check() -> None:
        task = worker.state.tasks.get(key)
        if task is None or task.state != "executing":
            raise JobCancelledError(f"job {run_id} was cancelled")

    def progress(done: int, total: int) -> None:
        nonlocal last
        check()
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL_SECONDS or done == total:
            last = now
            event = {"run": run_id, "event": "progress", "done": done, "total": total}
            worker.log_event(EVENTS, event)

    return progress, check


def _computed(task: Task, progress: Callable[[int, int], None]) -> xr.Dataset:
    """The task's projection, comparison or grid export."""
    if isinstance(task, GridExportTask):
        return grid_export(task.scenario, task.options, task.model, task.export, progress)
    if isinstance(task, ComparisonTask):
        datasets = project_scenarios(
            task.scenarios,
            task.options,
            # Hours over the whole comparison: scenario i's hours come after those before it.
            progress=lambda index, count, done, total: progress(
                index * total + done, count * total
            ),
            baselines=task.models,
        )
        combined = combine(task.scenarios, datasets, keep_per_draw=task.options.per_draw)
        return with_input_tables(combined, task.scenarios)
    dataset = project(task.scenario, task.options, progress=progress, baseline=task.model)
    return with_input_tables(dataset, [task.scenario])


def run_task(task: Task) -> dict[str, Any]:
    """Project (compare, or export for a grid model), write the result file, and return its
    name, size and sha256 and the compute time."""
    progress, check = _reporter(task.run_id)
    started = time.perf_counter()
    with notes_in_attributes():
        dataset = _computed(task, progress)
    computed = time.perf_counter() - started
    check()
    files = ResultFiles(Path(task.results_dir))
    stored = files.write(task.run_id, dataset)
    try:
        check()  # cancelled while the file was written: it is wanted no more
    except JobCancelledError:
        files.delete(stored.name)
        raise
    return {
        "file": stored.name,
        "bytes": stored.size_bytes,
        "sha256": stored.sha256,
        "compute_seconds": computed,
    }
