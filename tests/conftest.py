"""Shared fixtures: small scenarios written to temporary TOML files, and the data-path skip."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

# numba's OpenMP workers otherwise spin between the many small parallel calls of the tests,
# which on a shared 2-core machine slows everything else (measured: 10.5 s -> 6.3 s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest

from tests.support import keys
from tests.support.server import SharedServers

# Artifacts the tests publish are signed with a key made for this session, and trusted.
keys.install()

# Saved scenarios, runs and result files go to a directory of this session, never to the
# user's own storage (a database another version migrated would not even open).
_STORAGE = Path(tempfile.mkdtemp(prefix="forecast-test-storage-"))
atexit.register(shutil.rmtree, _STORAGE, ignore_errors=True)
os.environ["FORECAST_STORAGE_DIR"] = str(_STORAGE)


@pytest.fixture(scope="session")
def shared_servers() -> Iterator[SharedServers]:
    """Real servers shared by this process's tests, one per set of settings
    (:class:`tests.support.server.SharedServers`), stopped when the session ends."""
    servers = SharedServers()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="module", autouse=True)
def _idle_servers_stopped(shared_servers: SharedServers) -> Iterator[None]:
    """Stop the shared servers idle too long as a module starts (:meth:`SharedServers.stop_idle`);
    those this module asked for were used until its end."""
    shared_servers.stop_idle()
    yield
    shared_servers.module_ended()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Workers for ``-n auto`` (pyproject.toml's default): none when the command line names a
    single test file (or tests of one file), else pytest-xdist's own count, one per core.

    ``--dist loadscope`` runs a module's tests on one worker anyway, so for one file the
    workers' start (each imports the project, numba included) would only add time.
    """
    files = set()
    for argument in config.args:
        path = Path(config.invocation_params.dir, argument.split("::")[0])
        if not path.is_file():
            return None  # a directory (the whole suite): xdist's count
        files.add(path.resolve())
    return 0 if len(files) <= 1 else None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """With pytest-xdist workers (``-n``), compile the kernels into numba's on-disk cache once,
    before the workers start (xdist starts them later in this hook).

    Otherwise, in a fresh clone, every worker's first server start-up compiles every kernel
    itself at the same time and writes the same cache files as the others. A warm cache costs
    this a few seconds. Skipped in the workers, serially (``-n 0``), when only collecting and where
    nothing would be cached (``FORECAST_NUMBA_CACHE=0``, ``NUMBA_DISABLE_JIT=1``).
    """
    config = session.config
    workers = getattr(config.option, "numprocesses", None)
    if hasattr(config, "workerinput") or not workers or config.option.dist == "no":
        return
    if config.option.collectonly:
        return
    if os.environ.get("FORECAST_NUMBA_CACHE", "1").strip() == "0":
        return
    if os.environ.get("NUMBA_DISABLE_JIT", "0").strip() not in ("", "0"):
        return
    subprocess.run(
        [sys.executable, "-c", "from forecast.kernels import warm_up; warm_up()"],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        timeout=600,
    )


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


#: :data:`SMALL_SCENARIO` without sites and with no accelerators until 2025-12-31: its AI load
#: is 0 through 2025 (every hour, draw and quantile), then grows.
LATE_FLEET_SCENARIO = SMALL_SCENARIO[: SMALL_SCENARIO.index("[[sites]]")].replace(
    "date = 2024-12-31\ncount = 1000", "date = 2025-12-31\ncount = 0"
)
assert LATE_FLEET_SCENARIO.count("count = 0\n") == 1


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
