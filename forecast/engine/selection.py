"""A variable selection (``--variables``, ``?variables=``) checked against what the
projections asked for will hold, before any draw.

In: the selection's items (:func:`forecast.outputs.variable_patterns`, already known to name
output variables) and each projection's scenario, options and whether it has a baseline. Out:
nothing, or an :class:`~forecast.errors.OptionsError` naming the item, why the projection
cannot hold it, and what it can (or the option that adds it). Checked after the run alone, a
selection of ``site_*`` from a scenario without sites, of ``input_*_per_dra`` (a typo), of
``ai_load_duration_mw`` without duration curves, or of a comparison's ``*_difference`` in a
single projection, cost the whole projection, or a whole job in
the service (found when its result was fetched).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import NamedTuple

from forecast.engine.options import ProjectionOptions
from forecast.errors import OptionsError, shown_value
from forecast.scenario import Scenario


class Planned(NamedTuple):
    """One projection about to run: its scenario, its options, whether it has a baseline
    (a model chosen for it: :func:`forecast.engine.baseline.choose_baseline`, the service's
    served model) and whether it is one of a comparison's scenarios (which alone writes the
    ``*_difference`` variables: :mod:`forecast.sweep.compare`)."""

    scenario: Scenario
    options: ProjectionOptions
    baseline: bool
    compared: bool = False


class _Family(NamedTuple):
    """Output variables that only a projection with some feature holds."""

    #: Which variables (by name) are of the family.
    member: Callable[[str], bool]
    #: Whether a projection holds the family's variables.
    holds: Callable[[Planned], bool]
    #: What the family needs, said in an error (``a baseline_* or total_* variable needs a
    #: baseline``); ``{option}`` stands for how the caller names :attr:`option`.
    needs: str
    #: What a projection lacks, said of one (``has no sites``).
    lacks: Callable[[Planned], str]
    #: The option of :class:`ProjectionOptions` that adds the family (``per_draw``), or the
    #: command that does (``compare``), where one does; :attr:`needs` is said without it where
    #: the caller cannot ask for it.
    option: str | None = None
    #: What the family needs where the caller has no such option (a sweep's ``*_per_draw``).
    unasked: str = ""
    #: Whether the family's option could add its variables to a projection: where none of
    #: the projections it could, the reason is another family's (a site's own series of a
    #: scenario without sites: no site to name; "needs sites" alone is said).
    could_add: Callable[[Planned], bool] = lambda planned: True


@cache
def _names_of(table: str) -> frozenset[str]:
    """The names of the variables that :mod:`forecast.outputs` declares in ``table``
    (``SITE_SERIES_VARIABLES``, ``DURATION_VARIABLES``, ...)."""
    from forecast import outputs

    return frozenset(variable.name for variable in getattr(outputs, table))


def _is_site_series(name: str) -> bool:
    return name in _names_of("SITE_SERIES_VARIABLES")


def _is_duration(name: str) -> bool:
    return name in _names_of("DURATION_VARIABLES") | _names_of("DURATION_SUMMARIES")


def _is_difference(name: str) -> bool:
    return name in _names_of("DIFFERENCE_VARIABLES")


#: The families whose absence is known before the run (sound: a projection without the feature
#: holds no variable of the family; ``tests/forecast/engine/test_selection.py`` holds it to
#: projections of the shipped scenarios).
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
    _Family(
        _is_site_series,
        lambda planned: bool(planned.options.sites),
        "a site's own load series (site_facility_mw, site_it_mw) is written for the sites "
        "named with {option} only",
        lambda planned: "none is named",
        option="sites",
        unasked="a site's own load series (site_facility_mw, site_it_mw) is written by a "
        "single projection with sites named only",
        could_add=lambda planned: bool(planned.scenario.sites),
    ),
    _Family(
        _is_duration,
        lambda planned: planned.options.duration_curves,
        "a duration-curve variable (*_duration_*, duration_band_hours, peak_hours_share_pct) "
        "is written with {option} only",
        lambda planned: "the duration curves are off",
        option="duration_curves",
        unasked="a duration-curve variable (*_duration_*, duration_band_hours, "
        "peak_hours_share_pct) is not written here",
    ),
    _Family(
        lambda name: name.endswith("_per_draw"),
        lambda planned: planned.options.per_draw,
        "a *_per_draw variable (every draw's values) is written with {option} only",
        lambda planned: "per-draw values are off",
        option="per_draw",
        unasked="a *_per_draw variable (every draw's values) is not written here",
    ),
    _Family(
        _is_difference,
        lambda planned: planned.compared,
        "a *_difference variable (a scenario's figure minus the first scenario's, draw by "
        "draw) is written by {option} only",
        lambda planned: "this is not a comparison",
        option="compare",
        unasked="a *_difference variable (a scenario's figure minus the first scenario's, "
        "draw by draw) is written by a comparison only",
    ),
)

#: How the API names the options that add a family (:attr:`_Family.option`): as
#: :class:`ProjectionOptions` does; a comparison by its route.
API_OPTION_NAMES: Mapping[str, str | None] = {
    "per_draw": "per_draw",
    "duration_curves": "duration_curves",
    "sites": "sites",
    "compare": "POST /v1/comparisons",
}


def check_selection(
    patterns: tuple[str, ...] | None,
    planned: Sequence[Planned],
    *,
    field: str = "variables",
    option_names: Mapping[str, str | None] = API_OPTION_NAMES,
) -> None:
    """Refuse, before any draw, an item of a variable selection that none of the ``planned``
    projections (one; a comparison's scenarios; a sweep's variants) can hold:

    - a ``baseline_*`` or ``total_*`` variable without a baseline, a ``site_*`` one without
      sites, a flexibility one without ``[flexibility]``, a ``*_by_region`` one of a single
      region, a site's own series (``site_facility_mw``...) without ``sites``, a duration
      curve's (``*_duration_*``, ``duration_band_hours``, ``peak_hours_share_pct``) without
      ``duration_curves``, a ``*_per_draw`` one without ``per_draw``, a ``*_difference`` one
      outside a comparison (a pattern: where every variable it matches is such);
    - a sampled input (``input_*``) without ``per_draw``, or one that no input of the
      scenarios is named (:func:`forecast.engine.inputs.possible_input_labels`).

    Parameters
    ----------
    patterns
        The selection's items (:func:`forecast.outputs.variable_patterns`); None: every
        variable, nothing to check. [-]
    planned
        The projections the selection is taken from. [-]
    field
        How the caller's user names the selection (``--variables`` on the command line). [-]
    option_names
        How the caller's user names the options that add variables, ``per_draw``,
        ``duration_curves`` and ``sites`` (``--per-draw``, ``--duration-curves``, ``--site``
        on the command line), and what writes a comparison's differences, ``compare``
        (``forecast compare``); None (or left out) where the caller cannot ask for one (a
        sweep's ``per_draw``, a comparison's ``sites``). [-]

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
            _check_input(item, planned, field=field, per_draw=option_names.get("per_draw"))
            continue
        matches = _declared_matches(item)
        families = [missing(name) for name in matches]
        if not families or not all(families):
            continue
        # The reasons every match shares (``ai_load_duration_mw_per_draw`` lacks both duration
        # curves and per-draw values; ``*_per_draw`` matches duration curves' too, but lacks
        # per-draw values in all), else the first match's.
        shared = [f for f in absent if all(f.member(name) for name in matches)] or families[:1]
        # The reason that applies: not an option that could add nothing (a site's own series
        # of a scenario without sites said "needs sites" and "name them with --site" at once).
        shared = [
            f for f in shared if f is not None and any(f.could_add(p) for p in planned)
        ] or shared
        reasons = "; ".join(_refusal(f, planned, option_names) for f in shared if f is not None)
        allowed = [name for name in _headline_names() if missing(name) is None]
        raise OptionsError(
            f"{field} = {shown_value(item)}: {reasons}; allowed here: {', '.join(allowed)} "
            "(each with its _mean and more: `forecast variables`), or a pattern of them"
        )


def _refusal(
    family: _Family, planned: Sequence[Planned], option_names: Mapping[str, str | None]
) -> str:
    """Why the ``planned`` projections hold none of ``family``'s variables: what it needs
    (the option that adds it, as the caller names it) and what they lack; what it needs
    alone where the caller has no option that adds it."""
    option = option_names.get(family.option) if family.option else None
    if family.option and not option:
        return family.unasked
    why = "; ".join(dict.fromkeys(family.lacks(projection) for projection in planned))
    return f"{family.needs.format(option=option)}, and {why}"


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
