from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import known


class FutureResultOnLoop(Rule):
    code = "AIO507"
    name = "future-result-on-loop"
    message = (
        "'{expression}' waits for the future of {submit}() and blocks the event loop thread (a deadlock "
        "when the coroutine needs this same loop); use '{replacement}'"
    )
    fix_availability = "safe"
    needs = (Needs(calls=frozenset({"result"}), built=frozenset({"run_coroutine_threadsafe"})),)
    docs = RuleDocs(
        what=(
            "Checks for `.result()` in an async function on the future returned by "
            "`asyncio.run_coroutine_threadsafe(...)`, called on it directly or through a name bound "
            "to it."
        ),
        why=(
            "`run_coroutine_threadsafe()` is for sync code in another thread: it returns a "
            "`concurrent.futures.Future` whose `.result()` blocks the calling thread. Called from a "
            "coroutine it blocks the whole event loop until the coroutine finishes elsewhere; when that "
            "coroutine was scheduled on this same loop it can never run, and the program hangs. "
            "`asyncio.wrap_future()` turns the future into one this loop can await."
        ),
        example=(
            "import asyncio\n\n"
            "async def relay(coro, other_loop):\n"
            "    future = asyncio.run_coroutine_threadsafe(coro, other_loop)\n"
            "    return future.result()\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def relay(coro, other_loop):\n"
            "    future = asyncio.run_coroutine_threadsafe(coro, other_loop)\n"
            "    return await asyncio.wrap_future(future)\n"
        ),
        fix_safety=(
            "Safe: `await asyncio.wrap_future(future)` gives the same result or raises the same exception, "
            "without blocking the loop. Offered only for `.result()` without a timeout, used directly in "
            "the async function's body (not in a comprehension or lambda, where `await` would change "
            "what the expression is)."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "result"):
            return
        if not self.model.in_async_context:
            return  # sync code, a nested def or lambda (often run in a thread): blocking is the point
        submit = self._threadsafe_submit(func.value)
        if submit is None:
            return
        future = func.value
        wrap = self.model.name_reference("asyncio.wrap_future")
        wrapped = edits.call(wrap[0] if wrap is not None else "asyncio.wrap_future", [edits.arg(future)])
        new = edits.awaited(wrapped, node, self.model.parent)
        shown = new
        timeout = _timeout(node)
        if node.args and timeout is not None:
            wait_for = self.model.name_reference("asyncio.wait_for")
            name = wait_for[0] if wait_for is not None else "asyncio.wait_for"
            shown = edits.awaited(edits.call(name, [edits.arg(wrapped), edits.arg(timeout)]), node, None)
        fix = None
        if not node.args and wrap is not None and not self.model.in_comprehension:
            fix = self.make_fix(
                "Await the future with asyncio.wrap_future()", [(node, new)], safe=True, imports=wrap[1]
            )
        self.report(
            node,
            fix=fix,
            expression=edits.snippet(node, 60),
            submit=submit,
            replacement=edits.snippet(shown.with_changes(lpar=[], rpar=[]), 100),
        )

    def _threadsafe_submit(self, expr: cst.BaseExpression) -> Optional[str]:
        """The callee as written when `expr` is (a name bound to) `asyncio.run_coroutine_threadsafe(...)`."""
        if isinstance(expr, cst.Name):
            held = self.model.holds_call(expr)
            if held is not None and held[0] in known.THREADSAFE_SUBMIT_FUNCTIONS:
                return edits.snippet(held[1].func)
            return None
        if isinstance(expr, cst.Call) and self.model.qualified_name(expr.func) in known.THREADSAFE_SUBMIT_FUNCTIONS:
            return edits.snippet(expr.func)
        return None


def _timeout(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The timeout passed to `.result(...)` (its only argument), if that is all it is given."""
    if len(call.args) != 1 or call.args[0].star:
        return None
    arg = call.args[0]
    if arg.keyword is None or arg.keyword.value == "timeout":
        return arg.value
    return None
