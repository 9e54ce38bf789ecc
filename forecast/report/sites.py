"""Each site not yet operating (under its region's grid connection limit, if any) in words:
when it asks for its grid capacity, when all of it is connected and how long it waits, read
from a projection's ``site_*`` variables (the command line's summary and the HTML report print
the same rows; the dashboard's ``fillSiteTable`` reads the same variables by the same rules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecast.outputs import band_label, band_text, quantile_at


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


def _month_reaching(share: xr.DataArray, level: float) -> str:
    """The first month (YYYY-MM) at which a share [%] by month reaches ``level`` [%]: ``by
    <first month>`` where it does in the period's first month (it may have done so before),
    ``after <last month>`` where it never does."""
    months = share["month"].to_index()
    reached = np.flatnonzero(share.to_numpy() >= level)
    if reached.size == 0:
        return f"after {months[-1]:%Y-%m}"
    return f"by {months[0]:%Y-%m}" if reached[0] == 0 else f"{months[reached[0]]:%Y-%m}"


def _months(value: float, digits: int = 0) -> str:
    return "never" if np.isinf(value) else f"{value:.{digits}f}"


def _spread(values: xr.DataArray, digits: int = 0) -> str:
    """ "P50 [P10–P90]" of a site's quantiles (:func:`forecast.outputs.band_text`)."""
    return band_text(values, lambda value: _months(value, digits)) or "–"


def _unlimited(dataset: xr.Dataset, site) -> bool:
    """Whether the site's region has no connection limit (connected in full as it asks)."""
    return "site_grid_limit" in dataset.coords and (
        str(dataset["site_grid_limit"].sel(site=site).item()) == "none"
    )


def site_rows(dataset: xr.Dataset) -> list[SiteRow]:
    """A row per site not yet operating, in queue order (a site whose region has no connection
    limit: ``(no limit)`` after its region); none without such sites."""
    if "site_energised_pct" not in dataset:
        return []
    rows = []
    for site in dataset["site"].to_numpy():
        known = SiteRow(
            site=str(site),
            region=str(dataset["site_region"].sel(site=site).item())
            + (" (no limit)" if _unlimited(dataset, site) else ""),
            status=str(dataset["site_status"].sel(site=site).item()).replace("_", " "),
            built=f"{float(dataset['site_built_pct'].sel(site=site)):.0f}",
            state="not built",
        )
        requesting = dataset["site_requesting_pct"].sel(site=site)
        if np.isnan(requesting.to_numpy()).all():
            rows.append(known)
            continue
        request = quantile_at(dataset["site_grid_request_mw"].sel(site=site), 0.5)
        if np.isnan(request):
            rows.append(dataclasses.replace(known, state="asks after"))
            continue
        wait = dataset["site_grid_wait_months"].sel(site=site)
        phased = str(dataset["site_grid_request"].sel(site=site).item()) == "phased"
        energised = dataset["site_energised_pct"].sel(site=site)
        rows.append(
            dataclasses.replace(
                known,
                state="due after" if np.isnan(wait.to_numpy()).all() else "waits",
                request=f"{request:,.0f}" + (" phased" if phased else ""),
                asks=_month_reaching(requesting, 50.0),
                first=(
                    _month_reaching(dataset["site_first_mw_pct"].sel(site=site), 50.0)
                    if "site_first_mw_pct" in dataset
                    else ""
                ),
                connected=(
                    _month_reaching(energised, 10.0),
                    _month_reaching(energised, 50.0),
                    _month_reaching(energised, 90.0),
                ),
                late=_spread(wait),
                mean_wait=_spread(dataset["site_grid_mean_wait_months"].sel(site=site), 1),
            )
        )
    return rows
