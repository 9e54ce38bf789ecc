"""The baseline models the service serves (one per grid), swapped atomically on reload.

A request reads its model once, at its start (:meth:`ModelRegistry.for_scenario` or
:attr:`ModelRegistry.current`), and names that model's ``id@version`` in everything it
computes; a reload replaces the set of models in one assignment, so requests in flight finish
on the model they started with and later ones use the new one. A reload that fails
verification (no trusted signature, a file outside the artifact, a sha256 mismatch, malformed
or out-of-range parameters) leaves the old models serving.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from forecast.baseline import artifacts
from forecast.baseline.model import BaselineModel, load_baseline_model
from forecast.baseline.signing import Trust
from forecast.errors import (
    ArtifactError,
    ForecastError,
    NotFoundError,
    OptionsError,
    ScenarioError,
    worded_pattern,
)
from forecast.scenario import Scenario
from service.errors import ReloadRefusedError

logger = logging.getLogger("service.models")

MODEL_ID_PATTERN = worded_pattern(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
    "a model id or version: letters, digits, '.', '_' and '-', 1..128 characters, the first "
    "a letter or digit",
)


def model_label(model: BaselineModel | None) -> str:
    """``id@version`` of a model, or ``none``."""
    return f"{model.model_id}@{model.version}" if model is not None else "none"


def model_country(model: BaselineModel) -> str | None:
    """ISO country code the model was trained for (manifest), or None when not stated."""
    return artifacts.manifest_country(model.manifest)


class ModelRegistry:
    """Holds the served baseline models, one per model id; reloads are serialised, reads never
    block.

    Every promoted model in the artifact directory is served. A scenario is projected on the
    model it names (``baseline_model``), else on the served model trained for its country
    (:meth:`for_scenario`); :attr:`current` is the default model (the only one, or the one
    named in ``DEFAULT``), used where no scenario says which.
    """

    def __init__(self, root: Path, trust: Trust | None = None) -> None:
        self.root = root
        self.trust = trust
        self._models: dict[str, BaselineModel] = {}
        self._reload_lock = threading.Lock()
        #: Published versions loaded because a request named them (``id@version``), kept:
        #: an artifact version never changes once published.
        self._pinned: dict[str, BaselineModel] = {}
        self._pinned_lock = threading.Lock()

    @property
    def models(self) -> dict[str, BaselineModel]:
        """The served models by id (a snapshot: a reload swaps in a new dict)."""
        return self._models

    @property
    def current(self) -> BaselineModel | None:
        """The default served model (None: none loaded, or no default among several)."""
        models = self._models
        if len(models) == 1:
            return next(iter(models.values()))
        try:
            return models.get(artifacts.default_model_id(self.root))
        except NotFoundError:
            return None

    def served_version(self, model_id: str) -> str | None:
        """The version served for ``model_id``, or None."""
        model = self._models.get(model_id)
        return model.version if model is not None else None

    def named(
        self, reference: str, *, field: str, error: type[ForecastError] = OptionsError
    ) -> BaselineModel:
        """The model ``id[@version]``: the served one, or any other published version of a
        served or published model, loaded and verified (signature, files, parameters) the
        first time it is named, as ``forecast project --baseline-model`` loads it.

        Raises
        ------
        OptionsError
            (or ``error``) No such model or version is served or published (``field = ...:
            neither served nor published; served: ...; published: ...``), or its artifact
            is refused (a broken or tampered one).
        """
        models = self._models
        try:
            model_id, version = artifacts.parse_reference(reference)
        except NotFoundError as bad:
            raise error(f"{field} = {reference!r}: {bad}") from None
        served = models.get(model_id)
        if served is not None and version in (None, served.version):
            return served
        label = f"{model_id}@{version}"
        with self._pinned_lock:
            loaded = self._pinned.get(label)
            if loaded is not None:
                return loaded
            published = artifacts.list_models(self.root)
            if version is None or version not in published.get(model_id, ()):
                raise error(
                    f"{field} = {reference!r}: neither served nor published; served: "
                    f"{', '.join(map(model_label, models.values())) or '(none)'}; published: "
                    + (
                        ", ".join(f"{name}@{v}" for name, vs in published.items() for v in vs)
                        or "(none)"
                    )
                )
            try:
                loaded = load_baseline_model(label, root=self.root, trust=self.trust)
            except ArtifactError as refused:
                raise error(f"{field} = {reference!r}: refused: {refused}") from None
            logger.info("loaded baseline model %s, named by a request", label)
            self._pinned[label] = loaded
            return loaded

    def loaded(self, reference: str) -> bool:
        """Whether ``id[@version]`` is served or was loaded already (naming it reads no file)."""
        model_id, _, version = reference.partition("@")
        served = self._models.get(model_id)
        if served is not None and version in ("", served.version):
            return True
        return reference in self._pinned

    def for_scenario(self, scenario: Scenario) -> BaselineModel | None:
        """The served model a scenario is projected on, or None (no baseline is added).

        The model named in the scenario's ``baseline_model`` (:meth:`named`: served, or another
        published version; ``"none"``: no model), else the served model trained for the
        scenario's country; among several for one country, the default one. The baseline of
        Korea is no baseline for a US scenario.

        Raises
        ------
        ScenarioError
            The scenario names a model that is neither served nor published, or names none
            while several served models are for its country and the default is none of them
            (as the command line).
        """
        models = self._models
        if scenario.baseline_model == artifacts.NO_MODEL:
            return None
        if scenario.baseline_model is not None:
            return self.named(
                scenario.baseline_model,
                field=f"scenario {scenario.id}: baseline_model",
                error=ScenarioError,
            )
        # A model that states no country serves every scenario (artifacts from before it did).
        matching = [
            model for model in models.values() if model_country(model) in (scenario.country, None)
        ]
        if len(matching) > 1:
            if self.current in matching:
                return self.current
            raise ScenarioError(
                f"scenario {scenario.id}: country {scenario.country!r} has several served "
                f"baseline models ({', '.join(map(model_label, matching))}) and the default "
                "is none of them: name one in the scenario's baseline_model, or "
                f"{artifacts.NO_MODEL!r} for none"
            )
        return matching[0] if matching else None

    def reload(self, reference: str | None = None) -> BaselineModel:
        """Load, verify and start serving ``reference`` (None: every promoted model again).

        Returns the model loaded (for None, the default one).

        Raises
        ------
        ReloadRefusedError
            An artifact is broken or tampered with; the previous models keep serving.
        NotFoundError
            No such model id or version, or nothing promoted.
        """
        with self._reload_lock:
            references: list[str | None] = (
                [reference] if reference is not None else [*self._promoted()] or [None]
            )
            loaded = {}
            for name in references:
                model_id = artifacts.parse_reference(name)[0] if name else None
                previous = model_label(self._models.get(model_id) if model_id else self.current)
                try:
                    model = load_baseline_model(name, root=self.root, trust=self.trust)
                except ArtifactError as error:
                    logger.warning(
                        "reload of %s refused, still serving %s: %s",
                        name or "default",
                        previous,
                        error,
                    )
                    raise ReloadRefusedError(f"{error}; still serving {previous}") from None
                loaded[model.model_id] = model
                logger.info("serving baseline model %s (was %s)", model_label(model), previous)
            # One assignment: a request reads either the old set or the new one, never a mix.
            self._models = {**self._models, **loaded}
            if reference is not None:
                return next(iter(loaded.values()))
            default = self.current
            return default if default is not None else next(iter(loaded.values()))

    def _promoted(self) -> list[str]:
        return artifacts.promoted_models(self.root)

    def load_at_start(self) -> None:
        """Serve every promoted model; an empty artifact directory means no baseline.

        Raises
        ------
        ArtifactError
            A promoted artifact is broken; the service must not report ready.
        """
        models = {}
        for model_id in self._promoted():
            model = load_baseline_model(model_id, root=self.root, trust=self.trust)
            models[model.model_id] = model
        if not models:
            logger.warning("no baseline model served: no promoted model in %s", self.root)
        self._models = models
