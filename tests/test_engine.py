"""The engine's contract: pure, never raises, skips files with nothing to find."""
from __future__ import annotations

import random

import libcst
import pytest

from aiolint.core import pipeline as engine
from aiolint.core.rule import BlockingCallRule
from aiolint.rules import all_rules
from aiolint.core.settings import Settings

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"


def _codes(findings):
    return [f.code for f in findings]


def test_accepts_str_and_bytes_alike():
    assert _codes(engine.lint(SLEEPY)) == _codes(engine.lint(SLEEPY.encode())) == ["AIO100"]


def test_positions_are_one_based_with_end():
    [finding] = engine.lint(SLEEPY)
    assert (finding.line, finding.col, finding.end_line, finding.end_col) == (4, 5, 4, 18)


def test_syntax_error_is_one_aio000_with_its_position():
    [finding] = engine.lint("import time\nasync def f(:\n    time.sleep(1)\n")
    assert finding.code == "AIO000"
    assert "cannot parse" in finding.message
    # Where Python itself places the mistake (LibCST reports the token after it, on line 3).
    assert (finding.line, finding.col) == (2, 13)


def test_syntax_error_in_a_file_with_nothing_to_find_is_left_to_flake8():
    # Not parsed at all (flake8 itself reports E999 for it).
    assert engine.lint("def f(:\n    pass\n") == []


@pytest.mark.parametrize(
    "source",
    [
        b"\x00\x01\x02async def",
        b"async def f():\n    x = '\x00'\n",
        b"\xff\xfe\xfa async",
        b"# -*- coding: no-such-codec -*-\nasync def f(): pass\n",
        "async def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(100)) + "    " * 101 + "pass\n",
        "async def f():\n    return " + "(" * 500 + "1" + ")" * 500 + "\n",
        b"",
        b"\n\n\n",
    ],
)
def test_garbage_yields_aio000_or_nothing_never_an_exception(source):
    findings = engine.lint(source)
    assert all(f.code == "AIO000" for f in findings)
    assert len(findings) <= 1


def test_random_bytes_never_raise():
    rng = random.Random(1234)
    for _ in range(200):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        findings = engine.lint(b"async def f():\n" + blob)
        assert all(f.code == "AIO000" for f in findings)


def test_file_without_triggers_is_never_parsed(monkeypatch):
    def explode(*args, **kwargs):
        raise AssertionError("LibCST parse ran on a file with nothing to find")

    monkeypatch.setattr(libcst, "parse_module", explode)
    monkeypatch.setattr(engine.cst, "parse_module", explode)
    plain = "import os\n\ndef main():\n    return os.getcwd()\n" * 50
    assert engine.lint(plain) == []
    assert engine.lint(plain.encode()) == []


def test_disabled_rules_do_not_trigger_a_parse(monkeypatch):
    calls = []
    real = engine.parse
    monkeypatch.setattr(engine, "parse", lambda source: calls.append(1) or real(source))
    assert engine.lint(SLEEPY, settings=Settings(ignore=("AIO1",))) == []
    assert calls == []


def test_a_crashing_rule_becomes_aio000_and_others_still_report(monkeypatch):
    from aiolint.rules.blocking_http_call import BlockingHttpCall

    def boom(self, call):
        raise ValueError("kaput")

    monkeypatch.setattr(BlockingHttpCall, "match", boom)
    source = "import time, requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('u')\n"
    findings = engine.lint(source)
    assert _codes(findings) == ["AIO000", "AIO100"]
    assert "AIO101" in findings[0].message and "kaput" in findings[0].message


def test_lint_never_imports_or_executes_the_code(tmp_path):
    marker = tmp_path / "marker"
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nraise SystemExit(3)\n"
    source += SLEEPY
    assert _codes(engine.lint(source)) == ["AIO100"]
    assert not marker.exists()


def test_blocking_rules_share_one_base():
    blocking = [r for r in all_rules() if issubclass(r, BlockingCallRule)]
    assert {r.code for r in blocking} >= {"AIO100", "AIO101"}
