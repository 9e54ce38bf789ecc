"""POST /v1/comparisons: scenarios side by side, in every format, cached, as a job, refused, on
the real server (two tests, which reach into the service, run it in-process: each says why)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from forecast.io import export
from forecast.io.export import LOCAL_TIME_COLUMN
from forecast.scenario import load_scenario
from forecast.sweep.compare import tidy_compare_frame
from service import comparing, estimates, tasks
from service.main import create_app
from service.schemas import ComparisonRequest
from tests.support.model_artifacts import MODEL_ID
from tests.support.server import SERVED_WRITER, server_client, wait_for_status

PERIOD = {"draws": 20, "resolution": "annual", "start": "2030-01-01", "end": "2031-12-31"}
THREE = [
    {"scenario_id": "kr-national"},
    {"scenario_id": "kr-dc-pipeline"},
    {"scenario_id": "kr-gov-aidc-high"},
]


@pytest.fixture(scope="module")
def client(served: httpx.Client) -> httpx.Client:
    return served


@pytest.fixture(scope="module")
def jobs(jobs_served: httpx.Client) -> httpx.Client:
    """Every comparison a job."""
    return jobs_served


def _finish(client: httpx.Client, location: str) -> dict:
    return wait_for_status(client, location, {"succeeded", "failed"})


def test_each_scenario_keeps_its_own_caveats(client: httpx.Client):
    """A comparison's answer had no scenario's caveats but in ``attrs``, as if they were every
    scenario's (xarray keeps an attribute that one stacked Dataset alone has): each scenario
    lists its own, then its run's (its baseline's bands past their backtest, 2030 being years
    past the model's origin)."""
    pair = [{"scenario_id": "kr-national"}, {"scenario_id": "kr-11th-basic-plan"}]
    response = client.post("/v1/comparisons", json={"scenarios": pair, **PERIOD, "seed": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    caveats = load_scenario("kr-11th-basic-plan").caveats
    national = load_scenario("kr-national").caveats
    assert caveats and national and not set(caveats) & set(national)
    first, second = (item["caveats"] for item in body["scenarios"])
    assert first[: len(national)] == national
    (national_note,) = first[len(national) :]
    assert second == [*caveats, national_note]
    assert national_note.startswith("baseline 2030-2031 is ")
    assert "backtested 1 year ahead" in national_note
    assert "caveats" not in body["attrs"]


def test_a_projections_answer_carries_its_baseline_bands_note(client: httpx.Client):
    """The note that the baseline's bands are backtested one year ahead only was printed by
    the command line alone (report-interop 3): the API's attrs (JSON) and its Parquet's
    metadata carry it in ``caveats``."""
    request = {"scenario_id": "kr-national", **PERIOD, "seed": 3}
    answer = client.post("/v1/projections", json=request)
    assert answer.status_code == 200, answer.text
    caveats = json.loads(answer.json()["attrs"]["caveats"])
    (note,) = [caveat for caveat in caveats if caveat.startswith("baseline ")]
    assert "backtested 1 year ahead" in note and f"{MODEL_ID}@v1's origin" in note
    assert "NSW" not in note  # the served model's own note, not another grid's
    table = client.post("/v1/projections?format=parquet", json=request)
    assert table.status_code == 200, table.text
    metadata = json.loads(pq.read_schema(io.BytesIO(table.content)).metadata[b"forecast"])
    assert json.loads(metadata["attrs"]["caveats"]) == caveats


def test_three_scenarios_side_by_side_equal_their_own_projections(client: httpx.Client):
    """Each scenario's slice is its own projection with the same options and seed (common
    random numbers change nothing within a scenario); differences are taken from the first."""
    response = client.post("/v1/comparisons", json={"scenarios": THREE, **PERIOD, "seed": 3})
    assert response.status_code == 200, response.text
    assert response.headers["x-cache"] == "miss"
    assert response.headers["x-model-version"] == f"{MODEL_ID}@v1"
    body = response.json()
    ids = [item["scenario_id"] for item in THREE]
    assert body["scenario_ids"] == body["coords"]["scenario"] == ids
    assert body["reference"] == "kr-national"
    assert [item["model_version"] for item in body["scenarios"]] == [f"{MODEL_ID}@v1"] * 3
    assert body["coords"]["year"] == [2030, 2031]
    energy = body["variables"]["ai_energy_twh"]
    assert energy["dims"] == ["scenario", "year", "quantile"] and energy["units"] == "TWh"
    for index, scenario_id in enumerate(ids):
        alone = client.post(
            "/v1/projections", json={"scenario_id": scenario_id, **PERIOD, "seed": 3}
        ).json()
        for name in ("ai_energy_twh", "total_energy_twh", "ai_peak_gw", "total_mw"):
            assert np.allclose(
                body["variables"][name]["values"][index],
                alone["variables"][name]["values"],
                rtol=1e-12,
            ), (scenario_id, name)
        assert body["scenarios"][index]["sha256"] == alone["scenario_sha256"]
        assert body["spread_drivers"][scenario_id] == pytest.approx(alone["spread_drivers"])
    difference = np.array(body["variables"]["ai_energy_twh_difference"]["values"])
    assert difference.shape == (3, 2, 5)
    assert np.all(difference[0] == 0.0)  # the reference minus itself, draw by draw
    means = np.array(body["variables"]["ai_energy_twh_mean"]["values"])
    difference_mean = np.array(body["variables"]["ai_energy_twh_difference_mean"]["values"])
    assert np.allclose(difference_mean, means - means[0], atol=1e-9)
    assert difference[2, 1, 2] > 10  # the 18.4 GW target is far above kr-national by 2031

    again = client.post("/v1/comparisons", json={"scenarios": THREE, **PERIOD, "seed": 3})
    assert again.headers["x-cache"] == "hit" and again.content == response.content
    assert again.headers["etag"] == response.headers["etag"]
    run = client.get(f"/v1/runs/{response.headers['x-run-id']}").json()
    assert (run["kind"], run["scenario_source"], run["scenario_id"]) == (
        "inline",
        "comparison",
        "kr-national",
    )
    assert run["scenario_ids"] == ids and run["total_hours"] == 3 * 2 * 8760
    assert run["options"]["draws"] == 20 and run["options"]["resolution"] == "annual"
    # The stored result answers the same bytes, and 304 to its ETag.
    stored = client.get(f"/v1/runs/{run['id']}/result")
    assert stored.status_code == 200 and stored.json() == body
    unchanged = client.get(
        f"/v1/runs/{run['id']}/result", headers={"If-None-Match": response.headers["etag"]}
    )
    assert unchanged.status_code == 304


def test_a_comparison_read_back_from_its_file_answers_the_same_bytes(
    artifact_root: Path, tmp_path: Path
):
    """The ETag promises the same bytes: a comparison's JSON and CSV are identical whether the
    result is the one computed or the one read back from its NetCDF file (by a server started
    again on the same storage, its cache empty)."""
    settings = {"artifact_dir": artifact_root, "storage_dir": tmp_path, "require_read_key": False}
    body = {"scenarios": THREE[1:], **PERIOD, "resolution": "monthly", "seed": 12}
    with server_client(**settings) as client:
        inline = client.post("/v1/comparisons", json=body)
        inline_csv = client.post("/v1/comparisons", json=body, params={"format": "csv"})
        run_id = inline.headers["x-run-id"]
        wait_for_status(client, f"/v1/runs/{run_id}", {"succeeded"})
    with server_client(**settings) as client:
        stored = client.get(f"/v1/runs/{run_id}/result")
        assert stored.headers["x-cache"] == "stored"
        assert stored.content == inline.content
        assert stored.headers["etag"] == inline.headers["etag"]
        stored_csv = client.get(f"/v1/runs/{run_id}/result", params={"format": "csv"})
        assert stored_csv.content == inline_csv.content


def test_csv_has_a_scenario_column_and_netcdf_a_scenario_dimension(client: httpx.Client):
    body = {"scenarios": THREE[:2], **PERIOD, "resolution": "monthly", "seed": 4}
    as_json = client.post("/v1/comparisons", json=body).json()
    as_csv = client.post("/v1/comparisons", params={"format": "csv"}, json=body)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == (
        'attachment; filename="comparison-kr-national-kr-dc-pipeline_2030-2031_d20_s4_monthly.csv"'
    )
    by_accept = client.post("/v1/comparisons", json=body, headers={"Accept": "text/csv"})
    assert by_accept.content == as_csv.content
    as_netcdf = client.post(
        "/v1/comparisons", json=body, headers={"Accept": "application/x-netcdf"}
    )
    assert as_netcdf.headers["content-type"] == "application/x-netcdf"
    assert as_netcdf.headers["etag"].startswith("W/")
    dataset = xr.open_dataset(io.BytesIO(as_netcdf.content), engine="h5netcdf").load()
    assert list(dataset["scenario"].to_numpy()) == ["kr-national", "kr-dc-pipeline"]
    assert dataset["ai_energy_twh"].dims == ("scenario", "year", "quantile")

    table = pd.read_csv(io.BytesIO(as_csv.content))
    assert table.columns[0] == "scenario"
    assert set(table["scenario"]) == {"kr-national", "kr-dc-pipeline"}
    # The same rows as the library's tidy comparison table of the same Dataset.
    expected = tidy_compare_frame(export.from_cf(dataset))  # the file's CF units undone
    assert len(table) == len(expected)
    assert list(table["variable"]) == list(expected["variable"])
    # Nine significant digits, as every CSV of the project writes them.
    assert np.allclose(table["value"], expected["value"], rtol=1e-8, equal_nan=True)
    quantiles = as_json["coords"]["quantile"]
    for index, scenario_id in enumerate(as_json["scenario_ids"]):
        rows = table[(table["scenario"] == scenario_id) & (table["variable"] == "ai_facility_mw")]
        values = rows.pivot(index="period_start", columns="quantile", values="value")
        assert np.allclose(
            values[quantiles].to_numpy(),
            as_json["variables"]["ai_facility_mw"]["values"][index],
            rtol=1e-8,
        )
    as_parquet = client.post("/v1/comparisons", params={"format": "parquet"}, json=body)
    assert as_parquet.status_code == 200
    assert as_parquet.headers["content-disposition"].endswith('.parquet"')
    parquet = pd.read_parquet(io.BytesIO(as_parquet.content))
    assert [c for c in parquet.columns if c != LOCAL_TIME_COLUMN] == list(table.columns)
    assert list(parquet["scenario"]) == list(table["scenario"])
    assert np.allclose(parquet["value"], expected["value"], rtol=1e-12, equal_nan=True)


def test_saved_edited_and_inline_scenarios_compare_with_a_shipped_one(client: httpx.Client):
    shipped = client.get("/v1/scenarios/kr-national").json()["scenario"]
    saved = client.post(
        "/v1/scenarios",
        json={"scenario": {**shipped, "id": "team-compare", "title": "Team"}},
        headers={"X-API-Key": SERVED_WRITER},
    )
    assert saved.status_code == 201, saved.text
    inline = {**shipped, "id": "kr-national-inline", "title": "Inline copy"}
    scenarios = [
        {"scenario_id": "kr-national"},
        {"scenario_id": "team-compare", "scenario_version": 1},
        {"scenario": inline},
        {"scenario_id": "kr-national", "overrides": {"id": "kr-pue-high", "operations": {
            "pue": {"dist": "fixed", "value": 1.6}}}},
    ]  # fmt: skip
    response = client.post("/v1/comparisons", json={"scenarios": scenarios, **PERIOD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scenario_ids"] == [
        "kr-national",
        "team-compare",
        "kr-national-inline",
        "kr-pue-high",
    ]
    difference = np.array(body["variables"]["total_energy_twh_difference"]["values"])
    # Copies of the reference differ by exactly 0 in every draw; a higher PUE does not.
    assert np.all(difference[1] == 0.0) and np.all(difference[2] == 0.0)
    assert np.all(difference[3] > 0.0)
    run = client.get(f"/v1/runs/{response.headers['x-run-id']}").json()
    assert run["scenario_ids"] == body["scenario_ids"]


@pytest.mark.parametrize(
    ("scenarios", "extra", "status", "words"),
    [
        ([{"scenario_id": "kr-national"}], {}, 422, ["scenarios", "at least 2"]),
        (
            [{"scenario_id": "kr-national"}, {"scenario_id": "no-such-case"}],
            {},
            404,
            ["scenarios[1].scenario_id", "no-such-case"],
        ),
        (
            [{"scenario_id": "kr-national"}, {"scenario_id": "kr-national"}],
            {},
            422,
            ["scenarios", "kr-national given twice"],
        ),
        (
            # Across zones: annual and monthly only, each on its own local calendar.
            [{"scenario_id": "kr-national"}, {"scenario_id": "au-nsw-ai-dc"}],
            {"resolution": "hourly"},
            422,
            ["resolution = 'hourly'", "time zones", "Asia/Seoul, Australia/Sydney", "annual"],
        ),
        (
            [{"scenario_id": "kr-national"}, {"scenario_id": "kr-outlook", "scenario_version": 2}],
            {},
            422,
            ["scenarios[1].scenario_version", "shipped"],
        ),
        (
            [{"scenario_id": "kr-national"}, {"scenario_id": "kr-outlook", "scenario": {}}],
            {},
            422,
            ["scenarios.1", "exactly one of scenario_id and scenario"],
        ),
        ([{"scenario_id": "kr-national"}] * 21, {}, 422, ["scenarios", "at most 20"]),
        (THREE, {"draws": 6_000}, 422, ["draws = 6000", "5000"]),
        (
            THREE,
            {"end": "2020-01-01"},
            422,
            ["end = 2020-01-01: allowed: a date 2030-01-01..2059-12-31"],
        ),
    ],
)
def test_refusals_name_the_field(client, scenarios, extra, status, words):
    body = {"scenarios": scenarios, **PERIOD, **extra}
    response = client.post("/v1/comparisons", json=body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail


def test_the_memory_estimate_covers_every_projection(make_settings):
    """A comparison takes a slot for the memory of all its projections: with room for one
    projection but not for three, the three-scenario comparison is refused with 413.

    In-process: the budget is set from the service's own estimates and from the memory its
    process holds, which only the app's state gives."""
    body = {"scenarios": THREE, **PERIOD, "draws": 2_000, "resolution": "daily"}
    settings = make_settings()
    with TestClient(create_app(settings, start_in_background=False)) as client:
        state = client.app.state.service
        prepared = comparing.prepare_sync(state, ComparisonRequest(**body))
        overhead = settings.memory_budget_bytes - state.work_memory_bytes()
    singles = [
        estimates.projection_bytes(options, scenario)
        for options, scenario in zip(prepared.each, prepared.scenarios, strict=True)
    ]
    need = prepared.need_bytes()
    assert need > sum(singles)
    tight = make_settings(memory_budget_bytes=overhead + (max(singles) + need) // 2)
    with TestClient(create_app(tight, start_in_background=False)) as client:
        alone = {key: value for key, value in body.items() if key != "scenarios"}
        single = client.post("/v1/projections", json={"scenario_id": "kr-national", **alone})
        assert single.status_code == 200, single.text
        refused = client.post("/v1/comparisons", json=body)
        assert refused.status_code == 413, refused.text
        assert (
            "comparison of kr-national, kr-dc-pipeline, kr-gov-aidc-high"
            in (refused.json()["detail"])
        )


def test_a_large_comparison_runs_as_a_job(jobs: httpx.Client):
    body = {"scenarios": THREE[:2], **PERIOD, "seed": 9}
    accepted = jobs.post("/v1/comparisons", json=body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["location"] == f"/v1/jobs/{accepted.json()['id']}"
    joined = jobs.post("/v1/comparisons", json=body)  # the identical request joins it
    assert joined.status_code in (200, 202)
    if joined.status_code == 202:
        assert joined.json()["id"] == accepted.json()["id"]
    job = _finish(jobs, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    assert job["done_hours"] == job["total_hours"] == 2 * 2 * 8760
    run = jobs.get(job["run_url"]).json()
    assert (run["kind"], run["scenario_source"]) == ("job", "comparison")
    assert run["scenario_ids"] == ["kr-national", "kr-dc-pipeline"]
    assert run["result_bytes"] > 0
    result = jobs.get(job["result_url"])
    assert result.status_code == 200 and result.headers["x-cache"] == "stored"
    assert result.json()["coords"]["scenario"] == ["kr-national", "kr-dc-pipeline"]
    csv = jobs.get(job["result_url"], params={"format": "csv"})
    assert csv.text.startswith('"scenario","variable",')  # the header quoted (DuckDB's sniffer)
    netcdf = jobs.get(job["result_url"], params={"format": "netcdf"})
    assert netcdf.headers["content-disposition"] == (
        'attachment; filename="comparison-kr-national-kr-dc-pipeline_2030-2031_d20_s9_annual.nc"'
    )
    # Each scenario's inputs by its id, as each scenario's entry of the run's .meta.json.
    inputs = json.loads(
        xr.load_dataset(io.BytesIO(netcdf.content), engine="h5netcdf").attrs["inputs"]
    )
    entries = jobs.get(f"{job['run_url']}/meta").json()["scenarios"]
    assert inputs == {entry["scenario"]: entry["inputs"] for entry in entries}
    assert list(inputs) == ["kr-national", "kr-dc-pipeline"]
    again = jobs.post("/v1/comparisons", json=body)  # stored now: answered, not queued
    assert again.status_code == 200 and again.content == result.content


@pytest.fixture
def job_client(make_settings):
    """The app in this process, every comparison a job."""
    settings = make_settings(job_threshold_draw_hours=1.0, max_queued_jobs=8)
    with TestClient(create_app(settings, start_in_background=False)) as test_client:
        yield test_client


def test_a_failed_comparison_job_can_be_resubmitted(job_client: TestClient, monkeypatch):
    """In-process: the job's first try fails by a stand-in for the projection (the disk gone),
    which only the app's own process can be given."""
    real = tasks.project_scenarios

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(tasks, "project_scenarios", real)
        raise OSError("disk gone")

    monkeypatch.setattr(tasks, "project_scenarios", fail_once)
    body = {"scenarios": THREE[:2], **PERIOD, "seed": 10}
    failed = _finish(job_client, job_client.post("/v1/comparisons", json=body).headers["location"])
    assert failed["status"] == "failed" and failed["error_status"] == 500
    resubmitted = job_client.post(f"/v1/jobs/{failed['id']}/resubmit")
    assert resubmitted.status_code == 202, resubmitted.text
    job = _finish(job_client, f"/v1/jobs/{resubmitted.json()['id']}")
    assert job["status"] == "succeeded", job
    run = job_client.get(job["run_url"]).json()
    assert run["resubmitted_from"] == failed["id"]
    assert run["scenario_ids"] == ["kr-national", "kr-dc-pipeline"]
    assert job_client.get(job["result_url"]).json()["scenario_ids"] == run["scenario_ids"]


def test_variables_select_a_comparisons_answer_as_forecast_compare_does(client: httpx.Client):
    """`forecast compare --variables` has an API twin: `?variables=` on POST /v1/comparisons
    (it was an unknown query parameter, 422), the differences among the names; a name the
    comparison lacks is a 422 naming it."""
    body = {"scenarios": THREE[:2], **PERIOD, "duration_curves": False}
    chosen = "ai_energy_twh,ai_energy_twh_difference*"
    answer = client.post("/v1/comparisons", params={"variables": chosen}, json=body)
    assert answer.status_code == 200, answer.text[:300]
    # With the tables that rank ai_energy_twh's spread, as a projection's answer has them.
    assert set(answer.json()["variables"]) == {
        "ai_energy_twh", "ai_energy_twh_difference", "ai_energy_twh_difference_mean",
        "ai_energy_twh_rank_correlation", "spread_driver_rank_correlation",
    }  # fmt: skip
    table = client.post("/v1/comparisons", params={"variables": chosen, "format": "csv"}, json=body)
    assert table.status_code == 200, table.text[:300]
    rows = pd.read_csv(io.StringIO(table.text))
    assert set(rows["scenario"]) == {"kr-national", "kr-dc-pipeline"}
    assert set(rows["variable"]) == {
        "ai_energy_twh", "ai_energy_twh_difference", "ai_energy_twh_difference_mean",
    }  # fmt: skip
    missing = client.post("/v1/comparisons", params={"variables": "ai_load_duration_mw"}, json=body)
    assert missing.status_code == 422
    assert missing.json()["detail"].startswith(
        "variables = 'ai_load_duration_mw': a duration-curve variable (*_duration_*, "
        "duration_band_hours, peak_hours_share_pct) is written with duration_curves only"
    )


def test_an_unknown_field_is_named_unknown_with_the_closest_allowed(client: httpx.Client):
    """``{"scenario_ids": [...]}`` read ``scenarios: Field required (and 1 more:
    scenario_ids)``: the field sent was not said to be unknown, nor the one meant named
    (report-interop 16)."""
    answer = client.post("/v1/comparisons", json={"scenario_ids": ["kr-outlook", "kr-national"]})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("scenario_ids: unknown field (did you mean scenarios?); allowed: ")
    assert "scenarios" in detail.split("allowed: ")[1].split(", ")
    assert "\n" not in detail
