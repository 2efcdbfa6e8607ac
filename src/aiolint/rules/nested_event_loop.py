from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import dotted_name

_RUN = frozenset({"asyncio.run", "asyncio.runners.run"})
_LOOP_METHODS = frozenset({"run_until_complete", "run_forever"})
# Expressions that can follow `await` without parentheses.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


class NestedEventLoop(Rule):
    code = "AIO304"
    name = "nested-event-loop"
    message = (
        "{callee}() in async function '{function}' starts an event loop inside the running one "
        "(RuntimeError: cannot be called from a running event loop); use {replacement}"
    )
    fix_availability = "unsafe"
    needs = (  # `run(` is everywhere; a plain one only matters where asyncio is imported
        Needs(calls=frozenset({"run"}), imports=("asyncio",)),
        Needs(calls=frozenset({"run_until_complete", "run_forever"})),
    )
    docs = RuleDocs(
        what=(
            "Checks for `asyncio.run()`, `loop.run_until_complete()` and `loop.run_forever()` "
            "called in async functions."
        ),
        why=(
            "A coroutine already runs inside an event loop, and asyncio does not nest loops: these "
            "calls raise `RuntimeError` (`asyncio.run() cannot be called from a running event "
            "loop`). The coroutine should be awaited instead."
        ),
        example=(
            "import asyncio\n\n"
            "async def handler():\n"
            "    return asyncio.run(fetch())\n\n\n"
            "async def fetch():\n"
            "    await asyncio.sleep(1)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def handler():\n"
            "    return await fetch()\n\n\n"
            "async def fetch():\n"
            "    await asyncio.sleep(1)\n"
        ),
        fix_safety=(
            "Unsafe: `asyncio.run(c)` becomes `await c`. That is what was meant, but it changes "
            "the semantics: the coroutine now runs in the caller's loop and context, and "
            "`asyncio.run` would also have cancelled leftover tasks and shut down async generators "
            "and the default executor. `run_until_complete`/`run_forever` are not fixed."
        ),
    )

    _patched: Optional[bool] = None  # nest_asyncio patches asyncio so that loops do nest

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.in_async_context:
            return
        if self._patched is None:  # asked once per file: the source can be megabytes
            self._patched = "nest_asyncio" in self.model.source
        if self._patched:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _LOOP_METHODS:
            method = func.attr.value
            if self.model.qualified_name(func) is not None or isinstance(self.model.parent, cst.Await):
                return  # a module function, or an async method of the same name: not a loop's
            if method == "run_forever" and not self.model.event_loop(func.value):
                return  # `run_forever` is a common name (websocket-client's WebSocketApp, servers...)
            replacement = (
                "'await' on the coroutine" if method == "run_until_complete" else "'await' on the work itself"
            )
            self.report(
                node, callee=dotted_name(func) or method, function=self.model.function_name, replacement=replacement
            )
            return
        if self.model.qualified_name(func) not in _RUN:
            return
        args = node.args
        fix = None
        replacement = "'await' on the coroutine"
        if len(args) == 1 and args[0].keyword is None and not args[0].star:
            inner = args[0].value
            replacement = f"'await {edits.snippet(inner)}'"
            parent = self.model.parent
            if (
                isinstance(inner, _ATOMS)
                and not isinstance(parent, cst.Await)
                and self.code_of(node).count("#") == self.code_of(inner).count("#")
            ):
                fix = self.make_fix(
                    "Await the coroutine instead of running a new loop",
                    [(node, edits.awaited(inner, node, parent))],
                    safe=False,
                )
        self.report(
            node, fix=fix, callee=dotted_name(func) or "asyncio.run", function=self.model.function_name,
            replacement=replacement,
        )
