"""A non-AI load split across regions by ``region_shares``, a table or a path over dates: a
Jeollanam-do planner could not move kr-outlook's non-AI growth out of the capital (each load
sat in one region)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib

import numpy as np
import pytest

from forecast.errors import ScenarioError
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=10, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
    resolution="annual", weather="typical", include_baseline=False,
)  # fmt: skip


def _with_load(**load):
    data = tomllib.loads(SMALL_SCENARIO)
    data["non_ai_loads"] = [{"name": "servers", "kind": "servers", "energy_twh": 1.0, **load}]
    return parse_scenario(data, origin="small.toml")


def _capital_share(dataset) -> np.ndarray:
    by_region = dataset["non_ai_energy_twh_by_region_mean"]
    np.testing.assert_allclose(by_region.sum("region"), dataset["non_ai_energy_twh_mean"])
    return (by_region.sel(region="capital") / dataset["non_ai_energy_twh_mean"]).to_numpy()


def test_a_table_of_shares_splits_the_load():
    dataset = project(_with_load(region_shares={"capital": 0.25, "non_capital": 0.75}), OPTIONS)
    np.testing.assert_allclose(_capital_share(dataset), [0.25, 0.25])


def test_a_path_of_shares_moves_the_load_over_time():
    """From all in the capital at 2025-01 to none at 2027-01, linear by month: the capital's
    share of each year's energy falls, about 0.77 in 2025 and 0.27 in 2026 (the months' mean
    shares, weighted by their energy)."""
    path = [
        {"date": dt.date(2025, 1, 1), "shares": {"capital": 1.0, "non_capital": 0.0}},
        {"date": dt.date(2027, 1, 1), "shares": {"capital": 0.0, "non_capital": 1.0},
         "source": "planner: new non-AI capacity outside the capital"},
    ]  # fmt: skip
    share = _capital_share(project(_with_load(region_shares=path), OPTIONS))
    np.testing.assert_allclose(share, [1 - 5.5 / 24, 1 - 17.5 / 24], atol=0.01)


def test_one_region_is_a_share_of_one_there():
    """A load with ``region`` projects as before: the shares' path is one point of 1."""
    dataset = project(_with_load(region="non_capital"), OPTIONS)
    np.testing.assert_array_equal(_capital_share(dataset), [0.0, 0.0])


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({"capital": 1.2, "non_capital": -0.2},
         "region_shares.capital = 1.2: allowed: a share in [0, 1]"),
        ({"capital": 0.7, "non_capital": 0.2},
         "region_shares sum to 0.9; allowed: shares that sum to 1"),
        ({"capital": 0.7, "south": 0.3}, "region_shares.south: unknown region; allowed"),
        ([{"date": dt.date(2025, 1, 1), "shares": {"capital": 1.0}},
          {"date": dt.date(2030, 1, 1), "shares": {"capital": 0.5, "non_capital": 0.6}}],
         "region_shares[1].shares sum to 1.1; allowed: shares that sum to 1"),
        ([{"date": dt.date(2030, 1, 1), "shares": {"capital": 1.0}},
          {"date": dt.date(2025, 1, 1), "shares": {"capital": 1.0}}],
         "region_shares[1].date = 2025-01-01: allowed: a date after region_shares[0].date = "
         "2030-01-01 (dates increase)"),
        ("capital", "region_shares = 'capital': allowed: a table of shares by region"),
    ],
)  # fmt: skip
def test_bad_shares_are_refused_in_one_line_naming_the_field(shares, message):
    with pytest.raises(ScenarioError) as error:
        _with_load(region_shares=shares)
    text = str(error.value)
    assert message in text and "non_ai_loads[0] ('servers')" in text and "\n" not in text


def test_region_and_region_shares_together_are_refused():
    with pytest.raises(ScenarioError, match="region = 'capital' and region_shares both given"):
        _with_load(region="capital", region_shares={"capital": 1.0})


@pytest.mark.parametrize("sites", [True, False], ids=["with-sites", "without-sites"])
def test_the_months_excess_sums_are_found_again_with_the_same_energy(monkeypatch, sites):
    """Each region's non-AI energy sums the cooling excess over each month's hours: a second
    projection over the same period and weather (another seed) finds those sums kept (the
    sites' month tables where the scenario has sites, its own otherwise) instead of summing
    105,192 hours a weather year again, and its energy equals one with the sums made anew, bit
    for bit."""
    from forecast.engine import power
    from forecast.memo import SharedArrays

    data = tomllib.loads(SMALL_SCENARIO)
    data["non_ai_loads"] = [{"name": "servers", "kind": "servers", "energy_twh": 1.0,
                             "region_shares": {"capital": 0.7, "non_capital": 0.3}}]  # fmt: skip
    if not sites:
        del data["sites"]
    scenario = parse_scenario(data, origin="small.toml")
    made = []
    bincount = np.bincount

    def counted(values, weights=None, minlength=0):
        made.append(weights is not None and minlength == 24)  # a sum over the 24 months
        return bincount(values, weights=weights, minlength=minlength)

    monkeypatch.setattr(power, "_MONTH_TABLES", SharedArrays(kept=24), raising=False)
    project(scenario, OPTIONS)
    monkeypatch.setattr(power.np, "bincount", counted)
    options = dataclasses.replace(OPTIONS, seed=1)
    again = project(scenario, options)
    monkeypatch.setattr(power.np, "bincount", bincount)
    monkeypatch.setattr(power, "_MONTH_TABLES", SharedArrays(kept=24), raising=False)
    anew = project(scenario, options)
    assert not any(made)
    name = "non_ai_energy_twh_by_region_mean"
    np.testing.assert_array_equal(again[name].values, anew[name].values)
    assert float(anew[name].sum()) > 0
