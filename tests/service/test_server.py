"""The real server: uvicorn in a subprocess, exercised over HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from service.settings import Settings
from tests.support.model_artifacts import API_KEY, MODEL_ID, publish_model
from tests.support.server import running_server


@pytest.mark.slow
def test_real_server_over_http(tmp_path: Path):
    publish_model(tmp_path, "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(tmp_path),
        "FORECAST_API_KEYS": API_KEY,
        "FORECAST_REQUIRE_READ_KEY": "false",
        "FORECAST_MAX_BODY_BYTES": "20000",
    }
    with running_server(env) as (base, _seconds_to_ready), httpx.Client(base_url=base) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json()["model_version"] == f"{MODEL_ID}@v1"
        body = {
            "scenario_id": "kr-national",
            "draws": 20,
            "resolution": "monthly",
            "start": "2030-01-01",
            "end": "2030-06-30",
        }
        first = http.post("/v1/projections", json=body)
        assert first.status_code == 200
        assert first.headers["x-cache"] == "miss"
        assert first.json()["variables"]["ai_facility_mw"]["units"] == "MW"
        second = http.post("/v1/projections", json=body)
        assert second.headers["x-cache"] == "hit"
        assert second.content == first.content
        csv = http.post("/v1/projections", params={"format": "csv"}, json=body)
        assert csv.text.startswith('"variable","region","resolution"')
        assert (
            http.post(
                "/v1/projections",
                content=b" " * 20_001,
                headers={"content-type": "application/json"},
            ).status_code
            == 413
        )
        assert http.post("/v1/models/reload").status_code == 401
        assert http.post("/v1/models/reload", headers={"X-API-Key": "nope"}).status_code == 403
        reloaded = http.post("/v1/models/reload", headers={"X-API-Key": API_KEY})
        assert reloaded.json()["current"] == f"{MODEL_ID}@v1"


@pytest.mark.parametrize(
    ("variable", "value", "named", "hidden"),
    [
        ("FORECAST_WARM_SCENARIO", "Bad Id", "FORECAST_WARM_SCENARIO = 'Bad Id'", None),
        ("FORECAST_MAX_DRAWS", "many", "FORECAST_MAX_DRAWS = 'many'", None),
        ("FORECAST_API_KEYS", "short", "FORECAST_API_KEYS = (secret, not shown)", "short"),
        # A misspelt role once made the whole entry an admin key, silently.
        (
            "FORECAST_API_KEYS",
            "reader:secret-key-1",
            "FORECAST_API_KEYS = (secret, not shown)",
            "secret-key-1",
        ),
    ],
)
def test_serve_refuses_a_malformed_setting_in_one_line(variable, value, named, hidden):
    """A malformed FORECAST_* variable: one line naming it, its value (never a secret's) and
    what is allowed, status 2, before any port is bound."""
    import os
    import subprocess
    import sys

    command = "import sys; from forecast.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", command, "serve", "--port", "1"],
        env={**os.environ, variable: value},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}: "), done.stderr
    assert "Traceback" not in done.stderr
    if hidden is not None:
        assert hidden not in lines[0]


def test_serve_refuses_a_read_key_required_with_no_key():
    """(Platform deployment test) FORECAST_REQUIRE_READ_KEY=true with no FORECAST_API_KEYS
    started a service whose every /v1 route answered 401 to everyone, without a word: now it
    is refused as a malformed setting is, one line and status 2."""
    import os
    import subprocess
    import sys

    command = "import sys; from forecast.cli import main; sys.exit(main())"
    environment = {**os.environ, "FORECAST_REQUIRE_READ_KEY": "true", "FORECAST_API_KEYS": ""}
    done = subprocess.run(
        [sys.executable, "-c", command, "serve", "--port", "1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: FORECAST_REQUIRE_READ_KEY = 'true': "), lines[0]
    assert "no key in FORECAST_API_KEYS" in lines[0]
    with pytest.raises(ValidationError, match="no key in FORECAST_API_KEYS"):
        Settings(require_read_key=True, api_keys=SecretStr(""))
    # With a key of any role, it starts.
    Settings(require_read_key=True, api_keys=SecretStr("read:reader-key-000001"))
