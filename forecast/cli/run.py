"""Running a Typer app as a command: one line on stderr and status 2 on bad input.

Shared by ``forecast`` and the training-side commands (``forecast-train``, ``python -m
models.backtest``, ``python -m models.climatology``), so every command fails the same way:
``error: <file or option>: <field> = <value>: <what is allowed>`` and exit status 2, never a
traceback, for every error the project raises on purpose (:class:`forecast.errors.ForecastError`)
and every malformed option.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from forecast.errors import ForecastError, ScenarioNote, allowed_by_schema, shown_value

# typer vendors its own click; reach its exception base through the public BadParameter.
_ClickException: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


#: A command-line value that reads as a number.
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


class Terminated(BaseException):
    """SIGTERM arrived (cron's ``timeout``, systemd, Kubernetes): raised in the main thread so
    that the command unwinds as on Ctrl-C, and a half-written output's temporary file is
    removed (:func:`forecast.io.files.atomic_write`); a BaseException, as KeyboardInterrupt
    is, so that no ``except Exception`` swallows it."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Within it, SIGTERM raises :class:`Terminated` (where its default, killing the process
    on the spot, is in place and this is the main thread: a host's own handler is kept)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_app(app: typer.Typer, argv: list[str] | None = None) -> int:
    """Run ``app`` on ``argv`` (default: the process's arguments); return the exit status.

    A :class:`ScenarioNote` is printed once as ``note: <message>`` on stderr. SIGTERM stops
    the command as Ctrl-C does, with status 143 (128 + 15) and ``error: terminated``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("default", ScenarioNote)
        shown = warnings.showwarning
        # The "default" action's record of what was said is cleared whenever a warning filter
        # changes (an import may change one): export-grid said a note three times.
        said: set[str] = set()

        def show(message, category, *args, **kwargs) -> None:
            if issubclass(category, ScenarioNote):
                if str(message) not in said:
                    said.add(str(message))
                    print(f"note: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        with _sigterm_unwinds():
            return _run(app, argv)


def _run(app: typer.Typer, argv: list[str] | None) -> int:
    try:
        # Typer hands back Ctrl-C as the status 130 (its Abort) instead of raising it.
        status = app(args=argv, standalone_mode=False)
    except ForecastError as error:
        print(f"error: {error}".replace("\n", " "), file=sys.stderr)
        return 2
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 130
    except Terminated:
        print("error: terminated", file=sys.stderr)
        return 143
    except _ClickException as error:
        # click's own message of a named option is "Invalid value for --start: ...": the
        # option once, in the project's "error: <option>: <what>" form, not both.
        if isinstance(error, typer.BadParameter) and error.param_hint:
            message = f"error: {error.param_hint}: {error.message}"
        elif isinstance(error, typer.BadParameter) and (refused := _refused_value(error)):
            message = f"error: {refused}"
        else:
            message = f"error: {error.format_message()}"
        message = message.replace("\n", " ")
        print(message, file=sys.stderr)
        return 2
    if status == 130:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


def _refused_value(error: Any) -> str | None:
    """``--port = 'x': allowed: an integer 1..65,535`` for a value typer's own conversion
    refused (an ``int``, ``float``, ``Path``, ``Literal`` option or argument of any command):
    its message was pydantic's alone ("Invalid value for '--flexibility-year': Input should be
    a valid integer, unable to parse string as an integer"), without the value or the range.
    The value and the type's range come from the conversion's own error and schema; None
    where the error is not such a conversion's."""
    param, cause = getattr(error, "param", None), error.__cause__
    if param is None or not callable(getattr(cause, "errors", None)):
        return None
    first = cause.errors(include_url=False)[0]
    opts = getattr(param, "opts", None) or [getattr(param, "name", "value")]
    name = opts[0] if getattr(param, "param_type_name", "") == "option" else str(param.name)
    try:
        schema = param.get_runtime_param().adapter.json_schema()
    except Exception:  # a type without a schema still gets pydantic's message
        schema = {}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        schema = schema["items"]  # an option given several times: each value is one item
    allowed = allowed_by_schema(schema)
    what = f"allowed: {allowed}" if allowed else str(first.get("msg", error.message))
    value = first.get("input")
    # A number typed is shown as typed (--port = 99999999); other text quoted (--port = 'x').
    shown = value if isinstance(value, str) and _NUMBER.fullmatch(value) else shown_value(value)
    return f"{name} = {shown}: {what}"
