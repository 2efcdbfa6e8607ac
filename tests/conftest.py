"""Shared helpers for the fixture-driven tests."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
FIX_FIXTURES = FIXTURES / "fixes"

_EXPECT = re.compile(r"#\s*expect:\s*((?:AIO\d{3}[,\s]*)+)")
_DIRECTIVE = re.compile(r"^#\s*aiolint-fixture:\s*(.+)$", re.MULTILINE)


def expected_findings(text: str) -> Set[Tuple[int, str]]:
    """{(line, code)} for the `# expect: AIO100[, AIO101]` markers of a fixture."""
    expected = set()
    for number, line in enumerate(text.splitlines(), 1):
        match = _EXPECT.search(line)
        if match:
            expected.update((number, code) for code in re.findall(r"AIO\d{3}", match.group(1)))
    return expected


def fixture_options(text: str) -> Dict[str, object]:
    """`# aiolint-fixture: key=value` / `# aiolint-fixture: flag` header lines as options."""
    options: Dict[str, object] = {}
    for directive in _DIRECTIVE.findall(text):
        key, sep, value = directive.strip().partition("=")
        options[key.strip()] = value.strip() if sep else True
    return options


def probe(source: str, ask):
    """Run the semantic model over `source` and, at every call `probe(x)`, record `ask(model, x)`.

    Lets tests ask the shared semantics a question at an exact point of a program.
    """
    import libcst as cst

    from aiolint.core.dispatch import RuleRun
    from aiolint.core.rule import Rule, RuleDocs
    from aiolint.core.settings import Settings

    seen: List[object] = []

    class Probe(Rule):
        code = "AIO999"
        name = "semantic-probe"
        docs = RuleDocs("", "", "", "")

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "probe":
                seen.append(ask(self.model, node.args[0].value))

    RuleRun(cst.parse_module(source), source, [Probe], Settings()).run()
    return seen
