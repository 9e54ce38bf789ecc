"""A report a planner can send: one self-contained HTML file per set of scenarios.

:func:`build_report` projects the scenarios with common random numbers
(:func:`forecast.sweep.compare.project_scenarios`: monthly load fans, duration curves, every draw's
per-year values) and writes one HTML page that needs nothing else: charts are matplotlib SVG
inlined in the page, styles are in the page, there is no script and no external reference, so
it opens offline and prints (to PDF too, from any browser's print dialog). It holds the
question and each scenario's description, every assumption with its distribution and source,
the fan charts and annual tables, the load duration curves and when the peak hours fall, the
spread drivers, the hosting and grid-connection checks, the model versions and the
provenance; with several scenarios, a side-by-side comparison and the differences from the
first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

import forecast
from forecast.errors import OptionsError
from forecast.io.files import atomic_write
from forecast.outputs import (
    BY_NAME,
    REGIONS_NOTE,
    REQUESTED_CAPTION,
    band_label,
    caveats,
    difference_name,
    largest,
    limited_regions,
    non_ai_growth_note,
    numpy_values,
    partial_years_note,
    region_label,
    summary_cell,
    values_at,
)
from forecast.paths import facts_file
from forecast.projection import ProjectionOptions
from forecast.report import inputs, plot
from forecast.report.sites import site_columns, site_rows
from forecast.scenario import HOSTING_READINGS, Scenario
from forecast.scenario.facts import FACTS_SHA256, cited_keys, facts_digest, read_facts
from forecast.sweep import compare as comparisons

#: The product's question (DESIGN.md, "What the product answers").
QUESTION = (
    "If this country deploys these GPUs and builds these AI data centres, how much electricity "
    "will the grid have to supply, hour by hour and year by year, how sure are we, and what "
    "does it do to the grid's peak?"
)
#: Per-year figures of each scenario's annual table: variable, label, decimals.
ANNUAL_FIGURES = (
    ("ai_energy_twh", "AI energy [TWh]", 2),
    ("ai_peak_gw", "AI peak [GW]", 2),
    ("non_ai_energy_twh", "non-AI data-centre energy [TWh]", 2),
    ("total_energy_twh", "total energy [TWh]", 1),
    ("total_peak_gw", "total peak [GW]", 2),
    ("ai_share_of_energy_pct", "AI share of energy [%]", 2),
    ("ai_at_national_peak_gw", "AI at the grid peak [GW]", 2),
    ("dc_at_national_peak_gw", "all data centres (AI + non-AI) at the grid peak [GW]", 2),
    ("peak_change_gw", "peak change [GW]", 2),
)
#: Spread drivers listed per scenario (largest absolute rank correlation first).
MAX_DRIVERS = 12
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1180px;padding:0 1rem;color:#111827;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:2px solid #e5e7eb;padding-bottom:.2rem;margin-top:2.4rem}
h3{margin-top:1.6rem}table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #d1d5db;padding:.2rem .5rem;text-align:right;vertical-align:top;
white-space:nowrap}td.text{white-space:normal}.scroll{overflow-x:auto}
.scroll:focus-visible{outline:3px solid #8a5a00;outline-offset:-3px}
th{background:#f3f4f6}td.text,th.text{text-align:left}tbody th{background:none;font-weight:normal}
caption{text-align:left;font-size:1rem;padding:.3rem 0;white-space:normal;
max-width:min(100vw - 2rem,1180px)}figure{margin:1rem 0}
figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#4b5563}
.question{font-size:1.1rem;border-left:4px solid #1d4ed8;padding:.4rem .8rem;background:#eff6ff}
.limits{border-left:4px solid #b45309;padding:.1rem .8rem;background:#fffbeb;font-size:.9rem}
.limits ul{margin:.2rem 0;padding-left:1.2rem}
.bar{display:inline-block;height:.7rem;background:#1d4ed8;vertical-align:middle}
.bar.negative{background:#c2410c}.note{color:#4b5563;font-size:.9rem}
code{background:#f3f4f6;padding:0 .2rem}
@media print{body{max-width:none}caption{max-width:none}h2{break-before:page}
.scroll{overflow:visible}table{font-size:7pt}th,td{padding:.1rem .25rem;white-space:normal}}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str, text_columns=1
) -> str:
    """An HTML table under ``caption`` (plain text); the first column of each row, which names
    it, is a row header; the first ``text_columns`` columns left-aligned; cells already escaped.
    """

    def cls(index: int) -> str:
        return ' class="text"' if index < text_columns else ""

    def cell(index: int, text: str) -> str:
        return (
            f'<th scope="row"{cls(0)}>{text}</th>' if index == 0 else f"<td{cls(index)}>{text}</td>"
        )

    head = "".join(f'<th scope="col"{cls(i)}>{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell(i, text) for i, text in enumerate(row)) + "</tr>" for row in rows
    )
    # A scroller in the tab order, named by its caption, as the dashboard's: a keyboard user
    # scrolls a table wider than the screen with the arrow keys (whether it is wider is not
    # known here, so every one is).
    return (
        f'<div class="scroll" tabindex="0" role="region" aria-label="{_e(caption)}"><table>'
        f"<caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


#: An ``id`` attribute of matplotlib's SVG.
_SVG_ID = re.compile(r' id="([^"]+)"')
#: A reference to an id: ``url(#id)`` (clip paths, hatches) or ``href="#id"`` (``<use>``).
_SVG_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def _svg(figure, salt: str) -> str:
    """A matplotlib figure as inline SVG (text as text), every id in it and every reference to
    one prefixed with ``salt``, the chart's id: matplotlib numbers its groups alike in every
    figure (``figure_1``, ``axes_1``), so several charts on one page repeated ids."""
    import matplotlib

    buffer = io.StringIO()
    # The salt keeps matplotlib's hashed ids (clip paths, markers) the same from run to run.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg") :]
    ids = set(_SVG_ID.findall(svg))
    svg = _SVG_REFERENCE.sub(
        lambda match: f"{match[1]}{salt}-{match[2]}" if match[2] in ids else match[0], svg
    )
    return _SVG_ID.sub(lambda match: f' id="{salt}-{match[1]}"', svg)


def _figure(figure, salt: str, caption: str, description: str) -> str:
    """A chart a screen reader reads as one image: named by ``caption``, described by
    ``description`` (its numbers in words, shown under it too), its axis text hidden from the
    accessibility tree (read one tick label at a time, it said nothing)."""
    svg = _svg(figure, salt).replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{salt}-caption" aria-describedby="{salt}-summary" ',
        1,
    )
    svg = svg.replace(
        f'<g id="{salt}-figure_1">', f'<g id="{salt}-figure_1" aria-hidden="true">', 1
    )
    return (
        f'<figure>{svg}<figcaption><span id="{salt}-caption">{_e(caption)}</span> '
        f'<span id="{salt}-summary">{_e(description)}</span></figcaption></figure>'
    )


#: Hour ranks (1 = the year's highest hour) of the duration curves' table, those within the
#: hours a year has in the period; the lowest hour of each year is added.
DURATION_TABLE_RANKS = (1, 10, 100, 500, 1000, 2000, 4380, 7000)
#: A cell of the duration curves' table for a rank beyond the hours a year has in the period.
NO_SUCH_HOUR = "–"


def duration_table(dataset: xr.Dataset) -> str:
    """The load duration curves of :func:`forecast.report.plot.duration_figure` as a table: the
    load at chosen hour ranks, P50 [P10–P90], per year and load.

    A year the period covers in part ranks only its hours in the period (``duration_band_hours``
    sums to them, its later bands are empty): the table keeps the ranks some shown year has, a
    year with fewer hours shows :data:`NO_SUCH_HOUR` there, and its lowest hour is that of its
    last band that holds hours (a one-month period ranked 744 hours; the table looked up rank
    1,000 past the curve's end and the report ended in an ``IndexError``)."""
    years = plot.figure_years(dataset)
    series = [(name, label) for name, label in (("total_load_duration_mw", "total grid load"),
              ("ai_load_duration_mw", "AI load")) if name in dataset]  # fmt: skip
    headers, columns = ["hour rank"], []
    for name, label in series:
        in_gw = name.startswith("total") or largest(dataset[name]) >= plot.GW_THRESHOLD_MW
        unit, scale = ("GW", 1000.0) if in_gw else ("MW", 1.0)
        for year in years:
            headers.append(f"{year} {label} [{unit}]")
            width = values_at(dataset["duration_band_hours"], {"year": year})
            used = width > 0
            levels = plot.quantile_rows(dataset[name], plot.BAR_LEVELS, year=year)
            columns.append((np.cumsum(width[used]), [curve[used] / scale for curve in levels]))
    most_hours = max(int(ends[-1]) for ends, _ in columns)
    rows = []
    for rank in (*(r for r in DURATION_TABLE_RANKS if r <= most_hours), None):
        cells = []
        for ends, (p10, p50, p90) in columns:
            if rank is not None and rank > ends[-1]:
                cells.append(NO_SUCH_HOUR)
                continue
            # The band of ranked hours holding this rank (the last: the year's lowest hour).
            band = len(ends) - 1 if rank is None else int(np.searchsorted(ends, rank))
            cells.append(f"{p50[band]:,.1f} [{p10[band]:,.1f}–{p90[band]:,.1f}]")
        rows.append(["lowest hour" if rank is None else f"{rank:,}", *cells])
    caption = (
        "Load duration curves, P50 [P10–P90] over draws: the load in the hour of each rank of "
        "the year (1: the highest hour), the mean of the band of ranked hours holding it"
    )
    if partial := partial_years_note(dataset):
        caption += (
            f"; {partial.removeprefix('note: ')}: such a year ranks only its hours in the period "
            f"({NO_SUCH_HOUR}: a rank beyond them)"
        )
    return _table(headers, rows, caption=caption)


def peak_hours_tables(dataset: xr.Dataset) -> str:
    """The peak-hour calendar of :func:`forecast.report.plot.peak_hours_figure` as one table a
    year: month by local hour, in % of the highest hours."""
    load = "total grid" if "total_load_duration_mw" in dataset else "AI"
    tables = []
    for year in plot.figure_years(dataset):
        shares = plot.peak_hours_shares(dataset, year)
        hours = numpy_values(dataset["hour_of_day"])
        rows = [
            [_e(plot.MONTHS[int(month) - 1]), *(f"{value:.1f}" for value in values)]
            for month, values in zip(numpy_values(dataset["month_of_year"]), shares, strict=True)
        ]
        tables.append(
            _table(
                ["month", *(f"{hour:02d}:00 [%]" for hour in hours)],
                rows,
                caption=f"Share of the highest hours [%] in {year}: month (rows) and local hour "
                f"(columns) of each draw's {dataset.attrs['duration_peak_hours']} highest hours "
                f"of {load} load",
            )
        )
    return "".join(tables)


def _numbers(summary: str, tables: str) -> str:
    """A chart's numbers, folded under it."""
    return f"<details><summary>{_e(summary)}</summary>{tables}</details>"


def assumptions_table(scenario: Scenario) -> str:
    """Every assumption of ``scenario``: its own quantities and sourced entries, then the
    documented defaults it leaves in effect, each with its distribution and source."""
    rows = [
        (_e(row.where), _e(row.value), _e(row.source or "not stated in the scenario"))
        for row in inputs.assumption_rows(scenario)
    ]
    return _table(
        ["where", "value or distribution", "source"],
        rows,
        caption="Every assumption: where it is in the scenario, its value or distribution, and "
        "its source",
        text_columns=3,
    )


def annual_table(dataset: xr.Dataset) -> str:
    """Per-year P50 [P10–P90] (mean) of the headline figures of one projection, under a
    caption that says which non-AI load the baseline already holds."""
    caption = f"Per year, {band_label(dataset)} over draws"
    if held := dataset.attrs.get("non_ai_in_baseline_note"):
        caption += f"; {held}"
    if partial := partial_years_note(dataset):
        caption += f"; {partial.removeprefix('note: ')}"
    figures = [(n, label, d) for n, label, d in ANNUAL_FIGURES if n in dataset]
    rows = [
        [str(year), *(_e(summary_cell(dataset, n, d, year=year)) for n, _, d in figures)]
        for year in numpy_values(dataset["year"])
    ]
    return _table(["year", *(label for _, label, _ in figures)], rows, caption=caption)


def _year_ends(dataset: xr.Dataset) -> list[tuple[int, Any]]:
    months = pd.DatetimeIndex(numpy_values(dataset["month"]))
    return [(int(y), months[months.year == y][-1]) for y in numpy_values(dataset["year"])]


#: Energy by region: variable, label.
REGIONAL_ENERGY = (
    ("ai_energy_twh_by_region", "AI [TWh]"),
    ("non_ai_energy_twh_by_region", "non-AI [TWh]"),
    ("dc_energy_twh_by_region", "all data centres [TWh]"),
)

#: Load by region in the hour of the grid's total peak: variable, label.
REGIONAL_AT_PEAK = (
    ("ai_at_national_peak_gw_by_region", "AI at the grid's peak [GW]"),
    ("dc_at_national_peak_gw_by_region", "all data centres at the grid's peak [GW]"),
)


def _regional_energy(dataset: xr.Dataset) -> list[tuple[str, str]]:
    """The energies by region a Dataset has; non-AI and all data centres only where some
    non-AI load is placed (else they repeat the AI figures)."""
    chosen = [(name, label) for name, label in REGIONAL_ENERGY if name in dataset]
    # NaN (a region or scenario without it) is not above 0: read from NumPy, as xarray's
    # fillna and comparison ask whether the values are a dask array, which imports it.
    if "non_ai_energy_twh_by_region" in dataset and not bool(
        (numpy_values(dataset["non_ai_energy_twh_by_region"]) > 0).any()
    ):
        chosen = chosen[:1]
    return chosen


def regions_section(dataset: xr.Dataset) -> str:
    """AI, non-AI and all data-centre energy by region and year, the AI and data-centre load
    by region in the grid's peak hour, and the hosting shortfall by region at each year's
    end."""
    regions = [str(region) for region in numpy_values(dataset["region"])]
    if len(regions) < 2:
        return (
            f"<p>The scenario has one region, {_e(', '.join(regions))}: its figures are the "
            "national ones.</p>"
        )
    figures = _regional_energy(dataset)
    names = [region_label(dataset, region) for region in regions]
    rows = [
        [
            str(year),
            *(
                _e(summary_cell(dataset, name, 2, region=region, year=int(year)))
                for region in regions
                for name, _ in figures
            ),
        ]
        for year in numpy_values(dataset["year"])
    ]
    parts = [
        _table(
            ["year", *(f"{shown}: {label}" for shown in names for _, label in figures)],
            rows,
            caption="Data-centre electricity by region and year [TWh], "
            f"{band_label(dataset)} over draws: each fleet, site and non-AI load counted in the "
            "region it is placed in (the regions' means add up to the national mean)",
        )
    ]
    at_peak = [(name, label) for name, label in REGIONAL_AT_PEAK if name in dataset]
    if at_peak:
        rows = [
            [
                str(year),
                *(
                    _e(summary_cell(dataset, name, 2, region=region, year=int(year)))
                    for region in regions
                    for name, _ in at_peak
                ),
            ]
            for year in numpy_values(dataset["year"])
        ]
        parts.append(
            _table(
                ["year", *(f"{shown}: {label}" for shown in names for _, label in at_peak)],
                rows,
                caption="Data-centre load by region in the hour of the grid's total peak [GW], "
                f"{band_label(dataset)} over draws: the regions' loads in each draw's peak hour "
                "add up to the national load at the peak, draw by draw",
            )
        )
    if "waiting_nameplate_mw_by_region" not in dataset:
        return "".join(parts)
    if not bool((numpy_values(dataset["waiting_nameplate_mw_by_region"]) > 0).any()):
        parts.append("<p>No accelerator waits for room in any region in any draw.</p>")
        return "".join(parts)
    columns = [("waiting_nameplate_mw_by_region", "waiting nameplate [MW]", 1),
               ("waiting_accelerators_by_region", "waiting accelerators", 0)]  # fmt: skip
    columns = [column for column in columns if column[0] in dataset]
    rows = [
        [
            str(year),
            *(
                _e(summary_cell(dataset, name, digits, region=region, month=end))
                for region in regions
                for name, _, digits in columns
            ),
        ]
        for year, end in _year_ends(dataset)
    ]
    parts.append(
        _table(
            ["year", *(f"{shown}: {label}" for shown in names for _, label, _ in columns)],
            rows,
            caption="Hosting shortfall by region at the end of each year, "
            f"{band_label(dataset)} over draws: accelerators delivered to the region with no "
            "room in a built data centre there (they draw nothing until a hall has room), and "
            "their nameplate IT power",
        )
    )
    return "".join(parts)


def limits_box(scenarios: Sequence[Scenario], datasets: Sequence[xr.Dataset]) -> str:
    """What the model does not cover, said once at the top of every report, short, pointing to
    the README for the rest."""
    regions = sorted({region for scenario in scenarios for region in scenario.regions})
    regions = [region_label(datasets[0], region) for region in regions]
    places = sorted({str(d.attrs["weather_location"]) for d in datasets
                     if "weather_location" in d.attrs})  # fmt: skip
    grid = any(d.attrs.get("baseline_model", "none") != "none" for d in datasets)
    items = [
        # The note's own pointer to the README is the box's last line.
        f"Regions ({', '.join(regions)}): "
        f"{REGIONS_NOTE.removesuffix(' (README: What the model leaves out)')}."
        if any(len(scenario.regions) > 1 for scenario in scenarios)
        else "Regions: none below the national grid.",
        (
            f"Weather: one location ({', '.join(places)}) stands for the whole country, for "
            "the data centres' cooling" + (" and the baseline's demand." if grid else ".")
            if places
            else "Weather: one location stands for the whole country."
        ),
        "The baseline is a statistical model of the grid's metered demand, extrapolating its "
        "trend: no electrification, industrial growth or new behind-the-meter supply beyond "
        "it, and far years inherit a fitted profile trend."
        if grid
        else "No baseline model: no grid load, no grid peak.",
        "The AI load is what the stated accelerators and sites draw: no on-site generation, "
        "no losses between the data centre and the meter, no reaction of the rest of the "
        "economy.",
    ]
    return (
        '<aside class="limits" aria-labelledby="limits-title"><p><b id="limits-title">What '
        "this model does not cover.</b></p><ul>"
        + "".join(f"<li>{_e(item)}</li>" for item in items)
        + "</ul><p>The rest: the README of forecast, section &#8220;What the model leaves "
        "out&#8221;, which also gives the numbers behind these.</p></aside>"
    )


def caveats_box(scenarios: Sequence[Scenario], datasets: Sequence[xr.Dataset]) -> str:
    """Every scenario's caveats (:func:`forecast.outputs.caveats`), each after its scenario's
    id, at the top of the report beside what the model does not cover: in the scenario's own
    section alone, they came after the whole comparison. Empty where no scenario gives any."""
    items = [
        f"<li><b>{_e(scenario.id)}</b>: {_e(caveat)}</li>"
        for scenario, dataset in zip(scenarios, datasets, strict=True)
        for caveat in caveats(dataset)
    ]
    if not items:
        return ""
    return (
        '<aside class="limits caveats" aria-labelledby="caveats-title"><p><b id="caveats-title">'
        "Caveats: what to know before quoting a figure.</b></p><ul>" + "".join(items) + "</ul>"
        "</aside>"
    )


def checks_section(dataset: xr.Dataset) -> str:
    """Hosting shortfall, grid connection under limits and flexibility, per year end."""
    parts = []
    reading = dataset.attrs.get("hosting", "")
    parts.append(f"<p>Hosting: <b>{_e(reading)}</b>: {_e(HOSTING_READINGS.get(reading, ''))}</p>")
    if "waiting_accelerators" in dataset and largest(dataset["waiting_accelerators"]) > 0:
        rows = [
            [
                str(year),
                _e(summary_cell(dataset, "waiting_accelerators", 0, month=end)),
                _e(summary_cell(dataset, "waiting_nameplate_mw", 1, month=end)),
                _e(summary_cell(dataset, "accelerator_wait_months", 1, year=year))
                if "accelerator_wait_months" in dataset
                else "–",
            ]
            for year, end in _year_ends(dataset)
        ]
        parts.append(
            _table(
                [
                    "year",
                    "waiting accelerators",
                    "waiting nameplate [MW]",
                    "months waited by the year's deliveries",
                ],
                rows,
                caption="Accelerators delivered but with no room in a built data centre, at the "
                "end of each year (they draw nothing until a hall has room)",
            )
        )
    elif "waiting_accelerators" in dataset:
        parts.append("<p>No accelerator waits for room in any draw.</p>")
    if "grid_requested_mw_by_region" in dataset:
        limited = limited_regions(dataset)
        headers, cells = ["year"], []
        for region in limited:
            headers += [f"{region}: requested [MW]", "connected [MW]", "delayed [MW]",
                        "stranded [MW]"]  # fmt: skip
        for year, end in _year_ends(dataset):
            row = [str(year)]
            for region in limited:
                for name in ("requested", "connected", "delayed", "stranded"):
                    row.append(
                        _e(
                            summary_cell(
                                dataset, f"grid_{name}_mw_by_region", 0, month=end, region=region
                            )
                        )
                    )
            cells.append(row)
        parts.append(
            _table(
                headers,
                cells,
                caption="Grid connection of new sites under each region's limit, end of year "
                "(queue order: under construction, announced, speculative; delayed: requested "
                "minus connected; stranded: built halls not yet connected)",
            )
        )
        if note := non_ai_growth_note(dataset):
            parts.append(f"<p>Note: {_e(note)}.</p>")
        last = f"{dataset['month'].to_index()[-1]:%Y-%m}"
        parts.append(
            _table(
                ["site", *site_columns(dataset)],
                [[_e(row.site), *(_e(c) for c in row.cells(last))] for row in site_rows(dataset)],
                caption="Each site under a limit, in queue order, with its status and the share "
                "of the draws that build it; among those draws, the grid capacity it asks for "
                "and the month it asks (grid_lead_months before its ramp starts; phased: it asks "
                "for what its ramp will have built), the month some of it is connected (a whole "
                "request may be connected in part first), the month all of it is, the months by "
                "which that comes after its halls need it (its ramp's start; phased: its end) "
                "and the mean months a MW of its built halls waits for the grid (never: not "
                f"connected in full by {last}; by: already in the period's first month)",
                text_columns=3,
            )
        )
    else:
        parts.append("<p>The scenario states no grid connection limit.</p>")
    if "flexibility_curtailed_twh" in dataset:
        figures = [
            ("peak_change_gw_without_flexibility", "peak change without flexibility [GW]", 2),
            ("peak_change_gw", "peak change with flexibility [GW]", 2),
            ("flexibility_curtailed_twh", "curtailed [TWh]", 4),
        ]
        figures = [f for f in figures if f[0] in dataset]
        rows = [
            [str(year), *(_e(summary_cell(dataset, n, d, year=year)) for n, _, d in figures)]
            for year in numpy_values(dataset["year"])
        ]
        parts.append(
            _table(
                ["year", *(label for _, label, _ in figures)],
                rows,
                caption=f"Flexibility: {dataset.attrs.get('flexibility', '')}",
            )
        )
    return "".join(parts)


def drivers_table(dataset: xr.Dataset, name: str = "spread_driver_rank_correlation") -> str:
    """Spearman rank correlation of each sampled input with the last year's AI energy (or, for
    ``dc_spread_driver_rank_correlation``, the data-centre energy), under the variable's
    description."""
    variable = dataset[name]
    pairs = [
        (str(label), float(value))
        for label, value in zip(
            numpy_values(variable[variable.dims[0]]), numpy_values(variable), strict=True
        )
        if np.isfinite(value)
    ]
    pairs.sort(key=lambda pair: -abs(pair[1]))
    rows = []
    for label, value in pairs[:MAX_DRIVERS]:
        bar = (
            f'<span class="bar{" negative" if value < 0 else ""}" aria-hidden="true" '
            f'style="width:{abs(value) * 8:.2f}rem"></span>'
        )
        rows.append([_e(label), f"{value:+.2f}", bar])
    return _table(
        ["sampled input", "rank correlation", "size"],
        rows,
        caption=f"{variable.attrs['description']}.",
    )


def _model_section(datasets: Sequence[xr.Dataset]) -> str:
    from forecast.baseline.model import load_baseline_model

    rows = []
    for label in sorted({d.attrs["baseline_model"] for d in datasets}):
        if label == "none":
            notes = sorted({str(d.attrs.get("baseline_note", "")) for d in datasets
                            if d.attrs["baseline_model"] == "none"})  # fmt: skip
            rows.append([_e(label), _e("; ".join(notes)), "", ""])
            continue
        manifest = load_baseline_model(label).manifest
        ex_ante = manifest.get("metrics", {}).get("ex_ante", {})
        metrics = ", ".join(
            f"{name.replace('_pct', ' %')}: {value:.2f}"
            for name, value in ex_ante.items()
            if isinstance(value, int | float)
        )
        rows.append(
            [_e(label), _e(manifest.get("description", "")), _e(manifest.get("created", "")),
             _e(metrics)]
        )  # fmt: skip
    table = _table(
        ["baseline model", "what it is", "created", "backtest, ex ante (forecast weather)"],
        rows,
        caption="The baseline models of the grid's load, with their backtest",
        text_columns=4,
    )
    return (
        table + f"<p>Code: <code>forecast {_e(forecast.__version__)}</code>. Model artifacts: "
        "<code>models/artifacts/</code> (manifest, model card, backtest).</p>"
    )


def _provenance(dataset: xr.Dataset, *, compared: bool) -> str:
    """The projection's provenance attributes, with the digests that match it to its files
    (``data_sha256``, ``weather_sha256``, the whole ``facts_sha256``: a report could not be
    matched to the Parquet it came from, report-interop 14); ``compared``: whether the report
    compares scenarios, the only case in which ``comparison_random_numbers`` says anything."""
    keys = ("scenario_id", "scenario_sha256", "seed", "draws", "period_start", "period_end",
            "resolution", "baseline_model", "baseline_demand_basis", "weather_location",
            "weather_kind", "weather_source", "weather_years", "weather_year",
            "weather_ensemble_years", "code_version", "data_sha256", "weather_sha256",
            "facts_sha256", *(("comparison_random_numbers",) if compared else ()),
            "duration_draws")  # fmt: skip
    rows = [[_e(key), _e(dataset.attrs[key])] for key in keys if key in dataset.attrs]
    return _table(
        ["attribute", "value"],
        rows,
        caption=f"Provenance of the projection of {dataset.attrs.get('scenario_id', '')}",
        text_columns=2,
    )


def _scenario_section(
    scenario: Scenario, dataset: xr.Dataset, index: int, *, compared: bool
) -> str:
    anchor = f"scenario-{index}"
    notes = (
        f'<details><summary>The scenario\'s notes</summary><p class="note">{_e(scenario.notes)}'
        "</p></details>"
        if scenario.notes
        else ""
    )
    # A period past the horizon (or before it) reads as the scenario's plan unless it is said.
    horizon = dataset.attrs.get("horizon_note")
    notes += f'<p class="note">Outside the horizon: {_e(horizon)}.</p>' if horizon else ""
    # Shown, not folded away with the notes: what a reader must know before quoting a figure.
    notes += "".join(f'<p class="note">Caveat: {_e(caveat)}</p>' for caveat in caveats(dataset))
    fans = plot.projection_figure(dataset)
    grid = dataset.attrs["baseline_model"] != "none"
    load = "AI and grid load" if grid else "Data-centre load (no baseline: no grid load)"
    peak = "grid's peak comes" if grid else "data-centre load's peak comes (no baseline)"
    return "".join(
        [
            f'<h2 id="{anchor}">{_e(scenario.id)}: {_e(scenario.title)}</h2>',
            f"<p>{_e(scenario.description)}</p>{notes}",
            f"<p>{_e(scenario.country)}, {_e(scenario.timezone)}; regions: "
            f"{_e(', '.join(scenario.regions))}; {len(scenario.deployments)} deployment plans, "
            f"{len(scenario.sites)} sites, {len(scenario.non_ai_loads)} non-AI loads.</p>",
            "<h3>Load and energy</h3>",
            _figure(
                fans,
                f"fan-{index}",
                f"{load} (P5–P95, P10–P90, P50 of monthly means) and annual AI energy and "
                "share (P50 with P10–P90 bars).",
                plot.projection_description(dataset) + " The table below gives every year.",
            ),
            annual_table(dataset),
            "<h3>Load duration curves and peak hours</h3>",
            _figure(
                plot.duration_figure(dataset),
                f"duration-{index}",
                "Each draw's hours of the year ranked from the highest (mean load of each "
                "band of ranks); P50 line, P10–P90 band over draws; one colour, line style and "
                "marker per year.",
                plot.duration_description(dataset) + " The table under the chart gives more ranks.",
            ),
            _numbers("The load duration curves as a table", duration_table(dataset)),
            _figure(
                plot.peak_hours_figure(dataset),
                f"peak-{index}",
                f"Month and local hour of each draw's highest hours of the year: when the {peak}.",
                plot.peak_hours_description(dataset)
                + " The tables under the chart give every month and hour.",
            ),
            _numbers("The peak hours as tables", peak_hours_tables(dataset)),
            "<h3>What drives the spread</h3>",
            drivers_table(dataset),
            *(
                [drivers_table(dataset, "dc_spread_driver_rank_correlation")]
                if "dc_spread_driver_rank_correlation" in dataset
                else []
            ),
            "<h3>By region</h3>",
            regions_section(dataset),
            "<h3>Hosting and grid-connection checks</h3>",
            checks_section(dataset),
            "<h3>Every assumption</h3>",
            assumptions_table(scenario),
            "<h3>Provenance</h3>",
            _provenance(dataset, compared=compared),
        ]
    )


def _comparison_section(combined: xr.Dataset, scenarios: Sequence[Scenario]) -> str:
    labels = [str(label) for label in numpy_values(combined["scenario"])]
    reference = labels[0]
    parts = [
        '<h2 id="comparison">The scenarios side by side</h2>',
        f"<p>Same draws, seed and period for every scenario ({_e(combined.attrs['draws'])} "
        f"draws, seed {_e(combined.attrs['seed'])}): where their inputs coincide they see the "
        "same random numbers, so a difference is computed draw by draw and shows what the "
        f"scenarios change, not sampling noise. Cells: {_e(band_label(combined))}.</p>",
        *(
            [f"<p>Note: {_e(combined.attrs['comparison_time_zones'])}.</p>"]
            if combined.attrs.get("comparison_time_zones")
            else []
        ),
        _figure(
            plot.comparison_figure(combined),
            "comparison",
            "Per year and scenario: P50 with P10–P90 bars; one colour and hatch per scenario.",
            plot.comparison_description(combined) + " The tables below give every year.",
        ),
        "<h3>Inputs that differ</h3>",
        differing_inputs_section(scenarios),
    ]
    for name, title, digits in comparisons.summary_figures(combined):
        headers = ["year", *labels, *(f"{label} minus {reference}" for label in labels[1:])]
        rows = []
        for year in numpy_values(combined["year"]):
            cells = [_e(summary_cell(combined, name, digits, scenario=label, year=int(year)))
                     for label in labels]  # fmt: skip
            cells += [
                _e(
                    summary_cell(
                        combined, f"{name}_difference", digits, scenario=label, year=int(year)
                    )
                )
                for label in labels[1:]
            ]
            rows.append([str(year), *cells])
        parts += [
            f"<h3>{_e(title)}</h3>",
            _table(headers, rows, caption=f"{title}, {band_label(combined)} over draws"),
        ]
    parts += ["<h3>By region</h3>", regional_comparison(combined)]
    return "".join(parts)


def differing_inputs_section(scenarios: Sequence[Scenario]) -> str:
    """For each scenario after the first, every input whose value (or distribution) or source
    differs from the first's, with both values and the variant's source."""
    reference = scenarios[0]
    parts = []
    for variant in scenarios[1:]:
        rows = [
            [_e(row.where), _e(row.entry), _e(row.reference), _e(row.variant),
             _e(row.variant_source or "not stated in the scenario")]
            for row in inputs.differing_inputs(reference, variant)
        ]  # fmt: skip
        if not rows:
            parts.append(f"<p>{_e(variant.id)} sets every input as {_e(reference.id)} does.</p>")
            continue
        parts.append(
            _table(
                ["where", "entry", reference.id, variant.id, f"source ({variant.id})"],
                rows,
                caption=f"Inputs of {variant.id} that differ from {reference.id}: where each is "
                "in the validated scenario (list entries matched by position, as the draws "
                "match them), its value or distribution in each, and its source in "
                f"{variant.id} (a quantity whose source alone differs is listed too)",
                text_columns=5,
            )
        )
    return "".join(parts)


def regional_comparison(combined: xr.Dataset) -> str:
    """Each scenario's energy by region side by side (with the differences from the first,
    draw by draw, where the comparison has them), and each limited region's grid queue."""
    labels = [str(label) for label in numpy_values(combined["scenario"])]
    reference = labels[0]
    regions = [str(region) for region in numpy_values(combined["region"])]
    parts = []
    for name, label in _regional_energy(combined):
        difference = difference_name(name)
        differences = labels[1:] if difference in combined else []
        headers = ["year"]
        for region in regions:
            shown = region_label(combined, region)
            headers += [f"{shown}: {scenario} {label}" for scenario in labels]
            headers += [f"{shown}: {scenario} minus {reference} {label}"
                        for scenario in differences]  # fmt: skip
        rows = []
        for year in numpy_values(combined["year"]):
            row = [str(year)]
            for region in regions:
                where: dict[str, Any] = {"region": region, "year": int(year)}
                row += [_e(summary_cell(combined, name, 2, scenario=s, **where)) for s in labels]
                row += [_e(summary_cell(combined, difference, 2, scenario=s, **where))
                        for s in differences]  # fmt: skip
            rows.append(row)
        title = BY_NAME[name].description
        caption = f"{title} [TWh], {band_label(combined)} over draws, scenarios side by side"
        caption += (
            f"; the differences from {reference} are taken draw by draw"
            if differences
            else "; the difference of two P50s is not the P50 of the difference"
        )
        parts.append(_table(headers, rows, caption=caption))
    limited = limited_regions(combined)
    if not limited or "month" not in combined.dims:
        return "".join(parts)
    figures = ("requested", "connected", "delayed")
    for region in limited:
        shown = region_label(combined, region)
        columns = [(f"{s}: {figure} [MW]", f"grid_{figure}_mw_by_region", s, True)
                   for s in labels for figure in figures]  # fmt: skip
        columns += [
            (f"{s} minus {reference}: {figure} [MW]", name, s, False)
            for s in labels[1:]
            for figure in figures
            if (name := difference_name(f"grid_{figure}_mw_by_region")) in combined
        ]
        rows = [
            # A monthly figure at the year's end; its difference is kept per year.
            [str(year), *(_e(summary_cell(combined, name, 0, scenario=s, region=region,
                                          **({"month": end} if monthly else {"year": year})))
                          for _, name, s, monthly in columns)]
            for year, end in _year_ends(combined)
        ]  # fmt: skip
        parts.append(
            _table(
                ["year", *(column[0] for column in columns)],
                rows,
                caption=f"Grid connection of new sites in {shown} at the end of each year, "
                f"{band_label(combined)} over draws, scenarios side by side and their "
                f"differences from {reference} draw by draw ({REQUESTED_CAPTION}; delayed: "
                "requested minus connected)",
            )
        )
    notes = [
        f"<li>{_e(label)}: {_e(note)}</li>"
        for label in labels
        if (note := non_ai_growth_note(combined, scenario=label))
    ]
    if notes:
        parts.append(
            "<p>Note: a connection limit holds back the listed sites only.</p>"
            f"<ul>{''.join(notes)}</ul>"
        )
    return "".join(parts)


def report_projections(
    scenarios: Sequence[Scenario],
    options: ProjectionOptions | None = None,
    *,
    progress: comparisons.ProgressCallback | None = None,
) -> list[xr.Dataset]:
    """The projections a report of ``scenarios`` shows (:func:`build_report`'s ``datasets``):
    monthly, with duration curves and the quantiles its charts need, on ``options``' draws,
    seed, period and weather. ``progress`` as for :func:`forecast.sweep.compare.compare`."""
    chosen = dataclasses.replace(
        options or ProjectionOptions(),
        resolution="monthly",
        duration_curves=True,
        quantiles=tuple(sorted({*(options or ProjectionOptions()).quantiles, *plot.FAN_LEVELS})),
    )
    return comparisons.project_scenarios(scenarios, chosen, progress=progress)


def build_report(
    scenarios: Sequence[Scenario],
    options: ProjectionOptions | None = None,
    *,
    command: str | None = None,
    progress: comparisons.ProgressCallback | None = None,
    facts: Path | None = None,
    datasets: Sequence[xr.Dataset] | None = None,
) -> str:
    """The report of ``scenarios`` as one self-contained HTML page.

    Parameters
    ----------
    scenarios : sequence of Scenario
        One or more scenarios of one time zone (the first is the comparison's reference).
    options : ProjectionOptions, optional
        Draws, seed, period and weather; the report sets monthly resolution, duration curves
        and the quantiles its charts need.
    command : str, optional
        The command line that made the report, shown in its provenance.
    progress : callable, optional
        As for :func:`forecast.sweep.compare.compare`.
    facts : Path, optional
        The ``facts.csv`` whose rows the "Cited facts" section shows (default:
        :func:`forecast.paths.facts_file`); absent, the section lists the keys alone.
    datasets : sequence of Dataset, optional
        The scenarios' projections, made by :func:`report_projections` (``forecast report``
        prints their caveats); default: made here from ``options``.
    """
    if datasets is None:
        datasets = report_projections(scenarios, options, progress=progress)
    combined = comparisons.combine(scenarios, datasets) if len(scenarios) > 1 else None
    title = "AI data-centre electricity demand: " + ", ".join(s.id for s in scenarios)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    contents = [f'<li><a href="#scenario-{i}">{_e(s.id)}: {_e(s.title)}</a></li>'
                for i, s in enumerate(scenarios)]  # fmt: skip
    if combined is not None:
        contents.insert(0, '<li><a href="#comparison">The scenarios side by side</a></li>')
    contents.append('<li><a href="#models">Model versions</a></li>')
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="question"><b>The question.</b> {_e(QUESTION)}</p>',
        "<p>" + " ".join(f"<b>{_e(s.id)}</b>: {_e(s.description)}" for s in scenarios) + "</p>",
        f'<p class="note">{_e(datasets[0].attrs["draws"])} Monte Carlo draws, seed '
        f"{_e(datasets[0].attrs['seed'])}, {_e(datasets[0].attrs['period_start'])} to "
        f"{_e(datasets[0].attrs['period_end'])}; generated {generated} by forecast "
        f"{_e(forecast.__version__)}"
        + (f" with <code>{_e(command)}</code>" if command else "")
        + ". Every figure is a distribution over draws: P50 is the median, P10–P90 the "
        "central 80 %, the mean in parentheses (announced pipelines are skewed).</p>",
        limits_box(scenarios, datasets),
        caveats_box(scenarios, datasets),
    ]
    nav = len(body)  # the contents go here, once the last section (the cited facts) is known
    if combined is not None:
        body.append(_comparison_section(combined, scenarios))
    for index, (scenario, dataset) in enumerate(zip(scenarios, datasets, strict=True)):
        body.append(_scenario_section(scenario, dataset, index, compared=combined is not None))
    body += ['<h2 id="models">Model versions</h2>', _model_section(datasets)]
    cited = cited_facts_section("".join(body), facts)
    if cited:
        contents.append('<li><a href="#facts">Cited facts</a></li>')
        body.append(cited)
    body.insert(nav, f'<nav aria-label="Contents"><ol>{"".join(contents)}</ol></nav>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body><main>"
        + "".join(body)
        + "</main></body></html>\n"
    )


def cited_facts_section(text: str, path: Path | None = None) -> str:
    """Every ``facts.csv`` key ``text`` cites (:func:`~forecast.scenario.facts.cited_keys`) with
    each of its rows' value, unit, year, confidence and URL (as text: the report links only
    inside itself, so that it opens offline and requests nothing), from the facts file ``path``
    (default: :func:`forecast.paths.facts_file`, as ``forecast facts show`` reads it), so that
    a key read in the report names a number and how sure its source is (a source auditor found
    keys only); without the file, the keys alone and a line saying so."""
    keys = cited_keys(text)
    if not keys:
        return ""
    path = facts_file() if path is None else Path(path)
    heading = '<h2 id="facts">Cited facts</h2>'
    if not path.is_file():
        return heading + (
            f'<p class="note">facts.csv not found: keys only (looked for {_e(str(path))}; set '
            "FORECAST_FACTS_FILE or give <code>forecast report --facts</code>). Cited: "
            f"{_e(', '.join(keys))}.</p>"
        )
    rows = read_facts(path)
    digest = facts_digest(path)
    version = (
        "the version the shipped citations name"
        if digest == FACTS_SHA256
        else f"not the version the shipped citations name ({FACTS_SHA256[:12]}): a row may "
        "differ from the one cited"
    )
    table_rows = []
    for key in keys:
        found = [row for row in rows if row.key == key]
        if not found:
            table_rows.append((_e(key), "no row in this facts.csv", "", "", ""))
        for row in found:
            table_rows.append((
                _e(key), _e(f"{row.value} {row.unit}".strip()), _e(row.year),
                _e(row.confidence), _e(row.url),
            ))  # fmt: skip
    return heading + _table(
        ["key", "value", "year", "confidence", "source URL"],
        table_rows,
        text_columns=5,
        caption=f"Every facts.csv row the report cites, from {path} (sha256 {digest[:12]}, "
        f"{version}); a key cited by two sources has two rows",
    )


def check_report_path(path: Path) -> None:
    """Refuse an output that is not ``.html`` / ``.htm`` or whose directory is missing."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise OptionsError(
            f"--out = {str(path)!r}: suffix {path.suffix or '(none)'!r}: allowed: .html, .htm"
        )
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise OptionsError(f"--out = {str(path)!r}: directory {str(directory)!r} does not exist")


def write_report(text: str, path: Path) -> Path:
    """Write the report atomically to ``path`` (``.html`` or ``.htm``)."""
    path = Path(path)
    check_report_path(path)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
