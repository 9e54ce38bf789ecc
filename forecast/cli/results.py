"""``forecast results prune``: remove the service's stored results past a window or a size.

Works on the database and results directory the service is configured with (``FORECAST_*``
variables: ``FORECAST_DATABASE_URL`` or ``FORECAST_STORAGE_DIR``, ``FORECAST_RESULTS_DIR``),
as the running service's own sweep does (:mod:`service.retention`, reached by import string
so that the library never imports ``service`` itself, as ``forecast serve`` names its app).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Annotated, Any

import typer

from forecast.errors import OptionsError, shown_value

results_app = typer.Typer(no_args_is_help=True, help="The service's stored results.")

_AGE = re.compile(r"^(\d+(?:\.\d+)?)([dh])$")


def parse_age(text: str) -> dt.timedelta:
    """``30d`` (days) or ``12h`` (hours) as a duration.

    Raises
    ------
    OptionsError
        Naming ``--older-than``, the value and what is allowed.
    """
    found = _AGE.match(text.strip())
    if found is None or float(found[1]) <= 0:
        raise OptionsError(
            f"--older-than = {shown_value(text)}: allowed: a positive number of days or hours, "
            "such as 30d or 12h"
        )
    number = float(found[1])
    return dt.timedelta(days=number) if found[2] == "d" else dt.timedelta(hours=number)


@results_app.command("prune")
def prune(
    older_than: Annotated[
        str | None,
        typer.Option(help="Remove results computed longer ago than this: 30d (days), 12h."),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(min=0, help="Keep at most this many bytes of results, oldest go first."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Remove nothing; list what would go.")
    ] = False,
) -> None:
    """Remove stored results (the run's record is kept, as a deletion by "retention"; the
    run answers 410 after), never one a queued or running run computes again. With
    --older-than, also failed and cancelled runs that ended before it, and the records of runs
    deleted before it (their ids then answer 404). Safe while the service runs; its own memory
    may still answer a removed result until it lets it go."""
    if older_than is None and max_bytes is None:
        raise OptionsError("--older-than or --max-bytes: give one (e.g. --older-than 30d)")
    window = None if older_than is None else parse_age(older_than)
    service: Any = importlib.import_module("service.retention")
    pruned = service.prune_configured(older_than=window, max_bytes=max_bytes, dry_run=dry_run)
    for run in pruned.runs:
        finished = run.finished_at or run.submitted_at
        print(
            f"{'would remove' if dry_run else 'removed'} run {run.id} {run.scenario_id} "
            f"computed {finished:%Y-%m-%dT%H:%M:%SZ} {run.result_bytes or 0:,} bytes "
            f"{run.digests_text}"
        )
    for run in pruned.ended_runs:
        finished = run.finished_at or run.submitted_at
        print(
            f"{'would remove' if dry_run else 'removed'} {run.status} run {run.id} "
            f"{run.scenario_id} ended {finished:%Y-%m-%dT%H:%M:%SZ} {run.digests_text}"
        )
    for name in pruned.unnamed_files:
        why = "damaged, set aside" if name.endswith(".damaged") else "no run names it"
        print(f"{'would remove' if dry_run else 'removed'} result file {name}: {why}")
    print(pruned.summary(dry_run=dry_run))
