"""The sha256 of each run's result file, checked before the file is served.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``runs.result_sha256``, the digest of the result file as written
    (:meth:`service.storage.results.ResultFiles.write`). Existing runs keep every value and get
    NULL (their files were written before digests were recorded, and are served as before:
    their size checked, not their bytes); nothing is rewritten, no file is read."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("result_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("result_sha256")
