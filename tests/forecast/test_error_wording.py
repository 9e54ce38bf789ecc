"""Refusals say what is allowed (the project's rule; :mod:`forecast.errors`): the modules whose
every raise of a value error says "allowed" stay so, by the scan that lists the others
(``python -m tests.support.error_scan``)."""

from pathlib import Path

import pytest

from tests.support.error_scan import file_sites, unworded_raises

#: Modules whose refusals all say "allowed" (or are made by range_error, year_error...).
WORDED_MODULES = (
    "forecast/engine/options.py",
    "forecast/scenario/quantities.py",
    "forecast/cli/sweep.py",
    "forecast/cli/options.py",
)


@pytest.mark.parametrize("module", WORDED_MODULES)
def test_every_refusal_of_the_module_says_what_is_allowed(module: str):
    assert unworded_raises(module) == []


def test_the_scan_lists_a_refusal_that_says_nothing_allowed(tmp_path: Path):
    """A refusal that names the value but not what is allowed is listed; one that says
    "allowed", or is made by range_error, is not; nor is an error of another kind."""
    module = tmp_path / "refusals.py"
    module.write_text(
        "def check(x):\n"
        "    if x < 0:\n"
        "        raise OptionsError(f'x = {x}: too small')\n"
        "    if x > 9:\n"
        "        raise OptionsError(f'x = {x}: allowed: 0..9')\n"
        "    if x == 5:\n"
        "        raise range_error('x', x, low=0, high=9)\n"
        "    raise RuntimeError('not a value error')\n",
        encoding="utf-8",
    )
    (site,) = file_sites(module)
    assert (site.line, site.error) == (3, "OptionsError")
    assert site.message == "OptionsError(f'x = {x}: too small')"
