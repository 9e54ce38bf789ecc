"""``/scenarios`` (under ``/v1``): the shipped scenarios, and scenarios saved by a team.

A saved scenario is validated exactly as a scenario file is, stored with its digest, the id of
the key that saved it and the time, and versioned: ``POST`` creates version 1, ``PUT`` the
next one; versions never change. ``DELETE`` archives it: no longer listed, no new versions,
but every version stays readable and projectable (a past analysis can be repeated). Saving a
new scenario needs a key with the write role; adding a version to one or archiving it, the key
that created it or an admin key: its next version becomes the one every projection by its id
uses, and another analyst's key is not proof of speaking for its author (every version keeps
its own author, so the record of who changed what stays).

Edits are guarded the HTTP way: a saved scenario's ``GET`` answers an ``ETag`` naming the
version shown (``"v3"``), and a ``PUT`` with ``If-Match`` naming any version but the latest
answers ``412`` naming the latest, so that an edit built on an older version never overwrites
one its author did not see. A ``PUT`` without ``If-Match`` saves the next version as before.
``DELETE`` takes the same preconditions: with ``If-Match`` naming an older version it archives
nothing (412), so a scenario a colleague has just changed is not archived unseen.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from starlette.responses import JSONResponse, Response

from forecast.errors import NotFoundError, OptionsError, ScenarioError
from forecast.projection import scenario_digest
from forecast.scenario import SCENARIO_ID_PATTERN, Scenario, parse_scenario
from service.deps import Caller, get_ready_state, has_role, require_write
from service.errors import ConflictError, ForbiddenError, error_responses
from service.inputs import check_local_midnights
from service.routing import ServiceRoute
from service.schemas import (
    SaveScenarioRequest,
    ScenarioDetail,
    ScenarioSummary,
    ScenarioVersionSummary,
)
from service.state import ServiceState
from service.storage.scenarios import NoneMatch, ScenarioVersion

router = APIRouter(prefix="/scenarios", tags=["scenarios"], route_class=ServiceRoute)

ScenarioId = Annotated[
    str, Path(pattern=SCENARIO_ID_PATTERN, description="Shipped or saved scenario id.")
]
State = Annotated[ServiceState, Depends(get_ready_state)]


def _summary(scenario: Scenario, sha256: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "title": scenario.title,
        "description": scenario.description,
        "country": scenario.country,
        "hosting": scenario.hosting_reading,
        "horizon_start": scenario.horizon.start,
        "horizon_end": scenario.horizon.end,
        "regions": scenario.regions,
        "tags": scenario.tags,
        "sha256": sha256,
        **extra,
    }


def _saved_detail(stored: ScenarioVersion) -> dict[str, Any]:
    return {
        "sha256": stored.sha256,
        "scenario": stored.document,
        "source": "saved",
        "version": stored.version,
        "latest_version": stored.latest_version,
        "author": stored.author,
        "created": stored.created_at,
        "comment": stored.comment,
        "archived": stored.archived_at is not None,
        "archived_at": stored.archived_at,
        "archived_by": stored.archived_by,
    }


@router.get(
    "",
    summary="List scenarios",
    response_model=list[ScenarioSummary],
    responses=error_responses(),
)
async def list_scenarios(
    state: State,
    include_archived: Annotated[
        bool, Query(description="List archived saved scenarios too.")
    ] = False,
) -> list[Any]:
    """Every shipped scenario, then every saved one (latest version), each sorted by id."""
    shipped = [
        _summary(item.scenario, item.sha256, source="shipped") for item in state.scenarios.values()
    ]
    saved = await state.light(state.saved.latest, include_archived=include_archived)
    return shipped + [
        _summary(
            Scenario.model_validate(stored.document),
            stored.sha256,
            source="saved",
            version=stored.version,
            archived=stored.archived_at is not None,
        )
        for stored in saved
    ]


def _validated(state: ServiceState, document: dict[str, Any]) -> tuple[Scenario, str]:
    """The scenario validated like a file, plus what a projection of it needs, and its digest."""
    scenario = parse_scenario(document, origin="scenario")
    if scenario.id in state.scenarios:
        raise ConflictError(
            f"scenario.id = {scenario.id!r}: a shipped scenario has this id; choose another"
        )
    check_local_midnights(
        scenario.timezone, scenario.horizon.start, scenario.horizon.end, field="scenario.timezone"
    )
    return scenario, scenario_digest(scenario)


def _create(
    state: ServiceState, body: SaveScenarioRequest, author: str, if_none_match: str | None
) -> ScenarioVersion:
    refused = not_based_on(if_none_match)
    scenario, digest = _validated(state, body.scenario)
    return state.saved.create(
        scenario.id,
        scenario.model_dump(mode="json", exclude_none=True),
        sha256=digest,
        author=author,
        comment=body.comment,
        none_match=refused,
    )


_ENTITY_TAG = r'\s*(W/)?"([\x21\x23-\x7e]*)"\s*'
_ENTITY_TAGS = re.compile(rf"{_ENTITY_TAG}(,{_ENTITY_TAG})*")
_VERSION_TAG = re.compile(r"v([1-9][0-9]{0,8})")


def based_on(if_match: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` header names; None without one or for ``*`` (any version).

    Compared strongly, as RFC 9110 has it for If-Match: a weak tag (``W/"v3"``), or one no
    version carries, names no version, and so fails the precondition.

    Raises
    ------
    OptionsError
        The header is not ``*`` or a list of quoted entity tags.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    return _versions(if_match, "If-Match", weak=False)


def not_based_on(if_none_match: str | None) -> NoneMatch:
    """The versions an ``If-None-Match`` header names, ``"*"`` for any version (the scenario
    exists), None without one: a save is refused (412) while the latest is among them.

    Compared weakly, as RFC 9110 (13.1.2) has it for If-None-Match: ``W/"v3"`` names version 3.

    Raises
    ------
    OptionsError
        The header is not ``*`` or a list of quoted entity tags.
    """
    if if_none_match is None:
        return None
    if if_none_match.strip() == "*":
        return "*"
    return _versions(if_none_match, "If-None-Match", weak=True)


def _versions(header: str, name: str, *, weak: bool) -> frozenset[int]:
    """The versions the entity tags of the header ``name`` name (weak tags too where ``weak``).

    Raises
    ------
    OptionsError
        The header is not a list of quoted entity tags.
    """
    if _ENTITY_TAGS.fullmatch(header) is None:
        raise OptionsError(
            f"{name} = {header[:100]!r}: not an entity tag; allowed: the ETag of GET "
            '/v1/scenarios/{id}, quoted (e.g. "v3"), a comma-separated list of them, or *'
        )
    versions = set()
    for weak_tag, tag, *_ in re.findall(_ENTITY_TAG, header):
        version = _VERSION_TAG.fullmatch(tag)
        if (weak or not weak_tag) and version is not None:
            versions.add(int(version[1]))
    return frozenset(versions)


def check_owner(state: ServiceState, scenario_id: str, caller: Caller, doing: str) -> None:
    """Raise 403 unless ``caller`` created the saved scenario or holds an admin key (404
    when there is no such scenario).

    Raises
    ------
    ForbiddenError
        Another key created it.
    """
    creator = state.saved.get(scenario_id, 1).author
    if has_role(caller, "admin") or (creator is not None and creator == caller.key_id):
        return
    raise ForbiddenError(
        f"X-API-Key: scenario {scenario_id!r} was created by key {creator}; {doing} it is "
        "allowed to that key or an admin key (save your edit under a new id instead)"
    )


def _add_version(
    state: ServiceState,
    scenario_id: str,
    body: SaveScenarioRequest,
    caller: Caller,
    if_match: str | None,
    if_none_match: str | None,
) -> ScenarioVersion:
    versions, refused = based_on(if_match), not_based_on(if_none_match)
    scenario, digest = _validated(state, body.scenario)
    if scenario.id != scenario_id:
        raise ScenarioError(
            f"scenario.id = {scenario.id!r}: must equal the id in the path, {scenario_id!r}"
        )
    check_owner(state, scenario_id, caller, "saving a new version of")
    return state.saved.add_version(
        scenario_id,
        scenario.model_dump(mode="json", exclude_none=True),
        sha256=digest,
        author=str(caller.key_id),
        comment=body.comment,
        based_on=versions,
        none_match=refused,
    )


#: The ``If-None-Match`` a save takes (RFC 9110 13.1.2: a method other than GET or HEAD whose
#: condition fails is not performed and answers 412).
IfNoneMatch = Annotated[
    str | None,
    Header(
        description="Save only unless the scenario exists (`*`) or its latest version is one "
        'named (e.g. "v3"; weak tags match): 412 naming the latest otherwise, nothing saved.'
    ),
]


def _version_path(stored: ScenarioVersion) -> str:
    return f"/v1/scenarios/{stored.scenario_id}?version={stored.version}"


@router.post(
    "",
    summary="Save a new scenario (write key)",
    status_code=201,
    response_model=ScenarioDetail,
    responses=error_responses(401, 403, 409, 412, 413),
)
async def create_scenario(
    body: SaveScenarioRequest,
    state: State,
    caller: Annotated[Caller, Depends(require_write)],
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    """Validate a scenario as a file is validated and save it as version 1 of its `id` (409
    where a saved scenario has that id; 412 with `If-None-Match: *`, as HTTP has it)."""
    stored = await state.light(_create, state, body, str(caller.key_id), if_none_match)
    return JSONResponse(
        ScenarioDetail(**_saved_detail(stored)).model_dump(mode="json"),
        status_code=201,
        headers={"Location": _version_path(stored), "ETag": stored.etag},
    )


@router.put(
    "/{scenario_id}",
    summary="Save the next version of a saved scenario (its creator's key, or admin)",
    response_model=ScenarioDetail,
    responses=error_responses(401, 403, 404, 409, 412, 413),
)
async def add_version(
    scenario_id: ScenarioId,
    body: SaveScenarioRequest,
    state: State,
    caller: Annotated[Caller, Depends(require_write)],
    if_match: Annotated[
        str | None,
        Header(
            description='The ETag of the version this edit starts from (e.g. "v3", from GET '
            "/v1/scenarios/{id}): 412 naming the latest when it is not the latest. Without "
            "it the next version is saved whatever the latest is."
        ),
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    """Validate the scenario and store it as the next version (its `id` must match); the
    answer's `ETag` names it. The same scenario and comment as the latest version answer
    that version: a retry adds nothing, with or without If-Match. Allowed to the key that
    created the scenario and to admin keys (403 otherwise)."""
    stored = await state.light(
        _add_version, state, scenario_id, body, caller, if_match, if_none_match
    )
    return JSONResponse(
        ScenarioDetail(**_saved_detail(stored)).model_dump(mode="json"),
        headers={"Content-Location": _version_path(stored), "ETag": stored.etag},
    )


@router.get(
    "/{scenario_id}",
    summary="One scenario",
    response_model=ScenarioDetail,
    responses=error_responses(404),
)
async def get_scenario(
    scenario_id: ScenarioId,
    state: State,
    response: Response,
    version: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="Version of a saved scenario; default: latest."),
    ] = None,
) -> dict[str, Any]:
    """A scenario in full, in the format POST /v1/projections accepts as `scenario`. A saved
    one's `ETag` names the version shown: send it as If-Match with a PUT of your edit."""
    shipped = state.scenarios.get(scenario_id)
    if shipped is not None:
        if version is not None:
            raise NotFoundError(
                f"version = {version}: {scenario_id!r} is a shipped scenario, which has no versions"
            )
        return {
            "sha256": shipped.sha256,
            "scenario": shipped.scenario.model_dump(mode="json", exclude_none=True),
            "source": "shipped",
        }
    try:
        stored = await state.light(state.saved.get, scenario_id, version)
    except NotFoundError:
        if version is not None:
            raise
        raise NotFoundError(
            f"scenario_id = {scenario_id!r}: neither a shipped nor a saved scenario; shipped: "
            f"{', '.join(state.scenarios) or '(none)'}"
        ) from None
    response.headers["ETag"] = stored.etag
    return _saved_detail(stored)


@router.get(
    "/{scenario_id}/versions",
    summary="Versions of a saved scenario",
    response_model=list[ScenarioVersionSummary],
    responses=error_responses(404),
)
async def list_versions(scenario_id: ScenarioId, state: State) -> list[dict[str, Any]]:
    """Every version of a saved scenario, oldest first, with digest, author and time."""
    versions = await state.light(state.saved.versions, scenario_id)
    return [
        {
            "scenario_id": stored.scenario_id,
            "version": stored.version,
            "sha256": stored.sha256,
            "author": stored.author,
            "created": stored.created_at,
            "comment": stored.comment,
        }
        for stored in versions
    ]


@router.delete(
    "/{scenario_id}",
    summary="Archive a saved scenario (its creator's key, or admin)",
    response_model=ScenarioDetail,
    responses=error_responses(401, 403, 404, 409, 412),
)
async def archive_scenario(
    scenario_id: ScenarioId,
    state: State,
    caller: Annotated[Caller, Depends(require_write)],
    if_match: Annotated[
        str | None,
        Header(
            description='The ETag of the version the client means to archive (e.g. "v3", from '
            "GET /v1/scenarios/{id}): 412 naming the latest, nothing archived, when another "
            "version has been saved since. Without it the scenario is archived whatever its "
            "latest version."
        ),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(
            description='Archive only unless the latest version is one named (e.g. "v3"; '
            "weak tags match): 412 naming the latest otherwise. `*` is always refused (the "
            "scenario exists)."
        ),
    ] = None,
) -> JSONResponse:
    """Archive it: no longer listed and no new versions; its versions stay readable. Allowed
    to the key that created it and to admin keys (403 otherwise). With `If-Match`, only
    while the version named is the latest (412 naming it otherwise): a colleague's edit
    saved after you read the scenario is not archived unseen. The answer's `ETag` names its
    latest version."""
    if scenario_id in state.scenarios:
        raise ConflictError(f"scenario_id = {scenario_id!r}: a shipped scenario; not archived")
    stored = await state.light(_archive, state, scenario_id, caller, if_match, if_none_match)
    return JSONResponse(
        ScenarioDetail(**_saved_detail(stored)).model_dump(mode="json"),
        headers={"ETag": stored.etag},
    )


def _archive(
    state: ServiceState,
    scenario_id: str,
    caller: Caller,
    if_match: str | None,
    if_none_match: str | None,
) -> ScenarioVersion:
    versions, refused = based_on(if_match), not_based_on(if_none_match)
    check_owner(state, scenario_id, caller, "archiving")
    return state.saved.archive(
        scenario_id, by=str(caller.key_id), based_on=versions, none_match=refused
    )
