from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import has_to_thread, to_thread_fix, to_thread_text
from aiolint.semantics import dotted_name, library
from aiolint.semantics.values import is_zero_or_false

# Kinds of receiver, by the model's type of it (the waiting methods are in the library table).
_KINDS = {
    "threading.Thread": "thread",
    "threading.Event": "event",
    "threading.Lock": "lock",
    "threading.RLock": "lock",
    "threading.Semaphore": "semaphore",
    "threading.BoundedSemaphore": "semaphore",
    "threading.Condition": "condition",
    "queue.Queue": "queue",
    "queue.SimpleQueue": "queue",
    "concurrent.futures.Future": "future",
    "celery.AsyncResult": "celery",
}
_WAITING = frozenset({"join", "wait", "wait_for", "acquire", "get", "put", "result", "input"})
_CELERY_SENDS = frozenset(library.ANY_RECEIVER_METHODS)  # `task.delay(...)`: a Celery result
# What builds (or declares) a receiver this rule waits on, in view of the wait: a threading or
# queue class, `executor.submit`, or an annotation naming one.
_BUILDERS = frozenset(q.rsplit(".", 1)[1] for q, kind in library.CLASSES.items() if kind in _KINDS) | {"submit"}
_DECLARED = _BUILDERS | frozenset(q.rsplit(".", 1)[1] for q in _KINDS)

# Where a method takes `block`/`blocking` and `timeout` positionally (index), for "returns at once".
_BLOCK_INDEX = {"acquire": 0, "get": 0, "put": 1}
_TIMEOUT_INDEX = {"acquire": 1, "get": 1, "put": 2, "wait_for": 1}

# Waiting on these from a worker thread is wrong (lock ownership), so they get no to_thread fix.
_NO_THREAD_FIX = frozenset({"lock", "semaphore", "condition"})
_NATIVE = {
    "event": "Event",
    "lock": "Lock",
    "semaphore": "Semaphore",
    "condition": "Condition",
}


class BlockingWait(BlockingCallRule):
    code = "AIO105"
    name = "blocking-wait"
    fix_availability = "unsafe"
    needs = (
        Needs(
            calls=_WAITING | {"wait_for"}, imports=("threading", "queue", "concurrent"), built=_BUILDERS,
            annotated=_DECLARED,
        ),
        Needs(Where.ANY, calls=_CELERY_SENDS, shapes=frozenset({Shape.ASYNC_CODE})),
        Needs(calls=frozenset({"input"})),
    )
    docs = RuleDocs(
        what=(
            "Checks for calls in async functions that wait for another thread or process: `.get()` "
            "on a Celery result (`task.delay(...)`, `task.apply_async(...)`), `.result()` on "
            "`executor.submit(...)`, `.join()`/`.wait()`/`.acquire()` on `threading.Thread`, "
            "`Event`, `Lock`, `Semaphore` and `Condition`, `.get()`/`.put()`/`.join()` on "
            "`queue.Queue`, and `input()`. Only receivers built that way in view (chained, or a "
            "name bound once to such a call) are reported: `dict.get`, `asyncio.Event.wait` and "
            "`str.join` look the same and are fine."
        ),
        why=(
            "These calls park the calling thread until some other thread, process or person "
            "acts. On the event loop's thread that stops every task, and if the thing being "
            "waited for needs the loop to make progress, it never finishes: a deadlock."
        ),
        example=(
            "from concurrent.futures import ThreadPoolExecutor\n\n"
            "POOL = ThreadPoolExecutor()\n\n"
            "async def render(page):\n"
            "    future = POOL.submit(page.render)\n"
            "    return future.result()\n"
        ),
        use_instead=(
            "import asyncio\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "\n"
            "POOL = ThreadPoolExecutor()\n"
            "\n"
            "async def render(page):\n"
            "    future = POOL.submit(page.render)\n"
            "    return await asyncio.to_thread(future.result)\n"
        ),
        fix_safety=(
            "Unsafe, and only for a plain call on a name (or `input()`): the fix waits in a worker "
            "thread with `await asyncio.to_thread(future.result)`. Locks, semaphores and "
            "conditions get no fix, because acquiring them in a worker thread changes which "
            "thread owns them. Awaiting the work itself "
            "(`await loop.run_in_executor(POOL, page.render)`) is the better end state."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _WAITING:
            return None
        library = self.model.async_library
        if self.model.qualified_name(func) == "builtins.input":
            replacement = to_thread_text(call, library, self.settings.target_version)
            return Blocking("input", replacement, fix=to_thread_fix(self, call))
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        kind = self._receiver_kind(func.value)
        if kind is None:
            return None
        kind_name, built_by, methods = kind
        if method not in methods or _returns_at_once(call, method):
            return None
        callee = f"{built_by}.{method}"
        if kind_name in _NO_THREAD_FIX:
            native = f"{library}.{_NATIVE[kind_name]}"
            modern = has_to_thread(library, self.settings.target_version)
            runner = f"{library}.to_thread" if modern else "a worker thread"
            return Blocking(callee, f"{native}, or keep the threading one inside code run by {runner}")
        fix = to_thread_fix(self, call) if isinstance(func.value, cst.Name) else None
        thread = to_thread_text(call, library, self.settings.target_version)
        if kind_name == "event":
            thread = f"{library}.Event, or {thread}"
        elif kind_name == "queue" and library == "asyncio":
            thread = f"asyncio.Queue, or {thread}"
        elif kind_name == "future" and library == "asyncio":
            thread = f"'await loop.run_in_executor(executor, fn, ...)' instead of submit, or {thread}"
        return Blocking(callee, thread, fix=fix)

    def _receiver_kind(self, receiver: cst.BaseExpression) -> Optional[Tuple[str, str, frozenset]]:
        """(kind, what it is as shown, waiting methods) for `receiver`, from what the model knows it is."""
        found = self.model.type_of(receiver)
        if found is None or found.name not in _KINDS:
            return None
        _, methods, _ = library.BLOCKING[found.name]
        if found.name == "queue.Queue" and not found.bounded:
            methods = methods - {"put"}  # an unbounded queue's put never waits
        kind = _KINDS[found.name]
        shown = found.name
        if kind in ("celery", "future"):
            # What built it, as the code spells it (`POOL.submit(...)`, `add.delay(...)`): the call
            # itself, or the one call a name holds; else the type.
            built = receiver if isinstance(receiver, cst.Call) else None
            if built is None and isinstance(receiver, cst.Name):
                held = self.model.holds_call(receiver.value)
                built = held[1] if held is not None else None
            called = dotted_name(built.func) if built is not None else None
            shown = f"{called}(...)" if called else found.name
        return kind, shown, methods & {"join", "wait", "wait_for", "acquire", "get", "put", "result"}


def _argument(call: cst.Call, index: Optional[int], keyword: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if index is not None and index < len(positional):
        return positional[index].value
    return None


def _returns_at_once(call: cst.Call, method: str) -> bool:
    """`lock.acquire(False)`, `q.get(block=False)`, `event.wait(0)`: a poll, not a wait."""
    block_keyword = "blocking" if method == "acquire" else "block"
    if method in _BLOCK_INDEX and is_zero_or_false(_argument(call, _BLOCK_INDEX[method], block_keyword)):
        return True
    return is_zero_or_false(_argument(call, _TIMEOUT_INDEX.get(method, 0), "timeout"))
