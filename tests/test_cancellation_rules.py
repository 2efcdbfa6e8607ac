"""AIO500-AIO504: whole messages and positions, in asyncio and in trio/anyio spelling."""
from __future__ import annotations

import pytest

from aiolint.core import pipeline as engine
from aiolint.core.settings import Settings

CASES = [
    (
        "AIO500",
        "import asyncio\n\nasync def f(q):\n    try:\n        await q.get()\n    except asyncio.CancelledError:\n"
        "        pass\n",
        (6, 5),
        "'except asyncio.CancelledError' catches the cancellation of an await in 'f' and does not re-raise "
        "it, so the task cannot be cancelled; re-raise after cleanup with a bare 'raise'",
    ),
    (
        "AIO500",
        "import asyncio\nfrom contextlib import suppress\n\nasync def f(job):\n"
        "    with suppress(asyncio.CancelledError):\n        await job\n",
        (5, 10),
        "'suppress(asyncio.CancelledError)' catches the cancellation of an await in 'f' and does not "
        "re-raise it, so the task cannot be cancelled; re-raise after cleanup with a bare 'raise'",
    ),
    (
        "AIO500",
        "import trio\n\nasync def f(q):\n    try:\n        await q.get()\n    except:\n        return\n",
        (6, 5),
        "bare 'except:' catches the cancellation of an await in 'f' and does not re-raise it, so the task "
        "cannot be cancelled; re-raise after cleanup with a bare 'raise'",
    ),
    (
        "AIO501",
        "import asyncio\n\nasync def f(self):\n    while not self.ready:\n        await asyncio.sleep(0.1)\n",
        (4, 5),
        "while loop in 'f' polls 'not self.ready' with asyncio.sleep(); wait on asyncio.Event, set "
        "where the condition changes: 'await event.wait()'",
    ),
    (
        "AIO501",
        "import trio\n\nasync def f(self):\n    while not self.ready:\n        await trio.sleep(0.1)\n",
        (4, 5),
        "while loop in 'f' polls 'not self.ready' with trio.sleep(); wait on trio.Event, set "
        "where the condition changes: 'await event.wait()'",
    ),
    (
        "AIO502",
        "import threading\n\nclass C:\n    def __init__(self):\n        self._lock = threading.Lock()\n\n"
        "    async def f(self, fetch):\n        with self._lock:\n            await fetch()\n",
        (8, 14),
        "threading.Lock 'self._lock' is held across an await in 'f': a task that takes it meanwhile "
        "blocks the event loop thread; use 'asyncio.Lock' and 'async with'",
    ),
    (
        "AIO502",
        "import anyio\nimport threading\n\nsem = threading.BoundedSemaphore(2)\n\nasync def f(fetch):\n"
        "    sem.acquire()\n    await fetch()\n    sem.release()\n",
        (7, 5),
        "threading.BoundedSemaphore 'sem' is held across an await in 'f': a task that takes it meanwhile "
        "blocks the event loop thread; use 'anyio.Semaphore' and 'async with'",
    ),
    (
        "AIO503",
        "async def rows(pool):\n    async with pool.acquire() as conn:\n        async for row in conn:\n"
        "            yield row\n",
        (4, 13),
        "yield inside 'async with pool.acquire' in async generator 'rows': its cleanup runs only when the "
        "generator is closed, maybe in another task or never; use 'async with "
        "contextlib.aclosing(rows(...))' at the consumer, or return a list",
    ),
    (
        "AIO504",
        "import asyncio\n\nasync def f(data):\n    async with asyncio.timeout(1):\n        data.sort()\n",
        (4, 5),
        "'async with asyncio.timeout(...)' in 'f' has no await in its body, so the timeout can never fire; "
        "remove it and keep the body, or move the awaits it should bound into it",
    ),
    (
        "AIO504",
        "import trio\n\nasync def f(data):\n    with trio.move_on_after(1):\n        data.sort()\n",
        (4, 5),
        "'with trio.move_on_after(...)' in 'f' has no await in its body, so the timeout can never fire; "
        "remove it and keep the body, or move the awaits it should bound into it",
    ),
]


@pytest.mark.parametrize("code, source, position, message", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_message_and_position(code, source, position, message):
    found = engine.lint(source.encode(), "case.py", Settings(select=(code,)))
    assert [(f.code, (f.line, f.col), f.message) for f in found] == [(code, position, message)]


def test_thread_lock_question_is_the_models():
    """Only what the model knows is a threading lock is reported: parameters and unknown attributes are not."""
    source = (
        "import threading\n\nclass C:\n    def __init__(self, lock):\n        self._lock = lock\n\n"
        "    async def f(self, lock, fetch):\n        with self._lock:\n            await fetch()\n"
        "        with lock:\n            await fetch()\n"
    )
    assert engine.lint(source.encode(), "case.py", Settings(select=("AIO502",))) == []
