"""Repeated projection requests answered from the cache without the route (service/repeats.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_support import API_KEY, MODEL_ID, copy_version, publish_model

from service.main import create_app
from service.routers import projections
from service.settings import Settings

BODY = {
    "scenario_id": "kr-national",
    "draws": 20,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-12-31",
}


@pytest.fixture
def client(tmp_path: Path):
    publish_model(tmp_path, "v1")
    copy_version(tmp_path, "v1", "v2")
    settings = Settings(artifact_dir=tmp_path, api_keys=API_KEY, cache_size=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _route_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the route fail if it is reached: an answer then came from RepeatedRequests."""

    def unreachable(*_args, **_kwargs):
        raise AssertionError("the route was reached")

    monkeypatch.setattr(projections, "result_key", unreachable)


def test_a_repeated_request_gets_the_routes_answer_without_the_route(client, monkeypatch):
    first = client.post("/v1/projections", json=BODY)
    second = client.post("/v1/projections", json=BODY)  # through the route: a cache hit
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    _route_off(monkeypatch)
    third = client.post("/v1/projections", json=BODY)
    assert third.status_code == 200
    assert third.content == second.content
    for name in ("x-cache", "x-model-version", "content-type", "content-length"):
        assert third.headers[name] == second.headers[name], name
    with pytest.raises(AssertionError, match="route was reached"):
        client.post("/v1/projections", json={**BODY, "seed": 2})  # a new request: the route


def test_format_and_headers_are_part_of_the_request(client, monkeypatch):
    as_json = client.post("/v1/projections", json=BODY)
    as_csv = client.post("/v1/projections", json=BODY, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    _route_off(monkeypatch)
    again_csv = client.post("/v1/projections", json=BODY, headers={"Accept": "text/csv"})
    again_json = client.post("/v1/projections", json=BODY)
    assert again_csv.content == as_csv.content
    assert again_csv.headers["content-disposition"] == as_csv.headers["content-disposition"]
    assert again_json.content == as_json.content
    with pytest.raises(AssertionError, match="route was reached"):
        client.post("/v1/projections?format=csv", json=BODY)  # another query string


def test_errors_are_never_remembered(client):
    bad = {**BODY, "draws": -1}
    answers = [client.post("/v1/projections", json=bad) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()
    assert "draws" in answers[1].json()["detail"]


def test_a_reload_is_seen_by_repeated_requests(client):
    before = [client.post("/v1/projections", json=BODY) for _ in range(3)]
    assert {answer.headers["x-model-version"] for answer in before} == {f"{MODEL_ID}@v1"}
    reload = client.post(
        "/v1/models/reload", json={"model": f"{MODEL_ID}@v2"}, headers={"X-API-Key": API_KEY}
    )
    assert reload.status_code == 200
    after = client.post("/v1/projections", json=BODY)
    assert after.headers["x-model-version"] == f"{MODEL_ID}@v2"
    assert after.headers["x-cache"] == "miss"
    assert after.json()["model_version"] == f"{MODEL_ID}@v2"


def test_an_evicted_result_is_computed_again(client):
    first = client.post("/v1/projections", json=BODY)
    client.post("/v1/projections", json=BODY)  # remembered
    for seed in (2, 3):  # cache_size=2: these two push the first result out
        client.post("/v1/projections", json={**BODY, "seed": seed})
    again = client.post("/v1/projections", json=BODY)
    assert again.status_code == 200
    assert again.headers["x-cache"] == "miss"
    assert again.content == first.content  # seeded: the same numbers
