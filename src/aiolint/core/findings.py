"""What the engine returns: findings, each with an optional fix expressed as data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import libcst as cst

SAFE = "safe"
UNSAFE = "unsafe"

# A replacement value: a node, or REMOVE to delete a statement.
REMOVE = cst.RemovalSentinel.REMOVE
Replacement = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]


@dataclass(frozen=True)
class Fix:
    """A fix is data: which nodes (by identity) become which, plus imports it needs.

    Rules build fixes; they never mutate the tree. The fixer applies all the
    fixes of a file in one LibCST transformation.
    """

    applicability: str  # SAFE or UNSAFE
    description: str
    replacements: Tuple[Tuple[cst.CSTNode, Replacement], ...]
    # Modules the replacement code refers to, imported as `import x` if missing.
    imports: Tuple[str, ...] = ()

    @property
    def is_safe(self) -> bool:
        return self.applicability == SAFE


@dataclass
class Finding:
    code: str
    name: str
    message: str
    line: int  # 1-based
    col: int  # 1-based, in characters
    end_line: int = 0
    end_col: int = 0
    fix: Optional[Fix] = None
    # The node the rule reported; dropped once positions are known.
    node: Optional[cst.CSTNode] = field(default=None, repr=False, compare=False)

    def sort_key(self) -> tuple:
        return (self.line, self.col, self.code)

    def format(self, path: str) -> str:
        return f"{path}:{self.line}:{self.col}: {self.code} {self.message}"
