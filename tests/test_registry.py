"""The rule registry and the documentation every rule carries as data."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from aiolint.core import pipeline as engine
from aiolint.frontends.docs import render_rule
from aiolint.core.rule import Rule
from aiolint.rules import all_rules, get_rule
from aiolint.core.settings import Settings, settings_from_options
from conftest import RULE_FIXTURES, fixture_options

RULES = all_rules()
SPEC_CODES = re.compile(r"^AIO\d{3}$")


def test_codes_and_names_are_unique_and_well_formed():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert SPEC_CODES.match(rule.code), rule.code
        assert re.match(r"^[a-z]+(-[a-z]+)+$", rule.name), rule.name


def test_each_rule_lives_in_its_own_module_named_after_it():
    for rule in RULES:
        assert rule.__module__ == f"aiolint.rules.{rule.name.replace('-', '_')}"


RULES_DIR = Path(__file__).resolve().parent.parent / "src" / "aiolint" / "rules"
# The walk and the scopes' bindings are the engine's and the model's business: a rule asks the
# semantic model (or a semantics module) a question instead (issue 12).
_MACHINERY = ("aiolint.core.walk", "aiolint.semantics.scopes")
_ENGINE_AND_SEMANTICS = ("aiolint.core", "aiolint.semantics")


def _within(module: str, packages) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def layout_violations(source: str) -> list:
    """The imports of a rules/ module that reach past the semantic model's questions."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to aiolint.rules
                parent = "aiolint.rules".rsplit(".", node.level - 1)[0] if node.level > 1 else "aiolint.rules"
                base = f"{parent}.{base}" if base else parent
            imported = [(base, alias.name) for alias in node.names]
        else:
            continue
        for module, name in imported:
            full = f"{module}.{name}" if name else module
            if _within(module, _MACHINERY) or (name and _within(full, _MACHINERY)):
                found.append((node.lineno, full))
            elif _within(module, _ENGINE_AND_SEMANTICS) and (
                any(part.startswith("_") for part in module.split("."))
                or (name is not None and name.startswith("_"))
            ):
                found.append((node.lineno, full))
    return found


def test_rules_import_no_walk_no_scopes_and_no_private_names():
    bad = {
        path.name: layout_violations(path.read_text(encoding="utf-8")) for path in sorted(RULES_DIR.glob("*.py"))
    }
    assert {name: found for name, found in bad.items() if found} == {}


@pytest.mark.parametrize(
    "line",
    [
        "from aiolint.core.walk import iter_nodes",
        "from aiolint.core import walk",
        "import aiolint.core.walk",
        "from aiolint.semantics.scopes import ASSIGN",
        "from aiolint.semantics import scopes",
        "from aiolint.semantics.model import _BUILTINS",
        "from aiolint.core.pipeline import _run",
        "from ..semantics.scopes import Binding",
        "from ..core import walk",
    ],
)
def test_layout_guard_catches(line):
    assert layout_violations(line + "\n")


def test_layout_guard_lets_questions_through():
    source = (
        "from aiolint.semantics import dotted_name, flow\n"
        "from aiolint.semantics.syntax import names_in\n"
        "from aiolint.core.rule import Rule\n"
        "from aiolint.rules import _gather\n"
    )
    assert layout_violations(source) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docs_are_complete(rule):
    docs = rule.docs
    for part in ("what", "why", "example", "use_instead"):
        assert getattr(docs, part).strip(), f"{rule.code} docs lack '{part}'"
    # The applicability of the fix whenever one is offered; the docs say when it is.
    assert rule.fix_availability in (None, "safe", "unsafe")
    if rule.fix_availability:
        assert docs.fix_safety.strip(), f"{rule.code} has a fix but no fix-safety note"
    page = render_rule(rule)
    assert page.startswith(f"## {rule.code} {rule.name}")


def _settings_for(rule):
    text = (RULE_FIXTURES / f"{rule.code}.py").read_text(encoding="utf-8")
    options = fixture_options(text)
    options.pop("unsafe-fixes", None)
    return settings_from_options(options, select=(rule.code,))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docs_example_is_reported_and_use_instead_is_clean(rule):
    settings = _settings_for(rule)
    assert [f.code for f in engine.lint(rule.docs.example, "example.py", settings)], (
        f"{rule.code}: the documented example is not reported"
    )
    assert engine.lint(rule.docs.use_instead, "use_instead.py", settings) == []


def test_get_rule_by_code_or_name():
    assert get_rule("aio100").code == "AIO100"
    assert get_rule("blocking-sleep").code == "AIO100"
    with pytest.raises(KeyError):
        get_rule("AIO999")


def test_handler_names_must_be_libcst_nodes():
    with pytest.raises(TypeError):
        type("Broken", (Rule,), {"visit_Cal": lambda self, node: None})


def test_select_and_ignore_prefixes():
    settings = Settings(select=("AIO1",), ignore=("AIO101",))
    assert settings.is_enabled("AIO100")
    assert not settings.is_enabled("AIO101")
    assert not settings.is_enabled("AIO200")
    assert Settings(ignore=("AIO1",), select=("AIO101",)).is_enabled("AIO101")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fixes_have_the_applicability_the_rule_declares(rule):
    settings = _settings_for(rule)
    source = (RULE_FIXTURES / f"{rule.code}.py").read_bytes()
    fixes = [f.fix for f in engine.lint(source, "fixture.py", settings) if f.fix is not None]
    if rule.fix_availability is None:
        assert fixes == [], f"{rule.code} declares no fix but offers one"
    else:
        assert fixes, f"{rule.code} declares a fix but offers none on its fixture"
        assert {fix.applicability for fix in fixes} == {rule.fix_availability}
