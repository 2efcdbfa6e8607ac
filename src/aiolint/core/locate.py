"""Positions of a few nodes, the same as LibCST's PositionProvider gives, at a fraction of its cost.

PositionProvider records a range for every node of the module while it regenerates
the code, splitting every token with a regex; on real files that costs more than
the parse. A finding needs the range of one node. This codegen state regenerates the
code (plain codegen is ~7x cheaper than PositionProvider's), counts lines only when
a position is asked for, records ranges only inside the wanted nodes (their
syntactic ranges can be hoisted from children), and stops once the last wanted
node is done. The rules for ranges are PositionProvider's, so the answers are equal
(tests compare the two on real code).

A finding deep in a long file still cost the codegen of everything above it. When the walk says
which top-level statement a report was made in, `located` generates that statement alone, from
the line Python's `ast` gives it, and keeps the ranges only if the code it generated is the
source's own text at that place; any other node is located over the whole module.
"""
from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from aiolint.core.findings import Finding, Report

Position = Tuple[int, int]  # line (1-based), column (0-based), as LibCST's CodePosition
Range = Tuple[Position, Position]

_NEWLINE = re.compile(r"\r\n?|\n")  # what PositionProvider counts as a line break


class _Done(Exception):
    """Every wanted node has its range: the rest of the file need not be generated."""


class _Locator(CodegenState):
    def __init__(self, module: cst.Module, wanted: Iterable[cst.CSTNode]):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = {id(node) for node in wanted}
        self.finished: set = set()
        self.inside = 0  # how many wanted nodes enclose the current one
        self.ranges: Dict[int, Range] = {}
        self.starts: List[Position] = []
        self.line, self.column, self.counted = 1, 0, 0

    def _position(self) -> Position:
        tokens = self.tokens
        end = len(tokens)
        if self.counted < end:
            chunk = "".join(tokens[self.counted:end])
            if "\r" in chunk:
                # "\r" + "\n" in two tokens are two line breaks to PositionProvider: count per token.
                for token in tokens[self.counted:end]:
                    self._advance(token)
            else:
                self._advance(chunk)
            self.counted = end
        return self.line, self.column

    def _advance(self, text: str) -> None:
        if "\r" in text:
            segments = _NEWLINE.split(text)
            breaks, last = len(segments) - 1, segments[-1]
        else:
            breaks = text.count("\n")
            last = text[text.rfind("\n") + 1:] if breaks else text
        if breaks:
            self.line += breaks
            self.column = len(last)
        else:
            self.column += len(text)

    def pop_trailing_newline(self) -> None:
        self._position()  # PositionProvider counted the token before it was taken back
        super().pop_trailing_newline()
        self.counted = min(self.counted, len(self.tokens))

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.inside += 1
        if self.inside:
            self.starts.append(self._position())

    def after_codegen(self, node: cst.CSTNode) -> None:
        if not self.inside:
            return
        start = self.starts.pop()
        key = id(node)
        if key not in self.ranges:  # a syntactic range recorded inside wins, as in PositionProvider
            self.ranges[key] = (start, self._position())
        if key in self.wanted:
            self.inside -= 1
            self.finished.add(key)
            if len(self.finished) == len(self.wanted):
                raise _Done

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if not self.inside:
            yield
            return
        start = self._position()
        try:
            yield
        finally:
            end = self._position()
            if start_node is not None:
                start = self.ranges[id(start_node)][0]
            if end_node is not None:
                end = self.ranges[id(end_node)][1]
            self.ranges[id(node)] = (start, end)


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Range]:
    """{id(node): ((line, column), (end line, end column))} for those of `nodes` in `module`."""
    nodes = list(nodes)
    if not nodes:
        return {}
    locator = _Locator(module, nodes)
    try:
        module._codegen(locator)
    except _Done:
        pass
    return {key: locator.ranges[key] for key in locator.wanted if key in locator.ranges}


def locate_in_statements(
    module: cst.Module, text: str, nodes: Dict[int, List[cst.CSTNode]], tree: Optional[ast.AST] = None
) -> Dict[int, Range]:
    """Like `locate`, for nodes given by the index of the top-level statement they are in; those
    not found there (a wrong index, or a statement whose place cannot be vouched for) are left out.
    `tree`: Python's `ast` of `text`, if the caller has it."""
    if not nodes:
        return {}
    if type(tree) is not ast.Module:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # a notebook's magics, say
            return {}
    lines = _first_lines(module, tree, set(nodes))
    if not lines:
        return {}
    starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]  # offset of each line
    ranges: Dict[int, Range] = {}
    for index, wanted in nodes.items():
        line = lines.get(index)
        if line is None or not 1 <= line <= len(starts):
            continue
        locator = _Locator(module, wanted)
        locator.line = line
        try:
            module.body[index]._codegen(locator)
        except _Done:
            pass
        generated = "".join(locator.tokens)
        offset = starts[line - 1]
        if text[offset:offset + len(generated)] != generated:
            continue  # not where `ast` placed it: the whole module's codegen decides
        ranges.update((key, locator.ranges[key]) for key in locator.wanted if key in locator.ranges)
    return ranges


def _first_lines(module: cst.Module, tree: ast.Module, indexes: set) -> Dict[int, int]:
    """The line each of these top-level statements' code starts on (its leading lines included)."""
    lines: Dict[int, int] = {}
    place = 0  # in `tree.body`: a line of `a; b` is one statement to LibCST, two to `ast`
    last = max(indexes)
    for index, statement in enumerate(module.body[:last + 1]):
        if index in indexes:
            if place >= len(tree.body):
                return {}
            node = tree.body[place]
            decorators = getattr(node, "decorator_list", None)
            first = decorators[0].lineno if decorators else node.lineno
            lines[index] = first - len(statement.leading_lines)
        place += len(statement.body) if type(statement) is cst.SimpleStatementLine else 1
    return lines


def located(
    module: cst.Module,
    reports: Sequence[Report],
    text: Optional[str] = None,
    tops: Optional[Dict[int, cst.CSTNode]] = None,
    tree: Optional[ast.AST] = None,
) -> List[Finding]:
    """Each report as a finding at its node's range (1-based columns); 1:1 if its node is not in `module`.
    `tops`: id(report) -> the top-level statement the walk was in when it was made, if known;
    `tree`: Python's `ast` of `text`, if the caller has it."""
    ranges: Dict[int, Range] = {}
    if text is not None and tops:
        index = {id(statement): n for n, statement in enumerate(module.body)}
        by_statement: Dict[int, List[cst.CSTNode]] = {}
        for report in reports:
            n = index.get(id(tops.get(id(report))))
            if n is not None:
                by_statement.setdefault(n, []).append(report.node)
        if by_statement:
            ranges = locate_in_statements(module, text, by_statement, tree)
    rest = [report.node for report in reports if id(report.node) not in ranges]
    if rest:
        ranges.update(locate(module, rest))
    findings = []
    for report in reports:
        (line, col), (end_line, end_col) = ranges.get(id(report.node), ((1, 0), (1, 0)))
        findings.append(
            Finding(report.code, report.name, report.message, line, col + 1, end_line, end_col + 1, report.fix)
        )
    return findings
