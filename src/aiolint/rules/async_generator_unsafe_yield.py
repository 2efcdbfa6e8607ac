from __future__ import annotations

from typing import List, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import primitives
from aiolint.semantics.syntax import yields_in

_LOOPS = (cst.For, cst.While, cst.CompFor)


class AsyncGeneratorUnsafeYield(Rule):
    code = "AIO503"
    name = "async-generator-unsafe-yield"
    message = (
        "yield inside {scope} in async generator '{function}': its cleanup runs only when the "
        "generator is closed, maybe in another task or never; use 'async with "
        "contextlib.aclosing({function}(...))' at the consumer, or return a list"
    )
    needs = (Needs(shapes=frozenset({Shape.YIELD_IN_GUARD})),)
    docs = RuleDocs(
        what=(
            "Checks for a `yield` in an async generator inside `async with`, `with`, or a `try` "
            "that has a `finally` (`asyncio.TaskGroup()` and `asyncio.timeout()` are `async with` "
            "scopes too). Not reported: generators decorated with `contextlib.asynccontextmanager` "
            "or `contextmanager`, pytest fixtures, and generators that yield once, outside any "
            "loop (the shape of a context manager, a fixture, a FastAPI dependency or an aiohttp "
            "`cleanup_ctx`, which their framework drives to the end, cancel scopes and task "
            "groups included)."
        ),
        why=(
            "A consumer that stops early (`break`, an exception, a timeout) leaves the generator "
            "suspended at the `yield`. Its `finally` blocks and `__aexit__`s run only when it is "
            "closed: by the garbage collector's finaliser hook, later, in whatever task the loop "
            "picks, or never. A cancel scope or task group is left while suspended, so its "
            "cancellation hits the consumer instead."
        ),
        example=(
            "async def rows(pool, query):\n"
            "    async with pool.acquire() as conn:\n"
            "        async for row in conn.cursor(query):\n"
            "            yield row\n"
        ),
        use_instead=(
            "async def rows(pool, query):\n"
            "    async with pool.acquire() as conn:\n"
            "        return [row async for row in conn.cursor(query)]\n"
        ),
    )

    def visit_Yield(self, node: cst.Yield) -> None:
        if not self.model.in_async_context:
            return
        function = self.model.function
        if function is None:
            return
        scopes = self._unsafe_scopes(function)
        if not scopes:
            return
        model = self.model
        if model.decorated_with(function, primitives.CONTEXT_MANAGER_DECORATORS | primitives.FIXTURE_DECORATORS):
            return
        if self._yields_once(function):
            return
        cancel_scope = next((shown for shown, cancels in scopes if cancels), None)
        self.report(node, scope=cancel_scope or scopes[0][0], function=function.name.value)

    def _unsafe_scopes(self, function: cst.FunctionDef) -> List[Tuple[str, bool]]:
        """The `async with`/`with`/`try ... finally` around the current yield, innermost first:
        (as shown, whether it is a cancel scope or task group)."""
        found = []
        ancestors = self.model.ancestors
        for index in range(len(ancestors) - 1, 0, -1):
            node = ancestors[index]
            if node is function:
                break
            child = ancestors[index + 1] if index + 1 < len(ancestors) else None
            if isinstance(node, cst.With) and child is node.body:
                for item in node.items:
                    func = item.item.func if isinstance(item.item, cst.Call) else item.item
                    keyword = "async with" if node.asynchronous is not None else "with"
                    cancels = self.model.qualified_name(func) in primitives.CANCEL_SCOPES
                    found.append((f"'{keyword} {self.shown(func, 40)}'", cancels))
            elif isinstance(node, (cst.Try, cst.TryStar)) and node.finalbody is not None:
                if child is not node.finalbody:
                    found.append(("'try' with 'finally'", False))
        return found

    def _yields_once(self, function: cst.FunctionDef) -> bool:
        """One yield, outside any loop: a context manager / fixture / dependency in all but name."""
        yields = 0
        for _ in yields_in(function.body):
            yields += 1
            if yields > 1:
                return False
        for ancestor in reversed(self.model.ancestors):
            if ancestor is function:
                return True
            if isinstance(ancestor, _LOOPS):
                return False
        return True
