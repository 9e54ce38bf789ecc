"""Published studies compared bottom-up: LBNL 2024, the LBNL 2025 Update and IEA Energy and AI.

Each shipped scenario (``us-lbnl-2024``, ``us-lbnl-2025``, ``global-iea-2025``) builds the whole
data-centre sector from ``facts.csv`` inputs: accelerators from shipments with the catalog's
system power, conventional servers, storage and network as installed base x power, and the
report's PUE. No published total is fitted; one component is calibrated: in the two US files
the AI servers in service in 2023 are scaled (x 2.16) to LBNL 2024's own component figure, >40 TWh
of AI-server energy in 2023, which they meet on the mean only. The figure compared is
``dc_energy_twh`` (AI + non-AI data-centre electricity in the year).

A target the bottom-up build misses is marked ``xfail(strict=True)`` with the measured figure
and the missing input responsible (README, "Published studies compared bottom-up"): the miss
stays visible in every test run, and the mark fails the suite as soon as the model meets the target,
so that it is removed rather than left stale.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import cache

import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario
from tests.support import study_sensitivity

# The README's figures come from the same draws: `forecast project ID --draws 500` (seed 0).
DRAWS = 500
SEED = 0


#: Draws for a target whose P50 lies near its line: the IEA's 2030 P50 is 4.7 TWh above 945 x
#: 1.1, and at 500 draws its Monte Carlo standard error is 8.8 TWh (seeds 1/2/3 gave 1,040.0 /
#: 1,047.6 / 1,040.7: the verdict was a coin toss on the seed); at 20,000 it is 1.4 TWh (seeds
#: 0/1/2: 1,044.2 / 1,043.9 / 1,044.0, measured 2026-12-07), 3.4 standard errors. About 15 s.
NEAR_LINE_DRAWS = 20_000
#: Least distance of a P50 from its line, in Monte Carlo standard errors, for a verdict. [-]
LEAST_STANDARD_ERRORS = 3.0


@cache
def dc_energy(scenario_id: str, year: int, draws: int = DRAWS) -> dict[str, float]:
    """P10, P50, P90 and mean of the year's data-centre energy (AI + non-AI), and the P50's
    Monte Carlo standard error (``p50_mc_error``). [TWh]"""
    dataset = project(
        load_scenario(scenario_id),
        ProjectionOptions(
            draws=draws,
            seed=SEED,
            resolution="annual",
            include_baseline=False,
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
        ),
    )
    energy = dataset["dc_energy_twh"].sel(year=year)
    return {
        "p10": float(energy.sel(quantile=0.1)),
        "p50": float(energy.sel(quantile=0.5)),
        "p90": float(energy.sel(quantile=0.9)),
        "mean": float(dataset["dc_energy_twh_mean"].sel(year=year)),
        "ai": float(dataset["ai_energy_twh"].sel(year=year, quantile=0.5)),
        "non_ai": float(dataset["non_ai_energy_twh"].sel(year=year, quantile=0.5)),
        "p50_mc_error": float(dataset["dc_energy_twh_mc_error"].sel(year=year, quantile=0.5)),
    }


def check_resolved(p50: float, mc_error: float, line: float) -> None:
    """Fail (not as the expected failure of an xfail: ``pytest.fail``, not an AssertionError)
    when ``p50`` is within :data:`LEAST_STANDARD_ERRORS` Monte Carlo standard errors of the
    target's ``line``: the draws cannot tell which side it is on. [TWh]"""
    if abs(p50 - line) < LEAST_STANDARD_ERRORS * mc_error:
        pytest.fail(
            f"P50 {p50:,.1f} ± {mc_error:.1f} TWh (Monte Carlo s.e.) is within "
            f"{LEAST_STANDARD_ERRORS:g} s.e. of the line {line:,.1f} TWh: too close to call; "
            "raise the draws"
        )


def share_inside(low: float, high: float, band_low: float, band_high: float) -> float:
    """Share of the interval [low, high] that lies inside [band_low, band_high]. [-]"""
    overlap = max(0.0, min(high, band_high) - max(low, band_low))
    return overlap / (high - low)


def test_share_inside_is_the_overlap_over_the_models_width():
    assert share_inside(300, 400, 325, 580) == pytest.approx(0.75)
    assert share_inside(330, 570, 325, 580) == 1.0
    assert share_inside(600, 700, 325, 580) == 0.0


@pytest.mark.xfail(
    strict=True,
    reason="measured P50 135 TWh (-23 %): the AI stock is anchored on LBNL's >40 TWh (its floor); "
    "the non-AI IT energy, 57 TWh, is what falls short: LBNL's conventional installed base and W "
    "per server are not in facts.csv, and their high ends close 27 % and 35 % of the gap",
)
def test_us_lbnl_2024_reproduces_2023():
    """LBNL 2024 (Shehabi et al., LBNL, "United States Data Center Energy Usage Report",
    Dec 2024): US data centres used 176 TWh in 2023 (facts.csv: lbnl2024_us_dc_2023)."""
    assert dc_energy("us-lbnl-2024", 2023)["p50"] == pytest.approx(176.0, rel=0.05)


@pytest.mark.xfail(
    strict=True,
    reason="measured P10-P90 282-436 TWh, 72 % of it inside 325-580 (P50 350 inside): the band "
    "sits 12 TWh too low for 80 %; the deliveries after 2024 (de Vries' path, a supply potential, "
    "and the assumed US share 0.55) decide it",
)
def test_us_lbnl_2024_2028_range():
    """LBNL 2024 (LBNL-2001637): 325-580 TWh in 2028 (facts.csv: lbnl2024_us_dc_2028_low,
    lbnl2024_us_dc_2028_high). The model's P10-P90 lies inside, or at least 80 % of it does."""
    energy = dc_energy("us-lbnl-2024", 2028)
    assert share_inside(energy["p10"], energy["p90"], 325.0, 580.0) >= 0.8


def test_us_lbnl_2025_reproduces_2024():
    """LBNL 2025 Update ('United States Data Center Energy Usage Report: 2025 Update',
    LBNL-2001758): US data centres used 192 TWh in 2024 (facts.csv: lbnl2025_us_dc_2024)."""
    assert dc_energy("us-lbnl-2025", 2024)["p50"] == pytest.approx(192.0, rel=0.05)


def test_us_lbnl_2025_2030_range_overlaps():
    """LBNL 2025 Update (LBNL-2001758): 521-843 TWh in 2030, the compounded uncertainty range
    (facts.csv: lbnl2025_us_dc_2030_range_twh). The model's P10-P90 overlaps it."""
    energy = dc_energy("us-lbnl-2025", 2030)
    assert share_inside(energy["p10"], energy["p90"], 521.0, 843.0) > 0.0


@pytest.mark.xfail(
    strict=True,
    reason="measured P50 532 TWh (-18 %): the AI servers draw 283 TWh of IT energy (the P50 of "
    "their 385 TWh over the PUE 1.36, as the README's gap table) against the "
    "report's 55 % of 649 (357 TWh, a share of the total: a check, not an input); the deliveries "
    "after 2024 and the US share of them (assumptions) close the gap",
)
def test_us_lbnl_2025_2030_reference():
    """LBNL 2025 Update (LBNL-2001758): 649 TWh in 2030, Reference Case (facts.csv:
    lbnl2025_us_dc_2030_reference). The model's P50 is within 10 %."""
    assert dc_energy("us-lbnl-2025", 2030)["p50"] == pytest.approx(649.0, rel=0.10)


@pytest.mark.xfail(
    strict=True,
    reason="measured P50 357 TWh (-14 %): the non-AI load is the US bottom-up over an assumed US "
    "share 0.40 of the world's servers, drives and network (facts.csv has no world installed "
    "base); with 365 W read as LBNL's maximum, a share near 0.33 closes the gap",
)
def test_global_iea_2025_reproduces_2024():
    """IEA, 'Energy and AI' (World Energy Outlook Special Report, April 2025): data centres
    worldwide used about 415 TWh in 2024 (facts.csv: iea2025_global_dc_2024)."""
    assert dc_energy("global-iea-2025", 2024)["p50"] == pytest.approx(415.0, rel=0.05)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,  # a P50 too close to call fails (check_resolved), not expectedly
    reason="measured P50 1,044.2 ± 1.4 TWh (Monte Carlo s.e., 20,000 draws; +10.5 %, 4.7 TWh "
    "above the line 1,039.5): accelerator deliveries held at de Vries' 12 M a year after 2027 "
    "give more accelerated-server energy than the IEA's ~30 %/yr growth",
)
def test_global_iea_2025_2030_base_case():
    """IEA, 'Energy and AI' (2025): about 945 TWh in 2030 in the Base Case (facts.csv:
    iea2025_global_dc_2030_base). The model's P50 is within 10 %, told apart from the line by
    at least three Monte Carlo standard errors (:data:`NEAR_LINE_DRAWS`)."""
    energy = dc_energy("global-iea-2025", 2030, draws=NEAR_LINE_DRAWS)
    check_resolved(energy["p50"], energy["p50_mc_error"], 945.0 * 1.10)
    assert energy["p50"] == pytest.approx(945.0, rel=0.10)


def test_a_p50_within_three_standard_errors_of_its_line_is_too_close_to_call():
    """The IEA's 2030 P50 at the README's 500 draws, 1,043.8 ± 8.8 TWh, is 4.3 TWh from its
    line 1,039.5: no verdict (the xfail above took it as a miss); 1,044.2 ± 1.4 is one."""
    with pytest.raises(pytest.fail.Exception, match="too close to call"):
        check_resolved(1043.8, 8.8, 1039.5)
    check_resolved(1044.2, 1.4, 1039.5)


@pytest.mark.parametrize(("scenario_id", "year"), [("us-lbnl-2024", 2023), ("us-lbnl-2025", 2024)])
def test_us_studies_count_both_loads(scenario_id, year):
    """The data-centre energy is the AI load plus the non-AI load, and both draw energy."""
    energy = dc_energy(scenario_id, year)
    assert energy["ai"] > 0.0
    assert energy["non_ai"] > 0.0
    assert energy["p10"] <= energy["p50"] <= energy["p90"]


@pytest.mark.parametrize("scenario_id", ["us-lbnl-2024", "us-lbnl-2025", "global-iea-2025"])
def test_studies_state_no_baseline_and_no_weather(scenario_id):
    """No baseline model exists for the US or the world, and a whole country's (or the world's)
    annual PUE has no single weather: the output says both, in its attributes."""
    dataset = project(
        load_scenario(scenario_id),
        ProjectionOptions(
            draws=2, resolution="annual", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)
        ),
    )
    assert dataset.attrs["baseline_model"] == "none"
    assert dataset.attrs["weather_location"] == "none"
    assert "baseline_energy_twh" not in dataset


def test_sensitivity_finds_inputs_by_name_and_takes_a_single_valued_pue():
    """The sensitivity tool (tests/support/study_sensitivity.py) once crashed with a TypeError on
    a variant whose ``operations.pue`` is one value, and read deployments[0..2] and
    non_ai_loads[0..2] by position. A variant with a single ranged PUE, two deployments and a
    fourth non-AI load: every input is named by its ``name``, and every edit gives a scenario that
    parses and projects."""
    data = load_scenario("us-lbnl-2024").model_dump(mode="json", exclude_none=True)
    data["operations"]["pue"] = {
        "dist": "uniform",
        "low": 1.3,
        "high": 1.5,
        "source": "assumption: test",
    }
    del data["deployments"][1]
    extra = copy.deepcopy(data["non_ai_loads"][1])
    extra["name"] = "Tape libraries"
    data["non_ai_loads"].append(extra)
    found = study_sensitivity.gaps(data)
    assert "PUE" in found
    assert "Tape libraries: power_w" in found
    assert "Tape libraries: installed" in found
    anchored = [label for label in found if "anchored count factor" in label]
    assert anchored == [f"{data['deployments'][0]['name']}: anchored count factor, +0 / +10 %"]
    assert not any("2024 (counted path)" in label for label in found)
    for label in ("PUE", "Tape libraries: power_w", "US share of deliveries (0.45 / 0.65 of 0.55)"):
        for edit in found[label]:
            edited = copy.deepcopy(data)
            edit(edited)
            parse_scenario(copy.deepcopy(edited), origin="test")
    low, high = found["PUE"]
    energies = []
    for edit in (low, high):
        edited = copy.deepcopy(data)
        edit(edited)
        energies.append(study_sensitivity.dc_energy_p50(edited, [2023], draws=20, seed=0)[2023])
    assert energies[1] / energies[0] == pytest.approx(1.5 / 1.3)


def test_sensitivity_skips_fixed_inputs_and_scales_a_single_valued_world_base():
    """A fixed input is not a range to sweep; the world's US share scales an installed base or
    energy given as one value as it scales a trend."""
    data = load_scenario("global-iea-2025").model_dump(mode="json", exclude_none=True)
    data["operations"]["load_factor"] = {"dist": "fixed", "value": 0.7, "source": "test"}
    data["non_ai_loads"][2]["energy_twh"] = {"dist": "fixed", "value": 10.0, "source": "test"}
    found = study_sensitivity.gaps(data)
    assert "load factor (input range)" not in found
    assert "Network equipment: energy_twh" not in found
    low, _ = found["US share of the world's installed base (0.50 / 0.30 of 0.40)"]
    low(data)
    assert data["non_ai_loads"][2]["energy_twh"]["value"] == pytest.approx(8.0)
