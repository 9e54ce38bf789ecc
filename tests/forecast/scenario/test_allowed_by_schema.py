"""Every constrained field of the scenario schema, given a value it refuses, reads as one line
naming the file, the field, the value and what the field allows, in the API's words
(:func:`forecast.errors.with_allowed`): ``milestones[0].count = -5: Input should be greater
than or equal to 0`` named no range, where the API's 422 for a request's own field says
``(allowed: ...)``."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from forecast.errors import ScenarioError, allowed_by_schema, schema_at, shown_value
from forecast.scenario import SCENARIO_ID_PATTERN, Scenario, parse_scenario
from tests.conftest import SMALL_SCENARIO

#: JSON schema keywords of a constraint.
CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern", "enum",
               "const", "minLength", "maxLength", "minItems", "maxItems")  # fmt: skip
#: A valid value of each quantity form, the field set to a refused value in turn.
QUANTITY_FORMS = {
    "Fixed": {"value": 1.0},
    "Lognormal": {"dist": "lognormal", "median": 1.0, "sigma": 0.1},
    "Beta": {"dist": "beta", "alpha": 2.0, "beta": 2.0, "low": 0.5, "high": 1.0},
    "Trend": {"points": [{"date": "2025-01-01", "value": 1.0}]},
}


def _document() -> dict[str, Any]:
    """The small scenario with one entry of every list and table the schema has."""
    data = tomllib.loads(SMALL_SCENARIO)
    data |= {
        "hosting": "sites", "weather_location": "seoul", "baseline_model": "none",
        "notes": "n", "caveats": ["c"], "tags": ["t"],
        "flexibility": {"share": 0.3, "mode": "curtail", "hours_per_year": 50,
                        "threshold_mw": 10.0, "from_year": 2026},
        "grid": {"capital": {"limit_mw": 100.0, "reinforcements": [
            {"date": "2026-06-30", "mw": 50.0, "delay_months": 0.0}]}},
        "non_ai_loads": [{"name": "servers", "kind": "other", "region_shares": {"capital": 1.0},
                          "energy_twh": 1.0, "pue": 1.5, "draw_group": "g"}],
    }  # fmt: skip
    mix = [{"date": "2025-01-01", "mix": {"h100_sxm": 1.0}}]
    data["operations"] |= {"cooling": "air", "replacement_mix": mix}
    deployment = data["deployments"][0]
    deployment["after_last"] = "hold"
    deployment["replacement_mix"] = copy.deepcopy(mix)
    deployment["shipments"] = [
        {"start": "2025-01-01", "end": "2025-12-31", "count": 10, "mix": {"h100_sxm": 1.0}}
    ]
    deployment["compute_targets"] = [
        {"date": "2026-12-31", "multiple": 2.0, "relative_to": "2025-12-31",
         "metric": "bf16_dense_tflops", "mix": {"h100_sxm": 1.0}}
    ]  # fmt: skip
    data["sites"][0] |= {"grid_request": "whole", "cooling": "air"}
    return data


def _constrained() -> dict[tuple[str, str], tuple[tuple[str, ...], dict[str, Any]]]:
    """Each constrained field once, by the table that declares it and its name: the path of
    its first place in the scenario (``*`` a list's entry, ``<key>`` a mapping's) and its
    constraints."""
    root = Scenario.model_json_schema()
    definitions = root["$defs"]
    found: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, Any]]] = {}

    def walk(node: dict, path: tuple[str, ...], owner: str, seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(definitions[name], path, name, seen | {name})
            return
        constraints = {key: node[key] for key in CONSTRAINTS if key in node}
        if constraints and path:
            found.setdefault((owner, path[-1]), (path, constraints))
        for member in (*node.get("anyOf", []), *node.get("oneOf", [])):
            walk(member, path, owner, seen)
        for name, child in node.get("properties", {}).items():
            walk(child, (*path, name), owner, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, "*"), owner, seen)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], (*path, "<key>"), owner, seen)

    walk(root, (), "Scenario", frozenset())
    return found


def _refused(constraints: dict[str, Any], valid: Any) -> Any:
    """A value the constraints refuse (``valid``: an accepted one, to copy into a long list)."""
    if "minimum" in constraints:
        return constraints["minimum"] - 1
    if "exclusiveMinimum" in constraints:
        return constraints["exclusiveMinimum"]
    if "maximum" in constraints:
        return constraints["maximum"] + 1
    if "pattern" in constraints:
        return "!"
    if "enum" in constraints or "const" in constraints:
        return "bogus"
    if "maxLength" in constraints and isinstance(valid, str):
        return "x" * (constraints["maxLength"] + 1)
    if "minLength" in constraints and isinstance(valid, str):
        return ""
    if "maxItems" in constraints or "maxLength" in constraints:
        most = constraints.get("maxItems", constraints.get("maxLength"))
        if isinstance(valid, dict):  # a mapping held to at most so many keys
            return {f"k{i}": 0.0 for i in range(most + 1)}
        return [copy.deepcopy(valid[0]) for _ in range(most + 1)]
    return []  # minItems


CASES = sorted(_constrained().items())


def test_every_constrained_table_is_reached():
    """The document has a place for every table that declares a constrained field."""
    owners = {owner for (owner, _), _ in CASES}
    assert {"Scenario", "Milestone", "Shipment", "ComputeTarget", "Deployment", "Site",
            "NonAiLoad", "RegionGrid", "Flexibility", "Operations", "Lognormal", "Beta",
            "Trend", "Fixed"} <= owners  # fmt: skip


@pytest.mark.parametrize(
    ("owner", "name", "path", "constraints"),
    [pytest.param(o, n, p, c, id=f"{o}.{n}") for (o, n), (p, c) in CASES],
)
def test_a_refused_value_names_what_the_field_allows(owner, name, path, constraints):
    data = _document()
    parse_scenario(copy.deepcopy(data), origin="my.toml")  # the document itself is valid
    if owner in QUANTITY_FORMS:
        # A quantity's own field: the quantity at its first place, in the form that has it.
        holder = data
        for part in path[: path.index("points" if owner == "Trend" else name) - 1]:
            holder = holder[0] if part == "*" else holder[part]
        key = path[path.index("points" if owner == "Trend" else name) - 1]
        holder[key] = copy.deepcopy(QUANTITY_FORMS[owner])
        if owner == "Fixed":
            holder[key]["dist"] = "fixed"
        parent, field = holder[key], name
    else:
        parent = data
        for part in path[:-1]:
            if part == "*":
                parent = parent[0]
            elif part == "<key>":
                parent = next(iter(parent.values()))
            else:
                parent = parent[part]
        field = path[-1]
        if field == "*":
            parent, field = parent, 0
    valid = parent[field]
    parent[field] = refused = _refused(constraints, valid)
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(data, origin="my.toml")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("my.toml: "), message
    # The field by its name (an entry of a list: the list's, with its position).
    assert (path[-2] if name == "*" else name) in message, message
    if isinstance(refused, str | int | float) and refused != "":
        assert shown_value(refused) in message or f" = {refused}" in message, message
    assert "(allowed: " in message or ": allowed: " in message, message
    if "enum" in constraints or "const" in constraints:
        # The choices said once, as every field's allowed values are, not in pydantic's words
        # ("Input should be 'hold' or 'retire'") with no "allowed" beside them.
        choices = constraints.get("enum", [constraints.get("const")])
        allowed = message.split("(allowed: ")[-1]
        assert all(repr(choice) in allowed for choice in choices), message
        assert "Input should be" not in message, message


@pytest.mark.parametrize(
    ("location", "kind"),
    [
        (("deployments", 0, "milestones", 0, "count"), "number"),
        (("operations", "pue", "tagged-union[Fixed,Lognormal]", "lognormal", "sigma"), "number"),
        (("operations", "pue", "Trend", "points", 0, "quantity", "fixed", "value"), "number"),
        (("grid", "capital", "reinforcements"), "array"),
        (("regions", 3), "string"),
    ],
)
def test_the_schema_of_an_error_location(location, kind):
    """:func:`forecast.errors.schema_at` follows lists, mappings, tagged unions and a
    member's title, and passes over pydantic's names of a union."""
    schema = schema_at(Scenario.model_json_schema(), location)
    assert schema is not None and schema["type"] == kind


@pytest.mark.parametrize(
    ("schema", "most", "expected"),
    [
        ({"type": "number", "minimum": 0, "maximum": 1e9}, None, "a number 0..1,000,000,000"),
        ({"type": "number", "exclusiveMinimum": 0}, None, "a number above 0"),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 1e4}, None,
         "a number 0..10,000, not 0"),
        ({"type": "integer", "exclusiveMaximum": 100}, 50, "an integer of at most 50"),
        ({"type": "string", "minLength": 1, "maxLength": 120}, None, "text of 1..120 characters"),
        ({"type": "array", "maxItems": 10}, None, "a list of at most 10 items"),
        ({"anyOf": [{"type": "object"}, {"type": "array"}, {"type": "null"}], "maxLength": 50},
         None, "a table or a list of at most 50 items, or null"),
        # A pattern in its words, the field's own length beside them; one without words as is.
        ({"type": "string", "pattern": SCENARIO_ID_PATTERN, "maxLength": 20}, None,
         "a scenario id: lowercase letters, digits and '-', 1..64 characters, the first a "
         "letter or digit, of at most 20 characters"),
        ({"type": "string", "pattern": "^x+$", "maxLength": 20}, None,
         "text of at most 20 characters matching ^x+$"),
    ],
)  # fmt: skip
def test_what_a_schema_allows_in_words(schema, most, expected):
    """Hand-checked wordings of :func:`forecast.errors.allowed_by_schema`: a length, a bound
    the value may not take, each kind of a union, a round number in full (was ``1e+09``), a
    pattern in words (:func:`forecast.errors.worded_pattern`; was the regex)."""
    assert allowed_by_schema(schema, most=most) == expected
