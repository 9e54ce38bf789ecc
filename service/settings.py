"""Service settings, read from ``FORECAST_*`` environment variables (pydantic-settings).

Routers reach them through :func:`get_settings`, a cached dependency that tests override with
``app.dependency_overrides`` or by passing ``create_app(settings=...)``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from forecast.projection import MAX_DRAWS
from forecast.scenario import MAX_HORIZON_YEARS


class Settings(BaseSettings):
    """Everything an operator can tune; each field is the env var ``FORECAST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FORECAST_", frozen=True, extra="ignore")

    artifact_dir: Path | None = Field(
        default=None,
        description="Directory of baseline model artifacts (<model_id>/<version>/manifest.json); "
        "unset: the shipped models/artifacts.",
    )
    data_dir: Path | None = Field(
        default=None,
        description="Directory of the real KPX demand and temperature data, read by the library "
        "(same variable as the CLI); unset: ../shared/data.",
    )
    max_draws: int = Field(
        default=10_000, ge=1, le=MAX_DRAWS, description="Most Monte Carlo draws per request."
    )
    max_horizon_years: int = Field(
        default=MAX_HORIZON_YEARS,
        ge=1,
        le=MAX_HORIZON_YEARS,
        description="Most calendar years a requested period may span. [years]",
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1_024, description="Largest accepted request body. [bytes]"
    )
    job_threshold_draw_hours: float = Field(
        default=2.0e8,
        gt=0,
        description="Projections of more draws x hours than this run as a background job "
        "(202 Accepted) instead of inline. [draw-hours]",
    )
    max_baseline_draw_hours: float = Field(
        default=1.0e7,
        gt=0,
        description="Largest baseline forecast (draws x hours); the sampler holds every draw "
        "in memory, 8 bytes each. [draw-hours]",
    )
    max_concurrent_jobs: int = Field(
        default=1, ge=1, le=64, description="Jobs computed at the same time (worker threads)."
    )
    max_queued_jobs: int = Field(
        default=4,
        ge=0,
        le=1_000,
        description="Jobs waiting for a worker; one more is refused with 429 and Retry-After.",
    )
    max_inline_projections: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Inline (below-threshold) projections computed at the same time; a request "
        "that finds them all busy waits up to inline_wait_seconds, then gets 503.",
    )
    inline_wait_seconds: float = Field(
        default=30.0, gt=0, description="How long an inline projection waits for a slot. [s]"
    )
    job_records: int = Field(
        default=256, ge=1, description="Finished jobs kept for polling (oldest dropped first)."
    )
    cache_size: int = Field(
        default=64, ge=0, description="Projection results kept in the LRU cache (0: no cache)."
    )
    api_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated API keys allowed to call POST /v1/models/reload; empty: "
        "reload is refused for every key.",
    )

    def allowed_api_keys(self) -> tuple[str, ...]:
        """The configured API keys, blanks dropped."""
        return tuple(
            key.strip() for key in self.api_keys.get_secret_value().split(",") if key.strip()
        )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
