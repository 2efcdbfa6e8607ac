from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import dotted_name, flow, known, primitives
from aiolint.semantics.types import library_type


class ThreadLockAcrossAwait(Rule):
    code = "AIO502"
    name = "thread-lock-across-await"
    message = (
        "{kind} '{lock}' is held across an await in '{function}': a task that takes it meanwhile "
        "blocks the event loop thread; use '{replacement}' and 'async with'"
    )
    # The lock comes from `threading` (or `_thread`) in this module: a call of its class anywhere
    # (module level, class body, a method), or an annotation naming it (`lock: threading.Lock`);
    # and async code holds it. (A lock imported from the project: the project index adds the rule.)
    needs = (
        Needs(Where.ANY, built=known.last_names(primitives.THREAD_LOCKS),
              annotated=known.last_names(primitives.THREAD_LOCKS), imports=("threading", "_thread"),
              shapes=frozenset({Shape.ASYNC_CODE})),
    )
    docs = RuleDocs(
        what=(
            "Checks, in async functions, for a `threading.Lock`, `RLock`, `Semaphore`, "
            "`BoundedSemaphore` or `Condition` held across an `await`: `with lock:` whose body "
            "awaits, or `lock.acquire()` followed by an await before `lock.release()`. A lock is "
            "recognised wherever the model knows what an expression is: a call, a name bound to "
            "one, an annotated parameter, `self.x` assigned or declared one in the class, or a "
            "module-level lock, here or imported from another module of the project."
        ),
        why=(
            "A thread lock blocks the whole thread. While the task that holds it is suspended, "
            "another task on the same loop that tries to take it blocks the event loop thread, "
            "so the holder never resumes to release it: a deadlock (an `RLock` does not even "
            "exclude the other task, both run on the same thread). An `asyncio.Lock` suspends "
            "only the waiting task."
        ),
        example=(
            "import threading\n\n"
            "lock = threading.Lock()\n\n\n"
            "async def update(cache, key, fetch):\n"
            "    with lock:\n"
            "        cache[key] = await fetch(key)\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "lock = asyncio.Lock()\n\n\n"
            "async def update(cache, key, fetch):\n"
            "    async with lock:\n"
            "        cache[key] = await fetch(key)\n"
        ),
    )

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None or not self.model.in_async_context:
            return
        if not self.model.awaits(node.body):
            return
        for item in node.items:
            kind = self._thread_lock(item.item)
            if kind is not None:
                self._report(item.item, kind)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if not self.model.in_async_context:
            return
        for small in node.body:
            lock = _acquired(small)
            if lock is None:
                continue
            kind = self._thread_lock(lock)
            if kind is not None and self._awaits_before_release(node, dotted_name(lock)):
                self._report(small.value, kind)

    def _thread_lock(self, expr: cst.BaseExpression) -> Optional[str]:
        """The thread-lock type `expr` is (`threading.Lock`, ...), from the model's `type_of`."""
        found = library_type(self.model.type_of(expr))
        return found if found in primitives.THREAD_LOCKS else None

    def _awaits_before_release(self, statement: cst.SimpleStatementLine, lock: Optional[str]) -> bool:
        """After `statement` in its block, is there an await before `<lock>.release()`?"""
        block = self.model.parent
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or lock is None:
            return False
        position = next((i for i, s in enumerate(body) if s is statement), None)
        if position is None:
            return False
        return flow.suspends_before(body[position + 1 :], lambda call: _releases(call, lock))

    def _report(self, lock: cst.BaseExpression, kind: str) -> None:
        role = primitives.THREAD_LOCKS[kind]
        self.report(
            lock,
            kind=kind,
            lock=self.shown(lock.func.value if isinstance(lock, cst.Call) and _is_acquire(lock) else lock),
            function=self.model.function_name,
            replacement=primitives.ASYNC_LOCKS[self.model.async_library][role],
        )


def _is_acquire(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "acquire"


def _acquired(small: cst.BaseSmallStatement) -> Optional[cst.BaseExpression]:
    """For `<lock>.acquire(...)` as a statement: the lock expression."""
    value = small.value if isinstance(small, cst.Expr) else None
    if isinstance(value, cst.Call) and _is_acquire(value):
        return value.func.value
    return None


def _releases(call: cst.Call, lock: str) -> bool:
    """`<lock>.release()`."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "release" and dotted_name(func.value) == lock
