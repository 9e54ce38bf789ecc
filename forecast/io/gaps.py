"""Gaps in hourly demand and temperature: found, reported, and handled by one documented rule.

Real records miss hours: a utility's file without the fall-back hours, a weather station down
for four days, the KMA hourly record without 2024-12-31 01:00-23:00. A gap is data, never an
error. On the complete hourly grid of the period (one entry per instant, so a DST change is
never a gap), every run of missing hours is handled by this rule:

1. **Short gaps are interpolated.** A run of at most :data:`MAX_INTERPOLATED_GAP_HOURS`
   missing hours with an observed hour on both sides is filled linearly in time.
2. **Longer gaps are rebuilt or masked.**

   * Temperature: rebuilt from the day's official minimum and maximum with the month's
     diurnal shape where the weather location has a daily file with that day
     (:mod:`forecast.weather.reconstruction`). Otherwise the hours are filled from the
     record's own mean by month and hour plus the anomaly interpolated between the gap's
     edges, only so that daily means and smoothed temperatures stay defined, and **masked**.
   * Demand: **masked**.

   Masked hours take no part in fitting the baseline model and are not scored (ex post, the
   hours with masked temperature are not scored either).

Every gap is reported: how many, how many hours, the longest, where, and how each was handled
(:class:`GapReport`), the hours before a file's first row and after its last (a config's years
around a part-year file) apart from the gaps inside it. Training prints the reports and stores
them in the artifact's manifest; ``forecast evaluate`` prints them next to the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Longest run of missing hours filled by linear interpolation. Six hours: the diurnal cycle
#: is roughly linear over a quarter day, and longer straight lines flatten the daily extremes
#: that drive the temperature response. [h]
MAX_INTERPOLATED_GAP_HOURS = 6

#: How a missing hour was handled, in increasing order of doubt (the codes of ``handling``).
OBSERVED, INTERPOLATED, REBUILT, MASKED = 0, 1, 2, 3
HANDLING_NAMES = {
    INTERPOLATED: "interpolated",
    REBUILT: "rebuilt from daily values",
    MASKED: "masked",
}
#: The rule above in a sentence, as reports and model cards state it.
RULE = (
    f"gaps of at most {MAX_INTERPOLATED_GAP_HOURS} h between observed hours are interpolated "
    "linearly; longer temperature gaps are rebuilt from the daily mean, minimum and maximum "
    "where a daily file has the day, otherwise masked; longer demand gaps are masked; masked "
    "hours are neither fitted nor scored"
)
#: Gaps listed one by one in a report's dictionary (the longest first); the rest are counted.
LISTED_GAPS = 20


def missing_runs(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First position and length of each run of ``True`` in ``missing``, int64 arrays."""
    step = np.diff(np.r_[0, np.asarray(missing, dtype=np.int8), 0])
    starts = np.flatnonzero(step == 1)
    return starts, np.flatnonzero(step == -1) - starts


def short_inside_gaps(missing: np.ndarray, limit: int = MAX_INTERPOLATED_GAP_HOURS) -> np.ndarray:
    """Hours in runs of at most ``limit`` missing hours with an observed hour on each side."""
    missing = np.asarray(missing, dtype=bool)
    short = np.zeros(missing.size, dtype=bool)
    starts, lengths = missing_runs(missing)
    for start, length in zip(starts, lengths, strict=True):
        if length <= limit and start > 0 and start + length < missing.size:
            short[start : start + length] = True
    return short


def interpolate_short_gaps(
    values: np.ndarray, limit: int = MAX_INTERPOLATED_GAP_HOURS
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the short inside gaps (rule 1) linearly; return the values and which were filled.

    Parameters
    ----------
    values
        Hourly values on a complete grid, NaN where missing, float64[H].
    limit
        Longest run filled. [h]

    Returns
    -------
    tuple of numpy.ndarray
        A filled copy (longer gaps stay NaN) and bool[H], the hours filled.
    """
    values = np.array(values, dtype=np.float64)
    missing = np.isnan(values)
    fill = short_inside_gaps(missing, limit)
    if fill.any():
        positions = np.arange(values.size)
        values[fill] = np.interp(positions[fill], positions[~missing], values[~missing])
    return values, fill


@dataclass(frozen=True)
class Gap:
    """One run of consecutive missing hours."""

    first: pd.Timestamp  # first missing hour
    last: pd.Timestamp  # last missing hour
    hours: int  # [h]
    handling: str  # how its hours were handled, e.g. "interpolated" or "masked"

    def describe(self) -> str:
        """``2024-12-31T01:00:00+09:00 .. 2024-12-31T23:00:00+09:00 (23 h, masked)``."""
        span = f"{self.first.isoformat()} .. {self.last.isoformat()}"
        return f"{span} ({self.hours:,} h, {self.handling})"


@dataclass(frozen=True)
class GapReport:
    """The gaps of one hourly series over a period, and how each was handled.

    Attributes
    ----------
    series
        What was read, e.g. ``"demand"`` or ``"temperature"``.
    source
        The file (or files) it came from.
    expected_hours
        Hours in the period's complete grid. [h]
    gaps
        Every run of missing hours, in time order.
    period
        The period's first and last hour: two reports of one file over different periods
        (a weather location's standard-time years, a grid's local years) differ by the hours
        at their ends, and the summary says which hours each counted.
    rows
        The first and last observed hour: a period longer than the file (a config's years
        around a file that starts in July) misses the hours outside them, which the summary
        tells apart from the gaps inside the file.
    averaging
        How the file's rows became hours where they were not hourly, e.g. ``30-minute rows
        averaged to hourly (2 per hour, interval-ending labels)``
        (:meth:`forecast.io.loaders.DemandResolution.summary`); None for hourly rows.
    """

    series: str
    source: str
    expected_hours: int
    gaps: tuple[Gap, ...]
    #: First and last hour of the period counted, or None when not known.
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None
    #: First and last observed hour in the period (the file's first and last row there), or
    #: None when no hour is observed (or not known): the gaps before the first and after the
    #: last are the span the file does not cover, the others are inside it.
    rows: tuple[pd.Timestamp, pd.Timestamp] | None = None
    averaging: str | None = None

    @classmethod
    def from_handling(
        cls,
        times: pd.DatetimeIndex,
        handling: np.ndarray,
        *,
        series: str,
        source: str,
        averaging: str | None = None,
    ) -> GapReport:
        """The report of a series whose hours were handled as ``handling`` (codes above),
        ``averaging`` saying how sub-hourly rows became them."""
        handling = np.asarray(handling)
        starts, lengths = missing_runs(handling != OBSERVED)
        gaps = []
        for start, length in zip(starts, lengths, strict=True):
            codes = handling[start : start + length]
            kinds = [
                f"{int((codes == code).sum()):,} h {name}" if len(np.unique(codes)) > 1 else name
                for code, name in HANDLING_NAMES.items()
                if (codes == code).any()
            ]
            gaps.append(
                Gap(
                    first=times[start],
                    last=times[start + length - 1],
                    hours=int(length),
                    handling=", ".join(kinds),
                )
            )
        period = (times[0], times[-1]) if len(times) else None
        observed = np.flatnonzero(handling == OBSERVED)
        rows = (times[observed[0]], times[observed[-1]]) if observed.size else None
        return cls(
            series=series,
            source=source,
            expected_hours=len(times),
            gaps=tuple(gaps),
            period=period,
            rows=rows,
            averaging=averaging,
        )

    @property
    def missing_hours(self) -> int:
        """Hours missing in all. [h]"""
        return sum(gap.hours for gap in self.gaps)

    @property
    def longest(self) -> Gap | None:
        """The longest gap (the first of equals), or None without gaps."""
        return max(self.gaps, key=lambda gap: gap.hours, default=None)

    @property
    def before_rows(self) -> Gap | None:
        """The hours of the period before the first observed one, or None."""
        if not self.gaps or self.rows is None:
            return None
        return self.gaps[0] if self.gaps[0].last < self.rows[0] else None

    @property
    def after_rows(self) -> Gap | None:
        """The hours of the period after the last observed one, or None."""
        if not self.gaps or self.rows is None:
            return None
        return self.gaps[-1] if self.gaps[-1].first > self.rows[1] else None

    @property
    def inside(self) -> tuple[Gap, ...]:
        """The gaps between the first and the last observed hour."""
        return tuple(gap for gap in self.gaps if gap not in (self.before_rows, self.after_rows))

    def summary(self) -> str:
        """One line: how sub-hourly rows were averaged (where they were), the gaps inside the
        file (count, hours, the longest and where), the hours of the period before its first
        and after its last row, and the period counted."""
        counted = (
            f" (hours counted: {self.period[0].isoformat()} .. {self.period[1].isoformat()})"
            if self.period is not None
            else ""
        )
        where = f"{self.series} ({self.source})" + (f", {self.averaging}" if self.averaging else "")
        if not self.gaps:
            return f"{where}: no gaps in {self.expected_hours:,} hours{counted}"
        if self.rows is None:
            return f"{where}: no observed hour in {self.expected_hours:,} hours{counted}"
        inside = self.inside
        longest = max(inside, key=lambda gap: gap.hours, default=None)
        outside = [
            f"{gap.hours:,} h {side} ({gap.handling})"
            for gap, side in (
                (self.before_rows, "before its first row"),
                (self.after_rows, "after its last"),
            )
            if gap is not None
        ]
        if not outside:
            assert longest is not None  # there are gaps, all inside
            return (
                f"{where}: {len(inside)} gap(s), {self.missing_hours:,} of "
                f"{self.expected_hours:,} hours missing; longest {longest.describe()}{counted}"
            )
        rows = f"{self.rows[0].isoformat()} .. {self.rows[1].isoformat()}"
        span = self.expected_hours - sum(
            gap.hours for gap in (self.before_rows, self.after_rows) if gap is not None
        )
        within = (
            f"{len(inside)} gap(s) inside the file's rows ({rows}), "
            f"{sum(gap.hours for gap in inside):,} of their {span:,} hours missing; longest "
            f"{longest.describe()}"
            if longest is not None
            else f"no gaps inside the file's rows ({rows}, {span:,} hours)"
        )
        return f"{where}: {within}; not covered by the file: {', '.join(outside)}{counted}"

    def to_dict(self) -> dict:
        """JSON-ready: counts, the longest gaps (at most :data:`LISTED_GAPS`) and the rule."""
        listed = sorted(self.gaps, key=lambda gap: (-gap.hours, gap.first))[:LISTED_GAPS]
        return {
            "series": self.series,
            "source": self.source,
            "averaging": self.averaging,
            "expected_hours": self.expected_hours,
            "gap_count": len(self.gaps),
            "missing_hours": self.missing_hours,
            "longest_hours": self.longest.hours if self.longest else 0,
            "rows": [stamp.isoformat() for stamp in self.rows] if self.rows else None,
            "hours_before_rows": self.before_rows.hours if self.before_rows else 0,
            "hours_after_rows": self.after_rows.hours if self.after_rows else 0,
            "inside_gap_count": len(self.inside),
            "inside_missing_hours": sum(gap.hours for gap in self.inside),
            "longest_inside_hours": max((gap.hours for gap in self.inside), default=0),
            "gaps": [
                {
                    "first_missing": gap.first.isoformat(),
                    "last_missing": gap.last.isoformat(),
                    "hours": gap.hours,
                    "handling": gap.handling,
                }
                for gap in sorted(listed, key=lambda gap: gap.first)
            ],
            "rule": RULE,
        }
