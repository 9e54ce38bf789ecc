"""Abuse the real server as an attacker or a heavy user would (a script, not a test).

Run from the repository root::

    python tests/abuse_service.py [--only projections,baseline,...] [--memory-budget-gb 4]

It starts ``forecast serve`` on a free loopback port (it never talks to another host), with a
fresh storage directory and the shipped model, and reproduces the floods of the outside
review one after the other, each bounded in requests and time:

``projections``  160 concurrent uncached projections (kr-national, 1,000 draws, monthly)
``baseline``     40 concurrent one-year baseline forecasts, 1,141 draws, 99 quantiles
``cache``        six 30-year hourly results, each asked for as JSON, CSV and NetCDF at once
``renders``      4 concurrent CSV renders of one cached 30-year hourly result
``identical``    20 identical concurrent projections (must compute once)
``bodies``       64 concurrent 1 MB request bodies
``slow``         300 connections sending their request head a byte at a time, 30 slow bodies
``inputs``       every input of the review's 500 list

While a flood runs, a probe asks ``/healthz`` every 50 ms on its own connection and a sampler
reads the server's resident memory every 20 ms. It prints, per flood and in all: answers by
status, ``/healthz`` p99 and max latency, peak RSS, and the count of 5xx answers other than
the deliberate 503 refusals (which carry ``Retry-After``). Targets: ``/healthz`` max <= 0.5 s
under every flood, no 5xx but deliberate 503s, peak RSS within the memory budget, every
request beyond capacity refused with 503 or 429, and every job queued (202) ended within 10
minutes of being followed. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import multiprocessing
import os
import select
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from service.storage.runs import ENDED
from tests.support.server import start_server

HEALTH_TARGET_S = 0.5
#: How long the slow clients wait for the server to close them (its timeout is 2 s here). [s]
CLOSE_WAIT_S = 10.0
PROBE_INTERVAL_S = 0.05
RSS_INTERVAL_S = 0.02
REQUEST_TIMEOUT_S = 300.0
#: How long a queued job is followed to its end before it is noted as not ended. [s]
JOB_WAIT_S = 600.0
#: How the note of such a job begins.
UNENDED = "job not ended within"
FLOODS = ("projections", "baseline", "cache", "renders", "identical", "bodies", "slow", "inputs")


@dataclass
class Outcome:
    """What one flood did."""

    name: str
    statuses: collections.Counter = field(default_factory=collections.Counter)
    health_s: list[float] = field(default_factory=list)
    peak_rss: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        """5xx answers that are not the deliberate 503 refusal."""
        return sum(count for status, count in self.statuses.items() if _is_error(status))


def _is_error(status: int | str) -> bool:
    return isinstance(status, int) and status >= 500 and status != 503


def _rss(pid: int) -> int:
    """Resident memory of the process and its children [bytes]."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def _watch(base: str, pid: int, stop, results) -> None:
    """In a process of its own (the flood's client must not slow the probe): ask /healthz
    every PROBE_INTERVAL_S and read the server's RSS every RSS_INTERVAL_S until ``stop``."""
    health: list[float] = []
    peak = 0
    next_probe = 0.0
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            now = time.perf_counter()
            peak = max(peak, _rss(pid))
            if now >= next_probe:
                try:
                    ok = client.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - now
                health.append(elapsed if ok else float("inf"))
                next_probe = now + PROBE_INTERVAL_S
                peak = max(peak, _rss(pid))
            stop.wait(RSS_INTERVAL_S)
    results.put((health, peak))


class Watch:
    """Probes /healthz and samples the server's RSS from another process while a flood runs."""

    def __init__(self, base: str, pid: int) -> None:
        self.base, self.pid = base, pid
        self.health_s: list[float] = []
        self.peak_rss = 0

    def __enter__(self) -> Watch:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=_watch, args=(self.base, self.pid, self._stop, self._results)
        )
        self._process.start()
        time.sleep(1.0)  # the probe is up and has a connection before the flood starts
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self.health_s, self.peak_rss = self._results.get(timeout=60)
        self._process.join(timeout=60)


async def _many(base: str, requests: list[tuple[str, str, dict]], outcome: Outcome) -> list:
    """Send every request at once; count statuses; return the responses (or errors)."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        async def one(method: str, path: str, options: dict):
            try:
                response = await client.request(method, path, **options)
            except httpx.HTTPError as error:
                outcome.statuses[_error_status(error, options)] += 1
                return error
            outcome.statuses[response.status_code] += 1
            if response.status_code in (429, 503) and "retry-after" not in response.headers:
                outcome.notes.append(f"{response.status_code} without Retry-After")
            return response

        return await asyncio.gather(*(one(*request) for request in requests))


#: What a connection error while a body is still being sent means: the server answered (429
#: from the headers) and closed before reading the body, a refusal the client never sees.
CLOSED_WHILE_SENDING = "closed while sending (refused before the body was read)"


def _error_status(error: httpx.HTTPError, options: dict) -> str:
    """The table's name for a request that got no response: the server closing a connection
    while a body is sent (``ReadError``, ``WriteError``, ``RemoteProtocolError``) is counted
    as :data:`CLOSED_WHILE_SENDING`, not as an unnamed error; anything else by its type."""
    sending = "content" in options or "json" in options
    closed = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
    if sending and isinstance(error, closed):
        return f"{type(error).__name__}: {CLOSED_WHILE_SENDING}"
    return type(error).__name__


def _post(path: str, body: dict, **options) -> tuple[str, str, dict]:
    return ("POST", path, {"json": body, **options})


async def _wait_jobs(base: str, responses: list, outcome: Outcome) -> None:
    """Follow 202 answers to their job's end (every status the service says ended:
    :data:`service.storage.runs.ENDED`, cancelled too), one after the other, each for
    :data:`JOB_WAIT_S` at most: a job still unfinished then is counted under its last status
    and noted (a missed target), not left out."""
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        for response in responses:
            if isinstance(response, httpx.Response) and response.status_code == 202:
                location = response.headers["location"]
                deadline = time.monotonic() + JOB_WAIT_S
                while True:
                    job = (await client.get(location)).json()
                    if job["status"] in ENDED:
                        outcome.statuses[f"job {job['status']}"] += 1
                        break
                    if time.monotonic() >= deadline:
                        outcome.statuses[f"job still {job['status']}"] += 1
                        outcome.notes.append(
                            f"{UNENDED} {JOB_WAIT_S:.0f} s: {location} still {job['status']}"
                        )
                        break
                    await asyncio.sleep(0.1)


def flood_projections(base: str, outcome: Outcome) -> None:
    body = {"scenario_id": "kr-national", "draws": 1000, "resolution": "monthly"}
    requests = [_post("/v1/projections", {**body, "seed": seed}) for seed in range(160)]
    responses = asyncio.run(_many(base, requests, outcome))
    asyncio.run(_wait_jobs(base, responses, outcome))


def flood_baseline(base: str, outcome: Outcome) -> None:
    body = {
        "start": "2030-01-01",
        "end": "2030-12-31",
        "draws": 1141,
        "quantiles": [round(i / 100, 2) for i in range(1, 100)],
    }
    requests = [_post("/v1/baseline", {**body, "seed": seed}) for seed in range(40)]
    asyncio.run(_many(base, requests, outcome))


THIRTY_YEARS = {
    "scenario_id": "kr-national",
    "draws": 100,
    "resolution": "hourly",
    "start": "2026-01-01",
    "end": "2055-12-31",
}


def flood_cache(base: str, outcome: Outcome) -> None:
    computed = asyncio.run(
        _many(
            base, [_post("/v1/projections", {**THIRTY_YEARS, "seed": s}) for s in range(6)], outcome
        )
    )
    asyncio.run(_wait_jobs(base, computed, outcome))
    requests = [
        _post(f"/v1/projections?format={file_format}", {**THIRTY_YEARS, "seed": seed})
        for seed in range(6)
        for file_format in ("json", "csv", "netcdf")
    ]
    asyncio.run(_many(base, requests, outcome))


def flood_renders(base: str, outcome: Outcome) -> None:
    body = {**THIRTY_YEARS, "seed": 99}
    asyncio.run(_many(base, [_post("/v1/projections", body)], outcome))
    asyncio.run(_many(base, [_post("/v1/projections?format=csv", body)] * 4, outcome))


def flood_identical(base: str, outcome: Outcome) -> None:
    body = {"scenario_id": "kr-national", "draws": 1000, "resolution": "monthly", "seed": 31337}
    before = httpx.get(f"{base}/v1/runs", params={"limit": 1}).json()["total"]
    asyncio.run(_many(base, [_post("/v1/projections", body)] * 20, outcome))
    computed = httpx.get(f"{base}/v1/runs", params={"limit": 1}).json()["total"] - before
    outcome.notes.append(f"computations for 20 identical requests: {computed}")
    if computed != 1:
        outcome.statuses["identical requests computed more than once"] += 1


def flood_bodies(base: str, outcome: Outcome) -> None:
    # A 1 MB JSON body of small objects (the costliest to parse), as a scenario's tags.
    items = ",".join(['{"a":1}'] * 120_000)  # 960 kB, under the 1 MB limit
    body = ('{"scenario_id":"kr-national","overrides":{"tags":[' + items + "]}}").encode()
    requests = [
        (
            "POST",
            "/v1/projections",
            {"content": body, "headers": {"content-type": "application/json"}},
        )
        for _ in range(64)
    ]
    asyncio.run(_many(base, requests, outcome))


def flood_slow(base: str, outcome: Outcome) -> None:
    host, port = base.removeprefix("http://").split(":")
    head = b"GET /v1/scenarios HTTP/1.1\r\nHost: x\r\nX-Slow: "
    connections = []
    for _ in range(300):
        connection = socket.create_connection((host, int(port)), timeout=60)
        connection.setblocking(False)
        connections.append(connection)
    bodies = []
    for _ in range(30):
        connection = socket.create_connection((host, int(port)), timeout=60)
        connection.sendall(
            b"POST /v1/projections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        bodies.append(connection)
    deadline = time.monotonic() + 4.0
    position = 0
    while time.monotonic() < deadline:  # a byte every 0.2 s per connection: never done
        for connection in connections:
            with contextlib.suppress(OSError):  # the server may have closed it already
                connection.send(head[position % len(head) : position % len(head) + 1])
        position += 1
        time.sleep(0.2)
    # Every connection the server closes within its client timeout and some margin.
    still_open = {connection.fileno(): connection for connection in [*connections, *bodies]}
    for connection in still_open.values():
        connection.setblocking(False)
    deadline = time.monotonic() + CLOSE_WAIT_S
    while still_open and time.monotonic() < deadline:
        readable, _, _ = select.select(list(still_open.values()), [], [], 0.5)
        for connection in readable:
            try:
                if connection.recv(65536):
                    continue  # an answer (408); the close follows
            except BlockingIOError:
                continue
            except OSError:
                pass
            del still_open[connection.fileno()]
            connection.close()
    closed = len(connections) + len(bodies) - len(still_open)
    for connection in still_open.values():
        connection.close()
    if still_open:
        outcome.notes.append(f"not closed: {len(still_open)} slow connections left open")
    outcome.notes.append(
        f"slow connections closed by the server: {closed} of {len(connections) + len(bodies)}"
    )
    asyncio.run(_many(base, [("GET", "/v1/scenarios", {})], outcome))


def flood_inputs(base: str, outcome: Outcome) -> None:
    shipped = httpx.get(f"{base}/v1/scenarios/kr-national").json()["scenario"]
    period = {"draws": 10, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}
    bodies = [
        *[
            {"scenario": {**shipped, "timezone": zone}, **period}
            for zone in ("America/Havana", "America/Santiago", "Asia/Beirut")
        ],
        {"scenario_id": "kr-national", "overrides": {"timezone": "America/Havana"}, **period},
        {
            "scenario": {**shipped, "horizon": {"start": "9999-01-01", "end": "9999-12-31"}},
            "draws": 10,
        },
        {
            "scenario": {**shipped, "horizon": {"start": "0001-01-01", "end": "0001-12-31"}},
            "draws": 10,
        },
        {"scenario_id": "kr-national", "draws": True},
        {"scenario_id": "kr-national", "include_baseline": 0},
    ]
    requests = [_post("/v1/projections", body) for body in bodies]
    requests.append(
        _post(
            "/v1/projections?format=netcdf", {"scenario": {**shipped, "title": "a\x00b"}, **period}
        )
    )
    responses = asyncio.run(_many(base, requests, outcome))
    for response in responses:
        if isinstance(response, httpx.Response) and not 400 <= response.status_code < 500:
            outcome.notes.append(f"not a 4xx: {response.status_code} {response.text[:120]}")


def _summary(outcome: Outcome) -> str:
    latencies = np.array([s for s in outcome.health_s if np.isfinite(s)] or [np.nan])
    failed_probes = sum(1 for s in outcome.health_s if not np.isfinite(s))
    p99, worst = np.nanpercentile(latencies, 99) * 1e3, np.nanmax(latencies) * 1e3
    statuses = ", ".join(
        f"{status}: {count}" for status, count in sorted(outcome.statuses.items(), key=str)
    )
    line = (
        f"{outcome.name:<12}{outcome.seconds:>7.1f}{len(outcome.health_s):>7}{p99:>9.0f}"
        f"{worst:>9.0f}{failed_probes:>7}{outcome.peak_rss / 1e9:>9.2f}{outcome.server_errors:>6}"
        f"   {statuses}"
    )
    return "\n".join([line, *(f"{'':<12}  note: {note}" for note in outcome.notes)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(FLOODS), help="floods to run, comma-separated")
    parser.add_argument(
        "--memory-budget-gb", type=float, default=4.0, help="FORECAST_MEMORY_BUDGET_BYTES"
    )
    arguments = parser.parse_args()
    chosen = [name for name in arguments.only.split(",") if name]
    unknown = sorted(set(chosen) - set(FLOODS))
    if unknown:
        parser.error(f"--only: unknown floods {unknown}; allowed: {', '.join(FLOODS)}")
    budget = int(arguments.memory_budget_gb * 1e9)
    storage = tempfile.mkdtemp(prefix="forecast-abuse-")
    env = {
        "FORECAST_STORAGE_DIR": storage,
        "FORECAST_MEMORY_BUDGET_BYTES": str(budget),
        "FORECAST_CLIENT_TIMEOUT_SECONDS": "2",
    }
    os.environ.pop("FORECAST_ARTIFACT_DIR", None)  # the shipped, signed model
    server = start_server(env)
    outcomes = []
    try:
        started_rss = _rss(server.process.pid)
        print(
            f"server ready in {server.seconds_to_ready:.1f} s, RSS {started_rss / 1e9:.2f} GB, "
            f"memory budget {budget / 1e9:.2f} GB"
        )
        print(
            f"{'flood':<12}{'s':>7}{'probes':>7}{'p99 ms':>9}{'max ms':>9}{'lost':>7}"
            f"{'RSS GB':>9}{'5xx':>6}   answers by status"
        )
        for name in chosen:
            outcome = Outcome(name)
            started = time.perf_counter()
            with Watch(server.base, server.process.pid) as watch:
                globals()[f"flood_{name}"](server.base, outcome)
            outcome.seconds = time.perf_counter() - started
            outcome.health_s, outcome.peak_rss = watch.health_s, watch.peak_rss
            outcomes.append(outcome)
            print(_summary(outcome), flush=True)
    finally:
        server.stop()
        shutil.rmtree(storage, ignore_errors=True)
    every = [s for outcome in outcomes for s in outcome.health_s]
    finite = np.array([s for s in every if np.isfinite(s)])
    worst = max(every) if every else 0.0
    peak = max(outcome.peak_rss for outcome in outcomes)
    errors = sum(outcome.server_errors for outcome in outcomes)
    notes = [
        note
        for outcome in outcomes
        for note in outcome.notes
        if note.startswith(("not a 4xx", "429 without", "503 without", "not closed"))
    ]
    unended = [note for outcome in outcomes for note in outcome.notes if note.startswith(UNENDED)]
    print()
    print(
        f"/healthz over all floods: {len(every)} probes, "
        f"p99 {np.percentile(finite, 99) * 1e3:.0f} ms, max {worst * 1e3:.0f} ms "
        f"(target <= {HEALTH_TARGET_S * 1e3:.0f} ms)"
    )
    print(f"peak RSS {peak / 1e9:.2f} GB (budget {budget / 1e9:.2f} GB)")
    print(f"5xx other than deliberate 503 refusals: {errors}")
    missed = [
        target
        for target, ok in (
            ("healthz max", worst <= HEALTH_TARGET_S),
            ("peak RSS", peak <= budget),
            ("no 5xx", errors == 0),
            ("refusals, inputs and slow clients", not notes),
            ("queued jobs ended", not unended),
        )
        if not ok
    ]
    print("targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
