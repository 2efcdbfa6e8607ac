"""Questions about blocks of statements: does this block suspend? does every path through it raise?

Pure functions of the tree (no names resolved), used through `SemanticModel`:
`suspends(node)` is the "does this body await?" of AIO500/AIO502/AIO504, and
`always_raises(block)` the "does every path through this handler re-raise?" of AIO500.
Nested def/lambda/class bodies are never looked into: their awaits run elsewhere.
"""
from __future__ import annotations

from typing import Callable, Iterator, Optional

import libcst as cst

from aiolint.traversal import child_fields, iter_nodes

ExitTest = Callable[[cst.CSTNode], bool]


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


def statements(block: cst.BaseSuite) -> list:
    """The statements of an indented block or of a one-line suite."""
    return list(block.body)


def always_raises(block: Optional[cst.BaseSuite], is_exit: Optional[ExitTest] = None) -> bool:
    """Does every path through `block` end in a `raise` (or in a statement `is_exit` accepts)?

    Conservative: loops, `match` and anything unknown count as "may fall through".
    """
    if block is None:
        return False
    for stmt in statements(block):
        if _raises(stmt, is_exit):
            return True
        if _escapes(stmt):
            return False  # a `return`/`break`/`continue` may leave before the raise
    return False


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
        return True
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
