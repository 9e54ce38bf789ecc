"""Prediction through the hour-interaction factors equals the dense design matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.baseline.features import (
    design_matrix,
    hour_interaction_factors,
    predict_ensemble,
    predict_linear,
)
from forecast.baseline.model import load_baseline_model


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
        # atol: a log-demand sum near zero (2.6e-5 on one hour of the retrained model) is off
        # by a rounding of its terms' order, 5.6e-17, not relatively within 1e-12.
        np.testing.assert_allclose(
            ensemble[member],
            predict_linear(factors, hour, model.coefficients),
            rtol=1e-12,
            atol=1e-12,
        )


def test_temperature_columns_are_the_degree_day_factors():
    from forecast.baseline.features import (
        FeatureSpec,
        factor_names,
        feature_names,
        temperature_columns,
    )

    spec = load_baseline_model().spec
    factors = list(dict.fromkeys(name.split(":")[0] for name in feature_names(spec)))
    inside = factors[temperature_columns(spec)]
    outside = [name for name in factors if name not in inside]
    assert inside and all(name.startswith(("hdd", "cdd", "range")) for name in inside)
    assert not any(name.startswith(("hdd", "cdd", "range")) for name in outside)
    # With the optional terms: the range terms are temperature columns, vacation is not.
    spec = FeatureSpec(country="KR", daily_range_terms=True, vacation_windows=["07-25..08-10"])
    names = factor_names(spec)
    inside = names[temperature_columns(spec)]
    assert inside[-2:] == ["range_day", "range_day_trend"]
    assert "vacation_work" not in inside and "vacation_work" in names


def test_a_substitute_holiday_is_its_own_day_type_and_makes_no_block():
    """KR 2021-10-03 (Sunday, National Foundation Day) and its Monday substitute 10-04.

    Counted from every holiday, Sat-Sun-Mon holds two holidays and was typed a Chuseok-like
    block; counted from holidays on their own date, it is a weekend, a holiday and a
    substitute ("observed") day. Seollal 2023 (Sat 21 - Mon 23, substitute Tue 24) stays a block.
    """
    from forecast.baseline.features import DAY_TYPES, FeatureSpec, day_types

    spec = FeatureSpec(country="KR", observed_holiday_type=True)
    dates = np.arange(np.datetime64("2021-10-02"), np.datetime64("2021-10-06"))
    names = [spec.day_type_names()[k] for k in day_types(dates, country="KR",
                                                          observed_holiday_type=True)]  # fmt: skip
    assert names == ["saturday", "holiday", "observed", "midweek"]
    old = [DAY_TYPES[k] for k in day_types(dates, country="KR")]
    assert old == ["holiday_block"] * 3 + ["after_block"]
    seollal = np.arange(np.datetime64("2023-01-21"), np.datetime64("2023-01-26"))
    names = [spec.day_type_names()[k] for k in day_types(seollal, country="KR",
                                                          observed_holiday_type=True)]  # fmt: skip
    assert names == ["holiday_block"] * 4 + ["after_block"]


def test_the_workday_before_a_holiday_block_is_its_eve_unless_a_bridge():
    """KR Seollal 2024 (Fri 9 - Mon 12 off): Thu 8 is the eve. NSW Easter 2019 (Good Friday
    19 April - Easter Monday 22): Maundy Thursday 18 is; Mon 24 Dec 2018, between a weekend
    and Christmas, stays a bridge day. Without ``block_eve_type`` the eve is a workday."""
    from forecast.baseline.features import FeatureSpec, day_types

    def names(first: str, last: str, **calendar) -> list[str]:
        spec = FeatureSpec(observed_holiday_type=True, block_eve_type=True, **calendar)
        dates = np.arange(np.datetime64(first), np.datetime64(last) + 1)
        types = day_types(dates, observed_holiday_type=True, block_eve_type=True, **calendar)
        return [spec.day_type_names()[k] for k in types]

    assert names("2024-02-07", "2024-02-09", country="KR") == [
        "midweek", "block_eve", "holiday_block"
    ]  # fmt: skip
    nsw = {"country": "AU", "subdivision": "NSW"}
    assert names("2019-04-17", "2019-04-19", **nsw) == ["midweek", "block_eve", "holiday_block"]
    assert names("2018-12-24", "2018-12-24", **nsw) == ["bridge"]
    plain = day_types(np.array(["2024-02-08"], dtype="datetime64[D]"), country="KR")
    assert FeatureSpec(country="KR").day_type_names()[plain[0]] == "midweek"


def test_the_eve_beside_partial_days_off_and_observed_holidays_keeps_every_types_column():
    """Korea's config has partial days off and observed holidays; with the eve on as well,
    each optional type takes its index in :meth:`FeatureSpec.day_type_names`' order: Seollal
    2024's eve (Thu 8 Feb), its substitute Monday 12 Feb (inside the block, so a block day),
    Workers' Day (Wed 1 May, partial), Children's Day's substitute (Mon 6 May, observed: the
    Sat-Mon run holds one holiday on its own date, no block) and a plain Tuesday."""
    from forecast.baseline.features import FeatureSpec, day_types

    calendar = {"country": "KR", "partial_days_off": ("05-01", "12-31"),
                "observed_holiday_type": True, "block_eve_type": True}  # fmt: skip
    spec = FeatureSpec(**calendar)
    assert spec.day_type_names()[-3:] == ("partial_off", "observed", "block_eve")
    dates = np.array(["2024-02-08", "2024-02-12", "2024-05-01", "2024-05-06", "2024-05-07"],
                     dtype="datetime64[D]")  # fmt: skip
    names = [spec.day_type_names()[k] for k in day_types(dates, **calendar)]
    # 2024-05-06: the substitute for Children's Day (Sunday 5 May), after a Saturday off.
    assert names == ["block_eve", "holiday_block", "partial_off", "observed", "midweek"]


def test_an_artifacts_feature_spec_names_the_eve_only_when_on():
    """Every artifact trained with the eve off must load in library code written before the
    setting existed, which refuses a key it does not know."""
    from forecast.baseline.features import FeatureSpec

    assert "block_eve_type" not in FeatureSpec(country="KR").to_dict()
    on = FeatureSpec(country="KR", block_eve_type=True).to_dict()
    assert on["block_eve_type"] is True
    assert FeatureSpec(**on) == FeatureSpec(country="KR", block_eve_type=True)
    assert FeatureSpec(**FeatureSpec(country="KR").to_dict()) == FeatureSpec(country="KR")


def test_vacation_windows_mark_workdays_and_may_wrap_the_year_end():
    from forecast.baseline.features import FeatureSpec, calendar_features, factor_names

    spec = FeatureSpec(country="AU", subdivision="NSW", vacation_windows=["12-27..01-05"])
    times = pd.date_range("2022-12-26", "2023-01-07", freq="D", tz="Australia/Sydney")
    factors, _ = hour_interaction_factors(times, np.full(len(times), 20.0), spec=spec)
    vacation = factors[:, factor_names(spec).index("vacation_work")]
    in_window = calendar_features(times, spec=spec).in_vacation
    # Dec 26 (Boxing Day) and Jan 6 are outside. Inside, Dec 27 (Christmas observed) and Jan 2
    # (New Year observed) are holidays and Dec 31 - Jan 1 a weekend: not vacation workdays.
    assert in_window.tolist() == [False] + [True] * 10 + [False, False]
    assert vacation.tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0]


def test_a_malformed_vacation_window_is_refused_naming_the_entry():
    from forecast.baseline.features import FeatureSpec
    from forecast.errors import DataError

    with pytest.raises(DataError, match=r"vacation_windows entry '07-25-08-10'; allowed: .*"):
        FeatureSpec(country="KR", vacation_windows=["07-25-08-10"])


def test_daily_range_terms_are_each_days_temperature_range_and_its_trend():
    from forecast.baseline.features import FeatureSpec, factor_names

    spec = FeatureSpec(country="KR", daily_range_terms=True, trend_origin_year=2024)
    times = pd.date_range("2025-03-03", periods=48, freq="h", tz="Asia/Seoul")
    temperature = np.r_[np.linspace(2.0, 12.0, 24), np.full(24, 5.0)]
    factors, _ = hour_interaction_factors(times, temperature, spec=spec)
    names = factor_names(spec)
    np.testing.assert_allclose(factors[:, names.index("range_day")], np.r_[[10.0] * 24, [0.0] * 24])
    trend = factors[:24, names.index("range_day_trend")] / 10.0
    np.testing.assert_allclose(trend, times[:24].year + (times[:24].day_of_year - 1
                               + times[:24].hour / 24) / 365 - 2024)  # fmt: skip
