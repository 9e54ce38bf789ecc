"""The summaries' band is named from the quantiles printed, never filled with the P50.

A procurement analyst ran ``--quantiles 0.5`` and read ``1.13 [1.13–1.13]``, a band of zero
width under a ``P50 [P10-P90]`` header (a certain figure), and ``--quantiles 0.25,0.5,0.75``
printed P25 and P75 under the same P10–P90 header (report-proc M4)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from forecast.cli import main
from forecast.cli.project import summary_table
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO


def _options(quantiles: tuple[float, ...]) -> ProjectionOptions:
    return ProjectionOptions(
        draws=8, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", resolution="annual", include_baseline=False, quantiles=quantiles,
    )  # fmt: skip


def _scenario(scenario_id: str = "small"):
    data = tomllib.loads(SMALL_SCENARIO)
    data["id"] = scenario_id
    return parse_scenario(data, origin=scenario_id)


@pytest.mark.parametrize(
    ("levels", "label"),
    [
        ((0.5,), "P50 (mean)"),
        ((0.25, 0.5, 0.75), "P50 [P25–P75] (mean)"),
        ((0.05, 0.1, 0.5, 0.9, 0.95), "P50 [P10–P90] (mean)"),
        ((0.05, 0.5, 0.95), "P50 [P5–P95] (mean)"),
        ((0.5, 0.9), "P50 [P90] (mean)"),
    ],
)
def test_the_band_label_names_the_levels_held(levels, label):
    from forecast.outputs import band_label

    assert band_label(levels) == label


def test_a_p50_alone_prints_no_band_and_says_so():
    dataset = project(_scenario(), _options((0.5,)))
    text = summary_table(dataset)
    assert "P50 (mean) over 8 draws" in text.splitlines()[0]
    assert "P10" not in text and "P90" not in text
    row = next(line for line in text.splitlines() if line.startswith("2025"))
    # A P50 and its mean, no bracketed band (the P50 was shown as "x [x–x]").
    assert "[" not in row and re.search(r"\d \(\d", row), row


def test_quartiles_print_under_a_quartile_header():
    dataset = project(_scenario(), _options((0.25, 0.5, 0.75)))
    text = summary_table(dataset)
    assert "P50 [P25–P75] (mean) over 8 draws" in text.splitlines()[0]
    peak = dataset["ai_peak_gw"].sel(year=2025)  # below 1 GW: printed in MW
    low, high = (f"{1000 * float(peak.sel(quantile=q)):,.0f}" for q in (0.25, 0.75))
    row = next(line for line in text.splitlines() if line.startswith("2025"))
    assert f"[{low}–{high}]" in row


def test_the_comparison_names_its_band_from_its_quantiles():
    dataset = comparisons.compare([_scenario(), _scenario("other")], _options((0.25, 0.5, 0.75)))
    text = comparisons.summary_text(dataset)
    assert "Cells: P50 [P25–P75] (mean) over draws" in text
    assert "P10" not in text.replace("P10 / P50 / P90", "")


def test_the_command_line_prints_the_band_it_was_asked_for(scenario_file, tmp_path, capsys):
    status = main(["project", str(scenario_file(SMALL_SCENARIO)), "--draws", "8",
                   "--no-baseline", "--resolution", "annual", "--start", "2025-01-01",
                   "--end", "2025-12-31", "--weather", "typical",
                   "--quantiles", "0.5", "--out", str(tmp_path / "p.csv")])  # fmt: skip
    assert status == 0
    out = capsys.readouterr().out
    assert "P50 [P10" not in out and "P50 (mean) over 8 draws" in out
