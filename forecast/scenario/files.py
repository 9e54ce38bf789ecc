"""Scenario files: reading TOML, schema-1 upgrade, ``extends``, the shipped scenarios.

Part of :mod:`forecast.scenario`; the package's ``__init__`` lists the public names.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from forecast.errors import (
    NotFoundError,
    ScenarioError,
    ScenarioNote,
    schema_at,
    shown_value,
    with_allowed,
)
from forecast.paths import scenarios_dir
from forecast.scenario.defaults import (
    MAX_EXTENDS_DEPTH,
    MAX_SCENARIO_FILE_BYTES,
    SCENARIO_ID_PATTERN,
    SCHEMA_VERSION,
    TIME_ZONE_EXAMPLES,
)
from forecast.scenario.model import Scenario


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Read a schema-version-1 scenario as version 2.

    Version 1 had ``basis = "fleet" | "sites"`` and sites with ``it_mw``. The upgrade keeps
    every figure: ``it_mw`` becomes ``capacity_mw`` with ``capacity_kind = "it"``; a
    ``sites``-basis scenario keeps only its sites (its deployments never drew power), whose
    tenants fill them as before (``tenant_occupancy`` defaults to 1 without deployments). A
    ``fleet``-basis scenario with sites now *hosts* its accelerators in them: an accelerator with
    no room waits, where version 1 only reported the shortfall.
    """
    upgraded = {key: value for key, value in data.items() if key != "basis"}
    upgraded["schema_version"] = SCHEMA_VERSION
    if "timezone" not in data:
        # Version 2 requires the zone; version 1 read a file without one in UTC, and still does.
        upgraded["timezone"] = "UTC"
        warnings.warn(
            ScenarioNote(
                "timezone: not given; a version-1 file (no schema_version = 2) is read in UTC, "
                "as version 1 read it: give timezone (an IANA name such as Asia/Tokyo) and "
                "schema_version = 2"
            ),
            stacklevel=3,
        )
    if data.get("basis") == "sites":
        upgraded.pop("deployments", None)
    sites = []
    for site in data.get("sites") or []:
        if isinstance(site, dict) and "it_mw" in site:
            it_mw = site["it_mw"]
            site = {key: value for key, value in site.items() if key != "it_mw"}
            site.update(capacity_mw=it_mw, capacity_kind="it")
        sites.append(site)
    if "sites" in data:
        upgraded["sites"] = sites
    return upgraded


def _format_location(loc: tuple[Any, ...], data: Any = None) -> str:
    """``sites[3] ('Paju campus').status``: the path, with the name of a named list entry of
    ``data`` (the document validated) beside its position; not where the field is that name
    itself (``sites[0].name = '=1+1'``: the value follows, said once)."""
    parts: list[str] = []
    for position, item in enumerate(loc):
        data = _entry(data, item)
        if isinstance(item, int):
            name = data.get("name") if isinstance(data, dict) else None
            plain = (
                isinstance(name, str)
                and name.isprintable()
                and len(name) <= 80
                and loc[position + 1 : position + 2] != ("name",)
            )
            parts.append(f"[{item}]" + (f" ({name!r})" if plain else ""))
        elif _is_tag(loc, position):
            continue  # the discriminator tag pydantic adds to the path
        elif item.startswith(("function-", "tagged-union[")) or item == "Trend":
            continue  # how pydantic names a union's member: not a field of the file
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _entry(data: Any, key: Any) -> Any:
    """``data[key]`` where there is one, else None."""
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


#: pydantic's error types for a value that is not a plain date.
_DATE_ERRORS = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
)


def _shown(value: Any) -> str:
    """A value as the file wrote it: a TOML date-time as ISO text, not a Python repr; a long
    one cut short (:func:`forecast.errors.shown_value`)."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return shown_value(value)


def _field_names(location: tuple[Any, ...]) -> list[str]:
    """The field names of a validation error's location: without list positions and the tags
    pydantic adds for a union's members."""
    return [
        part
        for position, part in enumerate(location)
        if not (
            isinstance(part, int)
            or _is_tag(location, position)
            or part == "Trend"
            or str(part).startswith(("function-", "tagged-union["))
        )
    ]


def _is_tag(location: tuple[Any, ...], position: int) -> bool:
    """Whether ``location[position]`` is the tag of a quantity's distribution that pydantic
    adds to the path, not a field: ``beta`` is both the Beta distribution's tag and one of its
    fields (``pue.beta`` read ``pue = 0``)."""
    return location[position] in _DIST_TAGS and (
        position == 0 or location[position - 1] not in _DIST_TAGS
    )


def _fields_at(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The field names of the (nested) model at ``location`` of a validation error, sorted;
    empty where the location leaves the models (a mapping of free keys)."""
    current: Any = model
    for part in _field_names(location):
        if _is_model(current) and part not in current.model_fields:
            continue  # a key of a mapping (``grid``'s region): its values are ``current``
        current = _model_in(current.model_fields[part].annotation) if _is_model(current) else None
        if current is None:
            return []
    return sorted(current.model_fields) if _is_model(current) else []


def section_at(location: tuple[Any, ...]) -> type[BaseModel] | None:
    """The table a scenario's field at ``location`` holds (``("flexibility",)``:
    :class:`~forecast.scenario.model.Flexibility`), or None where the field holds a value, a
    quantity or a trend (a union of tables), or the location leaves the scenario's fields."""
    current: Any = Scenario
    for part in _field_names(location):
        if not _is_model(current) or part not in current.model_fields:
            return None
        models = _models_in(current.model_fields[part].annotation)
        current = models[0] if len(models) == 1 else None
    return current if _is_model(current) and current is not Scenario else None


#: The tags of a quantity's distributions, which pydantic puts in an error's location.
_DIST_TAGS = frozenset({"fixed", "triangular", "uniform", "lognormal", "beta"})
_UNION_TAGS = _DIST_TAGS | {"Trend"}

#: What a quantity may be written as, for a value that is none of them ("365 W", "high").
_QUANTITY_FORMS = (
    "allowed: a number in the unit of the field's name (power_w = 365), a table { value = 365, "
    'source = "..." } or { dist = "triangular", low = ..., mode = ..., high = ..., source = '
    '"..." }'
)


def _holds_quantity(model: type[BaseModel], location: tuple[Any, ...]) -> str | None:
    """``"trend"`` where the field at ``location`` of a validation error holds a quantity or a
    trend, ``"quantity"`` where a quantity only, else None."""
    current: Any = model
    parts = _field_names(location)
    for position, part in enumerate(parts):
        if not _is_model(current):
            return None
        if part not in current.model_fields:
            continue  # a key of a mapping (``grid``'s region)
        annotation = current.model_fields[part].annotation
        if position == len(parts) - 1:
            names = {getattr(model_in, "__name__", "") for model_in in _models_in(annotation)}
            return "trend" if "Trend" in names else "quantity" if "Fixed" in names else None
        current = _model_in(annotation)
    return None


def _models_in(annotation: Any) -> list[Any]:
    """Every pydantic model inside an annotation."""
    found = [annotation] if _is_model(annotation) else []
    for argument in get_args(annotation):
        found += _models_in(argument)
    return found


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The first pydantic model inside an annotation (``X | None``, ``list[X]``, ...)."""
    return next(iter(_models_in(annotation)), None)


@functools.cache
def _scenario_schema() -> dict[str, Any]:
    """The scenario's JSON schema, built once (tens of ms)."""
    return Scenario.model_json_schema()


#: Errors a scenario's one-line message spells out; the rest are counted.
SHOWN_ERRORS = 3


def format_validation_error(error: ValidationError, *, origin: str, data: Any = None) -> str:
    """One line: origin, then for each of the first ``SHOWN_ERRORS`` errors of validating
    ``data`` its field path (a named entry with its name), value and what is allowed, joined by
    "; ", and how many more there are (counted as shown: one union member per field).

    Where a value could be a quantity or a trend, pydantic reports both members' errors; the
    quantity member's "no ``dist`` tag" for a list says nothing, so the trend's errors go first.
    """
    errors = error.errors(include_url=False)
    telling = [item for item in errors if item["type"] != "union_tag_not_found"] or errors
    branches = _one_branch(telling)
    parts = [_one_error(item, data) for item in branches[:SHOWN_ERRORS]]
    # Counted as shown: the other union members' errors for the same field are not mistakes
    # of the file's (a limit with low > high is one mistake, not six).
    more = len(branches) - len(parts)
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{origin}: {'; '.join(parts)}{suffix}"


def _one_branch(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """The errors of one union member per field: a value that could be a quantity or a trend
    failed as both, and the member that failed first is the one the file meant (a quantity's
    missing ``high`` says something; the trend's "points: Field required" beside it does not)."""
    chosen: dict[tuple, Any] = {}
    kept = []
    for item in errors:
        location = item["loc"]
        branch = next(
            (i for i, part in enumerate(location) if isinstance(part, str) and _is_member(part)),
            None,
        )
        if (
            branch is None
            or chosen.setdefault(location[:branch], location[branch]) == location[branch]
        ):
            kept.append(item)
    return kept


def _is_member(part: str) -> bool:
    """Whether a location item names a union member (pydantic's tag or model name)."""
    return part in _UNION_TAGS or part.startswith(("tagged-union[", "function-after["))


#: A message that starts with a field's path (``sites[3] ('Paju').region = ...``, ``grid.x:``).
_NAMES_ITS_FIELD = re.compile(r"^[a-z_]+(\[\d+\]( \(.*?\))?)?[.:]")


def _one_error(item: ErrorDetails, data: Any) -> str:
    """``location = value: what is allowed`` for one pydantic error."""
    location = _format_location(item["loc"], data)
    message = item["msg"].removeprefix("Value error, ")
    value = item.get("input")
    if item["type"] == "union_tag_invalid":
        return _tag_error(item, location)
    shown = "" if isinstance(value, dict | list) else f" = {_shown(value)}"
    if item["type"] == "extra_forbidden":
        allowed = _fields_at(Scenario, item["loc"][:-1])
        message = "not a field here" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    elif item["type"] in _DATE_ERRORS:
        message = "allowed: a date written YYYY-MM-DD (in TOML: date = 2030-01-01, unquoted)"
    elif isinstance(value, str) and (kind := _holds_quantity(Scenario, item["loc"])):
        message = _QUANTITY_FORMS + (", or a trend of dated points" if kind == "trend" else "")
    elif item["type"] == "missing" and item["loc"] == ("timezone",):
        message = (
            "missing: the zone the scenario's hours, days and years are counted in; allowed: "
            f"an IANA time zone name such as {TIME_ZONE_EXAMPLES}"
        )
    elif item["type"] != "value_error":
        # A bound, a length, a pattern or a type of the schema: what the field allows, in the
        # API's words (a check of our own, a value_error, says it in its own).
        message = with_allowed(message, item["type"], schema_at(_scenario_schema(), item["loc"]))
    if not item["loc"] and _NAMES_ITS_FIELD.match(message):
        return message  # a check across fields names the field itself (sites[3] ('x').region)
    if message.startswith(location.split(".")[-1]) or shown == "":
        return f"{location}: {message}"
    return f"{location}{shown}: {message}"


def _tag_error(item: ErrorDetails, location: str) -> str:
    """``operations.pue.dist = 'bogus': not one of the choices (allowed: 'fixed', ...)``: a
    distribution's unknown tag, by its field and its choices, as every choice's error reads
    (pydantic's "Input tag 'bogus' found using 'dist' does not match any of the expected
    tags" named neither the field nor "allowed")."""
    context = item.get("ctx", {})
    field = str(context.get("discriminator", "dist")).strip("'")
    tags = re.findall(r"'([^']*)'", str(context.get("expected_tags", "")))
    message = with_allowed(item["msg"], "literal_error", {"enum": tags})
    return f"{location}.{field} = {_shown(_entry(item.get('input'), field))}: {message}"


def parse_scenario(
    data: dict[str, Any], *, origin: str = "scenario", directory: Path | None = None
) -> Scenario:
    """Validate a scenario from a mapping (a parsed TOML file or a JSON body); ``directory``
    is the file's, where ``extends`` may also name a scenario file beside it.

    Raises
    ------
    ScenarioError
        One line naming ``origin``, the field, the value and what is allowed.
    """
    if isinstance(data, dict) and "extends" in data:
        data = extended(data, origin=origin, directory=directory)
    if isinstance(data, dict) and data.get("schema_version", 1) == 1:
        data = upgrade_v1(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, origin=origin, data=data)) from None
    _check_accelerators(scenario, origin=origin)
    for index, site in enumerate(scenario.sites):
        if site.commissioning > scenario.horizon.end:
            warnings.warn(
                ScenarioNote(
                    f"{origin}: sites[{index}] ({site.name!r}) commissions on "
                    f"{site.commissioning}, after horizon.end = {scenario.horizon.end}: it draws "
                    "no load in this scenario"
                ),
                stacklevel=2,
            )
        elif site.status != "operating" and site.commissioning < scenario.horizon.start:
            warnings.warn(
                ScenarioNote(
                    f"{origin}: sites[{index}] ({site.name!r}) is {site.status.replace('_', ' ')} "
                    f"but commissions on {site.commissioning}, before horizon.start = "
                    f"{scenario.horizon.start}: it asks the grid from the period's first month "
                    f"and its months late count from {site.commissioning}; a site already "
                    "running is status = 'operating'"
                ),
                stacklevel=2,
            )
    from forecast.weather.locations import resolve_weather_location

    resolve_weather_location(scenario.country, scenario.weather_location, origin=origin)
    return scenario


def merged(base: Any, changes: Any) -> Any:
    """``changes`` over ``base``: tables merge key by key, anything else is replaced, and so is
    a quantity (a table with ``value`` or ``dist``: one value, whose fields belong together)."""
    if isinstance(base, dict) and isinstance(changes, dict) and not _is_quantity(changes):
        return {key: merged(base.get(key), value) for key, value in changes.items()} | {
            key: value for key, value in base.items() if key not in changes
        }
    return changes


def _is_quantity(table: dict[str, Any]) -> bool:
    """A quantity's table (``{value = ...}``, ``{dist = "uniform", ...}``), not a section."""
    return "value" in table or "dist" in table


def _base_path(base_id: Any, directory: Path | None, *, origin: str) -> Path:
    """The file ``extends`` names: ``<base_id>.toml`` beside the variant's own file
    (``directory``; a scenario given as data, such as an API body, has none), else the shipped
    scenario of that id (a file beside it that shadows a shipped one is said, as a
    :class:`ScenarioNote`). The id must be a scenario id (``[a-z0-9-]``), so it never leaves
    that directory."""
    shipped = shipped_scenario_paths()
    beside = ""
    if directory is not None:
        if isinstance(base_id, str) and _BASE_ID.fullmatch(base_id):
            path = directory / f"{base_id}.toml"
            if path.is_file():
                if base_id in shipped and path.resolve() != shipped[base_id].resolve():
                    warnings.warn(
                        ScenarioNote(
                            f"{origin}: extends = {base_id!r}: the file beside it, {path}, is "
                            "the base, not the shipped scenario of that id"
                        ),
                        stacklevel=3,
                    )
                return path
        beside = f" or a file <id>.toml beside this one (in {directory})"
    if isinstance(base_id, str) and base_id in shipped:
        return shipped[base_id]
    raise ScenarioError(
        f"{origin}: extends = {base_id!r}: must name a shipped scenario{beside}; shipped: "
        f"{', '.join(shipped)}"
    )


#: What ``extends`` may name beside a variant's file: a scenario id, never a path.
_BASE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def extended(
    data: dict[str, Any], *, origin: str, depth: int = 0, directory: Path | None = None
) -> dict[str, Any]:
    """A variant's data over its base's: ``extends = "<scenario id>"``.

    The variant gives its own ``id`` (a file with none takes its stem, :func:`read_scenario_file`),
    ``title`` and ``description`` and whatever it changes;
    tables (``[operations]``, ``[grid.capital]``, ``[flexibility]``) merge key by key with the
    base's, lists (``[[sites]]``, ``[[deployments]]``) and values replace the base's (a list
    that replaces a different one is said, as a :class:`ScenarioNote` warning). The base is a
    shipped scenario or, for a variant read from a file (``directory``), a scenario file beside
    it named by its id: a variant never reads an arbitrary file, and one given as data (an API
    body) extends shipped scenarios only.

    Raises
    ------
    ScenarioError
        The base is neither, or the chain is too long or circular.
    """
    base_id = data.get("extends")
    base_path = _base_path(base_id, directory, origin=origin)
    if depth >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            f"{origin}: extends = {base_id!r}: more than {MAX_EXTENDS_DEPTH} scenarios in the "
            "chain (is it circular?)"
        )
    base = _read_toml(base_path)
    if "extends" in base:
        base = extended(base, origin=base_path.name, depth=depth + 1, directory=base_path.parent)
    changes = {key: value for key, value in data.items() if key != "extends"}
    for key, value in changes.items():
        replaced = base.get(key)
        if not isinstance(replaced, list) or not isinstance(value, list) or replaced == value:
            continue
        # A list of tables (sites, deployments, non-AI loads), not of words (tags, regions).
        if any(isinstance(item, dict) for item in replaced):
            warnings.warn(
                ScenarioNote(
                    f"{origin}: [[{key}]] replaces the {len(replaced)} {key} of {base_id} "
                    f"with {len(value)} (a variant's lists replace its base's: copy the base's "
                    "entries into the file to keep them)"
                ),
                stacklevel=2,
            )
    return merged(base, changes)


def accelerator_places(scenario: Scenario) -> list[tuple[str, dict[str, float]]]:
    """Every accelerator mix of ``scenario`` with where it is
    (``deployments[0].milestones[2]``): the catalog rows the scenario's numbers use."""
    places = [
        (f"operations.replacement_mix[{j}]", entry.mix)
        for j, entry in enumerate(scenario.operations.replacement_mix or [])
    ]
    for i, deployment in enumerate(scenario.deployments):
        for kind in ("milestones", "shipments", "compute_targets", "replacement_mix"):
            for j, entry in enumerate(getattr(deployment, kind) or []):
                places.append((f"deployments[{i}].{kind}[{j}]", entry.mix))
    return places


def _check_accelerators(scenario: Scenario, *, origin: str) -> None:
    from forecast.scenario.catalog import load_catalog

    catalog = load_catalog()
    for where, mix in accelerator_places(scenario):
        for accelerator_id in mix:
            if accelerator_id not in catalog.ids:
                raise ScenarioError(
                    f"{origin}: {where}.mix.{accelerator_id}: unknown accelerator; "
                    f"allowed: {', '.join(sorted(catalog.ids))}"
                )


def read_scenario_file(path: Path) -> Scenario:
    """Read and validate one scenario TOML file.

    A variant (``extends``) that gives no ``id`` of its own takes its file's stem as id, where
    the stem is a scenario id: it inherited its base's, and ``forecast compare kr-outlook
    kr-outlook-800.toml`` (the README's recipe) was refused as the same scenario given twice.
    """
    try:
        data = _read_toml(path)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise NotFoundError(f"{path}: a directory; allowed: a scenario .toml file") from None
    if "extends" in data and "id" not in data and re.fullmatch(SCENARIO_ID_PATTERN, path.stem):
        data = {"id": path.stem, **data}
    try:
        return parse_scenario(data, origin=path.name, directory=path.resolve().parent)
    except RecursionError:
        raise _too_deep(path.name) from None


def _read_toml(path: Path) -> dict[str, Any]:
    """The scenario file at ``path``, parsed.

    Raises
    ------
    ScenarioError
        The file is not UTF-8 text, or not TOML: one line naming the file, the line and the
        column, and quoting the line (:func:`toml_error_text`).
    OSError
        The file cannot be read.
    """
    with path.open("rb") as handle:
        raw = handle.read(MAX_SCENARIO_FILE_BYTES + 1)
    if len(raw) > MAX_SCENARIO_FILE_BYTES:
        raise ScenarioError(
            f"{path.name}: file size more than {MAX_SCENARIO_FILE_BYTES} bytes: at most "
            f"{MAX_SCENARIO_FILE_BYTES} allowed for a scenario file"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{path.name}: not UTF-8 text: {error.reason}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path.name}: {toml_error_text(text, error)}") from None
    except RecursionError:
        raise _too_deep(path.name) from None


def _too_deep(origin: str) -> ScenarioError:
    """Arrays or tables nested thousands deep: Python's TOML parser (or the validation) runs
    out of stack, and a traceback is no answer to a bad file."""
    return ScenarioError(
        f"{origin}: nested too deeply (arrays or tables within each other, thousands of "
        "levels); allowed: the nesting of a scenario file (a few levels)"
    )


#: Where tomllib's message places a syntax error: "... (at line 4, column 12)", or "... (at end
#: of document)".
_TOML_ERROR_PLACE = re.compile(
    r"^(?P<reason>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$",
    re.DOTALL,
)
#: Most characters of a quoted line (a long line is cut around the column).
_QUOTED_LINE = 80


def toml_error_text(text: str, error: tomllib.TOMLDecodeError) -> str:
    """``malformed TOML at line 4, column 12: Expected ']' ...; the line: '[operations'``: a
    TOML syntax error of the document ``text`` with the line it is on, trimmed (tomllib gives
    only the line and column; an error at the end of the document is placed after its last
    line that is not blank)."""
    place = _TOML_ERROR_PLACE.match(str(error))
    if place is None:
        return f"malformed TOML: {error}"
    lines = text.replace("\r\n", "\n").split("\n")
    if place["line"] is None:
        number = max((i + 1 for i, line in enumerate(lines) if line.strip()), default=1)
        column = len(lines[number - 1]) + 1
        where = f"at the end of the file, line {number}, column {column}"
    else:
        number, column = int(place["line"]), int(place["column"])
        where = f"at line {number}, column {column}"
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    start = max(0, min(column - 1 - _QUOTED_LINE // 2, len(line) - _QUOTED_LINE))
    shown = line[start : start + _QUOTED_LINE]
    cut_before, cut_after = start > 0, start + _QUOTED_LINE < len(line)
    shown = ("..." if cut_before else "") + shown.strip() + ("..." if cut_after else "")
    return f"malformed TOML {where}: {place['reason']}; the line: {shown!r}"


def shipped_scenario_paths() -> dict[str, Path]:
    """Shipped scenario ids mapped to their files, sorted by id."""
    return {path.stem: path for path in sorted(scenarios_dir().glob("*.toml"))}


def list_scenarios() -> list[Scenario]:
    """Every shipped scenario, validated, sorted by id."""
    return [load_scenario(scenario_id) for scenario_id in shipped_scenario_paths()]


def load_scenario(id_or_path: str | Path) -> Scenario:
    """Load a shipped scenario by id, or any scenario TOML file by path.

    A shipped id must match ``[a-z0-9-]`` and never reaches the file system as a path, so an
    identifier cannot escape the scenarios directory.
    """
    text = str(id_or_path)
    shipped = shipped_scenario_paths()
    if text in shipped:
        scenario = read_scenario_file(shipped[text])
    elif isinstance(id_or_path, Path) or text.endswith(".toml") or "/" in text:
        scenario = read_scenario_file(Path(text))
    else:
        raise NotFoundError(
            f"scenario {text!r}: not a shipped scenario id and not a .toml file; "
            f"shipped: {', '.join(shipped) or '(none)'}"
        )
    if text in shipped and scenario.id != text:
        raise ScenarioError(
            f"{shipped[text].name}: id = {scenario.id!r}: must equal the file stem {text!r}"
        )
    return scenario
