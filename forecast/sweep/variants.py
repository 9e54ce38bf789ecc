"""Sensitivity sweeps: the full grid of variants of a scenario, projected on Dask.

A sweep varies one or more inputs over a list of values (``operations.pue=1.1,1.3,1.5``) and
projects every combination (the cartesian product) on a ``dask.distributed`` cluster: a
``LocalCluster`` of worker processes by default, or a running scheduler given by its address.
Each task runs :func:`forecast.projection.project` on one variant; the client gathers the
Datasets and stacks them along a ``variant`` dimension whose coordinates hold the varied
values.

Every variant runs with the same seed (common random numbers): the random streams are named per
input (:class:`forecast.engine.sampling.Streams`), so two variants draw the same load factors,
lifetimes, delays and weather years wherever their inputs agree, and a difference between
variants is the effect of the varied input, not Monte Carlo noise.

Values that must move together (a fleet's ``region_shares``, which sum to 1) are paired
instead: ``--vary-together deployments[2].region_shares.capital=0.7,0.35 --vary-together
deployments[2].region_shares.non_capital=0.3,0.65`` takes the lists' first values together,
then their second (:func:`parse_paired`), and the pairs enter the product with every ordinary
``--vary`` as one factor.

A varied NAME is either

* a dotted path into the scenario, with ``[i]`` for list entries: ``operations.pue``,
  ``operations.load_factor``, ``sites[0].build_probability``,
  ``deployments[0].milestones[2].count``, ``operations.pue.mode`` (one parameter of a
  distribution); a number given for an uncertain input makes it a fixed quantity; or
* a projection option, :data:`OPTION_NAMES`: ``draws``, ``seed`` (varying the seed gives
  replicate runs, which measure the Monte Carlo noise itself) or ``weather``; or
* :data:`PLAN_SCALE` (``plan.scale``): a factor on the whole deployment plan, every
  milestone's and shipment's count in every deployment, as the dashboard's "Scale the whole
  plan" does (a compute target is a multiple of the plan's own compute, so it scales with it).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import json
import logging
import os
import re
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast.engine.sampling import OPERATION_DEFAULTS
from forecast.errors import ForecastError, OptionsError, range_error
from forecast.io import export
from forecast.kernels._jit import COMPILE_NOTICE
from forecast.projection import ProjectionOptions, project, scenario_digest
from forecast.scenario import Scenario, parse_scenario, section_at
from forecast.sweep.sites import common_sites, with_site_coordinates

#: Projection options that may be varied, with the type their values are read as.
OPTION_NAMES: dict[str, type] = {"draws": int, "seed": int, "weather": str}
#: The NAME of a factor on every milestone's and shipment's count (the whole plan).
PLAN_SCALE = "plan.scale"
#: Largest whole-plan factor (a count stays within the scenario format's 1e9 anyway).
MAX_PLAN_SCALE = 1000.0
#: Scenario fields that fix the shape or the time axis of the results; every variant shares
#: them so that the results line up along ``variant``.
FIXED_FIELDS: tuple[str, ...] = (
    "schema_version",
    "id",
    "country",
    "timezone",
    "regions",
    "hosting",
    "horizon",
)
#: Most variants one sweep may run (guards against a mistyped grid of millions).
MAX_VARIANTS = 10_000
#: Most worker processes of the default ``LocalCluster``.
MAX_WORKERS = 256
#: The dask preload each local worker runs as it starts (:mod:`forecast.sweep.worker`).
WORKER_SETUP = "forecast.sweep.worker"
#: Extra columns of the sweep CSV, before the varied NAMEs and :data:`export.CSV_COLUMNS`.
SWEEP_ID_COLUMN = "variant"
#: The designs a sweep builds its variants by: every combination, or one input at a time.
DESIGNS = ("grid", "oat")
#: Coordinate (and CSV column) of a one-at-a-time sweep: the input each variant moves.
OAT_COLUMN = "oat_input"
#: What :data:`OAT_COLUMN` says of the base variant, which moves nothing.
OAT_BASE = "base"
#: How a ``together`` group's NAMEs (and values) are joined into one input's label.
TOGETHER_JOIN = " & "
#: A NAME's value in the base variant when the scenario gives it as a distribution or a table
#: (not one number or name).
BASE_VALUE = "base"

Value = int | float | str
ProgressCallback = Callable[[int, int], None]

#: A path's pieces: a field, ``[index]``, ``['name']`` / ``["name"]`` (the entry of a list
#: whose ``name`` it is: ``sites['LG U+ Paju AI data centre, building 1']``) or a dot.
_STEP = re.compile(
    r"(?P<field>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]|\[(?P<quote>['\"])(?P<name>.*?)"
    r"(?P=quote)\]|(?P<dot>\.)"
)


class _Named(str):
    """A list entry named by its ``name`` in a path (resolved to its index by :func:`_locate`)."""


_INTEGER = re.compile(r"[+-]?\d+")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Variation:
    """One varied input: its NAME and the values it takes, in the order given.

    Parameters
    ----------
    name : str
        Dotted path into the scenario (``sites[0].build_probability``) or one of
        :data:`OPTION_NAMES`. [-]
    levels : tuple
        The values it takes, numbers or text. [unit of the field]
    together : int, optional
        Variations with the same ``together`` are paired (``--vary-together``): their lists
        are zipped, not multiplied. [-]
    """

    name: str
    levels: tuple[Value, ...]
    together: int | None = None

    @property
    def is_option(self) -> bool:
        """True when the NAME is a projection option rather than a scenario field."""
        return self.name in OPTION_NAMES


@dataclasses.dataclass(frozen=True, kw_only=True)
class Variant:
    """One point of the grid: the value of each NAME, its scenario and its validated options."""

    index: int
    settings: dict[str, Value]
    scenario: Scenario
    options: ProjectionOptions
    #: One-at-a-time design: the input this variant moves from the base (the NAMEs of a
    #: ``together`` group joined by :data:`TOGETHER_JOIN`), :data:`OAT_BASE` for the base;
    #: ``None`` in the grid design.
    moves: str | None = None
    #: One-at-a-time design, the base variant: the inputs one of whose listed values is the
    #: base's (that value is projected once, as the base).
    stands_for: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``NAME=value`` pairs, comma-separated (for messages)."""
        return ", ".join(f"{name}={value}" for name, value in self.settings.items())


def _read_value(text: str, name: str) -> Value:
    """An integer, a float or the text itself (dates and names stay text for pydantic)."""
    stripped = text.strip()
    if not stripped:
        raise OptionsError(f"--vary {name}: an empty value; allowed: V1,V2,..., none empty")
    if _INTEGER.fullmatch(stripped):
        return int(stripped)
    try:
        return float(stripped)
    except ValueError:
        return stripped


def parse_variation(text: str, *, together: int | None = None) -> Variation:
    """Read ``NAME=V1,V2,...`` (the ``--vary`` option; with ``together``, one list of a
    ``--vary-together`` group, whose values may repeat: the pairs must not).

    Raises
    ------
    OptionsError
        When the text has no ``=``, no values or a repeated value.
    """
    name, separator, values_text = text.partition("=")
    name = name.strip()
    if not separator or not name or not values_text.strip():
        raise OptionsError(
            f"--vary {text!r}: allowed: NAME=V1,V2,..., e.g. operations.pue=1.1,1.3,1.5"
        )
    values = tuple(_read_value(part, name) for part in values_text.split(","))
    if together is None and len(set(values)) != len(values):
        raise OptionsError(f"--vary {name}: values {list(values)} repeat; allowed: each once")
    if name == PLAN_SCALE and not all(
        isinstance(value, int | float) and 0 < value <= MAX_PLAN_SCALE for value in values
    ):
        raise OptionsError(
            f"--vary {name}: values {list(values)}: allowed: numbers in (0, {MAX_PLAN_SCALE:g}], "
            "the factor on every milestone and shipment count"
        )
    if name in OPTION_NAMES:
        wanted = OPTION_NAMES[name]
        if not all(isinstance(value, wanted) for value in values):
            raise OptionsError(
                f"--vary {name}: values {list(values)}: allowed: "
                f"{'integers' if wanted is int else 'names'}"
            )
    return Variation(name=name, levels=values, together=together)


def parse_paired(texts: Sequence[str], *, together: int = 0) -> list[Variation]:
    """Read the ``--vary-together`` lists, each ``NAME=V1,V2,...``: one group (number
    ``together``) of lists of the same length, zipped: the variants take ``V1`` with ``W1``,
    then ``V2`` with ``W2`` (a fleet's region shares, which must sum to 1 in every variant).

    Raises
    ------
    OptionsError
        Fewer than two lists, lists of different lengths (naming them), or a pair repeated.
    """
    variations = [parse_variation(text, together=together) for text in texts]
    if len(variations) < 2:
        raise OptionsError(
            f"--vary-together {list(texts)}: allowed: two or more NAME=V1,V2,... lists, each "
            "with its own --vary-together (a single list is an ordinary --vary)"
        )
    _factor(variations)
    return variations


def _groups(variations: Sequence[Variation]) -> list[list[Variation]]:
    """The grid's factors, in the order of the variations: each ungrouped variation alone, each
    ``together`` group as one factor at its first variation's place."""
    groups: dict[Any, list[Variation]] = {}
    for position, variation in enumerate(variations):
        key = position if variation.together is None else ("together", variation.together)
        groups.setdefault(key, []).append(variation)
    return list(groups.values())


def _factor(group: Sequence[Variation]) -> list[tuple[Value, ...]]:
    """A factor's values: one variation's, or a group's zipped, checked as long and
    without a repeated pair."""
    lengths = {len(variation.levels) for variation in group}
    if len(lengths) > 1:
        counts = ", ".join(f"{v.name} has {len(v.levels)}" for v in group)
        raise OptionsError(
            f"--vary-together: {counts} values; allowed: lists of one length (they are paired "
            "value by value)"
        )
    pairs = list(zip(*(variation.levels for variation in group), strict=True))
    if len(group) > 1 and len(set(pairs)) != len(pairs):
        names = ", ".join(variation.name for variation in group)
        raise OptionsError(
            f"--vary-together {names}: the paired values {pairs} repeat; allowed: each pair once"
        )
    return pairs


def _path_steps(name: str) -> list[str | int]:
    """``deployments[0].milestones[2].count`` → ``['deployments', 0, 'milestones', 2, 'count']``;
    ``sites['Paju'].status`` → ``['sites', _Named('Paju'), 'status']``."""
    steps: list[str | int] = []
    position, expect_field = 0, True
    while position < len(name):
        match = _STEP.match(name, position)
        if (
            match is None
            or (match["field"] is not None) != expect_field
            or (match["dot"] is not None and not steps)
        ):
            raise OptionsError(
                f"--vary {name!r}: {name[position:]!r} is not a field name; allowed: a dotted path "
                "such as operations.pue, sites[0].build_probability or "
                "sites['LG U+ Paju AI data centre, building 1'].build_probability, or one of: "
                f"{', '.join(OPTION_NAMES)}"
            )
        if match["field"] is not None:
            steps.append(match["field"])
            expect_field = False
        elif match["index"] is not None:
            steps.append(int(match["index"]))
        elif match["name"] is not None:
            steps.append(_Named(match["name"]))
        else:
            expect_field = True
        position = match.end()
    if expect_field:
        raise OptionsError(f"--vary {name!r}: ends with a dot; allowed: a field after each dot")
    return steps


def _entry_named(node: list, step: _Named, name: str, where: str) -> int:
    """The index of the one entry of ``node`` whose ``name`` is ``step``."""
    found = [
        i for i, entry in enumerate(node) if isinstance(entry, dict) and entry.get("name") == step
    ]
    if len(found) == 1:
        return found[0]
    if found:
        raise OptionsError(
            f"--vary {name!r}: {where} has {len(found)} entries named {str(step)!r}"
            f"; allowed: one by its index, {', '.join(f'{where}[{i}]' for i in found)}"
        )
    names = [str(entry.get("name")) for entry in node if isinstance(entry, dict)]
    shown = ", ".join(repr(n) for n in names[:8]) + (" ..." if len(names) > 8 else "")
    raise OptionsError(
        f"--vary {name!r}: {where} has no entry named {str(step)!r}; allowed: {shown or 'none'}"
    )


def _shown(steps: Sequence[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else ("." if text else "") + step
    return text or "the scenario"


def _locate(data: dict[str, Any], name: str) -> tuple[Any, str | int]:
    """The container in ``data`` that holds NAME's value, and its key or index in it.

    Raises
    ------
    OptionsError
        When the path does not name a single value of the scenario; the message says what the
        container at that point allows.
    """
    steps = _path_steps(name)
    if steps[0] in FIXED_FIELDS:
        raise OptionsError(
            f"--vary {name!r}: {steps[0]} fixes the period, time zone, regions or outputs every "
            "variant shares (the period: --start/--end); allowed: a field other than "
            f"{', '.join(FIXED_FIELDS)}"
        )
    node: Any = data
    for position, step in enumerate(steps):
        where = _shown(steps[:position])
        if isinstance(step, _Named):
            if not isinstance(node, list):
                raise OptionsError(
                    f"--vary {name!r}: {where} is not a list; allowed: {where} without [{step!r}]"
                )
            step = steps[position] = _entry_named(node, step, name, where)
        if isinstance(step, int):
            if not isinstance(node, list):
                raise OptionsError(
                    f"--vary {name!r}: {where} is not a list; allowed: {where} without [{step}]"
                )
            if step >= len(node):
                indices = f"0..{len(node) - 1}" if node else "none (the list is empty)"
                raise OptionsError(
                    f"--vary {name!r}: {where} has {len(node)} "
                    f"{'entry' if len(node) == 1 else 'entries'}; allowed index: {indices}"
                )
        elif isinstance(node, list):
            raise OptionsError(
                f"--vary {name!r}: {where} is a list of {len(node)} "
                f"{'entry' if len(node) == 1 else 'entries'} (a trend's points by date, or the "
                f"scenario's items); allowed: one by its index, e.g. {where}[0].{step}"
            )
        elif node is None:
            raise OptionsError(_not_set(name, where, steps[:position], data.get("id")))
        elif not isinstance(node, dict):
            raise OptionsError(
                f"--vary {name!r}: {where} is a single value with no field {step!r}; "
                f"allowed: {where} itself"
            )
        elif step not in node and position and not node:
            raise OptionsError(
                f"--vary {name!r}: scenario {data.get('id')} has no {where} section to vary; "
                f"allowed: {name} once a [{where}.{step}] table is added to its file, or to a "
                f'file of your own that says extends = "{data.get("id")}" (README: Scenario '
                "format)"
            )
        elif step not in node:
            allowed = (
                sorted(node)
                if position
                else [*OPTION_NAMES, *(key for key in sorted(node) if key not in FIXED_FIELDS)]
            )
            raise OptionsError(
                f"--vary {name!r}: {where} has no field {step!r}; allowed: {', '.join(allowed)}"
            )
        if position < len(steps) - 1:
            node = node[step]
    target = node[steps[-1]]
    shown = _shown(steps)
    if isinstance(target, dict) and "dist" not in target:
        raise OptionsError(
            f"--vary {name!r}: {shown} is a table, not a single value; allowed: one of its "
            f"fields, {', '.join(sorted(target))}"
        )
    if isinstance(target, list):
        if target and isinstance(target[0], dict):
            instead = f"a field of one entry, e.g. {shown}[0].{next(iter(target[0]))}"
        else:
            instead = "a single value" + ("" if target else " (the list is empty)")
        raise OptionsError(
            f"--vary {name!r}: {shown} is a list, not a single value; allowed: {instead}"
        )
    return node, steps[-1]


def _not_set(name: str, where: str, location: Sequence[str | int], scenario_id: Any) -> str:
    """Why NAME reaches into ``where``, a field the scenario leaves out: how to add the table
    it names and which of its fields can then be varied, or that a value left to its default
    is varied as a whole."""
    section = section_at(tuple(location))
    if section is None:
        return (
            f"--vary {name!r}: {where} is not set in scenario {scenario_id} (its default "
            f"applies: forecast scenarios show prints it); allowed: {where} itself, or its "
            "parameters once the scenario file sets it"
        )
    fields = [field for field in section.model_fields if field != "source"]
    required = [field for field in fields if section.model_fields[field].is_required()]
    return (
        f"--vary {name!r}: scenario {scenario_id} has no {where} section to vary; allowed: "
        f"{', '.join(f'{where}.{field}' for field in fields)} once a [{where}] table with "
        f"{' and '.join(required)} is added to its file, or to a file of your own that says "
        f'extends = "{scenario_id}" (README: Scenario format)'
    )


def _fill_default_operation(data: dict[str, Any], name: str) -> None:
    """Write the tool's default into ``data`` for an operation the scenario leaves to it, when
    NAME reaches inside that operation (``operations.pue.mode``, ``operations.pue[0].mode``
    for a default trend's first point), so its parameters can be varied like a declared one's.
    The default written is the one the projection would use, so the value not varied is
    projected as before."""
    steps = _path_steps(name)
    operations = data.get("operations")
    if len(steps) < 3 or steps[0] != "operations" or not isinstance(operations, dict):
        return
    operation = steps[1]
    if operations.get(operation) is None and operation in OPERATION_DEFAULTS:
        operations[operation] = OPERATION_DEFAULTS[operation].quantity.model_dump(mode="json")


def _check_quantity_values(variation: Variation, container: Any, key: str | int) -> None:
    """A quantity, or one parameter of a distribution (``operations.pue.mode``), takes numbers
    only: text fails here, in the option's words, not in the scenario validator's."""
    current = container[key]
    number = isinstance(current, int | float) and not isinstance(current, bool)
    distribution = isinstance(current, dict) and "dist" in current
    parameter = isinstance(container, dict) and "dist" in container and key not in _TEXT_FIELDS
    operation = _path_steps(variation.name) == ["operations", key] and key in OPERATION_DEFAULTS
    if (number or distribution or parameter or operation) and any(
        isinstance(value, str) for value in variation.levels
    ):
        raise OptionsError(
            f"--vary {variation.name}: values {list(variation.levels)}: allowed: numbers"
        )


#: The fields of a distribution that are text, not numbers.
_TEXT_FIELDS = frozenset({"dist", "source", "date"})


def build_variants(
    scenario: Scenario,
    variations: Sequence[Variation],
    options: ProjectionOptions | None = None,
    *,
    origin: str | None = None,
    design: str = "grid",
) -> list[Variant]:
    """The variants of a sweep, validated: every combination of the variations (``design``
    ``"grid"``: cartesian product, first NAME slowest; a ``together`` group's values paired,
    one factor), or one input at a time (``"oat"``: the base scenario first, then, for each
    variation (or ``together`` group) in turn, one variant per value with every other input
    at its base; a value equal to the base's is the base variant, not run twice).

    Each variant is ``scenario.model_dump(mode="json")`` with the values set, validated again
    by :func:`forecast.scenario.parse_scenario`, so a bad value fails here, before any cluster
    starts, with the usual one-line :class:`~forecast.errors.ScenarioError`.

    Parameters
    ----------
    scenario : Scenario
        The validated base scenario.
    variations : sequence of Variation
        What to vary; at least one, each NAME once.
    options : ProjectionOptions, optional
        Options shared by every variant (the seed too: common random numbers).
    origin : str, optional
        Where the scenario came from, for error messages (default: its id).
    design : str
        One of :data:`DESIGNS`.

    Returns
    -------
    list of Variant
        In grid order (one-at-a-time: the base, then each input's values in the order given);
        ``Variant.index`` is the position.

    Raises
    ------
    OptionsError
        An unknown or unvariable NAME, a repeated NAME, paired lists of different lengths, too
        many variants, an unknown design, or a bad option.
    ScenarioError
        A value the scenario does not allow.
    """
    if design not in DESIGNS:
        raise OptionsError(f"design = {design!r}: allowed: {', '.join(DESIGNS)}")
    if not variations:
        raise OptionsError("--vary: none given; allowed: one or more NAME=V1,V2,...")
    names = [variation.name for variation in variations]
    if len(set(names)) != len(names):
        raise OptionsError(f"--vary: NAMEs {names} repeat; allowed: each NAME once")
    groups = _groups(variations)
    factors = [_factor(group) for group in groups]
    if design == "grid":
        n_variants = int(np.prod([len(factor) for factor in factors]))
    else:
        n_variants = 1 + sum(len(factor) for factor in factors)
    if n_variants > MAX_VARIANTS:
        raise OptionsError(
            f"--vary: the {design} has {n_variants} variants; at most {MAX_VARIANTS} allowed"
        )
    base_options = options or ProjectionOptions()
    base_data = scenario.model_dump(mode="json")
    for variation in variations:
        _fill_default_operation(base_data, variation.name)
    for variation in variations:
        if variation.name == PLAN_SCALE:
            if not scenario.deployments:
                raise OptionsError(
                    f"--vary {PLAN_SCALE}: scenario {scenario.id} has no deployment plans to "
                    "scale (its load is its sites'); allowed: sites[i].capacity_mw or "
                    "sites[i].build_probability"
                )
        elif not variation.is_option:
            container, key = _locate(base_data, variation.name)  # a bad NAME fails once
            _check_quantity_values(variation, container, key)

    def make(index: int, settings: dict[str, Value], applied: dict[str, Value],
             moves: str | None = None) -> Variant:  # fmt: skip
        return _variant(
            index, settings, applied, base_data, base_options,
            origin=origin or scenario.id, moves=moves,
        )  # fmt: skip

    if design == "oat":
        base = {name: _base_value(base_data, base_options, name) for name in names}
        variants = [make(0, base, {}, OAT_BASE)]
        stands_for = []
        for group, factor in zip(groups, factors, strict=True):
            label = TOGETHER_JOIN.join(variation.name for variation in group)
            for values in factor:
                moved = {v.name: value for v, value in zip(group, values, strict=True)}
                if all(_same(value, base[name]) for name, value in moved.items()):
                    stands_for.append(label)  # the base variant is this value
                    continue
                variants.append(make(len(variants), base | moved, moved, label))
        variants[0] = dataclasses.replace(variants[0], stands_for=tuple(stands_for))
        return variants
    variants = []
    for index, combination in enumerate(itertools.product(*factors)):
        by_name = {
            variation.name: value
            for group, values in zip(groups, combination, strict=True)
            for variation, value in zip(group, values, strict=True)
        }
        settings = {name: by_name[name] for name in names}
        variants.append(make(index, settings, settings))
    return variants


def _variant(
    index: int,
    settings: dict[str, Value],
    applied: dict[str, Value],
    base_data: dict[str, Any],
    base_options: ProjectionOptions,
    *,
    origin: str,
    moves: str | None = None,
) -> Variant:
    """One variant: ``base_data`` (the scenario as JSON data) with the ``applied`` values set,
    validated; ``settings`` (every varied NAME's value in it) label it."""
    data = copy.deepcopy(base_data)
    option_values: dict[str, Any] = {}
    for name, value in applied.items():
        if name in OPTION_NAMES:
            option_values[name] = value
        elif name != PLAN_SCALE:
            container, key = _locate(data, name)
            current = container[key]
            if isinstance(current, dict) and "date" in current and not isinstance(value, str):
                # A trend's point: the number fixes its value at its date.
                container[key] = {"date": current["date"], "value": value}
            else:
                # A bare number is coerced to a fixed quantity by the scenario's validators.
                container[key] = value
    if PLAN_SCALE in applied:
        # After the paths: a varied count is scaled with the rest of the plan.
        scale_plan(data, float(applied[PLAN_SCALE]))
    label = ", ".join(f"{name}={value}" for name, value in applied.items()) or OAT_BASE
    variant_scenario = parse_scenario(data, origin=f"{origin} [{label}]")
    try:
        variant_options = dataclasses.replace(base_options, **option_values).validated(
            variant_scenario
        )
    except OptionsError as error:
        raise OptionsError(f"[{label}]: {error}") from None
    return Variant(
        index=index,
        settings=settings,
        scenario=variant_scenario,
        options=variant_options,
        moves=moves,
    )


def _base_value(data: dict[str, Any], options: ProjectionOptions, name: str) -> Value:
    """NAME's value in the base scenario (``data``, as JSON data) and options: a projection
    option's, 1 for :data:`PLAN_SCALE`, a field's number or name (a fixed quantity's value, a
    trend point's value), else :data:`BASE_VALUE` (a distribution or a table)."""
    if name in OPTION_NAMES:
        value: Any = getattr(options, name)
    elif name == PLAN_SCALE:
        value = 1
    else:
        container, key = _locate(data, name)
        value = container[key]
        if isinstance(value, dict) and (value.get("dist") == "fixed" or "date" in value):
            value = value.get("value")
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return value
    return BASE_VALUE


def _same(value: Value, base: Value) -> bool:
    """Whether a listed value is the base's (1 and 1.0 are; a number is never a name)."""
    if isinstance(value, str) or isinstance(base, str):
        return value == base
    return float(value) == float(base)


def scale_plan(data: dict[str, Any], factor: float) -> None:
    """Multiply every milestone's and shipment's count of every deployment in the scenario
    data ``data`` (as ``model_dump(mode="json")`` gives it) by ``factor``. [-]"""
    for deployment in data.get("deployments") or []:
        for entry in (*(deployment.get("milestones") or []), *(deployment.get("shipments") or [])):
            entry["count"] = entry["count"] * factor


def _project_variant(scenario: Scenario, options: ProjectionOptions) -> xr.Dataset:
    """The task each worker runs (module level, so Dask ships it by reference)."""
    return project(scenario, options)


def run_variants(
    client: Any,
    variants: Sequence[Variant],
    *,
    progress: ProgressCallback | None = None,
) -> list[xr.Dataset]:
    """Project every variant on the cluster behind ``client``; results in variant order.

    Parameters
    ----------
    client : distributed.Client
        A connected client.
    variants : sequence of Variant
        From :func:`build_variants`.
    progress : callable, optional
        Called as ``progress(done, total)`` [variants] as each variant finishes.

    Raises
    ------
    ForecastError
        The first variant that fails, its message prefixed with the variant's values; the
        other tasks are cancelled.
    """
    from distributed import as_completed

    futures = [
        client.submit(_project_variant, variant.scenario, variant.options, pure=False)
        for variant in variants
    ]
    index_of_key = {
        future.key: variant.index for future, variant in zip(futures, variants, strict=True)
    }
    results: dict[int, xr.Dataset] = {}
    done = 0
    try:
        for future in as_completed(futures):
            index = index_of_key[future.key]
            try:
                results[index] = future.result()
            except ForecastError as error:
                raise type(error)(f"variant {index} [{variants[index].label}]: {error}") from None
            done += 1
            if progress is not None:
                progress(done, len(variants))
    finally:
        client.cancel([future for future in futures if not future.done()])
    return [results[variant.index] for variant in variants]


@contextlib.contextmanager
def dask_client(
    *, scheduler: str | None = None, workers: int = 2, connect_timeout_s: float = 10.0
) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a new ``LocalCluster``.

    The local cluster runs ``workers`` processes of one thread each (outside its kernels a
    projection is Python, pandas and NumPy code that holds the GIL, so processes, not threads,
    run variants side by side), with no dashboard, and shares the machine's cores among the
    workers' numba thread pools.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running ``dask`` scheduler (``tcp://10.0.0.5:8786``); its workers must
        import the same ``forecast`` version.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``). [-]
    connect_timeout_s : float
        How long to try to reach ``scheduler``. [s]

    Raises
    ------
    OptionsError
        ``workers`` out of range, or ``scheduler`` cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            # Not the process's default client: one that fails to connect stayed the default
            # (dask's scheduler config and distributed's global client), and a later NetCDF
            # write in the same process took a lock from it: "unknown address scheme".
            client = Client(scheduler, timeout=connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise OptionsError(
                f"scheduler = {scheduler!r}: cannot connect ({reason}); allowed: the address "
                "of a running dask scheduler, e.g. tcp://10.0.0.5:8786"
            ) from None
        with client:
            yield client
        return
    if (
        isinstance(workers, bool)
        or not isinstance(workers, int)
        or not (1 <= workers <= MAX_WORKERS)
    ):
        raise range_error("workers", workers, low=1, high=MAX_WORKERS)
    numba_threads = max(1, (os.cpu_count() or 1) // workers)
    # Started before Ctrl-C is held: starting it lets Ctrl-C through again in the thread that
    # starts it (the standard library's guard of its own start, bpo-33613).
    resource_tracker.ensure_running()
    with contextlib.ExitStack() as stack:
        # Ctrl-C is held back while the cluster starts and acted on as soon as it is up, when
        # the stack closes the cluster (a half-started cluster, stopped, printed tracebacks).
        # The worker processes start with the hold, so a Ctrl-C during their start-up never
        # reaches them, and then ignore it themselves (WORKER_SETUP): the command's process
        # stops them, instead of each printing its own KeyboardInterrupt traceback. (Ignoring
        # Ctrl-C in the command's process while the cluster started, for the workers to
        # inherit, lost one pressed then: the sweep ran to its end.)
        with ctrl_c_held():
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # The scheduler serves /health over HTTP even without a dashboard, on
                    # 8787 by default: with another cluster there, distributed warned "Port
                    # 8787 is already in use" on stderr. A free loopback port instead.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    # The workers' own logs are noise on a command line: what matters reaches
                    # the client as the task's exception (a failed projection, a killed
                    # worker). Under load, Ctrl-C made a worker's heartbeat find the scheduler
                    # gone and log an ERROR with a traceback (a clean clone's test run, 1 in
                    # about 20 such runs).
                    silence_logs=logging.CRITICAL,
                    preload=[WORKER_SETUP],
                    # Read by numba when a worker first imports it: without it every worker
                    # would start one numba thread per core and the workers would
                    # oversubscribe the cores.
                    env={"NUMBA_NUM_THREADS": str(numba_threads)},
                )
            )
        client = stack.enter_context(Client(cluster))
        logger = logging.getLogger("forecast")
        if logger.isEnabledFor(logging.INFO):
            # The kernels compile in the workers on a cold cache (12 s and more, the progress
            # bar standing still): their notice is printed here, once, as a projection's is.
            client.forward_logging("forecast", logging.INFO)
            once = _OnceFilter(COMPILE_NOTICE)
            logger.addFilter(once)
            stack.callback(logger.removeFilter, once)
        yield client


class _OnceFilter(logging.Filter):
    """Lets a record of ``message`` through once (each worker that compiles says it)."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message
        self.said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != self.message:
            return True
        said, self.said = self.said, True
        return not said


def default_workers(variants: int, cores: int | None = None) -> int:
    """Worker processes of a sweep's ``LocalCluster`` when ``--workers`` is not given: one per
    two cores, at most one per variant. A projection's kernels run on numba threads over the
    cores (:func:`dask_client` shares the cores among the workers), so a worker needs two
    cores to gain from them; more workers than that split the kernels' threads and pay each
    worker's start (2 shared cores: the README's sweep of 3 variants took 11.6-12.8 s on two
    workers, 5.8-9.1 s on one, report M5). [-]"""
    if cores is None:
        cores = os.cpu_count() or 1
    return max(1, min(variants, cores // 2, MAX_WORKERS))


@contextlib.contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back from the calling thread while the block runs: one that
    arrives meanwhile is pending, not lost, and raises ``KeyboardInterrupt`` (through the
    handler in place, unchanged) as the block ends. Threads and processes started in the block
    inherit the hold (a blocked signal stays blocked across ``fork`` and ``exec``) and never
    see Ctrl-C. Where the platform cannot block signals (Windows), the block runs as it is."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def combine(variants: Sequence[Variant], datasets: Sequence[xr.Dataset]) -> xr.Dataset:
    """Stack the variants' Datasets along ``variant``, with one coordinate per varied NAME.

    Attributes that differ between variants (the scenario digest, a varied seed or draw count)
    are dropped from ``attrs``; the digest is kept per variant as the ``scenario_sha256``
    coordinate.

    Raises
    ------
    OptionsError
        When the variants' results do not share their period, regions or variables.
    """
    names = list(variants[0].settings)
    # The spread drivers are the inputs each variant samples: a variant that fixes one (a count
    # factor of exactly 1) or adds one keeps the others; the driver it lacks is NaN there.
    inputs = list(dict.fromkeys(name for ds in datasets for name in ds.indexes.get("input", [])))
    if inputs:
        datasets = [ds.reindex(input=inputs) if "input" in ds.dims else ds for ds in datasets]
    # A variant that moves a site's commissioning may reorder the connection queue: one site
    # axis for all (the first variant that has a site says its region and status).
    datasets, sites = common_sites(list(datasets))
    try:
        combined = xr.concat(
            datasets,
            dim=pd.Index([variant.index for variant in variants], name="variant"),
            data_vars="all",
            coords="minimal",
            compat="equals",
            join="exact",
            combine_attrs="drop_conflicts",
        )
    except ValueError as error:
        raise OptionsError(
            f"the variants' results do not line up along variant ({str(error).splitlines()[0]})"
            "; vary inputs that keep the period, regions and outputs the same"
        ) from None
    combined = with_site_coordinates(combined, "site", sites)
    coordinates: dict[str, Any] = {
        name: (
            "variant",
            _coordinate_values([variant.settings[name] for variant in variants]),
            {"description": f"value of {name} in each variant"},
        )
        for name in names
    }
    coordinates["scenario_sha256"] = (
        "variant",
        np.array([scenario_digest(variant.scenario) for variant in variants]),
        {"description": "sha256 of each variant's canonical scenario JSON"},
    )
    oat = variants[0].moves is not None
    if oat:
        coordinates[OAT_COLUMN] = (
            "variant",
            np.array([str(variant.moves) for variant in variants], dtype=str),
            {"description": "the input each variant moves from the base (one at a time)"},
        )
    combined = combined.assign_coords(coordinates)
    combined["variant"].attrs = {
        "description": "position in the one-at-a-time design (0: the base)"
        if oat
        else "position in the grid of varied inputs"
    }
    combined.attrs |= {
        "title": f"Sensitivity sweep of {variants[0].scenario.id}: {', '.join(names)}",
        "sweep_varied": _joined_names(names),
        "sweep_variants": len(variants),
        "sweep_design": "one-at-a-time" if oat else "grid",
        **({"sweep_base_stands_for": _joined_names(variants[0].stands_for)} if oat else {}),
        "sweep_random_numbers": "common: every variant uses the same seed and named streams",
    }
    return combined


def _coordinate_values(values: list[Value]) -> np.ndarray:
    if all(isinstance(value, int) for value in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(value, int | float) for value in values):
        return np.array(values, dtype=np.float64)
    return np.array([str(value) for value in values], dtype=str)


def sweep(
    scenario: Scenario,
    variations: Sequence[Variation],
    options: ProjectionOptions | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int = 2,
    connect_timeout_s: float = 10.0,
    origin: str | None = None,
    progress: ProgressCallback | None = None,
    design: str = "grid",
) -> xr.Dataset:
    """Project the full grid of variants of ``scenario`` (or, with ``design="oat"``, the base
    and one input moved at a time: :func:`build_variants`) on Dask; one Dataset with
    ``variant``.

    Every variant uses the same seed and named random streams (common random numbers), so the
    differences between variants are the effect of the varied inputs, not Monte Carlo noise.
    Each variant's numbers equal those of ``project(variant_scenario, options)`` run serially.

    Parameters
    ----------
    scenario : Scenario
        The validated base scenario.
    variations : sequence of Variation
        What to vary (see :func:`parse_variation`); the grid is their cartesian product.
    options : ProjectionOptions, optional
        Draws, seed, period, resolution, quantiles, weather and baseline, for every variant.
    client : distributed.Client, optional
        Use this connected client (and its cluster); ``scheduler`` and ``workers`` are ignored.
    scheduler : str, optional
        Address of a running scheduler; default: a new ``LocalCluster``.
    workers : int
        Worker processes of the new ``LocalCluster``. [-]
    connect_timeout_s : float
        How long to try to reach ``scheduler``. [s]
    origin : str, optional
        Where the scenario came from, for error messages.
    progress : callable, optional
        Called as ``progress(done, total)`` [variants].
    design : str
        ``"grid"`` (every combination) or ``"oat"`` (one at a time), :data:`DESIGNS`.

    Returns
    -------
    xarray.Dataset
        The projection's variables with a leading ``variant`` dimension; coordinates
        ``variant`` (grid position), one per varied NAME, and ``scenario_sha256``.
    """
    variants = build_variants(scenario, variations, options, origin=origin, design=design)
    with (
        contextlib.nullcontext(client)
        if client is not None
        else dask_client(scheduler=scheduler, workers=workers, connect_timeout_s=connect_timeout_s)
    ) as active:
        datasets = run_variants(active, variants, progress=progress)
    return combine(variants, datasets)


def _joined_names(names: Sequence[str]) -> str:
    """The varied NAMEs as one attribute: joined by commas, or as a JSON list where a name
    holds a comma (``sites['Paju, building 1'].status``)."""
    return json.dumps(list(names)) if any("," in name for name in names) else ",".join(names)


def varied_names(dataset: xr.Dataset) -> list[str]:
    """The varied NAMEs of a sweep Dataset, in grid order (:func:`_joined_names`)."""
    return split_names(str(dataset.attrs["sweep_varied"]))


def split_names(text: str) -> list[str]:
    """NAMEs joined by :func:`_joined_names` (none in an empty text)."""
    if not text:
        return []
    return [str(name) for name in json.loads(text)] if text.startswith("[") else text.split(",")


def tidy_sweep_frame(dataset: xr.Dataset) -> pd.DataFrame:
    """The sweep as one tidy table: ``variant``, one column per varied NAME, then the columns
    of :func:`forecast.io.export.tidy_frame`; its id columns, where asked for
    (:func:`forecast.io.export.with_id_columns`), before ``variant``, each variant's own, a
    varied ``seed`` or ``draws`` in its id column rather than again after ``variant``."""
    names = varied_names(dataset)
    frames = []
    for position in range(dataset.sizes["variant"]):
        one = dataset.isel(variant=position)
        frame = export.tidy_frame(one)
        offset = export.lead_column_position(one)
        frame.insert(offset, SWEEP_ID_COLUMN, int(one["variant"]))
        offset += 1
        if OAT_COLUMN in dataset.coords:
            frame.insert(offset, OAT_COLUMN, one[OAT_COLUMN].item())
            offset += 1
        for name in names:
            if name not in frame.columns:
                frame.insert(offset, name, one[name].item())
                offset += 1
        frames.append(frame)
    return export.with_integer_columns(pd.concat(frames, ignore_index=True))


def write(
    dataset: xr.Dataset,
    path: Path,
    *,
    file_format: str | None = None,
    inputs: Mapping[int, dict[str, dict[str, str]]] | None = None,
) -> Path:
    """Write a sweep as a tidy table (CSV plus ``<path>.meta.json``, or Parquet) or NetCDF,
    atomically.

    Parameters
    ----------
    dataset : xarray.Dataset
        From :func:`sweep`.
    path : Path
        Output file.
    file_format : str, optional
        ``csv``, ``parquet`` or ``netcdf`` (default: from the suffix,
        :func:`forecast.io.export.file_format_of`).
    inputs : mapping, optional
        Each variant's input table by its position (``Variant.index``;
        :func:`forecast.report.inputs.input_table` of its scenario): in the metadata's entry of
        that variant, as ``forecast project``'s table carries its scenario's (in NetCDF: the
        global attribute ``inputs``, JSON text by variant).
    """
    chosen = export.file_format_of(path, file_format)
    if chosen == "netcdf":
        return export.write_netcdf(dataset, path, inputs=inputs)
    frame = tidy_sweep_frame(dataset)
    names = varied_names(dataset)
    meta = {
        "attrs": export.provenance_attrs(dataset),
        "columns": list(frame.columns),
        "dtypes": export.column_dtypes(frame.columns),
        "variants": [
            {
                SWEEP_ID_COLUMN: int(dataset["variant"][i]),
                **{
                    name: _jsonable(dataset[name].to_numpy()[i])
                    for name in (*names, OAT_COLUMN)
                    if name in dataset.coords
                },
                "scenario_sha256": str(dataset["scenario_sha256"].to_numpy()[i]),
                **(
                    {"inputs": inputs[int(dataset["variant"][i])]}
                    if inputs and int(dataset["variant"][i]) in inputs
                    else {}
                ),
            }
            for i in range(dataset.sizes["variant"])
        ],
    }
    return export.write_table(frame, path, chosen, meta)


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
