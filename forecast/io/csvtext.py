"""The rows of a tidy CSV as bytes, formatted a column at a time: the same bytes as pandas'
``DataFrame.to_csv(index=False, header=False, float_format=csv_float)``, in a fifth of its time.

pandas formats a table's cells one by one in Python (a float through :func:`csv_float`, every
text through the :mod:`csv` module): 13.6 s of CPU for the 2.7 million rows of ``kr-national``'s
hourly projection, 2.4 s here (CHANGELOG "Performance"). A float column is formatted with NumPy
(:func:`float_texts`: the nine significant digits of every value found at once and placed by a
table of layouts that :func:`csv_float` itself writes), a text column is quoted where the
:mod:`csv` module would quote it, and pyarrow joins the columns into rows. A column of any
other dtype (a date, a boolean, a category) has the whole block written by pandas.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

#: How a CSV writes a number (nine significant digits), the command line's and the API's alike;
#: :func:`csv_float` adds ``.0`` where it gives a whole number.
CSV_FLOAT_FORMAT = "%.9g"
#: What ends a row: pandas' default, which the tables were written with.
ROW_END = os.linesep
#: Rows formatted at a time: about 6 MB of text in flight for the tidy table.
CHUNK_ROWS = 65_536
#: Significant digits of :data:`CSV_FLOAT_FORMAT`.
DIGITS = 9
#: Decimal exponents formatted with NumPy: those for which ``10 ** (DIGITS - 1 - exponent)`` is
#: an exact double (at most 1e22), so that scaling a value to nine digits rounds once. Others
#: (below 1e-14, from 1e31; none in a projection) take :func:`csv_float`.
EXPONENTS = range(DIGITS - 1 - 22, DIGITS + 22)
#: 10**0 .. 10**22, each exactly (an integer converted to the nearest double).
_EXACT_POWERS = np.array([float(10**power) for power in range(23)])
#: Longest text of :data:`CSV_FLOAT_FORMAT` (``-1.23456789e-308``). [characters]
WIDTH = 16
#: How close to a half the scaled value's fraction may come before the value takes
#: :func:`csv_float`: the scaling's error is under 6e-8 (half a unit in the last place below
#: 2**30), so nearer a half the rounding could go either way (and an exact tie, 1234567885 to
#: nine digits, is rounded to even on the exact binary value, as printf does).
TIE_MARGIN = 1e-6
#: Characters the :mod:`csv` module may quote a text for (its delimiter, quote character and the
#: line ends): a text with none of them is written as it is, one with any is quoted by the
#: :mod:`csv` module itself.
QUOTE_CANDIDATES = (",", '"', "\r", "\n")


def csv_float(value: object) -> str:
    """A float (typed ``object`` as pandas-stubs types ``to_csv``'s ``float_format``) as a CSV
    writes it: :data:`CSV_FLOAT_FORMAT`, with ``.0`` after a whole number
    (``0.0``, ``2.0``, ``1.5e-05``, ``inf``), so that every float column reads as a float.

    DuckDB's ``read_csv_auto`` and polars guess a column's type from its first rows (DuckDB
    20,480 lines): a float column whose first rows were written ``0`` was read as BIGINT, and
    DuckDB then read a later ``1.25`` as 1, polars refused it (numfmt review, finding a;
    ``tests/forecast/io/test_interop.py``). The integer columns (``Int64``) are not floats and
    stay plain integers; a NaN is never passed here (pandas writes it empty). The rule; the
    tables are written by :func:`float_texts`, which gives the same text."""
    text = CSV_FLOAT_FORMAT % value
    # Digits alone (and a sign): neither a point, an exponent nor inf.
    return f"{text}.0" if text.lstrip("-").isdigit() else text


@functools.cache
def _digit_groups() -> tuple[np.ndarray, np.ndarray]:
    """The numbers 0..9999 as four ASCII digits packed in a ``uint32`` (in memory order), and
    how many trailing zeros each has (4 for 0). Built with NumPy: formatting the 10,000 numbers
    as text took 5 ms of CPU of every command that writes a CSV."""
    numbers = np.arange(10_000)[:, None]
    places = 10 ** np.arange(4)  # 1, 10, 100, 1000
    digits = numbers // places[::-1] % 10 + ord("0")  # thousands first, as the text reads
    packed = digits.astype(np.uint8).view(np.uint32).ravel()
    zeros = np.count_nonzero(numbers % (10 * places) == 0, axis=1)
    return packed, zeros


@functools.cache
def _layouts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where :func:`csv_float` puts the nine digits of a value, by layout key (see
    :func:`_layout_keys`): the text of a representative value (its digits to be overwritten),
    each digit's column (:data:`WIDTH`, a spare column, for a trailing zero it drops) and the
    text's length. The representative's digits are 1 to 9, so that each is found in its text;
    the last two keys are ``0.0`` and ``-0.0``."""
    count = 2 * len(EXPONENTS) * DIGITS + 2
    template = np.zeros((count, WIDTH + 1), dtype=np.uint8)
    column = np.full((count, DIGITS), WIDTH)
    length = np.zeros(count, dtype=np.int64)
    for negative in (0, 1):
        for exponent in EXPONENTS:
            for zeros in range(DIGITS):
                kept = "123456789"[: DIGITS - zeros]
                mantissa = kept.ljust(DIGITS, "0")
                value = float(f"{'-' * negative}{mantissa}e{exponent - DIGITS + 1}")
                key = _layout_keys(negative, exponent, zeros)
                text = csv_float(value)
                digits_part = text.split("e")[0]
                for place, digit in enumerate(kept):
                    column[key, place] = digits_part.index(digit)
                template[key, : len(text)] = np.frombuffer(text.encode(), dtype=np.uint8)
                length[key] = len(text)
    for negative in (0, 1):
        text = csv_float(-0.0 if negative else 0.0)
        template[count - 2 + negative, : len(text)] = np.frombuffer(text.encode(), np.uint8)
        length[count - 2 + negative] = len(text)
    return template, column, length


def _layout_keys(negative: Any, exponent: Any, zeros: Any) -> Any:
    """The layout of a text: its sign, decimal exponent (in :data:`EXPONENTS`) and how many of
    its nine digits are trailing zeros."""
    return negative + 2 * ((exponent - EXPONENTS.start) + len(EXPONENTS) * zeros)


def _scaled(magnitude: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``magnitude * 10 ** (DIGITS - 1 - exponent)`` by one multiplication or division by an
    exact power of ten (the exponent clipped to :data:`EXPONENTS`): nine digits before the point."""
    shift = np.clip(DIGITS - 1 - exponent, -22, 22)
    power = _EXACT_POWERS[np.abs(shift)]
    return np.where(shift >= 0, magnitude * power, magnitude / power)


def _nine_digits(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's nine significant digits as an integer (0 for a zero), its decimal exponent,
    and whether NumPy's rounding is certain to be :data:`CSV_FLOAT_FORMAT`'s (finite, its
    exponent in :data:`EXPONENTS`, not within :data:`TIE_MARGIN` of a tie)."""
    magnitude = np.abs(values)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(magnitude))
        exponent = np.where(np.isfinite(exponent), exponent, 0).astype(np.int64)
        scaled = _scaled(magnitude, exponent)
        # log10 may be one off next to a power of ten.
        exponent += (scaled >= 10.0**DIGITS).astype(np.int64) - (scaled < 10.0 ** (DIGITS - 1))
        scaled = _scaled(magnitude, exponent)
        rounded = np.rint(scaled)
        certain = np.abs(scaled - np.floor(scaled) - 0.5) > TIE_MARGIN
    # A value rounded up to 10**9 has one digit more: 1.00000000 at the next exponent.
    carry = rounded == 10.0**DIGITS
    exponent += carry
    certain &= (exponent >= EXPONENTS.start) & (exponent < EXPONENTS.stop)
    digits = np.where(certain, np.where(carry, 10.0 ** (DIGITS - 1), rounded), 0)
    exponent = np.where(certain & (magnitude > 0), exponent, 0)
    return digits.astype(np.int64), exponent, certain


def _float_matrix(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's :func:`csv_float` text as a row of ASCII bytes (``WIDTH + 1`` columns, the
    last a spare) and its length; no NaN."""
    packed, trailing = _digit_groups()
    template, column, length_of = _layouts()
    digits, exponent, certain = _nine_digits(values)
    high, low = np.divmod(digits, 10_000)
    first, middle = np.divmod(high, 10_000)
    # The nine digits in bytes 3..11 of three packed groups ("000d", "dddd", "dddd").
    ascii_digits = np.stack([packed[first], packed[middle], packed[low]], axis=1)
    ascii_digits = ascii_digits.view(np.uint8)[:, 3:]
    zeros = np.where(low == 0, 4 + trailing[middle], trailing[low])
    negative = np.signbit(values).astype(np.int64)
    keys = _layout_keys(negative, exponent, zeros)
    keys = np.where(digits == 0, len(length_of) - 2 + negative, keys)
    rows = template[keys]
    places = column[keys] + (np.arange(len(values)) * (WIDTH + 1))[:, None]
    rows.reshape(-1)[places] = ascii_digits
    lengths = length_of[keys]
    for index in np.flatnonzero(~certain):
        text = csv_float(float(values[index])).encode()
        rows[index, : len(text)] = np.frombuffer(text, dtype=np.uint8)
        lengths[index] = len(text)
    return rows, lengths


def float_texts(values: np.ndarray) -> pa.LargeStringArray:
    """Each float as :func:`csv_float` writes it, a NaN as an empty text: a pyarrow
    ``large_string`` array, without a Python string per value."""
    import pyarrow as pa

    values = np.asarray(values, dtype=np.float64)
    # Only the numbers are formatted: a table's column is often empty in most rows.
    present = ~np.isnan(values)
    rows, lengths = _float_matrix(values[present])
    text = rows[np.arange(rows.shape[1]) < lengths[:, None]]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    offsets[1:][present] = lengths
    np.cumsum(offsets, out=offsets)
    return pa.LargeStringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(text))


def _quoted(text: str) -> str:
    """``text`` as the :mod:`csv` module writes it in a row of pandas' dialect (quoted where it
    must be, its quotes doubled)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ROW_END).writerow([text, ""])
    return buffer.getvalue()[: -len(ROW_END) - 1]


def _text_bytes(texts: pa.Array) -> bytes:
    """The UTF-8 bytes of a pyarrow ``large_string`` array without nulls, one text after
    another."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)
    first, last = offsets[texts.offset], offsets[texts.offset + len(texts)]
    return texts.buffers()[2][first:last].to_pybytes()


def _text_cells(texts: pa.Array) -> pa.Array:
    """A text column's cells: empty for a missing value, quoted as the :mod:`csv` module
    quotes (each distinct text with a character it may quote for is passed to it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = texts.cast(pa.large_string()).fill_null("")
    written = _text_bytes(texts)
    if not any(character.encode() in written for character in QUOTE_CANDIDATES):
        return texts
    distinct = [
        text
        for text in pc.unique(texts).to_pylist()
        if any(character in text for character in QUOTE_CANDIDATES)
    ]
    quoted = pa.array([_quoted(text) for text in distinct], type=pa.large_string())
    place = pc.index_in(texts, value_set=pa.array(distinct, type=pa.large_string()))
    return pc.if_else(place.is_valid(), quoted.take(place.fill_null(0)), texts)


def _arrow(column: pd.Series) -> pa.Array:
    """The column as one pyarrow array (a concatenated frame's text is in chunks)."""
    import pyarrow as pa

    values = pa.array(column, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _cells(column: pd.Series) -> pa.Array | None:
    """A column's cells as pyarrow text, as pandas writes them; None for a dtype written by
    pandas (:func:`csv_rows`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = column.dtype
    if dtype == np.float64:
        return float_texts(column.to_numpy())
    if pd.api.types.is_integer_dtype(dtype):
        return pc.cast(_arrow(column), pa.large_string()).fill_null("")
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _text_cells(_arrow(column))
    return None


def _pandas_rows(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, header=False, float_format=csv_float).encode()


def csv_rows(frame: pd.DataFrame) -> bytes:
    """The rows of ``frame`` as UTF-8 CSV, byte for byte what ``frame.to_csv(index=False,
    header=False, float_format=csv_float)`` writes: floats as :func:`csv_float`, integers
    plain, a missing value as an empty cell, a text quoted only where it needs it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # One column: pandas quotes a lone empty cell ("") to tell the row from a blank line.
    if len(frame) == 0 or frame.shape[1] < 2:
        return _pandas_rows(frame)
    cells = [_cells(column) for _, column in frame.items()]
    if any(column is None for column in cells):
        return _pandas_rows(frame)
    comma, end, nothing = (pa.scalar(text, pa.large_string()) for text in (",", ROW_END, ""))
    rows = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, comma), nothing, end)
    return _text_bytes(rows)


def csv_row_chunks(frame: pd.DataFrame, *, rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """:func:`csv_rows` of ``frame``, :data:`CHUNK_ROWS` rows at a time: the text of a large
    table is never held whole."""
    for first in range(0, len(frame), rows):
        yield csv_rows(frame.iloc[first : first + rows])
