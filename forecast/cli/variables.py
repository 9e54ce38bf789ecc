"""``forecast variables``: every output variable a projection may hold, with its dims and unit.

The names ``forecast project --variables`` and the API's ``?variables=`` take; read from the
one table of :mod:`forecast.outputs`, as the README's.
"""

from __future__ import annotations

from typing import Annotated

import typer


def variables(
    pattern: Annotated[
        str | None,
        typer.Argument(help="Only the variables this pattern matches ('site_*', '*_twh')."),
    ] = None,
) -> None:
    """List the output variables (name, dims, unit, meaning): what --variables selects."""
    import fnmatch

    from forecast.errors import OptionsError, shown_value
    from forecast.outputs import BY_NAME, variable_patterns

    if pattern is not None:
        variable_patterns(pattern, field="pattern")
    shown = [
        variable
        for variable in BY_NAME.values()
        if pattern is None or fnmatch.fnmatchcase(variable.name, pattern)
    ]
    if not shown:
        raise OptionsError(f"pattern = {shown_value(pattern)}: matches no output variable")
    for variable in shown:
        print(f"{variable.name}\t{', '.join(variable.dims)}\t{variable.units}\t"
              f"{variable.description}")  # fmt: skip
    print(
        "(also <name>_mc_error and <name>_mean_mc_error of ai_energy_twh, dc_energy_twh and "
        "ai_at_national_peak_gw; a projection holds those its scenario and options give)"
    )
