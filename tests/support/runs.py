"""Stored runs of a service under test, and result files to damage (not collected)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from fastapi.testclient import TestClient

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service.storage.results import ResultFiles, StoredFile
from tests.support.server import wait_until


def stored_run(client: TestClient, body: dict, *, read_from_file: bool = False) -> tuple[str, Path]:
    """A projection answered inline, once its result file is written: its run id and path.
    ``read_from_file``: its answer is dropped from the memory cache, so the next read goes to
    the file."""
    answer = client.post("/v1/projections", json=body)
    assert answer.status_code == 200, answer.text
    service = client.app.state.service  # type: ignore[attr-defined]
    run_id = answer.headers["x-run-id"]
    run = wait_until(
        lambda: service.runs.get(run_id), lambda run: run.result_file is not None,
        what=f"run {run_id}'s result file",
    )  # fmt: skip
    if read_from_file:
        service.cache.drop(run.result_key)
    return run_id, service.results.directory / run.result_file


def written_result(directory: Path) -> tuple[ResultFiles, StoredFile]:
    """A result file of run ``"a" * 32`` written to ``directory`` (kr-national, 5 draws, annual,
    2030-2031: small and quick), and the files it is in."""
    files = ResultFiles(directory)
    files.prepare()
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(draws=5, resolution="annual", start=dt.date(2030, 1, 1),
                          end=dt.date(2031, 12, 31)),
    )  # fmt: skip
    return files, files.write("a" * 32, dataset)


def flip_bits(data: bytes, seed: int, flips: int) -> bytes:
    """``data`` with ``flips`` bits flipped at places drawn with ``seed``."""
    rng = random.Random(seed)
    damaged = bytearray(data)
    for _ in range(flips):
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return bytes(damaged)


def damage_header(file: Path) -> None:
    """Invert the first 64 bytes of ``file``: HDF5 finds no file signature in it."""
    header = bytearray(file.read_bytes())
    header[:64] = bytes(byte ^ 0xFF for byte in header[:64])
    file.write_bytes(bytes(header))
