"""Small builders for fix replacements, so rules describe *what* to write, not LibCST plumbing."""
from __future__ import annotations

from typing import List, Optional, Sequence, Union

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


_OPEN, _CLOSE = "([{", ")]}"
_PAIR = {"(": ")", "[": "]", "{": "}"}


def one_line(text: str, limit: int = 72) -> str:
    """The one answer to "show this code in a message": one line, at most about `limit` characters.

    Line breaks (and the indentation after them) inside brackets go, as do comments and the
    trailing comma a black-style call keeps before its closing bracket; code too long is cut
    after the last whole token that fits, with `...` and the brackets still open closed
    (`asyncio.gather(fetch(a), fetch(b), ...)`), never in the middle of a name. Text that is
    not Python tokens (a message fragment) only has its whitespace runs folded.
    """
    tokens = _tokens(text)
    if tokens is None:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: max(flat.rfind(" ", 0, limit), 1)] + " ..."
    out: List[str] = []
    length = 0
    stack: List[str] = []
    for index, (string, space) in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if string == "," and following[0] in _CLOSE and following[1] == "\n":
            continue  # black's magic trailing comma before a line break
        gap = "" if not out else _gap(out[-1], string, space)
        piece = gap + string
        if "\n" in string or length + len(piece) > limit:
            closing = "".join(_PAIR[b] for b in reversed(stack))
            cut = "".join(out).rstrip()
            ellipsis = "..." if cut.endswith(tuple(_OPEN)) or not cut else " ..."
            return cut + ellipsis + closing
        out.append(piece)
        length += len(piece)
        if string in _PAIR:
            stack.append(string)
        elif string in _CLOSE and stack:
            stack.pop()
    return "".join(out)


def _gap(previous: str, string: str, space: str) -> str:
    if space != "\n":
        return space
    # A line break between two tokens: nothing just inside brackets or before `,`/`:`.
    if previous.endswith(tuple(_OPEN)) or string in _CLOSE or string in (",", ":", ")"):
        return ""
    return " "


def _tokens(text: str) -> "Optional[List[tuple]]":
    """(token text, the whitespace before it: "" / " " / "\n" for a line break) for each token,
    without comments; None if `text` is not a sequence of Python tokens."""
    import io
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    out = []
    end = (1, 0)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.ERRORTOKEN and not token.string.isspace():
                return None
            if token.type in skip or not token.string:
                continue
            if token.start[0] != end[0]:
                space = "\n"
            else:
                space = " " if token.start[1] > end[1] else ""
            out.append((token.string, space))
            end = token.end
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return out


def snippet(node: cst.CSTNode, limit: int = 72) -> str:
    """Source of a node for a message: one line, shortened at token boundaries (`one_line`)."""
    return one_line(code(node), limit)
