"""Streamed answers: small pieces joined before they are sent, large ones passed as they are,
the next chunk made while one is sent, the grant released however the answer ends."""

from __future__ import annotations

import asyncio
import functools
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

    def no_chunker():
        raise RuntimeError("no chunker")

    async def first_only(grant, answered):
        stream = answers._streamed(chunks, grant, answered)
        async for _ in stream:
            break
        await stream.aclose()

    async def whole(grant, answered, made=chunks):
        return [chunk async for chunk in answers._streamed(made, grant, answered)]

    for run, error in (
        (first_only, None),
        (whole, "renderer broke"),
        (functools.partial(whole, made=no_chunker), "no chunker"),
    ):
        grant, answered = _Grant(), threading.Event()
        if error is None:
            asyncio.run(run(grant, answered))
        else:
            with pytest.raises(RuntimeError, match=error):
                asyncio.run(run(grant, answered))
        assert grant.released == 1 and answered.is_set()


def test_the_next_chunk_is_made_while_one_is_sent():
    """The first chunk is handed out before the consumer asks again; the second is being made
    meanwhile: the consumer sees it started before it asks for it."""
    second_started = threading.Event()

    def chunks():
        yield b"a" * answers.SEND_AT_LEAST_BYTES
        second_started.set()
        yield b"b" * answers.SEND_AT_LEAST_BYTES

    async def receive():
        stream = answers._streamed(chunks, None)
        first = await anext(stream)
        started = await asyncio.to_thread(second_started.wait, 60)
        rest = [chunk async for chunk in stream]
        return first, started, rest

    first, started, rest = asyncio.run(receive())
    assert first[:1] == b"a" and started and [chunk[:1] for chunk in rest] == [b"b"]
