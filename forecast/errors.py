"""One exception hierarchy for the project.

Each error subclasses the builtin it refines, so callers can catch ``ValueError`` or the
specific class; every message names the field, the value and what is allowed. A value is
echoed through :func:`shown_value`, which cuts a long one short, and a range is said by
:func:`allowed_range` (:func:`range_error`; a year's, :func:`year_error`), in one wording
wherever it is checked; a pattern, by the words declared beside it (:func:`worded_pattern`).
"""

import datetime as dt
from collections.abc import Sequence

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


#: What text matching each pattern is, in an error message's words, by the pattern
#: (:func:`worded_pattern`, beside each pattern's declaration).
_PATTERN_WORDS: dict[str, str] = {}


def worded_pattern(pattern: str, words: str) -> str:
    """``pattern``, with ``words`` recorded as what an error message says text matching it
    is (``a scenario id: lowercase letters, digits and '-', ...``), in place of the regular
    expression itself (:func:`allowed_by_schema`): a user learns what to type, not how to
    read a regex. Returns ``pattern``, so that one declaration says both::

        RUN_ID_PATTERN = worded_pattern(r"^[0-9a-f]{32}$", "an id: 32 hex digits (0-9, a-f)")

    Parameters
    ----------
    pattern
        The regular expression (as a field's ``pattern`` gives it). [-]
    words
        What text matching it is, with its length where it has one. [-]
    """
    _PATTERN_WORDS[pattern] = words
    return pattern


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
    'parquet'``), its length (``text of 1..120 characters``, ``a list of at most 10 items``),
    the text a pattern allows (its words, :func:`worded_pattern`; the pattern where it has
    none), ``or null`` where it may be null; each kind of a union of
    several (``a table or a list``); empty where the schema names no type. Shared by the
    command line (typer's options), the API (request bodies, query and path parameters) and the
    scenario loader (:func:`forecast.scenario.parse_scenario`), so all say a range alike.

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
    kinds = [_SCHEMA_KINDS.get(str(member.get("type"))) for member in members or [schema]]
    if None in kinds:
        return ""
    # One of several kinds (a table of shares or a list of dated ones): each named.
    kind = " or ".join(dict.fromkeys(str(k) for k in kinds))
    kind = _SCHEMA_FORMATS.get(str(schema.get("format")), kind)
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if most is not None:
        high = most if high is None else min(high, most)
    allowed = allowed_range(kind, low=low, high=high)
    # A bound the value may not take (gt, lt): a multiple of 0 read as allowed by "0..10,000".
    open_low = low if "minimum" not in schema and "exclusiveMinimum" in schema else None
    open_high = high if "maximum" not in schema and "exclusiveMaximum" in schema else None
    if open_high is not None and open_high != schema["exclusiveMaximum"]:
        open_high = None  # ``most`` lowered it below the schema's: a bound the value may take
    if open_low is not None and high is None:
        allowed = f"{kind} above {_number(open_low)}"
    elif open_high is not None and low is None:
        allowed = f"{kind} below {_number(open_high)}"
    else:
        allowed += "".join(f", not {_number(b)}" for b in (open_low, open_high) if b is not None)
    length = _length(schema, unit="characters" if kind == "text" else "items")
    words = _PATTERN_WORDS.get(schema.get("pattern", "")) if kind == "text" else None
    if words:
        allowed = ", ".join(part for part in (words, length) if part)
    else:
        allowed = " ".join(part for part in (allowed, length) if part)
        if kind == "text" and "pattern" in schema:
            allowed += f" matching {schema['pattern']}"
    return allowed + (", or null" if nullable else "")


def _length(schema: dict, *, unit: str) -> str:
    """``of 1..120 characters``, ``of at most 10 items``: the length the JSON schema
    ``schema`` allows, in ``unit``; empty where it bounds none."""
    fewest = schema.get("minLength", schema.get("minItems")) or None
    longest = schema.get("maxLength", schema.get("maxItems"))
    if fewest is None and longest is None:
        return ""
    length = allowed_range("", low=fewest, high=longest).strip()
    return f"{'' if length.startswith('of ') else 'of '}{length} {unit}"


def with_allowed(
    message: str, error_type: str, schema: dict | None, *, most: int | float | None = None
) -> str:
    """pydantic's ``message`` for an error of ``error_type`` about a field of JSON schema
    ``schema``, with what the field allows after it: ``Input should be greater than or equal
    to 0 (allowed: a number 0..1,000,000,000)`` (:func:`allowed_by_schema`). A choice's error
    (``literal_error``, ``enum``), whose words list the choices themselves (``Input should be
    'hold' or 'retire'``), says them once, in the same shape: ``not one of the choices
    (allowed: 'hold', 'retire')``; a pattern's, ``not of the allowed form (allowed: an id:
    32 hex digits (0-9, a-f))``, its regex nowhere (:func:`worded_pattern`). Unchanged where
    a field is missing, a check of our own
    already says "allowed", or the schema names no type. The one rule of the API's 422s and
    the scenario loader's errors alike.

    Parameters
    ----------
    message
        pydantic's message (``Value error, `` removed). [-]
    error_type
        pydantic's error type (``greater_than_equal``, ``string_pattern_mismatch``). [-]
    schema
        The field's JSON schema (:func:`schema_at`); None where not known. [-]
    most
        Lowers the schema's maximum (:func:`allowed_by_schema`). [the field's unit]
    """
    if schema is None or error_type == "missing" or "allowed" in message:
        return message
    allowed = allowed_by_schema(schema, most=most)
    if not allowed:
        return message
    return f"{_SAID_BY_ALLOWED.get(error_type, message)} (allowed: {allowed})"


#: What an error whose words repeat what is allowed says instead: a choice's ("Input should be
#: 'hold' or 'retire'") and a pattern's ("String should match pattern '^[0-9a-f]{32}$'").
_SAID_BY_ALLOWED = {
    "literal_error": "not one of the choices",
    "enum": "not one of the choices",
    "string_pattern_mismatch": "not of the allowed form",
}


def schema_at(root: dict, location: Sequence[str | int]) -> dict | None:
    """The JSON schema of the field at a pydantic error's ``location`` (field names and list
    positions) in the JSON schema ``root`` (a model's ``model_json_schema()``), or None where
    the location leaves it. Follows ``$ref``, ``X | None``, lists (a position), mappings (a free
    key: ``grid.<region>``, ``mix.<id>``) and unions; a part naming a union's member (a
    discriminator's tag, ``triangular``; a member's title, ``Trend``) picks that member, and
    pydantic's own names of a union (``tagged-union[...]``, ``function-after[...]``) are
    passed over.

    Parameters
    ----------
    root
        The whole JSON schema, with its ``$defs``. [-]
    location
        The error's ``loc`` (without an API body's leading ``body``). [-]
    """
    definitions = root.get("$defs", {})

    def resolved(node: dict) -> dict:
        reference = node.get("$ref", "")
        return definitions.get(reference.rsplit("/", 1)[-1], node) if reference else node

    def members(node: dict) -> list[dict]:
        """The node and, flattened, every member of its unions, resolved; null left out."""
        node = resolved(node)
        found = [node]
        for member in (*node.get("anyOf", []), *node.get("oneOf", [])):
            if member.get("type") != "null":
                found += members(member)
        return found

    node: dict | None = root
    for part in location:
        if node is None:
            return None
        options = members(node)
        if isinstance(part, int):
            lists = [item for item in options if isinstance(item.get("items"), dict)]
            node = lists[0]["items"] if lists else None
            continue
        # A discriminator's tag first: Beta has a field named as its own tag (beta.beta).
        tagged = [
            resolved({"$ref": item["discriminator"]["mapping"][part]})
            for item in options
            if part in item.get("discriminator", {}).get("mapping", {})
        ]
        named = [item["properties"][part] for item in options if part in item.get("properties", {})]
        titled = [item for item in options if item.get("title") == part and "properties" in item]
        free = [item["additionalProperties"] for item in options
                if isinstance(item.get("additionalProperties"), dict)]  # fmt: skip
        if named or tagged or titled or free:
            node = (tagged or named or titled or free)[0]
        elif not part.startswith(("tagged-union[", "function-")):
            return None
    if node is None:
        return None
    node = resolved(node)
    # ``X | None``: the member that is not null holds the field's own schema.
    kept = [resolved(m) for m in node.get("anyOf", []) if m.get("type") != "null"]
    return {**node, **kept[0]} if len(kept) == 1 else node


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


#: Where a year's range comes from, as :func:`year_error` says it of most year options.
PROJECTION_PERIOD = "the projection's period"


def year_error(
    field: str, value: object, *, low: int | None = None, high: int | None = None, why: str = ""
) -> OptionsError:
    """The error of a year out of its range or not a year, in :func:`range_error`'s words,
    the years as written (2030, not 2,030): ``--drivers-year = 2040: allowed: a year
    2024..2035 (the projection's period)``. Every year option's one wording (``--years``,
    ``--drivers-year``, ``--weather-year``...), on the command line and in the API alike.

    Parameters
    ----------
    field
        The option as the caller's user names it (``--years``, ``weather_year``). [-]
    value
        The value given. [year]
    low, high
        First and last year allowed; either may be left out. [year]
    why
        Where the range comes from (``the projection's period``). [-]
    """
    return range_error(
        field,
        value,
        kind="a year",
        low=None if low is None else _Year(low),
        high=None if high is None else _Year(high),
        why=why,
    )


class _Year(int):
    """A year in an error message: written without a thousands separator."""


def _number(value: float | dt.date) -> str:
    if isinstance(value, _Year):
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{int(value):,}"  # 1e9 as 1,000,000,000, not 1e+09
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"
