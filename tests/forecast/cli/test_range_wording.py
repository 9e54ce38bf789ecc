"""A range is worded alike wherever it is checked: the library's ``ProjectionOptions`` said
``draws = 0: must be an integer in 1..100000`` where ``forecast project --draws 0`` said
``--draws = 0: allowed: an integer 1..100,000``, and ``forecast sweep --vary draws=0,5`` (the
library's check) read unlike ``--draws 0`` (the command line's) (errors review, finding 4).
Both now come from :func:`forecast.errors.range_error`."""

from __future__ import annotations

import pytest

from forecast.cli import main
from forecast.cli.options import OPTION_FLAGS, parse_draws, parse_duration_draws, parse_seed
from forecast.errors import OptionsError, allowed_by_schema, allowed_range
from forecast.limits import MAX_DRAWS, MAX_DURATION_DRAWS, MAX_SEED
from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario
from tests.conftest import SMALL_SCENARIO


def _message(call) -> str:
    with pytest.raises(OptionsError) as raised:
        call()
    return str(raised.value)


@pytest.mark.parametrize(
    ("field", "parse", "value"),
    [
        ("draws", parse_draws, 0),
        ("draws", parse_draws, MAX_DRAWS + 1),
        ("seed", parse_seed, -1),
        ("duration_draws", parse_duration_draws, MAX_DURATION_DRAWS + 1),
    ],
)
def test_the_library_and_the_command_line_word_a_range_alike(scenario_file, field, parse, value):
    scenario = load_scenario(str(scenario_file(SMALL_SCENARIO)))
    options = ProjectionOptions(**{field: value})
    library = _message(lambda: options.validated(scenario))
    flagged = _message(lambda: options.validated(scenario, names=OPTION_FLAGS))
    command_line = _message(lambda: parse(str(value), OPTION_FLAGS[field]))
    assert flagged == command_line
    assert library == command_line.replace(OPTION_FLAGS[field], field, 1)
    assert library.startswith(f"{field} = {value}: allowed: an integer ")


def test_the_words_are_the_apis_too():
    """The API's 422s and typer's refusals say a range through ``allowed_by_schema``."""
    schema = {"type": "integer", "minimum": 0, "maximum": MAX_SEED}
    assert allowed_by_schema(schema) == allowed_range(low=0, high=MAX_SEED)
    assert allowed_range(low=1, high=MAX_DRAWS) == "an integer 1..100,000"


def test_a_varied_draws_out_of_range_reads_as_the_draws_option(scenario_file, capsys):
    scenario = str(scenario_file(SMALL_SCENARIO))
    assert main(["sweep", scenario, "--vary", "draws=0,5", "--out", "s.csv"]) == 2
    varied = capsys.readouterr().err
    assert main(["project", scenario, "--draws", "0"]) == 2
    option = capsys.readouterr().err
    assert varied == "error: [draws=0]: draws = 0: allowed: an integer 1..100,000\n"
    assert option == "error: --draws = 0: allowed: an integer 1..100,000\n"


def test_sweep_workers_are_checked_as_the_library_checks_them(scenario_file, capsys, tmp_path):
    """``--workers 0`` was refused by the library after the cluster's start was announced,
    naming ``workers``, not the flag."""
    scenario = str(scenario_file(SMALL_SCENARIO))
    status = main(["sweep", scenario, "--vary", "seed=1,2", "--draws", "2", "--workers", "0",
                   "--out", str(tmp_path / "s.csv")])  # fmt: skip
    assert status == 2
    assert capsys.readouterr().err == "error: --workers = 0: allowed: an integer 1..256\n"
