"""Scopes and the names they bind, computed lazily from the LibCST tree.

We do not use LibCST's ScopeProvider/QualifiedNameProvider: on real code they
cost several times the parse itself, and most files need the bindings of only
a few functions (the ones where a rule met a candidate call). A scope's bindings
are collected the first time somebody asks, by one walk over that scope's own
statements (never into nested scopes).

Resolution is flow-insensitive, like Python's own scoping rules: a name bound
anywhere in a function is local everywhere in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Dict, List, Optional

import libcst as cst

from aiolint.core.walk import iter_nodes


class ScopeKind(Enum):
    """What opens a scope."""

    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(Enum):
    """How a binding binds its name (what `Binding.value` and `Binding.qualified` hold)."""

    IMPORT = "import"  # qualified holds the imported name
    ASSIGN = "assign"  # value holds the assigned expression (single-name target only)
    WITH = "with"  # value holds the context-manager expression
    PARAM = "param"
    DEF = "def"  # value holds the FunctionDef
    CLASSDEF = "class"  # value holds the ClassDef
    FALLBACK = "fallback"  # `x = None` in the `except ImportError` of `try: import x`
    OTHER = "other"  # loop targets, tuple unpacking, augmented assignment, del, match, ...


# The members under short names, for the semantics modules that compare kinds.
MODULE, FUNCTION, CLASS, LAMBDA, COMPREHENSION = ScopeKind
IMPORT, ASSIGN, WITH, PARAM, DEF, CLASSDEF, FALLBACK, OTHER = BindingKind

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclass(frozen=True)
class Binding:
    kind: BindingKind
    node: cst.CSTNode
    value: Optional[cst.CSTNode] = None
    qualified: Optional[str] = None
    # An import under `if TYPE_CHECKING:`: the name is there for type checkers only, never at run time.
    typing_only: bool = False


def dotted_name(expr: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a chain of Name/Attribute nodes, else None."""
    parts: List[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def _module_name(node: cst.ImportFrom) -> str:
    dots = "." * len(node.relative)
    return dots + (dotted_name(node.module) or "") if node.module is not None else dots


class Scope:
    __slots__ = ("kind", "node", "parent", "is_async", "_bindings", "globals", "nonlocals", "has_star")

    def __init__(self, kind: ScopeKind, node: cst.CSTNode, parent: Optional["Scope"]):
        self.kind = kind
        self.node = node
        self.parent = parent
        self.is_async = isinstance(node, cst.FunctionDef) and node.asynchronous is not None
        self._bindings: Optional[Dict[str, List[Binding]]] = None
        self.globals: set = set()
        self.nonlocals: set = set()
        self.has_star = False

    @property
    def bindings(self) -> Dict[str, List[Binding]]:
        if self._bindings is None:
            self._bindings = _Collector(self).run()
        return self._bindings

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        name = getattr(getattr(self.node, "name", None), "value", "")
        return f"<Scope {self.kind.value} {name}>"


def scope_kind(node: cst.CSTNode) -> Optional[ScopeKind]:
    if isinstance(node, cst.FunctionDef):
        return FUNCTION
    if isinstance(node, cst.ClassDef):
        return CLASS
    if isinstance(node, cst.Lambda):
        return LAMBDA
    if isinstance(node, _COMPREHENSIONS):
        return COMPREHENSION
    if isinstance(node, cst.Module):
        return MODULE
    return None


class _Collector:
    """Collects the bindings of one scope without entering nested scopes."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.out: Dict[str, List[Binding]] = {}
        # ids of `x = ...` statements that are optional-import fallbacks
        self.fallbacks: set = set()
        # ids of import statements in the body of `if TYPE_CHECKING:`
        self.typing_only: set = set()

    def add(self, name: str, binding: Binding) -> None:
        self.out.setdefault(name, []).append(binding)

    def run(self) -> Dict[str, List[Binding]]:
        node = self.scope.node
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            self._params(node.params)
            roots = [node.body]
        elif isinstance(node, _COMPREHENSIONS):
            roots = []
            for_in = node.for_in
            while for_in is not None:
                self._target(for_in.target, OTHER)
                roots.extend(for_in.ifs)
                for_in = for_in.inner_for_in
        else:  # Module, ClassDef
            roots = [node if isinstance(node, cst.Module) else node.body]
        for root in roots:
            for child in iter_nodes(root, into_scopes=False):
                self._visit(child, root)
        return self.out

    def _params(self, params: cst.Parameters) -> None:
        for group in (params.posonly_params, params.params, params.kwonly_params):
            for param in group:
                self.add(param.name.value, Binding(PARAM, param))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.add(star.name.value, Binding(PARAM, star))

    def _target(self, target: cst.BaseExpression, kind: BindingKind, value=None, node=None) -> None:
        if isinstance(target, cst.Name):
            self.add(target.value, Binding(kind, node or target, value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, OTHER, node=node)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, OTHER, node=node)
        # Attribute and Subscript targets bind no name.

    def _visit(self, node: cst.CSTNode, root: cst.CSTNode) -> None:
        # Dispatch on the node's type, found once per type: isinstance() chains on LibCST's
        # (ABC) classes cost more than the rest of the collection.
        cls = type(node)
        visit = _VISIT_BY_TYPE.get(cls)
        if visit is None:
            visit = _VISIT_BY_TYPE[cls] = next((v for base, v in _VISITS if issubclass(cls, base)), "")
        if visit:
            getattr(self, visit)(node, root)

    def _visit_def(self, node, root) -> None:
        if node is not root:
            self.add(node.name.value, Binding(DEF if isinstance(node, cst.FunctionDef) else CLASSDEF, node, node))

    def _visit_assign(self, node: cst.Assign, root) -> None:
        single = len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
        for target in node.targets:
            if single:
                self._assign(target.target.value, node)
            else:
                self._target(target.target, OTHER, node=node)

    def _visit_ann_assign(self, node: cst.AnnAssign, root) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._assign(node.target.value, node)
        else:
            self._target(node.target, OTHER, node=node)

    def _visit_target(self, node, root) -> None:  # AugAssign, For, NamedExpr, Del
        self._target(node.target, OTHER, node=node)

    def _visit_with_item(self, node: cst.WithItem, root) -> None:
        if node.asname is not None:
            self._target(node.asname.name, WITH, value=node.item, node=node)

    def _visit_except_handler(self, node: cst.ExceptHandler, root) -> None:
        if node.name is not None:
            self._target(node.name.name, OTHER, node=node)

    def _visit_if(self, node: cst.If, root) -> None:
        if dotted_name(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"):
            self.typing_only.update(
                id(stmt) for stmt in _simple_statements(node.body) if isinstance(stmt, (cst.Import, cst.ImportFrom))
            )

    def _visit_import(self, node: cst.Import, root) -> None:
        typing_only = id(node) in self.typing_only
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None:
                self._target(alias.asname.name, IMPORT, node=node)
                self._set_import(alias.asname.name, full, node)
            else:
                top = full.split(".")[0]
                self.add(top, Binding(IMPORT, node, qualified=top, typing_only=typing_only))

    def _visit_import_from(self, node: cst.ImportFrom, root) -> None:
        module = _module_name(node)
        if isinstance(node.names, cst.ImportStar):
            self.scope.has_star = True
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            qualified = f"{module}.{name}" if not module.endswith(".") else module + name
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                typing_only = id(node) in self.typing_only
                self.add(local.value, Binding(IMPORT, node, qualified=qualified, typing_only=typing_only))

    def _visit_global(self, node: cst.Global, root) -> None:
        self.scope.globals.update(n.name.value for n in node.names)

    def _visit_nonlocal(self, node: cst.Nonlocal, root) -> None:
        self.scope.nonlocals.update(n.name.value for n in node.names)

    def _visit_match_name(self, node, root) -> None:  # MatchAs, MatchStar
        if node.name is not None:
            self.add(node.name.value, Binding(OTHER, node))

    def _visit_match_mapping(self, node: cst.MatchMapping, root) -> None:
        if node.rest is not None:
            self.add(node.rest.value, Binding(OTHER, node))

    def _visit_try(self, node: cst.Try, root) -> None:
        self._note_import_fallbacks(node)

    def _visit_type_alias(self, node: cst.TypeAlias, root) -> None:
        self.add(node.name.value, Binding(OTHER, node))

    def _set_import(self, name: cst.Name, qualified: str, node: cst.CSTNode) -> None:
        self.out[name.value][-1] = Binding(IMPORT, node, qualified=qualified, typing_only=id(node) in self.typing_only)

    def _note_import_fallbacks(self, node: cst.Try) -> None:
        # `try: import x` / `except ImportError: x = None` is an optional import,
        # not a shadowing definition: keep `x` resolvable to the module.
        imported = set()
        for stmt in _simple_statements(node.body):
            if isinstance(stmt, cst.Import):
                for alias in stmt.names:
                    local = alias.asname.name if alias.asname else alias.name
                    imported.add((dotted_name(local) or "").split(".")[0])
            elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
                for alias in stmt.names:
                    local = alias.asname.name if alias.asname else alias.name
                    if isinstance(local, cst.Name):
                        imported.add(local.value)
        if not imported:
            return
        for handler in node.handlers:
            if not _is_import_error(handler):
                continue
            for stmt in _simple_statements(handler.body):
                if isinstance(stmt, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value in imported for t in stmt.targets
                ):
                    self.fallbacks.add(id(stmt))

    def _assign(self, name: str, node: cst.CSTNode) -> None:
        kind = FALLBACK if id(node) in self.fallbacks else ASSIGN
        self.add(name, Binding(kind, node, node.value))


# The binding forms, in the order they are tried; a node's type is looked up once.
_VISITS = (
    ((cst.FunctionDef, cst.ClassDef), "_visit_def"),
    (cst.Assign, "_visit_assign"),
    (cst.AnnAssign, "_visit_ann_assign"),
    (cst.AugAssign, "_visit_target"),
    (cst.For, "_visit_target"),
    (cst.WithItem, "_visit_with_item"),
    (cst.ExceptHandler, "_visit_except_handler"),
    (cst.Import, "_visit_import"),
    (cst.ImportFrom, "_visit_import_from"),
    (cst.Global, "_visit_global"),
    (cst.Nonlocal, "_visit_nonlocal"),
    (cst.NamedExpr, "_visit_target"),
    (cst.Del, "_visit_target"),
    (cst.MatchAs, "_visit_match_name"),
    (cst.MatchStar, "_visit_match_name"),
    (cst.MatchMapping, "_visit_match_mapping"),
    (cst.Try, "_visit_try"),
    (cst.TypeAlias, "_visit_type_alias"),
    (cst.If, "_visit_if"),
)
_VISIT_BY_TYPE: Dict[type, str] = {}


def _simple_statements(block: cst.BaseSuite):
    for line in getattr(block, "body", ()):
        if isinstance(line, cst.SimpleStatementLine):
            yield from line.body
        elif isinstance(line, cst.BaseSmallStatement):
            yield line


def _is_import_error(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for element in names:
        expr = element.value if isinstance(element, cst.Element) else element
        if dotted_name(expr) in ("ImportError", "ModuleNotFoundError", "Exception"):
            return True
    return False
