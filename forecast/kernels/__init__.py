"""numba kernels of the projection engine, one module per concern.

Every kernel writes into caller-supplied ``out`` arrays and has an independent NumPy twin in
:mod:`forecast.kernels.twins` that the tests compare it with. Each compiles on its first call
(a run compiles only what it needs); :func:`forecast._numba.warm_up` compiles them all.
"""

from forecast.kernels.capacity import connect_sites, site_capacity
from forecast.kernels.duration import hourly_rows
from forecast.kernels.fleet import place_in_capacity, stock_flow, surviving_stock
from forecast.kernels.profile import inference_profile
from forecast.kernels.quantiles import quantiles_over_draws
from forecast.kernels.stream import StreamInputs, stream_chunk, stress_levels

__all__ = [
    "StreamInputs",
    "connect_sites",
    "hourly_rows",
    "inference_profile",
    "place_in_capacity",
    "quantiles_over_draws",
    "site_capacity",
    "stock_flow",
    "stream_chunk",
    "stress_levels",
    "surviving_stock",
]
