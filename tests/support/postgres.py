"""A real PostgreSQL server for the storage tests (not collected).

:func:`server_url` gives the URL of a PostgreSQL server the tests may create databases on:

1. ``FORECAST_TEST_POSTGRES_URL`` when set (``.ci/run`` sets it to the server it started);
2. else a throwaway cluster started here with Debian's ``postgresql`` binaries
   (``/usr/lib/postgresql/<version>/bin``): ``initdb`` in a temporary directory, run as the
   ``postgres`` user when the tests run as root, listening on a free loopback port, stopped
   when the test session ends;
3. else None, and the PostgreSQL tests skip with :data:`UNAVAILABLE` as the reason.

Each test gets a database of its own (:func:`fresh_database`), dropped afterwards.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support.server import free_port

UNAVAILABLE = (
    "no PostgreSQL server: set FORECAST_TEST_POSTGRES_URL, or install Debian's postgresql "
    "package (apt-get install -y postgresql) for the tests to start one"
)


def _binaries() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@cache
def server_url() -> str | None:
    """URL of a PostgreSQL server (``postgresql://user@host:port/postgres``), or None."""
    configured = os.environ.get("FORECAST_TEST_POSTGRES_URL")
    if configured:
        return configured
    binaries = _binaries()
    if binaries is None:
        return None
    owner = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None
        owner = "postgres"
    directory = Path(tempfile.mkdtemp(prefix="forecast-postgres-"))
    if owner:
        shutil.chown(directory, owner)
    data, socket_dir, log = directory / "data", directory, directory / "log"
    port = free_port()
    try:
        subprocess.run(
            _as_owner(
                [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
                owner,
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            _as_owner(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-o",
                    f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ],
                owner,
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError):
        shutil.rmtree(directory, ignore_errors=True)
        return None

    def stop() -> None:
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], owner),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(directory, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def fresh_database(url: str) -> str:
    """Create an empty database on the server at ``url``; return its SQLAlchemy URL."""
    name = f"forecast_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by :func:`fresh_database` (closing its connections)."""
    parsed = make_url(url)
    admin = parsed.set(database="postgres")
    with psycopg.connect(
        _admin_dsn(admin.render_as_string(hide_password=False)), autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh database (:func:`fresh_database`) on :func:`server_url`'s server, dropped
    after; without a server the test skips, saying why (:data:`UNAVAILABLE`)."""
    server = server_url()
    if server is None:
        pytest.skip(UNAVAILABLE)
    url = fresh_database(server)
    try:
        yield url
    finally:
        drop_database(url)
