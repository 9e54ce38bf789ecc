"""Projections stacked along a new axis (scenarios, variants) on common site axes.

Each projection lists its sites not yet operating (``site``) in its own queue order, and every
site whose AI load it gives (``load_site``) in its file's order; two scenarios, or two variants
that move a site's commissioning date, list them differently. The coordinates along these axes
(each site's region, status, ...) are taken off before stacking and set again once, along the
stacked axis.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from forecast.engine.dataset import numpy_variable
from forecast.outputs import numpy_values

#: Coordinates along each site axis. ``site``: each site's region, status, how it asks the
#: grid and whether its region has a connection limit (``limited`` where it has one in any
#: projection); ``load_site``: each site's region.
SITE_COORDINATES = {
    "site": ("site_region", "site_status", "site_grid_request", "site_grid_limit"),
    "load_site": ("load_site_region",),
}

#: Per site, its coordinates' values along a site axis: site -> coordinate name -> value.
SiteCoordinates = dict[str, dict[str, str]]


def without_site_coordinates(
    datasets: list[xr.Dataset], axis: str
) -> tuple[list[xr.Dataset], SiteCoordinates]:
    """The datasets without their coordinates along the site axis ``axis`` (``site`` or
    ``load_site``: :data:`SITE_COORDINATES`), and each site's values of them, the first
    projection that has the site saying (``site_grid_limit`` is ``limited`` where any says
    so): stacking projections whose sites differ fails on them ("'load_site_region' not
    present in all datasets"); :func:`with_site_coordinates` sets them again on the stack."""
    names = SITE_COORDINATES[axis]
    found: SiteCoordinates = {}
    for dataset in datasets:
        if axis not in dataset.coords:
            continue
        present = [name for name in names if name in dataset.coords]
        values = {name: numpy_values(dataset[name]) for name in present}
        for position, site in enumerate(numpy_values(dataset[axis])):
            said = {name: str(values[name][position]) for name in present}
            known = found.setdefault(str(site), said)
            if said.get("site_grid_limit") == "limited":
                known["site_grid_limit"] = "limited"
    return [dataset.drop_vars(names, errors="ignore") for dataset in datasets], found


def with_site_coordinates(stacked: xr.Dataset, axis: str, found: SiteCoordinates) -> xr.Dataset:
    """``stacked`` with the coordinates :func:`without_site_coordinates` took off set again
    along its site axis ``axis``; unchanged where no projection had sites there."""
    if not found:
        return stacked
    sites = [str(site) for site in numpy_values(stacked[axis])]
    # A projection without a site_grid_limit reads as one whose regions all have a limit.
    return stacked.assign_coords(
        {
            name: numpy_variable(
                (axis,), np.array([found[site].get(name, "limited") for site in sites])
            )
            for name in SITE_COORDINATES[axis]
        }
    )


def common_sites(datasets: list[xr.Dataset]) -> tuple[list[xr.Dataset], SiteCoordinates]:
    """The datasets on one ``site`` axis, the union of their sites in the order they are
    first found (a projection's per-site variables are NaN at the sites it lacks), without the
    site coordinates, and these (:func:`without_site_coordinates`); unchanged where none has
    sites."""
    datasets, found = without_site_coordinates(datasets, "site")
    if not found:
        return datasets, found
    sites = list(found)
    return [
        dataset.reindex(site=sites) if "site" in dataset.coords
        else dataset.assign_coords(site=sites)
        for dataset in datasets
    ], found  # fmt: skip
