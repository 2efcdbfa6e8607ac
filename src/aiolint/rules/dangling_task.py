from __future__ import annotations

import libcst as cst

from aiolint.rule import Rule, RuleDocs


class DanglingTask(Rule):
    code = "AIO301"
    name = "dangling-task"
    message = (
        "the task created by {callee}() is not referenced and may be garbage-collected before it "
        "finishes; keep a reference (add it to a set and discard it in add_done_callback) or use "
        "asyncio.TaskGroup"
    )
    # A statement that starts with the call (or `_ = ` and the call); the task-creation callee is
    # `asyncio.create_task`, an alias, or `<loop expression>.create_task`.
    triggers = (r"(?:^|[;:])[ \t]*(?:_[ \t]*=[ \t]*)?[\w.() \t]*?(?:create_task|ensure_future)[ \t]*\(",)
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
            if callee is not None:
                self.report(value, callee=callee)
