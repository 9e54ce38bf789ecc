"""Projections stacked along a new axis (scenarios, variants) on one ``site`` axis.

Each projection lists its sites not yet operating in its own queue order; two
scenarios, or two variants that move a site's commissioning date, list them differently.
"""

from __future__ import annotations

import xarray as xr

#: Coordinates along ``site``: each site's region, status, how it asks the grid and whether
#: its region has a connection limit (``limited`` where it has one in any projection).
SITE_COORDINATES = ("site_region", "site_status", "site_grid_request", "site_grid_limit")


def common_sites(datasets: list[xr.Dataset]) -> tuple[list[xr.Dataset], dict[str, list[str]]]:
    """The datasets on one ``site`` axis, the union of their sites (a scenario's per-site
    variables are NaN at the sites it lacks), and the site coordinates along it (the first
    scenario that has a site says its region, status and request); unchanged where none has
    sites."""
    found: dict[str, dict[str, str]] = {}
    for dataset in datasets:
        if "site" in dataset.coords:
            for position, site in enumerate(dataset["site"].to_numpy()):
                known = found.setdefault(
                    str(site),
                    {
                        name: str(dataset[name].to_numpy()[position])
                        for name in SITE_COORDINATES
                        if name in dataset.coords
                    },
                )
                if "site_grid_limit" in dataset.coords and (
                    str(dataset["site_grid_limit"].to_numpy()[position]) == "limited"
                ):
                    known["site_grid_limit"] = "limited"
    if not found:
        return datasets, {}
    sites = list(found)
    aligned = [
        dataset.drop_vars([n for n in SITE_COORDINATES if n in dataset.coords]).reindex(site=sites)
        if "site" in dataset.coords
        else dataset.assign_coords(site=sites)
        for dataset in datasets
    ]
    return aligned, {
        name: [found[site].get(name, "limited") for site in sites] for name in SITE_COORDINATES
    }


def without_load_site_regions(
    datasets: list[xr.Dataset],
) -> tuple[list[xr.Dataset], dict[str, str]]:
    """The datasets without ``load_site_region`` (the region of each site whose AI load is
    given, along ``load_site``), and each site's region, the first projection that has the
    site saying: stacking a scenario without sites after one with them failed ("'load_site_region'
    not present in all datasets"); the caller sets it again on the stacked ``load_site``."""
    regions: dict[str, str] = {}
    for dataset in datasets:
        if "load_site_region" in dataset.coords:
            pairs = zip(
                dataset["load_site"].to_numpy(), dataset["load_site_region"].to_numpy(), strict=True
            )
            for site, region in pairs:
                regions.setdefault(str(site), str(region))
    return [dataset.drop_vars("load_site_region", errors="ignore") for dataset in datasets], regions
