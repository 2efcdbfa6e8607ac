from __future__ import annotations

from typing import List, Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import known

_DISPLAYS = (cst.List, cst.Set, cst.Tuple)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp)


class WaitWithCoroutines(Rule):
    code = "AIO506"
    name = "wait-with-coroutines"
    message = (
        "{callee}() given coroutine {coroutine}: a TypeError since Python 3.11 (deprecated before), "
        "it takes tasks; use '{replacement}'"
    )
    fix_availability = "safe"
    # The argument must be a display, a comprehension or a generator expression (`for` on the line,
    # or the call continues on the next line), or `fs=`.
    needs = (Needs(Where.ANY, calls=frozenset({"wait"}), arguments=frozenset({"[]"}), imports=("asyncio",)),)
    docs = RuleDocs(
        what=(
            "Checks for `asyncio.wait(...)` given coroutine objects: a literal list, set or tuple, or a "
            "comprehension, whose items are calls of known coroutine functions (an `async def` of the "
            "module, `self.m` of the class, a library coroutine function such as `asyncio.sleep`)."
        ),
        why=(
            "`asyncio.wait()` waits on futures and tasks. Given coroutines it wrapped them in tasks "
            "silently until Python 3.10 (deprecated since 3.8: the returned `done`/`pending` sets then hold "
            "tasks the caller never saw, so `coro in done` is always false); since Python 3.11 it raises "
            "`TypeError`."
        ),
        example=(
            "import asyncio\n\n"
            "async def main(urls):\n"
            "    done, pending = await asyncio.wait([fetch(url) for url in urls])\n\n\n"
            "async def fetch(url):\n"
            "    await asyncio.sleep(0)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def main(urls):\n"
            "    done, pending = await asyncio.wait([asyncio.create_task(fetch(url)) for url in urls])\n\n\n"
            "async def fetch(url):\n"
            "    await asyncio.sleep(0)\n"
        ),
        fix_safety=(
            "Safe: up to Python 3.10 `asyncio.wait()` wrapped each coroutine in a task itself, exactly as the "
            "fix does, and since 3.11 the call raised `TypeError`. The fix is offered only in async context "
            "(`asyncio.create_task()` needs a running loop) and for items that are calls of known "
            "coroutine functions."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        callee = self.model.qualified_name(node.func)
        if callee not in known.WAIT_FUNCTIONS:
            return
        argument = _awaitables(node)
        if argument is None:
            return
        if isinstance(argument.value, _DISPLAYS):
            items = [e.value for e in argument.value.elements if isinstance(e, cst.Element)]
        elif isinstance(argument.value, _COMPREHENSIONS):
            items = [argument.value.elt]
        else:
            return
        coroutines: List[cst.Call] = [i for i in items if isinstance(i, cst.Call) and self.model.coroutine_call(i)]
        if not coroutines:
            return
        # `create_task()` needs a running loop: outside async context (`run_until_complete(wait(...))`)
        # the message names `ensure_future()`, which takes the loop that is set, and there is no fix.
        wrapper = "asyncio.create_task" if self.model.in_async_context else "asyncio.ensure_future"
        reference = self.model.name_reference(wrapper)
        task = reference[0] if reference is not None else wrapper
        replacements = [(c, edits.call(task, [edits.arg(c)])) for c in coroutines]
        new_argument = _replaced(argument.value, dict((id(old), new) for old, new in replacements))
        fix = None
        if self.model.in_async_context and reference is not None:
            fix = self.make_fix(
                f"Wrap each coroutine in '{task}()'", replacements, safe=True, imports=reference[1]
            )
        self.report(
            node,
            fix=fix,
            callee=edits.snippet(node.func),
            coroutine=f"'{edits.snippet(coroutines[0], 40)}'",
            replacement=_shown(new_argument, replacements[0][1]),
        )


def _shown(argument: cst.CSTNode, first: cst.CSTNode) -> str:
    """The rewritten argument for the message, or its first wrapped item in a short display."""
    text = edits.code(argument)
    if "\n" not in text and len(text) <= 100:
        return text
    brackets = {cst.List: "[]", cst.Set: "{}", cst.Tuple: "()"}.get(type(argument), "[]")
    return f"{brackets[0]}{edits.snippet(first, 80)}, ...{brackets[1]}"


def _awaitables(call: cst.Call) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "fs":
            return arg
    return None


class _Replace(cst.CSTTransformer):
    def __init__(self, new_of):
        super().__init__()
        self.new_of = new_of

    def on_leave(self, original, updated):
        return self.new_of.get(id(original), updated)


def _replaced(node: cst.CSTNode, new_of) -> cst.CSTNode:
    """`node` with some of its descendants (by identity) replaced, for the message."""
    return node.visit(_Replace(new_of))
