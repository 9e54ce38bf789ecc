"""The smallest stream inputs, as a script's opening lines, for tests that count numba's
compiles in a process of their own (on a fresh cache)."""

#: Imports, then ``inputs``: one month, two regions, a day of 24 hours and three draws, without
#: flexibility or non-AI loads (each region's AI load c0 + c1 x 0.5 = 1.5 MW, no cooling).
PLAIN_INPUTS = """
import json
import numpy as np
from forecast import kernels
from forecast.kernels import at_peak, quantiles, stream
from forecast.kernels.layout import ANY_HOUR, PEAK_COUNT, StreamInputs

months, regions, hours, draws = 1, 2, 24, 3
inputs = StreamInputs(
    coef_t=np.ones((months, regions, 4, draws)), non_ai_t=np.zeros((months, 4, draws)),
    month_of_hour=np.zeros(hours, dtype=np.int64), inference_shape=np.full(hours, 0.5),
    cooling_excess_c=np.zeros((1, hours)), baseline_level_t=np.ones((1, draws)),
    baseline_shape=np.ones((1, hours)), daily_noise_t=np.ones((1, draws)),
    year_of_day=np.zeros(1, dtype=np.int64), day_starts=np.array([0, hours]),
    group_bounds=np.array([0, draws]), flex_share=np.zeros(draws),
    stress_level_t=np.full((1, draws), np.inf), stress_hour_t=np.full((1, draws), ANY_HOUR),
    first_hour=0, flex_shift=False, full_load_t=np.full((months, regions, 2, draws), np.inf),
    has_non_ai=False,
)
"""
