"""A CSV's ``.meta.json`` is in place before the CSV: a program that watches the output
directory for the CSV (a data engineer's pipeline) reads the sidecar that describes it. The CSV
was renamed into place first, so such a watcher could find no sidecar, or the previous run's."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forecast.io import export

FRAME = pd.DataFrame({"variable": ["ai_energy_twh"], "value": [1.25]})


def test_a_sidecar_that_cannot_be_written_leaves_no_new_csv(tmp_path: Path):
    """The sidecar is written before the CSV is renamed into place: where it cannot be written
    (here its name is taken by a directory), no CSV appears and no temporary file is left."""
    out = tmp_path / "kr.csv"
    Path(f"{out}.meta.json").mkdir()
    with pytest.raises(OSError):
        export.write_table(FRAME, out, "csv", {"attrs": {"run": 2}})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kr.csv.meta.json"]


def test_a_failed_sidecar_leaves_the_earlier_csv_as_it_was(tmp_path: Path):
    """A watcher that saw the earlier run's CSV never sees a new CSV beside the old sidecar."""
    out = tmp_path / "kr.csv"
    export.write_table(FRAME, out, "csv", {"attrs": {"run": 1}})
    earlier = out.read_bytes()
    assert export.read_table_metadata(out) == {"attrs": {"run": 1}}
    meta = Path(f"{out}.meta.json")
    meta.unlink()
    meta.mkdir()  # the sidecar's write fails now
    with pytest.raises(OSError):
        export.write_table(FRAME.assign(value=[2.5]), out, "csv", {"attrs": {"run": 2}})
    assert out.read_bytes() == earlier
    meta.rmdir()
    export.write_table(FRAME.assign(value=[2.5]), out, "csv", {"attrs": {"run": 2}})
    assert json.loads(meta.read_text(encoding="utf-8")) == {"attrs": {"run": 2}}
    assert pd.read_csv(out)["value"].tolist() == [2.5]
