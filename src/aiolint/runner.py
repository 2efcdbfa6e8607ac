"""Linting many files: the one place that turns paths into per-file results.

The CLI's `check` goes through `check_files`; parallelism, the result cache and
progress display belong here, not in the CLI or the engine.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence

from aiolint.engine import lint
from aiolint.files import iter_python_files
from aiolint.findings import Finding
from aiolint.settings import Settings


@dataclass
class FileResult:
    path: str  # as given on the command line, or the --stdin-filename for "-"
    findings: List[Finding] = field(default_factory=list)
    error: Optional[str] = None  # could not read the file
    source: Optional[bytes] = None


def read_source(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def check_file(path: str, settings: Settings, display: Optional[str] = None) -> FileResult:
    name = display or path
    try:
        source = read_source(path)
    except OSError as exc:
        return FileResult(name, error=f"cannot read ({exc.strerror or exc})")
    findings = lint(source, name, settings)
    for finding in findings:
        finding.node = None  # results outlive the tree; do not keep it alive
    return FileResult(name, findings, source=source)


def check_files(paths: Sequence[str], settings: Settings, *, stdin_filename: str = "<stdin>") -> Iterator[FileResult]:
    """Results in a stable order (the order the files are found)."""
    for path in iter_python_files(paths):
        yield check_file(path, settings, stdin_filename if path == "-" else None)
