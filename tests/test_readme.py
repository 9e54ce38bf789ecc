"""The README stays true to the code: generated tables and the CI test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forecast.report import docs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


DATA_README = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
GENERATED_IN = [
    *(("README.md", title) for title in sorted(docs.GENERATED)),
    *(("data/README.md", title) for title in sorted(docs.DATA_GENERATED)),
]


def stale_message(file: str, title: str) -> str:
    """What a stale block's failure says: the block, the file and the command that fixes it
    (the assertion's own diff of two elided blobs named neither)."""
    return (
        f"{file}: generated block {title!r} is stale or missing; run python -m "
        f"forecast.report.docs --update {file}"
    )


@pytest.mark.parametrize(("file", "title"), GENERATED_IN)
def test_generated_tables_are_current(file, title):
    """The main README's and data/README.md's generated tables (the catalog's columns and
    rows, the scenario files, once edited by hand and stale) are what the code makes."""
    text = README if file == "README.md" else DATA_README
    assert docs.block(title, text) in text, stale_message(file, title)


def test_a_stale_block_names_itself_and_the_fix(monkeypatch):
    """The failure names the block and the command rather than printing two elided blobs."""
    monkeypatch.setitem(docs.DATA_GENERATED, "Catalog columns", lambda: "| a changed table |")
    with pytest.raises(AssertionError) as failure:
        test_generated_tables_are_current("data/README.md", "Catalog columns")
    assert str(failure.value).splitlines()[0] == (
        "data/README.md: generated block 'Catalog columns' is stale or missing; run python -m "
        "forecast.report.docs --update data/README.md"
    )


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    command = ci[-1].strip()
    assert command.startswith("pip install")
    assert f"```bash\n{command}\n```" in README


def test_import_contracts_hold():
    """forecast never imports models or service; service never imports training code."""
    import subprocess
    import sys

    script = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
        "no_logo=True))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _readme_commands() -> list[list[str]]:
    """Every ``forecast ...`` command line of the README: in ``bash`` blocks (continuation
    lines joined) and in inline code, as shell words."""
    import shlex

    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        lines += block.replace("\\\n", " ").splitlines()
    lines += re.findall(r"`(forecast [^`]+)`", README.replace("\n", " "))
    commands = []
    for line in lines:
        line = line.split(" #")[0].strip()
        for part in re.split(r"\s*(?:&&|\||;)\s*", line):
            if part.startswith("forecast ") and "<" not in part and "..." not in part:
                commands.append(shlex.split(part))
    return commands


def test_every_readme_command_names_options_its_command_has():
    """A README command with an option its command lacks fails for every reader who copies it:
    each ``--option`` is checked against the command line's own parser, without running
    anything; an option named on its own (`--no-duration-curves`, which once did not exist) must
    be one of some ``forecast`` or training-side command's (``python -m models.*``), or the
    benchmark's."""
    import typer

    from forecast.cli import app

    root = typer.main.get_command(app)
    commands = _readme_commands()
    assert len(commands) > 30
    for words in commands:
        command = root
        for word in words[1:]:
            if not hasattr(command, "commands") or word.startswith("-"):  # a group's commands
                break
            assert word in command.commands, f"{' '.join(words)}: no command {word!r}"
            command = command.commands[word]
        options = {
            name for param in command.params for name in (*param.opts, *param.secondary_opts)
        }
        for word in words:
            if word.startswith("--"):
                option = word.split("=")[0]
                assert option in options, f"{' '.join(words)}: {option} is not an option"
    from models import backtest, climatology, horizons, train

    every_option = set()
    pending = [
        root,
        *(typer.main.get_command(m.app) for m in (backtest, climatology, horizons, train)),
    ]
    while pending:
        command = pending.pop()
        every_option |= {name for p in command.params for name in (*p.opts, *p.secondary_opts)}
        pending += getattr(command, "commands", {}).values()
    benchmark = (ROOT / "tests" / "benchmarks" / "bench_projection.py").read_text(encoding="utf-8")
    for option in set(re.findall(r"`(--[a-z][a-z0-9-]*)", README)) - every_option:
        assert f'"{option}"' in benchmark, f"README names {option}, which no command has"


def test_readme_states_the_tables_core_columns_and_csv_precision():
    """A warehouse keys its table on the core columns and compares CSV with Parquet (a pipeline
    owner's report, F8: the precision and the stable columns were undocumented)."""
    from forecast.io import csvtext, export

    table = README.split("The CSV is tidy: one row per variable, region, period and quantile")[1]
    rows = table.split("| column | meaning |\n|---|---|\n")[1].split("\n\n")[0].splitlines()
    assert [re.match(r"\| `(\w+)` \|", row)[1] for row in rows] == list(export.CSV_COLUMNS)
    digits = int(re.fullmatch(r"%\.(\d+)g", csvtext.CSV_FLOAT_FORMAT)[1])
    words = {9: "nine", 17: "seventeen"}[digits]
    stated = f"**Numbers in a CSV have {words} significant digits** (`{csvtext.CSV_FLOAT_FORMAT}`"
    assert stated in " ".join(README.split())


def test_readme_names_every_unit_a_variable_has():
    """The CSV schema's ``unit`` row lists the values a ``unit`` cell may hold: every unit an
    output variable declares (a data engineer found `K`, `1/K`, `year` and `events` in the
    files but not in the list, report-interop 9)."""
    from forecast.outputs import BY_NAME

    row = next(line for line in README.splitlines() if line.startswith("| `unit` |"))
    stated = set(re.findall(r"`([^`]+)`", row.split("|")[2]))
    assert {variable.units for variable in BY_NAME.values()} - stated == set()
