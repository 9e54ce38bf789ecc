"""Service settings, read from ``FORECAST_*`` environment variables (pydantic-settings).

Routers reach them through :func:`service.deps.get_settings`, a dependency that tests override
with ``app.dependency_overrides[get_settings]`` (or by passing ``create_app(settings=...)``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from forecast.errors import OptionsError, shown_value
from forecast.projection import MAX_DRAWS
from forecast.scenario import MAX_HORIZON_YEARS, SCENARIO_ID_PATTERN

Role = Literal["read", "write", "admin"]
#: Each role includes the ones before it.
ROLES: tuple[Role, ...] = ("read", "write", "admin")
GB = 1_000_000_000
MB = 1_000_000
#: A root path: empty, or segments of URL-safe characters each after a slash, no trailing one.
ROOT_PATH_PATTERN = r"^(/[A-Za-z0-9._~-]+)*$"


def default_storage_dir() -> Path:
    """``$XDG_DATA_HOME/ai-grid-forecast`` (``~/.local/share/ai-grid-forecast``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ai-grid-forecast"


#: Shortest API key accepted: 16 characters leave no room for a guess, even offline.
MIN_KEY_LENGTH = 16
#: File in ``storage_dir`` keeping the deployment's key-id secret (unless ``key_id_secret``).
KEY_ID_SECRET_FILE = "key-id-secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class ApiKey:
    """A configured API key, kept only as its HMAC-SHA256 under the deployment's secret, with
    its role: neither the digest nor the public id it gives can be checked against guesses
    without that secret (a plain sha256 prefix could, in microseconds a guess)."""

    digest: bytes
    role: Role

    @property
    def key_id(self) -> str:
        """Short public name of the key (first 12 hex digits of its keyed digest): the author."""
        return self.digest.hex()[:12]


def key_digest(secret: bytes, key: str) -> bytes:
    """The keyed digest a key is kept and compared as."""
    return hmac.new(secret, key.encode(), hashlib.sha256).digest()


class Settings(BaseSettings):
    """Everything an operator can tune; each field is the env var ``FORECAST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FORECAST_", frozen=True, extra="ignore")

    # --- files and storage -------------------------------------------------------------
    artifact_dir: Path | None = Field(
        default=None,
        description="Directory of baseline model artifacts (<model_id>/<version>/manifest.json); "
        "unset: the shipped models/artifacts.",
    )
    data_dir: Path | None = Field(
        default=None,
        description="Directory of the real KPX demand and temperature data, read by the library "
        "(same variable as the CLI); unset: shared/data beside the checkout, or ../shared/data "
        "from the working directory for an installed package.",
    )
    storage_dir: Path = Field(
        default_factory=default_storage_dir,
        description="Where the service keeps its SQLite database and result files; unset: "
        "$XDG_DATA_HOME/ai-grid-forecast (~/.local/share/ai-grid-forecast).",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the database (postgresql://user:password@host/db); "
        "unset: SQLite file forecast.sqlite3 in storage_dir.",
    )
    results_dir: Path | None = Field(
        default=None,
        description="Where result NetCDF files are written; unset: storage_dir/results. With a "
        "remote Dask scheduler it must be a directory the workers share.",
    )
    results_retention_days: float = Field(
        default=0,
        ge=0,
        le=36_500,
        description="Stored results (result files and their runs) computed longer ago than "
        "this are removed by a sweep every hour; their runs answer 410 saying so, and a "
        "request for the same projection computes it anew. Results that a queued or running "
        "run computes again are kept. Failed and cancelled runs that ended longer ago go too, "
        "and the records of runs deleted longer ago (after which their ids answer 404). 0: "
        "kept for ever. [days]",
    )
    results_max_bytes: int = Field(
        default=0,
        ge=0,
        description="Most bytes of result files kept: past it, the hourly sweep removes the "
        "oldest results first, as for results_retention_days. 0: no limit. [bytes]",
    )
    dask_scheduler: str | None = Field(
        default=None,
        pattern=r"^(tcp|tls|inproc)://[^\s]+$",
        description="Address of a Dask scheduler (tcp://host:8786) for projection jobs; unset: "
        "an in-process LocalCluster.",
    )
    trusted_keys: str = Field(
        default="",
        description="Public keys (PEM files, or directories of *.pub files), separated by "
        "os.pathsep, trusted to sign model artifacts besides the project's shipped key.",
    )
    allow_unsigned_artifacts: bool = Field(
        default=False,
        description="Development only: serve model artifacts without a valid signature.",
    )

    # --- start-up ----------------------------------------------------------------------
    warm_scenario: str = Field(
        default="kr-national",
        pattern=SCENARIO_ID_PATTERN,
        description="Shipped scenario projected once at start-up as the dashboard first asks "
        "for it (200 draws, monthly, over its horizon) and kept in the result cache, so that "
        "the dashboard's first view is a cache hit and later requests for it find its weather "
        "loaded and its baseline shape computed; the dashboard's default. An id that is not "
        "shipped is logged as a warning, and the first shipped scenario is projected over a "
        "day instead.",
    )

    # --- behind a proxy ----------------------------------------------------------------
    root_path: str = Field(
        default="",
        pattern=ROOT_PATH_PATTERN,
        description="Path prefix the service is reached under behind a reverse proxy that "
        "strips it (/forecast): the dashboard's links and API calls, and /docs, carry it. "
        "Empty: served at the root.",
    )
    proxy_headers: bool = Field(
        default=True,
        description="Take the client's address and scheme from X-Forwarded-For and "
        "X-Forwarded-Proto, when the connection comes from forwarded_allow_ips (uvicorn's "
        "--proxy-headers).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        pattern=r"^[0-9A-Za-z.:/*,\s-]+$",
        description="Comma-separated addresses or networks of the proxies whose X-Forwarded-* "
        "headers are trusted, or * for any (uvicorn's --forwarded-allow-ips).",
    )

    # --- request limits ----------------------------------------------------------------
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
    max_body_bytes_in_flight: int = Field(
        default=16 * MB,
        ge=1_024,
        description="Request bodies being received at once, all together; a request that "
        "would exceed it is refused with 503. [bytes]",
    )
    max_requests_in_flight: int = Field(
        default=256,
        ge=1,
        description="Requests handled at once (health checks not counted); one more gets 503.",
    )
    client_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A client that takes longer than this to send its request head or body, "
        "or to take the next part of an answer, is disconnected. [s]",
    )

    # --- admission: slots, memory, jobs ------------------------------------------------
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
        default=1, ge=1, le=64, description="Jobs computed at the same time (Dask threads)."
    )
    max_queued_jobs: int = Field(
        default=4,
        ge=0,
        le=1_000,
        description="Jobs waiting for a worker; one more is refused with 429 and Retry-After.",
    )
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        le=3_600,
        description="On SIGTERM (systemctl stop, a container stop, a rolling restart), how "
        "long running jobs may go on to finish before they are handed back: re-queued in the "
        "database, to be run by the next server to start on it. Keep it a few seconds below "
        "the time the supervisor waits before SIGKILL (Kubernetes' "
        "terminationGracePeriodSeconds, 30 s by default; docker stop's 10 s; systemd's "
        "TimeoutStopSec, 90 s). [s]",
    )
    max_inline_projections: int = Field(
        default_factory=lambda: min(os.cpu_count() or 2, 8),
        ge=1,
        le=256,
        description="Heavy requests (inline projections, baseline forecasts, renders) computed "
        "at the same time (default: one per CPU core, at most 8: more only take turns for the "
        "cores and the GIL, and slow /healthz); a request that finds them all busy waits up "
        "to inline_wait_seconds, then gets 503.",
    )
    max_inline_projections_per_client: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Heavy requests one client (an API key, or an IP address without a key) "
        "may have computing at once, so that one client cannot hold every slot while others "
        "wait; its further requests wait their turn (another client's pass them to a free "
        "slot), up to half of max_waiting_requests of them, rounded up, and one more is "
        "refused with 429 and Retry-After saying so. Default: half of max_inline_projections, "
        "rounded up.",
    )
    max_waiting_requests: int = Field(
        default=32,
        ge=0,
        description="Heavy requests allowed to wait for a slot; one more gets 429 at once.",
    )
    inline_wait_seconds: float = Field(
        default=30.0, gt=0, description="How long a heavy request waits for a slot. [s]"
    )
    memory_budget_bytes: int = Field(
        default=4 * GB,
        ge=256 * MB,
        description="Memory the service may use in all (resident set, jobs and cache "
        "included); a request whose estimate does not fit is refused (413 when it never "
        "could, 503 while others use it). [bytes]",
    )
    job_memory_bytes: int = Field(
        default=1 * GB,
        ge=16 * MB,
        description="Memory set aside for each running job (in-process Dask); a job "
        "estimated above it is refused with 413. [bytes]",
    )
    cache_bytes: int = Field(
        default=512 * MB,
        ge=0,
        description="Results and their renderings kept in memory, all together (0: no "
        "cache). [bytes]",
    )

    # --- API keys ----------------------------------------------------------------------
    api_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated API keys, each ROLE:KEY with ROLE read, write or admin "
        "(a bare KEY is admin); write saves scenarios and manages runs, admin also reloads "
        "models.",
    )
    require_read_key: bool | None = Field(
        default=None,
        description="Ask a key (any role) for reading and projecting too. Default: yes as soon "
        "as api_keys has a key, no (open, for one user on localhost) without keys; false lets "
        "clients without a key read, project and queue jobs beside the keys. True needs at "
        "least one key in api_keys (refused at start otherwise). The dashboard asks for a key "
        "and keeps it for the browser tab.",
    )

    # --- exposure on a shared network (security review, 2026-12) ------------------------
    key_id_secret: SecretStr | None = Field(
        default=None,
        description="Secret the API keys' digests and public ids (the author of runs and "
        "versions) are keyed with (HMAC-SHA256), so that an id cannot be checked against "
        "guessed keys; unset: random, kept in storage_dir/key-id-secret (mode 0600). Set the "
        "same value on every server sharing one database.",
    )
    min_body_bytes_per_second: int = Field(
        default=10_000,
        ge=1,
        description="Slowest accepted upload: a request body must arrive within "
        "BODY_GRACE_SECONDS (5 s) plus its length at this rate, or the request gets 408 (a "
        "client trickling a byte at a time would otherwise hold its place for ever). "
        "[bytes/s]",
    )
    max_requests_in_flight_per_client: int = Field(
        default=32,
        ge=1,
        description="Requests one client (an API key, or an IP address without a key) may "
        "have handled at once; one more gets 429. Requests refused for their key never count.",
    )
    max_jobs_per_client: int = Field(
        default=2,
        ge=1,
        le=1_000,
        description="Jobs one client (an API key, or an IP address without a key) may have "
        "queued or running at once; one more is refused with 429, so one client cannot fill "
        "the job queue.",
    )
    hsts_seconds: int = Field(
        default=0,
        ge=0,
        le=2 * 365 * 24 * 3_600,
        description="Send Strict-Transport-Security: max-age=<this> on every answer, telling "
        "browsers to reach the service over HTTPS only for that long. Set it only where the "
        "service itself is reached over HTTPS (a TLS proxy usually sends the header itself; "
        "on plain HTTP it is wrong). 0: not sent. [s]",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names the service answers to (the Host header; "
        "*.example.org allowed), others get 400: a defence against DNS rebinding, where a web "
        "page's own name is pointed at the service. Unset: any host.",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from service.storage.database import normalised_url

            try:
                normalised_url(value.get_secret_value())
            except Exception as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_parse(cls, value: SecretStr) -> SecretStr:
        parse_api_keys(value.get_secret_value())
        return value

    @field_validator("require_read_key")
    @classmethod
    def _someone_can_read(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        # api_keys is declared before, so validated first; absent here when it was malformed
        # (that error is reported instead).
        keys = info.data.get("api_keys")
        if value and keys is not None and not parse_api_keys(keys.get_secret_value()):
            raise ValueError(
                "no key in FORECAST_API_KEYS, so nobody could read or project: add keys "
                "(read:KEY, any role reads) or leave reading open"
            )
        return value

    def accepted_keys(self) -> tuple[ApiKey, ...]:
        """The configured API keys (keyed digests) with their roles."""
        text = self.api_keys.get_secret_value()
        if not text.strip():
            return ()
        return _digested_keys(text, self.key_secret())

    def reads_need_key(self) -> bool:
        """Whether every ``/v1`` route asks a key: ``require_read_key``, by default whether
        any key is configured."""
        if self.require_read_key is not None:
            return self.require_read_key
        return bool(parse_api_keys(self.api_keys.get_secret_value()))

    def key_secret(self) -> bytes:
        """The deployment's secret the key digests are keyed with: ``key_id_secret``, else
        random bytes kept in ``storage_dir/key-id-secret`` (owner-only), made at first use."""
        if self.key_id_secret is not None:
            return self.key_id_secret.get_secret_value().encode()
        return _stored_secret(self.storage_dir / KEY_ID_SECRET_FILE)

    def database(self) -> str:
        """The SQLAlchemy URL: ``database_url`` or the SQLite file in ``storage_dir``."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.storage_dir / 'forecast.sqlite3'}"

    def retention(self) -> tuple[dt.timedelta | None, int | None]:
        """The retention window and the most bytes of results kept; None: not limited."""
        window = self.results_retention_days
        return (
            dt.timedelta(days=window) if window else None,
            self.results_max_bytes or None,
        )

    def results(self) -> Path:
        """Directory of result files."""
        return self.results_dir or self.storage_dir / "results"

    def inline_slots_per_client(self) -> int:
        """``max_inline_projections_per_client``, by default half the slots rounded up."""
        return self.max_inline_projections_per_client or (self.max_inline_projections + 1) // 2

    def allowed_host_names(self) -> tuple[str, ...]:
        """The ``allowed_hosts`` entries; empty: any host."""
        return tuple(part.strip() for part in self.allowed_hosts.split(",") if part.strip())

    def trusted_key_paths(self) -> tuple[Path, ...]:
        """The ``trusted_keys`` entries as paths."""
        return tuple(Path(part) for part in self.trusted_keys.split(os.pathsep) if part.strip())


def parse_api_keys(text: str) -> tuple[tuple[Role, str], ...]:
    """``ROLE:KEY`` entries (a bare ``KEY`` is admin), separated by commas: (role, key) each.

    Raises
    ------
    ValueError
        An entry names an unknown role, or a key is shorter than :data:`MIN_KEY_LENGTH`
        (the message names the entry's position, role and length, never the key).
    """
    keys: list[tuple[Role, str]] = []
    entries = [part.strip() for part in text.split(",") if part.strip()]
    for position, entry in enumerate(entries, start=1):
        role, separator, key = entry.partition(":")
        if not separator:
            role, key = "admin", entry
        elif role not in ROLES:
            # Not shown: the text before ':' may be part of a secret. A misspelt role must not
            # make the whole entry an admin key.
            raise ValueError(
                f"api_keys: entry {position} of {len(entries)} names a role before ':' that is "
                f"not one of {', '.join(ROLES)} (a bare KEY, without ':', is admin)"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(
                f"api_keys: entry {position} of {len(entries)}, a {role} key of {len(key)} "
                f"characters: at least {MIN_KEY_LENGTH} allowed (make one with openssl rand "
                "-hex 24)"
            )
        keys.append((role, key))  # type: ignore[arg-type]
    return tuple(keys)


@functools.lru_cache(maxsize=16)
def _digested_keys(text: str, secret: bytes) -> tuple[ApiKey, ...]:
    return tuple(
        ApiKey(digest=key_digest(secret, key), role=role) for role, key in parse_api_keys(text)
    )


@functools.lru_cache(maxsize=16)
def _stored_secret(path: Path) -> bytes:
    """The secret in ``path``, written there (0600, in a 0700 directory) the first time."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_hex(32).encode()
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return path.read_bytes()
    with os.fdopen(handle, "wb") as stream:
        stream.write(secret)
    return secret


@functools.lru_cache(maxsize=1)
def environment_settings() -> Settings:
    """The process's settings, read once from the environment.

    Raises
    ------
    OptionsError
        A ``FORECAST_*`` variable is malformed: one line naming the variable, its value and
        what is allowed (``forecast serve`` prints it and exits with status 2).
    """
    try:
        return Settings()
    except ValidationError as error:
        raise OptionsError("; ".join(map(_setting_problem, error.errors()))) from None


def _setting_problem(problem: ErrorDetails) -> str:
    """``FORECAST_<NAME> = <value>: <what is wrong>`` of one validation problem; a secret's
    value (API keys, database URL) is not repeated."""
    name = str(problem["loc"][0]) if problem["loc"] else ""
    secret = "SecretStr" in str(Settings.model_fields[name].annotation) if name else False
    value = "(secret, not shown)" if secret else shown_value(problem.get("input"))
    return f"FORECAST_{name.upper()} = {value}: {problem['msg']}"
