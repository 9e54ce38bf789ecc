"""A user's own artifact store: `forecast models init DIR` copies the shipped, signed models
into it, so that with FORECAST_ARTIFACT_DIR=DIR a model the user trains sits beside Korea's and
NSW's for every command and the service; and where training may publish by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from forecast import paths
from forecast.baseline import artifacts, signing
from forecast.cli import main
from service.main import create_app
from service.settings import Settings
from tests.support.model_artifacts import MODEL_ID, publish_model

SHIPPED = Path(__file__).resolve().parents[3] / "models" / "artifacts"


def test_init_copies_the_shipped_models_and_a_users_model_sits_beside_them(
    tmp_path, monkeypatch, capsys
):
    """The newcomer's store (finding 4 of a North American forecaster's report: with their own
    FORECAST_ARTIFACT_DIR the shipped Korea and NSW models were gone)."""
    store = tmp_path / "store"
    assert main(["models", "init", str(store)]) == 0
    out = capsys.readouterr().out
    assert f"use it with export FORECAST_ARTIFACT_DIR={store.resolve()}" in out
    assert artifacts.list_models(store) == artifacts.list_models(SHIPPED)
    for model_id, versions in artifacts.list_models(store).items():
        for version in versions:  # copies still verify by the project's key alone
            artifacts.verify(store / model_id / version, trust=signing.Trust.from_paths())
        assert artifacts.current_version(model_id, root=store) == artifacts.current_version(
            model_id, root=SHIPPED
        )
    assert artifacts.default_model_id(store) == artifacts.default_model_id(SHIPPED)

    publish_model(store, "v1")  # the user's own, signed with the user's (trusted) key
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(store))
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    for model_id in ("kr-national-baseline", "au-nsw-baseline", MODEL_ID):
        assert f"* {model_id}@" in listed
    assert main(["models", "show", MODEL_ID, "--json"]) == 0
    assert main(["models", "show", "au-nsw-baseline"]) == 0
    capsys.readouterr()
    with TestClient(
        create_app(Settings(storage_dir=tmp_path / "storage"), start_in_background=False)
    ) as client:
        served = {row["model_id"] for row in client.get("/v1/models").json()}
    assert served == {"kr-national-baseline", "au-nsw-baseline", MODEL_ID}

    # Run again (a later release's models, say) it overwrites nothing: the user's promotion
    # of an older Korean version stays.
    older = artifacts.list_models(store)["kr-national-baseline"][0]
    artifacts.promote("kr-national-baseline", older, root=store)
    assert main(["models", "init", str(store)]) == 0
    assert "nothing copied" in capsys.readouterr().out
    assert artifacts.current_version("kr-national-baseline", root=store) == older


@pytest.mark.parametrize("where", ["file", "shipped"])
def test_init_refuses_a_file_and_the_shipped_store_in_one_line(tmp_path, capsys, where):
    target = SHIPPED if where == "shipped" else tmp_path / "a-file"
    if where == "file":
        target.write_text("")
    assert main(["models", "init", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"artifact store {target}: is " in err and "allowed:" in err


def test_the_default_store_is_no_place_to_publish_outside_the_development_flow(
    tmp_path, monkeypatch
):
    """A checkout read by its own (editable) install, or by nothing installed, takes its
    models/artifacts; an installed package's folder and a checkout that the installed
    `forecast` command does not import do not; FORECAST_ARTIFACT_DIR is always a place."""
    monkeypatch.delenv("FORECAST_ARTIFACT_DIR", raising=False)
    assert paths.publishing_problem(None) is None
    assert paths.publishing_problem(paths._PACKAGE_DIR) is None
    elsewhere = tmp_path / "site-packages" / "forecast"
    assert "installed forecast command imports" in str(paths.publishing_problem(elsewhere))
    shipped = tmp_path / "site-packages" / "forecast" / "_shipped"
    (shipped / "artifacts").mkdir(parents=True)
    monkeypatch.setattr(paths, "_SHIPPED", shipped)
    assert "inside the installed package, which the next pip install replaces" in str(
        paths.publishing_problem(elsewhere)
    )
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(tmp_path / "store"))
    assert paths.publishing_problem(elsewhere) is None


def test_a_model_signed_by_an_untrusted_key_is_marked_in_the_list_and_named_in_show(
    tmp_path, monkeypatch, capsys
):
    """A utility forecaster's model, signed with a key FORECAST_TRUSTED_KEYS does not name
    (unset): `models list` showed it `* promoted` with no mark while `models show` refused
    it, and the refusal cited FORECAST_TRUSTED_KEYS as if it were set."""
    store = tmp_path / "store"
    publish_model(store, "v1")  # signed with the session's key, trusted only through the env
    monkeypatch.setenv("FORECAST_ARTIFACT_DIR", str(store))
    monkeypatch.delenv("FORECAST_TRUSTED_KEYS")
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"* {MODEL_ID}@v1  " in listed
    assert "[signature refused: `forecast models show` says why]" in listed
    assert main(["models", "show", MODEL_ID]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "which is not trusted" in error
    assert "(the project's; FORECAST_TRUSTED_KEYS is not set)" in error
    assert "allowed: the signer's public key (the .pub beside its key file) in " in error
