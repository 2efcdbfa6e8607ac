from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.findings import REMOVE
from aiolint.core.needs import Needs, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics.syntax import calls_in, names_in

_GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
_DRIVERS = frozenset({"run_until_complete", "run_forever"})


def _is_main_guard(node: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":` (either operand order)."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    operands = {
        "name" if isinstance(e, cst.Name) and e.value == "__name__"
        else "main" if isinstance(e, cst.SimpleString) and e.evaluated_value == "__main__"
        else None
        for e in (test.left, test.comparisons[0].comparator)
    }
    return operands == {"name", "main"}


def _driver(node: cst.CSTNode, name: str) -> Optional[cst.Call]:
    """`<name>.run_until_complete(...)` / `<name>.run_forever(...)`."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        receiver = node.func.value
        if node.func.attr.value in _DRIVERS and isinstance(receiver, cst.Name) and receiver.value == name:
            return node
    return None


def _single_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    if len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


class LegacyLoopBoilerplate(Rule):
    code = "AIO307"
    name = "legacy-loop-boilerplate"
    message = (
        "asyncio.get_event_loop() at module level drives the program with a loop it may not get "
        "(it raises in Python 3.14 when no loop is set); use {replacement}"
    )
    fix_availability = "safe"
    needs = (Needs(Where.MODULE, calls=frozenset({"get_event_loop"}), imports=("asyncio",)),)
    docs = RuleDocs(
        what=(
            "Checks for `asyncio.get_event_loop()` at module level (including under "
            "`if __name__ == \"__main__\":`) whose loop then runs the program with "
            "`run_until_complete()` or `run_forever()`."
        ),
        why=(
            "Without a running loop, `get_event_loop()` has been deprecated since Python 3.10-3.12 "
            "and raises `RuntimeError` in Python 3.14 when no loop is set. `asyncio.run()` creates "
            "the loop, runs the coroutine, and then cancels leftover tasks and closes the loop."
        ),
        example=(
            "import asyncio\n\n\n"
            "async def main():\n"
            "    await asyncio.sleep(1)\n\n\n"
            "loop = asyncio.get_event_loop()\n"
            "loop.run_until_complete(main())\n"
        ),
        use_instead=(
            "import asyncio\n\n\n"
            "async def main():\n"
            "    await asyncio.sleep(1)\n\n\n"
            "asyncio.run(main())\n"
        ),
        fix_safety=(
            "Safe, and only offered for the exact pattern: `loop = asyncio.get_event_loop()` "
            "directly followed by `loop.run_until_complete(x)` (at module level or under "
            "`if __name__ == \"__main__\":`), with `loop` used nowhere else. It becomes "
            "`asyncio.run(x)`. Any other use of the loop (`run_forever`, `loop.close()`, callbacks) "
            "is reported without a fix."
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self.model.at_module_level or self.model.qualified_name(node.func) not in _GET_EVENT_LOOP:
            return
        parent = self.model.parent
        ancestors = self.model.ancestors
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in _DRIVERS:
            # asyncio.get_event_loop().run_until_complete(x)
            grand = ancestors[-2] if len(ancestors) >= 2 else None
            if isinstance(grand, cst.Call) and grand.func is parent:
                self.report(node, replacement=self._suggestion(grand))
            return
        if not (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return
        name = parent.targets[0].target.value
        if not self.model.bound_once_in_module(name):
            return  # rebound somewhere: which loop drives the program is unclear
        drivers = [
            call
            for n in calls_in(self.model.module, into_scopes=False)
            if (call := _driver(n, name)) is not None
        ]
        if not drivers:
            return  # the loop is not used to run the program here
        fix = self._fix(node, parent, name)
        self.report(node, fix=fix, replacement=self._suggestion(drivers[0], name))

    def _suggestion(self, driver: cst.Call, loop_name: Optional[str] = None) -> str:
        argument = _single_argument(driver)
        if driver.func.attr.value == "run_until_complete" and argument is not None:
            if loop_name is not None and loop_name in names_in(argument):
                # `run_until_complete(go(loop))`: the coroutine must get the loop itself.
                return "'asyncio.run(...)', with the coroutine calling asyncio.get_running_loop()"
            return f"'asyncio.run({edits.snippet(argument, 60)})'"
        return "'asyncio.run(main())' with an async main() that awaits until shutdown"

    # ------------------------------------------------------------------------------ the fix
    def _fix(self, call: cst.Call, assign: cst.Assign, name: str):
        ancestors = self.model.ancestors
        if len(ancestors) < 3 or ancestors[-1] is not assign:
            return None
        line, block = ancestors[-2], ancestors[-3]
        if not isinstance(line, cst.SimpleStatementLine):
            return None
        if isinstance(block, cst.IndentedBlock):
            guard = ancestors[-4] if len(ancestors) >= 4 else None
            if not (_is_main_guard(guard) and guard.body is block and ancestors[-5] is self.model.module):
                return None
        elif block is not self.model.module:
            return None
        found = self._next_statement(line, assign, block)
        if found is None:
            return None
        following, following_line = found
        driver = _driver(following.value, name) if isinstance(following, (cst.Expr, cst.Assign)) else None
        if driver is None or driver.func.attr.value != "run_until_complete" or _single_argument(driver) is None:
            return None
        if isinstance(following, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == name for t in following.targets
        ):
            return None
        if "set_event_loop" in self.model.source:
            return None  # a loop set by hand (e.g. a Proactor loop) would be ignored by asyncio.run
        if self.model.module_name_used(name, {id(assign.targets[0].target), id(driver.func.value)}):
            return None
        reference = self._asyncio_reference(call)
        if reference is None:
            return None
        asyncio_name, needs_import = reference
        # Only the callee changes: `loop.run_until_complete(x)` -> `asyncio.run(x)`, arguments as written.
        run = driver.with_changes(func=edits.expr(f"{asyncio_name}.run"))
        new_statement = following.with_changes(value=run)
        if following_line is line:
            body = list(line.body)
            index = body.index(assign)
            body[index:index + 2] = [new_statement]
            replacements: List[Tuple[cst.CSTNode, object]] = [(line, line.with_changes(body=body))]
        else:
            if len(line.body) != 1:
                return None
            new_line = following_line.with_changes(
                body=[new_statement, *following_line.body[1:]],
                leading_lines=[*line.leading_lines, *following_line.leading_lines],
            )
            replacements = [(line, REMOVE), (following_line, new_line)]
        return self.make_fix(
            f"Replace with '{asyncio_name}.run(...)'",
            replacements,
            safe=True,
            imports=("asyncio",) if needs_import else (),
        )

    @staticmethod
    def _next_statement(line, assign, block) -> Optional[Tuple[cst.BaseSmallStatement, cst.SimpleStatementLine]]:
        body = list(line.body)
        index = body.index(assign)
        if index + 1 < len(body):
            return body[index + 1], line
        statements = list(block.body)
        position = statements.index(line)
        if position + 1 < len(statements) and isinstance(statements[position + 1], cst.SimpleStatementLine):
            following_line = statements[position + 1]
            return following_line.body[0], following_line
        return None

    def _asyncio_reference(self, call: cst.Call):
        func = call.func
        if isinstance(func, cst.Attribute) and self.model.qualified_name(func.value) == "asyncio":
            return edits.code(func.value), False
        return self.model.module_reference("asyncio")
