"""The memory estimates (service.estimates) against what the computations hold: an estimate is
a guard, so it may be generous but never below the real use, nor so generous that the
dashboard's long job is refused."""

from __future__ import annotations

import pytest

from forecast.baseline.model import BaselineModel
from forecast.engine.baseline import baseline_model
from forecast.kernels import warm_up
from forecast.projection import ProjectionOptions, project
from forecast.scenario import Scenario, load_scenario
from forecast.sweep.compare import combine, project_scenarios
from service import estimates
from service.settings import Settings
from tests.support.data import requires_shared_data
from tests.support.memory import result_and_per_draw_bytes, traced_peak


def test_kr_national_at_5000_monthly_draws_fits_the_default_job_limit():
    """The dashboard's long job (tests/service/test_browser.py: 5,000 draws of kr-national,
    monthly, its horizon): each site's AI load by month and draw held at once (float64
    [19, 5,000, 144], 109 MB) put it at 1.03 GB, over the default 1 GB, and it was refused
    with 413; the sites are now reduced one at a time (9 MB held)."""
    scenario = load_scenario("kr-national")
    options = ProjectionOptions(draws=5000, resolution="monthly").validated(scenario)
    limit = Settings.model_fields["job_memory_bytes"].default
    assert estimates.projection_bytes(options, scenario) < limit


@requires_shared_data
@pytest.mark.slow
def test_the_estimate_covers_what_a_projection_with_sites_holds():
    """tracemalloc's peak of kr-national (19 sites) at 10,000 monthly draws over 3 years, with
    its served baseline and observed weather, is within the estimate. Before each site's load
    was reduced one site at a time, every site's energy by month and draw was held, stacked
    from a list of them and divided into MW as much again: 552-576 MB against an estimate
    of 535 MB (489 MB against 508 MB after, 2026-12-06).

    Measured as the service runs it (:func:`_traced_peak`: kernels compiled first, a fresh
    thread). Its warm-up projection alone (20 draws, a month) takes the NumPy twins and
    compiles nothing, so the peak counted numba's compilation, or not, by what the process
    had run before: 513 MB against 510 MB run alone, within it after other tests (pytest-xdist
    orders them differently from run to run)."""
    scenario = load_scenario("kr-national")
    options = ProjectionOptions(
        draws=10_000, start="2024-01-01", end="2026-12-31", resolution="monthly"
    ).validated(scenario)
    model = baseline_model(scenario, options)
    peak = _traced_peak(scenario, options, baseline=model)
    assert peak <= estimates.projection_bytes(options, scenario)


def _with_sites(scenario: Scenario, count: int) -> Scenario:
    """``scenario`` with ``count`` sites: its own, copied in turn under new names."""
    sites = [
        scenario.sites[index % len(scenario.sites)].model_copy(update={"name": f"site {index}"})
        for index in range(count)
    ]
    return scenario.model_copy(update={"id": f"{scenario.id}-{count}-sites", "sites": sites})


def _traced_peak(
    scenario: Scenario, options: ProjectionOptions, *, baseline: BaselineModel | None = None
) -> int:
    """tracemalloc's peak of ``project`` on a fresh thread (its stream scratch counts, as on
    a worker thread's first job), the kernels compiled first as the service's start-up does
    and the data read once (a month's projection with the same weather and ``baseline``), so
    that what the process ran before changes nothing. [bytes]"""
    warm_up()
    project(scenario, ProjectionOptions(draws=20, end="2024-01-31", weather=options.weather,
                                        include_baseline=baseline is not None),
            baseline=baseline)  # fmt: skip
    peak, _ = traced_peak(lambda: project(scenario, options, baseline=baseline))
    return peak


@pytest.mark.slow
def test_the_estimate_covers_a_projection_with_many_sites():
    """kr-national's 19 sites copied to 57, 1,000 monthly draws of 2030 alone, synthetic weather
    and no baseline: each site's PUE line and built and connected capacity are held on the
    fleet grid (84 months from the first deployment, not the period's 12), about 3 float64 a
    site, draw and month. The estimate counted them only through terms fitted to kr-national's
    19 sites and the period's months: 82 MB against a measured 154 MB (2026-12-06); now
    185 MB."""
    scenario = _with_sites(load_scenario("kr-national"), 57)
    options = ProjectionOptions(
        draws=1000, start="2030-01-01", end="2030-12-31", resolution="monthly",
        weather="synthetic", include_baseline=False,
    ).validated(scenario)  # fmt: skip
    peak = _traced_peak(scenario, options)
    assert peak <= estimates.projection_bytes(options, scenario) <= 1.5 * peak


NINETY_NINE = tuple(round(level / 100, 2) for level in range(1, 100))


@requires_shared_data
@pytest.mark.parametrize("scenario_id", ["kr-national", "kr-outlook", "au-nsw-ai-dc"])
def test_the_result_and_per_draw_estimates_cover_the_dataset(scenario_id):
    """The result's and the per-draw arrays' estimates are at least the Dataset's (20 draws,
    three months of 2030, hourly, 99 quantiles, every draw kept). They counted four national
    hourly series and four monthly ones, and no sampled input: kr-outlook's non-AI and
    whole-sector series, its site, grid and regional variables, and each draw's inputs
    (``input_<label>_per_draw``) put its 2030 at 50.6 MB of result against 42.5 MB
    estimated, and 1.4 MB per draw at 1,000 draws against 0.7 MB (2026-12-07); a
    comparison's stacked result, built from them, went past its estimate (348 MB against
    336 MB, :func:`test_a_comparisons_estimate_covers_its_stacked_result`)."""
    scenario = load_scenario(scenario_id)
    options = ProjectionOptions(
        draws=20, start="2030-01-01", end="2030-03-31", resolution="hourly",
        quantiles=NINETY_NINE, per_draw=True,
    ).validated(scenario)  # fmt: skip
    result, per_draw = result_and_per_draw_bytes(project(scenario, options))
    assert result <= estimates.result_bytes(options, scenario) <= 1.2 * result
    assert per_draw <= estimates.per_draw_bytes(options, scenario) <= 1.5 * per_draw


@requires_shared_data
@pytest.mark.slow
def test_a_comparisons_estimate_covers_its_stacked_result():
    """tracemalloc's peak of the service's comparison (project_scenarios and combine, on a
    fresh thread, kernels compiled) of kr-national and kr-outlook, 100 draws of 2030, hourly,
    99 quantiles, with their served baselines, is within the estimate. The stacked result
    holds both scenarios over the union of their variables: 348-363 MB measured against
    336 MB estimated, which counted each result once (2026-12-07)."""
    scenarios = [load_scenario("kr-national"), load_scenario("kr-outlook")]
    each = [
        ProjectionOptions(
            draws=100, start="2030-01-01", end="2030-12-31", resolution="hourly",
            quantiles=NINETY_NINE,
        ).validated(scenario)
        for scenario in scenarios
    ]  # fmt: skip
    models = [baseline_model(s, o) for s, o in zip(scenarios, each, strict=True)]
    warm_up()
    for scenario, model in zip(scenarios, models, strict=True):
        project(scenario, ProjectionOptions(draws=20, start="2030-01-01", end="2030-01-31"),
                baseline=model)  # fmt: skip
    peak, _ = traced_peak(
        lambda: combine(scenarios, project_scenarios(scenarios, each[0], baselines=models))
    )
    assert peak <= estimates.comparison_bytes(each, scenarios)
