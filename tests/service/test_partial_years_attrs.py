"""A projection's answer names the years its period covers in part (``attrs.partial_years``),
as the command line's summary and the CSV's sidecar do (report-proc M5)."""

from __future__ import annotations

import json

import httpx


def test_the_answer_names_a_partial_year(served: httpx.Client):
    request = {"scenario_id": "devries-2023-h100", "draws": 4, "seed": 0,
               "resolution": "annual", "start": "2026-01-01", "end": "2026-01-02",
               "weather": "typical"}  # fmt: skip
    answer = served.post("/v1/projections", json=request)
    assert answer.status_code == 200, answer.text
    assert json.loads(answer.json()["attrs"]["partial_years"]) == {
        "2026": "2026-01-01..2026-01-02 (2 of 365 days)"
    }
