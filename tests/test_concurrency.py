"""AIO400-AIO402 beyond the fixtures: fix properties, messages per setting, screens, the shared analysis."""
from __future__ import annotations

from typing import Dict, Set

import libcst as cst
import pytest

from aiolint.core import pipeline as engine
from aiolint.rules.deferred_sequential_awaits import DeferredSequentialAwaits
from aiolint.rules.sequential_awaits import SequentialAwaits
from aiolint.semantics import vocabulary
from aiolint.semantics.vocabulary import lifecycle_function
from aiolint.core.settings import Settings
from conftest import RULE_FIXTURES


def ordering_name(name):
    return vocabulary.meaning(name) not in (None, vocabulary.READ)


AIO4 = Settings(select=("AIO4",))
PAIR = "async def f(): ...\nasync def g(): ...\n\nasync def h():\n    a = await f()\n    b = await g()\n"


def _bound_names(module: cst.Module) -> Dict[str, Set[str]]:
    """Names bound by assignments, per function."""
    out: Dict[str, Set[str]] = {}

    class Collect(cst.CSTVisitor):
        def __init__(self):
            super().__init__()
            self.stack = []

        def visit_FunctionDef(self, node):
            self.stack.append(node.name.value)

        def leave_FunctionDef(self, node):
            self.stack.pop()

        def _add(self, target):
            if isinstance(target, cst.Name) and target.value != "_":
                out.setdefault(self.stack[-1] if self.stack else "", set()).add(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                for element in target.elements:
                    self._add(element.value)

        def visit_Assign(self, node):
            for target in node.targets:
                self._add(target.target)

        def visit_AnnAssign(self, node):
            self._add(node.target)

    module.visit(Collect())
    return out


@pytest.mark.parametrize("code", ["AIO400", "AIO401"])
def test_fix_keeps_every_binding_parses_and_is_idempotent(code):
    source = (RULE_FIXTURES / f"{code}.py").read_text(encoding="utf-8")
    settings = Settings(select=(code,))
    result = engine.fix_source(source, settings=settings, unsafe=True)
    assert result.fixed, "the fixture's positives should be fixable"
    before, after = _bound_names(cst.parse_module(source)), _bound_names(cst.parse_module(result.source))
    for function, names in before.items():
        assert names <= after.get(function, set()), f"{function} lost a binding"
    again = engine.fix_source(result.source, settings=settings, unsafe=True)
    assert again.source == result.source and not again.fixed


def test_taskgroup_is_mentioned_for_311_or_when_preferred():
    plain = engine.lint(PAIR, settings=AIO4)
    assert [f.code for f in plain] == ["AIO400"] and "TaskGroup" not in plain[0].message
    for settings in (
        Settings(select=("AIO4",), target_version=(3, 11)),
        Settings(select=("AIO4",), prefer_taskgroup=True),
    ):
        [finding] = engine.lint(PAIR, settings=settings)
        assert "asyncio.TaskGroup" in finding.message
        assert finding.message.endswith("block")


def test_trio_and_anyio_modules_get_their_spelling_and_no_fix():
    for library, spelling in (("trio", "trio.open_nursery()"), ("anyio", "anyio.create_task_group()")):
        [finding] = engine.lint(f"import {library}\n" + PAIR, settings=AIO4)
        assert spelling in finding.message and finding.fix is None
        assert "gather" not in finding.message


def test_no_fix_when_asyncio_is_shadowed():
    source = PAIR.replace("async def h():", "async def h(asyncio):")
    [finding] = engine.lint(source, settings=AIO4)
    assert finding.fix is None


@pytest.mark.parametrize(
    "head, test_module",
    [
        ("import pytest\n", True),
        ("import os, unittest.mock\n", True),
        ("try:\n    from hypothesis import given\nexcept ImportError:\n    given = None\n", True),
        ('"""Run it with:\nimport pytest; pytest.main()\n"""\n', False),  # a docstring only names it
        ("# from unittest import mock\n", False),
        ("import pytest_asyncio\n", False),
    ],
)
def test_test_modules_are_not_checked(head, test_module):
    # The screen (Python's `ast`) and the model (LibCST) answer "is it imported?" alike: the rules
    # run without the screen must agree with the screened lint.
    expected = [] if test_module else ["AIO400"]
    assert [f.code for f in engine.lint(head + PAIR, settings=AIO4)] == expected
    unscreened = engine.analyse(head + PAIR, AIO4, rules=[SequentialAwaits]).findings
    assert [f.code for f in unscreened] == expected


@pytest.mark.parametrize(
    "body",
    [
        # closing bracket dedented below the statement
        "    a = await f(\n        1,\n)\n    b = await g()\n",
        # a triple-quoted string whose lines start at column 0
        '    a = await f("""\nselect 1\n""")\n    b = await g()\n',
        # comments and blank lines between
        "    await f()\n\n    # then\n\n    await g()\n",
        # a trailing return
        "    a = await f(1)\n    return await g()\n",
        # annotated targets over several lines
        "    a: int = await f(\n        1)\n    b: str = await g()\n",
    ],
)
def test_trigger_sees_multiline_forms(body):
    source = "async def f(*a): ...\nasync def g(*a): ...\n\nasync def h():\n" + body
    unfiltered = engine.analyse(source, AIO4, rules=[SequentialAwaits]).findings
    assert [f.code for f in unfiltered] == ["AIO400"]
    assert SequentialAwaits.is_triggered(source, AIO4)


def test_deferred_trigger_and_rule_agree_on_one_line_awaits():
    source = "async def f(): ...\n\nasync def h():\n    x = f()\n    y = f()\n    a = await x; b = await y\n"
    assert DeferredSequentialAwaits.is_triggered(source, AIO4)
    assert [f.code for f in engine.lint(source, settings=AIO4)] == ["AIO401"]


def test_trigger_regex_stays_linear_on_long_runs_of_lines():
    import time

    source = "async def h():\n    await f()\n" + "        x = 1\n" * 20000 + "\n" * 20000
    started = time.perf_counter()
    SequentialAwaits.is_triggered(source, AIO4)
    assert time.perf_counter() - started < 2.0


def test_triggers_accept_crlf_line_endings():
    for rule, source in (
        (SequentialAwaits, PAIR.replace("    a = await f()\n", "    a = await f()\n\n    # c\n")),
        (
            DeferredSequentialAwaits,
            "async def f(): ...\n\nasync def h():\n    x = f()\n    y = f()\n    await x\n\n    await y\n",
        ),
    ):
        crlf = source.replace("\n", "\r\n")
        assert [f.code for f in engine.lint(crlf, settings=AIO4)] == [rule.code]
        assert rule.is_triggered(crlf, AIO4)


@pytest.mark.parametrize(
    "name",
    [
        "async_stop", "_async_update_token", "aclose", "asave", "adelete", "close_async", "flushAsync",
        "async_config_entry_first_refresh", "async_forward_entry_setups", "async_load", "_async_process_config",
        "async_srv_save_devices", "async_delete_scene", "async_write_config", "async_publish", "unlink",
        "__aenter__", "anyio_sleep_until",
    ],
)
def test_ordering_names_are_read_without_async_markers(name):
    assert ordering_name(name)


@pytest.mark.parametrize(
    "name",
    ["async_fetch_user", "async_task_1", "aget", "get_asset", "async_get_last_state", "fetch_orders", "render"],
)
def test_plain_reads_are_not_ordering_names(name):
    assert not ordering_name(name)


@pytest.mark.parametrize(
    ("name", "lifecycle"),
    [
        ("async_setup_entry", True), ("_async_finish_startup", True), ("async_setup_integration", True),
        ("async_unload_entry", True), ("setUp", True), ("lifespan", True), ("async_fetch_user", False),
        ("load_page", False), ("handle_request", False),
    ],
)
def test_lifecycle_functions_by_name(name, lifecycle):
    assert lifecycle_function(name) is lifecycle


def test_super_calls_are_shown_as_written():
    source = (
        "class A(B):\n"
        "    async def both(self, other):\n"
        "        mine = await super().fetch()\n"
        "        theirs = await other.fetch()\n"
        "        return mine, theirs\n"
    )
    [finding] = engine.lint(source, settings=AIO4)
    assert "super().fetch()" in finding.message and "<call>" not in finding.message


def test_runner_known_by_name_is_independent_unless_its_callable_is_ordered():
    template = (
        "import os\n\nasync def f(uid): ...\n\n"
        "async def h(hass, path):\n    await f(1)\n    await hass.async_add_executor_job({}, path)\n"
    )
    assert [x.code for x in engine.lint(template.format("os.path.getsize"), settings=AIO4)] == ["AIO400"]
    assert engine.lint(template.format("os.remove"), settings=AIO4) == []
    assert engine.lint(template.format("os.utime"), settings=AIO4) == []


LOOP = (
    "async def fetch_user(uid): ...\n\n"
    "async def h(uids):\n"
    "    users = []\n"
    "    for uid in uids:\n"
    "        users.append(await fetch_user(uid))\n"
    "    return users\n"
)


def test_loop_message_names_the_call_the_items_and_the_gather():
    [finding] = engine.lint(LOOP, settings=AIO4)
    assert finding.code == "AIO402" and (finding.line, finding.col) == (5, 5)
    assert finding.message == (
        "'fetch_user(uid)' is awaited once per item of 'uids' in 'h', one after another; "
        "use 'users = await asyncio.gather(*(fetch_user(uid) for uid in uids))' or a 'TaskGroup' "
        "(an 'asyncio.Semaphore' bounds a large input)"
    )
    fixed = engine.fix_source(LOOP, settings=AIO4, unsafe=True).source
    assert "    users = await asyncio.gather(*(fetch_user(uid) for uid in uids))\n    return users\n" in fixed
    assert fixed.startswith("import asyncio\n")


def test_loops_in_trio_and_anyio_modules_get_their_spelling_and_no_import():
    for library, spelling in (("trio", "trio.open_nursery()"), ("anyio", "anyio.create_task_group()")):
        source = f"import {library}\n" + LOOP
        [finding] = engine.lint(source, settings=AIO4)
        assert spelling in finding.message and finding.fix is None and "asyncio" not in finding.message
        assert engine.fix_source(source, settings=AIO4, unsafe=True).source == source


def test_anext_pairs_under_stop_async_iteration_are_not_paired():
    source = (
        "async def h(it):\n"
        "    try:\n"
        "        a = await anext(it)\n"
        "        b = await anext(it)\n"
        "    except StopAsyncIteration:\n"
        "        return None\n"
        "    return a, b\n"
    )
    assert engine.lint(source, settings=AIO4) == []


@pytest.mark.parametrize(
    ("receiver", "kind"),
    [
        ("aiohttp.ClientSession()", "concurrent"),
        ("Client(key, session=aiohttp.ClientSession())", "client"),
        ("asyncpg.connect(dsn)", "serial"),
        ("pool.acquire()", "serial"),
        ("Thing()", "unknown"),
    ],
)
def test_receiver_kind_from_what_built_the_object(receiver, kind):
    from aiolint.semantics.independence import receiver_kind
    from conftest import probe

    source = f"import aiohttp, asyncpg\n\nasync def h(key, dsn, pool):\n    x = {receiver}\n    probe(x)\n"
    assert probe(source, lambda model, expr: receiver_kind(model, expr).value) == [kind]
