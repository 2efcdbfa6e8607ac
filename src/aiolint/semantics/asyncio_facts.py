"""Asyncio facts the model answers: known coroutine functions, event loops, tasks, thread-pool runners.

Mixed into `SemanticModel` (it relies on `lookup`, `qualified_name`, `holds_call` and `type_of`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import libcst as cst

from aiolint.semantics import known, library
from aiolint.semantics.known import RunnerResult
from aiolint.semantics.scopes import DEF, dotted_name
from aiolint.core.walk import iter_nodes

# For `maybe_thread_pool_runner`: the last names of runners, and `<runner name> as <alias>` in imports.
_RUNNER_FUNCTION_NAMES = frozenset({q.rsplit(".", 1)[-1] for q in known.THREAD_POOL_FUNCTIONS} | {"Thread"})
_RUNNER_ATTRIBUTES = _RUNNER_FUNCTION_NAMES | {"run_in_executor", "submit"}
_RUNNER_ALIAS = re.compile(
    r"\b(?:%s)(?:[ \t]|\\\r?\n)+as(?:[ \t]|\\\r?\n)+(\w+)" % "|".join(sorted(_RUNNER_FUNCTION_NAMES))
)


@dataclass(frozen=True)
class Runner:
    """A call that runs a sync callable in a worker thread (or process)."""

    name: str  # as the user wrote it, for messages: "loop.run_in_executor", "asyncio.to_thread"
    callable: Optional[cst.Arg]  # the argument that holds the callable, if passed
    args: Tuple[cst.Arg, ...]  # the arguments forwarded to the callable
    returns: RunnerResult  # a coroutine, an asyncio future, a concurrent future, or a thread


class AsyncioFacts:
    """Mixed into SemanticModel."""

    _async_fn_cache: Dict[int, bool]
    _runner_names: Optional[frozenset]

    # ----------------------------------------------------------------- coroutine functions
    def is_coroutine_def(self, node: cst.CSTNode) -> bool:
        """An `async def` that returns a coroutine: no `yield`, only decorators that keep it one."""
        if not isinstance(node, cst.FunctionDef) or node.asynchronous is None:
            return False
        cached = self._async_fn_cache.get(id(node))
        if cached is None:
            cached = all(
                dotted_name(d.decorator) in known.TRANSPARENT_DECORATORS for d in node.decorators
            ) and not any(isinstance(n, cst.Yield) for n in iter_nodes(node.body, into_scopes=False))
            self._async_fn_cache[id(node)] = cached
        return cached

    def coroutine_function(self, expr: cst.BaseExpression) -> Optional[str]:
        """The name of a known coroutine function `expr` refers to, or None.

        Known: an `async def` of this module or of an enclosing function, `self.m`/`cls.m`
        of the enclosing class (or a same-module base), `functools.partial(<known>, ...)`,
        and the library functions in `known.COROUTINE_FUNCTIONS`.
        """
        if isinstance(expr, cst.Call):
            if self.qualified_name(expr.func) == "functools.partial" and expr.args:
                first = expr.args[0]
                if first.keyword is None and not first.star:
                    return self.coroutine_function(first.value)
            return None
        if isinstance(expr, cst.Name):
            found = self.lookup(expr.value)
            if found is None:
                return None
            _, bindings = found
            if len(bindings) == 1 and bindings[0].kind == DEF:
                return expr.value if self.is_coroutine_def(bindings[0].value) else None
        qualified = self.qualified_name(expr)
        if qualified in known.COROUTINE_FUNCTIONS:
            return dotted_name(expr)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            owner = self.enclosing_method(expr.value.value)
            if owner is not None:
                method = self.find_method(owner[0], expr.attr.value)
                if method is not None and self.is_coroutine_def(method):
                    return dotted_name(expr)
                return None
        if self.project is not None and isinstance(expr, (cst.Name, cst.Attribute)):
            definition = self.definition(expr)  # an `async def` of another project module
            summary = definition.summary if definition is not None and definition.node is None else None
            if getattr(summary, "is_coroutine", False):
                return dotted_name(expr) or definition.name
        return self.coroutine_method(expr)

    def coroutine_method(self, func: cst.BaseExpression) -> Optional[str]:
        """For `x.m` where `x` is a known object whose `m` is a coroutine method: "x.m".

        Library objects by the table (`writer.drain`, `lock.acquire`, `ctx.send` on an annotated
        discord.py context), project objects by their class's `async def` methods, here or in
        another module of the project.
        """
        if not isinstance(func, cst.Attribute):
            return None
        receiver = self.type_of(func.value)
        if receiver is None:
            return None
        method = func.attr.value
        shown = dotted_name(func) or method
        if not receiver.is_project:
            return shown if method in library.COROUTINE_METHODS.get(receiver.name, ()) else None
        definition = self.definition(func)
        if definition is None:
            return None
        if definition.node is not None:
            return shown if self.is_coroutine_def(definition.node) else None
        return shown if getattr(definition.summary, "is_coroutine", False) else None

    def coroutine_call(self, node: cst.CSTNode) -> Optional[str]:
        """For a call of a known coroutine function: that function's name."""
        if isinstance(node, cst.Call):
            return self.coroutine_function(node.func)
        return None

    # ----------------------------------------------------------------- event loops and tasks
    def event_loop(self, expr: cst.BaseExpression) -> bool:
        """Is `expr` an event loop: a call of `asyncio.get_event_loop()` & co, a name holding one,
        or a name/attribute called `loop`, `_loop`, `event_loop`, ... (the universal convention)?"""
        if isinstance(expr, cst.Call):
            return self.qualified_name(expr.func) in known.EVENT_LOOP_FUNCTIONS
        if isinstance(expr, cst.Name):
            held = self.holds_call(expr)
            if held is not None:
                return held[0] in known.EVENT_LOOP_FUNCTIONS
            if self.resolve(expr.value) is not None:
                return False  # an import or builtin, not a loop object
            return expr.value.lstrip("_").endswith("loop")
        if isinstance(expr, cst.Attribute):
            return expr.attr.value.lstrip("_").endswith("loop")
        return False

    def task_creation(self, call: cst.Call) -> Optional[str]:
        """For `asyncio.create_task/ensure_future(...)` or `<loop>.create_task(...)`: the callee as
        written. None for anything else, `TaskGroup.create_task` included (the group keeps the task)."""
        func = call.func
        if self.qualified_name(func) in known.TASK_FUNCTIONS:
            return dotted_name(func) or "create_task"
        if isinstance(func, cst.Attribute) and func.attr.value == "create_task" and self.event_loop(func.value):
            return dotted_name(func) or "loop.create_task"
        return None

    # ----------------------------------------------------------------- thread pools
    def thread_pool_runner(self, call: cst.Call) -> Optional[Runner]:
        func = call.func
        args = call.args
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr == "run_in_executor":
                # The method name is distinctive enough to match on any receiver.
                if len(args) >= 2 and _positional(args[0]) and _positional(args[1]):
                    return Runner(dotted_name(func) or "run_in_executor", args[1], tuple(args[2:]), RunnerResult.FUTURE)
                return Runner(dotted_name(func) or "run_in_executor", None, tuple(args[2:]), RunnerResult.FUTURE)
            if attr == "submit":
                executor = self.type_of(func.value)  # a local, `self.pool`, a module-level pool, ...
                if executor is not None and executor.name == "concurrent.futures.Executor":
                    first = args[0] if args and _positional(args[0]) else None
                    return Runner(dotted_name(func) or "submit", first, tuple(args[1:]), RunnerResult.CONCURRENT_FUTURE)
        qualified = self.qualified_name(func)
        if qualified is None:
            return None
        returns = known.THREAD_POOL_FUNCTIONS.get(qualified)
        if returns is not None:
            first = args[0] if args and _positional(args[0]) else None
            return Runner(dotted_name(func) or qualified, first, tuple(args[1:]), returns)
        if qualified == "threading.Thread":
            target = next((a for a in args if a.keyword is not None and a.keyword.value == "target"), None)
            return Runner(dotted_name(func) or qualified, target, (), RunnerResult.THREAD)
        return None

    # ----------------------------------------------------------------- thread pools: a cheap pre-check
    def maybe_thread_pool_runner(self, call: cst.Call) -> bool:
        """False when `thread_pool_runner(call)` is certainly None, judged from the callee's spelling.

        Resolving a callee collects the bindings of the function it is in, the main cost for a
        rule that asks about every call. Runners are attributes with a runner's name
        (`loop.run_in_executor`, `asyncio.to_thread`, `pool.submit`) or names imported as one,
        possibly under an alias (`from asyncio import to_thread as tt`), which the source shows.
        """
        func = call.func
        if isinstance(func, cst.Attribute):
            return func.attr.value in _RUNNER_ATTRIBUTES
        if isinstance(func, cst.Name):
            if self._runner_names is None:
                aliases = _RUNNER_ALIAS.findall(self.source)
                self._runner_names = _RUNNER_FUNCTION_NAMES | frozenset(aliases)
            return func.value in self._runner_names
        return False


def _positional(arg: cst.Arg) -> bool:
    return arg.keyword is None and not arg.star
