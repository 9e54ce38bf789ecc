"""Campus-scale columns print in MW and GWh: a 300 MW campus's summary read ``0.15 GW`` and
``0.002 TWh`` (report-proc L10). One rule, in the tables' shared column helper
(:func:`forecast.outputs.column_unit`): a GW or TWh column whose every printed value is below
1 shows MW or GWh, the unit in its header."""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from forecast.cli.project import summary_table
from tests.forecast.engine.test_unlimited_sites import _projected


def _row(text: str, year: str) -> list[str]:
    row = next(line for line in text.splitlines() if line.startswith(year))
    return re.split(r"\s{2,}", row.strip())[1:]


def test_a_column_below_one_gw_prints_in_mw():
    dataset = _projected()
    text = summary_table(dataset)
    header = next(line for line in text.splitlines() if line.startswith("year"))
    # The peak never reaches 1 GW: MW; the energy does (1.58 TWh in 2029): TWh for every year.
    assert "AI peak MW" in header and "AI peak GW" not in header
    assert "AI energy TWh" in header
    peak = dataset["ai_peak_gw"].sel(year=2029, quantile=0.5)
    # Two decimals in GW, none in MW: still ten times finer.
    assert _row(text, "2029")[1].startswith(f"{1000 * float(peak):,.0f} [")


def test_the_unit_rule():
    from forecast.outputs import column_unit

    small = xr.Dataset({"x_twh": (("year",), np.array([0.002, 0.9]))}, coords={"year": [1, 2]})
    years = [{"year": 1}, {"year": 2}]
    assert column_unit(small, "x_twh", "energy [TWh]", years) == ("energy [GWh]", 1000.0, 0)
    assert column_unit(small, "x_twh", "energy TWh", years[:1], digits=3) == (
        "energy GWh",
        1000.0,
        1,
    )
    large = small.assign(x_twh=("year", np.array([0.5, 1.2])))
    assert column_unit(large, "x_twh", "energy TWh", years) == ("energy TWh", 1.0, 2)
    # A GWh label is not a GW one, and a share has no unit to shrink.
    assert column_unit(small, "x_twh", "energy GWh", years) == ("energy GWh", 1.0, 2)
    assert column_unit(small, "x_twh", "AI share %", years) == ("AI share %", 1.0, 2)
