"""Baseline stage: the national demand without the scenario's AI load, from a trained model.

``B(t) = L(year) · shape(t; calendar, T(t)) · ε(day)`` with the annual level ``L`` and the
daily noise ``ε`` drawn per draw (:mod:`forecast.engine.inputs`) and the hourly shape driven
by the same weather year as the PUE. The model is the served one, the one named in the
options or the scenario (``baseline_model``), or the promoted model of the scenario's country; a
scenario with no model for its grid, or with ``baseline_model = "none"``, gets no baseline (and
says so in the output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecast.baseline.artifacts import (
    NO_MODEL,
    default_model_for_country,
    manifest_country,
    manifest_demand_basis,
)
from forecast.engine.inputs import BaselineDraw
from forecast.engine.options import ProjectionOptions
from forecast.errors import ArtifactError, NotFoundError, ScenarioError
from forecast.scenario import Scenario
from forecast.weather.locations import NO_WEATHER

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel


@dataclass
class BaselineSeries:
    """What the hourly kernel needs of the baseline."""

    level: np.ndarray  # float64[D, Y] annual mean level [MW]
    shape: np.ndarray  # float64[W, H] hourly shape of each weather year [-]
    draw: BaselineDraw  # its daily noise, drawn on a thread of its own
    label: str  # model id@version
    level_note: str  # which years' level is observed, which forecast (LevelModel.describe)
    demand_basis: str  # what demand the model was trained on (manifest_demand_basis)
    #: Where the years run past what the bands were backtested for (bands_horizon_note); "".
    bands_note: str = ""

    @property
    def noise(self) -> np.ndarray:
        """float64[D, days] daily noise (a transposed day-major array: ``noise.T`` is C
        order); waits for the thread drawing it. [1]"""
        return self.draw.noise


@dataclass(frozen=True)
class BaselineChoice:
    """The baseline model a projection runs on, and where the choice comes from."""

    reference: str | None  # MODEL_ID@VERSION; None: no baseline
    source: str  # where it comes from, or why there is none


def choose_baseline(scenario: Scenario, options: ProjectionOptions) -> BaselineChoice:
    """The baseline model :func:`baseline_model` loads for ``scenario`` and ``options``, found
    from the artifacts' manifests alone, and refused wherever the projection refuses it. The
    command line calls this before its progress bar; ``forecast scenarios show`` to say what a
    projection would use.

    Raises
    ------
    NotFoundError
        A named model does not exist (``--baseline-model = ...`` or ``scenario ID:
        baseline_model = ...``, and the known ids), or several promoted models are for the
        country and ``DEFAULT`` names none.
    ArtifactError
        A named model is for another country, or its manifest cannot be read.
    ScenarioError
        A model is chosen for a scenario without weather (:func:`check_weather_drives`).
    """
    from forecast.baseline import artifacts
    from forecast.weather import resolve_weather_location

    named = options.baseline_model or scenario.baseline_model
    if not options.include_baseline or named == NO_MODEL:
        return BaselineChoice(None, "none: " + _why_no_baseline(scenario, options))
    field = (
        "--baseline-model" if options.baseline_model else f"scenario {scenario.id}: baseline_model"
    )
    if named is None:
        reference = default_model_for_country(scenario.country)
        if reference is None:
            return BaselineChoice(None, "none: " + _why_no_baseline(scenario, options))
        source = f"the default of country {scenario.country}: its promoted model"
    else:
        reference = named
        source = "--baseline-model" if options.baseline_model else "the scenario's baseline_model"
    try:
        directory = artifacts.resolve(reference)
    except NotFoundError as error:
        raise NotFoundError(f"{field} = {named!r}: {error}" if named else str(error)) from None
    chosen = f"{directory.parent.name}@{directory.name}"
    model_country = manifest_country(artifacts.read_manifest(directory))
    if model_country and model_country != scenario.country:
        mine = default_model_for_country(scenario.country)
        raise ArtifactError(
            f"{field} = {named!r}: model {chosen} is for {model_country}, "
            f"the scenario for {scenario.country}; allowed: a model trained for "
            f"{scenario.country}" + (f" ({mine})" if mine else "") + f", or {NO_MODEL!r}"
        )
    location = resolve_weather_location(
        scenario.country, scenario.weather_location, origin=f"scenario {scenario.id}"
    )
    check_weather_drives(scenario, location, directory.parent.name)
    return BaselineChoice(chosen, source)


def check_weather_drives(scenario: Scenario, location: str, model_id: str) -> None:
    """Refuse a baseline model ``model_id`` for a scenario whose weather ``location`` is
    ``"none"``: the model's hourly shape needs temperatures.

    Raises
    ------
    ScenarioError
        ``scenario ID: weather_location = 'none' cannot drive the baseline model ...``.
    """
    if location == NO_WEATHER:
        raise ScenarioError(
            f"scenario {scenario.id}: weather_location = {NO_WEATHER!r} cannot drive the "
            f"baseline model {model_id}, which needs temperatures; allowed: a weather location "
            f'with the model, or no baseline (baseline_model = "{NO_MODEL}", --no-baseline)'
        )


def baseline_model(
    scenario: Scenario, options: ProjectionOptions, model: BaselineModel | None = None
) -> BaselineModel | None:
    """The baseline model to project on (:func:`choose_baseline`, or ``model``, the one the
    service serves), or None (no baseline requested or none for the grid).

    Raises
    ------
    ArtifactError
        A model named in the options is for another country.
    """
    if not options.include_baseline:
        return None
    from forecast.baseline.model import load_baseline_model

    named = options.baseline_model or scenario.baseline_model
    if named == NO_MODEL:
        return None
    if model is None:
        choice = choose_baseline(scenario, options)
        if choice.reference is None:
            return None  # no model for the country: the AI load alone (attrs say "none")
        model = load_baseline_model(choice.reference)
    model_country = manifest_country(model.manifest)
    if model_country and model_country != scenario.country:
        if named is not None:
            raise ArtifactError(
                f"baseline model {model.model_id}@{model.version} is for {model_country}; "
                f"the scenario is for {scenario.country}"
            )
        return None
    return model


def _why_no_baseline(scenario: Scenario, options: ProjectionOptions) -> str:
    """Why a projection has no baseline: it was not asked for, the scenario says
    ``baseline_model = "none"``, or no model is trained for the scenario's grid."""
    if not options.include_baseline:
        return "not asked for (include_baseline false, --no-baseline)"
    if (options.baseline_model or scenario.baseline_model) == NO_MODEL:
        return f'the scenario says baseline_model = "{NO_MODEL}"'
    if scenario.country == "world":
        return "a global scenario has no grid of its own to model"
    return f"no baseline model is trained for {scenario.country} (README: How to add a grid)"


def no_baseline_note(scenario: Scenario, options: ProjectionOptions) -> str:
    """Why a projection has no baseline, and what it leaves out, for its attributes (where
    :func:`baseline_model` found none)."""
    return (
        f"no baseline: {_why_no_baseline(scenario, options)}; the figures are the data-centre "
        "load alone, with no grid total, peak change, AI share of the grid or load at the "
        "grid's peak hour"
    )


#: How far past its origin a baseline model's bands are backtested. [years]
BACKTESTED_HORIZON_YEARS = 1


def bands_horizon_note(model: BaselineModel, years: np.ndarray) -> str:
    """One line where ``years`` run more than :data:`BACKTESTED_HORIZON_YEARS` past the
    model's origin (its last training year), empty otherwise: the backtest scores one year
    ahead, so farther bands are unchecked by it. It names the run's model alone, with the
    backtest its manifest records (:func:`backtest_summary`): it named NSW's and Korea's
    horizon checks whatever the grid. A caveat of the run, not of the scenario: the projection
    keeps it in ``caveats`` after the scenario's own, so that every file, the API and the
    report carry what the command line alone printed (report-interop 3)."""
    origin = model.level.origin_year
    later = [int(year) for year in years if int(year) > origin + BACKTESTED_HORIZON_YEARS]
    if not later:
        return ""
    span = f"{later[0]}" if len(later) == 1 else f"{later[0]}-{later[-1]}"
    ahead = f"{later[0] - origin}" + (f"-{later[-1] - origin}" if len(later) > 1 else "")
    return (
        f"baseline {span} is {ahead} years past {model.model_id}@{model.version}'s origin "
        f"{origin}; its bands are backtested {BACKTESTED_HORIZON_YEARS} year ahead "
        f"({backtest_summary(model.manifest)}), not farther: check them there with python -m "
        'models.horizons (README, "Baseline models")'
    )


def backtest_summary(manifest: dict) -> str:
    """The backtest a model's manifest records, in a phrase: its years and the share of hours
    inside the ex-ante (forecast weather) 80 % band, ``2019-2024: 75.3 % of hours inside the
    80 % band ex ante``; what it lacks is said, never filled in."""
    years = [int(year) for year in manifest.get("backtest", {}).get("years", [])]
    coverage = manifest.get("metrics", {}).get("ex_ante", {}).get("coverage_80_pct")
    if not isinstance(coverage, int | float):
        return "its manifest records no backtest coverage"
    when = "" if not years else f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return f"{when + ': ' if when else ''}{coverage:.1f} % of hours inside the 80 % band ex ante"


def baseline_series(
    model: BaselineModel,
    hours: pd.DatetimeIndex,
    temperature: np.ndarray,
    first: int,
    draw: BaselineDraw,
) -> BaselineSeries:
    """The baseline's level, shape and noise for the projection's hours: the shape on
    :func:`forecast.baseline.model.warm_up_hours`' ``hours`` with their ``temperature``
    [W, H'], kept from ``first``."""
    years = np.unique(hours[first:].year.to_numpy())
    return BaselineSeries(
        level=draw.level_mw,
        shape=model.shape(hours, temperature, after=first),
        draw=draw,
        label=f"{model.model_id}@{model.version}",
        level_note=model.level.describe(years),
        demand_basis=manifest_demand_basis(model.manifest),
        bands_note=bands_horizon_note(model, years),
    )
