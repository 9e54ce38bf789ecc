"""The model's two hourly formulas, stated once for every numba kernel that evaluates them.

Facility power of a region is IT power (a flat part plus a part following the inference shape
``phi``) times PUE(T) = a + b·x, with ``x`` the temperature excess over the cooling reference;
the engine expands that product into four coefficients per draw, region and month
(:mod:`forecast.engine.power`), so that

    facility = c0 + c1·phi + (c2 + c3·phi)·x                     [MW]

The baseline national load is its annual level times the hourly shape times the daily noise.
Both are inlined into their callers (the fused stream kernel and the floor benchmark), so
stating them here costs nothing at run time. :func:`add_load_coefficients` adds a load's
coefficients up by draw and month, once a projection for every load the regions host.
"""

from forecast.kernels._jit import inline_jit, jit
from forecast.kernels.layout import FloatArray


@inline_jit
def facility_mw(c0: float, c1: float, c2: float, c3: float, phi: float, x: float) -> float:
    """Facility power from the four coefficients, the inference shape and the excess. [MW]"""
    return (c0 + c1 * phi) + (c2 + c3 * phi) * x


@inline_jit
def baseline_mw(level: float, shape: float, noise: float) -> float:
    """Baseline load: annual level x hourly shape x daily noise. [MW]"""
    return level * shape * noise


@jit
def add_load_coefficients(
    nameplate_mw: FloatArray,
    load_factor: FloatArray,
    inference: FloatArray,
    pue_a: FloatArray,
    pue_b: FloatArray,
    columns_out: FloatArray,
) -> None:
    """Add one load's four coefficients ``f·P·[(1−i)·a, i·a, (1−i)·b, i·b]`` to the first
    four rows of ``columns_out``, and where it has six rows its full load's two, ``P·[a, b]``
    (:func:`forecast.engine.power.add_load`), in one pass over draws and months.

    Each value is made by the same operations in the same order as the row-by-row NumPy
    products it replaces (``training = (P·f)·(1 − i)``, then ``row += training · a``), so the
    golden files hold (``test_projection_is_bit_for_bit_the_recorded_one``).

    Parameters
    ----------
    nameplate_mw : float64[D, M]
        The load's nameplate. [MW]
    load_factor : float64[D, M]
        Mean IT load over nameplate. [-]
    inference : float64[D, M]
        Share of the IT load that follows the inference shape. [-]
    pue_a, pue_b : float64[D, M]
        The PUE line: cool-weather PUE [-] and its slope [1/°C].
    columns_out : float64[K, D, M]
        Added to, K = 4 or 6: the coefficients [MW, MW, MW/°C, MW/°C], then the full load's
        [MW, MW/°C].
    """
    full = columns_out.shape[0] > 4
    for draw in range(nameplate_mw.shape[0]):
        for month in range(nameplate_mw.shape[1]):
            nameplate, share = nameplate_mw[draw, month], inference[draw, month]
            it_mw = nameplate * load_factor[draw, month]
            training, serving = it_mw * (1.0 - share), it_mw * share
            a, b = pue_a[draw, month], pue_b[draw, month]
            columns_out[0, draw, month] += training * a
            columns_out[1, draw, month] += serving * a
            columns_out[2, draw, month] += training * b
            columns_out[3, draw, month] += serving * b
            if full:
                columns_out[4, draw, month] += nameplate * a
                columns_out[5, draw, month] += nameplate * b
