"""The accelerator catalog: one documented power rule, and every row saying what its figure is."""

from __future__ import annotations

import pytest

from forecast.errors import CatalogError
from forecast.scenario.catalog import HOST_OVERHEAD, load_catalog

RULE_CLASS = {"sxm": "8-way baseboard", "oam": "8-way baseboard", "superchip_rack": "rack-scale",
              "pcie": "PCIe server"}  # fmt: skip
VENDOR_FIGURES = {"vendor maximum", "rack rating", "rated (LBNL)"}


def test_every_row_states_what_its_power_figure_is():
    table = load_catalog().table
    for accelerator, row in table.iterrows():
        basis = row["system_w_basis"]
        assert basis in VENDOR_FIGURES or basis.startswith("rule: "), accelerator
        assert row["system_w_per_accelerator"] > row["board_tdp_w"], accelerator


RULE_ROWS = sorted(
    accelerator
    for accelerator, basis in load_catalog().table["system_w_basis"].items()
    if basis.startswith("rule: ")
)


@pytest.mark.parametrize("accelerator", RULE_ROWS)
def test_rule_rows_are_tdp_plus_the_overhead_of_their_class(accelerator):
    row = load_catalog().table.loc[accelerator]
    overhead = HOST_OVERHEAD[RULE_CLASS[row["form_factor"]]]
    assert row["system_w_basis"] == f"rule: {RULE_CLASS[row['form_factor']]}"
    assert row["system_w_per_accelerator"] == pytest.approx(
        row["board_tdp_w"] + overhead.watts, abs=0.05
    )


def test_the_rule_reproduces_the_systems_it_comes_from():
    """The 8-way overhead is the mean of three DGX systems; the rack one is GB200 NVL72's."""
    catalog = load_catalog()
    overheads = [
        catalog.system_w({t: 1.0}) - catalog.table.loc[t, "board_tdp_w"]
        for t in ("h100_sxm", "b200_hgx", "b300_hgx")
    ]
    assert HOST_OVERHEAD["8-way baseboard"].watts == pytest.approx(sum(overheads) / 3)
    rack = catalog.system_w({"gb200": 1.0}) - catalog.table.loc["gb200", "board_tdp_w"]
    assert HOST_OVERHEAD["rack-scale"].watts == pytest.approx(rack, abs=0.05)


def test_mixes_and_unknown_accelerators():
    catalog = load_catalog()
    assert catalog.system_w({"h100_sxm": 0.5, "b200_hgx": 0.5}) == pytest.approx(
        (1275 + 1787.5) / 2
    )
    with pytest.raises(CatalogError, match="unknown"):
        catalog.system_w({"h900": 1.0})
    with pytest.raises(CatalogError, match="fp8_dense_tflops is empty"):
        catalog.tflops({"a100_sxm": 1.0}, "fp8_dense_tflops")
