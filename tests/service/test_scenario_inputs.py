"""``GET /v1/scenarios/{id}/inputs``: what the dashboard shows comes from the scenario format."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from forecast.engine.sampling import OPERATION_DEFAULTS
from forecast.scenario import RANGES, STATUS_DEFAULTS, Operations, Site, load_scenario
from service.routers.inputs import allowed_range
from tests.support.server import SERVED, SharedServers

MAX_DRAWS = SERVED["max_draws"]


@pytest.fixture(scope="module")
def client(served: httpx.Client) -> httpx.Client:
    """The shared real server, of at most :data:`MAX_DRAWS` draws."""
    return served


@pytest.fixture(scope="module")
def national(client):
    response = client.get("/v1/scenarios/kr-national/inputs")
    assert response.status_code == 200
    return {item["path"]: item for item in response.json()["inputs"]}, response.json()


def test_operations_in_effect_with_central_values(national):
    inputs, _ = national
    scenario = load_scenario("kr-national")
    assert [path for path in inputs if path.startswith("operations.")] == [
        f"operations.{name}" for name in OPERATION_DEFAULTS
    ]
    lifetime = inputs["operations.lifetime_years"]
    assert lifetime["origin"] == "scenario"
    assert lifetime["quantity"]["dist"] == "triangular"
    assert lifetime["central"] == lifetime["quantity"]["mode"]  # a triangular's mode
    assert lifetime["quantity"]["mode"] == scenario.operations.lifetime_years.mode
    for name, default in OPERATION_DEFAULTS.items():
        if getattr(scenario.operations, name) is None:
            item = inputs[f"operations.{name}"]
            assert item["origin"] == "default"
            dumped = default.quantity.model_dump(mode="json", exclude_none=True)
            assert item["quantity"] == ({"trend": dumped} if isinstance(dumped, list) else dumped)
    pue = inputs["operations.pue"]  # the default is a trend: each point has its central value
    assert [point["date"] for point in pue["quantity"]["trend"]] == ["2024-01-01", "2030-01-01"]
    assert pue["point_centrals"] == [point["mode"] for point in pue["quantity"]["trend"]]
    assert pue["central"] == pue["point_centrals"][0]
    uniform = next(
        item
        for item in inputs.values()
        if item["origin"] == "default" and item["quantity"].get("dist") == "uniform"
    )
    quantity = uniform["quantity"]
    assert uniform["central"] == pytest.approx((quantity["low"] + quantity["high"]) / 2)


def test_each_site_build_probability_with_the_status_default(national):
    inputs, _ = national
    scenario = load_scenario("kr-national")
    assert scenario.sites, "kr-national has sites"
    for index, site in enumerate(scenario.sites):
        item = inputs[f"sites[{index}].build_probability"]
        if site.build_probability is None:
            assert item["origin"] == "default"
            assert item["central"] == STATUS_DEFAULTS[site.status]["build_probability"]
        else:
            assert item["origin"] == "scenario"
            assert item["central"] == pytest.approx(site.build_probability.central())
        assert item["allowed"] == {"low": 0.0, "high": 1.0, "low_open": False}


def test_ranges_are_the_scenario_formats(national):
    inputs, _ = national
    assert inputs["operations.load_factor"]["allowed"] == {
        "low": 0.0,
        "high": 1.0,
        "low_open": True,
    }
    assert inputs["operations.pue"]["allowed"] == {"low": 1.0, "high": 5.0, "low_open": False}


@pytest.mark.parametrize(
    ("model", "field"),
    [(Operations, name) for name in RANGES["Operations"]]
    + [(Site, name) for name in RANGES["Site"]],
)
def test_each_range_is_what_validation_accepts(model, field):
    """At each stated bound the model accepts a value; just beyond it, it refuses."""
    allowed = allowed_range(model.__name__, field)
    assert allowed is not None, f"{model.__name__}.{field} has a range"
    base = {
        Operations: {},
        Site: {
            "name": "s",
            "capacity_mw": 1.0,
            "capacity_kind": "grid",
            "commissioning": "2030-01-01",
            "status": "operating",
        },
    }[model]

    def accepts(value: float) -> bool:
        try:
            model.model_validate({**base, field: {"dist": "fixed", "value": value}})
        except ValidationError:
            return False
        return True

    step = 1e-6 * max(1.0, abs(allowed.high))
    assert accepts(allowed.high) and not accepts(allowed.high + step)
    assert accepts(allowed.low) != allowed.low_open
    assert not accepts(allowed.low - step)


def test_request_limits_come_from_the_schema_and_settings(national):
    _, body = national
    limits = body["limits"]
    assert limits["draws"] == {"minimum": 1, "maximum": MAX_DRAWS, "default": 1000}
    assert limits["seed"]["minimum"] == 0 and limits["seed"]["default"] == 0
    assert limits["deployments.milestones.count"]["minimum"] == 0


def test_the_years_a_period_may_take_are_the_apis(
    national, shared_servers: SharedServers, artifact_root: Path
):
    """The dashboard refused "To year" 2038 for kr-outlook ("outside the allowed 2024–2035")
    where the API projects up to 30 years from the start: the limits state the years a period
    may start and end in (by default the horizon's) and the most it spans on this service."""
    _, body = national
    limits = body["limits"]
    assert limits["start.year"] == {"minimum": 1990, "maximum": 2100, "default": 2024}
    assert limits["end.year"] == {"minimum": 1990, "maximum": 2100, "default": 2035}
    assert limits["period.years"] == {"minimum": 1, "maximum": 30, "default": 12}
    limited = shared_servers.client(artifact_dir=artifact_root, max_horizon_years=10)
    shorter = limited.get("/v1/scenarios/kr-national/inputs").json()["limits"]
    assert shorter["period.years"]["maximum"] == 10


def test_unknown_scenario_is_named(client):
    response = client.get("/v1/scenarios/no-such-scenario/inputs")
    assert response.status_code == 404
    assert "'no-such-scenario'" in response.json()["detail"]
    assert client.get("/v1/scenarios/Bad_Id/inputs").status_code == 422


def test_listed_in_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "get" in paths["/v1/scenarios/{scenario_id}/inputs"]


def test_grid_limits_and_flexibility_share(client):
    """Each region's connection limit and the flexible share, as the scenario gives them, with
    the format's ranges; the stress hours' bounds are a limit of the format."""
    body = client.get("/v1/scenarios/kr-outlook-flex/inputs").json()
    inputs = {item["path"]: item for item in body["inputs"]}
    scenario = load_scenario("kr-outlook-flex")
    for region, grid in scenario.grid.items():
        item = inputs[f"grid.{region}.limit_mw"]
        assert item["origin"] == "scenario"
        assert item["central"] == pytest.approx(grid.limit_mw.central())
        assert item["allowed"] == {"low": 0.0, "high": 1e7, "low_open": False}
    share = inputs["flexibility.share"]
    assert share["central"] == pytest.approx(scenario.flexibility.share.central())
    assert share["allowed"] == {"low": 0.0, "high": 1.0, "low_open": False}
    assert body["limits"]["flexibility.hours_per_year"] == {
        "minimum": 1,
        "maximum": 2000,
        "default": None,
    }
    # The first year of a programme (optional: none runs it in every year), for the form's
    # own check before it sends one.
    assert body["limits"]["flexibility.from_year"] == {
        "minimum": 2000,
        "maximum": 2100,
        "default": None,
    }
    plain_body = client.get("/v1/scenarios/kr-national/inputs").json()
    plain = {item["path"] for item in plain_body["inputs"]}
    assert not any(path.startswith(("grid.", "flexibility.")) for path in plain)
    # A scenario without them still states their ranges, for a client that adds them (the
    # dashboard sent a share of 1.5 to kr-outlook, which has no flexibility, and got a 422).
    assert plain_body["limits"]["flexibility.share"] == {
        "minimum": 0.0,
        "maximum": 1.0,
        "default": None,
    }
    assert plain_body["limits"]["grid.limit_mw"] == {
        "minimum": 0.0,
        "maximum": 1e7,
        "default": None,
    }
