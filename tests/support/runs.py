"""Stored runs of a service under test."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient


def stored_run(client: TestClient, body: dict, *, read_from_file: bool = False) -> tuple[str, Path]:
    """A projection answered inline, once its result file is written: its run id and path.
    ``read_from_file``: its answer is dropped from the memory cache, so the next read goes to
    the file."""
    answer = client.post("/v1/projections", json=body)
    assert answer.status_code == 200, answer.text
    service = client.app.state.service  # type: ignore[attr-defined]
    run_id = answer.headers["x-run-id"]
    for _ in range(600):
        run = service.runs.get(run_id)
        if run.result_file is not None:
            if read_from_file:
                service.cache.drop(run.result_key)
            return run_id, service.results.directory / run.result_file
        time.sleep(0.05)
    raise AssertionError(f"run {run_id}: no result file")
