"""End-to-end properties of the projection engine on small scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.projection import ProjectionOptions, project
from forecast.scenario import read_scenario_file


@pytest.fixture
def small(small_scenario_text, scenario_file):
    return read_scenario_file(scenario_file(small_scenario_text))


def _run(scenario, **options):
    defaults = {"draws": 200, "seed": 7, "weather": "typical", "include_baseline": False}
    return project(scenario, ProjectionOptions(**(defaults | options)))


def test_same_seed_gives_bit_identical_output(small):
    first = _run(small, include_baseline=True)
    second = _run(small, include_baseline=True)
    for name in first.data_vars:
        np.testing.assert_array_equal(first[name].values, second[name].values, err_msg=name)
    assert first.attrs == second.attrs


def test_p50_of_two_seeds_agree_within_monte_carlo_error(small):
    one = _run(small, draws=2000, seed=1, resolution="annual")
    two = _run(small, draws=2000, seed=2, resolution="annual")
    p50_one = one["ai_energy_twh"].sel(quantile=0.5).values
    p50_two = two["ai_energy_twh"].sel(quantile=0.5).values
    # Monte Carlo error of a median: ~1.25 * sd / sqrt(n) per seed; the spread (P90-P10) / 2.56
    # estimates sd. Allow 4 combined standard errors.
    spread = one["ai_energy_twh"].sel(quantile=0.9) - one["ai_energy_twh"].sel(quantile=0.1)
    standard_error = 1.25 * (spread.values / 2.56) / np.sqrt(2000) * np.sqrt(2)
    assert np.all(np.abs(p50_one - p50_two) <= 4 * standard_error + 1e-12)
    assert not np.array_equal(one["ai_energy_twh"].values, two["ai_energy_twh"].values)


def test_quantiles_ordered_and_power_non_negative(small):
    dataset = _run(small, include_baseline=True)
    for name in ("ai_facility_mw", "ai_facility_mw_by_region", "ai_energy_twh", "ai_peak_gw"):
        values = dataset[name].values
        assert np.all(np.diff(values, axis=-1) >= 0), name
        assert np.all(values >= 0), name


def test_annual_energy_equals_sum_of_hourly_power_per_draw():
    """With one draw, quantiles are that draw: the year's energy is the sum of its hours."""
    from forecast.scenario import parse_scenario

    scenario = parse_scenario(_one_region_fixed())
    dataset = _run(scenario, draws=1)
    hourly = dataset["ai_facility_mw"].sel(quantile=0.5).to_series()
    years = dataset["local_time_iso"].to_series().str.slice(0, 4).astype(int).to_numpy()
    for year in dataset["year"].values:
        summed = hourly.to_numpy()[years == year].sum() * 1e-6
        assert float(dataset["ai_energy_twh"].sel(year=year, quantile=0.5)) == pytest.approx(
            summed, rel=1e-12
        )


def test_regional_energy_sums_to_national(small):
    dataset = _run(small, draws=1)
    regional = dataset["ai_energy_twh_by_region"].sum("region")
    np.testing.assert_allclose(regional.values, dataset["ai_energy_twh"].values, rtol=1e-12)


def test_more_accelerators_never_less_load(small_scenario_text, scenario_file):
    low = read_scenario_file(scenario_file(small_scenario_text, "low"))
    high = read_scenario_file(
        scenario_file(small_scenario_text.replace("count = 5000", "count = 9000"), "high")
    )
    a = _run(low, draws=50, resolution="daily")
    b = _run(high, draws=50, resolution="daily")
    assert np.all(b["ai_facility_mw"].values >= a["ai_facility_mw"].values - 1e-9)
    assert float(b["ai_energy_twh"].sum()) > float(a["ai_energy_twh"].sum())


def test_resolutions_agree_on_energy(small):
    """Mean MW over a period x hours equals the hourly sum when there is one draw."""
    hourly = _run(small, draws=1, resolution="hourly")
    for resolution in ("daily", "monthly", "annual"):
        coarse = _run(small, draws=1, resolution=resolution)
        np.testing.assert_allclose(
            coarse["ai_energy_twh"].values, hourly["ai_energy_twh"].values, rtol=1e-12
        )


def test_hosting_shortfall_is_reported_by_region(small):
    dataset = _run(small, draws=50)
    assert dataset.attrs["hosting"] == "hosted"
    # 5,000 H100 need ~6.4 MW of nameplate IT; the capital's sites (at most 5 + 2 MW) and the
    # non-capital region (no site at all) cannot host them all.
    waiting = dataset["waiting_nameplate_mw_by_region"].sel(quantile=0.5)
    assert float(waiting.sel(region="non_capital").max()) > 0
    assert float(dataset["waiting_accelerators"].sel(quantile=0.5).max()) > 0


def _one_region_fixed() -> dict:
    return {
        "id": "fixed",
        "title": "fixed",
        "description": "fixed",
        "country": "KR",
        "timezone": "Asia/Seoul",
        "horizon": {"start": "2025-01-01", "end": "2026-12-31"},
        "operations": {"load_factor": 0.7, "pue": 1.3},
        "deployments": [
            {
                "name": "f",
                "milestones": [
                    {"date": "2024-12-31", "count": 100, "mix": {"h100_sxm": 1.0}},
                    {"date": "2026-12-31", "count": 300, "mix": {"h100_sxm": 1.0}},
                ],
            }
        ],
    }


def test_deployment_entirely_after_the_period_adds_nothing():
    """A deployment whose milestones all lie after the period contributes 0, not NaN."""
    import datetime as dt

    from forecast.scenario import load_scenario

    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(
            draws=20,
            start=dt.date(2024, 1, 1),
            end=dt.date(2024, 12, 31),
            resolution="annual",
            include_baseline=False,
            weather="typical",
        ),
    )
    energy = dataset["ai_energy_twh"].values
    assert np.all(np.isfinite(energy))
    # Only the ~65,000 GPUs installed before the deal run in 2024: 65,000 x 1275 W x LF x PUE.
    assert 0.4 < float(dataset["ai_energy_twh"].sel(quantile=0.5).item()) < 1.0


def test_projection_does_not_import_dask():
    """A projection builds its Dataset without importing dask.

    xarray's duck-array checks import dask.array when dask is installed (0.4 s of every CLI
    start, measured with ``python -X importtime``), and its indexing of a dimension
    coordinate imports dask.base (0.1 s); forecast.projection builds its Variables on the
    fast path and hands dimension coordinates over as pandas Indexes, so that only
    ``forecast sweep`` pays for dask.
    """
    import subprocess
    import sys

    code = (
        "import datetime as dt, sys\n"
        "from forecast.projection import ProjectionOptions, project\n"
        "from forecast.scenario import load_scenario\n"
        "project(load_scenario('kr-national'), ProjectionOptions(draws=10, weather='typical',"
        " include_baseline=False, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 7)))\n"
        "print('dask' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert completed.stdout.strip().splitlines()[-1] == "False"


def test_the_same_months_get_the_same_load_in_any_window_and_a_draw_keeps_its_values():
    """A statistician's checks: the AI, baseline and total load of June–August are the same
    in a projection of the summer alone and of the whole year (the PUE line is set on whole
    weather years, the inference profile's mean is 1 per calendar year, the baseline's shape
    sees the weather before the window and its draws are keyed by calendar year); and a draw's
    annual values are the same in a projection of 20 draws and of 40."""
    import datetime as dt

    from forecast.scenario import load_scenario

    scenario = load_scenario("kr-outlook")

    def run(draws, start, end, **options):
        return project(
            scenario,
            ProjectionOptions(
                draws=draws, seed=7, weather="typical", start=start, end=end, **options
            ),
        )

    year = run(20, dt.date(2030, 1, 1), dt.date(2030, 12, 31), resolution="monthly")
    summer = run(20, dt.date(2030, 6, 1), dt.date(2030, 8, 31), resolution="monthly")
    for name in ("ai_facility_mw", "baseline_mw", "total_mw", "non_ai_facility_mw"):
        np.testing.assert_allclose(
            year[name].sel(time=summer["time"]).values, summer[name].values, rtol=1e-12,
            err_msg=name,
        )  # fmt: skip
    few = run(20, dt.date(2030, 1, 1), dt.date(2031, 12, 31), resolution="annual", per_draw=True)
    many = run(40, dt.date(2029, 1, 1), dt.date(2031, 12, 31), resolution="annual", per_draw=True)
    # Each draw's weather year rides along (a statistician could not tell which year made a
    # tail): the same years for the same draws.
    assert few["draw_weather_year"].attrs["description"].startswith("the weather year")
    assert set(few["draw_weather_year"].values) <= set(few.attrs["weather_years"].split(","))
    np.testing.assert_array_equal(
        few["draw_weather_year"].values, many["draw_weather_year"].values[:20]
    )
    for name in ("baseline_energy_twh", "total_peak_gw", "ai_energy_twh", "peak_change_gw"):
        np.testing.assert_allclose(
            few[f"{name}_per_draw"].values,
            many[f"{name}_per_draw"].isel(draw=slice(0, 20)).sel(year=[2030, 2031]).values,
            rtol=1e-12, err_msg=name,
        )  # fmt: skip


def test_the_baseline_of_a_year_the_model_was_fitted_on_is_history_not_a_forecast():
    """kr-national starts in 2024, the last year of the Korean model's data: each draw takes
    2024's observed normalised level, so 2024's baseline energy varies with the weather year
    and the daily noise only, and its band is much narrower than 2025's, a forecast's; the
    projection's attributes say which years are which."""
    import datetime as dt

    from forecast.scenario import load_scenario

    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(
            draws=300, seed=3, weather="typical", resolution="annual",
            start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31), per_draw=True,
        ),
    )  # fmt: skip
    energy = dataset["baseline_energy_twh_per_draw"]
    weather_only = energy.sel(year=2024).std().item() / energy.sel(year=2024).mean().item()
    forecast = energy.sel(year=2025).std().item() / energy.sel(year=2025).mean().item()
    assert weather_only < 0.4 * forecast
    assert dataset.attrs["baseline_level"].startswith("observed (the model's training data")
    assert "2024 64,810 MW" in dataset.attrs["baseline_level"]
    assert "2025 forecast from the origin year 2024" in dataset.attrs["baseline_level"]


def test_a_period_before_the_scenarios_horizon_is_noted():
    """A grid modeller backcast kr-outlook to 2019-2020 without a word (2020 read 560.6 TWh
    against KPX's 536.8): the note says what such years hold, and a fitted year's baseline is
    its observed level (2020's, COVID's dip, 60,851 MW)."""
    import datetime as dt

    from forecast.errors import ScenarioNote
    from forecast.scenario import load_scenario

    with pytest.warns(ScenarioNote, match="before kr-outlook's horizon.start = 2024-01-01"):
        dataset = project(
            load_scenario("kr-outlook"),
            ProjectionOptions(
                draws=20, seed=1, weather="typical", resolution="annual",
                start=dt.date(2019, 1, 1), end=dt.date(2020, 12, 31),
            ),
        )  # fmt: skip
    assert "2019 62,179 MW, 2020 60,851 MW" in dataset.attrs["baseline_level"]
    assert dataset.attrs["horizon_note"].startswith("the period starts on 2019-01-01, before")


def test_a_period_past_the_scenarios_horizon_is_noted():
    """A ministry planner ran kr-outlook to the national plan's 2038 without a word, though
    kr-outlook plans nothing after 2035: the note says what the years past the horizon hold
    (the plans' last entries, the sites as dated, every trend at its last point), warned once
    and kept in the attribute horizon_note, which the API and the report show."""
    import datetime as dt

    from forecast.errors import ScenarioNote
    from forecast.scenario import load_scenario

    options = ProjectionOptions(
        draws=10, seed=1, weather="typical", resolution="annual", include_baseline=False,
        start=dt.date(2035, 1, 1), end=dt.date(2036, 12, 31),
    )  # fmt: skip
    with pytest.warns(ScenarioNote) as noted:
        dataset = project(load_scenario("kr-outlook"), options)
    said = {str(warning.message) for warning in noted}
    assert said == {dataset.attrs["horizon_note"]}
    assert dataset.attrs["horizon_note"].startswith(
        "the period ends on 2036-12-31, after kr-outlook's horizon.end = 2035-12-31: the "
        "scenario states nothing new there, so each deployment holds its last count or ages "
        "out as its after_last says, sites run as dated, every trend (the non-AI loads' too) "
        "holds its last point"
    )
