"""Saved scenarios through the API: create, version, list, read, archive, project; keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.server import ADMIN, READER, TEAM_KEYS, WRITER, SharedServers

PERIOD = {"draws": 10, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}


@pytest.fixture
def client(team_served: httpx.Client) -> httpx.Client:
    return team_served


def _scenario(client: httpx.Client, scenario_id: str, **changes) -> dict:
    base = client.get("/v1/scenarios/kr-national").json()["scenario"]
    return {**base, "id": scenario_id, **changes}


def _save(client: httpx.Client, scenario: dict, key: str = WRITER, method: str = "post"):
    path = "/v1/scenarios" + ("" if method == "post" else f"/{scenario['id']}")
    return client.request(
        method.upper(), path, json={"scenario": scenario}, headers={"X-API-Key": key}
    )


def test_a_team_saves_versions_and_projects_a_scenario(
    client: httpx.Client, scenario_id: Callable[[str], str]
):
    plan = scenario_id("team-plan")
    created = _save(client, _scenario(client, plan, title="Team plan"))
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/v1/scenarios/{plan}?version=1"
    body = created.json()
    assert (body["version"], body["source"], body["archived"]) == (1, "saved", False)
    assert len(body["author"]) == 12 and WRITER not in created.text  # a key id, not the key
    second = _save(client, _scenario(client, plan, title="Team plan, more GPUs"), method="put")
    assert second.status_code == 200 and second.json()["version"] == 2
    assert second.json()["sha256"] != body["sha256"]
    assert second.headers["content-location"] == f"/v1/scenarios/{plan}?version=2"
    # A retried PUT (the same scenario and comment) is the version it made, not a third.
    retried = _save(client, _scenario(client, plan, title="Team plan, more GPUs"), method="put")
    assert retried.status_code == 200 and retried.json() == second.json()
    listed = {row["id"]: row for row in client.get("/v1/scenarios").json()}
    assert listed[plan]["source"] == "saved" and listed[plan]["version"] == 2
    assert listed["kr-national"]["source"] == "shipped"
    assert client.get(f"/v1/scenarios/{plan}").json()["scenario"]["title"] == (
        "Team plan, more GPUs"
    )
    assert client.get(f"/v1/scenarios/{plan}?version=1").json()["scenario"]["title"] == (
        "Team plan"
    )
    versions = client.get(f"/v1/scenarios/{plan}/versions").json()
    assert [row["version"] for row in versions] == [1, 2]
    # The dashboard lists saved scenarios and reads their inputs as a shipped one's.
    inputs = client.get(f"/v1/scenarios/{plan}/inputs")
    assert inputs.status_code == 200, inputs.text
    shipped = client.get("/v1/scenarios/kr-national/inputs").json()
    assert [i["path"] for i in inputs.json()["inputs"]] == [i["path"] for i in shipped["inputs"]]
    missing = client.get("/v1/scenarios/no-such-plan/inputs")
    assert missing.status_code == 404
    assert "neither a shipped nor a saved scenario" in missing.json()["detail"]
    latest = client.post("/v1/projections", json={"scenario_id": plan, **PERIOD})
    first = client.post(
        "/v1/projections", json={"scenario_id": plan, "scenario_version": 1, **PERIOD}
    )
    assert latest.status_code == first.status_code == 200
    assert latest.json()["scenario_sha256"] == second.json()["sha256"]
    assert first.json()["scenario_sha256"] == body["sha256"]
    run = client.get(f"/v1/runs/{first.headers['x-run-id']}").json()
    assert (run["scenario_id"], run["scenario_version"], run["scenario_source"]) == (
        plan,
        1,
        "saved",
    )


def test_a_saved_scenario_is_validated_like_a_file(
    client: httpx.Client, scenario_id: Callable[[str], str]
):
    bad = _scenario(client, scenario_id("broken"))
    bad["operations"] = {"pue": 0.5}
    refused = _save(client, bad)
    assert refused.status_code == 422
    assert "pue" in refused.json()["detail"] and "[1.0, 5.0]" in refused.json()["detail"]
    assert client.get(f"/v1/scenarios/{bad['id']}").status_code == 404
    shipped = _save(client, _scenario(client, "kr-national"))
    assert shipped.status_code == 409 and "shipped" in shipped.json()["detail"]
    mine = scenario_id("mine")
    _save(client, _scenario(client, mine))
    again = _save(client, _scenario(client, mine))
    assert again.status_code == 409
    mismatch = client.put(
        f"/v1/scenarios/{mine}",
        json={"scenario": _scenario(client, scenario_id("other"))},
        headers={"X-API-Key": WRITER},
    )
    assert mismatch.status_code == 422 and "path" in mismatch.json()["detail"]
    bare = client.post(
        "/v1/scenarios", json=_scenario(client, scenario_id("bare")), headers={"X-API-Key": WRITER}
    )
    assert bare.status_code == 422
    assert bare.json()["detail"].endswith('send it inside {"scenario": {...}}')
    havana = _save(client, _scenario(client, scenario_id("havana"), timezone="America/Havana"))
    assert havana.status_code == 422
    assert "America/Havana" in havana.json()["detail"]


def test_archived_scenarios_leave_the_list_and_keep_their_history(
    client: httpx.Client, scenario_id: Callable[[str], str]
):
    old_plan = scenario_id("old-plan")
    _save(client, _scenario(client, old_plan))
    archived = client.delete(f"/v1/scenarios/{old_plan}", headers={"X-API-Key": WRITER})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert old_plan not in {row["id"] for row in client.get("/v1/scenarios").json()}
    listed = client.get("/v1/scenarios", params={"include_archived": True}).json()
    assert next(row for row in listed if row["id"] == old_plan)["archived"] is True
    assert client.get(f"/v1/scenarios/{old_plan}?version=1").status_code == 200
    assert _save(client, _scenario(client, old_plan), method="put").status_code == 409
    again = _save(client, _scenario(client, old_plan))  # POST: not sent to the PUT it refuses
    assert again.status_code == 409 and "ids are never reused" in again.json()["detail"]
    projected = client.post("/v1/projections", json={"scenario_id": old_plan, **PERIOD})
    assert projected.status_code == 200  # a past analysis can be repeated
    shipped = client.delete("/v1/scenarios/kr-national", headers={"X-API-Key": WRITER})
    assert shipped.status_code == 409


@pytest.mark.parametrize(
    ("key", "status"),
    [(None, 401), ("not-a-key-at-all", 403), (READER, 403), (WRITER, 201), (ADMIN, 201)],
)
def test_saving_needs_the_write_role(
    client: httpx.Client, scenario_id: Callable[[str], str], key, status
):
    headers = {"X-API-Key": key} if key else {}
    response = client.post(
        "/v1/scenarios", json={"scenario": _scenario(client, scenario_id("keyed"))}, headers=headers
    )
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == "X-API-Key"


def test_reload_needs_the_admin_role(client: httpx.Client):
    assert client.post("/v1/models/reload", headers={"X-API-Key": WRITER}).status_code == 403
    assert client.post("/v1/models/reload", headers={"X-API-Key": ADMIN}).status_code == 200


def test_reading_is_open_unless_the_service_asks_a_key(
    shared_servers: SharedServers, artifact_root: Path
):
    """The keys are checked before the store is read: on SQLite only."""
    client = shared_servers.client(
        artifact_dir=artifact_root, api_keys=TEAM_KEYS, require_read_key=True
    )
    assert client.get("/v1/scenarios").status_code == 401
    assert client.get("/v1/scenarios", headers={"X-API-Key": "wrong-key-1"}).status_code == 403
    assert client.get("/v1/scenarios", headers={"X-API-Key": READER}).status_code == 200
    assert client.get("/healthz").status_code == 200  # never behind a key
    security = client.get("/openapi.json").json()["paths"]["/v1/scenarios"]["get"]
    assert security.get("security") == [{"APIKeyHeader": []}]
