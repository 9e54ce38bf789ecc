"""Start the real server (``forecast serve``: uvicorn in a subprocess) on a free loopback port.

Not collected. The server keeps its database and results in a temporary storage directory
unless the environment given names one (``FORECAST_STORAGE_DIR``), so a test can stop a
server, even with SIGKILL, and start another on the same storage. A test waits for a job or
run (:func:`wait_for_status`), or anything else (:func:`wait_until`), with a deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

REPOSITORY = Path(__file__).resolve().parent.parent.parent
#: Draws of a kr-national hourly 2024-2035 job long enough to be cancelled while queued or
#: running: 400 draws took about 1.3 s once the exact quantiles stopped falling back to
#: quickselect below ~500 draws (a job that succeeded before its test could cancel it).
LONG_DRAWS = 3000
#: Names the file whose creation lets a held start-up go on (:mod:`tests.support.held_start`).
HOLD_START_VARIABLE = "FORECAST_TEST_HOLD_START"

#: A write key of the ``served`` fixture's server.
SERVED_WRITER = "served-writer-0001"
#: Settings of the ``served`` fixture's server: the test model, no read key needed, a write key
#: (:data:`SERVED_WRITER`), at most 5000 draws, a projection up to 5e6 draw-hours answered
#: inline (a larger one is a job).
SERVED = {"api_keys": f"write:{SERVED_WRITER}", "job_threshold_draw_hours": 5e6,
          "max_draws": 5_000, "require_read_key": False}  # fmt: skip
#: Settings of the ``jobs_served`` fixture's server: the test model, every projection a job.
JOBS_SERVED = {"job_threshold_draw_hours": 1.0, "max_queued_jobs": 8, "require_read_key": False}

#: Keys of the ``team_served`` fixture's server (saved scenarios): two writers, a reader and two
#: admins. The creator of a saved scenario or an admin may edit it.
WRITER, ALICE, READER = "writer-key-000001", "writer-alice-0001", "reader-key-000001"
ADMIN, BOB = "admin-key-00000001", "writer-bob-000002"
TEAM_KEYS = f"write:{WRITER},write:{ALICE},read:{READER},admin:{ADMIN},admin:{BOB}"

#: A shared server unused this long is stopped as the next test module starts: about what its
#: idle CPU (0.7 s in 30 s) costs against a new start (~5 s of CPU). [s]
IDLE_STOP_SECONDS = 200.0

Seen = TypeVar("Seen")

#: Exit statuses of a server whose port was taken: ``forecast serve``'s own check before it
#: starts (2, "cannot listen there (address already in use)") and uvicorn's bind after it (3).
PORT_TAKEN_STATUSES = (2, 3)
#: Starts tried on fresh ports: another process (a second test run on the host) can take the
#: port between :func:`free_port` and the server's bind; the quick-start check beside CI lost
#: 8 tests to "address already in use" once.
START_ATTEMPTS = 5


class PortTakenError(RuntimeError):
    """The server exited at start-up as it does when its port is taken."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running server process."""

    process: subprocess.Popen
    base: str
    seconds_to_ready: float

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (a crash, an OOM kill)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def start_server(
    env: dict[str, str] | None = None,
    *,
    timeout_s: float = 120.0,
    ready: bool = True,
    hold_start_until: Path | None = None,
    log: Path | None = None,
    args: tuple[str, ...] = (),
) -> Server:
    """Start ``forecast serve`` and wait for ``/readyz`` 200 (or, ``ready=False``, any answer).

    With ``hold_start_until``, the service's start-up waits before compiling the kernels until
    that file exists (:mod:`tests.support.held_start`). With ``log``, the server logs at level
    info (access lines included) into that file instead of warnings to the test's stderr.
    ``args`` are more options of ``forecast serve`` (``--root-path``, say). A start whose port
    was taken meanwhile is tried again on another (:data:`START_ATTEMPTS` in all).
    """
    for _ in range(START_ATTEMPTS - 1):
        try:
            return _start_once(env, timeout_s, ready, hold_start_until, log, args)
        except PortTakenError:
            continue
    return _start_once(env, timeout_s, ready, hold_start_until, log, args)


def _start_once(
    env: dict[str, str] | None,
    timeout_s: float,
    ready: bool,
    hold_start_until: Path | None,
    log: Path | None,
    args: tuple[str, ...],
) -> Server:
    """One start of :func:`start_server` on a free port."""
    port = free_port()
    started = time.perf_counter()
    env = dict(env or {})
    command = "forecast.cli"
    if hold_start_until is not None:
        command = "tests.support.held_start"
        env[HOLD_START_VARIABLE] = str(hold_start_until)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            command,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning" if log is None else "info",
            *args,
        ],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        stderr=None if log is None else log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                if process.returncode in PORT_TAKEN_STATUSES:
                    raise PortTakenError(f"server exited with status {process.returncode}")
                raise RuntimeError(f"server exited with status {process.returncode}")
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"server not ready after {timeout_s} s")
            try:
                status = httpx.get(f"{base}/readyz", timeout=1.0).status_code
                if status == 200 or not ready:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return Server(process, base, time.perf_counter() - started)


@contextmanager
def running_server(
    env: dict[str, str] | None = None,
    *,
    timeout_s: float = 120.0,
    ready: bool = True,
    args: tuple[str, ...] = (),
) -> Iterator[tuple[str, float]]:
    """Yield (base URL, seconds from process start to /readyz 200, or with ``ready=False`` to
    its first answer); stop the server after. ``args``: more options of ``forecast serve``."""
    server, storage = _start_with_storage(env, timeout_s=timeout_s, ready=ready, args=args)
    try:
        yield server.base, server.seconds_to_ready
    finally:
        _stop_and_remove(server, storage)


def _start_with_storage(
    env: dict[str, str] | None,
    *,
    timeout_s: float = 120.0,
    ready: bool = True,
    args: tuple[str, ...] = (),
) -> tuple[Server, str | None]:
    """:func:`start_server` in a temporary storage directory of its own unless ``env`` names
    one (``FORECAST_STORAGE_DIR``): (the server, that temporary directory or None)."""
    env = dict(env or {})
    storage = None
    if "FORECAST_STORAGE_DIR" not in env:
        storage = tempfile.mkdtemp(prefix="forecast-server-")
        env["FORECAST_STORAGE_DIR"] = storage
    try:
        return start_server(env, timeout_s=timeout_s, ready=ready, args=args), storage
    except BaseException:
        if storage is not None:
            shutil.rmtree(storage, ignore_errors=True)
        raise


def _stop_and_remove(server: Server, storage: str | None) -> None:
    server.stop()
    if storage is not None:
        shutil.rmtree(storage, ignore_errors=True)


@contextmanager
def server_client(
    *,
    timeout_s: float = 300.0,
    ready: bool = True,
    args: tuple[str, ...] = (),
    **settings: object,
) -> Iterator[httpx.Client]:
    """A client of a real server (:func:`running_server`) with the server's base URL, each
    request's timeout ``timeout_s`` [s]; ``settings`` name fields of
    :class:`service.settings.Settings`, given to the server as its ``FORECAST_*`` variables
    (a None is left out: the setting's default). A test's calls read as they would
    in-process: ``make_settings(draws=...)`` and FastAPI's ``TestClient`` become
    ``server_client(draws=...)``, ``client.post("/v1/...")`` stays. With ``ready=False`` the
    client comes once the server answers at all (a model refused: ``/readyz`` 503); ``args``
    are more options of ``forecast serve`` (``--root-path``)."""
    with (
        running_server(settings_environment(settings), ready=ready, args=args) as (base, _),
        httpx.Client(base_url=base, timeout=timeout_s) as http,
    ):
        yield http


def settings_environment(settings: dict[str, object]) -> dict[str, str]:
    """``settings`` (fields of :class:`service.settings.Settings`) as the server's
    ``FORECAST_*`` variables; a None value is left out."""
    return {
        f"FORECAST_{name.upper()}": _variable(value)
        for name, value in settings.items()
        if value is not None
    }


def _variable(value: object) -> str:
    """``value`` as an environment variable's text (``true``/``false`` for booleans)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


class SharedServers:
    """Real servers shared by the tests of one pytest process (one xdist worker): one per set
    of settings, started when a test first asks for it and stopped by :meth:`close`.

    A server's start costs about 5 s of CPU (the service's imports, the model, the kernels
    from numba's cache), more than most tests that talk to it; modules that ask for the same
    settings share one. The key is the whole environment the server would start with: the
    settings asked for and every ``FORECAST_*`` variable of this process at that moment
    (``FORECAST_DATA_DIR`` a test set, say), but not ``FORECAST_STORAGE_DIR``: each server
    keeps its database and results in a temporary directory of its own, unless the settings
    name a ``storage_dir`` or a ``database_url``. A shared server's state outlives the test:
    tests keep apart by their own names (saved scenarios, seeds), and one that changes the
    server (a model reload, a kill) or must see it fresh starts its own
    (:func:`server_client`).

    An idle server is not free: about 0.7 s of CPU in 30 s (measured 2026-12-07), so one kept
    for a whole session cost more than starting it again. :meth:`stop_idle`, called as each
    test module starts, stops those no module has used for :data:`IDLE_STOP_SECONDS`.
    """

    def __init__(self) -> None:
        self._started: dict[tuple[tuple[str, str], ...], tuple[Server, str | None]] = {}
        self._clients: dict[tuple[str, float], httpx.Client] = {}
        #: When each server was last asked for or its module ended. [s, time.monotonic]
        self._used: dict[tuple[tuple[str, str], ...], float] = {}
        self._in_module: set[tuple[tuple[str, str], ...]] = set()

    def base(self, **settings: object) -> str:
        """The base URL (``http://127.0.0.1:<port>``) of the server with these settings."""
        return self._server(settings).base

    def client(self, *, timeout_s: float = 300.0, **settings: object) -> httpx.Client:
        """A client of the server with these settings (:meth:`base`), each request's timeout
        ``timeout_s`` [s]: one per server and timeout, closed with its server."""
        server = self._server(settings)
        key = (server.base, timeout_s)
        if key not in self._clients:
            self._clients[key] = httpx.Client(base_url=server.base, timeout=timeout_s)
        return self._clients[key]

    def _server(self, settings: dict[str, object]) -> Server:
        env = settings_environment(settings)
        key = tuple(sorted({**_inherited_environment(), **env}.items()))
        if key not in self._started:
            self._started[key] = _start_with_storage(env)
        self._used[key] = time.monotonic()
        self._in_module.add(key)
        server, _storage = self._started[key]
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the shared server with {dict(key)} exited with status "
                f"{server.process.returncode}: a test that stops a server starts its own"
            )
        return server

    def module_ended(self) -> None:
        """The servers asked for since the last call were used until now."""
        now = time.monotonic()
        for key in self._in_module & self._started.keys():
            self._used[key] = now
        self._in_module.clear()

    def stop_idle(self, idle_seconds: float = IDLE_STOP_SECONDS) -> None:
        """Stop the servers unused for ``idle_seconds`` [s]: a later ask starts one again."""
        now = time.monotonic()
        self._stop([key for key in self._started if now - self._used[key] > idle_seconds])

    def stop_using(self, database_url: str) -> None:
        """Stop the servers whose store is ``database_url`` (before it is dropped)."""
        self._stop([key for key in self._started if ("FORECAST_DATABASE_URL", database_url) in key])

    def close(self) -> None:
        """Close the clients, stop every server and remove their temporary storage."""
        self._stop(list(self._started))

    def _stop(self, keys: list[tuple[tuple[str, str], ...]]) -> None:
        """Stop these servers, close their clients and remove their temporary storage."""
        for key in keys:
            server, storage = self._started.pop(key)
            for client_key in [each for each in self._clients if each[0] == server.base]:
                self._clients.pop(client_key).close()
            _stop_and_remove(server, storage)


def _inherited_environment() -> dict[str, str]:
    """The ``FORECAST_*`` variables a server started now inherits, its storage left out."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.startswith("FORECAST_") and name != "FORECAST_STORAGE_DIR"
    }


def wait_until(
    probe: Callable[[], Seen],
    done: Callable[[Seen], bool],
    *,
    what: str,
    timeout_s: float = 300,
    interval_s: float = 0.1,
) -> Seen:
    """Call ``probe`` every ``interval_s`` until ``done`` holds for what it returns; that.

    The wait has a deadline, not a count of tries (a count waits longer or shorter as the
    machine is loaded): once ``timeout_s`` have passed without ``done`` holding, it raises
    ``AssertionError`` naming ``what`` was awaited and the last value seen. ``probe`` is
    called at least once.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        seen = probe()
        if done(seen):
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout_s} s for {what}; last seen: {seen!r}")
        time.sleep(interval_s)


def wait_for_status(
    http: httpx.Client, path: str, statuses: set[str], timeout_s: float = 300
) -> dict:
    """Poll the job or run at ``path`` until its ``status`` is one of ``statuses``; its JSON.
    ``http`` may be a :class:`fastapi.testclient.TestClient` (an ``httpx.Client``). Past
    ``timeout_s`` it raises ``AssertionError`` with the last status and JSON seen; at once
    where ``path`` answers without a ``status`` (a 404, an error's ``detail``), naming the
    path, the HTTP status and the body (it stopped with a bare ``KeyError: 'status'``)."""
    return wait_until(
        lambda: _job_at(http, path), lambda job: job["status"] in statuses,
        what=f"{path} with a status in {sorted(statuses)}", timeout_s=timeout_s,
    )  # fmt: skip


def started(http: httpx.Client, timeout_s: float = 300) -> httpx.Response:
    """``/readyz`` once the server's start-up has ended (``starting`` false), ready or not: a
    server started with ``ready=False`` answers 503 "starting" before it has tried its model."""
    return wait_until(
        lambda: http.get("/readyz"), lambda answer: not answer.json()["starting"],
        what="/readyz with starting false", timeout_s=timeout_s,
    )  # fmt: skip


def _job_at(http: httpx.Client, path: str) -> dict:
    """The JSON object ``path`` answers, which holds a ``status``.

    Raises
    ------
    AssertionError
        The answer is no JSON object with a ``status``: the path, the HTTP status and the
        body (its first 500 characters) are in the message."""
    response = http.get(path)
    try:
        job = response.json()
    except ValueError:
        job = None
    if not isinstance(job, dict) or "status" not in job:
        raise AssertionError(
            f"{path} answered HTTP {response.status_code} without a status: {response.text[:500]!r}"
        )
    return job


def stored_job_result(
    client: Any, params: dict[str, str], body: dict[str, Any]
) -> tuple[Any, str, Any]:
    """POST ``body`` with ``params`` as a job, check that its 202's ``result_url`` asks for the
    same query, wait until it succeeds and GET that URL: (the 202, its URL, the stored answer)."""
    accepted = client.post("/v1/projections", params=params, json=body)
    assert accepted.status_code == 202, accepted.text
    url = accepted.json()["result_url"]
    assert url.endswith("?" + "&".join(f"{key}={value}" for key, value in params.items()))
    wait_for_status(client, accepted.headers["location"], {"succeeded"})
    stored = client.get(url)
    assert stored.status_code == 200, stored.text
    return accepted, url, stored
