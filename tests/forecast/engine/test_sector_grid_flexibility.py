"""The whole sector and its grid, on hand-checkable cases: non-AI load, connection limits and
their queue, flexibility at the stress hours."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from forecast.cli.project import site_table
from forecast.errors import ScenarioNote
from forecast.io.export import tidy_frame
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.support.scenarios import h100_fleet, hand_checkable_scenario


def _base(**top) -> dict:
    """One region over 2025, flat operations at PUE 1, no fleet: ``top`` adds the rest."""
    data = hand_checkable_scenario(
        id="sector", title="sector", description="sector", default_lifetimes=True
    )
    return data | top


def _site(name, **fields):
    return {
        "name": name,
        "capacity_mw": 100.0,
        "capacity_kind": "grid",
        "commissioning": "2025-01-01",
        "status": "under_construction",
        "build_probability": 1.0,
        "delay_months": 0.0,
        "tenant_occupancy": 1.0,
    } | fields


def _project(data, **options):
    settings = {"draws": 10, "seed": 0, "resolution": "monthly", "include_baseline": False}
    settings |= {"weather": "typical"} | options
    return project(parse_scenario(copy.deepcopy(data)), ProjectionOptions(**settings))


def _monthly(dataset, name, **where):
    return dataset[name].sel(quantile=0.5, **where).to_numpy()


def test_non_ai_load_is_installed_times_power_times_utilisation_through_the_pue():
    """2 M servers at 400 W and 25 % utilisation = 200 MW of IT; PUE 1.5: 300 MW at the grid,
    2.628 TWh in 2025; storage given as 0.876 TWh of IT a year adds 150 MW at the grid (2025's
    8,760 hours)."""
    data = _base(
        non_ai_loads=[
            {"name": "servers", "kind": "servers", "installed": 2e6, "power_w": 400.0,
             "utilisation": 0.25},
            {"name": "storage", "kind": "storage", "energy_twh": 0.876},
        ]
    )  # fmt: skip
    data["operations"]["pue"] = 1.5
    dataset = _project(data)
    hours = pd.date_range("2025-01-01", "2026-01-01", freq="h", inclusive="left").size
    storage_mw = 0.876e6 / 8760.0 * 1.5  # 2025's hours: 150 MW
    np.testing.assert_allclose(_monthly(dataset, "non_ai_facility_mw"), 300.0 + storage_mw)
    np.testing.assert_allclose(
        dataset["non_ai_energy_twh"].sel(quantile=0.5).item(), (300.0 + storage_mw) * hours * 1e-6
    )
    np.testing.assert_allclose(
        dataset["dc_energy_twh"].sel(quantile=0.5).item(),
        dataset["non_ai_energy_twh"].sel(quantile=0.5).item(),
    )
    assert dataset["ai_energy_twh"].sel(quantile=0.5).item() == 0.0


def test_hosted_non_ai_load_takes_room_before_the_accelerators():
    """A 2 MW IT hall holding 1.5 MW of incumbent servers leaves 0.5 MW to 1,000 H100."""
    data = _base(
        deployments=h100_fleet(1000),
        sites=[_site("hall", capacity_mw=2.0, capacity_kind="it", status="operating",
                     tenant_occupancy=0.0)],
        non_ai_loads=[{"name": "incumbent", "kind": "servers", "installed": 3000,
                       "power_w": 500.0, "utilisation": 0.5, "hosted": True}],
    )  # fmt: skip
    dataset = _project(data)
    np.testing.assert_allclose(_monthly(dataset, "hosted_nameplate_mw"), 0.5)
    np.testing.assert_allclose(_monthly(dataset, "ai_facility_mw"), 0.5)
    np.testing.assert_allclose(_monthly(dataset, "non_ai_facility_mw"), 0.75)


def test_a_connection_limit_delays_a_site_by_the_expected_months():
    """A 100 MW site from January under a 40 MW limit, raised by 60 MW from July (3 months
    late): 40 MW connected until September, all of it from October; delayed = requested -
    connected; the hall's load follows what is connected."""
    data = _base(
        sites=[_site("hall")],
        grid={"national": {"limit_mw": 40.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 60.0, "delay_months": 3.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    connected = _monthly(dataset, "grid_connected_mw")
    requested = _monthly(dataset, "grid_requested_mw")
    np.testing.assert_allclose(requested, 100.0)
    np.testing.assert_allclose(connected, [40.0] * 9 + [100.0] * 3)
    np.testing.assert_allclose(_monthly(dataset, "grid_delayed_mw"), requested - connected)
    np.testing.assert_allclose(
        _monthly(dataset, "grid_limit_mw_by_region", region="national"), [40.0] * 9 + [100.0] * 3
    )
    load = _monthly(dataset, "ai_facility_mw")
    np.testing.assert_allclose(load[:9] / load[-1], 0.4)


def test_the_queue_order_is_honoured():
    """Two 50 MW sites ask in the same month under a 50 MW limit: the one under construction
    connects, the announced one waits for the 50 MW reinforcement in July."""
    data = _base(
        sites=[
            _site("announced first in the file", capacity_mw=50.0, status="announced"),
            _site("under construction", capacity_mw=50.0),
        ],
        grid={"national": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 50.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    connected = _monthly(dataset, "grid_connected_mw")
    np.testing.assert_allclose(connected, [50.0] * 6 + [100.0] * 6)
    # Which one waited: the load of the first half year is the one 50 MW hall's, and only the
    # announced site (tenant occupancy 0 below) would leave it at zero.
    data["sites"][0]["tenant_occupancy"] = 0.0
    load = _monthly(_project(data), "ai_facility_mw")
    assert load[0] > 0 and load[0] == pytest.approx(load[-1])


def test_a_site_asks_from_the_month_it_starts_to_ramp_as_it_connects():
    """A site due on 1 February, half a month late, with a 6-month ramp, starts to ramp in the
    second half of February and connects its whole grid capacity then; it asks for it from
    that month too: under a limit that never binds, requested equals connected every month and
    nothing is delayed."""
    data = _base(
        sites=[_site("hall", commissioning="2025-02-01", delay_months=0.5, ramp_months=6)],
        grid={"national": {"limit_mw": 500.0}},
    )
    dataset = _project(data)
    requested = _monthly(dataset, "grid_requested_mw")
    np.testing.assert_allclose(requested, [0.0] + [100.0] * 11)
    np.testing.assert_allclose(_monthly(dataset, "grid_connected_mw"), requested)
    np.testing.assert_allclose(_monthly(dataset, "grid_delayed_mw"), 0.0)


def test_each_queued_site_reports_when_it_asks_and_when_all_of_it_is_connected():
    """The queue case above, site by site: the site under construction (second in the file,
    first in the queue) is connected in full in January, 0 months after it asks; the announced
    one asks in January too and is connected in full in July, 6 months later. A site the limit
    never reaches waits beyond the period (inf, "never"); a site no draw builds has no wait."""
    data = _base(
        regions=["north", "south"],
        sites=[
            _site("announced first in the file", capacity_mw=50.0, status="announced",
                  region="north"),
            _site("under construction", capacity_mw=50.0, region="north"),
            _site("beyond the limit", capacity_mw=500.0, status="speculative", region="north"),
            _site("never built", status="speculative", build_probability=0.0, region="north"),
            _site("south hall", region="south"),
        ],
        grid={"north": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 50.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    # The sites under a limit in queue order, then the south's, which has none (report-proc
    # M7: connected in full as it asks, as under an infinite limit).
    assert list(dataset["site"].to_numpy()) == [
        "under construction", "announced first in the file", "beyond the limit", "never built",
        "south hall",
    ]  # fmt: skip
    assert list(dataset["site_region"].to_numpy()) == ["north"] * 4 + ["south"]
    assert list(dataset["site_grid_limit"].to_numpy()) == ["limited"] * 4 + ["none"]
    np.testing.assert_array_equal(dataset["site_energised_pct"].sel(site="south hall"), 100.0)
    dataset = dataset.isel(site=slice(0, 4))  # the north's queue
    waits = dataset["site_grid_wait_months"]
    np.testing.assert_array_equal(waits.sel(site="under construction"), 0.0)
    np.testing.assert_array_equal(waits.sel(site="announced first in the file"), 6.0)
    assert np.isposinf(waits.sel(site="beyond the limit")).all()
    assert np.isnan(waits.sel(site="never built")).all()
    energised = dataset["site_energised_pct"]
    np.testing.assert_array_equal(
        energised.sel(site="announced first in the file"), [0.0] * 6 + [100.0] * 6
    )
    np.testing.assert_array_equal(energised.sel(site="under construction"), 100.0)
    np.testing.assert_array_equal(energised.sel(site="beyond the limit"), 0.0)
    assert np.isnan(energised.sel(site="never built")).all()
    requesting = dataset["site_requesting_pct"]
    np.testing.assert_array_equal(requesting.sel(site="beyond the limit"), 100.0)
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_connected_mw", site="announced first in the file"),
        [0.0] * 6 + [50.0] * 6,
    )
    np.testing.assert_array_equal(dataset["site_built_pct"], [100.0, 100.0, 100.0, 0.0])
    request = dataset["site_grid_request_mw"].sel(quantile=0.5)
    np.testing.assert_array_equal(request[:3], [50.0, 50.0, 500.0])
    assert np.isnan(request.sel(site="never built"))
    assert list(dataset["site_status"].to_numpy()) == [
        "under_construction", "announced", "speculative", "speculative",
    ]  # fmt: skip
    # The sites' connections add up to the region's.
    np.testing.assert_allclose(
        dataset["site_grid_connected_mw_mean"].sum("site"),
        dataset["grid_connected_mw_by_region_mean"].sel(region="north"),
    )

    table = site_table(dataset).splitlines()
    cells = {
        parts[0]: parts[1:] for parts in (re.split(r"\s{2,}", line.strip()) for line in table[2:])
    }
    # Asked in the period's first month ("by": it may have asked before), its first MW and all
    # of it connected in July in every draw, 6 months late, its built hall waiting all of them.
    assert cells["announced first in the file"] == [
        "north", "announced", "100", "50", "by 2025-01", "2025-07", "2025-07", "2025-07",
        "2025-07", "6 [6–6]", "6.0 [6.0–6.0]",
    ]  # fmt: skip
    assert cells["beyond the limit"][5:] == [
        *["after 2025-12"] * 4,
        "never [never–never]",
        "12.0 [12.0–12.0]",
    ]
    assert cells["never built"] == ["north", "speculative", "0", "not built in any draw"]

    # In the tidy table a site's rows carry its region, its name, its status and how it asks
    # (a CSV reader could not tell a phased site's "months late" from a whole one's).
    frame = tidy_frame(dataset)
    rows = frame[frame["variable"] == "site_energised_pct"]
    assert set(rows["region"]) == {"north"} and len(rows) == 4 * 12
    assert rows["site"].iloc[0] == "under construction"
    assert list(frame.columns[-4:]) == ["site", "site_status", "site_grid_request",
                                        "site_grid_limit"]  # fmt: skip
    assert rows[["site_status", "site_grid_request", "site_grid_limit"]].iloc[0].tolist() == [
        "under_construction",
        "whole",
        "limited",
    ]
    assert frame.loc[frame["site"].isna(), "site_status"].isna().all()


def test_a_sites_wait_does_not_depend_on_when_the_projection_starts():
    """The queue starts with the first request, whatever the period: the announced site that
    asks in January 2025 and is connected in July waits 6 months in a projection that starts
    in April too (it asked before: "by 2025-04")."""
    data = _base(
        sites=[
            _site("announced", capacity_mw=50.0, status="announced"),
            _site("under construction", capacity_mw=50.0),
        ],
        grid={"national": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 50.0}]}},
    )  # fmt: skip
    for start in ("2025-01-01", "2025-04-01"):
        dataset = _project(data, start=dt.date.fromisoformat(start))
        waits = dataset["site_grid_wait_months"].sel(site="announced")
        np.testing.assert_array_equal(waits, 6.0)
    row = next(line for line in site_table(dataset).splitlines() if line.startswith("announced"))
    assert "by 2025-04" in row and "2025-07" in row


def test_built_halls_waiting_for_the_grid_are_stranded():
    """A 100 MW hall built in January (no ramp) under a 40 MW limit raised to 100 MW from July:
    60 MW of built hall waits six months: 60 MW stranded January to June, 360 MW-months, a
    mean 3.6 months per MW of the hall; its whole capacity connects 6 months late."""
    data = _base(
        sites=[_site("hall")],
        grid={"national": {"limit_mw": 40.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 60.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    np.testing.assert_allclose(_monthly(dataset, "grid_stranded_mw"), [60.0] * 6 + [0.0] * 6)
    np.testing.assert_allclose(
        _monthly(dataset, "grid_stranded_mw_by_region", region="national"), [60.0] * 6 + [0.0] * 6
    )
    hall = {"site": "hall", "quantile": 0.5}
    assert float(dataset["site_grid_stranded_mw_months"].sel(**hall)) == pytest.approx(360.0)
    assert float(dataset["site_grid_mean_wait_months"].sel(**hall)) == pytest.approx(3.6)
    assert float(dataset["site_grid_wait_months"].sel(**hall)) == 6.0


def test_a_phased_site_asks_as_it_builds_and_strands_nothing_it_has_not_built():
    """A 120 MW campus ramping over 12 months from January, phased, under a 60 MW limit raised
    to 120 MW from October: it asks 10 MW more each month, gets what it has built until the
    60 MW limit (June), then waits; 10, 20, 30 MW stranded in July to September; connected in
    full in December, the month its ramp completes: no wait. Asking whole, it would have
    asked 120 MW from January, had 60 MW connected ahead of its build and waited 9 months."""
    data = _base(
        sites=[_site("campus", capacity_mw=120.0, ramp_months=12.0, grid_request="phased")],
        grid={"national": {"limit_mw": 60.0, "reinforcements": [
            {"date": "2025-10-01", "mw": 60.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    built = 10.0 * np.arange(1, 13)
    np.testing.assert_allclose(_monthly(dataset, "grid_requested_mw"), built)
    np.testing.assert_allclose(
        _monthly(dataset, "grid_connected_mw"), np.minimum(built, [60.0] * 9 + [120.0] * 3)
    )
    np.testing.assert_allclose(
        _monthly(dataset, "grid_stranded_mw"), [0.0] * 6 + [10.0, 20.0, 30.0] + [0.0] * 3
    )
    campus = {"site": "campus", "quantile": 0.5}
    assert float(dataset["site_grid_wait_months"].sel(**campus)) == 0.0
    assert float(dataset["site_grid_stranded_mw_months"].sel(**campus)) == pytest.approx(60.0)
    data["sites"][0]["grid_request"] = "whole"
    whole = _project(data)
    np.testing.assert_allclose(_monthly(whole, "grid_requested_mw"), 120.0)
    np.testing.assert_allclose(_monthly(whole, "grid_connected_mw"), [60.0] * 9 + [120.0] * 3)
    assert float(whole["site_grid_wait_months"].sel(**campus)) == 9.0
    np.testing.assert_allclose(
        _monthly(whole, "grid_stranded_mw"), [0.0] * 6 + [10.0, 20.0, 30.0] + [0.0] * 3
    )


def test_each_site_reports_its_delayed_mw_and_its_first_mw_over_the_draws_that_build_it():
    """A data-centre developer asked how many of their MW still wait, month by month, and when
    the first MW comes (a whole request is connected in part first). Two sites under a 60 MW
    limit raised to 160 MW from October: A (under construction, 100 MW from January) gets 60
    MW at once and the rest in October; B (announced, 50 MW from March, built in 60 % of the
    draws) gets nothing until October. Per site, delayed = requested - connected over the draws
    that build it, and the month of its first MW is in the site table."""
    data = _base(
        sites=[
            _site("A"),
            _site("B", capacity_mw=50.0, status="announced", commissioning="2025-03-01",
                  build_probability=0.6),
        ],
        grid={"national": {"limit_mw": 60.0, "reinforcements": [
            {"date": "2025-10-01", "mw": 100.0}]}},
    )  # fmt: skip
    dataset = _project(data, draws=200)
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_delayed_mw", site="A"), [40.0] * 9 + [0.0] * 3
    )
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_delayed_mw", site="B"), [0.0] * 2 + [50.0] * 7 + [0.0] * 3
    )
    # Over the draws that build B (about 60 %): its P10 is 50 MW, not the unbuilt draws' 0.
    assert float(dataset["site_grid_delayed_mw"].sel(site="B", quantile=0.1).isel(month=5)) == 50.0
    assert 50.0 < float(dataset["site_built_pct"].sel(site="B")) < 70.0
    np.testing.assert_allclose(dataset["site_first_mw_pct"].sel(site="A").to_numpy(), [100.0] * 12)
    np.testing.assert_allclose(
        dataset["site_first_mw_pct"].sel(site="B").to_numpy(), [0.0] * 9 + [100.0] * 3
    )
    table = site_table(dataset)
    row_a = next(line for line in table.splitlines() if line.startswith("A "))
    row_b = next(line for line in table.splitlines() if line.startswith("B "))
    assert "first MW (P50)" in table
    assert re.search(r"2025-01\s+by 2025-01\s+", row_a)  # asks 2025-01, first MW at once
    assert re.search(r"2025-03\s+2025-10\s+", row_b)  # asks 2025-03, first MW in October


def test_a_whole_site_whose_ramp_ends_after_the_period_is_due_when_it_asks():
    """A 100 MW site asking for all of it in January, ramping over 24 months, under a 50 MW
    limit: due in January, never connected in full in 2025 (inf, "never"), not "ramps on"
    (the review found the phased rule applied to it: NaN, and a wait clipped to 0)."""
    data = _base(sites=[_site("campus", ramp_months=24.0)], grid={"national": {"limit_mw": 50.0}})
    dataset = _project(data)
    assert np.isposinf(dataset["site_grid_wait_months"].sel(site="campus")).all()
    np.testing.assert_array_equal(dataset["site_due_pct"].sel(site="campus"), 100.0)
    row = next(line for line in site_table(dataset).splitlines() if line.startswith("campus"))
    assert "never [never–never]" in row and "due after" not in row


def test_a_site_that_applies_ahead_queues_from_its_application():
    """Two 50 MW halls, both built in July (no ramp), under a 50 MW limit raised by 50 MW in
    October. The one under construction asks when built; the announced one applied 6 months
    ahead (grid_lead_months = 6): it asks in January, is connected then, before its hall needs
    it (0 months late, nothing stranded), and the one under construction waits 3 months with
    its built hall stranded. Requested counts the application from January."""
    data = _base(
        sites=[
            _site("under construction", capacity_mw=50.0, commissioning="2025-07-01"),
            _site("applied ahead", capacity_mw=50.0, commissioning="2025-07-01",
                  status="announced", grid_lead_months=6.0),
        ],
        grid={"national": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-10-01", "mw": 50.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    np.testing.assert_allclose(_monthly(dataset, "grid_requested_mw"), [50.0] * 6 + [100.0] * 6)
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_connected_mw", site="applied ahead"), 50.0
    )
    np.testing.assert_allclose(
        _monthly(dataset, "grid_stranded_mw"), [0.0] * 6 + [50.0] * 3 + [0.0] * 3
    )
    late = dataset["site_grid_wait_months"].sel(quantile=0.5)
    assert float(late.sel(site="applied ahead")) == 0.0
    assert float(late.sel(site="under construction")) == 3.0
    asks = dataset["site_requesting_pct"].sel(site="applied ahead").to_numpy()
    np.testing.assert_array_equal(asks, 100.0)
    due = dataset["site_due_pct"].sel(site="applied ahead").to_numpy()
    np.testing.assert_array_equal(due, [0.0] * 6 + [100.0] * 6)


def test_an_application_before_the_period_holds_its_place_in_the_queue():
    """Both halls are built in January 2025, the first month of the projection; the announced
    one applied a year ahead (January 2024), before the period: the queue starts with that
    application, so it holds the 50 MW and the one under construction waits for July's
    reinforcement (starting the queue with the period, the under-construction hall, first in
    the queue, would have taken it)."""
    data = _base(
        sites=[
            _site("under construction", capacity_mw=50.0),
            _site("applied ahead", capacity_mw=50.0, status="announced", grid_lead_months=12.0),
        ],
        grid={"national": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-07-01", "mw": 50.0}]}},
    )  # fmt: skip
    dataset = _project(data)
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_connected_mw", site="applied ahead"), 50.0
    )
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_connected_mw", site="under construction"),
        [0.0] * 6 + [50.0] * 6,
    )
    late = dataset["site_grid_wait_months"].sel(quantile=0.5)
    assert float(late.sel(site="applied ahead")) == 0.0
    assert float(late.sel(site="under construction")) == 6.0


def test_the_queue_orders_waiting_sites_by_application():
    """A blocker takes the 50 MW limit. A applied in January 2025 for a hall due in January
    2026; B applied in April for one due in October (both announced). The 50 MW of November's
    reinforcement go to A, which applied first (the review found them queued by commissioning
    date: B). A is connected in full before its hall needs it: 0 months late."""
    data = _base(
        sites=[
            _site("blocker", capacity_mw=50.0),
            _site("A", capacity_mw=50.0, status="announced", commissioning="2026-01-01",
                  grid_lead_months=12.0),
            _site("B", capacity_mw=50.0, status="announced", commissioning="2025-10-01",
                  grid_lead_months=6.0),
        ],
        grid={"national": {"limit_mw": 50.0, "reinforcements": [
            {"date": "2025-11-01", "mw": 50.0}]}},
    )  # fmt: skip
    with pytest.warns(ScenarioNote, match="after horizon.end"):
        dataset = _project(data)
    assert list(dataset["site"].to_numpy()) == ["blocker", "A", "B"]
    np.testing.assert_allclose(
        _monthly(dataset, "site_grid_connected_mw", site="A"), [0.0] * 10 + [50.0] * 2
    )
    np.testing.assert_allclose(_monthly(dataset, "site_grid_connected_mw", site="B"), 0.0)
    np.testing.assert_array_equal(dataset["site_grid_wait_months"].sel(site="A"), 0.0)
    assert np.isposinf(dataset["site_grid_wait_months"].sel(site="B")).all()


def test_a_site_that_applied_ahead_of_a_build_after_the_period_waits_for_nothing_built():
    """A hall due in December 2025, 0-4 months late, applied 6 months ahead: in the draws whose
    hall comes in 2026 nothing is built by the period's end, and its mean wait per built MW is
    0, not 0 / 0 (the review found NaN, and a RuntimeWarning that failed the projection)."""
    data = _base(
        sites=[_site("late hall", commissioning="2025-12-01", grid_lead_months=6.0,
                     delay_months={"dist": "uniform", "low": 0.0, "high": 4.0})],
        grid={"national": {"limit_mw": 200.0}},
    )  # fmt: skip
    dataset = _project(data)
    mean_wait = dataset["site_grid_mean_wait_months"].sel(site="late hall").to_numpy()
    np.testing.assert_array_equal(mean_wait, 0.0)


def test_a_phased_site_still_ramping_at_the_end_has_no_wait_yet():
    """A phased site whose ramp completes after the period has asked, but its wait is not known
    within the period (NaN), unlike a whole site that is not connected in full (inf)."""
    data = _base(
        sites=[_site("campus", ramp_months=24.0, grid_request="phased")],
        grid={"national": {"limit_mw": 500.0}},
    )  # fmt: skip
    dataset = _project(data)
    assert np.isnan(dataset["site_grid_wait_months"].sel(site="campus")).all()
    assert (dataset["site_requesting_pct"].sel(site="campus") == 100.0).all()
    row = next(line for line in site_table(dataset).splitlines() if line.startswith("campus"))
    assert "due after 2025-12" in row


def test_a_name_given_to_two_sites_labels_the_second_with_its_number():
    data = _base(
        sites=[_site("campus", capacity_mw=50.0), _site("campus", capacity_mw=50.0)],
        grid={"national": {"limit_mw": 50.0}},
    )
    dataset = _project(data)
    assert list(dataset["site"].to_numpy()) == ["campus", "campus #2"]
    assert np.isposinf(dataset["site_grid_wait_months"].sel(site="campus #2")).all()


def _flex_case(mode):
    data = _base(
        deployments=h100_fleet(400_000),
        flexibility={"share": {"dist": "uniform", "low": 0.2, "high": 0.4},
                     "mode": mode, "hours_per_year": 40},
    )  # fmt: skip
    data["operations"]["inference_share"] = 0.5
    data["operations"]["inference_peak_to_mean"] = 1.25
    data["operations"]["load_factor"] = 0.7
    return data


@pytest.mark.parametrize("mode", ["curtail", "shift"])
def test_flexibility_never_raises_the_peak_and_removes_at_most_its_share(mode):
    """On the KPX baseline: the peak with flexibility is never above the peak without, in any
    draw; curtailing removes at most the share of the AI load in 40 hours; shifting keeps the
    energy."""
    data = _flex_case(mode)
    options = {"draws": 60, "include_baseline": True, "resolution": "annual",
               "quantiles": (0.0, 0.5, 1.0)}  # fmt: skip
    flexed = _project(data, **options)
    without = copy.deepcopy(data)
    del without["flexibility"]
    plain = _project(without, **options)
    reduction = flexed["flexibility_peak_reduction_gw"]
    assert reduction.sel(quantile=0.0).item() >= 0.0
    assert reduction.sel(quantile=1.0).item() > 0.0
    np.testing.assert_allclose(
        flexed["peak_change_gw_without_flexibility"].to_numpy(),
        plain["peak_change_gw"].to_numpy(),
    )
    ai_plain = plain["ai_energy_twh_mean"].item()
    ai_flexed = flexed["ai_energy_twh_mean"].item()
    curtailed = flexed["flexibility_curtailed_twh_mean"].item()
    np.testing.assert_allclose(ai_plain - ai_flexed, curtailed, rtol=1e-9, atol=1e-12)
    ai_peak = plain["ai_peak_gw"].sel(quantile=1.0).item() * 1e3  # MW
    assert curtailed * 1e6 <= 0.4 * ai_peak * 40 * (1 + 1e-9)
    if mode == "shift":
        assert curtailed == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(ai_flexed, ai_plain, rtol=1e-12)
    else:
        assert curtailed > 0.0
    assert flexed.attrs["flexibility"].startswith(mode)


@pytest.mark.parametrize("hours_per_year", [1, 3, 50])
def test_a_flat_load_gives_way_in_the_declared_hours_only(hours_per_year):
    """Without a baseline or weather a data-centre load is flat, and every hour ties at the
    stress level: curtailing half of a 100 MW hall in N hours a year removes 50 MW x N hours,
    not every tied hour's (an Irish planner's 1-hour flexibility curtailed about 500 hours)."""
    data = _base(
        sites=[_site("hall")],
        flexibility={"share": 0.5, "mode": "curtail", "hours_per_year": hours_per_year},
    )
    dataset = _project(data, resolution="annual")
    curtailed = dataset["flexibility_curtailed_twh"].sel(quantile=0.5).item()
    assert curtailed == pytest.approx(50.0 * hours_per_year * 1e-6, rel=1e-9)


def test_flexibility_from_a_year_gives_way_in_no_earlier_year():
    """A ministry analyst found kr-outlook-flex curtailing in 2024 and 2025, years no
    programme ran in: with ``from_year = 2026`` a flat 100 MW hall curtails nothing in 2025 and
    50 MW x 10 hours in 2026, and the attributes say from when."""
    data = _base(
        sites=[_site("hall")],
        flexibility={"share": 0.5, "mode": "curtail", "hours_per_year": 10, "from_year": 2026},
        horizon={"start": "2025-01-01", "end": "2026-12-31"},
    )
    dataset = _project(data, resolution="annual", start=dt.date(2025, 1, 1),
                       end=dt.date(2026, 12, 31))  # fmt: skip
    curtailed = dataset["flexibility_curtailed_twh"].sel(quantile=0.5)
    assert curtailed.sel(year=2025).item() == 0.0
    assert curtailed.sel(year=2026).item() == pytest.approx(50.0 * 10 * 1e-6, rel=1e-9)
    assert dataset.attrs["flexibility"].endswith(", from 2026")


@pytest.mark.parametrize("mode", ["curtail", "shift"])
def test_flexibility_from_a_year_after_the_window_changes_nothing_and_says_so(mode):
    """from_year after the projection's last year: no year gives way, in either mode, and the
    attribute says so instead of implying it curtails."""
    data = _base(
        sites=[_site("hall")],
        flexibility={"share": 0.5, "mode": mode, "hours_per_year": 10, "from_year": 2040},
        horizon={"start": "2025-01-01", "end": "2026-12-31"},
    )
    window = {"start": dt.date(2025, 1, 1), "end": dt.date(2026, 12, 31)}
    flexed = _project(data, resolution="annual", **window)
    del data["flexibility"]
    plain = _project(data, resolution="annual", **window)
    np.testing.assert_array_equal(flexed["ai_energy_twh"].values, plain["ai_energy_twh"].values)
    assert (flexed["flexibility_curtailed_twh"].values == 0.0).all()
    assert flexed.attrs["flexibility"].endswith(
        "from 2040 (after this projection's last year, 2026: nothing gives way in it)"
    )


@pytest.mark.parametrize("year", [2025, 2028])
def test_a_load_given_as_energy_a_year_draws_that_energy_in_each_calendar_year(year):
    """An IEA analyst's Japan case gave 20 TWh a year of IT energy and read 19.99 TWh back (a
    year of 8,765.82 hours); each calendar year, leap or not, now holds the stated energy
    (PUE 1, no baseline: the data-centre energy is the IT energy)."""
    data = _base(
        horizon={"start": f"{year}-01-01", "end": f"{year}-12-31"},
        non_ai_loads=[{"name": "japan", "kind": "other", "energy_twh": 20.0}],
    )
    dataset = _project(data, resolution="annual")
    assert float(dataset["non_ai_energy_twh"].sel(year=year, quantile=0.5)) == pytest.approx(
        20.0, rel=1e-12
    )


def test_loads_of_one_draw_group_keep_the_spread_of_the_whole():
    """An IEA analyst split the world's servers into regions and saw the band narrow by 45 %:
    each entry is drawn on its own. Two halves in one draw_group take each input at the same
    probability, so they add up to the whole draw by draw; apart, their sum varies less."""
    whole = {"name": "servers", "kind": "servers", "power_w": 400.0,
             "installed": {"dist": "uniform", "low": 1e6, "high": 3e6}}  # fmt: skip

    def half(name, group):
        part = whole | {"name": name, "installed": {"dist": "uniform", "low": 5e5, "high": 1.5e6}}
        return part | ({"draw_group": group} if group else {})

    def energy(loads):
        dataset = _project(_base(non_ai_loads=loads), draws=400, resolution="annual",
                           per_draw=True)  # fmt: skip
        return dataset["non_ai_energy_twh_per_draw"].sel(year=2025).to_numpy()

    one = energy([whole])
    together = energy([half("a", "world"), half("b", "world")])
    apart = energy([half("a", None), half("b", None)])
    # Draw by draw the group's halves are alike: the two are twice the first alone.
    np.testing.assert_allclose(together, 2.0 * energy([half("a", "world")]), rtol=1e-12)
    assert abs(np.std(together) / np.std(one) - 1.0) < 0.1
    assert np.std(apart) < 0.8 * np.std(one)


def test_the_sectors_spread_drivers_name_the_non_ai_inputs():
    """An IEA analyst found the spread-driver table ranking only AI inputs against AI energy,
    though the non-AI load was 75 % of the world's: a scenario with non-AI loads also ranks
    every input, theirs included, against the data-centre energy. Here the servers' installed
    base is the only uncertain input, so it ranks the data-centre energy exactly."""
    servers = {"name": "servers", "kind": "servers", "power_w": 400.0,
               "installed": {"dist": "uniform", "low": 1e6, "high": 3e6}}  # fmt: skip
    dataset = _project(_base(non_ai_loads=[servers]), draws=200, resolution="annual")
    sector = dataset["dc_spread_driver_rank_correlation"]
    assert float(sector.sel(dc_input="installed: servers")) == pytest.approx(1.0)
    assert "data-centre energy (AI + non-AI) of 2025" in sector.attrs["description"]
    assert "installed: servers" not in dataset["input"].to_numpy()  # the AI table stays AI's
    without = _project(_base(sites=[_site("hall")]), draws=20, resolution="annual")
    assert "dc_spread_driver_rank_correlation" not in without


def test_without_weather_the_temperature_inputs_are_no_spread_drivers():
    """A scenario with weather_location = "none" has no temperature response, yet its PUE
    slope's draws were ranked among the spread drivers (a correlation of pure noise) beside a
    weather year that is the same in every draw: inputs that cannot act are left out, of the
    data-centre table too; with weather both are there."""
    operations = _base()["operations"] | {
        "pue": 1.2,
        "pue_temperature_slope_per_c": {"dist": "uniform", "low": 0.01, "high": 0.03},
    }
    servers = {"name": "servers", "kind": "servers", "power_w": 400.0,
               "installed": {"dist": "uniform", "low": 1e6, "high": 3e6}}  # fmt: skip
    data = _base(operations=operations, sites=[_site("hall")], non_ai_loads=[servers])
    temperature = {"pue_temperature_slope_per_c", "weather_year_mean_excess_c"}
    none = _project(data | {"weather_location": "none"}, draws=20, resolution="annual")
    assert not temperature & set(none["input"].to_numpy())
    assert not temperature & set(none["dc_input"].to_numpy())
    assert {"pue", "built_it_capacity_mw_final"} <= set(none["input"].to_numpy())
    seoul = _project(data | {"weather_location": "seoul"}, draws=20, resolution="annual")
    assert temperature <= set(seoul["input"].to_numpy())
    assert temperature <= set(seoul["dc_input"].to_numpy())


def _campus(mode, **flexibility):
    """One 100 MW grid-capacity hall whose tenants serve inference (a daily cycle) with a PUE
    that rises with the heat, so that a year's highest hours are a few summer afternoons."""
    data = _base(
        sites=[_site("campus")],
        flexibility={"share": 0.3, "mode": mode, "hours_per_year": 50} | flexibility,
    )
    data["operations"] |= {
        "inference_share": 0.6, "inference_peak_to_mean": 1.3, "load_factor": 0.7, "pue": 1.3,
        "pue_temperature_slope_per_c": 0.02,
    }  # fmt: skip
    return data


def _hourly_rows(data, start, end, **settings):
    """Every draw's hourly rows after flexibility (:func:`forecast.kernels.twins.stream_values`
    of each streamed chunk, draws in the stream's order) and the projection."""
    from forecast.kernels import twins

    rows = []
    options = ProjectionOptions(
        draws=8, seed=0, resolution="hourly", include_baseline=False, weather="typical",
        start=start, end=end, **settings,
    )  # fmt: skip
    dataset = project(
        parse_scenario(copy.deepcopy(data)),
        options,
        hourly_sinks=[lambda inputs, first_hour, order: rows.append(twins.stream_values(inputs))],
    )
    return np.concatenate(rows, axis=2), dataset


@pytest.mark.parametrize(
    ("mode", "threshold"), [("curtail", None), ("shift", None), ("curtail", 68.0)]
)
@pytest.mark.parametrize(
    ("start", "end"), [((1, 1), (1, 2)), ((8, 1), (8, 31)), ((10, 1), (11, 30))]
)
def test_a_windows_stress_hours_are_its_whole_years(mode, threshold, start, end):
    """A procurement analyst's two-day window curtailed in 48 of its 50 hours, and October
    and November as much as the whole year: a year's stress hours were ranked inside the
    window. A window's hours (AI load, total and curtailed load of every draw), its hourly
    quantiles and its curtailed energy are now the whole year's run's in it."""
    flexibility = {} if threshold is None else {"threshold_mw": threshold}
    data = _campus(mode, **flexibility)
    year, whole = _hourly_rows(data, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    first, last = dt.date(2025, *start), dt.date(2025, *end)
    rows, window = _hourly_rows(data, first, last)
    hours = slice(int(np.searchsorted(whole.time.values, window.time.values[0])), None)
    hours = slice(hours.start, hours.start + window.time.size)
    np.testing.assert_allclose(rows, year[:, :, hours], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(
        window["ai_facility_mw"].values,
        whole["ai_facility_mw"].isel(time=hours).values,
        rtol=1e-12,
    )
    curtailed_mwh = year[5, :, hours].sum(axis=1).mean()  # layout.CURTAILED_ROW
    assert window["flexibility_curtailed_twh_mean"].item() == pytest.approx(
        curtailed_mwh * 1e-6, rel=1e-9, abs=1e-15
    )
    del data["flexibility"]
    plain, _ = _hourly_rows(data, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert not np.allclose(year[0], plain[0])  # the year gives way somewhere


def _runs(called: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Events (runs of consecutive True hours) and the longest run of each row of ``called``
    [D, H]."""
    starts = called & ~np.pad(called, ((0, 0), (1, 0)))[:, :-1]
    longest = np.zeros(called.shape[0], dtype=int)
    for draw, row in enumerate(called):
        # The lengths of the runs of True between the False hours.
        lengths = np.diff(np.flatnonzero(np.r_[True, ~row, True])) - 1
        longest[draw] = lengths.max()
    return starts.sum(axis=1), longest


@pytest.mark.parametrize(
    ("mode", "threshold"), [("curtail", None), ("shift", None), ("curtail", 72.0)]
)
@pytest.mark.parametrize(("start", "end"), [((1, 1), (12, 31)), ((7, 20), (8, 31))])
def test_the_hours_called_are_the_hours_that_give_way(mode, threshold, start, end):
    """A demand-response designer could not see hours called, events or their length in any
    output, and with threshold_mw the hours called differ by draw: each draw's hours called,
    events (runs of consecutive called hours) and longest event are those of the hours its AI
    load gives way in, by the hourly rows with and without flexibility (a window counts its
    own hours of the whole year's stress hours); shifted energy is what the other hours
    gain."""
    flexibility = {} if threshold is None else {"threshold_mw": threshold}
    data = _campus(mode, **flexibility)
    # Loads that differ by draw: 0 to 1,385 hours a year reach 72 MW.
    data["operations"]["load_factor"] = {"dist": "uniform", "low": 0.6, "high": 0.8}
    first, last = dt.date(2025, *start), dt.date(2025, *end)
    rows, flexed = _hourly_rows(data, first, last, per_draw=True)
    del data["flexibility"]
    plain, _ = _hourly_rows(data, first, last)
    lowered = plain[0] - rows[0]  # layout.AI_ROW, [D, H]
    called = lowered > 1e-9 * plain[0]
    events, longest = _runs(called)
    year = {"year": 2025}
    hours = flexed["flexibility_hours_called_per_draw"].sel(year).to_numpy()
    np.testing.assert_array_equal(hours, called.sum(axis=1))
    np.testing.assert_array_equal(flexed["flexibility_events_per_draw"].sel(year), events)
    np.testing.assert_array_equal(flexed["flexibility_event_hours_max_per_draw"].sel(year), longest)
    mean = np.divide(hours, events, out=np.zeros_like(hours), where=events > 0)
    np.testing.assert_allclose(flexed["flexibility_event_hours_mean_per_draw"].sel(year), mean)
    assert hours.max() <= 50 and events.max() >= 1
    if threshold is not None:
        assert len(set(hours)) > 1  # the threshold makes the hours called a draw's own
    shifted = flexed["flexibility_shifted_twh_per_draw"].sel(year).to_numpy()
    if mode == "shift":
        gained = np.where(called, 0.0, -lowered).sum(axis=1)  # MWh
        np.testing.assert_allclose(shifted * 1e6, gained, rtol=1e-9)
        assert shifted.min() > 0.0
    else:
        assert (shifted == 0.0).all()


@pytest.mark.parametrize("threshold", [None, 72.0])
@pytest.mark.parametrize(("start", "end"), [((1, 1), (12, 31)), ((7, 20), (8, 31))])
def test_the_calendar_of_hours_called_is_when_the_load_gives_way(threshold, start, end):
    """A demand-response programme designer asked in which months and hours the flexibility
    is called, and no output said: flexibility_hours_called_by_month_hour [h] is, per local
    month and clock hour, the mean over draws of the hours whose AI load gives way (by the
    hourly rows with and without flexibility; a window holds its own of the whole year's
    stress hours), and a year's cells add up to flexibility_hours_called_mean."""
    flexibility = {} if threshold is None else {"threshold_mw": threshold}
    data = _campus("curtail", **flexibility)
    data["operations"]["load_factor"] = {"dist": "uniform", "low": 0.6, "high": 0.8}
    first, last = dt.date(2025, *start), dt.date(2025, *end)
    rows, flexed = _hourly_rows(data, first, last)
    del data["flexibility"]
    plain, _ = _hourly_rows(data, first, last)
    called = plain[0] - rows[0] > 1e-9 * plain[0]  # layout.AI_ROW, [D, H]
    local = pd.DatetimeIndex(flexed["local_time"].to_numpy())
    expected = np.zeros((12, 24))
    np.add.at(expected, (local.month - 1, local.hour), called.mean(axis=0))
    calendar = flexed["flexibility_hours_called_by_month_hour"]
    assert calendar.dims == ("year", "month_of_year", "hour_of_day")
    assert calendar.attrs["units"] == "h"
    assert list(calendar["month_of_year"].to_numpy()) == list(range(1, 13))
    np.testing.assert_allclose(calendar.sel(year=2025), expected, rtol=1e-12)
    np.testing.assert_allclose(
        calendar.sel(year=2025).sum(), flexed["flexibility_hours_called_mean"].sel(year=2025)
    )
    assert expected.sum() > 0
    # Summer afternoons: no hour before 10:00 is called.
    assert expected[:, :10].sum() == 0.0


@pytest.mark.parametrize("mode", ["curtail", "shift"])
def test_the_calendar_of_energy_given_way_follows_the_share(mode):
    """A grid planner edited the flexible share on the dashboard and its month x hour table
    of hours called stayed as it was: the stress hours are ranked on the total load before
    anything gives way, so they do not depend on the share. flexibility_energy_mwh_by_month_hour
    [MWh] is what does: per local month and clock hour, the mean over draws of the AI energy
    the share takes off in the hours called (the hourly AI rows without flexibility less those
    with it there, moved or curtailed); a year's cells add up to the mean curtailed plus
    shifted energy, and twice the share gives way twice the energy in the same hours."""
    first, last = dt.date(2025, 7, 1), dt.date(2025, 8, 31)
    shown = {}
    for share in (0.3, 0.6):
        data = _campus(mode, share=share)
        rows, flexed = _hourly_rows(data, first, last)
        del data["flexibility"]
        plain, _ = _hourly_rows(data, first, last)
        lowered = plain[0] - rows[0]  # layout.AI_ROW, [D, H]: given way where called
        called = lowered > 1e-9 * plain[0]
        local = pd.DatetimeIndex(flexed["local_time"].to_numpy())
        expected = np.zeros((12, 24))
        np.add.at(expected, (local.month - 1, local.hour), np.where(called, lowered, 0.0).mean(0))
        energy = flexed["flexibility_energy_mwh_by_month_hour"]
        assert energy.dims == ("year", "month_of_year", "hour_of_day")
        assert energy.attrs["units"] == "MWh"
        # Each hour's energy is summed in whole kWh (forecast.kernels.layout.KWH_PER_MWH): at
        # most 0.5 kWh apart per hour called.
        hours = flexed["flexibility_hours_called_by_month_hour"].sel(year=2025).to_numpy()
        off = np.abs(energy.sel(year=2025).to_numpy() - expected)
        assert (off <= 0.5e-3 * hours + 1e-9).all(), off.max()
        given_way = (
            flexed["flexibility_curtailed_twh_mean"] + flexed["flexibility_shifted_twh_mean"]
        ).sel(year=2025)
        total = float(energy.sel(year=2025).sum())
        assert total == pytest.approx(float(given_way) * 1e6, abs=0.5e-3 * hours.sum())
        assert expected.sum() > 0
        shown[share] = (flexed["flexibility_hours_called_by_month_hour"], energy)
    np.testing.assert_array_equal(shown[0.3][0], shown[0.6][0])  # the same hours
    doubled = np.abs(shown[0.6][1] - 2 * shown[0.3][1]).to_numpy()
    assert (doubled <= 1.5e-3 * shown[0.3][0].to_numpy() + 1e-9).all(), doubled.max()
    assert float(shown[0.6][1].sum()) > 1.9 * float(shown[0.3][1].sum())


def test_the_calendar_of_hours_called_leaves_out_what_is_not_called():
    """Before from_year nothing is called, and a draw whose share is 0 is never called: the
    calendar holds none of their hours (it adds up to flexibility_hours_called_mean, which
    counts them 0)."""
    data = _campus("curtail", from_year=2026)
    data["horizon"]["end"] = "2026-12-31"
    later = _project(data, resolution="annual")
    calendar = later["flexibility_hours_called_by_month_hour"]
    assert calendar.sel(year=2025).sum() == 0.0
    assert calendar.sel(year=2026).sum() == pytest.approx(50.0)
    zero = _campus("curtail", share=0.0)
    nothing = _project(zero, resolution="annual")
    assert nothing["flexibility_hours_called_by_month_hour"].sum() == 0.0
    assert nothing["flexibility_hours_called_mean"].sum() == 0.0
    assert nothing["flexibility_energy_mwh_by_month_hour"].sum() == 0.0
    assert later["flexibility_energy_mwh_by_month_hour"].sel(year=2025).sum() == 0.0
    assert later["flexibility_energy_mwh_by_month_hour"].sel(year=2026).sum() > 0.0


@pytest.mark.parametrize("mode", ["curtail", "shift"])
def test_the_flexibility_table_prints_when_it_is_called_and_what_it_shifts(mode):
    """The projection's flexibility table has the hours called, events and their lengths
    beside the energy (a demand-response designer found none of them), and the energy
    shifted where the mode shifts."""
    from forecast.cli.project import flexibility_table

    dataset = _project(_campus(mode), resolution="annual")
    header, row = flexibility_table(dataset).splitlines()[1:3]
    for label in ("curtailed", "hours called", "events", "longest event h", "mean event h"):
        assert label in header
    assert ("shifted" in header) == (mode == "shift")
    assert row.startswith("2025") and "50 [50–50] (50)" in row
    events = dataset["flexibility_events"].sel(year=2025, quantile=0.5).item()
    assert 1 <= events <= 50 and f"{events:,.0f} [" in row


def test_the_calendar_of_hours_called_prints_by_month_and_hour():
    """forecast project prints, with flexibility, the month x hour-of-day table of the hours
    called (a programme designer's "in which months and hours?"): a row per month and a
    column per clock hour, each month's and hour's total, and the year's total is its mean
    hours called; none without flexibility, one line for a year nothing is called in."""
    from forecast.cli.project import flexibility_calendar_table

    data = _campus("curtail", from_year=2026)
    data["horizon"]["end"] = "2026-12-31"
    dataset = _project(data, resolution="annual")
    title, header, *rows = flexibility_calendar_table(dataset).splitlines()
    assert title.startswith("flexibility called by local month and hour of the day, 2026 [h")
    assert header.split() == [f"{hour:02d}" for hour in range(24)] + ["all"]
    assert [row.split()[0] for row in rows] == [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "all"
    ]  # fmt: skip
    assert all(len(row.split()) == 26 for row in rows)
    assert rows[-1].split()[-1] == "50.0"  # every draw's 50 hours
    calendar = dataset["flexibility_hours_called_by_month_hour"].sel(year=2026)
    july = calendar.sel(month_of_year=7).to_numpy()
    assert rows[6].split()[1:] == [f"{h:.1f}" if h else "." for h in [*july, july.sum()]]
    assert flexibility_calendar_table(dataset, 2025).endswith(", 2025 [h, mean over 10 draws; "
                                                              "--flexibility-year for another]: "
                                                              "no hour called")  # fmt: skip
    del data["flexibility"]
    assert flexibility_calendar_table(_project(data, resolution="annual")) == ""


def test_the_calendar_of_energy_given_way_prints_beside_the_hours():
    """forecast project printed the month x hour table of the hours called but not the energy
    flexibility takes off in them (flexibility_energy_mwh_by_month_hour [MWh], which the
    dashboard shows beside it): it prints it in the same layout, in whole MWh with the unit
    in its title, each cell, month and hour as Python rounds it (the dashboard's figures),
    the year's total the mean energy curtailed; one line for a year nothing gives way in, none
    without flexibility."""
    from forecast.cli.project import flexibility_calendar_table, flexibility_energy_table

    data = _campus("curtail", from_year=2026)
    data["horizon"]["end"] = "2026-12-31"
    dataset = _project(data, resolution="annual")
    title, header, *rows = flexibility_energy_table(dataset).splitlines()
    assert title == (
        "AI energy flexibility gives way (curtailed or shifted) by local month and hour of the "
        "day, 2026 [MWh, mean over 10 draws; --flexibility-year for another]"
    )
    hours_header = flexibility_calendar_table(dataset).splitlines()[1]
    assert header.split() == hours_header.split()
    assert [row.split()[0] for row in rows] == [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "all"
    ]  # fmt: skip
    assert len({len(row) for row in [header, *rows]}) == 1  # aligned columns
    energy = dataset["flexibility_energy_mwh_by_month_hour"].sel(year=2026).to_numpy()

    def shown(mwh: float) -> str:
        return "." if mwh == 0 else f"{mwh:,.0f}"

    for row, values in zip(rows, energy, strict=False):
        assert row.split()[1:] == [*map(shown, values), shown(math.fsum(values))]
    columns = [math.fsum(column) for column in energy.T]
    assert rows[-1].split()[1:] == [*map(shown, columns), shown(math.fsum(energy.ravel()))]
    curtailed_mwh = dataset["flexibility_curtailed_twh_mean"].sel(year=2026).item() * 1e6
    assert float(rows[-1].split()[-1].replace(",", "")) == pytest.approx(curtailed_mwh, abs=0.5)
    assert energy.sum() > 0 and rows[6].split()[1:] != ["."] * 25  # July is called
    assert flexibility_energy_table(dataset, 2025).endswith(
        ", 2025 [MWh, mean over 10 draws; --flexibility-year for another]: none given way"
    )
    del data["flexibility"]
    assert flexibility_energy_table(_project(data, resolution="annual")) == ""


def test_the_calendar_of_energy_rounds_as_the_dashboard():
    """The dashboard rounds the energy table's cells to whole MWh as Python does (the exact
    binary value, a tie to the even digit, thousands separated: service/web/format.js); the
    printed table must give the same figures, totals included (correctly rounded sums), so a
    hand-made calendar of halves reads 0, 2, 4, 1,234 and never 1, 3, 5."""
    import xarray as xr

    from forecast.cli.project import flexibility_energy_table
    from forecast.outputs import MONTH_HOUR_COORDINATES

    values = np.zeros((1, 12, 24))
    values[0, 0, :4] = [0.5, 2.5, 3.5, 1234.5]  # January: 1,241 in all
    values[0, 7, 18] = 0.25  # August: less than half a MWh, given way all the same
    coords = {name: values for name, (_dim, values, _attrs) in MONTH_HOUR_COORDINATES.items()}
    calendar = xr.DataArray(
        values, dims=("year", "month_of_year", "hour_of_day"), attrs={"units": "MWh"},
        coords={"year": [2030], **coords},
    )  # fmt: skip
    dataset = xr.Dataset({"flexibility_energy_mwh_by_month_hour": calendar}, attrs={"draws": 4})
    _title, _header, *rows = flexibility_energy_table(dataset).splitlines()
    january, august, every = rows[0].split(), rows[7].split(), rows[-1].split()
    assert january[1:5] == ["0", "2", "4", "1,234"]
    assert january[-1] == "1,241"
    assert august[19] == "0" and august[-1] == "0"
    assert every[1:5] == ["0", "2", "4", "1,234"] and every[19] == "0"
    assert every[-1] == "1,241"  # 1,241.25
    assert set(rows[1].split()[1:]) == {"."}


def test_forecast_project_prints_the_energy_given_way_after_the_hours(capsys, tmp_path):
    """`forecast project` of a scenario with flexibility prints the energy calendar of the
    year asked for (--flexibility-year) under the hours calendar."""
    from forecast.cli import main

    status = main(["project", "kr-outlook-flex", "--draws", "5", "--resolution", "annual",
                   "--start", "2030-01-01", "--end", "2031-12-31", "--flexibility-year", "2030",
                   "--out", str(tmp_path / "flex.csv")])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    hours = out.index("flexibility called by local month and hour of the day, 2030 [h,")
    energy = out.index("AI energy flexibility gives way (curtailed or shifted) by local month "
                       "and hour of the day, 2030 [MWh, mean over 5 draws")  # fmt: skip
    assert hours < energy


def test_the_flexibility_year_is_a_year_of_the_period(capsys):
    """--flexibility-year outside the period is refused before any work: exit 2, one line
    naming the option, the value and the years allowed."""
    from forecast.cli import main

    status = main(["project", "kr-outlook-flex", "--draws", "5", "--start", "2030-01-01",
                   "--end", "2030-12-31", "--flexibility-year", "2040", "--out",
                   "unwritten.csv"])  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error.splitlines() == [error] and "Traceback" not in error
    assert "--flexibility-year = 2040: allowed: a year 2030..2030 (the projection's period)" in (
        error
    )


def test_shifting_never_draws_more_than_the_grid_connection():
    """A data-centre developer's analyst shifted 80 % of a 200 MW grid campus's load in
    1,000 hours and saw it draw 589 MW: shifted load now fills an hour only up to the hosted
    nameplate at the hour's PUE, which a grid-capacity site's connection holds (200 MW at
    its hottest hour). Energy is kept but for what is reported curtailed, the peak does not
    rise, and at most the share of the load in the declared hours gives way."""
    data = _base(
        sites=[_site("campus", capacity_mw=200.0)],
        flexibility={"share": 0.8, "mode": "shift", "hours_per_year": 1000},
    )
    data["operations"] |= {
        "inference_share": 0.5, "inference_peak_to_mean": 1.25, "load_factor": 0.7, "pue": 1.3,
        "pue_temperature_slope_per_c": 0.02,
    }  # fmt: skip
    options = {"draws": 10, "include_baseline": True, "resolution": "annual",
               "quantiles": (0.0, 1.0)}  # fmt: skip
    flexed = _project(data, **options)
    without = copy.deepcopy(data)
    del without["flexibility"]
    plain = _project(without, **options)
    assert flexed["ai_peak_gw"].sel(quantile=1.0).item() * 1e3 <= 200.0 * (1 + 1e-12)
    assert plain["ai_peak_gw"].sel(quantile=1.0).item() * 1e3 <= 200.0 * (1 + 1e-12)
    curtailed = flexed["flexibility_curtailed_twh_mean"].item()
    assert curtailed > 0.0  # the connection leaves no room for all of it
    np.testing.assert_allclose(
        plain["ai_energy_twh_mean"].item() - flexed["ai_energy_twh_mean"].item(),
        curtailed, rtol=1e-9,
    )  # fmt: skip
    assert curtailed * 1e6 <= 0.8 * 200.0 * 1000
    assert flexed["flexibility_peak_reduction_gw"].sel(quantile=0.0).item() >= 0.0
