"""Each site's own AI load (``site_energy_twh``, ``site_mean_mw``): its share of its region's
hosted fleet and its own tenants, at its own PUE.

The first cases are worked out on paper (load factor 1, no inference cycle, no temperature
response); the others check, on a case with every term switched on, that a region's sites add
up to the region's AI energy draw by draw, as the hourly stream finds it.
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.support.scenarios import h100_fleet, hand_checkable_scenario

H100_MW = 1275e-6
HOURS_2025 = 8760


def _scenario(**changes) -> dict:
    """One region, 1,000 H100 from end-2024 (1.275 MW nameplate), flat load at nameplate, and
    two IT sites built before the period: ``small`` 1 MW at PUE 1.2, ``large`` 3 MW at 1.5."""
    data = hand_checkable_scenario(
        id="two-sites",
        title="two sites, one region",
        deployments=h100_fleet(1000),
        sites=[_site("small", 1.0, 1.2), _site("large", 3.0, 1.5)],
    )
    return data | changes


def _site(name: str, capacity_mw: float, pue: float, **fields) -> dict:
    return {
        "name": name,
        "capacity_mw": capacity_mw,
        "capacity_kind": "it",
        "commissioning": "2024-01-01",
        "status": "operating",
        "build_probability": 1.0,
        "delay_months": 0.0,
        "pue": pue,
    } | fields


def _project(data: dict, **options):
    settings = {"draws": 10, "seed": 0, "resolution": "monthly", "include_baseline": False}
    settings |= {"weather": "typical"} | options
    return project(parse_scenario(copy.deepcopy(data)), ProjectionOptions(**settings))


def test_each_site_draws_its_capacity_share_of_the_fleet_at_its_own_pue():
    """1.275 MW of H100 in 4 MW of halls: ``small`` hosts 1/4 of it at PUE 1.2 (0.3825 MW),
    ``large`` 3/4 at PUE 1.5 (1.434375 MW); a year of 8,760 hours: 0.0033507 and
    0.012565125 TWh, together the region's 0.015915825 TWh."""
    dataset = _project(_scenario())
    small, large = 1.275 * 0.25 * 1.2, 1.275 * 0.75 * 1.5
    assert list(dataset["load_site"].values) == ["small", "large"]
    assert list(dataset["load_site_region"].values) == ["national", "national"]
    energy = dataset["site_energy_twh_mean"].sel(year=2025).values
    np.testing.assert_allclose(energy, [small * HOURS_2025 * 1e-6, large * HOURS_2025 * 1e-6])
    np.testing.assert_allclose(
        dataset["site_energy_twh"].sel(year=2025, quantile=0.5).values, energy
    )
    np.testing.assert_allclose(
        energy.sum(), dataset["ai_energy_twh_mean"].sel(year=2025).item(), rtol=1e-12
    )
    np.testing.assert_allclose(dataset["site_mean_mw_mean"].values.T, [[small, large]] * 12)
    assert dataset["site_energy_twh"].attrs["units"] == "TWh"
    assert dataset["site_mean_mw"].attrs["units"] == "MW"


def test_a_site_built_mid_year_takes_its_share_from_then_and_tenants_fill_the_rest():
    """``large`` is built on 1 July: until then ``small`` (1 MW) hosts what fits, 1 MW of the
    1.275 (the rest waits); from July the fleet splits 1/4 : 3/4. ``small``'s tenants
    (occupancy 1) fill what the fleet leaves free in it: nothing in the first half, 1 − 1.275/4
    of 1 MW in the second, at its own PUE (tenants at load factor 1: the scenario's)."""
    sites = [
        _site("small", 1.0, 1.2, tenant_occupancy=1.0),
        _site("large", 3.0, 1.5, commissioning="2025-07-01", status="under_construction"),
    ]
    dataset = _project(_scenario(sites=sites))
    mean_mw = dataset["site_mean_mw_mean"]
    np.testing.assert_allclose(mean_mw.sel(load_site="small").values[:6], 1.0 * 1.2)
    np.testing.assert_allclose(mean_mw.sel(load_site="large").values[:6], 0.0)
    # From July: the fleet's share plus the tenants in the rest: the whole 1 MW, at PUE 1.2.
    np.testing.assert_allclose(mean_mw.sel(load_site="small").values[6:], 1.0 * 1.2)
    np.testing.assert_allclose(mean_mw.sel(load_site="large").values[6:], 1.275 * 0.75 * 1.5)


def _every_term(**changes) -> dict:
    """Two regions, sites of different PUE, cooling, load factor and inference share, built
    with a probability and a delay, tenants beside the fleet, a temperature response and an
    inference cycle: a site's hourly load is not its region's scaled by a constant."""
    operations = {
        "load_factor": {"low": 0.5, "mode": 0.7, "high": 0.8, "dist": "triangular"},
        "pue": {"low": 1.2, "mode": 1.3, "high": 1.5, "dist": "triangular"},
        "pue_temperature_slope_per_c": 0.01,
        "inference_share": 0.6,
        "inference_peak_to_mean": 1.4,
        "lifetime_years": 6.0,
        "lifetime_weibull_shape": 3.0,
    }
    sites = [
        _site("a", 1.0, 1.15, region="north", cooling="liquid", tenant_occupancy=0.5),
        _site(
            "b",
            2.0,
            1.6,
            region="north",
            status="announced",
            commissioning="2025-03-01",
            build_probability=0.6,
            delay_months=4.0,
            ramp_months=6.0,
        ),
        _site(
            "c",
            1.5,
            1.3,
            region="south",
            cooling="hybrid",
            load_factor=0.4,
            inference_share=0.2,
            tenant_occupancy=0.8,
        ),
    ]
    data = _scenario(
        operations=operations,
        regions=["north", "south"],
        sites=sites,
        deployments=[
            {
                "name": "fleet",
                "region_shares": {"north": 0.7, "south": 0.3},
                "milestones": [
                    {"date": "2024-12-31", "count": 1000, "mix": {"h100_sxm": 1.0}},
                    {"date": "2025-09-30", "count": 3000, "mix": {"h100_sxm": 1.0}},
                ],
            }
        ],
    )
    return data | changes


def test_a_regions_sites_add_up_to_its_ai_energy_draw_by_draw():
    """Every term on: the sites of each region add up to the region's AI energy, as the hourly
    stream sums it, in every draw and year."""
    dataset = _project(_every_term(), draws=40, resolution="annual", per_draw=True)
    sites = dataset["site_energy_twh_per_draw"]
    by_region = sites.groupby(sites["load_site_region"].rename("region")).sum()
    regions = dataset["ai_energy_twh_by_region_per_draw"]
    np.testing.assert_allclose(
        by_region.transpose("region", "draw", "year").values,
        regions.sel(region=by_region["region"]).values,
        rtol=1e-10,
    )
    # Sites of different PUE and cooling: the shares differ from month to month.
    assert by_region.values.min() > 0


def test_with_flexibility_the_sites_are_before_it_and_add_up_with_the_curtailed_energy():
    """Site figures are before flexibility: with curtailment the sites add up to the AI energy
    plus what was curtailed, draw by draw."""
    flexibility = {"share": 0.5, "hours_per_year": 100, "mode": "curtail"}
    dataset = _project(
        _every_term(flexibility=flexibility), draws=20, resolution="annual", per_draw=True
    )
    curtailed = dataset["flexibility_curtailed_twh_per_draw"]
    assert curtailed.values.max() > 0
    np.testing.assert_allclose(
        dataset["site_energy_twh_per_draw"].sum("load_site").values,
        (dataset["ai_energy_twh_per_draw"] + curtailed).values,
        rtol=1e-10,
    )


def test_unconstrained_hosting_puts_the_fleet_in_no_listed_site():
    """``hosting = "unconstrained"``: the fleet runs in halls the scenario does not list, so
    the sites carry their tenants only (here none: 0 MW)."""
    dataset = _project(_scenario(hosting="unconstrained"))
    assert dataset.attrs["hosting"] == "unconstrained"
    np.testing.assert_allclose(dataset["site_energy_twh_mean"].values, 0.0)
    assert dataset["ai_energy_twh_mean"].sel(year=2025).item() == pytest.approx(
        1.275 * HOURS_2025 * 1e-6
    )


def test_a_scenario_without_sites_has_no_site_loads():
    data = _scenario()
    del data["sites"]
    dataset = _project(data)
    assert "site_energy_twh" not in dataset
    assert "load_site" not in dataset.coords


def test_a_site_loads_csv_rows_name_the_site_and_its_region():
    """In the tidy table a site's load rows carry its name in ``site`` and its region in
    ``region``, beside the grid-queue sites' rows."""
    from forecast.io.export import tidy_frame

    table = tidy_frame(_project(_every_term(), draws=10, resolution="annual"))
    rows = table[table["variable"] == "site_energy_twh_mean"]
    assert list(rows["site"].unique()) == ["a", "b", "c"]
    assert dict(zip(rows["site"], rows["region"], strict=False)) == {
        "a": "north",
        "b": "north",
        "c": "south",
    }
    assert set(rows["unit"]) == {"TWh"}


def test_the_summary_prints_a_row_per_site_up_to_ten_sites_or_when_asked():
    """Up to ten sites the summary prints a row per site (its name and region); with more it
    says where they are, unless ``--site-loads``."""
    from forecast.cli import project as cli

    data = _scenario()
    text = cli.site_load_table(_project(data))
    assert "large (national)" in text and "small (national)" in text
    assert "TWh 2025" in text and "mean MW 2025-12" in text
    many = _scenario(sites=[_site(f"hall {n}", 1.0, 1.2) for n in range(11)])
    dataset = _project(many)
    assert "hall" not in cli.site_load_table(dataset)
    assert "11 sites" in cli.site_load_table(dataset)
    assert "hall 10 (national)" in cli.site_load_table(dataset, every_site=True)


@pytest.mark.parametrize("series", [(), ("c",)])
def test_each_sites_nameplates_and_capacity_are_made_once_a_projection(monkeypatch, series):
    """The regions' coefficients and each site's own load (and the series of the sites asked
    for) are made from one pass over the sites' nameplates: a site's IT capacity is found in
    the hosting (where the fleet is placed) and in that pass, not again for each use (three
    passes and four capacities a site, with a series, before 2026-12-07)."""
    from forecast import engine
    from forecast.engine.hosting import Halls

    passes, capacities = [], []
    nameplates, it_capacity = engine.site_nameplates, Halls.it_capacity

    def counted_nameplates(*args):
        passes.append(1)
        return nameplates(*args)

    def counted_capacity(self, index):
        capacities.append(index)
        return it_capacity(self, index)

    monkeypatch.setattr(engine, "site_nameplates", counted_nameplates)
    monkeypatch.setattr(Halls, "it_capacity", counted_capacity)
    dataset = _project(_every_term(), draws=4, sites=series)
    assert len(passes) == 1
    assert sorted(capacities) == sorted(2 * list(range(3)))
    assert float(dataset["site_energy_twh_mean"].sum()) > 0


def test_the_month_tables_are_made_once_for_a_period_and_weather(monkeypatch):
    """The sites' month tables (each month's hour sums and frontier hours) depend on the
    period, the inference shape and the weather alone: a second projection over the same ones
    (another seed) finds them kept, with the same site loads as when they are made anew;
    another period makes its own (once each, where every projection made them before
    2026-12-07)."""
    from forecast.engine import power
    from forecast.memo import SharedArrays

    made = []
    frontiers = power.month_frontiers

    def counted_frontiers(*args):
        made.append(1)
        return frontiers(*args)

    monkeypatch.setattr(power, "month_frontiers", counted_frontiers)
    monkeypatch.setattr(power, "_MONTH_TABLES", SharedArrays(kept=24), raising=False)
    _project(_every_term(), draws=4, seed=1)
    again = _project(_every_term(), draws=4, seed=2)
    assert len(made) == 1
    monkeypatch.setattr(power, "_MONTH_TABLES", SharedArrays(kept=24), raising=False)
    anew = _project(_every_term(), draws=4, seed=2)
    assert len(made) == 2
    for name in ("site_mean_mw", "site_energy_twh", "site_peak_mw"):
        np.testing.assert_array_equal(again[name].values, anew[name].values)
    _project(_every_term(), draws=4, seed=2, start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
    assert len(made) == 3


def test_month_tables_found_again_are_writable_copies():
    """The kernel is compiled for writable arrays (a read-only one would compile it again on
    a user's request), and a caller must not change the tables kept for the next one."""
    from forecast.calendar import HourlyCalendar
    from forecast.engine import power

    calendar = HourlyCalendar.build(dt.date(2025, 1, 1), dt.date(2025, 2, 28), "Asia/Seoul")
    hours = len(calendar.local)
    rng = np.random.default_rng(7)
    shape, excess = 0.5 + rng.random(hours), np.maximum(rng.normal(0, 3, (2, hours)), 0.0)
    key = ("test_month_tables_found_again_are_writable_copies", hours)
    made = power.site_months(calendar, shape, excess, np.array([0, 1, 1]), key=key)
    found = power.site_months(calendar, shape, excess, np.array([1, 0, 1]), key=key)
    for months in (made, found):
        assert all(np.asarray(table).flags.writeable for table in months)
    for name in ("hour_sums", "frontier_bounds", "frontier_basis"):
        np.testing.assert_array_equal(getattr(made, name), getattr(found, name))
        getattr(made, name)[...] = -1
    again = power.site_months(calendar, shape, excess, np.array([1, 0, 1]), key=key)
    np.testing.assert_array_equal(again.frontier_basis, found.frontier_basis)
    np.testing.assert_array_equal(again.weather_of_draw, [1, 0, 1])
