"""Jobs handed back by a graceful shutdown: when, and a note on the run's record.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.storage.tables import UTCDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``runs.handed_back_at`` (a queued run no process computes: the next server to start
    on the database takes it) and ``runs.note`` (what happened to the run besides its status:
    interrupted by a shutdown and re-queued)."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("handed_back_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("note")
        batch.drop_column("handed_back_at")
