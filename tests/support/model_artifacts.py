"""A synthetic baseline artifact for the service tests (not collected).

The artifact is a tiny, made-up baseline model (flat shape, ~60 GW level) in the real artifact
format, published and signed with :func:`forecast.baseline.artifacts.publish` and the session's test
key (:mod:`tests.support.keys`); its numbers are not estimates of anything, only valid inputs,
so the service tests do not depend on a trained model.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from forecast.baseline import artifacts, signing
from forecast.baseline.features import FeatureSpec, feature_names
from forecast.io.files import sha256_file
from tests.support import keys

MODEL_ID = "kpx-test"
API_KEY = "test-key-0000001"


def synthetic_parameters() -> dict:
    """Parameters of a valid baseline model: flat shape, constant level, small noise."""
    spec = FeatureSpec(country="KR")
    names = feature_names(spec)
    return {
        "format_version": 1,
        "timezone": "Asia/Seoul",
        "feature_spec": {"country": "KR"},
        "shape": {
            "feature_names": names,
            "coefficients": [0.0] * len(names),
            "log_normaliser": 0.0,
        },
        "level": {
            "intercept": math.log(60_000.0),
            "slope": 0.01,
            "origin_year": 2020,
            "covariance": [[1e-6, 0.0], [0.0, 1e-8]],
            "residual_scale": 0.01,
            "degrees_of_freedom": 10,
            # The years it was "fitted" on: history in a projection or /v1/baseline.
            "normalised_level_mw": {"2019": 59_500.0, "2020": 61_000.0},
        },
        "noise": {"autocorrelation": 0.5, "sd": 0.02},
    }


def publish_model(
    root: Path, version: str, *, promote: bool = True, parameters: dict | None = None
) -> Path:
    """Publish the synthetic model (or ``parameters``) as ``MODEL_ID@version``, signed."""

    def write(directory: Path) -> None:
        (directory / "parameters.json").write_text(json.dumps(parameters or synthetic_parameters()))

    path = artifacts.publish(
        model_id=MODEL_ID,
        version=version,
        root=root,
        write_files=write,
        manifest={"country": "KR", "metrics": {"mape_pct": 3.0, "coverage_80": 0.8}},
        signing_key=keys.private_key(),
    )
    if promote:
        artifacts.promote(MODEL_ID, version, root=root)
    return path


def copy_version(root: Path, source: str, target: str) -> Path:
    """A new version with the same files (as a retrained model would be published), signed."""
    destination = root / MODEL_ID / target
    shutil.copytree(root / MODEL_ID / source, destination)
    manifest_path = destination / artifacts.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["version"] = target
    manifest_path.write_text(json.dumps(manifest))
    signing.sign(destination, keys.private_key())
    return destination


def rewrite_parameters(directory: Path, change) -> None:
    """Tamper as an attacker with write access would: edit parameters.json, recompute its
    sha256 in the manifest (the signature is left alone: it cannot be recomputed)."""
    path = directory / "parameters.json"
    parameters = json.loads(path.read_text())
    change(parameters)
    path.write_text(json.dumps(parameters))
    manifest_path = directory / artifacts.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["parameters.json"] = sha256_file(path)
    manifest_path.write_text(json.dumps(manifest))
