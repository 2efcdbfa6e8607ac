from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics.syntax import field_holding, source_order

# parent class -> the fields that are evaluated whenever the parent is (in source order).
# Anything else (bodies of if/for/while/try, the right side of `and`, branches of `x if c else y`,
# comprehension bodies...) may be skipped, so an await in it is not certain to have happened.
_ALWAYS: Dict[type, Tuple[str, ...]] = {
    cst.SimpleStatementLine: ("body",),
    cst.Expr: ("value",),
    cst.Assign: ("value", "targets"),
    cst.AssignTarget: ("target",),
    cst.AnnAssign: ("value",),
    cst.AugAssign: ("value", "target"),
    cst.Return: ("value",),
    cst.Await: ("expression",),
    cst.Call: ("func", "args"),
    cst.Arg: ("value",),
    cst.Attribute: ("value",),
    cst.Subscript: ("value", "slice"),
    cst.SubscriptElement: ("slice",),
    cst.Index: ("value",),
    cst.BinaryOperation: ("left", "right"),
    cst.UnaryOperation: ("expression",),
    cst.BooleanOperation: ("left",),
    cst.IfExp: ("test",),
    cst.NamedExpr: ("value",),
    cst.Tuple: ("elements",),
    cst.List: ("elements",),
    cst.Set: ("elements",),
    cst.Element: ("value",),
    cst.StarredElement: ("value",),
    cst.Dict: ("elements",),
    cst.DictElement: ("key", "value"),
    cst.StarredDictElement: ("value",),
    cst.FormattedString: ("parts",),
    cst.FormattedStringExpression: ("expression",),
    cst.ConcatenatedString: ("left", "right"),
    cst.If: ("test",),
    cst.While: ("test",),
    cst.For: ("iter",),
    cst.With: ("items",),
    cst.WithItem: ("item",),
    cst.Match: ("subject",),
}
# Compound statements whose header runs before anything in the rest of the statement.
_HEADERS: Dict[type, str] = {
    cst.If: "test", cst.While: "test", cst.For: "iter", cst.With: "items", cst.Match: "subject",
}
_BLOCKS = (cst.Module, cst.IndentedBlock, cst.SimpleStatementLine)
# `await name` (not `await name.attr`, `await name(...)`, `await name[...]`).
_AWAIT_NAME = re.compile(r"await[\s(\\]+(\w+)\b(?![ \t]*[.(\[])")


def _always_reaches(path: Sequence[cst.CSTNode]) -> bool:
    """Is the last node of `path` evaluated whenever the first one is?"""
    for parent, child in zip(path, path[1:]):
        if field_holding(parent, child) not in _ALWAYS.get(type(parent), ()):
            return False
    return True


def _runs_before(first: Sequence[cst.CSTNode], second: Sequence[cst.CSTNode]) -> bool:
    """Paths from the module to two awaits: is the first certain to have run when the second runs?"""
    depth = 0
    while depth < min(len(first), len(second)) and first[depth] is second[depth]:
        depth += 1
    if depth == 0 or depth >= min(len(first), len(second)):
        return False
    common, one, two = first[depth - 1], first[depth], second[depth]
    if isinstance(common, _BLOCKS):
        body = list(common.body)
        if not (one in body and two in body and body.index(one) < body.index(two)):
            return False
    else:
        header = _HEADERS.get(type(common))
        if header is None or field_holding(common, one) != header or field_holding(common, two) == header:
            return False
    return _always_reaches(first[depth:])


class CoroutineAwaitedTwice(Rule):
    code = "AIO303"
    name = "coroutine-awaited-twice"
    needs = (Needs(shapes=frozenset({Shape.NAME_AWAITED_TWICE})),)
    message = (
        "'{name}' holds the coroutine from {callee}(), already awaited above (RuntimeError: cannot "
        "reuse already awaited coroutine); reuse the result of the first 'await {name}', or use "
        "'asyncio.create_task({callee}(...))' to await it more than once"
    )
    docs = RuleDocs(
        what=(
            "Checks for a name holding a coroutine (the result of calling a known coroutine "
            "function) that is awaited a second time, with no rebinding in between, where the "
            "first await is certain to have run."
        ),
        why=(
            "A coroutine object runs once. Awaiting it again raises `RuntimeError: cannot reuse "
            "already awaited coroutine`. Tasks and futures may be awaited many times and are never "
            "reported."
        ),
        example=(
            "import asyncio\n\n"
            "async def main():\n"
            "    pending = fetch()\n"
            "    first = await pending\n"
            "    second = await pending\n"
            "    return first, second\n\n\n"
            "async def fetch():\n"
            "    await asyncio.sleep(1)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def main():\n"
            "    pending = asyncio.create_task(fetch())\n"
            "    first = await pending\n"
            "    second = await pending\n"
            "    return first, second\n\n\n"
            "async def fetch():\n"
            "    await asyncio.sleep(1)\n"
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # function id -> awaits of names holding coroutines: (name, callee, await, path to it)
        self._awaits: Dict[int, List[Tuple[str, str, cst.Await, Tuple[cst.CSTNode, ...]]]] = {}
        self._bindings: Dict[int, cst.CSTNode] = {}

    def visit_Await(self, node: cst.Await) -> None:
        name = node.expression
        function = self.model.function
        if not isinstance(name, cst.Name) or function is None or not self.model.in_async_context:
            return
        # Bound exactly once, in this very function: nothing can rebind it between the awaits.
        assignment = self.model.assigned_here(name.value)
        if assignment is None:
            return
        value = assignment.value
        callee = self.model.coroutine_call(value) if isinstance(value, cst.Call) else None
        if callee is None:
            return
        self._bindings[id(node)] = assignment.statement
        path = (*self.model.ancestors, node)
        self._awaits.setdefault(id(function), []).append((name.value, callee, node, path))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        awaits = self._awaits.pop(id(node), None)
        if not awaits or len(awaits) < 2:
            return
        order: Optional[Dict[int, int]] = None
        for index, (name, callee, second, second_path) in enumerate(awaits):
            for first_name, _, first, first_path in awaits[:index]:
                if first_name != name or not _runs_before(first_path, second_path):
                    continue
                if order is None:
                    order = source_order(node.body)
                # The binding must come before the first await (in a loop it could sit between them).
                binding = self._bindings[id(first)]
                if order.get(id(binding), len(order)) < order[id(first)]:
                    self.report(second, name=name, callee=callee)
                    break
