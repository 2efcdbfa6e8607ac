"""positions.locate gives exactly PositionProvider's ranges."""
from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from aiolint.core.findings import Report
from aiolint.core.locate import locate, locate_in_statements, located
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


def _by_statement(module, nodes):
    """The nodes, by the index of the top-level statement that holds each."""
    where = {id(node): n for n, statement in enumerate(module.body) for node in iter_nodes(statement)}
    grouped = {}
    for node in nodes:
        if id(node) in where:
            grouped.setdefault(where[id(node)], []).append(node)
    return grouped


def _assert_ranges(got, nodes, expected):
    for node in nodes:
        where = expected[node]
        assert got[id(node)] == ((where.start.line, where.start.column), (where.end.line, where.end.column))


MISPLACED = ["\ufeffx = 1\nif y:\n    z = 2\n", "# c\n\n@(\n    d)\ndef f():\n    g()\n"]


@pytest.mark.parametrize("source", TRICKY + MISPLACED)
def test_a_statement_alone_gives_the_ranges_the_whole_module_gives(source):
    module = cst.parse_module(source)
    grouped = _by_statement(module, list(iter_nodes(module)))
    inside = {id(node) for nodes in grouped.values() for node in nodes}
    got = locate_in_statements(module, source, grouped)
    _assert_ranges(got, [node for nodes in grouped.values() for node in nodes if id(node) in got], _expected(module))
    if "@(" in source:  # `ast` places the def after its decorator's parenthesis: not vouched for
        assert not any(id(node) in got for node in iter_nodes(module.body[0]))
    elif "\ufeff" in source:  # Python rejects the mark in text: it is all left to the module
        assert got == {}
    elif source.endswith("\n") and "\r" not in source.replace("\r\n", ""):
        assert set(got) == inside  # every node, from its statement alone
    # Without a last newline, the last statement's own "\n" is not in the text: left to the module.


@pytest.mark.parametrize("path", SOURCES[::7], ids=lambda p: str(p.relative_to(ROOT)))
def test_statements_of_real_files_alone(path):
    module = cst.parse_module(path.read_bytes())
    nodes = list(iter_nodes(module))[1:]
    rng = random.Random(str(path))
    expected = _expected(module)
    sample = rng.sample(nodes, min(len(nodes), 40))
    got = locate_in_statements(module, module.code, _by_statement(module, sample))
    assert len(got) == len({id(node) for node in sample})
    _assert_ranges(got, sample, expected)


def test_a_report_placed_in_the_wrong_statement_is_still_located_right():
    module = cst.parse_module("x = 1\n\n\ndef f():\n    return g(x)\n")
    call = next(node for node in iter_nodes(module) if isinstance(node, cst.Call))
    report = Report("AIO000", "n", "m", call)
    for top in (module.body[0], module.body[1], module, None):
        [finding] = located(module, [report], module.code, {id(report): top})
        assert (finding.line, finding.col, finding.end_line, finding.end_col) == (5, 12, 5, 16)
