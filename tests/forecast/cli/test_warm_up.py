"""A first run on a fresh kernel cache, as a new user sees it: the compile notice on a line of
its own naming the cache, then ``forecast warm-up`` compiling the rest, then nothing to
compile (report-speed HIGH 2, MEDIUM 4)."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import pytest

from forecast.kernels import WARMED_KERNELS, _jit

pytestmark = pytest.mark.skipif(
    not _jit.CACHE_ENABLED or bool(numba.config.DISABLE_JIT), reason="compiles into a cache"
)

#: The smallest projection that runs the compiled kernels (not the NumPy twins).
SMALL_RUN = ["project", "kr-national", "--draws", "2", "--start", "2030-01-01",
             "--end", "2030-01-01", "--resolution", "daily"]  # fmt: skip


def _forecast(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-m", "forecast", *arguments],
        capture_output=True, text=True, timeout=900, env=environment,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    return completed


def _shown_lines(stderr: str) -> list[str]:
    """The lines a terminal shows at the end: of each line, what follows its last carriage
    return (a progress bar redraws itself after one, and clears itself before a notice)."""
    return [line.rsplit("\r", 1)[-1] for line in stderr.split("\n")]


def test_first_run_notice_on_its_own_line_then_warm_up_then_nothing_to_compile(tmp_path):
    """The notice was written into the progress bar's line ("...| 0.00/1.00 [00:00<?, ?h/s]
    compiling kernels once (about 8 s, ...)"), and named no cache."""
    cache = tmp_path / "numba-cache"
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "FORECAST_NUMPY_WORK": "0"}
    first = _forecast([*SMALL_RUN, "--out", str(tmp_path / "one.csv")], environment)
    [notice] = [line for line in first.stderr.split("\n") if "compiling kernels once" in line]
    [shown] = [line for line in _shown_lines(first.stderr) if "compiling kernels once" in line]
    assert shown == notice.rsplit("\r", 1)[-1]
    assert shown.startswith(f"compiling kernels once into {cache}{os.sep}numba-"), notice
    assert "of CPU time" in shown and "forecast warm-up" in shown

    warmed = _forecast(["warm-up"], environment)
    assert "compiling every kernel once into" in warmed.stderr
    assert warmed.stdout.startswith(f"{len(WARMED_KERNELS)} kernels ready in {cache}"), warmed
    assert ": compiled in " in warmed.stdout
    assert f"{len(WARMED_KERNELS)}/{len(WARMED_KERNELS)}" in warmed.stderr  # the bar, at its end

    again = _forecast(["warm-up"], environment)
    assert ": all loaded from the cache" in again.stdout, again.stdout
    assert "compiling" not in again.stderr
    later = _forecast([*SMALL_RUN, "--out", str(tmp_path / "two.csv")], environment)
    assert "compiling" not in later.stderr
    quiet = _forecast([*SMALL_RUN, "--quiet", "--out", str(tmp_path / "three.csv")], environment)
    assert quiet.stderr == ""  # no bar (a disabled one has no clock to set), no notice
