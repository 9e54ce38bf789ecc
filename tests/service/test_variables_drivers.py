"""A ``?variables=`` answer carries the spread-driver tables of the variables it asks for, in
JSON as variables and in Parquet's metadata, as a whole answer does, on the real server (the
JSON left them out: a planner asking for ``ai_energy_twh`` got no word of what drives it)."""

from __future__ import annotations

import io
import json

import httpx
import pyarrow.parquet as pq

from forecast.io.export import PARQUET_METADATA_KEY

BODY = {"scenario_id": "kr-outlook", "draws": 12, "seed": 0, "resolution": "annual",
        "start": "2030-01-01", "end": "2031-12-31"}  # fmt: skip
AI_TABLES = {"ai_energy_twh_rank_correlation", "spread_driver_rank_correlation"}


def test_json_carries_the_driver_tables_of_the_variables_asked_for(served: httpx.Client):
    whole = served.post("/v1/projections", json=BODY)
    part = served.post("/v1/projections", params={"variables": "ai_energy_twh"}, json=BODY)
    assert whole.status_code == part.status_code == 200, part.text
    variables = part.json()["variables"]
    assert set(variables) == {"ai_energy_twh", *AI_TABLES}
    for name in AI_TABLES:
        assert variables[name] == whole.json()["variables"][name]
    assert part.json()["coords"]["input"] == whole.json()["coords"]["input"]
    # A variable whose spread is not ranked brings none.
    peak = served.post("/v1/projections", params={"variables": "total_peak_gw"}, json=BODY)
    assert set(peak.json()["variables"]) == {"total_peak_gw"}


def test_parquet_metadata_carries_them_as_the_readme_lays_out(served: httpx.Client):
    answer = served.post(
        "/v1/projections",
        params={"format": "parquet", "variables": "ai_energy_twh,dc_energy_twh"},
        json=BODY,
    )
    assert answer.status_code == 200, answer.text
    metadata = json.loads(pq.read_schema(io.BytesIO(answer.content)).metadata[PARQUET_METADATA_KEY])
    tables = {(table["variable"], table["year"]) for table in metadata["spread_drivers"]}
    assert {
        ("ai_energy_twh_rank_correlation", 2031),
        ("dc_energy_twh_rank_correlation", 2030),
    } <= tables
    assert metadata["spread_driver_rank_correlation"]
    assert metadata["dc_spread_driver_rank_correlation"]
