"""How many of the blocking calls flake8-async's own eval files mark does aiolint report?

Usage: python benchmarks/flake8_async_eval.py DIR [-v]
DIR is flake8-async's `tests/eval_files` (a checkout of python-trio/flake8-async; nothing of it is
kept here). Reads ASYNC220-222, 230-232, 240 and 251's files, collects the `# ASYNCxxx: col, ...`
marks, and counts a mark as found when aiolint reports an AIO1xx finding at that line and column.

The ASYNC22x files call `subprocess`/`os` without importing them (flake8-async matches spellings);
aiolint reports only names that resolve, so those two files are linted with `import os, subprocess`
appended (module-level imports bind the whole module; no line moves). `-v` lists every miss and
every finding on an unmarked line.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import aiolint
from aiolint.core.settings import Settings

FILES = ("async22x*.py", "async23[0-2]*.py", "async23x*.py", "async240*.py", "async251*.py")
_MARK = re.compile(r"#\s*(ASYNC2\d\d)(?:_\w+)?:\s*(\d+)")
_UNIMPORTED = ("async22x.py", "async22x_asyncio.py")


def marks(text: str):
    for number, line in enumerate(text.splitlines(), 1):
        for code, col in _MARK.findall(line):
            yield number, int(col) + 1, code  # flake8-async columns count from 0


def main(argv) -> int:
    root = Path(argv[1])
    verbose = "-v" in argv
    paths = sorted({p for pattern in FILES for p in root.glob(pattern)})
    total = found = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        source = text + "\nimport os, subprocess\n" if path.name in _UNIMPORTED else text
        findings = [f for f in aiolint.lint(source, str(path), Settings(select=("AIO1",))) if f.code != "AIO000"]
        reported = {(f.line, f.col) for f in findings}
        expected = list(marks(text))
        hits = [m for m in expected if (m[0], m[1]) in reported]
        total += len(expected)
        found += len(hits)
        print(f"{path.name:28} {len(hits):3}/{len(expected):3}")
        if verbose:
            lines = text.splitlines()
            for line, col, code in expected:
                if (line, col) not in reported:
                    print(f"   miss {code} {line}:{col}  {lines[line - 1].strip()}")
            marked = {(m[0], m[1]) for m in expected}
            for f in findings:
                if (f.line, f.col) not in marked:
                    print(f"   extra {f.code} {f.line}:{f.col}  {lines[f.line - 1].strip()}")
    print(f"{'total':28} {found:3}/{total:3} = {100 * found / total:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
