"""Set-up of a sweep's local worker processes, run by each as a dask preload.

Ctrl-C reaches every process of the terminal's process group, the workers too; the command's
own process handles it (it stops the sweep, status 130). A worker ignores it, instead of
printing a ``KeyboardInterrupt`` traceback of its own.

A worker's ``forecast`` logger passes its notices (the kernels compiling on a cold cache,
:data:`forecast.kernels._jit.COMPILE_NOTICE`) to the command, which prints them
(:func:`forecast.sweep.variants.dask_client` forwards them).
"""

from __future__ import annotations

import logging
import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore Ctrl-C (SIGINT) in this worker process and let its ``forecast`` logger's notices
    through (to the client that forwards them); dask calls this in the process's main thread
    as the worker starts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("forecast").setLevel(logging.INFO)
