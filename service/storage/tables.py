"""The database tables (SQLAlchemy 2 declarative); migrations in ``migrations/versions``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """A UTC time: stored naive in UTC (SQLite keeps no zone), read back zone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class ScenarioRow(Base):
    """A saved scenario: its id, who created it, its latest version, whether archived."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    latest_version: Mapped[int] = mapped_column(Integer)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    archived_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ScenarioVersionRow(Base):
    """One immutable version of a saved scenario: the validated document and its digest."""

    __tablename__ = "scenario_versions"

    scenario_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(String(300), nullable=True)


class RunRow(Base):
    """The record of one computed projection or comparison: inputs, model, code, status,
    timings, result."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    result_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    scenario_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scenario_source: Mapped[str] = mapped_column(String(16))
    scenario_sha256: Mapped[str] = mapped_column(String(64), index=True)
    scenario_document: Mapped[str] = mapped_column(Text)
    options: Mapped[str] = mapped_column(Text)
    model_version: Mapped[str] = mapped_column(String(300), index=True)
    code_version: Mapped[str] = mapped_column(String(32))
    author: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    compute_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    done_hours: Mapped[int] = mapped_column(Integer, default=0)
    total_hours: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_file: Mapped[str | None] = mapped_column(String(128), nullable=True)
    result_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Hex sha256 of the result file as written, checked before it is served or opened by HDF5.
    # NULL: written before migration 0006 (or no file).
    result_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resubmitted_from: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # A comparison's scenario ids, comma-separated in order (scenario_id holds the first).
    scenario_ids: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A queued job that a stopping server handed back: the next server to start takes it.
    handed_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # What happened to the run besides its status (interrupted by a shutdown, re-queued).
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the result key holds besides the scenario and options (service.cache.inputs_document),
    # the digests the result's attributes carry: the shipped data's sha256, the weather's per
    # scenario and the baseline model manifest's per scenario (comma-separated in the scenarios'
    # order, "none" for none). NULL: recorded before migration 0005.
    data_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    weather_sha256: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_manifest_sha256: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_runs_key_status", "result_key", "status"),)


class RunDeletionRow(Base):
    """A deleted run: who deleted it and when, and its record as it was (the result file
    goes; what was computed, from what, and by whom stays)."""

    __tablename__ = "run_deletions"

    run_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    deleted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    deleted_by: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Every column of the run's row, as JSON (times in ISO 8601).
    record: Mapped[str] = mapped_column(Text)
