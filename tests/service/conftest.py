"""Fixtures of the service tests: a signed synthetic model, settings with their own storage,
fresh databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from service.storage.database import Database
from tests.support import postgres
from tests.support.model_artifacts import publish_model
from tests.support.server import server_client


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
def served(artifact_root: Path) -> Iterator[httpx.Client]:
    """A client of a real server of the test model, one per module: no read key needed, a
    projection up to 5e6 draw-hours answered inline (a larger one is a job)."""
    with server_client(
        artifact_dir=artifact_root, job_threshold_draw_hours=5e6, require_read_key=False
    ) as http:
        yield http


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database: an SQLite file, or a database on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'forecast.sqlite3'}"
        return
    server = postgres.server_url()
    if server is None:
        pytest.skip(postgres.UNAVAILABLE)
    url = postgres.fresh_database(server)
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def database(database_url: str):
    """That database, migrated to the newest schema."""
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()
