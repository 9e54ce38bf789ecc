"""Memory a piece of heavy work will need, estimated before it starts. [bytes]

The formulas are upper bounds fitted to ``tracemalloc`` peaks of the real computations:
``project()`` on a fresh thread (its stream scratch counts, as on a worker thread's first
job), the kernels compiled (:func:`forecast.kernels.warm_up`, as the service's start-up) and
the served baseline loaded first. Sites are kr-national's, copied under new names past its
19; "bl" = the served baseline with observed weather, otherwise synthetic weather and no
baseline; kr-outlook has 21 sites under grid connection limits, kr-outlook-flex flexibility
(2026-12-06, the development machine):

==============================================  =============  ========  =====
projection (kr-national's scenario)             measured peak  estimate  ratio
==============================================  =============  ========  =====
0 sites, 1,000 draws, 12 years, monthly         139 MB         178 MB    1.28
0 sites, 1,000 draws, 2024, monthly             43 MB          48 MB     1.11
0 sites, 1,000 draws, 2030, monthly             55 MB          60 MB     1.09
0 sites, 5,000 draws, 3 years, monthly          137 MB         144 MB    1.05
0 sites, 200 draws, 12 years, monthly           115 MB         125 MB    1.09
0 sites, 3,000 draws, 12 years, monthly         264 MB         312 MB    1.18
0 sites, 2,000 draws, 12 years, annual          180 MB         245 MB    1.36
0 sites, 1,000 draws, 3 years, hourly           76 MB          100 MB    1.32
0 sites, 1,000 draws, 12 years, monthly, bl     164 MB         213 MB    1.30
19 sites, 1,000 draws, 12 years, monthly        177 MB         252 MB    1.42
19 sites, 1,000 draws, 2024, monthly            48 MB          55 MB     1.16
19 sites, 1,000 draws, 2030, monthly            77 MB          102 MB    1.33
19 sites, 5,000 draws, 3 years, monthly         198 MB         241 MB    1.22
19 sites, 5,000 draws, 12 years, monthly, bl    960 MB         991 MB    1.03
19 sites, 10,000 draws, 3 years, monthly, bl    499 MB         510 MB    1.02
19 sites, 1,000 draws, 3 years, hourly, bl      97 MB          128 MB    1.31
19 sites, 200 draws, 2024, hourly, bl           17 MB          27 MB     1.60
57 sites, 1,000 draws, 12 years, monthly        304 MB         401 MB    1.32
57 sites, 1,000 draws, 2024, monthly            54 MB          70 MB     1.29
57 sites, 1,000 draws, 2030, monthly            154 MB         188 MB    1.23
57 sites, 5,000 draws, 3 years, monthly         375 MB         436 MB    1.16
57 sites, 200 draws, 12 years, monthly          132 MB         169 MB    1.28
57 sites, 3,000 draws, 12 years, monthly        867 MB         979 MB    1.13
57 sites, 2,000 draws, 12 years, annual         586 MB         690 MB    1.18
57 sites, 1,000 draws, 3 years, hourly          100 MB         158 MB    1.58
57 sites, 1,000 draws, 12 years, monthly, bl    339 MB         436 MB    1.29
150 sites, 1,000 draws, 12 years, monthly       630 MB         764 MB    1.21
150 sites, 1,000 draws, 2024, monthly           83 MB          106 MB    1.28
150 sites, 1,000 draws, 2030, monthly           341 MB         398 MB    1.17
150 sites, 5,000 draws, 3 years, monthly        807 MB         912 MB    1.13
150 sites, 2,000 draws, 6 years, annual, bl     683 MB         775 MB    1.13
150 sites, 200 draws, 2024, hourly              22 MB          36 MB     1.62
kr-outlook, 1,000 draws, 12 years, monthly      182 MB         260 MB    1.43
kr-outlook-flex, 1,000 draws, 2030-03..08       121 MB         153 MB    1.26
kr-dc-pipeline, 2,000 draws, 12 years, bl       351 MB         448 MB    1.28
==============================================  =============  ========  =====

Every case was within 1.02-1.62x; those above 1.5 are small hourly answers, where the
result's 2.5x (:data:`RESULT_FACTOR`) dominates. Before the sites were counted on the fleet
grid, 57 sites over 2030 were estimated at 82 MB (154 MB measured) and 150 sites over 3
years at 5,000 draws at 307 MB (807 MB).

The table's estimates predate 2026-12-07, when the result and the per-draw arrays came to be
counted from the output variables' table (:func:`result_bytes`, :func:`per_draw_bytes`):
they counted four national hourly series, four monthly ones and no sampled input, which
the per-site outputs, site peaks and non-AI series had outgrown (kr-outlook's 2030, hourly,
99 quantiles: 50.6 MB of result against 42.5 MB estimated), and a comparison's stacked
result went past its estimate (:func:`comparison_bytes`). The grid re-measured then,
kr-national, kr-outlook and au-nsw-ai-dc, annual and hourly, 100 to 5,000 draws, quantiles
and per draw, and four comparisons, is README's "Memory estimates", measured by
``python tests/measure_estimates.py``.

What they count: the weather's hourly traces, one streamed chunk (:func:`chunk_values`), per
draw the baseline's daily noise, the monthly coefficients and the stream's sums (by month of
the period), the fleet and hosting arrays (by region and month of the fleet grid,
:func:`grid_months`), each site's arrays on the fleet grid and its draws
(:func:`site_bytes_per_draw`), the result's arrays while the Dataset is built
(:data:`RESULT_FACTOR` x the result), and a small fixed part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from forecast.calendar import month_number
from forecast.engine.fleet import FleetGrid
from forecast.engine.stream import CHUNK_ELEMENTS
from forecast.kernels import layout
from forecast.outputs import OUTPUT_VARIABLES, PER_DRAW_VARIABLES
from forecast.projection import ProjectionOptions
from forecast.scenario import NON_AI_QUANTITIES, Scenario
from service.cache import ProjectionResult

MB = 1_000_000
#: Small temporaries and the kernels' scratch, whatever the size. [bytes]
FIXED_BYTES = 4 * MB
#: A streamed chunk's arrays per per-draw day sum it holds (:func:`chunk_values`): the day
#: sums themselves (float64, the stream's thread-local buffer, counted as on a worker thread's
#: first job) and the chunk's copies of the coefficients, noise and weather. [bytes]
CHUNK_BYTES_PER_VALUE = 10
#: Weather years held as hourly traces: the synthetic ensemble's 20
#: (:func:`forecast.weather.load_weather`'s ``n_synthetic``), more than the 12 observed years
#: a source gives (``auto`` may run either).
WEATHER_TRACES = 20
#: Per weather year and hour of the period: its temperature, its cooling excess and their
#: copies (float64). [bytes]
WEATHER_BYTES_PER_HOUR = 32
#: Per draw and day of the period, with a baseline: its daily noise (float64). [bytes]
DAY_BYTES_PER_DRAW = 8
#: Per draw and month of the period: the loads' coefficients (national and by region), the
#: stream's sums by period and their quantiles' sorted copies, one site's AI load at a time
#: (:class:`forecast.engine.dataset.SiteReducer`). [bytes]
MONTH_BYTES_PER_DRAW = 304
#: Per draw, region and month of the fleet grid (:func:`grid_months`): the fleet's and the
#: hosting's arrays (ten float64 [D, R, Mf]). [bytes]
GRID_MONTH_BYTES_PER_REGION = 80
#: Per draw, site and month of the fleet grid: each site's PUE line, its built and connected
#: capacity and its tenants' load (measured 23-27 bytes, about 3 float64, with 19 to 150
#: sites). [bytes]
SITE_BYTES_PER_GRID_MONTH = 26
#: Per draw and site, whatever the period: its draws (built, start, capacity) and its grid
#: connection's request, months and waits, before and after windowing (about eight float64).
#: [bytes]
SITE_BYTES_PER_DRAW = 64
#: Per site whose load series is asked for (``sites``), per draw and month of the period: the
#: coefficients of its facility load and of its IT load kept for the series (two float64
#: [D, M, 4], :func:`forecast.engine.power.site_series`). [bytes]
SERIES_BYTES_PER_MONTH = 2 * 4 * 8
#: Per site asked for and draw: one month of its hourly load evaluated at a time, and its
#: quantiles' sorted copy (744 h x float64 x 2). [bytes]
SERIES_BYTES_PER_DRAW = 744 * 8 * 2
#: A result's arrays held while its Dataset is built, as a multiple of the finished result
#: (:func:`result_bytes`): fitted to 99-quantile hourly answers, where the result dominates
#: (kr-national, 100 draws, 2024-2028: 391 MB measured, 183 MB of result, 2026-12-07).
RESULT_FACTOR = 2.5
#: A JSON number as text is about this many bytes; a float64 is 8.
JSON_BYTES_PER_VALUE = 20
#: A CSV row: variable, region, resolution, period, quantile, value, unit.
CSV_BYTES_PER_VALUE = 90
#: Per-period text coordinates (local time labels).
LABEL_BYTES = 96
#: Rendered bytes above which an answer is streamed rather than built whole and cached.
STREAM_ABOVE_BYTES = 32 * MB
#: Memory a streamed rendering holds at a time (one chunk and its text). [bytes]
STREAM_CHUNK_BYTES = 32 * MB
#: Sampled inputs every scenario has (:func:`sampled_inputs`): load factor, PUE, its
#: temperature slope, lifetime, inference share, flexibility's share, the baseline's level,
#: the weather year's mean excess and the built capacity.
INPUTS_FIXED = 9
#: The duration curves hold each of their draws' hourly paths for a year, float32, of the
#: total and of the AI load (:data:`forecast.engine.options.DEFAULT_DURATION_DRAWS`: 8,784 h
#: x 4 B x 2). [bytes per draw]
DURATION_BYTES_PER_DRAW = 8_784 * 4 * 2


def _periods(options: ProjectionOptions) -> tuple[int, int, int, int]:
    """(hours, days, months, years) of the validated options' period."""
    assert options.start is not None and options.end is not None  # filled by validated()
    days = (options.end - options.start).days + 1
    months = (options.end.year - options.start.year) * 12 + options.end.month
    months -= options.start.month - 1
    return days * 24, days, months, options.end.year - options.start.year + 1


def _held(name: str, scenario: Scenario) -> bool:
    """Whether a projection of ``scenario`` holds the output variable ``name``: the non-AI and
    whole-sector variables only with non-AI loads, the regions' grid variables only with
    connection limits, flexibility's only with flexibility; any other (a new one too)
    counts."""
    if "non_ai" in name or name.startswith("dc_") or "_dc_" in name:
        return bool(scenario.non_ai_loads)
    if name.startswith("grid_"):
        return bool(scenario.grid)
    if "flexibility" in name:
        return scenario.flexibility is not None
    return True


def result_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """The finished Dataset's arrays: every output variable the scenario holds
    (:data:`forecast.outputs.OUTPUT_VARIABLES`, sized by its dims) and its mean over the draws,
    and the periods' text labels. [bytes]"""
    hours, days, months, years = _periods(options)
    periods = {"hourly": hours, "daily": days, "monthly": months, "annual": years}[
        options.resolution
    ]
    sizes = {
        "time": periods, "month": months, "year": years, "region": len(scenario.regions),
        "site": len(scenario.sites), "load_site": len(scenario.sites),
        "month_of_year": 12, "hour_of_day": 24,
        "quantile": len(options.quantiles) + 1,  # the mean (``<name>_mean``) beside them
    }  # fmt: skip
    values = sum(
        math.prod(sizes[dim] for dim in variable.dims)
        for variable in OUTPUT_VARIABLES
        if _held(variable.name, scenario)
    )
    # Each site asked for (``sites``): its facility and IT load, quantiles and mean, on every
    # period (:data:`forecast.outputs.SITE_SERIES_VARIABLES`, not in the table above).
    site_series = len(options.sites) * 2 * periods * (len(options.quantiles) + 1)
    return (values + site_series) * 8 + periods * LABEL_BYTES


def sampled_inputs(scenario: Scenario) -> int:
    """Sampled inputs a projection keeps every draw's value of (``input_<label>_per_draw``,
    :func:`forecast.engine.inputs.draw_inputs`' drivers), at most: five operations',
    flexibility's share, the baseline's level, the weather year's and the built capacity,
    two per deployment (its delivery), three per site (built, delay, capacity), each non-AI
    load's quantities and each region's grid limit and its reinforcements' delays and
    sizes. [-]"""
    grid = sum(1 + 2 * len(region.reinforcements) for region in scenario.grid.values())
    return (
        INPUTS_FIXED
        + 2 * len(scenario.deployments)
        + 3 * len(scenario.sites)
        + len(NON_AI_QUANTITIES) * len(scenario.non_ai_loads)
        + grid
    )


def per_draw_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """Every draw's per-year values (``<name>_per_draw``: those of
    :data:`forecast.outputs.PER_DRAW_VARIABLES` the scenario holds, sized by region and
    site) and sampled inputs: the accumulators a comparison keeps, and a projection asked
    ``per_draw``. [bytes]"""
    _, _, _, years = _periods(options)
    sizes = {"draw": 1, "year": years, "region": len(scenario.regions),
             "load_site": len(scenario.sites)}  # fmt: skip
    per_draw = sum(
        math.prod(sizes[dim] for dim in variable.dims)
        for variable in PER_DRAW_VARIABLES
        if _held(variable.name, scenario)
    )
    return options.draws * (per_draw + sampled_inputs(scenario)) * 8


def grid_months(options: ProjectionOptions, scenario: Scenario) -> int:
    """Months of the fleet grid the projection works on (:meth:`FleetGrid.spanning
    <forecast.engine.fleet.FleetGrid.spanning>`): from the scenario's earliest dated entry to
    its latest compute target, or the period's ends where they lie outside (kr-national over
    2030 alone: 84 months). [months]"""
    assert options.start is not None and options.end is not None  # filled by validated()
    grid = FleetGrid.spanning(scenario, month_number(options.start), month_number(options.end))
    return grid.n_months


def site_bytes_per_draw(options: ProjectionOptions, scenario: Scenario) -> int:
    """What the sites take per draw: each site's arrays on the fleet grid
    (:data:`SITE_BYTES_PER_GRID_MONTH`: its PUE line, built and connected capacity, tenants),
    its draws and connection (:data:`SITE_BYTES_PER_DRAW`) and its energy by year
    (:class:`forecast.engine.dataset.SiteReducer`), held until the Dataset is built.
    [bytes per draw]"""
    _, _, _, years = _periods(options)
    sites = len(scenario.sites)
    return sites * (
        grid_months(options, scenario) * SITE_BYTES_PER_GRID_MONTH + SITE_BYTES_PER_DRAW + years * 8
    )


def site_series_bytes(options: ProjectionOptions) -> int:
    """What the load series of the sites asked for (``sites``, ``--site``) take besides their
    values in the result: their coefficients over the period's months and a month of hours
    at a time, per draw. [bytes]"""
    _, _, months, _ = _periods(options)
    per_draw = months * SERIES_BYTES_PER_MONTH + SERIES_BYTES_PER_DRAW
    return len(options.sites) * options.draws * per_draw


def chunk_values(options: ProjectionOptions, scenario: Scenario) -> int:
    """Per-draw day sums a streamed chunk holds (:func:`forecast.engine.stream.stream_hours`:
    about :data:`~forecast.engine.stream.CHUNK_ELEMENTS`, fewer where the period is shorter
    than a chunk). [-]"""
    _, days, _, _ = _periods(options)
    rows = len(scenario.regions) + layout.FIRST_REGION_ROW
    chunk_days = max(CHUNK_ELEMENTS // (options.draws * rows), 1)
    return options.draws * rows * min(days, chunk_days)


def duration_bytes(options: ProjectionOptions) -> int:
    """The hourly paths the duration curves are built from (one year at a time). [bytes]"""
    if not options.duration_curves:
        return 0
    return min(options.draws, options.duration_draws) * DURATION_BYTES_PER_DRAW


def _loads_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """The draws' loads over the options' period and the weather's hourly traces. [bytes]"""
    hours, days, months, _ = _periods(options)
    per_draw = (
        (days * DAY_BYTES_PER_DRAW if options.include_baseline else 0)
        + months * MONTH_BYTES_PER_DRAW
        + grid_months(options, scenario) * GRID_MONTH_BYTES_PER_REGION * len(scenario.regions)
        + site_bytes_per_draw(options, scenario)
    )
    return options.draws * per_draw + WEATHER_TRACES * hours * WEATHER_BYTES_PER_HOUR


def _whole_years(options: ProjectionOptions, scenario: Scenario) -> ProjectionOptions | None:
    """The options over every whole year of the period, where flexibility's first pass needs
    the loads of the whole years too (:func:`forecast.engine._whole_years`); else None."""
    assert options.start is not None and options.end is not None  # filled by validated()
    start, end = dt.date(options.start.year, 1, 1), dt.date(options.end.year, 12, 31)
    if scenario.flexibility is None or (options.start, options.end) == (start, end):
        return None
    return dataclasses.replace(options, start=start, end=end)


def projection_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """Peak memory of :func:`forecast.projection.project` with these options: with
    ``per_draw``, its per-year values twice (accumulated, then in the result), the duration
    curves' paths, the load series of the sites asked for (:func:`site_series_bytes`), and
    with flexibility over part of a year, the loads of its whole years as well. [bytes]"""
    whole = _whole_years(options, scenario)
    kept = 2 * per_draw_bytes(options, scenario) if options.per_draw else 0
    return int(
        FIXED_BYTES
        + _loads_bytes(options, scenario)
        + (_loads_bytes(whole, scenario) if whole is not None else 0)
        + chunk_values(options, scenario) * CHUNK_BYTES_PER_VALUE
        + RESULT_FACTOR * result_bytes(options, scenario)
        + kept
        + duration_bytes(options)
        + site_series_bytes(options)
    )


def comparison_bytes(options: list[ProjectionOptions], scenarios: list[Scenario]) -> int:
    """Peak memory of a comparison (:func:`forecast.sweep.compare.project_scenarios` and
    :func:`~forecast.sweep.compare.combine`) of ``scenarios``, each with its options. [bytes]

    The projections run one after the other, each keeping its finished Dataset and every
    draw's per-year values while the next runs: the sum of the projections' peaks (each
    counting its result) and of their per-draw arrays bounds that part. The stacked result
    holds every scenario over the union of their variables, so each as large as the largest
    result, built from aligned copies as a projection's Dataset is (2.5 x). ``tracemalloc``
    peaks (``python tests/measure_estimates.py --only comparisons``, 2026-12-07, with the
    served baselines): kr-national and kr-outlook, 100 draws of 2030, hourly, 99 quantiles,
    348 MB, which the sum of the projections' peaks and results alone put at 336 MB, the
    stacked copy uncounted (the README's "Memory estimates" gives the rest).
    """
    total = 0
    largest = 0
    for chosen, scenario in zip(options, scenarios, strict=True):
        total += projection_bytes(chosen, scenario) + per_draw_bytes(chosen, scenario)
        largest = max(largest, result_bytes(chosen, scenario))
    return int(total + RESULT_FACTOR * len(scenarios) * largest)


def rendered_bytes(result: ProjectionResult, file_format: str) -> int:
    """Size of ``result`` rendered as ``file_format``. [bytes]"""
    values = sum(
        variable.size
        for name, variable in result.dataset.data_vars.items()
        if "input" not in variable.dims
    )
    # A Parquet answer is small, but the tidy table behind it is the CSV's.
    per_value = CSV_BYTES_PER_VALUE if file_format in ("csv", "parquet") else JSON_BYTES_PER_VALUE
    return values * (8 if file_format == "netcdf" else per_value) + 64 * 1024


def streams(result: ProjectionResult, file_format: str) -> bool:
    """Whether the answer is streamed in chunks rather than rendered whole."""
    if file_format == "parquet":  # one file, made whole: held under a slot, never streamed
        return False
    return file_format == "netcdf" or rendered_bytes(result, file_format) > STREAM_ABOVE_BYTES


def render_bytes(result: ProjectionResult, file_format: str, *, loaded: bool) -> int:
    """Memory held while answering ``result`` in ``file_format``. [bytes]

    Parameters
    ----------
    loaded
        The Dataset is read from its file for this answer (not held by the cache).
    """
    held = int(1.2 * result.dataset_bytes) if loaded else 0
    if streams(result, file_format):
        return held + STREAM_CHUNK_BYTES
    return held + 2 * rendered_bytes(result, file_format)


def baseline_bytes(draws: int, start: dt.date, end: dt.date, quantiles: int) -> int:
    """Peak memory of a baseline forecast (draws and their sorted copy, hourly). [bytes]"""
    hours = ((end - start).days + 1) * 24
    return FIXED_BYTES + 24 * draws * hours + 24 * quantiles * hours + 16 * WEATHER_TRACES * hours


def loaded_result_bytes(file_bytes: int) -> int:
    """Memory of a result read back from its NetCDF file of ``file_bytes``. [bytes]"""
    return int(1.5 * file_bytes) + FIXED_BYTES


#: A load column's value as CSV text, and the room its file's other columns take. [bytes]
EXPORT_TEXT_BYTES_PER_VALUE = 24


def grid_export_bytes(
    options: ProjectionOptions, scenario: Scenario, *, paths: int, hours: int
) -> int:
    """Peak memory of a grid export (:func:`service.tasks.grid_export`) of ``paths`` paths
    over ``hours`` hours: its projection with every draw's per-year values (``options``, as
    :func:`forecast.report.gridexport.grid_paths` runs it), each path's hourly loads (held
    twice while columns are split by region) and their files' text and zip archive. The
    columns are at most the baseline split by region, the non-AI load and the AI load of each
    region. [bytes]"""
    columns = 1 + 3 * len(scenario.regions)
    values = columns * paths * hours
    return projection_bytes(options, scenario) + values * (2 * 8 + 2 * EXPORT_TEXT_BYTES_PER_VALUE)
