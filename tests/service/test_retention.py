"""Results retention (service.retention): stored results older than the window, or past the
most bytes kept, are removed, row first and file after, on SQLite and on a real PostgreSQL;
the service's sweep and ``forecast results prune``.

Before: stored results (files and runs) grew without bound; nothing removed them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

import xarray as xr
from fastapi.testclient import TestClient

from forecast.cli import main
from service.main import create_app
from service.retention import RETENTION, prune
from service.storage.database import Database
from service.storage.results import ResultFiles
from service.storage.runs import Run, Runs
from tests.service.test_storage import _run
from tests.support.runs import stored_run

NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SMALL = {"scenario_id": "kr-national", "draws": 10, "resolution": "annual",
         "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip


def _dataset() -> xr.Dataset:
    dataset = xr.Dataset({"facility_power_mw": ("time", [1.0, 2.0])})
    dataset["facility_power_mw"].attrs["units"] = "MW"
    return dataset


def _stored(runs: Runs, files: ResultFiles, run_id: str, age_days: float, **fields) -> Run:
    """A succeeded run computed ``age_days`` before NOW, with a real result file."""
    name, size, _ = files.write(run_id, _dataset())
    finished = NOW - age_days * DAY
    os.utime(files.directory / name, (finished.timestamp(), finished.timestamp()))
    fields.setdefault("result_key", run_id * 2)
    return runs.add(
        _run(run_id, status="succeeded", finished_at=finished, result_file=name,
             result_bytes=size, submitted_at=finished - dt.timedelta(minutes=1), **fields)
    )  # fmt: skip


def test_results_past_the_window_go_row_and_file_the_rest_stay(database: Database, tmp_path: Path):
    runs, files = Runs(database), ResultFiles(tmp_path / "results")
    files.prepare()
    old = _stored(runs, files, "a" * 32, 40)
    new = _stored(runs, files, "b" * 32, 10)
    # An old result whose key a queued run computes again is kept while it is unfinished.
    needed = _stored(runs, files, "c" * 32, 50, result_key="k" * 64)
    runs.add(_run("d" * 32, status="queued", result_key="k" * 64))
    # A running run's file, written before its run is recorded succeeded, is kept.
    files.write("e" * 32, _dataset())
    runs.add(_run("e" * 32, status="running", result_key="e" * 64))
    os.utime(files.directory / ("e" * 32 + ".nc"), (0, 0))

    dry = prune(runs, files, older_than=30 * DAY, dry_run=True, now=NOW)
    assert [run.id for run in dry.runs] == [old.id] and dry.bytes == old.result_bytes
    assert runs.get(old.id) is not None and (files.directory / str(old.result_file)).is_file()

    forgotten: list[str] = []
    pruned = prune(runs, files, older_than=30 * DAY, now=NOW, forget=forgotten.append)
    assert [run.id for run in pruned.runs] == [old.id] and forgotten == [old.result_key]
    assert runs.get(old.id) is None
    deletion = runs.deletion(old.id)
    assert deletion is not None and deletion.deleted_by == RETENTION
    assert not (files.directory / str(old.result_file)).exists()
    for kept in (new, needed):
        assert runs.get(kept.id) is not None
        assert (files.directory / str(kept.result_file)).is_file()
    assert (files.directory / ("e" * 32 + ".nc")).is_file()
    assert runs.stored_result(old.result_key) is None  # a cache lookup computes it anew
    # Once the queued run is gone, the old result it kept goes too.
    runs.finish("d" * 32, status="failed")
    assert [run.id for run in prune(runs, files, older_than=30 * DAY, now=NOW).runs] == [needed.id]


def test_past_the_most_bytes_the_oldest_results_go_first(database: Database, tmp_path: Path):
    runs, files = Runs(database), ResultFiles(tmp_path / "results")
    files.prepare()
    ages = {"a": 3, "b": 1, "c": 2}
    stored = [_stored(runs, files, letter * 32, age) for letter, age in ages.items()]
    size = stored[0].result_bytes or 0
    pruned = prune(runs, files, older_than=None, max_bytes=size + 1, now=NOW)
    assert [run.id for run in pruned.runs] == ["a" * 32, "c" * 32]
    assert sorted(path.name for path in files.directory.iterdir()) == ["b" * 32 + ".nc"]


def test_a_crash_between_row_and_file_leaves_a_file_no_run_names_then_swept(
    database: Database, tmp_path: Path
):
    """The row goes first: a crash before the file is removed leaves no run naming a missing
    file, only a file no run names, which the next sweep removes once past the window."""
    runs, files = Runs(database), ResultFiles(tmp_path / "results")
    files.prepare()
    old = _stored(runs, files, "a" * 32, 40)
    runs.delete(old.id, by=RETENTION)  # ... and the process died here
    assert runs.result_files() == set()
    fresh = files.directory / ("f" * 32 + ".nc")
    fresh.write_bytes(b"just written")  # a file of the last hour: never swept
    written = (NOW - dt.timedelta(minutes=10)).timestamp()
    os.utime(fresh, (written, written))
    pruned = prune(runs, files, older_than=30 * DAY, now=NOW)
    assert pruned.unnamed_files == [old.result_file]
    assert sorted(path.name for path in files.directory.iterdir()) == [fresh.name]


def test_a_pruned_run_answers_410_and_its_request_is_computed_anew(make_settings):
    settings = make_settings(results_retention_days=30, max_inline_projections=2)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        service = client.app.state.service
        run_id, path = stored_run(client, SMALL)
        service.runs.update(run_id, finished_at=dt.datetime.now(dt.UTC) - 31 * DAY)
        pruned = service.sweep_results()
        assert [run.id for run in pruned.runs] == [run_id] and not path.exists()
        assert service.pruned_results == 1 and service.pruned_bytes == pruned.bytes > 0
        for url in (f"/v1/runs/{run_id}", f"/v1/runs/{run_id}/result"):
            gone = client.get(url)
            assert gone.status_code == 410, gone.text
            detail = gone.json()["detail"]
            assert detail.startswith(f"run {run_id}: its result was removed by retention")
            assert "FORECAST_RESULTS_RETENTION_DAYS" in detail
            assert f" at {dt.datetime.now(dt.UTC):%Y-%m-%d}T" in detail
        again = client.post("/v1/projections", json=SMALL)
        assert again.status_code == 200 and again.headers["x-cache"] == "miss"
        assert again.headers["x-run-id"] != run_id


def test_forecast_results_prune_works_on_the_configured_storage(
    make_settings, tmp_path: Path, monkeypatch, capsys
):
    storage = tmp_path / "storage"
    database = Database(f"sqlite:///{storage / 'forecast.sqlite3'}")
    database.migrate()
    runs, files = Runs(database), ResultFiles(storage / "results")
    files.prepare()
    now = dt.datetime.now(dt.UTC)
    old = _stored(runs, files, "a" * 32, (NOW - now) / DAY + 40, data_sha256="d" * 64,
                  weather_sha256="none", model_manifest_sha256="none")  # fmt: skip
    new = _stored(runs, files, "b" * 32, (NOW - now) / DAY + 1)
    unknown = _stored(runs, files, "c" * 32, (NOW - now) / DAY + 50)
    long_ago = now - 40 * DAY
    runs.add(_run("f" * 32, status="failed", submitted_at=long_ago, finished_at=long_ago))
    database.dispose()
    monkeypatch.setenv("FORECAST_STORAGE_DIR", str(storage))
    from service.settings import environment_settings

    environment_settings.cache_clear()
    try:
        assert main(["results", "prune", "--older-than", "30d", "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert f"would remove run {old.id} kr-national computed " in out
        # The data it used, "unknown" for a run recorded before runs recorded it.
        assert f" bytes data {'d' * 12} weather none model none\n" in out
        assert f"would remove run {unknown.id} " in out
        assert " bytes data unknown weather unknown model unknown\n" in out
        assert f"would remove failed run {'f' * 32} kr-national ended {long_ago:%Y-%m-%d}T" in out
        assert "retention would remove 2 results (0.0 MB), 1 failed or cancelled runs" in out
        assert (files.directory / str(old.result_file)).is_file()
        assert main(["results", "prune", "--older-than", "30d"]) == 0
        assert f"removed run {old.id}" in capsys.readouterr().out
        assert sorted(path.name for path in files.directory.iterdir()) == [new.result_file]
        assert main(["results", "prune", "--older-than", "30x"]) == 2
        error = capsys.readouterr().err
        assert error == (
            "error: --older-than = '30x': allowed: a positive number of days or hours, such "
            "as 30d or 12h\n"
        )
        monkeypatch.setenv("FORECAST_STORAGE_DIR", str(tmp_path / "elsewhere"))
        environment_settings.cache_clear()
        assert main(["results", "prune", "--older-than", "30d"]) == 2
        assert "holds no forecast.sqlite3" in capsys.readouterr().err
        assert not (tmp_path / "elsewhere").exists()
    finally:
        environment_settings.cache_clear()


def test_failed_and_cancelled_runs_past_the_window_go_and_old_deletion_records_too(
    database: Database, tmp_path: Path
):
    """Failed and cancelled runs (no result file, each with its scenario document) are
    removed once they ended longer ago than the window, as deletions by retention; the records
    of runs deleted longer ago than the window go too, so that a pruned run answers 410 for one
    more window and then 404; the record of a run a key deleted stays (who deleted it, when).
    Unfinished runs stay, and a size limit alone removes neither.

    Before: failed and cancelled runs, and ``run_deletions``, were kept for ever."""
    runs, files = Runs(database), ResultFiles(tmp_path / "results")
    files.prepare()
    old = NOW - 40 * DAY
    for run_id, status in (("a" * 32, "failed"), ("b" * 32, "cancelled"), ("c" * 32, "failed")):
        runs.add(_run(run_id, status=status, submitted_at=old, finished_at=old))
    runs.update("c" * 32, finished_at=NOW - 10 * DAY)  # a recent failure
    runs.add(_run("d" * 32, status="failed", submitted_at=old))  # no end time: its submission
    runs.add(_run("e" * 32, status="queued", submitted_at=old))
    runs.add(_run("f" * 32, status="running", submitted_at=old))
    key = "k" * 12  # a key's deletion: the audit trail of who deleted what, never trimmed
    for run_id, age, by in (
        ("1" * 32, 70, RETENTION),
        ("2" * 32, 20, RETENTION),
        ("3" * 32, 70, key),
    ):
        runs.add(_run(run_id, status="succeeded"))
        runs.delete(run_id, by=by, at=NOW - age * DAY)

    assert prune(runs, files, older_than=None, max_bytes=0, now=NOW).ended_runs == []
    dry = prune(runs, files, older_than=30 * DAY, dry_run=True, now=NOW)
    assert [run.id for run in dry.ended_runs] == ["a" * 32, "b" * 32, "d" * 32]
    assert dry.deletion_records == 1 and runs.deletion("1" * 32) is not None
    assert runs.get("a" * 32) is not None
    assert dry.summary(dry_run=True) == (
        "retention would remove 0 results (0.0 MB), 3 failed or cancelled runs, 0 result files "
        "no run names and 1 records of deleted runs"
    )

    pruned = prune(runs, files, older_than=30 * DAY, now=NOW)
    assert [run.id for run in pruned.ended_runs] == ["a" * 32, "b" * 32, "d" * 32]
    assert pruned.deletion_records == 1
    for run_id, status in (("a" * 32, "failed"), ("b" * 32, "cancelled"), ("d" * 32, "failed")):
        assert runs.get(run_id) is None
        deletion = runs.deletion(run_id)
        assert deletion is not None and (deletion.deleted_by, deletion.status) == (
            RETENTION,
            status,
        )
        assert deletion.deleted_at == NOW
    for kept in ("c", "e", "f"):
        assert runs.get(kept * 32) is not None
    assert runs.deletion("1" * 32) is None  # deleted 70 days ago: forgotten
    assert runs.deletion("2" * 32) is not None  # 20 days ago: remembered
    assert runs.deletion("3" * 32) is not None  # a key deleted it 70 days ago: remembered

    # One window later the records of the runs pruned above go too (their ids answer 404).
    later = prune(runs, files, older_than=30 * DAY, now=NOW + 31 * DAY)
    assert later.deletion_records == 4  # a, b, d and the one deleted 20 days before NOW
    assert [run.id for run in later.ended_runs] == ["c" * 32]
    assert runs.deletion("a" * 32) is None and runs.deletion("c" * 32) is not None
    assert runs.deletion("3" * 32).deleted_by == key  # type: ignore[union-attr]


def test_the_sweeps_counts_show_in_readyz_and_its_log_line(make_settings, caplog):
    """``/readyz`` says what retention removed since start-up (null while retention is off),
    and each sweep logs one line with its counts and those since start-up.

    Before: ``pruned_results`` and ``pruned_bytes`` were kept in memory and shown nowhere."""
    off = make_settings()
    with TestClient(create_app(off, start_in_background=False)) as client:
        assert client.get("/readyz").json()["retention"] is None
    settings = make_settings(results_retention_days=30)
    with TestClient(create_app(settings, start_in_background=False)) as client:
        service = client.app.state.service
        for _ in range(200):  # the first sweep runs as start-up ends
            if service.last_sweep_at is not None:
                break
            time.sleep(0.05)
        first = client.get("/readyz").json()["retention"]
        assert first["retention_days"] == 30 and first["max_bytes"] is None
        assert first["last_sweep"] is not None and first["pruned_results"] == 0
        run_id, _ = stored_run(client, SMALL)
        month_ago = dt.datetime.now(dt.UTC) - 31 * DAY
        service.runs.update(run_id, finished_at=month_ago)
        service.runs.add(_run("f" * 32, status="failed", submitted_at=month_ago,
                              finished_at=month_ago))  # fmt: skip
        caplog.set_level(logging.INFO, logger="service")
        pruned = service.sweep_results()
        after = client.get("/readyz").json()["retention"]
        assert after["pruned_results"] == 1 and after["pruned_bytes"] == pruned.bytes > 0
        assert after["pruned_ended_runs"] == 1 and after["pruned_deletion_records"] == 0
        assert after["last_sweep"] > first["last_sweep"]
        line = next(
            r.getMessage() for r in caplog.records if r.getMessage().startswith("retention removed")
        )
        assert line == (
            f"retention removed 1 results ({pruned.bytes / 1e6:,.1f} MB), 1 failed or cancelled "
            "runs, 0 result files no run names and 0 records of deleted runs; since start-up 1 "
            f"results ({pruned.bytes / 1e6:,.1f} MB), 1 failed or cancelled runs and 0 records "
            "of deleted runs"
        )
        gone = client.get(f"/v1/runs/{'f' * 32}")
        assert gone.status_code == 410
        assert gone.json()["detail"].startswith(
            f"run {'f' * 32}: failed, its record was removed by retention "
            "(FORECAST_RESULTS_RETENTION_DAYS"
        )


def test_damaged_files_set_aside_go_with_the_window_and_nothing_else(
    database: Database, tmp_path: Path, monkeypatch, capsys
):
    """Before: a result file found damaged was set aside as ``<run>.nc.damaged`` and no sweep
    or ``forecast results prune`` ever removed it (nor counted it). Now the window removes one
    written before it, as it removes the failed run it belonged to; a newer one is kept for a
    look, a most size alone removes none, and no other file in the directory goes."""
    runs, files = Runs(database), ResultFiles(tmp_path / "results")
    files.prepare()
    kept = _stored(runs, files, "b" * 32, 1)
    old_result = _stored(runs, files, "a" * 32, 40)
    new_result = _stored(runs, files, "c" * 32, 2)
    for run in (old_result, new_result):  # found damaged when read (forget_lost)
        runs.update(run.id, status="failed", result_file=None, error="damaged", error_status=410)
        files.set_aside(run.result_file)
    old_damaged, new_damaged = (f"{run.result_file}.damaged" for run in (old_result, new_result))
    assert {old_damaged, new_damaged} <= {path.name for path in files.directory.iterdir()}
    others = ["notes.txt", f"{'d' * 32}.nc.damaged.txt", f"{'e' * 32}.damaged"]
    for name in others:
        (files.directory / name).write_text("an operator's")
        os.utime(files.directory / name, (0, 0))

    by_size = prune(runs, files, older_than=None, max_bytes=1, now=NOW)
    assert by_size.unnamed_files == [] and (files.directory / old_damaged).is_file()
    dry = prune(runs, files, older_than=30 * DAY, dry_run=True, now=NOW)
    assert dry.unnamed_files == [old_damaged] and (files.directory / old_damaged).is_file()
    pruned = prune(runs, files, older_than=30 * DAY, now=NOW)
    assert pruned.unnamed_files == [old_damaged]
    assert [run.id for run in pruned.ended_runs] == [old_result.id]
    assert sorted(path.name for path in files.directory.iterdir()) == sorted([*others, new_damaged])
    assert runs.get(new_result.id) is not None and runs.get(kept.id) is None  # by the size
    assert "1 result files no run names" in pruned.summary()
