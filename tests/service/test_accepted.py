"""A request above the job threshold is answered ``202`` with the job's ticket (JSON) in any
format asked for: the schema declares the headers a client needs to poll it.

Before: ``curl -o kr.csv`` saved the JSON ticket as kr.csv, the 202's OpenAPI answer declared
no header (``Location`` and ``Retry-After`` undocumented, nor ``Retry-After`` of 429 and 503),
and the 202 itself carried no ``Retry-After``.
"""

from __future__ import annotations

import httpx

REQUEST = {"scenario_id": "kr-national", "draws": 20, "resolution": "annual",
           "start": "2030-01-01", "end": "2030-12-31", "weather": "typical"}  # fmt: skip


def test_a_job_answer_and_its_schema_name_location_and_retry_after(jobs_served: httpx.Client):
    schema = jobs_served.get("/openapi.json").json()
    for path in ("/v1/projections", "/v1/comparisons"):
        responses = schema["paths"][path]["post"]["responses"]
        assert set(responses["202"]["headers"]) == {"Location", "Retry-After"}, path
        for status in ("429", "503"):
            assert "Retry-After" in responses[status]["headers"], (path, status)
        assert {"X-Run-Id", "Content-Location"} <= set(responses["200"]["headers"]), path

    answer = jobs_served.post("/v1/projections?format=csv", json=REQUEST)
    assert answer.status_code == 202
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["location"] == f"/v1/jobs/{answer.json()['id']}"
    assert int(answer.headers["retry-after"]) > 0
