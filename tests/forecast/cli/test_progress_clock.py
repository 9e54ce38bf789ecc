"""The projection bar's clock: it starts when the stream starts and leaves out the kernels'
compile, so that its rate and time left are the projection's (report-speed HIGH 2: a first
run's bar said 08:09 left of a run that ended 4 s later)."""

from __future__ import annotations

import datetime as dt
import sys

import tqdm.std

import forecast.kernels
from forecast.cli.options import projection_bar
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario


def test_the_stream_reports_zero_hours_done_when_it_starts():
    """The bar's clock starts at that first report, after the stages before the stream."""
    reports: list[tuple[int, int]] = []
    options = ProjectionOptions(
        draws=2, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 2), resolution="daily"
    )
    project(load_scenario("kr-national"), options, progress=lambda *done: reports.append(done))
    assert reports[0] == (0, 48)
    assert reports[-1] == (48, 48)


def test_the_bar_counts_neither_the_stages_before_the_stream_nor_compiling(monkeypatch, capsys):
    """On a fake clock: the bar opens at 0 s, the stream starts at 20 s (0 hours done), and at
    60 s, 30 s of it spent compiling, half the hours are done: 10 s of projection, so 10 s
    left (the bar said 60 s elapsed and 60 s left)."""
    now = [0.0]
    compiled = [0.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: now[0])
    monkeypatch.setattr(forecast.kernels, "compile_seconds", lambda: compiled[0], raising=False)
    with projection_bar("kr-national x 2 draws") as progress:
        now[0] = 20.0
        progress(0, 100)
        now[0], compiled[0] = 60.0, 30.0
        progress(50, 100)
    shown = capsys.readouterr().err.rsplit("\r", 1)[-1]
    assert "50.0/100 [00:10<00:10" in shown, shown


def test_the_bar_ends_its_line_when_it_closes(capsys):
    """Moving the bar's clock past its last ``update`` made tqdm's ``close`` take it for a bar
    never shown: it neither drew the final state nor ended the line, and export-grid's
    ``warning:`` line was glued onto the bar (seen in CI)."""
    with projection_bar("kr x 2 draws") as progress:
        progress(0, 10)
        progress(10, 10)
    print("warning: next", file=sys.stderr)
    shown = capsys.readouterr().err
    assert "\nwarning: next\n" in shown
    assert shown.rsplit("\r", 1)[-1].startswith("kr x 2 draws: 100%")
