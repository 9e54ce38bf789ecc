"""Spread drivers per year and output, every draw's sampled inputs, and the Monte Carlo error
of the headline figures (findings H1, H2, M2 and L2 of a think-tank sensitivity review)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from forecast.cli.project import drivers_text, mc_precision_note
from forecast.engine.dataset import quantile_standard_error
from forecast.io.export import table_metadata, tidy_frame
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario


def _site(name, commissioning, low, high, status="under_construction"):
    """A hall its own tenants fill, its size drawn uniformly: its AI energy is its size."""
    return {
        "name": name,
        "capacity_mw": {"dist": "uniform", "low": low, "high": high},
        "capacity_kind": "it",
        "commissioning": commissioning,
        "status": status,
        "build_probability": 1.0,
        "delay_months": 0.0,
        "ramp_months": 0.0,
        "tenant_occupancy": 1.0,
    }


def _scenario(**top):
    data = {
        "schema_version": 2,
        "id": "drivers",
        "title": "drivers",
        "description": "drivers",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "horizon": {"start": "2025-01-01", "end": "2026-12-31"},
        "operations": {"load_factor": 1.0, "pue": 1.0, "pue_temperature_slope_per_c": 0.0,
                       "inference_share": 0.0, "inference_peak_to_mean": 1.0},
        # Hall a alone in 2025; hall b, ten times larger, from 2026.
        "sites": [_site("a", "2024-01-01", 100.0, 200.0, "operating"),
                  _site("b", "2026-01-01", 1000.0, 2000.0)],
    }  # fmt: skip
    return parse_scenario(copy.deepcopy(data | top))


def _project(draws=300, **options):
    settings = {"draws": draws, "seed": 0, "resolution": "annual", "include_baseline": False,
                "weather": "typical"} | options  # fmt: skip
    return project(_scenario(), ProjectionOptions(**settings))


@pytest.fixture(scope="module")
def dataset():
    return _project(per_draw=True)


def test_each_year_has_its_own_spread_drivers(dataset):
    """The drivers were computed against the last year's AI energy only. Hall a alone is built
    in 2025 and drives its energy (rho 1); in 2026 hall b, ten times larger, drives it (its
    share of the variance about 100/101, so rho near 1) and a falls near 0."""
    drivers = dataset["ai_energy_twh_rank_correlation"]
    assert drivers.dims == ("input", "year")
    assert drivers.attrs["output"] == "ai_energy_twh"
    assert float(drivers.sel(input="site_capacity_mw: a", year=2025)) == pytest.approx(1.0)
    assert float(drivers.sel(input="site_capacity_mw: b", year=2026)) > 0.97
    assert abs(float(drivers.sel(input="site_capacity_mw: a", year=2026))) < 0.25
    last = dataset["spread_driver_rank_correlation"]
    np.testing.assert_array_equal(last.to_numpy(), drivers.sel(year=2026).to_numpy())
    assert last.attrs["year"] == 2026


def test_an_input_held_fixed_has_no_rank_correlation(dataset):
    """A fixed input read rho = 0.0, as if measured and found weak: it is NaN (no spread, no
    correlation), and the file's metadata lists it as fixed."""
    drivers = dataset["ai_energy_twh_rank_correlation"]
    assert np.isnan(drivers.sel(input="load_factor")).all()
    assert np.isnan(drivers.sel(input="site_built: a")).all()  # built in every draw
    tables = table_metadata(dataset, [])["spread_drivers"]
    table = next(t for t in tables if t["output"] == "ai_energy_twh" and t["year"] == 2025)
    assert "load_factor" in table["fixed"]
    assert "load_factor" not in table["rank_correlation"]
    assert table["rank_correlation"]["site_capacity_mw: a"] == pytest.approx(1.0)
    assert table["noise_threshold"] == pytest.approx(2 / np.sqrt(300))


def test_every_draws_sampled_inputs_are_exported_with_units(dataset):
    """--per-draw wrote the outputs but not the inputs, so SALib or PRCC needed internals: each
    sampled input is a variable over draws with its unit, and hall a's size is its 2025
    energy (a whole year at its full size: MW x 8,760 h)."""
    size = dataset["input_site_capacity_mw_a_per_draw"]
    assert size.dims == ("draw",)
    assert size.attrs["units"] == "MW"
    assert size.attrs["input"] == "site_capacity_mw: a"
    energy = dataset["ai_energy_twh_per_draw"].sel(year=2025)
    np.testing.assert_allclose(energy, size * 8760 / 1e6, rtol=1e-9)
    frame = tidy_frame(dataset)
    rows = frame[frame["variable"] == "input_site_capacity_mw_a_per_draw"]
    assert len(rows) == 300 and set(rows["unit"]) == {"MW"}
    np.testing.assert_allclose(rows.sort_values("draw")["value"], size)
    assert not frame["variable"].str.endswith("_rank_correlation").any()


def test_the_quantiles_standard_error_from_order_statistics():
    """The median of n normal draws has standard error sqrt(pi / 2) / sqrt(n) (Kendall &
    Stuart, The Advanced Theory of Statistics, §10.10): 0.01253 at n = 10,000."""
    values = np.random.default_rng(1).standard_normal((10_000, 1))
    error = quantile_standard_error(values, np.array([0.1, 0.5, 0.9]))
    assert error.shape == (1, 3)
    assert error[0, 1] == pytest.approx(np.sqrt(np.pi / 2) / 100, rel=0.15)
    # P10: sqrt(p (1 - p)) / (sqrt(n) phi(z_p)) = 0.3 / (100 x 0.1755)
    assert error[0, 0] == pytest.approx(0.3 / (100 * 0.17550), rel=0.2)


def test_the_headline_figures_carry_their_monte_carlo_error(dataset):
    """No Monte Carlo error was given anywhere: each headline per-year figure has its
    quantiles' and mean's standard error, the mean's being std / sqrt(draws)."""
    energy = dataset["ai_energy_twh_per_draw"]
    mean_error = dataset["ai_energy_twh_mean_mc_error"]
    np.testing.assert_allclose(mean_error, energy.std("draw", ddof=1) / np.sqrt(300))
    assert dataset["ai_energy_twh_mc_error"].dims == ("year", "quantile")
    assert mean_error.attrs["units"] == "TWh"
    assert (dataset["ai_energy_twh_mc_error"] > 0).all()
    note = mc_precision_note(dataset)
    assert note.startswith("Monte Carlo precision at 300 draws")
    assert f"mean ± {float(mean_error.sel(year=2026)):.3f} TWh" in note


def test_the_printout_names_the_year_marks_noise_and_warns_at_few_draws(dataset):
    """The command line printed no drivers: it prints the last year's and a chosen year's,
    marks |rho| under 2/sqrt(draws) as noise, names the fixed inputs and, under 1,000 draws,
    warns that the order after the first two may change with the seed."""
    text = drivers_text(dataset, 2025)
    assert "spread drivers of ai_energy_twh in 2025 (rho): site_capacity_mw: a +1.00" in text
    assert "site_capacity_mw: b +0.9" in text.split("ai_energy_twh in 2026 (rho): ")[1]
    assert "inputs held fixed (no rho" in text.split("in 2025")[1].split("\n")[0]
    assert "load_factor" not in text  # fixed: named in the file, not ranked at 0
    assert "warning: at 300 draws" in text
    many = _project(draws=1000)
    assert "warning" not in drivers_text(many)
    assert "~" in drivers_text(many).split("in 2026")[1].split("\n")[0]  # hall a by 2026
