"""``forecast sweep``: the whole-plan scale factor and the per-year summary of every variant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.cli import main
from forecast.cli.sweep import summary_table
from forecast.errors import OptionsError
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario
from forecast.sweep import variants as sweeps
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=12, seed=2, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
    resolution="annual", weather="typical",
)  # fmt: skip


def _scenario():
    return parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small")


def test_plan_scale_multiplies_every_milestone_and_shipment():
    data = tomllib.loads(SMALL_SCENARIO)
    data["deployments"][0]["shipments"] = [
        {"start": "2025-01-01", "end": "2025-06-30", "count": 400, "mix": {"h100_sxm": 1.0}}
    ]
    scenario = parse_scenario(data, origin="shipments")
    variants = sweeps.build_variants(
        scenario, [sweeps.parse_variation("plan.scale=0.5,2")], OPTIONS
    )
    for variant, factor in zip(variants, (0.5, 2.0), strict=True):
        deployment = variant.scenario.deployments[0]
        assert [m.count for m in deployment.milestones] == [1000 * factor, 5000 * factor]
        assert [s.count for s in deployment.shipments] == [400 * factor]
        assert variant.settings == {"plan.scale": factor}


def test_plan_scale_after_a_varied_count_and_equal_to_a_scaled_file():
    variants = sweeps.build_variants(
        _scenario(),
        [
            sweeps.parse_variation("deployments[0].milestones[1].count=6000"),
            sweeps.parse_variation("plan.scale=1.5"),
        ],
        OPTIONS,
    )
    assert [m.count for m in variants[0].scenario.deployments[0].milestones] == [1500, 9000]
    scaled = SMALL_SCENARIO.replace("count = 1000", "count = 1500").replace(
        "count = 5000", "count = 9000"
    )
    expected = project(parse_scenario(tomllib.loads(scaled), origin="by hand"), OPTIONS)
    got = project(variants[0].scenario, variants[0].options)
    xr.testing.assert_identical(got["ai_energy_twh"], expected["ai_energy_twh"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan.scale=0,1", "--vary plan.scale: values [0, 1]: allowed: numbers in (0, 1000]"),
        ("plan.scale=big", "--vary plan.scale: values ['big']: allowed: numbers in (0, 1000]"),
    ],
)
def test_plan_scale_refuses_bad_values(text, message):
    with pytest.raises(OptionsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        sweeps.parse_variation(text)


def test_plan_scale_needs_a_plan():
    sites_only = load_scenario("kr-dc-pipeline")
    with pytest.raises(OptionsError, match="kr-dc-pipeline has no deployment plans to scale"):
        sweeps.build_variants(sites_only, [sweeps.parse_variation("plan.scale=2")], OPTIONS)


def test_summary_has_every_year_of_every_variant():
    variants = sweeps.build_variants(
        _scenario(), [sweeps.parse_variation("plan.scale=1,2")], OPTIONS
    )
    combined = sweeps.combine(variants, [project(v.scenario, v.options) for v in variants])
    lines = [
        line for line in summary_table(combined).splitlines() if not line.startswith("caveat: ")
    ]
    assert "P50 [P10–P90] (mean) per year" in lines[0]
    rows = [line.split() for line in lines[2:]]
    assert len(rows) == 4
    assert [row[:3] for row in rows[::2]] == [["0", "1", "2025"], ["1", "2", "2025"]]
    assert [row[0] for row in rows[1::2]] == ["2026", "2026"]
    energy = combined["ai_energy_twh"].sel(quantile=0.5)
    # Below 1 TWh in every variant and year: GWh, one decimal (three in TWh).
    assert "AI GWh" in lines[1]
    assert f"{1000 * float(energy.isel(variant=1, year=1)):,.1f}" in lines[-1]
    # The small scenario's halls are full either way; its fleet doubles.
    installed = combined["installed_accelerators_mean"]
    np.testing.assert_allclose(installed.isel(variant=1), 2 * installed.isel(variant=0), rtol=1e-9)


@pytest.mark.slow
def test_cli_sweep_plan_scale_to_parquet(scenario_file, tmp_path, capsys):
    scenario = scenario_file(SMALL_SCENARIO)
    out = tmp_path / "sweep.parquet"
    arguments = ["--vary", "plan.scale=0.5,1.5", "--workers", "1", "--draws", "8", "--start",
                 "2025-01-01", "--end", "2026-12-31", "--resolution", "annual", "--weather",
                 "typical"]  # fmt: skip
    assert main(["sweep", str(scenario), *arguments, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "plan.scale" in printed and "2025" in printed and "2026" in printed
    frame = pd.read_parquet(out)
    assert list(frame.columns[:2]) == ["variant", "plan.scale"]
    assert sorted(frame["plan.scale"].unique()) == [0.5, 1.5]
    np.testing.assert_array_equal(sorted(frame["variant"].unique()), [0, 1])


def _swept_summary(scenario_id: str, variation: str, year: int):
    """A sweep of one variation over one year, combined, and its summary's lines."""
    options = dataclasses.replace(OPTIONS, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    variants = sweeps.build_variants(
        load_scenario(scenario_id), [sweeps.parse_variation(variation)], options
    )
    combined = sweeps.combine(variants, [project(v.scenario, v.options) for v in variants])
    return combined, summary_table(combined).splitlines()


def test_summary_shows_the_sector_and_each_limited_region_per_variant():
    """A sweep of a grid limit prints what it moves: each limited region's requested,
    connected and delayed MW at the year's end, and the data-centre sector beside the AI load."""
    combined, lines = _swept_summary("kr-outlook", "grid.capital.limit_mw=100,300", 2029)
    sector = lines.index("data-centre sector")
    assert "all data centres TWh" in lines[sector + 1]
    grid = lines.index("grid connection, end of year")
    labels = [label.strip() for label in lines[grid + 1].split("  ") if label.strip()]
    assert labels[3:6] == ["requested MW capital", "connected MW capital", "delayed MW capital"]
    year_end = combined["month"].to_index()[-1]
    for position, row in enumerate(lines[grid + 2 : grid + 4]):
        at = {"region": "capital", "month": year_end}
        figures = {
            kind: float(combined[f"grid_{kind}_mw_by_region_mean"].isel(variant=position).sel(**at))
            for kind in ("requested", "connected", "delayed")
        }
        assert row.split()[:3] == [str(position), ("100", "300")[position], "2029"]
        for value in figures.values():
            assert f"({value:,.0f})" in row
        assert figures["connected"] <= (100, 300)[position] + 1e-9
        assert figures["delayed"] > 0  # the limit binds in both variants


def test_summary_shows_what_flexibility_curtails_per_variant():
    """A sweep of flexibility's hours prints the energy it curtails and what it takes off the
    peak, per variant (it printed no flexibility block: the Irish planner's sweep showed none)."""
    combined, lines = _swept_summary("kr-outlook-flex", "flexibility.hours_per_year=10,100", 2030)
    block = lines.index("flexibility")
    # Below 1 TWh and 1 GW: GWh and MW, two decimals fewer (report-proc L10).
    assert "curtailed GWh" in lines[block + 1] and "peak reduction MW" in lines[block + 1]
    curtailed = combined["flexibility_curtailed_twh_mean"].sel(year=2030).to_numpy()
    assert curtailed[1] > curtailed[0] > 0.0
    for position, row in enumerate(lines[block + 2 : block + 4]):
        assert f"({1000 * curtailed[position]:,.2f})" in row
        # The hours each variant calls (a demand-response designer's contract cap).
        hours = (10, 100)[position]
        assert f"{hours} [{hours}–{hours}] ({hours})" in row
    assert "hours called" in lines[block + 1] and "longest event h" in lines[block + 1]


def test_a_sweep_that_reorders_the_connection_queue_keeps_one_site_axis():
    """Moving a site's commissioning can move it in the queue, so the variants list their
    sites in different orders; the sweep was refused ("do not line up along variant") once
    sites had outputs of their own (review)."""
    data = tomllib.loads(SMALL_SCENARIO)
    data["sites"][0] |= {"status": "under_construction", "build_probability": 1.0,
                         "delay_months": 0.0}  # fmt: skip
    data["sites"].append(
        {"name": "site C", "region": "capital", "capacity_mw": 4, "capacity_kind": "grid",
         "commissioning": dt.date(2025, 9, 1), "status": "under_construction",
         "build_probability": 1.0, "delay_months": 0.0}
    )  # fmt: skip
    data["grid"] = {"capital": {"limit_mw": 5.0}}
    variants = sweeps.build_variants(
        parse_scenario(data, origin="queue"),
        [sweeps.parse_variation("sites[0].commissioning=2025-03-01,2026-03-01")],
        OPTIONS,
    )
    datasets = [project(v.scenario, v.options) for v in variants]
    orders = [list(ds["site"].to_numpy()) for ds in datasets]
    assert orders[0] != orders[1]  # site A first, then after site C
    combined = sweeps.combine(variants, datasets)
    assert list(combined["site"].to_numpy()) == orders[0]
    for position, dataset in enumerate(datasets):
        np.testing.assert_array_equal(
            combined["site_grid_wait_months"].isel(variant=position).sel(site=orders[1]),
            dataset["site_grid_wait_months"].sel(site=orders[1]),
        )
    assert list(combined["site_status"].to_numpy()) == ["under_construction"] * 2
