"""``?variables=`` naming what the projection cannot hold is a 422 before any work, on the real
server: a large request became a job (202), ran to its end, and only its result's fetch said
that ``flexibility_curtailed_twh`` is not in a scenario without flexibility (errors review,
finding 2). Checked against what each scenario will produce, the allowed variables listed."""

from __future__ import annotations

import httpx
import pytest

from tests.support.data import requires_shared_data
from tests.support.server import running_server

pytestmark = requires_shared_data

BODY = {"scenario_id": "kr-national", "draws": 8, "seed": 0, "resolution": "annual",
        "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


@pytest.fixture(scope="module")
def server():
    # Every projection a job: a selection found wrong after the run cost the whole job.
    with running_server({"FORECAST_JOB_THRESHOLD_DRAW_HOURS": "1"}) as (base, _seconds):
        yield base


def _runs(server: str) -> int:
    return httpx.get(f"{server}/v1/runs", timeout=30).json()["total"]


@pytest.mark.parametrize(
    ("body", "variables", "expected"),
    [
        (BODY, "flexibility_curtailed_twh", "variables = 'flexibility_curtailed_twh': a "
                                            "flexibility variable needs [flexibility], and "
                                            "scenario kr-national has none; allowed here: "),
        ({**BODY, "include_baseline": False}, "ai_energy_twh,total_*", "variables = 'total_*': "
                                                                      "a baseline_* or total_* "
                                                                      "variable needs a "
                                                                      "baseline, and kr-national "
                                                                      "is projected without one;"
                                                                      " allowed here: "),
        (BODY, "input_pue_per_draw", "variables = 'input_pue_per_draw': a sampled input's "
                                     "values are written with per_draw only; allowed: add "
                                     "per_draw, or leave out the input_* items"),
        # These three were found only in the job's result.
        (BODY, "ai_load_duration_mw", "variables = 'ai_load_duration_mw': a duration-curve "
                                      "variable (*_duration_*, duration_band_hours, "
                                      "peak_hours_share_pct) is written with duration_curves "
                                      "only, and the duration curves are off; allowed here: "),
        (BODY, "*_per_draw", "variables = '*_per_draw': a *_per_draw variable (every draw's "
                             "values) is written with per_draw only, and per-draw values are "
                             "off; allowed here: "),
        ({**BODY, "scenario_id": "kr-outlook"}, "site_facility_mw_mean",
         "variables = 'site_facility_mw_mean': a site's own load series (site_facility_mw, "
         "site_it_mw) is written for the sites named with sites only, and none is named; "
         "allowed here: "),
        # A scenario without sites: the reason that applies, not also "name them with sites".
        ({**BODY, "scenario_id": "kr-gov-gpu-path"}, "site_facility_mw",
         "variables = 'site_facility_mw': a site_* variable needs sites, and scenario "
         "kr-gov-gpu-path has none; allowed here: "),
        # Only a comparison writes a difference: a plain projection's job ran to its end first.
        (BODY, "ai_energy_twh_difference", "variables = 'ai_energy_twh_difference': a "
                                           "*_difference variable (a scenario's figure minus "
                                           "the first scenario's, draw by draw) is written by "
                                           "POST /v1/comparisons only, and this is not a "
                                           "comparison; allowed here: "),
    ],
)  # fmt: skip
def test_a_projection_refuses_what_it_cannot_hold_before_any_job(
    server: str, body: dict, variables: str, expected: str
):
    before = _runs(server)
    answer = httpx.post(
        f"{server}/v1/projections", params={"variables": variables}, json=body, timeout=60
    )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith(expected), detail
    assert "\n" not in detail
    assert _runs(server) == before  # no job queued, no run recorded


def test_a_comparison_refuses_what_none_of_its_scenarios_holds(server: str):
    body = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-outlook"}],
            "draws": 8, "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
    before = _runs(server)
    answer = httpx.post(
        f"{server}/v1/comparisons", params={"variables": "flexibility_*"}, json=body, timeout=60
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(
        "variables = 'flexibility_*': a flexibility variable needs [flexibility], and scenario "
        "kr-national has none; scenario kr-outlook has none; allowed here: "
    ), answer.json()["detail"]
    assert _runs(server) == before


def test_a_variable_one_compared_scenario_has_is_accepted(server: str):
    body = {"scenarios": [{"scenario_id": "kr-outlook"}, {"scenario_id": "kr-outlook-flex"}],
            "draws": 8, "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
    answer = httpx.post(
        f"{server}/v1/comparisons",
        params={"variables": "flexibility_curtailed_twh"},
        json=body,
        timeout=60,
    )
    assert answer.status_code == 202, answer.text


def test_a_comparison_accepts_its_differences(server: str):
    body = {"scenarios": [{"scenario_id": "kr-outlook"}, {"scenario_id": "kr-outlook-flex"}],
            "draws": 8, "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
    answer = httpx.post(
        f"{server}/v1/comparisons",
        params={"variables": "ai_energy_twh_difference*"},
        json=body,
        timeout=60,
    )
    assert answer.status_code == 202, answer.text


def test_a_comparison_refuses_duration_curves_it_does_not_draw_and_sites_it_cannot_take(
    server: str,
):
    """A comparison's duration curves are on unless turned off; it takes no sites, so a
    site's own series is never in it (POST /v1/projections gives it)."""
    body = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-outlook"}],
            "draws": 8, "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
    before = _runs(server)
    for variables, extra, expected in [
        ("ai_load_duration_mw", {"duration_curves": False},
         "variables = 'ai_load_duration_mw': a duration-curve variable (*_duration_*, "
         "duration_band_hours, peak_hours_share_pct) is written with duration_curves only, and "
         "the duration curves are off; allowed here: "),
        ("site_facility_mw", {}, "variables = 'site_facility_mw': a site's own load series "
                                 "(site_facility_mw, site_it_mw) is written by a single "
                                 "projection with sites named only; allowed here: "),
    ]:  # fmt: skip
        answer = httpx.post(
            f"{server}/v1/comparisons",
            params={"variables": variables},
            json=body | extra,
            timeout=60,
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"].startswith(expected), answer.json()["detail"]
    assert _runs(server) == before


def test_a_projection_with_the_option_accepts_what_it_adds(server: str):
    body = {**BODY, "duration_curves": True, "per_draw": True}
    answer = httpx.post(
        f"{server}/v1/projections",
        params={"variables": "ai_load_duration_mw,ai_energy_twh_per_draw"},
        json=body,
        timeout=60,
    )
    assert answer.status_code == 202, answer.text
