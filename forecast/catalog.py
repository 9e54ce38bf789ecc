"""Accelerator catalog: one row per accelerator type (``data/accelerators.csv``).

Columns: board TDP [W], system power per accelerator at nameplate [W] (a DGX H100 is 10.2 kW for
8 GPUs → 1275 W) and what that figure is (``system_w_basis``: a vendor's system maximum, a rack
rating, or the one rule for the rest: board TDP + the host overhead per accelerator of its system
class), dense BF16/FP8 throughput [TFLOPS], release year and the facts.csv keys each row comes
from. See ``data/README.md`` for every assumption.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import CatalogError
from forecast.paths import shipped_data_dir

CATALOG_COLUMNS = (
    "accelerator_id",
    "vendor",
    "name",
    "form_factor",
    "release_year",
    "board_tdp_w",
    "system_w_per_accelerator",
    "system_w_basis",
    "bf16_dense_tflops",
    "fp8_dense_tflops",
    "source_keys",
    "assumptions",
)


@dataclass(frozen=True)
class Catalog:
    """The accelerator catalog as a read-only frame indexed by ``accelerator_id``."""

    table: pd.DataFrame

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self.table.index)

    def system_w(self, mix: dict[str, float]) -> float:
        """Mix-weighted system power per accelerator at nameplate. [W]"""
        return float(
            sum(share * self._get(key, "system_w_per_accelerator") for key, share in mix.items())
        )

    def tflops(self, mix: dict[str, float], metric: str) -> float:
        """Mix-weighted dense throughput per accelerator. [TFLOPS]"""
        total = 0.0
        for key, share in mix.items():
            value = self._get(key, metric)
            if not np.isfinite(value):
                raise CatalogError(
                    f"accelerators.csv: {key}.{metric} is empty: a compute target with "
                    f"metric = {metric!r} needs it; use another metric or accelerator"
                )
            total += share * value
        return total

    def _get(self, key: str, column: str) -> float:
        try:
            return float(self.table.loc[key, column])
        except KeyError:
            raise CatalogError(
                f"accelerator {key!r}: unknown; allowed: {', '.join(sorted(self.ids))}"
            ) from None


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Read and check the shipped catalog (cached)."""
    path = shipped_data_dir() / "accelerators.csv"
    try:
        table = pd.read_csv(path, dtype={"accelerator_id": str}, keep_default_na=True)
    except FileNotFoundError:
        raise CatalogError(f"{path}: accelerator catalog not found") from None
    missing = [c for c in CATALOG_COLUMNS if c not in table.columns]
    if missing:
        raise CatalogError(f"{path.name}: missing columns {missing}")
    if table["accelerator_id"].duplicated().any():
        duplicated = sorted(table.loc[table["accelerator_id"].duplicated(), "accelerator_id"])
        raise CatalogError(f"{path.name}: accelerator_id must be unique; repeated: {duplicated}")
    for column in ("board_tdp_w", "system_w_per_accelerator"):
        bad = table[~(pd.to_numeric(table[column], errors="coerce") > 0)]
        if len(bad):
            row = bad.iloc[0]
            raise CatalogError(
                f"{path.name}: {row['accelerator_id']}.{column} = {row[column]!r}: "
                "must be a positive number of watts"
            )
    table = table.set_index("accelerator_id")
    return Catalog(table=table)
