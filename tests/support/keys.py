"""A signing key made for this test session, and the environment that trusts it.

:func:`install` (called by ``tests/conftest.py`` before any test runs) writes a fresh Ed25519
key pair to a temporary directory and points ``FORECAST_SIGNING_KEY_FILE`` and
``FORECAST_TRUSTED_KEYS`` at it, so that artifacts the tests publish are signed and trusted,
as a user's own retrained models would be. The project's shipped key stays trusted too. A
server started from the tests inherits the same environment.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from forecast.baseline import signing

_DIRECTORY = Path(tempfile.mkdtemp(prefix="forecast-test-keys-"))
atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)
PRIVATE_KEY_FILE = _DIRECTORY / "test.key"
PUBLIC_KEY_FILE = _DIRECTORY / "test.pub"


def install() -> None:
    """Create the session's key pair (once) and set the signing and trust variables."""
    if not PRIVATE_KEY_FILE.exists():
        key = signing.generate_key()
        PRIVATE_KEY_FILE.write_bytes(signing.private_pem(key))
        PRIVATE_KEY_FILE.chmod(0o600)
        PUBLIC_KEY_FILE.write_bytes(signing.public_pem(key.public_key()))
    os.environ["FORECAST_SIGNING_KEY_FILE"] = str(PRIVATE_KEY_FILE)
    os.environ["FORECAST_TRUSTED_KEYS"] = str(PUBLIC_KEY_FILE)
    os.environ.pop("FORECAST_SIGNING_KEY", None)
    os.environ.pop("FORECAST_ALLOW_UNSIGNED_ARTIFACTS", None)


def private_key() -> Ed25519PrivateKey:
    """The session's signing key."""
    return signing.load_private_key(PRIVATE_KEY_FILE.read_bytes(), origin="test key")
