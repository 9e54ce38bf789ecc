"""A 422 for a query (or path) parameter says what the parameter allows, as a body field's
does, on the real server: ``GET /v1/runs?limit=abc`` read ``query.limit = 'abc': Input should
be a valid integer, unable to parse string as an integer``, without the range 1..500 (errors
review, finding 3). Every route's every constrained query parameter is tried, from the
service's own OpenAPI document, so a route added later is covered too."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.data import requires_shared_data
from tests.support.server import SharedServers, running_server

pytestmark = requires_shared_data


@pytest.fixture(scope="module")
def server(shared_servers: SharedServers) -> str:
    """The shared real server with the default settings (the shipped model)."""
    return shared_servers.base()


def _bad_value(schema: dict) -> str | None:
    """A value the parameter's schema refuses; None where it refuses none (free text)."""
    members = [item for item in schema.get("anyOf", [schema]) if item.get("type") != "null"]
    schema = members[0] if len(members) == 1 else schema
    if "enum" in schema or "const" in schema:
        return "no-such-choice"
    kind, text_format = schema.get("type"), schema.get("format")
    if kind in ("integer", "number", "boolean") or text_format in ("date", "date-time"):
        return "not-a-value"
    if kind == "string" and "pattern" in schema:
        return "!"
    if kind == "string" and "maxLength" in schema:
        return "a" * (schema["maxLength"] + 1)
    return None


def _constrained_query_parameters(document: dict) -> list[tuple[str, str, str, str]]:
    """(method, path, parameter, bad value) of every query parameter with a constraint."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                bad = _bad_value(parameter.get("schema", {}))
                if parameter["in"] == "query" and bad is not None:
                    found.append((method.upper(), path, parameter["name"], bad))
    return found


def _patterned_path_parameters(document: dict) -> list[tuple[str, str, str, str]]:
    """(method, path, parameter, its pattern) of every path parameter with a pattern."""
    return [
        (method.upper(), path, parameter["name"], parameter["schema"]["pattern"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and "pattern" in parameter.get("schema", {})
    ]


#: An admin key: a route that needs a key gets one, and checks its path as any other.
ADMIN_KEY = "admin-key-000000001"


def test_a_path_parameter_says_in_words_what_it_allows():
    """``GET /v1/runs/xyz`` read ``path.run_id = 'xyz': String should match pattern
    '^[0-9a-f]{32}$' (allowed: text matching ^[0-9a-f]{32}$)``: the regex twice, what to type
    never. Every path parameter with a pattern, from the service's own OpenAPI document, says
    what is allowed in words, its pattern nowhere."""
    with running_server({"FORECAST_API_KEYS": f"admin:{ADMIN_KEY}"}) as (server, _seconds):
        wrong = _path_parameters_said_with_their_pattern(server)
    assert not wrong, "\n".join(wrong)


def _path_parameters_said_with_their_pattern(server: str) -> list[str]:
    """Each path parameter with a pattern whose 422 is not ``path.<name> = 'Not!Valid': not
    of the allowed form (allowed: ...)``, or says the pattern: its route and the answer."""
    headers = {"X-API-Key": ADMIN_KEY}
    document = httpx.get(f"{server}/openapi.json", headers=headers, timeout=30).json()
    parameters = _patterned_path_parameters(document)
    # scenario_id, run_id, job_id, model_id, accelerator_id.
    assert len({name for _, _, name, _ in parameters}) >= 5, parameters
    wrong = []
    for method, path, name, pattern in parameters:
        # The parameter refused, any other of the path of a form its own pattern takes.
        url = re.sub(r"\{[a-z_]+\}", "0" * 32, path.replace(f"{{{name}}}", "Not!Valid"))
        answer = httpx.request(method, f"{server}{url}", headers=headers, timeout=60)
        detail = answer.json().get("detail", "")
        said = f"path.{name} = 'Not!Valid': not of the allowed form (allowed: "
        if answer.status_code != 422 or not detail.startswith(said) or pattern in detail:
            wrong.append(f"{method} {path}: {answer.status_code} {detail[:300]}")
    return wrong


def test_a_scenario_id_in_the_path_is_said_in_words(server: str):
    answer = httpx.get(f"{server}/v1/scenarios/Bad_Id/versions", timeout=60)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == (
        "path.scenario_id = 'Bad_Id': not of the allowed form (allowed: a scenario id: "
        "lowercase letters, digits and '-', 1..64 characters, the first a letter or digit)"
    )


def test_every_query_parameter_error_names_what_is_allowed(server: str):
    document = httpx.get(f"{server}/openapi.json", timeout=30).json()
    parameters = _constrained_query_parameters(document)
    # The routes that take query parameters: runs, results, scenarios, baseline, models,
    # projections, comparisons, jobs.
    assert len({path for _, path, _, _ in parameters}) >= 8, parameters
    missing = []
    for method, path, name, bad in parameters:
        # A path parameter gets a value of the right form (a run id: 32 hex digits).
        url = re.sub(r"\{run_id\}|\{job_id\}", "0" * 32, path)
        url = re.sub(r"\{[a-z_]+\}", "kr-national", url)
        answer = httpx.request(method, f"{server}{url}", params={name: bad}, timeout=60)
        assert answer.status_code == 422, (method, url, name, answer.text)
        detail = answer.json()["detail"]
        assert "\n" not in detail
        part = next(
            (part for part in detail.split("; query.") if part.startswith((f"query.{name} = ",
                                                                          f"{name} = "))),
            None,
        )  # fmt: skip
        # A pattern said in words (test_a_path_parameter_says_in_words_what_it_allows).
        regex = "should match pattern" in detail or " matching ^" in detail
        if part is None or regex or not ("(allowed: " in part or ": allowed: " in part):
            missing.append(f"{method} {path} ?{name}={bad[:20]}: {detail[:300]}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "/v1/runs?limit=abc",
            "query.limit = 'abc': Input should be a valid integer, unable to parse string as an "
            "integer (allowed: an integer 1..500)",
        ),
        (
            "/v1/runs?offset=-1",
            "query.offset = '-1': Input should be greater than or equal to 0 (allowed: an "
            "integer 0..10,000,000)",
        ),
        (
            "/v1/runs?status=done",
            "query.status = 'done': not one of the choices (allowed: 'queued', 'running', "
            "'succeeded', 'failed', 'cancelled')",
        ),
        (
            "/v1/runs?scenario_sha256=xyz",
            "query.scenario_sha256 = 'xyz': not of the allowed form (allowed: a sha256 digest: "
            "64 hex digits (0-9, a-f))",
        ),
        (
            "/v1/scenarios/kr-national?version=0",
            "query.version = '0': Input should be greater than or equal to 1 (allowed: an "
            "integer 1..1,000,000)",
        ),
    ],
)
def test_a_query_parameter_error_has_a_body_fields_shape(server: str, url: str, expected: str):
    """``field = value: what is wrong (allowed: ...)``, the words of the body's 422s
    (``tests/service/test_field_errors.py``); a parameter left out is none, so a range is
    not said ``or null``."""
    answer = httpx.get(f"{server}{url}", timeout=60)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == expected
