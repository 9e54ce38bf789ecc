"""Profile kernel: the daily shape of inference load."""

import math

from forecast.kernels._jit import jit
from forecast.kernels.layout import FlagArray, FloatArray, IndexArray


@jit
def inference_profile(
    local_hour: IndexArray,
    is_workday: FlagArray,
    amplitude: float,
    peak_hour: float,
    weekend_factor: float,
    out: FloatArray,
) -> None:
    """Write an unnormalised hourly inference-load shape: a daily cosine, damped off workdays.

    ``out[h] = (1 + amplitude * cos(2π (local_hour[h] + 0.5 - peak_hour) / 24))`` times
    ``weekend_factor`` on non-workdays; the half hour puts each value at the middle of its
    hour-beginning interval. The caller normalises the shape.

    Parameters
    ----------
    local_hour : int64[H]
        Hour of the day in local time, hour-beginning, ``0 .. 23``. [h]
    is_workday : uint8[H]
        Nonzero on workdays. [-]
    amplitude : float
        Relative amplitude of the daily cycle, in ``[0, 1]`` for a non-negative shape. [-]
    peak_hour : float
        Local time of the daily maximum. [h]
    weekend_factor : float
        Multiplier on weekends and holidays. [-]
    out : float64[H]
        Written: the shape. [-]
    """
    for hour in range(local_hour.size):
        angle = 2.0 * math.pi * (local_hour[hour] + 0.5 - peak_hour) / 24.0
        day_factor = 1.0 if is_workday[hour] else weekend_factor
        out[hour] = (1.0 + amplitude * math.cos(angle)) * day_factor
