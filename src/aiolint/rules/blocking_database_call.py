from __future__ import annotations

import re
from typing import Optional, Tuple

import libcst as cst

from aiolint.rule import ASYNC_DEF, Blocking, BlockingCallRule, RuleDocs, imports
from aiolint.semantics import dotted_name

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
    "pymongo.MongoClient": "pymongo.AsyncMongoClient or motor's AsyncIOMotorClient",
    "pymongo.mongo_client.MongoClient": "pymongo.AsyncMongoClient or motor's AsyncIOMotorClient",
    "redis.Redis": "redis.asyncio.Redis",
    "redis.StrictRedis": "redis.asyncio.Redis",
    "redis.client.Redis": "redis.asyncio.Redis",
    "redis.client.StrictRedis": "redis.asyncio.Redis",
}

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
_EVALUATING = frozenset({"builtins.list", "builtins.tuple", "builtins.set", "builtins.sorted", "builtins.len"})
_DJANGO_IMPORT = re.compile(r"^[ \t]*(?:from|import)[ \t]+django\b", re.MULTILINE)


class BlockingDatabaseCall(BlockingCallRule):
    code = "AIO104"
    name = "blocking-database-call"
    triggers = (
        ASYNC_DEF,
        imports("sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "pymongo", "redis", "django"),
    )
    docs = RuleDocs(
        what=(
            "Checks for synchronous database access in async functions: `sqlite3.connect`, "
            "`psycopg2.connect`, synchronous `psycopg.connect`, `pymysql.connect`, `MySQLdb.connect`, "
            "`pymongo.MongoClient`, synchronous `redis.Redis`/`StrictRedis`, and Django ORM calls "
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
        qualified = self.model.qualified_name(call.func)
        driver = _DRIVERS.get(qualified) if qualified else None
        if driver is not None:
            return Blocking(qualified, f"an async driver ({driver})")
        if isinstance(call.func, cst.Attribute) and _DJANGO_IMPORT.search(self.model.source):
            return self._django(call)
        return None

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
        if "." not in name and self.model.module_definition(name) is not None:
            return name if isinstance(self.model.module_definition(name), cst.ClassDef) else None
        qualified = self.model.qualified_name(expr)
        if qualified is not None:
            return None if qualified.startswith("builtins.") else name
        held = self.model.holds_call(name) if "." not in name else None  # User = get_user_model()
        return name if held is not None and held[0] == "django.contrib.auth.get_user_model" else None
