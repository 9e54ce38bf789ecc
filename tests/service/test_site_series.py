"""``POST /v1/projections`` with ``sites``: the load series of chosen sites that ``forecast
project --site`` writes (``site_facility_mw``, ``site_it_mw``, each with its mean), on the real
server. A procurement analyst sizing a PPA for one campus had them from the command line only;
the API refused the field (422, extra input)."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

from forecast.cli import main
from tests.support.server import SharedServers

SITE = "LG U+ Paju AI data centre, building 1"
#: One month, hourly, no baseline: the sites' series alone decide the answer's size and time.
BODY = {
    "scenario_id": "kr-outlook",
    "draws": 20,
    "seed": 3,
    "start": "2030-01-01",
    "end": "2030-01-31",
    "resolution": "hourly",
    "include_baseline": False,
}
SERIES = "site_facility_mw*,site_it_mw*"


@pytest.fixture(scope="module")
def server(shared_servers: SharedServers) -> str:
    """The shared real server with the default settings (the shipped model)."""
    return shared_servers.base()


def test_the_api_csv_holds_the_rows_the_command_line_writes(server: str, tmp_path):
    answer = httpx.post(
        f"{server}/v1/projections",
        params={"format": "csv", "variables": SERIES},
        json={**BODY, "sites": [SITE]},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text[:500]
    out = tmp_path / "cli.csv"
    status = main(["project", "kr-outlook", "--draws", "20", "--seed", "3", "--start",
                   "2030-01-01", "--end", "2030-01-31", "--resolution", "hourly",
                   "--no-baseline", "--site", SITE, "--variables", SERIES, "--quiet",
                   "--out", str(out)])  # fmt: skip
    assert status == 0
    api = pd.read_csv(io.StringIO(answer.text))
    cli = pd.read_csv(out)
    assert list(api.columns) == list(cli.columns)
    assert set(api["variable"]) == {
        "site_facility_mw", "site_facility_mw_mean", "site_it_mw", "site_it_mw_mean",
    }  # fmt: skip
    assert set(api["site"]) == {SITE} and set(api["unit"]) == {"MW"}
    assert (api["variable"] == "site_facility_mw_mean").sum() == 31 * 24
    pd.testing.assert_frame_equal(api, cli)
    assert api["value"].max() > 0  # the campus draws load in January 2030


def test_the_json_answer_labels_the_sites_and_keys_the_result_by_them(server: str):
    plain = httpx.post(f"{server}/v1/projections", json=BODY, timeout=300)
    chosen = httpx.post(f"{server}/v1/projections", json={**BODY, "sites": [SITE]}, timeout=300)
    assert plain.status_code == chosen.status_code == 200, chosen.text[:500]
    assert plain.headers["etag"] != chosen.headers["etag"]
    body = chosen.json()
    assert body["coords"]["profile_site"] == [SITE]
    assert body["coords"]["profile_site_region"] == ["capital"]
    assert SITE in body["coords"]["load_site"]
    assert len(body["coords"]["load_site"]) == len(body["coords"]["load_site_region"])
    for name in ("site_facility_mw", "site_it_mw"):
        variable = body["variables"][name]
        assert variable["dims"] == ["profile_site", "time", "quantile"]
        assert variable["units"] == "MW"
        assert len(variable["values"][0]) == 31 * 24
    assert "site_facility_mw" not in plain.json()["variables"]
    # The run records the sites, so a resubmission or a restart computes the same result.
    run = httpx.get(f"{server}/v1/runs/{chosen.headers['x-run-id']}").json()
    assert run["options"]["sites"] == [SITE]


def test_a_site_the_scenario_lacks_is_a_422_listing_its_sites(server: str):
    answer = httpx.post(f"{server}/v1/projections", json={**BODY, "sites": ["nowhere"]}, timeout=60)
    assert answer.status_code == 422, answer.text[:500]
    detail = answer.json()["detail"]
    assert detail.startswith("sites = 'nowhere': no site of scenario kr-outlook is named so; "
                             "allowed: ")  # fmt: skip
    assert repr(SITE) in detail
    assert "\n" not in detail


def test_the_memory_estimate_counts_the_sites_series():
    """Each site asked for keeps its coefficients per draw and adds its series to the result:
    kr-national at 1,000 hourly draws over 2030 peaked at 83 MB without a site's series,
    102 MB with one and 107 MB with four (tracemalloc, kernels warm; 2026-12-07); the
    estimate was 110 MB for all three."""
    import dataclasses

    from forecast.engine.dataset import site_labels
    from forecast.projection import ProjectionOptions
    from forecast.scenario import load_scenario
    from service import estimates

    scenario = load_scenario("kr-national")
    labels = site_labels([site.name for site in scenario.sites])
    base = ProjectionOptions(
        draws=1000, start="2030-01-01", end="2030-12-31", include_baseline=False
    ).validated(scenario)
    sizes = [
        estimates.projection_bytes(dataclasses.replace(base, sites=tuple(labels[:n])), scenario)
        for n in (0, 1, 4)
    ]
    # A site's hourly year: two series of 5 quantiles and a mean, float64, 2.5 x in the result.
    series = 2 * 8760 * 6 * 8
    assert sizes[1] - sizes[0] >= 2.5 * series
    assert sizes[2] - sizes[0] == pytest.approx(4 * (sizes[1] - sizes[0]))
    assert sizes[1] >= 102e6 and sizes[2] >= 107e6
