"""Generated programs through check and fix: the engine never raises, fixes never corrupt.

Three sources of programs: hypothesmith's grammar-based programs (odd syntax, few triggers),
hypothesmith's LibCST-node-based programs, and modules assembled from the statements of the
rule fixtures (every rule triggered, in combinations the fixtures do not have).
"""
from __future__ import annotations

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiolint.core import pipeline as engine
from aiolint.fixes import apply as fixer
from aiolint.fixes.verify import changes_outside, fix_spans, passwise_changes_outside
from aiolint.core.settings import Settings
from conftest import FIX_FIXTURES, RULE_FIXTURES


SETTINGS = Settings(respect_noqa=True)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
# Wakes every rule's triggers, so generated code is parsed and walked, not skipped.
PRELUDE = (
    "import asyncio, time, requests, subprocess, threading, queue, sqlite3, concurrent.futures\n"
    "from starlette.concurrency import run_in_threadpool\n"
)
PROBE = "\n\nasync def _probe(loop):\n    time.sleep(1)\n    loop.run_in_executor(None, time.sleep, 1)\n"


def _codes():
    from aiolint.rules import all_rules

    return {rule.code for rule in all_rules()} | {"AIO000"}


def targeted_rebuild_matches_the_transformer(data: bytes) -> None:
    """fixer.replace_nodes (ancestors only) must build what LibCST's full transformer builds."""
    analysis = engine.analyse(data, SETTINGS)
    if analysis.module is None:
        return
    module = analysis.module
    findings = [f for f in analysis.findings if f.fix is not None]
    chosen = fixer.non_overlapping(findings)
    if not chosen:
        return
    replacements = {id(old): new for f in chosen for old, new in f.fix.replacements}
    targeted = fixer.replace_nodes(module, replacements)
    if targeted is not None:
        assert targeted.code == module.visit(fixer.Replace(replacements)).code


def check_never_raises_and_fixes_safely(source: str) -> None:
    findings = engine.lint(source, "<generated>", SETTINGS)
    assert {f.code for f in findings} <= _codes()
    assert sum(f.code == "AIO000" for f in findings) <= 1
    data = source.encode("utf-8")
    targeted_rebuild_matches_the_transformer(data)
    result = engine.fix_source(data, "<generated>", SETTINGS, unsafe=True)
    if not result.changed:
        assert result.source == data
        return
    cst.parse_module(result.source)  # the fixed code parses
    again = engine.fix_source(result.source, "<generated>", SETTINGS, unsafe=True)
    assert again.source == result.source, "a second fix changed something"
    stepped, outside = passwise_changes_outside(data)
    assert not outside, f"changes outside the fixed spans: {outside}"
    assert stepped == result.source


@FAST
@given(hypothesmith.from_grammar())
def test_grammar_programs(program):
    check_never_raises_and_fixes_safely(program)
    check_never_raises_and_fixes_safely(PRELUDE + program + PROBE)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_libcst_node_programs(program):
    check_never_raises_and_fixes_safely(PRELUDE + program + PROBE)


def _fixture_statements():
    """(imports, other top-level statements) of all rule fixtures, as source text."""
    imports, others = [], []
    empty = cst.Module(body=[])
    for path in sorted(RULE_FIXTURES.glob("*.py")):
        module = cst.parse_module(path.read_bytes())
        for stmt in module.body:
            text = empty.code_for_node(stmt)
            is_import = isinstance(stmt, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
            )
            (imports if is_import else others).append(text)
    return sorted(set(imports)), others


IMPORTS, STATEMENTS = _fixture_statements()


@st.composite
def fixture_mixes(draw):
    chosen = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=8))
    imports = draw(st.lists(st.sampled_from(IMPORTS), max_size=12)) if IMPORTS else []
    future = [line for line in imports if "__future__" in line]
    rest = [line for line in imports if "__future__" not in line]
    # Fixes must keep these byte-exact around them.
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "".join(future + rest) + "\n" + "\n".join(chosen)
    return text.replace("\r\n", "\n").replace("\n", newline)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(fixture_mixes())
def test_fixture_statement_mixes(program):
    check_never_raises_and_fixes_safely(program)


def _async_body_statements():
    """Statements from the bodies of the fixtures' `async def`s (rule and fix fixtures)."""
    empty = cst.Module(body=[])
    found = set()
    for path in sorted([*RULE_FIXTURES.glob("*.py"), *FIX_FIXTURES.glob("*.py")]):
        for node in cst.parse_module(path.read_bytes()).body:
            if isinstance(node, cst.FunctionDef) and node.asynchronous and isinstance(node.body, cst.IndentedBlock):
                found.update(empty.code_for_node(stmt) for stmt in node.body.body)
    return sorted(found)


BODY_STATEMENTS = _async_body_statements()


@st.composite
def async_body_mixes(draw):
    """One `async def` holding statements of many fixtures: fixes of different rules side by side."""
    chosen = draw(st.lists(st.sampled_from(BODY_STATEMENTS), min_size=1, max_size=8))
    imports = draw(st.lists(st.sampled_from(IMPORTS), max_size=10)) if IMPORTS else []
    future = [line for line in imports if "__future__" in line]
    rest = [line for line in imports if "__future__" not in line]
    body = "".join("".join("    " + line if line.strip() else line for line in s.splitlines(True)) for s in chosen)
    return "".join(future + rest) + "\n\nasync def mixed(self, loop, executor, url, data, fn, coro):\n" + body


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(async_body_mixes())
def test_async_body_mixes(program):
    check_never_raises_and_fixes_safely(program)


FIXTURE_SOURCES = [p.read_bytes() for p in sorted(RULE_FIXTURES.glob("*.py"))]


@st.composite
def half_typed_fixtures(draw):
    """A fixture as an editor holds it mid-keystroke: cut short, or with a few bytes typed in."""
    data = draw(st.sampled_from(FIXTURE_SOURCES))
    cut = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        return data[:cut]
    typed = draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"(", b":", b"\n    ", b"await ", b'"""']))
    return data[:cut] + typed + data[cut:]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(half_typed_fixtures())
def test_half_typed_files(data):
    findings = engine.lint(data, "<typing>", SETTINGS)
    assert sum(f.code == "AIO000" for f in findings) <= 1
    result = engine.fix_source(data, "<typing>", SETTINGS, unsafe=True)
    if result.changed:
        cst.parse_module(result.source)
        assert engine.fix_source(result.source, "<typing>", SETTINGS, unsafe=True).source == result.source
    else:
        assert result.source == data


@pytest.mark.parametrize("path", sorted(RULE_FIXTURES.glob("*.py")), ids=lambda p: p.stem)
def test_each_fixture_fixes_safely_with_all_rules(path):
    """The fixtures with every rule on at once (the fix tests select one rule each)."""
    check_never_raises_and_fixes_safely(path.read_text(encoding="utf-8"))


def test_the_span_check_catches_damage_and_allows_imports():
    before = b"import time\n# keep me\n\nasync def f():\n    time.sleep(1)\n"
    spans = fix_spans(before)
    assert spans == {5}
    good = engine.fix_source(before).source
    assert changes_outside(before, good, spans) == []
    damaged = good.replace(b"# keep me", b"# kept?")
    assert changes_outside(before, damaged, spans)
    assert changes_outside(before, b"x = 1\n" + good, spans)
