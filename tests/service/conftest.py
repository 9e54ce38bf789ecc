"""Fixtures of the service tests: a signed synthetic model, settings with their own storage,
fresh databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from service.storage.database import Database
from tests.support import postgres
from tests.support.model_artifacts import publish_model
from tests.support.server import JOBS_SERVED, SERVED, TEAM_KEYS, SharedServers


@pytest.fixture(scope="session")
def artifact_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifact root with the synthetic model kpx-test@v1, promoted."""
    root = tmp_path_factory.mktemp("artifacts")
    publish_model(root, "v1")
    return root


@pytest.fixture(scope="session")
def make_settings(
    tmp_path_factory: pytest.TempPathFactory, artifact_root: Path
) -> Callable[..., Settings]:
    """Settings with a fresh storage directory (database and results) and the test model."""

    def make(**fields) -> Settings:
        fields.setdefault("artifact_dir", artifact_root)
        fields.setdefault("storage_dir", tmp_path_factory.mktemp("storage"))
        return Settings(**fields)

    return make


@pytest.fixture(scope="module")
def served(shared_servers: SharedServers, artifact_root: Path) -> httpx.Client:
    """A client of the shared real server of the test model (:data:`SERVED`)."""
    return shared_servers.client(artifact_dir=artifact_root, **SERVED)


@pytest.fixture(scope="module")
def jobs_served(shared_servers: SharedServers, artifact_root: Path) -> httpx.Client:
    """A client of the shared real server of the test model where every projection is a job
    (:data:`JOBS_SERVED`)."""
    return shared_servers.client(artifact_dir=artifact_root, **JOBS_SERVED)


@pytest.fixture
def team_served(
    shared_servers: SharedServers, artifact_root: Path, store_url: str | None
) -> httpx.Client:
    """A client of the shared real server of the test model that keeps saved scenarios on
    ``store_url`` (SQLite, PostgreSQL), with :data:`TEAM_KEYS` and no read key needed. A
    test names its scenarios with :func:`scenario_id`: the store outlives it."""
    return shared_servers.client(
        artifact_dir=artifact_root, api_keys=TEAM_KEYS, database_url=store_url,
        require_read_key=False,
    )  # fmt: skip


@pytest.fixture
def scenario_id() -> Callable[[str], str]:
    """``name`` made this test's own: ``<name>-<8 hex digits>``, one suffix per test (a valid
    scenario id of at most 64 characters for a name of at most 55)."""
    suffix = uuid.uuid4().hex[:8]
    return lambda name: f"{name}-{suffix}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, shared_servers: SharedServers
) -> Iterator[str | None]:
    """The store of a shared server: None (its own SQLite file) or a database made for this
    session on a real PostgreSQL server, dropped at its end. Tests on a shared store keep
    apart by their own names (saved scenarios), not by a fresh database each."""
    if request.param == "sqlite":
        yield None
        return
    with postgres.scratch_database() as url:
        try:
            yield url
        finally:
            shared_servers.stop_using(url)  # before the database is dropped


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database: an SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'forecast.sqlite3'}"
        return
    with postgres.scratch_database() as url:
        yield url


@pytest.fixture
def database(database_url: str):
    """That database, migrated to the newest schema."""
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()
