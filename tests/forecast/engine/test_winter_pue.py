"""Why kr-outlook's AI load in February does not move with the day's weather: the PUE rises
with the outdoor temperature above its reference only (``pue_reference_temperature_c``, 15 °C
by default: README, "How the model works", step 3, and the Defaults table), and Seoul's
February hours (2013-2024, the days missing from the hourly file rebuilt) are above 15 °C in
0.22 % of hours. Weather reaches every month: with the reference below February's
temperatures the February load follows them.

One draw and one site's series: ``site_facility_mw_mean / site_it_mw_mean`` is that draw's
PUE hour by hour, ``a + b * max(T - T_ref, 0)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario
from tests.support.data import requires_shared_data

SITE = "LG U+ Paju AI data centre, building 1"


def _hourly_pue(reference_c: float | None = None) -> pd.Series:
    """The first draw's PUE at SITE in each hour of February and July 2030 (seed 0)."""
    scenario = load_scenario("kr-outlook")
    if reference_c is not None:
        data = scenario.model_dump(mode="json", exclude_none=True)
        data["operations"]["pue_reference_temperature_c"] = reference_c
        scenario = parse_scenario(data, origin="kr-outlook, reference moved")
    options = ProjectionOptions(
        draws=1, start="2030-02-01", end="2030-07-31", weather="historical",
        include_baseline=False, sites=(SITE,),
    )  # fmt: skip
    dataset = project(scenario, options)
    facility = dataset["site_facility_mw_mean"].sel(profile_site=SITE).to_numpy()
    it = dataset["site_it_mw_mean"].sel(profile_site=SITE).to_numpy()
    assert (it > 0).all()  # the campus runs in every hour of the period
    times = pd.DatetimeIndex(dataset["time"].to_numpy())
    return pd.Series(facility / it, index=times)


@requires_shared_data
def test_the_february_pue_is_flat_below_the_reference_and_julys_follows_the_weather():
    pue = _hourly_pue()
    february, july = pue[pue.index.month == 2], pue[pue.index.month == 7]
    floor = float(february.min())
    at_floor = np.isclose(february.to_numpy(), floor, rtol=0, atol=1e-12)
    assert at_floor.mean() >= 0.99  # 0.4 % of this draw's hours above 15 °C
    assert float(july.min()) > floor + 1e-6  # every July hour is above 15 °C
    assert float(july.max() - july.min()) > 0.02


@requires_shared_data
def test_weather_reaches_february_where_it_is_above_the_reference():
    february = _hourly_pue(reference_c=0.0)
    february = february[february.index.month == 2]
    assert float(february.max() - february.min()) > 0.02
