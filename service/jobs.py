"""Projection jobs on dask.distributed, their state in the database.

Large projections and comparisons run as Dask tasks (:func:`service.tasks.run_task`) so that no HTTP
request holds a connection for minutes. The scheduler is an in-process ``LocalCluster``
(threads; the kernels release the GIL) unless ``FORECAST_DASK_SCHEDULER`` names a real one.

The run's record (:mod:`service.storage.runs`) is the job's state: ``queued`` when
submitted, ``running`` when a worker starts it (a Dask event), ``succeeded`` with its result
file or ``failed`` with the error when the future completes. Records are written on one
thread of their own, never on Dask's event loop. Progress [hours] is kept in memory from the
workers' events. A job whose process died with the server is marked failed at the next start
(:meth:`service.storage.runs.Runs.mark_interrupted`) and can be resubmitted.

Stopping (:meth:`JobRunner.shutdown`, on SIGTERM) is graceful: no job is taken any more, queued
ones are handed back at once, running ones get ``shutdown_grace_seconds`` to finish, and those
still running then are handed back too: cancelled here and re-queued in the database
(:meth:`service.storage.runs.Runs.hand_back`), under the same id, for the next server to start
on the database, which queues them again (:mod:`service.resuming`).

Cancelling (:meth:`JobRunner.cancel`) records the run ``cancelled`` at once and cancels its
Dask future: a queued job never starts, and a running one stops at its next progress report
(:func:`service.tasks.run_task` sees its task released on the worker).

Admission: at most ``max_concurrent_jobs + max_queued_jobs`` jobs are unfinished; one more is
refused (429 with ``Retry-After``). Identical requests share one job (:meth:`JobRunner.find`).

Idle, the in-process cluster wakes on long intervals (:data:`IN_PROCESS_CLUSTER_CONFIG`):
Dask's defaults woke its event loop some 250 times a second, and an idle server used 1.3-1.5 s
of CPU every 30 s at load 12-15 (0.7 s on a quieter machine), 95 % of it on that loop; now
0.18 s.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, ThreadPoolExecutor
from typing import Any

import dask.config
from distributed import Client, Future, LocalCluster

from forecast.errors import ForecastError
from service.errors import SaturatedError, status_of
from service.settings import Settings
from service.storage.results import ResultFiles, ResultsUnwritableError
from service.storage.runs import Runs, resubmit_hint
from service.tasks import EVENTS, Task, run_task

logger = logging.getLogger("service.jobs")

RETRY_AFTER_SECONDS = 30

#: Dask settings of the in-process cluster, read as its scheduler and worker start: what wakes
#: an idle cluster, each on a long interval or off. An idle ``LocalCluster`` with Dask's
#: defaults used 0.92 s of CPU per 30 s, with these 0.11 s (the worker's heartbeat, every
#: 0.5 s for a small cluster, is the rest and not a setting); measured 2026-12-07 with
#: ``time.process_time`` around 20 s of sleep, at load 11.
IN_PROCESS_CLUSTER_CONFIG = {
    # The worker's statistical profiler, sampling every 10 ms, for a dashboard the service
    # does not serve.
    "distributed.worker.profile.enabled": False,
    # How often the scheduler and the worker time their event loop, to warn when it was
    # blocked for longer than ``tick.limit`` (3 s): every 20 ms by default.
    "distributed.admin.tick.interval": "1s",
    # psutil's CPU, memory and network samples, every 500 ms by default, for the dashboard.
    "distributed.admin.system-monitor.interval": "10s",
    # The worker pauses or spills a second after its memory passes a threshold, not 0.1 s:
    # the service admits jobs by their estimated memory before they start (service.admission).
    "distributed.worker.memory.monitor-interval": "1s",
    # One worker: nothing to steal, checked every second.
    "distributed.scheduler.work-stealing": False,
}


class JobRunner:
    """Submits projection jobs to Dask and records what becomes of them."""

    def __init__(self, settings: Settings, runs: Runs, results: ResultFiles) -> None:
        self.settings = settings
        self.runs = runs
        self.results = results
        self.capacity = settings.max_concurrent_jobs + settings.max_queued_jobs
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None
        self._futures: dict[str, Future] = {}
        self._keys: dict[str, str] = {}  # result key -> run id of its unfinished job
        self._progress: dict[str, tuple[int, int]] = {}
        self._totals: dict[str, int] = {}
        self._reserved = 0
        self._cancelled: set[str] = set()
        self._handed_back: set[str] = set()
        self._started: set[str] = set()
        self._submitting: set[str] = set()  # sent to Dask, their futures not yet recorded
        self._stopping = False
        self._lock = threading.Lock()
        self._records: ThreadPoolExecutor | None = None
        self.on_success: Callable[[str, str], None] | None = None

    @property
    def in_process(self) -> bool:
        """Whether jobs run in this process (their memory counts against its budget)."""
        return self.settings.dask_scheduler is None

    @property
    def scheduler(self) -> str:
        """Where jobs go, for /readyz: ``in-process`` or the scheduler's address."""
        return self.settings.dask_scheduler or "in-process"

    def start(self) -> None:
        """Connect to the scheduler (or start the in-process cluster); idempotent."""
        if self.client is not None:
            return
        self._records = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-records")
        if self.settings.dask_scheduler is not None:
            self.client = Client(self.settings.dask_scheduler, timeout=10, set_as_default=False)
        else:
            with dask.config.set(IN_PROCESS_CLUSTER_CONFIG):
                self.cluster = LocalCluster(
                    processes=False,
                    n_workers=1,
                    threads_per_worker=self.settings.max_concurrent_jobs,
                    dashboard_address=None,
                    # The scheduler serves /health over HTTP even without a dashboard: a
                    # random loopback port, never 8787 (another cluster's, or the next app's
                    # in tests).
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.WARNING,
                )
            self.client = Client(self.cluster, set_as_default=False)
        self.client.subscribe_topic(EVENTS, self._on_event)

    def shutdown(self, *, grace_seconds: float = 0.0) -> None:
        """Stop gracefully and disconnect: take no job from now on, hand queued jobs back at
        once, give running ones ``grace_seconds`` to finish, then hand back those still
        running (:meth:`_hand_back`). Blocks up to ``grace_seconds`` and a little more."""
        with self._lock:
            self._stopping = True
            queued = [run_id for run_id in self._futures if run_id not in self._started]
        if self.client is not None:
            self._hand_back(queued)
            deadline = time.monotonic() + grace_seconds
            running = self._unfinished()
            if running:
                logger.info(
                    "stopping: %d running jobs get up to %g s to finish (FORECAST_SHUTDOWN_"
                    "GRACE_SECONDS), then are handed back, re-queued",
                    len(running),
                    grace_seconds,
                )
            while running and time.monotonic() < deadline:
                time.sleep(0.1)
                running = self._unfinished()
            self._hand_back(running)
            self._settle(timeout_s=10.0)
        client, cluster, records = self.client, self.cluster, self._records
        self.client = self.cluster = self._records = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if records is not None:
            records.shutdown(wait=True)

    def _settle(self, *, timeout_s: float) -> None:
        """Wait (up to ``timeout_s``) for the done-callbacks of jobs that ended, not handed
        back, to record them: closing the client first cancels their futures, and a job that
        finished inside the grace was recorded "cancelled: the service stopped" (its callback
        read the future after the close; seen under load in test_stopping)."""
        settle_by = time.monotonic() + timeout_s
        while time.monotonic() < settle_by:
            with self._lock:
                ending = [
                    run_id
                    for run_id, future in self._futures.items()
                    if future.done() and run_id not in self._handed_back
                ]
            if not ending:
                return
            time.sleep(0.05)

    def _unfinished(self) -> list[str]:
        with self._lock:
            return [run_id for run_id, future in self._futures.items() if not future.done()]

    def _hand_back(self, run_ids: list[str]) -> None:
        """Cancel these jobs here and re-queue them in the database, each with the hours it
        had computed, for the next server to start (:meth:`Runs.hand_back`)."""
        with self._lock:
            futures = [self._futures[run_id] for run_id in run_ids if run_id in self._futures]
            done = {run_id: self._progress.get(run_id, (0, 0))[0] for run_id in run_ids}
            self._handed_back.update(run_ids)
        if not futures or self.client is None or self._records is None:
            return
        self.client.cancel(futures)
        now = dt.datetime.now(dt.UTC)
        # On the records thread, after any record of these jobs queued before.
        handed = self._records.submit(self.runs.hand_back, done, now).result()
        if handed:
            logger.warning("handed back %d unfinished jobs, re-queued: %s", len(handed), handed)

    def reserve(self) -> None:
        """Hold one place for a job about to be submitted; 429 when all are taken.

        Raises
        ------
        SaturatedError
            ``max_concurrent_jobs + max_queued_jobs`` jobs are unfinished.
        """
        with self._lock:
            if self.client is None or self._stopping:
                raise SaturatedError(
                    "the service is stopping: no new jobs", retry_after_seconds=RETRY_AFTER_SECONDS
                )
            unfinished = len(self._futures) + self._reserved
            if unfinished >= self.capacity:
                raise SaturatedError(
                    f"job queue full: {unfinished} jobs running or waiting, at most "
                    f"{self.capacity} allowed; retry later",
                    retry_after_seconds=RETRY_AFTER_SECONDS,
                )
            self._reserved += 1

    def release(self) -> None:
        """Give back a place :meth:`reserve` held, when the job was not submitted after all."""
        with self._lock:
            self._reserved -= 1

    def resume(self, task: Task, *, result_key: str, total_hours: int) -> None:
        """Send a job handed back by a stopped server to Dask again, under its own run id: it
        was admitted then, so it takes a place whatever the queue holds."""
        with self._lock:
            self._reserved += 1
        self.submit(task, result_key=result_key, total_hours=total_hours)

    def submit(self, task: Task, *, result_key: str, total_hours: int) -> None:
        """Send a recorded, reserved job to Dask."""
        client = self.client
        if client is None or self._stopping:
            self.release()
            raise SaturatedError(
                "the service is stopping: no new jobs", retry_after_seconds=RETRY_AFTER_SECONDS
            )
        # A job may start, and its "started" event arrive, before submit returns its future.
        with self._lock:
            self._submitting.add(task.run_id)
        future = client.submit(run_task, task, key=f"job-{task.run_id}", pure=False)
        with self._lock:
            self._submitting.discard(task.run_id)
            self._reserved -= 1
            self._futures[task.run_id] = future
            self._keys[result_key] = task.run_id
            self._totals[task.run_id] = total_hours
        future.add_done_callback(lambda done: self._finished(task.run_id, result_key, done))

    def find(self, result_key: str) -> str | None:
        """Run id of the unfinished job computing ``result_key``, if any."""
        with self._lock:
            return self._keys.get(result_key)

    def cancel(self, run_id: str, reason: str) -> bool:
        """Cancel an unfinished job of this process and record it ``cancelled`` with
        ``reason``; False when it is not unfinished here (it ended meanwhile, say).

        Blocks until the record is written (call it off the event loop).
        """
        with self._lock:
            future = self._futures.get(run_id)
            client, records = self.client, self._records
            if future is None or future.done() or client is None or records is None:
                return False
            self._cancelled.add(run_id)
            done, _ = self._progress.get(run_id, (0, 0))
        client.cancel([future])
        now = dt.datetime.now(dt.UTC)
        # On the records thread, after any record of this job queued before it.
        return records.submit(self.runs.mark_cancelled, run_id, now, reason, done).result()

    def progress(self, run_id: str) -> int | None:
        """Hours a running job has computed, from its last progress event."""
        found = self._progress.get(run_id)
        return None if found is None else found[0]

    def _record_end(self, run_id: str, changes: dict[str, Any]) -> None:
        """Record how a job ended, on the records thread (now, when shutting down); an end
        recorded before (a cancel) stands."""
        records = self._records
        if records is not None:
            records.submit(self._write_end, run_id, changes)
        else:  # shutting down: record now
            self._write_end(run_id, changes)

    def _write_end(self, run_id: str, changes: dict[str, Any]) -> None:
        try:
            self.runs.finish(run_id, **changes)
        except Exception:
            # The database went away: the run stays unfinished and is marked failed at the
            # next start; nothing else can be done from here.
            logger.exception("cannot record job %s: %s", run_id, changes.get("status"))

    def _on_event(self, event: tuple[float, dict[str, Any]]) -> None:
        _, message = event
        run_id = str(message.get("run"))
        if message.get("event") == "started":
            with self._lock:
                if run_id in self._futures or run_id in self._submitting:
                    self._started.add(run_id)
            records = self._records
            if records is not None:
                # Only a queued run becomes running: the event may arrive after the end.
                records.submit(self.runs.mark_running, run_id, dt.datetime.now(dt.UTC))
        elif message.get("event") == "progress":
            self._progress[run_id] = (int(message["done"]), int(message["total"]))

    def _finished(self, run_id: str, result_key: str, future: Future) -> None:
        with self._lock:
            # Cancelled, or handed back by a shutdown: its record is not this callback's.
            cancelled = run_id in self._cancelled or run_id in self._handed_back
            self._cancelled.discard(run_id)
            self._handed_back.discard(run_id)
            self._started.discard(run_id)
            done, _ = self._progress.pop(run_id, (0, 0))
            total = self._totals.pop(run_id, 0)
        try:
            if cancelled:
                # Its record is cancel()'s or _hand_back()'s. A job that ended as the cancel
                # came may have written its result: it is wanted no more (a handed-back job is
                # computed again by the next server).
                self.results.delete(self.results.file_name(run_id))
                return
            changes = self._outcome(run_id, future, done, total)
            if changes["status"] == "succeeded":
                self.results.written()
            elif future.status == "error":
                error = future.exception()
                if isinstance(error, ResultsUnwritableError):
                    self.results.write_failed(str(error), error.need_bytes)
            self._record_end(run_id, changes)
            if changes["status"] == "succeeded" and self.on_success is not None:
                self.on_success(run_id, result_key)
        finally:
            with self._lock:
                self._futures.pop(run_id, None)
                if self._keys.get(result_key) == run_id:
                    del self._keys[result_key]

    @staticmethod
    def _outcome(run_id: str, future: Future, done: int, total: int) -> dict[str, Any]:
        """The record of how a job's future ended (its status and result or error)."""
        changes: dict[str, Any] = {"finished_at": dt.datetime.now(dt.UTC)}
        try:
            if future.status == "finished":
                outcome = future.result()
                return changes | {
                    "status": "succeeded",
                    "error": None,
                    "result_file": outcome["file"],
                    "result_bytes": outcome["bytes"],
                    "result_sha256": outcome["sha256"],
                    "compute_seconds": outcome["compute_seconds"],
                    "done_hours": total,
                }
            if future.status == "error":
                error = future.exception()
                if isinstance(error, ResultsUnwritableError):
                    return changes | {
                        "status": "failed",
                        "error": f"{error}; {resubmit_hint(run_id)}",
                        "error_status": error.status_code,
                        "done_hours": done,
                    }
                if isinstance(error, ForecastError):
                    return changes | {
                        "status": "failed",
                        "error": str(error),
                        "error_status": status_of(error),
                        "done_hours": done,
                    }
                logger.error("job %s failed: %r", run_id, error)
                return changes | {
                    "status": "failed",
                    "error": "internal error",
                    "error_status": 500,
                    "done_hours": done,
                }
        except CancelledError:
            pass  # cancelled by the shutdown after it ended: as below
        return changes | {
            "status": "failed",
            "error": "cancelled: the service stopped; resubmit it",
            "error_status": 503,
        }
