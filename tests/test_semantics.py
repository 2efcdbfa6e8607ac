"""The shared semantic model: name resolution, shadowing, context, what names hold."""
from __future__ import annotations

from typing import List

import libcst as cst

from aiolint.semantics.types import library_type
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


# ----------------------------------------------------------------- AIO5xx questions
def test_type_of_knows_thread_locks_from_calls_names_and_class_attributes():
    source = (
        "import threading\nfrom threading import RLock\n\nLOCK = threading.Lock()\n\n"
        "class Base:\n    shared = threading.Semaphore(2)\n\n"
        "class C(Base):\n"
        "    def __init__(self, given):\n        self.own = RLock()\n        self.given = given\n"
        "        self.later = None\n\n"
        "    def start(self):\n        self.later = threading.Condition()\n\n"
        "    async def f(self, param):\n        local = threading.BoundedSemaphore()\n"
        "        probe(LOCK); probe(self.own); probe(self.shared); probe(self.later); probe(local)\n"
        "        probe(self.given); probe(param); probe(threading.Lock())\n"
    )
    assert run_probe(source, lambda model, expr: library_type(model.type_of(expr))) == [
        "threading.Lock", "threading.RLock", "threading.Semaphore", "threading.Condition",
        "threading.BoundedSemaphore", None, None, "threading.Lock",
    ]


def test_catches_cancellation_per_loop():
    source = (
        "import asyncio\nimport anyio\nfrom asyncio import CancelledError as CE\n\n"
        "async def f():\n"
        "    probe(asyncio.CancelledError); probe((ValueError, CE)); probe(BaseException)\n"
        "    probe(anyio.get_cancelled_exc_class()); probe(Exception); probe(asyncio.TimeoutError)\n"
    )
    answers = run_probe(source, lambda m, e: (m.catches_cancellation(e), sorted(m.cancellation_loops(e))))
    assert answers == [
        ("asyncio.CancelledError", ["asyncio"]), ("CE", ["asyncio"]), ("BaseException", ["asyncio", "trio"]),
        ("anyio.get_cancelled_exc_class()", ["asyncio", "trio"]), (None, []), (None, []),
    ]


def test_awaits_and_cancelled_before():
    source = (
        "import asyncio\n\nasync def f(tasks, app):\n"
        "    for t in tasks:\n        t.cancel()\n    app['job'].cancel()\n"
        "    probe([await x for x in tasks])\n    probe([lambda: await_ for x in tasks])\n"
    )
    found = run_probe(source, lambda m, e: (m.awaits(e), sorted(m.cancelled_before(e))))
    assert found == [(True, ["app['job']", "t", "tasks"]), (False, ["app['job']", "t", "tasks"])]


def test_always_raises_and_hands_on():
    from aiolint.semantics import flow

    def handler(text):
        module = cst.parse_module(text)
        return module.body[0].handlers[0].body

    assert flow.always_raises(handler("try:\n    pass\nexcept:\n    log()\n    raise\n"))
    assert not flow.always_raises(handler("try:\n    pass\nexcept:\n    if x:\n        return\n    raise\n"))
    assert flow.always_raises(handler("try:\n    pass\nexcept:\n    if x:\n        raise\n    else:\n        raise\n"))
    assert not flow.always_raises(handler("try:\n    pass\nexcept:\n    for x in y:\n        raise\n"))
    assert flow.hands_on(handler("try:\n    pass\nexcept BaseException as e:\n    fut.set_exception(e)\n"), "e")
    assert not flow.hands_on(handler("try:\n    pass\nexcept BaseException as e:\n    log.error('%s', e)\n"), "e")


def test_guards_bind_arguments_to_parameters_and_read_falsy_literals():
    from aiolint.semantics import guards

    module = cst.parse_module(
        "def f(self, a, /, b=None, *, c=0, d=''):\n    pass\n"
        "x.f(1, 2)\nx.f(1)\nx.f(1, c=3)\nf(s, 1, *r)\n"
    )
    function = module.body[0]
    calls = [statement.body[0].value for statement in module.body[1:]]
    value = guards.parameter_value
    assert value(calls[0], function, "b", bound=True).value == "2"
    assert value(calls[1], function, "b", bound=True).value == "None"  # the default
    assert value(calls[2], function, "c", bound=True).value == "3"
    assert value(calls[1], function, "d", bound=True).value == "''"
    assert value(calls[3], function, "b", bound=False) is None  # `*r` may pass anything
    assert value(calls[1], function, "zz", bound=True) is None
    assert [guards.is_bound_call(call, function) for call in calls] == [True, True, True, False]
    falsy = ["None", "False", "0", "0.0", "''", 'b""', "''''''", "()", "[]", "{}"]
    truthy = ["1", "'x'", "'''x'''", "(1,)", "x", "True"]
    assert all(guards.is_falsy_literal(cst.parse_expression(text)) for text in falsy)
    assert not any(guards.is_falsy_literal(cst.parse_expression(text)) for text in truthy)
    truthy_guard, none_guard = guards.Guard("p", True), guards.Guard("p", False)
    assert guards.skipped_at(truthy_guard, cst.parse_expression("0"))
    assert not guards.skipped_at(none_guard, cst.parse_expression("0"))  # `if p is not None:` runs for 0
    assert guards.skipped_at(none_guard, cst.parse_expression("None"))
    assert not guards.skipped_at(truthy_guard, None)  # not known: may run


def test_guarding_parameters_are_the_tested_unrebound_parameters_of_the_if_branch():
    source = """
def f(a, b, c, d=None):
    c = c or 1
    if a and b and c:
        probe(a)
    elif d is not None:
        probe(d)
    else:
        probe(b)
    if a or b:
        probe(a)
"""
    answers = run_probe(source, lambda model, target: sorted(model.guarding_parameters()))
    assert answers == [
        [("a", True), ("b", True)],  # c is rebound first: its test says nothing of the argument
        [("d", False)],
        [],
        [],
    ]
