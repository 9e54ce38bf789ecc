"""``?variables=`` answers only the variables it names or matches, in every format, with an
ETag of its own; an unknown or absent variable is a 422 naming it (report-proc L13: the quick
start's kr-national CSV ran to 71,073 rows, 57,309 of them the sites'), on the real server."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
import xarray as xr

from tests.support.server import stored_job_result

BODY = {"scenario_id": "kr-national", "draws": 8, "seed": 0, "resolution": "annual",
        "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


@pytest.fixture(scope="module")
def client(served: httpx.Client) -> httpx.Client:
    return served


@pytest.fixture(scope="module")
def jobs(jobs_served: httpx.Client) -> httpx.Client:
    """Every projection a job."""
    return jobs_served


def test_the_csv_holds_only_the_variables_selected(client: httpx.Client):
    whole = client.post("/v1/projections", params={"format": "csv"}, json=BODY)
    part = client.post(
        "/v1/projections",
        params={"format": "csv", "variables": "ai_energy_twh,site_energy_twh*"},
        json=BODY,
    )
    assert whole.status_code == part.status_code == 200, part.text
    frame = pd.read_csv(io.BytesIO(part.content), low_memory=False)
    assert set(frame["variable"]) == {"ai_energy_twh", "site_energy_twh", "site_energy_twh_mean"}
    everything = pd.read_csv(io.BytesIO(whole.content), low_memory=False)
    assert len(frame) < len(everything) / 10
    # The same rows as the whole answer's, to the digit.
    kept = everything[everything["variable"].isin(set(frame["variable"]))]
    assert kept["value"].tolist() == frame["value"].tolist()
    assert part.headers["etag"] != whole.headers["etag"]
    assert "variables=ai_energy_twh,site_energy_twh*" in part.headers["content-location"]
    # The whole answer is not served from the part's rendering, nor the part from the whole's.
    again = client.post("/v1/projections", params={"format": "csv"}, json=BODY)
    assert again.content == whole.content


def test_json_and_parquet_are_selected_too(client: httpx.Client):
    answer = client.post("/v1/projections", params={"variables": "ai_peak_gw"}, json=BODY)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()["variables"]) == {"ai_peak_gw"}
    assert answer.json()["attrs"]["variables_selected"] == "ai_peak_gw"
    parquet = client.post(
        "/v1/projections", params={"format": "parquet", "variables": "ai_peak_gw"}, json=BODY
    )
    assert set(pd.read_parquet(io.BytesIO(parquet.content))["variable"]) == {"ai_peak_gw"}


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ("ai_enrgy_twh", "variables = 'ai_enrgy_twh': no such output variable (did you mean"),
        ("nothing_*", "variables = 'nothing_*': the pattern matches no output variable"),
        ("flexibility_curtailed_twh", "variables = 'flexibility_curtailed_twh': a flexibility "
                                      "variable needs [flexibility]"),
    ],
)  # fmt: skip
def test_a_variable_it_cannot_give_is_a_422_naming_it(client: httpx.Client, variables, named):
    answer = client.post(
        "/v1/projections", params={"format": "csv", "variables": variables}, json=BODY
    )
    assert answer.status_code == 422
    assert named in answer.json()["detail"]
    assert "\n" not in answer.json()["detail"]


def test_a_jobs_result_url_carries_the_selection(jobs: httpx.Client):
    _, url, stored = stored_job_result(jobs, {"format": "csv", "variables": "ai_*"}, BODY)
    names = set(pd.read_csv(io.BytesIO(stored.content))["variable"])
    assert names and all(name.startswith("ai_") for name in names)
    tag = stored.headers["etag"]
    assert jobs.get(url, headers={"If-None-Match": tag}).status_code == 304
    whole = jobs.get(url.split("&")[0])
    assert whole.headers["etag"] != tag
    assert "site_mean_mw" in set(
        pd.read_csv(io.BytesIO(whole.content), low_memory=False)["variable"]
    )
    netcdf = jobs.get(url.replace("format=csv", "format=netcdf"))
    assert netcdf.status_code == 200
    with xr.open_dataset(io.BytesIO(netcdf.content), engine="h5netcdf") as part:
        assert "ai_energy_twh" in part and "site_mean_mw" not in part
