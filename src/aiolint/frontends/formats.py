"""Report formats for `aiolint check --format`: text, json, sarif, github.

Reporters receive each file's findings as the run produces them; text and github
print at once, json and sarif write one document at the end.
"""
from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional, Type
from urllib.parse import quote

from aiolint import __version__
from aiolint.frontends import docs
from aiolint.frontends.docs import anchor
from aiolint.core.pipeline import fix_edits, fixed_versions
from aiolint.frontends.notebook import Notebook, NotebookError, is_notebook
from aiolint.core.findings import Finding
from aiolint.rules import all_rules
from aiolint.core.settings import Settings

FORMATS = ("text", "full", "json", "sarif", "github")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


class Reporter:
    show_fixes = False  # `--show-fixes`: the full format shows each fix as a diff

    def __init__(self, stream: IO[str], settings_for: Callable[[str], Settings]):
        self.stream = stream
        self.settings_for = settings_for

    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        raise NotImplementedError  # pragma: no cover

    def error(self, path: str, message: str) -> None:
        """A file that could not be read (the CLI also says so on stderr)."""

    def finish(self) -> None:
        pass


class TextReporter(Reporter):
    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        for finding in findings:
            print(finding.format(path), file=self.stream)


class FullReporter(Reporter):
    """`--output-format full`: each finding's line, then the source line(s) with a caret under
    the range, and with `--show-fixes` the fix as a diff (as ruff's full format)."""

    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        if not findings:
            return
        lines, cells, versions, text = self._source(path, findings, source)
        for f in findings:
            print(f.format(path), file=self.stream)
            body = cells.get(f.cell) if f.cell else lines
            if body:
                self._excerpt(f, body)
            if self.show_fixes and f.fix is not None:
                fixed = versions.get(f.sort_key())
                print(f"   = {f.fix.applicability} fix: {f.fix.description}", file=self.stream)
                if fixed is not None:
                    for line in _hunks(text, fixed):
                        print(f"     {line}", file=self.stream)
            print(file=self.stream)

    def _source(self, path, findings, source):
        lines: List[str] = []
        cells: Dict[int, List[str]] = {}
        versions: Dict[tuple, str] = {}
        text = ""
        if source is None:
            return lines, cells, versions, text
        if is_notebook(path):
            try:
                notebook = Notebook.load(source)
            except NotebookError:
                return lines, cells, versions, text
            for number, index in enumerate(notebook.code_cells, start=1):
                cells[number] = notebook.cell_source(index).splitlines()
            return lines, cells, versions, text
        try:
            from aiolint.core.parse import decode

            text = decode(source)
        except Exception:
            return lines, cells, versions, text
        lines = text.splitlines()
        if self.show_fixes and any(f.fix is not None for f in findings):
            text, versions = fixed_versions(source, path, self.settings_for(path))
        return lines, cells, versions, text

    def _excerpt(self, f: Finding, lines: List[str]) -> None:
        if not 0 < f.line <= len(lines):
            return
        width = len(str(f.line))
        gutter = " " * width
        source_line = lines[f.line - 1].rstrip("\n")
        end = f.end_col if f.end_line == f.line and f.end_col > f.col else len(source_line) + 1
        start = max(f.col, 1)
        carets = "^" * max(end - start, 1)
        print(f"{gutter} |", file=self.stream)
        print(f"{f.line} | {source_line}", file=self.stream)
        print(f"{gutter} | {' ' * (start - 1)}{carets} {f.code}", file=self.stream)
        print(f"{gutter} |", file=self.stream)


def _hunks(before: str, after: str) -> List[str]:
    import difflib

    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    return [line for line in diff if not line.startswith(("---", "+++"))]


def _relative(path: str) -> Optional[str]:
    """`path` relative to the working directory (the repository root in CI), or None outside it."""
    relative = os.path.relpath(os.path.abspath(path), os.getcwd())
    return None if relative == ".." or relative.startswith(".." + os.sep) else relative.replace(os.sep, "/")


# --------------------------------------------------------------------------------- github
def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF are encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: one annotation per finding on the pull request."""

    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        name = _relative(path) or path
        for f in findings:
            properties = {
                "file": name,
                "line": f.line,
                "endLine": f.end_line or f.line,
                "col": f.col,
                "endColumn": f.end_col or f.col,
                "title": f.code,
            }
            rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
            level = "error" if f.code == "AIO000" else "warning"
            print(f"::{level} {rendered}::{escape_data(f.message)}", file=self.stream)


# --------------------------------------------------------------------------------- json
class JsonReporter(Reporter):
    def __init__(self, stream: IO[str], settings_for: Callable[[str], Settings]):
        super().__init__(stream, settings_for)
        self.items: List[dict] = []

    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        edits: Dict[tuple, list] = {}
        if source is not None and any(f.fix is not None for f in findings) and not is_notebook(path):
            edits = fix_edits(source, path, self.settings_for(path))
        for f in findings:
            fix = None
            if f.fix is not None:
                fix = {
                    "applicability": f.fix.applicability,
                    "message": f.fix.description,
                    "edits": [edit.as_dict() for edit in edits.get(f.sort_key(), [])],
                }
            self.items.append(
                {
                    "path": path,
                    "line": f.line,
                    "column": f.col,
                    "end_line": f.end_line or f.line,
                    "end_column": f.end_col or f.col,
                    "code": f.code,
                    "name": f.name,
                    "message": f.message,
                    "fix": fix,
                    **({"cell": f.cell} if f.cell else {}),
                }
            )

    def finish(self) -> None:
        json.dump(self.items, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")


# --------------------------------------------------------------------------------- sarif
def docs_base_uri() -> Optional[str]:
    """Where docs/rules.md is published: the distribution's `Documentation` project URL.

    aiolint has no public home yet, so by default there is none and the rules carry
    their full documentation in `help` instead of a `helpUri` (see README, SARIF).
    """
    try:
        entries = metadata.distribution("aiolint").metadata.get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("documentation", "docs") and url.strip():
            return url.strip()
    return None


def _descriptor(code: str, name: str, what: str, why: str, help_markdown: str, level: str, base: Optional[str]):
    descriptor = {
        "id": code,
        "name": name,
        "shortDescription": {"text": docs.summary(what)},
        "fullDescription": {"text": f"{what} {why}".strip()},
        "help": {"text": help_markdown, "markdown": help_markdown},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["asyncio"], "precision": "high"},
    }
    if base:
        descriptor["helpUri"] = f"{base}#{anchor(code, name)}"
    return descriptor


def sarif_rules(base: Optional[str] = None) -> List[dict]:
    """Every rule, in registry order (so ids and indexes are stable across runs), then AIO000."""
    rules = [
        _descriptor(rule.code, rule.name, rule.docs.what, rule.docs.why, docs.render_rule(rule), "warning", base)
        for rule in all_rules()
    ]
    rules.append(
        _descriptor(
            docs.INTERNAL_ERROR_CODE,
            docs.INTERNAL_ERROR_NAME,
            docs.INTERNAL_ERROR_WHAT,
            docs.INTERNAL_ERROR_WHY,
            docs.render_internal_error(),
            "error",
            base,
        )
    )
    return rules


def _artifact(path: str) -> dict:
    relative = _relative(path)
    if relative is not None:
        return {"uri": quote(relative), "uriBaseId": SRCROOT}
    return {"uri": Path(os.path.abspath(path)).as_uri()}


class SarifReporter(Reporter):
    """SARIF 2.1.0 for GitHub code scanning: URIs relative to %SRCROOT% (the working directory)."""

    def __init__(self, stream: IO[str], settings_for: Callable[[str], Settings]):
        super().__init__(stream, settings_for)
        self.rules = sarif_rules(docs_base_uri())
        self.index = {rule["id"]: i for i, rule in enumerate(self.rules)}
        self.results: List[dict] = []
        self.notifications: List[dict] = []

    def add(self, path: str, findings: List[Finding], source: Optional[bytes]) -> None:
        artifact = _artifact(path)
        for f in findings:
            region = {
                "startLine": max(f.line, 1),
                "startColumn": max(f.col, 1),
                "endLine": max(f.end_line or f.line, 1),
                "endColumn": max(f.end_col or f.col, 1),
            }
            result = {
                "ruleId": f.code,
                "level": "error" if f.code == "AIO000" else "warning",
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": dict(artifact), "region": region}}],
            }
            if f.code in self.index:
                result["ruleIndex"] = self.index[f.code]
            self.results.append(result)

    def error(self, path: str, message: str) -> None:
        self.notifications.append(
            {
                "level": "error",
                "message": {"text": f"{path}: {message}"},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(path)}}],
            }
        )

    def document(self) -> dict:
        driver = {
            "name": "aiolint",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": self.rules,
        }
        base = docs_base_uri()
        if base:
            driver["informationUri"] = base
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": driver},
                    "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
                    "columnKind": "unicodeCodePoints",  # our columns count characters
                    "invocations": [
                        {
                            "executionSuccessful": not self.notifications,
                            "toolExecutionNotifications": self.notifications,
                        }
                    ],
                    "results": self.results,
                }
            ],
        }

    def finish(self) -> None:
        json.dump(self.document(), self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")


REPORTERS: Dict[str, Type[Reporter]] = {
    "text": TextReporter,
    "full": FullReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
}
