"""``forecast export-grid``: hourly load for PyPSA, PLEXOS and wide tables, checked against
the projection of the same draws."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.errors import OptionsError
from forecast.projection import ProjectionOptions, project
from forecast.report import gridexport
from forecast.scenario import load_scenario

START, END = "2030-01-01", "2031-12-31"
SAMPLE = 40


@pytest.fixture(scope="module")
def national_export(tmp_path_factory):
    """The PyPSA export of kr-national (P10, P50 and P90 draws of 40), through the CLI."""
    out = tmp_path_factory.mktemp("pypsa") / "kr"
    arguments = ["--draws", "3", "--sample", str(SAMPLE), "--start", START, "--end", END]
    assert (
        main(["export-grid", "kr-national", "--format", "pypsa", *arguments, "--out", str(out)])
        == 0
    )
    return out


@pytest.fixture(scope="module")
def national_projection():
    """The same projection, run on its own, with every draw's annual values."""
    options = ProjectionOptions(
        draws=SAMPLE,
        start=dt.date.fromisoformat(START),
        end=dt.date.fromisoformat(END),
        resolution="annual",
        per_draw=True,
    )
    return project(load_scenario("kr-national"), options)


def _read_pypsa(folder):
    loads = pd.read_csv(folder / "loads.csv", index_col="name")
    p_set = pd.read_csv(folder / "loads-p_set.csv", index_col="snapshot", parse_dates=True)
    return loads, p_set


def test_equal_costs_a_last_bit_apart_tie_to_the_lower_draw():
    """Documented: ties to the lower draw. The cost's sum form can leave two costs equal on
    paper a last bit apart (draws 7 and 38 of kr-national's 40-draw sample, 0.001406 each):
    argmin took the higher draw; a clear difference still decides."""
    from forecast.report.gridexport import _distinct_lowest

    distance = np.zeros((1, 3))
    tied = np.array([[1e-3 + 5e-17, 1e-3, 2e-3]])
    assert _distinct_lowest(tied, distance, 0.05).tolist() == [0]
    apart = np.array([[1e-3 + 1e-9, 1e-3, 2e-3]])
    assert _distinct_lowest(apart, distance, 0.05).tolist() == [1]


def test_pypsa_export_of_kr_national_reads_back_as_the_chosen_draws(
    national_export, national_projection
):
    """Snapshots x loads in MW; each year's sum is the chosen draw's annual energy in the
    projection (total, and the AI loads the AI energy); the draws are those nearest P10/P50/P90
    in every year on the grid's total energy and total peak (the default ``--rank-by grid``)
    among the draws within 0.05 of the level as a whole (mean percentile, ranked), recomputed
    here with pandas' ranks and a search over every draw."""
    manifest = json.loads((national_export / "export.json").read_text())
    assert [path["percentile_level"] for path in manifest["paths"]] == [0.1, 0.5, 0.9]
    measures = ["total_energy_twh", "total_peak_gw"]
    percentiles = {
        name: (national_projection[f"{name}_per_draw"].to_pandas().rank() - 0.5) / SAMPLE
        for name in measures
    }  # [draw, year], ties at their mean rank
    mean = sum(percentiles[name].mean(axis=1) for name in measures) / 2
    overall = (mean.rank() - 0.5) / SAMPLE
    taken: list[int] = []
    for path in manifest["paths"]:
        draw = path["draw"]
        p = path["percentile_level"]
        cost = sum(((percentiles[name] - p) ** 2).mean(axis=1) for name in measures) / 2
        near = (overall - p).abs() <= 0.05 + 1e-12
        candidates = cost[near].drop(index=taken, errors="ignore")
        # Ties (to 1e-12: both sides' float sums differ in the last bits) to the lower draw.
        assert draw == int(candidates[candidates <= candidates.min() + 1e-12].index.min())
        assert draw not in taken
        taken.append(draw)
        assert path["ranked_by"] == measures
        assert path["overall_percentile"] == pytest.approx(overall[draw])
        assert path["rms_percentile_distance"] == pytest.approx(np.sqrt(cost[draw]))
        for name in measures:
            np.testing.assert_allclose(
                list(path["percentiles_by_year"][name].values()), percentiles[name].loc[draw]
            )
        loads, p_set = _read_pypsa(national_export / path["label"])
        assert list(p_set.columns) == list(loads.index) == [
            "baseline", "ai_dc_capital", "ai_dc_non_capital"
        ]  # fmt: skip
        assert (
            loads.loc["ai_dc_capital", "bus"] == "capital" and loads.loc["baseline", "bus"] == "KR"
        )
        assert p_set.index.is_monotonic_increasing and p_set.index.is_unique
        assert (np.diff(p_set.index.to_numpy()) == np.timedelta64(1, "h")).all()
        assert len(p_set) == 8760 * 2 and p_set.index[0] == pd.Timestamp(START)
        assert (p_set > 0).all().all()
        by_year = p_set.groupby(p_set.index.year).sum() / 1e6  # MWh -> TWh
        expected_total = national_projection["total_energy_twh_per_draw"].sel(draw=draw)
        np.testing.assert_allclose(by_year.sum(axis=1), expected_total, rtol=1e-9)
        expected_ai = national_projection["ai_energy_twh_per_draw"].sel(draw=draw)
        np.testing.assert_allclose(
            by_year[["ai_dc_capital", "ai_dc_non_capital"]].sum(axis=1), expected_ai, rtol=1e-9
        )
        by_region = national_projection["ai_energy_twh_by_region_per_draw"].sel(draw=draw)
        np.testing.assert_allclose(
            by_year["ai_dc_capital"], by_region.sel(region="capital"), rtol=1e-9
        )
        peak = national_projection["total_peak_gw_per_draw"].sel(draw=draw)
        np.testing.assert_allclose(
            p_set.sum(axis=1).groupby(p_set.index.year).max() / 1e3, peak, rtol=1e-9
        )
        snapshots = pd.read_csv(national_export / path["label"] / "snapshots.csv", index_col=0)
        assert list(snapshots.columns) == ["snapshot", "objective", "stores", "generators"]
        assert (pd.to_datetime(snapshots["snapshot"]) == p_set.index).all()


def test_nsw_p10_and_p90_paths_are_not_the_samples_extremes(tmp_path, capsys):
    """au-nsw-ai-dc, 100 draws of 2027–2029, seed 0: the old rule exported as P10 draw 97, the
    lowest of the 100 as a whole (P0.5; total energy P4–P6 in every year), and as P90 draw 47,
    P98.5 as a whole (the baseline's Student-t level puts a few draws at the edge for good).
    Recomputed here from a separate per-draw projection: each path is within 0.05 of its level
    as a whole, so neither is the lowest or highest draw."""
    out = tmp_path / "nsw"
    period = ["--start", "2027-01-01", "--end", "2029-12-31", "--seed", "0"]
    assert main(["export-grid", "au-nsw-ai-dc", "--format", "wide-csv", "--draws", "3",
                 "--sample", "100", *period, "--out", str(out)]) == 0  # fmt: skip
    summary = capsys.readouterr().out
    options = ProjectionOptions(
        draws=100,
        start=dt.date(2027, 1, 1),
        end=dt.date(2029, 12, 31),
        resolution="annual",
        per_draw=True,
    )
    projection = project(load_scenario("au-nsw-ai-dc"), options)
    manifest = json.loads((out / "export.json").read_text())
    measures = manifest["paths"][0]["ranked_by"]
    mean = sum(
        ((projection[f"{name}_per_draw"].to_pandas().rank() - 0.5) / 100).mean(axis=1)
        for name in measures
    ) / len(measures)
    overall = (mean.rank() - 0.5) / 100
    for path in manifest["paths"]:
        assert abs(overall[path["draw"]] - path["percentile_level"]) <= 0.05
        assert path["overall_percentile"] == pytest.approx(overall[path["draw"]])
        assert f"draw {path['draw']} (nearest P{round(100 * path['percentile_level'])}: " in summary
    assert overall.idxmin() not in [path["draw"] for path in manifest["paths"]]
    assert overall.idxmax() not in [path["draw"] for path in manifest["paths"]]


def test_manifest_says_what_the_paths_are(national_export):
    manifest = json.loads((national_export / "export.json").read_text())
    assert manifest["scenario_id"] == "kr-national" and manifest["monte_carlo_draws"] == SAMPLE
    assert "UTC+09:00" in manifest["time"] and "not a load path" in manifest["note"]
    first = manifest["paths"][0]
    assert first["kind"] == "representative draw" and first["label"].startswith("p10-draw-")
    assert set(first["annual_energy_twh"]) == {"2030", "2031"}
    # every measure's percentile is recorded, also those not ranked by (no non-AI load here)
    assert set(first["percentiles_by_year"]) == {"total_energy_twh", "total_peak_gw",
                                                 "ai_energy_twh"}  # fmt: skip


def test_pypsa_folder_names_its_network_carriers_and_meta(national_export):
    """PyPSA 1.4 warned "Importing network from PyPSA version v0.0.0" (no network.csv) and of
    undefined carriers, and n.meta was empty: each folder now has network.csv (name, PyPSA
    version), carriers.csv (every carrier its buses and loads name) and meta.json (n.meta),
    listed with their sha256 in export.json."""
    manifest = json.loads((national_export / "export.json").read_text())
    for path in manifest["paths"]:
        folder = national_export / path["label"]
        network = pd.read_csv(folder / "network.csv", dtype=str)
        assert network.to_dict("records") == [
            {"name": f"kr-national {path['label']}", "pypsa_version": gridexport.PYPSA_VERSION}
        ]
        carriers = set(pd.read_csv(folder / "carriers.csv")["name"])
        used = set(pd.read_csv(folder / "buses.csv")["carrier"])
        used |= set(pd.read_csv(folder / "loads.csv")["carrier"])
        assert carriers == used == {"AC", "baseline", "ai_data_centre"}
        meta = json.loads((folder / "meta.json").read_text())
        assert meta["scenario_id"] == "kr-national" and meta["seed"] == manifest["seed"]
        assert meta["scenario_sha256"] == manifest["scenario_sha256"]
        assert meta["monte_carlo_draws"] == SAMPLE and meta["path"] == {
            key: value
            for key, value in path.items()
            if key not in ("annual_energy_twh", "peaks_by_year")
        }
        assert meta["baseline"] == manifest["baseline"]
        assert meta["time"] == {
            "snapshots": "hour starts in the zone's standard time (no daylight saving)",
            "utc_offset": "+09:00",
            "timezone": "Asia/Seoul",
        }
        assert meta["units"] == {"loads_t.p_set": "MW (mean load over the hour)"}
        listed = {name for name in manifest["files"] if name.startswith(f"{path['label']}/")}
        assert listed == {f"{path['label']}/{name}" for name in gridexport.PYPSA_FILES}
        assert set(gridexport.PYPSA_FILES) == {p.name for p in folder.iterdir()}
        assert all(gridexport._EXPORT_FILE.match(name) for name in listed)


def test_plexos_and_wide_layouts(small_scenario_text, scenario_file, tmp_path, capsys):
    scenario = scenario_file(small_scenario_text)
    common = ["export-grid", str(scenario), "--sample", "12", "--weather", "typical"]
    assert main([*common, "--format", "plexos", "--out", str(tmp_path / "plexos")]) == 0
    summary = capsys.readouterr().out
    # the summary says where the draw sits as a whole and on each measure it was ranked by,
    # over the years
    assert re.search(
        r"p50-draw-\d+: draw \d+ \(nearest P50: P\d+ as a whole; total energy P\d+(–P\d+)?, "
        r"peak P\d+(–P\d+)?; AI energy P\d+(–P\d+)? \(not ranked\)\); 2025: ",
        summary,
    ), summary
    folder = next(p for p in (tmp_path / "plexos").iterdir() if p.is_dir())
    assert folder.name.startswith("p50-draw-")
    for year, hours in ((2025, 8760), (2026, 8760)):
        frame = pd.read_csv(folder / f"load_{year}.csv")
        assert list(frame.columns) == [
            "Year", "Month", "Day", "Period", "baseline_mw", "ai_dc_capital_mw",
            "ai_dc_non_capital_mw",
        ]  # fmt: skip
        assert len(frame) == hours and (frame["Year"] == year).all()
        assert (
            frame["Period"].between(1, 24).all()
            and (frame.groupby(["Month", "Day"]).size() == 24).all()
        )
    assert (
        main([*common, "--format", "wide-parquet", "--draws", "2", "--out", str(tmp_path / "w")])
        == 0
    )
    tables = sorted((tmp_path / "w").glob("*.parquet"))
    assert [t.name.split("-draw-")[0] for t in tables] == ["p10", "p90"]
    wide = pd.read_parquet(tables[0])
    assert list(wide.columns[:3]) == ["standard_time", "utc", "year"] and len(wide) == 2 * 8760
    # Times are Parquet timestamps, not text to parse (they were strings): UTC, and the
    # standard-time labels naive, the text of the CSV's columns.
    import pyarrow.parquet as pq

    schema = pq.read_schema(tables[0])
    assert str(schema.field("utc").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("standard_time").type) == "timestamp[us]"
    assert wide["utc"].iloc[0] == pd.Timestamp("2024-12-31T15:00Z")
    assert wide["standard_time"].iloc[0] == pd.Timestamp("2025-01-01 00:00")
    assert (wide["standard_time"] - wide["utc"].dt.tz_localize(None) == pd.Timedelta(hours=9)).all()


def test_plexos_years_are_standard_time_years_in_a_zone_with_summer_at_new_year(tmp_path, capsys):
    """Sydney's local year 2030 starts at 23:00 on 31 December 2029 in standard time (AEST,
    the NEM's market time): cut at local midnights (--calendar local), load_2030.csv began
    with the row 2029,12,31,24. Now a file holds its year's periods only; the first local hour
    is a year of its own, the manifest says which years are partial, and every hour of the
    projection is written once."""
    out = tmp_path / "nsw"
    command = ["export-grid", "au-nsw-ai-dc", "--format", "plexos", "--sample", "4", "--quiet",
               "--calendar", "local"]  # fmt: skip
    period = ["--weather", "typical", "--start", "2030-01-01", "--end", "2030-12-31"]
    assert main([*command, *period, "--out", str(out)]) == 0
    captured = capsys.readouterr()  # --quiet: nothing on stdout, no progress bar
    assert captured.out == "" and captured.err == ""
    folder = next(p for p in out.iterdir() if p.is_dir())
    early, year = (pd.read_csv(folder / f"load_{y}.csv") for y in (2029, 2030))
    assert early[["Year", "Month", "Day", "Period"]].values.tolist() == [[2029, 12, 31, 24]]
    assert len(year) == 8759 and (year["Year"] == 2030).all()
    assert year.iloc[0][["Month", "Day", "Period"]].tolist() == [1, 1, 1]
    assert year.iloc[-1][["Month", "Day", "Period"]].tolist() == [12, 31, 23]
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["partial_years"] == {"2029": "1 of 8760 hours", "2030": "8759 of 8760 hours"}
    assert "UTC+10:00" in manifest["time"] and manifest["calendar"] == "local"
    assert "; 1 hour is in another year here than in the projection's" in manifest["years"]
    # the NSW model's demand is NSW's, not Australia's: its bus was "AU"
    assert {load["name"]: load["bus"] for load in manifest["loads"]}["baseline"] == "AU-NSW"
    energy = manifest["paths"][0]["annual_energy_twh"]
    written = sum(frame[column].sum() for frame in (early, year) for column in frame.columns[4:])
    assert written * 1e-6 == pytest.approx(sum(sum(e.values()) for e in energy.values()))


def test_quantile_path_is_each_hours_quantile(small_scenario_text, scenario_file, tmp_path):
    """A quantile path is the projection's hourly quantile of each load (no non-AI load is held
    by the baseline here): it matches forecast project's hourly P50, hour by hour."""
    from forecast.scenario import read_scenario_file

    path = scenario_file(small_scenario_text)
    scenario = read_scenario_file(path)
    options = ProjectionOptions(draws=30, start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31),
                                weather="typical")  # fmt: skip
    paths = gridexport.grid_paths(scenario, options, quantiles=(0.5,))
    assert paths.labels == ["quantile-0.5"]
    hourly = project(scenario, dataclasses.replace(options, quantiles=(0.5,)))
    np.testing.assert_allclose(
        paths.load_mw[0, 0], hourly["baseline_mw"].sel(quantile=0.5), rtol=1e-12
    )
    np.testing.assert_allclose(
        paths.load_mw[1, 0],
        hourly["ai_facility_mw_by_region"].sel(region="capital", quantile=0.5),
        rtol=1e-12,
    )
    written = gridexport.write(paths, tmp_path / "q", "wide-csv")
    assert [p.name for p in written] == ["quantile-0.5.csv", "export.json"]


def test_bad_input_is_one_line(small_scenario_text, scenario_file, tmp_path, capsys):
    scenario = str(scenario_file(small_scenario_text))
    out = str(tmp_path / "x")
    cases = [
        (["--draws", "3", "--quantile", "0.5"], "--draws / --quantile: give one of them"),
        (["--format", "excel"], "--format = 'excel': allowed: pypsa, plexos, wide-csv"),
        (["--draws", "0"], "--draws = 0: allowed: an integer 1..20"),
        (
            ["--draws", "200"],
            "1..20 (the paths to write; the Monte Carlo sample they are chosen from is --sample)",
        ),
        (["--quantile", "1.5"], "--quantile = 1.5: allowed: 1..20 probabilities in [0, 1]"),
        (["--quantile", "0.5,x"], "--quantile = '0.5,x': allowed: comma-separated probabilities"),
        (
            ["--quantile", "0.5", "--rank-by", "ai"],
            "--rank-by = 'ai': ranks draws to choose representative ones; a --quantile path",
        ),
        (["--start", "2030-02-30"], "error: --start = '2030-02-30': allowed: a date YYYY-MM-DD"),
        (
            ["--bus", "capital=my bus"],
            "--bus: capital = 'my bus': allowed: a bus name of 1..40 ASCII letters, digits, "
            "'_', '-' or '.'",
        ),
        (["--rank-by", "peak"], "--rank-by = 'peak': allowed: grid, total, dc, ai"),
        (
            ["--random", "6"],
            "--random = 6: allowed: an integer 1..5 (random draws of the --sample)",
        ),
        (
            ["--random", "101"],
            "--random = 101: allowed: an integer 1..100 (draws 0..K-1, each of weight 1/K; "
            "at most 100: every path's hours are held in memory",
        ),
        (["--random", "2", "--draws", "2"], "--draws / --random: give one of them, not both"),
        (
            ["--draw", ",".join(str(d) for d in range(101))],
            "allowed: 1..100 draw numbers (at most 100: every path's hours are held in memory",
        ),
        (["--sample", "abc"], "error: --sample = 'abc': allowed: an integer"),
        (["--sample", "0"], "--sample = 0: allowed: an integer 1..100,000"),
        (
            ["--draws", "7"],
            "--draws = 7: allowed: an integer 1..5 (representative draws of the --sample)",
        ),
        (
            ["--bus", "seoul=x"],
            "--bus: 'seoul' is not one of the export's buses; allowed: KR, capital, non_capital",
        ),
        (
            ["--bus", "capital=x,non_capital=x"],
            "--bus: capital and non_capital would both be bus 'x'; allowed: a name of its own "
            "for each bus",
        ),
        (["--bus", "capital=KR"], "--bus: KR and capital would both be bus 'KR'"),
        (["--bus", "capital"], "--bus = 'capital': allowed: OLD=NEW[,OLD=NEW...], e.g. KR=KOR"),
        (
            ["--bus", "capital=a,capital=b"],
            "--bus = 'capital=a,capital=b': capital given twice; allowed: one new name for "
            "each bus",
        ),
        (["--draw", "1", "--draws", "2"], "--draws / --draw: give one of them, not both"),
        (["--draw", "1", "--quantile", "0.5"], "--draw / --quantile: give one of them"),
        (
            ["--draw", "4,5"],
            "--draw = '4,5': draw 5 is not in the sample; allowed: 0..4 (--sample 5)",
        ),
        (["--draw", "1,x"], "--draw = '1,x': allowed: draw numbers, N[,N...] (e.g. 101,176)"),
        (["--draw", "2,2"], "--draw = '2,2': 2 given twice; allowed: each draw once"),
    ]
    for extra, message in cases:
        assert main(["export-grid", scenario, "--sample", "5", *extra, "--out", out]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "x").exists()
    with pytest.raises(OptionsError, match="give one of them"):
        gridexport.grid_paths(load_scenario("kr-national"), None)


def test_percentile_ranks_are_mid_ranks_shared_by_ties():
    """(rank + 0.5) / n, rank from 0; tied draws share their mean rank: 3 and 3 hold ranks 2
    and 3, so both sit at (2.5 + 0.5) / 4."""
    values = np.array([[3.0, 0.0], [1.0, 0.0], [3.0, 0.0], [2.0, 0.0]])
    np.testing.assert_array_equal(
        gridexport.percentile_ranks(values), [[0.75, 0.5], [0.125, 0.5], [0.75, 0.5], [0.375, 0.5]]
    )


def test_the_p50_draw_is_near_the_middle_on_every_measure_not_on_one():
    """A PyPSA modeller's "P50" draw of kr-outlook was P22 of 2030's total energy, P94 of the
    data-centre energy and P8 of the peak: it was ranked by one number. Hand-checked: measure
    A puts draws 0..4 at P10, P30, P50, P70, P90; B at P90, P50, P10, P30, P70. Draw 2 is A's
    median but B's P10 (cost (0 + 0.4**2) / 2 = 0.08); draw 1, A's P30 and B's P50 (cost
    0.02), is the P50 draw. As a whole (mean percentile ranked among the 5 draws, 0.2 apart)
    draw 1 is P30, draws 0 and 3 P60: all three are within one step of P50. For P90: draw 4
    (A P90, B P70: 0.02; P90 as a whole)."""
    a = gridexport.percentile_ranks(np.array([[1.0], [2.0], [3.0], [4.0], [5.0]]))
    b = gridexport.percentile_ranks(np.array([[5.0], [3.0], [1.0], [2.0], [4.0]]))
    chosen, cost = gridexport.representative_draws(np.stack([a, b]), np.array([0.5, 0.9]))
    assert chosen.tolist() == [1, 4]
    np.testing.assert_allclose(cost, [0.02, 0.02])


def test_the_p10_draw_is_not_the_lowest_draw_that_never_moves():
    """A PyPSA modeller's "P10" path of au-nsw-ai-dc (300 draws, seed 1) was the lowest of the
    300 draws in every year: against P10 a draw stuck at P0 costs (0.1 - 0.0017)**2 in every
    year, less than an ordinary draw that wanders around P10. Hand-checked, 20 draws, two
    years, ranks counted from 0 (percentile (rank + 0.5) / 20): draw 0 is rank 0 in both years
    (P2.5; mean squared distance from P10 0.075**2 = 0.005625, the least of all, so the old rule
    chose it); draws 1 and 2 wander around P10 (ranks 1 and 4, 4 and 1: P7.5 and P22.5, mean
    squared distance (0.025**2 + 0.125**2) / 2 = 0.008125). As a whole (the mean percentile,
    ranked among the draws) draw 0 is P2.5, draws 1 and 2 share ranks 1 and 2 (P10), draw 4
    (ranks 5 and 2) is P17.5: only draws 1 and 2 lie within 0.05 of P10, and draw 1 is the
    lower of the two alike."""
    year_1 = [0, 1, 4, 2, 5, 3, 6, *range(7, 20)]
    year_2 = [0, 4, 1, 6, 2, 5, 3, *range(7, 20)]
    percentiles = (np.array([year_1, year_2], dtype=float).T + 0.5) / 20  # [D, Y]
    chosen, cost = gridexport.representative_draws(percentiles[None], np.array([0.1]))
    assert chosen.tolist() == [1]
    np.testing.assert_allclose(cost, [0.008125])
    np.testing.assert_allclose(
        gridexport.overall_percentiles(percentiles[None])[:5], [0.025, 0.1, 0.1, 0.25, 0.175]
    )


def test_a_draw_at_the_bottom_in_every_year_is_never_the_p10_draw_of_a_few_hundred():
    """300 draws, 10 years, three measures, each draw's percentiles wandering at random (each
    year's ranks a fresh permutation), but draw 7 the lowest on every measure in every year:
    the P10 draw is never it, and every chosen draw sits within 0.05 of its level as a whole
    (its mean percentile over measures and years, ranked among the draws)."""
    rng = np.random.default_rng(31)
    for _ in range(5):
        values = rng.random((3, 300, 10)) + 1.0
        values[:, 7, :] = 0.0
        percentiles = np.stack([gridexport.percentile_ranks(v) for v in values])
        levels = gridexport.representative_probabilities(3)
        chosen, _ = gridexport.representative_draws(percentiles, levels)
        assert 7 not in chosen.tolist()
        overall = gridexport.overall_percentiles(percentiles)
        assert np.all(np.abs(overall[chosen] - levels) <= 0.05)


def test_representative_draws_of_a_tiny_sample_take_the_nearest_as_a_whole():
    """One to five draws: the draws are 1 / n apart as a whole (three sit at P16.7, P50 and
    P83.3), so a level takes those within one step of it (wider than 0.05), or, once they are
    taken, those nearest it: K levels are K different draws, and three draws are P10, P50 and
    P90 in their order."""
    for n in range(1, 6):
        values = np.arange(n, dtype=float)[:, None] * np.ones((1, 4))
        percentiles = gridexport.percentile_ranks(values)[None]
        for count in range(1, n + 1):
            levels = gridexport.representative_probabilities(count)
            chosen, _ = gridexport.representative_draws(percentiles, levels)
            assert len(set(chosen.tolist())) == count
    three = gridexport.percentile_ranks(np.array([[2.0], [0.0], [1.0]]))[None]
    chosen, _ = gridexport.representative_draws(three, np.array([0.1, 0.5, 0.9]))
    assert chosen.tolist() == [1, 2, 0]


def test_representative_draws_are_distinct_also_where_draws_are_alike():
    """Nearest each level among the draws not chosen yet: without uncertainty (every draw the
    same, every percentile 0.5) K levels are K different draws, not draw 0 K times."""
    same = gridexport.percentile_ranks(np.full((50, 3), 134.03))
    chosen, _ = gridexport.representative_draws(same[None], np.array([0.1, 0.5, 0.9]))
    assert chosen.tolist() == [0, 1, 2]


def test_rank_metrics_counts_each_load_once():
    """``total``: total energy and peak, the data-centre energy and, where the data-centre load
    has a non-AI part, the AI energy (every exported load near its level: kr-outlook's "P50"
    path's AI energy was anywhere from P2 to P92 by seed, the non-AI load filling the
    data-centre energy); without a baseline the total is the data-centre load (not counted
    twice); without non-AI load, the data-centre load is the AI load; ``ai`` is the AI load
    alone."""
    import xarray as xr

    def dataset(*names):
        return xr.Dataset({f"{name}_per_draw": ("draw", [0.0]) for name in names})

    full = dataset("total_energy_twh", "total_peak_gw", "dc_energy_twh", "dc_peak_gw",
                   "ai_energy_twh", "ai_peak_gw")  # fmt: skip
    no_baseline = dataset("dc_energy_twh", "dc_peak_gw", "ai_energy_twh", "ai_peak_gw")
    no_non_ai = dataset("total_energy_twh", "total_peak_gw", "ai_energy_twh", "ai_peak_gw")
    cases = [
        (full, "total", ("total_energy_twh", "total_peak_gw", "dc_energy_twh", "ai_energy_twh")),
        (full, "dc", ("dc_energy_twh", "dc_peak_gw")),
        (full, "ai", ("ai_energy_twh", "ai_peak_gw")),
        (no_baseline, "total", ("dc_energy_twh", "dc_peak_gw", "ai_energy_twh")),
        (no_non_ai, "total", ("total_energy_twh", "total_peak_gw", "ai_energy_twh")),
        (no_non_ai, "dc", ("ai_energy_twh", "ai_peak_gw")),
        # grid: the grid's demand alone; the default where there is a baseline
        (full, "grid", ("total_energy_twh", "total_peak_gw")),
        (full, None, ("total_energy_twh", "total_peak_gw")),
        (no_non_ai, None, ("total_energy_twh", "total_peak_gw")),
        (no_baseline, None, ("dc_energy_twh", "dc_peak_gw", "ai_energy_twh")),
    ]
    for data, rank_by, expected in cases:
        assert gridexport.rank_metrics(data, rank_by) == expected
    with pytest.raises(OptionsError, match=r"--rank-by = 'grid': .* no baseline"):
        gridexport.rank_metrics(no_baseline, "grid")


def test_the_summary_gives_the_ai_energy_where_it_was_not_ranked():
    """Ranked by the data-centre load (``--rank-by dc``), a path's AI energy may lie anywhere:
    the summary line gives its range beside the ranked measures, marked as not ranked."""
    from forecast.cli.export import _percentile_ranges

    info = {
        "ranked_by": ["dc_energy_twh", "dc_peak_gw"],
        "percentiles_by_year": {
            "dc_energy_twh": {"2030": 0.45, "2031": 0.55},
            "dc_peak_gw": {"2030": 0.5, "2031": 0.5},
            "total_energy_twh": {"2030": 0.1, "2031": 0.9},
            "ai_energy_twh": {"2030": 0.02, "2031": 0.92},
        },
    }
    assert _percentile_ranges(info) == (
        "data-centre energy P45–P55, data-centre peak P50; AI energy P2–P92 (not ranked)"
    )
    info["ranked_by"].append("ai_energy_twh")
    assert _percentile_ranges(info).endswith("data-centre peak P50, AI energy P2–P92")


def test_the_p50_path_of_kr_outlook_holds_its_ai_load_near_the_middle(tmp_path, capsys):
    """kr-outlook's data-centre energy is mostly its non-AI load (about 11.6 TWh against 3.9
    TWh of AI load): ranked by total energy, peak and data-centre energy, the "P50" path's AI
    energy was P92 in 2035 at seed 0 (300 draws) and P2 at seed 3. Ranked also by the AI
    energy, the P50 path's AI energy is near the middle here (100 draws of 2030–2032, seed 2:
    it was P56–P90) and the summary gives its range as a ranked measure."""
    out = tmp_path / "kr"
    period = ["--start", "2030-01-01", "--end", "2032-12-31", "--seed", "2"]
    ranked = ["--rank-by", "total", "--sample", "100"]
    assert main(["export-grid", "kr-outlook", "--format", "wide-csv", "--draws", "3", *ranked,
                 *period, "--out", str(out)]) == 0  # fmt: skip
    summary = capsys.readouterr().out
    manifest = json.loads((out / "export.json").read_text())
    p50 = manifest["paths"][1]
    ai = list(p50["percentiles_by_year"]["ai_energy_twh"].values())
    assert min(ai) >= 0.3 and max(ai) <= 0.7, ai
    assert p50["ranked_by"] == [
        "total_energy_twh", "total_peak_gw", "dc_energy_twh", "ai_energy_twh"
    ]  # fmt: skip
    assert re.search(r"data-centre energy P\d+(–P\d+)?, AI energy P\d+(–P\d+)?\)", summary)


def test_an_export_into_an_earlier_exports_folder_replaces_it(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """The folder holds one export, as its export.json says: the earlier export's files that
    the new one does not write are removed (they stayed, unlisted) if unchanged since; a file
    edited since, a user's own file and whatever a link points to stay; a folder of other
    files is refused before any work."""
    scenario = str(scenario_file(small_scenario_text))
    out = tmp_path / "grid"
    common = ["export-grid", scenario, "--sample", "12", "--weather", "typical", "--out", str(out)]
    assert main([*common, "--format", "pypsa", "--draws", "3"]) == 0
    earlier = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(earlier) == 3
    edited = earlier[0] / "loads.csv"
    edited.write_text(edited.read_text().replace("ai_dc_capital", "seoul_dc"))  # a renamed bus
    (out / "my-notes.txt").write_text("mine\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "loads.csv").write_text("not an export's\n")
    manifest = json.loads((out / "export.json").read_text())
    manifest["paths"].append({"label": "linked"})
    manifest["files"]["linked/loads.csv"] = "0" * 64
    (out / "export.json").write_text(json.dumps(manifest))
    (out / "linked").symlink_to(outside)
    plexos = ["--format", "plexos", "--start", "2025-01-01", "--end", "2025-12-31"]
    assert main([*common, *plexos]) == 0
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["format"] == "plexos"
    (label,) = [path["label"] for path in manifest["paths"]]
    assert sorted(manifest["files"]) == [f"{label}/load_2025.csv"]
    assert sorted(p.name for p in (out / label).iterdir()) == ["load_2025.csv"]
    assert [p.name for p in edited.parent.iterdir()] == ["loads.csv"]  # edited: kept
    assert all(not p.exists() for p in earlier[1:] if p.name != label)  # unchanged: gone
    assert (out / "my-notes.txt").read_text() == "mine\n"
    assert (outside / "loads.csv").read_text() == "not an export's\n"
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "a.jpg").write_bytes(b"jpg")
    capsys.readouterr()
    assert main(["export-grid", scenario, "--out", str(foreign)]) == 2
    assert "a folder with other files in it and no export.json" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["a.jpg"]


def test_non_ai_load_goes_on_its_regions_bus_and_a_held_load_is_named(
    small_scenario_text, scenario_file
):
    """A TSO's question was Dublin's whole data-centre load: the non-AI load sat on the
    country's bus. Each region with non-AI load gets its own column on its own bus, the
    regions' years are the projection's regional energies and together its non-AI energy;
    without a baseline, a load the metered demand already holds is named."""
    import tomllib

    from forecast.scenario import parse_scenario

    data = tomllib.loads(small_scenario_text)
    data["non_ai_loads"] = [
        {"name": "capital halls", "kind": "other", "energy_twh": 2.0, "region": "capital",
         "in_baseline": True},
        {"name": "south halls", "kind": "other", "energy_twh": {"dist": "uniform", "low": 0.5,
         "high": 1.0}, "region": "non_capital"},
    ]  # fmt: skip
    scenario = parse_scenario(data, origin="two regions")
    options = ProjectionOptions(
        draws=12, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31), weather="typical",
        include_baseline=False,
    )  # fmt: skip
    paths = gridexport.grid_paths(scenario, options, draws=2)
    names = [load.name for load in paths.loads]
    assert names == [
        "non_ai_dc_capital", "non_ai_dc_non_capital", "ai_dc_capital", "ai_dc_non_capital",
    ]  # fmt: skip
    assert [load.bus for load in paths.loads[:2]] == ["capital", "non_capital"]
    assert "capital halls: in_baseline" in paths.loads[0].description
    assert "in_baseline" not in paths.loads[1].description
    # no load is left on the country's bus, but it stays a bus of the export (quantile paths put
    # the non-AI load on it): see test_quantile_paths_and_draws_write_the_same_buses
    assert paths.buses == ["KR", "capital", "non_capital"]
    by_region = paths.dataset["non_ai_energy_twh_by_region_per_draw"]
    energy = paths.annual_energy_twh()  # [C, P, Y]
    for p, info in enumerate(paths.paths):
        for r, region in enumerate(("capital", "non_capital")):
            np.testing.assert_allclose(
                energy[r, p], by_region.sel(region=region, draw=info["draw"]), rtol=1e-9
            )
    national = paths.dataset["non_ai_energy_twh_per_draw"]
    for p, info in enumerate(paths.paths):
        np.testing.assert_allclose(
            energy[:2, p].sum(axis=0), national.sel(draw=info["draw"]), rtol=1e-9
        )


def test_an_export_refuses_to_write_over_a_file_edited_since_or_not_its_own(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """A TSO modeller renamed a bus in loads.csv, exported again into the folder and lost the
    edit: the file was rewritten. Now a file the new export would write over is refused,
    before anything is written, if it was edited since the earlier export or is not listed in
    its export.json; an unchanged file is written over."""
    scenario = str(scenario_file(small_scenario_text))
    out = tmp_path / "grid"
    common = ["export-grid", scenario, "--sample", "12", "--weather", "typical", "--quiet"]
    common += ["--out", str(out)]
    assert main([*common, "--draws", "2"]) == 0
    assert main([*common, "--draws", "2"]) == 0  # as written: replaced
    label = json.loads((out / "export.json").read_text())["paths"][0]["label"]
    edited = out / label / "loads.csv"
    edited.write_text(edited.read_text().replace(",capital,", ",seoul,"))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main([*common, "--draws", "2"]) == 2
    err = capsys.readouterr().err
    assert f"--out: {label}/loads.csv was edited since the earlier export" in err, err
    assert "move it away or export into a new folder" in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    mine = out / f"{label}.csv"
    mine.write_text("my own table\n")
    assert main([*common, "--draws", "2", "--format", "wide-csv"]) == 2
    err = capsys.readouterr().err
    assert f"--out: {label}.csv exists and is not listed in export.json" in err, err
    assert mine.read_text() == "my own table\n"


def test_the_grid_wide_bus_is_named_after_the_baseline_models_grid():
    """Country and holiday subdivision of the model's features (ISO 3166-2 style), else the
    country; without a baseline model, the scenario's country."""
    from types import SimpleNamespace

    scenario = load_scenario("kr-national")
    nsw = SimpleNamespace(spec=SimpleNamespace(country="AU", subdivision="NSW"))
    korea = SimpleNamespace(spec=SimpleNamespace(country="KR", subdivision=None))
    assert gridexport.grid_bus(scenario, nsw) == "AU-NSW"
    assert gridexport.grid_bus(scenario, korea) == "KR"
    assert gridexport.grid_bus(scenario, None) == "KR"


def test_buses_are_renamed_in_loads_buses_and_the_manifest(
    small_scenario_text, scenario_file, tmp_path
):
    """--bus OLD=NEW renames a bus wherever the export names it, so that a renamed bus need
    not be edited in (and then lost from) loads.csv."""
    scenario = str(scenario_file(small_scenario_text))
    out = tmp_path / "grid"
    command = ["export-grid", scenario, "--sample", "6", "--weather", "typical", "--quiet"]
    assert main([*command, "--bus", "KR=KOR, capital=seoul", "--out", str(out)]) == 0
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    loads = pd.read_csv(folder / "loads.csv", index_col="name")
    assert loads["bus"].to_dict() == {
        "baseline": "KOR", "ai_dc_capital": "seoul", "ai_dc_non_capital": "non_capital"
    }  # fmt: skip
    assert pd.read_csv(folder / "buses.csv")["name"].tolist() == ["KOR", "seoul", "non_capital"]
    manifest = json.loads((out / "export.json").read_text())
    assert [load["bus"] for load in manifest["loads"]] == ["KOR", "seoul", "non_capital"]


def test_the_baseline_is_split_over_the_regions_by_the_shares_given(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """A TSO's flow study needs the baseline on the regions' buses (94 % of kr-outlook's energy
    sat on a bus with nothing else on it): --baseline-shares puts share x the baseline on each
    region's bus, hour by hour, and nothing on the grid-wide bus; the loads still add up."""
    scenario = str(scenario_file(small_scenario_text))
    command = ["export-grid", scenario, "--sample", "6", "--weather", "typical", "--quiet",
               "--format", "wide-csv"]  # fmt: skip
    assert main([*command, "--out", str(tmp_path / "whole")]) == 0
    split = ["--baseline-shares", "capital=0.4,non_capital=0.6"]
    assert main([*command, *split, "--out", str(tmp_path / "split")]) == 0
    (whole,) = (tmp_path / "whole").glob("*.csv")
    (parts,) = (tmp_path / "split").glob("*.csv")
    whole, parts = pd.read_csv(whole), pd.read_csv(parts)
    np.testing.assert_allclose(parts["baseline_capital_mw"], 0.4 * whole["baseline_mw"])
    np.testing.assert_allclose(parts["baseline_non_capital_mw"], 0.6 * whole["baseline_mw"])
    assert "baseline_mw" not in parts
    manifest = json.loads((tmp_path / "split" / "export.json").read_text())
    assert [load["bus"] for load in manifest["loads"]][:2] == ["capital", "non_capital"]
    capsys.readouterr()
    for shares, words in [
        (
            "capital=0.4,non_capital=0.5",
            "--baseline-shares = 'capital=0.4,non_capital=0.5': the shares sum to 0.9; allowed: "
            "shares that sum to 1",
        ),
        ("north=1", "'north' is not a region of"),
        ("capital=1.5", "--baseline-shares: capital = 1.5: allowed: a share in [0, 1]"),
        ("capital=x", "--baseline-shares = 'capital=x': allowed: REGION=SHARE[,...]"),
        ("capital=1,capital=0", "capital given twice; allowed: each region once"),
    ]:
        out = tmp_path / "refused"
        assert main([*command, "--baseline-shares", shares, "--out", str(out)]) == 2
        assert words in capsys.readouterr().err and not out.exists()
    no_baseline = [*command, "--no-baseline", *split, "--out", str(tmp_path / "none")]
    assert main(no_baseline) == 2
    assert (
        "--baseline-shares = 'capital=0.4,non_capital=0.6': allowed: only with a baseline column "
        "(this export has none: no baseline model for small, or --no-baseline)"
    ) in capsys.readouterr().err


def test_draws_chosen_by_number_are_the_reference_scenarios_draws(tmp_path, capsys):
    """Ranked on kr-national, the same draws of kr-dc-pipeline (``--draw``, same seed, sample
    and period) carry the same baseline, hour by hour, and the same weather year: a grid
    model's difference between the two is the data-centre load's alone. The paths are named
    ``draw-N`` and keep their percentiles (among kr-dc-pipeline's draws) in the manifest and
    the summary."""
    common = ["--format", "wide-csv", "--sample", "20", "--start", "2030-01-01",
              "--end", "2030-12-31", "--seed", "3"]  # fmt: skip
    reference, other = tmp_path / "reference", tmp_path / "other"
    assert (
        main(["export-grid", "kr-national", *common, "--draws", "2", "--out", str(reference)]) == 0
    )
    chosen = [path["draw"] for path in json.loads((reference / "export.json").read_text())["paths"]]
    capsys.readouterr()
    numbers = ",".join(str(d) for d in chosen)
    assert (
        main(["export-grid", "kr-dc-pipeline", *common, "--draw", numbers, "--out", str(other)])
        == 0
    )
    summary = capsys.readouterr().out
    manifest = json.loads((other / "export.json").read_text())
    references = json.loads((reference / "export.json").read_text())["paths"]
    for path, ranked in zip(manifest["paths"], references, strict=True):
        assert path["kind"] == "chosen draw" and path["label"] == f"draw-{ranked['draw']}"
        assert path["weather_year"] == ranked["weather_year"]
        assert set(path["percentiles_by_year"]) >= {"total_energy_twh", "total_peak_gw"}
        assert 0 < path["overall_percentile"] < 1
        assert f"draw {ranked['draw']} (chosen by number: P" in summary
        mine = pd.read_csv(other / f"{path['label']}.csv")
        theirs = pd.read_csv(reference / f"{ranked['label']}.csv")
        np.testing.assert_array_equal(mine["baseline_mw"], theirs["baseline_mw"])
        assert not np.array_equal(mine["ai_dc_capital_mw"], theirs["ai_dc_capital_mw"])


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a /proc filesystem")
def test_an_out_that_cannot_be_created_is_one_line(tmp_path, capsys):
    """``--out /proc/forbidden``: /proc exists, but no folder can be made in it; this was a
    FileNotFoundError traceback and status 1 after the projection. Now one line naming --out,
    the path and the system's reason, status 2, before any work."""
    assert main(["export-grid", "kr-national", "--sample", "5", "--out", "/proc/forbidden"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: --out = '/proc/forbidden': cannot create the folder (No such file or directory)\n"
    )


@pytest.mark.parametrize(
    ("name", "suffix"), [("x.parquet", ".parquet"), ("kr.CSV", ".csv"), ("kr.zip", ".zip")]
)
def test_an_out_named_like_a_file_is_refused_before_any_work(
    name, suffix, small_scenario_text, scenario_file, tmp_path, capsys
):
    """``--out x.parquet`` silently made a folder named ``x.parquet`` (an export is a folder
    of files): now one line naming --out, the value and what is allowed, status 2, and
    nothing made."""
    scenario = str(scenario_file(small_scenario_text))
    out = tmp_path / name
    command = ["export-grid", scenario, "--sample", "4", "--weather", "typical",
               "--format", "wide-parquet", "--out", str(out)]  # fmt: skip
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: --out = {str(out)!r}: a {suffix} file name, but export-grid writes a folder "
    )
    assert f"allowed: a folder name without a file suffix, e.g. {str(out.with_suffix(''))!r}" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert ("POST /v1/grid-exports answers a .zip" in err) == (suffix == ".zip")
    assert not out.exists()


def test_the_summary_says_a_part_year_is_one(tmp_path, capsys):
    """NSW's local 2030 starts at 23:00 on 31 December 2029 in standard time: cut at local
    midnights, the summary printed that hour as a year ("2029: 0.01 TWh, 2030: ..."); it now
    gives each part year's hours beside it."""
    command = ["export-grid", "au-nsw-ai-dc", "--format", "wide-csv", "--sample", "4",
               "--calendar", "local"]  # fmt: skip
    period = ["--weather", "typical", "--start", "2030-01-01", "--end", "2030-12-31"]
    assert main([*command, *period, "--out", str(tmp_path / "nsw")]) == 0
    summary = capsys.readouterr().out
    assert re.search(
        r"p50-draw-\d+: .*; 2029 \(1 of 8760 hours\): [\d.]+ TWh, 2030 \(8759 of 8760 hours\): ",
        summary,
    ), summary


def test_quiet_silences_the_compile_notice(small_scenario_text, scenario_file, tmp_path, caplog,
                                           monkeypatch):  # fmt: skip
    """The kernels' first compile logs a notice on the forecast logger, which the command line
    prints on stderr; under --quiet it printed as well. Now --quiet (every command's) silences
    it, and the next run without --quiet shows it again."""
    from forecast.kernels._jit import COMPILE_NOTICE

    def compiling(*args, **kwargs):
        logging.getLogger("forecast").info(COMPILE_NOTICE)
        raise OptionsError("stopped here")

    monkeypatch.setattr(gridexport, "grid_paths", compiling)
    command = ["export-grid", str(scenario_file(small_scenario_text)), "--sample", "5"]
    for quiet, shown in ((["--quiet"], False), ([], True), (["--quiet"], False)):
        caplog.clear()
        assert main([*command, *quiet, "--out", str(tmp_path / "x")]) == 2
        assert (COMPILE_NOTICE in caplog.messages) is shown


def test_the_manifest_gives_each_years_peak_and_what_the_baseline_is(tmp_path):
    """export.json gave each path's energies but no peak: now each year's total peak, its
    hour (UTC, the rows' standard-time label, local time with its offset), the AI load at
    that hour and each load's peak, recomputed here from the rows written; and what the
    baseline column is, from the NSW model's manifest (AEMO NSW1 operational demand)."""
    out = tmp_path / "nsw"
    command = ["export-grid", "au-nsw-ai-dc", "--format", "wide-csv", "--sample", "4", "--quiet"]
    period = ["--weather", "typical", "--start", "2030-01-01", "--end", "2031-12-31"]
    assert main([*command, *period, "--out", str(out)]) == 0
    manifest = json.loads((out / "export.json").read_text())
    assert "AEMO NSW1" in manifest["baseline"]["demand"]
    assert manifest["baseline"]["model"] == manifest["baseline_model"]
    assert manifest["baseline"]["bus"] == "AU-NSW"
    path = manifest["paths"][0]
    rows = pd.read_csv(out / f"{path['label']}.csv")
    columns = [c for c in rows.columns if c.endswith("_mw")]
    ai = [c for c in columns if c.startswith("ai_dc_")]
    for year in ("2030", "2031"):
        peak = path["peaks_by_year"][year]
        in_year = rows[rows["year"] == int(year)]
        total = in_year[columns].sum(axis=1)
        at = total.idxmax()
        assert peak["total_peak_mw"] == pytest.approx(total.max(), rel=1e-12)
        assert peak["peak_hour_utc"] == in_year.loc[at, "utc"]
        assert peak["peak_hour_standard_time"] == in_year.loc[at, "standard_time"]
        local = pd.Timestamp(peak["peak_hour_local"])
        assert local == pd.Timestamp(in_year.loc[at, "utc"])
        assert local.utcoffset() in (pd.Timedelta(hours=10), pd.Timedelta(hours=11))
        assert peak["ai_dc_at_peak_mw"] == pytest.approx(in_year.loc[at, ai].sum(), rel=1e-12)
        for column in columns:
            name = column.removesuffix("_mw")
            assert peak["load_peak_mw"][name] == pytest.approx(in_year[column].max(), rel=1e-12)
            assert peak["load_at_peak_mw"][name] == pytest.approx(in_year.loc[at, column])


def test_nsw_exports_whole_standard_time_years(tmp_path, capsys):
    """The NEM runs on AEST (UTC+10) all year, and the export labels its rows in it; but it cut
    the period at Sydney's local midnights: `--start 2031-01-01 --end 2032-12-31` wrote a
    one-row load_2030.csv (23:00 AEST on 31 December 2030 is local 00:00 AEDT on 1 January).
    With --calendar standard (the default) the period is standard-time days: load_2031.csv has
    8,760 rows and load_2032.csv 8,784 (a leap year), each from period 1 of 1 January to period
    24 of 31 December, and nothing else. Checked by hand against --calendar local (the old cut)
    of the same draw: the standard rows are the local rows one hour later (its first hour
    dropped, local 00:00 on 1 January 2033 added), so a standard year's energy is the local
    year's less its first hour plus the next local year's first; the rows sum to export.json."""
    common = ["export-grid", "au-nsw-ai-dc", "--sample", "4", "--weather", "typical", "--quiet",
              "--start", "2031-01-01", "--end", "2032-12-31"]  # fmt: skip
    assert main([*common, "--format", "plexos", "--out", str(tmp_path / "plexos")]) == 0
    manifest = json.loads((tmp_path / "plexos" / "export.json").read_text())
    assert manifest["partial_years"] == {} and manifest["calendar"] == "standard"
    assert (manifest["period_start"], manifest["period_end"]) == ("2031-01-01", "2032-12-31")
    # 23:00 AEST on 31 December: 2030 not written, 2031 in local 2032, 2032 not projected
    assert "; 3 hours are in another year here than in the projection's" in manifest["years"]
    path = manifest["paths"][0]
    folder = tmp_path / "plexos" / path["label"]
    assert sorted(p.name for p in folder.iterdir()) == ["load_2031.csv", "load_2032.csv"]
    for year, hours in ((2031, 8760), (2032, 8784)):
        frame = pd.read_csv(folder / f"load_{year}.csv")
        stamps = frame[["Year", "Month", "Day", "Period"]].values.tolist()
        assert len(frame) == hours and (frame["Year"] == year).all()
        assert stamps[0] == [year, 1, 1, 1] and stamps[-1] == [year, 12, 31, 24]
        assert (frame.groupby(["Month", "Day"]).size() == 24).all()
        written = frame[[c for c in frame.columns if c.endswith("_mw")]].to_numpy().sum() * 1e-6
        assert written == pytest.approx(sum(path["annual_energy_twh"][str(year)].values()),
                                         rel=1e-12)  # fmt: skip
    tables = {}
    for calendar in ("standard", "local"):
        out = tmp_path / calendar
        assert main([*common, "--format", "wide-csv", "--calendar", calendar,
                     "--out", str(out)]) == 0  # fmt: skip
        (table,) = out.glob("*.csv")
        assert table.stem == path["label"]  # the same draw: ranked on the same local years
        tables[calendar] = pd.read_csv(table)
    standard, local = tables["standard"], tables["local"]
    assert standard["standard_time"].iloc[[0, -1]].tolist() == ["2031-01-01 00:00",
                                                                "2032-12-31 23:00"]  # fmt: skip
    assert local["standard_time"].iloc[[0, -1]].tolist() == ["2030-12-31 23:00",
                                                             "2032-12-31 22:00"]  # fmt: skip
    assert len(standard) == len(local) == 8760 + 8784
    columns = [c for c in standard.columns if c.endswith("_mw")]
    np.testing.assert_array_equal(standard[columns].iloc[:-1], local[columns].iloc[1:])
    hourly = local[columns].sum(axis=1).to_numpy() * 1e-6  # TWh in each local hour
    local_2031, local_2032 = hourly[:8760].sum(), hourly[8760:].sum()  # local years' hours
    last = standard[columns].iloc[-1].sum() * 1e-6  # 00:00 AEDT on 1 January 2033
    energy = {y: sum(e.values()) for y, e in path["annual_energy_twh"].items()}
    assert energy["2031"] == pytest.approx(local_2031 - hourly[0] + hourly[8760], rel=1e-12)
    assert energy["2032"] == pytest.approx(local_2032 - hourly[8760] + last, rel=1e-12)


def test_the_calendar_changes_nothing_where_local_and_standard_years_coincide(
    small_scenario_text, scenario_file, tmp_path
):
    """Korea keeps no daylight saving: standard-time and local days are the same, so the
    default (--calendar standard) and --calendar local write the same bytes in every load file
    (PyPSA and PLEXOS), and the manifests (export.json, meta.json) differ only in saying which
    calendar was asked for; export.json's years are the projection's local years."""
    scenario = str(scenario_file(small_scenario_text))
    for file_format in ("pypsa", "plexos"):
        common = ["export-grid", scenario, "--sample", "6", "--weather", "typical", "--quiet",
                  "--format", file_format]  # fmt: skip
        outs = {}
        for name, extra in (("default", []), ("standard", ["--calendar", "standard"]),
                            ("local", ["--calendar", "local"])):  # fmt: skip
            outs[name] = tmp_path / f"{file_format}-{name}"
            assert main([*common, *extra, "--out", str(outs[name])]) == 0

        def contents(out):
            """Each file's bytes; a manifest's without its command (whose --out differs) and
            the digests of the meta.json files that hold it."""
            files = sorted(p for p in out.rglob("*") if p.is_file())
            found = {p.relative_to(out).as_posix(): p.read_bytes() for p in files}
            for name in found:
                if name.endswith(".json"):
                    body = json.loads(found[name])
                    assert body.pop("command").startswith("forecast export-grid ")
                    if "files" in body:
                        body["files"] = {
                            n: d for n, d in body["files"].items() if not n.endswith("meta.json")
                        }
                    found[name] = json.dumps(body).encode()
            return found

        default, standard, local = (contents(outs[n]) for n in ("default", "standard", "local"))
        assert default == standard
        loads = {n for n in local if n not in ("export.json",) and not n.endswith("meta.json")}
        assert loads and all(standard[n] == local[n] for n in loads)
        manifests = [json.loads(files["export.json"]) for files in (standard, local)]
        assert [m.pop("calendar") for m in manifests] == ["standard", "local"]
        for m in manifests:
            m.pop("days")  # what the calendar asked for means, in words
            m["files"] = {n: d for n, d in m["files"].items() if n in loads}
        assert manifests[0] == manifests[1]
        assert "here those are the projection's local-year figures" in manifests[0]["years"]


def test_a_standard_time_period_the_projection_cannot_hold_is_one_line(tmp_path, capsys):
    """Sydney's last standard-time hour of a year, 23:00 AEST on 31 December, is 00:00 AEDT on
    1 January: the projection runs one local day more. Where that day is past 2100-12-31 or
    makes a 31st year, the export is refused in one line, before any projection, naming
    --calendar local as the way out; a bad --calendar is refused too."""
    cases = [
        (["--calendar", "aest"], "--calendar = 'aest': allowed: standard, local"),
        (
            ["--start", "2100-01-01", "--end", "2100-12-31", "--calendar", "standard"],
            "--end = 2100-12-31: with --calendar standard the period's last hour (2100-12-31 "
            "23:00 at UTC+10:00) is 2101-01-01 00:00 local time in Australia/Sydney, after the "
            "last day a projection runs (2100-12-31); allowed: an end a day earlier, or --calendar "
            "local",
        ),
        (
            ["--start", "2031-01-01", "--end", "2060-12-31", "--calendar", "standard"],
            "--start/--end = 2031-01-01..2060-12-31: with --calendar standard the period's last "
            "hour (2060-12-31 23:00 at UTC+10:00) is 2061-01-01 00:00 local time in "
            "Australia/Sydney, so the projection would span 2031..2061, 31 years (at most 30); "
            "allowed: a start a year later, or --calendar local",
        ),
    ]
    for extra, message in cases:
        command = ["export-grid", "au-nsw-ai-dc", "--sample", "4", *extra]
        assert main([*command, "--out", str(tmp_path / "x")]) == 2
        # A period past the horizon (2035) is noted before the export refuses it.
        err = "".join(line for line in capsys.readouterr().err.splitlines(keepends=True)
                      if not line.startswith("note: the period ends on"))  # fmt: skip
        assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "x").exists()


def test_a_note_is_said_once(tmp_path, capsys):
    """export-grid said the note of a period before the horizon three times: a warning filter
    changed between the passes, and that cleared Python's record of what was said."""
    command = ["export-grid", "au-nsw-ai-dc", "--format", "wide-csv", "--draws", "1",
               "--sample", "4", "--weather", "typical", "--no-baseline", "--quiet",
               "--start", "2025-01-01", "--end", "2025-12-31"]  # fmt: skip
    assert main([*command, "--out", str(tmp_path / "before")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and notes[0].startswith("note: the period starts on 2025-01-01"), notes


def test_a_standard_time_periods_last_hour_is_no_day_past_the_horizon(tmp_path, capsys):
    """NSW's standard-time year 2035 ends at 00:00 AEDT on 2036-01-01: the projection runs that
    local day, past au-nsw-ai-dc's horizon (2035), but the period asked for ends within it, so
    nothing is noted; a period that does run past it is noted, once."""
    command = ["export-grid", "au-nsw-ai-dc", "--format", "wide-csv", "--draws", "1",
               "--sample", "4", "--weather", "typical", "--no-baseline", "--quiet",
               "--start", "2035-01-01"]  # fmt: skip
    assert main([*command, "--out", str(tmp_path / "within")]) == 0
    assert "note: " not in capsys.readouterr().err
    assert main([*command, "--end", "2036-12-31", "--out", str(tmp_path / "past")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, notes
    assert notes[0].startswith(
        "note: the period ends on 2036-12-31, after au-nsw-ai-dc's horizon.end = 2035-12-31: "
    )


FLEX_PERIOD = ["--start", "2031-01-01", "--end", "2032-12-31"]
FLEX_SAMPLE = 30


@pytest.fixture(scope="module")
def flex_export(tmp_path_factory):
    """kr-outlook-flex (connection limits with reinforcements at the end of 2031, a curtailed
    share of the AI load) exported as P10, P50 and P90 of 30 draws of 2031–2032 through the
    command line, with what it said on stdout and stderr."""
    out = tmp_path_factory.mktemp("flex") / "kr"
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["export-grid", "kr-outlook-flex", "--format", "pypsa", "--draws", "3",
                       "--sample", str(FLEX_SAMPLE), *FLEX_PERIOD, "--out", str(out)])  # fmt: skip
    assert status == 0, stderr.getvalue()
    return out, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def flex_projection():
    """The same projection with every draw's values and sampled inputs."""
    options = ProjectionOptions(
        draws=FLEX_SAMPLE,
        start=dt.date(2031, 1, 1),
        end=dt.date(2032, 12, 31),
        resolution="annual",
        per_draw=True,
    )
    return project(load_scenario("kr-outlook-flex"), options)


def test_the_default_ranks_on_the_grids_demand_and_warns_of_a_missed_level(flex_export):
    """A TSO's "P10" path of kr-outlook was P24–P40 of the grid's energy: ranked also by the
    data-centre energy, whose in-baseline non-AI part changes no grid total, it was P5 as a
    whole. With a baseline the draws are now ranked by the grid's total energy and peak alone,
    and each path whose grid-energy percentile lies more than 0.15 from its level in a year
    says so in export.json (``level_warning``) and in one ``warning:`` line on stderr."""
    out, _, stderr = flex_export
    manifest = json.loads((out / "export.json").read_text())
    warned = []
    for path in manifest["paths"]:
        assert path["ranked_by"] == ["total_energy_twh", "total_peak_gw"]
        level = path["percentile_level"]
        grid = path["percentiles_by_year"]["total_energy_twh"]
        missed = [year for year, r in grid.items() if abs(r - level) > 0.15]
        assert ("level_warning" in path) == bool(missed)
        if missed:
            assert path["level_warning"].startswith(f"{path['label']}: grid energy P")
            assert path["level_warning"].endswith(f"P{round(100 * level)} in {', '.join(missed)}")
            warned.append(f"warning: {path['level_warning']}")
    assert [line for line in stderr.splitlines() if line.startswith("warning:")] == warned
    assert gridexport.level_warning("p10-draw-1", 0.1, {"2030": 0.2, "2031": 0.3}) == (
        "p10-draw-1: grid energy P20–P30 of the years, more than 0.15 from its level P10 in 2031"
    )
    assert gridexport.level_warning("p10-draw-1", 0.1, {"2030": 0.2, "2031": 0.25}) is None


def test_the_ai_load_is_after_flexibility_only_where_the_scenario_has_some(
    flex_export, national_export
):
    """The AI columns of kr-outlook, which has no [flexibility], said "after flexibility";
    now only a scenario with flexibility says so, naming its mode, share, hours and year."""
    flex = json.loads((flex_export[0] / "export.json").read_text())
    national = json.loads((national_export / "export.json").read_text())
    ai = [load["description"] for load in flex["loads"] if load["carrier"] == "ai_data_centre"]
    assert ai and all(
        "after flexibility: curtail of a share (central 0.3; each path's drawn share in its "
        "flexibility) in 50 stress hours a year from 2027" in text
        for text in ai
    ), ai
    assert all("flexibility" not in load["description"] for load in national["loads"])


def test_each_path_carries_its_drawn_connections_and_flexibility(flex_export, flex_projection):
    """A modeller could not carry kr-outlook's connection queue or flexibility into PyPSA: the
    export's AI load is after both and said nothing of them. Each path now gives its draw's
    connection limit, reinforcements (date, drawn delay and size, in service) and requested,
    connected and delayed MW at each year's end per region, and the flexibility's mode, drawn
    share and curtailed energy: those of the same draw in a per-draw projection."""
    manifest = json.loads((flex_export[0] / "export.json").read_text())
    data = flex_projection
    for path in manifest["paths"]:
        d = path["draw"]
        for region in ("capital", "non_capital"):
            grid = path["grid"][region]
            assert grid["limit_mw"] == pytest.approx(
                float(data[f"input_grid_limit_mw_{region}_per_draw"][d])
            )
            (step,) = grid["reinforcements"]
            assert step["date"] == "2031-12-31"
            assert step["mw"] == pytest.approx(
                float(data[f"input_grid_reinforcement_mw_{region}_0_per_draw"][d])
            )
            delay = float(data[f"input_grid_reinforcement_delay_months_{region}_0_per_draw"][d])
            assert step["delay_months"] == pytest.approx(delay)
            assert step["in_service"] >= step["date"]
            for what in ("requested", "connected", "delayed"):
                expected = data[f"grid_{what}_mw_by_region_per_draw"].sel(region=region, draw=d)
                np.testing.assert_allclose(
                    list(grid[f"{what}_mw_end_of_year"].values()), expected, rtol=1e-12
                )
        flexibility = path["flexibility"]
        assert flexibility["mode"] == "curtail" and flexibility["hours_per_year"] == 50
        assert flexibility["share"] == pytest.approx(
            float(data["input_flexibility_share_per_draw"][d])
        )
        np.testing.assert_allclose(
            list(flexibility["curtailed_twh"].values()),
            data["flexibility_curtailed_twh_per_draw"].sel(draw=d),
            rtol=1e-12,
        )
        meta = json.loads((flex_export[0] / path["label"] / "meta.json").read_text())
        assert meta["path"]["grid"] == path["grid"]


def test_the_manifests_carry_the_projections_provenance_and_the_command(
    national_export, national_projection
):
    """The export's code_version was the release alone (0.1.0), and it had no data or weather
    digest or holidays version: export.json and each meta.json now carry those forecast
    project writes, and the command line that made the export, every option's value given."""
    from forecast import provenance

    manifest = json.loads((national_export / "export.json").read_text())
    attrs = national_projection.attrs
    assert manifest["code_version"] == provenance.code_version()
    assert "+src." in manifest["code_version"]
    assert manifest["data_sha256"] == provenance.data_digest()
    for name in ("holidays_version", "weather_sha256", "weather_years", "weather_source"):
        assert manifest[name] == attrs[name], name
    command = manifest["command"]
    assert command.startswith("forecast export-grid kr-national --out ")
    for words in ("--format pypsa", "--draws 3", f"--sample {SAMPLE}", f"--start {START}",
                  "--seed 0", "--calendar standard"):  # fmt: skip
        assert words in command
    for path in manifest["paths"]:
        meta = json.loads((national_export / path["label"] / "meta.json").read_text())
        for name in ("code_version", "data_sha256", "holidays_version", "weather_sha256",
                     "command"):  # fmt: skip
            assert meta[name] == manifest[name]


def test_random_draws_are_an_equal_weight_sample(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """``"probability": 0.5`` on a representative draw was its level, not a weight (P10, P50
    and P90 "summed" to 1.5): it is ``percentile_level`` now, and ``--random K`` exports the
    first K draws (i.i.d.), each of weight 1/K, scenarios a stochastic model can weigh."""
    scenario = str(scenario_file(small_scenario_text))
    out = tmp_path / "random"
    period = ["--start", "2025-07-01", "--end", "2025-07-31", "--weather", "typical"]
    assert main(["export-grid", scenario, "--format", "wide-csv", "--random", "3", "--sample",
                 "5", *period, "--out", str(out)]) == 0  # fmt: skip
    summary = capsys.readouterr().out
    manifest = json.loads((out / "export.json").read_text())
    assert [path["label"] for path in manifest["paths"]] == ["draw-0", "draw-1", "draw-2"]
    assert all(path["kind"] == "random draw" for path in manifest["paths"])
    assert sum(path["weight"] for path in manifest["paths"]) == pytest.approx(1.0)
    assert all("probability" not in path for path in manifest["paths"])
    assert "draw-1: draw 1 (random draw, weight 0.333333: P" in summary
    # More draws by number than representative draws: 21 was refused (1..20).
    gridexport.check_request(None, None, None, 50, draw_numbers=tuple(range(21)))


def test_utc_calendar_writes_whole_utc_years_labelled_in_utc(
    small_scenario_text, scenario_file, tmp_path
):
    """renewables.ninja and atlite profiles are in UTC; PyPSA snapshots were standard time
    only (Korea: UTC+9), so a modeller shifted them by hand. ``--calendar utc`` cuts the period
    at UTC midnights and labels the snapshots in UTC: the same draw's hours as the standard
    export, nine hours on (00:00Z is 09:00 KST), the year a whole 8,760 UTC hours (its last
    nine a local day past the period), and meta.json and export.json say so. West of
    Greenwich the UTC year starts a local day early (New York: 19:00 EST on 31 December)."""
    scenario = str(scenario_file(small_scenario_text))
    common = ["export-grid", scenario, "--format", "pypsa", "--draw", "2", "--sample", "3",
              "--weather", "typical", "--quiet", "--start", "2025-01-01",
              "--end", "2025-12-31"]  # fmt: skip
    for calendar in ("standard", "utc"):
        assert main([*common, "--calendar", calendar, "--out", str(tmp_path / calendar)]) == 0
    _, standard = _read_pypsa(tmp_path / "standard" / "draw-2")
    _, utc = _read_pypsa(tmp_path / "utc" / "draw-2")
    assert len(utc) == 8760 and utc.index[[0, -1]].tolist() == [
        pd.Timestamp("2025-01-01 00:00"), pd.Timestamp("2025-12-31 23:00")
    ]  # fmt: skip
    np.testing.assert_array_equal(utc.to_numpy()[:-9], standard.to_numpy()[9:])
    assert not np.array_equal(utc.to_numpy()[-9:], standard.to_numpy()[:9])
    snapshots = pd.read_csv(tmp_path / "utc" / "draw-2" / "snapshots.csv", index_col=0)
    assert (pd.to_datetime(snapshots["snapshot"]) == utc.index).all()
    meta = json.loads((tmp_path / "utc" / "draw-2" / "meta.json").read_text())
    assert meta["calendar"] == "utc"
    assert meta["time"] == {"snapshots": "hour starts in UTC", "utc_offset": "+00:00",
                            "timezone": "Asia/Seoul"}  # fmt: skip
    manifest = json.loads((tmp_path / "utc" / "export.json").read_text())
    assert manifest["time"].startswith("hour starts in UTC (--calendar utc")
    assert manifest["partial_years"] == {}
    energy = sum(manifest["paths"][0]["annual_energy_twh"]["2025"].values())
    assert energy == pytest.approx(utc.to_numpy().sum() * 1e-6, rel=1e-12)
    out = tmp_path / "ny"
    assert main(["export-grid", "us-lbnl-2024", "--format", "wide-csv", "--draw", "0",
                 "--sample", "2", "--no-baseline", "--quiet", "--calendar", "utc",
                 "--start", "2027-01-01", "--end", "2027-12-31",
                 "--out", str(out)]) == 0  # fmt: skip
    wide = pd.read_csv(out / "draw-0.csv")
    assert len(wide) == 8760 and (wide["year"] == 2027).all()
    assert wide[["standard_time", "utc"]].iloc[0].tolist() == ["2026-12-31 19:00",
                                                               "2027-01-01T00:00Z"]  # fmt: skip
    assert wide["utc"].iloc[-1] == "2027-12-31T23:00Z"


def test_netcdf_holds_every_path_in_one_dataset(small_scenario_text, scenario_file, tmp_path):
    """``--format netcdf`` was refused, and wide-parquet wrote a file per path: a user of
    xarray wants one cube. export.nc holds ``load_mw(path, snapshot, load)`` [MW], the values
    of the wide-CSV export of the same draws, with each load's bus and carrier, each path's
    draw, weight and weather year, UTC and standard-time coordinates, and export.json's
    content as attributes (JSON text where nested)."""
    import xarray as xr

    scenario = str(scenario_file(small_scenario_text))
    common = ["export-grid", scenario, "--random", "2", "--sample", "3", "--quiet",
              "--start", "2025-07-01", "--end", "2025-07-31"]  # fmt: skip
    for file_format in ("netcdf", "wide-csv"):
        assert main([*common, "--format", file_format, "--out", str(tmp_path / file_format)]) == 0
    assert sorted(p.name for p in (tmp_path / "netcdf").iterdir()) == ["export.json", "export.nc"]
    manifest = json.loads((tmp_path / "netcdf" / "export.json").read_text())
    assert list(manifest["files"]) == ["export.nc"]
    with xr.open_dataset(tmp_path / "netcdf" / "export.nc") as cube:
        load = cube["load_mw"]
        assert load.dims == ("path", "snapshot", "load") and load.attrs["units"] == "MW"
        assert cube["path"].values.tolist() == ["draw-0", "draw-1"]
        assert cube["load"].values.tolist() == ["baseline", "ai_dc_capital", "ai_dc_non_capital"]
        assert cube["bus"].values.tolist() == ["KR", "capital", "non_capital"]
        assert cube["carrier"].values.tolist() == ["baseline", "ai_data_centre", "ai_data_centre"]
        assert cube["weight"].values.tolist() == [0.5, 0.5]
        assert cube["draw"].values.tolist() == [0, 1]
        assert cube["weather_year"].values.tolist() == [
            path["weather_year"] for path in manifest["paths"]
        ]
        assert "percentile_level" not in cube.coords  # random draws have no level
        # CF: the snapshots are UTC instants with an hour's bounds (they were the standard-time
        # labels, which a CF reader took as UTC); standard_time keeps the labels.
        assert cube["snapshot"].values[0] == np.datetime64("2025-06-30T15:00")
        assert (cube["snapshot"] == cube["utc"]).all()
        assert cube["standard_time"].values[0] == np.datetime64("2025-07-01T00:00")
        assert (cube["standard_time"] - cube["utc"] == np.timedelta64(9, "h")).all()
        bounds = cube["snapshot_bnds"]
        assert ((bounds[:, 1] - bounds[:, 0]) == np.timedelta64(1, "h")).all()
        assert cube.attrs["Conventions"] == "CF-1.8" and cube["snapshot"].attrs["axis"] == "T"
        assert cube["load_mw"].attrs["long_name"].startswith("mean load over the hour")
        assert cube["load_mw"].attrs["cell_methods"] == "snapshot: mean"
        for index, label in enumerate(cube["path"].values):
            wide = pd.read_csv(tmp_path / "wide-csv" / f"{label}.csv")
            columns = [f"{name}_mw" for name in cube["load"].values]
            np.testing.assert_array_equal(load.values[index], wide[columns].to_numpy())
        attrs = dict(cube.attrs)
    assert attrs["format"] == "netcdf" and attrs["scenario_id"] == "small"
    assert json.loads(attrs["paths"]) == manifest["paths"]
    assert json.loads(attrs["loads"]) == manifest["loads"]
    assert attrs["calendar"] == "standard" and attrs["command"] == manifest["command"]


def test_years_are_investment_periods_of_the_same_draws(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """A multi-year PyPSA export was one flat snapshot index: ``n.set_investment_periods([2030,
    2035])`` then repeated every hour of every year in each period, and a one-year export per
    year picked a different draw for each. ``--years 2025,2027`` exports those years alone, of
    the same draws (ranked on those years; the rows are those of the whole period's export of
    the draw), as investment periods: snapshots.csv with period and timestep, and
    investment_periods.csv with each period's years (PyPSA 1.4.0 imports the folder with
    ``n.investment_periods == [2025, 2027]``, checked by hand). Bad years are one line."""
    scenario = str(scenario_file(small_scenario_text))
    common = ["export-grid", scenario, "--sample", "4", "--weather", "typical", "--quiet"]
    out = tmp_path / "periods"
    assert main([*common, "--format", "pypsa", "--draws", "2", "--years", "2025,2027",
                 "--out", str(out)]) == 0  # fmt: skip
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["exported_years"] == [2025, 2027]
    for path in manifest["paths"]:
        assert set(path["percentiles_by_year"]["total_energy_twh"]) == {"2025", "2027"}
        assert set(path["annual_energy_twh"]) == {"2025", "2027"}
    path = manifest["paths"][0]
    folder = out / path["label"]
    periods = pd.read_csv(folder / "investment_periods.csv")
    assert periods.to_dict("list") == {"period": [2025, 2027], "objective": [2.0, 2.0],
                                       "years": [2, 2]}  # fmt: skip
    snapshots = pd.read_csv(folder / "snapshots.csv", index_col=0)
    assert list(snapshots.columns) == ["period", "timestep", "objective", "stores", "generators"]
    timestep = pd.to_datetime(snapshots["timestep"])
    assert (snapshots["period"] == timestep.dt.year).all() and len(snapshots) == 2 * 8760
    assert f"{path['label']}/investment_periods.csv" in manifest["files"]
    _, p_set = _read_pypsa(folder)
    whole = tmp_path / "whole"
    assert main([*common, "--format", "wide-csv", "--draw", str(path["draw"]), "--start",
                 "2025-01-01", "--end", "2027-12-31", "--out", str(whole)]) == 0  # fmt: skip
    wide = pd.read_csv(whole / f"draw-{path['draw']}.csv")
    wide = wide[wide["year"].isin([2025, 2027])]
    np.testing.assert_array_equal(
        p_set.to_numpy(), wide[[f"{name}_mw" for name in p_set.columns]].to_numpy()
    )
    capsys.readouterr()
    cases = [
        (["--years", "2027,2025"], "--years = '2027,2025': allowed: years, each once, in"),
        (["--years", "2025,x"], "--years = 'x': allowed: a year"),
        (
            ["--years", "2025", "--end", "2025-12-31"],
            "--years = '2025': the period is those years; allowed: --years without --start or "
            "--end",
        ),
        (["--years", "2025,2060"], "--years = '2025,2060': allowed: years spanning at most 30"),
    ]
    for extra, message in cases:
        assert main([*common, *extra, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_each_load_names_its_metering_basis_and_the_shares_their_formula(small_scenario_text):
    """The baseline is the grid's demand as generated (KPX generation-end: network losses
    included) and the data-centre loads are at the facility's meter, but no description said
    so; and ``--baseline-shares capital=0.4`` read as "0.4 of the grid's demand less the
    capital's non-AI load", where it is 0.4 x (the grid's demand less the non-AI load it holds
    in every region), each region's non-AI load then added on its own bus. Each description
    now states its basis, and the split columns their formula."""
    import tomllib

    from forecast.scenario import parse_scenario

    data = tomllib.loads(small_scenario_text)
    data["non_ai_loads"] = [
        {"name": "capital halls", "kind": "other", "energy_twh": 2.0, "region": "capital",
         "in_baseline": True},
        {"name": "south halls", "kind": "other", "energy_twh": 1.0, "region": "non_capital",
         "in_baseline": True},
    ]  # fmt: skip
    scenario = parse_scenario(data, origin="two regions")
    options = ProjectionOptions(draws=4, start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31),
                                weather="typical")  # fmt: skip
    shares = {"capital": 0.4, "non_capital": 0.6}
    paths = gridexport.grid_paths(scenario, options, draws=1, baseline_shares=shares)
    described = {load.name: load.description for load in paths.loads}
    generation_end = (
        "metering basis: KPX market demand, generation-end (excludes behind-the-meter solar "
        "and PPA supply, unlike the Basic Plan's peak basis): demand as generated, network "
        "losses included"
    )
    facility = (
        "metering basis: at the data centre's meter (IT x PUE): no network losses between "
        "the facility and the point where the grid's demand is metered"
    )
    assert described["baseline_capital"].startswith(
        "0.4 x (the baseline model's grid demand - the non-AI data-centre load of every "
        "region that demand already holds, in_baseline), every hour"
    )
    assert (
        "the region's non-AI data-centre load is a column of its own, outside the share"
        in described["baseline_capital"]
    )
    for name, text in described.items():
        assert text.endswith(generation_end if name.startswith("baseline") else facility), name
    assert set(described) == {"baseline_capital", "baseline_non_capital", "non_ai_dc_capital",
                              "non_ai_dc_non_capital", "ai_dc_capital",
                              "ai_dc_non_capital"}  # fmt: skip
    assert paths.baseline["metering_basis"] == generation_end.removeprefix("metering basis: ")
    assert gridexport.BASELINE_SHARE_FORMULA in paths.baseline["column"]
    # the formula as stated: the split columns are the shares of the unsplit baseline column,
    # which with every non-AI load held is the grid's demand less all of it
    whole = gridexport.grid_paths(scenario, options, draws=1)
    position = [load.name for load in whole.loads].index("baseline")
    for region, share in shares.items():
        column = [load.name for load in paths.loads].index(f"baseline_{region}")
        np.testing.assert_allclose(
            paths.load_mw[column], share * whole.load_mw[position], rtol=1e-12
        )


def _two_regions_with_non_ai_load(small_scenario_text):
    """The small scenario with non-AI load in both regions, one of them held by the baseline."""
    import tomllib

    from forecast.scenario import parse_scenario

    data = tomllib.loads(small_scenario_text)
    data["non_ai_loads"] = [
        {"name": "capital halls", "kind": "other", "energy_twh": 2.0, "region": "capital",
         "in_baseline": True},
        {"name": "south halls", "kind": "other", "energy_twh": 0.7, "region": "non_capital"},
    ]  # fmt: skip
    return parse_scenario(data, origin="two regions")


def test_quantile_paths_and_draws_write_the_same_buses(small_scenario_text, tmp_path):
    """Without a baseline, draws split the non-AI load over the regions' buses and quantile
    paths put it in one column on the country's: the draws' buses.csv had no KR bus, so a
    modeller's bus mapping (and ``--bus KR=IE``) held for one kind of path and not the other.
    Both list the country's bus and every region now, a bus without load listed all the same."""
    scenario = _two_regions_with_non_ai_load(small_scenario_text)
    options = ProjectionOptions(
        draws=6, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), weather="typical",
        include_baseline=False,
    )  # fmt: skip
    buses = {}
    for kind, choice in (("draws", {"draws": 1}), ("quantile", {"quantiles": (0.5,)})):
        paths = gridexport.grid_paths(scenario, options, buses={"KR": "IE"}, **choice)
        out = tmp_path / kind
        gridexport.write(paths, out, "pypsa")
        folder = out / paths.labels[0]
        buses[kind] = pd.read_csv(folder / "buses.csv")["name"].tolist()
        assert json.loads((out / "export.json").read_text())["buses"] == buses[kind]
        on_buses = set(pd.read_csv(folder / "loads.csv")["bus"])
        assert on_buses <= set(buses[kind])
    assert buses["draws"] == buses["quantile"] == ["IE", "capital", "non_capital"]


def test_years_project_the_years_named_alone(small_scenario_text, scenario_file):
    """``--years 2030,2040`` projected every year from 2030 to 2040 (eleven, 96,432 hours a
    pass) to write two. Each year named is projected on its own now: the passes count two
    years' hours, and 2040's rows are those of an export of 2040 alone (the draws are keyed
    by year)."""
    from forecast.scenario import read_scenario_file

    text = small_scenario_text.replace("end = 2026-12-31", "end = 2045-12-31")
    scenario = read_scenario_file(scenario_file(text))
    options = ProjectionOptions(draws=4, weather="typical")
    totals: set[int] = set()
    paths = gridexport.grid_paths(
        scenario, options, draw_numbers=(0, 3), years=(2030, 2040),
        progress=lambda done, total: totals.add(total),
    )  # fmt: skip
    assert totals == {2 * (8760 + 8784)}  # two passes over two years
    assert sorted(set(paths.year.tolist())) == [2030, 2040]
    alone = gridexport.grid_paths(scenario, options, draw_numbers=(0, 3), years=(2040,))
    np.testing.assert_array_equal(paths.load_mw[:, :, paths.year == 2040], alone.load_mw)
    assert paths.dataset.attrs["period_start"] == "2030-01-01"
    assert paths.dataset.attrs["period_end"] == "2040-12-31"


def test_local_calendar_years_are_whole_years_of_the_whole_horizons_export(scenario_file, tmp_path):
    """Sydney keeps daylight saving at the new year, so a year's last standard-time hour (23:00
    AEST on 31 December, the rows' label) is the next local year's first (00:00 AEDT on 1
    January). ``--calendar local --years 2028`` projected local 2028 alone: its first hour,
    labelled 2027, was dropped as not of 2028, and 2028's last hour was never projected, so
    the (leap) year held 8,783 rows, ending at 22:00. Now each year named has every hour the
    export of the whole horizon gives it (8,784), first and last, with the same values; only
    a local day is projected past it, not the next year."""
    from forecast.paths import scenarios_dir

    text = (scenarios_dir() / "au-nsw-ai-dc.toml").read_text(encoding="utf-8")
    horizon = "start = 2026-01-01\nend = 2035-12-31"
    assert horizon in text
    scenario = scenario_file(
        text.replace(horizon, "start = 2027-01-01\nend = 2029-12-31"), "au-nsw-ai-dc"
    )
    common = ["export-grid", str(scenario), "--format", "wide-csv", "--draw", "1", "--sample",
              "4", "--weather", "typical", "--quiet", "--calendar", "local"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "whole")]) == 0
    assert main([*common, "--years", "2028", "--out", str(tmp_path / "year")]) == 0
    whole = pd.read_csv(tmp_path / "whole" / "draw-1.csv")
    year = pd.read_csv(tmp_path / "year" / "draw-1.csv")
    assert len(year) == 8784 and (year["year"] == 2028).all()
    assert year["standard_time"].iloc[[0, -1]].tolist() == ["2028-01-01 00:00",
                                                            "2028-12-31 23:00"]  # fmt: skip
    hours = pd.to_datetime(year["standard_time"])
    assert (hours.diff().iloc[1:] == pd.Timedelta(hours=1)).all()
    pd.testing.assert_frame_equal(year, whole[whole["year"] == 2028].reset_index(drop=True))
    manifest = json.loads((tmp_path / "year" / "export.json").read_text())
    assert manifest["partial_years"] == {}
    assert manifest["days"].startswith("years named with --calendar local: a year's rows are")
    loaded = load_scenario("au-nsw-ai-dc")
    options = ProjectionOptions(draws=4).validated(loaded)
    # one local day past the year named; none past the last day a projection runs
    assert gridexport.projected_periods(loaded, options, "local", (2030, 2031)) == [
        (dt.date(2030, 1, 1), dt.date(2031, 1, 1)), (dt.date(2031, 1, 1), dt.date(2032, 1, 1))
    ]  # fmt: skip
    assert gridexport.projected_periods(loaded, options, "local", (2100,)) == [
        (dt.date(2100, 1, 1), dt.date(2100, 12, 31))
    ]


def test_an_export_leaves_the_process_warning_filters_alone(small_scenario_text, scenario_file):
    """The export hid its own horizon notes with ``warnings.catch_warnings()``, which swaps the
    process's filter list and puts the old one back on leaving: a filter another thread (a
    service request) set meanwhile was lost. A filter set by another thread while the export
    runs is still there after it now."""
    import threading
    import warnings

    from forecast.scenario import read_scenario_file

    scenario = read_scenario_file(scenario_file(small_scenario_text))
    options = ProjectionOptions(draws=4, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                weather="typical")  # fmt: skip
    message = "a filter set by another thread while an export runs"

    def set_filter() -> None:
        warnings.filterwarnings("ignore", message=message)

    started = []

    def progress(done: int, total: int) -> None:
        if not started:  # once, while the export projects
            started.append(done)
            thread = threading.Thread(target=set_filter)
            thread.start()
            thread.join()

    gridexport.grid_paths(scenario, options, quantiles=(0.5,), progress=progress)
    assert started
    assert any(entry[1] is not None and entry[1].pattern == message
               for entry in warnings.filters), "the other thread's filter was lost"  # fmt: skip


def test_a_weather_year_runs_every_draw_on_that_years_weather(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """``--weather-year 2018`` ("2018 weather", a planning convention) gives every draw the
    observed weather year 2018 of the scenario's location, each draw keeping its other inputs:
    a draw that drew 2018 has the same rows as without the option, the others change; the
    manifest records it (``weather_years`` lists it alone). A year that is not observed, or
    weather that is not historical, is one line."""
    scenario = str(scenario_file(small_scenario_text))
    common = ["export-grid", scenario, "--sample", "6", "--random", "6", "--weather",
              "historical", "--format", "wide-csv", "--quiet", "--start", "2025-01-01",
              "--end", "2025-12-31"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "drawn")]) == 0
    drawn = json.loads((tmp_path / "drawn" / "export.json").read_text())
    year_of = {path["draw"]: path["weather_year"] for path in drawn["paths"]}
    assert "weather_year" not in drawn
    year = year_of[0]
    assert main([*common, "--weather-year", year, "--out", str(tmp_path / "fixed")]) == 0
    fixed = json.loads((tmp_path / "fixed" / "export.json").read_text())
    assert fixed["weather_year"] == int(year)
    # The years the paths ran on: that one, the ensemble it was chosen from named beside it.
    assert fixed["weather_years"] == year
    assert fixed["weather_ensemble_years"] == drawn["weather_years"]
    assert len(drawn["weather_years"].split(",")) > 1 and "weather_ensemble_years" not in drawn
    assert fixed["weather"].endswith(f"every draw on weather year {year} (--weather-year)")
    assert {path["weather_year"] for path in fixed["paths"]} == {year}
    assert "--weather-year" in fixed["command"]
    for draw, own in year_of.items():
        before = (tmp_path / "drawn" / f"draw-{draw}.csv").read_bytes()
        after = (tmp_path / "fixed" / f"draw-{draw}.csv").read_bytes()
        assert (before == after) == (own == year), (draw, own)
    assert any(own != year for own in year_of.values())
    capsys.readouterr()
    cases = [
        (["--weather-year", "1990"],
         "--weather-year = 1990: allowed: a year 2013..2024 (the observed weather years of seoul)"),
        (["--weather-year", "2018", "--weather", "typical"],
         "--weather-year = 2018: a weather year is one of the observed years of historical "
         "weather, and this projection runs on typical weather"),
        (["--weather-year", "x"], "error: --weather-year = 'x': allowed: a year"),
    ]  # fmt: skip
    for extra, message in cases:
        assert main([*common, *extra, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "x").exists()


def _nsw_with_non_ai_loads():
    """au-nsw-ai-dc (Sydney's daylight saving spans the new year) with a non-AI load in each
    region, greater Sydney's growing from 1 TWh a year in mid-2030 to 5 in mid-2031, so that
    each local year, and each day, splits the non-AI load between the regions differently."""
    import tomllib

    from forecast.paths import scenarios_dir
    from forecast.scenario import parse_scenario

    data = tomllib.loads((scenarios_dir() / "au-nsw-ai-dc.toml").read_text(encoding="utf-8"))
    data["non_ai_loads"] = [
        {"name": "sydney halls", "kind": "other", "region": "greater_sydney",
         "energy_twh": [{"date": dt.date(2030, 7, 1), "value": 1.0},
                        {"date": dt.date(2031, 7, 1), "value": 5.0}]},
        {"name": "regional halls", "kind": "other", "region": "regional_nsw", "energy_twh": 1.0},
    ]  # fmt: skip
    return parse_scenario(data, origin="au-nsw-ai-dc with non-AI loads")


@pytest.mark.parametrize("years", [None, (2030, 2032)])
def test_an_hour_past_the_period_takes_its_own_days_regional_shares(years):
    """In standard time NSW's year 2030 ends at 23:00 AEST on 31 December, 00:00 AEDT on 1
    January 2031 local: the hourly pass projects that local day too, but the hour's non-AI
    load was split between the regions by the shares of local 2030, 0.59 (with ``--years
    2030,2032``, of 2032, the next year named: 0.83), where the day's own are 0.75. Each hour
    now takes the shares of its own local year as the hourly pass projects it: the day's, for
    the hour past the period (as a projection of that day alone gives them), the year's for
    every other hour."""
    scenario = _nsw_with_non_ai_loads()
    options = ProjectionOptions(draws=4, start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31),
                                weather="typical", include_baseline=False)  # fmt: skip
    paths = gridexport.grid_paths(scenario, options, draw_numbers=(1,), years=years)
    names = [load.name for load in paths.loads]
    sydney = paths.load_mw[names.index("non_ai_dc_greater_sydney"), 0]
    regional = paths.load_mw[names.index("non_ai_dc_regional_nsw"), 0]
    share = sydney / (sydney + regional)
    local = paths.utc.tz_convert("Australia/Sydney")

    def day_share(day: dt.date, end: dt.date | None = None) -> float:
        """Greater Sydney's share of draw 1's non-AI energy in a projection of these days."""
        period = {"start": day, "end": end or day, "resolution": "annual", "per_draw": True}
        alone = project(scenario, dataclasses.replace(options, **period))
        energy = alone["non_ai_energy_twh_by_region_per_draw"].sel(draw=1).to_numpy()[:, 0]
        return float(energy[0] / energy.sum())

    past = local.year != paths.year  # the hours of a local year after the standard year's
    assert list(local[past].strftime("%Y-%m-%d %H:%M")) == (
        ["2031-01-01 00:00"] if years is None else ["2031-01-01 00:00", "2033-01-01 00:00"]
    )
    assert share[past][0] == pytest.approx(day_share(dt.date(2031, 1, 1)), rel=1e-12)
    if years is not None:
        assert share[past][1] == pytest.approx(day_share(dt.date(2033, 1, 1)), rel=1e-12)
    for year in years or (2030,):
        within = ~past & (paths.year == year)
        expected = day_share(dt.date(year, 1, 1), dt.date(year, 12, 31))
        np.testing.assert_allclose(share[within], expected, rtol=1e-12)
