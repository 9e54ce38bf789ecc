"""Dependencies of the routes: settings, the service's state, and the caller's API key.

Every dependency is ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, and
a request must not take a thread before it has a slot (:mod:`service.admission`). Tests
override them the FastAPI way::

    app.dependency_overrides[get_settings] = lambda: Settings(max_draws=50)

The app builds its :class:`~service.state.ServiceState` from the (possibly overridden)
settings when it starts, so an override set before the app starts reaches everything.
"""

from __future__ import annotations

import hmac
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from starlette.routing import compile_path

from forecast.errors import OptionsError
from service.errors import ForbiddenError, NotReadyError, UnauthorizedError
from service.settings import ROLES, ApiKey, Role, Settings, environment_settings, key_digest
from service.state import ServiceState

API_KEY_HEADER = "X-API-Key"
_KEY_HEADER = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key from FORECAST_API_KEYS; its role (read, write, admin) decides what "
    "it may do.",
)


async def get_settings() -> Settings:
    """The service's settings (from ``FORECAST_*`` environment variables)."""
    return environment_settings()


def settings_of(app: FastAPI) -> Settings:
    """The settings the app runs with: the override of :func:`get_settings`, if any."""
    override = app.dependency_overrides.get(get_settings)
    if override is None:
        return environment_settings()
    settings = override()
    if inspect.iscoroutine(settings):
        settings.close()
        raise TypeError("override get_settings with a plain function returning Settings")
    return settings


async def get_state(request: Request) -> ServiceState:
    """The app's :class:`ServiceState`; 503 before the app has started."""
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        raise NotReadyError("the service is starting: retry shortly")
    return state


async def refuse_while_starting(request: Request) -> None:
    """503 on every ``/v1`` route while start-up runs (the detail names its step), the routes
    that need no state (the accelerator catalog) included: the server answers before start-up
    has finished (:meth:`ServiceState.start_in_background`)."""
    state: ServiceState | None = getattr(request.app.state, "service", None)
    if state is None:
        raise NotReadyError("the service is starting: retry shortly")
    if not state.started:
        state.require_ready()


async def get_ready_state(
    state: Annotated[ServiceState, Depends(get_state)],
) -> ServiceState:
    """The app's state, or 503 while it is starting or not ready (the detail says why)."""
    state.require_ready()
    return state


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's public id and role, or anonymous (both None)."""

    key_id: str | None = None
    role: Role | None = None
    address: str | None = None

    @property
    def client(self) -> str:
        """Whom per-client quotas count this caller as: its key, else its IP address."""
        if self.key_id is not None:
            return f"key {self.key_id}"
        return f"address {self.address or 'unknown'}"


def identify(settings: Settings, presented: str | None) -> Caller:
    """The caller a presented key belongs to.

    Every configured key is compared, each in constant time (:func:`hmac.compare_digest` of
    keyed digests, :func:`service.settings.key_digest`), so the time taken tells nothing
    about which key, or how much of one, matched.

    Raises
    ------
    ForbiddenError
        A key was presented and is not one of the configured keys.
    """
    if not presented:
        return Caller()
    keys = settings.accepted_keys()
    digest = key_digest(settings.key_secret(), presented) if keys else b""
    found: ApiKey | None = None
    for key in keys:
        if hmac.compare_digest(digest, key.digest):
            found = key
    if found is None:
        raise ForbiddenError(f"{API_KEY_HEADER}: not an accepted key")
    return Caller(key_id=found.key_id, role=found.role)


def has_role(caller: Caller, role: Role) -> bool:
    """Whether ``caller`` holds a key of at least ``role`` (anonymous: none)."""
    return caller.role is not None and ROLES.index(caller.role) >= ROLES.index(role)


def _require(role: Role):
    async def check(
        settings: Annotated[Settings, Depends(get_settings)],
        presented: Annotated[str | None, Security(_KEY_HEADER)],
    ) -> Caller:
        if not presented:
            raise UnauthorizedError(
                f"{API_KEY_HEADER} header missing: this endpoint needs a key with role {role}"
            )
        caller = identify(settings, presented)
        assert caller.role is not None  # identify() refuses unknown keys
        if not has_role(caller, role):
            raise ForbiddenError(
                f"{API_KEY_HEADER}: a {caller.role} key; this endpoint needs role {role}"
            )
        return caller

    check.__name__ = f"require_{role}"
    return check


#: A key of at least that role, or 401/403. ``require_read`` guards every /v1 route when
#: ``require_read_key`` is set.
require_read = _require("read")
require_write = _require("write")
require_admin = _require("admin")


def route_roles(routes: list[tuple[str, APIRoute]]) -> list[tuple[re.Pattern, set[str], Role]]:
    """(path pattern, methods, role) of every route that asks a key of a role, found from
    its dependencies, so that :class:`service.limits.RequestGuard` can refuse a request
    without the key before reading its body."""
    needs: dict[object, Role] = {
        require_read: "read",
        require_write: "write",
        require_admin: "admin",
    }
    table: list[tuple[re.Pattern, set[str], Role]] = []
    for prefix, route in routes:
        found: list[Role] = []
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            found += [role for call, role in needs.items() if dependant.call is call]
            pending += dependant.dependencies
        if found:
            pattern, _, _ = compile_path(prefix + route.path)
            table.append((pattern, set(route.methods or ()), max(found, key=ROLES.index)))
    return table


def required_role(
    table: Iterable[tuple[re.Pattern, set[str], Role]], method: str, path: str
) -> Role | None:
    """The role the route at ``method`` ``path`` asks a key of, if any."""
    for pattern, methods, role in table:
        if method in methods and pattern.match(path):
            return role
    return None


async def optional_caller(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> Caller:
    """The caller if a key is presented (it must be valid), else anonymous.

    Read from the request rather than declared as a parameter: routes open to everyone do
    not advertise a security scheme they do not enforce.
    """
    caller = identify(settings, request.headers.get(API_KEY_HEADER))
    return replace(caller, address=request.client.host if request.client else None)


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is refused (422 naming it and the allowed
    ones), not ignored: ``?fromat=csv`` would otherwise answer JSON as if nothing were wrong."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    allowed = _query_names(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        shown = ", ".join(sorted(allowed)) or "none"
        raise OptionsError(
            f"query parameter {unknown[0][:64]!r} = {request.query_params[unknown[0]][:200]!r}: "
            f"not one of this resource's; allowed: {shown}"
        )


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` declares, its dependencies' included (found once per
    route and kept on it)."""
    names = route.__dict__.get("_declared_query_names")
    if names is None:
        found: set[str] = set()
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            found.update(param.alias for param in dependant.query_params)
            pending += dependant.dependencies
        names = route.__dict__["_declared_query_names"] = frozenset(found)
    return names


def root_path(request: Request) -> str:
    """The path the service is served under (``scope["root_path"]``: ``--root-path``,
    ``FORECAST_ROOT_PATH``), which every link in an answer starts with, so that a client
    behind the proxy can follow it as it is."""
    return str(request.scope.get("root_path", ""))


#: The request's :func:`root_path`, as a route parameter.
RootPath = Annotated[str, Depends(root_path)]
