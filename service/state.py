"""Process-wide state of the service: storage, scenarios, served model, cache, jobs, admission.

Built by the app's lifespan from its settings (:func:`service.deps.settings_of`) and started in
a thread of its own while the server already answers (:meth:`ServiceState.start_in_background`):
``/healthz`` 200, ``/readyz`` 503 naming the step under way, every ``/v1`` route 503. Start-up
takes a few seconds, but about 45 s on a fresh numba cache on two busy cores (README, *Forecast
API service*), longer than a liveness probe waits. The steps (:data:`START_STEPS`): database
migrated, the results directory checked against it (made when the database names no result),
kernels compiled, shipped scenarios read, the promoted model loaded and verified, the Dask
client started, runs interrupted by an earlier crash marked failed and jobs handed back by a
graceful stop queued again, and one tiny projection run
so that the first user request finds every lazy import and cache warm. A step that fails leaves
the process up, answering ``/healthz``, with ``/readyz`` 503 naming the reason; nothing else is
served until it is fixed (a broken model can be replaced by a reload; a database held or not
reachable is tried again until it is taken).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio

from forecast.baseline.signing import Trust
from forecast.errors import ArtifactError, ForecastError, ScenarioError
from forecast.kernels import warm_up
from forecast.paths import artifacts_dir, real_data_dir
from forecast.projection import (
    ProjectionOptions,
    project,
    resolved_weather,
    scenario_digest,
    weather_fallback,
)
from forecast.scenario import Scenario, list_scenarios
from service import retention
from service.admission import Admission, gigabytes
from service.cache import ProjectionResult, ResultCache
from service.coalesce import Coalescer
from service.errors import NotReadyError, ServiceError, StorageError, redact_paths
from service.jobs import JobRunner
from service.memory import set_allocation_policy
from service.quotas import JobQuota
from service.registry import ModelRegistry, model_label
from service.settings import MB, Settings
from service.storage.database import Database, retry_delays, waiting
from service.storage.results import ResultFiles
from service.storage.runs import Runs
from service.storage.scenarios import SavedScenarios
from service.writer import ResultWriter

logger = logging.getLogger("service")

#: Resident memory of the process itself (interpreter, numpy, pandas, xarray, numba's compiled
#: kernels, Dask, SQLAlchemy): 0.33 GB once started (``tests/abuse_service.py``, 2026-12-05);
#: counted as 0.8 GB for what it grows by in use (the model's remembered shapes, Dask's
#: state, the allocator's slack), which no request's estimate covers.
PROCESS_BYTES = 800 * MB
#: A parsed JSON body takes up to this many times its bytes as Python objects.
BODY_EXPANSION = 16
#: Heavy work below this much memory could not run a useful projection.
MIN_WORK_BYTES = 64 * MB
#: Threads for short blocking work (database queries, parsing a posted scenario). Each is
#: Python under the GIL; forty at once (the default pool) took turns with the event loop for
#: it and held /healthz for 0.6 s in a flood of 160 projections.
LIGHT_THREADS = 4

T = TypeVar("T")

#: What each start-up step does, in order, as ``/readyz`` says while it runs.
START_STEPS: dict[str, str] = {
    "database": "taking and migrating the database",
    "kernels": "compiling the kernels (numba; on a fresh cache this takes longest)",
    "scenarios": "reading the shipped scenarios",
    "model": "loading and verifying the served models",
    "jobs": "starting the job scheduler (Dask)",
    "results": "checking the results directory against the database",
    "runs": "marking runs interrupted by a crash failed, queueing jobs handed back again",
    "warm-up": "projecting the warm-up scenario",
    "memory": "sizing the memory budget",
}
#: The dashboard's first request but its scenario (service/web: ``main.js``'s ``RESOLUTION``
#: and ``QUANTILES``, ``index.html``'s draws, the API's default seed, the scenario's own period
#: and weather), which start-up answers ahead (:meth:`ServiceState._warm_projection`).
#: ``tests/service/test_startup.py`` checks that the dashboard's first request is a cache hit.
DASHBOARD_DRAWS = 200
DASHBOARD_REQUEST: dict[str, Any] = {
    "draws": DASHBOARD_DRAWS,
    "resolution": "monthly",
    "quantiles": [0.05, 0.1, 0.5, 0.9, 0.95],
}
#: How often the results directory is tried again while result files cannot be written. [s]
RECHECK_S = 5.0
#: A start-up step at least this long is named, with its time, in the "start-up finished"
#: log line. [s]
SLOW_STEP_SECONDS = 0.5


@dataclass(frozen=True)
class ShippedScenario:
    """A shipped scenario, validated once at start-up, and its digest."""

    scenario: Scenario
    sha256: str


class ServiceState:
    """Everything the routers share; one per started app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.artifact_root = settings.artifact_dir or artifacts_dir()
        self.trust: Trust | None = None
        self.registry = ModelRegistry(self.artifact_root)
        self.cache = ResultCache(settings.cache_bytes)
        self.database = Database(settings.database())
        self.saved = SavedScenarios(self.database)
        self.runs = Runs(self.database)
        self.results = ResultFiles(settings.results())
        self.jobs = JobRunner(settings, self.runs, self.results)
        self.job_quota = JobQuota(settings.max_jobs_per_client)
        self.writer = ResultWriter(
            self.results, self.runs, trim_above_bytes=settings.memory_budget_bytes // 2
        )
        self.admission = Admission(
            slots=settings.max_inline_projections,
            memory_bytes=MIN_WORK_BYTES,
            max_waiting=settings.max_waiting_requests,
            wait_seconds=settings.inline_wait_seconds,
            per_client=settings.inline_slots_per_client(),
        )
        self.coalescer = Coalescer()
        self._light: anyio.CapacityLimiter | None = None
        self.scenarios: dict[str, ShippedScenario] = {}
        self.kernels_compiled = False
        self.started = False
        self.problems: dict[str, str] = {}
        self.started_at: dt.datetime | None = None
        #: The start-up step under way (a key of START_STEPS), None when none is.
        self.doing: str | None = None
        self._start_began: float | None = None
        self._starter: threading.Thread | None = None
        self._database_waited = False
        self._lock_lost: str | None = None
        self._stopping = threading.Event()
        #: Results removed by retention since start-up, and their files' bytes. [bytes]
        self.pruned_results = 0
        self.pruned_bytes = 0
        #: Failed and cancelled runs, and records of deleted runs, removed since start-up.
        self.pruned_ended_runs = 0
        self.pruned_deletion_records = 0
        #: When the last retention sweep ended (None: none yet). [UTC]
        self.last_sweep_at: dt.datetime | None = None

    @property
    def ready(self) -> bool:
        """Start-up finished, nothing is broken, and result files can be written."""
        return self.started and not self.problems and self.results.unwritable is None

    def start_in_background(self) -> None:
        """Run :meth:`start` in a thread of its own and return at once, so that the server
        accepts connections (``/healthz``, ``/readyz``) while the slow steps run."""
        self._start_began = time.perf_counter()
        self._starter = threading.Thread(target=self._start_or_report, name="start-up", daemon=True)
        self._starter.start()

    def _start_or_report(self) -> None:
        try:
            self.start()
        except Exception as error:
            # Outside every step (each records its own failure): say so rather than "starting"
            # for ever.
            logger.exception("start-up failed")
            self.problems["start-up"] = f"{type(error).__name__}: {error}"
            self.doing = None
            self.started = True

    def start(self) -> None:
        """Bring every part up; record what failed instead of raising (see the module doc)."""
        if self.started:
            return
        if self._start_began is None:
            self._start_began = time.perf_counter()
        set_allocation_policy()
        took: dict[str, float] = {}
        step = functools.partial(self._step, took=took)
        step("database", self._start_database)
        step("kernels", self._compile)
        step("scenarios", self._load_scenarios)
        step("model", self._load_model)
        step("jobs", self.jobs.start)
        if "database" not in self.problems:
            step("results", self._check_results)
            step("runs", self._mark_interrupted)
        elif self._database_waited and not self._stopping.is_set():
            threading.Thread(
                target=self._wait_for_database, name="database-wait", daemon=True
            ).start()
        if "kernels" not in self.problems:
            step("warm-up", self._warm_projection)
        step("memory", self._size_admission)
        threading.Thread(target=self._recheck_results, name="results-check", daemon=True).start()
        self.doing = None
        if self._stopping.is_set():
            self.problems["start-up"] = "stopped while starting: the service is shutting down"
        # Everything loaded so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise stalled every request in flight for
        # ~150 ms now and then (tests/load_service.py, cached p99 157 ms -> see README).
        gc.freeze()
        self.started = True
        self.started_at = dt.datetime.now(dt.UTC)
        if any(self.settings.retention()):
            threading.Thread(target=self._sweep_results, name="retention", daemon=True).start()
        slow = ", ".join(
            f"{name} {seconds:.1f} s"
            for name, seconds in took.items()
            if seconds >= SLOW_STEP_SECONDS
        )
        logger.info(
            "start-up finished in %.1f s (%s): %s",
            self.seconds_starting(),
            slow or "no step took 0.5 s",
            "ready" if self.ready else self.not_ready_reason(),
        )

    def _step(self, name: str, action, *, took: dict[str, float] | None = None) -> None:
        if self._stopping.is_set():  # stopped while starting: leave the rest undone
            return
        if took is not None:  # start-up's own step, not the database wait's
            self.doing = name
        began = time.perf_counter()
        try:
            action()
        except (ForecastError, ServiceError, OSError) as error:
            logger.error("start-up step %s failed: %s", name, error)
            self.problems[name] = str(error)
        except Exception as error:
            # A bug or an unexpected library error: keep the process up to say so.
            logger.exception("start-up step %s failed", name)
            self.problems[name] = f"{type(error).__name__}: {error}"
        finally:
            if took is not None:
                took[name] = time.perf_counter() - began

    def seconds_starting(self) -> float:
        """Seconds since start-up began (0 before). [s]"""
        if self._start_began is None:
            return 0.0
        return time.perf_counter() - self._start_began

    def _start_database(self) -> None:
        """Take the database and migrate it.

        Raises
        ------
        StorageError
            Another process holds it, or it cannot be reached: :meth:`_wait_for_database`
            tries again, and the message says so.
        """
        try:
            self.database.claim(on_lost=self._lost_database, on_regained=self._regained_database)
            self.database.migrate()
        except StorageError as error:
            self._database_waited = True
            raise StorageError(waiting(error)) from None

    def _wait_for_database(self) -> None:
        """The database was held by another process at start-up (the old process of a deploy
        stopping after the new one started), or could not be reached (its server not up yet):
        try again until this process has it, then do what start-up could not, and become
        ready."""
        for delay in retry_delays():
            if self._stopping.wait(delay):
                return
            try:
                self._start_database()
            except (ServiceError, OSError) as error:
                self.problems["database"] = str(error)
                continue
            self._step("results", self._check_results)
            self._step("runs", self._mark_interrupted)
            self.problems.pop("database", None)
            logger.info("database reached and taken: start-up finished")
            return

    def _recheck_results(self) -> None:
        """While result files cannot be written, look every RECHECK_S seconds whether the
        room the last one needed is back (``/readyz`` 200 again); one written clears it too."""
        while not self._stopping.wait(RECHECK_S):
            try:
                self.results.recheck()
            except Exception:  # a bug: keep checking, say it once per try
                logger.exception("results directory check failed")

    def _sweep_results(self) -> None:
        """:meth:`sweep_results` now and every :data:`service.retention.SWEEP_SECONDS`."""
        while not self._stopping.is_set():
            # A full results directory (not ready) is when removing results helps most.
            if self.started and not self.problems:
                try:
                    self.sweep_results()
                except Exception:  # the database away, a bug: say so, sweep again later
                    logger.exception("retention sweep failed")
            if self._stopping.wait(retention.SWEEP_SECONDS):
                return

    def sweep_results(self) -> retention.Pruned:
        """Remove the results past ``results_retention_days`` or ``results_max_bytes``
        (:mod:`service.retention`), dropping them from the memory cache; counted in
        :attr:`pruned_results`, :attr:`pruned_bytes`, :attr:`pruned_ended_runs` and
        :attr:`pruned_deletion_records` (``/readyz``'s ``retention``), and logged in one line
        with the counts since start-up."""
        older_than, max_bytes = self.settings.retention()
        pruned = retention.prune(
            self.runs,
            self.results,
            older_than=older_than,
            max_bytes=max_bytes,
            forget=self.cache.drop,
        )
        self.pruned_results += len(pruned.runs)
        self.pruned_bytes += pruned.bytes
        self.pruned_ended_runs += len(pruned.ended_runs)
        self.pruned_deletion_records += pruned.deletion_records
        self.last_sweep_at = dt.datetime.now(dt.UTC)
        logger.info(
            "%s; since start-up %s results (%s MB), %s failed or cancelled runs and %s records "
            "of deleted runs",
            pruned.summary(),
            f"{self.pruned_results:,}",
            f"{self.pruned_bytes / 1e6:,.1f}",
            f"{self.pruned_ended_runs:,}",
            f"{self.pruned_deletion_records:,}",
        )
        return pruned

    def _check_results(self) -> None:
        self.results.check(self.runs.result_files())

    def _lost_database(self, reason: str) -> None:
        logger.error("database: %s", reason)
        self.problems["database"] = self._lock_lost = reason

    def _regained_database(self) -> None:
        # Only the watcher's own report is cleared: start-up's wait clears its own.
        if self._lock_lost is not None and self.problems.get("database") == self._lock_lost:
            self.problems.pop("database", None)
            logger.info("database: reached again and its lock taken again")
        self._lock_lost = None

    def _compile(self) -> None:
        warm_up()
        self.kernels_compiled = True

    def _load_scenarios(self) -> None:
        self.scenarios = {
            scenario.id: ShippedScenario(scenario, scenario_digest(scenario))
            for scenario in list_scenarios()
        }

    def _load_model(self) -> None:
        self.trust = Trust.from_paths(
            self.settings.trusted_key_paths(),
            allow_unsigned=self.settings.allow_unsigned_artifacts,
        )
        self.registry.trust = self.trust
        if self.settings.allow_unsigned_artifacts:
            logger.warning("FORECAST_ALLOW_UNSIGNED_ARTIFACTS is set: unsigned models are served")
        try:
            self.registry.load_at_start()
        except ArtifactError as error:
            raise ArtifactError(f"promoted model artifact refused: {error}") from None

    def _mark_interrupted(self) -> None:
        """Runs left unfinished by a process that died are failed; jobs a stopping server
        handed back are queued again (when this process runs jobs: else they wait for one)."""
        from service.resuming import resume_handed_back  # it prepares runs as requests do

        interrupted = self.runs.mark_interrupted()
        if interrupted:
            logger.warning("marked %d interrupted runs failed: %s", len(interrupted), interrupted)
        if self.jobs.client is not None:
            resume_handed_back(self)

    def _warm_projection(self) -> None:
        """Answer the dashboard's first request now (:data:`DASHBOARD_REQUEST`, for
        :attr:`Settings.warm_scenario`) and keep its result in the cache, so that the first page
        view is a cache hit; its weather is loaded and its baseline shape kept
        (:mod:`forecast.memo`) for the requests that follow. The result has no run until a
        request asks for it (:func:`service.projecting.recorded`): a start-up is no user's run.
        A request this service refuses (its limits below the dashboard's) is logged as a
        warning, and the scenario projected with 2 draws instead; a warm scenario that is not
        shipped, the first shipped scenario over a day, which runs every stage."""
        if not self.scenarios:
            return
        warm = self.scenarios.get(self.settings.warm_scenario)
        if warm is None:
            logger.warning(
                "FORECAST_WARM_SCENARIO = %r is not a shipped scenario (shipped: %s); warming "
                "up on the first shipped scenario over a day instead",
                self.settings.warm_scenario,
                ", ".join(sorted(self.scenarios)),
            )
            self._warm_plainly(next(iter(self.scenarios.values())).scenario, days=1)
            return
        from service import projecting  # it reads this module's state
        from service.schemas import ProjectionRequest

        request = ProjectionRequest(
            scenario_id=warm.scenario.id,
            **{**DASHBOARD_REQUEST, "draws": min(DASHBOARD_DRAWS, self.settings.max_draws)},
        )
        try:
            prepared = projecting.prepare_sync(self, request)
        except ForecastError as error:
            logger.warning(
                "the dashboard's first request is not answered ahead (%s); warming up on %s "
                "with 2 draws instead",
                error,
                warm.scenario.id,
            )
            self._warm_plainly(warm.scenario, days=None)
            return
        self._warn_synthetic(warm.scenario, prepared.options)
        started = time.perf_counter()
        dataset = prepared.compute()
        self.cache.put(
            ProjectionResult(
                key=prepared.key,
                dataset=dataset,
                compute_seconds=time.perf_counter() - started,
            )
        )

    def _warm_plainly(self, shipped: Scenario, *, days: int | None) -> None:
        """Project ``shipped`` with 2 draws, monthly, over ``days`` days from its start (None:
        its horizon), cached nowhere: every stage runs, its weather and baseline shape stay."""
        try:
            model = self.registry.for_scenario(shipped)
        except ScenarioError:  # it names a model not served here: warm up without one
            model = None
        first_day = shipped.horizon.start
        options = ProjectionOptions(
            draws=2,
            start=first_day,
            end=shipped.horizon.end if days is None else first_day + dt.timedelta(days=days),
            resolution="monthly",
            include_baseline=model is not None,
            baseline_model=model_label(model) if model is not None else None,
        )
        # Requests resolve 'auto' the same way (service.projecting): said once here.
        options = resolved_weather(shipped, options.validated(shipped))
        self._warn_synthetic(shipped, options)
        project(shipped, options, baseline=model)

    @staticmethod
    def _warn_synthetic(scenario: Scenario, options: ProjectionOptions) -> None:
        """Say once, at start-up, that weather 'auto' runs synthetic years for ``scenario``."""
        if options.weather == "synthetic":
            logger.warning(
                "no temperature files for %s's weather in %s: weather 'auto' runs synthetic "
                "years (results keyed and recorded as weather 'synthetic') until they are there",
                scenario.id,
                real_data_dir().resolve(),
            )

    def work_memory_bytes(self) -> int:
        """Memory heavy requests may hold together: the budget less the process itself, the
        cache, in-process jobs and request bodies being parsed. [bytes]"""
        settings = self.settings
        jobs = settings.job_memory_bytes * settings.max_concurrent_jobs
        return (
            settings.memory_budget_bytes
            - PROCESS_BYTES
            - settings.cache_bytes
            - (jobs if self.jobs.in_process else 0)
            - BODY_EXPANSION * settings.max_body_bytes_in_flight
        )

    def _size_admission(self) -> None:
        work = self.work_memory_bytes()
        if work < MIN_WORK_BYTES:
            raise ServiceError(
                f"memory_budget_bytes = {self.settings.memory_budget_bytes}: leaves "
                f"{gigabytes(max(work, 0))} for requests after the process "
                f"({gigabytes(PROCESS_BYTES)}), the cache, jobs and request bodies; at least "
                f"{gigabytes(MIN_WORK_BYTES)} needed: raise FORECAST_MEMORY_BUDGET_BYTES or "
                "lower FORECAST_CACHE_BYTES / FORECAST_JOB_MEMORY_BYTES"
            )
        self.admission = Admission(
            slots=self.settings.max_inline_projections,
            memory_bytes=work,
            max_waiting=self.settings.max_waiting_requests,
            wait_seconds=self.settings.inline_wait_seconds,
            per_client=self.settings.inline_slots_per_client(),
        )

    async def light(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run short blocking work in a worker thread, at most LIGHT_THREADS at once.

        Heavy work does not come here: it holds a slot (:mod:`service.admission`), which
        bounds its threads already.
        """
        if self._light is None:
            self._light = anyio.CapacityLimiter(LIGHT_THREADS)
        call = functools.partial(function, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=self._light)

    def model_reloaded(self) -> None:
        """A reload succeeded: a broken model at start-up no longer keeps the service down."""
        if self.problems.pop("model", None) is not None and not self.problems:
            logger.info("model fixed by a reload: the service is ready")

    def stop(self) -> None:
        """Write the results still queued, stop the jobs (running ones get
        ``shutdown_grace_seconds`` to finish; the rest are handed back, re-queued for the next
        server to start) and close the database.

        Stopped while starting, the start-up step under way finishes first (a kernel being
        compiled cannot be interrupted) and the steps after it are skipped.
        """
        self._stopping.set()
        if self._starter is not None:
            self._starter.join()
        self.writer.flush()
        self.jobs.shutdown(grace_seconds=self.settings.shutdown_grace_seconds)
        self.database.dispose()

    def require_ready(self) -> None:
        """Raise 503 until start-up has finished, or while a part is broken."""
        if not self.started:
            raise NotReadyError(f"{self.not_ready_reason()}: retry shortly")
        if self.problems:
            raise NotReadyError(self.not_ready_reason())

    def not_ready_reason(self) -> str:
        """One line: the start-up step under way, and what is broken."""
        broken = dict(self.problems)
        if self.results.unwritable is not None:
            # Not a problem that stops the API (answers already computed are served, a
            # computation is refused 507): a probe's, so that no new traffic is sent here.
            broken["results"] = f"{self.results.unwritable}; checked again every {RECHECK_S:g} s"
        problems = "; ".join(f"{part}: {why}" for part, why in broken.items())
        if self.started:
            return f"not ready: {problems}"
        doing = START_STEPS.get(self.doing or "", "starting up")
        starting = f"starting ({self.seconds_starting():.0f} s so far): {doing}"
        return f"{starting}; already failed: {problems}" if problems else starting

    def degraded_reason(self) -> str | None:
        """Why the service is degraded now, None when it is not: each weather location of a
        shipped scenario whose temperature files are missing (weather ``auto`` runs synthetic
        years there), as :func:`forecast.projection.weather_fallback` says it. Looked up
        again on every call (a few file checks, no file read), so files put in place later
        clear it."""
        said = {weather_fallback(shipped.scenario) for shipped in self.scenarios.values()}
        reasons = sorted(reason for reason in said if reason is not None)
        return "; ".join(reasons) if reasons else None

    def public(self, text: str) -> str:
        """``text`` fit to answer over HTTP: without the database's credentials, host or name
        (which the log keeps) or a server path."""
        return redact_paths(self.database.redact(text), known=self.paths_to_redact())

    def paths_to_redact(self) -> dict[Path, str]:
        """Server directories an error detail may mention, and the names shown instead."""
        known = {
            Path(self.artifact_root): "<artifacts>",
            self.settings.storage_dir: "<storage>",
            self.settings.results(): "<results>",
            self.settings.data_dir or real_data_dir(): "<data>",
            Path(__file__).resolve().parent.parent: "<app>",
        }
        return known
