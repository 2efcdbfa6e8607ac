from __future__ import annotations

import re
from enum import Enum
from typing import Optional, Tuple

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import Bound, Runner, RunnerResult, dotted_name, known
from aiolint.semantics.syntax import contains_any, returned_values


class Verdict(Enum):
    """What `f(x)` returns, as far as this rule can tell."""

    CALLABLE = "callable"
    NOT_CALLABLE = "not callable"
    # A library function or method whose name does not say it builds a callable
    # (`requests.get(url)`, `obj.compute(x)`), as opposed to definitions we can read.
    LIKELY_DATA = "likely data"
    COROUTINE = "coroutine"
    UNKNOWN = "?"


CALLABLE, NOT_CALLABLE, LIKELY_DATA, COROUTINE, UNKNOWN = Verdict

# Builtins whose result is never callable (`getattr`, `type`, `next`, `max`, ... may well return one).
_DATA_BUILTINS = frozenset(
    "abs all any ascii bin bool bytearray bytes chr compile dict divmod enumerate filter float format "
    "frozenset hasattr hash hex id input int isinstance issubclass iter len list map oct open ord pow print "
    "range repr reversed round set sorted str sum tuple zip".split()
)

# Names that say "I build a callable": `make_handler(cfg)`, `self._wrap(fn)`, `get_reader_func(kind)`.
_FACTORY_NAME = re.compile(
    r"factory|make|wrap|partial|callback|handler|hook|decorat|func|fn$|callable|getter|caller|worker|job|target|"
    r"action|runner|command",
    re.I,
)

# Runners other than `….run_in_executor` are recognised through an import of their module.
_RUNNER_MODULES = sorted(
    {name.split(".")[0] for name in (*known.THREAD_POOL_FUNCTIONS, *known.EXECUTOR_CLASSES)} | {"threading"}
)

# Runners that pass keyword arguments on to the callable.
_FORWARDS_KEYWORDS = frozenset(
    {"asyncio.to_thread", "starlette.concurrency.run_in_threadpool", "fastapi.concurrency.run_in_threadpool"}
)


class ThreadPoolCallNotCallable(Rule):
    code = "AIO203"
    name = "thread-pool-call-not-callable"
    message = "{call} {what}, and {runner}() gets {result} as the callable; use {replacement}"
    fix_availability = "safe"
    needs = (Needs(Where.ANY, calls=known.THREAD_POOL_CALL_NAMES, argument_call=True),)
    docs = RuleDocs(
        what=(
            "Checks for a call passed as the callable of a thread-pool runner, as in "
            "`loop.run_in_executor(None, do_sync(3))` or `asyncio.to_thread(f(x))`. Calls that return a "
            "callable are fine and stay silent: `functools.partial` and the other factories in the known "
            "table, functions of the module that return a lambda, an inner function or a function they were "
            "given, classes with `__call__`, and, when aiolint cannot read them, classes of other modules and "
            "functions whose name says they build one (`make_handler(...)`, `get_callback(...)`). When the "
            "runner also passes arguments to the result (`to_thread(f(x), y)`), only calls of functions the "
            "module defines are reported."
        ),
        why=(
            "`do_sync(3)` runs right there, on the event loop, blocking it for as long as it takes; only its "
            "result is handed to the worker thread, which then fails trying to call it (`TypeError: 'int' "
            "object is not callable`), often unnoticed in a future nobody awaits."
        ),
        example=(
            "import asyncio\n"
            "import time\n\n"
            "def do_sync(delay):\n"
            "    time.sleep(delay)\n"
            "    return 'done'\n\n"
            "async def main():\n"
            "    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, do_sync(3))\n"
        ),
        use_instead=(
            "import asyncio\n"
            "import time\n\n"
            "def do_sync(delay):\n"
            "    time.sleep(delay)\n"
            "    return 'done'\n\n"
            "async def main():\n"
            "    loop = asyncio.get_running_loop()\n"
            "    await loop.run_in_executor(None, do_sync, 3)\n"
        ),
        fix_safety=(
            "Safe: the fix passes the function and its arguments instead of calling it: "
            "`to_thread(f(x, y=1))` becomes `to_thread(f, x, y=1)`; for runners that forward only "
            "positional arguments (`run_in_executor`, `anyio.to_thread.run_sync`) and `threading.Thread`, "
            "keywords are bound with `functools.partial(f, x, y=1)`. There is no fix when the runner also "
            "forwards arguments of its own to the result, or when `f` is a coroutine function."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.maybe_thread_pool_runner(node):
            return
        runner = self.model.thread_pool_runner(node)
        if runner is None or runner.callable is None or not isinstance(runner.callable.value, cst.Call):
            return
        if self.model.class_defines(node.func):  # a class's own run_in_executor: unknown signature
            return
        inner = runner.callable.value
        verdict = self._verdict(inner)
        if verdict in (CALLABLE, UNKNOWN):
            return
        # Arguments for the result (`to_thread(f(x), y)`) say it is meant to be called: believe
        # that unless we can read `f`.
        forwarded = self._forwards_arguments(node, runner)
        if forwarded and verdict is LIKELY_DATA:
            return
        call = edits.snippet(inner)
        if verdict is COROUTINE:
            what, result, replacement = "creates a coroutine object here", "it", f"'await {call}'"
            self.report(node, call=call, what=what, runner=runner.name, result=result, replacement=replacement)
            return
        what = "runs here, on the event loop" if self.model.in_async_context else "runs here, not in the worker"
        fixed = None if forwarded else self._fixed(node, runner, inner)
        self.report(
            node,
            fix=fixed[1] if fixed else None,
            call=call,
            what=what,
            runner=runner.name,
            result="its result",
            replacement=(
                f"'{edits.snippet(fixed[0])}'" if fixed else f"'{edits.snippet(inner.func)}' and its arguments"
            ),
        )

    def _forwards_keywords(self, node: cst.Call, runner: Runner) -> bool:
        if runner.returns is RunnerResult.CONCURRENT_FUTURE:
            return True
        return self.model.qualified_name(node.func) in _FORWARDS_KEYWORDS

    def _forwards_arguments(self, node: cst.Call, runner: Runner) -> bool:
        """Does the runner pass arguments of its own to the callable?"""
        if runner.returns is RunnerResult.THREAD:
            return any(a.keyword is not None and a.keyword.value in ("args", "kwargs") for a in node.args)
        keywords = self._forwards_keywords(node, runner)
        return any((a.keyword is None and a.star != "**") or keywords for a in runner.args)

    # ----------------------------------------------------------------- what does f(x) return?
    def _verdict(self, inner: cst.Call) -> Verdict:
        func = inner.func
        name = dotted_name(func)
        if name is None:
            return UNKNOWN  # `f(x)(y)`, `(lambda: g)()`, `handlers[k](x)`
        if self.model.coroutine_function(func) is not None:
            return COROUTINE
        qualified = self.model.qualified_name(func)
        if qualified in known.CALLABLE_FACTORIES:
            return CALLABLE
        definition = self._definition(func)
        if isinstance(definition, cst.FunctionDef):
            return self._function_verdict(definition, inner)
        if isinstance(definition, cst.ClassDef):
            return self._class_verdict(definition)
        if qualified is not None and qualified.startswith("builtins."):
            return NOT_CALLABLE if qualified[len("builtins."):] in _DATA_BUILTINS else UNKNOWN
        last = name.rsplit(".", 1)[-1]
        if _FACTORY_NAME.search(last) or last[:1].isupper():
            return UNKNOWN  # says it builds a callable, or a class we cannot read (instances may be callable)
        return LIKELY_DATA if qualified is not None or isinstance(func, cst.Attribute) else UNKNOWN

    def _definition(self, func: cst.BaseExpression) -> Optional[cst.CSTNode]:
        """The def/class of this module that `func` names (`f`, `self.m`), if any."""
        definition = self.model.definition(func)
        return definition.node if definition is not None else None

    def _function_verdict(self, function: cst.FunctionDef, inner: cst.Call) -> Verdict:
        if any(dotted_name(d.decorator) not in known.TRANSPARENT_DECORATORS for d in function.decorators):
            return UNKNOWN  # a decorator may return anything
        if function.asynchronous is not None:
            return COROUTINE if self.model.is_coroutine_def(function) else UNKNOWN
        if function.returns is not None:
            annotation = edits.code(function.returns.annotation)
            return CALLABLE if re.search(r"Callable|Func|Handler|Factory|Any|partial", annotation) else NOT_CALLABLE
        scope = self.model.scope_of(function)
        # `do_sync(3)` returning its parameter returns 3: with literal arguments, parameters hold data.
        data_params = all(not a.star and _literal(a.value) for a in inner.args)
        if contains_any(function.body, (cst.FunctionDef, cst.Lambda, cst.Yield), into_scopes=False):
            return UNKNOWN  # a closure factory or a generator, most likely
        if any(self._may_be_callable(value, scope, data_params) for value in returned_values(function.body)):
            return UNKNOWN
        return NOT_CALLABLE

    def _may_be_callable(self, value: cst.BaseExpression, scope, data_params: bool, depth: int = 0) -> bool:
        """Could this returned expression be a function? False only for plain data and ordinary calls."""
        if depth > 3:
            return True
        if isinstance(value, (cst.Lambda, cst.Attribute, cst.Subscript)):
            return True  # a lambda, a bound method, a looked-up handler
        if isinstance(value, cst.IfExp):
            branches = (value.body, value.orelse)
        elif isinstance(value, cst.BooleanOperation):
            branches = (value.left, value.right)
        else:
            branches = ()
        if branches:
            return any(self._may_be_callable(b, scope, data_params, depth + 1) for b in branches)
        if isinstance(value, cst.Call):
            name = dotted_name(value.func)
            if name is None:
                return True
            qualified = self.model.qualified_name(value.func, scope)
            return (
                qualified in known.CALLABLE_FACTORIES
                or qualified == "builtins.getattr"
                or bool(_FACTORY_NAME.search(name.rsplit(".", 1)[-1]))
            )
        if isinstance(value, cst.Name):
            if value.value in ("None", "True", "False"):
                return False
            bound = self.model.bound_to(value.value, scope)
            return bound is None or any(self._binding_may_be_callable(b, scope, data_params, depth) for b in bound)
        return False  # literals, displays, comprehensions, arithmetic, comparisons, f-strings

    def _binding_may_be_callable(self, bound: Bound, scope, data_params: bool, depth: int) -> bool:
        if bound.parameter:
            return not data_params
        if bound.value is not None:
            return self._may_be_callable(bound.value, scope, data_params, depth + 1)
        return True  # a def, class, import, loop variable, ...

    def _class_verdict(self, classdef: cst.ClassDef) -> Verdict:
        if self.model.find_method(classdef, "__call__") is not None:
            return CALLABLE
        for base in classdef.bases:
            base_name = dotted_name(base.value)
            if base.keyword is not None or base_name is None:
                return UNKNOWN
            if base_name != "object" and not isinstance(self.model.module_definition(base_name), cst.ClassDef):
                return UNKNOWN  # a base we cannot see may define __call__
        return NOT_CALLABLE

    # ----------------------------------------------------------------- the fix
    def _fixed(self, node: cst.Call, runner: Runner, inner: cst.Call) -> Optional[Tuple[cst.Call, object]]:
        callable_arg = runner.callable
        index = next(i for i, a in enumerate(node.args) if a is callable_arg)
        before, after = list(node.args[:index]), list(node.args[index + 1:])
        imports: Tuple[str, ...] = ()
        keywords = any(a.keyword is not None or a.star == "**" for a in inner.args)
        if not inner.args:
            middle = [callable_arg.with_changes(value=inner.func)]
        elif runner.returns is RunnerResult.THREAD and not keywords:  # Thread(target=f, args=(x,))
            values = ", ".join(edits.code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in inner.args)
            args = cst.Arg(
                keyword=cst.Name("args"),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                value=edits.expr(f"({values},)"),
            )
            middle = [callable_arg.with_changes(value=inner.func, comma=cst.MaybeSentinel.DEFAULT), args]
        elif runner.returns is RunnerResult.THREAD or (keywords and not self._forwards_keywords(node, runner)):
            reference = self.model.name_reference("functools.partial")
            if reference is None:
                return None
            partial, imports = reference
            bound = inner.with_changes(
                func=edits.expr(partial),
                args=edits.one_line_args([cst.Arg(value=inner.func), *inner.args]),
                lpar=[],
                rpar=[],
            )
            middle = [callable_arg.with_changes(value=bound)]
        else:
            first = callable_arg.with_changes(
                value=inner.func, comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")
            )
            middle = [first, *edits.one_line_args(inner.args)]
        new = edits.with_args(node, before + middle + after)
        description = f"Pass '{edits.snippet(inner.func)}' and its arguments"
        fix = self.make_fix(description, [(node, new)], safe=True, imports=imports)
        return new, fix


def _literal(value: cst.BaseExpression) -> bool:
    """A number, string, None/True/False, or a tuple/list of those."""
    if isinstance(value, (cst.BaseNumber, cst.BaseString)):
        return True
    if isinstance(value, cst.Name):
        return value.value in ("None", "True", "False")
    if isinstance(value, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _literal(e.value) for e in value.elements)
    if isinstance(value, cst.UnaryOperation):
        return _literal(value.expression)
    return False
