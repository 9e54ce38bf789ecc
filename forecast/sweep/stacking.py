"""Projections stacked along a new axis with NumPy: what ``xr.concat`` gives them, without it.

A comparison stacks its scenarios' Datasets along ``scenario`` with an outer join on every
index (regions, spread-driver inputs, sites: the union), as ``xr.concat(..., data_vars="all",
coords="different", compat="equals", join="outer", combine_attrs="drop_conflicts")`` does.
xarray asks some 250 times there whether values are a dask array, which imports dask (and
with it scipy, about 0.35 s of CPU) in a process that never computes on Dask. :func:`stack`
gives the same Dataset (``identical``, the variables in the same order, with their encodings)
from the NumPy arrays: each index the union of the Datasets' in pandas' order (the first's
where all are equal), a value a Dataset lacks NaN (NaT, or None's NaN in text) in the dtype
xarray promotes to, each variable's attributes those its Datasets agree on.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import xarray as xr
from xarray.indexes import PandasIndex

from forecast.engine.dataset import numpy_variable
from forecast.outputs import numpy_values


class _Aligned(NamedTuple):
    """A Dataset's variables on the joined indexes (:func:`_aligned`), in the order xarray's
    alignment gives them, and the names of its coordinates."""

    variables: dict[Hashable, xr.Variable]
    coords: set[Hashable]


def stack(
    datasets: Sequence[xr.Dataset],
    dim: xr.Variable,
    *,
    orders: Mapping[str, Sequence[str]] | None = None,
) -> xr.Dataset:
    """The ``datasets`` stacked along the new dimension ``dim`` (its labels, one a Dataset),
    as ``xr.concat`` with an outer join stacks them (the module's docstring); ``orders``: an
    index's labels in the order given, not the union's (as where each Dataset was reindexed to
    them first: :func:`forecast.sweep.sites.common_sites` and the sites)."""
    joined: dict[Hashable, xr.Variable] = {
        name: _joined_index(datasets, name, (orders or {}).get(str(name)))
        for name in datasets[0].xindexes
    }
    reindexing = any(joined[name] is not datasets[0].variables[name] for name in joined)
    aligned = [_aligned(dataset, joined, reindexing=reindexing) for dataset in datasets]
    names = dict.fromkeys(name for each in aligned for name in each.variables)
    coordinates = {name for each in aligned for name in each.coords}
    data_vars: dict[Hashable, xr.Variable] = {}
    coords: dict[Hashable, xr.Variable] = {}
    for name in names:
        present = [each.variables.get(name) for each in aligned]
        first = present[0]
        if name in coordinates and first is not None and _all_equal(first, present):
            coords[name] = first  # an index, or a coordinate every Dataset has alike
        else:
            stacked = _stacked(present, str(dim.dims[0]))
            (coords if name in coordinates else data_vars)[name] = stacked
    coords[dim.dims[0]] = dim
    result = xr.Dataset(data_vars, coords=coords)
    result.attrs = _agreed_attributes([dataset.attrs for dataset in datasets])
    result.encoding = dict(datasets[0].encoding)
    return result


def label_coordinate(name: str, labels: np.ndarray) -> xr.Variable:
    """The dimension coordinate ``name`` of ``labels``, their dtype kept (``<U11``), built
    without the dask check a Variable off its fast path makes."""
    return PandasIndex(pd.Index(labels), name, coord_dtype=labels.dtype).create_variables()[name]


def _joined_index(
    datasets: Sequence[xr.Dataset], name: Hashable, order: Sequence[str] | None
) -> xr.Variable:
    """The stack's coordinate of the index ``name``: the first Dataset's where every index
    equals it (or, with an ``order``, where the first's holds those labels in that order),
    else the union of all in pandas' order (``Index.union`` taken in turn, as xarray's outer
    join takes it) or the ``order``, with the first's attributes."""
    indexes = [dataset.indexes[name] for dataset in datasets]
    first = datasets[0].variables[name]
    if order is None:
        if all(index.equals(indexes[0]) for index in indexes[1:]):
            return first
        labels = functools.reduce(pd.Index.union, indexes)
        dtype = np.result_type(*(dataset.variables[name].dtype for dataset in datasets))
    else:
        given = np.asarray(order)
        labels, dtype = pd.Index(given), given.dtype
        if indexes[0].equals(labels):
            return first
    variable = PandasIndex(labels, name, coord_dtype=dtype).create_variables()[name]
    variable.attrs, variable.encoding = dict(first.attrs), dict(first.encoding)
    return variable


def _aligned(
    dataset: xr.Dataset, joined: dict[Hashable, xr.Variable], *, reindexing: bool
) -> _Aligned:
    """``dataset``'s variables on the ``joined`` indexes: taken by position, a label it lacks
    filled as xarray's reindex fills it (:func:`_taken`); its indexes first where any index
    is reindexed, as xarray lists them then."""
    positions = {
        name: dataset.indexes[name].get_indexer(pd.Index(numpy_values(variable)))
        for name, variable in joined.items()
        if variable is not dataset.variables[name]
    }
    variables = dict(joined) if reindexing else {}
    for name, variable in dataset.variables.items():
        if name in joined:
            variables[name] = joined[name]
            continue
        for axis, along in enumerate(variable.dims):
            if along in positions:
                variable = _taken(variable, axis, positions[along])
        variables[name] = variable
    return _Aligned(variables, set(dataset.coords))


def _taken(variable: xr.Variable, axis: int, positions: np.ndarray) -> xr.Variable:
    """``variable`` at ``positions`` along ``axis``; -1, a label it lacks, filled with its
    dtype's missing value in the dtype xarray promotes it to (int to float, text to object)."""
    values = numpy_values(variable)
    missing = positions < 0
    if not missing.any():
        return _like(variable, np.take(values, positions, axis=axis))
    dtype, fill = _promoted(values.dtype)
    taken = np.take(values, np.where(missing, 0, positions), axis=axis).astype(dtype)
    shape = [1] * values.ndim
    shape[axis] = missing.size
    taken[np.broadcast_to(missing.reshape(shape), taken.shape)] = fill
    return _like(variable, taken)


def _promoted(dtype: np.dtype) -> tuple[np.dtype, Any]:
    """The dtype that holds ``dtype``'s values and a missing one, and that missing value, by
    the rule xarray's outer join and reindex fill with (pandas' own, then NumPy's promotion
    with the fill): floats and complex numbers keep their dtype with NaN, instants and
    durations theirs with NaT, integers become floats (float32 up to 16 bits, else float64)
    with NaN, booleans float64 with NaN, anything else (text) object with NaN."""
    if dtype.kind in "fc":
        return dtype, np.nan if dtype.kind == "f" else complex(np.nan, np.nan)
    if dtype.kind in "mM":
        return dtype, dtype.type("NaT", np.datetime_data(dtype)[0])
    if dtype.kind in "iu":
        return np.dtype(np.float32 if dtype.itemsize <= 2 else np.float64), np.nan
    if dtype.kind == "b":
        return np.dtype(np.float64), np.nan
    return np.dtype(object), np.nan


def _result_type(dtypes: Sequence[np.dtype]) -> np.dtype:
    """The dtype values of ``dtypes`` stack to, as xarray promotes them: NumPy's
    (``np.result_type``; text as wide as the widest), but object where NumPy would turn
    numbers or booleans into text, or bytes into str."""
    kinds = {dtype.kind for dtype in dtypes}
    if kinds & set("SU") and (kinds & set("biufc") or {"S", "U"} <= kinds):
        return np.dtype(object)
    return np.result_type(*dtypes)


def _like(variable: xr.Variable, values: np.ndarray) -> xr.Variable:
    """``values`` with ``variable``'s dimensions, attributes and encoding."""
    made = numpy_variable(variable.dims, values, dict(variable.attrs))
    made.encoding = dict(variable.encoding)
    return made


def _all_equal(first: xr.Variable, present: list[xr.Variable | None]) -> bool:
    """Whether every Dataset has the variable, with ``first``'s dimensions and values (NaN
    equal to NaN), as xarray's ``Variable.equals``."""
    return all(
        variable is not None
        and (
            variable is first
            or (
                variable.dims == first.dims
                and _values_equal(numpy_values(first), numpy_values(variable))
            )
        )
        for variable in present
    )


def _values_equal(first: np.ndarray, other: np.ndarray) -> bool:
    """Equal shapes and values, NaN (NaT) equal to NaN."""
    if first.shape != other.shape:
        return False
    missing = pd.isna(first)
    return bool((missing == pd.isna(other)).all() and (first[~missing] == other[~missing]).all())


def _stacked(present: list[xr.Variable | None], dim: str) -> xr.Variable:
    """One variable along ``dim`` from each Dataset's (None where it lacks it: filled with
    the missing value), every one on the union of their dimensions in order of appearance."""
    found = [variable for variable in present if variable is not None]
    dims = tuple(dict.fromkeys(d for variable in found for d in variable.dims))
    sizes = {d: n for variable in found for d, n in zip(variable.dims, variable.shape, strict=True)}
    shape = tuple(sizes[d] for d in dims)
    dtype = _result_type([variable.dtype for variable in found])
    fill = None
    if len(found) < len(present):
        dtype, fill = _promoted(dtype)
    values = np.empty((len(present), *shape), dtype=dtype)
    for row, variable in enumerate(present):
        if variable is None:
            values[row] = fill
            continue
        order = [variable.dims.index(d) for d in dims if d in variable.dims]
        expanded = np.transpose(numpy_values(variable), order)
        expanded = expanded.reshape([sizes[d] if d in variable.dims else 1 for d in dims])
        values[row] = np.broadcast_to(expanded, shape)
    first = found[0]
    made = numpy_variable(
        (dim, *dims), values, _agreed_attributes([variable.attrs for variable in found])
    )
    made.encoding = dict(first.encoding)
    return made


def _agreed_attributes(every: Sequence[dict]) -> dict:
    """The attributes that no two of ``every`` give different values (xarray's
    ``combine_attrs="drop_conflicts"``), in the order first given."""
    agreed: dict = {}
    dropped: set = set()
    for attrs in every:
        for key, value in attrs.items():
            if key in dropped:
                continue
            if key in agreed and not _same(agreed[key], value):
                del agreed[key]
                dropped.add(key)
            elif key not in agreed:
                agreed[key] = value
    return agreed


def _same(first: Any, other: Any) -> bool:
    """Whether two attribute values are equal, arrays element by element."""
    if isinstance(first, np.ndarray) or isinstance(other, np.ndarray):
        return bool(np.array_equal(np.asarray(first), np.asarray(other)))
    return bool(first == other)
