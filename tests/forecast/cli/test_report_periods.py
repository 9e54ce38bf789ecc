"""``forecast report`` over a period shorter than a year, or across a year boundary, writes its
duration table from the hours each year has in the period: ``forecast report kr-national
--start 2030-01-01 --end 2030-01-31`` ranked 744 hours and looked up rank 1,000 past the
curve's end (``IndexError: index 69 is out of bounds`` in ``duration_table``), and its "lowest
hour" row read an empty band (NaN) for any year the period covers in part."""

from __future__ import annotations

import datetime as dt
import html
import re
import tomllib

import numpy as np
import pytest

from forecast.cli import main
from forecast.projection import ProjectionOptions, project
from forecast.report.html import DURATION_TABLE_RANKS, duration_table
from forecast.report.plot import BAR_LEVELS
from forecast.scenario import load_scenario, parse_scenario
from tests.conftest import SMALL_SCENARIO

#: A cell for a rank beyond the hours a year has in the period.
NO_SUCH_HOUR = "–"
CAPTION = "Load duration curves, P50 [P10–P90] over draws"
OPTIONS = ["--draws", "8", "--duration-draws", "8", "--weather", "typical", "--no-baseline",
           "--quiet"]  # fmt: skip


def _rows(page: str) -> list[list[str]]:
    """The duration table's body rows, each cell's text."""
    start = page.index(html.escape(CAPTION))
    body = page[page.index("<tbody>", start) : page.index("</tbody>", start)]
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


@pytest.mark.parametrize(
    ("start", "end", "ranks"),
    [
        pytest.param("2025-06-01", "2025-06-01", ["1", "10"], id="one-day"),
        pytest.param("2025-01-01", "2025-01-31", ["1", "10", "100", "500"], id="one-month"),
        pytest.param("2025-12-15", "2026-01-15", ["1", "10", "100"], id="across-new-year"),
        pytest.param(
            "2025-01-01", "2025-12-31", [f"{r:,}" for r in DURATION_TABLE_RANKS], id="whole-year"
        ),
    ],
)
def test_the_report_ranks_the_hours_the_period_has(
    start, end, ranks, scenario_file, tmp_path, capsys
):
    out = tmp_path / "r.html"
    status = main(["report", str(scenario_file(SMALL_SCENARIO)), "--out", str(out),
                   "--start", start, "--end", end, *OPTIONS])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err
    assert "Traceback" not in err
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [row[0] for row in rows] == [*ranks, "lowest hour"]
    for row in rows:
        for cell in row[1:]:
            assert "nan" not in cell.lower(), row
            assert cell == NO_SUCH_HOUR or re.fullmatch(r"[\d,.]+ \[[\d,.]+–[\d,.]+\]", cell), row


def test_across_new_year_each_year_shows_only_its_own_ranks(scenario_file, tmp_path, capsys):
    """2025-12-15..2026-01-15: 2025 has 17 days (408 h), 2026 15 (360 h); rank 100 is in
    both, and a year's cells past its own hours say so rather than repeat its lowest band."""
    out = tmp_path / "r.html"
    status = main(["report", str(scenario_file(SMALL_SCENARIO)), "--out", str(out),
                   "--start", "2025-12-15", "--end", "2026-01-15", *OPTIONS])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "2025 covers 2025-12-15..2025-12-31 (17 of 365 days)" in html.unescape(page)
    assert NO_SUCH_HOUR not in {cell for row in _rows(page) for cell in row[1:]}


def _cells(dataset, year: int) -> dict[str, str]:
    """``rank: cell`` of the AI load's column for ``year`` (the only series: no baseline)."""
    page = duration_table(dataset)
    header = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)
    column = next(i for i, text in enumerate(header) if text.startswith(f"{year} "))
    return {row[0]: row[column] for row in _rows(page)}


def _expected(dataset, year: int, band: int) -> str:
    curve = dataset["ai_load_duration_mw"].sel(year=year)
    p10, p50, p90 = (float(curve.sel(quantile=q, method="nearest")[band]) for q in BAR_LEVELS)
    return f"{p50:,.1f} [{p10:,.1f}–{p90:,.1f}]"


def test_each_cell_is_the_band_holding_its_rank():
    """Hand-checkable against the Dataset: a one-day period (24 hours: bands 0..9 of one hour,
    10..19, then 20..23) gives rank 1 the first band, rank 10 the tenth, the lowest hour the
    band of ranks 20..23."""
    scenario = parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small")
    options = ProjectionOptions(
        draws=8, seed=0, start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 1), weather="typical",
        resolution="annual", include_baseline=False, duration_curves=True, duration_draws=8,
    )  # fmt: skip
    dataset = project(scenario, options)
    width = dataset["duration_band_hours"].sel(year=2025).to_numpy()
    assert width.sum() == 24
    last = int(np.flatnonzero(width)[-1])
    assert width[last] == 4
    assert _cells(dataset, 2025) == {
        "1": _expected(dataset, 2025, 0),
        "10": _expected(dataset, 2025, 9),
        "lowest hour": _expected(dataset, 2025, last),
    }


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        # Sydney's clocks go forward on 2030-10-06 (a 23-hour day) and back on 2030-04-07.
        pytest.param("2030-10-01", "2030-10-31", 743, id="dst-starts"),
        pytest.param("2030-04-01", "2030-04-30", 721, id="dst-ends"),
    ],
)
def test_a_dst_month_ranks_its_local_hours(start, end, hours, tmp_path, capsys):
    """au-nsw-ai-dc counts its hours in Australia/Sydney: a month with a clock change ranks
    one hour fewer or more than 24 a day, and its lowest hour is its last band's."""
    scenario = load_scenario("au-nsw-ai-dc")
    options = ProjectionOptions(
        draws=8, seed=0, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end),
        weather="typical", resolution="annual", include_baseline=False, duration_curves=True,
        duration_draws=8,
    )  # fmt: skip
    dataset = project(scenario, options)
    width = dataset["duration_band_hours"].sel(year=2030).to_numpy()
    assert width.sum() == hours
    cells = _cells(dataset, 2030)
    assert list(cells) == ["1", "10", "100", "500", "lowest hour"]
    assert cells["lowest hour"] == _expected(dataset, 2030, int(np.flatnonzero(width)[-1]))
    out = tmp_path / "r.html"
    status = main(["report", "au-nsw-ai-dc", "--out", str(out), "--start", start, "--end", end,
                   *OPTIONS])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    assert [row[0] for row in _rows(out.read_text(encoding="utf-8"))] == list(cells)
