"""Model artifact directories: manifest, sha256 verification, atomic publish and promotion.

An artifact is a directory ``<root>/<model_id>/<version>/`` holding ``manifest.json`` and
the files it lists with their sha256. The promoted version of a model is named in
``<root>/<model_id>/CURRENT``. Publishing writes into a temporary sibling directory,
verifies it and renames it into place with one ``os.replace``, so a reader (or a crash) can
never see a half-written version; ``CURRENT`` is replaced the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from forecast.errors import ArtifactError, NotFoundError
from forecast.paths import artifacts_dir

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_name(kind: str, value: str) -> str:
    if not _NAME.match(value or ""):
        raise NotFoundError(
            f"{kind} {value!r} is not a valid name; allowed: letters, digits, '.', '_', '-'"
        )
    return value


def parse_reference(reference: str) -> tuple[str, str | None]:
    """Split ``"MODEL_ID[@VERSION]"`` into the id and the version (``None`` = promoted)."""
    model_id, _, version = reference.partition("@")
    _check_name("model id", model_id)
    if version:
        _check_name("model version", version)
    return model_id, version or None


def list_models(root: Path | None = None) -> dict[str, list[str]]:
    """Model ids and their published versions (sorted), ignoring temporary directories."""
    root = Path(root) if root is not None else artifacts_dir()
    if not root.is_dir():
        return {}
    models = {}
    for model_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        versions = sorted(
            path.name
            for path in model_dir.iterdir()
            if path.is_dir() and not path.name.startswith(".") and (path / MANIFEST).is_file()
        )
        if versions:
            models[model_dir.name] = versions
    return models


def current_version(model_id: str, *, root: Path | None = None) -> str | None:
    """The promoted version of ``model_id`` (from ``CURRENT``), or ``None``."""
    root = Path(root) if root is not None else artifacts_dir()
    pointer = root / _check_name("model id", model_id) / CURRENT
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def default_model_id(root: Path | None = None) -> str:
    """The model id used when none is named: the only one, or the one named ``DEFAULT``."""
    root = Path(root) if root is not None else artifacts_dir()
    default = root / "DEFAULT"
    if default.is_file():
        return default.read_text(encoding="utf-8").strip()
    promoted = [name for name in list_models(root) if current_version(name, root=root)]
    if len(promoted) == 1:
        return promoted[0]
    raise NotFoundError(
        f"no default baseline model in {root}: found promoted models {promoted}; name one as "
        "MODEL_ID[@VERSION]"
    )


def manifest_country(manifest: dict) -> str | None:
    """ISO country code a model was trained for (its manifest), or None when not stated."""
    config = manifest.get("config", {})
    return (
        manifest.get("country") or config.get("country") or config.get("model", {}).get("country")
    )


def default_model_for_country(country: str, *, root: Path | None = None) -> str | None:
    """The model id a scenario of ``country`` is projected on when it names none.

    The promoted model trained for that country (manifest ``country``); when several are, the
    one named in ``DEFAULT``. None when no promoted model is for that country.

    Raises
    ------
    NotFoundError
        Several promoted models are for the country and ``DEFAULT`` names none of them.
    """
    root = Path(root) if root is not None else artifacts_dir()
    candidates = []
    for model_id in list_models(root):
        version = current_version(model_id, root=root)
        if version is None:
            continue
        if manifest_country(read_manifest(root / model_id / version)) == country:
            candidates.append(model_id)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    default = root / "DEFAULT"
    named = default.read_text(encoding="utf-8").strip() if default.is_file() else None
    if named in candidates:
        return named
    raise NotFoundError(
        f"country {country!r}: several promoted baseline models {candidates} in {root}; name "
        "one in the scenario's baseline_model or in DEFAULT"
    )


def resolve(reference: str | None, *, root: Path | None = None) -> Path:
    """Directory of the artifact ``MODEL_ID[@VERSION]`` (``None``: the promoted default).

    Raises
    ------
    NotFoundError
        When the model id or version does not exist, or no version is promoted.
    """
    root = Path(root) if root is not None else artifacts_dir()
    model_id, version = parse_reference(reference) if reference else (default_model_id(root), None)
    known = list_models(root)
    if model_id not in known:
        raise NotFoundError(f"model id {model_id!r} not found in {root}; known: {sorted(known)}")
    if version is None:
        version = current_version(model_id, root=root)
        if version is None:
            raise NotFoundError(
                f"model {model_id!r} has no promoted version (no {CURRENT} file); name one of "
                f"{known[model_id]}"
            )
    if version not in known[model_id]:
        raise NotFoundError(
            f"model {model_id!r} has no version {version!r}; published: {known[model_id]}"
        )
    return root / model_id / version


def read_manifest(directory: Path) -> dict:
    """Read ``manifest.json`` of an artifact directory (no verification)."""
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"artifact {directory} has no {MANIFEST}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtifactError(f"{path} is not valid JSON: {error}") from None


def verify(directory: Path) -> dict:
    """Check every file listed in the manifest against its sha256; return the manifest.

    Raises
    ------
    ArtifactError
        When the manifest is missing or malformed, a listed file is missing or its bytes
        changed, or the directory holds a file the manifest does not list.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ArtifactError(f"{directory / MANIFEST}: field 'files' must map file names to sha256")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise ArtifactError(
                f"artifact {directory}: file {name!r} listed in the manifest is missing"
            )
        actual = sha256_file(path)
        if actual != expected:
            raise ArtifactError(
                f"artifact {directory}: file {name!r} has sha256 {actual[:16]}…, the manifest "
                f"says {str(expected)[:16]}…; the artifact was modified after publishing — "
                "refusing to load it"
            )
    extra = sorted(
        path.name
        for path in directory.iterdir()
        if path.name not in files and path.name != MANIFEST
    )
    if extra:
        raise ArtifactError(f"artifact {directory}: files {extra} are not listed in the manifest")
    return manifest


def _write_json_atomic(path: Path, payload: dict | str) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2, sort_keys=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish(
    *,
    model_id: str,
    version: str,
    manifest: dict,
    write_files: Callable[[Path], None],
    root: Path | None = None,
) -> Path:
    """Write an artifact atomically: temporary directory, sha256 manifest, verify, rename.

    Parameters
    ----------
    model_id, version
        Where the artifact goes: ``<root>/<model_id>/<version>/``.
    manifest
        Manifest fields; ``model_id``, ``version`` and ``files`` (sha256 per file) are set here.
    write_files
        Called with the temporary directory; writes the artifact's files (not the manifest).
    root
        Artifact root (default :func:`forecast.paths.artifacts_dir`).

    Returns
    -------
    pathlib.Path
        The published directory.

    Raises
    ------
    ArtifactError
        When the version already exists (versions are immutable) or verification fails.
    """
    root = Path(root) if root is not None else artifacts_dir()
    model_dir = root / _check_name("model id", model_id)
    target = model_dir / _check_name("model version", version)
    if target.exists():
        raise ArtifactError(f"artifact {target} already exists; versions are never overwritten")
    model_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=model_dir, prefix=f".{version}.tmp-"))
    try:
        write_files(staging)
        files = {
            path.name: sha256_file(path) for path in sorted(staging.iterdir()) if path.is_file()
        }
        full_manifest = {**manifest, "model_id": model_id, "version": version, "files": files}
        _write_json_atomic(staging / MANIFEST, full_manifest)
        verify(staging)
        staging.replace(target)  # one rename: readers see all of it or nothing
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def promote(model_id: str, version: str, *, root: Path | None = None) -> None:
    """Make ``version`` the promoted one (atomic replace of ``CURRENT``) after verifying it."""
    root = Path(root) if root is not None else artifacts_dir()
    verify(resolve(f"{model_id}@{version}", root=root))
    _write_json_atomic(root / model_id / CURRENT, version)
