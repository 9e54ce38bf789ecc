"""What a first run compiles: the kernels' helpers without the wrappers nothing calls and once
each, called where they were compiled, and the stream kernels without flexibility without the
non-AI code a chunk without non-AI loads never runs (the quick start's ``kr-national``). Each
counts numba's compiles in a process of its own on an empty cache, where a kernel loaded from
the cache would have compiled nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from forecast.kernels import _jit
from tests.support.kernel_inputs import PLAIN_INPUTS

pytestmark = pytest.mark.skipif(bool(numba.config.DISABLE_JIT), reason="counts numba's compiles")

#: A stream chunk without flexibility or non-AI loads and its regions at the peak, then what
#: numba compiled for the helpers they call.
_PLAIN_CHUNK = (
    PLAIN_INPUTS
    + """
rows = np.arange(3)
kernels.stream_chunk(inputs, np.array([0.5]), rows, np.empty((3, 1, hours)),
                     np.empty((7 + regions, 1, draws)), np.empty((1, PEAK_COUNT, 1, draws)))
kernels.region_loads_at(inputs, np.zeros((1, draws), dtype=np.int64),
                        np.empty((regions, 1, draws)))
helpers = {"_hour_values": stream._hour_values, "_close_day": stream._close_day,
           "_non_ai_day": stream._non_ai_day, "_accumulate_hour": stream._accumulate_hour,
           "_column_quantiles": quantiles._column_quantiles, "_select": quantiles._select}
try:
    quantiles._select(np.ones(3), 0, 2, 1)
    refused = False
except TypeError:
    refused = True
print(json.dumps({
    "non_ai": {name: [str(signature[-1]) for signature in helpers[name].signatures]
               for name in ("_hour_values", "_close_day", "_non_ai_day")},
    "wrappers": {
        name: sorted({line.split("@")[1].split(".")[0]
                      for overload in helper.overloads.values()
                      for line in overload.library.get_llvm_str().splitlines()
                      if line.startswith("define") and ("@cpython." in line or "@cfunc." in line)})
        for name, helper in helpers.items()
    },
    "refused": refused,
    "kernel": {
        kind: sorted({name for name, helper in helpers.items()
                      for signature in helper.overloads.values()
                      for overload in stream.stream_days_plain.overloads.values()
                      for line in overload.library.get_llvm_str().splitlines()
                      if line.startswith(kind) and signature.fndesc.llvm_func_name in line})
        for kind in ("declare", "define")
    },
}))
"""
)

#: The same chunk's results and the name of ``_hour_values``' compiled code.
_CHUNK_RESULTS = (
    PLAIN_INPUTS
    + """
days, peaks = np.empty((7 + regions, 1, draws)), np.empty((1, PEAK_COUNT, 1, draws))
quantile_values = np.empty((3, 1, hours))
kernels.stream_chunk(inputs, np.array([0.5]), np.arange(3), quantile_values, days, peaks)
(hour_values,) = stream._hour_values.overloads.values()
symbol = hour_values.fndesc.llvm_func_name
print(json.dumps({"results": [quantile_values.tolist(), days.tolist(), peaks.tolist()],
                  "symbol": symbol,
                  "linked": any(line.startswith("define") and symbol in line
                                for overload in stream.stream_days_plain.overloads.values()
                                for line in overload.library.get_llvm_str().splitlines())}))
"""
)


def _run(script: str, cache: Path, **environment: str) -> dict:
    """What ``script`` printed last, run in a new process on the numba cache ``cache`` with
    ``environment`` added to this process's."""
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        timeout=600, cwd=Path(__file__).parents[3],
        env={**os.environ, "NUMBA_CACHE_DIR": str(cache), **environment},
    )  # fmt: skip
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def plain_chunk(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What :data:`_PLAIN_CHUNK` found, run in a new process on an empty numba cache."""
    return _run(_PLAIN_CHUNK, tmp_path_factory.mktemp("cache"))


def test_a_chunk_without_non_ai_loads_compiles_none_of_their_code(plain_chunk):
    """The quick start's ``kr-national`` has no non-AI load: its stream kernel and regions at
    the peak compile the helpers for ``non_ai_t`` None, whose non-AI branches numba prunes
    before typing them (they took about 0.7 s of its first run's CPU)."""
    assert plain_chunk["non_ai"] == {
        "_hour_values": ["none"], "_close_day": ["none"], "_non_ai_day": ["none"]
    }  # fmt: skip


def test_helpers_only_kernels_call_compile_no_wrappers(plain_chunk):
    """The helpers that only kernels call carry neither numba's Python wrapper nor its C
    function wrapper (each was compiled, optimised and cached for nothing), and a call from
    Python is refused (without the wrapper it would jump to a null address)."""
    assert len(plain_chunk["wrappers"]) == 6
    assert plain_chunk["wrappers"] == {name: [] for name in plain_chunk["wrappers"]}
    assert plain_chunk["refused"]


#: On a numba whose internals the linking apart was not read against, numba links as it does.
_APART_ONLY = pytest.mark.skipif(
    not _jit.LINK_HELPERS_APART, reason=f"numba {numba.__version__} links helpers in each kernel"
)


@_APART_ONLY
def test_kernels_call_their_helpers_where_the_helpers_were_compiled(plain_chunk):
    """The stream kernel holds calls to the helpers it calls, not their code: numba would link
    each helper's code into every kernel that calls it and optimise and translate it again
    there (the quick start's first command compiled in 7.7 s of CPU instead of 9.2-10.5 s)."""
    assert plain_chunk["kernel"] == {
        "declare": ["_accumulate_hour", "_close_day", "_hour_values"], "define": []
    }  # fmt: skip


@pytest.fixture(scope="module")
def chunk_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """What :data:`_CHUNK_RESULTS` printed on an empty numba cache, and that cache."""
    cache = tmp_path_factory.mktemp("cache")
    return _run(_CHUNK_RESULTS, cache), cache


@_APART_ONLY
def test_numbas_own_linking_gives_the_same_results(chunk_cache, tmp_path):
    """``FORECAST_LINK_HELPERS_APART=0`` (and a numba outside the versions whose internals the
    linking apart was read against) leaves numba's linking as it is: the kernel holds its
    helper's code again, and computes the same, bit for bit."""
    apart, _ = chunk_cache
    linked = _run(_CHUNK_RESULTS, tmp_path, FORECAST_LINK_HELPERS_APART="0")
    assert (apart["linked"], linked["linked"]) == (False, True)
    assert linked["results"] == apart["results"]


@pytest.mark.parametrize(
    ("version", "setting", "apart"),
    [
        ("0.68.1", None, True), ("0.63.0", None, True), ("0.62.1", None, False),
        ("0.69.0", None, False), ("1.0.0", None, False), ("0.69.0rc1", "1", True),
        ("0.68.1", "0", False), ("0.62.1", "1", False), ("0.68.1", "yes", True),
    ],
)  # fmt: skip
def test_helpers_are_linked_apart_on_the_numba_versions_read(version, setting, apart):
    """Linking apart relies on numba's internals as 0.63-0.68 have them: on another numba the
    kernels link their helpers as numba does (a longer first compile, never a failure), unless
    ``FORECAST_LINK_HELPERS_APART=1`` asks for it where the internals exist."""
    assert _jit.links_helpers_apart(version, setting) is apart


def test_a_cached_kernel_finds_its_helper_compiled_again_under_another_name(chunk_cache):
    """A kernel loaded from the cache calls its helper by the name the helper's code had when
    the kernel was compiled; the helper compiled again since (its cache entry lost, or written
    by another process at the same time) has another name, and the kernel still finds it."""
    first, tmp_path = chunk_cache
    for entry in tmp_path.glob("*/kernels/stream._hour_values-*"):
        entry.unlink()
    again = _run(_CHUNK_RESULTS, tmp_path)
    assert again["symbol"] != first["symbol"]
    assert again["results"] == first["results"]
