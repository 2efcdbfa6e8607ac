from __future__ import annotations

from typing import List, Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.findings import Fix
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs

# `run_in_executor(executor, func, *args)`: these two may be passed by keyword.
_OWN_PARAMETERS = frozenset({"executor", "func"})


class ExecutorKeywordArguments(Rule):
    code = "AIO202"
    name = "executor-keyword-arguments"
    message = (
        "keyword arguments to {runner}() raise TypeError: it passes only positional arguments to the callable, "
        "not {keywords}; use '{replacement}'"
    )
    fix_availability = "safe"
    needs = (Needs(Where.ANY, calls=frozenset({"run_in_executor"})),)
    docs = RuleDocs(
        what="Checks for keyword arguments passed through `loop.run_in_executor(executor, fn, ...)`.",
        why=(
            "`run_in_executor` forwards only positional arguments to `fn`; it has no `**kwargs`, so any "
            "other keyword argument raises `TypeError` when the line runs. Bind keywords with "
            "`functools.partial` (or use `asyncio.to_thread`, which forwards them)."
        ),
        example=(
            "import asyncio\n\n"
            "async def main():\n"
            "    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, do_sync, delay=3)\n"
        ),
        use_instead=(
            "import asyncio\n"
            "import functools\n\n"
            "async def main():\n"
            "    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, functools.partial(do_sync, delay=3))\n"
        ),
        fix_safety=(
            "Safe: the call raised `TypeError` before; the fix binds the callable's arguments with "
            "`functools.partial(fn, *args, **kwargs)`, reusing a `partial` or `functools` import when the "
            "module has one and adding `import functools` otherwise."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "run_in_executor"):
            return
        if self.model.class_defines(func):  # a class's own run_in_executor may take keywords
            return
        keywords = [
            a for a in node.args if a.star == "**" or (a.keyword is not None and a.keyword.value not in _OWN_PARAMETERS)
        ]
        if not keywords:
            return
        positional = [a for a in node.args if a.keyword is None and not a.star]
        fixed = self._fixed(node, positional, keywords)
        shown = [f"'{a.keyword.value}='" if a.keyword else f"'**{edits.snippet(a.value)}'" for a in keywords]
        self.report(
            node,
            fix=fixed[1] if fixed else None,
            runner=edits.snippet(func),
            keywords=", ".join(shown),
            replacement=self._shown(fixed[0]) if fixed else "functools.partial(fn, ..., **kwargs)",
        )

    @staticmethod
    def _shown(fixed: cst.Call) -> str:
        """The fixed call, or when that is long, the `partial(...)` it now passes: the part to write."""
        whole = edits.snippet(fixed, limit=100)
        if not whole.endswith("(...)"):
            return whole
        return edits.snippet(fixed.args[1].value, limit=200)

    def _fixed(self, node: cst.Call, positional: List[cst.Arg], keywords: List[cst.Arg]) -> Optional[tuple]:
        """(the fixed call, its Fix): `run_in_executor(executor, partial(fn, *args, **kwargs))`."""
        if len(positional) < 2 or len(positional) + len(keywords) != len(node.args):
            return None  # `*args`, or `func=`/`executor=` by keyword: the layout is not the usual one
        reference = self.model.name_reference("functools.partial")
        if reference is None:
            return None
        partial, imports = reference
        executor, fn, *rest = positional
        bound = cst.Call(func=edits.expr(partial), args=edits.one_line_args([fn, *rest, *keywords]))
        new = edits.with_args(node, [executor, cst.Arg(value=bound)])
        fix: Fix = self.make_fix(f"Bind the arguments with '{partial}(...)'", [(node, new)], safe=True, imports=imports)
        return new, fix
