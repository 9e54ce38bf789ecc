"""A 422 for fields of the wrong type names every field at fault with its value and what it
allows, in one line, on the real server: ``draws = "x", seed = "y"`` read ``draws = 'x': Input
should be a valid integer (and 1 more: seed)``, naming neither seed's value nor either range
(errors review, finding b)."""

from __future__ import annotations

import re

import httpx
import pytest

from service.schemas import MAX_SEED
from tests.support.data import requires_shared_data
from tests.support.server import running_server

pytestmark = requires_shared_data


#: This server's own draws limit, below the schema's (the library's 100,000).
MOST_DRAWS = 1234


@pytest.fixture(scope="module")
def server():
    with running_server({"FORECAST_MAX_DRAWS": str(MOST_DRAWS)}) as (base, _seconds):
        yield base


def test_every_field_of_the_wrong_type_is_named_with_its_value_and_range(server: str):
    answer = httpx.post(
        f"{server}/v1/projections",
        json={"scenario_id": "kr-outlook", "draws": "x", "seed": "y"},
        timeout=60,
    )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert re.fullmatch(
        r"draws = 'x': Input should be a valid integer \(allowed: an integer 1\.\.1,234\); "
        r"seed = 'y': Input should be a valid integer \(allowed: an integer "
        rf"0\.\.{MAX_SEED:,}\)",
        detail,
    ), detail


def test_the_draws_range_is_this_services_limit(server: str):
    """The schema allows the library's 100,000 draws; the range said is the service's own."""
    answer = httpx.post(
        f"{server}/v1/projections", json={"scenario_id": "kr-outlook", "draws": 1.5}, timeout=60
    )
    assert answer.status_code == 422, answer.text
    assert f"(allowed: an integer 1..{MOST_DRAWS:,})" in answer.json()["detail"]


def test_past_five_fields_the_rest_are_named(server: str):
    body = {
        "scenario_id": "kr-outlook",
        "draws": "x",
        "seed": "y",
        "resolution": "weekly",
        "quantiles": [2],
        "weather_year": "z",
        "per_draw": "yes",
        "duration_curves": "no",
    }
    answer = httpx.post(f"{server}/v1/projections", json=body, timeout=60)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "\n" not in detail
    assert detail.count(" = ") == 5, detail
    assert "quantiles.0 = 2: Input should be less than or equal to 1 (allowed: a number 0..1)" in (
        detail
    )
    assert "weather_year = 'z': Input should be a valid integer (allowed: an integer, or null)" in (
        detail
    )
    assert detail.endswith(" (and 2 more: per_draw, duration_curves)"), detail


def test_a_choice_says_what_is_allowed_as_the_command_line_does(server: str):
    """A choice's 422 read pydantic's ``Input should be 'hold' or 'retire'``, with no
    ``(allowed: ...)`` as every other field's has; it reads as the scenario file's error on the
    command line (tests/forecast/cli/test_scenario_allowed.py), a query's and a body's alike."""
    from forecast.scenario import load_scenario

    scenario = load_scenario("kr-outlook").model_dump(mode="json", exclude_none=True)
    scenario["deployments"][0]["after_last"] = "keep"
    for body, expected in [
        ({"scenario_id": "kr-outlook", "resolution": "weekly"},
         "resolution = 'weekly': not one of the choices (allowed: 'hourly', 'daily', "
         "'monthly', 'annual')"),
        ({"scenario": scenario}, "after_last = 'keep': not one of the choices (allowed: 'hold', "
                                 "'retire')"),
    ]:  # fmt: skip
        answer = httpx.post(f"{server}/v1/projections", json=body, timeout=60)
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert expected in detail, detail
        assert "Input should be" not in detail, detail
