from __future__ import annotations

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs

# Keywords `TaskGroup.create_task()` accepts; `loop=` (ensure_future) has no counterpart.
_GROUP_KEYWORDS = frozenset({"name", "context"})


class TaskEscapesTaskgroup(Rule):
    code = "AIO505"
    name = "task-escapes-taskgroup"
    message = (
        "{callee}() inside 'async with' TaskGroup '{group}' creates a task the group does not supervise "
        "(not awaited at exit, its errors not propagated); use '{replacement}'"
    )
    fix_availability = "unsafe"
    needs = (Needs(calls=frozenset({"create_task", "ensure_future"}), built=frozenset({"TaskGroup"})),)
    docs = RuleDocs(
        what=(
            "Checks for `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)` "
            "directly inside the body of `async with asyncio.TaskGroup() as tg:` (not in a function "
            "defined there)."
        ),
        why=(
            "A task group waits for its tasks when the block ends and cancels the others when one fails, "
            "raising the errors together. A task created with `asyncio.create_task()` is not one of its "
            "tasks: the block may end while it still runs, its exception is not raised by the group, and "
            "it is not cancelled with the group. Inside the block this is almost always a slip for "
            "`tg.create_task()`."
        ),
        example=(
            "import asyncio\n\n"
            "async def main(urls):\n"
            "    async with asyncio.TaskGroup() as tg:\n"
            "        for url in urls:\n"
            "            asyncio.create_task(fetch(url))\n\n\n"
            "async def fetch(url):\n"
            "    await asyncio.sleep(0)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def main(urls):\n"
            "    async with asyncio.TaskGroup() as tg:\n"
            "        for url in urls:\n"
            "            tg.create_task(fetch(url))\n\n\n"
            "async def fetch(url):\n"
            "    await asyncio.sleep(0)\n"
        ),
        fix_safety=(
            "Unsafe: the task becomes part of the group, so the block now waits for it, its failure "
            "cancels the group's other tasks, and its exception is raised from the block. That is "
            "what the group is for, but code that meant the task to outlive the block changes behaviour. "
            "No fix for `ensure_future()` of something that is not a call (it may be a future), nor "
            "with `loop=`."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.in_async_context:
            return
        callee = self.model.task_creation(node)
        if callee is None:
            return
        group = self.model.enclosing_task_group()
        if group is None:
            return
        new = node.with_changes(func=cst.Attribute(value=cst.Name(group), attr=cst.Name("create_task")))
        fix = None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if (
            len(positional) == 1
            and node.args[0] is positional[0]
            and isinstance(positional[0].value, cst.Call)
            and all(a.keyword is None or a.keyword.value in _GROUP_KEYWORDS for a in node.args if not a.star)
            and not any(a.star for a in node.args)
        ):
            fix = self.make_fix(f"Create the task with '{group}.create_task()'", [(node, new)], safe=False)
        replacement = edits.snippet(new) if fix is not None else f"{group}.create_task(...)"
        self.report(node, fix=fix, callee=callee, group=group, replacement=replacement)
