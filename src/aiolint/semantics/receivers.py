"""Could a call's receiver hold an instance of an imported class? An over-approximation from `ast`.

The project index's screen (`ProjectIndex.relevant_codes`) matches a file's calls to the methods of
the project classes it imports by name: `entry.async_remove()` for `ConfigEntry.async_remove`, a
coroutine. The type model can only give a receiver that class through a binding that names it
(`entry: ConfigEntry`, `x = ConfigEntry(...)`, `class Mine(ConfigEntry)`), directly or through other
bindings (`other = entry`, `self.entry = entry`, a def that returns it). So a call whose receiver
names nothing bound that way cannot be such a method's call, and the file need not be parsed again
for it: on Home Assistant, `ent_reg.async_remove(...)` in files that import `ConfigEntry` only for
annotations. Every binding counts, whatever its scope. Declarations (annotations, bases, defaults,
decorators) count with every name they mention (words of strings too: `"ConfigEntry"`); a value
counts with the names the model types it from (`semantics/types.py`): a call by what is called,
not by its arguments (`make(lifespan)` is what `make` returns), a subscript or an attribute by what
it is taken from, an operation by its left operand; what the model does not type (a literal, a
conditional, a lambda) holds nothing. Should the model come to type a value from more, `_valued`
must follow.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

_WORD = re.compile(r"\w+")

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_GIVING = (ast.Return, ast.Yield, ast.YieldFrom)
# What a value is taken from: `a[k]`, `await a`, `*a`, `(b := a)`.
_THROUGH = (ast.Subscript, ast.Await, ast.Starred, ast.NamedExpr)


def add_mentioned_names(names: Set[str], expression: ast.AST) -> None:
    """Every name, attribute name and word of a string in `expression` (string annotations: `"T"`).
    The screen reads annotations this way (`core/needs.py`), and the receivers below bindings."""
    for node in ast.walk(expression):
        kind = type(node)
        if kind is ast.Name:
            names.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            names.add(node.attr)  # type: ignore[attr-defined]
        elif kind is ast.Constant and type(node.value) is str:  # type: ignore[attr-defined]
            names.update(_WORD.findall(node.value))  # type: ignore[attr-defined]


def _mentioned(nodes: Iterable[ast.AST]) -> Set[str]:
    """Names, attribute names and the words of strings anywhere in `nodes`."""
    found: Set[str] = set()
    for node in nodes:
        add_mentioned_names(found, node)
    return found


def _valued(nodes: Iterable[ast.AST]) -> Set[str]:
    """The names the type model can type these values from (see the module's docstring)."""
    found: Set[str] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is ast.Name:
            found.add(node.id)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            found.add(node.attr)  # type: ignore[attr-defined]
            pending.append(node.value)  # type: ignore[attr-defined]
        elif kind is ast.Call:
            pending.append(node.func)  # type: ignore[attr-defined]
        elif kind in _THROUGH:
            pending.append(node.value)  # type: ignore[attr-defined]
        elif kind is ast.BinOp:
            pending.append(node.left)  # type: ignore[attr-defined]
    return found


def _targets(node: ast.AST) -> Set[str]:
    """What a binding target names: `x`, `obj.attr` (attr), `a[k]` (what `a` names), unpacking."""
    kind = type(node)
    if kind is ast.Name:
        return {node.id}
    if kind is ast.Attribute:
        return {node.attr}
    if kind is ast.Subscript or kind is ast.Starred:
        return _targets(node.value)
    if kind is ast.Tuple or kind is ast.List:
        return set().union(*(_targets(element) for element in node.elts))
    return set()


def _bindings(tree: ast.AST) -> List[Tuple[Set[str], Set[str]]]:
    """(what is bound, what its value or declaration mentions), for every binding of the module."""
    found: List[Tuple[Set[str], Set[str]]] = []
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Assign:
            found.append((set().union(*(_targets(t) for t in node.targets)), _valued([node.value])))
        elif kind is ast.AnnAssign:
            declared = _mentioned([node.annotation]) | (_valued([node.value]) if node.value is not None else set())
            found.append((_targets(node.target), declared))
        elif kind is ast.AugAssign:
            found.append((_targets(node.target), _mentioned([node.value])))
        elif kind is ast.NamedExpr:
            found.append((_targets(node.target), _valued([node.value])))
        elif kind in (ast.For, ast.AsyncFor, ast.comprehension):
            found.append((_targets(node.target), _valued([node.iter])))
        elif kind is ast.withitem and node.optional_vars is not None:
            found.append((_targets(node.optional_vars), _valued([node.context_expr])))
        elif kind is ast.ExceptHandler and node.name:
            found.append(({node.name}, _mentioned([node.type] if node.type is not None else [])))
        elif kind in _DEFS:
            # A def gives what it returns or yields (a property too) and what its return annotation
            # declares; its decorators may make anything of it.
            given = _valued(value for value in _returned(node))
            found.append(({node.name}, given | _mentioned([*node.decorator_list, *_annotation(node)])))
            for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                if argument.annotation is not None:
                    found.append(({argument.arg}, _mentioned([argument.annotation])))
            defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            if defaults:  # which parameter a default belongs to does not matter here (`Depends(get_db)`)
                found.append(({a.arg for a in [*node.args.args, *node.args.kwonlyargs]}, _mentioned(defaults)))
        elif kind is ast.ClassDef:
            found.append(({node.name}, _mentioned([*node.bases, *node.keywords, *node.decorator_list])))
            # An instance of a class that holds it: the receiver parameter of its methods.
            receivers = {
                item.args.args[0].arg
                for item in node.body
                if type(item) in _DEFS and item.args.args
            }
            if receivers:
                found.append((receivers, {node.name}))
        elif hasattr(ast, "MatchAs") and kind in (ast.MatchAs, ast.MatchStar) and node.name:
            found.append(({node.name}, {"*"}))  # a capture: whatever the subject is
    return found


def _returned(function: ast.AST) -> Iterator[ast.AST]:
    """What `function` returns or yields (nested defs' too: more, never less)."""
    for node in ast.walk(function):
        if type(node) in _GIVING and node.value is not None:  # type: ignore[attr-defined]
            yield node.value  # type: ignore[attr-defined]


def _annotation(function: ast.AST) -> List[ast.AST]:
    returns = function.returns  # type: ignore[attr-defined]
    return [returns] if returns is not None else []


def holders(tree: ast.AST, seeds: FrozenSet[str]) -> FrozenSet[str]:
    """The names that may hold what `seeds` give, through any chain of bindings of the module."""
    return _held(_bindings(tree), seeds)


def _held(bindings: List[Tuple[Set[str], Set[str]]], seeds: FrozenSet[str]) -> FrozenSet[str]:
    held: Set[str] = set(seeds) | {"*", "super"}  # a match capture; `super().m()` in a subclass
    pending = bindings
    changed = True
    while changed:
        changed = False
        rest = []
        for bound, mentioned in pending:
            if mentioned & held:
                if not bound <= held:
                    held |= bound
                    changed = True
            else:
                rest.append((bound, mentioned))
        pending = rest
    return frozenset(held)


class Receivers:
    """For one module: may a call `r.m()` have a receiver built from some names (an imported
    class, or the attribute through which a project object is reached)?"""

    def __init__(self, tree: ast.AST):
        self.tree = tree
        self._held: Dict[FrozenSet[str], FrozenSet[str]] = {}
        self._calls: Dict[str, List[Set[str]]] = {}
        self._bindings: Optional[List[Tuple[Set[str], Set[str]]]] = None  # walked once, for every seed

    def may_hold(self, seeds: FrozenSet[str], method: str) -> bool:
        """Does some call `r.method(...)` of the module have a receiver `r` that mentions a name
        which may hold what `seeds` give?"""
        receivers = self._receivers(method)
        if not receivers:
            return False
        held = self._held.get(seeds)
        if held is None:
            if self._bindings is None:
                self._bindings = _bindings(self.tree)
            held = self._held[seeds] = _held(self._bindings, seeds)
        return any(names & held for names in receivers)

    def _receivers(self, method: str) -> List[Set[str]]:
        if not self._calls:
            for node in ast.walk(self.tree):
                if type(node) is ast.Call and type(node.func) is ast.Attribute:
                    self._calls.setdefault(node.func.attr, []).append(_valued([node.func.value]))
            self._calls.setdefault("", [])  # walked, even if the module makes no such call
        return self._calls.get(method, [])
