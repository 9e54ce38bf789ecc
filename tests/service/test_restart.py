"""Kill the real server with SIGKILL and start it again, on SQLite and on PostgreSQL.

Before: everything lived in the process; a finished job's ``Location`` answered 404 after a
restart, and nothing could be saved. After: the saved scenario and the finished runs are
there and readable in every format, and the job that was running is reported failed, to be
resubmitted.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.model_artifacts import publish_model
from tests.support.server import start_server, wait_for_status

WRITER = "writer-key-000001"
PERIOD = {"resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}
# Long enough to be running when the server is killed: 2,000 draws, 12 years hourly.
LONG_JOB = {"scenario_id": "kr-national", "draws": 2000, "resolution": "hourly",
            "start": "2024-01-01", "end": "2035-12-31"}  # fmt: skip


@pytest.mark.slow
def test_saved_work_survives_sigkill_and_the_interrupted_job_is_failed(
    tmp_path: Path, database_url: str
):
    publish_model(tmp_path / "artifacts", "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(tmp_path / "artifacts"),
        "FORECAST_STORAGE_DIR": str(tmp_path / "storage"),
        "FORECAST_DATABASE_URL": database_url,
        "FORECAST_API_KEYS": f"write:{WRITER}",
        "FORECAST_REQUIRE_READ_KEY": "false",
        "FORECAST_JOB_THRESHOLD_DRAW_HOURS": "1e6",
        "FORECAST_JOB_MEMORY_BYTES": "2000000000",
        "FORECAST_MEMORY_BUDGET_BYTES": "6000000000",
        # The resubmitted job is still running when the restarted server is stopped: hand it
        # back at once rather than wait out the default 20 s grace (the helper's SIGKILL at 15).
        "FORECAST_SHUTDOWN_GRACE_SECONDS": "0",
    }
    server = start_server(env)
    try:
        with httpx.Client(base_url=server.base, timeout=120) as http:
            scenario = http.get("/v1/scenarios/kr-national").json()["scenario"]
            saved = http.post(
                "/v1/scenarios",
                json={"scenario": {**scenario, "id": "team-plan"}},
                headers={"X-API-Key": WRITER},
            )
            assert saved.status_code == 201
            inline = http.post(
                "/v1/projections", json={"scenario_id": "team-plan", "draws": 20, **PERIOD}
            )
            assert inline.status_code == 200
            finished = http.post(
                "/v1/projections", json={"scenario_id": "kr-national", "draws": 200, **PERIOD}
            )
            assert finished.status_code == 202
            finished_job = wait_for_status(http, finished.headers["location"], {"succeeded"})
            finished_result = http.get(finished_job["result_url"]).content
            running = http.post("/v1/projections", json=LONG_JOB, headers={"X-API-Key": WRITER})
            assert running.status_code == 202
            wait_for_status(http, running.headers["location"], {"running"})
        server.kill()
    finally:
        server.stop()

    restarted = start_server(env)
    try:
        with httpx.Client(base_url=restarted.base, timeout=120) as http:
            again = http.get("/v1/scenarios/team-plan")
            assert again.status_code == 200 and again.json()["version"] == 1
            run_id = inline.headers["x-run-id"]
            stored = http.get(f"/v1/runs/{run_id}/result")
            assert stored.status_code == 200
            assert stored.content == inline.content
            assert stored.headers["x-cache"] == "stored"
            assert stored.headers["etag"] == inline.headers["etag"]
            for file_format in ("csv", "netcdf"):
                other = http.get(f"/v1/runs/{run_id}/result", params={"format": file_format})
                assert other.status_code == 200 and len(other.content) > 0
            assert http.get(finished.headers["location"]).json()["status"] == "succeeded"
            assert http.get(finished_job["result_url"]).content == finished_result
            interrupted = http.get(running.headers["location"]).json()
            assert interrupted["status"] == "failed"
            assert "interrupted" in interrupted["error"]
            # Its key resubmits it (a job is its key's, or an admin key's, to resubmit).
            resubmitted = http.post(
                f"{running.headers['location']}/resubmit", headers={"X-API-Key": WRITER}
            )
            assert resubmitted.status_code == 202
            assert resubmitted.json()["id"] != interrupted["id"]
            listed = http.get("/v1/runs", params={"status": "succeeded"}).json()
            assert listed["total"] == 2
    finally:
        restarted.stop()
