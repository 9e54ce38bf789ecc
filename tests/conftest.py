"""Shared fixtures: small scenarios written to temporary TOML files, and the data-path skip."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

# numba's OpenMP workers otherwise spin between the many small parallel calls of the tests,
# which on a shared 2-core machine slows everything else (measured: 10.5 s -> 6.3 s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from tests.support import keys

# Artifacts the tests publish are signed with a key made for this session, and trusted.
keys.install()

# Saved scenarios, runs and result files go to a directory of this session, never to the
# user's own storage (a database another version migrated would not even open).
_STORAGE = Path(tempfile.mkdtemp(prefix="forecast-test-storage-"))
atexit.register(shutil.rmtree, _STORAGE, ignore_errors=True)
os.environ["FORECAST_STORAGE_DIR"] = str(_STORAGE)


def pytest_collection_modifyitems(config, items):
    """Under ``NUMBA_DISABLE_JIT=1`` the kernels run as Python on NumPy scalars, which warn
    where the compiled code follows IEEE 754 silently (``inf * 0`` is NaN, which the kernels
    handle): those warnings are not errors there, so the suite runs the same both ways."""
    import numba

    if numba.config.DISABLE_JIT:
        interpreted = pytest.mark.filterwarnings(r"ignore::RuntimeWarning:forecast\.kernels")
        for item in items:
            item.add_marker(interpreted)


SMALL_SCENARIO = textwrap.dedent(
    """
    schema_version = 2
    id = "small"
    title = "Small test scenario"
    description = "Two milestones and two sites in one of two regions, for tests."
    country = "KR"
    timezone = "Asia/Seoul"
    regions = ["capital", "non_capital"]

    [horizon]
    start = 2025-01-01
    end = 2026-12-31

    [operations]
    load_factor = { dist = "triangular", low = 0.6, mode = 0.7, high = 0.8 }
    pue = { dist = "uniform", low = 1.2, high = 1.4 }

    [[deployments]]
    name = "fleet"
    region_shares = { capital = 0.75, non_capital = 0.25 }

    [[deployments.milestones]]
    date = 2024-12-31
    count = 1000
    mix = { h100_sxm = 1.0 }

    [[deployments.milestones]]
    date = 2026-06-30
    count = 5000
    mix = { h100_sxm = 1.0 }

    [[sites]]
    name = "site A"
    region = "capital"
    capacity_mw = 5
    capacity_kind = "it"
    commissioning = 2025-06-01
    ramp_months = 6
    status = "announced"

    [[sites]]
    name = "site B"
    region = "capital"
    capacity_mw = 2
    capacity_kind = "grid"
    commissioning = 2024-01-01
    status = "operating"
    """
)


@pytest.fixture
def small_scenario_text() -> str:
    return SMALL_SCENARIO


@pytest.fixture
def scenario_file(tmp_path: Path):
    """Write scenario text to ``<tmp>/<name>.toml`` and return the path."""

    def write(text: str, name: str = "small") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
