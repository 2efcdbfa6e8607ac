"""The pre-screen: what a file must contain for a rule to have anything to report.

A rule declares `needs` as data: where it reports (async code, sync functions, module
level, anywhere), which callees it can report (by the last part of their name), which
modules must be imported, and which shapes of code it looks for. This module checks
those needs in one place, in two steps, each far cheaper than the LibCST parse it saves:

1. on the text: the names a need requires must occur as substrings (`str in`, no regex);
2. on Python's own `ast` tree (flake8 hands it over for free; the CLI parses with CPython's
   C parser): one walk collects the file's `Facts`, and a need holds only if its names are
   called in the context where the rule reports.

A need is a necessary condition: it may let a file through that has nothing to find, but it
must never keep out one that has (the tests run every fixture and a corpus sample with and
without the screen and require the same findings).
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple


class Where(Enum):
    """The context a rule reports in (as the semantic model defines async context)."""

    ASYNC = "async"  # the body of an `async def`, not of a def/lambda/class nested in it
    SYNC = "sync"  # the body of a sync `def`, `lambda` or class
    MODULE = "module"  # top-level statements (incl. `if __name__ == "__main__":`)
    ANY = "any"


class Shape(Enum):
    """Shapes of code some rules look for, besides calls."""

    AWAIT_RUN = "two consecutive statements that await, in one block"
    AWAIT_IN_LOOP = "an await inside a for/async for loop or a comprehension"
    AWAITED_NAMES = "two awaits of plain names in one function"
    NAME_AWAITED_TWICE = "a plain name awaited twice in one function"
    SYNC_DEF = "a sync def (a helper that may block)"
    ASYNC_CODE = "an async def"


@dataclass(frozen=True)
class Needs:
    """One necessary condition; a rule with several is screened in when any holds."""

    where: Where = Where.ASYNC
    # A call in `where` whose callee's last name part is one of these (empty: no call needed).
    calls: FrozenSet[str] = frozenset()
    # Only calls that are a whole expression statement (`f()` on its own line, or `_ = f()`).
    statement: bool = False
    # Only calls directly awaited (`await f()`).
    awaited: bool = False
    # An expression-statement call of an `async def` defined in this module (any `where`).
    calls_local_coroutine: bool = False
    # One of these modules (or a submodule) is imported somewhere in the file.
    imports: Tuple[str, ...] = ()
    # Shapes that must all occur (in `where`, for the await shapes: in async code).
    shapes: FrozenSet[Shape] = frozenset()

    def literals(self) -> Tuple[FrozenSet[str], ...]:
        """Sets of strings, one of each must occur in the text (step 1)."""
        out: List[FrozenSet[str]] = []
        if self.where is Where.ASYNC or self.shapes & _ASYNC_SHAPES or self.awaited or self.calls_local_coroutine:
            out.append(frozenset({"async"}))
        if self.calls:
            out.append(self.calls)
        if self.imports:
            out.append(frozenset(module.split(".")[0] for module in self.imports))
        if self.awaited or self.shapes & _AWAIT_SHAPES:
            out.append(frozenset({"await"}))
        return tuple(out)

    def sync(self) -> "Needs":
        """The same need, met in sync functions (AIO107 looks for blocking calls in helpers)."""
        return replace(self, where=Where.SYNC)


_AWAIT_SHAPES = frozenset({Shape.AWAIT_RUN, Shape.AWAIT_IN_LOOP, Shape.AWAITED_NAMES, Shape.NAME_AWAITED_TWICE})
_ASYNC_SHAPES = _AWAIT_SHAPES | {Shape.ASYNC_CODE}


def text_may_meet(needs: Iterable[Needs], text: str) -> bool:
    """Step 1: could any need hold, judging by the text alone?"""
    for need in needs:
        if all(any(literal in text for literal in group) for group in need.literals()):
            return True
    return False


# ------------------------------------------------------------------------------ facts
@dataclass
class Facts:
    """What one walk of a module's `ast` tree found."""

    imports: Set[str] = field(default_factory=set)  # "a", "a.b", "a.b.c" for `import a.b.c`
    contexts: Set[Where] = field(default_factory=set)  # where any code is (ASYNC: an async def exists)
    calls: Dict[Where, Set[str]] = field(default_factory=dict)  # last name part of each callee
    statement_calls: Dict[Where, Set[str]] = field(default_factory=dict)
    awaited_calls: Set[str] = field(default_factory=set)
    local_coroutines: Set[str] = field(default_factory=set)  # names of the module's async defs
    statement_call_names: Set[str] = field(default_factory=set)  # any context
    shapes: Set[Shape] = field(default_factory=set)

    def called(self, where: Where, names: FrozenSet[str], table: Dict[Where, Set[str]]) -> bool:
        if where is Where.ANY:
            return any(not names.isdisjoint(found) for found in table.values())
        return not names.isdisjoint(table.get(where, ()))

    def meets(self, need: Needs) -> bool:
        if need.imports and not any(module in self.imports for module in need.imports):
            return False
        if need.where is not Where.ANY and need.where not in self.contexts:
            return False
        if not need.shapes <= self.shapes:
            return False
        if need.calls:
            if need.awaited:
                if need.calls.isdisjoint(self.awaited_calls):
                    return False
            elif not self.called(need.where, need.calls, self.statement_calls if need.statement else self.calls):
                return False
        if need.calls_local_coroutine and self.local_coroutines.isdisjoint(self.statement_call_names):
            return False
        return True


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _callee_name(func: ast.expr) -> Optional[str]:
    kind = type(func)
    if kind is ast.Attribute:
        return func.attr  # type: ignore[attr-defined]
    if kind is ast.Name:
        return func.id  # type: ignore[attr-defined]
    return None


def collect_facts(tree: ast.AST) -> Facts:
    """One iterative walk (no recursion: deep nesting is legal Python)."""
    facts = Facts()
    aliases: Dict[str, str] = {}  # `from m import a as b`: b -> a, so `b()` also counts as a call of `a`
    # Each entry: node, where, the function it runs in, the statement holding it, whether in a loop.
    stack: List[tuple] = [(tree, Where.MODULE, None, None, False)]
    enclosing: Dict[int, Optional[ast.stmt]] = {}  # statement -> the statement it is nested in
    awaiting: Set[int] = set()  # statements of async code that contain an await
    blocks: List[list] = []  # statement lists of async code, for AWAIT_RUN
    awaited_names: Counter = Counter()  # (function id, name)
    calls, statement_calls = facts.calls, facts.statement_calls
    AsyncDef, Call, Await, Name, Expr, Assign, stmt = (
        ast.AsyncFunctionDef, ast.Call, ast.Await, ast.Name, ast.Expr, ast.Assign, ast.stmt
    )
    while stack:
        node, where, function, statement, in_loop = stack.pop()
        kind = type(node)
        if isinstance(node, stmt):
            enclosing[id(node)] = statement
            statement = node
            if kind in _FUNCTIONS or kind is ast.ClassDef:
                inner = Where.ASYNC if kind is AsyncDef else Where.SYNC
                facts.contexts.add(inner)
                if kind is AsyncDef:
                    facts.local_coroutines.add(node.name)
                    facts.shapes.add(Shape.ASYNC_CODE)
                elif kind is ast.FunctionDef:
                    facts.shapes.add(Shape.SYNC_DEF)
                # Decorators, defaults, bases and annotations run where the def is; the body elsewhere.
                for name, value in ast.iter_fields(node):
                    if name == "body":
                        if inner is Where.ASYNC:
                            blocks.append(value)
                        for child in reversed(value):
                            stack.append((child, inner, node, None, False))
                    else:
                        _push(stack, value, where, function, statement, in_loop)
                continue
            if kind is ast.Import:
                for alias in node.names:
                    _add_module(facts.imports, alias.name)
            elif kind is ast.ImportFrom:
                if node.module and not node.level:
                    _add_module(facts.imports, node.module)
                    for alias in node.names:
                        facts.imports.add(f"{node.module}.{alias.name}")
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
            elif kind is Expr or (kind is Assign and _is_underscore(node.targets)):
                value = node.value
                if type(value) is Await:
                    value = value.value
                if type(value) is Call:
                    name = _callee_name(value.func)
                    if name is not None:
                        found = statement_calls.setdefault(where, set())
                        found.add(name)
                        facts.statement_call_names.add(name)
                        if name in aliases:
                            found.add(aliases[name])
            if kind in _LOOPS and where is Where.ASYNC:
                in_loop = True
            for name, value in ast.iter_fields(node):
                if where is Where.ASYNC and type(value) is list and value and isinstance(value[0], stmt):
                    blocks.append(value)
                _push(stack, value, where, function, statement, in_loop)
            continue
        if kind is Call:
            name = _callee_name(node.func)
            if name is not None:
                found = calls.setdefault(where, set())
                found.add(name)
                if name in aliases:
                    found.add(aliases[name])
        elif kind is Await and where is Where.ASYNC:
            current = statement
            while current is not None and id(current) not in awaiting:  # it and all that hold it
                awaiting.add(id(current))
                current = enclosing.get(id(current))
            if in_loop:
                facts.shapes.add(Shape.AWAIT_IN_LOOP)
            value = node.value
            if type(value) is Call:
                name = _callee_name(value.func)
                if name is not None:
                    facts.awaited_calls.add(name)
                    if name in aliases:
                        facts.awaited_calls.add(aliases[name])
            elif type(value) is Name:
                awaited_names[(id(function), value.id)] += 1
        elif kind is ast.Lambda:
            facts.contexts.add(Where.SYNC)
            for name, value in ast.iter_fields(node):
                if name == "body":
                    stack.append((value, Where.SYNC, node, statement, False))
                else:
                    _push(stack, value, where, function, statement, in_loop)
            continue
        elif kind in _COMPREHENSIONS and where is Where.ASYNC:
            in_loop = True
        for _, value in ast.iter_fields(node):
            _push(stack, value, where, function, statement, in_loop)
    facts.contexts.add(Where.MODULE)
    if any(_has_run(block, awaiting) for block in blocks):
        facts.shapes.add(Shape.AWAIT_RUN)
    per_function: Counter = Counter(function for function, _ in awaited_names)
    if any(count >= 2 for count in per_function.values()):
        facts.shapes.add(Shape.AWAITED_NAMES)
    if any(count >= 2 for count in awaited_names.values()):
        facts.shapes.add(Shape.NAME_AWAITED_TWICE)
    return facts


def _push(stack: list, value, where: Where, function, statement, in_loop: bool) -> None:
    if type(value) is list:
        for child in reversed(value):
            if isinstance(child, ast.AST):
                stack.append((child, where, function, statement, in_loop))
    elif isinstance(value, ast.AST):
        stack.append((value, where, function, statement, in_loop))


def _add_module(imports: Set[str], dotted: str) -> None:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        imports.add(".".join(parts[:end]))


def _is_underscore(targets: list) -> bool:
    return len(targets) == 1 and type(targets[0]) is ast.Name and targets[0].id == "_"


def _has_run(block: list, awaiting: Set[int]) -> bool:
    """Two consecutive statements that each contain an await (a superset of any await run)."""
    previous = False
    for statement in block:
        current = id(statement) in awaiting
        if previous and current:
            return True
        previous = current
    return False
