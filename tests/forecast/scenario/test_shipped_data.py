"""The data that ships with the project: the accelerator catalog and the scenario TOML files.

Every figure must be traceable: catalog rows name their ``facts.csv`` keys, and every number in
a shipped scenario carries a ``source`` ("facts.csv:<key>, ...", "seed: ..." or
"assumption: ..."). The reference file ``facts.csv`` lives outside the repository, in
``../shared/reference/`` next to the checkout; the checks that need it skip when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from pydantic import BaseModel

from forecast.paths import shipped_data_dir
from forecast.scenario import (
    STATUS_DEFAULTS,
    Beta,
    Fixed,
    Lognormal,
    Scenario,
    Triangular,
    Uniform,
    load_scenario,
    shipped_scenario_paths,
)
from forecast.scenario.catalog import CATALOG_COLUMNS, HOST_OVERHEAD, load_catalog

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
FACTS_PATH = REPOSITORY_ROOT.parent / "shared" / "reference" / "facts.csv"
CATALOG_PATH = shipped_data_dir() / "accelerators.csv"

SOURCE_PREFIXES = ("facts.csv:", "seed:", "assumption:")
# "facts.csv:" followed by comma-separated snake_case keys; a key starts with a letter, so
# "facts.csv:key, 1,220 MW" cites only "key".
FACTS_CITATION = re.compile(r"facts\.csv:\s*([a-z][a-z0-9_]*(?:\s*,\s*[a-z][a-z0-9_]*)*)")
QUANTITY_TYPES = (Fixed, Triangular, Uniform, Lognormal, Beta)
NUMERIC_COLUMNS = (
    "release_year",
    "board_tdp_w",
    "system_w_per_accelerator",
    "bf16_dense_tflops",
    "fp8_dense_tflops",
)
SCENARIO_IDS = sorted(shipped_scenario_paths())
#: Release years a catalog row may have: from the oldest type a scenario models (V100, 2017,
#: with margin) to the end of the longest shipped horizon (2038), by which a pre-release
#: product announced today would ship.
RELEASE_YEARS = (2015, 2038)
#: A row whose board TDP is in a fact's note rather than its value says so in its assumptions
#: (rubin_ultra: "board TDP 3600 W from the rubin_gpu_tdp note"), and the note must state it.
TDP_FROM_NOTE = re.compile(r"board TDP (\d+(?:\.\d+)?) W from the ([a-z][a-z0-9_]*) note")


@pytest.fixture(scope="module")
def facts_keys() -> set[str]:
    """Every key of the shared reference ``facts.csv``."""
    if not FACTS_PATH.is_file():
        pytest.skip(f"{FACTS_PATH} is absent: the reference facts live outside the repository")
    return set(pd.read_csv(FACTS_PATH, usecols=["key"])["key"])


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    """The shared reference ``facts.csv``, one row per source (a key may repeat)."""
    if not FACTS_PATH.is_file():
        pytest.skip(f"{FACTS_PATH} is absent: the reference facts live outside the repository")
    return pd.read_csv(FACTS_PATH, dtype=str)


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return pd.read_csv(CATALOG_PATH, dtype={"accelerator_id": str, "assumptions": str})


def cited_facts_keys(text: str) -> set[str]:
    """The facts.csv keys a source or note cites with ``facts.csv:<key>, <key>``."""
    return {
        key.strip() for match in FACTS_CITATION.finditer(text) for key in match.group(1).split(",")
    }


def sourced_items(node: object, path: str):
    """Yield (path, item) for every quantity and every entry with a ``source`` in a scenario."""
    if isinstance(node, QUANTITY_TYPES):
        yield path, node
    elif isinstance(node, BaseModel):
        if "source" in type(node).model_fields:
            yield path, node
        for name in type(node).model_fields:
            yield from sourced_items(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from sourced_items(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from sourced_items(item, f"{path}.{key}")


def all_text(scenario: Scenario) -> list[str]:
    """Every source string, the notes and the caveats of a scenario."""
    texts = [item.source for _, item in sourced_items(scenario, "") if item.source]
    return [*texts, scenario.notes or "", *scenario.caveats]


def test_catalog_has_the_documented_columns(catalog):
    assert tuple(catalog.columns) == CATALOG_COLUMNS


def test_catalog_loads_through_the_library():
    assert "h100_sxm" in load_catalog().ids


def test_catalog_ids_are_unique_snake_case(catalog):
    ids = catalog["accelerator_id"]
    assert ids.is_unique, sorted(ids[ids.duplicated()])
    bad = [value for value in ids if not re.fullmatch(r"[a-z][a-z0-9_]*", value)]
    assert not bad


def test_catalog_numbers_are_positive_and_plausible(catalog):
    numbers = catalog.set_index("accelerator_id")[list(NUMERIC_COLUMNS)].apply(pd.to_numeric)
    low, high = RELEASE_YEARS
    late = numbers.index[~numbers["release_year"].between(low, high)]
    assert late.empty, [
        f"{row}: release_year = {numbers.loc[row, 'release_year']:g}; allowed {low}-{high}"
        for row in late
    ]
    assert numbers["board_tdp_w"].between(50, 5000).all()
    assert (numbers["system_w_per_accelerator"] >= numbers["board_tdp_w"]).all()
    # A server never needs more than ~2.5x its accelerators' board power (DGX A100: 2.03x).
    assert (numbers["system_w_per_accelerator"] <= 2.5 * numbers["board_tdp_w"]).all()
    for column in ("bf16_dense_tflops", "fp8_dense_tflops"):
        given = numbers[column].dropna()
        assert given.between(1, 20_000).all(), given
    both = numbers.dropna(subset=["bf16_dense_tflops", "fp8_dense_tflops"])
    assert (both["fp8_dense_tflops"] >= both["bf16_dense_tflops"]).all()


def test_catalog_explains_every_empty_figure(catalog):
    numbers = catalog[list(NUMERIC_COLUMNS)]
    has_gap = numbers.isna().any(axis=1)
    unexplained = catalog.loc[has_gap & catalog["assumptions"].isna(), "accelerator_id"]
    assert unexplained.empty, list(unexplained)


def test_catalog_carries_the_dgx_per_gpu_figures(catalog):
    """de Vries (2023, Joule) uses DGX H100 10.2 kW and DGX A100 6.5 kW per 8-GPU server.

    The validation scenarios rely on catalog types with exactly these figures / 8 GPUs
    (facts.csv: dgx_h100_max_power, dgx_a100_max_power).
    """
    system_w = catalog.set_index("accelerator_id")["system_w_per_accelerator"]
    assert system_w["h100_sxm"] == 10_200 / 8
    assert system_w["a100_sxm"] == 6_500 / 8


def test_catalog_source_keys_exist_in_facts(facts_keys):
    """Every facts.csv key a row cites exists; ``assumption: <text>`` entries cite none."""
    catalog = load_catalog()
    for accelerator_id in sorted(catalog.ids):
        cited = set(catalog.facts_keys(accelerator_id))
        assert cited <= facts_keys, f"{accelerator_id}: unknown {sorted(cited - facts_keys)}"


def fact_values(facts: pd.DataFrame, key: str) -> set[float]:
    """The values the rows of a facts.csv key state: each row's number, a ``low-high`` range
    its two bounds (a catalog row takes one, e.g. the top of a configurable TDP)."""
    values = set()
    for text in facts.loc[facts["key"] == key, "value"]:
        values |= {float(part.replace(",", "")) for part in str(text).split("-") if part}
    return values


def own_tdp_keys(catalog, accelerator_id: str) -> list[str]:
    """The TDP facts (``*_tdp*`` keys) a row cites for its own board power: all but the keys of
    its system-power rule (a PCIe rule row cites furiosa_rngd_tdp for the PCIe server's host
    overhead, not for its own TDP)."""
    basis = catalog.table.loc[accelerator_id, "system_w_basis"]
    rule = HOST_OVERHEAD.get(basis.removeprefix("rule: ")) if basis.startswith("rule: ") else None
    rule_keys = cited_facts_keys(rule.source) if rule else set()
    return [
        key for key in catalog.facts_keys(accelerator_id) if "_tdp" in key and key not in rule_keys
    ]


def tdp_mismatches(catalog, facts: pd.DataFrame) -> list[str]:
    """Rows whose board_tdp_w is not what their cited TDP facts state (the row, the fact key,
    both values), and rows that cite no TDP fact and state no ``assumption:`` for it."""
    found = []
    for accelerator_id in sorted(catalog.ids):
        tdp = float(catalog.table.loc[accelerator_id, "board_tdp_w"])
        assumptions = str(catalog.table.loc[accelerator_id, "assumptions"])
        from_note = {key: float(watts) for watts, key in TDP_FROM_NOTE.findall(assumptions)}
        keys = own_tdp_keys(catalog, accelerator_id)
        if not keys and "assumption:" not in catalog.source(accelerator_id):
            found.append(
                f"{accelerator_id}: board_tdp_w = {tdp:g} W cites no *_tdp fact; cite one or "
                "add an 'assumption: <text>' entry to source_keys"
            )
        for key in keys:
            if key in from_note:
                notes = " ".join(facts.loc[facts["key"] == key, "note"].astype(str))
                stated = {float(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) W", notes)}
                if from_note[key] != tdp or tdp not in stated:
                    found.append(
                        f"{accelerator_id}: board_tdp_w = {tdp:g} W, from the {key} note, "
                        f"which states {sorted(stated)} W"
                    )
            elif tdp not in fact_values(facts, key):
                found.append(
                    f"{accelerator_id}: board_tdp_w = {tdp:g} W but {key} = "
                    f"{sorted(fact_values(facts, key))} W"
                )
    return found


def test_catalog_board_tdp_is_the_cited_tdp_fact(facts):
    """A row's board TDP is the value of the TDP fact it cites (a row of a repeated key, or a
    bound of a range), or, where the figure is in the fact's note (rubin_ultra), the number
    the note states; a row citing no TDP fact says its TDP is an assumption. A contributor
    cited real keys for an invented 2000 W TDP and every check passed."""
    assert tdp_mismatches(load_catalog(), facts) == []


def test_the_tdp_check_names_the_row_the_fact_and_both_values(facts):
    """The check can fail: a placeholder citing the nearest real TDP fact, and a row with no
    TDP fact and no assumption, are each named with the key and both values."""
    import dataclasses

    shipped = load_catalog()
    table = shipped.table.copy()
    table.loc["rubin", "board_tdp_w"] = 2000.0
    table.loc["a100_sxm", "source_keys"] = "dgx_a100_max_power;a100_bf16_dense_tflops"
    found = tdp_mismatches(dataclasses.replace(shipped, table=table), facts)
    assert found == [
        "a100_sxm: board_tdp_w = 400 W cites no *_tdp fact; cite one or add an "
        "'assumption: <text>' entry to source_keys",
        "rubin: board_tdp_w = 2000 W but rubin_gpu_tdp = [1800.0] W",
    ]
    table.loc["a100_sxm", "source_keys"] = "assumption: board TDP 400 W;dgx_a100_max_power"
    table.loc["rubin", "board_tdp_w"] = 1800.0
    assert tdp_mismatches(dataclasses.replace(shipped, table=table), facts) == []


def test_the_required_scenarios_ship():
    required = {
        "kr-gov-gpu-path",
        "kr-nvidia-260k",
        "kr-dc-pipeline",
        "kr-gov-aidc-high",
        "kr-11th-basic-plan",
        "kr-national",
        "devries-2023-a100",
        "devries-2023-h100",
    }
    assert required <= set(SCENARIO_IDS)


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_shipped_scenario_validates_with_its_file_stem_as_id(scenario_id):
    scenario = load_scenario(scenario_id)
    assert scenario.id == scenario_id
    assert "\n" not in scenario.description


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_scenarios_show_prints_every_shipped_scenario_with_its_defaults(scenario_id, capsys):
    """`forecast scenarios show ID` prints the scenario as JSON with every operation filled in,
    a default trend as its points (each marked a default), and every site's defaults (its
    status's build probability and delay, occupancy, ramp) as the projection draws them."""
    import json

    from forecast.cli import main
    from forecast.engine.sampling import OPERATION_DEFAULTS

    assert main(["scenarios", "show", scenario_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == scenario_id
    operations = shown["operations"]
    assert set(OPERATION_DEFAULTS) <= set(operations)
    declared = load_scenario(scenario_id).model_dump(mode="json", exclude_none=True)
    for name in set(OPERATION_DEFAULTS) - set(declared.get("operations", {})):
        value = operations[name]
        assert all(
            part["default"] is True for part in (value if isinstance(value, list) else [value])
        )
    site_fields = {"build_probability", "delay_months", "tenant_occupancy", "ramp_months"}
    for site, declared_site in zip(shown.get("sites", []), declared.get("sites", []), strict=True):
        assert site_fields <= set(site)
        for name in site_fields - set(declared_site):
            assert site[name]["default"] is True
        if "build_probability" not in declared_site:
            expected = STATUS_DEFAULTS[site["status"]]["build_probability"]
            assert site["build_probability"]["value"] == expected


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_every_number_in_a_shipped_scenario_has_a_source(scenario_id):
    scenario = load_scenario(scenario_id)
    unsourced = [
        path
        for path, item in sourced_items(scenario, "")
        if not (item.source or "").strip().startswith(SOURCE_PREFIXES)
    ]
    assert not unsourced, f"{scenario_id}: no facts.csv:/seed:/assumption: source at {unsourced}"


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_facts_keys_cited_by_a_shipped_scenario_exist(scenario_id, facts_keys):
    scenario = load_scenario(scenario_id)
    cited = set().union(*(cited_facts_keys(text) for text in all_text(scenario)))
    assert cited <= facts_keys, (
        f"{scenario_id}: unknown facts.csv keys {sorted(cited - facts_keys)}"
    )


def test_citation_parser_reads_key_lists_and_stops_at_numbers():
    text = "facts.csv:lgu_paju_aidc, kr_dc_operating_jun2022, 1,220 of 1,742 MW; facts.csv:b100_tdp"
    assert cited_facts_keys(text) == {"lgu_paju_aidc", "kr_dc_operating_jun2022", "b100_tdp"}


def test_sourced_items_finds_a_bare_number_without_source():
    scenario = load_scenario("devries-2023-h100")
    data = scenario.model_dump()
    data["operations"]["load_factor"] = 1.0
    bare = Scenario.model_validate(data)
    missing = [path for path, item in sourced_items(bare, "") if not item.source]
    assert missing == ["operations.load_factor"]
