"""The semantic model: what every rule asks instead of re-deriving it.

- Where am I?            `in_async_context`, `function`, `parent`, `ancestors`
- What does this name?   `qualified_name(expr)` through imports and aliases, shadowing respected
- What is it?            `type_of(expr)`, `definition(expr)`, `receiver_param()` (types.py)
- What does it hold?     `holds(name)` / `holds_call(name)`
- Is it a coroutine fn?  `coroutine_function(expr)`, `coroutine_method(call)` (asyncio_facts.py)
- Is it a thread pool?   `thread_pool_runner(call)` (asyncio_facts.py)
- How do I refer to it?  `module_reference("asyncio")` for fixes (fix_imports.py)

The engine drives it: it pushes ancestors and scopes while it walks, so the
answers are always about the node a rule is looking at.
"""
from __future__ import annotations

import builtins
import re
from typing import Dict, List, Optional, Tuple

import libcst as cst

from aiolint.semantics.asyncio_facts import AsyncioFacts, Runner  # noqa: F401 (Runner is re-exported)
from aiolint.semantics.fix_imports import FixImports
from aiolint.semantics.types import Type, TypeQuestions
from aiolint.semantics.scopes import (
    ASSIGN,
    CLASS,
    CLASSDEF,
    COMPREHENSION,
    DEF,
    FALLBACK,
    FUNCTION,
    IMPORT,
    MODULE,
    PARAM,
    WITH,
    Binding,
    Scope,
    dotted_name,
    scope_kind,
)

_BUILTINS = frozenset(dir(builtins))
_LIBRARY_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(asyncio|trio|anyio)\b", re.MULTILINE)


class SemanticModel(TypeQuestions, AsyncioFacts, FixImports):
    def __init__(self, module: cst.Module, source: str = "", project=None, module_name: str = ""):
        self.module = module
        self.source = source
        # The rest of the project (project.ProjectIndex) and this module's dotted name in it.
        self.project = project
        self.module_name = module_name
        self._type_cache: Dict[tuple, Optional[Type]] = {}
        self._attribute_cache: Dict[int, dict] = {}
        self._plain_cache: Dict[int, bool] = {}
        self._awaited_cache: Dict[int, frozenset] = {}
        self._imported_modules: Optional[frozenset] = None
        # Nodes from the module down to the parent of the node being visited.
        self.ancestors: List[cst.CSTNode] = []
        self.module_scope = Scope(MODULE, module, None)
        self.scopes: List[Scope] = [self.module_scope]
        self._context: Scope = self.module_scope  # innermost non-comprehension scope
        self._scope_cache: Dict[int, Scope] = {id(module): self.module_scope}
        self._async_fn_cache: Dict[int, bool] = {}
        self._library: Optional[str] = None
        self._runner_names: Optional[frozenset] = None

    # ----------------------------------------------------------------- driven by the engine
    def enter_scope(self, node: cst.CSTNode) -> None:
        scope = self._scope_cache.get(id(node))
        if scope is None:
            scope = Scope(scope_kind(node), node, self.scopes[-1])
            self._scope_cache[id(node)] = scope
        self.scopes.append(scope)
        if scope.kind != COMPREHENSION:
            self._context = scope

    def leave_scope(self, node: cst.CSTNode) -> None:
        self.scopes.pop()
        for scope in reversed(self.scopes):
            if scope.kind != COMPREHENSION:
                self._context = scope
                break

    # ----------------------------------------------------------------- where am I?
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    @property
    def in_async_context(self) -> bool:
        """True in the body of an `async def` (comprehensions included), not in nested def/lambda/class."""
        return self._context.is_async

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        """The `def`/`async def` whose body we are directly in (None in a lambda, class body or module)."""
        node = self._context.node
        return node if isinstance(node, cst.FunctionDef) else None

    @property
    def function_name(self) -> str:
        function = self.function
        return function.name.value if function is not None else "<module>"

    @property
    def at_module_level(self) -> bool:
        return self._context.kind == MODULE

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-1] if self.ancestors else None

    def statement(self) -> Optional[cst.CSTNode]:
        """The innermost statement (small or compound) around the current node."""
        for node in reversed(self.ancestors):
            if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return node
        return None

    def scope_of(self, node: cst.CSTNode, parent: Optional[Scope] = None) -> Scope:
        """The scope a def/class/lambda/comprehension opens (created on demand, for lookups inside it).

        `parent` is the scope it is in, when that is not the module (a method: its class's scope);
        the walk later enters the same scope object, so it must be right the first time.
        """
        scope = self._scope_cache.get(id(node))
        if scope is None:
            scope = Scope(scope_kind(node), node, parent or self.module_scope)
            self._scope_cache[id(node)] = scope
        return scope

    # ----------------------------------------------------------------- what does this name?
    def lookup(self, name: str, scope: Optional[Scope] = None) -> Optional[Tuple[Scope, List[Binding]]]:
        """The scope that binds `name` as seen from `scope`, with its bindings; None if unbound."""
        current = scope or self.scopes[-1]
        first = True
        while current is not None:
            if current.kind == CLASS and not first:
                # Class bodies are not visible from the functions nested in them.
                current = current.parent
                continue
            bindings = current.bindings
            if name in current.globals and current is not self.module_scope:
                current = self.module_scope
                first = False
                continue
            if name not in current.nonlocals:
                found = bindings.get(name)
                if found:
                    return current, found
            first = False
            current = current.parent
        return None

    def resolve(self, dotted: Optional[str], scope: Optional[Scope] = None) -> Optional[str]:
        """Qualified name of a dotted reference, or None if it is shadowed, ambiguous or unknown."""
        if not dotted:
            return None
        base, _, rest = dotted.partition(".")
        found = self.lookup(base, scope)
        if found is None:
            if base in _BUILTINS and not self.module_scope.has_star:
                return "builtins." + dotted
            return None
        _, bindings = found
        qualified = None
        for binding in bindings:
            if binding.kind == FALLBACK:
                continue
            if binding.kind != IMPORT or (qualified is not None and binding.qualified != qualified):
                return None
            qualified = binding.qualified
        if qualified is None:
            return None
        return qualified + "." + rest if rest else qualified

    def qualified_name(self, expr: cst.BaseExpression, scope: Optional[Scope] = None) -> Optional[str]:
        return self.resolve(dotted_name(expr), scope)

    # ----------------------------------------------------------------- what does it hold?
    def holds(self, name, scope: Optional[Scope] = None) -> Optional[cst.BaseExpression]:
        """The expression a name was bound to, when it is bound exactly once (`x = e` or `with e as x`)."""
        found = self._single_binding(name, scope)
        return found[1].value if found is not None else None

    def holds_call(
        self, name, scope: Optional[Scope] = None, *, through_await: bool = False
    ) -> Optional[Tuple[Optional[str], cst.Call]]:
        """(qualified name of the callee, call) when a name holds the result of a call."""
        found = self._single_binding(name, scope)
        if found is None:
            return None
        binding_scope, binding = found
        value = binding.value
        if through_await and isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return None
        return self.qualified_name(value.func, binding_scope), value

    def assigned(self, name, scope: Optional[Scope] = None) -> Optional[Tuple[cst.BaseExpression, Scope]]:
        """(value, the scope it is in) when a name is bound exactly once (`x = e` / `with e as x`):
        for following what a value was built from, name by name."""
        found = self._single_binding(name, scope)
        return (found[1].value, found[0]) if found is not None else None

    @property
    def in_top_level_function(self) -> bool:
        """Directly in the body of a module-level def or of a method (not a def nested in a function)."""
        for scope in reversed(self.scopes):
            if scope.kind != COMPREHENSION:
                return scope.node is not self.module and scope.parent is not None and scope.parent.kind in (
                    MODULE, CLASS)
        return False

    def _single_binding(self, name, scope: Optional[Scope]) -> Optional[Tuple[Scope, Binding]]:
        if isinstance(name, cst.Name):
            name = name.value
        elif not isinstance(name, str):
            return None
        found = self.lookup(name, scope)
        if found is None:
            return None
        binding_scope, bindings = found
        if len(bindings) != 1 or bindings[0].kind not in (ASSIGN, WITH):
            return None
        return binding_scope, bindings[0]

    # ----------------------------------------------------------------- module facts
    def module_definition(self, name: str) -> Optional[cst.CSTNode]:
        """The module-level def/class bound to `name`, when that is its only binding."""
        bindings = self.module_scope.bindings.get(name)
        if bindings and len(bindings) == 1 and bindings[0].kind in (DEF, CLASSDEF):
            return bindings[0].value
        return None

    def class_members(self, classdef: cst.ClassDef) -> Dict[str, List[Binding]]:
        return self.scope_of(classdef).bindings

    def find_method(self, classdef: cst.ClassDef, name: str, _seen=None) -> Optional[cst.FunctionDef]:
        """A method defined in `classdef` or, failing that, in a same-module base class."""
        seen = _seen or set()
        if id(classdef) in seen:
            return None
        seen.add(id(classdef))
        bindings = self.class_members(classdef).get(name)
        if bindings:
            if len(bindings) == 1 and bindings[0].kind == DEF:
                return bindings[0].value
            return None  # assigned, or defined several times: unknown
        for base in classdef.bases:
            if base.keyword is not None:
                continue
            base_name = dotted_name(base.value)
            base_def = self.module_definition(base_name) if base_name and "." not in base_name else None
            if isinstance(base_def, cst.ClassDef):
                method = self.find_method(base_def, name, seen)
                if method is not None:
                    return method
        return None

    def enclosing_method(self, receiver: str) -> Optional[Tuple[cst.ClassDef, cst.FunctionDef]]:
        """For `self.m`/`cls.m`: the class and method whose first parameter `receiver` is."""
        found = self.lookup(receiver)
        if found is None:
            return None
        scope, bindings = found
        if scope.kind != FUNCTION or len(bindings) != 1 or bindings[0].kind != PARAM:
            return None
        if scope.parent is None or scope.parent.kind != CLASS:
            return None
        method = scope.node
        params = method.params.posonly_params or method.params.params
        if not params or params[0].name.value != receiver:
            return None
        return scope.parent.node, method

    def class_defines(self, expr: cst.BaseExpression) -> bool:
        """For `self.m`/`cls.m`: whether the enclosing class, or a same-module base, binds `m` itself.

        Such an `m` is the class's own, not a library method matched by shape (a class's
        own `run_in_executor` need not be the event loop's).
        """
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return False
        owner = self.enclosing_method(expr.value.value)
        if owner is None:
            return False
        name = expr.attr.value
        pending, seen = [owner[0]], set()
        while pending:
            classdef = pending.pop()
            if id(classdef) in seen:
                continue
            seen.add(id(classdef))
            if name in self.class_members(classdef):
                return True
            for base in classdef.bases:
                base_name = dotted_name(base.value) if base.keyword is None else None
                base_def = self.module_definition(base_name) if base_name and "." not in base_name else None
                if isinstance(base_def, cst.ClassDef):
                    pending.append(base_def)
        return False

    @property
    def async_library(self) -> str:
        """'trio' or 'anyio' when the module imports that and not asyncio; else 'asyncio'."""
        if self._library is None:
            found = set(_LIBRARY_IMPORT.findall(self.source))
            self._library = next(
                (lib for lib in ("trio", "anyio") if lib in found and "asyncio" not in found), "asyncio"
            )
        return self._library
