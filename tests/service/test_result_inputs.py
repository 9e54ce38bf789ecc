"""A stored result is served again only for the same inputs: the weather it was computed on,
the shipped data (the accelerator catalog) and the build.

Before: the key held the scenario, the options (with ``weather = 'auto'`` unresolved), the
model label and ``forecast.__version__`` (``0.1.0`` for every commit). A server that had run
without the data directory kept answering its synthetic-weather results after the data was
mounted, and one whose catalog was edited kept answering the old catalog's numbers, both as
``X-Cache: stored`` with the same provenance.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forecast import paths, provenance
from forecast.scenario.catalog import load_catalog
from service.main import create_app

REQUEST = {"scenario_id": "kr-national", "draws": 5, "seed": 0, "resolution": "annual",
           "start": "2030-01-01", "end": "2030-12-31"}  # fmt: skip
REAL_DATA = paths.real_data_dir()
needs_data = pytest.mark.skipif(
    not paths.real_data_available(), reason=f"no real KPX data in {REAL_DATA}"
)


def _post(settings) -> tuple[str, dict, dict]:
    """X-Cache, the answer's attributes and the run's recorded options of one request."""
    with TestClient(create_app(settings, start_in_background=False)) as client:
        answer = client.post("/v1/projections", json=REQUEST)
        assert answer.status_code == 200, answer.text
        run = client.get(f"/v1/runs/{answer.headers['x-run-id']}").json()
    return answer.headers["x-cache"], answer.json()["attrs"], run["options"]


@needs_data
def test_auto_weather_is_keyed_and_recorded_as_the_weather_used(
    make_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Without the data, ``auto`` runs (and records) synthetic years; once the data is there
    the same request is a new result on the observed years, not the stored synthetic one."""
    settings = make_settings()
    monkeypatch.setenv("FORECAST_DATA_DIR", str(tmp_path))  # not mounted yet
    cache, attrs, options = _post(settings)
    assert (cache, attrs["weather_kind"], options["weather"]) == ("miss", "synthetic", "synthetic")

    monkeypatch.setenv("FORECAST_DATA_DIR", str(REAL_DATA))  # mounted
    cache, attrs, options = _post(settings)
    assert (cache, attrs["weather_kind"], options["weather"]) == (
        "miss",
        "historical",
        "historical",
    )
    assert _post(settings)[0] == "stored"  # and that one is served again, stored


def test_an_edited_catalog_is_a_new_result(
    make_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An installed package whose catalog changed (an upgrade, or an edit) computes anew and
    says which data it used (``data_sha256``)."""
    settings = make_settings()
    monkeypatch.setenv("FORECAST_DATA_DIR", str(REAL_DATA))
    cache, before, _ = _post(settings)
    assert cache == "miss"
    assert before["data_sha256"] == provenance.data_digest()
    assert before["code_version"] == provenance.code_version()
    assert before["code_version"].startswith("0.1.0+src.")

    shipped = tmp_path / "_shipped"
    shutil.copytree(paths.shipped_data_dir(), shipped / "data")
    catalog = shipped / "data" / "accelerators.csv"
    text = catalog.read_text()
    assert ",1275," in text
    catalog.write_text(text.replace(",1275,", ",1400,", 1))
    monkeypatch.setattr(paths, "_SHIPPED", shipped)  # an installed package's layout
    load_catalog.cache_clear()
    provenance.data_digest.cache_clear()
    try:
        assert paths.shipped_data_dir() == shipped / "data"
        cache, after, _ = _post(settings)
    finally:
        monkeypatch.undo()
        load_catalog.cache_clear()
        provenance.data_digest.cache_clear()
    assert cache == "miss"
    assert after["data_sha256"] != before["data_sha256"]
