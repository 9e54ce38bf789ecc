"""Each site's peak (``site_peak_mw``) and, for the sites asked for, its own load series
(``site_facility_mw`` and its mean): a procurement analyst sizing a PPA for one campus needs its
hourly profile and its peak, not only its annual energy and mean MW (report-proc HIGH 2).

The series are checked against the hourly stream's regional AI load (the kernel's path), the
peaks against the series' highest hour, and the series' means against the sites' energy (the
monthly sums' path).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forecast.calendar import HourlyCalendar
from forecast.cli import main
from forecast.engine.power import frontier_hours, hour_basis, month_bounds, month_frontiers
from forecast.errors import OptionsError
from tests.forecast.engine.test_site_loads import _every_term, _project

SITES = ("a", "b", "c")


@pytest.fixture(scope="module")
def one_draw():
    """Every term on (two regions, PUEs, cooling, tenants, a late site), one draw, hourly: each
    quantile is that draw's value."""
    return _project(_every_term(), draws=1, seed=3, resolution="hourly", sites=SITES)


def test_the_sites_series_add_up_to_their_regions_hourly_ai_load(one_draw):
    series = one_draw["site_facility_mw"].sel(quantile=0.5)
    assert series.attrs["units"] == "MW"
    assert list(one_draw["profile_site"].values) == list(SITES)
    assert list(one_draw["profile_site_region"].values) == ["north", "north", "south"]
    by_region = series.groupby(series["profile_site_region"].rename("region")).sum()
    regions = one_draw["ai_facility_mw_by_region"].sel(quantile=0.5)
    np.testing.assert_allclose(
        by_region.transpose("region", "time").values,
        regions.sel(region=by_region["region"]).transpose("region", "time").values,
        rtol=1e-9,
    )
    assert float(series.sel(profile_site="b").max()) > 0  # built in the draw


def test_a_sites_peak_is_its_highest_hour_and_its_hours_add_up_to_its_energy(one_draw):
    series = one_draw["site_facility_mw"].sel(quantile=0.5)
    peak = one_draw["site_peak_mw"].sel(year=2025, quantile=0.5, load_site=list(SITES))
    assert one_draw["site_peak_mw"].attrs["units"] == "MW"
    np.testing.assert_allclose(peak.values, series.max("time").values, rtol=1e-12)
    hours = one_draw["site_facility_mw_mean"].sum("time")  # [MWh]: one hour each
    energy = one_draw["site_energy_twh_mean"].sel(year=2025, load_site=list(SITES))
    np.testing.assert_allclose(hours.values * 1e-6, energy.values, rtol=1e-9)


def test_monthly_series_are_the_sites_monthly_means():
    """At monthly resolution a site's series is its mean MW by month, quantiles of each draw's
    mean (site_mean_mw, from the monthly sums)."""
    dataset = _project(_every_term(), draws=30, resolution="monthly", sites=("c", "a"))
    series = dataset["site_facility_mw"]
    months = dataset["site_mean_mw"].sel(load_site=["c", "a"]).values  # [S, M, Q]
    np.testing.assert_allclose(series.values, months, rtol=1e-9, atol=1e-12)


def test_peaks_over_draws_are_the_draws_highest_hours():
    """Over many draws, the peak's mean is the mean of each draw's highest hour: no draw's
    peak is below its highest monthly mean, and the P95 is at least the P50."""
    dataset = _project(_every_term(), draws=40, resolution="monthly", per_draw=True)
    peaks = dataset["site_peak_mw_per_draw"]  # [S, D, Y]
    monthly = dataset["site_mean_mw"]
    assert (peaks.max("draw") >= monthly.max(("month", "quantile")) - 1e-9).all()
    quantiles = dataset["site_peak_mw"].sel(year=2025)
    assert (quantiles.sel(quantile=0.95) >= quantiles.sel(quantile=0.5)).all()


@pytest.mark.parametrize("seed", range(5))
def test_the_frontier_hours_hold_the_highest_hour_of_any_non_negative_load(seed):
    """Brute force over every hour against the frontier of (phi, x), on random hours (ties and
    zero excess among them) and random non-negative coefficients."""
    rng = np.random.default_rng(seed)
    shape = np.round(rng.uniform(0.5, 1.5, 744), 1)
    excess = np.maximum(np.round(rng.normal(0.0, 4.0, 744), 0), 0.0)
    coef = rng.uniform(0.0, 3.0, (200, 4)) * (rng.uniform(size=(200, 4)) > 0.2)
    kept = frontier_hours(shape, excess)
    assert kept.size < 60
    np.testing.assert_allclose(
        (coef @ hour_basis(shape[kept], excess[kept])).max(axis=1),
        (coef @ hour_basis(shape, excess)).max(axis=1),
        rtol=1e-15,
    )


def test_the_month_frontiers_by_hand():
    """January: hours 5 and 6 at phi 2 (x 0 and 1), hours 100 and 200 at x 3 (phi 1): the
    frontier is hour 6 (the higher x at the top phi), then hour 100 or 200 (alike); February's
    hours are all alike: one of them."""
    calendar = HourlyCalendar.build(dt.date(2024, 1, 1), dt.date(2024, 2, 29), "UTC")
    shape, excess = np.ones(len(calendar.local)), np.zeros((1, len(calendar.local)))
    shape[[5, 6]] = 2.0
    excess[0, [6, 100, 200]] = [1.0, 3.0, 3.0]
    ((months, basis),) = month_frontiers(calendar, shape, excess)
    assert months.tolist() == [0, 0, 1]
    assert basis.tolist() == [[1, 2, 1, 2], [1, 1, 3, 3], [1, 1, 0, 0]]


@pytest.mark.parametrize("seed", range(3))
def test_the_month_frontiers_are_each_months_frontier_hours(seed):
    """Found for every month at once, they are :func:`frontier_hours` month by month, in the
    same order (ties in phi and x among them)."""
    calendar = HourlyCalendar.build(dt.date(2024, 1, 1), dt.date(2024, 6, 30), "Asia/Seoul")
    rng = np.random.default_rng(seed)
    n_hours = len(calendar.local)
    shape = np.round(rng.uniform(0.5, 1.5, 24), 1)[np.arange(n_hours) % 24]
    excess = np.maximum(np.round(rng.normal(0.0, 4.0, (2, n_hours)), 0), 0.0)
    bounds = month_bounds(calendar)
    for row, (months, basis) in zip(excess, month_frontiers(calendar, shape, excess), strict=True):
        hours = [
            bounds[m]
            + frontier_hours(shape[bounds[m] : bounds[m + 1]], row[bounds[m] : bounds[m + 1]])
            for m in range(calendar.n_months)
        ]
        assert months.tolist() == [m for m, kept in enumerate(hours) for _ in kept]
        kept = np.concatenate(hours)
        np.testing.assert_array_equal(basis, hour_basis(shape[kept], row[kept]).T)


def test_a_site_not_in_the_scenario_is_refused():
    with pytest.raises(OptionsError, match=r"sites = 'nowhere': no site of scenario two-sites"):
        _project(_every_term(), draws=2, sites=("nowhere",))


def test_the_command_writes_one_sites_hourly_profile(scenario_file, tmp_path, capsys):
    from tests.conftest import SMALL_SCENARIO

    out = tmp_path / "site.csv"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--weather", "typical", "--start", "2026-01-01",
                   "--end", "2026-01-31", "--site", "site A", "--variables",
                   "site_facility_mw*", "--quiet", "--out", str(out)])  # fmt: skip
    assert status == 0
    import pandas as pd

    rows = pd.read_csv(out)
    assert set(rows["variable"]) == {"site_facility_mw", "site_facility_mw_mean"}
    assert set(rows["site"]) == {"site A"} and set(rows["unit"]) == {"MW"}
    assert set(rows["resolution"]) == {"hourly"}
    assert (rows["variable"] == "site_facility_mw_mean").sum() == 31 * 24
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--site", "site Z", "--out", str(out)])  # fmt: skip
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: --site = 'site Z': no site of scenario small is named so; "
                            "allowed: 'site A', 'site B'")  # fmt: skip


def test_the_site_table_prints_each_sites_peak(one_draw):
    from forecast.cli.project import site_load_table

    table = site_load_table(one_draw, every_site=True)
    assert "peak MW 2025" in table.splitlines()[1]
    peak = float(one_draw["site_peak_mw"].sel(load_site="a", year=2025, quantile=0.5))
    row = next(line for line in table.splitlines() if line.startswith("a (north)"))
    assert row.rstrip().endswith(f"{peak:,.1f} [{peak:,.1f}–{peak:,.1f}] ({peak:,.1f})")


def test_a_sites_it_load_is_its_facility_load_before_its_pue():
    """Hand-checkable (tests/forecast/engine/test_site_loads.py's two sites, no temperature
    response): ``small`` hosts 1/4 of 1.275 MW of H100 at load factor 1, 0.31875 MW of IT, at
    the grid 0.3825 MW (PUE 1.2); ``large`` 0.95625 MW of IT, 1.434375 MW (PUE 1.5)."""
    from tests.forecast.engine.test_site_loads import _scenario

    dataset = _project(
        _scenario(), draws=3, resolution="hourly", start="2025-07-01", end="2025-07-02",
        sites=("large", "small"),
    )  # fmt: skip
    it, facility = dataset["site_it_mw_mean"], dataset["site_facility_mw_mean"]
    assert it.attrs["units"] == facility.attrs["units"] == "MW"
    np.testing.assert_allclose(it.sel(profile_site="small").values, 1.275 / 4, rtol=1e-12)
    np.testing.assert_allclose(it.sel(profile_site="large").values, 1.275 * 3 / 4, rtol=1e-12)
    np.testing.assert_allclose(facility.sel(profile_site="small").values, 0.3825, rtol=1e-12)
    np.testing.assert_allclose(facility.sel(profile_site="large").values, 1.434375, rtol=1e-12)


def test_with_a_temperature_response_the_it_load_is_below_the_facility_load(one_draw):
    it = one_draw["site_it_mw"].sel(quantile=0.5)
    facility = one_draw["site_facility_mw"].sel(quantile=0.5)
    built = it > 0
    ratio = (facility / it).where(built)
    # PUE >= 1 in every hour; it moves with the temperature (a summer hour above a winter one).
    assert float(ratio.min()) >= 1.0
    assert float(ratio.max()) > float(ratio.min()) + 0.01
