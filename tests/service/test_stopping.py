"""A real server stopped with SIGTERM (``systemctl stop``, a container stop, a rolling restart)
while it runs jobs, on SQLite and on PostgreSQL.

(Platform deployment test) Before: SIGTERM cancelled every unfinished job and recorded it
failed (``cancelled: the service stopped; resubmit it``). After: queued jobs are handed back at
once, a running job gets ``FORECAST_SHUTDOWN_GRACE_SECONDS`` to finish, one still running then
is handed back too; handed-back jobs are ``queued`` in the database, their record noting the
shutdown, and the next server to start on the database runs them under the same id.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from service.storage.database import Database
from service.storage.runs import Runs
from tests.support.model_artifacts import publish_model
from tests.support.server import LONG_DRAWS, Server, start_server, wait_for_status

# Each a job (above the threshold below) of several seconds on an idle machine, many polls of
# its status long: LONG_DRAWS draws, kr-national's whole horizon hourly (1,000 draws over 6
# years took about a second, and on a busy machine the first had once succeeded before SIGTERM
# came). That the first is still running when SIGTERM comes is checked in the server's log, and
# the second's being handed back shows it was.
JOB = {"scenario_id": "kr-national", "draws": LONG_DRAWS, "resolution": "hourly",
       "start": "2024-01-01", "end": "2035-12-31"}  # fmt: skip


def _terminate(server: Server) -> None:
    """SIGTERM, as a supervisor stops a service; a clean exit (uvicorn raises the signal again
    once it has shut down, as a supervisor expects: status -15, or 0)."""
    server.process.terminate()
    assert server.process.wait(timeout=300) in {0, -signal.SIGTERM}


@pytest.mark.slow
def test_sigterm_hands_unfinished_jobs_back_and_the_next_server_runs_them(
    tmp_path: Path, database_url: str
):
    publish_model(tmp_path / "artifacts", "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(tmp_path / "artifacts"),
        "FORECAST_STORAGE_DIR": str(tmp_path / "storage"),
        "FORECAST_DATABASE_URL": database_url,
        "FORECAST_JOB_THRESHOLD_DRAW_HOURS": "1e6",
        "FORECAST_JOB_MEMORY_BYTES": "2000000000",
        "FORECAST_MEMORY_BUDGET_BYTES": "6000000000",
        "FORECAST_MAX_CONCURRENT_JOBS": "1",
        # Long enough for any job here to finish: the running one does, the queued one is
        # handed back at once.
        "FORECAST_SHUTDOWN_GRACE_SECONDS": "300",
    }
    runs = Runs(Database(database_url))

    first_log = tmp_path / "first.log"
    first = start_server(env, log=first_log)
    try:
        with httpx.Client(base_url=first.base, timeout=120) as http:
            running = http.post("/v1/projections", json={**JOB, "seed": 1})
            queued = http.post("/v1/projections", json={**JOB, "seed": 2})
            assert running.status_code == queued.status_code == 202, queued.text
            wait_for_status(http, running.headers["location"], {"running", "succeeded"})
        _terminate(first)
    finally:
        first.stop()
    # The signal found the first job running: it got the grace (not a job already done).
    assert "stopping: 1 running jobs get up to 300 s to finish" in first_log.read_text()
    running_id, queued_id = running.json()["id"], queued.json()["id"]
    finished = runs.get(running_id)
    assert finished is not None and finished.status == "succeeded", finished
    assert finished.note is None
    handed = runs.get(queued_id)
    assert handed is not None and handed.status == "queued", handed  # not failed
    assert handed.handed_back_at is not None and handed.error is None
    assert handed.note is not None and "interrupted by a shutdown" in handed.note
    assert "re-queued" in handed.note

    # The next server takes it up under its id; stopped with no grace while it runs, it hands
    # it back again.
    second = start_server({**env, "FORECAST_SHUTDOWN_GRACE_SECONDS": "0"})
    try:
        with httpx.Client(base_url=second.base, timeout=120) as http:
            job = wait_for_status(http, f"/v1/jobs/{queued_id}", {"running"})
            assert "interrupted by a shutdown" in job["note"]
        _terminate(second)
    finally:
        second.stop()
    again = runs.get(queued_id)
    assert again is not None and again.status == "queued" and again.done_hours == 0, again
    assert again.handed_back_at is not None
    assert again.note is not None and again.note.count("interrupted by a shutdown") == 2

    third = start_server(env)
    try:
        with httpx.Client(base_url=third.base, timeout=120) as http:
            done = wait_for_status(
                http, f"/v1/jobs/{queued_id}", {"succeeded", "failed", "cancelled"}
            )
            assert done["status"] == "succeeded", done
            assert http.get(done["result_url"], params={"format": "csv"}).status_code == 200
            record = http.get(f"/v1/runs/{queued_id}").json()
            assert "re-queued" in record["note"]
            assert http.get(f"/v1/runs/{running_id}/result").status_code == 200
    finally:
        third.stop()
    runs.database.dispose()
