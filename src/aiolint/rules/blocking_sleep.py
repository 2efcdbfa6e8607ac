from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs


class BlockingSleep(BlockingCallRule):
    code = "AIO100"
    name = "blocking-sleep"
    fix_availability = "safe"
    needs = (Needs(calls=frozenset({"sleep"}), imports=("time",)),)
    docs = RuleDocs(
        what="Checks for `time.sleep()` calls in async functions.",
        why=(
            "`time.sleep()` stops the whole thread, and with it the event loop: no other task, "
            "timer or connection makes progress until it returns. `asyncio.sleep()` suspends only "
            "the current task."
        ),
        example=(
            "import time\n\n"
            "async def poll():\n"
            "    time.sleep(0.5)\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "\n"
            "async def poll():\n"
            "    await asyncio.sleep(0.5)\n"
        ),
        fix_safety=(
            "Safe: the fix replaces the call with `await asyncio.sleep(...)` with the same arguments "
            "and adds `import asyncio` if the module lacks it. In modules that use trio or anyio "
            "instead of asyncio, it writes `trio.sleep`/`anyio.sleep`."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        if self.model.qualified_name(call.func) != "time.sleep":
            return None
        library = self.model.async_library
        replacement = edits.call(f"{library}.sleep", call.args)
        return Blocking(
            callee="time.sleep",
            replacement=f"'await {edits.snippet(replacement)}'",
            fix=self._fix(call, library),
        )

    def _fix(self, call: cst.Call, library: str):
        parent = self.model.parent
        reference = self.model.module_reference(library)
        if reference is None or isinstance(parent, cst.Await) or not self.model.in_async_context:
            return None
        name, needs_import = reference
        # Only the callee changes, so the arguments keep their layout and comments.
        new = edits.awaited(call.with_changes(func=edits.expr(f"{name}.sleep")), call, parent)
        return self.make_fix(
            f"Replace with 'await {name}.sleep(...)'",
            [(call, new)],
            safe=True,
            imports=(library,) if needs_import else (),
        )
