"""``/baseline`` (under ``/v1``): a grid's baseline demand quantiles for a period.

From a served model (the default one unless the request names another); heavy (every draw of
every hour is held), so it takes a slot and its memory (:mod:`service.admission`) before a
thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from forecast.baseline.artifacts import manifest_country
from forecast.baseline.model import BaselineModel, sample_baseline
from forecast.errors import ArtifactError, OptionsError, ScenarioError
from forecast.io.export import local_iso
from forecast.projection import DEFAULT_QUANTILES, MAX_DRAWS, check_period_years
from forecast.weather import load_weather, resolve_weather_location
from service import estimates
from service.deps import get_ready_state
from service.errors import ErrorBody, error_responses
from service.inputs import check_local_midnights
from service.registry import model_label
from service.render import NumpyJSONResponse
from service.routing import ServiceRoute
from service.schemas import (
    MAX_SEED,
    MODEL_REFERENCE_PATTERN,
    BaselineRequest,
    BaselineResponse,
    Day,
    WeatherKind,
)
from service.state import ServiceState

router = APIRouter(prefix="/baseline", tags=["baseline"], route_class=ServiceRoute)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(413, 429),
    503: {
        "model": ErrorBody,
        "description": "Starting, no baseline model served, or every slot busy.",
    },
}


def _checked(state: ServiceState, request: BaselineRequest) -> BaselineModel:
    """The model to use (read once: a reload meanwhile does not mix versions), after the
    request's limits are checked."""
    model: BaselineModel | None = (
        state.registry.named(request.model, field="model")
        if request.model is not None
        else state.registry.current
    )
    if model is None:
        raise ArtifactError(
            "no default baseline model is served: publish and promote one, then reload, or "
            "name a served one in model (GET /v1/models)"
        )
    hours = ((request.end - request.start).days + 1) * 24
    limit = state.settings.max_baseline_draw_hours
    if request.draws * hours > limit:
        raise OptionsError(
            f"draws x hours = {request.draws} x {hours} = {request.draws * hours:.3g}: at most "
            f"{limit:.3g} allowed on this service (FORECAST_MAX_BASELINE_DRAW_HOURS); ask fewer "
            "draws or a shorter period"
        )
    if request.draws > state.settings.max_draws:
        raise OptionsError(
            f"draws = {request.draws}: at most {state.settings.max_draws} allowed on this service"
        )
    check_period_years(request.start, request.end, max_years=state.settings.max_horizon_years)
    check_local_midnights(model.timezone, request.start, request.end, field="model timezone")
    return model


def _forecast(model: BaselineModel, request: BaselineRequest) -> NumpyJSONResponse:
    local_times = pd.date_range(
        pd.Timestamp(request.start).tz_localize(model.timezone),
        pd.Timestamp(request.end + dt.timedelta(days=1)).tz_localize(model.timezone),
        freq="h",
        inclusive="left",
    )
    weather = load_weather(request.weather, location=_weather_location(model))
    sample = sample_baseline(
        model,
        local_times,
        weather,
        request.draws,
        np.random.default_rng(request.seed),
        quantiles=request.quantiles,
        history=True,
    )
    probabilities = sample.quantiles
    hours_per_year = np.bincount(sample.local_times.year.to_numpy() - sample.years[0])[
        sample.years - sample.years[0]
    ]
    body = {
        "model_version": model_label(model),
        "units": "MW",
        "time": sample.local_times.tz_convert("UTC").tz_localize(None).to_numpy(),
        "local_time": list(local_iso(sample.local_times)),
        "quantile": probabilities,
        "quantile_mw": np.ascontiguousarray(sample.quantile_mw),
        "point_mw": np.ascontiguousarray(sample.point_mw),
        "year": np.asarray(sample.years, dtype=np.int64),
        "baseline_level": model.level.describe(sample.years),
        "annual_peak_gw": np.quantile(sample.annual_peak_draws_mw, probabilities, axis=0) * 1e-3,
        "annual_energy_twh": np.quantile(
            sample.annual_mean_draws_mw * hours_per_year * 1e-6, probabilities, axis=0
        ),
    }
    return NumpyJSONResponse(body, headers={"X-Model-Version": model_label(model)})


def _weather_location(model: BaselineModel) -> str:
    """The model's own weather location (its manifest's), else its country's default: never
    another grid's."""
    named = model.manifest.get("weather_location")
    country = manifest_country(model.manifest) or ""
    try:
        return resolve_weather_location(country, named, origin=f"model {model_label(model)}")
    except ScenarioError as error:
        raise ArtifactError(str(error)) from None


async def _answer(state: ServiceState, request: BaselineRequest) -> NumpyJSONResponse:
    model = _checked(state, request)
    need = estimates.baseline_bytes(
        request.draws, request.start, request.end, len(request.quantiles)
    )
    async with state.admission.slot("baseline forecast", need):
        return await run_in_threadpool(_forecast, model, request)


@router.post(
    "",
    summary="Baseline demand forecast",
    response_model=BaselineResponse,
    response_class=NumpyJSONResponse,
    responses=_RESPONSES,
)
async def post_baseline(
    request: BaselineRequest, state: Annotated[ServiceState, Depends(get_ready_state)]
) -> NumpyJSONResponse:
    """Hourly quantiles [MW] and per-year peak [GW] and energy [TWh] of a grid's demand
    without AI load, from a served baseline model (`model`, else the default one), over an
    ensemble of its location's weather years."""
    return await _answer(state, request)


@router.get(
    "",
    summary="Baseline demand forecast (query parameters)",
    response_model=BaselineResponse,
    response_class=NumpyJSONResponse,
    responses=_RESPONSES,
)
async def get_baseline(
    state: Annotated[ServiceState, Depends(get_ready_state)],
    start: Annotated[Day, Query(description="First day, model local time.")],
    end: Annotated[Day, Query(description="Last day (inclusive).")],
    draws: Annotated[int, Query(ge=1, le=MAX_DRAWS, description="Monte Carlo draws.")] = 200,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED, description="Random seed.")] = 0,
    quantiles: Annotated[
        list[Annotated[float, Field(gt=0.0, lt=1.0)]] | None,
        Query(
            max_length=99,
            description="Probability levels in (0, 1), repeated: quantiles=0.1&quantiles=0.9.",
        ),
    ] = None,
    weather: Annotated[WeatherKind, Query(description="Future weather.")] = "auto",
    model: Annotated[
        str | None,
        Query(
            pattern=MODEL_REFERENCE_PATTERN,
            description="A served model, id[@version] (GET /v1/models); default: the default.",
        ),
    ] = None,
) -> NumpyJSONResponse:
    """As POST /v1/baseline, with the options as query parameters."""
    request = BaselineRequest(
        start=start,
        end=end,
        draws=draws,
        seed=seed,
        quantiles=quantiles or list(DEFAULT_QUANTILES),
        weather=weather,
        model=model,
    )
    return await _answer(state, request)
