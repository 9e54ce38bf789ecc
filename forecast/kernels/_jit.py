"""Where the project meets numba: decorators, flags, threads and start-up compilation.

(The one intrinsic the kernels need, written in LLVM IR, is in :mod:`forecast.kernels._vector`.)

Flags are read once, when this module is first imported:

``FORECAST_NUMBA_CACHE``
    ``0`` turns off numba's on-disk cache of compiled kernels (a read-only install, or a
    kernel being debugged); unset or any other value keeps it on.
``FORECAST_VECTOR_COMPRESS``
    ``1`` makes the windowed quantile search count and gather with AVX-512's compress
    instruction (:mod:`forecast.kernels._vector`) even where the target lacks it (LLVM then
    expands it lane by lane, about 8x slower: for testing), ``0`` with its counting pass and
    gather; unset or any other value, compress where numba's target has AVX-512. Off under
    ``NUMBA_DISABLE_JIT`` and with an LLVM older than 19, which lacks the instruction. The
    setting is compiled into the kernels, so the cache directory is keyed on it as well.
``FORECAST_LINK_HELPERS_APART``
    ``0`` lets numba link each helper's code into every kernel that calls it (its default:
    the same results, a longer first compile), ``1`` compiles each helper once and has the
    kernels call it there on any numba from 0.63 (an older one lacks what this needs); unset
    or any other value, the latter on the numba versions it was read against
    (:data:`LINK_APART_NUMBA`) and numba's own linking on any other, so that a numba release
    that changes them costs compile time, not a failure.
``NUMBA_CACHE_DIR``
    numba's own flag: where the cache lives. The kernels' cache sits in a subdirectory named
    after numba's version and a digest of the kernel sources (see :func:`cache_directory`), by
    default under the per-user cache (:func:`forecast.paths.user_cache_dir`,
    ``~/.cache/ai-grid-forecast``), so that a reinstall, another virtual environment or another
    clone of the same sources loads the kernels instead of compiling them again.

numba checks a cached kernel only against its own file's time stamp, not against the files of
the kernels it calls: after an edit to ``kernels/quantiles.py`` the cached ``stream_chunk``
would still run the old ``_select`` and return wrong quantiles (this happened during
development). Keying the cache directory on every kernel source makes any edit start afresh.
``NUMBA_DISABLE_JIT``
    numba's own flag: ``1`` runs every kernel as plain Python, which is how the tests measure
    coverage of the kernel bodies.
``NUMBA_NUM_THREADS``
    numba's own flag: how many threads the kernels that split their work use (default: the
    machine's cores).

Every kernel is compiled serial and on first use, so a run compiles only the kernels it calls.
Kernels whose work splits (over blocks of draws, of days or of hours) are called on several threads
by :func:`parallel_calls`: they release the GIL. numba's own ``parallel=True`` would do the
same from inside the kernel, but compiling its parallel regions took 45 % of the compile time
of the streaming kernel (21.8 s against 11.9 s of CPU for the serial kernel, measured
2026-12-05 on the 2-core development machine), and the first compile is what a new user
waits for. The first compile of a process logs one line on the ``forecast`` logger (the
command line prints it): see :data:`COMPILE_NOTICE`.

numba compiles one specialisation per argument type, so callers pass C-contiguous arrays of
the production dtypes (float64 values, int64 indices, uint8 flags) and Python floats for
scalars: :func:`warm_up` compiles exactly those, and any other layout would compile again on a
user's request.
"""

import contextlib
import dataclasses
import hashlib
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

import llvmlite.binding
import numba
import numba.core.caching
import numba.core.codegen
import numba.core.event
import numba.core.registry

from forecast.paths import user_cache_dir, writable_directory

KernelFunction = TypeVar("KernelFunction", bound=Callable[..., Any])

# numba's config module and njit as the code uses them: its stubs know neither the settings
# read from the environment nor the flags passed through as keywords.
_CONFIG: Any = numba.config
_NJIT: Any = numba.njit

#: Whether compiled kernels are cached on disk (``FORECAST_NUMBA_CACHE``, read at import).
CACHE_ENABLED: bool = os.environ.get("FORECAST_NUMBA_CACHE", "1").strip() != "0"

#: numba's own ``NUMBA_DISABLE_JIT``: kernels run as Python (and hold the GIL).
NUMBA_DISABLE_JIT: bool = bool(_CONFIG.DISABLE_JIT)


def _target_has_avx512() -> bool:
    """Whether the code numba writes may use AVX-512: its ``NUMBA_CPU_FEATURES`` where set,
    else the host's features."""
    configured = _CONFIG.CPU_FEATURES
    if configured is None:
        configured = llvmlite.binding.get_host_cpu_features().flatten()
    return "+avx512f" in str(configured).split(",")


def _vector_compress_wanted() -> bool:
    """The ``FORECAST_VECTOR_COMPRESS`` setting (see the module's docstring)."""
    setting = os.environ.get("FORECAST_VECTOR_COMPRESS", "").strip()
    if NUMBA_DISABLE_JIT:  # a compiler intrinsic has no Python body to run
        return False
    if llvmlite.binding.llvm_version_info < (19,):  # llvm.experimental.vector.compress
        return False
    if setting in ("0", "1"):
        return setting == "1"
    return _target_has_avx512()


#: Whether the windowed search uses the compress instruction (``FORECAST_VECTOR_COMPRESS``).
VECTOR_COMPRESS: bool = _vector_compress_wanted()

#: The files whose compiled code the cache holds: this module and every kernel module beside it.
KERNEL_SOURCES: tuple[Path, ...] = tuple(sorted(Path(__file__).parent.glob("*.py")))


def source_digest(paths: tuple[Path, ...] = KERNEL_SOURCES) -> str:
    """First 16 hex digits of the sha256 over the named files' names and contents. [-]"""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_directory() -> Path:
    """Where the kernels' compiled code is cached: ``<base>/numba-<numba version>-<source
    digest>``, with ``-compress`` appended when :data:`VECTOR_COMPRESS` is on.

    ``<base>`` is the first of these that this process can write in: ``NUMBA_CACHE_DIR`` when
    set, the per-user cache (:func:`forecast.paths.user_cache_dir`), the package's
    ``forecast/kernels/__pycache__``. Should none be writable, the per-user one is named and
    numba falls back to its own locations (a read-only install, whose sources do not change).
    The name holds everything the compiled code depends on besides the CPU and Python version,
    which numba keys each file on itself, so installs of several versions share the base.
    """
    name = f"numba-{numba.__version__}-{source_digest()}{'-compress' if VECTOR_COMPRESS else ''}"
    bases = [Path(_CONFIG.CACHE_DIR)] if _CONFIG.CACHE_DIR else []
    bases += [user_cache_dir(), Path(__file__).parent / "__pycache__"]
    for base in bases:
        if writable_directory(base / name):
            return base / name
    return bases[-2] / name


class _KernelCacheLocator(numba.core.caching.UserProvidedCacheLocator):
    """numba's locator of ``NUMBA_CACHE_DIR``, for the kernels of this package while
    :func:`_kernel_cache` points it at :func:`cache_directory`: every kernel file goes in one
    ``kernels`` folder there, where numba's own locator makes a folder per hash of the source
    file's absolute path, which another virtual environment or clone would not find. The cache
    directory's name holds the digest of the sources, and numba checks each file against its
    source's contents, so the path adds nothing."""

    def __init__(self, py_func: Callable[..., Any], py_file: str) -> None:
        super().__init__(py_func, py_file)
        self._cache_path = str(_CACHE_DIRECTORY / "kernels")

    @classmethod
    def from_function(cls, py_func: Callable[..., Any], py_file: str) -> Any:
        """This locator for a kernel being decorated by this module, else None (numba's own)."""
        if str(_CACHE_DIRECTORY) != _CONFIG.CACHE_DIR:
            return None
        return super().from_function(py_func, py_file)


# numba tries its locators in order and takes the first that answers (``CacheImpl`` in newer
# numba, ``_CacheImpl`` in older ones). A numba whose internals moved keeps its own locators:
# the cache still works, a folder per source path, as before this locator.
_CACHING = vars(numba.core.caching)
_LOCATORS: Any = getattr(
    _CACHING.get("CacheImpl") or _CACHING.get("_CacheImpl"), "_locator_classes", None
)
if isinstance(_LOCATORS, list) and _KernelCacheLocator not in _LOCATORS:
    _LOCATORS.insert(0, _KernelCacheLocator)


#: Held while a kernel is decorated: :func:`_kernel_cache` swaps a process-wide setting.
_DECORATING = threading.Lock()


@contextlib.contextmanager
def _kernel_cache() -> Iterator[None]:
    """Point numba's cache at :func:`cache_directory` while a kernel is being decorated.

    numba fixes a function's cache path when it is decorated, so the setting is restored
    straight afterwards and other numba users in the process keep their own. One kernel is
    decorated at a time: a projection imports its first kernel modules on two threads (the
    baseline's noise is drawn on its own), and a thread that restored the setting while
    the other was decorating left that kernel cached outside the directory, where the next
    run, decorated in it, did not find it and compiled again (1 warm run in 4;
    ``test_kernels_decorated_on_two_threads_both_cache_in_the_kernel_directory``).
    """
    with _DECORATING:
        previous = _CONFIG.CACHE_DIR
        _CONFIG.CACHE_DIR = str(_CACHE_DIRECTORY)
        try:
            yield
        finally:
            _CONFIG.CACHE_DIR = previous


_CACHE_DIRECTORY = cache_directory()


@dataclasses.dataclass(frozen=True)
class _HelperLoader:
    """Makes one compiled helper callable under the symbol a kernel's compiled code calls it by.

    A kernel that calls a helper compiled apart (:class:`_KernelOnlyDispatcher`) holds only a
    call to the helper's symbol, ``symbol``: numba's name for the helper's specialisation, which
    carries a number that counts compiles within the process that compiled it. Called before
    such a kernel is loaded from numba's cache (numba runs a cached function's ``reload_init``
    first), it loads or compiles the helper's specialisation for ``arguments`` and adds its
    address under ``symbol`` to the symbols the loader resolves calls against, so the kernel
    finds it even where the helper was compiled again since, under another number (a cache
    written by two processes at once)."""

    module: str
    name: str
    arguments: tuple[Any, ...]
    symbol: str

    def __call__(self) -> None:
        helper = getattr(importlib.import_module(self.module), self.name)
        helper.compile(self.arguments)
        compiled = helper.overloads[self.arguments]
        if compiled.fndesc.llvm_func_name != self.symbol:
            address = compiled.library.get_pointer_to_function(compiled.fndesc.llvm_func_name)
            llvmlite.binding.add_symbol(self.symbol, address)


class _KernelOnlyDispatcher(numba.core.registry.CPUDispatcher):
    """A helper compiled without numba's entry from Python (see :func:`_compile`): kernels
    call it as any other, a call from Python is refused (it would jump to a null address).

    Its code is compiled and optimised once, on its own: kernels that call it call it there
    (:func:`_link_helpers_apart`) instead of numba's default, which links the helper's code into
    every kernel that calls it and optimises and translates it again in each.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{self.py_func.__qualname__} is compiled for calls from kernels only; call the "
            "kernel that uses it"
        )

    def add_overload(self, cres: Any) -> None:
        """Register a compiled or cache-loaded specialisation, its code marked as a helper's."""
        super().add_overload(cres)
        cres.library._forecast_helper = _HelperLoader(
            self.py_func.__module__,
            self.py_func.__name__,
            tuple(cres.signature.args),
            cres.fndesc.llvm_func_name,
        )


# numba's class of compiled code, as this module changes it: its stubs type the method.
_CODE_LIBRARY: Any = numba.core.codegen.CPUCodeLibrary
_ADD_LINKING_LIBRARY = _CODE_LIBRARY.add_linking_library

#: The numba versions, from and below, whose internals :func:`_link_helpers_apart` relies on:
#: a code library's ``_reload_init``, which numba 0.63 added and a compile passes on to the
#: cached function, and ``add_linking_library`` as numba 0.63-0.68 wrote it (read in their
#: sources; the suite runs on 0.68.1).
LINK_APART_NUMBA: tuple[tuple[int, int], tuple[int, int]] = ((0, 63), (0, 69))


def links_helpers_apart(numba_version: str, setting: str | None) -> bool:
    """Whether helpers are compiled once and called where they were compiled
    (``FORECAST_LINK_HELPERS_APART``, see the module's docstring).

    Parameters
    ----------
    numba_version : str
        numba's ``__version__``, e.g. ``"0.68.1"``. [-]
    setting : str or None
        The flag's value: ``"0"`` never, ``"1"`` on any version from the first of
        :data:`LINK_APART_NUMBA` (an older one lacks the internals); unset or any other value,
        on the versions of :data:`LINK_APART_NUMBA` only. [-]

    Returns
    -------
    bool
        True to link apart; False for numba's own linking, which gives the same results and
        compiles about 25 % longer. [-]
    """
    release = tuple(int(part) for part in numba_version.split(".")[:2] if part.isdigit())
    low, high = LINK_APART_NUMBA
    if setting == "0" or len(release) != 2 or release < low:
        return False
    return setting == "1" or release < high


def _link_helpers_apart(library: Any, linked: Any) -> None:
    """numba's ``CPUCodeLibrary.add_linking_library``, which a kernel's compiled code calls
    for each function it calls, except for a helper of this package's: its code stays where it
    was compiled and the kernel calls it there, the helper loaded first when the kernel is
    loaded from the cache (:class:`_HelperLoader`).

    numba links each callee's optimised code into every caller and optimises and translates
    the whole again, so a helper called by three kernels was optimised four times: apart, the
    quick start's first command compiled in 7.6 s of CPU instead of 9.4 s, with the same
    results bit for bit (2026-12-07, :data:`COMPILE_SECONDS`). A helper is then a call the
    kernel's optimiser cannot inline: each is called once a day, an hour, a column or a
    segment of days and loops over draws itself, so the call costs nothing measurable (the
    stream kernel's time against its floor, ``python -m tests.benchmarks.cases national``).
    """
    loader = getattr(linked, "_forecast_helper", None)
    if loader is None:
        _ADD_LINKING_LIBRARY(library, linked)
        return
    linked._ensure_finalized()
    library._reload_init.update(linked._reload_init)
    library._reload_init.add(loader)


#: Whether this process links helpers apart (:func:`links_helpers_apart`, read at import).
LINK_HELPERS_APART: bool = links_helpers_apart(
    numba.__version__, os.environ.get("FORECAST_LINK_HELPERS_APART", "").strip() or None
)
if LINK_HELPERS_APART:
    _CODE_LIBRARY.add_linking_library = _link_helpers_apart


def _compile(function: Callable[..., Any], *, python_entry: bool = True, **flags: Any) -> Any:
    """Compile ``function`` with numba's ``flags``, cached, without the GIL.

    No kernel is passed to another as a first-class function, so none needs numba's C
    function wrapper, and a helper called only from kernels (``python_entry`` false) needs no
    wrapper that unboxes its arguments from Python either: each wrapper is compiled, optimised
    and written to the cache with the function, and one taking :class:`~forecast.kernels.
    layout.StreamInputs` unboxes 17 fields. Without them, and with the stream's non-AI code
    compiled only where a chunk has non-AI loads, the quick start's first command compiled in
    10.5 s of CPU instead of 13.8 s (:data:`COMPILE_SECONDS`; with the helpers' code no longer
    linked into each kernel, :func:`_link_helpers_apart`, 7.6 s).
    """
    wrappers = {"no_cfunc_wrapper": True, "no_cpython_wrapper": not python_entry}
    with _kernel_cache() if CACHE_ENABLED else contextlib.nullcontext():
        compiled = _NJIT(cache=CACHE_ENABLED, nogil=True, **wrappers, **flags)(function)
    if not python_entry and not NUMBA_DISABLE_JIT:
        compiled.__class__ = _KernelOnlyDispatcher
    return compiled


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


def helper_jit(function: KernelFunction) -> KernelFunction:
    """:func:`jit` for a helper that only kernels call: compiled without the wrapper that
    Python's calls go through (a call from Python raises ``TypeError``), which a first run
    would compile for nothing. Takes and returns what :func:`jit` does."""
    compiled = _compile(function, python_entry=False, fastmath=False)
    return cast("KernelFunction", compiled)


def borrowing_jit(function: KernelFunction) -> KernelFunction:
    """Compile a serial kernel called once a row or an hour: :func:`jit` without numba's
    reference counting (its ``_nrt=False`` option), for a function that only borrows arrays.

    numba counts references to every array a compiled function holds: on entry to a function
    that is not inlined it increments the count of each array argument (each array of a
    named tuple of them: :class:`~forecast.kernels.windows.WindowState` has 16) and decrements
    it on the way out, with an atomic instruction each; two threads doing so on the same
    arrays' counts (the stream's inputs and outputs) pass the cache line between the cores.
    In the streaming kernel that was 13 % of its time at 1,000 draws (``perf``, 2026-12-05).
    A function that allocates no array, returns none and keeps none after it returns needs no
    count: its caller holds every array it touches for longer. Such a function may call
    :func:`jit` kernels (they count for themselves), but must not allocate (numba refuses to
    compile ``np.empty`` and the like without reference counting). Only kernels call it, as
    :func:`helper_jit`. Takes and returns what :func:`jit` does.
    """
    compiled = _compile(function, python_entry=False, fastmath=False, _nrt=False)
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
    :mod:`forecast.kernels.stream`): reassociation lets their sums vectorise. Such a helper is
    called once a row and an hour, so it borrows its arrays as :func:`borrowing_jit` does (no
    reference counting; it must not allocate).

    Parameters
    ----------
    function : callable
        The helper's Python source. [-]

    Returns
    -------
    callable
        The compiled dispatcher. [-]
    """
    compiled = _compile(function, python_entry=False, fastmath=True, _nrt=False)
    return cast("KernelFunction", compiled)


def thread_count() -> int:
    """Threads that :func:`parallel_calls` uses (``NUMBA_NUM_THREADS``, default the cores). [-]"""
    return int(_CONFIG.NUMBA_NUM_THREADS)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's worker threads for :func:`parallel_calls`, started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(
                max_workers=max(thread_count() - 1, 1), thread_name_prefix="forecast-kernel"
            )
        return _POOL


def _forget_pool() -> None:
    """A forked child has the parent's pool object but none of its threads: start afresh."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


def parallel_calls(kernel: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> None:
    """Run ``kernel(*arguments)`` for each tuple of ``calls``, side by side on threads.

    The calls must write to disjoint parts of their outputs. The first runs on the calling
    thread (which compiles the kernel if it is new: numba's compiler lock makes the others
    wait for it rather than compile again), the rest on the pool; an exception in any is
    raised here. The kernels release the GIL (``nogil``), so the threads run in parallel.

    Parameters
    ----------
    kernel : callable
        A compiled kernel. [-]
    calls : sequence of tuple
        The arguments of each call. [-]
    """
    if len(calls) == 1 or NUMBA_DISABLE_JIT:
        for arguments in calls:
            kernel(*arguments)
        return
    futures = [_pool().submit(kernel, *arguments) for arguments in calls[1:]]
    try:
        kernel(*calls[0])
    finally:
        for future in futures:
            future.result()


def split(count: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``(first, last)`` ranges covering ``range(count)``, none empty
    unless ``count`` is 0 (then one empty range). [-]"""
    parts = max(min(parts, count), 1)
    return [(part * count // parts, (part + 1) * count // parts) for part in range(parts)]


#: CPU time of the compile of the kernels a projection needs, on a fresh cache, as the command
#: line announces it: CPU, not wall time, because the wall time grows with the machine's load
#: (the quick start's compile took 57 s of wall time at a load average of 6, 187 s at 10).
#: Measured as the CPU time (user + system) of a first run on an empty NUMBA_CACHE_DIR less
#: that of a second, on 2 shared cores (Intel Xeon), 2026-12-07, at a load average of 15-30
#: (more CPU per compile than on a quiet machine): the quick start's annual run (`forecast
#: project kr-national --draws 1000 --resolution annual`: 10.5 s, n=2, alternating with
#: the code before helpers lost their unused wrappers and the non-AI code its compile where
#: there is none, which took 13.8 s in the same runs, n=3; 7.3 s at a load of 4-5), and an
#: hourly run of 128 draws or more, which also compiles the windowed quantile search (`--start
#: 2030-01-01 --end 2030-12-31 --out h.parquet`: 30.2 - 3.5 s, n=2). Since the helpers' code is
#: no longer linked into every kernel that calls it (:func:`_link_helpers_apart`), the quick
#: start compiles in 7.6 s (7.3-7.9, n=3; on an AMD EPYC at a load of 12-18, alternating with
#: the code before, 9.4 s, 9.3-9.7). [s]
COMPILE_SECONDS = 8
HOURLY_COMPILE_SECONDS = 27
#: CPU time of :func:`forecast.kernels.warm_up` compiling every kernel on a fresh cache (the
#: service's start-up, ``forecast warm-up``), measured as above: 56.0 - 1.6 s, n=1, at a load
#: of 12 (it compiles the stream kernels without flexibility both with and without non-AI
#: code). [s]
WARM_UP_COMPILE_SECONDS = 54


def _notice(what: str, seconds: str, later: str) -> str:
    """A compile notice: what compiles, where the compiled code goes, its CPU time."""
    where = (
        f"into {_CACHE_DIRECTORY}"
        if CACHE_ENABLED
        else "without a cache (FORECAST_NUMBA_CACHE=0: every run compiles again)"
    )
    return (
        f"compiling {what} once {where} (about {seconds} of CPU time measured on 2 cores; "
        f"more wall time on a busy machine); {later}"
    )


#: What the ``forecast`` logger says when a process first compiles a kernel.
COMPILE_NOTICE = _notice(
    "kernels",
    f"{COMPILE_SECONDS} s, {HOURLY_COMPILE_SECONDS} s for hourly answers,",
    "later runs load them from the cache, and `forecast warm-up` compiles them all ahead",
)
#: What the ``forecast`` logger says when :func:`forecast.kernels.warm_up` first compiles a
#: kernel (the service's start-up and ``forecast warm-up``: they compile every kernel).
WARM_UP_NOTICE = _notice(
    "every kernel", f"{WARM_UP_COMPILE_SECONDS} s", "later starts load them from the cache"
)


class _CompileNotice(numba.core.event.Listener):
    """Logs :data:`COMPILE_NOTICE` when the first kernel of this package starts to compile,
    and counts the time spent compiling (:func:`compile_seconds`).

    numba raises the ``numba:compile`` event only for a real compile, not when it loads a
    kernel from the cache, so a warm start says nothing. A kernel's compile raises the events
    of the kernels it calls inside its own, all under numba's compiler lock (one compile at a
    time in a process): the outermost pair is timed.
    """

    def __init__(self) -> None:
        self.said = False
        self.notice = COMPILE_NOTICE
        self.seconds = 0.0
        self._depth = 0
        self._began = 0.0

    def on_start(self, event: numba.core.event.Event) -> None:
        if self._depth == 0:
            self._began = time.perf_counter()
        self._depth += 1
        function = event.data["dispatcher"].py_func
        if not self.said and function.__module__.startswith("forecast."):
            self.said = True
            logging.getLogger("forecast").info(self.notice)

    def on_end(self, event: numba.core.event.Event) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._began


_COMPILE_NOTICE = _CompileNotice()
numba.core.event.register("numba:compile", _COMPILE_NOTICE)


@contextlib.contextmanager
def compile_notice(notice: str) -> Iterator[None]:
    """Announce a first compile inside the block with ``notice`` instead of
    :data:`COMPILE_NOTICE` (:func:`forecast.kernels.warm_up`: :data:`WARM_UP_NOTICE`)."""
    previous = _COMPILE_NOTICE.notice
    _COMPILE_NOTICE.notice = notice
    try:
        yield
    finally:
        _COMPILE_NOTICE.notice = previous


def compile_seconds() -> float:
    """Wall time this process has spent compiling numba code so far. [s]"""
    return _COMPILE_NOTICE.seconds
