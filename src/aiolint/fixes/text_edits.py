"""A fix as text edits: what changes between two versions of a module, as reports show it.

Fixes are applied as LibCST transformations; reports (JSON) need them as positions
and replacement text. `text_edits(old, new)` diffs the two texts into minimal edits.
Positions are 1-based, columns in characters (as in findings); `end` is exclusive.
Applying the edits to `old` from last to first gives `new`.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple


@dataclass(frozen=True)
class TextEdit:
    start: Tuple[int, int]  # (line, column), 1-based
    end: Tuple[int, int]  # exclusive
    content: str

    def as_dict(self) -> dict:
        return {
            "start": {"line": self.start[0], "column": self.start[1]},
            "end": {"line": self.end[0], "column": self.end[1]},
            "content": self.content,
        }


# Lines as editors and Python's tokenizer count them (str.splitlines also splits at \f, \x1c, ...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> List[str]:
    return _LINE.findall(text)


def _word(text: str, index: int = 0) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def _position(lines: Sequence[str], line_index: int, offset: int) -> Tuple[int, int]:
    """`offset` characters into the text that starts at line `line_index` (0-based)."""
    while line_index < len(lines):
        line = lines[line_index]
        # The end of a line is its own last column unless a line break follows it there.
        if offset < len(line) or (offset == len(line) and not line.endswith(("\n", "\r"))):
            break
        offset -= len(line)
        line_index += 1
    return line_index + 1, offset + 1


def text_edits(old: str, new: str) -> List[TextEdit]:
    old_lines, new_lines = _lines(old), _lines(new)
    edits: List[TextEdit] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        # Trim what the changed lines share, so an edit covers only what the fix rewrites.
        prefix = 0
        limit = min(len(before), len(after))
        while prefix < limit and before[prefix] == after[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
            suffix += 1
        # Whole words read better than `sleep` -> `await asyncio.slee` + `p`.
        while prefix and _word(before[prefix - 1]) and (_word(before, prefix) or _word(after, prefix)):
            prefix -= 1
        while suffix and _word(before[-suffix]) and (
            _word(before, len(before) - suffix - 1) or _word(after, len(after) - suffix - 1)
        ):
            suffix -= 1
        edits.append(
            TextEdit(
                _position(old_lines, i1, prefix),
                _position(old_lines, i1, len(before) - suffix),
                after[prefix : len(after) - suffix],
            )
        )
    return edits


def apply_text_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """The inverse of `text_edits`, for tests and for consumers that want to check edits."""
    lines = _lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: Tuple[int, int]) -> int:
        line, column = position
        return (starts[line - 1] if line - 1 < len(starts) else starts[-1]) + column - 1

    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: offset(edit.start)] + edit.content + text[offset(edit.end) :]
    return text
