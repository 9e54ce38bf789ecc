"""``forecast evaluate`` on real files with a long temperature gap (issue 13, must-show 4).

The KMA hourly record of 2024 lacks 2024-12-31 01:00-23:00. Ex post, those 23 hours are masked
(not scored) without a daily file, or rebuilt from the official daily values with
``--daily-temperature``; either way the evaluation runs and reports the gap.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecast.cli import main
from forecast.paths import real_data_dir
from tests.support.data import requires_shared_data


@pytest.fixture(scope="module")
def files_2024(tmp_path_factory):
    """Demand, hourly and daily temperature of 2024, cut from the real files."""
    directory = tmp_path_factory.mktemp("kma-2024")
    sources = {
        "kpx2024.csv": ("kpx_hourly_demand.csv", "timestamp"),
        "t2024.csv": ("korea_temperature.csv", "timestamp"),
        "t2024_daily.csv": ("korea_temperature_daily.csv", "date"),
    }
    for name, (source, column) in sources.items():
        frame = pd.read_csv(real_data_dir() / source, dtype=str)
        frame[frame[column].str.startswith("2024")].to_csv(directory / name, index=False)
    return directory


def _evaluate(arguments: list[str], capsys) -> dict:
    status = main(["evaluate", "--model", "kr-national-baseline", "--draws", "50", "--json",
                   *arguments])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.shared_data
@requires_shared_data
@pytest.mark.parametrize(("daily", "handling"), [(False, "masked"), (True, "rebuilt")])
def test_kma_2024_with_its_december_31_gap_evaluates_ex_post(files_2024, capsys, daily, handling):
    arguments = ["--demand", str(files_2024 / "kpx2024.csv"),
                 "--temperature", str(files_2024 / "t2024.csv")]  # fmt: skip
    if daily:
        arguments += ["--daily-temperature", str(files_2024 / "t2024_daily.csv")]
    result = _evaluate(arguments, capsys)
    assert result["mode"] == "ex_post"
    demand_gaps, temperature_gaps = result["gaps"]
    assert demand_gaps["missing_hours"] == 0
    assert temperature_gaps["gaps"] == [
        {
            "first_missing": "2024-12-31T01:00:00+09:00",
            "last_missing": "2024-12-31T23:00:00+09:00",
            "hours": 23,
            "handling": "rebuilt from daily values" if daily else "masked",
        }
    ]
    assert handling in temperature_gaps["gaps"][0]["handling"]
    row = next(r for r in result["metrics"] if r["forecast"] == "ex_post" and r["year"] == 2024)
    assert 1.0 < row["mape_pct"] < 6.0
