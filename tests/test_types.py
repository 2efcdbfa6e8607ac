"""The model's `type_of`: what an expression is, from what built or declares it (catalog v2)."""
from __future__ import annotations

from conftest import probe


def types(source: str):
    return [str(t) if t is not None else None for t in probe(source, lambda m, t: m.type_of(t))]


def test_locals_attributes_parameters_and_module_objects():
    source = '''
import sqlite3, requests
from typing import Optional, Union
from pymongo import MongoClient
client = MongoClient()
users = client.app.users
class Store:
    conn: "sqlite3.Connection"
    def __init__(self):
        self.http = requests.Session()
        self.cur = None
    def open(self):
        self.cur = sqlite3.connect("x").cursor()
    async def go(self, a: Optional[requests.Session], b: "requests.Session | None", c: Union[None, sqlite3.Cursor], d):
        probe(self.http)
        probe(self.cur)
        probe(self.conn)
        probe(users)
        probe(a)
        probe(b)
        probe(c)
        probe(d)
        probe(self.missing)
'''
    assert types(source) == [
        "requests.Session", "sqlite3.Cursor", "sqlite3.Connection", "pymongo.Collection",
        "requests.Session", "requests.Session", "sqlite3.Cursor", None, None,
    ]


def test_a_name_rebound_from_itself_keeps_the_type_every_binding_keeps():
    source = '''
import sqlite3
from sqlalchemy.orm import Session
def make(): ...
async def go(db: Session, conn: sqlite3.Connection, flag):
    query = db.query(int)
    if flag:
        query = query.filter(flag).join(int)
    probe(query)
    cur = conn.cursor()
    cur = cur.execute("select 1")
    probe(cur)
    other = db.query(int)
    other = other.filter(flag)
    other = make()
    probe(other)
    grown = grown.filter(flag)
    probe(grown)
    mixed = db.query(int)
    mixed = mixed.all()
    probe(mixed)
'''
    # `other`: a later binding gives no type; `grown`: no binding gives one; `mixed`: `.all()`
    # turns the Query into rows.
    assert types(source) == ["sqlalchemy.Query", "sqlite3.Cursor", None, None, None]


def test_derived_objects():
    source = '''
import sqlite3
from pymongo import MongoClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
async def f(x):
    conn = sqlite3.connect("db")
    probe(conn.cursor())
    probe(MongoClient()["app"]["users"])
    probe(MongoClient().app.users.find({}).sort("a"))
    probe(SessionLocal())
    probe(SessionLocal().query(x).filter(x))
    probe(engine.connect())
    with engine.connect() as c:
        probe(c)
    probe(MongoClient().address)
'''
    assert types(source) == [
        "sqlite3.Cursor", "pymongo.Collection", "pymongo.Cursor", "sqlalchemy.Session", "sqlalchemy.Query",
        "sqlalchemy.Connection", "sqlalchemy.Connection", None,
    ]


def test_project_classes_and_function_returns():
    source = '''
import requests
class Database:
    def __init__(self):
        self.session = requests.Session()
def make() -> Database: ...
def evident():
    return requests.Session()
def unsure(flag):
    if flag:
        return requests.Session()
    return 3
db = Database()
async def f():
    probe(make())
    probe(evident())
    probe(unsure(1))
    probe(db)
    probe(db.session)
'''
    assert types(source) == ["Database", "requests.Session", None, "Database", "requests.Session"]


def test_disagreeing_or_rebound_names_are_unknown():
    source = '''
import threading, asyncio
class W:
    def __init__(self, given):
        self.ev = threading.Event()
    def reset(self, given):
        self.ev = given
async def f(flag):
    ev = threading.Event()
    if flag:
        ev = asyncio.Event()
    probe(ev)
    probe(W().ev)
    for item in range(3):
        probe(item)
'''
    assert types(source) == [None, None, None]


def test_shadowed_library_names_are_unknown():
    source = '''
import requests
async def f(requests):
    probe(requests.Session())
'''
    assert types(source) == [None]


def test_definition_receiver_param_plain_functions_and_imports():
    source = '''
import functools, sqlite3
from os import path as p
def helper(): ...
@functools.lru_cache
def cached(): ...
@some_wrapper
def wrapped(): ...
def gen():
    yield 1
class Db:
    def add(self): ...
DB = Db()
class Handler:
    async def run(self):
        probe(helper)
        probe(self.run)
        probe(DB.add)
        probe(cached)
        probe(wrapped)
        probe(gen)
        probe(missing)
'''

    def answer(model, target):
        found = model.definition(target)
        plain = model.is_plain_function(found.node) if found is not None and found.kind == "function" else None
        return (found.name if found else None, plain, model.receiver_param(),
                model.imports_module("os"), model.imports_module("functools"), model.imports_module("json"))

    rows = probe(source, answer)
    assert [r[:2] for r in rows] == [
        ("helper", True), ("Handler.run", False), ("Db.add", True), ("cached", True), ("wrapped", False),
        ("gen", False), (None, None),
    ]
    assert {r[2:] for r in rows} == {("self", True, True, False)}


def test_imports_module_sees_every_import_statement_and_nothing_else():
    source = '''
"""import alpha"""
# import beta
import os.path as osp
class Config:
    import gamma.sub
def load():
    try:
        from delta import x
    except* ValueError:
        from epsilon.inner import y
    match x:
        case 1:
            import zeta
    return "import eta"
from . import theta
from .iota import z
probe(1)
'''
    asked = ("os", "os.path", "gamma", "gamma.sub", "delta", "epsilon", "epsilon.inner", "zeta",
             "alpha", "beta", "eta", "theta", "iota", "osp", "gam")
    [answers] = probe(source, lambda model, _: {name: model.imports_module(name) for name in asked})
    assert [name for name in asked if answers[name]] == [
        "os", "os.path", "gamma", "gamma.sub", "delta", "epsilon", "epsilon.inner", "zeta",
    ]


def test_blocking_methods_come_from_the_table():
    source = '''
import queue, sqlite3
from pymongo import MongoClient
async def f():
    conn = sqlite3.connect("x")
    probe(conn.execute)
    probe(conn.cursor)
    probe(MongoClient().db.users.find_one)
    probe(MongoClient().db.users.find)
    probe(queue.Queue().put)
    probe(queue.Queue(3).put)
'''
    rows = probe(source, lambda m, t: (lambda b: (b.code, b.callee) if b else None)(m.blocking_method(t)))
    assert rows == [
        ("AIO104", "sqlite3.Connection.execute"), None, ("AIO104", "pymongo.Collection.find_one"), None, None,
        ("AIO105", "queue.Queue.put"),
    ]
