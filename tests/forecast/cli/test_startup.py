"""The speed a user feels, tested structurally: what ``forecast --help``, ``--version``, every
command's ``--help`` and a malformed option load. They took 1-2 s because the command modules
imported the engine (xarray, pandas, numpy) to build the help; each command now imports what
it computes with inside its function. No timing is asserted: the modules loaded are the cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: What a command must not load before it computes (numba: seconds; the others: 0.1-0.5 s each
#: on the 2-core development machine).
HEAVY = ("numba", "xarray", "pandas", "numpy", "scipy", "matplotlib", "dask", "cryptography")

#: Runs each argv in one fresh process, one after the other, and records per argv its status
#: and the heavy modules loaded so far: every command of the app is listed from the app
#: itself, so a command added later is covered.
_SCRIPT = """
import contextlib, io, json, sys
import typer
from forecast.cli import app, main

heavy = {heavy!r}
extra = {extra!r}

def commands(group, path):
    for name, command in sorted(group.commands.items()):
        yield [*path, name]
        if hasattr(command, "commands"):
            yield from commands(command, [*path, name])

group = typer.main.get_command(app)
runs = [["--help"], ["--version"]]
runs += [[*path, "--help"] for path in commands(group, [])]
runs += extra
seen = {{}}
for argv in runs:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    loaded = [name for name in heavy if name in sys.modules]
    seen[" ".join(argv)] = [status, loaded, err.getvalue()]
print(json.dumps(seen))
"""

#: Malformed options: refused while the command line is read, before any heavy import.
MALFORMED = [
    ["project", "kr-national", "--draws", "many"],
    ["project", "kr-national", "--seed", "1.5"],
    ["project", "kr-national", "--start", "2030-02-30"],
    ["project", "kr-national", "--quantiles", "0.5,x"],
    ["project", "kr-national", "--duration-curves", "--duration-draws", "q"],
    ["compare", "kr-national", "kr-outlook", "--end", "31/12/2030"],
    ["sweep", "kr-national", "--start", "soon"],
    ["plot", "kr-national", "--out", "x.png", "--draws", "1e3"],
    ["project", "kr-national", "--no-such-option"],
]


def _run(extra: list[list[str]]) -> dict[str, list]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(heavy=HEAVY, extra=extra)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_and_version_load_no_heavy_module():
    """``forecast --help``, ``--version`` and every command's ``--help`` (``project``,
    ``scenarios show``, ...) answer with status 0 and none of numba, xarray, pandas, numpy."""
    seen = _run([])
    assert "project --help" in seen and "scenarios show --help" in seen, sorted(seen)
    for argv, (status, loaded, _) in seen.items():
        assert status == 0, argv
        assert loaded == [], f"forecast {argv} loaded {', '.join(loaded)}"


def test_a_malformed_option_is_refused_in_one_line_before_any_heavy_import():
    """``--draws many`` was refused only after the scenario was loaded and the engine imported
    (1.6 s); it is refused while the command line is read, status 2, one line naming it."""
    seen = _run(MALFORMED)
    for argv in MALFORMED:
        status, loaded, stderr = seen[" ".join(argv)]
        assert status == 2, (argv, stderr)
        assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
        option = argv[-1] if argv[-1].startswith("--") else argv[-2]
        assert option in stderr, stderr
        assert loaded == [], f"forecast {' '.join(argv)} loaded {', '.join(loaded)}"


def test_python_dash_m_forecast_runs_the_command():
    """``python -m forecast`` failed ('forecast' is a package and cannot be directly executed);
    ``python -m forecast.cli`` worked. Both are the ``forecast`` command."""
    done = subprocess.run(
        [sys.executable, "-m", "forecast", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("forecast 0.1.0+src."), done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "forecast", "project", "kr-national", "--draws", "many"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr == "error: --draws = 'many': allowed: an integer 1..100,000\n"


#: The benchmark's "first result" (tests/benchmarks/bench_projection.py FIRST_RUN, the warm
#: start measured in README "Performance"), and a scenario whose summary prints every kind of
#: table (sectors, grid, sites, flexibility, its calendar, the non-AI growth note) with its
#: duration curves. Neither computes with Dask.
PROJECTIONS = {
    "first-run": ["project", "kr-national", "--draws", "100", "--start", "2030-01-01",
                  "--end", "2030-01-31", "--no-baseline", "--weather", "typical"],
    "every-table": ["project", "kr-outlook-flex", "--draws", "100", "--start", "2030-01-01",
                    "--end", "2030-01-31", "--duration-curves", "--per-draw"],
}  # fmt: skip


def _modules_loaded(argv: list[str], modules: tuple[str, ...], printed: str = "") -> str:
    """Run ``forecast`` with ``argv`` in a process of its own (status 0, and ``printed`` in what
    it printed) and give which of ``modules`` it loaded, as the list's repr."""
    script = (
        "import contextlib, io, sys\n"
        "from forecast.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    status = main({argv!r})\n"
        "assert status == 0, status\n"
        f"assert {printed!r} in out.getvalue(), out.getvalue()\n"
        f"print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


#: The optional modules each projection may load: the first run, without the baseline, checks
#: no artifact signature and so needs no ``cryptography``; a run with the baseline checks its
#: model's signature with it.
MAY_LOAD = {"first-run": [], "every-table": ["cryptography"]}


@pytest.mark.parametrize("case", sorted(PROJECTIONS))
def test_a_projection_and_its_printed_summary_load_no_dask(case, tmp_path):
    """``forecast project`` with its summary printed (not ``--quiet``) loads neither dask nor
    distributed. xarray imports dask.array (and with it scipy) the first time it asks whether
    values are a dask array: on building a Variable off its fast path, on a label selection
    (``.sel``, whose 0-d coordinate is such a Variable), a reduction or ``.to_numpy()``. The
    summary tables' ``.sel`` cost the warm start 0.35 s of CPU (1.19 -> 0.85 s of user time,
    ``--quiet`` against not, 2026-12-07); they read by position now
    (:func:`forecast.outputs.values_at`), and the duration curves build their Variables on the
    fast path (:func:`forecast.engine.dataset.numpy_variable`).

    Nor does a projection without the baseline load ``cryptography`` (36 modules, 11 ms under
    ``python -X importtime``): the artifacts' module imported the signature checks, and they
    imported it, with every projection (2026-12-07). One with the baseline
    still checks its model's signature with it (:data:`MAY_LOAD`)."""
    argv = [*PROJECTIONS[case], "--out", str(tmp_path / "p.csv")]
    loaded = _modules_loaded(
        argv, ("cryptography", "dask", "distributed"), printed="spread drivers of"
    )
    assert loaded == repr(MAY_LOAD[case]), loaded


#: ``forecast export-grid`` of the first run's month: representative draws of a scenario with
#: grid limits, flexibility and regions (ranked, their drawn inputs and curtailment read per
#: draw).
GRID_EXPORT = ["export-grid", "kr-outlook-flex", "--format", "pypsa", "--draws", "2",
               "--sample", "100", "--start", "2030-01-01", "--end", "2030-01-31"]  # fmt: skip


def test_a_small_grid_export_loads_no_dask(tmp_path):
    """``forecast export-grid`` loads neither dask nor distributed for an export it never
    computes on Dask: ranking the draws read every draw's values with ``.to_numpy()`` and a
    region's with ``.sel``, each asking whether the values are a dask array, which imports it
    (with scipy); they read the NumPy arrays as they are now
    (:func:`forecast.outputs.numpy_values`, :func:`forecast.outputs.values_at`)."""
    argv = [*GRID_EXPORT, "--out", str(tmp_path / "export")]
    loaded = _modules_loaded(argv, ("dask", "distributed"), printed="wrote ")
    assert (tmp_path / "export" / "export.json").is_file()
    assert loaded == "[]", loaded


#: What the first run has no use for: the comparison's module (its tables are ``forecast
#: compare``'s; the fixed-width text of the summary's site tables is
#: :func:`forecast.outputs.text_table`) with the sweep package it sits in, and, without the
#: baseline, the baseline model's module and its features.
FIRST_RUN_UNUSED = (
    "forecast.sweep",
    "forecast.sweep.compare",
    "forecast.baseline.model",
    "forecast.baseline.features",
)


def test_the_first_run_loads_no_comparison_and_no_baseline_model(tmp_path):
    """The warm start's command (:data:`PROJECTIONS` ``first-run``, its summary printed) loads
    neither :mod:`forecast.sweep.compare` (with the sweep's regions, sites and stacking; its
    site tables imported ``text_table`` from there) nor, run with ``--no-baseline``,
    :mod:`forecast.baseline.model` (imported for the baseline's warm-up hours, which a run
    without a baseline does not take). Both were loaded until 2026-12-07 (1.6 and 4.7 ms of CPU
    to import them, at load 10)."""
    argv = [*PROJECTIONS["first-run"], "--out", str(tmp_path / "p.csv")]
    loaded = _modules_loaded(argv, FIRST_RUN_UNUSED, printed="each site's AI load")
    assert loaded == "[]", loaded


#: ``forecast plot`` figures drawn from NumPy arrays read by position: the report figure (the
#: default, ``fan``), the load duration curves and energy by region, on the first run's month.
PLOTS = {
    kind: ["plot", "kr-outlook", "--kind", kind, "--draws", "100", "--start", "2030-01-01",
           "--end", "2030-01-31", "--no-baseline", "--weather", "typical"]
    for kind in ("fan", "duration", "regions")
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(PLOTS))
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_a_figure_loads_no_dask(kind, suffix, tmp_path):
    """``forecast plot`` loads neither dask nor distributed: its figures and their alt text
    read the quantiles with ``.sel(quantile=..., method="nearest")`` and ``.to_numpy()``, which
    ask whether the values are a dask array and so import it (0.35 s of CPU with scipy); they
    read by position now (:func:`forecast.outputs.values_at`,
    :func:`forecast.outputs.numpy_values`), the figures unchanged."""
    out = tmp_path / f"figure{suffix}"
    argv = [*PLOTS[kind], "--quiet", "--out", str(out)]
    loaded = _modules_loaded(argv, ("dask", "distributed"))
    assert out.stat().st_size > 0
    assert loaded == "[]", loaded


#: ``forecast report`` on the first run's month, one scenario (its annual, duration, peak-hour,
#: regions, drivers and checks tables, their figures and alt text) and two, whose side-by-side
#: section stacks them as ``forecast compare`` does (:func:`forecast.sweep.compare.combine`).
REPORTS = {
    "one-scenario": ["report", "kr-national", "--draws", "100", "--start", "2030-01-01",
                     "--end", "2030-01-31", "--no-baseline", "--weather", "typical"],
    "two-scenarios": ["report", "kr-national", "kr-outlook", "--draws", "100", "--start",
                      "2030-01-01", "--end", "2030-01-31", "--no-baseline", "--weather",
                      "typical"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REPORTS))
def test_a_report_loads_no_dask(case, tmp_path):
    """``forecast report`` loads neither dask nor distributed: its tables read the quantiles
    by position (``duration_table``, ``peak_hours_tables``, ``regions_section``,
    ``checks_section``: ``.sel``, ``.max()``, ``.to_numpy()`` imported dask, 0.35 s of CPU
    with scipy), the peak-hour alt text sums with NumPy, and the scenarios' draw-by-draw
    differences (:func:`forecast.sweep.compare.project_scenarios`, which every report runs)
    subtract by position. Two scenarios are stacked with NumPy
    (:func:`forecast.sweep.stacking.stack`, not ``xr.concat``) and their comparison figure and
    alt text read by position (they loaded dask until 2026-12-07)."""
    out = tmp_path / "report.html"
    argv = [*REPORTS[case], "--quiet", "--out", str(out)]
    loaded = _modules_loaded(argv, ("dask", "distributed"))
    assert out.stat().st_size > 0
    assert loaded == "[]", loaded


#: ``forecast compare`` of two shipped scenarios whose sites, load sites and spread-driver
#: inputs differ (so their stack joins every index), with its summary printed, on the first
#: run's month; and three at annual resolution over two years, one with flexibility (its month
#: x hour tables) and one with non-AI loads (``dc_input``), each with its baseline.
COMPARISONS = {
    "two-shipped": ["compare", "kr-national", "kr-outlook", "--draws", "100", "--start",
                    "2030-01-01", "--end", "2030-01-31", "--no-baseline", "--weather",
                    "typical"],
    "three-annual": ["compare", "kr-outlook", "kr-outlook-flex", "kr-dc-pipeline", "--draws",
                     "50", "--start", "2030-01-01", "--end", "2031-12-31", "--resolution",
                     "annual"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(COMPARISONS))
def test_a_comparison_and_its_printed_summary_load_no_dask(case, tmp_path):
    """``forecast compare`` writing its tidy table, with its summary printed, loads neither
    dask nor distributed. It loaded dask (0.35 s of CPU with scipy, 2026-12-07): stacking the
    scenarios with ``xr.concat`` (an outer join on every index) asked some 250 times whether
    values are a dask array; the stack is built from the NumPy arrays now
    (:func:`forecast.sweep.stacking.stack`, the same Dataset), and the table, its metadata,
    the site coordinates and the printed tables read by position."""
    out = tmp_path / "comparison.csv"
    argv = [*COMPARISONS[case], "--out", str(out)]
    loaded = _modules_loaded(argv, ("dask", "distributed"), printed=" minus ")
    assert out.stat().st_size > 0
    assert loaded == "[]", loaded


def test_a_projection_written_as_netcdf_loads_no_distributed(tmp_path):
    """``forecast project ... --out x.nc`` does not load ``dask.distributed``: xarray's
    ``to_netcdf`` asked Dask for the scheduler in use to pick its write lock, which imported
    distributed (0.8 s) until 2026-12-07. The file is written through xarray's own store and
    encoding (:func:`forecast.io.export.write_h5netcdf`), the same bytes
    (tests/forecast/io/test_netcdf_cf.py). xarray's CF encoding still asks whether values are
    dask arrays, which loads dask's core (about 0.1 s)."""
    out = tmp_path / "p.nc"
    argv = [*PROJECTIONS["first-run"], "--quiet", "--out", str(out)]
    loaded = _modules_loaded(argv, ("distributed",))
    assert out.stat().st_size > 0
    assert loaded == "[]", loaded
