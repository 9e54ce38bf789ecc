"""Writing a file so that nobody ever reads half of it, and digests of files.

Every output of the project (tables, figures, reports, model artifacts, stored results) goes
through :func:`atomic_write`: the bytes go to a temporary file in the target's directory, which
is renamed over the target only once complete, so a reader (or a crash at any moment) sees the
old file or the new one, never a part.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from forecast.errors import OptionsError


def atomic_write(path: Path, write: Callable[[Path], object], *, durable: bool = False) -> None:
    """Call ``write(temporary_path)``, then rename the temporary file over ``path``.

    The file gets the permissions a plain ``open()`` would give it. With ``durable`` it is
    flushed to disk before the rename (stored results and model files: they must survive a
    power cut, not only a crash of this process).

    Raises
    ------
    OptionsError
        ``path``'s directory does not exist.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise OptionsError(f"out = {str(path)!r}: directory {str(directory)!r} does not exist")
    # The temporary file is created inside the ``try`` by name (``O_EXCL``: never someone
    # else's), so that a SIGTERM or Ctrl-C raised at any bytecode after it exists removes it:
    # between ``mkstemp`` and a ``try`` it was left behind (CI, stop 36). ``os.open``'s mode is
    # what a plain ``open()`` gives, the umask applied.
    temporary = path
    try:
        while True:
            temporary = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
            try:
                os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                break
            except FileExistsError:
                temporary = path  # not ours: nothing to remove
        write(temporary)
        if durable:
            with temporary.open("rb+") as written:
                os.fsync(written.fileno())
        temporary.replace(path)
    except BaseException:
        if temporary != path:
            temporary.unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
