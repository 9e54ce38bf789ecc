"""A scenario's inputs as rows of text: where each is, its value or distribution, its source.

:func:`assumption_rows` gives the report's "Every assumption" table and the input table of a
CSV's ``.meta.json`` (:func:`input_table`): one row per quantity, trend point and sourced entry,
then the documented defaults the scenario leaves in effect. :func:`flat_inputs` flattens the
validated scenario to one row per value (``sites[3].region``, ``grid.capital.limit_mw``), and
:func:`differing_inputs` compares two scenarios' flattened inputs: the report's "Inputs that
differ" table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import xarray as xr

from forecast.engine.sampling import OPERATION_DEFAULTS
from forecast.io.export import with_inputs
from forecast.scenario import (
    STATUS_DEFAULTS,
    STATUS_DEFAULTS_SOURCE,
    Scenario,
    accelerator_places,
)
from forecast.scenario.catalog import load_catalog

#: Fields that name and describe a scenario rather than set an input.
DESCRIPTIVE_FIELDS = ("id", "title", "description", "notes", "tags", "schema_version")
#: Where a scenario states nothing for a value the other states.
NOT_SET = "not set"


def describe_quantity(quantity: dict) -> str:
    """A distribution as text: ``triangular(low 0.53, mode 0.7, high 0.775)``."""
    match quantity.get("dist", "fixed"):
        case "fixed":
            return f"{quantity['value']:g} (fixed)"
        case "triangular":
            low, mode, high = quantity["low"], quantity["mode"], quantity["high"]
            return f"triangular(low {low:g}, mode {mode:g}, high {high:g})"
        case "uniform":
            return f"uniform({quantity['low']:g}, {quantity['high']:g})"
        case "lognormal":
            return f"lognormal(median {quantity['median']:g}, sigma {quantity['sigma']:g})"
        case "beta":
            return (
                f"beta(alpha {quantity['alpha']:g}, beta {quantity['beta']:g}) on "
                f"[{quantity['low']:g}, {quantity['high']:g}]"
            )
    return str(quantity)


def _dated(quantity: dict) -> str:
    """A quantity as text, a trend's point with its date: ``from 2030-01-01: uniform(1, 2)``."""
    text = describe_quantity(quantity)
    return f"from {quantity['date']}: {text}" if "date" in quantity else text


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def shown(value: Any) -> str:
    """A scenario value as text: numbers without a trailing .0, a mix as shares in %."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {100 * share:g} %" for key, share in value.items())
    if isinstance(value, float):
        return f"{value:,g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def _rows(node: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(where, value or distribution, source) of every quantity, trend point and sourced entry."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _rows(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if "dist" in node:
        yield path, _dated(node), str(node.get("source", ""))
        return
    if isinstance(node.get("points"), list) and all("quantity" in p for p in node["points"]):
        for point in node["points"]:
            quantity = point["quantity"]
            yield (
                f"{path} from {point['date']}",
                describe_quantity(quantity),
                str(quantity.get("source", "")),
            )
        return
    if "source" in node:
        values = ", ".join(
            f"{key} = {shown(value)}"
            for key, value in node.items()
            if key != "source" and (_scalar(value) or key == "mix")
        )
        yield path, values, str(node["source"])
    for key, value in node.items():
        if isinstance(value, dict | list) and key != "mix":
            yield from _rows(value, f"{path}.{key}" if path else key)


@dataclass(frozen=True)
class InputRow:
    """One input: where it is in the scenario, its value or distribution, its source ("" where
    the scenario states none)."""

    where: str
    value: str
    source: str


def assumption_rows(scenario: Scenario) -> list[InputRow]:
    """Every assumption of ``scenario``: its own quantities and sourced entries, then the
    documented defaults it leaves in effect (``operations.pue (default)``), each with its
    distribution and source, then the accelerator catalog rows its mixes use
    (``accelerators.csv: h100_sxm``), with their facts.csv keys and ``assumption:`` entries."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    rows = [
        InputRow(where, value, source)
        for where, value, source in _rows({k: v for k, v in data.items() if k != "horizon"}, "")
    ]
    for name, default in OPERATION_DEFAULTS.items():
        if getattr(scenario.operations, name) is None:
            quantity = default.quantity.model_dump(mode="json")
            for where, value, source in _rows(quantity, f"operations.{name}"):
                why = f"{source}; {default.why}" if source else default.why
                rows.append(InputRow(f"{where} (default)", value, why))
    if scenario.sites:
        for status, values in STATUS_DEFAULTS.items():
            low, mode, high = values["delay_months"]
            rows.append(
                InputRow(
                    f"sites with status {status} (default where a site states none)",
                    f"build probability {values['build_probability']:g}; delay "
                    f"triangular({low:g}, {mode:g}, {high:g}) months",
                    STATUS_DEFAULTS_SOURCE,
                )
            )
    return rows + _catalog_rows(scenario)


def _catalog_rows(scenario: Scenario) -> list[InputRow]:
    """The catalog rows the scenario's mixes use, in the order they first appear."""
    catalog = load_catalog()
    used = dict.fromkeys(key for _, mix in accelerator_places(scenario) for key in mix)
    rows = []
    for key in used:
        row: Any = catalog.table.loc[key]
        rows.append(
            InputRow(
                f"accelerators.csv: {key}",
                f"board TDP {shown(float(row['board_tdp_w']))} W; system "
                f"{shown(float(row['system_w_per_accelerator']))} W per accelerator "
                f"({row['system_w_basis']})",
                catalog.source(key),
            )
        )
    return rows


def input_table(scenario: Scenario) -> dict[str, dict[str, str]]:
    """:func:`assumption_rows` keyed by where each input is: ``{"operations.pue": {"value":
    "uniform(1.2, 1.4)", "source": "..."}}``, as a CSV's ``.meta.json`` carries it."""
    return {
        row.where: {"value": row.value, "source": row.source} for row in assumption_rows(scenario)
    }


def with_input_tables(dataset: xr.Dataset, scenarios: Sequence[Scenario]) -> xr.Dataset:
    """``dataset`` with its scenario's :func:`input_table` in the attribute ``inputs``
    (:func:`forecast.io.export.with_inputs`): a projection's of its one scenario, a comparison's
    (a ``scenario`` dimension) each scenario's by id, as ``forecast project`` and ``forecast
    compare`` write them into NetCDF; the service's results carry them so."""
    if "scenario" in dataset.dims:
        return with_inputs(dataset, {scenario.id: input_table(scenario) for scenario in scenarios})
    (scenario,) = scenarios
    return with_inputs(dataset, input_table(scenario))


@dataclass(frozen=True)
class FlatInput:
    """One value of a scenario: its text, its source (a quantity's own, else the nearest
    entry's around it), the name of the list entry holding it ("" at the top level), and a
    quantity's own source (None for a plain value), whose change counts as a change of the
    value."""

    value: str
    source: str
    entry: str
    own_source: str | None = None


def _flatten(node: Any, path: str, source: str, entry: str) -> Iterator[tuple[str, FlatInput]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            name = item.get("name", "") if isinstance(item, dict) else ""
            yield from _flatten(item, f"{path}[{index}]", source, str(name) or entry)
        return
    if isinstance(node, dict) and "dist" in node:
        # A quantity is one input: its distribution (from its date, in a trend) and its source.
        text = _dated(node)
        own = str(node.get("source", ""))
        yield path, FlatInput(text, own or source, entry, own_source=own)
        return
    if isinstance(node, dict) and path.endswith(".mix"):
        yield path, FlatInput(shown(node), source, entry)
        return
    if isinstance(node, dict):
        around = str(node.get("source", source))
        for key, value in node.items():
            yield from _flatten(value, f"{path}.{key}" if path else key, around, entry)
        return
    yield path, FlatInput(shown(node), source, entry)


def flat_inputs(scenario: Scenario) -> dict[str, FlatInput]:
    """Every value ``scenario`` sets, by its path in the validated scenario
    (``sites[3].region``, ``grid.capital.limit_mw``), a quantity as its distribution, and the
    operating defaults it leaves in effect under their own paths (``operations.pue``); the
    fields that name and describe it (:data:`DESCRIPTIVE_FIELDS`) left out."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    data = {key: value for key, value in data.items() if key not in DESCRIPTIVE_FIELDS}
    flat = dict(_flatten(data, "", "", ""))
    for name, default in OPERATION_DEFAULTS.items():
        if getattr(scenario.operations, name) is None:
            quantity = default.quantity.model_dump(mode="json")
            for where, item in _flatten(quantity, f"operations.{name}", "", ""):
                flat[where] = FlatInput(
                    f"{item.value} (default)", item.source or default.why, "", item.own_source
                )
    return flat


@dataclass(frozen=True)
class DifferingInput:
    """One input two scenarios set differently."""

    where: str
    entry: str
    reference: str
    variant: str
    variant_source: str


def differing_inputs(reference: Scenario, variant: Scenario) -> list[DifferingInput]:
    """The inputs of ``variant`` whose value (or distribution) or source differs from
    ``reference``'s, in ``variant``'s order, then those only ``reference`` sets; a value one of
    them does not set reads :data:`NOT_SET`. List entries are matched by position, as the
    engine matches them for common random numbers."""
    first, second = flat_inputs(reference), flat_inputs(variant)
    missing = FlatInput(NOT_SET, "", "")
    rows = []
    for where in [*second, *(key for key in first if key not in second)]:
        before, after = first.get(where, missing), second.get(where, missing)
        if before.value != after.value or before.own_source != after.own_source:
            rows.append(
                DifferingInput(
                    where, after.entry or before.entry, before.value, after.value, after.source
                )
            )
    return rows
