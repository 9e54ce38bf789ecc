"""The same outputs before and after a change that must not change them (issue 14's re-layout).

Compares projections bit for bit with the files :mod:`tests.golden.record` wrote: every
variable's values (NaN where NaN), every coordinate, every attribute but the code version and
the weather source's text (a description of the data files, which the files recorded before
2026-12-05 wrote with the machine's data directory). The Korean cases run on the
observed Seoul weather, so they need the real data.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from tests.golden import record
from tests.support.data import requires_shared_data

#: Attributes that describe the machine rather than the result.
MACHINE_ATTRIBUTES = ("weather_source", "holidays_version")


@requires_shared_data
@pytest.mark.parametrize("case", list(record.CASES))
def test_projection_is_bit_for_bit_the_recorded_one(case):
    expected = xr.load_dataset(record.path(case), engine="h5netcdf")
    got = record.projection(case)
    assert sorted(got.data_vars) == sorted(expected.data_vars)
    assert sorted(got.coords) == sorted(expected.coords)
    for name in [*got.coords, *got.data_vars]:
        have, want = got[name].to_numpy(), expected[name].to_numpy()
        # NetCDF gives text back as objects; numbers and times keep their kind.
        assert (have.dtype.kind in "UO") == (want.dtype.kind in "UO"), name
        if have.dtype.kind == "f":
            assert np.array_equal(have, want, equal_nan=True), f"{case}: {name} differs"
        elif have.dtype.kind in "iubMm":
            assert np.array_equal(have, want), f"{case}: {name} differs"
        else:
            assert np.array_equal(have.astype(str), want.astype(str)), f"{case}: {name} differs"
    for name in MACHINE_ATTRIBUTES:
        got.attrs.pop(name, None)
        expected.attrs.pop(name, None)
    assert got.attrs == expected.attrs
