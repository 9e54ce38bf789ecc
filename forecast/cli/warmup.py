"""``forecast warm-up``: compile every kernel into the on-disk cache now, with a progress bar.

Run once after an install (or an upgrade that changes the kernels) so that the first
projection does not wait for the compile; the service's start-up does the same
(:func:`forecast.kernels.warm_up`). A warm cache makes it a matter of seconds: it only loads
the compiled code.
"""

from __future__ import annotations

import sys
import time

from forecast.cli.options import QuietOption


def warm_up(quiet: QuietOption = False) -> None:
    """Compile every kernel into the cache now (once after an install: the first projection
    then loads them instead of compiling), showing each kernel as it is done."""
    from tqdm import tqdm

    from forecast.kernels import WARMED_KERNELS, compile_seconds
    from forecast.kernels import warm_up as compile_every_kernel

    started = time.perf_counter()
    with tqdm(
        total=len(WARMED_KERNELS),
        disable=quiet,
        file=sys.stderr,
        desc="kernels",
        # No rate or time left: one kernel (the stream's) takes most of the compile.
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]",
    ) as bar:

        def progress(done: int, _total: int, name: str) -> None:
            bar.set_postfix_str(name, refresh=False)
            bar.update(done - bar.n)

        compile_every_kernel(progress=progress)
    from forecast.kernels import _jit

    compiled = compile_seconds()
    where = _jit.cache_directory() if _jit.CACHE_ENABLED else "no cache (FORECAST_NUMBA_CACHE=0)"
    how = f"compiled in {compiled:.1f} s" if compiled else "all loaded from the cache"
    print(
        f"{len(WARMED_KERNELS)} kernels ready in {where}: {how} "
        f"({time.perf_counter() - started:.1f} s in all)"
    )
