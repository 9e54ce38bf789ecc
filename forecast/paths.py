"""Where shipped inputs, model artifacts and the real data live.

Shipped inputs (``data/``) and the committed model artifacts (``models/artifacts/``) are
found next to the source tree in a checkout and under ``forecast/_shipped/`` in an installed
wheel. The real KPX data is never shipped: it is read from ``FORECAST_DATA_DIR``
(default ``../shared/data``, relative to the working directory).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE_DIR / "_shipped"
_CHECKOUT = _PACKAGE_DIR.parent

DEFAULT_DATA_DIR = Path("../shared/data")


def shipped_data_dir() -> Path:
    """Directory of the inputs that ship with the project (catalog, scenarios, weather)."""
    installed = _SHIPPED / "data"
    return installed if installed.is_dir() else _CHECKOUT / "data"


def scenarios_dir() -> Path:
    """Directory of the shipped scenario TOML files."""
    return shipped_data_dir() / "scenarios"


def artifacts_dir() -> Path:
    """Directory of model artifacts: ``FORECAST_ARTIFACT_DIR`` or the shipped ones."""
    configured = os.environ.get("FORECAST_ARTIFACT_DIR")
    if configured:
        return Path(configured)
    installed = _SHIPPED / "artifacts"
    return installed if installed.is_dir() else _CHECKOUT / "models" / "artifacts"


def real_data_dir() -> Path:
    """Directory of the real demand and temperature data (``FORECAST_DATA_DIR``)."""
    return Path(os.environ.get("FORECAST_DATA_DIR") or DEFAULT_DATA_DIR)


def real_data_available() -> bool:
    """True when the real KPX demand file is present in :func:`real_data_dir`."""
    return (real_data_dir() / "kpx_hourly_demand.csv").is_file()
