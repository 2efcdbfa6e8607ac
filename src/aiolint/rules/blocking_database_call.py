from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.semantics import dotted_name, library
from aiolint.semantics.syntax import calls_in

# Synchronous drivers: qualified name -> the async driver to name in the message.
_DRIVERS = {
    "sqlite3.connect": "aiosqlite.connect",
    "psycopg2.connect": "asyncpg or psycopg.AsyncConnection.connect",
    "psycopg.connect": "psycopg.AsyncConnection.connect",
    "psycopg.Connection.connect": "psycopg.AsyncConnection.connect",
    "pymysql.connect": "aiomysql.connect or asyncmy.connect",
    "pymysql.Connect": "aiomysql.connect or asyncmy.connect",
    "MySQLdb.connect": "aiomysql.connect or asyncmy.connect",
    "MySQLdb.Connect": "aiomysql.connect or asyncmy.connect",
}
# Clients that connect lazily: building one does no I/O, its commands do. They are
# reported where built, but only when this function uses them for a command (or keeps
# them on an attribute for later); a client only passed around is left alone.
_LAZY_CLIENTS = {
    "pymongo.MongoClient": "pymongo.AsyncMongoClient or motor's AsyncIOMotorClient",
    "pymongo.mongo_client.MongoClient": "pymongo.AsyncMongoClient or motor's AsyncIOMotorClient",
    "redis.Redis": "redis.asyncio.Redis",
    "redis.StrictRedis": "redis.asyncio.Redis",
    "redis.client.Redis": "redis.asyncio.Redis",
    "redis.client.StrictRedis": "redis.asyncio.Redis",
    "redis.from_url": "redis.asyncio.from_url",
    "redis.Redis.from_url": "redis.asyncio.Redis.from_url",
}
# Client methods that do no I/O of their own.
_NO_IO = frozenset(
    {"pipeline", "pubsub", "lock", "register_script", "get_encoder", "get_database", "get_default_database",
     "get_collection", "with_options", "close"}
)

# Django queryset methods that run a query when called (each has an `a...` twin since Django 4.1).
_EXECUTING = frozenset(
    {
        "get", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "count",
        "in_bulk", "latest", "earliest", "first", "last", "aggregate", "exists", "contains", "update",
        "delete", "explain",
    }
)
# Methods that return a new lazy queryset: no query until it is evaluated.
_LAZY = frozenset(
    {
        "all", "filter", "exclude", "order_by", "reverse", "distinct", "values", "values_list", "dates",
        "datetimes", "none", "union", "intersection", "difference", "select_related", "prefetch_related",
        "extra", "defer", "only", "using", "select_for_update", "annotate", "alias", "iterator",
    }
)
# Builtins that evaluate a queryset passed to them.
_LAST_NAMES = frozenset(n.rsplit(".", 1)[1] for n in [*_DRIVERS, *_LAZY_CLIENTS]) | _EXECUTING | _LAZY
_DRIVER_MODULES = sorted({n.split(".")[0] for n in [*_DRIVERS, *_LAZY_CLIENTS]} | {"django"})
_TYPED_MODULES = ("sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "pymongo", "sqlalchemy", "sqlmodel")
_ITERATING_NAMES = frozenset(name.rsplit(".", 1)[1] for name in library.ITERATING_BUILTINS)
_EVALUATING = frozenset({"builtins.list", "builtins.tuple", "builtins.set", "builtins.sorted", "builtins.len"})
_CONSUMED = (
    "{how} {shown} ({type}) runs its query and blocks the event loop in async function '{function}'; "
    "use {replacement}"
)


class BlockingDatabaseCall(BlockingCallRule):
    code = "AIO104"
    name = "blocking-database-call"
    needs = (
        Needs(Where.ANY, calls=_LAST_NAMES, imports=tuple(_DRIVER_MODULES), shapes=frozenset({Shape.ASYNC_CODE})),
        # Statements through a connection, cursor, collection or session however it is reached,
        # and the builders of the lazy queries whose iteration runs them.
        Needs(Where.ANY, calls=library.method_names("AIO104"), imports=_TYPED_MODULES,
              shapes=frozenset({Shape.ASYNC_CODE})),
        Needs(Where.ANY, imports=("redis",), shapes=frozenset({Shape.ASYNC_CODE})),  # any redis method
    )
    docs = RuleDocs(
        what=(
            "Checks for synchronous database access in async functions: `sqlite3.connect`, "
            "`psycopg2.connect`, synchronous `psycopg.connect`, `pymysql.connect`, `MySQLdb.connect`, "
            "`pymongo.MongoClient` and synchronous `redis.Redis`/`StrictRedis` (these connect lazily, so "
            "they are reported when the function sends a command through them or keeps them on an "
            "attribute), the statements sent through a sync connection however it is reached (a local, "
            "`self.conn`, an annotated parameter, a module-level object, a derived cursor or collection): "
            "sqlite3/psycopg2/pymysql/MySQLdb `execute*`/`fetch*`/`commit`, pymongo `Collection` commands, "
            "sync SQLAlchemy `Session.execute/scalar/scalars/get/commit/flush/refresh`, "
            "`Query.all/first/one/one_or_none/scalar/count`, iterating or indexing a `find()` cursor or a "
            "`Query` (a `for`, `list(q)`, `sorted(q)`, `for i, row in enumerate(q)`), `Engine.connect`, "
            "`Connection.execute` (never the lazy builders: `Session()`, `session.add`, `query()`, "
            "`where()`, `find()`), and Django ORM calls "
            "`<Model>.objects.<method>(...)` that run a query (`get`, `create`, `count`, "
            "`filter(...).first()`, a queryset iterated with a plain `for`, ...) in modules that "
            "import Django."
        ),
        why=(
            "A synchronous driver waits for the database server in the calling thread: every "
            "query stops the event loop for a network round trip. Django refuses most sync ORM "
            "calls from async code (`SynchronousOnlyOperation`) and offers `a`-prefixed twins."
        ),
        example=(
            "import sqlite3\n\n"
            "async def users(path):\n"
            "    with sqlite3.connect(path) as db:\n"
            "        return db.execute('select * from users').fetchall()\n"
        ),
        use_instead=(
            "import aiosqlite\n\n"
            "async def users(path):\n"
            "    async with aiosqlite.connect(path) as db:\n"
            "        async with db.execute('select * from users') as cursor:\n"
            "            return await cursor.fetchall()\n"
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        if isinstance(call.func, cst.Attribute):
            # A statement sent through a connection, cursor, collection or session, however
            # that object is reached (the model's `type_of`).
            found = self.model.blocking_method(call)
            if found is not None:
                return Blocking(found.callee, found.replacement) if found.code == self.code else None
            if call.func.attr.value not in _LAST_NAMES:
                return None
        qualified = self.model.qualified_name(call.func)
        driver = _DRIVERS.get(qualified) if qualified else None
        if driver is not None:
            return Blocking(qualified, f"an async driver ({driver})")
        driver = _LAZY_CLIENTS.get(qualified) if qualified else None
        if driver is not None:
            return Blocking(qualified, f"an async client ({driver})") if self._client_used(call) else None
        if isinstance(call.func, cst.Attribute) and self.model.imports_module("django"):
            return self._django(call)
        return None

    # ------------------------------------------------------------------ lazy queries consumed
    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is None:
            self._consumed(node.iter, "iterating")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is None:
            self._consumed(node.iter, "iterating")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if any(isinstance(element.slice, cst.Slice) for element in node.slice):
            return  # `cursor[0:5]` only sets skip/limit: a new lazy cursor
        self._consumed(node.value, "indexing")

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        # `list(cursor)`, `sorted(query)`: the builtin iterates it there and then.
        if (
            isinstance(node.func, cst.Name)
            and node.func.value in _ITERATING_NAMES
            and node.args
            and node.args[0].keyword is None
            and not node.args[0].star
            and self.model.qualified_name(node.func) in library.ITERATING_BUILTINS
        ):
            self._consumed(node.args[0].value, "iterating")

    def _consumed(self, expr: cst.BaseExpression, how: str) -> None:
        """A pymongo cursor or a SQLAlchemy Query runs its query when it is iterated or indexed."""
        if not self.model.in_async_context or not isinstance(expr, (cst.Name, cst.Attribute, cst.Call)):
            return
        if how == "iterating" and isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
            through = library.ITERATED_THROUGH.get(self.model.qualified_name(expr.func) or "")
            if through is not None:  # `enumerate(query)`: iterating it iterates the query
                start, every = through
                positional = [a.value for a in expr.args if a.keyword is None and not a.star]
                for argument in positional[start:] if every else positional[start:start + 1]:
                    self._consumed(argument, how)
                return
        found = self.model.blocking_iteration(expr)
        if found is None:
            return
        shown = self.code_of(expr)
        if len(shown) > 40 or "\n" in shown:
            shown = f"a {found.type.name}"
        self.report(
            expr,
            template=_CONSUMED,
            how=how,
            shown=shown,
            type=found.type.name,
            function=self.model.function_name,
            replacement=found.replacement,
        )

    def _client_used(self, call: cst.Call) -> bool:
        """Chained into a command, kept on an attribute, or bound to a name used for a command here."""
        model = self.model
        parent = model.parent
        if isinstance(parent, cst.Attribute):  # redis.Redis().get(k), MongoClient().db.users.find_one()
            return True
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            if len(targets) != 1:
                return False
            target = targets[0]
            if isinstance(target, cst.Attribute):
                return True
            return isinstance(target, cst.Name) and self._commands_on(target.value)
        if isinstance(parent, cst.WithItem) and parent.asname is not None:
            target = parent.asname.name
            return isinstance(target, cst.Name) and self._commands_on(target.value)
        return False

    def _commands_on(self, name: str) -> bool:
        function = self.model.function
        if function is None or self.model.holds(name) is None:
            return False
        for call in calls_in(function.body):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value not in _NO_IO:
                root = func.value
                while isinstance(root, (cst.Attribute, cst.Subscript)):  # client.db["users"].find_one()
                    root = root.value
                if isinstance(root, cst.Name) and root.value == name:
                    return True
        return False

    # ------------------------------------------------------------------ Django ORM
    def _django(self, call: cst.Call) -> Optional[Blocking]:
        chain = self._queryset_chain(call)
        if chain is None:
            return None
        model_name, methods = chain
        last = methods[-1]
        shown = f"{model_name}.objects." + "().".join(methods)
        if last in _EXECUTING:
            async_form = f"{model_name}.objects." + "(...).".join(methods[:-1] + [f"a{last}"])
            return Blocking(shown, f"'await {async_form}(...)'")
        # A lazy queryset runs its query where it is evaluated: in a sync loop or list(...).
        parent = self.model.parent
        if isinstance(parent, cst.For) and parent.iter is call and parent.asynchronous is None:
            return Blocking(shown, f"'async for' over {shown}(...)")
        if isinstance(parent, cst.CompFor) and parent.iter is call and parent.asynchronous is None:
            return Blocking(shown, f"'async for' in the comprehension over {shown}(...)")
        if isinstance(parent, cst.Arg):
            outer = self.model.ancestors[-2] if len(self.model.ancestors) > 1 else None
            if (
                isinstance(outer, cst.Call)
                and len(outer.args) == 1
                and outer.args[0] is parent
                and self.model.qualified_name(outer.func) in _EVALUATING
            ):
                return Blocking(shown, f"'[obj async for obj in {shown}(...)]'")
        return None

    def _queryset_chain(self, call: cst.Call) -> Optional[Tuple[str, list]]:
        """For `Model.objects.m1(...).m2(...)`: ("Model", ["m1", "m2"]) when every step is a queryset method."""
        methods = []
        node: cst.BaseExpression = call
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method not in _EXECUTING and method not in _LAZY:
                return None
            if methods and method not in _LAZY:  # only lazy steps can come before the last one
                return None
            methods.append(method)
            node = node.func.value
            if isinstance(node, cst.Attribute) and node.attr.value == "objects":
                model = self._model_class(node.value)
                return (model, methods[::-1]) if model is not None else None
        return None

    def _model_class(self, expr: cst.BaseExpression) -> Optional[str]:
        """`Entry` in `Entry.objects` when it names an imported class or a class of this module."""
        name = dotted_name(expr)
        if name is None or not name.split(".")[-1][:1].isupper():
            return None
        if "." not in name:
            found = self.model.definition(expr)  # a class of this module, unless shadowed here
            if found is not None and found.kind == "class" and found.node is not None:
                return name
        qualified = self.model.qualified_name(expr)
        if qualified is not None:
            return None if qualified.startswith("builtins.") else name
        held = self.model.holds_call(name) if "." not in name else None  # User = get_user_model()
        return name if held is not None and held[0] == "django.contrib.auth.get_user_model" else None
