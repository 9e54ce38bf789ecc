"""Background projection jobs: a fixed pool of worker threads and a bounded queue.

Large projections run here so that no HTTP request holds a connection for minutes. Admission
is decided when a job is submitted: at most ``workers + queue`` unfinished jobs exist, and one
more is refused (:class:`service.errors.SaturatedError`, 429 with ``Retry-After``) rather than
queued without bound. Finished jobs are kept for polling up to ``records``, oldest dropped.
The kernels release the GIL (``nogil``), so worker threads compute alongside request threads.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from forecast.errors import ForecastError
from service.cache import ProjectionResult
from service.errors import SaturatedError

logger = logging.getLogger("service.jobs")

JobStatus = Literal["queued", "running", "succeeded", "failed"]
JOB_ID_PATTERN = r"^[0-9a-f]{32}$"


@dataclass
class Job:
    """One submitted projection and, once done, its result or error."""

    id: str
    submitted: dt.datetime
    status: JobStatus = "queued"
    done_hours: int = 0
    total_hours: int = 0
    result: ProjectionResult | None = None
    error: str | None = None
    error_status: int | None = None
    finished: dt.datetime | None = field(default=None)

    def progress(self, done: int, total: int) -> None:
        """Progress callback of :func:`forecast.projection.project`. [hours]"""
        self.done_hours, self.total_hours = done, total


class JobManager:
    """Runs jobs on ``workers`` threads with at most ``queue`` more waiting."""

    def __init__(self, *, workers: int, queue: int, records: int) -> None:
        self.workers, self.queue, self.records = workers, queue, records
        self._executor: ThreadPoolExecutor | None = None
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._unfinished = 0
        self._lock = threading.Lock()

    def submit(
        self,
        compute: Callable[[Job], ProjectionResult],
        *,
        status_of_error: Callable[[ForecastError], int],
    ) -> Job:
        """Queue ``compute(job)``; raise :class:`SaturatedError` when workers and queue are full."""
        with self._lock:
            executor = self._executor
            if executor is None:
                raise SaturatedError("the service is stopping: no new jobs", retry_after_seconds=30)
            if self._unfinished >= self.workers + self.queue:
                raise SaturatedError(
                    f"job queue full: {self._unfinished} jobs running or waiting, at most "
                    f"{self.workers + self.queue} allowed; retry later",
                    retry_after_seconds=30,
                )
            job = Job(id=uuid.uuid4().hex, submitted=dt.datetime.now(dt.UTC))
            self._unfinished += 1
            self._jobs[job.id] = job
            self._forget_old_locked()
        executor.submit(self._run, job, compute, status_of_error)
        return job

    def _run(self, job: Job, compute, status_of_error) -> None:
        job.status = "running"
        try:
            job.result = compute(job)
            job.status = "succeeded"
        except ForecastError as error:
            job.error, job.error_status, job.status = str(error), status_of_error(error), "failed"
        except Exception:
            # A job runs outside any request: log the bug and report a clean failure.
            logger.exception("job %s failed", job.id)
            job.error, job.error_status, job.status = "internal error", 500, "failed"
        finally:
            job.finished = dt.datetime.now(dt.UTC)
            with self._lock:
                self._unfinished -= 1

    def _forget_old_locked(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.finished is not None]
        for key in finished[: max(len(self._jobs) - self.records, 0)]:
            del self._jobs[key]

    def get(self, job_id: str) -> Job | None:
        """The job with ``job_id``, or None when unknown or forgotten."""
        with self._lock:
            return self._jobs.get(job_id)

    def start(self) -> None:
        """Start the worker threads (again, after a shutdown: an app can be restarted)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="job"
                )

    def shutdown(self) -> None:
        """Stop accepting work; running jobs finish, queued ones are cancelled."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
