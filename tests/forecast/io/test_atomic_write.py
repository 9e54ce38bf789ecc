"""An interruption anywhere in :func:`forecast.io.files.atomic_write` leaves no temporary file.

SIGTERM (``forecast.cli.run.Terminated``) and Ctrl-C are raised between any two bytecodes of
the main thread: one that landed after the temporary file was made but before the ``try`` that
removes it left ``.name.XXXX.tmp`` behind (CI, stop 36: ``test_interrupt`` failed 1 run in
many). Here the interruption is raised at every line of the function in turn, deterministically.
"""

from __future__ import annotations

import os
import stat

import pytest

from forecast.io.files import atomic_write
from tests.support.interrupt import call_interrupted_at


def test_an_interruption_at_any_line_leaves_no_temporary_file(tmp_path):
    lines = 0
    for line_event in range(1, 200):
        folder = tmp_path / str(line_event)
        folder.mkdir()
        target = folder / "table.csv"
        interrupted = call_interrupted_at(
            atomic_write.__code__,
            lambda target=target: atomic_write(target, lambda tmp: tmp.write_text("complete\n")),
            line_event,
        )
        names = sorted(path.name for path in folder.iterdir())
        assert names in ([], ["table.csv"]), (line_event, names)
        if names:
            assert target.read_text() == "complete\n"  # never a part
        if not interrupted:
            break
        lines += 1
    else:
        pytest.fail("atomic_write never finished under the tracer")
    assert lines >= 5  # the tracer reached the function's lines


def test_the_file_gets_the_permissions_a_plain_open_gives(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.csv", lambda tmp: tmp.write_text("x"))
        (tmp_path / "b.csv").write_text("x")
    finally:
        os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "a.csv").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o644
