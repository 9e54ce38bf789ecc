"""The fused streaming kernel against its NumPy twin, and the fused projection path against
the per-kernel one."""

import zlib

import numpy as np
import pytest

from forecast import kernels
from forecast.kernels import layout, twins
from forecast.kernels.layout import FIRST_REGION_ROW, PEAK_COUNT

PROBABILITIES = np.array([0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0])


def _inputs(case, *, draws, regions, weather_years, days, fill, flex=None):
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    hours = days * 24
    scale = 0.0 if fill == "zeros" else 1.0
    coef_t = scale * rng.uniform(0.0, 100.0, (2, regions, 4, draws))
    hour = np.arange(hours)
    shape = 1.0 + 0.3 * np.sin(2 * np.pi * hour / 24)
    excess = np.maximum(rng.normal(1.0, 2.0, (weather_years, hours)), 0.0)
    level = scale * rng.uniform(5e4, 8e4, (2, draws))
    baseline_shape = 1.0 + 0.2 * np.sin(
        2 * np.pi * (hour[None] + rng.uniform(0, 24, (weather_years, 1))) / 24
    )
    noise = rng.normal(1.0, 0.02, (days, draws))
    if fill == "ties":
        coef_t = np.round(coef_t / 50.0)
        level = np.round(level / 1e4)
    if fill == "nan":
        noise[days // 2, draws // 3] = np.nan
    if fill == "cool":
        # No weather year needs cooling in the first half: the AI rows repeat day after day
        # and the kernel answers them from its memo.
        excess[:, : hours // 2] = 0.0
    bounds = np.sort(rng.integers(0, draws + 1, weather_years - 1))
    non_ai = scale * rng.uniform(0.0, 50.0, (2, 4, draws))
    non_ai[:, 2:] *= 0.5  # part of the non-AI load is in the baseline already
    share, levels, shift = np.zeros(draws), np.full((2, draws), np.inf), False
    if flex is not None:
        share = rng.uniform(0.2, 0.6, draws)
        # A level inside each draw's range of totals, so some hours are stress hours.
        levels = np.tile(level.mean(axis=0) * 1.1 + 150.0, (2, 1))
        shift = flex == "shift"
    inputs = kernels.StreamInputs(
        coef_t=coef_t,
        non_ai_t=non_ai,
        month_of_hour=np.minimum(hour // (hours // 2 + 1), 1),
        inference_shape=shape,
        cooling_excess_c=excess,
        baseline_level_t=level,
        baseline_shape=baseline_shape,
        daily_noise_t=noise,
        year_of_day=np.minimum(np.arange(days) // max(days - 1, 1), 1),
        day_starts=np.arange(days + 1) * 24,
        group_bounds=np.r_[0, bounds, draws].astype(np.int64),
        flex_share=share,
        stress_level_t=levels,
        stress_hour_t=np.full(levels.shape, kernels.ANY_HOUR),
        first_hour=0,
        flex_shift=shift,
        # A little above each region's highest load: shifting fills some hours up to it.
        full_load_t=1.02
        * np.stack(
            [coef_t[:, :, 0] + coef_t[:, :, 1] * shape.max(),
             coef_t[:, :, 2] + coef_t[:, :, 3] * shape.max()],
            axis=2,
        ),
    )  # fmt: skip
    return inputs, PROBABILITIES, np.arange(FIRST_REGION_ROW + regions, dtype=np.int64)


@pytest.mark.parametrize("flex", [None, "curtail", "shift"])
@pytest.mark.parametrize("fill", ["random", "zeros", "ties", "nan", "cool"])
@pytest.mark.parametrize(
    ("draws", "regions", "weather_years", "days", "blocks"),
    [(300, 2, 3, 5, 2), (1, 1, 1, 1, 1), (2, 1, 2, 3, 3), (64, 3, 4, 2, 4), (513, 1, 1, 2, 1)],
)
def test_stream_chunk_matches_twin(draws, regions, weather_years, days, blocks, fill, flex):
    inputs = _inputs(
        ("stream", draws, regions, weather_years, days, fill, flex),
        draws=draws,
        regions=regions,
        weather_years=weather_years,
        days=days,
        fill=fill,
        flex=flex,
    )
    rows = FIRST_REGION_ROW + regions
    quantiles = np.empty((rows, PROBABILITIES.size, days * 24))
    day_sums = np.empty((rows, days, draws))
    peaks = np.empty((blocks, PEAK_COUNT, 2, draws))
    kernels.stream_chunk(*inputs, quantiles, day_sums, peaks)
    expected = twins.stream_chunk_numpy(*inputs, block_count=blocks)
    if flex is None:
        # Quantiles bit for bit: the windows only choose where to look.
        np.testing.assert_array_equal(quantiles, expected[0])
        np.testing.assert_array_equal(peaks, expected[2])
    else:
        # Flexibility sums in another order in the twin: equal to rounding.
        np.testing.assert_allclose(quantiles, expected[0], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(peaks, expected[2], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(day_sums, expected[1], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("flex", ["curtail", "shift"])
@pytest.mark.parametrize(
    ("draws", "blocks", "hours_per_year"), [(300, 2, 7), (2, 3, 30), (65, 1, 1)]
)
def test_flexibility_on_tied_hours_matches_twin(draws, blocks, hours_per_year, flex):
    """Hours that tie (the same clock hour every day: no baseline, no weather) with the stress
    levels and cutoffs of the first pass, in a chunk that is not the period's first: the
    kernel's flexible stream equals its twin's, and exactly the declared hours give way."""
    inputs, probabilities, rows = _inputs(
        ("tied", draws, flex), draws=draws, regions=2, weather_years=1, days=4, fill="ties",
        flex=flex,
    )  # fmt: skip
    inputs = inputs._replace(
        baseline_level_t=np.zeros_like(inputs.baseline_level_t),
        cooling_excess_c=np.zeros_like(inputs.cooling_excess_c),
        non_ai_t=np.zeros_like(inputs.non_ai_t),
        first_hour=1000,
    )
    levels, cutoffs, *_ = twins.stress_levels_numpy(inputs, hours_per_year, 0.0)
    assert (cutoffs[0] < kernels.ANY_HOUR).all()  # the first year's N-th hours tie: a cutoff
    inputs = inputs._replace(stress_level_t=levels, stress_hour_t=cutoffs)
    quantiles = np.empty((rows.size, probabilities.size, 4 * 24))
    day_sums = np.empty((rows.size, 4, draws))
    peaks = np.empty((blocks, PEAK_COUNT, 2, draws))
    kernels.stream_chunk(inputs, probabilities, rows, quantiles, day_sums, peaks)
    expected = twins.stream_chunk_numpy(inputs, probabilities, rows, block_count=blocks)
    np.testing.assert_allclose(quantiles, expected[0], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(day_sums, expected[1], rtol=1e-12, atol=1e-9)
    # At most the declared hours of the first year (its 72 hours) give way in any draw:
    # curtailing lowers only those; shifting curtails only in those.
    flexed, plain = (twins.stream_values(i)[:, :, :72] for i in (inputs, inputs._replace(
        flex_share=np.zeros(draws))))  # fmt: skip
    changed = (flexed[layout.AI_ROW] < plain[layout.AI_ROW]) | (flexed[layout.CURTAILED_ROW] > 0)
    assert changed.sum(axis=1).max() <= hours_per_year


@pytest.mark.parametrize("flex", [None, "curtail", "shift"])
@pytest.mark.parametrize("fill", ["random", "nan", "cool"])
@pytest.mark.parametrize(("draws", "blocks"), [(300, 2), (2, 3), (200, 1)])
def test_without_non_ai_loads_the_kernel_skips_them_bit_for_bit(draws, blocks, fill, flex):
    """Zero non-AI coefficients evaluated (``has_non_ai`` True) or left out (False): the same
    quantiles, day sums and peaks, bit for bit, the non-AI peak at zero included."""
    inputs, probabilities, rows = _inputs(
        ("no-non-ai", draws, fill, flex),
        draws=draws, regions=2, weather_years=3, days=4, fill=fill, flex=flex,
    )  # fmt: skip
    inputs = inputs._replace(non_ai_t=np.zeros_like(inputs.non_ai_t))
    results = []
    for has_non_ai in (True, False):
        quantiles = np.empty((rows.size, probabilities.size, 4 * 24))
        day_sums = np.empty((rows.size, 4, draws))
        peaks = np.empty((blocks, PEAK_COUNT, 2, draws))
        kernels.stream_chunk(
            inputs._replace(has_non_ai=has_non_ai), probabilities, rows, quantiles, day_sums,
            peaks,
        )  # fmt: skip
        results.append((quantiles, day_sums, peaks))
    for evaluated, skipped in zip(*results, strict=True):
        np.testing.assert_array_equal(skipped, evaluated)
    non_ai_peaks = results[1][2][:, layout.NON_AI_PEAK]  # -inf: no hour of the year
    assert np.isin(non_ai_peaks, [0.0, -np.inf]).all() and (non_ai_peaks == 0.0).any()


@pytest.mark.parametrize("fill", ["random", "ties", "nan", "zeros"])
@pytest.mark.parametrize(("draws", "weather_years", "days"), [(300, 3, 5), (128, 1, 2), (1, 2, 1)])
def test_baseline_quantiles_are_the_stream_kernels_bit_for_bit(draws, weather_years, days, fill):
    """The baseline's quantiles found alone (the engine's pass beside its other stages) equal
    the stream kernel's baseline row and the twin's, bit for bit."""
    inputs, probabilities, _ = _inputs(
        ("baseline", draws, weather_years, days, fill),
        draws=draws, regions=2, weather_years=weather_years, days=days, fill=fill,
    )  # fmt: skip
    found = np.empty((1, probabilities.size, days * 24))
    kernels.baseline_quantiles(inputs, probabilities, found)
    streamed = np.empty((1, probabilities.size, days * 24))
    kernels.stream_chunk(
        inputs, probabilities, np.array([layout.BASELINE_ROW]), streamed,
        np.empty((FIRST_REGION_ROW + 2, days, draws)), np.empty((2, PEAK_COUNT, 2, draws)),
    )  # fmt: skip
    np.testing.assert_array_equal(found, streamed)
    np.testing.assert_array_equal(found, twins.baseline_quantiles_numpy(inputs, probabilities))


def _flat_inputs(
    ai_mw, *, baseline_mw=None, share=0.0, level=np.inf, shift=False, full_load_mw=np.inf
):
    """One region, one day: each draw's AI load flat at ``ai_mw``, at most ``full_load_mw``;
    baseline by hour."""
    draws = len(ai_mw)
    coef_t = np.zeros((1, 1, 4, draws))
    coef_t[0, 0, 0] = ai_mw
    shape = np.zeros((1, 24)) if baseline_mw is None else np.asarray(baseline_mw)[None, :]
    return kernels.StreamInputs(
        coef_t=coef_t, non_ai_t=np.zeros((1, 4, draws)),
        month_of_hour=np.zeros(24, dtype=np.int64), inference_shape=np.ones(24),
        cooling_excess_c=np.zeros((1, 24)), baseline_level_t=np.ones((1, draws)),
        baseline_shape=shape, daily_noise_t=np.ones((1, draws)),
        year_of_day=np.zeros(1, dtype=np.int64), day_starts=np.array([0, 24]),
        group_bounds=np.array([0, draws]), flex_share=np.full(draws, share),
        stress_level_t=np.full((1, draws), level),
        stress_hour_t=np.full((1, draws), kernels.ANY_HOUR), first_hour=0, flex_shift=shift,
        full_load_t=np.stack(
            [np.full((1, 1, draws), full_load_mw), np.zeros((1, 1, draws))], axis=2
        ),
    )  # fmt: skip


def _run_day(inputs, quantile_rows=(0,)):
    draws = inputs.coef_t.shape[3]
    quantiles = np.empty((len(quantile_rows), 1, 24))
    day_sums = np.empty((FIRST_REGION_ROW + 1, 1, draws))
    peaks = np.empty((1, PEAK_COUNT, 1, draws))
    kernels.stream_chunk(
        inputs, np.array([0.5]), np.array(quantile_rows), quantiles, day_sums, peaks
    )
    return quantiles, day_sums, peaks


def test_stream_chunk_by_hand():
    """One region, two draws of 10 and 20 MW flat, no baseline: P50 is 15 MW every hour."""
    quantiles, day_sums, peaks = _run_day(_flat_inputs([10.0, 20.0]))
    np.testing.assert_array_equal(quantiles, np.full((1, 1, 24), 15.0))
    np.testing.assert_array_equal(day_sums[0, 0], [240.0, 480.0])
    np.testing.assert_array_equal(peaks[0, layout.AI_PEAK, 0], [10.0, 20.0])


def test_shifting_fills_no_hour_above_the_full_load_by_hand():
    """As :func:`test_flexibility_by_hand`, with the AI load at most 10.25 MW (its nameplate at
    the hour's PUE): the 21 other hours take 0.25 MW each, 5.25 MWh of the 12 moved, and the
    other 6.75 MWh are curtailed; no hour rises above 10.25 MW (a 200 MW campus drew 589 MW)."""
    baseline = np.full(24, 100.0)
    baseline[17:20] = 150.0
    inputs = _flat_inputs(
        [10.0], baseline_mw=baseline, share=0.4, level=155.0, shift=True, full_load_mw=10.25
    )
    _, shifted, peaks = _run_day(inputs)
    assert shifted[layout.AI_ROW, 0, 0] == pytest.approx(240.0 - 12.0 + 5.25)
    assert shifted[layout.CURTAILED_ROW, 0, 0] == pytest.approx(12.0 - 5.25)
    assert peaks[0, layout.AI_PEAK, 0, 0] == pytest.approx(10.25)
    hourly = twins.stream_values(inputs)[layout.AI_ROW, 0]
    np.testing.assert_allclose(hourly[17:20], 6.0)
    np.testing.assert_allclose(np.delete(hourly, [17, 18, 19]), 10.25)


def test_flexibility_by_hand():
    """AI 10 MW flat on a baseline of 100 MW, 150 MW from 17:00 to 19:00 (3 hours); stress
    level 155 MW: those 3 hours are stress hours. Curtailing 40 % removes 3 x 4 MWh; shifting
    moves the 12 MWh into the other 21 hours in proportion to their room (45 MW each)."""
    baseline = np.full(24, 100.0)
    baseline[17:20] = 150.0
    _, curtailed, peaks = _run_day(
        _flat_inputs([10.0], baseline_mw=baseline, share=0.4, level=155.0)
    )
    assert curtailed[layout.AI_ROW, 0, 0] == pytest.approx(240.0 - 12.0)
    assert curtailed[layout.CURTAILED_ROW, 0, 0] == pytest.approx(12.0)
    assert peaks[0, layout.TOTAL_PEAK, 0, 0] == pytest.approx(156.0)  # 150 + 6
    _, shifted, peaks = _run_day(
        _flat_inputs([10.0], baseline_mw=baseline, share=0.4, level=155.0, shift=True)
    )
    assert shifted[layout.AI_ROW, 0, 0] == pytest.approx(240.0)  # energy kept
    assert shifted[layout.CURTAILED_ROW, 0, 0] == pytest.approx(0.0)
    assert peaks[0, layout.TOTAL_PEAK, 0, 0] == pytest.approx(156.0)
    # The other hours rise by 12 MWh / 21 h each (equal room), far below the stress level.
    total = shifted[layout.TOTAL_ROW, 0, 0]
    assert total == pytest.approx(21 * 110.0 + 3 * 160.0 + 12.0 - 12.0)


def test_projection_stream_equals_per_kernel_path(small_scenario_text, scenario_file, monkeypatch):
    """The fused stream equals the whole-array oracles (facility power, total load, annual
    energy and peaks of every draw and hour) on the same sampled inputs, to 1e-12."""
    from forecast import engine
    from forecast.scenario import read_scenario_file

    scenario = read_scenario_file(scenario_file(small_scenario_text))
    captured = {}
    stream_hours = engine.stream_hours

    def capture(*args, **kwargs):
        captured["args"] = args
        captured["stats"] = stream_hours(*args, **kwargs)
        return captured["stats"]

    monkeypatch.setattr(engine, "stream_hours", capture)
    engine.project(scenario, engine.ProjectionOptions(
        draws=40, seed=3, weather="typical", include_baseline=True))  # fmt: skip
    (scenario, options, calendar, coef, non_ai, shape, excess, weather_of_draw, baseline,
     flexibility, _) = captured["args"]  # fmt: skip
    assert flexibility is None and not non_ai.any()  # the oracles cover the AI load alone
    stats = captured["stats"]
    by_region = twins.facility_power_numpy(
        coef, calendar.month_of_hour, shape, excess, weather_of_draw
    )
    ai_mw, base_mw, total_mw = twins.total_load_numpy(
        by_region, baseline.level, calendar.year_of_hour, baseline.shape, baseline.noise,
        calendar.day_of_hour, weather_of_draw,
    )  # fmt: skip
    probabilities = np.asarray(options.quantiles)
    for name, values in (
        ("ai_facility_mw", ai_mw),
        ("baseline_mw", base_mw),
        ("total_mw", total_mw),
    ):
        expected = twins.quantiles_over_draws_numpy(values, probabilities)
        np.testing.assert_allclose(stats.series[name], expected, rtol=1e-12, err_msg=name)
    years = len(calendar.years)
    for name, values in (("ai", ai_mw), ("baseline", base_mw), ("total", total_mw)):
        energy, peak = twins.accumulate_annual_numpy(
            values, calendar.year_of_hour, np.zeros((options.draws, years)),
            np.full((options.draws, years), -np.inf),
        )  # fmt: skip
        np.testing.assert_allclose(stats.annual[f"{name}_energy"], energy, rtol=1e-12)
        if name != "total":
            np.testing.assert_allclose(stats.annual[f"{name}_peak"], peak, rtol=1e-12)
    peak, at_peak = twins.accumulate_peak_companion_numpy(
        total_mw, ai_mw, calendar.year_of_hour, np.full((options.draws, years), -np.inf),
        np.zeros((options.draws, years)),
    )  # fmt: skip
    np.testing.assert_allclose(stats.annual["total_peak"], peak, rtol=1e-12)
    np.testing.assert_allclose(stats.annual["ai_at_total_peak"], at_peak, rtol=1e-12)


@pytest.mark.parametrize("scenario_id", ["kr-national", "kr-outlook-flex"])
def test_baseline_quantiles_beside_the_stages_change_no_result(monkeypatch, scenario_id):
    """An hourly projection with the baseline's quantiles found beside the fleet, hosting and
    power stages (the default from WINDOWED_DRAWS draws) equals the one whose stream finds
    them, every variable bit for bit."""
    import datetime as dt

    from forecast import engine
    from forecast.engine import inputs, stream
    from forecast.scenario import load_scenario

    monkeypatch.setenv("FORECAST_NUMPY_WORK", "0")  # the kernels, not their twins
    started = []

    def counted(*args, **kwargs):
        started.append(kwargs["name"])
        return inputs.beside(*args, **kwargs)

    monkeypatch.setattr(stream, "beside", counted)
    scenario = load_scenario(scenario_id)
    options = engine.ProjectionOptions(
        draws=layout.WINDOWED_DRAWS, seed=5, start=dt.date(2030, 7, 1), end=dt.date(2030, 7, 9)
    )
    found = engine.project(scenario, options)
    monkeypatch.setattr(stream, "BASELINE_BESIDE", False)
    streamed = engine.project(scenario, options)
    assert started == ["baseline-quantiles"]  # the first found them beside, the second not
    for name in found.data_vars:
        np.testing.assert_array_equal(found[name].values, streamed[name].values, err_msg=name)
