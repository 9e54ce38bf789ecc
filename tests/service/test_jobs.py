"""Projection jobs on Dask: recorded as runs, shared by identical requests, resubmittable."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import xarray as xr
from fastapi.testclient import TestClient

from forecast.errors import DataError
from service import tasks
from service.jobs import JobRunner
from service.main import create_app
from service.storage.database import Database
from service.storage.results import ResultFiles, ResultLostError
from service.storage.runs import Runs
from tests.support.runs import damage_header, flip_bits, stored_run, written_result
from tests.support.server import LONG_DRAWS, wait_for_status, wait_until

JOB = {"scenario_id": "kr-national", "draws": 50, "resolution": "monthly",
       "start": "2030-01-01", "end": "2031-12-31"}  # fmt: skip


def _finish(client: TestClient, location: str) -> dict:
    return wait_for_status(client, location, {"succeeded", "failed", "cancelled"})


@pytest.fixture
def client(make_settings):
    settings = make_settings(job_threshold_draw_hours=1.0, max_queued_jobs=8)
    with TestClient(create_app(settings, start_in_background=False)) as test_client:
        yield test_client


def test_a_job_is_a_run_with_its_result_file(client: TestClient):
    accepted = client.post("/v1/projections", json=JOB)
    assert accepted.status_code == 202
    # The 202 and GET /v1/jobs/{id} write the same time the same way.
    submitted = accepted.json()["submitted"]
    assert submitted.endswith("Z")
    assert client.get(accepted.headers["location"]).json()["submitted"] == submitted
    job = _finish(client, accepted.headers["location"])
    assert job["status"] == "succeeded"
    assert job["done_hours"] == job["total_hours"] == 2 * 8760
    run = client.get(job["run_url"]).json()
    assert (run["kind"], run["status"], run["scenario_id"]) == ("job", "succeeded", "kr-national")
    assert run["options"]["draws"] == 50 and run["model_version"] == "kpx-test@v1"
    assert run["compute_seconds"] > 0 and run["result_bytes"] > 0
    service = client.app.state.service
    recorded = service.runs.get(job["id"]).result_sha256  # checked before it is read
    file = service.results.directory / f"{job['id']}.nc"
    assert recorded == hashlib.sha256(file.read_bytes()).hexdigest()
    assert run["started"] is not None and run["finished"] >= run["started"]
    result = client.get(job["result_url"])
    assert result.status_code == 200 and result.headers["x-cache"] == "stored"
    for file_format in ("csv", "netcdf"):
        assert client.get(job["result_url"], params={"format": file_format}).status_code == 200
    # The stored file carries the scenario's inputs, as the run's .meta.json does.
    stored = client.get(job["result_url"], params={"format": "netcdf"}).content
    inputs = xr.load_dataset(io.BytesIO(stored), engine="h5netcdf").attrs["inputs"]
    assert json.loads(inputs) == client.get(f"{job['run_url']}/meta").json()["inputs"]
    again = client.post("/v1/projections", json=JOB)  # now stored: answered, not queued
    assert again.status_code == 200 and again.content == result.content


def test_identical_job_requests_share_one_job(client: TestClient):
    body = {**JOB, "seed": 77, "draws": 200}
    ids = {client.post("/v1/projections", json=body).json()["id"] for _ in range(5)}
    assert len(ids) == 1
    job = _finish(client, f"/v1/jobs/{ids.pop()}")
    assert job["status"] == "succeeded"
    assert client.get("/v1/runs", params={"kind": "job"}).json()["total"] == 1


def test_a_failed_job_reports_why_and_can_be_resubmitted(client: TestClient, monkeypatch):
    real_project = tasks.project

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(tasks, "project", real_project)
        raise DataError("weather: temperature file unreadable at row 7")

    monkeypatch.setattr(tasks, "project", fail_once)
    failed = _finish(
        client, client.post("/v1/projections", json={**JOB, "seed": 5}).headers["location"]
    )
    assert failed["status"] == "failed"
    assert failed["error_status"] == 422 and "row 7" in failed["error"]
    result = client.get(f"/v1/jobs/{failed['id']}/result")
    assert result.status_code == 409 and "row 7" in result.json()["detail"]
    resubmitted = client.post(f"/v1/jobs/{failed['id']}/resubmit")
    assert resubmitted.status_code == 202
    new_id = resubmitted.json()["id"]
    assert new_id != failed["id"]
    assert _finish(client, f"/v1/jobs/{new_id}")["status"] == "succeeded"
    assert client.get(f"/v1/runs/{new_id}").json()["resubmitted_from"] == failed["id"]
    # Resubmitted again, the failed job names the run that has its answer: nothing recomputed.
    again = client.post(f"/v1/jobs/{failed['id']}/resubmit")
    assert again.status_code == 202 and again.json()["id"] == new_id
    done = client.post(f"/v1/jobs/{new_id}/resubmit")
    assert done.status_code == 409 and "succeeded" in done.json()["detail"]


def _running(client: TestClient, location: str) -> dict:
    """The job once it has computed some hours but not all."""

    def part_way(job: dict) -> bool:
        assert job["status"] in ("queued", "running"), job
        return job["status"] == "running" and 0 < job["done_hours"] < job["total_hours"]

    return wait_until(
        lambda: client.get(location).json(), part_way, what=f"job {location} part-way"
    )


def test_a_job_is_cancelled_queued_or_running_and_can_be_resubmitted(make_settings, monkeypatch):
    """A running job stops computing when cancelled (its projection ends with JobCancelledError,
    writing no result), a queued one never starts, and both are recorded cancelled."""
    real_project, ended = tasks.project, []

    def watched(*args, **kwargs):
        try:
            dataset = real_project(*args, **kwargs)
        except BaseException as error:
            ended.append(type(error).__name__)
            raise
        ended.append("returned")
        return dataset

    monkeypatch.setattr(tasks, "project", watched)
    settings = make_settings(job_threshold_draw_hours=1.0, max_concurrent_jobs=1)
    # kr-national's whole horizon: past it a projection is noted (a warning, an error here).
    long = {**JOB, "draws": LONG_DRAWS, "resolution": "hourly", "start": "2024-01-01",
            "end": "2035-12-31"}  # fmt: skip
    with TestClient(create_app(settings, start_in_background=False)) as client:
        first = client.post("/v1/projections", json=long).headers["location"]
        small = {**JOB, "seed": 2, "resolution": "annual", "end": "2030-12-31"}
        second = client.post("/v1/projections", json=small).headers["location"]
        _running(client, first)
        queued = client.post(f"{second}/cancel")
        assert queued.status_code == 200, queued.text
        assert queued.json()["status"] == "cancelled"
        assert "cancelled by a caller without a key" in queued.json()["error"]
        running = client.post(f"{first}/cancel").json()
        assert running["status"] == "cancelled" and running["finished"] is not None
        assert 0 < running["done_hours"] < running["total_hours"]
        wait_until(lambda: ended, bool, what="the cancelled projection's end")
        assert ended == ["JobCancelledError"]  # stopped part-way
        results = client.app.state.service.results.directory
        assert not list(results.glob("*.nc"))
        again = client.post(f"{first}/cancel")
        assert again.status_code == 409 and "been cancelled" in again.json()["detail"]
        result = client.get(f"{first}/result")
        assert result.status_code == 409 and "cancelled by" in result.json()["detail"]
        listed = client.get("/v1/runs", params={"status": "cancelled"}).json()
        assert listed["total"] == 2
        # Resubmitted, the cancelled queued job computes anew, once: the cancelled one never
        # ran (the worker, free since the first stopped, would have run it before this).
        resubmitted = client.post(f"{second}/resubmit")
        assert resubmitted.status_code == 202
        assert resubmitted.json()["id"] != second.rsplit("/", 1)[1]
        assert _finish(client, resubmitted.headers["location"])["status"] == "succeeded"
        assert ended == ["JobCancelledError", "returned"]
        done = client.post(f"{resubmitted.headers['location']}/cancel")
        assert (
            done.status_code == 409
            and "has succeeded: nothing to cancel" in (done.json()["detail"])
        )


def test_only_its_key_or_an_admin_key_cancels_a_job(make_settings):
    """(Security review, finding 8) A write key no longer cancels another key's job, and a
    job submitted without a key is cancelled by an admin key only."""
    settings = make_settings(
        job_threshold_draw_hours=1.0,
        api_keys="read:reader-one-key-01,read:reader-two-key-01,write:writer-key-000001,"
        "admin:admin-key-00000001",
        require_read_key=False,
    )
    long = {**JOB, "draws": LONG_DRAWS, "resolution": "hourly", "start": "2024-01-01",
            "end": "2035-12-31"}  # fmt: skip
    with TestClient(create_app(settings, start_in_background=False)) as client:
        mine = client.post("/v1/projections", json=long, headers={"X-API-Key": "reader-one-key-01"})
        location = mine.headers["location"]
        other = client.post(f"{location}/cancel", headers={"X-API-Key": "reader-two-key-01"})
        assert other.status_code == 403 and "submitted with key" in other.json()["detail"]
        assert client.post(f"{location}/cancel").status_code == 403  # no key at all
        by_writer = client.post(f"{location}/cancel", headers={"X-API-Key": "writer-key-000001"})
        assert by_writer.status_code == 403, by_writer.text
        own = client.post(f"{location}/cancel", headers={"X-API-Key": "reader-one-key-01"})
        assert own.status_code == 200 and own.json()["status"] == "cancelled"
        # Resubmitting is the owner's too, and the new job stays the owner's.
        again = client.post(f"{location}/resubmit", headers={"X-API-Key": "reader-two-key-01"})
        assert again.status_code == 403, again.text
        assert client.post(f"{location}/resubmit").status_code == 403
        anonymous = client.post("/v1/projections", json={**long, "seed": 3}).headers["location"]
        refused = client.post(f"{anonymous}/cancel", headers={"X-API-Key": "writer-key-000001"})
        assert refused.status_code == 403
        assert "submitted without a key" in refused.json()["detail"]
        assert client.post(f"{anonymous}/cancel").status_code == 403  # another keyless client
        by_admin = client.post(f"{anonymous}/cancel", headers={"X-API-Key": "admin-key-00000001"})
        assert by_admin.status_code == 200
        assert "cancelled by key " in by_admin.json()["error"]
        assert client.post("/v1/jobs/" + "0" * 32 + "/cancel").status_code == 404


def test_runs_are_listed_and_filtered(client: TestClient):
    small = {**JOB, "draws": 5, "resolution": "annual", "end": "2030-12-31"}
    _finish(client, client.post("/v1/projections", json=small).headers["location"])
    other = {**small, "scenario_id": "kr-gov-gpu-path"}
    _finish(client, client.post("/v1/projections", json=other).headers["location"])
    every = client.get("/v1/runs").json()
    assert every["total"] == 2
    only = client.get("/v1/runs", params={"scenario_id": "kr-gov-gpu-path"}).json()
    assert [run["scenario_id"] for run in only["runs"]] == ["kr-gov-gpu-path"]
    model = client.get("/v1/runs", params={"model_version": "kpx-test@v1"}).json()
    assert model["total"] == 2
    future = client.get("/v1/runs", params={"submitted_after": "2100-01-01T00:00:00Z"}).json()
    assert future["total"] == 0
    assert client.get("/v1/runs", params={"submitted_after": "0.5"}).status_code == 422
    page = client.get("/v1/runs", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["runs"]) == 1


def test_deleting_a_run_needs_a_key_and_removes_its_file(make_settings):
    settings = make_settings(
        api_keys="write:writer-key-000001,admin:admin-key-00000001", require_read_key=False
    )
    with TestClient(create_app(settings, start_in_background=False)) as client:
        answer = client.post("/v1/projections", json={**JOB, "draws": 5})
        run_id = answer.headers["x-run-id"]
        assert _finish(client, f"/v1/runs/{run_id}")["status"] == "succeeded"  # file written
        file = client.app.state.service.results.directory / f"{run_id}.nc"
        assert file.is_file()
        assert client.delete(f"/v1/runs/{run_id}").status_code == 401
        # Asked for without a key: no write key made it, so an admin key deletes it.
        writer = client.delete(f"/v1/runs/{run_id}", headers={"X-API-Key": "writer-key-000001"})
        assert writer.status_code == 403
        admin = client.delete(f"/v1/runs/{run_id}", headers={"X-API-Key": "admin-key-00000001"})
        assert admin.status_code == 204
        assert not file.exists()
        assert client.get(f"/v1/runs/{run_id}").status_code == 410
        assert client.post("/v1/projections", json={**JOB, "draws": 5}).headers["x-cache"] == "miss"


def test_a_damaged_result_file_is_reported_and_computed_again(make_settings, monkeypatch):
    """A truncated result file gave 500 on every read and on every identical request, for
    ever (the stored-result lookup found it first). Now its run is failed, saying the file is
    damaged and how to resubmit, the file is set aside, and an identical request computes the
    answer anew. A system error while reading (too many open files) leaves the file alone."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service
        body = {**JOB, "draws": 5, "resolution": "annual"}
        run_id, file = stored_run(client, body)
        # In memory, the NetCDF answer is rendered anew rather than streamed from a bad file.
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
        fresh = client.get(f"/v1/runs/{run_id}/result", params={"format": "netcdf"})
        assert fresh.status_code == 200 and fresh.content.startswith(b"\x89HDF")
        assert len(fresh.content) > file.stat().st_size  # the whole result, not the half file
        service.cache.drop(service.runs.get(run_id).result_key)
        for file_format in ("netcdf", "csv"):
            lost = client.get(f"/v1/runs/{run_id}/result", params={"format": file_format})
            assert lost.status_code == 409, lost.text
            assert "damaged" in lost.json()["detail"]
            # The route is kept whole (path redaction took it for a server path).
            assert f"POST /v1/jobs/{run_id}/resubmit" in lost.json()["detail"]
        assert not file.exists() and file.with_name(file.name + ".damaged").exists()
        record = client.get(f"/v1/runs/{run_id}").json()
        assert record["status"] == "failed" and "damaged" in record["error"]
        again = client.post("/v1/projections", json=body)
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"
        assert again.headers["x-run-id"] != run_id
        stored_run(client, body)  # the new run's file is written
        resubmitted = client.post(f"/v1/jobs/{run_id}/resubmit")  # names the run that has it
        assert (
            resubmitted.status_code == 202 and resubmitted.json()["id"] == again.headers["x-run-id"]
        )
        # A file damaged in place (its size unchanged) is found when it is read: by its sha256,
        # or, written before runs recorded one, by HDF5.
        for draws, digest in ((6, "damaged (sha256 "), (16, "cannot be read")):
            other = {**body, "draws": draws}
            run_id, file = stored_run(client, other)
            if digest == "cannot be read":
                service.runs.update(run_id, result_sha256=None)
            file.write_bytes(b"\0" * file.stat().st_size)
            service.cache.drop(service.runs.get(run_id).result_key)
            recomputed = client.post("/v1/projections", json=other)
            assert recomputed.status_code == 200 and recomputed.headers["x-cache"] == "miss"
            assert digest in client.get(f"/v1/runs/{run_id}").json()["error"]
        # Too many open files is the system's trouble, not the file's: kept, and a 500.
        third = {**body, "draws": 7}
        run_id, file = stored_run(client, third)
        service.cache.drop(service.runs.get(run_id).result_key)

        def no_descriptors(*_args, **_kwargs):
            raise OSError(24, "Too many open files")

        monkeypatch.setattr("xarray.open_dataset", no_descriptors)
        same = TestClient(client.app, raise_server_exceptions=False)  # the running app
        failing = same.get(f"/v1/runs/{run_id}/result?format=csv")
        assert failing.status_code == 500, failing.text
        assert file.exists() and client.get(f"/v1/runs/{run_id}").json()["status"] == "succeeded"


def _unreadable_seed(file: Path) -> int:
    """A seed whose 20 bit flips make h5netcdf fail on ``file`` with something other than an
    OSError (a KeyError for a metadata checksum, a RuntimeError for a dimension scale)."""
    good = file.read_bytes()
    try:
        for seed in range(40):
            file.write_bytes(flip_bits(good, seed, flips=20))
            try:
                with xr.open_dataset(file, engine="h5netcdf") as dataset:
                    dataset.load()
            except (KeyError, RuntimeError):
                return seed
            except Exception:  # another kind of damage: try the next
                continue
    finally:
        file.write_bytes(good)
    raise AssertionError("no seed of 40 gave a KeyError or RuntimeError")


# h5netcdf's File half made by a damaged file printed, once collected, an AttributeError
# ('_writable') as an unraisable exception: the server's log said nothing else of the file.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_result_file_damaged_anywhere_is_found_damaged_or_read(tmp_path: Path):
    """Before: bits flipped in a result file made HDF5 raise KeyError ('incorrect metadata
    checksum') or RuntimeError (H5DSget_num_scales) as often as the OSError that was caught:
    500 on every read of the run and on every identical request. Now any error about a
    file's contents is the damage it is, on reading it whole and on checking its header,
    and nothing else is printed."""
    files, (name, size, _) = written_result(tmp_path)
    good = (tmp_path / name).read_bytes()
    outcomes = set()
    # (200 flips could make h5netcdf count dimension scales for minutes: left alone here.)
    for seed, flips in itertools.product(range(12), (2, 20)):
        (tmp_path / name).write_bytes(flip_bits(good, seed, flips))
        for check in (files.read, files.verify):
            try:
                check(name, size)
                outcomes.add("read")
            except ResultLostError as lost:
                assert str(lost).startswith(f"result file '{name}': damaged, cannot be read (")
                outcomes.add("damaged")
    # Damage in the data alone is not seen without the sha256 written (the run of a file
    # written before runs recorded one): with it, every damaged file is (test_result_checksums).
    assert outcomes == {"read", "damaged"}


def test_a_file_damaged_anywhere_is_409_not_500(make_settings):
    """A file HDF5 fails on with a KeyError or RuntimeError: its result and its /meta answer
    409 naming the damage (before: 500, and /meta 404 leaving the run succeeded), the run is
    failed and the file set aside, and the same request computes anew (before: 500). A file
    whose header is damaged is 409 as NetCDF too (before: its bytes were sent as the answer).
    The runs are made as if recorded before runs recorded their file's sha256 (which finds
    such damage first: test_result_checksums.py), so that HDF5 is what finds it."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service
        body = {**JOB, "draws": 5, "resolution": "annual"}
        run_id, file = stored_run(client, body, read_from_file=True)
        service.runs.update(run_id, result_sha256=None)
        file.write_bytes(flip_bits(file.read_bytes(), _unreadable_seed(file), flips=20))
        for path in ("/meta", "/result?format=csv"):
            lost = client.get(f"/v1/runs/{run_id}{path}")
            assert lost.status_code == 409, lost.text
            assert "damaged, cannot be read" in lost.json()["detail"]
            assert f"POST /v1/jobs/{run_id}/resubmit" in lost.json()["detail"]
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "failed"
        assert not file.exists() and file.with_name(file.name + ".damaged").exists()
        again = client.post("/v1/projections", json=body)
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"

        other = {**body, "draws": 6}
        run_id, file = stored_run(client, other, read_from_file=True)
        service.runs.update(run_id, result_sha256=None)
        damage_header(file)
        lost = client.get(f"/v1/jobs/{run_id}/result", params={"format": "netcdf"})
        assert lost.status_code == 409, lost.text
        assert "file signature not found" in lost.json()["detail"]
        recomputed = client.post("/v1/projections?format=netcdf", json=other)
        assert recomputed.status_code == 200 and recomputed.headers["x-cache"] == "miss"
        assert service.runs.get(run_id).status == "failed"


#: Callbacks of the in-process cluster that run more often than once a second whatever Dask's
#: settings say: the scheduler's two timeout checks (250 ms) and the worker's heartbeat (every
#: 0.5 s once the scheduler has answered its first).
UNSET_WAKES = {"scheduler idle-timeout", "scheduler no-workers-timeout", "worker heartbeat"}


def test_an_idle_in_process_cluster_wakes_at_most_once_a_second(make_settings):
    """The in-process Dask cluster's periodic callbacks run at most once a second, but those
    no setting reaches (:data:`UNSET_WAKES`). With Dask's defaults its event loop was woken by
    the worker's profiler every 10 ms, both loop-tick timers every 20 ms, the memory monitor
    every 100 ms and both system monitors every 500 ms: an idle server used 1.3-1.5 s of CPU
    per 30 s at load 12-15, 0.18 s now (README, *Forecast API service*)."""
    runner = JobRunner(make_settings(), runs=None, results=None)  # type: ignore[arg-type]
    runner.start()
    try:
        assert runner.cluster is not None
        worker = next(iter(runner.cluster.workers.values()))
        frequent = {
            f"{owner} {name}": callback.callback_time
            for owner, server in (("scheduler", runner.cluster.scheduler), ("worker", worker))
            for name, callback in server.periodic_callbacks.items()
            if callback.callback_time < 1000
        }
        assert set(frequent) <= UNSET_WAKES, frequent
    finally:
        runner.shutdown()


def test_a_job_started_before_its_submit_returns_is_running_at_shutdown(
    make_settings, tmp_path, monkeypatch, caplog
):
    """Dask may start a job, and its "started" event reach the runner, before ``client.submit``
    has returned the job's future: the runner then took the running job for a queued one, and a
    SIGTERM handed it back at once instead of giving it the grace (``test_stopping`` failed so
    once under load). Here the event is delivered inside ``submit``, the earliest it can come."""
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    files = ResultFiles(tmp_path / "results")
    files.prepare()
    runner = JobRunner(make_settings(), Runs(database), files)
    runner.start()
    assert runner.client is not None
    submit = runner.client.submit

    def submit_and_start(function, task, **options):
        future = submit(time.sleep, 30.0, **options)  # a job that runs until it is cancelled
        runner._on_event((0.0, {"event": "started", "run": task.run_id}))
        return future

    monkeypatch.setattr(runner.client, "submit", submit_and_start)
    runner.reserve()
    runner.submit(SimpleNamespace(run_id="early"), result_key="key", total_hours=1)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="service.jobs"):
        runner.shutdown(grace_seconds=0.0)
    database.dispose()
    assert "stopping: 1 running jobs get up to 0 s to finish" in caplog.text
