"""Library facts about cancellation, locks, timeouts and generators, kept as data.

A sibling of `known.py`: the tables the cancellation / structured-concurrency rules
(AIO500-AIO504) and the model's questions about them read.
"""
from __future__ import annotations

# Exceptions that carry cancellation: a handler catching one of these (or a base of it)
# catches the cancellation of the task. Value: the event loops whose cancellation it is.
CANCELLATION_ERRORS = {
    "asyncio.CancelledError": frozenset({"asyncio"}),
    "asyncio.exceptions.CancelledError": frozenset({"asyncio"}),
    "trio.Cancelled": frozenset({"trio"}),
    "builtins.BaseException": frozenset({"asyncio", "trio"}),
}
# Calls that return the cancellation exception class (`except anyio.get_cancelled_exc_class():`),
# whichever loop anyio runs on.
CANCELLATION_ERROR_FACTORIES = {"anyio.get_cancelled_exc_class": frozenset({"asyncio", "trio"})}

# Context managers that swallow the exceptions they are given.
SUPPRESS_FUNCTIONS = frozenset({"contextlib.suppress"})

# Sleep functions, by library: what a polling loop calls.
SLEEP_FUNCTIONS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "trio.sleep", "anyio.sleep"})

# Thread locks, by their type in `library.py` (what builds one, `_thread.allocate_lock` included, is
# there: the model's `type_of` knows them); value: the class of the same role in each async library.
THREAD_LOCKS = {
    "threading.Lock": "Lock",
    "threading.RLock": "Lock",
    "threading.Semaphore": "Semaphore",
    "threading.BoundedSemaphore": "BoundedSemaphore",
    "threading.Condition": "Condition",
}
# The async lock to use instead, per library and role (trio has no BoundedSemaphore:
# its Semaphore takes max_value).
ASYNC_LOCKS = {
    "asyncio": {"Lock": "asyncio.Lock", "Semaphore": "asyncio.Semaphore",
                "BoundedSemaphore": "asyncio.BoundedSemaphore", "Condition": "asyncio.Condition"},
    "trio": {"Lock": "trio.Lock", "Semaphore": "trio.Semaphore",
             "BoundedSemaphore": "trio.Semaphore", "Condition": "trio.Condition"},
    "anyio": {"Lock": "anyio.Lock", "Semaphore": "anyio.Semaphore",
              "BoundedSemaphore": "anyio.Semaphore", "Condition": "anyio.Condition"},
}

# Timeout scopes: a deadline that can only fire at a suspension point inside the body.
TIMEOUT_SCOPES = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "asyncio.timeouts.timeout",
        "asyncio.timeouts.timeout_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.move_on_after",
        "trio.fail_after",
        "trio.fail_at",
        "trio.move_on_after",
        "trio.move_on_at",
    }
)

# Decorators that turn a generator into a context manager (the decorator drives it to the end).
CONTEXT_MANAGER_DECORATORS = frozenset(
    {
        "contextlib.asynccontextmanager",
        "contextlib.contextmanager",
    }
)
# Decorators of pytest fixtures (a generator fixture is driven to the end by pytest).
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})

# Calls that only read in-process state another task changes (a busy-wait can poll them):
# builtins by qualified name, methods by attribute name. Any other call in a polled condition
# may read outside state (a file, a subprocess, a clock, a server) no Event could signal.
STATE_READING_FUNCTIONS = frozenset({"builtins.len", "builtins.bool", "builtins.any", "builtins.all"})
STATE_READING_METHODS = frozenset({"is_set", "done", "cancelled", "empty", "full", "locked", "qsize"})

# Cancel scopes and task groups: leaving one while suspended at a yield misdirects its
# cancellation, however many times the generator yields.
CANCEL_SCOPES = TIMEOUT_SCOPES | frozenset(
    {
        "asyncio.TaskGroup",
        "asyncio.taskgroups.TaskGroup",
        "anyio.create_task_group",
        "anyio.CancelScope",
        "trio.open_nursery",
        "trio.CancelScope",
    }
)
