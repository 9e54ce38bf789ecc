"""The scenario format (forecast/scenario/model.py, files.py): shipped scenarios round-trip,
and a wrong field is refused in one line that names the origin, the field and the value."""

from __future__ import annotations

import copy

import pytest

from forecast.errors import ScenarioError
from forecast.scenario import list_scenarios, load_scenario, parse_scenario

SHIPPED = [scenario.id for scenario in list_scenarios()]


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_a_shipped_scenario_round_trips_through_its_json_document(scenario_id):
    scenario = load_scenario(scenario_id)
    document = scenario.model_dump(mode="json", exclude_none=True)
    assert parse_scenario(copy.deepcopy(document), origin="round trip") == scenario


def _document(scenario_id: str = "kr-outlook") -> dict:
    return load_scenario(scenario_id).model_dump(mode="json", exclude_none=True)


def test_an_unknown_field_is_refused_by_name():
    document = _document()
    document["horizon"]["stop"] = "2040-01-01"
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(document, origin="mine.toml")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("mine.toml") and "horizon.stop" in message


def test_an_unordered_triangular_quantity_names_its_values():
    document = _document()
    document["operations"] = {
        "pue": {"dist": "triangular", "low": 1.5, "mode": 1.2, "high": 1.8, "source": "test"}
    }
    with pytest.raises(
        ScenarioError,
        match=r"^mine\.toml: operations\.pue: mode = 1\.2: allowed: a number 1\.5\.\.1\.8 "
        r"\(low\.\.high\)$",
    ):
        parse_scenario(document, origin="mine.toml")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ({"dist": "uniform", "low": 1.4, "high": 1.2}, "high = 1.2: allowed: a number of at least "
         "low = 1.4"),
        ({"dist": "triangular", "low": 1.4, "mode": 1.3, "high": 1.2}, "high = 1.2: allowed: a "
         "number of at least low = 1.4"),
        ({"dist": "beta", "alpha": 2, "beta": 2, "low": 1.3, "high": 1.3}, "high = 1.3: allowed: "
         "a number above low = 1.3"),
    ],
)  # fmt: skip
def test_a_distribution_whose_high_is_below_its_low_says_the_highs_allowed(quantity, message):
    document = _document()
    document["operations"] = {"pue": {**quantity, "source": "test"}}
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(document, origin="mine.toml")
    assert str(refused.value) == f"mine.toml: operations.pue: {message}"


def test_trend_points_must_be_in_date_order():
    document = _document()
    document["operations"] = {
        "pue": [  # a trend is written as its list of dated points
            {"date": "2030-01-01", "dist": "fixed", "value": 1.3, "source": "test"},
            {"date": "2026-01-01", "dist": "fixed", "value": 1.4, "source": "test"},
        ]
    }
    with pytest.raises(
        ScenarioError,
        match=r"operations\.pue\.points: \[1\]\.date = 2026-01-01: allowed: a date after "
        r"\[0\]\.date = 2030-01-01 \(dates increase\)$",
    ):
        parse_scenario(document, origin="mine.toml")


def test_an_unknown_accelerator_is_refused():
    document = _document("kr-national")
    plans = document["deployments"]
    plans[0]["accelerator"] = "no-such-gpu"
    with pytest.raises(ScenarioError, match="no-such-gpu"):
        parse_scenario(document, origin="mine.toml")


def test_a_scenario_without_a_time_zone_is_refused_saying_what_it_is_for():
    """A Japanese scenario without `timezone` was read in UTC without a word: its days, years
    and holidays cut at 09:00 JST. The zone is required, and a bad one names examples."""
    data = copy.deepcopy(load_scenario("kr-national").model_dump(mode="json", exclude_none=True))
    del data["timezone"]
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(data, origin="jp.toml")
    assert str(refused.value) == (
        "jp.toml: timezone: missing: the zone the scenario's hours, days and years are counted "
        "in; allowed: an IANA time zone name such as Asia/Tokyo, Europe/Dublin, "
        "America/New_York or UTC"
    )
    with pytest.raises(ScenarioError) as refused:
        parse_scenario({**data, "timezone": "JST"}, origin="jp.toml")
    assert str(refused.value) == (
        "jp.toml: timezone = 'JST': not an IANA time zone name; allowed: a name such as "
        "Asia/Tokyo, Europe/Dublin, America/New_York or UTC"
    )
