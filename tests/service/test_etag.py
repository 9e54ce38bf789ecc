"""Results carry an ETag (result key + format); a GET naming it gets 304 Not Modified.

These replace the byte-replaying cache in front of the route (``service/repeats.py``): a
client polling one result revalidates it with HTTP's own ``If-None-Match``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.model_artifacts import API_KEY, MODEL_ID, copy_version, publish_model
from tests.support.server import server_client

BODY = {
    "scenario_id": "kr-national",
    "draws": 20,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-12-31",
}


@pytest.fixture
def client(served: httpx.Client) -> httpx.Client:
    """The shared real server: what these tests read is keyed by their own requests."""
    return served


@pytest.fixture
def reloading(tmp_path: Path) -> Iterator[httpx.Client]:
    """A real server of its own, of a model published as v1 and v2: a reload changes what it
    serves, which a shared server's other tests would see."""
    publish_model(tmp_path, "v1")
    copy_version(tmp_path, "v1", "v2")
    with server_client(artifact_dir=tmp_path, api_keys=API_KEY, require_read_key=False) as http:
        yield http


def test_a_result_is_revalidated_with_304(client):
    first = client.post("/v1/projections", json=BODY)
    tag = first.headers["etag"]
    location = first.headers["content-location"]
    assert location == f"/v1/runs/{first.headers['x-run-id']}/result?format=json"
    again = client.get(location, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["etag"] == tag
    assert again.content == b""
    fresh = client.get(location)
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == tag
    assert fresh.content == first.content  # the same tag: the same bytes


def test_the_tag_differs_by_format_and_request(client):
    as_json = client.post("/v1/projections", json=BODY)
    as_csv = client.post("/v1/projections", json=BODY, headers={"Accept": "text/csv"})
    other_seed = client.post("/v1/projections", json={**BODY, "seed": 2})
    tags = {as_json.headers["etag"], as_csv.headers["etag"], other_seed.headers["etag"]}
    assert len(tags) == 3
    # One URL, a format chosen by Accept: a shared cache must key on it.
    assert as_json.headers["vary"] == as_csv.headers["vary"] == "Accept"
    run = as_json.headers["x-run-id"]
    stale = client.get(
        f"/v1/runs/{run}/result?format=csv", headers={"If-None-Match": as_json.headers["etag"]}
    )
    assert stale.status_code == 200  # a JSON tag does not validate the CSV
    assert stale.headers["etag"] == as_csv.headers["etag"]
    netcdf = client.get(f"/v1/runs/{run}/result?format=netcdf")
    assert netcdf.headers["etag"].startswith('W/"')  # equivalent, not byte-identical
    assert (
        client.get(
            f"/v1/runs/{run}/result?format=netcdf",
            headers={"If-None-Match": netcdf.headers["etag"]},
        ).status_code
        == 304
    )


def test_errors_carry_no_tag(client):
    bad = client.post("/v1/projections", json={**BODY, "draws": -1})
    assert bad.status_code == 422
    assert "etag" not in bad.headers
    assert "draws" in bad.json()["detail"]


def test_a_reload_changes_the_tag(reloading: httpx.Client):
    client = reloading
    before = client.post("/v1/projections", json=BODY)
    assert before.headers["x-model-version"] == f"{MODEL_ID}@v1"
    reload = client.post(
        "/v1/models/reload", json={"model": f"{MODEL_ID}@v2"}, headers={"X-API-Key": API_KEY}
    )
    assert reload.status_code == 200
    after = client.post("/v1/projections", json=BODY)
    assert after.headers["x-model-version"] == f"{MODEL_ID}@v2"
    assert after.headers["x-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    # The old run's result keeps its own tag and bytes.
    old = client.get(before.headers["content-location"], headers={"If-None-Match": "x"})
    assert old.headers["etag"] == before.headers["etag"]
    assert old.json()["model_version"] == f"{MODEL_ID}@v1"


def test_an_evicted_result_is_read_back_from_its_run(tmp_path: Path):
    """A result that left the memory cache is read from its run's file, not computed again (a
    server of its own: no memory cache, and the runs it lists are this test's)."""
    publish_model(tmp_path, "v1")
    with server_client(artifact_dir=tmp_path, cache_bytes=0) as client:
        first = client.post("/v1/projections", json=BODY)
        assert first.headers["x-cache"] == "miss"
        run = f"/v1/runs/{first.headers['x-run-id']}"
        deadline = time.monotonic() + 120  # the file is written after the answer
        while (status := client.get(run).json()["status"]) != "succeeded":
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        again = client.post("/v1/projections", json=BODY)
        assert again.headers["x-cache"] == "stored"
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert client.get("/v1/runs").json()["total"] == 1  # computed once
        # Its NetCDF is the run's file, streamed from disk with its length.
        netcdf = client.post("/v1/projections?format=netcdf", json=BODY)
        assert netcdf.headers["x-cache"] == "stored"
        assert int(netcdf.headers["content-length"]) == len(netcdf.content) > 0
