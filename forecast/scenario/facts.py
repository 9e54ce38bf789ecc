"""The reference facts that shipped figures cite as ``facts.csv:<key>``: which file, and its rows.

In: the reference ``facts.csv`` (:func:`forecast.paths.facts_file`; it lives outside the
repository, beside the checkout in ``shared/reference/``). Out: its rows by key
(:func:`fact_rows`), so that a citation resolves to a value, unit, year, confidence, publisher
and URL (``forecast facts show KEY``), and :data:`FACTS_SHA256`, the digest of the file the
shipped scenarios' and catalog's citations were checked against, which every projection
carries (``facts_sha256``): a key names a number only together with the file's version, and a
key may have several rows (``furiosa_rngd_tdp``: 150 W and 180 W), where the citing text names
the row it takes (``tests/forecast/scenario/test_facts.py``).
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from forecast.errors import DataError, NotFoundError
from forecast.io.files import sha256_file
from forecast.paths import facts_file

#: sha256 of the ``facts.csv`` the shipped citations were checked against (the shared file of
#: 2025-12-07, 426 rows, 420 keys). It is pinned here rather than read at run time, because an
#: installed package has no ``facts.csv`` beside it; ``test_facts.py`` fails when the shared
#: file changes, so that the citations are checked again and the pin moved with them.
FACTS_SHA256 = "296110278b7ac7dfdd74936a012921af549b95190dac09da80a94442ba06a3db"
#: The columns of ``facts.csv``, in its order.
FACTS_COLUMNS = (
    "area",
    "key",
    "value",
    "unit",
    "year",
    "source_title",
    "source_publisher",
    "source_url",
    "confidence",
    "note",
)

#: A citation in a source or note: ``facts.csv:<key>`` or ``facts.csv:<key>, <key>``.
FACTS_CITATION = re.compile(r"facts\.csv:\s*([a-z][a-z0-9_]*(?:\s*,\s*[a-z][a-z0-9_]*)*)")


def cited_keys(text: str) -> list[str]:
    """The ``facts.csv`` keys ``text`` cites (:data:`FACTS_CITATION`), each once, in order."""
    keys = (key.strip() for match in FACTS_CITATION.finditer(text) for key in match[1].split(","))
    return list(dict.fromkeys(keys))


@dataclass(frozen=True)
class FactRow:
    """One row of ``facts.csv``: one source's figure for a key (text as in the file)."""

    key: str
    value: str
    unit: str
    year: str
    confidence: str
    publisher: str
    title: str
    url: str
    note: str
    line: int  # line of the file, the header being line 1


def read_facts(path: Path | None = None) -> list[FactRow]:
    """Every row of ``facts.csv`` (default: :func:`forecast.paths.facts_file`), in file order.

    Raises
    ------
    NotFoundError
        The file does not exist.
    DataError
        Its header is not :data:`FACTS_COLUMNS`.
    """
    path = facts_file() if path is None else path
    if not path.is_file():
        raise NotFoundError(
            f"facts file = {str(path)!r}: not found; allowed: the reference facts.csv (set "
            "FORECAST_FACTS_FILE, or --facts; it lives in shared/reference/ beside the checkout)"
        )
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if tuple(reader.fieldnames or ()) != FACTS_COLUMNS:
            raise DataError(
                f"{path}: header = {reader.fieldnames!r}: allowed: {', '.join(FACTS_COLUMNS)}"
            )
        return [
            FactRow(
                key=row["key"],
                value=row["value"],
                unit=row["unit"],
                year=row["year"],
                confidence=row["confidence"],
                publisher=row["source_publisher"],
                title=row["source_title"],
                url=row["source_url"],
                note=row["note"],
                line=reader.line_num,
            )
            for row in reader
        ]


def fact_rows(key: str, rows: list[FactRow]) -> list[FactRow]:
    """The rows of ``key`` (a key cited by several sources has several).

    Raises
    ------
    NotFoundError
        No row has ``key``; the message names the closest keys.
    """
    found = [row for row in rows if row.key == key]
    if not found:
        keys = sorted({row.key for row in rows})
        close = difflib.get_close_matches(key, keys, n=3)
        hint = f" (closest: {', '.join(close)})" if close else ""
        raise NotFoundError(
            f"key = {key!r}: no row in facts.csv; allowed: one of its {len(keys)} keys{hint}"
        )
    return found


def facts_digest(path: Path | None = None) -> str:
    """sha256 of a ``facts.csv`` (default: :func:`forecast.paths.facts_file`). [-]"""
    return sha256_file(facts_file() if path is None else path)
