"""Accelerator catalog: one row per accelerator type (``data/accelerators.csv``).

Columns: board TDP [W], system power per accelerator at nameplate [W] (a DGX H100 is 10.2 kW for
8 GPUs → 1275 W) and what that figure is (``system_w_basis``: a vendor's system maximum, a rack
rating, or the one rule for the rest: board TDP + the host overhead per accelerator of its system
class), dense BF16/FP8 throughput [TFLOPS], release year and the sources of each row
(``source_keys``: facts.csv keys and ``assumption: <text>`` entries, ``;``-separated). See
``data/README.md`` for every assumption.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import CatalogError
from forecast.paths import shipped_data_dir

#: Every column of ``data/accelerators.csv``, in file order: (unit, meaning). The data
#: README's column table is generated from it (``python -m forecast.report.docs``).
CATALOG_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "accelerator_id": ("–", "snake_case id used in scenario `mix` tables (unique)"),
    "vendor": ("–", "NVIDIA, AMD, Intel, FuriosaAI"),
    "name": (
        "–",
        "product name and packaging (in double quotes where it holds a comma)",
    ),
    "form_factor": (
        "–",
        "`sxm`, `oam` (8-way baseboard modules), `pcie` (cards), `superchip_rack` "
        "(Grace-paired GPUs in a 72-GPU rack; per-GPU figures)",
    ),
    "release_year": ("year", "the `year` of the cited TDP row (launch or first availability)"),
    "board_tdp_w": (
        "W",
        "board (module) power limit, the maximum configurable TDP: the value of the cited "
        "`*_tdp` fact (tests/forecast/scenario/test_shipped_data.py checks it)",
    ),
    "system_w_per_accelerator": (
        "W",
        "power of the whole server or rack at nameplate, divided by its accelerators: "
        "includes CPUs, memory, NICs, fans and switches, excludes facility overhead (PUE). "
        "This is what the model multiplies by the load factor.",
    ),
    "system_w_basis": (
        "–",
        "what that figure is: `vendor maximum`, `rack rating`, `rated (LBNL)`, or `rule: "
        "<class>` (board TDP + the host overhead of its class: 8-way baseboard, rack-scale, "
        "PCIe server)",
    ),
    "bf16_dense_tflops": (
        "TFLOPS",
        "dense (not 2:4-sparse) BF16 matrix throughput; empty where facts.csv has no dense figure",
    ),
    "fp8_dense_tflops": ("TFLOPS", "dense FP8 matrix throughput; empty where facts.csv has none"),
    "source_keys": (
        "–",
        "where the row comes from, separated by `;`: facts.csv keys, and `assumption: <text>` "
        "for a figure no facts.csv row gives yet (no `;` in the text)",
    ),
    "assumptions": (
        "–",
        "which fields are assumptions, why, and the range considered; conflicts and which row "
        "was chosen; empty if none",
    ),
}
CATALOG_COLUMNS = tuple(CATALOG_COLUMN_DOCS)

#: A ``source_keys`` entry that is not a facts.csv key: a figure no facts.csv row gives yet (a
#: product before its datasheet), stated as an assumption, as a scenario's ``assumption:`` source.
ASSUMPTION_PREFIX = "assumption:"
#: A facts.csv key (``../shared/reference/facts.csv``).
FACTS_KEY = re.compile(r"[a-z][a-z0-9_]*")


def _split_sources(text: str) -> tuple[list[str], list[str]]:
    """A row's ``source_keys`` as (facts.csv keys, assumption texts); an entry that is neither
    is left out of both (the loader refuses such a row)."""
    keys, assumptions = [], []
    for entry in (part.strip() for part in text.split(";")):
        if entry.startswith(ASSUMPTION_PREFIX):
            assumptions.append(entry.removeprefix(ASSUMPTION_PREFIX).strip())
        elif FACTS_KEY.fullmatch(entry):
            keys.append(entry)
    return keys, assumptions


@dataclass(frozen=True)
class HostOverhead:
    """Power of a system's host (CPUs, memory, network, fans, switches, conversion losses) per
    accelerator, at nameplate, for one class of system. [W]"""

    watts: float
    derivation: str
    source: str


#: The one rule for catalog rows without a vendor system figure: system power per accelerator =
#: board TDP + the host overhead of its class, measured on the vendor systems of that class.
#: ``tests/forecast/scenario/test_catalog.py`` checks every rule row against it.
HOST_OVERHEAD: dict[str, HostOverhead] = {
    "8-way baseboard": HostOverhead(
        watts=(1275.0 - 700.0 + 1787.5 - 1000.0 + 1812.5 - 1100.0) / 3.0,
        derivation="mean of DGX H100 (10.2 kW / 8 - 700 W = 575 W), DGX B200 (14.3 kW / 8 - "
        "1000 W = 787.5 W) and DGX B300 (14.5 kW / 8 - 1100 W = 712.5 W): 691.7 W; range "
        "575-787.5 W",
        source="facts.csv:dgx_h100_max_power, h100_sxm_tdp, dgx_b200_max_power, b200_hgx_tdp, "
        "dgx_b300_max_power, b300_hgx_tdp",
    ),
    "rack-scale": HostOverhead(
        watts=120_000.0 / 72.0 - 1200.0,
        derivation="GB200 NVL72: 120 kW / 72 - 1200 W = 466.7 W (the one rack with a rating; "
        "Grace CPUs and NVLink switch trays shared by 72 GPUs)",
        source="facts.csv:gb200_nvl72_rack_power, b200_gb200_tdp",
    ),
    "PCIe server": HostOverhead(
        watts=3000.0 / 8.0 - 180.0,
        derivation="NXT RNGD server: 3 kW / 8 - 180 W = 195 W; range 195-691.7 W (up to the "
        "8-way baseboard overhead)",
        source="facts.csv:furiosa_nxt_rngd_server_power, furiosa_rngd_tdp",
    ),
}


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

    def facts_keys(self, key: str) -> list[str]:
        """The facts.csv keys an accelerator's row cites, in its order."""
        return _split_sources(str(self.table.loc[key, "source_keys"]))[0]

    def source(self, key: str) -> str:
        """Where an accelerator's figures come from, as a scenario's sources read:
        ``facts.csv:h100_sxm_tdp, dgx_h100_max_power; assumption: ...``."""
        keys, assumptions = _split_sources(str(self.table.loc[key, "source_keys"]))
        parts = [f"facts.csv:{', '.join(keys)}"] if keys else []
        parts += [f"{ASSUMPTION_PREFIX} {text}" for text in assumptions]
        return "; ".join(parts)

    def _get(self, key: str, column: str) -> float:
        try:
            value: Any = self.table.loc[key, column]
            return float(value)
        except KeyError:
            raise CatalogError(
                f"accelerator {key!r}: unknown; allowed: {', '.join(sorted(self.ids))}"
            ) from None


def _check_fields(path: Path) -> None:
    """Every record of the CSV has as many fields as its header: pandas' own error for a
    name with an unquoted comma is a parser traceback that names neither fix nor file."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        for record in reader:
            if record and len(record) != len(header):
                raise CatalogError(
                    f"{path.name} line {reader.line_num}: {len(record)} fields, expected "
                    f"{len(header)} ({', '.join(header)}); put a value containing a comma "
                    'in double quotes ("H100 NVL (PCIe, 94 GB)")'
                )


def _check_sources(path: Path, table: pd.DataFrame) -> None:
    """Each ``source_keys`` entry is a facts.csv key or ``assumption: <text>``."""
    for accelerator_id, given in zip(table["accelerator_id"], table["source_keys"], strict=True):
        text = given if isinstance(given, str) else ""  # pandas reads an empty field as NaN
        entries = [part.strip() for part in text.split(";")] if text.strip() else []
        bad = [
            entry
            for entry in entries
            if not FACTS_KEY.fullmatch(entry)
            and not (
                entry.startswith(ASSUMPTION_PREFIX) and entry[len(ASSUMPTION_PREFIX) :].strip()
            )
        ]
        if not entries or bad:
            raise CatalogError(
                f"{path.name}: {accelerator_id}.source_keys = {text!r}: "
                f"{'entries ' + repr(bad) if bad else 'empty'}; allowed: ';'-separated "
                "facts.csv keys (snake_case) and 'assumption: <text>' entries"
            )


def read_catalog(path: Path) -> Catalog:
    """Read and check an accelerator catalog CSV."""
    try:
        _check_fields(path)
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
    _check_sources(path, table)
    table = table.set_index("accelerator_id")
    return Catalog(table=table)


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Read and check the shipped catalog (cached)."""
    return read_catalog(shipped_data_dir() / "accelerators.csv")
