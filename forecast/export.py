"""Export a projection Dataset as tidy CSV or NetCDF, written atomically.

CSV schema (one row per variable, region, period and quantile; documented in the README):

``variable``
    Output variable name (see ``forecast.outputs``).
``region``
    ``national`` for national totals, else the scenario's region name.
``resolution``
    ``hourly`` / ``daily`` / ``monthly`` / ``annual`` for load series, ``monthly`` for fleet
    variables, ``annual`` for per-year summaries.
``period_start``
    Start of the period in local time, ISO 8601 with UTC offset (``2024-01-01T00:00+09:00``).
``quantile``
    Probability level over Monte Carlo draws (0.5 = median).
``value``
    The number, in ``unit``.
``unit``
    ``MW`` (mean power over the period), ``TWh``, ``GW``, ``%``, ``1`` or ``accelerators``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecast.calendar import local_midnight
from forecast.errors import OptionsError

CSV_COLUMNS = ("variable", "region", "resolution", "period_start", "quantile", "value", "unit")
FORMATS = ("csv", "netcdf")


def local_iso(times: pd.DatetimeIndex) -> np.ndarray:
    """ISO 8601 local times with UTC offset (``2024-01-01T00:00+09:00``), vectorised.

    ``DatetimeIndex.strftime`` formats one timestamp at a time (seconds for a decade of
    hours); this formats the wall clock with numpy and appends the few distinct offsets.
    """
    wall_clock = times.tz_localize(None).to_numpy()
    utc = times.tz_convert("UTC").tz_localize(None).to_numpy()
    wall = np.datetime_as_string(wall_clock.astype("datetime64[m]"))
    offset_minutes = ((wall_clock - utc) // np.timedelta64(1, "m")).astype(np.int64)
    labels = np.empty(len(times), dtype=object)
    for minutes in np.unique(offset_minutes):
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(int(minutes)), 60)
        mask = offset_minutes == minutes
        labels[mask] = np.char.add(wall[mask], f"{sign}{hours:02d}:{rest:02d}")
    return labels


def tidy_frame(dataset: xr.Dataset) -> pd.DataFrame:
    """The Dataset as the tidy table written to CSV (columns :data:`CSV_COLUMNS`)."""
    timezone = dataset.attrs["timezone"]
    # A month or year starts at its first local instant (01:00 where the clocks jump at
    # midnight on the 1st, as America/Santiago's can).
    month_starts = [pd.Timestamp(m).date() for m in dataset["month"].to_numpy()]
    year_starts = [dt.date(int(y), 1, 1) for y in dataset["year"].to_numpy()]
    period_labels = {
        "time": np.asarray(dataset["local_time"].to_numpy(), dtype=object),
        "month": local_iso(pd.DatetimeIndex([local_midnight(d, timezone) for d in month_starts])),
        "year": local_iso(pd.DatetimeIndex([local_midnight(d, timezone) for d in year_starts])),
    }
    resolution_of = {"time": dataset.attrs["resolution"], "month": "monthly", "year": "annual"}
    quantiles = dataset["quantile"].to_numpy()
    frames = []
    for name, variable in dataset.data_vars.items():
        period_dim = next((d for d in ("time", "month", "year") if d in variable.dims), None)
        if period_dim is None:
            continue
        regions = list(dataset["region"].to_numpy()) if "region" in variable.dims else ["national"]
        ordered = (
            variable.transpose(
                *(["region"] if "region" in variable.dims else []), period_dim, "quantile"
            )
            .to_numpy()
            .reshape(len(regions), -1, len(quantiles))
        )
        n_periods = ordered.shape[1]
        for r, region in enumerate(regions):
            frames.append(
                pd.DataFrame(
                    {
                        "variable": name,
                        "region": region,
                        "resolution": resolution_of[period_dim],
                        "period_start": np.repeat(period_labels[period_dim], len(quantiles)),
                        "quantile": np.tile(quantiles, n_periods),
                        "value": ordered[r].reshape(-1),
                        "unit": variable.attrs["units"],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)[list(CSV_COLUMNS)]


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same directory, then rename over ``path``."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise OptionsError(f"out = {str(path)!r}: directory {str(directory)!r} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    # mkstemp creates 0600; give the result the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    Path(temporary).chmod(0o666 & ~umask)
    try:
        write(Path(temporary))
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_csv(dataset: xr.Dataset, path: Path) -> Path:
    """Write the tidy CSV and a ``<path>.meta.json`` with the provenance attributes."""
    frame = tidy_frame(dataset)
    _atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.9g"))
    meta = {
        "attrs": {k: _jsonable(v) for k, v in dataset.attrs.items()},
        "columns": list(CSV_COLUMNS),
        "spread_driver_rank_correlation": _drivers(dataset),
    }
    meta_path = Path(f"{path}.meta.json")
    _atomic_write(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, indent=2) + "\n"))
    return Path(path)


def write_netcdf(dataset: xr.Dataset, path: Path) -> Path:
    """Write the Dataset as NetCDF-4 (h5netcdf engine)."""
    _atomic_write(path, lambda tmp: dataset.to_netcdf(tmp, engine="h5netcdf"))
    return Path(path)


def write(dataset: xr.Dataset, path: Path, *, file_format: str | None = None) -> Path:
    """Write ``dataset`` in ``file_format`` (default: from the suffix, ``.nc`` = NetCDF)."""
    chosen = file_format or ("netcdf" if Path(path).suffix in {".nc", ".nc4"} else "csv")
    if chosen not in FORMATS:
        raise OptionsError(f"format = {chosen!r}: allowed: {', '.join(FORMATS)}")
    return write_netcdf(dataset, path) if chosen == "netcdf" else write_csv(dataset, path)


def _drivers(dataset: xr.Dataset) -> dict[str, float]:
    if "spread_driver_rank_correlation" not in dataset:
        return {}
    variable = dataset["spread_driver_rank_correlation"]
    return {
        str(k): float(v)
        for k, v in zip(variable["input"].to_numpy(), variable.to_numpy(), strict=True)
    }


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    return value
