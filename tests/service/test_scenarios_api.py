"""Saved scenarios through the API: create, version, list, read, archive, project; keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.main import create_app

WRITER = "writer-key-000001"
READER = "reader-key-000001"
ADMIN = "admin-key-00000001"
KEYS = f"write:{WRITER},read:{READER},admin:{ADMIN}"
PERIOD = {"draws": 10, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}


@pytest.fixture
def client(make_settings, database_url):
    settings = make_settings(api_keys=KEYS, database_url=database_url, require_read_key=False)
    with TestClient(create_app(settings, start_in_background=False)) as test_client:
        yield test_client


def _scenario(client: TestClient, scenario_id: str, **changes) -> dict:
    base = client.get("/v1/scenarios/kr-national").json()["scenario"]
    return {**base, "id": scenario_id, **changes}


def _save(client: TestClient, scenario: dict, key: str = WRITER, method: str = "post"):
    path = "/v1/scenarios" + ("" if method == "post" else f"/{scenario['id']}")
    return client.request(
        method.upper(), path, json={"scenario": scenario}, headers={"X-API-Key": key}
    )


def test_a_team_saves_versions_and_projects_a_scenario(client: TestClient):
    created = _save(client, _scenario(client, "team-plan", title="Team plan"))
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/scenarios/team-plan?version=1"
    body = created.json()
    assert (body["version"], body["source"], body["archived"]) == (1, "saved", False)
    assert len(body["author"]) == 12 and WRITER not in created.text  # a key id, not the key
    second = _save(
        client, _scenario(client, "team-plan", title="Team plan, more GPUs"), method="put"
    )
    assert second.status_code == 200 and second.json()["version"] == 2
    assert second.json()["sha256"] != body["sha256"]
    assert second.headers["content-location"] == "/v1/scenarios/team-plan?version=2"
    # A retried PUT (the same scenario and comment) is the version it made, not a third.
    retried = _save(
        client, _scenario(client, "team-plan", title="Team plan, more GPUs"), method="put"
    )
    assert retried.status_code == 200 and retried.json() == second.json()
    listed = {row["id"]: row for row in client.get("/v1/scenarios").json()}
    assert listed["team-plan"]["source"] == "saved" and listed["team-plan"]["version"] == 2
    assert listed["kr-national"]["source"] == "shipped"
    assert client.get("/v1/scenarios/team-plan").json()["scenario"]["title"] == (
        "Team plan, more GPUs"
    )
    assert client.get("/v1/scenarios/team-plan?version=1").json()["scenario"]["title"] == (
        "Team plan"
    )
    versions = client.get("/v1/scenarios/team-plan/versions").json()
    assert [row["version"] for row in versions] == [1, 2]
    # The dashboard lists saved scenarios and reads their inputs as a shipped one's.
    inputs = client.get("/v1/scenarios/team-plan/inputs")
    assert inputs.status_code == 200, inputs.text
    shipped = client.get("/v1/scenarios/kr-national/inputs").json()
    assert [i["path"] for i in inputs.json()["inputs"]] == [i["path"] for i in shipped["inputs"]]
    missing = client.get("/v1/scenarios/no-such-plan/inputs")
    assert missing.status_code == 404
    assert "neither a shipped nor a saved scenario" in missing.json()["detail"]
    latest = client.post("/v1/projections", json={"scenario_id": "team-plan", **PERIOD})
    first = client.post(
        "/v1/projections", json={"scenario_id": "team-plan", "scenario_version": 1, **PERIOD}
    )
    assert latest.status_code == first.status_code == 200
    assert latest.json()["scenario_sha256"] == second.json()["sha256"]
    assert first.json()["scenario_sha256"] == body["sha256"]
    run = client.get(f"/v1/runs/{first.headers['x-run-id']}").json()
    assert (run["scenario_id"], run["scenario_version"], run["scenario_source"]) == (
        "team-plan",
        1,
        "saved",
    )


def test_a_saved_scenario_is_validated_like_a_file(client: TestClient):
    bad = _scenario(client, "broken")
    bad["operations"] = {"pue": 0.5}
    refused = _save(client, bad)
    assert refused.status_code == 422
    assert "pue" in refused.json()["detail"] and "[1.0, 5.0]" in refused.json()["detail"]
    assert client.get("/v1/scenarios/broken").status_code == 404
    shipped = _save(client, _scenario(client, "kr-national"))
    assert shipped.status_code == 409 and "shipped" in shipped.json()["detail"]
    _save(client, _scenario(client, "mine"))
    again = _save(client, _scenario(client, "mine"))
    assert again.status_code == 409
    mismatch = client.put(
        "/v1/scenarios/mine",
        json={"scenario": _scenario(client, "other")},
        headers={"X-API-Key": WRITER},
    )
    assert mismatch.status_code == 422 and "path" in mismatch.json()["detail"]
    bare = client.post(
        "/v1/scenarios", json=_scenario(client, "bare"), headers={"X-API-Key": WRITER}
    )
    assert bare.status_code == 422
    assert bare.json()["detail"].endswith('send it inside {"scenario": {...}}')
    havana = _save(client, _scenario(client, "havana", timezone="America/Havana"))
    assert havana.status_code == 422
    assert "America/Havana" in havana.json()["detail"]


def test_archived_scenarios_leave_the_list_and_keep_their_history(client: TestClient):
    _save(client, _scenario(client, "old-plan"))
    archived = client.delete("/v1/scenarios/old-plan", headers={"X-API-Key": WRITER})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert "old-plan" not in {row["id"] for row in client.get("/v1/scenarios").json()}
    listed = client.get("/v1/scenarios", params={"include_archived": True}).json()
    assert next(row for row in listed if row["id"] == "old-plan")["archived"] is True
    assert client.get("/v1/scenarios/old-plan?version=1").status_code == 200
    assert _save(client, _scenario(client, "old-plan"), method="put").status_code == 409
    again = _save(client, _scenario(client, "old-plan"))  # POST: not sent to the PUT it refuses
    assert again.status_code == 409 and "ids are never reused" in again.json()["detail"]
    projected = client.post("/v1/projections", json={"scenario_id": "old-plan", **PERIOD})
    assert projected.status_code == 200  # a past analysis can be repeated
    shipped = client.delete("/v1/scenarios/kr-national", headers={"X-API-Key": WRITER})
    assert shipped.status_code == 409


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 401), ("not-a-key-at-all", 403), (READER, 403), (WRITER, 201), (ADMIN, 201)],
)
def test_saving_needs_the_write_role(client: TestClient, key, status):
    headers = {"X-API-Key": key} if key else {}
    response = client.post(
        "/v1/scenarios", json={"scenario": _scenario(client, "keyed")}, headers=headers
    )
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == "X-API-Key"


def test_reload_needs_the_admin_role(client: TestClient):
    assert client.post("/v1/models/reload", headers={"X-API-Key": WRITER}).status_code == 403
    assert client.post("/v1/models/reload", headers={"X-API-Key": ADMIN}).status_code == 200


def test_reading_is_open_unless_the_service_asks_a_key(make_settings, database_url):
    settings = make_settings(api_keys=KEYS, database_url=database_url, require_read_key=True)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        assert client.get("/v1/scenarios").status_code == 401
        assert client.get("/v1/scenarios", headers={"X-API-Key": "wrong-key-1"}).status_code == 403
        assert client.get("/v1/scenarios", headers={"X-API-Key": READER}).status_code == 200
        assert client.get("/healthz").status_code == 200  # never behind a key
        security = client.get("/openapi.json").json()["paths"]["/v1/scenarios"]["get"]
        assert security.get("security") == [{"APIKeyHeader": []}]
