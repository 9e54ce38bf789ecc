"""Memory a piece of heavy work will need, estimated before it starts. [bytes]

The formulas are upper bounds fitted to ``tracemalloc`` peaks of the real computations
(kr-national with the served baseline; measured 2026-12-05 on the development machine):

==========================================  ==============  ==============
projection                                  measured peak   estimate
==========================================  ==============  ==============
1,000 draws, 1 year, monthly                28 MB           77 MB
1,000 draws, 12 years, monthly              173 MB          220 MB
1,000 draws, 12 years, hourly               182 MB          298 MB
500 draws, 30 years, hourly                 354 MB          506 MB
100 draws, 5 years, hourly, 99 quantiles    379 MB          531 MB
10,000 draws, 3 years, monthly, 99 q.       223 MB          364 MB
1,000 draws, 12 years, monthly (12-06)      214 MB          278 MB
5,000 draws, 12 years, monthly (12-06)      944 MB          971 MB
10,000 draws, 3 years, monthly (12-06)      489 MB          508 MB
==========================================  ==============  ==============

The last three were measured after each site's AI load came to be reduced one site at a time
(before: 5,000 draws 1,091 MB against 1,025 MB, and 10,000 draws 552 MB against 535 MB).

What they count: per-draw daily noise and sums (draws x days), per-draw monthly fleet and
power coefficients (draws x months), one site's load at a time and every site's energy by
year (:func:`site_bytes_per_draw`), the hourly weather traces, the result's arrays while the
Dataset is built (2.5 x the result), and a fixed part for the streamed chunks.
"""

from __future__ import annotations

import datetime as dt

from forecast.outputs import PER_DRAW_VARIABLES
from forecast.projection import ProjectionOptions
from forecast.scenario import Scenario
from service.cache import ProjectionResult

MB = 1_000_000
#: Streamed chunk arrays, kernels' scratch and small temporaries.
FIXED_BYTES = 64 * MB
#: Weather years held as hourly traces (12 observed years, the most a source gives).
WEATHER_TRACES = 12
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
#: Per-year figures a comparison keeps for every draw (``<name>_per_draw``): national ones, and
#: those kept per region.
PER_DRAW_BY_REGION = sum("region" in variable.dims for variable in PER_DRAW_VARIABLES)
PER_DRAW_BY_SITE = sum("load_site" in variable.dims for variable in PER_DRAW_VARIABLES)
PER_DRAW_NATIONAL = len(PER_DRAW_VARIABLES) - PER_DRAW_BY_REGION - PER_DRAW_BY_SITE
#: Arrays of a draw's months (float64) that one site's AI load is worked out in, whatever the
#: number of sites (its coefficients' buffer, add_load's and the reduction's temporaries,
#: beside its own nameplates): each site's [S, D, M] held at once put kr-national at 5,000
#: monthly draws over 1 GB, and is no longer held.
SITE_WORKING_ARRAYS = 8
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


def result_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """The finished Dataset's arrays. [bytes]"""
    hours, days, months, years = _periods(options)
    periods = {"hourly": hours, "daily": days, "monthly": months, "annual": years}[
        options.resolution
    ]
    regions = len(scenario.regions)
    series = 4 + (regions if regions > 1 else 0)
    quantiles = len(options.quantiles)
    return periods * (quantiles * 8 * series + LABEL_BYTES) + months * quantiles * 8 * 4


def per_draw_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """Every draw's per-year values (``<name>_per_draw``): the accumulators a comparison
    keeps, and a projection asked ``per_draw``. [bytes]"""
    _, _, _, years = _periods(options)
    series = (
        PER_DRAW_NATIONAL
        + PER_DRAW_BY_REGION * len(scenario.regions)
        + PER_DRAW_BY_SITE * len(scenario.sites)
    )
    return options.draws * years * series * 8


def site_bytes_per_draw(options: ProjectionOptions, scenario: Scenario) -> int:
    """What each site's AI load takes per draw (:func:`forecast.engine.dataset.reduce_site_loads`):
    the arrays one site at a time is worked out in (:data:`SITE_WORKING_ARRAYS` by month), and
    every site's energy by year, held until the Dataset is built. [bytes per draw]"""
    if not scenario.sites:
        return 0
    _, _, months, years = _periods(options)
    return months * 8 * SITE_WORKING_ARRAYS + years * 8 * len(scenario.sites)


def duration_bytes(options: ProjectionOptions) -> int:
    """The hourly paths the duration curves are built from (one year at a time). [bytes]"""
    if not options.duration_curves:
        return 0
    return min(options.draws, options.duration_draws) * DURATION_BYTES_PER_DRAW


def projection_bytes(options: ProjectionOptions, scenario: Scenario) -> int:
    """Peak memory of :func:`forecast.projection.project` with these options: with
    ``per_draw``, its per-year values twice (accumulated, then in the result), and the
    duration curves' paths. [bytes]"""
    hours, days, months, _ = _periods(options)
    regions = len(scenario.regions)
    per_draw = days * 16 + months * 320 * regions + site_bytes_per_draw(options, scenario)
    weather = WEATHER_TRACES * hours * 32
    kept = 2 * per_draw_bytes(options, scenario) if options.per_draw else 0
    return int(
        FIXED_BYTES
        + options.draws * per_draw
        + weather
        + 2.5 * result_bytes(options, scenario)
        + kept
        + duration_bytes(options)
    )


def comparison_bytes(options: list[ProjectionOptions], scenarios: list[Scenario]) -> int:
    """Peak memory of a comparison (:func:`forecast.sweep.compare.project_scenarios` and
    :func:`~forecast.sweep.compare.combine`) of ``scenarios``, each with its options. [bytes]

    The projections run one after the other, each keeping its finished Dataset and every
    draw's per-year values while the next runs, and the stacked result is a copy of them all:
    the sum of the projections' peaks bounds the first part, the results' and per-draw
    arrays once more the second. ``tracemalloc`` peaks around ``project_scenarios`` and
    ``combine`` of kr-national, kr-dc-pipeline and kr-gov-aidc-high with the served baseline
    (2026-12-05): 1,000 draws, 12 years, monthly 310 MB (estimate 808 MB); 200 draws,
    5 years, hourly 99 MB (438 MB); 1,000 draws, 1 year, annual 46 MB (243 MB).
    """
    total = 0
    for chosen, scenario in zip(options, scenarios, strict=True):
        total += (
            projection_bytes(chosen, scenario)
            + result_bytes(chosen, scenario)
            + per_draw_bytes(chosen, scenario)
        )
    return total


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
