"""Reloading models: under load, and refusing tampered or broken artifacts (the old model keeps
serving); a broken promoted artifact at start-up leaves the service up and not ready.

On real servers (uvicorn): the refused reloads share the module's, whose artifact root gains a
version of each test's own and whose served model they leave as it was; a test that reloads a model,
or starts on a broken one, starts its own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from forecast.baseline import artifacts, signing
from forecast.io.files import sha256_file
from tests.support import keys
from tests.support.model_artifacts import (
    API_KEY,
    MODEL_ID,
    copy_version,
    publish_model,
    rewrite_parameters,
    synthetic_parameters,
)
from tests.support.server import server_client, started

BODY = {
    "scenario_id": "kr-national",
    "draws": 10,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-03-31",
}


@pytest.fixture(scope="module")
def artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artifact root of :func:`client`'s server: kpx-test@v1 promoted; each test adds the
    version it asks that server to reload."""
    root = tmp_path_factory.mktemp("reloadable")
    publish_model(root, "v1")
    return root


@pytest.fixture(scope="module")
def client(artifact_dir: Path) -> Iterator[httpx.Client]:
    """A real server of :func:`artifact_dir`, v1 served, a key to reload with: this module's
    own, stopped at its end (no other module asks for it; idle, it costs CPU)."""
    with server_client(artifact_dir=artifact_dir, api_keys=API_KEY, require_read_key=False) as http:
        yield http


@pytest.fixture
def version(request: pytest.FixtureRequest) -> str:
    """A version name of this test's own (``v2-<test id>``)."""
    return "v2-" + "".join(c if c.isalnum() else "-" for c in request.node.name)


def _reload(client: httpx.Client, version: str) -> httpx.Response:
    return client.post(
        "/v1/models/reload", json={"model": f"{MODEL_ID}@{version}"}, headers={"X-API-Key": API_KEY}
    )


def test_reload_while_requests_run(tmp_path: Path):
    publish_model(tmp_path, "v1")
    copy_version(tmp_path, "v1", "v2")
    settings = {"artifact_dir": tmp_path, "api_keys": API_KEY, "max_inline_projections": 8,
                "require_read_key": False}  # fmt: skip
    stop = threading.Event()
    answers: list[tuple[int, str, str]] = []

    def hammer(worker: int) -> None:
        seed = worker * 10_000
        while not stop.is_set():
            seed += 1  # a new seed each time: uncached, so the model is really used
            response = client.post("/v1/projections", json={**BODY, "seed": seed})
            body = response.json()
            answers.append(
                (
                    response.status_code,
                    response.headers.get("x-model-version", ""),
                    body.get("model_version", body.get("detail", "")),
                )
            )

    with server_client(**settings) as client, ThreadPoolExecutor(4) as pool:
        workers = [pool.submit(hammer, worker) for worker in range(4)]
        reloads = []
        for version in ("v2", "v1", "v2"):
            while len(answers) < 4 * (len(reloads) + 1):
                stop.wait(0.01)
            reloads.append(_reload(client, version))
        while len(answers) < 4 * (len(reloads) + 1):
            stop.wait(0.01)
        stop.set()
        for worker in workers:
            worker.result()
        after = client.post("/v1/projections", json={**BODY, "seed": 1})

    assert [reload.status_code for reload in reloads] == [200, 200, 200]
    assert all(status == 200 for status, _, _ in answers), answers
    served = {header for _, header, _ in answers}
    assert served <= {f"{MODEL_ID}@v1", f"{MODEL_ID}@v2"}
    assert len(served) == 2  # both versions answered during the run
    assert all(header == in_body for _, header, in_body in answers)  # one version per answer
    assert after.json()["model_version"] == f"{MODEL_ID}@v2"


def _tamper_level(directory: Path) -> None:
    rewrite_parameters(
        directory, lambda p: p["level"].update(intercept=2 * p["level"]["intercept"])
    )


def _tamper_timezone(directory: Path) -> None:
    rewrite_parameters(directory, lambda p: p.update(timezone="Mars/Olympus"))


def _traversal(directory: Path) -> None:
    manifest_path = directory / artifacts.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    outside = directory.parent.parent.parent / "outside.txt"
    outside.write_text("not a model file")
    manifest["files"]["../../../outside.txt"] = sha256_file(outside)
    manifest_path.write_text(json.dumps(manifest))


def _empty_list(directory: Path) -> None:
    (directory / artifacts.MANIFEST).write_text("[]")


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (_tamper_level, ["signature does not match"]),
        (_tamper_timezone, ["signature does not match"]),
        (_traversal, ["signature does not match"]),
        (_empty_list, ["signature does not match"]),
    ],
    ids=["rehashed-intercept", "mars-timezone", "traversal", "empty-list-manifest"],
)
def test_reload_refuses_a_tampered_artifact_and_the_old_model_keeps_serving(
    client: httpx.Client, artifact_dir: Path, version: str, tamper, words
):
    """Before: a re-hashed doubled intercept served 4.39e9 MW, 'Mars/Olympus' made every
    projection 500, a manifest could list ../../etc/hostname, and `[]` crashed the reload."""
    tamper(copy_version(artifact_dir, "v1", version))
    refused = _reload(client, version)
    assert refused.status_code == 422, refused.text
    for word in [*words, f"still serving {MODEL_ID}@v1"]:
        assert word in refused.json()["detail"]
    assert str(artifact_dir) not in refused.text
    served = client.post("/v1/projections", json={**BODY, "seed": 3})
    assert served.status_code == 200
    assert served.headers["x-model-version"] == f"{MODEL_ID}@v1"
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (_empty_list, ["manifest.json holds a JSON list"]),
        (_traversal, ["not a plain file name inside"]),
    ],
    ids=["empty-list-manifest", "traversal"],
)
def test_a_signed_but_malformed_manifest_is_refused_too(
    client: httpx.Client, artifact_dir: Path, version: str, tamper, words
):
    """The checks after the signature hold on their own: a key holder's mistake is caught."""
    broken = copy_version(artifact_dir, "v1", version)
    tamper(broken)
    signing.sign(broken, keys.private_key())
    refused = _reload(client, version)
    assert refused.status_code == 422
    for word in words:
        assert word in refused.json()["detail"]


def test_parameters_out_of_range_are_refused_even_when_signed(
    client: httpx.Client, artifact_dir: Path, version: str
):
    publish_model(
        artifact_dir,
        version,
        promote=False,
        parameters={**synthetic_parameters(), "timezone": "Mars/Olympus"},
    )
    refused = _reload(client, version)
    assert refused.status_code == 422
    assert "Mars/Olympus" in refused.json()["detail"]


@pytest.mark.parametrize("tamper", [_empty_list, _tamper_level], ids=["empty-list", "tampered"])
def test_a_broken_promoted_artifact_leaves_the_service_up_and_not_ready(tmp_path: Path, tamper):
    """Before: a promoted `[]` manifest made the process exit at start-up."""
    promoted = publish_model(tmp_path, "v1")
    tamper(promoted)
    with server_client(
        artifact_dir=tmp_path, api_keys=API_KEY, require_read_key=False, ready=False
    ) as client:
        ready = started(client)
        assert client.get("/healthz").status_code == 200
        assert ready.status_code == 503
        assert "model" in ready.json()["detail"] and "refused" in ready.json()["detail"]
        assert client.post("/v1/projections", json=BODY).status_code == 503
        # A good version reloaded makes the service ready again.
        publish_model(tmp_path, "v3", promote=False)
        fixed = _reload(client, "v3")
        assert fixed.status_code == 200, fixed.text
        assert client.get("/readyz").status_code == 200


def test_an_unsigned_artifact_is_served_only_with_the_development_setting(tmp_path: Path):
    publish_model(tmp_path, "v1")
    (tmp_path / MODEL_ID / "v1" / signing.SIGNATURE).unlink()
    with server_client(artifact_dir=tmp_path, ready=False) as client:
        refused = started(client)
        assert refused.status_code == 503
        assert "unsigned" in refused.json()["detail"]
    with server_client(artifact_dir=tmp_path, allow_unsigned_artifacts=True) as client:
        assert client.get("/readyz").json()["model_version"] == f"{MODEL_ID}@v1"
