"""Reload under load: a new artifact swaps in while projections run; none fails."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from service.main import create_app
from tests.support.model_artifacts import API_KEY, MODEL_ID, copy_version, publish_model

BODY = {
    "scenario_id": "kr-national",
    "draws": 10,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-03-31",
}


def test_reload_while_requests_run(tmp_path: Path, make_settings):
    publish_model(tmp_path, "v1")
    copy_version(tmp_path, "v1", "v2")
    settings = make_settings(artifact_dir=tmp_path, api_keys=API_KEY, max_inline_projections=8)
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

    with TestClient(create_app(settings)) as client, ThreadPoolExecutor(4) as pool:
        workers = [pool.submit(hammer, worker) for worker in range(4)]
        reloads = []
        for version in ("v2", "v1", "v2"):
            while len(answers) < 4 * (len(reloads) + 1):
                stop.wait(0.01)
            reloads.append(
                client.post(
                    "/v1/models/reload",
                    json={"model": f"{MODEL_ID}@{version}"},
                    headers={"X-API-Key": API_KEY},
                )
            )
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
