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


@pytest.fixture
def edited_catalog(tmp_path, monkeypatch):
    """Write an edited copy of the shipped catalog and make it the one the library loads;
    ``edit(text) -> text`` is applied to the CSV. The cached shipped catalog comes back after."""
    from forecast.paths import shipped_data_dir
    from forecast.scenario import catalog as module

    shipped = (shipped_data_dir() / "accelerators.csv").read_text(encoding="utf-8")

    def edit(change):
        (tmp_path / "accelerators.csv").write_text(change(shipped), encoding="utf-8")
        monkeypatch.setattr(module, "shipped_data_dir", lambda: tmp_path)
        load_catalog.cache_clear()
        return tmp_path / "accelerators.csv"

    yield edit
    load_catalog.cache_clear()


#: The contributor's row (report H2/M4): a name with a comma, as they first wrote it.
UNQUOTED_ROW = (
    "nextgen_sxm,NVIDIA,Next GPU (hypothetical, 8-way),sxm,2028,2000,2691.7,"
    "rule: 8-way baseboard,,,assumption: board TDP 2000 W before its datasheet;"
    "dgx_h100_max_power,placeholder\n"
)


def test_a_row_with_an_unquoted_comma_is_one_line_naming_the_file_line_and_fix(
    edited_catalog, capsys
):
    """pandas' ParserError traceback on every command (report M4) becomes one line, status 2."""
    from forecast.cli import main

    path = edited_catalog(lambda text: text + UNQUOTED_ROW)
    line = len(path.read_text(encoding="utf-8").splitlines())
    status = main(["scenarios", "show", "devries-2023-h100"])
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error.splitlines() == [
        f"error: accelerators.csv line {line}: 13 fields, expected 12 (accelerator_id, vendor, "
        "name, form_factor, release_year, board_tdp_w, system_w_per_accelerator, "
        "system_w_basis, bf16_dense_tflops, fp8_dense_tflops, source_keys, assumptions); put "
        'a value containing a comma in double quotes ("H100 NVL (PCIe, 94 GB)")'
    ]


def test_a_figure_may_cite_an_assumption_and_the_inputs_table_shows_it(edited_catalog):
    """A product before its datasheet: ``assumption: <text>`` in source_keys loads, and a
    scenario using the row shows the assumption in its input table (.meta.json, the report)."""
    from forecast.report.inputs import input_table
    from forecast.scenario import load_scenario

    quoted = UNQUOTED_ROW.replace("Next GPU (hypothetical, 8-way)", '"Next GPU (hypothetical)"')
    edited_catalog(lambda text: text + quoted.replace("nextgen_sxm", "h100_sxm_next"))
    catalog = load_catalog()
    assert catalog.facts_keys("h100_sxm_next") == ["dgx_h100_max_power"]
    assert catalog.source("h100_sxm_next") == (
        "facts.csv:dgx_h100_max_power; assumption: board TDP 2000 W before its datasheet"
    )
    scenario = load_scenario("devries-2023-h100")
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["deployments"][0]["milestones"][0]["mix"] = {"h100_sxm_next": 1.0}
    from forecast.scenario import parse_scenario

    table = input_table(parse_scenario(data, origin="next.toml"))
    assert table["accelerators.csv: h100_sxm_next"] == {
        "value": "board TDP 2,000 W; system 2,691.7 W per accelerator (rule: 8-way baseboard)",
        "source": "facts.csv:dgx_h100_max_power; assumption: board TDP 2000 W before its datasheet",
    }
    assert table["accelerators.csv: h100_sxm"]["source"].startswith("facts.csv:h100_sxm_tdp")


@pytest.mark.parametrize(
    ("source_keys", "allowed"),
    [
        ("assumption:;dgx_h100_max_power", "entries ['assumption:']"),
        ("Dgx H100 power", "entries ['Dgx H100 power']"),
        ("", "empty"),
    ],
)
def test_a_source_that_is_neither_a_key_nor_an_assumption_is_refused(
    edited_catalog, source_keys, allowed
):
    row = UNQUOTED_ROW.replace("Next GPU (hypothetical, 8-way)", "Next GPU")
    row = row.replace(
        "assumption: board TDP 2000 W before its datasheet;dgx_h100_max_power", source_keys
    )
    edited_catalog(lambda text: text + row)
    with pytest.raises(CatalogError) as error:
        load_catalog()
    assert str(error.value) == (
        f"accelerators.csv: nextgen_sxm.source_keys = {source_keys!r}: {allowed}; "
        "allowed: ';'-separated facts.csv keys (snake_case) and 'assumption: <text>' entries"
    )
