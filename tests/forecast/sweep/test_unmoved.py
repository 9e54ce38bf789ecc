"""A sweep whose varied input does not move the load says so: a planner swept kr-outlook's
capital-region connection limit over 245, 500 and 1,000 MW and read three equal variants with
no word why (its capital sites ask for little, and its non-AI load is not hosted under the
limits)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from forecast.cli.sweep import SAME_LOAD_SHARE, summary_table, unmoved_note
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from forecast.sweep import variants as sweeps


def _sweep(values: list[list[float]], varied: str) -> xr.Dataset:
    """A hand-made sweep: ``ai_energy_twh`` [TWh] of each variant for years 2030-2031 at one
    quantile."""
    return xr.Dataset(
        {"ai_energy_twh": (("variant", "year", "quantile"), np.array(values)[:, :, None])},
        coords={"variant": np.arange(len(values)), "year": [2030, 2031], "quantile": [0.5]},
        attrs={"sweep_varied": varied},
    )


def test_equal_variants_get_a_note_and_a_grid_limit_points_at_the_grid_table():
    same = _sweep([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0 * (1 + SAME_LOAD_SHARE / 2)]],
                  "grid.north.limit_mw")  # fmt: skip
    note = unmoved_note(same)
    assert note.startswith("note: the 3 variants give the same")
    assert "(they differ by at most 0.25 % of a figure)" in note
    assert "grid.north.limit_mw does not move the load in this scenario" in note
    assert "requested vs connected MW" in note
    assert "\n" not in note
    other = unmoved_note(_sweep([[1.0, 2.0], [1.0, 2.0]], "operations.pue"))
    assert "operations.pue does not move the load" in other
    assert "grid table" not in other


def test_variants_that_differ_get_no_note():
    assert unmoved_note(_sweep([[1.0, 2.0], [1.0, 2.02]], "grid.north.limit_mw")) == ""
    assert unmoved_note(_sweep([[1.0, 2.0]], "grid.north.limit_mw")) == ""  # one variant


def test_the_kr_outlook_capital_limit_sweep_says_it_does_not_move_the_load():
    options = ProjectionOptions(
        draws=40, seed=0, start=dt.date(2028, 1, 1), end=dt.date(2032, 12, 31),
        resolution="annual", weather="typical",
    )  # fmt: skip
    variants = sweeps.build_variants(
        load_scenario("kr-outlook"),
        [sweeps.parse_variation("grid.capital.limit_mw=245,500,1000")],
        options,
    )
    dataset = sweeps.combine(variants, [project(v.scenario, v.options) for v in variants])
    last = [
        line for line in summary_table(dataset).splitlines() if not line.startswith("caveat: ")
    ][-1]
    assert last.startswith("note: the 3 variants give the same"), last
    assert "grid.capital.limit_mw does not move the load" in last
    # The limit does bind on the grid table (delayed MW) while the load stays: hence the note.
    delayed = dataset["grid_delayed_mw_by_region"].sel(region="capital", quantile=0.5)
    assert float(delayed.isel(variant=0).max()) > float(delayed.isel(variant=2).max())
