"""What the engine passes around: a rule's report (still holding its node), the located finding
it becomes, and a fix expressed as data."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Tuple, Union

import libcst as cst


class Applicability(str, Enum):
    """How far a fix can be trusted. A str, so JSON, SARIF and comparisons see "safe"/"unsafe"."""

    SAFE = "safe"  # keeps behaviour: `aiolint fix` applies it
    UNSAFE = "unsafe"  # may change behaviour: only with --unsafe-fixes

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE

# A replacement value: a node, or REMOVE to delete a statement.
REMOVE = cst.RemovalSentinel.REMOVE
Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]


@dataclass(frozen=True)
class Fix:
    """A fix is data: which nodes (by identity) become which, plus imports it needs.

    Rules build fixes; they never mutate the tree. `fixes.apply` applies all the
    fixes of a file in one LibCST transformation.
    """

    applicability: Applicability
    description: str
    replacements: Tuple[Tuple[cst.CSTNode, Replacement], ...] = field(repr=False)
    # Modules the replacement code refers to, imported as `import x` if missing.
    imports: Tuple[str, ...] = ()

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def plain(self) -> "Fix":
        """Without its node replacements: picklable and cacheable (they only mean something
        next to the tree they came from)."""
        return Fix(self.applicability, self.description, (), self.imports)


@dataclass(frozen=True)
class Report:
    """What a rule emits during the walk: the node it points at, not yet a position."""

    code: str
    name: str
    message: str
    node: cst.CSTNode = field(repr=False, compare=False)
    fix: Optional[Fix] = None


@dataclass(frozen=True)
class Finding:
    """A located report: what every front end shows."""

    code: str
    name: str
    message: str
    line: int  # 1-based
    col: int  # 1-based, in characters
    end_line: int = 0
    end_col: int = 0
    fix: Optional[Fix] = None
    cell: int = 0  # in a notebook: the code cell (1-based) `line` counts in; 0 elsewhere

    def sort_key(self) -> tuple:
        return (self.cell, self.line, self.col, self.code)

    def place(self, path: str) -> str:
        """`path:line:col`, or for a notebook `path:cell N:line:col` (as ruff writes it)."""
        cell = f"cell {self.cell}:" if self.cell else ""
        return f"{path}:{cell}{self.line}:{self.col}"

    def format(self, path: str) -> str:
        return f"{self.place(path)}: {self.code} {self.message}"

    def plain(self) -> "Finding":
        """A copy holding only plain data (no LibCST nodes): for other processes and the cache."""
        if self.fix is None or not self.fix.replacements:
            return self
        return Finding(
            self.code,
            self.name,
            self.message,
            self.line,
            self.col,
            self.end_line,
            self.end_col,
            self.fix.plain(),
            self.cell,
        )
