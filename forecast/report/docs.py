"""Markdown tables for the README, generated from the declarations in the code.

``python -m forecast.report.docs`` prints the output-variable table (from
``forecast.outputs``), the operating and site defaults (from ``forecast.engine.sampling`` and
``forecast.engine.inputs``) and the shipped scenarios; ``python -m forecast.report.docs --update
README.md data/README.md`` rewrites them in place between their markers (``data/README.md``
holds the catalog's columns and rows and the scenario files). ``tests/test_readme.py`` checks
that both contain them verbatim, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from forecast.engine.sampling import OPERATION_DEFAULTS, SITE_DEFAULTS
from forecast.outputs import (
    DIFFERENCE_VARIABLES,
    DURATION_SUMMARIES,
    DURATION_VARIABLES,
    INPUT_VARIABLES,
    MEAN_VARIABLES,
    OUTPUT_VARIABLES,
    PER_DRAW_VARIABLES,
    SITE_SERIES_VARIABLES,
)
from forecast.scenario import COOLING_SLOPE_FACTOR, STATUS_DEFAULTS, STATUS_DEFAULTS_SOURCE, Trend
from forecast.scenario.catalog import CATALOG_COLUMN_DOCS, HOST_OVERHEAD


def outputs_table() -> str:
    lines = ["| variable | dims | unit | meaning |", "|---|---|---|---|"]
    for variable in OUTPUT_VARIABLES:
        dims = ", ".join(variable.dims)
        lines.append(f"| `{variable.name}` | {dims} | {variable.units} | {variable.description} |")
    means = ", ".join(f"`{variable.name}`" for variable in MEAN_VARIABLES)
    lines.append("")
    lines.append(
        "Every per-year and monthly variable also comes as its mean over draws, without the "
        "quantile "
        f"dimension: {means}."
    )
    return "\n".join(lines)


def optional_outputs_table() -> str:
    """The variables a projection or comparison holds only when asked for them."""
    lines = ["| variable | dims | unit | meaning |", "|---|---|---|---|"]
    for variable in (
        *DURATION_VARIABLES,
        *DURATION_SUMMARIES,
        *SITE_SERIES_VARIABLES,
        *INPUT_VARIABLES,
    ):
        dims = ", ".join(variable.dims)
        lines.append(f"| `{variable.name}` | {dims} | {variable.units} | {variable.description} |")
    per_draw = PER_DRAW_VARIABLES[0]
    difference = next(v for v in DIFFERENCE_VARIABLES if v.name == "ai_energy_twh_difference")
    lines.append("")
    lines.append(
        f"With `per_draw` (`--per-draw`) each of the {len(PER_DRAW_VARIABLES)} per-year "
        "variables (the grid's requested, connected, delayed and stranded MW by region at each "
        "year's end among them) also comes as every draw's value, `<name>_per_draw` (dims "
        f"draw, year; region, draw, year by region; e.g. `{per_draw.name}`), and each of the "
        "scenario's sampled inputs as `input_*_per_draw` (the table's last rows: a `<...>` "
        "stands for the region, site, deployment or load the input belongs to, its "
        "non-alphanumerics as `_`, such as `input_grid_limit_mw_capital_per_draw`; the "
        "variable's attribute `input` holds the label). A comparison adds, "
        f"for each of the {len(DIFFERENCE_VARIABLES) // 2} per-year variables that have a "
        "difference (the grid-wide ones, and by region the AI, non-AI and data-centre energy, "
        "the AI and data-centre load in the grid's peak hour and the grid's MW at each year's "
        "end), `<name>_difference` (scenario, (region,) year, "
        "quantile) and `<name>_difference_mean` (scenario, (region,) year): the difference "
        f"from the first scenario draw by draw (e.g. `{difference.name}`, {difference.units}; "
        "by region only where the scenarios have the same regions)."
    )
    return "\n".join(lines)


def _describe(quantity) -> str:
    if isinstance(quantity, Trend):
        return "; ".join(f"{p.date}: {_describe(p.quantity)}" for p in quantity.points)
    match quantity.dist:
        case "fixed":
            return f"{quantity.value:g}"
        case "triangular":
            return f"triangular({quantity.low:g}, {quantity.mode:g}, {quantity.high:g})"
        case "uniform":
            return f"uniform({quantity.low:g}, {quantity.high:g})"
    return quantity.dist


def defaults_table() -> str:
    lines = ["| `[operations]` field | default | meaning | source |", "|---|---|---|---|"]
    for name, default in OPERATION_DEFAULTS.items():
        lines.append(
            f"| `{name}` | {_describe(default.quantity)} | {default.why} | "
            f"{_sources(default.quantity)} |"
        )
    lines.append(
        "| `replacement_mix` | the mix of the plan's latest addition | accelerators that replace "
        "retired ones, by date (a deployment's own list wins) | assumption: like for like |"
    )
    return "\n".join(lines)


def catalog_rule_table() -> str:
    lines = [
        "| system class | host overhead per accelerator [W] | derivation | source |",
        "|---|---|---|---|",
    ]
    for name, overhead in HOST_OVERHEAD.items():
        lines.append(
            f"| {name} | {overhead.watts:.1f} | {overhead.derivation} | {overhead.source} |"
        )
    return "\n".join(lines)


def _sources(quantity) -> str:
    if isinstance(quantity, Trend):
        return "; ".join(f"{p.date}: {p.quantity.source}" for p in quantity.points)
    return str(quantity.source)


def site_defaults_table() -> str:
    lines = ["| `[[sites]]` field | default |", "|---|---|"]
    for name, default in SITE_DEFAULTS.items():
        lines.append(f"| `{name}` | {default} |")
    return "\n".join(lines)


def status_table() -> str:
    lines = [
        "| site status | build probability | delay [months] (triangular low, mode, high) |",
        "|---|---|---|",
    ]
    for status, values in STATUS_DEFAULTS.items():
        low, mode, high = values["delay_months"]
        lines.append(
            f"| `{status}` | {values['build_probability']:g} | {low:g}, {mode:g}, {high:g} |"
        )
    cooling = ", ".join(f"{k} {v:g}" for k, v in COOLING_SLOPE_FACTOR.items())
    lines.append("")
    lines.append(f"Source: {STATUS_DEFAULTS_SOURCE}.")
    lines.append("")
    lines.append(f"PUE temperature-slope factor by cooling type: {cooling}.")
    return "\n".join(lines)


def scenarios_table() -> str:
    from forecast.scenario import list_scenarios

    lines = ["| id | reading | horizon | description |", "|---|---|---|---|"]
    for scenario in list_scenarios():
        span = f"{scenario.horizon.start.year}–{scenario.horizon.end.year}"
        lines.append(
            f"| `{scenario.id}` | {scenario.hosting_reading} | {span} | {scenario.description} |"
        )
    return "\n".join(lines)


def _anchor(heading: str, seen: dict[str, int]) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, a
    repeated one numbered."""
    slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if count == 0 else f"{slug}-{count}"


def contents(text: str) -> str:
    """A list of the README's sections (``##``) and their subsections (``###``), linked, from
    its headings outside code blocks."""
    lines: list[str] = []
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = re.match(r"(#{1,3}) (.+)", line) if not fenced else None
        if match is None:
            continue
        level, heading = len(match.group(1)), match.group(2).strip()
        anchor = _anchor(heading, seen)
        if level == 1 or heading == "Contents":
            continue
        indent = "  " * (level - 2)
        lines.append(f"{indent}- [{heading.replace('`', '')}](#{anchor})")
    return "\n".join(lines)


#: Where an id column's value is not one for the whole table (or needs saying).
ID_COLUMN_NOTES = {
    "scenario_id": " (a comparison's: its scenarios' ids, comma-separated)",
    "scenario_sha256": " but in a comparison or a sweep: each scenario's or variant's own",
    "seed": " but in a sweep varying it: each variant's (not again after `variant`)",
    "draws": " but in a sweep varying it: each variant's (not again after `variant`)",
}


def table_columns_table() -> str:
    """Every column a tidy table (CSV, Parquet, the API's) may have, in the writer's order,
    and when each is there (:mod:`forecast.io.export`)."""
    from forecast.io import export

    lines = ["| # | column | present |", "|---|---|---|"]
    rows = [
        *(
            (name, "`--id-columns` (`forecast project`, `compare`, `sweep`) or the API's "
             "`id_columns=true`, constant" + ID_COLUMN_NOTES.get(name, ""))
            for name in export.ID_COLUMNS
        ),
        (export.RUN_ID_COLUMN,
         "the API's `id_columns=true`, constant: the run that recorded the result"),
        *((name, "always") for name in export.CSV_COLUMNS),
        (export.LOCAL_TIME_COLUMN, "Parquet only: `period_start`'s wall clock, naive"),
        *export.EXTRA_COLUMN_ORDER,
    ]  # fmt: skip
    for number, (name, when) in enumerate(rows, start=1):
        lines.append(f"| {number} | `{name}` | {when} |")
    lines.append("")
    lines.append(
        "A comparison's table has `scenario`, a sweep's `variant` and one column per varied "
        "NAME, after the id columns and before `variable`."
    )
    return "\n".join(lines)


GENERATED: dict[str, Callable[..., str]] = {
    "Contents": contents,
    "Output variables": outputs_table,
    "Defaults": defaults_table,
    "Site defaults": site_defaults_table,
    "Catalog power rule": catalog_rule_table,
    "Site status defaults": status_table,
    "Shipped scenarios": scenarios_table,
    "Optional output variables": optional_outputs_table,
    "Table columns": table_columns_table,
}


def catalog_columns_table() -> str:
    """The columns of ``data/accelerators.csv`` (:data:`CATALOG_COLUMN_DOCS`)."""
    lines = ["| column | unit | meaning |", "|---|---|---|"]
    for name, (unit, meaning) in CATALOG_COLUMN_DOCS.items():
        lines.append(f"| `{name}` | {unit} | {meaning} |")
    return "\n".join(lines)


def catalog_rows_table() -> str:
    """Every catalog row's figures, as the loader reads them."""
    from forecast.scenario.catalog import load_catalog

    def number(value: float, digits: str = "g") -> str:
        return "—" if value != value else format(value, digits)  # NaN: an empty figure

    lines = [
        "| id | vendor | name | year | board TDP [W] | system W per accel. [W] | system W is "
        "| BF16 dense [TFLOPS] | FP8 dense [TFLOPS] |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, row in load_catalog().table.iterrows():
        lines.append(
            f"| `{key}` | {row['vendor']} | {row['name']} | {row['release_year']} | "
            f"{number(row['board_tdp_w'])} | {number(row['system_w_per_accelerator'], '.1f')} "
            f"| {row['system_w_basis']} | {number(row['bf16_dense_tflops'])} | "
            f"{number(row['fp8_dense_tflops'])} |"
        )
    return "\n".join(lines)


def scenario_files_table() -> str:
    """Every shipped scenario file with its reading, horizon and regions."""
    from forecast.scenario import list_scenarios

    lines = ["| id | reading | horizon | regions | description |", "|---|---|---|---|---|"]
    for scenario in list_scenarios():
        span = f"{scenario.horizon.start}..{scenario.horizon.end}"
        lines.append(
            f"| `{scenario.id}` | {scenario.hosting_reading} | {span} | "
            f"{', '.join(scenario.regions)} | {scenario.description} |"
        )
    return "\n".join(lines)


#: The blocks of ``data/README.md`` (``python -m forecast.report.docs --update
#: data/README.md``; ``tests/test_readme.py`` checks them).
DATA_GENERATED: dict[str, Callable[[], str]] = {
    "Catalog columns": catalog_columns_table,
    "Catalog rows": catalog_rows_table,
    "Shipped scenario files": scenario_files_table,
}


def block(title: str, readme: str = "") -> str:
    """The generated table between its start and end markers, as it stands in the README
    (whose text the contents are made from)."""
    if title in DATA_GENERATED:
        made = DATA_GENERATED[title]()
    else:
        made = GENERATED[title](readme) if title == "Contents" else GENERATED[title]()
    return (
        f"<!-- {title}: generated by `python -m forecast.report.docs` -->\n"
        f"{made}\n<!-- end of {title} -->"
    )


def update(path: Path) -> None:
    """Replace every generated block of the file at ``path`` with the current one: the main
    README's blocks, or ``data/README.md``'s (:data:`DATA_GENERATED`), whichever it holds."""
    text = path.read_text(encoding="utf-8")
    titles = [*GENERATED, *DATA_GENERATED]
    present = [t for t in titles if f"<!-- {t}: generated by `python -m forecast." in text]
    if not present:
        raise SystemExit(f"error: {path}: no generated block; allowed: {', '.join(titles)}")
    for title in present:
        start = f"<!-- {title}: generated by `python -m forecast.report.docs` -->"
        end = f"<!-- end of {title} -->"
        first = text.index(start)
        last = text.index(end, first) + len(end)
        text = text[:first] + block(title, text) + text[last:]
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Print every generated block, or with ``--update FILE`` rewrite them in FILE."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--update"] and len(arguments) >= 2:
        for name in arguments[1:]:
            update(Path(name))
        return
    readme = Path("README.md").read_text(encoding="utf-8") if Path("README.md").is_file() else ""
    for title in GENERATED:
        print(block(title, readme) + "\n")  # noqa: T201


if __name__ == "__main__":
    main()
