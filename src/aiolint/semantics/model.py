"""The semantic model: what every rule asks instead of re-deriving it.

- Where am I?            `in_async_context`, `function`, `parent`, `ancestors`
- What does this name?   `qualified_name(expr)` through imports and aliases, shadowing respected
- What is it?            `type_of(expr)`, `definition(expr)`, `receiver_param()` (types.py): a path, a file,
                         a socket, a lock, a DB cursor, a project class ...
- What does it hold?     `holds(name)` / `holds_call(name)`
- How is it bound?       `assigned_here(name)`, `bound_to(name)`, `bound_in_module(name)`, `module_name_used(name, ...)`
- What is done with it?  `handed_to_loop(socket)`, `offloaded_here(receiver)` (values.py)
- Is it a coroutine fn?  `coroutine_function(expr)`, `coroutine_method(call)` (asyncio_facts.py)
- Is it a thread pool?   `thread_pool_runner(call)` (asyncio_facts.py)
- How do I refer to it?  `module_reference("asyncio")` for fixes (fix_imports.py)
- Does it suspend?       `awaits(node)`; what catches cancellation: `catches_cancellation(type)`
- Decorated? Cancelled?  `decorated_with(def, names)`, `cancelled_before(node)`
- Runs only if set?      `guarding_parameters()`, `guard_after_call(call, callee, guards)` (guards.py)

The engine drives it: it pushes ancestors and scopes while it walks, so the
answers are always about the node a rule is looking at.
"""
from __future__ import annotations

import builtins
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

import libcst as cst

from aiolint.semantics import flow, guards, known, primitives
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
    IMPORT,
    MODULE,
    OTHER,
    PARAM,
    WITH,
    Binding,
    Scope,
    dotted_name,
    scope_kind,
)
from aiolint.core.walk import iter_nodes, walk
from aiolint.semantics.values import ValueUses

_BUILTINS = frozenset(dir(builtins))
_NEUTRAL_LIBRARY = re.compile(r"\b(?:anyio|trio|sniffio)\b")
_LIBRARY_IMPORT = re.compile(r"^[ \t]*(?:import|from)[ \t]+(asyncio|trio|anyio)\b", re.MULTILINE)


class Assignment(NamedTuple):
    """A name's one plain assignment: `name = value` / `name: T = value`."""

    statement: cst.CSTNode  # the Assign or AnnAssign
    value: cst.BaseExpression


class Bound(NamedTuple):
    """How one binding gives a name its value (`SemanticModel.bound_to`)."""

    parameter: bool  # a parameter of the function
    value: Optional[cst.BaseExpression]  # `name = value`, `with value as name`; None for any other binding


class SemanticModel(TypeQuestions, AsyncioFacts, FixImports):
    def __init__(
        self, module: cst.Module, source: str = "", project=None, module_name: str = "", top_level_async: bool = False
    ):
        self.module = module
        self.source = source
        # The rest of the project (project.ProjectIndex) and this module's dotted name in it.
        self.project = project
        self.module_name = module_name
        self._type_cache: Dict[tuple, Optional[Type]] = {}
        self._assumed: Dict[tuple, Optional[Type]] = {}  # names being typed: what their bindings gave so far
        self._positional = False  # the type_of being answered read where the walk is
        self._away = 0  # > 0 while type_of follows a binding away from the use being visited
        self._assignment_cache: Dict[int, dict] = {}
        self._plain_cache: Dict[int, bool] = {}
        self._awaited_cache: Dict[int, frozenset] = {}
        self._imported_modules: Optional[frozenset] = None
        # Nodes from the module down to the parent of the node being visited.
        self.ancestors: List[cst.CSTNode] = []
        self.module_scope = Scope(MODULE, module, None)
        # A notebook cell runs its top level as a coroutine (IPython's autoawait).
        self.module_scope.is_async = top_level_async
        self.scopes: List[Scope] = [self.module_scope]
        self._context: Scope = self.module_scope  # innermost non-comprehension scope
        self._scope_cache: Dict[int, Scope] = {id(module): self.module_scope}
        self._async_fn_cache: Dict[int, bool] = {}
        self._library: Optional[str] = None
        self._runner_names: Optional[frozenset] = None
        self._values: Optional[ValueUses] = None
        self._loops: Optional[frozenset] = None
        self._awaits_cache: Dict[Tuple[int, bool], bool] = {}
        self._attribute_cache: Dict[int, Dict[str, Optional[List[Tuple[Scope, cst.BaseExpression]]]]] = {}
        self._remembered: Dict[tuple, object] = {}

    def remembered(self, key: tuple, compute):
        """`compute()`, once per module for `key`: a table a semantics module derives from a
        subtree (a class's attribute assignments), asked again for every receiver it answers."""
        try:
            return self._remembered[key]
        except KeyError:
            value = self._remembered[key] = compute()
            return value

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
        if function is not None:
            return function.name.value
        return "<cell>" if self._context is self.module_scope and self.module_scope.is_async else "<module>"

    @property
    def at_module_level(self) -> bool:
        return self._context.kind == MODULE

    @property
    def in_comprehension(self) -> bool:
        """Directly in a comprehension or generator expression (its own scope)?"""
        return self.scope.kind == COMPREHENSION

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

    def assigned_here(self, name: str) -> Optional[Assignment]:
        """The `name = value` statement (or `name: T = value`), when that is the only binding of
        `name` and it is in the current def/class/module's own scope: nothing can rebind it here."""
        found = self.lookup(name)
        if found is None:
            return None
        scope, bindings = found
        if scope.node is not self._context.node or len(bindings) != 1 or bindings[0].kind != ASSIGN:
            return None
        return Assignment(bindings[0].node, bindings[0].value)

    def bound_to(self, name: str, scope: Optional[Scope] = None) -> Optional[List[Bound]]:
        """How each binding of `name` (as seen from `scope`) gives it its value: as a parameter, as
        the expression of a plain assignment or `with ... as name`, or otherwise (def, class, import,
        loop variable, unpacking, ...: neither). None when the name is unbound."""
        found = self.lookup(name, scope)
        if found is None:
            return None
        return [
            Bound(binding.kind == PARAM, binding.value if binding.kind in (ASSIGN, WITH) else None)
            for binding in found[1]
        ]

    def guarding_parameters(self) -> guards.Guards:
        """The parameters of the current function that the `if`s around the node being visited test
        (`if host and port:`), each bound only as the parameter: the node runs only when they are set."""
        tested = guards.tested_names(self.ancestors)
        return frozenset(g for g in tested if self._only_parameter(g.parameter, self._context)) if tested else tested

    def guard_after_call(
        self,
        call: cst.Call,
        callee: cst.FunctionDef,
        guarded: guards.Guards,
        caller: Optional[cst.FunctionDef] = None,
    ) -> Optional[guards.Guards]:
        """`callee` blocks only when its parameters `guarded` are set. None when `call` leaves one of
        them unset (passes `None`/`False`/... or leaves such a default); otherwise the parameters of
        `caller` it passes on unchanged for them (`self.inner.get_node(host, port)` in `def
        get_node(self, host=None, port=None)`), which then guard `caller` in turn."""
        bound = guards.is_bound_call(call, callee)
        scope = self.scope_of(caller) if caller is not None else None
        carried = set()
        for guard in guarded:
            value = guards.parameter_value(call, callee, guard.parameter, bound=bound)
            if guards.skipped_at(guard, value):
                return None
            if scope is not None and isinstance(value, cst.Name) and self._only_parameter(value.value, scope):
                carried.add(guards.Guard(value.value, guard.truthy))
        return frozenset(carried)

    def _only_parameter(self, name: str, scope: Scope) -> bool:
        found = self.lookup(name, scope)
        return found is not None and found[0] is scope and len(found[1]) == 1 and found[1][0].kind == PARAM

    def bound_in_module(self, name: str) -> bool:
        """Does the module bind `name` at its top level at all (assignment, def, import, ...)?"""
        return name in self.module_scope.bindings

    def bound_once_in_module(self, name: str) -> bool:
        """Is `name` bound exactly once at module level (one assignment, def, import, ...)?"""
        return len(self.module_scope.bindings.get(name, ())) == 1

    def module_name_used(self, name: str, ignoring: set) -> bool:
        """Is the module-level `name` referred to anywhere but at the Name nodes whose ids are in
        `ignoring`? Functions and lambdas that bind their own `name` do not count, nor do attribute
        names, keywords, parameter names and the names of defs and classes."""
        parents: List[cst.CSTNode] = []
        shadowed: List[bool] = []
        used = False

        def enter(node: cst.CSTNode) -> None:
            nonlocal used
            if isinstance(node, cst.Name) and node.value == name and id(node) not in ignoring and not any(shadowed):
                parent = parents[-1] if parents else None
                if not (
                    (isinstance(parent, cst.Attribute) and parent.attr is node)
                    or (isinstance(parent, cst.Arg) and parent.keyword is node)
                    or (isinstance(parent, cst.Param) and parent.name is node)
                    or (isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node)
                ):
                    used = True
            parents.append(node)

        def leave(node: cst.CSTNode) -> None:
            parents.pop()

        def body(node: cst.CSTNode) -> None:
            local = False
            if isinstance(node, (cst.FunctionDef, cst.Lambda)):
                scope = self.scope_of(node)
                local = name in scope.bindings and name not in scope.globals
            # A class body's names are not visible in its methods: never treat them as shadowing.
            shadowed.append(local)

        def end_body(node: cst.CSTNode) -> None:
            shadowed.pop()

        walk(self.module, enter, leave, body, end_body)
        return used

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

    # ----------------------------------------------------------------- what is done with it? (values.py)
    def handed_to_loop(self, expr: cst.BaseExpression) -> bool:
        """Is this socket made non-blocking or handed to the event loop wherever it is visible?"""
        return self._value_types.handed_to_loop(expr)

    def offloaded_here(self, receiver: cst.BaseExpression) -> bool:
        """Does the current function hand a method of `receiver` to a thread-pool runner elsewhere?"""
        return self._value_types.offloaded_here(receiver)

    @property
    def _value_types(self) -> ValueUses:
        if self._values is None:
            self._values = ValueUses(self)
        return self._values

    # ----------------------------------------------------------------- module facts
    def module_definition(self, name: str) -> Optional[cst.CSTNode]:
        """The module-level def/class bound to `name`, when that is its only binding."""
        bindings = self.module_scope.bindings.get(name)
        if bindings and len(bindings) == 1 and bindings[0].kind in (DEF, CLASSDEF):
            return bindings[0].value
        return None

    def class_members(self, classdef: cst.ClassDef) -> Dict[str, List[Binding]]:
        return self.scope_of(classdef).bindings

    def find_method(
        self, classdef: cst.ClassDef, name: str, _seen=None, *, inherited: bool = True
    ) -> Optional[cst.FunctionDef]:
        """A method defined in `classdef` or, failing that (and `inherited`), in a same-module base class."""
        seen = _seen or set()
        if id(classdef) in seen:
            return None
        seen.add(id(classdef))
        bindings = self.class_members(classdef).get(name)
        if bindings:
            if len(bindings) == 1 and bindings[0].kind == DEF:
                return bindings[0].value
            return None  # assigned, or defined several times: unknown
        if not inherited:
            return None
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
        return self._method_of(receiver, None)

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
    def mentions_neutral_library(self) -> bool:
        """Does the module name anyio, trio or sniffio anywhere (backend-neutral code)?"""
        return bool(_NEUTRAL_LIBRARY.search(self.source))

    @property
    def async_library(self) -> str:
        """'trio' or 'anyio' when the module imports that and not asyncio; else 'asyncio'."""
        if self._library is None:
            found = set(_LIBRARY_IMPORT.findall(self.source))
            self._library = next(
                (lib for lib in ("trio", "anyio") if lib in found and "asyncio" not in found), "asyncio"
            )
        return self._library

    # ----------------------------------------------------------------- suspension and cancellation
    def awaits(self, node: cst.CSTNode, *, yields: bool = False) -> bool:
        """Can running `node` suspend: an await, `async for`, `async with` in it (or a `yield`, if asked)?

        Nested def/lambda/class bodies do not count; comprehensions do.
        """
        key = (id(node), yields)
        found = self._awaits_cache.get(key)
        if found is None:
            found = self._awaits_cache[key] = flow.suspends(node, yields=yields)
        return found

    def catches_cancellation(self, handler_type: Optional[cst.BaseExpression]) -> Optional[str]:
        """For the type of an `except` clause (None: a bare `except:`): what in it catches the
        cancellation exception, as written (`asyncio.CancelledError`, `BaseException`, `except:`), or None.

        Cancellation is `asyncio.CancelledError`, `trio.Cancelled`, `anyio.get_cancelled_exc_class()`,
        and `BaseException` above them all.
        """
        found = self._cancellation(handler_type)
        return found[0] if found is not None else None

    def cancellation_loops(self, handler_type: Optional[cst.BaseExpression]) -> frozenset:
        """The event loops ("asyncio", "trio") this module may run on whose cancellation an
        `except` clause catches."""
        found = self._cancellation(handler_type)
        return found[1] & self.event_loops if found is not None else frozenset()

    @property
    def event_loops(self) -> frozenset:
        """The event loops the module may run on: "asyncio" and/or "trio", by its imports of
        asyncio, trio and anyio (which runs on either); "asyncio" when it imports none."""
        if self._loops is None:
            found = set(_LIBRARY_IMPORT.findall(self.source))
            loops = set()
            if found & {"asyncio", "anyio"}:
                loops.add("asyncio")
            if found & {"trio", "anyio"}:
                loops.add("trio")
            self._loops = frozenset(loops or {"asyncio"})
        return self._loops

    def _cancellation(self, handler_type: Optional[cst.BaseExpression]) -> Optional[Tuple[str, frozenset]]:
        if handler_type is None:
            return "except:", frozenset({"asyncio", "trio"})
        elements = (
            [e.value for e in handler_type.elements] if isinstance(handler_type, cst.Tuple) else [handler_type]
        )
        shown, loops = None, frozenset()
        for element in elements:
            if isinstance(element, cst.Call):
                found = primitives.CANCELLATION_ERROR_FACTORIES.get(self.qualified_name(element.func) or "")
                text = self.module.code_for_node(element)
            else:
                found = primitives.CANCELLATION_ERRORS.get(self.qualified_name(element) or "")
                text = dotted_name(element)
            if found:
                shown = shown or text
                loops |= found
        return (shown, loops) if shown is not None else None

    def cancelled_before(self, node: cst.CSTNode) -> frozenset:
        """What the current function cancels (`x.cancel()`, `app[key].cancel()`) before `node` ends,
        as `flow.reference_text` spells it.

        Includes `tasks` for `for t in tasks: t.cancel()` (every element cancelled).
        """
        function = self.function
        if function is None:
            return frozenset()
        inside = {id(n) for n in iter_nodes(node, into_scopes=False)}
        found = set()
        loops: Dict[str, str] = {}  # loop target -> the iterable's dotted name
        last = None
        for child in iter_nodes(function.body, into_scopes=False):
            if last is not None and id(child) not in inside:
                break  # past the end of `node`
            if id(child) in inside:
                last = child
            if isinstance(child, cst.For) and isinstance(child.target, cst.Name):
                iterable = flow.reference_text(child.iter)
                if iterable:
                    loops[child.target.value] = iterable
            elif (
                isinstance(child, cst.Call)
                and isinstance(child.func, cst.Attribute)
                and child.func.attr.value == "cancel"
            ):
                receiver = flow.reference_text(child.func.value)
                if receiver:
                    found.add(receiver)
                    if receiver in loops:
                        found.add(loops[receiver])
        return frozenset(found)

    # ----------------------------------------------------------------- locks and decorators
    def attribute_values(
        self, classdef: cst.ClassDef, attr: str
    ) -> Optional[List[Tuple[Scope, cst.BaseExpression]]]:
        """What a class (or a same-module base) binds `attr` to: `attr = v` in its body and
        `self.attr = v` in its methods, each with the scope `v` is evaluated in. None when some
        binding is not a plain assignment (unpacking, ...), or there is none. Augmented assignments
        (`self.a += x`) are not bindings here: they update the value the attribute already holds."""
        found: List[Tuple[Scope, cst.BaseExpression]] = []
        pending, seen = [classdef], set()
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            table = self._attribute_cache.get(id(current))
            if table is None:
                table = self._attribute_cache[id(current)] = self._collect_attributes(current)
            if attr in table:
                values = table[attr]
                if values is None:
                    return None
                found.extend(values)
            for base in current.bases:
                base_name = dotted_name(base.value) if base.keyword is None else None
                base_def = self.module_definition(base_name) if base_name and "." not in base_name else None
                if isinstance(base_def, cst.ClassDef):
                    pending.append(base_def)
        return found or None

    def _collect_attributes(self, classdef: cst.ClassDef):
        class_scope = self.scope_of(classdef)
        table: Dict[str, Optional[List[Tuple[Scope, cst.BaseExpression]]]] = {}
        for name, bindings in class_scope.bindings.items():
            if all(b.kind == ASSIGN for b in bindings):
                table[name] = [(class_scope, b.value) for b in bindings]
            elif any(b.kind in (ASSIGN, OTHER) for b in bindings):
                table[name] = None
        for stmt in classdef.body.body:
            if not isinstance(stmt, cst.FunctionDef):
                continue
            params = stmt.params.posonly_params or stmt.params.params
            if not params:
                continue
            receiver = params[0].name.value
            # Evaluated in the method; resolved from around the class (a method rarely shadows
            # `threading`, and its own scope may not have been entered yet).
            scope = class_scope.parent or self.module_scope
            for node in iter_nodes(stmt.body, into_scopes=False):
                if isinstance(node, cst.Assign):
                    targets = [t.target for t in node.targets]
                    value = node.value
                elif isinstance(node, cst.AnnAssign):
                    targets = [node.target]
                    value = node.value
                elif isinstance(node, cst.AugAssign):
                    continue  # `self.a += x` updates what `a` holds; it does not bind it to something new
                else:
                    continue
                for target in targets:
                    for attribute, exact in _self_attributes(target, receiver):
                        if exact and value is not None and len(targets) == 1:
                            entry = table.setdefault(attribute, [])
                            if entry is not None:
                                entry.append((scope, value))
                        else:
                            table[attribute] = None
        return table

    def decorated_with(self, function: cst.FunctionDef, names: frozenset) -> bool:
        """Does a decorator of `function` (called or not: `@f`, `@f(...)`) name one of `names`?"""
        for decorator in function.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if self.qualified_name(expr, self.scope_of(function).parent) in names:
                return True
        return False

    # ----------------------------------------------------------------- task groups
    def task_group(self, expr: cst.BaseExpression) -> bool:
        """Is `expr` an `asyncio.TaskGroup()` (the call, or a name bound once to one)?"""
        if isinstance(expr, cst.Name):
            held = self.holds_call(expr)
            return held is not None and held[0] in known.TASK_GROUP_CLASSES
        return isinstance(expr, cst.Call) and self.qualified_name(expr.func) in known.TASK_GROUP_CLASSES

    def enclosing_task_group(self) -> Optional[str]:
        """The name of the TaskGroup whose `async with` body holds the current node, in this function.

        `async with asyncio.TaskGroup() as tg:` gives "tg"; so does `async with tg:` when `tg` holds
        a `TaskGroup()`. The innermost such block counts; a nested def/lambda/class ends the search
        (its body runs whenever it is called, not inside the block).
        """
        ancestors = self.ancestors
        for index in range(len(ancestors) - 1, -1, -1):
            node = ancestors[index]
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if not (isinstance(node, cst.With) and node.asynchronous is not None):
                continue
            if index + 1 >= len(ancestors) or ancestors[index + 1] is not node.body:
                continue  # in the items, not the body
            for item in reversed(node.items):
                value = item.item
                if isinstance(value, cst.Call) and self.task_group(value):
                    asname = item.asname.name if item.asname is not None else None
                    if isinstance(asname, cst.Name):
                        return asname.value
                elif isinstance(value, cst.Name) and self.task_group(value):
                    return value.value
        return None

    # ----------------------------------------------------------------- shared state
    def shared_state(self, target: cst.BaseExpression) -> bool:
        """Can another task see (and write) what `target` names, or is it private to this call?

        Shared: names declared `global`/`nonlocal` here, and attributes and subscripts
        (`self.n`, `d[k]`, `obj.a.b`) of a parameter, a global or a closure variable, or of a
        local that aliases one (`stats = self.stats`). Private: every other name (a local of this
        function), and attributes/subscripts of a local bound here to anything else (`row` of
        `for row in rows`, `counts = {}`, `summary = await collect()`): an object this call made
        or fetched, which other tasks are not known to hold.
        """
        if isinstance(target, cst.Name):
            scope = self._context
            if scope.kind == MODULE:
                return False
            scope.bindings  # collects the global/nonlocal declarations
            return target.value in scope.globals or target.value in scope.nonlocals
        if not isinstance(target, (cst.Attribute, cst.Subscript)):
            return False
        return not self._private_root(target, set())

    def _private_root(self, expr: cst.BaseExpression, seen: set) -> bool:
        root = expr
        while isinstance(root, (cst.Attribute, cst.Subscript)):
            root = root.value
        if not isinstance(root, cst.Name) or root.value in seen:
            return False
        seen.add(root.value)
        context = self._context
        if context.kind == MODULE:
            return False
        context.bindings
        if root.value in context.globals or root.value in context.nonlocals:
            return False
        found = self.lookup(root.value)
        if found is None or found[0] is not context:
            return False  # a global, a builtin, a closure variable
        for binding in found[1]:
            if binding.kind == PARAM:
                return False
            if binding.kind == ASSIGN and isinstance(binding.value, (cst.Name, cst.Attribute, cst.Subscript)):
                if not self._private_root(binding.value, seen):
                    return False  # an alias of shared state: `stats = self.stats`
        return True

    def holds_mutable_container(self, expr: cst.BaseExpression) -> bool:
        """Does `expr` hold a list/set/dict/... (so `expr += x` updates that object in place)?

        Known for a name bound only to a container made here (`seen = set()`), and for `self.a`
        when everything the class binds it to (`attribute_values`) is one.
        """
        if isinstance(expr, cst.Name):
            found = self.lookup(expr.value)
            if found is None:
                return False
            bindings = found[1]
            return bool(bindings) and all(b.kind == ASSIGN and _fresh_container(b.value, self) for b in bindings)
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
            return False
        owner = self.enclosing_method(expr.value.value)
        if owner is None:
            return False
        values = self.attribute_values(owner[0], expr.attr.value)
        return bool(values) and all(_fresh_container(value, self, scope) for scope, value in values)

    def fresh_name(self, base: str) -> str:
        """`base`, or `base_1`, `base_2`, ...: the first that no enclosing scope binds, no builtin
        is called, and the current function does not mention (so binding it here changes nothing)."""
        function = self._context.node
        mentioned = {n.value for n in iter_nodes(function) if isinstance(n, cst.Name)}
        candidate, counter = base, 0
        while candidate in mentioned or candidate in _BUILTINS or self.lookup(candidate) is not None:
            counter += 1
            candidate = f"{base}_{counter}"
        return candidate


_FRESH_DISPLAYS = (cst.Dict, cst.List, cst.Set, cst.Tuple, cst.ListComp, cst.SetComp, cst.DictComp)


def _fresh_container(
    value: Optional[cst.CSTNode], model: "SemanticModel", scope: Optional[Scope] = None
) -> bool:
    """A display, a comprehension, or a call of a container constructor (`dict()`, `defaultdict(int)`)."""
    if isinstance(value, _FRESH_DISPLAYS):
        return True
    return isinstance(value, cst.Call) and model.qualified_name(value.func, scope) in known.FRESH_CONTAINER_FACTORIES


def _self_attributes(target: cst.BaseExpression, receiver: str):
    """(attribute, assigned whole) for each `receiver.attr` in an assignment target."""
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == receiver:
        yield target.attr.value, True
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            for attribute, _ in _self_attributes(element.value, receiver):
                yield attribute, False
    elif isinstance(target, cst.StarredElement):
        for attribute, _ in _self_attributes(target.value, receiver):
            yield attribute, False
