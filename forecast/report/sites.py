"""Each site not yet operating (under its region's grid connection limit, if any) in words:
when it asks for its grid capacity, when all of it is connected and how long it waits, read
from a projection's ``site_*`` variables (the command line's summary and the HTML report print
the same rows; the dashboard's ``fillSiteTable`` reads the same variables by the same rules)."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecast.outputs import band_label, band_values, values_at


def site_columns(dataset: xr.Dataset) -> list[str]:
    """The columns of :meth:`SiteRow.cells`, the months' bands named from the Dataset's
    quantiles (:func:`forecast.outputs.band_label`; the connection months are read from the
    share of draws, whatever the quantiles)."""
    band = band_label(dataset, mean=False)
    return ["region", "status", "built %", "asks MW (P50)", "asks from (P50)", "first MW (P50)",
            "connected in full P10", "P50", "P90", f"months late {band}",
            f"built MW waited, mean months {band}"]  # fmt: skip


@dataclass(frozen=True)
class SiteRow:
    """One site, among the draws that build it.

    ``state`` is ``waits`` (it asks within the period), ``due after`` (it asks within the
    period, but in every draw its halls need all of it only after the period: a phased site
    still ramping, or one that applied ahead of a later build; how late it comes is not known
    yet), ``not built`` (no draw builds it) or ``asks after`` (the draws that build it ask after
    the period's last month); only a site that asks has a request and months. A site asks for
    all of its grid capacity its ``grid_lead_months`` before its ramp starts, or, phased
    (``asks MW`` ends in "phased"), for what its ramp will have built a lead later."""

    site: str
    region: str
    status: str
    built: str  # share of the draws that build it [%]
    state: str
    request: str = ""  # grid capacity it asks for (P50) [MW]
    asks: str = ""  # month it asks (P50): YYYY-MM, "by YYYY-MM" (before the period)
    first: str = ""  # month some of it is connected (P50): a whole request may come in parts
    connected: tuple[str, str, str] = ("", "", "")  # month all of it is connected, P10/P50/P90
    late: str = ""  # months its full connection comes after it is due, "P50 [P10–P90]"
    mean_wait: str = ""  # months a built MW waits for its connection, "P50 [P10–P90]"

    def cells(self, last_month: str) -> list[str]:
        """The row's cells under :func:`site_columns` (the site's name is not among them)."""
        known = [self.region, self.status, self.built]
        if self.state == "not built":
            return [*known, "", "not built in any draw", "", "", "", "", "", ""]
        if self.state == "asks after":
            return [*known, "", f"after {last_month}", "", "", "", "", "", ""]
        late = f"due after {last_month}" if self.state == "due after" else self.late
        return [*known, self.request, self.asks, self.first, *self.connected, late, self.mean_wait]


def _month_reaching(share: np.ndarray, months: list[str], level: float) -> str:
    """The first month (YYYY-MM, of ``months``) at which a share [%] by month (``share``, one
    per month) reaches ``level`` [%]: ``by <first month>`` where it does in the period's first
    month (it may have done so before), ``after <last month>`` where it never does."""
    reached = np.flatnonzero(share >= level)
    if reached.size == 0:
        return f"after {months[-1]}"
    return f"by {months[0]}" if reached[0] == 0 else months[reached[0]]


def _months(value: float, digits: int = 0) -> str:
    return "never" if np.isinf(value) else f"{value:.{digits}f}"


def _spread(levels: np.ndarray, values: np.ndarray, digits: int = 0) -> str:
    """ "P50 [P10–P90]" of a site's ``values`` at the probability ``levels``
    (:func:`forecast.outputs.band_values`)."""
    return band_values(levels, values, lambda value: _months(value, digits)) or "–"


def _site_values(dataset: xr.Dataset, site: str, name: str) -> np.ndarray:
    """The values of the site variable or coordinate ``name`` at ``site``."""
    return values_at(dataset[name], {"site": site})


def site_rows(dataset: xr.Dataset) -> list[SiteRow]:
    """A row per site not yet operating, in queue order (a site whose region has no connection
    limit: ``(no limit)`` after its region); none without such sites.

    Each site's figures are read by position (:func:`forecast.outputs.values_at`), not with
    ``.sel``: xarray's label selection imports dask to ask whether the values are a dask array
    (0.35 s of CPU in a command line's process)."""
    if "site_energised_pct" not in dataset:
        return []
    levels = np.asarray(dataset["quantile"].values, dtype=float)
    months = [f"{month:%Y-%m}" for month in dataset.indexes["month"]]
    rows = []
    for site in np.asarray(dataset["site"].data):
        at = functools.partial(_site_values, dataset, site)
        unlimited = "site_grid_limit" in dataset.coords and str(at("site_grid_limit")) == "none"
        known = SiteRow(
            site=str(site),
            region=str(at("site_region")) + (" (no limit)" if unlimited else ""),
            status=str(at("site_status")).replace("_", " "),
            built=f"{float(at('site_built_pct')):.0f}",
            state="not built",
        )
        requesting = at("site_requesting_pct")
        if np.isnan(requesting).all():
            rows.append(known)
            continue
        request = float(at("site_grid_request_mw")[int(np.argmin(np.abs(levels - 0.5)))])
        if np.isnan(request):
            rows.append(dataclasses.replace(known, state="asks after"))
            continue
        wait = at("site_grid_wait_months")
        phased = str(at("site_grid_request")) == "phased"
        energised = at("site_energised_pct")
        rows.append(
            dataclasses.replace(
                known,
                state="due after" if np.isnan(wait).all() else "waits",
                request=f"{request:,.0f}" + (" phased" if phased else ""),
                asks=_month_reaching(requesting, months, 50.0),
                first=(
                    _month_reaching(at("site_first_mw_pct"), months, 50.0)
                    if "site_first_mw_pct" in dataset
                    else ""
                ),
                connected=(
                    _month_reaching(energised, months, 10.0),
                    _month_reaching(energised, months, 50.0),
                    _month_reaching(energised, months, 90.0),
                ),
                late=_spread(levels, wait),
                mean_wait=_spread(levels, at("site_grid_mean_wait_months"), 1),
            )
        )
    return rows
