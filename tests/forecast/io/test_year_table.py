"""``--summary``: every per-year figure as one row per year, the table a spreadsheet reads (a
ministry planner had only the screen's summary and a long table to pivot)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.io.export import read_table_metadata, year_table
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

OPTIONS = ProjectionOptions(
    draws=40,
    seed=3,
    start=dt.date(2025, 1, 1),
    end=dt.date(2026, 12, 31),
    resolution="annual",
    weather="typical",
)


@pytest.fixture(scope="module")
def projection():
    import tomllib

    return project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), OPTIONS)


def test_a_row_per_year_and_a_column_per_figure_quantile_and_unit(projection):
    table = year_table(projection)
    assert table["year"].tolist() == [2025, 2026]
    np.testing.assert_array_equal(
        table["ai_energy_twh P50 [TWh]"], projection["ai_energy_twh"].sel(quantile=0.5)
    )
    np.testing.assert_array_equal(
        table["total_peak_gw P90 [GW]"], projection["total_peak_gw"].sel(quantile=0.9)
    )
    np.testing.assert_array_equal(
        table["ai_energy_twh mean [TWh]"], projection["ai_energy_twh_mean"]
    )
    # A region's figure has the region in its name; energies come first, then peaks.
    region = str(projection["region"][0].item())
    assert f"ai_energy_twh_by_region {region} P50 [TWh]" in table
    assert table.columns[1] == "ai_energy_twh P5 [TWh]"
    assert list(table.columns).index("ai_peak_gw P50 [GW]") > list(table.columns).index(
        "total_energy_twh P50 [TWh]"
    )
    # Only per-year figures: no hourly load, no site table.
    assert not [c for c in table.columns if c.startswith(("ai_facility_mw ", "site_"))]


def test_a_comparison_has_a_row_per_scenario_and_year_with_the_differences(projection):
    import tomllib

    data = tomllib.loads(SMALL_SCENARIO)
    first = parse_scenario(data, origin="small")
    second = parse_scenario({**data, "id": "small-again"}, origin="small-again")
    dataset = comparisons.compare([first, second], OPTIONS)
    table = year_table(dataset)
    assert table[["scenario", "year"]].values.tolist()[:4] == [
        ["small", 2025],
        ["small", 2026],
        ["small-again", 2025],
        ["small-again", 2026],
    ]
    # Identical scenarios with common random numbers differ by exactly zero.
    assert (table["ai_energy_twh_difference P50 [TWh]"] == 0).all()


def test_the_command_writes_it_beside_its_output_and_refuses_another_suffix(
    scenario_file, tmp_path, capsys
):
    path = scenario_file(SMALL_SCENARIO)
    years = tmp_path / "years.csv"
    arguments = ["project", str(path), "--draws", "20", "--resolution", "annual", "--weather",
                 "typical", "--start", "2025-01-01", "--end", "2026-12-31", "--quiet",
                 "--out", str(tmp_path / "p.csv")]  # fmt: skip
    assert main([*arguments, "--summary", str(years)]) == 0
    table = pd.read_csv(years)
    assert table["year"].tolist() == [2025, 2026]
    assert read_table_metadata(years)["attrs"]["scenario_id"] == "small"
    assert capsys.readouterr().out == ""  # --quiet: nothing on stdout, the table written
    assert main([*arguments, "--summary", str(tmp_path / "years.xlsx")]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"error: --summary = '{tmp_path / 'years.xlsx'}': allowed: a .csv file name"


def test_the_grid_and_hosting_figures_are_there_at_each_years_end():
    """A Jeollanam-do planner's first question, requested, connected and delayed MW by region,
    was not in the table (monthly variables were skipped) though the README named a column of
    it: each year's December value is, "end of year" in the column's name, as is a
    comparison's draw-by-draw difference of it."""
    import tomllib

    data = tomllib.loads(SMALL_SCENARIO)
    data["grid"] = {"capital": {"limit_mw": 3.0}}
    data["sites"][0] |= {"build_probability": 1.0, "delay_months": 0.0}
    scenario = parse_scenario(data, origin="small")
    dataset = project(scenario, OPTIONS)
    table = year_table(dataset)
    december = dataset["grid_delayed_mw_by_region"].sel(
        region="capital", quantile=0.5, month=["2025-12-01", "2026-12-01"]
    )
    np.testing.assert_array_equal(
        table["grid_delayed_mw_by_region capital end of year P50 [MW]"], december
    )
    assert december.max() > 0  # the limit holds the sites back: not a column of zeros
    for name in ("requested", "connected", "stranded", "limit"):
        assert f"grid_{name}_mw_by_region capital end of year mean [MW]" in table
    for name in ("waiting_accelerators", "waiting_nameplate_mw"):
        assert f"{name}_by_region non_capital end of year P90 [{dataset[name].units}]" in table
    # The README's example column.
    assert "grid_delayed_mw_by_region capital end of year mean [MW]" in table

    moved = parse_scenario({**data, "id": "moved", "grid": {"capital": {"limit_mw": 30.0}}},
                           origin="moved")  # fmt: skip
    compared = year_table(comparisons.compare([scenario, moved], OPTIONS))
    difference = compared.set_index(["scenario", "year"])[
        "grid_delayed_mw_by_region_difference capital end of year mean [MW]"
    ]
    assert (difference.loc["small"] == 0).all() and (difference.loc["moved"] < 0).any()
