"""Each region's AI and data-centre load in the hour of the grid's (the total's) peak: found
after the stream's pass at each draw's recorded peak hour (draws x years evaluations), summing
to the national loads at the peak draw by draw."""

import ast
import datetime as dt
import inspect
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numba
import numpy as np
import pytest

from forecast import kernels
from forecast.calendar import HourlyCalendar
from forecast.engine import stream
from forecast.engine.power import non_ai_at_hours
from forecast.kernels import layout, twins
from forecast.kernels.layout import FIRST_REGION_ROW, PEAK_COUNT
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario, parse_scenario
from tests.forecast.engine.test_stream import _flat_inputs, _inputs
from tests.support.kernel_inputs import PLAIN_INPUTS


def _stream(inputs, blocks=1):
    """The stream kernel's per-block peaks [B, 7, Y, D] of ``inputs``."""
    draws, hours = inputs.coef_t.shape[3], inputs.day_starts[-1]
    rows = FIRST_REGION_ROW + inputs.coef_t.shape[1]
    days, years = inputs.day_starts.size - 1, inputs.baseline_level_t.shape[0]
    peaks = np.empty((blocks, PEAK_COUNT, years, draws))
    kernels.stream_chunk(
        inputs, np.array([0.5]), np.arange(0), np.empty((0, 1, hours)),
        np.empty((rows, days, draws)), peaks,
    )  # fmt: skip
    return peaks


@pytest.mark.parametrize("flex", [None, "curtail", "shift"])
@pytest.mark.parametrize("fill", ["random", "ties", "nan", "cool"])
@pytest.mark.parametrize(("draws", "regions", "days"), [(300, 2, 5), (7, 3, 2), (1, 1, 1)])
def test_region_loads_at_peak_match_twin_and_sum_to_the_national(draws, regions, days, fill,
                                                                  flex):  # fmt: skip
    """The kernel and its twin agree at the stream's peak hours, and the regions' loads there
    sum to the AI load the stream recorded at the total's peak, draw by draw (flexibility's
    curtailed and shifted hours included)."""
    inputs, _, _ = _inputs(
        ("at_peak", draws, regions, days, fill, flex), draws=draws, regions=regions,
        weather_years=3, days=days, fill=fill, flex=flex,
    )  # fmt: skip
    peaks = _stream(inputs)[0]
    # The kernel's peak hour is the twin's (the stream's twin test compares all of peaks).
    expected = twins.stream_chunk_numpy(inputs, np.array([0.5]), np.arange(0), block_count=1)
    np.testing.assert_array_equal(
        peaks[layout.TOTAL_PEAK_HOUR], expected[2][0, layout.TOTAL_PEAK_HOUR]
    )
    hours = peaks[layout.TOTAL_PEAK_HOUR].astype(np.int64)
    found = np.full((regions, *hours.shape), -7.0)
    kernels.region_loads_at(inputs, hours, found)
    np.testing.assert_allclose(
        found, np.where(hours >= 0, twins.region_loads_at_numpy(inputs, hours), -7.0),
        rtol=1e-12, atol=1e-9,
    )  # fmt: skip
    has_peak = hours >= 0
    np.testing.assert_allclose(
        found.sum(axis=0)[has_peak], peaks[layout.AI_AT_TOTAL_PEAK][has_peak], rtol=1e-12,
        atol=1e-9,
    )  # fmt: skip
    assert (found[:, ~has_peak] == -7.0).all()  # an entry without an hour is left as it was


def _without_full_load(inputs):
    """``inputs`` with no full-load bound on shifting: k0 inf and k1 0 (an inf k1 would give
    inf x 0 = NaN in an hour without cooling)."""
    limits = np.zeros_like(inputs.full_load_t)
    limits[:, :, 0] = np.inf
    return inputs._replace(full_load_t=limits)


@pytest.mark.parametrize("fill", ["random", "ties", "nan"])
def test_regions_at_the_peak_with_a_binding_full_load_are_the_streams_own(fill):
    """Shifting fills an hour only up to each region's full load, and curtails what finds no
    room (flexfix); a copy of flexibility's formulas for one draw, without that bound, put the
    regions at the peak up to 8 % off the national AI load there. Here each draw's stress level
    is just below its year's highest total, which then gives way and falls below it, so the
    peak is often an hour the shifted load fills, where the bound binds: the regions' loads at
    the peak differ from the unbounded ones in many draws, are the stream's own hourly values
    (:func:`forecast.kernels.hourly_rows`) and sum to the AI load the stream recorded at the
    peak, draw by draw, bit for bit; the twin agrees."""
    draws, regions, days = 300, 2, 5
    inputs, _, _ = _inputs(
        ("binding", fill), draws=draws, regions=regions, weather_years=3, days=days, fill=fill,
        flex="shift",
    )  # fmt: skip
    plain = twins.stream_values(inputs._replace(flex_share=np.zeros(draws)))
    year_of_hour = np.repeat(inputs.year_of_day, 24)
    levels = np.empty((2, draws))
    for year in range(2):
        totals = np.where(year_of_hour == year, plain[layout.TOTAL_ROW], -np.inf)
        highest = np.nanargmax(totals, axis=1)
        ai = plain[layout.AI_ROW, np.arange(draws), highest]
        levels[year] = totals[np.arange(draws), highest] - 0.5 * inputs.flex_share * ai
    inputs = inputs._replace(stress_level_t=levels)
    peaks = _stream(inputs)[0]
    hours = peaks[layout.TOTAL_PEAK_HOUR].astype(np.int64)
    assert (hours >= 0).all()
    # The bound binds (the twin's values, so that this holds whatever the kernel does).
    bounded = twins.region_loads_at_numpy(inputs, hours)
    unbounded = twins.region_loads_at_numpy(_without_full_load(inputs), hours)
    assert (~np.isclose(bounded, unbounded, rtol=1e-9)).any(axis=0).sum() >= 40  # of 600
    found = np.empty((regions, *hours.shape))
    kernels.region_loads_at(inputs, hours, found)
    by_hour = np.empty((regions, draws, days * 24))
    kernels.hourly_rows(
        inputs, 0, days, np.arange(FIRST_REGION_ROW, FIRST_REGION_ROW + regions),
        np.arange(draws), by_hour,
    )  # fmt: skip
    np.testing.assert_array_equal(
        found, np.take_along_axis(by_hour, hours.T[None], axis=2).transpose(0, 2, 1)
    )
    np.testing.assert_array_equal(found.sum(axis=0), peaks[layout.AI_AT_TOTAL_PEAK])
    np.testing.assert_allclose(found, bounded, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("flex", [None, "curtail", "shift"])
@pytest.mark.parametrize("fill", ["random", "zeros", "ties", "nan", "cool"])
def test_dc_at_the_peak_is_the_kernels_data_centre_row_in_that_hour(fill, flex):
    """The data-centre load in the total's peak hour, found after the stream as the AI load the
    kernel recorded there plus the non-AI load in the hour it recorded (in place of that load,
    so that the hourly pass stores no more than before), is the kernel's own data-centre row
    in that hour, bit for bit: the value the kernel stored until 2026-12-06."""
    draws, days = 300, 5
    inputs, _, _ = _inputs(
        ("dc_at_peak", fill, flex), draws=draws, regions=2, weather_years=3, days=days,
        fill=fill, flex=flex,
    )  # fmt: skip
    peaks = _stream(inputs, blocks=2)
    merged = peaks[0].copy()
    rises = peaks[1, layout.TOTAL_PEAK] > merged[layout.TOTAL_PEAK]
    for statistic in (layout.TOTAL_PEAK, layout.AI_AT_TOTAL_PEAK, layout.TOTAL_PEAK_HOUR):
        merged[statistic][rises] = peaks[1, statistic][rises]
    # [D, Y + 1]: a third year without hours has no peak (hour -1, nothing recorded: 0 MW).
    hours = np.c_[merged[layout.TOTAL_PEAK_HOUR].T, np.full(draws, -1.0)]
    ai_at_peak = np.c_[merged[layout.AI_AT_TOTAL_PEAK].T, np.zeros(draws)]
    assert (hours[:, :2] >= 0).all()
    dc_row = np.empty((1, draws, days * 24))
    kernels.hourly_rows(inputs, 0, days, np.array([layout.DC_ROW]), np.arange(draws), dc_row)
    picked = np.take_along_axis(dc_row[0], np.maximum(hours, 0).astype(np.int64), axis=1)
    weather_of_draw = np.repeat(np.arange(3), np.diff(inputs.group_bounds))
    found = stream._dc_at_peak(
        ai_at_peak, hours, inputs.non_ai_t.transpose(2, 0, 1),
        SimpleNamespace(month_of_hour=inputs.month_of_hour), inputs.cooling_excess_c,
        weather_of_draw,
    )  # fmt: skip
    np.testing.assert_array_equal(found, np.where(hours >= 0, picked, 0.0))


def test_regions_at_the_grid_peak_by_hand():
    """Two regions, one draw, one day. Capital: AI 10 MW flat, non-AI 5 MW; south: AI 20 MW x
    the inference shape (1 at 05:00, 0.5 otherwise), no non-AI load. Baseline 100 MW, 200 MW at
    12:00. The grid peaks at 12:00 (200 + 10 + 10 + 5 = 225 MW), not at the south's own peak
    (05:00): there the capital's AI is 10 MW and the south's 20 x 0.5 = 10 MW, their data
    centres 15 and 10 MW."""
    coef_t = np.zeros((1, 2, 4, 1))
    coef_t[0, 0, 0], coef_t[0, 1, 1] = 10.0, 20.0
    shape = np.full(24, 0.5)
    shape[5] = 1.0
    baseline = np.full(24, 100.0)
    baseline[12] = 200.0
    non_ai_t = np.zeros((1, 4, 1))
    non_ai_t[0, 0] = 5.0
    inputs = _flat_inputs([0.0], baseline_mw=baseline)._replace(
        coef_t=coef_t, inference_shape=shape, non_ai_t=non_ai_t
    )
    peaks = _stream(inputs)[0]
    assert peaks[layout.TOTAL_PEAK, 0, 0] == 225.0
    assert peaks[layout.TOTAL_PEAK_HOUR, 0, 0] == 12.0
    ai = np.empty((2, 1, 1))
    kernels.region_loads_at(inputs, peaks[layout.TOTAL_PEAK_HOUR].astype(np.int64), ai)
    assert ai[:, 0, 0].tolist() == [10.0, 10.0]
    # The non-AI load by region at the same hour, from the engine's coefficients [D, R, M, 4].
    calendar = HourlyCalendar.build(dt.date(2030, 1, 1), dt.date(2030, 1, 1), "Asia/Seoul")
    non_ai_coef = np.zeros((1, 2, 1, 4))
    non_ai_coef[0, 0, 0, 0] = 5.0
    non_ai = non_ai_at_hours(
        non_ai_coef, calendar, np.zeros((1, 24)), np.array([0]), np.array([[12]])
    )
    assert (ai + non_ai)[:, 0, 0].tolist() == [15.0, 10.0]
    # Where the total has no peak (-1), nothing: 0 MW.
    assert non_ai_at_hours(
        non_ai_coef, calendar, np.zeros((1, 24)), np.array([0]), np.array([[-1]])
    ).tolist() == [[[0.0]], [[0.0]]]


def test_draw_day_cuts_every_field_of_the_stream_inputs():
    """``_draw_day`` names each field of :class:`~forecast.kernels.layout.StreamInputs` by
    hand: numba compiles no loop over a NamedTuple's fields that builds another (each field is
    cut along its own axes), so a field added to the inputs and not to ``_draw_day`` would be
    left out, or take its default there (``has_non_ai``), without a word."""
    from forecast.kernels import at_peak

    tree = ast.parse(inspect.getsource(at_peak))
    (draw_day,) = (
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "_draw_day"
    )
    (built,) = (
        node
        for node in ast.walk(draw_day)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "StreamInputs"
    )
    assert not built.args
    assert [keyword.arg for keyword in built.keywords] == list(layout.StreamInputs._fields)


#: A process of its own on a fresh cache: the regions at the peak of a chunk without
#: flexibility, then which of the stream's helpers it compiled.
_PLAIN_COMPILE = (
    PLAIN_INPUTS
    + """
out = np.zeros((regions, 1, draws))
kernels.region_loads_at(inputs, np.array([[5, -1, 23]]), out)
helpers = (stream._hour_values, stream._day_shifts, stream._flex_hour, at_peak._draw_day)
print(json.dumps({
    "out": out.tolist(),
    "compiled": {helper.py_func.__name__: len(helper.signatures) for helper in helpers},
}))
"""
)


@pytest.mark.skipif(bool(numba.config.DISABLE_JIT), reason="counts numba's compiles")
def test_regions_at_the_peak_without_flexibility_compile_none_of_its_helpers(tmp_path):
    """A run without flexibility (the quick start's ``kr-national``) compiles none of
    flexibility's helpers for the regions at the peak: one kernel for both compiled them all
    the same, 3.8 of its 4.8 s of CPU on a fresh cache (2026-12-07). The process starts on an
    empty cache, where a kernel loaded from it would have compiled nothing."""
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", _PLAIN_COMPILE], capture_output=True, text=True, check=True,
        timeout=600, env=environment, cwd=Path(__file__).parents[3],
    )  # fmt: skip
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    # c0 + c1 x 0.5 = 1.5 MW in each region (no cooling), where the hour is -1 left as it was.
    assert found["out"] == [[[1.5, 0.0, 1.5]], [[1.5, 0.0, 1.5]]]
    assert found["compiled"] == {"_hour_values": 1, "_day_shifts": 0, "_flex_hour": 0,
                                 "_draw_day": 0}  # fmt: skip


def _shifting_outlook():
    """kr-outlook-flex with its load shifted within the day instead of curtailed."""
    path = Path(__file__).parents[3] / "data" / "scenarios" / "kr-outlook-flex.toml"
    data = tomllib.loads(path.read_text())
    data["id"] = "kr-outlook-shift"
    data["flexibility"]["mode"] = "shift"
    return parse_scenario(data, directory=path.parent)


@pytest.mark.parametrize("draws", [8, 150])  # the NumPy twins, then the numba kernels
@pytest.mark.parametrize("scenario", ["kr-outlook", "kr-outlook-flex", "shift"])
def test_regions_at_the_grid_peak_sum_to_the_national_figures(scenario, draws):
    """kr-outlook's two regions (capital, non-capital: connection queues on one grid): each
    region's AI and data-centre load in the grid's peak hour sums to the national figure draw
    by draw, in GW, with and without flexibility, curtailed or shifted (up to the full load),
    in the stress hours of the whole year the two months lie in; no region's is above the
    national one."""
    options = ProjectionOptions(
        draws=draws, seed=3, weather="typical", resolution="annual", per_draw=True,
        start=dt.date(2030, 7, 1), end=dt.date(2030, 8, 31),
    )  # fmt: skip
    # Flexibility's first pass ranks the hours of the whole year too (forecast.engine.project).
    hours = (62 + (0 if scenario == "kr-outlook" else 365)) * 24
    assert (draws * hours <= kernels.NUMPY_WORK_LIMIT) == (draws == 8)
    dataset = project(_shifting_outlook() if scenario == "shift" else load_scenario(scenario),
                      options)  # fmt: skip
    for national in ("ai_at_national_peak_gw", "dc_at_national_peak_gw"):
        regional = dataset[f"{national}_by_region_per_draw"]
        assert regional.sizes["region"] == 2
        np.testing.assert_allclose(
            regional.sum("region").values, dataset[f"{national}_per_draw"].values, rtol=1e-12
        )
        assert (regional <= dataset[f"{national}_per_draw"] * (1 + 1e-12)).all()
        summary = dataset[f"{national}_by_region"]
        assert summary.attrs["units"] == "GW"
        assert summary.dims == ("region", "year", "quantile")
        assert (summary.sel(quantile=0.5) > 0).all()


def test_the_by_region_tables_and_the_export_show_them():
    """``forecast project``'s by-region table, the report's regions section and the CSV/Parquet
    table carry the regions' loads at the grid's peak, in GW, for each region."""
    from forecast.cli.project import region_table
    from forecast.io.export import tidy_frame
    from forecast.report.html import regions_section

    options = ProjectionOptions(
        draws=20, seed=3, weather="typical", resolution="annual",
        start=dt.date(2030, 7, 1), end=dt.date(2030, 8, 31),
    )  # fmt: skip
    dataset = project(load_scenario("kr-outlook"), options)
    table = region_table(dataset)
    assert "load in the grid's peak hour by region" in table
    assert "AI GW" in table and "all data centres GW" in table
    assert "total peak [GW]" in regions_section(dataset)
    frame = tidy_frame(dataset)
    rows = frame[frame["variable"] == "dc_at_national_peak_gw_by_region"]
    assert set(rows["region"]) == {"capital", "non_capital"}
    assert set(rows["unit"]) == {"GW"}


def test_a_comparison_differences_the_regions_at_the_grid_peak_draw_by_draw():
    """kr-outlook against its flexible variant (the same two regions): each region's AI and
    data-centre load in the grid's peak hour is differenced draw by draw, as the regions'
    energies are, in GW; the regions' differences add up to the national one draw by draw
    (so their means do), and the reference's difference from itself is 0 in every draw."""
    from forecast.outputs import REGIONAL_DIFFERENCES
    from forecast.sweep import compare as comparisons

    options = ProjectionOptions(
        draws=20, seed=3, weather="typical", resolution="annual",
        start=dt.date(2030, 7, 1), end=dt.date(2030, 8, 31),
    )  # fmt: skip
    scenarios = [load_scenario("kr-outlook"), load_scenario("kr-outlook-flex")]
    compared = comparisons.compare(scenarios, options)
    flexible = compared.sel(scenario="kr-outlook-flex")
    for national in ("ai_at_national_peak_gw", "dc_at_national_peak_gw"):
        name = f"{national}_by_region"
        assert name in REGIONAL_DIFFERENCES
        difference = compared[f"{name}_difference"]
        assert difference.attrs["units"] == "GW"
        assert set(difference.dims) == {"scenario", "region", "year", "quantile"}
        assert not difference.sel(scenario="kr-outlook").any()
        regional = flexible[f"{name}_difference_mean"]
        assert (regional < 0).all()  # flexibility gives way in the grid's stress hours
        np.testing.assert_allclose(
            regional.sum("region"), flexible[f"{national}_difference_mean"], rtol=1e-9
        )
        # The mean of the draws' differences is the difference of the means.
        means = compared[f"{name}_mean"]
        np.testing.assert_allclose(
            regional, means.sel(scenario="kr-outlook-flex") - means.sel(scenario="kr-outlook"),
            rtol=1e-9, atol=1e-12,
        )  # fmt: skip
