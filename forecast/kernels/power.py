"""Power kernels: facility power by region, then national AI, baseline and total load."""

from forecast._numba import FloatArray, IndexArray, parallel_jit, prange


@parallel_jit
def facility_power(
    coef: FloatArray,
    month_of_hour: IndexArray,
    inference_shape: FloatArray,
    cooling_excess_c: FloatArray,
    weather_of_draw: IndexArray,
    out: FloatArray,
) -> None:
    """Evaluate hourly facility power from per-month coefficients, load shape and weather.

    Facility power is IT power (a flat part plus a part following the inference shape) times
    PUE(T) = a + b·x with x the temperature excess over the cooling reference; the caller
    expands the product into four coefficients, so that
    ``out = c0 + c1·phi + (c2 + c3·phi)·x``.

    Parameters
    ----------
    coef : float64[D, R, M, 4]
        Coefficients ``c0 .. c3`` per draw, region and month. [MW, MW, MW/°C, MW/°C]
    month_of_hour : int64[H]
        Month index of each hour into ``M``. [-]
    inference_shape : float64[H]
        Normalised inference-load shape ``phi``. [-]
    cooling_excess_c : float64[W, H]
        ``max(T - T_ref, 0)`` of weather year ``w`` at each hour. [°C]
    weather_of_draw : int64[D]
        Weather year used by each draw. [-]
    out : float64[D, R, H]
        Written: facility power. [MW]
    """
    draw_count, region_count, hour_count = out.shape
    for draw in prange(draw_count):
        weather = weather_of_draw[draw]
        for region in range(region_count):
            for hour in range(hour_count):
                month = month_of_hour[hour]
                shape = inference_shape[hour]
                excess = cooling_excess_c[weather, hour]
                flat = coef[draw, region, month, 0] + coef[draw, region, month, 1] * shape
                slope = coef[draw, region, month, 2] + coef[draw, region, month, 3] * shape
                out[draw, region, hour] = flat + slope * excess


@parallel_jit
def total_load(
    ai_by_region: FloatArray,
    baseline_level_mw: FloatArray,
    year_of_hour: IndexArray,
    baseline_shape: FloatArray,
    daily_noise: FloatArray,
    day_of_hour: IndexArray,
    weather_of_draw: IndexArray,
    ai_out: FloatArray,
    baseline_out: FloatArray,
    total_out: FloatArray,
) -> None:
    """Add the regions' AI load to the baseline national load, hour by hour.

    Parameters
    ----------
    ai_by_region : float64[D, R, H]
        AI facility power by region. [MW]
    baseline_level_mw : float64[D, Y]
        Annual mean level of the baseline national load. [MW]
    year_of_hour : int64[H]
        Year index of each hour into ``Y``. [-]
    baseline_shape : float64[W, H]
        Hourly shape of the baseline for weather year ``w``, mean about 1. [-]
    daily_noise : float64[D, N_days]
        Multiplicative day-to-day noise, about 1. [-]
    day_of_hour : int64[H]
        Day index of each hour into ``N_days``. [-]
    weather_of_draw : int64[D]
        Weather year used by each draw. [-]
    ai_out : float64[D, H]
        Written: AI load summed over regions. [MW]
    baseline_out : float64[D, H]
        Written: level × shape × noise. [MW]
    total_out : float64[D, H]
        Written: ``ai_out + baseline_out``. [MW]
    """
    draw_count, region_count, hour_count = ai_by_region.shape
    for draw in prange(draw_count):
        weather = weather_of_draw[draw]
        for hour in range(hour_count):
            ai = 0.0
            for region in range(region_count):
                ai += ai_by_region[draw, region, hour]
            baseline = (
                baseline_level_mw[draw, year_of_hour[hour]]
                * baseline_shape[weather, hour]
                * daily_noise[draw, day_of_hour[hour]]
            )
            ai_out[draw, hour] = ai
            baseline_out[draw, hour] = baseline
            total_out[draw, hour] = ai + baseline
