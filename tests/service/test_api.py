"""Every endpoint of the service on a real server (uvicorn), including each error path.

The tests that hold the service's own job queue or slots, or start it without its lifespan,
run the app in-process (FastAPI's TestClient): they reach into its state, which a server in
another process does not show."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from forecast.errors import ScenarioNote
from forecast.io import export
from forecast.io.export import CSV_COLUMNS, LOCAL_TIME_COLUMN, tidy_frame
from service.errors import NotAcceptableError
from service.main import create_app
from service.render import negotiate, spreadsheet_safe
from tests.support.model_artifacts import API_KEY, MODEL_ID, publish_model
from tests.support.server import SharedServers, server_client, wait_for_status

SMALL = {
    "scenario_id": "kr-national",
    "draws": 20,
    "resolution": "annual",
    "start": "2030-01-01",
    "end": "2030-12-31",
}


@pytest.fixture(scope="module")
def client(artifact_root: Path) -> Iterator[httpx.Client]:
    """A real server of the test model with two keys, at most 5000 draws, a projection above
    5e6 draw-hours a job and one job queued at most (a server of its own: its settings)."""
    with server_client(
        artifact_dir=artifact_root, api_keys=f"{API_KEY},second-key-000001", max_draws=5_000,
        job_threshold_draw_hours=5e6, max_queued_jobs=1, require_read_key=False,
    ) as http:  # fmt: skip
        yield http


def test_health_and_readiness(client: httpx.Client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["model_version"] == f"{MODEL_ID}@v1"


def test_not_ready_before_lifespan(make_settings):
    """Without the lifespan (no `with`), nothing is compiled: /readyz and the API say 503."""
    client = TestClient(create_app(make_settings(), start_in_background=False))
    assert client.get("/readyz").status_code == 503
    response = client.post("/v1/projections", json=SMALL)
    assert response.status_code == 503
    assert "starting" in response.json()["detail"]


def test_accelerators(client: httpx.Client):
    listed = client.get("/v1/accelerators").json()
    h100 = next(row for row in listed if row["accelerator_id"] == "h100_sxm")
    assert h100["system_w_per_accelerator"] == 1275.0  # DGX H100 10.2 kW / 8 (facts.csv)
    assert client.get("/v1/accelerators/h100_sxm").json() == h100
    missing = client.get("/v1/accelerators/no_such_gpu")
    assert missing.status_code == 404
    assert "no_such_gpu" in missing.json()["detail"]
    assert client.get("/v1/accelerators/..%2F..%2Fetc").status_code in (404, 422)


def test_scenarios(client: httpx.Client):
    listed = client.get("/v1/scenarios").json()
    assert "kr-national" in {row["id"] for row in listed}
    detail = client.get("/v1/scenarios/kr-national").json()
    assert detail["scenario"]["id"] == "kr-national"
    assert client.get("/v1/scenarios/no-such-scenario").status_code == 404
    assert client.get("/v1/scenarios/..%2Fsecret").status_code in (404, 422)
    assert client.get("/v1/scenarios/..secret").status_code == 422
    assert client.get("/v1/scenarios/UPPER").status_code == 422


def test_projection_json_names_units_and_model(client: httpx.Client):
    response = client.post("/v1/projections", json={**SMALL, "seed": 11})
    assert response.status_code == 200
    assert response.headers["x-cache"] == "miss"
    body = response.json()
    assert body["model_version"] == f"{MODEL_ID}@v1" == response.headers["x-model-version"]
    # What demand the baseline is (the test model's manifest states none).
    assert body["attrs"]["baseline_demand_basis"] == "not stated in the model's manifest"
    assert body["variables"]["ai_energy_twh"]["units"] == "TWh"
    assert body["variables"]["total_mw"]["units"] == "MW"
    assert body["coords"]["year"] == [2030]
    energy = np.array(body["variables"]["ai_energy_twh"]["values"])
    assert energy.shape == (1, len(body["coords"]["quantile"]))
    assert np.all(np.diff(energy[0]) >= 0)  # quantiles ordered
    again = client.post("/v1/projections", json={**SMALL, "seed": 11})
    assert again.headers["x-cache"] == "hit"
    assert again.content == response.content


def test_projection_csv_and_netcdf_by_query_and_accept(client: httpx.Client):
    csv = client.post("/v1/projections?format=csv", json=SMALL)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text))
    assert list(table.columns) == [
        "variable",
        "region",
        "resolution",
        "period_start",
        "quantile",
        "value",
        "unit",
        "period_start_utc",
        # The small scenario's site (in a region with no limit): its rows name it.
        "site",
        "site_status",
        "site_grid_request",
        "site_grid_limit",
    ]
    by_accept = client.post("/v1/projections", json=SMALL, headers={"accept": "text/csv"})
    assert by_accept.content == csv.content
    netcdf = client.post("/v1/projections", json=SMALL, headers={"accept": "application/x-netcdf"})
    assert netcdf.headers["content-type"] == "application/x-netcdf"
    dataset = xr.open_dataset(io.BytesIO(netcdf.content), engine="h5netcdf")
    assert dataset["ai_energy_twh"].attrs["units"] == "TW h"  # UDUNITS (CF)
    assert dataset["ai_energy_twh"].attrs["units_label"] == "TWh"
    # The file says where its figures come from: the scenario's inputs, as the run's .meta.json
    # (a source auditor's M1: a NetCDF answer held no input and no source).
    meta = client.get(f"/v1/runs/{netcdf.headers['x-run-id']}/meta").json()
    assert json.loads(dataset.attrs["inputs"]) == meta["inputs"]
    assert "inputs" not in meta["attrs"]  # held once, as data
    json_body = client.post("/v1/projections", json=SMALL).json()
    np.testing.assert_allclose(
        dataset["ai_energy_twh"].values, json_body["variables"]["ai_energy_twh"]["values"]
    )


def test_projection_parquet_is_the_csv_table_with_its_provenance(client: httpx.Client):
    """The compact binary answer: the CSV's rows, typed, with the provenance in the schema."""
    import pyarrow.parquet as pq

    csv = pd.read_csv(io.BytesIO(client.post("/v1/projections?format=csv", json=SMALL).content))
    parquet = client.post("/v1/projections?format=parquet", json=SMALL)
    assert parquet.status_code == 200
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert parquet.headers["content-disposition"].endswith('.parquet"')
    table = pd.read_parquet(io.BytesIO(parquet.content))
    # The CSV's columns, and the local wall clock typed (Parquet only: the CSV's text has it).
    assert [c for c in table.columns if c != LOCAL_TIME_COLUMN] == list(csv.columns)
    assert len(table) == len(csv) > 0
    for column in ("variable", "region", "resolution", "unit"):
        assert table[column].fillna("").tolist() == csv[column].fillna("").tolist()
    np.testing.assert_allclose(table["quantile"], csv["quantile"])
    np.testing.assert_allclose(table["value"], csv["value"], rtol=1e-8)  # CSV keeps 9 digits
    metadata = pq.read_schema(io.BytesIO(parquet.content)).metadata
    provenance = json.loads(metadata[b"forecast"])
    assert provenance["attrs"]["scenario_id"] == SMALL["scenario_id"]
    assert provenance["columns"] == list(table.columns)  # the Parquet file's own
    by_accept = client.post(
        "/v1/projections", json=SMALL, headers={"accept": "application/vnd.apache.parquet"}
    )
    assert by_accept.content == parquet.content
    assert by_accept.headers["etag"] == parquet.headers["etag"]
    assert by_accept.headers["etag"] != client.post("/v1/projections", json=SMALL).headers["etag"]
    run = parquet.headers["x-run-id"]
    stored = client.get(f"/v1/runs/{run}/result", params={"format": "parquet"})
    assert stored.status_code == 200 and stored.content == parquet.content


def test_projection_overrides_and_inline_scenario(client: httpx.Client):
    base = client.post("/v1/projections", json=SMALL).json()
    heavier = client.post(
        "/v1/projections",
        json={**SMALL, "overrides": {"operations": {"pue": {"dist": "fixed", "value": 2.0}}}},
    ).json()
    assert heavier["scenario_sha256"] != base["scenario_sha256"]
    assert (
        np.array(heavier["variables"]["ai_energy_twh"]["values"])
        > np.array(base["variables"]["ai_energy_twh"]["values"])
    ).all()
    # A dotted key names the nested table's path, as forecast sweep --vary does.
    dotted = client.post(
        "/v1/projections",
        json={**SMALL, "overrides": {"operations.pue": {"dist": "fixed", "value": 2.0}}},
    ).json()
    assert dotted["scenario_sha256"] == heavier["scenario_sha256"]
    # A fixed value over the base's triangular lifetime (the base's dist, low, mode and high
    # stayed beside it: HTTP 500), and the same as a fixed distribution.
    lives = [{"value": 6.0, "source": "mine"}, {"dist": "fixed", "value": 6.0, "source": "mine"}]
    longer = [
        client.post(
            "/v1/projections",
            json={**SMALL, "overrides": {"operations.lifetime_years": life}},
        )
        for life in lives
    ]
    assert [answer.status_code for answer in longer] == [200, 200], longer[0].text
    assert longer[0].json()["variables"] == longer[1].json()["variables"]
    scenario = client.get("/v1/scenarios/kr-national").json()["scenario"]
    inline = {key: value for key, value in SMALL.items() if key != "scenario_id"}
    same = client.post("/v1/projections", json={**inline, "scenario": scenario}).json()
    assert same["scenario_sha256"] == base["scenario_sha256"]
    assert same["variables"]["ai_energy_twh"] == base["variables"]["ai_energy_twh"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({**SMALL, "draws": 0}, 422, ["draws", "greater than or equal to 1"]),
        ({**SMALL, "draws": 5_001}, 422, ["draws = 5001", "at most 5000"]),
        ({**SMALL, "quantiles": [1.5]}, 422, ["quantiles", "1.5", "less than or equal to 1"]),
        (
            {**SMALL, "start": "2030-01-01", "end": "2029-01-01"},
            422,
            ["end = 2029-01-01: allowed: a date 2030-01-01..2059-12-31 (from start = 2030-01-01"],
        ),
        (
            {**SMALL, "start": "2024-01-01", "end": "2099-01-01"},
            422,
            [
                "end = 2099-01-01: allowed: a date 2024-01-01..2053-12-31 (from start = "
                "2024-01-01, at most 30 calendar years)"
            ],
        ),
        ({**SMALL, "start": "9999-01-01"}, 422, ["start", "2100-12-31"]),
        ({**SMALL, "start": "0001-01-01"}, 422, ["start", "1990-01-01"]),
        ({**SMALL, "resolution": "weekly"}, 422, ["resolution"]),
        ({**SMALL, "scenario_id": "no-such"}, 404, ["no-such", "shipped", "saved"]),
        ({**SMALL, "scenario_id": "../../etc/passwd"}, 422, ["scenario_id", "a scenario id: "]),
        ({"draws": 10}, 422, ["exactly one of scenario_id and scenario"]),
        ({**SMALL, "overrides": {"operations": {"pue": 9}}}, 422, ["pue", "[1.0, 5.0]"]),
        # A variant of kr-national may take a new id, not another scenario's.
        ({**SMALL, "overrides": {"id": "kr-outlook"}}, 409, ["overrides.id = 'kr-outlook'"]),
        ({**SMALL, "overrides": {"schema_version": 1}}, 422, ["overrides.schema_version"]),
        ({**SMALL, "quantiles": [0.1, 0.5, 0.5]}, 422, ["0.5 given twice"]),
        (
            {
                **SMALL,
                "overrides": {
                    "deployments": [
                        {
                            "name": "x",
                            "milestones": [
                                {
                                    "date": f"{2000 + i // 12}-{i % 12 + 1:02d}-01",
                                    "count": i,
                                    "mix": {"h100_sxm": 1.0},
                                }
                                for i in range(201)
                            ],
                        }
                    ]
                },
            },
            422,
            ["milestones", "200"],
        ),
        ({**SMALL, "unknown_field": 1}, 422, ["unknown_field"]),
        # A number or a date-time is not a day: pydantic alone read 20240305 as seconds.
        ({**SMALL, "start": "20240305"}, 422, ["start = '20240305'", "YYYY-MM-DD"]),
        ({**SMALL, "start": "2024-01-01T00:00:00"}, 422, ["start = '2024-01-01T00:00:00'"]),
    ],
)
def test_projection_refusals_name_field_and_range(client, body, status, words):
    response = client.post("/v1/projections", json=body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    for word in words:
        assert word in detail


def test_a_period_past_the_horizon_is_noted_in_the_answer(client: httpx.Client):
    """kr-outlook to 2036 (its horizon ends in 2035): the answer's attrs say what the years
    past the horizon hold, as the command line's note does; within the horizon, nothing. The
    service does not warn it as well (a warned note went to the server's stderr, and where
    warnings are errors, as in these tests, failed the request with a 500)."""
    body = {**SMALL, "scenario_id": "kr-outlook", "draws": 5, "start": "2035-01-01"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioNote)
        past = client.post("/v1/projections", json={**body, "end": "2036-12-31"})
    assert past.status_code == 200, past.text
    assert past.json()["attrs"]["horizon_note"].startswith(
        "the period ends on 2036-12-31, after kr-outlook's horizon.end = 2035-12-31: the "
        "scenario states nothing new there"
    )
    within = client.post("/v1/projections", json={**body, "end": "2035-12-31"})
    assert "horizon_note" not in within.json()["attrs"]


def test_a_shorter_service_limit_names_the_last_day_too(
    shared_servers: SharedServers, artifact_root: Path
):
    """FORECAST_MAX_HORIZON_YEARS below 30: the refusal names the latest end it allows, for a
    projection and for the baseline alone."""
    body = {"draws": 5, "start": "2024-01-01", "end": "2034-12-31"}
    words = "end = 2034-12-31: allowed: a date 2024-01-01..2033-12-31 (from start = 2024-01-01, "
    limited = shared_servers.client(artifact_dir=artifact_root, max_horizon_years=10)
    for path, extra in (("/v1/projections", {"scenario_id": "kr-national"}), ("/v1/baseline", {})):
        response = limited.post(path, json={**body, **extra})
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == words + "at most 10 calendar years)"


def test_a_long_value_in_a_refusal_is_cut_short_with_its_length(client: httpx.Client):
    """A request field holding a whole scenario's notes (8,605 characters for global-iea-2025)
    was echoed whole in the 422's detail; now its first 200 characters, then its length."""
    notes = "Reproduces, without fitting, the base case. " * 200
    response = client.post("/v1/projections", json={**SMALL, "resolution": notes})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert f"resolution = {repr(notes)[:200]}… ({len(notes):,} characters): " in detail
    assert len(detail) < 500


def test_malformed_json_is_422(client: httpx.Client):
    response = client.post(
        "/v1/projections", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    # JSON sent as text/plain (curl -d's form type is the same) is read as bytes: say so.
    plain = client.post(
        "/v1/projections", content=b'{"scenario_id": "x"}', headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 422
    assert plain.json()["detail"] == (
        "body: not read as JSON; send a JSON object with the header Content-Type: application/json"
    )
    # A JSON string was read as JSON: it is the wrong type, and the answer says so.
    string = client.post("/v1/projections", json="kr-national")
    assert string.status_code == 422 and "not read as JSON" not in string.json()["detail"]
    # Every field at fault is named, not only the first.
    several = client.post("/v1/projections", json={"draws": "many", "seed": "x"})
    assert several.status_code == 422
    detail = several.json()["detail"]
    assert "draws = 'many': " in detail and "; seed = 'x': " in detail, detail
    assert "more" not in detail and "\n" not in detail, detail
    # A scenario posted bare is named as such, not as a dozen missing or extra fields.
    scenario = client.get("/v1/scenarios/kr-national").json()["scenario"]
    bare = client.post("/v1/projections", json=scenario)
    assert bare.status_code == 422
    assert bare.json()["detail"].startswith("body: fields of a scenario at the top level")
    assert '{"scenario": {...}}' in bare.json()["detail"]
    # Each route names its own place for it.
    comparing = client.post("/v1/comparisons", json=scenario).json()["detail"]
    assert comparing.endswith('send it inside {"scenarios": [{"scenario": {...}}, ...]}')
    # (Saving, which needs a write key, names its place the same way: test_scenarios_api.)


def test_an_unknown_query_parameter_is_422_naming_it_and_the_allowed(client: httpx.Client):
    """A misspelt parameter is refused, not ignored (``?fromat=csv`` answered JSON)."""
    body = {"scenario_id": "kr-national", "draws": 10, "resolution": "annual"}
    typo = client.post("/v1/projections?fromat=csv", json=body)
    assert typo.status_code == 422
    assert typo.json()["detail"] == (
        "query parameter 'fromat' = 'csv': not one of this resource's; "
        "allowed: format, id_columns, variables"
    )
    listing = client.get("/v1/runs?limt=5")
    assert (
        listing.status_code == 422
        and "allowed: author, data_sha256, kind, limit," in listing.json()["detail"]
    )
    assert client.get("/v1/runs?limit=5").status_code == 200


def test_body_too_large_is_413(client: httpx.Client):
    declared = client.post(
        "/v1/projections", content=b" " * 1_000_001, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413
    assert "at most 1000000" in declared.json()["detail"]

    def chunks():
        for _ in range(20):
            yield b" " * 100_000

    streamed = client.post(
        "/v1/projections", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def _wait_for(client: httpx.Client, location: str) -> dict:
    return wait_for_status(client, location, {"succeeded", "failed"})


def test_large_projection_runs_as_a_job(client: httpx.Client):
    body = {**SMALL, "draws": 600, "seed": 5}  # 600 draws x 8760 h > 5e6 draw-hours
    accepted = client.post("/v1/projections", json=body)
    assert accepted.status_code == 202
    location = accepted.headers["location"]
    assert location == f"/v1/jobs/{accepted.json()['id']}"
    job = _wait_for(client, location)
    assert job["status"] == "succeeded"
    assert job["done_hours"] == job["total_hours"] == 8760
    result = client.get(job["result_url"])
    assert result.status_code == 200
    assert result.json()["attrs"]["draws"] == 600
    csv = client.get(job["result_url"], params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    cached = client.post("/v1/projections", json=body)
    assert cached.status_code == 200
    assert cached.headers["x-cache"] == "hit"


def test_job_errors(client: httpx.Client):
    assert client.get("/v1/jobs/" + "0" * 32).status_code == 404
    assert client.get("/v1/jobs/not-a-job-id").status_code == 422
    assert client.get("/v1/jobs/" + "0" * 32 + "/result").status_code == 404


def test_saturated_job_queue_answers_429_with_retry_after(make_settings):
    settings = make_settings(job_threshold_draw_hours=1.0, max_concurrent_jobs=1, max_queued_jobs=0)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        jobs = client.app.state.service.jobs
        jobs.reserve()  # the only place, held as a submission in progress holds it
        try:
            refused = client.post("/v1/projections", json=SMALL)
        finally:
            jobs.release()
    assert refused.status_code == 429
    assert refused.headers["retry-after"].isdigit()
    assert "at most 1" in refused.json()["detail"]


def test_unfinished_job_result_is_409(jobs_served: httpx.Client):
    # A job long enough to be polled before it ends: 10 years hourly, a seed of this test's.
    body = {**SMALL, "draws": 200, "start": "2026-01-01", "end": "2035-12-31", "seed": 409}
    accepted = jobs_served.post("/v1/projections", json=body)
    assert accepted.status_code == 202
    early = jobs_served.get(accepted.headers["location"] + "/result")
    assert early.status_code == 409
    assert "not succeeded" in early.json()["detail"]
    assert _wait_for(jobs_served, accepted.headers["location"])["status"] == "succeeded"


def test_busy_slots_answer_503(make_settings):
    settings = make_settings(max_inline_projections=1, inline_wait_seconds=0.05)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        admission = client.app.state.service.admission
        held = client.portal.call(admission.acquire, "a test holding the slot", 0)
        try:
            busy = client.post("/v1/projections", json=SMALL)
        finally:
            client.portal.call(_release, held)
    assert busy.status_code == 503
    assert "retry-after" in busy.headers
    assert "slots" in busy.json()["detail"]


async def _release(grant) -> None:
    grant.release()


def test_the_baseline_of_a_year_the_model_was_fitted_on_is_its_observed_level(client: httpx.Client):
    """/v1/baseline drew a fitted year as a forecast while a projection takes its observed
    level: the test model's 2020 (its origin) is 61,000 MW where its trend says 60,000, in
    every draw, and the answer says which years are observed."""
    body = {"start": "2020-07-01", "end": "2020-07-01", "draws": 50, "quantiles": [0.1, 0.9]}
    result = client.post("/v1/baseline", json=body).json()
    assert result["baseline_level"].startswith("observed (the model's training data")
    assert "2020 61,000 MW" in result["baseline_level"]
    np.testing.assert_allclose(result["point_mw"], 61_000.0)  # flat shape x the observed level
    ahead = client.post("/v1/baseline", json={**body, "start": "2030-07-01", "end": "2030-07-01"})
    assert "2030 forecast from the origin year 2020" in ahead.json()["baseline_level"]


def test_baseline_forecast(client: httpx.Client):
    body = {"start": "2030-07-01", "end": "2030-07-02", "draws": 50, "quantiles": [0.1, 0.9]}
    posted = client.post("/v1/baseline", json=body)
    assert posted.status_code == 200
    result = posted.json()
    assert result["model_version"] == f"{MODEL_ID}@v1"
    low, high = np.array(result["quantile_mw"])
    assert low.shape == (48,)
    assert (low <= high).all()
    # The model's local time beside UTC, as a projection's local_time (a utility engineer found
    # the baseline's hours in UTC only, where the projection CSVs carry the grid's offsets).
    assert result["time"][0] == "2030-06-30T15:00:00+00:00"
    assert result["local_time"][0] == "2030-07-01T00:00+09:00"
    assert len(result["local_time"]) == 48
    got = client.get(
        "/v1/baseline",
        params={"start": "2030-07-01", "end": "2030-07-02", "draws": 50, "quantiles": [0.1, 0.9]},
    )
    assert got.json() == result
    assert (
        client.get("/v1/baseline", params={"start": "2030-07-02", "end": "2030-07-01"}).status_code
        == 422
    )
    too_big = client.post(
        "/v1/baseline", json={"start": "2030-01-01", "end": "2035-12-31", "draws": 1000}
    )
    assert too_big.status_code == 422
    assert "draws x hours" in too_big.json()["detail"]
    assert "FORECAST_MAX_BASELINE_DRAW_HOURS" in too_big.json()["detail"]


def test_models_list_and_detail(client: httpx.Client):
    listed = client.get("/v1/models").json()
    assert listed == [
        {"model_id": MODEL_ID, "versions": ["v1"], "promoted_version": "v1", "served_version": "v1"}
    ]
    detail = client.get(f"/v1/models/{MODEL_ID}").json()
    assert detail["metrics"]["mape_pct"] == 3.0
    assert client.get("/v1/models/unknown-model").status_code == 404
    assert client.get(f"/v1/models/{MODEL_ID}", params={"version": "v9"}).status_code == 404
    assert client.get("/v1/models/..%2F..%2Fetc").status_code in (404, 422)
    assert client.get(f"/v1/models/{MODEL_ID}", params={"version": "../v1"}).status_code == 422


def test_reload_needs_an_api_key(client: httpx.Client):
    missing = client.post("/v1/models/reload")
    assert missing.status_code == 401
    wrong = client.post("/v1/models/reload", headers={"X-API-Key": "wrong"})
    assert wrong.status_code == 403
    right = client.post("/v1/models/reload", headers={"X-API-Key": "second-key-000001"})
    assert right.status_code == 200
    assert right.json() == {"previous": f"{MODEL_ID}@v1", "current": f"{MODEL_ID}@v1"}


def test_reload_refuses_a_tampered_artifact_and_keeps_serving(tmp_path: Path, make_settings):
    publish_model(tmp_path, "v1")
    tampered = publish_model(tmp_path, "v2", promote=False)
    (tampered / "parameters.json").write_text('{"format_version": 1}')
    settings = make_settings(artifact_dir=tmp_path, api_keys=API_KEY, require_read_key=False)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        refused = client.post(
            "/v1/models/reload", json={"model": f"{MODEL_ID}@v2"}, headers={"X-API-Key": API_KEY}
        )
        assert refused.status_code == 422
        assert "sha256" in refused.json()["detail"]
        assert f"still serving {MODEL_ID}@v1" in refused.json()["detail"]
        assert client.get("/readyz").json()["model_version"] == f"{MODEL_ID}@v1"
        served = client.post("/v1/projections", json=SMALL)
        assert served.headers["x-model-version"] == f"{MODEL_ID}@v1"
        unknown = client.post(
            "/v1/models/reload", json={"model": f"{MODEL_ID}@v7"}, headers={"X-API-Key": API_KEY}
        )
        assert unknown.status_code == 404


def test_scenario_of_another_country_gets_no_baseline(client: httpx.Client):
    response = client.post(
        "/v1/projections",
        json={"scenario_id": "devries-2023-h100", "draws": 5, "resolution": "annual"},
    )
    assert response.status_code == 200
    assert response.json()["model_version"] == "none"
    assert "total_mw" not in response.json()["variables"]


def test_csv_cells_cannot_start_a_formula():
    """OWASP CSV injection: text cells starting with = + - @ tab CR get a leading quote."""
    frame = pd.DataFrame(
        {
            "variable": ["=cmd|' /C calc'!A0", "+1", "-2", "@x", "\tx", "\rx", "ok"],
            "value": [-1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe["variable"].tolist() == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-2",
        "'@x",
        "'\tx",
        "'\rx",
        "ok",
    ]
    assert safe["value"].tolist() == frame["value"].tolist()  # numbers stay numbers


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (None, None, "json"),
        ("csv", "application/json", "csv"),
        (None, "text/csv", "csv"),
        (None, "application/x-netcdf, text/csv", "netcdf"),
        (None, "image/png", "json"),
        (None, "application/x-netcdf;q=0, application/json", "json"),
        (None, "text/csv;q=0.5, application/x-netcdf;q=0.9", "netcdf"),
        (None, "*/*;q=0.1, text/csv", "csv"),
        (None, "text/*", "csv"),
        (None, "application/x-parquet, text/csv;q=0.5", "parquet"),
    ],
)
def test_format_negotiation(query, accept, expected):
    assert negotiate(query, accept) == expected


def test_a_malformed_q_is_named_not_taken_for_a_refusal():
    with pytest.raises(NotAcceptableError, match=r"q = 'abc' is not a number; allowed: 0 to 1"):
        negotiate(None, "text/csv;q=abc")


def test_an_accept_refusing_every_format_names_all_of_them():
    with pytest.raises(NotAcceptableError) as refused:
        negotiate(None, "application/json;q=0, text/*;q=0, application/*;q=0")
    message = str(refused.value)
    assert "\n" not in message
    for media in ("application/json", "text/csv", "application/x-netcdf", "parquet"):
        assert media in message, message


def test_openapi_documents_units(client: httpx.Client):
    schema = client.get("/openapi.json").json()
    variables = schema["components"]["schemas"]["ProjectionVariables"]["properties"]
    assert "[TWh]" in variables["ai_energy_twh"]["description"]
    assert "[MW]" in variables["total_mw"]["description"]
    request = schema["components"]["schemas"]["ProjectionRequest"]["properties"]
    assert all(field.get("description") for field in request.values())


def test_a_csv_whose_later_rows_have_a_site_column_has_it_in_the_header(client: httpx.Client):
    """The service's CSV took its header from the first variable's rows: kr-outlook's site
    rows came with an eighth field and no heading, and pandas refused the file (a ministry
    analyst's dashboard download). Its header is the command line's, and it reads back as the
    library's tidy table of the same projection."""
    body = {"scenario_id": "kr-outlook", "draws": 20, "resolution": "annual"}
    csv = client.post("/v1/projections?format=csv", json=body)
    assert csv.status_code == 200
    table = pd.read_csv(io.StringIO(csv.text))
    netcdf = client.post("/v1/projections?format=netcdf", json=body)
    dataset = xr.open_dataset(io.BytesIO(netcdf.content), engine="h5netcdf").load()
    expected = tidy_frame(export.from_cf(dataset))  # the file's CF units undone
    assert (
        list(table.columns)
        == list(expected.columns)
        == [*CSV_COLUMNS, "site", "site_status", "site_grid_request", "site_grid_limit"]
    )
    assert len(table) == len(expected)
    sites = table[table["variable"] == "site_grid_wait_months"]
    assert set(sites["resolution"]) == {"period"} and sites["site"].notna().all()
    assert table.loc[table["variable"] == "ai_energy_twh", "site"].isna().all()


def test_a_short_windows_flexibility_is_its_whole_years(client: httpx.Client):
    """A procurement analyst's two-day window of kr-outlook-flex curtailed in 48 of its 50
    hours (its stress hours were ranked inside the window): the window's hours are now the
    full year's, through the API as on the command line."""
    body = {**SMALL, "scenario_id": "kr-outlook-flex", "resolution": "hourly", "draws": 10}
    year = client.post("/v1/projections", json=body).json()
    window = client.post("/v1/projections", json={**body, "end": "2030-01-02"}).json()
    assert window["coords"]["time"] == year["coords"]["time"][:48]
    for name in ("ai_facility_mw", "total_mw"):
        np.testing.assert_allclose(
            np.array(window["variables"][name]["values"]),
            np.array(year["variables"][name]["values"])[:48],
            rtol=1e-12,
            err_msg=name,
        )


def test_a_posted_site_name_a_spreadsheet_would_run_as_a_formula_is_refused(client: httpx.Client):
    """The service makes CSV of a posted scenario, whose site names the tidy CSV writes as they
    are: "=HYPERLINK(...)" would be a formula in a spreadsheet (interop review, finding 10)."""
    scenario = client.get("/v1/scenarios/kr-national").json()["scenario"]
    scenario["sites"][0]["name"] = '=HYPERLINK("http://example.invalid","click")'
    inline = {key: value for key, value in SMALL.items() if key != "scenario_id"}
    answer = client.post(
        "/v1/projections", params={"format": "csv"}, json={**inline, "scenario": scenario}
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "sites[0]" in detail and ".name = '=HYPERLINK(" in detail
    assert "allowed: a name that does not start with =, +, -, @" in detail
    assert "\n" not in detail
