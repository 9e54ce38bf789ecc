"""Runs: the record of every computed projection, comparison or grid export, inline or as a
job."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from sqlalchemy import and_, delete, func, or_, select, update

from service.storage.database import Database
from service.storage.tables import RunDeletionRow, RunRow

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
UNFINISHED: tuple[RunStatus, ...] = ("queued", "running")
#: A run in one of these states has ended: no status follows it but a resubmission's.
ENDED: tuple[RunStatus, ...] = tuple(status for status in RUN_STATUSES if status not in UNFINISHED)
#: A run in one of these states can be computed again (POST /v1/jobs/{id}/resubmit).
RESUBMITTABLE: tuple[RunStatus, ...] = ("failed", "cancelled")


def resubmit_hint(run_id: str) -> str:
    """How to compute a failed or cancelled run again, for its ``error``."""
    return f"resubmit it with POST /v1/jobs/{run_id}/resubmit"


def interrupted(run_id: str) -> str:
    """The ``error`` of a run whose process went away while it was unfinished."""
    return (
        "interrupted: the service stopped while this run was queued or running; "
        + resubmit_hint(run_id)
    )


@dataclass(frozen=True)
class Run:
    """One run, detached from the database."""

    id: str
    result_key: str
    kind: Literal["inline", "job"]
    status: RunStatus
    scenario_id: str
    scenario_version: int | None
    scenario_source: str
    scenario_sha256: str
    scenario_document: str
    options: str
    model_version: str
    code_version: str
    author: str | None
    submitted_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    compute_seconds: float | None = None
    done_hours: int = 0
    total_hours: int = 0
    error: str | None = None
    error_status: int | None = None
    result_file: str | None = None
    result_bytes: int | None = None
    resubmitted_from: str | None = None
    #: A comparison's scenario ids, comma-separated in order; None for one projection.
    scenario_ids: str | None = None
    #: When a stopping server handed the job back, re-queued; None once a server took it up.
    handed_back_at: dt.datetime | None = None
    #: What happened to the run besides its status (interrupted by a shutdown, re-queued).
    note: str | None = None
    #: sha256 of the shipped data it computed from (:func:`forecast.provenance.data_digest`);
    #: None: recorded before runs recorded it (unknown).
    data_sha256: str | None = None
    #: sha256 of the weather each scenario ran over (``none`` without weather),
    #: comma-separated in the scenarios' order; None: unknown.
    weather_sha256: str | None = None
    #: sha256 of each scenario's baseline model manifest (``none`` without a model),
    #: comma-separated in the scenarios' order; None: unknown.
    model_manifest_sha256: str | None = None
    #: sha256 of the result file as written, checked before it is served; None: written
    #: before runs recorded it (the file is served as before: its size checked, not its bytes).
    result_sha256: str | None = None

    @property
    def digests_text(self) -> str:
        """Its input digests in words, 12 hex digits each (``data 3f2a9c1d07be weather
        none model 9b0e...``), ``unknown`` for a run recorded before they were."""
        return " ".join(
            f"{label} {_short(value)}"
            for label, value in (
                ("data", self.data_sha256),
                ("weather", self.weather_sha256),
                ("model", self.model_manifest_sha256),
            )
        )

    @property
    def options_document(self) -> dict[str, Any]:
        """The options as recorded."""
        return json.loads(self.options)

    @property
    def comparison(self) -> bool:
        """Whether the run is a comparison of several scenarios."""
        return self.scenario_ids is not None

    @property
    def grid_export(self) -> bool:
        """Whether the run is a grid-model export (its options hold ``grid_export``)."""
        return "grid_export" in self.options_document

    @property
    def finished(self) -> bool:
        """Whether the run ended (succeeded, failed or cancelled)."""
        return self.status in ENDED


_FIELDS = tuple(field.name for field in fields(Run))


def _short(digests: str | None) -> str:
    """Comma-separated digests cut to 12 hex digits each; ``unknown`` for None."""
    if digests is None:
        return "unknown"
    return ",".join(digest[:12] for digest in digests.split(","))


def _run(row: RunRow) -> Run:
    return Run(**{name: getattr(row, name) for name in _FIELDS})


@dataclass(frozen=True)
class RunFilter:
    """Which runs to list; every field optional."""

    scenario_id: str | None = None
    scenario_sha256: str | None = None
    model_version: str | None = None
    status: RunStatus | None = None
    kind: str | None = None
    submitted_after: dt.datetime | None = None
    submitted_before: dt.datetime | None = None
    #: The id of the key that asked for it.
    author: str | None = None
    #: sha256 of the shipped data it computed from.
    data_sha256: str | None = None


@dataclass(frozen=True)
class RunDeletion:
    """Who deleted a run, and when."""

    run_id: str
    deleted_at: dt.datetime
    deleted_by: str
    author: str | None
    #: The run's status when it was deleted (None: a record without one).
    status: str | None = None


def _deletion(row: RunDeletionRow) -> RunDeletion:
    status = json.loads(row.record).get("status")
    return RunDeletion(
        run_id=row.run_id,
        deleted_at=row.deleted_at,
        deleted_by=row.deleted_by,
        author=row.author,
        status=status if isinstance(status, str) else None,
    )


def _columns(row: RunRow) -> dict[str, Any]:
    """Every column of a run's row, times in ISO 8601: its record once deleted."""
    values = {column.name: getattr(row, column.name) for column in RunRow.__table__.columns}
    return {
        name: value.isoformat() if isinstance(value, dt.datetime) else value
        for name, value in values.items()
    }


class Runs:
    """Repository of runs in a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, run: Run) -> Run:
        """Record a new run."""
        with self.database.session() as session:
            session.add(RunRow(**{name: getattr(run, name) for name in _FIELDS}))
        return run

    def update(self, run_id: str, **changes: Any) -> None:
        """Change fields of a run (status, timings, progress, result file, error)."""
        with self.database.session() as session:
            session.execute(update(RunRow).where(RunRow.id == run_id).values(**changes))

    def finish(self, run_id: str, **changes: Any) -> bool:
        """Record how an unfinished run ended; False when it had ended already (a cancel came
        first: the first end recorded stands)."""
        with self.database.session() as session:
            ended = session.scalars(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status.in_(UNFINISHED))
                .values(**changes)
                .returning(RunRow.id)
            ).first()
            return ended is not None

    def mark_running(self, run_id: str, started_at: dt.datetime) -> None:
        """A queued run has started (an unfinished or finished one, or one handed back, is left
        alone)."""
        with self.database.session() as session:
            session.execute(
                update(RunRow)
                .where(
                    RunRow.id == run_id,
                    RunRow.status == "queued",
                    RunRow.handed_back_at.is_(None),
                )
                .values(status="running", started_at=started_at)
            )

    def hand_back(self, done_hours: dict[str, int], at: dt.datetime) -> list[str]:
        """Re-queue unfinished jobs that a stopping server did not finish, each with the hours
        it had computed (``done_hours``, by run id), for the next server to start on this
        database (:meth:`take_handed_back`); a run that ended meanwhile (a cancel) is left
        alone. Their record says so in ``note``. Returns the ids handed back."""
        when = at.isoformat(timespec="seconds").replace("+00:00", "Z")
        handed = []
        with self.database.session() as session:
            for run_id, done in done_hours.items():
                row = session.get(RunRow, run_id, with_for_update=True)
                if row is None or row.status not in UNFINISHED:
                    continue
                progress = f" after {done:,} of {row.total_hours:,} hours" if done else ""
                note = (
                    f"interrupted by a shutdown at {when}{progress} and re-queued: the next "
                    "server to start runs it again from the start"
                )
                row.status, row.started_at, row.done_hours = "queued", None, 0
                row.handed_back_at = at
                row.note = f"{row.note}; {note}" if row.note else note
                handed.append(run_id)
        return handed

    def take_handed_back(self) -> list[Run]:
        """The jobs stopping servers handed back, oldest first, now this process's (their
        ``handed_back_at`` cleared): to be queued again."""
        with self.database.serial_session() as session:
            rows = list(
                session.scalars(
                    select(RunRow)
                    .where(RunRow.status.in_(UNFINISHED), RunRow.handed_back_at.is_not(None))
                    .order_by(RunRow.submitted_at)
                    .with_for_update()
                )
            )
            for row in rows:
                row.status, row.handed_back_at = "queued", None
            return [_run(row) for row in rows]

    def mark_cancelled(
        self, run_id: str, finished_at: dt.datetime, reason: str, done_hours: int
    ) -> bool:
        """An unfinished run was cancelled; False when it had ended already (left alone)."""
        return self.finish(
            run_id,
            status="cancelled",
            finished_at=finished_at,
            error=reason,
            error_status=None,
            done_hours=done_hours,
        )

    def get(self, run_id: str) -> Run | None:
        """The run with ``run_id``, or None."""
        with self.database.session() as session:
            row = session.get(RunRow, run_id)
            return None if row is None else _run(row)

    def stored_result(self, result_key: str) -> Run | None:
        """The newest succeeded run with ``result_key`` and a result file, or None."""
        with self.database.session() as session:
            row = session.scalars(
                select(RunRow)
                .where(
                    RunRow.result_key == result_key,
                    RunRow.status == "succeeded",
                    RunRow.result_file.is_not(None),
                )
                .order_by(RunRow.finished_at.desc())
                .limit(1)
            ).first()
            return None if row is None else _run(row)

    def result_files(self) -> set[str]:
        """The names of the result files the succeeded runs keep."""
        query = select(RunRow.result_file).where(
            RunRow.status == "succeeded", RunRow.result_file.is_not(None)
        )
        with self.database.session() as session:
            return {str(name) for name in session.scalars(query)}

    def stored_results(self) -> list[Run]:
        """The succeeded runs with a result file, oldest computed first, except those whose
        result key an unfinished (queued or running) run computes again: what retention may
        remove (:mod:`service.retention`)."""
        busy = select(RunRow.result_key).where(RunRow.status.in_(UNFINISHED))
        query = (
            select(RunRow)
            .where(
                RunRow.status == "succeeded",
                RunRow.result_file.is_not(None),
                RunRow.result_key.not_in(busy),
            )
            .order_by(RunRow.finished_at, RunRow.id)
        )
        with self.database.session() as session:
            return [_run(row) for row in session.scalars(query)]

    def ended_before(self, before: dt.datetime) -> list[Run]:
        """The failed and cancelled runs that ended before ``before`` (those without an end
        time: submitted before it), oldest first: what retention removes for their age
        (:mod:`service.retention`). [UTC]"""
        ended = or_(
            RunRow.finished_at < before,
            and_(RunRow.finished_at.is_(None), RunRow.submitted_at < before),
        )
        query = (
            select(RunRow)
            .where(RunRow.status.in_(RESUBMITTABLE), ended)
            # One order on either backend (SQLite sorts NULLs first, PostgreSQL last).
            .order_by(func.coalesce(RunRow.finished_at, RunRow.submitted_at), RunRow.id)
        )
        with self.database.session() as session:
            return [_run(row) for row in session.scalars(query)]

    def deletions_before(self, before: dt.datetime, *, by: str, remove: bool) -> int:
        """How many deletion records (``run_deletions``) ``by`` made before ``before``; with
        ``remove``, they are removed (their runs then answer 404, not 410). [UTC]"""
        older = (RunDeletionRow.deleted_at < before) & (RunDeletionRow.deleted_by == by)
        with self.database.session() as session:
            if not remove:
                return int(session.scalar(select(func.count()).where(older)) or 0)
            removed = session.execute(delete(RunDeletionRow).where(older))
            return int(removed.rowcount or 0)  # type: ignore[attr-defined]

    def unfinished_ids(self) -> set[str]:
        """The ids of the queued and running runs."""
        query = select(RunRow.id).where(RunRow.status.in_(UNFINISHED))
        with self.database.session() as session:
            return {str(run_id) for run_id in session.scalars(query)}

    def search(self, where: RunFilter, *, limit: int, offset: int) -> tuple[list[Run], int]:
        """Runs matching ``where``, newest first, and how many match in all."""
        query = select(RunRow)
        names = ("scenario_id", "scenario_sha256", "model_version", "status", "kind", "author",
                 "data_sha256")  # fmt: skip
        for name in names:
            value = getattr(where, name)
            if value is not None:
                query = query.where(getattr(RunRow, name) == value)
        if where.submitted_after is not None:
            query = query.where(RunRow.submitted_at >= where.submitted_after)
        if where.submitted_before is not None:
            query = query.where(RunRow.submitted_at < where.submitted_before)
        with self.database.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(RunRow.submitted_at.desc(), RunRow.id).limit(limit).offset(offset)
            )
            return [_run(row) for row in rows], int(total)

    def mark_interrupted(self) -> list[str]:
        """Mark every queued or running run failed, their process gone, except the jobs a
        stopping server handed back (:meth:`hand_back`). Returns their ids."""
        now = dt.datetime.now(dt.UTC)
        with self.database.session() as session:
            ids = list(
                session.scalars(
                    select(RunRow.id).where(
                        RunRow.status.in_(UNFINISHED), RunRow.handed_back_at.is_(None)
                    )
                )
            )
            for run_id in ids:
                session.execute(
                    update(RunRow)
                    .where(RunRow.id == run_id)
                    .values(
                        status="failed",
                        error=interrupted(run_id),
                        error_status=503,
                        finished_at=now,
                    )
                )
            return ids

    def delete(self, run_id: str, *, by: str, at: dt.datetime | None = None) -> RunDeletion | None:
        """Forget a run, keeping its record, with the id of the key that deleted it and the
        time (``at``, default now), in ``run_deletions``; None when it was gone already
        (deleted at the same moment)."""
        with self.database.serial_session() as session:
            row = session.get(RunRow, run_id, with_for_update=True)
            if row is None:
                return None
            deletion = RunDeletionRow(
                run_id=run_id,
                deleted_at=at or dt.datetime.now(dt.UTC),
                deleted_by=by,
                author=row.author,
                record=json.dumps(_columns(row), sort_keys=True),
            )
            session.add(deletion)
            session.delete(row)
            return _deletion(deletion)

    def deletion(self, run_id: str) -> RunDeletion | None:
        """Who deleted the run ``run_id`` and when, or None when it was never deleted."""
        with self.database.session() as session:
            row = session.get(RunDeletionRow, run_id)
            return None if row is None else _deletion(row)
