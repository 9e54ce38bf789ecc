"""The service's allocation policy (service.memory) and the writer's hand-back of freed memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import subprocess
import sys
import threading

import numpy as np
import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service import memory, writer
from service.cache import ProjectionResult
from service.storage.database import Database
from service.storage.results import ResultFiles
from service.storage.runs import Runs

GLIBC = sys.platform.startswith("linux") and ctypes.util.find_library("c") is not None


def test_the_resident_set_is_read_and_grows_with_what_the_process_holds():
    """In a process of its own: the resident set is the whole process's, and in the test run's
    process other tests' threads free memory while it is read (a quick-start run measured 35 MB
    of growth for the 64 MB touched)."""
    code = (
        "import numpy as np; from service import memory; before = memory.resident_bytes(); "
        "held = np.ones(64 << 20, dtype=np.uint8); print(before, memory.resident_bytes())"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, after = (int(value) for value in completed.stdout.split())
    assert before > 0
    assert after - before > 48 << 20


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc_trim: Linux only")
def test_freed_memory_is_handed_back_only_above_the_limit():
    assert memory.return_freed_memory(above_bytes=1 << 60) is False
    assert memory.return_freed_memory(above_bytes=0) is True


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt: Linux only")
def test_blocks_below_the_threshold_come_from_the_heap_again():
    """With the 1 MB threshold every array of 1 MB and more was mapped and faulted in anew;
    with the policy a freed 8 MB block is reused: its pages are resident at once."""
    memory.set_allocation_policy()
    first = np.ones(1 << 20)  # 8 MB, touched
    del first
    start = memory.resident_bytes()
    second = np.ones(1 << 20)  # the same 8 MB back from the heap: its pages are resident
    assert memory.resident_bytes() - start < 4 << 20
    del second


def test_the_writer_hands_freed_memory_back_after_each_write(tmp_path, monkeypatch):
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    files = ResultFiles(tmp_path / "results")
    files.prepare()
    asked = []
    monkeypatch.setattr(writer, "return_freed_memory", asked.append)
    results = writer.ResultWriter(files, Runs(database), trim_above_bytes=123)
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(draws=4, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 2)),
    )
    done = threading.Event()
    original = results._write

    def write(result, record, *, answer_by):
        original(result, record, answer_by=answer_by)
        done.set()

    monkeypatch.setattr(results, "_write", write)
    results.submit(ProjectionResult(key="k" * 64, dataset=dataset, run_id="r" * 32))
    assert done.wait(60)
    results.flush()
    assert asked == [123]
    database.dispose()
