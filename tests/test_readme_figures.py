"""Figures the README quotes are what its commands print now.

A reviewer re-ran about 190 README figures: every one with a command reproduced, but a file
size had gone stale and a recipe failed, and no test looked at a figure (``test_readme.py``
checks the generated blocks and the options). Each test here runs a README command that takes a
few seconds and reads the figure from the README text beside that command, so a change of the
code or of the README that parts the two fails here. Korean scenarios' figures are left out on
purpose: their inputs are re-measured as the data change, and their commands take minutes; the
one-day TSO bus export of kr-outlook is the exception (seconds), since its figures went stale
unnoticed through a change of the non-AI load.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from forecast.cli import main
from forecast.io.export import period_steps

README = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text().split())


def readme_figure(pattern: str) -> str:
    """The one figure ``pattern`` (its first group) finds in the README, whitespace folded to
    single spaces; fails naming the pattern where the text beside the command has changed."""
    found = re.findall(pattern, README)
    assert len(found) == 1, f"README: {pattern!r} found {len(found)} times, not once"
    return found[0]


def _annual(argv: list[str], out: Path) -> pd.DataFrame:
    """The tidy CSV ``forecast project <argv> --resolution annual`` writes."""
    assert main(["project", *argv, "--resolution", "annual", "--quiet", "--out", str(out)]) == 0
    return pd.read_csv(out)


@pytest.mark.parametrize(
    ("scenario", "pattern"),
    [
        ("devries-2023-h100",
         r"`forecast project devries-2023-h100 --resolution annual` gives ([\d.]+) TWh for 2027"),
        ("devries-2023-a100",
         r"gives [\d.]+ TWh for 2027 \(paper: [\d.]+\) and `devries-2023-a100` ([\d.]+) TWh"),
    ],
)  # fmt: skip
def test_de_vries_energies(scenario, pattern, tmp_path):
    """ "Reference results": de Vries's (2023) 2027 AI server energy, as the command prints it
    (its two decimals)."""
    table = _annual([scenario], tmp_path / "x.csv")
    energy = table.query("variable == 'ai_energy_twh' and quantile == 0.5")
    value = energy.loc[energy["period_start"].str.startswith("2027"), "value"].item()
    assert f"{value:.2f}" == readme_figure(pattern)


def test_quick_starts_national_figures_rows(tmp_path):
    """The quick start's ``--variables 'ai_*,total_*,baseline_*'`` row count. The rows are the
    variables by year, quantile and region (the means and their Monte Carlo errors among them),
    not the draws: 20 draws here write the rows 1,000 do."""
    argv = ["kr-national", "--draws", "20", "--variables", "ai_*,total_*,baseline_*"]
    table = _annual(argv, tmp_path / "kr.csv")
    pattern = (
        r"`--variables 'ai_\*,total_\*,baseline_\*'` keeps the national figures alone: "
        r"([\d,]+) rows"
    )
    assert f"{len(table):,}" == readme_figure(pattern)


def test_hours_of_the_default_period():
    """The hours of 2024-2035 that the File formats table and the grid export quote."""
    hours = period_steps(dt.date(2024, 1, 1), dt.date(2035, 12, 31), "hourly")
    assert f"{hours:,}" == readme_figure(r"\| hourly \(([\d,]+) hours;")
    assert f"{hours:,}" == readme_figure(r"reads back with pandas into ([\d,]+) snapshots")


def test_tso_bus_of_kr_outlooks_draw_0(tmp_path):
    """ "Grid-model inputs": kr-outlook's draw 0 at 2030-01-01 00:00 with the baseline split
    0.42 / 0.58 holds ``share x (grid - all held non-AI load) + its own non-AI load`` on the
    capital's bus [MW], and the README's figures are that hour's columns."""
    out = tmp_path / "tso"
    argv = ["export-grid", "kr-outlook", "--format", "wide-csv", "--draw", "0", "--start",
            "2030-01-01", "--end", "2030-01-01", "--baseline-shares",
            "capital=0.42,non_capital=0.58", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    hour = pd.read_csv(out / "draw-0.csv").iloc[0]
    baseline, non_ai = hour["baseline_capital_mw"], hour["non_ai_dc_capital_mw"]
    held = non_ai + hour["non_ai_dc_non_capital_mw"]
    grid = baseline + hour["baseline_non_capital_mw"] + held
    figures = re.findall(
        r"has ([\d,]+) \+ ([\d,]+) = ([\d,]+) MW on the capital's bus .*? where 0\.42 × the "
        r"grid's ([\d,]+) MW .*? is ([\d,]+) MW, because (\d+) % of that draw's held non-AI",
        README,
    )
    assert len(figures) == 1, figures
    printed = (baseline, non_ai, baseline + non_ai, grid, 0.42 * grid)
    assert figures[0] == (*(f"{value:,.0f}" for value in printed), f"{100 * non_ai / held:.0f}")
