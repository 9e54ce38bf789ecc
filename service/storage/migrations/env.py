"""Alembic environment: runs on the connection :meth:`service.storage.database.Database.migrate`
hands over (``config.attributes["connection"]``), or on ``sqlalchemy.url`` for the alembic
command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from service.storage.tables import Base

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as fresh:
        _run(fresh)
