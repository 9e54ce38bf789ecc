"""Raise sites whose message says no "allowed": the project's rule is that bad input gets one
line naming the field, the value and what is allowed (:mod:`forecast.errors`).

An AST scan of ``forecast/``, ``service/`` and ``models/`` for ``raise`` of ``ValueError`` or
one of the project's value errors (``ScenarioError``, ``OptionsError``, ``DataError``,
``CatalogError``) whose message neither says "allowed" nor comes from one of the helpers that
say it (``range_error``, ``year_error``, ``with_allowed``, ``allowed_range``). A message
built elsewhere (``OptionsError(message)``) is listed too, since the scan cannot read it.

Each site is ranked by how a user reaches it: the command line's modules first, then the
service's, the scenario and training-config readers, the option checks behind both (the
engine's options, sweeps, reports), the data-file readers, and last the rest (invariants a
user reaches only through a bug or a hand-built call). The rank is by module, a guide for a
reader, not a proof: ``python -m tests.support.error_scan`` prints the list, most reachable
first; ``tests/forecast/test_error_wording.py`` holds the modules already clean to it.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The errors of a value a user gave.
VALUE_ERRORS = frozenset(
    {"ValueError", "ScenarioError", "OptionsError", "DataError", "CatalogError"}
)

#: A message that says what is allowed, or is built by a helper that says it.
_WORDED = re.compile(r"allowed|\b(range_error|year_error|with_allowed|allowed_range)\b")

#: How a user reaches a module's raises, most directly first: (rank, words, path prefixes).
REACH: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (0, "command line", ("forecast/cli/",)),
    (1, "API", ("service/",)),
    (2, "scenario or config file", ("forecast/scenario/", "models/")),
    (3, "an option's check", ("forecast/engine/options.py", "forecast/sweep/", "forecast/report/")),
    (4, "data file", ("forecast/io/", "forecast/weather/", "forecast/baseline/")),
)
_INTERNAL = (5, "internal")


@dataclass(frozen=True)
class RaiseSite:
    """One ``raise`` of a value error whose message says no "allowed"."""

    path: str
    line: int
    error: str
    message: str

    @property
    def reach(self) -> tuple[int, str]:
        """The site's rank and how a user reaches it (:data:`REACH`)."""
        for rank, words, prefixes in REACH:
            if self.path.startswith(prefixes):
                return rank, words
        return _INTERNAL


def unworded_raises(*roots: str) -> list[RaiseSite]:
    """Every raise site under ``roots`` (paths from the repository's root; ``forecast``,
    ``service`` and ``models`` when none) whose message says no "allowed", most reachable
    first (:attr:`RaiseSite.reach`), then by path and line."""
    sites: list[RaiseSite] = []
    for root in roots or ("forecast", "service", "models"):
        files = [ROOT / root] if root.endswith(".py") else sorted((ROOT / root).rglob("*.py"))
        for file in files:
            sites += file_sites(file)
    return sorted(sites, key=lambda site: (site.reach[0], site.path, site.line))


def file_sites(file: Path) -> list[RaiseSite]:
    """The sites of one file (its path from the repository's root where it lies in it)."""
    source = file.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        function = node.exc.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        message = ast.get_source_segment(source, node.exc) or ""
        if name in VALUE_ERRORS and not _WORDED.search(message):
            path = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else str(file)
            found.append(RaiseSite(path, node.lineno, name, " ".join(message.split())))
    return found


def main(arguments: list[str]) -> int:
    """Print the sites under ``arguments`` (default: the whole project), one a line, and a
    count by reach."""
    sites = unworded_raises(*arguments)
    for site in sites:
        print(f"{site.path}:{site.line} [{site.reach[1]}] {site.message[:150]}")
    counts: dict[str, int] = {}
    for site in sites:
        counts[site.reach[1]] = counts.get(site.reach[1], 0) + 1
    print(f"{len(sites)} sites: " + ", ".join(f"{n} {words}" for words, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
