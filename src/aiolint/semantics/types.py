"""What an expression is: `type_of(expr)`, and the questions rules ask about definitions.

A type is data (`Type`): a library type by its canonical name from `library.py`
(`"sqlite3.Cursor"`), or a project class (`Type("Database", module="bot.db")`; module "" is the
linted module itself). It is known from what built or declares the expression:

- a name bound in its scope (every binding agrees; `None` assignments are ignored), an
  annotated parameter or variable (`Optional[T]`, `T | None`, `"T"` included);
- `self.x` assigned anywhere in the class or declared on it (`x: T`), or a `@property` with a
  return annotation;
- a module-level object, here or in another module of the project (through `project`);
- a call of a known class or factory, a method whose result the table knows
  (`conn.cursor()`), an attribute or item of a known object (`client.db.users`), calling a
  known callable object (`sessionmaker(...)()`), or a project function's declared/evident return;
- `with X() as y`.

Unknown is None, and rules say nothing about it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Tuple

import libcst as cst

from aiolint.semantics import known, library
from aiolint.semantics.scopes import (
    ASSIGN,
    CLASS,
    CLASSDEF,
    DEF,
    FUNCTION,
    IMPORT,
    OTHER,
    PARAM,
    WITH,
    Scope,
    dotted_name,
)
from aiolint.core.walk import iter_nodes, small_statements

_MAX_DEPTH = 12
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends"})
_CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager"})
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
_CLASS_OF = frozenset({"typing.Type", "typing_extensions.Type", "builtins.type"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated", "typing.Final", "typing.ClassVar"})
# Decorators that leave a sync function a plain function run on call. Any other one may
# change that (sync_to_async, a thread-pool wrapper, property, contextmanager).
_PLAIN_DECORATORS = known.TRANSPARENT_DECORATORS | {"functools.lru_cache", "functools.cache", "lru_cache", "cache"}


@dataclass(frozen=True)
class Type:
    """What an expression is: a library type, or a class of the project."""

    name: str  # canonical library type ("sqlite3.Cursor") or a project class's name ("Database")
    module: Optional[str] = None  # a project class: its module's dotted name ("" = the linted module)
    bounded: bool = False  # queues: built with a maxsize, so `put` can wait

    @property
    def is_project(self) -> bool:
        return self.module is not None

    def __str__(self) -> str:
        if self.module:
            return f"{self.module}.{self.name}"
        return self.name


@dataclass(frozen=True)
class Definition:
    """What a callee names: a def or class of this module, or one of another project module."""

    kind: str  # "function" or "class"
    name: str  # as shown in messages: "add_user", "Database.add_user"
    node: Optional[cst.CSTNode] = None  # the FunctionDef/ClassDef when it is in this module
    module: str = ""  # "" for this module, else the project module's dotted name
    summary: object = None  # project.FunctionSummary / ClassSummary for another module


@dataclass(frozen=True)
class BlockingUse:
    """A method call (or an iteration) that blocks because of what its receiver is."""

    code: str  # the rule that reports it: AIO101, AIO104, AIO105
    type: Type
    method: str  # "execute"; "__iter__" for iterating, "__getitem__" for indexing
    replacement: str  # from the table: "an async driver (aiosqlite)"; "" when the rule words it

    @property
    def callee(self) -> str:
        return f"{self.type.name}.{self.method}"


class TypeQuestions:
    """Mixed into SemanticModel: type_of, definition, receiver_param, is_plain_function."""

    # Set by SemanticModel.__init__
    project: object
    module_name: str

    # ----------------------------------------------------------------- the one query
    def type_of(self, expr: cst.BaseExpression, scope: Optional[Scope] = None) -> Optional[Type]:
        key = (id(expr), id(scope))
        cache = self._type_cache
        if key in cache:
            return cache[key]
        cache[key] = None  # a cycle through this expression answers "unknown"
        outer, self._positional = self._positional, False
        try:
            found = self._type(expr, scope, 0)
        except RecursionError:
            found = None
        if self._positional:
            del cache[key]  # it hung on where the walk is (`_reaching`): asked elsewhere, it may differ
        else:
            cache[key] = found
        self._positional = outer or self._positional
        return found

    def _type(self, expr, scope, depth) -> Optional[Type]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            return self._name_type(expr.value, scope, depth, expr)
        if isinstance(expr, cst.Attribute):
            return self._attribute_type(expr, scope, depth)
        if isinstance(expr, cst.BinaryOperation):  # `Path(base) / "name"`
            operator = _OPERATORS.get(type(expr.operator))
            left = self._type(expr.left, scope, depth + 1) if operator else None
            found = library.OPERATORS.get((left.name, operator)) if left and not left.is_project else None
            return Type(found) if found else None
        if isinstance(expr, cst.Call):
            return self._call_type(expr, scope, depth)
        if isinstance(expr, cst.Await) and isinstance(expr.expression, cst.Call):
            return self._awaited_type(expr.expression, depth)
        if isinstance(expr, cst.Subscript):
            base = self._type(expr.value, scope, depth + 1)
            if base is not None and base.name in library.BLOCKING_ITERATION and any(
                isinstance(element.slice, cst.Slice) for element in expr.slice
            ):
                return base  # a slice of a lazy cursor/query is another lazy one
            item = library.SUBSCRIPTS.get(base.name) if base is not None and not base.is_project else None
            return Type(item) if item else None
        return None

    # ----------------------------------------------------------------- names
    def _name_type(self, name: str, scope, depth, node: Optional[cst.Name] = None) -> Optional[Type]:
        """Every binding agrees (`None` ignored); else the one type the name is declared as; else,
        for a name used here, the binding that certainly reaches this use (`_reaching`)."""
        found = self.lookup(name, scope)
        if found is None:
            return None
        binding_scope, bindings = found
        key = (name, id(binding_scope))
        assumed = self._assumed
        if key in assumed:
            # `q = q.filter(...)`: `q` is asked while its own bindings are typed. Assume the type the
            # bindings before this one agree on (none yet: unknown); a rebinding that keeps it agrees.
            self._positional = True  # an assumption: `type_of` must not remember an answer built on it
            return assumed[key]
        assumed[key] = None
        try:
            agreed = self._agreed_type(bindings, binding_scope, depth, key)
        finally:
            del assumed[key]
        if agreed is not _DISAGREE:
            return agreed
        declared = {self._declared(b, binding_scope) for b in bindings if _annotated(b)}
        if len(declared) == 1:
            only = next(iter(declared))
            if only is not None:
                return only  # `f: TextIO = a or b`: the declaration is what the checker holds it to
        if len(bindings) > 1 and self._away == 0 and binding_scope is self.scope and node is not None:
            self._positional = True
            if not self._used_here(node):
                return None
            reaching = self._reaching(bindings, binding_scope)
            if reaching is not None:
                found_type = self._binding_type(reaching, binding_scope, depth)
                return None if found_type is _NONE else found_type
        return None

    def _agreed_type(self, bindings, binding_scope, depth, key):
        """The type every binding gives (`None` bindings ignored), else _DISAGREE."""
        result: Optional[Type] = None
        for binding in bindings:
            if binding.kind == IMPORT:
                if len(bindings) != 1:
                    return None
                return self._imported_object_type(binding.qualified)
            found_type = self._binding_type(binding, binding_scope, depth)
            if found_type is _NONE:
                continue
            if found_type is None or (result is not None and found_type != result):
                return _DISAGREE
            result = self._assumed[key] = found_type
        return result

    def _declared(self, binding, scope) -> Optional[Type]:
        annotation = binding.node.annotation
        return self.annotation_type(annotation.annotation, scope) if annotation is not None else None

    def _used_here(self, name: cst.Name) -> bool:
        """Is this name in the statement being visited (its header, for a compound one), so that
        `_reaching`, which reads the walk's ancestors, is about this use?"""
        statement = self.statement()
        if statement is None:
            return False
        pending = [statement]
        while pending:
            current = pending.pop()
            if current is name:
                return True
            for child in current.children:
                if not isinstance(child, (cst.BaseSuite, cst.BaseCompoundStatement, cst.FunctionDef, cst.Lambda)):
                    pending.append(child)
        return False

    def _reaching(self, bindings, scope):
        """The binding that certainly reaches the node being visited, or None when unsure.

        Walks up from the use: in each block, the nearest earlier statement that binds the name
        decides if it is a simple statement binding it once. Leaving a compound statement is
        allowed only if nothing else in it binds the name (a `with` header's `as` target is the
        answer; any binding in a loop around the use may come round again: unsure).
        """
        ids = {id(b.node): b for b in bindings}
        ancestors = self.ancestors
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
                if isinstance(node, (cst.For, cst.While)) and _within(node, ids):
                    return None
                if others:
                    if isinstance(node, cst.With) and len(others) == 1 and isinstance(others[0].node, cst.WithItem):
                        return others[0]
                    return None
        params = [b for b in bindings if b.kind == PARAM]
        return params[0] if len(params) == 1 else None

    def _binding_type(self, binding, scope, depth):
        self._away += 1  # what the binding's value is, where it is: no longer the use being visited
        try:
            return self._bound_type(binding, scope, depth)
        finally:
            self._away -= 1

    def _bound_type(self, binding, scope, depth):
        node = binding.node
        if binding.kind == PARAM:
            annotation = node.annotation.annotation if node.annotation is not None else None
            declared = self.annotation_type(annotation, scope) if annotation is not None else None
            default = node.default
            if declared is None and isinstance(default, cst.Call) and default.args:
                # FastAPI: `db = Depends(get_db)` is what get_db yields.
                if self.qualified_name(default.func, scope) in _DEPENDS and default.args[0].keyword is None:
                    return self._provided(default.args[0].value, scope, depth + 1)
            return declared
        if isinstance(node, cst.AnnAssign) and binding.kind in (ASSIGN, OTHER):
            if not isinstance(node.target, cst.Name):
                return None
            declared = self.annotation_type(node.annotation.annotation, scope)
            if declared is not None:
                return declared
            if node.value is None:
                return _NONE  # a declaration without a type we know says nothing against the others
        if binding.kind == ASSIGN:
            value = binding.value
            if _is_none(value):
                return _NONE
            return self._type(value, scope, depth + 1)
        if binding.kind == WITH:
            value = binding.value
            if isinstance(value, cst.Call) and self._is_context_manager_function(value.func, scope):
                return self._provided(value.func, scope, depth + 1)  # `with session_scope() as s`
            entered = self._type(value, scope, depth + 1)
            if entered is None or entered.is_project:
                return None  # a project class's __enter__ may return anything
            return Type(library.ENTERED.get(entered.name, entered.name))
        return None

    def _is_context_manager_function(self, func: cst.BaseExpression, scope) -> bool:
        """A function decorated with `contextlib.contextmanager`, here or in another project module."""
        if isinstance(func, cst.Name):
            definition = self.module_definition(func.value)
            if isinstance(definition, cst.FunctionDef):
                return any(
                    self.qualified_name(d.decorator, scope) in _CONTEXT_MANAGERS for d in definition.decorators
                )
        qualified = self.qualified_name(func, scope)
        found = self._project_lookup(qualified) if qualified else None
        return found is not None and found[0] == "function" and found[2].is_context_manager

    # ----------------------------------------------------------------- annotations
    def annotation_type(self, annotation: Optional[cst.BaseExpression], scope=None) -> Optional[Type]:
        """The type an annotation declares: `T`, `Optional[T]`, `T | None`, `"T"`, `Annotated[T, ...]`."""
        if annotation is None:
            return None
        if isinstance(annotation, cst.SimpleString):
            text = annotation.evaluated_value
            if not isinstance(text, str) or len(text) > 200:
                return None
            try:
                annotation = cst.parse_expression(text)
            except Exception:
                return None
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            parts = [p for p in (annotation.left, annotation.right) if not _is_none(p)]
            return self.annotation_type(parts[0], scope) if len(parts) == 1 else None
        if isinstance(annotation, cst.Subscript):
            outer = self.qualified_name(annotation.value, scope)
            elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
            if outer in _OPTIONAL and len(elements) == 1:
                return self.annotation_type(elements[0], scope)
            if outer in _UNION:
                parts = [p for p in elements if not _is_none(p)]
                return self.annotation_type(parts[0], scope) if len(parts) == 1 else None
            if outer in _ANNOTATED and elements:
                return self.annotation_type(elements[0], scope)
            if outer in _CLASS_OF:
                return None  # `type[T]` is the class, not an instance
            return self.annotation_type(annotation.value, scope)  # `IO[str]`, `Queue[int]`: the class
        if not isinstance(annotation, (cst.Name, cst.Attribute)):
            return None
        return self._class_type(annotation, scope)

    def _class_type(self, expr: cst.BaseExpression, scope) -> Optional[Type]:
        """The instance type of a class expression: a library class, or a project class."""
        qualified = self.qualified_name(expr, scope)
        if qualified is not None:
            canonical = library.CLASSES.get(qualified) or library.ANNOTATIONS.get(qualified)
            if canonical is not None:
                return Type(canonical)
            project = self._project_class(qualified)
            return project
        if isinstance(expr, cst.Name):
            found = self.lookup(expr.value, scope)
            if found is not None and found[0] is self.module_scope and len(found[1]) == 1:
                if found[1][0].kind == CLASSDEF:
                    return Type(expr.value, module="")
        return None

    # ----------------------------------------------------------------- attributes
    def _attribute_type(self, expr: cst.Attribute, scope, depth) -> Optional[Type]:
        attr = expr.attr.value
        receiver = expr.value
        if isinstance(receiver, cst.Name):
            owner = self._receiver_class(receiver.value, scope)
            if owner is not None:
                if self.module_definition(owner.name.value) is not owner:  # a class inside a def
                    return self._class_attribute(owner, attr, depth)
                return self.member_type(Type(owner.name.value, module=""), attr, depth)
        base = self._type(receiver, scope, depth + 1)
        if base is not None:
            return self.member_type(base, attr, depth)
        qualified = self.qualified_name(expr, scope)
        if qualified is not None:
            return self._imported_object_type(qualified)
        return None

    def member_type(self, base: Type, attr: str, depth: int = 0) -> Optional[Type]:
        """The type of `x.attr` when `x` is a `base`."""
        if base.is_project:
            if base.module == "":
                classdef = self.module_definition(base.name)
                if isinstance(classdef, cst.ClassDef):
                    return self._class_attribute(classdef, attr, depth)
                return None
            return self._project_attribute(base, attr)
        found = library.ATTRIBUTES.get((base.name, attr))
        if found is None and attr not in library.NOT_SUBOBJECTS.get(base.name, ()) and not attr.startswith("_"):
            found = library.ATTRIBUTES.get((base.name, "*"))
        return Type(found) if found else None

    def _receiver_class(self, name: str, scope) -> Optional[cst.ClassDef]:
        """For `self`/`cls` in a method: its class."""
        owner = self._method_of(name, scope)
        return owner[0] if owner is not None else None

    def _method_of(self, name: str, scope: Optional[Scope]):
        """The class and method whose first parameter `name` is, seen from `scope` (None: here)."""
        found = self.lookup(name, scope)
        if found is None:
            return None
        found_scope, bindings = found
        if found_scope.kind != FUNCTION or len(bindings) != 1 or bindings[0].kind != PARAM:
            return None
        if found_scope.parent is None or found_scope.parent.kind != CLASS:
            return None
        params = found_scope.node.params.posonly_params or found_scope.node.params.params
        if not params or params[0].name.value != name:
            return None
        return found_scope.parent.node, found_scope.node

    def _class_attribute(self, classdef: cst.ClassDef, attr: str, depth: int, _seen=None) -> Optional[Type]:
        """`self.attr` of a class: declared on the class, or every assignment in its methods agrees."""
        self._away += 1  # its values are in the class's methods: not the use being visited
        try:
            return self._class_attribute_type(classdef, attr, depth, _seen)
        finally:
            self._away -= 1

    def _class_attribute_type(self, classdef: cst.ClassDef, attr: str, depth: int, _seen=None) -> Optional[Type]:
        seen = _seen or set()
        if id(classdef) in seen:
            return None
        seen.add(id(classdef))
        assigned = self._attribute_assignments(classdef).get(attr)
        if assigned:
            declared = {
                self.annotation_type(annotation, value_scope)
                for value, value_scope, annotation in assigned
                if annotation is not None and not isinstance(value, cst.FunctionDef)
            }
            if len(declared) == 1:
                only = next(iter(declared))
                if only is not None:
                    return only  # `log: IO[str]` on the class: what every assignment is held to
            result = None
            for value, value_scope, annotation in assigned:
                if annotation is not None:
                    declared = self.annotation_type(annotation, value_scope)
                    if declared is not None:
                        found: Optional[Type] = declared
                    elif value is None:
                        continue
                    else:
                        found = self._type(value, value_scope, depth + 1) if not _is_none(value) else _NONE
                elif isinstance(value, cst.FunctionDef):  # @property with a return annotation
                    found = self.annotation_type(value.returns.annotation, value_scope) if value.returns else None
                elif _is_none(value):
                    continue
                else:
                    found = self._type(value, value_scope, depth + 1)
                if found is _NONE:
                    continue
                if found is None or (result is not None and found != result):
                    return None
                result = found
            return result
        for base in classdef.bases:
            base_name = dotted_name(base.value) if base.keyword is None else None
            base_def = self.module_definition(base_name) if base_name and "." not in base_name else None
            if isinstance(base_def, cst.ClassDef):
                found = self._class_attribute_type(base_def, attr, depth, seen)
                if found is not None:
                    return found
        return None

    def _attribute_assignments(self, classdef: cst.ClassDef) -> Dict[str, list]:
        """attr -> [(value, scope, annotation)] for `self.attr = v` in methods and `attr[: T] = v` in the body."""
        cached = self._assignment_cache.get(id(classdef))
        if cached is not None:
            return cached
        out: Dict[str, list] = {}
        class_scope = self.scope_of(classdef)
        for statement in _body_statements(classdef.body):
            if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
                out.setdefault(statement.target.value, []).append(
                    (statement.value, class_scope, statement.annotation.annotation))
            elif isinstance(statement, cst.Assign):
                for target in statement.targets:
                    if isinstance(target.target, cst.Name):
                        out.setdefault(target.target.value, []).append((statement.value, class_scope, None))
            elif isinstance(statement, cst.FunctionDef):
                names = {dotted_name(d.decorator) for d in statement.decorators}
                if names & {"property", "functools.cached_property", "cached_property"}:
                    out.setdefault(statement.name.value, []).append((statement, class_scope, None))
                    continue
                if "staticmethod" in names:
                    continue
                params = statement.params.posonly_params or statement.params.params
                if not params:
                    continue
                receiver = params[0].name.value
                method_scope = self.scope_of(statement, class_scope)
                for node in iter_nodes(statement.body, into_scopes=False):
                    if isinstance(node, cst.Assign):
                        for target in node.targets:
                            _self_attribute(out, target.target, receiver, node.value, method_scope, None)
                    elif isinstance(node, cst.AnnAssign):
                        _self_attribute(out, node.target, receiver, node.value, method_scope,
                                        node.annotation.annotation)
                    elif isinstance(node, (cst.AugAssign, cst.WithItem, cst.For)):
                        target = node.asname.name if isinstance(node, cst.WithItem) and node.asname else getattr(
                            node, "target", None)
                        if target is not None:
                            _self_attribute(out, target, receiver, _UNKNOWN, method_scope, None)
        self._assignment_cache[id(classdef)] = out
        return out

    # ----------------------------------------------------------------- calls
    def _call_type(self, call: cst.Call, scope, depth) -> Optional[Type]:
        func = call.func
        qualified = self.qualified_name(func, scope)
        if qualified is not None:
            canonical = library.CLASSES.get(qualified) or library.FACTORIES.get(qualified)
            if canonical is not None:
                return Type(canonical, bounded=canonical == "queue.Queue" and _bounded(call))
            project = self._project_call(qualified)
            if project is not None:
                return project
        if isinstance(func, cst.Name):
            definition = self.module_definition(func.value)
            found = self.lookup(func.value, scope)
            if definition is not None and found is not None and found[0] is self.module_scope:
                if isinstance(definition, cst.ClassDef):
                    return Type(func.value, module="")
                return self._returns(definition, depth)
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = self._type(func.value, scope, depth + 1)
            if base is not None:
                if base.is_project:
                    found_type = self._project_method_returns(base, method, depth)
                    if found_type is not None:
                        return found_type
                    callee = self._type(func, scope, depth + 1)  # `self._session()`: a callable attribute
                    found = library.METHODS.get((callee.name, "__call__")) if callee and not callee.is_project else None
                    return Type(found) if found else None
                found = library.METHODS.get((base.name, method))
                return Type(found) if found else None
            callee = self._type(func, scope, depth + 1)  # `self._session()`: a callable attribute
            if callee is not None and not callee.is_project:
                found = library.METHODS.get((callee.name, "__call__"))
                return Type(found) if found else None
            if isinstance(func.value, cst.Name):  # `Mongo.init_db(...)`: a method through its class
                classdef = self._module_class(func.value.value, scope)
                if classdef is not None:
                    found_def = self.find_method(classdef, method)
                    if found_def is not None:
                        self._method_scope(found_def)
                        return self._returns(found_def, depth)
            found = library.ANY_RECEIVER_METHODS.get(method)
            if found is not None:
                return Type(found)
            return None
        callee = self._type(func, scope, depth + 1)
        if callee is not None and not callee.is_project:
            found = library.METHODS.get((callee.name, "__call__"))
            return Type(found) if found else None
        return None

    def _awaited_type(self, call: cst.Call, depth: int) -> Optional[Type]:
        """`await f()` for a coroutine function of the project: the one type its returns give."""
        definition = self.definition(call.func)
        if definition is None or definition.kind != "function":
            return None
        if definition.node is not None:
            function = definition.node
            if not self.is_coroutine_def(function):
                return None
            if "." in definition.name:
                self._method_scope(function)
            return self._returns(function, depth, awaited=True)
        if getattr(definition.summary, "is_coroutine", False):
            return _type_from_ref(definition.summary.awaited_returns)
        return None

    def _method_scope(self, function: cst.FunctionDef) -> Scope:
        """The scope of a method of a module-level class, with its class's scope as parent."""
        if id(function) not in self._scope_cache:
            for classdef in self.module.body:
                if isinstance(classdef, cst.ClassDef) and any(s is function for s in _body_statements(classdef.body)):
                    return self.scope_of(function, self.scope_of(classdef))
        return self.scope_of(function)

    def _module_class(self, name: str, scope) -> Optional[cst.ClassDef]:
        found = self.lookup(name, scope)
        if found is not None and found[0] is self.module_scope and len(found[1]) == 1 and found[1][0].kind == CLASSDEF:
            return found[1][0].value
        return None

    def _provided(self, provider: cst.BaseExpression, scope, depth: int) -> Optional[Type]:
        """What a dependency provider gives (FastAPI `Depends(get_db)`, `with session_scope() as s`):
        the one type a generator function yields, or a function returns."""
        if isinstance(provider, cst.Name):
            definition = self.module_definition(provider.value)
            found = self.lookup(provider.value, scope)
            if isinstance(definition, cst.FunctionDef) and found is not None and found[0] is self.module_scope:
                return self._yields(definition, depth)
        qualified = self.qualified_name(provider, scope)
        found = self._project_lookup(qualified) if qualified else None
        if found is not None and found[0] == "function":
            return _type_from_ref(found[2].provides)
        return None

    def _yields(self, function: cst.FunctionDef, depth: int) -> Optional[Type]:
        """The type a (generator) function yields, or, if it yields nothing, returns."""
        self._away += 1
        try:
            return self._yielded(function, depth)
        finally:
            self._away -= 1

    def _yielded(self, function: cst.FunctionDef, depth: int) -> Optional[Type]:
        function_scope = self.scope_of(function)
        result = None
        yielded = False
        for node in iter_nodes(function.body, into_scopes=False):
            if isinstance(node, cst.Yield):
                yielded = True
                if node.value is None or isinstance(node.value, cst.From):
                    return None
                found = self._type(node.value, function_scope, depth + 1)
                if found is None or (result is not None and found != result):
                    return None
                result = found
        if yielded:
            return result
        return self._returns(function, depth) if function.asynchronous is None else None

    def _returns(self, function: cst.FunctionDef, depth: int, scope=None, awaited: bool = False) -> Optional[Type]:
        """A sync function's declared return, or the one type all its `return`s evidently give
        (with `awaited`: the same for a coroutine function, as `await f()` gives it)."""
        self._away += 1
        try:
            return self._returned(function, depth, scope, awaited)
        finally:
            self._away -= 1

    def _returned(self, function: cst.FunctionDef, depth: int, scope, awaited: bool) -> Optional[Type]:
        if awaited:
            if not self.is_coroutine_def(function):
                return None
        elif function.asynchronous is not None or not self.is_plain_function(function):
            return None
        function_scope = self.scope_of(function)
        if function.returns is not None:
            return self.annotation_type(function.returns.annotation, function_scope.parent or scope)
        result = None
        for node in iter_nodes(function.body, into_scopes=False):
            if isinstance(node, cst.Yield) or (isinstance(node, cst.Await) and not awaited):
                return None
            if isinstance(node, cst.Return):
                if node.value is None or _is_none(node.value):
                    continue
                found = self._type(node.value, function_scope, depth + 1)
                if found is None or (result is not None and found != result):
                    return None
                result = found
        return result

    def _project_method_returns(self, base: Type, method: str, depth: int) -> Optional[Type]:
        if base.module == "":
            classdef = self.module_definition(base.name)
            found = self.find_method(classdef, method) if isinstance(classdef, cst.ClassDef) else None
            if found is None:
                return None
            self._method_scope(found)
            return self._returns(found, depth)
        summary = self._project_summary_method(base, method)
        return _type_from_ref(summary.returns) if summary is not None else None

    # ----------------------------------------------------------------- what blocks
    def blocking_method(self, call: cst.BaseExpression) -> Optional[BlockingUse]:
        """`x.m(...)` where `x` is a library object whose `m` blocks (the table's `BLOCKING`).
        Takes the call or its callee."""
        func = call.func if isinstance(call, cst.Call) else call
        if not isinstance(func, cst.Attribute):
            return None
        parent = self.parent
        if isinstance(parent, cst.Await) and parent.expression is call:
            return None  # awaited: the code says the object is async, whatever it was declared as
        receiver = self.type_of(func.value)
        if receiver is None or receiver.is_project:
            return None
        method = func.attr.value
        found = library.blocking_method(receiver.name, method)
        if found is not None and dotted_name(func.value) in self._awaited_receivers():
            return None  # `await r.auth()` elsewhere in this function: `r` is an async client after all
        if found is None:
            return None
        if receiver.name == "queue.Queue" and method == "put" and not receiver.bounded:
            return None  # an unbounded queue's put never waits
        return BlockingUse(found[0], receiver, method, found[1])

    def _awaited_receivers(self) -> frozenset:
        """The receivers (`r`, `self.db`) of method calls awaited in the current function."""
        function = self.function
        if function is None:
            return frozenset()
        cached = self._awaited_cache.get(id(function))
        if cached is None:
            found = set()
            for node in iter_nodes(function.body, into_scopes=False):
                if isinstance(node, cst.Await) and isinstance(node.expression, cst.Call):
                    callee = node.expression.func
                    if isinstance(callee, cst.Attribute):
                        name = dotted_name(callee.value)
                        if name:
                            found.add(name)
            cached = self._awaited_cache[id(function)] = frozenset(found)
        return cached

    def blocking_iteration(self, expr: cst.BaseExpression) -> Optional[BlockingUse]:
        """`expr` is a lazy query whose iteration or indexing runs it (a pymongo cursor, a Query)."""
        found = self.type_of(expr)
        if found is None or found.is_project or found.name not in library.BLOCKING_ITERATION:
            return None
        code, _, replacement = library.BLOCKING[found.name]
        return BlockingUse(code, found, "__iter__", replacement)

    # ----------------------------------------------------------------- definitions
    def definition(self, expr: cst.BaseExpression) -> Optional[Definition]:
        """The def or class a callee names: a def/class of this module bound once (not shadowed), `self.m`/`cls.m`
        of the enclosing class (or a same-module base), a method of a typed receiver
        (`self.db.add_user` on a project `Database`), or a def/class imported from the project."""
        if isinstance(expr, cst.Name):
            found = self.lookup(expr.value)
            if found is None:
                return None
            found_scope, bindings = found
            if len(bindings) != 1:
                return None
            binding = bindings[0]
            if binding.kind in (DEF, CLASSDEF):
                kind = "function" if binding.kind == DEF else "class"
                return Definition(kind, expr.value, binding.value)
            if binding.kind == IMPORT:
                return self._project_definition(binding.qualified)
            return None
        if not isinstance(expr, cst.Attribute):
            return None
        method = expr.attr.value
        if isinstance(expr.value, cst.Name):
            owner = self.enclosing_method(expr.value.value)
            if owner is not None:
                found = self.find_method(owner[0], method)
                if found is not None:
                    return Definition("function", f"{owner[0].name.value}.{method}", found)
                return None
        base = self.type_of(expr.value)
        if base is not None and base.is_project:
            if base.module == "":
                classdef = self.module_definition(base.name)
                found = self.find_method(classdef, method) if isinstance(classdef, cst.ClassDef) else None
                return Definition("function", f"{base.name}.{method}", found) if found is not None else None
            summary = self._project_summary_method(base, method)
            if summary is not None:
                return Definition("function", f"{base.name}.{method}", None, base.module, summary)
            return None
        if base is None:
            qualified = self.qualified_name(expr)
            if qualified is not None:
                return self._project_definition(qualified)
        return None

    def receiver_param(self) -> Optional[str]:
        """In a method (not a static one), the name of its first parameter (`self`/`cls`)."""
        function = self.function
        if function is None:
            return None
        params = function.params.posonly_params or function.params.params
        if not params:
            return None
        name = params[0].name.value
        return name if self.enclosing_method(name) is not None else None

    def is_plain_function(self, function: cst.FunctionDef) -> bool:
        """Calling it runs its body now: a sync def, no decorator that may wrap it (a thread-pool wrapper,
        `sync_to_async`, `property`, `contextmanager`), and not a generator."""
        cached = self._plain_cache.get(id(function))
        if cached is None:
            cached = function.asynchronous is None and all(
                _decorator_name(d) in _PLAIN_DECORATORS for d in function.decorators
            ) and not any(
                isinstance(n, cst.Yield) for n in iter_nodes(function.body, into_scopes=False)
            )
            self._plain_cache[id(function)] = cached
        return cached

    def imports_module(self, name: str) -> bool:
        """Does the module import `name` (or a submodule, or a name from it) anywhere?"""
        if self.source and name.partition(".")[0] not in self.source:
            return False  # an import spells the name out: most modules need no walk to say no
        if self._imported_modules is None:
            found = set()
            for node in small_statements(self.module):
                if isinstance(node, cst.Import):
                    found.update(dotted_name(alias.name) or "" for alias in node.names)
                elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
                    found.add(dotted_name(node.module) or "")
            self._imported_modules = frozenset(found)
        return any(m == name or m.startswith(name + ".") for m in self._imported_modules)

    # ----------------------------------------------------------------- the rest of the project
    def _project_lookup(self, qualified: Optional[str]):
        project = self.project
        if project is None or not qualified:
            return None
        return project.lookup(qualified)

    def _imported_object_type(self, qualified: Optional[str]) -> Optional[Type]:
        found = self._project_lookup(qualified)
        if found is None or found[0] != "object":
            return None
        return _type_from_ref(found[2])

    def _project_class(self, qualified: str) -> Optional[Type]:
        found = self._project_lookup(qualified)
        if found is None or found[0] != "class":
            return None
        return Type(found[2].name, module=found[1])

    def _project_call(self, qualified: str) -> Optional[Type]:
        found = self._project_lookup(qualified)
        if found is None:
            return None
        kind, module, summary = found
        if kind == "class":
            return Type(summary.name, module=module)
        if kind == "function":
            return _type_from_ref(summary.returns)
        return None

    def _project_definition(self, qualified: Optional[str]) -> Optional[Definition]:
        found = self._project_lookup(qualified)
        if found is None or found[0] not in ("function", "class"):
            return None
        kind, module, summary = found
        return Definition(kind, summary.name, None, module, summary)

    def _project_attribute(self, base: Type, attr: str) -> Optional[Type]:
        project = self.project
        if project is None:
            return None
        return _type_from_ref(project.attribute(base.module, base.name, attr))

    def _project_summary_method(self, base: Type, method: str):
        project = self.project
        if project is None:
            return None
        return project.method(base.module, base.name, method)


# ----------------------------------------------------------------- helpers
class _NoneType:
    """Marks `x = None`: says nothing about x's type."""


_NONE = _NoneType()
_DISAGREE = object()  # the bindings of a name give no one type
_UNKNOWN = cst.Name("__aiolint_unknown__")  # an assignment whose value is not an expression we can type


def _type_from_ref(ref) -> Optional[Type]:
    if not ref:
        return None
    name, module = ref
    return Type(name, module=module)


def _is_none(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


_OPERATORS = {cst.Divide: "/"}


def _within(node: cst.CSTNode, ids) -> list:
    return [ids[id(n)] for n in iter_nodes(node, into_scopes=False) if id(n) in ids]


def _annotated(binding) -> bool:
    node = binding.node
    return isinstance(node, cst.AnnAssign) or (
        binding.kind == PARAM and isinstance(node, cst.Param) and node.annotation is not None
    )


def library_type(found: Optional[Type]) -> Optional[str]:
    """The canonical library type name of a `type_of` answer; None for unknown or a project class."""
    return found.name if found is not None and not found.is_project else None


def _bounded(call: cst.Call) -> bool:
    """`queue.Queue(10)` / `maxsize=10`: put can wait."""
    size = None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "maxsize":
            size = arg.value
    if size is None and call.args and call.args[0].keyword is None and not call.args[0].star:
        size = call.args[0].value
    if size is None:
        return False
    if isinstance(size, cst.Integer):
        return size.value not in ("0",)
    return True


def _self_attribute(out, target, receiver, value, scope, annotation) -> None:
    if (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == receiver
    ):
        out.setdefault(target.attr.value, []).append((value, scope, annotation))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _self_attribute(out, element.value, receiver, _UNKNOWN, scope, None)


def _body_statements(block) -> Iterator[cst.CSTNode]:
    for line in getattr(block, "body", ()):
        if isinstance(line, cst.SimpleStatementLine):
            yield from line.body
        elif isinstance(line, cst.BaseSmallStatement):
            yield line
        else:
            yield line


def _decorator_name(decorator: cst.Decorator) -> Optional[str]:
    expr = decorator.decorator
    return dotted_name(expr.func if isinstance(expr, cst.Call) else expr)


def split_type_names(type_: Optional[Type]) -> Tuple[str, ...]:  # pragma: no cover - debugging aid
    return (type_.name,) if type_ is not None else ()
