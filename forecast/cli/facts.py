"""``forecast facts show KEY...``: every row of a ``facts.csv`` key, so that a citation resolves.

A shipped figure cites its source as ``facts.csv:<key>``; this prints what the key stands for:
each row's value, unit, year, confidence, publisher, title, URL and note, and whether the file
read is the one the shipped citations were checked against (:data:`FACTS_SHA256`, the
``facts_sha256`` every projection carries).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

facts_app = typer.Typer(no_args_is_help=True, help="The reference facts that figures cite.")


@facts_app.command("show")
def facts_show(
    keys: Annotated[
        list[str],
        typer.Argument(help="facts.csv keys, as cited: facts.csv:<key> (the prefix may stay)."),
    ],
    facts: Annotated[
        Path | None,
        typer.Option(
            "--facts",
            help="facts.csv to read; default: FORECAST_FACTS_FILE, else "
            "shared/reference/facts.csv beside the checkout.",
        ),
    ] = None,
) -> None:
    """Print every row of each key: value and unit, year, confidence, publisher, title, URL
    and note (a key cited by two sources has two rows; the citing text names the one it takes).
    """
    from forecast.paths import facts_file
    from forecast.scenario.facts import FACTS_SHA256, fact_rows, facts_digest, read_facts

    path = facts_file() if facts is None else facts
    rows = read_facts(path)
    wanted = [key.strip().removeprefix("facts.csv:").strip() for key in keys]
    found = {key: fact_rows(key, rows) for key in wanted}  # every key checked before printing
    digest = facts_digest(path)
    if digest == FACTS_SHA256:
        print(f"{path}: sha256 {digest} (the facts.csv the shipped citations name)")
    else:
        print(
            f"{path}: sha256 {digest}; the shipped citations name {FACTS_SHA256}: this file is "
            "another version, and a row may differ from the one cited"
        )
    for key, key_rows in found.items():
        print(f"\n{key}: {len(key_rows)} row{'s' if len(key_rows) > 1 else ''}")
        for row in key_rows:
            where = f"confidence {row.confidence}, line {row.line}"
            print(f"  {row.value} {row.unit} ({row.year}), {where}")
            print(f"    {row.publisher}: {row.title}")
            print(f"    {row.url}")
            if row.note:
                print(f"    note: {row.note}")
