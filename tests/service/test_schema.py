"""Property-based run of the OpenAPI schema (schemathesis): no 5xx, no off-schema answer."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from service_support import API_KEY, publish_model

from service.main import create_app
from service.settings import Settings

_ARTIFACTS = tempfile.TemporaryDirectory(prefix="schema-artifacts-")
publish_model(Path(_ARTIFACTS.name), "v1")
# Small limits keep every generated request cheap: a large draw count becomes a 422 or a job,
# never a minute of computing.
APP = create_app(
    Settings(
        artifact_dir=Path(_ARTIFACTS.name),
        api_keys=API_KEY,
        max_draws=50,
        max_baseline_draw_hours=5e4,
        job_threshold_draw_hours=2e4,
        max_queued_jobs=2,
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _started_app():
    """Run the app's lifespan (kernels, scenarios, model) around the generated calls."""
    with TestClient(APP):
        yield
    _ARTIFACTS.cleanup()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error_and_schema_conformance(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
