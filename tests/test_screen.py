"""The pre-screen (`core/needs.py`) never hides a finding: with and without it, the same findings.

Run over every fixture, the demo, and CPython's own `asyncio` package (real code every machine
has), with every rule enabled. `benchmarks/screen_equivalence.py` does the same over the pinned
corpus and the whole stdlib.
"""
from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from aiolint.core import pipeline as engine
from aiolint.core.needs import Shape, Where, collect_facts
from aiolint.core.settings import Settings, settings_from_options
from conftest import RULE_FIXTURES, fixture_options

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
STDLIB_ASYNCIO = Path(asyncio.__file__).resolve().parent
SOURCES = sorted(FIXTURES.rglob("*.py")) + sorted(STDLIB_ASYNCIO.glob("*.py"))


def _settings(path: Path, text: str) -> Settings:
    if path.parent == RULE_FIXTURES:
        options = fixture_options(text)
        options.pop("unsafe-fixes", None)
        return settings_from_options(options)
    return Settings()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_screen_on_and_off_find_the_same(path):
    data = path.read_bytes()
    settings = _settings(path, data.decode("utf-8", "replace"))
    screened = engine.lint(data, str(path), settings)
    every_rule = engine.analyse(data, settings, rules=engine.enabled_rules(settings), path=str(path)).findings
    assert [f.plain() for f in screened] == [f.plain() for f in every_rule]


def test_flake8s_tree_and_our_parse_screen_alike():
    # The flake8 plugin hands over flake8's tree; the CLI parses its own: same answer.
    text = (FIXTURES / "demo" / "service.py").read_text(encoding="utf-8")
    assert engine.screened_rules(text, Settings(), ast.parse(text)) == engine.screened_rules(text, Settings())


def _facts(source: str):
    return collect_facts(ast.parse(source))


def test_calls_are_recorded_where_they_run():
    facts = _facts(
        "import time\n"
        "@decorate(time.sleep)\n"  # decorators run where the def is
        "async def f(x=default()):\n"
        "    time.sleep(1)\n"
        "    def helper():\n        requests.get(1)\n"
        "    g = lambda: blocking()\n"
        "    class C:\n        attr = build()\n"
        "    await asyncio.gather(*[fetch(u) for u in us])\n"
        "main()\n"
    )
    assert facts.calls[Where.ASYNC] == {"sleep", "gather", "fetch"}
    assert facts.calls[Where.SYNC] == {"get", "blocking", "build"}
    assert facts.calls[Where.MODULE] == {"decorate", "default", "main"}


def test_aliases_count_as_the_imported_name():
    facts = _facts("from time import sleep as nap\nasync def f():\n    nap(1)\n")
    assert {"nap", "sleep"} <= facts.calls[Where.ASYNC] and {"time", "time.sleep"} <= facts.imports


@pytest.mark.parametrize(
    "body, shape",
    [
        ("    await a()\n    x = await b()\n", Shape.AWAIT_RUN),
        ("    for u in us:\n        await get(u)\n", Shape.AWAIT_IN_LOOP),
        ("    return [await get(u) for u in us]\n", Shape.AWAIT_IN_LOOP),
        ("    a, b = f(), g()\n    await a\n    await b\n", Shape.AWAITED_NAMES),
        ("    await c\n    await c\n", Shape.NAME_AWAITED_TWICE),
    ],
)
def test_shapes(body, shape):
    assert shape in _facts("async def f():\n" + body).shapes


@pytest.mark.parametrize(
    "body, shape",
    [
        ("    await a()\n    x = 1\n    await b()\n", Shape.AWAIT_RUN),
        ("    await a()\n    if c:\n        await b()\n", Shape.AWAIT_RUN),  # a compound statement is no step
        ("    async def inner():\n        await a()\n    await b()\n", Shape.AWAIT_RUN),  # defining is not awaiting
        ("    for u in us:\n        get(u)\n    await done()\n", Shape.AWAIT_IN_LOOP),
        ("    await c\n    await d\n", Shape.NAME_AWAITED_TWICE),
    ],
)
def test_no_shape(body, shape):
    assert shape not in _facts("async def f():\n" + body).shapes


LOCK_DECLARED = """\
import asyncio
import threading


class Worker:
    lock: threading.Lock

    async def step(self):
        with self.lock:
            await asyncio.sleep(1)


async def handler(lock: "threading.RLock"):
    with lock:
        await asyncio.sleep(1)
"""


def test_a_lock_declared_but_never_built_here_is_screened_in():
    # No `Lock()` call in the file: the annotations alone say what the locks are (found once
    # when big modules were screened piece by piece).
    screened = [(f.line, f.code) for f in engine.lint(LOCK_DECLARED, "<string>", Settings())]
    every_rule = engine.analyse(LOCK_DECLARED, Settings(), rules=engine.enabled_rules(Settings())).findings
    assert screened == [(f.line, f.code) for f in every_rule] == [(9, "AIO502"), (14, "AIO502")]


def test_a_file_python_cannot_parse_keeps_what_the_text_let_through():
    text = "import time\nasync def f(:\n    time.sleep(1)\n"
    assert engine.screened_rules(text, Settings()) == engine.triggered_rules(text, Settings())
