"""``weather_year`` in the bodies of POST /v1/projections and /v1/comparisons: a design weather
year ("2018 weather") as ``forecast project --weather-year``, on the real server. Only the
grid-export API took it before; a projection's body refused the field (422, extra field)."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

from forecast.cli import main
from tests.support.data import requires_shared_data
from tests.support.server import SharedServers

pytestmark = requires_shared_data

YEAR = 2018
PERIOD = {"start": "2030-01-01", "end": "2030-12-31"}
BODY = {"scenario_id": "kr-national", "draws": 20, "seed": 3, "resolution": "annual",
        "weather": "historical", **PERIOD}  # fmt: skip
PAIR = [{"scenario_id": "kr-national"}, {"scenario_id": "kr-dc-pipeline"}]


@pytest.fixture(scope="module")
def server(shared_servers: SharedServers) -> str:
    """The shared real server with the default settings (the shipped model)."""
    return shared_servers.base()


def test_a_projection_on_a_weather_year_is_the_command_lines(server: str, tmp_path):
    """The API's CSV for ``weather_year: 2018`` is the rows ``forecast project --weather-year
    2018`` writes; its JSON answer records the year in attrs (``weather_year``, and
    ``weather_years`` lists it alone), the run records it in its options, and its result is
    keyed apart from the all-years one, whose record (and so its key) holds no
    ``weather_year``."""
    body = {**BODY, "weather_year": YEAR}
    answer = httpx.post(f"{server}/v1/projections", params={"format": "csv"}, json=body,
                        timeout=300)  # fmt: skip
    assert answer.status_code == 200, answer.text[:500]
    out = tmp_path / "cli.csv"
    assert main(["project", "kr-national", "--draws", "20", "--seed", "3", "--start",
                 PERIOD["start"], "--end", PERIOD["end"], "--resolution", "annual",
                 "--weather", "historical", "--weather-year", str(YEAR), "--quiet", "--out",
                 str(out)]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(answer.text)), pd.read_csv(out))

    fixed = httpx.post(f"{server}/v1/projections", json=body, timeout=300)
    drawn = httpx.post(f"{server}/v1/projections", json=BODY, timeout=300)
    assert fixed.status_code == drawn.status_code == 200, drawn.text[:500]
    assert fixed.json()["attrs"]["weather_year"] == YEAR
    assert "weather_year" not in drawn.json()["attrs"]
    # The years its draws ran on: 2018 alone, not the ensemble it was chosen from.
    ensemble = drawn.json()["attrs"]["weather_years"]
    assert ensemble.split(",") == [str(year) for year in range(2013, 2025)]
    assert fixed.json()["attrs"]["weather_years"] == str(YEAR)
    assert fixed.json()["attrs"]["weather_ensemble_years"] == ensemble
    assert fixed.headers["etag"] != drawn.headers["etag"]
    # The peak's spread is the weather's too: fixing the year moves the grid's peak band.
    peaks = [answer.json()["variables"]["total_peak_gw"]["values"] for answer in (fixed, drawn)]
    assert peaks[0] != peaks[1]
    records = [
        httpx.get(f"{server}/v1/runs/{a.headers['x-run-id']}").json() for a in (fixed, drawn)
    ]
    assert records[0]["options"]["weather_year"] == YEAR
    assert "weather_year" not in records[1]["options"]


def test_a_comparison_runs_every_scenario_on_the_weather_year(server: str):
    body = {"scenarios": PAIR, "draws": 20, "resolution": "annual", "weather": "historical",
            "duration_curves": False, "weather_year": YEAR, **PERIOD}  # fmt: skip
    answer = httpx.post(f"{server}/v1/comparisons", json=body, timeout=300)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["attrs"]["weather_year"] == YEAR
    assert answer.json()["attrs"]["weather_years"] == str(YEAR)
    drawn = httpx.post(f"{server}/v1/comparisons", json={**body, "weather_year": None}, timeout=300)
    assert drawn.status_code == 200, drawn.text[:500]
    assert "weather_year" not in drawn.json()["attrs"]
    assert drawn.headers["etag"] != answer.headers["etag"]


@pytest.mark.parametrize(
    ("path", "extra", "message"),
    [
        ("/v1/projections", {"weather_year": 1990},
         "weather_year = 1990: allowed: a year 2013..2024 (the observed weather years of seoul)"),
        ("/v1/projections", {"weather_year": YEAR, "weather": "typical"},
         f"weather_year = {YEAR}: a weather year is one of the observed years of historical "
         "weather, and this projection runs on typical weather"),
        ("/v1/comparisons", {"weather_year": 1990},
         "weather_year = 1990: allowed: a year 2013..2024 (the observed weather years of seoul)"),
    ],
)  # fmt: skip
def test_a_weather_year_it_cannot_run_on_is_a_422_naming_the_field(
    server: str, path: str, extra: dict, message: str
):
    body = {**BODY, **extra}
    if path == "/v1/comparisons":
        del body["scenario_id"]
        body["scenarios"] = PAIR
    answer = httpx.post(f"{server}{path}", json=body, timeout=60)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert message in detail and "\n" not in detail and "--" not in detail, detail


def test_a_weather_year_that_is_not_an_integer_is_a_422_naming_the_field(server: str):
    answer = httpx.post(f"{server}/v1/projections", json={**BODY, "weather_year": "2018"})
    assert answer.status_code == 422, answer.text
    assert "weather_year" in answer.text and "valid integer" in answer.text, answer.text


def test_the_inputs_offer_the_locations_observed_weather_years(server: str):
    """What the dashboard's Weather year list offers: the years ``weather_year`` may name."""
    inputs = httpx.get(f"{server}/v1/scenarios/kr-national/inputs", timeout=60).json()
    assert inputs["weather_years"] == list(range(2013, 2025))
