"""The service through outages of its storage: a results directory missing or not the one
the runs were written to, a PostgreSQL server down at start-up or for a while."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from service.main import create_app
from service.storage import database as database_module
from service.storage.database import Database
from tests.support import postgres
from tests.support.gate import Gate
from tests.support.runs import stored_run
from tests.support.server import free_port, start_server

BODY = {"scenario_id": "kr-national", "draws": 5, "resolution": "annual",
        "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


def test_a_missing_result_file_leaves_its_run_alone(make_settings, tmp_path: Path):
    """A read of a run whose file was not found marked the run failed and cleared its file,
    for good: a results directory not mounted yet, a typo in FORECAST_RESULTS_DIR or a
    database restored without its results turned every stored run a user read into a failed
    one, and the files, once back, were orphans. Now the read is a 503 saying the file is
    missing, the record is kept, and the run is served again once its file is back; an
    identical request computes the answer anew beside it. At start-up, a results directory
    holding none of the files the database names keeps the service unready, saying so, and
    a missing one is not created."""
    settings = make_settings()
    with TestClient(create_app(settings, start_in_background=False)) as client:
        run_id, file = stored_run(client, BODY, read_from_file=True)
        stored_run(client, {**BODY, "draws": 6}, read_from_file=True)
        aside = tmp_path / file.name
        shutil.move(file, aside)  # the file is not there (as on a share not mounted)
        for file_format in ("json", "netcdf"):
            missing = client.get(f"/v1/runs/{run_id}/result", params={"format": file_format})
            assert missing.status_code == 503, missing.text
            detail = missing.json()["detail"]
            assert run_id in detail and "missing from the results directory" in detail
            assert str(settings.results()) not in detail
        record = client.get(f"/v1/runs/{run_id}").json()
        assert record["status"] == "succeeded" and record["error"] is None
        again = client.post("/v1/projections", json=BODY)  # computed anew, beside it
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "succeeded"
        shutil.move(aside, file)
        service = client.app.state.service
        service.cache.drop(service.runs.get(run_id).result_key)  # the new run's, in memory
        back = client.get(f"/v1/runs/{run_id}/result", params={"format": "netcdf"})
        assert back.status_code == 200 and back.content.startswith(b"\x89HDF")

    # Started on a results directory that does not exist, or holds none of the files.
    wrong = tmp_path / "not-mounted"
    empty = tmp_path / "empty"
    empty.mkdir()
    for results_dir in (wrong, empty):
        elsewhere = settings.model_copy(update={"results_dir": results_dir})
        with TestClient(create_app(elsewhere, start_in_background=False)) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 503
            detail = ready.json()["detail"]
            assert "results:" in detail and "FORECAST_RESULTS_DIR" in detail
            assert str(results_dir) not in detail
            assert client.get(f"/v1/runs/{run_id}").status_code == 503
        assert not wrong.exists()
    with TestClient(
        create_app(settings, start_in_background=False)
    ) as client:  # the right directory again
        assert client.get("/readyz").status_code == 200
        record = client.get(f"/v1/runs/{run_id}").json()
        assert record["status"] == "succeeded"
        assert client.get(f"/v1/runs/{run_id}/result").status_code == 200


@pytest.fixture
def gated_postgres(monkeypatch) -> Iterator[tuple[Gate, str, str]]:
    """A fresh database on a real PostgreSQL server, reached through a gate the test can
    close (the server down, for the service) and open. The lock's
    checks and the retries are made quick; the URL through the gate, and the direct one."""
    server = postgres.server_url()
    if server is None:
        pytest.skip(postgres.UNAVAILABLE)
    monkeypatch.setattr(database_module, "CLAIM_CHECK_S", 0.2)
    # raising=False: the tests also run on the code before the retries were configurable.
    monkeypatch.setattr(database_module, "RETRY_FIRST_S", 0.1, raising=False)
    monkeypatch.setattr(database_module, "RETRY_MOST_S", 0.3, raising=False)
    url = postgres.fresh_database(server)
    parsed = make_url(url)
    gate = Gate((parsed.host or "127.0.0.1", parsed.port or 5432))
    gate.open()
    try:
        yield gate, gate.url(url), url
    finally:
        gate.close()
        postgres.drop_database(url)


def _until_ready(client: TestClient, *, ready: bool, timeout_s: float = 20) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.get("/readyz")
        if (answer.status_code == 200) == ready or time.monotonic() > deadline:
            return answer.json()
        time.sleep(0.05)


def test_a_postgresql_outage_longer_than_one_try_is_waited_out(make_settings, gated_postgres):
    """The lock's watcher tried once to take the lock again after its session ended: a server
    down for longer than that (about 15 s) left the service answering 503 until restarted.
    Now it keeps trying while the server cannot be reached, and is ready again once it has
    the lock back. Another process that took the lock meanwhile still ends it: the service
    stays unready, saying so (one process per database)."""
    gate, url, direct = gated_postgres
    with TestClient(
        create_app(make_settings(database_url=url), start_in_background=False)
    ) as client:
        assert client.get("/readyz").status_code == 200
        gate.close()
        down = _until_ready(client, ready=False)
        assert "lost its session's lock" in down["detail"]
        time.sleep(1.5)  # several tries fail meanwhile
        assert client.get("/v1/runs").status_code == 503
        gate.open()
        assert _until_ready(client, ready=True)["ready"], "never ready again"
        assert client.get("/v1/runs").status_code == 200

        gate.close()
        _until_ready(client, ready=False)
        other = Database(direct)  # a second process takes the database meanwhile
        try:
            for _ in range(100):
                try:
                    other.claim()
                    break
                except database_module.DatabaseHeldError:  # the old session not ended yet
                    time.sleep(0.05)
            gate.open()
            # This one's next try reaches the server and finds the lock taken: a fixed 1.5 s
            # (5 tries on an idle machine) need not be enough where connecting is slow. Unready
            # all along, saying at first that it lost the lock, then who holds it.
            deadline = time.monotonic() + 60
            while (
                "another service process holds it"
                not in (held := client.get("/readyz")).json()["detail"]
            ):
                assert held.status_code == 503, held.json()
                assert time.monotonic() < deadline, held.json()
                time.sleep(0.05)
            assert held.status_code == 503
        finally:
            other.dispose()


def test_a_service_started_while_postgresql_is_down_becomes_ready_when_it_is_up(
    make_settings, gated_postgres
):
    """Started before its PostgreSQL server (docker compose, Kubernetes), the service stayed
    unready for good: it tried again only when another process held the database. Now it
    tries again while the server cannot be reached, /readyz saying what it waits for, and
    becomes ready once it is up."""
    gate, url, _ = gated_postgres
    gate.close()
    with TestClient(
        create_app(make_settings(database_url=url), start_in_background=False)
    ) as client:
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        detail = waiting.json()["detail"]
        assert "database" in detail and "cannot connect" in detail and "trying again" in detail
        time.sleep(1.0)  # several tries fail meanwhile
        assert client.get("/v1/runs").status_code == 503
        gate.open()
        assert _until_ready(client, ready=True)["ready"], "never ready"
        assert client.get("/v1/runs").json()["total"] == 0


def _database_url(host: str, port: int) -> str:
    return f"postgresql://alice-planner:s3cret-pw@{host}:{port}/plans_db"


@pytest.mark.parametrize("server", ["unreachable", "postgresql"])
def test_database_errors_over_http_name_no_host_user_or_password(
    make_settings, server: str, caplog: pytest.LogCaptureFixture
):
    """(Platform deployment test) /readyz, and every /v1 route's 503, quoted the driver's
    message whole: `connection to server at "10.0.3.7", port 5432 failed`, `role "alice" does
    not exist`. Now an answer names neither the database's host, user, password nor name (nor
    any address or user the driver quotes); the server log keeps the message whole."""
    if server == "unreachable":
        url = _database_url("127.0.0.1", free_port())  # nothing listens: connection refused
    else:
        found = postgres.server_url()
        if found is None:
            pytest.skip(postgres.UNAVAILABLE)
        parsed = make_url(found)  # a role that does not exist: the driver quotes it
        url = _database_url(parsed.host or "127.0.0.1", parsed.port or 5432)
    with TestClient(
        create_app(make_settings(database_url=url), start_in_background=False)
    ) as client:
        ready = client.get("/readyz")
        route = client.get("/v1/runs")
    answers = [ready.json()["detail"], route.json()["detail"]]
    assert ready.status_code == route.status_code == 503
    for detail in answers:
        assert "database postgresql: cannot connect" in detail, detail
        for secret in ("127.0.0.1", "alice-planner", "s3cret-pw", "plans_db"):
            assert secret not in detail, detail
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "127.0.0.1" in logged or "alice-planner" in logged, logged


class _FullResults:
    """Result files that cannot be written, and then can again: a tiny tmpfs filled up to the
    brim when the tests may mount one (root, as CI runs), else a file-size limit on the server
    process (``RLIMIT_FSIZE``; Python ignores SIGXFSZ, so a write past it fails with EFBIG)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()
        self.mounted = os.geteuid() == 0 and (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(directory)],
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )
        #: What the system says: a full disk, or a file over the size limit.
        self.reason = "No space left on device" if self.mounted else "File too large"
        self.pid: int | None = None

    def fill(self, pid: int) -> None:
        """Make the next result file fail to be written by the server ``pid``."""
        self.pid = pid
        if self.mounted:
            filler = (self.directory / "filler").open("wb", buffering=0)
            with filler, contextlib.suppress(OSError):  # until the disk is full
                while True:
                    filler.write(b"\0" * 65536)
        else:
            _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            # Above the database and its WAL here (well under 1 MB), below an hourly result.
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (2 * 1024 * 1024, hard))

    def free(self) -> None:
        """Room again."""
        if self.mounted:
            (self.directory / "filler").unlink()
        elif self.pid is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (hard, hard))

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.directory)], check=False)


def _run_ended(http: httpx.Client, answer: httpx.Response) -> dict:
    """The record of an inline projection's run once its file is written, or not."""
    run_url = f"/v1/runs/{answer.headers['x-run-id']}"
    deadline = time.monotonic() + 60
    while (run := http.get(run_url).json())["status"] == "running":
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    return run


@pytest.mark.slow
def test_a_full_results_disk_is_507_naming_it_and_unready_until_it_has_room(tmp_path: Path):
    """(Platform deployment test) With the results disk full, a projection's run failed with
    `the result could not be stored (RuntimeError)` (netCDF-C's "HDF error"), 503, and
    /readyz said ready throughout. Now the run's error names the results directory and the
    system's reason (No space left on device), with status 507; /readyz is 503 saying so
    while results cannot be written, and a request that would compute one is refused with 507
    meanwhile (answers already computed are served); once there is room, /readyz is 200 again
    by itself and results are stored."""
    full = _FullResults(tmp_path / "results")
    env = {
        "FORECAST_STORAGE_DIR": str(tmp_path / "storage"),
        "FORECAST_RESULTS_DIR": str(full.directory),
    }
    body = {"scenario_id": "kr-national", "draws": 20, "resolution": "hourly",
            "start": "2030-01-01", "end": "2032-12-31"}  # fmt: skip
    server = start_server(env)
    try:
        with httpx.Client(base_url=server.base, timeout=120) as http:
            stored = http.post("/v1/projections", json={**body, "resolution": "annual"})
            assert stored.status_code == 200
            assert _run_ended(http, stored)["status"] == "succeeded"
            full.fill(server.process.pid)
            answered = http.post("/v1/projections", json=body)  # answered, then its file fails
            assert answered.status_code == 200
            run = _run_ended(http, answered)
            assert run["status"] == "failed" and run["error_status"] == 507, run
            assert "results directory (FORECAST_RESULTS_DIR)" in run["error"], run
            assert full.reason in run["error"] and "RuntimeError" not in run["error"], run
            assert str(full.directory) not in run["error"]

            ready = http.get("/readyz")
            assert ready.status_code == 503
            assert "results:" in ready.json()["detail"] and full.reason in ready.json()["detail"]
            refused = http.post("/v1/projections", json={**body, "draws": 21})
            assert refused.status_code == 507, refused.text
            assert full.reason in refused.json()["detail"]
            again = http.post("/v1/projections", json={**body, "resolution": "annual"})
            assert again.status_code == 200 and again.headers["x-cache"] == "hit"

            full.free()
            deadline = time.monotonic() + 60
            while http.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, http.get("/readyz").json()
                time.sleep(0.2)
            after = http.post("/v1/projections", json={**body, "draws": 22})
            assert after.status_code == 200
            assert _run_ended(http, after)["status"] == "succeeded"
    finally:
        server.stop()
        full.close()
