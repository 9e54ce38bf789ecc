"""``forecast keys generate|sign|verify``: the Ed25519 keys that sign model artifacts.

Registered on the main app by :mod:`forecast.cli`; the signatures themselves are
:mod:`forecast.baseline.signing`, imported by each command (with the cryptography library), not
with the help.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from forecast.errors import ArtifactError

keys_app = typer.Typer(no_args_is_help=True, help="Keys that sign model artifacts.")


@keys_app.command("generate")
def generate(
    private_key: Annotated[
        Path,
        typer.Argument(help="Where to write the private key (PEM, mode 0600); must not exist."),
    ],
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the public key; default: PRIVATE_KEY with its suffix replaced "
            "by .pub (signing.pem: signing.pub)."
        ),
    ] = None,
) -> None:
    """Make a new signing key pair. Keep the private key out of the repository."""
    from forecast.baseline import signing

    key = signing.generate_key()
    public_path = public_key or private_key.with_suffix(".pub")
    for path in (private_key, public_path):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ArtifactError(
            f"private_key = {str(private_key)!r}: exists; not overwritten"
        ) from None
    with os.fdopen(handle, "wb") as stream:
        stream.write(signing.private_pem(key))
    public_path.write_bytes(signing.public_pem(key.public_key()))
    print(f"key id {signing.key_id(key.public_key())}: private {private_key}, public {public_path}")


@keys_app.command("sign")
def sign(
    directories: Annotated[list[Path], typer.Argument(help="Artifact directories to sign.")],
    key: Annotated[
        Path | None,
        typer.Option(help="Private key file; default: FORECAST_SIGNING_KEY(_FILE)."),
    ] = None,
) -> None:
    """Sign artifacts (after checking every file against its manifest)."""
    from forecast.baseline import artifacts, signing

    if key is not None:
        try:
            pem = key.read_bytes()
        except OSError as error:
            raise ArtifactError(
                f"--key = {key}: cannot read the key file: {error.strerror}"
            ) from None
        private = signing.load_private_key(pem, origin=str(key))
    else:
        found = signing.signing_key_from_environment()
        if found is None:
            raise ArtifactError(
                "key: give --key or set FORECAST_SIGNING_KEY_FILE (or FORECAST_SIGNING_KEY)"
            )
        private = found
    for directory in directories:
        artifacts.verify_files(directory)
        signer = signing.sign(directory, private)
        print(f"signed {directory} with key {signer}")


@keys_app.command("verify")
def verify(
    directories: Annotated[list[Path], typer.Argument(help="Artifact directories to check.")],
) -> None:
    """Check artifacts as the service does: signature by a trusted key, then every file."""
    from forecast.baseline import artifacts, signing

    trust = signing.Trust.from_environment()
    for directory in directories:
        artifacts.verify(directory, trust=trust)
        print(f"{directory}: signed by a trusted key, every file intact")
