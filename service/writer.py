"""Result files written after the answer, on one thread, with bounded backlog.

Writing a result's NetCDF file costs about as much as computing a small projection (xarray
and HDF5 create every variable: ~40-100 ms for a one-year annual result on the development
machine, measured 2026-12-05). An inline projection is answered from memory as soon as it is
computed; its file is written here after that answer (at most :data:`ANSWER_WAIT_SECONDS`
after it was queued), and only then is its run recorded as ``succeeded`` (with the file): a
run marked succeeded always has its file. If the process dies first, the run is still
``running`` and is marked failed (interrupted) at the next start.

The backlog is bounded in bytes: a computation whose result would push it past
:data:`BACKLOG_BYTES` waits, in its slot, until the writer catches up, so results waiting to
be written cannot pile up in memory. A result waiting here is still served
(:meth:`ResultWriter.find`), even when the cache has let it go.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from service.cache import ProjectionResult
from service.memory import return_freed_memory
from service.settings import MB
from service.storage.results import ResultFiles, ResultsUnwritableError
from service.storage.runs import Runs, resubmit_hint

logger = logging.getLogger("service.writer")

#: Bytes of results waiting to be written, at most (one result larger is written alone).
BACKLOG_BYTES = 256 * MB
#: Longest wait of a file for its result's first answer, counted from when it was queued (an
#: answer never given: a client gone while its projection ran). [s]
ANSWER_WAIT_SECONDS = 10.0


class ResultWriter:
    """Writes result files on a thread of its own and records each run once it is written."""

    def __init__(self, results: ResultFiles, runs: Runs, *, trim_above_bytes: int = 0) -> None:
        self.results = results
        self.runs = runs
        #: Resident bytes above which freed heap memory is handed back after a write.
        self.trim_above_bytes = trim_above_bytes
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer")
        self._pending: dict[str, ProjectionResult] = {}
        self._pending_bytes = 0
        self._space = threading.Condition()

    def submit(self, result: ProjectionResult, *, answer_first: bool = False, **record) -> None:
        """Queue ``result``'s file; ``record`` (timings) is stored with the success.

        With ``answer_first`` the file waits until the result has been answered
        (``result.answered``; at most until :data:`ANSWER_WAIT_SECONDS` after this call, so
        that unanswered results in the queue do not add up their waits): encoding it holds
        the GIL for much of its time, and beside a streamed answer it slowed the national
        case's 55 MB JSON from 0.19 to 0.26 s, first byte to last (2026-12-05). Blocks while
        the backlog is full (it is called from a computation's thread).
        """
        size = result.dataset_bytes
        with self._space:
            self._space.wait_for(
                lambda: self._pending_bytes == 0 or self._pending_bytes + size <= BACKLOG_BYTES
            )
            self._pending_bytes += size
            self._pending[result.key] = result
        answer_by = time.monotonic() + ANSWER_WAIT_SECONDS if answer_first else None
        self._executor.submit(self._write, result, record, answer_by=answer_by)

    def find(self, result_key: str) -> ProjectionResult | None:
        """A result of ``result_key`` waiting to be written, if any."""
        with self._space:
            return self._pending.get(result_key)

    def _write(self, result: ProjectionResult, record: dict, *, answer_by: float | None) -> None:
        """Write ``result``'s file, once it is answered or ``answer_by`` (monotonic clock) has
        passed, and record its run."""
        run_id = str(result.run_id)
        if answer_by is not None:
            result.answered.wait(max(answer_by - time.monotonic(), 0.0))
        try:
            stored = self.results.write(run_id, result.dataset)
            self.runs.update(
                run_id,
                status="succeeded",
                result_file=stored.name,
                result_bytes=stored.size_bytes,
                result_sha256=stored.sha256,
                **record,
            )
            result.result_bytes = stored.size_bytes
            result.result_sha256 = stored.sha256
            result.result_file = stored.name
            self.results.written()
        except Exception as error:
            if isinstance(error, ResultsUnwritableError):  # the disk, not a bug: logged there
                self.results.write_failed(str(error), error.need_bytes)
                failure, status = str(error), ResultsUnwritableError.status_code
            else:
                logger.exception("result of run %s not written", run_id)
                failure, status = f"the result could not be stored ({type(error).__name__})", 503
            try:
                self.runs.update(
                    run_id,
                    status="failed",
                    error=f"{failure}; {resubmit_hint(run_id)}",
                    error_status=status,
                    finished_at=dt.datetime.now(dt.UTC),
                )
            except Exception:
                # The database is gone too: the run stays unfinished and is marked failed
                # (interrupted) at the next start.
                logger.exception("run %s not recorded as failed", run_id)
        finally:
            with self._space:
                self._pending_bytes -= result.dataset_bytes
                if self._pending.get(result.key) is result:
                    del self._pending[result.key]
                self._space.notify_all()
            # The computation and the file's encoding have freed their arrays by now; their
            # heap pages go back to the system here, after the answer, once the process holds
            # more than half its memory budget (service.memory).
            return_freed_memory(self.trim_above_bytes)

    def flush(self) -> None:
        """Write everything queued, without waiting for answers, then stop taking more."""
        with self._space:
            for result in self._pending.values():
                result.answered.set()
        self._executor.shutdown(wait=True)
