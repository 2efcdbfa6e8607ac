from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.findings import Fix
from aiolint.core.needs import Needs
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import known, primitives
from aiolint.semantics.syntax import consists_of

# Argument nodes that cannot have side effects: dropping them with the call changes nothing.
_PLAIN = (
    cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.SimpleString, cst.BinaryOperation,
    cst.UnaryOperation, cst.BaseBinaryOp, cst.BaseUnaryOp,
)


class TimeoutWithoutAwait(Rule):
    code = "AIO504"
    name = "timeout-without-await"
    message = (
        "'{scope}' in '{function}' has no await in its body, so the timeout can never fire; remove it "
        "and keep the body, or move the awaits it should bound into it"
    )
    fix_availability = "safe"
    # A timeout scope is called by one of its names (or imported under another: `... as`).
    needs = (
        # ... as an item of a with in async code whose body cannot suspend.
        Needs(calls=known.last_names(primitives.TIMEOUT_SCOPES), idle_with=True,
              imports=("asyncio", "async_timeout", "anyio", "trio")),
    )
    docs = RuleDocs(
        what=(
            "Checks for `async with asyncio.timeout(...)` (`timeout_at`, `async_timeout.timeout`, "
            "`anyio.fail_after`/`move_on_after`, and trio's `fail_after`/`fail_at`/`move_on_after`/"
            "`move_on_at`, with `with` or `async with`) whose body has no `await`, `async for` or "
            "`async with`."
        ),
        why=(
            "A timeout cancels the task at its next suspension point. A body with none runs to the "
            "end however long it takes, so the timeout never fires: it only looks like protection. "
            "Usually the await it was meant to bound sits just after the block."
        ),
        example=(
            "import asyncio\n\n"
            "async def fetch(session, url):\n"
            "    async with asyncio.timeout(10):\n"
            "        request = session.get(url)\n"
            "    return await request\n"
        ),
        use_instead=(
            "async def fetch(session, url):\n"
            "    request = session.get(url)\n"
            "    return await request\n"
        ),
        fix_safety=(
            "Safe: a timeout whose body cannot suspend never fires, so the fix removes the context "
            "manager and keeps its body, dedented (a comment after its colon moves to a line of its "
            "own); in a `with` of several context managers only the timeout goes. Not fixed when "
            "the timeout is bound with `as`, has arguments that call something, or when a comment "
            "would be lost. When the timeout was meant to bound the await after the block, move "
            "that await into the body instead (`return await request` inside the `async with`)."
        ),
    )

    def visit_With(self, node: cst.With) -> None:
        if not self.model.in_async_context:
            return
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and self.model.qualified_name(call.func) in primitives.TIMEOUT_SCOPES:
                break
        else:
            return
        timeout_item = item
        # A yield suspends too (an async generator's consumer runs in between).
        if self.model.awaits(node.body, yields=True):
            return
        shown = f"{'async with' if node.asynchronous is not None else 'with'} {self.shown(call.func)}(...)"
        self.report(node, fix=self._fix(node, timeout_item), scope=shown, function=self.model.function_name)

    def _fix(self, node: cst.With, timeout_item: cst.WithItem) -> Optional[Fix]:
        call = timeout_item.item
        if timeout_item.asname is not None or not all(consists_of(a.value, _PLAIN) for a in call.args):
            return None
        if len(node.items) > 1:
            return self._drop_item(node, timeout_item)
        header = node.with_changes(leading_lines=[], body=cst.SimpleStatementSuite(body=[cst.Pass()]))
        if "#" in edits.code(header):
            return None  # a comment between `with` and `:` would be lost
        body = node.body
        if isinstance(body, cst.SimpleStatementSuite):
            if body.leading_whitespace.value.strip() or body.trailing_whitespace.comment is not None:
                return None
            smalls = list(body.body)
            smalls[-1] = smalls[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            new = cst.SimpleStatementLine(
                body=smalls, leading_lines=node.leading_lines, trailing_whitespace=body.trailing_whitespace
            )
            replacement = new
        else:
            if any(line.comment is not None for line in body.footer):
                return None
            statements = list(body.body)
            first = statements[0]
            # A comment after the colon becomes a line of its own above the body.
            header = [cst.EmptyLine(comment=body.header.comment)] if body.header.comment is not None else []
            statements[0] = first.with_changes(leading_lines=[*node.leading_lines, *header, *first.leading_lines])
            replacement = cst.FlattenSentinel(statements) if len(statements) > 1 else statements[0]
        return self.make_fix("Remove the timeout, keep its body", [(node, replacement)], safe=True)

    def _drop_item(self, node: cst.With, timeout_item: cst.WithItem) -> Optional[Fix]:
        """`with timeout(1), open(f):` -> `with open(f):` (the other context managers stay)."""
        comma = timeout_item.comma
        if "#" in self.code_of(timeout_item) or (isinstance(comma, cst.Comma) and "#" in edits.code(comma)):
            return None  # a comment would be lost, or moved to another item
        items = [item for item in node.items if item is not timeout_item]
        if timeout_item is node.items[-1]:
            items[-1] = items[-1].with_changes(comma=timeout_item.comma)
        return self.make_fix(
            "Remove the timeout, keep the other context managers",
            [(node, node.with_changes(items=items))],
            safe=True,
        )
