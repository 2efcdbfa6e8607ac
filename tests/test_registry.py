"""The rule registry and the documentation every rule carries as data."""
from __future__ import annotations

import re

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
