"""The shared semantic model: name resolution, shadowing, context, what names hold."""
from __future__ import annotations

from typing import List

import libcst as cst

from conftest import probe as run_probe


def _answers(model, target):
    """(qualified name of the probed expression, async context?, what a probed name holds)."""
    held = model.holds_call(target) if isinstance(target, cst.Name) else None
    return model.qualified_name(target), model.in_async_context, held[0] if held else None


def probe(source: str) -> List[tuple]:
    return run_probe(source, _answers)


def test_import_forms_resolve():
    source = """
import time
import time as t
from time import sleep as nap
import os.path
from . import sibling
probe(time.sleep)
probe(t.sleep)
probe(nap)
probe(os.path.join)
probe(sibling)
probe(open)
probe(undefined_name)
"""
    assert [q for q, _, _ in probe(source)] == [
        "time.sleep", "time.sleep", "time.sleep", "os.path.join", ".sibling", "builtins.open", None,
    ]


def test_shadowing_by_param_local_def_class_and_for():
    source = """
import time
def a(time):
    probe(time.sleep)
def b():
    time = 1
    probe(time.sleep)
def c():
    probe(time.sleep)
    def time(): pass
def d():
    class time: pass
    probe(time.sleep)
def e(xs):
    for time in xs:
        probe(time.sleep)
def f():
    probe(time.sleep)
"""
    assert [q for q, _, _ in probe(source)] == [None, None, None, None, None, "time.sleep"]


def test_function_local_import_and_global():
    source = """
time = None
def a():
    import time
    probe(time.sleep)
def b():
    global time
    probe(time.sleep)
"""
    assert [q for q, _, _ in probe(source)] == ["time.sleep", None]


def test_optional_import_fallback_keeps_the_module():
    source = """
try:
    import requests
except ImportError:
    requests = None
probe(requests.get)
"""
    assert [q for q, _, _ in probe(source)] == ["requests.get"]


def test_class_scope_is_invisible_to_methods():
    source = """
import time
class C:
    time = 3
    probe(time)
    def m(self):
        probe(time.sleep)
"""
    assert [q for q, _, _ in probe(source)] == [None, "time.sleep"]


def test_async_context_stack():
    source = """
async def a():
    probe(x)
    def sync():
        probe(x)
    probe(x)
    lambda: probe(x)
    [probe(x) for _ in y]
    class K:
        probe(x)
    async def inner():
        probe(x)
    def with_default(v=probe(x)):
        pass
probe(x)
"""
    assert [a for _, a, _ in probe(source)] == [True, False, True, False, True, False, True, True, False]


def test_holds_requires_a_single_binding():
    source = """
import requests
async def a(flag):
    s = requests.Session()
    probe(s)
    with requests.Session() as w:
        probe(w)
    if flag:
        r = requests.Session()
    else:
        r = other()
    probe(r)
    for q in []:
        pass
    probe(q)
"""
    assert [h for _, _, h in probe(source)] == ["requests.Session", "requests.Session", None, None]
