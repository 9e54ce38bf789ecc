"""A run's record says which data, weather and model manifest it computed from
(``data_sha256``, ``weather_sha256``, ``model_manifest_sha256``: the digests its result key
holds and its result's attributes carry), in ``GET /v1/runs``, ``GET /v1/runs/{id}`` and
``/meta``; runs recorded before migration 0005 show null ("unknown" in text), on SQLite and on
a real PostgreSQL.

Before: an auditor listing runs could not tell which data a run used without reading each
result (and a pruned or failed run has none to read).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from forecast import provenance
from service.main import create_app
from service.resuming import resume_handed_back
from service.storage.database import Database
from service.storage.runs import RunFilter, Runs
from tests.service.test_storage import _RUN_COLUMNS, _run
from tests.support.migrations import migrate, schema_differences, schema_revision
from tests.support.server import wait_for_status

ONE_YEAR = {"draws": 10, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}
SMALL = {"scenario_id": "kr-national", **ONE_YEAR}
PAIR = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-dc-pipeline"}]}
DIGESTS = ("data_sha256", "weather_sha256", "model_manifest_sha256")


def test_a_runs_record_names_the_data_weather_and_model_it_used(make_settings):
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        answer = client.post("/v1/projections", json=SMALL)
        assert answer.status_code == 200, answer.text
        attrs, run_id = answer.json()["attrs"], answer.headers["x-run-id"]
        record = client.get(f"/v1/runs/{run_id}").json()
        model = client.app.state.service.registry.for_scenario(  # type: ignore[attr-defined]
            client.app.state.service.scenarios["kr-national"].scenario  # type: ignore[attr-defined]
        )
        manifest = hashlib.sha256(json.dumps(model.manifest, sort_keys=True).encode()).hexdigest()
        # The digests the result carries, without the result being read.
        assert record["data_sha256"] == attrs["data_sha256"] == provenance.data_digest()
        assert record["weather_sha256"] == attrs["weather_sha256"]
        assert len(record["weather_sha256"]) == 64 or record["weather_sha256"] == "none"
        assert record["model_manifest_sha256"] == manifest
        listed = client.get("/v1/runs", params={"data_sha256": provenance.data_digest()}).json()
        assert [run["id"] for run in listed["runs"]] == [run_id]
        assert {name: listed["runs"][0][name] for name in DIGESTS} == {
            name: record[name] for name in DIGESTS
        }
        assert client.get("/v1/runs", params={"data_sha256": "0" * 64}).json()["total"] == 0
        meta = client.get(f"/v1/runs/{run_id}/meta").json()
        assert meta["run"] == {"id": run_id, **{name: record[name] for name in DIGESTS}}

        # A comparison: each scenario's weather and model, in order; no model is "none".
        compared = client.post("/v1/comparisons", json={**PAIR, **ONE_YEAR, "seed": 1})
        assert compared.status_code == 200, compared.text
        pair = client.get(f"/v1/runs/{compared.headers['x-run-id']}").json()
        assert pair["data_sha256"] == provenance.data_digest()
        assert len(pair["weather_sha256"].split(",")) == 2
        assert len(pair["model_manifest_sha256"].split(",")) == 2
        alone = client.post("/v1/projections", json={**SMALL, "include_baseline": False})
        assert (
            client.get(f"/v1/runs/{alone.headers['x-run-id']}").json()["model_manifest_sha256"]
            == "none"
        )

        # A run recorded before runs recorded them: null, in the record and in /meta.
        client.app.state.service.runs.update(  # type: ignore[attr-defined]
            run_id, data_sha256=None, weather_sha256=None, model_manifest_sha256=None
        )
        old = client.get(f"/v1/runs/{run_id}").json()
        assert [old[name] for name in DIGESTS] == [None, None, None]
        assert client.get(f"/v1/runs/{run_id}/meta").json()["run"]["data_sha256"] is None


def test_a_job_handed_back_before_the_upgrade_records_its_digests_when_taken_up(make_settings):
    """A job a stopping server of the version before handed back (its digests unknown) is
    queued again by the next server, its record brought up to date with what it computes."""
    with TestClient(create_app(make_settings(), start_in_background=False)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        answer = client.post("/v1/projections", json={**SMALL, "seed": 7})
        done = service.runs.get(answer.headers["x-run-id"])
        handed = dataclasses.replace(
            done, id=uuid.uuid4().hex, kind="job", status="queued", result_file=None,
            result_bytes=None, handed_back_at=dt.datetime.now(dt.UTC), data_sha256=None,
            weather_sha256=None, model_manifest_sha256=None,
        )  # fmt: skip
        service.runs.add(handed)
        assert resume_handed_back(service) == [handed.id]
        taken = service.runs.get(handed.id)
        assert [getattr(taken, name) for name in DIGESTS] == [
            getattr(done, name) for name in DIGESTS
        ]
        # Let it finish before the server stops.
        wait_for_status(client, f"/v1/jobs/{handed.id}", {"succeeded"})


def test_the_migration_to_0005_keeps_a_databases_runs_their_digests_unknown(database_url: str):
    """A database at 0004 with runs, a deletion and a saved scenario in it is upgraded at
    start-up: every row stays as it was, the old runs' digests are NULL ("unknown"), and a new
    run records its own."""
    old = Database(database_url)
    old.migrate(revision="0004")
    submitted = dt.datetime(2026, 12, 1, 12)
    with old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO scenarios (id, created_at, created_by, latest_version) "
                "VALUES ('team-plan', :at, 'aaaaaaaaaaaa', 1)"
            ),
            {"at": submitted},
        )
        for run_id, status in (("1" * 32, "succeeded"), ("2" * 32, "failed")):
            row = _run(run_id, author="a" * 12, status=status, result_file=f"{run_id}.nc")
            values = {name: getattr(row, name) for name in _RUN_COLUMNS}
            values["submitted_at"] = submitted
            connection.execute(
                text(
                    f"INSERT INTO runs ({', '.join(values)}, done_hours, total_hours, note) "
                    f"VALUES ({', '.join(':' + name for name in values)}, 8760, 8760, 'kept')"
                ),
                values,
            )
        connection.execute(
            text(
                "INSERT INTO run_deletions (run_id, deleted_at, deleted_by, author, record) "
                "VALUES (:id, :at, 'retention', NULL, '{}')"
            ),
            {"id": "3" * 32, "at": submitted},
        )
    old.dispose()

    database = Database(database_url)
    try:
        database.migrate()
        runs = Runs(database)
        assert runs.search(RunFilter(), limit=9, offset=0)[1] == 2
        kept = runs.get("1" * 32)
        assert kept is not None
        assert (kept.status, kept.result_file, kept.note, kept.total_hours) == (
            "succeeded",
            f"{'1' * 32}.nc",
            "kept",
            8760,
        )
        assert kept.submitted_at == submitted.replace(tzinfo=dt.UTC)
        assert (kept.data_sha256, kept.weather_sha256, kept.model_manifest_sha256) == (
            None,
            None,
            None,
        )
        assert kept.digests_text == "data unknown weather unknown model unknown"
        assert runs.get("2" * 32).status == "failed"  # type: ignore[union-attr]
        deletion = runs.deletion("3" * 32)
        assert deletion is not None and deletion.deleted_by == "retention"
        new = runs.add(
            _run("4" * 32, data_sha256="d" * 64, weather_sha256="none",
                 model_manifest_sha256="m" * 64 + ",none")
        )  # fmt: skip
        assert runs.get(new.id) == new
        assert new.digests_text == "data dddddddddddd weather none model mmmmmmmmmmmm,none"
        found, _ = runs.search(RunFilter(data_sha256="d" * 64), limit=9, offset=0)
        assert [run.id for run in found] == [new.id]
    finally:
        database.dispose()


def test_the_migration_to_0005_downgrades_and_upgrades_again(database_url: str):
    """Migration 0005's downgrade had never run. At the head with runs in it, the database is
    downgraded to 0004 (through 0005's downgrade: the three digest columns and their index
    gone, every other value of every run kept) and upgraded again (the schema the code
    declares; the runs kept, their digests NULL, "unknown", as for any run recorded before
    0005), on SQLite and on a real PostgreSQL."""
    database = Database(database_url)
    database.migrate()
    runs = Runs(database)
    first = runs.add(_run("1" * 32, status="succeeded", result_file=f"{'1' * 32}.nc",
                          data_sha256="d" * 64, weather_sha256="none",
                          model_manifest_sha256="m" * 64))  # fmt: skip
    second = runs.add(_run("2" * 32, status="failed"))
    before = {run.id: dataclasses.asdict(run) for run in (first, second)}

    try:
        migrate(database, "0004", down=True)
        assert schema_revision(database) == "0004"
        columns = {column["name"] for column in inspect(database.engine).get_columns("runs")}
        assert columns.isdisjoint(DIGESTS) and {"id", "result_file", "note"} <= columns
        indexes = {index["name"] for index in inspect(database.engine).get_indexes("runs")}
        assert "ix_runs_data_sha256" not in indexes
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, status, result_file FROM runs ORDER BY id"))
            assert [tuple(row) for row in rows] == [
                ("1" * 32, "succeeded", f"{'1' * 32}.nc"),
                ("2" * 32, "failed", None),
            ]

        migrate(database, "head")
        assert schema_differences(database) == []
        for run_id, values in before.items():
            again = runs.get(run_id)
            assert again is not None
            assert dataclasses.asdict(again) == {**values, **dict.fromkeys(DIGESTS)}
        assert runs.get("1" * 32).digests_text == (  # type: ignore[union-attr]
            "data unknown weather unknown model unknown"
        )
        new = runs.add(_run("3" * 32, data_sha256="e" * 64, weather_sha256="none",
                            model_manifest_sha256="none"))  # fmt: skip
        found, _ = runs.search(RunFilter(data_sha256="e" * 64), limit=9, offset=0)
        assert [run.id for run in found] == [new.id]
    finally:
        database.dispose()
