"""The CSV text written a column at a time is pandas' ``to_csv`` text, byte for byte.

:func:`forecast.io.csvtext.float_texts` formats floats with NumPy; every value must read as
:func:`forecast.io.csvtext.csv_float` writes it (nine significant digits, ``.0`` after a whole
number), whatever its magnitude, sign or rounding. :func:`forecast.io.csvtext.csv_rows` must
write what ``DataFrame.to_csv(index=False, header=False, float_format=csv_float)`` writes:
empty cells, integers, quoted text and the rows' order.
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecast.io import csvtext

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

#: Every double, by its 64 bits: subnormals, the largest, NaNs of any payload, infinities.
any_double = st.integers(min_value=0, max_value=2**64 - 1).map(
    lambda bits: struct.unpack("<d", struct.pack("<Q", bits))[0]
)
#: Values as a projection holds them (MW, TWh, shares) and hypothesis' own choice of floats.
floats = st.one_of(
    st.floats(),
    any_double,
    st.floats(min_value=-1e7, max_value=1e7),
    st.integers(min_value=-(10**12), max_value=10**12).map(float),
    st.integers(min_value=-(10**12), max_value=10**12).map(lambda n: n / 1000),
)

#: Texts that need no quoting, that do (a comma, a quote, a line end), and unicode.
texts = st.one_of(
    st.none(),
    st.sampled_from(["", "MW", "national", 'a "b"', "x,y", "line\nend", "cr\rx", " lead"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)


def _expected(values: np.ndarray) -> list[str]:
    return ["" if np.isnan(value) else csvtext.csv_float(value) for value in values.tolist()]


def _pandas(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, header=False, float_format=csvtext.csv_float).encode()


@PROPERTY_SETTINGS
@given(arrays(np.float64, st.integers(min_value=1, max_value=40), elements=floats))
# Ties at the ninth digit, rounded to even: 123456788|5 down, 999999999|5 up to 1e+09.
@example(np.array([1234567885.0, 1234567895.0, 999999999.5, 0.5, 2.5, 1e9, 999999999.0]))
# Next to a tie, where the scaled value rounds the other way (7.796507575 is 7.79650757499...).
@example(np.array([7.796507575, 13136729.749999998, 9537845.025000002, 5.2586982850000006e17]))
# Zeros, the extremes of the double, either side of %g's switch to an exponent, NaN, inf.
@example(np.array([0.0, -0.0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308]))
@example(np.array([1e-4, 9.99999999e-5, 99999999.95, 999999999.4, 123456789.0, 1e22, 1e23]))
@example(np.array([np.nan, np.inf, -np.inf, 1e-14, 9.999999999e-15, 1e30, 9.9999999996e30]))
@example(np.array([0.1 + 0.2, 2.00000000001, 1.5e-05, -3.0, 1e20, 1 / 3, -2 / 3]))
def test_float_texts_are_csv_float(values):
    assert csvtext.float_texts(values).to_pylist() == _expected(values)


def test_every_decimal_exponent_and_digit_count_is_csv_float():
    """Each layout of the table, both signs: one value per exponent 1e-20..1e35 and per count
    of significant digits 1..9, and its neighbours one unit in the last place either side."""
    mantissas = [float("1.23456789"[: 2 + digits] if digits else "1") for digits in range(9)]
    values = np.array(
        [
            sign * m * 10.0**exponent
            for sign in (1, -1)
            for m in mantissas
            for exponent in range(-20, 36)
        ]
    )
    values = np.concatenate([values, np.nextafter(values, np.inf), np.nextafter(values, -np.inf)])
    assert csvtext.float_texts(values).to_pylist() == _expected(values)


def test_digit_groups_are_the_numbers_written_as_text():
    """The table of four-digit groups (built with NumPy since 2026-12-07) is each of 0..9999
    written ``%04d``, its bytes read as one ``uint32``, and the count of trailing zeros of that
    text (4 for ``0000``), as it was built from the text before."""
    packed, zeros = csvtext._digit_groups()
    text = "".join(f"{number:04d}" for number in range(10_000)).encode()
    assert packed.dtype == np.uint32 and packed.tobytes() == text
    expected = [4 - len(f"{number:04d}".rstrip("0")) for number in range(10_000)]
    assert zeros.tolist() == expected


@st.composite
def frames(draw):
    """A table of text, float, integer (with missing values) and sometimes boolean columns."""
    rows = draw(st.integers(min_value=0, max_value=12))
    columns = {
        "variable": draw(st.lists(texts, min_size=rows, max_size=rows)),
        "quantile": draw(arrays(np.float64, rows, elements=floats)),
        "draw": pd.array(
            draw(
                st.lists(
                    st.one_of(st.none(), st.integers(-(2**62), 2**62)), min_size=rows, max_size=rows
                )
            ),
            dtype="Int64",
        ),
        "site": pd.array(draw(st.lists(texts, min_size=rows, max_size=rows)), dtype="str"),
        "hour_of_day": draw(arrays(np.int64, rows)),
    }
    if draw(st.booleans()):
        # A dtype the column-wise writer leaves to pandas.
        columns["flag"] = draw(arrays(np.bool_, rows))
    return pd.DataFrame(columns)


@PROPERTY_SETTINGS
@given(frames())
def test_rows_are_what_pandas_writes(frame):
    assert csvtext.csv_rows(frame) == _pandas(frame)


def test_a_table_in_blocks_is_the_table():
    frame = pd.DataFrame(
        {"variable": ["a", "b,c", None, "d"] * 5, "value": np.arange(20) / 7, "unit": "MW"}
    )
    assert b"".join(csvtext.csv_row_chunks(frame, rows=3)) == _pandas(frame)


def test_text_in_arrow_chunks_is_written_whole():
    """A concatenated frame's text columns hold several Arrow chunks (a comparison's table)."""
    part = pd.DataFrame({"site": pd.array(["a,b", None], dtype="str"), "value": [1.0, 2.5]})
    frame = pd.concat([part, part.assign(site="c")], ignore_index=True)
    assert csvtext.csv_rows(frame) == _pandas(frame)


@pytest.mark.parametrize("columns", [{"value": [1.0, np.nan]}, {"site": ["", None]}, {}])
def test_a_table_of_one_column_or_none_is_pandas_text(columns):
    """A row of one empty cell is written ``""`` (so that it is not a blank line)."""
    frame = pd.DataFrame(columns)
    assert csvtext.csv_rows(frame) == _pandas(frame)
