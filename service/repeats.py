"""Answer a repeated projection request straight from the result cache.

A dashboard polling one projection sends the same bytes again and again. Each of those
requests would go through routing, dependency resolution, body parsing and validation,
option checks and the result key, only to find the result in the cache: measured with an
asyncio client on the 2-core development machine, the app then served about 1,300 cached
requests/s, where a bare ASGI app returning the same 70 kB served about 7,500; with this
middleware it serves about 5,400-6,500 (all measured 2026-11-23, ``tests/load_service.py``
and one-off runs of its client).

:class:`RepeatedRequests` remembers, for each request it has seen answered with 200 from
``POST /v1/projections``, which cached result and format answered it, under a digest of
everything the answer can depend on: the served model, the query string, every header and
the body. The same request then gets the same result's bytes and headers, built by
:func:`service.routers.projections.response_parts` as the route builds them, without the
route. It never answers what the route would not: an entry is only made after the route
answered 200, an entry whose result has left the cache falls through to the route, and a
model reload changes the digest of every later request.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.registry import model_label
from service.render import OutputFormat
from service.routers.projections import (
    ANSWERED_WITH,
    PROJECTIONS_PATH,
    file_format_rendered,
    response_parts,
)


class RepeatedRequests:
    """ASGI middleware: a bounded LRU from request digest to ``(result key, format)``."""

    def __init__(self, app: ASGIApp, max_entries: int = 1024) -> None:
        self.app = app
        self.max_entries = max_entries
        self._answers: OrderedDict[bytes, tuple[str, OutputFormat]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"], scope.get("method"), scope.get("path")) != (
            "http",
            "POST",
            PROJECTIONS_PATH,
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.service
        # Only a body of declared length, which BodySizeLimit (outside) has checked: a streamed
        # one passes through untouched, for the limit to stop it while the route reads it.
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if not state.ready or not declared.isdigit():
            await self.app(scope, receive, send)
            return
        body, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body.append(message.get("body", b""))
            more = message.get("more_body", False)
        whole = b"".join(body)
        digest = self._digest(scope, model_label(state.registry.current), whole)
        answer = self._answers.get(digest)
        if answer is not None:
            result = state.cache.get(answer[0])
            if result is not None and file_format_rendered(result, answer[1]):
                self._answers.move_to_end(digest)
                content, media_type, headers = response_parts(result, answer[1], "hit")
                await Response(content, media_type=media_type, headers=headers)(
                    scope, receive, send
                )
                return
            del self._answers[digest]

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        answered = scope.get(ANSWERED_WITH)
        if status == 200 and answered is not None:
            self._answers[digest] = answered
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    @staticmethod
    def _digest(scope: Scope, model: str, body: bytes) -> bytes:
        digest = hashlib.sha256(model.encode())
        digest.update(b"\0" + scope.get("query_string", b""))
        for name, value in scope["headers"]:
            digest.update(b"\0" + name + b":" + value)
        digest.update(b"\0" + body)
        return digest.digest()
