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

from forecast import outputs
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


#: Declared variables no golden case holds, each group with why: a projection makes them only
#: when an option asks for them, and recording them too would double the files for figures
#: that are the recorded ones summarised differently (a draw's value, a curve's band mean).
EXEMPT_FROM_GOLDEN: dict[str, str] = {
    **dict.fromkeys(
        (variable.name for variable in outputs.PER_DRAW_VARIABLES),
        "only with per_draw (--per-draw): every draw of a recorded per-year summary",
    ),
    **dict.fromkeys(
        (variable.name for variable in outputs.INPUT_VARIABLES),
        "only with per_draw (--per-draw): every draw of a sampled input, named by its owner",
    ),
    **dict.fromkeys(
        (v.name for v in (*outputs.DURATION_VARIABLES, *outputs.DURATION_SUMMARIES)),
        "only with duration_curves (--duration-curves)",
    ),
    **dict.fromkeys(
        (variable.name for variable in outputs.DIFFERENCE_VARIABLES),
        "only in a comparison of scenarios (forecast.sweep.compare), not in a projection",
    ),
}


def _golden_variables() -> set[str]:
    names: set[str] = set()
    for case in record.CASES:
        with xr.open_dataset(record.path(case), engine="h5netcdf") as recorded:
            names |= set(recorded.data_vars)
    return names


def test_every_declared_variable_is_in_a_golden_file_or_exempt():
    """A refactor that changes a figure no golden file holds passes the bit-for-bit test
    unseen (a contributor's report, H1: 35 of 63 variables, all the sector, grid-queue, site
    and flexibility ones, were in none). A new variable needs a case that makes it (re-record:
    ``python -m tests.golden.record``) or a reason in EXEMPT_FROM_GOLDEN. Reads only the
    committed files, so it runs without the real data."""
    recorded = _golden_variables()
    missing = sorted(set(outputs.BY_NAME) - recorded - set(EXEMPT_FROM_GOLDEN))
    assert not missing, (
        f"declared output variables in no golden file: {missing}; re-record "
        "(python -m tests.golden.record) with a case that makes them, or exempt them with a "
        "reason in tests/golden/test_golden.py's EXEMPT_FROM_GOLDEN"
    )
    stale = sorted(set(EXEMPT_FROM_GOLDEN) & recorded)
    assert not stale, f"exempt from the golden files but recorded in one: {stale}"
    unknown = sorted(set(EXEMPT_FROM_GOLDEN) - set(outputs.BY_NAME))
    assert not unknown, f"exempt from the golden files but not declared: {unknown}"
