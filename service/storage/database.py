"""The database connection: engine, sessions, and migrations run at start-up."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from service.errors import StorageError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The PostgreSQL advisory lock a service process holds on its database ("aigf" in ASCII).
OWNER_LOCK_KEY = 0x61696766
#: How often a PostgreSQL service checks that its session, and so its lock, is alive. [s]
CLAIM_CHECK_S = 15.0
#: Waits between tries to reach a database that cannot be reached, or to take one held by
#: another process: the first, doubled after each try up to the most. [s]
RETRY_FIRST_S = 1.0
RETRY_MOST_S = 5.0


def retry_delays() -> Iterator[float]:
    """Waits before each next try: :data:`RETRY_FIRST_S`, doubled up to :data:`RETRY_MOST_S`
    (read at each call, so that tests can shorten them). [s]"""
    delay = RETRY_FIRST_S
    while True:
        yield delay
        delay = min(delay * 2, RETRY_MOST_S)


def normalised_url(url: str):
    """The SQLAlchemy URL, with ``postgresql://`` meaning the psycopg 3 driver.

    Raises
    ------
    StorageError
        The URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            "database_url: not a database URL (sqlite:///... or postgresql://user:password@host/db)"
        ) from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise StorageError(
            f"database_url: backend {parsed.get_backend_name()!r}: allowed: sqlite, postgresql"
        )
    return parsed


class Database:
    """An engine and its session factory; :meth:`migrate` brings the schema to the head."""

    def __init__(self, url: str) -> None:
        self.url = normalised_url(url)
        if self.url.get_backend_name() == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                _owner_only_file(Path(self.url.database))
            self.engine: Engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 30}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                self.url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._claim: _FileLock | _AdvisoryLock | None = None

    def redact(self, text: str) -> str:
        """``text`` without this database's credentials, host or name
        (:func:`redact_connection`)."""
        return redact_connection(text, self.url)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    def claim(
        self,
        *,
        on_lost: Callable[[str], None] | None = None,
        on_regained: Callable[[], None] | None = None,
    ) -> None:
        """Take the database for this process until :meth:`dispose`: an exclusive lock on a
        file beside a SQLite database, a session advisory lock on a PostgreSQL one. One service
        process per database: another would mark this one's running jobs interrupted at its
        start-up and race it through the migrations.

        A PostgreSQL session can end under the process (a server restart or outage, a
        terminated backend): a thread checks it every :data:`CLAIM_CHECK_S` seconds and takes
        the lock again on a new session. While the server cannot be reached it calls
        ``on_lost`` with the reason and keeps trying (:func:`retry_delays`), calling
        ``on_regained`` once it has the lock again. If another process took the lock
        meanwhile, it calls ``on_lost`` saying so and stops: the database is that one's.

        Raises
        ------
        DatabaseHeldError
            Another process holds the database.
        StorageError
            It cannot be reached.
        """
        if self._claim is not None:
            return
        lock: _FileLock | _AdvisoryLock
        if self.backend == "sqlite":
            if not self.url.database or self.url.database == ":memory:":
                return
            lock = _FileLock(Path(f"{self.url.database}.lock"))
        else:
            lock = _AdvisoryLock(self.url, on_lost, on_regained)
        lock.take()
        self._claim = lock

    def migrate(self, *, revision: str = "head") -> None:
        """Create or upgrade the schema to the newest migration, or to ``revision`` (an older
        one: the migrations' tests fill a database with an older release's schema).

        Raises
        ------
        StorageError
            The database cannot be reached or a migration failed.
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except SQLAlchemyError as error:
            raise StorageError(
                f"database {self.backend}: cannot migrate: {type(error).__name__}: "
                f"{str(error.orig if hasattr(error, 'orig') else error).splitlines()[0]}"
            ) from None

    def tables(self) -> set[str]:
        """Names of the tables present."""
        return set(inspect(self.engine).get_table_names())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed at the end, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def serial_session(self) -> Iterator[Session]:
        """A session whose writes depend on what it reads first (the next version number, a
        record set aside before its row goes): such sessions run one after another.

        On SQLite it begins ``IMMEDIATE``, taking the database's write lock before its first
        read and waiting for it up to the connection's timeout: Python's sqlite3 begins a
        transaction only at the first write, so two sessions could read the same latest
        version and one fail at its insert. On PostgreSQL the caller locks the rows it reads
        with ``FOR UPDATE``.
        """
        with self._sessions() as session, session.begin():
            if self.backend == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def dispose(self) -> None:
        """Give the database up (:meth:`claim`) and close every pooled connection."""
        claim, self._claim = self._claim, None
        if claim is not None:
            claim.release()
        self.engine.dispose()


#: What a driver's message quotes about where and as whom it connected: psycopg's
#: ``connection to server at "10.0.0.5", port 5432``, ``for user "forecast"``, ``database
#: "plans" does not exist``, ``failed to resolve host 'db.internal'``, ``on socket "..."``.
_QUOTED_DETAIL = re.compile(
    r"""\b(server at|host|user|role|database|socket|address)\s+(["'])[^"']*\2""", re.IGNORECASE
)
#: IPv4 addresses anywhere in a message (an IPv6 one is quoted by the driver, as above).
_ADDRESS = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")


def redact_connection(text: str, url: Any) -> str:
    """``text`` (a database error) without the credentials, host, user or database name of
    ``url`` or any its driver quoted: for answers over HTTP (``/readyz``, a 503's detail).
    The server log keeps the full text.

    Parameters
    ----------
    text
        An error message.
    url
        The SQLAlchemy URL of the database.
    """
    names = {
        url.password: "<password>",
        url.username: "<user>",
        url.host: "<host>",
        url.database if url.get_backend_name() != "sqlite" else None: "<database>",
    }
    for value, shown in sorted(names.items(), key=lambda item: -len(str(item[0] or ""))):
        if value and len(str(value)) >= 2:
            text = re.sub(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", shown, text)
    text = _QUOTED_DETAIL.sub(lambda match: f"{match.group(1)} <hidden>", text)
    return _ADDRESS.sub("<address>", text)


class _FileLock:
    """An exclusive lock on a file beside a SQLite database, held while its descriptor is
    open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: int | None = None

    def take(self) -> None:
        """Raises :class:`DatabaseHeldError` when another process holds it."""
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise DatabaseHeldError(_held("sqlite")) from None
        self.handle = handle

    def release(self) -> None:
        """Close the descriptor, which drops the lock."""
        if self.handle is not None:
            os.close(self.handle)
            self.handle = None


class _AdvisoryLock:
    """A PostgreSQL session advisory lock on its own session (not one of the pool's), kept
    while the process runs, with a thread that takes it again after a lost session."""

    def __init__(
        self,
        url,
        on_lost: Callable[[str], None] | None,
        on_regained: Callable[[], None] | None = None,
    ) -> None:
        # One connection, never pooled; TCP keepalives notice a peer that went away.
        self.engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10},
        )
        self.on_lost = on_lost
        self.on_regained = on_regained
        self.connection: Any = None
        self.stopped = threading.Event()
        self.watcher: threading.Thread | None = None

    def take(self) -> None:
        """Open a session and take the lock on it; start the thread that watches it.

        Raises
        ------
        DatabaseHeldError
            The lock is held by another session.
        StorageError
            The database cannot be reached.
        """
        self._lock()
        if self.on_lost is not None and self.watcher is None:
            self.watcher = threading.Thread(target=self._watch, name="database-claim", daemon=True)
            self.watcher.start()

    def _lock(self) -> None:
        connection = None
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            query = text("SELECT pg_try_advisory_lock(:key)")
            held = connection.execute(query, {"key": OWNER_LOCK_KEY}).scalar()
        except SQLAlchemyError as error:
            if connection is not None:
                connection.close()
            reason = str(getattr(error, "orig", error)).splitlines()[0]
            raise StorageError(f"database postgresql: cannot connect: {reason}") from None
        if not held:
            connection.close()
            raise DatabaseHeldError(_held("postgresql"))
        self.connection = connection

    def _alive(self) -> bool:
        """Whether the lock's session answers; closed if not."""
        try:
            self.connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            with contextlib.suppress(SQLAlchemyError):
                self.connection.close()
            return False

    def _watch(self) -> None:
        wait, delays, lost = CLAIM_CHECK_S, retry_delays(), False
        while not self.stopped.wait(wait):
            if not lost and self._alive():
                continue
            try:
                self._lock()
            except DatabaseHeldError as error:
                self._report(
                    f"lost its session's lock on the database and cannot take it again: {error}"
                )
                return
            except StorageError as error:
                if not lost:  # once per outage: the log gets one line, not one per try
                    self._report(f"lost its session's lock on the database: {waiting(error)}")
                lost, wait = True, next(delays)
                continue
            if lost and not self.stopped.is_set() and self.on_regained is not None:
                self.on_regained()
            wait, delays, lost = CLAIM_CHECK_S, retry_delays(), False

    def _report(self, reason: str) -> None:
        if not self.stopped.is_set() and self.on_lost is not None:
            self.on_lost(reason)

    def release(self) -> None:
        """Unlock, end the session and stop the thread."""
        self.stopped.set()
        if self.watcher is not None:
            self.watcher.join()
        if self.connection is not None:
            # A session already gone took its lock with it.
            with contextlib.suppress(SQLAlchemyError):
                self.connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": OWNER_LOCK_KEY}
                )
            self.connection.close()
        self.engine.dispose()


class DatabaseHeldError(StorageError):
    """Another service process holds the database (:meth:`Database.claim`)."""


def waiting(error: StorageError) -> str:
    """``error``'s message, saying that the database is being tried again."""
    return f"{error}; trying again every {RETRY_MOST_S:g} s at most, until it answers"


def _held(backend: str) -> str:
    return (
        f"database {backend}: another service process holds it; one service process per "
        "database (a second would mark the first's running jobs interrupted): stop that one, "
        "or give this one its own FORECAST_STORAGE_DIR or FORECAST_DATABASE_URL"
    )


def _owner_only_file(path: Path) -> None:
    """Create the SQLite file (0600) and its directory (0700) for this user only, before
    SQLite does with the umask's 0644: saved scenarios and runs are not every local user's to
    read, whatever the API keys say. SQLite gives its -wal and -shm files the database's mode.
    An existing file or directory is left as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
