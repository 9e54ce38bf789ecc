"""What a projection's numbers depend on besides its scenario and options, as digests.

A result is reproducible only from the same code and the same inputs, and a package version
alone does not say which code (every commit of a release carries the same one). This module
names both, once per process:

* :func:`code_version`: the package version plus ``+src.<digest>`` of the source files that
  compute (engine, kernels, weather, baseline, scenario and the modules they share);
* :func:`data_digest`: the shipped inputs the numbers come from (the accelerator catalog, the
  weather locations and climatologies), not the shipped scenarios, which a projection names
  by their own digest;
* the weather actually used is named by :attr:`forecast.weather.WeatherEnsemble.digest`.

A projection's attributes carry them (``code_version``, ``data_sha256``, ``weather_sha256``),
and the service's stored-result key holds them, so that an upgrade or an edited catalog is a
new result, never an old one served again.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import forecast
from forecast.paths import shipped_data_dir

_PACKAGE_DIR = Path(__file__).resolve().parent

#: The package's files and folders whose source decides the numbers (the command line, the
#: exports and the reports only present them).
NUMBER_SOURCES = (
    "baseline",
    "calendar.py",
    "engine",
    "kernels",
    "memo.py",
    "outputs.py",
    "projection.py",
    "provenance.py",
    "scenario",
    "units.py",
    "weather",
)


def _tree_digest(paths: list[Path], root: Path) -> str:
    """sha256 over each file's path below ``root`` and its bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda item: item.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """sha256 of the source files of :data:`NUMBER_SOURCES` (read once per process). [-]"""
    files: list[Path] = []
    for name in NUMBER_SOURCES:
        path = _PACKAGE_DIR / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return _tree_digest(files, _PACKAGE_DIR)


def code_version() -> str:
    """The package version and its source, e.g. ``0.1.0+src.3f2a9c1d07be``: equal only for
    code that computes the same numbers. [-]"""
    return f"{forecast.__version__}+src.{code_fingerprint()[:12]}"


@functools.cache
def data_digest() -> str:
    """sha256 of the shipped inputs that decide the numbers (read once per process): every
    file under :func:`forecast.paths.shipped_data_dir` but the scenarios and the READMEs. [-]"""
    root = shipped_data_dir()
    files = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix != ".md"
        and "scenarios" not in path.relative_to(root).parts
        and "__pycache__" not in path.parts
    ]
    return _tree_digest(files, root)
