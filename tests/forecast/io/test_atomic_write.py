"""An interruption anywhere in :func:`forecast.io.files.atomic_write` leaves no temporary file.

SIGTERM (``forecast.cli.run.Terminated``) and Ctrl-C are raised between any two bytecodes of
the main thread: one that landed after the temporary file was made but before the ``try`` that
removes it left ``.name.XXXX.tmp`` behind (CI, stop 36: ``test_interrupt`` failed 1 run in
many). Here the interruption is raised at every line of the function in turn, deterministically.
"""

from __future__ import annotations

import os
import stat
import sys

import pytest

from forecast.io.files import atomic_write


class _Interrupted(BaseException):
    pass


def _write_interrupted_at(path, line_event: int) -> bool:
    """Run ``atomic_write`` with an interruption raised at its ``line_event``-th line; True
    where it was raised (False: the call finished first)."""
    seen = 0
    raised = False
    code = atomic_write.__code__

    def local(frame, event, arg):
        nonlocal seen, raised
        if event == "line" and not raised:
            seen += 1
            if seen == line_event:
                raised = True
                raise _Interrupted
        return local

    def outer(frame, event, arg):
        return local if frame.f_code is code else None

    sys.settrace(outer)
    try:
        atomic_write(path, lambda tmp: tmp.write_text("complete\n"))
    except _Interrupted:
        pass
    finally:
        sys.settrace(None)
    return raised


def test_an_interruption_at_any_line_leaves_no_temporary_file(tmp_path):
    lines = 0
    for line_event in range(1, 200):
        folder = tmp_path / str(line_event)
        folder.mkdir()
        target = folder / "table.csv"
        interrupted = _write_interrupted_at(target, line_event)
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
