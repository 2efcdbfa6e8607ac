"""The fast trigger check gives exactly the answers of `re.search`, only sooner."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiolint.core import screen as triggers
from aiolint.core.rule import ASYNC_DEF, imports
from aiolint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent

HANDMADE = [
    ASYNC_DEF,
    imports("time"),
    imports("requests", "httpx", "urllib.request"),
    r"create_task|ensure_future",
    r"\bawait[\s(\\]+[\w.() \t]*?(?:create_task|ensure_future)\b",
    r"(?:ab)+c|x?yz",
    r"a(?=bc)d|q",
    r"(?:foo|)bar",  # one branch requires nothing: only "bar" is required
    r"(?:foo|bar)*baz",
    r"(?i:sleep)\(",
    r"(?P<x>ab)(?P=x)",
    r"[Ss]leep",
    r"\A(?![\s\S]*^import pytest)",
    r"(?>abc)d",
    r"a{2,}b",
    r"x{0}yz",
    r"time\\\ntable",  # a required literal that spans a continuation
    r"^[ \t]*import(?:[ \t]|\\\n)+time$",
    r"\bsleep\B",
    r"(?:^|;)[ \t]*wait\b",
]


def _all_patterns():
    compiled = [re.compile(p, re.MULTILINE) for p in HANDMADE]
    compiled.append(re.compile("SLEEP", re.IGNORECASE))
    for rule in all_rules():
        compiled.extend(re.compile(trigger, re.MULTILINE) for trigger in rule.triggers)
    return compiled


PATTERNS = _all_patterns()


def _same(pattern, text):
    # A new str object: search memoises by the text's identity, and must answer from scratch.
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    assert triggers.search(pattern, text) == bool(pattern.search(text)), (pattern.pattern, text[:200])


def test_literals_are_read_off_the_pattern():
    assert triggers.required_literals(re.compile(imports("time"), re.M))[0] == frozenset({"time"})
    assert triggers.required_literals(re.compile("create_task|ensure_future")) == (
        frozenset({"create_task", "ensure_future"}),
    )
    assert triggers.required_literals(re.compile("(?:foo|)bar")) == (frozenset({"bar"}),)
    assert triggers.required_literals(re.compile("(?:foo|bar)*baz")) == (frozenset({"baz"}),)
    assert triggers.required_literals(re.compile("sleep", re.I)) == ()
    assert triggers.required_literals(re.compile("(?i:sleep)x")) == (frozenset({"x"}),)
    assert triggers.required_literals(re.compile("x{0}yz")) == (frozenset({"yz"}),)


SNIPPETS = [
    "import time\n", "from time import sleep\n", "import os, \\\n    time\n", "x = 1; import time\n",
    "async def f():\n", "async  def g(): pass\n", "await asyncio.create_task(c)\n", "loop.ensure_future(c)\n",
    "abababc", "yz", "xyz", "abd", "abcd", "foobar", "bar", "barbaz", "SLEEP", "Sleep(", "sleep(",
    "abab", "abcd", "aab", "aaab", "run_in_executor(None, f)\n", "    await a\n    await b\n",
    "import pytest\n", "# time\n", "'time'", "\n", " ", "\t", "\\\n",
    "import os, \\\n    time\n", "x = 1; \\\nimport time", "\\\nimport time\n", "import os,\\\r\n time\n",
    "time\\\ntable", "  import \\\n time", "sleepy", "; wait", "\r", "\\", "wait\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SNIPPETS), max_size=8), st.text(max_size=20))
def test_same_answer_as_re_on_generated_text(parts, noise):
    text = "".join(parts) + noise
    for pattern in PATTERNS:
        _same(pattern, text)


@pytest.mark.parametrize("path", sorted((ROOT / "fixtures" / "rules").glob("*.py")), ids=lambda p: p.name)
def test_same_answer_as_re_on_the_fixtures(path):
    text = path.read_text()
    for pattern in PATTERNS:
        _same(pattern, text)


def test_line_local_patterns_are_recognised():
    assert triggers.line_local(re.compile(imports("time"), re.MULTILINE))
    assert not triggers.line_local(re.compile(ASYNC_DEF, re.MULTILINE))  # \s can match a line break
    assert not triggers.line_local(re.compile(r"^import", 0))  # ^ without MULTILINE: the string start
    assert not triggers.line_local(re.compile(r"x(?=\n)", re.MULTILINE))
    assert not triggers.line_local(re.compile(r"x\Z", re.MULTILINE))


def test_many_occurrences_fall_back_to_one_search():
    pattern = re.compile(imports("time"), re.MULTILINE)
    text = "time = 1\n" * 500 + "import time\n"
    _same(pattern, text)
    _same(pattern, text.replace("import time", "impart time"))


def test_memo_is_per_text():
    pattern = re.compile("needle")
    assert triggers.search(pattern, "a needle") is True
    assert triggers.search(pattern, "a haystack") is False
    assert triggers.search(pattern, "a needle") is True
