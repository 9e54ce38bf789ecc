"""The spread drivers' rank correlations, every input ranked once and every pair in one matrix
product, against the per-year, per-output pandas computation they replaced (a speed review:
24-36 re-rankings of every input per projection, 16-25 % of a dashboard edit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.engine.dataset import DRIVER_OUTPUTS, average_ranks, rank_correlations
from forecast.outputs import per_draw_name
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.support.data import requires_shared_data


def reference_spread_drivers(drivers: dict[str, np.ndarray], outcome: np.ndarray) -> dict:
    """The code the engine ran before: one year of one output, a DataFrame of every input and
    the outcome ranked by pandas and correlated pairwise."""
    frame = pd.DataFrame({name: np.asarray(v, dtype=float) for name, v in drivers.items()})
    frame["__outcome"] = outcome
    varying = [c for c in frame.columns if np.ptp(frame[c].to_numpy()) > 0]
    if "__outcome" not in varying:
        return {name: 0.0 if name in varying else np.nan for name in drivers}
    ranks = frame[varying].rank()
    correlations = ranks.corr()["__outcome"]
    return {name: float(correlations.get(name, np.nan)) for name in drivers}


def reference_table(drivers: dict[str, np.ndarray], outcomes: np.ndarray) -> np.ndarray:
    """[input, year] of :func:`reference_spread_drivers`, year by year."""
    by_year = [
        reference_spread_drivers(drivers, outcomes[:, year]) for year in range(len(outcomes.T))
    ]
    return np.array([list(year.values()) for year in by_year]).T


def _matrix(drivers: dict[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([np.asarray(v, dtype=float) for v in drivers.values()])


@pytest.fixture(scope="module")
def outlook():
    """kr-outlook's projection with every draw's inputs and outputs: sites built or not (ties
    at 0 MW), a weather year of a dozen (ties), inputs held fixed (constant columns)."""
    options = ProjectionOptions(draws=200, seed=0, resolution="annual", per_draw=True)
    return project(load_scenario("kr-outlook"), options)


def _inputs(dataset, dim: str) -> dict[str, np.ndarray]:
    """Every draw of each input of the driver table ``dim``, in its order, read off the
    ``input_*_per_draw`` variables (which name their input)."""
    by_label = {
        variable.attrs["input"]: variable.to_numpy()
        for variable in dataset.data_vars.values()
        if "input" in variable.attrs and variable.dims == ("draw",)
    }
    return {str(label): by_label[str(label)] for label in dataset[dim].to_numpy()}


@requires_shared_data
@pytest.mark.parametrize(("output", "dim"), [(o, d) for o, d, _ in DRIVER_OUTPUTS])
def test_the_projections_drivers_are_the_per_year_pandas_ones(outlook, output, dim):
    drivers = _inputs(outlook, dim)
    outcomes = outlook[per_draw_name(output)].transpose("draw", "year").to_numpy()
    matrix = _matrix(drivers)
    constant = np.ptp(matrix, axis=0) == 0
    tied = [np.unique(c).size < c.size for c in matrix.T[~constant]]
    assert constant.any() and any(tied)  # the case this test is for
    expected = reference_table(drivers, outcomes)
    assert np.isfinite(expected).any()
    got = outlook[f"{output}_rank_correlation"].transpose(dim, "year").to_numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.array_equal(np.isnan(got), np.isnan(expected))


def test_hand_made_ties_a_fixed_input_a_nan_and_an_outcome_that_does_not_vary():
    """Ties (a 0/1 input, repeated values), a fixed input and one with a NaN (NaN: no
    correlation), and a year whose outcome is the same in every draw (0.0 for every varying
    input) are as the pandas computation reads them."""
    rng = np.random.default_rng(3)
    draws = 40
    drivers = {
        "uniform": rng.uniform(size=draws),
        "built": (rng.uniform(size=draws) < 0.3).astype(float),
        "steps": rng.integers(0, 4, size=draws).astype(float),
        "fixed": np.full(draws, 2.5),
        "missing": np.where(np.arange(draws) == 7, np.nan, rng.uniform(size=draws)),
    }
    outcomes = np.column_stack(
        [
            drivers["uniform"] + drivers["steps"],
            np.full(draws, 1.0),  # does not vary
            np.round(drivers["uniform"] * 3),  # ties in the outcome
            -drivers["steps"],
        ]
    )
    got = rank_correlations(_matrix(drivers), outcomes)
    expected = reference_table(drivers, outcomes)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.all(np.isnan(got[3:])) and np.all(got[:3, 1] == 0.0)
    assert got[2, 3] == pytest.approx(-1.0)


def test_average_ranks_are_pandas_average_ranks():
    """Column by column: ties (−0.0 and 0.0 among them), ±inf, one row."""
    rng = np.random.default_rng(5)
    values = rng.integers(-3, 4, size=(50, 6)).astype(float)
    values[::7, 1] = -0.0
    values[3, 2], values[9, 2] = np.inf, -np.inf
    for case in (values, values[:1], rng.uniform(size=(30, 3))):
        expected = pd.DataFrame(case).rank().to_numpy()
        np.testing.assert_array_equal(average_ranks(case), expected)
