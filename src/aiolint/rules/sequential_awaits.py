"""AIO400 sequential-awaits, and the run analysis AIO401 shares.

A *run* is a stretch of consecutive statements of one block, each awaiting one
thing (`await x`, `name = await x`, `name: T = await x`, and a closing
`return await x`). Runs never cross a block boundary: they are taken from the
body of one block, and any compound statement or other statement ends them.

The hard part is saying "independent" only when it is: every reason two awaits
may depend on each other that we can see in the code keeps them apart, and
anything we cannot classify is not a candidate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from aiolint.fixes import build as edits
from aiolint.core.findings import REMOVE, Fix, Replacement
from aiolint.core.needs import Needs, Shape
from aiolint.core.rule import Rule, RuleDocs
from aiolint.semantics import dotted_name
from aiolint.semantics.scopes import CLASSDEF, DEF, IMPORT
from aiolint.core.walk import iter_nodes

# ---------------------------------------------------------------------------------- triggers
# A statement line that starts with an await, optionally assigned to a name.
_TARGET = r"\w+[ \t]*(?::[^=\n]+)?=[ \t]*"
# The rest of a logical line: skips over triple-quoted strings, which may span lines and
# hold text at any indentation. `(?=(...))\N` makes it atomic (no backtracking blow-up).
_REST = r"""(?=((?:[^\n"']|"(?!"")|'(?!'')|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?''')*))\{n}(?:\n|\Z)"""
# Lines that may follow a statement's first line before the next statement at the
# same indentation: blank or comment lines, deeper continuation lines, closing brackets
# (at any indentation). Not seen: arguments inside brackets indented *less* than the
# statement, and backslash continuations of the first line before `await`.
_BETWEEN = r"(?:[ \t]*(?:\#[^\r\n]*)?\r?\n|(?P=i)[ \t]+(?=[^\s#])%s|[ \t]*[)\]}]%s)*"


def _rest(group: int) -> str:
    return _REST.replace(r"\{n}", f"\\{group}")


# Two await statements in a row at the same indentation, or two on one line (`;`).
CONSECUTIVE_AWAITS = (
    r"(?:^(?P<i>[ \t]*)(?:%s)?await\b%s%s(?P=i)(?:%s|return[ \t]+)?await\b"
    % (_TARGET, _rest(2), _BETWEEN % (_rest(3), _rest(4)), _TARGET)
    + r"|\bawait\b[^\n;]*;[ \t]*(?:%s|return[ \t]+)?await\b)" % _TARGET
)

# ---------------------------------------------------------------------------------- name facts
# Steps whose order is the point (spec list), matched on the callee's last name.
_ORDERED_NAMES = frozenset(
    {
        "close", "aclose", "wait_closed", "shutdown", "start", "stop", "connect", "disconnect",
        "commit", "rollback", "flush", "drain", "cancel", "acquire", "release",
    }
)
_ORDERED_PREFIXES = ("send", "write", "put", "publish", "set", "insert", "update", "delete", "execute")
# More steps that are ordered in practice (found judging real code): side effects announced
# to others, lifecycle and state changes, and preconditions checked before the next step.
_MORE_ORDERED_PREFIXES = (
    # announced to others
    "record", "log", "emit", "dispatch", "fire", "trigger", "notify", "signal", "on_", "handle",
    "broadcast", "reply", "respond", "answer", "ack", "nack", "eof",
    # lifecycle
    "prepare", "init", "setup", "teardown", "cleanup", "open", "close", "shutdown", "start", "stop",
    "restart", "reload", "run", "serve", "login", "logout", "enter", "exit", "begin", "finish",
    "complete", "end", "abort", "kill", "terminate", "pause", "resume", "wake", "schedule", "retry",
    # state changes
    "reset", "clear", "register", "unregister", "subscribe", "unsubscribe", "create", "add", "remove",
    "push", "pop", "save", "store", "edit", "invoke", "apply", "refresh", "sync", "migrate", "post",
    "patch", "upload", "upsert", "merge", "append", "extend", "replace", "modify", "mutate", "change",
    "move", "rename", "copy", "mark", "enqueue", "dequeue", "incr", "decr", "increment", "decrement",
    "drop", "truncate", "destroy", "dispose", "purge", "evict", "expire", "invalidate", "revoke",
    "grant", "approve", "confirm", "accept", "reject", "transfer", "pay", "charge", "refund",
    "install", "uninstall", "deploy", "mount", "attach", "detach", "bind", "unbind", "make", "mk",
    # preconditions for what follows, and pacing
    "check", "ensure", "validate", "verify", "assert", "require", "raise", "guard", "auth",
    "throttle", "wait", "join", "lock", "unlock",
)
# More verbs (first word of a name) of steps that are ordered in practice: loading and
# processing state, and filesystem changes.
_MORE_ORDERED_VERBS = (
    "load", "process", "populate", "restore", "persist", "enable", "disable", "forward", "unload",
    "unlink", "rm", "chmod", "chown", "symlink", "link", "touch", "fsync",
)
# Words that name a lifecycle, persistence or registration step wherever they stand in a
# name (`config_entry_first_refresh`, `forward_entry_setups`, `srv_save_devices`). Only
# words that are hardly ever nouns of plain reads: not `load`, `stop`, `open`, `process`.
_ORDERED_WORDS = frozenset(
    {
        "setup", "teardown", "init", "initialize", "initialise", "reload", "unload", "refresh",
        "migrate", "register", "unregister", "subscribe", "unsubscribe", "restore", "enable",
        "disable", "startup", "shutdown", "restart", "connect", "disconnect", "reconnect", "commit",
        "rollback", "flush", "save", "persist", "delete", "unlink", "reset", "login", "logout",
        "install", "uninstall", "populate",
    }
)
# Django's async ORM and several clients prefix the listed steps with `a` (`aclose`, `asave`).
_A_PREFIXED = frozenset(
    {
        "close", "shutdown", "start", "stop", "connect", "disconnect", "commit", "rollback",
        "flush", "drain", "cancel", "release", "send", "write", "put", "publish", "set", "insert",
        "update", "delete", "execute", "save", "create", "refresh",
    }
)
# Names of runners we do not know by their qualified name (`hass.async_add_executor_job`)
# are made of these words, with at least one naming the worker.
_WORKER_WORDS = frozenset({"executor", "thread", "threadpool", "worker"})
_RUNNER_WORDS = frozenset({"add", "run", "submit", "job", "in", "on", "to", "import", "sync", "blocking"})
# Module functions that change the filesystem (often handed to a thread-pool runner).
_FILESYSTEM_CHANGES = frozenset(
    {
        "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.renames", "os.replace",
        "os.mkdir", "os.makedirs", "os.symlink", "os.link", "os.chmod", "os.chown", "os.lchown",
        "os.truncate", "os.utime", "os.fsync",
    }
)
_READ_ONLY_SHUTIL = frozenset({"shutil.which", "shutil.disk_usage", "shutil.get_terminal_size"})
# Functions that are lifecycle or cleanup steps themselves: their awaits are ordered.
_LIFECYCLE_PREFIXES = (
    "setup", "teardown", "cleanup", "init", "start", "stop", "close", "aclose", "shutdown", "open",
    "connect", "disconnect", "restart", "reload", "reset", "run", "serve", "login", "logout", "migrate",
    "commit", "rollback", "release", "acquire", "wait_closed", "drain", "cancel", "finish", "dispose",
    "unload", "bootstrap",
)
# ... and functions with one of these words anywhere in the name (`async_platform_setup`,
# `_async_finish_startup`, `async_setup_integration`).
_LIFECYCLE_WORDS = frozenset(
    {
        "setup", "setups", "teardown", "startup", "shutdown", "init", "initialize", "initialise",
        "cleanup", "migrate", "migration", "unload", "reload", "bootstrap",
    }
)
# Context managers whose body is serial by design (one transaction, one lock holder).
_SERIAL_BLOCK = re.compile(r"transaction|atomic|begin|lock|mutex|semaphore", re.IGNORECASE)
# Argument names of resources that take one operation at a time (a DB connection, a
# cursor, a socket, a stream): two calls handed the same one may not overlap.
_STATEFUL_ARGUMENT = re.compile(
    r"^_*(?:conn|connection|cursor|cur|db|tx|txn|transaction|session|sess|ws|websocket|socket|sock|"
    r"stream|reader|writer|channel|chan|pipe|file|fp|fh|proc|process|client|protocol|transport)s?$",
    re.IGNORECASE,
)
# The application object a function-style API works on (Home Assistant's `@bind_hass`
# helpers: `async_get_integration(hass, domain)` is a method of `hass` in disguise): two
# calls handed the same one are methods of the same receiver, its registries and caches.
_APPLICATION_ARGUMENT = re.compile(r"^_*(?:hass|app|application)$")
# Clients documented as safe for concurrent requests: sharing one is what gather is for.
_CONCURRENT_CLIENTS = frozenset({"aiohttp.ClientSession", "httpx.AsyncClient"})
# Calls that already run things concurrently, or wait for things to happen in order.
_ORDERING_FUNCTIONS = frozenset(
    {
        "asyncio.gather", "asyncio.wait", "asyncio.as_completed", "asyncio.sleep", "trio.sleep",
        "anyio.sleep", "asyncio.wait_for_event",
    }
)
# Lock/event/queue/semaphore/condition operations (any receiver: the names are the API).
_SYNC_METHODS = frozenset({"wait", "wait_for", "notify", "notify_all", "join", "locked", "is_set", "clear"})
# Queue methods with names too common to match on any receiver.
_QUEUE_METHODS = frozenset({"get", "get_nowait", "put_nowait", "task_done"})
# Modules whose code is tests: there the order of the steps is what is being tested.
_TEST_IMPORT = r"^[ \t]*(?:import|from)[ \t]+(?:pytest|unittest|hypothesis)\b"
_TEST_MODULE = re.compile(_TEST_IMPORT, re.MULTILINE)
# Trigger: a module that is not a test module (the rule skips those whole).
NOT_A_TEST_MODULE = r"\A(?![\s\S]*%s)" % _TEST_IMPORT
_LIFECYCLE_FUNCTIONS = frozenset({"lifespan", "main_loop", "event_loop"})
_PRIMITIVE_RECEIVER = re.compile(
    r"(?:^|_)(?:r?lock|mutex|event|queue|q|sem|semaphore|cond|condition|barrier|latch|limiter)s?(?:$|_)",
    re.IGNORECASE,
)
# Wrappers whose first argument is the real work.
_WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.shield", "anyio.fail_after", "trio.fail_after"})


def _last_name(func: cst.BaseExpression) -> Optional[str]:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> List[str]:
    """The lowercase words of a snake_case or camelCase name, without its conventional
    async markers: `_async_update_token` -> update, token; `closeAsync` -> close;
    `aclose` -> close (Django's `a` prefix, on the listed steps only)."""
    words = [w.lower() for part in name.split("_") for w in _WORD.findall(part)]
    while words and words[0] == "async":
        del words[0]
    while words and words[-1] == "async":
        del words[-1]
    if words and words[0][:1] == "a" and words[0][1:] in _A_PREFIXED:
        words[0] = words[0][1:]
    return words


def _plural(word: str, words: FrozenSet[str]) -> bool:
    return word in words or (word.endswith("s") and word[:-1] in words)


def ordering_name(name: str) -> bool:
    """A callee name that marks a step whose order matters (sleep included).

    The name is read without its async markers (`async_`, `_async_`, `_async`, leading
    underscores, Django's `a` before a listed step): its first word is the verb, matched
    against the spec's steps and our longer list; lifecycle and persistence words
    (`setup`, `refresh`, `save`, ...) count wherever they stand.
    """
    if name.startswith("__") and name.endswith("__"):
        return True  # protocol steps: __aenter__, __aexit__, ...
    if "sleep" in name.lower():
        return True
    legacy = name.lstrip("_").lower()  # the camelCase spelling, read whole
    if legacy in _ORDERED_NAMES or legacy.startswith(_ORDERED_PREFIXES + _MORE_ORDERED_PREFIXES):
        return True
    words = name_words(name)
    if not words:
        return False
    plain = "_".join(words)
    return (
        plain in _ORDERED_NAMES
        or plain.startswith(_ORDERED_PREFIXES)
        or plain.startswith(_MORE_ORDERED_PREFIXES)
        or words[0] in _MORE_ORDERED_VERBS
        or any(_plural(word, _ORDERED_WORDS) for word in words)
    )


def lifecycle_function(name: str) -> bool:
    """A function that is a lifecycle or cleanup step itself (`setup`, `async_setup_entry`,
    `_async_finish_startup`): the order of its awaits is the point."""
    if name in _LIFECYCLE_FUNCTIONS or name.lstrip("_").lower().startswith(_LIFECYCLE_PREFIXES):
        return True
    words = name_words(name)
    plain = "_".join(words)
    return bool(words) and (
        plain in _LIFECYCLE_FUNCTIONS
        or plain.startswith(_LIFECYCLE_PREFIXES)
        or any(word in _LIFECYCLE_WORDS for word in words)
    )


def root_name(expr: cst.BaseExpression) -> Optional[str]:
    """The name an attribute/subscript/call chain starts from: `self` for `self.a[0].b()`."""
    while True:
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Name):
            return expr.value
        else:
            return None


# ---------------------------------------------------------------------------------- steps
@dataclass
class Step:
    """One statement of a run: `[target[: annotation] =] await value` or `return await value`."""

    line: Optional[cst.SimpleStatementLine]  # None in a one-line suite (`if x: await a(); ...`)
    small: cst.BaseSmallStatement
    value: cst.BaseExpression  # what is awaited
    target: Optional[cst.Name] = None
    annotation: Optional[cst.Annotation] = None
    is_return: bool = False
    # Filled in by the analysis of the awaited call:
    reads: FrozenSet[str] = frozenset()  # every name the awaited expression reads
    receivers: FrozenSet[str] = frozenset()  # root names of the objects whose methods it calls
    binding: Optional[cst.Call] = None  # AIO401: the call that made the awaited coroutine


def as_step(line: cst.SimpleStatementLine, small: cst.BaseSmallStatement) -> Optional[Step]:
    """The await statement forms a run is made of (only the spellings the trigger sees)."""
    if isinstance(small, cst.Expr):
        value, target, annotation = small.value, None, None
    elif isinstance(small, cst.Assign):
        if len(small.targets) != 1:
            return None
        value, target, annotation = small.value, small.targets[0].target, None
    elif isinstance(small, cst.AnnAssign):
        value, target, annotation = small.value, small.target, small.annotation
    elif isinstance(small, cst.Return):
        value, target, annotation = small.value, None, None
    else:
        return None
    if not isinstance(value, cst.Await) or value.lpar:
        return None
    if target is not None and (not isinstance(target, cst.Name) or target.lpar):
        return None
    return Step(line, small, value.expression, target, annotation, isinstance(small, cst.Return))


def sequences(block: Union[cst.IndentedBlock, cst.SimpleStatementSuite]) -> Iterator[List[Optional[Step]]]:
    """Stretches of consecutive statements of one block that may hold runs, in order.

    Lines holding one await statement chain together; a line of several `;`-separated
    statements is a stretch of its own (so a fix never splits a line), with None for
    each statement there that is not an await.
    """
    if isinstance(block, cst.SimpleStatementSuite):
        yield _line_steps(None, block.body)
        return
    current: List[Optional[Step]] = []
    for statement in block.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            step = as_step(statement, statement.body[0])
            if step is not None:
                current.append(step)
                continue
        if current:
            yield current
            current = []
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) > 1:
            yield _line_steps(statement, statement.body)
    if current:
        yield current


def _line_steps(line, smalls: Sequence[cst.BaseSmallStatement]) -> List[Optional[Step]]:
    return [as_step(line, small) for small in smalls]


def split_runs(steps: Sequence[Optional[Step]], candidate, compatible) -> Iterator[List[Step]]:
    """Greedy runs of candidates, each compatible with every earlier member of its run."""
    run: List[Step] = []
    for step in steps:
        if step is None or not candidate(step):
            if len(run) >= 2:
                yield run
            run = []
            continue
        if all(compatible(earlier, step) for earlier in run):
            run.append(step)
        else:
            if len(run) >= 2:
                yield run
            run = [step]
        if step.is_return:
            if len(run) >= 2:
                yield run
            run = []
    if len(run) >= 2:
        yield run


# ---------------------------------------------------------------------------------- fixes
def _has_comment(line: Optional[cst.SimpleStatementLine], leading: bool) -> bool:
    if line is None:
        return False
    if line.trailing_whitespace.comment is not None:
        return True
    return leading and any(empty.comment is not None for empty in line.leading_lines)


def _names_in(node: cst.CSTNode) -> Set[str]:
    return {n.value for n in iter_nodes(node) if isinstance(n, cst.Name)}


def plan_gather(
    rule: Rule,
    steps: Sequence[Step],
    awaitables: Sequence[cst.BaseExpression],
    shown: Sequence[str],
) -> Tuple[str, Optional[Fix]]:
    """The replacement text for the message, and the fix (None when we cannot write one safely)."""
    model = rule.model
    reference = model.module_reference("asyncio")
    gather_name = f"{reference[0] if reference else 'asyncio'}.gather"
    returning = steps[-1].is_return
    bound = [s.target.value if s.target is not None else None for s in steps]
    function = model.function
    used = _names_in(function) if function is not None else set()
    fresh = None
    if returning:
        fresh = next(
            (n for n in ("result", "result_", "gathered") if n not in used and model.lookup(n) is None), None
        )
        bound[-1] = fresh
    placeholder = any(b is None for b in bound) and any(b is not None for b in bound)
    targets = [b if b is not None else "_" for b in bound]
    call_text = f"{gather_name}({', '.join(shown)})"
    if all(b is None for b in bound):
        text = f"await {call_text}"
    else:
        text = f"{', '.join(targets)} = await {call_text}"
    if returning:
        text += f"; return {fresh}"

    fix = None
    single_line = steps[0].line is not None and all(s.line is steps[0].line for s in steps)
    blocked = (
        reference is None
        or (returning and fresh is None)
        or (placeholder and ("_" in used or model.lookup("_") is not None))
        or any(_has_comment(s.line, leading=i > 0) for i, s in enumerate(steps) if not single_line)
        or (single_line and (returning or any(s.annotation is not None for s in steps)))
        or steps[0].line is None
        or (not single_line and len({id(s.line) for s in steps}) != len(steps))
    )
    if not blocked and reference[1] and model.mentions_neutral_library:
        # Backend-neutral code (anyio, trio, sniffio) must not gain `import asyncio`.
        blocked = True
    if not blocked:
        name, needs_import = reference
        gather = edits.call(
            f"{name}.gather", [edits.arg(a.with_changes(lpar=[], rpar=[])) for a in awaitables]
        )
        awaited = cst.Await(expression=gather)
        if all(b is None for b in bound):
            first: cst.BaseSmallStatement = cst.Expr(awaited)
        else:
            tuple_target = cst.Tuple(
                [cst.Element(cst.Name(t)) for t in targets], lpar=[], rpar=[]
            )
            first = cst.Assign([cst.AssignTarget(tuple_target)], awaited)
        replacements: List[Tuple[cst.CSTNode, Replacement]] = []
        if single_line:
            replacements.append((steps[0].small, first))
            replacements.extend((s.small, REMOVE) for s in steps[1:])
        else:
            lines = [
                cst.SimpleStatementLine([cst.AnnAssign(s.target, s.annotation, value=None)])
                for s in steps
                if s.annotation is not None
            ]
            lines.append(cst.SimpleStatementLine([first]))
            lines[0] = lines[0].with_changes(leading_lines=steps[0].line.leading_lines)
            replacements.append(
                (steps[0].line, lines[0] if len(lines) == 1 else cst.FlattenSentinel(lines))
            )
            for step in steps[1:]:
                if step.is_return:
                    replacements.append(
                        (step.line, step.line.with_changes(body=[cst.Return(cst.Name(fresh))]))
                    )
                else:
                    replacements.append((step.line, REMOVE))
        fix = rule.make_fix(
            f"Await them together with '{name}.gather(...)'",
            replacements,
            safe=False,
            imports=("asyncio",) if needs_import else (),
        )
    return text, fix


def shown_call(expr: cst.BaseExpression) -> str:
    """`f(...)` / `t1`: how an awaitable appears in a message."""
    if isinstance(expr, cst.Call):
        return _expression_text(expr)
    return dotted_name(expr) or "<awaitable>"


def _expression_text(expr: cst.BaseExpression) -> str:
    """A short spelling of a callee chain: `super().async_added_to_hass()`, `get(...).run()`."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_expression_text(expr.value)}.{expr.attr.value}"
    if isinstance(expr, cst.Call):
        return f"{_expression_text(expr.func)}({'...' if expr.args else ''})"
    if isinstance(expr, cst.Subscript):
        return f"{_expression_text(expr.value)}[...]"
    return "<expression>"


def structured_alternative(rule: Rule) -> str:
    settings = rule.settings
    target = settings.target_version
    if target is not None and target < (3, 11):
        return ""  # asyncio.TaskGroup is new in 3.11: never suggest what the target lacks
    if rule.model.async_library != "asyncio":
        return ""
    if target is not None or settings.prefer_taskgroup:
        return " or start them as tasks in an 'async with asyncio.TaskGroup() as tg:' block"
    return ""


def task_group_spelling(library: str) -> str:
    if library == "trio":
        return "'async with trio.open_nursery() as nursery:' and 'nursery.start_soon(...)' for each call"
    return "'async with anyio.create_task_group() as tg:' and 'tg.start_soon(...)' for each call"


# ---------------------------------------------------------------------------------- the rule
class SequentialAwaits(Rule):
    code = "AIO400"
    name = "sequential-awaits"
    message = "{count} independent awaits in '{function}' run one after another ({calls}); use {replacement}"
    fix_availability = "unsafe"
    needs = (Needs(shapes=frozenset({Shape.AWAIT_RUN}), unless_imports=("pytest", "unittest", "hypothesis")),)
    # Cheapest first: a literal search rules out most files before the costlier patterns run.
    docs = RuleDocs(
        what=(
            "Checks for two or more consecutive statements in one block that each await a call "
            "(`await f(...)`, `x = await f(...)`, a closing `return await f(...)`) when nothing ties "
            "the calls together: no call reads a name bound by an earlier one; no two are methods of "
            "the same object (`super().m()` and `Base.m(self)` are methods of `self`), share a "
            "connection, cursor or socket, or are handed the same `self` or application object "
            "(`hass`, `app`: `get_config(hass)` is a method of `hass` in disguise); thread-pool "
            "runners such as `asyncio.to_thread` are independent by design; and none is a sleep, a "
            "lock/event/queue operation or a step whose name says its order matters. Names are read "
            "without their async markers (`async_`, `_async_`, a trailing `_async`, leading "
            "underscores, Django's `a` before a listed step as in `aclose`, `asave`): `async_stop` "
            "is a `stop`. The first word is the verb (`close`, `commit`, `start`, `send...`, "
            "`write...`, `set...`, `update...`, `delete...`, `create...`, `save...`, `load...`, "
            "`process...`, `check...`, ...); lifecycle and persistence words count anywhere in the "
            "name (`config_entry_first_refresh`, `forward_entry_setups`, `srv_save_devices`). The "
            "callable handed to a runner is checked the same way, also for runners known only by "
            "their name (`hass.async_add_executor_job(os.remove, path)`), and file changes "
            "(`os.remove`, `os.unlink`, `shutil.rmtree`, ...) are ordered steps. Code where the "
            "order is the point is not checked: test modules and `test*` functions, `except` and "
            "`finally` blocks, lifecycle functions (`setup`, `close`, `async_setup_entry`, "
            "`_async_finish_startup`, `__aexit__`, ...) and the bodies of transactions and locks."
        ),
        why=(
            "Each `await` waits for its call to finish before the next one starts, so the run takes "
            "the sum of the calls' latencies. Independent I/O can overlap: `asyncio.gather` (or a "
            "`TaskGroup`) waits for all of them at once and takes only as long as the slowest."
        ),
        example=(
            "import asyncio\n\n"
            "async def fetch_user(uid): ...\n"
            "async def fetch_orders(uid): ...\n\n"
            "async def profile(uid):\n"
            "    user = await fetch_user(uid)\n"
            "    orders = await fetch_orders(uid)\n"
            "    return user, orders\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def fetch_user(uid): ...\n"
            "async def fetch_orders(uid): ...\n\n"
            "async def profile(uid):\n"
            "    user, orders = await asyncio.gather(fetch_user(uid), fetch_orders(uid))\n"
            "    return user, orders\n"
        ),
        fix_safety=(
            "Unsafe: the calls then run concurrently, and their side effects may interleave in "
            "any order. If one fails, `gather` raises its exception while the others keep running "
            "(a `TaskGroup` cancels them). The fix keeps every binding (`a, b = await "
            "asyncio.gather(f(), g())`, `_` for a bare await, annotations declared above), "
            "turns a closing `return await h()` into `return result`, and adds `import asyncio` "
            "when needed. There is no fix in trio/anyio modules, or where a comment on a folded "
            "statement would be lost."
        ),
    )

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._check(node)

    _test_module: Optional[bool] = None

    def _check(self, block) -> None:
        if not self.model.in_async_context or not ordinary_context(self.model):
            return
        if self._test_module is None:
            self._test_module = is_test_module(self.model.source)
        if self._test_module:
            return
        for steps in sequences(block):
            for run in split_runs(steps, self._candidate, compatible):
                self._report(run)

    # ------------------------------------------------------------------ independence
    def _candidate(self, step: Step) -> bool:
        call = step.value
        if not isinstance(call, cst.Call):
            return False  # `await x`: what x is and when it started is unknown here
        if self.model.qualified_name(call.func) == "builtins.anext" or (
            isinstance(call.func, cst.Attribute) and call.func.attr.value == "__anext__"
        ):
            # Each `anext()` takes the next item: the order is the point, and inside
            # `try/except StopAsyncIteration` gathering them changes which items were consumed.
            return False
        found = analyse_call(self.model, call)
        if found is None:
            return False
        step.reads, step.receivers = found
        return True

    # ------------------------------------------------------------------ reporting
    def _report(self, run: List[Step]) -> None:
        calls = [s.value for s in run]
        # Short calls are shown whole, so the replacement is code to write; long ones as `f(...)`.
        shown = [edits.snippet(c, limit=40) if isinstance(c, cst.Call) else shown_call(c) for c in calls]
        library = self.model.async_library
        if library != "asyncio":
            replacement, fix = task_group_spelling(library), None
        else:
            text, fix = plan_gather(self, run, calls, shown)
            replacement = f"'{text}'{structured_alternative(self)}"
        self.report(
            run[0].small,
            fix=fix,
            count=len(run),
            function=self.model.function_name,
            calls=", ".join(shown),
            replacement=replacement,
        )


def analyse_call(model, call: cst.Call) -> Optional[Tuple[FrozenSet[str], FrozenSet[str]]]:
    """(names the call reads, root names of the objects it calls methods of), or None when
    the call must keep its place: it nests an await, binds a name, or one of its callees
    is a sleep, a synchronisation primitive or an ordering-sensitive step."""
    reads: Set[str] = set()
    receivers: Set[str] = set()
    for node in iter_nodes(call):
        if isinstance(node, (cst.Await, cst.NamedExpr, cst.Yield)):
            return None
        if isinstance(node, cst.Name):
            reads.add(node.value)
    own = own_object(model)
    for func, kind in _effective_callees(model, call):
        # A runner's own name says nothing (`run_in_threadpool`); the callable it runs does.
        if kind not in (_RUNNER, _NAMED_RUNNER) and not _free_of_ordering(model, func):
            return None
        receiver = _receiver(model, func, kind, own)
        if receiver is not None:
            receivers.add(receiver)
    for arg in _all_args(call):
        if isinstance(arg.value, cst.Attribute) and _APPLICATION_ARGUMENT.match(arg.value.attr.value):
            receivers.add(dotted_name(arg.value) or "<expression>")  # `self.hass`, `request.app`
        if not isinstance(arg.value, cst.Name):
            continue
        if _APPLICATION_ARGUMENT.match(arg.value.value):
            receivers.add(arg.value.value)
        elif arg.value.value == own:
            # The method's own object handed on (`Base.method(self)`, `helper(self)`) is
            # used like a receiver: the callee may change it.
            receivers.add(own)
        elif _STATEFUL_ARGUMENT.match(arg.value.value):
            # A connection, cursor or socket handed to the call is used like a receiver.
            held = model.holds_call(arg.value)
            if held is None or held[0] not in _CONCURRENT_CLIENTS:
                receivers.add(arg.value.value)
    return frozenset(reads), frozenset(receivers)


def own_object(model) -> Optional[str]:
    """`self` (or `cls`, or whatever the first parameter is called) in a method, else None."""
    function = model.function
    if function is None:
        return None
    params = function.params.posonly_params or function.params.params
    if not params:
        return None
    name = params[0].name.value
    return name if model.enclosing_method(name) is not None else None


def _all_args(call: cst.Call) -> Iterator[cst.Arg]:
    for node in iter_nodes(call):
        if isinstance(node, cst.Call):
            yield from node.args


_CALL, _RUNNER, _NAMED_RUNNER, _RUN_CALLABLE = "call", "runner", "named runner", "callable"


def _effective_callees(model, call: cst.Call) -> Iterator[Tuple[cst.BaseExpression, str]]:
    """The callees that do the work: the call, a wrapper's inner call, a runner's callable."""
    runner = model.thread_pool_runner(call)
    if runner is not None:
        yield call.func, _RUNNER
        if runner.callable is not None:
            yield runner.callable.value, _RUN_CALLABLE
        return
    handed = _handed_callable(call)
    if handed is not None:
        # A runner we know only by its name (`hass.async_add_executor_job(os.remove, path)`):
        # like a known one, its name says nothing and the callable it runs is checked, but
        # its own receiver still counts.
        yield call.func, _NAMED_RUNNER
        yield handed, _RUN_CALLABLE
        return
    yield call.func, _CALL
    if model.qualified_name(call.func) in _WRAPPERS and call.args:
        inner = call.args[0].value
        if isinstance(inner, cst.Call):
            yield from _effective_callees(model, inner)


def _handed_callable(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The callable a call runs, when its name says it runs one (an executor job, a thread)."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    handed = call.args[0].value
    if not isinstance(handed, (cst.Name, cst.Attribute)) or not _runs_a_callable(call.func):
        return None
    return handed


def _runs_a_callable(func: cst.BaseExpression) -> bool:
    """A callee whose name is made of runner words only, one of them naming a worker:
    `async_add_executor_job`, `run_in_thread`, `submit_to_executor` (not `start_thread`)."""
    name = _last_name(func)
    if name is None:
        return False
    words = set(name_words(name))
    return bool(words & _WORKER_WORDS) and words <= _WORKER_WORDS | _RUNNER_WORDS


def _free_of_ordering(model, func: cst.BaseExpression) -> bool:
    qualified = model.qualified_name(func)
    if qualified in _ORDERING_FUNCTIONS or qualified in _FILESYSTEM_CHANGES:
        return False
    if qualified is not None and qualified.startswith("shutil.") and qualified not in _READ_ONLY_SHUTIL:
        return False  # copies, moves and deletes files
    if qualified in _WRAPPERS:
        return True  # `wait_for(aw, t)`: what counts is `aw`, checked on its own
    name = _last_name(func)
    if name is None:
        return True
    if ordering_name(name) or name in _SYNC_METHODS:
        return False
    if isinstance(func, cst.Attribute) and _is_super(func.value) and name == model.function_name:
        return False  # `super().m()` in `m`: the parent's part of the step, run where the override puts it
    if isinstance(func, cst.Attribute) and qualified is None:
        receiver = (_last_name(func.value) or "").lstrip("_")
        if name in _QUEUE_METHODS or _PRIMITIVE_RECEIVER.search(receiver):
            return False
    if "objects" in (dotted_name(func) or "").split("."):
        return False  # Django's async ORM: one connection, run in order by sync_to_async anyway
    return True


def _is_super(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "super"


def _receiver(model, func: cst.BaseExpression, kind: str, own: Optional[str] = None) -> Optional[str]:
    """The object a method is called on (its root name), or None for a plain function.

    Thread-pool runners are independent by design, so their own receiver (`loop` of
    `loop.run_in_executor`) does not count; a bound method they run (`obj.m`) does.
    A parameter or variable that is called (`receive()`, `callback()`) is an object
    too: calling it twice may well be stateful, like a method. `super().m()` is a
    method of the method's own object (`self`).
    """
    if kind == _RUNNER:
        return None
    if isinstance(func, cst.Name):
        if kind == _RUN_CALLABLE:
            return None
        found = model.lookup(func.value)
        if found is None or all(b.kind in (DEF, CLASSDEF, IMPORT) for b in found[1]):
            return None
        return func.value
    if not isinstance(func, cst.Attribute):
        return "<expression>"
    if model.qualified_name(func) is not None:
        # Reached through an import: `asyncio.wait_for` is a module function, not a
        # method; but `Client.fetch` (a class) and `Model.objects.aget` are, on the
        # imported object.
        dotted = dotted_name(func) or ""
        root = dotted.split(".")[0]
        if dotted.count(".") >= 2 or root[:1].isupper():
            return root
        return None
    root = root_name(func.value)
    if root == "super" and model.lookup("super") is None:
        return own or "self"
    return root or "<expression>"


def is_test_module(source: str) -> bool:
    return bool(_TEST_MODULE.search(source))


def ordinary_context(model) -> bool:
    """False where the order of awaits is the point: test functions, lifecycle and cleanup
    functions, exception handlers and `finally`, transaction and lock bodies."""
    function = model.function_name
    if function.lstrip("_").lower().startswith("test") or lifecycle_function(function):
        return False
    if function.startswith("__") and function.endswith("__"):
        return False  # __aenter__, __aexit__, __call__ (an ASGI app's protocol steps), ...
    parent = model.parent
    if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
        return False
    if isinstance(parent, cst.With):
        for item in parent.items:
            if _SERIAL_BLOCK.search(dotted_name(_callee(item.item)) or ""):
                return False
    return True


def _callee(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr


def compatible(earlier: Step, later: Step) -> bool:
    """Can `later` run at the same time as `earlier`?"""
    bound = earlier.target.value if earlier.target is not None else None
    if bound is not None and (bound in later.reads or (later.target is not None and later.target.value == bound)):
        return False
    if later.target is not None and later.target.value in earlier.reads:
        return False  # keep it simple: a name read, then rebound, stays in order
    # The same object, as receiver of one call and anywhere in the other.
    if earlier.receivers & (later.receivers | later.reads) or later.receivers & earlier.reads:
        return False
    return True
