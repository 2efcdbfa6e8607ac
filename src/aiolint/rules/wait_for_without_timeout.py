from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs

_WAIT_FOR = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})
# Expressions that can follow `await` without parentheses.
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


def _timeout_none(call: cst.Call) -> Optional[cst.Arg]:
    """The awaitable argument, when the timeout is literally None."""
    aw = timeout = None
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None
    if positional:
        aw = positional[0]
    if len(positional) > 1:
        timeout = positional[1]
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == "timeout":
                timeout = arg
            elif arg.keyword.value in ("fut", "aw"):
                aw = arg
    if aw is None or timeout is None:
        return None
    value = timeout.value
    return aw if isinstance(value, cst.Name) and value.value == "None" else None


class WaitForWithoutTimeout(Rule):
    code = "AIO306"
    name = "wait-for-without-timeout"
    message = "asyncio.wait_for() with timeout=None never times out; use '{replacement}'"
    fix_availability = "safe"
    needs = (Needs(Where.ANY, calls=frozenset({"wait_for"}), imports=("asyncio",)),)
    docs = RuleDocs(
        what="Checks for `asyncio.wait_for(aw, None)` and `asyncio.wait_for(aw, timeout=None)`.",
        why=(
            "A `None` timeout means no timeout at all, so the call only awaits `aw` with extra "
            "machinery (in older Pythons, an extra task). Either the timeout was meant to be set, "
            "or the wrapper only hides a plain `await`."
        ),
        example=(
            "import asyncio\n\n"
            "async def fetch(reader):\n"
            "    return await asyncio.wait_for(reader.read(), timeout=None)\n"
        ),
        use_instead=(
            "async def fetch(reader):\n"
            "    return await reader.read()\n"
        ),
        fix_safety=(
            "Safe: with a `None` timeout `wait_for` just awaits its argument, so `await "
            "asyncio.wait_for(aw, None)` becomes `await aw`. Only calls that are awaited on the "
            "spot are fixed."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if self.model.qualified_name(node.func) not in _WAIT_FOR:
            return
        aw = _timeout_none(node)
        if aw is None:
            return
        parent = self.model.parent
        fix = None
        if (
            isinstance(parent, cst.Await)
            and isinstance(aw.value, _ATOMS)
            and self.code_of(node).count("#") == self.code_of(aw.value).count("#")
        ):
            # Keep the awaitable's own formatting; `await` stays where it was. (Not when a
            # comment sits among the other arguments: it would be lost.)
            fix = self.make_fix("Await the argument directly", [(node, aw.value)], safe=True)
        self.report(node, fix=fix, replacement=f"await {edits.snippet(aw.value)}")
