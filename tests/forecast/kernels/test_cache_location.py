"""Where compiled kernels and holiday calendars are cached: a per-user directory outside the
installed package (report-speed MEDIUM 4: a reinstall, a new virtual environment or a clone
compiled every kernel again, 20-25 s of CPU)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import pytest

from forecast import paths
from forecast.kernels import _jit

#: The checkout under test: a subprocess started there imports its ``forecast``.
REPOSITORY = Path(__file__).resolve().parents[3]

needs_cache = pytest.mark.skipif(
    not _jit.CACHE_ENABLED or bool(numba.config.DISABLE_JIT), reason="no cache to locate"
)


def test_the_user_cache_follows_xdg_cache_home_else_the_home_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.user_cache_dir() == tmp_path / "xdg" / "ai-grid-forecast"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG specification: ignored
    assert paths.user_cache_dir() == tmp_path / "home" / ".cache" / "ai-grid-forecast"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert paths.user_cache_dir() == tmp_path / "home" / ".cache" / "ai-grid-forecast"


def test_kernel_cache_directory_numba_cache_dir_then_user_cache_then_package(monkeypatch, tmp_path):
    """NUMBA_CACHE_DIR when set and writable; else the per-user cache; else the package's own
    ``__pycache__``. Named after numba's version and the kernels' sources either way."""
    name = _jit.cache_directory().name
    assert name.startswith(f"numba-{numba.__version__}-{_jit.source_digest()}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "numba"))
    assert _jit.cache_directory() == tmp_path / "numba" / name
    assert (tmp_path / "numba" / name).is_dir()
    # Not writable (a file where its parent should be; chmod would not stop root): skipped.
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "a-file" / "numba"))
    assert _jit.cache_directory() == tmp_path / "xdg" / "ai-grid-forecast" / name
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    assert _jit.cache_directory() == tmp_path / "xdg" / "ai-grid-forecast" / name
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file" / "xdg"))
    package_cache = Path(_jit.__file__).parent / "__pycache__" / name
    assert _jit.cache_directory() == package_cache


_KERNEL = textwrap.dedent(
    """
    import json, sys
    from forecast.kernels import _jit

    @_jit.jit
    def twice(x):
        return 2.0 * x

    twice(1.5)
    hits = sum(twice.stats.cache_hits.values())
    print(json.dumps({"path": twice._cache._cache_path, "hits": hits}))
    """
)


@needs_cache
@pytest.mark.skipif(
    tuple(int(part) for part in numba.__version__.split(".")[:2]) < (0, 68),
    reason="numba before 0.68 keys a cached function on its source file's time stamp",
)
def test_a_kernel_compiled_from_one_checkout_is_loaded_from_another(tmp_path):
    """The same kernel source in two directories (two clones, two virtual environments) shares
    its compiled code: numba's own locator kept a folder per source directory, so the second
    compiled again."""
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    found = []
    for clone in ("one", "two"):
        (tmp_path / clone).mkdir()
        (tmp_path / clone / "kernel_module.py").write_text(_KERNEL)
        load = f"import sys; sys.path.insert(0, {str(tmp_path / clone)!r}); import kernel_module"
        completed = subprocess.run(
            [sys.executable, "-c", load], cwd=REPOSITORY,
            capture_output=True, text=True, check=True, timeout=300, env=environment,
        )  # fmt: skip
        found.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    assert found[0]["path"] == found[1]["path"]
    assert Path(found[0]["path"]).parent.parent == tmp_path / "cache"
    assert found[1]["hits"] == 1, found


def test_holiday_calendars_are_cached_in_the_user_cache(tmp_path):
    """The holiday calendars too: a reinstall wiped ``forecast/__pycache__/holidays``."""
    completed = subprocess.run(
        [sys.executable, "-c", "import forecast.calendar as c; print(c.HOLIDAY_CACHE)"],
        cwd=REPOSITORY, capture_output=True, text=True, check=True, timeout=120,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
    )  # fmt: skip
    assert Path(completed.stdout.strip()) == tmp_path / "ai-grid-forecast" / "holidays"
