"""The per-site reductions kernel (:func:`forecast.kernels.site_reductions`) against its NumPy
twin, on random inputs with their edge cases, on the inputs real projections give it, and by
hand.

The month's mean load and the year's peak are the twin's bit for bit (the same operations in
the same order, and a maximum); the year's energy adds the months in order, as NumPy does for
two draws and more (one draw's NumPy sums pairwise), and is compared to 1e-12 relative.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import pytest

from forecast import kernels
from forecast.kernels import SiteMonths, twins
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from tests.support.data import requires_shared_data

RTOL = 1e-12


def _rng(*case):
    return np.random.default_rng(zlib.crc32(repr(case).encode()))


def _site_months(rng, draws, months, weathers, years, *, empty_months=()):
    """Random months: 0 to 6 frontier hours a month (none in about one in six, and none and no
    hours in ``empty_months``), months spread over ``years`` in order."""
    rows = rng.integers(0, 7, (weathers, months))
    hours = rng.integers(1, 745, months).astype(np.float64)
    rows[:, list(empty_months)] = 0
    hours[list(empty_months)] = 0.0
    # One table, weather year after weather year.
    first = np.r_[0, np.cumsum(rows.sum(axis=1))[:-1]]
    bounds = first[:, None] + np.c_[np.zeros(weathers, dtype=np.int64), np.cumsum(rows, axis=1)]
    basis = np.ones((int(rows.sum()), 4))
    basis[:, 1] = rng.uniform(0.5, 1.5, basis.shape[0])
    basis[:, 2] = np.maximum(rng.normal(0.0, 4.0, basis.shape[0]), 0.0)
    basis[:, 3] = basis[:, 1] * basis[:, 2]
    sums = rng.uniform(0.0, 1.0, (weathers, months, 4)) * hours[None, :, None]
    return SiteMonths(
        hour_sums=sums,
        month_hours=hours,
        frontier_bounds=bounds,
        frontier_basis=basis,
        weather_of_draw=rng.integers(0, weathers, draws),
        year_of_month=np.sort(rng.integers(0, years, months)),
    )


def _coefficients(rng, draws, months, fill):
    if fill == "zeros":  # a site with no capacity in the period
        return np.zeros((4, draws, months))
    coef = rng.uniform(0.0, 50.0, (4, draws, months)) * (rng.random((4, draws, months)) < 0.8)
    if fill == "nan":
        coef[rng.random(coef.shape) < 0.05] = np.nan
    return coef


def _both(coef, months, year_count):
    """The kernel's outputs (written over a fill of 99) and the twin's."""
    draws, n_months = coef.shape[1:]
    got = (
        np.full((draws, n_months), 99.0),
        np.full((draws, year_count), 99.0),
        np.full((draws, year_count), 99.0),
    )
    kernels.site_reductions(coef, months, *got)
    return got, twins.site_reductions_numpy(coef, months, year_count=year_count)


def _assert_agree(got, expected, *, draws):
    (load, energy, peak), (load_twin, energy_twin, peak_twin) = got, expected
    np.testing.assert_array_equal(load, load_twin)
    np.testing.assert_array_equal(peak, peak_twin)
    if draws > 1:
        np.testing.assert_array_equal(energy, energy_twin)
    np.testing.assert_allclose(energy, energy_twin, rtol=RTOL, atol=0.0)


@pytest.mark.parametrize("fill", ["random", "zeros", "nan"])
@pytest.mark.parametrize(
    ("draws", "months", "weathers", "years"),
    [(40, 30, 3, 3), (1, 12, 1, 1), (1, 1, 1, 1), (7, 1, 2, 1), (3, 25, 12, 4), (200, 144, 5, 12)],
)
def test_site_reductions_match_twin(draws, months, weathers, years, fill):
    rng = _rng(draws, months, weathers, years, fill)
    site_months = _site_months(rng, draws, months, weathers, years)
    coef = _coefficients(rng, draws, months, fill)
    copies = [np.copy(value) for value in (coef, *site_months)]
    _assert_agree(*_both(coef, site_months, years), draws=draws)
    for before, after in zip(copies, (coef, *site_months), strict=True):
        np.testing.assert_array_equal(before, after)  # the kernel never modifies its inputs


@pytest.mark.parametrize("draws", [1, 5])
def test_a_month_without_hours_adds_nothing_to_its_year(draws):
    """A month with no hour in the period (and so no frontier hour): its mean load is 0 / 0
    (NaN), it adds no energy and no peak; a year of such months only has 0 MWh and -inf."""
    rng = _rng("empty", draws)
    site_months = _site_months(rng, draws, 6, 2, 3, empty_months=(0, 2, 3, 5))
    site_months = site_months._replace(year_of_month=np.array([0, 0, 1, 1, 2, 2]))
    coef = _coefficients(rng, draws, 6, "random")
    got, expected = _both(coef, site_months, 3)
    _assert_agree(got, expected, draws=draws)
    load, energy, peak = got
    assert np.isnan(load[:, [0, 2, 3, 5]]).all() and np.isfinite(load[:, [1, 4]]).all()
    np.testing.assert_array_equal(energy[:, 1], 0.0)
    np.testing.assert_array_equal(peak[:, 1], -np.inf)


def test_site_reductions_by_hand():
    """One draw, two months of one year, one frontier hour in January and two in February:
    ``load = c0 + c1·phi + (c2 + c3·phi)·x``."""
    site_months = SiteMonths(
        hour_sums=np.array([[[10.0, 5.0, 20.0, 8.0], [4.0, 2.0, 0.0, 0.0]]]),
        month_hours=np.array([10.0, 4.0]),
        frontier_bounds=np.array([[0, 1, 3]]),
        frontier_basis=np.array([[1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 0.0, 0.0], [1.0, 0.5, 2.0, 1.0]]),
        weather_of_draw=np.array([0]),
        year_of_month=np.array([0, 0]),
    )
    # c = (1, 2, 0.5, 0.25) in January, (2, 2, 1, 1) in February [MW, MW, MW/°C, MW/°C]
    coef = np.array([[[1.0, 2.0]], [[2.0, 2.0]], [[0.5, 1.0]], [[0.25, 1.0]]])
    load, energy, peak = np.empty((1, 2)), np.empty((1, 1)), np.empty((1, 1))
    kernels.site_reductions(coef, site_months, load, energy, peak)
    # January: 10 + 10 + 10 + 2 = 32 MWh over 10 h; February: 8 + 4 = 12 MWh over 4 h.
    np.testing.assert_array_equal(load, [[3.2, 3.0]])
    np.testing.assert_array_equal(energy, [[44.0]])
    # January's hour: 1 + 2 + 1.5 + 0.75 = 5.25; February's: 4 and 2 + 1 + 2 + 1 = 6.
    np.testing.assert_array_equal(peak, [[6.0]])


#: Real projections whose sites are reduced by the kernel (more draw-hours than the NumPy
#: path's limit): kr-national over partial months and partial years, and the NSW scenario,
#: whose local days have 23 and 25 hours at the daylight-saving changes.
REAL_CASES = {
    "kr-national": ProjectionOptions(
        draws=60, seed=4, resolution="monthly", start=dt.date(2029, 11, 17),
        end=dt.date(2031, 2, 9),
    ),
    "au-nsw-ai-dc": ProjectionOptions(
        draws=60, seed=4, resolution="daily", start=dt.date(2030, 3, 20),
        end=dt.date(2030, 10, 20),
    ),
}  # fmt: skip


@requires_shared_data
@pytest.mark.parametrize("scenario_id", sorted(REAL_CASES))
def test_site_reductions_match_twin_on_a_real_projections_inputs(scenario_id, monkeypatch):
    """Every site's coefficients and months as a projection hands them to the kernel."""
    calls = []
    kernel = kernels.site_reductions

    def recording(coef, months, *outputs):
        kernel(coef, months, *outputs)
        calls.append((coef.copy(), months, *(np.copy(out) for out in outputs)))

    monkeypatch.setattr(kernels, "site_reductions", recording)
    scenario = load_scenario(scenario_id)
    project(scenario, REAL_CASES[scenario_id])
    assert len(calls) == len(scenario.sites)
    assert any(np.any(coef > 0) for coef, *_ in calls)
    for coef, months, *got in calls:
        expected = twins.site_reductions_numpy(coef, months, year_count=got[1].shape[1])
        _assert_agree(got, expected, draws=coef.shape[1])
