"""AIO400 sequential-awaits: consecutive independent awaits that could run concurrently.

The run model and the gather fix are in `rules/_gather.py`; whether two awaited calls
are independent is decided by `semantics/independence.py`.
"""
from __future__ import annotations

from typing import List

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.rules import _gather
from aiolint.rules._gather import TEST_MODULES as _TEST_MODULES


class SequentialAwaits(Rule):
    code = "AIO400"
    name = "sequential-awaits"
    message = "{count} independent awaits in '{function}' run one after another ({calls}); use {replacement}"
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.AWAIT_RUN}), unless_imports=_TEST_MODULES),)
    docs = RuleDocs(
        what=(
            "Checks for two or more consecutive statements in one block that each await a call "
            "(`await f(...)`, `x = await f(...)`, `print(await f())`, `items.extend(await f())`, "
            "several awaits in one dict or call, a closing `return await f(...)`) when nothing ties "
            "the calls together (the analysis AIO400-AIO402 share): no call reads a name, attribute "
            "or container an earlier statement bound or changed; no two use one object that "
            "serialises its users (an open DB session, connection or cursor, a stream, websocket, "
            "page, file or lock) or an object of unknown kind; objects made for concurrent use (HTTP "
            "clients built on `aiohttp.ClientSession`/`httpx.AsyncClient` and objects built around "
            "one, connection pools, bot API clients) may be shared by reads; different attributes of "
            "`self` are different objects. A project callee (an `async def` of this module, a method "
            "of this class) is judged by its body: the attributes and SQL tables it writes and reads, "
            "its own awaits. Other callees by their name's verb, read without async markers "
            "(`async_stop` is a `stop`, `db_get_user` a `get`): lifecycle steps (`start`, `close`, "
            "`connect`, `login`, `setup`, ...), guards (`check`, `validate`), sleeps, lock/event/queue "
            "operations, handler dispatch (`call`, `emit`), and changes or messages known only by their "
            "name (`set...`, `update...`, `delete...`, `send...`, `reply`, `ban`, ...) keep their place; "
            "calls of project helpers that never suspend give nothing to overlap. The callable handed to a "
            "thread-pool runner is checked the same way, and file changes (`os.remove`, "
            "`shutil.rmtree`) keep their place. Not checked where the order is the point: test "
            "modules and `test*` functions, `except`/`finally` blocks, lifecycle functions "
            "(`async_setup_entry`, `__aexit__`, ...), transaction and lock bodies, and `try` bodies "
            "that catch `StopAsyncIteration`."
        ),
        why=(
            "Each `await` waits for its call to finish before the next one starts, so the run takes "
            "the sum of the calls' latencies. Independent I/O can overlap: `asyncio.gather` (or a "
            "`TaskGroup`) waits for all of them at once and takes only as long as the slowest."
        ),
        example=(
            "import asyncio\n\n"
            "async def fetch_user(uid): ...\n"
            "async def fetch_orders(uid): ...\n\n"
            "async def profile(uid):\n"
            "    user = await fetch_user(uid)\n"
            "    orders = await fetch_orders(uid)\n"
            "    return user, orders\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def fetch_user(uid): ...\n"
            "async def fetch_orders(uid): ...\n\n"
            "async def profile(uid):\n"
            "    user, orders = await asyncio.gather(fetch_user(uid), fetch_orders(uid))\n"
            "    return user, orders\n"
        ),
        fix_safety=(
            "Unsafe: the calls then run concurrently, and their side effects may interleave in "
            "any order. If one fails, `gather` raises its exception while the others keep running "
            "(a `TaskGroup` cancels them). The fix keeps every binding (`a, b = await "
            "asyncio.gather(f(), g())`, `_` for a bare await, annotations declared above), "
            "turns a closing `return await h()` into `return result`, and adds `import asyncio` "
            "when needed. There is no fix in trio/anyio modules (the message names a nursery or task "
            "group), for awaits inside larger expressions, or where a comment on a folded statement "
            "would be lost."
        ),
    )

    _test_module = None

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._check(node)

    def _check(self, block) -> None:
        if not self.model.in_async_context or not _gather.ordinary_context(self.model):
            return
        if self._test_module is None:
            self._test_module = _gather.is_test_module(self.model)
        if self._test_module:
            return
        for steps in _gather.sequences(block):
            for run in _gather.split_runs(steps, self._candidate, _gather.compatible):
                self._report(run)

    def _candidate(self, step: _gather.Step) -> bool:
        return _gather.candidate(self.model, step)

    def _report(self, run: List[_gather.Step]) -> None:
        calls = [s.value for s in run]
        shown = [_gather.shown_call(c) for c in calls]
        library = self.model.async_library
        if library != "asyncio":
            replacement, fix = _gather.task_group_spelling(library), None
        else:
            text, fix = _gather.plan_gather(self, run, calls, shown)
            replacement = f"'{text}'{_gather.structured_alternative(self)}"
            if not _gather.may_add_asyncio(self):
                fix = None
        self.report(
            run[0].small,
            fix=fix,
            count=len(run),
            function=self.model.function_name,
            calls=", ".join(shown),
            replacement=replacement,
        )
