"""Small builders for fix replacements, so rules describe *what* to write, not LibCST plumbing."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import libcst as cst

_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    """Source text of a node (default formatting for nodes built by a fix)."""
    return _EMPTY.code_for_node(node)


def expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def call(func: Union[str, cst.BaseExpression], args: Sequence[cst.Arg]) -> cst.Call:
    return cst.Call(func=expr(func) if isinstance(func, str) else func, args=list(args))


def arg(value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value)


def _needs_parens(original: cst.CSTNode, parent: Optional[cst.CSTNode]) -> bool:
    """`await x` binds looser than `.attr`, `[i]` and `(...)` applied to it."""
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return parent.value is original
    if isinstance(parent, cst.Call):
        return parent.func is original
    return False


def awaited(
    new: cst.BaseExpression, original: cst.BaseExpression, parent: Optional[cst.CSTNode]
) -> cst.Await:
    """`await new`, to stand where `original` stood (keeps its parentheses, adds them if needed)."""
    lpar, rpar = list(original.lpar), list(original.rpar)
    if not lpar and _needs_parens(original, parent):
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=new.with_changes(lpar=[], rpar=[]), lpar=lpar, rpar=rpar)
