"""`# noqa` as flake8 reads it, for the CLI (inside flake8, flake8 applies it itself)."""
from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional, Set, Tuple

from aiolint.core.findings import Finding
from aiolint.core.parse import decode

# Same grammar as flake8: "# noqa" alone silences the line; "# noqa: A100,B2" only those
# codes (or code prefixes); "# flake8: noqa" on its own line skips the whole file.
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
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


def add_noqa(source: bytes, findings: List[Finding]) -> Tuple[bytes, int]:
    """`source` with `# noqa: CODES` on each line that has findings (ruff's `--add-noqa`).

    Codes are added to an existing `# noqa: ...`; a bare `# noqa` already silences the line.
    A line that ends inside a string or with a backslash continuation cannot take a comment:
    it is left alone. Returns the new bytes and how many lines changed.
    """
    text = decode(source)
    lines = text.splitlines(keepends=True)
    unsafe = _lines_without_room(text)
    by_line: Dict[int, List[str]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, [])
        if finding.code not in by_line[finding.line]:
            by_line[finding.line].append(finding.code)
    changed = 0
    for number, codes in sorted(by_line.items()):
        if not 0 < number <= len(lines) or number in unsafe:
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = _NOQA.search(body)
        if match is not None and not match.group("codes"):
            continue  # bare noqa: silenced already
        if match is not None:
            listed = [c.upper() for c in re.split(r"[,\s]+", match.group("codes")) if c]
            new_codes = [c for c in codes if not (c in listed or c.startswith(tuple(listed)))]
            if not new_codes:
                continue
            body = body[: match.end("codes")] + ", " + ", ".join(new_codes) + body[match.end("codes"):]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[number - 1] = body + ending
        changed += 1
    if not changed:
        return source, 0
    encoding = "utf-8"
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
    except SyntaxError:
        pass
    new = "".join(lines)
    bom = "\ufeff" if source.startswith(b"\xef\xbb\xbf") and encoding == "utf-8-sig" else ""
    return (bom + new).encode("utf-8" if encoding == "utf-8-sig" else encoding), changed


def _lines_without_room(text: str) -> Set[int]:
    """Lines (1-based) that end inside a string token or with a backslash continuation."""
    lines: Set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip().endswith("\\"):
            lines.add(number)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] != token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
                lines.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def noqa_comment(line_text: str) -> "Optional[re.Match[str]]":
    """The line's `# noqa` comment as flake8 finds it (group `codes`: the codes it lists, if any),
    for front ends that add a code to it (the language server's "disable for this line")."""
    return _NOQA.search(line_text)
