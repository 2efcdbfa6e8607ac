"""Jupyter notebooks (`.ipynb`): their code cells as one Python module, and back.

A notebook is JSON; its code cells are Python plus IPython syntax. To lint one we build a
module from the code cells, in order, each cell preceded by a marker comment, with IPython
lines (`%magic`, `!shell`, `x = !cmd`, `obj?`) replaced by `pass` and a marker so they parse
and never trigger a rule; a `%%cell_magic` cell is left out whole (its body is not Python).
Top-level `await` in a cell is async context, as IPython runs it (Settings.top_level_await).

Findings are mapped back to (cell, line in cell); columns are unchanged. Fixed code is
split at the markers, the IPython lines restored, and written back into the same cells,
keeping the notebook's JSON layout (indentation, key order, non-ASCII as written, the
trailing newline) and every other cell and key untouched.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Tuple

from aiolint.core.findings import Finding

SUFFIX = ".ipynb"
# Marker lines: comments no notebook writes by chance.
_CELL = "#aiolint-notebook-cell: "
_MAGIC = "pass  #aiolint-notebook-magic: "
_CELL_LINE = re.compile(r"^#aiolint-notebook-cell: (\d+)$")
_MAGIC_LINE = re.compile(r"^[ \t]*pass  #aiolint-notebook-magic: (\d+)$")


class NotebookError(ValueError):
    """Not a notebook aiolint can read (not JSON, no cells list)."""


def is_notebook(path: str) -> bool:
    return path.endswith(SUFFIX)


def _ipython_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!":
        return True
    if stripped.startswith("?") or (stripped.endswith("?") and "#" not in stripped and "'" not in stripped
                                    and '"' not in stripped):
        return True
    return bool(re.match(r"^[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*[%!]", stripped))


@dataclass
class Notebook:
    raw: bytes
    data: dict
    code_cells: List[int]  # index in data["cells"] of each code cell, in order
    text: str = ""  # the Python module built from the code cells
    # For each line of `text` (0-based): (code cell number, 1-based, line in that cell, 1-based), or None for markers.
    line_map: List[Optional[Tuple[int, int]]] = field(default_factory=list)
    magics: Dict[int, str] = field(default_factory=dict)  # marker number -> the original line

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, raw: bytes) -> "Notebook":
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotebookError(f"not a notebook: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise NotebookError("not a notebook: no list of cells")
        cells = [
            i for i, cell in enumerate(data["cells"]) if isinstance(cell, dict) and cell.get("cell_type") == "code"
        ]
        notebook = cls(raw, data, cells)
        notebook._build()
        return notebook

    def cell_source(self, index: int) -> str:
        source = self.data["cells"][index].get("source", "")
        return "".join(source) if isinstance(source, list) else str(source)

    def _build(self) -> None:
        out: List[str] = []
        for number, index in enumerate(self.code_cells, start=1):
            out.append(f"{_CELL}{number}\n")
            self.line_map.append(None)
            source = self.cell_source(index)
            lines = source.splitlines()
            cell_magic = bool(lines) and lines[0].lstrip().startswith("%%")
            for line_no, line in enumerate(lines, start=1):
                if cell_magic or _ipython_line(line):
                    key = len(self.magics)
                    self.magics[key] = line
                    indent = "" if cell_magic else line[: len(line) - len(line.lstrip())]
                    line = f"{indent}{_MAGIC}{key}"
                out.append(line + "\n")
                self.line_map.append((number, line_no))
        self.text = "".join(out)

    # ------------------------------------------------------------------ findings
    def locate(self, finding: Finding) -> Finding:
        """The finding with its line counted in its cell (`cell` set); AIO000 without a cell
        place stays at the notebook's top."""
        place = self.line_map[finding.line - 1] if 0 < finding.line <= len(self.line_map) else None
        if place is None:
            return replace(finding, line=1, col=1, end_line=0, end_col=0) if finding.code == "AIO000" else finding
        cell, line = place
        end_line = finding.end_line
        if end_line:
            end_place = self.line_map[end_line - 1] if end_line <= len(self.line_map) else None
            end_line = end_place[1] if end_place is not None and end_place[0] == cell else line
        return replace(finding, line=line, end_line=end_line, cell=cell)

    # ------------------------------------------------------------------ writing back
    def with_code(self, fixed: str) -> bytes:
        """The notebook's bytes with the code cells taken from `fixed` (this notebook's `text`, fixed)."""
        cells: Dict[int, List[str]] = {}
        current: Optional[int] = None
        preamble: List[str] = []  # lines a fix put above the first marker (an added import)
        for line in fixed.splitlines():
            marker = _CELL_LINE.match(line)
            if marker:
                current = int(marker.group(1))
                cells[current] = []
                continue
            magic = _MAGIC_LINE.match(line)
            if magic and int(magic.group(1)) in self.magics:
                line = self.magics[int(magic.group(1))]
            (cells[current] if current is not None else preamble).append(line)
        if preamble and cells:
            first = min(cells)
            cells[first] = preamble + cells[first]
        data = self.data
        for number, index in enumerate(self.code_cells, start=1):
            if number not in cells:
                continue
            old = self.cell_source(index)
            new = "\n".join(cells[number])
            if old.endswith("\n"):
                new += "\n"
            if new == old:
                continue
            cell = data["cells"][index]
            cell["source"] = new.splitlines(keepends=True) if isinstance(cell.get("source"), list) else new
        return self._dump(data)

    def _dump(self, data: dict) -> bytes:
        text = self.raw.decode("utf-8-sig")
        indent: Optional[int] = None
        second = text.split("\n", 2)[1] if text.count("\n") >= 1 else ""
        if second[:1] == " ":
            indent = len(second) - len(second.lstrip(" "))
        elif second[:1] == "\t":
            indent = "\t"  # type: ignore[assignment]
        ascii_only = not any(ord(ch) > 127 for ch in text) and "\\u" in text
        out = json.dumps(data, indent=indent, ensure_ascii=ascii_only, separators=(",", ": ") if indent else None)
        if text.endswith("\n"):
            out += "\n"
        bom = "\ufeff" if self.raw.startswith(b"\xef\xbb\xbf") else ""
        return (bom + out).encode("utf-8")
