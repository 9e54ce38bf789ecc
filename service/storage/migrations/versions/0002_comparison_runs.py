"""Runs of comparisons: the compared scenario ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``runs.scenario_ids``: a comparison's scenario ids, comma-separated, in order."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("scenario_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("scenario_ids")
