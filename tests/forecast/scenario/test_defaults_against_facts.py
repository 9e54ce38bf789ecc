"""Shipped defaults a ministry would quote, checked against the facts.csv rows they rest on.

An energy-agency source audit found the AI-hall PUE default taking LBNL 2024's AI-specialised
*median* (1.14) as its low end without citing the row that answers the question
(``lbnl2025_ai_facility_pue_2024``: 1.145 in 2024, 1.136 in 2030), and kr-outlook's existing
non-AI data centres at 12.7 TWh in 2024 (P50), about three times KEPCO's metered consumption
(``kr_dc_electricity_2019_2021_total``: 146 data centres, 11,000 GWh over 2019-2021). The rows
are read from the shared ``../shared/reference/facts.csv``; the checks skip when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from forecast.engine.sampling import OPERATION_DEFAULTS
from forecast.scenario import Trend, Triangular

FACTS_PATH = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "facts.csv"


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    """The shared reference ``facts.csv``, one row per source (a key may repeat)."""
    if not FACTS_PATH.is_file():
        pytest.skip(f"{FACTS_PATH} is absent: the reference facts live outside the repository")
    return pd.read_csv(FACTS_PATH, dtype=str)


def _value(facts: pd.DataFrame, key: str) -> float:
    values = facts.loc[facts["key"] == key, "value"]
    assert len(values) == 1, f"{key}: {len(values)} rows"
    return float(values.iloc[0])


def test_ai_hall_pue_default_centres_on_lbnls_ai_facility_row(facts):
    """LBNL 2025 Update (LBNL-2001758): AI-serving facilities' PUE 1.145 in 2024 -> 1.136 in
    2030, "no material change" (facts.csv: lbnl2025_ai_facility_pue_2024); the default's mode
    is that row in both years, its low end no higher than it, and every point cites it."""
    row = facts.loc[facts["key"] == "lbnl2025_ai_facility_pue_2024"].iloc[0]
    in_2030 = float(re.search(r"-> (\d\.\d+) \(2030\)", row["note"]).group(1))
    trend = OPERATION_DEFAULTS["pue"].quantity
    assert isinstance(trend, Trend)
    points = {point.date.year: point.quantity for point in trend.points}
    assert set(points) == {2024, 2030}
    for year, expected in ((2024, float(row["value"])), (2030, in_2030)):
        quantity = points[year]
        assert isinstance(quantity, Triangular)
        assert quantity.mode == expected, year
        assert quantity.low <= expected <= quantity.high, year
        assert "lbnl2025_ai_facility_pue_2024" in quantity.source, year
    assert points[2024].low == _value(facts, "pue_google_fleet_2025")
    assert points[2024].high == _value(facts, "pue_global_avg_uptime_2025")
