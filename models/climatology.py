"""Derive a weather location's shipped climatology from the real data (training side).

Usage::

    python -m models.climatology build seoul [--data-dir DIR] [--output FILE]
    python -m models.climatology build sydney-bankstown
    python -m models.climatology check-rebuild seoul --year 2022 --year 2023

Reads the location's completed hourly record (:func:`forecast.weather.historical_record`:
gaps interpolated, rebuilt from daily values or masked by the documented rule) over its
observed years, and writes ``data/weather/<location>/climatology.json``: statistics only,
never observed rows, so it may be committed and shipped. :mod:`forecast.weather.climatology`
reads it back.

* ``typical_temperature_c``: per hour of the weather clock's day, a least-squares fit of a
  constant plus ``ANNUAL_HARMONICS`` annual harmonics of the leap-calendar day to all years;
* ``diurnal_shape_by_month``: the normalised diurnal shape, ``(T - Tmin) / (Tmax - Tmin)``
  summed over the month's fully observed days;
* daily anomaly (daily mean minus the typical daily mean): AR(1) coefficient and standard
  deviation by month;
* daily range (max - min from the daily file, else from the completed hours): mean by month,
  least-squares slope on the anomaly and the residual standard deviation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from forecast.cli.run import run_app
from forecast.errors import DataError
from forecast.io.gaps import OBSERVED, REBUILT
from forecast.weather import (
    CLIMATOLOGY_FORMAT_VERSION,
    DAYS_IN_LEAP_YEAR,
    HistoricalRecord,
    historical_record,
    leap_calendar_hour,
    load_location,
)
from forecast.weather.clock import clock_zone
from forecast.weather.reconstruction import REBUILD_METHODS, complete_temperature, diurnal_shape

# Four annual harmonics: Seoul's typical year then has calendar-month means within 0.41 °C of
# the 12-year means, about the sampling error of a 12-year monthly mean (~0.4 °C); more
# harmonics would chase that noise.
ANNUAL_HARMONICS = 4
GENERATOR = "python -m models.climatology build"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Derive the shipped climatology of a weather location from the real data.",
)


def _harmonic_design(leap_day_index: np.ndarray) -> np.ndarray:
    """Constant plus ``ANNUAL_HARMONICS`` cosine/sine pairs of the leap-calendar day."""
    phase = 2 * np.pi * (np.asarray(leap_day_index) + 0.5) / DAYS_IN_LEAP_YEAR
    columns = [np.ones_like(phase)]
    for harmonic in range(1, ANNUAL_HARMONICS + 1):
        columns += [np.cos(harmonic * phase), np.sin(harmonic * phase)]
    return np.column_stack(columns)


def _daily_extremes(record: HistoricalRecord, hourly_by_day: np.ndarray, days) -> pd.DataFrame:
    """Daily mean/min/max [°C]: the daily file's where the location has one and the day is in
    it, else the (gap-completed) hours'. A daily file that missed three January days made every
    January statistic NaN, and each later synthetic-weather projection failed on the file."""
    hours = pd.DataFrame(
        {
            "temp_mean_c": hourly_by_day.mean(axis=1),
            "temp_min_c": hourly_by_day.min(axis=1),
            "temp_max_c": hourly_by_day.max(axis=1),
        },
        index=pd.DatetimeIndex(days),
    )
    if record.daily is None:
        return hours
    return record.daily.reindex(hours.index)[list(hours.columns)].fillna(hours)


def build_climatology(location: str, data_dir: Path | None = None) -> dict[str, Any]:
    """Derive the climatology of a location (statistics only, no observed rows).

    Parameters
    ----------
    location
        Weather location name (``data/weather/<location>/location.toml``).
    data_dir
        Directory of the real data; default :func:`forecast.paths.real_data_dir`.

    Returns
    -------
    dict
        The JSON document written by :func:`write_climatology`.
    """
    place = load_location(location)
    record = historical_record(place, data_dir)
    in_years = np.isin(record.times.year, record.years)
    times = record.times[in_years]
    hourly_by_day = record.temperature_c[in_years].reshape(-1, 24)
    handling_by_day = record.handling[in_years].reshape(-1, 24)
    days = times[::24].tz_localize(None)
    leap_day = leap_calendar_hour(days.month.to_numpy(), days.day.to_numpy(), 0) // 24

    coefficients, *_ = np.linalg.lstsq(_harmonic_design(leap_day), hourly_by_day, rcond=None)
    typical = _harmonic_design(np.arange(DAYS_IN_LEAP_YEAR)) @ coefficients

    months = days.month.to_numpy()
    daily = _daily_extremes(record, hourly_by_day, days)
    shape = record.diurnal_shape
    if shape is None:
        shape = diurnal_shape(
            hourly_by_day, (handling_by_day == OBSERVED).all(axis=1), daily, months
        )
    anomaly = hourly_by_day.mean(axis=1) - typical.mean(axis=1)[leap_day]
    ar1 = float(np.corrcoef(anomaly[:-1], anomaly[1:])[0, 1])
    daily_range = (daily["temp_max_c"] - daily["temp_min_c"]).to_numpy()
    anomaly_std, range_mean, range_slope, range_residual_std = [], [], [], []
    for month in range(1, 13):
        in_month = months == month
        slope, intercept = np.polyfit(anomaly[in_month], daily_range[in_month], 1)
        residual = daily_range[in_month] - (intercept + slope * anomaly[in_month])
        anomaly_std.append(anomaly[in_month].std(ddof=1))
        range_mean.append(daily_range[in_month].mean())
        range_slope.append(slope)
        range_residual_std.append(residual.std(ddof=2))

    def rounded(values: Any, decimals: int) -> Any:
        return np.round(np.asarray(values, dtype=np.float64), decimals).tolist()

    statistics = {
        "typical_temperature_c": typical,
        "diurnal_shape_by_month": shape,
        "daily_anomaly_ar1_coefficient": ar1,
        "daily_anomaly_std_c_by_month": anomaly_std,
        "daily_range_mean_c_by_month": range_mean,
        "daily_range_slope_per_anomaly_by_month": range_slope,
        "daily_range_residual_std_c_by_month": range_residual_std,
    }
    for name, values in statistics.items():
        if not np.isfinite(np.asarray(values, dtype=np.float64)).all():
            raise DataError(
                f"climatology of {place.name}: {name} is not a finite number everywhere; "
                "allowed: a record whose every month has observed or rebuilt hours"
            )

    range_source = (
        "official max - min of the daily file" if place.daily_file else "max - min of the hours"
    )
    return {
        "format_version": CLIMATOLOGY_FORMAT_VERSION,
        "location": place.name,
        "provenance": {
            "station": place.station,
            "source_files": [
                {"name": name, "sha256": digest} for name, digest in record.source_files
            ],
            "years": [record.years[0], record.years[-1]],
            "generator": f"{GENERATOR} {place.name}",
            "method": (
                "Hourly record on the station's standard time, gaps handled by the rule of "
                "forecast.io.gaps (short ones interpolated, longer ones rebuilt from the daily "
                "file where one exists: by the month's regression of each hour on the day's and "
                "its neighbours' minimum, maximum and mean, else with the monthly diurnal shape; "
                "else filled from the record's monthly-hourly means). typical_temperature_c: "
                "per hour of day, least-squares fit of a constant and "
                f"{ANNUAL_HARMONICS} annual harmonics of the leap-calendar day to all years. "
                "Daily anomaly = daily mean minus the typical daily mean; AR(1) coefficient = "
                "its lag-1 correlation. Daily range = "
                f"{range_source}; per month its mean, the least-squares slope on the anomaly "
                "and the residual standard deviation."
            ),
        },
        "annual_harmonics": ANNUAL_HARMONICS,
        "typical_temperature_c": rounded(typical, 2),
        "diurnal_shape_by_month": rounded(shape, 4),
        "daily_anomaly_ar1_coefficient": round(ar1, 4),
        "daily_anomaly_std_c_by_month": rounded(anomaly_std, 3),
        "daily_range_mean_c_by_month": rounded(range_mean, 3),
        "daily_range_slope_per_anomaly_by_month": rounded(range_slope, 4),
        "daily_range_residual_std_c_by_month": rounded(range_residual_std, 3),
    }


def format_climatology(climatology: dict[str, Any]) -> str:
    """JSON text with one row of numbers per line (small and diff-friendly)."""
    text = json.dumps(climatology, indent=2, ensure_ascii=False)
    collapse = re.compile(r"\[[-0-9.eE,\s]+\]")
    return (
        collapse.sub(lambda match: "[" + " ".join(match.group(0)[1:-1].split()) + "]", text) + "\n"
    )


def write_climatology(climatology: dict[str, Any], path: Path) -> Path:
    """Write the climatology JSON to ``path`` (directories created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_climatology(climatology), encoding="utf-8")
    return path


@app.command()
def build(
    location: Annotated[str, typer.Argument(help="Weather location name, e.g. seoul.")],
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: FORECAST_DATA_DIR or ../shared/data)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Output file (default: the location's shipped climatology.json)."),
    ] = None,
) -> None:
    """Write a location's climatology.json from the real data, and print its gap report."""
    climatology = build_climatology(location, data_dir)
    record = historical_record(location, data_dir)
    offset = record.times[0].strftime("%z")
    # Training counts its config's years on the grid's local clock: in a daylight-saving zone
    # its span differs from this one by an hour at each end, and so may its count.
    print(
        f"gaps over the observed years {record.years[0]}..{record.years[-1]} on the weather "
        f"clock (standard time, UTC{offset[:3]}:{offset[3:]}; forecast-train counts its "
        f"config's years on local time): {record.gap_report().summary()}"
    )
    written = write_climatology(climatology, output or load_location(location).climatology_path)
    print(f"wrote {written}")


def _year_spans(years: list[int]) -> str:
    """``[2013, 2014, 2015, 2022]`` as ``2013..2015, 2022``."""
    spans: list[list[int]] = []
    for year in sorted(set(years)):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in spans)


def check_rebuild(
    location: str, years: list[int], data_dir: Path | None = None
) -> tuple[dict[str, int], dict[str, dict[str, float]]]:
    """Hide the observed hours of ``years``, rebuild them from the daily file by each method of
    :data:`forecast.weather.reconstruction.REBUILD_METHODS`, and compare with what was observed.

    Returns
    -------
    counts : dict
        The hidden hours: ``hidden``, of which ``rebuilt`` (scored) and ``other`` (a day
        without a daily row, masked, or a short run interpolated: not scored). [h]
    results : dict
        Per method, over the rebuilt hours: ``rms_c``, ``mean_c`` (rebuilt minus observed),
        ``p99_abs_c`` (99th percentile of the absolute error) and ``range_mean_c`` (the wholly
        rebuilt days' hourly max - min minus the observed, mean). [°C]

    Raises
    ------
    DataError
        The location has no daily file, a year has no observed hour, or none is rebuilt.
    """
    place = load_location(location)
    record = historical_record(place, data_dir)  # validates the files, names a missing one
    daily_path = place.daily_path(data_dir)
    if daily_path is None:
        raise DataError(
            f"check-rebuild: location {place.name!r} has no daily_file; allowed: a location "
            "whose hours can be rebuilt from daily values"
        )
    observed = place.read_hourly_temperature(place.hourly_path(data_dir))
    daily = place.read_daily_temperature(daily_path)
    clock = pd.DatetimeIndex(observed.index).tz_convert(clock_zone(place.clock_offset))
    with_hours = sorted(set(clock.year.tolist()))
    for year in years:
        if year not in with_hours:
            raise DataError(
                f"check-rebuild: --year {year}: no observed hour of {place.hourly_file} in it; "
                f"allowed: a year with observed hours ({_year_spans(with_hours)})"
            )
    hidden = np.isin(clock.year, years)
    times = record.times
    truth = observed.reindex(times).to_numpy(dtype=np.float64)
    was_hidden = times.isin(observed.index[hidden])
    results = {}
    for method in REBUILD_METHODS:
        rebuilt = complete_temperature(observed[~hidden], times, daily, rebuild=method)
        scored = was_hidden & (rebuilt.handling == REBUILT)  # the same hours for both methods
        if not scored.any():
            raise DataError(
                f"check-rebuild: --year {', '.join(map(str, years))}: none of the hidden hours "
                f"could be rebuilt; allowed: years whose days {place.daily_file} has"
            )
        error = (rebuilt.temperature_c - truth)[scored]
        whole_days = scored.reshape(-1, 24).all(axis=1)
        by_day = rebuilt.temperature_c.reshape(-1, 24)[whole_days]
        truth_by_day = truth.reshape(-1, 24)[whole_days]
        range_error = np.ptp(by_day, axis=1) - np.ptp(truth_by_day, axis=1)
        results[method] = {
            "rms_c": float(np.sqrt(np.mean(error**2))),
            "mean_c": float(error.mean()),
            "p99_abs_c": float(np.percentile(np.abs(error), 99)),
            "range_mean_c": float(range_error.mean()) if range_error.size else float("nan"),
        }
    counts = {"hidden": int(was_hidden.sum()), "rebuilt": int(scored.sum())}
    counts["other"] = counts["hidden"] - counts["rebuilt"]
    return counts, results


@app.command("check-rebuild")
def check_rebuild_command(
    location: Annotated[str, typer.Argument(help="Weather location name, e.g. seoul.")],
    year: Annotated[
        list[int], typer.Option(help="A year whose observed hours are hidden (repeatable).")
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Real data directory (default: FORECAST_DATA_DIR or ../shared/data)."),
    ] = None,
) -> None:
    """Rebuild observed years from the daily file by each method and print the errors."""
    counts, results = check_rebuild(location, year, data_dir)
    print(
        f"{location}: {counts['hidden']:,} observed hours of {', '.join(map(str, year))} "
        f"hidden, {counts['rebuilt']:,} rebuilt from the daily file and the rest of the record "
        f"and scored (error = rebuilt - observed; {counts['other']:,} not rebuilt, not scored)"
    )
    print(
        "| rebuilt by | RMS error °C | mean error °C | 99th percentile of abs. error °C "
        "| daily range error °C |"
    )
    print("|---|---|---|---|---|")
    for method, figures in results.items():
        print(
            f"| {method} | {figures['rms_c']:.2f} | {figures['mean_c']:+.2f} | "
            f"{figures['p99_abs_c']:.2f} | {figures['range_mean_c']:+.2f} |"
        )


@app.callback()
def _commands() -> None:
    """Subcommands: build, check-rebuild."""


def main(argv: list[str] | None = None) -> int:
    """``python -m models.climatology``; returns the exit status."""
    return run_app(app, argv)


if __name__ == "__main__":
    raise SystemExit(main())
