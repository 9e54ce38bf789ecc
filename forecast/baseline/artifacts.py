"""Model artifact directories: manifest, signature, verification, atomic publish, promotion.

An artifact is a directory ``<root>/<model_id>/<version>/`` holding ``manifest.json``, the
files it lists with their sha256, and ``manifest.sig``, an Ed25519 signature of the manifest
(:mod:`forecast.baseline.signing`). The promoted version of a model is named in
``<root>/<model_id>/CURRENT``. Publishing writes into a temporary sibling directory, signs,
verifies it and renames it into place with one ``os.replace``, so a reader (or a crash) can
never see a half-written version; ``CURRENT`` is replaced the same way.

:func:`verify` checks, in this order: the signature against the trusted keys; that the manifest
is a JSON object whose ``files`` name plain files inside the directory (no ``..``, no ``/``, no
links); every file's sha256; that no unlisted file is present. :func:`check_baseline_parameters`
checks a baseline model's numbers before it is served: a known time zone, every value finite
and within a plausible range.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from forecast.baseline.signing import SIGNATURE, Trust, check_signature, key_id, sign
from forecast.errors import ArtifactError, NotFoundError
from forecast.io.files import atomic_write, sha256_file
from forecast.paths import artifacts_dir

if TYPE_CHECKING:
    # Only the type: the signing module imports cryptography when it signs or checks.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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


def promoted_models(root: Path | None = None) -> list[str]:
    """The ids of the models with a promoted version (a ``CURRENT``), in model-id order."""
    root = Path(root) if root is not None else artifacts_dir()
    return [name for name in list_models(root) if current_version(name, root=root) is not None]


def default_model_id(root: Path | None = None) -> str:
    """The model id used when none is named: the only one, or the one named ``DEFAULT``."""
    root = Path(root) if root is not None else artifacts_dir()
    default = root / "DEFAULT"
    if default.is_file():
        return default.read_text(encoding="utf-8").strip()
    promoted = promoted_models(root)
    if len(promoted) == 1:
        return promoted[0]
    raise NotFoundError(
        f"no default baseline model: found promoted models {promoted}; name one as "
        "MODEL_ID[@VERSION]"
    )


#: A scenario's ``baseline_model`` saying that no trained model describes its grid (a national
#: study of a country for whose sub-national grid a model is trained, say).
NO_MODEL = "none"


def manifest_country(manifest: dict) -> str | None:
    """ISO country code a model was trained for (its manifest), or None when not stated."""
    config = manifest.get("config", {})
    return (
        manifest.get("country") or config.get("country") or config.get("model", {}).get("country")
    )


#: The demand basis of the shipped models, whose signed manifests predate ``[model]
#: demand_basis`` in the training config and cannot be re-signed; kept equal to the configs'
#: (tests/forecast/baseline/test_demand_basis.py). Korea's market demand is below the Basic
#: Plan's peaks (2023: 93.6 GW against 98.3-100.6 GW with behind-the-meter solar; facts.csv
#: kr_peak_demand_2023, kr_peak_demand_incl_btm_solar_2023); NSW's from the data's README.
SHIPPED_DEMAND_BASES = {
    "kr-national-baseline": "KPX market demand, generation-end (excludes behind-the-meter "
    "solar and PPA supply, unlike the Basic Plan's peak basis)",
    "au-nsw-baseline": "AEMO NSW1 operational demand (TOTALDEMAND, ACT included; excludes "
    "rooftop PV)",
}


def manifest_demand_basis(manifest: dict) -> str:
    """What demand a model was trained on, in a short phrase: its training config's ``[model]
    demand_basis``, else the shipped model's (:data:`SHIPPED_DEMAND_BASES`), else the
    parenthesis of its description, else "not stated"."""
    stated = manifest.get("config", {}).get("model", {}).get("demand_basis")
    if stated:
        return str(stated)
    shipped = SHIPPED_DEMAND_BASES.get(str(manifest.get("model_id", "")))
    if shipped:
        return shipped
    described = re.search(r"\(([^()]+)\)", str(manifest.get("description", "")))
    return described[1] if described else "not stated in the model's manifest"


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
        f"one in the scenario's baseline_model (or {NO_MODEL!r} for none) or in DEFAULT"
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
        raise NotFoundError(f"model id {model_id!r} not found; known: {sorted(known)}")
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


def label(directory: Path) -> str:
    """``model_id/version`` of an artifact directory, for messages (no server path)."""
    directory = Path(directory)
    return f"{directory.parent.name}/{directory.name}"


def read_manifest(directory: Path) -> dict:
    """Read ``manifest.json`` of an artifact directory (no verification).

    Raises
    ------
    ArtifactError
        Missing, not JSON, or not a JSON object.
    """
    return _parse_manifest(_manifest_bytes(directory), label(directory))


def _manifest_bytes(directory: Path) -> bytes:
    try:
        return (Path(directory) / MANIFEST).read_bytes()
    except FileNotFoundError:
        if not Path(directory).is_dir():
            raise ArtifactError(f"artifact {label(directory)}: no such directory") from None
        raise ArtifactError(f"artifact {label(directory)} has no {MANIFEST}") from None


def _parse_manifest(data: bytes, where: str) -> dict:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtifactError(f"artifact {where}: {MANIFEST} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise ArtifactError(
            f"artifact {where}: {MANIFEST} holds a JSON {type(manifest).__name__}; it must be "
            "an object with model_id, version and files"
        )
    return manifest


def _listed_files(directory: Path, manifest: dict, where: str) -> dict[str, str]:
    """The manifest's ``files``, each checked to name a plain file inside ``directory``."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ArtifactError(f"artifact {where}: field 'files' must map file names to sha256")
    inside = directory.resolve()
    for name, digest in files.items():
        if (
            not isinstance(name, str)
            or not _NAME.match(name)
            or name in (MANIFEST, SIGNATURE)
            or (directory / name).resolve().parent != inside
        ):
            raise ArtifactError(
                f"artifact {where}: file name {str(name)[:80]!r} in the manifest is not a plain "
                "file name inside the artifact directory (letters, digits, '.', '_', '-')"
            )
        if (directory / name).is_symlink():
            raise ArtifactError(f"artifact {where}: file {name!r} is a link; links are refused")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise ArtifactError(f"artifact {where}: file {name!r}: sha256 must be 64 hex digits")
    return files


def verify(directory: Path, *, trust: Trust | None = None) -> dict:
    """Check the signature, then every file listed in the manifest; return the manifest.

    Parameters
    ----------
    directory
        The artifact directory.
    trust
        Keys to accept signatures from; default
        :meth:`forecast.baseline.signing.Trust.from_environment`.

    Raises
    ------
    ArtifactError
        When the signature is missing (unless allowed) or wrong, the manifest is malformed or
        names a file outside the directory, a listed file is missing or its bytes changed, or
        the directory holds a file the manifest does not list.
    """
    directory = Path(directory)
    data = _manifest_bytes(directory)
    check_signature(
        data,
        directory / SIGNATURE,
        trust if trust is not None else Trust.from_environment(),
        label=label(directory),
    )
    return _check_files(directory, _parse_manifest(data, label(directory)))


def verify_files(directory: Path) -> dict:
    """Check every listed file, not the signature (before signing or re-signing)."""
    return _check_files(Path(directory), read_manifest(directory))


def _check_files(directory: Path, manifest: dict) -> dict:
    where = label(directory)
    files = _listed_files(directory, manifest, where)
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise ArtifactError(
                f"artifact {where}: file {name!r} listed in the manifest is missing"
            )
        actual = sha256_file(path)
        if actual != expected:
            raise ArtifactError(
                f"artifact {where}: file {name!r} has sha256 {actual[:16]}…, the manifest "
                f"says {str(expected)[:16]}…; the artifact was modified after publishing — "
                "refusing to load it"
            )
    extra = sorted(
        path.name
        for path in directory.iterdir()
        if path.name not in files and path.name not in (MANIFEST, SIGNATURE)
    )
    if extra:
        raise ArtifactError(f"artifact {where}: files {extra} are not listed in the manifest")
    return manifest


def _write_json_atomic(path: Path, payload: dict | str) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2, sort_keys=True)
    text = text if text.endswith("\n") else text + "\n"
    atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), durable=True)


def publish(
    *,
    model_id: str,
    version: str,
    manifest: dict,
    write_files: Callable[[Path], None],
    root: Path | None = None,
    signing_key: Ed25519PrivateKey | None = None,
) -> Path:
    """Write an artifact atomically: temporary directory, sha256 manifest, sign, verify, rename.

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
    signing_key
        Signs the manifest (``manifest.sig``); None publishes it unsigned, which a loader
        refuses unless unsigned artifacts are allowed
        (:func:`forecast.baseline.signing.signing_key_from_environment` gives training's key).

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

    def fill(staging: Path) -> None:
        write_files(staging)
        files = {
            path.name: sha256_file(path) for path in sorted(staging.iterdir()) if path.is_file()
        }
        full_manifest = {**manifest, "model_id": model_id, "version": version, "files": files}
        _write_json_atomic(staging / MANIFEST, full_manifest)
        if signing_key is not None:
            sign(staging, signing_key)
            public = signing_key.public_key()
            verify(staging, trust=Trust(keys={key_id(public): public}))
        else:
            verify_files(staging)

    return _place(root, model_id, version, fill)


def _place(root: Path, model_id: str, version: str, fill: Callable[[Path], None]) -> Path:
    """Create ``<root>/<model_id>/<version>/`` atomically: ``fill`` writes and checks a
    temporary sibling, which one rename then puts in place (removed if ``fill`` fails)."""
    model_dir = root / _check_name("model id", model_id)
    target = model_dir / _check_name("model version", version)
    if target.exists():
        raise ArtifactError(
            f"artifact {label(target)} already exists; versions are never overwritten"
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    # The staging directory is made inside the ``try`` that removes it, by name (``mkdir``
    # fails where it exists: never someone else's), as :func:`atomic_write` makes its file: a
    # SIGTERM or Ctrl-C raised between ``mkdtemp`` and a ``try`` left it behind.
    staging = target
    try:
        while True:
            staging = model_dir / f".{version}.tmp-{secrets.token_hex(6)}"
            try:
                staging.mkdir(mode=0o700)  # what mkdtemp gave
                break
            except FileExistsError:
                staging = target  # not ours: nothing to remove
        fill(staging)
        staging.replace(target)  # one rename: readers see all of it or nothing
    except BaseException:
        if staging != target:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def copy_store(source: Path, root: Path, *, trust: Trust | None = None) -> list[str]:
    """Copy into the store ``root`` every model version of ``source`` that it lacks.

    Each version is verified (signature by a key of ``trust``, default the project's shipped
    keys alone, then every file) and copied atomically; a model's ``CURRENT`` and the store's
    ``DEFAULT`` are copied where ``root`` has none. Nothing in ``root`` is overwritten, so a
    user's own models and promotions stay as they are.

    Returns
    -------
    list of str
        The ``MODEL_ID@VERSION`` copied.

    Raises
    ------
    ArtifactError
        ``root`` is a file or ``source`` itself, or a version of ``source`` fails verification.
    """
    source, root = Path(source), Path(root)
    if root.exists() and not root.is_dir():
        raise ArtifactError(f"artifact store {root}: is a file; allowed: a new or existing folder")
    if root.resolve() == source.resolve():
        raise ArtifactError(
            f"artifact store {root}: is the shipped store itself; allowed: another folder"
        )
    trust = trust if trust is not None else Trust.from_paths()
    copied = []
    for model_id, versions in list_models(source).items():
        for version in versions:
            if (root / model_id / version).exists():
                continue
            original = source / model_id / version
            manifest = verify(original, trust=trust)
            names = [*manifest["files"], MANIFEST, SIGNATURE]

            def fill(staging: Path, original: Path = original, names: list[str] = names) -> None:
                for name in names:
                    if (original / name).is_file():
                        shutil.copyfile(original / name, staging / name)
                verify(staging, trust=trust)

            _place(root, model_id, version, fill)
            copied.append(f"{model_id}@{version}")
        current = current_version(model_id, root=source)
        if current is not None and current_version(model_id, root=root) is None:
            _write_json_atomic(root / model_id / CURRENT, current)
    default = source / "DEFAULT"
    if default.is_file() and not (root / "DEFAULT").exists():
        _write_json_atomic(root / "DEFAULT", default.read_text(encoding="utf-8").strip())
    return copied


def promote(
    model_id: str, version: str, *, root: Path | None = None, trust: Trust | None = None
) -> None:
    """Make ``version`` the promoted one (atomic replace of ``CURRENT``) after verifying it."""
    root = Path(root) if root is not None else artifacts_dir()
    verify(resolve(f"{model_id}@{version}", root=root), trust=trust)
    _write_json_atomic(root / model_id / CURRENT, version)


#: The largest log annual mean load a baseline model may have: the largest national grids
#: average about 1e6 MW, so a level beyond 2e6 MW (log 14.5) is no grid's. [log MW]
MAX_LOG_LEVEL = 14.5

# Plausible ranges of a baseline model's parameters (forecast.baseline's equations). A value
# outside them is a broken or forged artifact, not a model of any grid (see MAX_LOG_LEVEL).
_BASELINE_RANGES: dict[tuple[str, ...], tuple[float, float]] = {
    ("level", "intercept"): (0.0, MAX_LOG_LEVEL),  # log of the annual mean load [log MW]
    ("level", "slope"): (-0.2, 0.2),  # [log MW / year]
    ("level", "origin_year"): (1990, 2100),  # [year]
    ("level", "residual_scale"): (0.0, 1.0),  # [log MW]
    ("level", "degrees_of_freedom"): (1, 1_000_000),  # [1]
    # The calibrated level scale over the regression's residual scale: large where the trend
    # fits its few years almost exactly; the scale itself is bounded below.
    ("level", "spread_factor"): (0.0, 1e4),  # [1]
    ("level", "calibrated_scale"): (0.0, 1.0),  # [log MW]
    # The trend's own, before the combination. [log MW]
    ("level", "trend_intercept"): (0.0, MAX_LOG_LEVEL),
    ("level", "trend_slope"): (-0.2, 0.2),  # [log MW / year]
    ("level", "trend_weight"): (0.0, 1.0),  # weight of the trend against the random walk [1]
    ("noise", "autocorrelation"): (-0.999, 0.999),  # [1]
    ("noise", "sd"): (0.0, 1.0),  # [log]
    ("shape", "log_normaliser"): (-20.0, 20.0),  # [log]
}
_COEFFICIENT_LIMIT = 20.0  # |β| of the log-linear shape [log]
_COVARIANCE_LIMIT = 1.0  # variance of the log level's intercept or slope [log²]


def check_baseline_parameters(parameters: object, *, where: str = "parameters") -> None:
    """Refuse baseline parameters that no real grid could have, before a model is served.

    Checks the time zone is a known IANA name and every number is finite and within its
    range (see ``_BASELINE_RANGES``); missing fields are left to the model's own parsing.

    Raises
    ------
    ArtifactError
        Naming the field, the value and the allowed range.
    """
    from forecast.calendar import is_time_zone

    if not isinstance(parameters, dict):
        raise ArtifactError(f"{where}: must be a JSON object, got {type(parameters).__name__}")
    timezone = parameters.get("timezone")
    if not is_time_zone(timezone):
        raise ArtifactError(
            f"{where}: timezone = {str(timezone)[:64]!r}: not a known IANA time zone"
        )
    for path, (low, high) in _BASELINE_RANGES.items():
        section = parameters.get(path[0])
        if not isinstance(section, dict) or path[1] not in section:
            continue
        _check_number(section[path[1]], low, high, f"{where}: {'.'.join(path)}")
    shape = parameters.get("shape")
    if isinstance(shape, dict) and "coefficients" in shape:
        _check_array(shape["coefficients"], _COEFFICIENT_LIMIT, f"{where}: shape.coefficients")
    level = parameters.get("level")
    if isinstance(level, dict) and "covariance" in level:
        covariance = _check_array(
            level["covariance"], _COVARIANCE_LIMIT, f"{where}: level.covariance"
        )
        if covariance.shape != (2, 2) or (np.diag(covariance) < 0).any():
            raise ArtifactError(
                f"{where}: level.covariance: must be a 2 x 2 matrix with a non-negative diagonal"
            )


def _check_number(value: object, low: float, high: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArtifactError(f"{name} = {str(value)[:40]!r}: must be a number")
    if not (math.isfinite(value) and low <= value <= high):
        raise ArtifactError(f"{name} = {value!r}: allowed range is [{low}, {high}]")


def _check_array(values: object, limit: float, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArtifactError(f"{name}: must be numbers") from None
    if not np.isfinite(array).all():
        raise ArtifactError(f"{name}: every value must be finite")
    if array.size and np.abs(array).max() > limit:
        raise ArtifactError(
            f"{name}: largest |value| = {np.abs(array).max():.3g}: allowed at most {limit}"
        )
    return array
