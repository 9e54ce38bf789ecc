"""Serialise a projection Dataset as JSON, CSV or NetCDF bytes, and pick the format asked for.

JSON goes through orjson with numpy arrays passed as they are: a 105,192-hour x 5-quantile
series serialises in tens of milliseconds, where building Python lists would take seconds.
(FastAPI's own ``ORJSONResponse`` is deprecated in the installed FastAPI in favour of pydantic
serialisation, which would need those lists; :class:`NumpyJSONResponse` keeps the fast path.)
"""

from __future__ import annotations

import io
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd
import xarray as xr
from starlette.responses import JSONResponse

from forecast import export

OutputFormat = Literal["json", "csv", "netcdf"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "netcdf": "application/x-netcdf",
}
_ACCEPTED: tuple[tuple[str, OutputFormat], ...] = (
    ("text/csv", "csv"),
    ("application/x-netcdf", "netcdf"),
    ("application/netcdf", "netcdf"),
    ("application/json", "json"),
)
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS
# OWASP "CSV injection": a text cell starting with one of these is a formula to a spreadsheet.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def dumps(content: Any) -> bytes:
    """orjson bytes of ``content``; numpy arrays and scalars pass through, NaN becomes null."""
    return orjson.dumps(content, option=_ORJSON_OPTIONS)


class NumpyJSONResponse(JSONResponse):
    """JSON response rendered by orjson, with numpy arrays serialised natively."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return dumps(content)


def negotiate(format_parameter: str | None, accept: str | None) -> OutputFormat:
    """The output format: the ``format`` query parameter if given, else the Accept header.

    An Accept header naming none of the formats gets JSON, the API's native format.
    """
    if format_parameter is not None:
        return format_parameter  # type: ignore[return-value]  # validated by the query schema
    accept = (accept or "").lower()
    positions = [(accept.find(media), name) for media, name in _ACCEPTED if media in accept]
    return min(positions)[1] if positions else "json"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def projection_payload(dataset: xr.Dataset) -> dict[str, Any]:
    """The JSON document of a projection (schema: :class:`service.schemas.ProjectionResponse`)."""
    attrs = {key: _plain(value) for key, value in dataset.attrs.items()}
    coords: dict[str, Any] = {
        "time": np.ascontiguousarray(dataset["time"].to_numpy()),
        "local_time": dataset["local_time"].to_numpy().tolist(),
        "quantile": np.ascontiguousarray(dataset["quantile"].to_numpy(), dtype=np.float64),
        "year": np.ascontiguousarray(dataset["year"].to_numpy(), dtype=np.int64),
        "month": [str(month)[:7] for month in dataset["month"].to_numpy().astype("datetime64[M]")],
        "region": [str(region) for region in dataset["region"].to_numpy()],
    }
    variables = {}
    for name, variable in dataset.data_vars.items():
        if "input" in variable.dims:
            continue
        variables[str(name)] = {
            "dims": list(variable.dims),
            "units": variable.attrs.get("units", ""),
            "description": variable.attrs.get("description", ""),
            "values": np.ascontiguousarray(variable.values, dtype=np.float64),
        }
    drivers = {}
    if "spread_driver_rank_correlation" in dataset:
        variable = dataset["spread_driver_rank_correlation"]
        drivers = {
            str(key): float(value)
            for key, value in zip(variable["input"].values, variable.values, strict=True)
        }
    return {
        "scenario_id": attrs.get("scenario_id"),
        "scenario_sha256": attrs.get("scenario_sha256"),
        "model_version": attrs.get("baseline_model", "none"),
        "attrs": attrs,
        "coords": coords,
        "variables": variables,
        "spread_drivers": drivers,
    }


def projection_json(dataset: xr.Dataset) -> bytes:
    """The projection as JSON bytes."""
    return dumps(projection_payload(dataset))


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to every text cell that a spreadsheet would read as a formula (OWASP).

    See https://owasp.org/www-community/attacks/CSV_Injection. Numbers are left alone, so a
    negative value stays a number.
    """
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[column]):
            continue
        text = safe[column].astype(str)
        risky = text.str.startswith(_FORMULA_PREFIXES)
        if risky.any():
            safe[column] = text.where(~risky, "'" + text)
    return safe


def projection_csv(dataset: xr.Dataset) -> bytes:
    """The projection as the tidy CSV of :func:`forecast.export.tidy_frame`, spreadsheet-safe."""
    frame = spreadsheet_safe(export.tidy_frame(dataset))
    return frame.to_csv(index=False, float_format="%.10g").encode()


def projection_netcdf(dataset: xr.Dataset) -> bytes:
    """The projection as NetCDF-4 bytes (h5netcdf engine)."""
    buffer = io.BytesIO()
    dataset.to_netcdf(buffer, engine="h5netcdf")
    return buffer.getvalue()


RENDERERS = {"json": projection_json, "csv": projection_csv, "netcdf": projection_netcdf}
