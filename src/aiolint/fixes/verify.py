"""The fix-verification oracle: does a fix change only what it replaced, and nothing breaks?

Used by the tests (`tests/test_hypothesis.py`, `tests/test_corpus.py`) and by
`benchmarks/verify_corpus.py`, which runs it over CPython's stdlib and the pinned corpus.
For one file (`verify_file`) or whole trees (`verify`) it checks:

- AIO000 only where LibCST itself rejects the file;
- the fixed file parses (LibCST), and compiles if the original did (catches an `await` put in a
  sync function); `compile` only builds a code object, nothing is run;
- a second fix changes nothing;
- every original line outside the spans of the nodes the fixes replaced is kept, in order
  (import lines added or removed, and blank lines around them, aside), checked pass by pass
  (`passwise_changes_outside`);
- per code, the findings that were fixed are gone on re-check;
- the CLI's `fix` on a copy of the changed files writes exactly the bytes `fix_source` produced,
  and `check`/`fix --diff` end without a traceback and with exit code 0, 1 or 2.

Nothing from the checked code is imported or executed.
"""
from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from libcst.metadata import MetadataWrapper, PositionProvider

from aiolint.core import pipeline
from aiolint.core.settings import Settings
from aiolint.frontends.files import iter_python_files

SETTINGS = Settings(respect_noqa=True)
# Lines a fix may add or remove: imports (added ones, and the ones it made unused), `pass` left in
# an `if TYPE_CHECKING:` whose import moved to run time; blank lines around them may move too.
IMPORT_LINE = re.compile(
    rb"^[ \t]*(?:import [\w.]+(?: as \w+)?|from [\w.]+ import [\w, ]+|pass)[ \t]*(?:\r\n|\r|\n)?$"
)


def stdlib_root() -> Path:
    """CPython's standard library of the running interpreter."""
    return Path(sysconfig.get_paths()["stdlib"])


@dataclass
class Figures:
    files: int = 0
    lines: int = 0
    findings: collections.Counter = field(default_factory=collections.Counter)
    aio000_causes: collections.Counter = field(default_factory=collections.Counter)
    aio000_files: List[Tuple[str, str]] = field(default_factory=list)
    files_fixed: int = 0
    fixes_applied: collections.Counter = field(default_factory=collections.Counter)
    introduced: collections.Counter = field(default_factory=collections.Counter)
    failures: List[Tuple[str, str, str]] = field(default_factory=list)
    cli: Dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    def fail(self, path: str, check: str, detail: str) -> None:
        self.failures.append((path, check, detail))
        print(f"FAIL {check}: {path}: {detail}", file=sys.stderr, flush=True)


def _cause(message: str) -> str:
    """A short class of AIO000 message, for counting causes."""
    match = re.match(r"cannot parse this file \(([^)]*)", message)
    if match:
        detail = re.sub(r"\d+", "N", match.group(1))
        return "LibCST rejects: " + re.sub(r"'[^']*'|\"[^\"]*\"", "…", detail)[:70]
    if message.startswith("cannot decode"):
        return "cannot decode"
    if "nested too deeply" in message:
        return "nested too deeply"
    return "internal error: " + message[:90]


def _libcst_rejects(data: bytes) -> bool:
    try:
        pipeline.parse(data)
    except Exception:
        return True
    return False


def _compiles(data: bytes, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def fix_spans(data: bytes) -> Set[int]:
    """Lines (1-based) covered by the nodes that any fix of this source replaces (and the blank
    lines just above a replaced statement, which belong to it)."""
    analysis = pipeline.analyse(data, SETTINGS)
    if analysis.module is None:
        return set()
    module, findings = analysis.module, analysis.findings
    targets = [original for f in findings if f.fix is not None for original, _ in f.fix.replacements]
    if not targets:
        return set()
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines: Set[int] = set()
    for node in targets:
        where = positions.get(node)
        if where is None:
            continue
        # A replaced statement takes its blank leading lines with it (merging a run of statements
        # drops the blank lines between them): formatting. A comment above it must survive.
        blank = 0
        for line in reversed(getattr(node, "leading_lines", ())):
            if line.comment is not None:
                break
            blank += 1
        lines.update(range(where.start.line - blank, where.end.line + 1))
    return lines


def passwise_changes_outside(data: bytes, unsafe: bool = True) -> Tuple[bytes, List[str]]:
    """Fix one pass at a time, checking each pass against the spans of its own findings.

    A later pass can fix what an earlier one made visible (an added `import asyncio` lets a
    rule resolve names it could not before), so spans from the original alone are not enough.
    Returns the final source and the problems found.
    """
    saved = pipeline.MAX_FIX_PASSES
    pipeline.MAX_FIX_PASSES = 1
    problems: List[str] = []
    current = data
    try:
        for number in range(1, saved + 1):
            following = pipeline.fix_source(current, "<verify>", SETTINGS, unsafe=unsafe).source
            if following == current:
                break
            problems.extend(f"pass {number}: {p}" for p in changes_outside(current, following, fix_spans(current)))
            current = following
    finally:
        pipeline.MAX_FIX_PASSES = saved
    return current, problems


def changes_outside(before: bytes, after: bytes, allowed: Set[int]) -> List[str]:
    """Original lines outside every fix's span that did not survive, in order, into `after`.

    Each maximal run of untouched original lines must appear in the fixed file unchanged, after
    the previous run; between runs (where replaced lines were) anything may stand. Added
    `import x` lines may appear anywhere. A line diff would do, but difflib aligns repeated
    blocks arbitrarily; matching the kept runs in order cannot be fooled that way.
    """
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    runs: List[Tuple[int, List[bytes]]] = []
    i = 0
    while i < len(old):
        if i + 1 in allowed:
            i += 1
            continue
        j = i
        while j < len(old) and j + 1 not in allowed:
            j += 1
        runs.append((i, old[i:j]))
        i = j

    def movable(line: bytes) -> bool:
        return bool(IMPORT_LINE.match(line)) or not line.strip()

    def match_at(position: int, lines: List[bytes]) -> Optional[int]:
        k = position
        for line in lines:
            while k < len(new) and new[k] != line and movable(new[k]):
                k += 1
            if k < len(new) and new[k] == line:
                k += 1
            elif not movable(line):
                return None
        return k

    def only_imports(lines: List[bytes]) -> bool:
        return all(movable(line) for line in lines)

    problems = []
    cursor = 0
    for start, lines in runs:
        free_before = start > 0  # replaced lines stand between this run and the previous one
        end = None
        for position in range(cursor, len(new)):
            if not free_before and not only_imports(new[cursor:position]):
                break
            end = match_at(position, lines)
            if end is not None:
                break
        if end is None:
            shown = b"".join(lines)[:200]
            problems.append(f"original lines {start + 1}-{start + len(lines)} changed: {shown!r}")
            continue
        cursor = end
    if runs and runs[-1][0] + len(runs[-1][1]) == len(old) and not only_imports(new[cursor:]):
        problems.append(f"lines added at the end: {b''.join(new[cursor:])[:200]!r}")
    return problems


def verify_file(path: str, data: bytes, figures: Figures, fixed_outputs: Dict[str, bytes]) -> None:
    figures.files += 1
    figures.lines += data.count(b"\n")
    try:
        findings = pipeline.lint(data, path, SETTINGS)
    except BaseException as exc:  # the engine's contract is broken: record and go on
        figures.fail(path, "lint raised", f"{type(exc).__name__}: {exc}")
        return
    for finding in findings:
        figures.findings[finding.code] += 1
        if finding.code == "AIO000":
            figures.aio000_causes[_cause(finding.message)] += 1
            figures.aio000_files.append((path, finding.message))
            if not _libcst_rejects(data):
                figures.fail(path, "AIO000 on a file LibCST parses", finding.message)
    if not any(f.fix is not None for f in findings):
        return
    try:
        result = pipeline.fix_source(data, path, SETTINGS, unsafe=True)
    except BaseException as exc:
        figures.fail(path, "fix_source raised", f"{type(exc).__name__}: {exc}")
        return
    if not result.changed:
        return
    after = result.source
    figures.files_fixed += 1
    figures.fixes_applied.update(f.code for f in result.fixed)
    fixed_outputs[path] = after
    if _libcst_rejects(after):
        figures.fail(path, "fixed file does not parse", "LibCST rejects the fixed source")
        return
    if _compiles(data, path) and not _compiles(after, path):
        try:
            compile(after, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            figures.fail(path, "fixed file does not compile", f"{exc}")
    again = pipeline.fix_source(after, path, SETTINGS, unsafe=True)
    if again.changed or again.source != after:
        figures.fail(path, "second fix changed something", ", ".join(sorted({f.code for f in again.fixed})))
    try:
        stepped, problems = passwise_changes_outside(data)
    except Exception as exc:
        figures.fail(path, "could not check the fix spans", f"{type(exc).__name__}: {exc}")
        stepped, problems = after, []
    for problem in problems:
        figures.fail(path, "change outside the fixed spans", problem)
    if stepped != after:
        figures.fail(path, "pass-by-pass fixing ends elsewhere", "one pass at a time gave other bytes")
    before_counts = collections.Counter(f.code for f in findings)
    fixed_counts = collections.Counter(f.code for f in result.fixed)
    after_counts = collections.Counter(f.code for f in result.remaining)
    for code in after_counts:
        if code not in before_counts:
            figures.introduced[code] += after_counts[code]
        elif after_counts[code] > before_counts[code] - fixed_counts[code]:
            figures.fail(
                path,
                "fixed finding still reported",
                f"{code}: {before_counts[code]} before, {fixed_counts[code]} fixed, {after_counts[code]} after",
            )


def run_cli(roots: List[str], figures: Figures, jobs: int) -> None:
    """`check` and `fix --unsafe-fixes --diff` in a subprocess: no traceback, a known exit code."""
    common = ["--isolated", "--no-cache", "--no-respect-gitignore", "-j", str(jobs)]
    for name, argv in (
        ("check", ["check", *common, *roots]),
        ("fix --unsafe-fixes --diff", ["fix", "--unsafe-fixes", "--diff", *common, *roots]),
    ):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "aiolint", *argv], capture_output=True, cwd=tempfile.gettempdir()
        )
        stdout = proc.stdout.decode("utf-8", "replace")
        stderr = proc.stderr.decode("utf-8", "replace")
        aio000 = sum(1 for line in stdout.splitlines() if re.search(r":\d+:\d+: AIO000 ", line))
        figures.cli[name] = {
            "exit": proc.returncode,
            "seconds": round(time.perf_counter() - started, 1),
            "stdout_lines": stdout.count("\n"),
            "aio000_lines": aio000,
            "stderr_tail": stderr.strip().splitlines()[-3:],
        }
        if "Traceback (most recent call last)" in stdout + stderr:
            first = (stdout + stderr).split("Traceback (most recent call last)", 1)[1][:2000]
            figures.fail(name, "traceback in CLI output", first)
        if proc.returncode not in (0, 1, 2):
            figures.fail(name, "unexpected exit code", str(proc.returncode))


def check_cli_writes(fixed_outputs: Dict[str, bytes], figures: Figures) -> None:
    """`aiolint fix --unsafe-fixes` on copies of the changed files writes what fix_source produced."""
    if not fixed_outputs:
        return
    with tempfile.TemporaryDirectory(prefix="aiolint-verify-") as tmp:
        copies: Dict[str, str] = {}
        for index, path in enumerate(sorted(fixed_outputs)):
            copy = os.path.join(tmp, f"{index:05d}_{os.path.basename(path)}")
            shutil.copyfile(path, copy)
            copies[copy] = path
        proc = subprocess.run(
            [sys.executable, "-m", "aiolint", "fix", "--unsafe-fixes", "--isolated", "--no-cache", tmp],
            capture_output=True,
            cwd=tmp,
        )
        if b"Traceback (most recent call last)" in proc.stdout + proc.stderr:
            figures.fail("fix (writing)", "traceback in CLI output", proc.stderr.decode("utf-8", "replace")[-2000:])
        for copy, path in copies.items():
            if Path(copy).read_bytes() != fixed_outputs[path]:
                figures.fail(path, "CLI fix wrote other bytes than fix_source", copy)
        leftovers = [name for name in os.listdir(tmp) if name.endswith(".aiolint-tmp")]
        if leftovers:
            figures.fail("fix (writing)", "temporary files left behind", ", ".join(leftovers[:5]))


def report(figures: Figures) -> str:
    lines = [
        f"files: {figures.files}, lines: {figures.lines}, seconds: {figures.seconds:.0f}",
        "findings: " + ", ".join(f"{code} {n}" for code, n in sorted(figures.findings.items())),
        "AIO000 causes:",
        *(f"  {n:5d}  {cause}" for cause, n in figures.aio000_causes.most_common()),
        f"files fixed: {figures.files_fixed}; fixes applied: {sum(figures.fixes_applied.values())} ("
        + ", ".join(f"{code} {n}" for code, n in sorted(figures.fixes_applied.items()))
        + ")",
        "findings new after fixing (not failures): "
        + (", ".join(f"{code} {n}" for code, n in sorted(figures.introduced.items())) or "none"),
    ]
    for name, info in figures.cli.items():
        lines.append(f"CLI {name}: {info}")
    lines.append(f"verification failures: {len(figures.failures)}")
    by_check = collections.Counter(check for _, check, _ in figures.failures)
    lines.extend(f"  {n:5d}  {check}" for check, n in by_check.most_common())
    return "\n".join(lines)


def verify(roots: Sequence[Path], cli: bool = True, jobs: int = 2) -> Figures:
    """Everything above, over every Python file under `roots`."""
    figures = Figures()
    started = time.perf_counter()
    fixed_outputs: Dict[str, bytes] = {}
    for root in roots:
        for path in iter_python_files([str(root)]):
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                figures.fail(path, "cannot read", str(exc))
                continue
            verify_file(path, data, figures, fixed_outputs)
    check_cli_writes(fixed_outputs, figures)
    if cli:
        run_cli([str(root) for root in roots], figures, jobs)
    figures.seconds = time.perf_counter() - started
    return figures
