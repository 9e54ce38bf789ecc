"""Marks for tests that need the real grid data outside the repository."""

from __future__ import annotations

import pytest

from forecast.paths import real_data_available, real_data_dir

requires_shared_data = pytest.mark.skipif(
    not real_data_available(),
    reason=f"real KPX data not found in FORECAST_DATA_DIR={real_data_dir()} "
    "(set FORECAST_DATA_DIR to the folder with kpx_hourly_demand.csv)",
)
