"""Questions about blocks of statements: does this block suspend? does every path through it raise?

Pure functions of the tree (no names resolved), used through `SemanticModel`:
`suspends(node)` is the "does this body await?" of AIO500/AIO502/AIO504, and
`always_raises(block)` the "does every path through this handler re-raise?" of AIO500.
Nested def/lambda/class bodies are never looked into: their awaits run elsewhere.
"""
from __future__ import annotations

from typing import Callable, Iterator, Optional

import libcst as cst

from aiolint.core.walk import child_fields, iter_nodes

ExitTest = Callable[[cst.CSTNode], bool]
RaiseTest = Callable[[cst.Raise], bool]


def suspension_points(node: cst.CSTNode, *, yields: bool = False) -> Iterator[cst.CSTNode]:
    """The `await`s, `async for`s and `async with`s in `node` (and `yield`s, if asked), in source order."""
    for child in iter_nodes(node, into_scopes=False):
        cls = type(child)
        if cls is cst.Await:
            yield child
        elif cls is cst.For or cls is cst.With:
            if child.asynchronous is not None:
                yield child
        elif cls is cst.CompFor:
            if child.asynchronous is not None:
                yield child
        elif yields and cls is cst.Yield:
            yield child


def suspends(node: cst.CSTNode, *, yields: bool = False) -> bool:
    """Can running `node` suspend the task: an await, `async for`/`async with` (or a `yield`, if asked)?"""
    return next(suspension_points(node, yields=yields), None) is not None


def suspends_before(statements, ends: Callable[[cst.Call], bool]) -> bool:
    """Going through `statements` in source order (not into nested defs): is there an `await`,
    `async for` or `async with` before a call that `ends` accepts (`lock.release()`)?"""
    for statement in statements:
        for node in iter_nodes(statement, into_scopes=False):
            if isinstance(node, cst.Await) or (
                isinstance(node, (cst.For, cst.With)) and node.asynchronous is not None
            ):
                return True
            if isinstance(node, cst.Call) and ends(node):
                return False
    return False


def continue_guards(body: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """The tests of the `if` statements in a loop body (not in nested defs) whose block holds a
    `continue` anywhere: the conditions that decide whether the rest of an iteration runs."""
    for node in iter_nodes(body, into_scopes=False):
        if isinstance(node, cst.If) and any(isinstance(n, cst.Continue) for n in iter_nodes(node.body)):
            yield node.test


def statements(block: cst.BaseSuite) -> list:
    """The statements of an indented block or of a one-line suite."""
    return list(block.body)


def always_raises(block: Optional[cst.BaseSuite], is_exit: Optional[ExitTest] = None) -> bool:
    """Does every path through `block` end in a `raise` (or in a statement `is_exit` accepts)?

    `is_exit` sees every statement first; a `raise` it rejects as a statement still counts,
    unless it is wrapped with `raises_only(...)`. Conservative: loops, `match` and anything
    unknown count as "may fall through".
    """
    if block is None:
        return False
    return sequence_raises(statements(block), is_exit)


def raises_only(counts: RaiseTest, is_exit: Optional[ExitTest] = None) -> ExitTest:
    """An exit test under which only the `raise` statements `counts` accepts end a path."""

    def test(stmt: cst.CSTNode) -> bool:
        if isinstance(stmt, cst.Raise):
            return counts(stmt)
        return is_exit(stmt) if is_exit is not None else False

    test.raises_only = True  # type: ignore[attr-defined]
    return test


def sequence_raises(body, is_exit: Optional[ExitTest] = None) -> bool:
    """`always_raises` for a list of statements (the rest of a block, say)."""
    for stmt in body:
        if _raises(stmt, is_exit):
            return True
        if _escapes(stmt):
            return False  # a `return`/`break`/`continue` may leave before the raise
    return False


def escapes(stmt: cst.CSTNode) -> bool:
    """Can `stmt` leave its block other than by raising or falling through (`return`, `break`, `continue`)?"""
    return _escapes(stmt)


def _escapes(node: cst.CSTNode, in_loop: bool = False) -> bool:
    """Can `node` leave its block by `return`, or by a `break`/`continue` of a loop around it?"""
    stack = [(node, in_loop)]
    while stack:
        current, looping = stack.pop()
        cls = type(current)
        if cls is cst.Return:
            return True
        if cls is cst.Break or cls is cst.Continue:
            if not looping:
                return True
            continue
        if cls in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        inner = looping or cls is cst.For or cls is cst.While
        for name in child_fields(cls):
            value = getattr(current, name, None)
            for child in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(child, cst.CSTNode):
                    # A loop's `else` runs after it: a break there leaves the loop around it.
                    stack.append((child, looping if (cls in (cst.For, cst.While) and name == "orelse") else inner))
    return False


def _raises(stmt: cst.CSTNode, is_exit: Optional[ExitTest]) -> bool:
    if is_exit is not None and is_exit(stmt):
        return True
    if isinstance(stmt, cst.Raise):
        return not getattr(is_exit, "raises_only", False)
    if isinstance(stmt, cst.SimpleStatementLine):
        return any(_raises(small, is_exit) for small in stmt.body)
    if isinstance(stmt, cst.If):
        if not always_raises(stmt.body, is_exit):
            return False
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            return _raises(orelse, is_exit)
        return orelse is not None and always_raises(orelse.body, is_exit)
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        if stmt.finalbody is not None and always_raises(stmt.finalbody.body, is_exit):
            return True
        normal = always_raises(stmt.body, is_exit) or (
            stmt.orelse is not None and always_raises(stmt.orelse.body, is_exit)
        )
        return normal and all(always_raises(h.body, is_exit) for h in stmt.handlers)
    if isinstance(stmt, cst.With):
        return always_raises(stmt.body, is_exit)
    return False


# Callees that only report an exception (logging, printing): handing it to them is not passing it on.
_REPORTERS = frozenset({"print", "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"})


def hands_on(block: cst.BaseSuite, name: str) -> bool:
    """Does `block` pass the exception bound to `name` on to a new owner?

    That is: assigns it (`self._exc = e`, `errors[i] = e`, `error = e`), puts it in a container
    literal, or gives it to a call that is not a logger or `print` (`fut.set_exception(e)`,
    `errors.append(e)`). The new owner is then responsible for raising it.
    """
    for node in iter_nodes(block, into_scopes=False):
        if isinstance(node, (cst.Assign, cst.AnnAssign)) and _is_name(node.value, name):
            return True
        if isinstance(node, (cst.Element, cst.DictElement)) and _is_name(node.value, name):
            return True
        if isinstance(node, cst.Call) and any(_is_name(arg.value, name) for arg in node.args):
            func = node.func
            callee = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if callee not in _REPORTERS:
                return True
    return False


def _is_name(expr: Optional[cst.BaseExpression], name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def reference_text(expr: cst.BaseExpression) -> Optional[str]:
    """`a.b[c].d` for a chain of names, attributes and simple subscripts (what `x.cancel()` names), else None."""
    parts = []
    while True:
        if isinstance(expr, cst.Name):
            parts.append(expr.value)
            return "".join(reversed(parts))
        if isinstance(expr, cst.Attribute):
            parts.append("." + expr.attr.value)
            expr = expr.value
        elif isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            inner = reference_text(index.value) if isinstance(index, cst.Index) else None
            literal = index.value if isinstance(index, cst.Index) else None
            if inner is None and isinstance(literal, (cst.SimpleString, cst.Integer)):
                inner = literal.value
            if inner is None:
                return None
            parts.append(f"[{inner}]")
            expr = expr.value
        else:
            return None
