"""The per-year table cell that the command line, the HTML report and the comparison share."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.outputs import summary_cell, values_at


def _quantiles(values, mean=None) -> xr.Dataset:
    dataset = xr.Dataset(
        {"x": ("quantile", np.asarray(values, dtype=float))},
        coords={"quantile": [0.1, 0.5, 0.9]},
    )
    if mean is not None:
        dataset["x_mean"] = ((), mean)
    return dataset


def test_a_difference_that_rounds_to_nothing_reads_zero_not_minus_zero() -> None:
    """A flexibility variant's energy differs from its parent by -0.0004 TWh: the comparison
    showed '-0.00 [-0.00–-0.00] (-0.00)'."""
    assert summary_cell(_quantiles([-0.004, -0.0004, -0.0001], mean=-0.0003), "x") == (
        "0.00 [0.00–0.00] (0.00)"
    )


def test_a_negative_value_keeps_its_sign_and_thousands_separator() -> None:
    assert summary_cell(_quantiles([-1234.567, -0.006, 2.0]), "x") == ("-0.01 [-1,234.57–2.00]")


def test_a_missing_variable_or_a_p50_that_is_not_a_number_is_a_dash() -> None:
    assert summary_cell(_quantiles([1.0, 2.0, 3.0]), "y") == "–"
    assert summary_cell(_quantiles([1.0, np.nan, 3.0]), "x") == "–"


def _labelled() -> xr.Dataset:
    """A summary-shaped Dataset: region (text), month (times), year (integers), quantile."""
    months = pd.date_range("2030-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(0)
    return xr.Dataset(
        {
            "x": (("region", "year", "quantile"), rng.normal(size=(2, 2, 3))),
            "x_mean": (("region", "year"), rng.normal(size=(2, 2))),
            "m": (("month", "quantile"), rng.normal(size=(24, 3))),
        },
        coords={
            "region": ["capital", "south"],
            "year": [2030, 2031],
            "quantile": [0.1, 0.5, 0.9],
            "month": months,
        },
    )


@pytest.mark.parametrize(
    "where",
    [
        {"region": "south", "year": np.int64(2031)},
        {"year": 2030},
        {"region": np.str_("capital")},
        {"month": pd.Timestamp("2031-12-01")},
        {"month": "2031-12"},  # a partial date: .sel's own reading (here a slice of months)
        {},
    ],
)
def test_values_at_reads_what_sel_reads(where) -> None:
    """A table's cells were read with a ``.sel`` each (a millisecond; some 1,300 in
    kr-outlook's summary): positions in the NumPy array give the same values, and what
    positions cannot settle is ``.sel``'s."""
    dataset = _labelled()
    for name in ("x", "x_mean", "m"):
        if set(where) <= set(dataset[name].dims):
            want = dataset[name].sel(**where).to_numpy()
            np.testing.assert_array_equal(values_at(dataset[name], where), want)


def test_values_at_fails_as_sel_does() -> None:
    """A label the index lacks, or a name that is no dimension, is ``.sel``'s error."""
    variable = _labelled()["x"]
    with pytest.raises(KeyError):
        values_at(variable, {"year": 2040})
    with pytest.raises(KeyError, match="scenario"):
        values_at(variable, {"scenario": "a"})


def test_a_summary_cell_is_the_cell_of_the_selection() -> None:
    """summary_cell at a region and year is the cell of the Dataset selected there."""
    dataset = _labelled()
    where = {"region": "south", "year": 2031}
    selected = dataset[["x", "x_mean"]].sel(**where)
    assert summary_cell(dataset, "x", 3, scale=10.0, **where) == summary_cell(
        selected, "x", 3, scale=10.0
    )
