"""A scenario file with a value its schema refuses: ``forecast project`` and ``forecast
scenarios show`` (the command that validates a scenario and prints it) exit with status 2 and
one line naming the file, the field, the value and what the field allows, in the API's words:
``milestones[0].count = -5: Input should be greater than or equal to 0`` said no range."""

from __future__ import annotations

import pytest

from forecast.cli import main
from tests.conftest import SMALL_SCENARIO

EDITS = [
    pytest.param(
        "count = 1000",
        "count = -5",
        "small.toml: deployments[0] ('fleet').milestones[0].count = -5: Input should be greater "
        "than or equal to 0 (allowed: a number 0..1,000,000,000)",
        id="bound",
    ),
    pytest.param(
        'country = "KR"',
        'country = "kor"',
        "small.toml: country = 'kor': not of the allowed form (allowed: a country: its ISO "
        "3166 two-letter code in capitals (KR), or world)",
        id="pattern",
    ),
    pytest.param(
        'name = "fleet"',
        'name = "fleet"\nafter_last = "keep"',
        "small.toml: deployments[0] ('fleet').after_last = 'keep': not one of the choices "
        "(allowed: 'hold', 'retire')",
        id="enum-choice",
    ),
    pytest.param(
        'pue = { dist = "uniform", low = 1.2, high = 1.4 }',
        'pue = { dist = "beta", alpha = 2.0, beta = 0.0, low = 1.1, high = 1.5 }',
        "small.toml: operations.pue.beta = 0.0: Input should be greater than 0 (allowed: a "
        "number above 0)",
        id="exclusive-bound-of-a-field-named-as-its-tag",
    ),
    pytest.param(
        'name = "site B"',
        f'name = "{"B" * 121}"',
        "small.toml: sites[1].name = '" + "B" * 121 + "': String should have at most 120 "
        "characters (allowed: text of 1..120 characters)",
        id="length",
    ),
]


@pytest.mark.parametrize("command", [["project"], ["scenarios", "show"]])
@pytest.mark.parametrize(("old", "new", "expected"), EDITS)
def test_a_refused_value_names_what_is_allowed(
    command, old, new, expected, scenario_file, tmp_path, capsys
):
    assert old in SMALL_SCENARIO
    path = scenario_file(SMALL_SCENARIO.replace(old, new, 1))
    extra = ["--draws", "4", "--out", str(tmp_path / "out.csv")] if command == ["project"] else []
    status = main([*command, str(path), *extra])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert captured.err == f"error: {expected}\n"
    assert "Traceback" not in captured.out + captured.err
    assert not (tmp_path / "out.csv").exists()
