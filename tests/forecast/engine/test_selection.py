"""The variables a selection is refused up front (:func:`forecast.engine.selection.
check_selection`: a ``site_*`` one without sites, a ``baseline_*`` one without a baseline, a
flexibility one without ``[flexibility]``, a ``*_by_region`` one of one region, a site's own
series without ``sites``, a duration curve's without ``duration_curves``, a ``*_per_draw`` one
without ``per_draw``, a ``*_difference`` one outside a comparison) are ones the
projection indeed lacks: a refusal before the run must never turn away what the run would have
written (errors review, finding 2)."""

from __future__ import annotations

import pytest

from forecast.engine.baseline import choose_baseline
from forecast.engine.selection import Planned, check_selection
from forecast.errors import OptionsError
from forecast.outputs import BY_NAME, DIFFERENCE_VARIABLES
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.support.data import requires_shared_data


def _refused(name: str, planned: Planned) -> bool:
    try:
        check_selection((name,), [planned])
    except OptionsError:
        return True
    return False


@requires_shared_data
@pytest.mark.parametrize(
    ("scenario_id", "include_baseline"),
    [("kr-outlook-flex", True), ("kr-outlook-flex", False), ("devries-2023-h100", True),
     ("au-nsw-ai-dc", True)],
)  # fmt: skip
@pytest.mark.parametrize("asked", [True, False], ids=["options-on", "options-off"])
def test_what_is_refused_before_the_run_is_what_the_run_lacks(scenario_id, include_baseline, asked):
    """With per-draw values, duration curves and a site's series asked for, and without
    them: nothing refused is written, and something is refused wherever a family is absent."""
    scenario = load_scenario(scenario_id)
    sites = (scenario.sites[0].name,) if asked and scenario.sites else ()
    options = ProjectionOptions(
        draws=2, resolution="annual", per_draw=asked, duration_curves=asked, duration_draws=2,
        include_baseline=include_baseline, sites=sites,
    ).validated(scenario)  # fmt: skip
    baseline = choose_baseline(scenario, options).reference is not None
    planned = Planned(scenario, options, baseline)
    written = {str(name).removesuffix("_mc_error") for name in project(scenario, options)}
    declared = [name for name in BY_NAME if not name.startswith("input_")]
    refused = {name for name in declared if _refused(name, planned)}
    assert not refused & written, sorted(refused & written)
    # A single projection writes no comparison's difference, and refuses every one.
    differences = {variable.name for variable in DIFFERENCE_VARIABLES}
    assert differences <= refused
    # And the check refuses something wherever a family is absent (it is not a no-op).
    lacking = (not baseline) or not scenario.sites or scenario.flexibility is None or not asked
    assert bool(refused - differences) == lacking
    if not asked:
        for name in ("ai_load_duration_mw", "peak_hours_share_pct", "ai_energy_twh_per_draw"):
            assert name in refused and name not in written
    if not sites:
        assert {"site_facility_mw", "site_it_mw_mean"} <= refused


@requires_shared_data
def test_a_comparison_is_refused_none_of_the_differences_it_writes():
    """The differences refused to a single projection are what a comparison writes: its
    scenarios (``compared``) are refused none of them."""
    from forecast.sweep.compare import compare

    scenarios = [load_scenario("kr-outlook"), load_scenario("kr-outlook-flex")]
    options = ProjectionOptions(draws=2, resolution="annual").validated(scenarios[0])
    planned = [
        Planned(scenario, options, choose_baseline(scenario, options).reference is not None,
                compared=True)
        for scenario in scenarios
    ]  # fmt: skip
    written = {str(name) for name in compare(scenarios, options).data_vars
               if str(name).endswith(("_difference", "_difference_mean"))}  # fmt: skip
    assert written
    refused = set()
    for name in written:
        try:
            check_selection((name,), planned)
        except OptionsError:
            refused.add(name)
    assert not refused, sorted(refused)
