"""Positions of a few nodes, the same as LibCST's PositionProvider gives, at a fraction of its cost.

PositionProvider records a range for every node of the module while it regenerates
the code, splitting every token with a regex; on real files that costs more than
the parse. A finding needs the range of one node. This codegen state regenerates the
code (plain codegen is ~7x cheaper than PositionProvider's), counts lines only when
a position is asked for, records ranges only inside the wanted nodes (their
syntactic ranges can be hoisted from children), and stops once the last wanted
node is done. The rules for ranges are PositionProvider's, so the answers are equal
(tests compare the two on real code).
"""
from __future__ import annotations

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


def located(module: cst.Module, reports: Sequence[Report]) -> List[Finding]:
    """Each report as a finding at its node's range (1-based columns); 1:1 if its node is not in `module`."""
    ranges = locate(module, [report.node for report in reports])
    findings = []
    for report in reports:
        (line, col), (end_line, end_col) = ranges.get(id(report.node), ((1, 0), (1, 0)))
        findings.append(
            Finding(report.code, report.name, report.message, line, col + 1, end_line, end_col + 1, report.fix)
        )
    return findings
