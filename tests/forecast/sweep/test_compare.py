"""``forecast compare``: scenarios side by side with common random numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.cli import main
from forecast.errors import OptionsError, ScenarioNote
from forecast.io import export
from forecast.outputs import summary_cell
from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario, parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=60,
    seed=7,
    start=dt.date(2025, 1, 1),
    end=dt.date(2026, 12, 31),
    resolution="annual",
    weather="typical",
)


def _variant(scenario_id: str, *, pue_scale: float = 1.0, **changes):
    data = tomllib.loads(SMALL_SCENARIO)
    data["id"] = scenario_id
    pue = data["operations"]["pue"]
    data["operations"]["pue"] = {
        **pue,
        "low": pue["low"] * pue_scale,
        "high": pue["high"] * pue_scale,
    }
    data.update(changes)
    return parse_scenario(data, origin=scenario_id)


def _spread(dataset, name, label):
    variable = dataset[f"{name}_difference"].sel(scenario=label)
    return (variable.sel(quantile=0.9) - variable.sel(quantile=0.1)).to_numpy()


def test_identical_scenarios_differ_by_exactly_zero_with_common_random_numbers():
    """Same inputs, same seed: every draw's difference is 0, so its spread is 0; independent
    runs of the same scenario show the full Monte Carlo spread instead."""
    scenarios = [_variant("a"), _variant("a-copy")]
    common = comparisons.compare(scenarios, OPTIONS, keep_per_draw=True)
    independent = comparisons.compare(scenarios, OPTIONS, common_random_numbers=False)
    for name in ("ai_energy_twh", "total_energy_twh", "ai_peak_gw", "total_peak_gw",
                 "ai_at_national_peak_gw", "ai_share_of_energy_pct"):  # fmt: skip
        difference = common[f"{name}_difference"].sel(scenario="a-copy")
        assert not difference.isnull().any()
        np.testing.assert_array_equal(difference, 0.0)
        np.testing.assert_array_equal(common[f"{name}_difference_mean"], 0.0)
        assert (_spread(independent, name, "a-copy") > 0).all(), name
    np.testing.assert_array_equal(
        common["total_energy_twh_per_draw"].sel(scenario="a"),
        common["total_energy_twh_per_draw"].sel(scenario="a-copy"),
    )
    assert common.attrs["comparison_random_numbers"].startswith("common")
    assert independent.attrs["comparison_random_numbers"].startswith("independent")
    # The base seed stays (each run's is seed + i), so the summary prints.
    assert independent.attrs["seed"] == OPTIONS.seed
    assert "seed 7" in comparisons.summary_text(independent).splitlines()[0]


def test_common_random_numbers_make_differences_less_noisy():
    """A 10 % higher PUE: the difference's P10-P90 spread is far narrower with common random
    numbers than between independent runs (which add both runs' noise)."""
    scenarios = [_variant("base"), _variant("pue-plus-10", pue_scale=1.1)]
    common = comparisons.compare(scenarios, OPTIONS)
    independent = comparisons.compare(scenarios, OPTIONS, common_random_numbers=False)
    for name in ("ai_energy_twh", "total_energy_twh"):
        narrow, wide = (
            _spread(common, name, "pue-plus-10"),
            _spread(independent, name, "pue-plus-10"),
        )
        assert (narrow < 0.5 * wide).all(), (name, narrow, wide)
        assert (common[f"{name}_difference"].sel(scenario="pue-plus-10", quantile=0.1) > 0).all()
    # The scenarios themselves are what they are, whatever the random numbers.
    xr.testing.assert_identical(
        common["ai_energy_twh"].sel(scenario="base"),
        independent["ai_energy_twh"].sel(scenario="base"),
    )


def test_comparison_dataset_and_files(tmp_path):
    flexible = {"flexibility": {"share": 0.3, "hours_per_year": 20}}
    scenarios = [_variant("base"), _variant("flex", **flexible)]
    options = dataclasses.replace(OPTIONS, duration_curves=True, duration_draws=20)
    dataset = comparisons.compare(scenarios, options)
    assert dataset["scenario"].to_numpy().tolist() == ["base", "flex"]
    assert dataset["hosting"].to_numpy().tolist() == ["hosted", "hosted"]
    assert dataset.attrs["comparison_reference"] == "base"
    assert "ai_load_duration_mw" in dataset and "draw" not in dataset.dims
    # A variable only one scenario has is NaN for the other, and has no rows for it in tables.
    assert dataset["flexibility_curtailed_twh"].sel(scenario="base").isnull().all()

    frames = {}
    for suffix in ("csv", "parquet"):
        path = comparisons.write(dataset, tmp_path / f"cmp.{suffix}")
        frames[suffix] = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
        meta = export.read_table_metadata(path)
        assert [s["scenario"] for s in meta["scenarios"]] == ["base", "flex"]
        assert set(meta["spread_driver_rank_correlation"]) == {"base", "flex"}
    csv, parquet = frames["csv"], frames["parquet"]
    assert list(csv.columns)[: len(export.CSV_COLUMNS) + 1] == ["scenario", *export.CSV_COLUMNS]
    assert {"duration_hours_from", "month_of_year", "hour_of_day"} <= set(csv.columns)
    pd.testing.assert_frame_equal(
        csv[["scenario", "variable", "quantile", "value"]],
        parquet[["scenario", "variable", "quantile", "value"]],
        check_dtype=False, rtol=1e-8,
    )  # fmt: skip
    assert not (
        (csv["scenario"] == "base") & (csv["variable"] == "flexibility_curtailed_twh")
    ).any()
    ai = csv[(csv["variable"] == "ai_energy_twh") & (csv["quantile"] == 0.5)]
    np.testing.assert_allclose(
        ai.set_index(["scenario", "period_start"])["value"].to_numpy(),
        dataset["ai_energy_twh"].sel(quantile=0.5).to_numpy().reshape(-1),
        rtol=1e-8,
    )
    netcdf = comparisons.write(dataset, tmp_path / "cmp.nc")
    with xr.open_dataset(netcdf, engine="h5netcdf") as back:
        np.testing.assert_array_equal(back["ai_energy_twh"], dataset["ai_energy_twh"])
        assert back["scenario"].to_numpy().tolist() == ["base", "flex"]


def test_summary_shows_every_year_and_the_differences():
    scenarios = [_variant("base"), _variant("pue-plus-10", pue_scale=1.1)]
    text = comparisons.summary_text(comparisons.compare(scenarios, OPTIONS))
    # The small scenarios' AI figures stay below 1 TWh and 1 GW: GWh and MW (report-proc L10).
    for title in ("AI energy [GWh]", "total peak [GW]", "AI share of energy [%]",
                  "AI at the grid peak [MW]", "change of the grid peak [MW]",
                  "pue-plus-10 minus base"):  # fmt: skip
        assert title in text
    # Seven figures (no flexibility: no "without flexibility" block) and the AI energy by
    # region (two regions), each year in each.
    assert "without flexibility" not in text
    assert text.count("\n2025 ") == 8 and text.count("\n2026 ") == 8


def test_compare_refuses_bad_input():
    with pytest.raises(OptionsError, match="base given twice"):
        comparisons.compare([_variant("base"), _variant("base")], OPTIONS)
    other_zone = _variant("sydney", timezone="Australia/Sydney")
    hourly = dataclasses.replace(OPTIONS, resolution="hourly")
    with pytest.raises(OptionsError, match="time zones Asia/Seoul, Australia/Sydney compare"):
        comparisons.compare([_variant("base"), other_zone], hourly)


def test_cli_compare(scenario_file, tmp_path, capsys):
    first = scenario_file(SMALL_SCENARIO, "small")
    second = scenario_file(SMALL_SCENARIO.replace('id = "small"', 'id = "other"'), "other")
    out = tmp_path / "cmp.csv"
    common = ["compare", str(first), str(second), "--draws", "16", "--start", "2025-01-01",
              "--end", "2025-12-31", "--weather", "typical"]  # fmt: skip
    assert main([*common, "--out", str(out), "--quiet"]) == 0
    frame = pd.read_csv(out)
    assert sorted(frame["scenario"].unique()) == ["other", "small"]
    assert "ai_load_duration_mw" in set(frame["variable"])  # on by default
    plain = tmp_path / "plain.csv"
    assert main([*common, "--no-duration-curves", "--out", str(plain), "--quiet"]) == 0
    assert "ai_load_duration_mw" not in set(pd.read_csv(plain)["variable"])
    assert json.loads((tmp_path / "cmp.csv.meta.json").read_text())["attrs"]["draws"] == 16
    capsys.readouterr()
    assert main([*common[:2], str(first), *common[3:], "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: scenarios: small ({first}, {first}) given twice; give each once"
    assert main([*common, "--out", str(tmp_path / "missing" / "x.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_summary_shows_the_peak_change_with_and_without_flexibility():
    """The developer's question, "how much does my campus add to the peak, with and without
    flexibility", had no block in the comparison's summary."""
    options = ProjectionOptions(
        draws=20,
        start=dt.date(2030, 1, 1),
        end=dt.date(2030, 12, 31),
        resolution="annual",
        weather="typical",
    )
    scenarios = [load_scenario("kr-outlook"), load_scenario("kr-outlook-flex")]
    text = comparisons.summary_text(comparisons.compare(scenarios, options))
    # Below 1 GW and 1 TWh in 2030: MW and GWh (report-proc L10).
    block = text.split("change of the grid peak without flexibility [MW]\n")[1]
    row = block.splitlines()[1]
    assert row.startswith("2030") and row.split()[1] == "–"  # kr-outlook has no flexibility
    assert "change of the grid peak [MW]" in text
    # The sector and what flexibility curtails (kr-outlook: none, so "–").
    assert "all data-centre energy [TWh]" in text and "data-centre peak [GW]" in text
    block = text.split("AI energy curtailed by flexibility [GWh]\n")[1].splitlines()
    assert block[1].split()[:2] == ["2030", "–"] and float(block[1].split()[2]) > 0


def test_summary_shows_what_a_new_campus_does_to_the_queue():
    """A developer adds a 20 MW campus, under construction, to a capital region that can
    connect 8 MW until a reinforcement in 2026-07: it goes first in the queue, so site A (an
    announced 5 MW IT site) waits; the summary shows the capacity waiting and each site's wait,
    scenario by scenario, and a site one scenario lacks as "–"."""
    grid = {"capital": {"limit_mw": 8.0, "reinforcements": [{"date": "2026-07-01", "mw": 30.0}]}}
    campus = {
        "name": "my campus", "region": "capital", "capacity_mw": 20.0, "capacity_kind": "grid",
        "commissioning": dt.date(2025, 3, 1), "status": "under_construction",
        "build_probability": 1.0, "delay_months": 0.0,
    }  # fmt: skip
    site_a, site_b = tomllib.loads(SMALL_SCENARIO)["sites"]
    site_a |= {"build_probability": 1.0, "delay_months": 0.0}  # asks in June 2025
    base = _variant("queue", grid=grid, sites=[site_a, site_b])
    with_campus = _variant("queue-campus", grid=grid, sites=[site_a, site_b, campus])
    options = dataclasses.replace(OPTIONS, resolution="monthly")
    dataset = comparisons.compare([base, with_campus], options)
    waits = dataset["site_grid_wait_months"].sel(quantile=0.5)
    assert float(waits.sel(scenario="queue", site="site A")) == 0.0
    # The campus takes the 8 MW first; site A waits for the reinforcement: June 2025 to July
    # 2026.
    assert float(waits.sel(scenario="queue-campus", site="site A")) == 13.0
    assert np.isnan(float(waits.sel(scenario="queue", site="my campus")))

    text = comparisons.summary_text(dataset)
    block = text.split(
        "months by which each site's whole grid capacity is connected after its halls need it"
    )[1]
    rows = {line.split("  ")[0].strip(): line.split() for line in block.splitlines()[2:]}
    assert rows["site A"][2:5] == ["0", "[0–0]", "13"]
    assert rows["my campus"][2] == "–"
    # The capital's queue, in the "by region" block (shown once: this scenario has two regions).
    delayed = text.split("grid capacity waiting for a connection, by region")[1]
    row_2025 = next(line for line in delayed.splitlines() if line.startswith("2025"))
    assert row_2025.split()[1] == "0" and float(row_2025.split()[4].replace(",", "")) > 0


def test_a_site_listed_at_another_position_is_said():
    """A KEPCO planner listed a new campus first: every other site's draws moved (they are
    drawn by position and name), and the differences before the campus existed were noise.
    The summary names the moved entries; the same sites in the same order say nothing."""
    site_a, site_b = tomllib.loads(SMALL_SCENARIO)["sites"]
    base = _variant("base", sites=[site_a, site_b])
    swapped = _variant("swapped", sites=[site_b, site_a])
    assert comparisons.moved_entries([base, swapped]) == (
        "site 'site A' (entry 1 in base, 2 in swapped); "
        "site 'site B' (entry 2 in base, 1 in swapped)"
    )
    assert comparisons.moved_entries([base, _variant("same", sites=[site_a, site_b])]) == ""
    twice = _variant("twice", sites=[site_a, site_a])
    assert comparisons.moved_entries([twice, _variant("twice-too", sites=[site_a, site_a])]) == ""
    dataset = comparisons.compare([base, swapped], OPTIONS)
    assert "note: these entries are shared but listed at different positions" in (
        comparisons.summary_text(dataset)
    )


def test_the_grid_blocks_are_by_region_where_several_regions_have_a_limit():
    """A KEPCO planner found the capital's queue and the rest of the country's added together in
    the comparison; with two limited regions each scenario has a column per region, and an
    800 MW capital limit empties the capital's queue, not the other region's."""
    base = load_scenario("kr-outlook")
    wider = parse_scenario(
        {"extends": "kr-outlook", "id": "kr-outlook-800", "title": "800", "description": "800",
         "grid": {"capital": {"limit_mw": {"value": 800.0, "source": "what-if"}}}},
        origin="kr-outlook-800.toml",
    )  # fmt: skip
    options = ProjectionOptions(draws=20, seed=0, resolution="annual")
    text = comparisons.summary_text(comparisons.compare([base, wider], options))
    block = text.split("built halls waiting for the grid at the end of the year")[1]
    header, *rows = block.splitlines()[1:14]
    columns = [f"{label} {region}" for label in ("kr-outlook", "kr-outlook-800")
               for region in ("capital", "non_capital")]  # fmt: skip
    assert header.split() == ["year", *" ".join(columns).split()]
    cells = [re.split(r"\s{2,}", row.strip()) for row in rows]
    assert all(row[3] == "0 [0–0] (0)" for row in cells)  # the wider capital: nothing waits
    assert any(row[1] != "0 [0–0] (0)" for row in cells)


def test_the_command_line_says_when_it_cuts_a_later_scenarios_horizon(tmp_path, capsys):
    """The 11th Basic Plan's defining 2038 point vanished from a comparison with kr-outlook
    (to 2035) unsaid (a ministry analyst's walk-through)."""
    out = tmp_path / "cmp.csv"
    arguments = ["compare", "kr-outlook", "kr-11th-basic-plan", "--draws", "10", "--quiet",
                 "--no-duration-curves", "--no-baseline", "--out", str(out)]  # fmt: skip
    assert main(arguments) == 0
    error = capsys.readouterr().err
    assert "note: kr-11th-basic-plan's horizon runs to 2038-12-31" in error
    assert main([*arguments, "--end", "2038-12-31"]) == 0
    assert "horizon runs to" not in capsys.readouterr().err


def test_a_scenario_without_non_ai_loads_after_two_with_them_stacks():
    """A planner's comparison of kr-outlook, kr-outlook-flex and kr-11th-basic-plan ended in a
    traceback ("'dc_input' not present in all datasets") and wrote nothing: the third has no
    non-AI loads, so no whole-sector spread table, and stacking it after two that have one
    failed (the other orders worked). Its table is NaN in the comparison, as any variable a
    scenario lacks."""
    options = ProjectionOptions(
        draws=8,
        start=dt.date(2030, 1, 1),
        end=dt.date(2030, 12, 31),
        resolution="annual",
        weather="typical",
    )
    with_loads = load_scenario("kr-outlook")
    assert with_loads.non_ai_loads
    without = _variant("small-without-non-ai")
    assert not without.non_ai_loads
    twin = with_loads.model_copy(update={"id": "kr-outlook-again"})
    # The small scenario's horizon ends in 2026: its 2030 is noted.
    with pytest.warns(ScenarioNote, match="after small-without-non-ai's horizon.end"):
        dataset = comparisons.compare([with_loads, twin, without], options)
    table = dataset["dc_spread_driver_rank_correlation"]
    # An input held fixed (a site's stated size) is NaN in both: no spread, no correlation.
    np.testing.assert_array_equal(table.sel(scenario="kr-outlook-again"),
                                  table.sel(scenario="kr-outlook"))  # fmt: skip
    assert np.isfinite(table.sel(scenario="kr-outlook-again")).sum() > 40
    assert np.isnan(table.sel(scenario="small-without-non-ai")).all()


def test_a_scenario_without_sites_compares_with_one_that_has_them(scenario_file, tmp_path):
    """Each site's AI load (``load_site``, with its region) is in a projection with sites
    only: stacking one without sites after one with them failed ("'load_site_region' not
    present in all datasets", a 500 from POST /v1/comparisons). The scenario without sites
    has NaN there; the sites keep their regions."""
    start = SMALL_SCENARIO.index("[[sites]]")
    bare = SMALL_SCENARIO[:start].replace('id = "small"', 'id = "bare"')
    files = [str(scenario_file(bare, "bare")), str(scenario_file(SMALL_SCENARIO, "small"))]
    out = tmp_path / "cmp.nc"
    options = ["--draws", "8", "--start", "2025-01-01", "--end", "2025-12-31", "--weather",
               "typical", "--no-baseline", "--quiet"]  # fmt: skip
    assert main(["compare", *files, *options, "--out", str(out)]) == 0
    combined = xr.open_dataset(out)
    assert list(combined["load_site_region"].to_numpy()) == ["capital", "capital"]
    energy = combined["site_energy_twh_mean"]
    assert np.isnan(energy.sel(scenario="bare")).all()
    assert (energy.sel(scenario="small").sum("load_site") > 0).all()


def test_summary_shows_when_flexibility_is_called_and_what_it_shifts():
    """`forecast project` printed the hours flexibility is called, its events, the longest
    event and the energy shifted; the comparison's summary gave the curtailed energy only.
    Each is now a block: each scenario's P50 [P10–P90] (mean) and the difference, as the other
    blocks; the shifted energy where a scenario shifts."""
    options = ProjectionOptions(
        draws=20,
        start=dt.date(2030, 1, 1),
        end=dt.date(2030, 12, 31),
        resolution="annual",
        weather="typical",
    )
    curtails = load_scenario("kr-outlook-flex")
    shifts = curtails.model_copy(
        update={
            "id": "kr-outlook-shift",
            "flexibility": curtails.flexibility.model_copy(update={"mode": "shift"}),
        }
    )
    dataset = comparisons.compare([load_scenario("kr-outlook"), curtails, shifts], options)
    text = comparisons.summary_text(dataset)
    for name, title, scale in (
        ("flexibility_shifted_twh", "AI energy shifted by flexibility [GWh]", 1000.0),
        ("flexibility_hours_called", "hours flexibility is called [h]", 1.0),
        ("flexibility_events", "flexibility events (runs of consecutive hours called)", 1.0),
        ("flexibility_event_hours_max", "longest flexibility event [h]", 1.0),
    ):
        assert f"\n{title}\n" in text, title
        header, row = text.split(f"\n{title}\n")[1].splitlines()[:2]
        assert header.split() == [
            "year", "kr-outlook", "kr-outlook-flex", "kr-outlook-shift", "kr-outlook-flex",
            "minus", "kr-outlook", "kr-outlook-shift", "minus", "kr-outlook",
        ]  # fmt: skip
        digits = 2 if scale != 1.0 else 0
        shown = [
            summary_cell(dataset, name, digits, scale=scale, scenario=label, year=2030)
            for label in ("kr-outlook", "kr-outlook-flex", "kr-outlook-shift")
        ] + [
            summary_cell(dataset, f"{name}_difference", digits, scale=scale, scenario=label,
                         year=2030)
            for label in ("kr-outlook-flex", "kr-outlook-shift")
        ]  # fmt: skip
        assert row.startswith("2030") and row.split(None, 1)[1].split() == " ".join(shown).split()
        assert shown[0] == "–"  # kr-outlook has no flexibility
    assert float(
        dataset["flexibility_hours_called"].sel(scenario="kr-outlook-flex", year=2030, quantile=0.5)
    ) == pytest.approx(50)
    # Curtailing scenarios alone shift nothing: no shifted block.
    alone = comparisons.summary_text(
        comparisons.compare([load_scenario("kr-outlook"), curtails], options)
    )
    assert "shifted by flexibility" not in alone
    assert "\nhours flexibility is called [h]\n" in alone
