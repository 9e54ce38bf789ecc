"""Which baseline model a projection runs on: named, the country's, or none."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from forecast.engine.baseline import baseline_model
from forecast.engine.options import ProjectionOptions
from forecast.errors import NotFoundError
from forecast.scenario import load_scenario
from tests.support.model_artifacts import MODEL_ID, publish_model

OPTIONS = ProjectionOptions(draws=5, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31))


@pytest.fixture
def korean_model(tmp_path, monkeypatch):
    """A promoted model for KR as the only artifact."""
    publish_model(tmp_path, "v1")
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(tmp_path))
    return tmp_path


def test_a_scenario_naming_none_gets_no_baseline_though_its_country_has_a_model(korean_model):
    scenario = load_scenario("kr-national")
    assert scenario.baseline_model is None
    chosen = baseline_model(scenario, OPTIONS)
    assert chosen is not None and chosen.model_id == MODEL_ID  # the country's model
    alone = scenario.model_copy(update={"baseline_model": "none"})
    assert baseline_model(alone, OPTIONS) is None
    # A model named on the command line still wins over the scenario's "none".
    named = baseline_model(alone, dataclasses.replace(OPTIONS, baseline_model=MODEL_ID))
    assert named is not None and named.model_id == MODEL_ID


def test_the_shipped_national_studies_name_no_model(korean_model):
    """The US and world studies say so themselves: a model promoted for a US grid (a utility
    zone, say) must not become their baseline, which their weather "none" could not drive."""
    for scenario_id in ("us-lbnl-2024", "us-lbnl-2025", "global-iea-2025"):
        assert load_scenario(scenario_id).baseline_model == "none"
    assert load_scenario("au-nsw-ai-dc").baseline_model == "au-nsw-baseline"


def test_a_named_model_that_does_not_exist_is_refused(korean_model):
    scenario = load_scenario("kr-national").model_copy(update={"baseline_model": "nothing"})
    with pytest.raises(NotFoundError, match="scenario kr-national: baseline_model = 'nothing'"):
        baseline_model(scenario, OPTIONS)
