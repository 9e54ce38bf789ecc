"""``If-None-Match`` on the routes that save a scenario, on the real server: RFC 9110 13.1.2
has a POST or PUT whose ``If-None-Match`` is ``*`` (the target exists) or names its current
tag refused with 412, nothing done. PUT ignored it and saved the next version (a client
sending ``If-None-Match: *`` to save a scenario only if it was new replaced a colleague's),
and POST answered an existing id 409 whatever it said. The routes that compute an answer
(``POST /v1/projections``) have no stored representation to compare: they ignore it.

``DELETE`` (archiving) ignored both ``If-Match`` and ``If-None-Match``: a client that read
version 1 and deleted it with ``If-Match: "v1"`` archived the version 2 a colleague had saved
since. It now takes them as PUT does (RFC 9110 13.1.1, 13.1.2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import server_client

ALICE = "writer-alice-0001"


@pytest.fixture(scope="module")
def http(artifact_root: Path) -> Iterator[httpx.Client]:
    with server_client(
        artifact_dir=artifact_root, api_keys=f"write:{ALICE}", require_read_key=False
    ) as client:
        client.headers["X-API-Key"] = ALICE
        yield client


def _plan(http: httpx.Client, scenario_id: str, title: str) -> dict:
    base = http.get("/v1/scenarios/kr-national").json()["scenario"]
    return {"scenario": {**base, "id": scenario_id, "title": title}}


def test_a_put_with_if_none_match_star_saves_nothing_over_an_existing_scenario(
    http: httpx.Client,
):
    created = http.post("/v1/scenarios", json=_plan(http, "inm-put", "Alice's"))
    assert created.status_code == 201, created.text
    for header in ("*", '"v1"', 'W/"v1"', '"v7", "v1"'):
        refused = http.put(
            "/v1/scenarios/inm-put",
            json=_plan(http, "inm-put", "Bob's"),
            headers={"If-None-Match": header},
        )
        assert refused.status_code == 412, (header, refused.text)
        assert refused.headers["etag"] == '"v1"'
        detail = refused.json()["detail"]
        assert detail.startswith("If-None-Match names ") and "at version 1" in detail
    assert http.get("/v1/scenarios/inm-put").json()["scenario"]["title"] == "Alice's"
    # A tag that is not the latest's holds: the next version is saved.
    saved = http.put(
        "/v1/scenarios/inm-put",
        json=_plan(http, "inm-put", "Bob's"),
        headers={"If-None-Match": '"v7"'},
    )
    assert saved.status_code == 200 and saved.headers["etag"] == '"v2"', saved.text
    # A malformed header is a 422 naming it, as If-Match's is.
    bad = http.put(
        "/v1/scenarios/inm-put", json=_plan(http, "inm-put", "x"), headers={"If-None-Match": "v2"}
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith("If-None-Match = 'v2'")


def test_a_post_with_if_none_match_star_is_412_where_the_id_is_taken(http: httpx.Client):
    fresh = http.post(
        "/v1/scenarios", json=_plan(http, "inm-post", "first"), headers={"If-None-Match": "*"}
    )
    assert fresh.status_code == 201, fresh.text
    again = http.post(
        "/v1/scenarios", json=_plan(http, "inm-post", "second"), headers={"If-None-Match": "*"}
    )
    assert again.status_code == 412, again.text
    assert again.headers["etag"] == '"v1"'
    # Without the header it stays the conflict it was.
    plain = http.post("/v1/scenarios", json=_plan(http, "inm-post", "second"))
    assert plain.status_code == 409, plain.text
    assert http.get("/v1/scenarios/inm-post").json()["scenario"]["title"] == "first"


def test_a_projection_post_ignores_if_none_match(http: httpx.Client):
    body = {"scenario_id": "kr-national", "draws": 4, "resolution": "annual",
            "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
    first = http.post("/v1/projections", json=body)
    assert first.status_code == 200, first.text
    for header in (first.headers["etag"], "*"):
        again = http.post("/v1/projections", json=body, headers={"If-None-Match": header})
        assert again.status_code == 200 and again.content == first.content


def test_a_delete_whose_if_match_names_an_older_version_archives_nothing(http: httpx.Client):
    created = http.post("/v1/scenarios", json=_plan(http, "im-delete", "Alice's"))
    assert created.status_code == 201, created.text
    read = http.get("/v1/scenarios/im-delete").headers["etag"]  # "v1": what the client saw
    # A colleague saves version 2 after that read.
    edited = http.put("/v1/scenarios/im-delete", json=_plan(http, "im-delete", "Bob's"))
    assert edited.headers["etag"] == '"v2"', edited.text
    for header in (read, '"v7", "v1"', 'W/"v2"'):  # If-Match compares strongly
        refused = http.delete("/v1/scenarios/im-delete", headers={"If-Match": header})
        assert refused.status_code == 412, (header, refused.text)
        assert refused.headers["etag"] == '"v2"'
        detail = refused.json()["detail"]
        assert detail.startswith("If-Match names ") and "at version 2" in detail
        assert "nothing archived" in detail and 'DELETE with If-Match: "v2"' in detail
    for header in ('"v2"', 'W/"v2"', "*"):  # If-None-Match compares weakly; * always holds
        refused = http.delete("/v1/scenarios/im-delete", headers={"If-None-Match": header})
        assert refused.status_code == 412, (header, refused.text)
        assert "nothing archived" in refused.json()["detail"]
    bad = http.delete("/v1/scenarios/im-delete", headers={"If-Match": "v2"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("If-Match = 'v2'")
    listed = [item["id"] for item in http.get("/v1/scenarios").json()]
    assert "im-delete" in listed  # none of them archived it
    archived = http.delete(
        "/v1/scenarios/im-delete", headers={"If-Match": '"v2"', "If-None-Match": '"v1"'}
    )
    assert archived.status_code == 200, archived.text
    assert archived.headers["etag"] == '"v2"' and archived.json()["archived"] is True
    assert "im-delete" not in [item["id"] for item in http.get("/v1/scenarios").json()]
    # A retry of the same DELETE answers the archived scenario, as before.
    again = http.delete("/v1/scenarios/im-delete", headers={"If-Match": '"v2"'})
    assert again.status_code == 200 and again.json()["archived"] is True
