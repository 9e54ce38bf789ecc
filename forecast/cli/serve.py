"""``forecast serve``: run the HTTP API under uvicorn.

The app is named by import string so that the library never imports ``service`` itself
(import-linter contract), and so are the log formatter and filter (:mod:`service.logs`); settings
come from ``FORECAST_*`` environment variables.
"""

from __future__ import annotations

import socket
from typing import Annotated, Any

import typer

from forecast.errors import OptionsError

#: Every line: ISO 8601 time (UTC), level, logger, the request's id (``-`` outside a request).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(level: str) -> dict[str, Any]:
    """The :func:`logging.config.dictConfig` dictionary ``forecast serve`` hands uvicorn: one
    handler on stderr for uvicorn's loggers (its access lines included) and the service's and
    the library's, each line with its time and request id (:mod:`service.logs`).

    Parameters
    ----------
    level : str
        ``--log-level``: the service's and the library's loggers take it as uvicorn's do. [-]
    """
    handler = {"class": "logging.StreamHandler", "formatter": "iso", "filters": ["request_id"]}
    logger = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "service.logs.RequestIdFilter"}},
        "formatters": {"iso": {"()": "service.logs.IsoFormatter", "fmt": LOG_FORMAT}},
        "handlers": {"stderr": {**handler, "stream": "ext://sys.stderr"}},
        "loggers": dict.fromkeys(("uvicorn", "uvicorn.access", "service", "forecast"), logger),
    }


def check_can_listen(host: str, port: int) -> None:
    """Bind ``host``:``port`` as uvicorn will (address reuse on, the first address ``host``
    resolves to) and let it go again, so that a busy or unknown address stops ``forecast
    serve`` at once: uvicorn binds only after the app's start-up, which compiles the kernels
    (56 s on a cold cache), and then exits with status 3 (a Jeollanam-do planner's report). A
    privileged port is left to uvicorn.

    Raises
    ------
    OptionsError
        Naming the host, the port and why they cannot be listened on (status 2).
    """
    where = f"--host {host} --port {port}"
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except PermissionError:
        # A privileged port: left to uvicorn, after the app has checked its FORECAST_*
        # settings (tests/service/test_server.py refuses a bad one on --port 1, unprivileged).
        return
    except OSError as error:  # gaierror too: an unknown host
        reason = error.strerror or str(error)
        raise OptionsError(
            f"{where}: cannot listen there ({reason.lower()}); choose a free port or stop "
            "the server that holds it"
        ) from None


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1..65535).", min=1, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="critical|error|warning|info|debug")] = "info",
    root_path: Annotated[
        str | None,
        typer.Option(
            help="Path prefix behind a proxy that strips it (/forecast); default "
            "FORECAST_ROOT_PATH, else none."
        ),
    ] = None,
    proxy_headers: Annotated[
        bool | None,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips; default "
            "FORECAST_PROXY_HEADERS, else on.",
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies trusted for X-Forwarded-* (comma-separated addresses or networks, or "
            "*); default FORECAST_FORWARDED_ALLOW_IPS, else 127.0.0.1."
        ),
    ] = None,
) -> None:
    """Serve the forecast API (OpenAPI docs at /docs) on the shipped data and models.

    One process per database (it holds the database while it runs): its heavy requests share
    slots and its jobs a Dask scheduler, so more processes would need a database each. On
    SIGTERM it stops taking jobs, lets running ones finish for FORECAST_SHUTDOWN_GRACE_SECONDS
    and hands the rest back to the database, re-queued for the next server."""
    import os
    import signal

    import uvicorn

    # The options stand for their FORECAST_* variables: the app reads its settings from the
    # environment (checked there: a malformed value stops it before it listens, status 2), and
    # applies them itself (service.main: the root path, and uvicorn's proxy-headers middleware
    # with the trusted addresses), so that the option and the variable do the same.
    for name, value in {
        "FORECAST_ROOT_PATH": root_path,
        "FORECAST_PROXY_HEADERS": None if proxy_headers is None else str(proxy_headers).lower(),
        "FORECAST_FORWARDED_ALLOW_IPS": forwarded_allow_ips,
    }.items():
        if value is not None:
            os.environ[name] = value
    # The server stops on SIGTERM itself (gracefully: the jobs' grace, then the hand-back), and
    # uvicorn re-raises the signal once stopped: it ends the process by it (status -15, what a
    # service manager expects), not as a command interrupted mid-way ("error: terminated").
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    check_can_listen(host, port)
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        log_config=logging_config(log_level),
        # Named by import string, as the app: closes connections whose request head is slow.
        http="service.server:TimedProtocol",
        # The app wraps itself in uvicorn's proxy-headers middleware as its settings say;
        # uvicorn's own would trust 127.0.0.1 whatever --no-proxy-headers said.
        proxy_headers=False,
    )
