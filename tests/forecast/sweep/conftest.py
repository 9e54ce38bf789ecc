"""Fixtures of the sweep tests: a real Dask ``LocalCluster`` per module, started through
:func:`forecast.sweep.variants.dask_client` (the command's own code path), and the small
scenario as a file and as read."""

from __future__ import annotations

import pytest

from forecast.scenario import read_scenario_file
from forecast.sweep import variants as sweeps


@pytest.fixture(scope="module")
def dask_workers() -> int:
    """How many worker processes (one thread each) the module's cluster has: one unless a
    module overrides this fixture."""
    return 1


@pytest.fixture(scope="module")
def client(dask_workers: int):
    with sweeps.dask_client(workers=dask_workers) as connected:
        yield connected


@pytest.fixture
def small(small_scenario_text, scenario_file):
    """The small scenario's file and the scenario read from it."""
    path = scenario_file(small_scenario_text)
    return path, read_scenario_file(path)
