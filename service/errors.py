"""The one place where errors become HTTP responses.

Library errors (:mod:`forecast.errors`) and the service's own refusals map to a status code
here; every body is ``{"detail": "<one line naming the field, the value and what is
allowed>"}``. A user never sees a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from forecast.errors import (
    ArtifactError,
    CatalogError,
    DataError,
    ForecastError,
    NotFoundError,
    OptionsError,
    ScenarioError,
)

logger = logging.getLogger("service")


class ServiceError(Exception):
    """A refusal by the service itself; ``status_code`` and ``headers`` go on the response."""

    status_code = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers


class UnauthorizedError(ServiceError):
    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "X-API-Key"})


class ForbiddenError(ServiceError):
    status_code = 403


class ReloadRefusedError(ServiceError):
    """A model artifact failed verification; the previous model keeps serving."""

    status_code = 422


class SaturatedError(ServiceError):
    """Every worker and queue slot is taken: come back later."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})


class BusyError(SaturatedError):
    """Inline computation slots stayed taken for the whole wait."""

    status_code = 503


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


def _validation_message(error: RequestValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    value = first.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f" = {value!r}"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"{location}{shown}: {first.get('msg', 'invalid')}{suffix}"[:2_000]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every known error into a clean JSON response."""

    @app.exception_handler(ForecastError)
    async def _library_error(_request: Request, error: ForecastError) -> JSONResponse:
        status = status_of(error)
        if status >= 500:
            logger.error("service unavailable: %s", error)
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse(
            {"detail": str(error)}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _request_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(error)}, status_code=422)

    @app.exception_handler(ValidationError)
    async def _model_error(_request: Request, error: ValidationError) -> JSONResponse:
        # A schema built inside a handler (e.g. from query parameters) failed its checks.
        return JSONResponse(
            {"detail": _validation_message(RequestValidationError(error.errors()))},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": str(error.detail)},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )


ERROR_RESPONSES: dict[int | str, dict] = {
    404: {"model": ErrorBody, "description": "No such resource."},
    422: {"model": ErrorBody, "description": "A field is out of range; the detail names it."},
}
