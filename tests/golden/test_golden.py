"""The same outputs before and after a change that must not change them (issue 14's re-layout).

Compares projections bit for bit with the files :mod:`tests.golden.record` wrote: every
variable's values (NaN where NaN), every coordinate, every attribute but the code version and
the weather source's text (a description of the data files, which the files recorded before
2026-12-05 wrote with the machine's data directory). The Korean cases run on the
observed Seoul weather, so they need the real data.
"""

from __future__ import annotations

import pytest
import xarray as xr

from tests.golden import record
from tests.support.data import requires_shared_data


@requires_shared_data
@pytest.mark.parametrize("case", list(record.CASES))
def test_projection_is_bit_for_bit_the_recorded_one(case):
    expected = xr.load_dataset(record.path(case), engine="h5netcdf")
    assert record.differences(record.projection(case), expected) == []


def test_the_comparison_finds_a_changed_value_a_new_variable_and_a_changed_attribute():
    """The check itself can fail: each kind of change is found, and the machine's
    attributes are not compared."""
    recorded = xr.Dataset(
        {"x": ("year", [1.0, float("nan")])},
        coords={"year": [2030, 2031]},
        attrs={"seed": 0, "weather_source": "here"},
    )
    same = recorded.copy(deep=True)
    same.attrs["weather_source"] = "another machine's data directory"
    assert record.differences(same, recorded) == []
    changed = recorded.copy(deep=True)
    changed["x"][0] = 1.0 + 1e-12
    assert record.differences(changed, recorded) == ["x differs"]
    added = recorded.assign(y=("year", [0.0, 0.0]))
    assert record.differences(added, recorded) == ["variables ['y']"]
    reseeded = recorded.assign_attrs(seed=1)
    assert record.differences(reseeded, recorded) == ["attributes ['seed']"]
