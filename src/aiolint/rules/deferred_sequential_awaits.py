"""AIO401 deferred-sequential-awaits: coroutine objects made up front, then awaited one by one.

`t1 = fetch(a); t2 = fetch(b); await t1; await t2` looks concurrent, but a coroutine
object does nothing until it is awaited: the calls still run one after the other.
Tasks (`create_task`) and executor futures (`run_in_executor`) do start at once,
so names holding those are never reported.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.rules.sequential_awaits import (
    Step,
    analyse_call,
    ordinary_context,
    plan_gather,
    sequences,
    split_runs,
    structured_alternative,
    task_group_spelling,
)
from aiolint.core.walk import iter_nodes

_TARGET = r"\w+[ \t]*(?::[^=\n]+)?=[ \t]*"
# Two statements in a row that await a bare name (`await t1`, `r = await t1`), or two on one line.
CONSECUTIVE_NAME_AWAITS = (
    r"(?:^(?P<i>[ \t]*)(?:%s)?await[ \t]+\w+[ \t]*(?:;[ \t]*)?(?:\#[^\r\n]*)?\r?\n(?:[ \t]*(?:\#[^\r\n]*)?\r?\n)*"
    r"(?P=i)(?:%s|return[ \t]+)?await[ \t]+\w"
    r"|\bawait[ \t]+\w+[ \t]*;[ \t]*(?:%s|return[ \t]+)?await[ \t]+\w)" % (_TARGET, _TARGET, _TARGET)
)


AWAITS_A_NAME = r"await[ \t]+\w+[ \t]*(?:[;#][^\r\n]*)?\r?(?:\n|\Z)"


class DeferredSequentialAwaits(Rule):
    code = "AIO401"
    name = "deferred-sequential-awaits"
    message = (
        "coroutines {names} are created up front in '{function}' but awaited one by one, "
        "so they still run sequentially; use {replacement}"
    )
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.AWAITED_NAMES})),)
    # Cheapest first: a literal-led search for a line that awaits a bare name.
    docs = RuleDocs(
        what=(
            "Checks for two or more names bound to coroutine objects (calls of known coroutine "
            "functions, `asyncio.to_thread`/`run_in_threadpool` included) that are then awaited "
            "one by one, in consecutive statements of the same block. The coroutines must pass the "
            "independence checks of AIO400 (no shared receiver, no ordering-sensitive step), and each "
            "name must be used only where it is bound and where it is awaited."
        ),
        why=(
            "Creating the coroutines first looks like starting work in parallel, but a coroutine "
            "runs only when it is awaited: the second one starts after the first has finished. "
            "`asyncio.gather` runs them concurrently. Tasks from `create_task` and futures from "
            "`run_in_executor` already run in the background and are not reported."
        ),
        example=(
            "from starlette.concurrency import run_in_threadpool\n\n"
            "async def thumbnails(render, a, b):\n"
            "    first = run_in_threadpool(render, a)\n"
            "    second = run_in_threadpool(render, b)\n"
            "    small = await first\n"
            "    large = await second\n"
            "    return small, large\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "from starlette.concurrency import run_in_threadpool\n"
            "\n"
            "async def thumbnails(render, a, b):\n"
            "    first = run_in_threadpool(render, a)\n"
            "    second = run_in_threadpool(render, b)\n"
            "    small, large = await asyncio.gather(first, second)\n"
            "    return small, large\n"
        ),
        fix_safety=(
            "Unsafe: the coroutines then run concurrently, so their side effects may interleave, "
            "and if one fails the others keep running. The fix replaces the awaits with one "
            "`await asyncio.gather(t1, t2, ...)` that keeps every result binding (`r1, r2 = ...`, "
            "`_` for a bare await), leaves the bindings of the coroutines in place and adds "
            "`import asyncio` when needed."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._uses: Dict[int, Counter] = {}

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._check(node)

    def _check(self, block) -> None:
        if not self.model.in_async_context or not ordinary_context(self.model):
            return
        self._block = block
        for steps in sequences(block):
            for run in split_runs(steps, self._candidate, _compatible):
                self._report(run)

    # ------------------------------------------------------------------ independence
    def _candidate(self, step: Step) -> bool:
        name = step.value
        if not isinstance(name, cst.Name) or name.lpar:
            return False
        held = self.model.holds_call(name)
        if held is None:
            return False
        call = held[1]
        if self.model.coroutine_call(call) is None:
            return False
        runner = self.model.thread_pool_runner(call)
        if runner is not None and runner.returns != "coroutine":
            return False  # futures and threads already run
        if self._binding_line(call, step) is None or self._uses_in_function(name.value) != 2:
            return False  # bound elsewhere, or used besides its binding and this await
        found = analyse_call(self.model, call)
        if found is None:
            return False
        step.reads, step.receivers = found
        step.binding = call
        return True

    def _binding_line(self, call: cst.Call, step: Step) -> Optional[cst.SimpleStatementLine]:
        """The line of this block, before the await, that binds the coroutine."""
        body = getattr(self._block, "body", ())
        for statement in body:
            if statement is step.line:
                return None
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if small is step.small:
                        return None
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is call:
                        return statement
        return None

    def _uses_in_function(self, name: str) -> int:
        function = self.model.function
        if function is None:
            return 0
        counts = self._uses.get(id(function))
        if counts is None:
            counts = Counter(n.value for n in iter_nodes(function.body) if isinstance(n, cst.Name))
            self._uses[id(function)] = counts
        return counts[name]

    # ------------------------------------------------------------------ reporting
    def _report(self, run: List[Step]) -> None:
        names = [s.value.value for s in run]
        first = min(run, key=lambda s: self._position(s.binding))
        library = self.model.async_library
        if library != "asyncio":
            replacement, fix = task_group_spelling(library), None
        else:
            text, fix = plan_gather(self, run, [s.value for s in run], names)
            replacement = f"'{text}'{structured_alternative(self)}"
        self.report(
            self._binding_small(first.binding),
            fix=fix,
            names=", ".join(f"'{n}'" for n in names),
            function=self.model.function_name,
            replacement=replacement,
        )

    def _position(self, call: cst.Call) -> int:
        for index, statement in enumerate(self._block.body):
            if isinstance(statement, cst.SimpleStatementLine) and any(
                getattr(small, "value", None) is call for small in statement.body
            ):
                return index
        return len(self._block.body)  # pragma: no cover - candidates have a binding line

    def _binding_small(self, call: cst.Call) -> cst.CSTNode:
        for statement in self._block.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if getattr(small, "value", None) is call:
                        return small
        return call  # pragma: no cover


def _compatible(earlier: Step, later: Step) -> bool:
    if later.value.value == earlier.value.value:
        return False
    targets = {s.target.value for s in (earlier, later) if s.target is not None}
    if targets & {earlier.value.value, later.value.value}:
        return False
    if earlier.target is not None and later.target is not None and earlier.target.value == later.target.value:
        return False
    # Methods of the same object (thread-pool runners excepted) may depend on each other.
    return not (earlier.receivers & (later.receivers | later.reads) or later.receivers & earlier.reads)
