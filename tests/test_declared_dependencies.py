"""Every third-party library imported is declared in pyproject.toml: the service's (api/, schema/, auth/,
migrations/) in `[project] dependencies` or an extra, the tests' and the benches' there or in a dependency group.
A library installed only because another one needs it could go, or change, with that other one's next release."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ("api", "schema", "auth", "migrations")
FOLDERS = (*SERVICE, "bench", "tests")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ;@]", requirement, maxsplit=1)[0]).lower()


def _imported() -> dict[str, set[str]]:
    """Top-level module imported (absolute imports, outside the project) -> the folders importing it."""
    found: dict[str, set[str]] = {}
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top == "__future__" or top in FOLDERS:
                        continue
                    if (path.parent / f"{top}.py").exists():  # a bench imports its neighbour (bench/ is on its path)
                        continue
                    found.setdefault(top, set()).add(folder)
    return found


def test_every_imported_library_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    service = {_name(r) for r in project["project"]["dependencies"]}
    # an extra (`otel`): the service imports it only where it is asked for
    service |= {_name(r) for extra in project["project"].get("optional-dependencies", {}).values() for r in extra}
    groups = {_name(r) for group in project.get("dependency-groups", {}).values() for r in group if isinstance(r, str)}
    distributions = packages_distributions()
    undeclared = []
    for module, folders in sorted(_imported().items()):
        names = {_name(d) for d in distributions.get(module, [module])}
        declared = service if folders & set(SERVICE) else service | groups
        # not installed (an extra not asked for): a namespace package's distributions are named after it
        if module not in distributions and any(d.startswith(f"{_name(module)}-") for d in declared):
            continue
        if not names & declared:
            undeclared.append(f"{module} ({', '.join(sorted(names))}), imported in {', '.join(sorted(folders))}")
    assert not undeclared, "imported but not declared in pyproject.toml: " + "; ".join(undeclared)
