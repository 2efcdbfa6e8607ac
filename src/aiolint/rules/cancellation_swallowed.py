from __future__ import annotations

from typing import Sequence, Union

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import flow, known, primitives
from aiolint.semantics.flow import reference_text
from aiolint.semantics.syntax import method_calls

_CANCELLATION_NAMES = known.last_names([*primitives.CANCELLATION_ERRORS, *primitives.CANCELLATION_ERROR_FACTORIES])

Handler = Union[cst.ExceptHandler, cst.ExceptStarHandler]


class CancellationSwallowed(Rule):
    code = "AIO500"
    name = "cancellation-swallowed"
    message = (
        "{handler} catches the cancellation of an await in '{function}' and does not re-raise it, "
        "so the task cannot be cancelled; re-raise after cleanup with a bare 'raise'"
    )
    # Every reported clause names one of these (an alias is imported under its own name first),
    # or is a bare `except:`.
    # An except catching cancellation (or everything), or suppress() handed it.
    needs = (
        Needs(catches=_CANCELLATION_NAMES | {""}),
        Needs(calls=frozenset({"suppress"}), arguments=_CANCELLATION_NAMES | {""}),
    )
    docs = RuleDocs(
        what=(
            "Checks, in async functions, for an `except` clause that catches cancellation "
            "(`asyncio.CancelledError`, `trio.Cancelled`, `anyio.get_cancelled_exc_class()`, "
            "`BaseException` or a bare `except:`) around a `try` body that awaits, where some path "
            "through the handler neither re-raises (`raise`, `raise e`, `raise ... from ...`, or "
            "a new `CancelledError`) nor calls `uncancel()`; and for "
            "`with contextlib.suppress(asyncio.CancelledError):` around an await."
        ),
        why=(
            "Cancellation is delivered as an exception at an `await`. A handler that swallows it "
            "turns `task.cancel()` into a no-op: `asyncio.timeout()`, `TaskGroup`, `wait_for` and "
            "shutdown all rely on the task ending with `CancelledError`, and hang or misbehave "
            "when it keeps running. Not reported: the idiom of awaiting a task this function has "
            "just cancelled (`t.cancel()`, then `try: await t` / `except CancelledError: pass`, "
            "or `with suppress(CancelledError): await t`), and handlers whose "
            "`isinstance(e, CancelledError)` branch re-raises."
        ),
        example=(
            "import asyncio\n\n"
            "async def worker(queue):\n"
            "    while True:\n"
            "        try:\n"
            "            job = await queue.get()\n"
            "            await job.run()\n"
            "        except BaseException:\n"
            "            print('job failed')\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def worker(queue):\n"
            "    while True:\n"
            "        try:\n"
            "            job = await queue.get()\n"
            "            await job.run()\n"
            "        except asyncio.CancelledError:\n"
            "            print('worker stopped')\n"
            "            raise\n"
            "        except Exception:\n"
            "            print('job failed')\n"
        ),
    )

    def visit_Try(self, node: cst.Try) -> None:
        self._check(node, node.handlers)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check(node, node.handlers)

    def visit_With(self, node: cst.With) -> None:
        if not self.model.in_async_context:
            return
        for item in node.items:
            call = item.item
            if not (
                isinstance(call, cst.Call)
                and self.model.qualified_name(call.func) in primitives.SUPPRESS_FUNCTIONS
            ):
                continue
            caught = next(
                (c for c in (self.model.catches_cancellation(a.value) for a in call.args if not a.keyword) if c),
                None,
            )
            if caught is None or not self.model.awaits(node.body):
                continue
            if self._awaits_only_cancelled(node, node.body) or self._raises_after(node):
                continue
            self.report(item, handler=f"'{self.shown(call)}'", function=self.model.function_name)

    def _check(self, node: Union[cst.Try, cst.TryStar], handlers: Sequence[Handler]) -> None:
        if not self.model.in_async_context or not self.model.awaits(node.body):
            return
        covered: frozenset = frozenset()
        for handler in handlers:
            loops = self.model.cancellation_loops(handler.type)
            if not loops - covered:
                continue
            # The first clause that catches a loop's cancellation gets it; later ones never see it.
            covered |= loops
            name = handler.name.name if handler.name is not None else None
            if (
                not flow.always_raises(handler.body, self._exit_test(handler))
                and not (isinstance(name, cst.Name) and flow.hands_on(handler.body, name.value))
                and not self._awaits_only_cancelled(node, node.body)
                and not self._raises_after(node)
            ):
                shown = "bare 'except:'" if handler.type is None else f"'except {self.shown(handler.type)}'"
                self.report(handler, handler=shown, function=self.model.function_name)

    def _exit_test(self, handler: Handler):
        name = handler.name.name if handler.name is not None else None
        caught_name = name.value if isinstance(name, cst.Name) else None

        def reraises(stmt: cst.Raise) -> bool:
            """`raise`, `raise e`, `raise ... from ...`, or a new cancellation (`raise CancelledError()`)."""
            exc = stmt.exc
            if exc is None or stmt.cause is not None:
                return True
            if isinstance(exc, cst.Name) and exc.value == caught_name:
                return True
            raised = exc.func if isinstance(exc, cst.Call) else exc
            # `raise AssertionError(...)` marks the path unreachable (trio re-raises at the next await).
            return (
                self.model.catches_cancellation(raised) is not None
                or self.model.qualified_name(raised) == "builtins.AssertionError"
            )

        def is_exit(stmt: cst.CSTNode) -> bool:
            # `x.uncancel()` undoes the cancellation request on purpose.
            if isinstance(stmt, cst.SimpleStatementLine) and _calls_uncancel(stmt):
                return True
            if isinstance(stmt, cst.If) and _calls_uncancel(stmt.test):
                return True
            # `if task.cancelling(): raise`: re-raised exactly when this task is being cancelled.
            if isinstance(stmt, cst.If) and _calls(stmt.test, "cancelling"):
                return flow.always_raises(stmt.body, test)
            # `if isinstance(e, CancelledError): raise`: the rest of the handler never sees cancellation.
            if isinstance(stmt, cst.If) and caught_name and self._tests_cancellation(stmt.test, caught_name):
                return flow.always_raises(stmt.body, test)
            return False

        test = flow.raises_only(reraises, is_exit)
        return test

    def _tests_cancellation(self, test: cst.BaseExpression, name: str) -> bool:
        """`isinstance(name, <cancellation>)`, or `not isinstance(name, Exception)`."""
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        call = test.expression if negated else test
        if not (
            isinstance(call, cst.Call)
            and self.model.qualified_name(call.func) == "builtins.isinstance"
            and len(call.args) == 2
            and isinstance(call.args[0].value, cst.Name)
            and call.args[0].value.value == name
        ):
            return False
        classes = call.args[1].value
        if negated:
            return self.model.qualified_name(classes) == "builtins.Exception"
        return self.model.catches_cancellation(classes) is not None

    def _raises_after(self, node: cst.CSTNode) -> bool:
        """Does the code after `node` always re-raise (bare `raise` or `raise ... from ...`) before
        the function ends, so nothing is swallowed in the end? Looks past the ends of the loops,
        `if`s and `with`s around `node` too."""
        counts = flow.raises_only(lambda stmt: stmt.exc is None or stmt.cause is not None)
        ancestors = self.model.ancestors
        current = node
        for index in range(len(ancestors) - 1, -1, -1):
            holder = ancestors[index]
            if isinstance(holder, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            body = getattr(holder, "body", None)
            if isinstance(body, (list, tuple)) and isinstance(holder, (cst.IndentedBlock, cst.Module)):
                position = next((i for i, s in enumerate(body) if s is current), None)
                if position is None:
                    return False
                rest = body[position + 1 :]
                if flow.sequence_raises(rest, counts):
                    return True
                if any(flow.escapes(stmt) for stmt in rest):
                    return False
            elif not isinstance(holder, (cst.For, cst.While, cst.If, cst.Else, cst.With, cst.IndentedBlock)):
                return False
            current = holder
        return False

    def _awaits_only_cancelled(self, node: cst.CSTNode, body: cst.BaseSuite) -> bool:
        """Every await in `body` awaits what this function has just cancelled (or a call on it)."""
        cancelled = self.model.cancelled_before(node)
        if not cancelled:
            return False
        for point in flow.suspension_points(body):
            if isinstance(point, cst.With) and all(
                isinstance(item.item, cst.Call)
                and self.model.qualified_name(item.item.func) in primitives.TIMEOUT_SCOPES
                for item in point.items
            ):
                continue  # entering and leaving a timeout does not suspend
            if not (isinstance(point, cst.Await) and _refers_to(point.expression, cancelled)):
                return False
        return True


def _refers_to(expr: cst.BaseExpression, names: frozenset) -> bool:
    """`t`, or a call given `t`/`*tasks` (`asyncio.wait_for(t, 1)`, `asyncio.gather(*tasks)`)."""
    if reference_text(expr) in names:
        return True
    if isinstance(expr, cst.Call):
        return any(reference_text(arg.value) in names for arg in expr.args if not arg.keyword)
    return False


def _calls(node: cst.CSTNode, method: str) -> bool:
    return next(method_calls(node, method, into_scopes=False), None) is not None


def _calls_uncancel(node: cst.CSTNode) -> bool:
    return _calls(node, "uncancel")
