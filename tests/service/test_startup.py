"""Start-up: the server answering while it starts, and the warm projection (the scenario the
first requests are for, over its horizon)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service import projecting
from service import state as service_state
from service.main import create_app
from service.state import DASHBOARD_DRAWS, DASHBOARD_REQUEST, ServiceState
from tests.support.model_artifacts import publish_model
from tests.support.server import start_server

#: The dashboard's own files.
WEB = Path(__file__).resolve().parents[2] / "service" / "web"


@pytest.mark.parametrize(
    ("warm", "expected", "whole_horizon"),
    [("kr-national", "kr-national", True), ("no-such-scenario", None, False)],
)
def test_start_up_projects_the_warm_scenario_over_its_horizon(
    make_settings, monkeypatch, caplog, warm, expected, whole_horizon
):
    """The warm scenario as the dashboard asks for it first (DASHBOARD_REQUEST), cached; a
    warm scenario not shipped: the first shipped one over a day, cached nowhere."""
    projected = []

    def recorded(real):
        def project(scenario, options, **keywords):
            projected.append((scenario, options))
            return real(scenario, options, **keywords)

        return project

    monkeypatch.setattr(service_state, "project", recorded(service_state.project))
    monkeypatch.setattr(projecting, "project", recorded(projecting.project))
    state = ServiceState(make_settings(warm_scenario=warm))
    try:
        state.start()
    finally:
        state.stop()
    assert state.problems == {}
    [(scenario, options)] = projected
    first_shipped = next(iter(state.scenarios))
    assert scenario.id == (expected or first_shipped)
    assert options.start == scenario.horizon.start
    assert options.resolution == "monthly"
    if whole_horizon:
        assert options.end == scenario.horizon.end
        assert options.draws == DASHBOARD_DRAWS
        assert options.quantiles == tuple(DASHBOARD_REQUEST["quantiles"])
        assert options.include_baseline  # its baseline shape is what the warm run keeps
        assert len(state.cache) == 1
    else:
        assert options.draws == 2 and (options.end - options.start).days == 1
        assert f"FORECAST_WARM_SCENARIO = {warm!r} is not a shipped scenario" in caplog.text
        assert len(state.cache) == 0


def test_a_service_whose_limits_refuse_the_dashboards_request_still_starts(
    make_settings, monkeypatch, caplog
):
    """Limits below the dashboard's (a 5-year horizon, kr-national's is 12): start-up does not
    fail on its own warm-up; it says so and projects 2 draws instead, caching nothing."""
    projected = []
    real = service_state.project

    def recorded(scenario, options, **keywords):
        projected.append(options)
        return real(scenario, options, **keywords)

    monkeypatch.setattr(service_state, "project", recorded)
    state = ServiceState(make_settings(max_horizon_years=5))
    try:
        state.start()
    finally:
        state.stop()
    assert state.problems == {}
    [options] = projected
    assert options.draws == 2
    assert len(state.cache) == 0
    assert "the dashboard's first request is not answered ahead" in caplog.text


def _dashboard_request(http: httpx.Client) -> dict:
    """The body the dashboard posts first, read from its own files (service/web) and the
    limits it reads from the API, so that a change there fails here."""
    main = (WEB / "main.js").read_text()
    scenario = re.search(r'const DEFAULT_SCENARIO = "([^"]+)"', main)
    resolution = re.search(r'const RESOLUTION = "([^"]+)"', main)
    quantiles = re.search(r"const QUANTILES = (\[[^\]]*\])", main)
    draws = re.search(r'<input id="draws"[^>]* value="(\d+)"', (WEB / "index.html").read_text())
    assert scenario and resolution and quantiles and draws
    inputs = http.get(f"/v1/scenarios/{scenario[1]}/inputs").json()
    return {
        "scenario_id": scenario[1],
        "draws": int(draws[1]),
        "seed": inputs["limits"]["seed"]["default"],
        "resolution": resolution[1],
        "quantiles": json.loads(quantiles[1]),
    }


def test_the_dashboards_first_request_is_a_cache_hit_with_a_run_of_its_own(tmp_path):
    """(report-speed MEDIUM 7) Start-up projected 2 draws of kr-national, and the dashboard's
    first request (200 draws, monthly) was computed on the first page view ("cache miss").
    The warmed result is recorded as the first asker's run (no run before anyone asks)."""
    server = start_server({"FORECAST_STORAGE_DIR": str(tmp_path / "storage")}, timeout_s=600)
    try:
        with httpx.Client(base_url=server.base, timeout=120) as http:
            assert http.get("/v1/runs").json()["total"] == 0
            request = _dashboard_request(http)
            first = http.post("/v1/projections", json=request)
            assert first.status_code == 200, first.text
            assert first.headers["X-Cache"] == "hit"
            run_id = first.headers["X-Run-Id"]
            again = http.post("/v1/projections", json=request)
            assert again.headers["X-Cache"] == "hit"
            assert again.headers["X-Run-Id"] == run_id
            assert again.content == first.content
            [run] = http.get("/v1/runs").json()["runs"]
            assert run["id"] == run_id and run["options"]["draws"] == request["draws"]
            deadline = time.monotonic() + 120
            while http.get(f"/v1/runs/{run_id}").json()["status"] != "succeeded":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            stored = http.get(f"/v1/runs/{run_id}/result", params={"format": "json"})
            assert stored.status_code == 200
    finally:
        server.stop()


def test_the_server_answers_health_checks_while_it_starts(tmp_path):
    """(Platform deployment test) uvicorn opened its port only once start-up had finished
    (~44 s on a fresh numba cache), so a liveness probe found nothing to talk to: now
    /healthz answers 200 at once, /readyz 503 naming the step under way, and every /v1 route
    503, until start-up finishes. Start-up is held before the kernel step
    (:mod:`tests.support.held_start`) until the test lets it go."""
    let_go = tmp_path / "let-go"
    env = {"FORECAST_STORAGE_DIR": str(tmp_path / "storage")}
    server = start_server(env, ready=False, hold_start_until=let_go, timeout_s=60)
    try:
        with httpx.Client(base_url=server.base, timeout=10) as http:
            assert http.get("/healthz").status_code == 200
            # The steps before the held one (the database, the model) may still be under way
            # at the first answer: each is named as it runs, then the held kernel step.
            deadline = time.monotonic() + 60
            while (
                "compiling the kernels" not in (readiness := http.get("/readyz")).json()["detail"]
            ):
                assert readiness.status_code == 503
                assert readiness.json()["starting"] is True
                assert readiness.json()["detail"].startswith("starting"), readiness.json()
                assert time.monotonic() < deadline, readiness.json()
                time.sleep(0.05)
            assert readiness.status_code == 503
            assert readiness.headers["Retry-After"] == "5"
            assert readiness.json()["starting"] is True
            for path in ("/v1/accelerators", "/v1/scenarios"):
                refused = http.get(path)
                assert refused.status_code == 503, path
                assert refused.json()["detail"].startswith("starting"), refused.json()
            let_go.touch()
            deadline = time.monotonic() + 120
            while (readiness := http.get("/readyz")).status_code != 200:
                assert time.monotonic() < deadline, readiness.json()
                time.sleep(0.1)
            assert readiness.json()["starting"] is False
            assert http.get("/v1/accelerators").status_code == 200
    finally:
        server.stop()


def test_a_start_up_that_fails_in_the_background_says_why(tmp_path, make_settings):
    """Start-up running on its own thread still reports a failed step: /readyz 503 naming it
    once start-up has finished, and /v1 routes 503 with the same reason."""
    promoted = publish_model(tmp_path, "v1")
    (promoted / "manifest.json").write_text("[]")
    with TestClient(create_app(make_settings(artifact_dir=tmp_path))) as client:
        deadline = time.monotonic() + 120
        while (readiness := client.get("/readyz").json())["starting"]:
            assert time.monotonic() < deadline, readiness
            time.sleep(0.1)
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        assert readiness["detail"].startswith("not ready: model: promoted model artifact refused")
        refused = client.get("/v1/scenarios")
        assert refused.status_code == 503
        assert refused.json()["detail"] == readiness["detail"]


def test_a_service_stopped_while_starting_skips_the_steps_left(make_settings):
    """A stop (SIGTERM) during start-up lets the step under way finish and skips the others;
    the service is not ready, saying why (its last log line said "ready")."""
    state = ServiceState(make_settings())
    state.stop()
    state.start()
    assert not state.ready and state.doing is None
    assert state.problems == {"start-up": "stopped while starting: the service is shutting down"}
    assert not state.kernels_compiled and state.scenarios == {}
