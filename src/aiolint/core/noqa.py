"""`# noqa` as flake8 reads it, for the CLI (inside flake8, flake8 applies it itself)."""
from __future__ import annotations

import re
from typing import List

from aiolint.core.findings import Finding

# Same grammar as flake8: "# noqa" alone silences the line; "# noqa: A100,B2" only those
# codes (or code prefixes); "# flake8: noqa" on its own line skips the whole file.
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9]+(?:[,\s]+[A-Z][0-9]+)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^\s*#\s*flake8[:=]\s*noqa\s*$", re.IGNORECASE | re.MULTILINE)


def is_silenced(line_text: str, code: str) -> bool:
    match = _NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    listed = tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c)
    return code in listed or code.startswith(listed)


def filter_findings(text: str, findings: List[Finding]) -> List[Finding]:
    if "noqa" not in text and "NOQA" not in text.upper():
        return findings
    if _FILE_NOQA.search(text):
        return []
    lines = text.splitlines()
    kept = []
    for finding in findings:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        if not is_silenced(line, finding.code):
            kept.append(finding)
    return kept
