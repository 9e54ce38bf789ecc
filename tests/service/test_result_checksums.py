"""A result file's sha256 is recorded with its run when the file is written (``runs.result_sha256``,
migration 0006) and checked before the file is served or opened by HDF5.

Before: fuzzing stored result files (bits flipped, files truncated) found two faults. Damage
inside the data, where HDF5 keeps no checksum, read back as wrong values in about 1 of 6 files,
answered 200; and a file with 200 bits flipped could make the HDF5 library spin for minutes
while it held the service-wide HDF5 lock (:data:`service.render.HDF5_USE`), every other
request that reads or writes a result waiting behind it. Now a file whose bytes are not the
ones written is damaged before HDF5 sees it: 409 naming the run, the run failed, the file set
aside for retention to remove, and the same request computes the answer anew.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from forecast.io import export
from service.main import create_app
from service.storage.database import Database
from service.storage.results import ResultLostError
from service.storage.runs import Runs
from tests.service.test_storage import _RUN_COLUMNS, _run
from tests.support.migrations import migrate, schema_differences, schema_revision
from tests.support.model_artifacts import API_KEY, publish_model
from tests.support.runs import damage_header, flip_bits, stored_run, written_result
from tests.support.server import REPOSITORY, running_server, wait_for_status

BODY = {"scenario_id": "kr-national", "draws": 5, "resolution": "annual",
        "start": "2030-01-01", "end": "2031-12-31"}  # fmt: skip
#: A variable of the result whose values the test damages: ``(year, quantile)``. [TWh]
VARIABLE = "ai_energy_twh"


def _values(file: Path) -> np.ndarray:
    """``VARIABLE``'s values as HDF5 reads them from ``file``."""
    with xr.open_dataset(file, engine="h5netcdf") as dataset:
        return dataset[VARIABLE].to_numpy()


def _damage_data(file: Path) -> np.ndarray:
    """Flip one bit inside ``VARIABLE``'s stored values (a mantissa bit of its first value:
    about 6 % off, a plausible number), leaving the header and every HDF5 checksum alone;
    return the values as they were."""
    good = _values(file)
    data = bytearray(file.read_bytes())
    where = bytes(data).find(np.ascontiguousarray(good, dtype="<f8").tobytes())
    assert where > 0, "the values are stored as they are (no compression)"
    data[where + 6] ^= 0x01
    file.write_bytes(bytes(data))
    return good


def _served(directory: Path, **settings: str) -> dict[str, str]:
    """The environment of a real server over ``directory``: a model published to
    ``artifacts``, the storage in ``storage``, :data:`API_KEY` to write, no key to read, and
    ``settings``."""
    publish_model(directory / "artifacts", "v1")
    return {
        "FORECAST_ARTIFACT_DIR": str(directory / "artifacts"),
        "FORECAST_STORAGE_DIR": str(directory / "storage"),
        "FORECAST_API_KEYS": API_KEY,
        "FORECAST_REQUIRE_READ_KEY": "false",
        **settings,
    }


def test_a_result_damaged_inside_its_data_is_409_not_wrong_values(make_settings):
    """One bit flipped in a result's values: HDF5 reads the file without a word (it keeps no
    checksum of raw data), so before, the wrong value was served with 200, as JSON and as the
    NetCDF file. Now the file's sha256 is not the one recorded: 409 naming the run and the
    damage, the run failed, the file set aside, the same request computed anew with the right
    values; a result still in memory renders its NetCDF answer anew instead of sending the
    damaged file."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        run_id, file = stored_run(client, BODY, read_from_file=True)
        assert len(service.runs.get(run_id).result_sha256) == 64
        good = _damage_data(file)
        assert not np.array_equal(_values(file), good)  # read back wrong, no error
        lost = client.get(f"/v1/runs/{run_id}/result")
        assert lost.status_code == 409, lost.text[:500]
        detail = lost.json()["detail"]
        assert detail.startswith(f"run {run_id} is failed, not succeeded: result file ")
        assert "damaged (sha256 " in detail and f"POST /v1/jobs/{run_id}/resubmit" in detail
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "failed"
        assert not file.exists() and file.with_name(file.name + ".damaged").exists()
        again = client.post("/v1/projections", json=BODY)
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"
        assert again.json()["variables"][VARIABLE]["values"] == good.tolist()

        # The NetCDF answer is the file itself: checked whole before it is sent.
        other = {**BODY, "draws": 6}
        run_id, file = stored_run(client, other, read_from_file=True)
        _damage_data(file)
        lost = client.get(f"/v1/jobs/{run_id}/result", params={"format": "netcdf"})
        assert lost.status_code == 409, lost.text[:500]
        assert "damaged (sha256 " in lost.json()["detail"]
        assert service.runs.get(run_id).status == "failed"

        # Held in memory, the result's NetCDF answer is rendered anew, not the damaged file.
        third = {**BODY, "draws": 7}
        run_id, file = stored_run(client, third)
        good = _damage_data(file)
        fresh = client.get(f"/v1/runs/{run_id}/result", params={"format": "netcdf"})
        assert fresh.status_code == 200 and fresh.content != file.read_bytes()
        assert xr.load_dataset(fresh.content, engine="h5netcdf")[VARIABLE].values.tolist() == (
            good.tolist()
        )


@pytest.mark.slow
def test_over_http_a_damaged_result_is_409_and_retention_removes_it(tmp_path: Path):
    """The real server (uvicorn in a subprocess): a result whose values were damaged on disk
    after it was stored answers 409 naming the run (before: 200 with the wrong value), the run
    is failed, the file set aside, and ``forecast results prune`` removes the set-aside file
    once it is older than the window."""
    storage = tmp_path / "storage"
    env = _served(tmp_path, FORECAST_CACHE_BYTES="0")  # every read of the result goes to its file
    with running_server(env) as (base, _seconds), httpx.Client(base_url=base, timeout=120) as http:
        answer = http.post("/v1/projections", json=BODY)
        assert answer.status_code == 200, answer.text[:500]
        run_id = answer.headers["x-run-id"]
        run = wait_for_status(http, f"/v1/runs/{run_id}", {"succeeded"}, timeout_s=120)
        file = storage / "results" / f"{run_id}.nc"
        assert run["result_bytes"] == file.stat().st_size
        good = _damage_data(file)
        # A NetCDF answer is the file as stored: sent only once its bytes are the ones written.
        lost = http.get(f"/v1/runs/{run_id}/result", params={"format": "netcdf"})
        assert lost.status_code == 409, lost.text[:500]
        assert lost.json()["detail"].startswith(f"run {run_id} is failed, not succeeded: ")
        assert "damaged (sha256 " in lost.json()["detail"]
        assert http.get(f"/v1/runs/{run_id}").json()["status"] == "failed"
        again = http.post("/v1/projections", json=BODY)
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"
        assert again.json()["variables"][VARIABLE]["values"] == good.tolist()
        # And as JSON, read whole into memory: the same.
        run_id = again.headers["x-run-id"]
        wait_for_status(http, f"/v1/runs/{run_id}", {"succeeded"}, timeout_s=120)
        _damage_data(storage / "results" / f"{run_id}.nc")
        lost = http.get(f"/v1/runs/{run_id}/result")
        assert lost.status_code == 409, lost.text[:500]
        assert "damaged (sha256 " in lost.json()["detail"]
    damaged = file.with_name(file.name + ".damaged")
    assert damaged.is_file() and not file.exists()
    written = time.time() - 2 * 3600
    os.utime(damaged, (written, written))
    pruned = subprocess.run(
        [sys.executable, "-m", "forecast", "results", "prune", "--older-than", "1h"],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pruned.returncode == 0, pruned.stderr
    assert f"removed result file {damaged.name}: damaged, set aside" in pruned.stdout
    assert not damaged.exists()
    assert (storage / "results" / f"{run_id}.nc.damaged").exists()  # not before the window


def test_a_runs_record_gives_its_result_files_sha256_to_check_a_download(tmp_path: Path):
    """The real server: ``GET /v1/runs/{id}`` gives ``result_sha256``, the sha256 of the
    NetCDF a client downloads from its ``result_url`` (before: the server checked it, the
    client could not); null for a run whose file was stored before migration 0006."""
    storage = tmp_path / "storage"
    env = _served(tmp_path)
    with running_server(env) as (base, _seconds), httpx.Client(base_url=base, timeout=120) as http:
        answer = http.post("/v1/projections", json=BODY)
        assert answer.status_code == 200, answer.text[:500]
        run_id = answer.headers["x-run-id"]
        run = wait_for_status(http, f"/v1/runs/{run_id}", {"succeeded"}, timeout_s=120)
        download = http.get(run["result_url"], params={"format": "netcdf"})
        assert download.status_code == 200, download.text[:500]
        assert run["result_sha256"] == hashlib.sha256(download.content).hexdigest()
        listed = http.get("/v1/runs", params={"scenario_id": "kr-national"}).json()["runs"]
        assert [entry["result_sha256"] for entry in listed] == [run["result_sha256"]]
        # A run stored before migration 0006, as the upgraded database holds it.
        with sqlite3.connect(storage / "forecast.sqlite3") as database:
            database.execute("UPDATE runs SET result_sha256 = NULL WHERE id = ?", (run_id,))
        before = http.get(f"/v1/runs/{run_id}").json()
        assert "result_sha256" in before and before["result_sha256"] is None
        assert before["status"] == "succeeded"


def test_a_damaged_file_never_reaches_hdf5(make_settings, monkeypatch):
    """200 bits flipped made the HDF5 library spin for minutes, holding the service-wide HDF5
    lock. Such a file must never be opened: every read of a stored result (JSON, NetCDF,
    ``/meta``, the same projection asked again) checks the file's sha256 first and answers
    409 (or computes anew) without HDF5 opening it. Whether a given file spins depends on
    where the bits land, so HDF5's open is watched instead: opening the damaged file fails
    the test at once (before: it was opened, and with an unlucky file spun)."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        stored = {
            way: stored_run(client, {**BODY, "draws": draws}, read_from_file=True)
            for way, draws in (("json", 5), ("netcdf", 6), ("meta", 7), ("post", 8))
        }
        for _, file in stored.values():
            file.write_bytes(flip_bits(file.read_bytes(), seed=3, flips=200))
        damaged = {file.name for _, file in stored.values()}
        opened: list[str] = []
        real_open = xr.open_dataset

        def watched(path, *args, **kwargs):
            if Path(str(path)).name in damaged:
                opened.append(Path(str(path)).name)
                raise OSError("HDF5 opened a damaged result file (it may spin)")
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("xarray.open_dataset", watched)
        answers = {
            "json": client.get(f"/v1/runs/{stored['json'][0]}/result"),
            "netcdf": client.get(f"/v1/runs/{stored['netcdf'][0]}/result?format=netcdf"),
            "meta": client.get(f"/v1/runs/{stored['meta'][0]}/meta"),
        }
        for way, answer in answers.items():
            assert answer.status_code == 409, (way, answer.text)
            assert "damaged (sha256 " in answer.json()["detail"], way
        asked_again = client.post("/v1/projections", json={**BODY, "draws": 8})
        assert asked_again.status_code == 200 and asked_again.headers["x-cache"] == "miss"
        assert opened == []
        for run_id, file in stored.values():
            assert service.runs.get(run_id).status == "failed"
            assert file.with_name(file.name + ".damaged").exists()


def test_results_written_before_checksums_are_served_as_before(make_settings):
    """A run recorded before migration 0006 has no checksum: its file is served as before
    (its size checked, HDF5's errors on its contents taken as damage), and reading it records
    none (a digest taken then would vouch for whatever bytes are there by then)."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        run_id, file = stored_run(client, BODY, read_from_file=True)
        service.runs.update(run_id, result_sha256=None)
        answer = client.get(f"/v1/runs/{run_id}/result")
        assert answer.status_code == 200 and answer.headers["x-cache"] == "stored"
        assert answer.json()["variables"][VARIABLE]["values"] == _values(file).tolist()
        assert client.get(f"/v1/runs/{run_id}/result?format=netcdf").content == file.read_bytes()
        assert service.runs.get(run_id).result_sha256 is None

        other = {**BODY, "draws": 6}
        run_id, file = stored_run(client, other, read_from_file=True)
        service.runs.update(run_id, result_sha256=None)
        damage_header(file)
        lost = client.get(f"/v1/runs/{run_id}/result")
        assert lost.status_code == 409 and "damaged, cannot be read" in lost.json()["detail"]


def test_every_damaged_file_is_found_with_its_checksum(tmp_path: Path):
    """Fuzzed as before (2 and 20 bits flipped, 12 seeds each; and cut short): with the
    sha256 written, every damaged file is found damaged, reading it whole or checking it for
    a NetCDF answer, where without it damage inside the data was read back (test_jobs.py::
    test_a_result_file_damaged_anywhere_is_found_damaged_or_read). The digest written is the
    file's own."""
    files, stored = written_result(tmp_path)
    path = tmp_path / stored.name
    good = path.read_bytes()
    assert stored.sha256 == hashlib.sha256(good).hexdigest()
    assert stored.size_bytes == len(good)
    as_written = export.from_cf(xr.load_dataset(path, engine="h5netcdf"))
    xr.testing.assert_identical(
        files.read(stored.name, stored.size_bytes, stored.sha256), as_written
    )
    assert files.verify(stored.name, stored.size_bytes, stored.sha256) == path
    for seed, flips in itertools.product(range(12), (2, 20)):
        path.write_bytes(flip_bits(good, seed, flips))
        for check in (files.read, files.verify):
            with pytest.raises(ResultLostError, match=r"damaged \(sha256 [0-9a-f]{12} where "):
                check(stored.name, stored.size_bytes, stored.sha256)
    path.write_bytes(good[:-1])
    with pytest.raises(ResultLostError, match="bytes where"):
        files.read(stored.name, stored.size_bytes, stored.sha256)


def test_the_migration_to_0006_keeps_a_databases_runs_their_checksums_unknown(database_url: str):
    """A database at 0005 with runs in it is upgraded at start-up: every row stays as it was,
    the old runs' ``result_sha256`` is NULL (served as before), and a new run records its own;
    on SQLite and on a real PostgreSQL."""
    old = Database(database_url)
    old.migrate(revision="0005")
    submitted = dt.datetime(2026, 12, 1, 12)
    with old.engine.begin() as connection:
        for run_id, status in (("1" * 32, "succeeded"), ("2" * 32, "failed")):
            row = _run(run_id, status=status, result_file=f"{run_id}.nc", data_sha256="d" * 64)
            values = {name: getattr(row, name) for name in [*_RUN_COLUMNS, "data_sha256"]}
            values["submitted_at"] = submitted
            connection.execute(
                text(
                    f"INSERT INTO runs ({', '.join(values)}, done_hours, total_hours, "
                    f"result_bytes) VALUES ({', '.join(':' + name for name in values)}, 8760, "
                    "8760, 1234)"
                ),
                values,
            )
    old.dispose()

    database = Database(database_url)
    try:
        database.migrate()
        runs = Runs(database)
        kept = runs.get("1" * 32)
        assert kept is not None
        assert (kept.status, kept.result_file, kept.result_bytes, kept.data_sha256) == (
            "succeeded", f"{'1' * 32}.nc", 1234, "d" * 64)  # fmt: skip
        assert kept.submitted_at == submitted.replace(tzinfo=dt.UTC)
        assert kept.result_sha256 is None
        assert runs.get("2" * 32).status == "failed"  # type: ignore[union-attr]
        new = runs.add(_run("3" * 32, status="succeeded", result_sha256="f" * 64))
        assert runs.get(new.id) == new and new.result_sha256 == "f" * 64
    finally:
        database.dispose()


def test_the_migration_to_0006_downgrades_and_upgrades_again(database_url: str):
    """At the head with runs in it, the database is downgraded one step (to 0005: the
    ``result_sha256`` column gone, every other value of every run kept) and upgraded again
    (the schema the code declares; the runs kept, their checksums NULL as for any run
    recorded before 0006), on SQLite and on a real PostgreSQL."""
    database = Database(database_url)
    database.migrate()
    runs = Runs(database)
    first = runs.add(_run("1" * 32, status="succeeded", result_file=f"{'1' * 32}.nc",
                          result_bytes=1234, result_sha256="f" * 64))  # fmt: skip
    second = runs.add(_run("2" * 32, status="failed"))
    before = {run.id: dataclasses.asdict(run) for run in (first, second)}
    try:
        migrate(database, "-1", down=True)
        assert schema_revision(database) == "0005"
        columns = {column["name"] for column in inspect(database.engine).get_columns("runs")}
        assert "result_sha256" not in columns and {"result_file", "result_bytes"} <= columns
        with database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, status, result_file, result_bytes FROM runs ORDER BY id")
            )
            assert [tuple(row) for row in rows] == [
                ("1" * 32, "succeeded", f"{'1' * 32}.nc", 1234),
                ("2" * 32, "failed", None, None),
            ]

        migrate(database, "head")
        assert schema_differences(database) == []
        for run_id, values in before.items():
            again = runs.get(run_id)
            assert again is not None
            assert dataclasses.asdict(again) == {**values, "result_sha256": None}
    finally:
        database.dispose()
