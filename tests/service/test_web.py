"""The dashboard's files as the app serves them: types, cache headers, no way to other files."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app


@pytest.fixture(scope="module")
def client():
    # The page and its files need no started state: no lifespan, so no kernel compilation.
    return TestClient(create_app())


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


def test_api_docs_render_without_a_cdn(tmp_path):
    """/docs must work offline: its script and style come from this server."""
    from fastapi.testclient import TestClient

    from service.main import create_app
    from service.settings import Settings

    with TestClient(
        create_app(Settings(storage_dir=tmp_path), start_in_background=False)
    ) as client:
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
