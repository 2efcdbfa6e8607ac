"""Every rule against its fixture: marked lines reported, every other line silent."""
from __future__ import annotations

import pytest

from aiolint.core import pipeline as engine
from aiolint.rules import all_rules
from aiolint.core.settings import settings_from_options
from conftest import RULE_FIXTURES, expected_findings, fixture_options

RULES = all_rules()


def _fixture(rule):
    path = RULE_FIXTURES / f"{rule.code}.py"
    assert path.is_file(), f"{rule.code} has no fixture at {path}"
    text = path.read_text(encoding="utf-8")
    options = fixture_options(text)
    options.pop("unsafe-fixes", None)
    settings = settings_from_options(options, select=(rule.code,))
    return path, text, settings


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fixture_findings_are_exactly_the_marked_lines(rule):
    path, text, settings = _fixture(rule)
    expected = {(line, code) for line, code in expected_findings(text) if code == rule.code}
    found = engine.lint(path.read_bytes(), str(path), settings)
    assert [f for f in found if f.code == "AIO000"] == []
    got = {(f.line, f.code) for f in found}
    missing = sorted(expected - got)
    extra = sorted((line, code, text.splitlines()[line - 1].strip()) for line, code in got - expected)
    assert not missing and not extra, f"missing: {missing}\nfalse alarms: {extra}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fixture_has_positives_and_negatives(rule):
    _, text, _ = _fixture(rule)
    positives = [line for line, code in expected_findings(text) if code == rule.code]
    assert len(positives) >= 3, "a fixture needs several positive forms"
    code_lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert len(code_lines) - len(positives) >= len(positives), "a fixture needs negatives that must stay silent"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_triggers_never_hide_a_finding(rule):
    """Triggers are a pre-check; running the rule without them must find nothing more."""
    path, text, settings = _fixture(rule)
    assert rule.is_triggered(text, settings)
    unfiltered = engine.analyse(path.read_bytes(), settings, rules=[rule]).findings
    filtered = engine.lint(path.read_bytes(), str(path), settings)
    assert [(f.line, f.code) for f in unfiltered] == [(f.line, f.code) for f in filtered]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_messages_end_with_the_replacement(rule):
    path, _, settings = _fixture(rule)
    for finding in engine.lint(path.read_bytes(), str(path), settings):
        assert finding.code == rule.code and finding.name == rule.name
        assert "; " in finding.message, f"message says nothing about what to write: {finding.message}"
        assert not finding.message.endswith((".", ";")), finding.message
