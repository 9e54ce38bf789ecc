"""The result writer: an inline result's file is written after its answer, never before."""

from __future__ import annotations

import datetime as dt
import time

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


def test_a_file_waits_for_its_answer_then_is_written(runs_and_files):
    runs, files = runs_and_files
    results = writer.ResultWriter(files, runs)
    result = _result("a" * 32)
    results.submit(result, answer_first=True)
    time.sleep(1.0)
    assert results.find(result.key) is result  # not written: the answer has not gone yet
    assert not list(files.directory.iterdir())
    result.answered.set()
    results.flush()
    assert results.find(result.key) is None
    assert result.result_file is not None and (files.directory / result.result_file).exists()


def test_a_flush_writes_files_still_waiting_for_their_answers(runs_and_files):
    runs, files = runs_and_files
    results = writer.ResultWriter(files, runs)
    result = _result("b" * 32)
    results.submit(result, answer_first=True)
    started = time.perf_counter()
    results.flush()
    assert time.perf_counter() - started < writer.ANSWER_FIRST_SECONDS
    assert result.result_file is not None and (files.directory / result.result_file).exists()
