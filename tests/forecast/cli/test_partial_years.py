"""A year the period covers in part is named, with its dates, under the summary, in the
Dataset's ``partial_years``, the CSV's sidecar and the API's attrs: a 2-day period printed
``2030 total TWh 3.45`` as if it were the year's (report-proc M5)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

from forecast.cli import main
from forecast.cli.project import summary_table
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from tests.conftest import SMALL_SCENARIO


def _project(start: dt.date, end: dt.date):
    options = ProjectionOptions(
        draws=4, seed=0, start=start, end=end, weather="typical", resolution="annual",
        include_baseline=False,
    )  # fmt: skip
    return project(parse_scenario(tomllib.loads(SMALL_SCENARIO), origin="small"), options)


def test_a_two_day_period_names_its_year_as_partial():
    dataset = _project(dt.date(2026, 1, 1), dt.date(2026, 1, 2))
    assert json.loads(dataset.attrs["partial_years"]) == {
        "2026": "2026-01-01..2026-01-02 (2 of 365 days)"
    }
    assert (
        "note: 2026 covers 2026-01-01..2026-01-02 (2 of 365 days): its figures are for those "
        "days only, not the whole year"
    ) in summary_table(dataset).splitlines()


def test_only_the_partial_years_are_named():
    # 2025 whole; 2026 to the end of February (59 of 365 days).
    dataset = _project(dt.date(2025, 1, 1), dt.date(2026, 2, 28))
    assert json.loads(dataset.attrs["partial_years"]) == {
        "2026": "2026-01-01..2026-02-28 (59 of 365 days)"
    }


def test_whole_years_carry_no_note():
    dataset = _project(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert "partial_years" not in dataset.attrs
    assert "covers" not in summary_table(dataset)


def test_the_sidecar_names_the_partial_year(scenario_file, tmp_path, capsys):
    out = tmp_path / "p.csv"
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "4",
                   "--no-baseline", "--resolution", "annual", "--weather", "typical",
                   "--start", "2026-01-01", "--end", "2026-01-02", "--out", str(out)])  # fmt: skip
    assert status == 0
    assert "2026 covers 2026-01-01..2026-01-02 (2 of 365 days)" in capsys.readouterr().out
    sidecar = json.loads((tmp_path / "p.csv.meta.json").read_text())
    assert json.loads(sidecar["attrs"]["partial_years"]) == {
        "2026": "2026-01-01..2026-01-02 (2 of 365 days)"
    }
