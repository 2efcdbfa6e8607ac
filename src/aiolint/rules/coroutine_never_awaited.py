from __future__ import annotations

import re

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import dotted_name, known, library

_PACKAGES = tuple(sorted({q.split(".", 1)[0] for q in known.COROUTINE_FUNCTIONS}))


def _method_needs(truth: bool) -> tuple:
    """Coroutine methods of typed library objects, one need per package that can give the type:
    that package imported, one of its spellings of such a type (class, factory, annotation; or a
    type its methods, attributes, items or `with` give: `session.get(...)` gives a response whose
    `text()` is one) in the text, and a call of one of those types' coroutine methods. A type handed
    over by another project module is the project index's to add (`project.relevant_codes`)."""
    derives: dict = {}
    for table in (library.METHODS, library.ATTRIBUTES):
        for (owner, _), result in table.items():
            derives.setdefault(owner, set()).add(result)
    for table in (library.SUBSCRIPTS, library.ENTERED):
        for owner, result in table.items():
            derives.setdefault(owner, set()).add(result)

    def methods(name: str) -> set:
        seen, stack, found = {name}, [name], set()
        while stack:
            current = stack.pop()
            found |= library.COROUTINE_METHODS.get(current, set())
            for result in derives.get(current, ()):
                if result not in seen:
                    seen.add(result)
                    stack.append(result)
        return found

    spellings = [(s, c) for table in (library.CLASSES, library.FACTORIES) for s, c in table.items()]
    spellings += [(c, c) for c in library.COROUTINE_METHODS]
    by_package: dict = {}
    for spelling, canonical in spellings:
        found = methods(canonical)
        if found:
            roots, names = by_package.setdefault(spelling.split(".")[0], (set(), set()))
            roots.add(spelling.rsplit(".", 1)[-1])
            names |= found
    any_receiver = {m for m, c in library.ANY_RECEIVER_METHODS.items() if methods(c)}
    assert not any_receiver, "a method giving a coroutine type on any receiver: add a need for it"
    return tuple(
        Needs(Where.ANY, calls=frozenset(names), statement=not truth, truth=truth, imports=(package,),
              mentions=frozenset(roots))
        for package, (roots, names) in sorted(by_package.items())
    )


_FUNCTION_NAMES = known.last_names(known.COROUTINE_FUNCTIONS)


def _shown(call: cst.Call, callee: str) -> str:
    text = edits.code(call)
    return edits.one_line(text, 60) if len(text) <= 60 and "\n" not in text else f"{callee}(...)"


_TRUTH_MESSAGE = (
    "{callee}() used as a truth value is a coroutine object, always true, and its body never runs; "
    "use {replacement}"
)

# Context managers that expect the code inside to raise or warn.
_EXPECTING = re.compile(r"(?:^|\.)(?:assertRaises\w*|assertWarns\w*|raises|warns|check_warnings)$")


class CoroutineNeverAwaited(Rule):
    code = "AIO300"
    name = "coroutine-never-awaited"
    message = "{callee}() creates a coroutine that is never awaited, so its body never runs; use {replacement}"
    fix_availability = "safe"
    needs = (
        Needs(Where.ANY, calls=_FUNCTION_NAMES, statement=True, imports=_PACKAGES),
        Needs(Where.ANY, calls_local_coroutine=True),
        # Coroutine methods of typed objects (`writer.drain()`, `ctx.send()`): something in the
        # text must be able to give the receiver its type.
        *_method_needs(truth=False),
        # A coroutine used as a truth value (`if ready():`).
        Needs(Where.ANY, calls_local_coroutine=True, truth=True),
        Needs(Where.ANY, calls=_FUNCTION_NAMES, truth=True, imports=_PACKAGES),
        *_method_needs(truth=True),
    )
    # Cheap first cut (an async def, or a package of the table named); is_triggered does the rest.
    docs = RuleDocs(
        what=(
            "Checks for expression statements that call a known coroutine function (an `async def` "
            "of the same module, a method of the enclosing class reached as `self.m()`/`cls.m()`, "
            "or a library coroutine function such as `asyncio.sleep`) without awaiting it; coroutine "
            "methods of known objects (`writer.drain()`, `lock.acquire()`, `queue.put()`, `event.wait()` "
            "on asyncio objects, `ctx.send()` on an annotated discord.py context, aiogram and "
            "python-telegram-bot messages, a project class's `async def` methods); and such a call used "
            "as a truth value (`if f():`, `while f():`, `not f()`, an `and`/`or` operand), which is always "
            "true."
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

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        callee = self.model.coroutine_call(call)
        if callee is None or self._expects_an_error():
            return
        shown = _shown(call, callee)
        if self.model.in_async_context:
            fix = self.make_fix("Await the coroutine", [(call, edits.awaited(call, call, node))], safe=True)
            self.report(call, fix=fix, callee=callee, replacement=f"'await {shown}'")
        else:
            self.report(call, callee=callee, replacement=f"'await {shown}' from an async function")

    # ------------------------------------------------------------------ a coroutine as a truth value
    def visit_If(self, node: cst.If) -> None:
        self._truth_value(node.test, node)

    def visit_While(self, node: cst.While) -> None:
        self._truth_value(node.test, node)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self._truth_value(node.expression, node)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._truth_value(node.left, node)
        self._truth_value(node.right, node)

    def _truth_value(self, expr: cst.BaseExpression, parent: cst.CSTNode) -> None:
        """`if f():` / `not f()` / `f() or x`: a coroutine object is always true, and never runs."""
        if not isinstance(expr, cst.Call):
            return
        callee = self.model.coroutine_call(expr)
        if callee is None or self._expects_an_error():
            return
        shown = _shown(expr, callee)
        fix = None
        replacement = f"'await {shown}'"
        if self.model.in_async_context:
            fix = self.make_fix("Await the coroutine", [(expr, edits.awaited(expr, expr, parent))], safe=True)
        else:
            replacement += " from an async function"
        self.report(expr, fix=fix, template=_TRUTH_MESSAGE, callee=callee, replacement=replacement)

    def _expects_an_error(self) -> bool:
        """Inside `with self.assertRaises(...)`/`pytest.raises`/`assertWarns`/`check_warnings`: the
        call is there to fail or to warn ("coroutine ... was never awaited"), on purpose."""
        for node in reversed(self.model.ancestors):
            if isinstance(node, cst.With) and any(
                isinstance(item.item, cst.Call) and _EXPECTING.search(dotted_name(item.item.func) or "")
                for item in node.items
            ):
                return True
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
        return False
