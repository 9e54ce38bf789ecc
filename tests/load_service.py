"""Load test of the real server on loopback (a script, not a pytest test).

Run from the repository root, with the interpreter of the environment the project is
installed in (the server is started with the same one, ``sys.executable``)::

    python tests/load_service.py [--requests 2000] [--concurrency 32]

It starts ``forecast serve`` on a free loopback port with the environment's ``FORECAST_*``
settings and a fresh storage directory (SQLite database and result files, so every
computation is recorded as a run and written to its file), and prints, as a table: seconds
from process start to ``/readyz`` 200; p50/p99 latency and requests/s at the given
concurrency for a cached projection (the same POST repeated: answered from memory), for the
same result revalidated with ``If-None-Match`` (``GET /v1/runs/{id}/result`` -> 304: the run
is looked up in the database on every request), and for uncached projections (a new seed each
time: computed, recorded and written); and, one request at a time and each with a new seed
(uncached), the latency of the Korean national case (kr-national, 1,000 draws, hourly,
2024-2035) and of the dashboard's request (kr-national, 200 draws, monthly, 2024-2035, with
the baseline). Targets on a 2-core machine: ready <= 10 s with a warm numba cache, cached p99
<= 50 ms and >= 300 requests/s, national case <= 1 s, dashboard request <= 0.3 s. The client
runs on the same machine and shares its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.server import running_server

CACHED = {"scenario_id": "kr-national", "draws": 200, "resolution": "annual"}
UNCACHED = {
    "scenario_id": "kr-national",
    "draws": 100,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-12-31",
}
NATIONAL = {
    "scenario_id": "kr-national",
    "draws": 1000,
    "resolution": "hourly",
    "start": "2024-01-01",
    "end": "2035-12-31",
}
#: What the dashboard posts by default (service/web/form.js): the scenario's whole horizon.
DASHBOARD = {"scenario_id": "kr-national", "draws": 200, "resolution": "monthly"}


def _post(host: str, port: int, body: dict) -> bytes:
    payload = json.dumps(body).encode()
    return (
        f"POST /v1/projections HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


def _get(host: str, port: int, path: str, etag: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nIf-None-Match: {etag}\r\n\r\n".encode()


async def _client(host: str, port: int, requests, expected: int, latencies: list[float]) -> None:
    """One keep-alive HTTP/1.1 connection sending requests until none are left."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
            lengths = [value for name, value in fields.items() if name.lower() == b"content-length"]
            content = await reader.readexactly(int(lengths[0])) if lengths else b""
            latencies.append(time.perf_counter() - started)
            status = int(head.split(b" ", 2)[1])
            if status != expected:
                raise RuntimeError(f"{status}: {content[:300]!r}")
    finally:
        writer.close()


def _measure(
    base: str, requests, total: int, concurrency: int, expected: int = 200
) -> tuple[np.ndarray, float]:
    """Latencies [s] and requests/s of ``total`` requests from ``concurrency`` keep-alive
    clients.

    The clients are asyncio connections in one thread (uvloop's event loop, which uvicorn
    installs too). The client shares the machine's 2 cores with the server, so it has to be
    light: 32 ``http.client`` connections in threads, this script's earlier client, topped
    out at about 1,700 requests/s against a bare ASGI app returning the same 70 kB, where
    this one reaches about 7,500 (both measured 2026-11-23 on the development machine).
    """
    pending = iter(list(itertools.islice(requests, total)))
    latencies: list[float] = []

    async def run() -> float:
        host, port = base.removeprefix("http://").split(":")
        started = time.perf_counter()
        clients = [
            _client(host, int(port), pending, expected, latencies) for _ in range(concurrency)
        ]
        await asyncio.gather(*clients)
        return time.perf_counter() - started

    elapsed = uvloop.run(run())
    return np.array(latencies), len(latencies) / elapsed


def _one_at_a_time(client: httpx.Client, body: dict, repeats: int, first_seed: int):
    """Latencies [s] of ``repeats`` requests of ``body``, one at a time, each with a new seed
    (so none is answered from a cache), and the size of the last answer [MB]."""
    latencies = []
    for seed in range(first_seed, first_seed + repeats):
        started = time.perf_counter()
        response = client.post("/v1/projections", json={**body, "seed": seed})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return np.array(latencies), len(response.content) / 1e6


def _row(name: str, latencies: np.ndarray, rate: float, target: str) -> str:
    p50, p99 = np.percentile(latencies, [50, 99]) * 1e3
    return f"{name:<34}{len(latencies):>7}{p50:>10.1f}{p99:>10.1f}{rate:>10.1f}   {target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="cached requests")
    parser.add_argument("--uncached-requests", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--national-repeats", type=int, default=5)
    parser.add_argument("--dashboard-requests", type=int, default=20)
    arguments = parser.parse_args()

    with running_server() as (base, ready_seconds):
        host, port = base.removeprefix("http://").split(":")
        with httpx.Client(base_url=base, timeout=600) as client:
            filled = client.post("/v1/projections", json=CACHED)  # fill the cache
            filled.raise_for_status()
            location = filled.headers["content-location"]
            etag = filled.headers["etag"]
            national, size_mb = _one_at_a_time(client, NATIONAL, arguments.national_repeats, 1000)
            dashboard, dashboard_mb = _one_at_a_time(
                client, DASHBOARD, arguments.dashboard_requests, 2000
            )
            # Result files are written after the answer: let them be, so that the cached
            # measurement is of cached answers, not of answers next to a file being written.
            while client.get("/v1/runs", params={"status": "running"}).json()["total"]:
                time.sleep(0.1)
        cached = _measure(
            base,
            itertools.repeat(_post(host, int(port), CACHED)),
            arguments.requests,
            arguments.concurrency,
        )
        revalidated = _measure(
            base,
            itertools.repeat(_get(host, int(port), location, etag)),
            arguments.requests,
            arguments.concurrency,
            expected=304,
        )
        uncached = _measure(
            base,
            (_post(host, int(port), {**UNCACHED, "seed": seed}) for seed in itertools.count(1)),
            arguments.uncached_requests,
            arguments.concurrency,
        )

    print(f"{'measure':<34}{'n':>7}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}   target")
    print(
        f"{'process start -> /readyz 200':<34}{1:>7}{ready_seconds * 1e3:>10.0f}"
        f"{'':>10}{'':>10}   <= 10 s (warm numba cache)"
    )
    print(
        _row(
            f"cached c={arguments.concurrency} (200 dr, annual)",
            *cached,
            "p99 <= 50 ms, >= 300 req/s",
        )
    )
    print(
        _row(
            f"304 c={arguments.concurrency} (If-None-Match)",
            *revalidated,
            "p99 <= 50 ms, >= 300 req/s",
        )
    )
    print(_row(f"uncached c={arguments.concurrency} (100 dr, 1 y ann.)", *uncached, "-"))
    print(
        _row(
            "kr-national 1000 dr hourly 2024-35",
            national,
            1 / np.mean(national),
            f"<= 1 s (uncached, one at a time; JSON {size_mb:.0f} MB)",
        )
    )
    print(
        _row(
            "dashboard 200 dr monthly 2024-35",
            dashboard,
            1 / np.mean(dashboard),
            f"<= 0.3 s (uncached, one at a time; JSON {dashboard_mb:.1f} MB)",
        )
    )


if __name__ == "__main__":
    main()
