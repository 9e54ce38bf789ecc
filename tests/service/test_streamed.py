"""Streamed answers: small pieces joined before they are sent, large ones passed as they are,
the next chunk made while one is sent, the grant released however the answer ends."""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import answers


@given(st.lists(st.binary(max_size=40), max_size=60), st.integers(min_value=1, max_value=64))
def test_batched_pieces_are_the_same_bytes_in_as_few_sends(pieces, least):
    batched = list(answers._batched(iter(pieces), least))
    assert b"".join(batched) == b"".join(pieces)
    # A chunk under `least` is the last, or the small pieces before a large one.
    for chunk, following in itertools.pairwise(batched):
        assert len(chunk) >= least or len(following) >= least
    large = [piece for piece in pieces if len(piece) >= least]
    passed = [chunk for chunk in batched if any(chunk is piece for piece in large)]
    assert len(passed) == len(large)  # large pieces are not copied


class _Grant:
    def __init__(self) -> None:
        self.released = 0

    def release(self) -> None:
        self.released += 1


def test_a_stream_sends_every_chunk_in_order_and_releases_its_grant():
    made_on = set()

    def chunks():
        for index in range(5):
            made_on.add(threading.get_ident())
            yield bytes([index]) * answers.SEND_AT_LEAST_BYTES

    grant, answered = _Grant(), threading.Event()

    async def receive():
        return [chunk async for chunk in answers._streamed(chunks, grant, answered)]

    received = asyncio.run(receive())
    assert [chunk[0] for chunk in received] == [0, 1, 2, 3, 4]
    assert threading.get_ident() not in made_on  # made in worker threads
    assert grant.released == 1 and answered.is_set()


def test_a_stream_left_midway_or_failing_still_releases_its_grant():
    def chunks():
        yield b"a" * answers.SEND_AT_LEAST_BYTES
        yield b"b" * answers.SEND_AT_LEAST_BYTES
        raise RuntimeError("renderer broke")

    async def first_only(grant):
        stream = answers._streamed(chunks, grant)
        async for _ in stream:
            break
        await stream.aclose()

    async def whole(grant):
        return [chunk async for chunk in answers._streamed(chunks, grant)]

    left, failed = _Grant(), _Grant()
    asyncio.run(first_only(left))
    assert left.released == 1
    with pytest.raises(RuntimeError, match="renderer broke"):
        asyncio.run(whole(failed))
    assert failed.released == 1
