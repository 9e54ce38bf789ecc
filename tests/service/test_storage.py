"""The storage layer on SQLite and on a real PostgreSQL: migrations, saved scenarios, runs,
result files."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
import xarray as xr
from sqlalchemy import text

from forecast.errors import NotFoundError
from forecast.io import export
from forecast.projection import ProjectionOptions, project
from forecast.scenario import load_scenario
from service.errors import ConflictError
from service.render import projection_json
from service.storage.database import Database
from service.storage.results import ResultFiles
from service.storage.runs import Run, RunFilter, Runs
from service.storage.scenarios import SavedScenarios
from tests.support.migrations import schema_differences


def test_migrations_create_the_schema_the_code_declares(database: Database):
    assert {"scenarios", "scenario_versions", "runs", "alembic_version"} <= database.tables()
    database.migrate()  # at the head already: nothing to do, no error
    assert schema_differences(database) == []


def _document(scenario_id: str, title: str = "Team plan") -> dict:
    data = load_scenario("kr-national").model_dump(mode="json", exclude_none=True)
    return {**data, "id": scenario_id, "title": title}


def test_saved_scenarios_are_versioned_and_archived(database: Database):
    saved = SavedScenarios(database)
    first = saved.create("team-plan", _document("team-plan"), sha256="a" * 64, author="k1")
    assert (first.version, first.latest_version, first.author) == (1, 1, "k1")
    second = saved.add_version(
        "team-plan", _document("team-plan", "v2"), sha256="b" * 64, author="k2", comment="why"
    )
    assert (second.version, second.comment) == (2, "why")
    assert saved.get("team-plan").document["title"] == "v2"
    assert saved.get("team-plan", 1).document["title"] == "Team plan"
    assert [v.sha256[0] for v in saved.versions("team-plan")] == ["a", "b"]
    assert [v.scenario_id for v in saved.latest()] == ["team-plan"]
    with pytest.raises(ConflictError, match="exists"):
        saved.create("team-plan", _document("team-plan"), sha256="c" * 64, author="k1")
    with pytest.raises(NotFoundError, match=r"versions 1\.\.2"):
        saved.get("team-plan", 3)
    with pytest.raises(NotFoundError):
        saved.get("nobody")
    archived = saved.archive("team-plan", by="k3")
    assert archived.archived_at is not None
    assert saved.latest() == []
    assert [v.scenario_id for v in saved.latest(include_archived=True)] == ["team-plan"]
    assert saved.get("team-plan", 1).document["title"] == "Team plan"  # history stays
    with pytest.raises(ConflictError, match="archived"):
        saved.add_version("team-plan", _document("team-plan"), sha256="d" * 64, author="k1")


def test_concurrent_versions_never_share_a_number(database: Database):
    saved = SavedScenarios(database)
    saved.create("busy", _document("busy"), sha256="0" * 64, author="k")
    outcomes: list[object] = []

    def add(index: int) -> None:
        try:
            outcomes.append(
                saved.add_version("busy", _document("busy"), sha256=f"{index + 1:064d}", author="k")
            )
        except ConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=add, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [version.version for version in saved.versions("busy")]
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    stored = [outcome for outcome in outcomes if not isinstance(outcome, ConflictError)]
    assert len(numbers) == 1 + len(stored)


def _run(run_id: str, **fields) -> Run:
    values = {
        "id": run_id,
        "result_key": "k" * 64,
        "kind": "inline",
        "status": "running",
        "scenario_id": "kr-national",
        "scenario_version": None,
        "scenario_source": "shipped",
        "scenario_sha256": "s" * 64,
        "scenario_document": "{}",
        "options": json.dumps({"draws": 10}),
        "model_version": "kpx-test@v1",
        "code_version": "0.0",
        "author": None,
        "submitted_at": dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC),
    }
    return Run(**(values | fields))


def test_runs_are_recorded_listed_and_found(database: Database):
    runs = Runs(database)
    runs.add(_run("a" * 32))
    runs.add(
        _run(
            "b" * 32,
            scenario_id="kr-gov-gpu-path",
            kind="job",
            status="queued",
            submitted_at=dt.datetime(2026, 12, 1, 13, tzinfo=dt.UTC),
        )
    )
    runs.add(
        _run(
            "c" * 32,
            model_version="kpx-test@v2",
            submitted_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
        )
    )
    runs.update("a" * 32, status="succeeded", result_file="a" * 32 + ".nc", result_bytes=10)
    found = runs.get("a" * 32)
    assert found is not None and found.status == "succeeded"
    assert found.submitted_at == dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)  # zone kept
    assert runs.stored_result("k" * 64) == found
    page, total = runs.search(RunFilter(), limit=2, offset=0)
    assert total == 3 and [run.id[0] for run in page] == ["c", "b"]  # newest first
    assert runs.search(RunFilter(scenario_id="kr-gov-gpu-path"), limit=9, offset=0)[1] == 1
    assert runs.search(RunFilter(model_version="kpx-test@v2"), limit=9, offset=0)[1] == 1
    after = RunFilter(submitted_after=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert [run.id[0] for run in runs.search(after, limit=9, offset=0)[0]] == ["c"]
    interrupted = runs.mark_interrupted()
    assert sorted(interrupted) == ["b" * 32, "c" * 32]
    failed = runs.get("b" * 32)
    assert failed is not None and failed.status == "failed"
    assert "interrupted" in (failed.error or "") and f"/v1/jobs/{'b' * 32}/resubmit" in (
        failed.error or ""
    )
    runs.mark_running("b" * 32, dt.datetime.now(dt.UTC))  # a finished run stays finished
    assert runs.get("b" * 32).status == "failed"  # type: ignore[union-attr]


def test_the_migration_to_0003_keeps_a_databases_data_and_records_deletions(database_url: str):
    """A database at 0002 with a saved scenario and runs in it (a team's, before deletions
    were recorded) is upgraded at start-up: every row stays as it was, runs are found by
    author, and deleting one keeps its record with who deleted it."""
    old = Database(database_url)
    old.migrate(revision="0002")
    assert "run_deletions" not in old.tables()
    submitted = dt.datetime(2026, 12, 1, 12)
    with old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO scenarios (id, created_at, created_by, latest_version, archived_at,"
                " archived_by) VALUES ('team-plan', :at, 'aaaaaaaaaaaa', 1, :at, 'bbbbbbbbbbbb')"
            ),
            {"at": submitted},
        )
        connection.execute(
            text(
                "INSERT INTO scenario_versions (scenario_id, version, document, sha256, author,"
                " created_at, comment) VALUES ('team-plan', 1, '{}', :sha, 'aaaaaaaaaaaa', :at,"
                " 'first')"
            ),
            {"sha": "a" * 64, "at": submitted},
        )
        for run_id, author in (("1" * 32, "aaaaaaaaaaaa"), ("2" * 32, None), ("3" * 32, "c" * 12)):
            row = _run(run_id, author=author, status="succeeded", result_file=f"{run_id}.nc")
            values = {name: getattr(row, name) for name in _RUN_COLUMNS}
            values["submitted_at"] = submitted
            connection.execute(
                text(
                    f"INSERT INTO runs ({', '.join(values)}, done_hours, total_hours, "
                    f"scenario_ids) VALUES ({', '.join(':' + name for name in values)}, 8760, "
                    "8760, NULL)"
                ),
                values,
            )
    old.dispose()

    database = Database(database_url)
    try:
        database.migrate()
        assert "run_deletions" in database.tables()
        saved = SavedScenarios(database).get("team-plan")
        assert (saved.author, saved.comment, saved.archived_by) == (
            "aaaaaaaaaaaa",
            "first",
            "bbbbbbbbbbbb",
        )
        runs = Runs(database)
        page, total = runs.search(RunFilter(), limit=9, offset=0)
        assert total == 3 and {run.id for run in page} == {"1" * 32, "2" * 32, "3" * 32}
        mine, _ = runs.search(RunFilter(author="aaaaaaaaaaaa"), limit=9, offset=0)
        assert [run.id for run in mine] == ["1" * 32]
        kept = runs.get("1" * 32)
        assert kept is not None and kept.result_file == f"{'1' * 32}.nc"
        assert kept.submitted_at == submitted.replace(tzinfo=dt.UTC)
        deletion = runs.delete("1" * 32, by="dddddddddddd")
        assert deletion is not None and (deletion.deleted_by, deletion.author) == (
            "dddddddddddd",
            "aaaaaaaaaaaa",
        )
        assert runs.get("1" * 32) is None
        assert runs.deletion("1" * 32) == deletion
        assert runs.delete("1" * 32, by="eeeeeeeeeeee") is None  # gone: the first stands
        assert runs.deletion("2" * 32) is None
    finally:
        database.dispose()


# The columns of runs at 0002 that _run gives (the rest are set in the insert).
_RUN_COLUMNS = [
    "id",
    "result_key",
    "kind",
    "status",
    "scenario_id",
    "scenario_version",
    "scenario_source",
    "scenario_sha256",
    "scenario_document",
    "options",
    "model_version",
    "code_version",
    "author",
    "submitted_at",
    "result_file",
]


def test_only_an_unfinished_run_is_marked_cancelled(database: Database):
    runs = Runs(database)
    runs.add(_run("d" * 32, kind="job", status="queued"))
    runs.add(_run("e" * 32, kind="job", status="succeeded", result_file="e.nc"))
    now = dt.datetime(2026, 12, 6, 3, tzinfo=dt.UTC)
    assert runs.mark_cancelled("d" * 32, now, "cancelled by key x", 24)
    cancelled = runs.get("d" * 32)
    assert cancelled is not None and cancelled.finished
    assert (cancelled.status, cancelled.error, cancelled.done_hours) == (
        "cancelled",
        "cancelled by key x",
        24,
    )
    assert cancelled.finished_at == now
    assert not runs.mark_cancelled("d" * 32, now, "again", 0)  # already ended: left alone
    assert not runs.mark_cancelled("e" * 32, now, "too late", 0)
    assert runs.get("e" * 32).status == "succeeded"  # type: ignore[union-attr]
    assert runs.search(RunFilter(status="cancelled"), limit=9, offset=0)[1] == 1


def test_result_files_are_written_whole_and_read_back(tmp_path: Path):
    files = ResultFiles(tmp_path / "results")
    files.prepare()
    dataset = project(
        load_scenario("kr-national"),
        ProjectionOptions(
            draws=10, start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 28), resolution="daily"
        ),
    )
    name, size, _ = files.write("f" * 32, dataset)
    assert (name, size) == ("f" * 32 + ".nc", (tmp_path / "results" / name).stat().st_size)
    assert [path.name for path in (tmp_path / "results").iterdir()] == [name]  # no temporary
    assert projection_json(files.read(name)) == projection_json(dataset)
    assert xr.open_dataset(files.path(name), engine="h5netcdf").attrs["scenario_id"] == (
        "kr-national"
    )
    for bad in ("../x.nc", "f" * 31 + ".nc", "/etc/passwd"):
        with pytest.raises(NotFoundError):
            files.path(bad)


def test_a_result_file_removed_between_the_checks_is_missing_not_a_500(tmp_path: Path, monkeypatch):
    """Schemathesis found GET /v1/runs/{id}/result answering 500: the file was set aside by
    another request after ``is_file`` and before ``stat`` (FileNotFoundError)."""
    from service.storage.results import ResultMissingError

    files = ResultFiles(tmp_path / "results")
    files.prepare()
    name = "e" * 32 + ".nc"
    (tmp_path / "results" / name).write_bytes(b"x")
    real_stat = Path.stat

    def gone(path, *args, **kwargs):
        if path.name == name and not kwargs and not args:
            raise FileNotFoundError(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "is_file", lambda path: True)
    monkeypatch.setattr(Path, "stat", gone)
    with pytest.raises(ResultMissingError, match="missing from the results directory"):
        files.path(name, 1)


def test_result_files_written_from_many_threads_at_once_read_back(tmp_path: Path):
    """Result files are written with netCDF-C, which is not thread-safe: the result writer and
    the jobs' tasks write at the same time, and requests read stored results meanwhile (two
    concurrent writes crashed the process in CI before every use of HDF5 took one lock). Each
    file must read back as the Dataset written."""
    import uuid

    from service.render import projection_netcdf

    results = ResultFiles(tmp_path)
    datasets = [
        project(
            load_scenario("kr-national"),
            ProjectionOptions(
                draws=20, seed=seed, resolution="annual",
                start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31),
            ),
        )
        for seed in range(4)
    ]  # fmt: skip
    written: dict[str, int] = {}
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for _ in range(5):
                name = results.write(uuid.uuid4().hex, datasets[index]).name
                written[name] = index
                results.read(name)  # h5py reads beside the other threads' netCDF-C writes
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(written) == 20
    for name, index in written.items():
        back = results.read(name)
        answer = xr.load_dataset(projection_netcdf(datasets[index]), engine="h5netcdf")
        xr.testing.assert_identical(back, export.from_cf(answer))  # as the service reads it


def test_one_service_process_per_database(database_url: str):
    """A second process on the same database used to mark the first's running jobs
    interrupted at its start-up and race it through the migrations; now it cannot take the
    database until the first has let it go."""
    from service.errors import StorageError

    first, second = Database(database_url), Database(database_url)
    first.claim()
    with pytest.raises(StorageError, match="another service process holds it"):
        second.claim()
    first.dispose()
    second.claim()  # free once the first has gone
    second.dispose()


def test_a_lost_postgresql_session_takes_its_lock_again_or_says_so(database_url, monkeypatch):
    """A server restart or a terminated backend ends the session that holds the lock: the
    process takes it again on a new session; if another process took it meanwhile, it says
    it has lost the database (the service then goes unready)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL session's lock")
    import time

    from sqlalchemy import text

    from service.storage import database as database_module

    monkeypatch.setattr(database_module, "CLAIM_CHECK_S", 0.3)
    lost: list[str] = []
    first, second, admin = Database(database_url), Database(database_url), Database(database_url)
    first.claim(on_lost=lost.append)

    def holder_pid() -> int | None:
        """The backend holding the lock, as the server sees it (not the watcher's connection,
        which its thread owns)."""
        query = text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = :key AND database = (SELECT oid FROM pg_database "
            "WHERE datname = current_database())"
        )
        with admin.engine.connect() as connection:
            return connection.execute(query, {"key": database_module.OWNER_LOCK_KEY}).scalar()

    def end_session(pid: int) -> None:
        with admin.engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    old = holder_pid()
    assert old is not None
    end_session(old)
    deadline = time.monotonic() + 60  # a loaded machine: generous, the loop ends at once
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if holder_pid() not in (None, old):
            break
    assert not lost and holder_pid() not in (None, old)  # taken again on a new session
    now = holder_pid()
    assert now is not None
    end_session(now)
    second.claim()  # another process is quicker
    deadline = time.monotonic() + 60
    while not lost and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lost and "lost its session's lock" in lost[0]
    for database in (first, second, admin):
        database.dispose()
