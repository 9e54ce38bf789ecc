"""Export a projection Dataset as tidy CSV, Parquet or NetCDF, written atomically.

CSV schema (one row per variable, region, period and quantile; documented in the README):

``variable``
    Output variable name (see ``forecast.outputs``).
``region``
    ``national`` for national totals, else the scenario's region name.
``resolution``
    ``hourly`` / ``daily`` / ``monthly`` / ``annual`` for load series, ``monthly`` for fleet
    variables, ``annual`` for per-year summaries.
``period_start``
    Start of the period in local time, ISO 8601 with UTC offset (``2024-01-01T00:00+09:00``).
``quantile``
    Probability level over Monte Carlo draws (0.5 = median); empty for a ``*_mean`` variable
    (the mean over draws).
``value``
    The number, in ``unit``.
``unit``
    ``MW`` (a load's mean power over the period; a capacity's value at the end of the month),
    ``TWh``, ``GW``, ``%``, ``1`` or ``accelerators``.
``period_start_utc``
    The same instant in UTC: ISO 8601 text with ``Z`` in CSV (``2023-12-31T15:00Z``), a
    ``timestamp[us, tz=UTC]`` in Parquet. Last of the core columns, so that the seven before it
    keep their places.

Variables with one more dimension (sites, duration curves, the peak-hour calendar, per-draw
values) add one column per such dimension after these; a site's rows carry its region.
Parquet holds the same table (zstd), with the provenance in its schema metadata instead of a
``.meta.json`` file. A CSV writes numbers with nine significant digits
(:data:`forecast.io.csvtext.CSV_FLOAT_FORMAT`), a whole float with ``.0``
(:func:`forecast.io.csvtext.csv_float`);
Parquet and NetCDF hold the full float64. NetCDF holds the Dataset with the scenario's inputs in
its global attribute ``inputs`` (:data:`INPUTS_ATTRIBUTE`, JSON text), what the ``.meta.json``
holds under ``inputs``. :func:`read_table` reads a CSV back with each column's dtype
(:data:`COLUMN_DTYPES`, the ``.meta.json``'s ``dtypes``), which a plain ``pd.read_csv`` of a
large table guesses chunk by chunk and warns about.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from xarray.backends import H5NetCDFStore
from xarray.backends.locks import HDF5_LOCK

from forecast.calendar import MONTH_ATTRIBUTES, local_midnight, time_attributes
from forecast.errors import OptionsError
from forecast.io.csvtext import csv_row_chunks
from forecast.io.files import atomic_write
from forecast.outputs import BY_NAME, numpy_values, selected_variables
from forecast.units import CF_UNITS, UNITS_LABEL_ATTRIBUTE

#: The core columns, in every table in this order. ``period_start_utc`` came last (after
#: ``unit``), so that a loader reading the first seven by position keeps working.
CSV_COLUMNS = (
    "variable",
    "region",
    "resolution",
    "period_start",
    "quantile",
    "value",
    "unit",
    "period_start_utc",
)
#: How :func:`utc_iso` writes a UTC instant, which Parquet reads back as a timestamp.
UTC_ISO_FORMAT = "%Y-%m-%dT%H:%MZ"
FORMATS = ("csv", "netcdf", "parquet")
SUFFIX_FORMATS = {".nc": "netcdf", ".nc4": "netcdf", ".parquet": "parquet", ".pq": "parquet"}
#: Column written for a dimension beyond region, period and quantile, where it is not the
#: dimension's own name: a duration curve's band is written as the rank of its first hour.
EXTRA_COLUMNS = {
    "duration_band": "duration_hours_from",
    "load_site": "site",
    "profile_site": "site",
}
#: Dimensions whose rows are a site's: the coordinate along each that gives the site's region.
SITE_REGIONS = {
    "site": "site_region",
    "load_site": "load_site_region",
    "profile_site": "profile_site_region",
}
#: Coordinates along ``site`` that a site's rows carry as columns after ``site`` (its region
#: is the ``region`` column): its status, how it asks the grid and whether its region has a
#: connection limit (``none``: connected in full as it asks, its wait 0).
SITE_COORDINATE_COLUMNS = ("site_status", "site_grid_request", "site_grid_limit")
#: The columns after :data:`CSV_COLUMNS`, in the order every table has those it holds (a
#: variable's further dimension each, :func:`table_columns`), and when each is there: the
#: README's column list is generated from this (``python -m forecast.report.docs``), so that
#: it cannot drift from the writer (report-interop 5 and 8).
EXTRA_COLUMN_ORDER = (
    ("site", "the scenario has sites not yet operating (the `site_*` variables)"),
    ("site_status", "with `site`: the site's status"),
    ("site_grid_request", "with `site`: how it asks the grid, `whole` or `phased`"),
    ("site_grid_limit", "with `site`: `limited` or `none` (its region's connection limit)"),
    ("draw", "`--per-draw` (the `*_per_draw` variables)"),
    ("duration_hours_from", "`--duration-curves` (a duration band's first hour's rank)"),
    ("duration_draw", "`--duration-curves --per-draw` (a per-draw duration curve's draw)"),
    (
        "month_of_year",
        "`--duration-curves` or flexibility (a calendar's local month: "
        "`peak_hours_share_pct`, `flexibility_hours_called_by_month_hour`, "
        "`flexibility_energy_mwh_by_month_hour`)",
    ),
    ("hour_of_day", "as `month_of_year` (the calendar's local clock hour)"),
)
#: The run's identifying columns that ``--id-columns`` (``forecast project``, ``compare``,
#: ``sweep``) and the API's ``id_columns=true`` put first in every row, each from the
#: coordinate of the same name where a comparison's scenario or a sweep's variant has its own
#: (a comparison's ``scenario_sha256``, a sweep's, a varied ``seed`` or ``draws``), else from
#: the attribute (:func:`id_values`): two runs appended into one warehouse table had no column
#: to tell them apart (report-interop 2).
ID_COLUMNS = ("scenario_id", "scenario_sha256", "seed", "draws", "code_version")
#: The id column an API answer adds after :data:`ID_COLUMNS`: the run that recorded the result
#: (``/v1/runs/{run_id}``, its provenance), which a command-line run has none of.
RUN_ID_COLUMN = "run_id"
#: The attribute that asks for the id columns, their names comma-separated
#: (:func:`with_id_columns`): it travels with the Dataset to every table writer.
ID_COLUMNS_ATTRIBUTE = "id_columns"
#: The wall clock of ``period_start`` (``2024-01-01T00:00+09:00`` is ``2024-01-01 00:00``), a
#: naive ``timestamp[us]``, written to Parquet only, after ``period_start_utc``: the year or
#: month of a Seoul or Sydney annual or monthly row is that of its local start, not its UTC
#: instant's (report-interop 4). A CSV's ``period_start`` text holds it in its first 16
#: characters; the CSV stays as it was.
LOCAL_TIME_COLUMN = "period_start_local"
#: Key of the provenance JSON in a Parquet file's schema metadata.
PARQUET_METADATA_KEY = b"forecast"
#: Columns of whole numbers (a duration band's first rank, the peak-hour calendar's month and
#: hour, a draw): nullable integers (pandas ``Int64``, Parquet ``int64`` with nulls), empty on
#: the other variables' rows. They were float64, as pandas infers a column with gaps, so that
#: the same column was double in Parquet and BIGINT in a warehouse's read of the CSV (interop
#: review, finding 6); the CSV's text is the same either way (``3``, or empty).
INTEGER_COLUMNS = ("duration_hours_from", "month_of_year", "hour_of_day", "draw", "duration_draw")
#: The pandas dtype of each column a projection's tidy table may have, for reading a CSV back
#: (:func:`read_table`; a ``.meta.json``'s ``dtypes``): text ``str``, numbers ``float64``,
#: whole numbers ``Int64`` (:data:`INTEGER_COLUMNS`). A plain ``pd.read_csv`` infers each
#: column chunk by chunk (65,536 rows of a 12-column table) and warns "mixed types"
#: (DtypeWarning) where a text column is empty in a whole chunk, as the site columns are in
#: the national rows of the quick start's kr.csv. A column not here (a comparison's
#: ``scenario``, a sweep's ``variant`` and varied NAMEs) is filled in every row, so pandas
#: infers it alike in every chunk.
COLUMN_DTYPES = {
    **dict.fromkeys(("variable", "region", "resolution", "period_start"), "str"),
    **dict.fromkeys(("quantile", "value"), "float64"),
    **dict.fromkeys(("unit", "period_start_utc", "site", *SITE_COORDINATE_COLUMNS), "str"),
    **dict.fromkeys(INTEGER_COLUMNS, "Int64"),
    **dict.fromkeys(("scenario_id", "scenario_sha256", "code_version", RUN_ID_COLUMN), "str"),
    **dict.fromkeys(("seed", "draws"), "int64"),
}


#: The two characters of 0-99, one column each (``np.take`` writes a field's two rows at once).
_TWO_DIGITS = np.array([[ord(c) for c in f"{n:02d}"] for n in range(100)], dtype="<u4").T


def local_iso(times: pd.DatetimeIndex) -> np.ndarray:
    """ISO 8601 local times with UTC offset (``2024-01-01T00:00+09:00``) as ``<U22``.

    ``DatetimeIndex.strftime`` formats one timestamp at a time (seconds for a decade of
    hours) and ``np.datetime_as_string`` plus the offsets took 50 ms for 12 years of hours;
    this writes each field's digits as integers into one array of characters (9 ms, measured
    2026-12-05). Years 0-9999.
    """
    wall = times.tz_localize(None).to_numpy().astype("datetime64[m]")
    utc = times.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[m]")
    offset = (wall - utc).astype(np.int64)  # [min]
    days = wall.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    minute_of_day = (wall - days).astype(np.int64)
    fields = {  # first character: the field's value, two digits
        0: year // 100,
        2: year % 100,
        5: months.astype(np.int64) % 12 + 1,
        8: (days - months).astype(np.int64) + 1,
        11: minute_of_day // 60,
        14: minute_of_day % 60,
        17: np.abs(offset) // 60,
        20: np.abs(offset) % 60,
    }
    # One row per character (22 rows), UCS-4 little-endian as "<U22" reads them.
    characters = np.empty((22, len(times)), dtype="<u4")
    for first, values in fields.items():
        np.take(_TWO_DIGITS, values, axis=1, out=characters[first : first + 2])
    for position, separator in {4: "-", 7: "-", 10: "T", 13: ":", 19: ":"}.items():
        characters[position] = ord(separator)
    characters[16] = np.where(offset >= 0, ord("+"), ord("-"))
    return np.ascontiguousarray(characters.T).view("<U22").ravel()


def utc_iso(instants) -> np.ndarray:
    """ISO 8601 UTC times with ``Z`` (``2029-12-31T15:00Z``, :data:`UTC_ISO_FORMAT`) as
    ``<U17``, from UTC instants (naive ``datetime64`` or a tz-aware index)."""
    times = pd.DatetimeIndex(instants)
    times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
    # local_iso in UTC ends "+00:00": keep the first 16 characters and write "Z".
    return np.char.add(local_iso(times).astype("<U16"), "Z")


def _axis_index(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Index along ``axis`` of every element of a C-ordered array of ``shape``, flattened."""
    inner = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    return np.tile(np.repeat(np.arange(shape[axis]), inner), outer)


#: Dimensions of a table row's place: region, period, quantile (and, in a comparison or a
#: sweep, the scenario or variant the table's first columns name).
_PLACE_DIMS = ("region", "time", "month", "year", "quantile", "scenario", "variant")
#: Period dimensions, in the order a variable's is looked for.
_PERIOD_DIMS = ("time", "month", "year")


#: Dimensions of the spread drivers' tables, which go to the metadata, not the rows.
_DRIVER_DIMS = ("input", "dc_input")


def tabled(variable: xr.DataArray | xr.Variable) -> bool:
    """Whether a variable has rows in the tidy table: one with a period, or a site's figure or
    a draw's sampled input over the whole period (``resolution`` ``period``); not the spread
    drivers (:func:`table_metadata`)."""
    if any(d in variable.dims for d in _DRIVER_DIMS):
        return False
    return any(d in variable.dims for d in (*_PERIOD_DIMS, *SITE_REGIONS, "draw"))


def drivers_of(dataset: xr.Dataset, names: Iterable[Hashable]) -> list[Hashable]:
    """The spread-driver tables of the Dataset (dims ``input``, ``dc_input``) that rank the
    spread of one of ``names``, by their attribute ``output``: ``ai_energy_twh``'s are
    ``ai_energy_twh_rank_correlation`` (every year) and ``spread_driver_rank_correlation``
    (the last year)."""
    outputs = {str(name) for name in names}
    return [
        name
        for name, variable in dataset.data_vars.items()
        if any(d in variable.dims for d in _DRIVER_DIMS) and variable.attrs.get("output") in outputs
    ]


def select_variables(
    dataset: xr.Dataset, patterns: tuple[str, ...] | None, *, field: str = "variables"
) -> xr.Dataset:
    """The Dataset with only the tabled variables (:func:`tabled`) that ``patterns`` name or
    match (:func:`forecast.outputs.selected_variables`), every coordinate, the spread drivers
    (the metadata's) and the attributes kept, and the selection recorded in the attribute
    ``variables_selected`` (so that a file handed on says it holds a part); ``dataset`` as it
    is without ``patterns``. The quick start's annual CSV of kr-national ran to 71,073 rows,
    57,309 of them the sites' (report-proc L13).

    Raises
    ------
    OptionsError
        An item names or matches none of the projection's variables.
    """
    if not patterns:
        return dataset
    rows = [name for name, variable in dataset.data_vars.items() if tabled(variable)]
    kept = set(selected_variables(patterns, rows, field=field))
    selected = dataset.drop_vars([name for name in rows if name not in kept])
    selected.attrs = {**dataset.attrs, "variables_selected": ",".join(patterns)}
    return selected


def table_columns(dataset: xr.Dataset) -> list[str]:
    """The tidy table's columns: :data:`CSV_COLUMNS`, then one per dimension beyond a row's
    place that any tabled variable has (:data:`EXTRA_COLUMNS` names them), in the order the
    variables first have them. The command line's files and the service's answers (written in
    pieces) all take their header from here."""
    extra: list[str] = []
    for name in dataset.data_vars:
        variable = dataset.variables[name]  # not a DataArray, which gathers its coordinates
        if not tabled(variable):
            continue
        for dim in variable.dims:
            column = EXTRA_COLUMNS.get(str(dim), str(dim))
            if dim not in _PLACE_DIMS and column not in extra:
                extra.append(column)
            if dim == "site":
                # After ``site``, whichever of the site dimensions first wrote it.
                extra += [
                    name
                    for name in SITE_COORDINATE_COLUMNS
                    if name in dataset.coords and name not in extra
                ]
    # In one fixed order (a column not listed, last, as first seen), whatever the variables'.
    order = [name for name, _ in EXTRA_COLUMN_ORDER]
    extra.sort(key=lambda name: order.index(name) if name in order else len(order))
    return [*id_columns(dataset), *CSV_COLUMNS, *extra]


def with_id_columns(dataset: xr.Dataset, *, run_id: str | None = None) -> xr.Dataset:
    """``dataset`` (its data not copied) whose tables start with the run's id columns
    (:data:`ID_COLUMNS`, then :data:`RUN_ID_COLUMN` where ``run_id`` is given, its value in
    the attribute of that name), named in its attribute :data:`ID_COLUMNS_ATTRIBUTE`. A
    comparison's or a sweep's rows have them before their ``scenario`` or ``variant``
    (:func:`id_values`)."""
    names = [*ID_COLUMNS, *([RUN_ID_COLUMN] if run_id is not None else [])]
    extra = {RUN_ID_COLUMN: run_id} if run_id is not None else {}
    return dataset.assign_attrs({ID_COLUMNS_ATTRIBUTE: ",".join(names), **extra})


def id_columns(dataset: xr.Dataset) -> list[str]:
    """The id columns :func:`with_id_columns` asked for, in order; none where not asked."""
    text = str(dataset.attrs.get(ID_COLUMNS_ATTRIBUTE, ""))
    return text.split(",") if text else []


def id_values(dataset: xr.Dataset) -> dict[str, Any]:
    """The value of each id column (:func:`id_columns`) in the rows of ``dataset``, a
    projection or one scenario of a comparison or one variant of a sweep: its scalar
    coordinate where it has one (each scenario's or variant's ``scenario_sha256``, a sweep's
    varied ``seed`` or ``draws``), else its attribute (the comparison's ``scenario_id``, the
    ids of the scenarios joined, keeps its rows apart from a lone projection's)."""
    values: dict[str, Any] = {}
    for name in id_columns(dataset):
        if name in dataset.coords and dataset[name].ndim == 0:
            values[name] = dataset[name].item()
        else:
            values[name] = _jsonable(dataset.attrs[name])
    return values


def lead_column_position(dataset: xr.Dataset) -> int:
    """Where a comparison's ``scenario`` or a sweep's ``variant`` column goes in its table:
    after the id columns, if any (:func:`id_columns`)."""
    return len(id_columns(dataset))


#: One column of a variable's rows in :func:`tidy_frame`: its distinct values and each row's
#: index into them (one index for every row, or None where the values are the rows), or one
#: value in every row.
Column = tuple[np.ndarray, np.ndarray | int | None] | str | float


def period_starts(dataset: xr.Dataset, dim: str) -> pd.DatetimeIndex:
    """The first local instant in the period of each month or year (``dim``: ``month``,
    ``year``) of a Dataset in one zone (its attribute ``timezone``): the calendar's first day's
    (01:00 where the clocks jump at midnight on the 1st, as America/Santiago's can), or, for
    one the period covers in part, the period's, as its load series' rows and the NetCDF
    file's ``month`` and ``year_start`` have it (a period from 2030-03-15 labelled March's
    fleet rows 2030-03-01, its load rows 03-15): the tables' ``period_start``."""
    first = dt.date.fromisoformat(str(dataset.attrs["period_start"]))
    labels = numpy_values(dataset.variables[dim])
    if dim == "month":
        days = [max(pd.Timestamp(label).date(), first) for label in labels]
    else:
        days = [max(dt.date(int(label), 1, 1), first) for label in labels]
    # As local_midnight, all at once (one Timestamp localised at a time took 10 ms of the
    # JSON of a 12-year answer).
    return pd.DatetimeIndex(days).tz_localize(
        dataset.attrs["timezone"], ambiguous=np.ones(len(days), dtype=bool),
        nonexistent="shift_forward",
    )  # fmt: skip


def period_hours(dataset: xr.Dataset, starts: pd.DatetimeIndex) -> np.ndarray:
    """The period's hours in each month or year that start at ``starts`` (their
    :func:`period_starts`): 744 in a whole January, 721 in Sydney's April (the clocks go
    back), 408 in a March from the 15th. [h] float64"""
    last = dt.date.fromisoformat(str(dataset.attrs["period_end"]))
    end = local_midnight(last + dt.timedelta(days=1), dataset.attrs["timezone"])
    instants = np.append(starts.as_unit("ns").asi8, end.value)  # [ns] since 1970, UTC
    return np.diff(instants) / pd.Timedelta(hours=1).value


def tidy_frame(dataset: xr.Dataset) -> pd.DataFrame:
    """The Dataset as the tidy table written to CSV (columns :func:`table_columns`).

    A variable with a dimension beyond region, period and quantile (a site, the duration
    curves' band, the peak-hour calendar's month and hour, a draw) gets one more column per
    such dimension, after :data:`CSV_COLUMNS`; rows of other variables leave them empty. A
    site's rows also carry its status and how it asks the grid
    (:data:`SITE_COORDINATE_COLUMNS`), and its figure over the whole period (its wait) has the
    resolution ``period`` and the period's first instant. A projection without such variables
    has exactly :data:`CSV_COLUMNS`.

    Built once from NumPy arrays (:func:`_stacked`), not as a DataFrame per variable joined
    (57 for the warm start's one-month projection, a DataArray made for each variable and label
    looked up, and a string for each text cell): its 12,269 rows took 70 ms of CPU time in a new
    process and take 21 ms (median of 7, 2026-12-07).
    """
    # Variables, not DataArrays: a DataArray gathers its coordinates each time one is made.
    variables = dataset.variables
    months, years = period_starts(dataset, "month"), period_starts(dataset, "year")
    period_labels = {
        "time": numpy_values(variables["local_time_iso"]),
        "month": local_iso(months),
        "year": local_iso(years),
    }
    utc_labels = {
        "time": utc_iso(numpy_values(variables["time_utc"])),
        "month": utc_iso(months),
        "year": utc_iso(years),
    }
    resolution_of = {"time": dataset.attrs["resolution"], "month": "monthly", "year": "annual"}
    pieces: list[tuple[int, dict[str, Column]]] = []  # each variable's rows and columns
    for name in dataset.data_vars:
        variable = variables[name]
        if not tabled(variable):
            continue
        period_dim = next((d for d in _PERIOD_DIMS if d in variable.dims), None)
        extras = [d for d in variable.dims if d not in ("region", period_dim, "quantile")]
        order = [
            *(["region"] if "region" in variable.dims else []),
            *extras,
            *([period_dim] if period_dim else []),
            *(["quantile"] if "quantile" in variable.dims else []),
        ]
        values = numpy_values(variable.transpose(*order))
        shape = values.shape
        # A site's figure over the whole period starts at the period's first instant.
        period = _axis_index(shape, order.index(period_dim)) if period_dim else 0
        columns: dict[str, Column] = {
            "variable": str(name),
            "region": _region_column(variables, shape, order),
            "resolution": resolution_of[period_dim] if period_dim else "period",
            "period_start": (period_labels[period_dim or "time"], period),
            # A mean over draws has no quantile: its rows leave the quantile column empty.
            "quantile": (numpy_values(variables["quantile"]), _axis_index(shape, len(order) - 1))
            if "quantile" in variable.dims
            else np.nan,
            "value": (values.reshape(-1), None),
            "unit": variable.attrs["units"],
            "period_start_utc": (utc_labels[period_dim or "time"], period),
        }
        for dim in extras:
            column = EXTRA_COLUMNS.get(str(dim), str(dim))
            index = _axis_index(shape, order.index(dim))
            columns[column] = (
                numpy_values(variables[dim if dim in SITE_REGIONS else column]),
                index,
            )
            if dim == "site":
                for coordinate in SITE_COORDINATE_COLUMNS:
                    if coordinate in dataset.coords:
                        columns[coordinate] = (numpy_values(variables[coordinate]), index)
        pieces.append((values.size, columns))
    return _stacked(pieces, table_columns(dataset), id_values(dataset))


def _stacked(
    pieces: list[tuple[int, dict[str, Column]]], columns: list[str], constants: dict[str, Any]
) -> pd.DataFrame:
    """One table of ``columns`` from each variable's rows (``pieces``: their number and each
    column as a :data:`Column`; a column a variable lacks is empty in its rows), ``constants``
    (the id columns) in every row: the table, dtypes included, that joining a DataFrame per
    variable gave. Text has the dtype pandas gives text (:func:`_text_column`), its empty rows
    NaN; numbers are ``float64`` where any row is empty, :data:`INTEGER_COLUMNS` ``Int64``."""
    sizes = [size for size, _ in pieces]
    data: dict[str, Any] = {}
    for column in columns:
        if column in constants:
            data[column] = constants[column]  # one value, in every row
            continue
        parts = [_labelled(piece.get(column)) for _, piece in pieces]
        if any(part is not None and part[0].dtype.kind in "OU" for part in parts):
            data[column] = _text_column(parts, sizes)
            continue
        values = np.concatenate(
            [
                np.full(size, np.nan)
                if part is None
                else np.broadcast_to(part[0] if part[1] is None else part[0][part[1]], size)
                for part, size in zip(parts, sizes, strict=True)
            ]
            or [np.full(0, np.nan)]
        )
        if column in INTEGER_COLUMNS:
            empty = np.repeat([part is None for part in parts], sizes)
            data[column] = pd.arrays.IntegerArray(
                np.where(empty, 0, values).astype(np.int64), empty
            )
        else:
            data[column] = values
    return pd.DataFrame(data, columns=columns)


def _labelled(column: Column | None) -> tuple[np.ndarray, np.ndarray | int | None] | None:
    """A :data:`Column` as labels and each row's index into them (one value: its only label)."""
    return (np.asarray([column]), 0) if isinstance(column, (str, float)) else column


@functools.cache
def _text_dtype() -> Any:
    """The dtype pandas gives a column of text: ``str`` (Arrow strings) from pandas 3, object
    before."""
    return pd.Series(["text"]).dtype


def _text_column(
    parts: list[tuple[np.ndarray, np.ndarray | int | None] | None], sizes: list[int]
) -> Any:
    """A text column from each variable's labels and their rows' indices (None: its rows are
    empty, NaN). With Arrow strings the labels (a few thousand at most) become strings once and
    the rows are taken from them by index: a string made per row took 8-11 ms of a one-month
    projection's 12,269 rows (2026-12-07)."""
    labels, codes, offset = [], [], 0
    for part, size in zip(parts, sizes, strict=True):
        if part is None:
            codes.append(np.full(size, -1))
            continue
        values, index = part
        rows = np.arange(len(values)) if index is None else index
        codes.append(np.broadcast_to(np.asarray(rows) + offset, size))
        labels.append(np.asarray(values, dtype=object))
        offset += len(values)
    every, text = np.concatenate(codes), np.concatenate(labels)
    dtype = _text_dtype()
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return np.where(every < 0, np.nan, text[np.maximum(every, 0)])  # pandas infers its dtype
    import pyarrow as pa

    strings = pa.array(text, type=pa.large_string(), from_pandas=True)
    return pd.array(strings.take(pa.array(every, mask=every < 0)), dtype=dtype)


def with_integer_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each of its :data:`INTEGER_COLUMNS` as ``Int64``: joined with rows that
    leave them empty (another variable's, a comparison's other scenario) they became float64."""
    present = {column: "Int64" for column in INTEGER_COLUMNS if column in frame.columns}
    return frame.astype(present) if present else frame


def _region_column(
    variables: Mapping[Any, xr.Variable], shape: tuple[int, ...], order: list
) -> Column:
    """The region of each row: the variable's region, a site's own region, or ``national``."""
    if "region" in order:
        return (numpy_values(variables["region"]), _axis_index(shape, 0))
    for dim, coordinate in SITE_REGIONS.items():
        if dim in order and coordinate in variables:
            return (numpy_values(variables[coordinate]), _axis_index(shape, order.index(dim)))
    return "national"


def suffix_format(path: Path) -> str | None:
    """The table format the suffix of ``path`` names (``.csv``, ``.nc``/``.nc4``,
    ``.parquet``/``.pq``), or None for any other suffix."""
    suffix = Path(path).suffix.lower()
    return "csv" if suffix == ".csv" else SUFFIX_FORMATS.get(suffix)


def file_format_of(path: Path, file_format: str | None = None) -> str:
    """The table format asked for, or the one the suffix names (``.csv`` CSV, ``.nc`` NetCDF,
    ``.parquet`` Parquet; no suffix: CSV), as the command line's ``--out`` takes them.

    Raises
    ------
    OptionsError
        ``file_format`` is not one of :data:`FORMATS`; or none is given and the suffix names
        none (``.xlsx`` was written as CSV under a misleading name).
    """
    named = suffix_format(path)
    if file_format is None and Path(path).suffix and named is None:
        raise OptionsError(
            f"path = {str(path)!r}: suffix {Path(path).suffix!r} names no table format; "
            f"allowed: {', '.join(('.csv', *SUFFIX_FORMATS))}, or give file_format = "
            f"{' | '.join(repr(name) for name in FORMATS)}"
        )
    chosen = file_format or named or "csv"
    if chosen not in FORMATS:
        raise OptionsError(f"format = {chosen!r}: allowed: {', '.join(FORMATS)}")
    return chosen


#: The global attribute that carries the scenario's inputs in a NetCDF file and in a service
#: result (JSON text of :func:`forecast.report.inputs.input_table`; a comparison's by scenario
#: id, a sweep's by variant): what a CSV's ``.meta.json`` holds under ``inputs``, so that a
#: NetCDF file handed on alone says where its figures come from (a source auditor found none).
INPUTS_ATTRIBUTE = "inputs"


def with_inputs(dataset: xr.Dataset, inputs: Mapping) -> xr.Dataset:
    """``dataset`` (not copied) with ``inputs`` as JSON text in :data:`INPUTS_ATTRIBUTE`: an
    attribute holds a string in NetCDF, as ``region_labels`` does."""
    text = json.dumps({str(key): value for key, value in inputs.items()}, ensure_ascii=False)
    return dataset.assign_attrs({INPUTS_ATTRIBUTE: text})


def inputs_of(dataset: xr.Dataset) -> dict | None:
    """The inputs :func:`with_inputs` put in ``dataset``'s attributes, or None."""
    text = dataset.attrs.get(INPUTS_ATTRIBUTE)
    return None if text is None else json.loads(str(text))


def provenance_attrs(dataset: xr.Dataset) -> dict:
    """The Dataset's attributes as JSON-ready data, without :data:`INPUTS_ATTRIBUTE` (a table's
    metadata holds the inputs as data under ``inputs``, not again as text)."""
    return {k: _jsonable(v) for k, v in dataset.attrs.items() if k != INPUTS_ATTRIBUTE}


def table_metadata(
    dataset: xr.Dataset, columns, *, drivers: dict | None = None, inputs: dict | None = None
) -> dict:
    """The provenance attributes, the columns and their dtypes (:func:`column_dtypes`), the
    spread drivers (default: the Dataset's
    ``spread_driver_rank_correlation``) and the scenario's ``inputs`` (where each is: its value
    or distribution and its source; default: the Dataset's :data:`INPUTS_ATTRIBUTE`, if any), as
    JSON-ready data."""
    if inputs is None:
        inputs = inputs_of(dataset)
    metadata = {
        "attrs": provenance_attrs(dataset),
        "columns": list(columns),
        "dtypes": column_dtypes(columns),
        "spread_driver_rank_correlation": _drivers(dataset) if drivers is None else drivers,
    }
    if drivers is None and "dc_spread_driver_rank_correlation" in dataset:
        metadata["dc_spread_driver_rank_correlation"] = _drivers(
            dataset, "dc_spread_driver_rank_correlation"
        )
    if drivers is None and (tables := spread_driver_tables(dataset)):
        metadata["spread_drivers"] = tables
    if inputs is not None:
        metadata["inputs"] = inputs
    return metadata


def column_dtypes(columns) -> dict[str, str]:
    """The pandas dtype (:data:`COLUMN_DTYPES`) of each of ``columns`` that a projection's
    table declares, in their order, for ``pd.read_csv(path, dtype=...)``: what a table's
    metadata holds under ``dtypes``."""
    return {str(c): COLUMN_DTYPES[str(c)] for c in columns if str(c) in COLUMN_DTYPES}


def write_parquet_table(frame: pd.DataFrame, target, metadata: dict) -> None:
    """Write a tidy table as Parquet (zstd) to a path or a binary file object, the metadata in
    its schema under :data:`PARQUET_METADATA_KEY` (no side file)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "period_start_utc" in frame.columns:
        # The CSV's text, as the timestamp a warehouse loads (timestamp[us, tz=UTC]).
        frame = frame.assign(period_start_utc=_utc_timestamps(frame["period_start_utc"]))
        if "period_start" in frame.columns:
            after = list(frame.columns).index("period_start_utc") + 1
            frame = frame.copy(deep=False)
            frame.insert(after, LOCAL_TIME_COLUMN, _local_timestamps(frame["period_start"]))
            columns = list(metadata.get("columns", frame.columns))
            if "period_start_utc" in columns and LOCAL_TIME_COLUMN not in columns:
                columns.insert(columns.index("period_start_utc") + 1, LOCAL_TIME_COLUMN)
            metadata = {**metadata, "columns": columns}
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), PARQUET_METADATA_KEY: json.dumps(metadata).encode()}
    )
    pq.write_table(table, target, compression="zstd")


def _utc_timestamps(text: pd.Series) -> pd.DatetimeIndex:
    """:func:`utc_iso` text as ``datetime64[us, UTC]``, each distinct label parsed once (an
    hourly table repeats an hour's label for every variable and quantile)."""
    codes, labels = pd.factorize(text)
    return pd.to_datetime(labels, format=UTC_ISO_FORMAT, utc=True).as_unit("us").take(codes)


def _local_timestamps(text: pd.Series) -> pd.DatetimeIndex:
    """The wall clock of :func:`local_iso` text (its first 16 characters, the offset dropped)
    as naive ``datetime64[us]``, each distinct label parsed once."""
    codes, labels = pd.factorize(text)
    wall = pd.Index(labels, dtype=object).str[:16]
    return pd.to_datetime(wall, format="%Y-%m-%dT%H:%M").as_unit("us").take(codes)


#: Bytes a row of the tidy table takes on disk, by format: `forecast project kr-outlook --draws
#: 50 --start 2030-01-01 --end 2030-03-31` wrote 77,583 rows as 97 B a row of CSV, 7.2 of
#: Parquet and 12.6 of NetCDF (2026-12-06); a sweep's CSV adds its variant and NAME columns. [B]
ROW_BYTES = {"csv": 100.0, "parquet": 7.5, "netcdf": 13.0}
#: Estimated size above which a command says, before it runs, how large its file will be. [B]
LARGE_OUTPUT_BYTES = 100e6


def period_steps(start: dt.date, end: dt.date, resolution: str) -> int:
    """How many periods of ``resolution`` the days ``start`` to ``end`` (inclusive) hold: hours
    (24 a day; a clock change moves it by one), days, months or years. [-]"""
    days = (end - start).days + 1
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return {
        "hourly": 24 * days,
        "daily": days,
        "monthly": months,
        "annual": end.year - start.year + 1,
    }[resolution]


def estimated_size_bytes(rows: int, file_format: str) -> float:
    """About how large a tidy table of ``rows`` rows is written as ``file_format``
    (:data:`ROW_BYTES`). [B]"""
    return rows * ROW_BYTES[file_format]


def csv_header(columns) -> str:
    """A tidy CSV's header line, every column name in double quotes (``"variable","region",...``).

    The rows are quoted only where a field needs it (a site name with a comma). DuckDB's
    ``read_csv_auto`` guesses the quote character from the first 20,480 lines: in kr-outlook's
    table they are national rows, whose site columns are empty, so it saw no quote, chose none
    and then split ``"Commercial colocation ..., capital region"`` in two (interop review,
    finding 1). A quoted header shows it the quote on the first line, for 2 bytes a column;
    quoting every text field instead would make the quick start's kr.csv 12 % larger (1.2 MB).
    """
    return pd.DataFrame(columns=list(columns)).to_csv(index=False, quoting=csv.QUOTE_ALL)


def write_csv_text(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a tidy CSV: :func:`csv_header`, then its rows, floats as
    :func:`forecast.io.csvtext.csv_float` (what the API's CSV holds, byte for byte), a block
    of rows at a time (:func:`forecast.io.csvtext.csv_row_chunks`)."""
    with Path(path).open("wb") as handle:
        handle.write(csv_header(frame.columns).encode())
        for rows in csv_row_chunks(frame):
            handle.write(rows)


def write_table(frame: pd.DataFrame, path: Path, file_format: str, metadata: dict) -> Path:
    """Write a tidy table atomically as CSV (and ``<path>.meta.json``) or as Parquet (the
    metadata in the schema under :data:`PARQUET_METADATA_KEY`, no side file).

    A CSV is written to its temporary file, then its ``.meta.json`` is put in place, and the
    CSV is renamed into place last: a program that watches for the CSV finds the sidecar that
    describes it, never a missing or an earlier one, and a sidecar that cannot be written
    leaves no new CSV (``tests/forecast/io/test_sidecar_order.py``).
    """
    if file_format == "parquet":
        atomic_write(path, lambda tmp: write_parquet_table(frame, tmp, metadata))
        return Path(path)
    meta_path = Path(f"{path}.meta.json")

    def csv_then_sidecar(tmp: Path) -> None:
        write_csv_text(frame, tmp)
        atomic_write(meta_path, lambda meta: meta.write_text(json.dumps(metadata, indent=2) + "\n"))

    atomic_write(path, csv_then_sidecar)
    return Path(path)


def read_table_metadata(path: Path) -> dict:
    """The metadata a table was written with: ``<path>.meta.json`` next to a CSV, or a Parquet
    file's schema metadata."""
    if file_format_of(path) == "parquet":
        import pyarrow.parquet as pq

        return json.loads(pq.read_schema(path).metadata[PARQUET_METADATA_KEY])
    return json.loads(Path(f"{path}.meta.json").read_text(encoding="utf-8"))


def read_table(path: Path) -> pd.DataFrame:
    """A tidy table as :func:`write_table` wrote it: a CSV (by the suffix, see
    :func:`file_format_of`) with each column's dtype (:func:`column_dtypes` of its header, so
    that pandas warns of no mixed types and needs no ``.meta.json``), or a Parquet file.

    Raises
    ------
    OptionsError
        ``path`` names a NetCDF file, which holds a Dataset, not a table.
    """
    chosen = file_format_of(path)
    if chosen == "netcdf":
        raise OptionsError(
            f"path = {str(path)!r}: a NetCDF file holds a Dataset, not a table; allowed: a "
            ".csv or .parquet file (open a .nc with xarray.open_dataset)"
        )
    if chosen == "parquet":
        return pd.read_parquet(path)
    header = pd.read_csv(path, nrows=0).columns
    return pd.read_csv(path, dtype=column_dtypes(header))


def write_csv(dataset: xr.Dataset, path: Path, *, inputs: dict | None = None) -> Path:
    """Write the tidy CSV and a ``<path>.meta.json`` with the provenance attributes (and the
    scenario's ``inputs``, see :func:`table_metadata`)."""
    frame = tidy_frame(dataset)
    return write_table(frame, path, "csv", table_metadata(dataset, frame.columns, inputs=inputs))


def write_parquet(dataset: xr.Dataset, path: Path, *, inputs: dict | None = None) -> Path:
    """Write the tidy table as Parquet (zstd), the provenance (and ``inputs``) in its schema
    metadata."""
    frame = tidy_frame(dataset)
    metadata = table_metadata(dataset, frame.columns, inputs=inputs)
    return write_table(frame, path, "parquet", metadata)


#: The ``long_name`` of a label coordinate that carries no description of its own (any other
#: takes its name, ``_`` as spaces).
LABEL_LONG_NAMES = {
    "region": "region (national: the whole grid)",
    "input": "sampled input, by its label",
    "dc_input": "sampled input of the data-centre load, by its label",
    "scenario": "scenario id",
    "variant": "sweep variant",
}


def long_name(name: str, attrs: Mapping) -> str:
    """What a variable or coordinate is, in words: its ``long_name``, else its ``description``,
    else :data:`LABEL_LONG_NAMES`' or its name's (``_`` as spaces): the NetCDF file's
    ``long_name`` (:func:`cf_dataset`) and the API's ``coord_attrs``."""
    return str(
        attrs.get("long_name")
        or attrs.get("description")
        or LABEL_LONG_NAMES.get(name, name.replace("_", " "))
    )


#: The time axes a NetCDF file may have: each dimension and its coordinate of UTC instants (a
#: projection's, comparison's or sweep's periods; a grid export's snapshots).
TIME_AXES = {"time": "time_utc", "snapshot": "utc"}
#: CF ``units`` of every instant a NetCDF file holds, a time axis and its bounds alike: whole
#: minutes (a zone's offset may be :30 or :45), UTC (a reference time without an offset).
CF_TIME_UNITS = "minutes since 1970-01-01 00:00:00"
#: The second dimension of a time axis's bounds, ``<axis>_bnds(<axis>, nv)``: start and end.
BOUNDS_DIM = "nv"


def cf_dataset(dataset: xr.Dataset) -> xr.Dataset:
    """The Dataset as a NetCDF file holds it, for the CF readers its ``Conventions: CF-1.8``
    invites (Panoply, CDO, R's ncdf4, cf-checker; report-interop 7): every variable and
    coordinate with a ``long_name`` (its own, else its ``description``, else
    :data:`LABEL_LONG_NAMES`' or its name's), each declared
    variable with its ``cell_methods`` (:attr:`forecast.outputs.OutputVariable.cell_methods`),
    each ``units`` one UDUNITS parses (:data:`forecast.units.CF_UNITS`; the table's text kept
    in :data:`~forecast.units.UNITS_LABEL_ATTRIBUTE`), each time axis (:data:`TIME_AXES`) the
    UTC instants of its periods' starts with their bounds (:func:`_cf_time_axis`) and no
    coordinate with a ``_FillValue`` (xarray gives a float one NaN by default, which a
    coordinate may not have). ``dataset`` itself is left as it is; :func:`from_cf` reads the
    file back as it was."""
    written = dataset.copy()
    written.attrs.setdefault("Conventions", "CF-1.8")
    for name, variable in written.variables.items():
        attrs = dict(variable.attrs)
        attrs["long_name"] = long_name(str(name), attrs)
        declared = BY_NAME.get(str(name))
        if declared is not None and declared.cell_methods:
            attrs.setdefault("cell_methods", declared.cell_methods)
        if (cf_units := CF_UNITS.get(str(attrs.get("units")))) is not None:
            attrs[UNITS_LABEL_ATTRIBUTE] = attrs["units"]
            attrs["units"] = cf_units
        variable.attrs = attrs
        if name in written.coords:
            variable.encoding = {**variable.encoding, "_FillValue": None}
        if variable.dtype.kind == "M":
            variable.encoding = {**variable.encoding, "units": CF_TIME_UNITS}
    for axis, utc in TIME_AXES.items():
        if axis in written.dims and utc in written.coords:
            written = _cf_time_axis(written, axis, utc)
    if "month" in written.dims and written["month"].dtype.kind == "M":
        written = _cf_month_axis(written)
    if (
        "year" in written.dims
        and written["year"].dtype.kind in "iu"
        and "period_start" in written.attrs
    ):
        written = _cf_year_axis(written)
    return written


#: The UTC instants of the months a NetCDF file adds beside ``month`` (:func:`_cf_month_axis`).
MONTH_UTC = "month_utc"
#: The CF time coordinates a NetCDF file adds beside the integer ``year`` (:func:`_cf_year_axis`):
#: each year's first local day (a label) and its first instant in UTC.
YEAR_START, YEAR_UTC = "year_start", "year_utc"


def _cf_month_axis(written: xr.Dataset) -> xr.Dataset:
    """``written`` with the ``month`` axis of the monthly variables as CF time: its values are
    the local calendar's first day of each month in the period (``sel(month="2030-04")``; a
    period from 2030-03-15 has March's 15th, within its cell as CF asks: it had the 1st, outside
    it), naive, said in its ``long_name`` as ``time``'s are at daily and coarser resolutions,
    with bounds ``month_bnds(month, nv)``, the period's days in each month as labels, [start,
    end), the first and last cut to the period projected; and the instants, the auxiliary
    coordinate :data:`MONTH_UTC` with ``month_utc_bnds``: each month's [first, end) instant in
    UTC (a Sydney April is 721 hours). A comparison of scenarios in different zones has no one
    instant per month: the labels and their bounds only (interop review 3). :func:`from_cf`
    gives the Dataset's calendar months back."""
    labels = numpy_values(written["month"]).astype("datetime64[ns]")
    return _cf_calendar_axis(written, "month", labels, labels_name="month", utc_name=MONTH_UTC)


def _cf_year_axis(written: xr.Dataset) -> xr.Dataset:
    """``written`` with the ``year`` axis of the per-year variables given CF time as
    :func:`_cf_month_axis` gives ``month``, but beside it: ``year`` stays the integer calendar
    year (``sel(year=2030)``, as the Dataset and the tidy tables have it), for CF has no unit
    of a calendar year (UDUNITS' ``year`` is 365.24 days, which CF advises against), and the
    auxiliary coordinates :data:`YEAR_START` (each year's first local day in the period, naive,
    within its cell as CF asks, with ``year_start_bnds``: the period's days in the year as
    labels, [start, end)) and
    :data:`YEAR_UTC` (its instants, with ``year_utc_bnds``; one zone only) carry the time."""
    labels = np.array(
        [np.datetime64(f"{int(y):04d}-01-01", "ns") for y in numpy_values(written["year"])]
    )
    attrs = dict(written["year"].attrs)
    attrs["long_name"] = f"{long_name('year', attrs)}; its days are {YEAR_START}_bnds"
    written = written.assign_coords(year=written["year"].assign_attrs(attrs))
    return _cf_calendar_axis(written, "year", labels, labels_name=YEAR_START, utc_name=YEAR_UTC)


def _cf_calendar_axis(
    written: xr.Dataset,
    axis: str,
    labels: np.ndarray,
    *,
    labels_name: str,
    utc_name: str,
) -> xr.Dataset:
    """``written`` with the local calendar's periods of ``axis`` (months, years) as CF time:
    ``labels_name``, the first local day in the period of each (``labels``, their calendar
    first days, datetime64[ns], cut to the period; ``axis`` itself where it is the name), with
    bounds ``<labels_name>_bnds``, the period's days in each as labels, [start, end), the
    first and last cut to the period projected; and, where the Dataset has one zone,
    ``utc_name`` with ``<utc_name>_bnds``, each one's [first, end) instant in UTC
    (:func:`_cf_month_axis`, :func:`_cf_year_axis`)."""
    encoding = {"units": CF_TIME_UNITS, "calendar": "proleptic_gregorian", "_FillValue": None}
    bounds_encoding = {**encoding, "coordinates": None}
    zone = written.attrs.get("timezone")
    one_zone = (
        zone is not None and "time_utc" in written.coords and written["time_utc"].dims == ("time",)
    )
    start = np.datetime64(dt.date.fromisoformat(str(written.attrs["period_start"])), "ns")
    after = dt.date.fromisoformat(str(written.attrs["period_end"])) + dt.timedelta(days=1)
    starts = np.maximum(labels, start)
    ends = np.minimum(np.r_[labels[1:], np.datetime64(after, "ns")], np.datetime64(after, "ns"))
    where = f"the local calendar of {zone}" if one_zone else "each scenario's local calendar"
    long_name = f"{axis}, by its first day in the period, {where} (its timezone), not UTC"
    attrs = {
        "standard_name": "time",
        "long_name": long_name,
        "description": f"{long_name}; its cell, {labels_name}_bnds, is the period's days in the "
        f"{axis}" + (f"; the instants are {utc_name}" if one_zone else ""),
        "bounds": f"{labels_name}_bnds",
    }
    written = written.assign_coords({labels_name: xr.Variable(axis, starts, attrs, encoding)})
    written[f"{labels_name}_bnds"] = xr.Variable(
        (axis, BOUNDS_DIM),
        np.stack([starts, ends], axis=1),
        {"long_name": f"first and end day of each {axis} of the period, [start, end)"},
        bounds_encoding,
    )
    if one_zone:
        assert zone is not None
        instants = np.array(
            [
                local_midnight(pd.Timestamp(day).date(), str(zone))
                .tz_convert("UTC")
                .tz_localize(None)
                .as_unit("ns")
                .to_datetime64()
                for day in (*starts, ends[-1])
            ]
        )
        written = written.assign_coords(
            {
                utc_name: xr.Variable(
                    axis,
                    instants[:-1],
                    {
                        "standard_name": "time",
                        "long_name": f"first instant of the {axis} in the period, UTC",
                        "bounds": f"{utc_name}_bnds",
                    },
                    encoding,
                )
            }
        )
        written[f"{utc_name}_bnds"] = xr.Variable(
            (axis, BOUNDS_DIM),
            np.stack([instants[:-1], instants[1:]], axis=1),
            {"long_name": f"first and end instant of each {axis} of the period, UTC, [start, end)"},
            bounds_encoding,
        )
    return written


def _cf_time_axis(written: xr.Dataset, axis: str, utc: str) -> xr.Dataset:
    """``written`` with the time axis ``axis`` and its bounds ``<axis>_bnds(<axis>, nv)``, each
    period's [start, end) (:func:`_period_ends`): an hour, a local day of 23, 24 or 25 hours, a
    local month or year, the first and last cut to the period projected.

    Hours (and a grid export's snapshots) are UTC instants. At daily and coarser resolutions
    ``time`` stays the local calendar's labels, the local start of each period, so that
    ``sel(time="2030")`` is the local year 2030 (report-pipeline F4: the UTC start of a Seoul
    year is 15:00 the day before); its bounds are labels too, and its ``long_name`` says so. The
    instants are the auxiliary coordinate ``time_utc``, with bounds of its own,
    ``time_utc_bnds``, in which a fall-back day has its 25 hours. A comparison of scenarios in
    different zones (monthly or annual) has no one instant per period (its ``time_utc`` is by
    scenario): it has the labels and their bounds only."""
    encoding = {"units": CF_TIME_UNITS, "calendar": "proleptic_gregorian", "_FillValue": None}
    # A bounds variable belongs to its axis: no ``coordinates`` of its own.
    bounds_encoding = {**encoding, "coordinates": None}
    starts_utc = written[utc]
    one_zone = starts_utc.dims == (axis,)
    zone = written.attrs.get("timezone")
    if axis == "snapshot" or written.attrs.get("resolution") == "hourly":
        starts = numpy_values(starts_utc)
        long_name = "start of the hour, UTC"
        description = (
            f"{long_name}, the hour being [{axis}_bnds[:, 0], {axis}_bnds[:, 1]); the local "
            "start is " + ("local_time" if axis == "time" else "standard_time")
        )
        ends = _period_ends(written, axis, starts, zone=zone)
    else:
        starts = numpy_values(written[axis])
        where = f"the local calendar of {zone}" if one_zone else "each scenario's local calendar"
        long_name = f"start of the period, {where} (its timezone), not UTC"
        description = f"{long_name}; the instants are time_utc" + (
            "" if one_zone else ", by scenario"
        )
        ends = _period_ends(written, axis, starts, zone=None)
        if one_zone:
            instants = numpy_values(starts_utc)
            utc_bounds = np.stack([instants, _period_ends(written, axis, instants, zone=zone)], 1)
            written[utc] = written[utc].assign_attrs(bounds=f"{utc}_bnds")
            written[f"{utc}_bnds"] = xr.Variable(
                (axis, BOUNDS_DIM),
                utc_bounds,
                {"long_name": f"first and end instant of each period of {axis}, UTC, [start, end)"},
                bounds_encoding,
            )
    attrs = {
        "standard_name": "time",
        "axis": "T",
        "long_name": long_name,
        "description": description,
        "bounds": f"{axis}_bnds",
    }
    written = written.assign_coords({axis: xr.Variable(axis, starts, attrs, encoding)})
    bounds = np.stack([starts, ends], axis=1)
    bounds_attrs = {"long_name": f"first and end of each period of {axis}, [start, end)"}
    written[f"{axis}_bnds"] = xr.Variable((axis, BOUNDS_DIM), bounds, bounds_attrs, bounds_encoding)
    return written


def _period_ends(
    dataset: xr.Dataset, axis: str, starts: np.ndarray, *, zone: str | None
) -> np.ndarray:
    """The instant each period of ``starts`` ends (excluded): an hour after it for hours and
    a grid export's snapshots (which skip the years not exported); else the next period's
    start, and for the last the first instant of the local day after ``period_end`` (in
    ``zone``, or as a naive label without one). datetime64[ns]"""
    if axis == "snapshot" or dataset.attrs.get("resolution") == "hourly":
        return starts + np.timedelta64(1, "h")
    after = dt.date.fromisoformat(str(dataset.attrs["period_end"])) + dt.timedelta(days=1)
    last = pd.Timestamp(after)
    if zone is not None:
        last = local_midnight(after, zone).tz_convert("UTC").tz_localize(None)
    return np.r_[starts[1:], np.datetime64(last.as_unit("ns"))]


def from_cf(dataset: xr.Dataset) -> xr.Dataset:
    """A projection's, comparison's or sweep's Dataset read back from the NetCDF file
    :func:`cf_dataset` made of it (``xr.open_dataset``), as it was before: without the time
    bounds, each unit in its table text, and ``time`` the local wall clock again at daily and
    coarser resolutions (the service renders its stored results from it). A file written
    before bounds and UTC times is returned as it is."""
    restored = dataset.drop_vars(
        [
            f"{name}_bnds"
            for name in (*TIME_AXES, *TIME_AXES.values(), "month", MONTH_UTC, YEAR_START, YEAR_UTC)
            if f"{name}_bnds" in dataset.variables
        ]
        + [name for name in (MONTH_UTC, YEAR_START, YEAR_UTC) if name in dataset.variables]
    )
    if "month_bnds" in dataset.variables:
        # The calendar months again: the file's first is the period's first day.
        months = numpy_values(restored["month"]).astype("datetime64[M]").astype("datetime64[ns]")
        restored = restored.assign_coords(month=("month", months, dict(MONTH_ATTRIBUTES)))
    if f"{YEAR_START}_bnds" in dataset.variables:
        restored["year"].attrs = {
            key: value for key, value in restored["year"].attrs.items() if key != "long_name"
        }
    for name, variable in restored.variables.items():
        if name in TIME_AXES.values() and "bounds" in variable.attrs:
            variable.attrs = {k: v for k, v in variable.attrs.items() if k != "bounds"}
        if UNITS_LABEL_ATTRIBUTE in variable.attrs:
            attrs = dict(variable.attrs)
            attrs["units"] = attrs.pop(UNITS_LABEL_ATTRIBUTE)
            variable.attrs = attrs
    zone, resolution = restored.attrs.get("timezone"), restored.attrs.get("resolution")
    one_zone = "time" in restored.dims and restored["time_utc"].dims == ("time",)
    if one_zone and zone is not None and resolution is not None:
        wall = "time_utc" if resolution == "hourly" else "local_time"
        attrs = time_attributes(str(zone), str(resolution))
        restored = restored.assign_coords(time=("time", numpy_values(restored[wall]), attrs))
    return restored


def write_netcdf(dataset: xr.Dataset, path: Path, *, inputs: Mapping | None = None) -> Path:
    """Write the Dataset as NetCDF-4 (h5netcdf engine) with its CF attributes
    (:func:`cf_dataset`), ``inputs``, where given, in its global attribute
    :data:`INPUTS_ATTRIBUTE` (:func:`with_inputs`)."""
    dataset = cf_dataset(dataset)
    if inputs is not None:
        dataset = with_inputs(dataset, inputs)
    atomic_write(path, lambda tmp: write_h5netcdf(dataset, tmp))
    return Path(path)


def write_h5netcdf(dataset: xr.Dataset, target: Any, *, lock: Any = HDF5_LOCK) -> None:
    """Write ``dataset`` (CF-encoded: :func:`cf_dataset`) as NetCDF-4 with h5netcdf to a path
    or a buffer, through xarray's own store and encoding (``Dataset.dump_to_store``): the bytes
    ``to_netcdf(engine="h5netcdf")`` writes, without its question to Dask for the scheduler in
    use, which imports ``dask.distributed`` (0.8 s) to pick a write lock; ``lock`` is
    xarray's process-wide HDF5 lock unless given."""
    store = H5NetCDFStore.open(target, mode="w", lock=lock)
    try:
        dataset.dump_to_store(store)
    finally:
        store.close()


def write(
    dataset: xr.Dataset,
    path: Path,
    *,
    file_format: str | None = None,
    inputs: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Write ``dataset`` in ``file_format`` (default: from the suffix, see
    :func:`file_format_of`); a CSV's ``.meta.json``, a Parquet file's metadata and a NetCDF
    file's attribute :data:`INPUTS_ATTRIBUTE` carry ``inputs``, the scenario's input table
    (:func:`forecast.report.inputs.input_table`), where given, so that a Parquet or NetCDF file
    handed on alone, or a CSV with its ``.meta.json``, says where its figures come from."""
    chosen = file_format_of(path, file_format)
    writer = {"netcdf": write_netcdf, "parquet": write_parquet, "csv": write_csv}[chosen]
    return writer(dataset, path, inputs=inputs)


#: Dimensions a row of the per-year table is keyed by, before the year: the scenario of a
#: comparison, the variant of a sweep.
YEAR_TABLE_KEYS = ("scenario", "variant")
#: Units whose figures lead the per-year table, in this order.
YEAR_TABLE_UNITS_FIRST = ("TWh", "GW", "%")


#: Month-indexed figures the per-year table holds at each year's end (its last month in the
#: period): the grid connections and the hosting shortfall, a planner's first question, which
#: the table left out for their month dimension.
YEAR_END_VARIABLES = (
    "grid_limit_mw_by_region",
    "grid_requested_mw_by_region",
    "grid_connected_mw_by_region",
    "grid_delayed_mw_by_region",
    "grid_stranded_mw_by_region",
    "waiting_accelerators",
    "waiting_accelerators_by_region",
    "waiting_nameplate_mw",
    "waiting_nameplate_mw_by_region",
)
#: The words a year-end figure's column carries after its region.
YEAR_END = "end of year"


def _year_column(
    name: str, units: str, region: str | None, level: float | None, *, year_end: bool = False
) -> str:
    """``ai_energy_twh P50 [TWh]``, ``grid_delayed_mw_by_region capital end of year mean
    [MW]``."""
    base = name.removesuffix("_mean")
    place = f" {region}" if region is not None else ""
    place += f" {YEAR_END}" if year_end else ""
    statistic = "mean" if level is None else f"P{round(level * 100, 4):g}"
    return f"{base}{place} {statistic} [{units}]"


def year_end_months(dataset: xr.Dataset) -> np.ndarray:
    """Each year's last month in the period (December, or the period's last month), one per
    ``year``."""
    months = pd.DatetimeIndex(numpy_values(dataset["month"]))
    return np.array(
        [
            months[months.year == int(year)][-1].to_datetime64()
            for year in numpy_values(dataset["year"])
        ]
    )


def _year_end_figure(name: str) -> bool:
    """Whether ``name`` (a figure, its mean, a comparison's difference) is held at year ends."""
    return name.removesuffix("_mean").removesuffix("_difference") in YEAR_END_VARIABLES


def year_table(dataset: xr.Dataset) -> pd.DataFrame:
    """Every per-year figure, one row per year (per scenario or variant, then year) and one
    column per variable, region and quantile or mean, the unit in the column's name: the table
    a spreadsheet reads without pivoting the tidy one (``--summary``). The grid connections and
    the hosting shortfall (:data:`YEAR_END_VARIABLES`, monthly) are there at each year's end,
    ``end of year`` in their columns' names."""
    keys = [d for d in YEAR_TABLE_KEYS if d in dataset.dims]
    allowed = {*keys, "year", "quantile", "region"}
    index = pd.MultiIndex.from_product(
        [[*numpy_values(dataset[k])] for k in keys]
        + [[int(y) for y in numpy_values(dataset["year"])]],
        names=[*keys, "year"],
    )
    declared = {name: position for position, name in enumerate(BY_NAME)}

    def order(name) -> tuple[int, int, bool, bool]:
        # Energies, then peaks, then shares, then the rest (waits, capacities), each in the
        # order forecast.outputs declares them; a mean after its quantiles, a comparison's
        # difference after the figure itself.
        text = str(name)
        difference = text.removesuffix("_mean").endswith("_difference")
        base = text.removesuffix("_mean").removesuffix("_difference")
        unit = (
            YEAR_TABLE_UNITS_FIRST.index(units)
            if (units := dataset[name].attrs.get("units")) in YEAR_TABLE_UNITS_FIRST
            else len(YEAR_TABLE_UNITS_FIRST)
        )
        return unit, declared.get(base, len(declared)), difference, text.endswith("_mean")

    columns: dict[str, np.ndarray] = {}
    ends = year_end_months(dataset) if "month" in dataset.dims else None
    for name in sorted(dataset.data_vars, key=order):
        variable = dataset[name]
        # A figure held at year ends, and a comparison's difference of it (kept per year).
        year_end = _year_end_figure(str(name))
        if year_end and "month" in variable.dims:
            variable = (
                variable.sel(month=ends).rename(month="year").assign_coords(year=dataset["year"])
            )
        if "year" not in variable.dims or not set(variable.dims) <= allowed:
            continue
        regions = [*numpy_values(dataset["region"])] if "region" in variable.dims else [None]
        levels = [*numpy_values(dataset["quantile"])] if "quantile" in variable.dims else [None]
        for region in regions:
            for level in levels:
                where = {
                    **({"region": region} if region is not None else {}),
                    **({"quantile": level} if level is not None else {}),
                }
                values = numpy_values(variable.sel(where).transpose(*keys, "year")).reshape(-1)
                label = _year_column(
                    str(name), variable.attrs["units"], region, level, year_end=year_end
                )
                columns[label] = values
    frame = pd.DataFrame(columns, index=index).reset_index()
    if "variant" in keys:
        # A sweep's row says the values its variant sets (the coordinates along variant).
        varied = [
            str(name)
            for name, coordinate in dataset.coords.items()
            if coordinate.dims == ("variant",) and name != "variant"
        ]
        positions = (
            frame["variant"]
            .map({int(v): position for position, v in enumerate(numpy_values(dataset["variant"]))})
            .to_numpy()
        )
        for offset, name in enumerate(varied, start=1):
            frame.insert(offset, name, numpy_values(dataset[name])[positions])
    return frame


def write_year_table(dataset: xr.Dataset, path: Path) -> Path:
    """Write :func:`year_table` as CSV (atomically), with a ``.meta.json`` holding the
    provenance attributes and the columns."""
    frame = year_table(dataset)
    metadata = {"attrs": provenance_attrs(dataset), "columns": list(frame.columns)}
    return write_table(frame, path, "csv", metadata)


def _drivers(dataset: xr.Dataset, name: str = "spread_driver_rank_correlation") -> dict[str, float]:
    """Input -> rank correlation, leaving out the inputs held fixed (NaN), as the API does."""
    if name not in dataset:
        return {}
    variable = dataset[name]
    labels = numpy_values(variable[variable.dims[0]])
    return {
        str(k): float(v)
        for k, v in zip(labels, numpy_values(variable), strict=True)
        if np.isfinite(v)
    }


def spread_driver_tables(dataset: xr.Dataset) -> list[dict]:
    """Every spread-driver table of a projection, one per headline output and year (the
    variables ``<output>_rank_correlation``, dims input and year): ``output``, ``year``,
    ``variable``, ``draws``, ``noise_threshold`` (|rho| below it is not told apart from 0),
    ``rank_correlation`` (input -> rho) and ``fixed`` (inputs held fixed: no correlation).

    Each variable's values are read once and indexed by position, not with a ``.sel`` per year
    (36 in kr-outlook's file, more than a second; speed review, 2026-12)."""
    tables = []
    for name, variable in dataset.data_vars.items():
        if "year" not in variable.dims or not any(d in variable.dims for d in _DRIVER_DIMS):
            continue
        dim = next(str(d) for d in variable.dims if d in _DRIVER_DIMS)
        labels = [str(label) for label in numpy_values(dataset[dim])]
        by_year = numpy_values(variable.transpose("year", dim))  # [year, input]
        for year, values in zip(numpy_values(dataset["year"]), by_year, strict=True):
            tables.append(
                {
                    "output": variable.attrs.get("output", str(name)),
                    "year": int(year),
                    "variable": str(name),
                    "draws": _jsonable(dataset.attrs.get("draws")),
                    "noise_threshold": variable.attrs.get("noise_threshold"),
                    "rank_correlation": {
                        label: float(value)
                        for label, value in zip(labels, values, strict=True)
                        if np.isfinite(value)
                    },
                    "fixed": [
                        label
                        for label, value in zip(labels, values, strict=True)
                        if not np.isfinite(value)
                    ],
                }
            )
    return tables


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    return value
