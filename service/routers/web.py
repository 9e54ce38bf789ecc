"""The dashboard page at ``/`` and its two static files, served by the API's own app.

The page is plain HTML, CSS and JavaScript in ``service/web/`` (no CDN, no build step): it
talks to the API (``/v1/scenarios``, ``/v1/accelerators``, ``/v1/projections``) from the
browser and draws its charts as inline SVG. Only the files named in :data:`STATIC_FILES` are
served, so no request path can reach another file. Static files are addressed with a content
hash (``/static/app.js?v=<sha256 prefix>``) and cached for a year; the page itself is
revalidated on every load (``no-cache`` with an ETag), so a new release shows at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header
from starlette.responses import Response

from forecast.errors import NotFoundError
from forecast.sampling import OPERATION_DEFAULTS
from forecast.scenario import STATUS_DEFAULTS

router = APIRouter(include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_FILES: dict[str, str] = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
# Operations the page lets the user re-centre; their code defaults go into the page so that a
# scenario that leaves them out still shows the value the projection will use.
PAGE_OPERATIONS = ("load_factor", "pue")
SECURITY_HEADERS = {
    # Everything the page needs comes from this origin; charts are inline SVG, downloads blob:.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STATIC_MAX_AGE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class WebFile:
    """A file of the page, ready to send."""

    body: bytes
    media_type: str
    etag: str


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@cache
def static_file(name: str) -> WebFile:
    """One of :data:`STATIC_FILES`, read once.

    Raises
    ------
    NotFoundError
        ``name`` is not one of the page's files.
    """
    if name not in STATIC_FILES:
        raise NotFoundError(f"static file {name!r}: not found; files: {', '.join(STATIC_FILES)}")
    body = (WEB_DIR / name).read_bytes()
    return WebFile(body=body, media_type=STATIC_FILES[name], etag=_etag(body))


def page_defaults() -> dict[str, Any]:
    """Code defaults the page shows for inputs a scenario leaves out.

    Returns
    -------
    dict
        ``operations``: the default distribution of each of :data:`PAGE_OPERATIONS`;
        ``build_probability_by_status``: build probability of a site of each status that
        gives none. [1]
    """
    return {
        "operations": {
            name: OPERATION_DEFAULTS[name].quantity.model_dump(mode="json")
            for name in PAGE_OPERATIONS
        },
        "build_probability_by_status": {
            status: values["build_probability"] for status, values in STATUS_DEFAULTS.items()
        },
    }


@cache
def index_page() -> WebFile:
    """``index.html`` with the static files' versioned URLs and the defaults filled in."""
    template = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    # Inside <script type="application/json"> only "</" could end the element early.
    defaults = json.dumps(page_defaults(), separators=(",", ":")).replace("</", "<\\/")
    html = (
        template.replace("{{app_css}}", _versioned_url("app.css"))
        .replace("{{app_js}}", _versioned_url("app.js"))
        .replace("{{defaults_json}}", defaults)
    )
    body = html.encode("utf-8")
    return WebFile(body=body, media_type="text/html; charset=utf-8", etag=_etag(body))


def _versioned_url(name: str) -> str:
    return f"/static/{name}?v={static_file(name).etag.strip(chr(34))[:16]}"


def _send(file: WebFile, if_none_match: str | None, cache_control: str) -> Response:
    headers = {"ETag": file.etag, "Cache-Control": cache_control, **SECURITY_HEADERS}
    if if_none_match is not None and file.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header()]


@router.api_route("/", methods=["GET", "HEAD"])
async def dashboard(if_none_match: IfNoneMatch = None) -> Response:
    """The dashboard page; revalidated on every load."""
    return _send(index_page(), if_none_match, "no-cache")


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
async def static(name: str, if_none_match: IfNoneMatch = None) -> Response:
    """``app.js`` or ``app.css``; the page links them with a content hash, so cache long."""
    return _send(
        static_file(name), if_none_match, f"public, max-age={STATIC_MAX_AGE_SECONDS}, immutable"
    )
