"""The route class every service router uses: JSON bodies parsed off the event loop, and
refused when a table or list in them is longer than any schema allows.

FastAPI parses a JSON body with ``json.loads`` on the event loop. A 1 MB body of small objects
takes tens of milliseconds to parse, holding the loop, and sixteen at once held ``/healthz``
for 1.5 s (``tests/abuse_service.py``, flood ``bodies``). Parsed in worker threads, each body
still holds the GIL while ``json.loads`` runs, but the loop gets its turn between two bodies.
The number of bodies parsed at once is bounded by ``max_body_bytes_in_flight``
(:class:`service.limits.RequestGuard`).

Validating is the other cost: pydantic collects an error per offending item, holding the GIL
throughout, so a body of 120,000 unknown keys or wrong-typed items held it for 0.4-0.6 s. No
schema of the API has a table or list longer than :data:`MAX_MEMBERS`, so a longer one is
refused (422, naming where it is) before validation, by a plain Python walk that lets other
threads run.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

#: Bodies up to this size are parsed on the loop: a thread hop would cost more, and they
#: cannot hold enough items to keep a validator busy for more than a few ms. [bytes]
PARSE_ON_LOOP_BYTES = 8 * 1024
#: Most members a JSON object or array in a body may have (scenarios: 500 sites at most).
MAX_MEMBERS = 1_000


def _longest(document: Any) -> tuple[int, Any]:
    """Members of the largest object or array in ``document``, and that container."""
    longest, found = 0, None
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            members = list(value.values())
        elif isinstance(value, list):
            members = value
        else:
            continue
        if len(members) > longest:
            longest, found = len(members), value
        pending.extend(members)
    return longest, found


def _where(document: Any, target: Any, path: str = "body") -> str | None:
    """Path of ``target`` inside ``document`` (only walked when refusing)."""
    if document is target:
        return path
    items = (
        ((f"{path}.{key}", value) for key, value in document.items())
        if isinstance(document, dict)
        else ((f"{path}[{index}]", value) for index, value in enumerate(document))
        if isinstance(document, list)
        else ()
    )
    for child_path, value in items:
        if isinstance(value, dict | list):
            found = _where(value, target, child_path)
            if found is not None:
                return found
    return None


def _parsed(body: bytes) -> Any:
    """The body's JSON, refused (422) when a table or list in it exceeds MAX_MEMBERS."""
    document = json.loads(body)
    longest, container = _longest(document)
    if longest > MAX_MEMBERS:
        kind = "object" if isinstance(container, dict) else "array"
        raise HTTPException(
            422,
            detail=f"{_where(document, container)}: a JSON {kind} of {longest} members; at most "
            f"{MAX_MEMBERS} allowed",
        )
    return document


#: Bodies parsed at once, per event loop: each parse is CPU-bound Python and C under the GIL,
#: and many at once would take turns with the event loop for it (a convoy that held
#: /healthz for over a second with 16 bodies).
PARSERS = 2
_parsers: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _parser_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _parsers.get(loop)
    if slots is None:
        _parsers.clear()  # an earlier loop (a test client's) is done with
        slots = _parsers[loop] = asyncio.Semaphore(PARSERS)
    return slots


class _OffloadedJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            if len(body) <= PARSE_ON_LOOP_BYTES:
                self._json = json.loads(body)
            else:
                async with _parser_slots():
                    self._json = await run_in_threadpool(_parsed, body)
        return self._json


class ServiceRoute(APIRoute):
    """An ``APIRoute`` whose handler parses large JSON bodies in a worker thread."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def offloaded(request: Request) -> Response:
            return await handler(_OffloadedJSONRequest(request.scope, request.receive))

        return offloaded
