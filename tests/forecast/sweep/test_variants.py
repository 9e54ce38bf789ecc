"""``forecast sweep``: the grid of variants on a 2-worker Dask ``LocalCluster``.

The cluster (two worker processes, one thread each, no dashboard) is started once for the
module through :func:`forecast.sweep.variants.dask_client`, the same code path as the CLI's default
(the sweep tests' ``client`` fixture, here with two workers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.cli import main
from forecast.errors import OptionsError, ScenarioError
from forecast.io import export
from forecast.projection import ProjectionOptions, project, scenario_digest
from forecast.scenario import parse_scenario
from forecast.sweep import variants as sweeps

# Short and small so that the serial reference runs are cheap: three summer months, 16 draws.
OPTIONS = ProjectionOptions(
    draws=16,
    seed=11,
    start=dt.date(2025, 6, 1),
    end=dt.date(2025, 8, 31),
    include_baseline=False,
    weather="typical",
)
PUE_LEVELS = (1.2, 1.4)
BUILD_PROBABILITY_LEVELS = (0.5, 1.0)


@pytest.fixture(scope="module")
def dask_workers() -> int:
    """Two workers: the sweep's variants are spread over processes, as the CLI's are."""
    return 2


def _expected_variant(scenario, pue: float, build_probability: float):
    """The variant built by hand, independently of the sweep's NAME handling."""
    data = scenario.model_dump(mode="json")
    data["operations"]["pue"] = {"dist": "fixed", "value": pue}
    data["sites"][0]["build_probability"] = {"dist": "fixed", "value": build_probability}
    return parse_scenario(data, origin="expected")


def test_local_cluster_has_two_single_threaded_workers(client):
    assert sorted(client.nthreads().values()) == [1, 1]


def test_sweep_equals_serial_runs_exactly(client, small):
    _, scenario = small
    variations = [
        sweeps.parse_variation("operations.pue=" + ",".join(map(str, PUE_LEVELS))),
        sweeps.parse_variation(
            "sites[0].build_probability=" + ",".join(map(str, BUILD_PROBABILITY_LEVELS))
        ),
    ]
    result = sweeps.sweep(scenario, variations, OPTIONS, client=client)

    assert result.sizes["variant"] == 4
    grid = [(p, b) for p in PUE_LEVELS for b in BUILD_PROBABILITY_LEVELS]
    np.testing.assert_array_equal(result["operations.pue"].values, [p for p, _ in grid])
    np.testing.assert_array_equal(result["sites[0].build_probability"].values, [b for _, b in grid])
    for position, (pue, build_probability) in enumerate(grid):
        expected_scenario = _expected_variant(scenario, pue, build_probability)
        expected = project(expected_scenario, OPTIONS)
        got = result.isel(variant=position)
        assert set(got.data_vars) == set(expected.data_vars)
        for name in expected.data_vars:
            np.testing.assert_array_equal(got[name].values, expected[name].values, err_msg=name)
        np.testing.assert_array_equal(got["time"].values, expected["time"].values)
        assert str(got["scenario_sha256"].values) == scenario_digest(expected_scenario)
    # The grid really varies: a higher PUE gives more facility load at the same draws.
    facility = result["ai_facility_mw"].sel(quantile=0.5)
    assert float(facility.isel(variant=3).mean()) > float(facility.isel(variant=1).mean())
    assert result.attrs["seed"] == OPTIONS.seed


def test_variants_set_nested_fields_and_options(small):
    _, scenario = small
    variants = sweeps.build_variants(
        scenario,
        [
            sweeps.parse_variation("deployments[0].milestones[1].count=3000,7000"),
            sweeps.parse_variation("draws=4,8"),
        ],
        OPTIONS,
    )
    assert [v.scenario.deployments[0].milestones[1].count for v in variants] == [
        3000,
        3000,
        7000,
        7000,
    ]
    assert [v.options.draws for v in variants] == [4, 8, 4, 8]
    assert {v.options.seed for v in variants} == {OPTIONS.seed}  # common random numbers
    assert variants[0].scenario.deployments[0].milestones[0].count == 1000  # untouched


def test_cli_sweep_csv_and_netcdf_through_scheduler_address(client, small, tmp_path, capsys):
    path, scenario = small
    address = client.scheduler_info()["address"]
    common = [
        "sweep", str(path), "--vary", "operations.pue=1.2,1.4", "--scheduler", address,
        "--draws", "8", "--seed", "5", "--start", "2025-07-01", "--end", "2025-07-31",
        "--resolution", "daily", "--weather", "typical", "--no-baseline", "--quiet",
    ]  # fmt: skip
    csv_path, netcdf_path = tmp_path / "sweep.csv", tmp_path / "sweep.nc"
    assert main([*common, "--out", str(csv_path)]) == 0
    assert main([*common, "--out", str(netcdf_path), "--format", "netcdf"]) == 0
    capsys.readouterr()

    frame = pd.read_csv(csv_path)
    # The small scenario's announced site has site rows (its region has no connection limit).
    site = ["site", *export.SITE_COORDINATE_COLUMNS]
    assert list(frame.columns) == ["variant", "operations.pue", *export.CSV_COLUMNS, *site]
    assert sorted(frame["variant"].unique()) == [0, 1]
    assert frame.groupby("variant")["operations.pue"].unique().map(list).tolist() == [
        [1.2],
        [1.4],
    ]
    options = ProjectionOptions(
        draws=8, seed=5, start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31),
        resolution="daily", weather="typical", include_baseline=False,
    )  # fmt: skip
    data = scenario.model_dump(mode="json")
    data["operations"]["pue"] = 1.4
    expected = export.tidy_frame(project(parse_scenario(data), options))
    written = frame[frame["variant"] == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        written[list(export.CSV_COLUMNS[:-2])], expected[list(export.CSV_COLUMNS[:-2])]
    )
    # The CSV holds 9 significant digits.
    np.testing.assert_allclose(written["value"], expected["value"], rtol=1e-8)

    with xr.open_dataset(netcdf_path, engine="h5netcdf") as stored:
        assert stored.sizes["variant"] == 2
        np.testing.assert_array_equal(stored["operations.pue"].values, [1.2, 1.4])
        assert stored.attrs["sweep_varied"] == "operations.pue"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--vary", "operations.foo=1,2"], ["operations.foo", "no field 'foo'", "allowed:", "pue"]),
        (["--vary", "nothing=1"], ["'nothing'", "allowed:", "draws, seed, weather"]),
        (["--vary", "sites[3].capacity_mw=1"], ["sites has 2 entries", "allowed index: 0..1"]),
        (
            ["--vary", "horizon.end=2026-01-01"],
            [
                "horizon fixes the period",
                "--start/--end",
                "allowed: a field other than schema_version,",
            ],
        ),
        (["--vary", "operations.pue"], ["'operations.pue': allowed: NAME=V1,V2,..."]),
        (["--vary", "operations.pue=1.2,"], ["operations.pue: an empty value; allowed:"]),
        (["--vary", "operations.pue=1.2,1.2"], ["[1.2, 1.2] repeat; allowed: each once"]),
        (["--vary", "seed=1.5"], ["--vary seed: values [1.5]: allowed: integers"]),
        (["--vary", "operations.=1"], ["ends with a dot; allowed: a field after each dot"]),
        (
            ["--vary", "operations.pue[0]=1"],
            ["operations.pue is not a list; allowed: operations.pue without [0]"],
        ),
        (["--vary", "operations=1"], ["operations is a table", "allowed: one of its fields,"]),
        (
            ["--vary", "sites=1"],
            ["sites is a list, not a single value; allowed: a field of one entry, e.g."],
        ),
        (
            ["--vary", "operations.pue.low.x=1"],
            ["single value with no field 'x'; allowed: operations.pue.low itself"],
        ),
        (["--vary", "operations.pue=0.5,1.2"], ["operations.pue=0.5", "pue = 0.5", "[1.0, 5.0]"]),
        (
            ["--vary", "sites[0].status=maybe"],
            ["sites[0] ('site A').status = 'maybe'", "'announced'"],
        ),
        (["--vary", "draws=0,5"], ["draws = 0", "1..100,000"]),
        # A section the scenario leaves out: "flexibility is a single value" said nothing of
        # how to add one.
        (
            ["--vary", "flexibility.share=0.2,0.3"],
            [
                "scenario small has no flexibility section to vary; allowed: flexibility.share, "
                "flexibility.mode,",
                "once a [flexibility] table with share and hours_per_year is added to its file, "
                'or to a file of your own that says extends = "small"',
            ],
        ),
        (
            ["--vary", "grid.capital.limit_mw=100"],
            [
                "scenario small has no grid section to vary; allowed: grid.capital.limit_mw once "
                "a [grid.capital] table is added"
            ],
        ),
        (
            ["--vary", "sites[1].build_probability.mode=0.5"],
            [
                "sites[1].build_probability is not set in scenario small (its default applies",
                "allowed: sites[1].build_probability itself, or its parameters once the scenario "
                "file sets it",
            ],
        ),
        (
            ["--vary", "sites['site C'].capacity_mw=1"],
            ["sites has no entry named 'site C'", "allowed: 'site A', 'site B'"],
        ),
        (
            ["--vary", "sites[0]..capacity_mw=1"],
            ["'.capacity_mw' is not a field name; allowed: a dotted path such as"],
        ),
        (["--vary", "operations.pue=abc"], ["operations.pue: values ['abc']: allowed: numbers"]),
        (["--vary", "sites[0].capacity_mw=1,x"], ["values [1, 'x']: allowed: numbers"]),
        (
            ["--vary", "operations.pue.low=1.1,abc"],
            ["pue.low: values [1.1, 'abc']: allowed: numbers"],
        ),
        (
            [
                "--vary-together",
                "operations.pue=1.2,1.4",
                "--vary-together",
                "operations.load_factor=0.5",
            ],
            [
                "--vary-together: operations.pue has 2, operations.load_factor has 1 values; "
                "allowed: lists of one length (they are paired value by value)"
            ],
        ),
        (
            ["--vary-together", "operations.pue=1.2,1.4"],
            ["allowed: two or more NAME=V1,V2,... lists"],
        ),
        (
            [
                "--vary-together",
                "operations.pue=1.2,1.2",
                "--vary-together",
                "operations.load_factor=0.5,0.5",
            ],
            ["paired values [(1.2, 0.5), (1.2, 0.5)] repeat; allowed: each pair once"],
        ),
        (["--vary", "operations.pue=1.2", "--workers", "0"], ["workers = 0", "1..256"]),
        (
            ["--vary", "operations.pue=1.2", "--scheduler", "tcp://127.0.0.1:1"],
            [
                "scheduler = 'tcp://127.0.0.1:1'",
                "cannot connect",
                "allowed: the address of a running dask scheduler",
            ],
        ),
        (
            ["--vary", "operations.pue=1.2", "--scheduler", "nonsense://host"],
            ["scheduler = 'nonsense://host'", "cannot connect"],
        ),
    ],
)
def test_bad_sweep_is_one_line_and_writes_nothing(arguments, expected, small, tmp_path, capsys):
    path, _ = small
    out = tmp_path / "sweep.csv"
    status = main(
        ["sweep", str(path), *arguments, "--draws", "4", "--connect-timeout", "1",
         "--no-baseline", "--weather", "typical", "--quiet", "--out", str(out)]
    )  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error.startswith("error: ")
    assert "\n" not in error and "allowed" in error
    for fragment in expected:
        assert fragment in error
    assert not out.exists()
    assert not Path(f"{out}.meta.json").exists()


def test_a_scheduler_that_cannot_be_reached_leaves_no_default_client(small, tmp_path, capsys):
    """A sweep refused for its scheduler left a broken client as dask's default in the
    process: a comparison written to NetCDF later in it took xarray's lock from that client
    and failed, "unknown address scheme 'nonsense'" (seen when pytest-xdist ran this module
    before test_compare's on one worker)."""
    import dask
    from distributed.client import _get_global_client

    path, _ = small
    before, default = dask.config.get("scheduler", None), _get_global_client()
    status = main(
        ["sweep", str(path), "--vary", "operations.pue=1.2", "--scheduler", "nonsense://host",
         "--draws", "4", "--connect-timeout", "1", "--no-baseline", "--weather", "typical",
         "--quiet", "--out", str(tmp_path / "sweep.csv")]
    )  # fmt: skip
    assert status == 2 and "cannot connect" in capsys.readouterr().err
    assert dask.config.get("scheduler", None) == before
    assert _get_global_client() is default  # the module's cluster's client, or none


def test_library_errors_are_project_errors(small):
    _, scenario = small
    with pytest.raises(OptionsError, match=r"NAMEs .* repeat; allowed: each NAME once"):
        sweeps.build_variants(
            scenario,
            [sweeps.parse_variation("seed=1,2"), sweeps.parse_variation("seed=3")],
            OPTIONS,
        )
    with pytest.raises(ScenarioError, match=r"small \[operations.load_factor=1.5\]"):
        sweeps.build_variants(
            scenario, [sweeps.parse_variation("operations.load_factor=1.5")], OPTIONS
        )


def test_sweeps_vary_the_grid_limits_and_the_flexibility():
    """`--vary grid.capital.limit_mw=...` and the flexibility's share and hours."""
    from forecast.scenario import load_scenario

    variants = sweeps.build_variants(
        load_scenario("kr-outlook-flex"),
        [
            sweeps.parse_variation("grid.capital.limit_mw=100,300"),
            sweeps.parse_variation("flexibility.share=0.2,0.4"),
            sweeps.parse_variation("flexibility.hours_per_year=20"),
        ],
        OPTIONS,
    )
    got = [
        (
            v.scenario.grid["capital"].limit_mw.value,
            v.scenario.flexibility.share.value,
            v.scenario.flexibility.hours_per_year,
        )
        for v in variants
    ]
    assert got == [(100.0, 0.2, 20), (100.0, 0.4, 20), (300.0, 0.2, 20), (300.0, 0.4, 20)]


def test_a_site_is_named_by_its_name_in_a_vary_path_and_its_wait_is_in_the_summary():
    """A campus developer had to count that their campus was sites[21]; a path may name the
    entry, `sites['LG U+ Paju AI data centre, building 1'].grid_lead_months` (commas and dots
    in the name included), and the sweep's summary gives each site's wait variant by variant
    (it was in the CSV only)."""
    from forecast.cli.sweep import summary_table
    from forecast.scenario import load_scenario

    paju = "LG U+ Paju AI data centre, building 1"
    scenario = load_scenario("kr-outlook")
    index = [site.name for site in scenario.sites].index(paju)
    options = ProjectionOptions(
        draws=20, seed=0, weather="typical", resolution="annual",
        start=dt.date(2027, 1, 1), end=dt.date(2029, 12, 31),
    )  # fmt: skip
    named = sweeps.parse_variation(f"sites['{paju}'].grid_lead_months=0,24")
    variants = sweeps.build_variants(scenario, [named], options)
    assert [v.scenario.sites[index].grid_lead_months.value for v in variants] == [0.0, 24.0]
    by_index = sweeps.build_variants(
        scenario, [sweeps.parse_variation(f"sites[{index}].grid_lead_months=0,24")], options
    )
    assert [v.scenario for v in variants] == [v.scenario for v in by_index]
    dataset = sweeps.combine(variants, [project(v.scenario, v.options) for v in variants])
    assert sweeps.varied_names(dataset) == [named.name]  # a comma in the name survives
    text = summary_table(dataset)
    block = text.split("months by which each site's whole grid capacity is connected")[1]
    row = next(line for line in block.splitlines() if line.startswith(paju))
    assert len(row.split("  ")) > 2 and "0: 0" in text and "1: 24" in text


def test_a_number_for_a_trends_point_fixes_its_value_at_its_date():
    """The README says a number makes an uncertain input fixed; an IEA analyst's
    `operations.pue[1]=1.2` failed with "Input should be a valid dictionary or instance of
    TrendPoint". The point keeps its date and takes the value."""
    from forecast.engine.sampling import OPERATION_DEFAULTS
    from forecast.scenario import load_scenario

    scenario = load_scenario("kr-outlook")  # the default PUE, a trend
    before = OPERATION_DEFAULTS["pue"].quantity.points[1]
    variants = sweeps.build_variants(
        scenario, [sweeps.parse_variation("operations.pue[1]=1.2,1.3")], OPTIONS
    )
    points = [variant.scenario.operations.pue.points[1] for variant in variants]
    assert [point.date for point in points] == [before.date, before.date]
    assert [point.quantity.value for point in points] == [1.2, 1.3]


def test_variants_whose_sampled_inputs_differ_still_combine():
    """A count factor of exactly 1 samples nothing; its variant lines up with the others and
    its spread driver for that input is NaN (or 0 when declared but constant), not an error."""
    from forecast.scenario import load_scenario

    base = load_scenario("kr-outlook")
    data = base.model_dump(mode="json", exclude_none=True)
    variants = sweeps.build_variants(
        parse_scenario(data, origin="kr-outlook"),
        [sweeps.parse_variation("deployments[0].count_factor=0.8,1.0")],
        OPTIONS,
    )
    datasets = [project(variant.scenario, variant.options) for variant in variants]
    combined = sweeps.combine(variants, datasets)
    drivers = combined["spread_driver_rank_correlation"]
    assert drivers.sizes["variant"] == 2
    assert set(drivers.indexes["input"]) == set().union(*(ds.indexes["input"] for ds in datasets))
    shortfall = [name for name in drivers.indexes["input"] if "count_factor" in name]
    assert shortfall, "the declared count factor is a spread driver"


def test_a_default_operation_can_be_varied_and_its_default_projects_as_before():
    """A scenario that leaves the PUE to the tool's default trend can vary a point of it
    (`operations.pue[0].mode`); at the default's own value the variant is the base scenario's
    projection exactly; the path into the trend without an index says which to name."""
    from forecast.engine.sampling import OPERATION_DEFAULTS
    from forecast.scenario import load_scenario

    base = load_scenario("kr-gov-gpu-path")
    assert base.operations is None or base.operations.pue is None
    default_mode = OPERATION_DEFAULTS["pue"].quantity.model_dump(mode="json")[0]["mode"]
    variants = sweeps.build_variants(
        base, [sweeps.parse_variation(f"operations.pue[0].mode={default_mode},1.1")], OPTIONS
    )
    same, lower = (project(v.scenario, v.options) for v in variants)
    xr.testing.assert_identical(same["ai_energy_twh"], project(base, OPTIONS)["ai_energy_twh"])
    assert (
        lower["ai_energy_twh"].sel(quantile=0.5) < same["ai_energy_twh"].sel(quantile=0.5)
    ).all()
    with pytest.raises(
        OptionsError,
        match=r"operations\.pue is a list of 2 entries .*allowed: one by its index, e\.g\. "
        r"operations\.pue\[0\]\.mode",
    ):
        sweeps.build_variants(base, [sweeps.parse_variation("operations.pue.mode=1.2")], OPTIONS)


def test_region_shares_are_swept_in_pairs_with_an_ordinary_vary(client, tmp_path, capsys):
    """A Jeollanam-do planner could not sweep a fleet's region shares: they must sum to 1, and
    --vary multiplies its lists. --vary-together zips them (0.7 with 0.3, 0.35 with 0.65) and
    the pairs multiply with --vary: 2 x 2 variants, each the projection of its scenario built
    by hand, and moving Samsung's fleet south moves AI energy out of the capital."""
    from forecast.scenario import load_scenario

    shares = "deployments[2].region_shares"
    out = tmp_path / "sweep.nc"
    status = main(
        ["sweep", "kr-outlook", "--vary", "operations.pue=1.2,1.4", "--vary-together",
         f"{shares}.capital=0.7,0.35", "--vary-together", f"{shares}.non_capital=0.3,0.65",
         "--scheduler",
         client.scheduler_info()["address"], "--draws", "8", "--seed", "3", "--start",
         "2030-01-01", "--end", "2030-01-31", "--resolution", "annual", "--weather", "typical",
         "--no-baseline", "--quiet", "--out", str(out), "--format", "netcdf"]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    swept = xr.load_dataset(out)
    assert swept["operations.pue"].values.tolist() == [1.2, 1.2, 1.4, 1.4]
    assert swept[f"{shares}.capital"].values.tolist() == [0.7, 0.35, 0.7, 0.35]
    assert swept[f"{shares}.non_capital"].values.tolist() == [0.3, 0.65, 0.3, 0.65]
    scenario = load_scenario("kr-outlook")
    options = ProjectionOptions(
        draws=8, seed=3, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31),
        resolution="annual", weather="typical", include_baseline=False,
    )  # fmt: skip
    data = scenario.model_dump(mode="json")
    data["operations"]["pue"] = {"dist": "fixed", "value": 1.4}
    data["deployments"][2]["region_shares"] = {"capital": 0.35, "non_capital": 0.65}
    expected = project(parse_scenario(data, origin="by hand"), options)
    name = "ai_energy_twh_by_region"
    np.testing.assert_array_equal(swept[name].isel(variant=3).values, expected[name].values)
    capital = swept[f"{name}_mean"].sel(region="capital", year=2030)
    assert float(capital.isel(variant=1)) < float(capital.isel(variant=0))
