"""May two awaited calls run at the same time? The analysis AIO400, AIO401 and AIO402 share.

An awaited call is summarised as an `Effect`: the local names it reads (data flow),
the objects whose methods it calls (receivers, by dotted path, each classified), the
state it reads and writes (`self.x`, a module global, a SQL table), and what its
callees' names or bodies say it does (`vocabulary` meanings: read, write, message,
lifecycle, ...). Two effects are independent when no data flows between them, they
share no object that serialises its users, and their meanings do not order them.

Receivers are classified by `receiver_kind`: *concurrent* objects are made for
concurrent use (HTTP clients, connection pools, bot API clients, and objects built
around one), *serial* ones take one operation at a time (an open DB session,
connection or cursor, a stream, websocket, page, file, lock). Project callees (an
`async def` of this module, a method of the enclosing class) are judged by their
bodies; names are only the fallback.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

import libcst as cst

from aiolint.core.walk import iter_nodes
from aiolint.semantics import vocabulary as vocab
from aiolint.semantics.scopes import CLASS, CLASSDEF, DEF, IMPORT, PARAM, Scope, dotted_name, scope_kind
from aiolint.semantics.syntax import names_in


class ReceiverKind(Enum):
    """How an object takes concurrent use (`receiver_kind`)."""

    CONCURRENT = "concurrent"  # made for it: HTTP clients, connection pools, bot API clients
    SERIAL = "serial"  # one operation at a time: a DB session, connection or cursor, a stream, a lock
    # Built around a concurrent client (a project API class, `Client(session=session)`): its methods
    # may overlap, but it keeps state of its own, so handing it to another call ties them.
    CLIENT = "client"
    UNKNOWN = "unknown"


CONCURRENT, SERIAL, CLIENT, UNKNOWN = ReceiverKind
SHAREABLE = (CONCURRENT, CLIENT)

# Types and factories whose objects are made for concurrent use, or take one user at a time.
CONCURRENT_TYPES = frozenset(
    {
        "aiohttp.ClientSession", "httpx.AsyncClient", "asyncpg.create_pool", "asyncpg.Pool",
        "asyncpg.pool.Pool", "aiomysql.create_pool", "aiopg.create_pool", "motor.motor_asyncio.AsyncIOMotorClient",
        "redis.asyncio.Redis", "redis.asyncio.from_url", "aioredis.from_url", "aioredis.Redis",
        "sqlalchemy.ext.asyncio.create_async_engine", "discord.Client", "discord.ext.commands.Bot",
        "discord.ext.commands.AutoShardedBot", "disnake.ext.commands.Bot", "aiogram.Bot", "telegram.Bot",
        "homeassistant.helpers.aiohttp_client.async_get_clientsession",
        "homeassistant.helpers.httpx_client.get_async_client",
    }
)
SERIAL_TYPES = frozenset(
    {
        "asyncpg.connect", "asyncpg.Connection", "aiosqlite.connect", "aiomysql.connect", "aiopg.connect",
        "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.orm.Session", "websockets.connect",
        "asyncio.open_connection", "asyncio.Lock", "asyncio.Event", "asyncio.Queue", "asyncio.Semaphore",
        "asyncio.Condition", "aiofiles.open", "anyio.open_file", "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell", "sqlite3.connect",
    }
)
# Methods of a pool or factory that hand out one serial object (`pool.acquire()`, `engine.begin()`).
_HANDS_OUT_SERIAL = frozenset(
    {"acquire", "connect", "begin", "cursor", "session", "ws_connect", "new_page", "transaction"}
)

# Calls that run things concurrently already, or are the wait itself.
_ORDERING_FUNCTIONS = frozenset(
    {"asyncio.gather", "asyncio.wait", "asyncio.as_completed", "asyncio.sleep", "trio.sleep", "anyio.sleep"}
)
_SLEEPS = frozenset({"asyncio.sleep", "trio.sleep", "anyio.sleep"})
# Wrappers whose first argument is the real work.
# A task awaited as soon as it is made runs alone, like the coroutine it wraps.
WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.shield", "asyncio.create_task", "asyncio.ensure_future"})
# Module functions that change the filesystem (often handed to a thread-pool runner).
_FILE_CHANGES = re.compile(
    r"^(?:os\.(?:remove|unlink|rmdir|removedirs|renames?|replace|mkdir|makedirs|symlink|link|chmod|chown|"
    r"lchown|truncate|utime|fsync)|shutil\.(?!which$|disk_usage$|get_terminal_size$)\w+)$"
)
_SQL_WRITE = re.compile(r"\b(?:UPDATE|INSERT\s+(?:IGNORE\s+)?INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+[`\"]?(\w+)", re.I)
_SQL_READ = re.compile(r"\b(?:FROM|JOIN)\s+[`\"]?(\w+)", re.I)
# Arguments named like the application object of a function-style API (`get_config(hass)`).
_APPLICATION = frozenset({"hass", "app", "application"})
# Runners known only by their name (`hass.async_add_executor_job(os.remove, path)`).
_WORKER_WORDS = frozenset({"executor", "thread", "threadpool", "worker"})
_RUNNER_WORDS = frozenset({"add", "run", "submit", "job", "in", "on", "to", "import", "sync", "blocking"})


@dataclass
class Effect:
    names: Set[str] = field(default_factory=set)  # local names read
    meanings: Set[str] = field(default_factory=set)
    receivers: Dict[str, ReceiverKind] = field(default_factory=dict)  # dotted path -> kind
    message_to: Set[str] = field(default_factory=set)  # receivers messages go to
    writes: Set[str] = field(default_factory=set)  # state keys: "self.x", "table:users"
    reads: Set[str] = field(default_factory=set)
    # Changes known only by the callee's name (`ws.send(...)`, `db_update_user(...)`): the
    # receiver's path, or "<call>" for a plain function. AIO400/AIO401 keep them in place;
    # AIO402 allows them on an object that is the loop's own item.
    named_changes: Set[str] = field(default_factory=set)
    # False when the call never suspends: a project `async def` whose body awaits nothing
    # (a conversion, a lookup in memory). Running it concurrently gains nothing.
    suspends: bool = True
    opaque: Set[str] = field(default_factory=set)  # paths handed to callees whose bodies we cannot read

    def merge(self, other: "Effect", translate=None) -> None:
        self.meanings |= other.meanings
        self.named_changes |= {k for k in (translate(key) if translate else key for key in other.named_changes) if k}
        for key, kind in other.receivers.items():
            key = translate(key) if translate else key
            if key is not None:
                self.receivers[key] = kind
        pairs = (
            (other.message_to, self.message_to), (other.writes, self.writes), (other.reads, self.reads),
            (other.opaque, self.opaque),
        )
        for source, target in pairs:
            for key in source:
                key = translate(key) if translate and not key.startswith("table:") else key
                if key is not None:
                    target.add(key)


# ---------------------------------------------------------------------------------- receivers
def receiver_kind(model, expr: cst.BaseExpression, _depth: int = 0) -> ReceiverKind:
    """Is the object `expr` evaluates to made for concurrent use, serialising, or unknown?

    The one place that says what an object is: what built it (a call's qualified name, a
    class annotation, `async with X() as x`), what it was built around (an object given a
    concurrent client), and, failing that, what its name says.
    """
    if _depth > 4:
        return UNKNOWN  # `a = A(b)`, `b = B(a)`: no end to follow
    typed = _typed_kind(model, expr, _depth)
    if typed is not None:
        return typed
    built = _what_built(model, expr)
    if built is not None:
        kind = _kind_of_construction(model, built, _depth + 1)
        if kind != UNKNOWN:
            return kind
    name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else None
    if name is None:
        return UNKNOWN
    words = vocab.receiver_words(name)
    if words and (words[-1] in vocab.CONCURRENT_RECEIVER_WORDS or words[0] in vocab.CONCURRENT_RECEIVER_WORDS):
        return CONCURRENT
    if any(w in vocab.SERIAL_RECEIVER_WORDS for w in words):
        return SERIAL
    if isinstance(built, cst.Call) and words and words[-1] in vocab.CLIENT_WORDS:
        # The weakest fallback: an API client object constructed here whose class we cannot
        # read (`async with EnergyZero() as client`); the project index's types replace it.
        return CLIENT
    if isinstance(expr, cst.Attribute) and receiver_kind(model, expr.value, _depth + 1) in SHAREABLE:
        return CLIENT  # a part of a concurrent client: `client.allergens`, `bot.current_guild`
    return UNKNOWN


def _typed_kind(model, expr: cst.BaseExpression, _depth: int) -> Optional[ReceiverKind]:
    """The kind by the model's types, when it has them (`type_of`, the project index): a
    library type from the tables, or a project class by what it keeps on `self`."""
    type_of = getattr(model, "type_of", None)
    if type_of is None or not isinstance(expr, (cst.Name, cst.Attribute, cst.Call)):
        return None
    found = type_of(expr)
    if found is None:
        return None
    if found.name in CONCURRENT_TYPES:
        return CONCURRENT
    if found.name in SERIAL_TYPES:
        return SERIAL
    if not found.is_project or _depth > 2:
        return None
    if found.module == "":
        classdef = model.module_definition(found.name)
        kind = _class_kind(model, classdef, _depth + 1) if isinstance(classdef, cst.ClassDef) else UNKNOWN
        return kind if kind != UNKNOWN else None
    project = getattr(model, "project", None)
    index = getattr(project, "index", project)
    summary = index.summary(found.module) if index is not None else None
    raw = summary["classes"].get(found.name) if summary else None
    if raw is None:
        return None
    kinds = set()
    for attr in raw.get("attributes", {}):
        member = model.member_type(found, attr)
        if member is not None:
            kinds.add(
                CONCURRENT if member.name in CONCURRENT_TYPES else SERIAL if member.name in SERIAL_TYPES else None
            )
    if SERIAL in kinds:
        return SERIAL
    return CLIENT if CONCURRENT in kinds else None


def _what_built(model, expr: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The expression (a call or an annotation) that made the object `expr` names."""
    if isinstance(expr, cst.Name):
        held = model.holds(expr)
        if held is not None:
            return held
        found = model.lookup(expr.value)
        if found is not None and len(found[1]) == 1 and found[1][0].kind == PARAM:
            annotation = getattr(found[1][0].node, "annotation", None)
            return annotation.annotation if annotation is not None else None
        return None
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        owner = model.enclosing_method(expr.value.value)
        if owner is None:
            return None
        return _attribute_source(model, owner[0], expr.value.value, expr.attr.value)
    return None


def _attribute_source(model, classdef: cst.ClassDef, own: str, attr: str) -> Optional[cst.BaseExpression]:
    """What `self.attr` is assigned in the class's methods, when that is one thing."""
    # One walk of the class per module, not one per receiver asked about.
    table = model.remembered(("assigned in methods", id(classdef)), lambda: _assigned_in_methods(classdef))
    found = table.get(attr, ())
    return found[0] if len(found) == 1 else None


def _assigned_in_methods(classdef: cst.ClassDef) -> Dict[str, List[cst.BaseExpression]]:
    """attr -> the values `x.attr = value` assigns in the class's methods, in source order
    (`self.bot = bot`: the parameter's annotation instead, when it has one)."""
    table: Dict[str, List[cst.BaseExpression]] = {}
    for member in classdef.body.body:
        if not isinstance(member, cst.FunctionDef):
            continue
        for node in iter_nodes(member.body, into_scopes=False):
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, cst.Attribute) and dotted_name(target.value) is not None:
                        value = node.value
                        if isinstance(value, cst.Name):
                            param = next((p for p in member.params.params if p.name.value == value.value), None)
                            value = param.annotation.annotation if param is not None and param.annotation else value
                        table.setdefault(target.attr.value, []).append(value)
    return table


def _kind_of_construction(model, built: cst.BaseExpression, _depth: int = 0) -> ReceiverKind:
    if isinstance(built, cst.Await):
        built = built.expression
    func = built.func if isinstance(built, cst.Call) else built
    qualified = model.qualified_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    if qualified in CONCURRENT_TYPES:
        return CONCURRENT
    if qualified in SERIAL_TYPES:
        return SERIAL
    if isinstance(built, cst.Call):
        typed = _typed_kind(model, built, _depth)  # a project class of another module, by its body
        if typed is not None:
            return typed
    classdef = model.module_definition(func.value) if isinstance(func, cst.Name) else None
    if isinstance(classdef, cst.ClassDef) and _depth < 3:
        kind = _class_kind(model, classdef, _depth + 1)
        if kind != UNKNOWN:
            return kind
    if isinstance(built, cst.Call):
        if isinstance(func, cst.Attribute) and func.attr.value in _HANDS_OUT_SERIAL:
            return SERIAL  # one connection out of a pool, one transaction, one page
        for arg in built.args:
            value = arg.value
            if isinstance(value, cst.Call):
                if _kind_of_construction(model, value, _depth + 1) in SHAREABLE:
                    return CLIENT  # `Client(host, session=async_get_clientsession(hass))`
            elif isinstance(value, (cst.Name, cst.Attribute)) and receiver_kind(model, value, _depth + 1) in SHAREABLE:
                return CLIENT  # built around a concurrent client: `Client(key, session=session)`
    return UNKNOWN


def _class_kind(model, classdef: cst.ClassDef, _depth: int) -> ReceiverKind:
    """A project class is made for concurrent use when the objects it keeps on `self` are a
    concurrent client and nothing that serialises (an API client built on `aiohttp`)."""
    kinds = set()
    for member in classdef.body.body:
        if not isinstance(member, cst.FunctionDef):
            continue
        for node in iter_nodes(member.body, into_scopes=False):
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                if any(isinstance(t.target, cst.Attribute) for t in node.targets):
                    kinds.add(_kind_of_construction(model, node.value, _depth))
    if SERIAL in kinds:
        return SERIAL
    return CLIENT if kinds & set(SHAREABLE) else UNKNOWN


def last_name(expr) -> Optional[str]:
    """`m` for `a.b.m` or `m`; None for anything else."""
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return expr.value if isinstance(expr, cst.Name) else None


def path_of(expr: cst.BaseExpression) -> Optional[str]:
    """`self.a.b` for attribute chains, through calls and subscripts (`self.a[0].b` -> `self.a.b`)."""
    parts = []
    while True:
        if isinstance(expr, cst.Attribute):
            parts.append(expr.attr.value)
            expr = expr.value
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            parts = []  # the result of a call is another object: keep only what it hangs from
            expr = expr.func
        elif isinstance(expr, cst.Name):
            parts.append(expr.value)
            return ".".join(reversed(parts))
        else:
            return None


# ---------------------------------------------------------------------------------- calls
def effect_of(model, expr: cst.BaseExpression) -> Optional[Effect]:
    """The effect of awaiting `expr` (a call), or None when it must keep its place."""
    effect = Effect()
    for node in iter_nodes(expr):
        if isinstance(node, (cst.Await, cst.NamedExpr, cst.Yield)) and node is not expr:
            return None
        if isinstance(node, cst.Name):
            effect.names.add(node.value)
        elif isinstance(node, cst.Attribute):
            path = path_of(node)
            if path is not None:
                effect.reads.add(path)
    if not isinstance(expr, cst.Call):
        return None
    if not _call_effect(model, expr, effect, depth=0):
        return None
    return effect


def _call_effect(model, call: cst.Call, effect: Effect, depth: int) -> bool:
    """Add what one call does to `effect`; False when the call is an ordering step we cannot move."""
    func = call.func
    qualified = model.qualified_name(func)
    if depth > 0 and (qualified in _SLEEPS or "sleep" in (last_name(func) or "").lower()):
        return True  # a sleep inside a callee is its own latency, not an order between callers
    if qualified in _ORDERING_FUNCTIONS or (qualified and _FILE_CHANGES.match(qualified)):
        return False
    runner = model.thread_pool_runner(call)
    handed = None if runner is not None else _handed_callable(call)
    if runner is not None or handed is not None:
        # A runner's own name says nothing; the callable it runs does (and its receiver).
        target = runner.callable.value if runner is not None and runner.callable is not None else handed
        if target is None:
            return True
        target_q = model.qualified_name(target)
        if target_q and _FILE_CHANGES.match(target_q):
            return False
        if handed is not None and isinstance(func, cst.Attribute):
            _add_receiver(model, func.value, None, effect)
        return _callee_effect(model, target, call, effect, depth, run_by_runner=True)
    if qualified in WRAPPERS and call.args and isinstance(call.args[0].value, cst.Call):
        return _call_effect(model, call.args[0].value, effect, depth)
    _arguments(model, call, effect)
    return _callee_effect(model, func, call, effect, depth)


def _callee_effect(model, func, call, effect: Effect, depth: int, run_by_runner: bool = False) -> bool:
    body = _project_body(model, func)
    if body is not None and _is_stub(body[0]):
        if body[1] is not None and isinstance(func, cst.Attribute):
            # An abstract own method: the subclass's override runs, on this object.
            effect.receivers[path_of(func.value) or "self"] = UNKNOWN
        body = None  # `...`: says nothing, its name will have to
    if body is not None and depth < 3:
        definition, own = body
        inner = body_effect(model, definition, depth + 1)
        if inner is None:
            return False
        effect.suspends = inner.suspends
        parameters = _parameter_map(definition, call, own, path_of(func.value) if own else None)
        effect.merge(inner, lambda key: _translate(key, parameters))
        for arg in call.args:  # what the caller hands on, classified where the caller can see it
            key = path_of(arg.value) if isinstance(arg.value, (cst.Name, cst.Attribute)) else None
            if key is not None and effect.receivers.get(key) == UNKNOWN:
                effect.receivers[key] = receiver_kind(model, arg.value)
        if isinstance(func, cst.Attribute) and own is None and not run_by_runner:
            _add_receiver(model, func.value, _meaning_or_none(inner), effect)
        return True
    name = last_name(func)
    meaning = vocab.meaning(name) if name else None
    for arg in call.args:  # handed to a body we cannot read: it may do anything with them
        if isinstance(arg.value, (cst.Name, cst.Attribute)):
            effect.opaque.add(path_of(arg.value))
    if meaning in vocab.ORDERED:
        return False
    if isinstance(func, cst.Attribute) and meaning is None:
        receiver = func.value.attr.value if isinstance(func.value, cst.Attribute) else getattr(func.value, "value", "")
        if isinstance(receiver, str) and set(vocab.receiver_words(receiver)) & vocab.SYNC_RECEIVER_WORDS:
            return False  # a queue's `get`, a condition's `notify`
    if meaning in (vocab.WRITE, vocab.MESSAGE):
        key = path_of(func.value) if isinstance(func, cst.Attribute) else "<call>"
        effect.named_changes.add(key or "<call>")
    if isinstance(func, cst.Attribute) and _is_super(func.value):
        if name == model.function_name:
            return False  # `super().m()` in `m`: the parent's part of this step
        _add_receiver(model, cst.Name("self"), meaning, effect, key=model.receiver_param() or "self")
    elif isinstance(func, cst.Attribute):
        if "objects" in (dotted_name(func) or "").split("."):
            return False  # Django's async ORM: one connection per thread, in order anyway
        if meaning is None and name in ("get", "put", "get_nowait", "put_nowait", "task_done", "join"):
            meaning = vocab.SYNC
        _add_receiver(model, func.value, meaning, effect)
    elif not isinstance(func, (cst.Name, cst.Attribute)):
        effect.receivers["<expression>"] = UNKNOWN  # `getattr(self, name)()`, `handlers[key]()`: who knows
    elif isinstance(func, cst.Name) and not run_by_runner:
        found = model.lookup(func.value)
        if found is not None and not all(b.kind in (DEF, CLASSDEF, IMPORT) for b in found[1]):
            effect.receivers[func.value] = UNKNOWN  # a called parameter/variable (`receive()`) may keep state
    if meaning is not None:
        effect.meanings.add(meaning)
    return True


def _idempotent(model, value) -> bool:
    if isinstance(value, (cst.Name,)) and value.value in ("True", "False", "None"):
        return True
    if isinstance(value, (cst.Integer, cst.SimpleString)):
        return True
    return isinstance(value, cst.Call) and _kind_of_construction(model, value) in SHAREABLE


def _is_stub(definition: cst.FunctionDef) -> bool:
    body = definition.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        simple = isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        for small in statement.body if simple else [None]:
            text = isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString))
            if isinstance(small, cst.Pass) or text:
                continue
            if isinstance(small, cst.Raise):
                continue  # `raise NotImplementedError`
            return False
    return True


def _is_lock(expr) -> bool:
    expr = expr.func if isinstance(expr, cst.Call) else expr
    name = expr.attr.value if isinstance(expr, cst.Attribute) else expr.value if isinstance(expr, cst.Name) else ""
    return bool({"lock", "rlock", "mutex", "semaphore", "sem", "acquire"} & set(vocab.name_words(name)))


def _meaning_or_none(effect: Effect) -> Optional[str]:
    for meaning in (vocab.MESSAGE, vocab.WRITE):
        if meaning in effect.meanings:
            return meaning
    return None


def _add_receiver(model, expr, meaning, effect: Effect, key: Optional[str] = None) -> None:
    key = key or path_of(expr)
    if key is None:
        effect.receivers["<expression>"] = UNKNOWN
        return
    root = key.split(".")[0]
    kind = receiver_kind(model, expr)
    if model.qualified_name(expr) is not None and "." not in key and not root[:1].isupper() and kind != SERIAL:
        return  # a module reached through an import: `asyncio.wait_for` is a function, not a method
    effect.receivers[key] = kind
    if meaning == vocab.MESSAGE:
        effect.message_to.add(key)
    elif meaning == vocab.WRITE:
        effect.writes.add(key)


def _arguments(model, call: cst.Call, effect: Effect) -> None:
    """Objects handed to a call are used like receivers: a connection, the method's own
    object, the application object of a function-style API."""
    own = model.receiver_param()
    for arg in call.args:
        value = arg.value
        name = last_name(value)
        if name is None:
            continue
        key = path_of(value)
        if name in _APPLICATION or (own is not None and key == own):
            effect.receivers[key] = UNKNOWN
        elif receiver_kind(model, value) == SERIAL:
            effect.receivers[key] = SERIAL


def _is_super(expr) -> bool:
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "super"


def _handed_callable(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The callable a call runs, when its name says it runs one (`async_add_executor_job`)."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    handed = call.args[0].value
    name = last_name(call.func)
    if name is None or not isinstance(handed, (cst.Name, cst.Attribute)):
        return None
    words = set(vocab.name_words(name))
    return handed if words & _WORKER_WORDS and words <= _WORKER_WORDS | _RUNNER_WORDS else None


# ---------------------------------------------------------------------------------- project bodies
def _project_body(model, func) -> Optional[Tuple[cst.FunctionDef, Optional[str]]]:
    """(definition, name of its own-object parameter) for a callee defined in this module:
    a module/enclosing function, or a method of the enclosing class (`self.m`)."""
    if isinstance(func, cst.Name):
        found = model.lookup(func.value)
        if found is not None and len(found[1]) == 1 and found[1][0].kind == DEF:
            _parents(model)[id(found[1][0].value)] = found[0]
            return found[1][0].value, None
        return None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        owner = model.enclosing_method(func.value.value)
        if owner is not None:
            method = model.find_method(owner[0], func.attr.value)
            if method is not None:
                _parents(model).setdefault(id(method), model.scope_of(owner[0]))
                params = method.params.posonly_params or method.params.params
                return method, params[0].name.value if params else None
    return None


def _parameter_map(definition: cst.FunctionDef, call: cst.Call, own, own_path) -> Dict[str, Optional[str]]:
    """Callee parameter -> the caller's path handed to it (None: a value private to the call)."""
    params = list(definition.params.posonly_params) + list(definition.params.params)
    mapping: Dict[str, Optional[str]] = {}
    if own is not None and params:
        mapping[params[0].name.value] = own_path
        params = params[1:]
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for param, arg in zip(params, positional):
        mapping[param.name.value] = path_of(arg.value)
    for arg in call.args:
        if arg.keyword is not None:
            mapping[arg.keyword.value] = path_of(arg.value)
    return mapping


def _translate(key: str, parameters: Dict[str, Optional[str]]) -> Optional[str]:
    if key.startswith(_SHARED):
        return key[len(_SHARED):]  # a closure variable or global: the caller names it the same
    if key == "<call>":
        return key
    root, _, rest = key.partition(".")
    if root not in parameters:
        return None  # a local of the callee: private to the call
    base = parameters[root]
    if base is None:
        return None
    return f"{base}.{rest}" if rest else base


_BODY_CACHE = "_independence_bodies"
_SHARED = "="  # marks a key of a callee's body that names a closure variable or global


def body_effect(model, definition: cst.FunctionDef, depth: int) -> Optional[Effect]:
    """What a project function does, from its body: its awaited callees' effects, the
    attributes of its parameters it writes and reads, the SQL tables its strings name.
    None when the body holds an ordering step (a sleep, a lock, a lifecycle step)."""
    real = getattr(model, "_model", model)
    cache = real.__dict__.setdefault(_BODY_CACHE, {})
    if id(definition) in cache:
        return cache[id(definition)]
    cache[id(definition)] = None  # recursion: unknown
    effect = Effect()
    inner_model = _BodyModel(model, definition)
    awaits = [n for n in iter_nodes(definition.body, into_scopes=False) if isinstance(n, cst.Await)]
    awaited = {id(n.expression) for n in awaits}
    # It suspends when it awaits anything but project helpers that never suspend themselves.
    suspends = any(
        not isinstance(n.expression, cst.Call) for n in awaits
    ) or any(
        getattr(n, "asynchronous", None) is not None for n in iter_nodes(definition.body, into_scopes=False)
    )
    for node in iter_nodes(definition.body, into_scopes=False):
        if isinstance(node, cst.Call) and id(node) in awaited:
            inner = Effect()
            if not _call_effect(inner_model, node, inner, depth):
                return None
            effect.merge(inner)
            suspends = suspends or inner.suspends
        elif isinstance(node, cst.With) and any(_is_lock(i.item) for i in node.items):
            return None  # holds a lock: its callers take turns
        elif isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            if _idempotent(inner_model, node.value):
                continue  # `self._closed = True`, `self.session = ClientSession()`: the same whoever runs first
            for target in targets:
                if not isinstance(target, cst.Name):  # `self.x = ...`, `cache[key] = ...`
                    _write(inner_model, definition, path_of(target), effect)
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            name = node.func.attr.value
            # `loaded.add(x)`, `self.async_write_ha_state()`: a change of state the caller shares
            changes = vocab.meaning(name) not in (None, vocab.READ) and not name[:1].isupper()
            if name in vocab.CONTAINER_MUTATORS or changes:
                _write(inner_model, definition, path_of(node.func.value), effect)
        elif isinstance(node, cst.Attribute):
            key = _state_key(inner_model, definition, path_of(node))
            if key is not None:
                effect.reads.add(key)
        elif isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
            text = node.value
            effect.writes.update("table:" + t.lower() for t in _SQL_WRITE.findall(text))
            effect.reads.update("table:" + t.lower() for t in _SQL_READ.findall(text))
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for name in node.names:
                effect.writes.add(_SHARED + name.name.value)
    effect.suspends = suspends
    cache[id(definition)] = effect
    return effect


def _write(model, definition, path: Optional[str], effect: Effect) -> None:
    key = _state_key(model, definition, path)
    if key is not None:
        effect.writes.add(key)


def _state_key(model, definition, path: Optional[str]) -> Optional[str]:
    """How a project function's body names state its caller can see: a parameter's path as
    is (translated to the caller's argument), a closure variable or global marked shared;
    None for its own locals, private to the call."""
    if path is None:
        return None
    found = model.lookup(path.split(".")[0])
    if found is not None and found[0].node is definition:
        return path if all(b.kind == PARAM for b in found[1]) else None
    if found is None or any(b.kind in (IMPORT, DEF, CLASSDEF) for b in found[1]):
        return None  # a module, function or class, or a builtin: not state this call changes
    return _SHARED + path


def _parents(model) -> Dict[int, object]:
    """Definition -> the scope it is defined in, for the bodies we read before the walk gets there."""
    real = getattr(model, "_model", model)
    return real.__dict__.setdefault("_independence_parents", {})


class _BodyModel:
    """The model, answering about names as seen from inside another function's body."""

    def __init__(self, model, definition):
        self._model = getattr(model, "_model", model)
        parent = _parents(model).get(id(definition))
        # A scope of our own with the right parent: the model's, made before the walk entered an
        # enclosing function, would skip that function's names (closures, nested helpers).
        if parent is not None:
            self._scope = Scope(scope_kind(definition), definition, parent)
        else:
            self._scope = model.scope_of(definition)
        self.function = definition
        self.function_name = definition.name.value

    def __getattr__(self, name):
        return getattr(self._model, name)

    def lookup(self, name, scope=None):
        return self._model.lookup(name, scope or self._scope)

    def qualified_name(self, expr, scope=None):
        return self._model.qualified_name(expr, scope or self._scope)

    def holds(self, name, scope=None):
        return self._model.holds(name, scope or self._scope)

    def holds_call(self, name, scope=None, **kwargs):
        return self._model.holds_call(name, scope or self._scope, **kwargs)

    def enclosing_method(self, receiver):
        found = self.lookup(receiver)
        if found is None or found[0].node is not self.function:
            return None
        scope = found[0]
        if scope.parent is None or scope.parent.kind != CLASS:
            return None
        params = self.function.params.posonly_params or self.function.params.params
        if not params or params[0].name.value != receiver:
            return None
        return scope.parent.node, self.function

    def thread_pool_runner(self, call):
        return self._model.thread_pool_runner(call)


# ---------------------------------------------------------------------------------- the verdict
def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _shared_kind(a: Dict[str, ReceiverKind], b: Dict[str, ReceiverKind], x: str, y: str) -> ReceiverKind:
    shorter = x if len(x) <= len(y) else y
    return a.get(shorter) or b.get(shorter) or UNKNOWN


def independent(first: Effect, second: Effect) -> bool:
    """Can two awaited calls, summarised as effects, run at the same time?"""
    if first.meanings & vocab.ORDERED or second.meanings & vocab.ORDERED:
        return False
    changes = (vocab.WRITE, vocab.MESSAGE)
    # A message tells of what happened before it: it stays after (or before) a change.
    if (vocab.MESSAGE in first.meanings and vocab.WRITE in second.meanings) or (
        vocab.WRITE in first.meanings and vocab.MESSAGE in second.meanings
    ):
        return False
    for x, kind_x in first.receivers.items():
        for y, kind_y in second.receivers.items():
            if not _overlap(x, y):
                continue
            shared = _shared_kind(first.receivers, second.receivers, x, y)
            if shared not in SHAREABLE:
                return False
            # One concurrent client: reads overlap; a change and anything else on it stay in order.
            if any(m in changes for m in first.meanings | second.meanings) and (
                (first.writes | first.message_to) & (second.writes | second.message_to | {y})
                or (second.writes | second.message_to) & {x}
            ):
                return False
    for x in first.writes | first.message_to:
        for y in second.writes | second.message_to | second.reads | set(second.receivers):
            if _overlap(x, y):
                return False
    for y in second.writes | second.message_to:
        for x in first.reads | set(first.receivers):
            if _overlap(x, y):
                return False
    # The same object used as a receiver by one and handed on or read by the other.
    for x, kind in first.receivers.items():
        if _tied(x, kind, second):
            return False
    for y, kind in second.receivers.items():
        if _tied(y, kind, first):
            return False
    return True


def _tied(key: str, kind: ReceiverKind, other: Effect) -> bool:
    root = key.split(".")[0]
    if kind == CONCURRENT or root not in other.names:
        return False
    if kind == CLIENT:  # its own methods may overlap; a callee we cannot read may change it
        return any(_overlap(key, path) or path == root for path in other.opaque)
    return _root_used(key, other)


def _root_used(key: str, other: Effect) -> bool:
    return any(_overlap(key, path) for path in other.reads | set(other.receivers)) or key in other.names


def iter_awaits(node: cst.CSTNode) -> Iterator[cst.Await]:
    """The awaits evaluated by a statement or expression, in order, not inside nested scopes."""
    for inner in iter_nodes(node, into_scopes=False):
        if isinstance(inner, cst.Await):
            yield inner


class StatementFacts(NamedTuple):
    """What one statement does with names (AIO402's iterations: what each reads, binds, changes)."""

    reads: Set[str]  # names read (not the names it binds)
    targets: Set[str]  # names bound
    augmented: Set[str]  # names updated in place (`n += 1`)
    stores: Set[str]  # containers changed (`d[k] = v`, `items.append(x)`), by their root name
    from_await: Set[str]  # names bound from a value that awaits
    flows: List[Tuple[str, Set[str]]]  # (bound name, the names its value reads)


def statement_facts(statement: cst.CSTNode) -> StatementFacts:
    """What `statement` (not the nested defs in it) reads, binds, updates and changes."""
    target_ids: Set[int] = set()
    targets: Set[str] = set()
    augmented: Set[str] = set()
    stores: Set[str] = set()
    from_await: Set[str] = set()
    flows = []
    for node in iter_nodes(statement, into_scopes=False):
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            node_targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            value_names = names_in(node.value) if node.value is not None else set()
            has_await = node.value is not None and any(isinstance(n, cst.Await) for n in iter_nodes(node.value))
            for t in node_targets:
                if isinstance(t, (cst.Subscript, cst.Attribute)):
                    path = path_of(t)
                    if path is not None:
                        stores.add(path.split(".")[0])
                    continue
                for name in iter_nodes(t):
                    if isinstance(name, cst.Name):
                        targets.add(name.value)
                        flows.append((name.value, value_names))
                        if has_await:
                            from_await.add(name.value)
                        if isinstance(node, cst.AugAssign):
                            augmented.add(name.value)
                        else:
                            target_ids.add(id(name))
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            for name in iter_nodes(node.asname.name):
                if isinstance(name, cst.Name):  # `async with session.get(url) as resp`: per item when url is
                    targets.add(name.value)
                    target_ids.add(id(name))
                    flows.append((name.value, names_in(node.item)))
        elif isinstance(node, (cst.For, cst.CompFor)):
            for name in iter_nodes(node.target):
                if isinstance(name, cst.Name):
                    targets.add(name.value)
                    target_ids.add(id(name))
                    flows.append((name.value, names_in(node.iter)))
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in vocab.CONTAINER_MUTATORS:
                path = path_of(node.func.value)
                if path is not None:
                    stores.add(path.split(".")[0])
    reads = {
        n.value for n in iter_nodes(statement, into_scopes=False) if isinstance(n, cst.Name) and id(n) not in target_ids
    }
    return StatementFacts(reads, targets, augmented, stores, from_await, flows)
