"""``forecast project --variables`` writes only the variables it names or matches, in every
format, and refuses one it cannot give in one line, exit status 2; ``forecast variables``
lists the names (report-proc L13: the quick start's kr-national CSV ran to 71,073 rows, 57,309
of them the sites', with no way to ask for fewer)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import xarray as xr

from forecast.cli import main
from tests.conftest import SMALL_SCENARIO

OPTIONS = ["--draws", "4", "--no-baseline", "--resolution", "annual", "--weather", "typical",
           "--quiet"]  # fmt: skip


def test_the_csv_holds_only_the_variables_selected(scenario_file, tmp_path):
    scenario = str(scenario_file(SMALL_SCENARIO))
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    assert main(["project", scenario, *OPTIONS, "--out", str(whole)]) == 0
    status = main(["project", scenario, *OPTIONS, "--variables", "ai_energy_twh,site_energy*",
                   "--out", str(part)])  # fmt: skip
    assert status == 0
    rows = pd.read_csv(part)
    assert set(rows["variable"]) == {"ai_energy_twh", "site_energy_twh", "site_energy_twh_mean"}
    everything = pd.read_csv(whole, low_memory=False)
    kept = everything[everything["variable"].isin(set(rows["variable"]))].reset_index(drop=True)
    assert kept["value"].tolist() == rows["value"].tolist()
    sidecar = json.loads((tmp_path / "part.csv.meta.json").read_text())
    assert sidecar["attrs"]["variables_selected"] == "ai_energy_twh,site_energy*"
    # Without --variables, every variable (the default output is complete).
    assert "site_grid_connected_mw" in set(everything["variable"])
    assert (
        "variables_selected"
        not in json.loads((tmp_path / "whole.csv.meta.json").read_text())["attrs"]
    )


@pytest.mark.parametrize("suffix", [".parquet", ".nc"])
def test_parquet_and_netcdf_are_selected_too(scenario_file, tmp_path, suffix):
    out = tmp_path / f"part{suffix}"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), *OPTIONS, "--variables",
                   "ai_peak_gw", "--out", str(out)])  # fmt: skip
    assert status == 0
    if suffix == ".parquet":
        assert set(pd.read_parquet(out)["variable"]) == {"ai_peak_gw"}
    else:
        with xr.open_dataset(out) as dataset:
            assert "ai_peak_gw" in dataset and "ai_energy_twh" not in dataset
            assert "site_mean_mw" not in dataset


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ("ai_enrgy_twh", "error: --variables = 'ai_enrgy_twh': no such output variable (did you "
                         "mean ai_energy_twh"),
        ("grid_*_gw", "error: --variables = 'grid_*_gw': the pattern matches no output variable"),
        (" , ", "error: --variables = ' , ': no variable named"),
        # Known, but a projection without a baseline has none: named before the run.
        ("ai_energy_twh,baseline_mw", "error: --variables = 'baseline_mw': a baseline_* or "
                                      "total_* variable needs a baseline"),
    ],
)  # fmt: skip
def test_a_variable_it_cannot_give_is_refused_in_one_line(
    scenario_file, tmp_path, capsys, variables, message
):
    out = tmp_path / "p.csv"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), *OPTIONS, "--variables",
                   variables, "--out", str(out)])  # fmt: skip
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith(message), error
    assert "forecast variables" in error[-1] or "allowed here:" in error[-1]
    assert not out.exists()


def test_forecast_variables_lists_the_names_with_their_units(capsys):
    assert main(["variables", "site_*"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "site_energy_twh\tload_site, year, quantile\tTWh" in "\n".join(lines)
    assert all(line.startswith("site_") for line in lines[:-1])
    assert main(["variables", "nothing_*"]) == 2


def test_the_sampled_inputs_per_draw_are_listed_and_selectable(scenario_file, tmp_path, capsys):
    """``--per-draw`` writes every draw's sampled inputs (``input_*_per_draw``, units K, 1/K,
    year...): ``forecast variables`` lists them and ``--variables`` takes them, by name or by a
    pattern naming an owner (a data engineer's ``--variables input_pue_per_draw`` was refused
    as no output variable, report-interop 9)."""
    assert main(["variables", "input_*"]) == 0
    listed = capsys.readouterr().out
    assert "input_pue_per_draw\tdraw\t1\t" in listed
    assert "input_lifetime_years_per_draw\tdraw\tyear\t" in listed
    assert "input_grid_limit_mw_<region>_per_draw\tdraw\tMW\t" in listed
    out = tmp_path / "inputs.csv"
    chosen = "input_pue_per_draw,input_site_built_*"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), *OPTIONS, "--per-draw",
                   "--variables", chosen, "--out", str(out)])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    rows = pd.read_csv(out, dtype={"unit": str})
    names = set(rows["variable"])
    assert "input_pue_per_draw" in names
    assert names - {"input_pue_per_draw"}
    assert all(name.startswith("input_site_built_") for name in names - {"input_pue_per_draw"})
    assert set(rows.loc[rows["variable"] == "input_pue_per_draw", "unit"]) == {"1"}


def _two_scenarios(scenario_file) -> list[str]:
    """The small scenario and a copy under another id with a higher PUE."""
    other = SMALL_SCENARIO.replace('id = "small"', 'id = "warm"').replace(
        "low = 1.2, high = 1.4", "low = 1.4, high = 1.6"
    )
    return [str(scenario_file(SMALL_SCENARIO)), str(scenario_file(other, "warm"))]


def test_compare_writes_only_the_variables_selected_differences_too(scenario_file, tmp_path):
    """`forecast compare` wrote every variable of every scenario (a --variables was 'No such
    option'); its differences are output variables too (`forecast variables '*_difference'`)."""
    out = tmp_path / "cmp.csv"
    status = main(["compare", *_two_scenarios(scenario_file), *OPTIONS, "--no-duration-curves",
                   "--variables", "ai_energy_twh,ai_energy_twh_difference", "--out",
                   str(out)])  # fmt: skip
    assert status == 0
    rows = pd.read_csv(out)
    assert set(rows["variable"]) == {"ai_energy_twh", "ai_energy_twh_difference"}
    assert set(rows["scenario"]) == {"small", "warm"}
    assert (rows.loc[rows["variable"] == "ai_energy_twh_difference", "value"] > 0).any()
    sidecar = json.loads((tmp_path / "cmp.csv.meta.json").read_text())
    assert sidecar["attrs"]["variables_selected"] == "ai_energy_twh,ai_energy_twh_difference"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ("ai_enrgy_twh", "error: --variables = 'ai_enrgy_twh': no such output variable (did you "
                         "mean ai_energy_twh"),
        ("baseline_mw", "error: --variables = 'baseline_mw': a baseline_* or total_* variable "
                        "needs a baseline"),
    ],
)  # fmt: skip
def test_compare_refuses_a_variable_it_cannot_give_in_one_line(
    scenario_file, tmp_path, capsys, variables, message
):
    out = tmp_path / "cmp.csv"
    status = main(["compare", *_two_scenarios(scenario_file), *OPTIONS, "--no-duration-curves",
                   "--variables", variables, "--out", str(out)])  # fmt: skip
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(message)
    assert not out.exists()


def test_sweep_writes_only_the_variables_selected(scenario_file, tmp_path, capsys):
    """`forecast sweep` wrote every variable of every variant; the variants run on a real
    one-worker Dask cluster. A misspelt name is refused before the cluster starts."""
    scenario = str(scenario_file(SMALL_SCENARIO))
    out = tmp_path / "sweep.nc"
    arguments = ["sweep", scenario, "--vary", "operations.pue=1.2,1.4", "--workers", "1",
                 *OPTIONS, "--out", str(out)]  # fmt: skip
    assert main([*arguments, "--variables", "ai_enrgy_twh"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: --variables = 'ai_enrgy_twh': no such output variable")
    assert main([*arguments, "--variables", "ai_energy_twh*,site_energy_twh"]) == 0
    with xr.open_dataset(out) as dataset:
        assert {"ai_energy_twh", "ai_energy_twh_mean", "site_energy_twh"} <= set(dataset)
        assert "ai_peak_gw" not in dataset and "site_mean_mw" not in dataset
        assert dataset.sizes["variant"] == 2
        assert dataset.attrs["variables_selected"] == "ai_energy_twh*,site_energy_twh"


def test_export_grid_refuses_variables_saying_what_it_writes(capsys):
    """An export's files are load columns by bus, not output variables: --variables is refused
    in one line that says so and where variables are written (it was click's 'No such
    option')."""
    status = main(["export-grid", "kr-national", "--variables", "ai_facility_mw"])
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1
    assert error[0].startswith("error: --variables = 'ai_facility_mw': not taken by export-grid")
    assert "forecast project --variables" in error[0]
