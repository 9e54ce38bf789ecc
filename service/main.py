"""The FastAPI application: ``create_app()`` builds it, uvicorn serves it.

``forecast serve`` runs ``uvicorn.run("service.main:create_app", factory=True)``; settings come
from ``FORECAST_*`` environment variables (:mod:`service.settings`), or from an override of
:func:`service.deps.get_settings`.

The API's resources are routers under one ``/v1`` prefix, listed in :data:`V1_ROUTERS`. A new
resource is a module in ``service/routers/`` with ``router = APIRouter(prefix="/things",
tags=["things"], route_class=ServiceRoute)`` (:mod:`service.routing`: bodies parsed off the event
loop, overlong lists refused) added there; a route that computes takes a slot first (``async with
state.admission.slot(what, estimated_bytes)``, see :mod:`service.admission`) and runs its
work with ``run_in_threadpool``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import forecast
from service.deps import (
    get_settings,
    refuse_unknown_query,
    refuse_while_starting,
    require_read,
    route_roles,
    settings_of,
)
from service.errors import install_error_handlers
from service.headers import SecurityHeaders
from service.limits import RequestGuard
from service.logs import RequestIds
from service.routers import (
    baseline,
    catalog,
    comparisons,
    gridexports,
    health,
    jobs,
    models,
    projections,
    runs,
    scenarios,
    web,
)
from service.routers import inputs as scenario_inputs
from service.settings import Settings
from service.state import ServiceState

DESCRIPTION = """
Grid electricity demand of AI compute: projections of GPU deployments and AI data-centre
buildouts as hourly load [MW], yearly energy [TWh] and peaks [GW], with Monte Carlo quantiles,
on top of a baseline demand model of the grid, trained on real grid data (KPX, AEMO NSW1).

* Units are in every field's description and in each output variable's `units`.
* Errors answer `{"detail": "..."}` naming the field, the value and what is allowed.
* Scenarios side by side: `POST /v1/comparisons` projects 2..20 scenarios with common random
  numbers and answers them along a `scenario` dimension, with each one's difference from the
  first.
* Grid-model exports: `POST /v1/grid-exports` answers the files `forecast export-grid` writes
  (PyPSA, PLEXOS, wide tables) as a zip archive of hourly load paths [MW].
* Large projections, comparisons and exports run as jobs: `202 Accepted` and a `Location` to
  poll.
* Scenarios can be saved and versioned (write key); every projection is recorded as a run
  whose result can be read again, in any format, with `ETag` / `If-None-Match`.
* Keys (`X-API-Key`) have roles: read (optional unless the service asks for it), write
  (scenarios, runs) and admin (model reload).
"""

#: Every resource of the API, each an ``APIRouter`` with its own prefix, mounted under /v1.
V1_ROUTERS: tuple[APIRouter, ...] = (
    catalog.router,
    scenarios.router,
    scenario_inputs.router,
    projections.router,
    comparisons.router,
    gridexports.router,
    jobs.router,
    runs.router,
    baseline.router,
    models.router,
)


class ServiceApp(FastAPI):
    """The FastAPI app with every request given an id (:mod:`service.logs`) before anything
    else, Starlette's error middleware included, so that a 500 and its log lines carry it;
    outside that, the settings' root path and trusted proxies' headers applied."""

    def build_middleware_stack(self) -> ASGIApp:
        settings = settings_of(self)
        stack: ASGIApp = RootPath(RequestIds(super().build_middleware_stack()), settings.root_path)
        if settings.proxy_headers:
            # uvicorn's middleware, typed with its own ASGI types: the same protocol.
            proxied: Any = ProxyHeadersMiddleware(
                stack,  # type: ignore[arg-type]
                trusted_hosts=settings.forwarded_allow_ips,
            )
            stack = proxied
        return stack


class RootPath:
    """Serve under ``root_path`` (``FORECAST_ROOT_PATH``, ``forecast serve --root-path``) as
    uvicorn's ``--root-path`` does: behind a proxy that strips the prefix, each request's
    ``root_path`` is set and its ``path`` carries the prefix, so that routing (which takes it
    off again) and the links the app builds (``/docs``, the dashboard's) name the public URL.
    A request whose ``root_path`` the server set already is left alone."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.root_path and scope["type"] in {"http", "websocket"} and not scope.get("root_path"):
            scope = {
                **scope,
                "root_path": self.root_path,
                "path": self.root_path + scope["path"],
                "raw_path": self.root_path.encode("ascii") + scope.get("raw_path", b""),
            }
        await self.app(scope, receive, send)


#: Swagger UI's files, vendored (see the README beside them).
SWAGGER_UI_DIR = Path(__file__).resolve().parent / "vendor" / "swagger-ui"


def _offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the copy vendored in ``service/vendor/swagger-ui``, not
    from a CDN.

    FastAPI's default /docs page loads its JavaScript from a CDN, which a planner's offline or
    air-gapped network cannot reach. Swagger UI 5 reads the OpenAPI 3.1 document FastAPI writes
    (the 4.x of the ``swagger-ui-bundle`` package refused it).
    """
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/docs-static", StaticFiles(directory=SWAGGER_UI_DIR), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # served behind a path prefix
        page = get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - docs",
            swagger_js_url=f"{root}/docs-static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-static/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
        page.headers["Referrer-Policy"] = "no-referrer"
        return page


def docs_policy(page: str) -> str:
    """The Content-Security-Policy of the Swagger UI page: its files from this origin, its one
    inline bootstrap script allowed by its hash, never framed. Swagger UI sets inline styles
    (its own SVGs and layout), so style-src allows them; no script can come from them."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def _limits_in_schema(app: FastAPI) -> None:
    """State this service's own limits (``max_draws``) in the OpenAPI schema, not only the
    library's, so a client knows what will be accepted before it asks."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            maximum = settings_of(app).max_draws
            components = schema.get("components", {}).get("schemas", {})
            for name in ("ProjectionRequest", "ComparisonRequest", "BaselineRequest"):
                draws = components.get(name, {}).get("properties", {}).get("draws")
                if draws is not None:
                    draws["maximum"] = maximum
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("name") == "draws":
                            parameter["schema"]["maximum"] = maximum
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _route_methods(app: FastAPI, mounted: list[tuple[str, APIRouter]]) -> list:
    """(path pattern, methods) of every route, for the ``Allow`` of a 405."""
    table = [
        (route.path_regex, set(route.methods), "{" not in route.path)  # type: ignore[attr-defined]
        for route in app.router.routes
        if getattr(route, "methods", None) and hasattr(route, "path_regex")
    ]
    for prefix, router in mounted:
        for route in router.routes:
            methods = getattr(route, "methods", None)
            if methods:
                path = prefix + route.path  # type: ignore[attr-defined]
                pattern, _, _ = compile_path(path)
                methods = set(methods) | ({"HEAD"} if "GET" in methods else set())
                table.append((pattern, methods, "{" not in path))
    return table


def create_app(settings: Settings | None = None, *, start_in_background: bool = True) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings : Settings, optional
        Installed as the override of :func:`service.deps.get_settings` (tests); default: the
        environment.
    start_in_background : bool, optional
        True (``forecast serve``): the lifespan starts the service in a thread of its own and
        returns at once, so that uvicorn accepts connections at once and answers ``/healthz``
        200, ``/readyz`` 503 naming the step under way and every ``/v1`` route 503 until
        start-up has finished (tens of seconds on a fresh numba cache). False: the lifespan
        returns once start-up has finished (tests with Starlette's ``TestClient``, whose
        requests then find the service started).

    Returns
    -------
    fastapi.FastAPI
        The app; its lifespan migrates the database, compiles kernels, loads scenarios and the
        model, and starts the job scheduler.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # uvicorn accepts connections only after this returns.
        state = ServiceState(settings_of(app))
        app.state.service = state
        if start_in_background:
            state.start_in_background()
        else:
            await run_in_threadpool(state.start)
        try:
            yield
        finally:
            await run_in_threadpool(state.stop)
            del app.state.service

    app = ServiceApp(
        title="AI grid demand forecast API",
        version=forecast.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    _offline_docs(app)
    app.add_middleware(RequestGuard, settings=lambda: settings_of(app))
    hosts = settings_of(app).allowed_host_names()
    if hosts:  # outside the guard: a request for another host is refused before anything
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))
    app.add_middleware(
        SecurityHeaders,
        reads_need_key=lambda: settings_of(app).reads_need_key(),
        hsts_seconds=lambda: settings_of(app).hsts_seconds,
    )
    install_error_handlers(app)
    # When reads need a key (by default, once keys are configured), every /v1 route needs
    # one; otherwise reading is open and the schema declares no security for it.
    guard = [Security(require_read)] if settings_of(app).reads_need_key() else []
    guard += [Depends(refuse_while_starting), Depends(refuse_unknown_query)]
    v1 = APIRouter(prefix="/v1")
    for router in V1_ROUTERS:
        v1.include_router(router, dependencies=guard)
    app.include_router(health.router)
    app.include_router(v1)
    app.include_router(web.router)
    app.state.route_methods = _route_methods(
        app,
        [("", health.router), ("", web.router)] + [("/v1", router) for router in V1_ROUTERS],
    )
    # The roles routes ask, for RequestGuard to refuse a request without the key before its
    # body is read.
    app.state.route_roles = route_roles(
        [
            ("/v1", route)
            for router in V1_ROUTERS
            for route in router.routes
            if isinstance(route, APIRoute)
        ]
    )
    _limits_in_schema(app)
    return app
