"""A service exposed on a shared network (security review of 2026-12, findings 1-8, 10, 11).

Before: clients without a key held every place in flight with slow uploads (the key was
checked once the body had arrived), read everything and filled the job queue while keys were
configured; any write key changed or archived another analyst's scenario; key ids were
prefixes of a plain sha256 (weak keys recovered offline); /docs could be framed; any Host was
served; the database and results were world-readable.

On real servers (uvicorn): the team's keys (:data:`tests.support.server.TEAM_KEYS`), so that
the shared servers with them answer the reads and the saved scenarios; the slow uploads, the
job quota and the hardened headers each have a server of their own settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from forecast.errors import OptionsError
from service.settings import Settings, environment_settings
from tests.support.model_artifacts import publish_model
from tests.support.server import (
    ADMIN,
    LONG_DRAWS,
    READER,
    TEAM_KEYS,
    WRITER,
    SharedServers,
    running_server,
    server_client,
)
from tests.support.server import ALICE as OTHER_WRITER

KEYS = TEAM_KEYS
IN_FLIGHT = 20
PER_CLIENT = 5


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    """A real server with keys, reads left at their default, few places in flight."""
    root = tmp_path_factory.mktemp("artifacts")
    publish_model(root, "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(root),
        "FORECAST_STORAGE_DIR": str(tmp_path_factory.mktemp("storage")),
        "FORECAST_API_KEYS": KEYS,
        "FORECAST_MAX_REQUESTS_IN_FLIGHT": str(IN_FLIGHT),
        "FORECAST_MAX_REQUESTS_IN_FLIGHT_PER_CLIENT": str(PER_CLIENT),
        "FORECAST_MIN_BODY_BYTES_PER_SECOND": "100",
    }
    with running_server(env) as (url, _seconds):
        yield url


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _slow_upload(base: str, key: str | None = None) -> socket.socket:
    """A connection that sent a projection's head (with ``key``) and 1 byte of 1,000."""
    connection = _connect(base)
    key_header = f"X-API-Key: {key}\r\n".encode() if key else b""
    connection.sendall(
        b"POST /v1/projections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + key_header
        + b"Content-Length: 1000\r\n\r\n "
    )
    return connection


def _answer(connection: socket.socket) -> bytes:
    """What the server sent until it closed the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.slow
def test_slow_uploads_without_a_key_hold_no_place(base: str):
    """(Finding 1) Twice as many keyless slow uploads as places in flight: each is refused
    with 401 from its headers and its connection closed, and a keyed request is answered."""
    sockets = [_slow_upload(base) for _ in range(2 * IN_FLIGHT)]
    try:
        answer = httpx.get(f"{base}/v1/scenarios", headers={"X-API-Key": READER}, timeout=10)
        assert answer.status_code == 200, answer.text
        for connection in sockets:
            connection.settimeout(5)
            received = _answer(connection)
            assert received.startswith(b"HTTP/1.1 401"), received[:200]
            assert b"needs a key with role read" in received
    finally:
        for connection in sockets:
            connection.close()


@pytest.mark.slow
def test_a_write_route_refuses_a_read_key_before_the_body(base: str):
    with _connect(base) as connection:
        connection.settimeout(5)
        connection.sendall(
            b"POST /v1/scenarios HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"X-API-Key: {READER}\r\n".encode()
            + b"Content-Length: 1000\r\n\r\n{"
        )
        received = _answer(connection)
    assert received.startswith(b"HTTP/1.1 403"), received[:200]
    assert b"a read key; this endpoint needs role write" in received


@pytest.mark.slow
def test_a_trickled_body_gets_408_at_the_least_rate(base: str):
    """(Finding 1) One byte every half second meets the per-part timeout (30 s) for ever;
    the least rate (100 bytes/s after 5 s) ends it."""
    with _slow_upload(base, WRITER) as connection:
        started = time.perf_counter()
        received = b""
        connection.settimeout(0.5)
        while time.perf_counter() - started < 15 and not received:
            try:
                connection.sendall(b" ")
                received = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
        connection.settimeout(5)
        with contextlib.suppress(OSError):
            received += _answer(connection)
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    # The least rate's own message: the per-part timeout (30 s, past the loop's 15) would name
    # FORECAST_CLIENT_TIMEOUT_SECONDS. (No bound on the seconds: no timing assertions.)
    assert b"FORECAST_MIN_BODY_BYTES_PER_SECOND" in received


@pytest.mark.slow
def test_one_client_holds_at_most_its_share_of_places(base: str):
    sockets = [_slow_upload(base, WRITER) for _ in range(PER_CLIENT)]
    try:
        time.sleep(0.5)
        refused = httpx.get(f"{base}/v1/scenarios", headers={"X-API-Key": WRITER}, timeout=10)
        assert refused.status_code == 429, refused.text
        assert "FORECAST_MAX_REQUESTS_IN_FLIGHT_PER_CLIENT" in refused.json()["detail"]
        other = httpx.get(f"{base}/v1/scenarios", headers={"X-API-Key": OTHER_WRITER}, timeout=10)
        assert other.status_code == 200, other.text
    finally:
        for connection in sockets:
            connection.close()


@pytest.fixture(scope="module")
def plain(shared_servers: SharedServers) -> httpx.Client:
    """The shared real server with the default settings: no key configured."""
    return shared_servers.client()


def test_reads_need_a_key_once_keys_are_configured(
    shared_servers: SharedServers, artifact_root: Path, plain: httpx.Client
):
    """(Findings 2, 11) Keys configured: reading needs one unless explicitly opened; a wrong
    key is refused on every /v1 route; without any key configured the service stays open."""
    client = shared_servers.client(artifact_dir=artifact_root, api_keys=KEYS, require_read_key=True)
    refused = client.get("/v1/scenarios")
    assert refused.status_code == 401, refused.text
    assert client.get("/v1/scenarios", headers={"X-API-Key": READER}).status_code == 200
    wrong = client.get("/v1/scenarios", headers={"X-API-Key": "not-a-key-at-all-1234"})
    assert wrong.status_code == 403
    client = shared_servers.client(
        artifact_dir=artifact_root, api_keys=KEYS, require_read_key=False
    )
    assert client.get("/v1/scenarios").status_code == 200
    wrong = client.get("/v1/scenarios", headers={"X-API-Key": "not-a-key-at-all-1234"})
    assert wrong.status_code == 403
    assert plain.get("/v1/scenarios").status_code == 200


JOB = {"scenario_id": "kr-national", "draws": LONG_DRAWS, "resolution": "hourly",
       "start": "2024-01-01", "end": "2035-12-31"}  # fmt: skip


def test_one_client_cannot_fill_the_job_queue(artifact_root: Path):
    """(Finding 2) Each key (and each address without a key) has at most
    max_jobs_per_client jobs unfinished; 429 names the quota. (A server of its own: its
    quota.)"""
    with server_client(
        artifact_dir=artifact_root, api_keys=KEYS, job_threshold_draw_hours=1.0,
        max_queued_jobs=10, max_jobs_per_client=1,
    ) as client:  # fmt: skip
        first = client.post("/v1/projections", json=JOB, headers={"X-API-Key": WRITER})
        assert first.status_code == 202, first.text
        second = client.post(
            "/v1/projections", json={**JOB, "seed": 2}, headers={"X-API-Key": WRITER}
        )
        assert second.status_code == 429, second.text
        assert "FORECAST_MAX_JOBS_PER_CLIENT" in second.json()["detail"]
        assert "at most 1 per client" in second.json()["detail"]
        other = client.post(
            "/v1/projections", json={**JOB, "seed": 3}, headers={"X-API-Key": OTHER_WRITER}
        )
        assert other.status_code == 202, other.text
        for answer, key in ((first, WRITER), (other, OTHER_WRITER)):
            client.post(f"{answer.headers['location']}/cancel", headers={"X-API-Key": key})
        # Its job ended: the client's place is free again.
        again = client.post(
            "/v1/projections", json={**JOB, "seed": 4}, headers={"X-API-Key": WRITER}
        )
        assert again.status_code == 202, again.text
        client.post(f"{again.headers['location']}/cancel", headers={"X-API-Key": WRITER})


def test_only_its_creator_or_an_admin_changes_a_saved_scenario(
    team_served: httpx.Client, scenario_id: Callable[[str], str]
):
    """(Finding 3) Another write key can neither add a version (the new latest) nor archive
    it; 403 names who may. The creator and an admin key can, and each version keeps its
    author."""
    client, plan_id = team_served, scenario_id("team-plan")
    path = f"/v1/scenarios/{plan_id}"
    base = client.get("/v1/scenarios/kr-national", headers={"X-API-Key": READER})
    plan = {**base.json()["scenario"], "id": plan_id}
    created = client.post("/v1/scenarios", json={"scenario": plan}, headers={"X-API-Key": WRITER})
    assert created.status_code == 201, created.text
    creator = created.json()["author"]
    hijack = {"scenario": {**plan, "title": "Hijacked by another writer"}}
    for refused in (
        client.put(path, json=hijack, headers={"X-API-Key": OTHER_WRITER}),
        client.delete(path, headers={"X-API-Key": OTHER_WRITER}),
    ):
        assert refused.status_code == 403, refused.text
        assert f"created by key {creator}" in refused.json()["detail"]
        assert "that key or an admin key" in refused.json()["detail"]
    latest = client.get(path, headers={"X-API-Key": READER}).json()
    assert latest["version"] == 1 and not latest["archived"]
    own = {"scenario": {**plan, "title": "Revised by its author"}}
    assert client.put(path, json=own, headers={"X-API-Key": WRITER}).status_code == 200
    by_admin = {"scenario": {**plan, "title": "Corrected by an admin"}}
    assert client.put(path, json=by_admin, headers={"X-API-Key": ADMIN}).status_code == 200
    assert client.delete(path, headers={"X-API-Key": ADMIN}).status_code == 200
    versions = client.get(f"{path}/versions", headers={"X-API-Key": READER})
    authors = [version["author"] for version in versions.json()]
    assert authors[:2] == [creator, creator] and authors[2] != creator


def test_short_keys_are_refused_naming_role_and_length_not_the_key(monkeypatch):
    """(Finding 5) 8 characters were enough. The start-up error names the entry, its role
    and length, never the key."""
    monkeypatch.setenv("FORECAST_API_KEYS", "read:reader-key-0000000001,write:writer-2222")
    environment_settings.cache_clear()
    try:
        with pytest.raises(OptionsError) as raised:
            environment_settings()
    finally:
        environment_settings.cache_clear()
    message = str(raised.value)
    assert "entry 2 of 2, a write key of 11 characters: at least 16 allowed" in message
    assert "FORECAST_API_KEYS = (secret, not shown)" in message
    assert "writer-2222" not in message and "reader-key" not in message
    with pytest.raises(ValidationError, match="a read key of 15 characters"):
        Settings(api_keys="read:reader-key-0001")


def test_key_ids_reveal_no_fast_hash_of_the_key(make_settings, tmp_path):
    """(Finding 5) The public id is keyed by the deployment's secret (kept 0600), so a
    guess cannot be checked offline against it; it is stable for one deployment."""
    settings = make_settings(api_keys=f"write:{WRITER}", storage_dir=tmp_path)
    (key,) = settings.accepted_keys()
    assert key.key_id != hashlib.sha256(WRITER.encode()).hexdigest()[:12]
    assert len(key.key_id) == 12
    assert make_settings(api_keys=f"write:{WRITER}", storage_dir=tmp_path).accepted_keys() == (key,)
    other = make_settings(api_keys=f"write:{WRITER}").accepted_keys()[0]
    assert other.key_id != key.key_id  # another deployment, another secret
    assert stat.S_IMODE((tmp_path / "key-id-secret").stat().st_mode) == 0o600


def test_every_answer_says_nosniff_and_docs_cannot_be_framed(plain: httpx.Client):
    """(Finding 6)"""
    for path in ("/v1/scenarios", "/v1/nowhere", "/healthz", "/openapi.json"):
        assert plain.get(path).headers["x-content-type-options"] == "nosniff", path
    docs = plain.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy
    assert docs.headers["x-frame-options"] == "DENY"
    # The dashboard keeps its own, stricter policy.
    assert "style-src 'self';" in plain.get("/").headers["content-security-policy"]


#: The host names :func:`hardened` serves: the service's own, and loopback for the tests.
INTRANET = "forecast.intranet.example"


@pytest.fixture(scope="module")
def hardened(
    tmp_path_factory: pytest.TempPathFactory, artifact_root: Path
) -> Iterator[tuple[httpx.Client, Path]]:
    """A real server of its own with HSTS set, only :data:`INTRANET` and loopback served, and
    its storage in a directory given (not yet made): (its client, that directory)."""
    storage = tmp_path_factory.mktemp("hardened") / "store"
    with server_client(
        artifact_dir=artifact_root, storage_dir=storage, hsts_seconds=31_536_000,
        allowed_hosts=f"{INTRANET}, localhost, 127.0.0.1",
    ) as client:  # fmt: skip
        yield client, storage


def test_hsts_is_sent_only_when_set(plain: httpx.Client, hardened: tuple[httpx.Client, Path]):
    """Before: the service never sent Strict-Transport-Security (only the nginx example did);
    off by default (plain HTTP behind a TLS proxy), on every answer once set."""
    assert "strict-transport-security" not in plain.get("/healthz").headers
    client, _storage = hardened
    for path in ("/v1/scenarios", "/v1/nowhere", "/healthz", "/"):
        answer = client.get(path)
        assert answer.headers["strict-transport-security"] == "max-age=31536000", path


def test_allowed_hosts_refuse_another_host_name(hardened: tuple[httpx.Client, Path]):
    """(Finding 7) DNS rebinding: a page's own name pointed at the service is refused."""
    client, _storage = hardened
    assert client.get("/v1/scenarios", headers={"Host": INTRANET}).status_code == 200
    refused = client.get("/v1/scenarios", headers={"Host": "attacker.example"})
    assert refused.status_code == 400
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_storage_is_for_the_owner_only(hardened: tuple[httpx.Client, Path]):
    """(Finding 10) The SQLite file (and so its -wal and -shm) 0600, results 0700."""
    client, storage = hardened
    assert client.get("/v1/scenarios").status_code == 200
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in storage.iterdir()
        if path.name != "forecast.sqlite3.lock"
    }
    assert modes["forecast.sqlite3"] == 0o600
    assert modes["results"] == 0o700
    assert stat.S_IMODE(storage.stat().st_mode) == 0o700
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes
