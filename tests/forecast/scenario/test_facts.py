"""A ``facts.csv:<key>`` citation names one number: the file's version is pinned and carried by
every projection (``facts_sha256``), a key's rows print with ``forecast facts show``, and a
citation of a key whose rows differ names the row it takes.

A source auditor (M2) found citations by key only: no facts.csv version, value, confidence or
URL, and five cited keys with two rows of different values (``furiosa_rngd_tdp`` 150 W high /
180 W medium, ``sk_aws_ulsan_capacity_phase1`` 40 / 41 MW, ...), so that a ministry's footnote
"facts.csv:furiosa_rngd_tdp" did not identify a number.
"""

from __future__ import annotations

import pytest

from forecast.cli import main
from forecast.engine.sampling import OPERATION_DEFAULTS
from forecast.io.files import sha256_file
from forecast.scenario import load_scenario
from forecast.scenario.catalog import HOST_OVERHEAD, load_catalog
from forecast.scenario.facts import FACTS_SHA256, FactRow, read_facts
from tests.forecast.scenario.test_shipped_data import (
    FACTS_PATH,
    SCENARIO_IDS,
    cited_facts_keys,
    sourced_items,
)

needs_facts = pytest.mark.skipif(
    not FACTS_PATH.is_file(), reason=f"{FACTS_PATH} is absent: the facts live outside the repo"
)

HEADER = "area,key,value,unit,year,source_title,source_publisher,source_url,confidence,note\n"


@needs_facts
def test_the_pinned_digest_is_the_shared_facts_file():
    """The shared facts.csv changed: check the shipped citations against it (the tests of
    test_shipped_data.py and the row values below), then move FACTS_SHA256 to its digest."""
    assert sha256_file(FACTS_PATH) == FACTS_SHA256


def _rows_that_differ() -> dict[str, list[FactRow]]:
    """The keys whose rows state different values, with their rows."""
    rows = read_facts(FACTS_PATH)
    by_key: dict[str, list[FactRow]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    return {key: found for key, found in by_key.items() if len({r.value for r in found}) > 1}


def _citations() -> list[tuple[str, str, set[str]]]:
    """Every shipped citation: (where, its text, the keys it cites): scenario sources, catalog
    rows (keys and assumptions), the host-overhead rules and the operation defaults."""
    found = []
    for scenario_id in SCENARIO_IDS:
        for path, item in sourced_items(load_scenario(scenario_id), ""):
            if item.source:
                found.append((f"{scenario_id}: {path}", item.source, cited_facts_keys(item.source)))
    catalog = load_catalog()
    for accelerator_id in sorted(catalog.ids):
        text = str(catalog.table.loc[accelerator_id, "assumptions"])
        found.append((f"accelerators.csv: {accelerator_id}", text,
                      set(catalog.facts_keys(accelerator_id))))  # fmt: skip
    for name, rule in HOST_OVERHEAD.items():
        text = f"{rule.derivation}; {rule.source}"
        found.append((f"HOST_OVERHEAD[{name}]", text, cited_facts_keys(rule.source)))
    for name, default in OPERATION_DEFAULTS.items():
        text = f"{default.quantity.model_dump_json()}; {default.why}"
        found.append((f"OPERATION_DEFAULTS[{name}]", text, cited_facts_keys(text)))
    return found


@needs_facts
def test_a_citation_of_a_key_whose_rows_differ_names_the_row_it_takes():
    """A key with rows of different values is cited with the value of the row taken, as
    ``<value> <unit>`` (``180 W``, ``40 MW``, ``120-140 kW``): what a reader looks up with
    ``forecast facts show KEY``."""
    differing = _rows_that_differ()
    assert "furiosa_rngd_tdp" in differing  # the check has something to check
    unnamed = []
    for where, text, keys in _citations():
        for key in sorted(keys & set(differing)):
            if not any(f"{row.value} {row.unit}" in text for row in differing[key]):
                unnamed.append(f"{where} cites {key} without naming a row's value")
    assert unnamed == []


def test_facts_show_prints_every_row_of_a_key(tmp_path, capsys):
    """Each row's value, unit, year, confidence, publisher and URL, and whether the file is
    the one the shipped citations name."""
    facts = tmp_path / "facts.csv"
    facts.write_text(
        HEADER
        + "accelerators,chip_tdp,150,W,2024,Preview,Maker,https://maker.example/a,high,target\n"
        + "accelerators,chip_tdp,180,W,2025,Spec,Blog,https://blog.example/b,medium,\n"
        + "accelerators,unrelated_key,1,W,2025,T,P,https://p.example,low,\n"
    )
    code = main(["facts", "show", "facts.csv:chip_tdp", "--facts", str(facts)])
    out = capsys.readouterr().out
    assert code == 0
    assert "chip_tdp: 2 rows" in out
    assert "150 W (2024), confidence high" in out and "180 W (2025), confidence medium" in out
    assert "https://maker.example/a" in out and "https://blog.example/b" in out
    assert "Maker: Preview" in out and "note: target" in out
    assert f"sha256 {sha256_file(facts)}" in out and "another version" in out
    assert "unrelated_key" not in out


@needs_facts
def test_facts_show_resolves_a_shipped_citation(capsys):
    code = main(["facts", "show", "furiosa_rngd_tdp", "--facts", str(FACTS_PATH)])
    out = capsys.readouterr().out
    assert code == 0
    assert "(the facts.csv the shipped citations name)" in out
    assert "150 W (2024), confidence high" in out and "180 W (2025), confidence medium" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no_such_key"], "error: key = 'no_such_key': no row in facts.csv; allowed: one of its"),
        (["chip_tpd"], "(closest: chip_tdp)"),
    ],
)
def test_facts_show_refuses_an_unknown_key_in_one_line(tmp_path, capsys, arguments, message):
    facts = tmp_path / "facts.csv"
    facts.write_text(HEADER + "a,chip_tdp,150,W,2024,T,P,https://p.example,high,\n")
    code = main(["facts", "show", *arguments, "--facts", str(facts)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_facts_show_names_the_missing_file_and_how_to_set_it(tmp_path, capsys):
    missing = tmp_path / "nowhere.csv"
    code = main(["facts", "show", "chip_tdp", "--facts", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"facts file = '{missing}': not found" in err and "FORECAST_FACTS_FILE" in err


def test_a_projection_names_the_facts_file_its_citations_name(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    from forecast.io.export import read_table_metadata

    out = tmp_path / "small.csv"
    options = ["--draws", "4", "--resolution", "annual", "--weather", "typical", "--quiet"]
    code = main(["project", str(scenario_file(small_scenario_text)), "--out", str(out), *options])
    assert code == 0, capsys.readouterr().err
    assert read_table_metadata(out)["attrs"]["facts_sha256"] == FACTS_SHA256
