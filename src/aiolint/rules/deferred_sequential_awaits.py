"""AIO401 deferred-sequential-awaits: coroutine objects made up front, then awaited one by one.

`t1 = fetch(a); t2 = fetch(b); await t1; await t2` looks concurrent, but a coroutine
object does nothing until it is awaited: the calls still run one after the other.
Tasks (`create_task`) and executor futures (`run_in_executor`) do start at once, so
names holding those are never reported. Runs and the fix: `rules/_gather.py`.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional, Set

import libcst as cst

from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import RunnerResult
from aiolint.semantics.syntax import contains_any, name_uses, names_in
from aiolint.rules import _gather
from aiolint.semantics.independence import effect_of, independent


class DeferredSequentialAwaits(Rule):
    code = "AIO401"
    name = "deferred-sequential-awaits"
    message = (
        "coroutines {names} are created up front in '{function}' but awaited one by one, "
        "so they still run sequentially; use {replacement}"
    )
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.AWAITED_NAMES})),)
    docs = RuleDocs(
        what=(
            "Checks for two or more names bound to coroutine objects (calls of known coroutine "
            "functions, `asyncio.to_thread`/`run_in_threadpool` included) that are then awaited "
            "one by one in the same block; statements between the awaits (a `print` of the first "
            "result, a log line) are allowed when they neither bind nor read what a later await binds "
            "and do not return, break or raise. The coroutines must "
            "pass the independence analysis AIO400 uses (no shared serialising object, no "
            "ordering-sensitive step), and each name must be used only where it is bound and where "
            "it is awaited."
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
        if not self.model.in_async_context or not _gather.ordinary_context(self.model):
            return
        self._block = block
        run: List[_gather.Step] = []
        between: Set[str] = set()  # names read or bound by the statements between the run's awaits
        for statement in block.body:
            smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
            if isinstance(block, cst.SimpleStatementSuite):
                smalls = [statement]
            for small in smalls:
                line = statement if isinstance(statement, cst.SimpleStatementLine) else None
                steps = _gather.statement_steps(line, small) if isinstance(small, cst.BaseSmallStatement) else None
                step = steps[0] if steps and len(steps) == 1 and steps[0].simple else None
                if step is not None and self._candidate(step):
                    fresh = step.target is None or step.target.value not in between
                    if fresh and all(self._compatible(e, step) for e in run):
                        run.append(step)
                    else:
                        self._flush(run)
                        run, between = [step], set()
                    continue
                # A statement between the awaits may use the results awaited before it (the
                # gather binds them first); it must not bind or read what a later await binds.
                names = names_in(small)
                if contains_any(small, (cst.Return, cst.Break, cst.Continue, cst.Raise)):
                    self._flush(run)
                    run, between = [], set()
                elif run:
                    between |= names
        self._flush(run)

    def _flush(self, run: List[_gather.Step]) -> None:
        if sum(1 for s in run if s.effect.suspends) >= 2:
            self._report(run)

    def _candidate(self, step: _gather.Step) -> bool:
        name = step.value
        if not isinstance(name, cst.Name) or name.lpar or step.is_return:
            return False
        held = self.model.holds_call(name)
        if held is None or self.model.coroutine_call(held[1]) is None:
            return False
        call = held[1]
        runner = self.model.thread_pool_runner(call)
        if runner is not None and runner.returns is not RunnerResult.COROUTINE:
            return False  # futures and threads already run
        if self._binding(call, step) is None or self._uses_in_function(name.value) != 2:
            return False  # bound elsewhere, or used besides its binding and this await
        step.effect = effect_of(self.model, call)
        step.binding = call
        return step.effect is not None and not step.effect.named_changes

    def _compatible(self, earlier: _gather.Step, later: _gather.Step) -> bool:
        if later.value.value == earlier.value.value:
            return False
        targets = {s.target.value for s in (earlier, later) if s.target is not None}
        if targets & ({earlier.value.value, later.value.value} | earlier.effect.names | later.effect.names):
            return False
        if earlier.target is not None and later.target is not None and earlier.target.value == later.target.value:
            return False
        return independent(earlier.effect, later.effect)

    def _binding(self, call: cst.Call, step: _gather.Step) -> Optional[cst.BaseSmallStatement]:
        """The statement of this block, before the await, that binds the coroutine."""
        for statement in self._block.body:
            smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
            for small in smalls:
                if small is step.small:
                    return None
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is call:
                    return small
        return None

    def _uses_in_function(self, name: str) -> int:
        function = self.model.function
        if function is None:
            return 0
        counts = self._uses.get(id(function))
        if counts is None:
            counts = name_uses(function.body)
            self._uses[id(function)] = counts
        return counts[name]

    def _report(self, run: List[_gather.Step]) -> None:
        names = [s.value.value for s in run]
        bindings = [b for b in (self._binding(s.binding, s) for s in run)]
        smalls = [n for st in self._block.body for n in getattr(st, "body", [st]) if isinstance(n, cst.CSTNode)]
        order = {id(small): i for i, small in enumerate(smalls)}
        first = min(bindings, key=lambda b: order.get(id(b), 0))
        library = self.model.async_library
        if library != "asyncio":
            replacement, fix = _gather.task_group_spelling(library), None
        else:
            text, fix = _gather.plan_gather(self, run, [s.value for s in run], names)
            replacement = f"'{text}'{_gather.structured_alternative(self)}"
            if not _gather.may_add_asyncio(self):
                fix = None
        self.report(
            first,
            fix=fix,
            names=", ".join(f"'{n}'" for n in names),
            function=self.model.function_name,
            replacement=replacement,
        )
