"""``forecast project`` says, before it runs, when its file will be large, as ``forecast
sweep`` does (one function, :func:`forecast.cli.options.warn_large_output`).

Before: ``forecast project kr-outlook`` wrote its default hourly CSV of the whole horizon
(about 370 MB) without a word, where a sweep of the same size said so first.
"""

from __future__ import annotations

from pathlib import Path

from forecast.cli import main
from forecast.cli.options import warn_large_output
from forecast.io import export
from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario


def test_a_projections_large_hourly_csv_is_announced(capsys):
    scenario = load_scenario("kr-outlook")
    hourly = ProjectionOptions(draws=1000).validated(scenario)  # the horizon, 2024-2035
    warn_large_output(scenario, hourly, Path("projection.csv"), None)
    line = capsys.readouterr().err
    # 105,192 hours x 5 quantiles x (AI, 2 regions, baseline, total, non-AI, all data
    # centres) = 3,681,720 rows at 100 B a row of CSV.
    assert line == (
        "note: this projection will write about 368 MB (3,681,720 rows of hourly csv: 105,192 "
        "periods x 5 quantiles x 7 series); --resolution annual (or daily, monthly) writes far "
        "less, and so does .parquet about 28 MB or .nc about 48 MB\n"
    )
    warn_large_output(scenario, hourly, Path("projection.parquet"), None)
    assert capsys.readouterr().err == ""  # 28 MB of Parquet: no note


def test_forecast_project_says_it_before_the_projection_and_the_file_is_near_it(
    scenario_file, small_scenario_text, tmp_path, capsys, monkeypatch
):
    """Through the command line, on a real (small) projection: the note comes before the
    progress bar, and the file written is about the size it announced. The threshold is
    lowered so that a 2-month table counts as large (a real 100 MB table takes minutes)."""
    monkeypatch.setattr(export, "LARGE_OUTPUT_BYTES", 100e3)
    out = tmp_path / "small.csv"
    code = main(["project", str(scenario_file(small_scenario_text)), "--out", str(out),
                 "--draws", "8", "--start", "2025-06-01", "--end", "2025-07-31",
                 "--weather", "typical", "--no-baseline"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    note = next(line for line in captured.err.splitlines() if line.startswith("note: this"))
    # AI and each of the 2 regions' AI load, a row per hour and quantile: 21,960 rows.
    assert note.startswith(
        "note: this projection will write about 2 MB (21,960 rows of hourly csv: 1,464 "
        "periods x 5 quantiles x 3 series)"
    )
    assert captured.err.index(note) < captured.err.index("small x 8 draws")  # before the bar
    assert 0.7 < out.stat().st_size / 2.196e6 < 1.3
    annual = tmp_path / "annual.csv"
    code = main(["project", str(scenario_file(small_scenario_text)), "--out", str(annual),
                 "--draws", "8", "--resolution", "annual", "--weather", "typical",
                 "--no-baseline", "--quiet"])  # fmt: skip
    assert code == 0 and "note: this" not in capsys.readouterr().err
