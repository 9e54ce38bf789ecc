"""Reference results from the literature, typed in as constants."""

from __future__ import annotations

import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario

# de Vries, A. (2023). The growing energy footprint of artificial intelligence. Joule 7(10),
# 2191-2194, doi:10.1016/j.joule.2023.09.004: 1.5 M NVIDIA AI servers in 2027 at full load all
# year, no PUE: DGX H100 at 10.2 kW -> 134.0 TWh/yr; DGX A100 at 6.5 kW -> 85.4 TWh/yr.
DE_VRIES_2027_TWH = {"devries-2023-h100": 134.0, "devries-2023-a100": 85.4}


@pytest.mark.parametrize(("scenario_id", "expected_twh"), sorted(DE_VRIES_2027_TWH.items()))
def test_de_vries_2023_annual_energy(scenario_id, expected_twh):
    """de Vries (2023, Joule): 1.5 M servers x DGX power x 8760 h, no PUE."""
    dataset = project(
        load_scenario(scenario_id),
        ProjectionOptions(draws=20, seed=1, resolution="annual", include_baseline=False),
    )
    energy = dataset["ai_energy_twh"].sel(year=2027)
    assert float(energy.min()) == pytest.approx(expected_twh, rel=2e-3)
    assert float(energy.max()) == pytest.approx(expected_twh, rel=2e-3)
