"""The engine: source in, findings out. A pure function that never raises.

    lint(source, path, settings) -> [Finding]
    fix_source(source, path, settings, unsafe=False) -> FixResult

Cost model, in the order the work happens:
1. Decode and ask each enabled rule whether its triggers occur in the text.
   A file that triggers no rule is done here, without a LibCST parse.
2. Parse once with LibCST and walk once; the triggered rules share the walk.
3. Only if something was found: compute positions (a code generation like
   PositionProvider's, stopped after the last reported node: positions.py).
"""
from __future__ import annotations

import ast
import functools
import gc
import io
import itertools
import re
import threading
import tokenize
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar, Union

import libcst as cst

from aiolint import noqa
from aiolint.findings import Finding
from aiolint.positions import locate
from aiolint.rule import Rule
from aiolint.rules import all_rules
from aiolint.semantics import SemanticModel, project
from aiolint.semantics.scopes import _COMPREHENSIONS
from aiolint.settings import DEFAULT_SETTINGS, Settings
from aiolint.traversal import walk

Source = Union[bytes, str]
T = TypeVar("T")


def internal_error_finding(message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding("AIO000", "internal-error", message, line, col, line, col)


def describe(exc: BaseException) -> str:
    """`Type: message`, one short line. Must not raise itself: a KeyError holding a deeply
    nested LibCST node recurses while its message is formatted."""
    try:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:
        message = "(message could not be shown)"
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def from_recursion(exc: BaseException) -> bool:
    """Did this start as a RecursionError? LibCST's code generation turns one into a chain of
    KeyErrors on the way out of its context managers."""
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__context__
    return False


def decode(source: Source) -> str:
    """The text of a module, decoded the way Python would (coding cookie, BOM)."""
    if isinstance(source, str):
        return source[1:] if source.startswith("\ufeff") else source
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


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
    return tuple(rule for rule in enabled_rules(settings) if rule.is_triggered(text, settings))


def _with_project_rules(
    rules: Tuple[Type[Rule], ...], text: str, path: str, settings: Settings
) -> Tuple[Type[Rule], ...]:
    """The triggered rules, plus those that names imported from the rest of the project make
    relevant (a helper there that blocks, a class with blocking or coroutine methods, a module
    object of a blocking type): the file's text cannot show those."""
    if "async" not in text or not path or path.startswith("<"):
        return rules
    codes = project.relevant_codes(path)
    if not codes:
        return rules
    have = set(rules)
    extra = tuple(rule for rule in enabled_rules(settings) if rule.code in codes and rule not in have)
    return rules + extra if extra else rules


class _Run:
    """One traversal of one module by the triggered rules."""

    def __init__(
        self, module: cst.Module, text: str, rules: Sequence[Type[Rule]], settings: Settings, project=None
    ):
        self.model = SemanticModel(module, text, project=project)
        self.findings: List[Finding] = []
        self.failure: Optional[str] = None
        self.rules = [rule(self.model, settings, self.findings.append) for rule in rules]
        self._dispatch()

    def _dispatch(self) -> None:
        visits: Dict[type, list] = {}
        leaves: Dict[type, list] = {}
        for rule in self.rules:
            for node_class, names in rule._visits.items():
                visits.setdefault(node_class, []).extend(getattr(rule, n) for n in names)
            for node_class, names in rule._leaves.items():
                leaves.setdefault(node_class, []).extend(getattr(rule, n) for n in names)
        self.visits = {k: tuple(v) for k, v in visits.items()}
        self.leaves = {k: tuple(v) for k, v in leaves.items()}

    def _call(self, handlers: tuple, node: cst.CSTNode) -> None:
        for handler in handlers:
            try:
                handler(node)
            except Exception as exc:  # a broken rule must not take the others down
                self._rule_failed(handler.__self__, exc)

    def _rule_failed(self, rule: Rule, exc: Exception) -> None:
        if rule not in self.rules:
            return
        self.rules.remove(rule)
        self.findings[:] = [f for f in self.findings if f.code != rule.code]
        if self.failure is None and from_recursion(exc):  # valid code, just deep
            self.failure = f"this file is nested too deeply for {rule.code} to analyse; {rule.code} did not check it"
        elif self.failure is None:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.failure = (
                f"internal error in {rule.code} ({describe(exc)} at "
                f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report it"
            )
        self._dispatch()

    def run(self) -> List[Finding]:
        model = self.model
        push, pop = model.ancestors.append, model.ancestors.pop
        # By type, not isinstance(): LibCST's classes are ABCs, and isinstance() on them is slow.
        # The comprehension classes have no subclasses.
        comprehensions = frozenset(_COMPREHENSIONS)

        def on_enter(node: cst.CSTNode) -> None:
            cls = type(node)
            handlers = self.visits.get(cls)  # self.visits changes when a rule fails
            if handlers:
                self._call(handlers, node)
            push(node)
            if cls in comprehensions:
                model.enter_scope(node)

        def on_leave(node: cst.CSTNode) -> None:
            cls = type(node)
            if cls in comprehensions:
                model.leave_scope(node)
            pop()
            handlers = self.leaves.get(cls)
            if handlers:
                self._call(handlers, node)

        walk(model.module, on_enter, on_leave, model.enter_scope, model.leave_scope)
        return self.findings


def _locate(module: cst.Module, findings: List[Finding]) -> None:
    # PositionProvider's ranges, computed for the reported nodes only (see positions.py).
    ranges = locate(module, [f.node for f in findings if f.node is not None])
    for finding in findings:
        where = ranges.get(id(finding.node)) if finding.node is not None else None
        if where is None:
            finding.line, finding.col, finding.end_line, finding.end_col = 1, 1, 1, 1
        else:
            (finding.line, col), (finding.end_line, end_col) = where
            finding.col, finding.end_col = col + 1, end_col + 1


def _analyse(
    module: cst.Module, text: str, rules: Sequence[Type[Rule]], settings: Settings, path: str = "<string>"
) -> List[Finding]:
    run = _Run(module, text, rules, settings, project.view_for(path))
    findings = run.run()
    if findings:
        _locate(module, findings)
        if settings.respect_noqa:
            findings = noqa.filter_findings(text, findings)
    if run.failure is not None:
        findings.append(internal_error_finding(run.failure))
    findings.sort(key=Finding.sort_key)
    return findings


class TooDeep(Exception):
    """Nested deeper than Python itself accepts; LibCST's native parser would overflow its stack."""


# CPython's tokenizer rejects more than 200 nested brackets ("too many nested parentheses");
# LibCST's native parser has no such limit and its memory grows quadratically with the depth
# before it overflows the C stack (a segfault no `except` can catch) near 2,000.
MAX_BRACKET_DEPTH = 200
_BRACKET_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
# Deep chains without brackets (`a and a and ...`, long elif chains) recurse too: parse them on a
# thread whose stack is large enough for anything the 200-bracket limit lets through.
PARSER_STACK_SIZE = 256 * 1024 * 1024


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counting brackets in strings and comments too (an upper bound)."""
    brackets = _NOT_BRACKETS.sub("", text)
    if len(brackets) <= 2 * MAX_BRACKET_DEPTH:
        return len(brackets) // 2
    return max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)))


def _real_bracket_depth(text: str) -> int:
    """Bracket nesting outside strings and comments (tokenizes: only for files the bound flags)."""
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in _BRACKET_STEP:
                depth += _BRACKET_STEP[token.string]
                deepest = max(deepest, depth)
    except (tokenize.TokenError, SyntaxError):
        pass  # what was seen so far is a fine answer: the parser reports the error itself
    return deepest


def _on_big_stack(function: Callable[..., T], *args: Any) -> T:
    """Run `function` on a fresh thread with a large stack (a new thread each time: fork-safe)."""
    outcome: List[Any] = []

    def run() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # re-raised in the caller's thread below
            outcome.append((False, exc))

    try:
        with _STACK_SIZE_LOCK:
            previous = threading.stack_size(PARSER_STACK_SIZE)
            try:
                worker = threading.Thread(target=run, name="aiolint-parser", daemon=True)
                worker.start()
            finally:
                threading.stack_size(previous)
    except (RuntimeError, ValueError, MemoryError):
        # No thread to be had (a thread limit, `ulimit -v` too small for the stack): parse on
        # this thread, as before; only input deep enough to need the big stack is at risk.
        return function(*args)
    worker.join()
    ok, value = outcome[0]
    if ok:
        return value
    raise value


_STACK_SIZE_LOCK = threading.Lock()


def parse(source: Source) -> cst.Module:
    if isinstance(source, str) and source.startswith("\ufeff"):
        source = source[1:]
    text = source if isinstance(source, str) else decode(source)
    if _bracket_depth(text) > MAX_BRACKET_DEPTH and _real_bracket_depth(text) > MAX_BRACKET_DEPTH:
        raise TooDeep(f"more than {MAX_BRACKET_DEPTH} nested brackets, which Python rejects too")
    return _on_big_stack(_parse_module, source)


def _parse_module(source: Source) -> cst.Module:
    # A parse allocates ~20 objects per line and frees none: the cyclic GC would scan the
    # growing heap (all of flake8's, inside flake8) again and again for nothing. LibCST
    # trees hold no reference cycles, so collection can wait until the parse is done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return cst.parse_module(source)
    finally:
        if enabled:
            gc.enable()


def _syntax_error(exc: cst.ParserSyntaxError, text: str) -> Finding:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
    detail = exc.message.strip().splitlines()[0] if getattr(exc, "message", "") else first
    line, col = max(exc.raw_line, 1), exc.raw_column + 1
    # LibCST reports the token where its parser gave up, often a line past the mistake;
    # Python's own parser points at the mistake. Only compiled, never run; only on this
    # rare path, and only when Python rejects the file too.
    try:
        ast.parse(text)
    except SyntaxError as python:
        if python.lineno:
            line, col = python.lineno, max(python.offset or 1, 1)
    except Exception:  # ValueError (NUL bytes), RecursionError, MemoryError: keep LibCST's place
        pass
    return internal_error_finding(f"cannot parse this file ({detail}); aiolint did not check it", line, col)


def lint(source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> List[Finding]:
    """All findings in one module. Never raises: failures become one AIO000 finding."""
    return lint_with_dependencies(source, path, settings)[0]


def lint_with_dependencies(
    source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS
) -> Tuple[List[Finding], List[Tuple[str, int, int]]]:
    """`lint`, and the other project files its findings were read from, as (path, size, mtime_ns):
    a cached result stays good only while they do."""
    try:
        project.start_recording(path)
    except Exception:  # never raise: without the project, findings are those of the file alone
        return _lint(source, path, settings), []
    try:
        findings = _lint(source, path, settings)
    finally:
        try:
            dependencies = project.stop_recording(path)
        except Exception:
            dependencies = []
    return findings, dependencies


def _lint(source: Source, path: str, settings: Settings) -> List[Finding]:
    try:
        text = decode(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:  # bad bytes, bad coding cookie
        return [internal_error_finding(f"cannot decode this file ({describe(exc)}); aiolint did not check it")]
    except Exception as exc:
        return [internal_error_finding(f"internal error ({describe(exc)}); please report it")]
    try:
        rules = _with_project_rules(triggered_rules(text, settings), text, path, settings)
        if not rules:
            return []
        return _analyse(parse(source), text, rules, settings, path)
    except cst.ParserSyntaxError as exc:
        return [_syntax_error(exc, text)]
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
    source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS, *, unsafe: bool = False
) -> FixResult:
    """Apply the fixes of all findings (safe ones, and unsafe ones if asked) until nothing changes.

    Each pass applies every non-overlapping fix in one transformation, and the result
    must parse again before it is accepted. An unparsable file is returned untouched.
    Never raises.
    """
    from aiolint.fixer import apply_fixes

    current = source
    fixed: List[Finding] = []
    try:
        text = decode(source)
        rules = _with_project_rules(triggered_rules(text, settings), text, path, settings)
        for _ in range(MAX_FIX_PASSES):
            if not rules:
                break
            module = parse(current)
            findings = _analyse(module, text, rules, settings, path)
            wanted = [f for f in findings if f.fix is not None and (unsafe or f.fix.is_safe)]
            if not wanted:
                break
            new_module, applied = apply_fixes(module, wanted)
            new_source: Source = new_module.bytes if isinstance(current, bytes) else new_module.code
            if not applied or new_source == current:
                break
            parse(new_source)  # the fixed code must parse, or this pass is dropped
            current, text = new_source, decode(new_source)
            fixed.extend(applied)
            rules = _with_project_rules(triggered_rules(text, settings), text, path, settings)
    except Exception:
        # Keep what earlier passes verified; the re-check below reports the rest.
        pass
    return FixResult(current, fixed, lint(current, path, settings))


# ------------------------------------------------------------------------- fixes as text
def fix_edits(source: Source, path: str = "<string>", settings: Settings = DEFAULT_SETTINGS) -> Dict[tuple, list]:
    """For reports that show fixes (JSON): each fixable finding's own fix as text edits.

    Keyed by `Finding.sort_key()` (line, col, code). Each fix is applied alone to the
    module and the result diffed against the source, so only files that have fixable
    findings pay for it, and only when a report asks. Never raises.
    """
    from aiolint.fixer import apply_fixes
    from aiolint.textedits import text_edits

    edits: Dict[tuple, list] = {}
    try:
        text = decode(source)
        rules = _with_project_rules(triggered_rules(text, settings), text, path, settings)
        if not rules:
            return edits
        module = parse(source)
        for finding in _analyse(module, text, rules, settings, path):
            if finding.fix is None:
                continue
            fixed, applied = apply_fixes(module, [finding])
            if applied:
                edits[finding.sort_key()] = text_edits(text, fixed.code)
    except KeyboardInterrupt:
        raise
    except BaseException:  # a report without edits beats no report (PanicException is a BaseException)
        pass
    return edits
