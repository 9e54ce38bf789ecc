"""The baseline model the service serves, swapped atomically on reload.

A request reads :attr:`ModelRegistry.current` once, at its start, and names that model's
``id@version`` in everything it computes; a reload replaces the reference in one assignment,
so requests in flight finish on the model they started with and later ones use the new one.
A reload that fails verification (no trusted signature, a file outside the artifact, a
sha256 mismatch, malformed or out-of-range parameters) leaves the old model serving.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from forecast.baseline import BaselineModel, load_baseline_model
from forecast.errors import ArtifactError, NotFoundError
from forecast.signing import Trust
from service.errors import ReloadRefusedError

logger = logging.getLogger("service.models")

MODEL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


def model_label(model: BaselineModel | None) -> str:
    """``id@version`` of a model, or ``none``."""
    return f"{model.model_id}@{model.version}" if model is not None else "none"


def model_country(model: BaselineModel) -> str | None:
    """ISO country code the model was trained for (manifest), or None when not stated."""
    manifest = model.manifest
    return manifest.get("country") or manifest.get("config", {}).get("country")


def baseline_reference(model: BaselineModel | None, country: str) -> str | None:
    """``id@version`` of the model to add as baseline for a scenario of ``country``, or None.

    None when no model is served or it was trained for another country: the baseline of
    Korea is no baseline for a US scenario.
    """
    if model is None:
        return None
    trained_for = model_country(model)
    if trained_for is not None and trained_for != country:
        return None
    return model_label(model)


class ModelRegistry:
    """Holds the served baseline model; reloads are serialised, reads never block."""

    def __init__(self, root: Path, trust: Trust | None = None) -> None:
        self.root = root
        self.trust = trust
        self._current: BaselineModel | None = None
        self._reload_lock = threading.Lock()

    @property
    def current(self) -> BaselineModel | None:
        """The served model (None: none loaded; projections then carry no baseline)."""
        return self._current

    def reload(self, reference: str | None = None) -> BaselineModel:
        """Load, verify and start serving ``reference`` (None: the promoted default).

        Raises
        ------
        ReloadRefusedError
            The artifact is broken or tampered with; the previous model keeps serving.
        NotFoundError
            No such model id or version, or nothing promoted.
        """
        with self._reload_lock:
            previous = model_label(self._current)
            try:
                model = load_baseline_model(reference, root=self.root, trust=self.trust)
            except ArtifactError as error:
                logger.warning(
                    "reload of %s refused, still serving %s: %s",
                    reference or "default",
                    previous,
                    error,
                )
                raise ReloadRefusedError(f"{error}; still serving {previous}") from None
            self._current = model
            logger.info("serving baseline model %s (was %s)", model_label(model), previous)
            return model

    def load_at_start(self) -> None:
        """Serve the promoted default model; an empty artifact directory means no baseline.

        Raises
        ------
        ArtifactError
            The promoted artifact is broken; the service must not report ready.
        """
        try:
            self._current = load_baseline_model(None, root=self.root, trust=self.trust)
        except NotFoundError as error:
            logger.warning("no baseline model served: %s", error)
            self._current = None
