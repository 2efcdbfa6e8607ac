from __future__ import annotations

from typing import List, Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import Runner, RunnerResult, dotted_name, known

# Runners whose keyword arguments configure the runner itself and are not passed to the callable.
_OWN_KEYWORDS = frozenset({"anyio.to_thread.run_sync", "trio.to_thread.run_sync"})


_LIBRARY_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in known.COROUTINE_FUNCTIONS) | {"partial"}


class CoroutineInThreadPool(Rule):
    code = "AIO201"
    name = "coroutine-in-thread-pool"
    message = (
        "coroutine function '{function}' passed to {runner}() only creates a coroutine in the worker, "
        "which is never awaited, so its body never runs; {replacement}"
    )
    fix_availability = "safe"
    # A runner handed something that can name a coroutine function (directly, or in a `partial`).
    needs = (
        Needs(Where.ANY, calls=known.THREAD_POOL_CALL_NAMES, arguments=_LIBRARY_NAMES, argument_local_coroutine=True),
    )
    docs = RuleDocs(
        what=(
            "Checks for a coroutine function (an `async def` of the module, `self.m` of the enclosing class, "
            "`functools.partial` of one, or a library coroutine function such as `asyncio.sleep`) passed as "
            "the callable to a thread-pool runner: `loop.run_in_executor`, `asyncio.to_thread`, "
            "`run_in_threadpool`, `anyio.to_thread.run_sync`, `executor.submit` or `threading.Thread(target=...)`."
        ),
        why=(
            "A worker thread calls the function like a sync one. Calling a coroutine function only creates a "
            "coroutine object; nothing awaits it, so the work silently never happens (apart from a "
            "'coroutine ... was never awaited' warning) and the caller gets a coroutine object back instead "
            "of a result."
        ),
        example=(
            "from starlette.concurrency import run_in_threadpool\n\n"
            "async def my_aio_func(user_id):\n"
            "    ...\n\n"
            "async def handler(user_id):\n"
            "    return await run_in_threadpool(my_aio_func, user_id)\n"
        ),
        use_instead=(
            "async def my_aio_func(user_id):\n"
            "    ...\n"
            "\n"
            "async def handler(user_id):\n"
            "    return await my_aio_func(user_id)\n"
        ),
        fix_safety=(
            "Safe when the runner call is directly awaited: `await run_in_threadpool(f, a)` becomes "
            "`await f(a)` (arguments of a `functools.partial` are merged in). Runners whose keywords are their "
            "own options (`anyio.to_thread.run_sync(..., limiter=...)`), `executor.submit` and "
            "`threading.Thread` are not fixed."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.maybe_thread_pool_runner(node):
            return
        runner = self.model.thread_pool_runner(node)
        if runner is None or runner.callable is None or self.model.class_defines(node.func):
            return
        function = self.model.coroutine_function(runner.callable.value)
        if function is None:
            return
        direct = self._direct_call(node, runner)
        fix = None
        if (
            direct is not None
            and isinstance(self.model.parent, cst.Await)
            and runner.returns in (RunnerResult.COROUTINE, RunnerResult.FUTURE)
        ):
            fix = self.make_fix(f"Await '{function}(...)' directly", [(node, direct)], safe=True)
        self.report(
            node,
            fix=fix,
            function=function,
            runner=runner.name,
            replacement=self._replacement(direct, function),
        )

    def _direct_call(self, call: cst.Call, runner: Runner) -> Optional[cst.Call]:
        """`fn(*args, **kw)`: what the worker was meant to run, as a plain call (None if not expressible)."""
        if runner.returns is RunnerResult.THREAD:
            return None
        forwarded = list(runner.args)
        if any(a.keyword is not None or a.star == "**" for a in forwarded):
            if self.model.qualified_name(call.func) in _OWN_KEYWORDS:
                return None
        target = runner.callable.value
        bound: List[cst.Arg] = []
        while isinstance(target, cst.Call):  # functools.partial(fn, ...), maybe nested: its arguments come first
            target, bound = target.args[0].value, edits.one_line_args(target.args[1:]) + bound
        args = bound + forwarded
        positional = [a for a in args if a.keyword is None and a.star != "**"]
        keywords = [a for a in args if a.keyword is not None or a.star == "**"]
        names = [a.keyword.value for a in keywords if a.keyword is not None]
        if len(names) != len(set(names)):
            return None  # a partial's keyword given again (it overrides): not one plain call
        return edits.with_args(call.with_changes(func=target), positional + keywords)

    def _replacement(self, direct: Optional[cst.Call], function: str) -> str:
        shown = edits.snippet(direct) if direct is not None else f"{function}(...)"
        if self.model.in_async_context:
            return f"use 'await {shown}'"
        library = self.model.async_library
        if library == "asyncio":
            return f"make the worker run it with 'asyncio.run({shown})'"
        return f"make the worker run it with '{library}.run({dotted_name(direct.func) if direct else function}, ...)'"
