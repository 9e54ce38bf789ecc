"""A comparison request, from its body to its result: 2..N scenarios projected over one
period with one set of options and common random numbers (:mod:`forecast.sweep.compare`), stacked
along ``scenario`` with each one's difference from the first.

It is answered as a projection is (:mod:`service.projecting`, in the same order: memory, a
stored run, the unfinished job computing it, a new job when large, else inline in a slot),
and recorded as one run whose ``scenario_ids`` name the scenarios. What differs is here: every
scenario is resolved as ``POST /v1/projections`` resolves one, the key covers every
scenario's digest and model, the size (draws x hours, memory) is that of all the projections,
and the work is :func:`forecast.sweep.compare.project_scenarios` then
:func:`~forecast.sweep.compare.combine`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import xarray as xr

from forecast import provenance
from forecast.baseline.model import BaselineModel
from forecast.errors import ForecastError, OptionsError
from forecast.projection import (
    ProjectionOptions,
    notes_in_attributes,
    scenario_digest,
    weather_digest,
)
from forecast.report.inputs import with_input_tables
from forecast.scenario import Scenario, parse_scenario
from forecast.sweep.compare import check_scenarios, combine, project_scenarios
from service import estimates
from service.cache import comparison_key, input_digests, inputs_document
from service.inputs import check_local_midnights
from service.projecting import (
    ScenarioSource,
    check_resubmittable,
    no_model_to_load,
    projection_options,
    recorded_options,
    resolve_scenario,
    run_options_document,
)
from service.registry import model_label
from service.schemas import ComparisonRequest
from service.state import ServiceState
from service.storage.runs import Run
from service.tasks import ComparisonTask

SOURCE = "comparison"


@dataclass(frozen=True)
class PreparedComparison:
    """A checked comparison request: the scenarios in order, their options and models, and
    the key of the result."""

    scenarios: tuple[Scenario, ...]
    digests: tuple[str, ...]
    sources: tuple[ScenarioSource, ...]
    versions: tuple[int | None, ...]
    #: Shared options (period filled from the first scenario's horizon); each scenario's
    #: baseline follows from its model.
    options: ProjectionOptions
    #: Each scenario's own validated options (its baseline model named).
    each: tuple[ProjectionOptions, ...]
    models: tuple[BaselineModel | None, ...]
    key: str
    #: What the key holds besides the scenarios and options (:func:`inputs_document`).
    inputs: dict[str, Any]
    #: The baseline model the request named for every scenario (``baseline_model``),
    #: recorded so that a resubmission keeps it; None: each one's served model.
    pinned: str | None = None

    @property
    def ids(self) -> list[str]:
        """Scenario ids, in order."""
        return [scenario.id for scenario in self.scenarios]

    @property
    def hours(self) -> int:
        """Hours of the period (each scenario's)."""
        assert self.options.start is not None and self.options.end is not None
        return ((self.options.end - self.options.start).days + 1) * 24

    @property
    def total_hours(self) -> int:
        """Hours the comparison steps through: every scenario's. [h]"""
        return self.hours * len(self.scenarios)

    @property
    def draw_hours(self) -> int:
        """Draws x hours of all the projections: the size of the computation. [draw-hours]"""
        return self.options.draws * self.total_hours

    @property
    def what(self) -> str:
        """The work, in words."""
        return f"comparison of {', '.join(self.ids)}"

    @property
    def digest(self) -> str:
        """sha256 of the scenarios' digests in order: what was compared."""
        return hashlib.sha256(json.dumps(list(self.digests)).encode()).hexdigest()

    @property
    def model_labels(self) -> list[str]:
        """Each scenario's baseline model ``id@version``, or ``none``."""
        return [model_label(model) for model in self.models]

    def need_bytes(self) -> int:
        """Memory of all the projections and the stacked result. [bytes]"""
        return estimates.comparison_bytes(list(self.each), list(self.scenarios))

    def check_computable(self) -> None:
        """Refuse what the engine cannot compute (days without a local midnight)."""
        start, end = self.options.start, self.options.end
        assert start is not None and end is not None
        for index, scenario in enumerate(self.scenarios):
            check_local_midnights(
                scenario.timezone, start, end, field=f"scenarios[{index}].timezone"
            )

    def compute(self) -> xr.Dataset:
        """The comparison (in the calling thread)."""
        with notes_in_attributes():
            datasets = project_scenarios(self.scenarios, self.options, baselines=self.models)
        combined = combine(self.scenarios, datasets, keep_per_draw=self.options.per_draw)
        return with_input_tables(combined, self.scenarios)

    def task(self, run_id: str, results_dir: str) -> ComparisonTask:
        """The job a Dask worker runs."""
        return ComparisonTask(
            run_id=run_id,
            scenarios=self.scenarios,
            options=self.options,
            models=self.models,
            results_dir=results_dir,
        )

    def record(self, *, kind: Literal["inline", "job"], author: str | None, **fields: Any) -> Run:
        """The record of a comparison about to start: the first scenario's id, every id, and
        every scenario's document, source and version (enough to resubmit it)."""
        now = dt.datetime.now(dt.UTC)
        documents = [
            {
                "source": source,
                "version": version,
                "sha256": digest,
                "scenario": scenario.model_dump(mode="json", exclude_none=True),
            }
            for scenario, source, version, digest in zip(
                self.scenarios, self.sources, self.versions, self.digests, strict=True
            )
        ]
        return Run(
            id=uuid.uuid4().hex,
            result_key=self.key,
            kind=kind,
            status="running" if kind == "inline" else "queued",
            scenario_id=self.scenarios[0].id,
            scenario_ids=",".join(self.ids),
            scenario_version=None,
            scenario_source=SOURCE,
            scenario_sha256=self.digest,
            scenario_document=json.dumps(documents, sort_keys=True),
            options=run_options_document(self.options, self.pinned),
            model_version=",".join(dict.fromkeys(self.model_labels)),
            code_version=provenance.code_version(),
            author=author,
            submitted_at=now,
            started_at=now if kind == "inline" else None,
            total_hours=self.total_hours,
            **input_digests(self.inputs),
            **fields,
        )


def _naming(index: int, error: ForecastError) -> ForecastError:
    """The error, its message prefixed with the scenario's place in the request."""
    return type(error)(f"scenarios[{index}].{error}")


def _prepared(
    scenarios: list[Scenario],
    digests: list[str],
    sources: list[ScenarioSource],
    versions: list[int | None],
    options: ProjectionOptions,
    each: list[ProjectionOptions],
    models: list[BaselineModel | None],
    pinned: str | None,
) -> PreparedComparison:
    check_scenarios(scenarios, resolution=options.resolution)
    labels = [model_label(model) for model in models]
    weather = [
        weather_digest(scenario, each_options)
        for scenario, each_options in zip(scenarios, each, strict=True)
    ]
    inputs = inputs_document(models, weather)
    return PreparedComparison(
        scenarios=tuple(scenarios),
        digests=tuple(digests),
        sources=tuple(sources),
        versions=tuple(versions),
        options=options,
        each=tuple(each),
        models=tuple(models),
        key=comparison_key(digests, options, labels, inputs),
        inputs=inputs,
        pinned=pinned,
    )


def prepare_sync(state: ServiceState, request: ComparisonRequest) -> PreparedComparison:
    """Resolve and check every scenario (as a projection's) and the options.

    Raises
    ------
    OptionsError, ScenarioError, NotFoundError
        A scenario is unknown or malformed (the message names ``scenarios[i]``), ids repeat,
        time zones differ at an hourly or daily resolution, or an option is out of range
        (fewer than 2 scenarios are refused by the request's schema).
    """
    resolved = []
    for index, choice in enumerate(request.scenarios):
        try:
            resolved.append(resolve_scenario(state, choice))
        except ForecastError as error:
            raise _naming(index, error) from error
    scenarios = [scenario for scenario, _, _, _ in resolved]
    check_scenarios(scenarios, resolution=request.resolution)
    first, _ = projection_options(state, request, scenarios[0])
    # Every scenario runs over the period the first one's horizon gives, unless one was asked.
    period = request.model_copy(update={"start": first.start, "end": first.end})
    each, models = [], []
    for index, scenario in enumerate(scenarios):
        try:
            options, model = projection_options(state, period, scenario)
        except ForecastError as error:
            raise _naming(index, error) from error
        each.append(options)
        models.append(model)
    # A scenario without weather keeps 'auto' (it has nothing to resolve).
    kinds = sorted({options.weather for options in each} - {"auto"}) or [first.weather]
    if len(kinds) > 1:
        # The scenarios run on one weather option: 'auto' must not mean two kinds.
        raise OptionsError(
            f"weather = {request.weather!r}: resolves to {' and '.join(kinds)} for these "
            "scenarios' weather locations (temperature files for some only); allowed here: "
            "historical, typical or synthetic, named"
        )
    shared = dataclasses.replace(
        first,
        weather=kinds[0],
        baseline_model=None,
        include_baseline=request.include_baseline,
    )
    return _prepared(
        scenarios,
        [digest for _, digest, _, _ in resolved],
        [source for _, _, source, _ in resolved],
        [version for _, _, _, version in resolved],
        shared,
        each,
        models,
        request.baseline_model,
    )


async def prepare(state: ServiceState, request: ComparisonRequest) -> PreparedComparison:
    """:func:`prepare_sync`, on the event loop when every scenario is a shipped one as it is
    (a cache hit should cost a lookup, not a thread), in a worker thread otherwise."""
    if all(
        choice.scenario is None and not choice.overrides and choice.scenario_id in state.scenarios
        for choice in request.scenarios
    ) and no_model_to_load(state, request.baseline_model):
        return prepare_sync(state, request)
    return await state.light(prepare_sync, state, request)


def resubmission(state: ServiceState, run: Run) -> PreparedComparison:
    """A failed or cancelled comparison prepared again from its record, with the models
    served now.

    Raises
    ------
    ConflictError
        The run neither failed nor was cancelled.
    """
    check_resubmittable(run)
    return recomputation(state, run)


def recomputation(state: ServiceState, run: Run) -> PreparedComparison:
    """A comparison prepared again from its record, whatever its status, with the models
    served now (see :func:`service.projecting.recomputation`)."""
    recorded = run.options_document
    scenarios, sources, versions, each, models = [], [], [], [], []
    for entry in json.loads(run.scenario_document):
        scenario = parse_scenario(entry["scenario"], origin=f"run {run.id}")
        options, model = recorded_options(state, recorded, scenario)
        scenarios.append(scenario)
        sources.append(entry["source"])
        versions.append(entry["version"])
        each.append(options)
        models.append(model)
    shared = dataclasses.replace(
        each[0], baseline_model=None, include_baseline=bool(recorded["include_baseline"])
    )
    return _prepared(
        scenarios,
        [scenario_digest(scenario) for scenario in scenarios],
        sources,
        versions,
        shared,
        each,
        models,
        recorded.get("baseline_model"),
    )
