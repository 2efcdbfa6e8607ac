"""What an expression is, from what built it or what declares it: `SemanticModel.value_type`.

One general question for the rules that need the kind of a receiver (a path, a sync file, a
socket, a network client): the qualified name of its type, or None when unsure. Sources, in
view of the module only:

- a call of a known constructor (`open(...)`, `Path(...)`, `socket.socket(...)`, `smtplib.SMTP(...)`,
  `known.VALUE_CONSTRUCTORS`) or a known method of a typed receiver (`path.with_suffix(...)`,
  `path.open()`; `known.VALUE_METHODS`), `path / "x"`, `path.parent`;
- a name: its bindings in its scope (`x = ...`, `with ... as x`, an annotated parameter or
  variable, `known.VALUE_ANNOTATIONS`). Bindings that all agree decide; otherwise the
  declared annotation, if there is exactly one; otherwise, where the name is used in the
  scope that binds it, the binding that certainly reaches the use (the nearest earlier one
  in straight-line code, see `_reaching`);
- `self.x`: what the enclosing class assigns to `self.x` (every assignment agreeing, `None`
  ignored) or declares for it (`x: T` in the class body).

This is the narrow forerunner of a general `type_of(expr)` (issue 13); when that lands it
answers this question and `value_type` becomes a call to it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import libcst as cst

from aiolint.semantics import blocking, known
from aiolint.semantics.scopes import ASSIGN, OTHER, PARAM, WITH, Binding, Scope, dotted_name
from aiolint.core.walk import iter_nodes

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.semantics.model import SemanticModel

_MAX_DEPTH = 8  # names holding names holding paths: enough for real code, and it terminates
_LOOPS = (cst.For, cst.While)


class ValueTypes:
    """`value_type` and its caches, one per module (owned by the SemanticModel)."""

    def __init__(self, model: "SemanticModel"):
        self.model = model
        self._attributes: Dict[Tuple[int, str], Optional[str]] = {}
        self._sockets: Dict[Tuple[int, str], bool] = {}
        self._offloaded: Dict[Tuple[int, str], bool] = {}

    # ------------------------------------------------------------------ the question
    def value_type(self, expr: cst.BaseExpression, scope: Optional[Scope] = None, depth: int = 0) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        model = self.model
        scope = scope or model.scope
        if isinstance(expr, cst.Call):
            func = expr.func
            built = known.VALUE_CONSTRUCTORS.get(model.qualified_name(func, scope) or "")
            if built is not None:
                return built
            if isinstance(func, cst.Attribute):
                receiver = self.value_type(func.value, scope, depth + 1)
                if receiver is not None:
                    return known.VALUE_METHODS.get((receiver, func.attr.value))
            return None
        if isinstance(expr, cst.BinaryOperation):  # Path(base) / "name"
            if isinstance(expr.operator, cst.Divide) and self.value_type(expr.left, scope, depth + 1) == known.PATH:
                return known.PATH
            return None
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "parent":  # Path(f).parent
                return known.PATH if self.value_type(expr.value, scope, depth + 1) == known.PATH else None
            if isinstance(expr.value, cst.Name) and scope is model.scope:
                return self._attribute_type(expr.value.value, expr.attr.value, depth)
            return None
        if isinstance(expr, cst.Name):
            return self._name_type(expr.value, scope, depth)
        return None

    def annotation_type(self, annotation: Optional[cst.BaseExpression], scope: Scope) -> Optional[str]:
        """The type an annotation declares, `Optional[T]`, `T | None` and `T[...]` included."""
        expr = annotation
        while expr is not None:
            if isinstance(expr, cst.Subscript):
                base = self.model.qualified_name(expr.value, scope)
                elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
                if base in ("typing.Optional", "typing_extensions.Optional") and len(elements) == 1:
                    expr = elements[0]
                    continue
                if base in ("typing.Union", "typing_extensions.Union"):
                    rest = [e for e in elements if not _is_none(e)]
                    if len(rest) != 1:
                        return None
                    expr = rest[0]
                    continue
                expr = expr.value  # IO[str] -> IO
                continue
            if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
                if _is_none(expr.left):
                    expr = expr.right
                elif _is_none(expr.right):
                    expr = expr.left
                else:
                    return None
                continue
            return known.VALUE_ANNOTATIONS.get(self.model.qualified_name(expr, scope) or "")
        return None

    # ------------------------------------------------------------------ names
    def _name_type(self, name: str, scope: Scope, depth: int) -> Optional[str]:
        found = self.model.lookup(name, scope)
        if found is None:
            return None
        binding_scope, bindings = found
        types = [self._binding_type(b, binding_scope, depth) for b in bindings]
        if types and types[0] is not None and all(t == types[0] for t in types):
            return types[0]
        declared = {self._declared(b, binding_scope) for b in bindings if _annotated(b)}
        if len(declared) == 1:
            only = declared.pop()
            if only is not None:
                return only
        if binding_scope is self.model.scope and len(bindings) > 1:
            reaching = self._reaching(bindings, binding_scope)
            if reaching is not None:
                return self._binding_type(reaching, binding_scope, depth)
        return None

    def _binding_type(self, binding: Binding, scope: Scope, depth: int) -> Optional[str]:
        node = binding.node
        if isinstance(node, cst.AnnAssign):
            declared = self.annotation_type(node.annotation.annotation, scope)
            if declared is not None or node.value is None:
                return declared
            return self.value_type(node.value, scope, depth + 1)
        if binding.kind == ASSIGN:
            return self.value_type(binding.value, scope, depth + 1)
        if binding.kind == WITH:  # every type we know returns itself from __enter__
            return self.value_type(binding.value, scope, depth + 1)
        if binding.kind == PARAM and isinstance(node, cst.Param) and node.annotation is not None:
            return self.annotation_type(node.annotation.annotation, scope)
        return None

    def _declared(self, binding: Binding, scope: Scope) -> Optional[str]:
        annotation = binding.node.annotation
        return self.annotation_type(annotation.annotation, scope) if annotation is not None else None

    def _reaching(self, bindings: List[Binding], scope: Scope) -> Optional[Binding]:
        """The binding that certainly reaches the node being visited, or None when unsure.

        Walks up from the use: in each block, the nearest earlier statement that binds the name
        decides if it is a simple statement binding it once. Leaving a compound statement is
        allowed only if nothing else in it binds the name (a `with` header's `as` target is the
        answer; any binding in a loop around the use may come round again: unsure).
        """
        ids = {id(b.node): b for b in bindings}
        ancestors = self.model.ancestors
        top = next((i for i, node in enumerate(ancestors) if node is scope.node), None)
        if top is None:
            return None
        path = ancestors[top + 1:]
        for i in range(len(path) - 1, -1, -1):
            node = path[i]
            child = path[i + 1] if i + 1 < len(path) else None
            body = getattr(node, "body", None)
            if child is not None and isinstance(body, (list, tuple)):
                index = next((k for k, stmt in enumerate(body) if stmt is child), None)
                if index is not None:
                    for stmt in reversed(body[:index]):
                        inside = _within(stmt, ids)
                        if inside:
                            simple = isinstance(stmt, (cst.SimpleStatementLine, cst.BaseSmallStatement))
                            if len(inside) == 1 and simple:
                                return inside[0]
                            return None
            if isinstance(node, cst.BaseCompoundStatement) and child is not None:
                others = [b for b in _within(node, ids) if not any(b is c for c in _within(child, ids))]
                if isinstance(node, _LOOPS) and _within(node, ids):
                    return None
                if others:
                    if isinstance(node, cst.With) and len(others) == 1 and isinstance(others[0].node, cst.WithItem):
                        return others[0]
                    return None
        params = [b for b in bindings if b.kind == PARAM]
        return params[0] if len(params) == 1 else None

    # ------------------------------------------------------------------ sockets
    def handed_to_loop(self, expr: cst.BaseExpression) -> bool:
        """Is this socket made non-blocking (`setblocking(False)`, `settimeout(0)`) or given to the
        event loop (`loop.sock_recv(s, ...)`, `create_connection(sock=s)`, ...) anywhere it is visible?

        Flow-insensitive on purpose: a socket the loop drives anywhere is not reported anywhere.
        """
        text = dotted_name(expr)
        if text is None:
            return False
        region = self._region(expr)
        if region is None:
            return True  # unsure where it lives: say it may be the loop's
        key = (id(region), text)
        cached = self._sockets.get(key)
        if cached is None:
            cached = self._sockets[key] = any(_gives_away(node, text) for node in iter_nodes(region))
        return cached

    # ------------------------------------------------------------------ the author's own offloading
    def offloaded_here(self, receiver: cst.BaseExpression) -> bool:
        """Does the current function hand a method of `receiver` to a thread-pool runner?

        `if small: f.write(b) else: await run_in_threadpool(f.write, b)`: the direct call is
        a deliberate fast path (an in-memory buffer, a tiny write), not an oversight.
        """
        text = dotted_name(receiver)
        function = self.model.function
        if text is None or function is None:
            return False
        key = (id(function), text)
        cached = self._offloaded.get(key)
        if cached is None:
            prefix = text + "."
            cached = False
            model = self.model
            for node in iter_nodes(function.body, into_scopes=False):
                if isinstance(node, cst.Call) and model.maybe_thread_pool_runner(node):
                    runner = model.thread_pool_runner(node)
                    if runner is not None and runner.callable is not None:
                        name = dotted_name(runner.callable.value) or ""
                        if name.startswith(prefix):
                            cached = True
                            break
            self._offloaded[key] = cached
        return cached

    def _region(self, expr: cst.BaseExpression) -> Optional[cst.CSTNode]:
        model = self.model
        if isinstance(expr, cst.Name):
            found = model.lookup(expr.value)
            return found[0].node if found is not None else None
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            owner = model.enclosing_method(expr.value.value)
            return owner[0] if owner is not None else None
        return None

    # ------------------------------------------------------------------ attributes of self
    def _attribute_type(self, receiver: str, attr: str, depth: int) -> Optional[str]:
        model = self.model
        owner = model.enclosing_method(receiver)
        if owner is None:
            return None
        classdef = owner[0]
        key = (id(classdef), attr)
        if key in self._attributes:
            return self._attributes[key]
        self._attributes[key] = None  # a cycle through this attribute answers "unknown"
        found = self._class_attribute(classdef, attr, depth)
        self._attributes[key] = found
        return found

    def _class_attribute(self, classdef: cst.ClassDef, attr: str, depth: int) -> Optional[str]:
        model = self.model
        class_scope = model.scope_of(classdef)
        declared = set()
        assigned: List[Optional[str]] = []
        for stmt in classdef.body.body:
            for small in getattr(stmt, "body", ()) if isinstance(stmt, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.AnnAssign) and dotted_name(small.target) == attr:
                    declared.add(self.annotation_type(small.annotation.annotation, class_scope))
            if not isinstance(stmt, cst.FunctionDef):
                continue
            params = stmt.params.posonly_params or stmt.params.params
            if not params:
                continue
            receiver = params[0].name.value
            method_scope = model.scope_of(stmt, class_scope)
            for node in iter_nodes(stmt.body, into_scopes=False):
                if isinstance(node, cst.Assign):
                    targets = [t.target for t in node.targets]
                    value = node.value
                    annotation = None
                elif isinstance(node, cst.AnnAssign):
                    targets, value, annotation = [node.target], node.value, node.annotation.annotation
                elif isinstance(node, (cst.AugAssign, cst.Del)):
                    targets, value, annotation = [node.target], None, None
                else:
                    continue
                for target in targets:
                    if dotted_name(target) != f"{receiver}.{attr}":
                        if _binds_attribute_inside(target, receiver, attr):
                            assigned.append(None)
                        continue
                    if annotation is not None:
                        declared.add(self.annotation_type(annotation, method_scope))
                    if value is None:
                        if annotation is None:
                            assigned.append(None)
                    elif not _is_none(value):
                        if len(targets) > 1 or isinstance(target, (cst.Tuple, cst.List)):
                            assigned.append(None)
                        else:
                            assigned.append(self.value_type(value, method_scope, depth + 1))
        if len(declared) == 1:
            only = next(iter(declared))
            if only is not None:
                return only
        if declared:
            return None
        if assigned and assigned[0] is not None and all(t == assigned[0] for t in assigned):
            return assigned[0]
        return None


def _gives_away(node: cst.CSTNode, text: str) -> bool:
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name in blocking.SOCKET_NONBLOCKING_METHODS:
        return (
            isinstance(func, cst.Attribute)
            and dotted_name(func.value) == text
            and bool(node.args)
            and is_zero_or_false(node.args[0].value)
        )
    if name.startswith("sock_") or name in blocking.SOCKET_LOOP_TAKERS:
        return any(dotted_name(arg.value) == text for arg in node.args)
    return False


def is_zero_or_false(expr: Optional[cst.BaseExpression]) -> bool:
    """A literal `False`, `0` or `0.0` (a non-blocking flag or a zero timeout)."""
    if isinstance(expr, cst.Name):
        return expr.value == "False"
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.value.replace("_", "")) == 0
        except ValueError:
            return False
    return False


def _within(node: cst.CSTNode, ids: Dict[int, Binding]) -> List[Binding]:
    return [ids[id(n)] for n in iter_nodes(node, into_scopes=False) if id(n) in ids]


def _annotated(binding: Binding) -> bool:
    node = binding.node
    return isinstance(node, cst.AnnAssign) or (
        binding.kind == PARAM and isinstance(node, cst.Param) and node.annotation is not None
    ) or (binding.kind == OTHER and isinstance(node, cst.AnnAssign))


def _binds_attribute_inside(target: cst.BaseExpression, receiver: str, attr: str) -> bool:
    """`a, self.x = ...`: a tuple target that binds the attribute among others."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(
            dotted_name(e.value) == f"{receiver}.{attr}" or _binds_attribute_inside(e.value, receiver, attr)
            for e in target.elements
        )
    return False


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"
