"""Big modules in pieces: peak memory bounded by a piece, not by the file.

A LibCST tree costs about 12 KB per source line (a 56,000-line module: ~700 MB, and more while
the native parser works). Rules look at one function at a time; what they need from the rest of
the module is its imports, its module-level assignments, and which top-level functions are
`async def` (with their decorators). So a module above BIG_MODULE_LINES is cut at top-level
statement boundaries into pieces of about PIECE_LINES lines; each piece is analysed as a module
of its own, preceded by a *context*: the module's other top-level import and assignment
statements verbatim (short ones), and every other top-level `def`/`class` as a stub (its
decorators and header, then `...`, or `yield` when its body yields) — a function the piece names
(directly or through such helpers) is copied whole, up to HELPER_LINES, because rules read helper
bodies (AIO107 a sync helper's blocking calls, AIO400-AIO402 what an async helper reads, writes and
awaits), and so is a class it names (a subclass's methods come from its base). Findings in
the context are dropped; the others are moved back to their lines.

What this can lose, and only in such big modules: facts a rule gathers from bodies that are not
copied (a helper over HELPER_LINES, methods of a class defined in another piece).
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

BIG_MODULE_LINES = 10_000
PIECE_LINES = 2_500
# A top-level simple statement or small compound statement longer than this is not copied
# into the context (a big data literal would cost what we are saving).
CONTEXT_STATEMENT_LINES = 20
# A function or class another piece names is copied whole up to this size (rules read helper
# bodies; a subclass needs its base's methods).
HELPER_LINES = 200

_WORD = re.compile(r"[^\W\d]\w*")
_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})


@dataclass
class Statement:
    start: int  # 0-based line index of the first line (decorators included)
    end: int  # exclusive
    kind: str  # "import", "def", "class", "simple", "compound"
    header_end: Optional[Tuple[int, int]] = None  # def/class: (row, col) just after the header's ':' (0-based row)
    yields: bool = False  # def: a `yield` token in its body
    name: str = ""  # def/class: the name it binds
    is_async: bool = False  # def: `async def`


def top_level_statements(text: str) -> Optional[List[Statement]]:
    """The module's top-level statements by line range, from the tokenizer (streaming: no tree).
    None if the text does not tokenize (the whole-module path reports the error)."""
    statements: List[Statement] = []
    current: Optional[Statement] = None
    depth = 0  # INDENT level
    brackets = 0
    at_start = True  # the next significant token starts a logical line
    pending_decorators: Optional[int] = None
    header_open = False  # in a def/class header, before its ':'
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string, row, (end_row, end_col) = token.type, token.string, token.start[0], token.end
            if kind in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING):
                continue
            if kind == tokenize.INDENT:
                depth += 1
                continue
            if kind == tokenize.DEDENT:
                depth -= 1
                continue
            if kind == tokenize.ENDMARKER:
                break
            if kind == tokenize.NEWLINE:
                at_start = True
                if current is not None and pending_decorators is None:
                    current.end = max(current.end, end_row)  # 1-based row == exclusive 0-based end
                continue
            if at_start and depth == 0 and brackets == 0:
                at_start = False
                if string in _CONTINUATIONS and current is not None:
                    pass  # `else:` and friends continue the compound statement
                elif string == "@":
                    if pending_decorators is None:
                        pending_decorators = row - 1
                else:
                    first = pending_decorators if pending_decorators is not None else row - 1
                    pending_decorators = None
                    if current is not None:
                        statements.append(current)
                    current = Statement(first, row, _kind(string), is_async=string == "async")
                    header_open = current.kind in ("def", "class")
            elif at_start:
                at_start = False
            if string in "([{" and kind == tokenize.OP:
                brackets += 1
            elif string in ")]}" and kind == tokenize.OP:
                brackets -= 1
            elif header_open and kind == tokenize.OP and string == ":" and brackets == 0 and current is not None:
                current.header_end = (end_row - 1, end_col)
                header_open = False
            elif current is not None and current.kind == "def" and kind == tokenize.NAME and string == "yield":
                current.yields = True
            elif (
                header_open and current is not None and not current.name and kind == tokenize.NAME
                and string not in ("async", "def", "class")
            ):
                current.name = string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    if current is not None:
        statements.append(current)
    return statements


def _kind(first: str) -> str:
    if first in ("import", "from"):
        return "import"
    if first in ("def", "async"):
        return "def"
    if first == "class":
        return "class"
    if first in ("if", "try", "with", "for", "while", "match"):
        return "compound"
    return "simple"


@dataclass
class Piece:
    text: str  # context, then the piece's own lines
    context_lines: int  # how many lines at the top are context
    first_line: int  # 1-based line in the file of the piece's first own line


def pieces(text: str) -> Optional[Iterator[Piece]]:
    """The module as pieces with context, or None when it should be analysed whole."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= BIG_MODULE_LINES:
        return None
    statements = top_level_statements(text)
    if not statements:
        return None
    groups: List[List[Statement]] = [[]]
    for statement in statements:
        group = groups[-1]
        if group and statement.start - group[0].start >= PIECE_LINES:
            groups.append([statement])
        else:
            group.append(statement)
    if len(groups) < 2:
        return None
    context_of = [_context(statement, lines) for statement in statements]
    whole_helpers = {
        i
        for i, statement in enumerate(statements)
        if statement.kind in ("class", "def") and statement.end - statement.start <= HELPER_LINES
    }
    for i in whole_helpers:
        context_of[i] = "".join(lines[statements[i].start:statements[i].end])
        if not context_of[i].endswith("\n"):
            context_of[i] += "\n"
    index_of = {id(s): i for i, s in enumerate(statements)}

    def generate() -> Iterator[Piece]:
        start = 0
        for number, group in enumerate(groups):
            own = {index_of[id(s)] for s in group}
            # the piece runs from the end of the previous piece (comments and blank lines
            # between statements included) to the start of the next one
            end = groups[number + 1][0].start if number < len(groups) - 1 else len(lines)
            body = "".join(lines[start:end])
            # a def/class of another piece matters only if this piece names it (or a helper
            # copied whole names it: rules follow chains of helpers)
            named = set(_WORD.findall(body))
            chosen = set()
            grown = True
            while grown:
                grown = False
                for i, statement in enumerate(statements):
                    if i in own or i in chosen or not context_of[i]:
                        continue
                    if not statement.name or statement.name in named:
                        chosen.add(i)
                        if statement.name and i in whole_helpers:
                            named.update(_WORD.findall(context_of[i]))
                            grown = True
            context = "".join(context_of[i] for i in sorted(chosen))
            if body and not body.endswith("\n"):
                body += "\n"
            yield Piece(context + body, context.count("\n"), start + 1)
            start = end

    return generate()


def _context(statement: Statement, lines: List[str]) -> str:
    """What another piece needs to know of this statement."""
    size = statement.end - statement.start
    if statement.kind in ("import", "simple", "compound"):
        if size > CONTEXT_STATEMENT_LINES:
            return ""
        text = "".join(lines[statement.start:statement.end])
        return text if text.endswith("\n") else text + "\n"
    if statement.header_end is None:
        return ""
    row, col = statement.header_end
    header = "".join(lines[statement.start:row]) + lines[row][:col]
    body = " yield\n" if statement.yields else " ...\n"
    return header + body
