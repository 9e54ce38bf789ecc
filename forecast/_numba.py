"""The one place the project touches numba: decorators, flags and start-up compilation.

Flags are read once, when this module is first imported:

``FORECAST_NUMBA_CACHE``
    ``0`` turns off numba's on-disk cache of compiled kernels (a read-only install, or a
    kernel being debugged); unset or any other value keeps it on.
``NUMBA_CACHE_DIR``
    numba's own flag: where the cache lives. The kernels' cache sits in a subdirectory named
    after a digest of the kernel sources (see :func:`cache_directory`), by default under
    ``forecast/__pycache__``.

numba checks a cached kernel only against its own file's time stamp, not against the files of
the kernels it calls: after an edit to ``kernels/quantiles.py`` the cached ``stream_chunk``
would still run the old ``_select`` and return wrong quantiles (this happened during
development). Keying the cache directory on every kernel source makes any edit start afresh.
``NUMBA_DISABLE_JIT``
    numba's own flag: ``1`` runs every kernel as plain Python, which is how the tests measure
    coverage of the kernel bodies.

numba compiles one specialisation per argument type, so callers pass C-contiguous arrays of
the production dtypes (float64 values, int64 indices, uint8 flags) and Python floats for
scalars: :func:`warm_up` compiles exactly those, and any other layout would compile again on a
user's request.
"""

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

KernelFunction = TypeVar("KernelFunction", bound=Callable[..., Any])
#: Array types of the kernels' arguments (numba ignores annotations; they serve mypy).
FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
FlagArray = NDArray[np.uint8]

#: Whether compiled kernels are cached on disk (``FORECAST_NUMBA_CACHE``, read at import).
CACHE_ENABLED: bool = os.environ.get("FORECAST_NUMBA_CACHE", "1").strip() != "0"

#: ``range`` that numba splits over threads inside a :func:`parallel_jit` kernel.
prange = numba.prange

#: The files whose compiled code the cache holds: this module and every kernel module.
KERNEL_SOURCES: tuple[Path, ...] = (
    Path(__file__),
    *sorted((Path(__file__).parent / "kernels").glob("*.py")),
)


def source_digest(paths: tuple[Path, ...] = KERNEL_SOURCES) -> str:
    """First 16 hex digits of the sha256 over the named files' names and contents. [-]"""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_directory() -> Path:
    """Where the kernels' compiled code is cached: ``<base>/numba-<source digest>``.

    ``<base>`` is ``NUMBA_CACHE_DIR`` when set, else ``forecast/__pycache__``. Should it not
    be writable, numba falls back to its own locations (a read-only install, whose sources do
    not change).
    """
    base = numba.config.CACHE_DIR or str(Path(__file__).parent / "__pycache__")
    return Path(base) / f"numba-{source_digest()}"


@contextlib.contextmanager
def _kernel_cache() -> Iterator[None]:
    """Point numba's cache at :func:`cache_directory` while a kernel is being decorated.

    numba fixes a function's cache path when it is decorated, so the setting is restored
    straight afterwards and other numba users in the process keep their own.
    """
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(_CACHE_DIRECTORY)
    try:
        yield
    finally:
        numba.config.CACHE_DIR = previous


_CACHE_DIRECTORY = cache_directory()


def _compile(function: Callable[..., Any], **flags: bool) -> Any:
    with _kernel_cache() if CACHE_ENABLED else contextlib.nullcontext():
        return numba.njit(cache=CACHE_ENABLED, nogil=True, **flags)(function)


def jit(function: KernelFunction) -> KernelFunction:
    """Compile a serial kernel in nopython mode.

    ``fastmath`` stays off: the kernel-versus-twin tests in
    ``tests/forecast/kernels/test_twins.py`` compare to 1e-12 relative and the quantile kernel
    must equal ``np.quantile`` bit for bit.
    ``nogil`` lets Dask threads run kernels side by side.

    Parameters
    ----------
    function : callable
        The kernel's Python source. [-]

    Returns
    -------
    callable
        The compiled dispatcher (the function itself under ``NUMBA_DISABLE_JIT=1``). [-]
    """
    compiled = _compile(function, fastmath=False)
    return cast("KernelFunction", compiled)


def inline_jit(function: KernelFunction) -> KernelFunction:
    """Compile a one-line formula that numba inlines into every kernel that calls it.

    ``inline="always"`` makes numba paste the formula's body into the caller before it
    optimises, so a formula stated once costs nothing in a hot loop (it vectorises with it).

    Parameters
    ----------
    function : callable
        The formula's Python source. [-]

    Returns
    -------
    callable
        The compiled dispatcher. [-]
    """
    with _kernel_cache() if CACHE_ENABLED else contextlib.nullcontext():
        compiled = numba.njit(cache=CACHE_ENABLED, nogil=True, inline="always")(function)
    return cast("KernelFunction", compiled)


def approximate_jit(function: KernelFunction) -> KernelFunction:
    """Compile a serial helper with ``fastmath`` on, for estimates that never reach a result.

    Only for predictors whose output is checked exactly afterwards (the quantile windows of
    :mod:`forecast.kernels.stream`): reassociation lets their sums vectorise.

    Parameters
    ----------
    function : callable
        The helper's Python source. [-]

    Returns
    -------
    callable
        The compiled dispatcher. [-]
    """
    compiled = _compile(function, fastmath=True)
    return cast("KernelFunction", compiled)


def parallel_jit(function: KernelFunction) -> KernelFunction:
    """Compile a kernel whose outer :data:`prange` loop runs on numba's thread pool.

    Used by the kernels that are independent per draw (or per hour, for quantiles); the same
    flags as :func:`jit` otherwise.

    Parameters
    ----------
    function : callable
        The kernel's Python source. [-]

    Returns
    -------
    callable
        The compiled dispatcher (the function itself under ``NUMBA_DISABLE_JIT=1``). [-]
    """
    compiled = _compile(function, fastmath=False, parallel=True)
    return cast("KernelFunction", compiled)


def thread_count() -> int:
    """Threads that numba's parallel kernels use now (``NUMBA_NUM_THREADS`` caps it). [-]"""
    return int(numba.get_num_threads())


def warm_up() -> tuple[str, ...]:
    """Compile every kernel for the production dtypes by calling it once on tiny inputs.

    The service calls this in its start-up (lifespan) hook so that no user request pays for
    compilation; with the on-disk cache a later start-up only loads the compiled code.

    Returns
    -------
    tuple of str
        Names of the kernels compiled, in call order. [-]
    """
    # Imported here because the kernel modules import this module for their decorators.
    from forecast import kernels

    draws, months, hours, regions, years = 2, 3, 4, 1, 1
    survival = np.ones((draws, months))
    additions, installed = np.empty((draws, months)), np.empty((draws, months))
    kernels.stock_flow(
        np.ones((draws, months)), np.zeros((draws, months)), np.full(draws, -1), survival,
        additions, installed,
    )  # fmt: skip
    kernels.surviving_stock(additions, survival, installed)
    hosted_mw, hosted_count, waited = (np.empty((draws, months)) for _ in range(3))
    kernels.place_in_capacity(
        additions, additions, survival, np.ones((draws, months)), hosted_mw, hosted_count, waited
    )
    kernels.site_capacity(
        np.ones(draws), np.zeros(draws), 1.0, np.ones(draws, dtype=np.uint8), hosted_mw
    )

    hour_index = np.zeros(hours, dtype=np.int64)
    shape = np.empty(hours)
    kernels.inference_profile(hour_index, np.ones(hours, dtype=np.uint8), 0.1, 14.0, 0.9, shape)
    kernels.quantiles_over_draws(
        np.ones((draws, hours)), np.array([0.1, 0.9]), np.empty((2, hours))
    )
    inputs = kernels.StreamInputs(
        coef_t=np.ones((months, regions, 4, draws)),
        non_ai_t=np.ones((months, 4, draws)),
        month_of_hour=np.zeros(hours, dtype=np.int64),
        inference_shape=shape,
        cooling_excess_c=np.ones((1, hours)),
        baseline_level_t=np.ones((years, draws)),
        baseline_shape=np.ones((1, hours)),
        daily_noise_t=np.ones((1, draws)),
        year_of_day=np.zeros(1, dtype=np.int64),
        day_starts=np.array([0, hours]),
        group_bounds=np.array([0, draws]),
        flex_share=np.zeros(draws),
        stress_level_t=np.full((years, draws), np.inf),
        flex_shift=False,
    )
    kernels.stream_chunk(
        inputs, np.array([0.1, 0.9]), np.arange(3), np.empty((3, 2, hours)),
        np.empty((7 + regions, 1, draws)), np.empty((1, 7, years, draws)),
    )  # fmt: skip
    kernels.hourly_rows(inputs, 0, 1, np.arange(2), np.arange(draws), np.empty((2, draws, hours)))
    kernels.stress_levels(
        inputs, 0, 0.0, np.empty((draws, 2)), np.zeros(draws, dtype=np.int64),
        np.full(draws, -1), np.empty((years, draws)), np.empty((years, draws)),
        np.empty((years, draws)),
    )  # fmt: skip
    kernels.connect_sites(
        np.ones((1, draws)), np.zeros((1, draws)), np.ones(1), np.ones((1, draws), np.uint8),
        np.ones((draws, months)), np.empty((1, draws, months)),
    )  # fmt: skip
    return (
        "stock_flow",
        "surviving_stock",
        "place_in_capacity",
        "site_capacity",
        "inference_profile",
        "quantiles_over_draws",
        "stream_chunk",
        "hourly_rows",
        "stress_levels",
        "connect_sites",
    )
