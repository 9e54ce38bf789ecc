"""Record the golden projections that :mod:`tests.golden.test_golden` compares bit for bit.

Run from the repository root before a change that must not change any output (a re-layout, a
refactor); commit the files it writes; after the change the golden test must still pass::

    python -m tests.golden.record

Each case is a shipped scenario projected with fixed options on the shipped baseline model; the
file is the projection's NetCDF (every variable, coordinate and attribute but the run's
timestamp and code version, which differ by design).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xarray as xr

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
}

#: Attributes that name the run rather than its result.
RUN_ATTRIBUTES = ("created", "code_version", "created_utc", "forecast_version")


def projection(case: str) -> xr.Dataset:
    """The case's projection without its run attributes."""
    scenario_id, options = CASES[case]
    dataset = project(load_scenario(scenario_id), options)
    for name in RUN_ATTRIBUTES:
        dataset.attrs.pop(name, None)
    return dataset


def path(case: str) -> Path:
    return HERE / f"{case}.nc"


def main() -> None:
    for case in CASES:
        projection(case).to_netcdf(path(case), engine="h5netcdf")
        print(f"recorded {path(case)} ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
