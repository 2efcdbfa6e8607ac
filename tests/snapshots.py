"""Reviewed snapshots of what aiolint reports and fixes in every fixture.

Beside each fixture `fixtures/rules/<CODE>.py` and `fixtures/fixes/<CODE>_<case>.py` lies
`<name>.snap`: every finding with its code, name, range (line:col-end_line:end_col, 1-based,
end exclusive), the source it covers, its whole message and its fix (safe/unsafe and the
description), then, when something is fixable, the fixed source as a diff (safe fixes, and
with unsafe fixes if that differs). A fix case also keeps its whole fixed file in
`<name>.fixed.py`.

Regenerate after an intended change, then review the diff like code:

    python -m tests.snapshots --update          # from the repository root
    python tests/snapshots.py --update          # the same, from anywhere

`python tests/snapshots.py` (no flag) lists the snapshots that are missing or stale and
exits 1 if any are. `tests/test_snapshots.py` compares them in the suite. Only the public
API (`aiolint.lint`, `aiolint.fix_source`) produces them.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
FIX_FIXTURES = FIXTURES / "fixes"
UPDATE_COMMAND = "python -m tests.snapshots --update"

_DIRECTIVE = re.compile(r"^#\s*aiolint-fixture:\s*(.+)$", re.MULTILINE)
_CODE = re.compile(r"^(AIO\d{3})(?:_|$)")
SHOWN_LINES = 3  # lines of a multi-line range shown in the snapshot


def fixture_options(text: str) -> Dict[str, object]:
    """`# aiolint-fixture: key=value` / `# aiolint-fixture: flag` header lines as options."""
    options: Dict[str, object] = {}
    for directive in _DIRECTIVE.findall(text):
        key, sep, value = directive.strip().partition("=")
        options[key.strip()] = value.strip() if sep else True
    return options


@dataclass(frozen=True)
class Fixture:
    path: Path

    @property
    def code(self) -> str:
        match = _CODE.match(self.path.stem)
        if match is None:
            raise ValueError(f"{self.relative}: a fixture is named <CODE>.py or <CODE>_<case>.py")
        return match.group(1)

    @property
    def relative(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def snapshot(self) -> Path:
        return self.path.with_name(self.path.stem + ".snap")

    @property
    def fixed(self) -> Optional[Path]:
        """The whole fixed file a fix case keeps beside it (None for rule fixtures)."""
        if self.path.parent == FIX_FIXTURES:
            return self.path.with_name(self.path.stem + ".fixed.py")
        return None

    def settings(self):
        """The settings the fixture asks for (its header), only its own rule selected; unsafe?"""
        from aiolint.core.settings import settings_from_options

        options = fixture_options(self.path.read_text(encoding="utf-8"))
        unsafe = bool(options.pop("unsafe-fixes", False))
        return settings_from_options(options, select=(self.code,)), unsafe


def fixtures() -> List[Fixture]:
    """Every fixture on disk: rule fixtures and fix cases (not their `.fixed.py` outputs)."""
    found = [Fixture(p) for p in sorted(RULE_FIXTURES.glob("*.py"))]
    found += [Fixture(p) for p in sorted(FIX_FIXTURES.glob("*.py")) if not p.name.endswith(".fixed.py")]
    return found


def _excerpt(lines: List[str], finding) -> List[str]:
    """The source lines of a finding's range, the covered columns underlined with ^."""
    shown = []
    last = min(finding.end_line, finding.line + SHOWN_LINES - 1, len(lines))
    width = len(str(last))
    for number in range(finding.line, last + 1):
        text = lines[number - 1].rstrip("\r\n")
        start = finding.col if number == finding.line else len(text) - len(text.lstrip()) + 1
        end = finding.end_col if number == finding.end_line else len(text) + 1
        shown.append(f"  {number:>{width}} | {text}".rstrip())
        shown.append(f"  {'':>{width}} | {' ' * (start - 1)}{'^' * max(1, end - start)}")
    if last < finding.end_line:
        shown.append(f"  {'':>{width}} | ... ({finding.end_line - last} more lines)")
    return shown


def _diff(before: str, after: str, title: str, path: str) -> List[str]:
    if before == after:
        return [f"{title}: no change"]
    lines = [f"{title}:"]
    lines += [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}", n=2
        )
    ]
    return lines


def render(fixture: Fixture) -> Tuple[str, Optional[str]]:
    """The snapshot text of one fixture, and for a fix case its whole fixed file."""
    import aiolint

    source = fixture.path.read_bytes()
    text = source.decode("utf-8")
    lines = text.splitlines(True)
    settings, unsafe = fixture.settings()
    findings = sorted(aiolint.lint(source, fixture.relative, settings), key=lambda f: (f.line, f.col, f.code))
    out = [
        f"# {fixture.relative}: what aiolint --select {fixture.code} reports and fixes.",
        f"# Generated by `{UPDATE_COMMAND}`; review changes like code, never edit by hand.",
        f"# {len(findings)} finding{'s' if len(findings) != 1 else ''}; ranges are"
        " line:col-end_line:end_col, 1-based, end exclusive.",
    ]
    for finding in findings:
        out.append("")
        out.append(
            f"{finding.code} {finding.name} at "
            f"{finding.line}:{finding.col}-{finding.end_line}:{finding.end_col}"
        )
        out += _excerpt(lines, finding)
        out.append(f"  message: {finding.message}")
        if finding.fix is not None:
            out.append(f"  fix ({finding.fix.applicability}): {finding.fix.description}")
        else:
            out.append("  fix: none")

    fixed_text = None
    if any(f.fix is not None for f in findings) or fixture.fixed is not None:
        safe = aiolint.fix_source(source, fixture.relative, settings, unsafe=False)
        every = aiolint.fix_source(source, fixture.relative, settings, unsafe=True)
        safe_text, every_text = safe.source.decode("utf-8"), every.source.decode("utf-8")
        out.append("")
        out += _diff(text, safe_text, f"aiolint fix (safe fixes: {len(safe.fixed)} fixed, "
                     f"{len(safe.remaining)} remaining)", fixture.relative)
        if every_text != safe_text:
            out.append("")
            out += _diff(text, every_text, f"aiolint fix --unsafe-fixes ({len(every.fixed)} fixed, "
                         f"{len(every.remaining)} remaining)", fixture.relative)
        if fixture.fixed is not None:
            fixed_text = every_text if unsafe else safe_text
    return "\n".join(out) + "\n", fixed_text


@dataclass(frozen=True)
class Stale:
    path: Path
    reason: str  # "missing" or "stale"
    expected: str
    actual: Optional[str]


def check(fixture: Fixture) -> List[Stale]:
    """What on disk differs from what aiolint produces now for `fixture`."""
    snapshot, fixed = render(fixture)
    problems = []
    wanted = [(fixture.snapshot, snapshot)]
    if fixture.fixed is not None and fixed is not None:
        wanted.append((fixture.fixed, fixed))
    for path, expected in wanted:
        if not path.is_file():
            problems.append(Stale(path, "missing", expected, None))
            continue
        actual = path.read_text(encoding="utf-8")
        if actual != expected:
            problems.append(Stale(path, "stale", expected, actual))
    return problems


def orphans() -> List[Path]:
    """Snapshots whose fixture is gone."""
    known = {f.snapshot for f in fixtures()}
    return [p for d in (RULE_FIXTURES, FIX_FIXTURES) for p in sorted(d.glob("*.snap")) if p not in known]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.snapshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="write the snapshots that are missing or stale")
    args = parser.parse_args(argv)
    problems = [problem for fixture in fixtures() for problem in check(fixture)]
    for problem in problems:
        name = problem.path.relative_to(ROOT).as_posix()
        if args.update:
            with open(problem.path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(problem.expected)
            print(f"{'wrote' if problem.reason == 'missing' else 'updated'} {name}")
        else:
            print(f"{problem.reason}: {name}")
    for orphan in orphans():
        if args.update:
            orphan.unlink()
            print(f"removed {orphan.relative_to(ROOT).as_posix()} (its fixture is gone)")
        else:
            print(f"orphan: {orphan.relative_to(ROOT).as_posix()} (its fixture is gone)")
    if not args.update and (problems or orphans()):
        print(f"run `{UPDATE_COMMAND}` and review the diff", file=sys.stderr)
        return 1
    if not problems:
        print(f"{len(fixtures())} fixtures, every snapshot up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
