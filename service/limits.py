"""Request body size limit, enforced before a body is parsed (pure ASGI middleware).

FastAPI's own ``max_body_size`` answers a plain-text "Content Too Large"; this one answers
the API's JSON error naming the limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Answer ``413`` to a request whose body exceeds ``max_body_bytes``.

    A declared ``Content-Length`` is checked before anything is read; a chunked body is counted
    as it arrives and cut off at the limit, never buffered whole.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def message(self, size: str) -> str:
        """The 413 detail: the size received and the limit."""
        return (
            f"request body = {size} bytes: at most {self.max_body_bytes} allowed "
            "(FORECAST_MAX_BODY_BYTES)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            response = JSONResponse({"detail": self.message(declared.decode())}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI passes an HTTPException raised while reading the body on to the
                    # app's handler (any other exception would become a 400).
                    raise HTTPException(
                        413, detail=self.message(f"more than {self.max_body_bytes}")
                    )
            return message

        await self.app(scope, counting_receive, send)
