"""Who deleted which run, and runs found by their author.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.storage.tables import UTCDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``run_deletions`` (a deleted run's record, who deleted it and when) and an index on
    ``runs.author`` for ``GET /v1/runs?author=``. Nothing existing is rewritten."""
    op.create_table(
        "run_deletions",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
    )
    op.create_index("ix_run_deletions_deleted_at", "run_deletions", ["deleted_at"])
    op.create_index("ix_run_deletions_deleted_by", "run_deletions", ["deleted_by"])
    op.create_index("ix_runs_author", "runs", ["author"])


def downgrade() -> None:
    """Drop them (the record of deletions goes with the table)."""
    op.drop_index("ix_runs_author", "runs")
    op.drop_table("run_deletions")
