"""A comparison's stack built with NumPy (:func:`forecast.sweep.stacking.stack`) is the one
``xr.concat`` built with its outer join, which imported dask: the same Dataset, its variables
in the same order with the same dtypes, attributes and encodings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from forecast.projection import ProjectionOptions
from forecast.scenario import load_scenario
from forecast.sweep import compare as comparisons
from forecast.sweep import stacking
from forecast.sweep.sites import common_sites, with_site_coordinates, without_site_coordinates

#: Shipped scenarios whose stack joins indexes: different sites and load sites (one without
#: any), spread-driver inputs, non-AI loads (``dc_input``), flexibility's month x hour tables
#: in one only; different regions and time zones.
GROUPS = {
    "sites-and-none": (["global-iea-2025", "kr-national", "kr-outlook-flex"], "annual"),
    "regions-and-zones": (["kr-national", "au-nsw-ai-dc"], "monthly"),
}


def _concatenated(scenarios, datasets) -> xr.Dataset:
    """The comparison as :func:`forecast.sweep.compare.combine` stacked it with ``xr.concat``
    until 2026-12-07."""
    trimmed = [
        dataset.drop_vars([n for n in dataset.data_vars if str(n).endswith("_per_draw")])
        for dataset in datasets
    ]
    trimmed = [d.drop_vars([c for c in ("draw", "draw_weather_year") if c in d]) for d in trimmed]
    trimmed, sites = common_sites(trimmed)
    trimmed, load_sites = without_site_coordinates(trimmed, "load_site")
    stacked = xr.concat(
        comparisons._with_every_dimension(trimmed),
        dim=xr.IndexVariable("scenario", np.array([s.id for s in scenarios], dtype=str)),
        data_vars="all",
        coords="different",
        compat="equals",
        join="outer",
        combine_attrs="drop_conflicts",
    )
    stacked = with_site_coordinates(stacked, "site", sites)
    return with_site_coordinates(stacked, "load_site", load_sites)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_numpy_stack_is_xarray_concat(group):
    """Every variable as ``xr.concat`` gave it (values, NaN where a scenario lacks a label or
    a variable, dtypes promoted as xarray promotes them, attributes the scenarios agree on,
    encodings), in the same order, indexes of the same dtype and in pandas' union order."""
    ids, resolution = GROUPS[group]
    scenarios = [load_scenario(i) for i in ids]
    options = ProjectionOptions(
        draws=10, seed=3, start=dt.date(2030, 1, 1), end=dt.date(2031, 6, 30),
        resolution=resolution, include_baseline=False,
    )  # fmt: skip
    datasets = comparisons.project_scenarios(scenarios, options)
    combined = comparisons.combine(scenarios, datasets)
    expected = _concatenated(scenarios, datasets)
    for name in SCENARIO_COORDINATES:
        combined = combined.drop_vars(name)
    # combine's own: each scenario's caveats as a coordinate, the comparison's title, ...
    set_after = {"caveats", "seed", "title", "scenario_id", "comparison_reference",
                 "comparison_time_zones"}  # fmt: skip
    assert {k: v for k, v in combined.attrs.items() if k not in set_after} == {
        k: v for k, v in expected.attrs.items() if k not in set_after
    }
    combined.attrs = expected.attrs
    combined["scenario"].attrs = {}
    assert list(combined.variables) == list(expected.variables)
    assert combined.identical(expected)
    for name, variable in expected.variables.items():
        assert combined[name].dtype == variable.dtype, name
        assert combined[name].encoding == variable.encoding, name
    for name, index in expected.indexes.items():
        assert combined.indexes[name].dtype == index.dtype, name
        assert list(combined.indexes[name]) == list(index), name


#: What :func:`forecast.sweep.compare.combine` sets on the stack after it.
SCENARIO_COORDINATES = comparisons.SCENARIO_ATTRIBUTES


def _labelled(regions: list[str], **variables) -> xr.Dataset:
    """A Dataset on ``region`` (its labels) with the given variables' values."""
    return xr.Dataset(
        {name: ("region", np.asarray(values)) for name, values in variables.items()},
        coords={"region": regions},
    )


def test_the_stack_promotes_and_fills_as_xarray_concat():
    """Every promotion xarray's outer join and concat make, by NumPy's dtypes and the fill
    rule in :func:`forecast.sweep.stacking._promoted` (xarray's own, no longer imported from
    its private ``xarray.core.dtypes``): a label one Dataset lacks fills an int64 as float64
    NaN, an int16 as float32, a float32 stays float32, a bool becomes float64, text object,
    instants and durations NaT, complex numbers complex NaN; a variable one Dataset lacks is
    filled the same way; text beside numbers stacks as object, short text beside long (with
    no label missing) as the wider text."""
    times = np.array(["2030-01-01", "2030-02-01"], dtype="datetime64[ns]")
    first = _labelled(
        ["a", "b"], count=np.array([1, 2]), small=np.array([1, 2], dtype=np.int16),
        single=np.array([1.5, 2.5], dtype=np.float32), flag=[True, False], name=["x", "yy"],
        start=times, span=times - times[0], wave=np.array([1 + 2j, 3j]),
        label=["p", "q"], mixed=[1.0, 2.0], only=[1, 2],
    )  # fmt: skip
    second = _labelled(
        ["b", "c"], count=np.array([3, 4]), small=np.array([3, 4], dtype=np.int16),
        single=np.array([3.5, 4.5], dtype=np.float32), flag=[False, True], name=["zzz", "w"],
        start=times, span=times - times[0], wave=np.array([2j, 1 + 0j]),
        label=["longer text", "r"], mixed=["one", "two"],
    )  # fmt: skip
    first, second = first.assign(title="p"), second.assign(title="longer text")
    dim = stacking.label_coordinate("scenario", np.array(["s1", "s2"]))
    stacked = stacking.stack([first, second], dim)
    expected = xr.concat(
        [first, second], dim=xr.IndexVariable("scenario", np.array(["s1", "s2"])),
        data_vars="all", coords="different", compat="equals", join="outer",
        combine_attrs="drop_conflicts",
    )  # fmt: skip
    assert stacked.identical(expected)
    dtypes = {name: str(stacked[name].dtype) for name in stacked.variables}
    assert dtypes == {name: str(expected[name].dtype) for name in expected.variables}
    assert dtypes["count"] == "float64" and dtypes["small"] == "float32"
    assert dtypes["flag"] == "float64" and dtypes["name"] == dtypes["mixed"] == "object"
    assert dtypes["label"] == "object" and dtypes["only"] == "float64"
    assert dtypes["title"] == "<U11"
