"""numba kernels of the projection engine, one module per concern.

Every kernel writes into caller-supplied ``out`` arrays and has an independent NumPy twin in
:mod:`forecast.kernels.twins` that the tests compare it with. Each compiles on its first call
(a run compiles only what it needs); :func:`warm_up` compiles them all. The numba machinery
(decorators, flags, cache, threads) is :mod:`forecast.kernels._jit`; nothing outside this
package needs it but :func:`thread_count`.
"""

import numpy as np

from forecast.kernels._jit import thread_count
from forecast.kernels.capacity import connect_sites, site_capacity
from forecast.kernels.duration import hourly_rows
from forecast.kernels.fleet import place_in_capacity, stock_flow, surviving_stock
from forecast.kernels.noise import ar1_recursion
from forecast.kernels.profile import inference_profile
from forecast.kernels.quantiles import quantiles_over_draws
from forecast.kernels.stream import WINDOWED_DRAWS, StreamInputs, stream_chunk, stress_levels
from forecast.kernels.sums import segment_sums

__all__ = [
    "StreamInputs",
    "ar1_recursion",
    "connect_sites",
    "hourly_rows",
    "inference_profile",
    "place_in_capacity",
    "quantiles_over_draws",
    "segment_sums",
    "site_capacity",
    "stock_flow",
    "stream_chunk",
    "stress_levels",
    "surviving_stock",
    "thread_count",
    "warm_up",
]


def warm_up() -> tuple[str, ...]:
    """Compile every kernel for the production dtypes by calling it once on tiny inputs.

    The service calls this in its start-up (lifespan) hook so that no user request pays for
    compilation; with the on-disk cache a later start-up only loads the compiled code. A
    projection does not need it: each kernel compiles on its first call.

    Returns
    -------
    tuple of str
        Names of the kernels compiled, in call order. [-]
    """
    draws, months, hours, regions, years = 2, 3, 4, 1, 1
    survival = np.ones((draws, months))
    additions, installed = np.empty((draws, months)), np.empty((draws, months))
    stock_flow(
        np.ones((draws, months)), np.zeros((draws, months)), np.full(draws, -1), survival,
        additions, installed,
    )  # fmt: skip
    surviving_stock(additions, survival, installed)
    hosted_mw, hosted_count, waited = (np.empty((draws, months)) for _ in range(3))
    place_in_capacity(
        additions, additions, survival, np.ones((draws, months)), hosted_mw, hosted_count, waited
    )
    site_capacity(np.ones(draws), np.zeros(draws), 1.0, np.ones(draws, dtype=np.uint8), hosted_mw)

    hour_index = np.zeros(hours, dtype=np.int64)
    shape = np.empty(hours)
    inference_profile(hour_index, np.ones(hours, dtype=np.uint8), 0.1, 14.0, 0.9, shape)
    ar1_recursion(np.ones((hours, draws)), 0.5)
    quantiles_over_draws(np.ones((draws, hours)), np.array([0.1, 0.9]), np.empty((2, hours)))
    # Each of the four stream kernels: few draws and enough for windows, without and with
    # flexibility.
    for count in (draws, WINDOWED_DRAWS):
        inputs = StreamInputs(
            coef_t=np.ones((months, regions, 4, count)),
            non_ai_t=np.ones((months, 4, count)),
            month_of_hour=np.zeros(hours, dtype=np.int64),
            inference_shape=shape,
            cooling_excess_c=np.ones((1, hours)),
            baseline_level_t=np.ones((years, count)),
            baseline_shape=np.ones((1, hours)),
            daily_noise_t=np.ones((1, count)),
            year_of_day=np.zeros(1, dtype=np.int64),
            day_starts=np.array([0, hours]),
            group_bounds=np.array([0, count]),
            flex_share=np.zeros(count),
            stress_level_t=np.full((years, count), np.inf),
            flex_shift=False,
        )
        for share in (0.0, 0.5):
            stream_chunk(
                inputs._replace(flex_share=np.full(count, share)), np.array([0.1, 0.9]),
                np.arange(3), np.empty((3, 2, hours)), np.empty((7 + regions, 1, count)),
                np.empty((1, 7, years, count)),
            )  # fmt: skip
    count = inputs.flex_share.size
    day_sums = np.ones((3, 2, count))
    segment_sums(
        day_sums, np.array([0]), np.empty((3, 1, count)), np.array([0, 1]), np.empty((3, 2, count))
    )
    hourly_rows(inputs, 0, 1, np.arange(2), np.arange(count), np.empty((2, count, hours)))
    stress_levels(
        inputs, 0, 0.0, np.empty((count, 2)), np.zeros(count, dtype=np.int64),
        np.full(count, -1), np.empty((years, count)), np.empty((years, count)),
        np.empty((years, count)),
    )  # fmt: skip
    connect_sites(
        np.ones((1, draws)), np.zeros((1, draws)), np.ones(1), np.ones((1, draws), np.uint8),
        np.ones((draws, months)), np.empty((1, draws, months)),
    )  # fmt: skip
    return (
        "stock_flow",
        "surviving_stock",
        "place_in_capacity",
        "site_capacity",
        "inference_profile",
        "ar1_recursion",
        "quantiles_over_draws",
        "stream_chunk",
        "segment_sums",
        "hourly_rows",
        "stress_levels",
        "connect_sites",
    )
