"""A value typer itself refuses (an ``int`` option given text, a number out of its declared
range) is one line naming the flag, the value and what is allowed, with exit status 2, in
every command and every entry point: it was pydantic's words alone ("Invalid value for
'--flexibility-year': Input should be a valid integer, unable to parse string as an
integer"), without the value or the range (errors review, finding d). Run as a user runs
them, in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.server import REPOSITORY


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            ["forecast", "project", "kr-outlook", "--flexibility-year", "x"],
            # A year option: every year option's words (forecast.errors.year_error).
            "error: --flexibility-year = 'x': allowed: a year",
            id="project-year-option",
        ),
        pytest.param(
            ["forecast", "project", "kr-outlook", "--draws", "abc"],
            "error: --draws = 'abc': allowed: an integer 1..100,000",
            id="project-draws",
        ),
        pytest.param(
            ["forecast", "serve", "--port", "x"],
            "error: --port = 'x': allowed: an integer 1..65,535",
            id="serve-port-not-a-number",
        ),
        pytest.param(
            ["forecast", "serve", "--port", "99999999"],
            "error: --port = 99999999: allowed: an integer 1..65,535",
            id="serve-port-out-of-range",
        ),
        pytest.param(
            ["forecast", "results", "prune", "--max-bytes", "lots"],
            "error: --max-bytes = 'lots': allowed: an integer of at least 0",
            id="results-prune",
        ),
        pytest.param(
            ["forecast", "evaluate", "--draws", "5"],
            "error: --draws = 5: allowed: an integer 10..100,000",
            id="evaluate-draws-range",
        ),
        pytest.param(
            [
                "models.horizons",
                "--config",
                "models/configs/kr.toml",
                "--origins",
                "2020-2021",
                "--horizons",
                "x",
            ],
            "error: --horizons = 'x': allowed: an integer 1..30",
            id="training-side-entry-point",
        ),
    ],
)
def test_a_bad_option_value_is_one_line_with_the_flag_value_and_range(command, expected):
    module = "forecast" if command[0] == "forecast" else command[0]
    done = subprocess.run(
        [sys.executable, "-m", module, *command[1:]],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == expected + "\n"
    assert done.stdout == ""
