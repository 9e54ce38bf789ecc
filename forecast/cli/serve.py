"""``forecast serve``: run the HTTP API under uvicorn.

The app is named by import string so that the library never imports ``service`` itself
(import-linter contract); settings come from ``FORECAST_*`` environment variables.
"""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1..65535).", min=1, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="critical|error|warning|info|debug")] = "info",
) -> None:
    """Serve the forecast API (OpenAPI docs at /docs) on the shipped data and models.

    One process per database (it holds the database while it runs): its heavy requests share
    slots and its jobs a Dask scheduler, so more processes would need a database each."""
    import uvicorn

    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        # Named by import string, as the app: closes connections whose request head is slow.
        http="service.server:TimedProtocol",
    )
