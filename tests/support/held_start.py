"""``forecast`` with the service's start-up held before it compiles the kernels (not collected).

A test hook, for a real server whose start-up a test wants to watch:
``FORECAST_TEST_HOLD_START=<file> python -m tests.support.held_start serve ...`` runs the
``forecast`` command line as installed, except that the service's kernel step waits until
``<file>`` exists, then compiles as usual. Everything else (uvicorn, the app, its lifespan, the
other start-up steps) is the real thing. :func:`tests.support.server.start_server` starts it
with ``hold_start_until=``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from forecast.cli import main
from service.state import ServiceState
from tests.support.server import HOLD_START_VARIABLE


def _held(compile_kernels):
    gate = Path(os.environ[HOLD_START_VARIABLE])

    def compile_when_let_go(state: ServiceState) -> None:
        while not gate.exists():
            time.sleep(0.05)
        compile_kernels(state)

    return compile_when_let_go


if __name__ == "__main__":
    ServiceState._compile = _held(ServiceState._compile)  # type: ignore[method-assign]
    sys.exit(main())
