"""``--weather-year`` on the commands a planner projects with (project, compare, sweep, plot,
report): a design weather year ("2018 weather") runs every draw on that observed year of the
scenario's location, is recorded in the file's attributes and named in the printed header, and a
year the location did not observe, weather that is not historical or a scenario without weather
is one line (status 2) before any work.

Only ``forecast export-grid --weather-year`` could fix the year before, so a planner's
``forecast project --weather-year 2018`` was refused as an unknown option."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr

from forecast.cli import main
from forecast.io.export import read_table_metadata
from tests.support.data import requires_shared_data

pytestmark = requires_shared_data

#: A year of Seoul's observed weather (2013..2024 in the shared data).
YEAR = 2018
COMMON = ["--draws", "12", "--resolution", "annual", "--weather", "historical", "--no-baseline",
          "--start", "2025-01-01", "--end", "2025-12-31"]  # fmt: skip


def _projected(scenario: str, out, *extra: str) -> xr.Dataset:
    assert main(["project", scenario, *COMMON, "--per-draw", "--out", str(out), "--quiet",
                 *extra]) == 0  # fmt: skip
    with xr.open_dataset(out) as dataset:
        return dataset.load()


def test_project_runs_every_draw_on_the_weather_year_and_records_it(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """Every draw of a 2018-weather run carries the year 2018; a draw that drew 2018 in the
    all-years run has the same AI energy (its PUE follows the same temperatures), the others
    change, each keeping its other inputs. The NetCDF's attributes and the CSV's sidecar say
    ``weather_year``, which an all-years run leaves out."""
    scenario = str(scenario_file(small_scenario_text))
    drawn = _projected(scenario, tmp_path / "drawn.nc")
    fixed = _projected(scenario, tmp_path / "fixed.nc", "--weather-year", str(YEAR))
    assert "weather_year" not in drawn.attrs
    assert int(fixed.attrs["weather_year"]) == YEAR
    # The years the draws ran on: the one year, not the ensemble it was chosen from (which
    # weather_ensemble_years still names: it set the PUE's annual line and the digest).
    ensemble = drawn.attrs["weather_years"]
    assert ensemble.split(",") == [str(year) for year in range(2013, 2025)]
    assert fixed.attrs["weather_years"] == str(YEAR)
    assert fixed.attrs["weather_ensemble_years"] == ensemble
    assert "weather_ensemble_years" not in drawn.attrs
    assert set(fixed["draw_weather_year"].to_numpy()) == {str(YEAR)}
    own = drawn["draw_weather_year"].to_numpy()
    assert (own != str(YEAR)).any(), own
    before = drawn["ai_energy_twh_per_draw"].sel(year=2025).to_numpy()
    after = fixed["ai_energy_twh_per_draw"].sel(year=2025).to_numpy()
    np.testing.assert_array_equal(before[own == str(YEAR)], after[own == str(YEAR)])
    assert (before[own != str(YEAR)] != after[own != str(YEAR)]).all(), (own, before, after)
    # The ensemble still sets the PUE's annual line and the weather's digest.
    assert fixed.attrs["weather_sha256"] == drawn.attrs["weather_sha256"]

    capsys.readouterr()
    csv = tmp_path / "fixed.csv"
    assert main(["project", scenario, *COMMON, "--weather-year", str(YEAR), "--out",
                 str(csv)]) == 0  # fmt: skip
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith(f"weather seoul: {YEAR} only, every draw (of 12 historical years)")
    attrs = read_table_metadata(csv)["attrs"]
    assert attrs["weather_year"] == YEAR
    assert str(attrs["weather_years"]) == str(YEAR)


NO_WEATHER = 'country = "KR"\nweather_location = "none"'


@pytest.mark.parametrize(
    ("extra", "text_change", "message"),
    [
        pytest.param(["--weather-year", "1990"], None,
                     "error: --weather-year = 1990: allowed: a year 2013..2024 (the observed "
                     "weather years of seoul)", id="not-observed"),
        pytest.param(["--weather-year", str(YEAR), "--weather", "typical"], None,
                     f"error: --weather-year = {YEAR}: a weather year is one of the observed "
                     "years of historical weather, and this projection runs on typical "
                     "weather", id="typical"),
        pytest.param(["--weather-year", "x"], None,
                     "error: --weather-year = 'x': allowed: a year", id="not-a-year"),
        pytest.param(["--weather-year", str(YEAR)], NO_WEATHER,
                     f"error: --weather-year = {YEAR}: scenario small states no temperature "
                     'response (weather_location = "none"): there is no weather year to '
                     "choose; leave it out", id="no-weather"),
    ],
)  # fmt: skip
def test_project_refuses_a_weather_year_it_cannot_run_on_in_one_line(
    extra, text_change, message, small_scenario_text, scenario_file, tmp_path, capsys
):
    text = small_scenario_text
    if text_change:
        text = text.replace('country = "KR"', text_change)
    out = tmp_path / "p.csv"
    code = main(["project", str(scenario_file(text)), *COMMON, "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def _south(small_scenario_text: str) -> str:
    return small_scenario_text.replace('id = "small"', 'id = "south"').replace(
        "region_shares = { capital = 0.75, non_capital = 0.25 }",
        "region_shares = { capital = 0.25, non_capital = 0.75 }",
    )


def test_compare_runs_every_scenario_on_the_weather_year(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """Each scenario's draws all carry 2018; the sidecar and the header line say so; a
    scenario among them without weather is refused in one line naming it, before any work."""
    files = [str(scenario_file(small_scenario_text)),
             str(scenario_file(_south(small_scenario_text), "south"))]  # fmt: skip
    options = [*COMMON, "--no-duration-curves", "--weather-year", str(YEAR)]
    out = tmp_path / "cmp.nc"
    assert main(["compare", *files, *options, "--per-draw", "--out", str(out)]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith(f"; weather {YEAR} only, every draw"), header
    with xr.open_dataset(out) as dataset:
        assert int(dataset.attrs["weather_year"]) == YEAR
        assert dataset.attrs["weather_years"] == str(YEAR)
        assert set(dataset["draw_weather_year"].to_numpy().ravel()) == {str(YEAR)}
    csv = tmp_path / "cmp.csv"
    assert main(["compare", *files, *options, "--out", str(csv), "--quiet"]) == 0
    attrs = read_table_metadata(csv)["attrs"]
    assert attrs["weather_year"] == YEAR
    assert str(attrs["weather_years"]) == str(YEAR)

    capsys.readouterr()
    none = _south(small_scenario_text).replace('country = "KR"', NO_WEATHER)
    files[1] = str(scenario_file(none, "south"))
    out = tmp_path / "refused.csv"
    assert main(["compare", *files, *options, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: --weather-year = {YEAR}: scenario south states no temperature" in err
    assert err.count("\n") == 1, err
    assert not out.exists()


def test_sweep_runs_its_variants_on_the_weather_year(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """The variants (on a real one-worker Dask cluster) run on 2018 and say so; a variant
    whose weather cannot take the year (``--vary weather=...,typical``) is refused in one
    line before the cluster starts."""
    scenario = str(scenario_file(small_scenario_text))
    sweep = ["sweep", scenario, "--workers", "1", *COMMON, "--weather-year", str(YEAR)]
    out = tmp_path / "sweep.csv"
    assert main([*sweep, "--vary", "operations.pue=1.2,1.4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"common random numbers; weather {YEAR} only, every draw" in printed, printed
    attrs = read_table_metadata(out)["attrs"]
    assert attrs["weather_year"] == YEAR
    assert str(attrs["weather_years"]) == str(YEAR)

    refused = tmp_path / "refused.csv"
    code = main([*sweep, "--vary", "weather=historical,typical", "--out", str(refused)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: --weather-year = {YEAR}: a weather year is one of the observed" in err
    assert err.count("\n") == 1, err
    assert not refused.exists()


def test_plot_draws_the_weather_years_projection_and_says_so_under_it(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """``forecast plot --weather-year 2018`` (refused as an unknown option before): the figure
    is of the draws on 2018, and its "Source:" line (under it and in its metadata) says so,
    as a figure handed on alone must; without the option it says nothing of a weather year."""
    scenario = str(scenario_file(small_scenario_text))
    plot = ["plot", scenario, "--draws", "12", "--weather", "historical", "--no-baseline",
            "--start", "2025-01-01", "--end", "2025-12-31", "--quiet"]  # fmt: skip
    drawn, fixed = tmp_path / "drawn.svg", tmp_path / "fixed.svg"
    assert main([*plot, "--out", str(drawn)]) == 0
    assert main([*plot, "--weather-year", str(YEAR), "--out", str(fixed)]) == 0
    named = f"; weather {YEAR} only, every draw; "
    assert named in fixed.read_text(encoding="utf-8")
    assert "weather" not in drawn.read_text(encoding="utf-8").split("Source: ", 1)[1][:200]
    assert drawn.read_bytes() != fixed.read_bytes()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(["--weather-year", "1990"],
                     "error: --weather-year = 1990: allowed: a year 2013..2024 (the observed "
                     "weather years of seoul)", id="not-observed"),
        pytest.param(["--weather-year", "x"], "error: --weather-year = 'x': allowed: a year",
                     id="not-a-year"),
        pytest.param(["--weather-year", str(YEAR), "--kind", "tornado"],
                     f"error: --weather-year = '{YEAR}': not for --kind tornado", id="tornado"),
    ],
)  # fmt: skip
def test_plot_refuses_a_weather_year_it_cannot_use_in_one_line(
    extra, message, small_scenario_text, scenario_file, tmp_path, capsys
):
    """As ``forecast project``: status 2, one line naming ``--weather-year``, the value and
    what is allowed, before any work and no file; a tornado (a sweep's swing table, nothing
    projected) refuses it as it refuses the other projection options."""
    out = tmp_path / "p.svg"
    scenario = str(scenario_file(small_scenario_text))
    if "tornado" in extra:
        scenario = str(tmp_path / "sweep_swing.csv")
    code = main(["plot", scenario, "--draws", "12", "--weather", "historical", "--out",
                 str(out), *extra])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_report_runs_every_scenario_on_the_weather_year_and_says_so(
    small_scenario_text, scenario_file, tmp_path, capsys
):
    """``forecast report --weather-year 2018`` (an unknown option before): the report's
    provenance names the design year and the one year its draws ran on; a year a scenario's
    location did not observe is one line, status 2, and no report."""
    scenario = str(scenario_file(small_scenario_text))
    report = ["report", scenario, "kr-national", "--draws", "12", "--weather", "historical",
              "--no-baseline", "--start", "2025-01-01", "--end", "2025-12-31",
              "--quiet"]  # fmt: skip
    out = tmp_path / "r.html"
    assert main([*report, "--weather-year", str(YEAR), "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    text = out.read_text(encoding="utf-8")
    for key in ("weather_year", "weather_years"):
        row = rf'<th scope="row" class="text">{key}</th><td class="text">{YEAR}</td>'
        assert re.search(row, text), key
    refused = tmp_path / "refused.html"
    assert main([*report, "--weather-year", "1990", "--out", str(refused)]) == 2
    err = capsys.readouterr().err
    assert "error: --weather-year = 1990: allowed: a year 2013..2024 (the observed" in err
    assert err.count("\n") == 1 and not refused.exists()
