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
from forecast.errors import ArtifactError, NotFoundError
from forecast.scenario import Scenario

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

    @property
    def noise(self) -> np.ndarray:
        """float64[D, days] daily noise (a transposed day-major array: ``noise.T`` is C
        order); waits for the thread drawing it. [1]"""
        return self.draw.noise


def check_named_model(scenario: Scenario, options: ProjectionOptions) -> None:
    """Refuse a baseline model named by the options or the scenario that does not exist,
    saying where the name came from, before any work starts (the command line calls this
    before its progress bar).

    Raises
    ------
    NotFoundError
        ``--baseline-model = ...`` or ``scenario ID: baseline_model = ...``, and the known ids.
    """
    named = options.baseline_model or scenario.baseline_model
    if not options.include_baseline or named in (None, NO_MODEL):
        return
    from forecast.baseline import artifacts

    try:
        artifacts.resolve(named)
    except NotFoundError as error:
        field = (
            "--baseline-model"
            if options.baseline_model
            else f"scenario {scenario.id}: baseline_model"
        )
        raise NotFoundError(f"{field} = {named!r}: {error}") from None


def baseline_model(
    scenario: Scenario, options: ProjectionOptions, model: BaselineModel | None = None
) -> BaselineModel | None:
    """The baseline model to project on, or None (no baseline requested or none for the grid).

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
        reference = named or default_model_for_country(scenario.country)
        if reference is None:
            return None  # no model for the country: the AI load alone (attrs say "none")
        check_named_model(scenario, options)
        model = load_baseline_model(reference)
    model_country = manifest_country(model.manifest)
    if model_country and model_country != scenario.country:
        if named is not None:
            raise ArtifactError(
                f"baseline model {model.model_id}@{model.version} is for {model_country}; "
                f"the scenario is for {scenario.country}"
            )
        return None
    return model


def no_baseline_note(scenario: Scenario, options: ProjectionOptions) -> str:
    """Why a projection has no baseline, and what it leaves out, for its attributes (where
    :func:`baseline_model` found none): it was not asked for, the scenario says
    ``baseline_model = "none"``, or no model is trained for the scenario's grid."""
    if not options.include_baseline:
        why = "not asked for (include_baseline false, --no-baseline)"
    elif (options.baseline_model or scenario.baseline_model) == NO_MODEL:
        why = f'the scenario says baseline_model = "{NO_MODEL}"'
    elif scenario.country == "world":
        why = "a global scenario has no grid of its own to model"
    else:
        why = f"no baseline model is trained for {scenario.country} (README: How to add a grid)"
    return (
        f"no baseline: {why}; the figures are the data-centre load alone, with no grid "
        "total, peak change, AI share of the grid or load at the grid's peak hour"
    )


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
    return BaselineSeries(
        level=draw.level_mw,
        shape=model.shape(hours, temperature, after=first),
        draw=draw,
        label=f"{model.model_id}@{model.version}",
        level_note=model.level.describe(np.unique(hours[first:].year.to_numpy())),
        demand_basis=manifest_demand_basis(model.manifest),
    )
