"""Process-wide state of the service: scenarios, served model, result cache and jobs.

Built by :func:`service.main.create_app`, started in the lifespan hook (kernels compiled, model
and scenarios loaded, one tiny projection run so that the first user request finds every
lazy import and cache already warm) and reached by the routers through :func:`get_state`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from fastapi import Request

from forecast._numba import warm_up
from forecast.errors import ForecastError, ScenarioError
from forecast.paths import artifacts_dir
from forecast.projection import ProjectionOptions, project, scenario_digest
from forecast.scenario import Scenario, list_scenarios
from service.cache import ResultCache
from service.errors import ServiceError
from service.jobs import JobManager
from service.registry import ModelRegistry, model_label
from service.settings import Settings

logger = logging.getLogger("service")


class NotReadyError(ServiceError):
    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "5"})


@dataclass(frozen=True)
class ShippedScenario:
    """A shipped scenario, validated once at start-up, and its digest."""

    scenario: Scenario
    sha256: str


class ServiceState:
    """Everything the routers share; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.artifact_root = settings.artifact_dir or artifacts_dir()
        self.registry = ModelRegistry(self.artifact_root)
        self.cache = ResultCache(settings.cache_size)
        self.jobs = JobManager(
            workers=settings.max_concurrent_jobs,
            queue=settings.max_queued_jobs,
            records=settings.job_records,
        )
        self.inline_slots = threading.BoundedSemaphore(settings.max_inline_projections)
        self.scenarios: dict[str, ShippedScenario] = {}
        self.kernels_compiled = False
        self.ready = False
        self.start_error: str | None = None

    def start(self) -> None:
        """Compile kernels, load scenarios and the model, warm the projection path.

        Starting an app that already started once (a test client entered twice) only
        restarts the job workers.
        """
        self.jobs.start()
        if self.ready:
            return
        try:
            warm_up()
            self.kernels_compiled = True
            self.scenarios = {
                scenario.id: ShippedScenario(scenario, scenario_digest(scenario))
                for scenario in list_scenarios()
            }
            self.registry.load_at_start()
            self._warm_projection()
        except (ForecastError, OSError) as error:
            # Start anyway so /healthz and /readyz can say what is wrong; nothing else serves.
            logger.exception("start-up failed; the service is not ready")
            self.start_error = f"start-up failed: {error}"
            return
        self.ready = True

    def _warm_projection(self) -> None:
        if not self.scenarios:
            return
        shipped = next(iter(self.scenarios.values())).scenario
        first_day = shipped.horizon.start
        try:
            model = self.registry.for_scenario(shipped)
        except ScenarioError:  # it names a model not served here: warm up without one
            model = None
        options = ProjectionOptions(
            draws=2,
            start=first_day,
            end=first_day + dt.timedelta(days=1),
            include_baseline=model is not None,
            baseline_model=model_label(model) if model is not None else None,
        )
        project(shipped, options, baseline=model)

    def stop(self) -> None:
        """Stop the job workers (running jobs finish in the background)."""
        self.jobs.shutdown()

    def require_ready(self) -> None:
        """Raise 503 until start-up has finished."""
        if not self.ready:
            raise NotReadyError(self.start_error or "the service is starting: retry shortly")


async def get_state(request: Request) -> ServiceState:
    """Dependency: the app's :class:`ServiceState`."""
    return request.app.state.service


async def get_ready_state(request: Request) -> ServiceState:
    """Dependency: the app's state, or 503 while it is starting."""
    state: ServiceState = request.app.state.service
    state.require_ready()
    return state
