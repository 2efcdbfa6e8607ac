from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import primitives
from aiolint.semantics.syntax import calls_in, contains_any

# Conditions that never change: `while True:` / `while 1:` keep-alive loops.
_CONSTANT = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)


class BusyWaitLoop(Rule):
    code = "AIO501"
    name = "busy-wait-loop"
    message = (
        "while loop in '{function}' polls '{condition}' with {sleep}(); wait on {library}.Event, set "
        "where the condition changes: 'await event.wait()'"
    )
    # The sleep function is named in the call or in its import, aliased or not.
    needs = (Needs(shapes=frozenset({Shape.SLEEP_IN_WHILE})),)
    docs = RuleDocs(
        what=(
            "Checks for `while <condition>: await asyncio.sleep(...)` (or `trio.sleep`/`anyio.sleep`) "
            "whose body only sleeps (and perhaps `pass`/`continue`), with a condition that is not "
            "constant. `while True: await asyncio.sleep(n)` keep-alive loops are not reported, nor "
            "conditions that await or call anything but state readers (`len()`, `.is_set()`, "
            "`.done()`, `.empty()`, ...): those may poll outside state (a file, a process, a clock, "
            "a server) that no event could signal."
        ),
        why=(
            "Polling a flag wastes wake-ups and adds up to a whole sleep interval of latency; the "
            "code that changes the flag can signal the waiter instead, with an `asyncio.Event` (or "
            "a `Condition`), which wakes it exactly once, at once."
        ),
        example=(
            "import asyncio\n\n"
            "class Connection:\n"
            "    async def wait_ready(self):\n"
            "        while not self.ready:\n"
            "            await asyncio.sleep(0.1)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "class Connection:\n"
            "    def __init__(self):\n"
            "        self.ready = asyncio.Event()  # the code that made it ready calls self.ready.set()\n\n"
            "    async def wait_ready(self):\n"
            "        await self.ready.wait()\n"
        ),
    )

    def visit_While(self, node: cst.While) -> None:
        if not self.model.in_async_context or _constant(node.test) or not self._reads_state(node.test):
            return
        sleep = self._only_sleeps(node.body)
        if sleep is None:
            return
        self.report(
            node,
            function=self.model.function_name,
            condition=self.shown(node.test, 60),
            sleep=sleep,
            library=self.model.async_library,
        )

    def _reads_state(self, test: cst.BaseExpression) -> bool:
        """Does the condition only read in-process state (no await, only state-reading calls)?"""
        if contains_any(test, (cst.Await, cst.Lambda, cst.NamedExpr), into_scopes=False):
            return False
        for call in calls_in(test, into_scopes=False):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in primitives.STATE_READING_METHODS:
                continue
            if self.model.qualified_name(func) in primitives.STATE_READING_FUNCTIONS:
                continue
            return False
        return True

    def _only_sleeps(self, body: cst.BaseSuite) -> Optional[str]:
        """The sleep function, when every statement of `body` is `await <sleep>(...)`, `pass` or `continue`."""
        sleep = None
        for line in body.body:
            smalls = line.body if isinstance(line, cst.SimpleStatementLine) else [line]
            for small in smalls:
                if isinstance(small, (cst.Pass, cst.Continue)):
                    continue
                value = small.value if isinstance(small, cst.Expr) else None
                if not (isinstance(value, cst.Await) and isinstance(value.expression, cst.Call)):
                    return None
                func = value.expression.func
                if self.model.qualified_name(func) not in primitives.SLEEP_FUNCTIONS:
                    return None
                sleep = self.shown(func)
        return sleep


def _constant(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value in ("True", "False", "None")
    return isinstance(test, _CONSTANT)
