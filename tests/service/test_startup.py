"""Start-up's warm projection: the scenario the first requests are for, over its horizon."""

from __future__ import annotations

import pytest

from service import state as service_state
from service.state import ServiceState


@pytest.mark.parametrize(
    ("warm", "expected", "whole_horizon"),
    [("kr-national", "kr-national", True), ("no-such-scenario", None, False)],
)
def test_start_up_projects_the_warm_scenario_over_its_horizon(
    make_settings, monkeypatch, caplog, warm, expected, whole_horizon
):
    projected = []
    real = service_state.project

    def recorded(scenario, options, **keywords):
        projected.append((scenario, options))
        return real(scenario, options, **keywords)

    monkeypatch.setattr(service_state, "project", recorded)
    state = ServiceState(make_settings(warm_scenario=warm))
    try:
        state.start()
    finally:
        state.stop()
    assert state.problems == {}
    [(scenario, options)] = projected
    first_shipped = next(iter(state.scenarios))
    assert scenario.id == (expected or first_shipped)
    assert options.draws == 2 and options.start == scenario.horizon.start
    assert options.resolution == "monthly"
    if whole_horizon:
        assert options.end == scenario.horizon.end
        assert options.include_baseline  # its baseline shape is what the warm run keeps
    else:
        assert (options.end - options.start).days == 1
        assert f"FORECAST_WARM_SCENARIO = {warm!r} is not a shipped scenario" in caplog.text
