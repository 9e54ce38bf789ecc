"""Admission control: slots and memory are granted on the event loop before any thread, the
health checks never wait behind work, the cache is bounded in bytes, floods are refused."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from fastapi.testclient import TestClient

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service.admission import Admission, current_client
from service.cache import ProjectionResult, ResultCache
from service.errors import BusyError, SaturatedError, TooLargeError
from service.main import create_app

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
        max_waiting_requests=64,
        # One client (the test's) asks all 48: its own limits in flight must not refuse them.
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
            started = time.perf_counter()
            health = client.get("/healthz")
            ready = client.get("/readyz")
            elapsed = time.perf_counter() - started
            client.portal.call(_release, held)
            statuses = [future.result().status_code for future in waiting]
    assert threads_in_use == 0  # 48 waiting requests, not one thread taken
    assert health.status_code == 200 and ready.json()["waiting"] == 48
    assert elapsed < 0.5
    assert set(statuses) <= {200, 503}  # computed in turn, or refused with the documented 503


async def _waiting(admission: Admission) -> int:
    return admission.waiting


async def _borrowed_threads() -> int:
    return anyio.to_thread.current_default_thread_limiter().borrowed_tokens


async def _release(grant) -> None:
    grant.release()


def test_one_client_cannot_hold_every_slot(make_settings):
    """Before: one API key could hold (or wait for) all max_inline_projections slots; with
    4 slots and 2 per client, a key's third concurrent heavy request is 429 at once, naming
    the limit, while another key's request still waits its turn and is answered."""
    first, second = "first-key-000000001", "second-key-00000001"
    settings = make_settings(
        api_keys=f"read:{first},read:{second}",
        max_inline_projections=4,
        max_inline_projections_per_client=2,
        inline_wait_seconds=20,
    )
    with TestClient(create_app(settings, start_in_background=False)) as client:
        admission = client.app.state.service.admission
        # Every slot held by the test (no client): the keys' requests wait, counted.
        held = [client.portal.call(admission.acquire, "a test holding a slot", 0)
                for _ in range(4)]  # fmt: skip

        def post(key: str, seed: int):
            return client.post(
                "/v1/projections", json={**SMALL, "seed": seed}, headers={"X-API-Key": key}
            )

        with ThreadPoolExecutor(4) as pool:
            waiting = [pool.submit(post, first, seed) for seed in (1, 2)]
            deadline = time.monotonic() + 10
            while client.portal.call(_waiting, admission) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            refused = post(first, 3)
            other = pool.submit(post, second, 4)
            while client.portal.call(_waiting, admission) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            other_waits = client.portal.call(_waiting, admission)
            for grant in held:
                client.portal.call(_release, grant)
            statuses = [future.result().status_code for future in [*waiting, other]]
        assert refused.status_code == 429, refused.text
        assert refused.headers["Retry-After"] == "5"
        detail = refused.json()["detail"]
        assert "FORECAST_MAX_INLINE_PROJECTIONS_PER_CLIENT" in detail
        assert "holds or waits for 2 of the 4 slots for heavy work; at most 2 per client" in detail
        assert other_waits == 3  # the other key's request waited, not refused
        assert statuses == [200, 200, 200]
        assert admission.busy_slots == 0 and client.portal.call(_waiting, admission) == 0
        # Every place given back: the first key may ask again.
        assert post(first, 5).status_code == 200


def test_a_clients_places_are_given_back_however_its_wait_ends():
    async def scenario() -> None:
        admission = Admission(
            slots=1, memory_bytes=10, max_waiting=4, wait_seconds=0.05, per_client=2
        )
        token = current_client.set("key a")
        try:
            held = await admission.acquire("held", 1)
            with pytest.raises(BusyError):
                await admission.acquire("times out", 1)
            assert admission.held_by("key a") == 1
            waiter = asyncio.ensure_future(admission.acquire("cancelled", 1))
            await asyncio.sleep(0)
            with pytest.raises(SaturatedError, match="at most 2 per client"):
                await admission.acquire("third", 1)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert admission.held_by("key a") == 1
            held.release()
            held.release()
            assert admission.held_by("key a") == 0
        finally:
            current_client.reset(token)

    asyncio.run(scenario())


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
