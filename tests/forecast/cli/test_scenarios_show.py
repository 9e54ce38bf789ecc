"""``forecast scenarios show`` says what ``forecast project`` would run a scenario on: its
weather location and baseline model, resolved, each with where it comes from, and it refuses
them where the projection refuses them, with the same line."""

from __future__ import annotations

import json

import pytest

from forecast.cli import main
from tests.support.model_artifacts import MODEL_ID, publish_model


@pytest.fixture(autouse=True)
def korean_model(tmp_path, monkeypatch):
    """A promoted model for KR as the only artifact."""
    root = tmp_path / "artifacts"
    publish_model(root, "v1")
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(root))


def _resolved(target: str, capsys) -> dict:
    assert main(["scenarios", "show", target]) == 0
    return json.loads(capsys.readouterr().out)["resolved"]


def test_the_resolved_inputs_say_where_they_come_from(scenario_file, small_scenario_text, capsys):
    assert _resolved("kr-national", capsys) == {
        "weather_location": {"value": "seoul", "source": "the scenario's weather_location"},
        "baseline_model": {
            "value": f"{MODEL_ID}@v1",
            "source": "the default of country KR: its promoted model",
        },
    }
    own = scenario_file(f'extends = "kr-national"\nid = "mine"\nbaseline_model = "{MODEL_ID}"\n')
    assert _resolved(str(own), capsys)["baseline_model"] == {
        "value": f"{MODEL_ID}@v1",
        "source": "the scenario's baseline_model",
    }
    assert _resolved("global-iea-2025", capsys) == {
        "weather_location": {
            "value": "none",
            "source": "the scenario's weather_location: no temperature response (the PUE at "
            "its annual value every hour)",
        },
        "baseline_model": {
            "value": "none",
            "source": 'none: the scenario says baseline_model = "none"',
        },
    }
    # A KR scenario that names no weather location runs on its country's.
    small = scenario_file(small_scenario_text, name="small")
    assert _resolved(str(small), capsys)["weather_location"] == {
        "value": "seoul",
        "source": "the default of country KR",
    }


def test_the_text_form_shows_each_with_its_source_below(capsys):
    assert main(["scenarios", "show", "kr-national", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.endswith(
        "resolved:\n  weather_location: seoul\n      source: the scenario's weather_location\n"
        f"  baseline_model: {MODEL_ID}@v1\n      source: the default of country KR: its promoted "
        "model\n"
    )


@pytest.mark.parametrize(
    ("base", "lines", "expected"),
    [
        pytest.param(
            "kr-national",
            'baseline_model = "nothing"',
            "error: scenario mine: baseline_model = 'nothing': model id 'nothing' not found; "
            f"known: ['{MODEL_ID}']",
            id="no-such-model",
        ),
        pytest.param(
            "au-nsw-ai-dc",
            f'baseline_model = "{MODEL_ID}"',
            f"error: scenario mine: baseline_model = '{MODEL_ID}': model {MODEL_ID}@v1 is for KR, "
            "the scenario for AU; allowed: a model trained for AU, or 'none'",
            id="model-of-another-country",
        ),
        pytest.param(
            "kr-national",
            'weather_location = "none"',
            "error: scenario mine: weather_location = 'none' cannot drive the baseline model "
            f"{MODEL_ID}, which needs temperatures; allowed: a weather location with the model, "
            'or no baseline (baseline_model = "none", --no-baseline)',
            id="no-weather-for-the-countrys-model",
        ),
    ],
)
def test_show_refuses_what_project_refuses_with_the_same_line(
    base, lines, expected, scenario_file, tmp_path, capsys
):
    """show accepted a baseline model that project then refused."""
    path = str(scenario_file(f'extends = "{base}"\nid = "mine"\n{lines}\n', name="mine"))
    assert main(["scenarios", "show", path]) == 2
    shown = capsys.readouterr()
    assert (shown.out, shown.err.strip()) == ("", expected)
    out = tmp_path / "out.csv"
    assert main(["project", path, "--draws", "4", "--resolution", "annual", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == expected
    assert not out.exists()
