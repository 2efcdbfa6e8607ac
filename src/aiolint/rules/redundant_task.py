from __future__ import annotations

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs

# Expressions that can follow `await` without parentheses.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


class RedundantTask(Rule):
    code = "AIO302"
    name = "redundant-task"
    message = "{callee}() is awaited on the spot, so the task runs nothing concurrently; use '{replacement}'"
    fix_availability = "unsafe"
    needs = (Needs(calls=frozenset({"create_task", "ensure_future"}), awaited=True),)
    # Literal-first patterns come first: `re` finds those fast, and most files stop there.
    docs = RuleDocs(
        what=(
            "Checks for `await asyncio.create_task(c)`, `await asyncio.ensure_future(c)` and "
            "`await loop.create_task(c)`: a task awaited as soon as it is created (without `name=` "
            "or `context=`)."
        ),
        why=(
            "A task is for running something concurrently. Awaiting it immediately waits for it "
            "exactly like `await c`, with the cost of a task, an extra trip through the event loop "
            "and a copy of the context."
        ),
        example=(
            "import asyncio\n\n"
            "async def main():\n"
            "    await asyncio.create_task(do_async(3))\n\n\n"
            "async def do_async(n):\n"
            "    await asyncio.sleep(n)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def main():\n"
            "    await do_async(3)\n\n\n"
            "async def do_async(n):\n"
            "    await asyncio.sleep(n)\n"
        ),
        fix_safety=(
            "Unsafe: the task runs the coroutine in a copy of the current `contextvars` context, so "
            "context variables it sets are not seen by the caller; `await c` runs it in the caller's "
            "context. Cancellation and tracebacks also differ slightly."
        ),
    )

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not isinstance(call, cst.Call):
            return
        callee = self.model.task_creation(call)
        if callee is None:
            return
        if any(a.star or (a.keyword is not None and a.keyword.value != "loop") for a in call.args):
            return  # name=, context=, eager_start=...: the task is there for a reason
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) != 1:
            return
        inner = positional[0].value
        fix = None
        if isinstance(inner, _ATOMS) and self.code_of(call).count("#") == self.code_of(inner).count("#"):
            fix = self.make_fix("Await the coroutine directly", [(call, inner)], safe=False)
        self.report(node, fix=fix, callee=callee, replacement=f"await {edits.snippet(inner)}")
