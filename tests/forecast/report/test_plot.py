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
    baseline, total = (points.lines[0].get_ydata() for points in peak.containers)
    assert list(total) == pytest.approx(list(dataset["total_peak_gw"].sel(quantile=0.5).values))
    assert list(baseline) == pytest.approx(
        list(dataset["baseline_peak_gw"].sel(quantile=0.5).to_numpy())
    )
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


# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", IEEE TVCG 15(6), doi:10.1109/TVCG.2009.113: deuteranopia, severity 1.0,
# on linear RGB.
DEUTERANOPIA = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                (-0.011820, 0.042940, 0.968881))  # fmt: skip


def _linear(colour) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                 for c in to_rgb(colour))  # fmt: skip


def _over_white(colour) -> tuple[float, float, float]:
    """An RGBA colour as seen over a white background (sRGB, 0..1)."""
    from matplotlib.colors import to_rgba

    red, green, blue, alpha = to_rgba(colour)
    return (alpha * red + 1 - alpha, alpha * green + 1 - alpha, alpha * blue + 1 - alpha)


def _contrast_with_white(colour) -> float:
    """WCAG 2.2 contrast ratio of ``colour`` (alpha blended over white) against white."""
    red, green, blue = _linear(_over_white(colour))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


def _deuteranope_sees(colour) -> tuple[float, ...]:
    """``colour`` as a deuteranope sees it, sRGB 0..255."""
    linear = _linear(colour)
    seen = [min(max(sum(m * c for m, c in zip(row, linear, strict=True)), 0.0), 1.0)
            for row in DEUTERANOPIA]  # fmt: skip
    return tuple(
        255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055) for c in seen
    )


def test_the_contrast_and_deuteranopia_helpers_match_hand_checked_values():
    """The audit's table: blue #1d4ed8 and purple #7e22ce both look (0, 8x, 2xx) to a
    deuteranope; black on white is 21:1 and #767676 on white 4.54:1 (WebAIM's example)."""
    assert _contrast_with_white("#000000") == pytest.approx(21.0)
    assert _contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)
    assert _deuteranope_sees("#1d4ed8") == pytest.approx((0, 83, 213), abs=1.5)
    assert _deuteranope_sees("#7e22ce") == pytest.approx((0, 88, 203), abs=1.5)


@pytest.fixture(scope="module")
def duration_dataset():
    import datetime as dt
    import tomllib

    from forecast.scenario import parse_scenario
    from tests.conftest import SMALL_SCENARIO

    options = ProjectionOptions(
        draws=10, seed=1, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
        weather="typical", resolution="monthly", duration_curves=True, duration_draws=10,
        quantiles=(0.05, 0.1, 0.5, 0.9, 0.95),
    )  # fmt: skip
    return project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), options)


@pytest.fixture(scope="module")
def peak_dataset():
    import datetime as dt

    options = ProjectionOptions(
        draws=20, resolution="annual", start=dt.date(2029, 1, 1), end=dt.date(2030, 12, 31)
    )
    return project(load_scenario("kr-outlook-flex"), options)


@pytest.fixture(scope="module")
def comparison_dataset():
    import datetime as dt

    from forecast.sweep import compare

    options = ProjectionOptions(
        draws=10, resolution="annual", start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31)
    )
    scenarios = ["kr-outlook", "kr-outlook-flex", "kr-national", "kr-dc-pipeline"]
    return compare.compare([load_scenario(s) for s in scenarios], options)


def _series_differ_beyond_colour(styles: list[tuple], colours: list) -> None:
    """Each series has its own line style, marker or hatch, and no two colours look alike to a
    deuteranope (the audit's blue #1d4ed8 and purple #6d28d9 are 1.3 apart; distinct ones are
    over 100)."""
    assert len(set(styles)) == len(styles), styles
    seen = [_deuteranope_sees(colour) for colour in colours]
    for index, first in enumerate(seen):
        for second in seen[index + 1 :]:
            distance = sum((a - b) ** 2 for a, b in zip(first, second, strict=True)) ** 0.5
            assert distance > 40, (colours, seen)


def test_duration_curves_differ_by_more_than_colour(duration_dataset):
    """The audit (WCAG 1.4.1): the years' duration curves were solid lines told apart by colour
    alone, and 2030 (orange) and 2035 (green) look the same to a deuteranope."""
    from forecast.report.plot import duration_figure

    for axes in duration_figure(duration_dataset).axes:
        lines = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
        assert [line.get_label() for line in lines] == ["2025 P50 (P10–P90)", "2026 P50 (P10–P90)"]
        _series_differ_beyond_colour(
            [(line.get_linestyle(), line.get_marker()) for line in lines],
            [line.get_color() for line in lines],
        )
        # The legend shows the style and marker, not a colour swatch alone.
        handles = axes.get_legend().legend_handles
        assert [(h.get_linestyle(), h.get_marker()) for h in handles] == [
            (line.get_linestyle(), line.get_marker()) for line in lines
        ]


def test_the_peak_figures_lines_differ_by_more_than_colour(peak_dataset):
    """The AI load and all data-centre load in the peak hour were both solid lines with round
    markers, told apart by colour only; the AI line lay hidden under the change of the peak."""
    from forecast.report.plot import peak_figure

    change = peak_figure(peak_dataset).axes[1]
    lines = change.get_lines()
    assert len(lines) == 4
    _series_differ_beyond_colour(
        [(line.get_linestyle(), line.get_marker()) for line in lines],
        [line.get_color() for line in lines],
    )
    markers = {line.get_label(): line for line in lines}
    # The line drawn on top has the smaller marker, so that the one under it still shows.
    assert (
        markers["change of the grid peak"].get_markersize()
        < markers["AI load in the peak hour"].get_markersize()
    )


def test_the_comparisons_bars_differ_by_more_than_colour(comparison_dataset):
    """The comparison's bars of four scenarios differed by colour only (the second and the
    fourth, blue and purple, look the same to a deuteranope): each has a hatch too, and the
    legend shows it."""
    from matplotlib.container import BarContainer

    from forecast.report.plot import comparison_figure

    for axes in comparison_figure(comparison_dataset).axes[:2]:
        groups = [c.patches for c in axes.containers if isinstance(c, BarContainer)]
        assert len(groups) == 4
        _series_differ_beyond_colour(
            [(group[0].get_hatch(),) for group in groups],
            [group[0].get_facecolor() for group in groups],
        )
    handles = comparison_figure(comparison_dataset).axes[0].get_legend().legend_handles
    assert len({handle.get_hatch() for handle in handles}) == 4


def test_bands_and_bars_reach_3_to_1_against_white(duration_dataset, peak_dataset,
                                                   comparison_dataset):  # fmt: skip
    """WCAG 1.4.11: a fan band of alpha 0.16 was 1.3:1 against the white axes; each band and
    bar now reaches 3:1 with its fill or with an outline."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Rectangle

    from forecast.report import plot

    figures = [
        plot.projection_figure(duration_dataset),
        plot.duration_figure(duration_dataset),
        plot.peak_figure(peak_dataset),
        plot.comparison_figure(comparison_dataset),
    ]
    checked = 0
    for figure in figures:
        for axes in figure.axes:
            shapes = [c for c in axes.collections if isinstance(c, PolyCollection)]
            shapes += [p for p in axes.patches if isinstance(p, Rectangle)]
            for shape in shapes:
                if isinstance(shape, PolyCollection):
                    faces, edges = shape.get_facecolor(), shape.get_edgecolor()
                    widths = shape.get_linewidth()
                    face, edge = faces[0], edges[0] if len(edges) else (0, 0, 0, 0)
                    width = widths[0] if len(widths) else 0.0
                else:
                    face, edge, width = (
                        shape.get_facecolor(),
                        shape.get_edgecolor(),
                        (shape.get_linewidth()),
                    )
                outlined = width > 0 and _contrast_with_white(edge) >= 3.0
                assert _contrast_with_white(face) >= 3.0 or outlined, (axes.get_title(), face)
                checked += 1
    assert checked > 20


def test_png_plots_carry_a_title_and_a_description(duration_dataset, peak_dataset, tmp_path):
    """The audit: the PNGs carried no Title or Description text chunks, so whoever published
    one had to write its alt text; and the peak figure's right axis said only "GW"."""
    from PIL import Image

    from forecast.report.plot import peak_figure

    expected = {
        "fan": ("small: AI data-centre electricity demand", "AI facility load"),
        "duration": ("small: load duration curves", "2026"),
        "peak-hours": ("small: when each draw's", "most often at"),
    }
    for kind, (title, said) in expected.items():
        out = tmp_path / f"{kind}.png"
        write_figure(duration_dataset, out, kind=kind)
        with Image.open(out) as image:
            text = image.text
        assert text["Title"].startswith(title), text
        assert said in text["Description"] and len(text["Description"]) > 80, text
    out = tmp_path / "peak.png"
    write_figure(peak_dataset, out, kind="peak")
    with Image.open(out) as image:
        assert "change the grid's peak by" in image.text["Description"]
    assert (
        peak_figure(peak_dataset).axes[1].get_ylabel() == "Load in or added to the peak hour [GW]"
    )


def test_the_peak_figure_draws_points_not_bars_on_an_axis_that_says_it_is_cut(peak_dataset):
    """A planner (M8): the peak's bars started near 87 GW, so their lengths exaggerated the
    growth; from zero, bars of 90 GW would hide the tenths the data centres add. Points carry
    no length: each year's peak with and without the data centres, P50 with P10–P90."""
    from matplotlib.patches import Rectangle

    from forecast.report.plot import peak_figure

    peak = peak_figure(peak_dataset).axes[0]
    assert not [patch for patch in peak.patches if isinstance(patch, Rectangle)]
    assert peak.get_ylabel() == "Annual peak [GW] (axis not from zero)"
    assert [points.lines[0].get_marker() for points in peak.containers] == ["s", "o"]
    labels = [text.get_text() for text in peak.get_legend().get_texts()]
    assert labels == ["baseline alone, P50 (P10–P90)", "with the data centres, P50 (P10–P90)"]


def test_the_regions_figure_draws_each_regions_energy_from_zero(peak_dataset):
    """M8: no plot was regional. AI and all data-centre energy by region and year, P50 bars
    from zero with P10–P90 whiskers, one colour and hatch per region."""
    from matplotlib.container import BarContainer, ErrorbarContainer

    from forecast.report.plot import regions_figure

    panels = regions_figure(peak_dataset).axes
    assert [axes.get_title() for axes in panels] == [
        "AI data-centre electricity by region [TWh]: P50, P10–P90 whiskers",
        "All data-centre electricity (AI + non-AI) by region [TWh]: P50, P10–P90 whiskers",
    ]
    for axes, name in zip(panels, ("ai_energy_twh_by_region", "dc_energy_twh_by_region"),
                          strict=True):  # fmt: skip
        groups = [c for c in axes.containers if isinstance(c, BarContainer)]
        assert [group.get_label() for group in groups] == ["capital", "non_capital"]
        for group, region in zip(groups, ("capital", "non_capital"), strict=True):
            expected = peak_dataset[name].sel(region=region, quantile=0.5).to_numpy()
            assert [bar.get_height() for bar in group] == pytest.approx(list(expected))
        whiskers = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
        assert len(whiskers) == 2
        assert axes.get_ylim()[0] == 0.0
        _series_differ_beyond_colour(
            [(group[0].get_hatch(),) for group in groups],
            [group[0].get_facecolor() for group in groups],
        )


def test_the_grid_figure_draws_requested_connected_and_delayed_by_region(peak_dataset):
    """M8: requested vs connected vs delayed MW by region, month by month, P50 lines with
    P10–P90 bands, told apart by line style and marker as well as colour."""
    from forecast.report.plot import grid_figure

    panels = grid_figure(peak_dataset).axes
    assert [axes.get_title() for axes in panels] == [
        "capital: P50, P10–P90 bands",
        "non_capital: P50, P10–P90 bands",
    ]
    lines = panels[0].get_lines()
    assert [line.get_label() for line in lines] == [
        "requested by the scenario's sites, P50",
        "connected, P50",
        "delayed (requested minus connected), P50",
        "connection limit, P50",
    ]
    delayed = peak_dataset["grid_delayed_mw_by_region"].sel(region="capital", quantile=0.5)
    assert list(lines[2].get_ydata()) == pytest.approx(list(delayed.to_numpy()))
    _series_differ_beyond_colour(
        [(line.get_linestyle(), line.get_marker()) for line in lines[:3]],
        [line.get_color() for line in lines[:3]],
    )


def test_regions_and_grid_figures_refuse_a_scenario_without_regions_or_limits(
    duration_dataset, tmp_path
):
    from forecast.report.plot import grid_figure

    with pytest.raises(OptionsError, match="--kind grid: small states no grid connection limit"):
        grid_figure(duration_dataset)
    single = project(
        load_scenario("devries-2023-h100"), ProjectionOptions(draws=5, resolution="annual")
    )
    with pytest.raises(OptionsError, match="--kind regions: devries-2023-h100 has one region"):
        write_figure(single, tmp_path / "r.png", kind="regions")
    assert not (tmp_path / "r.png").exists()


def test_every_plot_says_its_source_under_it_and_in_its_metadata(
    duration_dataset, peak_dataset, tmp_path
):
    """M8: a PNG named the baseline model but not the scenario's digest, the data the baseline
    models or the tool's version; a figure handed on alone could not be traced."""
    import xml.etree.ElementTree as ET

    from PIL import Image

    from forecast.report.plot import source_line

    digest = peak_dataset.attrs["scenario_sha256"][:12]
    model = peak_dataset.attrs["baseline_model"]
    expected = (
        f"Source: scenario kr-outlook-flex (sha256 {digest}); baseline {model} of KPX market "
        f"demand, generation-end; ai-grid-forecast (forecast {peak_dataset.attrs['code_version']})."
    )
    for kind in ("fan", "peak", "regions", "grid"):
        dataset = duration_dataset if kind == "fan" else peak_dataset
        out = tmp_path / f"{kind}.png"
        write_figure(dataset, out, kind=kind)
        with Image.open(out) as image:
            source = image.text["Source"]
        assert source.startswith("Source: scenario ")
        if dataset is peak_dataset:
            assert source == expected
    svg = tmp_path / "duration.svg"
    write_figure(duration_dataset, svg, kind="duration")
    root = ET.parse(svg).getroot()
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    small = duration_dataset.attrs["scenario_sha256"][:12]
    assert f"Source: scenario small (sha256 {small}); baseline {model} of KPX" in " ".join(texts)
    alone = peak_dataset.copy().assign_attrs(baseline_model="none")
    assert "; no baseline; " in source_line(alone)


def _texts_outside(figure) -> list[str]:
    """The title, the "Source:" line and every panel's title and axis labels of ``figure``
    whose extent, after a draw, passes one of its edges (tick labels are left out: matplotlib
    keeps labels of ticks beyond the axis, drawn nowhere)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer, box = canvas.get_renderer(), figure.bbox
    texts = [figure._suptitle, *figure.texts]
    for axes in figure.axes:
        texts += [axes.title, axes.xaxis.label, axes.yaxis.label]
    outside = []
    for text in texts:
        if text is None or not text.get_visible() or not text.get_text():
            continue
        extent = text.get_window_extent(renderer)
        if extent.x0 < box.x0 or extent.x1 > box.x1 or extent.y0 < box.y0 or extent.y1 > box.y1:
            outside.append(f"{text.get_text()!r}: {extent} outside {box}")
    return outside


def test_title_and_source_fit_the_narrowest_figure_and_every_kind(duration_dataset, peak_dataset):
    """forecast plot --kind peak-hours --years 2030 (one year: 4.6 inches wide, the narrowest
    figure) cut its title and its "Source: ..." line at both sides: they are wrapped to the
    figure's width, the source line kept whole in the file's metadata."""
    from forecast.report.plot import finished_figure, source_line

    narrowest = finished_figure(duration_dataset, kind="peak-hours", years=(2026,))
    assert narrowest.get_figwidth() == pytest.approx(4.6)
    assert _texts_outside(narrowest) == []
    lines = [text.get_text() for text in narrowest.texts if text.get_text().startswith("Source")]
    assert len(lines) == 1 and lines[0].count("\n") >= 1
    assert " ".join(lines[0].split("\n")) == source_line(duration_dataset)
    assert "\n" in narrowest.get_suptitle()
    for kind, dataset, years in (
        ("fan", duration_dataset, None),
        ("duration", duration_dataset, (2026,)),
        ("peak", peak_dataset, None),
        ("regions", peak_dataset, None),
        ("grid", peak_dataset, None),
    ):
        assert _texts_outside(finished_figure(dataset, kind=kind, years=years)) == [], kind


def test_plot_takes_the_regions_and_grid_kinds(tmp_path, capsys):
    out = tmp_path / "regions.svg"
    args = ["plot", "kr-outlook", "--draws", "8", "--start", "2030-01-01", "--end",
            "2030-12-31", "--quiet", "--out", str(out)]  # fmt: skip
    assert main([*args, "--kind", "regions"]) == 0, capsys.readouterr().err
    assert "Source: scenario kr-outlook" in out.read_text(encoding="utf-8")
    assert main([*args, "--kind", "grid", "--years", "2030"]) == 2
    assert "--years = '2030': only for --kind duration or peak-hours (a grid figure" in (
        capsys.readouterr().err
    )
