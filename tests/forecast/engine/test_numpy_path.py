"""Small projections run the kernels' NumPy twins and never start numba (forecast.kernels).

The two paths must give the same projection: quantiles are equal bit for bit (both are NumPy's
'linear' quantile of the same values, to rounding of those values), and every figure is equal
to rounding.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from forecast import kernels
from forecast.errors import OptionsError
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario

# 60 draws x 31 days x 24 hours = 44,640 draw-hours: under the default limit.
SMALL = ProjectionOptions(
    draws=60, seed=3, start=dt.date(2030, 7, 1), end=dt.date(2030, 7, 31), resolution="daily"
)


def _both_paths(scenario_id, options, monkeypatch):
    scenario = load_scenario(scenario_id)
    monkeypatch.setenv("FORECAST_NUMPY_WORK", "0")
    compiled = project(scenario, options)
    monkeypatch.setenv("FORECAST_NUMPY_WORK", str(options.draws * 24 * 400))
    twins = project(scenario, options)
    return compiled, twins


@pytest.mark.parametrize("scenario_id", ["kr-national", "kr-outlook-flex"])
def test_a_small_projection_is_the_same_on_both_paths(scenario_id, monkeypatch):
    """Deployments, sites, grid limits, non-AI load, flexibility and the baseline, both ways."""
    compiled, twins = _both_paths(scenario_id, SMALL, monkeypatch)
    assert set(compiled.data_vars) == set(twins.data_vars)
    for name, variable in compiled.data_vars.items():
        if not np.issubdtype(variable.dtype, np.number):
            continue
        expected = variable.to_numpy()
        # Each variable to rounding at its own scale (a count that is 0 on one path may be
        # 3e-11 on the other); a site never connected waits inf months on both.
        finite = expected[np.isfinite(expected)]
        scale = max(float(np.max(np.abs(finite), initial=0.0)), 1.0)
        np.testing.assert_allclose(
            twins[name].to_numpy(), expected, rtol=1e-9, atol=1e-12 * scale, err_msg=name
        )


def test_the_path_follows_the_work_and_the_setting(monkeypatch):
    monkeypatch.delenv("FORECAST_NUMPY_WORK", raising=False)
    assert kernels.numpy_work_limit() == kernels.NUMPY_WORK_LIMIT
    monkeypatch.setenv("FORECAST_NUMPY_WORK", "0")
    assert kernels.numpy_work_limit() == 0
    for bad in ("-1", "many", "1.5"):
        monkeypatch.setenv("FORECAST_NUMPY_WORK", bad)
        with pytest.raises(OptionsError, match=f"FORECAST_NUMPY_WORK = '{bad}'"):
            kernels.numpy_work_limit()


def test_a_small_command_never_starts_numba(tmp_path):
    """The first command a newcomer types (a month, 100 draws) runs without numba: no compile
    on a fresh install, no JIT start-up on a warm one."""
    script = (
        "import sys\n"
        "from forecast.cli import main\n"
        f"status = main(['project', 'kr-national', '--draws', '100', '--start', '2030-01-01',"
        f" '--end', '2030-01-31', '--no-baseline', '--quiet', '--out', r'{tmp_path / 'a.csv'}'])\n"
        "assert status == 0, status\n"
        "print('numba' in sys.modules, 'holidays' in sys.modules)\n"
    )
    for _ in ("first run", "second run"):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
        )
        numba_started, holidays_loaded = done.stdout.strip().splitlines()[-1].split()
        assert numba_started == "False", done.stdout + done.stderr
        assert (tmp_path / "a.csv").stat().st_size > 0
    # The second run read the holiday calendar the first one kept (forecast.calendar).
    assert holidays_loaded == "False", done.stdout + done.stderr


def test_the_baseline_noise_drawn_beside_the_fleet_stays_on_the_numpy_path(tmp_path):
    """The daily noise is drawn on a thread of its own (forecast.engine.inputs): it keeps the
    projection's choice of path, so a small projection with the baseline starts no numba."""
    script = (
        "import sys\n"
        "from forecast.cli import main\n"
        f"status = main(['project', 'kr-national', '--draws', '100', '--start', '2030-01-01',"
        f" '--end', '2030-01-31', '--quiet', '--out', r'{tmp_path / 'a.csv'}'])\n"
        "assert status == 0, status\n"
        "print('numba' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr
