"""Ed25519 signatures of model artifact manifests: who published this model?

A manifest lists every file of an artifact with its sha256, so a signature over the
manifest's bytes vouches for the whole artifact. Training signs it with a private key
(``FORECAST_SIGNING_KEY_FILE``, a PEM file, or ``FORECAST_SIGNING_KEY``, the PEM text); the
signature goes in ``manifest.sig`` next to the manifest. Whoever loads the artifact (the
service, ``forecast project``) checks it against the public keys it trusts:

* the project's keys shipped in ``forecast/baseline/trusted_keys/*.pub``, which sign the artifacts
  committed under ``models/artifacts``;
* the keys named in ``FORECAST_TRUSTED_KEYS`` (PEM files or directories of ``*.pub`` files,
  separated by ``os.pathsep``), for models a user trains and signs with a key of their own.

An unsigned artifact, or one whose signature no trusted key verifies, is refused, unless
``FORECAST_ALLOW_UNSIGNED_ARTIFACTS=1`` (development only) lets an unsigned one through; a
signature that is present but wrong is refused even then. Uses the ``cryptography`` package
(Ed25519, RFC 8032), imported by each function that signs, checks or reads a key: every
projection imports this module (through :mod:`forecast.baseline.artifacts`), and one without
the baseline checks no signature (the import, 36 modules, took 11 ms under ``python -X
importtime`` and 13-39 ms of wall time on a loaded 2-core machine; 2026-12-07).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from forecast.errors import ArtifactError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE = "manifest.sig"
ALGORITHM = "ed25519"
#: Prefixed to the manifest's bytes before signing, so a signature made for an artifact
#: manifest can be taken for nothing else.
DOMAIN = b"ai-grid-forecast artifact manifest v1\n"
SHIPPED_KEYS_DIR = Path(__file__).resolve().parent / "trusted_keys"
_TRUE = {"1", "true", "yes", "on"}


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the sha256 of the raw public key: the key's name."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key() -> Ed25519PrivateKey:
    """A new private signing key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def private_pem(private_key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: keep the file private, mode 0600)."""
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of a public key (safe to publish and commit)."""
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: bytes, *, origin: str) -> Ed25519PrivateKey:
    """Parse a PEM private key.

    Raises
    ------
    ArtifactError
        Not a PEM Ed25519 private key.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ArtifactError(f"{origin}: not a PEM Ed25519 private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ArtifactError(f"{origin}: a {type(key).__name__}; an Ed25519 key is needed")
    return key


def load_public_key(pem: bytes, *, origin: str) -> Ed25519PublicKey:
    """Parse a PEM public key.

    Raises
    ------
    ArtifactError
        Not a PEM Ed25519 public key.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise ArtifactError(f"{origin}: not a PEM Ed25519 public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ArtifactError(f"{origin}: a {type(key).__name__}; an Ed25519 key is needed")
    return key


def signing_key_from_environment() -> Ed25519PrivateKey | None:
    """The key training signs with: ``FORECAST_SIGNING_KEY`` (PEM text) or
    ``FORECAST_SIGNING_KEY_FILE`` (a path); None when neither is set.

    Raises
    ------
    ArtifactError
        A variable is set but holds no usable key.
    """
    text = os.environ.get("FORECAST_SIGNING_KEY")
    if text:
        return load_private_key(text.encode(), origin="FORECAST_SIGNING_KEY")
    path = os.environ.get("FORECAST_SIGNING_KEY_FILE")
    if path:
        try:
            pem = Path(path).read_bytes()
        except OSError as error:
            raise ArtifactError(
                f"FORECAST_SIGNING_KEY_FILE: cannot read the key file: {error.strerror}"
            ) from None
        return load_private_key(pem, origin="FORECAST_SIGNING_KEY_FILE")
    return None


def _public_keys_at(path: Path) -> list[Ed25519PublicKey]:
    files = sorted(path.glob("*.pub")) if path.is_dir() else [path]
    keys = []
    for file in files:
        try:
            pem = file.read_bytes()
        except OSError as error:
            raise ArtifactError(
                f"trusted key {file.name}: cannot read it: {error.strerror}"
            ) from None
        keys.append(load_public_key(pem, origin=f"trusted key {file.name}"))
    return keys


@dataclass(frozen=True)
class Trust:
    """Public keys whose signatures are accepted, and whether unsigned artifacts pass."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    allow_unsigned: bool = False
    #: Where the keys other than the project's came from (``FORECAST_TRUSTED_KEYS``'s paths),
    #: for an error message that names only what is set.
    configured: tuple[Path, ...] = ()

    @classmethod
    def from_paths(
        cls, paths: tuple[Path, ...] = (), *, allow_unsigned: bool = False, shipped: bool = True
    ) -> Trust:
        """The shipped project keys (unless ``shipped=False``) and the keys at ``paths``.

        Raises
        ------
        ArtifactError
            A path holds something other than PEM Ed25519 public keys.
        """
        sources = ([SHIPPED_KEYS_DIR] if shipped else []) + [Path(path) for path in paths]
        keys: dict[str, Ed25519PublicKey] = {}
        for source in sources:
            for key in _public_keys_at(source):
                keys[key_id(key)] = key
        return cls(
            keys=keys, allow_unsigned=allow_unsigned, configured=tuple(Path(p) for p in paths)
        )

    @classmethod
    def from_environment(cls) -> Trust:
        """Shipped keys, ``FORECAST_TRUSTED_KEYS`` and ``FORECAST_ALLOW_UNSIGNED_ARTIFACTS``."""
        configured = os.environ.get("FORECAST_TRUSTED_KEYS", "")
        paths = tuple(Path(part) for part in configured.split(os.pathsep) if part.strip())
        allow = os.environ.get("FORECAST_ALLOW_UNSIGNED_ARTIFACTS", "").lower() in _TRUE
        return cls.from_paths(paths, allow_unsigned=allow)


def sign(directory: Path, private_key: Ed25519PrivateKey) -> str:
    """Write ``manifest.sig`` for the manifest in ``directory``; return the key id."""
    directory = Path(directory)
    manifest = (directory / "manifest.json").read_bytes()
    signature = private_key.sign(DOMAIN + manifest)
    document = {
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    (directory / SIGNATURE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document["key_id"]


def check_signature(manifest: bytes, signature_file: Path, trust: Trust, *, label: str) -> None:
    """Verify the manifest's bytes against ``manifest.sig`` with a trusted key.

    Raises
    ------
    ArtifactError
        No signature (and unsigned artifacts are not allowed), a malformed signature file, a
        key that is not trusted, or a signature that does not verify.
    """
    from cryptography.exceptions import InvalidSignature

    if not signature_file.is_file():
        if trust.allow_unsigned:
            return
        raise ArtifactError(
            f"artifact {label}: unsigned ({SIGNATURE} missing); a served model must be signed "
            "by a trusted key (set FORECAST_SIGNING_KEY_FILE when training, or "
            "FORECAST_ALLOW_UNSIGNED_ARTIFACTS=1 for development only)"
        )
    try:
        document = json.loads(signature_file.read_text(encoding="utf-8"))
        algorithm, signer, encoded = (
            document["algorithm"],
            document["key_id"],
            document["signature"],
        )
        signature = base64.b64decode(encoded, validate=True)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error):
        raise ArtifactError(f"artifact {label}: {SIGNATURE} is malformed") from None
    if algorithm != ALGORITHM:
        raise ArtifactError(
            f"artifact {label}: signature algorithm {algorithm!r}: allowed: {ALGORITHM}"
        )
    public_key = trust.keys.get(str(signer))
    if public_key is None:
        source = (
            f"the project's and FORECAST_TRUSTED_KEYS={os.pathsep.join(map(str, trust.configured))}"
            if trust.configured
            else "the project's; FORECAST_TRUSTED_KEYS is not set"
        )
        raise ArtifactError(
            f"artifact {label}: signed by key {str(signer)[:16]!r}, which is not trusted; "
            f"trusted: {', '.join(sorted(trust.keys)) or '(none)'} ({source}); allowed: the "
            "signer's public key (the .pub beside its key file) in FORECAST_TRUSTED_KEYS"
        )
    try:
        public_key.verify(signature, DOMAIN + manifest)
    except InvalidSignature:
        raise ArtifactError(
            f"artifact {label}: the signature does not match manifest.json; the manifest was "
            "changed after signing — refusing to load it"
        ) from None
