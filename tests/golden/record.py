"""Record the golden projections that :mod:`tests.golden.test_golden` compares bit for bit.

Run from the repository root before a change that must not change any output (a re-layout, a
refactor); commit the files it writes; after the change the golden test must still pass::

    python -m tests.golden.record

A change that is meant to change an output (a new output variable, a fix) re-records after it,
and the commit says why the files changed. The Korean cases run on the observed Seoul weather,
so recording needs the real data (``FORECAST_DATA_DIR``); without it the command refuses rather
than record synthetic weather that the test would then fail on. A case whose projection equals
its file is left as it is, so the diff shows only the files that changed.

Each case is a shipped scenario projected with fixed options on the shipped baseline model; the
file is the projection's NetCDF (every variable, coordinate and attribute but the run's
timestamp and code version, which differ by design).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from forecast.paths import real_data_available, real_data_dir
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario

HERE = Path(__file__).parent

#: case name -> (scenario id, options)
CASES: dict[str, tuple[str, ProjectionOptions]] = {
    "kr-national-annual": (
        "kr-national",
        ProjectionOptions(draws=1000, seed=0, resolution="annual"),
    ),
    "kr-national-monthly": (
        "kr-national",
        ProjectionOptions(draws=1000, seed=0, resolution="monthly"),
    ),
    "devries-2023-h100-annual": (
        "devries-2023-h100",
        ProjectionOptions(draws=1000, seed=0, resolution="annual"),
    ),
    # The flagship Korean case with everything the two above lack: non-AI loads, regions with
    # grid limits and a connection queue, sites and flexibility, so that every declared output
    # variable has a recorded value (tests/golden/test_coverage.py). 200 draws keep each case
    # to a second or two in CI.
    "kr-outlook-flex-annual": (
        "kr-outlook-flex",
        ProjectionOptions(draws=200, seed=0, resolution="annual"),
    ),
    # With one site's own load series (site_facility_mw, monthly), the campus of a PPA.
    "kr-outlook-flex-monthly": (
        "kr-outlook-flex",
        ProjectionOptions(
            draws=200,
            seed=0,
            resolution="monthly",
            sites=("LG U+ Paju AI data centre, building 1",),
        ),
    ),
}

#: Attributes that name the run (and the build's code and shipped data, which change with
#: every commit; the numbers say whether the result did) rather than its result.
RUN_ATTRIBUTES = (
    "created",
    "code_version",
    "created_utc",
    "data_sha256",
    "forecast_version",
)

#: Attributes that describe the machine rather than the result.
MACHINE_ATTRIBUTES = ("weather_source", "weather_sha256", "holidays_version")


def projection(case: str) -> xr.Dataset:
    """The case's projection without its run attributes."""
    scenario_id, options = CASES[case]
    dataset = project(load_scenario(scenario_id), options)
    for name in RUN_ATTRIBUTES:
        dataset.attrs.pop(name, None)
    return dataset


def path(case: str) -> Path:
    return HERE / f"{case}.nc"


def differences(got: xr.Dataset, expected: xr.Dataset) -> list[str]:
    """What differs between a projection and its recorded file: the variable and coordinate
    names, any value (bit for bit, NaN where NaN), and the attributes but the machine's."""
    found = []
    if sorted(got.data_vars) != sorted(expected.data_vars):
        found.append(f"variables {sorted(set(got.data_vars) ^ set(expected.data_vars))}")
    if sorted(got.coords) != sorted(expected.coords):
        found.append(f"coordinates {sorted(set(got.coords) ^ set(expected.coords))}")
    for name in [*got.coords, *got.data_vars]:
        if name not in expected:
            continue
        have, want = got[name].to_numpy(), expected[name].to_numpy()
        # NetCDF gives text back as objects; numbers and times keep their kind.
        if (have.dtype.kind in "UO") != (want.dtype.kind in "UO") or have.shape != want.shape:
            found.append(f"{name}: kind or shape")
        elif have.dtype.kind == "f":
            if not np.array_equal(have, want, equal_nan=True):
                found.append(f"{name} differs")
        elif have.dtype.kind in "iubMm":
            if not np.array_equal(have, want):
                found.append(f"{name} differs")
        elif not np.array_equal(have.astype(str), want.astype(str)):
            found.append(f"{name} differs")
    attributes = [
        {key: value for key, value in attrs.items() if key not in MACHINE_ATTRIBUTES}
        for attrs in (got.attrs, expected.attrs)
    ]
    if attributes[0] != attributes[1]:
        keys = set(attributes[0]) | set(attributes[1])
        changed = sorted(k for k in keys if attributes[0].get(k) != attributes[1].get(k))
        found.append(f"attributes {changed}")
    return found


def main() -> int:
    if not real_data_available():
        print(
            f"error: FORECAST_DATA_DIR={real_data_dir()}: no real KPX data there; the golden "
            "cases run on the observed weather (set FORECAST_DATA_DIR to the folder with "
            "kpx_hourly_demand.csv)",
            file=sys.stderr,
        )
        return 2
    for case in CASES:
        got = projection(case)
        if path(case).exists():
            changed = differences(got, xr.load_dataset(path(case), engine="h5netcdf"))
            if not changed:
                print(f"unchanged {path(case)}")
                continue
            print(f"{path(case)}: {'; '.join(changed)}")
        got.to_netcdf(path(case), engine="h5netcdf")
        print(f"recorded {path(case)} ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
