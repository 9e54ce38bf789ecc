"""The service serves one baseline model per grid and picks it by the scenario's country."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forecast.baseline import artifacts
from forecast.baseline.features import FeatureSpec, feature_names
from service.main import create_app
from service.settings import Settings
from tests.support import keys
from tests.support.model_artifacts import MODEL_ID, publish_model

AU_MODEL = "nsw-test"


def _publish_au_model(root: Path, model_id: str = AU_MODEL) -> None:
    """A made-up NSW model (flat shape, 8 GW level) in the real artifact format."""
    spec = FeatureSpec(country="AU", subdivision="NSW")
    names = feature_names(spec)
    parameters = {
        "format_version": 1,
        "timezone": "Australia/Sydney",
        "feature_spec": {"country": "AU", "subdivision": "NSW"},
        "shape": {"feature_names": names, "coefficients": [0.0] * len(names),
                  "log_normaliser": 0.0},
        "level": {"intercept": math.log(8_000.0), "slope": 0.0, "origin_year": 2020,
                  "covariance": [[1e-6, 0.0], [0.0, 1e-8]], "residual_scale": 0.01,
                  "degrees_of_freedom": 10},
        "noise": {"autocorrelation": 0.5, "sd": 0.02},
    }  # fmt: skip

    def write(directory: Path) -> None:
        (directory / "parameters.json").write_text(json.dumps(parameters))

    artifacts.publish(
        model_id=model_id,
        version="v1",
        root=root,
        write_files=write,
        manifest={"country": "AU", "metrics": {"mape_pct": 4.0}},
        signing_key=keys.private_key(),
    )
    artifacts.promote(model_id, "v1", root=root)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-grids")
    publish_model(root, "v1")
    _publish_au_model(root)
    (root / "DEFAULT").write_text(MODEL_ID)
    storage = tmp_path_factory.mktemp("storage")
    with TestClient(
        create_app(Settings(artifact_dir=root, storage_dir=storage), start_in_background=False)
    ) as test_client:
        yield test_client


def test_models_lists_both_grids_and_serves_both(client: TestClient):
    listed = {row["model_id"]: row for row in client.get("/v1/models").json()}
    assert set(listed) == {MODEL_ID, AU_MODEL}
    assert listed[AU_MODEL]["served_version"] == "v1"
    assert listed[MODEL_ID]["served_version"] == "v1"
    # /readyz named only the default model.
    ready = client.get("/readyz").json()
    assert ready["model_version"] == f"{MODEL_ID}@v1"
    assert ready["models"] == [f"{MODEL_ID}@v1", f"{AU_MODEL}@v1"]


def test_each_scenario_is_projected_on_its_countrys_model(client: TestClient):
    body = {"draws": 5, "resolution": "annual", "start": "2030-01-01", "end": "2030-01-31"}
    korea = client.post("/v1/projections", json={**body, "scenario_id": "kr-national"})
    assert korea.status_code == 200
    assert korea.headers["x-model-version"] == f"{MODEL_ID}@v1"
    # The shipped NSW scenario names its model, which this service does not serve: refused.
    pinned = client.post("/v1/projections", json={**body, "scenario_id": "au-nsw-ai-dc"})
    assert pinned.status_code == 422
    assert (
        "baseline_model = 'au-nsw-baseline': neither served nor published"
        in (pinned.json()["detail"])
    )
    # Naming none, it takes the model served for its country.
    unnamed = {"scenario_id": "au-nsw-ai-dc", "overrides": {"baseline_model": None}}
    nsw = client.post("/v1/projections", json={**body, **unnamed})
    assert nsw.status_code == 200
    assert nsw.headers["x-model-version"] == f"{AU_MODEL}@v1"
    alone = {"scenario_id": "au-nsw-ai-dc", "overrides": {"baseline_model": "none"}}
    without = client.post("/v1/projections", json={**body, **alone})
    assert without.status_code == 200 and without.headers["x-model-version"] == "none"
    named = client.post(
        "/v1/projections",
        json={**body, "scenario_id": "au-nsw-ai-dc", "overrides": {"baseline_model": "other"}},
    )
    assert named.status_code == 422
    assert (
        "baseline_model = 'other': neither served nor published; served: kpx-test@v1, "
        "nsw-test@v1; published: kpx-test@v1, nsw-test@v1" in (named.json()["detail"])
    )
    world = client.post("/v1/projections", json={**body, "scenario_id": "devries-2023-h100"})
    assert world.json()["model_version"] == "none"


def test_several_models_for_a_country_and_no_default_among_them_is_refused(tmp_path):
    """With two models for Australia and the default Korea's, a scenario naming no model was
    projected without a baseline, saying 'no baseline model serves country AU' (the command
    line refused it); now the service refuses it the same way, and naming one or none works."""
    root = tmp_path / "artifacts"
    publish_model(root, "v1")
    _publish_au_model(root)
    _publish_au_model(root, "vic-test")
    (root / "DEFAULT").write_text(MODEL_ID)
    settings = Settings(artifact_dir=root, storage_dir=tmp_path / "storage")
    body = {"draws": 5, "resolution": "annual", "start": "2030-01-01", "end": "2030-01-31"}
    with TestClient(create_app(settings, start_in_background=False)) as client:
        for named, expected in ((None, 422), ("vic-test", 200), ("none", 200)):
            request = {"scenario_id": "au-nsw-ai-dc", "overrides": {"baseline_model": named}}
            answer = client.post("/v1/projections", json={**body, **request})
            assert answer.status_code == expected, answer.text
        # Asking for no baseline, no model is looked for (as --no-baseline).
        unasked = {"scenario_id": "au-nsw-ai-dc", "overrides": {"baseline_model": None}}
        alone = client.post("/v1/projections", json={**body, **unasked, "include_baseline": False})
        assert alone.status_code == 200 and alone.headers["x-model-version"] == "none"
        assert (
            "several served baseline models (nsw-test@v1, vic-test@v1)"
            in (
                client.post(
                    "/v1/projections",
                    json={
                        **body,
                        "scenario_id": "au-nsw-ai-dc",
                        "overrides": {"baseline_model": None},
                    },
                ).json()["detail"]
            )
        )
    # The command line's library says the same, and the shipped study naming none is unmoved.
    from forecast.errors import NotFoundError

    with pytest.raises(NotFoundError, match="several promoted baseline models"):
        artifacts.default_model_for_country("AU", root=root)


def test_the_baseline_of_each_served_model(client: TestClient):
    """/v1/baseline served only the default model: the NSW baseline could not be fetched."""
    period = {"start": "2030-07-01", "end": "2030-07-02", "draws": 20}
    default = client.get("/v1/baseline", params=period)
    assert default.status_code == 200 and default.json()["model_version"] == f"{MODEL_ID}@v1"
    nsw = client.get("/v1/baseline", params={**period, "model": AU_MODEL})
    assert nsw.status_code == 200 and nsw.json()["model_version"] == f"{AU_MODEL}@v1"
    # The made-up NSW model: a flat 8 GW level in Sydney's winter time (UTC+10).
    assert nsw.json()["time"][0] == "2030-06-30T14:00:00+00:00"
    assert 7_000 < nsw.json()["point_mw"][0] < 9_000
    posted = client.post("/v1/baseline", json={**period, "model": f"{AU_MODEL}@v1"})
    assert posted.status_code == 200 and posted.json()["model_version"] == f"{AU_MODEL}@v1"
    unknown = client.get("/v1/baseline", params={**period, "model": "vic-test"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == (
        f"model = 'vic-test': neither served nor published; served: {MODEL_ID}@v1, "
        f"{AU_MODEL}@v1; published: {MODEL_ID}@v1, {AU_MODEL}@v1"
    )


def test_the_scenario_list_offers_the_nsw_scenario(client: TestClient):
    ids = [row["id"] for row in client.get("/v1/scenarios").json()]
    assert "au-nsw-ai-dc" in ids


def test_the_shipped_service_serves_both_shipped_models(tmp_path):
    root = Path(__file__).resolve().parents[2] / "models" / "artifacts"
    settings = Settings(artifact_dir=root, storage_dir=tmp_path)
    with TestClient(create_app(settings, start_in_background=False)) as shipped:
        listed = {row["model_id"]: row for row in shipped.get("/v1/models").json()}
        assert {"kr-national-baseline", "au-nsw-baseline"} <= set(listed)
        assert all(row["served_version"] == row["promoted_version"] for row in listed.values())
        body = {"draws": 5, "resolution": "annual", "start": "2030-01-01", "end": "2030-01-31"}
        for scenario_id, model_id in (("au-nsw-ai-dc", "au-nsw-baseline"),
                                      ("kr-national", "kr-national-baseline")):  # fmt: skip
            answer = shipped.post("/v1/projections", json={**body, "scenario_id": scenario_id})
            assert answer.status_code == 200
            assert answer.headers["x-model-version"].startswith(f"{model_id}@")


def test_a_second_service_on_the_same_storage_waits_and_takes_over(make_settings, monkeypatch):
    """It says why on /readyz and leaves the first one's runs alone: a running run stays
    running (a second process used to mark it interrupted at its start-up). Once the first
    has gone (a deploy stopping the old process after starting the new one), it takes the
    database over and is ready; the first one's unfinished run is then interrupted."""
    import datetime as dt
    import time

    from service.storage import database as database_module
    from service.storage.runs import Run

    monkeypatch.setattr(database_module, "RETRY_FIRST_S", 0.2)
    monkeypatch.setattr(database_module, "RETRY_MOST_S", 0.2)
    settings = make_settings()
    run_id = "b" * 32
    first = TestClient(create_app(settings, start_in_background=False))
    first.__enter__()
    assert first.get("/readyz").status_code == 200
    running = Run(
        id=run_id, result_key="k" * 64, kind="job", status="running",
        scenario_id="kr-national", scenario_version=None, scenario_source="shipped",
        scenario_sha256="s" * 64, scenario_document="{}", options="{}",
        model_version="kpx-test@v1", code_version="0.0", author=None,
        submitted_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    first.app.state.service.runs.add(running)
    with TestClient(create_app(settings, start_in_background=False)) as second:
        ready = second.get("/readyz")
        assert ready.status_code == 503
        assert "another service process holds it" in ready.text
        time.sleep(0.6)  # it keeps trying, and touches nothing meanwhile
        assert first.get(f"/v1/runs/{run_id}").json()["status"] == "running"
        first.__exit__(None, None, None)
        deadline = time.monotonic() + 120  # start-up compiles on a loaded machine
        while second.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert second.get("/readyz").status_code == 200
        record = second.get(f"/v1/runs/{run_id}").json()
        assert record["status"] == "failed" and "interrupted" in record["error"]
