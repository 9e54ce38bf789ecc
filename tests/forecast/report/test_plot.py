"""``forecast plot``: the report figure as PNG and SVG, and its refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from forecast.cli import main
from forecast.errors import OptionsError
from forecast.projection import ProjectionOptions, project
from forecast.report.plot import write_figure
from forecast.scenario import load_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def _plot(scenario: Path, out: Path, *extra: str) -> int:
    return main(["plot", str(scenario), "--out", str(out), "--draws", "20", *extra])


def test_png_and_svg_of_a_small_scenario(
    scenario_file, small_scenario_text, tmp_path, capsys, monkeypatch
):
    # The shipped baseline model (a KR scenario gets the grid load panel), whatever an
    # earlier test pointed the library at.
    monkeypatch.delenv("FORECAST_ARTIFACT_DIR", raising=False)
    scenario = scenario_file(small_scenario_text)
    png, svg = tmp_path / "small.png", tmp_path / "small.svg"
    assert _plot(scenario, png, "--weather", "typical") == 0
    assert _plot(scenario, svg, "--weather", "typical", "--resolution", "daily") == 0
    assert f"wrote {png}" in capsys.readouterr().out

    header = png.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert (width, height) == (1320, 902)  # 12 x 8.2 in at 110 dpi

    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))
    for label in (
        "AI facility load [MW]",
        "Grid load [GW]",
        "AI energy [TWh]",
        "AI share of energy [%]",
        "daily mean of hourly load",
        "small",
    ):
        assert label in texts
    assert not list(tmp_path.glob(".*.tmp")), "temporary files are cleaned up"


def test_plot_takes_the_projection_options_of_the_other_commands(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    """plot had no --quiet, --no-baseline or --baseline-model, which project, compare and
    export-grid take; without a baseline the grid panel says so."""
    scenario = scenario_file(small_scenario_text)
    svg = tmp_path / "alone.svg"
    assert _plot(scenario, svg, "--weather", "typical", "--no-baseline", "--quiet") == 0
    captured = capsys.readouterr()
    assert captured.out == f"wrote {svg}\n" and "draws" not in captured.err  # no progress bar
    texts = " ".join("".join(t.itertext()) for t in ET.parse(svg).getroot().iter(f"{SVG}text"))
    assert "No baseline model" in texts and "Grid load [GW]" not in texts
    assert _plot(scenario, svg, "--baseline-model", "nothing-such") == 2
    assert "--baseline-model = 'nothing-such'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.png.txt"])
def test_bad_extension_is_one_line_and_writes_nothing(
    scenario_file, small_scenario_text, tmp_path, capsys, name
):
    out = tmp_path / name
    assert _plot(scenario_file(small_scenario_text), out) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: out = ")
    assert "allowed: .png, .svg" in error
    assert list(tmp_path.iterdir()) == [tmp_path / "small.toml"]


def test_missing_directory_and_unknown_scenario_are_refused(tmp_path, capsys):
    assert main(["plot", "kr-national", "--out", str(tmp_path / "no" / "f.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["plot", "no-such-scenario", "--out", str(tmp_path / "f.png")]) == 2
    assert "no-such-scenario" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_figure_needs_the_fan_quantiles(scenario_file, small_scenario_text, tmp_path):
    dataset = project(
        load_scenario(scenario_file(small_scenario_text)),
        ProjectionOptions(draws=5, resolution="monthly", quantiles=(0.5,), weather="typical"),
    )
    with pytest.raises(OptionsError, match=r"quantiles = \[0.5\]: the figure needs"):
        write_figure(dataset, tmp_path / "f.png")
    assert not (tmp_path / "f.png").exists()


def test_the_comparison_draws_the_change_of_the_grid_peak_on_bars_from_zero():
    """The comparison's second panel drew the total grid peak (about 90 GW) as bars on an axis
    cut near 83 GW, where flexibility's 0.13 GW could not be seen and bars magnified every
    difference (a ministry analyst's report). It draws the change of the grid peak, from 0."""
    import datetime as dt

    from forecast.report.plot import comparison_figure
    from forecast.sweep import compare

    options = ProjectionOptions(
        draws=20, resolution="annual", start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31)
    )
    dataset = compare.compare([load_scenario("kr-outlook"), load_scenario("kr-outlook-flex")],
                              options)  # fmt: skip
    energy, peak = comparison_figure(dataset).axes[:2]
    assert peak.get_title() == "Change of the grid peak [GW]: P50, P10–P90 bars"
    assert energy.get_ylim()[0] == peak.get_ylim()[0] == 0.0
    heights = [bar.get_height() for bar in peak.patches]
    change = dataset["peak_change_gw"].sel(quantile=0.5, year=2030).to_numpy()
    assert heights == pytest.approx(list(change)) and heights[1] < heights[0]


def test_the_peak_figure_draws_the_grid_peak_and_what_the_data_centres_put_in_it(tmp_path):
    """A ministry planner's chapter needs the annual peak with and without the data centres;
    the figures had energy and load fans only."""
    import datetime as dt

    from forecast.report.plot import peak_figure

    options = ProjectionOptions(
        draws=20, resolution="annual", start=dt.date(2029, 1, 1), end=dt.date(2030, 12, 31)
    )
    dataset = project(load_scenario("kr-outlook-flex"), options)
    peak, change = peak_figure(dataset).axes
    heights = [bar.get_height() for bar in peak.patches]
    assert heights == pytest.approx(list(dataset["total_peak_gw"].sel(quantile=0.5).to_numpy()))
    labels = [line.get_label() for line in change.get_lines()]
    assert labels == [
        "all data centres in the peak hour (in the baseline or not)",
        "AI load in the peak hour",
        "change of the peak without flexibility",
        "change of the grid peak",
    ]
    drawn = change.get_lines()[-1].get_ydata()
    assert list(drawn) == pytest.approx(
        list(dataset["peak_change_gw"].sel(quantile=0.5).to_numpy())
    )
    assert change.get_ylim()[0] == 0.0
    out = tmp_path / "peak.png"
    assert write_figure(dataset, out, kind="peak") == out
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_the_peak_figure_needs_a_grid_and_takes_no_years(scenario_file, tmp_path, capsys):
    dataset = project(
        load_scenario("devries-2023-h100"), ProjectionOptions(draws=5, resolution="annual")
    )
    with pytest.raises(OptionsError, match="--kind peak: devries-2023-h100 has no baseline"):
        write_figure(dataset, tmp_path / "p.png", kind="peak")
    assert not (tmp_path / "p.png").exists()
    assert main(["plot", "kr-outlook", "--kind", "peak", "--years", "2030",
                 "--out", str(tmp_path / "p.png")]) == 2  # fmt: skip
    assert "--years = '2030': only for --kind duration or peak-hours (a peak figure" in (
        capsys.readouterr().err
    )
