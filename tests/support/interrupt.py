"""Interrupting a function at a chosen line, as SIGTERM or Ctrl-C can (not collected).

The command line raises :class:`forecast.cli.run.Terminated` on SIGTERM, and Python raises
KeyboardInterrupt on Ctrl-C, between any two bytecodes of the main thread. A test that must
hold whatever the moment calls :func:`call_interrupted_at` for every line in turn, which is
deterministic where sending a real signal is a race.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType


class Interrupted(BaseException):
    """The interruption raised: a BaseException, as ``Terminated`` and KeyboardInterrupt are."""


def call_interrupted_at(code: CodeType, call: Callable[[], object], line_event: int) -> bool:
    """Run ``call()`` with :class:`Interrupted` raised at the ``line_event``-th line that the
    function of ``code`` runs (counted across its calls); True where it was raised, False where
    ``call`` finished first."""
    seen = 0
    raised = False

    def local(frame, event, arg):
        nonlocal seen, raised
        if event == "line" and not raised:
            seen += 1
            if seen == line_event:
                raised = True
                raise Interrupted
        return local

    def outer(frame, event, arg):
        return local if frame.f_code is code else None

    sys.settrace(outer)
    try:
        call()
    except Interrupted:
        pass
    finally:
        sys.settrace(None)
    return raised
