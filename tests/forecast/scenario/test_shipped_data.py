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
from forecast.scenario.catalog import CATALOG_COLUMNS, load_catalog

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


@pytest.fixture(scope="module")
def facts_keys() -> set[str]:
    """Every key of the shared reference ``facts.csv``."""
    if not FACTS_PATH.is_file():
        pytest.skip(f"{FACTS_PATH} is absent: the reference facts live outside the repository")
    return set(pd.read_csv(FACTS_PATH, usecols=["key"])["key"])


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
    """Every source string and the notes of a scenario."""
    texts = [item.source for _, item in sourced_items(scenario, "") if item.source]
    return [*texts, scenario.notes or ""]


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
    assert numbers["release_year"].between(2015, 2030).all()
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


def test_catalog_source_keys_exist_in_facts(catalog, facts_keys):
    for accelerator_id, keys in zip(catalog["accelerator_id"], catalog["source_keys"], strict=True):
        cited = set(keys.split(";"))
        assert cited, accelerator_id
        assert cited <= facts_keys, f"{accelerator_id}: unknown {sorted(cited - facts_keys)}"


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
