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
import functools
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from aiolint.semantics.project import record_import
from aiolint.semantics.receivers import add_mentioned_names


class Where(Enum):
    """The context a rule reports in (as the semantic model defines async context)."""

    ASYNC = "async"  # the body of an `async def`, not of a def/lambda/class nested in it
    SYNC = "sync"  # the body of a sync `def`, `lambda` or class
    MODULE = "module"  # top-level statements (incl. `if __name__ == "__main__":`)
    ANY = "any"


class Shape(Enum):
    """Shapes of code some rules look for, besides calls."""

    AWAIT_RUN = "two consecutive statements that await, in one block, or one statement that awaits twice"
    AWAIT_IN_LOOP = "an await inside a for/async for loop or a comprehension"
    AWAITED_NAMES = "two awaits of plain names in one function"
    NAME_AWAITED_TWICE = "a plain name awaited twice in one function"
    SYNC_DEF = "a sync def (a helper that may block)"
    ASYNC_CODE = "an async def"
    CALLS_LOCAL_HELPER = "async code calls a sync def of the module (a method of that name, a class with an __init__)"
    SLEEP_IN_WHILE = "a sleep awaited inside a while loop"
    YIELD_IN_GUARD = "a yield in async code inside with/async with/try-finally"
    UPDATE_ACROSS_AWAIT = "an augmented or self-referencing assignment whose value suspends"


@dataclass(frozen=True)
class Needs:
    """One necessary condition; a rule with several is screened in when any holds."""

    where: Where = Where.ASYNC
    # A call in `where` whose callee's last name part is one of these (empty: no call needed).
    calls: FrozenSet[str] = frozenset()
    # Only calls that are a whole expression statement (`f()` on its own line, or `_ = f()`).
    statement: bool = False
    # Only calls of a plain name (`open(...)`, not `x.open(...)`).
    bare: bool = False
    # Also a call, anywhere, of one of these (what builds the object `calls` are made on).
    built: FrozenSet[str] = frozenset()
    # Or, instead of `built`, an annotation naming one of these (what declares that object).
    annotated: FrozenSet[str] = frozenset()
    # Only calls directly awaited (`await f()`).
    awaited: bool = False
    # Only calls used as a truth value (`if f():`, `while f():`, `not f()`, an `and`/`or` operand);
    # with `calls_local_coroutine`: such a call of an async def of this module.
    truth: bool = False
    # An expression-statement call of an `async def` defined in this module (any `where`).
    calls_local_coroutine: bool = False
    # One of `calls` is handed an argument that is itself a call (`to_thread(f(x))`).
    argument_call: bool = False
    # One of `calls` is handed a name whose last part is one of these, or an async def of the module.
    arguments: FrozenSet[str] = frozenset()
    argument_local_coroutine: bool = False
    # One of these modules (or a submodule) is imported somewhere in the file.
    imports: Tuple[str, ...] = ()
    # An `except` in `where` catching one of these last names ("" for a bare `except:`).
    catches: FrozenSet[str] = frozenset()
    # None of these is imported (a rule that skips test modules whole).
    unless_imports: Tuple[str, ...] = ()
    # Shapes that must all occur (in `where`, for the await shapes: in async code).
    shapes: FrozenSet[Shape] = frozenset()
    # Only calls that are an item of a `with`/`async with` whose body cannot suspend (no await,
    # `async for`/`async with` or yield outside nested defs): a timeout scope with nothing to bound.
    idle_with: bool = False
    # One of these must occur in the text (as a substring): e.g. every spelling that can give an
    # object the type whose methods `calls` are (its classes, factories, annotations).
    mentions: FrozenSet[str] = frozenset()

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
        if self.mentions:
            out.append(self.mentions)
        return tuple(out)


_AWAIT_SHAPES = frozenset({Shape.AWAIT_RUN, Shape.AWAIT_IN_LOOP, Shape.AWAITED_NAMES, Shape.NAME_AWAITED_TWICE})
_ASYNC_SHAPES = _AWAIT_SHAPES | {Shape.ASYNC_CODE}


def text_may_meet(needs: Iterable[Needs], text: str, seen: Optional[Dict[str, bool]] = None) -> bool:
    """Step 1: could any need hold, judging by the text alone?

    `seen` remembers which literals occur in `text`, across the rules asked about one file (they
    share most of them: "async", "await", "open"...): each is searched for once."""
    if seen is None:
        seen = {}
    for need in needs:
        if all(_any_occurs(group, text, seen) for group in _literals(need)):
            return True
    return False


def _any_occurs(group: FrozenSet[str], text: str, seen: Dict[str, bool]) -> bool:
    for literal in group:
        found = seen.get(literal)
        if found is None:
            found = seen[literal] = literal in text
        if found:
            return True
    return False


@functools.lru_cache(maxsize=None)
def _literals(need: Needs) -> Tuple[FrozenSet[str], ...]:
    return need.literals()  # a need is frozen: its literals are worked out once


# ------------------------------------------------------------------------------ facts
@dataclass
class Facts:
    """What one walk of a module's `ast` tree found."""

    imports: Set[str] = field(default_factory=set)  # "a", "a.b", "a.b.c" for `import a.b.c`
    contexts: Set[Where] = field(default_factory=set)  # where any code is (ASYNC: an async def exists)
    calls: Dict[Where, Set[str]] = field(default_factory=dict)  # last name part of each callee
    bare_calls: Dict[Where, Set[str]] = field(default_factory=dict)  # callees that are a plain name
    method_calls: Dict[Where, Set[str]] = field(default_factory=dict)  # callees on a receiver (`x.m()`)
    statement_calls: Dict[Where, Set[str]] = field(default_factory=dict)
    awaited_calls: Set[str] = field(default_factory=set)
    local_coroutines: Set[str] = field(default_factory=set)  # names of the module's async defs
    # Statement calls as written: "f" for `f()`, ".m" for `self.m()`/`cls.m()`, any context.
    statement_call_names: Set[str] = field(default_factory=set)
    coroutine_forms: Set[str] = field(default_factory=set)  # "f" for a module-level async def, ".m" for a method
    truth_calls: Set[str] = field(default_factory=set)  # callees of calls used as truth values, any context
    idle_with_calls: Set[str] = field(default_factory=set)  # items of a with in async code that cannot suspend
    shapes: Set[Shape] = field(default_factory=set)
    # Every name in an annotation (`x: Optional[IO[str]]` gives Optional, IO, str), string ones included.
    annotation_names: Set[str] = field(default_factory=set)
    # Last names of the exceptions `except` clauses catch, by context ("" for a bare `except:`).
    caught: Dict[Where, Set[str]] = field(default_factory=dict)
    # Callee last name -> last names of the names/attributes handed to it ("" for a call argument,
    # "[]" for a literal list/set/tuple or a comprehension).
    arguments: Dict[str, Set[str]] = field(default_factory=dict)
    # For the project index: local name -> what it imports, as `project.summarise` reads the module's
    # imports (top level, and in `if`/`try` there); and every plain name the module uses.
    imported: Dict[str, str] = field(default_factory=dict)
    names: Set[str] = field(default_factory=set)
    text: Optional[str] = None  # the source, when the caller gave it (for `Needs.mentions`)
    tree: Optional[ast.AST] = None  # the tree walked (the project index looks at receivers in it)

    def called(self, where: Where, names: FrozenSet[str], table: Dict[Where, Set[str]]) -> bool:
        if where is Where.ANY:
            return any(not names.isdisjoint(found) for found in table.values())
        return not names.isdisjoint(table.get(where, ()))

    def meets(self, need: Needs) -> bool:
        if need.mentions and self.text is not None and not any(name in self.text for name in need.mentions):
            return False
        if need.imports and not any(module in self.imports for module in need.imports):
            return False
        if any(module in self.imports for module in need.unless_imports):
            return False
        if need.where is not Where.ANY and need.where not in self.contexts:
            return False
        if not need.shapes <= self.shapes:
            return False
        if need.catches and not self.called(need.where, need.catches, self.caught):
            return False
        if (need.built or need.annotated) and not (
            self.called(Where.ANY, need.built, self.calls) or not need.annotated.isdisjoint(self.annotation_names)
        ):
            return False
        if need.calls:
            if need.truth:
                if need.calls.isdisjoint(self.truth_calls):
                    return False
            elif need.awaited:
                if need.calls.isdisjoint(self.awaited_calls):
                    return False
            elif need.idle_with:
                if need.calls.isdisjoint(self.idle_with_calls):
                    return False
            else:
                table = self.statement_calls if need.statement else self.bare_calls if need.bare else self.calls
                if not self.called(need.where, need.calls, table):
                    return False
        if need.calls_local_coroutine and (
            self.local_coroutines.isdisjoint(self.truth_calls)
            if need.truth
            else self.coroutine_forms.isdisjoint(self.statement_call_names)
        ):
            return False
        if need.argument_call or need.arguments or need.argument_local_coroutine:
            handed: Set[str] = set().union(*(self.arguments.get(name, ()) for name in need.calls))
            wanted = set(need.arguments)
            if need.argument_local_coroutine:
                wanted |= self.coroutine_forms
            if need.argument_call:
                wanted.add("")
            if handed.isdisjoint(wanted):
                return False
        return True


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_GUARDS = (ast.With, ast.AsyncWith)
_UPDATES = frozenset({ast.AugAssign, ast.Assign})
_COLLECTIONS = frozenset({ast.List, ast.Set, ast.Tuple, ast.ListComp, ast.SetComp, ast.GeneratorExp})
_IN_LOOP, _IN_WHILE, _IN_GUARD = 1, 2, 4  # where a node of async code stands
# Statements holding blocks: an await in their header or body does not make them a step of a run.
_COMPOUND = frozenset(
    {ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
     ast.AsyncFunctionDef, ast.ClassDef}
    | ({ast.Match} if hasattr(ast, "Match") else set())
    | ({ast.TryStar} if hasattr(ast, "TryStar") else set())
)
_LOOPS = (ast.For, ast.AsyncFor)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _callee_name(func: ast.expr) -> Optional[str]:
    kind = type(func)
    if kind is ast.Attribute:
        return func.attr  # type: ignore[attr-defined]
    if kind is ast.Name:
        return func.id  # type: ignore[attr-defined]
    return None


def collect_facts(tree: ast.AST, text: Optional[str] = None) -> Facts:
    """One iterative walk (no recursion: deep nesting is legal Python). `text`: the source of
    `tree`, for the needs that look at it too (`Needs.mentions`)."""
    facts = Facts(text=text, tree=tree)
    aliases: Dict[str, str] = {}  # `from m import a as b`: b -> a, so `b()` also counts as a call of `a`
    # Each entry: node, where, the function it runs in, the statement holding it, its _IN_* flags.
    stack: List[tuple] = [(tree, Where.MODULE, None, None, 0)]
    awaiting: Counter = Counter()  # statements of async code that contain an await -> how many
    blocks: List[list] = []  # statement lists of async code, for AWAIT_RUN
    awaited_names: Counter = Counter()  # (function id, name)
    sync_defs: Set[str] = set()
    tries: List[tuple] = []  # (try statement, where): what they catch matters only if their body awaits
    updates: List[ast.stmt] = []  # assignments of async code whose value suspends
    withs: List[tuple] = []  # (body, item callees) of the with statements of async code
    _NAMES.append(facts.names)  # `_push` notes names instead of pushing them (nothing is below a name)
    try:
        _walk(tree, facts, aliases, stack, awaiting, blocks, awaited_names, sync_defs, tries, updates, withs)
    finally:
        _NAMES.pop()
    _finish(tree, facts, aliases, awaiting, blocks, awaited_names, sync_defs, tries, updates, withs)
    return facts


def _walk(tree, facts, aliases, stack, awaiting, blocks, awaited_names, sync_defs, tries, updates, withs) -> None:
    calls, statement_calls = facts.calls, facts.statement_calls
    AsyncDef, Call, Await, Name, Expr, Assign, stmt = (
        ast.AsyncFunctionDef, ast.Call, ast.Await, ast.Name, ast.Expr, ast.Assign, ast.stmt
    )
    names = facts.names
    while stack:
        node, where, function, statement, flags = stack.pop()
        kind = type(node)
        if kind is Name:  # a lambda's body, say (`_push` notes the others without pushing them)
            names.add(node.id)
            continue
        if isinstance(node, stmt):
            statement = node
            if kind in _FUNCTIONS or kind is ast.ClassDef:
                inner = Where.ASYNC if kind is AsyncDef else Where.SYNC
                facts.contexts.add(inner)
                if kind is AsyncDef:
                    facts.local_coroutines.add(node.name)
                    # `f()` for a module-level (or nested) async def, `self.m()` for a method
                    # (a method also by any receiver: `self.store.save()` may be typed as that class)
                    if type(function) is ast.ClassDef:
                        facts.coroutine_forms.update(("." + node.name, "?" + node.name))
                    else:
                        facts.coroutine_forms.add(node.name)
                    facts.shapes.add(Shape.ASYNC_CODE)
                elif kind is ast.FunctionDef:
                    facts.shapes.add(Shape.SYNC_DEF)
                    sync_defs.add(node.name)
                    if node.name == "__init__" and type(function) is ast.ClassDef:
                        sync_defs.add(function.name)  # `Database()` runs it
                # Decorators, defaults, bases and annotations run where the def is; the body elsewhere.
                for name, value in ast.iter_fields(node):
                    if name == "body":
                        if inner is Where.ASYNC:
                            blocks.append(value)
                        for child in reversed(value):
                            stack.append((child, inner, node, None, 0))
                    else:
                        _push(stack, value, where, function, statement, flags)
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
                if type(value) is Call:
                    name = _callee_name(value.func)
                    if name is not None:
                        found = statement_calls.setdefault(where, set())
                        found.add(name)
                        facts.statement_call_names.add(_form(value.func, name))
                        if name in aliases:
                            found.add(aliases[name])
            elif kind is ast.AnnAssign:
                add_mentioned_names(facts.annotation_names, node.annotation)
            elif kind is ast.If or kind is ast.While:
                _add_truth_call(facts.truth_calls, node.test, aliases)
            elif (kind is ast.Try or kind.__name__ == "TryStar") and node.handlers:
                tries.append((node, where))
            if where is Where.ASYNC:
                if kind in _GUARDS:
                    items = set()
                    for item in node.items:
                        if type(item.context_expr) is Call:
                            name = _callee_name(item.context_expr.func)
                            if name is not None:
                                items.add(name)
                                items.add(aliases.get(name, name))
                    if items:
                        withs.append((node.body, items))
                if kind in _LOOPS:
                    flags |= _IN_LOOP
                elif kind is ast.While:
                    flags |= _IN_WHILE
                if kind in _GUARDS or (kind is ast.Try and node.finalbody):
                    flags |= _IN_GUARD
            for name, value in ast.iter_fields(node):
                if where is Where.ASYNC and type(value) is list and value and isinstance(value[0], stmt):
                    blocks.append(value)
                _push(stack, value, where, function, statement, flags)
            continue
        if kind is ast.arg and node.annotation is not None:
            add_mentioned_names(facts.annotation_names, node.annotation)
        elif kind is Call:
            name = _callee_name(node.func)
            if name is not None:
                found = calls.setdefault(where, set())
                found.add(name)
                if type(node.func) is Name:
                    facts.bare_calls.setdefault(where, set()).add(aliases.get(name, name))
                else:
                    facts.method_calls.setdefault(where, set()).add(name)
                if name in aliases:
                    name = aliases[name]
                    found.add(name)
                handed = facts.arguments.setdefault(name, set())
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    if type(argument) in _COLLECTIONS:
                        handed.add("[]")
                        continue
                    if type(argument) is Call:
                        handed.add("")
                        # `runner(partial(f, x))` hands over `f`
                        if _callee_name(argument.func) == "partial" and argument.args:
                            argument = argument.args[0]
                        else:
                            continue
                    last = _callee_name(argument)
                    if last is not None:
                        handed.add(aliases.get(last, last))  # a library function by its last name
                        handed.add(_form(argument, last))  # an async def of the module by its form
        elif kind is Await and where is Where.ASYNC:
            if statement is not None and type(statement) not in _COMPOUND:
                awaiting[id(statement)] += 1
                if type(statement) in _UPDATES:
                    updates.append(statement)
            if flags & _IN_LOOP:
                facts.shapes.add(Shape.AWAIT_IN_LOOP)
            value = node.value
            if type(value) is Call:
                name = _callee_name(value.func)
                if name is not None:
                    name = aliases.get(name, name)
                    facts.awaited_calls.add(name)
                    if flags & _IN_WHILE and name == "sleep":
                        facts.shapes.add(Shape.SLEEP_IN_WHILE)
            elif type(value) is Name:
                awaited_names[(id(function), value.id)] += 1
        elif kind is ast.UnaryOp and type(node.op) is ast.Not:
            _add_truth_call(facts.truth_calls, node.operand, aliases)
        elif kind is ast.BoolOp:
            for operand in node.values:
                _add_truth_call(facts.truth_calls, operand, aliases)
        elif kind is ast.Lambda:
            facts.contexts.add(Where.SYNC)
            for name, value in ast.iter_fields(node):
                if name == "body":
                    stack.append((value, Where.SYNC, node, statement, 0))
                else:
                    _push(stack, value, where, function, statement, flags)
            continue
        elif kind in _COMPREHENSIONS and where is Where.ASYNC:
            flags |= _IN_LOOP
            if type(statement) in _UPDATES and any(generator.is_async for generator in node.generators):
                updates.append(statement)
        elif (kind is ast.Yield or kind is ast.YieldFrom) and where is Where.ASYNC and flags & _IN_GUARD:
            facts.shapes.add(Shape.YIELD_IN_GUARD)
        for _, value in ast.iter_fields(node):
            _push(stack, value, where, function, statement, flags)


def _finish(tree, facts, aliases, awaiting, blocks, awaited_names, sync_defs, tries, updates, withs) -> None:
    """The facts that need the whole walk first."""
    calls = facts.calls
    facts.contexts.add(Where.MODULE)
    _module_imports(getattr(tree, "body", []), facts.imported)
    for node, where in tries:
        if where is not Where.ASYNC or _awaits(node.body):
            for handler in node.handlers:
                _add_caught(facts.caught.setdefault(where, set()), handler.type, aliases)
    for body, items in withs:
        if not _awaits(body, yields=True):
            facts.idle_with_calls |= items
    if not sync_defs.isdisjoint(calls.get(Where.ASYNC, ())):
        facts.shapes.add(Shape.CALLS_LOCAL_HELPER)
    if any(_updates_itself(statement) for statement in updates):
        facts.shapes.add(Shape.UPDATE_ACROSS_AWAIT)
    if any(_has_run(block, awaiting) for block in blocks):
        facts.shapes.add(Shape.AWAIT_RUN)
    per_function: Counter = Counter(function for function, _ in awaited_names)
    if any(count >= 2 for count in per_function.values()):
        facts.shapes.add(Shape.AWAITED_NAMES)
    if any(count >= 2 for count in awaited_names.values()):
        facts.shapes.add(Shape.NAME_AWAITED_TWICE)


def _module_imports(statements: list, imported: Dict[str, str]) -> None:
    """The imports `project.summarise` records, the same way (top level, `if`/`try` blocks)."""
    for node in statements:
        if record_import(node, imported):
            continue
        kind = type(node)
        if kind is ast.If or kind is ast.Try:
            _module_imports(node.body, imported)
            for handler in getattr(node, "handlers", ()):
                _module_imports(handler.body, imported)
            _module_imports(node.orelse, imported)


def _add_truth_call(found: Set[str], test: ast.expr, aliases: Dict[str, str]) -> None:
    if type(test) is ast.Call:
        name = _callee_name(test.func)
        if name is not None:
            found.add(name)
            if name in aliases:
                found.add(aliases[name])


# Nodes no fact comes from and that hold nothing that does: never pushed (most of a tree's nodes).
_LEAVES = frozenset(
    {ast.Load, ast.Store, ast.Del, ast.Constant, ast.Name, ast.Pass, ast.Break, ast.Continue, ast.alias}
    | set(ast.operator.__subclasses__()) | set(ast.unaryop.__subclasses__()) | set(ast.cmpop.__subclasses__())
    | set(ast.boolop.__subclasses__())
)


def _push(stack: list, value, where: Where, function, statement, flags: int) -> None:
    kind = type(value)
    if kind is list:
        for child in reversed(value):
            kind = type(child)
            if kind is ast.Name:
                _NAMES[-1].add(child.id)
            elif kind not in _LEAVES and isinstance(child, ast.AST):
                stack.append((child, where, function, statement, flags))
    elif kind is ast.Name:
        _NAMES[-1].add(value.id)
    elif kind not in _LEAVES and isinstance(value, ast.AST):
        stack.append((value, where, function, statement, flags))


_NAMES: List[Set[str]] = [set()]  # the names of the tree being walked (collect_facts sets it)


def _form(func: ast.expr, name: str) -> str:
    """How a call names its callee, for matching against the module's async defs."""
    if type(func) is ast.Attribute:
        receiver = func.value  # type: ignore[attr-defined]
        return "." + name if type(receiver) is ast.Name and receiver.id in ("self", "cls") else "?" + name
    return name


def _updates_itself(statement: ast.stmt) -> bool:
    """`t op= ...`, or `t = ...t...` (the value reads its own target)."""
    if type(statement) is ast.AugAssign:
        return True
    # As source text: a target is a Store, the same expression read is a Load (their dumps differ).
    targets = {ast.unparse(target) for target in statement.targets}  # type: ignore[attr-defined]
    kinds = {type(target) for target in statement.targets}  # type: ignore[attr-defined]
    return any(ast.unparse(node) in targets for node in ast.walk(statement.value) if type(node) in kinds)


def _awaits(body: List[ast.stmt], yields: bool = False) -> bool:
    """Does this block of async code suspend (an await, async for, async with, and with `yields` a
    yield; not in nested defs)?"""
    stack: list = list(body)
    suspending = (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom) if yields else (
        ast.Await, ast.AsyncFor, ast.AsyncWith)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in suspending:
            return True
        if kind in _FUNCTIONS or kind is ast.ClassDef or kind is ast.Lambda:
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _add_caught(caught: Set[str], exception: Optional[ast.expr], aliases: Dict[str, str]) -> None:
    if exception is None:
        caught.add("")
        return
    for item in exception.elts if type(exception) is ast.Tuple else [exception]:
        if type(item) is ast.Call:  # `except anyio.get_cancelled_exc_class():`
            item = item.func
        name = _callee_name(item)
        if name is not None:
            caught.add(aliases.get(name, name))


def _add_module(imports: Set[str], dotted: str) -> None:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        imports.add(".".join(parts[:end]))


def _is_underscore(targets: list) -> bool:
    return len(targets) == 1 and type(targets[0]) is ast.Name and targets[0].id == "_"


def _has_run(block: list, awaiting: Counter) -> bool:
    """Two consecutive statements that each contain an await, or one with two (`{"a": await f(),
    "b": await g()}`): a superset of any await run."""
    previous = False
    for statement in block:
        if awaiting[id(statement)] >= 2:
            return True
        current = awaiting[id(statement)] > 0
        if previous and current:
            return True
        previous = current
    return False
