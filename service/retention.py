"""Results retention: stored results older than a window, or past a total size, are removed.

What comes in: the runs' records (:class:`~service.storage.runs.Runs`) and the results
directory (:class:`~service.storage.results.ResultFiles`), a window
(``FORECAST_RESULTS_RETENTION_DAYS``) and a most total size (``FORECAST_RESULTS_MAX_BYTES``).
What goes out: a :class:`Pruned` account of what was removed. The running service sweeps every
:data:`SWEEP_SECONDS` (:meth:`service.state.ServiceState.start`); ``forecast results prune``
does it once, on the configured database and results directory.

A result's age is counted from when it was computed (its run's ``finished_at``): reading it
again does not renew it, so that serving a result never writes to the database. Succeeded runs
with a result file are pruned for their age or the total size; failed and cancelled runs (no
result file, but each keeps its scenario document) for their age only, from when they ended. A
run that is queued or running is never pruned, nor a result whose key a queued or running run
computes again.

The records of the runs retention deleted (``run_deletions``: each a run's whole row) are kept
for one more window after their deletion, so that a pruned run answers 410 for that long; then
they go too, and the run's id answers 404 like one never made. The records of runs a key
deleted (``DELETE /v1/runs/{id}``) are never trimmed: they are the audit trail of who deleted
what. Only a window (``FORECAST_RESULTS_RETENTION_DAYS``, ``--older-than``) removes failed and
cancelled runs and deletion records; a most size alone does not.

Each pruned run is deleted as ``DELETE /v1/runs/{id}`` deletes one (its record kept in
``run_deletions``, ``deleted_by`` :data:`RETENTION`), the row first and the file after: a
crash between the two leaves a file that no run names, never a run naming a file that is
gone. The result cache's key then finds no stored run (a cache lookup computes the answer
anew) and the run answers 410 saying that retention removed it, and when. Such left-over files
(and files of runs that failed or were interrupted while being written) are removed by the
next sweep once they are older than the window.

A result file found damaged when it was read is set aside as ``<run id>.nc.damaged`` and its
run failed (:func:`service.projecting.forget_lost`); the file is kept for the operator to look
at until the window removes it with its run: once it was written before the window (a file
set aside keeps the time it was written at). Like failed runs, only a window removes it; a
most size alone does not, nor is it counted in that size.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from forecast.errors import OptionsError
from service.errors import ServiceError
from service.storage.results import ResultFiles
from service.storage.runs import Run, Runs

logger = logging.getLogger("service")

#: ``deleted_by`` of a run removed by retention (a key id is 12 hex digits: never this).
RETENTION = "retention"
#: The SQLite database's file in ``FORECAST_STORAGE_DIR`` (:meth:`Settings.database`).
SQLITE_FILE = "forecast.sqlite3"
#: How often the running service sweeps. [s]
SWEEP_SECONDS = 3_600.0
#: A file no run names is left alone for at least this long, however short the window: the
#: result writer writes a file before it records its run. [s]
UNNAMED_FILE_GRACE_SECONDS = 3_600.0


@dataclass
class Pruned:
    """What one sweep removed (or, with ``dry_run``, would remove)."""

    #: Runs whose result was removed, oldest first.
    runs: list[Run] = field(default_factory=list)
    #: Bytes of their result files. [bytes]
    bytes: int = 0
    #: Result files no run names, removed.
    unnamed_files: list[str] = field(default_factory=list)
    #: Failed and cancelled runs removed, oldest first.
    ended_runs: list[Run] = field(default_factory=list)
    #: Records of deleted runs (``run_deletions``) removed, older than the window.
    deletion_records: int = 0

    def summary(self, *, dry_run: bool = False) -> str:
        """One line: how many results and bytes, failed or cancelled runs, unnamed files and
        deletion records."""
        verb = "would remove" if dry_run else "removed"
        return (
            f"retention {verb} {len(self.runs):,} results ({self.bytes / 1e6:,.1f} MB), "
            f"{len(self.ended_runs):,} failed or cancelled runs, {len(self.unnamed_files):,} "
            f"result files no run names and {self.deletion_records:,} records of deleted runs"
        )


def expired(
    runs: Runs,
    *,
    before: dt.datetime | None,
    max_bytes: int | None,
) -> list[Run]:
    """The succeeded runs whose results go, oldest first: those computed before ``before``,
    then the oldest others until the rest hold at most ``max_bytes``; never one whose result
    key a queued or running run computes.

    Parameters
    ----------
    before
        Results computed before this time go; None: none for its age. [UTC]
    max_bytes
        Most bytes of result files kept; None: no limit. [bytes]
    """
    stored = runs.stored_results()
    gone = [run for run in stored if before is not None and _finished(run) < before]
    if max_bytes is not None:
        kept = [run for run in stored if run not in gone]
        total = sum(run.result_bytes or 0 for run in kept)
        for run in kept:
            if total <= max_bytes:
                break
            gone.append(run)
            total -= run.result_bytes or 0
    return gone


def _finished(run: Run) -> dt.datetime:
    return run.finished_at or run.submitted_at


def prune(
    runs: Runs,
    results: ResultFiles,
    *,
    older_than: dt.timedelta | None,
    max_bytes: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    forget: Callable[[str], None] = lambda result_key: None,
) -> Pruned:
    """Remove the results :func:`expired` names: each run's row (kept in ``run_deletions``),
    then ``forget(result_key)`` (the service drops it from its memory cache), then its file;
    then the failed and cancelled runs that ended before the window (kept in
    ``run_deletions`` too), the result files no run names that are older than the window, the
    damaged result files set aside (``<run id>.nc.damaged``) that were written before the
    window (counted with the files no run names), and the records of runs deleted before the
    window (``run_deletions``).

    Parameters
    ----------
    older_than
        Results computed longer ago than this go; None: none for its age. [s]
    max_bytes
        Most bytes of result files kept. [bytes]
    dry_run
        Remove nothing; say what would go.
    now
        The time the window ends at (default: now). [UTC]
    """
    now = now or dt.datetime.now(dt.UTC)
    before = None if older_than is None else now - older_than
    pruned = Pruned()
    for run in expired(runs, before=before, max_bytes=max_bytes):
        if not dry_run:
            if runs.delete(run.id, by=RETENTION, at=now) is None:
                continue  # deleted by someone else at the same moment
            forget(run.result_key)
            results.delete(run.result_file)
            logger.info(
                "retention: run %s removed (result %s, %s bytes, computed %s, %s)",
                run.id,
                run.result_file,
                run.result_bytes,
                _finished(run).isoformat(timespec="seconds"),
                run.digests_text,
            )
        pruned.runs.append(run)
        pruned.bytes += run.result_bytes or 0
    for run in [] if before is None else runs.ended_before(before):
        if not dry_run:
            if runs.delete(run.id, by=RETENTION, at=now) is None:
                continue
            results.delete(run.result_file)
            logger.info(
                "retention: %s run %s removed (ended %s, %s)",
                run.status,
                run.id,
                _finished(run).isoformat(timespec="seconds"),
                run.digests_text,
            )
        pruned.ended_runs.append(run)
    grace = dt.timedelta(seconds=UNNAMED_FILE_GRACE_SECONDS)
    oldest = now - max(older_than or grace, grace)
    pruned.unnamed_files = unnamed_files(runs, results, before=oldest)
    if not dry_run:
        for name in pruned.unnamed_files:
            results.delete(name)
            logger.info("retention: result file %s removed: no run names it", name)
    if before is not None and results.directory.is_dir():
        # Set aside when found damaged (its run failed then, and ends as failed runs do).
        damaged = results.damaged_set_aside_before(before)
        pruned.unnamed_files += damaged
        if not dry_run:
            for name in damaged:
                results.delete(name)
                logger.info("retention: damaged result file %s removed (set aside)", name)
    if before is not None:
        # Deleted before the window began: a run pruned now is answered 410 for one window.
        pruned.deletion_records = runs.deletions_before(before, by=RETENTION, remove=not dry_run)
    return pruned


def unnamed_files(runs: Runs, results: ResultFiles, *, before: dt.datetime) -> list[str]:
    """Result files written before ``before`` that no run keeps: no run of their id is
    queued or running (being written), and no succeeded run names them."""
    if not results.directory.is_dir():
        return []
    written = results.names_written_before(before)
    if not written:
        return []
    kept = runs.result_files()
    unfinished = runs.unfinished_ids()
    return sorted(
        name for name in written if name not in kept and name.removesuffix(".nc") not in unfinished
    )


def prune_configured(
    *, older_than: dt.timedelta | None, max_bytes: int | None, dry_run: bool
) -> Pruned:
    """:func:`prune` on the database and results directory of the ``FORECAST_*`` settings
    (``forecast results prune``); the database must have been migrated by the service.

    Raises
    ------
    OptionsError
        The database does not exist, has no runs table (no service has started on it), or
        cannot be reached: one line naming the setting (the command's status 2).
    """
    from service.settings import environment_settings
    from service.storage.database import Database

    settings = environment_settings()
    where = "FORECAST_DATABASE_URL (or FORECAST_STORAGE_DIR)"
    if settings.database_url is None and not (settings.storage_dir / SQLITE_FILE).is_file():
        raise OptionsError(
            f"FORECAST_STORAGE_DIR = {str(settings.storage_dir)!r}: holds no {SQLITE_FILE}; "
            f"allowed: the directory the service keeps its database in, or set {where}"
        )
    try:
        database = Database(settings.database())
    except ServiceError as error:
        raise OptionsError(str(error)) from None
    try:
        if "runs" not in database.tables():
            raise OptionsError(
                f"{where}: the database has no runs table: start the service on it once"
            )
        return prune(
            Runs(database),
            ResultFiles(settings.results()),
            older_than=older_than,
            max_bytes=max_bytes,
            dry_run=dry_run,
        )
    except SQLAlchemyError as error:
        reason = database.redact(str(getattr(error, "orig", error)).splitlines()[0])
        raise OptionsError(f"{where}: the database cannot be used: {reason}") from None
    finally:
        database.dispose()
