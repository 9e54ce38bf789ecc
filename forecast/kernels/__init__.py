"""numba kernels of the projection engine, one module per concern.

Every kernel writes into caller-supplied ``out`` arrays and has an independent NumPy twin in
:mod:`forecast.kernels.twins` that the tests compare it with. Compile them all with
:func:`forecast._numba.warm_up`.
"""

from forecast.kernels.capacity import hosted_capacity
from forecast.kernels.fleet import fleet_replacement, vintage_weighted_stock
from forecast.kernels.power import facility_power, total_load
from forecast.kernels.profile import inference_profile
from forecast.kernels.quantiles import (
    accumulate_annual,
    accumulate_peak_companion,
    quantiles_over_draws,
)
from forecast.kernels.stream import stream_chunk

__all__ = [
    "accumulate_annual",
    "accumulate_peak_companion",
    "facility_power",
    "fleet_replacement",
    "hosted_capacity",
    "inference_profile",
    "quantiles_over_draws",
    "stream_chunk",
    "total_load",
    "vintage_weighted_stock",
]
