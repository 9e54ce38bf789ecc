"""The per-year table cell that the command line, the HTML report and the comparison share."""

import numpy as np
import xarray as xr

from forecast.outputs import summary_cell


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
