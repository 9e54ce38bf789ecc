"""The README stays true to the code: generated tables and the CI test command."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecast.report import docs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("title", sorted(docs.GENERATED))
def test_generated_tables_are_current(title):
    """Regenerate with `python -m forecast.report.docs --update README.md` when this fails."""
    assert docs.block(title) in README


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
