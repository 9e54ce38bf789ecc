"""The kernels' data layout, without numba: array types, the stream's rows and peaks,
:class:`StreamInputs` and :class:`SiteMonths`.

The engine, the exports and the NumPy twins read these without importing numba, so that a
projection small enough for the twins (:mod:`forecast.kernels`) never starts numba at all.
"""

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

#: Array types of the kernels' arguments (numba ignores annotations; they serve mypy).
FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.int64]
FlagArray = NDArray[np.uint8]

#: A stress-hour cutoff that lets every hour exactly at the level be a stress hour. [-]
ANY_HOUR = np.iinfo(np.int64).max

#: Rows of the per-hour value block, in this order; regions follow from row ``FIRST_REGION_ROW``.
#: AI is after flexibility; CURTAILED is the AI load flexibility removed (and did not place);
#: HELD is the non-AI load the baseline already holds (in NON_AI and DC, not in TOTAL).
(AI_ROW, BASELINE_ROW, TOTAL_ROW, NON_AI_ROW, DC_ROW, CURTAILED_ROW, HELD_ROW,
 FIRST_REGION_ROW) = range(8)  # fmt: skip
#: Per-block annual peak statistics, in this order (``peaks_out`` axis 1): the peaks of the AI,
#: baseline, total, non-AI and data-centre rows, the AI load at the total's peak hour, and that
#: hour (its index in the chunk as a float, -1 where the block has none). The hour takes the
#: place of the data-centre load at the peak, which the kernels recorded until 2026-12-06: the
#: engine finds that load, and the regions' loads, at the hour afterwards (draws x years
#: evaluations), so the hourly pass stores as many values as before.
(AI_PEAK, BASELINE_PEAK, TOTAL_PEAK, NON_AI_PEAK, DC_PEAK, AI_AT_TOTAL_PEAK, TOTAL_PEAK_HOUR) = (
    range(7)
)
PEAK_COUNT = 7
#: What flexibility's first pass counts of each year's stress hours in the period, in this order
#: (``called_out`` axis 0): the hours called, their events (runs of consecutive called hours)
#: and the longest event. [h, events, h]
(CALLED_HOURS, CALLED_EVENTS, LONGEST_EVENT) = range(3)
CALLED_COUNT = 3
#: Slots of the calendar of hours called (``called_slots_out`` axis 1): the local month of the
#: year and clock hour of the day, ``(month - 1) * 24 + hour``
#: (:attr:`forecast.calendar.HourlyCalendar.month_hour_of_hour`). [-]
MONTH_HOUR_SLOTS = 12 * 24
#: The unit of the calendar of energy given way (``called_energy_slots``), per MWh: each hour's
#: energy is rounded to the kWh and the calendar is a sum of whole kWh, exact and so the same
#: whatever ranges of draws the threads add up (tests/forecast/kernels/test_twins.py,
#: test_stress_levels_match_twin); int64 holds 9.2e15 MWh. [kWh/MWh]
KWH_PER_MWH = 1000.0
#: Draws from which the stream kernels search hourly quantiles in windows; with fewer,
#: quickselect on a copy of each row is as fast (a kr-national year: 0.085 s against 0.114 s
#: at 64 draws, even at 128, 0.58 s against 0.27 s at 256; measured 2026-12-05).
WINDOWED_DRAWS = 128


class StreamInputs(NamedTuple):
    """What the stream kernels evaluate, for a chunk of whole days (draws sorted by weather).

    Attributes (shapes: ``M`` months, ``R`` regions, ``D`` draws, ``H`` hours, ``N`` days,
    ``Y`` years, ``W`` weather groups):

    coef_t : float64[M, R, 4, D]
        AI load coefficients ``c0 .. c3`` by month, region and draw. [MW, MW, MW/°C, MW/°C]
    non_ai_t : float64[M, 4, D]
        Non-AI data-centre load: flat part and temperature part of all of it, then of the part
        the baseline already holds (not added to the total). [MW, MW/°C, MW, MW/°C]
    month_of_hour : int64[H]
        Month index of each hour into ``M``. [-]
    inference_shape : float64[H]
        Normalised inference-load shape ``phi``. [-]
    cooling_excess_c : float64[W, H]
        Temperature excess over the cooling reference of each weather group. [°C]
    baseline_level_t : float64[Y, D]
        Annual mean level of the baseline by year and draw (zeros without a baseline). [MW]
    baseline_shape : float64[W, H]
        Hourly baseline shape of each weather group. [-]
    daily_noise_t : float64[N, D]
        Multiplicative daily noise of the baseline by day and draw. [-]
    year_of_day : int64[N]
        Year index of each day into ``Y``. [-]
    day_starts : int64[N + 1]
        First hour of each day, then ``H``. [-]
    group_bounds : int64[W + 1]
        First draw of each weather group, then ``D``. [-]
    flex_share : float64[D]
        Share of the AI load that gives way in a stress hour (0: no flexibility). [-]
    stress_level_t : float64[Y, D]
        Total load at or above which an hour is a stress hour (inf: none). [MW]
    stress_hour_t : int64[Y, D]
        The last hour (index in the period) exactly at the level that is a stress hour: equal
        totals go to the earlier hours, so that a year has at most its N stress hours. [-]
    first_hour : int
        Index in the period of the chunk's first hour. [-]
    flex_shift : bool
        Shift the energy within the day (True) or curtail it (False). [-]
    full_load_t : float64[M, R, 2, D]
        Each region's AI load at full load, ``k0 + k1 x`` for the hour's cooling excess ``x``:
        the hosted IT nameplate at the hour's PUE, which a shifted load never fills an hour
        above (inf: no bound). [MW, MW/°C]
    has_non_ai : bool
        Whether ``non_ai_t`` holds a coefficient other than zero; False lets the kernels leave
        the non-AI rows at zero without evaluating them (default True). [-]
    """

    coef_t: FloatArray
    non_ai_t: FloatArray
    month_of_hour: IndexArray
    inference_shape: FloatArray
    cooling_excess_c: FloatArray
    baseline_level_t: FloatArray
    baseline_shape: FloatArray
    daily_noise_t: FloatArray
    year_of_day: IndexArray
    day_starts: IndexArray
    group_bounds: IndexArray
    flex_share: FloatArray
    stress_level_t: FloatArray
    stress_hour_t: IndexArray
    first_hour: int
    flex_shift: bool
    full_load_t: FloatArray
    has_non_ai: bool = True


class SiteMonths(NamedTuple):
    """What :func:`forecast.kernels.site_reductions` reads besides a site's coefficients: the
    projection's months, the same for every site.

    Attributes (shapes: ``W`` weather years, ``M`` months, ``K`` frontier hours of every
    weather year and month, ``D`` draws):

    hour_sums : float64[W, M, 4]
        Sums over each month's hours of ``1, phi, x, phi·x`` for each weather year
        (:func:`forecast.engine.power.month_hour_sums`). [h, h, °C·h, °C·h]
    month_hours : float64[M]
        Hours of each month in the period. [h]
    frontier_bounds : int64[W, M + 1]
        First row of ``frontier_basis`` of each weather year's month, then of the next: month
        ``m`` of weather year ``w`` has rows ``frontier_bounds[w, m]`` to
        ``frontier_bounds[w, m + 1]`` (none: no hour). [-]
    frontier_basis : float64[K, 4]
        ``1, phi, x, phi·x`` of each frontier hour (:func:`forecast.engine.power.
        month_frontiers`), the hours that can hold a month's highest load. [-, -, °C, °C]
    weather_of_draw : int64[D]
        Weather year of each draw, index into ``W``. [-]
    year_of_month : int64[M]
        Year of each month, index into the projection's years. [-]
    """

    hour_sums: FloatArray
    month_hours: FloatArray
    frontier_bounds: IndexArray
    frontier_basis: FloatArray
    weather_of_draw: IndexArray
    year_of_month: IndexArray


class StressPass(NamedTuple):
    """Flexibility's first pass (:func:`forecast.kernels.stress_levels`): what it carries from
    chunk to chunk, what it writes and what it counts by, passed to the dispatcher, the kernel
    and each range of draws as one argument. Made by :func:`stress_pass`.

    Attributes (shapes: ``D`` draws, ``N`` stress hours a year, ``Y`` years, ``H`` hours of
    the pass, ``S`` :data:`MONTH_HOUR_SLOTS`):

    heaps : float64[D, N]
        Carried: each draw's highest hours of its open year, as a min-heap. [MW]
    heap_hours : int64[D, N]
        Carried: their hours, index in the period. [-]
    heap_ai : float64[D, N]
        Carried: the AI load in them. [MW]
    sizes : int64[D]
        Carried: how many hours each heap holds. [-]
    open_year : int64[D]
        Carried: the year each draw's heap belongs to (-1 before the first chunk). [-]
    levels : float64[Y, D]
        Written as years close: the stress level (inf until then). [MW]
    cutoffs : int64[Y, D]
        Written as years close: the last hour exactly at the level that is a stress hour. [-]
    total_peak : float64[Y, D]
        Raised: the total load's annual peak, without flexibility (-inf until then). [MW]
    ai_at_peak : float64[Y, D]
        Written with each new total peak: the AI load in that hour. [MW]
    called : int64[3, Y, D]
        Written as years close: the stress hours counted, their events (runs of consecutive
        stress hours) and the longest event (``CALLED_HOURS``, ``CALLED_EVENTS``,
        ``LONGEST_EVENT``). [h, events, h]
    called_ai : float64[Y, D]
        Written as years close: the AI energy in the stress hours counted, before
        flexibility. [MWh]
    called_slots : int64[Y, S]
        Added to as years close: the hours called in each slot, summed over the draws
        ``counted``. [h]
    called_energy_slots : int64[Y, S]
        Added to as years close: the energy the flexible share gives way in the hours called
        in each slot (``flex_share`` x the AI load before flexibility, each hour's rounded to
        the kWh), summed over the draws ``counted``. [kWh]
    period_hours : int64[2]
        First hour and one past the last (index in the period) whose stress hours are
        counted. [-]
    slot_of_hour : int64[H]
        The slot of each hour of the pass (index in the period), ``(month - 1) * 24 + hour``
        in local time. [-]
    counted : uint8[D]
        1 for a draw whose hours called go into ``called_slots`` (one whose flexible share is
        above 0), 0 for one left out. [-]
    flex_share : float64[D]
        Each draw's flexible share of the AI load (what ``called_energy_slots`` weighs the AI
        load by; the pass's own chunks carry none). [-]
    """

    heaps: FloatArray
    heap_hours: IndexArray
    heap_ai: FloatArray
    sizes: IndexArray
    open_year: IndexArray
    levels: FloatArray
    cutoffs: IndexArray
    total_peak: FloatArray
    ai_at_peak: FloatArray
    called: IndexArray
    called_ai: FloatArray
    called_slots: IndexArray
    called_energy_slots: IndexArray
    period_hours: IndexArray
    slot_of_hour: IndexArray
    counted: FlagArray
    flex_share: FloatArray


def stress_pass(
    draws: int,
    years: int,
    hours_per_year: int,
    *,
    slot_of_hour: IndexArray,
    counted: FlagArray,
    flex_share: FloatArray | None = None,
    period_hours: tuple[int, int] = (0, int(ANY_HOUR)),
) -> StressPass:
    """A :class:`StressPass` before the first chunk: empty heaps, no year open, every level
    inf, every peak -inf and nothing counted yet.

    Parameters
    ----------
    draws, years : int
        Draws and years of the pass. [-]
    hours_per_year : int
        Stress hours a year, ``N`` (0 finds the peaks alone). [h]
    slot_of_hour : int64[H]
        The month-and-hour slot of each hour of the pass. [-]
    counted : uint8[D]
        The draws whose hours called go into ``called_slots``. [-]
    flex_share : float64[D], optional
        Each draw's flexible share (default 0 for every draw: no energy gives way). [-]
    period_hours : (int, int)
        First hour and one past the last whose stress hours are counted. [-]
    """
    return StressPass(
        heaps=np.empty((draws, hours_per_year)),
        heap_hours=np.zeros((draws, hours_per_year), dtype=np.int64),
        heap_ai=np.zeros((draws, hours_per_year)),
        sizes=np.zeros(draws, dtype=np.int64),
        open_year=np.full(draws, -1, dtype=np.int64),
        levels=np.full((years, draws), np.inf),
        cutoffs=np.full((years, draws), ANY_HOUR, dtype=np.int64),
        total_peak=np.full((years, draws), -np.inf),
        ai_at_peak=np.zeros((years, draws)),
        called=np.zeros((CALLED_COUNT, years, draws), dtype=np.int64),
        called_ai=np.zeros((years, draws)),
        called_slots=np.zeros((years, MONTH_HOUR_SLOTS), dtype=np.int64),
        called_energy_slots=np.zeros((years, MONTH_HOUR_SLOTS), dtype=np.int64),
        period_hours=np.array(period_hours, dtype=np.int64),
        slot_of_hour=slot_of_hour,
        counted=counted,
        flex_share=np.zeros(draws) if flex_share is None else flex_share,
    )
