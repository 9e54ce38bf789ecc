"""A comparison's figures region by region: each scenario's regional energy and grid
connections, and their differences from the first scenario, draw by draw.

A Jeollanam-do planner comparing a relocation variant with kr-outlook had the differences of
national figures only, which relocation cannot move (:data:`forecast.outputs.REGIONS_NOTE`);
what it moves is each region's energy and queue. In: the Dataset of
:func:`forecast.sweep.compare.compare`; out: lines of text for its summary.
"""

from __future__ import annotations

import xarray as xr

from forecast.io.export import year_end_months
from forecast.outputs import (
    band_label,
    difference_name,
    numpy_values,
    region_label,
    summary_cell,
    text_table,
)

#: The figures of the "by region" blocks: variable, title, decimals.
REGION_FIGURES = (
    ("ai_energy_twh_by_region", "AI energy by region [TWh]", 2),
    ("non_ai_energy_twh_by_region", "non-AI data-centre energy by region [TWh]", 2),
    ("dc_energy_twh_by_region", "all data-centre energy by region [TWh]", 2),
    (
        "grid_requested_mw_by_region",
        "grid capacity requested by the scenario's listed sites under a limit, by region, at the "
        "end of the year [MW] (not the grid operator's queue)",
        0,
    ),
    ("grid_connected_mw_by_region", "grid capacity connected, by region, at the end of the "
     "year [MW]", 0),
    ("grid_delayed_mw_by_region", "grid capacity waiting for a connection, by region, at the "
     "end of the year [MW]", 0),
)  # fmt: skip


def region_blocks(dataset: xr.Dataset, labels: list[str]) -> list[str]:
    """Where the scenarios have several regions: per figure of :data:`REGION_FIGURES` the
    scenarios have, each region's P50 [P10–P90] (mean) per scenario and each later scenario's
    difference from the first, draw by draw (– where a scenario lacks it, or its regions
    differ from the first's)."""
    if dataset.sizes.get("region", 0) < 2:
        return []
    reference, others = labels[0], labels[1:]
    year_ends = dict(zip(numpy_values(dataset["year"]), year_end_months(dataset), strict=True))
    lines = ["", f"by region: {band_label(dataset)} over draws; 'minus': draw by draw"]
    for name, title, digits in REGION_FIGURES:
        if name not in dataset:
            continue
        columns = []
        for region in numpy_values(dataset["region"]):
            shown = region_label(dataset, str(region))
            columns += [(f"{label} {shown}", name, label, str(region)) for label in labels]
            columns += [
                (f"{label} minus {reference} {shown}", difference_name(name), label, str(region))
                for label in others
            ]
        rows = []
        for year in numpy_values(dataset["year"]):
            cells = []
            for _, variable, label, region in columns:
                # A monthly figure at the year's end; its difference is kept per year.
                at = (
                    {"month": year_ends[year]}
                    if variable in dataset and "month" in dataset[variable].dims
                    else {"year": int(year)}
                )
                cells.append(summary_cell(dataset, variable, digits, scenario=label,
                                          region=region, **at))  # fmt: skip
            rows.append((str(year), cells))
        lines += ["", title, *text_table("year", [c[0] for c in columns], rows)]
    return lines
