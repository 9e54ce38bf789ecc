"""A projection request, from its body to its result: where the scenario comes from, which
options and model it runs with, and whether it is answered from memory, from a stored run,
computed inline, or queued as a job.

Order of the answers (first that applies):

1. the result cache (memory) holds the key: answered on the event loop;
2. a succeeded run with the same key has a result file: it is read back (a slot) and cached;
3. a job computing the same key is unfinished: ``202`` naming that job;
4. draws x hours above ``job_threshold_draw_hours``: a new job, ``202``;
5. else computed inline in a slot, identical concurrent requests sharing one computation.

Every computation is recorded as a run (:mod:`service.storage.runs`) with its result file.
A comparison (:mod:`service.comparing`) is answered in the same order by the same functions:
both are a :class:`Computation`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import xarray as xr
from starlette.concurrency import run_in_threadpool

from forecast import provenance
from forecast.baseline import artifacts
from forecast.baseline.model import BaselineModel
from forecast.engine.options import DEFAULT_DURATION_DRAWS
from forecast.errors import ForecastError, NotFoundError, OptionsError
from forecast.projection import (
    ProjectionOptions,
    check_period_years,
    notes_in_attributes,
    project,
    resolved_weather,
    scenario_digest,
    weather_digest,
    weather_index,
)
from forecast.report.inputs import with_input_tables
from forecast.scenario import Scenario, parse_scenario
from service import estimates
from service.cache import (
    ProjectionResult,
    input_digests,
    inputs_document,
    options_document,
    result_key,
)
from service.errors import ConflictError, TooLargeError, status_of
from service.inputs import check_local_midnights, merged
from service.registry import model_country, model_label
from service.schemas import ProjectionRequest, RunOptions, ScenarioChoice
from service.state import ServiceState
from service.storage.results import ResultLostError, ResultMissingError
from service.storage.runs import RESUBMITTABLE, Run, resubmit_hint
from service.tasks import ProjectionTask, Task

logger = logging.getLogger("service")

ScenarioSource = Literal["shipped", "saved", "inline", "overrides"]


@dataclass(frozen=True)
class Prepared:
    """A checked projection request: what to compute and under which key."""

    scenario: Scenario
    digest: str
    source: ScenarioSource
    version: int | None
    options: ProjectionOptions
    model: BaselineModel | None
    key: str
    #: What the key holds besides the scenario and options (:func:`inputs_document`).
    inputs: dict[str, Any]
    #: The baseline model the request named (``baseline_model``), recorded so that a
    #: resubmission keeps it; None: the one served for the scenario.
    pinned: str | None = None

    @property
    def hours(self) -> int:
        """Hours of the period."""
        assert self.options.start is not None and self.options.end is not None
        return ((self.options.end - self.options.start).days + 1) * 24

    @property
    def draw_hours(self) -> int:
        """Draws x hours: the size of the computation. [draw-hours]"""
        return self.options.draws * self.hours

    @property
    def total_hours(self) -> int:
        """Hours the computation steps through (its progress counts up to this). [h]"""
        return self.hours

    @property
    def what(self) -> str:
        """The work, in words (admission's messages)."""
        return f"projection of {self.scenario.id}"

    def need_bytes(self) -> int:
        """Memory the computation needs. [bytes]"""
        return estimates.projection_bytes(self.options, self.scenario)

    def check_computable(self) -> None:
        """Refuse what the engine cannot compute (days without a local midnight)."""
        options = self.options
        assert options.start is not None and options.end is not None
        check_local_midnights(self.scenario.timezone, options.start, options.end, field="timezone")

    def compute(self) -> xr.Dataset:
        """The projection (in the calling thread)."""
        with notes_in_attributes():
            dataset = project(self.scenario, self.options, baseline=self.model)
        return with_input_tables(dataset, [self.scenario])

    def task(self, run_id: str, results_dir: str) -> Task:
        """The job a Dask worker runs."""
        return ProjectionTask(
            run_id=run_id,
            scenario=self.scenario,
            options=self.options,
            model=self.model,
            results_dir=results_dir,
        )

    def record(self, *, kind: Literal["inline", "job"], author: str | None, **fields: Any) -> Run:
        """The record of a computation about to start."""
        return new_run(self, kind=kind, author=author, **fields)


class Computation(Protocol):
    """A checked request for heavy work: a projection (:class:`Prepared`) or a comparison
    (:class:`service.comparing.PreparedComparison`)."""

    @property
    def key(self) -> str:
        """Digest of everything the result depends on."""
        ...

    @property
    def total_hours(self) -> int: ...

    @property
    def draw_hours(self) -> int: ...

    @property
    def what(self) -> str: ...

    def need_bytes(self) -> int: ...

    def check_computable(self) -> None: ...

    def compute(self) -> xr.Dataset: ...

    def task(self, run_id: str, results_dir: str) -> Task: ...

    def record(
        self, *, kind: Literal["inline", "job"], author: str | None, **fields: Any
    ) -> Run: ...


def saved_scenario(
    state: ServiceState, scenario_id: str, version: int | None
) -> tuple[Scenario, int]:
    """A saved scenario's version (``None``: the latest), validated, and its number.

    Raises
    ------
    NotFoundError
        No such saved scenario or version.
    """
    stored = state.saved.get(scenario_id, version)
    return parse_scenario(
        stored.document, origin=f"{scenario_id} v{stored.version}"
    ), stored.version


def resolve_scenario(
    state: ServiceState, request: ScenarioChoice
) -> tuple[Scenario, str, ScenarioSource, int | None]:
    """The scenario to project, its digest, where it came from, and its version if saved."""
    if request.scenario is not None:
        scenario = parse_scenario(request.scenario, origin="scenario")
        return scenario, scenario_digest(scenario), "inline", None
    scenario_id = str(request.scenario_id)
    shipped = state.scenarios.get(scenario_id)
    version: int | None = None
    if shipped is not None:
        if request.scenario_version is not None:
            raise OptionsError(
                f"scenario_version = {request.scenario_version}: {scenario_id!r} is a shipped "
                "scenario, which has no versions"
            )
        scenario, digest, source = shipped.scenario, shipped.sha256, "shipped"
    elif state.saved.exists(scenario_id):
        scenario, version = saved_scenario(state, scenario_id, request.scenario_version)
        digest, source = scenario_digest(scenario), "saved"
    else:
        raise NotFoundError(
            f"scenario_id = {scenario_id!r}: neither a shipped nor a saved scenario; shipped: "
            f"{', '.join(state.scenarios) or '(none)'} (GET /v1/scenarios lists saved ones)"
        )
    if not request.overrides:
        return scenario, digest, source, version  # type: ignore[return-value]
    renamed = request.overrides.get("id")
    if renamed not in (None, scenario_id) and (
        renamed in state.scenarios or state.saved.exists(str(renamed))
    ):
        # A variant may take a new id (a comparison needs distinct ones), not another
        # scenario's: its runs would be listed as that scenario's.
        raise ConflictError(
            f"overrides.id = {renamed!r}: the id of another shipped or saved scenario; give the "
            "variant an id of its own"
        )
    data = merged(scenario.model_dump(mode="json", exclude_none=True), request.overrides)
    changed = parse_scenario(data, origin="overrides")
    return changed, scenario_digest(changed), "overrides", version


def projection_options(
    state: ServiceState, request: RunOptions, scenario: Scenario, *, sites: list[str] | None = None
) -> tuple[ProjectionOptions, BaselineModel | None]:
    """Checked options and the baseline model this request will use from start to end;
    ``sites``, the sites whose own load series a projection asks for (``sites``; a
    comparison has none).

    The served model is read once here: a reload while the request runs swaps the registry,
    not the model this request holds.
    """
    settings = state.settings
    if request.draws > settings.max_draws:
        raise OptionsError(
            f"draws = {request.draws}: at most {settings.max_draws} allowed on this service"
        )
    fields = {name: getattr(request, name) for name in _RUN_FIELDS}
    if fields["duration_draws"] is None:
        fields["duration_draws"] = DEFAULT_DURATION_DRAWS
    fields["sites"] = tuple(sites or ())
    options, served = _options_on_served_model(
        state, scenario, fields, request.include_baseline, pinned=request.baseline_model
    )
    assert options.start is not None and options.end is not None  # filled by validated()
    check_period_years(options.start, options.end, max_years=settings.max_horizon_years)
    return options, served


def prepare_sync(state: ServiceState, request: ProjectionRequest) -> Prepared:
    """Resolve and check a request (parsing a posted scenario or reading a saved one)."""
    scenario, digest, source, version = resolve_scenario(state, request)
    options, model = projection_options(state, request, scenario, sites=request.sites)
    key, inputs = _key(scenario, digest, options, model)
    return Prepared(
        scenario,
        digest,
        source,
        version,
        options,
        model,
        key,
        inputs,
        pinned=request.baseline_model,
    )


def _key(
    scenario: Scenario, digest: str, options: ProjectionOptions, model: BaselineModel | None
) -> tuple[str, dict[str, Any]]:
    """The result key of a projection (:func:`service.cache.result_key`) and the inputs
    document it holds."""
    inputs = inputs_document([model], [weather_digest(scenario, options)])
    key = result_key(digest, options, options.baseline_model or artifacts.NO_MODEL, inputs)
    return key, inputs


async def prepare(state: ServiceState, request: ProjectionRequest) -> Prepared:
    """:func:`prepare_sync`, on the event loop for a shipped scenario as it is (a cache hit
    should cost a lookup, not a thread), in a worker thread when it parses or reads."""
    if (
        request.scenario is None
        and not request.overrides
        and request.scenario_id in state.scenarios
        and no_model_to_load(state, request.baseline_model)
    ):
        return prepare_sync(state, request)
    return await state.light(prepare_sync, state, request)


def no_model_to_load(state: ServiceState, pinned: str | None) -> bool:
    """Whether the model a request names (if any) is at hand: none to read and verify from
    disk, which the event loop must not wait for."""
    return pinned in (None, artifacts.NO_MODEL) or state.registry.loaded(str(pinned))


def run_options_document(options: ProjectionOptions, pinned: str | None) -> str:
    """What a run records of its options: :func:`service.cache.options_document` and the
    model the request named, if any (outside the key, which names the model used)."""
    document = options_document(options)
    if pinned is not None:
        document["baseline_model"] = pinned
    return json.dumps(document, sort_keys=True)


def new_run(
    prepared: Prepared, *, kind: Literal["inline", "job"], author: str | None, **fields: Any
) -> Run:
    """The record of a computation about to start."""
    now = dt.datetime.now(dt.UTC)
    return Run(
        id=uuid.uuid4().hex,
        result_key=prepared.key,
        kind=kind,
        status="running" if kind == "inline" else "queued",
        scenario_id=prepared.scenario.id,
        scenario_version=prepared.version,
        scenario_source=prepared.source,
        scenario_sha256=prepared.digest,
        scenario_document=json.dumps(
            prepared.scenario.model_dump(mode="json", exclude_none=True), sort_keys=True
        ),
        options=run_options_document(prepared.options, prepared.pinned),
        model_version=model_label(prepared.model),
        code_version=provenance.code_version(),
        author=author,
        submitted_at=now,
        started_at=now if kind == "inline" else None,
        total_hours=prepared.hours,
        **input_digests(prepared.inputs),
        **fields,
    )


def _compute_and_record(
    state: ServiceState, prepared: Computation, author: str | None
) -> ProjectionResult:
    """Record a running run, compute, cache the result; its file is written afterwards
    (:mod:`service.writer`), when the run becomes succeeded."""
    run = state.runs.add(prepared.record(kind="inline", author=author))
    started = time.perf_counter()
    try:
        dataset = prepared.compute()
    except BaseException as error:
        failure = (
            (str(error), status_of(error))
            if isinstance(error, ForecastError)
            else ("internal error", 500)
        )
        state.runs.update(
            run.id,
            status="failed",
            error=failure[0],
            error_status=failure[1],
            finished_at=dt.datetime.now(dt.UTC),
        )
        raise
    computed = time.perf_counter() - started
    result = ProjectionResult(key=prepared.key, dataset=dataset, run_id=run.id)
    state.cache.put(result)
    state.writer.submit(
        result,
        answer_first=True,
        finished_at=dt.datetime.now(dt.UTC),
        compute_seconds=computed,
        done_hours=prepared.total_hours,
    )
    return result


async def recorded(
    state: ServiceState, prepared: Computation, result: ProjectionResult, author: str | None
) -> ProjectionResult:
    """``result``, found in memory, with its run: a result computed before any request asked
    for it (start-up's answer to the dashboard's first request,
    :meth:`ServiceState._warm_projection`) is recorded as a run of the first request that asks
    (``author``), its file written then, as the run of a computation it would have started
    (identical concurrent requests share one run)."""
    if result.run_id is not None:
        return result

    async def work() -> ProjectionResult:
        current = in_memory(state, prepared.key)
        if current is not None and current.run_id is not None:
            return current  # recorded by a request before this one
        run = await state.light(state.runs.add, prepared.record(kind="inline", author=author))
        adopted = dataclasses.replace(result, run_id=run.id)
        state.cache.put(adopted)
        state.writer.submit(
            adopted,
            answer_first=True,
            finished_at=dt.datetime.now(dt.UTC),
            compute_seconds=result.compute_seconds,
            done_hours=prepared.total_hours,
        )
        return adopted

    adopted, _ = await state.coalescer.run(f"record:{prepared.key}", work)
    return adopted


def in_memory(state: ServiceState, result_key: str) -> ProjectionResult | None:
    """The result of ``result_key`` held in memory: cached, or waiting for its file."""
    return state.cache.get(result_key) or state.writer.find(result_key)


async def compute_inline(
    state: ServiceState, prepared: Computation, author: str | None
) -> tuple[ProjectionResult, bool]:
    """The computed result (in a slot; identical concurrent requests share one), and whether
    this request shared another's computation."""
    need = prepared.need_bytes()
    state.admission.check_fits(prepared.what, need)
    state.results.require_writable()

    async def work() -> ProjectionResult:
        async with state.admission.slot(prepared.what, need):
            return await run_in_threadpool(_compute_and_record, state, prepared, author)

    return await state.coalescer.run(f"compute:{prepared.key}", work)


async def stored(state: ServiceState, run: Run) -> ProjectionResult:
    """A succeeded run's result, read back from its file (in a slot) and cached."""
    assert run.result_file is not None
    cached = state.cache.get(run.result_key)
    if cached is not None and cached.run_id == run.id:
        return cached
    need = estimates.loaded_result_bytes(run.result_bytes or 0)
    file = run.result_file

    async def work() -> ProjectionResult:
        async with state.admission.slot(f"reading run {run.id}", need):
            dataset = await run_in_threadpool(
                state.results.read, file, run.result_bytes, run.result_sha256
            )
        result = ProjectionResult(
            key=run.result_key,
            dataset=dataset,
            run_id=run.id,
            result_file=file,
            result_bytes=run.result_bytes,
            result_sha256=run.result_sha256,
        )
        state.cache.put(result)
        return result

    result, _ = await state.coalescer.run(f"read:{run.id}", work)
    return result


async def stored_or_lost(state: ServiceState, run: Run) -> ProjectionResult | None:
    """:func:`stored`, or None when the run's result file is missing or damaged, so that the
    request computes the answer anew instead of failing on it for ever. A damaged file's run
    is failed (:func:`forget_lost`); a missing file's is left alone (it may come back: the
    results directory not mounted yet), the new run answering identical requests meanwhile."""
    try:
        return await stored(state, run)
    except ResultMissingError as missing:
        logger.warning("run %s: %s; its answer is computed again, the run is kept", run.id, missing)
        return None
    except ResultLostError as lost:
        await forget_lost(state, run, lost)
        return None


async def forget_lost(state: ServiceState, run: Run, lost: ResultLostError) -> str:
    """Record that ``run``'s result file is damaged: the run is failed, its ``error`` saying
    why (so that it can be resubmitted, and no run marked succeeded has a damaged file), and
    the file is set aside as ``<name>.damaged``. A missing file never comes here: nothing on
    disk says the result is lost."""
    logger.warning("run %s: %s; it will be computed again when asked", run.id, lost)
    error = f"{lost}; {resubmit_hint(run.id)}"
    await state.light(
        state.runs.update, run.id, status="failed", result_file=None, error=error, error_status=410
    )
    await state.light(state.results.set_aside, run.result_file)
    return error


async def submit_job(
    state: ServiceState,
    prepared: Computation,
    author: str | None,
    *,
    resubmitted_from: str | None = None,
    client: str | None = None,
    file_format: str = "json",
) -> Run:
    """Record a queued run and hand it to Dask (429 when the queue is full, or when
    ``client``, a :attr:`Caller.client <service.deps.Caller.client>`, has
    ``max_jobs_per_client`` jobs unfinished; 507 while results cannot be stored).

    The run remembers ``file_format``, the format the job was asked in (``options.format``,
    outside the result key): its result is fetched in it unless another is asked for.
    """
    state.results.require_writable()
    need = prepared.need_bytes()
    limit = state.settings.job_memory_bytes
    if state.jobs.in_process and need > limit:
        raise TooLargeError(
            f"{prepared.what}: needs about {need / 1e9:.2f} GB of memory as "
            f"a job; at most {limit / 1e9:.2f} GB allowed (FORECAST_JOB_MEMORY_BYTES); ask "
            "fewer draws or a shorter period"
        )
    if client is not None:
        state.job_quota.check(client, unfinished=lambda run_id, key: state.jobs.find(key) == run_id)
    state.jobs.reserve()
    try:
        record = prepared.record(kind="job", author=author, resubmitted_from=resubmitted_from)
        remembered = {**record.options_document, "format": file_format}
        record = dataclasses.replace(record, options=json.dumps(remembered, sort_keys=True))
        run = await state.light(state.runs.add, record)
    except BaseException:
        state.jobs.release()
        raise
    task = prepared.task(run.id, str(state.results.directory))
    state.jobs.submit(task, result_key=prepared.key, total_hours=prepared.total_hours)
    if client is not None:
        state.job_quota.add(client, run.id, prepared.key)
    return run


def check_resubmittable(run: Run) -> None:
    """Raise 409 unless the run failed or was cancelled (a succeeded run is served, an
    unfinished one runs)."""
    if run.status not in RESUBMITTABLE:
        raise ConflictError(
            f"run {run.id} is {run.status}: only a failed or cancelled run can be resubmitted"
            + ("; GET its result" if run.status == "succeeded" else "")
        )


def _served(
    state: ServiceState, scenario: Scenario, wanted: bool, pinned: str | None
) -> BaselineModel | None:
    """The model ``scenario`` is projected on, or None (no baseline wanted, or none for its
    grid); a request without a baseline is never refused for its model.

    ``pinned`` is the model the request names (``baseline_model``): served or published
    (:meth:`ModelRegistry.named <service.registry.ModelRegistry.named>`), for the scenario's
    country, as the command line's ``--baseline-model``; ``none`` for no model.

    Raises
    ------
    OptionsError
        The named model is neither served nor published, or is for another country.
    """
    if not wanted or pinned == artifacts.NO_MODEL:
        return None
    if pinned is None:
        return state.registry.for_scenario(scenario)
    model = state.registry.named(pinned, field="baseline_model")
    country = model_country(model)
    if country and country != scenario.country:
        raise OptionsError(
            f"baseline_model = {pinned!r}: model {model_label(model)} is for {country}, the "
            f"scenario {scenario.id} for {scenario.country}; allowed: a model trained for "
            f"{scenario.country}, or {artifacts.NO_MODEL!r}"
        )
    return model


def recorded_options(
    state: ServiceState, recorded: dict[str, Any], scenario: Scenario
) -> tuple[ProjectionOptions, BaselineModel | None]:
    """A run's recorded options for ``scenario``, with the model it named, else the one
    served for it now (options a run recorded before they existed take their defaults)."""
    fields: dict[str, Any] = {
        name: recorded.get(name, _FIELD_DEFAULTS.get(name)) for name in _RUN_FIELDS
    }
    fields["start"], fields["end"] = (dt.date.fromisoformat(fields[k]) for k in ("start", "end"))
    fields["sites"] = tuple(recorded.get("sites", ()))
    return _options_on_served_model(
        state,
        scenario,
        fields,
        bool(recorded["include_baseline"]),
        pinned=recorded.get("baseline_model"),
    )


#: The options a request states and a run records, besides the baseline it wants.
_RUN_FIELDS = (
    "draws",
    "seed",
    "start",
    "end",
    "resolution",
    "quantiles",
    "weather",
    "per_draw",
    "duration_curves",
    "duration_draws",
    "weather_year",
)
#: Defaults of the options a run recorded only once requests could ask them.
_FIELD_DEFAULTS: dict[str, Any] = {
    "per_draw": False,
    "duration_curves": False,
    "duration_draws": DEFAULT_DURATION_DRAWS,
}


def _options_on_served_model(
    state: ServiceState,
    scenario: Scenario,
    fields: dict[str, Any],
    include_baseline: bool,
    *,
    pinned: str | None = None,
) -> tuple[ProjectionOptions, BaselineModel | None]:
    """Validated options with the model served for ``scenario`` now (when one is wanted and
    its grid has one), and that model: a new request's and a resubmitted run's alike.

    ``weather = 'auto'`` is resolved to the kind the data directory gives now: a result is
    keyed, stored and recorded under the weather it was computed on, so that one computed on
    synthetic years before the data was mounted is not served after. A ``weather_year`` is
    checked against the observed years of that weather
    (:func:`~forecast.projection.weather_index`), before any work.
    """
    served = _served(state, scenario, include_baseline, pinned)
    reference = model_label(served) if served is not None else None
    with notes_in_attributes():  # the answer's attrs say them
        options = ProjectionOptions(
            **{**fields, "quantiles": tuple(fields["quantiles"])},
            baseline_model=reference,
            include_baseline=include_baseline and reference is not None,
        ).validated(scenario)
    options = resolved_weather(scenario, options)
    weather_index(scenario, options)
    return options, (served if options.include_baseline else None)


def resubmission(state: ServiceState, run: Run) -> Prepared:
    """A failed or cancelled run prepared again from its record, with the model served now.

    Raises
    ------
    ConflictError
        The run neither failed nor was cancelled: a succeeded run is served, an unfinished
        one still runs.
    """
    check_resubmittable(run)
    return recomputation(state, run)


def recomputation(state: ServiceState, run: Run) -> Prepared:
    """A run prepared again from its record, whatever its status, with the model served now
    (a resubmitted run, or a job handed back by a stopped server).

    Raises
    ------
    ForecastError
        The recorded scenario or options are refused by this version, or no served model
        fits its grid any more.
    """
    scenario = parse_scenario(json.loads(run.scenario_document), origin=f"run {run.id}")
    options, model = recorded_options(state, run.options_document, scenario)
    digest = scenario_digest(scenario)
    key, inputs = _key(scenario, digest, options, model)
    source: ScenarioSource = run.scenario_source  # type: ignore[assignment]
    pinned = run.options_document.get("baseline_model")
    return Prepared(
        scenario, digest, source, run.scenario_version, options, model, key, inputs, pinned=pinned
    )
