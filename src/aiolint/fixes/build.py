"""Small builders for fix replacements, so rules describe *what* to write, not LibCST plumbing."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import libcst as cst
from libcst import MaybeSentinel

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


# ----------------------------------------------------------------- argument lists
def with_args(call: cst.Call, args: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `args` instead of its arguments, each keeping its own formatting.

    Arguments taken from elsewhere may change position, so the new last argument
    gets the original last one's trailing comma and whitespace (they may hold the
    line break before `)`); the others lose line breaks that no comment needs, and
    get `, ` from LibCST when they have no comma.
    """
    args = list(args)
    for index, item in enumerate(args[:-1]):
        if _bare_break(item.whitespace_after_arg):
            args[index] = item.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    if args:
        last = call.args[-1] if call.args else cst.Arg(value=cst.Name("_"))
        args[-1] = args[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=args)


def one_line_args(args: Sequence[cst.Arg]) -> list:
    """`args` with line breaks no comment needs turned into `, `, for a call built inline.

    The last one loses its comma: when it was a call's last argument, `with_args` gives that
    comma (and any comment on it) to the outer call.
    """
    out = []
    for index, item in enumerate(args):
        comma = item.comma
        if (isinstance(comma, cst.Comma) and _bare_break(comma.whitespace_after)) or index == len(args) - 1:
            comma = MaybeSentinel.DEFAULT
        changes = {"comma": comma}
        if _bare_break(item.whitespace_after_arg):
            changes["whitespace_after_arg"] = cst.SimpleWhitespace("")
        out.append(item.with_changes(**changes))
    return out


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return False
    lines = [whitespace.first_line, *whitespace.empty_lines]
    return any(getattr(line, "comment", None) is not None for line in lines)


def _bare_break(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    """A line break (with indentation) and nothing else."""
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and not _has_comment(whitespace)


def snippet(node: cst.CSTNode, limit: int = 72) -> str:
    """Source of a node for a message: whole when short and on one line, else `f(...)` for a call."""
    text = code(node)
    if "\n" in text or len(text) > limit:
        if isinstance(node, cst.Call):
            return code(node.func.with_changes(lpar=[], rpar=[])).split("\n")[0][:limit] + "(...)"
        return text.split("\n")[0][:limit] + " ..."
    return text
