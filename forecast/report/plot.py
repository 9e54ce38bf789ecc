"""Report figures of a projection: load fan charts and annual bars, the grid's annual peak with
and without the data centres, load duration curves, the peak-hour calendar, data-centre energy
by region and the grid queue by region, as PNG or SVG with a "Source:" line under them.

The figure mirrors the service's dashboard: fan charts (P5–P95 and P10–P90 bands, P50 line)
of the AI data-centre load and of the grid's total load, and annual bars of AI energy [TWh]
with P10–P90 error bars and of the AI share of the grid's electricity [%]. Rendering uses
matplotlib's Agg canvas on a :class:`matplotlib.figure.Figure` (no pyplot, no global backend
change, no display, no network).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.errors import PROJECTION_PERIOD, OptionsError, year_error
from forecast.io.files import atomic_write
from forecast.outputs import numpy_values, values_at

FORMATS: dict[str, str] = {".png": "png", ".svg": "svg"}
FAN_LEVELS = (0.05, 0.10, 0.50, 0.90, 0.95)
BAR_LEVELS = (0.10, 0.50, 0.90)
# Above this the AI load reads better in GW than in MW.
GW_THRESHOLD_MW = 10_000.0
AI_COLOUR = "#c2410c"
TOTAL_COLOUR = "#1d4ed8"
SHARE_COLOUR = "#4b5563"
#: Series told apart within one panel (years, scenarios, peak-hour lines): Okabe & Ito's
#: colour-blind-safe colours (https://jfly.uni-koeln.de/color/), only those at 3:1 or more
#: against white (WCAG 2.2 1.4.11), each series with its own line style, marker and hatch as
#: well, so that colour is never the only cue (1.4.1).
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
SERIES_LINESTYLES = ("-", "--", ":", "-.")
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P")
SERIES_HATCHES = ("", "//", "..", "xx", "\\\\", "--")
#: A band's fill is light so that the P50 line shows on it, below 3:1 against white: its edge,
#: in the series colour, is what reaches 3:1 (WCAG 1.4.11).
BAND_EDGE_WIDTH = 0.7
PNG_DPI = 110
# Fixed ids in the SVG, so that the same projection gives the same file.
SVG_HASH_SALT = "forecast-plot"


def figure_format(path: Path) -> str:
    """The image format of ``path`` from its suffix.

    Raises
    ------
    OptionsError
        The suffix is not ``.png`` or ``.svg``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OptionsError(
            f"out = {str(path)!r}: suffix {suffix or '(none)'!r} is not an image format; "
            f"allowed: {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def quantile_rows(variable: xr.DataArray, levels: tuple[float, ...], **where) -> np.ndarray:
    """Values at each probability level, stacked on the first axis, at the labels ``where``
    of its other dimensions (``year=2030``). [variable's unit]

    Each level is the nearest quantile held, as ``.sel(method="nearest")`` finds it, read by
    position (:func:`forecast.outputs.values_at`): a label selection imports dask."""
    available = numpy_values(variable["quantile"])
    missing = [level for level in levels if not np.isclose(available, level).any()]
    if missing:
        raise OptionsError(
            f"quantiles = {available.tolist()}: the figure needs {list(levels)}; missing {missing}"
        )
    index = variable.indexes["quantile"]
    nearest = index[index.get_indexer(list(levels), method="nearest")]
    return np.stack([values_at(variable, {**where, "quantile": level}) for level in nearest])


def _local_times(dataset: xr.Dataset) -> pd.DatetimeIndex:
    """Start of each period as local wall-clock time (the scenario's time zone)."""
    return pd.DatetimeIndex(numpy_values(dataset["local_time"]))


def _series_style(index: int) -> dict:
    """Colour, line style and marker of the ``index``-th series of a panel."""
    return {
        "color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
        "linestyle": SERIES_LINESTYLES[index % len(SERIES_LINESTYLES)],
        "marker": SERIES_MARKERS[index % len(SERIES_MARKERS)],
    }


def _band(axes, x, low, high, *, colour: str, alpha: float, linestyle: str = "-", **options):
    """A light band between ``low`` and ``high`` outlined in ``colour``."""
    from matplotlib.colors import to_rgba

    return axes.fill_between(
        x, low, high, facecolor=to_rgba(colour, alpha), edgecolor=colour,
        linewidth=BAND_EDGE_WIDTH, linestyle=linestyle, **options,
    )  # fmt: skip


def _fan(axes, times: pd.DatetimeIndex, values: np.ndarray, *, colour: str) -> None:
    """Draw P5–P95 and P10–P90 bands and the P50 line (``values`` rows: FAN_LEVELS)."""
    p5, p10, p50, p90, p95 = values
    _band(axes, times, p5, p95, colour=colour, alpha=0.16, linestyle=":", label="P5–P95")
    _band(axes, times, p10, p90, colour=colour, alpha=0.32, linestyle="--", label="P10–P90")
    axes.plot(times, p50, color=colour, linewidth=1.6, label="P50")
    axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.margins(x=0)


def _annual_bars(axes, years: np.ndarray, values: np.ndarray, *, colour: str) -> None:
    """Bars at P50 with P10–P90 error bars (``values`` rows: BAR_LEVELS)."""
    p10, p50, p90 = values
    error = np.vstack([p50 - p10, p90 - p50])
    axes.bar(years, p50, color=colour, alpha=0.85, width=0.7, label="P50")
    axes.errorbar(
        years,
        p50,
        yerr=error,
        fmt="none",
        ecolor="#111827",
        elinewidth=1,
        capsize=3,
        label="P10–P90",
    )
    axes.set_xticks(years)
    axes.set_xticklabels([str(year) for year in years], rotation=45 if len(years) > 8 else 0)
    axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
    axes.set_axisbelow(True)


def projection_figure(dataset: xr.Dataset):
    """The report figure of a projection.

    Parameters
    ----------
    dataset : xarray.Dataset
        A projection (:func:`forecast.projection.project`) with at least the quantiles
        0.05, 0.1, 0.5, 0.9 and 0.95.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels: AI load fan [MW or GW], total grid load fan [GW], AI energy per year
        [TWh] and AI share of the grid's electricity per year [%].

    Raises
    ------
    OptionsError
        A quantile the figure needs is missing.
    """
    from matplotlib.figure import Figure

    times = _local_times(dataset)
    years = numpy_values(dataset["year"]).astype(int)
    resolution = dataset.attrs.get("resolution", "hourly")
    timezone = dataset.attrs["timezone"]
    has_baseline = "total_mw" in dataset

    figure = Figure(figsize=(12.0, 8.2), layout="constrained")
    (ai_axes, total_axes), (energy_axes, share_axes) = figure.subplots(2, 2)
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: AI data-centre electricity demand "
        f"({dataset.attrs['draws']} draws, seed {dataset.attrs['seed']}, "
        f"baseline {dataset.attrs.get('baseline_model', 'none')})",
        fontsize=12,
    )
    mean_note = f"{resolution} mean of hourly load" if resolution != "hourly" else "hourly load"
    time_label = f"Local time ({timezone}); {mean_note}"

    ai_mw = quantile_rows(dataset["ai_facility_mw"], FAN_LEVELS)
    in_gw = np.nanmax(ai_mw) >= GW_THRESHOLD_MW
    _fan(ai_axes, times, ai_mw / 1000.0 if in_gw else ai_mw, colour=AI_COLOUR)
    ai_axes.set_title("AI data-centre load at the grid")
    ai_axes.set_ylabel(f"AI facility load [{'GW' if in_gw else 'MW'}]")
    ai_axes.set_xlabel(time_label)
    ai_axes.set_ylim(bottom=0)
    ai_axes.legend(loc="upper left", fontsize=8, frameon=False)

    if has_baseline:
        _fan(
            total_axes,
            times,
            quantile_rows(dataset["total_mw"], FAN_LEVELS) / 1000.0,
            colour=TOTAL_COLOUR,
        )
        total_axes.set_title("Total grid load (baseline + AI)")
        total_axes.set_ylabel("Grid load [GW]")
        total_axes.set_xlabel(time_label)
        total_axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    else:
        total_axes.set_axis_off()
        total_axes.text(
            0.5,
            0.5,
            f"No baseline model for country {dataset.attrs.get('country', '?')}'s grid:\n"
            "the projection has AI load only.",
            ha="center",
            va="center",
            transform=total_axes.transAxes,
        )

    _annual_bars(
        energy_axes, years, quantile_rows(dataset["ai_energy_twh"], BAR_LEVELS), colour=AI_COLOUR
    )
    energy_axes.set_title("AI data-centre electricity per year (P50, P10–P90 bars)")
    energy_axes.set_ylabel("AI energy [TWh]")
    energy_axes.set_xlabel("Calendar year (local time)")
    energy_axes.legend(loc="upper left", fontsize=8, frameon=False)

    if "ai_share_of_energy_pct" in dataset:
        _annual_bars(
            share_axes,
            years,
            quantile_rows(dataset["ai_share_of_energy_pct"], BAR_LEVELS),
            colour=SHARE_COLOUR,
        )
        share_axes.set_title("AI share of the grid's electricity (P50, P10–P90 bars)")
        share_axes.set_ylabel("AI share of energy [%]")
        share_axes.set_xlabel("Calendar year (local time)")
    else:
        share_axes.set_axis_off()
    return figure


def _p50_range(
    axes, years: np.ndarray, values: np.ndarray, *, label: str, colour: str, style: str,
    marker: str, size: float,
) -> None:  # fmt: skip
    """A P50 line with markers and its P10–P90 band (``values`` rows: BAR_LEVELS)."""
    p10, p50, p90 = values
    _band(axes, years, p10, p90, colour=colour, alpha=0.12, linestyle=style)
    axes.plot(
        years, p50, color=colour, marker=marker, markersize=size, linewidth=1.6,
        linestyle=style, label=label,
    )  # fmt: skip


def peak_figure(dataset: xr.Dataset):
    """The grid's annual peak with and without the data centres.

    Parameters
    ----------
    dataset : xarray.Dataset
        A projection with a baseline model (``total_peak_gw``) and the quantiles 0.1, 0.5
        and 0.9.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the grid's annual peak [GW] with the data centres and the baseline's own
        (bars at P50 with P10–P90), and what the data centres put into it [GW]: the change of
        the peak, the AI load and all data-centre load in the peak hour, and the change
        without flexibility where the scenario curtails (P50 lines, P10–P90 bands).

    Raises
    ------
    OptionsError
        No baseline model (no grid peak), or a quantile the figure needs is missing.
    """
    from matplotlib.figure import Figure

    if "total_peak_gw" not in dataset:
        raise OptionsError(
            f"--kind peak: {dataset.attrs.get('scenario_id', 'the scenario')} has no baseline "
            "model, so no grid peak; allowed: a projection with a baseline"
        )
    years = numpy_values(dataset["year"]).astype(int)
    figure = Figure(figsize=(12.0, 4.6), layout="constrained")
    peak_axes, change_axes = figure.subplots(1, 2)
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: the grid's annual peak "
        f"({dataset.attrs['draws']} draws, seed {dataset.attrs['seed']}, "
        f"baseline {dataset.attrs.get('baseline_model', 'none')})",
        fontsize=12,
    )
    # Points, not bars: from zero, bars of some 90 GW hid the tenths of a GW the data centres
    # add and the growth between years; cut near the peak (as they were), bars' lengths
    # magnified both. A point carries no length, so the axis can hug the values; the change
    # itself is drawn from zero in the other panel.
    total = quantile_rows(dataset["total_peak_gw"], BAR_LEVELS)
    baseline = quantile_rows(dataset["baseline_peak_gw"], BAR_LEVELS)
    for values, offset, label, colour, marker, fill in (
        (baseline, -0.14, "baseline alone", "#111827", "s", "white"),
        (total, 0.14, "with the data centres", TOTAL_COLOUR, "o", TOTAL_COLOUR),
    ):
        p10, p50, p90 = values
        peak_axes.errorbar(
            years + offset, p50, yerr=np.vstack([p50 - p10, p90 - p50]), fmt=marker,
            color=colour, markerfacecolor=fill, markersize=6, elinewidth=1, capsize=3,
            label=f"{label}, P50 (P10–P90)",
        )  # fmt: skip
    low = float(np.nanmin(np.vstack([total[0], baseline[0]])))
    high = float(np.nanmax(np.vstack([total[2], baseline[2]])))
    peak_axes.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
    peak_axes.set_xticks(years)
    peak_axes.set_xticklabels([str(year) for year in years], rotation=45 if len(years) > 8 else 0)
    peak_axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
    peak_axes.set_axisbelow(True)
    peak_axes.set_title("Grid peak with and without the data centres (P50, P10–P90)")
    peak_axes.set_ylabel("Annual peak [GW] (axis not from zero)")
    peak_axes.set_xlabel("Calendar year (local time)")
    peak_axes.legend(loc="upper left", fontsize=8, frameon=False)

    # The change of the peak last, dashed and with small markers: where the load the scenario
    # adds is all AI, it lies on the AI line, whose larger markers still show around it.
    lines = [
        ("dc_at_national_peak_gw", "all data centres in the peak hour (in the baseline or not)",
         SERIES_COLOURS[4], ":", "s", 5.0),
        ("ai_at_national_peak_gw", "AI load in the peak hour", SERIES_COLOURS[1], "-", "o", 7.0),
        ("peak_change_gw_without_flexibility", "change of the peak without flexibility",
         SERIES_COLOURS[3], "-.", "^", 5.0),
        ("peak_change_gw", "change of the grid peak", SERIES_COLOURS[0], "--", "D", 3.5),
    ]  # fmt: skip
    for name, label, colour, style, marker, size in lines:
        if name in dataset and np.isfinite(numpy_values(dataset[name])).any():
            _p50_range(
                change_axes, years, quantile_rows(dataset[name], BAR_LEVELS), label=label,
                colour=colour, style=style, marker=marker, size=size,
            )  # fmt: skip
    change_axes.set_xticks(years)
    change_axes.set_xticklabels([str(year) for year in years], rotation=45 if len(years) > 8 else 0)
    change_axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
    change_axes.set_ylim(bottom=0)
    change_axes.set_title("What the data centres put into the peak (P50, P10–P90 bands)")
    change_axes.set_ylabel("Load in or added to the peak hour [GW]")
    change_axes.set_xlabel("Calendar year (local time)")
    change_axes.legend(loc="upper left", fontsize=8, frameon=False)
    return figure


#: Figures ``forecast plot --kind`` draws.
KINDS = ("fan", "peak", "duration", "peak-hours", "regions", "grid", "tornado")
#: Most years a duration or peak-hour figure shows side by side.
MAX_FIGURE_YEARS = 4


def figure_years(dataset: xr.Dataset, years: tuple[int, ...] | None = None) -> list[int]:
    """The years a duration or peak-hour figure shows: those asked for, or the first, the
    middle and the last year of the projection.

    Raises
    ------
    OptionsError
        A year outside the projection, or more than :data:`MAX_FIGURE_YEARS`.
    """
    available = [int(y) for y in numpy_values(dataset["year"])]
    if years is None:
        return sorted({available[0], available[len(available) // 2], available[-1]})
    check_years(years, available[0], available[-1])
    return list(years)


def check_years(years: tuple[int, ...], first: int, last: int) -> None:
    """Refuse figure years outside ``first..last``, repeated, or more than
    :data:`MAX_FIGURE_YEARS`."""
    for year in years:
        if not first <= year <= last:
            raise year_error("--years", year, low=first, high=last, why=PROJECTION_PERIOD)
    if not 1 <= len(years) <= MAX_FIGURE_YEARS or len(set(years)) < len(years):
        raise _figure_years_error(years)


def _figure_years_error(years: Sequence[int]) -> OptionsError:
    """The error of more years than a figure draws, or a year given twice."""
    given = ",".join(str(year) for year in years)
    return OptionsError(
        f"--years = {given!r}: allowed: 1..{MAX_FIGURE_YEARS} years, each once (a figure draws "
        "at most so many)"
    )


def _needs_duration(dataset: xr.Dataset) -> None:
    if "ai_load_duration_mw" not in dataset:
        raise OptionsError(
            "duration_curves = false: this figure needs a projection with duration curves "
            "(ProjectionOptions(duration_curves=True), --duration-curves)"
        )


def duration_figure(dataset: xr.Dataset, years: tuple[int, ...] | None = None):
    """Load duration curves: each year's hours ranked from the highest, P10–P90 band and P50.

    Parameters
    ----------
    dataset : xarray.Dataset
        A projection with duration curves and the quantiles 0.1, 0.5 and 0.9.
    years : tuple of int, optional
        Years to draw (default :func:`figure_years`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel for the total grid load [GW] (when there is a baseline) and one for the
        AI load [MW or GW], one colour, line style and marker per year.
    """
    from matplotlib.figure import Figure

    _needs_duration(dataset)
    chosen = figure_years(dataset, years)
    series = [name for name in ("total_load_duration_mw", "ai_load_duration_mw") if name in dataset]
    figure = Figure(figsize=(6.0 * len(series), 4.4), layout="constrained")
    panels = np.atleast_1d(figure.subplots(1, len(series)))
    for axes, name in zip(panels, series, strict=True):
        in_gw = (
            name.startswith("total")
            or float(np.nanmax(numpy_values(dataset[name]))) >= GW_THRESHOLD_MW
        )
        scale = 1000.0 if in_gw else 1.0
        for index, year in enumerate(chosen):
            style = _series_style(index)
            width = values_at(dataset["duration_band_hours"], {"year": year})
            used = width > 0
            edges = np.r_[0.0, np.cumsum(width[used])]
            p10, p50, p90 = (
                level[used] / scale for level in quantile_rows(dataset[name], BAR_LEVELS, year=year)
            )
            _band(
                axes, edges, np.r_[p10, p10[-1]], np.r_[p90, p90[-1]], colour=style["color"],
                alpha=0.15, linestyle=style["linestyle"], step="post",
            )  # fmt: skip
            # Markers spread evenly along the drawn line, offset per year so they do not meet.
            axes.plot(
                edges, np.r_[p50, p50[-1]], drawstyle="steps-post", linewidth=1.5,
                markevery=(0.03 + 0.04 * index, 0.12), markersize=5,
                label=f"{year} P50 (P10–P90)", **style,
            )  # fmt: skip
        axes.set_title("Total grid load" if name.startswith("total") else "AI data-centre load")
        axes.set_xlabel("Hours of the year at or above the load")
        axes.set_ylabel(f"Load [{'GW' if in_gw else 'MW'}]")
        # Whole hours: their sum is exact in any order, as xarray's .sum(...).max() gave.
        hours = dataset["duration_band_hours"]
        axis = hours.get_axis_num("duration_band")
        axes.set_xlim(0, float(np.nansum(numpy_values(hours), axis=axis).max()))
        axes.grid(color="#e3e7ec", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.legend(fontsize=8, frameon=False)
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: load duration curves "
        f"({dataset.attrs['duration_draws']} draws; band means of ranked hours)",
        fontsize=11,
    )
    return figure


def peak_hours_figure(dataset: xr.Dataset, years: tuple[int, ...] | None = None):
    """When the peak comes: month x hour heat maps of the draws' highest hours of each year.

    Parameters and returns as :func:`duration_figure`; one panel per year, cells in % of the
    counted hours (each draw's ``duration_peak_hours`` highest hours of total load).
    """
    from matplotlib.figure import Figure

    _needs_duration(dataset)
    chosen = figure_years(dataset, years)
    figure = Figure(figsize=(3.6 * len(chosen) + 1.0, 3.8), layout="constrained")
    panels = np.atleast_1d(figure.subplots(1, len(chosen), sharey=True))
    shares = [values_at(dataset["peak_hours_share_pct"], {"year": year}) for year in chosen]
    top = max(float(np.nanmax(shares)), 1e-9)
    image = None
    for axes, year, share in zip(panels, chosen, shares, strict=True):
        image = axes.imshow(
            share, aspect="auto", cmap="Reds", vmin=0.0, vmax=top,
            extent=(-0.5, 23.5, 12.5, 0.5),
        )  # fmt: skip
        axes.set_title(str(year))
        axes.set_xlabel("Local hour of the day")
        axes.set_xticks(range(0, 24, 3))
    assert image is not None  # figure_years gives at least one year
    panels[0].set_ylabel("Month")
    panels[0].set_yticks(range(1, 13))
    figure.colorbar(image, ax=list(panels), label="Share of the highest hours [%]")
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: when each draw's {dataset.attrs['duration_peak_hours']} "
        f"highest hours of {'total grid' if 'total_load_duration_mw' in dataset else 'AI'} "
        f"load fall ({dataset.attrs['duration_draws']} draws)",
        fontsize=11,
    )
    return figure


#: The regions figure's panels: variable, title.
REGION_PANELS = (
    ("ai_energy_twh_by_region", "AI data-centre electricity by region [TWh]"),
    ("dc_energy_twh_by_region", "All data-centre electricity (AI + non-AI) by region [TWh]"),
)


def _regions(dataset: xr.Dataset) -> list[str]:
    return [str(region) for region in numpy_values(dataset["region"])]


def check_plot_kind(kind: str, scenario_id: str, regions: list[str], limited: list[str]) -> None:
    """Refuse ``--kind regions`` for a scenario of one region and ``--kind grid`` for one without
    a connection limit (``regions``: its regions; ``limited``: those with a limit), before any
    work where the scenario alone tells (the command line) and again on the dataset.

    Raises
    ------
    OptionsError
        The scenario cannot be drawn so.
    """
    if kind == "regions" and len(regions) < 2:
        raise OptionsError(
            f"--kind regions: {scenario_id} has one region ({', '.join(regions)}); allowed: a "
            "scenario with several regions"
        )
    if kind == "grid" and not limited:
        raise OptionsError(
            f"--kind grid: {scenario_id} states no grid connection limit ([grid.<region>] "
            "limit_mw); allowed: a scenario with one"
        )


def regions_figure(dataset: xr.Dataset):
    """AI and all data-centre energy by region and year: per year, each region's P50 bar (from
    zero) with P10–P90 whiskers, one colour and hatch per region.

    Parameters
    ----------
    dataset : xarray.Dataset
        A projection with the quantiles 0.1, 0.5 and 0.9.

    Raises
    ------
    OptionsError
        The scenario has one region only.
    """
    from matplotlib.figure import Figure

    from forecast.outputs import region_label

    regions = _regions(dataset)
    check_plot_kind("regions", dataset.attrs.get("scenario_id", "the scenario"), regions, [])
    years = numpy_values(dataset["year"]).astype(int)
    panels_of = [(name, title) for name, title in REGION_PANELS if name in dataset]
    figure = Figure(figsize=(12.0, 4.4), layout="constrained")
    panels = np.atleast_1d(figure.subplots(1, len(panels_of)))
    width = 0.8 / len(regions)
    for axes, (name, title) in zip(panels, panels_of, strict=True):
        for index, region in enumerate(regions):
            p10, p50, p90 = quantile_rows(dataset[name], BAR_LEVELS, region=region)
            x = years + (index - (len(regions) - 1) / 2) * width
            axes.bar(
                x, p50, width=width, color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                hatch=SERIES_HATCHES[index % len(SERIES_HATCHES)], hatchcolor="white",
                linewidth=0, label=region_label(dataset, region),
            )  # fmt: skip
            axes.errorbar(x, p50, yerr=np.vstack([p50 - p10, p90 - p50]), fmt="none",
                          ecolor="#111827", elinewidth=0.8, capsize=2)  # fmt: skip
        axes.set_title(f"{title}: P50, P10–P90 whiskers", fontsize=10)
        axes.set_ylabel("Energy in the year [TWh]")
        axes.set_xlabel("Calendar year (local time)")
        axes.set_xticks(years)
        axes.set_xticklabels([str(y) for y in years], rotation=45 if len(years) > 8 else 0)
        axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.set_ylim(bottom=0)
    panels[0].legend(fontsize=8, frameon=False, loc="upper left")
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: data-centre electricity by region "
        f"({dataset.attrs['draws']} draws, seed {dataset.attrs['seed']})",
        fontsize=12,
    )
    return figure


#: The grid figure's series: figure, label.
GRID_SERIES = (
    ("requested", "requested by the scenario's sites"),
    ("connected", "connected"),
    ("delayed", "delayed (requested minus connected)"),
)


def grid_figure(dataset: xr.Dataset):
    """Grid capacity requested, connected and delayed in each region under a connection limit,
    month by month: P50 lines with P10–P90 bands, one colour, line style and marker each.

    Raises
    ------
    OptionsError
        No region of the scenario has a connection limit.
    """
    from matplotlib.figure import Figure

    from forecast.outputs import limited_regions, region_label

    limited = limited_regions(dataset)
    check_plot_kind("grid", dataset.attrs.get("scenario_id", "the scenario"), [], limited)
    months = pd.DatetimeIndex(numpy_values(dataset["month"]))
    figure = Figure(figsize=(6.0 * len(limited), 4.4), layout="constrained")
    panels = np.atleast_1d(figure.subplots(1, len(limited)))
    for axes, region in zip(panels, limited, strict=True):
        for index, (figure_name, label) in enumerate(GRID_SERIES):
            style = _series_style(index)
            values = quantile_rows(
                dataset[f"grid_{figure_name}_mw_by_region"].sel(region=region), BAR_LEVELS
            )
            _band(axes, months, values[0], values[2], colour=style["color"], alpha=0.12,
                  linestyle=style["linestyle"])  # fmt: skip
            axes.plot(months, values[1], linewidth=1.6, markersize=5, label=f"{label}, P50",
                      markevery=(index, max(len(months) // 10, 1)), **style)  # fmt: skip
        limit = dataset["grid_limit_mw_by_region"].sel(region=region)
        axes.plot(months, quantile_rows(limit, (0.5,))[0], color="#111827", linewidth=1.0,
                  drawstyle="steps-post", label="connection limit, P50")  # fmt: skip
        axes.set_title(f"{region_label(dataset, region)}: P50, P10–P90 bands", fontsize=10)
        axes.set_ylabel("Grid capacity at the end of the month [MW]")
        axes.set_xlabel("Month (local time)")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.margins(x=0)
    panels[0].legend(fontsize=8, frameon=False, loc="upper left")
    figure.suptitle(
        f"{dataset.attrs['scenario_id']}: grid connection of new sites under each region's "
        f"limit ({dataset.attrs['draws']} draws, seed {dataset.attrs['seed']})",
        fontsize=12,
    )
    return figure


def comparison_figure(dataset: xr.Dataset):
    """Scenarios side by side: per year, each scenario's P50 with P10–P90 bars of the AI
    energy [TWh] and of the change of the grid peak it makes [GW] (or the AI peak without a
    baseline). Bars start at zero: the total grid peak, some 90 GW beside changes of tenths,
    drew bars on an axis cut near 83 GW, which magnified the differences.

    Parameters
    ----------
    dataset : xarray.Dataset
        A comparison (:func:`forecast.sweep.compare.compare`) with the quantiles 0.1, 0.5 and 0.9.
    """
    from matplotlib.figure import Figure

    labels = [str(label) for label in numpy_values(dataset["scenario"])]
    years = numpy_values(dataset["year"]).astype(int)
    peak = "peak_change_gw" if "peak_change_gw" in dataset else "ai_peak_gw"
    figure = Figure(figsize=(12.0, 4.2), layout="constrained")
    panels = figure.subplots(1, 2)
    width = 0.8 / len(labels)
    for axes, name, title in (
        (panels[0], "ai_energy_twh", "AI energy [TWh]"),
        (
            panels[1],
            peak,
            "Change of the grid peak [GW]" if peak == "peak_change_gw" else "AI peak [GW]",
        ),
    ):
        for index, label in enumerate(labels):
            p10, p50, p90 = quantile_rows(dataset[name], BAR_LEVELS, scenario=label)
            x = years + (index - (len(labels) - 1) / 2) * width
            # Opaque, so that every colour keeps its 3:1 against white; a hatch per scenario.
            axes.bar(
                x, p50, width=width, color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                hatch=SERIES_HATCHES[index % len(SERIES_HATCHES)], hatchcolor="white",
                linewidth=0, label=label,
            )  # fmt: skip
            axes.errorbar(x, p50, yerr=np.vstack([p50 - p10, p90 - p50]), fmt="none",
                          ecolor="#111827", elinewidth=0.8, capsize=2)  # fmt: skip
        axes.set_title(f"{title}: P50, P10–P90 bars")
        axes.set_ylabel(title)
        axes.set_xticks(years)
        axes.set_xticklabels([str(y) for y in years], rotation=45 if len(years) > 8 else 0)
        axes.grid(axis="y", color="#e3e7ec", linewidth=0.8)
        axes.set_axisbelow(True)
        axes.axhline(0.0, color="#111827", linewidth=0.8)
    panels[0].legend(fontsize=8, frameon=False)
    return figure


def _p50(variable: xr.DataArray, **where) -> np.ndarray:
    """The median over draws, at the labels ``where`` (:func:`_levels`). [variable's unit]"""
    index = variable.indexes["quantile"]
    median = index[index.get_indexer([0.5], method="nearest")[0]]
    return values_at(variable, {**where, "quantile": median})


_PERIOD_FORMATS = {"hourly": "%Y-%m-%d %H:00", "daily": "%Y-%m-%d", "monthly": "%Y-%m"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def projection_description(dataset: xr.Dataset) -> str:
    """What :func:`projection_figure` shows, in words and numbers (its alt text)."""
    times = _local_times(dataset)
    resolution = dataset.attrs.get("resolution", "hourly")
    when = _PERIOD_FORMATS.get(resolution, "%Y-%m")
    first, last = f"{times[0]:{when}}", f"{times[-1]:{when}}"
    ai = quantile_rows(dataset["ai_facility_mw"], (0.5, 0.95))
    in_gw = np.nanmax(ai) >= GW_THRESHOLD_MW
    unit, scale = ("GW", 1000.0) if in_gw else ("MW", 1.0)
    mean = f"{resolution} mean" if resolution != "hourly" else "hourly"
    parts = [
        f"AI facility load, {mean}: P50 {ai[0][0] / scale:,.1f} {unit} in {first} and "
        f"{ai[0][-1] / scale:,.1f} {unit} in {last}, P95 up to {np.nanmax(ai[1]) / scale:,.1f} "
        f"{unit}."
    ]
    if "total_mw" in dataset:
        total = _p50(dataset["total_mw"]) / 1000.0
        parts.append(
            f"Total grid load P50 {total[0]:,.1f} GW in {first}, {total[-1]:,.1f} GW in {last}."
        )
    years = numpy_values(dataset["year"]).astype(int)
    p10, p50, p90 = quantile_rows(dataset["ai_energy_twh"], BAR_LEVELS)
    parts.append(
        f"AI energy P50 {p50[0]:,.2f} TWh in {years[0]} and {p50[-1]:,.2f} TWh in {years[-1]} "
        f"(P10–P90 {p10[-1]:,.2f}–{p90[-1]:,.2f})."
    )
    if "ai_share_of_energy_pct" in dataset:
        share = _p50(dataset["ai_share_of_energy_pct"])
        parts.append(
            f"AI share of the grid's electricity P50 {share[0]:.2f} % in {years[0]} and "
            f"{share[-1]:.2f} % in {years[-1]}."
        )
    return " ".join(parts)


def peak_description(dataset: xr.Dataset) -> str:
    """What :func:`peak_figure` shows, in words and numbers (its alt text)."""
    years = numpy_values(dataset["year"]).astype(int)
    total, baseline = _p50(dataset["total_peak_gw"]), _p50(dataset["baseline_peak_gw"])
    p10, p50, p90 = quantile_rows(dataset["peak_change_gw"], BAR_LEVELS)
    text = (
        f"The grid's annual peak, P50: {total[0]:,.1f} GW in {years[0]} and {total[-1]:,.1f} GW "
        f"in {years[-1]} (the baseline alone {baseline[0]:,.1f} and {baseline[-1]:,.1f} GW). In "
        f"{years[-1]} the data centres change the grid's peak by {p50[-1]:+.2f} GW (P10–P90 "
        f"{p10[-1]:+.2f} to {p90[-1]:+.2f})"
    )
    if "ai_at_national_peak_gw" in dataset:
        ai = _p50(dataset["ai_at_national_peak_gw"])[-1]
        text += f"; the AI load in the peak hour is {ai:.2f} GW"
    if "peak_change_gw_without_flexibility" in dataset:
        without = _p50(dataset["peak_change_gw_without_flexibility"])[-1]
        text += f"; without flexibility the change would be {without:+.2f} GW"
    return text + "."


def duration_description(dataset: xr.Dataset, years: tuple[int, ...] | None = None) -> str:
    """What :func:`duration_figure` shows, in words and numbers (its alt text)."""
    _needs_duration(dataset)
    parts = ["Load duration curves, P50 over draws of the band means of ranked hours."]
    for name, title in (("total_load_duration_mw", "Total grid load"),
                        ("ai_load_duration_mw", "AI data-centre load")):  # fmt: skip
        if name not in dataset:
            continue
        in_gw = (
            name.startswith("total")
            or float(np.nanmax(numpy_values(dataset[name]))) >= GW_THRESHOLD_MW
        )
        unit, scale = ("GW", 1000.0) if in_gw else ("MW", 1.0)
        spans = []
        for year in figure_years(dataset, years):
            used = values_at(dataset["duration_band_hours"], {"year": year}) > 0
            curve = _p50(dataset[name], year=year)[used] / scale
            spans.append(
                f"in {year} from {curve[0]:,.1f} {unit} in the highest hours to "
                f"{curve[-1]:,.1f} {unit} in the lowest"
            )
        parts.append(f"{title}: {'; '.join(spans)}.")
    return " ".join(parts)


def peak_hours_shares(dataset: xr.Dataset, year: int) -> np.ndarray:
    """``peak_hours_share_pct`` in ``year``, month of year (rows) by local hour (columns), read
    by position (:func:`forecast.outputs.values_at`): a label selection imports dask. [%]"""
    variable = dataset["peak_hours_share_pct"]
    kept = [dim for dim in variable.dims if dim != "year"]
    order = [kept.index("month_of_year"), kept.index("hour_of_day")]
    return np.transpose(values_at(variable, {"year": year}), order)


def peak_hours_description(dataset: xr.Dataset, years: tuple[int, ...] | None = None) -> str:
    """What :func:`peak_hours_figure` shows, in words and numbers (its alt text)."""
    _needs_duration(dataset)
    load = "total grid" if "total_load_duration_mw" in dataset else "AI"
    parts = [
        f"Month and local hour of each draw's {dataset.attrs['duration_peak_hours']} highest "
        f"hours of {load} load, as a share of those hours [%]."
    ]
    for year in figure_years(dataset, years):
        shares = peak_hours_shares(dataset, year)
        # NaN counts as 0, as in xarray's sum.
        months, hours = np.nansum(shares, axis=1), np.nansum(shares, axis=0)
        top = np.argsort(-months, kind="stable")[:2]
        names = [MONTHS[int(m) - 1] for m in numpy_values(dataset["month_of_year"])]
        named = " and ".join(f"{names[m]} ({months[m]:.0f} %)" for m in top if months[m] > 0)
        hour = int(np.argmax(hours))
        parts.append(
            f"In {year} most fall in {named}, most often at "
            f"{int(numpy_values(dataset['hour_of_day'])[hour]):02d}:00 local time "
            f"({hours[hour]:.0f} %)."
        )
    return " ".join(parts)


def comparison_description(dataset: xr.Dataset) -> str:
    """What :func:`comparison_figure` shows, in words and numbers (its alt text)."""
    labels = [str(label) for label in numpy_values(dataset["scenario"])]
    year = int(numpy_values(dataset["year"])[-1])
    peak = "peak_change_gw" if "peak_change_gw" in dataset else "ai_peak_gw"
    parts = [f"P50 per scenario in {year}."]
    for name, title, unit, digits in (
        ("ai_energy_twh", "AI energy", "TWh", 2),
        (peak, "Change of the grid peak" if peak == "peak_change_gw" else "AI peak", "GW", 2),
    ):
        values = _p50(dataset[name], year=year)  # each scenario's, in their order
        parts.append(
            f"{title}: "
            + ", ".join(
                f"{label} {value:,.{digits}f} {unit}"
                for label, value in zip(labels, values, strict=True)
            )
            + "."
        )
    return " ".join(parts)


def regions_description(dataset: xr.Dataset) -> str:
    """What :func:`regions_figure` shows, in words and numbers (its alt text)."""
    from forecast.outputs import region_label

    years = numpy_values(dataset["year"]).astype(int)
    parts = [f"P50 per region in {years[0]} and {years[-1]}, P10–P90 in brackets."]
    for name, title in REGION_PANELS:
        if name not in dataset:
            continue
        cells = []
        for region in _regions(dataset):
            p10, p50, p90 = quantile_rows(dataset[name], BAR_LEVELS, region=region)
            cells.append(
                f"{region_label(dataset, region)} {p50[0]:,.2f} and {p50[-1]:,.2f} TWh "
                f"[{p10[-1]:,.2f}–{p90[-1]:,.2f}]"
            )
        parts.append(f"{title.removesuffix(' [TWh]')}: {'; '.join(cells)}.")
    return " ".join(parts)


def grid_description(dataset: xr.Dataset) -> str:
    """What :func:`grid_figure` shows, in words and numbers (its alt text)."""
    from forecast.outputs import limited_regions, region_label

    last = pd.DatetimeIndex(numpy_values(dataset["month"]))[-1]
    parts = [f"Grid capacity of new sites at the end of {last:%Y-%m}, P50 [P10–P90]."]
    for region in limited_regions(dataset):
        cells = []
        for figure_name, label in GRID_SERIES:
            variable = dataset[f"grid_{figure_name}_mw_by_region"]
            p10, p50, p90 = quantile_rows(variable, BAR_LEVELS, region=region, month=last)
            cells.append(f"{label.split(' (')[0]} {p50:,.0f} MW [{p10:,.0f}–{p90:,.0f}]")
        peak = _p50(dataset["grid_delayed_mw_by_region"], region=region)
        when = pd.DatetimeIndex(numpy_values(dataset["month"]))[int(np.argmax(peak))]
        parts.append(
            f"{region_label(dataset, region)}: {', '.join(cells)}; the delayed P50 is highest, "
            f"{float(np.max(peak)):,.0f} MW, in {when:%Y-%m}."
        )
    return " ".join(parts)


def describe(dataset: xr.Dataset, kind: str, years: tuple[int, ...] | None = None) -> str:
    """The alt text of the ``kind`` figure (:data:`KINDS`) of ``dataset``."""
    if kind == "fan":
        return projection_description(dataset)
    if kind == "peak":
        return peak_description(dataset)
    if kind == "duration":
        return duration_description(dataset, years)
    if kind == "regions":
        return regions_description(dataset)
    if kind == "grid":
        return grid_description(dataset)
    return peak_hours_description(dataset, years)


def source_line(dataset: xr.Dataset) -> str:
    """The "Source:" footer of a plot: the scenario and its digest, the baseline model (or "no
    baseline") and the data it models where the Dataset says, the design weather year where
    every draw ran on one (:func:`forecast.outputs.design_weather_year`), the tool's
    version."""
    from forecast.outputs import design_weather_year

    digest = str(dataset.attrs.get("scenario_sha256", ""))[:12]
    scenario = f"scenario {dataset.attrs.get('scenario_id', '?')}"
    scenario += f" (sha256 {digest})" if digest else ""
    model = str(dataset.attrs.get("baseline_model", "none"))
    baseline = "no baseline" if model == "none" else f"baseline {model}"
    if model != "none" and (basis := dataset.attrs.get("baseline_demand_basis")):
        baseline += f" of {str(basis).split(' (')[0]}"
    fixed = design_weather_year(dataset.attrs)
    weather = f"; weather {fixed}" if fixed else ""
    version = dataset.attrs.get("code_version", "?")
    return f"Source: {scenario}; {baseline}{weather}; ai-grid-forecast (forecast {version})."


#: Room kept under a figure for its source line [in]: a 7 pt line and a margin.
FOOTER_HEIGHT_IN = 0.22
#: Font size of the source line [pt], and the height each further line of it takes [in]
#: (matplotlib's line spacing, 1.2).
SOURCE_FONT_PT = 7.0
SOURCE_LINE_IN = SOURCE_FONT_PT * 1.2 / 72.0
#: Room left clear at each side of a wrapped title or source line [in]: an SVG is drawn in its
#: viewer's font, a little wider or narrower than the one measured here.
SIDE_MARGIN_IN = 0.08


def _wrapped(text: str, width: float, measure) -> str:
    """``text`` broken at spaces into lines of at most ``width`` as ``measure(line)`` gives it
    (a word wider than that alone stays whole); its own line breaks kept."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def _fit_width(text, renderer, width_px: float) -> int:
    """Wrap a text artist's text to ``width_px`` [px] as the figure draws it; its line count."""

    def measure(line: str) -> float:
        text.set_text(line)
        return float(text.get_window_extent(renderer).width)

    wrapped = _wrapped(text.get_text(), width_px, measure)
    text.set_text(wrapped)
    return wrapped.count("\n") + 1


def _add_source(figure, text: str) -> None:
    """Write ``text`` under the figure, its layout moved up to make room, with it and the
    figure's title wrapped to the figure's width and each panel's title to its panel's: on the
    4.6-inch peak-hour calendar of one year, title and source ran past its sides and were cut,
    as the regions figure's second panel title was."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    width_in, height = figure.get_figwidth(), figure.get_figheight()
    width_px = (width_in - 2 * SIDE_MARGIN_IN) * figure.dpi
    if figure.get_suptitle():
        _fit_width(figure._suptitle, renderer, width_px)  # its artist has no public getter
    source = figure.text(SIDE_MARGIN_IN / width_in, 0.04 / height, text,
                         fontsize=SOURCE_FONT_PT, color="#374151", ha="left",
                         va="bottom")  # fmt: skip
    footer = FOOTER_HEIGHT_IN + (_fit_width(source, renderer, width_px) - 1) * SOURCE_LINE_IN
    figure.get_layout_engine().set(rect=(0.0, footer / height, 1.0, 1.0 - footer / height))
    figure.draw_without_rendering()  # lays the panels out, to measure their widths
    for axes in figure.axes:
        if axes.get_title():
            _fit_width(axes.title, renderer, axes.get_window_extent(renderer).width)


def _atomic_save(
    figure, path: Path, image_format: str, *, description: str, source: str = ""
) -> None:
    """Save the figure through :func:`forecast.io.files.atomic_write`, with its title,
    ``description`` and ``source`` (PNG text chunks, SVG RDF metadata) so that whoever
    publishes it has its alt text and provenance, and without the metadata (dates, software)
    that would make two saves of one figure differ."""
    import matplotlib

    # One line, as before the title was wrapped to the figure's width (_add_source).
    title = " ".join(figure.get_suptitle().split("\n"))
    metadata: dict[str, str | None] = {"Title": title, "Description": description}
    if source:
        metadata["Source"] = source
    metadata |= {"Date": None} if image_format == "svg" else {"Software": None}

    def save(temporary: Path) -> None:
        with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none"}):
            figure.savefig(temporary, format=image_format, dpi=PNG_DPI, metadata=metadata)

    atomic_write(path, save)


def finished_figure(
    dataset: xr.Dataset, *, kind: str = "fan", years: tuple[int, ...] | None = None
):
    """The figure :func:`write_figure` writes: of ``kind``, with its "Source:" line under it
    (:func:`source_line`) and that line and its title wrapped to its width.

    Raises
    ------
    OptionsError
        Unknown kind, or a tornado (drawn from a sweep, :func:`write_tornado`).
    """
    if kind not in KINDS:
        raise OptionsError(f"--kind = {kind!r}: allowed: {', '.join(KINDS)}")
    if kind == "tornado":
        raise OptionsError(
            "--kind = 'tornado': drawn from a one-at-a-time sweep's swing table "
            "(write_tornado), not from a projection"
        )
    if kind == "fan":
        figure = projection_figure(dataset)
    elif kind == "peak":
        figure = peak_figure(dataset)
    elif kind == "duration":
        figure = duration_figure(dataset, years)
    elif kind == "regions":
        figure = regions_figure(dataset)
    elif kind == "grid":
        figure = grid_figure(dataset)
    else:
        figure = peak_hours_figure(dataset, years)
    _add_source(figure, source_line(dataset))
    return figure


def write_figure(
    dataset: xr.Dataset,
    path: Path,
    *,
    kind: str = "fan",
    years: tuple[int, ...] | None = None,
) -> Path:
    """Write a figure of ``dataset`` to ``path`` (``.png`` or ``.svg``).

    Parameters
    ----------
    dataset : xarray.Dataset
        A projection with the quantiles 0.05, 0.1, 0.5, 0.9 and 0.95 (``fan``), or with
        duration curves (``duration``, ``peak-hours``).
    path : pathlib.Path
        Output file; its suffix picks the format. Replaced only once the new file is complete.
        It carries the figure's title and :func:`describe`'s alt text (PNG text chunks ``Title``
        and ``Description``; SVG RDF metadata).
    kind : str
        One of :data:`KINDS`: the report figure (:func:`projection_figure`),
        :func:`peak_figure`, :func:`duration_figure`, :func:`peak_hours_figure`,
        :func:`regions_figure` or :func:`grid_figure`. Every figure has a "Source:" line
        under it (:func:`source_line`), also in its metadata (``Source``); it and the title
        are wrapped to the figure's width (:func:`finished_figure`).
    years : tuple of int, optional
        Years of a duration or peak-hour figure.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OptionsError
        Unknown suffix, missing directory or missing quantile; no file is written then.
    """
    path = Path(path)
    image_format = figure_format(path)
    figure = finished_figure(dataset, kind=kind, years=years)
    _atomic_save(
        figure,
        path,
        image_format,
        description=describe(dataset, kind, years),
        source=source_line(dataset),
    )
    return path


#: Colours and hatches of a tornado's two sides (the input value that lowers the output's P50,
#: and the one that raises it): two of :data:`SERIES_COLOURS`, a hatch on one so that colour is
#: not the only cue.
TORNADO_SIDES = (("#0072B2", "//", "lowers the P50"), ("#D55E00", "", "raises the P50"))


def _tornado_panels(table: pd.DataFrame, years: tuple[int, ...] | None) -> list[tuple]:
    """(output, year, rows) of each panel of a tornado: the table's outputs by the years
    asked (default: every year the table has)."""
    have = sorted({int(year) for year in table["year"]})
    chosen = list(years) if years else have
    for year in chosen:
        if year not in have:
            raise OptionsError(
                f"--years = {year}: allowed: a year of {', '.join(map(str, have))} (the swing "
                "table's; forecast sweep --one-at-a-time --years adds one)"
            )
    if len(chosen) > MAX_FIGURE_YEARS or len(set(chosen)) < len(chosen):
        raise _figure_years_error(chosen)
    outputs = list(dict.fromkeys(table["output"]))
    return [
        (output, year, table[(table["output"] == output) & (table["year"] == year)])
        for output in outputs
        for year in chosen
    ]


def tornado_figure(table: pd.DataFrame, meta: dict, years: tuple[int, ...] | None = None):
    """A tornado per output and year of a one-at-a-time sweep's swing table
    (:func:`forecast.sweep.swing.swing_table`): each input a bar from the lowest to the highest
    P50 among its values, largest swing on top, split at the base's P50 (a vertical line), the
    input's value written at each end.

    Parameters
    ----------
    table : pandas.DataFrame
        The swing table (:data:`forecast.sweep.swing.SWING_COLUMNS`).
    meta : dict
        Its metadata (``attrs``: scenario, draws, seed).
    years : tuple of int, optional
        Years shown (default: every year of the table).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from forecast.sweep.swing import SWING_OUTPUTS

    panels = _tornado_panels(table, years)
    n_years = len({year for _, year, _ in panels})
    n_outputs = len(panels) // n_years
    inputs = max(len(rows) for _, _, rows in panels)
    figure = Figure(
        figsize=(max(8.5, 6.4 * n_years), (0.42 * inputs + 1.3) * n_outputs + 0.9),
        layout="constrained",
    )
    grid = np.atleast_2d(figure.subplots(n_outputs, n_years, squeeze=False))
    for position, (output, year, rows) in enumerate(panels):
        axes = grid[position // n_years][position % n_years]
        rows = rows.sort_values("swing", ascending=True, kind="stable")
        unit = str(rows["unit"].iloc[0])
        base = float(rows["base_p50"].iloc[0])
        y = np.arange(len(rows))
        for (colour, hatch, _), ends in zip(
            TORNADO_SIDES, (rows["low_p50"], rows["high_p50"]), strict=True
        ):
            ends = ends.to_numpy(dtype=float)
            axes.barh(
                y, ends - base, left=base, color=colour, hatch=hatch, hatchcolor="white",
                linewidth=0, height=0.6,
            )  # fmt: skip
        span = float(np.max(rows["swing"])) or 1.0
        for row, (low, high, low_value, high_value) in enumerate(
            rows[["low_p50", "high_p50", "low_value", "high_value"]].itertuples(index=False)
        ):
            axes.text(low - 0.02 * span, row, str(low_value), ha="right", va="center",
                      fontsize=7)  # fmt: skip
            axes.text(high + 0.02 * span, row, str(high_value), ha="left", va="center",
                      fontsize=7)  # fmt: skip
        axes.axvline(base, color="#111827", linewidth=1.0)
        axes.set_yticks(y)
        axes.set_yticklabels([str(name) for name in rows["input"]], fontsize=8)
        axes.set_xlim(float(rows["low_p50"].min()) - 0.3 * span,
                      float(rows["high_p50"].max()) + 0.3 * span)  # fmt: skip
        label = SWING_OUTPUTS.get(str(output), str(output))
        axes.set_title(f"{label} in {year}, P50 [{unit}]; base {base:,.3g} {unit}", fontsize=9)
        axes.set_xlabel(f"{label} P50 [{unit}]")
        axes.grid(axis="x", color="#e3e7ec", linewidth=0.8)
        axes.set_axisbelow(True)
    # In the first panel's lower right, which the smallest swings leave empty (a legend
    # outside the panels overlapped the title or the Source line).
    grid[0][0].legend(
        handles=[
            Patch(facecolor=colour, hatch=hatch, edgecolor="white", label=f"the value {what}")
            for colour, hatch, what in TORNADO_SIDES
        ],
        loc="lower right", fontsize=7, frameon=True,
    )  # fmt: skip
    attrs = meta.get("attrs", {})
    figure.suptitle(
        f"{attrs.get('scenario_id', '?')}: one input at a time, every other at its base\n"
        f"({attrs.get('draws', '?')} draws, seed {attrs.get('seed', '?')}, common random numbers)",
        fontsize=11,
    )
    return figure


def tornado_description(table: pd.DataFrame, years: tuple[int, ...] | None = None) -> str:
    """What :func:`tornado_figure` shows, in words and numbers (its alt text)."""
    from forecast.sweep.swing import SWING_OUTPUTS

    parts = ["One input moved at a time, every other at its base; P50 at each input's values."]
    for output, year, rows in _tornado_panels(table, years):
        unit = str(rows["unit"].iloc[0])
        ranked = rows.sort_values("swing", ascending=False, kind="stable")
        cells = [
            f"{row.input} {row.low_p50:,.3g}–{row.high_p50:,.3g} (at {row.low_value} and "
            f"{row.high_value})"
            for row in ranked.itertuples()
        ]
        parts.append(
            f"{SWING_OUTPUTS.get(str(output), str(output))} in {year} [{unit}], base "
            f"{float(rows['base_p50'].iloc[0]):,.3g}: {'; '.join(cells)}."
        )
    return " ".join(parts)


def tornado_source(meta: dict) -> str:
    """The "Source:" line of a tornado: the sweep's scenario and base digest, its baseline and
    the tool's version (:func:`source_line` of the sweep's attributes)."""
    return source_line(xr.Dataset(attrs=meta.get("attrs", {})))


def write_tornado(
    table: pd.DataFrame, meta: dict, path: Path, *, years: tuple[int, ...] | None = None
) -> Path:
    """Write :func:`tornado_figure` to ``path`` (``.png`` or ``.svg``) with its "Source:" line
    and its title, alt text and source in the file's metadata, as :func:`write_figure` does."""
    path = Path(path)
    image_format = figure_format(path)
    figure = tornado_figure(table, meta, years)
    source = tornado_source(meta)
    _add_source(figure, source)
    _atomic_save(
        figure, path, image_format, description=tornado_description(table, years), source=source
    )
    return path
