"""The one place where errors become HTTP responses, and every error class of the service.

Library errors (:mod:`forecast.errors`) and the service's own refusals map to a status code
here; every body is ``{"detail": "<one line naming the field, the value and what is
allowed>"}``. A user never sees a traceback, and never a path on the server: details pass
through :func:`redact_paths` on their way out.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from forecast.errors import (
    ArtifactError,
    CatalogError,
    DataError,
    ForecastError,
    NotFoundError,
    OptionsError,
    ScenarioError,
    schema_at,
    shown_value,
    with_allowed,
)

logger = logging.getLogger("service")


class ServiceError(Exception):
    """A refusal by the service itself; ``status_code`` and ``headers`` go on the response."""

    status_code = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers


class UnauthorizedError(ServiceError):
    """No API key where the route needs one."""

    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "X-API-Key"})


class ForbiddenError(ServiceError):
    """An API key that is not accepted, or whose role is too low."""

    status_code = 403


class ConflictError(ServiceError):
    """The resource is not in a state that allows the request (a job not finished yet)."""

    status_code = 409


class GoneError(ServiceError):
    """The resource was deleted on purpose; the detail says by whom and when."""

    status_code = 410


class PreconditionFailedError(ServiceError):
    """An ``If-Match`` that names a version other than the latest (someone saved since), or an
    ``If-None-Match`` that names it (``*``: the scenario exists)."""

    status_code = 412


class NotAcceptableError(ServiceError):
    """The Accept header refuses every format the route can answer in."""

    status_code = 406


class TooLargeError(ServiceError):
    """The request could never be served within a configured limit (memory, body)."""

    status_code = 413


class ReloadRefusedError(ServiceError):
    """A model artifact failed verification; the previous model keeps serving."""

    status_code = 422


class SaturatedError(ServiceError):
    """Every worker and queue slot is taken: come back later."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})


class BusyError(SaturatedError):
    """Heavy-work slots or memory stayed taken for the whole wait."""

    status_code = 503


class StorageError(ServiceError):
    """The database cannot be reached or migrated."""

    status_code = 503


class NotReadyError(ServiceError):
    """Start-up has not finished, or failed (the detail says why)."""

    status_code = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": "5"})


# Most specific first: the first matching class decides.
_STATUS_OF_LIBRARY_ERROR: tuple[tuple[type[ForecastError], int], ...] = (
    (NotFoundError, 404),
    (ScenarioError, 422),
    (OptionsError, 422),
    (CatalogError, 422),
    (DataError, 422),
    # A served model whose artifact cannot be used: the service, not the request, is at fault.
    (ArtifactError, 503),
)


class ErrorBody(BaseModel):
    """Body of every error response."""

    detail: str = Field(
        description="One line naming the field, the value given and what is allowed."
    )


def status_of(error: ForecastError) -> int:
    """HTTP status of a library error."""
    for error_class, status in _STATUS_OF_LIBRARY_ERROR:
        if isinstance(error, error_class):
            return status
    return 422


# A path of two or more components, absolute or under the home directory.
# The API's own routes (/v1/...) are not server paths: a message may send the client to one.
_PATH = re.compile(r"(?<![\w.:/-])(?:~|/(?!v1/))(?:[\w.@+-]+/)+([\w.@+-]*)")


def redact_paths(text: str, *, known: dict[Path, str] | None = None) -> str:
    """``text`` with every server path replaced: known roots by a name, others by their last part.

    Parameters
    ----------
    text
        An error detail.
    known
        Directories to name, e.g. ``{artifact_root: "<artifacts>"}``; longest first wins.
    """
    roots = dict(known or {})
    roots.setdefault(Path(sys.prefix), "<python>")
    roots.setdefault(Path.home(), "~")
    for root, name in sorted(roots.items(), key=lambda item: -len(str(item[0]))):
        for form in {str(root), str(root.resolve())}:
            if len(form) > 1:
                text = text.replace(form, name)
    return _PATH.sub(lambda match: match.group(1) or "<path>", text)


#: Where each route that takes a scenario wants it (a bare scenario's hint).
_SCENARIO_PLACE = {
    "/v1/scenarios": '{"scenario": {...}}',
    "/v1/comparisons": '{"scenarios": [{"scenario": {...}}, ...]}',
}


def _unknown_field_message(stray: list[str], errors, allowed: Sequence[str]) -> str:
    """``scenario_ids: unknown field (did you mean scenarios?); allowed: ...`` of the first of
    ``stray`` (the body's fields the schema forbids), the closest of ``allowed`` (the body
    schema's fields; where unknown, the fields the errors say are missing) suggested."""
    import difflib

    missing = [
        str(item["loc"][1])
        for item in errors
        if item.get("type") == "missing" and len(item.get("loc", ())) == 2
    ]
    candidates = list(allowed) or missing
    close = difflib.get_close_matches(stray[0], candidates, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]}?)" if close else ""
    others = f"; also unknown: {', '.join(stray[1:5])}" if len(stray) > 1 else ""
    listed = f"; allowed: {', '.join(allowed)}" if allowed else ""
    return f"{stray[0]}: unknown field{hint}{others}{listed}"[:2_000]


def _body_model(request: Request) -> type[BaseModel] | None:
    """The body schema of the route ``request`` matched (None where it has none, or it is not
    known)."""
    field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(field, "field_info", None), "annotation", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _body_fields(request: Request) -> list[str]:
    """The fields of the body schema of the route ``request`` matched (empty where it has
    none, or it is not known)."""
    model = _body_model(request)
    fields = model.model_fields if model is not None else None
    return [info.alias or name for name, info in fields.items()] if fields else []


#: Fields a 422's detail spells out (field, value, what is allowed); the rest are named.
SHOWN_FIELDS = 5


@lru_cache(maxsize=32)
def _schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _schema_at(model: type[BaseModel], location: Sequence[Any]) -> dict[str, Any] | None:
    """The JSON schema of the field at an error's ``location`` (names and list positions,
    without ``body``) in ``model``'s (:func:`forecast.errors.schema_at`); None where the
    location leaves it."""
    return schema_at(_schema_of(model), location)


#: Where a request's parameters are, as an error's location starts (``("query", "limit")``).
PARAMETER_PLACES = ("query", "path", "header", "cookie")


def _parameter_schema(route: object, place: str, name: str) -> dict[str, Any] | None:
    """The JSON schema of the parameter ``name`` that ``route`` (an ``APIRoute``; its
    dependencies' too) declares in ``place`` (:data:`PARAMETER_PLACES`): its type and its
    constraints (``ge``, ``le``, ``pattern``); None where it declares none so named."""
    from fastapi.routing import APIRoute
    from pydantic import TypeAdapter

    if not isinstance(route, APIRoute):
        return None
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        declared = getattr(dependant, f"{place}_params", [])
        for parameter in declared:
            if parameter.alias == name:
                info = parameter.field_info
                declared = info.annotation
                if info.metadata:  # its constraints (ge, le, pattern)
                    declared = cast(Any, Annotated[(declared, *info.metadata)])
                schema = TypeAdapter(declared).json_schema()
                # A parameter left out is None, but a query cannot send null: not said.
                kept = [item for item in schema.get("anyOf", []) if item.get("type") != "null"]
                return {**schema, "anyOf": kept} if "anyOf" in schema else schema
        pending += dependant.dependencies
    return None


def _field_schema(item: Any, model: type[BaseModel] | None, route: object) -> dict[str, Any] | None:
    """The JSON schema of the field an error is about: a body field's, from the body schema
    ``model``; a query, path or header parameter's, from what ``route`` declares."""
    loc = tuple(item.get("loc", ()))
    if len(loc) == 2 and loc[0] in PARAMETER_PLACES:
        return _parameter_schema(route, str(loc[0]), str(loc[1]))
    inside = tuple(part for part in loc if part != "body")
    return _schema_at(model, inside) if model is not None and inside else None


def _field_error(
    item: Any, model: type[BaseModel] | None, max_draws: int | None, route: object = None
) -> str:
    """``location = value: what is wrong (allowed: what the field allows)`` of one error, a
    body field's, a query or path parameter's alike."""
    loc = tuple(part for part in item.get("loc", ()) if part != "body")
    location = ".".join(str(part) for part in loc) or "body"
    value = item.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f" = {shown_value(value)}"
    message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    draws = max_draws is not None and loc[-1:] == ("draws",)
    if draws and item.get("type") == "less_than_equal":
        # The schema's bound is the library's (100,000); this service's own limit is the one
        # that counts, and 10,001 draws already named it.
        return f"{location}{shown}: at most {max_draws} allowed on this service"
    # A type or range error names the field's type and range beside pydantic's words (a user
    # sent seed = "y" and learnt only that it should be an integer).
    schema = _field_schema(item, model, route)
    message = with_allowed(
        message, str(item.get("type")), schema, most=max_draws if draws else None
    )
    return f"{location}{shown}: {message}"


def _validation_message(
    error: RequestValidationError,
    path: str = "",
    max_draws: int | None = None,
    allowed: Sequence[str] = (),
    model: type[BaseModel] | None = None,
    route: object = None,
) -> str:
    """The 422's one-line detail: each field at fault (the first :data:`SHOWN_FIELDS`), of
    the body (``model``) or the query and path (``route``'s parameters), as ``field = value:
    what is wrong (allowed: ...)``, joined by "; ", the others named."""
    first = error.errors()[0]
    value = first.get("input")
    message = str(first.get("msg", "invalid"))
    if first.get("type") == "json_invalid":
        return f"body: not valid JSON ({first.get('ctx', {}).get('error', message)})"[:2_000]
    if tuple(first.get("loc", ())) == ("body",) and isinstance(value, bytes):
        # FastAPI reads a body sent without a JSON content type as raw bytes.
        return (
            "body: not read as JSON; send a JSON object with the header "
            "Content-Type: application/json"
        )
    errors = error.errors()
    # A scenario posted bare, not inside {"scenario": ...}: every field of it is "extra".
    stray = [
        str(item["loc"][1])
        for item in errors
        if item.get("type") == "extra_forbidden" and len(item.get("loc", ())) == 2
    ]
    if {"horizon", "schema_version"} & set(stray):
        place = _SCENARIO_PLACE.get(
            path.rstrip("/"),
            '{"scenario": {...}}, or name a saved or shipped one with {"scenario_id": ...}',
        )
        return (
            f"body: fields of a scenario at the top level ({', '.join(stray[:4])}"
            f"{', ...' if len(stray) > 4 else ''}); send it inside {place}"
        )
    if stray:
        # An unknown field comes first, named as one: a misspelt required field
        # ({"scenario_ids": [...]}) read "scenarios: Field required (and 1 more: scenario_ids)".
        return _unknown_field_message(stray, errors, allowed)
    parts = [_field_error(item, model, max_draws, route) for item in errors[:SHOWN_FIELDS]]
    others = [
        ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        for item in errors[SHOWN_FIELDS:]
    ]
    suffix = ""
    if others:
        named = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        suffix = f" (and {len(others)} more: {named})"
    return f"{'; '.join(parts)}{suffix}"[:2_000]


def _allowed_methods(request: Request) -> str:
    """Every method some route accepts at the request's path (a 405's ``Allow``).

    Starlette names the methods of the first route matching the path only, so a path served
    by two routes (GET and POST /v1/baseline) would advertise one. The table is built by
    :func:`service.main.create_app` from every route it mounts.
    """
    matches = [
        (static, accepted)
        for pattern, accepted, static in getattr(request.app.state, "route_methods", ())
        if pattern.match(request.url.path)
    ]
    # A path with a route of its own (/v1/models/reload) is that resource, not an instance
    # of a templated one that happens to match (/v1/models/{model_id}).
    if any(static for static, _ in matches):
        matches = [match for match in matches if match[0]]
    return ", ".join(sorted({method for _, accepted in matches for method in accepted}))


def _detail(request: Request, message: str) -> str:
    state = getattr(request.app.state, "service", None)
    return state.public(message) if state is not None else redact_paths(message)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every known error into a clean JSON response."""

    @app.exception_handler(ForecastError)
    async def _library_error(request: Request, error: ForecastError) -> JSONResponse:
        status = status_of(error)
        if status >= 500:
            logger.error("service unavailable: %s", error)
        return JSONResponse({"detail": _detail(request, str(error))}, status_code=status)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse(
            {"detail": _detail(request, str(error))},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, error: RequestValidationError) -> JSONResponse:
        from service.deps import settings_of

        message = _validation_message(
            error,
            request.url.path,
            max_draws=settings_of(request.app).max_draws,
            allowed=_body_fields(request),
            model=_body_model(request),
            route=request.scope.get("route"),
        )
        return JSONResponse({"detail": _detail(request, message)}, status_code=422)

    @app.exception_handler(ValidationError)
    async def _model_error(request: Request, error: ValidationError) -> JSONResponse:
        # A schema built inside a handler (e.g. from query parameters) failed its checks.
        from service.deps import settings_of

        message = _validation_message(
            RequestValidationError(error.errors()), max_draws=settings_of(request.app).max_draws
        )
        return JSONResponse({"detail": _detail(request, message)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(error, "headers", None) or {})
        detail = str(error.detail)
        if error.status_code == 405:
            # Starlette names the methods of the first route matching the path only.
            headers["Allow"] = _allowed_methods(request)
            detail = f"method {request.method}: not allowed here; allowed: {headers['Allow']}"
        if error.status_code == 400 and "parsing the body" in detail:
            return JSONResponse({"detail": "body: not valid JSON"}, status_code=422)
        return JSONResponse(
            {"detail": _detail(request, detail)}, status_code=error.status_code, headers=headers
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, error: SQLAlchemyError) -> JSONResponse:
        logger.error("database error on %s %s: %s", request.method, request.url.path, error)
        return JSONResponse(
            {"detail": "database unavailable: retry later"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        # A bug: log it whole, answer one line without internals.
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error: the service logged it; please report it"},
            status_code=500,
        )


_DESCRIPTIONS: dict[int, str] = {
    401: "No X-API-Key header where the route needs one.",
    403: "X-API-Key is not accepted, or its role is too low.",
    404: "No such resource.",
    406: "Accept refuses every format the route answers in.",
    409: "The resource is not in a state that allows this (the detail says why).",
    410: "Deleted on purpose; the detail names the key that deleted it and when.",
    412: "If-Match names a version other than the latest, or If-None-Match names the latest "
    "(* any: the scenario exists); nothing saved; the detail and ETag name the latest.",
    413: "Request body too large, or the request would need more memory than allowed.",
    422: "A field is out of range; the detail names it.",
    429: "Too many requests queued or waiting; retry after Retry-After.",
    503: "Starting, not ready (the detail says why), or every slot busy; retry after Retry-After.",
}


def error_responses(*codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for these error statuses (422 and 503 are always possible)."""
    return {
        code: {
            "model": ErrorBody,
            "description": _DESCRIPTIONS[code],
            **({"headers": {"Retry-After": RETRY_AFTER_HEADER}} if code in (429, 503) else {}),
        }
        for code in sorted({*codes, 422, 503})
    }


#: The OpenAPI declaration of ``Retry-After`` (429, 503 and a job's 202).
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again (or polling the job).",
    "schema": {"type": "integer"},
}
