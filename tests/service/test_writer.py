"""The result writer: an inline result's file is written after its answer, never before."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service import writer
from service.cache import ProjectionResult
from service.storage.database import Database
from service.storage.results import ResultFiles
from service.storage.runs import Runs


@pytest.fixture
def runs_and_files(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    files = ResultFiles(tmp_path / "results")
    files.prepare()
    yield Runs(database), files
    database.dispose()


def _result(run_id: str) -> ProjectionResult:
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(draws=4, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 2)),
    )
    return ProjectionResult(key=run_id * 2, dataset=dataset, run_id=run_id)


class _WatchedEvent(threading.Event):
    """An event that says when someone starts waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited_on = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waited_on.set()
        return super().wait(timeout)


def test_a_file_waits_for_its_answer_then_is_written(runs_and_files, monkeypatch):
    runs, files = runs_and_files
    monkeypatch.setattr(writer, "ANSWER_WAIT_SECONDS", 600.0)
    results = writer.ResultWriter(files, runs)
    result = _result("a" * 32)
    result.answered = _WatchedEvent()
    answered_when_written = []
    write = files.write

    def watched_write(run_id, dataset):
        answered_when_written.append(result.answered.is_set())
        return write(run_id, dataset)

    monkeypatch.setattr(files, "write", watched_write)
    results.submit(result, answer_first=True)
    assert result.answered.waited_on.wait(60)  # the writer waits for the answer
    assert answered_when_written == []
    assert results.find(result.key) is result
    result.answered.set()
    results.flush()
    assert answered_when_written == [True]
    assert results.find(result.key) is None
    assert result.result_file is not None and (files.directory / result.result_file).exists()


def test_a_flush_writes_files_still_waiting_for_their_answers(runs_and_files, monkeypatch):
    runs, files = runs_and_files
    monkeypatch.setattr(writer, "ANSWER_WAIT_SECONDS", 600.0)
    results = writer.ResultWriter(files, runs)
    result = _result("b" * 32)
    results.submit(result, answer_first=True)
    flushing = threading.Thread(target=results.flush)
    flushing.start()
    flushing.join(60)  # a guard against a hang, not a timing: the wait is 600 s
    assert not flushing.is_alive()
    assert result.result_file is not None and (files.directory / result.result_file).exists()
