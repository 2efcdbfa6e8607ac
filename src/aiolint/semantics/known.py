"""Facts about libraries, kept as data in one place so every rule reads the same table."""
from __future__ import annotations

from enum import Enum


class RunnerResult(Enum):
    """What the call of a thread-pool runner gives back (`Runner.returns`)."""

    COROUTINE = "coroutine"  # `asyncio.to_thread(f)`, `anyio.to_thread.run_sync(f)`: await it
    FUTURE = "future"  # `loop.run_in_executor(None, f)`: an asyncio future, await it
    CONCURRENT_FUTURE = "concurrent-future"  # `executor.submit(f, *args, **kwargs)`
    THREAD = "thread"  # `threading.Thread(target=f)`: nothing to await


# Library functions whose call returns a coroutine object (nothing runs until it is awaited).
COROUTINE_FUNCTIONS = frozenset(
    {
        "asyncio.sleep",
        "asyncio.wait",
        "asyncio.wait_for",
        "asyncio.to_thread",
        "asyncio.open_connection",
        "asyncio.open_unix_connection",
        "asyncio.start_server",
        "asyncio.start_unix_server",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "asyncio.staggered.staggered_race",
        "starlette.concurrency.run_in_threadpool",
        "starlette.concurrency.run_until_first_complete",
        "fastapi.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "anyio.to_process.run_sync",
        "anyio.sleep",
        "anyio.sleep_forever",
        "anyio.sleep_until",
        "anyio.open_file",
        "anyio.run_process",
        "anyio.connect_tcp",
        "anyio.connect_unix",
        "trio.sleep",
        "trio.sleep_forever",
        "trio.sleep_until",
        "trio.to_thread.run_sync",
        "trio.open_tcp_stream",
        "trio.run_process",
        "aiofiles.open",
    }
)

# Decorators that keep an `async def` a coroutine function. Any other decorator
# may return something else (asynccontextmanager, a cache, a framework wrapper),
# so an `async def` carrying one is not "known" to be a coroutine function.
TRANSPARENT_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "abc.abstractmethod",
        "abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "override",
    }
)

# Thread-pool runners called by qualified name: qualified name -> what the call returns.
# (`loop.run_in_executor`, `executor.submit` and `threading.Thread` are matched by shape.)
THREAD_POOL_FUNCTIONS = {
    "asyncio.to_thread": RunnerResult.COROUTINE,
    "starlette.concurrency.run_in_threadpool": RunnerResult.COROUTINE,
    "fastapi.concurrency.run_in_threadpool": RunnerResult.COROUTINE,
    "anyio.to_thread.run_sync": RunnerResult.COROUTINE,
    "trio.to_thread.run_sync": RunnerResult.COROUTINE,
}

EXECUTOR_CLASSES = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)

# Functions known to return a callable: `f(x)` passed as a thread-pool callable is fine.
CALLABLE_FACTORIES = frozenset(
    {
        "functools.partial",
        "operator.attrgetter",
        "operator.itemgetter",
        "operator.methodcaller",
    }
)


# Functions whose call schedules a coroutine as a task (the result is a Task or Future).
TASK_FUNCTIONS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
    }
)

# Functions that return an event loop object.
EVENT_LOOP_FUNCTIONS = frozenset(
    {
        "asyncio.get_event_loop",
        "asyncio.get_running_loop",
        "asyncio.new_event_loop",
        "asyncio.events.get_event_loop",
        "asyncio.events.get_running_loop",
        "asyncio.events.new_event_loop",
    }
)

# Classes whose instance, entered with `async with`, supervises the tasks created through it.
TASK_GROUP_CLASSES = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})

# Functions that wait on a collection of awaitables and, since Python 3.11, accept only
# futures and tasks (coroutine objects raise TypeError).
WAIT_FUNCTIONS = frozenset({"asyncio.wait", "asyncio.tasks.wait"})

# Functions that schedule a coroutine on an event loop from another thread and return a
# `concurrent.futures.Future` (its `.result()` blocks the calling thread).
THREADSAFE_SUBMIT_FUNCTIONS = frozenset(
    {"asyncio.run_coroutine_threadsafe", "asyncio.tasks.run_coroutine_threadsafe"}
)

# Calls that build a new, empty-or-fresh container: a local bound to one is private to the
# function until it is passed on.
FRESH_CONTAINER_FACTORIES = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.Counter",
        "collections.OrderedDict",
        "collections.deque",
    }
)


def last_names(qualified_names) -> frozenset:
    """The last part of each qualified name: how a call of it ends (`asyncio.sleep` -> `sleep`)."""
    return frozenset(name.rsplit(".", 1)[-1] for name in qualified_names)


# The last name part of every thread-pool runner call: `asyncio.to_thread`, `loop.run_in_executor`,
# `executor.submit`, `threading.Thread(target=...)`.
THREAD_POOL_CALL_NAMES = last_names(THREAD_POOL_FUNCTIONS) | {"run_in_executor", "submit", "Thread"}
