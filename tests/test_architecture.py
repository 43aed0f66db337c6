"""The apps' layers and the absence of import cycles (docs/architecture.md) hold, and CI checks
them: `make lint` runs the import contracts, and `.ci/run` runs `make lint` before the suite."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_make_lint_runs_ruff_and_the_import_contracts():
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert lint, "the Makefile has a lint target"
    commands = lint.group(1)
    assert "ruff check" in commands and "ruff format --check" in commands
    assert "lint-imports" in commands


def test_ci_fails_when_lint_fails_and_then_runs_the_suite():
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script  # a failing `make lint` stops the script
    lint, test = script.index("\nmake lint"), script.index("\nexec make test")
    assert lint < test
