"""Every command that writes an output prints, under its summary, the very caveats its files
carry: the scenario's and the run's (the baseline bands' horizon note), from one helper
(:func:`forecast.outputs.caveat_lines`). ``forecast report`` printed the scenario's alone
while its page listed both; ``forecast sweep`` printed none of the caveats its file carried;
``forecast export-grid`` neither printed nor wrote any (caveat3 (a))."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import xarray as xr

from forecast.cli import main
from forecast.io.export import read_table_metadata
from tests.conftest import SMALL_SCENARIO

CAVEAT = "test caveat: the plan copies a count the audit corrects"
#: The small scenario (2025-2026, KR) projected on Korea's model (origin 2024) into 2026, two
#: years past its origin: the run adds the bands' horizon note to the scenario's caveat.
RUN = ["--baseline-model", "kr-national-baseline", "--start", "2025-01-01",
       "--end", "2026-12-31", "--weather", "typical"]  # fmt: skip


def _warned(scenario_file):
    text = SMALL_SCENARIO.replace(
        'regions = ["capital", "non_capital"]\n',
        f'regions = ["capital", "non_capital"]\ncaveats = {json.dumps([CAVEAT])}\n',
    )
    assert CAVEAT in text
    return scenario_file(text)


def _printed(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("caveat")]


def _both(said: list[str]) -> None:
    """The scenario's caveat, then the run's note, nothing else."""
    assert len(said) == 2, said
    assert said[0] == CAVEAT
    assert said[1].startswith("baseline 2026 is 2 years past kr-national-baseline@"), said[1]


def test_project(scenario_file, tmp_path, capsys):
    out = tmp_path / "p.csv"
    assert main(["project", str(_warned(scenario_file)), "--draws", "4", "--resolution",
                 "annual", *RUN, "--out", str(out)]) == 0  # fmt: skip
    carried = json.loads(read_table_metadata(out)["attrs"]["caveats"])
    _both(carried)
    assert _printed(capsys) == [f"caveat: {caveat}" for caveat in carried]


def test_compare(scenario_file, tmp_path, capsys):
    out = tmp_path / "c.nc"
    plain = scenario_file(SMALL_SCENARIO.replace('id = "small"', 'id = "plain"'), name="plain")
    assert main(["compare", str(plain), str(_warned(scenario_file)), "--draws", "4",
                 "--resolution", "annual", "--no-duration-curves", *RUN,
                 "--out", str(out)]) == 0  # fmt: skip
    with xr.open_dataset(out) as dataset:
        carried = {str(label): json.loads(str(text)) if str(text) else []
                   for label, text in zip(dataset["scenario"].values, dataset["caveats"].values,
                                          strict=True)}  # fmt: skip
    _both(carried["small"])
    assert len(carried["plain"]) == 1  # the run's note alone
    assert _printed(capsys) == [
        f"caveat: {label}: {caveat}" for label, said in carried.items() for caveat in said
    ]


def test_sweep(scenario_file, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["sweep", str(_warned(scenario_file)), "--vary", "operations.pue=1.2,1.4",
                 "--workers", "1", "--draws", "4", "--resolution", "annual", *RUN,
                 "--out", str(out)]) == 0  # fmt: skip
    carried = json.loads(read_table_metadata(out)["attrs"]["caveats"])
    _both(carried)
    assert _printed(capsys) == [f"caveat: {caveat}" for caveat in carried]


def test_report(scenario_file, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(_warned(scenario_file)), "--draws", "4", "--duration-draws",
                 "4", "--quiet", *RUN, "--out", str(out)]) == 0  # fmt: skip
    page = out.read_text(encoding="utf-8")
    box = page[page.index('id="caveats-title"') :].split("</aside>")[0]
    listed = [unescape(item) for item in re.findall(r"<li><b>small</b>: (.*?)</li>", box)]
    _both(listed)
    assert _printed(capsys) == [f"caveat: small: {caveat}" for caveat in listed]


@pytest.mark.parametrize("file_format", ["pypsa", "netcdf"])
def test_export_grid(scenario_file, tmp_path, capsys, file_format):
    out = tmp_path / "grid"
    assert main(["export-grid", str(_warned(scenario_file)), "--sample", "4", "--format",
                 file_format, *RUN, "--out", str(out)]) == 0  # fmt: skip
    manifest = json.loads((out / "export.json").read_text(encoding="utf-8"))
    carried = manifest["caveats"]
    _both(carried)
    assert _printed(capsys) == [f"caveat: {caveat}" for caveat in carried]
    if file_format == "pypsa":
        (folder,) = [path for path in out.iterdir() if path.is_dir()]
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["caveats"] == carried
    else:
        (netcdf,) = out.glob("*.nc")
        with xr.open_dataset(netcdf) as dataset:
            assert json.loads(dataset.attrs["caveats"]) == carried


def test_export_grid_of_chosen_years_carries_every_years_note(tmp_path, capsys):
    """``--years`` projects each year on its own, and the export kept the last one's
    attributes: 2026's note (two years past the origin) was lost behind 2030's."""
    out = tmp_path / "grid"
    assert main(["export-grid", "kr-national", "--sample", "4", "--format", "wide-csv",
                 "--years", "2026,2030", "--weather", "typical", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    carried = json.loads((out / "export.json").read_text(encoding="utf-8"))["caveats"]
    notes = [note.split(" is ")[0] for note in carried if note.startswith("baseline ")]
    assert notes == ["baseline 2026", "baseline 2030"]
