"""Every route of the API is a :class:`service.routing.ServiceRoute`.

A router made with a plain ``APIRouter(prefix=...)`` (the form the README once gave) parses its
JSON bodies on the event loop and validates lists of any length: one large body then holds
``/healthz`` and every other request (``service/routing.py``).
"""

from __future__ import annotations

from fastapi.routing import APIRoute

from service.main import V1_ROUTERS
from service.routing import ServiceRoute


def test_every_v1_route_parses_its_body_off_the_event_loop() -> None:
    plain = [
        f"{sorted(route.methods)} {router.prefix}{route.path.removeprefix(router.prefix)}"
        for router in V1_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and not isinstance(route, ServiceRoute)
    ]
    assert plain == []
