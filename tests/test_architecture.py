"""The apps' layers and the absence of import cycles (docs/architecture.md) hold, and CI checks
them: `make lint` runs the import contracts, and `.ci/run` runs `make lint` before the suite."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTLINTER = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# The conventions say about 400 lines; a little over is a judgement, far over a package to be.
MAX_MODULE_LINES = 420


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


def _layers() -> list[set[str]]:
    """The layers contract's layers, top first, each as the set of modules it names."""
    contract = next(c for c in IMPORTLINTER["contracts"] if c["type"] == "layers")
    return [
        {name.strip().strip("()") for name in re.split(r"[:|]", layer)}
        for layer in contract["layers"]
    ]


def test_every_isf_portal_module_is_in_the_top_or_the_core_layer():
    # isf_portal is both the bottom (settings, domain helpers) and the top (root URLs, pages
    # reading every app), so the contract names its modules one by one: a new one that is in
    # neither layer would escape the contract without a word.
    layers = _layers()
    placed = layers[0] | layers[-1]
    package = ROOT / "isf_portal"
    modules = {
        f"isf_portal.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists() and path.name != "migrations")
    }

    assert "isf_portal.settings" in modules  # the walk sees packages too
    assert sorted(modules - placed) == []


def test_no_application_module_is_over_about_400_lines():
    too_long = {}
    for app in IMPORTLINTER["root_packages"]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "demo.py":
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_MODULE_LINES:
                too_long[str(path.relative_to(ROOT))] = lines

    assert too_long == {}, "split these into packages named for what they hold"
