"""``/v1/baseline``: national baseline demand quantiles for a period, from the served model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query

from forecast.baseline import sample_baseline
from forecast.errors import ArtifactError, OptionsError
from forecast.projection import DEFAULT_QUANTILES, MAX_DRAWS
from forecast.weather import load_weather
from service.errors import ERROR_RESPONSES, ErrorBody
from service.registry import model_label
from service.render import NumpyJSONResponse
from service.schemas import (
    FIRST_DATE,
    LAST_DATE,
    MAX_SEED,
    BaselineRequest,
    BaselineResponse,
    WeatherKind,
)
from service.state import ServiceState, get_ready_state

router = APIRouter(tags=["baseline"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    503: {"model": ErrorBody, "description": "Starting, or no baseline model is served."},
}


def _forecast(state: ServiceState, request: BaselineRequest) -> NumpyJSONResponse:
    model = state.registry.current  # read once: a reload meanwhile does not mix versions
    if model is None:
        raise ArtifactError("no baseline model is served: publish and promote one, then reload")
    hours = ((request.end - request.start).days + 1) * 24
    limit = state.settings.max_baseline_draw_hours
    if request.draws * hours > limit:
        raise OptionsError(
            f"draws x hours = {request.draws} x {hours} = {request.draws * hours:.3g}: at most "
            f"{limit:.3g} allowed; ask fewer draws or a shorter period"
        )
    years = request.end.year - request.start.year + 1
    if years > state.settings.max_horizon_years:
        raise OptionsError(
            f"period {request.start}..{request.end} spans {years} years: at most "
            f"{state.settings.max_horizon_years} allowed"
        )
    local_times = pd.date_range(
        pd.Timestamp(request.start).tz_localize(model.timezone),
        pd.Timestamp(request.end + dt.timedelta(days=1)).tz_localize(model.timezone),
        freq="h",
        inclusive="left",
    )
    weather = load_weather(
        request.weather, location=model.manifest.get("weather_location", "seoul")
    )
    sample = sample_baseline(
        model,
        local_times,
        weather,
        request.draws,
        np.random.default_rng(request.seed),
        quantiles=request.quantiles,
    )
    probabilities = sample.quantiles
    hours_per_year = np.bincount(sample.local_times.year.to_numpy() - sample.years[0])[
        sample.years - sample.years[0]
    ]
    body = {
        "model_version": model_label(model),
        "units": "MW",
        "time": sample.local_times.tz_convert("UTC").tz_localize(None).to_numpy(),
        "quantile": probabilities,
        "quantile_mw": np.ascontiguousarray(sample.quantile_mw),
        "point_mw": np.ascontiguousarray(sample.point_mw),
        "year": np.asarray(sample.years, dtype=np.int64),
        "annual_peak_gw": np.quantile(sample.annual_peak_draws_mw, probabilities, axis=0) * 1e-3,
        "annual_energy_twh": np.quantile(
            sample.annual_mean_draws_mw * hours_per_year * 1e-6, probabilities, axis=0
        ),
    }
    return NumpyJSONResponse(body, headers={"X-Model-Version": model_label(model)})


@router.post(
    "/v1/baseline",
    summary="Baseline demand forecast",
    response_model=BaselineResponse,
    response_class=NumpyJSONResponse,
    responses=_RESPONSES,
)
def post_baseline(
    request: BaselineRequest, state: Annotated[ServiceState, Depends(get_ready_state)]
) -> NumpyJSONResponse:
    """Hourly quantiles [MW] and per-year peak [GW] and energy [TWh] of national demand
    without AI load, from the served baseline model, over an ensemble of weather years."""
    return _forecast(state, request)


@router.get(
    "/v1/baseline",
    summary="Baseline demand forecast (query parameters)",
    response_model=BaselineResponse,
    response_class=NumpyJSONResponse,
    responses=_RESPONSES,
)
def get_baseline(
    state: Annotated[ServiceState, Depends(get_ready_state)],
    start: Annotated[
        dt.date, Query(ge=FIRST_DATE, le=LAST_DATE, description="First day, model local time.")
    ],
    end: Annotated[
        dt.date, Query(ge=FIRST_DATE, le=LAST_DATE, description="Last day (inclusive).")
    ],
    draws: Annotated[int, Query(ge=1, le=MAX_DRAWS, description="Monte Carlo draws.")] = 200,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED, description="Random seed.")] = 0,
    quantiles: Annotated[
        list[float] | None,
        Query(description="Probability levels in (0, 1), repeated: quantiles=0.1&quantiles=0.9."),
    ] = None,
    weather: Annotated[WeatherKind, Query(description="Future weather.")] = "auto",
) -> NumpyJSONResponse:
    """As POST /v1/baseline, with the options as query parameters."""
    request = BaselineRequest(
        start=start,
        end=end,
        draws=draws,
        seed=seed,
        quantiles=quantiles or list(DEFAULT_QUANTILES),
        weather=weather,
    )
    return _forecast(state, request)
