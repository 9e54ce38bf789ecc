"""``forecast report`` cited facts by key only (a source auditor's M2: the report for
kr-gov-gpu-path held 15 ``facts.csv:`` citations, no confidence and no URL): its "Cited facts"
section gives each cited key's rows, value, year, confidence and URL, from the facts file
``forecast facts show`` reads (``--facts``, ``FORECAST_FACTS_FILE``, or the one beside the
checkout), and says that it lists keys only where that file is absent."""

from __future__ import annotations

from forecast.cli import main

HEADER = "area,key,value,unit,year,source_title,source_publisher,source_url,confidence,note\n"
#: A key the small scenario cites (the lifetime default's source).
CITED = "gpu_useful_life_expected"
OPTIONS = ["--draws", "8", "--duration-draws", "8", "--weather", "typical", "--no-baseline",
           "--start", "2025-01-01", "--end", "2025-12-31", "--quiet"]  # fmt: skip


def _report(scenario: str, out, extra: list[str], capsys) -> str:
    code = main(["report", scenario, "--out", str(out), *OPTIONS, *extra])
    assert code == 0, capsys.readouterr().err
    return out.read_text(encoding="utf-8")


def test_the_report_gives_each_cited_rows_confidence_and_url(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    facts = tmp_path / "facts.csv"
    facts.write_text(
        HEADER
        + f"ops,{CITED},5,years,2025,Life,Pub A,https://a.example/life,low,\n"
        + f"ops,{CITED},6,years,2024,Life 2,Pub B,https://b.example/life,high,\n"
        + "ops,uncited_key,1,W,2024,T,P,https://c.example,high,\n"
    )
    text = _report(str(scenario_file(small_scenario_text)), tmp_path / "r.html",
                   ["--facts", str(facts)], capsys)  # fmt: skip
    section = text[text.index('<h2 id="facts">Cited facts</h2>') :]
    assert '<a href="#facts">Cited facts</a>' in text
    for cells in (("5 years", "2025", "low", "https://a.example/life"),
                  ("6 years", "2024", "high", "https://b.example/life")):  # fmt: skip
        row = f'<tr><th scope="row" class="text">{CITED}</th>' + "".join(
            f'<td class="text">{cell}</td>' for cell in cells
        )
        assert row in section
    # The URL is text: the report links only inside itself (it opens offline).
    assert 'href="http' not in section
    assert "uncited_key" not in section
    # A key the report cites that this file lacks is said to have no row.
    assert "no row in this facts.csv" in section
    assert "not the version the shipped citations name" in section


def test_without_the_facts_file_the_report_says_keys_only(
    scenario_file, small_scenario_text, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("FORECAST_FACTS_FILE", str(tmp_path / "nowhere.csv"))
    text = _report(str(scenario_file(small_scenario_text)), tmp_path / "r.html", [], capsys)
    section = text[text.index('<h2 id="facts">Cited facts</h2>') :]
    assert "facts.csv not found: keys only" in section
    assert CITED in section and "confidence" not in section


def test_the_provenance_has_the_files_digests_and_no_comparison_setting_alone(
    scenario_file, small_scenario_text, tmp_path, capsys
):
    """A report is matched to the files of the same run by their digests (``data_sha256``,
    ``weather_sha256``, the whole ``facts_sha256``: it showed none but a 12-character facts
    prefix), and a report of one scenario showed ``comparison_random_numbers``
    (report-interop 14)."""
    import re

    text = _report(str(scenario_file(small_scenario_text)), tmp_path / "r.html", [], capsys)
    table = text[text.index("<h3>Provenance</h3>") :]
    for key in ("data_sha256", "weather_sha256", "facts_sha256"):
        assert re.search(rf'{key}</th><td class="text">[0-9a-f]{{64}}</td>', table), key
    assert "comparison_random_numbers" not in text
