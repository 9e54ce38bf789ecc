"""A variable selection (``--variables``, ``?variables=``) checked against what the
projections asked for will hold, before any draw.

In: the selection's items (:func:`forecast.outputs.variable_patterns`, already known to name
output variables) and each projection's scenario, options and whether it has a baseline. Out:
nothing, or an :class:`~forecast.errors.OptionsError` naming the item, why the projection
cannot hold it, and what it can. Checked after the run alone, a selection of ``site_*`` from a
scenario without sites, or of ``input_*_per_dra`` (a typo), cost the whole projection, or a
whole job in the service (found when its result was fetched).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from typing import NamedTuple

from forecast.engine.options import ProjectionOptions
from forecast.errors import OptionsError, shown_value
from forecast.scenario import Scenario


class Planned(NamedTuple):
    """One projection about to run: its scenario, its options and whether it has a baseline
    (a model chosen for it: :func:`forecast.engine.baseline.choose_baseline`, the service's
    served model)."""

    scenario: Scenario
    options: ProjectionOptions
    baseline: bool


class _Family(NamedTuple):
    """Output variables that only a projection with some feature holds."""

    #: Which variables (by name) are of the family.
    member: Callable[[str], bool]
    #: Whether a projection holds the family's variables.
    holds: Callable[[Planned], bool]
    #: What the family needs, said in an error (``a baseline_* or total_* variable``).
    needs: str
    #: What a projection lacks, said of one (``has no sites``).
    lacks: Callable[[Planned], str]


#: The families whose absence is known before the run (sound: a projection without the feature
#: holds no variable of the family; ``tests/forecast/engine/test_selection.py`` holds it to
#: projections of the shipped scenarios). The finer cases (a site's series without ``--site``,
#: duration curves without ``--duration-curves``) are checked on the result.
_FAMILIES = (
    _Family(
        lambda name: name.startswith(("baseline_", "total_")),
        lambda planned: planned.baseline,
        "a baseline_* or total_* variable needs a baseline",
        lambda planned: f"{planned.scenario.id} is projected without one",
    ),
    _Family(
        lambda name: name.startswith("site_"),
        lambda planned: bool(planned.scenario.sites),
        "a site_* variable needs sites",
        lambda planned: f"scenario {planned.scenario.id} has none",
    ),
    _Family(
        lambda name: "flexibility" in name,
        lambda planned: planned.scenario.flexibility is not None,
        "a flexibility variable needs [flexibility]",
        lambda planned: f"scenario {planned.scenario.id} has none",
    ),
    _Family(
        lambda name: "_by_region" in name,
        lambda planned: len(planned.scenario.regions) > 1,
        "a *_by_region variable needs several regions",
        lambda planned: f"scenario {planned.scenario.id} has one",
    ),
)


def check_selection(
    patterns: tuple[str, ...] | None,
    planned: Sequence[Planned],
    *,
    field: str = "variables",
    per_draw_field: str | None = "per_draw",
) -> None:
    """Refuse, before any draw, an item of a variable selection that none of the ``planned``
    projections (one; a comparison's scenarios; a sweep's variants) can hold:

    - a ``baseline_*`` or ``total_*`` variable without a baseline, a ``site_*`` one without
      sites, a flexibility one without ``[flexibility]``, a ``*_by_region`` one of a single
      region (a pattern: where every variable it matches is such);
    - a sampled input (``input_*``) without ``per_draw``, or one that no input of the
      scenarios is named (:func:`forecast.engine.inputs.possible_input_labels`).

    Parameters
    ----------
    patterns
        The selection's items (:func:`forecast.outputs.variable_patterns`); None: every
        variable, nothing to check. [-]
    planned
        The projections the selection is taken from. [-]
    field, per_draw_field
        How the caller's user names the selection and the option that keeps per-draw values
        (``--variables``, ``--per-draw`` on the command line); ``per_draw_field`` None where
        it cannot be asked for (a sweep). [-]

    Raises
    ------
    OptionsError
        Naming the field, the item, why and the variables allowed.
    """
    if not patterns:
        return
    absent = [family for family in _FAMILIES if not any(family.holds(p) for p in planned)]

    def missing(name: str) -> _Family | None:
        return next((family for family in absent if family.member(name)), None)

    for item in patterns:
        if item.startswith("input_"):
            _check_input(item, planned, field=field, per_draw=per_draw_field)
            continue
        families = [missing(name) for name in _declared_matches(item)]
        family = families[0] if families and all(families) else None
        if family is None:
            continue
        why = "; ".join(dict.fromkeys(family.lacks(projection) for projection in planned))
        allowed = [name for name in _headline_names() if missing(name) is None]
        raise OptionsError(
            f"{field} = {shown_value(item)}: {family.needs}, and {why}; allowed here: "
            f"{', '.join(allowed)} (each with its _mean and more: `forecast variables`), or a "
            "pattern of them"
        )


def _declared_matches(item: str) -> list[str]:
    """The declared output variables an item names or matches (a Monte Carlo error's
    ``_mc_error`` suffix set aside)."""
    from forecast.outputs import BY_NAME

    name = item.removesuffix("_mc_error")
    if name in BY_NAME:
        return [name]
    return [declared for declared in BY_NAME if fnmatch.fnmatchcase(declared, item)]


def _headline_names() -> list[str]:
    """The output variables of the main table (:data:`forecast.outputs.OUTPUT_VARIABLES`),
    without their means, per-draw values and differences."""
    from forecast.outputs import OUTPUT_VARIABLES

    return [variable.name for variable in OUTPUT_VARIABLES]


def _check_input(
    item: str, planned: Sequence[Planned], *, field: str, per_draw: str | None
) -> None:
    """Refuse a sampled input's item that no projection writes (see :func:`check_selection`)."""
    from forecast.engine.inputs import possible_input_labels
    from forecast.outputs import input_variable_name

    if not any(projection.options.per_draw for projection in planned):
        how = f"written with {per_draw} only" if per_draw else "per-draw values, not written here"
        allowed = f"add {per_draw}, or leave out" if per_draw else "leave out"
        raise OptionsError(
            f"{field} = {shown_value(item)}: a sampled input's values are {how}; allowed: "
            f"{allowed} the input_* items"
        )
    inputs = sorted(
        {input_variable_name(label) for projection in planned
         for label in possible_input_labels(projection.scenario)}
    )  # fmt: skip
    if not any(fnmatch.fnmatchcase(name, item) for name in inputs):
        raise OptionsError(
            f"{field} = {shown_value(item)}: names no sampled input of this projection; "
            f"allowed: {', '.join(inputs)}, or a pattern of them"
        )
