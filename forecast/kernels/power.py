"""The model's two hourly formulas, stated once for every numba kernel that evaluates them.

Facility power of a region is IT power (a flat part plus a part following the inference shape
``phi``) times PUE(T) = a + b·x, with ``x`` the temperature excess over the cooling reference;
the engine expands that product into four coefficients per draw, region and month
(:mod:`forecast.engine.power`), so that

    facility = c0 + c1·phi + (c2 + c3·phi)·x                     [MW]

The baseline national load is its annual level times the hourly shape times the daily noise.
Both are inlined into their callers (the fused stream kernel and the floor benchmark), so
stating them here costs nothing at run time.
"""

from forecast.kernels._jit import inline_jit


@inline_jit
def facility_mw(c0: float, c1: float, c2: float, c3: float, phi: float, x: float) -> float:
    """Facility power from the four coefficients, the inference shape and the excess. [MW]"""
    return (c0 + c1 * phi) + (c2 + c3 * phi) * x


@inline_jit
def baseline_mw(level: float, shape: float, noise: float) -> float:
    """Baseline load: annual level x hourly shape x daily noise. [MW]"""
    return level * shape * noise
