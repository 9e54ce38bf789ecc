"""The FastAPI application: ``create_app()`` builds it, uvicorn serves it.

``forecast serve`` runs ``uvicorn.run("service.main:create_app", factory=True)``; settings come
from ``FORECAST_*`` environment variables (:mod:`service.settings`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import forecast
from service.errors import install_error_handlers
from service.limits import BodySizeLimit
from service.repeats import RepeatedRequests
from service.routers import baseline, catalog, health, models, projections, scenarios, web
from service.routers.inputs import router as inputs_router
from service.settings import Settings, get_settings
from service.state import ServiceState

DESCRIPTION = """
Grid electricity demand of AI compute: projections of GPU deployments and AI data-centre
buildouts as hourly load [MW], yearly energy [TWh] and peaks [GW], with Monte Carlo quantiles,
on top of a baseline national demand model trained on KPX data.

* Units are in every field's description and in each output variable's `units`.
* Errors answer `{"detail": "..."}` naming the field, the value and what is allowed.
* Large projections run as jobs: `202 Accepted` and a `Location` to poll.
"""


def _offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the installed swagger-ui-bundle, not from a CDN.

    FastAPI's default /docs page loads its JavaScript from a CDN, which a planner's offline or
    air-gapped network cannot reach.
    """
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount(
        "/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static"
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    settings : Settings, optional
        Overrides the environment (tests); default :func:`service.settings.get_settings`.

    Returns
    -------
    fastapi.FastAPI
        The app; its lifespan compiles kernels and loads scenarios and the model.
    """
    settings = settings or get_settings()
    state = ServiceState(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # uvicorn accepts connections only after this returns: until then not ready.
        await run_in_threadpool(state.start)
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(
        title="AI grid demand forecast API",
        version=forecast.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _offline_docs(app)
    # Outermost last: the body limit runs first, then repeated projections skip the route.
    app.add_middleware(RepeatedRequests)
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    app.state.service = state
    install_error_handlers(app)
    for module in (health, catalog, scenarios, projections, baseline, models, web):
        app.include_router(module.router)
    app.include_router(inputs_router)
    return app
