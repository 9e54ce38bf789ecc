"""``forecast sweep --one-at-a-time``: the base and one input moved at a time, their swing, the
tornado; on a real one-worker Dask ``LocalCluster`` (:func:`forecast.sweep.variants.dask_client`,
the command's own code path)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.kernels._jit import COMPILE_NOTICE
from forecast.outputs import quantile_at
from forecast.projection import ProjectionOptions, project
from forecast.scenario import parse_scenario
from forecast.sweep import swing
from forecast.sweep import variants as sweeps

OPTIONS = ProjectionOptions(
    draws=16,
    seed=11,
    start=dt.date(2025, 6, 1),
    end=dt.date(2025, 8, 31),
    include_baseline=False,
    weather="typical",
)


def test_oat_design_is_the_base_then_one_input_at_a_time(small):
    _, scenario = small
    variations = [
        sweeps.parse_variation("operations.pue=1.2,1.4"),
        sweeps.parse_variation("plan.scale=0.5,1,2"),
        sweeps.parse_variation("sites[0].capacity_mw=4,8"),
    ]
    variants = sweeps.build_variants(scenario, variations, OPTIONS, design="oat")

    # plan.scale=1 is the base: run once, not twice.
    assert [(v.moves, v.settings) for v in variants] == [
        ("base", {"operations.pue": "base", "plan.scale": 1, "sites[0].capacity_mw": 5}),
        ("operations.pue", {"operations.pue": 1.2, "plan.scale": 1, "sites[0].capacity_mw": 5}),
        ("operations.pue", {"operations.pue": 1.4, "plan.scale": 1, "sites[0].capacity_mw": 5}),
        ("plan.scale", {"operations.pue": "base", "plan.scale": 0.5, "sites[0].capacity_mw": 5}),
        ("plan.scale", {"operations.pue": "base", "plan.scale": 2, "sites[0].capacity_mw": 5}),
        (
            "sites[0].capacity_mw",
            {"operations.pue": "base", "plan.scale": 1, "sites[0].capacity_mw": 4},
        ),
        (
            "sites[0].capacity_mw",
            {"operations.pue": "base", "plan.scale": 1, "sites[0].capacity_mw": 8},
        ),
    ]
    assert variants[0].stands_for == ("plan.scale",)
    assert variants[0].scenario.operations.pue == scenario.operations.pue
    # Only the moved input differs from the base.
    assert variants[1].scenario.sites == scenario.sites
    assert variants[1].scenario.deployments == scenario.deployments
    assert variants[5].scenario.operations == scenario.operations
    assert variants[4].scenario.deployments[0].milestones[1].count == 10000


def test_oat_swing_equals_serial_projections(client, small):
    _, scenario = small
    variations = [
        sweeps.parse_variation("operations.pue=1.2,1.4"),
        sweeps.parse_variation("plan.scale=0.5,1,2"),
    ]
    result = sweeps.sweep(scenario, variations, OPTIONS, client=client, design="oat")
    table = swing.swing_table(result)

    data = scenario.model_dump(mode="json")

    def p50(data: dict) -> float:
        dataset = project(parse_scenario(data, origin="expected"), OPTIONS)
        return quantile_at(dataset["ai_energy_twh"].sel(year=2025), 0.5)

    base = p50(data)
    pue = [p50(data | {"operations": data["operations"] | {"pue": v}}) for v in (1.2, 1.4)]
    half = json.loads(json.dumps(data))
    for milestone in half["deployments"][0]["milestones"]:
        milestone["count"] *= 0.5
    double = json.loads(json.dumps(data))
    for milestone in double["deployments"][0]["milestones"]:
        milestone["count"] *= 2
    scale = [p50(half), base, p50(double)]

    assert list(table.columns) == list(swing.SWING_COLUMNS)
    assert table["output"].tolist() == ["ai_energy_twh"] * 2
    assert table["year"].tolist() == [2025, 2025]
    rows = {row.input: row for row in table.itertuples()}
    assert rows["operations.pue"].swing == pytest.approx(max(pue) - min(pue))
    assert rows["plan.scale"].swing == pytest.approx(max(scale) - min(scale))
    assert rows["plan.scale"].low_value == "0.5"
    assert rows["plan.scale"].high_value == "2.0"
    assert rows["operations.pue"].high_change == pytest.approx(max(pue) - base)
    assert (table["base_p50"] == base).all()
    # Ranked by swing, largest first.
    assert table["rank"].tolist() == [1, 2]
    assert table["swing"].is_monotonic_decreasing


def test_sweep_summary_shows_ai_at_the_peak_and_flexibility(client, small):
    """As forecast project's summary does (report L1): the AI load at the grid's peak, and
    the flexibility block's AI at the peak with and without flexibility."""
    from forecast.cli.sweep import summary_table

    _, scenario = small
    variations = [sweeps.parse_variation("operations.pue=1.2,1.4")]
    result = sweeps.sweep(scenario, variations, OPTIONS, client=client)
    at_peak = result["ai_peak_gw"] * 0.9
    result = result.assign(
        ai_at_national_peak_gw=at_peak,
        ai_at_national_peak_gw_without_flexibility=result["ai_peak_gw"],
        flexibility_curtailed_twh=result["ai_energy_twh"] * 0.01,
    )
    text = summary_table(result).splitlines()
    header = text[1]
    # The small scenario's AI load stays below 1 GW: its columns print in MW.
    assert "AI at peak MW" in header
    flexibility = text.index("flexibility")
    assert "AI at peak MW without" in text[flexibility + 1]
    assert "AI at peak MW with" in text[flexibility + 1].replace("without", "")


def test_cli_oat_prints_and_writes_the_swing_and_plots_a_tornado(client, small, tmp_path, capsys):
    path, _ = small
    out = tmp_path / "oat.csv"
    address = client.scheduler_info()["address"]
    command = [
        "sweep", str(path), "--one-at-a-time", "--vary", "operations.pue=1.2,1.4",
        "--vary", "plan.scale=0.5,2", "--scheduler", address, "--draws", "8",
        "--start", "2025-07-01", "--end", "2026-07-31", "--resolution", "annual",
        "--weather", "typical", "--no-baseline", "--years", "2025,2026", "--out", str(out),
    ]  # fmt: skip
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "one-at-a-time swing of AI energy [TWh] in 2025" in printed
    assert "common random numbers" in printed
    written = tmp_path / "oat_swing.csv"
    assert f"wrote {written} (swing)" in printed

    frame = pd.read_csv(out)
    assert list(frame.columns[:4]) == ["variant", "oat_input", "operations.pue", "plan.scale"]
    table = pd.read_csv(written)
    assert list(table.columns) == list(swing.SWING_COLUMNS)
    assert sorted(set(table["year"])) == [2025, 2026]
    meta = json.loads((tmp_path / "oat_swing.csv.meta.json").read_text())
    assert meta["units"] == {"ai_energy_twh": "TWh"}
    assert meta["attrs"]["sweep_design"] == "one-at-a-time"
    assert "common random numbers" in meta["random_numbers"]

    figure = tmp_path / "tornado.png"
    assert main(["plot", str(written), "--kind", "tornado", "--out", str(figure)]) == 0
    from PIL import Image

    with Image.open(figure) as image:
        info = dict(image.info)
    assert "one input at a time" in info["Title"]
    assert "operations.pue" in info["Description"]
    assert info["Source"].startswith("Source: scenario small (sha256 ")
    # A year the table lacks, in every year option's words (was "the swing table has ...").
    capsys.readouterr()
    absent = ["plot", str(written), "--kind", "tornado", "--years", "2030", "--out", str(figure)]
    assert main(absent) == 2
    assert "error: --years = 2030: allowed: a year of 2025, 2026 (the swing table's; " in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--years", "2030"], "--years = 2030: allowed: a year 2025..2025 (the sweep's period)"),
        (["--quantiles", "0.1,0.9"], "a swing compares P50s; allowed: quantiles with 0.5"),
        (["--swing-out", "x.json"], "--swing-out = 'x.json': allowed: a .csv file name"),
        (["--connect-timeout", "x"], "--connect-timeout = 'x': allowed: a number of seconds"),
    ],
)
def test_cli_oat_bad_input_exits_2_before_any_cluster(small, tmp_path, capsys, extra, message):
    path, _ = small
    command = ["sweep", str(path), "--one-at-a-time", "--vary", "operations.pue=1.2,1.4",
               "--start", "2025-07-01", "--end", "2025-07-31", "--no-baseline",
               "--out", str(tmp_path / "o.csv"), *extra]  # fmt: skip
    assert main(command) == 2
    assert message in capsys.readouterr().err


def test_cli_swing_options_need_one_at_a_time(small, tmp_path, capsys):
    path, _ = small
    command = ["sweep", str(path), "--vary", "operations.pue=1.2,1.4", "--years", "2025",
               "--out", str(tmp_path / "o.csv")]  # fmt: skip
    assert main(command) == 2
    assert "--years = '2025': allowed only with --one-at-a-time" in capsys.readouterr().err


def test_plot_tornado_refuses_a_file_that_is_not_a_swing_table(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    out = str(tmp_path / "t.png")
    assert main(["plot", str(path), "--kind", "tornado", "--out", out]) == 2
    assert "other.csv.meta.json' does not exist" in capsys.readouterr().err


def test_workers_default_to_one_per_two_cores_and_at_most_one_per_variant():
    assert sweeps.default_workers(3, cores=2) == 1
    assert sweeps.default_workers(3, cores=16) == 3
    assert sweeps.default_workers(20, cores=16) == 8
    assert sweeps.default_workers(5, cores=1) == 1


def _say_compiling() -> None:
    """What a worker's first compile says (the numba listener's log call,
    :class:`forecast.kernels._jit._CompileNotice`), twice: as two workers do."""
    for _ in range(2):
        logging.getLogger("forecast").info(COMPILE_NOTICE)


def test_workers_compile_notice_reaches_the_command_once():
    logger = logging.getLogger("forecast")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with sweeps.dask_client(workers=1) as connected:
            connected.submit(_say_compiling, pure=False).result()
            deadline = time.monotonic() + 10
            while COMPILE_NOTICE not in stream.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert stream.getvalue().count(COMPILE_NOTICE) == 1


def test_large_output_is_announced_before_the_sweep(capsys):
    from forecast.cli.options import warn_large_output
    from forecast.scenario import load_scenario

    scenario = load_scenario("kr-outlook")
    hourly = ProjectionOptions(
        draws=200, start=dt.date(2030, 1, 1), end=dt.date(2031, 12, 31)
    ).validated(scenario)
    warn_large_output(scenario, hourly, Path("s.csv"), None, variants=4)
    line = capsys.readouterr().err
    # 4 variants x 17,520 hours x 5 quantiles x (AI, 2 regions, baseline, total, non-AI, all
    # data centres) = 2,452,800 rows, about 245 MB of CSV (the analyst's 213 MB, report M4).
    assert line.startswith("note: this sweep will write about 245 MB (2,452,800 rows of hourly csv")
    assert "--resolution annual" in line and ".parquet about 18 MB" in line
    annual = ProjectionOptions(
        draws=200, start=dt.date(2030, 1, 1), end=dt.date(2031, 12, 31), resolution="annual"
    ).validated(scenario)
    warn_large_output(scenario, annual, Path("s.csv"), None, variants=4)
    assert capsys.readouterr().err == ""


def test_estimated_size_is_near_the_written_size(small, tmp_path):
    from forecast.io import export

    _, scenario = small
    options = ProjectionOptions(
        draws=8, start=dt.date(2025, 6, 1), end=dt.date(2025, 7, 31), include_baseline=False,
        weather="typical",
    ).validated(scenario)  # fmt: skip
    path = export.write(project(scenario, options), tmp_path / "h.csv")
    # AI and each of the 2 regions' AI load, a row per hour and quantile.
    rows = export.period_steps(options.start, options.end, "hourly") * 5 * 3
    estimate = export.estimated_size_bytes(rows, "csv")
    assert 0.7 < estimate / path.stat().st_size < 1.3
    assert np.isfinite(estimate)
