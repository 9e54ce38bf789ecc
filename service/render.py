"""Serialise a projection or comparison Dataset as JSON, CSV or NetCDF, and pick the format
asked for.

JSON goes through orjson with numpy arrays passed as they are: a 105,192-hour x 5-quantile
series serialises in tens of milliseconds, where building Python lists would take seconds.
(FastAPI's own ``ORJSONResponse`` is deprecated in the installed FastAPI in favour of pydantic
serialisation, which would need those lists; :class:`NumpyJSONResponse` keeps the fast path.)

JSON and CSV are produced as a sequence of chunks (one quantile row or one block of periods
each): orjson and pandas hold the GIL while they run, so one call over a 30-year hourly result
would stall every other thread, the event loop answering ``/healthz`` included, for as long.
Joined, the JSON chunks are byte for byte what ``orjson.dumps`` of the whole document gives.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd
import xarray as xr
from starlette.responses import JSONResponse
from xarray.backends import NetCDF4DataStore
from xarray.backends.locks import HDF5_LOCK, NETCDFC_LOCK, combine_locks

from forecast.io import export
from forecast.io.csvtext import csv_rows
from forecast.outputs import compared_caveats
from forecast.scenario.defaults import FORMULA_PREFIXES
from forecast.sweep.compare import (
    SCENARIO_ATTRIBUTES,
    SCENARIO_COLUMN,
    comparison_table_metadata,
    tidy_compare_frame,
)
from service.errors import NotAcceptableError

OutputFormat = Literal["json", "csv", "netcdf", "parquet"]
FORMATS: tuple[OutputFormat, ...] = ("json", "csv", "netcdf", "parquet")
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "netcdf": "application/x-netcdf",
    "parquet": "application/vnd.apache.parquet",
}
_MEDIA_OF_FORMAT: dict[OutputFormat, tuple[str, ...]] = {
    "json": ("application/json",),
    "csv": ("text/csv",),
    "netcdf": ("application/x-netcdf", "application/netcdf"),
    "parquet": ("application/vnd.apache.parquet", "application/x-parquet"),
}
_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS
#: Values per JSON chunk (about 20 bytes each once written): ~4 MB of text per orjson call.
JSON_CHUNK_VALUES = 200_000
#: CSV rows per chunk: the GIL is held while a chunk's table is built and written.
CSV_CHUNK_ROWS = 100_000


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


_MEDIA_RANGE = re.compile(r"^\s*([^\s;/]+)/([^\s;]+)\s*(.*)$")


def _accept_ranges(accept: str) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` of each media range of an Accept header (RFC 9110, 12.5.1)."""
    ranges = []
    for part in accept.lower().split(","):
        match = _MEDIA_RANGE.match(part)
        if match is None:
            continue
        kind, subtype, parameters = match.groups()
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    raise NotAcceptableError(
                        f"Accept = {accept[:200]!r}: q = {value.strip()[:20]!r} is not a "
                        "number; allowed: 0 to 1 (e.g. text/csv;q=0.5)"
                    ) from None
        ranges.append((kind, subtype, quality))
    return ranges


def _quality(ranges: list[tuple[str, str, float]], media: str) -> tuple[float, int, int] | None:
    """q of ``media`` by its most specific matching range, that range's specificity, and
    minus its position in the header."""
    kind, subtype = media.split("/")
    best: tuple[int, float, int] | None = None
    for position, (range_kind, range_subtype, quality) in enumerate(ranges):
        if (range_kind, range_subtype) == (kind, subtype):
            specificity = 2
        elif range_kind == kind and range_subtype == "*":
            specificity = 1
        elif (range_kind, range_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality, -position)
    return None if best is None else (best[1], best[0], best[2])


def negotiate(format_parameter: str | None, accept: str | None) -> OutputFormat:
    """The output format: the ``format`` query parameter if given, else the Accept header.

    Accept's q-values count: the format with the highest q wins, ties going to the most
    specific range, then to the range listed first, then to JSON, CSV, NetCDF, Parquet in that
    order; ``q=0`` refuses a format. An Accept header naming none of the formats gets JSON, the
    API's native format.

    Raises
    ------
    NotAcceptableError
        Accept refuses every format (each with ``q=0``).
    """
    if format_parameter is not None:
        return format_parameter  # type: ignore[return-value]  # validated by the query schema
    ranges = _accept_ranges(accept or "")
    if not ranges:
        return "json"
    scored = []
    for order, name in enumerate(FORMATS):
        qualities = [_quality(ranges, media) for media in _MEDIA_OF_FORMAT[name]]
        known = [quality for quality in qualities if quality is not None]
        if known:
            quality, specificity, first = max(known, key=lambda item: (item[1], item[0]))
            scored.append((quality, specificity, first, -order, name))
    if not scored:
        return "json"
    quality, _, _, _, name = max(scored)
    if quality <= 0.0:
        raise NotAcceptableError(
            f"Accept = {accept!r}: refuses every format; allowed: "
            f"{', '.join(media[0] for media in _MEDIA_OF_FORMAT.values())} "
            f"(or ?format={'|'.join(FORMATS)})"
        )
    return name


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _array_chunks(values: np.ndarray) -> Iterator[bytes]:
    """orjson text of an array, in pieces of about JSON_CHUNK_VALUES values or fewer."""
    if values.size <= JSON_CHUNK_VALUES or values.ndim == 0:
        yield dumps(values)
        return
    row_size = values.size // len(values)
    if row_size > JSON_CHUNK_VALUES:
        yield b"["
        for index, row in enumerate(values):
            yield b"," if index else b""
            yield from _array_chunks(row)
        yield b"]"
        return
    step = JSON_CHUNK_VALUES // row_size
    for first in range(0, len(values), step):
        # Blocks of whole rows lose their outer brackets: [a,b][c,d] -> [a,b,c,d].
        piece = dumps(values[first : first + step])
        start, end = first == 0, first + step >= len(values)
        yield (b"" if start else b",") + piece[(0 if start else 1) : (None if end else -1)]


#: Bytes a label may hold to be written as JSON as it is: printable ASCII but ``"`` and ``\\``.
_PLAIN_BYTES = np.array(
    [0x20 <= code < 0x7F and code not in b'"\\' for code in range(256)], dtype=bool
)


class _Text(bytes):
    """JSON text written already (:func:`_coords_chunks` passes it on as it is)."""


def _labels(labels: np.ndarray) -> list[str] | _Text:
    """``labels`` (a NumPy string array) as JSON: a list of ``str`` for orjson, or, for labels
    of one width in plain ASCII (the hours' local times), the array's text made with NumPy, the
    same bytes orjson writes for the list: 6.4 ms for 12 years of hours instead of 19.3
    (building 105,192 ``str`` objects and orjson writing them; best of 7, 2026-12-05)."""
    width = labels.dtype.itemsize // 4
    if labels.dtype.kind == "U" and labels.size and width:
        codes = np.ascontiguousarray(labels).view("<u4").reshape(labels.size, width)
        if codes.max() < 0x80 and _PLAIN_BYTES[codes].all():
            text = np.empty((labels.size, width + 3), dtype=np.uint8)
            text[:, 0] = text[:, width + 1] = ord('"')
            text[:, 1 : width + 1] = codes
            text[:, width + 2] = ord(",")
            return _Text(b"[" + text.tobytes()[:-1] + b"]")
    return [str(label) for label in labels]


#: The site coordinates a JSON answer carries, where the result has them: the queued sites'
#: (dim ``site``), every site's (``load_site``: ``site_energy_twh``, ``site_peak_mw``) and
#: those whose load series was asked for (``profile_site``: ``site_facility_mw``).
SITE_COORDINATES = (
    "site", "site_region", "site_status", "site_grid_request", "site_grid_limit",
    "load_site", "load_site_region", "profile_site", "profile_site_region",
)  # fmt: skip


#: The whole-number coordinates a JSON answer carries, where the result has them: the local
#: month and clock hour of a calendar of a year's hours (``flexibility_hours_called_by_month_hour``,
#: ``peak_hours_share_pct``), a duration curve's bands with the rank of each band's first
#: hour, and with ``per_draw`` the Monte Carlo draw of every ``*_per_draw`` variable and the
#: draw each per-draw duration curve comes from. Without them a client read 12 x 24 numbers
#: with nothing saying which was which, and a duration curve's draws with nothing saying which
#: draw of the ``*_per_draw`` variables each was.
NUMBERED_COORDINATES = (
    "month_of_year", "hour_of_day", "duration_band", "duration_hours_from", "draw",
    "duration_draw",
)  # fmt: skip
#: The other text coordinates a JSON answer carries, where the result has them: each draw's
#: weather year (its temperatures, along ``draw``), as the NetCDF file has it, and the inputs
#: that the spread-driver tables rank: the AI load's (dim ``input``:
#: ``spread_driver_rank_correlation`` and every year's ``<output>_rank_correlation``, which
#: the answer left out for want of their labels) and the data-centre load's (``dc_input``).
LABEL_COORDINATES = ("draw_weather_year", "input", "dc_input")
#: The Dataset's coordinate behind each JSON coordinate named otherwise.
_COORDINATE_SOURCES = {"time": "time_utc", "local_time": "local_time_iso"}
#: The JSON coordinates made from the period and zone (no Dataset coordinate holds them), each
#: month's and year's own (:func:`_period_coords`), with their ``coord_attrs``.
_PERIOD_COORDINATES = {
    name: {"dims": [dim], "units": units, "long_name": long_name}
    for dim in ("year", "month")
    for name, units, long_name in (
        (f"{dim}_start", "", f"local start of the {dim} in the period, ISO 8601 with its UTC "
                             "offset (the tables' period_start)"),
        (f"{dim}_hours", "h", f"hours of the period in the {dim}"),
    )
}  # fmt: skip


def _period_coords(dataset: xr.Dataset) -> dict[str, Any]:
    """Each year's and month's local start in the period and its hours there
    (:func:`forecast.io.export.period_starts`, :func:`~forecast.io.export.period_hours`), as
    the CSV's rows and the NetCDF file's bounds have them: ``month`` and ``year`` stay the
    calendar's labels, which a period from 15 March covers in part (``attrs.partial_months``).
    None where the Dataset has no one zone (a comparison of scenarios in zones that differ,
    whose NetCDF file has no one instant per month either)."""
    if "timezone" not in dataset.attrs:
        return {}
    coords: dict[str, Any] = {}
    for dim in ("year", "month"):
        starts = export.period_starts(dataset, dim)
        coords[f"{dim}_start"] = export.local_iso(starts).tolist()
        coords[f"{dim}_hours"] = export.period_hours(dataset, starts)
    return coords


def _values(dataset: xr.Dataset, name: Hashable) -> np.ndarray:
    """The values of ``dataset``'s variable or coordinate ``name``, read from its Variable
    (as :func:`_variables_chunks` reads them: no DataArray built for it)."""
    return dataset.variables[name].to_numpy()


def _coords(dataset: xr.Dataset) -> dict[str, Any]:
    # A comparison's draw_weather_year is by scenario where the scenarios' weather differ:
    # a list per scenario (its coord_attrs' dims say so).
    labelled = {
        name: _values(dataset, name).astype(str).tolist()
        for name in (*SITE_COORDINATES, *LABEL_COORDINATES)
        if name in dataset.coords
    }
    numbered = {
        name: np.ascontiguousarray(_values(dataset, name), dtype=np.int64)
        for name in NUMBERED_COORDINATES
        if name in dataset.coords
    }
    return (
        {
            "time": np.ascontiguousarray(_values(dataset, "time_utc")),
            "local_time": _labels(_values(dataset, "local_time_iso")),
            "quantile": np.ascontiguousarray(_values(dataset, "quantile"), dtype=np.float64),
            "year": np.ascontiguousarray(_values(dataset, "year"), dtype=np.int64),
            "month": [
                str(month)[:7] for month in _values(dataset, "month").astype("datetime64[M]")
            ],
            "region": [str(region) for region in _values(dataset, "region")],
        }
        | _period_coords(dataset)
        | labelled
        | numbered
    )


def _coord_attrs(dataset: xr.Dataset, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each JSON coordinate's ``dims`` (the dimension it labels), ``units`` ("" for labels
    and dates) and ``long_name`` (as the NetCDF file's, :func:`forecast.io.export.long_name`);
    one the Dataset lacks labels the dimension of its own name."""
    described = {}
    for name in names:
        if name in _PERIOD_COORDINATES:
            described[name] = _PERIOD_COORDINATES[name]
            continue
        source = _COORDINATE_SOURCES.get(name, name)
        if source not in dataset.coords:
            described[name] = {"dims": [name], "units": "", "long_name": export.long_name(name, {})}
            continue
        coordinate = dataset.variables[source]
        described[name] = {
            "dims": [str(dim) for dim in coordinate.dims],
            "units": str(coordinate.attrs.get("units", "")),
            "long_name": export.long_name(name, coordinate.attrs),
        }
    return described


def _coords_chunks(coords: dict[str, Any]) -> Iterator[bytes]:
    yield b"{"
    for index, (name, values) in enumerate(coords.items()):
        yield (b"," if index else b"") + dumps(name) + b":"
        if isinstance(values, _Text):
            yield values
        elif isinstance(values, np.ndarray) and values.dtype.kind == "f":
            yield from _array_chunks(values)
        elif isinstance(values, list) and len(values) > JSON_CHUNK_VALUES:
            yield from _list_chunks(values)
        else:
            yield dumps(values)
    yield b"}"


def _variables_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """``{"<name>": {"dims", "units", "description", "values"}, ...}`` of every variable; in
    an answer to ``?variables=`` (:func:`forecast.io.export.select_variables`), of those
    asked for and the spread-driver tables of their spread (:func:`forecast.io.export.drivers_of`:
    ``ai_energy_twh`` brings ``ai_energy_twh_rank_correlation`` and
    ``spread_driver_rank_correlation``), as the files' metadata holds them; the others, kept
    for that metadata, come in a whole answer only."""
    answered = set(dataset.data_vars)
    if "variables_selected" in dataset.attrs:
        asked = [name for name in dataset.data_vars if export.tabled(dataset.variables[name])]
        answered = {*asked, *export.drivers_of(dataset, asked)}
    yield b"{"
    first = True
    for key in dataset.data_vars:
        # The Variable as it is held: a DataArray built for each (its coordinates gathered
        # and checked) took 36 ms of CPU of kr-national's hourly answer at 1,000 draws, a
        # quarter of its JSON (80 variables, 2026-12-07).
        variable = dataset.variables[key]
        if key not in answered:
            continue
        name = str(key)
        described = {
            "dims": list(variable.dims),
            "units": variable.attrs.get("units", ""),
            "description": variable.attrs.get("description", ""),
        }
        yield (b"" if first else b",") + dumps(name) + b":" + dumps(described)[:-1]
        yield b',"values":'
        yield from _array_chunks(np.ascontiguousarray(variable.values, dtype=np.float64))
        yield b"}"
        first = False
    yield b"}"


def _drivers(variable: xr.DataArray) -> dict[str, float]:
    """Input name -> rank correlation, leaving out inputs the scenario does not draw (NaN)."""
    return {
        str(key): float(value)
        for key, value in zip(variable["input"].values, variable.values, strict=True)
        if np.isfinite(value)
    }


def projection_json_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The JSON document of a projection (schema :class:`service.schemas.ProjectionResponse`).

    Joined, the chunks equal ``dumps`` of the document as one dict, in this key order:
    ``scenario_id``, ``scenario_sha256``, ``model_version``, ``attrs``, ``coords``,
    ``coord_attrs`` (each coordinate's ``dims``, ``units`` and ``long_name``), ``variables``
    (each ``dims``, ``units``, ``description``, ``values``), ``spread_drivers``.
    """
    attrs = {str(key): _plain(value) for key, value in dataset.attrs.items()}
    head = {
        "scenario_id": attrs.get("scenario_id"),
        "scenario_sha256": attrs.get("scenario_sha256"),
        "model_version": attrs.get("baseline_model", "none"),
        "attrs": attrs,
    }
    coords = _coords(dataset)
    yield dumps(head)[:-1] + b',"coords":'
    yield from _coords_chunks(coords)
    yield b',"coord_attrs":' + dumps(_coord_attrs(dataset, coords))
    yield b',"variables":'
    yield from _variables_chunks(dataset)
    drivers = {}
    if "spread_driver_rank_correlation" in dataset:
        drivers = _drivers(dataset["spread_driver_rank_correlation"])
    yield b',"spread_drivers":' + dumps(drivers) + b"}"


def comparison_json_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The JSON document of a comparison (:func:`forecast.sweep.compare.combine`; schema
    :class:`service.schemas.ComparisonResponse`): ``scenario_ids``, ``reference``,
    ``scenarios``, ``attrs``, ``coords`` (a projection's and ``scenario``), ``coord_attrs``,
    ``variables``
    (dims led by ``scenario``), ``spread_drivers`` per scenario."""
    labels = [str(label) for label in dataset["scenario"].to_numpy()]
    attrs = {str(key): _plain(value) for key, value in dataset.attrs.items()}
    caveats = compared_caveats(dataset)
    scenarios = [
        {
            "id": label,
            "title": str(dataset["title"].to_numpy()[index]),
            "sha256": str(dataset["scenario_sha256"].to_numpy()[index]),
            "hosting": str(dataset["hosting"].to_numpy()[index]),
            "model_version": str(dataset["baseline_model"].to_numpy()[index]),
            "caveats": caveats[label],
        }
        for index, label in enumerate(labels)
    ]
    head = {
        "scenario_ids": labels,
        "reference": labels[0],
        "scenarios": scenarios,
        "attrs": attrs,
    }
    coords = _coords(dataset) | {"scenario": labels}
    yield dumps(head)[:-1] + b',"coords":'
    yield from _coords_chunks(coords)
    yield b',"coord_attrs":' + dumps(_coord_attrs(dataset, coords))
    yield b',"variables":'
    yield from _variables_chunks(dataset)
    drivers = {}
    if "spread_driver_rank_correlation" in dataset:
        variable = dataset["spread_driver_rank_correlation"]
        drivers = {label: _drivers(variable.sel(scenario=label)) for label in labels}
    yield b',"spread_drivers":' + dumps(drivers) + b"}"


def _list_chunks(values: list) -> Iterator[bytes]:
    for first in range(0, len(values), JSON_CHUNK_VALUES):
        piece = dumps(values[first : first + JSON_CHUNK_VALUES])
        start, end = first == 0, first + JSON_CHUNK_VALUES >= len(values)
        yield (b"" if start else b",") + piece[(0 if start else 1) : (None if end else -1)]


def projection_payload(dataset: xr.Dataset) -> dict[str, Any]:
    """The JSON document of a projection as a dict (tests and small answers)."""
    return orjson.loads(projection_json(dataset))


def projection_json(dataset: xr.Dataset) -> bytes:
    """The projection as JSON bytes."""
    return b"".join(projection_json_chunks(dataset))


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to every text cell that a spreadsheet would read as a formula (OWASP).

    See https://owasp.org/www-community/attacks/CSV_Injection. Numbers are left alone, so a
    negative value stays a number.
    """
    safe = frame.copy(deep=False)
    for column in safe.columns:
        if pd.api.types.is_numeric_dtype(safe[column]):
            continue
        text = safe[column]
        if not pd.api.types.is_string_dtype(text):
            text = text.astype(str)
        # An empty cell stays empty (pandas' string dtype keeps it NaN through astype(str)).
        risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
        safe[column] = text.where(~risky, "'" + text) if risky.any() else text
    return safe


def _csv(
    frame: pd.DataFrame, *, header: bool, scenario: str | None = None, position: int = 0
) -> bytes:
    if scenario is not None:
        frame = frame.copy()
        frame.insert(position, SCENARIO_COLUMN, scenario)
    rows = csv_rows(spreadsheet_safe(frame))
    return (export.csv_header(frame.columns).encode() if header else b"") + rows


def projection_csv_chunks(
    dataset: xr.Dataset,
    *,
    scenario: str | None = None,
    header: bool = True,
    columns: list[str] | None = None,
) -> Iterator[bytes]:
    """The tidy CSV of :func:`forecast.io.export.tidy_frame`, spreadsheet-safe, in row blocks,
    every block with the whole table's columns (``columns``, default
    :func:`forecast.io.export.table_columns`: a later variable's extra column, a site's, has
    its place in the header and is empty in the earlier rows).

    Joined, the chunks equal :func:`projection_csv`: the table is cut along ``time`` into
    blocks whose rows come out in the order the whole table has them. With ``scenario``, every
    row starts with it in a ``scenario`` column (one scenario of a comparison), after the id
    columns where they are asked for (:func:`forecast.io.export.with_id_columns`).
    """
    columns = columns or export.table_columns(dataset)
    variables = [name for name, v in dataset.data_vars.items() if export.tabled(v)]
    position = export.lead_column_position(dataset)

    def table(part: xr.Dataset) -> pd.DataFrame:
        return export.tidy_frame(part).reindex(columns=columns)

    for block in _csv_blocks(dataset, variables):
        yield _csv(table(block), header=header, scenario=scenario, position=position)
        header = False


def _only(dataset: xr.Dataset, names: list[Hashable]) -> xr.Dataset:
    """``dataset`` with the data variables ``names`` alone (drop_vars keeps every coordinate,
    which tidy_frame labels periods with)."""
    return dataset.drop_vars([other for other in dataset.data_vars if other not in names])


def _csv_blocks(dataset: xr.Dataset, variables: list[Hashable]) -> Iterator[xr.Dataset]:
    """The parts of ``dataset`` whose tidy tables, one after another, are its table, each of
    about :data:`CSV_CHUNK_ROWS` rows at most: a variable along a longer ``time`` cut into
    periods (within each region, as its rows run region by region), the variables between
    such ones taken together (a block of a few rows costs about as much as a large one)."""
    together: list[Hashable] = []
    cells = 0
    for name in variables:
        one = _only(dataset, [name])
        time_steps = one.sizes.get("time", 0)
        quantiles = one.sizes["quantile"]
        step = max(CSV_CHUNK_ROWS // (one.sizes.get("region", 1) * quantiles), 1)
        if "time" not in one[name].dims or time_steps <= step:
            if together and cells + one[name].size > CSV_CHUNK_ROWS:
                yield _only(dataset, together)
                together, cells = [], 0
            together.append(name)
            cells += one[name].size
            continue
        if together:
            yield _only(dataset, together)
            together, cells = [], 0
        regions = one["region"].to_numpy() if "region" in one[name].dims else [None]
        for region in regions:
            single = one if region is None else one.sel(region=[region])
            for first in range(0, time_steps, step):
                yield single.isel(time=slice(first, first + step))
    if together:
        yield _only(dataset, together)


def comparison_csv_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The comparison's tidy CSV (:func:`forecast.sweep.compare.tidy_compare_frame`: a ``scenario``
    column first, after the id columns where asked for), spreadsheet-safe, scenario after
    scenario in row blocks."""
    columns = export.table_columns(dataset)
    for index, label in enumerate(dataset["scenario"].to_numpy()):
        one = dataset.sel(scenario=label)
        # The scenario's own digest, for its rows' id column once the coordinate is dropped.
        digest = {"scenario_sha256": str(one["scenario_sha256"].item())}
        one = one.drop_vars(
            [name for name in SCENARIO_ATTRIBUTES if name in dataset.coords]
        ).assign_attrs(digest)
        missing = [
            name
            for name, variable in one.data_vars.items()
            if variable.dtype.kind == "f" and bool(np.isnan(variable.to_numpy()).all())
        ]
        yield from projection_csv_chunks(
            one.drop_vars(missing), scenario=str(label), header=index == 0, columns=columns
        )


def projection_csv(dataset: xr.Dataset) -> bytes:
    """The projection as the tidy CSV of :func:`forecast.io.export.tidy_frame`, spreadsheet-safe."""
    return b"".join(projection_csv_chunks(dataset))


#: Every use of HDF5 in the service takes this lock whole: netCDF-C writes, h5netcdf renders
#: and reads. netCDF4 and h5py load the same HDF5 library, which is not thread-safe, and only
#: h5py serialises its own calls (two threads writing files at once crashed netCDF-C in CI).
HDF5_USE = threading.RLock()


def write_netcdf(dataset: xr.Dataset, target: Path | io.BytesIO) -> None:
    """Write the Dataset as NetCDF-4 to a path (the netCDF-C library) or a buffer (h5netcdf),
    with its CF attributes (:func:`forecast.io.export.cf_dataset`), as the command line writes
    it.

    A file is written with netCDF-C: creating the 53 variables of a one-year result took
    0.21 s with h5netcdf, mostly Python holding the GIL beside the next request's computation,
    and 0.04 s with netCDF-C (measured 2026-12-05); h5netcdf reads either back. netCDF-C
    cannot write to a buffer, so an answer rendered in memory still uses h5netcdf.

    ``Dataset.to_netcdf`` asks Dask for the scheduler in use to pick its write lock, and in a
    process with a Dask client (the service's jobs) that is a distributed lock: a round trip
    to the scheduler per write, and an error once that client's cluster has closed. The store
    gets xarray's process-wide HDF5 and netCDF-C locks instead, and the whole write takes
    :data:`HDF5_USE` (the result writer and a job's task may write together).
    """
    dataset = export.cf_dataset(dataset)
    lock = combine_locks([HDF5_LOCK, NETCDFC_LOCK])
    # xarray's locks guard its own calls, not a whole write or read: see HDF5_USE.
    with HDF5_USE:
        if isinstance(target, io.BytesIO):
            export.write_h5netcdf(dataset, target, lock=lock)
            return
        store = NetCDF4DataStore.open(str(target), mode="w", format="NETCDF4", lock=lock)
        try:
            dataset.dump_to_store(store)
        finally:
            store.close()


def projection_netcdf(dataset: xr.Dataset) -> bytes:
    """The projection as NetCDF-4 bytes (h5netcdf engine)."""
    buffer = io.BytesIO()
    write_netcdf(dataset, buffer)
    return buffer.getvalue()


def is_comparison(dataset: xr.Dataset) -> bool:
    """Whether the Dataset is a comparison (it has a ``scenario`` dimension)."""
    return "scenario" in dataset.dims


def json_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The JSON of a projection or of a comparison."""
    if is_comparison(dataset):
        return comparison_json_chunks(dataset)
    return projection_json_chunks(dataset)


def csv_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The tidy CSV of a projection or of a comparison."""
    if is_comparison(dataset):
        return comparison_csv_chunks(dataset)
    return projection_csv_chunks(dataset)


def parquet_chunks(dataset: xr.Dataset) -> Iterator[bytes]:
    """The tidy table of the CSV (a ``scenario`` column first for a comparison) as one Parquet
    file (zstd; provenance in its schema metadata): the compact binary answer, about a tenth of
    the CSV's size for hourly results."""
    if is_comparison(dataset):
        frame = tidy_compare_frame(dataset)
        metadata = comparison_table_metadata(dataset, frame.columns)
    else:
        frame = export.tidy_frame(dataset)
        metadata = export.table_metadata(dataset, frame.columns)
    buffer = io.BytesIO()
    export.write_parquet_table(frame, buffer, metadata)
    yield buffer.getvalue()


CHUNKERS = {"json": json_chunks, "csv": csv_chunks, "parquet": parquet_chunks}
