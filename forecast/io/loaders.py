"""Loaders for hourly demand and for hourly or daily temperature.

Two demand formats are read:

* the **wide** KPX download (data.go.kr dataset 15065266): one row per day, columns
  ``날짜,1시,2시,…,24시`` in MW, CP949 (or UTF-8 with a BOM after a re-save). ``N시`` is
  hour-*ending*: it covers (N−1):00–N:00, so it is stored at the hour-*beginning* timestamp
  (N−1):00 of the same date (``1시`` → 00:00, ``24시`` → 23:00 of the same day);
* the **long** format ``timestamp,demand_mw``, one row per hour, timestamps hour-beginning
  (ISO 8601, with an offset or naive local time) on the hour of the grid's clock; a file in kW
  or GW says so (``unit``) and is converted to MW. Naive timestamps in another zone than the
  grid's (naive UTC, AEMO's fixed UTC+10 "market time") say so (``timestamp_timezone``), and
  hour-ending labels (AEMO's ``SETTLEMENTDATE``, most SCADA exports) say so
  (``interval_label = "ending"``): both formats move hour-ending labels to the hour's
  beginning in one place, :func:`hour_beginning`.

  A long file may also come at 5-, 15- or 30-minute resolution (AEMO publishes 5- and 30-minute
  demand; :data:`SUB_HOURLY_MINUTES`): its resolution is its rows' most common step, every
  timestamp must lie on that step of the clock (else the row is refused as irregular), and
  each row is read as its interval's mean power [MW]. An interval labelled by its beginning
  (``interval_label = "beginning"``: 10:30 is 10:30-11:00) or by its end (``"ending"``: 10:30
  is 10:00-10:30, AEMO's ``SETTLEMENTDATE``) belongs to the local hour its beginning falls in;
  an hour's demand is the mean of its intervals, all of them (2 a half-hourly hour, 12 a
  5-minute one): an hour missing one is left out, a gap like a missing hourly row, handled by
  :mod:`forecast.io.gaps` and counted in :meth:`DemandResolution.summary`. A column named in
  energy (``load_mwh``) is refused at those resolutions: MWh per half hour is not MW.

A demand value far above the week around it (a meter spike, a typed value: 71,234,567 MW in an
8 GW grid) is refused naming its row (:data:`SPIKE_FACTOR`), as a zero or negative one is.

Temperature comes as hourly observations ``timestamp,temp_c`` and daily statistics
``date,temp_mean_c,temp_min_c,temp_max_c``, in °C or °F, under any column names; these are the
only readers of those formats (the weather locations of :mod:`forecast.weather` read through
them too), with one plausible range. A column whose name states a unit (``load_kw``,
``tmax_f``, ``Load (MW)``) must be read in that unit: the name is the one place a file says
its unit, and a kW file read as MW trains a grid 1000 times too large without failing.

Every check that fails raises :class:`forecast.errors.DataError` naming the file line (the
header is line 1), the column, the value and what is allowed. A missing hour is not a failure:
the readers return what the file has, and :mod:`forecast.io.gaps` reports and handles the gaps.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from forecast.errors import DataError
from forecast.units import GW_TO_MW, KW_TO_MW, fahrenheit_to_celsius

DEMAND_COLUMN = "demand_mw"
TIMESTAMP_COLUMN = "timestamp"
WIDE_DATE_COLUMN = "날짜"
TEMPERATURE_COLUMN = "temp_c"
DAILY_DATE_COLUMN = "date"
DAILY_MEAN_COLUMN = "temp_mean_c"
DAILY_MIN_COLUMN = "temp_min_c"
DAILY_MAX_COLUMN = "temp_max_c"

_HOUR_ENDING_HEADER = re.compile(r"^\s*(\d{1,2})\s*시\s*$")
_ENCODINGS = ("utf-8-sig", "cp949")
#: Units an hourly temperature file may be in: degrees Celsius or Fahrenheit.
TEMPERATURE_UNITS = ("C", "F")
#: How a file labels each hour: by its beginning (10:00 is 10:00-11:00, the default) or by its
#: end (10:00 is 09:00-10:00: AEMO's interval-ending SETTLEMENTDATE, KPX's ``N시``).
INTERVAL_LABELS = ("beginning", "ending")
#: Resolutions of a long demand file's rows below the hour, averaged to hourly (module
#: docstring): AEMO's 5- and 30-minute data, and the 15 minutes of European (ENTSO-E) and
#: many SCADA exports. [min]
SUB_HOURLY_MINUTES = (5, 15, 30)
#: A demand value above this many times the median of the week centred on it is refused as a
#: spike. A whole grid's hourly demand stays well inside it: the largest ratio in the shipped
#: files is 1.44 (KPX 2004-2024) and 1.69 (NSW 2010-2021), and no grid's peak-to-median within
#: a week reaches 3 (its load factor would be under a third); a meter spike or a value typed
#: in the wrong unit or with digits repeated is 10 to 10,000 times. 4 leaves a small utility
#: zone with a large industrial customer room to swing. [1]
SPIKE_FACTOR = 4.0
#: Hours of the centred window whose median a value is compared with (one week). [h]
SPIKE_WINDOW_HOURS = 168
#: Units a demand file may be in, each with its factor to MW. [MW/unit]
DEMAND_UNITS = {"kW": KW_TO_MW, "MW": 1.0, "GW": GW_TO_MW}
#: Cells of a temperature column that mean "not observed", read as a gap like an empty cell:
#: ``M``, the missing marker of NWS/IEM ASOS exports (a letter no temperature can be).
TEMPERATURE_MISSING_MARKERS = ("M",)
#: A unit at the end of a column name, after ``_``, a space or a bracket: ``zone_load_kw``,
#: ``Load (MW)``, ``load_mwh`` (energy per hour: the mean power), ``tmax_f``, ``Temp [°C]``.
_DEMAND_UNIT_IN_NAME = re.compile(r"(?:^|[_\s(\[])(?P<unit>[kmg]w)h?[)\]]?$", re.IGNORECASE)
_TEMPERATURE_UNIT_IN_NAME = re.compile(
    r"(?:^|[_\s(\[])°?(?:deg)?(?P<unit>[cf])[)\]]?$", re.IGNORECASE
)
#: Physically possible air temperature at a weather station (records: -89.2 °C at Vostok,
#: 56.7 °C in Death Valley); every temperature reader checks against this one range. [°C]
PLAUSIBLE_TEMPERATURE_C = (-90.0, 60.0)


def read_text(path: Path | str) -> str:
    """Decode a CSV file written as UTF-8 (with or without BOM) or CP949/EUC-KR.

    Parameters
    ----------
    path
        File to read.

    Returns
    -------
    str
        The decoded text with trailing blank lines removed.

    Raises
    ------
    DataError
        When the file is missing or is neither valid UTF-8 nor valid CP949.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read data file {path}: {error.strerror}") from error
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding).rstrip("\r\n\t ")
        except UnicodeDecodeError:
            continue
    raise DataError(
        f"{path}: encoding is neither UTF-8 nor CP949/EUC-KR; re-save the file in one of "
        "those encodings"
    )


def _parse_number(text: str, *, path: Path, line: int, column: str) -> float:
    stripped = text.strip().replace(",", "")
    try:
        value = float(stripped)
    except ValueError:
        raise DataError(
            f"{path} line {line}: column {column!r} value {text!r} is not a number"
        ) from None
    if not np.isfinite(value):
        raise DataError(f"{path} line {line}: column {column!r} value {text!r} is not finite")
    return value


def _localize(
    wall_times: pd.DatetimeIndex,
    lines: np.ndarray,
    *,
    timezone: str,
    path: Path,
    zone_setting: str,
) -> pd.DatetimeIndex:
    """Attach ``timezone`` to naive wall-clock times.

    A fall-back wall time (02:00 in Sydney on the first Sunday of April) names two instants.
    Its first row in the file is the first of them (daylight time) and a second row with the
    same wall time the second (standard time): given twice in order, the hour is both instants;
    given once, as most utility exports write it, it is the daylight hour, and the standard
    hour is a one-hour gap (:mod:`forecast.io.gaps` interpolates and reports it). A wall time
    that does not exist (the spring-forward hour, which the clocks skip) is an error; it is
    also the first sign of a file in UTC or a fixed offset read as local time, so the message
    names ``zone_setting``, the setting that says so.
    """
    first = wall_times.tz_localize(timezone, ambiguous=True, nonexistent="NaT")
    skipped = np.flatnonzero(first.isna())
    if len(skipped):
        position = int(skipped[0])
        raise DataError(
            f"{path} line {lines[position]}: local time {wall_times[position]} does not exist "
            f"in time zone {timezone!r} (the clocks skip it); if the file's timestamps are UTC "
            f'or a fixed offset, set {zone_setting} (e.g. "UTC", or "Etc/GMT-10" for UTC+10 '
            "all year); else remove the row, or use the long format with explicit UTC offsets"
        )
    second = wall_times.tz_localize(timezone, ambiguous=False, nonexistent="NaT")
    ambiguous = np.asarray(first != second)
    if not ambiguous.any():
        return first
    # Daylight time for the first row of each ambiguous wall time, standard time for later ones.
    repeated = np.zeros(len(wall_times), dtype=bool)
    repeated[ambiguous] = pd.Index(wall_times[ambiguous]).duplicated(keep="first")
    return first.where(~repeated, second)


def hour_beginning(times: pd.DatetimeIndex, *, interval_label: str) -> pd.DatetimeIndex:
    """Hour-beginning instants of hours labelled by ``interval_label``: an hour labelled by its
    end (``"ending"``) begins one hour earlier, on the instant, so a label on a day whose
    clocks change needs no special case (AEMO's 03:00+11:00 ending is 01:00+10:00 beginning).
    The one place both demand formats do this (the KPX wide format is hour-ending)."""
    if interval_label == "ending":
        return times - pd.Timedelta(hours=1)
    return times


def _check_regular(
    values: pd.Series, lines: np.ndarray, *, path: Path, frequency: str
) -> tuple[pd.Series, np.ndarray]:
    """Sort by time and refuse a repeated instant, naming both lines; returns the sorted values
    and their file lines.

    Two rows are the same hour only when they are the same instant: ``02:00+11:00`` and
    ``02:00+10:00`` on a fall-back day are different hours.
    """
    times = pd.DatetimeIndex(values.index).as_unit("ns").rename(TIMESTAMP_COLUMN)
    values.index = times
    order = np.argsort(times.asi8, kind="stable")  # asi8 counts ns
    values = values.iloc[order]
    lines = lines[order]
    duplicated = values.index.duplicated(keep="first")
    if duplicated.any():
        position = int(np.flatnonzero(duplicated)[0])
        first = int(np.flatnonzero(values.index == values.index[position])[0])
        raise DataError(
            f"{path} line {lines[position]}: timestamp {values.index[position].isoformat()} "
            f"duplicates line {lines[first]} (the same instant); each {frequency} may appear "
            "once, and a fall-back hour given twice needs its two UTC offsets"
        )
    return values, lines


def _check_demand_values(
    values: np.ndarray, lines: np.ndarray, columns, *, path: Path, unit: str
) -> None:
    bad = np.flatnonzero(~(values > 0))
    if len(bad):
        position = int(bad[0])
        raise DataError(
            f"{path} line {lines[position]}: column {columns[position]!r} value "
            f"{values[position]:g} {unit} is impossible; a grid's demand must be > 0 {unit}"
        )


def _check_spikes(demand: pd.Series, lines: np.ndarray, *, path: Path, unit: str) -> None:
    """Refuse a value above :data:`SPIKE_FACTOR` times the median of the
    :data:`SPIKE_WINDOW_HOURS` hours centred on it (``demand`` sorted, in MW): one row, not a
    gap, so it is refused as a zero is, and the user corrects or removes it (a removed hour is
    a gap like any other). Only the high side: a grid's demand can collapse (a blackout)."""
    values = demand.to_numpy(dtype=np.float64)
    median = (
        pd.Series(values)
        .rolling(SPIKE_WINDOW_HOURS + 1, center=True, min_periods=24)
        .median()
        .to_numpy()
    )
    with np.errstate(invalid="ignore"):
        spikes = np.flatnonzero(values > SPIKE_FACTOR * median)
    if not len(spikes):
        return
    position = int(spikes[np.argmax(values[spikes] / median[spikes])])
    shown = "" if unit == "MW" else f" (read in {unit})"
    others = f", the largest of {len(spikes)} such rows" if len(spikes) > 1 else ""
    raise DataError(
        f"{path} line {lines[position]}: demand {values[position]:,.0f} MW{shown} at "
        f"{demand.index[position].isoformat()} is {values[position] / median[position]:,.0f} "
        f"times the median of the week around it ({median[position]:,.0f} MW{others}); "
        "allowed: at "
        f"most {SPIKE_FACTOR:g} times it (a meter spike or a mistyped value: correct the row, "
        "or remove it, and the hour is a gap like any other)"
    )


def _check_named_unit(
    column: str, unit: str, *, pattern: re.Pattern, units, shown, path: Path, setting: str
) -> None:
    """Refuse a column whose name states another unit than the one it is read in."""
    found = pattern.search(column)
    if found is None:
        return
    named = {name.lower(): name for name in units}[found.group("unit").lower()]
    if named != unit:
        raise DataError(
            f"{path} line 1: column {column!r} is named in {shown(named)} but is read in "
            f"{shown(unit)} ({setting}); allowed: {setting} = {named!r} for this file, or a "
            f"column in {shown(unit)}"
        )


def _degrees(unit: str) -> str:
    return f"°{unit}"


def _read_wide_demand(
    text: str, *, path: Path, timezone: str, file_timezone: str, date_column: str
) -> tuple[pd.Series, np.ndarray]:
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader)]
    hour_columns: list[tuple[int, int, str]] = []  # (column index, hour ending, header)
    for index, name in enumerate(header):
        match = _HOUR_ENDING_HEADER.match(name)
        if match:
            hour_columns.append((index, int(match.group(1)), name))
    if sorted(hour for _, hour, _ in hour_columns) != list(range(1, 25)):
        raise DataError(
            f"{path} line 1: wide demand header must have columns 1시..24시 (hour-ending), "
            f"got {header!r}"
        )
    date_index = header.index(date_column)
    days: list[str] = []
    hours: list[int] = []
    lines: list[int] = []
    values: list[float] = []
    columns: list[str] = []
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            raise DataError(f"{path} line {line_number}: empty row inside the data")
        if len(row) < len(header):
            raise DataError(
                f"{path} line {line_number}: {len(row)} cells, the header has {len(header)}"
            )
        day = row[date_index].strip()
        for column_index, hour_ending, name in hour_columns:
            days.append(day)
            hours.append(hour_ending)
            lines.append(line_number)
            columns.append(name)
            values.append(
                _parse_number(row[column_index], path=path, line=line_number, column=name)
            )
    line_array = np.asarray(lines)
    dates = pd.to_datetime(pd.Series(days), errors="coerce", format="mixed")
    bad = (dates.isna() | (dates != dates.dt.normalize())).to_numpy()
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{path} line {line_array[position]}: column {date_column!r} value "
            f"{days[position]!r} is not a date (expected YYYY-MM-DD)"
        )
    value_array = np.asarray(values, dtype=np.float64)
    _check_demand_values(value_array, line_array, columns, path=path, unit="MW")
    # ``N시`` is labelled by its end, N:00 of the date (24시: 00:00 of the next day).
    wall_times = pd.DatetimeIndex(dates + pd.to_timedelta(np.asarray(hours), unit="h"))
    ends = _localize(
        wall_times, line_array, timezone=file_timezone, path=path,
        zone_setting="[data] timestamp_timezone",
    ).tz_convert(timezone)  # fmt: skip
    times = hour_beginning(ends, interval_label="ending")
    return pd.Series(value_array, index=times, name=DEMAND_COLUMN), line_array


def _parse_timestamps(
    raw: pd.Series,
    lines: np.ndarray,
    *,
    path: Path,
    timezone: str,
    column: str,
    off_hour_hint: str,
    zone_setting: str,
    file_timezone: str | None = None,
    observation_minute: int = 0,
    any_minute: bool = False,
) -> pd.DatetimeIndex:
    """The rows' instants in ``timezone``: timestamps with a UTC offset as they say, naive ones
    as wall-clock times of ``file_timezone`` (default ``timezone``), on the hour of
    ``timezone``'s clock (or at ``observation_minute``; at any minute with ``any_minute``, for
    the caller to check)."""
    text = raw.str.strip()
    naive_zone = file_timezone or timezone
    has_offset = text.str.contains(_OFFSET, regex=True)
    if has_offset.all():
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        bad = parsed.isna().to_numpy()
        if not bad.any():
            times = pd.DatetimeIndex(parsed).tz_convert(timezone)
            _check_zone(
                text, times, lines, column=column, timezones=(timezone, naive_zone), path=path
            )
            if any_minute:
                return times
            return _on_the_hour(
                times, raw, lines, path=path, column=column, hint=off_hour_hint,
                minute=observation_minute,
            )  # fmt: skip
    elif not has_offset.any():
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        bad = parsed.isna().to_numpy()
        if not bad.any():
            times = _localize(
                pd.DatetimeIndex(parsed), lines, timezone=naive_zone, path=path,
                zone_setting=zone_setting,
            ).tz_convert(timezone)  # fmt: skip
            if any_minute:
                return times
            return _on_the_hour(
                times, raw, lines, path=path, column=column, hint=off_hour_hint,
                minute=observation_minute,
            )  # fmt: skip
    else:
        position = int(np.flatnonzero(~has_offset.to_numpy())[0])
        raise DataError(
            f"{path} line {lines[position]}: column {column!r} value {raw.iloc[position]!r} "
            "has no UTC offset while other rows do; use one style throughout"
        )
    position = int(np.flatnonzero(bad)[0])
    raise DataError(
        f"{path} line {lines[position]}: column {column!r} value {raw.iloc[position]!r} is not "
        "an ISO 8601 timestamp"
    )


def _on_the_hour(
    times: pd.DatetimeIndex,
    raw: pd.Series,
    lines: np.ndarray,
    *,
    path: Path,
    column: str,
    hint: str,
    minute: int,
) -> pd.DatetimeIndex:
    """Refuse a timestamp off the hour of the zone's clock (``minute`` past it where given),
    naming its row: a pandas reindex on the hourly grid dropped a 10:30 row without a word, and
    a whole ASOS file at :53 left no hour at all. With ``minute`` (observations all taken at
    HH:53, say), each is labelled with the nearest hour: HH+1:00 from :30 on, else HH:00."""
    off = (
        (times.minute != minute)
        | (times.second != 0)
        | (times.microsecond != 0)
        | (times.nanosecond != 0)
    )
    if off.any():
        position = int(np.flatnonzero(off)[0])
        where = f"{path} line {lines[position]}: column {column!r} value {raw.iloc[position]!r}"
        if minute == 0:
            raise DataError(
                f"{where} is not on the hour; allowed: hourly timestamps on the hour "
                f"(hour-beginning, :00), {hint}"
            )
        raise DataError(
            f"{where} is not at minute {minute}; allowed: one observation an hour, at "
            f":{minute:02d} (observation_minute = {minute}), so leave out the reports at other "
            "minutes"
        )
    if minute == 0:
        return times
    return times + pd.Timedelta(minutes=60 - minute if minute >= 30 else -minute)


#: A timestamp's UTC offset at its end: ``+09:00``, ``+0900``, ``+09`` after a time, or ``Z``.
_OFFSET = r"(?:[+-]\d{2}:?\d{2}|(?<=:\d{2})[+-]\d{2}|Z)$"


def _stated_offsets(text: pd.Series) -> np.ndarray:
    """Each timestamp's stated UTC offset [min] (0 for ``Z``), read from its few distinct
    endings (a file has two or three: 0.01 s for 100,000 rows, not 0.2 s row by row)."""
    codes, endings = pd.factorize(text.str.slice(-6))
    found = pd.Series(endings).str.extract(r"(?:([+-])(\d{2})(?::?(\d{2}))?|Z)$")
    sign = np.where(found[0].to_numpy() == "-", -1, 1)
    hours, minutes = (pd.to_numeric(found[k]).fillna(0).to_numpy(dtype=np.int64) for k in (1, 2))
    return (sign * (hours * 60 + minutes))[codes]


def _check_zone(
    text: pd.Series,
    times: pd.DatetimeIndex,
    lines: np.ndarray,
    *,
    column: str,
    timezones: tuple[str, str],
    path: Path,
) -> None:
    """Refuse timestamps with a UTC offset the zones never have over the file's period: a file
    of another grid's zone (a config's or a model's ``timezone`` that does not fit the data;
    Sydney under Brisbane has +11:00 in summer). The instants would be read right, but every
    local calendar, holiday and hour of day would be wrong. UTC (``Z``, ``+00:00``) is always
    accepted, and so is a zone's standard offset all year (AEMO's +10:00 in Sydney), and the
    offsets of the file's own zone (``timezones``: the grid's, the file's)."""
    timezone = timezones[0]
    stated = _stated_offsets(text)
    # The zones' offsets over the whole years of the file (a summer-only file in Sydney may be
    # written in its standard time, +10:00), from one instant a day.
    offsets = []
    for name in dict.fromkeys(timezones):
        days = pd.date_range(
            f"{times.min().year}-01-01 12:00", f"{times.max().year}-12-31 12:00", freq="D",
            tz=name,
        )  # fmt: skip
        wall = days.tz_localize(None).to_numpy()
        utc = days.tz_convert("UTC").tz_localize(None).to_numpy()
        offsets.append(((wall - utc) // np.timedelta64(1, "m")).astype(np.int64))
    zone = np.unique(np.concatenate(offsets))
    foreign = (stated != 0) & ~np.isin(stated, zone)
    if not foreign.any():
        return

    def shown(minutes: np.ndarray) -> str:
        return ", ".join(
            f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
            for m in np.unique(minutes)
        )

    first = int(np.flatnonzero(foreign)[0])
    raise DataError(
        f"{path} line {lines[first]}: column {column!r} value {text.iloc[first]!r} has a UTC "
        f"offset {timezone} never has ({shown(stated[foreign])}; its own: {shown(zone)}): the "
        "file is from another time zone; use the time zone of its grid (a config's [model] "
        "timezone, or --model for the grid's own model)"
    )


@dataclass(frozen=True)
class DemandResolution:
    """The resolution of a demand file's rows and what averaging them to hourly left out."""

    minutes: int  # the rows' interval; 60 = hourly rows, nothing averaged [min]
    interval_label: str  # "beginning" or "ending" (INTERVAL_LABELS)
    incomplete_hours: int = 0  # hours without all their intervals: left out, gaps [h]

    def summary(self) -> str | None:
        """One line of how the rows were averaged to hourly (None for hourly rows), e.g.
        ``30-minute rows averaged to hourly (2 per hour, interval-ending labels)``."""
        if self.minutes == 60:
            return None
        per_hour = 60 // self.minutes
        lacking = (
            f"; {self.incomplete_hours:,} hour(s) without all {per_hour} left out as gaps"
            if self.incomplete_hours
            else ""
        )
        return (
            f"{self.minutes}-minute rows averaged to hourly ({per_hour} per hour, "
            f"interval-{self.interval_label} labels{lacking})"
        )

    def to_dict(self) -> dict:
        """JSON-ready: ``interval_minutes`` [min], ``interval_label``, ``incomplete_hours``
        [h]."""
        return {
            "interval_minutes": self.minutes,
            "interval_label": self.interval_label,
            "incomplete_hours": self.incomplete_hours,
        }


class DemandReading(NamedTuple):
    """What :func:`read_demand` read: the hourly demand and the rows' resolution."""

    demand: pd.Series  # [MW], as load_demand returns it
    resolution: DemandResolution


def _interval_minutes(times: pd.DatetimeIndex) -> int:
    """The rows' resolution: 60 where every timestamp is on the hour, else their most common
    step between instants where it is one of :data:`SUB_HOURLY_MINUTES` (60 otherwise: the
    off-hour rows are then refused as off the hour). [min]"""
    if not (times.minute != 0).any() or len(times) < 2:
        return 60
    steps = np.diff(np.unique(times.as_unit("ns").asi8)) / 60e9
    values, counts = np.unique(steps, return_counts=True)
    step = float(values[np.argmax(counts)])
    return int(step) if step in SUB_HOURLY_MINUTES else 60


def _hourly_means(
    demand: pd.Series,
    lines: np.ndarray,
    *,
    minutes: int,
    interval_label: str,
    raw: pd.Series,
    path: Path,
    column: str,
) -> tuple[pd.Series, np.ndarray, int]:
    """Hour-beginning hourly means of sub-hourly rows (sorted, no repeated instant; the module
    docstring), with each hour's first file line and the count of hours left out for a
    missing interval. A timestamp off the ``minutes`` step of the local clock is refused,
    naming its row."""
    times = pd.DatetimeIndex(demand.index)
    off = (times.minute % minutes != 0) | (times.second != 0) | (times.microsecond != 0)
    off |= times.nanosecond != 0
    if off.any():
        position = int(np.flatnonzero(off)[0])
        marks = ", ".join(f":{minute:02d}" for minute in range(0, 60, minutes))
        raise DataError(
            f"{path} line {lines[position]}: column {column!r} value {raw.iloc[position]!r} is "
            f"off the file's {minutes}-minute spacing (its rows' most common step): irregular "
            f"rows; allowed: one row per {minutes}-minute interval, at {marks} of the clock"
        )
    begins = times - pd.Timedelta(minutes=minutes) if interval_label == "ending" else times
    hours = begins - pd.to_timedelta(begins.minute, unit="min")
    grouped = pd.Series(demand.to_numpy(), index=hours).groupby(level=0)
    complete = grouped.size() == 60 // minutes
    means = grouped.mean()[complete]
    first_lines = pd.Series(lines, index=hours).groupby(level=0).min()[complete]
    hourly = pd.Series(means.to_numpy(), index=pd.DatetimeIndex(means.index), name=demand.name)
    return hourly, first_lines.to_numpy(), int((~complete).sum())


def _check_power_column(column: str, minutes: int, *, path: Path) -> None:
    """Refuse a column named in energy (``load_mwh``) at a resolution below the hour: MWh per
    interval is mean power only per hour."""
    found = _DEMAND_UNIT_IN_NAME.search(column)
    if found is not None and found.group(0).rstrip(")]").lower().endswith("h"):
        raise DataError(
            f"{path} line 1: column {column!r} is named in energy per row, and the rows are "
            f"{minutes}-minute intervals (energy per interval is not mean power); allowed: a "
            "column of each interval's mean power (MW, kW or GW), or hourly rows"
        )


def _read_long_columns(text: str, *, path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as error:
        # pandas: "Error tokenizing data. C error: Expected 3 fields in line 501, saw 4"
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if found is None:
            raise DataError(f"{path}: not a readable CSV table ({error})") from None
        expected, line, saw = found.groups()
        raise DataError(
            f"{path} line {line}: {saw} fields where the header has {expected}; quote a value "
            "that holds a comma, or remove the extra field"
        ) from None
    frame.columns = [str(name).strip() for name in frame.columns]
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"{path} line 1: missing column(s) {missing}; the header is "
            f"{list(frame.columns)!r} and must contain {list(columns)!r}"
        )
    if frame.empty:
        raise DataError(
            f"{path}: no data rows after the header line; allowed: one row per hour under "
            f"{', '.join(columns)}"
        )
    return frame


def _numeric_column(
    frame: pd.DataFrame,
    column: str,
    lines: np.ndarray,
    *,
    path: Path,
    allow_empty: bool,
    missing: tuple[str, ...] = (),
) -> np.ndarray:
    """The column's numbers; empty cells (and ``missing`` markers) are NaN where allowed."""
    text = frame[column].str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    empty = ((text == "") | text.isin(missing)).to_numpy()
    bad = numbers.isna().to_numpy() & ~(empty & allow_empty)
    bad |= np.isinf(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{path} line {lines[position]}: column {column!r} value "
            f"{frame[column].iloc[position]!r} is not a number"
        )
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def load_demand(
    path: Path | str,
    *,
    timezone: str = "Asia/Seoul",
    timestamp_column: str = TIMESTAMP_COLUMN,
    demand_column: str = DEMAND_COLUMN,
    wide_date_column: str = WIDE_DATE_COLUMN,
    unit: str = "MW",
    timestamp_timezone: str | None = None,
    interval_label: str = "beginning",
) -> pd.Series:
    """Hourly demand of a demand file, :func:`read_demand`'s without its resolution. [MW]"""
    return read_demand(
        path, timezone=timezone, timestamp_column=timestamp_column, demand_column=demand_column,
        wide_date_column=wide_date_column, unit=unit, timestamp_timezone=timestamp_timezone,
        interval_label=interval_label,
    ).demand  # fmt: skip


def read_demand(
    path: Path | str,
    *,
    timezone: str = "Asia/Seoul",
    timestamp_column: str = TIMESTAMP_COLUMN,
    demand_column: str = DEMAND_COLUMN,
    wide_date_column: str = WIDE_DATE_COLUMN,
    unit: str = "MW",
    timestamp_timezone: str | None = None,
    interval_label: str = "beginning",
) -> DemandReading:
    """Load hourly demand from a wide KPX file or a long ``timestamp,demand_mw`` file (hourly,
    or 5-, 15- or 30-minute rows averaged to hourly: the module docstring).

    The format is detected from the header: a ``1시..24시`` header is the wide KPX format.

    Parameters
    ----------
    path
        CSV file, UTF-8 (with or without BOM) or CP949.
    timezone
        IANA time zone of the grid; naive timestamps and wide-format dates are local
        wall-clock times in it.
    timestamp_column, demand_column
        Column names of the long format.
    wide_date_column
        Name of the date column of the wide format.
    unit
        Unit of the file's values, one of :data:`DEMAND_UNITS` (``"kW"``, ``"MW"``, ``"GW"``);
        converted to MW. A long-format column whose name states another unit (``load_kw``
        read in MW) is refused.
    timestamp_timezone
        IANA zone of the file's naive timestamps (and wide-format dates) when it is not the
        grid's: ``"UTC"``, or a fixed offset such as ``"Etc/GMT-10"`` (UTC+10 all year, AEMO's
        market time). Default: ``timezone``. Timestamps with a UTC offset need none.
    interval_label
        ``"beginning"`` (default) or ``"ending"``: whether a long-format timestamp labels the
        hour (or sub-hourly interval) it begins or the one it ends (AEMO's
        ``SETTLEMENTDATE``, most SCADA exports). The wide format is hour-ending by its header
        whatever this says.

    Returns
    -------
    DemandReading
        ``demand``: hour-beginning, on a tz-aware hourly ``DatetimeIndex`` in ``timezone``,
        sorted, without duplicates. Missing hours (and, from sub-hourly rows, hours missing
        an interval) stay missing (absent from the index): gaps are reported and handled by
        :mod:`forecast.io.gaps`, never here. The fall-back hour, given twice with its two UTC
        offsets, is two hours. [MW] ``resolution``: the rows' :class:`DemandResolution`.

    Raises
    ------
    DataError
        On a wrong encoding, a missing column, an unknown unit or a column named in another
        unit (or in energy, at a resolution below the hour), a non-numeric or impossible
        (≤ 0, non-finite) value, a spike (an hour above :data:`SPIKE_FACTOR` times its week's
        median), a timestamp off the hour (off the step of a 5-, 15- or 30-minute file), or
        one that repeats an instant already given; the message names the file line.
    """
    path = Path(path)
    if unit not in DEMAND_UNITS:
        raise DataError(
            f"{path}: demand unit {unit!r} is not known; allowed: "
            f"{', '.join(repr(name) for name in DEMAND_UNITS)}"
        )
    if interval_label not in INTERVAL_LABELS:
        raise DataError(
            f"{path}: interval label {interval_label!r} is not known; allowed: "
            f"{', '.join(repr(name) for name in INTERVAL_LABELS)}"
        )
    file_timezone = timestamp_timezone or timezone
    resolution = DemandResolution(60, interval_label)
    text = read_text(path)
    if not text:
        raise DataError(f"{path}: the file is empty; expected a header and hourly rows")
    header = next(csv.reader(io.StringIO(text)))
    if any(_HOUR_ENDING_HEADER.match(cell.strip()) for cell in header):
        if wide_date_column not in [cell.strip() for cell in header]:
            raise DataError(
                f"{path} line 1: wide demand header has no date column {wide_date_column!r} "
                f"(got {header[:3]!r}…); a wrongly decoded file shows garbled names here"
            )
        demand, lines = _read_wide_demand(
            text, path=path, timezone=timezone, file_timezone=file_timezone,
            date_column=wide_date_column,
        )  # fmt: skip
    else:
        frame = _read_long_columns(text, path=path, columns=(timestamp_column, demand_column))
        _check_named_unit(
            demand_column, unit, pattern=_DEMAND_UNIT_IN_NAME, units=DEMAND_UNITS, shown=str,
            path=path, setting="demand_unit",
        )  # fmt: skip
        lines = np.arange(2, len(frame) + 2)
        values = _numeric_column(frame, demand_column, lines, path=path, allow_empty=False)
        _check_demand_values(values, lines, [demand_column] * len(values), path=path, unit=unit)
        raw = frame[timestamp_column]
        hint = (
            "or 5-, 15- or 30-minute intervals at a steady step (averaged to hourly); else "
            "resample the file first"
        )
        index = _parse_timestamps(
            raw, lines, path=path, timezone=timezone, column=timestamp_column,
            off_hour_hint=hint, zone_setting="[data] timestamp_timezone",
            file_timezone=file_timezone, any_minute=True,
        )  # fmt: skip
        minutes = _interval_minutes(index)
        if minutes == 60:
            index = _on_the_hour(
                index, raw, lines, path=path, column=timestamp_column, hint=hint, minute=0
            )
            index = hour_beginning(index, interval_label=interval_label)
            demand = pd.Series(values, index=index, name=DEMAND_COLUMN)
        else:
            _check_power_column(demand_column, minutes, path=path)
            rows = pd.Series(values, index=index, name=DEMAND_COLUMN)
            order = np.argsort(index.as_unit("ns").asi8, kind="stable")  # _check_regular's
            rows, lines = _check_regular(rows, lines, path=path, frequency="interval")
            demand, lines, incomplete = _hourly_means(
                rows, lines, minutes=minutes, interval_label=interval_label,
                raw=raw.iloc[order], path=path, column=timestamp_column,
            )  # fmt: skip
            resolution = DemandResolution(minutes, interval_label, incomplete)
            if demand.empty:
                raise DataError(
                    f"{path}: no hour with all its {60 // minutes} {minutes}-minute intervals; "
                    "allowed: a file with at least one whole hour"
                )
    if demand.empty:
        raise DataError(f"{path}: no data rows after the header")
    demand = demand * DEMAND_UNITS[unit] if unit != "MW" else demand
    demand, lines = _check_regular(demand, lines, path=path, frequency="hour")
    _check_spikes(demand, lines, path=path, unit=unit)
    return DemandReading(demand, resolution)


def _check_temperature_range(
    values: np.ndarray,
    lines: np.ndarray,
    column: str,
    path: Path,
    *,
    given: np.ndarray | None = None,
    setting: str = "temperature_unit",
):
    """Refuse a value outside :data:`PLAUSIBLE_TEMPERATURE_C`; ``given``: the file's °F. Too
    hot in °C suggests the setting of a °F file (``setting`` of the location.toml)."""
    low, high = PLAUSIBLE_TEMPERATURE_C
    bad = np.flatnonzero((values < low) | (values > high))
    if len(bad):
        position = int(bad[0])
        shown = f"{values[position]:g} °C"
        hint = ""
        if given is not None:
            shown = f"{given[position]:g} °F ({values[position]:.1f} °C)"
        elif values[position] > high:
            hint = f' (a file in °F? set {setting} = "F" in the location.toml)'
        raise DataError(
            f"{path} line {lines[position]}: column {column!r} value {shown} "
            f"is impossible; allowed {low:g} to {high:g} °C{hint}"
        )


def _temperature_in_celsius(
    frame: pd.DataFrame,
    column: str,
    lines: np.ndarray,
    *,
    path: Path,
    unit: str,
    setting: str,
) -> np.ndarray:
    """A temperature column read in ``unit``, range-checked, in °C; gaps (empty cells and
    :data:`TEMPERATURE_MISSING_MARKERS`) are NaN."""
    _check_named_unit(
        column, unit, pattern=_TEMPERATURE_UNIT_IN_NAME, units=TEMPERATURE_UNITS,
        shown=_degrees, path=path, setting=setting,
    )  # fmt: skip
    values = _numeric_column(
        frame, column, lines, path=path, allow_empty=True, missing=TEMPERATURE_MISSING_MARKERS
    )
    if unit == "F":
        celsius = fahrenheit_to_celsius(values)
        _check_temperature_range(celsius, lines, column, path, given=values)
        return celsius
    _check_temperature_range(values, lines, column, path, setting=setting)
    return values


def _check_temperature_unit(unit: str, *, path: Path) -> None:
    if unit not in TEMPERATURE_UNITS:
        raise DataError(
            f"{path}: temperature unit {unit!r} is not known; allowed: "
            f"{', '.join(repr(name) for name in TEMPERATURE_UNITS)}"
        )


def load_hourly_temperature(
    path: Path | str,
    *,
    timezone: str = "Asia/Seoul",
    timestamp_column: str = TIMESTAMP_COLUMN,
    temperature_column: str = TEMPERATURE_COLUMN,
    unit: str = "C",
    observation_minute: int = 0,
    timestamp_timezone: str | None = None,
) -> pd.Series:
    """Load hourly air temperature observations ``timestamp,temp_c``.

    Gaps are allowed (weather records have them) and stay gaps: missing hours are absent
    from the result, never filled here. Empty cells and ASOS's ``M`` count as missing.

    Parameters
    ----------
    path
        CSV file, UTF-8 (with or without BOM) or CP949.
    timezone
        IANA time zone; naive timestamps are local wall-clock times in it.
    timestamp_column, temperature_column
        Column names (an NWS/ASOS export: ``valid``, ``tmpf``).
    unit
        Unit of the temperature column: ``"C"`` or ``"F"`` (converted to °C).
    observation_minute
        The minute past the hour (on the ``timezone`` clock) at which every observation is
        taken: 0, on the hour (the default), or e.g. 53 for ASOS/METAR routine reports, each
        then labelled with the nearest hour (HH:53 is HH+1:00). Any other minute is refused.
    timestamp_timezone
        IANA zone of the file's naive timestamps when it is not ``timezone`` (``"UTC"``, a
        fixed offset ``"Etc/GMT-10"``); default ``timezone``.

    Returns
    -------
    pandas.Series
        Observed temperature on a sorted tz-aware ``DatetimeIndex``. [°C]

    Raises
    ------
    DataError
        On a wrong encoding, missing column, a column named in the other unit, non-numeric or
        impossible value (outside :data:`PLAUSIBLE_TEMPERATURE_C`), a timestamp off the hour
        (or off ``observation_minute``) or a repeated instant; the message names the file line.
    """
    path = Path(path)
    frame = _read_long_columns(
        read_text(path), path=path, columns=(timestamp_column, temperature_column)
    )
    lines = np.arange(2, len(frame) + 2)
    _check_temperature_unit(unit, path=path)
    values = _temperature_in_celsius(
        frame, temperature_column, lines, path=path, unit=unit, setting="temperature_unit"
    )
    index = _parse_timestamps(
        frame[timestamp_column], lines, path=path, timezone=timezone, column=timestamp_column,
        observation_minute=observation_minute,
        off_hour_hint="or, for observations all taken at one minute past the hour (ASOS/METAR "
        "at :53), observation_minute = 53 in the location.toml",
        zone_setting="timestamp_timezone in the location.toml",
        file_timezone=timestamp_timezone,
    )  # fmt: skip
    temperature = pd.Series(values, index=index, name=TEMPERATURE_COLUMN)
    temperature, _ = _check_regular(temperature, lines, path=path, frequency="hour")
    return temperature.dropna()


def load_daily_temperature(
    path: Path | str,
    *,
    date_column: str = DAILY_DATE_COLUMN,
    mean_column: str = DAILY_MEAN_COLUMN,
    min_column: str = DAILY_MIN_COLUMN,
    max_column: str = DAILY_MAX_COLUMN,
    unit: str = "C",
) -> pd.DataFrame:
    """Load daily temperature statistics ``date,temp_mean_c,temp_min_c,temp_max_c``.

    Parameters
    ----------
    path
        CSV file, UTF-8 (with or without BOM) or CP949.
    date_column, mean_column, min_column, max_column
        Column names. Empty cells (and ASOS's ``M``) are kept as NaN.
    unit
        Unit of the value columns: ``"C"`` or ``"F"`` (converted to °C).

    Returns
    -------
    pandas.DataFrame
        Columns ``temp_mean_c``, ``temp_min_c``, ``temp_max_c`` [°C] on a sorted
        ``DatetimeIndex`` of dates (naive, local calendar days).

    Raises
    ------
    DataError
        On a wrong encoding, missing column, a column named in the other unit, non-date,
        non-numeric or impossible value, a day whose extremes do not bracket its mean, or a
        duplicate date; the message names the file line.
    """
    path = Path(path)
    _check_temperature_unit(unit, path=path)
    value_columns = (mean_column, min_column, max_column)
    frame = _read_long_columns(read_text(path), path=path, columns=(date_column, *value_columns))
    lines = np.arange(2, len(frame) + 2)
    dates = pd.to_datetime(frame[date_column].str.strip(), errors="coerce", format="ISO8601")
    if dates.isna().any():
        position = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(
            f"{path} line {lines[position]}: column {date_column!r} value "
            f"{frame[date_column].iloc[position]!r} is not a date (expected YYYY-MM-DD)"
        )
    result = {}
    for column, name in zip(
        value_columns, ("temp_mean_c", "temp_min_c", "temp_max_c"), strict=True
    ):
        result[name] = _temperature_in_celsius(
            frame, column, lines, path=path, unit=unit, setting="daily_temperature_unit"
        )
    with np.errstate(invalid="ignore"):
        inconsistent = (
            (result["temp_min_c"] > result["temp_max_c"])
            | (result["temp_mean_c"] < result["temp_min_c"])
            | (result["temp_mean_c"] > result["temp_max_c"])
        )
    if inconsistent.any():
        position = int(np.flatnonzero(inconsistent)[0])
        mean, low, high = (result[name][position] for name in result)
        raise DataError(
            f"{path} line {lines[position]}: {frame[date_column].iloc[position].strip()} has "
            f"mean {mean:g}, min {low:g}, max {high:g} °C; allowed: min <= mean <= max"
        )
    daily = pd.DataFrame(result, index=pd.DatetimeIndex(dates, name="date"))
    order = np.argsort(pd.DatetimeIndex(daily.index).as_unit("ns").asi8, kind="stable")
    daily, lines = daily.iloc[order], lines[order]
    duplicated = daily.index.duplicated()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated)[0])
        raise DataError(
            f"{path} line {lines[position]}: date {daily.index[position].date()} appears twice"
        )
    return daily
