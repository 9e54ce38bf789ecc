"""The windowed quantile search's parts: the written-out sorting network and the compress pass,
and the search itself under both ways of counting and gathering (``FORECAST_VECTOR_COMPRESS``).
"""

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from forecast.kernels import _jit, windows

needs_jit = pytest.mark.skipif(
    bool(numba.config.DISABLE_JIT), reason="a compiler intrinsic has no Python body to run"
)
#: The grouped wide-window pass exists only with the compress instruction: its buffers have no
#: room without it (FORECAST_VECTOR_COMPRESS=0), and numba checks no bounds.
needs_compress = pytest.mark.skipif(
    not _jit.VECTOR_COMPRESS, reason="FORECAST_VECTOR_COMPRESS=0: no grouped pass to test"
)


def _odd_even_merge_sort(first: int, last: int) -> list[tuple[int, int]]:
    """Comparators of Batcher's odd-even merge sort of positions ``first..last`` (a power of
    two of them), in order (Knuth, TAOCP vol. 3, 5.3.4)."""
    if last <= first:
        return []
    middle = (first + last) // 2
    return [
        *_odd_even_merge_sort(first, middle),
        *_odd_even_merge_sort(middle + 1, last),
        *_odd_even_merge(first, last, 1),
    ]


def _odd_even_merge(first: int, last: int, distance: int) -> list[tuple[int, int]]:
    """Comparators merging the sorted halves of ``first..last``, ``distance`` apart."""
    step = 2 * distance
    if step >= last - first:
        return [(first, first + distance)]
    return [
        *_odd_even_merge(first, last, step),
        *_odd_even_merge(first + distance, last, step),
        *((index, index + distance) for index in range(first + distance, last - distance, step)),
    ]


def test_sort16_is_the_networks_comparators_in_order():
    """_sort16 writes out Batcher's network one comparator a line, in its order."""
    source = inspect.getsource(getattr(windows._sort16, "py_func", windows._sort16))
    found = [
        [int(first), int(second)]
        for first, second in re.findall(
            r"v(\d+), v(\d+) = min\(v\1, v\2\), max\(v\1, v\2\)", source
        )
    ]
    assert found == [list(pair) for pair in _odd_even_merge_sort(0, 15)]
    assert len(found) == 63  # Batcher's odd-even merge sort of 16 (Knuth 5.3.4)


@numba.njit
def _sort_rows(values):
    for row in range(values.shape[0]):
        windows._sort16(values[row])


def test_sort16_sorts_every_zero_one_input():
    """The 0-1 principle (Knuth, TAOCP vol. 3, 5.3.4, theorem Z): a comparator network sorts
    any input if it sorts all 2^16 inputs of zeros and ones; then ties, infinities and
    negatives."""
    bits = (np.arange(2**16)[:, None] >> np.arange(16)) & 1
    values = bits.astype(np.float64)
    _sort_rows(values)
    assert np.array_equal(values, np.sort(bits, axis=1).astype(np.float64))
    rng = np.random.default_rng(16)
    mixed = rng.choice([-np.inf, -2.5, -0.0, 0.0, 1.0, 1.0, 3.25, np.inf], size=(500, 16))
    mixed[:250] = rng.normal(size=(250, 16))
    ordered = mixed.copy()
    _sort_rows(ordered)
    assert np.array_equal(ordered, np.sort(mixed, axis=1))


@numba.njit
def _row_quantiles(row, probabilities, state, out):
    """The windowed search of one row, called from a kernel as the stream kernel calls it (it
    has no entry from Python: forecast.kernels._jit.borrowing_jit)."""
    windows.row_quantiles(row, probabilities, state, 0, out)


@numba.njit
def _compress(row, low, high):
    buffer = np.full(row.size, np.nan)
    below, up_to, count, missing = windows._compress_window(row, low, high, buffer)
    return below, up_to, buffer[:count].copy(), missing


@needs_jit
@pytest.mark.parametrize("draws", [1, 7, 8, 9, 1000, 1003, 10_000])
def test_compress_pass_counts_and_gathers_like_numpy(draws):
    """Below, at-or-below, the window's values in draw order and the NaN draws, for any row
    length (a tail shorter than the eight values of a block), edges on tied values, and an
    empty window."""
    rng = np.random.default_rng(draws)
    row = np.round(rng.lognormal(3.0, 0.4, draws), 1)  # rounded: many ties
    row[rng.random(draws) < 0.01] = np.nan
    for low, high in [(20.0, 20.5), (row[0], row[0]), (-np.inf, np.inf), (1e9, 2e9),
                      (float(np.median(row)), float(np.quantile(row, 0.6)))]:  # fmt: skip
        below, up_to, inside, missing = _compress(row, low, high)
        assert missing == np.count_nonzero(np.isnan(row))
        assert below == np.count_nonzero(row < low)
        assert up_to == np.count_nonzero(row <= high)
        assert np.array_equal(inside, row[(row >= low) & (row <= high)])


# Each search path equals np.quantile bit for bit on rows like the stream's: hour after hour of
# drifting, reshuffling draws (windows hit and miss), ties, a constant row and a NaN row.
_SEARCH = """
import json
import numpy as np
import numba
from forecast.kernels import _jit, windows


@numba.njit
def _row_quantiles(row, probabilities, state, out):  # called from a kernel, as the stream does
    windows.row_quantiles(row, probabilities, state, 0, out)


rng = np.random.default_rng(3)
mismatches, hours = 0, 0
# Groups of neighbouring probabilities: three (one pass); five (two passes); one alone.
for probabilities, draws in [
    (np.array([0.05, 0.1, 0.5, 0.9, 0.95]), draws) for draws in (150, 1000, 4099)
] + [(np.array([0.01, 0.25, 0.5, 0.75, 0.99, 0.995]), 1003), (np.array([0.5]), 2500),
       (np.array([0.01, 0.5, 0.99]), 150),  # seed windows with an infinite edge
       (np.array([0.05, 0.1, 0.5, 0.9, 0.95]), 5), (np.array([0.1, 0.5, 0.9]), 12)]:
    state = windows.window_state(1, probabilities.size, draws)
    level = rng.lognormal(0.0, 0.3, draws)
    out = np.empty(probabilities.size)
    for hour in range(300):
        level *= np.exp(rng.normal(0.0, 0.02, draws))
        row = 1000.0 * level * (1.0 + 0.3 * np.sin(hour / 3.8))
        if hour % 50 == 7:
            row = np.round(row, -2)
        if hour == 120:
            row[:] = 5.0
        if hour in (0, 121):  # a NaN draw with no history, then with one
            row[draws // 2] = np.nan
        _row_quantiles(row, probabilities, state, out)
        expected = np.quantile(row, probabilities)
        same = np.array_equal(out, expected, equal_nan=True)
        same = same and not np.any(np.signbit(out) != np.signbit(expected))
        mismatches += 0 if same else 1
        hours += 1
print(json.dumps({"compress": _jit.VECTOR_COMPRESS, "hours": hours, "mismatches": mismatches}))
"""


@needs_jit
@pytest.mark.parametrize("setting", ["0", "1"])
def test_windowed_search_equals_numpy_with_and_without_compress(setting, tmp_path):
    """Both ways of counting and gathering give np.quantile bit for bit; each runs in a process
    of its own (the setting is read at import and compiled into the kernels), with its own
    cache."""
    environment = {**os.environ, "FORECAST_VECTOR_COMPRESS": setting,
                   "NUMBA_CACHE_DIR": str(tmp_path)}  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SEARCH)],
        capture_output=True, text=True, check=True, timeout=600, env=environment,
    )  # fmt: skip
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found == {"compress": setting == "1", "hours": 2400, "mismatches": 0}


@numba.njit
def _compress_three(row, edges, last):
    state = windows.window_state(1, 3, row.size)
    state.group_windows[:, :last] = edges[:, :last]
    missing = windows._compress_windows(row, state, 0, last)
    values = np.empty((last, row.size))
    for group in range(last):
        values[group] = windows._trailing(state.groups[group], row)[: row.size]
    return state.group_counts.copy(), values, missing


@needs_jit
@needs_compress
@pytest.mark.parametrize("groups", [1, 2, 3])
@pytest.mark.parametrize("draws", [5, 1000, 4099])
def test_one_pass_for_up_to_three_windows_counts_and_gathers_like_numpy(groups, draws):
    """Each window's counts below and at or below, and its values in draw order where the
    search reads them (:func:`windows._trailing`), from one pass (the tail beyond the last
    block of eight included)."""
    rng = np.random.default_rng(groups * draws)
    row = np.round(rng.normal(100.0, 10.0, draws), 0)  # ties on the edges
    row[rng.random(draws) < 0.01] = np.nan
    edges = np.array([[80.0, 95.0, 110.0], [90.0, 105.0, 130.0]])
    counts, values, missing = _compress_three(row, edges, groups)
    assert missing == np.count_nonzero(np.isnan(row))
    for group in range(groups):
        low, high = edges[:, group]
        inside = row[(row >= low) & (row <= high)]
        assert counts[:, group].tolist() == [
            np.count_nonzero(row < low),
            np.count_nonzero(row <= high),
            inside.size,
        ]
        assert np.array_equal(values[group, : inside.size], inside)


@numba.njit
def _trailing_gap(buffer, source):
    written = windows._trailing(buffer, source)
    return written.ctypes.data - source.ctypes.data, buffer.size - written.size


@needs_jit
def test_a_pass_writes_where_its_output_trails_its_input_modulo_4_kib():
    """The output starts _TRAIL_BYTES before the input's start, modulo 4 KiB, inside the
    buffer's room, wherever the two arrays lie."""
    block = np.empty(20_000)
    for shift in range(0, 600, 37):
        source = block[shift : shift + 1000]
        buffer = np.empty(1000 + windows._TRAIL_ROOM)
        gap, skipped = _trailing_gap(buffer, source)
        assert gap % 4096 == 4096 - windows._TRAIL_BYTES
        assert 0 <= skipped < windows._TRAIL_ROOM


@pytest.mark.parametrize("draws", [128, 200, 400, 1000])
def test_windows_seeded_near_the_ends_keep_a_finite_width(draws):
    """A seed window of the P5 or P95 at a few hundred draws reaches the sample's end; it
    stopped there at an infinite edge, which made every later window of the block infinite
    (then NaN) wide: still exact, but each hour missed ten times and fell to quickselect."""
    generator = np.random.default_rng(draws)
    probabilities = np.array([0.05, 0.1, 0.5, 0.9, 0.95])
    state = windows.window_state(1, probabilities.size, draws)
    out = np.empty(probabilities.size)
    row = generator.normal(100.0, 10.0, draws)
    for _ in range(4):
        row = row + generator.normal(0.0, 0.5, draws)
        _row_quantiles(row, probabilities, state, out)
        np.testing.assert_array_equal(out, np.quantile(row, probabilities))
        assert np.all(np.isfinite(state.width))
