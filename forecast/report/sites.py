"""Each site under a grid connection limit in words: when it asks for its grid capacity, when
all of it is connected and how long it waits, read from a projection's ``site_*`` variables
(the command line's summary and the HTML report print the same rows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class SiteRow:
    """One site, among the draws that build it; ``built`` False where no draw does (then the
    months and waits are empty)."""

    site: str
    region: str
    built: bool
    asks: str  # month its ramp starts and it asks (P50), YYYY-MM
    connected: tuple[str, str, str]  # month all of it is connected, P10 / P50 / P90
    waited: str  # months from request to full connection, "P50 [P10-P90]"


def _month_reaching(share: xr.DataArray, level: float) -> str:
    """The first month (YYYY-MM) at which a share [%] by month reaches ``level`` [%], or
    ``after <last month>``."""
    months = share["month"].to_index()
    reached = np.flatnonzero(share.to_numpy() >= level)
    return f"{months[reached[0]]:%Y-%m}" if reached.size else f"after {months[-1]:%Y-%m}"


def _months(value: float) -> str:
    return "never" if np.isinf(value) else f"{value:.0f}"


def _at(variable: xr.DataArray, level: float) -> float:
    """The quantile nearest ``level`` of a (quantile)-dimensioned variable."""
    levels = variable["quantile"].to_numpy()
    return float(variable.to_numpy()[int(np.argmin(np.abs(levels - level)))])


def site_rows(dataset: xr.Dataset) -> list[SiteRow]:
    """A row per site under a connection limit, in queue order (none without such sites)."""
    if "site_energised_pct" not in dataset:
        return []
    rows = []
    for site in dataset["site"].to_numpy():
        region = str(dataset["site_region"].sel(site=site).item())
        requesting = dataset["site_requesting_pct"].sel(site=site)
        if np.isnan(requesting.to_numpy()).all():
            rows.append(SiteRow(str(site), region, False, "", ("", "", ""), ""))
            continue
        energised = dataset["site_energised_pct"].sel(site=site)
        wait = dataset["site_grid_wait_months"].sel(site=site)
        p10, p50, p90 = (_months(_at(wait, level)) for level in (0.1, 0.5, 0.9))
        rows.append(
            SiteRow(
                site=str(site),
                region=region,
                built=True,
                asks=_month_reaching(requesting, 50.0),
                connected=(
                    _month_reaching(energised, 10.0),
                    _month_reaching(energised, 50.0),
                    _month_reaching(energised, 90.0),
                ),
                waited=f"{p50} [{p10}-{p90}]",
            )
        )
    return rows
