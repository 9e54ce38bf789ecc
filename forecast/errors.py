"""One exception hierarchy for the project.

Each error subclasses the builtin it refines, so callers can catch ``ValueError`` or the
specific class; every message names the field, the value and what is allowed. A value is
echoed through :func:`shown_value`, which cuts a long one short, and a range is said by
:func:`allowed_range` (:func:`range_error`), in one wording wherever it is checked.
"""

import datetime as dt

#: Most characters of a value an error message echoes (a scenario's notes run to 8,605).
MOST_SHOWN_CHARACTERS = 200


def shown_value(value: object, *, most_characters: int = MOST_SHOWN_CHARACTERS) -> str:
    """``repr(value)`` as an error message echoes it: at most ``most_characters`` characters
    of it, a longer one cut with ``…`` and its full length (``'Reproduces…' (8,605
    characters)``), so that a message stays one readable line whatever was sent.

    Parameters
    ----------
    value
        The value to echo (text: its ``repr``; a date: as for any other value). [-]
    most_characters
        Characters of the ``repr`` kept. [characters]
    """
    text = repr(value)
    if len(text) <= most_characters:
        return text
    length = len(value) if isinstance(value, str | bytes) else len(text)
    return f"{text[:most_characters]}… ({length:,} characters)"


class ForecastError(Exception):
    """Base class of every error this project raises on purpose."""


class ScenarioError(ForecastError, ValueError):
    """A scenario file or body is malformed or out of range."""


class CatalogError(ForecastError, ValueError):
    """The accelerator catalog is malformed, or an accelerator is unknown."""


class OptionsError(ForecastError, ValueError):
    """A projection option (draws, seed, period, resolution, quantiles) is out of range."""


class DataError(ForecastError, ValueError):
    """An input data file (demand, temperature) is malformed; the message names the row."""


class ArtifactError(ForecastError, RuntimeError):
    """A model artifact is missing, incomplete, tampered with or incompatible."""


class NotFoundError(ForecastError, LookupError):
    """A named resource (scenario, model, accelerator) does not exist."""


class ScenarioNote(UserWarning):
    """Something a scenario file says that its author may not mean (a variant's list that
    replaces its base's); the command line prints it as ``note: ...`` on stderr."""


class WeatherFallback(ScenarioNote):
    """``weather = 'auto'`` found no temperature files and ran synthetic years: the figures
    differ from the observed weather's. The projection's ``weather_kind`` says it too;
    ``weather = 'historical'`` makes it an error instead."""


#: A JSON schema type as an error message says what is allowed.
_SCHEMA_KINDS = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "string": "text",
    "array": "a list",
    "object": "a table",
}


def allowed_by_schema(schema: dict, *, most: int | float | None = None) -> str:
    """What a value of the JSON schema ``schema`` may be, in an error message's words: its
    type and range (``an integer 1..65,535``: :func:`allowed_range`), its choices (``'csv',
    'parquet'``), the pattern text must match, ``or null`` where it may be null; empty where the
    schema names no type. Shared by the command line (typer's options) and the API (request
    bodies, query and path parameters), so both say a range alike.

    Parameters
    ----------
    schema
        A JSON schema (pydantic's ``model_json_schema`` or a type adapter's). [-]
    most
        Lowers the schema's maximum (a service's own draws limit). [the field's unit]
    """
    members = [member for member in schema.get("anyOf", []) if member.get("type") != "null"]
    nullable = len(members) < len(schema.get("anyOf", []))
    if len(members) == 1:
        schema = {**schema, **members[0]}
    if "enum" in schema or "const" in schema:
        choices = schema.get("enum", [schema.get("const")])
        return ", ".join(repr(value) for value in choices) + (", or null" if nullable else "")
    kind = _SCHEMA_KINDS.get(str(schema.get("type")))
    if kind is None:
        return ""
    kind = _SCHEMA_FORMATS.get(str(schema.get("format")), kind)
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if most is not None:
        high = most if high is None else min(high, most)
    allowed = allowed_range(kind, low=low, high=high)
    if kind == "text" and "maxLength" in schema:
        allowed += f" of at most {_number(schema['maxLength'])} characters"
    if kind == "text" and "pattern" in schema:
        allowed += f" matching {schema['pattern']}"
    return allowed + (", or null" if nullable else "")


#: A JSON schema string format as an error message says what is allowed.
_SCHEMA_FORMATS = {
    "date": "a date YYYY-MM-DD",
    "date-time": "an ISO 8601 date-time",
}


def allowed_range(
    kind: str = "an integer",
    *,
    low: int | float | dt.date | None = None,
    high: int | float | dt.date | None = None,
) -> str:
    """What a value in ``low..high`` may be, in every error message's words: ``an integer
    1..100,000``, ``an integer of at least 0``, ``a number of at most 1``, ``a date
    2000-01-01..2100-12-31``, or ``kind`` alone without bounds. The one wording of a range, for
    the library's checks, the command line's options and the API's fields alike.

    Parameters
    ----------
    kind
        What the value is (``an integer``, ``a number``, ``a date``). [-]
    low, high
        Least and greatest value allowed; either may be left out. [the value's unit]
    """
    if low is not None and high is not None:
        return f"{kind} {_number(low)}..{_number(high)}"
    if low is not None:
        return f"{kind} of at least {_number(low)}"
    if high is not None:
        return f"{kind} of at most {_number(high)}"
    return kind


def range_error(
    field: str,
    value: object,
    *,
    kind: str = "an integer",
    low: int | float | dt.date | None = None,
    high: int | float | dt.date | None = None,
    why: str = "",
) -> OptionsError:
    """The error of a value out of its range or of the wrong kind: ``<field> = <value>:
    allowed: <kind> <low>..<high>`` (:func:`allowed_range`), ``why`` after it in brackets
    where given. ``draws = 0`` reads the same from the library, the command line (``--draws =
    0``) and the API.

    Parameters
    ----------
    field
        The field as the caller's user names it (``draws``, ``--draws``). [-]
    value
        The value given (echoed through :func:`shown_value`; a date as written). [-]
    kind, low, high
        What is allowed (:func:`allowed_range`). [the value's unit]
    why
        What the range is for (``the paths to write``). [-]
    """
    shown = value.isoformat() if isinstance(value, dt.date) else shown_value(value)
    reason = f" ({why})" if why else ""
    return OptionsError(
        f"{field} = {shown}: allowed: {allowed_range(kind, low=low, high=high)}{reason}"
    )


def _number(value: float | dt.date) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"
