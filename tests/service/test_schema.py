"""schemathesis over the whole OpenAPI schema, every check (``st run --checks all``).

The real server (uvicorn, database, Dask) with small limits, so that every generated request
is cheap; bounded by the number of examples per operation and the stateful steps. Passes only
with 0 server errors and 0 schema violations. The one allowance is in ``schemathesis.toml``
beside this file: where a rule cannot be stated in JSON Schema, its 422 counts as accepted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.model_artifacts import publish_model
from tests.support.server import running_server

CONFIG = Path(__file__).with_name("schemathesis.toml")
WRITE_KEY = "write:schema-writer-key"


@pytest.mark.slow
def test_whole_schema_with_every_check(tmp_path: Path):
    artifacts = tmp_path / "artifacts"
    publish_model(artifacts, "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(artifacts),
        "FORECAST_STORAGE_DIR": str(tmp_path / "storage"),
        "FORECAST_API_KEYS": f"{WRITE_KEY},admin:schema-admin-key",
        "FORECAST_REQUIRE_READ_KEY": "false",
        "FORECAST_MAX_DRAWS": "50",
        "FORECAST_MAX_BASELINE_DRAW_HOURS": "5e4",
        "FORECAST_JOB_THRESHOLD_DRAW_HOURS": "2e4",
        "FORECAST_MAX_QUEUED_JOBS": "2",
    }
    with running_server(env) as (base, _seconds):
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "5",
                # One worker: with two, hypothesis describes filters by parsing source on both
                # threads at once, and CPython 3.11's ast.parse is not thread-safe ("SystemError:
                # AST constructor recursion depth mismatch", a CI run of 2026-12-06).
                "--workers",
                "1",
                "--request-timeout",
                "60",
                "--header",
                f"X-API-Key: {WRITE_KEY.split(':', 1)[1]}",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
