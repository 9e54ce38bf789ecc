"""Stepping a database through its Alembic migrations, for the migration tests (not
collected)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from service.storage.database import MIGRATIONS, Database
from service.storage.tables import Base


def migrate(database: Database, target: str, *, down: bool = False) -> None:
    """Upgrade ``database`` to the revision ``target`` (``head``), or downgrade it with
    ``down`` (``target`` a revision or a relative step: ``-1``), in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, target)
        else:
            command.upgrade(config, target)


def schema_revision(database: Database) -> str:
    """The revision the database is at (``alembic_version``)."""
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def schema_differences(database: Database) -> list:
    """What the database's schema lacks or has beyond the one the code declares
    (:data:`service.storage.tables.Base`): ``[]`` where they are the same."""
    with database.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)
