"""The suite needs nothing but the project's own venv, and CI runs exactly what the README says."""
from __future__ import annotations

import ast
import re
import sys
from importlib import metadata

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
LOCAL = {"aiolint", "benchmarks", "conftest", "snapshots", "tests"}


def _commands():
    return re.findall(r"```sh\n(.*?)\n```", README.split("## What it finds")[0], re.DOTALL)


def test_readme_commands_start_in_a_fresh_venv():
    commands = _commands()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith(VENV), command


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == _commands()[1]


def _requirements(distribution: str, extras=(), seen=None):
    """The distribution names `distribution[extras]` installs, itself included."""
    seen = set() if seen is None else seen
    name = re.sub(r"[-_.]+", "-", distribution).lower()
    if name in seen:
        return seen
    seen.add(name)
    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:  # a marker excluded it (e.g. tomli on 3.11+)
        return seen
    for requirement in requires:
        spec, _, marker = requirement.partition(";")
        wanted = re.match(r"[A-Za-z0-9._-]+", spec.strip()).group(0)
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)", marker)
        if extra and extra.group(1) not in extras:
            continue
        _requirements(wanted, (), seen)
    return seen


def _imported_top_levels():
    names = set()
    for path in [*(ROOT / "tests").glob("*.py"), *(ROOT / "src" / "aiolint").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip"
                  and node.args and isinstance(node.args[0], ast.Constant)):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_every_imported_package_comes_from_the_projects_own_requirements():
    """A test that imports a package the `[test]` extras do not bring in passes only on a machine
    that happens to have it: the failure the pre-commit tests once hid."""
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is None:  # Python 3.9
        import pytest

        pytest.skip("needs sys.stdlib_module_names (Python 3.10+)")
    declared = _requirements("aiolint", ("test",))
    providers = metadata.packages_distributions()
    undeclared = {}
    for name in sorted(_imported_top_levels() - set(stdlib) - LOCAL - {"__future__"}):
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(name, [])}
        dists = dists or {name.lower()}  # not installed here: declared under a marker (tomli)?
        if not dists & declared:
            undeclared[name] = sorted(dists) or "not installed"
    assert undeclared == {}, f"imported but not brought in by aiolint[test]: {undeclared}"
