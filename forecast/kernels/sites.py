"""Sites kernel: one site's AI load, from its coefficients by month, reduced in one pass to what
its outputs need (its mean load by month, and each draw's energy and highest hour by year).

A site's load in an hour is ``c0 + c1·phi + (c2 + c3·phi)·x`` (:mod:`forecast.kernels.power`)
with its coefficients of the month. Its energy in a month is the coefficients times the month's
sums of ``1, phi, x, phi·x``, and its highest hour is one of the month's few frontier hours
(:func:`forecast.engine.power.month_frontiers`), so no hour is evaluated but those.
"""

import numpy as np

from forecast.kernels._jit import jit
from forecast.kernels.layout import FloatArray, SiteMonths


@jit
def site_reductions(
    coef: FloatArray,
    months: SiteMonths,
    load_out: FloatArray,
    energy_out: FloatArray,
    peak_out: FloatArray,
) -> None:
    """Write one site's mean load in each month, and its energy and highest hourly load in each
    year, of every draw.

    The energy adds the four products in the order of ``c0·s0 + c1·s1 + c2·s2 + c3·s3`` from
    0, the hour's load ``((c0 + c1·phi) + c2·x) + c3·phi·x``, and a year's energy its months
    in order from 0: the NumPy twin's figures bit for bit for two draws and more
    (``test_site_reductions_match_twin``; NumPy sums one draw's year pairwise), so the golden
    files hold (``test_projection_is_bit_for_bit_the_recorded_one``).

    Parameters
    ----------
    coef : float64[4, D, M]
        The site's load coefficients ``c0 .. c3`` by draw and month, all >= 0.
        [MW, MW, MW/°C, MW/°C]
    months : SiteMonths
        The projection's months: their hours' sums, frontier hours and years.
    load_out : float64[D, M]
        Written: the mean load in each month, its energy over its hours (NaN in a month
        without hours). [MW]
    energy_out : float64[D, Y]
        Written: the energy in each year. [MWh]
    peak_out : float64[D, Y]
        Written: the highest hourly load in each year (-inf in a year without hours). [MW]
    """
    bounds, basis = months.frontier_bounds, months.frontier_basis
    energy_out[:] = 0.0
    peak_out[:] = -np.inf
    for draw in range(coef.shape[1]):
        weather = months.weather_of_draw[draw]
        sums = months.hour_sums[weather]
        for month in range(coef.shape[2]):
            c0, c1 = coef[0, draw, month], coef[1, draw, month]
            c2, c3 = coef[2, draw, month], coef[3, draw, month]
            energy = 0.0 + c0 * sums[month, 0]
            energy = energy + c1 * sums[month, 1] + c2 * sums[month, 2] + c3 * sums[month, 3]
            hours = months.month_hours[month]
            # numba's division raises on 0 where NumPy's gives NaN (test_a_month_without_hours_
            # adds_nothing_to_its_year).
            load_out[draw, month] = energy / hours if hours > 0.0 else np.nan
            year = months.year_of_month[month]
            energy_out[draw, year] += energy
            peak = peak_out[draw, year]
            for row in range(bounds[weather, month], bounds[weather, month + 1]):
                load = c0 + c1 * basis[row, 1] + c2 * basis[row, 2] + c3 * basis[row, 3]
                if load > peak or np.isnan(load):  # NaN propagates, as in np.maximum
                    peak = load
            peak_out[draw, year] = peak
