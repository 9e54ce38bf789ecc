"""The service's log lines: ISO 8601 times and each request's id, also in ``X-Request-ID``."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from forecast.cli.serve import LOG_FORMAT
from service.logs import IsoFormatter, RequestIdFilter, request_id_of
from service.main import create_app
from service.routers import catalog
from tests.support.server import start_server

ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"


def test_a_request_id_is_answered_and_in_the_access_line(tmp_path: Path):
    """(Platform deployment test) uvicorn's access lines had no time and no request id, so a
    request could not be found in the log: now each line starts with its ISO time, and the
    access line carries the request's id: the client's X-Request-ID when it is a safe token,
    else a new one; the answer's X-Request-ID says which."""
    log = tmp_path / "server.log"
    env = {"FORECAST_STORAGE_DIR": str(tmp_path / "storage")}
    server = start_server(env, ready=False, log=log)
    try:
        kept = httpx.get(f"{server.base}/healthz", headers={"X-Request-ID": "trace-0042.a_b"})
        replaced = httpx.get(f"{server.base}/healthz", headers={"X-Request-ID": 'a b"<x>'})
        generated = httpx.get(f"{server.base}/healthz")
    finally:
        server.stop()
    assert kept.headers["X-Request-ID"] == "trace-0042.a_b"
    assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{16}", generated.headers["X-Request-ID"])
    assert generated.headers["X-Request-ID"] != replaced.headers["X-Request-ID"]
    lines = log.read_text().splitlines()
    for request_id in ("trace-0042.a_b", generated.headers["X-Request-ID"]):
        access = (
            rf"{ISO_TIME} INFO uvicorn\.access \[{re.escape(request_id)}\] "
            r'.*"GET /healthz HTTP/1\.1" 200'
        )
        assert any(re.fullmatch(access, line) for line in lines), lines
    started = rf"{ISO_TIME} INFO uvicorn\.error \[-\] Started server process \[\d+\]"
    assert any(re.fullmatch(started, line) for line in lines), lines


def test_an_error_log_line_carries_the_request_id(make_settings, monkeypatch):
    """A bug's 500 answers the request's id, and the service's error line carries it."""

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalog, "load_catalog", broken)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(IsoFormatter(LOG_FORMAT))
    service_logger = logging.getLogger("service")
    service_logger.addHandler(handler)
    app = create_app(make_settings(), start_in_background=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.get("/v1/accelerators", headers={"X-Request-ID": "bug-report-7"})
    finally:
        service_logger.removeHandler(handler)
    assert answer.status_code == 500
    assert answer.headers["X-Request-ID"] == "bug-report-7"
    first = written.getvalue().splitlines()[0]
    expected = rf"{ISO_TIME} ERROR service \[bug-report-7\] unhandled error on GET /v1/accelerators"
    assert re.fullmatch(expected, first), written.getvalue()


@pytest.mark.parametrize("presented", ["x" * 65, "", "a/b", "id\twith tab", "ü"])
def test_an_unsafe_request_id_is_replaced(presented):
    assert re.fullmatch(r"[0-9a-f]{16}", request_id_of(presented))
