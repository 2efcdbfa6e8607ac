"""positions.locate gives exactly PositionProvider's ranges."""
from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from aiolint.core.locate import locate
from aiolint.core.walk import iter_nodes

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "fixtures" / "rules").glob("*.py")) + sorted((ROOT / "src" / "aiolint").glob("*.py"))

TRICKY = [
    "x = 1",  # no trailing newline
    "",
    "\n\n",
    "# only a comment",
    "if x:\r\n    y = (1,\r\n         2)\r\n",
    "if x:\r    y = 1\r",
    "async def f():\n    await g(  # c\n        1,\n    )\n\n\n@d\nclass C(B):\n"
    "    async def m(self): return [i async for i in x]\n",
    "def f(\n    a,\n    b=lambda: (yield),\n):\n    '''doc\n    string'''\n    return f'{a!r:>{b}}'\n",
    "with a as b, c as d: pass\ntry:\n    pass\nexcept* E:\n    pass\nfinally:\n    pass\n",
    "match x:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v}:\n        pass\n",
    "x = 'é'; y = '\\t\\u00e9'  \\\n    + 'z'\n",
]


def _expected(module):
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _check(module, nodes, expected=None):
    expected = expected or _expected(module)
    got = locate(module, nodes)
    for node in nodes:
        where = expected[node]
        assert got[id(node)] == (
            (where.start.line, where.start.column),
            (where.end.line, where.end.column),
        ), (type(node).__name__, module.code_for_node(node)[:80])


@pytest.mark.parametrize("source", TRICKY)
def test_every_node_alone_and_all_together(source):
    module = cst.parse_module(source)
    nodes = list(iter_nodes(module))
    expected = _expected(module)
    for node in nodes:
        _check(module, [node], expected)
    _check(module, nodes, expected)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_random_nodes_of_real_files(path):
    module = cst.parse_module(path.read_bytes())
    nodes = list(iter_nodes(module))
    rng = random.Random(str(path))
    expected = _expected(module)
    for _ in range(5):
        _check(module, rng.sample(nodes, min(len(nodes), rng.randrange(1, 6))), expected)


def test_nodes_from_another_tree_are_left_out():
    module = cst.parse_module("x = 1\n")
    stranger = cst.parse_expression("y")
    assert locate(module, [stranger]) == {}
    assert locate(module, []) == {}
