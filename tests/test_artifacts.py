"""Artifact manifests: sha256 verification, tamper refusal, atomic publish and promotion."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from forecast import artifacts
from forecast.errors import ArtifactError, NotFoundError


def _writer(payload: str):
    def write(directory: Path) -> None:
        (directory / "parameters.json").write_text(payload, encoding="utf-8")
        (directory / "MODEL_CARD.md").write_text("# card\n", encoding="utf-8")

    return write


def _publish(root: Path, version: str, payload: str = '{"a": 1}') -> Path:
    return artifacts.publish(
        model_id="toy",
        version=version,
        manifest={"metrics": {}},
        write_files=_writer(payload),
        root=root,
    )


def test_published_artifact_verifies_and_lists(tmp_path):
    directory = _publish(tmp_path, "v1")
    manifest = artifacts.verify(directory)
    assert set(manifest["files"]) == {"parameters.json", "MODEL_CARD.md"}
    assert manifest["model_id"] == "toy" and manifest["version"] == "v1"
    assert artifacts.list_models(tmp_path) == {"toy": ["v1"]}


def test_changed_bytes_are_refused(tmp_path):
    directory = _publish(tmp_path, "v1")
    (directory / "parameters.json").write_text('{"a": 2}', encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"'parameters\.json' has sha256 .* modified"):
        artifacts.verify(directory)


def test_missing_and_unlisted_files_are_refused(tmp_path):
    directory = _publish(tmp_path, "v1")
    (directory / "extra.bin").write_bytes(b"x")
    with pytest.raises(ArtifactError, match="not listed in the manifest"):
        artifacts.verify(directory)
    (directory / "extra.bin").unlink()
    (directory / "MODEL_CARD.md").unlink()
    with pytest.raises(ArtifactError, match=r"'MODEL_CARD\.md' listed in the manifest is missing"):
        artifacts.verify(directory)


def test_versions_are_immutable_and_unknown_references_not_found(tmp_path):
    _publish(tmp_path, "v1")
    with pytest.raises(ArtifactError, match="already exists"):
        _publish(tmp_path, "v1")
    with pytest.raises(NotFoundError, match="no version 'v9'"):
        artifacts.resolve("toy@v9", root=tmp_path)
    with pytest.raises(NotFoundError, match="model id 'other' not found"):
        artifacts.resolve("other", root=tmp_path)
    with pytest.raises(NotFoundError, match="no promoted version"):
        artifacts.resolve("toy", root=tmp_path)


def test_promotion_pointer(tmp_path):
    _publish(tmp_path, "v1")
    _publish(tmp_path, "v2")
    artifacts.promote("toy", "v1", root=tmp_path)
    assert artifacts.resolve("toy", root=tmp_path).name == "v1"
    assert artifacts.resolve(None, root=tmp_path).name == "v1"


def test_failure_while_writing_leaves_nothing_behind(tmp_path):
    _publish(tmp_path, "v1")

    def failing(directory: Path) -> None:
        (directory / "parameters.json").write_text("{", encoding="utf-8")
        raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected"):
        artifacts.publish(model_id="toy", version="v2", manifest={}, write_files=failing,
                          root=tmp_path)  # fmt: skip
    assert sorted(path.name for path in (tmp_path / "toy").iterdir()) == ["v1"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_publish_leaves_the_published_artifact_intact(tmp_path):
    _publish(tmp_path, "v1")
    artifacts.promote("toy", "v1", root=tmp_path)
    before = artifacts.verify(tmp_path / "toy" / "v1")
    marker = tmp_path / "writing"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from forecast import artifacts

        def slow(directory):
            (directory / "parameters.json").write_text("{{\\"half\\": ", encoding="utf-8")
            Path({str(marker)!r}).touch()
            time.sleep(60)

        artifacts.publish(model_id="toy", version="v2", manifest={{}}, write_files=slow,
                          root=Path({str(tmp_path)!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        for _ in range(300):
            if marker.exists():
                break
            time.sleep(0.05)
        assert marker.exists(), "the publishing subprocess never started writing"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert artifacts.verify(tmp_path / "toy" / "v1") == before
    assert artifacts.list_models(tmp_path) == {"toy": ["v1"]}
    assert artifacts.resolve("toy", root=tmp_path).name == "v1"
    assert json.loads((tmp_path / "toy" / "v1" / "parameters.json").read_text()) == {"a": 1}
