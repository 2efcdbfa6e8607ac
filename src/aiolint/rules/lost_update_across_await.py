from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp)
# Nodes whose parts are evaluated conditionally or later: a suspension inside is not hoisted.
_CONDITIONAL = (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.GeneratorExp)
# Anything before the suspension that may have effects (or depend on order) blocks the fix.
_EFFECTS = (cst.Call, cst.Await, cst.Yield, cst.NamedExpr, cst.Lambda, cst.BaseComp)


class LostUpdateAcrossAwait(Rule):
    code = "AIO508"
    name = "lost-update-across-await"
    message = (
        "'{statement}' reads {target} before the await and writes it after, so an update another task "
        "makes in between is lost; use '{first}' then '{second}'"
    )
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.UPDATE_ACROSS_AWAIT})),)
    docs = RuleDocs(
        what=(
            "Checks for an augmented assignment (`self.total += await fetch()`), or an assignment that "
            "reads its own target (`obj.n = obj.n + await fetch()`), to shared state whose value awaits: "
            "an attribute or subscript of a parameter (`self`), a global or a closure variable, or a "
            "`global`/`nonlocal` name. Locals are never reported, nor attributes and subscripts of a local "
            "bound in the function (`row` of `for row in rows`, `counts = {}`), nor in-place updates of a "
            "list, set or dict (`self.seen |= ...` on a set)."
        ),
        why=(
            "Python reads the old value of the target before it evaluates the right-hand side. The "
            "`await` suspends the task in between; another task may update the same attribute or key "
            "meanwhile, and this task then writes back the sum computed from the stale value: the "
            "other update is lost. Awaiting first and updating afterwards makes the read-modify-write "
            "happen without a suspension, which on one event loop is atomic."
        ),
        example=(
            "class Counter:\n"
            "    async def add_from(self, source):\n"
            "        self.total += await source.fetch()\n"
        ),
        use_instead=(
            "class Counter:\n"
            "    async def add_from(self, source):\n"
            "        value = await source.fetch()\n"
            "        self.total += value\n"
        ),
        fix_safety=(
            "Unsafe: the target's old value is now read after the await, which is the point but changes "
            "what the statement computes when another task updates it meanwhile; an exception raised by "
            "the awaited call now leaves a new local bound. Offered when the statement is alone on its "
            "line, the target calls nothing, and nothing before the await in the value calls anything."
        ),
    )

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not self.model.in_async_context or not self.model.shared_state(node.target):
            return
        suspension = _first_suspension(node.value)
        if suspension is None:
            return
        if _builds_container(node.value) or self.model.holds_mutable_container(node.target):
            return  # `items += [...]`, `self.seen |= ...` on a set: updated in place, nothing is lost
        self._report(node, node.target, node.value, suspension)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not self.model.in_async_context:
            return
        target = node.targets[0].target
        if not self.model.shared_state(target):
            return
        suspension = _first_suspension(node.value)
        if suspension is None:
            return
        wanted = edits.code(target.with_changes(lpar=[], rpar=[]))
        for item in _before(node.value, suspension):
            if isinstance(item, type(target)) and edits.code(item.with_changes(lpar=[], rpar=[])) == wanted:
                self._report(node, target, node.value, suspension)
                return

    def _report(self, node, target, value, suspension) -> None:
        # Under `and`/`or`/`if-else` the await may not happen: await the whole condition first.
        suspension = _outermost_conditional(value, suspension) or suspension
        name = self.model.fresh_name("value")
        hoisted = cst.Assign(
            targets=[cst.AssignTarget(target=cst.Name(name))],
            value=suspension.with_changes(lpar=[], rpar=[]),
        )
        updated = node.with_changes(value=_replace(value, suspension, cst.Name(name)))
        fix = None
        line = self.model.parent
        if (
            isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and not _has(target, _EFFECTS)
            and not any(isinstance(item, _EFFECTS) for item in _before(value, suspension))
            and not _reads(suspension, target)
            and "#" not in self.code_of(node)
        ):
            first = line.with_changes(body=[hoisted], trailing_whitespace=cst.TrailingWhitespace())
            second = line.with_changes(body=[updated], leading_lines=[])
            fix = self.make_fix(
                f"Await into '{name}' first, then update", [(line, cst.FlattenSentinel([first, second]))], safe=False
            )
        self.report(
            node,
            fix=fix,
            statement=edits.snippet(node, 60),
            target=edits.snippet(target, 40),
            first=edits.snippet(hoisted, 60),
            second=edits.snippet(updated, 60),
        )


def _builds_container(value: cst.BaseExpression) -> bool:
    """A list/set/dict display or comprehension: then the target is a container too."""
    return isinstance(value, (cst.List, cst.Set, cst.Dict, *_COMPREHENSIONS))


def _children(node: cst.CSTNode) -> List[cst.CSTNode]:
    return list(node.children)


def _suspends(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Await):
        return True
    if isinstance(node, _COMPREHENSIONS):
        for_in = node.for_in
        while for_in is not None:
            if for_in.asynchronous is not None:
                return True
            for_in = for_in.inner_for_in
        return _has(node, (cst.Await,))
    return False


def _first_suspension(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The first await (or comprehension that awaits) in evaluation order, outermost first.

    Lambdas and generator expressions are not entered: their bodies run later, if at all.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if _suspends(node):
            return node
        if isinstance(node, (cst.Lambda, cst.GeneratorExp)):
            continue
        stack.extend(reversed(_children(node)))
    return None


def _before(value: cst.CSTNode, stop: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes evaluated before `stop`, in source order (not its ancestors' operators: all nodes)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node is stop:
            return
        if _contains(node, stop):
            stack.extend(reversed(_children(node)))
            continue
        yield node
        stack.extend(reversed(_children(node)))


def _contains(node: cst.CSTNode, inner: cst.CSTNode) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current is inner:
            return True
        stack.extend(current.children)
    return False


def _has(node: cst.CSTNode, types) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, types):
            return True
        stack.extend(current.children)
    return False


def _outermost_conditional(value: cst.CSTNode, inner: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The outermost `and`/`or`/`if-else` in `value` around `inner`, if any."""
    stack: List[Tuple[cst.CSTNode, Optional[cst.CSTNode]]] = [(value, None)]
    while stack:
        node, outer = stack.pop()
        if node is inner:
            return outer
        if outer is None and isinstance(node, _CONDITIONAL):
            outer = node
        stack.extend((child, outer) for child in node.children)
    return None


def _reads(node: cst.CSTNode, target: cst.BaseExpression) -> bool:
    wanted = edits.code(target.with_changes(lpar=[], rpar=[]))
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, type(target)) and edits.code(current.with_changes(lpar=[], rpar=[])) == wanted:
            return True
        stack.extend(current.children)
    return False


class _Swap(cst.CSTTransformer):
    def __init__(self, old: cst.CSTNode, new: cst.CSTNode):
        super().__init__()
        self.old, self.new = old, new

    def on_leave(self, original, updated):
        return self.new if original is self.old else updated


def _replace(value: cst.BaseExpression, old: cst.CSTNode, new: cst.CSTNode) -> cst.BaseExpression:
    return new if value is old else value.visit(_Swap(old, new))
