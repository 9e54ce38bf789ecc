"""``?id_columns=true``: the API's tables start with the run's id columns, as ``forecast project
--id-columns`` writes them, on the real server.

A data engineer's nightly job appends every run's rows from the API into one DuckDB/Parquet
lake, and could not tell two runs' rows apart: the API had no such option. The ids are part
of the answer's key, so an answer with them is never served for a request without them."""

from __future__ import annotations

import io
import json
import re

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.io.export import ID_COLUMNS, LOCAL_TIME_COLUMN, RUN_ID_COLUMN
from tests.support.server import SharedServers, stored_job_result

BODY = {"scenario_id": "kr-national", "draws": 8, "seed": 4, "resolution": "annual",
        "start": "2030-01-01", "end": "2030-12-31", "include_baseline": False}  # fmt: skip
#: The id columns of an API answer: the command line's, then the run that recorded it.
API_ID_COLUMNS = [*ID_COLUMNS, RUN_ID_COLUMN]


@pytest.fixture(scope="module")
def server(shared_servers: SharedServers) -> str:
    """The shared real server with the default settings (the shipped model)."""
    return shared_servers.base()


def _post(server: str, **params: str) -> httpx.Response:
    return httpx.post(f"{server}/v1/projections", params=params, json=BODY, timeout=300)


def test_the_csv_starts_with_the_runs_ids_and_has_an_etag_of_its_own(server: str):
    plain = _post(server, format="csv")
    ids = _post(server, format="csv", id_columns="true")
    assert plain.status_code == ids.status_code == 200, ids.text[:500]
    frame = pd.read_csv(io.BytesIO(ids.content), low_memory=False)
    assert list(frame.columns[: len(API_ID_COLUMNS) + 1]) == [*API_ID_COLUMNS, "variable"]
    assert set(frame["scenario_id"]) == {"kr-national"}
    assert set(frame["seed"]) == {4} and set(frame["draws"]) == {8}
    assert set(frame["scenario_sha256"]) == {ids.headers["x-scenario-sha256"]}
    assert set(frame["code_version"]) == {ids.headers["x-forecast-code-version"]}
    assert set(frame[RUN_ID_COLUMN]) == {ids.headers["x-run-id"]}
    # Without the option, the table is as it was: no id column, other bytes, another tag.
    table = pd.read_csv(io.BytesIO(plain.content), low_memory=False)
    assert not set(API_ID_COLUMNS) & set(table.columns)
    pd.testing.assert_frame_equal(frame.drop(columns=API_ID_COLUMNS), table)
    assert ids.headers["etag"] != plain.headers["etag"]
    # Asked again, each from the cache: neither is answered with the other's rendering.
    again_plain, again_ids = (
        _post(server, format="csv"),
        _post(server, format="csv", id_columns="1"),
    )
    assert again_plain.headers["x-cache"] == again_ids.headers["x-cache"] == "hit"
    assert again_plain.content == plain.content
    assert again_ids.content == ids.content
    assert again_ids.headers["etag"] == ids.headers["etag"]


def test_the_stored_result_with_ids_is_its_own_304(server: str):
    ids = _post(server, format="csv", id_columns="true")
    plain = _post(server, format="csv")
    location = ids.headers["content-location"]
    assert "id_columns=true" in location
    assert "id_columns" not in plain.headers["content-location"]
    stored = httpx.get(f"{server}{location}", timeout=60)
    assert stored.status_code == 200, stored.text[:500]
    assert stored.headers["etag"] == ids.headers["etag"]
    assert stored.content == ids.content
    # The tag of the table without ids is not this one's: a cache holding it gets the ids.
    other = httpx.get(
        f"{server}{location}", headers={"If-None-Match": plain.headers["etag"]}, timeout=60
    )
    assert other.status_code == 200
    assert other.content == ids.content
    same = httpx.get(
        f"{server}{location}", headers={"If-None-Match": ids.headers["etag"]}, timeout=60
    )
    assert same.status_code == 304
    without = httpx.get(
        f"{server}{location.replace('&id_columns=true', '')}",
        headers={"If-None-Match": ids.headers["etag"]},
        timeout=60,
    )
    assert without.status_code == 200
    assert without.content == plain.content


def test_parquet_starts_with_the_ids_typed(server: str):
    answer = _post(server, format="parquet", id_columns="true")
    assert answer.status_code == 200, answer.text[:500]
    table = pq.read_table(io.BytesIO(answer.content))
    assert table.column_names[: len(API_ID_COLUMNS)] == API_ID_COLUMNS
    assert table.schema.field("seed").type == pa.int64()
    assert table.schema.field("draws").type == pa.int64()
    assert set(table[RUN_ID_COLUMN].to_pylist()) == {answer.headers["x-run-id"]}
    plain = _post(server, format="parquet")
    assert plain.headers["etag"] != answer.headers["etag"]
    assert not set(API_ID_COLUMNS) & set(pq.read_table(io.BytesIO(plain.content)).column_names)


@pytest.mark.parametrize("answer_format", ["netcdf", "json"])
def test_ids_for_an_answer_without_rows_are_a_422_naming_them(server: str, answer_format):
    answer = _post(server, format=answer_format, id_columns="true")
    assert answer.status_code == 422, answer.text[:500]
    detail = answer.json()["detail"]
    assert "\n" not in detail
    for said in ("id_columns = true", f"format = {answer_format!r}", "allowed: format = csv or "
                 "parquet"):  # fmt: skip
        assert said in detail
    # The stored run's result refuses it alike.
    run = _post(server, format="csv").headers["x-run-id"]
    stored = httpx.get(
        f"{server}/v1/runs/{run}/result",
        params={"format": answer_format, "id_columns": "true"},
        timeout=60,
    )
    assert stored.status_code == 422
    assert stored.json()["detail"] == detail


def test_a_comparisons_rows_carry_each_scenarios_digest_before_its_scenario(server: str):
    body = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-dc-pipeline"}],
            "draws": 8, "seed": 2, "resolution": "annual", "start": "2030-01-01",
            "end": "2030-12-31", "include_baseline": False}  # fmt: skip
    for answer_format in ("csv", "parquet"):
        answer = httpx.post(
            f"{server}/v1/comparisons",
            params={"format": answer_format, "id_columns": "true"},
            json=body,
            timeout=300,
        )
        assert answer.status_code == 200, answer.text[:500]
        frame = (
            pd.read_csv(io.BytesIO(answer.content), low_memory=False)
            if answer_format == "csv"
            else pd.read_parquet(io.BytesIO(answer.content))
        )
        assert list(frame.columns[: len(API_ID_COLUMNS) + 2]) == [
            *API_ID_COLUMNS, "scenario", "variable",
        ]  # fmt: skip
        labels = ["kr-national", "kr-dc-pipeline"]
        digests = dict(zip(labels, answer.headers["x-scenario-sha256"].split(","), strict=True))
        per_scenario = frame.groupby("scenario")["scenario_sha256"].unique().map(list).to_dict()
        assert per_scenario == {label: [digest] for label, digest in digests.items()}
        assert set(frame["scenario_id"]) == {"kr-national,kr-dc-pipeline"}
        assert set(frame["seed"]) == {2}
        assert set(frame[RUN_ID_COLUMN]) == {answer.headers["x-run-id"]}


def test_a_jobs_result_url_carries_the_option(jobs_served: httpx.Client):
    """A large request is a job: the 202's ``result_url`` asks for the ids, as the POST did."""
    params = {"format": "csv", "id_columns": "true"}
    accepted, _, stored = stored_job_result(jobs_served, params, BODY)
    frame = pd.read_csv(io.BytesIO(stored.content), low_memory=False)
    assert list(frame.columns[: len(API_ID_COLUMNS)]) == API_ID_COLUMNS
    assert set(frame[RUN_ID_COLUMN]) == {accepted.json()["id"]}


def _described(server: str, answer: httpx.Response) -> dict:
    """The ``/meta`` an answer's ``Link: rel="describedby"`` names."""
    link = re.fullmatch(r'<(.+)>; rel="describedby"', answer.headers["link"])
    assert link is not None, answer.headers["link"]
    described = httpx.get(f"{server}{link.group(1)}", timeout=60)
    assert described.status_code == 200, described.text[:500]
    return described.json()


def test_the_meta_an_answer_with_ids_links_to_lists_its_columns(server: str):
    """``/v1/runs/{id}/meta`` listed the columns without the id columns that ``?id_columns=true``
    starts the rows with, so a loader typing the columns from its ``dtypes`` left the ids to
    be guessed. An answer with the ids links to ``/meta?id_columns=true``, whose ``columns``
    are the CSV's header and whose ``dtypes`` and ``attrs`` are its Parquet twin's metadata;
    the plain answer's ``/meta`` is as it was."""
    ids = _post(server, format="csv", id_columns="true")
    plain = _post(server, format="csv")
    run = ids.headers["x-run-id"]
    assert ids.headers["link"] == f'</v1/runs/{run}/meta?id_columns=true>; rel="describedby"'
    assert plain.headers["link"] == f'</v1/runs/{run}/meta>; rel="describedby"'
    meta = _described(server, ids)
    header = list(pd.read_csv(io.BytesIO(ids.content), nrows=0).columns)
    assert meta["columns"] == header
    assert header[: len(API_ID_COLUMNS)] == API_ID_COLUMNS
    assert {name: meta["dtypes"][name] for name in API_ID_COLUMNS} == {
        "scenario_id": "str", "scenario_sha256": "str", "seed": "int64", "draws": "int64",
        "code_version": "str", RUN_ID_COLUMN: "str",
    }  # fmt: skip
    assert meta["attrs"][RUN_ID_COLUMN] == run
    # The ids' dtypes read the CSV's ids back as they are written.
    typed = pd.read_csv(io.BytesIO(ids.content), dtype=meta["dtypes"])
    assert typed["seed"].dtype == "int64" and set(typed[RUN_ID_COLUMN]) == {run}
    # The Parquet answer with the ids carries the same description in its schema.
    parquet = _post(server, format="parquet", id_columns="true")
    embedded = json.loads(pq.read_schema(io.BytesIO(parquet.content)).metadata[b"forecast"])
    assert _described(server, parquet) == meta
    assert [c for c in embedded["columns"] if c != LOCAL_TIME_COLUMN] == meta["columns"]
    assert embedded["dtypes"] == meta["dtypes"]
    assert embedded["attrs"] == meta["attrs"]
    # Without the option, the description of the table without ids, as before.
    without = _described(server, plain)
    assert without["columns"] == list(pd.read_csv(io.BytesIO(plain.content), nrows=0).columns)
    assert not set(API_ID_COLUMNS) & (set(without["columns"]) | set(without["dtypes"]))
    assert RUN_ID_COLUMN not in without["attrs"]


def test_a_comparisons_meta_with_ids_lists_them_before_its_scenario(server: str):
    body = {"scenarios": [{"scenario_id": "kr-national"}, {"scenario_id": "kr-dc-pipeline"}],
            "draws": 8, "seed": 2, "resolution": "annual", "start": "2030-01-01",
            "end": "2030-12-31", "include_baseline": False}  # fmt: skip
    answer = httpx.post(
        f"{server}/v1/comparisons",
        params={"format": "csv", "id_columns": "true"},
        json=body,
        timeout=300,
    )
    assert answer.status_code == 200, answer.text[:500]
    meta = _described(server, answer)
    header = list(pd.read_csv(io.BytesIO(answer.content), nrows=0).columns)
    assert meta["columns"] == header
    assert header[: len(API_ID_COLUMNS) + 1] == [*API_ID_COLUMNS, "scenario"]
    assert meta["dtypes"]["seed"] == "int64" and "scenario" not in meta["dtypes"]
