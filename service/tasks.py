"""The function a Dask worker runs for a projection or comparison job.

It imports only the library and :mod:`service.storage.results`, so a worker of a remote
cluster needs the package installed and the results directory mounted, nothing of the
server. Progress and the start are reported as Dask events on :data:`EVENTS`, which the
server subscribes to (:class:`service.jobs.JobRunner`); the result is written to its file
here and only its name and size go back. A job cancelled while it runs stops at its next
progress report and writes nothing: its task is then no longer executing on the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import get_worker

from forecast.projection import ProjectionOptions, notes_in_attributes, project
from forecast.scenario import Scenario
from forecast.sweep.compare import combine, project_scenarios
from service.storage.results import ResultFiles

if TYPE_CHECKING:
    import xarray as xr

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


Task = ProjectionTask | ComparisonTask


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
    """The task's projection or comparison."""
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
        return combine(task.scenarios, datasets, keep_per_draw=task.options.per_draw)
    return project(task.scenario, task.options, progress=progress, baseline=task.model)


def run_task(task: Task) -> dict[str, Any]:
    """Project (or compare), write the result file, and return its name and size and the
    compute time."""
    progress, check = _reporter(task.run_id)
    started = time.perf_counter()
    with notes_in_attributes():
        dataset = _computed(task, progress)
    computed = time.perf_counter() - started
    check()
    files = ResultFiles(Path(task.results_dir))
    name, size = files.write(task.run_id, dataset)
    try:
        check()  # cancelled while the file was written: it is wanted no more
    except JobCancelledError:
        files.delete(name)
        raise
    return {"file": name, "bytes": size, "compute_seconds": computed}
