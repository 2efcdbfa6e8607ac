from __future__ import annotations

import re

import libcst as cst

from aiolint import edits
from aiolint.rule import ASYNC_DEF, Rule, RuleDocs, imports
from aiolint.semantics import known

# The table's functions can only be called where their package is imported.
_LIBRARY_IMPORT = re.compile(
    imports(*sorted({q.split(".", 1)[0] for q in known.COROUTINE_FUNCTIONS})), re.MULTILINE
)

# Names a known coroutine function can be called by: same-module `async def`s, the last part of
# the library functions, and import aliases (`from asyncio import sleep as nap`).
_ASYNC_DEF_NAME = re.compile(r"\basync[ \t]+def[ \t]+(\w+)")
_ALIAS = re.compile(r"\bas[ \t]+(\w+)")
_LIBRARY_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in known.COROUTINE_FUNCTIONS) | {"partial"}
# The callee of a call that starts a statement: at the start of a line (after indentation or
# an opening parenthesis), or after `;` / the `:` of a one-line compound statement.
_STATEMENT_CALL = re.compile(r"(?:^|[;:])[ \t(]*(?:\w+[ \t]*\.[ \t]*)*(\w+)[ \t]*\(", re.MULTILINE)


def _shown(call: cst.Call, callee: str) -> str:
    text = edits.code(call)
    return text if len(text) <= 60 and "\n" not in text else f"{callee}(...)"


class CoroutineNeverAwaited(Rule):
    code = "AIO300"
    name = "coroutine-never-awaited"
    message = "{callee}() creates a coroutine that is never awaited, so its body never runs; use {replacement}"
    fix_availability = "safe"
    triggers = (rf"{ASYNC_DEF}|{_LIBRARY_IMPORT.pattern}",)
    docs = RuleDocs(
        what=(
            "Checks for expression statements that call a known coroutine function (an `async def` "
            "of the same module, a method of the enclosing class reached as `self.m()`/`cls.m()`, "
            "or a library coroutine function such as `asyncio.sleep`) without awaiting it."
        ),
        why=(
            "Calling a coroutine function only creates a coroutine object; nothing in its body runs "
            "until it is awaited. The call is silently dropped, and Python prints `RuntimeWarning: "
            "coroutine ... was never awaited` only when the object is garbage-collected."
        ),
        example=(
            "import asyncio\n\n"
            "async def nested():\n"
            "    await asyncio.sleep(1)\n\n\n"
            "async def main():\n"
            "    nested()\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def nested():\n"
            "    await asyncio.sleep(1)\n\n\n"
            "async def main():\n"
            "    await nested()\n"
        ),
        fix_safety=(
            "Safe in async functions: the fix adds `await`, which runs the body the call was "
            "written to run. Calls in sync code are reported without a fix (they need an async "
            "caller, or `asyncio.run()` at the top level)."
        ),
    )

    @classmethod
    def is_triggered(cls, text, settings) -> bool:
        if not super().is_triggered(text, settings):
            return False
        # Some statement must start with a call whose last name part could be a known coroutine
        # function: that is what makes most async files skip the parse.
        candidates = set(_ASYNC_DEF_NAME.findall(text))
        if _LIBRARY_IMPORT.search(text):
            candidates |= _LIBRARY_NAMES | set(_ALIAS.findall(text))
        elif candidates:
            candidates.add("partial")
        return any(name in candidates for name in _STATEMENT_CALL.findall(text))

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        callee = self.model.coroutine_call(call)
        if callee is None:
            return
        shown = _shown(call, callee)
        if self.model.in_async_context:
            fix = self.make_fix("Await the coroutine", [(call, edits.awaited(call, call, node))], safe=True)
            self.report(call, fix=fix, callee=callee, replacement=f"'await {shown}'")
        else:
            self.report(call, callee=callee, replacement=f"'await {shown}' from an async function")
