"""``POST /v1/grid-exports`` on the real server (uvicorn in a subprocess): the files of
``forecast export-grid`` for the same options, zipped, inline or as a job; refusals in one
line naming the field."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from forecast.cli import main
from service.storage.runs import RUN_STATUSES, UNFINISHED
from tests.support.server import running_server, wait_for_status

PERIOD = {"start": "2030-01-01", "end": "2030-12-31"}
#: Draw-hours above which the server queues a job: a one-year export of 8 draws (two passes,
#: 140,160) is inline, one of 16 a job.
JOB_THRESHOLD = 200_000


@pytest.fixture(scope="module")
def server():
    with running_server({"FORECAST_JOB_THRESHOLD_DRAW_HOURS": "200000"}) as (base, _seconds):
        yield base


def _files(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as unzipped:
        return {name: unzipped.read(name) for name in unzipped.namelist()}


def _ended(server: str, accepted: httpx.Response) -> dict:
    """The job a 202 answered, polled until it is neither queued nor running (5 min at most)."""
    with httpx.Client(base_url=server) as http:
        ended = set(RUN_STATUSES) - set(UNFINISHED)
        return wait_for_status(http, accepted.headers["location"], ended, timeout_s=300)


def _written(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_an_export_unzips_to_the_files_the_command_line_writes(server: str, tmp_path: Path):
    body = {"scenario_id": "kr-national", "format": "pypsa", "draws": 1, "sample": 8, **PERIOD}
    answer = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=300)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="kr-national_2030-2030_d8_s0_pypsa.zip"'
    )
    out = tmp_path / "cli"
    arguments = ["--draws", "1", "--sample", "8", "--start", PERIOD["start"]]
    assert main(["export-grid", "kr-national", *arguments, "--end", PERIOD["end"],
                 "--format", "pypsa", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    files, written = _files(answer.content), _written(out)
    assert sorted(files) == sorted(written)
    label = next(name.split("/")[0] for name in files if name.endswith("/loads-p_set.csv"))
    assert label.startswith("p50-draw-")
    p_set = files[f"{label}/loads-p_set.csv"]
    assert p_set.startswith(b"snapshot,baseline,") and p_set.count(b"\n") == 8761
    # Byte for byte: the loads and the PyPSA folder's tables; the manifests (export.json, each
    # meta.json) alike but for the command line the CLI records and the API has none of (so
    # the sha256 the manifest gives each meta.json differs too).
    assert "command" not in json.loads(files["export.json"])
    assert json.loads(written["export.json"])["command"].startswith("forecast export-grid ")
    for name, content in files.items():
        if not name.endswith(".json"):
            assert content == written[name], name
            continue
        api, cli = json.loads(content), json.loads(written[name])
        cli.pop("command")
        if name == "export.json":
            for listed in (api["files"], cli["files"]):
                for meta in [file for file in listed if file.endswith("meta.json")]:
                    listed.pop(meta)
        assert api == cli, name
    # Recorded as a run whose options hold the export's; its meta is the manifest; its result
    # is the same archive, whatever format is asked for.
    run = httpx.get(f"{server}/v1/runs/{answer.headers['x-run-id']}").json()
    assert run["options"]["grid_export"]["format"] == "pypsa" and run["options"]["draws"] == 8
    meta = httpx.get(f"{server}/v1/runs/{run['id']}/meta").json()
    assert meta["paths"][0]["label"] == label and meta["run"]["id"] == run["id"]
    again = httpx.get(f"{server}{answer.headers['content-location']}", params={"format": "csv"})
    assert again.status_code == 200 and again.content == answer.content
    tagged = httpx.get(
        f"{server}{answer.headers['content-location']}",
        headers={"If-None-Match": answer.headers["etag"]},
    )
    assert tagged.status_code == 304


def test_a_one_year_export_in_a_daylight_saving_zone_is_named_by_its_year(server: str):
    """NSW's standard-time hours of 31 December end in the local 1 January (AEDT), so the
    projection behind the export runs into 2031: the archive of 2030 was named
    ``..._2030-2031_...`` where the projection's answer for the same period says
    ``_2030-2030_`` (report-interop 15)."""
    body = {"scenario_id": "au-nsw-ai-dc", "format": "wide-csv", "draws": 1, "sample": 4,
            **PERIOD}  # fmt: skip
    answer = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=300)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == (
        'attachment; filename="au-nsw-ai-dc_2030-2030_d4_s0_wide-csv.zip"'
    )


def test_a_large_export_is_a_job_whose_result_is_the_archive(server: str):
    body = {"scenario_id": "kr-national", "format": "plexos", "draws": 3, "sample": 16,
            "bus": {"KR": "KOR"}, **PERIOD}  # fmt: skip
    accepted = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=60)
    assert accepted.status_code == 202, accepted.text
    job = _ended(server, accepted)
    assert job["status"] == "succeeded", job
    assert job["done_hours"] == job["total_hours"] == 2 * 8760
    result = httpx.get(f"{server}{job['result_url']}")
    assert result.status_code == 200 and result.headers["content-type"] == "application/zip"
    files = _files(result.content)
    tables = [name for name in files if name.endswith("/load_2030.csv")]
    assert [name.split("-draw-")[0] for name in sorted(tables)] == ["p10", "p50", "p90"]
    assert b'"bus": "KOR"' in files["export.json"]
    # Asked again, the stored run answers it.
    again = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=60)
    assert again.status_code == 200 and again.content == result.content


def test_a_utc_export_west_of_greenwich_counts_the_local_day_it_adds(server: str):
    """New York's UTC year 2030 starts at 19:00 EST on 31 December 2029: the export projects
    that local day too. The job counted the period's local days alone (2 x 8,760 hours, both
    passes); it counts the days projected now (2 x 8,784), and the NetCDF archive holds the
    UTC year."""
    body = {"scenario_id": "us-lbnl-2024", "format": "netcdf", "calendar": "utc", "draws": 1,
            "sample": 16, **PERIOD}  # fmt: skip
    accepted = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=60)
    assert accepted.status_code == 202, accepted.text
    job = _ended(server, accepted)
    assert job["status"] == "succeeded", job
    assert job["done_hours"] == job["total_hours"] == 2 * 8784
    files = _files(httpx.get(f"{server}{job['result_url']}").content)
    assert sorted(files) == ["export.json", "export.nc"]
    manifest = json.loads(files["export.json"])
    assert manifest["calendar"] == "utc" and manifest["partial_years"] == {}
    assert manifest["time"].startswith("hour starts in UTC")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"format": "excel"},
            "format = 'excel': not one of the choices (allowed: 'pypsa', 'plexos', 'wide-csv'",
        ),
        ({"draws": 30}, "draws = 30: allowed: an integer 1..20"),
        ({"draws": 2, "quantile": [0.5]}, "draws / quantile: give one of them, not both"),
        ({"quantile": [0.5], "rank_by": "ai"}, "rank_by = 'ai': ranks draws to choose"),
        (
            {"rank_by": "peak"},
            "rank_by = 'peak': not one of the choices (allowed: 'grid', "
            "'total', 'dc', 'ai', or null)",
        ),
        ({"draw": [3, 9]}, "draw = '3,9': draw 9 is not in the sample; allowed: 0..7 (sample 8)"),
        ({"bus": {"seoul": "x"}}, "bus: 'seoul' is not one of the export's buses; allowed: KR,"),
        (
            {"baseline_shares": {"capital": 0.5}},
            "baseline_shares = 'capital=0.5': the shares sum to 0.5; allowed: shares that sum to 1",
        ),
        (
            {"draw": [2, 2]},
            "draw = '2,2': 2 given twice; allowed: each draw once",
        ),
        ({"sample": 0}, "sample = 0: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_option_is_one_line_naming_the_field(server: str, extra: dict, message: str):
    body = {"scenario_id": "kr-national", "sample": 8, **PERIOD, **extra}
    answer = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=60)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert message in detail and "\n" not in detail and "--" not in detail, detail


def test_the_schema_lists_the_route_and_its_zip(server: str):
    schema = httpx.get(f"{server}/openapi.json").json()
    post = schema["paths"]["/v1/grid-exports"]["post"]
    assert "application/zip" in post["responses"]["200"]["content"]
    assert "202" in post["responses"]
    body = schema["components"]["schemas"]["GridExportRequest"]["properties"]
    assert {"format", "draws", "draw", "quantile", "rank_by", "bus", "baseline_shares",
            "calendar", "sample", "seed", "start", "end", "years",
            "weather_year"} <= set(body)  # fmt: skip


def test_years_and_a_weather_year_unzip_to_the_command_lines_files(server: str, tmp_path: Path):
    """The API had no ``years`` (nor ``weather_year``): a modeller exported the whole span and
    cut it. Both are taken now, checked as the command line checks them, and the archive is
    the command line's files for the same options; the job counts the two years projected."""
    body = {"scenario_id": "kr-national", "format": "pypsa", "draw": [1, 3], "sample": 4,
            "years": [2030, 2032], "weather_year": 2018}  # fmt: skip
    answer = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=300)
    assert answer.status_code == 200, answer.text
    out = tmp_path / "cli"
    assert main(["export-grid", "kr-national", "--format", "pypsa", "--draw", "1,3", "--sample",
                 "4", "--years", "2030,2032", "--weather-year", "2018", "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    files, written = _files(answer.content), _written(out)
    assert sorted(files) == sorted(written)
    for name, content in files.items():
        if not name.endswith(".json"):
            assert content == written[name], name
    manifest = json.loads(files["export.json"])
    assert manifest["exported_years"] == [2030, 2032] and manifest["weather_year"] == 2018
    assert {path["weather_year"] for path in manifest["paths"]} == {"2018"}
    run = httpx.get(f"{server}/v1/runs/{answer.headers['x-run-id']}").json()
    assert run["options"]["grid_export"]["years"] == [2030, 2032]
    assert run["total_hours"] == 2 * (8760 + 8784)  # 2032 is a leap year


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"years": [2030], **PERIOD}, "years = '2030': the period is those years; allowed: "
         "years without start or end"),
        ({"years": [2032, 2030]}, "years = '2032,2030': allowed: years, each once, in ascending"),
        ({"years": [2030, 2070]}, "years = '2030,2070': allowed: years spanning at most 30"),
        ({"weather_year": 1990, **PERIOD}, "weather_year = 1990: allowed: a year 2013..2024 "
         "(the observed weather years of seoul)"),
        ({"weather_year": 2018, "weather": "typical", **PERIOD}, "weather_year = 2018: a "
         "weather year is one of the observed years of historical weather"),
    ],
)  # fmt: skip
def test_bad_years_or_weather_year_is_one_line_naming_the_field(
    server: str, extra: dict, message: str
):
    body = {"scenario_id": "kr-national", "sample": 8, **extra}
    answer = httpx.post(f"{server}/v1/grid-exports", json=body, timeout=60)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert message in detail and "\n" not in detail and "--" not in detail, detail
