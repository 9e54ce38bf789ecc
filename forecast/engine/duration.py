"""Per-draw hourly paths: load duration curves, peak-hour calendars, and paths kept whole.

The fused stream kernel reduces every hour as it goes and keeps no draw's hourly path. What
needs those paths hooks into the stream (``stream_hours(..., hourly_sink=...)``) with a
*sink*: a callable given each streamed chunk, which evaluates the rows and draws it wants with
:func:`forecast.kernels.hourly_rows` (same values as the stream, bit for bit) in pieces of
whole days of at most :data:`PIECE_ELEMENTS` values, and keeps what it needs.

* :class:`DurationCurves`: per year, each draw's hours sorted from the highest, reduced to the
  mean load of each band of ranks (:data:`DURATION_EDGES_H`: each of the 10 highest hours on
  its own, then bands widening to 250 hours), and the local month and hour of each draw's
  :data:`PEAK_HOURS` highest hours. Sorting needs a draw's whole year, so the sink holds one
  year of the first ``duration_draws`` draws as float32 (35 kB per draw and series: 70 MB for
  1,000 draws of the total and the AI load, 703 MB for the most allowed, 10,000); float32
  rounds each hourly value by at most 6e-8 of itself, and the band means are summed in
  float64, so a curve's integral equals the draw's annual energy to about 1e-7. The first
  draws are a uniform random sample of the draws (draws are independent and identically
  distributed), the same draws in every scenario of a comparison.
* :class:`DrawPaths`: the whole hourly path of a few chosen draws (grid-model exports).
* :class:`QuantilePaths`: hour by hour quantiles over all draws of derived columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import xarray as xr

from forecast import kernels
from forecast.calendar import HourlyCalendar
from forecast.engine.dataset import numpy_coordinate, numpy_variable
from forecast.kernels import layout
from forecast.outputs import BY_NAME, MONTH_HOUR_COORDINATES, mean_name, per_draw_name

#: Values (rows x draws x hours) evaluated at once: 32 MB of float64, like the stream's chunks.
PIECE_ELEMENTS = 4_000_000
#: The same for the duration curves, whose pieces are copied on at once: 2 MB of float64 stay
#: in the cache between the kernel and the copy (the 32 MB pieces took twice the CPU time).
DURATION_PIECE_ELEMENTS = 250_000
#: Draws whose ranked hours are summed in float64 at once in a duration curve. [-]
RANKED_DRAWS = 256
#: Band edges of a duration curve, in ranked hours from the highest (the last band runs to the
#: year's end: 8,760 or 8,784 hours). [h]
DURATION_EDGES_H = np.unique(
    np.r_[np.arange(10), np.arange(10, 100, 10), np.arange(100, 1000, 50),
          np.arange(1000, 8751, 250)]
).astype(np.int64)  # fmt: skip
#: Highest hours of each draw and year counted in the peak-hour calendar.
PEAK_HOURS = 10

Transform = Callable[[np.ndarray], np.ndarray]


def _pieces(
    inputs: kernels.StreamInputs,
    h0: int,
    rows: np.ndarray,
    positions: np.ndarray,
    *,
    elements: int = PIECE_ELEMENTS,
) -> Iterator[tuple[int, np.ndarray]]:
    """A chunk's values [K, S, h] of ``rows`` for the draws at sorted ``positions``, in pieces
    of whole days of at most about ``elements`` values, each with the period's index of its
    first hour. A piece is overwritten by the next: the caller copies what it keeps."""
    day_starts = inputs.day_starts
    n_days = day_starts.size - 1
    step = max(elements // max(rows.size * positions.size * 25, 1), 1)
    bounds = np.r_[np.arange(0, n_days, step), n_days]
    # One buffer for every piece: a new one each time paid for its pages again.
    most = int(np.diff(day_starts[bounds]).max(initial=0))
    flat = np.empty(rows.size * positions.size * most)
    for first, last in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        hours = int(day_starts[last] - day_starts[first])
        out = flat[: rows.size * positions.size * hours].reshape(rows.size, positions.size, hours)
        kernels.hourly_rows(inputs, first, last, rows, positions, out)
        yield h0 + int(day_starts[first]), out


def _positions(order: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Where each draw (draw order) sits in the stream's sorted order."""
    position_of = np.empty_like(order)
    position_of[order] = np.arange(order.size)
    return np.ascontiguousarray(position_of[draws]).astype(np.int64)


class DurationCurves:
    """Sink: each draw's duration curve per year and when its highest hours fall.

    Parameters
    ----------
    calendar : HourlyCalendar
        The projection's hours.
    n_draws : int
        Draws of the projection. [-]
    sample : int
        How many of the first draws the curves are built from. [-]
    has_baseline : bool
        Whether there is a total load (else the calendar follows the AI load). [-]
    """

    def __init__(
        self, calendar: HourlyCalendar, *, n_draws: int, sample: int, has_baseline: bool
    ) -> None:
        self.series = {"total": layout.TOTAL_ROW, "ai": layout.AI_ROW}
        if not has_baseline:
            del self.series["total"]
        self.rows = np.array(list(self.series.values()), dtype=np.int64)
        self.draws = np.arange(min(n_draws, sample), dtype=np.int64)
        self.years = calendar.years
        self.year_of_hour = calendar.year_of_hour
        self.first_hour = np.searchsorted(calendar.year_of_hour, np.arange(self.years.size))
        self.hours = calendar.hours_per_year.astype(np.int64)
        self.month_of_year = np.asarray(calendar.local.month - 1, dtype=np.int64)
        self.hour_of_day = np.asarray(calendar.local.hour, dtype=np.int64)
        shape = (self.rows.size, self.draws.size, self.years.size, DURATION_EDGES_H.size)
        self.curves = np.full(shape, np.nan)  # band means [K, S, Y, B]
        self.band_hours = np.zeros((self.years.size, DURATION_EDGES_H.size))
        self.peak_counts = np.zeros((self.years.size, 12, 24))
        self._open: tuple[int, np.ndarray] | None = None

    def __call__(self, inputs: kernels.StreamInputs, h0: int, order: np.ndarray) -> None:
        positions = _positions(order, self.draws)
        pieces = _pieces(inputs, h0, self.rows, positions, elements=DURATION_PIECE_ELEMENTS)
        for first, values in pieces:
            last = first + values.shape[2]
            # A piece's hours are consecutive: each year's part of it is a slice.
            for year in range(self.year_of_hour[first], self.year_of_hour[last - 1] + 1):
                start = max(first, int(self.first_hour[year]))
                end = min(last, int(self.first_hour[year] + self.hours[year]))
                self._add(year, start, values[:, :, start - first : end - first])

    def _add(self, year: int, first: int, values: np.ndarray) -> None:
        if self._open is None or self._open[0] != year:
            buffer = np.empty((self.rows.size, self.draws.size, self.hours[year]), np.float32)
            self._open = (year, buffer)
        buffer = self._open[1]
        offset = first - self.first_hour[year]
        buffer[:, :, offset : offset + values.shape[2]] = values
        if offset + values.shape[2] == self.hours[year]:
            self._close(year, buffer)
            self._open = None

    def _close(self, year: int, buffer: np.ndarray) -> None:
        hours = buffer.shape[2]
        top = min(PEAK_HOURS, hours)
        # The calendar's series is the first row (the total, or the AI load alone).
        highest = np.argpartition(buffer[0], hours - top, axis=1)[:, hours - top :]
        when = self.first_hour[year] + highest
        np.add.at(self.peak_counts[year], (self.month_of_year[when], self.hour_of_day[when]), 1)
        buffer.sort(axis=2)
        edges = DURATION_EDGES_H[hours > DURATION_EDGES_H]
        width = np.diff(np.r_[edges, hours])
        # Summed from contiguous float64 copies of a few draws at a time: the same sums as
        # reducing the reversed float32 view with dtype=float64, in a quarter of the time.
        for first in range(0, buffer.shape[1], RANKED_DRAWS):
            part = slice(first, first + RANKED_DRAWS)
            ranked = np.ascontiguousarray(buffer[:, part, ::-1], dtype=np.float64)
            sums = np.add.reduceat(ranked, edges, axis=2)
            self.curves[:, part, year, : edges.size] = sums / width
        self.band_hours[year, : edges.size] = width

    def peak_share_pct(self) -> np.ndarray:
        """Share of the counted highest hours in each month and hour, per year. [%] [Y, 12, 24]"""
        totals = self.peak_counts.sum(axis=(1, 2), keepdims=True)
        return np.divide(
            100.0 * self.peak_counts, totals, out=np.zeros_like(self.peak_counts), where=totals > 0
        )


class DrawPaths:
    """Sink: the whole hourly path of chosen draws, as columns made from the stream's rows.

    Parameters
    ----------
    rows : int64[K]
        Stream rows evaluated (:mod:`forecast.kernels.stream` row numbers). [-]
    draws : int64[S]
        The draws kept (draw order). [-]
    n_hours : int
        Hours of the projection. [-]
    columns : callable
        Maps values [K, S, h] to the kept columns [C, S, h]. [MW]
    n_columns : int
        ``C``. [-]
    """

    def __init__(
        self, rows: np.ndarray, draws: np.ndarray, n_hours: int, columns: Transform, n_columns: int
    ) -> None:
        self.rows, self.draws = np.asarray(rows, np.int64), np.asarray(draws, np.int64)
        self.columns = columns
        self.load_mw = np.full((n_columns, self.draws.size, n_hours), np.nan)  # [C, S, H] MW

    def __call__(self, inputs: kernels.StreamInputs, h0: int, order: np.ndarray) -> None:
        positions = _positions(order, self.draws)
        for first, values in _pieces(inputs, h0, self.rows, positions):
            self.load_mw[:, :, first : first + values.shape[2]] = self.columns(values)


class QuantilePaths:
    """Sink: quantiles over every draw, hour by hour, of columns made from the stream's rows.

    Parameters as :class:`DrawPaths`, with ``probabilities`` float64[Q] instead of draws;
    ``load_mw`` is [C, Q, H]. [MW]
    """

    def __init__(
        self,
        rows: np.ndarray,
        n_draws: int,
        n_hours: int,
        columns: Transform,
        n_columns: int,
        probabilities: np.ndarray,
    ) -> None:
        self.rows = np.asarray(rows, np.int64)
        self.draws = np.arange(n_draws, dtype=np.int64)
        self.columns = columns
        self.probabilities = np.asarray(probabilities, dtype=np.float64)
        self.load_mw = np.full((n_columns, self.probabilities.size, n_hours), np.nan)

    def __call__(self, inputs: kernels.StreamInputs, h0: int, order: np.ndarray) -> None:
        # Every draw in the stream's own order: quantiles do not depend on the order.
        for first, values in _pieces(inputs, h0, self.rows, self.draws):
            for column, series in enumerate(self.columns(values)):
                out = np.empty((self.probabilities.size, series.shape[1]))
                kernels.quantiles_over_draws(np.ascontiguousarray(series), self.probabilities, out)
                self.load_mw[column, :, first : first + series.shape[1]] = out


def add_duration_curves(
    dataset: xr.Dataset, curves: DurationCurves, probabilities: np.ndarray, *, per_draw: bool
) -> xr.Dataset:
    """The projection with the duration curves and the peak-hour calendar of ``curves``.

    Quantiles over draws are taken rank band by rank band: a quantile curve is non-increasing
    (each draw's curve is), but it is no draw's curve; the mean curve integrates to the mean
    annual energy of the draws it is built from.
    """
    data = {}
    for (series, _), values in zip(curves.series.items(), curves.curves, strict=True):
        name = f"{series}_load_duration_mw"
        flat = np.ascontiguousarray(values.reshape(values.shape[0], -1))
        out = np.empty((probabilities.size, flat.shape[1]))
        kernels.quantiles_over_draws(flat, probabilities, out)
        data[name] = np.moveaxis(out.reshape(probabilities.size, *values.shape[1:]), 0, -1)
        data[mean_name(name)] = values.mean(axis=0)
        if per_draw:
            data[per_draw_name(name)] = values
    data["duration_band_hours"] = curves.band_hours
    data["peak_hours_share_pct"] = curves.peak_share_pct()
    variables = {
        name: numpy_variable(
            BY_NAME[name].dims,
            values,
            {"units": BY_NAME[name].units, "description": BY_NAME[name].description},
        )
        for name, values in data.items()
    }
    coords = {
        "duration_band": ("duration_band", np.arange(DURATION_EDGES_H.size)),
        "duration_hours_from": (
            "duration_band",
            DURATION_EDGES_H,
            {"units": "h", "description": "rank of the band's first hour (0 = highest hour)"},
        ),
        **MONTH_HOUR_COORDINATES,
    }
    if per_draw:
        coords["duration_draw"] = (
            "duration_draw",
            curves.draws,
            {"description": "draw (index into draw) a duration curve comes from"},
        )
    result = dataset.assign(variables).assign_coords(
        {name: numpy_coordinate(name, *spec) for name, spec in coords.items()}
    )
    result.attrs |= {
        "duration_draws": int(curves.draws.size),
        "duration_peak_hours": PEAK_HOURS,
        "duration_values": "float32 hourly values (relative rounding <= 6e-8), float64 sums",
    }
    return result
