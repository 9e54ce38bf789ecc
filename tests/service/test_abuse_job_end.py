"""``tests/abuse_service.py`` follows each queued job to its end: it took only succeeded and
failed as one, so a cancelled job was followed until its deadline (10 minutes) and then
counted a missed target. Every status the service says ended (``service.storage.runs.ENDED``)
ends the wait, on the real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from service.storage.runs import RUN_STATUSES, UNFINISHED
from tests import abuse_service
from tests.support.data import requires_shared_data
from tests.support.server import LONG_DRAWS, running_server

pytestmark = requires_shared_data

#: kr-national's whole horizon, hourly: a job that is still queued or running when cancelled.
LONG = {"scenario_id": "kr-national", "draws": LONG_DRAWS, "seed": 0, "resolution": "hourly",
        "start": "2024-01-01", "end": "2035-12-31"}  # fmt: skip


def test_every_status_the_service_ends_a_run_with_is_an_end():
    assert set(abuse_service.ENDED) == set(RUN_STATUSES) - set(UNFINISHED)
    assert "cancelled" in abuse_service.ENDED


def test_a_cancelled_job_ends_the_wait(monkeypatch: pytest.MonkeyPatch):
    # A short deadline: before the fix the wait ran it out and noted the job unended.
    monkeypatch.setattr(abuse_service, "JOB_WAIT_S", 20.0)
    with running_server({"FORECAST_JOB_THRESHOLD_DRAW_HOURS": "1"}) as (base, _seconds):
        queued = httpx.post(f"{base}/v1/projections", json=LONG, timeout=60)
        assert queued.status_code == 202, queued.text
        cancelled = httpx.post(f"{base}{queued.headers['location']}/cancel", timeout=60)
        assert cancelled.json()["status"] == "cancelled", cancelled.text
        outcome = abuse_service.Outcome("cancelled")
        asyncio.run(abuse_service._wait_jobs(base, [queued], outcome))
    assert outcome.statuses == {"job cancelled": 1}, outcome.statuses
    assert outcome.notes == []
