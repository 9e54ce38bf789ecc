"""One-at-a-time sensitivity: how far each input, moved alone, swings an output's P50.

In comes a one-at-a-time sweep (:func:`forecast.sweep.variants.build_variants` with
``design="oat"``): the base scenario and, for each varied input, one variant per listed value
with every other input at its base. Out goes a tidy table, one row per output, year and input:
the base's P50, the lowest and highest P50 among the input's values (and which value gives
each), their difference (the swing) and each one's change from the base, ranked by swing: the
numbers of a tornado chart (:func:`forecast.report.plot.tornado_figure`).

Every variant runs on the same seed and named random streams (common random numbers), so a
swing is the effect of the input, not Monte Carlo noise: an input that does not move the load
swings it by exactly 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast.errors import OptionsError, year_error
from forecast.outputs import quantile_at, text_table
from forecast.sweep.variants import (
    OAT_BASE,
    OAT_COLUMN,
    TOGETHER_JOIN,
    split_names,
    varied_names,
)

#: Outputs a swing is reported for by default (those the sweep has), with their label.
SWING_OUTPUTS: dict[str, str] = {
    "ai_energy_twh": "AI energy",
    "dc_energy_twh": "all data-centre energy",
    "ai_at_national_peak_gw": "AI load at the national peak",
}
#: The swing table's columns; values in the output's unit (``unit``) unless said otherwise.
SWING_COLUMNS = (
    "output",
    "unit",
    "year",
    "rank",
    "input",
    "base_p50",
    "low_value",
    "low_p50",
    "high_value",
    "high_p50",
    "swing",
    "low_change",
    "high_change",
)
#: What each column holds, for the table's metadata (``<file>.meta.json``).
SWING_COLUMN_DESCRIPTIONS = {
    "output": "output variable of the projection (its name ends in its unit)",
    "unit": "unit of base_p50, low_p50, high_p50, swing, low_change and high_change",
    "year": "calendar year",
    "rank": "1 for the input with the largest swing of this output and year [-]",
    "input": f"the varied NAME (a paired group's NAMEs joined by {TOGETHER_JOIN!r})",
    "base_p50": "P50 of the output in the base variant [unit]",
    "low_value": "the input's value that gives low_p50 [unit of the input]",
    "low_p50": "lowest P50 among the input's values [unit]",
    "high_value": "the input's value that gives high_p50 [unit of the input]",
    "high_p50": "highest P50 among the input's values [unit]",
    "swing": "high_p50 - low_p50 [unit]",
    "low_change": "low_p50 - base_p50 [unit]",
    "high_change": "high_p50 - base_p50 [unit]",
}
#: What a one-at-a-time sweep's output says about its random numbers.
COMMON_RANDOM_NUMBERS = (
    "common random numbers: every variant uses the same seed and named random streams, so a "
    "swing is the input's effect, not Monte Carlo noise"
)


def default_outputs(dataset: xr.Dataset) -> list[str]:
    """The :data:`SWING_OUTPUTS` the sweep has (all data-centre energy needs non-AI load, the
    AI load at the national peak a baseline)."""
    return [name for name in SWING_OUTPUTS if name in dataset]


def check_outputs(dataset: xr.Dataset, outputs: list[str]) -> None:
    """Refuse an output the sweep does not have per year and quantile, naming those it has."""
    allowed = [
        str(name)
        for name, variable in dataset.data_vars.items()
        if set(variable.dims) == {"variant", "year", "quantile"}
    ]
    for output in outputs:
        if output not in allowed:
            raise OptionsError(
                f"--outputs: {output!r} is not a per-year output of this sweep; allowed: "
                f"{', '.join(allowed)}"
            )


def check_years(dataset: xr.Dataset, years: Sequence[int]) -> None:
    """Refuse a year outside the sweep's period, naming the period."""
    have = [int(year) for year in dataset["year"].to_numpy()]
    for year in years:
        if year not in have:
            raise year_error("--years", year, low=have[0], high=have[-1], why="the sweep's period")


def _value_text(dataset: xr.Dataset, position: int, names: list[str]) -> str:
    """An input's value in one variant, as text (a paired group's values joined)."""
    return TOGETHER_JOIN.join(str(dataset[name].to_numpy()[position]) for name in names)


def swing_table(
    dataset: xr.Dataset, *, outputs: list[str] | None = None, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Each input's swing of each output's P50 in each year (columns :data:`SWING_COLUMNS`),
    the inputs of an output and year by swing, largest first.

    Parameters
    ----------
    dataset : xarray.Dataset
        A one-at-a-time sweep (:data:`~forecast.sweep.variants.OAT_COLUMN`), with the 0.5
        quantile.
    outputs : list of str, optional
        Per-year outputs (default: :func:`default_outputs`). [their units]
    years : sequence of int, optional
        Years (default: the last).

    Raises
    ------
    OptionsError
        Not a one-at-a-time sweep, no P50, or an output or year the sweep lacks.
    """
    if OAT_COLUMN not in dataset.coords:
        raise OptionsError(
            "the sweep is not one-at-a-time (no oat_input); run forecast sweep --one-at-a-time"
        )
    if not np.any(np.isclose(dataset["quantile"].to_numpy(), 0.5)):
        levels = ", ".join(f"{q:g}" for q in dataset["quantile"].to_numpy())
        raise OptionsError(
            f"--quantiles = {levels}: a swing compares P50s; allowed: quantiles with 0.5"
        )
    outputs = default_outputs(dataset) if outputs is None else outputs
    check_outputs(dataset, outputs)
    years = [int(dataset["year"].to_numpy()[-1])] if years is None else years
    check_years(dataset, years)
    moves = [str(label) for label in dataset[OAT_COLUMN].to_numpy()]
    base = moves.index(OAT_BASE)
    stands_for = split_names(str(dataset.attrs.get("sweep_base_stands_for", "")))
    inputs = list(dict.fromkeys(label for label in moves if label != OAT_BASE))
    varied = varied_names(dataset)
    rows = []
    for output in outputs:
        variable = dataset[output]
        for year in years:
            p50 = [
                quantile_at(variable.isel(variant=position).sel(year=year), 0.5)
                for position in range(len(moves))
            ]
            ranked: list[dict[str, Any]] = []
            for label in inputs:
                names = [name for name in varied if name in label.split(TOGETHER_JOIN)]
                positions = [i for i, moved in enumerate(moves) if moved == label]
                if label in stands_for:
                    positions.insert(0, base)
                # Ties (an input that moves nothing): low is the first value, high the last.
                low = min(positions, key=lambda i: p50[i])
                high = max(reversed(positions), key=lambda i: p50[i])
                ranked.append(
                    {
                        "output": output,
                        "unit": str(variable.attrs.get("units", "")),
                        "year": year,
                        "input": label,
                        "base_p50": p50[base],
                        "low_value": _value_text(dataset, low, names),
                        "low_p50": p50[low],
                        "high_value": _value_text(dataset, high, names),
                        "high_p50": p50[high],
                        "swing": p50[high] - p50[low],
                        "low_change": p50[low] - p50[base],
                        "high_change": p50[high] - p50[base],
                    }
                )
            ranked.sort(key=lambda row: -row["swing"])
            rows += [row | {"rank": rank} for rank, row in enumerate(ranked, start=1)]
    return pd.DataFrame(rows, columns=list(SWING_COLUMNS))


def swing_text(table: pd.DataFrame, *, digits: dict[str, int] | None = None) -> str:
    """The swing table as fixed-width text: a block per output and year, inputs by swing."""
    blocks = []
    for (output, year), rows in table.groupby(["output", "year"], sort=False):
        unit = str(rows["unit"].iloc[0])
        shown = (digits or {}).get(str(output), 3)

        def number(value: object, *, signed: bool = False, shown: int = shown) -> str:
            # Rounded first, so that a change of -0.0001 reads +0.000, not -0.000.
            number = round(float(value), shown) + 0.0  # type: ignore[arg-type]  # a number
            return f"{number:+,.{shown}f}" if signed else f"{number:,.{shown}f}"

        label = SWING_OUTPUTS.get(str(output), str(output))
        title = (
            f"one-at-a-time swing of {label} [{unit}] in {year}: P50 at each input's values, "
            f"every other input at its base (base P50 {number(rows['base_p50'].iloc[0])} {unit})"
        )
        headers = ["low value", f"low P50 {unit}", "high value", f"high P50 {unit}",
                   f"swing {unit}", f"low - base {unit}", f"high - base {unit}"]  # fmt: skip
        lines = text_table(
            "input",
            headers,
            [
                (
                    str(row.input),
                    [
                        str(row.low_value),
                        number(row.low_p50),
                        str(row.high_value),
                        number(row.high_p50),
                        number(row.swing),
                        number(row.low_change, signed=True),
                        number(row.high_change, signed=True),
                    ],
                )
                for row in rows.itertuples()
            ],
        )
        blocks.append("\n".join([title, *lines]))
    blocks.append(f"({COMMON_RANDOM_NUMBERS})")
    return "\n".join(blocks)


def swing_path(out: Path) -> Path:
    """Where a sweep written to ``out`` writes its swing table: ``<stem>_swing.csv`` beside it."""
    return out.with_name(f"{out.stem}_swing.csv")


def write_swing(table: pd.DataFrame, path: Path, dataset: xr.Dataset) -> Path:
    """Write the swing table as CSV with a ``<path>.meta.json``: the sweep's provenance
    attributes (the base variant's scenario digest among them), each column's meaning and
    unit, and the note on common random numbers; atomically."""
    from forecast.io import export

    moves = [str(label) for label in dataset[OAT_COLUMN].to_numpy()]
    attrs = {key: _jsonable(value) for key, value in dataset.attrs.items()}
    attrs["scenario_sha256"] = str(dataset["scenario_sha256"].to_numpy()[moves.index(OAT_BASE)])
    meta = {
        "attrs": attrs,
        "columns": list(table.columns),
        "column_descriptions": SWING_COLUMN_DESCRIPTIONS,
        "units": {
            str(output): str(unit)
            for output, unit in table[["output", "unit"]].drop_duplicates().to_numpy()
        },
        "random_numbers": COMMON_RANDOM_NUMBERS,
    }
    return export.write_table(table, path, "csv", meta)


def read_swing(path: Path) -> tuple[pd.DataFrame, dict]:
    """A swing table written by :func:`write_swing` and its metadata.

    Raises
    ------
    OptionsError
        The file, or its ``.meta.json``, is missing or is not a swing table.
    """
    meta_path = Path(f"{path}.meta.json")
    for needed in (path, meta_path):
        if not needed.is_file():
            raise OptionsError(
                f"swing table = {str(path)!r}: {str(needed)!r} does not exist; give the "
                "<out>_swing.csv that forecast sweep --one-at-a-time wrote (with its .meta.json)"
            )
    table = pd.read_csv(path, dtype={"low_value": str, "high_value": str, "input": str})
    if list(table.columns) != list(SWING_COLUMNS):
        raise OptionsError(
            f"swing table = {str(path)!r}: its columns are not a swing table's "
            f"({', '.join(SWING_COLUMNS)})"
        )
    return table, json.loads(meta_path.read_text(encoding="utf-8"))


def _jsonable(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
