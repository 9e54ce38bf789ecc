"""The ``forecast`` command line: one module per command, registered here.

Errors print one line (``error: <file>: <field> = <value>: <what is allowed>``) to stderr and
exit with status 2 (:mod:`forecast.cli.run`); no output file is written then. Options shared by
several commands are declared once in :mod:`forecast.cli.options`. A new command is a module
here with a Typer function, registered below; every import beyond typer and the light
modules (:mod:`forecast.errors`, :mod:`forecast.limits`) goes inside the function, so a command
starts only what it uses and ``forecast --help``, ``--version`` and a malformed option answer
without numpy, pandas, xarray or numba (``tests/forecast/cli/test_startup.py``).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from forecast.cli import (
    compare,
    export,
    facts,
    keys,
    models,
    plot,
    project,
    report,
    results,
    scenarios,
    serve,
    sweep,
    variables,
    warmup,
)
from forecast.cli.run import run_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="AI compute → grid electricity demand: projections with uncertainty.",
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from forecast import provenance

        print(f"forecast {provenance.code_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and the source it computes with (version+src.<sha256 "
            "prefix>, as results' code_version) and exit.",
        ),
    ] = False,
) -> None:
    """AI compute → grid electricity demand: projections with uncertainty."""


app.command("project")(project.project)
app.add_typer(scenarios.scenarios_app, name="scenarios")
app.add_typer(facts.facts_app, name="facts")
app.add_typer(models.models_app, name="models")
app.command("evaluate")(models.evaluate)
app.command("sweep")(sweep.sweep)
app.command("compare")(compare.compare)
app.command("export-grid")(export.export_grid)
app.command("plot")(plot.plot)
app.command("report")(report.report)
app.command("serve")(serve.serve)
app.add_typer(keys.keys_app, name="keys")
app.add_typer(results.results_app, name="results")
app.command("variables")(variables.variables)
app.command("warm-up")(warmup.warm_up)


class _NoticeHandler(logging.Handler):
    """Writes each notice on a line of its own above any progress bar on stderr
    (``tqdm.write`` clears the bar, writes, and draws it again), where a plain stream handler
    wrote it into the bar's line."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # logging's own rule: a handler never raises
            self.handleError(record)


def _show_notices() -> None:
    """Print the library's notices to stderr as plain lines (the one that matters to a new
    user: the kernels compiling on a first run, :data:`forecast.kernels._jit.COMPILE_NOTICE`),
    unless ``--quiet`` silences them (:data:`forecast.cli.options.QuietOption`): set on every
    run, so that one run's ``--quiet`` does not carry over to the next in the same process.
    """
    logger = logging.getLogger("forecast")
    if not logger.handlers:
        handler = _NoticeHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forecast`` console script; returns the exit status."""
    _show_notices()
    return run_app(app, argv)


if __name__ == "__main__":
    sys.exit(main())
