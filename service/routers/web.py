"""The dashboard page at ``/`` and its static files, served by the API's own app.

The page is plain HTML, CSS and ES modules in ``service/web/`` (no CDN, no build step at run
time): ``main.js`` and the modules it imports talk to the API (``/v1/scenarios``,
``/v1/scenarios/{id}/inputs``, ``/v1/accelerators``, ``/v1/projections``,
``/v1/comparisons``) and draw the charts with the vendored Observable Plot (``vendor/plot/``).
Only the ``.js`` and ``.css`` files under
``service/web/`` are served, so no request path can reach another file. Static files are
addressed with a content hash (``/static/main.js?v=<sha256 prefix>``; an import map in the page
sends each module import to its hashed URL) and cached for a year; the page itself is
revalidated on every load (``no-cache`` with an ETag), so a new release shows at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from html import escape as html_escape
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from forecast.errors import NotFoundError

router = APIRouter(include_in_schema=False)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STATIC_FILES: dict[str, str] = {
    path.relative_to(WEB_DIR).as_posix(): MEDIA_TYPES[path.suffix]
    for path in sorted(WEB_DIR.rglob("*"))
    if path.suffix in MEDIA_TYPES
}
MODULES = [name for name in STATIC_FILES if name.endswith(".js")]
ENTRY_MODULE = "main.js"
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
    headers: Mapping[str, str]


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
    return WebFile(
        body=body, media_type=STATIC_FILES[name], etag=_etag(body), headers=SECURITY_HEADERS
    )


@cache
def index_page(root_path: str = "") -> WebFile:
    """``index.html`` with the import map and the static files' versioned URLs filled in, each
    URL under ``root_path`` (the prefix a proxy serves the service under), which the page's
    scripts also put before every API path (``api.js``)."""
    template = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    # Modules import each other by plain relative paths; the import map sends each to its
    # content-hashed URL, so that every module can be cached for a year.
    modules = {f"{root_path}/static/{name}": _versioned_url(name, root_path) for name in MODULES}
    import_map = json.dumps({"imports": modules}, separators=(",", ":"))
    html = (
        template.replace("{{app_css}}", _versioned_url("app.css", root_path))
        .replace("{{import_map}}", import_map)
        .replace("{{main_js}}", _versioned_url(ENTRY_MODULE, root_path))
        .replace("{{root_path}}", html_escape(root_path))
    )
    # The inline import map is a script: allow exactly it, by its hash, and nothing else inline.
    digest = base64.b64encode(hashlib.sha256(import_map.encode("utf-8")).digest()).decode()
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace(
        "script-src 'self'", f"script-src 'self' 'sha256-{digest}'"
    )
    body = html.encode("utf-8")
    return WebFile(
        body=body,
        media_type="text/html; charset=utf-8",
        etag=_etag(body),
        headers={**SECURITY_HEADERS, "Content-Security-Policy": policy},
    )


def _versioned_url(name: str, root_path: str = "") -> str:
    return f"{root_path}/static/{name}?v={static_file(name).etag.strip(chr(34))[:16]}"


def _send(file: WebFile, if_none_match: str | None, cache_control: str) -> Response:
    headers = {"ETag": file.etag, "Cache-Control": cache_control, **file.headers}
    if if_none_match is not None and file.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header()]


@router.api_route("/", methods=["GET", "HEAD"])
async def dashboard(request: Request, if_none_match: IfNoneMatch = None) -> Response:
    """The dashboard page; revalidated on every load."""
    return _send(index_page(request.scope.get("root_path", "")), if_none_match, "no-cache")


@router.api_route("/static/{name:path}", methods=["GET", "HEAD"])
async def static(name: str, if_none_match: IfNoneMatch = None) -> Response:
    """A module or the style sheet; the page links them with a content hash, so cache long."""
    return _send(
        static_file(name), if_none_match, f"public, max-age={STATIC_MAX_AGE_SECONDS}, immutable"
    )
