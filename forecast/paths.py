"""Where shipped inputs, model artifacts and the real data live.

Shipped inputs (``data/``) and the committed model artifacts (``models/artifacts/``) are
found next to the source tree in a checkout and under ``forecast/_shipped/`` in an installed
wheel. The real KPX data is never shipped: it is read from ``FORECAST_DATA_DIR``
(default: the ``shared/data`` folder beside the checkout, whatever the working directory; an
installed package, which has no checkout, reads ``../shared/data`` from the working directory).

What the tool can rebuild between runs (compiled kernels, holiday calendars) is kept in a
per-user cache, :func:`user_cache_dir`, outside the installed package: a reinstall, another
virtual environment or another clone of the same sources finds it there.

The artifact store is one folder, ``FORECAST_ARTIFACT_DIR`` or else the shipped one. A user's
own models go in a store of their own (``forecast models init DIR`` copies the shipped models
into it): the shipped folder of an installed package is replaced by the next ``pip install``,
and a checkout's ``models/artifacts`` is read only by commands that import that checkout
(:func:`publishing_problem` says when the default store is such a place).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE_DIR / "_shipped"
_CHECKOUT = _PACKAGE_DIR.parent

#: The real data when ``FORECAST_DATA_DIR`` is unset, run from a checkout: ``shared/data``
#: beside the checkout (``/work/main`` -> ``/work/shared/data``), not relative to the working
#: directory, so that a cron job's ``cd`` cannot change the answer.
DEFAULT_DATA_DIR = _CHECKOUT.parent / "shared" / "data"
#: The same for an installed package, which has no checkout: ``../shared/data`` relative to the
#: working directory (the README's quick start runs ``pip install .`` in a clone with
#: ``../shared`` beside it). Set ``FORECAST_DATA_DIR`` for anything unattended.
INSTALLED_DATA_DIR = Path("../shared/data")


def _running_from_checkout() -> bool:
    """True when this package is imported from a source checkout, not an installed wheel."""
    return (_CHECKOUT / "pyproject.toml").is_file() and not _SHIPPED.is_dir()


def shipped_data_dir() -> Path:
    """Directory of the inputs that ship with the project (catalog, scenarios, weather)."""
    installed = _SHIPPED / "data"
    return installed if installed.is_dir() else _CHECKOUT / "data"


def scenarios_dir() -> Path:
    """Directory of the shipped scenario TOML files."""
    return shipped_data_dir() / "scenarios"


def shipped_artifacts_dir() -> Path:
    """Directory of the model artifacts that ship with the project (signed by its key)."""
    installed = _SHIPPED / "artifacts"
    return installed if installed.is_dir() else _CHECKOUT / "models" / "artifacts"


def artifacts_dir() -> Path:
    """Directory of model artifacts: ``FORECAST_ARTIFACT_DIR`` or the shipped ones."""
    configured = os.environ.get("FORECAST_ARTIFACT_DIR")
    return Path(configured) if configured else shipped_artifacts_dir()


DISTRIBUTION = "ai-grid-forecast"


def installed_package_dir() -> Path | None:
    """Folder of the ``forecast`` package that the installed ``forecast`` command imports.

    The installed distribution's own copy, or for an editable install its project's
    ``forecast/``; None when the project is not installed.
    """
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    direct_url = json.loads(distribution.read_text("direct_url.json") or "{}")
    if direct_url.get("dir_info", {}).get("editable"):
        return Path(unquote(urlparse(direct_url["url"]).path)) / "forecast"
    return Path(str(distribution.locate_file("forecast")))


def publishing_problem(installed: Path | None) -> str | None:
    """Why the default artifact store is no place to publish a user's model, or None.

    ``installed`` is :func:`installed_package_dir`. The default store (no
    ``FORECAST_ARTIFACT_DIR``) is fine in a checkout that the installed commands import
    (an editable install, the development flow) or when nothing is installed; it is not in an
    installed package (the next ``pip install`` replaces it) nor in a checkout while the
    installed ``forecast`` command imports another copy (which never reads it).
    """
    if os.environ.get("FORECAST_ARTIFACT_DIR"):
        return None
    store = shipped_artifacts_dir()
    if store.is_relative_to(_SHIPPED):
        return (
            f"the default artifact store {store} is inside the installed package, which the "
            "next pip install replaces"
        )
    if installed is not None and installed.resolve() != _PACKAGE_DIR:
        return (
            f"the default artifact store {store} is this checkout's; the installed forecast "
            f"command imports {installed} and never reads it"
        )
    return None


#: The reference ``facts.csv`` the shipped citations (``facts.csv:<key>``) name, when
#: ``FORECAST_FACTS_FILE`` is unset, run from a checkout: ``shared/reference/facts.csv`` beside
#: the checkout (it is not in the repository, as the real data is not).
DEFAULT_FACTS_FILE = _CHECKOUT.parent / "shared" / "reference" / "facts.csv"
#: The same for an installed package: relative to the working directory, as
#: :data:`INSTALLED_DATA_DIR`.
INSTALLED_FACTS_FILE = Path("../shared/reference/facts.csv")


def facts_file() -> Path:
    """The reference ``facts.csv`` (``FORECAST_FACTS_FILE``, else :data:`DEFAULT_FACTS_FILE`
    in a checkout, :data:`INSTALLED_FACTS_FILE` in an installed package); it may be absent."""
    configured = os.environ.get("FORECAST_FACTS_FILE")
    if configured:
        return Path(configured)
    return DEFAULT_FACTS_FILE if _running_from_checkout() else INSTALLED_FACTS_FILE


def real_data_dir() -> Path:
    """Directory of the real demand and temperature data (``FORECAST_DATA_DIR``, else
    :data:`DEFAULT_DATA_DIR`)."""
    configured = os.environ.get("FORECAST_DATA_DIR")
    if configured:
        return Path(configured)
    return DEFAULT_DATA_DIR if _running_from_checkout() else INSTALLED_DATA_DIR


def data_dir_origin() -> str:
    """Where :func:`real_data_dir` comes from, in words (for messages)."""
    if os.environ.get("FORECAST_DATA_DIR"):
        return "FORECAST_DATA_DIR"
    if _running_from_checkout():
        return "FORECAST_DATA_DIR unset: the default is shared/data beside the checkout"
    return (
        "FORECAST_DATA_DIR unset: an installed package reads ../shared/data from the working "
        "directory; set FORECAST_DATA_DIR"
    )


def real_data_available() -> bool:
    """True when the real KPX demand file is present in :func:`real_data_dir`."""
    return (real_data_dir() / "kpx_hourly_demand.csv").is_file()


def user_cache_dir() -> Path:
    """The per-user cache of what the tool can rebuild (compiled kernels, holiday calendars):
    ``$XDG_CACHE_HOME/ai-grid-forecast``, else ``~/.cache/ai-grid-forecast`` (the XDG Base
    Directory specification, https://specifications.freedesktop.org/basedir-spec/; a relative
    ``XDG_CACHE_HOME`` is ignored, as it says), else, without a home directory, the same under
    the system's temporary directory. Each cache in it is keyed on what its content depends on,
    so installs of several versions can share it."""
    configured = os.environ.get("XDG_CACHE_HOME", "").strip()
    if configured and Path(configured).is_absolute():
        return Path(configured) / DISTRIBUTION
    try:
        return Path.home() / ".cache" / DISTRIBUTION
    except RuntimeError:  # no HOME and no password entry (a bare container user)
        return Path(tempfile.gettempdir()) / DISTRIBUTION


def writable_directory(path: Path) -> bool:
    """Whether ``path`` is a directory this process can write a file in, making it (and its
    parents) if it is missing."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True
