"""Artifact manifests: signatures, sha256 verification, tamper refusal, path containment,
parameter ranges, atomic publish and promotion."""

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

from forecast.baseline import artifacts, signing
from forecast.errors import ArtifactError, NotFoundError
from forecast.io.files import sha256_file
from tests.support import keys
from tests.support.interrupt import call_interrupted_at
from tests.support.model_artifacts import rewrite_parameters, synthetic_parameters


def _writer(payload: str):
    def write(directory: Path) -> None:
        (directory / "parameters.json").write_text(payload, encoding="utf-8")
        (directory / "MODEL_CARD.md").write_text("# card\n", encoding="utf-8")

    return write


def _publish(root: Path, version: str, payload: str = '{"a": 1}', *, signed=True) -> Path:
    return artifacts.publish(
        model_id="toy",
        version=version,
        manifest={"metrics": {}},
        write_files=_writer(payload),
        root=root,
        signing_key=keys.private_key() if signed else None,
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
        from forecast.baseline import artifacts

        def slow(directory):
            (directory / "parameters.json").write_text("{{\\"half\\": ", encoding="utf-8")
            Path({str(marker)!r}).touch()
            time.sleep(60)

        artifacts.publish(model_id="toy", version="v2", manifest={{}}, write_files=slow,
                          root=Path({str(tmp_path)!r}))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    process = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 120  # the subprocess imports the project first
        while not marker.exists() and time.monotonic() < deadline:
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


def test_an_interruption_at_any_line_of_the_placing_leaves_no_staging_directory(tmp_path):
    """The staging directory was made (``mkdtemp``) before the ``try`` that removes it: a
    SIGTERM or Ctrl-C landing between the two (``forecast models install``, ``models.train``)
    left a hidden ``.v2.tmp-XXXX`` with a half-written artifact in the store, as
    ``atomic_write`` left its temporary file (CI, stop 36). Raised at every line in turn."""
    lines = 0
    for line_event in range(1, 200):
        root = tmp_path / str(line_event)
        _publish(root, "v1")
        interrupted = call_interrupted_at(
            artifacts._place.__code__, lambda root=root: _publish(root, "v2"), line_event
        )
        names = sorted(path.name for path in (root / "toy").iterdir())
        assert names in (["v1"], ["v1", "v2"]), (line_event, names)
        if "v2" in names:
            artifacts.verify(root / "toy" / "v2")  # never a part
        if not interrupted:
            break
        lines += 1
    else:
        pytest.fail("publish never finished under the tracer")
    assert lines >= 5  # the tracer reached the function's lines


# --- authenticity (issue: "artifact checks are not authenticity") --------------------------


def _resign_manifest(directory: Path, change) -> None:
    """Edit the manifest as an attacker with write access would (the signature stays)."""
    path = directory / artifacts.MANIFEST
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(change(manifest)))


def test_shipped_artifacts_verify_with_the_shipped_key_alone():
    """A fresh clone trusts the project's committed public key and nothing else."""
    trust = signing.Trust.from_paths(())
    root = artifacts.artifacts_dir()
    for model_id, versions in artifacts.list_models(root).items():
        for version in versions:
            artifacts.verify(root / model_id / version, trust=trust)


def test_a_rehashed_tampered_file_is_refused_by_the_signature(tmp_path):
    """Doubling a parameter and recomputing its sha256 in the manifest passed before; the
    signature over the manifest no longer matches."""
    directory = _publish(tmp_path, "v1", payload=json.dumps(synthetic_parameters()))
    rewrite_parameters(
        directory, lambda p: p["level"].update(intercept=2 * p["level"]["intercept"])
    )
    artifacts.verify_files(directory)  # the hashes are consistent again...
    with pytest.raises(ArtifactError, match="signature does not match"):
        artifacts.verify(directory)  # ...but the signature is not


def test_unsigned_and_untrusted_artifacts_are_refused(tmp_path):
    unsigned = _publish(tmp_path, "v1", signed=False)
    with pytest.raises(ArtifactError, match="unsigned"):
        artifacts.verify(unsigned)
    assert artifacts.verify(unsigned, trust=signing.Trust(allow_unsigned=True))["version"] == "v1"
    stranger = signing.generate_key()
    signing.sign(unsigned, stranger)
    with pytest.raises(ArtifactError, match="not trusted"):
        artifacts.verify(unsigned)
    # The development setting lets unsigned artifacts through, never wrongly signed ones.
    with pytest.raises(ArtifactError, match="not trusted"):
        artifacts.verify(unsigned, trust=signing.Trust(allow_unsigned=True))
    own = signing.Trust.from_paths((), allow_unsigned=False)
    trusted = signing.Trust(
        keys={**own.keys, signing.key_id(stranger.public_key()): stranger.public_key()}
    )
    assert artifacts.verify(unsigned, trust=trusted)["model_id"] == "toy"


def test_a_malformed_signature_file_is_refused(tmp_path):
    directory = _publish(tmp_path, "v1")
    (directory / signing.SIGNATURE).write_text("not json")
    with pytest.raises(ArtifactError, match="malformed"):
        artifacts.verify(directory)


@pytest.mark.parametrize(
    "name",
    ["../../../../../etc/hostname", "/etc/hostname", "sub/parameters.json", "..", ".hidden"],
)
def test_manifest_file_names_must_stay_inside_the_artifact(tmp_path, name):
    directory = _publish(tmp_path, "v1")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")

    def point_outside(manifest):
        manifest["files"] = {name: sha256_file(outside)}
        return manifest

    _resign_manifest(directory, point_outside)
    signing.sign(directory, keys.private_key())  # even a validly signed manifest
    with pytest.raises(ArtifactError, match="not a plain file name inside"):
        artifacts.verify(directory)


def test_a_linked_file_is_refused(tmp_path):
    directory = _publish(tmp_path, "v1")
    (directory / "MODEL_CARD.md").unlink()
    (directory / "MODEL_CARD.md").symlink_to(directory / "parameters.json")
    signing.sign(directory, keys.private_key())
    with pytest.raises(ArtifactError, match="link"):
        artifacts.verify(directory)


@pytest.mark.parametrize("content", ["[]", '"text"', "42", "null", "{"])
def test_a_manifest_that_is_not_an_object_is_refused(tmp_path, content):
    directory = _publish(tmp_path, "v1")
    (directory / artifacts.MANIFEST).write_text(content)
    signing.sign(directory, keys.private_key())
    with pytest.raises(ArtifactError, match=r"manifest\.json"):
        artifacts.verify(directory)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda p: p.update(timezone="Mars/Olympus"), ["timezone", "Mars/Olympus"]),
        (lambda p: p["level"].update(intercept=22.1), ["level.intercept", "22.1", "14.5"]),
        (lambda p: p["level"].update(slope=float("nan")), ["level.slope", "nan"]),
        (lambda p: p["noise"].update(sd=-0.1), ["noise.sd", "-0.1"]),
        (lambda p: p["noise"].update(autocorrelation=1.5), ["noise.autocorrelation"]),
        (lambda p: p["level"].update(degrees_of_freedom=True), ["degrees_of_freedom", "number"]),
        (lambda p: p["shape"]["coefficients"].__setitem__(0, 1e9), ["shape.coefficients"]),
        (lambda p: p["level"].update(covariance=[[-1, 0], [0, 1]]), ["covariance"]),
    ],
)
def test_parameters_out_of_range_are_refused(change, words):
    parameters = synthetic_parameters()
    change(parameters)
    with pytest.raises(ArtifactError) as refused:
        artifacts.check_baseline_parameters(parameters)
    for word in words:
        assert word in str(refused.value)


def test_valid_parameters_pass():
    artifacts.check_baseline_parameters(synthetic_parameters())


def test_error_texts_name_no_server_path(tmp_path):
    directory = _publish(tmp_path, "v1")
    (directory / "MODEL_CARD.md").write_text("changed")
    with pytest.raises(ArtifactError) as refused:
        artifacts.verify(directory)
    assert str(tmp_path) not in str(refused.value)
    assert "toy/v1" in str(refused.value)


def test_keys_generate_makes_the_key_folder_and_the_pair_signs_a_trusted_artifact(tmp_path):
    """`forecast keys generate DIR/signing.pem` creates DIR (0700), writes signing.pem (0600)
    and signing.pub; an artifact signed with it verifies where signing.pub is trusted."""
    import stat

    from forecast.cli import main

    private = tmp_path / "new" / "folder" / "signing.pem"
    assert main(["keys", "generate", str(private)]) == 0
    public = private.with_name("signing.pub")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    directory = _publish(tmp_path / "artifacts", "v1", signed=False)
    signing.sign(directory, signing.load_private_key(private.read_bytes(), origin=str(private)))
    with pytest.raises(ArtifactError, match="not trusted"):
        artifacts.verify(directory)
    trust = signing.Trust.from_paths((public,), allow_unsigned=False)
    assert artifacts.verify(directory, trust=trust)["version"] == "v1"
