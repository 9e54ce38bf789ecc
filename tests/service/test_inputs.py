"""Inputs that answered 500 (or were wrongly accepted) answer 4xx naming the field.

Each test is a reproduction from the outside review of the service (README, "Reliability"):
they failed on the code before the fix and pass after.
"""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.server import ADMIN, TEAM_KEYS, SharedServers, server_client

PERIOD = {"draws": 10, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}


@pytest.fixture(scope="module")
def client(shared_servers: SharedServers) -> httpx.Client:
    """The shared real server with the default settings (the shipped model)."""
    return shared_servers.client()


@pytest.fixture(scope="module")
def shipped(client: httpx.Client) -> dict:
    return client.get("/v1/scenarios/kr-national").json()["scenario"]


def _assert_names(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, (word, detail)


@pytest.mark.parametrize("zone", ["America/Havana", "America/Santiago", "Asia/Beirut"])
def test_a_time_zone_whose_dst_starts_at_midnight_is_a_clear_422(client, shipped, zone):
    """Before: ValueError '... nonexistent time' from the calendar, a plain-text 500."""
    inline = client.post(
        "/v1/projections",
        json={"scenario": {**shipped, "timezone": zone}, **PERIOD, "resolution": "monthly"},
    )
    _assert_names(inline, 422, "timezone", zone, "midnight")
    overridden = client.post(
        "/v1/projections",
        json={"scenario_id": "kr-national", "overrides": {"timezone": zone}, **PERIOD},
    )
    _assert_names(overridden, 422, "timezone", zone)


def test_a_zone_whose_dst_does_not_start_at_midnight_projects(client, shipped):
    response = client.post(
        "/v1/projections",
        json={"scenario": {**shipped, "timezone": "Europe/Berlin"}, **PERIOD},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("horizon", "words"),
    [
        ({"start": "9999-01-01", "end": "9999-12-31"}, ["horizon.start", "2100-12-31"]),
        ({"start": "0001-01-01", "end": "0001-12-31"}, ["horizon.start", "1990-01-01"]),
    ],
)
def test_a_horizon_outside_1990_2100_is_refused(client, shipped, horizon, words):
    """Before: year 9999 overflowed (500); year 1 was accepted and extrapolated to 1 AD."""
    body = {"scenario": {**shipped, "horizon": horizon}, "draws": 10, "resolution": "annual"}
    _assert_names(client.post("/v1/projections", json=body), 422, *words)


def test_a_nul_in_a_title_is_refused_before_netcdf(client, shipped):
    """Before: the NUL reached the NetCDF writer (500 with ?format=netcdf)."""
    body = {"scenario": {**shipped, "title": "grid\x00plan"}, **PERIOD}
    _assert_names(client.post("/v1/projections?format=netcdf", json=body), 422, "title", "U+0000")


def test_control_characters_anywhere_in_text_are_refused(client, shipped):
    changed = copy.deepcopy(shipped)
    changed["deployments"][0]["name"] = "fleet\x1b[31m"
    _assert_names(
        client.post("/v1/projections", json={"scenario": changed, **PERIOD}),
        422,
        "deployments[0].name",
        "U+001B",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("draws", True), ("draws", 10.0), ("seed", False), ("include_baseline", 0)],
)
def test_types_are_strict(client, field, value):
    """Before: `draws: true` ran one draw and `include_baseline: 0` meant false."""
    body = {"scenario_id": "kr-national", **PERIOD, field: value}
    _assert_names(client.post("/v1/projections", json=body), 422, field)


def test_quantile_bounds_are_in_the_schema(client):
    """Before: the bounds were checked in code only; the schema said any number."""
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    projection = schema["ProjectionRequest"]["properties"]["quantiles"]["items"]
    assert (projection["minimum"], projection["maximum"]) == (0.0, 1.0)
    baseline = schema["BaselineRequest"]["properties"]["quantiles"]["items"]
    assert (baseline["exclusiveMinimum"], baseline["exclusiveMaximum"]) == (0.0, 1.0)
    assert schema["ProjectionRequest"]["properties"]["draws"]["maximum"] == 10_000  # max_draws


def test_accept_q_values_are_honoured(client):
    """Before: `application/x-netcdf;q=0, application/json` returned NetCDF."""
    body = {"scenario_id": "kr-national", **PERIOD}
    refused_netcdf = client.post(
        "/v1/projections",
        json=body,
        headers={"Accept": "application/x-netcdf;q=0, application/json"},
    )
    assert refused_netcdf.headers["content-type"] == "application/json"
    nothing = client.post(
        "/v1/projections",
        json=body,
        headers={"Accept": "application/json;q=0, text/csv;q=0, application/x-netcdf;q=0"},
    )
    _assert_names(nothing, 406, "Accept")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/baseline", "GET, HEAD, POST"),
        ("PUT", "/v1/projections", "POST"),
        ("PATCH", "/v1/models/reload", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/v1/scenarios", "GET, HEAD, POST"),
    ],
)
def test_405_names_every_allowed_method(client, method, path, allowed):
    """Before: Allow named the methods of the first route on the path only."""
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


def test_error_texts_show_no_server_path(shared_servers: SharedServers, artifact_root: Path):
    """Before: artifact errors named the artifact directory on the server. (The team's shared
    server: its admin key reloads.)"""
    client = shared_servers.client(
        artifact_dir=artifact_root, api_keys=TEAM_KEYS, require_read_key=False
    )
    unknown = client.post(
        "/v1/models/reload", json={"model": "nothing"}, headers={"X-API-Key": ADMIN}
    )
    assert unknown.status_code == 404
    assert artifact_root.name not in unknown.text and str(artifact_root.parent) not in unknown.text


def test_identical_concurrent_requests_share_one_computation(artifact_root):
    """Before: 20 identical concurrent requests computed 20 times (a server of its own: the
    runs it lists are this test's)."""
    with server_client(artifact_dir=artifact_root, max_inline_projections=4) as client:
        body = {"scenario_id": "kr-national", "draws": 300, "resolution": "monthly",
                "start": "2030-01-01", "end": "2031-12-31", "seed": 4242}  # fmt: skip
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: client.post("/v1/projections", json=body), range(20)))
        assert {answer.status_code for answer in answers} == {200}
        assert len({answer.content for answer in answers}) == 1
        assert client.get("/v1/runs").json()["total"] == 1  # one computation, one run
        assert {answer.headers["x-cache"] for answer in answers} <= {"miss", "shared", "hit"}


def test_a_dotted_override_merges_into_the_nested_tables():
    """The Irish planner's `{"grid.dublin.limit_mw": 100}` was refused as "not a field here";
    it is the path of the nested tables, and the region's other fields stay."""
    from service.inputs import merged

    base = {"grid": {"dublin": {"limit_mw": 250, "reinforcements": [{"mw": 150}]}}, "id": "ie"}
    assert merged(base, {"grid.dublin.limit_mw": 100}) == {
        "grid": {"dublin": {"limit_mw": 100, "reinforcements": [{"mw": 150}]}}, "id": "ie",
    }  # fmt: skip
    assert merged(base, {"grid.west.limit_mw": 5})["grid"]["west"] == {"limit_mw": 5}


def test_an_override_of_a_quantity_replaces_it_whole():
    """A KEPCO planner's `{"grid.capital.limit_mw": {"value": 800, "source": "x"}}` over a
    uniform limit merged key by key (the base's dist, low and high beside the new value) and
    the API answered 500; a quantity is one value, like a number."""
    from service.inputs import merged

    base = {"grid": {"capital": {"limit_mw": {"dist": "uniform", "low": 147, "high": 343,
                                              "source": "facts"}}}}  # fmt: skip
    fixed = {"value": 800, "source": "x"}
    assert merged(base, {"grid.capital.limit_mw": fixed})["grid"]["capital"]["limit_mw"] == fixed
    wider = {"dist": "uniform", "low": 300, "high": 800}
    assert merged(base, {"grid": {"capital": {"limit_mw": wider}}}) == {
        "grid": {"capital": {"limit_mw": wider}}
    }


@pytest.mark.parametrize("draws", [10_001, 1_000_000_000_000])
def test_too_many_draws_name_this_services_limit_however_many(client, draws):
    """A platform engineer's find: 10,001 draws named the service's limit (10,000), but 10^12
    named the library's (100,000), the schema's bound, which this service never allows."""
    for path, body in (
        ("/v1/projections", {"scenario_id": "kr-national", "draws": draws}),
        ("/v1/baseline", {"start": "2030-01-01", "end": "2030-01-02", "draws": draws}),
    ):
        response = client.post(path, json=body)
        _assert_names(response, 422, f"draws = {draws}", "at most 10000 allowed on this service")
        assert "less than or equal" not in response.json()["detail"]
    response = client.get(
        "/v1/baseline", params={"start": "2030-01-01", "end": "2030-01-02", "draws": draws}
    )
    _assert_names(response, 422, "at most 10000 allowed on this service")
