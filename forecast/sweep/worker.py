"""Set-up of a sweep's local worker processes, run by each as a dask preload.

Ctrl-C reaches every process of the terminal's process group, the workers too; the command's
own process handles it (it stops the sweep, status 130). A worker ignores it, instead of
printing a ``KeyboardInterrupt`` traceback of its own.
"""

from __future__ import annotations

import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore Ctrl-C (SIGINT) in this worker process; dask calls this in the process's main
    thread as the worker starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
