"""Prediction through the hour-interaction factors equals the dense design matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.baseline import load_baseline_model
from forecast.features import design_matrix, hour_interaction_factors, predict_linear


def test_factor_prediction_equals_dense_design_matrix():
    model = load_baseline_model()
    times = pd.date_range("2024-12-20", "2025-01-10", freq="h", tz="Asia/Seoul", inclusive="left")
    temperature = 5.0 + 12.0 * np.sin(np.arange(len(times)) / 40.0)
    dense = design_matrix(times, temperature, spec=model.spec) @ model.coefficients
    factors, hour = hour_interaction_factors(times, temperature, spec=model.spec)
    np.testing.assert_allclose(
        predict_linear(factors, hour, model.coefficients), dense, rtol=1e-12, atol=1e-12
    )
