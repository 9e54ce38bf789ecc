"""Saved scenarios, their versions, and runs.

Revision ID: 0001
Revises:
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.storage.tables import UTCDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("archived_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "scenario_versions",
        sa.Column(
            "scenario_id",
            sa.String(64),
            sa.ForeignKey("scenarios.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("comment", sa.String(300), nullable=True),
    )
    op.create_index("ix_scenario_versions_sha256", "scenario_versions", ["sha256"])
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("result_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=True),
        sa.Column("scenario_source", sa.String(16), nullable=False),
        sa.Column("scenario_sha256", sa.String(64), nullable=False),
        sa.Column("scenario_document", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(300), nullable=False),
        sa.Column("code_version", sa.String(32), nullable=False),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("compute_seconds", sa.Float(), nullable=True),
        sa.Column("done_hours", sa.Integer(), nullable=False),
        sa.Column("total_hours", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_status", sa.Integer(), nullable=True),
        sa.Column("result_file", sa.String(128), nullable=True),
        sa.Column("result_bytes", sa.BigInteger(), nullable=True),
        sa.Column("resubmitted_from", sa.String(32), nullable=True),
    )
    for column in ("result_key", "status", "scenario_id", "scenario_sha256", "model_version"):
        op.create_index(f"ix_runs_{column}", "runs", [column])
    op.create_index("ix_runs_submitted_at", "runs", ["submitted_at"])
    op.create_index("ix_runs_key_status", "runs", ["result_key", "status"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("runs")
    op.drop_table("scenario_versions")
    op.drop_table("scenarios")
