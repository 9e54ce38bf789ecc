"""Options shared by the commands that run projections (project, sweep, plot), and by the two
that score a baseline model's forecasts (``forecast evaluate``, ``python -m models.backtest``).

One declaration per option, so ``--draws`` means and checks the same thing everywhere. The
module imports neither the engine nor numpy, pandas or xarray (each function imports what it
needs): every command's help is built from it.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from forecast.errors import (
    PROJECTION_PERIOD,
    ForecastError,
    OptionsError,
    range_error,
    shown_value,
    year_error,
)
from forecast.limits import DEFAULT_DURATION_DRAWS, MAX_DRAWS, MAX_DURATION_DRAWS, MAX_SEED

if TYPE_CHECKING:
    from forecast.projection import ProjectionOptions
    from forecast.scenario import Scenario


def parse_date(value: str | None, field: str) -> dt.date | None:
    """``value`` as a date (None stays None).

    Raises
    ------
    OptionsError
        ``<field> = <value>: allowed: a date YYYY-MM-DD``.
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OptionsError(f"{field} = {shown_value(value)}: allowed: a date YYYY-MM-DD") from None


def parse_integer(
    text: str,
    field: str,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """``text`` as an integer in ``low..high`` (either bound may be left out).

    Raises
    ------
    OptionsError
        ``<field> = <text>: allowed: an integer <low>..<high>``, worded as the library's own
        range checks (:func:`forecast.errors.range_error`; a year: :func:`parse_year`).
    """
    try:
        value = int(text)
    except ValueError:
        raise range_error(field, text, low=low, high=high) from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise range_error(field, value, low=low, high=high)
    return value


def parse_quantiles(text: str, field: str = "--quantiles") -> tuple[float, ...]:
    """``text`` as comma-separated probabilities (their range is checked with the other
    options).

    Raises
    ------
    OptionsError
        A part is not a number.
    """
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise OptionsError(
            f"{field} = {shown_value(text)}: allowed: comma-separated probabilities in [0, 1], "
            "e.g. 0.05,0.5,0.95"
        ) from None


#: ``--draws``, ``--seed`` and ``--duration-draws`` as every command parses them: their
#: ranges said, and refused, as the user typed them (``--draws = 0``, not ``draws = 0``).
parse_draws = partial(parse_integer, low=1, high=MAX_DRAWS)
parse_seed = partial(parse_integer, low=0, high=MAX_SEED)
parse_duration_draws = partial(parse_integer, low=1, high=MAX_DURATION_DRAWS)


def parse_year(text: str, field: str, *, why: str = "") -> int:
    """``text`` as a year; its range is checked where the period is known, in the same words
    (:func:`forecast.errors.year_error`).

    Raises
    ------
    OptionsError
        ``<field> = <text>: allowed: a year`` (``why`` after it in brackets).
    """
    try:
        return int(text)
    except ValueError:
        raise year_error(field, text, why=why) from None


def parse_years(text: str, field: str = "--years") -> tuple[int, ...]:
    """``2030,2035`` as ``(2030, 2035)``, each part a year (:func:`parse_year`).

    Raises
    ------
    OptionsError
        ``<field> = <part>: allowed: a year`` for a part that is not one.
    """
    return tuple(parse_year(part.strip(), field) for part in text.split(","))


parse_weather_year = partial(parse_year, why="an observed weather year, e.g. 2018")


def year_of_period(
    text: str | None, field: str, options: ProjectionOptions, *, why: str = PROJECTION_PERIOD
) -> int | None:
    """``text`` as a year of the period ``options`` project (:func:`parse_year`,
    :func:`check_year_of_period`); None where it is None."""
    if text is None:
        return None
    year = parse_year(text, field)
    check_year_of_period(year, field, options, why=why)
    return year


def check_year_of_period(
    year: int, field: str, options: ProjectionOptions, *, why: str = PROJECTION_PERIOD
) -> None:
    """Refuse a ``year`` outside the period ``options`` project (their start and end filled).

    Raises
    ------
    OptionsError
        ``<field> = <year>: allowed: a year <first>..<last> (<why>)``.
    """
    assert options.start is not None and options.end is not None  # filled by the options
    first, last = options.start.year, options.end.year
    if not first <= year <= last:
        raise year_error(field, year, low=first, high=last, why=why)


def _syntax_checked(parse: Callable[[str, str], object]) -> Callable[..., str | None]:
    """A click callback that refuses a malformed value as ``parse`` does, while the command
    line is read: before the command imports the engine or loads the scenario, so a typo
    fails at once (``parse`` runs again on the value where the options are built)."""

    def callback(param: typer.CallbackParam, value: str | None) -> str | None:
        if value is not None:
            parse(value, param.opts[0])
        return value

    return callback


#: A year option's click callback: ``--drivers-year x`` refused as not a year while the
#: command line is read (its range is checked once the period is known).
year_checked = _syntax_checked(parse_year)


ScenarioArgument = Annotated[
    str, typer.Argument(help="Shipped scenario id or path to a .toml file.")
]
DrawsOption = Annotated[
    str,
    typer.Option(
        help=f"Monte Carlo draws (1..{MAX_DRAWS}).", callback=_syntax_checked(parse_draws)
    ),
]
SeedOption = Annotated[
    str,
    typer.Option(
        help="Random seed; same seed, same numbers.", callback=_syntax_checked(parse_seed)
    ),
]
StartOption = Annotated[
    str | None, typer.Option(help="First day, YYYY-MM-DD.", callback=_syntax_checked(parse_date))
]
EndOption = Annotated[
    str | None, typer.Option(help="Last day, YYYY-MM-DD.", callback=_syntax_checked(parse_date))
]
ResolutionOption = Annotated[str, typer.Option(help="hourly|daily|monthly|annual")]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv|parquet|netcdf (default: from --out suffix)"),
]
QuantilesOption = Annotated[
    str,
    typer.Option(help="Probabilities, comma-separated.", callback=_syntax_checked(parse_quantiles)),
]
WeatherOption = Annotated[
    str, typer.Option(help="auto|historical|typical|synthetic future weather")
]
WeatherYearOption = Annotated[
    str | None,
    typer.Option(
        "--weather-year",
        help="Run every draw on this observed weather year of the scenario's location (e.g. "
        "2018: '2018 weather', a design weather year; historical weather only): the bands "
        "then hold the other inputs' spread, the baseline's level and daily noise, not the "
        "weather's. Recorded in the file's attributes (weather_year).",
        callback=_syntax_checked(parse_weather_year),
    ),
]
BaselineModelOption = Annotated[
    str | None, typer.Option(help="Baseline model MODEL_ID[@VERSION] (default: promoted).")
]
NoBaselineOption = Annotated[
    bool, typer.Option("--no-baseline", help="AI load only, no baseline of the grid.")
]


def _quiet_notices(quiet: bool) -> bool:
    """Under ``--quiet``, no notice of the library either (the kernels compiling on a first
    run: :data:`forecast.kernels._jit.COMPILE_NOTICE`); errors and warnings still show."""
    if quiet:
        logging.getLogger("forecast").setLevel(logging.WARNING)
    return quiet


QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        help="Nothing on stdout (no summary, no 'wrote' line), no progress bar or compile "
        "notice: only note: lines and errors, on stderr.",
        callback=_quiet_notices,
    ),
]
SummaryOption = Annotated[
    Path | None,
    typer.Option(
        "--summary",
        help="Also write every per-year figure to this CSV, one row per year and a column per "
        "figure, region and P5..P95 or mean, its unit in the header (a spreadsheet's table).",
    ),
]
PerDrawOption = Annotated[
    bool,
    typer.Option(
        "--per-draw",
        help="Also keep every draw's per-year values (<name>_per_draw, dims draw, year).",
    ),
]
IdColumnsOption = Annotated[
    bool,
    typer.Option(
        "--id-columns",
        help="Start every row of a CSV or Parquet table with the run's id columns "
        "(scenario_id, scenario_sha256, seed, draws, code_version; a comparison's or a sweep's "
        "before its scenario or variant, each one's own digest), so that runs appended into "
        "one warehouse table stay apart (README: Loading runs into a warehouse).",
    ),
]
#: The calibration tables ``--by`` asks for, of ``forecast evaluate`` and ``python -m
#: models.backtest`` alike (the values: :data:`forecast.baseline.evaluation.
#: CALIBRATION_GROUPINGS`, which each command checks with ``check_groupings``).
CalibrationByOption = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        metavar="hour|season",
        help="Also print the 80 % interval's coverage, one-sided misses and the bias of each "
        "model forecast scored (the backtest's: ex post and ex ante, over its years) by hour "
        "(local clock hour, 24 rows) or season (DJF, MAM, JJA, SON); repeat for both (--json "
        "always carries both, and the PIT histograms).",
    ),
]
DurationCurvesOption = Annotated[
    bool,
    typer.Option(
        "--duration-curves/--no-duration-curves",
        help="Add load duration curves and the peak-hour calendar per year: a second pass "
        "over the hours of the first --duration-draws draws, about as much CPU time again as "
        "the projection at 500 draws.",
    ),
]
DurationDrawsOption = Annotated[
    str | None,
    typer.Option(
        help=f"Draws the duration curves are built from (1..{MAX_DURATION_DRAWS}; 70 kB each "
        f"a year; default: {DEFAULT_DURATION_DRAWS}).",
        callback=_syntax_checked(parse_duration_draws),
    ),
]

SiteOption = Annotated[
    list[str] | None,
    typer.Option(
        "--site",
        help="Also write this site's own load series at --resolution (its hourly profile at "
        "hourly): site_facility_mw at the grid and site_it_mw before its PUE, MW, each with "
        "its mean. Repeat for several; the site's name as in "
        "the scenario (site_energy_twh's site column). Each hourly year adds about 3 MB of CSV "
        "a site at 5 quantiles.",
    ),
]
VariablesOption = Annotated[
    str | None,
    typer.Option(
        "--variables",
        help="Write only these variables: names and patterns, comma-separated "
        "(ai_energy_twh,site_peak_mw; 'site_*', 'ai_energy_twh*' with its mean and errors, "
        "'*_by_region'); `forecast variables` lists them. Default: every one.",
    ),
]

DEFAULT_QUANTILES = "0.05,0.1,0.5,0.9,0.95"

#: The flag of each :class:`~forecast.projection.ProjectionOptions` field: the command line's
#: errors name what the user typed (``--resolution = 'weekly'``, not ``resolution``).
OPTION_FLAGS = {
    "draws": "--draws",
    "seed": "--seed",
    "start": "--start",
    "end": "--end",
    "resolution": "--resolution",
    "quantiles": "--quantiles",
    "weather": "--weather",
    "per_draw": "--per-draw",
    "duration_curves": "--duration-curves",
    "duration_draws": "--duration-draws",
    "sites": "--site",
    "weather_year": "--weather-year",
}


def variable_selection(variables: str | None) -> tuple[str, ...] | None:
    """The items of ``--variables`` (:func:`forecast.outputs.variable_patterns`), checked
    against every output variable there is before any work, so a misspelt name fails at once,
    not after the draws; None without it (every variable is written). The file a command
    writes is then :func:`forecast.io.export.select_variables` of its result."""
    if variables is None:
        return None
    from forecast.outputs import variable_patterns

    return variable_patterns(variables, field="--variables")


def check_variables(
    patterns: tuple[str, ...] | None,
    planned: Sequence[tuple[Scenario, ProjectionOptions]],
    *,
    per_draw: bool = True,
    duration_curves: bool = True,
    sites: bool = True,
    compared: bool = False,
) -> None:
    """Refuse, before any draw, a ``--variables`` item that none of the ``planned``
    projections (each scenario's, with its options) can hold
    (:func:`forecast.engine.selection.check_selection`): a ``site_*`` variable of a scenario
    without sites, a ``baseline_*`` one without a baseline, a site's own series without
    ``--site``, a duration curve's without ``--duration-curves``, a ``*_per_draw`` one or a
    sampled input (``input_*``) without ``--per-draw``, an input named by no input, a
    ``*_difference`` one outside ``forecast compare``. Checked after the run alone, a typo in
    ``'input_*_per_dra'`` cost the whole projection. ``per_draw``, ``duration_curves``,
    ``sites``: whether the command has ``--per-draw``, ``--duration-curves``, ``--site`` (a
    sweep has none, a comparison no ``--site``); ``compared``: whether it is a comparison.

    Raises
    ------
    OptionsError
        Naming ``--variables``, the item, why and the variables allowed.
    """
    if not patterns:
        return
    from forecast.engine.baseline import choose_baseline
    from forecast.engine.selection import Planned, check_selection

    check_selection(
        patterns,
        [
            Planned(
                scenario,
                options,
                choose_baseline(scenario, options).reference is not None,
                compared=compared,
            )
            for scenario, options in planned
        ],
        field="--variables",
        option_names={
            "per_draw": "--per-draw" if per_draw else None,
            "duration_curves": "--duration-curves" if duration_curves else None,
            "sites": "--site" if sites else None,
            "compare": "forecast compare",
        },
    )


def load_scenario_argument(text: str) -> Scenario:
    """The scenario a command names (:func:`forecast.scenario.load_scenario`), with a ``note:``
    on stderr where a file's ``id`` differs from its file name: the README's scenario format
    has ``id`` = file stem (a shipped scenario must keep it), and results, the service and the
    dashboard know the scenario by its id, so ``my-run.toml`` holding ``id = "kr-national"``
    passed unnoticed and its results read as the shipped scenario's."""
    from forecast.scenario import load_scenario

    scenario = load_scenario(text)
    stem = Path(text).stem
    if scenario.id != stem:
        print(
            f"note: {text}: id = {scenario.id!r} differs from the file name {stem!r}; results "
            f"name the scenario {scenario.id!r} (rename the file or the id to match)",
            file=sys.stderr,
        )
    return scenario


def check_output(
    out: Path, *, file_format: str | None = None, formats=None, option: str = "--out"
) -> None:
    """Refuse an output whose directory is missing, or whose format is unknown or unclear,
    before any work.

    Where the format comes from the suffix of a table output, a suffix that names none (say
    ``.xlsx``) is refused rather than written as CSV under a misleading name; ``--format``
    names the format of any file name but one whose suffix names another format.

    Raises
    ------
    ForecastError
        ``--format`` is not one of ``formats``; the suffix names no table format, or another
        one than ``--format``; the directory of ``out`` does not exist, or ``out`` is one.
        The message names ``option``.
    """
    if formats is not None:
        from forecast.io.export import SUFFIX_FORMATS, suffix_format

        named = suffix_format(out)
        if file_format is not None and file_format not in formats:
            raise ForecastError(f"--format = {file_format!r}: allowed: {', '.join(formats)}")
        if file_format is not None and named not in (None, file_format):
            raise ForecastError(
                f"{option} = {str(out)!r}: suffix {out.suffix!r} names {named}, not --format "
                f"{file_format}; give a name that matches, or leave --format out"
            )
        if file_format is None and out.suffix and named is None:
            known = (".csv", *SUFFIX_FORMATS)
            raise ForecastError(
                f"{option} = {str(out)!r}: suffix {out.suffix!r} names no table format; allowed: "
                f"{', '.join(known)}, or give --format {'|'.join(formats)}"
            )
    out_dir = out.parent if str(out.parent) else Path()
    if not out_dir.is_dir():
        raise ForecastError(f"{option} = {str(out)!r}: directory {str(out_dir)!r} does not exist")
    if out.is_dir():
        raise ForecastError(f"{option} = {str(out)!r}: is a directory; give a file name")


def check_id_columns(out: Path, *, file_format: str | None, id_columns: bool) -> None:
    """Refuse ``--id-columns`` with a NetCDF ``--out``, before any work: a NetCDF file has no
    rows, and its global attributes hold the ids already.

    Raises
    ------
    OptionsError
        ``id_columns`` with an ``out`` (or ``--format``) that is NetCDF.
    """
    from forecast.io.export import ID_COLUMNS, file_format_of

    if id_columns and file_format_of(out, file_format) == "netcdf":
        raise OptionsError(
            f"--id-columns with --out = {str(out)!r}: a NetCDF file has no rows (its global "
            f"attributes hold {', '.join(ID_COLUMNS[:-1])} and {ID_COLUMNS[-1]}); allowed: a "
            ".csv or .parquet --out"
        )


def check_summary(summary: Path | None) -> None:
    """Refuse a ``--summary`` file that is not a ``.csv`` or whose directory is missing,
    before any work."""
    if summary is None:
        return
    if summary.suffix.lower() != ".csv":
        raise ForecastError(f"--summary = {str(summary)!r}: allowed: a .csv file name")
    check_output(summary, option="--summary")


def write_summary(dataset, summary: Path | None, *, quiet: bool = False) -> None:
    """Write the per-year table to ``summary`` (when given) and say so (unless quiet)."""
    if summary is None:
        return
    from forecast.io.export import write_year_table

    say_written(f"{write_year_table(dataset, summary)} (per-year table)", quiet=quiet)


def say_written(what: object, *, quiet: bool) -> None:
    """``wrote <what>`` on stdout, unless ``--quiet`` (which leaves stdout empty: a cron job
    mails what a command prints)."""
    if not quiet:
        print(f"wrote {what}")


def projection_options(
    scenario: Scenario,
    *,
    draws: str,
    seed: str,
    start: str | None,
    end: str | None,
    resolution: str,
    quantiles: str = DEFAULT_QUANTILES,
    weather: str = "auto",
    baseline_model: str | None = None,
    no_baseline: bool = False,
    per_draw: bool = False,
    duration_curves: bool = False,
    duration_draws: str | None = None,
    sites: tuple[str, ...] = (),
    weather_year: str | None = None,
) -> ProjectionOptions:
    """Parse the shared options into checked :class:`ProjectionOptions` (a baseline model
    named by them or the scenario must exist, and a ``--weather-year`` must be an observed
    year of its weather: :func:`check_weather_year`). An option that the others make
    meaningless is refused, not ignored."""
    from forecast.engine.baseline import choose_baseline
    from forecast.projection import ProjectionOptions

    if no_baseline and baseline_model is not None:
        raise OptionsError(
            f"--baseline-model = {baseline_model!r}: --no-baseline projects no baseline; "
            "allowed: one or the other"
        )
    if duration_draws is not None and not duration_curves:
        raise OptionsError(
            f"--duration-draws = {duration_draws!r}: allowed only with --duration-curves"
        )

    options = ProjectionOptions(
        draws=parse_draws(draws, "--draws"),
        seed=parse_seed(seed, "--seed"),
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        resolution=resolution,
        quantiles=parse_quantiles(quantiles),
        weather=weather,
        baseline_model=baseline_model,
        include_baseline=not no_baseline,
        per_draw=per_draw,
        duration_curves=duration_curves,
        duration_draws=(
            DEFAULT_DURATION_DRAWS
            if duration_draws is None
            else parse_duration_draws(duration_draws, "--duration-draws")
        ),
        sites=sites,
        weather_year=None
        if weather_year is None
        else parse_weather_year(weather_year, "--weather-year"),
    ).validated(scenario, names=OPTION_FLAGS)
    choose_baseline(scenario, options)  # refused here, before any progress bar
    check_weather_year([scenario], options)
    return options


def check_weather_year(scenarios: Sequence[Scenario], options: ProjectionOptions) -> None:
    """Refuse, before any work, a ``--weather-year`` that one of ``scenarios`` cannot run
    on (:func:`forecast.projection.weather_index`, by which the projection gives every draw
    that year): a scenario without weather, weather that is not historical, or a year its
    location did not observe.

    Raises
    ------
    OptionsError
        Naming ``--weather-year``, the value and what is allowed (the observed years' range).
    """
    if options.weather_year is None:
        return
    from forecast.projection import weather_index

    for scenario in scenarios:
        weather_index(scenario, options, field="--weather-year")


def warn_weather_fallback(options: ProjectionOptions, dataset) -> None:
    """Say on stderr when ``--weather`` is asked of a scenario without weather. (``--weather
    auto`` without temperature files is said by the library's
    :class:`~forecast.errors.WeatherFallback` warning, a ``note:`` line; a report states its
    weather in its provenance table.)"""
    if options.weather != "auto" and dataset.attrs.get("weather_location") == "none":
        print(
            f"note: --weather {options.weather} has no effect: the scenario states no "
            'temperature response (weather_location = "none")',
            file=sys.stderr,
        )


def warn_large_output(
    scenario: Scenario,
    options: ProjectionOptions,
    out: Path,
    file_format: str | None,
    *,
    variants: int | None = None,
) -> None:
    """One ``note:`` line on stderr, before a projection or a sweep runs, when its file will
    be larger than :data:`forecast.io.export.LARGE_OUTPUT_BYTES`: its estimated size and
    rows, and the smaller choices (4 variants x 200 draws x 2 hourly years wrote 213 MB of CSV
    in 75.6 s without a word, report M4; ``forecast project``'s default, an hourly CSV of the
    scenario's whole horizon, is larger still). The estimate counts the series a row per
    period and quantile (AI load, each region's where there are several, the baseline and the
    total, the non-AI and all data-centre load): the rest is a few thousand rows.

    Parameters
    ----------
    variants
        A sweep's variants; None: one projection (``forecast project``).
    """
    from forecast.engine.baseline import choose_baseline
    from forecast.io import export

    assert options.start is not None and options.end is not None  # filled by the options
    regions = len(scenario.regions)
    series = 1 + (regions if regions > 1 else 0)
    if choose_baseline(scenario, options).reference is not None:
        series += 2
    if scenario.non_ai_loads:
        series += 2
    steps = export.period_steps(options.start, options.end, options.resolution)
    rows = (variants or 1) * steps * len(options.quantiles) * series
    chosen = export.file_format_of(out, file_format)
    size = export.estimated_size_bytes(rows, chosen)
    if size <= export.LARGE_OUTPUT_BYTES:
        return
    smaller = [
        f"{name} about {export.estimated_size_bytes(rows, other) / 1e6:,.0f} MB"
        for name, other in ((".parquet", "parquet"), (".nc", "netcdf"))
        if other != chosen
    ]
    what, times = ("projection", "") if variants is None else ("sweep", f"{variants} variants x ")
    print(
        f"note: this {what} will write about {size / 1e6:,.0f} MB ({rows:,} rows of "
        f"{options.resolution} {chosen}: {times}{steps:,} periods x "
        f"{len(options.quantiles)} quantiles x {series} series); --resolution annual (or daily, "
        f"monthly) writes far less, and so does {' or '.join(smaller)}",
        file=sys.stderr,
    )


@contextmanager
def projection_bar(
    description: str, *, quiet: bool = False
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr in projected hours; yields the ``progress(done, total)``
    callback that :func:`forecast.projection.project` calls.

    The bar's clock starts at the projection's first report (0 hours done: the stream starts)
    and leaves out the time spent compiling kernels from then on: its elapsed time, rate and
    time left are the projection's own. With the compile and the stages before the stream in
    it, a first run's bar said 08:09 left of a run that ended 4 s later (report-speed HIGH 2).
    """
    from tqdm import tqdm

    from forecast.kernels import compile_seconds

    with tqdm(
        total=1, unit="h", unit_scale=True, disable=quiet, file=sys.stderr, desc=description
    ) as bar:
        started: float | None = None
        compiled_before = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal started, compiled_before
            if bar.disable:  # --quiet: a disabled bar has no clock
                return
            if started is None:
                # tqdm's own clock (``bar._time``, set per bar), whatever it reads.
                started, compiled_before = cast("Any", bar)._time(), compile_seconds()
            bar.start_t = started + (compile_seconds() - compiled_before)
            bar.total = total
            bar.n = done
            bar.refresh()
            # Shown now: tqdm's close ends the line only for a bar printed after its start_t,
            # which moved past the last update() here (the warning after it was glued on).
            bar.last_print_t = cast("Any", bar)._time()

        yield progress
