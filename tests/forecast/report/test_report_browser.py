"""``forecast report``: a self-contained HTML report, opened offline in real headless Chromium.

Debian's ``chromium`` is driven through ``playwright`` as in ``tests/service/test_browser.py``;
every request other than the report file itself is refused and recorded, so a report that
reached for a CDN, a font or an image outside itself fails. Skips, saying why, without Chromium.
"""

from __future__ import annotations

import collections
import datetime as dt
import html.parser
import os
import re
import tomllib
from pathlib import Path

import pytest

from forecast.cli import main
from forecast.projection import ProjectionOptions
from forecast.report.html import build_report, write_report
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO
from tests.support.contrast import TEXT_CONTRAST, contrast_ratio, css_rgba, over

CHROMIUM = Path("/usr/bin/chromium")
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "report-kr-outlook.html"
# Set to a .png path to save the top of the checked-in example as Chromium shows it (docs/).
SCREENSHOT = os.environ.get("FORECAST_REPORT_SCREENSHOT")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


def _scenarios():
    base = tomllib.loads(SMALL_SCENARIO)
    flexibility = {"share": 0.3, "hours_per_year": 20, "source": "test flexibility"}
    flexible = {**base, "id": "small-flex", "flexibility": flexibility}
    return [parse_scenario(base, origin="small"), parse_scenario(flexible, origin="flex")]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    options = ProjectionOptions(
        draws=24, seed=3, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
        weather="typical", duration_draws=20,
    )  # fmt: skip
    text = build_report(_scenarios(), options, command="forecast report small small-flex")
    return write_report(text, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_self_contained(report_file):
    text = report_file.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "<img" not in text
    assert " src=" not in text and "@import" not in text
    # SVG's url(#id) points inside the page; nothing else may.
    assert re.findall(r"url\((?!#)", text) == []
    # Links are anchors inside the page; the SVG namespace is a name, not a request.
    assert text.count('href="#') >= 4 and 'href="http' not in text
    assert text.count("<svg") == 1 + 3 * 2  # the comparison, then fans, durations, peak hours


class _Ids(html.parser.HTMLParser):
    """Every ``id`` of a page, and every reference to one: ``href="#id"`` (links, SVG
    ``<use>``) and ``url(#id)`` in any attribute (clip paths, hatches)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.append(value)
            elif name in ("href", "xlink:href") and value.startswith("#"):
                self.references.append(value[1:])
            self.references += re.findall(r"url\(#([^)]+)\)", value)


@pytest.mark.parametrize("which", ["two scenarios", "the checked-in example"])
def test_every_id_is_unique_and_every_reference_resolves(report_file, which):
    """The charts' SVG repeated matplotlib's ids (``figure_1``, ``axes_1``, ``line2d_1``: 219
    ids three times over in the example), invalid HTML in which a reference to one resolves to
    the first chart's. Every id of a chart is now prefixed with the chart's id."""
    path = report_file if which == "two scenarios" else EXAMPLE
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    repeated = {name: count for name, count in collections.Counter(parser.ids).items()
                if count > 1}  # fmt: skip
    assert repeated == {}
    assert len(parser.references) > 100  # the clip paths and markers of every chart
    assert set(parser.references) <= set(parser.ids)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} absent: apt-get install chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _open_offline(browser, path: Path):
    """The page of ``path``, offline; every other request refused and recorded, and every
    page error or console error or warning recorded."""
    url = path.resolve().as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    refused: list[str] = []
    problems: list[str] = []
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == url
        else (refused.append(route.request.url), route.abort()),
    )  # fmt: skip
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type in ("error", "warning") else None)  # fmt: skip
    page.goto(url)
    return page, refused, problems


@pytest.mark.browser
def test_report_opens_offline_in_chromium(browser, report_file, tmp_path):
    page, refused, problems = _open_offline(browser, report_file)
    assert refused == [] and problems == []
    assert page.title() == "AI data-centre electricity demand: small, small-flex"
    headings = page.locator("h2").all_inner_texts()
    assert headings == [
        "The scenarios side by side",
        "small: Small test scenario",
        "small-flex: Small test scenario",
        "Model versions",
        "Cited facts",
    ]
    body = page.locator("body").inner_text()
    for text in ("The question.", "Every assumption", "What drives the spread",
                 "Hosting and grid-connection checks", "Load duration curves and peak hours",
                 "small-flex minus small", "test flexibility", "kr-national-baseline@",
                 "scenario_sha256", "forecast report small small-flex",
                 "triangular(low 0.6, mode 0.7, high 0.8)", "Flexibility: curtail",
                 "operations.lifetime_years (default)"):  # fmt: skip
        assert text in body, text
    charts = page.locator("figure svg")
    assert charts.count() == 7
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 150
    # The axis labels are text in the page (searchable, selectable), not pictures.
    assert "Hours of the year at or above the load" in page.locator("figure").nth(2).inner_text()
    # It prints: Chromium's print to PDF is the report's PDF.
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    page.context.close()


def _accessibility_tree(page) -> tuple[dict, dict]:
    """Chromium's full accessibility tree (CDP ``Accessibility.getFullAXTree``): nodes by id,
    and each node's parent id."""
    session = page.context.new_cdp_session(page)
    nodes = {node["nodeId"]: node for node in session.send("Accessibility.getFullAXTree")["nodes"]}
    parents = {child: node_id for node_id, node in nodes.items()
               for child in node.get("childIds", [])}  # fmt: skip
    return nodes, parents


def _value(node: dict, key: str) -> str:
    return str(node.get(key, {}).get("value", ""))


@pytest.mark.browser
def test_charts_and_tables_are_named_in_the_accessibility_tree(browser, report_file):
    """The audit (WCAG 2.2 1.1.1, 1.3.1): the charts were unnamed figures whose 50 to 80 tick
    labels a screen reader read one by one, the duration curves and the peak hours had no
    table anywhere, and there was no main landmark, an unnamed nav and tables with no caption
    and no row headers."""
    page, refused, problems = _open_offline(browser, report_file)
    assert refused == [] and problems == []
    nodes, parents = _accessibility_tree(page)
    images = [node for node in nodes.values() if _value(node, "role") == "image"]
    assert len(images) == 7
    for image in images:
        assert _value(image, "name") and len(_value(image, "description")) > 60, image
    duration_name = "Each draw's hours of the year ranked from the highest"
    assert sum(_value(image, "name").startswith(duration_name) for image in images) == 2
    # No text of a chart (ticks, axis labels) is read on its own.
    for node_id, node in nodes.items():
        if _value(node, "role") != "StaticText" or node.get("ignored"):
            continue
        ancestor = parents.get(node_id)
        while ancestor is not None:
            assert _value(nodes[ancestor], "role") not in ("image", "SvgRoot"), node
            ancestor = parents.get(ancestor)
    roles = [(_value(n, "role"), _value(n, "name")) for n in nodes.values() if not n.get("ignored")]
    assert ("main", "") in roles and ("navigation", "Contents") in roles
    # What the model does not cover is a named landmark a screen reader can jump to.
    assert ("complementary", "What this model does not cover.") in roles

    tables = page.evaluate(
        """() => [...document.querySelectorAll("table")].map(table => ({
            caption: table.caption ? table.caption.textContent : "",
            rowHeaders: [...table.tBodies[0].rows].every(row =>
                row.cells[0].tagName === "TH" && row.cells[0].scope === "row"),
            emptyHeaders: [...table.querySelectorAll("th")].filter(th => !th.textContent.trim())
                .length,
            headers: [...table.tHead.rows[0].cells].map(cell => cell.textContent),
        }))"""
    )
    for table in tables:
        assert table["caption"] and table["rowHeaders"] and not table["emptyHeaders"], table
    # The duration curves and the peak hours have their numbers as tables, units in the headers.
    durations = [t for t in tables if t["caption"].startswith("Load duration curves")]
    peaks = [t for t in tables if t["caption"].startswith("Share of the highest hours")]
    assert len(durations) == 2 and len(peaks) == 2 * 2
    assert "2026 total grid load [GW]" in durations[0]["headers"]
    assert "2026 AI load [MW]" in durations[0]["headers"]
    assert peaks[0]["headers"][:2] == ["month", "00:00 [%]"]
    page.context.close()


@pytest.mark.browser
def test_checked_in_example_opens_offline(browser):
    """docs/report-kr-outlook.html, the README's example, opens offline as it is."""
    page, refused, problems = _open_offline(browser, EXAMPLE)
    assert refused == [] and problems == []
    assert page.locator("h2").first.inner_text().startswith("kr-outlook: ")
    assert page.locator("figure svg").count() == 3
    assert page.locator("svg[role=img]").count() == 3 and page.locator("main").count() == 1
    if SCREENSHOT:
        page.screenshot(
            path=SCREENSHOT, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1500}
        )
    page.context.close()


@pytest.mark.browser
def test_a_wide_table_is_a_named_region_scrolled_from_the_keyboard(browser, report_file):
    """WCAG 2.1.1 and 4.1.2: the report's tables scroll sideways in their wrappers, which had
    no name and no role and were in the tab order only where Chromium guessed they scroll. Each
    is now a region named by its table's caption in the tab order: Tab reaches it, and the
    arrow keys scroll it."""
    page, refused, problems = _open_offline(browser, report_file)
    page.set_viewport_size({"width": 700, "height": 900})
    # The first table wider than the window, reached by Tab from the top of the page.
    index = page.locator("div.scroll").evaluate_all(
        "(wraps) => wraps.findIndex((w) => w.scrollWidth > w.clientWidth + 100"
        " && !w.closest('details'))"
    )
    assert index >= 0
    first = page.locator("div.scroll").nth(index)
    for _ in range(60):
        page.keyboard.press("Tab")
        if first.evaluate("(wrap) => wrap === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first wide table's scroller")
    nodes, _parents = _accessibility_tree(page)
    # The focused node other than the page (whose document has the focus too).
    focused = [(_value(node, "role"), _value(node, "name")) for node in nodes.values()
               if any(p["name"] == "focused" and p["value"]["value"]
                      for p in node.get("properties", []))]  # fmt: skip
    assert focused[1:] == [("region", first.locator("caption").inner_text())], focused
    assert first.evaluate("(wrap) => wrap.scrollLeft") == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    # Every scroller, whether or not it scrolls at this width.
    wraps = page.locator("div.scroll").evaluate_all(
        "(wraps) => wraps.map((w) => [w.tabIndex, w.getAttribute('role'),"
        " w.getAttribute('aria-label') === w.querySelector('caption').textContent])"
    )
    assert wraps and all(wrap == [0, "region", True] for wrap in wraps), wraps
    assert refused == [] and problems == []
    page.context.close()


#: Each text element of the caveats box and of a section's caveat lines, with its colour and
#: the colour it is read on: the nearest ancestor's opaque background, any translucent ones
#: between laid over it (the page is white where none is set).
_TEXT_ON_BACKGROUND = r"""(selector) => [...document.querySelectorAll(selector)].map((element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (!/^rgba\(.*, 0\)$/.test(colour)) layers.push(colour);
        if (layers.length && !colour.startsWith("rgba")) break;
    }
    return {text: element.textContent.slice(0, 40), colour: getComputedStyle(element).color,
            layers: layers.reverse()};
})"""


@pytest.mark.browser
def test_the_caveats_have_text_contrast_of_4_5_to_1(browser, tmp_path):
    """WCAG 2.2 1.4.3 (AA): the caveats box at the top of the report, and each scenario's
    caveat lines, are text a planner must read before quoting a figure; the dashboard's
    colours were checked in Chromium, the report's box never was. Every text element's computed
    colour against the background it is drawn on holds 4.5:1."""
    data = tomllib.loads(SMALL_SCENARIO) | {"caveats": ["a caveat the planner must read"]}
    options = ProjectionOptions(
        draws=4, seed=3, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", duration_draws=4, include_baseline=False,
    )  # fmt: skip
    text = build_report([parse_scenario(data, origin="small")], options)
    page, refused, problems = _open_offline(browser, write_report(text, tmp_path / "r.html"))
    assert refused == [] and problems == []
    elements = page.evaluate(_TEXT_ON_BACKGROUND, "aside.caveats, aside.caveats *, p.note")
    boxed = [e for e in elements if "a caveat the planner must read" in e["text"]]
    assert len(boxed) >= 2  # the box's item, and the scenario section's line
    for element in elements:
        background = (255.0, 255.0, 255.0)
        for layer in element["layers"]:
            background = over(css_rgba(layer), background)
        seen = over(css_rgba(element["colour"]), background)
        assert contrast_ratio(seen, background) >= TEXT_CONTRAST, element
    page.context.close()


def test_report_command_refuses_bad_output(scenario_file, tmp_path, capsys):
    scenario = str(scenario_file(SMALL_SCENARIO))
    assert main(["report", scenario, "--out", str(tmp_path / "report.pdf")]) == 2
    assert capsys.readouterr().err.strip().endswith("suffix '.pdf': allowed: .html, .htm")
    assert main(["report", scenario, "--out", str(tmp_path / "none" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "small.toml"]


def test_a_report_without_a_baseline_says_so_and_calls_no_chart_the_grid():
    """An Irish planner's report read "AI and grid load" and "when the grid's peak comes" over
    charts of the data-centre load alone, and "the AI load alone" beside non-AI load."""
    data = tomllib.loads(SMALL_SCENARIO) | {"baseline_model": "none"}
    options = ProjectionOptions(
        draws=12, seed=3, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", duration_draws=10,
    )  # fmt: skip
    text = build_report([parse_scenario(data, origin="none")], options, command="forecast report")
    assert "AI and grid load" not in text and "grid&#x27;s peak comes" not in text
    assert "Data-centre load (no baseline: no grid load)" in text
    assert "the scenario says baseline_model = &quot;none&quot;" in text


def test_a_report_past_the_horizon_says_what_those_years_hold():
    """A report to 2038 of a scenario that plans to 2035 showed its flat years as the scenario's
    own: the scenario's section says what the years past its horizon hold."""
    from forecast.errors import ScenarioNote

    options = ProjectionOptions(
        draws=12, seed=3, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31),
        weather="typical", duration_draws=10, include_baseline=False,
    )  # fmt: skip
    scenario = parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small")
    with pytest.warns(ScenarioNote, match="after small's horizon.end = 2026-12-31"):
        text = build_report([scenario], options, command="forecast report")
    assert (
        '<p class="note">Outside the horizon: the period ends on 2027-12-31, after small&#x27;s '
        "horizon.end = 2026-12-31: the scenario states nothing new there"
    ) in text
