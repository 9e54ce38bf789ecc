"""Scenarios of different time zones compare at annual and monthly resolution, each on its own
local calendar, and say so; hourly and daily comparisons, which need shared instants, are
refused in one line. A procurement analyst could not compare a Korean campus with a NSW one at
all ("time zones Asia/Seoul, Australia/Sydney differ", report-proc M8)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest

from forecast.cli import main
from forecast.errors import OptionsError
from forecast.projection import ProjectionOptions
from forecast.scenario import parse_scenario
from forecast.sweep import compare as comparisons
from tests.conftest import SMALL_SCENARIO

SYDNEY = SMALL_SCENARIO.replace('id = "small"', 'id = "small-nsw"').replace(
    'timezone = "Asia/Seoul"', 'timezone = "Australia/Sydney"'
)


def _options(resolution: str) -> ProjectionOptions:
    return ProjectionOptions(
        draws=4, seed=0, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
        weather="typical", resolution=resolution, include_baseline=False,
    )  # fmt: skip


def _scenarios():
    return [
        parse_scenario(tomllib.loads(text), origin=name)
        for name, text in (("small", SMALL_SCENARIO), ("small-nsw", SYDNEY))
    ]


@pytest.mark.parametrize("resolution", ["hourly", "daily"])
def test_an_hourly_or_daily_comparison_across_zones_is_refused(resolution):
    with pytest.raises(OptionsError) as error:
        comparisons.compare(_scenarios(), _options(resolution))
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"resolution = {resolution!r}: scenarios in time zones")
    assert "Asia/Seoul, Australia/Sydney" in message and "annual or monthly" in message


def test_an_annual_comparison_across_zones_runs_on_each_local_calendar():
    dataset = comparisons.compare(_scenarios(), _options("annual"))
    assert list(dataset["timezone"].to_numpy()) == ["Asia/Seoul", "Australia/Sydney"]
    note = dataset.attrs["comparison_time_zones"]
    assert "small Asia/Seoul, small-nsw Australia/Sydney" in note and "own local" in note
    assert "note: time zones differ" in comparisons.summary_text(dataset)
    # Each scenario's year starts at its own local midnight.
    frame = comparisons.tidy_compare_frame(dataset)
    energy = frame[(frame["variable"] == "ai_energy_twh") & (frame["quantile"] == 0.5)]
    assert energy.set_index("scenario")["period_start"].to_dict() == {
        "small": "2025-01-01T00:00+09:00",
        "small-nsw": "2025-01-01T00:00+11:00",
    }


def test_the_command_line_compares_across_zones_and_says_so(scenario_file, tmp_path, capsys):
    files = [str(scenario_file(SMALL_SCENARIO)), str(scenario_file(SYDNEY, "small-nsw"))]
    common = ["--draws", "4", "--no-baseline", "--weather", "typical", "--start", "2025-01-01",
              "--end", "2025-12-31"]  # fmt: skip
    assert main(["compare", *files, *common, "--resolution", "hourly",
                 "--out", str(tmp_path / "h.csv")]) == 2  # fmt: skip
    assert "resolution = 'hourly'" in capsys.readouterr().err
    out = tmp_path / "a.csv"
    assert main(["compare", *files, *common, "--resolution", "annual", "--out", str(out)]) == 0
    assert "note: time zones differ" in capsys.readouterr().out
    sidecar = json.loads((tmp_path / "a.csv.meta.json").read_text())
    assert "own local calendar" in sidecar["attrs"]["comparison_time_zones"]
    assert [s["timezone"] for s in sidecar["scenarios"]] == ["Asia/Seoul", "Australia/Sydney"]


def test_a_report_compares_across_zones(scenario_file, tmp_path):
    files = [str(scenario_file(SMALL_SCENARIO)), str(scenario_file(SYDNEY, "small-nsw"))]
    out = tmp_path / "r.html"
    assert main(["report", *files, "--draws", "4", "--no-baseline", "--weather", "typical",
                 "--start", "2025-01-01", "--end", "2025-12-31", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    assert "each scenario&#x27;s years and months are its own local" in out.read_text()
