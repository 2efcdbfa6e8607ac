"""AIO402 await-in-loop: a per-item await in a loop or comprehension whose iterations are independent.

Which iterations are independent is `rules/_gather.loop_awaits` (on the analysis of
`semantics/independence.py`); the collect-shape fixes are `_gather.plan_loop_gather`.
"""
from __future__ import annotations

from typing import Union

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.fixes import build as edits
from aiolint.rules import _gather
from aiolint.rules._gather import TEST_MODULES as _TEST_MODULES


Loop = Union[cst.For, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]


class AwaitInLoop(Rule):
    code = "AIO402"
    name = "await-in-loop"
    message = "'{call}' is awaited once per item of '{items}' in '{function}', one after another; use {replacement}"
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.AWAIT_IN_LOOP}), unless_imports=_TEST_MODULES),)
    docs = RuleDocs(
        what=(
            "Checks for a `for` loop (or a list/set/dict comprehension or generator expression) in "
            "async context that awaits a call once per item when the iterations are independent: "
            "the awaited calls use the item; no iteration reads what an earlier one bound or changed "
            "(appending or storing each result by its item is fine); no `break`, `return` or `yield`, "
            "and no `continue` decided by an awaited result; every object shared by the iterations "
            "is made for concurrent use (an HTTP client, a pool, a bot API client), not an open "
            "connection, cursor, stream, page or websocket; no sleep, lock or lifecycle step; and "
            "a change or message goes to the item's own object (`ws.send_str(...)` for each `ws`), "
            "never to one shared destination (`ctx.send(page)` for each page). The analysis is the "
            "one AIO400 uses. `async for` loops are not checked: their items arrive one by one."
        ),
        why=(
            "Each iteration waits for its call to finish before the next one starts, so the loop "
            "takes the sum of the latencies. `asyncio.gather` (or a `TaskGroup`) runs the calls "
            "at once; an `asyncio.Semaphore` bounds how many run together when the input is large."
        ),
        example=(
            "import aiohttp\n\n"
            "async def fetch(session, url): ...\n\n"
            "async def fetch_all(urls):\n"
            "    async with aiohttp.ClientSession() as session:\n"
            "        pages = []\n"
            "        for url in urls:\n"
            "            pages.append(await fetch(session, url))\n"
            "    return pages\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "import aiohttp\n\n"
            "async def fetch(session, url): ...\n\n"
            "async def fetch_all(urls):\n"
            "    async with aiohttp.ClientSession() as session:\n"
            "        pages = await asyncio.gather(*(fetch(session, url) for url in urls))\n"
            "    return pages\n"
        ),
        fix_safety=(
            "Unsafe: the calls then run concurrently (all at once: a large input may need a "
            "Semaphore), and if one fails the others keep running. Only the collect shapes are "
            "fixed: `results = []` then `for x in xs: results.append(await f(x))` becomes "
            "`results = await asyncio.gather(*(f(x) for x in xs))` (`results.extend(...)` when the "
            "list was not just made empty), and `[await f(x) for x in xs]` becomes `await "
            "asyncio.gather(*(f(x) for x in xs))`. In trio/anyio modules the message names a "
            "nursery or task group and there is no fix."
        ),
    )
    _test_module = None

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is None and node.orelse is None:
            self._check(node)

    def visit_ListComp(self, node) -> None:
        self._check(node)

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def _check(self, node: Loop) -> None:
        model = self.model
        if not model.in_async_context or not _gather.ordinary_context(model, by_verb=False):
            return
        if self._test_module is None:
            self._test_module = _gather.is_test_module(model)
        if self._test_module:
            return
        calls = _gather.loop_awaits(model, node)
        if calls is None:
            return
        items = node.iter if isinstance(node, cst.For) else node.for_in.iter
        library = model.async_library
        fix = None
        if library == "asyncio":
            text, fix = _gather.plan_loop_gather(self, node, calls)
            if not _gather.may_add_asyncio(self):
                fix = None
            large = " (an 'asyncio.Semaphore' bounds a large input)"
            group = " or a 'TaskGroup'" if _gather.has_task_group(self) else ""
            replacement = f"'{text}'{group}{large}"
        elif library == "trio":
            replacement = (
                "'async with trio.open_nursery() as nursery:' and 'nursery.start_soon(...)' per item "
                "(a 'trio.CapacityLimiter' bounds a large input)"
            )
        else:
            replacement = (
                "'async with anyio.create_task_group() as tg:' and 'tg.start_soon(...)' per item "
                "(an 'anyio.CapacityLimiter' bounds a large input)"
            )
        self.report(
            node,
            fix=fix,
            call=_gather.shown_call(calls[0]),
            items=edits.snippet(items, limit=40),
            function=model.function_name,
            replacement=replacement,
        )
