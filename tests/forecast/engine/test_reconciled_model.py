"""The one AI-load model, on hand-checkable cases: hosting, delivery, trends, retirement.

Each scenario here is built so that its answer can be worked out on paper: load factor 1, PUE
fixed (no temperature response), no inference cycle, no baseline, and lifetimes long enough
that nothing retires unless the test says so.
"""

from __future__ import annotations

import copy
import datetime as dt
from math import gamma

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ScenarioNote
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario
from forecast.scenario.catalog import load_catalog
from tests.support.scenarios import h100_fleet, hand_checkable_scenario

H100_MW = 1275e-6
B300_MW = 1812.5e-6


def _scenario(**changes) -> dict:
    """One region, 1,000 H100 from end-2024, flat load at nameplate, PUE 1; ``changes`` by
    dotted path (``operations.pue``, ``sites``)."""
    data = hand_checkable_scenario(deployments=h100_fleet(1000))
    for path, value in changes.items():
        target = data
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return data


def _site(**fields) -> dict:
    site = {
        "name": "hall",
        "capacity_mw": 2.0,
        "capacity_kind": "it",
        "commissioning": "2025-07-01",
        "status": "under_construction",
        "build_probability": 1.0,
        "delay_months": 0.0,
    }
    return site | fields


def _project(data: dict, **options) -> object:
    settings = {"draws": 20, "seed": 0, "resolution": "monthly", "include_baseline": False}
    settings |= {"weather": "typical"} | options
    return project(parse_scenario(copy.deepcopy(data)), ProjectionOptions(**settings))


def _monthly_ai(dataset, quantile=0.5) -> np.ndarray:
    return dataset["ai_facility_mw"].sel(quantile=quantile).to_numpy()


def test_an_accelerator_with_no_room_draws_nothing_and_starts_once_a_site_is_built():
    """1,000 H100 (1.275 MW) wait for a 2 MW hall built on 2025-07-01, then draw 1.275 MW."""
    dataset = _project(_scenario(sites=[_site()]))
    assert dataset.attrs["hosting"] == "hosted"
    ai = _monthly_ai(dataset)
    np.testing.assert_allclose(ai[:6], 0.0, atol=1e-12)
    np.testing.assert_allclose(ai[6:], 1000 * H100_MW, rtol=1e-12)
    waiting = dataset["waiting_accelerators"].sel(quantile=0.5).to_numpy()
    np.testing.assert_allclose(waiting[:6], 1000.0)
    np.testing.assert_allclose(waiting[6:], 0.0, atol=1e-9)
    np.testing.assert_allclose(
        dataset["waiting_nameplate_mw"].sel(quantile=0.5).to_numpy()[:6], 1000 * H100_MW
    )
    hours = pd.date_range("2025-07-01", "2026-01-01", freq="h", inclusive="left").size
    np.testing.assert_allclose(
        dataset["ai_energy_twh"].sel(quantile=0.5).item(), 1000 * H100_MW * hours * 1e-6
    )
    # They were delivered in December 2024, before the year: no 2025 vintage waited.
    assert float(dataset["accelerator_wait_months"].max()) == 0.0


def test_waiting_months_of_a_vintage():
    """Delivered in 2025-01 (the milestone moves into the year), hosted from 2025-07: 6 months."""
    data = _scenario(sites=[_site()])
    data["deployments"][0]["milestones"][0]["date"] = "2025-01-31"
    dataset = _project(data)
    np.testing.assert_allclose(dataset["accelerator_wait_months"].sel(quantile=0.5).item(), 6.0)


def test_only_the_room_there_is_is_used():
    """A 1 MW hall hosts 1 / 1.275 of the fleet; the rest waits, by region."""
    dataset = _project(_scenario(sites=[_site(capacity_mw=1.0, commissioning="2024-01-01")]))
    np.testing.assert_allclose(_monthly_ai(dataset), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        dataset["hosted_accelerators"].sel(quantile=0.5).to_numpy(), 1000 / 1.275, rtol=1e-12
    )
    np.testing.assert_allclose(
        dataset["waiting_nameplate_mw"].sel(quantile=0.5).to_numpy(), 0.275, rtol=1e-9
    )


def test_no_site_draws_more_than_its_grid_capacity():
    """A 1 MW grid connection, a PUE that rises with the heat, far more accelerators than fit:
    the hottest hour of any draw stays at or under 1 MW, and comes close to it."""
    data = _scenario(
        sites=[_site(capacity_mw=1.0, capacity_kind="grid", commissioning="2024-01-01")]
    )
    data["operations"] |= {
        "pue": {"dist": "uniform", "low": 1.1, "high": 1.5},
        "pue_temperature_slope_per_c": 0.01,
        "inference_share": 0.5,
        "inference_peak_to_mean": 1.25,
        "load_factor": 0.75,
    }
    data["horizon"] = {"start": "2025-07-01", "end": "2025-08-31"}
    dataset = _project(data, draws=50, resolution="hourly", quantiles=(0.5, 1.0))
    highest = float(dataset["ai_facility_mw"].sel(quantile=1.0).max())
    assert highest <= 1.0 + 1e-9
    assert highest > 0.8


def test_an_it_capacity_site_is_not_capped_by_the_grid():
    """The same hall stated as 1 MW of IT: IT x PUE may exceed 1 MW at the grid."""
    data = _scenario(sites=[_site(capacity_mw=1.0, commissioning="2024-01-01")])
    data["operations"]["pue"] = 1.3
    dataset = _project(data)
    np.testing.assert_allclose(_monthly_ai(dataset), 1.3, rtol=1e-12)


def test_site_tenants_fill_what_the_plans_leave_free():
    """A 2 MW hall: the plan takes 1.275 MW, tenants fill half of the remaining 0.725 MW."""
    data = _scenario(sites=[_site(commissioning="2024-01-01", tenant_occupancy=0.5)])
    dataset = _project(data)
    np.testing.assert_allclose(_monthly_ai(dataset), 1.275 + 0.5 * 0.725, rtol=1e-12)
    np.testing.assert_allclose(
        dataset["tenant_nameplate_mw"].sel(quantile=0.5).to_numpy(), 0.3625, rtol=1e-12
    )


def test_sites_only_and_deployments_only_keep_working_and_say_so():
    only_sites = _scenario(sites=[_site(commissioning="2024-01-01")])
    del only_sites["deployments"]
    sites = _project(only_sites)
    assert sites.attrs["hosting"] == "sites"
    np.testing.assert_allclose(_monthly_ai(sites), 2.0, rtol=1e-12)  # occupancy 1 by default
    fleet = _project(_scenario())
    assert fleet.attrs["hosting"] == "unconstrained"
    assert "unconstrained hosting" in fleet.attrs["hosting_note"]
    np.testing.assert_allclose(_monthly_ai(fleet), 1.275, rtol=1e-12)


def test_compute_target_tops_up_only_what_the_milestones_leave_short():
    """100 H100 at end-2024 and end-2025; 3x the end-2024 compute by end-2026 in H100: the
    milestones stand, 200 more are phased in over 2026 and nothing is added twice."""
    data = _scenario()
    data["horizon"] = {"start": "2024-01-01", "end": "2027-12-31"}
    data["deployments"][0]["milestones"] = [
        {"date": "2024-12-31", "count": 100, "mix": {"h100_sxm": 1.0}},
        {"date": "2025-12-31", "count": 100, "mix": {"h100_sxm": 1.0}},
    ]
    data["deployments"][0]["compute_targets"] = [
        {
            "date": "2026-12-31",
            "multiple": 3.0,
            "relative_to": "2024-12-31",
            "mix": {"h100_sxm": 1.0},
        }
    ]
    installed = _project(data)["installed_accelerators"].sel(quantile=0.5).to_series()
    assert installed["2024-12"].item() == pytest.approx(100.0)
    assert installed["2025-12"].item() == pytest.approx(100.0)
    assert installed["2026-06"].item() == pytest.approx(200.0)
    assert installed["2026-12"].item() == pytest.approx(300.0)
    assert installed["2027-12"].item() == pytest.approx(300.0)
    # A target the milestones already meet adds nothing at all.
    data["deployments"][0]["compute_targets"][0]["multiple"] = 0.5
    met = _project(data)["installed_accelerators"].sel(quantile=0.5).to_series()
    np.testing.assert_allclose(met["2024-12":].to_numpy(), 100.0)


def test_compute_target_never_lowers_the_milestones_of_the_government_path():
    """kr-gov-gpu-path: installed accelerators equal the milestones (18,000 mid-2026, 30,000
    end-2026, 35,000 end-2027, 50,000 end-2028) in every draw; the 15x target does not bind."""
    dataset = project(
        load_scenario("kr-gov-gpu-path"),
        ProjectionOptions(draws=200, seed=0, resolution="annual", include_baseline=False),
    )
    installed = dataset["installed_accelerators"]
    for month, count in (
        ("2024-12", 2000), ("2026-06", 18000), ("2026-12", 30000), ("2027-12", 35000),
        ("2028-12", 50000), ("2030-12", 50000),
    ):  # fmt: skip
        np.testing.assert_allclose(installed.sel(month=month).to_numpy(), count, rtol=1e-12)


def test_a_period_inside_the_horizon_simulates_the_fleet_it_needs():
    """January 2026 alone, although the compute target's dates lie outside it."""
    dataset = project(
        load_scenario("kr-gov-gpu-path"),
        ProjectionOptions(
            draws=10, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), resolution="daily",
            include_baseline=False,
        ),
    )  # fmt: skip
    # 2,000 at end-2024 rising to 18,000 at mid-2026: 2,000 + 16,000 x 13/18 at end-January.
    np.testing.assert_allclose(
        dataset["installed_accelerators"].sel(quantile=0.5).item(), 2000 + 16000 * 13 / 18
    )


def _weibull(age_months: np.ndarray, mean_years: float, shape: float) -> np.ndarray:
    scale = 12.0 * mean_years / gamma(1.0 + 1.0 / shape)
    return np.exp(-((age_months / scale) ** shape))


def test_gross_shipments_retire():
    """100 a month through 2024, mean life 1 year: the stock is sum_v 100 S(m - v), not 1,200;
    with after_last = hold the 1,200 are kept after the last shipment."""
    data = _scenario()
    data["horizon"] = {"start": "2024-01-01", "end": "2026-12-31"}
    data["operations"] |= {"lifetime_years": 1.0, "lifetime_weibull_shape": 3.0}
    data["deployments"][0] = {
        "name": "shipped",
        "after_last": "retire",
        "shipments": [
            {"start": "2024-01-01", "end": "2024-12-31", "count": 1200, "mix": {"h100_sxm": 1.0}}
        ],
    }
    installed = _project(data)["installed_accelerators"].sel(quantile=0.5).to_numpy()
    month = np.arange(36)
    expected = np.array(
        [(100 * _weibull(m - np.arange(min(m, 11) + 1), 1.0, 3.0)).sum() for m in month]
    )
    np.testing.assert_allclose(installed, expected, rtol=1e-9)
    assert installed[11] < 1200 and installed[-1] < 1.0
    data["deployments"][0]["after_last"] = "hold"
    held = _project(data)["installed_accelerators"].sel(quantile=0.5).to_numpy()
    np.testing.assert_allclose(held[:12], expected[:12], rtol=1e-9)
    np.testing.assert_allclose(held[12:], expected[11], rtol=1e-9)


def test_pue_trend_changes_the_energy_by_the_expected_amount():
    """PUE 1.2 at 2025-01 rising linearly to 1.4 at 2026-01: each month's load is 1.275 MW x
    its PUE (monthly steps of 0.2 / 12), and the year's energy follows hour by hour."""
    data = _scenario()
    data["operations"]["pue"] = [
        {"date": "2025-01-01", "value": 1.2},
        {"date": "2026-01-01", "value": 1.4},
    ]
    dataset = _project(data)
    pue = 1.2 + 0.2 * np.arange(12) / 12
    np.testing.assert_allclose(_monthly_ai(dataset), 1.275 * pue, rtol=1e-12)
    hours = pd.date_range("2025-01-01", "2026-01-01", freq="h", inclusive="left")
    per_month = np.bincount(hours.month - 1)
    expected = (1.275 * pue * per_month).sum() * 1e-6
    np.testing.assert_allclose(
        dataset["ai_energy_twh"].sel(quantile=0.5).item(), expected, rtol=1e-12
    )
    flat = _project(_scenario(**{"operations.pue": 1.2}))
    ratio = (
        dataset["ai_energy_twh"].sel(quantile=0.5).item()
        / flat["ai_energy_twh"].sel(quantile=0.5).item()
    )
    np.testing.assert_allclose(ratio, (pue * per_month).sum() / (1.2 * per_month.sum()), rtol=1e-12)


def test_replacement_mix_is_applied_at_retirement():
    """1,000 H100 held from 2024-01 with a one-year life: by 2026 every one has been replaced,
    by B300 when the replacement mix says so (1.8125 MW), by H100 otherwise (1.275 MW)."""
    data = _scenario()
    data["horizon"] = {"start": "2024-01-01", "end": "2026-12-31"}
    data["operations"] |= {"lifetime_years": 1.0, "lifetime_weibull_shape": 20.0}
    data["deployments"][0]["milestones"][0]["date"] = "2024-01-01"
    like_for_like = _project(data)["fleet_nameplate_mw"].sel(quantile=0.5).to_numpy()
    np.testing.assert_allclose(like_for_like, 1000 * H100_MW, rtol=1e-9)
    data["operations"]["replacement_mix"] = [{"date": "2024-06-01", "mix": {"b300_hgx": 1.0}}]
    replaced = _project(data)["fleet_nameplate_mw"].sel(quantile=0.5).to_numpy()
    np.testing.assert_allclose(replaced[:6], 1000 * H100_MW, rtol=1e-6)  # none retired yet
    np.testing.assert_allclose(replaced[-6:], 1000 * B300_MW, rtol=1e-6)
    assert np.all(np.diff(replaced) >= -1e-12)
    assert load_catalog().system_w({"b300_hgx": 1.0}) == pytest.approx(1812.5)


def test_sampled_delivery_widens_the_spread_and_drives_it():
    """A delivery delay of 0-18 months on a ramp through 2026: the 2026 energy's P10-P90 range
    widens, and the delay is the input most correlated with it."""
    data = _scenario()
    data["horizon"] = {"start": "2026-01-01", "end": "2026-12-31"}
    data["deployments"][0]["milestones"] = [
        {"date": "2025-12-31", "count": 0, "mix": {"h100_sxm": 1.0}},
        {"date": "2026-12-31", "count": 10000, "mix": {"h100_sxm": 1.0}},
    ]
    data["operations"]["load_factor"] = {"dist": "uniform", "low": 0.6, "high": 0.7}
    fixed = _project(data, draws=400, resolution="annual")
    data["deployments"][0]["delivery_delay_months"] = {
        "dist": "triangular",
        "low": 0.0,
        "mode": 6.0,
        "high": 18.0,
        "source": "test",
    }
    data["deployments"][0]["milestones"][1]["count_factor"] = {
        "dist": "uniform",
        "low": 0.7,
        "high": 1.0,
        "source": "test",
    }
    sampled = _project(data, draws=400, resolution="annual")

    def width(dataset):
        energy = dataset["ai_energy_twh"]
        return (energy.sel(quantile=0.9) - energy.sel(quantile=0.1)).item()

    assert width(sampled) > 3 * width(fixed)
    drivers = sampled["spread_driver_rank_correlation"].to_series()
    assert drivers["delivery_delay_months: fleet"] < -0.5
    assert drivers.abs().idxmax() == "delivery_delay_months: fleet"
    assert drivers["delivered_count_factor: fleet"] > 0.0
    assert "delivery_delay_months: fleet" not in fixed["spread_driver_rank_correlation"].to_series()


def test_no_node_draws_more_than_its_nameplate():
    """Load factor 0.9 with all of it following a daily cycle of peak-to-mean 1.5 would peak
    at 1.35 x nameplate: the cycle is flattened to peak at nameplate, the energy kept."""
    data = _scenario(
        **{
            "operations.load_factor": 0.9,
            "operations.inference_share": 1.0,
            "operations.inference_peak_to_mean": 1.5,
        }
    )
    hourly = _project(data, resolution="hourly", draws=5)
    np.testing.assert_allclose(float(hourly["ai_facility_mw"].max()), 1.275, rtol=1e-9)
    flat = _project(_scenario(**{"operations.load_factor": 0.9}), resolution="hourly", draws=5)
    np.testing.assert_allclose(
        hourly["ai_energy_twh"].sel(quantile=0.5).item(),
        flat["ai_energy_twh"].sel(quantile=0.5).item(),
        rtol=1e-9,
    )


def test_version_1_files_are_read_as_version_2():
    v1 = {
        "id": "old",
        "title": "old",
        "description": "old",
        "country": "KR",
        "basis": "sites",
        "horizon": {"start": "2025-01-01", "end": "2025-12-31"},
        "deployments": _scenario()["deployments"],
        "sites": [
            {k: v for k, v in _site().items() if k not in {"capacity_mw", "capacity_kind"}}
            | {"it_mw": 3.0}
        ],
    }
    with pytest.warns(ScenarioNote, match="timezone: not given; a version-1 file"):
        scenario = parse_scenario(v1)
    assert scenario.schema_version == 2
    assert scenario.timezone == "UTC"  # as version 1 read a file without one
    assert scenario.hosting_reading == "sites"
    assert scenario.sites[0].capacity_kind == "it"
    assert scenario.sites[0].capacity_mw.value == 3.0
