"""Who did what, through the API, on SQLite and on a real PostgreSQL.

Before (platform deployment test, finding 5): any write key deleted anyone's run, the row
went and nothing recorded who deleted it; archiving stored the key's id but no answer showed
it; ``GET /v1/runs`` had no author filter. Now a run is deleted by its own key or an admin
key, its record is kept with the deleting key's id and the time and the run answers 410
naming them, an archived scenario shows who archived it and when, and ``?author=`` lists a
key's runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.main import create_app
from service.storage.tables import RunDeletionRow
from tests.support.server import wait_for_status

ALICE = "writer-alice-0001"
BOB = "writer-bob-000002"
READER = "reader-key-000001"
ADMIN = "admin-key-0000001"
KEYS = f"write:{ALICE},write:{BOB},read:{READER},admin:{ADMIN}"
PERIOD = {"scenario_id": "kr-national", "resolution": "annual", "start": "2030-01-01",
          "end": "2030-12-31"}  # fmt: skip


SECRET = "deployment-secret-for-the-test"


def key_id(key: str) -> str:
    """The public id a key is recorded under: the first 12 hex digits of its HMAC-SHA256
    under the deployment's secret."""
    return hmac.new(SECRET.encode(), key.encode(), hashlib.sha256).hexdigest()[:12]


@pytest.fixture
def client(make_settings, database_url):
    settings = make_settings(
        api_keys=KEYS, database_url=database_url, require_read_key=False, key_id_secret=SECRET
    )
    with TestClient(create_app(settings, start_in_background=False)) as test_client:
        yield test_client


def _run(client: TestClient, draws: int, key: str | None) -> str:
    """A finished run asked for with ``key`` (None: without one); its id."""
    headers = {"X-API-Key": key} if key else {}
    answer = client.post("/v1/projections", json={**PERIOD, "draws": draws}, headers=headers)
    assert answer.status_code == 200, answer.text
    run_id = answer.headers["x-run-id"]
    wait_for_status(client, f"/v1/runs/{run_id}", {"succeeded"})
    return run_id


def test_runs_are_listed_by_their_author(client: TestClient):
    alice, bob, nobody = _run(client, 5, ALICE), _run(client, 6, BOB), _run(client, 7, None)
    assert client.get(f"/v1/runs/{alice}").json()["author"] == key_id(ALICE)
    mine = client.get("/v1/runs", params={"author": key_id(ALICE)})
    assert mine.status_code == 200, mine.text
    assert [run["id"] for run in mine.json()["runs"]] == [alice]
    assert mine.json()["total"] == 1
    theirs = client.get("/v1/runs", params={"author": key_id(BOB), "scenario_id": "kr-national"})
    assert [run["id"] for run in theirs.json()["runs"]] == [bob]
    assert {run["id"] for run in client.get("/v1/runs").json()["runs"]} == {alice, bob, nobody}
    # The key itself is never the filter (nor shown): a 12-hex key id is.
    refused = client.get("/v1/runs", params={"author": ALICE})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(f"query.author = {ALICE!r}")


def test_archiving_shows_who_archived_and_when(client: TestClient):
    base = client.get("/v1/scenarios/kr-national").json()["scenario"]
    created = client.post(
        "/v1/scenarios", json={"scenario": {**base, "id": "old-plan"}}, headers={"X-API-Key": BOB}
    )
    assert created.json()["archived_by"] is None and created.json()["archived_at"] is None
    archived = client.delete("/v1/scenarios/old-plan", headers={"X-API-Key": ADMIN})
    assert archived.status_code == 200
    for shown in (archived.json(), client.get("/v1/scenarios/old-plan").json()):
        assert shown["archived"] is True
        assert shown["archived_by"] == key_id(ADMIN)
        assert shown["author"] == key_id(BOB)  # who saved the version shown
        assert shown["archived_at"] >= shown["created"]
    assert ADMIN not in archived.text


def test_only_its_key_or_an_admin_deletes_a_run_and_the_deletion_is_kept(client: TestClient):
    alice, bob, nobody = _run(client, 5, ALICE), _run(client, 6, BOB), _run(client, 7, None)
    others = ((alice, BOB, f"by key {key_id(ALICE)}"), (nobody, ALICE, "without a key"))
    for run_id, key, made in others:
        refused = client.delete(f"/v1/runs/{run_id}", headers={"X-API-Key": key})
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"] == (
            f"X-API-Key: run {run_id} was asked for {made}; deleting it needs that key or an "
            "admin key"
        )
    assert client.delete(f"/v1/runs/{bob}", headers={"X-API-Key": READER}).status_code == 403
    service = client.app.state.service
    file = service.results.directory / f"{alice}.nc"
    assert file.is_file()
    assert client.delete(f"/v1/runs/{alice}", headers={"X-API-Key": ALICE}).status_code == 204
    assert not file.exists()
    # An admin key deletes anyone's run, and a run asked for without a key.
    assert client.delete(f"/v1/runs/{bob}", headers={"X-API-Key": ADMIN}).status_code == 204
    assert client.delete(f"/v1/runs/{nobody}", headers={"X-API-Key": ADMIN}).status_code == 204
    # A deleted run answers 410 naming who deleted it and when, on every route that finds it.
    for path, deleter in (
        (f"/v1/runs/{alice}", ALICE),
        (f"/v1/runs/{alice}/result", ALICE),
        (f"/v1/jobs/{bob}", ADMIN),
        (f"/v1/runs/{nobody}", ADMIN),
    ):
        gone = client.get(path)
        assert gone.status_code == 410, (path, gone.text)
        assert f"deleted by key {key_id(deleter)} at 20" in gone.json()["detail"]
    again = client.delete(f"/v1/runs/{alice}", headers={"X-API-Key": ALICE})
    assert again.status_code == 410
    assert client.get(f"/v1/runs/{'0' * 32}").status_code == 404  # never made
    assert client.get("/v1/runs").json()["total"] == 0
    # The record stays in the database, with the run as it was.
    with service.database.session() as session:
        kept = {row.run_id: row for row in session.scalars(select(RunDeletionRow))}
    assert set(kept) == {alice, bob, nobody}
    assert (kept[alice].deleted_by, kept[alice].author) == (key_id(ALICE), key_id(ALICE))
    assert (kept[bob].deleted_by, kept[bob].author) == (key_id(ADMIN), key_id(BOB))
    record = json.loads(kept[alice].record)
    assert (record["id"], record["status"], record["scenario_id"]) == (
        alice,
        "succeeded",
        "kr-national",
    )
    assert json.loads(record["options"])["draws"] == 5
