"""Concurrent edits of a saved scenario, on SQLite and on a real PostgreSQL.

Before (platform deployment test, finding 6): PUT took no base version, so an analyst's edit
built on an older version silently replaced a colleague's newer one; of 10 concurrent PUTs
SQLite refused 3 with 409 while PostgreSQL saved all 10, and the versions' times were not in
version order on either. Now a saved scenario's GET answers an ETag naming its version, a PUT
whose If-Match names another version than the latest answers 412 naming the latest, saves
run one after another on both backends, and a PUT without If-Match saves as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

# Bob edits the scenario Alice created: the creator or an admin key may.
from tests.support.server import ALICE, BOB


@pytest.fixture
def client(team_served: httpx.Client) -> httpx.Client:
    return team_served


@pytest.fixture
def plan_id(scenario_id: Callable[[str], str]) -> str:
    """The id of the scenario the team edits: this test's own on the shared store."""
    return scenario_id("team-plan")


def _plan(http: httpx.Client, plan_id: str, title: str = "Team plan") -> dict:
    base = http.get("/v1/scenarios/kr-national").json()["scenario"]
    return {**base, "id": plan_id, "title": title}


def _put(http, scenario: dict, key: str, **headers: str) -> httpx.Response:
    return http.put(
        f"/v1/scenarios/{scenario['id']}",
        json={"scenario": scenario},
        headers={"X-API-Key": key, **headers},
    )


def test_a_put_built_on_an_older_version_is_412_naming_the_latest(
    client: httpx.Client, plan_id: str
):
    created = client.post(
        "/v1/scenarios", json={"scenario": _plan(client, plan_id)}, headers={"X-API-Key": ALICE}
    )
    assert created.status_code == 201 and created.headers["etag"] == '"v1"'
    read = client.get(f"/v1/scenarios/{plan_id}")
    assert read.headers["etag"] == '"v1"'
    alice = _put(
        client, _plan(client, plan_id, "Alice's plan"), ALICE, **{"If-Match": read.headers["etag"]}
    )
    assert alice.status_code == 200 and alice.headers["etag"] == '"v2"'
    # Bob read version 1 too, and edits it: his save would hide Alice's change.
    bob = _put(client, _plan(client, plan_id, "Bob's plan"), BOB, **{"If-Match": '"v1"'})
    assert bob.status_code == 412, bob.text
    assert bob.headers["etag"] == '"v2"'
    detail = bob.json()["detail"]
    assert "\n" not in detail
    assert 'If-Match names "v1"' in detail and "at version 2" in detail
    assert alice.json()["author"] in detail  # saved by whom
    assert client.get(f"/v1/scenarios/{plan_id}").json()["scenario"]["title"] == "Alice's plan"
    # Bob reads the latest, applies his change to it and saves on top.
    latest = client.get(f"/v1/scenarios/{plan_id}")
    again = _put(
        client, _plan(client, plan_id, "Bob's plan"), BOB, **{"If-Match": latest.headers["etag"]}
    )
    assert again.status_code == 200 and again.json()["version"] == 3
    # An older version read by number names that version, so it is stale too.
    old = client.get(f"/v1/scenarios/{plan_id}", params={"version": 1})
    assert old.headers["etag"] == '"v1"'
    # A retry of the save that made the latest answers it, whatever If-Match it carries.
    retried = _put(client, _plan(client, plan_id, "Bob's plan"), BOB, **{"If-Match": '"v2"'})
    assert retried.status_code == 200 and retried.json()["version"] == 3
    # Strong comparison (RFC 9110): a weak tag, or one no version has, matches none.
    for stale in ('W/"v3"', '"sha256"'):
        refused = _put(client, _plan(client, plan_id, "Carol"), ALICE, **{"If-Match": stale})
        assert refused.status_code == 412, (stale, refused.text)
    listed = _put(client, _plan(client, plan_id, "Carol"), ALICE, **{"If-Match": '"v2", "v3"'})
    assert listed.status_code == 200 and listed.json()["version"] == 4
    anything = _put(client, _plan(client, plan_id, "Dave"), ALICE, **{"If-Match": "*"})
    assert anything.status_code == 200 and anything.json()["version"] == 5
    # Without If-Match a PUT saves the next version as it always did.
    plain = _put(client, _plan(client, plan_id, "Eve"), ALICE)
    assert plain.status_code == 200 and plain.json()["version"] == 6
    for malformed in ("v6", '"v6', ""):
        refused = _put(client, _plan(client, plan_id, "Frank"), ALICE, **{"If-Match": malformed})
        assert refused.status_code == 422, (malformed, refused.text)
        assert refused.json()["detail"].startswith("If-Match = ")
    missing = client.put(
        "/v1/scenarios/nobody",
        json={"scenario": {**_plan(client, plan_id), "id": "nobody"}},
        headers={"X-API-Key": ALICE, "If-Match": '"v1"'},
    )
    assert missing.status_code == 404
    assert client.get("/v1/scenarios/kr-national").headers.get("etag") is None  # not editable


def _edit_until_saved(http, plan_id: str, key: str, title: str) -> int:
    """Read, change and save with If-Match, again on 412: what a careful client does."""
    for _ in range(200):
        read = http.get(f"/v1/scenarios/{plan_id}")
        scenario = {**read.json()["scenario"], "title": title}
        saved = _put(http, scenario, key, **{"If-Match": read.headers["etag"]})
        if saved.status_code == 200:
            return saved.json()["version"]
        assert saved.status_code == 412, saved.text
    raise AssertionError(f"{title}: never saved")


def _check_history(http, plan_id: str, titles: set[str]) -> None:
    history = http.get(f"/v1/scenarios/{plan_id}/versions").json()
    assert [row["version"] for row in history] == list(range(1, len(history) + 1))
    times = [row["created"] for row in history]
    assert times == sorted(times), times  # in version order
    path = f"/v1/scenarios/{plan_id}?version="
    saved = {http.get(f"{path}{row['version']}").json()["scenario"]["title"] for row in history}
    assert titles <= saved  # every edit is one version: none lost


def test_concurrent_edits_lose_nothing_and_keep_their_order(client: httpx.Client, plan_id: str):
    """10 analysts at once on the real server, as the platform engineer's script ran them:
    without If-Match every PUT is saved (none 409); with it every edit is saved exactly once,
    on the latest; either way the versions' times are in version order."""
    _edit_concurrently(client, plan_id)


def _edit_concurrently(http, plan_id: str) -> None:
    created = http.post(
        "/v1/scenarios", json={"scenario": _plan(http, plan_id)}, headers={"X-API-Key": ALICE}
    )
    assert created.status_code == 201, created.text
    start = threading.Barrier(10)
    plan = _plan(http, plan_id)

    def blind(index: int) -> httpx.Response:  # no If-Match: as clients did before
        start.wait()
        return _put(http, {**plan, "title": f"blind edit {index}"}, (ALICE, BOB)[index % 2])

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(blind, range(10)))
    assert [answer.status_code for answer in answers] == [200] * 10, [a.text for a in answers]
    assert sorted(answer.json()["version"] for answer in answers) == list(range(2, 12))
    _check_history(http, plan_id, {f"blind edit {index}" for index in range(10)})

    def careful(index: int) -> int:
        start.wait()
        return _edit_until_saved(http, plan_id, (ALICE, BOB)[index % 2], f"careful edit {index}")

    with ThreadPoolExecutor(10) as pool:
        versions = list(pool.map(careful, range(10)))
    assert sorted(versions) == list(range(12, 22))  # each edit saved once, on the one before
    _check_history(http, plan_id, {f"careful edit {index}" for index in range(10)})
