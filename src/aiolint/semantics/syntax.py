"""What a piece of syntax holds: the structural questions rules ask about a node.

Pure functions of the tree (no names resolved), so that no rule walks the tree itself.
"In this scope only" (`into_scopes=False`) leaves out the bodies of nested def/class/lambda
(their decorators, defaults and bases still count: they run here); comprehensions are
always looked into.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Type, Union

import libcst as cst

from aiolint.core.walk import child_fields, iter_nodes

Kinds = Union[Type[cst.CSTNode], Tuple[Type[cst.CSTNode], ...]]
Comprehension = Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def names_in(node: cst.CSTNode) -> Set[str]:
    """Every identifier written in `node`: names, attribute names and keywords (`a.b(c=d)`: a, b, c, d)."""
    return {n.value for n in iter_nodes(node) if isinstance(n, cst.Name)}


def name_uses(node: cst.CSTNode) -> Counter:
    """How often each identifier is written in `node` (as `names_in` counts them)."""
    return Counter(n.value for n in iter_nodes(node) if isinstance(n, cst.Name))


def contains(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Is `node` (this very node) `root` or part of it?"""
    return any(n is node for n in iter_nodes(root))


def contains_any(node: cst.CSTNode, kinds: Kinds, *, into_scopes: bool = True) -> bool:
    """Does `node` hold (or is it) syntax of one of these kinds (`cst.Await`, `(cst.Return, cst.Break)`)?"""
    return any(isinstance(n, kinds) for n in iter_nodes(node, into_scopes=into_scopes))


def consists_of(node: cst.CSTNode, kinds: Kinds) -> bool:
    """Is `node`, and everything in it, of these kinds (a literal, a name, arithmetic on them)?"""
    return all(isinstance(n, kinds) for n in iter_nodes(node))


def awaits_in(node: cst.CSTNode, *, into_scopes: bool = True) -> List[cst.Await]:
    """The `await` expressions in `node`, in source order."""
    return [n for n in iter_nodes(node, into_scopes=into_scopes) if isinstance(n, cst.Await)]


def yields_in(node: cst.CSTNode) -> Iterator[cst.Yield]:
    """The `yield` expressions in `node`, in source order, in this scope only."""
    for n in iter_nodes(node, into_scopes=False):
        if isinstance(n, cst.Yield):
            yield n


def calls_in(
    node: cst.CSTNode, *, into_scopes: bool = True, outside: Sequence[cst.CSTNode] = ()
) -> Iterator[cst.Call]:
    """The calls in `node`, in source order, leaving out those that are part of one of `outside`."""
    inside = {id(n) for part in outside for n in iter_nodes(part)}
    for n in iter_nodes(node, into_scopes=into_scopes):
        if isinstance(n, cst.Call) and id(n) not in inside:
            yield n


def method_calls(node: cst.CSTNode, method: str, *, into_scopes: bool = True) -> Iterator[cst.Call]:
    """The calls of a method named `method` (`x.method(...)`, any receiver) in `node`, in source order."""
    for n in iter_nodes(node, into_scopes=into_scopes):
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == method:
            yield n


def returned_values(body: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """What the `return value` statements of a function body return, not those of nested defs."""
    for n in iter_nodes(body, into_scopes=False):
        if isinstance(n, cst.Return) and n.value is not None:
            yield n.value


def string_literals(node: cst.CSTNode) -> Iterator[cst.SimpleString]:
    """The plain string literals in `node` (not f-strings), in source order."""
    for n in iter_nodes(node):
        if isinstance(n, cst.SimpleString):
            yield n


def outermost_comprehension(root: cst.CSTNode, node: cst.CSTNode) -> Optional[Comprehension]:
    """The outermost list/set/dict comprehension or generator expression in `root` that holds `node`."""
    for inner in iter_nodes(root):
        if isinstance(inner, _COMPREHENSIONS) and contains(inner, node):
            return inner
    return None


def source_order(node: cst.CSTNode) -> Dict[int, int]:
    """The position of each node of `node` in source order, in this scope only, by `id(node)`:
    does this statement come before that one?"""
    return {id(n): i for i, n in enumerate(iter_nodes(node, into_scopes=False))}


def field_holding(parent: cst.CSTNode, child: cst.CSTNode) -> Optional[str]:
    """The name of the field of `parent` that holds `child` (`"test"` of an `if`), or None."""
    for name in child_fields(type(parent)):
        value = getattr(parent, name, None)
        if value is child or (isinstance(value, (list, tuple)) and any(item is child for item in value)):
            return name
    return None
