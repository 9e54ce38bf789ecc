"""The digests of what a run computed from besides its scenario: data, weather, model.

Revision ID: 0005
Revises: 0004
Create Date: 2027-03-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``runs.data_sha256`` (indexed: the runs computed from one catalog),
    ``runs.weather_sha256`` and ``runs.model_manifest_sha256``, the digests the result key
    holds (:func:`service.cache.inputs_document`). Existing runs keep every value and get NULL
    for these (unknown: recorded before they were); nothing is rewritten."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("data_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("weather_sha256", sa.Text(), nullable=True))
        batch.add_column(sa.Column("model_manifest_sha256", sa.Text(), nullable=True))
    op.create_index("ix_runs_data_sha256", "runs", ["data_sha256"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_runs_data_sha256", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("model_manifest_sha256")
        batch.drop_column("weather_sha256")
        batch.drop_column("data_sha256")
