"""The service tests' shared waits (:mod:`tests.support.server`): each has a deadline and,
once it passes, fails loudly, naming what it waited for and the last thing it saw.

Before, the waits were counts of tries (``for _ in range(600): ... time.sleep(0.05)``) that
waited longer or shorter as the machine was loaded, and several fell through silently;
``wait_for_status`` said only that a path "never reached" the statuses, not where it stood.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import wait_for_status, wait_until

SMALL = {"scenario_id": "kr-national", "draws": 5, "resolution": "annual",
         "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


def test_wait_until_returns_what_the_probe_saw_once_done():
    seen: list[int] = []

    def probe() -> int:
        seen.append(len(seen) + 1)
        return seen[-1]

    assert wait_until(probe, lambda count: count >= 3, what="three calls", interval_s=0) == 3
    assert seen == [1, 2, 3]


def test_wait_until_fails_past_its_deadline_naming_the_wait_and_the_last_value():
    seen: list[int] = []

    def probe() -> int:
        seen.append(len(seen) + 1)
        return seen[-1]

    with pytest.raises(AssertionError) as raised:
        wait_until(probe, lambda _count: False, what="a count of -1", timeout_s=0.3,
                   interval_s=0.01)  # fmt: skip
    assert str(raised.value) == f"waited 0.3 s for a count of -1; last seen: {seen[-1]}"
    assert len(seen) > 1  # it tried again until the deadline, not once


def test_wait_until_asks_once_even_with_no_time_left():
    with pytest.raises(AssertionError, match=r"waited 0 s for nothing; last seen: 'once'"):
        wait_until(lambda: "once", lambda _seen: False, what="nothing", timeout_s=0)


def test_wait_for_status_returns_the_run_and_fails_loudly_with_its_last_status(
    served: httpx.Client,
):
    """On the real server: a run that succeeded is returned as soon as it has; waited for as
    cancelled, which it never becomes, the wait fails at its deadline with the path, the
    statuses waited for and the run's last status and record."""
    answer = served.post("/v1/projections", json=SMALL)
    assert answer.status_code == 200, answer.text
    path = f"/v1/runs/{answer.headers['x-run-id']}"
    run = wait_for_status(served, path, {"succeeded"})
    assert run["status"] == "succeeded" and run["id"] == answer.headers["x-run-id"]
    with pytest.raises(AssertionError) as raised:
        wait_for_status(served, path, {"cancelled", "failed"}, timeout_s=0.3)
    message = str(raised.value)
    assert message.startswith(
        f"waited 0.3 s for {path} with a status in ['cancelled', 'failed']; last seen: {{"
    )
    assert "'status': 'succeeded'" in message
    assert f"'id': '{run['id']}'" in message


def test_wait_for_status_fails_at_once_where_the_path_answers_no_status(served: httpx.Client):
    """On the real server: a path that answers without a ``status`` (a 404 for a run that
    does not exist, a list) stopped the wait with a bare ``KeyError: 'status'``; it fails at
    once, naming the path, the HTTP status and the body."""
    path = f"/v1/runs/{'0' * 32}"  # well formed, no such run
    with pytest.raises(AssertionError) as raised:
        wait_for_status(served, path, {"succeeded"}, timeout_s=60)
    message = str(raised.value)
    assert message.startswith(f"{path} answered HTTP 404 without a status: "), message
    assert '"detail"' in message.split("without a status: ")[1], message  # the body
    assert "\n" not in message
    with pytest.raises(AssertionError, match=r"^/v1/scenarios answered HTTP 200 without a "):
        wait_for_status(served, "/v1/scenarios", {"succeeded"}, timeout_s=60)
