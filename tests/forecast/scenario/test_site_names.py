"""A site's name reaches the tidy CSV's ``site`` cell as it is: one that a spreadsheet would
read as a formula is refused when the scenario is read (interop review, finding 10)."""

from __future__ import annotations

import tomllib

import pytest

from forecast.cli import main
from forecast.errors import ScenarioError
from forecast.scenario import parse_scenario


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://example.invalid","click")', "+1", "-2 MW", "@SUM(A1)", "\tx"]
)
def test_a_site_name_that_a_spreadsheet_reads_as_a_formula_is_refused(small_scenario_text, name):
    data = tomllib.loads(small_scenario_text)
    data["sites"][0]["name"] = name
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data, origin="mine.toml")
    message = str(error.value)
    # The name once, as the field's value: the path does not repeat it (errs finding a).
    assert message.startswith(f"mine.toml: sites[0].name = {name!r}: allowed: a name that does ")
    assert "not start with =, +, -, @" in message
    assert message.count(repr(name)) == 1
    assert "\n" not in message


def test_a_name_with_such_a_character_later_on_is_kept(small_scenario_text):
    data = tomllib.loads(small_scenario_text)
    data["sites"][0]["name"] = "Campus A-1 = phase 1 + 2 @ Paju"
    assert parse_scenario(data).sites[0].name == "Campus A-1 = phase 1 + 2 @ Paju"


def test_the_command_line_refuses_it_in_one_line_with_status_2(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    text = small_scenario_text.replace('name = "site A"', 'name = "=1+1"')
    assert text != small_scenario_text
    out = tmp_path / "p.csv"
    assert main(["project", str(scenario_file(text)), "--draws", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "sites[0].name = '=1+1': allowed: a name that does not start with" in err
    assert err.count("=1+1") == 1
    assert not out.exists()


def test_another_field_of_a_named_site_still_names_the_site(small_scenario_text):
    """Only the name's own error leaves the name out of the path: another field's error says
    which site it is (``sites[0] ('site A').status``)."""
    data = tomllib.loads(small_scenario_text)
    data["sites"][0]["status"] = "dreaming"
    with pytest.raises(ScenarioError, match=r"sites\[0\] \('site A'\)\.status = 'dreaming'"):
        parse_scenario(data, origin="mine.toml")
