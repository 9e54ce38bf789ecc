"""Prediction through the hour-interaction factors equals the dense design matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.baseline import load_baseline_model
from forecast.features import (
    design_matrix,
    hour_interaction_factors,
    predict_ensemble,
    predict_linear,
)


def test_factor_prediction_equals_dense_design_matrix():
    model = load_baseline_model()
    times = pd.date_range("2024-12-20", "2025-01-10", freq="h", tz="Asia/Seoul", inclusive="left")
    temperature = 5.0 + 12.0 * np.sin(np.arange(len(times)) / 40.0)
    dense = design_matrix(times, temperature, spec=model.spec) @ model.coefficients
    factors, hour = hour_interaction_factors(times, temperature, spec=model.spec)
    np.testing.assert_allclose(
        predict_linear(factors, hour, model.coefficients), dense, rtol=1e-12, atol=1e-12
    )


def test_predict_ensemble_equals_per_trace_prediction():
    """The ensemble prediction (calendar columns once) equals predicting each trace alone."""
    model = load_baseline_model()
    times = pd.date_range("2030-01-01", periods=24 * 40, freq="h", tz="Asia/Seoul")
    rng = np.random.default_rng(3)
    traces = 12.0 + 10.0 * rng.standard_normal((3, len(times)))
    ensemble = predict_ensemble(times, traces, model.coefficients, spec=model.spec)
    for member, trace in enumerate(traces):
        factors, hour = hour_interaction_factors(times, trace, spec=model.spec)
        np.testing.assert_allclose(
            ensemble[member], predict_linear(factors, hour, model.coefficients), rtol=1e-12
        )


def test_temperature_columns_are_the_degree_day_factors():
    from forecast.features import feature_names, temperature_columns

    spec = load_baseline_model().spec
    factors = list(dict.fromkeys(name.split(":")[0] for name in feature_names(spec)))
    inside = factors[temperature_columns(spec)]
    outside = [name for name in factors if name not in inside]
    assert inside and all(name.startswith(("hdd", "cdd")) for name in inside)
    assert not any(name.startswith(("hdd", "cdd")) for name in outside)
