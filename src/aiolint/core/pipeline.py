"""The engine: source in, findings out. A pure function that never raises.

    lint(source, path, settings) -> [Finding]
    fix_source(source, path, settings, unsafe=False) -> FixResult
    fix_edits(source, path, settings) -> {finding key: [text edits]}

All three go through `analyse`, in the order the work happens:
1. decode, and ask each enabled rule whether its triggers occur in the text (`screen`);
   a file that triggers no rule is done here, without a LibCST parse;
2. parse once (`parse`: safe against deep nesting, GC paused);
3. walk once with all triggered rules (`dispatch`);
4. only if something was reported: positions of the reported nodes (`locate`), then `# noqa`.
`lint` turns every failure into one AIO000 finding.
"""
from __future__ import annotations

import ast
import functools
import gc
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Type

import libcst as cst

from aiolint.core import noqa
from aiolint.core.dispatch import RuleRun
from aiolint.core.findings import Finding
from aiolint.core.locate import located
from aiolint.core.needs import Facts, Shape, Where, collect_facts
from aiolint.core.parse import Source, TooDeep, decode, describe, from_recursion, parse
from aiolint.core.rule import Rule
from aiolint.core.settings import DEFAULT_SETTINGS, Settings
from aiolint.fixes.build import one_line
from aiolint.rules import all_rules
from aiolint.semantics import project


def internal_error_finding(message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding("AIO000", "internal-error", message, line, col, line, col)


def enabled_rules(settings: Settings) -> Tuple[Type[Rule], ...]:
    try:
        return _enabled_rules(settings)
    except TypeError:  # settings that cannot be hashed: work it out each time
        return tuple(rule for rule in all_rules() if settings.is_enabled(rule.code))


@functools.lru_cache(maxsize=64)
def _enabled_rules(settings: Settings) -> Tuple[Type[Rule], ...]:
    # Asked once per file; Settings is frozen, so the answer is too.
    return tuple(rule for rule in all_rules() if settings.is_enabled(rule.code))


def triggered_rules(text: str, settings: Settings) -> Tuple[Type[Rule], ...]:
    seen: Dict[str, bool] = {}
    return tuple(rule for rule in enabled_rules(settings) if rule.is_triggered(text, settings, seen))


def screened_rules(text: str, settings: Settings, tree: Optional[ast.AST] = None) -> Tuple[Type[Rule], ...]:
    """The rules that may find something: the text check, then the `ast` facts (`core/needs.py`).

    `tree` is Python's own tree of `text` when the caller has one (flake8 does); otherwise it is
    parsed here, only when the text check lets a rule with `needs` through. A file Python cannot
    parse keeps the rules the text let through: the LibCST parse then reports it."""
    return _screen(text, settings, tree)[0]


def _screen(
    text: str, settings: Settings, tree: Optional[ast.AST]
) -> Tuple[Tuple[Type[Rule], ...], bool, Optional[Facts]]:
    """`screened_rules`, whether Python's parser accepted the text on the way (so that the CLI's
    syntax check of a file no rule looks at does not parse it a second time), and the facts when
    they were collected (the project index reads them too)."""
    rules = triggered_rules(text, settings)
    if not any(rule.needs_for(settings) is not None for rule in rules):
        return rules, tree is not None, None
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return rules, False, None
    facts = collect_facts(tree, text)
    return tuple(rule for rule in rules if rule.is_screened_in(facts, settings)), True, facts


@dataclass
class Analysis:
    """One module analysed: its tree (None when no rule was triggered) and its located findings."""

    text: str
    module: Optional[cst.Module]
    findings: List[Finding]
    python_parsed: bool = False  # Python's parser accepted the text while screening


def analyse(
    source: Source,
    settings: Settings,
    text: Optional[str] = None,
    rules: Optional[Sequence[Type[Rule]]] = None,
    tree: Optional[ast.AST] = None,
    path: str = "<string>",
    module: Optional[cst.Module] = None,
) -> Analysis:
    """Steps 1-4 above. Raises what decoding and parsing raise; `lint` maps those to AIO000.

    `rules` runs exactly those rules, with no screen (the tests use it to prove a screen never
    hides a finding); `tree`, Python's `ast` of the source if the caller has it (flake8);
    `module`, LibCST's parse of the source if the caller has one (`fix_source` verified it parses)."""
    # The trees (Python's, LibCST's) and the project summaries hold no reference cycles: the cyclic
    # GC would only rescan the growing heap (all of flake8's inside flake8, the index's in a CLI
    # worker) again and again for nothing while they are built and walked.
    enabled = gc.isenabled()
    gc.disable()
    try:
        if text is None:
            text = decode(source)
        parsed = False
        if rules is None:
            rules, parsed, facts = _screen(text, settings, tree)
            rules = with_project_rules(rules, text, path, settings, facts, tree)
            tree = facts.tree if facts is not None else tree
        if not rules:
            return Analysis(text, None, [], parsed)
        return _analyse(source, text, rules, settings, path, module, tree)
    finally:
        if enabled:
            gc.enable()


def with_project_rules(
    rules: Tuple[Type[Rule], ...],
    text: str,
    path: str,
    settings: Settings,
    facts: Optional[Facts] = None,
    tree: Optional[ast.AST] = None,
) -> Tuple[Type[Rule], ...]:
    """The screened rules, plus those that names imported from the rest of the project make
    relevant (a helper there that blocks, a class with blocking or coroutine methods, a module
    object of a blocking type): the file's own text cannot show those.

    Only the rules not screened in already are asked about, and only the imports the file refers
    to; a project name counts only where a call names it as the rule would report it (the facts
    say which calls there are): most files never look at the index. `facts` and `tree` are the
    screen's, when it had them (else Python's `ast` is parsed here, only if it can matter)."""
    if "async" not in text or not path or path.startswith("<"):
        return rules
    have = {rule.code for rule in rules}
    wanted = frozenset(
        rule.code for rule in enabled_rules(settings) if rule.code in project.PROJECT_CODES and rule.code not in have
    )
    if not wanted:
        return rules
    if facts is None:
        try:
            facts = collect_facts(tree if tree is not None else ast.parse(text), text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return rules
    used = facts.names | facts.annotation_names
    imports = [(local, qualified) for local, qualified in facts.imported.items() if local in used]
    if not imports:
        return rules
    async_calls = frozenset(facts.calls.get(Where.ASYNC, ()))
    async_methods = frozenset(facts.method_calls.get(Where.ASYNC, ()))
    helper_calls, helper_methods = async_calls, async_methods
    if Shape.CALLS_LOCAL_HELPER in facts.shapes:  # AIO107 follows the module's sync helpers too
        helper_calls = async_calls | facts.calls.get(Where.SYNC, set())
        helper_methods = async_methods | facts.method_calls.get(Where.SYNC, set())
    calls = project.CallNames(
        statement=frozenset(facts.truth_calls).union(*facts.statement_calls.values()),
        receiver_statement=frozenset(facts.truth_calls).union(
            name[1:] for name in facts.statement_call_names if name[0] in ".?"
        ),
        in_async=async_calls,
        receiver_in_async=async_methods,
        helper=helper_calls,
        receiver_helper=helper_methods,
        text=text,
        # Looking at receivers costs a walk of the tree: worth it only where it may spare the parse.
        tree=facts.tree if not rules else None,
    )
    codes = project.relevant_codes(path, imports, calls, wanted)
    if not codes:
        return rules
    return rules + tuple(rule for rule in enabled_rules(settings) if rule.code in codes)


def _analyse(
    source: Source,
    text: str,
    rules: Sequence[Type[Rule]],
    settings: Settings,
    path: str = "<string>",
    module: Optional[cst.Module] = None,
    tree: Optional[ast.AST] = None,
) -> Analysis:
    if module is None:
        module = parse(source)
    run = RuleRun(module, text, rules, settings, project.view_for(path))
    reports = run.run()
    findings = located(module, reports, text, run.tops, tree) if reports else []
    if findings and settings.respect_noqa:
        findings = noqa.filter_findings(text, findings)
    if run.failure is not None:
        findings.append(internal_error_finding(run.failure))
    findings.sort(key=Finding.sort_key)
    return Analysis(text, module, findings)


_LIBCST_PLACE = re.compile(r"^(?P<kind>[\w ]*error): error at (?P<line>\d+):(?P<col>\d+): ")


def _cannot_parse(detail: str, line: int, col: int) -> Finding:
    detail = one_line(detail, 160)
    return internal_error_finding(f"cannot parse this file ({detail}); aiolint did not check it", line, col)


def python_syntax_error(text: str, settings: Settings) -> Optional[Finding]:
    """AIO000 if Python itself cannot parse `text` (at Python's position), else None.

    Only parsed (an AST), never compiled to bytecode nor run. Top-level `await` (a notebook
    cell) is grammatical: only the compiler rejects it, and this does not compile."""
    try:
        ast.parse(text, "<aiolint>")
    except SyntaxError as python:
        line, col = max(python.lineno or 1, 1), max(python.offset or 1, 1)
        return _cannot_parse(f"{type(python).__name__}: {python.msg}", line, col)
    except ValueError as exc:  # NUL bytes
        return _cannot_parse(f"ValueError: {exc}", 1, 1)
    except (RecursionError, MemoryError):
        return None  # too deep for Python's parser here: LibCST's checks say what they can
    return None


def _syntax_error(exc: cst.ParserSyntaxError, text: str, settings: Settings) -> Finding:
    # LibCST reports the token where its parser gave up, often a line past the mistake;
    # Python's own parser points at the mistake, and its message and position agree.
    # Only on this rare path, and only when Python rejects the file too.
    python = python_syntax_error(text, settings)
    if python is not None:
        return python
    # Python accepts it and LibCST does not (syntax newer than this LibCST knows): LibCST's
    # message, with the position it names taken out of the text and used as the finding's.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
    detail = exc.message.strip().splitlines()[0] if getattr(exc, "message", "") else first
    line, col = max(exc.raw_line, 1), exc.raw_column + 1
    place = _LIBCST_PLACE.match(detail)
    if place:
        line, col = int(place["line"]), int(place["col"])
        detail = f"{place['kind']}: {detail[place.end():]}"
    return _cannot_parse(detail, line, col)


def lint(
    source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS, tree: Optional[ast.AST] = None
) -> List[Finding]:
    """All findings in one module. Never raises: failures become one AIO000 finding.

    `tree`: Python's `ast` of the same source, if the caller already has it (the flake8 plugin).
    The other project files the findings were read from are noted (`project.last_dependencies()`):
    a cached result holds only while they do."""
    try:
        project.start_recording(path)
    except Exception:  # never raise: without the project, findings are those of the file alone
        return _lint(source, path, settings, tree)
    try:
        return _lint(source, path, settings, tree)
    finally:
        project.stop_recording(path)


def _lint(source: Source, path: str, settings: Settings, tree: Optional[ast.AST]) -> List[Finding]:
    try:
        text = decode(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:  # bad bytes, bad coding cookie
        return [internal_error_finding(f"cannot decode this file ({describe(exc)}); aiolint did not check it")]
    except Exception as exc:
        return [internal_error_finding(f"internal error ({describe(exc)}); please report it")]
    try:
        in_pieces = _lint_in_pieces(text, settings)
        if in_pieces is not None:
            return in_pieces
        analysis = analyse(source, settings, text, tree=tree, path=path)
        if analysis.module is None and settings.report_syntax_errors and not analysis.python_parsed:
            # No rule was left by the screen, so LibCST never saw the file, and the screen did not
            # need Python's parse either: that parse alone says whether the file is valid (a file
            # either parser accepted is not parsed again).
            error = python_syntax_error(text, settings)
            return [error] if error is not None else analysis.findings
        return analysis.findings
    except cst.ParserSyntaxError as exc:
        return [_syntax_error(exc, text, settings)]
    except TooDeep as exc:
        return [internal_error_finding(f"cannot parse this file ({exc}); aiolint did not check it")]
    except RecursionError:
        return [internal_error_finding("this file is nested too deeply to analyse; aiolint did not check it")]
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the contract: never raise into flake8 or the CLI (LibCST's
        # native parser reports a Rust panic as PanicException, a BaseException)
        if from_recursion(exc):
            return [internal_error_finding("this file is nested too deeply to analyse; aiolint did not check it")]
        return [internal_error_finding(f"internal error ({describe(exc)}); please report it")]


def _lint_in_pieces(text: str, settings: Settings) -> Optional[List[Finding]]:
    """A big module, piece by piece (core/chunks.py), or None to analyse it whole: not big, or
    a piece does not parse (the whole-module path then reports the syntax error)."""
    from aiolint.core import chunks

    parts = chunks.pieces(text)
    if parts is None:
        return None
    quiet = replace(settings, respect_noqa=False)
    findings: List[Finding] = []
    for piece in parts:
        # Each piece is screened on its own (text, then `ast` facts), as a module would be: a piece
        # of handlers with one await each never runs the rules that need two.
        try:
            analysis = analyse(piece.text, quiet, piece.text)
        except cst.ParserSyntaxError:
            return None
        if analysis.module is None and settings.report_syntax_errors and not analysis.python_parsed:
            try:
                ast.parse(piece.text)
            except (SyntaxError, ValueError):
                return None
        offset = piece.first_line - 1 - piece.context_lines
        for finding in analysis.findings:
            if finding.code == "AIO000":  # a rule failed: said once, at the top
                if all(f.message != finding.message for f in findings):
                    findings.append(replace(finding, line=1, col=1, end_line=1, end_col=1))
                continue
            if finding.line <= piece.context_lines:
                continue  # another piece's statement, reported there
            moved = replace(
                finding.plain(),
                line=finding.line + offset,
                end_line=finding.end_line + offset if finding.end_line else 0,
            )
            findings.append(moved)
        del analysis
    if findings and settings.respect_noqa:
        findings = noqa.filter_findings(text, findings)
    findings.sort(key=Finding.sort_key)
    return findings


# ---------------------------------------------------------------------------------- fixing
MAX_FIX_PASSES = 8


@dataclass
class FixResult:
    source: Source  # the fixed source, same type as the input
    fixed: List[Finding] = field(default_factory=list)  # findings whose fix was applied
    remaining: List[Finding] = field(default_factory=list)  # findings left in the fixed source

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def fix_source(
    source: Source,
    path: str = "<string>",
    settings: Settings = DEFAULT_SETTINGS,
    *,
    unsafe: bool = False,
    enabled: Optional[Callable[[str], bool]] = None,
) -> FixResult:
    """Apply the fixes of all findings (safe ones, and unsafe ones if asked) until nothing changes.

    `enabled(code)`, if given, limits which findings' fixes apply (a file's per-file ignores).

    Each pass applies every non-overlapping fix in one transformation, and the result
    must parse again before it is accepted. An unparsable file is returned untouched.
    Never raises.
    """
    from aiolint.fixes.apply import apply_fixes

    current = source
    fixed: List[Finding] = []
    remaining: Optional[List[Finding]] = None  # the findings of `current`, once known
    parsed: Optional[cst.Module] = None  # `current` parsed, when a pass has just checked it does
    try:
        for _ in range(MAX_FIX_PASSES):
            analysis = analyse(current, settings, path=path, module=parsed)
            parsed = None
            remaining = analysis.findings
            wanted = [
                f
                for f in analysis.findings
                if f.fix is not None and (unsafe or f.fix.is_safe) and (enabled is None or enabled(f.code))
            ]
            if analysis.module is None or not wanted:
                break
            new_module, applied = apply_fixes(analysis.module, wanted)
            new_source: Source = new_module.bytes if isinstance(current, bytes) else new_module.code
            if not applied or new_source == current:
                break
            # The fixed code must parse, or this pass is dropped; the next pass analyses this parse.
            parsed = parse(new_source)
            current, remaining = new_source, None
            fixed.extend(applied)
    except Exception:
        # Keep what earlier passes verified; the re-check below reports the rest.
        remaining = None
    # The last pass analysed `current` and found nothing more to fix: its findings are what remains.
    return FixResult(current, fixed, remaining if remaining is not None else lint(current, path, settings))


# ------------------------------------------------------------------------- fixes as text
def fixed_versions(
    source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS
) -> Tuple[str, Dict[tuple, str]]:
    """For reports that show fixes: the module's text, and for each fixable finding (keyed by
    `Finding.sort_key()`) the module with that finding's fix alone applied.

    Only files that have fixable findings pay for it, and only when a report asks. Never raises.
    """
    from aiolint.fixes.apply import apply_fixes

    text = ""
    versions: Dict[tuple, str] = {}
    try:
        analysis = analyse(source, settings, path=path)
        text = analysis.text
        for finding in analysis.findings:
            if finding.fix is None or analysis.module is None:
                continue
            fixed, applied = apply_fixes(analysis.module, [finding])
            if applied:
                versions[finding.sort_key()] = fixed.code
    except KeyboardInterrupt:
        raise
    except BaseException:  # a report without fixes beats no report (PanicException is a BaseException)
        pass
    return text, versions


def fix_edits(source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> Dict[tuple, list]:
    """For reports that show fixes (JSON): each fixable finding's own fix as text edits,
    keyed by `Finding.sort_key()`. Never raises."""
    from aiolint.fixes.text_edits import text_edits

    text, versions = fixed_versions(source, path, settings)
    return {key: text_edits(text, fixed) for key, fixed in versions.items()}
