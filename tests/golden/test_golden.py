"""The same outputs before and after a change that must not change them (issue 14's re-layout).

Compares projections with the files :mod:`tests.golden.record` wrote: every variable's values
(NaN where NaN) to :data:`RELATIVE_TOLERANCE`, every coordinate and every attribute exactly but
the code version and the weather source's text (it names the machine's data directory). The
re-layout left them bit for bit; the tolerance admits only a change in the order of a sum
(issue 17 streams coarse answers in shorter chunks: day sums are added in another order, 6e-16
relative at most), far below what any change to the model moves. The Korean cases run on the
observed Seoul weather, so they need the real data.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from tests.golden import record
from tests.support.data import requires_shared_data

#: Attributes that describe the machine rather than the result.
MACHINE_ATTRIBUTES = ("weather_source",)
#: Largest relative difference of a value: a few thousand units in the last place. [-]
RELATIVE_TOLERANCE = 1e-12


@requires_shared_data
@pytest.mark.parametrize("case", list(record.CASES))
def test_projection_is_the_recorded_one(case):
    expected = xr.load_dataset(record.path(case), engine="h5netcdf")
    got = record.projection(case)
    assert sorted(got.data_vars) == sorted(expected.data_vars)
    assert sorted(got.coords) == sorted(expected.coords)
    for name in [*got.coords, *got.data_vars]:
        have, want = got[name].to_numpy(), expected[name].to_numpy()
        # NetCDF gives text back as objects; numbers and times keep their kind.
        assert (have.dtype.kind in "UO") == (want.dtype.kind in "UO"), name
        if have.dtype.kind == "f":
            np.testing.assert_allclose(
                have, want, rtol=RELATIVE_TOLERANCE, atol=0.0, equal_nan=True,
                err_msg=f"{case}: {name} differs",
            )  # fmt: skip
        elif have.dtype.kind in "iubMm":
            assert np.array_equal(have, want), f"{case}: {name} differs"
        else:
            assert np.array_equal(have.astype(str), want.astype(str)), f"{case}: {name} differs"
    for name in MACHINE_ATTRIBUTES:
        got.attrs.pop(name, None)
        expected.attrs.pop(name, None)
    assert got.attrs == expected.attrs
