"""Admission control: slots and memory are granted on the event loop before any thread, the
health checks never wait behind work, the cache is bounded in bytes, floods are refused."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service.admission import Admission, Grant, RequestPlace, current_request
from service.cache import ProjectionResult, ResultCache
from service.errors import BusyError, SaturatedError, TooLargeError
from service.main import create_app
from tests.support.model_artifacts import publish_model
from tests.support.server import running_server

SMALL = {"scenario_id": "kr-national", "draws": 20, "resolution": "annual",
         "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


def test_admission_refuses_what_never_fits_and_what_waits_too_long():
    async def scenario() -> None:
        admission = Admission(slots=1, memory_bytes=1_000, max_waiting=1, wait_seconds=0.05)
        with pytest.raises(TooLargeError, match="FORECAST_MEMORY_BUDGET_BYTES"):
            await admission.acquire("huge", 1_001)
        held = await admission.acquire("first", 600)
        with pytest.raises(BusyError, match="stayed busy"):
            await admission.acquire("second", 100)  # no slot for 0.05 s
        waiter = asyncio.ensure_future(admission.acquire("third", 100))
        await asyncio.sleep(0)
        with pytest.raises(SaturatedError, match="already wait"):
            await admission.acquire("fourth", 100)  # max_waiting reached: 429 at once
        held.release()
        grant = await waiter  # the slot went to the waiter in arrival order
        assert admission.busy_slots == 1 and admission.reserved_bytes == 100
        grant.release()
        grant.release()  # idempotent
        assert admission.busy_slots == 0 and admission.reserved_bytes == 0

    asyncio.run(scenario())


def test_memory_is_admitted_as_well_as_slots():
    async def scenario() -> None:
        admission = Admission(slots=4, memory_bytes=1_000, max_waiting=4, wait_seconds=1.0)
        big = await admission.acquire("big", 900)
        waiting = asyncio.ensure_future(admission.acquire("needs 200", 200))
        await asyncio.sleep(0.01)
        assert not waiting.done()  # a slot is free, the memory is not
        big.release()
        (await waiting).release()

    asyncio.run(scenario())


def test_a_cancelled_waiter_gives_its_place_back():
    async def scenario() -> None:
        admission = Admission(slots=1, memory_bytes=10, max_waiting=2, wait_seconds=5)
        held = await admission.acquire("held", 1)
        waiter = asyncio.ensure_future(admission.acquire("gone", 1))
        await asyncio.sleep(0)
        waiter.cancel()  # the client went away while waiting
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert admission.waiting == 0
        held.release()
        assert admission.busy_slots == 0

    asyncio.run(scenario())


def test_heavy_requests_wait_without_a_thread_and_health_answers(make_settings):
    """Before: 160 queued projections held all 40 threads and /healthz waited up to 33.8 s."""
    settings = make_settings(
        max_inline_projections=1,
        inline_wait_seconds=5,
        # One client (the test's) asks all 48: its own limits in flight and its share of the
        # waiting places (half of them) must not refuse them.
        max_waiting_requests=96,
        max_requests_in_flight_per_client=64,
        max_inline_projections_per_client=64,
    )
    with TestClient(create_app(settings, start_in_background=False)) as client:
        admission = client.app.state.service.admission
        held = client.portal.call(admission.acquire, "a test holding the only slot", 0)
        with ThreadPoolExecutor(48) as pool:
            waiting = [
                pool.submit(client.post, "/v1/projections", json={**SMALL, "seed": seed})
                for seed in range(48)
            ]
            deadline = time.monotonic() + 10
            while client.portal.call(_waiting, admission) < 48 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert client.portal.call(_waiting, admission) == 48
            threads_in_use = client.portal.call(_borrowed_threads)
            health = client.get("/healthz")
            ready = client.get("/readyz")
            client.portal.call(_release, held)
            statuses = [future.result().status_code for future in waiting]
    assert threads_in_use == 0  # 48 waiting requests, not one thread taken
    # Answered while all 48 still waited (they give up after inline_wait_seconds, 5 s): before,
    # /healthz waited for a thread behind them. An order, not a time bound (no timing asserts).
    assert health.status_code == 200 and ready.json()["waiting"] == 48
    assert set(statuses) <= {200, 503}  # computed in turn, or refused with the documented 503


async def _waiting(admission: Admission) -> int:
    return admission.waiting


async def _borrowed_threads() -> int:
    return anyio.to_thread.current_default_thread_limiter().borrowed_tokens


async def _release(grant) -> None:
    grant.release()


def test_a_clients_second_request_waits_its_turn_and_others_pass_it():
    """Before: the per-client cap counted a client's waiting requests as well as its running
    ones, so with 2 slots (1 per client) its second concurrent request was 429 although a
    slot was free. Now the cap limits what a client computes; its second request waits, a
    later client's request passes it to the free slot, and it starts when its own first one
    has been answered (a request keeps its slot from its computation to its answer, so that it
    never waits again to render what it computed); a client's share of the waiting places
    (half, rounded up) is the most it may have waiting."""

    async def scenario() -> None:
        admission = Admission(slots=2, memory_bytes=10, max_waiting=2, wait_seconds=5, per_client=1)
        a_first, a_second, a_third = (RequestPlace("key a") for _ in range(3))
        b = RequestPlace("key b")

        def acquire(place: RequestPlace, what: str) -> asyncio.Future[Grant]:
            return asyncio.ensure_future(
                contextvars.copy_context().run(_acquire_as, admission, place, what)
            )

        first = await acquire(a_first, "a's first")
        second = acquire(a_second, "a's second")
        await asyncio.sleep(0.01)
        assert not second.done() and admission.busy_slots == 1  # waits, a slot free
        assert admission.waiting_for("key a") == 1
        with pytest.raises(SaturatedError, match="has 1 more waiting") as refused:
            await acquire(a_third, "a's third")
        assert "at most 1 computing (FORECAST_MAX_INLINE_PROJECTIONS_PER_CLIENT)" in str(
            refused.value
        )
        assert refused.value.headers == {"Retry-After": "5"}
        other = await acquire(b, "b's")  # passes a's waiting request
        assert admission.held_by("key b") == 1 and not second.done()
        first.release()  # computed: its slot is kept for rendering its answer
        await asyncio.sleep(0.01)
        assert admission.busy_slots == 2 and not second.done()
        (await acquire(a_first, "rendering a's first")).release()  # no wait
        assert admission.busy_slots == 2 and not second.done()
        a_first.answer_started()  # answered: the slot goes back
        granted = await second  # its own are done: its turn
        assert admission.held_by("key a") == 1
        for grant, place in ((granted, a_second), (other, b)):
            grant.release()
            place.answer_started()
        assert admission.busy_slots == 0 and admission.waiting == 0

    asyncio.run(scenario())


async def _acquire_as(admission: Admission, place: RequestPlace, what: str) -> Grant:
    current_request.set(place)
    return await admission.acquire(what, 1)


def test_a_client_kept_waiting_by_its_own_requests_is_told_so():
    async def scenario() -> None:
        admission = Admission(
            slots=2, memory_bytes=10, max_waiting=4, wait_seconds=0.05, per_client=1
        )
        first = RequestPlace("key a")
        current_request.set(first)
        held = await admission.acquire("held", 1)
        current_request.set(RequestPlace("key a"))  # the client's next request
        with pytest.raises(BusyError, match="while key a's own 1 heavy requests computed"):
            await admission.acquire("times out", 1)
        assert admission.waiting_for("key a") == 0 and admission.held_by("key a") == 1
        held.release()
        assert admission.held_by("key a") == 1  # kept for the first request's answer
        first.answer_started()
        assert admission.held_by("key a") == 0 and admission.busy_slots == 0

    asyncio.run(scenario())


def test_a_clients_places_are_given_back_however_its_wait_ends():
    async def scenario() -> None:
        admission = Admission(
            slots=1, memory_bytes=10, max_waiting=4, wait_seconds=0.05, per_client=2
        )
        first = RequestPlace("key a")
        token = current_request.set(first)
        try:
            held = await admission.acquire("held", 1)
            current_request.set(RequestPlace("key a"))
            with pytest.raises(BusyError, match="stayed busy"):
                await admission.acquire("times out", 1)
            assert admission.held_by("key a") == 1 and admission.waiting_for("key a") == 0
            waiter = asyncio.ensure_future(admission.acquire("cancelled", 1))
            await asyncio.sleep(0)
            assert admission.waiting_for("key a") == 1
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert admission.held_by("key a") == 1 and admission.waiting_for("key a") == 0
            first.answer_started()
            held.release()
            held.release()
            assert admission.held_by("key a") == 0
        finally:
            current_request.reset(token)

    asyncio.run(scenario())


#: Ten hourly years' JSON answer: streamed (46 MB, past ``STREAM_ABOVE_BYTES``; one year's,
#: 4.7 MB, is rendered whole and its slot given back before it is sent), so that a client
#: reading it late keeps its slot until it has read all but the sockets' buffers.
HEAVY = {"scenario_id": "kr-national", "draws": 20, "resolution": "hourly",
         "start": "2030-01-01", "end": "2039-12-31"}  # fmt: skip


@pytest.mark.slow
def test_on_a_real_server_a_clients_second_request_waits_rather_than_429(tmp_path):
    """The default on a 2-core host: 2 slots, 1 per client. Before: a key's second concurrent
    heavy projection was 429 at once, though the service would have queued it. Now it waits
    while its first holds a slot, another key's request passes it to the free slot, and both of
    the first key's are answered; only a request past the key's share of the waiting places
    is 429, saying why, with Retry-After.

    The first request holds its slot for as long as the test wants: its answer is read only
    once the others are placed (a slow reader keeps the slot its streamed answer is rendered
    under). It assumed the first still computed when the second arrived, which hourly runs
    several times faster made a race."""
    first_key, other_key = "first-key-000000001", "other-key-000000001"
    root = tmp_path / "artifacts"
    publish_model(root, "v1")
    env = {
        "FORECAST_ARTIFACT_DIR": str(root),
        "FORECAST_API_KEYS": f"read:{first_key},read:{other_key}",
        "FORECAST_MAX_INLINE_PROJECTIONS": "2",
        "FORECAST_MAX_WAITING_REQUESTS": "2",
        "FORECAST_INLINE_WAIT_SECONDS": "300",
        "FORECAST_CACHE_BYTES": "0",
        # The first answer's reader is not dropped as slow while the test holds it (30 s).
        "FORECAST_CLIENT_TIMEOUT_SECONDS": "300",
    }
    let_go = threading.Event()

    def request(key: str, seed: int) -> dict:
        return {"url": f"{base}/v1/projections", "json": {**HEAVY, "seed": seed},
                "headers": {"X-API-Key": key}, "timeout": 600}  # fmt: skip

    def post(key: str, seed: int) -> httpx.Response:
        return httpx.post(**request(key, seed))

    def post_read_late(key: str, seed: int) -> httpx.Response:
        """:func:`post`, its answer's body read only once ``let_go`` is set."""
        with httpx.stream("POST", **request(key, seed)) as response:
            let_go.wait(timeout=300)
            response.read()
        return response

    def until(check, what: str) -> dict:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            readiness = httpx.get(f"{base}/readyz", timeout=10).json()
            if check(readiness):
                return readiness
            time.sleep(0.02)
        raise AssertionError(f"never {what}: {readiness}")

    with running_server(env) as (base, _seconds), ThreadPoolExecutor(3) as pool:
        try:
            first = pool.submit(post_read_late, first_key, 1)
            until(lambda seen: seen["busy_slots"] == 1, "computing the first")
            second = pool.submit(post, first_key, 2)
            # Placed: waiting, computing in the free slot, or answered (a 429).
            placed = until(
                lambda seen: seen["busy_slots"] + seen["waiting"] == 2 or second.done(),
                "the second placed",
            )
            # A slot free, yet it waits: it neither took that slot nor was refused.
            assert (placed["busy_slots"], placed["waiting"]) == (1, 1), placed
            assert not second.done(), second.result().text[:300]
            refused = post(first_key, 3)
            other = pool.submit(post, other_key, 4)
            passed = until(lambda seen: seen["busy_slots"] == 2, "the other key computing")
            assert passed["waiting"] == 1 and not second.done()  # it passed the waiting one
        finally:
            let_go.set()
        answers = [first.result(), second.result(), other.result()]
    assert [answer.status_code for answer in answers] == [200, 200, 200], [
        answer.text[:300] for answer in answers
    ]
    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["detail"].endswith(
        "computes 1 heavy requests and has 1 more waiting for a slot; at most 1 computing "
        "(FORECAST_MAX_INLINE_PROJECTIONS_PER_CLIENT) and 1 waiting (half of "
        "FORECAST_MAX_WAITING_REQUESTS) per client; retry once one of its requests has been "
        "answered"
    )


def test_a_request_that_would_exceed_the_memory_budget_is_413_naming_it(make_settings):
    """Before: /v1/baseline had no limit; 40 requests of 1,141 draws x 99 quantiles: 6.6 GB."""
    settings = make_settings(
        memory_budget_bytes=2_200_000_000,
        cache_bytes=100_000_000,
        job_memory_bytes=100_000_000,
        max_baseline_draw_hours=2e8,
    )
    with TestClient(create_app(settings, start_in_background=False)) as client:
        budget = client.app.state.service.admission.memory_bytes
        assert budget < 1_500_000_000
        big = client.post(
            "/v1/baseline",
            json={"start": "2030-01-01", "end": "2031-12-31", "draws": 5_000,
                  "quantiles": [i / 100 for i in range(1, 100)]},
        )  # fmt: skip
        assert big.status_code == 413, big.text
        assert "FORECAST_MEMORY_BUDGET_BYTES" in big.json()["detail"]
        assert "GB" in big.json()["detail"]
        fits = client.post(
            "/v1/baseline", json={"start": "2030-07-01", "end": "2030-07-02", "draws": 50}
        )
        assert fits.status_code == 200


def test_renders_of_a_cached_result_take_a_slot(make_settings):
    """Before: CSV rendering of a cached result took no slot (4 at once: 94 s, 6.4 GB)."""
    settings = make_settings(max_inline_projections=1, inline_wait_seconds=0.2)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        assert client.post("/v1/projections", json=SMALL).status_code == 200  # cached, JSON
        admission = client.app.state.service.admission
        held = client.portal.call(admission.acquire, "a test holding the only slot", 0)
        try:
            busy = client.post("/v1/projections?format=csv", json=SMALL)
            cached = client.post("/v1/projections", json=SMALL)  # rendered already: no slot
        finally:
            client.portal.call(_release, held)
        assert busy.status_code == 503
        assert cached.status_code == 200 and cached.headers["x-cache"] == "hit"
        assert client.post("/v1/projections?format=csv", json=SMALL).status_code == 200


def _result(seed: int) -> ProjectionResult:
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(draws=10, seed=seed, resolution="daily",
                          start=__import__("datetime").date(2030, 1, 1),
                          end=__import__("datetime").date(2030, 6, 30)),
    )  # fmt: skip
    return ProjectionResult(key=f"key-{seed}", dataset=dataset)


def test_the_cache_is_bounded_in_bytes_renderings_included():
    """Before: 64 entries whatever their size; six 30-year results took RSS to 5.75 GB."""
    results = [_result(seed) for seed in range(3)]
    size = results[0].size_bytes
    cache = ResultCache(capacity_bytes=int(2.5 * size))
    for result in results:
        assert cache.put(result)
    assert cache.get("key-0") is None  # the oldest went
    assert cache.size_bytes <= cache.capacity_bytes
    assert not cache.keep_rendering(results[2], "csv", b"x" * int(2 * size))  # would not fit
    assert cache.keep_rendering(results[2], "json", b"x" * int(0.6 * size))
    assert cache.get("key-1") is None  # evicted to make room for the rendering
    assert cache.size_bytes <= cache.capacity_bytes
    assert not ResultCache(capacity_bytes=size - 1).put(results[0])  # too big: never kept


def test_too_many_requests_in_flight_are_refused(make_settings):
    settings = make_settings(
        max_requests_in_flight=1, max_inline_projections=1, inline_wait_seconds=5
    )
    with TestClient(create_app(settings, start_in_background=False)) as client:
        admission = client.app.state.service.admission
        held = client.portal.call(admission.acquire, "a test holding the only slot", 0)
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(client.post, "/v1/projections", json={**SMALL, "seed": 9})
            deadline = time.monotonic() + 5
            while client.portal.call(_waiting, admission) < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            second = client.post("/v1/projections", json={**SMALL, "seed": 10})
            health = client.get("/healthz")
            client.portal.call(_release, held)
            assert first.result().status_code == 200
    assert (
        second.status_code == 503 and "FORECAST_MAX_REQUESTS_IN_FLIGHT" in second.json()["detail"]
    )
    assert health.status_code == 200  # the health checks are never counted


def test_request_bodies_in_flight_are_bounded(make_settings):
    settings = make_settings(max_body_bytes=4_096, max_body_bytes_in_flight=4_096)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        release = threading.Event()

        def slow_body():
            yield b'{"scenario_id": '
            release.wait(5)
            yield b'"kr-national"}'

        with ThreadPoolExecutor(1) as pool:
            streaming = pool.submit(
                client.post,
                "/v1/projections",
                content=slow_body(),
                headers={"content-type": "application/json"},
            )
            time.sleep(0.3)
            refused = client.post("/v1/projections", json=SMALL)
            release.set()
            streaming.result()
    assert refused.status_code == 503
    assert "FORECAST_MAX_BODY_BYTES_IN_FLIGHT" in refused.json()["detail"]


def test_work_of_a_request_under_way_goes_before_requests_not_started():
    """A request that has held a slot and gave it back (its kept slot taken back for memory)
    waits first in line and is not held back by its client's limit."""

    async def scenario() -> None:
        admission = Admission(slots=1, memory_bytes=10, max_waiting=4, wait_seconds=5, per_client=1)
        other = RequestPlace("key b")
        current_request.set(other)
        held = await admission.acquire("b's", 1)
        under_way = RequestPlace("key a", admitted=True)
        newcomer = RequestPlace("key c")
        waiting_new = asyncio.ensure_future(_acquire_as(admission, newcomer, "c's"))
        await asyncio.sleep(0)
        waiting_old = asyncio.ensure_future(_acquire_as(admission, under_way, "a's render"))
        await asyncio.sleep(0)
        other.answer_started()
        held.release()
        grant = await waiting_old
        assert not waiting_new.done()
        under_way.answer_started()
        grant.release()
        (await waiting_new).release()
        newcomer.answer_started()
        assert admission.busy_slots == 0

    asyncio.run(scenario())
