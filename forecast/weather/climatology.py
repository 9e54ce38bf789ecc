"""The shipped climatology of a weather location: derived statistics, never observed rows.

``data/weather/<location>/climatology.json`` holds a smoothed typical year (366 days x 24
hours of the weather clock), the normalised diurnal shape by month and the AR(1) and daily
range statistics that :mod:`.synthetic` draws years from. It is derived from the real data on
the training side (``python -m models.climatology build <location>``, :mod:`models.climatology`)
and read here, so the service and projections need no real data.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecast.errors import DataError, NotFoundError
from forecast.weather.clock import DAYS_IN_LEAP_YEAR
from forecast.weather.locations import load_location

CLIMATOLOGY_FORMAT_VERSION = 1

_CLIMATOLOGY_ARRAYS: dict[str, tuple[int, ...]] = {
    "typical_temperature_c": (DAYS_IN_LEAP_YEAR, 24),
    "diurnal_shape_by_month": (12, 24),
    "daily_anomaly_std_c_by_month": (12,),
    "daily_range_mean_c_by_month": (12,),
    "daily_range_slope_per_anomaly_by_month": (12,),
    "daily_range_residual_std_c_by_month": (12,),
}


def climatology_path(location: str = "seoul") -> Path:
    """Path of the shipped climatology of a location (its folder's ``climatology.json``)."""
    return load_location(location).climatology_path


@dataclass(frozen=True, eq=False)
class Climatology:
    """The shipped statistics of one location (arrays read-only).

    Attributes
    ----------
    location
        Location name.
    typical_temperature_c
        Smoothed mean temperature, float64[366, 24] by leap-calendar day and hour of the
        weather clock. [°C]
    diurnal_shape_by_month
        Normalised diurnal shape in [0, 1], float64[12, 24]. [-]
    daily_anomaly_ar1_coefficient
        Lag-1 autocorrelation of the daily-mean anomaly. [-]
    daily_anomaly_std_c_by_month
        Standard deviation of the daily-mean anomaly, float64[12]. [°C]
    daily_range_mean_c_by_month
        Mean daily range (max - min), float64[12]. [°C]
    daily_range_slope_per_anomaly_by_month
        Change of the daily range per degree of daily-mean anomaly, float64[12]. [°C/°C]
    daily_range_residual_std_c_by_month
        Standard deviation of the daily range around that line, float64[12]. [°C]
    source
        Human-readable provenance (station, years, input sha256 prefixes).
    """

    location: str
    typical_temperature_c: np.ndarray
    diurnal_shape_by_month: np.ndarray
    daily_anomaly_ar1_coefficient: float
    daily_anomaly_std_c_by_month: np.ndarray
    daily_range_mean_c_by_month: np.ndarray
    daily_range_slope_per_anomaly_by_month: np.ndarray
    daily_range_residual_std_c_by_month: np.ndarray
    source: str


def load_climatology(location: str = "seoul") -> Climatology:
    """Load and check the shipped climatology of a location (cached per file version).

    Raises
    ------
    NotFoundError
        The location is unknown or ships no climatology.
    DataError
        The file is not valid JSON or a field has the wrong shape or non-finite values.
    """
    path = load_location(location).climatology_path
    if not path.is_file():
        raise NotFoundError(
            f"weather location {location!r}: no climatology at {path}; build it from the real "
            f"data with `python -m models.climatology build {location}`"
        )
    return _load(location, path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load(location: str, path: Path, mtime_ns: int) -> Climatology:
    del mtime_ns  # part of the cache key only: a rebuilt file is read again
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from error
    if document.get("format_version") != CLIMATOLOGY_FORMAT_VERSION:
        raise DataError(
            f"{path}: format_version = {document.get('format_version')!r}; allowed: "
            f"{CLIMATOLOGY_FORMAT_VERSION}"
        )
    arrays: dict[str, np.ndarray] = {}
    for name, shape in _CLIMATOLOGY_ARRAYS.items():
        try:
            values = np.array(document[name], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(f"{path}: field {name} is missing or not numeric") from error
        if values.shape != shape or not np.isfinite(values).all():
            raise DataError(
                f"{path}: field {name} has shape {values.shape}; expected {shape} finite numbers"
            )
        values.setflags(write=False)
        arrays[name] = values
    ar1 = document.get("daily_anomaly_ar1_coefficient")
    if not isinstance(ar1, float) or not 0.0 <= ar1 < 1.0:
        raise DataError(f"{path}: daily_anomaly_ar1_coefficient = {ar1!r}; allowed: 0 <= value < 1")
    provenance = document.get("provenance", {})
    try:
        hashes = ", ".join(
            f"{entry['name']} sha256 {entry['sha256'][:12]}" for entry in provenance["source_files"]
        )
        years = provenance["years"]
        station = provenance["station"]
    except (KeyError, TypeError) as error:
        raise DataError(f"{path}: provenance is incomplete ({error!r} missing)") from None
    source = (
        f"climatology of {station}, {years[0]}-{years[-1]} ({hashes}); shipped file "
        f"{path.parent.name}/{path.name}"
    )
    return Climatology(
        location=location, daily_anomaly_ar1_coefficient=ar1, source=source, **arrays
    )
