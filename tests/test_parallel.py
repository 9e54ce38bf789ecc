"""The suite runs on pytest-xdist workers by default, and serially where workers cannot help.

``pyproject.toml``'s ``addopts`` ask for ``-n auto --dist loadscope``; ``tests/conftest.py``
makes ``auto`` mean no workers for a run of one test file (a module runs on one worker anyway).
Each case runs the real ``python -m pytest`` on small files and reads whether it started
workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Two small, quick test files that import no numba.
ONE, OTHER = "tests/forecast/test_memo.py", "tests/forecast/test_outputs.py"


def _run(*arguments: str) -> str:
    """Output of ``python -m pytest <arguments>`` in the repository (which must pass)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        # These tests run no kernel: no compiling into numba's cache before the workers start.
        env={**os.environ, "FORECAST_NUMBA_CACHE": "0"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _started_workers(output: str) -> bool:
    return "bringing up nodes" in output


def test_two_test_files_run_on_workers():
    """Before: the suite ran in one process (1,121 s on CI for 1608 tests)."""
    assert _started_workers(_run(ONE, OTHER))


@pytest.mark.parametrize(
    "arguments",
    [(ONE,), (f"{ONE}::test_threads_putting_and_getting_keep_the_bound",)],
)
def test_one_test_file_runs_in_the_pytest_process(arguments):
    """Workers would only add their start-up to a run of one module."""
    assert not _started_workers(_run(*arguments))
