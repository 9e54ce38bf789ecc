"""Scenarios side by side: one Dataset with a ``scenario`` dimension, and their differences.

:func:`compare` projects several scenarios over the same period with the same options and
seed. The engine names every random stream after the input it draws
(:mod:`forecast.engine.inputs`), so wherever the scenarios' inputs coincide (the baseline
model's level and daily noise, the weather year of each draw, the operating assumptions, a
site or deployment at the same place in the file under the same name) draw ``d`` of one
scenario sees the same numbers as draw ``d`` of the other: common random numbers, as in a
sweep (:mod:`forecast.sweep`). A difference between scenarios is then computed draw by draw
(``<name>_difference``: quantiles and mean over draws of ``X_s[d] - X_first[d]``), which
removes the noise the scenarios share: the difference of two identical scenarios is exactly 0
in every draw, where independent runs would show the full Monte Carlo spread of both.

Per-draw values come from the engine's per-year accumulators (``ProjectionOptions.per_draw``:
``<name>_per_draw``), not from quantiles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from forecast import kernels
from forecast.engine.dataset import numpy_coordinate, numpy_variable
from forecast.errors import OptionsError
from forecast.io import export
from forecast.outputs import (
    BY_NAME,
    DIFFERENCE_VARIABLES,
    REGIONS_NOTE,
    band_label,
    band_values,
    caveat_lines,
    column_unit,
    design_weather_year,
    difference_name,
    limited_regions,
    mean_name,
    non_ai_growth_note,
    numpy_values,
    partial_period_notes,
    per_draw_name,
    region_label,
    summary_cell,
    text_table,
    values_at,
)
from forecast.projection import ProjectionOptions, project
from forecast.scenario import Scenario
from forecast.sweep.regions import REGION_FIGURES, region_blocks
from forecast.sweep.sites import with_site_coordinates, without_site_coordinates
from forecast.sweep.stacking import label_coordinate, stack

if TYPE_CHECKING:
    from forecast.baseline.model import BaselineModel

#: Most scenarios one comparison projects.
MAX_SCENARIOS = 20
#: Column of the comparison's tidy table naming the scenario (first column).
SCENARIO_COLUMN = "scenario"
#: Attributes that differ between scenarios, kept as coordinates along ``scenario``.
SCENARIO_ATTRIBUTES = (
    "title", "scenario_sha256", "timezone", "hosting", "baseline_model", "flexibility",
    "caveats",
)  # fmt: skip
#: The printed summary's figures: variable, label, decimals.
SUMMARY_FIGURES = (
    ("ai_energy_twh", "AI energy [TWh]", 2),
    ("total_energy_twh", "total energy [TWh]", 1),
    ("ai_peak_gw", "AI peak [GW]", 2),
    ("total_peak_gw", "total peak [GW]", 2),
    ("ai_share_of_energy_pct", "AI share of energy [%]", 2),
    ("ai_at_national_peak_gw", "AI at the grid peak [GW]", 2),
    ("peak_change_gw", "change of the grid peak [GW]", 2),
    ("peak_change_gw_without_flexibility", "change of the grid peak without flexibility [GW]", 2),
    ("non_ai_energy_twh", "non-AI data-centre energy [TWh]", 2),
    ("dc_energy_twh", "all data-centre energy [TWh]", 2),
    ("dc_peak_gw", "data-centre peak [GW]", 2),
    ("flexibility_curtailed_twh", "AI energy curtailed by flexibility [TWh]", 4),
    # When flexibility is called, as `forecast project`'s flexibility table gives it.
    ("flexibility_shifted_twh", "AI energy shifted by flexibility [TWh]", 4),
    ("flexibility_hours_called", "hours flexibility is called [h]", 0),
    ("flexibility_events", "flexibility events (runs of consecutive hours called)", 0),
    ("flexibility_event_hours_max", "longest flexibility event [h]", 0),
)
_DIFFERENCE_SOURCES = {
    variable.name.removesuffix("_difference"): variable.name
    for variable in DIFFERENCE_VARIABLES
    if variable.name.endswith("_difference")
}

ProgressCallback = Callable[[int, int, int, int], None]


#: Resolutions at which scenarios of different time zones compare, each on its own local
#: calendar: a year or a month is each scenario's own, where an hour or a day would have to be
#: one instant for both (a procurement analyst could not compare a Korean campus with a NSW
#: one at all, report-proc M8).
CROSS_ZONE_RESOLUTIONS = ("annual", "monthly")


def check_scenarios(
    scenarios: Sequence[Scenario],
    *,
    resolution: str | None = None,
    arguments: Sequence[str] | None = None,
) -> None:
    """Refuse no scenario, too many, a repeated id, or differing time zones at a resolution
    (``resolution``; None: any) that needs shared instants (OptionsError): scenarios in
    different zones compare at :data:`CROSS_ZONE_RESOLUTIONS` only, each on its own local
    calendar. ``arguments`` are the scenarios as the command line named them (ids or files),
    which a repeated id's message names with its fix."""
    if not 1 <= len(scenarios) <= MAX_SCENARIOS:
        raise OptionsError(
            f"scenarios: {len(scenarios)} given; allowed: 1..{MAX_SCENARIOS} scenarios"
        )
    ids = [scenario.id for scenario in scenarios]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise OptionsError(_repeated_message(repeated, ids, arguments))
    zones = {scenario.timezone for scenario in scenarios}
    if len(zones) > 1 and resolution not in CROSS_ZONE_RESOLUTIONS:
        raise OptionsError(
            f"resolution = {resolution!r}: scenarios in time zones {', '.join(sorted(zones))} "
            f"compare at {' or '.join(CROSS_ZONE_RESOLUTIONS)} resolution only, each on its own "
            "local calendar (an hour or a day of one is not the same instant in the other)"
        )


def _repeated_message(
    repeated: Sequence[str], ids: Sequence[str], arguments: Sequence[str] | None
) -> str:
    """``scenarios: <id> given twice``, with the arguments that gave it and, for a file whose
    id is not its name (a variant that copied or inherited its base's id), the fix."""
    if arguments is None or len(arguments) != len(ids):
        return f"scenarios: {', '.join(repeated)} given twice; give each once"
    given = list(zip(arguments, ids, strict=True))
    named = "; ".join(
        f"{scenario_id} ({', '.join(argument for argument, i in given if i == scenario_id)})"
        for scenario_id in repeated
    )
    fixes = [
        f"give {Path(argument).name} its own id (id = {Path(argument).stem!r})"
        for argument, scenario_id in given
        if scenario_id in repeated
        and (argument.endswith(".toml") or "/" in argument)
        and Path(argument).stem != scenario_id
    ]
    return f"scenarios: {named} given twice; " + ("; ".join(fixes) or "give each once")


def time_zones_note(scenarios: Sequence[Scenario]) -> str:
    """Where the scenarios' time zones differ, what their years and months are: each
    scenario's own local calendar (empty where they share one zone)."""
    zones = {scenario.id: scenario.timezone for scenario in scenarios}
    if len(set(zones.values())) < 2:
        return ""
    each = ", ".join(f"{label} {zone}" for label, zone in zones.items())
    return (
        f"time zones differ ({each}): each scenario's years and months are its own local "
        "calendar's, not the same instants; its differences from the first are of those figures"
    )


def _differences(datasets: list[xr.Dataset], probabilities: np.ndarray) -> list[dict]:
    """Per scenario, the quantiles and mean over draws of each national per-year variable,
    and each regional one of :data:`forecast.outputs.REGIONAL_DIFFERENCES` (where the two
    scenarios have the same regions), minus the first scenario's, draw by draw."""
    first = datasets[0]
    result = []
    for dataset in datasets:
        data = {}
        for source, name in _DIFFERENCE_SOURCES.items():
            kept = per_draw_name(source)
            if kept not in dataset or kept not in first:
                continue
            if "region" in dataset[kept].dims and not np.array_equal(
                numpy_values(dataset["region"]), numpy_values(first["region"])
            ):
                continue  # no region-by-region difference between different regions
            # [draw, (region,) year] -> quantiles over draws, entry by entry.
            places, values = _draw_differences(dataset[kept], first[kept])
            flat = np.ascontiguousarray(values.reshape(values.shape[0], -1))
            out = np.empty((probabilities.size, flat.shape[1]))
            kernels.quantiles_over_draws(flat, probabilities, out)
            attrs = {"units": BY_NAME[name].units, "description": BY_NAME[name].description}
            data[name] = numpy_variable(
                (*places, "quantile"),
                np.moveaxis(out.reshape(-1, *values.shape[1:]), 0, -1),
                attrs,
            )
            mean = mean_name(name)
            data[mean] = numpy_variable(
                tuple(places),
                values.mean(axis=0),
                {"units": BY_NAME[mean].units, "description": BY_NAME[mean].description},
            )
        result.append(data)
    return result


def _draw_differences(
    values: xr.DataArray, reference: xr.DataArray
) -> tuple[list[str], np.ndarray]:
    """``values - reference`` draw by draw, ``draw`` first: the other dimensions' names and
    the NumPy array, subtracted by position. Their indexes are equal: every scenario of
    :func:`project_scenarios` is projected with the same draws over the same period (so the
    same ``draw`` and ``year``), and :func:`_differences` leaves out a regional variable
    where the regions differ. (An xarray subtraction, aligning labels, was kept for unequal
    indexes that cannot occur; it asked whether the values are a dask array, which imports
    dask.)"""

    def equal(dim: Hashable) -> bool:
        index, other = values.indexes.get(dim), reference.indexes.get(dim)
        if index is None or other is None:
            return index is other and values.sizes[dim] == reference.sizes[dim]
        return bool(index.equals(other))

    assert values.dims == reference.dims and all(map(equal, values.dims)), values.name
    places = [str(dim) for dim in values.dims if dim != "draw"]
    difference = numpy_values(values) - numpy_values(reference)
    return places, np.moveaxis(difference, values.dims.index("draw"), 0)


def project_scenarios(
    scenarios: Sequence[Scenario],
    options: ProjectionOptions | None = None,
    *,
    common_random_numbers: bool = True,
    progress: ProgressCallback | None = None,
    baselines: Sequence[BaselineModel | None] | None = None,
) -> list[xr.Dataset]:
    """Each scenario's projection over one period with one set of options, every draw's
    per-year values kept (``per_draw``) and the ``<name>_difference`` variables added.

    Parameters and errors as :func:`compare`, which stacks what this returns, and:

    baselines : sequence of BaselineModel or None, optional
        Each scenario's baseline model, already loaded (the service passes the ones it
        serves, so that a comparison keeps the versions it started with); None for a scenario
        projected without a baseline. Default: each loads its own, as :func:`project` does.
    """
    check_scenarios(scenarios, resolution=(options or ProjectionOptions()).resolution)
    if baselines is not None and len(baselines) != len(scenarios):
        raise OptionsError(
            f"baselines: {len(baselines)} given for {len(scenarios)} scenarios; give one each"
        )
    base = options or ProjectionOptions()
    base = dataclasses.replace(
        base,
        start=base.start or scenarios[0].horizon.start,
        end=base.end or scenarios[0].horizon.end,
        per_draw=True,
    )
    validated = [base.validated(scenario) for scenario in scenarios]
    datasets = []
    for index, (scenario, chosen) in enumerate(zip(scenarios, validated, strict=True)):
        seed = chosen.seed if common_random_numbers else chosen.seed + index
        if seed >= 2**63:
            raise OptionsError(f"seed = {chosen.seed}: too large for {len(scenarios)} seeds")

        def report(done: int, total: int, index: int = index) -> None:
            if progress is not None:
                progress(index, len(scenarios), done, total)

        chosen = dataclasses.replace(chosen, seed=seed)
        model = None
        if baselines is not None:
            model = baselines[index]
            include = chosen.include_baseline and model is not None
            chosen = dataclasses.replace(chosen, include_baseline=include)
        datasets.append(project(scenario, chosen, progress=report, baseline=model))
    probabilities = np.asarray(validated[0].quantiles, dtype=np.float64)
    moved = moved_entries(scenarios) if common_random_numbers else ""
    for dataset, differences in zip(datasets, _differences(datasets, probabilities), strict=True):
        dataset.update(differences)
        dataset.attrs["comparison_random_numbers"] = _random_numbers(common_random_numbers)
        if moved:
            dataset.attrs["comparison_moved_entries"] = moved
        if any(len(scenario.regions) > 1 for scenario in scenarios):
            dataset.attrs["comparison_regions_note"] = REGIONS_NOTE
    return datasets


#: The lists whose entries draw their own random numbers, named by position and name.
_NAMED_LISTS = {"sites": "site", "deployments": "deployment", "non_ai_loads": "non-AI load"}


def moved_entries(scenarios: Sequence[Scenario]) -> str:
    """Entries (sites, deployments, non-AI loads) that two scenarios share by name but hold at
    different positions: each draws its random numbers by position and name, so such an entry
    draws different numbers in the two, and their draw-by-draw difference holds sampling noise
    (a campus listed first moved every other site's draws). Empty where there is none.

    Returns
    -------
    str
        ``site 'X' (entry 3 in a, 5 in b); ...``, entries counted from 1; past four, the first
        three and how many more.
    """
    found: dict[tuple[str, str, int], dict[str, int]] = {}
    for scenario in scenarios:
        for field, kind in _NAMED_LISTS.items():
            seen: dict[str, int] = {}
            for position, entry in enumerate(getattr(scenario, field)):
                # The n-th entry of a name given several times is the n-th in the other.
                seen[entry.name] = seen.get(entry.name, 0) + 1
                key = (kind, entry.name, seen[entry.name])
                found.setdefault(key, {})[scenario.id] = position
    moved = [
        f"{kind} {name!r} (entry " + ", ".join(f"{p + 1} in {s}" for s, p in places.items()) + ")"
        for (kind, name, _), places in found.items()
        if len(places) > 1 and len(set(places.values())) > 1
    ]
    if len(moved) > 4:
        moved = [*moved[:3], f"and {len(moved) - 3} more"]
    return "; ".join(moved)


def _random_numbers(common: bool) -> str:
    if common:
        return "common: every scenario uses the same seed and named streams"
    return "independent: scenario i uses seed + i"


def compare(
    scenarios: Sequence[Scenario],
    options: ProjectionOptions | None = None,
    *,
    common_random_numbers: bool = True,
    keep_per_draw: bool = False,
    progress: ProgressCallback | None = None,
) -> xr.Dataset:
    """Project ``scenarios`` with the same options; one Dataset along ``scenario``.

    Parameters
    ----------
    scenarios : sequence of Scenario
        1..:data:`MAX_SCENARIOS` validated scenarios with distinct ids and one time zone; the
        first is the reference of the differences.
    options : ProjectionOptions, optional
        Draws, seed, period, resolution, quantiles, weather, baseline and duration curves, for
        every scenario. Without a period, the first scenario's horizon.
    common_random_numbers : bool
        True (the default): every scenario runs with the same seed, so draw ``d`` shares the
        inputs the scenarios have in common. False: scenario ``i`` runs with ``seed + i``
        (independent runs, for measuring what common random numbers save).
    keep_per_draw : bool
        Keep every draw's per-year values (``<name>_per_draw``) in the result.
    progress : callable, optional
        Called as ``progress(scenario_index, n_scenarios, hours_done, hours_total)``.

    Returns
    -------
    xarray.Dataset
        The projection variables with a leading ``scenario`` dimension (a variable a scenario
        does not have is NaN there; regions and spread-driver inputs are the union), the
        ``<name>_difference`` variables, and the scenarios' titles, digests, hosting readings,
        baseline models and flexibility as coordinates along ``scenario``.

    Raises
    ------
    OptionsError
        No scenario, too many, a repeated id, differing time zones, or a bad option.
    """
    datasets = project_scenarios(
        scenarios, options, common_random_numbers=common_random_numbers, progress=progress
    )
    return combine(scenarios, datasets, keep_per_draw=keep_per_draw)


def _with_every_dimension(datasets: list[xr.Dataset]) -> list[xr.Dataset]:
    """Each Dataset with every dimension coordinate that another one has, empty where it has
    none: a scenario without non-AI loads has no ``dc_input``, and stacking it after two that
    have one failed ("'dc_input' not present in all datasets"); the outer join then makes the
    missing table NaN, as for any variable a scenario lacks."""
    dimensions = {
        str(name): dataset[name].dtype
        for dataset in datasets
        for name in dataset.dims
        if name in dataset.coords
    }
    return [
        dataset.assign_coords(
            {
                name: numpy_coordinate(name, name, np.array([], dtype=dtype))
                for name, dtype in dimensions.items()
                if name not in dataset.dims
            }
        )
        for dataset in datasets
    ]


def combine(
    scenarios: Sequence[Scenario], datasets: Sequence[xr.Dataset], *, keep_per_draw: bool = False
) -> xr.Dataset:
    """Stack :func:`project_scenarios`' Datasets along ``scenario``."""
    labels = [scenario.id for scenario in scenarios]
    coordinates = {
        name: numpy_variable(
            ("scenario",), np.array([str(d.attrs.get(name, "")) for d in datasets], dtype=str)
        )
        for name in SCENARIO_ATTRIBUTES
    }
    trimmed = []
    for dataset in datasets:
        if not keep_per_draw:
            dataset = dataset.drop_vars(
                [n for n in dataset.data_vars if str(n).endswith("_per_draw")]
            )
            dataset = dataset.drop_vars(
                [c for c in ("draw", "draw_weather_year", "duration_draw") if c in dataset]
            )
        trimmed.append(dataset)
    trimmed, sites = without_site_coordinates(trimmed, "site")
    trimmed, load_sites = without_site_coordinates(trimmed, "load_site")
    trimmed = _with_every_dimension(trimmed)
    # xr.concat's outer join, from the NumPy arrays: xarray asks ~250 times there whether
    # values are a dask array, which imports dask (forecast.sweep.stacking).
    combined = stack(
        trimmed,
        label_coordinate("scenario", np.array(labels, dtype=str)),
        orders={"site": list(sites)},  # the sites in the order first found (common_sites)
    )
    combined = combined.assign_coords(coordinates)
    # Each scenario's own, in the coordinate: the attribute survived the stacking where one
    # scenario alone (or every one alike) gave caveats, and so read as every scenario's.
    combined.attrs.pop("caveats", None)
    combined = with_site_coordinates(combined, "site", sites)
    combined = with_site_coordinates(combined, "load_site", load_sites)
    combined["scenario"].attrs = {"description": "scenario id; the first is the reference"}
    combined.attrs |= {
        # Independent runs differ in seed (seed + i): the base seed, with the rule in
        # comparison_random_numbers, says which each used.
        "seed": datasets[0].attrs["seed"],
        "title": "Comparison of " + ", ".join(labels),
        "scenario_id": ",".join(labels),
        "comparison_reference": labels[0],
    }
    if note := time_zones_note(scenarios):
        combined.attrs["comparison_time_zones"] = note
    return combined


def tidy_compare_frame(dataset: xr.Dataset) -> pd.DataFrame:
    """The comparison as one tidy table: ``scenario``, then the columns of
    :func:`forecast.io.export.tidy_frame` (its id columns, where asked for, before
    ``scenario``: :func:`forecast.io.export.with_id_columns`); a variable a scenario does not
    have has no rows."""
    frames = []
    for position, label in enumerate(numpy_values(dataset["scenario"])):
        # Without its index: selecting from one makes a Variable off the fast path, whose
        # check imports dask.
        one = dataset.drop_indexes("scenario").isel(scenario=position)
        missing = [
            name
            for name, variable in one.data_vars.items()
            if variable.dtype.kind == "f" and bool(np.isnan(numpy_values(variable)).all())
        ]
        one = one.drop_vars(missing)
        if not any(export.tabled(variable) for variable in one.data_vars.values()):
            # A selection (--variables) of only what this scenario lacks: it has no rows (an
            # empty table of its own raised "No objects to concatenate").
            continue
        # Each scenario's own zone: the stack has none where the zones differ.
        one.attrs["timezone"] = str(one["timezone"].item())
        frame = export.tidy_frame(one)
        frame.insert(export.lead_column_position(one), SCENARIO_COLUMN, str(label))
        frames.append(frame)
    columns = export.table_columns(dataset)
    columns.insert(export.lead_column_position(dataset), SCENARIO_COLUMN)
    return export.with_integer_columns(
        pd.concat(frames, ignore_index=True).reindex(columns=columns)
    )


def write(
    dataset: xr.Dataset,
    path: Path,
    *,
    file_format: str | None = None,
    inputs: Mapping[str, dict[str, dict[str, str]]] | None = None,
) -> Path:
    """Write a comparison as a tidy table (CSV plus ``<path>.meta.json``, or Parquet) with a
    ``scenario`` column, or as NetCDF with the ``scenario`` dimension, atomically; ``inputs``,
    each scenario's input table by its id (:func:`forecast.report.inputs.input_table`), goes
    into the metadata's entry of that scenario, as ``forecast project``'s goes into its own (in
    NetCDF: the global attribute ``inputs``, JSON text by scenario id)."""
    chosen = export.file_format_of(path, file_format)
    if chosen == "netcdf":
        return export.write_netcdf(dataset, path, inputs=inputs)
    frame = tidy_compare_frame(dataset)
    metadata = comparison_table_metadata(dataset, frame.columns, inputs=inputs)
    return export.write_table(frame, path, chosen, metadata)


def summary_figures(dataset: xr.Dataset) -> list[tuple[str, str, int]]:
    """The :data:`SUMMARY_FIGURES` a comparison has (variable, label, decimals): shifted energy
    only where a scenario shifts (where all curtail it is 0 throughout, as `forecast project`
    leaves it out)."""
    modes = numpy_values(dataset["flexibility"]) if "flexibility" in dataset.coords else ()
    shifts = any(str(mode).startswith("shift") for mode in modes)
    return [
        (name, title, digits)
        for name, title, digits in SUMMARY_FIGURES
        if name in dataset and (shifts or name != "flexibility_shifted_twh")
    ]


def summary_text(dataset: xr.Dataset) -> str:
    """The side-by-side per-year summary of a comparison, as fixed-width text.

    One block per figure (:func:`summary_figures`): per year, each scenario's P50 [P10–P90]
    (mean) over draws, then each later scenario's difference from the first, computed draw by
    draw.
    """
    labels = [str(label) for label in numpy_values(dataset["scenario"])]
    reference, others = labels[0], labels[1:]
    attrs = dataset.attrs
    lines = [
        f"{len(labels)} scenarios, {attrs['draws']} draws each, seed {attrs['seed']}, "
        f"{attrs['period_start']}..{attrs['period_end']}; random numbers "
        f"{attrs['comparison_random_numbers'].split(':')[0]}"
        + (f"; weather {fixed}" if (fixed := design_weather_year(attrs)) else ""),
    ]
    if attrs.get("comparison_moved_entries"):
        lines.append(
            "note: these entries are shared but listed at different positions, so they draw "
            "different random numbers and their differences hold sampling noise: "
            f"{attrs['comparison_moved_entries']}; list shared entries in the base's order, add "
            "new ones after them, and keep a site you leave out with build_probability 0"
        )
    if attrs.get("comparison_regions_note"):
        lines.append(f"note: {attrs['comparison_regions_note']}")
    if attrs.get("comparison_time_zones"):
        lines.append(f"note: {attrs['comparison_time_zones']}")
    for i, label in enumerate(labels):
        baseline = str(numpy_values(dataset["baseline_model"])[i])
        if baseline == "none":
            baseline += " (no grid total, peak change or share: its data-centre load alone)"
        lines.append(f"  {label}: {numpy_values(dataset['hosting'])[i]}; baseline {baseline}")
    lines.append(
        f"Cells: {band_label(dataset)} over draws; 'minus' columns: the difference from "
        f"{reference}, draw by draw."
    )
    years = [{"year": int(year)} for year in numpy_values(dataset["year"])]
    for name, title, digits in summary_figures(dataset):
        # MW or GWh where every scenario's figure and difference is below 1 GW or TWh.
        shown, scale, shown_digits = column_unit(dataset, name, title, years, digits=digits)
        if difference_name(name) in dataset and scale != 1.0:
            shown, scale, shown_digits = column_unit(
                dataset, difference_name(name), title, years, digits=digits
            )
        title, digits = shown, shown_digits
        headers = [*labels, *(f"{label} minus {reference}" for label in others)]
        rows = []
        for year in numpy_values(dataset["year"]):
            cells = [
                summary_cell(dataset, name, digits, scale=scale, scenario=label, year=int(year))
                for label in labels
            ]
            cells += [
                summary_cell(dataset, difference_name(name), digits, scale=scale,
                             scenario=label, year=int(year))
                for label in others
            ]  # fmt: skip
            rows.append((str(year), cells))
        lines += ["", title, *text_table("year", headers, rows)]
    if partial := partial_period_notes(dataset):
        lines += ["", *partial]
    lines += region_blocks(dataset, labels)
    lines += _grid_blocks(dataset, labels)
    lines += caveat_lines(dataset)
    return "\n".join(lines)


def _quantile_text(levels: np.ndarray, values: np.ndarray, digits: int) -> str:
    """``P50 [P10–P90]`` of the ``values`` at the probability ``levels`` [1] (the band they
    hold: :func:`forecast.outputs.band_values`); ``never`` for inf, ``–`` for NaN."""
    return (
        band_values(levels, values, lambda v: "never" if np.isinf(v) else f"{v:,.{digits}f}") or "–"
    )


def _grid_blocks(dataset: xr.Dataset, labels: list[str]) -> list[str]:
    """Where a scenario has a grid connection limit: the capacity waiting for a connection
    (unless the "by region" blocks show it) and the built halls waiting at each year's end (by
    region, where several have a limit), and
    each site's wait for its whole grid capacity, scenario by scenario (not differences: they
    are monthly and per site, where the draw-by-draw differences are per year)."""
    lines: list[str] = []
    captions = {
        "grid_delayed_mw": "grid capacity waiting for a connection at the end of the year [MW] "
        "(requested minus connected, sites under a limit; – where a scenario has none)",
        "grid_stranded_mw": "built halls waiting for the grid at the end of the year [MW] (built "
        "minus connected, site by site; – where a scenario has none)",
    }
    months = pd.DatetimeIndex(dataset["month"].to_index())
    regions = limited_regions(dataset)
    for name, caption in captions.items():
        if name not in dataset or _shown_by_region(dataset, name):
            continue
        # Region by region where several regions have a limit (a capital region's queue and
        # the rest of the country's are different questions), else the grid's.
        columns = [
            (f"{label} {region_label(dataset, region)}" if region else label, label, region)
            for label in labels
            for region in (regions if len(regions) > 1 else [None])
        ]
        rows = []
        for year in numpy_values(dataset["year"]):
            end = months[months.year == year][-1]
            cells = [
                summary_cell(dataset, f"{name}_by_region", 0, scenario=label, month=end,
                             region=region)
                if region
                else summary_cell(dataset, name, 0, scenario=label, month=end)
                for _, label, region in columns
            ]  # fmt: skip
            rows.append((str(year), cells))
        lines += ["", caption, *text_table("year", [c[0] for c in columns], rows)]
    notes = [
        f"  {label}: {note}"
        for label in labels
        if (note := non_ai_growth_note(dataset, scenario=label))
    ]
    if notes:
        lines += ["", "note: a connection limit holds back the listed sites only", *notes]
    if "site_grid_wait_months" in dataset:
        lines += site_wait_lines(dataset, {label: {"scenario": label} for label in labels})
    return lines


def _shown_by_region(dataset: xr.Dataset, name: str) -> bool:
    """Whether :func:`forecast.sweep.regions.region_blocks` already prints ``name`` region by
    region (with the differences): the grid blocks leave it out, where it was shown twice (a
    planner read kr-outlook's delayed MW by region in two tables of one comparison); with one
    limited region of several, its queue is the grid's, shown there too."""
    by_region = f"{name}_by_region"
    return (
        dataset.sizes.get("region", 0) >= 2
        and by_region in dataset
        and any(figure == by_region for figure, _, _ in REGION_FIGURES)
    )


def limited_sites(dataset: xr.Dataset) -> list[str]:
    """The sites whose region has a connection limit (those of a Dataset without
    ``site_grid_limit`` all are): a site without one never waits, its wait is 0."""
    sites = [str(site) for site in numpy_values(dataset["site"])]
    if "site_grid_limit" not in dataset.coords:
        return sites
    limit = numpy_values(dataset["site_grid_limit"])
    return [site for site, kind in zip(sites, limit, strict=True) if str(kind) == "limited"]


def site_wait_lines(dataset: xr.Dataset, columns: dict[str, dict], prefix: str = "") -> list[str]:
    """Each queued site's wait for its whole grid capacity, a column per selection of
    ``columns`` (a comparison's scenarios, a sweep's variants): P50 [P10–P90] months."""
    waits = dataset["site_grid_wait_months"]
    levels = numpy_values(waits["quantile"])
    rows = [
        (
            str(site),
            [
                _quantile_text(levels, values_at(waits, {"site": site, **at}), 0)
                for at in columns.values()
            ],
        )
        for site in limited_sites(dataset)
    ]
    if not rows:
        return []
    caption = (
        "months by which each site's whole grid capacity is connected after its halls need "
        "it (its ramp's start, not the month it asks, which is grid_lead_months earlier; "
        f"phased: the month its ramp completes): {band_label(dataset, mean=False)} over the draws "
        "in which it asks within the period (never: not by the period's end; – where a "
        "column lacks the site, never builds it, it asks after the period or a phased "
        "site's ramp completes after it)"
    )
    return ["", prefix + caption, *text_table("site", list(columns), rows)]


__all__ = [
    "MAX_SCENARIOS",
    "combine",
    "compare",
    "moved_entries",
    "project_scenarios",
    "summary_text",
    "tidy_compare_frame",
    "write",
]


def comparison_table_metadata(
    dataset: xr.Dataset, columns, *, inputs: Mapping[str, dict] | None = None
) -> dict:
    """A comparison table's provenance: :func:`forecast.io.export.table_metadata` with each
    scenario's spread drivers and, under ``scenarios``, each scenario's own attributes and,
    where ``inputs`` has it, its input table (``inputs``: by scenario id; default: the
    Dataset's attribute :data:`forecast.io.export.INPUTS_ATTRIBUTE`, if any)."""
    if inputs is None:
        inputs = export.inputs_of(dataset)
    drivers = {
        str(label): {
            str(k): float(v)
            for k, v in zip(
                numpy_values(dataset["input"]),
                values_at(dataset["spread_driver_rank_correlation"], {"scenario": label}),
                strict=True,
            )
            if np.isfinite(v)
        }
        for label in numpy_values(dataset["scenario"])
    }
    metadata = export.table_metadata(dataset, columns, drivers=drivers)
    metadata.pop("inputs", None)  # each scenario's, below
    metadata["scenarios"] = [
        {
            SCENARIO_COLUMN: str(label),
            **{name: str(numpy_values(dataset[name])[i]) for name in SCENARIO_ATTRIBUTES},
            **({"inputs": inputs[str(label)]} if inputs and str(label) in inputs else {}),
        }
        for i, label in enumerate(numpy_values(dataset["scenario"]))
    ]
    return metadata
