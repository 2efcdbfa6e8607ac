"""AIO505-AIO508: whole messages and positions, the documented fixes, and the semantic questions they ask."""
from __future__ import annotations

import libcst as cst
import pytest

from aiolint.core import pipeline as engine
from aiolint.rules import get_rule
from aiolint.core.settings import Settings
from conftest import probe

CODES = ("AIO505", "AIO506", "AIO507", "AIO508")


def _lint(source: str, code: str):
    return [(f.line, f.col, f.message) for f in engine.lint(source, "t.py", Settings(select=(code,)))]


@pytest.mark.parametrize("code", CODES)
def test_fixing_the_documented_example_gives_use_instead(code):
    rule = get_rule(code)
    result = engine.fix_source(rule.docs.example.encode(), "example.py", Settings(select=(code,)), unsafe=True)
    assert result.source.decode() == rule.docs.use_instead


def test_aio505_message():
    source = (
        "import asyncio\n\n"
        "async def main(work, loop):\n"
        "    async with asyncio.TaskGroup() as tg:\n"
        "        asyncio.create_task(work(1), name=\"w\")\n"
        "        asyncio.ensure_future(work(2), loop=loop)\n"
    )
    assert _lint(source, "AIO505") == [
        (
            5,
            9,
            "asyncio.create_task() inside 'async with' TaskGroup 'tg' creates a task the group does not "
            "supervise (not awaited at exit, its errors not propagated); use 'tg.create_task(work(1), name=\"w\")'",
        ),
        (
            6,
            9,
            "asyncio.ensure_future() inside 'async with' TaskGroup 'tg' creates a task the group does not "
            "supervise (not awaited at exit, its errors not propagated); use 'tg.create_task(...)'",
        ),
    ]


def test_aio506_message():
    source = (
        "import asyncio\n\n"
        "async def fetch(u):\n"
        "    await asyncio.sleep(u)\n\n"
        "async def main(urls):\n"
        "    await asyncio.wait([fetch(u) for u in urls])\n\n"
        "def sync(loop):\n"
        "    loop.run_until_complete(asyncio.wait([fetch(1)]))\n"
    )
    assert _lint(source, "AIO506") == [
        (
            7,
            11,
            "asyncio.wait() given coroutine 'fetch(u)': a TypeError since Python 3.11 (deprecated before), "
            "it takes tasks; use '[asyncio.create_task(fetch(u)) for u in urls]'",
        ),
        (
            10,
            29,
            "asyncio.wait() given coroutine 'fetch(1)': a TypeError since Python 3.11 (deprecated before), "
            "it takes tasks; use '[asyncio.ensure_future(fetch(1))]'",
        ),
    ]


def test_aio507_message():
    source = (
        "import asyncio\n\n"
        "async def relay(coro, loop):\n"
        "    future = asyncio.run_coroutine_threadsafe(coro, loop)\n"
        "    return future.result(timeout=2)\n"
    )
    assert _lint(source, "AIO507") == [
        (
            5,
            12,
            "'future.result(timeout=2)' waits for the future of asyncio.run_coroutine_threadsafe() and blocks "
            "the event loop thread (a deadlock when the coroutine needs this same loop); "
            "use 'await asyncio.wait_for(asyncio.wrap_future(future), 2)'",
        )
    ]


def test_aio508_message_picks_a_fresh_name():
    source = (
        "class C:\n"
        "    async def add(self, value):\n"
        "        self.n = self.n + await self.fetch(value)\n"
    )
    assert _lint(source, "AIO508") == [
        (
            3,
            9,
            "'self.n = self.n + await self.fetch(value)' reads self.n before the await and writes it after, "
            "so an update another task makes in between is lost; "
            "use 'value_1 = await self.fetch(value)' then 'self.n = self.n + value_1'",
        )
    ]


def test_aio508_fix_output():
    source = "class C:\n    async def add(self, d, k):\n        d[k] += await self.fetch()  # tally\n"
    result = engine.fix_source(source.encode(), "t.py", Settings(select=("AIO508",)), unsafe=True)
    assert result.source.decode() == (
        "class C:\n    async def add(self, d, k):\n"
        "        value = await self.fetch()\n        d[k] += value  # tally\n"
    )
    safe_only = engine.fix_source(source.encode(), "t.py", Settings(select=("AIO508",)), unsafe=False)
    assert safe_only.source.decode() == source


# ----------------------------------------------------------------- the semantic questions
def test_enclosing_task_group():
    source = """
import asyncio
async def f(tg2):
    probe(0)
    async with asyncio.TaskGroup() as tg:
        probe(1)
        async with asyncio.timeout(1):
            probe(2)
        def inner():
            probe(3)
    group = asyncio.TaskGroup()
    async with group:
        probe(4)
    async with tg2:
        probe(5)
"""
    assert probe(source, lambda model, _: model.enclosing_task_group()) == [None, "tg", "tg", None, "group", None]


def test_shared_state():
    source = """
import collections
total = 0
async def f(self, d, k):
    global total
    local = 0
    fresh = {}
    made = collections.defaultdict(int)
    probe(self.n)
    probe(d[k])
    probe(total)
    probe(local)
    probe(fresh[k])
    probe(made[k].x)
    def inner():
        nonlocal local
        probe(local)
"""
    assert probe(source, lambda model, target: model.shared_state(target)) == [
        True, True, True, False, False, False, True
    ]


def test_holds_mutable_container():
    source = """
class C:
    items = []
    def __init__(self):
        self.ids: set[int] = set()
        self.count = 0
        self.names = ["a"]
        self.names = None
    async def f(self):
        probe(self.items)
        probe(self.ids)
        probe(self.count)
        probe(self.names)
        probe(self.unknown)
"""
    assert probe(source, lambda model, target: model.holds_mutable_container(target)) == [
        True, True, False, False, False
    ]


def test_fresh_name():
    source = """
value = 1
async def f(value_1):
    probe(value_2)
async def g():
    value_3 = 0
    probe(0)
"""
    names = probe(source, lambda model, _: model.fresh_name("value"))
    assert names == ["value_3", "value_1"]


def _screened(code: str, source: str) -> bool:
    """Does the pre-screen (text, then ast) let this rule look at the source?"""
    return get_rule(code) in engine.screened_rules(source, Settings())


def test_triggers_do_not_parse_files_without_the_shapes():
    quiet = "import asyncio\n\nasync def f(self):\n    self.n += 1\n    await asyncio.sleep(1)\n"
    for code in CODES:
        assert not _screened(code, quiet), code
    multi_line = "async def f(self):\n    self.n += max(\n        1,\n        await g(),\n    )\n"
    assert _screened("AIO508", multi_line)
    assert cst.parse_module(multi_line)


def test_aio506_trigger_covers_generator_arguments_on_later_lines():
    source = (
        "import asyncio\n\nasync def f(urls):\n"
        "    await asyncio.wait(\n        fetch(u)\n        for u in urls\n    )\n"
    )
    assert _screened("AIO506", source)
    tasks_only = "import asyncio\n\nasync def f(t):\n    await asyncio.wait(t)\n"
    assert not _screened("AIO506", tasks_only)
