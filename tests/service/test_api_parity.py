"""What the command line could do and the API could not (pipeline report F7, F11; the service's
developers): pin a baseline model version, duration curves and per-draw values, links under a
root path, named CSV answers with their provenance, private keyed answers, and jobs that
remember the format they were asked in."""

from __future__ import annotations

import csv as csv_module
import dataclasses
import io
from pathlib import Path

import httpx
import pytest

from forecast import provenance
from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario
from service import estimates
from service.headers import keyed_cache_control
from tests.support.model_artifacts import MODEL_ID, publish_model, synthetic_parameters
from tests.support.server import (
    READER,
    TEAM_KEYS,
    SharedServers,
    server_client,
    wait_for_status,
)

ONE_YEAR = {"draws": 20, "resolution": "annual", "start": "2030-01-01", "end": "2030-12-31"}
SMALL = {"scenario_id": "kr-national", **ONE_YEAR}
PAIR = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-dc-pipeline"}]}


def _finish(client: httpx.Client, location: str) -> dict:
    return wait_for_status(client, location, {"succeeded", "failed", "cancelled"})


def _succeeded(client: httpx.Client, run_id: str) -> dict:
    """The run's record once its result file is written (after its inline answer)."""
    return wait_for_status(client, f"/v1/runs/{run_id}", {"succeeded"})


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kpx-test@v1 promoted (60 GW) and kpx-test@v0, published but not promoted, at half the
    level (30 GW): a baseline computed on v0 is told apart by its numbers."""
    root = tmp_path_factory.mktemp("versions")
    older = synthetic_parameters()
    older["level"]["intercept"] -= 0.6931471805599453  # log 2: half the level
    older["level"]["normalised_level_mw"] = {"2019": 29_750.0, "2020": 30_500.0}
    publish_model(root, "v0", promote=False, parameters=older)
    publish_model(root, "v1")
    return root


@pytest.fixture(scope="module")
def client(shared_servers: SharedServers, two_versions: Path) -> httpx.Client:
    """A real server of both versions, v1 served."""
    return shared_servers.client(artifact_dir=two_versions, job_threshold_draw_hours=5e6)


def _baseline_energy(answer) -> float:
    variable = answer.json()["variables"]["baseline_energy_twh"]
    return variable["values"][0][2]  # 2030, P50


def test_a_projection_pins_a_published_baseline_version_and_is_keyed_by_it(client: httpx.Client):
    """`forecast project --baseline-model kpx-test@v0` ran on v0; the API refused any version
    it did not serve. Now `baseline_model` names any published version: it is loaded (and
    verified), used, named in the answer and the run, and keyed: the pinned result is not the
    served model's."""
    served = client.post("/v1/projections", json=SMALL)
    pinned = client.post("/v1/projections", json={**SMALL, "baseline_model": f"{MODEL_ID}@v0"})
    assert served.status_code == pinned.status_code == 200, pinned.text
    assert served.headers["x-model-version"] == f"{MODEL_ID}@v1"
    assert pinned.headers["x-model-version"] == f"{MODEL_ID}@v0"
    assert pinned.json()["model_version"] == f"{MODEL_ID}@v0"
    assert pinned.headers["etag"] != served.headers["etag"]
    # v0's level is half v1's: its baseline energy, about half.
    assert _baseline_energy(pinned) == pytest.approx(_baseline_energy(served) / 2, rel=0.05)
    run = client.get(f"/v1/runs/{pinned.headers['x-run-id']}").json()
    assert run["model_version"] == f"{MODEL_ID}@v0"
    assert run["options"]["baseline_model"] == f"{MODEL_ID}@v0"
    # Pinning the served version is the served model's result, shared.
    same = client.post("/v1/projections", json={**SMALL, "baseline_model": f"{MODEL_ID}@v1"})
    assert same.headers["etag"] == served.headers["etag"]
    assert same.headers["x-cache"] == "hit"
    # A scenario's own baseline_model (an override) may name a published version too.
    overridden = {**SMALL, "overrides": {"baseline_model": f"{MODEL_ID}@v0"}}
    assert client.post("/v1/projections", json=overridden).headers["x-model-version"] == (
        f"{MODEL_ID}@v0"
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            {"baseline_model": f"{MODEL_ID}@v9"},
            f"baseline_model = '{MODEL_ID}@v9': neither served nor published; served: "
            f"{MODEL_ID}@v1; published: {MODEL_ID}@v0, {MODEL_ID}@v1",
        ),
        (
            {"baseline_model": "other-model"},
            "baseline_model = 'other-model': neither served nor published; served: "
            f"{MODEL_ID}@v1; published: {MODEL_ID}@v0, {MODEL_ID}@v1",
        ),
        (
            {"baseline_model": f"{MODEL_ID}@v0", "include_baseline": False},
            f"baseline_model = '{MODEL_ID}@v0': include_baseline false projects no baseline; "
            "allowed: one or the other",
        ),
        (
            {"duration_curves": False, "duration_draws": 10},
            "duration_draws = 10: allowed only with duration_curves true",
        ),
        ({"duration_curves": True, "duration_draws": 10_001}, "duration_draws = 10001"),
    ],
)
def test_refusals_name_the_field_and_what_exists(client: httpx.Client, extra, words):
    for path, body in (("/v1/projections", SMALL), ("/v1/comparisons", {**PAIR, **ONE_YEAR})):
        answer = client.post(path, json={**body, **extra})
        assert answer.status_code == 422, answer.text[:300]
        assert words in answer.json()["detail"]


def test_a_comparison_pins_the_model_of_every_scenario(client: httpx.Client):
    body = {**PAIR, **ONE_YEAR, "baseline_model": f"{MODEL_ID}@v0", "duration_curves": False}
    answer = client.post("/v1/comparisons", json=body)
    assert answer.status_code == 200, answer.text
    assert [s["model_version"] for s in answer.json()["scenarios"]] == [f"{MODEL_ID}@v0"] * 2
    run = client.get(f"/v1/runs/{answer.headers['x-run-id']}").json()
    assert run["options"]["baseline_model"] == f"{MODEL_ID}@v0"


def test_a_comparison_has_the_duration_curves_forecast_compare_has(client: httpx.Client):
    """`forecast compare` adds the duration curves by default (14 columns), the API did not
    (11): now the API's comparison has the variables the library's comparison has with the
    command line's defaults, and `duration_curves: false` leaves them out."""
    from forecast.sweep.compare import compare

    answer = client.post("/v1/comparisons", json={**PAIR, **ONE_YEAR})
    assert answer.status_code == 200, answer.text
    variables = set(answer.json()["variables"])
    assert "ai_load_duration_mw" in variables
    scenarios = [load_scenario("kr-national"), load_scenario("kr-dc-pipeline")]
    options = ProjectionOptions(
        draws=20, start="2030-01-01", end="2030-12-31", resolution="annual", duration_curves=True
    )
    compared = compare(scenarios, options)
    # The spread drivers' tables too (dim input, labelled by coords.input).
    assert variables == {str(name) for name in compared.data_vars}
    without = client.post("/v1/comparisons", json={**PAIR, **ONE_YEAR, "duration_curves": False})
    assert "ai_load_duration_mw" not in without.json()["variables"]
    csv = client.post("/v1/comparisons", params={"format": "csv"}, json={**PAIR, **ONE_YEAR})
    header = next(csv_module.reader(io.StringIO(csv.text)))
    assert "duration_band" in header or any("duration" in column for column in header)


def test_per_draw_values_and_duration_curves_on_request_and_in_the_estimate(
    client: httpx.Client,
):
    body = {**SMALL, "per_draw": True, "duration_curves": True, "duration_draws": 10}
    answer = client.post("/v1/projections", json=body)
    assert answer.status_code == 200, answer.text
    variables = answer.json()["variables"]
    assert variables["ai_energy_twh_per_draw"]["dims"] == ["draw", "year"]
    assert len(variables["ai_energy_twh_per_draw"]["values"]) == 20
    assert "ai_load_duration_mw" in variables
    plain = client.post("/v1/projections", json=SMALL).json()["variables"]
    assert "ai_energy_twh_per_draw" not in plain and "ai_load_duration_mw" not in plain
    # The memory estimate counts what they hold.
    scenario = load_scenario("kr-national")
    base = ProjectionOptions(draws=5000, resolution="annual").validated(scenario)
    kept = dataclasses.replace(base, per_draw=True)
    curves = dataclasses.replace(base, duration_curves=True)
    assert estimates.projection_bytes(kept, scenario) > estimates.projection_bytes(base, scenario)
    assert (
        estimates.projection_bytes(curves, scenario) - estimates.projection_bytes(base, scenario)
        == 1000 * estimates.DURATION_BYTES_PER_DRAW
    )


def test_a_csv_answer_is_named_and_carries_its_provenance(client: httpx.Client):
    """An API CSV was `kr-national.csv` with no provenance but the model: now it is named as
    the dashboard names it and says its code version, scenario digest, seed, draws and
    weather, and links to the run's .meta.json (GET /v1/runs/{id}/meta)."""
    answer = client.post("/v1/projections", params={"format": "csv"}, json=SMALL)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="kr-national_2030-2030_d20_s0_annual.csv"'
    )
    shipped = client.get("/v1/scenarios/kr-national").json()["sha256"]
    assert answer.headers["x-scenario-sha256"] == shipped
    assert answer.headers["x-forecast-code-version"] == provenance.code_version()
    assert answer.headers["x-seed"] == "0" and answer.headers["x-draws"] == "20"
    assert answer.headers["x-weather"] in ("historical", "typical", "synthetic")
    run_id = answer.headers["x-run-id"]
    assert answer.headers["link"] == f'</v1/runs/{run_id}/meta>; rel="describedby"'
    meta = client.get(f"/v1/runs/{run_id}/meta").json()
    assert meta["columns"] == next(csv_module.reader(io.StringIO(answer.text)))
    assert meta["attrs"]["scenario_sha256"] == shipped
    assert meta["attrs"]["weather_kind"] == answer.headers["x-weather"]
    assert any(place.startswith("operations.") for place in meta["inputs"])
    # Over the scenario's horizon the period is not named, as on the dashboard.
    whole = {"scenario_id": "kr-national", "draws": 5, "resolution": "annual"}
    named = client.post("/v1/projections", params={"format": "parquet"}, json=whole)
    assert 'filename="kr-national_d5_s0_annual.parquet"' in named.headers["content-disposition"]
    compared = client.post("/v1/comparisons", params={"format": "csv"}, json={**PAIR, **ONE_YEAR})
    assert compared.headers["content-disposition"] == (
        'attachment; filename="comparison-kr-national-kr-dc-pipeline_2030-2030_d20_s0_annual.csv"'
    )
    assert len(compared.headers["x-scenario-sha256"].split(",")) == 2
    compared_meta = client.get(f"/v1/runs/{compared.headers['x-run-id']}/meta").json()
    assert [s["scenario"] for s in compared_meta["scenarios"]] == ["kr-national", "kr-dc-pipeline"]


def test_a_job_remembers_the_format_it_was_asked_in(client: httpx.Client):
    """`POST ...?format=csv` above the job threshold answered 202, and the job's result came
    back as JSON unless asked again: now the run remembers CSV, the 202's `result_url` says
    it, and the result is CSV by default."""
    body = {**SMALL, "draws": 600, "seed": 11}  # 600 draws x 8760 h > 5e6 draw-hours
    accepted = client.post("/v1/projections", params={"format": "csv"}, json=body)
    assert accepted.status_code == 202
    job_id = accepted.json()["id"]
    assert accepted.json()["result_url"] == f"/v1/jobs/{job_id}/result?format=csv"
    job = _finish(client, accepted.headers["location"])
    assert job["status"] == "succeeded"
    assert job["result_url"] == f"/v1/jobs/{job_id}/result?format=csv"
    default = client.get(f"/v1/jobs/{job_id}/result")  # curl's Accept: */*
    assert default.headers["content-type"].startswith("text/csv")
    assert default.headers["content-disposition"].endswith('_d600_s11_annual.csv"')
    asked = client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"})
    assert asked.headers["content-type"].startswith("application/json")
    accept = client.get(f"/v1/jobs/{job_id}/result", headers={"Accept": "application/json"})
    assert accept.headers["content-type"].startswith("application/json")
    assert client.get(f"/v1/runs/{job_id}").json()["options"]["format"] == "csv"


def test_links_carry_the_root_path(two_versions: Path):
    """Served under --root-path /forecast (a proxy strips it), every link in an answer lacked
    the prefix: a client behind the proxy could not follow Content-Location, Location,
    result_url or run_url. Now they start with it. (A server of its own: the runs it lists
    are this test's.)"""
    with server_client(
        artifact_dir=two_versions, job_threshold_draw_hours=5e6, args=("--root-path", "/forecast")
    ) as client:
        answer = client.post("/v1/projections", params={"format": "csv"}, json=SMALL)
        run_id = answer.headers["x-run-id"]
        assert answer.headers["content-location"] == (
            f"/forecast/v1/runs/{run_id}/result?format=csv"
        )
        assert answer.headers["link"] == f'</forecast/v1/runs/{run_id}/meta>; rel="describedby"'
        record = _succeeded(client, run_id)
        assert record["result_url"] == f"/forecast/v1/runs/{run_id}/result"
        listed = client.get("/v1/runs").json()["runs"][0]
        assert listed["result_url"].startswith("/forecast/v1/runs/")
        accepted = client.post("/v1/projections", json={**SMALL, "draws": 600, "seed": 12})
        assert accepted.status_code == 202
        job_id = accepted.json()["id"]
        assert accepted.headers["location"] == f"/forecast/v1/jobs/{job_id}"
        assert accepted.json()["run_url"] == f"/forecast/v1/runs/{job_id}"
        assert accepted.json()["result_url"] == f"/forecast/v1/jobs/{job_id}/result"
        job = _finish(client, accepted.headers["location"].removeprefix("/forecast"))
        assert job["result_url"] == f"/forecast/v1/jobs/{job_id}/result"


def test_keyed_answers_are_private(shared_servers: SharedServers, artifact_root: Path):
    """A shared proxy could keep an answer given for an API key (`Cache-Control: no-cache`
    lets it store one) and hand it to the next client: now an answer to a keyed request says
    `private`, or `no-store` where it said nothing; open answers and the dashboard are as
    they were. (The team's shared servers: reads keyed, then open.)"""
    key = {"X-API-Key": READER}
    client = shared_servers.client(
        artifact_dir=artifact_root, api_keys=TEAM_KEYS, require_read_key=True
    )
    result = client.post("/v1/projections", json=SMALL, headers=key)
    assert result.status_code == 200
    assert result.headers["cache-control"] == "private, no-cache"
    listed = client.get("/v1/scenarios", headers=key)
    assert listed.headers["cache-control"] == "no-store"
    refused = client.get("/v1/scenarios")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    page = client.get("/")
    assert "private" not in page.headers.get("cache-control", "")
    assert "no-store" not in page.headers.get("cache-control", "")
    client = shared_servers.client(
        artifact_dir=artifact_root, api_keys=TEAM_KEYS, require_read_key=False
    )
    assert client.post("/v1/projections", json=SMALL).headers["cache-control"] == "no-cache"
    keyed = client.post("/v1/projections", json=SMALL, headers=key)
    assert keyed.headers["cache-control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "no-store"),
        ("no-cache", "private, no-cache"),
        ("public, max-age=60", "private, max-age=60"),
        ("private, max-age=5", "private, max-age=5"),
        ("no-store", "no-store"),
    ],
)
def test_keyed_cache_control(given, expected):
    assert keyed_cache_control(given) == expected
