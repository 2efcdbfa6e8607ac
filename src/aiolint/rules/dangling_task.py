from __future__ import annotations

import re

import libcst as cst

from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import RunnerResult

_FACTORIES = tuple((name, re.compile(name + r"[ \t]*\(")) for name in ("create_task", "ensure_future"))
_ENSURE_FUTURE = frozenset({"asyncio.ensure_future", "asyncio.tasks.ensure_future"})
# What may precede the factory name in such a statement: `_ = `, a receiver (`self.loop.`,
# `asyncio.get_running_loop().`), an opening parenthesis.
_STATEMENT_PREFIX = re.compile(r"[ \t(]*(?:_[ \t]*=[ \t(]*)?[\w.() \t]*")


class DanglingTask(Rule):
    code = "AIO301"
    name = "dangling-task"
    needs = (Needs(Where.ANY, calls=frozenset({"create_task", "ensure_future"}), statement=True),)
    message = (
        "the task created by {callee}() is not referenced and may be garbage-collected before it "
        "finishes; keep a reference (add it to a set and discard it in add_done_callback) or use "
        "asyncio.TaskGroup"
    )
    docs = RuleDocs(
        what=(
            "Checks for tasks created with `asyncio.create_task()`, `asyncio.ensure_future()` or "
            "`loop.create_task()` whose result is thrown away: an expression statement, or bound "
            "to `_`."
        ),
        why=(
            "The event loop keeps only a weak reference to a task. A task nobody references can be "
            "garbage-collected in the middle of its work, silently, and its exception is never "
            "retrieved. `TaskGroup.create_task()` is not reported: the group keeps its tasks."
        ),
        example=(
            "import asyncio\n\n"
            "async def on_message(message):\n"
            "    asyncio.create_task(store(message))\n\n\n"
            "async def store(message):\n"
            "    await asyncio.sleep(0)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "background_tasks = set()\n\n\n"
            "async def on_message(message):\n"
            "    task = asyncio.create_task(store(message))\n"
            "    background_tasks.add(task)\n"
            "    task.add_done_callback(background_tasks.discard)\n\n\n"
            "async def store(message):\n"
            "    await asyncio.sleep(0)\n"
        ),
    )

    def visit_Expr(self, node: cst.Expr) -> None:
        self._check(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name) and target.value == "_":
                self._check(node.value)

    def _check(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Call):
            callee = self.model.task_creation(value)
            if callee is not None and not self._existing_future(value):
                self.report(value, callee=callee)

    def _existing_future(self, call: cst.Call) -> bool:
        """`ensure_future(x)` returns a future `x` unchanged: only a coroutine makes a new task."""
        if self.model.qualified_name(call.func) not in _ENSURE_FUTURE:
            return False
        argument = next((a.value for a in call.args if a.keyword is None and not a.star), None)
        if isinstance(argument, cst.Call):
            runner = self.model.thread_pool_runner(argument)
            return runner is not None and runner.returns is not RunnerResult.COROUTINE  # run_in_executor: a future
        if isinstance(argument, cst.Name):
            held = self.model.holds(argument)
            return not (isinstance(held, cst.Call) and self.model.coroutine_call(held))
        return True  # an attribute, a subscript...: most likely a future kept elsewhere
