"""Every fixture against its reviewed snapshot: ranges, whole messages, fix safety, fixed source.

The snapshots are written by `python -m tests.snapshots --update` (see tests/snapshots.py);
a change in behaviour shows up here as a diff to review, and in the commit as a diff of the
`.snap` files.
"""
from __future__ import annotations

import difflib

import pytest

import aiolint
from aiolint.rules import all_rules
from aiolint.core.settings import Settings
from snapshots import UPDATE_COMMAND, check, fixtures, orphans

FIXTURES = fixtures()


def _explain(problem) -> str:
    name = problem.path.name
    if problem.reason == "missing":
        return f"no snapshot for {problem.path.stem.split('.')[0]}: {name} is missing; run `{UPDATE_COMMAND}`"
    diff = "\n".join(
        difflib.unified_diff(
            problem.actual.splitlines(), problem.expected.splitlines(), f"{name} (reviewed)", f"{name} (now)",
            lineterm="",
        )
    )
    return f"{name} differs from what aiolint now produces; if intended, run `{UPDATE_COMMAND}` and review:\n{diff}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.path.stem)
def test_fixture_matches_its_snapshot(fixture):
    problems = check(fixture)
    assert not problems, "\n\n".join(_explain(problem) for problem in problems)


def test_every_snapshot_has_its_fixture():
    assert orphans() == [], f"snapshots without a fixture; run `{UPDATE_COMMAND}` to remove them"


def test_every_rule_has_a_snapshotted_fixture():
    codes = {f.code for f in FIXTURES if f.path.stem == f.code}
    assert sorted(rule.code for rule in all_rules() if rule.code not in codes) == []


FIXABLE = [rule for rule in all_rules() if rule.fix_availability is not None]


@pytest.mark.parametrize("rule", FIXABLE, ids=lambda r: r.code)
def test_fixing_the_docs_example_gives_use_instead(rule):
    settings = Settings(select=(rule.code,))
    result = aiolint.fix_source(rule.docs.example, f"<{rule.code} example>", settings, unsafe=True)
    assert result.fixed, f"{rule.code}: nothing fixed in docs.example"
    assert result.source == rule.docs.use_instead


def _applicabilities(rule):
    """Every fix applicability the rule's fix cases and its docs example produce (test_registry
    checks its rule fixture)."""
    seen = set()
    settings = Settings(select=(rule.code,))
    for finding in aiolint.lint(rule.docs.example, "<example>", settings):
        if finding.fix is not None:
            seen.add(str(finding.fix.applicability))
    for fixture in FIXTURES:
        if fixture.code != rule.code or fixture.fixed is None:
            continue
        fixture_settings, _ = fixture.settings()
        for finding in aiolint.lint(fixture.path.read_bytes(), fixture.relative, fixture_settings):
            if finding.fix is not None:
                seen.add(str(finding.fix.applicability))
    return seen


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_fix_cases_and_docs_example_make_the_fixes_the_rule_declares(rule):
    """`fix_availability` (shown in the docs and the README table) is what the fixes are."""
    seen = _applicabilities(rule)
    if rule.fix_availability is None:
        assert seen == set(), f"{rule.code} declares no fix but makes {seen} fixes"
    else:
        assert seen == {str(rule.fix_availability)}, (
            f"{rule.code} declares {rule.fix_availability} fixes but makes {sorted(seen) or 'no'} fixes"
        )
