from __future__ import annotations

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs


class ExecutorFutureDropped(Rule):
    code = "AIO200"
    name = "executor-future-dropped"
    message = "{runner}() future is dropped: nothing waits for the work and its exception is lost; {replacement}"
    fix_availability = "unsafe"
    needs = (Needs(Where.ANY, calls=frozenset({"run_in_executor"}), statement=True),)
    docs = RuleDocs(
        what=(
            "Checks for `loop.run_in_executor(...)` calls used as a statement: the future it returns is "
            "neither awaited nor stored."
        ),
        why=(
            "The work is submitted, but nothing waits for it: the coroutine carries on before it is done, "
            "an exception raised in the worker is never seen (at best a 'Future exception was never "
            "retrieved' log line at garbage collection), and at shutdown the work may be cut off. "
            "Fire-and-forget is rarely what was meant; when it is, keep the future and add a done callback."
        ),
        example=(
            "import asyncio\n\n"
            "async def save(data):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    loop.run_in_executor(None, write_file, data)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def save(data):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, write_file, data)\n"
        ),
        fix_safety=(
            "Unsafe (catalog v2): in async context the fix adds `await`, so the coroutine waits for the "
            "work and sees its exception — which changes what an intentional fire-and-forget "
            "(`run_in_executor(None, print, msg)`) does: the caller now waits. There is no fix outside "
            "async context (there is nothing to await with)."
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "run_in_executor"
        ) or self.model.class_defines(call.func):  # a class's own run_in_executor is not the loop's
            return
        runner = edits.snippet(call.func)
        if self.model.in_async_context:
            new = edits.awaited(call, call, node)
            fix = self.make_fix(f"Await '{runner}(...)'", [(call, new)], safe=False)
            self.report(call, fix=fix, runner=runner, replacement=f"use 'await {edits.snippet(call)}'")
        else:
            self.report(
                call,
                runner=runner,
                replacement=f"keep it and await it or add a done callback: 'future = {edits.snippet(call)}'",
            )
