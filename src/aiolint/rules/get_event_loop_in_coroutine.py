from __future__ import annotations

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs

_GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})


class GetEventLoopInCoroutine(Rule):
    code = "AIO305"
    name = "get-event-loop-in-coroutine"
    message = "asyncio.get_event_loop() in async function '{function}'; use '{replacement}'"
    fix_availability = "safe"
    needs = (Needs(calls=frozenset({"get_event_loop"}), imports=("asyncio",)),)
    docs = RuleDocs(
        what="Checks for `asyncio.get_event_loop()` calls in async functions.",
        why=(
            "In a coroutine there is always a running loop, and `asyncio.get_running_loop()` says so: "
            "it cannot create a new loop or depend on the event-loop policy. `get_event_loop()` is "
            "deprecated outside a running loop since Python 3.12 and its behaviour has changed "
            "across versions, so code written with it is harder to reason about and to move."
        ),
        example=(
            "import asyncio\n\n"
            "async def serve(handler):\n"
            "    loop = asyncio.get_event_loop()\n"
            "    return await loop.run_in_executor(None, handler)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def serve(handler):\n"
            "    loop = asyncio.get_running_loop()\n"
            "    return await loop.run_in_executor(None, handler)\n"
        ),
        fix_safety=(
            "Safe: inside a coroutine both functions return the running loop. The fix renames the "
            "call (`asyncio.get_running_loop()`), adding `import asyncio` if the function was imported "
            "by name."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.in_async_context or self.model.qualified_name(node.func) not in _GET_EVENT_LOOP:
            return
        func = node.func
        fix = new_func = None
        if isinstance(func, cst.Attribute) and self.model.qualified_name(func.value) in ("asyncio", "asyncio.events"):
            # Only the attribute changes: `aio.get_event_loop()` -> `aio.get_running_loop()`.
            new_func = func.with_changes(attr=cst.Name("get_running_loop"))
            fix = self.make_fix("Use get_running_loop()", [(func, new_func)], safe=True)
        else:
            reference = self.model.module_reference("asyncio")
            if reference is not None:
                name, needs_import = reference
                new_func = edits.expr(f"{name}.get_running_loop")
                fix = self.make_fix(
                    "Use asyncio.get_running_loop()",
                    [(func, new_func)],
                    safe=True,
                    imports=("asyncio",) if needs_import else (),
                )
        replacement = edits.snippet(node.with_changes(func=new_func)) if fix else "asyncio.get_running_loop()"
        self.report(node, fix=fix, function=self.model.function_name, replacement=replacement)
