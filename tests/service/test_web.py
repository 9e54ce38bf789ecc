"""The dashboard's files as the real server serves them: types, cache headers, no way to other
files."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from service.settings import Settings
from tests.support.server import SharedServers, start_server


@pytest.fixture(scope="module")
def client(shared_servers: SharedServers) -> httpx.Client:
    """The shared real server with the default settings: the paths asked for (``..%2F``,
    ``%5C``) reach the app as uvicorn decodes them."""
    return shared_servers.client()


def test_page_revalidates_and_links_hashed_assets(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/", headers={"If-None-Match": page.headers["etag"]}).status_code == 304
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert sorted(asset.split("?")[0] for asset in assets) == ["/static/app.css", "/static/main.js"]
    assert all(re.fullmatch(r"/static/[\w/.-]+\?v=[0-9a-f]{16}", asset) for asset in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text), "no CDN or external URL"


def test_import_map_sends_every_module_to_its_hashed_url(client):
    """Modules import each other by plain paths; the page's import map adds the content hash."""
    page = client.get("/")
    import_map = re.search(r'<script type="importmap">(.*?)</script>', page.text, re.S)[1]
    imports = json.loads(import_map)["imports"]
    assert {"/static/main.js", "/static/api.js", "/static/vendor/plot/plot.js"} <= set(imports)
    for plain, hashed in imports.items():
        module = client.get(plain)
        assert module.headers["content-type"] == "text/javascript; charset=utf-8"
        digest = module.headers["etag"].strip('"')[:16]
        assert hashed == f"{plain}?v={digest}"
    # The only inline script allowed is this import map, by its hash.
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("main.js", "text/javascript; charset=utf-8"),
        ("vendor/plot/plot.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
    ],
)
def test_assets_are_typed_and_immutable(client, name, media_type):
    asset = client.get(f"/static/{name}")
    assert asset.status_code == 200
    assert asset.headers["content-type"] == media_type
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (
        client.get(f"/static/{name}", headers={"If-None-Match": asset.headers["etag"]}).status_code
        == 304
    )


@pytest.mark.parametrize(
    "path",
    [
        "/static/index.html",
        "/static/..%2Fmain.py",
        "/static/%2e%2e%2frouters%2fweb.py",
        "/static/..%5C..%5Cpyproject.toml",
        "/static/MAIN.JS",
        "/static/app.js",
        "/static/vendor/plot/package.json",
        "/static/vendor/plot/LICENSE",
        "/static/vendor/plot/build.sh",
        "/static/vendor/plot/",
        "/static/vendor%2F..%2F..%2Fmain.py",
    ],
)
def test_only_the_page_files_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_page_routes_stay_out_of_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/static/{name}" not in paths


def test_api_docs_render_without_a_cdn(client):
    """/docs must work offline: its script and style come from this server."""
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/docs-static/swagger-ui-bundle.js" in page.text
    script = client.get("/docs-static/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


def test_vendored_chart_library_matches_its_readme():
    """The README beside plot.js states its size and sha256, and its licences ship with it."""
    folder = Path(__file__).resolve().parents[2] / "service" / "web" / "vendor" / "plot"
    bundle = (folder / "plot.js").read_bytes()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(bundle).hexdigest() in readme
    assert f"{len(bundle):,} bytes" in readme
    licences = (folder / "LICENSE").read_text(encoding="utf-8")
    assert "@observablehq/plot 0.6.17 (ISC)" in licences and "Copyright 2010-" in licences


class _PrefixProxy(ThreadingHTTPServer):
    """A reverse proxy on loopback serving the service under ``/forecast``: it strips the
    prefix, as nginx's ``proxy_pass http://backend/;`` does, and says who the client was in
    X-Forwarded-For."""

    CLIENT = "203.0.113.9"

    def __init__(self, backend: str) -> None:
        backend_url = backend

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                if not self.path.startswith("/forecast/"):
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() in {"content-type", "accept"}
                }
                answer = httpx.request(
                    self.command,
                    backend_url + self.path.removeprefix("/forecast"),
                    content=self.rfile.read(length) if length else None,
                    headers={**headers, "X-Forwarded-For": _PrefixProxy.CLIENT},
                    timeout=120,
                )
                self.send_response(answer.status_code)
                for name in ("content-type", "location", "content-location", "link", "x-run-id"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward  # noqa: N815 (http.server's names)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.mark.slow
def test_the_dashboard_and_the_api_work_behind_a_proxy_under_a_root_path(tmp_path: Path):
    """(Platform deployment test) `forecast serve` had no proxy options: behind a proxy serving
    it under /forecast, the page linked /static/... and called /v1/... at the host's root,
    which the proxy does not send to it, and the access log named the proxy as every client.
    Now `--root-path /forecast` puts the prefix before every link of the page, /docs and the
    page's API calls (api.js adds it to each path), and `--forwarded-allow-ips` trusts the
    proxy's X-Forwarded-For (`--proxy-headers`, on by default)."""
    log = tmp_path / "server.log"
    env = {"FORECAST_STORAGE_DIR": str(tmp_path / "storage")}
    args = ("--root-path", "/forecast", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")
    server = start_server(env, log=log, args=args)
    proxy = _PrefixProxy(server.base)
    try:
        with httpx.Client(base_url=proxy.base, timeout=120) as http:
            page = http.get("/forecast/")
            assert page.status_code == 200
            assert '<meta name="forecast-root-path" content="/forecast">' in page.text
            links = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
            assert links and all(link.startswith("/forecast/") for link in links), links
            import_map = json.loads(
                re.search(r'<script type="importmap">(.*?)</script>', page.text, re.S)[1]
            )["imports"]
            for name, url in import_map.items():
                assert name.startswith("/forecast/static/") and url.startswith(name), name
            for link in links + list(import_map.values()):
                assert http.get(link).status_code == 200, link
            api = http.get(import_map["/forecast/static/api.js"]).text
            assert "fetch(ROOT_PATH + path" in api  # every API call goes under the prefix

            # The page's first calls and a projection, as api.js makes them: the prefix, then
            # the API's own path. Links in answers carry the prefix (they lacked it, and a
            # client behind the proxy could not follow them as they were).
            assert http.get("/forecast/v1/scenarios").status_code == 200
            assert http.get("/forecast/v1/accelerators").status_code == 200
            body = {"scenario_id": "kr-national", "draws": 20, "resolution": "annual"}
            projected = http.post("/forecast/v1/projections", json=body)
            assert projected.status_code == 200, projected.text
            location = projected.headers["content-location"]
            assert location.startswith("/forecast/v1/runs/"), location
            assert http.get(location).status_code == 200
            described = re.fullmatch(r'<([^>]+)>; rel="describedby"', projected.headers["link"])
            assert described and described[1].startswith("/forecast/v1/runs/")
            assert http.get(described[1]).status_code == 200
            run = http.get(f"/forecast/v1/runs/{projected.headers['x-run-id']}").json()
            assert run["result_url"] is None or run["result_url"].startswith("/forecast/")

            docs = http.get("/forecast/docs")
            assert "/forecast/openapi.json" in docs.text
            assert "/forecast/docs-static/swagger-ui-bundle.js" in docs.text
            assert http.get("/forecast/openapi.json").status_code == 200
    finally:
        proxy.shutdown()
        server.stop()
    access = [line for line in log.read_text().splitlines() if "/v1/projections" in line]
    assert access and all(_PrefixProxy.CLIENT in line for line in access), access


def test_serve_options_stand_for_their_settings():
    """The proxy options are settings too: FORECAST_ROOT_PATH, FORECAST_PROXY_HEADERS and
    FORECAST_FORWARDED_ALLOW_IPS, a malformed root path refused naming it."""
    settings = Settings(root_path="/forecast", proxy_headers=False, forwarded_allow_ips="*")
    assert (settings.root_path, settings.proxy_headers) == ("/forecast", False)
    for wrong in ("forecast", "/forecast/", '/a"><script>'):
        with pytest.raises(ValidationError, match="root_path"):
            Settings(root_path=wrong)
