"""The dashboard's files as the app serves them: types, cache headers, no way to other files."""

from __future__ import annotations

import re

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
    assert sorted(asset.split("?")[0] for asset in assets) == ["/static/app.css", "/static/app.js"]
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text), "no CDN or external URL"
    assert '"announced":0.5' in page.text  # the code defaults the page shows


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8")],
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
        "/static/APP.JS",
    ],
)
def test_only_the_page_files_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_page_routes_stay_out_of_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/static/{name}" not in paths


def test_api_docs_render_without_a_cdn():
    """/docs must work offline: its script and style come from this server."""
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app()) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower()
        assert "/docs-static/swagger-ui-bundle.js" in page.text
        script = client.get("/docs-static/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 100_000
