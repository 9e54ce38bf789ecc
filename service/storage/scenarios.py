"""Saved scenarios: created, versioned, listed, read and archived; versions never change."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forecast.errors import NotFoundError
from service.errors import ConflictError, PreconditionFailedError
from service.storage.database import Database
from service.storage.tables import ScenarioRow, ScenarioVersionRow


@dataclass(frozen=True)
class ScenarioVersion:
    """One stored version of a saved scenario."""

    scenario_id: str
    version: int
    document: dict[str, Any]
    sha256: str
    author: str
    created_at: dt.datetime
    comment: str | None
    latest_version: int
    archived_at: dt.datetime | None
    archived_by: str | None = None

    @property
    def etag(self) -> str:
        """The HTTP entity tag naming this version (``"v3"``): versions never change, and an
        id is never reused, so it names one document for good."""
        return f'"v{self.version}"'


#: The versions an ``If-None-Match`` names, or ``"*"``: any version (the scenario exists);
#: ``None`` without one. A save is refused while the latest version is among them.
NoneMatch = frozenset[int] | Literal["*"] | None


def _version(row: ScenarioVersionRow, scenario: ScenarioRow) -> ScenarioVersion:
    return ScenarioVersion(
        scenario_id=row.scenario_id,
        version=row.version,
        document=json.loads(row.document),
        sha256=row.sha256,
        author=row.author,
        created_at=row.created_at,
        comment=row.comment,
        latest_version=scenario.latest_version,
        archived_at=scenario.archived_at,
        archived_by=scenario.archived_by,
    )


def canonical_json(document: dict[str, Any]) -> str:
    """The form a scenario document is stored in (keys sorted, no spaces)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SavedScenarios:
    """Repository of saved scenarios in a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(
        self,
        scenario_id: str,
        document: dict[str, Any],
        *,
        sha256: str,
        author: str,
        comment: str | None = None,
        none_match: NoneMatch = None,
    ) -> ScenarioVersion:
        """Save a new scenario as version 1.

        Raises
        ------
        ConflictError
            A saved scenario with this id exists (archived ones too: ids are never reused).
        PreconditionFailedError
            It exists and ``none_match`` (an ``If-None-Match``) names its latest version or is
            ``"*"``.
        """
        now = dt.datetime.now(dt.UTC)
        try:
            with self.database.session() as session:
                existing = session.get(ScenarioRow, scenario_id)
                if existing is not None:
                    latest = session.get(ScenarioVersionRow, (scenario_id, existing.latest_version))
                    assert latest is not None  # every scenario has its latest version
                    _check_none_match(_version(latest, existing), none_match)
                    raise ConflictError(_exists(scenario_id, existing.archived_at))
                scenario = ScenarioRow(
                    id=scenario_id, created_at=now, created_by=author, latest_version=1
                )
                row = ScenarioVersionRow(
                    scenario_id=scenario_id,
                    version=1,
                    document=canonical_json(document),
                    sha256=sha256,
                    author=author,
                    created_at=now,
                    comment=comment,
                )
                session.add(scenario)
                session.flush()
                session.add(row)
                session.flush()
                return _version(row, scenario)
        except IntegrityError:
            # Another request saved the same id between the check and the insert.
            if none_match is not None:
                _check_none_match(self.get(scenario_id), none_match)
            raise ConflictError(_exists(scenario_id)) from None

    def add_version(
        self,
        scenario_id: str,
        document: dict[str, Any],
        *,
        sha256: str,
        author: str,
        comment: str | None = None,
        based_on: frozenset[int] | None = None,
        none_match: NoneMatch = None,
    ) -> ScenarioVersion:
        """Store the next version of a saved scenario; the same scenario (digest) with the same
        comment as the latest version is that version, not a new one (a retried PUT).

        Saves run one after another (:meth:`Database.serial_session`), so version numbers and
        their times increase together. ``based_on``, the versions an ``If-Match`` named, must
        hold the latest one: a client that read an older version would overwrite a change it
        never saw. ``none_match``, what an ``If-None-Match`` named, must not hold it (``"*"``
        holds every version: the client saves only a scenario that does not exist yet); it is
        checked before a retry is recognised, as a retry exists too.

        Raises
        ------
        NotFoundError
            No saved scenario has this id.
        ConflictError
            It is archived.
        PreconditionFailedError
            ``based_on`` does not hold the latest version, or ``none_match`` holds it.
        """
        try:
            with self.database.serial_session() as session:
                scenario = session.get(ScenarioRow, scenario_id, with_for_update=True)
                if scenario is None:
                    raise NotFoundError(_unknown(scenario_id))
                if scenario.archived_at is not None:
                    raise ConflictError(
                        f"scenario_id = {scenario_id!r}: archived on "
                        f"{scenario.archived_at:%Y-%m-%d}; an archived scenario takes no new "
                        "versions"
                    )
                latest = session.get(ScenarioVersionRow, (scenario_id, scenario.latest_version))
                assert latest is not None  # every scenario has its latest version
                _check_none_match(_version(latest, scenario), none_match)
                if (latest.sha256, latest.comment) == (sha256, comment):
                    return _version(latest, scenario)
                _check_match(_version(latest, scenario), based_on)
                scenario.latest_version += 1
                row = ScenarioVersionRow(
                    scenario_id=scenario_id,
                    version=scenario.latest_version,
                    document=canonical_json(document),
                    sha256=sha256,
                    author=author,
                    # Taken under the lock, and never before the version it follows (a clock
                    # set back): a history in version order is in time order.
                    created_at=max(dt.datetime.now(dt.UTC), latest.created_at),
                    comment=comment,
                )
                session.add(row)
                session.flush()
                return _version(row, scenario)
        except IntegrityError:
            # Saves are serial; kept for a second process on the same database by mistake.
            raise ConflictError(
                f"scenario_id = {scenario_id!r}: another version was saved at the same moment; "
                "read the latest and retry"
            ) from None

    def get(self, scenario_id: str, version: int | None = None) -> ScenarioVersion:
        """A version (default: the latest) of a saved scenario.

        Raises
        ------
        NotFoundError
            No such scenario or version.
        """
        with self.database.session() as session:
            scenario = session.get(ScenarioRow, scenario_id)
            if scenario is None:
                raise NotFoundError(_unknown(scenario_id))
            wanted = scenario.latest_version if version is None else version
            row = session.get(ScenarioVersionRow, (scenario_id, wanted))
            if row is None:
                raise NotFoundError(
                    f"version = {version}: scenario {scenario_id!r} has versions "
                    f"1..{scenario.latest_version}"
                )
            return _version(row, scenario)

    def exists(self, scenario_id: str) -> bool:
        """Whether a saved scenario (archived or not) has this id."""
        with self.database.session() as session:
            return session.get(ScenarioRow, scenario_id) is not None

    def versions(self, scenario_id: str) -> list[ScenarioVersion]:
        """Every version of a saved scenario, oldest first.

        Raises
        ------
        NotFoundError
            No such scenario.
        """
        with self.database.session() as session:
            scenario = session.get(ScenarioRow, scenario_id)
            if scenario is None:
                raise NotFoundError(_unknown(scenario_id))
            rows = session.scalars(
                select(ScenarioVersionRow)
                .where(ScenarioVersionRow.scenario_id == scenario_id)
                .order_by(ScenarioVersionRow.version)
            )
            return [_version(row, scenario) for row in rows]

    def latest(self, *, include_archived: bool = False) -> list[ScenarioVersion]:
        """The latest version of every saved scenario, sorted by id."""
        with self.database.session() as session:
            query = (
                select(ScenarioVersionRow, ScenarioRow)
                .join(ScenarioRow, ScenarioRow.id == ScenarioVersionRow.scenario_id)
                .where(ScenarioVersionRow.version == ScenarioRow.latest_version)
                .order_by(ScenarioRow.id)
            )
            if not include_archived:
                query = query.where(ScenarioRow.archived_at.is_(None))
            return [_version(row, scenario) for row, scenario in session.execute(query)]

    def archive(
        self,
        scenario_id: str,
        *,
        by: str,
        based_on: frozenset[int] | None = None,
        none_match: NoneMatch = None,
    ) -> ScenarioVersion:
        """Archive a saved scenario: listed no more, read and projected by version still.

        The preconditions are a save's (:meth:`add_version`), checked under the same lock:
        ``based_on`` (an ``If-Match``) must hold the latest version, so that a client never
        archives a version it has not seen; ``none_match`` (an ``If-None-Match``) must not.
        Archiving an archived scenario answers it as it is.

        Raises
        ------
        NotFoundError
            No such scenario.
        PreconditionFailedError
            ``based_on`` does not hold the latest version, or ``none_match`` holds it.
        """
        with self.database.serial_session() as session:
            scenario = session.get(ScenarioRow, scenario_id, with_for_update=True)
            if scenario is None:
                raise NotFoundError(_unknown(scenario_id))
            row = session.get(ScenarioVersionRow, (scenario_id, scenario.latest_version))
            assert row is not None  # every scenario has its latest version
            latest = _version(row, scenario)
            _check_match(latest, based_on, retry=_ARCHIVE_RETRY)
            _check_none_match(latest, none_match, outcome="nothing archived")
            if scenario.archived_at is None:
                scenario.archived_at = dt.datetime.now(dt.UTC)
                scenario.archived_by = by
            return _version(row, scenario)


def _exists(scenario_id: str, archived_at: dt.datetime | None = None) -> str:
    if archived_at is not None:
        return (
            f"scenario_id = {scenario_id!r}: archived on {archived_at:%Y-%m-%d}, and ids are "
            "never reused (its runs and versions keep it); save under another id"
        )
    return (
        f"scenario_id = {scenario_id!r}: a saved scenario with this id exists; save a new "
        f"version with PUT /v1/scenarios/{scenario_id}"
    )


#: What a client whose save failed its ``If-Match`` does next.
_SAVE_RETRY = "GET it, apply your change to it and PUT again with If-Match: {etag}"
#: What a client whose archiving failed its ``If-Match`` does next.
_ARCHIVE_RETRY = "nothing archived; GET it and, if it is still to go, DELETE with If-Match: {etag}"


def _check_match(
    latest: ScenarioVersion, based_on: frozenset[int] | None, *, retry: str = _SAVE_RETRY
) -> None:
    """Raise 412 where ``based_on`` (an ``If-Match``) does not hold the ``latest`` version;
    ``retry`` says what the client does next."""
    if based_on is None or latest.version in based_on:
        return
    raise PreconditionFailedError(
        f"If-Match names {_named(based_on)}: {_at_latest(latest)}; "
        + retry.format(etag=latest.etag),
        headers={"ETag": latest.etag},
    )


def _check_none_match(
    latest: ScenarioVersion, none_match: NoneMatch, *, outcome: str | None = None
) -> None:
    """Raise 412 where ``none_match`` (an ``If-None-Match``) holds the ``latest`` version;
    ``outcome`` says what was not done (default: a save's, and what saves instead)."""
    if none_match is None or (none_match != "*" and latest.version not in none_match):
        return
    named = "*" if none_match == "*" else _named(none_match)
    if outcome is None:
        outcome = (
            f"nothing saved (PUT /v1/scenarios/{latest.scenario_id} with If-Match: "
            f"{latest.etag} saves its next version; POST saves a new scenario under another id)"
        )
    raise PreconditionFailedError(
        f"If-None-Match names {named}: {_at_latest(latest)}; {outcome}",
        headers={"ETag": latest.etag},
    )


def _named(versions: frozenset[int]) -> str:
    return ", ".join(f'"v{version}"' for version in sorted(versions)) or "no version"


def _at_latest(latest: ScenarioVersion) -> str:
    return (
        f"scenario {latest.scenario_id!r} is at version {latest.version} (ETag {latest.etag}, "
        f"saved by key {latest.author} at {latest.created_at:%Y-%m-%dT%H:%M:%SZ})"
    )


def _unknown(scenario_id: str) -> str:
    return f"scenario_id = {scenario_id!r}: no saved scenario has this id"
