"""Jobs handed back by a server that stopped gracefully, queued again at start-up.

On SIGTERM a server lets its running jobs finish for ``shutdown_grace_seconds`` and hands the
rest back (:meth:`service.jobs.JobRunner.shutdown`): their runs are ``queued`` again in the
database with ``handed_back_at`` set and a ``note`` saying so. The next server to start on the
database (a restart, the next version of a rolling deploy, or another server waiting for the
database) takes them in its start-up's ``runs`` step and sends each to Dask under its own run
id, so a client polling ``/v1/jobs/{id}`` sees it queued, then running, then done. Each is
prepared again from its record as a resubmission is, with the models and code served now: the
record's result key, model and code version and input digests are brought up to date with what
is computed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from forecast.errors import ForecastError
from service import comparing, gridexports, projecting
from service.errors import status_of
from service.state import ServiceState
from service.storage.runs import Run, resubmit_hint

logger = logging.getLogger("service")


def resume_handed_back(state: ServiceState) -> list[str]:
    """Queue again every job stopped servers handed back; return their ids. One that cannot
    be prepared again (its scenario refused by this version, no model for its grid) is failed,
    saying why, to be resubmitted once fixed."""
    resumed = []
    for run in state.runs.take_handed_back():
        recompute: Callable[[ServiceState, Run], projecting.Computation] = (
            gridexports.recomputation
            if run.grid_export
            else comparing.recomputation
            if run.comparison
            else projecting.recomputation
        )
        try:
            prepared = recompute(state, run)
        except ForecastError as error:
            state.runs.finish(
                run.id,
                status="failed",
                error=f"handed back by a shutdown, but cannot be run again here: {error}; "
                + resubmit_hint(run.id),
                error_status=status_of(error),
                finished_at=dt.datetime.now(dt.UTC),
            )
            logger.warning("job %s handed back, not queued again: %s", run.id, error)
            continue
        now = prepared.record(kind="job", author=run.author)
        state.runs.update(
            run.id,
            result_key=prepared.key,
            model_version=now.model_version,
            code_version=now.code_version,
            data_sha256=now.data_sha256,
            weather_sha256=now.weather_sha256,
            model_manifest_sha256=now.model_manifest_sha256,
        )
        task = prepared.task(run.id, str(state.results.directory))
        state.jobs.resume(task, result_key=prepared.key, total_hours=prepared.total_hours)
        resumed.append(run.id)
    if resumed:
        logger.warning("queued %d jobs handed back by a shutdown again: %s", len(resumed), resumed)
    return resumed
